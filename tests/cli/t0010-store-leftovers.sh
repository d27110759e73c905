#!/bin/bash
# Temporary files of killed writes (FILE.tmp.PID, mc_write_file_atomic) are
# removed by the next mutating command (doc/store.md): a create or rm sweeps
# the whole store, a verb that locks a machine sweeps its directory.  One such
# file once held a CA key and stayed forever.  A write still in progress
# (its process alive, the file recent) is left alone.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"

leftovers() { (cd "$STORE" && find . -name '*.tmp.*' | sort | xargs); }
dead_pid() { sh -c 'exit 0' & wait $!; echo $!; }

# A real crash: the first atomic write of a create in an empty store is the CA.
MC_TEST_KILL_AT=write-before-rename run mc create -d none --url tcp://127.0.0.1:2376 k1
check "setup: the create was killed (exit $RC)" test "$RC" -ne 0
left=$(leftovers)
check "setup: the kill left a temporary file ($left)" test -n "$left"
check "setup: ... holding a private key" grep -q 'PRIVATE KEY' "$STORE/$(leftovers | cut -d' ' -f1)"
run mc create -d none --url tcp://127.0.0.1:2376 n1
expect_rc 0 "the next create works"
check "... and removed the temporary file of the killed write" test -z "$(leftovers)"

# Files of other writers: dead (removed), alive and recent (kept), alive but
# older than any write takes (removed: the PID was reused).
sleep 300 &
live=$!
at_exit "kill $live 2>/dev/null"
d=$(dead_pid)
printf 'secret' >"$STORE/certs/ca-key.pem.tmp.$d"
printf 'x' >"$STORE/machines/n1/config.json.tmp.$d"
printf 'x' >"$STORE/config.json.tmp.$live"
printf 'x' >"$STORE/certs/key.pem.tmp.$live"
touch -d '-20 minutes' "$STORE/certs/key.pem.tmp.$live"
printf 'x' >"$STORE/machines/n1/disk.tmp.img"   # not ours: no PID at the end
run mc rm -y n1
expect_rc 0 "rm"
check "rm removed the dead writer's files and the old one, kept the live writer's" \
	test "$(leftovers)" = "./config.json.tmp.$live"

# A verb that locks a machine sweeps that machine's directory.
run mc create -d test t1
expect_rc 0 "a test-driver machine"
d=$(dead_pid)
printf 'x' >"$STORE/machines/t1/config.json.tmp.$d"
run mc stop t1
expect_rc 0 "stop"
check "stop removed the machine's leftover of a killed write" test ! -e "$STORE/machines/t1/config.json.tmp.$d"
kill "$live"

# A file, or a link to nothing, under machines/ is not a machine: create and
# rm name it and leave it alone.
touch "$STORE/machines/stray"
ln -s "$TEST_TMP/nowhere" "$STORE/machines/dangling"
for n in stray dangling; do
	run mc create -d test $n
	expect_rc 1 "create $n fails"
	expect_err "$STORE/machines/$n is in the way of machine \"$n\": it is not a machine's directory" "... naming what is in the way"
done
run mc rm -y stray
expect_rc 1 "rm stray fails"
expect_err "$STORE/machines/stray is in the way of machine \"stray\"" "... naming it too"
check "both are left alone" test -f "$STORE/machines/stray" -a -L "$STORE/machines/dangling"
done_testing
