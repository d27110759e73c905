# machinectl-hyperv.ps1 - the Hyper-V shim of machinectl's hyperv driver.
#
# machinectl starts it once per invocation:
#   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File machinectl-hyperv.ps1
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
    return [ordered]@{ module = $module; admin = $admin; hyperv_admin = $hvAdmin; user = $id.Name }
}

function Invoke-Switches($a) {
    $list = @(Hyper-V\Get-VMSwitch -ErrorAction Stop | ForEach-Object {
        [ordered]@{ name = $_.Name; type = [string]$_.SwitchType }
    })
    return @{ switches = $list }
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

# Shut down through the guest (its shutdown integration service); -Force: a
# locked guest is not a reason to prompt (there is no one to answer).
function Invoke-Stop($a) {
    $vm = Get-MachineVM $a
    if ($vm.State -ne 'Off') {
        Hyper-V\Stop-VM -VM $vm -Force -ErrorAction Stop
    }
    return @{ state = [string](Get-MachineVM $a).State }
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
