#!/bin/bash
# Lifecycle verbs through the test plugin driver: create, stop, start, restart,
# kill, rm (prompt, -y, -f), several names in parallel, the "default" machine.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

run mc create -d test m1
expect_rc 0 "create with the test plugin driver"
expect_out "(m1) Creating test VM..." "driver phases are printed with the machine name"
run mc status m1
expect_out "Running" "a new machine is Running"

run mc start m1
expect_rc 1 "start of a running machine fails"
expect_err 'Machine "m1" is already running.' "docker-machine's already-running message"

run mc stop m1
expect_rc 0 "stop"
expect_out 'Machine "m1" was stopped.' "stop reports"
run mc status m1
expect_out "Stopped" "stopped machine is Stopped"
run mc url m1
expect_rc 1 "url of a stopped machine fails"
expect_err 'Host "m1" is not running' "url says the host is not running"

run mc start m1
expect_rc 0 "start"
expect_out 'Started machines may have new IP addresses. You may need to re-run the `machinectl env` command.' "start prints the new-IP hint"

run mc restart m1
expect_rc 0 "restart"
run mc kill m1
expect_rc 0 "kill"
run mc status m1
expect_out "Stopped" "killed machine is Stopped"

# Several names at once, in parallel; one failure does not stop the others.
run mc create -d test m2 m3 m4
expect_rc 0 "create of three names"
check "three machines exist" test -d "$STORE/machines/m2" -a -d "$STORE/machines/m3" -a -d "$STORE/machines/m4"
run mc stop m2 m3 nosuch m4
expect_rc 1 "stop with one unknown name fails"
expect_err 'machine "nosuch" does not exist' "the unknown name is reported"
run mc ls --filter state=Stopped -q
check "the others were stopped" test "$(echo $OUT)" = "m1 m2 m3 m4"
# A name given twice is acted on once: no "already running" for the repeat.
run mc start m2 m2
check "start m2 m2 starts m2 once and succeeds" test "$RC" = 0 -a "$(grep -c '^Starting "m2"' <<<"$OUT")" = 1 -a -z "$ERR"
run mc stop m2 m2
check "stop m2 m2 succeeds" test "$RC" = 0 -a -z "$ERR"

# The none driver cannot be stopped: the core says so.
run mc create -d none --url tcp://127.0.0.1:1 n1
run mc stop n1
expect_rc 1 "stop on the none driver fails"
expect_err 'the none driver cannot stop machines' "unsupported operation is named"

# rm: prompt, refusal, -y, -f with a failing driver.
run mc rm m2
expect_rc 1 "rm without confirmation on a closed stdin refuses"
check "m2 still exists" test -d "$STORE/machines/m2"
run_stdin "n" mc rm m2
expect_out "Are you sure? (y/n): " "rm asks"
check "answer n keeps m2" test -d "$STORE/machines/m2"
run_stdin "y" mc rm m2
expect_rc 0 "answer y removes"
expect_out "Successfully removed m2" "rm reports"
check "m2 is gone" test ! -e "$STORE/machines/m2"
run mc rm -y m3 m4 m3
expect_rc 0 "rm -y of two names, one of them twice"
expect_out "About to remove m3, m4" "rm names each machine once"
check "m3 and m4 are gone" test ! -e "$STORE/machines/m3" -a ! -e "$STORE/machines/m4"

MC_TESTDRV_FAIL=remove run mc rm -y m1
expect_rc 1 "rm fails when the driver cannot remove the VM"
expect_err "use -f to remove the local files anyway" "rm says what to do next"
check "m1 is kept" test -d "$STORE/machines/m1"
export MC_TESTDRV_FAIL=remove
run mc rm -f m1
unset MC_TESTDRV_FAIL
expect_rc 0 "rm -f removes the local files anyway"
check "m1 is gone after rm -f" test ! -e "$STORE/machines/m1"

# A failing create leaves nothing behind.
run mc create -d test --test-fail create bad1
expect_rc 1 "a failing driver create fails"
expect_err "create failed, nothing was kept" "the failed phase is named"
check "no store entry is left" test ! -e "$STORE/machines/bad1"
# ... unless the driver cannot remove what it made: then the machine stays,
# so that no VM is left that no machine names, and rm -f removes it.
run mc create -d test --test-fail create,remove bad1
expect_rc 1 "a driver create and its removal failing fail create"
expect_err "Error: machine \"bad1\": create failed: test driver: create failed (injected); and removing what it had made failed too (test driver: remove failed (injected)): the machine is kept, 'machinectl rm -f bad1' removes it" \
	"... saying what failed, that the machine is kept and how to remove it"
run mc ls --filter name=bad1 --format '{{.Name}} {{.State}} {{.Error}}'
check "ls shows it as an Error row with the reason" grep -q "^bad1 Error create failed: test driver: create failed (injected)" <<<"$OUT"
run mc rm -f bad1
expect_rc 0 "rm -f removes it"
check "... and its store entry" test ! -e "$STORE/machines/bad1"
# ... and when its store entry cannot be removed (here a mount point, which
# rename refuses with EBUSY; root ignores modes), create does not say that
# nothing was kept: the entry is an Error row that rm -f removes.
run_busy_entry create-after-reserve "$STORE/machines/stuck" machinectl create -d test --test-fail create stuck
expect_rc 1 "create fails when the driver's create and its store entry's removal fail"
expect_err "Error: machine \"stuck\": create failed: test driver: create failed (injected); and removing what it had made failed too (cannot remove machine \"stuck\": Device or resource busy): the machine is kept, 'machinectl rm -f stuck' removes it" \
	"... saying so, and how to remove it"
run mc ls --filter name=stuck --format '{{.Name}} {{.State}}'
check "ls shows it as an Error row" test "$OUT" = "stuck Error"
run mc rm -f stuck
expect_rc 0 "rm -f removes it (the mount is gone with its namespace)"
check "... and its store entry" test ! -e "$STORE/machines/stuck"
run mc create -d test --test-fail precreate bad2
expect_rc 3 "a failing pre-create check exits 3"
expect_err "Error with pre-create check" "pre-create failure message"
# The driver's check of its flags runs once, before anything is made.
run mc -s "$TEST_TMP/fresh" create -d test --test-fail check_flags bad3 bad4
expect_rc 3 "a driver's failing flag check exits 3"
expect_err "Error: Error with pre-create check: test driver: invalid flags (injected)" "in the driver's words"
expect_one_line_err "one error for all the machines"
check "no machine reached its pre-create checks" test -z "$(grep 'pre-create checks' <<<"$OUT")"
check "no record and no CA were made" test ! -e "$TEST_TMP/fresh/machines/bad3" -a ! -e "$TEST_TMP/fresh/certs/ca.pem"

# Killed (SIGTERM, or Ctrl-C) inside the driver's create: what the driver recorded
# before making anything is on disk (its checkpoint), so rm -f can undo it.
machinectl create -d test --test-delay-ms 5000 --test-ip 127.0.0.9 cut1 >"$TEST_TMP/cut.out" 2>&1 &
cpid=$!
for _ in $(seq 1 100); do grep -q "Creating test VM" "$TEST_TMP/cut.out" && break; sleep 0.1; done
kill -TERM "$cpid"  # (a background job of a script ignores SIGINT; same default action)
wait "$cpid"
check "the signal ends create" test $? = 143
check "the driver's record survived the interruption" \
	grep -q '"IPAddress": "127.0.0.9"' "$STORE/machines/cut1/config.json"
run mc ls --filter name=cut1 --format '{{.State}} {{.Error}}'
check "ls shows it as an interrupted creation, to be removed and made again" \
	test "$OUT" = "Error creation was interrupted: 'machinectl rm -f cut1' removes it, then create it again"
run mc env cut1
expect_rc 1 "env refuses it"
expect_err "machine \"cut1\" was not created completely (creation was interrupted: 'machinectl rm -f cut1' removes it, then create it again)" \
	"and says the same"
run mc rm -f cut1
expect_rc 0 "rm -f removes it"
check "nothing of it is left" test ! -e "$STORE/machines/cut1"

# A create still running (stopped at a fault point) is Creating for status,
# as for ls, and env/config say it is being created, not "interrupted"
# (issue 23, 12).
MC_TEST_PAUSE_AT=create-after-driver machinectl create -d test busy >/dev/null 2>&1 &
pid=$!
at_exit "kill -9 $pid 2>/dev/null"
wait_paused $pid
run mc ls --format '{{.Name}} {{.State}}' --filter name=busy
check "ls says Creating" test "$OUT" = "busy Creating"
run mc status busy
check "status says Creating too" test "$OUT" = "Creating"
run mc env busy
expect_rc 1 "env of a machine being created fails"
expect_err 'machine "busy" is being created (by another machinectl command): try again when it has finished' \
	"and says it is being created"
kill -9 "$pid"
wait "$pid" 2>/dev/null
run mc status busy
check "once its create is gone, status says Error" test "$OUT" = "Error"
run mc env busy
expect_err "creation was interrupted" "and env says the creation was interrupted"
mc rm -f busy >/dev/null 2>&1

# The new-IP hint follows a start that booted a machine, never a failed one.
mc create -d test hint >/dev/null && mc stop hint >/dev/null
MC_TESTDRV_FAIL=start run mc start hint
expect_rc 1 "a failing start fails"
check "and prints no new-IP hint" test -z "$(grep 'may have new IP addresses' <<<"$OUT")"
run mc start hint
expect_out "Started machines may have new IP addresses" "a start that worked prints it"

# A driver that fails without saying why (a bug in it) still fails, and the
# user reads that, not a silent success.
silent='the test driver failed without saying why (a bug in the driver: report it to its authors)'
MC_TESTDRV_FAIL=stop,silent run mc stop hint
expect_rc 1 "a stop the driver failed without an error fails"
expect_err "machine \"hint\": stop failed: $silent" "and says the driver gave no reason"
run mc status hint
expect_out "Running" "the machine is still Running"
MC_TESTDRV_FAIL=state,silent run mc status hint
expect_rc 1 "a state the driver failed without an error fails"
expect_err "$silent" "status says the driver gave no reason"
run mc create -d test --test-fail create,silent silent1
expect_rc 1 "a create the driver failed without an error fails"
expect_err "create failed, nothing was kept: $silent" "create says the driver gave no reason"
check "no store entry is left for it" test ! -e "$STORE/machines/silent1"
MC_TESTDRV_FAIL=check_flags,silent run mc create -d test silent2
expect_rc 3 "flags the driver refused without an error: a pre-create error"
expect_err "Error with pre-create check: $silent" "and it says the driver gave no reason"
check "no store entry for that one either" test ! -e "$STORE/machines/silent2"

# inspect's docker-machine fields for a machine with SSH (issue 23, 15).
run mc inspect -f '{{.Driver.IPAddress}}|{{.Driver.MachineName}}|{{.Driver.SSHUser}}|{{.Driver.SSHPort}}|{{.Driver.SSHKeyPath}}' hint
check "inspect: IPAddress, MachineName, SSHUser, SSHPort, SSHKeyPath ($OUT)" \
	test "$OUT" = "127.0.0.1|hint|docker|22|$STORE/machines/hint/id_ed25519"

# The machine "default" is used when no name is given.
run mc create -d test default
run mc status
expect_out "Running" "status without a name uses default"
run mc ip
expect_out "127.0.0.1" "ip without a name uses default"

# ... but never by rm: a verb that destroys does not default its target, so
# rm -y $(ls -q --filter ...) matching nothing removes nothing (issue 23, 14).
run mc rm -y
expect_rc 2 "rm -y without a name is a usage error"
expect_err '"rm" requires at least 1 argument' "it says a name is needed"
run mc rm -y $(mc ls -q --filter name=nomatch)
expect_rc 2 "rm -y \$(ls -q --filter ...) that matched nothing is a usage error"
run mc rm -f
expect_rc 2 "rm -f without a name too"
check "default is still there" test -d "$STORE/machines/default"

# rm -f of a machine that does not exist succeeds, as docker-machine's does
# (teardown scripts under set -e); without -f it is an error (issue 23, 16).
run mc rm -f nosuch
expect_rc 0 "rm -f of a missing machine exits 0"
expect_err 'Docker machine "nosuch" does not exist: nothing to remove' "and says there was nothing to remove"
run mc rm -y nosuch
expect_rc 1 "rm -y of a missing machine fails"
run mc rm -f nosuch default
expect_rc 0 "rm -f of a missing and an existing machine exits 0"
check "the existing one is removed" test ! -e "$STORE/machines/default"

# rm -f of a machine whose driver plugin is not installed removes its local
# files, as its help says (issue 23, 12).
run mc create -d test orphan
python3 - "$STORE/machines/orphan/config.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["DriverName"] = "uninstalled"
json.dump(d, open(sys.argv[1], "w"))
PY
run mc rm -y orphan
expect_rc 1 "rm without -f of a machine whose driver is missing fails"
expect_err 'uninstalled' "and names the driver"
run mc rm -f orphan
expect_rc 0 "rm -f of a machine whose driver is missing succeeds"
expect_err "removing the local files of \"orphan\" only" "and says only the local files go"
check "its directory is gone" test ! -e "$STORE/machines/orphan"
done_testing
