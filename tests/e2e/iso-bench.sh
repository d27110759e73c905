#!/bin/bash
# tests/e2e/iso-bench.sh [N] - boot machinectl-os.iso N times (default 3), one
# VM at a time, each with a fresh boot2docker format-me data disk (the
# `create` case: includes formatting the disk), and report boot-to-sshd and
# boot-to-dockerd: host time from QEMU start until the console marker appears,
# plus the guest uptime printed in the marker and the CPU time QEMU used until
# then (user + system, /proc/PID/stat: what a boot costs the host's cores),
# and the medians (TAP output).
# QEMU: TCG (tb-size=128), 1 vCPU, 512 MiB, ISO on a SATA CD-ROM, virtio disk
# and NIC - see vm_start in lib-vm.sh.
. "$(dirname "$0")/lib-vm.sh"
n=${1:-3}
tap_plan "$n"
e2e_setup
iso=$(e2e_iso)
diag "ISO: $iso ($(du -m "$iso" | cut -f1) MB), $(nproc) host CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
E2E_KEY=$E2E_WORK/id_ed25519
make_key "$E2E_KEY"
ssh_h=(); dock_h=(); ssh_g=(); dock_g=(); cpu=()
# qemu_cpu: seconds of CPU the running QEMU has used (utime + stime)
qemu_cpu() {
    sed 's/^.*) //' "/proc/$VM_PID/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f\n", ($12 + $13) / hz }'
}
for i in $(seq 1 "$n"); do
    make_userdata_disk "$E2E_WORK/data.img" "$E2E_KEY.pub" 2G
    vm_start "bench$i" "$iso" -drive "file=$E2E_WORK/data.img,if=virtio,format=raw"
    if s=$(wait_marker "bench$i" 'sshd up' 240) && d=$(wait_marker "bench$i" 'docker up' 240) &&
       c=$(qemu_cpu) && vm_wait_ssh 60 && vm_ssh 'sudo docker info >/dev/null 2>&1'; then
        ssh_h+=("$s"); dock_h+=("$d"); cpu+=("$c")
        ssh_g+=("$(marker_uptime "bench$i" 'sshd up')"); dock_g+=("$(marker_uptime "bench$i" 'docker up')")
        tap_ok "boot $i: sshd $s s, dockerd $d s after QEMU start (guest uptime ${ssh_g[-1]} / ${dock_g[-1]} s), QEMU CPU $c s"
    else
        tap_not_ok "boot $i did not reach sshd + dockerd"
    fi
    vm_kill
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
diag "median boot-to-sshd:   $(median "${ssh_h[@]}") s after QEMU start (guest uptime $(median "${ssh_g[@]}") s)"
diag "median boot-to-dockerd: $(median "${dock_h[@]}") s after QEMU start (guest uptime $(median "${dock_g[@]}") s), QEMU CPU $(median "${cpu[@]}") s"
diag "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
tap_finish
