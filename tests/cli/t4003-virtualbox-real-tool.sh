#!/bin/bash
# The virtualbox driver against what the real VBoxManage does and the old
# fake hid (issue 20): VirtualBox 7's states (aborted-saved, guru meditation,
# saved) in start/stop/kill/rm and in both state parsers; a translated
# VBoxManage; and the fake itself as strict as the real tool (options checked
# per subcommand, host-only adapters that get an address, the full `list vms
# --long`, convertfromraw that registers nothing).
# The guest is the loopback sshd fixture behind the fake's NAT relay, inside
# a network namespace of the test's own (as t4001).
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
. "$MC_SRCDIR/tests/fakes/vbox-lib.sh"
sshd_require
vbox_setup_guest || { echo "1..0 # SKIP no host NIC with an IPv4 address and a MAC to stand for the guest's"; exit 0; }
sshd_start
export MC_FAKE_VBOX_GUEST_SSH_PORT=$SSHD_PORT MC_FAKE_VBOX_GUEST_AUTHORIZED_KEYS=$SSHD_DIR/authorized_keys
VBM=VBoxManage
crash() { VBoxManage --fake-set-state "$1" "$2"; }  # what VirtualBox's VM process leaves when it dies
calls_have() { vbm_calls | grep -qx -- "$1"; }
calls_lack() { ! vbm_calls | grep -q -- "$1"; }
ls_state() { mc ls --format '{{.Name}} {{.State}}' | awk -v n="$1" '$1 == n {print $2}'; }

# --- the fake is as strict as VBoxManage (defect 9) ---
run $VBM createvm --name u --basefolder "$TEST_TMP/u" --register
cpus_of() { $VBM showvminfo "$1" --machinereadable | sed -n 's/^cpus=//p'; }
run $VBM modifyvm nosuch --bogus-flag on
expect_rc 1 "fake: modifyvm finds the VM first (VBoxManageModifyVM.cpp)"
expect_err "VBoxManage: error: Could not find a registered machine named 'nosuch'" "fake: ... and says it is not there"
run $VBM modifyvm u --cpus 2 --natdnsproxy9000 on --bogus-flag on
expect_rc 1 "fake: modifyvm with an unknown option exits 1 (VBoxManageModifyVM.cpp: RTEXITCODE_FAILURE)"
expect_err "VBoxManage: error: Unknown option: --bogus-flag" "fake: ... with VBoxManage's own text"
expect_err "VBoxManage: error: Invalid NIC number 9000" "fake: ... after parseNum's complaint about NIC 9000"
check "fake: ... and saves nothing (--cpus 2 before it is dropped)" test "$(cpus_of u)" = 1
run $VBM modifyvm u --acpi maybe
expect_err "VBoxManage: error: Invalid argument format: maybe" "fake: an on/off option refuses another value"
run $VBM createvm --name x --basefolder "$TEST_TMP/x" --registr
expect_rc 2 "fake: createvm with a misspelt option exits 2 (RTEXITCODE_SYNTAX)"
expect_err "Unknown option: --registr" "fake: ... naming the option"
check "fake: nothing was made by the refused createvm" test "$($VBM list vms | cut -d' ' -f1)" = '"u"'
run $VBM storageattach nosuch --storagectl SATA --port 0 --device 0 --typ hdd
expect_rc 2 "fake: storageattach refuses --typ"
# NICs (VBoxManageModifyVM.cpp): a NIC's settings are taken whether it is
# enabled or not; a bad value fails the call, which then saves nothing; an
# unknown host-only interface is only a warning (verifyHostNetworkInterfaceName).
run $VBM modifyvm u --nictype3 virtio --cableconnected3 off --nicpromisc3 allow-vms
expect_rc 0 "fake: --nictype3, --cableconnected3, --nicpromisc3 on a NIC that is not enabled"
run $VBM modifyvm u --nic3 nat
check "fake: ... kept for when it is (nic3 nat, virtio, cable off)" \
	test "$($VBM showvminfo u --machinereadable | grep -E '^(nic|nictype|cableconnected)3=' | sort | paste -sd' ')" = \
	'cableconnected3="off" nic3="nat" nictype3="virtio"'
run $VBM modifyvm u --cpus 2 --nictype1 e1000
expect_rc 1 "fake: an unknown NIC type fails"
expect_err "VBoxManage: error: Invalid NIC type 'e1000' specified for NIC 1" "fake: ... in VBoxManage's words"
check "fake: ... and nothing is saved (not even --cpus 2 before it)" test "$(cpus_of u)" = 1
run $VBM modifyvm u --nicpromisc1 maybe
expect_rc 1 "fake: an unknown promiscuous mode fails"
expect_err "VBoxManage: error: Unknown promiscuous mode policy 'maybe'" "fake: ... in VBoxManage's words"
run $VBM modifyvm u --nic1 natt
expect_rc 1 "fake: an unknown attachment fails"
expect_err "VBoxManage: error: Invalid type 'natt' specfied for NIC 1" "fake: ... in VBoxManage's words (sic)"
run $VBM modifyvm u --nic2 hostonly --hostonlyadapter2 vboxnet7 --cpus 2
expect_rc 0 "fake: an unknown host-only interface is accepted"
expect_err 'VBoxManage: warning: Interface "vboxnet7" doesn'"'"'t seem to exist' "fake: ... with VBoxManage's warning"
check "fake: ... and the call is saved" test "$(cpus_of u) $($VBM showvminfo u --machinereadable | grep '^hostonlyadapter2=')" = '2 hostonlyadapter2="vboxnet7"'
run $VBM controlvm u poweroff
expect_rc 1 "fake: controlvm on a VM without a VM process fails"
expect_err "VBoxManage: error: Machine 'u' is not currently running." "fake: ... in VirtualBox 7's words (with the period)"
# Serial ports: "--uart1 IOBASE IRQ" and "--uartmode1 file PATH" take two
# arguments (the handler fetches the second itself); a bad I/O base is the
# handler's errorArgument.
run $VBM modifyvm u --uart1 0x3f8
expect_rc 2 "fake: --uart1 without its IRQ exits 2 (errorSyntax)"
expect_err "VBoxManage: error: Missing or Invalid argument to '--uart'" "fake: ... with VBoxManage's text"
run $VBM modifyvm u --uartmode1 file
expect_rc 2 "fake: --uartmode1 file without a path exits 2"
run $VBM modifyvm u --uart1 0x0 4
expect_rc 1 "fake: an I/O base of 0 is refused (exit 1)"
expect_err "VBoxManage: error: Error parsing UART I/O base '0x0'" "fake: ... naming it"
run $VBM modifyvm u --uart1 0x3f8 4 --uartmode1 file "$TEST_TMP/u/nodir/console.log"
expect_rc 0 "fake: COM1 into a file"
run $VBM showvminfo u --machinereadable
check "fake: showvminfo says uart1=\"0x03f8,4\" and uartmode1=\"file,PATH\" (VirtualBox 7)" \
	test "$(grep -E '^uart(mode)?1=' <<<"$OUT")" = "uart1=\"0x03f8,4\"
uartmode1=\"file,$TEST_TMP/u/nodir/console.log\""
run $VBM startvm u --type headless
expect_rc 1 "fake: a raw file in a missing directory fails the start, as DrvRawFile does"
expect_err "RawFile#0 failed to create the raw output file $TEST_TMP/u/nodir/console.log (VERR_PATH_NOT_FOUND)" \
	"fake: ... with VirtualBox's text"
check "fake: ... and the VM stays powered off" test "$(vbox_state u)" = poweroff
$VBM unregistervm u --delete 2>/dev/null
run $VBM hostonlyif create
run $VBM hostonlyif create
run $VBM list hostonlyifs
check "fake: a new vboxnet0 has 192.168.56.1/24, vboxnet1 192.168.57.1/24 (VirtualBox 7)" \
	bash -c 'grep -A3 "^Name: *vboxnet0$" <<<"$1" | grep -q "IPAddress: *192.168.56.1$" &&
		grep -A3 "^Name: *vboxnet1$" <<<"$1" | grep -q "IPAddress: *192.168.57.1$" &&
		grep -q "^NetworkMask: *255.255.255.0$" <<<"$1"' _ "$OUT"
$VBM hostonlyif remove vboxnet0
$VBM hostonlyif remove vboxnet1
head -c 1048576 /dev/zero >"$TEST_TMP/raw"
run bash -c "$VBM convertfromraw stdin '$TEST_TMP/x.vmdk' 1048576 --format VMDK <'$TEST_TMP/raw'"
expect_err "does not start with the boot2docker userdata tar" "fake: convertfromraw still checks the data"
printf 'boot2docker, please format-me' | dd of="$TEST_TMP/raw" conv=notrunc status=none
printf 'ustar' | dd of="$TEST_TMP/raw" bs=1 seek=257 conv=notrunc status=none
run bash -c "$VBM convertfromraw stdin '$TEST_TMP/x.vmdk' 1048576 --format VMDK <'$TEST_TMP/raw'"
expect_rc 0 "fake: convertfromraw makes the image"
check "fake: ... and registers nothing (list hdds is empty)" test -z "$($VBM list hdds)"
run $VBM closemedium disk "$TEST_TMP/x.vmdk" --delete
expect_rc 0 "fake: closemedium opens and deletes an image that is not registered"
check "fake: ... the file is gone" test ! -e "$TEST_TMP/x.vmdk"

# --- a VM to work on ---
run mc create -d virtualbox $VBOX_FLAGS v1
expect_rc 0 "create v1"
LONG=$($VBM list vms --long)
check "fake: list vms --long is VirtualBox 7's full record (at least 70 lines for one VM)" \
	test "$(wc -l <<<"$LONG")" -ge 70
check "fake: ... with the State: line and a shared folder's Name: at column 0" \
	bash -c 'grep -q "^State: *running (since " <<<"$1" && grep -q "^Name: '"'"'data'"'"', Host path: " <<<"$1"' _ "$LONG"
run mc ls --format '{{.Name}} {{.State}}'
expect_out "v1 Running" "ls reads the full record (the shared folder's Name: is not a VM)"

# --- aborted-saved (VirtualBox 7): one state table, and what VirtualBox allows (defect 7) ---
crash v1 aborted-saved
check "aborted-saved: status and ls agree (one state table)" test "$(mc status v1)" = "$(ls_state v1)"
check "aborted-saved: the machine is Saved (off, holding a saved state)" test "$(mc status v1)" = Saved
vbm_mark
run mc stop v1
expect_rc 0 "aborted-saved: stop succeeds"
check "aborted-saved: stop discards the saved state" calls_have "discardstate v1"
check "aborted-saved: ... and sends no controlvm (there is no VM process)" calls_lack "controlvm"
check "aborted-saved: the VM is powered off" test "$(vbox_state v1)" = poweroff

crash v1 aborted-saved
vbm_mark
run mc kill v1
expect_rc 0 "aborted-saved: kill succeeds"
check "aborted-saved: kill discards the saved state, no controlvm poweroff" \
	bash -c 'calls_have() { vbm_calls | grep -qx -- "$1"; }; calls_have "discardstate v1" && ! vbm_calls | grep -q controlvm'

crash v1 aborted-saved
vbm_mark
run mc start v1
expect_rc 0 "aborted-saved: start succeeds (not 'busy')"
expect_out "discarding that state" "aborted-saved: start says it drops the stale saved state"
check "aborted-saved: start discards, then boots afresh (host-only set-up, startvm)" \
	bash -c 'vbm_calls | grep -E "^(discardstate|startvm|modifyvm v1 --nic2)" | cut -d" " -f1 | tr "\n" " " | grep -qx "discardstate modifyvm startvm "'
check "aborted-saved: the VM runs" test "$(vbox_state v1)" = running

crash v1 aborted-saved
vbm_mark
run mc rm -y v1
expect_rc 0 "aborted-saved: rm succeeds"
check "aborted-saved: rm discards the state, then unregisters, and sends no controlvm" \
	bash -c 'vbm_calls | grep -qx "discardstate v1" && vbm_calls | grep -qx "unregistervm --delete v1" && ! vbm_calls | grep -q controlvm'
check "aborted-saved: nothing is left registered" test -z "$($VBM list vms)"

# --- guru meditation: only controlvm poweroff gets it out ---
run mc create -d virtualbox $VBOX_FLAGS v2
expect_rc 0 "create v2"
crash v2 gurumeditation
check "guru meditation: status and ls agree, Error" test "$(mc status v2) $(ls_state v2)" = "Error Error"
vbm_mark
run mc stop v2
expect_rc 0 "guru meditation: stop succeeds"
check "guru meditation: stop powers off without the ACPI button (the guest is dead)" \
	bash -c 'vbm_calls | grep -qx "controlvm v2 poweroff" && ! vbm_calls | grep -q acpipowerbutton'
crash v2 gurumeditation
vbm_mark
run mc start v2
expect_rc 0 "guru meditation: start succeeds"
expect_out "guru meditation" "guru meditation: start says why it powers the VM off"
check "guru meditation: start powers off, then boots" \
	bash -c 'vbm_calls | grep -E "^(controlvm v2 poweroff|startvm)" | cut -d" " -f1 | tr "\n" " " | grep -qx "controlvm startvm "'
check "guru meditation: the VM runs" test "$(vbox_state v2)" = running

# --- saved: start restores it; rm drops the state first ---
$VBM controlvm v2 savestate
check "saved: status Saved" test "$(mc status v2)" = Saved
vbm_mark
run mc rm -y v2
expect_rc 0 "saved: rm succeeds"
check "saved: rm discards the state before unregistervm" \
	bash -c 'vbm_calls | grep -E "^(discardstate|unregistervm)" | cut -d" " -f1 | tr "\n" " " | grep -qx "discardstate unregistervm "'

# --- a translated VBoxManage (defect 8) ---
run mc create -d virtualbox $VBOX_FLAGS v3
expect_rc 0 "create v3"
run mc stop v3
vbm_mark
LANG=fr_FR.UTF-8 LC_MESSAGES=fr_FR.UTF-8 run mc start v3
expect_rc 0 "start under a French locale"
check "French locale: the existing vboxnet0 is reused (VBoxManage ran with LC_ALL=C)" calls_lack "hostonlyif create"
check "French locale: one host-only interface only" test "$($VBM list hostonlyifs | grep -c '^Name:')" = 1
LC_ALL=fr_FR.UTF-8 run mc ls --format '{{.Name}} {{.State}} {{.Error}}'
expect_out "v3 Running" "French LC_ALL: ls still reads the states"
$VBM setproperty language fr
run mc ls --format '{{.Name}} {{.State}}'
expect_out "v3 Running" "GUI language French (the API's LanguageId): ls refuses the translated list and asks each VM"
run mc stop v3
run mc start v3
expect_rc 1 "GUI language French: start fails before making a second host-only interface"
expect_err "VBoxManage setproperty language C" "start says how to fix it"
check "no second host-only interface was made" test "$($VBM list hostonlyifs | grep -c '^Nom :')" = 1
$VBM setproperty language C
run mc rm -y v3

# --- VirtualBox 7 gives a new vboxnetN 192.168.(56+N).1: another adapter may have that address ---
for i in $($VBM list hostonlyifs | sed -n 's/^Name: *//p'); do $VBM hostonlyif remove "$i"; done
$VBM hostonlyif create >/dev/null 2>&1
$VBM hostonlyif ipconfig vboxnet0 --ip 192.168.57.1 --netmask 255.255.255.0
run mc create -d virtualbox $VBOX_FLAGS --virtualbox-hostonly-cidr 192.168.58.1/24 v4
expect_rc 0 "create when the new vboxnet1's automatic 192.168.57.1 is vboxnet0's address"
check "vboxnet1 got 192.168.58.1" bash -c "$VBM list hostonlyifs | grep -A3 '^Name: *vboxnet1\$' | grep -q 'IPAddress: *192.168.58.1\$'"
run mc rm -y v4
done_testing
