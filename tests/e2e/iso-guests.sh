#!/bin/bash
# tests/e2e/iso-guests.sh - the machine OS's hypervisor detection under QEMU,
# with the other hypervisors' signals simulated where QEMU can (TAP output).
#
#   boot 1, "Hyper-V": SMBIOS system "Microsoft Corporation" / "Virtual
#           Machine" and Hyper-V enlightenments on the CPU (hv-relaxed,
#           hv-vapic, hv-time; TCG does not expose them to the guest, so there
#           is no VMBus): the guest detects Hyper-V by DMI, tries its set
#           (hv_vmbus refuses: no such device), degrades to every set, boots
#           to docker up with SSH; no hv_kvp_daemon without its device; the
#           mounts file's vboxsf entry fails cleanly; the command the kernel
#           runs when Hyper-V's shutdown service asks (kernel.poweroff_cmd,
#           with the kernel's environment) shuts the guest down cleanly.
#   boot 2, "VirtualBox": SMBIOS "innotek GmbH" / "VirtualBox": detected by
#           DMI, vboxguest loaded from the VirtualBox set, no VMMDev device so
#           every set is loaded too, docker up; the vboxsf shared folder fails
#           to mount (no VMMDev) with a console message, a malformed mounts
#           line is skipped, and boot goes on.
#
# Runs as root; everything happens in a private network namespace (lib-vm.sh).
. "$(dirname "$0")/lib-vm.sh"

tap_plan 25
e2e_setup_boot
serial_has() { grep -qF "machinectl-os: $2" "$W/$1.serial"; }
boot_or_bail() { # boot_or_bail NAME: wait for sshd + docker up, then SSH
    local s d
    if s=$(wait_marker "$1" 'sshd up' 240) && d=$(wait_marker "$1" 'docker up' 240); then
        tap_ok "$1: sshd up after $s s, docker up after $d s"
    else
        tap_not_ok "$1: sshd up + docker up"; sed 's/^/# /' "$W/$1.serial" | tail -30; bail "$1 did not boot"
    fi
    vm_wait_ssh 60 || true
}

# ---------------------------------------------------------- Hyper-V ---
cat >"$W/mounts1" <<'EOF'
vboxsf Users /Users
EOF
make_userdata_disk "$W/data1.img" "$E2E_KEY.pub" 1G "" "$W/mounts1"
vm_start hyperv "$iso" -drive "file=$W/data1.img,if=virtio,format=raw" \
    -smbios "type=1,manufacturer=Microsoft Corporation,product=Virtual Machine" \
    -cpu qemu64,hv-relaxed,hv-vapic,hv-time
boot_or_bail hyperv
check "Hyper-V: detected by DMI" \
    serial_has hyperv 'hypervisor: hyperv (DMI: Microsoft Corporation, Virtual Machine)'
check "Hyper-V: its set was tried first: hv_vmbus refuses (no such device)" \
    vm_ssh 'grep -q "hv_vmbus.*No such device" /var/log/modprobe.log && grep -q "(sets hyperv all:" /var/log/modprobe.log'
check "Hyper-V: no VMBus, so every driver set was loaded" \
    serial_has hyperv 'modules loaded (every set: hyperv, no VMBus)'
check "Hyper-V: the fallback loaded the virtio NIC and disk (SSH works, data disk mounted)" \
    vm_ssh 'grep -q "^virtio_net " /proc/modules && grep -q "^virtio_blk " /proc/modules && test -s /run/machinectl-datadisk'
check "Hyper-V: ata_piix (its DVD drive) loaded, and it saw the Hyper-V DMI" \
    vm_ssh 'grep -q "^ata_piix " /proc/modules && sudo dmesg | grep -q "Hyper-V Virtual Machine detected"'
check "Hyper-V: no hv_kvp_daemon without /dev/vmbus/hv_kvp (said on the console)" \
    bash -c "for i in \$(seq 1 30); do grep -q 'no /dev/vmbus/hv_kvp: hv_kvp_daemon not started' '$W/hyperv.serial' && exit 0; sleep 1; done; exit 1"
check "Hyper-V: hv_kvp_daemon is not running" vm_ssh '! pidof hv_kvp_daemon'
check "Hyper-V: the vboxsf shared folder failed cleanly (console marker)" \
    serial_has hyperv 'mount FAILED: Users at /Users (vboxsf)'
check "Hyper-V: sudo docker info works" vm_ssh 'sudo docker info >/dev/null'
check "Hyper-V: kernel.poweroff_cmd (what hv_utils' shutdown runs) is busybox poweroff" \
    vm_ssh 'test "$(cat /proc/sys/kernel/poweroff_cmd)" = /sbin/poweroff && test "$(readlink -f /sbin/poweroff)" = /usr/bin/busybox'
# hv_utils' shutdown service calls orderly_poweroff(): the kernel runs
# poweroff_cmd with only HOME and PATH set, as done here.
vm_ssh 'sudo setsid env -i HOME=/ PATH=/sbin:/bin:/usr/sbin:/usr/bin "$(cat /proc/sys/kernel/poweroff_cmd)" </dev/null >/dev/null 2>&1 &' || true
if vm_wait_exit 90; then tap_ok "Hyper-V: poweroff_cmd powered the guest off"
else tap_not_ok "Hyper-V: guest still running 90 s after poweroff_cmd"; vm_kill; fi
check "Hyper-V: the shutdown was clean (docker stopped, data disk unmounted)" \
    serial_has hyperv 'shutdown complete'

# ------------------------------------------------------- VirtualBox ---
printf 'vboxsf Users /Users\nvboxsf two words /x\n' >"$W/mounts2"
make_userdata_disk "$W/data2.img" "$E2E_KEY.pub" 1G "" "$W/mounts2"
vm_start vbox "$iso" -drive "file=$W/data2.img,if=virtio,format=raw" \
    -smbios "type=1,manufacturer=innotek GmbH,product=VirtualBox"
boot_or_bail vbox
check "VirtualBox: detected by DMI" serial_has vbox 'hypervisor: virtualbox (DMI: innotek GmbH, VirtualBox)'
check "VirtualBox: vboxguest (its set) is loaded" vm_ssh 'grep -q "^vboxguest " /proc/modules'
check "VirtualBox: no VMMDev (PCI 80ee:cafe), so every driver set was loaded" \
    serial_has vbox 'modules loaded (every set: virtualbox, no VMMDev, PCI 80ee:cafe)'
check "VirtualBox: Hyper-V's set was tried in the fallback, not by detection" \
    vm_ssh '! grep -q "(sets virtualbox all:" /var/log/modprobe.log && grep -q "(sets qemu hyperv virtualbox:" /var/log/modprobe.log && ! grep -q "^hv_" /proc/modules'
check "VirtualBox: the malformed mounts line was skipped (console)" \
    serial_has vbox 'mounts file line 2: want FSTYPE SOURCE GUESTPATH separated by single spaces: skipped'
check "VirtualBox: the vboxsf mount failed without a VMMDev (console marker), boot went on" \
    serial_has vbox 'mount FAILED: Users at /Users (vboxsf)'
check "VirtualBox: vboxsf was loaded for the mount" vm_ssh 'grep -q "^vboxsf " /proc/modules'
check "VirtualBox: the mounts file is kept on the data disk" \
    vm_ssh 'cmp /var/lib/boot2docker/mounts - && grep -q " /var/lib/boot2docker ext4 " /proc/mounts' <"$W/mounts2"
check "VirtualBox: docker run works" \
    vm_ssh 'set -e; d=$(mktemp -d); mkdir $d/bin; cp /usr/bin/busybox $d/bin/;
            sudo tar -C $d -c . | sudo docker import -c "ENV PATH=/bin" - e2e/busybox >/dev/null;
            test "$(sudo docker run --rm e2e/busybox busybox echo ok)" = ok'
check "VirtualBox: docker compose and docker buildx (from the ISO) run" \
    vm_ssh 'docker compose version && docker buildx version'
vm_monitor vbox system_powerdown
vm_wait_exit 90 || vm_kill
check "VirtualBox: clean shutdown" serial_has vbox 'shutdown complete'
tap_finish
