#!/bin/bash
# Hostile strings: paths and values holding ' " $ ; | & \, spaces and a
# newline reach the programs machinectl runs, and the guest, byte for byte.
#   - env: its output for a store with such a path, evaluated by real shells
#     (bash, dash as sh, zsh, fish), sets DOCKER_* to the exact bytes; env -u
#     unsets them.  tcsh and csh (bsd-csh) likewise, with ! and a line break;
#     PowerShell and cmd output read by those shells' quoting rules
#     (tests/lib/shell-rules.py: neither shell runs here).
#     With -s holding a newline, the "# eval $(...)" hint that repeats the
#     command line stays a comment on every line (it once broke there, and
#     eval ran what followed the newline).
#   - Hyper-V: the storage path (-s), the --iso path, the shim's path and a
#     switch name, as powershell.exe's argv and the shim's JSON requests.
#   - VirtualBox: the storage path, the --iso path and a shared folder, as
#     VBoxManage's argv (tests/fakes/VBoxManage records it as JSON).
#   - Provisioning on the sshd fixture (tests/lib/guest-fixture.sh: a guest
#     in a mount namespace of its own): --engine-opt/--engine-label/
#     --engine-env values arrive in the systemd drop-in so that systemd's
#     rules give back the exact bytes; the certificates arrive unchanged and
#     nothing else (no CA or client key) reaches the guest; a newline (which
#     dockerd's options cannot hold) is refused by name.  The guest's Docker
#     (the TLS fixture) listens on --generic-engine-port, not 2376.
# Machine names are restricted ([a-zA-Z0-9.-]); paths and values are not.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
. "$MC_SRCDIR/tests/lib/guest-fixture.sh"

# Every character a shell, JSON or systemd treats specially, two spaces in a
# row and a newline followed by a space.
HOSTILE=$'h \'q" $HOME;|&\\ `x`  %n\n y'
# The same without newline or doubled space: what survives the unquoted
# `eval $(machinectl env)` idiom (word splitting joins words with one space).
MILD=$'m \'q" $HOME;|&\\ `x` %n'
HDIR="$TEST_TMP/$HOSTILE"
S1="$HDIR/store"
S2="$TEST_TMP/$MILD/store"
mkdir -p "$HDIR" "$TEST_TMP/$MILD"

# same DESC EXPECTED_FILE GOT_FILE: the files hold the same bytes (the values
# are NUL-separated: a shell variable cannot hold them)
same() {
	local want got
	want=$(od -c <"$2")
	got=$(od -c <"$3")
	if [ "$want" = "$got" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '%s\n' "expected:" "$want" "got:" "$got" "stderr:" "$(cat "$TEST_TMP/err" 2>/dev/null)" | sed 's/^/#   /' | head -n 30
	fi
}
: >"$TEST_TMP/err"

# ---------------------------------------------------------------- env
for s in "$S1" "$S2"; do
	run mc -s "$s" create -d none --url tcp://127.0.0.1:2376 n1
	expect_rc 0 "create in a store whose path is hostile ($(printf %q "$s" | tail -c 30))"
done
want() { printf '%s\0' "$1/machines/n1" tcp://127.0.0.1:2376 n1 1; }
PRINT='printf "%s\0" "$DOCKER_CERT_PATH" "$DOCKER_HOST" "$DOCKER_MACHINE_NAME" "$DOCKER_TLS_VERIFY"'
UNSET='printf "%s\0" "${DOCKER_CERT_PATH-unset}" "${DOCKER_HOST-unset}" "${DOCKER_MACHINE_NAME-unset}" "${DOCKER_TLS_VERIFY-unset}"'
printf '%s\0' unset unset unset unset >"$TEST_TMP/unset-want"
# The store comes from MACHINECTL_STORAGE_PATH (S1, every hostile byte) or
# from -s (S2; and -s with a newline below).
for sh in bash:bash dash:sh zsh:zsh; do
	prog=${sh%%:*} syntax=${sh#*:}
	check "$prog is installed (scripts/setup)" command -v "$prog"
	# The documented form: eval "$(machinectl env NAME)".
	MACHINECTL_STORAGE_PATH="$S1" $prog -c 'eval "$(machinectl env --shell '"$syntax"' n1)" && '"$PRINT" >"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$prog: eval \"\$(env --shell $syntax)\" sets DOCKER_* to the exact bytes of a hostile store path" \
		<(want "$S1") "$TEST_TMP/got"
	S="$S2" $prog -c 'eval "$(machinectl -s "$S" env --shell '"$syntax"' n1)" && '"$PRINT" >"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$prog: the same with the store given by -s" <(want "$S2") "$TEST_TMP/got"
	# The unquoted form that docker-machine users type: exact for paths
	# without newlines or runs of blanks.
	S="$S2" $prog -c 'eval $(machinectl -s "$S" env --shell '"$syntax"' n1) && '"$PRINT" >"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$prog: eval \$(env --shell $syntax) (unquoted) keeps ' \" \$ ; | & \\ \` and spaces" \
		<(want "$S2") "$TEST_TMP/got"
	# env -u undoes it.
	MACHINECTL_STORAGE_PATH="$S1" $prog -c 'eval "$(machinectl env --shell '"$syntax"' n1)" && eval "$(machinectl env -u --shell '"$syntax"')" && '"$UNSET" >"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$prog: eval \"\$(env -u --shell $syntax)\" unsets the four variables" "$TEST_TMP/unset-want" "$TEST_TMP/got"
	# The "# eval $(...)" hint repeats the command line: an argument
	# holding a newline must not end the comment (eval would run the rest).
	S="$S1" $prog -c 'eval "$(machinectl -s "$S" env --shell '"$syntax"' n1)" && '"$PRINT" >"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$prog: -s with a newline in the path (the hint stays a comment)" <(want "$S1") "$TEST_TMP/got"
done
# SHELL picks the syntax when --shell is not given.
SHELL=/bin/zsh MACHINECTL_STORAGE_PATH="$S1" zsh -c 'eval "$(machinectl env n1)" && '"$PRINT" >"$TEST_TMP/got" 2>"$TEST_TMP/err"
same "zsh: eval \"\$(env)\" with SHELL=/bin/zsh" <(want "$S1") "$TEST_TMP/got"

check "fish is installed (scripts/setup)" command -v fish
MACHINECTL_STORAGE_PATH="$S1" fish -c 'machinectl env --shell fish n1 | source; and '"$PRINT" >"$TEST_TMP/got" 2>"$TEST_TMP/err"
same "fish: env --shell fish | source sets DOCKER_* to the exact bytes of a hostile store path" \
	<(want "$S1") "$TEST_TMP/got"
S="$S2" fish -c 'eval (machinectl -s "$S" env --shell fish n1); and '"$PRINT" >"$TEST_TMP/got" 2>"$TEST_TMP/err"
same "fish: eval (env --shell fish) keeps ' \" \$ ; | & \\ \` and spaces" <(want "$S2") "$TEST_TMP/got"
MACHINECTL_STORAGE_PATH="$S1" SHELL=/usr/bin/fish fish -c 'machinectl env n1 | source; and machinectl env -u | source; and for v in DOCKER_CERT_PATH DOCKER_HOST DOCKER_MACHINE_NAME DOCKER_TLS_VERIFY; set -q $v; and printf "%s\0" set; or printf "%s\0" unset; end' \
	>"$TEST_TMP/got" 2>"$TEST_TMP/err"
same "fish: env -u | source unsets the four variables (SHELL=fish picks the syntax)" "$TEST_TMP/unset-want" "$TEST_TMP/got"
S="$S1" fish -c 'machinectl -s "$S" env --shell fish n1 | source; and '"$PRINT" >"$TEST_TMP/got" 2>"$TEST_TMP/err"
same "fish: -s with a newline in the path (the hint stays a comment)" <(want "$S1") "$TEST_TMP/got"
for s in "$S1" "$S2"; do mc -s "$s" rm -f n1 >/dev/null 2>&1; done

# csh and tcsh (Debian's bsd-csh is csh): in their double quotes $ ` and !
# stay live, and ! (history substitution) is live even in single quotes.
# The documented form eval "`machinectl env`" is exact for every byte but a
# line break, which command substitution cannot carry: a value holding one is
# refused, and nothing runs.  The unquoted eval `...` keeps what survives
# word splitting and globbing (no blanks in a row, no * ? [ { ).
CQ=$'c \'q" $HOME !x !! \\! ;|&\\ `x`  *?[a]{b,c}~%^()<>\t“ü” \r y'
CW=$'w \'q" $HOME !x !!;|&\\! `x` %n'
S3="$TEST_TMP/$CQ/store" S4="$TEST_TMP/$CW/store"
mkdir -p "$TEST_TMP/$CQ" "$TEST_TMP/$CW"
for s in "$S1" "$S3" "$S4"; do
	run mc -s "$s" create -d none --url tcp://127.0.0.1:2376 n1
	expect_rc 0 "create in a store whose path csh finds hostile ($(printf %q "$s" | tail -c 30))"
done
# The shells run in $TEST_TMP/cwd, where "PWNED" would appear if anything ran.
mkdir -p "$TEST_TMP/cwd"
pwned() { test -z "$(ls -A "$TEST_TMP/cwd")"; }
for sh in tcsh:tcsh bsd-csh:csh tcsh:csh; do
	prog=${sh%%:*} syntax=${sh#*:}
	check "$prog is installed (scripts/setup)" command -v "$prog"
	(cd "$TEST_TMP/cwd" && MACHINECTL_STORAGE_PATH="$S3" $prog -c 'eval "`machinectl env --shell '"$syntax"' n1`" && exec sh -c '"'$PRINT'") \
		>"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$prog: eval \"\`env --shell $syntax\`\" sets DOCKER_* to the exact bytes of a path holding ' \" \$ ! \` \\ globs, braces, a tab, a CR and UTF-8" \
		<(want "$S3") "$TEST_TMP/got"
	(cd "$TEST_TMP/cwd" && S="$S4" $prog -c 'eval `machinectl -s $S:q env --shell '"$syntax"' n1` && exec sh -c '"'$PRINT'") \
		>"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$prog: eval \`env --shell $syntax\` (unquoted, the hint's form) keeps ' \" \$ ! ; | & \\ \`" <(want "$S4") "$TEST_TMP/got"
	(cd "$TEST_TMP/cwd" && MACHINECTL_STORAGE_PATH="$S3" $prog -c 'eval "`machinectl env --shell '"$syntax"' n1`"; eval "`machinectl env -u --shell '"$syntax"'`" && exec sh -c '"'$UNSET'") \
		>"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$prog: eval \"\`env -u --shell $syntax\`\" unsets the four variables" "$TEST_TMP/unset-want" "$TEST_TMP/got"
	# A line break: refused, nothing printed, nothing run.
	(cd "$TEST_TMP/cwd" && MACHINECTL_STORAGE_PATH="$S1" $prog -c 'eval "`machinectl env --shell '"$syntax"' n1`"; exec sh -c '"'$UNSET'") \
		>"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$prog: a store path with a line break sets nothing" "$TEST_TMP/unset-want" "$TEST_TMP/got"
	check "$prog: ... and runs nothing" pwned
	run mc -s "$S1" env --shell "$syntax" n1
	expect_rc 1 "$syntax: a value with a line break is refused"
	expect_err "the value of DOCKER_CERT_PATH holds a line break, which $syntax cannot carry safely" "$syntax: the refusal says which value and why"
	check "$syntax: nothing is printed on stdout" test -z "$OUT"
	# The hint repeats the command line: it must stay inert (tcsh's ':' and
	# csh's 'if (0) :' still substitute variables and history).
	(cd "$TEST_TMP/cwd" && S="$S3" $prog -c 'machinectl -s $S:q env --shell '"$syntax"' n1 | grep -v "^setenv" > hint && eval "`cat hint`" && echo inert') \
		>"$TEST_TMP/got" 2>"$TEST_TMP/err"
	check "$prog: the hint lines alone evaluate to nothing ($(head -c 200 "$TEST_TMP/err"))" test "$(cat "$TEST_TMP/got")" = inert
	rm -f "$TEST_TMP/cwd/hint"
	check "$prog: ... and run nothing" pwned
done
# The issue's proof of concept: a URL with a command substitution.
run mc -s "$TEST_TMP/poc" create -d none --url 'tcp://`touch PWNED`:2376' x
(cd "$TEST_TMP/cwd" && MACHINECTL_STORAGE_PATH="$TEST_TMP/poc" tcsh -c 'eval `machinectl env --shell tcsh x`' >/dev/null 2>&1)
check "tcsh: eval \`env\` of a machine whose URL holds \`touch PWNED\` runs nothing" pwned
run env SHELL=/bin/csh machinectl -s "$S4" env n1
expect_out "if (0) : eval \`machinectl -s " "SHELL=/bin/csh picks csh's syntax"

# PowerShell and cmd do not run here: their output is read by their quoting
# rules (tests/lib/shell-rules.py).  PowerShell's double-quote characters
# include U+201C-U+201E and its single-quote characters U+2018-U+201B.
PSQ=$'p \'q" $HOME $(x) ${y} `z` “a” „b” ‘c’ ‚d‛ $ \r\n x'
CMD=$'d &|<>^() x  y'
S5="$TEST_TMP/$PSQ/store" S6="$TEST_TMP/$CMD/store"
mkdir -p "$TEST_TMP/$PSQ" "$TEST_TMP/$CMD"
VARS="DOCKER_CERT_PATH DOCKER_HOST DOCKER_MACHINE_NAME DOCKER_TLS_VERIFY"
for s in "$S1" "$S5" "$S6"; do
	[ "$s" = "$S1" ] || mc -s "$s" create -d none --url tcp://127.0.0.1:2376 n1 >/dev/null 2>&1
	run mc -s "$s" env --shell powershell n1
	printf '%s\n' "$OUT" >"$TEST_TMP/ps.out"
	python3 "$MC_SRCDIR/tests/lib/shell-rules.py" powershell "$TEST_TMP/ps.out" $VARS >"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "powershell: read by PowerShell's rules, the output sets the exact bytes ($(printf %q "$s" | tail -c 40))" \
		<(want "$s") "$TEST_TMP/got"
	run mc -s "$s" env --shell powershell -u
	printf '%s\n' "$OUT" >>"$TEST_TMP/ps.out"
	python3 "$MC_SRCDIR/tests/lib/shell-rules.py" powershell "$TEST_TMP/ps.out" $VARS >"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "powershell: env -u removes them again" "$TEST_TMP/unset-want" "$TEST_TMP/got"
done
run mc -s "$S6" env --shell cmd n1
expect_rc 0 "cmd: a store path with & | < > ^ ( ) and blanks is printed"
printf '%s\n' "$OUT" >"$TEST_TMP/cmd.out"
for ctx in cmd-for cmd-batch; do
	python3 "$MC_SRCDIR/tests/lib/shell-rules.py" $ctx "$TEST_TMP/cmd.out" $VARS >"$TEST_TMP/got" 2>"$TEST_TMP/err"
	same "$ctx: read by cmd's rules, the output sets the exact bytes" <(want "$S6") "$TEST_TMP/got"
done
S7="$TEST_TMP/pct 100%PATH%/store" S8="$TEST_TMP/bang !x!/store"
mkdir -p "$TEST_TMP/pct 100%PATH%" "$TEST_TMP/bang !x!"
for s in "$S1" "$S2" "$S7" "$S8"; do
	[ "$s" = "$S1" ] || mc -s "$s" create -d none --url tcp://127.0.0.1:2376 n1 >/dev/null 2>&1
	run mc -s "$s" env --shell cmd n1
	expect_rc 1 "cmd: a value cmd cannot carry is refused ($(printf %q "$s" | tail -c 30))"
	expect_err "which cmd cannot carry safely" "cmd: the refusal says why"
	check "cmd: nothing is printed on stdout" test -z "$OUT"
done
for s in "$S1" "$S2" "$S3" "$S4" "$S5" "$S6" "$S7" "$S8"; do mc -s "$s" rm -f n1 x >/dev/null 2>&1; done

# ---------------------------------------------------------------- Hyper-V
export MC_FAKE_HYPERV_STATE="$TEST_TMP/hyperv"
mkdir -p "$MC_FAKE_HYPERV_STATE"
unset $(env | sed -n 's/^\(HYPERV_[A-Z_]*\)=.*/\1/p') MACHINECTL_ISO MACHINECTL_POWERSHELL MACHINECTL_HYPERV_TIMEOUT 2>/dev/null
cp "$MC_SRCDIR/drivers/hyperv/machinectl-hyperv.ps1" "$HDIR/machinectl-hyperv.ps1"
export MACHINECTL_HYPERV_SHIM="$HDIR/machinectl-hyperv.ps1"
HSWITCH=$'LAN \'q" $x;|&\\ `y`'
python3 -c 'import json,sys; json.dump([{"name": sys.argv[1], "type": "External"}], open(sys.argv[2], "w"))' \
	"$HSWITCH" "$MC_FAKE_HYPERV_STATE/switches.json"
ISO="$HDIR/boot.iso"
fake_iso_guest "$ISO"
PATH="$MC_SRCDIR/tests/fakes:$PATH" run mc -s "$S1" create -d hyperv --iso "$ISO" --hyperv-virtual-switch "$HSWITCH" --no-provision hv1
expect_rc 0 "hyperv: create with a hostile store path, ISO path, shim path and switch name"
# jreq VERB KEY: the value of args.KEY in the last VERB request, NUL-terminated
jreq() {
	python3 -c 'import json,sys
v=[json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["verb"] == sys.argv[2]][-1]
sys.stdout.write(v["args"][sys.argv[3]] + "\0")' "$MC_FAKE_HYPERV_STATE/requests.log" "$1" "$2"
}
D1="$S1/machines/hv1"
# The -Command text names the shim in a single-quoted PowerShell string: quotes doubled.
same "hyperv: powershell.exe's -Command names the shim's hostile path, quoted for PowerShell, one argument" \
	<(printf '%s\0' "$MACHINECTL_HYPERV_SHIM") \
	<(python3 -c 'import json,re,sys
a = json.loads(open(sys.argv[1]).readlines()[-1])
m = re.fullmatch(r"& \(\[ScriptBlock\]::Create\(\[IO\.File\]::ReadAllText\(\x27((?:[^\x27]|\x27\x27)*)\x27\)\)\)", a[-1])
sys.stdout.write((m.group(1).replace("\x27\x27", "\x27") if m and a[-2] == "-Command" else "no match") + "\0")' "$MC_FAKE_HYPERV_STATE/argv.jsonl")
same "hyperv: New-VM's path is the machine's directory, exactly" <(printf '%s\0' "$D1") <(jreq create path)
same "hyperv: the DVD is the --iso path, exactly" <(printf '%s\0' "$ISO") <(jreq create iso)
same "hyperv: the disk is the machine's disk.vhd, exactly" <(printf '%s\0' "$D1/disk.vhd") <(jreq create disk)
same "hyperv: the switch is the hostile name, exactly" <(printf '%s\0' "$HSWITCH") <(jreq create switch)
same "hyperv: Convert-VHD gets the exact paths" <(printf '%s\0%s\0' "$D1/fixed.vhd" "$D1/disk.vhd") \
	<(jreq disk fixed; jreq disk path)
PATH="$MC_SRCDIR/tests/fakes:$PATH" run mc -s "$S1" rm -y hv1
expect_rc 0 "hyperv: rm"
check "hyperv: the machine's directory is gone" test ! -e "$D1"

# ---------------------------------------------------------------- VirtualBox
sshd_require
. "$MC_SRCDIR/tests/fakes/vbox-lib.sh"
guest_setup
sshd_start
export MC_FAKE_VBOX_GUEST_SSH_PORT=$SSHD_PORT MC_FAKE_VBOX_GUEST_AUTHORIZED_KEYS=$SSHD_DIR/authorized_keys
vbox_setup_guest || echo "Bail out! no NIC in the test's network namespace"
VISO="$HDIR/b2d.iso"
cp "$VBOX_ISO" "$VISO"
SHARE="$HDIR/share"
mkdir -p "$SHARE"
run mc -s "$S1" create -d virtualbox --iso "$VISO" --no-provision --virtualbox-disk-size 8 --virtualbox-cpu-count 1 \
	--virtualbox-memory 512 --virtualbox-ssh-user "$(id -un)" --virtualbox-start-timeout 20 \
	--virtualbox-share-folder "$SHARE:data" vb1
expect_rc 0 "virtualbox: create with a hostile store path, ISO path and shared folder"
VD="$S1/machines/vb1"
# vcall PREFIX...: the argv (NUL-separated) of the first VBoxManage call starting with PREFIX
vcall() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    if a[:len(sys.argv) - 2] == sys.argv[2:]:
        sys.stdout.write("".join(x + "\0" for x in a))
        break' "$MC_FAKE_VBOX_STATE/calls.jsonl" "$@"
}
same "virtualbox: convertfromraw writes the exact disk path" \
	<(printf '%s\0' convertfromraw stdin "$VD/disk.vmdk" 8388608 --format VMDK) <(vcall convertfromraw)
same "virtualbox: createvm --basefolder is the machine's directory, exactly" \
	<(printf '%s\0' createvm --basefolder "$VD" --name vb1 --register) <(vcall createvm)
same "virtualbox: the DVD is the ISO copied into the machine's directory, exact path" \
	<(printf '%s\0' storageattach vb1 --storagectl SATA --port 0 --device 0 --type dvddrive --medium "$VD/boot2docker.iso") \
	<(vcall storageattach vb1 --storagectl SATA --port 0)
check "virtualbox: the ISO copy holds the --iso file's bytes" cmp -s "$VISO" "$VD/boot2docker.iso"
same "virtualbox: the disk is attached by its exact path" \
	<(printf '%s\0' storageattach vb1 --storagectl SATA --port 1 --device 0 --type hdd --medium "$VD/disk.vmdk") \
	<(vcall storageattach vb1 --storagectl SATA --port 1)
same "virtualbox: the shared folder's host path is exact" \
	<(printf '%s\0' sharedfolder add vb1 --name data --hostpath "$SHARE" --automount) <(vcall sharedfolder add)
run mc -s "$S1" rm -f vb1
expect_rc 0 "virtualbox: rm -f"
check "virtualbox: no VM and no medium are left" test -z "$(VBoxManage list vms)$(VBoxManage list hdds)"
_vbox_kill_relays

# ---------------------------------------------------------------- provisioning
ssh-keygen -q -t ed25519 -N '' -C guest -f "$HDIR/gkey"
sshd_authorize "$HDIR/gkey.pub"
GEN=(-d generic --generic-ip-address 127.0.0.1 --generic-ssh-port "$SSHD_PORT" --generic-ssh-user "$(id -un)"
	--generic-ssh-key "$HDIR/gkey" --generic-engine-port "$GUEST_ENGINE_PORT")
OPT=$'log-opt=tag=a b\'c"d$HOME;e|f&g\\h `i` %n'
LABEL=$'team=o\'k "x" $USER;|&\\ 100%'
ENV=$'HTTP_PROXY=http://u:p\'w"d$1;|&\\@proxy %h:3128'
run mc -s "$S1" create "${GEN[@]}" --engine-opt "$OPT" --engine-label "$LABEL" --engine-env "$ENV" p1
expect_rc 0 "provisioning: create over SSH with hostile engine options, labels and environment"
expect_out "Docker is up and running!" "provisioning: Docker answered over TLS with the certificates the guest received"
DROPIN=$(guest_file /etc/systemd/system/docker.service.d/10-machinectl.conf)
check "provisioning: the guest holds the drop-in" test -f "$DROPIN"
# systemd's rules (systemd.syntax(7), systemd.service(5)): %% is %; words are
# split at blanks, "..." quotes with C escapes; in ExecStart= $$ is $ (a lone
# $ would be a variable), in Environment= $ is literal.
cat >"$TEST_TMP/sdparse.py" <<'PY'
import sys

def words(line, dollar):
    if '%' in line.replace('%%', ''):
        raise SystemExit('unknown specifier in: ' + line)
    line = line.replace('%%', '%')
    out, i = [], 0
    esc = {'\\': '\\', '"': '"', "'": "'", 'n': '\n', 't': '\t', 's': ' '}
    while i < len(line):
        if line[i] in ' \t':
            i += 1
            continue
        w, q = '', None
        while i < len(line) and (q or line[i] not in ' \t'):
            c = line[i]
            if c == '\\':
                w += esc[line[i + 1]]
                i += 2
                continue
            if q and c == q:
                q = None
            elif not q and c in '"\'':
                q = c
            else:
                w += c
            i += 1
        if dollar:
            if '$' in w.replace('$$', ''):
                raise SystemExit('variable reference in: ' + w)
            w = w.replace('$$', '$')
        out.append(w)
    return out

args, env = [], []
for l in open(sys.argv[1]).read().split('\n'):
    if l.startswith('ExecStart=') and l != 'ExecStart=':
        args = words(l[len('ExecStart='):], True)
    elif l.startswith('Environment=') and l != 'Environment=':
        env += words(l[len('Environment='):], False)
sys.stdout.write(''.join(a + '\0' for a in args[12:]) + '--env\0' + ''.join(e + '\0' for e in env))
PY
same "provisioning: read as systemd reads it, the drop-in gives dockerd the exact label, option and environment" \
	<(printf '%s\0' --label=provider=generic "--label=$LABEL" "--$OPT" --env "$ENV") \
	<(python3 "$TEST_TMP/sdparse.py" "$DROPIN" 2>&1)
for f in ca.pem server.pem server-key.pem; do
	check "provisioning: the guest's /etc/docker/$f holds the machine's $f byte for byte" \
		cmp -s "$S1/machines/p1/$f" "$(guest_file /etc/docker/$f)"
done
check "provisioning: the server key is 0600 in the guest" test "$(stat -c %a "$(guest_file /etc/docker/server-key.pem)")" = 600
check "provisioning: the guest's hostname file is the machine's name" test "$(cat "$(guest_file /etc/hostname)")" = p1
check "provisioning: the staging directory in the guest's home is empty" \
	test -z "$(ls -A "$GUEST/home/.machinectl-provision" 2>/dev/null)"
check "provisioning: Docker was restarted through systemd" grep -qx 'restart docker' "$GUEST/systemctl.log"
# What the guest received, as files: exactly these (t8003 checks the sources
# for the same set), and never the CA key or the client key.
check "provisioning: the guest's /etc gained exactly the certificates, the drop-in, hostname and hosts" \
	test "$(cd "$GUEST/etc.up" && find . -type f | LC_ALL=C sort | xargs)" = \
	"./docker/ca.pem ./docker/server-key.pem ./docker/server.pem ./hostname ./hosts ./systemd/system/docker.service.d/10-machinectl.conf"
leaked=0
for k in "$S1/certs/ca-key.pem" "$S1/certs/key.pem"; do
	body=$(grep -v -- '-----' "$k" | tr -d '\n' | cut -c 20-60)
	grep -rqF -- "$body" "$GUEST/etc.up" "$GUEST/home" && leaked=$((leaked + 1))
done
check "provisioning: no file in the guest holds the CA key or the client key" test "$leaked" = 0

# A newline cannot be carried to dockerd: refused by name when create checks
# its options, before anything is made.
run mc -s "$S1" create "${GEN[@]}" --engine-opt $'log-opt=tag=a\nb' p2
check "provisioning: an --engine-opt with a newline is a usage error (exit $RC)" test "$RC" = 2
expect_err "contains a control character" "provisioning: the refusal names the problem"
check "provisioning: nothing was made for it" test ! -e "$S1/machines/p2"
# provision --engine-* takes new options under create's rules, before anything changes.
before=$(cat "$S1/machines/p1/config.json")
run mc -s "$S1" provision --engine-env 'BAD NAME' p1
check "provision: an --engine-env that is not KEY=VALUE is a usage error (exit $RC)" test "$RC" = 2
expect_err 'nothing was changed: invalid --engine-env "BAD NAME": expected KEY=VALUE' "provision: the refusal names it"
run mc -s "$S1" provision --engine-opt $'log-opt=tag=a\nb' --engine-label 'x=$(id)' p1
check "provision: an --engine-opt with a newline is a usage error (exit $RC)" test "$RC" = 2
expect_err "contains a control character" "provision: the refusal names the problem"
check "provision: the refused options left the record as it was" test "$before" = "$(cat "$S1/machines/p1/config.json")"
run mc -s "$S1" rm -f p1
expect_rc 0 "provisioning: rm -f p1"
check "nothing is left in the hostile store's machines/" test -z "$(ls -A "$S1/machines")"
done_testing
