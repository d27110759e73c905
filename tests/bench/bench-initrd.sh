#!/bin/bash
# tests/bench/bench-initrd.sh [N] - what the machine OS initramfs's
# compression costs at boot under TCG (issue 18: "an initramfs built for boot
# speed").  As root, after scripts/build-iso (or MACHINECTL_ISO=path).
#
# The ISO's kernel and initramfs are taken out of it; the initramfs is
# unpacked to its cpio archive once and packed again as each variant:
#   zstd     the ISO's own file (scripts/build-iso: zstd -15)
#   lz4      lz4 -l -9 (the legacy frame format, the one the kernel reads)
#   gzip     gzip -6
#   none     the cpio archive as it is
# Each variant is booted N times (default 3), taking turns (zstd, lz4, gzip,
# none, zstd, ...), one VM at a time, by plain QEMU's direct kernel boot with
# the ISO's command line and the flags of tests/e2e/lib-vm.sh (TCG, 1 vCPU)
# but 1024 MiB (libvirt's default: in 512 MiB the uncompressed archive and
# what it unpacks to do not fit, and the kernel panics).  The kernel unpacks
# the initramfs before it starts /init, so the figures are taken at the
# machine OS's first console marker ("initramfs"): host
# time since QEMU start, the guest's uptime in the marker, and the CPU time
# QEMU has used.  The medians are printed per variant beside the file sizes
# (what the ISO would weigh, and what a boot reads).
. "$(dirname "$0")/../e2e/lib-vm.sh"
n=${1:-3}
variants=(zstd lz4 gzip none)
tap_plan $((n * ${#variants[@]}))
e2e_setup
iso=$(e2e_iso) || exit 1
W=$E2E_WORK
diag "ISO: $iso; $(nproc) host CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
xorriso -osirrox on -indev "$iso" -extract /boot/vmlinuz "$W/vmlinuz" \
    -extract /boot/initrd.img "$W/initrd.zstd" -extract /isolinux/isolinux.cfg "$W/isolinux.cfg" >/dev/null 2>&1 ||
    bail "cannot extract the kernel and initramfs from $iso"
cmdline=$(sed -n 's/^ *APPEND //p' "$W/isolinux.cfg" | head -n 1)
[ -n "$cmdline" ] || bail "no APPEND line in the ISO's isolinux.cfg"
zstd -q -dc "$W/initrd.zstd" >"$W/initrd.none" || bail "the ISO's initramfs is not zstd"
lz4 -q -l -9 -c "$W/initrd.none" >"$W/initrd.lz4" || bail "lz4 failed"
gzip -6 -c "$W/initrd.none" >"$W/initrd.gzip" || bail "gzip failed"
for v in "${variants[@]}"; do diag "$v: $(du -m "$W/initrd.$v" | cut -f1) MB"; done

declare -A host=() guest=() cpu=()
boot() { # boot NAME VARIANT
    vm_start "$1" "$iso" -kernel "$W/vmlinuz" -initrd "$W/initrd.$2" -append "$cmdline" -m 1024
}
# The first boot after the archives were written is seconds slower whatever
# its variant (the host still writing them back): one boot not counted.
boot initrd-warmup zstd
wait_marker initrd-warmup initramfs 240 >/dev/null || diag "the warm-up boot did not reach the initramfs marker"
vm_kill
for i in $(seq 1 "$n"); do
    for v in "${variants[@]}"; do
        name=initrd-$v$i
        boot "$name" "$v"
        if h=$(wait_marker "$name" initramfs 240) && c=$(qemu_cpu); then
            g=$(marker_uptime "$name" initramfs)
            host[$v]+="$h " guest[$v]+="$g " cpu[$v]+="$c "
            tap_ok "$v boot $i: initramfs marker after $h s (guest uptime $g s), QEMU CPU $c s"
        else
            tap_not_ok "$v boot $i did not reach the initramfs marker"
            sed 's/^/# /' "$W/$name.serial" | tail -n 20
        fi
        vm_kill
    done
done
# shellcheck disable=SC2086
for v in "${variants[@]}"; do
    diag "$v ($(du -m "$W/initrd.$v" | cut -f1) MB): median initramfs marker $(median ${host[$v]:-}) s after QEMU start, guest uptime $(median ${guest[$v]:-}) s, QEMU CPU $(median ${cpu[$v]:-}) s"
done
diag "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
tap_finish
