#!/bin/bash
# After create, on a real VM (libvirt + QEMU, TCG here, inside the test's own
# network namespace: tests/e2e/lib-libvirtd.sh):
#  * provision --engine-env/--engine-label/--engine-insecure-registry: the new
#    daemon options reach dockerd (its environment, docker info) with one
#    dockerd restart; bad options are refused before anything changes;
#  * set --cpus --memory --disk-size --autostart on the stopped machine: the
#    guest sees the new memory and CPUs and a larger /mnt/data (grown by the
#    machine OS at boot), and a file and an imported image are kept; a running
#    machine is refused, naming the stop;
#  * autostart: after a simulated host reboot (the domain destroyed, libvirtd
#    started again without its "autostarted" marker) libvirtd starts the
#    domain itself;
#  * a dockerd option dockerd refuses: create fails as soon as the machine
#    OS's console says `docker FAILED`, with that, and keeps the VM.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/e2e/lib-libvirtd.sh"
. "$MC_SRCDIR/tests/e2e/lib-image.sh"

lv_start_iso

vm() { lv_mc "$@"; }
diag() { echo "# $*"; }
guest() { vm ssh $M "$@"; }
M=e2eset
run vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --libvirt-disk-size 2000 --iso "$ISO" $M
expect_rc 0 "create a machine with 768 MB and a 2000 MB disk"
[ "$RC" = 0 ] || { printf '%s\n' "$OUT$ERR" | sed 's/^/# /'; echo "Bail out! create failed"; exit 1; }
eval "$(vm env --shell bash $M)"
e2e_image_tar "$TEST_TMP/image.tar"
run lv_exec env DOCKER_HOST="$DOCKER_HOST" bash -c ". '$MC_SRCDIR/tests/e2e/lib-image.sh'; e2e_image_import '$TEST_TMP/image.tar' mc-keep:1"
expect_rc 0 "an image imported"
run guest 'echo kept-$((6 * 7)) | sudo tee /var/lib/boot2docker/keep.txt >/dev/null'
expect_rc 0 "a file written on the data disk"

# --- provision with new daemon options ---
starts() { guest 'sudo grep -c "^--- .* dockerd " /var/log/docker.log'; }
s0=$(starts)
# The machine's record; not the whole store: QEMU writes the guest's console
# into machines/NAME/console.log whenever the guest prints.
record() { cat "$STORE/machines/$M/config.json"; }
before=$(record)
run vm provision --engine-env 'BAD NAME' $M
expect_rc 2 "an --engine-env that is not KEY=VALUE (a usage error, as at create)"
expect_err "nothing was changed: invalid --engine-env \"BAD NAME\": expected KEY=VALUE" "refused, naming it"
run vm provision --engine-opt "$(printf 'debug\nx')" $M
expect_rc 2 "an --engine-opt with a control character"
check "neither changed the machine's record (config.json)" test "$before" = "$(record)"
check "nor restarted dockerd" test "$(starts)" = "$s0"
run vm provision --engine-env HTTP_PROXY=http://127.0.0.1:3128 --engine-env NO_PROXY=localhost \
	--engine-label tier=e2e --engine-insecure-registry 127.0.0.1:5999 $M
expect_rc 0 "provision --engine-env --engine-label --engine-insecure-registry"
check "one dockerd restart" test "$(starts)" = $((s0 + 1))
run guest 'sudo cat /proc/$(pidof dockerd)/environ | tr "\0" "\n"'
expect_out "HTTP_PROXY=http://127.0.0.1:3128" "HTTP_PROXY is in dockerd's environment"
# dockerd keeps its labels in no fixed order (one CI run listed tier=e2e first)
run lv_exec docker info --format '{{.HTTPProxy}}|{{.NoProxy}}|{{join .Labels ","}}|{{range .RegistryConfig.IndexConfigs}}{{.Name}}={{.Secure}} {{end}}'
expect_rc 0 "docker info over TLS"
check "docker info: the proxy, the label and the insecure registry" \
	grep -qE '^http://127\.0\.0\.1:3128\|localhost\|(provider=libvirt,tier=e2e|tier=e2e,provider=libvirt)\|.*127\.0\.0\.1:5999=false' <<<"$OUT"
run vm inspect --format '{{json .HostOptions.EngineOptions.Env}} {{json .HostOptions.EngineOptions.Labels}}' $M
expect_out '["HTTP_PROXY=http://127.0.0.1:3128","NO_PROXY=localhost"] ["tier=e2e"]' "recorded in config.json"

# --- set ---
mem() { guest 'awk "/MemTotal/ {print \$2}" /proc/meminfo'; }
datakb() { guest 'df -k /mnt/data | awk "NR == 2 {print \$2}"'; }
m0=$(mem) d0=$(datakb)
diag "before: MemTotal $m0 kB, /mnt/data $d0 kB, $(guest nproc) CPUs"
before=$(record)
run vm set --memory 1280 $M
expect_rc 1 "set --memory on a running machine"
expect_err "run 'machinectl stop $M' first" "names the stop"
run vm set --memory 768 --disk-size 2000 $M
expect_rc 0 "set to what the running machine has"
expect_out "Machine \"$M\" already has 768 MB of memory, a 2000 MB data disk: nothing to change." "nothing to stop for"
run vm set --disk-size 1000 $M
expect_rc 1 "a smaller disk"
expect_err "it cannot shrink to 1000 MB" "is refused"
check "neither changed the machine's record (config.json)" test "$before" = "$(record)"
vm stop $M >/dev/null
run vm set --cpus 2 --memory 1280 --disk-size 3000 --autostart on $M
expect_rc 0 "set on the stopped machine"
expect_out "Machine \"$M\" was changed: 2 CPUs, 1280 MB of memory, a 3000 MB data disk" "says what changed"
run lv_exec virsh -c "$LV_URI" dominfo machinectl-$M
check "libvirt: 2 CPUs, 1280 MiB, autostart" \
	bash -c 'grep -qE "^CPU\(s\): +2$" <<<"$1" && grep -qE "^Max memory: +1310720 KiB$" <<<"$1" && grep -qE "^Autostart: +enable$" <<<"$1"' _ "$OUT"
run vm start $M
expect_rc 0 "start"
m1=$(mem) d1=$(datakb)
diag "after: MemTotal $m1 kB, /mnt/data $d1 kB, $(guest nproc) CPUs"
check "the guest has about 512 MB more memory" test "$((m1 - m0))" -gt 400000
check "the guest has 2 CPUs" test "$(guest nproc)" = 2
check "the data file system grew by about 1000 MB" test "$((d1 - d0))" -gt 900000
run guest 'grep "grown to the whole disk" /var/log/boot.log'
expect_rc 0 "the machine OS says it grew the file system"
run guest 'cat /var/lib/boot2docker/keep.txt'
expect_out "kept-42" "the file was kept"
eval "$(vm env --shell bash $M)"
run lv_exec docker image ls --format '{{.Repository}}:{{.Tag}}'
expect_out "mc-keep:1" "the image was kept"
run vm ls --filter name=$M --format '{{.Name}} {{.Autostart}}'
expect_out "$M on" "ls shows autostart"

# --- autostart across a host reboot ---
lv_exec virsh -q -c "$LV_URI" destroy machinectl-$M >/dev/null
lv_daemon_restart
for _ in $(seq 1 120); do
	[ "$(lv_exec virsh -q -c "$LV_URI" domstate machinectl-$M 2>/dev/null)" = running ] && break
	sleep 0.5
done
check "libvirtd started the domain itself (autostart)" \
	test "$(lv_exec virsh -q -c "$LV_URI" domstate machinectl-$M)" = running
run vm set --autostart off $M
expect_rc 0 "set --autostart off while running"
check "libvirt: autostart off" grep -qE "^Autostart: +disable$" <<<"$(lv_exec virsh -c "$LV_URI" dominfo machinectl-$M)"

run vm rm -y $M
expect_rc 0 "rm"
check "no libvirt domain is left" test -z "$(lv_exec virsh -q -c "$LV_URI" list --all --name | grep -x "machinectl-$M")"

# --- a dockerd option dockerd refuses: create ends when the machine OS's
# console says dockerd died, not at its 120 s timeout, and keeps the VM ---
M=e2ebadopt
run vm create -d libvirt --libvirt-uri "$LV_URI" --iso "$ISO" --engine-opt log-level=bogus $M
check "create with --engine-opt log-level=bogus fails (exit $RC)" test "$RC" = 1
expect_err "Docker did not start in the machine; its console says: docker FAILED (see /var/log/docker.log) ('machinectl ssh $M sudo tail /var/log/docker.log'" \
	"and says what the console said, and where the daemon's log is"
expect_err "provisioning failed (the VM is kept" "the VM is kept"
run vm ssh $M sudo tail /var/log/docker.log
expect_out "bogus" "the daemon's log says why"
run vm rm -y $M
expect_rc 0 "rm"
done_testing
