#!/bin/bash
# The virtualbox driver's failure modes through tests/fakes/VBoxManage: each
# gives a clear message (and exit 3 for pre-create checks) and leaves no VM,
# medium or machine directory behind.  Exercised: the checks and rollbacks
# with VBoxManage's real error texts as the fake prints them; the VT-x check
# on a fake /proc/cpuinfo (MACHINECTL_TEST_CPUINFO, test-only).  Not
# exercised: a real VirtualBox and its kernel modules.
# The guest's host-only NIC is a dummy NIC in a network namespace of the
# test's own: its address, and the Docker port, exist only there.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
. "$MC_SRCDIR/tests/fakes/vbox-lib.sh"

nothing_left() { # nothing_left NAME: no VM, no medium, no machine directory
	test -z "$(VBoxManage list vms)" && test -z "$(VBoxManage list hdds)" && test ! -e "$STORE/machines/$1"
}

# --- VBoxManage missing ---
run env PATH=/usr/bin:/bin "$MC_BIN" create -d virtualbox $VBOX_FLAGS nobin
expect_rc 3 "no VBoxManage: the pre-create check fails (exit 3)"
expect_err "VBoxManage not found" "... and says VBoxManage is missing"
expect_err "--virtualbox-vboxmanage" "... and how to name it"
run mc create -d virtualbox $VBOX_FLAGS --virtualbox-vboxmanage "$TEST_TMP/bin/VBoxManage" viaflag --virtualbox-start-timeout 1 --virtualbox-disk-size 0
expect_rc 2 "flags are checked before anything runs (disk size 0: outside the flag's range, a usage error)"
expect_err "invalid value '0' for --virtualbox-disk-size: give a number from 1 to 2097152" "... naming the flag and its range"

# --- old VirtualBox ---
MC_FAKE_VBOX_VERSION=4.3.40r110317 run mc create -d virtualbox $VBOX_FLAGS old
expect_rc 3 "VirtualBox 4.3 is refused (exit 3)"
expect_err "VirtualBox 4.3.40 is too old: machinectl needs 5.0 or newer" "the message names the version and the minimum"
check "nothing is left after the version check" nothing_left old

# --- VT-x: the check itself, on a fake /proc/cpuinfo ---
printf 'processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae sse sse2 hypervisor\n' >"$TEST_TMP/cpuinfo-novmx"
printf 'processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae sse sse2 vmx\n' >"$TEST_TMP/cpuinfo-vmx"
MACHINECTL_TEST_CPUINFO=$TEST_TMP/cpuinfo-novmx VIRTUALBOX_NO_VTX_CHECK= run mc create -d virtualbox $VBOX_FLAGS novtx
expect_rc 3 "no vmx/svm flag: the pre-create check fails (exit 3)"
expect_err "This computer doesn't have VT-X/AMD-v enabled" "docker-machine's VT-x message"
expect_err "--virtualbox-no-vtx-check" "... and the flag that skips the check"
check "nothing is left after the VT-x check" nothing_left novtx
MACHINECTL_TEST_CPUINFO=$TEST_TMP/cpuinfo-vmx VIRTUALBOX_NO_VTX_CHECK= MC_FAKE_VBOX_FAIL=createvm \
	run mc create -d virtualbox $VBOX_FLAGS vtx
expect_out "Creating machine..." "with the vmx flag the checks pass (create goes on)"
MACHINECTL_TEST_CPUINFO=$TEST_TMP/cpuinfo-novmx MC_FAKE_VBOX_FAIL=createvm \
	run mc create -d virtualbox $VBOX_FLAGS --virtualbox-no-vtx-check vtx2
expect_out "Creating machine..." "--virtualbox-no-vtx-check skips the check"

# --- host-only network outside 6.1.28's range ---
run mc create -d virtualbox $VBOX_FLAGS --virtualbox-hostonly-cidr 192.168.99.1/24 range
expect_rc 3 "192.168.99.1/24 is refused with VirtualBox 7 (exit 3)"
expect_err "outside the ranges VirtualBox 7.0.14 allows for host-only adapters (192.168.56.0/21)" "the message names the allowed range"
expect_err "'* 192.168.99.0/24' in /etc/vbox/networks.conf" "... and the networks.conf remedy"
MC_FAKE_VBOX_VERSION=6.1.26r145957 MC_FAKE_VBOX_FAIL=createvm \
	run mc create -d virtualbox $VBOX_FLAGS --virtualbox-hostonly-cidr 192.168.99.1/24 range2
expect_out "Creating machine..." "VirtualBox 6.1.26 has no range restriction"
run mc create -d virtualbox $VBOX_FLAGS --virtualbox-hostonly-cidr 192.168.56.0/24 badcidr
expect_rc 3 "a network address as CIDR is refused"
expect_err "not the network or broadcast address" "... with the reason"
run mc create -d virtualbox --virtualbox-hostonly-cidr 192.168.56.1/33 badcidr
expect_rc 3 "a malformed CIDR is refused (no --iso: the flags come first)"
expect_err 'invalid --virtualbox-hostonly-cidr "192.168.56.1/33"' "... naming the flag"

# --- collision with a host network (this host's own address) ---
hostnet=$(ip -4 -o addr show 2>/dev/null | awk '$2 != "lo" && $2 !~ /^vboxnet/ {print $2, $4; exit}')
if [ -n "$hostnet" ]; then
	ifn=${hostnet%% *} addr=${hostnet#* }
	# An address in the same network, not the host's own.
	ip3=${addr%.*}
	last=${addr##*.}; last=${last%/*}
	pick=$(( last == 77 ? 78 : 77 ))
	printf '* 0.0.0.0/0\n' >"$TEST_TMP/networks.conf"
	MACHINECTL_TEST_VBOX_NETWORKS_CONF=$TEST_TMP/networks.conf \
		run mc create -d virtualbox $VBOX_FLAGS --virtualbox-hostonly-cidr "$ip3.$pick/${addr#*/}" clash
	expect_rc 3 "a host-only network that collides with a host network is refused (exit 3)"
	expect_err "collides with the host's address $addr on $ifn" "the message names both networks"
	check "nothing is left after the collision check" nothing_left clash
else
	ok "# SKIP no host network to collide with"
	ok "# SKIP"
	ok "# SKIP"
fi

# --- a VM of the same name already in VirtualBox ---
VBoxManage createvm --basefolder "$TEST_TMP/other" --name taken --register >/dev/null
run mc create -d virtualbox $VBOX_FLAGS taken
expect_rc 3 "a VM name VirtualBox already has is refused (exit 3)"
expect_err "VirtualBox already has a VM named \"taken\"" "... saying so"
check "the other VM is untouched" test "$(vbox_state taken)" = poweroff
VBoxManage unregistervm --delete taken >/dev/null 2>&1

# --- transient "object is not ready": retried ---
vbm_mark
MC_FAKE_VBOX_NOT_READY=version:3 MC_FAKE_VBOX_FAIL=createvm run mc create -d virtualbox $VBOX_FLAGS busy
expect_out "Creating machine..." "three 'object is not ready' answers are retried"
check "--version was called four times" test "$(vbm_calls | grep -c -- '^--version$')" = 4
MC_FAKE_VBOX_NOT_READY=version:20 run mc create -d virtualbox $VBOX_FLAGS busy2
expect_rc 3 "an object that stays not ready fails in the end"
expect_err "\`VBoxManage --version\` failed (exit 1): VBoxManage: error: The object is not ready" "the message names the command and VBoxManage's error"

# --- failures mid-way roll back ---
vbm_mark
MC_FAKE_VBOX_FAIL=createvm run mc create -d virtualbox $VBOX_FLAGS rb1
expect_rc 1 "createvm failing fails create"
expect_err "step \"register the VM\" failed (the data disk was closed and deleted)" "the message names the step and the rollback"
expect_err "\`VBoxManage createvm --basefolder $STORE/machines/rb1 --name rb1 --register\` failed (exit 1)" "... the command"
expect_err "Failure injected by the test" "... and VBoxManage's stderr"
check "the disk image is closed and deleted" bash -c "vbm_calls | grep -q '^closemedium disk @DIR@/disk.vmdk --delete$'"
check "nothing is left after createvm failed" nothing_left rb1

vbm_mark
MC_FAKE_VBOX_FAIL=storageattach:2 run mc create -d virtualbox $VBOX_FLAGS rb2
expect_rc 1 "storageattach failing fails create"
expect_err "step \"attach the ISO and the disk\" failed (the VM was unregistered and its files deleted)" "the step is named"
check "the VM was unregistered with --delete" bash -c "vbm_calls | grep -q '^unregistervm --delete rb2$'"
check "nothing is left after storageattach failed" nothing_left rb2

# --virtualbox-cpu-count -1: all the host's CPUs, at most 32, when VirtualBox is told
ncpu=$(getconf _NPROCESSORS_ONLN)
vbm_mark
MC_FAKE_VBOX_FAIL=storagectl run mc create -d virtualbox $VBOX_FLAGS --virtualbox-cpu-count -1 allcpu
expect_rc 1 "create with --virtualbox-cpu-count -1 gets to modifyvm (storagectl fails after it)"
check "modifyvm --cpus gets the host's CPU count, at most 32" \
	bash -c "vbm_calls | grep -q '^modifyvm allcpu --firmware .* --cpus $((ncpu > 32 ? 32 : ncpu)) --memory '"
check "nothing is left after storagectl failed" nothing_left allcpu

MC_FAKE_VBOX_VTX_LOG=1 run mc create -d virtualbox $VBOX_FLAGS rb3
expect_rc 1 "a VM that aborts for lack of VT-x fails create"
expect_err "VERR_VMX_NO_VMX" "VBox.log's VT-x error is reported"
check "nothing is left after the VT-x abort" nothing_left rb3

# A guest that boots but never answers SSH: create gives up at the deadline
# and removes the machine, but keeps its console log, where the user sees how
# far the guest got.
MC_FAKE_VBOX_GUEST_CONSOLE=$'[    0.000000] Linux version 6.12\nmachinectl-os: initramfs (1.20 s)' \
	run mc create -d virtualbox $VBOX_FLAGS --virtualbox-start-timeout 1 nossh
expect_rc 1 "create fails when the guest never answers SSH"
expect_err 'machine "nossh": create failed, nothing was kept: ' "... and says nothing was kept"
expect_err "Its console log $STORE/logs/nossh-console.log shows how far the machine booted" \
	"... naming the console log where it is kept"
check "the console log is kept" grep -q 'machinectl-os: initramfs (1.20 s)' "$STORE/logs/nossh-console.log"
check "nothing else is left" nothing_left nossh
run mc create -d virtualbox $VBOX_FLAGS --virtualbox-start-timeout 1 nossh
expect_rc 1 "a second create of a guest that writes nothing fails the same way"
check "... and its empty console log replaces the kept one" \
	test -f "$STORE/logs/nossh-console.log" -a ! -s "$STORE/logs/nossh-console.log"
rm -r "$STORE/logs" && touch "$STORE/logs"
run mc create -d virtualbox $VBOX_FLAGS --virtualbox-start-timeout 1 nossh
expect_err "(the VM's console log could not be kept as $STORE/logs/nossh-console.log: " \
	"a console log that cannot be kept: the error says so"
check "... and nothing is left" nothing_left nossh
rm "$STORE/logs"

# --- with a guest (sshd fixture): E_ACCESSDENIED after an upgrade, rm -f ---
if [ -x "$SSHD_BIN" ] && vbox_setup_guest; then
	sshd_start
	export MC_FAKE_VBOX_GUEST_SSH_PORT=$SSHD_PORT MC_FAKE_VBOX_GUEST_AUTHORIZED_KEYS=$SSHD_DIR/authorized_keys
	# Made under 6.1.26 with docker-machine's old 192.168.99.1/24...
	MC_FAKE_VBOX_VERSION=6.1.26r145957 run mc create -d virtualbox $VBOX_FLAGS --virtualbox-hostonly-cidr 192.168.99.1/24 up
	expect_rc 0 "create with 192.168.99.1/24 under VirtualBox 6.1.26"
	run mc kill up
	iface=$(VBoxManage list hostonlyifs | awk '/^Name:/ {n=$2} /^IPAddress: *192.168.99.1$/ {print n}')
	VBoxManage hostonlyif remove "$iface"
	# ...then VirtualBox is upgraded and the adapter is gone: start makes a new one.
	run mc start up
	expect_rc 1 "start under 7.0 cannot configure 192.168.99.1"
	expect_err "E_ACCESSDENIED" "VBoxManage's E_ACCESSDENIED is shown"
	expect_err "add a line '* 192.168.99.0/24' there" "... with the networks.conf remedy"

	MC_FAKE_VBOX_FAIL=unregistervm run mc rm -y up
	expect_rc 1 "rm fails when VBoxManage cannot unregister the VM"
	check "... and keeps the machine" test -d "$STORE/machines/up"
	MC_FAKE_VBOX_FAIL=unregistervm run mc rm -f up
	expect_rc 0 "rm -f removes the machine anyway"
	expect_err "removing the local files anyway" "... with a warning"
	check "the machine directory is gone" test ! -e "$STORE/machines/up"
	VBoxManage unregistervm --delete up >/dev/null 2>&1
else
	for i in 1 2 3 4 5 6 7 8 9; do ok "# SKIP needs sshd and a host NIC"; done
fi
done_testing
