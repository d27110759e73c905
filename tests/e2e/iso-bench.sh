#!/bin/bash
# tests/e2e/iso-bench.sh [N] - boot machinectl-os.iso N times (default 3), one
# VM at a time, each with a fresh boot2docker format-me data disk (the
# `create` case: includes formatting the disk), and report boot-to-sshd and
# boot-to-dockerd: host time from QEMU start until the console marker appears,
# plus the guest uptime printed in the marker and the CPU time QEMU used until
# then (user + system, /proc/PID/stat: what a boot costs the host's cores),
# and the medians (TAP output), then the boot's timeline: the median guest
# uptime at each console marker and the time since the marker before it.
#
# Beside it, the old ISO is booted N times too, taking turns with the new one
# (old, new, new, old, ...), so that both see the same machine load, and the
# ratio new / old of the medians is printed.  The old ISO: MACHINECTL_ISO_OLD
# (a path), default the Debian 12 build of the same inputs
# (MACHINECTL_ISO_SUITE=bookworm scripts/build-iso, cached like the other);
# MACHINECTL_ISO_OLD=none boots only the new one.
# QEMU: TCG (tb-size=128), 1 vCPU, 512 MiB, ISO on a SATA CD-ROM, virtio disk,
# NIC and RNG (as the libvirt driver's domains) - see vm_start in lib-vm.sh.
. "$(dirname "$0")/lib-vm.sh"
n=${1:-3}
old_iso=${MACHINECTL_ISO_OLD:-}
if [ "$old_iso" = none ]; then tap_plan "$n"; else tap_plan $((2 * n)); fi
e2e_setup
iso=$(e2e_iso)
if [ -z "$old_iso" ]; then
    old_iso=$(MACHINECTL_ISO_SUITE=bookworm "$E2E_SRCDIR/scripts/build-iso" 2>"$E2E_WORK/build-iso-old.log" | tail -1) ||
        { sed 's/^/# /' "$E2E_WORK/build-iso-old.log" | tail -n 30; bail "scripts/build-iso (bookworm) failed"; }
fi
[ "$old_iso" = none ] || [ -s "$old_iso" ] || bail "old ISO $old_iso does not exist"
osrel() { # the ISO's suite, kernel and docker, from its /machinectl-os-release
    rm -f "$E2E_WORK/osrel"
    xorriso -osirrox on -indev "$1" -extract /machinectl-os-release "$E2E_WORK/osrel" >/dev/null 2>&1
    sed -n 's/^\(SUITE\|KERNEL\|DOCKER\)=\(.*\)/\1 \2/p' "$E2E_WORK/osrel" 2>/dev/null | paste -sd' '
}
diag "ISO: $iso ($(du -m "$iso" | cut -f1) MB; $(osrel "$iso"))"
[ "$old_iso" = none ] || diag "old ISO: $old_iso ($(du -m "$old_iso" | cut -f1) MB; $(osrel "$old_iso"))"
diag "$(nproc) host CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
E2E_KEY=$E2E_WORK/id_ed25519
make_key "$E2E_KEY"
declare -A ssh_h=() dock_h=() ssh_g=() dock_g=() cpu=()
# boot WHICH I ISO: one boot; WHICH is new or old (the figures' key)
boot() {
    local which=$1 i=$2 img=$3 name label s d c
    name=bench-$which$i
    label="boot $i"
    [ "$which" = old ] && label="old ISO boot $i"
    make_userdata_disk "$E2E_WORK/data.img" "$E2E_KEY.pub" 2G
    vm_start "$name" "$img" -drive "file=$E2E_WORK/data.img,if=virtio,format=raw"
    if s=$(wait_marker "$name" 'sshd up' 240) && d=$(wait_marker "$name" 'docker up' 240) &&
       c=$(qemu_cpu) && vm_wait_ssh 60 && vm_ssh 'sudo docker info >/dev/null 2>&1'; then
        ssh_h[$which]+="$s " dock_h[$which]+="$d " cpu[$which]+="$c "
        ssh_g[$which]+="$(marker_uptime "$name" 'sshd up') " dock_g[$which]+="$(marker_uptime "$name" 'docker up') "
        tap_ok "$label: sshd $s s, dockerd $d s after QEMU start (guest uptime $(marker_uptime "$name" 'sshd up') / $(marker_uptime "$name" 'docker up') s), QEMU CPU $c s"
        grep -a 'machinectl-os: .* ([0-9.]* s)' "$E2E_WORK/$name.serial" | tr -d '\r' >"$E2E_WORK/timeline.$which.$i"
    else
        tap_not_ok "$label did not reach sshd + dockerd"
        sed 's/^/# /' "$E2E_WORK/$name.serial" | tail -n 20
    fi
    vm_kill
}
for i in $(seq 1 "$n"); do
    # old, new, new, old, ...: each ISO goes first in half of the pairs (the
    # one after the other boots a little faster, the first boot slower)
    if [ "$old_iso" = none ]; then boot new "$i" "$iso"
    elif [ $((i % 2)) = 1 ]; then boot old "$i" "$old_iso"; boot new "$i" "$iso"
    else boot new "$i" "$iso"; boot old "$i" "$old_iso"; fi
done
# shellcheck disable=SC2086
for which in new old; do
    [ "$which" = old ] && [ "$old_iso" = none ] && continue
    p=; [ "$which" = old ] && p="old ISO "
    diag "${p}median boot-to-sshd:   $(median ${ssh_h[$which]:-}) s after QEMU start (guest uptime $(median ${ssh_g[$which]:-}) s)"
    diag "${p}median boot-to-dockerd: $(median ${dock_h[$which]:-}) s after QEMU start (guest uptime $(median ${dock_g[$which]:-}) s), QEMU CPU $(median ${cpu[$which]:-}) s"
done
# Where the boot's time goes: each console marker of the first boot, in its
# order, with the median guest uptime at it over the boots and the median
# time since the marker before it (a marker missing from a boot is left out
# of that boot's figures).
timeline() {
    awk '
        FNR == 1 { nb++ }
        { t = $0; sub(/^.*machinectl-os: /, "", t); u = t; sub(/ \([0-9.]* s\)$/, "", t)
          sub(/^.*\(/, "", u); sub(/ s\)$/, "", u)
          if (nb == 1) order[++n] = t
          up[t, nb] = u; has[t, nb] = 1; prev[t, nb] = last; last = u
          if (FNR == 1) prev[t, nb] = 0 }
        function med(v, k,   i, j, x) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (v[j] < v[i]) { x = v[i]; v[i] = v[j]; v[j] = x }
          return k % 2 ? v[(k + 1) / 2] : (v[k / 2] + v[k / 2 + 1]) / 2 }
        END { for (m = 1; m <= n; m++) { t = order[m]; k = 0; delete a; delete d
                for (b = 1; b <= nb; b++) if (has[t, b]) { k++; a[k] = up[t, b] + 0; d[k] = up[t, b] - prev[t, b] }
                printf "%7.2f s  +%5.2f s  %s\n", med(a, k), med(d, k), t } }' "$@"
}
for which in new old; do
    [ "$which" = old ] && [ "$old_iso" = none ] && continue
    ls "$E2E_WORK"/timeline."$which".* >/dev/null 2>&1 || continue
    diag "$([ "$which" = old ] && echo "old ISO ")boot timeline: median guest uptime at each console marker, and since the one before"
    timeline "$E2E_WORK"/timeline."$which".* | sed 's/^/  /' | while IFS= read -r l; do diag "$l"; done
done
if [ "$old_iso" != none ]; then
    # shellcheck disable=SC2086
    ratio() { awk -v a="$(median $1)" -v b="$(median $2)" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "?" }'; }
    diag "ratio new/old, median boot-to-dockerd: $(ratio "${dock_h[new]:-}" "${dock_h[old]:-}") (host time), $(ratio "${dock_g[new]:-}" "${dock_g[old]:-}") (guest uptime), $(ratio "${cpu[new]:-}" "${cpu[old]:-}") (QEMU CPU); boot-to-sshd: $(ratio "${ssh_h[new]:-}" "${ssh_h[old]:-}")"
fi
diag "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
tap_finish
