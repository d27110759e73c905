#!/bin/bash
# Real VMs (scripts/bench --full; root, QEMU + libvirt):
#
#  0. the floor: the ISO's own kernel with a busybox initramfs whose init
#     powers off at once, under plain QEMU with the same flags (TCG, 512 MiB,
#     1 vCPU): QEMU start to exit, what any boot of that kernel costs here;
#     create and the machine OS's boot are reported as multiples of it;
#  1. the physical limit: the machine OS ISO booted under plain QEMU, host time
#     from QEMU start to the guest's "docker up" console marker
#     (tests/e2e/iso-bench.sh, one VM at a time, fresh format-me data disk),
#     beside the old ISO (the Debian 12 build, or MACHINECTL_ISO_OLD) booted
#     alternately with it, and the ratio of the medians;
#  2. `machinectl create --driver libvirt` to "Docker is up and running!",
#     split by phase: each line create prints starts a phase, timed here as
#     it arrives (the driver's own phases carry no elapsed time); then
#     `machinectl stop` and the timed `machinectl start` of that machine, to
#     Docker answering (with BENCH_VM_BASE, the same for the other build);
#  3. `machinectl swarm-up --create` on 1 and 2 new machines (3 with
#     BENCH_MAX_VMS=3: it boots the three at once), split into creating the
#     machines (to the last "Docker is up") and making the swarm.
#
# libvirtd runs inside a network namespace this script creates
# (tests/e2e/lib-libvirtd.sh); every VM, domain, network and the namespace are
# removed at exit.  At most BENCH_MAX_VMS (default 2) VMs boot at a time.
#
#   tests/bench/bench-vm.sh [BUILDDIR]
#   BENCH_VM_BOOTS=3 BENCH_VM_CREATES=3 BENCH_MAX_VMS=2
#   BENCH_VM_BASE=BUILDDIR   another build of machinectl (say, main before a
#                            change): each round also creates a machine with
#                            it, so that the two creates compare in one run
#   BENCH_VM_BASE_ISO=ISO    that build's creates boot this ISO instead (say,
#                            main's machine OS; BENCH_VM_BASE may then be the
#                            same build, to compare two ISOs)
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$SRC/_build-bench}" && pwd)
. "$SRC/tests/bench/lib-bench.sh"
. "$SRC/tests/e2e/lib-libvirtd.sh"
bench_need jq
BOOTS=${BENCH_VM_BOOTS:-3}
CREATES=${BENCH_VM_CREATES:-3}
MAXVMS=${BENCH_MAX_VMS:-2}
MC_BIN="$B/machinectl"
export MC_BIN
BENCH_TMP=$(mktemp -d /tmp/mc-bench-vm.XXXXXX)
export MACHINECTL_STORAGE_PATH="$BENCH_TMP/store"
export MACHINECTL_DRIVER_PATH="$B/drivers/libvirt/.libs"
mkdir -p "$BENCH_TMP/bin"
ln -s "$MC_BIN" "$BENCH_TMP/bin/machinectl"
PATH="$BENCH_TMP/bin:$PATH"
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_MACHINE_NAME MACHINECTL_DEBUG

cleanup() {
	local m
	if [ -n "${LV_NS:-}" ]; then
		for m in "$MACHINECTL_STORAGE_PATH"/machines/*/; do
			[ -d "$m" ] && lv_mc rm -f -y "$(basename "$m")" >/dev/null 2>&1
		done
		lv_stop
	fi
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ISO=${MACHINECTL_ISO:-$("$SRC/scripts/build-iso" 2>"$BENCH_TMP/build-iso.log" | tail -n 1)}
[ -s "$ISO" ] || { echo "bench-vm: no ISO (scripts/build-iso failed: $(tail -n 3 "$BENCH_TMP/build-iso.log"))" >&2; exit 1; }
echo "== real VMs (ISO $ISO; load $(cut -d' ' -f1-3 /proc/loadavg))"

# 0. the floor
bench_need busybox xorriso cpio
mkdir -p "$BENCH_TMP/floor/root/bin" "$BENCH_TMP/floor/root/dev" "$BENCH_TMP/floor/root/proc"
if xorriso -osirrox on -indev "$ISO" -extract /boot/vmlinuz "$BENCH_TMP/floor/vmlinuz" >/dev/null 2>&1; then
	cp "$(command -v busybox)" "$BENCH_TMP/floor/root/bin/busybox"
	printf '#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "floor: up $(/bin/busybox cut -d" " -f1 /proc/uptime)" >/dev/console
/bin/busybox poweroff -f
' \
		>"$BENCH_TMP/floor/root/init"
	chmod 755 "$BENCH_TMP/floor/root/init"
	(cd "$BENCH_TMP/floor/root" && find . | cpio -o -H newc --quiet) >"$BENCH_TMP/floor/initrd"
	[ -e /dev/kvm ] && [ "$(cat /run/machinectl-e2e-kvm-probe 2>/dev/null)" = kvm ] && acc=kvm || acc=tcg,tb-size=128
	floor=() uptimes=()
	for ((i = 1; i <= BOOTS; i++)); do
		t0=$(date +%s%N)
		timeout 120 qemu-system-x86_64 -accel "$acc" -m 512 -smp 1 -display none -vga none -nodefaults \
			-no-user-config -no-reboot -serial "file:$BENCH_TMP/floor/serial$i" -kernel "$BENCH_TMP/floor/vmlinuz" \
			-initrd "$BENCH_TMP/floor/initrd" -append "console=ttyS0 quiet" >"$BENCH_TMP/floor/qemu$i.log" 2>&1
		t=$((($(date +%s%N) - t0) / 1000000))
		if grep -q '^floor: up' "$BENCH_TMP/floor/serial$i"; then
			floor+=("$t") uptimes+=("$(sed -n 's/^floor: up //p' "$BENCH_TMP/floor/serial$i" | tr -d '\r')")
		else
			echo "bench-vm: the floor boot $i did not reach its init: $(tail -n 3 "$BENCH_TMP/floor/serial$i")" >&2
		fi
	done
	[ ${#floor[@]} = 0 ] ||
		BENCH_EXTRA="{\"accel\": \"${acc%%,*}\", \"guest_uptime_s\": \"${uptimes[*]}\"}" \
			bench_samples vm.floor "the floor: the ISO's kernel + busybox init, QEMU start to power-off" ms "${floor[@]}"
else
	echo "bench-vm: the ISO has no /boot/vmlinuz: no floor" >&2
fi

# 1. plain QEMU, the guest's own boot-to-dockerd
MACHINECTL_ISO=$ISO "$SRC/tests/e2e/iso-bench.sh" "$BOOTS" >"$BENCH_TMP/iso-bench.tap" 2>&1
sed 's/^/   iso-bench: /' "$BENCH_TMP/iso-bench.tap" | grep -E 'ok|median|accel|load|ratio|ISO' | head -n 30
dock=() upt=() cpu=()
while read -r d u c; do dock+=("$d") upt+=("$u") cpu+=("$c"); done < <(
	sed -nE 's/^ok [0-9]+ - boot [0-9]+: sshd [0-9.]+ s, dockerd ([0-9.]+) s after QEMU start \(guest uptime [0-9.]+ \/ ([0-9.]+) s\), QEMU CPU ([0-9.]+) s.*/\1 \2 \3/p' \
		"$BENCH_TMP/iso-bench.tap")
accel=$(grep -oE 'accel [a-z]+' "$BENCH_TMP/iso-bench.tap" | head -n 1 | cut -d' ' -f2)
if [ ${#dock[@]} -gt 0 ]; then
	BENCH_EXTRA="{\"accel\": \"${accel:-?}\", \"memory_mib\": 512}" \
		bench_samples vm.qemu.dockerd "plain QEMU: QEMU start to 'docker up' marker" s "${dock[@]}"
	BENCH_EXTRA="{\"accel\": \"${accel:-?}\"}" \
		bench_samples vm.qemu.dockerd_uptime "plain QEMU: guest uptime at 'docker up'" s "${upt[@]}"
	# what one boot costs the host's cores: K machines at once on P cores
	# cannot be up before K * this / P (swarm-up of 3 on 2 cores)
	BENCH_EXTRA="{\"accel\": \"${accel:-?}\", \"cpus\": $(nproc)}" \
		bench_samples vm.qemu.dockerd_cpu "plain QEMU: QEMU's CPU time to 'docker up'" s "${cpu[@]}"
else
	echo "bench-vm: iso-bench gave no boot time" >&2
fi
old=()
while read -r d; do old+=("$d"); done < <(
	sed -nE 's/^ok [0-9]+ - old ISO boot [0-9]+: sshd [0-9.]+ s, dockerd ([0-9.]+) s after QEMU start .*/\1/p' \
		"$BENCH_TMP/iso-bench.tap")
[ ${#old[@]} -gt 0 ] && BENCH_EXTRA="{\"accel\": \"${accel:-?}\", \"memory_mib\": 512}" \
	bench_samples vm.qemu.dockerd_old "plain QEMU, the old ISO (booted alternately): QEMU start to 'docker up'" s "${old[@]}"

# 2. create, by phase
lv_start >/dev/null 2>"$BENCH_TMP/lv_start.log" || { cat "$BENCH_TMP/lv_start.log" >&2; exit 1; }
CREATE=(-d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$ISO")
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
# run_timed OUT CMD...: CMD's output (stdout and stderr) with each line
# prefixed by the ms since the start and a tab; then "END<tab>ms" at exit.
# Returns CMD's exit status.  machinectl flushes stdout after every line.
run_timed() {
	local out=$1 t0 rc line
	shift
	t0=$(now_ms)
	"$@" 2>&1 | while IFS= read -r line; do printf '%s\t%s\n' $(($(now_ms) - t0)) "$line"; done >"$out"
	rc=${PIPESTATUS[0]}
	printf 'END\t%s\n' $(($(now_ms) - t0)) >>"$out"
	return "$rc"
}
# phase names without the machine's name, address and elapsed time, so that
# the phases of different creates add up
phase_name() {
	sed -E 's/^\([^)]*\) //; s/ \[[0-9.]+m?[0-9.]*m?s\]$//; s/ \(still waiting after .*\)$//;
		s/^(Using domain type [a-z]+) .*/\1/;
		s/\b(bc|sw[0-9]+-)[0-9]+\b/NAME/g; s/[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/IP/g; s/\.\.\.$//' <<<"$1"
}
# A fresh libvirtd probes QEMU's capabilities on first use (seconds; a
# long-running one has them cached in /var/cache/libvirt): done once here,
# timed on its own, so that every create below sees a warm libvirtd.
t0=$(now_ms)
for v in kvm qemu; do lv_exec virsh -q -c "$LV_URI" domcapabilities --virttype $v >/dev/null 2>&1; done
lv_exec virsh -q -c "$LV_URI" capabilities >/dev/null 2>&1
bench_samples vm.libvirtd.warmup "libvirtd's first capability probes (once per libvirtd start, not in create)" ms $(($(now_ms) - t0))
totals=() rss=() isoboot=() base=() starts=() basestarts=()
BASE=${BENCH_VM_BASE:+$(cd "$BENCH_VM_BASE" && pwd)}
base_mc() { lv_exec env MACHINECTL_DRIVER_PATH="$BASE/drivers/libvirt/.libs" "$BASE/machinectl" "$@"; }
declare -A phase_ms=()
phases=()
# Each create is followed by one with --libvirt-iso-boot (the ISO through
# SeaBIOS and ISOLINUX, as before direct kernel boot), so that the two are
# measured side by side in this run.
for ((c = 1; c <= CREATES; c++)); do
	load0=$(cut -d' ' -f1 /proc/loadavg)
	run_timed "$BENCH_TMP/iso$c.out" lv_mc create "${CREATE[@]}" --libvirt-iso-boot "bi$c"
	if [ $? = 0 ] && grep -q 'Docker is up and running!' "$BENCH_TMP/iso$c.out"; then
		isoboot+=("$(sed -n 's/^END\t//p' "$BENCH_TMP/iso$c.out")")
		echo "   create bi$c --libvirt-iso-boot: ${isoboot[-1]} ms (load before: $load0)"
	else
		echo "bench-vm: create bi$c --libvirt-iso-boot failed" >&2
	fi
	lv_mc rm -f -y "bi$c" >/dev/null 2>&1
	if [ -n "$BASE" ]; then
		load0=$(cut -d' ' -f1 /proc/loadavg)
		run_timed "$BENCH_TMP/base$c.out" base_mc create "${CREATE[@]}" --iso "${BENCH_VM_BASE_ISO:-$ISO}" "bb$c"
		if [ $? = 0 ] && grep -q 'Docker is up and running!' "$BENCH_TMP/base$c.out"; then
			base+=("$(sed -n 's/^END\t//p' "$BENCH_TMP/base$c.out")")
			echo "   create bb$c with $BASE: ${base[-1]} ms (load before: $load0)"
			if base_mc stop "bb$c" >/dev/null 2>&1 && run_timed "$BENCH_TMP/bstart$c.out" base_mc start "bb$c"; then
				basestarts+=("$(sed -n 's/^END\t//p' "$BENCH_TMP/bstart$c.out")")
				echo "   start bb$c with $BASE: ${basestarts[-1]} ms"
			else
				echo "bench-vm: stop + start bb$c with $BASE failed" >&2
			fi
		else
			echo "bench-vm: create bb$c with $BASE failed" >&2
		fi
		base_mc rm -f -y "bb$c" >/dev/null 2>&1
	fi
	load0=$(cut -d' ' -f1 /proc/loadavg)
	# peak RSS of the whole create (GNU time: the process's own maximum)
	run_timed "$BENCH_TMP/create$c.out" lv_exec /usr/bin/time -f %M -o "$BENCH_TMP/create$c.rss" \
		machinectl create "${CREATE[@]}" "bc$c"
	rc=$?
	t=$(sed -n 's/^END\t//p' "$BENCH_TMP/create$c.out")
	cut -f2- "$BENCH_TMP/create$c.out" | grep -v '^END' | sed 's/^/   create: /'
	if [ $rc != 0 ] || ! grep -q 'Docker is up and running!' "$BENCH_TMP/create$c.out"; then
		echo "bench-vm: create bc$c failed (exit $rc)" >&2
		lv_mc rm -f -y "bc$c" >/dev/null 2>&1
		continue
	fi
	echo "   create bc$c: $t ms (load before: $load0; peak RSS $(cat "$BENCH_TMP/create$c.rss") KiB)"
	totals+=("$t") rss+=("$(cat "$BENCH_TMP/create$c.rss")")
	# a line's phase lasts until the next line; the last one until exit
	prev_name='' prev_ms=0
	while IFS=$'\t' read -r ms line; do
		[ "$ms" = END ] && ms=$line line=''
		if [ -n "$prev_name" ]; then
			[ -n "${phase_ms[$prev_name]+x}" ] || phases+=("$prev_name")
			phase_ms[$prev_name]+="$((ms - prev_ms)) "
		fi
		prev_name='' prev_ms=$ms
		case $line in
		'Creating CA:'* | 'Creating client certificate:'* | 'To see how to connect'* | '') ;;
		*) [[ $ms =~ ^[0-9]+$ ]] && prev_name=$(phase_name "$line") ;;
		esac
	done <"$BENCH_TMP/create$c.out"
	# start of the stopped machine, to Docker answering
	if lv_mc stop "bc$c" >/dev/null 2>&1; then
		load0=$(cut -d' ' -f1 /proc/loadavg)
		if run_timed "$BENCH_TMP/start$c.out" lv_mc start "bc$c"; then
			starts+=("$(sed -n 's/^END\t//p' "$BENCH_TMP/start$c.out")")
			cut -f2- "$BENCH_TMP/start$c.out" | grep -v '^END' | sed 's/^/   start: /'
			echo "   start bc$c: ${starts[-1]} ms (load before: $load0)"
		else
			echo "bench-vm: start bc$c failed" >&2
		fi
	fi
	lv_mc rm -y "bc$c" >/dev/null 2>&1 || lv_mc rm -f -y "bc$c" >/dev/null 2>&1
done
[ ${#starts[@]} = 0 ] ||
	bench_samples vm.start.total "start of a stopped machine (libvirt) to Docker answering" ms "${starts[@]}"
[ ${#basestarts[@]} = 0 ] ||
	bench_samples vm.start.base "start with BENCH_VM_BASE's build (taking turns with the above)" ms "${basestarts[@]}"
if [ ${#totals[@]} -gt 0 ]; then
	BENCH_EXTRA="{\"memory_mib\": 768, \"rss_kib\": $(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)}" \
		bench_samples vm.create.total "create --driver libvirt to 'Docker is up'" ms "${totals[@]}"
	[ ${#isoboot[@]} = 0 ] ||
		bench_samples vm.create.isoboot "create --driver libvirt --libvirt-iso-boot (the ISO's boot loader; taking turns with the above)" ms "${isoboot[@]}"
	[ ${#base[@]} = 0 ] ||
		BENCH_EXTRA=$(jq -c -n --arg b "$BASE" --arg r "$(git -C "$BASE" describe --always --dirty 2>/dev/null)" '{build: $b, revision: $r}') \
			bench_samples vm.create.base "create with BENCH_VM_BASE's build (taking turns with the above)" ms "${base[@]}"
	i=0
	for p in "${phases[@]}"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		BENCH_EXTRA=$(jq -c -n --arg p "$p" --argjson i $i '{phase: $p, order: $i}') \
			bench_samples "vm.create.phase.$i" "  phase: $p" ms ${phase_ms[$p]}
	done
fi

# 3. swarm-up --create on K new machines
for k in 1 2 3; do
	if [ "$k" -gt "$MAXVMS" ]; then
		echo "   swarm-up of $k: skipped (boots $k VMs at once; BENCH_MAX_VMS=$MAXVMS)"
		bench_record "{\"id\": \"vm.swarmup.$k\", \"label\": \"swarm-up --create, $k new machines\", \"skipped\": \"boots $k VMs at once; BENCH_MAX_VMS=$MAXVMS\"}"
		continue
	fi
	names=()
	for ((i = 1; i <= k; i++)); do names+=("sw$k-$i"); done
	load0=$(cut -d' ' -f1 /proc/loadavg)
	run_timed "$BENCH_TMP/swarm$k.out" lv_mc swarm-up --create "${CREATE[@]}" "${names[@]}"
	rc=$?
	t=$(sed -n 's/^END\t//p' "$BENCH_TMP/swarm$k.out")
	cut -f2- "$BENCH_TMP/swarm$k.out" | grep -v '^END' | sed 's/^/   swarm-up: /' | tail -n 12
	# the machines are up at the last "Docker is up"; the rest is the swarm
	up=$(grep 'Docker is up and running!' "$BENCH_TMP/swarm$k.out" | tail -n 1 | cut -f1)
	echo "   swarm-up of $k: $t ms, machines up at ${up:-?} ms (load before: $load0)"
	if [ $rc = 0 ]; then
		BENCH_EXTRA=$(jq -c -n --argjson k "$k" --arg up "${up:-}" --arg l "$load0" \
			'{n: $k, load_before: $l} + (if $up != "" then {machines_up_ms: ($up | tonumber)} else {} end)') \
			bench_samples "vm.swarmup.$k" "swarm-up --create, $k new machine$([ "$k" -gt 1 ] && echo s)" ms "$t"
		[ -n "$up" ] && BENCH_EXTRA="{\"n\": $k}" bench_samples "vm.swarmup.$k.up" \
			"  of which creating the machines (to the last 'Docker is up')" ms "$up"
	else
		echo "bench-vm: swarm-up of $k failed (exit $rc)" >&2
		cut -f2- "$BENCH_TMP/swarm$k.out" | tail -n 20 >&2
		bench_record "{\"id\": \"vm.swarmup.$k\", \"label\": \"swarm-up --create, $k new machines\", \"error\": \"exit $rc\"}"
	fi
	for m in "${names[@]}"; do lv_mc rm -f -y "$m" >/dev/null 2>&1; done
done
