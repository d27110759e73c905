#!/bin/bash
# `machinectl ssh NAME COMMAND...` with both clients: exit status, stdout and
# stderr apart, stdin, docker-machine's argument semantics, failures.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
plan 49
sshd_start
mc_generic g1
head -c 1000000 /dev/urandom >"$TEST_TMP/in.bin"
in_sum=$(sha256sum <"$TEST_TMP/in.bin" | cut -d' ' -f1)
# A machine whose key the host does not know.
mc create -d generic --no-provision --generic-ip-address 127.0.0.1 --generic-ssh-port "$SSHD_PORT" \
	--generic-ssh-user "$(id -un)" g-nokey >/dev/null

for client in external native; do
	if [ $client = native ]; then G=(--native-ssh); else G=(); fi
	c="[$client]"

	for st in 0 1 42; do
		run mc "${G[@]}" ssh g1 "exit $st"
		expect_rc $st "$c exit status $st is ours"
	done
	# 255: OpenSSH's status for its own failures too.  The native client
	# knows which it was; with the system's ssh (LogLevel=QUIET) machinectl
	# cannot tell, and says both, and how to find out.
	run mc "${G[@]}" ssh g1 'exit 255'
	expect_rc 255 "$c exit status 255 is ours"
	if [ $client = native ]; then
		# (grep, not "stderr is empty": the remote login shell may print)
		check "$c ... and no message: the native client saw the command's status" \
			test "$(grep -c '^Error:' <<<"$ERR")" = 0
	else
		check "$c ... with one error line, since OpenSSH's 255 may be its own failure" \
			test "$(grep -c '^Error:' <<<"$ERR")" = 1
		expect_err "the connection was lost, or the remote command exited 255" "$c ... that names both causes"
		expect_err "-o LogLevel=ERROR" "$c ... and how to tell them apart"
	fi
	run mc "${G[@]}" ssh g1 'kill -9 $$'
	if [ $client = native ]; then
		expect_rc 137 "$c a command killed by SIGKILL gives 128+9"
	else
		expect_rc 255 "$c a command killed by a signal gives 255 (as OpenSSH reports it)"
	fi

	run mc "${G[@]}" ssh g1 'echo to-out; echo to-err >&2; exit 3'
	check "$c stdout holds only stdout" test "$OUT" = "to-out"
	check "$c stderr holds only stderr" test "$ERR" = "to-err"
	expect_rc 3 "$c ... and the status comes back with them"

	rm -f "$TEST_TMP/piped"
	mc "${G[@]}" ssh g1 "cat > '$TEST_TMP/piped'" <"$TEST_TMP/in.bin"
	check "$c stdin is passed through ('cat > f' < file)" cmp -s "$TEST_TMP/in.bin" "$TEST_TMP/piped"
	got=$(mc "${G[@]}" ssh g1 sha256sum <"$TEST_TMP/in.bin" | cut -d' ' -f1)
	check "$c 1 MB through stdin and a pipe back" test "$got" = "$in_sum"

	run mc "${G[@]}" ssh g1 "echo one
echo 'two  spaces'
exit 7"
	check "$c a quoted multi-line command runs as one command" test "$OUT" = "one
two  spaces"
	expect_rc 7 "$c ... up to its last line"

	run mc "${G[@]}" ssh g1 echo a   b '"c  d"'
	check "$c words after NAME are joined with spaces (the remote shell splits them)" test "$OUT" = "a b c  d"
	run mc "${G[@]}" ssh g1 -- echo after-dashes
	check "$c a -- after NAME is dropped" test "$OUT" = "after-dashes"
	run mc "${G[@]}" ssh g1 ls -d /
	check "$c options after NAME belong to the command" test "$OUT" = "/"
	run mc "${G[@]}" ssh g1 'yes | head -c 3000000' 
	check "$c 3 MB of output arrive whole" test "${#OUT}" -ge 2999999

	run mc "${G[@]}" ssh g-nokey true
	expect_rc 255 "$c a refused login exits 255, as OpenSSH does"
	expect_err "refused the login" "$c ... and says the key was refused"
	expect_err "authorized_keys" "$c ... and where the public key belongs"
done

# Which client: --native-ssh, MACHINECTL_NATIVE_SSH, or no ssh in PATH.
run mc --debug ssh g1 echo x
expect_err "run: ssh " "by default the system's ssh runs (--debug shows it)"
MACHINECTL_NATIVE_SSH=1 run mc --debug ssh g1 echo via-env
check "MACHINECTL_NATIVE_SSH=1 selects the native client" test "$OUT" = via-env -a -z "$(grep 'run: ssh ' <<<"$ERR")"
run env PATH=/nonexistent "$MC_BIN" ssh g1 echo no-ssh
check "without an ssh program the native client is used" test "$OUT" = no-ssh

# Default machine name, and help.
mc_generic default
run_stdin 'echo on-default' mc ssh
check "ssh without NAME opens a shell on \"default\" (stdin is not a terminal: no pty)" test "$OUT" = on-default
expect_rc 0 "... and its status is the shell's"
run mc ssh --help
expect_out "--repin" "ssh --help documents --repin"
run mc ssh g1 --help
check "--help after NAME goes to the remote command, not to us" test "$RC" != 0 -a -z "$OUT"
done_testing
