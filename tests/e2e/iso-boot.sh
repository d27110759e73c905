#!/bin/bash
# tests/e2e/iso-boot.sh - boot machinectl-os.iso under QEMU with a boot2docker
# data disk and check the guest protocol end to end (TAP output).
#
#   boot 1: the format-me disk (its tar asks the guest to wait 8 s for
#           provisioning) is formatted; only containerd starts, dockerd after
#           the 8 s that no provisioning used; SSH as docker with the key from
#           the userdata tar; passwordless sudo; sudo docker info; docker run
#           (runc pivot_root); SFTP; sethostname; provisioning as for
#           boot2docker (TLS files + profile, then /etc/init.d/docker restart:
#           dockerd restarted, containerd kept; a docker up marker for
#           each dockerd), then curl /_ping over TLS
#           from the host side (in the netns); a file written under
#           /var/lib/docker; ACPI power button -> the guest powers itself off.
#           Shared folders: the userdata tar's .machinectl/mounts names a
#           9p share (QEMU -virtfs, a path with a space): mounted at boot,
#           a file written on the host is read in the guest, one written in
#           the guest (as docker) is read on the host, a container sees it.
#   boot 2: same key works, same host key, the file, hostname, TLS profile and
#           image survived; the share is mounted again (the mounts file is on
#           the data disk); the machine OS's one-step provisioning (a tar on
#           the stdin of /usr/lib/machinectl-os/provision); the QEMU guest
#           agent answers on its virtio-serial port and shuts the guest down;
#           a second disk without the magic was never touched.
#
# Runs as root; everything happens in a private network namespace (see
# lib-vm.sh).  Usage: tests/e2e/iso-boot.sh
. "$(dirname "$0")/lib-vm.sh"

tap_plan 48
e2e_setup_boot
# a 9p shared folder (the host side of a libvirt <filesystem>), mounted in
# the guest at a path with a space (fstab's \040 in the mounts file)
mkdir -p "$W/share"; chmod 777 "$W/share"
echo "from-the-host-$$" >"$W/share/host.txt"
printf '# shared folders\n9p hostshare /Users/me/My\\040Project\n' >"$W/mounts"
GP="/Users/me/My Project"
make_userdata_disk "$W/data.img" "$E2E_KEY.pub" 2G 8 "$W/mounts"
make_blank_disk "$W/other.img" 256M
other_sum=$(disk_head_sum "$W/other.img")
disks=(-drive "file=$W/data.img,if=virtio,format=raw"
       -drive "file=$W/other.img,if=virtio,format=raw"
       -virtfs "local,path=$W/share,mount_tag=hostshare,security_model=none,id=share0")

# ------------------------------------------------------------ boot 1 ---
vm_start boot1 "$iso" "${disks[@]}"
if t_ssh1=$(wait_marker boot1 'sshd up' 240); then
    tap_ok "boot 1: sshd up marker after $t_ssh1 s (guest uptime $(marker_uptime boot1 'sshd up') s)"
else
    tap_not_ok "boot 1: sshd up marker"; sed 's/^/# /' "$W/boot1.serial" | tail -30; bail "guest did not boot"
fi
if t_dock1=$(wait_marker boot1 'docker up' 240); then
    tap_ok "boot 1: docker up marker after $t_dock1 s (guest uptime $(marker_uptime boot1 'docker up') s)"
else
    tap_not_ok "boot 1: docker up marker"; sed 's/^/# /' "$W/boot1.serial" | tail -30
fi
check "boot 1: the userdata tar made dockerd wait for provisioning (containerd started)" \
    grep -q 'machinectl-os: docker waits for provisioning (at most 8 s)' "$W/boot1.serial"
waited() {  # dockerd came up only after the 8 s without provisioning
    local w d
    w=$(marker_uptime boot1 'docker waits for provisioning (at most 8 s)')
    d=$(marker_uptime boot1 'docker up')
    diag "waits marker at $w s, docker up at $d s (guest uptime)"
    awk -v w="$w" -v d="$d" 'BEGIN { exit !(d - w >= 8) }' &&
        grep -q 'no provisioning within 8 s: starting docker' "$W/boot1.serial"
}
check "boot 1: no provisioning came: dockerd started by itself 8 s later" waited
check "boot 1: data disk with the magic was formatted and mounted" \
    grep -q 'machinectl-os: data disk /dev/vda mounted' "$W/boot1.serial"
vm_wait_ssh 60 || true
check "ssh as docker with the key from the userdata tar" vm_ssh 'test "$(id -un)" = docker'
check "docker is in group docker" vm_ssh 'id -nG | grep -qw docker'
check "passwordless sudo (sudo -n true)" vm_ssh 'sudo -n true'
check "no password login: no usable password hashes" \
    vm_ssh '! sudo cut -d: -f2 /etc/shadow | grep -qv "^[*!]"'
check "sudo docker info" vm_ssh 'sudo docker info >/dev/null'
check "/var/lib/docker is on the data disk (label boot2docker-data)" \
    vm_ssh 'sudo blkid -s LABEL -o value "$(cat /run/machinectl-datadisk)" | grep -qx boot2docker-data && grep -q " /var/lib/docker ext4 " /proc/mounts'
check "docker run works (image imported from the guest's busybox; runc pivot_root)" \
    vm_ssh 'set -e; d=$(mktemp -d); mkdir $d/bin; cp /usr/bin/busybox $d/bin/;
            sudo tar -C $d -c . | sudo docker import -c "ENV PATH=/bin" - e2e/busybox >/dev/null;
            test "$(sudo docker run --rm e2e/busybox busybox echo hello-from-container)" = hello-from-container'
check "9p: the share from the mounts file was mounted at boot (console marker)" \
    grep -q "machinectl-os: mounted hostshare at $GP (" "$W/boot1.serial"
check "9p: a file written on the host is read in the guest" \
    vm_ssh "test \"\$(cat '$GP/host.txt')\" = from-the-host-$$"
guest_writes() {
    echo "from-the-guest-$$" | vm_ssh "cat >'$GP/guest.txt'" &&
        test "$(cat "$W/share/guest.txt")" = "from-the-guest-$$"
}
check "9p: a file written in the guest (as docker) is read on the host" guest_writes
check "9p: a container sees the share through a bind mount" \
    vm_ssh "test \"\$(sudo docker run --rm -v '$GP:/src' e2e/busybox busybox cat /src/host.txt)\" = from-the-host-$$"
echo "sftp-test-$$" >"$W/sftp.txt"
check "SFTP subsystem (put and get)" bash -c "
    printf 'put %s /tmp/sftp.txt\nget /tmp/sftp.txt %s\n' '$W/sftp.txt' '$W/sftp.back' |
    ip netns exec $E2E_NS sftp -b - $(vm_ssh_opts | sed 's/-p /-P /') docker@127.0.0.1 &&
    cmp '$W/sftp.txt' '$W/sftp.back'"
check "sethostname e2e-boot (persistent)" \
    vm_ssh 'sudo /usr/bin/sethostname e2e-boot && test "$(hostname)" = e2e-boot'
hostkey1=$(vm_hostkey)
check "host key recorded" test -n "$hostkey1"

# TLS: a throwaway CA, server cert for 127.0.0.1 (the hostfwd address), client cert
tls=$W/tls; mkdir -p "$tls"
(
    cd "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=e2e-ca" \
        -keyout ca-key.pem -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=e2e-server" -keyout server-key.pem -out server.csr
    printf 'subjectAltName=IP:127.0.0.1,IP:10.0.2.15,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
        -extfile server.ext -out server.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=e2e-client" -keyout key.pem -out client.csr
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
        -extfile client.ext -out cert.pem
) >"$W/openssl.log" 2>&1 || bail "openssl failed: $(tail -5 "$W/openssl.log")"
cat >"$tls/profile" <<'EOF'
EXTRA_ARGS='
--label provider=e2e
'
CACERT=/var/lib/boot2docker/ca.pem
DOCKER_HOST='-H tcp://0.0.0.0:2376'
DOCKER_STORAGE=overlay2
DOCKER_TLS=auto
SERVERKEY=/var/lib/boot2docker/server-key.pem
SERVERCERT=/var/lib/boot2docker/server.pem
EOF
provision_tls() {
    local f
    for f in ca.pem server.pem server-key.pem profile; do
        vm_ssh "sudo tee /var/lib/boot2docker/$f >/dev/null" <"$tls/$f" || return 1
    done
    vm_ssh 'sudo chmod 600 /var/lib/boot2docker/server-key.pem && sudo /etc/init.d/docker restart'
}
pids() { vm_ssh 'echo "$(pidof dockerd) $(pidof containerd)"'; }
tls_ping() {  # tls_ping TIMEOUT: curl /_ping over TLS until it answers OK
    local end=$(( $(date +%s) + $1 )) out
    while :; do
        out=$(in_ns curl -sS --max-time 5 --cacert "$tls/ca.pem" --cert "$tls/cert.pem" \
              --key "$tls/key.pem" "https://127.0.0.1:$E2E_TLS_PORT/_ping" 2>&1) && [ "$out" = OK ] && return 0
        [ "$(date +%s)" -lt "$end" ] || { echo "last answer: $out"; return 1; }
        sleep 1
    done
}
read -r dockerd0 containerd0 < <(pids)
t0=$(date +%s.%N)
check "provisioning: TLS files + profile written, sudo /etc/init.d/docker restart" provision_tls
check "dockerd answers /_ping over TLS (2376, --tlsverify) from the host side" tls_ping 90
read -r dockerd1 containerd1 < <(pids)
check "restart: a new dockerd ($dockerd0 -> $dockerd1), the same containerd ($containerd0)" \
    test -n "$dockerd0" -a -n "$dockerd1" -a "$dockerd0" != "$dockerd1" -a -n "$containerd0" -a "$containerd0" = "$containerd1"
docker_up_twice() {  # the watcher saw the new dockerd's API line, once
    local i n
    for i in $(seq 50); do
        n=$(vm_ssh 'grep -c "^machinectl-os: docker up " /var/log/boot.log') || return 1
        [ "$n" -ge 2 ] && break
        sleep 0.1
    done
    diag "docker up markers in boot.log: $n"
    [ "$n" = 2 ]
}
check "restart: one more docker up marker, for the new dockerd" docker_up_twice
check "containerd runs without the CRI plugin and the unused snapshotters (/etc/containerd/config.toml)" \
    vm_ssh 'grep -q "successfully booted" /var/log/containerd.log &&
            grep -q "io.containerd.snapshotter.v1.overlayfs" /var/log/containerd.log &&
            ! grep -E "io.containerd.grpc.v1.cri|snapshotter.v1.(btrfs|zfs|aufs|devmapper)|cni" /var/log/containerd.log'
diag "provisioning to TLS answer: $(echo "$(date +%s.%N) $t0" | awk '{ printf "%.1f", $1 - $2 }') s"
check "TLS without a client certificate is refused" bash -c \
    "! ip netns exec $E2E_NS curl -sS --max-time 5 --cacert '$tls/ca.pem' https://127.0.0.1:$E2E_TLS_PORT/_ping"
secret=persist-$$-$RANDOM
check "write a file under /var/lib/docker" \
    vm_ssh "echo $secret | sudo tee /var/lib/docker/e2e-persist >/dev/null && sync"

# ACPI power button
vm_monitor boot1 system_powerdown
if vm_wait_exit 90; then
    tap_ok "ACPI power button: guest powered itself off"
else
    tap_not_ok "ACPI power button: guest still running after 90 s"
    sed 's/^/# /' "$W/boot1.serial" | tail -15
    vm_kill
fi
check "clean shutdown: docker stopped and data disk unmounted" \
    grep -q 'machinectl-os: shutdown complete' "$W/boot1.serial"

# ------------------------------------------------------------ boot 2 ---
# with the QEMU guest agent's virtio-serial port (as libvirt's channel)
vm_start boot2 "$iso" "${disks[@]}" \
    -chardev "socket,id=qga0,path=$W/qga.sock,server=on,wait=off" \
    -device virtio-serial -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0
# the host end of the channel stays open, as libvirtd keeps it (qemu-ga spins
# on a virtio-serial port whose host end is closed: doc/machine-os.md)
for _ in $(seq 1 50); do [ -S "$W/qga.sock" ] && break; sleep 0.1; done
coproc QGA { exec socat - "UNIX-CONNECT:$W/qga.sock"; }
if t_ssh2=$(wait_marker boot2 'sshd up' 240) && t_dock2=$(wait_marker boot2 'docker up' 240); then
    tap_ok "boot 2: sshd up after $t_ssh2 s, docker up after $t_dock2 s (uptime $(marker_uptime boot2 'sshd up') / $(marker_uptime boot2 'docker up') s)"
else
    tap_not_ok "boot 2: sshd/docker up markers"; sed 's/^/# /' "$W/boot2.serial" | tail -30
fi
vm_wait_ssh 60 || true
check "boot 2: the data disk was mounted by label, not reformatted" bash -c \
    "grep -q 'data disk /dev/vda mounted' '$W/boot2.serial' && ! grep -q 'format-me magic' '$W/boot2.serial'"
check "boot 2: the same key still works" vm_ssh true
hostkey2=$(vm_hostkey)
check "boot 2: the host key is the same" test "$hostkey1" = "$hostkey2"
check "boot 2: the file under /var/lib/docker survived" \
    vm_ssh "test \"\$(sudo cat /var/lib/docker/e2e-persist)\" = $secret"
check "boot 2: hostname set by sethostname survived" vm_ssh 'test "$(hostname)" = e2e-boot'
check "boot 2: the share is mounted again from the mounts file on the data disk" \
    vm_ssh "grep -q 'machinectl-os: mounted hostshare at $GP' /var/log/boot.log && test -f '$GP/guest.txt' && test -s /var/lib/boot2docker/mounts"
qga() { # qga JSON: one command to the guest agent over the open channel, its answer
    local line
    printf '%s\n' "$1" >&"${QGA[1]}" || return 1
    IFS= read -r -t 20 line <&"${QGA[0]}" || return 1
    printf '%s\n' "$line"
}
check "boot 2: qemu-ga started on the guest agent's port (console marker)" \
    grep -q 'machinectl-os: qemu-ga started on /dev/vport' "$W/boot2.serial"
qga_ping() { test "$(qga '{"execute":"guest-ping"}')" = '{"return": {}}'; }
# (no pipelines: bash closes the coprocess's descriptors in their subshells)
qga_addr() { local a; a=$(qga '{"execute":"guest-network-get-interfaces"}') && grep -q '"ip-address": "10.0.2.15"' <<<"$a"; }
check "boot 2: qemu-ga answers guest-ping" qga_ping
check "boot 2: qemu-ga reports the guest's address (guest-network-get-interfaces)" qga_addr
check "boot 2: docker image survived, sudo docker info works" \
    vm_ssh 'sudo docker info >/dev/null && sudo docker image inspect e2e/busybox >/dev/null'
check "boot 2: dockerd starts with the stored TLS profile" tls_ping 90
# the machine OS's one-step provisioning, as src/provision.c drives it
one_step() {
    local d=$W/onestep
    mkdir -p "$d" && cp "$tls/ca.pem" "$tls/server.pem" "$tls/server-key.pem" "$tls/profile" "$d/" &&
        echo e2e-onestep >"$d/hostname" &&
        tar --format=ustar -C "$d" -cf - hostname ca.pem server.pem server-key.pem profile |
        vm_ssh 'sudo /usr/lib/machinectl-os/provision'
}
read -r dockerd0 containerd0 < <(pids)
check "boot 2: one-step provisioning: a tar on the stdin of sudo /usr/lib/machinectl-os/provision" one_step
check "boot 2: one-step: hostname set and kept, file modes 0644/0600" vm_ssh \
    'test "$(hostname)" = e2e-onestep && test "$(cat /var/lib/boot2docker/etc/hostname)" = e2e-onestep &&
     test "$(stat -c %a /var/lib/boot2docker/server-key.pem) $(stat -c %a /var/lib/boot2docker/server.pem) $(stat -c %a /var/lib/boot2docker/profile)" = "600 644 644"'
check "boot 2: one-step: dockerd restarted once and answers over TLS" tls_ping 90
read -r dockerd1 containerd1 < <(pids)
check "boot 2: one-step: a new dockerd ($dockerd0 -> $dockerd1), the same containerd" \
    test -n "$dockerd1" -a "$dockerd0" != "$dockerd1" -a "$containerd0" = "$containerd1"
check "boot 2: one-step refuses what is not a tar (exit 2, nothing restarted)" vm_ssh \
    'p=$(pidof dockerd); echo garbage | sudo /usr/lib/machinectl-os/provision; test $? = 2 && test "$(pidof dockerd)" = "$p"'
# libvirt's `virsh shutdown --mode agent`: guest-shutdown runs /sbin/shutdown
# (guest-shutdown sends no answer)
printf '%s\n' '{"execute":"guest-shutdown"}' >&"${QGA[1]}" || true
if vm_wait_exit 90; then tap_ok "boot 2: qemu-ga's guest-shutdown powered the guest off"
else tap_not_ok "boot 2: still running 90 s after guest-shutdown"; vm_kill; fi
check "boot 2: the guest agent's shutdown was clean" grep -q 'machinectl-os: shutdown complete' "$W/boot2.serial"
check "the disk without the magic was never written (first MiB unchanged)" \
    test "$(disk_head_sum "$W/other.img")" = "$other_sum"

diag "boot-to-sshd: boot1 ${t_ssh1:-?} s, boot2 ${t_ssh2:-?} s (host time since QEMU start)"
diag "boot-to-dockerd: boot1 ${t_dock1:-?} s, boot2 ${t_dock2:-?} s (host time since QEMU start)"
tap_finish
