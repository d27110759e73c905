#!/bin/bash
# A hypervisor on "another host": create --libvirt-uri qemu+ssh://root@127.0.0.2
# reaches the test's libvirtd through an sshd, at an address that is not this
# machine's loopback name, so the driver treats it as remote: the boot ISO and
# the data disk cannot be files of the store there, and are uploaded into the
# storage pool "default" as volumes that the domain uses.  Docker answers over
# TLS as on a local hypervisor; rm deletes the disk volume and keeps the ISO
# volume (shared by every machine booting that ISO).  sshd, libvirtd and the VM
# live inside the network namespace this test creates.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/e2e/lib-libvirtd.sh"

for b in /usr/sbin/sshd /bin/nc.openbsd; do
	[ -x "$b" ] || { echo "Bail out! missing $b: run scripts/setup"; exit 1; }
done
lv_start
at_exit lv_stop
ISO=$("$MC_SRCDIR/scripts/build-iso" | tail -n 1) || { echo "Bail out! scripts/build-iso failed"; exit 1; }

# The storage pool "default" of the remote host.
POOL="$TEST_TMP/pool"
mkdir -p "$POOL"
lv_exec virsh -q -c "$LV_URI" pool-define-as default dir --target "$POOL" >/dev/null &&
	lv_exec virsh -q -c "$LV_URI" pool-start default >/dev/null ||
	{ echo "Bail out! cannot make the storage pool"; exit 1; }

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

vm() { lv_mc "$@"; }
M=rem1
# TCG: KVM offered by a remote host is used without a probe, and this lab's
# /dev/kvm cannot run ordinary guests (doc/libvirt.md, --libvirt-domain-type).
run vm create -d libvirt --libvirt-uri "$RURI" --libvirt-domain-type qemu --libvirt-memory 768 --iso "$ISO" $M
expect_rc 0 "create on a remote libvirt host"
printf '%s\n' "$OUT$ERR" | sed 's/^/# create: /'
expect_out "($M) Uploading the boot ISO to the storage pool default" "create uploads the ISO"
expect_out "Docker is up and running!" "create ends with Docker up"
drv() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Driver"].get(sys.argv[2]) or "")' \
	"$STORE/machines/$M/config.json" "$1"; }
check "config.json records the pool and the disk volume" \
	test "$(drv StoragePool)" = default -a "$(drv DiskVolume)" = "machinectl-$M.raw"
check "no disk file in the store" test -z "$(drv DiskPath)" -a ! -e "$STORE/machines/$M/disk.raw"
check "the disk volume is in the pool" test -e "$POOL/machinectl-$M.raw"
check "the ISO volume is in the pool" test -n "$(ls "$POOL"/machinectl-iso-*.iso 2>/dev/null)"
check "the uploaded ISO is the ISO" cmp -s "$ISO" "$(ls "$POOL"/machinectl-iso-*.iso | head -n 1)"
XML=$(lv_exec virsh -c "$LV_URI" dumpxml "machinectl-$M")
check "the domain boots the ISO volume" grep -qF "$POOL/machinectl-iso-" <<<"$XML"
check "the domain's disk is the disk volume" grep -qF "$POOL/machinectl-$M.raw" <<<"$XML"

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
