#!/bin/bash
# The hyperv driver through the fake PowerShell (tests/fakes/powershell.exe):
# create -> ls -> stop -> start -> kill -> rm, the requests each verb sends,
# one PowerShell per invocation, one `states` call per ls, the flags.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/hyperv-lib.sh"

REQ="$MC_FAKE_HYPERV_STATE/requests.log"
STARTS="$MC_FAKE_HYPERV_STATE/starts.log"
fresh() { rm -f "$REQ" "$STARTS"; }
verbs() { [ -f "$REQ" ] && sed -E 's/.*"verb":"([a-z]+)".*/\1/' "$REQ" | tr '\n' ' ' | sed 's/ $//'; }
starts() { [ -f "$STARTS" ] && wc -l <"$STARTS" || echo 0; }
# The args of the last request with this verb, as JSON.
args_of() { grep "\"verb\":\"$1\"" "$REQ" | tail -n 1; }
jget() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]); [v := v[k] for k in sys.argv[2:]]; print(json.dumps(v) if not isinstance(v, str) else v)' "$@"; }
vm() { jget "$(cat "$MC_FAKE_HYPERV_STATE/vms.json")" "$@"; }
drv() { jget "$(cat "$STORE/machines/$1/config.json")" Driver "$2"; }
LS=(ls --format '{{.Name}} {{.DriverName}} {{.State}} {{.URL}}')

# --- create ---
fresh
run mc create -d hyperv --iso "$ISO" --no-provision myvm1
expect_rc 0 "create through the fake PowerShell"
expect_out "(myvm1) Creating the Hyper-V VM (switch \"LAN\", 1024 MB, 1 CPU)..." "create names the switch it chose"
expect_out "(myvm1) Waiting for an IP address" "the IP wait is a phase"
check "create starts PowerShell exactly once" test "$(starts)" = 1
check "PowerShell runs the shim as a script block (no -File: execution policy cannot refuse it)" \
	grep -qxF "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command & ([ScriptBlock]::Create([IO.File]::ReadAllText('$MACHINECTL_HYPERV_SHIM')))" "$STARTS"
check "create's requests: check, switches, state, disk, create, start, then ip until an address" \
	test "$(verbs)" = "check switches state disk create start ip ip"
A=$(args_of create)
check "New-VM gets the name, the machine's directory and the External switch" \
	test "$(jget "$A" args name)|$(jget "$A" args path)|$(jget "$A" args switch)" = "myvm1|$STORE/machines/myvm1|LAN"
check "docker-machine's defaults: 1024 MB, 1 CPU, dynamic memory left alone, no MAC, no VLAN" \
	test "$(jget "$A" args memory_mb) $(jget "$A" args cpus) $(jget "$A" args disable_dynamic_memory) $(jget "$A" args mac) $(jget "$A" args vlan)" = "1024 1 false null null"
check "the DVD drive gets the ISO and the disk is the converted VHD" \
	test "$(jget "$A" args iso)|$(jget "$A" args disk)" = "$ISO|$STORE/machines/myvm1/disk.vhd"
A=$(args_of disk)
check "disk converts the fixed VHD to disk.vhd of 20000 MB" \
	test "$(jget "$A" args fixed)|$(jget "$A" args path)|$(jget "$A" args size_mb)" = "$STORE/machines/myvm1/fixed.vhd|$STORE/machines/myvm1/disk.vhd|20000"
check "the fixed VHD is gone (Convert-VHD -DeleteSource)" test ! -e "$STORE/machines/myvm1/fixed.vhd"
check "the VM is Running in Hyper-V" test "$(vm myvm1 state)" = Running
check "the VM's id is recorded and used from then on" \
	test "$(drv myvm1 VMId)" = "$(vm myvm1 id)" -a "$(jget "$(args_of start)" args id)" = "$(vm myvm1 id)"
check "the switch and the IP are recorded" test "$(drv myvm1 Switch) $(drv myvm1 IPAddress)" = "LAN 192.168.50.10"

# --- ls: one PowerShell, one states call ---
fresh
run mc "${LS[@]}"
expect_rc 0 "ls"
expect_out "myvm1 hyperv Running tcp://192.168.50.10:2376" "ls shows the machine Running with its URL"
check "ls starts PowerShell once" test "$(starts)" = 1
check "ls makes exactly one request: states" test "$(verbs)" = "states"

# A hand-edited timeout out of range is an error naming the machine and the
# field, before the VM is asked to change: set_drv KEY JSON, then put back.
CFG=$STORE/machines/myvm1/config.json
set_drv() {
	cp "$CFG" "$TEST_TMP/myvm1-config.json"
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); c["Driver"][sys.argv[2]]=json.loads(sys.argv[3]); json.dump(c,open(sys.argv[1],"w"))' "$CFG" "$1" "$2"
}
put_back() { cp "$TEST_TMP/myvm1-config.json" "$CFG"; }
for f in 'StopTimeout 0 1-3600' 'StopTimeout 9223372036854775807 1-3600'; do
	set -- $f
	set_drv "$1" "$2"
	fresh
	run mc stop myvm1
	expect_rc 1 "stop with $1 $2 in config.json fails"
	expect_err "machine \"myvm1\": stop failed: $1 in the machine's config.json is not a number of seconds ($3)" \
		"... naming the machine and the field"
	check "... and sends no stop" bash -c "! grep -q '\"verb\":\"stop\"' '$REQ'"
	put_back
done

# --- stop / start / kill ---
fresh
run mc stop myvm1
expect_rc 0 "stop"
expect_out 'Machine "myvm1" was stopped.' "stop reports"
check "stop: states (the core's state check), then stop" test "$(verbs)" = "states stop"
check "the VM is Off" test "$(vm myvm1 state)" = Off
run mc status myvm1
expect_out "Stopped" "a stopped VM is Stopped"

fresh
run mc "${LS[@]}"
expect_out "myvm1 hyperv Stopped" "ls shows it Stopped"
check "still one states call" test "$(verbs)" = "states"

set_drv IPTimeout 9223372036854775807
fresh
run mc start myvm1
expect_rc 1 "start with IPTimeout 9223372036854775807 in config.json fails"
expect_err "machine \"myvm1\": start failed: IPTimeout in the machine's config.json is not a number of seconds (1-86400)" \
	"... naming the machine and the field"
check "... and sends no start" bash -c "! grep -q '\"verb\":\"start\"' '$REQ'"
put_back

# start: after the driver's start the core may wait for SSH and Docker on the
# VM's address (provisioning drivers), which nothing here answers (a fake VM
# has no guest), so the command is cut short after 4 s; the driver's part is
# done by then and is what is checked.
fresh
run timeout 4 machinectl start myvm1
expect_out "(myvm1) Waiting for an IP address" "start waits for the IP"
check "start: states, start, ip until an address (the core's IP query after start reuses it)" \
	test "$(verbs)" = "states start ip ip"
check "start started PowerShell once" test "$(starts)" = 1
check "the VM is Running again" test "$(vm myvm1 state)" = Running
run mc start myvm1
expect_rc 1 "start of a running machine fails"
expect_err 'Machine "myvm1" is already running.' "the core's already-running message"

# --- upgrade: the DVD drive gets the new ISO; the VM is stopped, then started ---
ISO2="$TEST_TMP/next \"b2d\".iso"
fake_iso_guest "$ISO2" HV-NEXT-2.0
fresh
run mc upgrade --iso "$ISO2" myvm1
expect_rc 0 "upgrade"
expect_out 'Machine "myvm1" was upgraded to HV-NEXT-2.0.' "upgrade names the new version"
check "upgrade: states, stop, iso, start, then the IP" test "$(verbs | cut -d' ' -f1-4)" = "states stop iso start"
check "the shim got the ISO path verbatim" test "$(jget "$(args_of iso)" args iso)" = "$ISO2"
check "the VM's DVD drive holds the new ISO" test "$(vm myvm1 iso)" = "$ISO2"
check "the new version is recorded" test "$(drv myvm1 ISOVersion)" = HV-NEXT-2.0
check "the VM runs again" test "$(vm myvm1 state)" = Running

fresh
run mc kill myvm1
expect_rc 0 "kill"
check "kill: states, kill" test "$(verbs)" = "states kill"
check "the VM is Off after kill" test "$(vm myvm1 state)" = Off

fresh
run timeout 4 machinectl restart myvm1
check "restart of a stopped machine: states, start, ip" test "$(verbs)" = "states start ip ip"
check "the VM is Running after restart" test "$(vm myvm1 state)" = Running

# --- set: processors, memory, disk of a VM that is Off; autostart at any time ---
fresh
run mc set --autostart on myvm1
expect_rc 0 "set --autostart on a running VM"
check "set: the shim's set verb (after no state query)" test "$(verbs)" = "set"
check "Set-VM -AutomaticStartAction Start" test "$(vm myvm1 automatic_start_action)" = Start
check "recorded" test "$(drv myvm1 Autostart)" = true
before=$(store_snapshot)
fresh
run mc set --cpus 2 myvm1
expect_rc 1 "CPUs of a running VM are refused"
expect_err "Hyper-V changes its processors, memory and disk only while it is off: run 'machinectl stop myvm1' first" "naming the stop"
check "before the shim's set" test "$(verbs)" = "states"
run mc set --disk-size 100 myvm1
expect_rc 1 "a smaller disk is refused"
expect_err "it cannot shrink to 100 MB (disks only grow)" "with the sizes"
check "nothing recorded" test "$before" = "$(store_snapshot)"
mc kill myvm1 >/dev/null
before=$(store_snapshot)
fresh
run mc set --memory 2049 myvm1
expect_rc 2 "an odd memory size is a usage error (Hyper-V takes multiples of 2 MB)"
expect_err "invalid --memory 2049: Hyper-V takes memory in multiples of 2 MB: pass 2050 or 2048" "saying what to pass instead"
check "refused before PowerShell starts" test "$(starts)" = 0
check "nothing recorded" test "$before" = "$(store_snapshot)"
fresh
run mc set --cpus 2 --memory 2048 --disk-size 30000 --autostart off myvm1
expect_rc 0 "set on a VM that is Off"
check "Set-VMProcessor" test "$(vm myvm1 cpus)" = 2
check "Set-VMMemory" test "$(vm myvm1 memory_mb)" = 2048
check "Resize-VHD" test "$(vm myvm1 disk_bytes)" = $((30000 << 20))
check "Set-VM -AutomaticStartAction Nothing" test "$(vm myvm1 automatic_start_action)" = Nothing
check "the shim got the disk's path" grep -q '"disk":"' <<<"$(args_of set)"
check "recorded: CPU, Memory, DiskSize" test "$(drv myvm1 CPU) $(drv myvm1 Memory) $(drv myvm1 DiskSize)" = "2 2048 30000"
echo hyperv-admin >"$MC_FAKE_HYPERV_STATE/admin"  # in Hyper-V Administrators only: no Resize-VHD
before=$(store_snapshot)
run mc set --disk-size 40000 myvm1
expect_rc 1 "Resize-VHD without the right is refused"
expect_err "You do not have the required permission" "with Hyper-V's words"
check "and nothing recorded" test "$before" = "$(store_snapshot)"
run mc set --cpus 4 --memory 4096 --autostart on --disk-size 40000 myvm1
expect_rc 1 "a set whose Resize-VHD fails fails"
check "the processors, memory and start action it changed first are put back" \
	test "$(vm myvm1 cpus) $(vm myvm1 memory_mb) $(vm myvm1 automatic_start_action)" = "2 2048 Nothing"
check "and nothing recorded" test "$before" = "$(store_snapshot)"
rm -f "$MC_FAKE_HYPERV_STATE/admin"
mc start myvm1 >/dev/null 2>&1

# --- ip / url / env ask Hyper-V ---
fresh
run mc ip myvm1
expect_rc 0 "ip"
check "ip prints the address" test "$OUT" = 192.168.50.10
check "ip is one request: states (the running check) carries the IP" test "$(verbs)" = "states"

# --- rm ---
fresh
run mc rm -y myvm1
expect_rc 0 "rm"
check "rm sends remove" test "$(verbs)" = "remove"
check "the VM is gone from Hyper-V" test "$(cat "$MC_FAKE_HYPERV_STATE/vms.json")" = "{}"
check "the machine's directory is gone" test ! -e "$STORE/machines/myvm1"

# --- flags and their environment variables ---
fresh
HYPERV_CPU_COUNT=2 run mc create -d hyperv --iso "$ISO" --no-provision \
	--hyperv-virtual-switch "Default Switch" --hyperv-memory 2048 --hyperv-disk-size 5000 \
	--hyperv-static-macaddress 00:15:5d:01:02:03 --hyperv-vlan-id 42 --hyperv-disable-dynamic-memory \
	flags1
expect_rc 0 "create with every Hyper-V flag"
A=$(args_of create)
check "--hyperv-virtual-switch picks the named switch" test "$(jget "$A" args switch)" = "Default Switch"
check "--hyperv-memory, HYPERV_CPU_COUNT" test "$(jget "$A" args memory_mb) $(jget "$A" args cpus)" = "2048 2"
check "--hyperv-static-macaddress is normalized for Set-VMNetworkAdapter" test "$(jget "$A" args mac)" = 00155D010203
check "--hyperv-vlan-id" test "$(jget "$A" args vlan)" = 42
check "--hyperv-disable-dynamic-memory" test "$(jget "$A" args disable_dynamic_memory)" = true
check "--hyperv-disk-size reaches the disk verb" test "$(jget "$(args_of disk)" args size_mb)" = 5000
run mc rm -y flags1

# --hyperv-boot2docker-url: the ISO alias (docker-machine's flag)
fresh
run mc create -d hyperv --hyperv-boot2docker-url "$ISO" --no-provision b2d
expect_rc 0 "create with --hyperv-boot2docker-url"
check "the alias's ISO reaches Set-VMDvdDrive" test "$(jget "$(args_of create)" args iso)" = "$ISO"
run mc rm -y b2d

# --- several machines in one create: still one PowerShell ---
fresh
run mc create -d hyperv --iso "$ISO" --no-provision p1 p2 p3
expect_rc 0 "create of three machines at once"
check "three creates share one PowerShell" test "$(starts)" = 1
check "three create requests" test "$(grep -c '"verb":"create"' "$REQ")" = 3
fresh
run mc "${LS[@]}"
check "ls of three Hyper-V machines: one states call" test "$(verbs)" = "states"
check "ls shows the three Running" test "$(grep -c ' hyperv Running tcp://' <<<"$OUT")" = 3
fresh
run mc rm -y p1 p2 p3
expect_rc 0 "rm of three"
check "rm of three: one PowerShell" test "$(starts)" = 1

done_testing
