#!/bin/bash
# machinectl beside docker-machine v0.16.2, live, in the same run (issue 22):
# `env` and `ls` of equivalent stores, the two tools taking turns.
#
#   tests/bench/bench-peer.sh BUILDDIR [DOCKER_MACHINE]
#
# Both stores hold BENCH_PEER_N (default 20) `none` machines whose URLs are the
# same N loopback ports of ONE tls-fixture process (dockerd-like /version and
# /info over TLS, client certificates required; multi-threaded, TLS session
# tickets on).  The stores share one CA and client certificate, so the one
# fixture answers both:
#   machinectl      machines/mcN, made by `machinectl create --driver none`
#   docker-machine  machines/dmN/config.json (ConfigVersion 3, DriverName
#                   "none"), made by `docker-machine create -d none --url ...`
#                   in its own MACHINE_STORAGE_PATH (a temporary directory)
#                   whose certs/ holds copies of machinectl's CA and client
#                   certificate; HOME is a temporary directory too.
# docker-machine is pointed at loopback only, crash reports are off (its
# `no-error-report` file and MACHINE_BUGSNAG_API_TOKEN=no-report), and as root
# (or with unprivileged user namespaces) the whole script runs in a network
# namespace of its own with only `lo` up, so nothing it starts can reach
# anything else.
#
# Each command's output is checked once (N rows with the daemon's version; the
# env lines) before it is timed.  Then tests/bench/paired.py runs the sides in
# rotating order and reports the median of the paired ratios:
#   env    machinectl env --shell bash mc1 | docker-machine env --shell bash dm1
#          | /bin/true (the process floor)
#   ls     machinectl ls | the same without TLS session resumption
#          (MACHINECTL_TLS_RESUME=0) | docker-machine ls
# with the CPU each command and the fixture spent per run.  The fixture's own cost is
# measured beside them: its CPU per full TLS handshake + request, and what it
# serves per second to `openssl s_time -new` clients.
#
# Without DOCKER_MACHINE the machinectl figures are measured the same way and
# the script says that no ratio was measured: there is no docker-machine
# figure to divide by.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:?usage: bench-peer.sh BUILDDIR [DOCKER_MACHINE]}" && pwd)
PEER=${2:-}

# A network namespace of our own (loopback only), when we can make one.
if [ -z "${BENCH_PEER_NETNS:-}" ] && [ "${BENCH_PEER_NO_NETNS:-0}" != 1 ]; then
	for u in "unshare -n" "unshare -rn"; do
		# shellcheck disable=SC2086
		if $u true 2>/dev/null; then
			# shellcheck disable=SC2086
			exec env BENCH_PEER_NETNS="$u" $u -- bash -c 'ip link set lo up && exec "$@"' bash "$0" "$@"
		fi
	done
fi

. "$SRC/tests/bench/lib-bench.sh"
bench_need jq openssl curl python3
MC="$B/machinectl"
FIXTURE="$B/tests/lib/tls-fixture"
PAIRED="$SRC/tests/bench/paired.py"
N=${BENCH_PEER_N:-20}
ENV_RUNS=${BENCH_PEER_ENV_RUNS:-100}
LS_RUNS=${BENCH_PEER_LS_RUNS:-20}
[ -x "$FIXTURE" ] || { echo "bench-peer: $FIXTURE missing: make tests/lib/tls-fixture in $B" >&2; exit 2; }
if [ -n "$PEER" ]; then
	[ -x "$PEER" ] || { echo "bench-peer: $PEER is not an executable" >&2; exit 2; }
	PEER=$(cd "$(dirname "$PEER")" && pwd)/$(basename "$PEER")
fi
BENCH_TMP=$(mktemp -d /tmp/mc-bench-peer.XXXXXX)
fpid=
cleanup() {
	[ -n "$fpid" ] && kill "$fpid" 2>/dev/null && wait "$fpid" 2>/dev/null
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_MACHINE_NAME MACHINECTL_DEBUG MACHINE_DEBUG
MCS="$BENCH_TMP/machinectl" DMS="$BENCH_TMP/docker-machine"
export MACHINECTL_STORAGE_PATH=$MCS

echo "== peer: machinectl beside docker-machine, same run, taking turns"
if [ -n "${BENCH_PEER_NETNS:-}" ]; then
	echo "   (in a network namespace of its own: '$BENCH_PEER_NETNS', loopback only)"
else
	echo "   (no network namespace could be made: every URL is loopback)"
fi

# The CA and client certificate (a throwaway machine), the fixture's server
# certificate for 127.0.0.1 from the openssl CLI.
"$MC" create --driver none --url tcp://127.0.0.1:1 boot >/dev/null && "$MC" rm -y boot >/dev/null ||
	{ echo "bench-peer: cannot make a machinectl store" >&2; exit 1; }
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=bench/CN=fixture" \
	-keyout "$BENCH_TMP/fx-key.pem" -out "$BENCH_TMP/fx.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$BENCH_TMP/fx.ext"
openssl x509 -req -in "$BENCH_TMP/fx.csr" -CA "$MCS/certs/ca.pem" -CAkey "$MCS/certs/ca-key.pem" \
	-CAcreateserial -days 2 -extfile "$BENCH_TMP/fx.ext" -out "$BENCH_TMP/fx.pem" 2>/dev/null ||
	{ echo "bench-peer: cannot make the fixture's certificate" >&2; exit 1; }
"$FIXTURE" --port-file "$BENCH_TMP/ports" --lifetime 3600 --count "$N" --cert "$BENCH_TMP/fx.pem" \
	--key "$BENCH_TMP/fx-key.pem" --ca "$MCS/certs/ca.pem" </dev/null >"$BENCH_TMP/fixture.log" 2>&1 &
fpid=$!
for ((i = 0; i < 400; i++)); do [ -s "$BENCH_TMP/ports" ] && break; sleep 0.05; done
[ -s "$BENCH_TMP/ports" ] || { echo "bench-peer: fixture did not start: $(cat "$BENCH_TMP/fixture.log")" >&2; exit 1; }
mapfile -t ports <"$BENCH_TMP/ports"

# fixture_stats: its counters, fetched with the store's client certificate
fixture_stats() {
	curl -sS --max-time 5 --cacert "$MCS/certs/ca.pem" --cert "$MCS/certs/cert.pem" --key "$MCS/certs/key.pem" \
		"https://127.0.0.1:${ports[0]}/_fixture/stats"
}
threads=$(fixture_stats | jq -r .Threads) || { echo "bench-peer: the fixture does not answer" >&2; exit 1; }

for ((i = 1; i <= N; i++)); do
	"$MC" create --driver none --url "tcp://127.0.0.1:${ports[i - 1]}" "mc$i" >/dev/null ||
		{ echo "bench-peer: machinectl create mc$i failed" >&2; exit 1; }
done

# rows OUTPUT PREFIX: how many rows show the fixture's version (N expected)
rows() { grep -cE "^$2[0-9]+ .* Running +tcp://127\.0\.0\.1:[0-9]+ .* v20\.10\.24 *\$" <<<"$1"; }
# env_ok OUTPUT NAME PORT: the two lines that matter
env_ok() {
	grep -qx "export DOCKER_HOST=\"tcp://127.0.0.1:$3\"" <<<"$1" &&
		grep -qx "export DOCKER_MACHINE_NAME=\"$2\"" <<<"$1"
}
good=$(rows "$("$MC" ls)" mc)
[ "$good" = "$N" ] || { echo "bench-peer: machinectl ls shows $good of $N answering rows" >&2; exit 1; }
env_ok "$("$MC" env --shell bash mc1)" mc1 "${ports[0]}" ||
	{ echo "bench-peer: machinectl env mc1 is not as expected" >&2; exit 1; }

sides_dm=()
if [ -n "$PEER" ]; then
	# docker-machine: its own store, HOME and no crash reports.
	mkdir -p "$DMS/certs" "$BENCH_TMP/home"
	: >"$DMS/no-error-report"
	cp "$MCS/certs/ca.pem" "$MCS/certs/ca-key.pem" "$MCS/certs/cert.pem" "$MCS/certs/key.pem" "$DMS/certs/"
	dm() { HOME="$BENCH_TMP/home" MACHINE_STORAGE_PATH="$DMS" MACHINE_BUGSNAG_API_TOKEN=no-report "$PEER" "$@"; }
	dmver=$(dm --version 2>&1)
	case $dmver in
	*" version 0.16.2, build "*) ;;
	*) echo "bench-peer: WARNING: $PEER says '$dmver', not docker-machine 0.16.2" >&2 ;;
	esac
	for ((i = 1; i <= N; i++)); do
		dm create -d none --url "tcp://127.0.0.1:${ports[i - 1]}" "dm$i" >"$BENCH_TMP/dm-create.log" 2>&1 ||
			{ echo "bench-peer: docker-machine create dm$i failed: $(tail -n 3 "$BENCH_TMP/dm-create.log")" >&2; exit 1; }
	done
	jq -e '.ConfigVersion == 3 and .DriverName == "none"' "$DMS/machines/dm1/config.json" >/dev/null ||
		{ echo "bench-peer: docker-machine's config.json is not the v0.16.2 layout" >&2; exit 1; }
	good=$(rows "$(dm ls 2>&1)" dm)
	[ "$good" = "$N" ] || { echo "bench-peer: docker-machine ls shows $good of $N answering rows" >&2; exit 1; }
	env_ok "$(dm env --shell bash dm1)" dm1 "${ports[0]}" ||
		{ echo "bench-peer: docker-machine env dm1 is not as expected" >&2; exit 1; }
	dmenv=(--env "HOME=$BENCH_TMP/home" --env "MACHINE_STORAGE_PATH=$DMS" --env MACHINE_BUGSNAG_API_TOKEN=no-report)
	echo "   peer: $dmver ($PEER)"
else
	echo "   no docker-machine given (scripts/bench --peer PATH or --peer-src DIR):"
	echo "   machinectl's figures only; NO RATIO TO DOCKER-MACHINE WAS MEASURED"
fi
echo "   $N none machines per tool, one tls-fixture ($threads threads, session tickets on); load $(cut -d' ' -f1-3 /proc/loadavg)"

# What one run of each costs the fixture: connections, handshakes, requests.
counts() { # counts CMD...: the fixture's counters consumed by one run of CMD
	local a b
	a=$(fixture_stats)
	"$@" >/dev/null 2>&1
	b=$(fixture_stats)
	jq -c -n --argjson a "$a" --argjson b "$b" \
		'{connections: ($b.Connections - $a.Connections - 1), handshakes: ($b.Handshakes - $a.Handshakes - 1),
		  resumed: ($b.Resumed - $a.Resumed), requests: ($b.Requests - $a.Requests - 1)}'
}
c_mc_ls=$(counts "$MC" ls) c_mc_env=$(counts "$MC" env --shell bash mc1)
c_dm_ls='null' c_dm_env='null'
if [ -n "$PEER" ]; then
	c_dm_ls=$(counts dm ls) c_dm_env=$(counts dm env --shell bash dm1)
fi

# env: the two tools and the floor, taking turns.
if [ -n "$PEER" ]; then
	sides_dm=(--c docker-machine "${dmenv[@]}" -- "$PEER" env --shell bash dm1)
	ratios=(--ratio docker-machine/machinectl --ratio machinectl/true)
else
	ratios=(--ratio machinectl/true)
fi
"$PAIRED" --id peer.env --label "env of a none machine ($N in the store)" --runs "$ENV_RUNS" --warmup 5 \
	--cpu-pid "$fpid" "${ratios[@]}" \
	--extra "$(jq -c -n --argjson n "$N" --argjson m "$c_mc_env" --argjson d "$c_dm_env" --arg peer "$PEER" \
		'{n: $n, peer: (if $peer == "" then null else "docker-machine 0.16.2" end),
		  fixture_per_run: {machinectl: $m, "docker-machine": $d}}')" \
	--a machinectl -- "$MC" env --shell bash mc1 \
	--b true -- /bin/true \
	"${sides_dm[@]}" || exit 1

# ls: the two tools, taking turns; machinectl also without TLS session
# resumption (MACHINECTL_TLS_RESUME=0: every handshake a full one, as
# docker-machine's), so the effect of the saved tickets shows.
sides_dm=(--b machinectl-full --env MACHINECTL_TLS_RESUME=0 -- "$MC" ls)
ratios=(--ratio machinectl-full/machinectl)
if [ -n "$PEER" ]; then
	sides_dm+=(--c docker-machine "${dmenv[@]}" -- "$PEER" ls)
	ratios=(--ratio docker-machine/machinectl --ratio docker-machine/machinectl-full "${ratios[@]}")
fi
"$PAIRED" --id "peer.ls.$N" --label "ls, $N answering machines" --runs "$LS_RUNS" --warmup 2 \
	--cpu-pid "$fpid" "${ratios[@]}" \
	--extra "$(jq -c -n --argjson n "$N" --argjson m "$c_mc_ls" --argjson d "$c_dm_ls" --arg peer "$PEER" \
		'{n: $n, peer: (if $peer == "" then null else "docker-machine 0.16.2" end),
		  fixture_per_run: {machinectl: $m, "docker-machine": $d}}')" \
	--a machinectl -- "$MC" ls \
	"${sides_dm[@]}" || exit 1
[ "$(rows "$("$MC" ls)" mc)" = "$N" ] || echo "bench-peer: WARNING: machinectl ls lost rows after the timed runs" >&2

# The fixture's own cost: CPU per full handshake + GET /version (from its
# threads' schedstat around a batch of openssl s_time -new connections), and
# how many such requests it serves per second with one client per CPU.
sched() { cat /proc/"$fpid"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }
st_secs=${BENCH_PEER_STIME:-3}
nclients=$(nproc)
s0=$(sched) a=$(fixture_stats)
clients=()
for ((k = 0; k < nclients; k++)); do
	openssl s_time -connect "127.0.0.1:${ports[k % N]}" -CAfile "$MCS/certs/ca.pem" -cert "$MCS/certs/cert.pem" \
		-key "$MCS/certs/key.pem" -new -time "$st_secs" -www /version >"$BENCH_TMP/stime.$k" 2>&1 &
	clients+=($!)
done
wait "${clients[@]}"
s1=$(sched) b=$(fixture_stats)
conns=$(jq -n --argjson a "$a" --argjson b "$b" '$b.Handshakes - $a.Handshakes - 1')
rec=$(jq -c -n --argjson c "$conns" --argjson ns "$((s1 - s0))" --argjson secs "$st_secs" \
	--argjson k "$nclients" --argjson threads "$threads" \
	'{id: "peer.fixture", label: "tls-fixture: full TLS 1.3 handshake (ECDSA P-256, client certificate) + GET /version",
	  connections: $c, clients: $k, seconds: $secs, threads: $threads,
	  cpu_ms_per_request: (if $c > 0 then ($ns / 1e6 / $c) else null end),
	  requests_per_s: ($c / $secs)}')
bench_record "$rec"
jq -r '"tls-fixture\u0027s own cost: \(.cpu_ms_per_request * 1000 | round / 1000) ms CPU per full handshake + request; \(.requests_per_s | round) requests/s to \(.clients) openssl s_time -new clients (\(.threads) threads)"' <<<"$rec"
jq -r --argjson m "$c_mc_ls" --argjson d "$c_dm_ls" -n \
	'"   per ls run it served machinectl \($m.handshakes) handshakes (\($m.resumed) resumed) / \($m.requests) requests" +
	 (if $d then ", docker-machine \($d.handshakes) (\($d.resumed) resumed) / \($d.requests)" else "" end)'
