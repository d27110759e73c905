#!/bin/bash
# The main path on a real VM: create --driver libvirt boots the machine OS ISO
# under QEMU (TCG here), provisions it, and Docker answers over TLS; then ls,
# env + Debian's docker client (version, import, run), a docker context, ssh, scp both ways, stop,
# start, restart, upgrade, kill, rm — with nothing left behind; then a create
# killed while provisioning, repaired by provision and removed by rm -f.  libvirtd runs inside a
# network namespace this test creates (tests/e2e/lib-libvirtd.sh); all traffic
# to the VM stays inside it.
# The first machine is made with the old machine OS (Debian 12, docker 20.10:
# MACHINECTL_ISO_SUITE=bookworm scripts/build-iso, or MACHINECTL_ISO_OLD=path)
# and upgraded to the current one (Debian 13, docker 26): its image and volume
# survive, and the docker CLI plugins (compose, buildx) run on it after.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/e2e/lib-libvirtd.sh"
. "$MC_SRCDIR/tests/e2e/lib-image.sh"

lv_start_iso
OLD_ISO=${MACHINECTL_ISO_OLD:-$(MACHINECTL_ISO_SUITE=bookworm "$MC_SRCDIR/scripts/build-iso" | tail -n 1)} ||
	{ echo "Bail out! scripts/build-iso (bookworm) failed"; exit 1; }
check "the old machine OS ISO (Debian 12) is built or reused" test -s "$OLD_ISO"
# the docker version series an ISO holds (machinectl-os-release: DOCKER=)
docker_series() {
	xorriso -osirrox on -indev "$1" -extract /machinectl-os-release "$TEST_TMP/release" >/dev/null 2>&1 &&
		sed -n 's/^DOCKER=\([0-9]*\.[0-9]*\).*/\1/p' "$TEST_TMP/release"
}
OLD_V=$(docker_series "$OLD_ISO") NEW_V=$(docker_series "$ISO")
check "the ISOs hold docker $OLD_V (old) and 26.x (new)" test -n "$OLD_V" -a "${NEW_V%%.*}" = 26

vm() { lv_mc "$@"; }
M=e2e1
run vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$OLD_ISO" $M
expect_rc 0 "create --driver libvirt succeeds"
# The address was reserved before the boot, so the provisioning files were
# on the data disk, with SSH host keys made and pinned by create: the machine
# OS installed them and started dockerd once, with TLS, at its first boot,
# and create only waited for Docker to answer (no SSH login, nothing copied).
expect_out "The machine OS starts Docker with its certificates at boot (SSH host keys pinned before the boot)..." \
	"create: Docker is started with TLS at boot"
check "create did not log in over SSH, and had nothing to copy" \
	test -z "$(grep -E 'Waiting for SSH|Detecting the provisioner|Copying certs' <<<"$OUT")"
expect_out "Docker is up and running!" "create ends with Docker up"
printf '%s\n' "$OUT" | sed 's/^/# create: /'
# While it waited, create showed how far the machine OS had booted: the
# markers of its console log (doc/machine-os.md), before Docker answered.
check "create showed the machine OS's console markers while it waited" \
	test "$(grep -oE 'Machine OS: (initramfs|network up|sshd up)|Docker is up and running' <<<"$OUT" | paste -sd'|')" = \
	"Machine OS: initramfs|Machine OS: network up|Machine OS: sshd up|Docker is up and running"
# The host keys pinned before the boot are the ones the guest's sshd presents.
PINNED=$(awk -v m=$M '$1 == m { print $2, $3 }' "$STORE/machines/$M/known_hosts" | sort)
check "create pinned an ed25519 and an ECDSA host key" \
	test "$(cut -d' ' -f1 <<<"$PINNED" | paste -sd' ')" = "ecdsa-sha2-nistp256 ssh-ed25519"
# The address reserved in the network's DHCP before the boot (checked below).
RESERVED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Driver"].get("ReservedIP", ""))' \
	"$STORE/machines/$M/config.json")
check "the guest's sshd presents exactly the pinned keys" \
	test "$(lv_exec ssh-keyscan -T 10 -t ed25519,ecdsa "$RESERVED" 2>/dev/null | awk '{ print $2, $3 }' | sort)" = "$PINNED"
run vm ssh $M 'sudo grep -c "^--- .* dockerd .*--tlsverify" /var/log/docker.log; sudo grep -c "^--- .* dockerd " /var/log/docker.log; sudo grep -c "provisioning files installed from the data disk" /var/log/boot.log; sudo grep -c "docker waits for provisioning" /var/log/boot.log; sudo stat -c %a /var/lib/boot2docker/userdata.tar; hostname'
check "dockerd started once, with TLS, from the files on the data disk (no wait); userdata.tar 0600; the hostname" \
	test "$OUT" = "1
1
1
0
600
$M"
# Direct kernel boot: the domain starts the ISO's kernel (no BIOS, no
# ISOLINUX, which would add BOOT_IMAGE= to the command line).
check "the domain boots the ISO's kernel directly" \
	grep -q "<kernel>.*/boot-[0-9a-f]*\(/vmlinuz\)\?</kernel>\|<kernel>.*machinectl-kernel-[0-9a-f]*</kernel>" \
	<<<"$(lv_exec virsh -c "$LV_URI" dumpxml --inactive "machinectl-$M")"
# The reservation (RESERVED, read above): the network's DHCP host entry, and the guest's address.
check "create reserved an address in the libvirt network" grep -qE '^192\.168\.122\.[0-9]+$' <<<"$RESERVED"
check "... as a DHCP host entry for the machine's MAC" \
	grep -q "<host mac='.*' ip='$RESERVED'/>" <<<"$(lv_exec virsh -c "$LV_URI" net-dumpxml default)"
run vm ip $M
check "the guest has the reserved address" test "$OUT" = "$RESERVED"
run vm ssh $M cat /proc/cmdline
check "the guest runs with the ISO's kernel command line" grep -q "console=ttyS0" <<<"$OUT"
check "... given by libvirt, not by ISOLINUX (no BOOT_IMAGE=)" test -z "$(grep BOOT_IMAGE= <<<"$OUT")"
run vm ssh $M /sbin/ip route
check "the guest's default route leads through the network's gateway (the DHCP lease's router)" \
	grep -q '^default via 192\.168\.122\.1 ' <<<"$OUT"
# ... and carries traffic beyond the guest's subnet: an address that exists
# only in this test's namespace (on its loopback, not on the libvirt
# network), served by a small HTTP server, reached from the machine OS itself
# and, below, from a container (docker0's NAT, the path of a registry pull).
mkdir -p "$TEST_TMP/far" && echo "far-$$" >"$TEST_TMP/far/index.html"
check "an address beyond the guest's subnet, in the test's namespace" lv_exec ip addr add 10.203.0.1/32 dev lo
lv_exec python3 -m http.server --bind 10.203.0.1 --directory "$TEST_TMP/far" 8089 >/dev/null 2>&1 &
FAR_PID=$!
at_exit "kill $FAR_PID 2>/dev/null"
# (No wget -T: Debian's busybox 1.35 crashes with it; timeout bounds each try.)
run vm ssh $M "for i in 1 2 3 4 5 6 7 8 9 10; do timeout 5 wget -q -O- http://10.203.0.1:8089/ && exit 0; sleep 0.5; done; exit 1"
expect_rc 0 "the machine OS reaches an address beyond its subnet (wget through the default route)"
expect_out "far-$$" "... and gets its page"

run vm ls
expect_rc 0 "ls"
check "ls shows the machine Running with its URL and Docker version" \
	grep -qE "^$M +- +libvirt +Running +tcp://192\.168\.122\.[0-9]+:2376 +v${OLD_V//./\\.}\." <<<"$OUT"

eval "$(vm env --shell bash $M)"
check "env points DOCKER_HOST at the VM" grep -qE '^tcp://192\.168\.122\.[0-9]+:2376$' <<<"$DOCKER_HOST"
run lv_exec docker version --format '{{.Server.Version}}'
expect_rc 0 "Debian's docker client talks to the VM over TLS"
expect_out "$OLD_V." "the daemon's version (the old ISO's)"
e2e_image_tar "$TEST_TMP/image.tar"
run lv_exec env DOCKER_HOST="$DOCKER_HOST" bash -c ". '$MC_SRCDIR/tests/e2e/lib-image.sh'; e2e_image_import '$TEST_TMP/image.tar' mc-hello:1"
expect_rc 0 "docker import of a locally built image"
run lv_exec docker run --rm mc-hello:1 echo hello-from-container
expect_out "hello-from-container" "docker run works"
run lv_exec timeout 60 docker run --rm mc-hello:1 wget -q -O- http://10.203.0.1:8089/
expect_out "far-$$" "a container reaches the address beyond the guest's subnet (docker0's NAT, then the default route)"
run lv_exec docker run --rm -v mc-vol:/data mc-hello:1 sh -c "echo kept-$$ >/data/f"
expect_rc 0 "a file written into a named volume"

# The same through a docker context (the docker CLI's store inside the test):
# no DOCKER_HOST, the context alone reaches the VM; ls marks it ACTIVE.
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_MACHINE_NAME
export DOCKER_CONFIG="$TEST_TMP/.docker"
run vm context --use $M
expect_rc 0 "context --use makes a docker context for the VM"
run lv_exec docker version --format '{{.Server.Version}}'
check "plain docker reaches the VM through the context alone" grep -qE '^[0-9]+\.[0-9]+' <<<"$OUT"
check "ls marks the machine of docker's current context ACTIVE" grep -qE "^$M +\* +libvirt" <<<"$(vm ls)"
eval "$(vm env --shell bash $M)"   # DOCKER_HOST again (it wins over the context)

run vm ssh $M 'echo $((6 * 7)); exit 3'
expect_rc 3 "ssh returns the remote exit status"
expect_out "42" "ssh runs the command"
head -c 3000000 /dev/urandom >"$TEST_TMP/up.bin"
run vm scp "$TEST_TMP/up.bin" "$M:up.bin"
expect_rc 0 "scp to the machine"
run vm scp "$M:up.bin" "$TEST_TMP/down.bin"
expect_rc 0 "scp from the machine"
check "the file came back intact" cmp -s "$TEST_TMP/up.bin" "$TEST_TMP/down.bin"

run vm stop $M
expect_rc 0 "stop"
check "ls shows Stopped" grep -qE "^$M .* Stopped" <<<"$(vm ls)"
# dockerd's network store held the default networks alone: the shutdown
# dropped it, so that the next start makes them anew instead of restoring the
# default bridge and making it again (doc/performance.md).
check "the shutdown dropped a network store of the default networks alone (console log)" \
	test "$(grep -cE "network store held the default networks alone: removed|shutdown complete" \
		"$STORE/machines/$M/console.log")" = 2
run vm start $M
expect_rc 0 "start"
printf '%s\n' "$OUT$ERR" | sed 's/^/# start: /'
# Its address was reserved before its first boot: start waits for Docker over
# TLS (and checks the daemon's name), and logs in only when it does not answer.
check "start waited for Docker without logging in" \
	test -n "$(grep -F 'Waiting for Docker...' <<<"$OUT$ERR")" -a -z "$(grep 'Waiting for SSH' <<<"$OUT$ERR")"
# The console log still held the boot before and its shutdown: start shows
# this boot's markers only.
check "start showed this boot's console markers, not the last boot's" \
	test "$(grep -cE 'Machine OS: (initramfs|sshd up)' <<<"$OUT")" = 2 -a -z "$(grep 'Machine OS: shutdown' <<<"$OUT")"
check "the machine's record says its address is reserved" \
	python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["HostOptions"].get("AddressReserved") is True else 1)' \
	"$STORE/machines/$M/config.json"
check "ls shows Running after start" grep -qE "^$M .* Running " <<<"$(vm ls)"
eval "$(vm env --shell bash $M)"
run lv_exec docker info --format '{{.Images}}'
expect_rc 0 "Docker answers after start (certificates valid for the current IP)"
check "the imported image survived the reboot (data disk)" test "${OUT:-0}" -ge 1
# A user's network keeps dockerd's network store at shutdown (one of the
# default networks alone is dropped: above, at stop).
run lv_exec docker network create mc-net-$$
expect_rc 0 "a user's network"

run vm restart $M
expect_rc 0 "restart"
eval "$(vm env --shell bash $M)"
run lv_exec docker version --format '{{.Server.Version}}'
expect_rc 0 "Docker answers after restart"
run lv_exec docker network inspect -f '{{.Name}}' mc-net-$$
expect_out "mc-net-$$" "the user's network survived the restart (its store was kept)"
# upgrade from the old machine OS to the current one (a copy, under a name
# with a space) while running; the data disk, and so the imported image and
# the volume, survive the new kernel, docker and containerd.
ISO2="$TEST_TMP/machinectl-os copy.iso"
cp "$ISO" "$ISO2"
run vm upgrade --iso "$ISO2" $M
expect_rc 0 "upgrade to another ISO"
printf '%s\n' "$OUT$ERR" | sed 's/^/# upgrade: /'
expect_out "($M) Stopping the machine to change its ISO..." "upgrade stops the machine"
expect_out "($M) Starting the machine back up..." "and starts it again"
expect_out "Machine \"$M\" was upgraded to MACHINECTL-OS-" "and names the ISO version (its volume ID)"
check "the domain boots the new ISO file" \
	grep -qF "$ISO2" <<<"$(lv_exec virsh -c "$LV_URI" dumpxml --inactive "machinectl-$M")"
eval "$(vm env --shell bash $M)"
run lv_exec docker info --format '{{.Images}}'
expect_rc 0 "Docker answers after the upgrade"
check "the imported image survived the upgrade" test "${OUT:-0}" -ge 1
run lv_exec docker version --format '{{.Server.Version}}'
check "docker version through env shows server 26.x after the upgrade" grep -q '^26\.' <<<"$OUT"
run lv_exec docker run --rm -v mc-vol:/data mc-hello:1 cat /data/f
expect_out "kept-$$" "the volume's file survived the upgrade (docker 26 runs the old image)"
run vm ls --filter name=$M --format '{{.DockerVersion}}'
check "ls shows the upgraded Docker version" grep -q '^v26\.' <<<"$OUT"
run vm version $M
check "version NAME shows the guest's Docker 26.x" grep -q '26\.' <<<"$OUT"
printf '%s\n' "$OUT" | sed 's/^/# version: /'
run vm ssh $M docker compose version
expect_rc 0 "docker compose runs on the guest (machinectl ssh)"
expect_out "Docker Compose version" "docker compose version answers"
run vm ssh $M docker buildx version
expect_rc 0 "docker buildx runs on the guest (machinectl ssh)"
expect_out "github.com/docker/buildx" "docker buildx version answers"
# ... and do their work: a compose project runs a service, buildx builds an
# image (BuildKit in docker 26's dockerd, a RUN step) that then runs
run vm ssh $M "mkdir -p mc-compose && printf 'services:\n  hello:\n    image: mc-hello:1\n    command: [\"echo\", \"compose-ran-$$\"]\n' >mc-compose/compose.yaml && cd mc-compose && docker compose up --no-color 2>&1 && docker compose down 2>&1"
expect_rc 0 "docker compose up runs a project on the guest"
expect_out "compose-ran-$$" "the compose service ran and its output came back"
printf '%s\n' "$OUT" | tail -n 4 | sed 's/^/# compose: /'
run vm ssh $M "mkdir -p mc-build && printf 'FROM mc-hello:1\nRUN echo built-$$ >/built\n' >mc-build/Dockerfile && docker buildx build --progress plain -t mc-built:1 mc-build 2>&1 && docker run --rm mc-built:1 cat /built"
expect_rc 0 "docker buildx build builds an image on the guest"
expect_out "built-$$" "the built image runs with its RUN step's file"
printf '%s\n' "$OUT" | tail -n 4 | sed 's/^/# buildx: /'
run vm upgrade --iso "$ISO2" $M
expect_out "already boots" "upgrade to the same ISO does nothing"

run vm kill $M
expect_rc 0 "kill"
check "ls shows Stopped after kill" grep -qE "^$M .* Stopped" <<<"$(vm ls)"

run vm rm -y $M
expect_rc 0 "rm"
check "no store entry is left" test ! -e "$STORE/machines/$M"
check "rm removed the DHCP reservation" \
	test -z "$(lv_exec virsh -c "$LV_URI" net-dumpxml default | grep "ip='$RESERVED'")"
check "no libvirt domain is left" test -z "$(lv_exec virsh -q -c "$LV_URI" list --all --name | grep -x "machinectl-$M")"
check "no docker context is left" bash -c "! docker context inspect $M >/dev/null 2>&1"

# Interrupted inside the driver (SIGTERM, as Ctrl-C, while waiting for the
# IP): the domain exists, and what the driver recorded before defining it is
# on disk, so rm -f removes the domain and its disk.
M3=e2e3
vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$ISO" $M3 >"$TEST_TMP/c3.out" 2>&1 &
cpid=$!
for _ in $(seq 1 600); do grep -q "Waiting for an IP" "$TEST_TMP/c3.out" && break; sleep 0.5; done
pkill -TERM -f "machinectl create -d libvirt .* $M3\$"
wait $cpid
sed 's/^/# interrupted create: /' "$TEST_TMP/c3.out"
check "create was interrupted while waiting for the IP" grep -q "Waiting for an IP" "$TEST_TMP/c3.out"
check "the domain was left defined" lv_exec virsh -q -c "$LV_URI" domstate "machinectl-$M3"
run vm ls --filter name=$M3 --format '{{.State}} {{.Error}}'
check "ls shows an interrupted creation" grep -q "^Error .*rm -f $M3" <<<"$OUT"
run vm rm -f $M3
expect_rc 0 "rm -f of the interrupted machine"
check "its domain is gone" test -z "$(lv_exec virsh -q -c "$LV_URI" list --all --name | grep -x "machinectl-$M3")"
check "its store entry is gone" test ! -e "$STORE/machines/$M3"

# Crash safety: create killed (SIGKILL) while it provisions the guest.  The
# store still loads, ls lists the machine as Error (its provisioning did not
# finish: not a Running machine whose Docker was never set up), ssh reaches
# it, provision finishes the job, and rm -f leaves no domain, disk or store
# entry.
M2=e2e2
vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$ISO" $M2 >"$TEST_TMP/c2.out" 2>&1 &
cpid=$!
# (Killed while it waits for Docker to answer: its provisioning has begun,
# and the window is the guest's boot, as the guest installs its provisioning
# files itself.)
for _ in $(seq 1 1200); do
	grep -q "Checking connection to Docker" "$TEST_TMP/c2.out" && break
	sleep 0.5
done
pkill -KILL -f "machinectl create -d libvirt .* $M2\$"
wait $cpid
sed 's/^/# killed create: /' "$TEST_TMP/c2.out"
check "create was killed while provisioning" grep -q "Checking connection to Docker" "$TEST_TMP/c2.out"
check "it never finished" test -z "$(grep 'Docker is up and running' "$TEST_TMP/c2.out")"
run vm ls --format '{{.Name}} {{.State}} {{.Error}}'
expect_rc 0 "ls works after the kill"
check "ls shows the machine as Error: provisioning did not finish" \
	grep -q "^$M2 Error provisioning did not finish" <<<"$OUT"
# A guest without the one-step script (as boot2docker): provisioned file by
# file, then /etc/init.d/docker restart (the root is in RAM: back at reboot).
for _ in $(seq 1 240); do vm ssh $M2 true >/dev/null 2>&1 && break; sleep 0.5; done  # its boot goes on
run vm ssh $M2 'sudo rm /usr/lib/machinectl-os/provision'
expect_rc 0 "the guest's one-step provisioning script removed"
run vm provision $M2
expect_rc 0 "provision finishes the interrupted provisioning"
run vm ls --filter name=$M2 --format '{{.Name}} {{.State}}'
check "ls shows it Running now" test "$OUT" = "$M2 Running"
run vm ssh $M2 'test -d .machinectl-provision && sudo cat /var/lib/boot2docker/profile'
check "provisioned file by file (its staging directory), the profile is there" grep -q "^EXTRA_ARGS=" <<<"$OUT"
eval "$(vm env --shell bash $M2)"
run lv_exec docker version --format '{{.Server.Version}}'
expect_rc 0 "Docker answers over TLS after provision"
DISK2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Driver"]["DiskPath"])' "$STORE/machines/$M2/config.json")
run vm rm -f $M2
expect_rc 0 "rm -f"
check "no store entry is left" test ! -e "$STORE/machines/$M2"
check "no disk is left" test ! -e "$DISK2"
check "no libvirt domain is left" test -z "$(lv_exec virsh -q -c "$LV_URI" list --all --name | grep -x "machinectl-$M2")"

# A guest that gets no address in time: create removes the machine and its
# domain, and keeps the console log where the error says (doc/store.md).
M4=e2e4
run vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$ISO" --libvirt-ip-timeout 1 $M4
expect_rc 1 "create with a 1 s wait for the IP fails"
expect_err "create failed, nothing was kept: no IP address after 1s" "... saying why and that nothing was kept"
expect_err "see its console, $STORE/logs/$M4-console.log" "... naming the console log where it is kept"
check "the console log is kept" test -f "$STORE/logs/$M4-console.log"
check "no store entry is left" test ! -e "$STORE/machines/$M4"
check "no libvirt domain is left" test -z "$(lv_exec virsh -q -c "$LV_URI" list --all --name | grep -x "machinectl-$M4")"
done_testing
