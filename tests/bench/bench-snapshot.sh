#!/bin/bash
# tests/bench/bench-snapshot.sh [N] - what a create from a memory snapshot
# could take (issue 18's stretch, not built: doc/machine-os.md, "Limitations").
# As root, after scripts/build-iso (or MACHINECTL_ISO=path).
#
# The machine OS ISO boots once under plain QEMU (the flags of
# tests/e2e/lib-vm.sh: TCG, 1 vCPU, 512 MiB) with a fresh format-me data disk,
# to its "docker up" console marker and an SSH login; QEMU then stops the
# guest and migrates it to a file (the monitor's `migrate "exec:cat > FILE"`).
# That file is restored N times (default 3), each in a new QEMU with the same
# devices and disk (`-incoming "exec:cat FILE"`, then `cont`: the stream
# records that the guest was paused), and timed from QEMU start to the guest
# running and to an SSH login; then dockerd must answer (`docker version` in
# the guest, not timed: the CLI alone takes seconds under TCG).  Printed: the
# image's size (raw and zstd -1), and per restore the host times and QEMU's
# CPU time to running, beside the boot's own time to "docker up".
. "$(dirname "$0")/../e2e/lib-vm.sh"
n=${1:-3}
tap_plan "$n"
e2e_setup_boot
diag "$(nproc) host CPUs, load: $(cut -d' ' -f1-3 /proc/loadavg)"
make_userdata_disk "$W/data.img" "$E2E_KEY.pub" 2G
disk=(-drive "file=$W/data.img,if=virtio,format=raw")

# mon NAME COMMAND: the monitor's answer, without its banner and prompt
mon() {
    printf '%s\n' "$2" | socat -t 0.3 - "UNIX-CONNECT:$E2E_WORK/$1.mon" 2>/dev/null |
        tr -d '\r' | grep -av '^(qemu)\|QEMU .* monitor' || true
}
since() { echo "$(date +%s.%N) $1" | awk '{ printf "%.2f\n", $1 - $2 }'; }

vm_start snap-boot "$iso" "${disk[@]}"
up=$(wait_marker snap-boot 'docker up' 240) || bail "the machine OS did not reach 'docker up'"
vm_wait_ssh 60 || bail "no SSH login after 'docker up'"
diag "boot: 'docker up' after $up s"
t0=$(date +%s.%N)
mon snap-boot stop >/dev/null
mon snap-boot "migrate \"exec:cat > $W/mem.bin\"" >/dev/null
for _ in $(seq 1 600); do
    st=$(mon snap-boot 'info migrate' | grep -a 'Migration status' || true)
    case $st in *completed*|*failed*) break ;; esac
    sleep 0.1
done
case $st in *completed*) ;; *) bail "the migration to a file did not complete: $st" ;; esac
diag "saved $(du -m "$W/mem.bin" | cut -f1) MB in $(since "$t0") s ($(zstd -q -1 -c "$W/mem.bin" | wc -c | awk '{ printf "%d", $1 / 1e6 }') MB with zstd -1)"
vm_kill

run=() login=() cpu=()
for i in $(seq 1 "$n"); do
    vm_start "snap-restore$i" "$iso" "${disk[@]}" -incoming "exec:cat $W/mem.bin"
    st=
    for _ in $(seq 1 1500); do
        st=$(mon "snap-restore$i" 'info status')
        case $st in *inmigrate*|"") ;; *paused*) mon "snap-restore$i" cont >/dev/null ;; *running*) break ;; esac
        sleep 0.02
    done
    r=$(since "$VM_T0") c=$(qemu_cpu)
    if [[ $st == *running* ]] && vm_ssh true && l=$(since "$VM_T0") &&
        name=$(vm_ssh 'sudo docker version --format "{{.Server.Version}}"') && [ -n "$name" ]; then
        run+=("$r") login+=("$l") cpu+=("$c")
        tap_ok "restore $i: running after $r s (QEMU CPU $c s), an SSH login after $l s; dockerd $name answers"
    else
        tap_not_ok "restore $i: the guest did not run and answer (status: $st)"
    fi
    vm_kill
done
diag "median restore: running after $(median "${run[@]}") s (QEMU CPU $(median "${cpu[@]}") s), an SSH login after $(median "${login[@]}") s; the boot: 'docker up' after $up s"
diag "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
tap_finish
