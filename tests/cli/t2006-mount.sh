#!/bin/bash
# `machinectl mount NAME:PATH MOUNTPOINT` through sshfs, and `mount -u`.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
why=
[ -c /dev/fuse ] || why="/dev/fuse does not exist here (a container without FUSE?)"
command -v sshfs >/dev/null || why="${why:+$why; }sshfs is not installed (Debian package sshfs)"
command -v fusermount >/dev/null || command -v fusermount3 >/dev/null ||
	why="${why:+$why; }fusermount is not installed (Debian package fuse3)"
if [ -n "$why" ]; then
	echo "1..0 # SKIP mount is NOT tested: $why"
	echo "WARNING: t2006-mount skipped, mount is NOT tested: $why" >&2
	exit 0
fi
PLAN=46
plan $PLAN
sshd_start
mc_generic g1
R="$TEST_TMP/remote dir"
mkdir -p "$R/sub"
printf 'on the machine\n' >"$R/sub/file"
mp="$TEST_TMP/mnt"
at_exit "fusermount -u '$mp' 2>/dev/null || fusermount3 -u '$mp' 2>/dev/null"

run mc mount "g1:$R" "$mp"
if [ "$RC" != 0 ] && grep -qiE 'fuse: (device not found|failed to open /dev/fuse)|Operation not permitted' <<<"$ERR"; then
	echo "# WARNING: FUSE is present but unusable here: $ERR" >&2
	for i in $(seq 1 $PLAN); do ok "# SKIP FUSE unusable here: mount is NOT tested"; done
	exit 0
fi
expect_rc 0 "mount NAME:PATH MOUNTPOINT succeeds"
check "the machine's files appear under the mount point" test "$(cat "$mp/sub/file" 2>/dev/null)" = "on the machine"
printf 'from here\n' >"$mp/new" 2>/dev/null
check "files written there land on the machine" test "$(cat "$R/new" 2>/dev/null)" = "from here"
check "it is an sshfs mount" grep -q " $(printf '%s' "$mp" | sed 's/ /\\\\040/g') fuse.sshfs " /proc/mounts
run mc mount -u "g1:$R" "$mp"
expect_rc 0 "mount -u unmounts"
check "... and the files are gone from the mount point" test ! -e "$mp/sub/file"

# Without a mount point: the remote directory's name, in the current directory.
cd "$TEST_TMP" || exit 1
run mc mount "g1:$R/sub"
check "without MOUNTPOINT the remote directory's name is used" test "$(cat "$TEST_TMP/sub/file" 2>/dev/null)" = "on the machine"
run mc mount -u "g1:$R/sub"
expect_rc 0 "... and mount -u finds it the same way"

# mount -u MOUNTPOINT: the mount point alone, as fusermount -u takes it.
run mc mount "g1:$R/sub" "$mp"
expect_rc 0 "mount again"
run mc mount -u "$mp"
expect_rc 0 "mount -u MOUNTPOINT unmounts"
check "... the files are gone from the mount point" test ! -e "$mp/sub/file" -a ! -e "$mp/file"
run mc mount "g1:$R/sub"
run mc mount -u sub
check "mount -u with a relative mount point (no ':') unmounts" test "$RC" = 0 -a ! -e "$TEST_TMP/sub/file"

# A directory whose name starts with '-' is a mount point, not an sshfs option.
mkdir -p "$R/-odebug"
printf 'dash\n' >"$R/-odebug/file"
at_exit "fusermount -u '$TEST_TMP/-odebug' 2>/dev/null || fusermount3 -u '$TEST_TMP/-odebug' 2>/dev/null"
run mc mount "g1:$R/-odebug"
check "a remote directory named -odebug mounts on ./-odebug" test "$RC" = 0 -a "$(cat "$TEST_TMP/-odebug/file" 2>/dev/null)" = dash
run mc mount -u "g1:$R/-odebug"
expect_rc 0 "... and unmounts"

# The mount point must be a directory.
printf 'a file\n' >"$TEST_TMP/afile"
at_exit "fusermount -u '$TEST_TMP/afile' 2>/dev/null || fusermount3 -u '$TEST_TMP/afile' 2>/dev/null"
run mc mount "g1:$R/sub" "$TEST_TMP/afile"
check "mount onto a regular file is refused (exit 1)" test "$RC" = 1 -a "$(cat "$TEST_TMP/afile")" = "a file"
expect_err "$TEST_TMP/afile: it is not a directory" "... saying the mount point must be a directory"
check "... and mounts nothing there" sh -c "! grep -q ' $TEST_TMP/afile ' /proc/mounts"

# A failed mount removes the mount point it created, and only that one.
# (The mount point is not $R/nonexistent itself: on this loopback "machine"
# creating it would make the remote directory exist.)
run mc mount "g1:$R/nonexistent"
check "a failed mount fails" test "$RC" != 0
check "... and leaves no mount point behind" test ! -e "$TEST_TMP/nonexistent"
mkdir "$TEST_TMP/keep"
run mc mount "g1:$R/nonexistent" "$TEST_TMP/keep"
check "... but keeps one that was there before" test "$RC" != 0 -a -d "$TEST_TMP/keep"

# mount -u where nothing is mounted says so.
run mc mount -u "g1:$R" "$TEST_TMP/keep"
expect_rc 1 "mount -u where nothing is mounted fails"
expect_err "cannot unmount $TEST_TMP/keep: nothing is mounted there" "... saying so, naming the mount point"
run mc mount -u "g1:$R" "$TEST_TMP/nothere"
expect_err "cannot unmount $TEST_TMP/nothere: no such directory" "mount -u of a missing directory says so"
run mc mount -u "g1:$R" ""
expect_rc 2 "mount -u of an empty mount point is a usage error"
expect_err "the mount point is empty: give the directory to unmount" "... saying so"

# An unknown machine: mount's own message, no hint about scp's local names.
run mc mount nosuch:/x
expect_err 'machine "nosuch" does not exist' "mount on an unknown machine names it"
check "... without scp's hint about local names with a ':'" test "${ERR/local file/}" = "$ERR"
check "... and creates no mount point" test ! -e "$TEST_TMP/x"

# A trailing '/' on the remote path: still its last name (as docker-machine).
mkdir -p "$TEST_TMP/work/deeper"
cd "$TEST_TMP/work" || exit 1
at_exit "fusermount -u '$TEST_TMP/work/sub' 2>/dev/null; fusermount -u '$TEST_TMP/work/g1' 2>/dev/null; fusermount -u '$TEST_TMP/work' 2>/dev/null"
run mc mount "g1:$R/sub/"
check "g1:DIR/ mounts on ./DIR, not on ./NAME" test "$RC" = 0 -a "$(cat "$TEST_TMP/work/sub/file" 2>/dev/null)" = "on the machine"
run mc mount -u "g1:$R/sub/"
check "... and mount -u g1:DIR/ unmounts it" test "$RC" = 0 -a ! -e "$TEST_TMP/work/sub/file"
# A remote path ending in . or ..: no mount over the current directory or its parent.
mp_work=$(printf '%s' "$TEST_TMP/work" | sed 's/ /\\\\040/g')
run mc mount "g1:$R/sub/."
check "g1:DIR/. without MOUNTPOINT is refused (exit 2)" test "$RC" = 2
expect_err 'ends in ".", which cannot name a mount point here' "... saying why and to give MOUNTPOINT"
check "... and nothing is mounted over the current directory" sh -c "! grep -q ' $mp_work ' /proc/mounts"
cd "$TEST_TMP/work/deeper" || exit 1
run mc mount "g1:$R/sub/.."
check "g1:DIR/.. is refused too, and mounts nothing over the parent" \
	test "$RC" = 2 -a -z "$(grep " $mp_work " /proc/mounts)"
cd "$TEST_TMP" || exit 1

# Twice on one mount point: the second is refused, not stacked on the first.
mp2="$TEST_TMP/work/twice"
at_exit "fusermount -u '$mp2' 2>/dev/null; fusermount -u '$mp2' 2>/dev/null"
mc mount "g1:$R/sub" "$mp2"
run mc mount "g1:$R" "$mp2"
check "mount on a mount point in use is refused (exit 1)" test "$RC" = 1
expect_err "cannot mount on $mp2: something is mounted there already" "... saying so"
check "... and only one mount is there" test "$(grep -c " $mp2 fuse.sshfs " /proc/mounts)" = 1
# Its sshfs killed: a stale mount, which mount names and mount -u clears.
pid=$(pgrep -f "^sshfs .* $mp2\$")
check "(the sshfs of that mount found: $pid)" test -n "$pid"
if [ -n "$pid" ]; then
	kill -9 $pid
	for i in $(seq 1 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
fi
run mc mount "g1:$R/sub" "$mp2"
check "mount on a stale mount is refused (exit 1)" test "$RC" = 1
expect_err "cannot mount on $mp2: a mount whose sshfs is gone is still there (stale): unmount it first (mount -u)" "... saying so"
run mc mount -u "g1:$R/sub" "$mp2"
check "... and mount -u clears it" test "$RC" = 0 -a -z "$(grep " $mp2 " /proc/mounts)"
# mount -u unmounts sshfs only: fusermount run by root unmounts anything.
tm="$TEST_TMP/work/tmpfs dir"
mkdir -p "$tm"
if mount -t tmpfs mc-test-tmpfs "$tm" 2>/dev/null; then
	at_exit "umount '$tm' 2>/dev/null"
	run mc mount -u "g1:$R/sub" "$tm"
	check "mount -u on a mount that is not sshfs (tmpfs) is refused (exit 1)" test "$RC" = 1
	expect_err "cannot unmount $tm: what is mounted there is tmpfs, not sshfs" "... saying what is there"
	check "... and it stays mounted" grep -q " $(printf '%s' "$tm" | sed 's/ /\\\\040/g') tmpfs " /proc/mounts
	umount "$tm"
else
	for i in 1 2 3; do ok "# SKIP cannot mount a tmpfs here (not root?): mount -u of a tmpfs is NOT tested"; done
fi
run env PATH=/nonexistent "$MC_BIN" mount -u "g1:$R/sub" "$mp2"
expect_err "mount -u needs fusermount, which is not installed (Debian: apt install fuse3)" "mount -u without fusermount says what to install"

mc create -d none --url tcp://127.0.0.1:2376 n1 >/dev/null
run mc mount n1:/ "$TEST_TMP/n1"
expect_err "no SSH access" "mount on a machine without SSH says so"
done_testing
