# machinectl-hyperv.ps1 - the Hyper-V shim of machinectl's hyperv driver.
#
# machinectl starts it once per invocation, as the text of a script block
# (execution policy applies to script files, so a Group Policy that forbids
# scripts cannot refuse it the way it refuses -File):
#   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command
#     "& ([ScriptBlock]::Create([IO.File]::ReadAllText('C:\...\machinectl-hyperv.ps1')))"
# and writes one JSON request a line on its stdin:
#   {"id":N,"verb":"create","args":{...}}
# Each request gets one JSON line on stdout:
#   {"id":N,"ok":true,"result":{...}}
#   {"id":N,"ok":false,"error":{"cmdlet":"New-VM","message":"...","code":"notfound"}}
# The shim exits at the end of stdin.  Nothing else may reach stdout, so
# cmdlet output is discarded and the warning/progress streams are silenced.
# Verbs, arguments and results: doc/hyperv.md.
#
# Every Hyper-V cmdlet is module-qualified (Hyper-V\Get-VM: VMware PowerCLI
# has a Get-VM too) and runs with -ErrorAction Stop inside the request's try.
# Windows PowerShell 5.1 syntax only; every cmdlet and parameter used here is
# in tests/data/hyperv-cmdlets.txt, checked by tests/lib/ps-check.py.

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
$VerbosePreference = 'SilentlyContinue'
$InformationPreference = 'SilentlyContinue'
[Console]::InputEncoding = New-Object System.Text.UTF8Encoding($false)
[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding($false)

# A failure the shim itself detects (not a cmdlet's exception).
function New-ShimError([string]$Cmdlet, [string]$Message, [string]$Code) {
    $e = [ordered]@{ cmdlet = $Cmdlet; message = $Message }
    if ($Code) { $e.code = $Code }
    return @{ shim_error = $e }
}

# The VM named in the request: by its id (a GUID, recorded at create) when
# given, else by name.  Listing all VMs never fails for a missing one.
function Find-MachineVM($a) {
    $all = @(Hyper-V\Get-VM -ErrorAction Stop)
    if ($a.id) {
        $vm = $all | Where-Object { $_.Id.ToString() -eq $a.id } | Select-Object -First 1
    } else {
        $vm = $all | Where-Object { $_.Name -eq $a.name } | Select-Object -First 1
    }
    return $vm
}

function Get-MachineVM($a) {
    $vm = Find-MachineVM $a
    if (-not $vm) {
        throw (New-ShimError 'Get-VM' "Hyper-V has no virtual machine named `"$($a.name)`"" 'notfound')
    }
    return $vm
}

# The first IPv4 address of the VM's first network adapter, or $null.
function Get-FirstIPv4($vm) {
    $nic = @($vm.NetworkAdapters) | Select-Object -First 1
    if (-not $nic) { return $null }
    foreach ($ip in @($nic.IPAddresses)) {
        if ($ip -match '^\d{1,3}(\.\d{1,3}){3}$') { return $ip }
    }
    return $null
}

function Invoke-Check($a) {
    $module = @(Get-Module -ListAvailable -Name 'Hyper-V' -ErrorAction Stop).Count -gt 0
    $id = [Security.Principal.WindowsIdentity]::GetCurrent()
    $principal = New-Object Security.Principal.WindowsPrincipal($id)
    $admin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    $hvAdmins = New-Object Security.Principal.SecurityIdentifier('S-1-5-32-578')
    $hvAdmin = $principal.IsInRole($hvAdmins)
    return [ordered]@{ module = $module; admin = $admin; hyperv_admin = $hvAdmin; user = $id.Name;
        profile = $env:USERPROFILE }
}

# The Default Switch has a fixed Id; its name is translated.
$DefaultSwitchId = 'c08cb7b8-9b3c-408e-8e30-5e16a3aeb444'

# Is IPv4 forwarding on between WSL's adapter and the Default Switch's (the
# documented way for a WSL 2 distribution to reach a VM on it)?
function Test-WslForwarding($sw) {
    if (-not $sw) { return $false }
    $ifs = @(NetTCPIP\Get-NetIPInterface -AddressFamily IPv4 -ErrorAction SilentlyContinue)
    $dflt = @($ifs | Where-Object { $_.InterfaceAlias -eq "vEthernet ($($sw.Name))" -and [string]$_.Forwarding -eq 'Enabled' })
    $wsl = @($ifs | Where-Object { $_.InterfaceAlias -like 'vEthernet (WSL*' -and [string]$_.Forwarding -eq 'Enabled' })
    return ($dflt.Count -gt 0) -and ($wsl.Count -gt 0)
}

function Invoke-Switches($a) {
    $all = @(Hyper-V\Get-VMSwitch -ErrorAction Stop)
    $list = @($all | ForEach-Object {
        [ordered]@{ name = $_.Name; id = $_.Id.ToString(); type = [string]$_.SwitchType }
    })
    $dflt = $all | Where-Object { $_.Id.ToString() -eq $DefaultSwitchId } | Select-Object -First 1
    return [ordered]@{ switches = $list; default_switch_forwarding = (Test-WslForwarding $dflt) }
}

function Invoke-State($a) {
    $vm = Get-MachineVM $a
    return [ordered]@{ name = $vm.Name; id = $vm.Id.ToString(); state = [string]$vm.State }
}

function Invoke-States($a) {
    $list = @(Hyper-V\Get-VM -ErrorAction Stop | ForEach-Object {
        [ordered]@{ name = $_.Name; id = $_.Id.ToString(); state = [string]$_.State; ip = (Get-FirstIPv4 $_) }
    })
    return @{ vms = $list }
}

function Invoke-IP($a) {
    $vm = Get-MachineVM $a
    return [ordered]@{ state = [string]$vm.State; ip = (Get-FirstIPv4 $vm) }
}

# The data disk: machinectl wrote a fixed VHD (the userdata tar, then the
# footer); make it a dynamic VHD and grow it to size_mb.
function Invoke-Disk($a) {
    Hyper-V\Convert-VHD -Path $a.fixed -DestinationPath $a.path -VHDType Dynamic -DeleteSource -ErrorAction Stop
    $want = [uint64]([int64]$a.size_mb * 1MB)
    $size = (Hyper-V\Get-VHD -Path $a.path -ErrorAction Stop).Size
    if ($want -gt $size) {
        $null = Hyper-V\Resize-VHD -Path $a.path -SizeBytes $want -ErrorAction Stop
        $size = $want
    }
    return [ordered]@{ path = $a.path; size = $size }
}

function Invoke-Create($a) {
    $n = $a.name
    # Generation 1: BIOS boot from the ISO on the IDE DVD drive it comes with.
    $vm = Hyper-V\New-VM -Name $n -Path $a.path -SwitchName $a.switch `
        -MemoryStartupBytes ([int64]$a.memory_mb * 1MB) -Generation 1 -NoVHD -ErrorAction Stop
    if ($a.disable_dynamic_memory) {
        Hyper-V\Set-VMMemory -VMName $n -DynamicMemoryEnabled $false -ErrorAction Stop
    }
    Hyper-V\Set-VMProcessor -VMName $n -Count ([int64]$a.cpus) -ErrorAction Stop
    if ($a.mac) {
        Hyper-V\Set-VMNetworkAdapter -VMName $n -StaticMacAddress $a.mac -ErrorAction Stop
    }
    if ($a.vlan) {
        Hyper-V\Set-VMNetworkAdapterVlan -VMName $n -Access -VlanId ([int]$a.vlan) -ErrorAction Stop
    }
    Hyper-V\Set-VMDvdDrive -VMName $n -Path $a.iso -ErrorAction Stop
    Hyper-V\Add-VMHardDiskDrive -VMName $n -Path $a.disk -ErrorAction Stop
    return [ordered]@{ name = $n; id = $vm.Id.ToString() }
}

function Invoke-Start($a) {
    $vm = Get-MachineVM $a
    if ($vm.State -eq 'Paused') {
        Hyper-V\Resume-VM -VM $vm -ErrorAction Stop
    } elseif ($vm.State -ne 'Running') {
        Hyper-V\Start-VM -VM $vm -ErrorAction Stop
    }
    return @{ state = [string](Get-MachineVM $a).State }
}

# The Shutdown integration service, found by its Id ("Microsoft:VMID\GUID"):
# its Name is translated on a non-English Windows.
$ShutdownServiceId = '9F8233AC-BE49-4C79-8EE3-E7E1985B2077'

# Why the guest cannot shut down through its Shutdown integration service
# (hv_utils in the guest), or $null when it can.  Stop-VM asks the same
# (Enabled, PrimaryOperationalStatus Ok) and, with -Force, turns a VM without
# it off without a word: the shim asks first, to say so.
function Get-ShutdownBlocker($vm) {
    $ic = Hyper-V\Get-VMIntegrationService -VM $vm -ErrorAction Stop |
        Where-Object { [string]$_.Id -like "*\$ShutdownServiceId" } | Select-Object -First 1
    if (-not $ic) { return "the VM has no Shutdown integration service" }
    if (-not $ic.Enabled) {
        return "the VM's Shutdown integration service is disabled (Enable-VMIntegrationService turns it on)"
    }
    if ([string]$ic.PrimaryOperationalStatus -eq 'Ok') { return $null }
    $status = $ic.PrimaryStatusDescription
    if (-not $status) { $status = [string]$ic.PrimaryOperationalStatus }
    if (-not $status) { $status = 'no status' }
    return "the guest's Shutdown integration service does not answer ($status)"
}

# Shut down through the guest, waiting timeout_s seconds; -Force: a locked
# guest is not a reason to prompt (there is no one to answer).  When the
# guest cannot (Get-ShutdownBlocker) or does not shut down, the VM is turned
# off and the answer says why.
function Invoke-Stop($a) {
    $vm = Get-MachineVM $a
    $why = $null
    $turnedOff = $false
    if ($vm.State -ne 'Off') {
        $why = Get-ShutdownBlocker $vm
        if (-not $why) {
            $job = Hyper-V\Stop-VM -VM $vm -Force -AsJob -ErrorAction Stop
            $done = Wait-Job -Job $job -Timeout ([int]$a.timeout_s)
            if (-not $done) {
                Stop-Job -Job $job
                $why = "the guest did not shut down within $([int]$a.timeout_s) s"
            } else {
                try { $null = Receive-Job -Job $job -ErrorAction Stop } catch { $why = "Stop-VM failed: $($_.Exception.Message)" }
            }
            Remove-Job -Job $job -Force
        }
        if ($why -and [string](Get-MachineVM $a).State -ne 'Off') {
            Hyper-V\Stop-VM -VM $vm -TurnOff -Force -ErrorAction Stop
            $turnedOff = $true
        }
    }
    return [ordered]@{ state = [string](Get-MachineVM $a).State; turned_off = $turnedOff; reason = $why }
}

# Power off, as pulling the plug.
function Invoke-Kill($a) {
    $vm = Get-MachineVM $a
    if ($vm.State -ne 'Off') {
        Hyper-V\Stop-VM -VM $vm -TurnOff -Force -ErrorAction Stop
    }
    return @{ state = [string](Get-MachineVM $a).State }
}

# upgrade: the DVD drive boots another ISO (the core has stopped the VM).
function Invoke-Iso($a) {
    $vm = Get-MachineVM $a
    Hyper-V\Get-VMDvdDrive -VM $vm -ErrorAction Stop | Hyper-V\Set-VMDvdDrive -Path $a.iso -ErrorAction Stop
    return @{ iso = $a.iso }
}

# set: processors, memory and the data disk of a VM that is Off (the driver
# checks the state first; Hyper-V refuses these on a running VM too); the
# automatic start action at any time (Start: the VM starts with the host).
# Each cmdlet applies at once, so a failure puts back the settings changed
# before it (the disk, which cannot shrink, comes last): a failed set leaves
# the VM as machinectl's record says.
function Invoke-Set($a) {
    $vm = Get-MachineVM $a
    if (($a.cpus -or $a.memory_mb -or $a.disk_mb) -and [string]$vm.State -ne 'Off') {
        throw (New-ShimError 'Set-VM' "the VM is $($vm.State): Hyper-V changes its processors, memory and disk only while it is Off" 'state')
    }
    $cpus = $vm.ProcessorCount
    $memory = $vm.MemoryStartup
    $action = $vm.AutomaticStartAction
    try {
        if ($a.cpus) {
            Hyper-V\Set-VMProcessor -VM $vm -Count ([int64]$a.cpus) -ErrorAction Stop
        }
        if ($a.memory_mb) {
            Hyper-V\Set-VMMemory -VM $vm -StartupBytes ([int64]$a.memory_mb * 1MB) -ErrorAction Stop
        }
        if ($null -ne $a.autostart) {
            $start = 'Nothing'
            if ($a.autostart) { $start = 'Start' }
            Hyper-V\Set-VM -VM $vm -AutomaticStartAction $start -ErrorAction Stop
        }
        if ($a.disk_mb) {
            $want = [uint64]([int64]$a.disk_mb * 1MB)
            $size = (Hyper-V\Get-VHD -Path $a.disk -ErrorAction Stop).Size
            if ($want -gt $size) {
                $null = Hyper-V\Resize-VHD -Path $a.disk -SizeBytes $want -ErrorAction Stop
            }
        }
    } catch {
        if ($a.cpus) { Hyper-V\Set-VMProcessor -VM $vm -Count $cpus -ErrorAction SilentlyContinue }
        if ($a.memory_mb) { Hyper-V\Set-VMMemory -VM $vm -StartupBytes $memory -ErrorAction SilentlyContinue }
        if ($null -ne $a.autostart) { Hyper-V\Set-VM -VM $vm -AutomaticStartAction $action -ErrorAction SilentlyContinue }
        throw
    }
    return @{ state = [string](Get-MachineVM $a).State }
}

# A VM that is already gone counts as removed.  Remove-VM keeps the disks:
# machinectl deletes the machine's directory afterwards.
function Invoke-Remove($a) {
    $vm = Find-MachineVM $a
    if (-not $vm) { return @{ removed = $false } }
    if ($vm.State -ne 'Off') {
        Hyper-V\Stop-VM -VM $vm -TurnOff -Force -ErrorAction Stop
    }
    Hyper-V\Remove-VM -VM $vm -Force -ErrorAction Stop
    return @{ removed = $true }
}

$verbs = @{
    check = ${function:Invoke-Check}
    switches = ${function:Invoke-Switches}
    state = ${function:Invoke-State}
    states = ${function:Invoke-States}
    ip = ${function:Invoke-IP}
    disk = ${function:Invoke-Disk}
    create = ${function:Invoke-Create}
    start = ${function:Invoke-Start}
    stop = ${function:Invoke-Stop}
    kill = ${function:Invoke-Kill}
    iso = ${function:Invoke-Iso}
    set = ${function:Invoke-Set}
    remove = ${function:Invoke-Remove}
}

while ($null -ne ($line = [Console]::In.ReadLine())) {
    if (-not $line.Trim()) { continue }
    $id = $null
    try {
        $req = ConvertFrom-Json -InputObject $line -ErrorAction Stop
        $id = $req.id
        $verb = [string]$req.verb
        if (-not $verbs.ContainsKey($verb)) {
            throw (New-ShimError '' "unknown verb `"$verb`"")
        }
        $result = & $verbs[$verb] $req.args
        $answer = [ordered]@{ id = $id; ok = $true; result = $result }
    } catch {
        # A thrown New-ShimError arrives as the error record's TargetObject.
        $t = $_.TargetObject
        if ($t -is [hashtable] -and $t.ContainsKey('shim_error')) {
            $e = $t.shim_error
        } else {
            $cmd = ''
            if ($_.InvocationInfo -and $_.InvocationInfo.MyCommand) { $cmd = $_.InvocationInfo.MyCommand.Name }
            $e = [ordered]@{ cmdlet = $cmd; message = $_.Exception.Message }
        }
        $answer = [ordered]@{ id = $id; ok = $false; error = $e }
    }
    [Console]::Out.WriteLine((ConvertTo-Json -InputObject $answer -Compress -Depth 6))
    [Console]::Out.Flush()
}
