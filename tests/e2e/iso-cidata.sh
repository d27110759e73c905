#!/bin/bash
# tests/e2e/iso-cidata.sh - boot machinectl-os.iso with a NoCloud cidata CD-ROM
# instead of the boot2docker userdata tar (TAP output).
#
#   boot 1: cidata (meta-data local-hostname, user-data ssh_authorized_keys)
#           + a blank disk without the magic.  Documented behaviour: the blank
#           disk is NOT formatted (cidata never causes a format), the guest
#           runs without persistence (state in RAM); SSH with the key from
#           user-data works, the hostname comes from meta-data, docker works.
#   boot 2: cidata + a disk holding only the format-me magic (a userdata tar
#           without keys): the disk is formatted and used for persistence, the
#           key still comes from cidata.
#
# Usage: tests/e2e/iso-cidata.sh   (root; private network namespace)
. "$(dirname "$0")/lib-vm.sh"

tap_plan 13
e2e_setup_boot
make_cidata_iso "$W/cidata.iso" e2e-cidata "$E2E_KEY.pub"
make_blank_disk "$W/blank.img" 512M
blank_sum=$(disk_head_sum "$W/blank.img")
cidata=(-drive "if=none,id=seed,media=cdrom,readonly=on,file=$W/cidata.iso"
        -device ide-cd,bus=ahci0.1,drive=seed)

# ------------------------------------------------------------ boot 1 ---
vm_start cidata1 "$iso" "${cidata[@]}" -drive "file=$W/blank.img,if=virtio,format=raw"
if t_ssh=$(wait_marker cidata1 'sshd up' 240) && t_dock=$(wait_marker cidata1 'docker up' 240); then
    tap_ok "boot 1: sshd up after $t_ssh s, docker up after $t_dock s"
else
    tap_not_ok "boot 1: sshd/docker up markers"; sed 's/^/# /' "$W/cidata1.serial" | tail -30
    bail "guest did not boot"
fi
vm_wait_ssh 60 || true
check "ssh as docker with the key from cidata user-data" vm_ssh 'test "$(id -un)" = docker'
check "hostname from cidata meta-data" vm_ssh 'test "$(hostname)" = e2e-cidata'
check "sudo docker info" vm_ssh 'sudo -n docker info >/dev/null'
check "blank disk without magic: no persistence, /var/lib/docker in RAM" \
    vm_ssh '! test -e /run/machinectl-datadisk && grep -q " /var/lib/docker tmpfs " /proc/mounts'
vm_monitor cidata1 system_powerdown
if vm_wait_exit 90; then tap_ok "ACPI power button: guest powered itself off"
else tap_not_ok "ACPI power button: guest still running after 90 s"; vm_kill; fi
check "the blank disk was never written (first MiB unchanged)" \
    test "$(disk_head_sum "$W/blank.img")" = "$blank_sum"

# ------------------------------------------------------------ boot 2 ---
# a data disk that carries only the magic (no keys): persistence + cidata keys
magic_only=$W/magic-only.pub
: >"$magic_only"
make_userdata_disk "$W/data.img" "$magic_only" 1G
vm_start cidata2 "$iso" "${cidata[@]}" -drive "file=$W/data.img,if=virtio,format=raw"
if t_ssh=$(wait_marker cidata2 'sshd up' 240) && t_dock=$(wait_marker cidata2 'docker up' 240); then
    tap_ok "boot 2: sshd up after $t_ssh s, docker up after $t_dock s"
else
    tap_not_ok "boot 2: sshd/docker up markers"; sed 's/^/# /' "$W/cidata2.serial" | tail -30
fi
vm_wait_ssh 60 || true
check "boot 2: magic disk formatted and mounted" \
    grep -q 'machinectl-os: data disk /dev/vda mounted' "$W/cidata2.serial"
check "boot 2: ssh with the cidata key" vm_ssh true
check "boot 2: /var/lib/docker on the data disk" vm_ssh 'grep -q " /var/lib/docker ext4 " /proc/mounts'
check "boot 2: cidata key persisted in ~docker/.ssh/authorized_keys on the disk" \
    vm_ssh "grep -qF '$(cut -d' ' -f2 "$E2E_KEY.pub")' /mnt/data/home/docker/.ssh/authorized_keys"
check "boot 2: hostname from cidata" vm_ssh 'test "$(hostname)" = e2e-cidata'
vm_monitor cidata2 system_powerdown
vm_wait_exit 90 || vm_kill
tap_finish
