#!/bin/bash
# `machinectl scp` with both clients: 100 MB each way, trees with odd names,
# machine to machine, ~, scp's target rules, --delta.  The "machines" are
# generic ones on a local sshd, so their files are under $TEST_TMP too.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
plan 88
other_user=; sshd_other_user mc-other && other_user=1
sshd_start
mc_generic g1
mc_generic g2
R="$TEST_TMP/remote"
mkdir -p "$R"
head -c 100000000 /dev/urandom >"$TEST_TMP/big"
big_sum=$(sha256sum <"$TEST_TMP/big" | cut -d' ' -f1)
sum() { sha256sum <"$1" | cut -d' ' -f1; }

# A tree with names that trip up shells and quoting.
T="$TEST_TMP/tree"
mkdir -p "$T/sub dir/deeper" "$T/ünïcødé ∂ir"
printf 'spaces\n' >"$T/a file with spaces"
printf 'single\n' >"$T/it's"
printf 'double\n' >"$T/say \"hi\""
printf 'dollar\n' >"$T/\$HOME and \`cmd\`"
printf 'star\n' >"$T/star*?[x]"
printf 'unicode\n' >"$T/ünïcødé ∂ir/日本語.txt"
printf 'deep\n' >"$T/sub dir/deeper/-leading-dash"
: >"$T/empty"
head -c 300000 /dev/urandom >"$T/sub dir/bin"
chmod 0751 "$T/sub dir/bin"
# Files the home-directory tests leave in $HOME.
home_tag="mc-scp-test-$$"
at_exit "rm -rf \"\$HOME/$home_tag\"*"

for client in external native; do
	if [ $client = native ]; then G=(--native-ssh); else G=(); fi
	c="[$client]"

	run mc "${G[@]}" scp -q "$TEST_TMP/big" "g1:$R/big-$client"
	expect_rc 0 "$c 100 MB to a machine"
	check "$c ... arrive intact (sha256)" test "$(sum "$R/big-$client")" = "$big_sum"
	run mc "${G[@]}" scp -q "g1:$R/big-$client" "$TEST_TMP/big-back-$client"
	expect_rc 0 "$c 100 MB from a machine"
	check "$c ... arrive intact (sha256)" test "$(sum "$TEST_TMP/big-back-$client")" = "$big_sum"
	rm -f "$R/big-$client" "$TEST_TMP/big-back-$client"

	run mc "${G[@]}" scp -r -q "$T" "g1:$R/tree-$client"
	expect_rc 0 "$c scp -r of a tree with spaces, quotes, \$, globs and unicode in its names"
	check "$c ... copies it exactly" diff -r "$T" "$R/tree-$client"
	check "$c ... keeping a file's permission bits" test "$(stat -c %a "$R/tree-$client/sub dir/bin")" = 751
	mkdir -p "$TEST_TMP/back-$client"
	run mc "${G[@]}" scp -r -q "g1:$R/tree-$client" "$TEST_TMP/back-$client"
	check "$c ... and back into an existing directory (as DIR/NAME)" diff -r "$T" "$TEST_TMP/back-$client/tree-$client"

	run mc "${G[@]}" scp -q "g1:$R/tree-$client/it's" "g2:$R/m2m-$client"
	expect_rc 0 "$c machine to machine"
	check "$c ... copies the file" test "$(cat "$R/m2m-$client" 2>/dev/null)" = single

	mkdir -p "$HOME/$home_tag-dir-$client"
	run mc "${G[@]}" scp -q "$T/a file with spaces" "$T/empty" "g1:~/$home_tag-dir-$client"
	check "$c several sources go into a directory under ~ (the login directory)" \
		test -f "$HOME/$home_tag-dir-$client/a file with spaces" -a -f "$HOME/$home_tag-dir-$client/empty"
	run mc "${G[@]}" scp -q "$T/it's" "g1:~/$home_tag-$client"
	check "$c ~/NAME is in the login directory" test "$(cat "$HOME/$home_tag-$client" 2>/dev/null)" = single

	run mc "${G[@]}" scp -q "$T/it's" "$T/empty" "g1:$R/new-$client/"
	check "$c a missing target ending in / is made a directory" test -f "$R/new-$client/empty"
	run mc "${G[@]}" scp -q "$T/it's" "$T/empty" "g1:$R/m2m-$client"
	check "$c several sources need a directory as target" test "$RC" != 0 -a -n "$ERR"
	run mc "${G[@]}" scp -q "$T" "g1:$R/nodir-$client"
	check "$c a directory without -r is refused" test "$RC" != 0 -a ! -e "$R/nodir-$client/empty"
	run mc "${G[@]}" scp -q "$T/empty" "g1:$R/m2m-$client/"
	check "$c a target FILE/ where FILE is a file is refused, the file kept" \
		test "$RC" = 1 -a "$(cat "$R/m2m-$client" 2>/dev/null)" = single

	# Devices, FIFOs, sockets: copying nothing is a failure (OpenSSH's scp exits 1).
	run mc "${G[@]}" scp -q g1:/dev/zero "$TEST_TMP/zero-$client"
	check "$c a remote device as the source fails (exit 1), nothing written" test "$RC" = 1 -a ! -e "$TEST_TMP/zero-$client"
	run mc "${G[@]}" scp -q /dev/null "g1:$R/null-$client"
	check "$c a local device as the source fails (exit 1), nothing written" test "$RC" = 1 -a ! -e "$R/null-$client"
done

# The native client's own messages and exit statuses (the system's scp has
# its own: over SFTP it exits 0 after skipping a FIFO inside -r).
run mc --native-ssh scp -q "$T/empty" "g1:$R/m2m-native/"
expect_err "g1:$R/m2m-native is not a directory" "[native] ... saying that the target is not a directory"
run mc --native-ssh scp -q g1:/dev/zero "$TEST_TMP/zero"
expect_err "cannot copy g1:/dev/zero: not a regular file or directory" "[native] ... saying why nothing was copied"
F="$TEST_TMP/with-fifo"
mkdir -p "$F/sub"
printf 'kept\n' >"$F/sub/file"
mkfifo "$F/fifo"
run mc --native-ssh scp -q -r "$F" "g1:$R/fifo-up"
check "[native] scp -r of a tree with a FIFO copies the rest" test "$(cat "$R/fifo-up/sub/file" 2>/dev/null)" = kept
check "... leaves the FIFO out and exits 1" test "$RC" = 1 -a ! -e "$R/fifo-up/fifo"
expect_err "$F/fifo was not copied: it is not a regular file or directory" "... naming it"
run mc --native-ssh scp -q -r "g1:$F" "$TEST_TMP/fifo-down"
check "[native] ... from a machine too: the rest copied, exit 1" \
	test "$RC" = 1 -a "$(cat "$TEST_TMP/fifo-down/sub/file" 2>/dev/null)" = kept -a ! -e "$TEST_TMP/fifo-down/fifo"
run mc --native-ssh scp -q "$F/fifo" "$F/sub/file" "g1:$R/fifo-flat/"
check "[native] a FIFO among several sources: the others copied, exit 1" \
	test "$RC" = 1 -a -f "$R/fifo-flat/file" -a ! -e "$R/fifo-flat/fifo"

# A file onto itself would be emptied, a directory into itself would grow.
printf 'self\n' >"$R/self"
run mc --native-ssh scp -q "g1:$R/self" "g1:$R/self"
check "[native] a file copied onto itself on a machine is refused (exit 1), the file kept" \
	test "$RC" = 1 -a "$(cat "$R/self")" = self
expect_err "g1:$R/self and g1:$R/self are the same file" "... saying so"
run mc --native-ssh scp -q "$R/self" "$R/"
check "[native] ... locally too (FILE DIR/, where DIR holds FILE)" test "$RC" = 1 -a "$(cat "$R/self")" = self
mkdir -p "$R/selfdir/sub"
run mc --native-ssh scp -q -r "g1:$R/selfdir" "g1:$R/selfdir/sub/"
check "[native] a directory copied into itself is refused (exit 1), nothing made" \
	test "$RC" = 1 -a ! -e "$R/selfdir/sub/selfdir"
expect_err "cannot copy the directory g1:$R/selfdir into itself" "... saying so"
run mc --native-ssh scp -q -r "$R/selfdir" "$R/selfdir/new"
check "[native] ... locally too (to a new directory inside it)" test "$RC" = 1 -a ! -e "$R/selfdir/new"
# The same path as written is refused before any connection (scp -3 would
# empty the file); one that only resolves to it on the machine (the directory
# that holds it, a link) is copied by the native client, which refuses it there.
for d in "g1:$R/self" "g1:/$R/./self" "g1:$R//" "g1:$R/." "g1:$R//self/"; do
	run mc scp -q "g1:$R/self" "$d"
	check "[external] a file copied onto itself on a machine ($d) is refused (exit 1), the file kept" \
		test "$RC" = 1 -a "$(cat "$R/self")" = self
	expect_err "g1:$R/self and $d are the same file: nothing was copied" "... saying so"
done
run mc scp -q "$R/self" "$R/"
check "[external] ... locally too (FILE DIR/), in the same words" test "$RC" = 1 -a "$(cat "$R/self")" = self
expect_err "$R/self and $R/ are the same file: nothing was copied" "... saying so"
cd "$R"
run mc scp -q self .
cd - >/dev/null
check "[external] ... and a relative FILE to . (FILE DIR/.)" test "$RC" = 1 -a "$(cat "$R/self")" = self
expect_err "self and . are the same file: nothing was copied" "... caught by machinectl (the same check runs for NAME:FILE NAME:)"
ln -s self "$R/self-link"
for d in "$R:self" "$R/self-link:self-link"; do
	run mc scp -q "g1:$R/self" "g1:${d%:*}"
	check "[external] a file copied onto itself through g1:${d%:*} is refused (exit 1), the file kept" \
		test "$RC" = 1 -a "$(cat "$R/self")" = self
	expect_err "g1:$R/self and g1:$R/${d##*:} are the same file: nothing was copied" "... saying so"
done
# USER@g1 and g1 are two sessions, on one machine.
run mc scp -q "$(id -un)@g1:$R/self" "g1:$R"
check "[external] ... and from USER@g1 to g1 (two sessions, one machine)" test "$RC" = 1 -a "$(cat "$R/self")" = self
run mc --native-ssh scp -q "$(id -un)@g1:$R/self" "g1:$R/self-link"
check "[native] ... from USER@g1 to g1, through a link" test "$RC" = 1 -a "$(cat "$R/self")" = self
expect_err "are the same file: nothing was copied" "... saying so"
# Two users of one machine: each has a login directory of its own, so paths
# written alike are two files when relative (or ~/), one when absolute.
if [ -n "$other_user" ]; then
	printf 'mine\n' >"$HOME/$home_tag-2u"
	run mc scp -q "g1:$home_tag-2u" "mc-other@g1:$home_tag-2u"
	check "from g1 to OTHER@g1, a relative path written alike is another user's file: copied" \
		test "$RC" = 0 -a "$(cat "$SSHD_OTHER_HOME/$home_tag-2u" 2>&1)" = mine -a "$(cat "$HOME/$home_tag-2u")" = mine
	check "... owned by that user" test "$(stat -c %u "$SSHD_OTHER_HOME/$home_tag-2u")" = 4711
	run mc scp -q "mc-other@g1:~/$home_tag-2u" "g1:~/$home_tag-2u-back"
	check "... and back with ~/" test "$RC" = 0 -a "$(cat "$HOME/$home_tag-2u-back" 2>&1)" = mine
	run mc scp -q "g1:$SSHD_OTHER_HOME/$home_tag-2u" "mc-other@g1:$home_tag-2u"
	check "g1:OTHERS_HOME/FILE to OTHER@g1:FILE is one file: refused (exit 1), the file kept" \
		test "$RC" = 1 -a "$(cat "$SSHD_OTHER_HOME/$home_tag-2u")" = mine
	expect_err "g1:$SSHD_OTHER_HOME/$home_tag-2u and g1:$home_tag-2u are the same file: nothing was copied" \
		"... saying so (each path resolved by its own user)"
	run mc scp -q "mc-other@g1:$SSHD_OTHER_HOME/$home_tag-2u" "g1:$SSHD_OTHER_HOME/$home_tag-2u"
	check "an absolute path written alike by two users is one file: refused (exit 1), the file kept" \
		test "$RC" = 1 -a "$(cat "$SSHD_OTHER_HOME/$home_tag-2u")" = mine
	expect_err "mc-other@g1:$SSHD_OTHER_HOME/$home_tag-2u and g1:$SSHD_OTHER_HOME/$home_tag-2u are the same file" \
		"... saying so, before connecting"
else
	for i in 1 2 3 4 5 6 7; do ok "# SKIP a second login needs root (sshd in a mount namespace)"; done
fi
run mc scp -q "g1:$R/self" "g1:$R/self-copy"
check "[external] another path on the same machine is copied" test "$RC" = 0 -a "$(cat "$R/self-copy" 2>&1)" = self

# --delta: rsync over the system's ssh.
if command -v rsync >/dev/null; then
	run mc scp -d -r -q "$T/" "g1:$R/delta"
	expect_rc 0 "--delta copies a tree with rsync"
	check "... exactly" diff -r "$T" "$R/delta"
	printf 'changed\n' >"$T/it's"
	run mc scp --delta -q "$T/it's" "g1:$R/delta/it's"
	check "... and updates a changed file" test "$(cat "$R/delta/it's")" = changed
	run mc --native-ssh scp -d "$T/it's" "g1:$R/delta/x"
	expect_rc 2 "--delta with --native-ssh is a usage error"
else
	for i in 1 2 3 4; do ok "# SKIP rsync is not installed (Debian package rsync)"; done
fi

# Argument errors.
run mc scp "$T/empty" "nosuch:/tmp/x"
expect_err 'machine "nosuch" does not exist' "an unknown machine is named"
expect_err "./nosuch:/tmp/x" "... with the way to write a local name that has a colon"
mkdir -p "$TEST_TMP/with:colon"
run mc scp "$T/empty" "$TEST_TMP/with:colon/"
expect_rc 0 "a path with a / before its colon is local"
run mc scp "$T/empty"
expect_rc 2 "scp needs a source and a target"
run mc scp "" "$T/empty"
expect_rc 2 "an empty source is a usage error"
expect_err "an empty argument is neither a local path nor [USER@]MACHINE:PATH" "... saying so"
done_testing
