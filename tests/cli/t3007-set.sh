#!/bin/bash
# set NAME --cpus/--memory/--disk-size/--autostart and create --autostart: the
# core's side through the test plugin driver (which, like libvirt, changes the
# hardware of a stopped machine only and never shrinks a disk).  config.json
# changes only when the driver succeeded; bad input changes nothing.  The
# libvirt driver's own part is tests/unit/test-libvirt (test:///default) and
# tests/e2e/libvirt-set.sh (a real VM).
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

drv() { # drv MACHINE KEY: a field of the machine's Driver object
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Driver"].get(sys.argv[2], ""))' \
		"$STORE/machines/$1/config.json" "$2"
}

mc create -d test m1 >/dev/null && mc create -d test --autostart m2 >/dev/null &&
	mc create -d none --url tcp://127.0.0.1:2376 plain >/dev/null || not_ok "setup: create the machines"
check "create --autostart turns it on through the driver" test "$(drv m2 Autostart)" = True
check "create without --autostart leaves it alone" test -z "$(drv m1 Autostart)"

run mc set --autostart on m1
expect_rc 0 "autostart on a running machine"
expect_out 'Machine "m1" was changed: autostart on.' "it says what changed"
check "recorded" test "$(drv m1 Autostart)" = True
run mc inspect --format '{{.Driver.Autostart}}' m1
expect_out true "inspect shows it"
run mc ls --format '{{.Name}} {{.Autostart}}'
check "ls shows it ({{.Autostart}})" test "$OUT" = "m1 on
m2 on
plain off"

before=$(store_snapshot)
run mc set --cpus 2 m1
expect_rc 1 "CPUs of a running machine: refused by the driver"
expect_err 'machine "m1": set failed: test driver: machine is Running: stop it first' "the driver's reason, named"
check "nothing changed" test "$before" = "$(store_snapshot)"

mc stop m1 >/dev/null
run mc set --cpus 2 --memory 2048 --disk-size 5000 --autostart off m1
expect_rc 0 "set on a stopped machine"
expect_out 'Machine "m1" was changed: 2 CPUs, 2048 MB of memory, a 5000 MB data disk (its file system grows at the next boot), autostart off.' "every change listed"
check "CPUs recorded" test "$(drv m1 CPU)" = 2
check "memory recorded" test "$(drv m1 Memory)" = 2048
check "disk recorded" test "$(drv m1 DiskSize)" = 5000
check "autostart recorded" test "$(drv m1 Autostart)" = False

# What the machine already has is no change: the driver is not asked (it
# would fail here), and a running machine need not stop for it.
before=$(store_snapshot)
run env MC_TESTDRV_FAIL=set machinectl set --cpus 2 --disk-size 5000 m1
expect_rc 0 "set to the values it has"
check "says so: $OUT" test "$OUT" = 'Machine "m1" already has 2 CPUs, a 5000 MB data disk: nothing to change.'
check "the store did not change" test "$before" = "$(store_snapshot)"
mc start m1 >/dev/null
run mc set --memory 2048 --autostart off m1
expect_rc 0 "a running machine set to what it has"
expect_out 'Machine "m1" already has 2048 MB of memory, autostart off: nothing to change.' "nothing to stop for"
run mc set --memory 2048 --autostart on m1
expect_rc 0 "a change and a value it has"
expect_out 'Machine "m1" was changed: autostart on (it already had 2048 MB of memory).' "the change, and what it already had"
check "recorded" test "$(drv m1 Autostart)" = True
run mc set --cpus 3 --memory 2048 m1
expect_rc 1 "a change the running machine refuses"
expect_err 'machine "m1": set failed: test driver: machine is Running: stop it first' "still refused"
mc set --autostart off m1 >/dev/null && mc stop m1 >/dev/null || not_ok "setup: autostart off, stop m1"

# Refusals change nothing: bad values, shrinking, a failing driver, no change named.
before=$(store_snapshot)
for bad in "--cpus 0" "--cpus 1025" "--cpus two" "--memory 63" "--disk-size 0" "--autostart maybe" "--memory -5"; do
	run mc set $bad m1
	expect_rc 2 "set $bad: a usage error"
done
expect_err "invalid value '-5' for --memory: give a number from 64 to 16777216" "the bad value is named, with the range, as for any other"
mc create -d test m1b >/dev/null
run mc set --cpus 0 m1 m1b
expect_rc 2 "a bad value with two machines"
check "... is said once, not once per machine" test "$(grep -c "invalid value '0' for --cpus: give a number from 1 to 1024" <<<"$ERR")" = 1
mc rm -y m1b >/dev/null
before=$(store_snapshot)
run mc set m1
expect_rc 2 "set without a change"
expect_err "nothing to change: give --cpus, --memory, --disk-size or --autostart" "it says what to give"
run mc set --disk-size 4000 m1
expect_rc 1 "shrinking the disk"
expect_err 'it cannot shrink to 4000 MB' "refused, with the sizes"
run env MC_TESTDRV_FAIL=set machinectl set --cpus 4 m1
expect_rc 1 "the driver fails after changing its config"
expect_err 'machine "m1": set failed: test driver: set failed (injected)' "its error, named"
check "no refusal changed the store (the driver's half-done config was restored)" test "$before" = "$(store_snapshot)"
run mc set --memory 65537 m1
expect_rc 2 "more memory than the driver's create flag declares: a usage error"
expect_err 'machine "m1": invalid --memory 65537: the test driver takes 64 to 65536 (as --test-memory at create)' \
	"it names the driver's range and its flag"
run mc set --memory 65536 --cpus 1025 m1
expect_rc 2 "the core's own limit still holds where the driver declares none (CPUs)"
check "no refusal changed the store" test "$before" = "$(store_snapshot)"
run mc set --cpus 2 nosuch
expect_rc 1 "an unknown machine"
expect_err 'machine "nosuch" does not exist' "named"

# Drivers without set: a clear "cannot", at create before anything is made.
run mc set --autostart on plain
expect_rc 1 "the none driver cannot"
expect_err 'machine "plain": set failed: the none driver cannot change CPUs, memory, disk size or autostart' "it says so"
run mc create -d none --url tcp://127.0.0.1:2376 --autostart plain2
expect_rc 2 "create --autostart with a driver that cannot"
expect_err "--autostart: the none driver cannot start machines with the host" "refused up front"
check "and nothing was made" test ! -e "$STORE/machines/plain2"

# Several machines at once; one failure does not stop the others.
mc stop m2 >/dev/null
run mc set --memory 1536 m1 plain m2
expect_rc 1 "three machines, one impossible"
check "m1 changed" test "$(drv m1 Memory)" = 1536
check "m2 changed" test "$(drv m2 Memory)" = 1536

run mc set --help
expect_rc 0 "set --help"
for o in "--cpus N" "--memory MB" "--disk-size MB" "--autostart on|off"; do
	expect_out "$o" "--help lists $o"
done
done_testing
