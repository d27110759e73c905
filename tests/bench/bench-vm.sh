#!/bin/bash
# Real VMs (scripts/bench --full; root, QEMU + libvirt):
#
#  1. the physical limit: the machine OS ISO booted under plain QEMU, host time
#     from QEMU start to the guest's "docker up" console marker
#     (tests/e2e/iso-bench.sh, one VM at a time, fresh format-me data disk);
#  2. `machinectl create --driver libvirt` to "Docker is up and running!",
#     split by phase from the elapsed times create prints in [..] brackets;
#  3. `machinectl swarm-up --create` on 1 and 2 new machines (3 with
#     BENCH_MAX_VMS=3: it boots the three at once).
#
# libvirtd runs inside a network namespace this script creates
# (tests/e2e/lib-libvirtd.sh); every VM, domain, network and the namespace are
# removed at exit.  At most BENCH_MAX_VMS (default 2) VMs boot at a time.
#
#   tests/bench/bench-vm.sh [BUILDDIR]
#   BENCH_VM_BOOTS=3 BENCH_VM_CREATES=2 BENCH_MAX_VMS=2
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$SRC/_build-bench}" && pwd)
. "$SRC/tests/bench/lib-bench.sh"
. "$SRC/tests/e2e/lib-libvirtd.sh"
bench_need jq
BOOTS=${BENCH_VM_BOOTS:-3}
CREATES=${BENCH_VM_CREATES:-2}
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
		for m in $(ls "$MACHINECTL_STORAGE_PATH/machines" 2>/dev/null); do
			lv_mc rm -f -y "$m" >/dev/null 2>&1
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

# 1. plain QEMU, the guest's own boot-to-dockerd
MACHINECTL_ISO=$ISO "$SRC/tests/e2e/iso-bench.sh" "$BOOTS" >"$BENCH_TMP/iso-bench.tap" 2>&1
sed 's/^/   iso-bench: /' "$BENCH_TMP/iso-bench.tap" | grep -E 'ok|median|accel|load' | head -n 20
dock=() upt=()
while read -r d u; do dock+=("$d") upt+=("$u"); done < <(
	sed -nE 's/^ok [0-9]+ - boot [0-9]+: sshd [0-9.]+ s, dockerd ([0-9.]+) s after QEMU start \(guest uptime [0-9.]+ \/ ([0-9.]+) s\).*/\1 \2/p' \
		"$BENCH_TMP/iso-bench.tap")
accel=$(grep -oE 'accel [a-z]+' "$BENCH_TMP/iso-bench.tap" | head -n 1 | cut -d' ' -f2)
if [ ${#dock[@]} -gt 0 ]; then
	BENCH_EXTRA="{\"accel\": \"${accel:-?}\", \"memory_mib\": 512}" \
		bench_samples vm.qemu.dockerd "plain QEMU: QEMU start to 'docker up' marker" s "${dock[@]}"
	BENCH_EXTRA="{\"accel\": \"${accel:-?}\"}" \
		bench_samples vm.qemu.dockerd_uptime "plain QEMU: guest uptime at 'docker up'" s "${upt[@]}"
else
	echo "bench-vm: iso-bench gave no boot time" >&2
fi

# 2. create, by phase
lv_start >/dev/null 2>"$BENCH_TMP/lv_start.log" || { cat "$BENCH_TMP/lv_start.log" >&2; exit 1; }
CREATE=(-d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$ISO")
to_ms() { # 15ms | 1.2s | 1m05s -> ms
	case $1 in
	*m[0-9]*s) awk -v v="$1" 'BEGIN { split(v, a, "m"); sub("s", "", a[2]); print a[1] * 60000 + a[2] * 1000 }' ;;
	*ms) echo "${1%ms}" ;;
	*s) awk -v v="${1%s}" 'BEGIN { print v * 1000 }' ;;
	esac
}
totals=()
declare -A phase_ms=()
phases=()
for ((c = 1; c <= CREATES; c++)); do
	t0=$(now_ns)
	lv_mc create "${CREATE[@]}" "bc$c" >"$BENCH_TMP/create$c.out" 2>&1
	rc=$?
	t=$(awk -v d=$(($(now_ns) - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')
	sed 's/^/   create: /' "$BENCH_TMP/create$c.out"
	if [ $rc != 0 ] || ! grep -q 'Docker is up and running!' "$BENCH_TMP/create$c.out"; then
		echo "bench-vm: create bc$c failed (exit $rc)" >&2
		lv_mc rm -f -y "bc$c" >/dev/null 2>&1
		continue
	fi
	totals+=("$t")
	# phase k lasts from its [elapsed] to the next line's
	prev_name= prev_ms=0
	while IFS=$'\t' read -r name el; do
		ms=$(to_ms "$el")
		if [ -n "$prev_name" ]; then
			[ -n "${phase_ms[$prev_name]+x}" ] || phases+=("$prev_name")
			phase_ms[$prev_name]+="$((ms - prev_ms)) "
		fi
		prev_name=$name prev_ms=$ms
	done < <(sed -nE 's/^(\([^)]*\) )?(.*[^ ]) \[([0-9.]+m?[0-9.]*m?s)\]$/\2\t\3/p' "$BENCH_TMP/create$c.out")
	lv_mc rm -y "bc$c" >/dev/null 2>&1 || lv_mc rm -f -y "bc$c" >/dev/null 2>&1
done
if [ ${#totals[@]} -gt 0 ]; then
	BENCH_EXTRA='{"memory_mib": 768}' bench_samples vm.create.total "create --driver libvirt to 'Docker is up'" ms "${totals[@]}"
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
	t0=$(now_ns)
	lv_mc swarm-up --create "${CREATE[@]}" "${names[@]}" >"$BENCH_TMP/swarm$k.out" 2>&1
	rc=$?
	t=$(awk -v d=$(($(now_ns) - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')
	sed 's/^/   swarm-up: /' "$BENCH_TMP/swarm$k.out" | tail -n 8
	if [ $rc = 0 ]; then
		BENCH_EXTRA="{\"n\": $k}" bench_samples "vm.swarmup.$k" "swarm-up --create, $k new machines" ms "$t"
	else
		echo "bench-vm: swarm-up of $k failed (exit $rc)" >&2
		bench_record "{\"id\": \"vm.swarmup.$k\", \"label\": \"swarm-up --create, $k new machines\", \"error\": \"exit $rc\"}"
	fi
	for m in "${names[@]}"; do lv_mc rm -f -y "$m" >/dev/null 2>&1; done
done
