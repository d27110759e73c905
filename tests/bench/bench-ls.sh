#!/bin/bash
# `machinectl ls` against N machines, for each N in $BENCH_LS_SIZES (default
# "20 200"; scripts/bench --full adds 1000):
#
#   up       N `none` machines whose daemons answer: one tls-fixture process
#            listening on N loopback ports (--count N), dockerd-like /version
#            over TLS with client-certificate checks; the server certificate is
#            made by the openssl CLI from the store's CA.
#   hang     N `none` machines whose daemons accept TCP and never answer
#            (tls-fixture --hang): ls is bounded by --timeout 2.
#   libvirt  N libvirt machines, stopped: store entries as `create` writes them
#            (URI, UUID, DomainName), the N domains defined in a test:/// node
#            XML file, so machinectl reads them through libvirt's in-process test
#            driver; beside `virsh -c test:///FILE list --all` on the same file.
#            (test:///default cannot be used: its state lives and dies with each
#            process, so a store's domains would not exist in the next one.)
#
# Every configuration is checked once for a correct listing (N rows with the
# daemon's version / Timeout / Stopped) before it is timed; the answering and
# never-answering ones once more after (a fixture that stops serving halfway,
# as the --hang one did when it kept every connection, shows there).
#
#   tests/bench/bench-ls.sh [BUILDDIR]
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$SRC/_build-bench}" && pwd)
. "$SRC/tests/bench/lib-bench.sh"
bench_need hyperfine jq openssl
MC="$B/machinectl"
FIXTURE="$B/tests/lib/tls-fixture"
[ -x "$FIXTURE" ] || { echo "bench-ls: $FIXTURE missing: make tests/lib/tls-fixture in $B" >&2; exit 2; }
SIZES=${BENCH_LS_SIZES:-20 200}
MAX=0
for n in $SIZES; do [ "$n" -gt $MAX ] && MAX=$n; done
BENCH_TMP=$(mktemp -d /tmp/mc-bench-ls.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_MACHINE_NAME MACHINECTL_DEBUG
export MACHINECTL_DRIVER_PATH="$B/drivers/libvirt/.libs"
UP="$BENCH_TMP/up" HANG="$BENCH_TMP/hang" LV="$BENCH_TMP/lv"

# start_fixture PORTFILE ARGS...
start_fixture() {
	local pf=$1 i
	shift
	"$FIXTURE" --port-file "$pf" --lifetime 7200 "$@" </dev/null >"$pf.log" 2>&1 &
	pids+=($!)
	for ((i = 0; i < 400; i++)); do [ -s "$pf" ] && return 0; sleep 0.05; done
	echo "bench-ls: fixture did not start: $(cat "$pf.log")" >&2
	exit 1
}

# The store's CA first (a throwaway machine), then a server certificate for
# 127.0.0.1 signed by it with the openssl CLI.
MACHINECTL_STORAGE_PATH=$UP "$MC" create --driver none --url tcp://127.0.0.1:1 boot >/dev/null &&
	MACHINECTL_STORAGE_PATH=$UP "$MC" rm -y boot >/dev/null || { echo "bench-ls: cannot make a store" >&2; exit 1; }
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=bench/CN=fixture" \
	-keyout "$BENCH_TMP/fx-key.pem" -out "$BENCH_TMP/fx.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$BENCH_TMP/fx.ext"
openssl x509 -req -in "$BENCH_TMP/fx.csr" -CA "$UP/certs/ca.pem" -CAkey "$UP/certs/ca-key.pem" -CAcreateserial \
	-days 2 -extfile "$BENCH_TMP/fx.ext" -out "$BENCH_TMP/fx.pem" 2>/dev/null
start_fixture "$BENCH_TMP/up.ports" --count "$MAX" --cert "$BENCH_TMP/fx.pem" --key "$BENCH_TMP/fx-key.pem" --ca "$UP/certs/ca.pem"
start_fixture "$BENCH_TMP/hang.ports" --count "$MAX" --hang
mapfile -t up_ports <"$BENCH_TMP/up.ports"
mapfile -t hang_ports <"$BENCH_TMP/hang.ports"

# libvirt: a template config.json from a real create (none), rewritten per machine.
lv_entry() { # lv_entry I XMLFILE
	local name=lv$1 uuid
	uuid=$(printf '6d0f2a8e-0000-4000-8000-%012d' "$1")
	mkdir -p "$LV/machines/$name"
	jq --arg n "$name" --arg uri "test://$2" --arg u "$uuid" --arg d "machinectl-$name" \
		'.Name = $n | .DriverName = "libvirt" |
		 .Driver = {URI: $uri, UUID: $u, DomainName: $d, Network: "default", Memory: 1024, CPU: 1}' \
		"$UP/machines/up1/config.json" >"$LV/machines/$name/config.json"
}
lv_xml() { # lv_xml N FILE: N domains, shut off
	local i
	{
		echo "<node>"
		for ((i = 1; i <= $1; i++)); do
			printf "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>machinectl-lv%d</name><uuid>6d0f2a8e-0000-4000-8000-%012d</uuid><memory>1048576</memory><os><type>hvm</type></os><test:runstate>5</test:runstate></domain>\n" "$i" "$i"
		done
		echo "</node>"
	} >"$2"
}

# rows_up N [WHEN] / rows_hang N [WHEN]: ls once, warn unless all N rows are
# right; prints how many are
rows_up() {
	local good
	good=$(MACHINECTL_STORAGE_PATH=$UP "$MC" ls --timeout 20 |
		grep -cE '^up[0-9]+ .* Running +tcp://127\.0\.0\.1:[0-9]+ .* v20\.10\.24 *$')
	[ "$good" = "$1" ] || echo "bench-ls: WARNING: ls up $1${2:-}: only $good of $1 rows show the daemon's version" >&2
	echo "$good"
}
rows_hang() {
	local good
	good=$(MACHINECTL_STORAGE_PATH=$HANG "$MC" ls --timeout 2 | grep -cE '^hang[0-9]+ +none +Timeout *$')
	[ "$good" = "$1" ] || echo "bench-ls: WARNING: ls hang $1${2:-}: only $good of $1 Timeout rows" >&2
	echo "$good"
}

runs_for() { # runs_for N: fewer runs for the big sizes
	if [ "$1" -le 20 ]; then echo 30; elif [ "$1" -le 200 ]; then echo 10; else echo 5; fi
}

have=0
echo "== ls (median; peak RSS; the same runs for every N are in the JSON)"
for n in $SIZES; do
	for ((i = have + 1; i <= n; i++)); do
		MACHINECTL_STORAGE_PATH=$UP "$MC" create --driver none --url "tcp://127.0.0.1:${up_ports[i - 1]}" "up$i" >/dev/null &&
			MACHINECTL_STORAGE_PATH=$HANG "$MC" create --driver none --url "tcp://127.0.0.1:${hang_ports[i - 1]}" "hang$i" >/dev/null ||
			{ echo "bench-ls: create $i failed" >&2; exit 1; }
	done
	have=$n
	runs=$(runs_for "$n")

	good=$(rows_up "$n")
	extra=(--rss)
	[ "$n" -le 20 ] && extra+=(--instr)
	BENCH_EXTRA=$(jq -c -n --argjson n "$n" --argjson g "$good" '{n: $n, kind: "up", correct_rows: $g}') \
		MACHINECTL_STORAGE_PATH=$UP bench_hyperfine "ls.up.$n" "machinectl ls, $n answering" "$runs" "${extra[@]}" -- \
		"$MC" ls --timeout 20
	rows_up "$n" " (after the timed runs)" >/dev/null

	good=$(rows_hang "$n")
	BENCH_EXTRA=$(jq -c -n --argjson n "$n" --argjson g "$good" '{n: $n, kind: "hang", timeout_s: 2, correct_rows: $g}') \
		MACHINECTL_STORAGE_PATH=$HANG bench_hyperfine "ls.hang.$n" "machinectl ls --timeout 2, $n never answering" 3 --rss -- \
		"$MC" ls --timeout 2
	rows_hang "$n" " (after the timed runs)" >/dev/null

	if [ -f "$B/drivers/libvirt/.libs/machinectl-driver-libvirt.so" ] && command -v virsh >/dev/null; then
		rm -rf "$LV"
		mkdir -p "$LV/machines"
		cp -a "$UP/certs" "$LV/"
		lv_xml "$n" "$BENCH_TMP/lv$n.xml"
		for ((i = 1; i <= n; i++)); do lv_entry "$i" "$BENCH_TMP/lv$n.xml"; done
		t0=$(now_ns)
		out=$(MACHINECTL_STORAGE_PATH=$LV "$MC" ls)
		el=$(($(now_ns) - t0))
		# slow listings (one libvirt connection per machine) get fewer runs
		lvruns=$runs
		[ "$el" -gt 1000000000 ] && lvruns=3
		good=$(grep -cE '^lv[0-9]+ +- +libvirt +Stopped ' <<<"$out")
		[ "$good" = "$n" ] || echo "bench-ls: WARNING: ls libvirt $n: only $good of $n Stopped rows" >&2
		if [ "$el" -gt 20000000000 ]; then
			# too slow to repeat: the one checked run is the figure
			BENCH_EXTRA=$(jq -c -n --argjson n "$n" --argjson g "$good" '{n: $n, kind: "libvirt", correct_rows: $g, note: "one run (too slow to repeat)"}') \
				bench_samples "ls.libvirt.$n" "machinectl ls, $n libvirt (test:///FILE), 1 run" ms \
				"$(awk -v d="$el" 'BEGIN { print d / 1e6 }')"
		else
			BENCH_EXTRA=$(jq -c -n --argjson n "$n" --argjson g "$good" '{n: $n, kind: "libvirt", correct_rows: $g}') \
			MACHINECTL_STORAGE_PATH=$LV bench_hyperfine "ls.libvirt.$n" "machinectl ls, $n libvirt (test:///FILE)" "$lvruns" "${extra[@]}" -- \
			"$MC" ls
		fi
		vg=$(virsh -c "test://$BENCH_TMP/lv$n.xml" list --all --name | grep -c '^machinectl-lv')
		BENCH_EXTRA=$(jq -c -n --argjson n "$n" --argjson g "$vg" '{n: $n, kind: "virsh", correct_rows: $g}') \
			bench_hyperfine "ls.virsh.$n" "virsh -c test:///FILE list --all, $n domains" "$runs" --rss -- \
			virsh -c "test://$BENCH_TMP/lv$n.xml" list --all
	fi
done
