#!/bin/bash
# The main path on a real VM: create --driver libvirt boots the machine OS ISO
# under QEMU (TCG here), provisions it, and Docker answers over TLS; then ls,
# env + Debian's docker client (version, import, run), ssh, scp both ways, stop,
# start, restart, kill, rm — with nothing left behind.  libvirtd runs inside a
# network namespace this test creates (tests/e2e/lib-libvirtd.sh); all traffic
# to the VM stays inside it.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/e2e/lib-libvirtd.sh"
. "$MC_SRCDIR/tests/e2e/lib-image.sh"

lv_start
at_exit lv_stop
ISO=$("$MC_SRCDIR/scripts/build-iso" | tail -n 1) || { echo "Bail out! scripts/build-iso failed"; exit 1; }
check "the machine OS ISO is built or reused" test -s "$ISO"

vm() { lv_mc "$@"; }
M=e2e1
run vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$ISO" $M
expect_rc 0 "create --driver libvirt succeeds"
expect_out "Waiting for SSH to be available..." "create shows the SSH phase"
expect_out "Copying certs to the remote machine..." "create shows the certs phase"
expect_out "Docker is up and running!" "create ends with Docker up"
printf '%s\n' "$OUT" | sed 's/^/# create: /'

run vm ls
expect_rc 0 "ls"
check "ls shows the machine Running with its URL and Docker version" \
	grep -qE "^$M +- +libvirt +Running +tcp://192\.168\.122\.[0-9]+:2376 +v20\." <<<"$OUT"

eval "$(vm env --shell bash $M)"
check "env points DOCKER_HOST at the VM" grep -qE '^tcp://192\.168\.122\.[0-9]+:2376$' <<<"$DOCKER_HOST"
run lv_exec docker version --format '{{.Server.Version}}'
expect_rc 0 "Debian's docker client talks to the VM over TLS"
expect_out "20.10" "the daemon's version"
e2e_image_tar "$TEST_TMP/image.tar"
run lv_exec env DOCKER_HOST="$DOCKER_HOST" bash -c ". '$MC_SRCDIR/tests/e2e/lib-image.sh'; e2e_image_import '$TEST_TMP/image.tar' mc-hello:1"
expect_rc 0 "docker import of a locally built image"
run lv_exec docker run --rm mc-hello:1 echo hello-from-container
expect_out "hello-from-container" "docker run works"

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
run vm start $M
expect_rc 0 "start"
printf '%s\n' "$OUT$ERR" | sed 's/^/# start: /'
check "ls shows Running after start" grep -qE "^$M .* Running " <<<"$(vm ls)"
eval "$(vm env --shell bash $M)"
run lv_exec docker info --format '{{.Images}}'
expect_rc 0 "Docker answers after start (certificates valid for the current IP)"
check "the imported image survived the reboot (data disk)" test "${OUT:-0}" -ge 1

run vm restart $M
expect_rc 0 "restart"
eval "$(vm env --shell bash $M)"
run lv_exec docker version --format '{{.Server.Version}}'
expect_rc 0 "Docker answers after restart"
run vm kill $M
expect_rc 0 "kill"
check "ls shows Stopped after kill" grep -qE "^$M .* Stopped" <<<"$(vm ls)"

run vm rm -y $M
expect_rc 0 "rm"
check "no store entry is left" test ! -e "$STORE/machines/$M"
check "no libvirt domain is left" test -z "$(lv_exec virsh -q -c "$LV_URI" list --all --name | grep -x "machinectl-$M")"
done_testing
