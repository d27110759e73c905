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
plan 9
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
	for i in $(seq 1 9); do ok "# SKIP FUSE unusable here: mount is NOT tested"; done
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

mc create -d none --url tcp://127.0.0.1:2376 n1 >/dev/null
run mc mount n1:/ "$TEST_TMP/n1"
expect_err "no SSH access" "mount on a machine without SSH says so"
done_testing
