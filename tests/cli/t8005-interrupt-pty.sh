#!/bin/bash
# Interrupting create at a terminal: machinectl runs on a pseudo-terminal of
# its own (python3's pty module: a new session whose controlling terminal is
# the pty), the test driver is slowed down (MC_TESTDRV_DELAY_MS) so that the
# signal lands while the driver works, and then
#   - Ctrl-C typed on the terminal (the tty sends SIGINT to the foreground
#     process group), SIGINT and SIGTERM sent to the process, SIGHUP (the
#     terminal closed): create ends, with a non-zero status;
#   - the terminal's settings (stty -a, and the raw termios) are the same as
#     before;
#   - the machine is either gone (rolled back) or shown as Error with the way
#     out, and `rm -f` removes it with nothing left; the name works again.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

cat >"$TEST_TMP/onpty.py" <<'PY'
# onpty.py HOW OUTDIR CMD...: run CMD on a new pty; once the store shows the
# machine being created, interrupt it (HOW: ctrl-c, INT, TERM, HUP); write
# OUTDIR/{before,after} (stty -a), {tio-before,tio-after} (termios), status.
import os, pty, signal, subprocess, sys, termios, time

how, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = pty.openpty()
name = os.ttyname(slave)

def stty(path):
    with open(path, "w") as f:
        subprocess.run(["stty", "-a"], stdin=slave, stdout=f, check=True)
    with open(path.replace("stty-", "tio-"), "w") as f:
        f.write(repr(termios.tcgetattr(slave)))

stty(out + "/stty-before")

def child_setup():
    os.setsid()
    fd = os.open(name, os.O_RDWR)          # becomes the controlling terminal
    os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_DFL)

p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, preexec_fn=child_setup)
os.set_blocking(master, False)
seen = b""
deadline = time.time() + 30
# "Creating machine..." is printed before the driver's (slowed) create.
while time.time() < deadline and b"Creating machine" not in seen:
    try:
        seen += os.read(master, 4096)
    except BlockingIOError:
        time.sleep(0.02)
    except OSError:
        break
time.sleep(0.3)
if how == "ctrl-c":
    os.write(master, b"\x03")
elif how == "HUP":
    os.kill(p.pid, signal.SIGHUP)
else:
    os.kill(p.pid, getattr(signal, "SIG" + how))
try:
    rc = p.wait(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    rc = "hung"
while True:
    try:
        b = os.read(master, 4096)
        if not b:
            break
        seen += b
    except (BlockingIOError, OSError):
        break
stty(out + "/stty-after")
with open(out + "/status", "w") as f:
    f.write("%s\n" % rc)
with open(out + "/output", "wb") as f:
    f.write(seen)
PY

mc create -d test bystander >/dev/null 2>&1 || echo "Bail out! cannot create the bystander"
BEFORE=$(bystander_snapshot)

for how in ctrl-c INT TERM HUP; do
	d=$TEST_TMP/$how
	mkdir -p "$d"
	MC_TESTDRV_DELAY_MS=4000 python3 "$TEST_TMP/onpty.py" "$how" "$d" "$MC_BIN" create -d test victim
	rc=$(cat "$d/status" 2>/dev/null)
	check "$how during create: the process ends, not successfully (status $rc)" test -n "$rc" -a "$rc" != 0 -a "$rc" != hung
	check "$how during create: it was interrupted while the driver worked" grep -q "Creating machine" "$d/output"
	if cmp -s "$d/stty-before" "$d/stty-after" && cmp -s "$d/tio-before" "$d/tio-after"; then
		ok "$how during create: the terminal's settings are unchanged (stty -a)"
	else
		not_ok "$how during create: the terminal's settings are unchanged (stty -a)"
		diff "$d/stty-before" "$d/stty-after" | sed 's/^/#   /'
	fi
	run mc ls --format '{{.Name}} {{.State}}'
	expect_rc 0 "$how during create: ls works"
	if grep -q '^victim ' <<<"$OUT"; then
		check "$how during create: the victim shows as Error" grep -qx 'victim Error' <<<"$OUT"
		run mc ls --filter name=victim --format '{{.Error}}'
		check "$how during create: its Error says how to remove it" grep -q "rm -f victim" <<<"$OUT"
	else
		ok "$how during create: the victim was rolled back"
		ok "$how during create: (nothing to remove)"
	fi
	run mc rm -f victim
	check "$how during create: rm -f succeeds or says there is nothing (exit $RC)" \
		test "$RC" = 0 -o -z "$(ls -A "$STORE/machines" | grep -v '^bystander$')"
	victim_gone "$how during create" "$BEFORE"
done
done_testing
