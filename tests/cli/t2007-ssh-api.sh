#!/bin/bash
# The SSH library API that provisioning uses (wait, run with stdin, upload,
# download, timeouts) against a real sshd: runs the live part of the
# tests/unit/test-ssh cmocka suite with the fixture's port.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
unit="${MC_BUILDDIR:-$(dirname "$MC_BIN")}/tests/unit/test-ssh"
if [ ! -x "$unit" ]; then
	echo "1..0 # SKIP $unit was not built (cmocka missing?)"
	exit 0
fi
plan 3
sshd_start
mkdir -p "$TEST_TMP/key"
ssh-keygen -q -t ed25519 -N '' -f "$TEST_TMP/key/id_ed25519"
sshd_authorize "$TEST_TMP/key/id_ed25519.pub"
MC_TEST_SSHD_PORT=$SSHD_PORT MC_TEST_SSH_KEYDIR="$TEST_TMP/key" USER=$(id -un) run "$unit"
printf '%s\n' "$OUT" "$ERR" | grep -v '^\[ *\(RUN\|OK\) *\]' | head -n 40 | sed 's/^/# /'
expect_rc 0 "the SSH API suite passes against a live sshd"
check "the live tests ran (not skipped)" test -z "$(grep -i skipped <<<"$OUT$ERR")"
expect_out "test_live_api" "test_live_api is in the run"
done_testing
