# shellcheck shell=bash
# tests/e2e/lib-vm.sh - shared helpers for the end-to-end tests that boot
# machinectl-os.iso under plain QEMU.  Source it from a bash test script.
#
# Rules these helpers enforce:
#  * Every guest runs inside a network namespace that the test creates
#    (mc-e2e-<pid>) and deletes on exit; QEMU's user-mode network forwards
#    127.0.0.1:PORT *inside that namespace* to the guest, and ssh/curl are run
#    inside the same namespace.  No traffic leaves the namespace.
#  * QEMU is killed on exit (trap), even when the test fails.
#  * Missing tools are installed with apt-get, or the test fails loudly;
#    nothing is skipped silently.
#  * Accelerator: auto by default: KVM only when a probe boot (<= 20 s, result
#    cached in /run/machinectl-e2e-kvm-probe until the host reboots) reaches
#    the guest's /init under KVM, else TCG.  /dev/kvm on the CI machines is a
#    PVM host on which KVM guests fail, so this ends up as TCG there.
#
# Environment:
#   MACHINECTL_E2E_ACCEL   auto (default) | tcg | kvm
#   MACHINECTL_E2E_KEEP    1: keep the work directory (disks, logs)
#   MACHINECTL_ISO         use this ISO instead of running scripts/build-iso

set -euo pipefail

E2E_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_NS=mc-e2e-$$
E2E_WORK=
E2E_TESTNUM=0
E2E_FAILED=0
E2E_QEMU_PIDS=()
E2E_SSH_PORT=10022      # inside the private netns: no clashes possible
E2E_TLS_PORT=12376

# ------------------------------------------------------------------ TAP ---
tap_plan() { echo "1..$1"; }
tap_ok() {      # tap_ok DESCRIPTION
    E2E_TESTNUM=$((E2E_TESTNUM + 1)); echo "ok $E2E_TESTNUM - $*"
}
tap_not_ok() {  # tap_not_ok DESCRIPTION
    E2E_TESTNUM=$((E2E_TESTNUM + 1)); E2E_FAILED=$((E2E_FAILED + 1))
    echo "not ok $E2E_TESTNUM - $*"
}
# check DESCRIPTION COMMAND...: run COMMAND, report ok / not ok
check() {
    local desc=$1; shift
    if "$@" >"$E2E_WORK/check.out" 2>&1; then tap_ok "$desc"
    else
        tap_not_ok "$desc"
        sed 's/^/# /' "$E2E_WORK/check.out" | tail -n 20
    fi
}
diag() { echo "# $*"; }
# bail REASON: fatal error, stop the test (the plan is then not met)
bail() { echo "Bail out! $*"; exit 1; }

tap_finish() {
    if [ "$E2E_FAILED" -gt 0 ]; then
        diag "$E2E_FAILED of $E2E_TESTNUM test(s) failed"; exit 1
    fi
    exit 0
}

# ---------------------------------------------------------- tools ---
# need_tool COMMAND PACKAGE: install PACKAGE when COMMAND is missing
need_tool() {
    command -v "$1" >/dev/null 2>&1 && return 0
    diag "installing $2 (for $1)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >&2 ||
        { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "$2" >&2; } ||
        bail "cannot install $2 (needed for $1)"
    command -v "$1" >/dev/null 2>&1 || bail "$1 still missing after installing $2"
}

e2e_require_tools() {
    [ "$(id -u)" = 0 ] || bail "e2e VM tests must run as root (network namespaces)"
    need_tool qemu-system-x86_64 qemu-system-x86
    need_tool ip iproute2
    need_tool ssh openssh-client
    need_tool ssh-keygen openssh-client
    need_tool sftp openssh-client
    need_tool socat socat
    need_tool openssl openssl
    need_tool curl curl
    need_tool xorriso xorriso
    need_tool sha256sum coreutils
    [ -e /usr/share/qemu/bios-256k.bin ] || [ -e /usr/share/seabios/bios-256k.bin ] ||
        need_tool /nonexistent-seabios seabios
}

# ---------------------------------------------------- setup / cleanup ---
e2e_cleanup() {
    local rc=$? pid
    for pid in "${E2E_QEMU_PIDS[@]}"; do
        kill "$pid" 2>/dev/null && diag "killed qemu $pid"
    done
    for pid in "${E2E_QEMU_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    ip netns pids "$E2E_NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$E2E_NS" 2>/dev/null || true
    if [ -n "$E2E_WORK" ]; then
        if [ "${MACHINECTL_E2E_KEEP:-0}" = 1 ] || [ $rc != 0 ]; then
            diag "work directory kept: $E2E_WORK"
        else
            rm -rf "$E2E_WORK"
        fi
    fi
    exit $rc
}

# e2e_setup: tools, work dir, network namespace, traps
e2e_setup() {
    e2e_require_tools
    E2E_WORK=$(mktemp -d /var/tmp/mc-e2e.XXXXXX)
    trap e2e_cleanup EXIT
    trap 'exit 130' INT TERM
    ip netns add "$E2E_NS" || bail "cannot create network namespace $E2E_NS"
    ip -n "$E2E_NS" link set lo up
    diag "network namespace $E2E_NS, work directory $E2E_WORK"
}

# in_ns COMMAND...: run COMMAND inside the test's network namespace
in_ns() { ip netns exec "$E2E_NS" "$@"; }

# e2e_iso: path of the ISO (built or taken from the cache by scripts/build-iso)
e2e_iso() {
    if [ -n "${MACHINECTL_ISO:-}" ]; then
        [ -s "$MACHINECTL_ISO" ] || bail "MACHINECTL_ISO=$MACHINECTL_ISO does not exist"
        echo "$MACHINECTL_ISO"; return
    fi
    local iso
    iso=$("$E2E_SRCDIR/scripts/build-iso" 2>"$E2E_WORK/build-iso.log" | tail -1) ||
        { sed 's/^/# /' "$E2E_WORK/build-iso.log" | tail -n 30 >&2; bail "scripts/build-iso failed"; }
    [ -s "$iso" ] || bail "scripts/build-iso printed '$iso', which is not a file"
    echo "$iso"
}

# e2e_setup_boot: e2e_setup, then iso= the ISO, W= the work directory and
# E2E_KEY= a new SSH key there (the tests that boot the ISO in plain QEMU)
e2e_setup_boot() {
    e2e_setup
    iso=$(e2e_iso) || exit 1
    diag "ISO: $iso ($(du -m "$iso" | cut -f1) MB)"
    W=$E2E_WORK
    E2E_KEY=$W/id_ed25519
    make_key "$E2E_KEY"
}

# ---------------------------------------------------------- disks ---
# make_userdata_disk IMAGE PUBKEY [SIZE [AWAIT [MOUNTS]]]
#   A boot2docker data disk: a ustar archive whose FIRST member is a file
#   named "boot2docker, please format-me" (content: the same string), then
#   .ssh/ and .ssh/authorized_keys, written at offset 0 of a sparse raw file
#   (default 2G); with AWAIT (seconds), also .machinectl/await-provisioning,
#   as src/userdata.c writes it for a machine it is about to provision; with
#   MOUNTS (a file), also .machinectl/mounts, the shared folders to mount
#   (doc/machine-os.md).  The same layout as src/userdata.c
#   (tests/unit/test-userdata.c).
make_userdata_disk() {
    local img=$1 pub=$2 size=${3:-2G} await=${4:-} mounts=${5:-} d
    local members=("boot2docker, please format-me" .ssh .ssh/authorized_keys)
    d=$(mktemp -d "$E2E_WORK/userdata.XXXXXX")
    printf '%s' "boot2docker, please format-me" >"$d/boot2docker, please format-me"
    mkdir -m 700 "$d/.ssh"
    install -m 600 "$pub" "$d/.ssh/authorized_keys"
    if [ -n "$await$mounts" ]; then
        mkdir -m 700 "$d/.machinectl"
        members+=(.machinectl)
    fi
    if [ -n "$await" ]; then
        echo "$await" >"$d/.machinectl/await-provisioning"
        members+=(.machinectl/await-provisioning)
    fi
    if [ -n "$mounts" ]; then
        cp "$mounts" "$d/.machinectl/mounts"
        members+=(.machinectl/mounts)
    fi
    tar --format=ustar --owner=0 --group=0 --no-recursion -C "$d" -cf "$d.tar" "${members[@]}"
    rm -f "$img"
    truncate -s "$size" "$img"
    dd if="$d.tar" of="$img" conv=notrunc status=none
    rm -rf "$d" "$d.tar"
}

# make_blank_disk IMAGE [SIZE]: a disk WITHOUT the magic: random first MiB,
# so that any write to it (e.g. a wrong format) changes its checksum.
make_blank_disk() {
    local img=$1 size=${2:-256M}
    rm -f "$img"
    truncate -s "$size" "$img"
    head -c 1048576 /dev/urandom | dd of="$img" conv=notrunc status=none
}

# disk_head_sum IMAGE: sha256 of the first MiB
disk_head_sum() { head -c 1048576 "$1" | sha256sum | cut -d' ' -f1; }

# make_cidata_iso IMAGE HOSTNAME PUBKEY: a NoCloud seed (ISO9660, label cidata)
make_cidata_iso() {
    local img=$1 name=$2 pub=$3 d
    d=$(mktemp -d "$E2E_WORK/cidata.XXXXXX")
    printf 'instance-id: %s\nlocal-hostname: %s\n' "$name-$$" "$name" >"$d/meta-data"
    { echo "#cloud-config"
      echo "ssh_authorized_keys:"
      echo "  - $(cat "$pub")"; } >"$d/user-data"
    xorriso -as mkisofs -quiet -V cidata -J -r -o "$img" "$d" 2>/dev/null ||
        bail "cannot make the cidata ISO"
    rm -rf "$d"
}

# ----------------------------------------------------------- QEMU ---
E2E_ACCEL=
e2e_accel() {
    [ -n "$E2E_ACCEL" ] && { echo "$E2E_ACCEL"; return; }
    local want=${MACHINECTL_E2E_ACCEL:-auto} cache=/run/machinectl-e2e-kvm-probe
    case $want in
    tcg) E2E_ACCEL=tcg ;;
    kvm) E2E_ACCEL=kvm ;;
    auto)
        E2E_ACCEL=tcg
        if [ -w /dev/kvm ]; then
            # the probe result is kept until the host reboots (/run is a tmpfs)
            if [ -s "$cache" ]; then E2E_ACCEL=$(cat "$cache")
            elif kvm_probe "$1"; then E2E_ACCEL=kvm
            fi
            echo "$E2E_ACCEL" >"$cache"
        fi ;;
    *) bail "MACHINECTL_E2E_ACCEL must be tcg, kvm or auto" ;;
    esac
    echo "$E2E_ACCEL"
}

# kvm_probe ISO: does a KVM guest reach the ISO's /init within 20 s?  (On the
# CI machines it does not: "KVM internal error ... emulation failure".)
kvm_probe() {
    local log=$E2E_WORK/kvm-probe.log pid
    qemu-system-x86_64 -accel kvm -m 512 -display none -no-reboot -net none \
        -serial "file:$log" -cdrom "$1" >"$log.qemu" 2>&1 &
    pid=$!
    for _ in $(seq 1 40); do
        grep -q 'machinectl-os: initramfs' "$log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    grep -q 'machinectl-os: initramfs' "$log" 2>/dev/null
}

# vm_start NAME ISO [qemu args...]
#   Boots a VM inside the netns: 512 MiB, 1 vCPU, the ISO on a SATA (AHCI)
#   CD-ROM (SeaBIOS loads the kernel+initrd ~5 s faster from AHCI than from
#   the default IDE CD-ROM under TCG; see doc/machine-os.md), serial console to
#   $E2E_WORK/NAME.serial, monitor on $E2E_WORK/NAME.mon, user-mode network
#   with 127.0.0.1:$E2E_SSH_PORT -> 22 and 127.0.0.1:$E2E_TLS_PORT -> 2376.
#   Sets VM_PID and VM_T0 (host time at start, seconds with decimals).
VM_PID=
VM_T0=
vm_start() {
    local name=$1 iso=$2 accel; shift 2
    accel=$(e2e_accel "$iso")
    local acc_opt="tcg,tb-size=128" cd_boot=",bootindex=0"
    # direct kernel boot (-kernel in the extra arguments): the CD stays
    # attached (the machine OS reads it), but QEMU boots the kernel
    case " $* " in *" -kernel "*) cd_boot= ;; esac
    [ "$accel" = kvm ] && acc_opt=kvm
    # virtio-rng, as the libvirt driver's domains have: under TCG (no
    # RDRAND) a guest without it waits seconds for its first random bytes
    # (mke2fs's UUID: the data disk took 3.4 s to format instead of 0.35 s)
    : >"$E2E_WORK/$name.serial"
    rm -f "$E2E_WORK/$name.mon"
    VM_T0=$(date +%s.%N)
    ip netns exec "$E2E_NS" qemu-system-x86_64 \
        -name "$name" -accel "$acc_opt" -m 512 -smp 1 \
        -display none -vga none -nodefaults -no-user-config \
        -serial "file:$E2E_WORK/$name.serial" \
        -monitor "unix:$E2E_WORK/$name.mon,server,nowait" \
        -device ahci,id=ahci0 \
        -drive "if=none,id=bootcd,media=cdrom,readonly=on,file=$iso" \
        -device "ide-cd,bus=ahci0.0,drive=bootcd$cd_boot" \
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$E2E_SSH_PORT-:22,hostfwd=tcp:127.0.0.1:$E2E_TLS_PORT-:2376" \
        -device virtio-net-pci,netdev=n0 \
        -object rng-random,id=rng0,filename=/dev/urandom -device virtio-rng-pci,rng=rng0 \
        "$@" >"$E2E_WORK/$name.qemu.log" 2>&1 &
    VM_PID=$!
    E2E_QEMU_PIDS+=("$VM_PID")
    diag "started VM $name (qemu pid $VM_PID, accel $accel)"
}

# wait_marker NAME TEXT TIMEOUT: wait for "machinectl-os: TEXT" on the serial
# console; prints the host-side seconds since vm_start.  Fails on timeout or
# when QEMU exits.
wait_marker() {
    local name=$1 text=$2 timeout=$3 log=$E2E_WORK/$1.serial end now
    end=$(( $(date +%s) + timeout ))
    while ! grep -q "machinectl-os: $text" "$log" 2>/dev/null; do
        now=$(date +%s)
        [ "$now" -lt "$end" ] || { echo "timeout waiting for '$text'" >&2; return 1; }
        kill -0 "$VM_PID" 2>/dev/null || { echo "qemu exited" >&2; return 1; }
        sleep 0.1
    done
    echo "$(date +%s.%N) $VM_T0" | awk '{ printf "%.1f\n", $1 - $2 }'
}

# qemu_cpu: seconds of CPU the running QEMU has used (utime + stime)
qemu_cpu() {
    sed 's/^.*) //' "/proc/$VM_PID/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f\n", ($12 + $13) / hz }'
}
# median N...: the median of the numbers ("?" without any)
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "?"; else if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# marker_uptime NAME TEXT: the guest uptime printed with the marker
marker_uptime() {
    sed -n "s/.*machinectl-os: $2 (\([0-9.]*\) s).*/\1/p" "$E2E_WORK/$1.serial" | tail -1
}

# vm_monitor NAME COMMAND: send a QEMU monitor command
vm_monitor() {
    printf '%s\n' "$2" | socat - "UNIX-CONNECT:$E2E_WORK/$1.mon" >/dev/null 2>&1
}

# vm_wait_exit TIMEOUT: wait for the current VM's QEMU to exit by itself
vm_wait_exit() {
    local end=$(( $(date +%s) + $1 ))
    while kill -0 "$VM_PID" 2>/dev/null; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.5
    done
    wait "$VM_PID" 2>/dev/null || true
    return 0
}

# vm_kill: kill the current VM's QEMU
vm_kill() {
    kill "$VM_PID" 2>/dev/null || true
    wait "$VM_PID" 2>/dev/null || true
}

# ------------------------------------------------------------ SSH ---
# make_key FILE: a fresh ed25519 key pair FILE / FILE.pub
make_key() { ssh-keygen -q -t ed25519 -N '' -C "mc-e2e-$$" -f "$1"; }

E2E_KEY=
vm_ssh_opts() {
    echo "-i $E2E_KEY -p $E2E_SSH_PORT -o BatchMode=yes -o IdentitiesOnly=yes" \
         "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" \
         "-o ConnectTimeout=10"
}
# vm_ssh COMMAND...: run COMMAND in the guest as docker (inside the netns)
vm_ssh() {
    # shellcheck disable=SC2046
    ip netns exec "$E2E_NS" ssh $(vm_ssh_opts) docker@127.0.0.1 "$@"
}
# vm_wait_ssh TIMEOUT: wait until ssh works
vm_wait_ssh() {
    local end=$(( $(date +%s) + $1 ))
    until vm_ssh true 2>/dev/null; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 1
    done
}
# vm_hostkey: the guest's ed25519 host key (as seen through the netns)
vm_hostkey() {
    ip netns exec "$E2E_NS" ssh-keyscan -T 10 -t ed25519 -p "$E2E_SSH_PORT" 127.0.0.1 2>/dev/null |
        awk '{ print $2, $3 }'
}
