#!/bin/bash
# os build without a VM and without building: the usage errors, a builder
# that is not installed, and a user who is not root (the builder runs through
# sudo: without sudo, and with a sudo that will not run it).  The build
# itself, from the installed builder, is in tests/e2e/installed-release.sh.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
unset MACHINECTL_OS_BUILDER

run mc os
expect_rc 2 "os without a command is a usage error"
run mc os bild
expect_rc 2 "an unknown os command is a usage error"
expect_err "unknown os command 'bild': use 'machinectl os build'" "it names the command"
run mc os build extra
expect_rc 2 "os build takes no more arguments"

MACHINECTL_OS_BUILDER="$TEST_TMP/nosuch/build-iso" run mc os build
expect_rc 1 "a builder that is not there fails"
expect_err "the machine OS builder $TEST_TMP/nosuch/build-iso is not installed" "the error names it"
expect_err "docker-machinectl-os-builder" "and the Debian package that installs it"
check "nothing is cached" test ! -e "$STORE/cache"
run mc os --help
expect_out "Usage: machinectl os [OPTIONS] build" "os --help shows the usage"
expect_out "--force" "and --force"

# Not root: the builder runs through sudo.  As nobody (root switches to it).
if [ "$(id -u)" != 0 ]; then
	ok "# SKIP not root: cannot run os build as another user"
	done_testing
fi
U="$TEST_TMP/nobody"
chmod 711 "$TEST_TMP"
mkdir -p "$U/bin"
ln -s "$MC_BIN" "$U/bin/machinectl"
chown -R nobody "$U"
as_nobody() { # as_nobody PATH ARGS...: machinectl as nobody, its store in $U
	local path=$1
	shift
	setpriv --reuid=nobody --regid=nogroup --clear-groups env -i PATH="$path" HOME="$U" \
		MACHINECTL_STORAGE_PATH="$U/store" MACHINECTL_OS_BUILDER="$MC_SRCDIR/scripts/build-iso" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" "$@"
}
run as_nobody "$U/bin" machinectl os build
expect_rc 1 "not root and no sudo in PATH: os build fails"
expect_err "building the machine OS needs root (debootstrap, chroot, mknod) and sudo is not installed: run 'machinectl os build' as root" \
	"the error says it needs root and how"
if command -v sudo >/dev/null; then
	run as_nobody "$U/bin:$(dirname "$(command -v sudo)"):/usr/bin:/bin" machinectl os build
	expect_rc 1 "not root, and sudo will not run the builder (no password without a terminal)"
	expect_out "sudo: " "sudo's own message is shown"
	expect_err "the machine OS build failed" "the error says the build failed"
	expect_err "it runs as root through sudo" "and that it runs through sudo"
else
	not_ok "sudo is not installed (scripts/setup installs it)"
fi
check "nothing is cached for nobody" test ! -e "$U/store/cache"
done_testing
