#!/bin/bash
# Start-up cost: `machinectl --version`, `env NAME`, `config NAME` beside
# /bin/true (the floor: fork + exec + exit) and `docker --version` (Debian's
# docker client, a familiar tool); peak RSS and instruction counts (callgrind)
# beside the wall times.  Then the same commands and /bin/true once more,
# taking turns (tests/bench/paired.py): the median of the paired ratios to
# /bin/true is the figure the target "env <= 1.5 x /bin/true" reads, so a
# change of load between the hyperfine runs cannot tilt it.  Also
# `create --driver none` (time and peak RSS).
#
#   tests/bench/bench-startup.sh [BUILDDIR]        (default: _build-bench)
#
# Machines used (a temporary store):
#   t1   test-driver plugin machine with a server certificate: what `env` does
#        for a provisioned machine (store + offline certificate check + a small
#        driver plugin)
#   n1   none driver (built in, no server certificate)
#   lv1  libvirt machine (store entry as create writes it; the domain is in a
#        test:/// XML file): env loads the libvirt driver module to read the URL
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$SRC/_build-bench}" && pwd)
. "$SRC/tests/bench/lib-bench.sh"
bench_need hyperfine valgrind jq
MC="$B/machinectl"
RUNS=${BENCH_STARTUP_RUNS:-200}
BENCH_TMP=$(mktemp -d /tmp/mc-bench-startup.XXXXXX)
trap '[ -n "${BENCH_KEEP:-}" ] || rm -rf "$BENCH_TMP"' EXIT
export MACHINECTL_STORAGE_PATH="$BENCH_TMP/store"
export MACHINECTL_DRIVER_PATH="$B/tests/.libs:$B/drivers/libvirt/.libs"
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_MACHINE_NAME MACHINECTL_DEBUG

"$MC" create --driver none --url tcp://127.0.0.1:2376 n1 >/dev/null || { echo "bench-startup: create n1 failed" >&2; exit 1; }
have_t1=0
if "$MC" create --driver test --test-ip 192.168.99.100 t1 >/dev/null 2>&1; then have_t1=1; fi
# A libvirt machine: its store entry as `create` leaves it, the domain defined
# in a test:/// node file (libvirt's in-process test driver).
have_lv=0
if [ -f "$B/drivers/libvirt/.libs/machinectl-driver-libvirt.so" ] && [ $have_t1 = 1 ]; then
	cat >"$BENCH_TMP/lv.xml" <<-'EOF'
	<node>
	<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
	  <name>machinectl-lv1</name><uuid>6d0f2a8e-0000-4000-8000-000000000001</uuid>
	  <memory>65536</memory><os><type>hvm</type></os><test:runstate>1</test:runstate>
	</domain>
	</node>
	EOF
	mkdir -p "$MACHINECTL_STORAGE_PATH/machines/lv1"
	cp "$MACHINECTL_STORAGE_PATH/machines/t1/"*.pem "$MACHINECTL_STORAGE_PATH/machines/lv1/"
	jq --arg uri "test://$BENCH_TMP/lv.xml" '.Name = "lv1" | .DriverName = "libvirt" |
		.Driver = {URI: $uri, UUID: "6d0f2a8e-0000-4000-8000-000000000001", DomainName: "machinectl-lv1",
		           IPAddress: "192.168.99.100"}' \
		"$MACHINECTL_STORAGE_PATH/machines/t1/config.json" >"$MACHINECTL_STORAGE_PATH/machines/lv1/config.json"
	"$MC" env lv1 >/dev/null 2>&1 && have_lv=1
fi
DOCKER=/usr/bin/docker
[ -x $DOCKER ] || DOCKER=$(command -v docker || true)

echo "== start-up (median of $RUNS runs; peak RSS; instructions of one run)"
bench_hyperfine startup.true "/bin/true (floor)" "$RUNS" --rss --instr -- /bin/true
[ -n "$DOCKER" ] && bench_hyperfine startup.docker "docker --version ($DOCKER, Debian)" "$RUNS" --rss -- "$DOCKER" --version
bench_hyperfine startup.version "machinectl --version" "$RUNS" --rss --instr -- "$MC" --version
if [ $have_t1 = 1 ]; then
	bench_hyperfine startup.env "machinectl env NAME (provisioned, cert check)" "$RUNS" --rss --instr -- "$MC" env --shell bash t1
	bench_hyperfine startup.config "machinectl config NAME" "$RUNS" --rss --instr -- "$MC" config t1
fi
bench_hyperfine startup.env_none "machinectl env NAME (none driver)" "$RUNS" --rss --instr -- "$MC" env --shell bash n1
[ $have_lv = 1 ] && bench_hyperfine startup.env_libvirt "machinectl env NAME (libvirt machine)" "$RUNS" --rss --instr -- "$MC" env --shell bash lv1

# The floor comparison: every command and /bin/true in rotating order.
sides=(--a true -- /bin/true --b version -- "$MC" --version --c env_none -- "$MC" env --shell bash n1)
ratios=(--ratio version/true --ratio env_none/true)
if [ $have_t1 = 1 ]; then
	sides+=(--d env -- "$MC" env --shell bash t1 --e config -- "$MC" config t1)
	ratios+=(--ratio env/true --ratio config/true)
fi
if [ $have_lv = 1 ]; then
	sides+=(--f env_libvirt -- "$MC" env --shell bash lv1)
	ratios+=(--ratio env_libvirt/true)
fi
echo "== start-up beside the floor, taking turns (median of paired ratios to /bin/true)"
"$SRC/tests/bench/paired.py" --id startup.floor --label "start-up, taking turns with /bin/true" \
	--runs "$RUNS" --warmup 10 "${ratios[@]}" "${sides[@]}"

# create --driver none: a new name each run (the store's CA exists already).
runs=$((RUNS / 10 < 10 ? 10 : RUNS / 10))
s=() rss=0
for ((i = 0; i < runs; i++)); do
	t0=$(now_ns)
	"$MC" create --driver none --url tcp://127.0.0.1:2376 "c$i" >/dev/null || { echo "bench-startup: create c$i failed" >&2; break; }
	s+=("$(awk -v d=$(($(now_ns) - t0)) 'BEGIN { printf "%.3f", d / 1e6 }')")
done
for i in 1 2 3; do
	/usr/bin/time -f %M -o "$BENCH_TMP/rss" "$MC" create --driver none --url tcp://127.0.0.1:2376 "r$i" >/dev/null 2>&1
	m=$(tail -n 1 "$BENCH_TMP/rss"); [ "$m" -gt "$rss" ] && rss=$m
done
instr=$(bench_instr "$MC" create --driver none --url tcp://127.0.0.1:2376 cg1)
BENCH_EXTRA=$(jq -c -n --argjson r "$rss" --argjson n "${instr:-0}" '{rss_kib: $r, instructions: $n}') \
	bench_samples create.none "machinectl create --driver none" ms "${s[@]}"
echo "   peak RSS $rss KiB, $instr instructions"
