#!/bin/bash
# `machinectl ssh [OPTIONS] NAME`: port forwards (-L, -R, -D, -N), -t/-T and
# -o, with both clients against the loopback sshd; `ssh-config NAME...` read
# by the system's ssh; and the refusals.  A forward must carry bytes both
# ways: an echo server (socat) sends back what a client sends through it.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
if ! command -v socat >/dev/null; then
	echo "Bail out! socat is missing (scripts/setup installs it)"
	exit 1
fi
plan 75
sshd_start
mc_generic g1

# The echo server "behind" the machine (and, for -R, on this host).
ECHO_PORT=$(free_port)
socat TCP-LISTEN:"$ECHO_PORT",bind=127.0.0.1,fork,reuseaddr EXEC:cat 2>/dev/null &
echo_pid=$!
at_exit "kill $echo_pid 2>/dev/null"
for i in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$ECHO_PORT") 2>/dev/null && break; sleep 0.05; done
head -c 300000 /dev/urandom >"$TEST_TMP/payload"

# wait_port PORT: until something listens there (60 s at most: a loaded
# machine, sanitizers); early when the background ssh ended (its stderr shown).
wait_port() {
	local i
	for i in $(seq 1 1200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		if [ -n "${bg_pid:-}" ] && ! kill -0 "$bg_pid" 2>/dev/null; then
			sed 's/^/#   background ssh: /' "$TEST_TMP/bg.err"
			return 1
		fi
		sleep 0.05
	done
	return 1
}
# through PORT [socat address options]: the payload there and back, compared.
through() {
	local back="$TEST_TMP/back.$BASHPID"
	rm -f "$back"
	timeout 30 socat -t 30 - "${2:-TCP:127.0.0.1:$1}" <"$TEST_TMP/payload" >"$back" 2>/dev/null &&
		cmp -s "$TEST_TMP/payload" "$back"
}
# bg_ssh ARGS...: machinectl ssh in the background (its own pid: stopped at exit).
bg_ssh() {
	machinectl "$@" >"$TEST_TMP/bg.out" 2>"$TEST_TMP/bg.err" &
	bg_pid=$!
	at_exit "kill $bg_pid 2>/dev/null"
}
port_and_through() { wait_port "$1" && through "$1"; }
stop_bg() { kill "$bg_pid" 2>/dev/null; wait "$bg_pid" 2>/dev/null; bg_pid=; }
# closed PORT: nothing listens there (any more).
closed() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for client in external native; do
	if [ $client = native ]; then G=(--native-ssh); else G=(); fi
	c="[$client]"

	# -N -L: a port here, the far end as the machine reaches it.
	L=$(free_port)
	bg_ssh "${G[@]}" ssh -N -L "$L:127.0.0.1:$ECHO_PORT" g1
	check "$c ssh -N -L listens on this host" wait_port "$L"
	check "$c ... and 300 kB go through it and back" through "$L"
	check "$c ... again, a second connection on the same forward" through "$L"
	through "$L" & p1=$!
	through "$L"; r2=$?
	wait "$p1"
	check "$c ... two at once" test $? = 0 -a $r2 = 0
	stop_bg
	check "$c ... and a SIGTERM to machinectl ends the forward (no ssh left behind)" closed "$L"

	# The options after NAME, as docker-machine passed them to ssh.
	L=$(free_port)
	bg_ssh "${G[@]}" ssh g1 -L "$L:127.0.0.1:$ECHO_PORT" -N
	check "$c ssh NAME -L ... -N: options after NAME are ssh's options" wait_port "$L"
	check "$c ... and the forward carries bytes both ways" through "$L"
	stop_bg

	# -R while a command runs: the machine's port reaches this host's echo server.
	R=$(free_port)
	run mc "${G[@]}" ssh -R "$R:127.0.0.1:$ECHO_PORT" g1 -- \
		"socat -t 30 - TCP:127.0.0.1:$R <'$TEST_TMP/payload' | sha256sum"
	check "$c ssh -R NAME COMMAND: the command's connection to the machine's port comes back here and returns" \
		test "${OUT%% *}" = "$(sha256sum <"$TEST_TMP/payload" | cut -d' ' -f1)"
	expect_rc 0 "$c ... and the command's status is ssh's"

	# -L with a command: the forward lives as long as the command.
	L=$(free_port)
	bg_ssh "${G[@]}" ssh -L "$L:127.0.0.1:$ECHO_PORT" g1 sleep 90
	check "$c ssh -L NAME COMMAND: the forward works while the command runs" port_and_through "$L"
	stop_bg

	# -t / -T
	run mc "${G[@]}" ssh -t g1 tty
	check "$c -t: a terminal even with a command and no terminal here" grep -q '^/dev/pts/' <<<"$OUT"
	run mc "${G[@]}" ssh -T g1 tty
	check "$c -T: no terminal" grep -q 'not a tty' <<<"$OUT"

	# Refusals: the spec is named, exit 2, nothing runs.
	bad_ok=1
	for bad in 80 1:x:host:2 0:localhost:80 70000:localhost:80 8080:localhost:0 8080:bad_host!:80 \
		8080:/tmp/sock "[::1:8080:localhost:80" 1:2:3:4:5; do
		run mc "${G[@]}" ssh -L "$bad" g1 true
		if [ "$RC" != 2 ] || ! grep -qF -- "-L" <<<"$ERR"; then
			echo "# -L $bad: rc=$RC err=$ERR"
			bad_ok=
		fi
	done
	check "$c bad -L specs are refused with exit 2 and a message naming them" test -n "$bad_ok"
	run mc "${G[@]}" ssh -N g1 echo hi
	expect_rc 2 "$c -N with a command is a usage error"
	expect_err "-N runs no command" "$c ... that says so"
	run mc "${G[@]}" ssh -t -T g1 true
	expect_rc 2 "$c -t with -T is a usage error"
	# A forward that cannot listen: the connection fails (255), saying which.
	busy=$ECHO_PORT
	run mc "${G[@]}" ssh -L "127.0.0.1:$busy:127.0.0.1:$ECHO_PORT" g1 echo ran
	check "$c -L on a port in use fails with 255 and runs nothing" test "$RC" = 255 -a -z "$OUT"
	check "$c ... and says which port" grep -q "$busy" <<<"$ERR"
	check "$c ... in ssh's own words (LogLevel=ERROR with forwards): machinectl adds no guess" \
		test -z "$(grep "exited with status 255" <<<"$ERR")"
done

# The system's ssh only: -D (SOCKS) and -o.
D=$(free_port)
bg_ssh ssh -N -D "127.0.0.1:$D" g1
check "[external] ssh -N -D: a SOCKS proxy here" wait_port "$D"
check "[external] ... that reaches the machine's network both ways" \
	through "$D" "SOCKS4A:127.0.0.1:127.0.0.1:$ECHO_PORT,socksport=$D"
stop_bg
check "[external] ... and ends with machinectl" closed "$D"
rm -f "$TEST_TMP/lc"
run mc ssh -o PermitLocalCommand=yes -o "LocalCommand=touch $TEST_TMP/lc" g1 true
check "[external] -o KEY=VALUE reaches the system's ssh" test "$RC" = 0 -a -e "$TEST_TMP/lc"
run mc ssh -o "Port 1" g1 echo ran
check "[external] -o comes before machinectl's own options, so it wins (Port 1: no connection)" \
	test "$RC" = 255 -a -z "$OUT"
expect_one_line_err "[external] ... and the silent ssh (LogLevel=QUIET) gets one line of explanation"
expect_err '-o "Port 1"' "[external] ... that names the user's -o, as it may override machinectl's own"
expect_err "run again adding -o LogLevel=ERROR" "[external] ... and says how to see ssh's own reason"
run mc ssh -o HostName=127.0.0.2 -o ConnectTimeout=5 g1 true
check "[external] several -o that break the connection are all named" \
	test "$RC" = 255 -a -n "$(grep -F -- "-o HostName=127.0.0.2 -o ConnectTimeout=5" <<<"$ERR")"
run mc ssh -o LogLevel=ERROR -o Port=1 g1 true
check "[external] with the user's own LogLevel, ssh says why itself, and machinectl adds nothing" \
	test "$RC" = 255 -a -n "$(grep "Connection refused" <<<"$ERR")" -a -z "$(grep "Error:" <<<"$ERR")"
run mc ssh -o Bad g1 true
expect_rc 2 "[external] -o without a value is refused"
run mc ssh -o $'User=x\nProxyCommand=y' g1 true
expect_rc 2 "[external] -o with a line break is refused"
run mc ssh g1 -L
check "[external] -L after the name without its value is a usage error that names it" \
	test "$RC" = 2 -a -n "$(grep -F -- "-L needs a value" <<<"$ERR")"
# No NAME: the forwards are checked before "default" is looked for, so a
# forgotten port reads as what it is.
run mc ssh -D g1
check "-D NAME (the port forgotten) names -D's value as no port: $ERR" \
	test "$RC" = 2 -a "$ERR" = "Error: -D \"g1\": \"g1\" is not a port (1-65535). See 'machinectl ssh --help'."
run mc ssh -N
check "no NAME and no \"default\" machine: docker-machine's words, exit 1" \
	test "$RC" = 1 -a "$ERR" = 'Error: No machine name(s) specified and no "default" machine exists'
mc_generic default
run mc ssh -T </dev/null
check "no NAME: the machine \"default\" (a login that reads no command ends, exit $RC)" test "$RC" = 0
mc rm -y default >/dev/null
run mc --native-ssh ssh -D 1080 g1 true
check "[native] -D is refused: it needs the system's ssh" test "$RC" = 2 -a -n "$(grep "system's ssh" <<<"$ERR")"
run mc --native-ssh ssh -o User=x g1 true
check "[native] -o is refused: it is an option of the system's ssh" test "$RC" = 2 -a -n "$(grep "system's ssh" <<<"$ERR")"
run mc ssh --help
expect_out "--local-forward" "ssh --help lists the forwards"

# ssh-config: a Host block the system's ssh reads, with the pinned key file.
mc_generic g2
run mc ssh-config g1 g2
expect_rc 0 "ssh-config NAME... succeeds"
expect_out "Host g1" "... with a Host block per machine (g1)"
expect_out "Host g2" "... (g2)"
expect_out "StrictHostKeyChecking yes" "... that checks host keys strictly"
check "... against the pinned known_hosts file" grep -qF "UserKnownHostsFile \"$STORE/machines/g1/" <<<"$OUT"
check "... and leaves out BatchMode and LogLevel QUIET (for people)" sh -c '! grep -qE "BatchMode|QUIET"' <<<"$OUT"
mc ssh-config g1 >"$TEST_TMP/cfg"
check "ssh -F <(ssh-config g1) g1 logs in with the system's ssh alone" \
	test "$(ssh -F "$TEST_TMP/cfg" g1 echo via-config 2>&1)" = via-config
check "... and another tool (scp) reads it too" scp -q -F "$TEST_TMP/cfg" "$TEST_TMP/payload" "g1:$TEST_TMP/copied"
check "... the copy arrived" cmp -s "$TEST_TMP/payload" "$TEST_TMP/copied"
run mc ssh-config nosuch
check "ssh-config of an unknown machine fails, naming it" test "$RC" != 0 -a -n "$(grep nosuch <<<"$ERR")"
run mc ssh-config g1 nosuch
check "... also among others, whose blocks are still printed" test "$RC" != 0 -a -n "$(grep 'Host g1' <<<"$OUT")"

# A store whose path holds what ssh_config reads specially: quotes, a space
# and a %-token (quoted and doubled) work; "${" (an environment variable to
# OpenSSH, whatever the quoting) is refused, naming the path, not passed on.
S1="$TEST_TMP/st 50%d \"q\" 'x'"
STORE="$S1" MACHINECTL_STORAGE_PATH="$S1" mc_generic h1
MACHINECTL_STORAGE_PATH="$S1" mc ssh-config h1 >"$TEST_TMP/cfg1"
check "a store path with quotes, a space and %d: ssh -F <(ssh-config) logs in" \
	test "$(ssh -F "$TEST_TMP/cfg1" h1 echo via-config 2>&1)" = via-config
S2="$TEST_TMP/st\${HOME}"
STORE="$S2" MACHINECTL_STORAGE_PATH="$S2" mc_generic h2
MACHINECTL_STORAGE_PATH="$S2" run mc ssh h2 echo hi
check "a store path with \${: ssh with the system's client is refused" test "$RC" != 0 -a "$OUT" = ""
expect_err "holds \"\${\", which the system's ssh reads as an environment variable" "... saying why, naming the path"
MACHINECTL_STORAGE_PATH="$S2" run mc ssh-config h2
check "... ssh-config too (no block that names another key file)" test "$RC" = 1 -a -z "$OUT"
expect_err "use a store (-s) whose path has none, or --native-ssh" "... and what to do"
MACHINECTL_STORAGE_PATH="$S2" run mc scp "$TEST_TMP/payload" "h2:$TEST_TMP/copied2"
check "... scp too" test "$RC" != 0 -a ! -e "$TEST_TMP/copied2"
MACHINECTL_STORAGE_PATH="$S2" run mc --native-ssh ssh h2 echo native
check "... while the native client reaches it" test "$RC" = 0 -a "$OUT" = native
