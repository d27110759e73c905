#!/bin/bash
# upgrade NAME...: the core's side through the test plugin driver (which, like
# libvirt, only changes the ISO of a stopped machine): the ISO is resolved as
# for create (--iso, config.ini, the machine OS default), a running machine is
# stopped, switched and started again, a stopped one stays stopped, the old and
# new versions are printed, and every failure leaves the machine usable.  The
# libvirt driver's own part is tests/unit/test-libvirt (test:///default) and
# tests/e2e/libvirt-lifecycle.sh (a real VM).
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

drv() { # drv MACHINE KEY: a field of the machine's Driver object
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Driver"].get(sys.argv[2], ""))' \
		"$STORE/machines/$1/config.json" "$2"
}
ISO1="$TEST_TMP/os-1.iso" ISO2="$TEST_TMP/os 2 'new'.iso"
fake_iso "$ISO1" MC-OS-1.0
fake_iso "$ISO2" MC-OS-2.0

mc create -d test m1 >/dev/null && mc create -d test m2 >/dev/null && mc create -d none --url tcp://127.0.0.1:2376 plain >/dev/null ||
	not_ok "setup: create the machines"

run mc upgrade --iso "$ISO1" m1
expect_rc 0 "upgrade of a running machine"
expect_out "(m1) Upgrading the boot ISO from an unknown version to MC-OS-1.0 ($ISO1)..." "it names the old and new versions"
expect_out "(m1) Stopping the machine to change its ISO..." "it stops the machine first"
expect_out "(m1) Starting the machine back up..." "and starts it again"
expect_out 'Machine "m1" was upgraded to MC-OS-1.0.' "and says what it runs now"
check "the phases carry the elapsed time" grep -qE '^\(m1\) Stopping the machine to change its ISO\.\.\. \[[0-9.]+m?s\]$' <<<"$OUT"
check "the new ISO is recorded" test "$(drv m1 ISO)" = "$ISO1" -a "$(drv m1 ISOVersion)" = MC-OS-1.0
check "ISOSource records what was asked" test "$(drv m1 ISOSource)" = "$ISO1"
run mc status m1
expect_out Running "the machine runs again"

run mc upgrade --iso "$ISO1" m1
expect_rc 0 "upgrade to the ISO it already boots"
expect_out "Machine \"m1\" already boots MC-OS-1.0 ($ISO1): nothing to upgrade." "nothing to do, and it says so"
check "it was not restarted" test -z "$(grep -F Stopping <<<"$OUT")"

run mc upgrade --iso '' m1
expect_rc 2 "an empty --iso is a usage error, not the default ISO"
expect_err "--iso is empty: give a path or a URL, or leave it out for the default ISO" "... saying so"
check "the machine keeps its ISO" test "$(drv m1 ISO)" = "$ISO1"

# A stopped machine stays stopped.
mc stop m2 >/dev/null
run mc upgrade --iso "$ISO2" m2
expect_rc 0 "upgrade of a stopped machine"
expect_out "Machine \"m2\" was upgraded to MC-OS-2.0; it is stopped: 'machinectl start m2' boots it." "it stays stopped and says how to boot it"
check "a path with spaces and quotes is kept verbatim" test "$(drv m2 ISO)" = "$ISO2"
run mc status m2
expect_out Stopped "still stopped"

# Several names at once; one that cannot be upgraded does not stop the others.
run mc upgrade --iso "$ISO2" m1 plain m2 nosuch
expect_rc 1 "upgrade of four names, two of them impossible"
expect_out 'Machine "m1" was upgraded to MC-OS-2.0.' "m1 was upgraded"
expect_out "(m1) Upgrading the boot ISO from MC-OS-1.0 to MC-OS-2.0" "from the version it had"
expect_out 'Machine "m2" already boots MC-OS-2.0' "m2 was already there"
expect_err 'machine "plain": the none driver cannot boot machines from another ISO' "a driver without ISO is named"
expect_err 'machine "nosuch" does not exist' "an unknown name is named"

# The default ISO: config.ini [defaults] iso, else the machine OS build, else the way to build it.
printf '[defaults]\niso = %s\n' "$ISO1" >"$STORE/config.ini"
run mc upgrade m1
expect_rc 0 "upgrade without --iso uses config.ini's iso"
expect_out 'Machine "m1" was upgraded to MC-OS-1.0.' "the config.ini ISO"
rm "$STORE/config.ini"
before=$(store_snapshot)
run mc upgrade m1
expect_rc 1 "no default ISO at all"
expect_err "machinectl os build" "the error names the command that builds the machine OS"
check "the failed upgrade changed nothing" test "$before" = "$(store_snapshot)"
mkdir -p "$MACHINECTL_ISO_CACHE/abc123"
cp "$ISO2" "$MACHINECTL_ISO_CACHE/abc123/machinectl-os.iso"
run mc upgrade m1
expect_rc 0 "upgrade to the machine OS build"
check "the build cache's ISO is recorded" test "$(drv m1 ISO)" = "$MACHINECTL_ISO_CACHE/abc123/machinectl-os.iso"
check "as the default" test "$(drv m1 ISOSource)" = default

# Bad ISOs change nothing and leave the machine running.
before=$(store_snapshot)
run mc upgrade --iso "$TEST_TMP/missing.iso" m1
expect_rc 1 "a missing ISO file"
expect_err "missing.iso" "the missing file is named"
run mc upgrade --iso "$ISO1" --iso-sha256 "$(printf '0%.0s' {1..64})" m1
expect_rc 1 "a SHA-256 mismatch"
expect_err "SHA-256" "the mismatch is reported"
run mc upgrade --iso "$ISO1" --iso-sha256 nothex m1
expect_rc 2 "a malformed --iso-sha256 is a usage error"
# Bytes that are not UTF-8 cannot be recorded: upgrade did nothing, said
# nothing and exited 0.
cp "$ISO1" "$TEST_TMP/"$'\xff'.iso
run mc upgrade --iso "$TEST_TMP/"$'\xff'.iso m1
expect_rc 2 "an ISO whose path is not UTF-8: a usage error"
expect_err "the boot ISO \"$TEST_TMP/\\xff.iso\" is not valid UTF-8, which config.json cannot record: rename it" "... saying so"
run mc upgrade --iso "$ISO1" --iso-sha256 $'\xff' m1
expect_rc 2 "an --iso-sha256 that is not UTF-8: a usage error"
expect_err 'invalid --iso-sha256 "\xff": expected 64 hexadecimal digits' "... as any other bad digest"
check "failed upgrades changed nothing" test "$before" = "$(store_snapshot)"
run mc status m1
expect_out Running "and the machine still runs"
run mc upgrade --iso "$ISO1" --iso-sha256 "$(sha256sum "$ISO1" | cut -d' ' -f1)" m1
expect_rc 0 "the right SHA-256 passes"

# The driver fails to switch: the machine is stopped with its old ISO, and the
# message says how to boot it.
run env MC_TESTDRV_FAIL=set_iso machinectl upgrade --iso "$ISO2" m1
expect_rc 1 "the driver's failure fails the upgrade"
expect_err "upgrade failed (the machine is stopped; 'machinectl start m1' boots its old ISO): test driver: set_iso failed (injected)" "it says what state the machine is in and what to do"
check "the old ISO is still recorded" test "$(drv m1 ISOVersion)" = MC-OS-1.0
run mc start m1
expect_rc 0 "the machine starts again"

run mc upgrade --help
expect_rc 0 "upgrade --help"
expect_out "--iso PATH|URL" "it lists --iso"
done_testing
