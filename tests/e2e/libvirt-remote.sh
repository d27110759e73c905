#!/bin/bash
# The machine's files where QEMU can reach them, on real VMs.  The test's
# libvirtd runs QEMU as libvirt-qemu with dynamic ownership, as Debian's
# qemu:///system does, and the store is a 0700 directory that user cannot
# enter:
#  1. create on the local URI notices it (the capabilities' DAC label), makes
#     the storage pool "default" (as virt-install does) and uploads the boot
#     ISO and the data disk into it as volumes; Docker answers; rm deletes the
#     disk volume.
#  2. create --libvirt-uri qemu+ssh://root@127.0.0.2 reaches the same libvirtd
#     through an sshd, at an address that is not this machine's loopback name:
#     a remote host, whose files are not ours, so the volumes again; the ISO
#     volume (named by content) is shared, not uploaded twice.
# sshd, libvirtd and the VMs live inside the network namespace this test creates.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/e2e/lib-libvirtd.sh"

for b in /usr/sbin/sshd /bin/nc.openbsd; do
	[ -x "$b" ] || { echo "Bail out! missing $b: run scripts/setup"; exit 1; }
done
LV_QEMU_USER=libvirt-qemu lv_start_iso

POOL="$LV_DIR/lib/images"   # /var/lib/libvirt/images as the test's libvirtd sees it
vm() { lv_mc "$@"; }
drv() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Driver"].get(sys.argv[2]) or "")' \
	"$STORE/machines/$1/config.json" "$2"; }

# 1. The local URI, QEMU as libvirt-qemu, the store out of its reach.
L=loc1
run vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$ISO" $L
expect_rc 0 "create when QEMU cannot reach the store"
printf '%s\n' "$OUT$ERR" | sed 's/^/# create: /'
expect_out "($L) QEMU runs as uid $(id -u libvirt-qemu) here and cannot reach $STORE" "create says why the files go elsewhere"
expect_out "($L) Making the storage pool \"default\" (/var/lib/libvirt/images" "it makes the pool, as virt-install does"
expect_out "($L) Uploading the boot ISO to the storage pool default" "it uploads the ISO"
expect_out "Docker is up and running!" "create ends with Docker up"
check "config.json records the automatic pool" test "$(drv $L StoragePool)" = default -a "$(drv $L AutoPool)" = True
check "the disk volume is in the pool" test -e "$POOL/machinectl-$L.raw"
check "its QEMU runs as libvirt-qemu" \
	test "$(ps -o uid= -p "$(pgrep -f "guest=machinectl-$L," | head -n 1)" | tr -d ' ')" = "$(id -u libvirt-qemu)"
eval "$(vm env --shell bash $L)"
run lv_exec docker version --format '{{.Server.Version}}'
expect_rc 0 "Debian's docker client talks to it over TLS"
run vm rm -y $L
expect_rc 0 "rm"
check "its disk volume is deleted" test ! -e "$POOL/machinectl-$L.raw"
check "its domain is gone" test -z "$(lv_exec virsh -q -c "$LV_URI" list --all --name | grep -x "machinectl-$L")"

# sshd for root on 127.0.0.2:2222 inside the namespace; our own known_hosts
# (through the ssh command libvirt runs), so nothing of root's ~/.ssh is touched.
S="$TEST_TMP/rsshd"
mkdir -p "$S"
ssh-keygen -q -t ed25519 -N '' -f "$S/host" && ssh-keygen -q -t ed25519 -N '' -f "$S/id" &&
	cp "$S/id.pub" "$S/authorized_keys" || { echo "Bail out! ssh-keygen failed"; exit 1; }
cat >"$S/sshd_config" <<EOF
Port 2222
ListenAddress 127.0.0.2
HostKey $S/host
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF
cat >"$S/ssh" <<EOF
#!/bin/sh
exec ssh -o UserKnownHostsFile=$S/known_hosts -o StrictHostKeyChecking=accept-new -o BatchMode=yes "\$@"
EOF
chmod +x "$S/ssh"
mkdir -p /run/sshd
lv_exec /usr/sbin/sshd -D -e -f "$S/sshd_config" 2>"$S/sshd.log" &
at_exit "kill $! 2>/dev/null"
for _ in $(seq 1 100); do lv_exec bash -c 'exec 3<>/dev/tcp/127.0.0.2/2222' 2>/dev/null && break; sleep 0.1; done
RURI="qemu+ssh://root@127.0.0.2:2222/system?socket=$LV_DIR/run/libvirt-sock&keyfile=$S/id&command=$S/ssh&proxy=netcat&netcat=/bin/nc.openbsd&no_tty=1"
run lv_exec virsh -q -c "$RURI" list --all
expect_rc 0 "virsh reaches the libvirtd through qemu+ssh"

# 2. A remote host.
M=rem1
# TCG: KVM offered by a remote host is used without a probe, and this lab's
# /dev/kvm cannot run ordinary guests (doc/libvirt.md, --libvirt-domain-type).
run vm create -d libvirt --libvirt-uri "$RURI" --libvirt-domain-type qemu --libvirt-memory 768 --iso "$ISO" $M
expect_rc 0 "create on a remote libvirt host"
printf '%s\n' "$OUT$ERR" | sed 's/^/# create: /'
check "the ISO volume made for loc1 is reused, not uploaded again" test -z "$(grep -F 'Uploading the boot ISO' <<<"$OUT")"
expect_out "Docker is up and running!" "create ends with Docker up"
check "config.json records the pool and the disk volume" \
	test "$(drv $M StoragePool)" = default -a "$(drv $M DiskVolume)" = "machinectl-$M.raw"
check "no disk file in the store" test -z "$(drv $M DiskPath)" -a ! -e "$STORE/machines/$M/disk.raw"
check "the disk volume is in the pool" test -e "$POOL/machinectl-$M.raw"
ISO_SHA=$(sha256sum "$ISO" | cut -d' ' -f1)
check "the ISO volume is in the pool, named by the ISO's SHA-256" test -e "$POOL/machinectl-iso-$ISO_SHA.iso"
check "the uploaded ISO is the ISO" cmp -s "$ISO" "$POOL/machinectl-iso-$ISO_SHA.iso"
XML=$(lv_exec virsh -c "$LV_URI" dumpxml "machinectl-$M")
check "the domain boots the ISO volume" grep -qF "/var/lib/libvirt/images/machinectl-iso-" <<<"$XML"
check "the domain's disk is the disk volume" grep -qF "/var/lib/libvirt/images/machinectl-$M.raw" <<<"$XML"

run vm ls --format '{{.Name}} {{.State}} {{.URL}}'
check "ls shows it Running" grep -qE "^$M Running tcp://192\.168\.122\.[0-9]+:2376$" <<<"$OUT"
eval "$(vm env --shell bash $M)"
run lv_exec docker version --format '{{.Server.Version}}'
expect_rc 0 "Debian's docker client talks to the VM over TLS"

run vm rm -y $M
expect_rc 0 "rm"
check "no libvirt domain is left" test -z "$(lv_exec virsh -q -c "$LV_URI" list --all --name | grep -x "machinectl-$M")"
check "the disk volume is deleted" test ! -e "$POOL/machinectl-$M.raw"
check "the shared ISO volume is kept" test -n "$(ls "$POOL"/machinectl-iso-*.iso 2>/dev/null)"
check "no store entry is left" test ! -e "$STORE/machines/$M"
done_testing
