#!/bin/bash
# The virtualbox driver's lifecycle through tests/fakes/VBoxManage:
# create -> ls -> ssh -> stop -> start -> restart -> pause/resume -> kill -> rm,
# asserting the exact VBoxManage call sequences (docker-machine's order,
# ../shared/reference/docker-machine.md section 5), the states and clean removal.
#
# Exercised for real: every VBoxManage argv, the data disk streamed into
# `convertfromraw stdin` (the fake checks its size and the userdata tar), the
# NAT port-forward (the fake listens on the port the driver chose and relays
# to the loopback sshd fixture), waiting for SSH with the machine's own key
# (the fake's "guest" installs the key from the disk's tar), the IP lookup
# over SSH (`ip addr show` on this host, NIC 2's MAC set to a host NIC's).
# Not exercised: a real guest (boot, DHCP lease), provisioning (--no-provision:
# it would reconfigure this host), VirtualBox's own behaviour beyond the fake.
# The machine is created with --no-provision, so start/restart leave Docker
# alone (the core waits for Docker only on machines it provisions).
# The guest's host-only NIC is a dummy NIC in a network namespace of the
# test's own: its address, and the Docker port, exist only there.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
. "$MC_SRCDIR/tests/fakes/vbox-lib.sh"
sshd_require
vbox_setup_guest || { echo "1..0 # SKIP no host NIC with an IPv4 address and a MAC to stand for the guest's"; exit 0; }
sshd_start
export MC_FAKE_VBOX_GUEST_SSH_PORT=$SSHD_PORT MC_FAKE_VBOX_GUEST_AUTHORIZED_KEYS=$SSHD_DIR/authorized_keys
# What the machine OS writes on its console (ttyS0) as it boots
export MC_FAKE_VBOX_GUEST_CONSOLE=$'[    0.000000] Linux version 6.12\nmachinectl-os: initramfs (1.20 s)\nmachinectl-os: sshd up (2.50 s)'

# --- create ---
vbm_mark
run mc create -d virtualbox $VBOX_FLAGS v1
expect_rc 0 "create --driver virtualbox succeeds"
expect_out "(v1) Creating the data disk (8 MB)..." "create prints its phases"
vbm_expect "create runs docker-machine's VBoxManage sequence" <<EOF
--version
list hostonlyifs
list vms
convertfromraw stdin @DIR@/disk.vmdk 8388608 --format VMDK
createvm --basefolder @DIR@ --name v1 --register
modifyvm v1 --firmware bios --bioslogofadein off --bioslogofadeout off --bioslogodisplaytime 0 --biosbootmenu disabled --ostype Linux26_64 --cpus 2 --memory 512 --acpi on --ioapic on --rtcuseutc on --natdnshostresolver1 off --natdnsproxy1 on --cpuhotplug off --pae on --hpet on --hwvirtex on --nestedpaging on --largepages on --vtxvpid on --accelerate3d off --boot1 dvd
modifyvm v1 --uart1 0x3f8 4 --uartmode1 file @DIR@/console.log
modifyvm v1 --nic1 nat --nictype1 82540EM --cableconnected1 on
storagectl v1 --name SATA --add sata --hostiocache on
storageattach v1 --storagectl SATA --port 0 --device 0 --type dvddrive --medium @DIR@/boot2docker.iso
storageattach v1 --storagectl SATA --port 1 --device 0 --type hdd --medium @DIR@/disk.vmdk
guestproperty set v1 /VirtualBox/GuestAdd/SharedFolders/MountPrefix /
guestproperty set v1 /VirtualBox/GuestAdd/SharedFolders/MountDir /
sharedfolder add v1 --name data --hostpath @TMP@/share --automount
setextradata v1 VBoxInternal2/SharedFoldersEnableSymlinksCreate/data 1
showvminfo v1 --machinereadable
list hostonlyifs
hostonlyif create
list hostonlyifs
hostonlyif ipconfig vboxnet0 --ip 192.168.56.1 --netmask 255.255.255.0
list hostonlyifs
list dhcpservers
dhcpserver add --netname HostInterfaceNetworking-vboxnet0 --ip 192.168.56.2 --netmask 255.255.255.0 --lowerip 192.168.56.100 --upperip 192.168.56.254 --enable
modifyvm v1 --nic2 hostonly --nictype2 82540EM --nicpromisc2 deny --hostonlyadapter2 vboxnet0 --cableconnected2 on
modifyvm v1 --natpf1 delete ssh
modifyvm v1 --natpf1 ssh,tcp,127.0.0.1,PORT,,22
startvm v1 --type headless
showvminfo v1 --machinereadable
showvminfo v1 --machinereadable
EOF
check "the ISO is in the machine's directory" cmp -s "$VBOX_ISO" "$STORE/machines/v1/boot2docker.iso"
# COM1 is the guest's console, in the machine's directory: create shows the
# machine OS's markers as it boots, and a timeout names that log.
check "create showed the machine OS's console markers" \
	test "$(grep -o 'Machine OS: .*' <<<"$OUT" | sed 's/ \[.*//' | paste -sd'|')" = "Machine OS: initramfs|Machine OS: sshd up"
check "the console log is recorded" grep -q "\"ConsoleLog\": \"$STORE/machines/v1/console.log\"" "$STORE/machines/v1/config.json"
check "the VM is registered and running" test "$(vbox_state v1)" = running
check "the config records the VM and its SSH port" \
	grep -q '"VMName": "v1"' "$STORE/machines/v1/config.json"

# --- ls, status, ip, ssh (through the NAT forward) ---
run mc ls
expect_out "virtualbox" "ls shows the driver"
check "ls shows v1 Running" grep -Eq '^v1 .* virtualbox +Running' <<<"$OUT"
run mc status v1
expect_out "Running" "status is Running"
run mc ip v1
expect_out "$VBOX_GUEST_IP" "ip: the address of the host-only NIC's MAC, found over SSH"
run mc ssh v1 echo hello-from-guest
expect_out "hello-from-guest" "ssh goes through the NAT port-forward with the machine's key"

# A hand-edited SSHPort out of range (2^32+22 would be 22 cut to 16 bits) is
# an error naming the machine and the field: set_field KEY VALUE, then put back.
cfg=$STORE/machines/v1/config.json
set_field() {
	cp "$cfg" "$TEST_TMP/v1-config.json"
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["Driver"][sys.argv[2]]=json.loads(sys.argv[3]); json.dump(c,open(sys.argv[1],"w"))' "$cfg" "$1" "$2"
}
put_back() { cp "$TEST_TMP/v1-config.json" "$cfg"; }
for p in 4294967318 0 '"22"'; do
	set_field SSHPort "$p"
	run mc ssh v1 true
	expect_rc 1 "ssh with SSHPort $p in config.json fails"
	expect_err "machine \"v1\": SSHPort in the machine's config.json is not a port (1-65535): fix it there" \
		"... naming the machine and the field"
	put_back
done

# A timeout in seconds out of range (9223372036854775 s overflows in ms) too,
# before anything is asked of the VM.
set_field StopTimeout 9223372036854775
vbm_mark
run mc stop v1
expect_rc 1 "stop with StopTimeout 9223372036854775 in config.json fails"
expect_err "machine \"v1\": stop failed: StopTimeout in the machine's config.json is not a number of seconds (0-86400)" \
	"... naming the machine and the field"
check "... before the VM is stopped" bash -c '! vbm_calls | grep -q "^controlvm"'
put_back

# --- stop: ACPI power button, then poll ---
vbm_mark
run mc stop v1
expect_rc 0 "stop"
vbm_expect "stop presses the ACPI button and polls the state" <<EOF
showvminfo v1 --machinereadable
showvminfo v1 --machinereadable
controlvm v1 acpipowerbutton
showvminfo v1 --machinereadable
EOF
run mc status v1
expect_out "Stopped" "a powered-off VM is Stopped"

for p in 4294967318 0; do
	set_field SSHPort "$p"
	vbm_mark
	run mc start v1
	expect_rc 1 "start with SSHPort $p in config.json fails"
	expect_err "machine \"v1\": start failed: SSHPort in the machine's config.json is not a port (1-65535)" \
		"... naming the machine and the field"
	check "... before the VM is changed or started" bash -c '! vbm_calls | grep -qE "^(modifyvm|startvm)"'
	put_back
done

set_field StartTimeout 9223372036854775
vbm_mark
run mc start v1
expect_rc 1 "start with StartTimeout 9223372036854775 in config.json fails"
expect_err "machine \"v1\": start failed: StartTimeout in the machine's config.json is not a number of seconds (1-86400)" \
	"... naming the machine and the field"
check "... before the VM is changed or started" bash -c '! vbm_calls | grep -qE "^(modifyvm|startvm)"'
put_back

# --- start: the adapter and the DHCP server are reused ---
vbm_mark
run mc start v1
expect_rc 0 "start"
vbm_expect "start reuses vboxnet0 and its DHCP server, renews the forward, starts headless" <<EOF
showvminfo v1 --machinereadable
showvminfo v1 --machinereadable
list hostonlyifs
list dhcpservers
modifyvm v1 --nic2 hostonly --nictype2 82540EM --nicpromisc2 deny --hostonlyadapter2 vboxnet0 --cableconnected2 on
modifyvm v1 --natpf1 delete ssh
modifyvm v1 --natpf1 ssh,tcp,127.0.0.1,PORT,,22
startvm v1 --type headless
showvminfo v1 --machinereadable
showvminfo v1 --machinereadable
EOF
check "running again" test "$(vbox_state v1)" = running
# VirtualBox made the console file afresh, with as many bytes as before: the
# markers of this boot are shown, once.
check "start showed this boot's console markers once" \
	test "$(grep -o 'Machine OS: .*' <<<"$OUT" | sed 's/ \[.*//' | paste -sd'|')" = "Machine OS: initramfs|Machine OS: sshd up"

# --- restart = stop + start ---
vbm_mark
run mc restart v1
expect_rc 0 "restart"
check "restart pressed the power button and started the VM again" \
	bash -c "vbm_calls | grep -q 'controlvm v1 acpipowerbutton' && vbm_calls | grep -q 'startvm v1 --type headless'"
check "running after restart" test "$(vbox_state v1)" = running

# --- paused: Paused in ls, start resumes ---
VBoxManage controlvm v1 pause
run mc status v1
expect_out "Paused" "a paused VM is Paused"
vbm_mark
run mc start v1
expect_rc 0 "start of a paused VM"
check "it is resumed (controlvm resume), not started" \
	bash -c "vbm_calls | grep -q 'controlvm v1 resume' && ! vbm_calls | grep -q startvm"

# --- upgrade: the new ISO takes the place of boot2docker.iso (docker-machine's way) ---
ISO2="$TEST_TMP/new 'b2d'.iso"
fake_iso "$ISO2" B2D-NEXT-2.0
vbm_mark
run mc upgrade --iso "$ISO2" v1
expect_rc 0 "upgrade"
expect_out 'Machine "v1" was upgraded to B2D-NEXT-2.0.' "upgrade names the new version"
check "the machine's boot2docker.iso is now the new ISO" cmp -s "$ISO2" "$STORE/machines/v1/boot2docker.iso"
check "upgrade pressed the power button, then started the VM" \
	bash -c "vbm_calls | grep -q 'controlvm v1 acpipowerbutton' && vbm_calls | grep -q 'startvm v1 --type headless'"
check "the DVD attachment was left as it was" bash -c "! vbm_calls | grep -q storageattach"
check "running after upgrade" test "$(vbox_state v1)" = running
check "no temporary ISO is left" test ! -e "$STORE/machines/v1/boot2docker.iso.new"

# --- kill ---
vbm_mark
run mc kill v1
expect_rc 0 "kill"
vbm_expect "kill powers off" <<EOF
showvminfo v1 --machinereadable
showvminfo v1 --machinereadable
controlvm v1 poweroff
EOF
run mc status v1
expect_out "Stopped" "killed VM is Stopped"
check "the NAT forward stopped listening with the VM" \
	bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$(vbox_ssh_port v1)) 2>/dev/null"
# A console file VirtualBox cannot make fails the start, in VirtualBox's words.
mv "$STORE/machines/v1/console.log" "$TEST_TMP/console.log"
mkdir "$STORE/machines/v1/console.log"
run mc start v1
check "start fails when VirtualBox cannot make the console file" test "$RC" -ne 0
expect_err "RawFile#0 failed to create the raw output file $STORE/machines/v1/console.log (VERR_IS_A_DIRECTORY)" \
	"... and says so in VirtualBox's words"
check "... and the VM stays powered off" test "$(vbox_state v1)" = poweroff
rmdir "$STORE/machines/v1/console.log"
mv "$TEST_TMP/console.log" "$STORE/machines/v1/console.log"

# --- set: modifyvm and modifymedium on the powered-off VM; refused while it runs ---
vbm_mark
run mc set --cpus 3 --memory 768 --disk-size 16 --autostart on v1
expect_rc 0 "set on the powered-off VM"
vbm_expect "set: one modifyvm, then the disk grows" <<EOF
showvminfo v1 --machinereadable
modifyvm v1 --cpus 3 --memory 768 --autostart-enabled on
modifymedium disk @DIR@/disk.vmdk --resize 16
EOF
check "the fake VM has the new CPUs and memory" test "$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["vms"]["v1"]["settings"]; print(s["cpus"], s["memory"], s["autostart-enabled"])' "$MC_FAKE_VBOX_STATE/state.json")" = "3 768 on"
check "the fake's medium grew to 16 MB" test "$(python3 -c 'import json,sys; print([m["bytes"] for m in json.load(open(sys.argv[1]))["media"] if m["path"].endswith("/v1/disk.vmdk")][0])' "$MC_FAKE_VBOX_STATE/state.json")" = $((16 << 20))
run mc inspect --format '{{.Driver.CPU}} {{.Driver.Memory}} {{.Driver.DiskSize}} {{.Driver.Autostart}}' v1
expect_out "3 768 16 true" "config.json records them"
# VirtualBox takes at most 32 CPUs (--virtualbox-cpu-count's own check at
# create): set holds --cpus to it too, before any VBoxManage call.
before=$(store_snapshot)
vbm_mark
run mc set --cpus 33 v1
expect_rc 2 "set --cpus 33 is refused"
expect_err 'machine "v1": set failed: invalid --cpus 33: the virtualbox driver takes 1 to 32 (as --virtualbox-cpu-count at create)' \
	"... naming the driver's limit"
check "... before any VBoxManage call" test -z "$(vbm_calls)"
check "... changing nothing" test "$before" = "$(store_snapshot)"
run mc set --cpus 32 v1
expect_rc 0 "set --cpus 32 is taken"
check "... and reaches the fake VM" test "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vms"]["v1"]["settings"]["cpus"])' "$MC_FAKE_VBOX_STATE/state.json")" = 32
mc set --cpus 3 v1 >/dev/null
# A disk that cannot grow: the CPUs, memory and autostart modifyvm changed are
# put back, so VirtualBox and config.json agree on what the failure left.
vbox_hw() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["vms"]["v1"]["settings"]; print(s["cpus"], s["memory"], s["autostart-enabled"])' \
		"$MC_FAKE_VBOX_STATE/state.json"
}
before=$(store_snapshot)
MC_FAKE_VBOX_FAIL=modifymedium run mc set --cpus 2 --memory 640 --disk-size 24 --autostart off v1
expect_rc 1 "set whose disk cannot grow fails"
expect_err "cannot grow the data disk $STORE/machines/v1/disk.vmdk to 24 MB" "... saying why"
check "... and VirtualBox keeps the CPUs, memory and autostart config.json records" test "$(vbox_hw)" = "3 768 on"
check "... and config.json is unchanged" test "$before" = "$(store_snapshot)"
# A record without its data disk: refused before modifyvm changes anything.
cp "$STORE/machines/v1/config.json" "$TEST_TMP/v1-config.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["Driver"]["DiskPath"]; json.dump(d, open(sys.argv[1], "w"))' \
	"$STORE/machines/v1/config.json"
vbm_mark
run mc set --cpus 2 --disk-size 24 v1
expect_rc 1 "set --disk-size of a machine whose record names no disk fails"
expect_err 'machine "v1" has no data disk in its config.json' "... saying so"
check "... before any VBoxManage call" test -z "$(vbm_calls)"
check "... and VirtualBox keeps its CPUs" test "$(vbox_hw)" = "3 768 on"
cp "$TEST_TMP/v1-config.json" "$STORE/machines/v1/config.json"
before=$(store_snapshot)
vbm_mark
run mc set --disk-size 8 v1
expect_rc 1 "a smaller disk is refused"
expect_err 'it cannot shrink to 8 MB (disks only grow)' "with the sizes"
check "before any VBoxManage call" test -z "$(vbm_calls)"
mc start v1 >/dev/null
run mc set --memory 1024 v1
expect_rc 1 "set on the running VM is refused"
expect_err "VirtualBox changes the CPUs, memory, disk size and autostart of a powered-off VM only: run 'machinectl stop v1' first" "naming the stop"
check "neither changed config.json" test "$before" = "$(store_snapshot)"
mc kill v1 >/dev/null
# The fake is as strict as VBoxManage: a smaller size, and an unknown option, are refused.
run VBoxManage modifymedium disk "$STORE/machines/v1/disk.vmdk" --resize 4
expect_rc 1 "the fake refuses to shrink a medium"
expect_err "Resizing to new size 4194304 is not yet supported for medium" "with VirtualBox's words"
run VBoxManage modifymedium disk "$STORE/machines/v1/disk.vmdk" --grow 40
expect_rc 2 "the fake refuses an unknown modifymedium option"

# --- a new address for a machine whose Docker machinectl does not configure
# (--no-provision): start says that its certificate names the old address,
# and makes no local certificate its daemon would never see ---
nic=$(ip -o -4 addr show | awk -v a="$VBOX_GUEST_IP/" 'index($4, a) == 1 {print $2}')
cert_sum=$(md5sum <"$STORE/machines/v1/server.pem")
ip addr del "$VBOX_GUEST_IP/24" dev "$nic" && ip addr add 10.213.0.3/24 dev "$nic"
run mc start v1
expect_rc 0 "start after the guest's address changed"
check "it warns that the certificate still names the old address" grep -qE \
	"Machine \"v1\" has a new IP address \(10\.213\.0\.3, was ([0-9.]+, )*$VBOX_GUEST_IP(, [0-9.]+)*\), but its Docker is not configured by machinectl" <<<"$OUT$ERR"
check "... and that regenerate-certs installs a new one" grep -qF "'machinectl regenerate-certs v1' installs a new one" <<<"$OUT$ERR"
check "the server certificate is unchanged" test "$(md5sum <"$STORE/machines/v1/server.pem")" = "$cert_sum"
run mc env v1
expect_rc 1 "env then refuses the certificate"
expect_err "regenerate-certs v1" "... naming the command that fixes it"
mc kill v1 >/dev/null
ip addr del 10.213.0.3/24 dev "$nic" && ip addr add "$VBOX_GUEST_IP/24" dev "$nic"

# --- stop that the guest ignores: poweroff after the deadline, said out loud ---
run mc create -d virtualbox $VBOX_FLAGS --virtualbox-stop-timeout 1 --autostart v2
expect_rc 0 "create v2 (stop timeout 1 s, --autostart)"
check "create --autostart: modifyvm --autostart-enabled on before the VM starts" \
	test "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vms"]["v2"]["settings"].get("autostart-enabled"))' "$MC_FAKE_VBOX_STATE/state.json")" = on
check "and it is recorded" test "$(mc inspect --format '{{.Driver.Autostart}}' v2)" = true
MC_FAKE_VBOX_ACPI_DELAY=never run mc stop v2
expect_rc 0 "stop of a guest that ignores ACPI succeeds"
expect_out "forcing it off (controlvm poweroff)" "stop says it forced the VM off"
check "v2 is Stopped" test "$(vbox_state v2)" = poweroff

# --- rm ---
vbm_mark
run mc rm -y v1
expect_rc 0 "rm -y"
vbm_expect "rm unregisters and deletes the VM" <<EOF
showvminfo v1 --machinereadable
unregistervm --delete v1
EOF
check "v1 is gone from VirtualBox" test -z "$(vbox_state v1)"
check "its disk is no longer a registered medium" bash -c "! VBoxManage list hdds | grep -q machines/v1/"
check "the machine's directory is gone" test ! -e "$STORE/machines/v1"

# A VM removed behind machinectl's back: rm still succeeds.
VBoxManage unregistervm --delete v2 >/dev/null 2>&1
run mc status v2
expect_rc 1 "status of a VM removed outside machinectl fails"
expect_err "is not registered" "... and says the VM is not registered"
run mc rm -y v2
expect_rc 0 "rm of a machine whose VM is already gone succeeds"
check "nothing is left registered" test -z "$(VBoxManage list vms)"

# --- --help ---
run mc create --driver virtualbox --help
# An option too long for help's left column has its text on the next line: joined here.
OUT=$(sed -z 's/\n \{35\}/ /g' <<<"$OUT")
for f in cpu-count:VIRTUALBOX_CPU_COUNT memory:VIRTUALBOX_MEMORY_SIZE disk-size:VIRTUALBOX_DISK_SIZE \
	hostonly-cidr:VIRTUALBOX_HOSTONLY_CIDR no-vtx-check:VIRTUALBOX_NO_VTX_CHECK share-folder:VIRTUALBOX_SHARE_FOLDER \
	vboxmanage:VIRTUALBOX_VBOXMANAGE ui-type:VIRTUALBOX_UI_TYPE boot2docker-url:VIRTUALBOX_BOOT2DOCKER_URL; do
	check "--help lists --virtualbox-${f%%:*} with ${f#*:}" \
		bash -c "grep -F -- '--virtualbox-${f%%:*}' <<<\"\$0\" | grep -qF '${f#*:}'" "$OUT"
done
expect_out "192.168.56.1/24" "--help shows the default host-only CIDR"
done_testing
