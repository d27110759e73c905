#!/bin/bash
# The hyperv driver against what Windows, WSL and Hyper-V really do and the
# old fake hid (issue 20): WSL 2 cannot reach the Default Switch; a store in
# WSL's own file system cannot hold VHDs; keys on a Windows drive (DrvFs)
# without the metadata option are 0777; the Default Switch has a translated
# name but a fixed Id; Stop-VM needs the guest's shutdown service, and
# without it Stop-VM -Force turns the VM off silently, so the shim asks
# Get-VMIntegrationService first; execution policy from Group Policy refuses
# -File; the shim itself passes a static check for Windows PowerShell 5.1 and
# Microsoft's cmdlet reference; no IP without the guest's hv_netvsc and
# hv_kvp_daemon; and the fake itself refuses what Hyper-V refuses (memory
# that is not a multiple of 2 MB), with Hyper-V's words.
# WSL is played by WSL_DISTRO_NAME, a kernel release file
# (MACHINECTL_TEST_OSRELEASE), a mount table (MACHINECTL_TEST_MOUNTINFO) and
# tests/fakes/wslpath, whose C: drive is a directory of the test.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/hyperv-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
S="$MC_FAKE_HYPERV_STATE"
REQ="$S/requests.log"
CDRIVE="$TEST_TMP/c"
WINSTORE="$CDRIVE/Users/tester/.machinectl"
mkdir -p "$CDRIVE/Users/tester" "$CDRIVE/iso"
cp "$ISO" "$CDRIVE/iso/boot.iso"
echo '5.15.153.1-microsoft-standard-WSL2' >"$TEST_TMP/osrelease-wsl2"
echo '4.4.0-19041-Microsoft' >"$TEST_TMP/osrelease-wsl1"
wsl() { # wsl 1|2 COMMAND...: run as under that WSL
	local v=$1
	shift
	WSL_DISTRO_NAME=Debian MACHINECTL_TEST_OSRELEASE="$TEST_TMP/osrelease-wsl$v" MC_FAKE_WSL_DRIVE_C="$CDRIVE" "$@"
}
create() { run mc create -d hyperv --iso "$CDRIVE/iso/boot.iso" --no-provision "$@"; }
DFLT='{"name":"Default Switch","type":"Internal","id":"c08cb7b8-9b3c-408e-8e30-5e16a3aeb444"}'

# --- 2. the store, seen from Windows ---
wsl 2 create w1
expect_rc 3 "WSL: a store in WSL's own file system is refused in pre-create (exit 3)"
expect_err "the store $STORE is inside WSL's own file system, which Windows sees as \\\\wsl.localhost\\Debian\\" "it names the store and how Windows sees it"
expect_err "export MACHINECTL_STORAGE_PATH=$CDRIVE/Users/tester/.machinectl" "it names a store that works: the Windows profile's, from the Linux side"
check "no VM was made" test ! -s "$S/vms.json" -o "$(cat "$S/vms.json" 2>/dev/null)" = "{}"
export MACHINECTL_STORAGE_PATH="$WINSTORE" STORE="$WINSTORE"
wsl 2 create w1
expect_rc 0 "WSL 2: a store on the Windows drive works (External switch LAN)"
check "Hyper-V got Windows paths" grep -qF '"disk":"C:\\Users\\tester\\.machinectl\\machines\\w1\\disk.vhd"' "$REQ"
run mc rm -y w1

# --- 1. WSL 2 and the Default Switch ---
echo "[$DFLT]" >"$S/switches.json"
wsl 2 create w2
expect_rc 3 "WSL 2 + Default Switch (no forwarding): refused in pre-create"
expect_err "machinectl runs under WSL 2, which cannot reach a VM on Hyper-V's \"Default Switch\"" "it says why"
expect_err "New-VMSwitch -Name machinectl -NetAdapterName" "it gives the External switch fix"
expect_err "Set-NetIPInterface -Forwarding Enabled" "and the forwarding fix"
wsl 1 create w2
expect_rc 0 "WSL 1 (Windows' own network stack) may use the Default Switch"
run mc rm -y w2
touch "$S/forwarding"
wsl 2 create w3
expect_rc 0 "WSL 2 + Default Switch with forwarding enabled: allowed"
run mc rm -y w3
rm "$S/forwarding"

# --- 3. the Default Switch by its Id, whatever its name ---
echo '[{"name":"Standardswitch","type":"Internal","id":"c08cb7b8-9b3c-408e-8e30-5e16a3aeb444"},{"name":"intern","type":"Internal"}]' >"$S/switches.json"
create d1
expect_rc 0 "a German Windows: the Default Switch is found by its Id"
check "New-VM got the translated name" grep -q '"verb":"create".*"switch":"Standardswitch"' "$REQ"
run mc rm -y d1
echo '[{"name":"Default Switch","type":"Private","id":"11111111-2222-3333-4444-555555555555"}]' >"$S/switches.json"
create d2
expect_rc 3 "a switch merely named \"Default Switch\" is not taken for it"
rm "$S/switches.json"

# --- 5. execution policy from Group Policy ---
touch "$S/group-policy"
create gp1
expect_rc 0 "a Group Policy execution policy (which refuses -File) does not stop the shim"
run mc rm -y gp1
rm "$S/group-policy"

# --- 4. Stop-VM: the Shutdown integration service, a timeout, then -TurnOff with a warning ---
# Without a usable Shutdown service, the real Stop-VM -Force turns the VM off
# without an error: the shim asks Get-VMIntegrationService first and says so.
NOUTILS="$CDRIVE/iso/noutils.iso"
fake_iso_guest "$NOUTILS" NO-UTILS "hv_netvsc hv_kvp_daemon"
run mc create -d hyperv --iso "$NOUTILS" --no-provision s1
expect_rc 0 "create from an ISO without hv_utils"
run mc stop s1
expect_rc 0 "stop of a guest without the shutdown service succeeds"
expect_err 'machine "s1": the guest'"'"'s Shutdown integration service does not answer (No Contact), so the VM was turned off (Stop-VM -TurnOff)' \
	"with a warning that it was turned off, and why (Get-VMIntegrationService)"
expect_err "does the boot ISO have Hyper-V's guest services (hv_utils)?" "naming what the guest lacks"
check "stop sent the timeout (default 90 s)" grep -q '"verb":"stop".*"timeout_s":90' "$REQ"
check "the shim asks the Shutdown service by its Id (its name is translated)" \
	grep -qF "9F8233AC-BE49-4C79-8EE3-E7E1985B2077" "$MACHINECTL_HYPERV_SHIM"
run mc start s1
python3 -c 'import json,sys; p=sys.argv[1]; v=json.load(open(p)); v["s1"]["shutdown_service"]=False; json.dump(v,open(p,"w"))' "$S/vms.json"
run mc stop s1
expect_rc 0 "stop with the Shutdown service disabled succeeds"
expect_err "the VM's Shutdown integration service is disabled (Enable-VMIntegrationService turns it on), so the VM was turned off" \
	"with a warning that says it is disabled"
run mc start s1
touch "$S/stop-ignored"
create --hyperv-stop-timeout 1 s2
run mc stop s2
expect_rc 0 "stop of a guest that ignores the shutdown: turned off after --hyperv-stop-timeout"
expect_err "the guest did not shut down within 1 s" "the warning names the timeout"
rm "$S/stop-ignored"
create s3
run mc stop s3
expect_rc 0 "stop of a guest with hv_utils"
check "a clean shutdown gives no warning" bash -c '! grep -q "turned off" <<<"$1"' _ "$ERR"
run mc rm -y s1 s2 s3

# --- issue 17: no IP without the guest's hv_netvsc and hv_kvp_daemon ---
NOKVP="$CDRIVE/iso/nokvp.iso"
fake_iso_guest "$NOKVP" NO-KVP "hv_netvsc hv_utils"
run mc create -d hyperv --iso "$NOKVP" --no-provision --hyperv-ip-timeout 2 k1
expect_rc 1 "an ISO without hv_kvp_daemon: the IP wait times out"
expect_err "hv_kvp_daemon" "the message names the KVP daemon"
expect_err "hv_netvsc" "and the synthetic NIC driver"
fake_iso "$CDRIVE/iso/bare.iso"
run mc create -d hyperv --iso "$CDRIVE/iso/bare.iso" --no-provision --hyperv-ip-timeout 2 k2
expect_rc 1 "an ISO with no initramfs at all gets no IP either"

# --- 6. the shim passes the static check; a broken one is refused ---
run python3 "$MC_SRCDIR/tests/lib/ps-check.py" --verbs check,create,disk,ip,iso,kill,remove,set,start,state,states,stop,switches \
	"$MC_SRCDIR/drivers/hyperv/machinectl-hyperv.ps1"
expect_rc 0 "the shim: Windows PowerShell 5.1 syntax, every cmdlet and parameter in Microsoft's reference, the fake's verbs"
BAD="$TEST_TMP/bad/machinectl-hyperv.ps1"
mkdir -p "$TEST_TMP/bad"
sed 's/-TurnOff -Force/-Turnoff -Forse/' "$MC_SRCDIR/drivers/hyperv/machinectl-hyperv.ps1" >"$BAD"
MACHINECTL_HYPERV_SHIM="$BAD" create bad1
expect_rc 3 "a shim with a misspelt parameter does not run"
expect_err "Stop-VM has no parameter -Forse" "the check names the cmdlet and the parameter"
printf '$x = $null ?? 1\n' >>"$BAD"
run python3 "$MC_SRCDIR/tests/lib/ps-check.py" "$BAD"
expect_out "the ?? / ??= operators are PowerShell 7" "PowerShell 7 syntax is refused"

# --- 7. the fake is as strict as Hyper-V, and speaks as the shim does ---
# Requests straight to the fake PowerShell running the shim, in a Hyper-V of its own.
H2="$TEST_TMP/hv-strict"
mkdir -p "$H2"
echo '{"v1": {"state": "Off", "id": "11111111-0000-0000-0000-000000000001", "memory_mb": 1024},
 "v2": {"state": "Running", "id": "11111111-0000-0000-0000-000000000002", "ip": "192.168.50.99"}}' >"$H2/vms.json"
touch "$TEST_TMP/odd.iso" "$TEST_TMP/odd.vhd"
printf '%s\n' \
	'{"id":1,"verb":"create","args":{"name":"odd","path":"'"$TEST_TMP"'","switch":"LAN","memory_mb":1025,"cpus":1,"disable_dynamic_memory":false,"mac":null,"vlan":null,"iso":"'"$TEST_TMP/odd.iso"'","disk":"'"$TEST_TMP/odd.vhd"'"}}' \
	'{"id":2,"verb":"set","args":{"name":"v1","id":"11111111-0000-0000-0000-000000000001","memory_mb":2049}}' \
	'{"id":3,"verb":"set","args":{"name":"v1","id":"11111111-0000-0000-0000-000000000001","memory_mb":2048}}' \
	'{"id":4,"verb":"start","args":{"name":"v2","id":"11111111-0000-0000-0000-000000000002"}}' \
	'{"id":5,"verb":"state","args":{"name":"nosuch"}}' \
	'{"id":6,"verb":"ip","args":{"name":"gone","id":"11111111-0000-0000-0000-000000000009"}}' |
	MC_FAKE_HYPERV_STATE="$H2" powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass \
		-Command "& ([ScriptBlock]::Create([IO.File]::ReadAllText('$MACHINECTL_HYPERV_SHIM')))" >"$TEST_TMP/answers"
answer() { # answer N KEY...: a value of the Nth answer
	python3 -c 'import json,sys; v=[json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]) - 1]; [v := v[k] for k in sys.argv[3:]]; print(json.dumps(v) if not isinstance(v, str) else v)' \
		"$TEST_TMP/answers" "$@"
}
check "six answers" test "$(wc -l <"$TEST_TMP/answers")" = 6
check "New-VM refuses 1025 MB (not a multiple of 2 MB)" test "$(answer 1 ok) $(answer 1 error cmdlet)" = "false New-VM"
check "... with Hyper-V's words" test "$(answer 1 error message | head -n 2)" = "Failed to modify device 'Memory'.
Invalid memory value assigned for 'odd'. Memory values must be properly aligned."
check "... naming the value" grep -qF "The memory value assigned ('1025' MB) is not properly aligned." <<<"$(answer 1 error message)"
check "... and no VM is left" bash -c '! grep -q "\"odd\"" "$1"' _ "$H2/vms.json"
check "Set-VMMemory refuses 2049 MB, with Hyper-V's words" \
	test "$(answer 2 error cmdlet)|$(answer 2 error message | sed -n 2p)" = "Set-VMMemory|Invalid memory value assigned for 'v1'. Memory values must be properly aligned."
check "... naming the VM's id" grep -qF "(Virtual machine ID 11111111-0000-0000-0000-000000000001)" <<<"$(answer 2 error message)"
check "... and takes 2048 MB" test "$(answer 3 ok)" = true
check "start of a Running VM is no failure (as Start-VM, which the shim skips)" test "$(answer 4 ok) $(answer 4 result state)" = "true Running"
check "... and leaves it as it was (its address too)" grep -q '"ip": "192.168.50.99"' "$H2/vms.json"
check "a missing VM: the shim's own words, by name" \
	test "$(answer 5 error cmdlet)|$(answer 5 error message)|$(answer 5 error code)" = 'Get-VM|Hyper-V has no virtual machine named "nosuch"|notfound'
check "... by id too (the shim names it by name)" test "$(answer 6 error message)" = 'Hyper-V has no virtual machine named "gone"'
check "the shim has those words" grep -qF 'Hyper-V has no virtual machine named `"$($a.name)`"' "$MACHINECTL_HYPERV_SHIM"
check "the shim has the fake's reasons for turning a VM off" bash -c 'grep -qF "Shutdown integration service does not answer (\$status)" "$1" &&
	grep -qF "Shutdown integration service is disabled (Enable-VMIntegrationService turns it on)" "$1"' _ "$MACHINECTL_HYPERV_SHIM"

# --- 2. keys on a Windows drive without the metadata option ---
if [ -x "$SSHD_BIN" ]; then
	sshd_start
	mc_generic g1
	KEY="$STORE/machines/g1/id_ed25519"
	chmod 0777 "$KEY"  # what DrvFs shows for every file
	{
		echo "22 1 0:20 / / rw,relatime - ext4 /dev/sdc rw"
		echo "95 22 0:61 / $(sed 's/ /\\040/g' <<<"$CDRIVE") rw,noatime - 9p drvfs rw,dirsync,aname=drvfs;path=C:\\;uid=1000;gid=1000;symlinkroot=/mnt/,mmap,access=client,msize=65536,trans=fd,rfd=5,wfd=5"
	} >"$TEST_TMP/mountinfo"
	XDG_RUNTIME_DIR="$TEST_TMP/run" MACHINECTL_TEST_MOUNTINFO="$TEST_TMP/mountinfo" run mc ssh g1 echo drvfs-ok
	expect_rc 0 "ssh (OpenSSH) with a 0777 key on DrvFs without metadata works"
	expect_out "drvfs-ok" "... through a private copy of the key"
	check "the copy is 0600 in a 0700 directory of the user's" \
		test "$(stat -c %a "$TEST_TMP/run/machinectl-keys")$(stat -c %a "$TEST_TMP"/run/machinectl-keys/*)" = 700600
	run mc ssh g1 echo plain
	expect_rc 1 "without DrvFs in the mount table the 0777 key is refused (the check is real)"
	expect_err "is writable by everyone (mode 0777)" "... by the store's own check, before OpenSSH would"
	sed -i 's/rw,noatime - 9p/rw,noatime,metadata - 9p/' "$TEST_TMP/mountinfo"
	MACHINECTL_TEST_MOUNTINFO="$TEST_TMP/mountinfo" run mc ssh g1 echo x
	expect_rc 1 "with the metadata option the key's real mode counts (refused at 0777)"
fi
done_testing
