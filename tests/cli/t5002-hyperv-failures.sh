#!/bin/bash
# The hyperv driver's failures, through the fake PowerShell: each says what
# failed (the cmdlet and its message, or what is missing), on which machine,
# and what to do next; a failed create keeps nothing.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/hyperv-lib.sh"
FAKES="$MC_SRCDIR/tests/fakes"
S="$MC_FAKE_HYPERV_STATE"
REQ="$S/requests.log"
verbs() { [ -f "$REQ" ] && sed -E 's/.*"verb":"([a-z]+)".*/\1/' "$REQ" | tr '\n' ' ' | sed 's/ $//'; }
starts() { [ -f "$S/starts.log" ] && wc -l <"$S/starts.log" || echo 0; }
fresh() { rm -f "$REQ" "$S/starts.log"; }
create() { run mc create -d hyperv --iso "$ISO" --no-provision "$@"; }
nothing_kept() { test ! -e "$STORE/machines/$1" && ! grep -q "\"$1\"" "$S/vms.json" 2>/dev/null; }

# --- pre-create checks (exit code 3) ---
touch "$S/no-module"
create m1
expect_rc 3 "no Hyper-V module: pre-create check fails"
expect_err 'machine "m1": Error with pre-create check: the Hyper-V PowerShell module is not installed' "names the missing module"
expect_err "Enable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V-All" "says how to install it"
expect_one_line_err "one line"
check "nothing kept" nothing_kept m1
rm "$S/no-module"

echo none >"$S/admin"
create m1
expect_rc 3 "neither Administrator nor Hyper-V Administrator"
expect_err "Hyper-V commands have to be run as an Administrator: user TESTPC\\tester is neither an Administrator nor in the \"Hyper-V Administrators\" group" "docker-machine's message, with who and why"
expect_err "S-1-5-32-578" "names the group's SID"
echo hyperv-admin >"$S/admin"
create hvadmin
expect_rc 0 "a Hyper-V Administrator (not an Administrator) may create"
run mc rm -y hvadmin
echo admin >"$S/admin"

echo '[{"name":"priv","type":"Private"},{"name":"int","type":"Internal"}]' >"$S/switches.json"
create m1
expect_rc 3 "no External switch and no Default Switch"
expect_err 'machine "m1": Error with pre-create check: no Hyper-V virtual switch to connect the VM to: there is no External switch and no "Default Switch" (found: "priv", "int")' "says which switches exist"
expect_err "New-VMSwitch -Name NAME -NetAdapterName ADAPTER" "says how to make one"
expect_err "--hyperv-virtual-switch NAME" "and how to pass it"
echo '[{"name":"Default Switch","type":"Internal","id":"c08cb7b8-9b3c-408e-8e30-5e16a3aeb444"}]' >"$S/switches.json"
create dflt
expect_rc 0 "Default Switch when there is no External one"
check "Default Switch was used" grep -q '"switch":"Default Switch"' "$REQ"
run mc rm -y dflt
rm "$S/switches.json"

create --hyperv-virtual-switch nosuch m1
expect_rc 3 "a named switch that does not exist"
expect_err 'Hyper-V has no virtual switch named "nosuch" (its switches: "Default Switch", "LAN")' "lists the switches"

echo '{"taken": {"state": "Off", "id": "11111111-2222-3333-4444-555555555555"}}' >"$S/vms.json"
create taken
expect_rc 3 "a Hyper-V VM with the machine's name exists already"
expect_err 'Hyper-V already has a VM named "taken"' "says so"
expect_err "Remove-VM -Name 'taken'" "and what to do"
check "the other VM is untouched" grep -q '"taken"' "$S/vms.json"
echo '{}' >"$S/vms.json"

for bad in "--hyperv-static-macaddress 01:00:5e:00:00:01" "--hyperv-static-macaddress 00:15:5d" \
	"--hyperv-memory 1025"; do
	# shellcheck disable=SC2086
	create $bad m1
	expect_rc 3 "invalid flag refused: $bad"
	expect_err "invalid ${bad%% *}" "the flag is named: ${bad%% *}"
done
# Outside the range a flag declares: the option parser's usage error.
for bad in "--hyperv-vlan-id 4095" "--hyperv-memory 16" "--hyperv-cpu-count 0"; do
	# shellcheck disable=SC2086
	create $bad m1
	expect_rc 2 "outside the flag's range: $bad"
	expect_err "invalid value '${bad##* }' for ${bad%% *}: give a number from" "the flag, the value and the range are named: ${bad%% *}"
done
fresh
create --hyperv-vlan-id 0 m1
check "invalid flags are refused before PowerShell starts" test "$(starts)" = 0 -a "$RC" = 2
# Hyper-V refuses memory that is not a multiple of 2 MB, once New-VM has begun.
HYPERV_MEMORY=2049 create m1
expect_rc 3 "an odd memory size (HYPERV_MEMORY) is refused"
expect_err 'invalid --hyperv-memory 2049: Hyper-V takes memory in multiples of 2 MB: pass 2050 or 2048' "saying what to pass instead"
check "before PowerShell starts" test "$(starts)" = 0
check "nothing kept after an odd memory size" nothing_kept m1

# --- cmdlet failures during create: the VM is removed, nothing kept ---
fresh
echo 'New-VM|Logon failure: the user has not been granted the requested logon type at this computer.' >"$S/fail-create"
create m1
expect_rc 1 "New-VM fails"
expect_err 'machine "m1": create failed, nothing was kept: New-VM failed (Hyper-V shim verb "create"): Logon failure' "the cmdlet and its message"
check "the core removed what was made (remove sent)" test "$(verbs | awk '{print $NF}')" = remove
check "nothing kept after New-VM failed" nothing_kept m1
rm "$S/fail-create"

echo 'Convert-VHD|There is not enough space on the disk.' >"$S/fail-disk"
create m1
expect_rc 1 "Convert-VHD fails"
expect_err 'Convert-VHD failed (Hyper-V shim verb "disk"): There is not enough space on the disk.; is there room on the drive of the store?' "names the cmdlet, the message and what to check"
rm "$S/fail-disk"

# --- the IP never shows: a deadline, not docker-machine's endless wait ---
echo 1000000 >"$S/ip-after"
create --hyperv-ip-timeout 1 m1
expect_rc 1 "no IP within --hyperv-ip-timeout"
expect_err 'machine "m1": create failed, nothing was kept: no IP address after 1s: Hyper-V reports none for the VM'"'"'s network adapter on switch "LAN"' "the wait has a deadline and says where it waited"
expect_err "Watch the VM's console while it boots (vmconnect localhost m1)" "says how to look at the VM (removed: while it boots again)"
check "nothing kept after the IP timeout" nothing_kept m1
rm "$S/ip-after"

# --- the guest powers off while it boots: said at once, not at the deadline ---
echo 2 >"$S/off-after"
create --hyperv-ip-timeout 60 m1
expect_rc 1 "a VM that turns off before it has an IP fails create"
expect_err 'create failed, nothing was kept: the VM stopped while waiting for its IP address (Hyper-V state Off): Hyper-V Manager'"'"'s event log (Hyper-V-Worker) says why' \
	"... saying the VM stopped (not a timeout) and where to read why"
check "nothing kept after the VM turned off" nothing_kept m1
rm "$S/off-after"

# --- the shim process: hangs, exits, garbage, not found ---
fresh
touch "$S/hang-switches"
# 3 s: the fake's own start (python) and its "check" must fit even on a busy machine.
MACHINECTL_HYPERV_TIMEOUT=3 create m1
expect_rc 3 "a shim that does not answer"
expect_err 'the Hyper-V shim did not answer "switches" within 3 s, so PowerShell was stopped' "the deadline names the verb"
expect_err "MACHINECTL_HYPERV_TIMEOUT" "and how to wait longer"
check "the hung PowerShell was killed" bash -c '! kill -0 "$(tail -n 1 "$1")" 2>/dev/null' _ "$S/pids"
rm "$S/hang-switches"

touch "$S/exit-check"
create m1
expect_rc 3 "PowerShell exits"
expect_err 'PowerShell exited before answering "check": Fatal: the fake PowerShell was told to exit on check' "with its stderr"
rm "$S/exit-check"

touch "$S/garbage-check"
create m1
expect_rc 3 "a garbled answer"
expect_err 'the Hyper-V shim gave a bad answer to "check"' "says so"
rm "$S/garbage-check"

fresh
touch "$S/warn-check"
create warned
expect_rc 0 "a stray PowerShell line before an answer is skipped"
run mc rm -y warned
rm "$S/warn-check"

MACHINECTL_HYPERV_SHIM="$TEST_TMP/nowhere.ps1" create m1
expect_rc 3 "the shim is missing"
expect_err "the Hyper-V shim $TEST_TMP/nowhere.ps1 is missing" "names the path"

PATH="$TEST_TMP/bin:/usr/bin:/bin" create m1
expect_rc 3 "no PowerShell in PATH"
expect_err "the hyperv driver needs Windows PowerShell, and neither powershell.exe nor pwsh is in PATH" "says what is missing"

# --- a VM removed behind machinectl's back ---
create gone1
expect_rc 0 "create gone1"
echo '{}' >"$S/vms.json"
run mc ls --format '{{.Name}} {{.State}} {{.Error}}'
expect_out 'gone1 Error Hyper-V has no VM named "gone1"' "ls shows the vanished VM as an Error"
expect_out "'machinectl rm -f gone1'" "with what to do"
run mc start gone1
expect_rc 1 "start of a vanished VM fails"
expect_err 'Hyper-V has no VM named "gone1"' "and says why"
run mc rm -y gone1
expect_rc 0 "rm of a vanished VM succeeds (Remove-VM of a missing VM is success)"
check "gone1 is forgotten" test ! -e "$STORE/machines/gone1"

# --- a cmdlet failure on stop ---
create s1
echo 'Stop-VM|The operation cannot be performed while the virtual machine is in its current state.' >"$S/fail-stop"
run mc stop s1
expect_rc 1 "Stop-VM fails"
expect_err 'machine "s1": stop failed: Stop-VM failed (Hyper-V shim verb "stop"): The operation cannot be performed while the virtual machine is in its current state.' "the cmdlet's message"
expect_err "'machinectl kill' turns it off without a shutdown" "and the way out"
rm "$S/fail-stop"
run mc kill s1
expect_rc 0 "kill works where stop did not"
run mc rm -y s1

done_testing
