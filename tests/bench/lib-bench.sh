# shellcheck shell=bash
# Helpers shared by the benchmarks in tests/bench/ (source it from bash).
#
# Every figure is one JSON object appended to $BENCH_JSONL (one per line) when
# that variable is set; tests/bench/report.py turns the lines into
# tests/bench/results/latest.{json,md} and the ls plot.  Without BENCH_JSONL
# the scripts only print their human-readable tables.
#
#   bench_hyperfine ID LABEL RUNS [--rss] [--instr] -- COMMAND ARGS...
#       wall time of COMMAND (hyperfine -N: no shell), median/stddev/min/max
#       over RUNS runs after warm-up; --rss adds peak RSS (/usr/bin/time -v,
#       largest of 3 runs), --instr the instruction count of one run
#       (valgrind --tool=callgrind; repeatable, unlike wall time).
#   bench_samples ID LABEL UNIT V1 V2 ...   a figure measured by the caller
#   bench_record JSON                       any other record (merged in as is)
#
# Extra fields for the next record only: BENCH_EXTRA='{"n": 200, "kind": "up"}'.
# Timing figures are reports, never assertions: nothing here fails on a slow run.

BENCH_RUNS_SCALE=${BENCH_RUNS_SCALE:-1}

bench_need() { # bench_need CMD...: fail loudly when a tool is missing
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || { echo "bench: $c not found (run scripts/bench, which installs it)" >&2; return 1; }
	done
}

# median / stddev / min / max of numbers on stdin, as a JSON object (ms)
_bench_stats() {
	sort -g | awk '
		{ a[NR] = $1; s += $1; ss += $1 * $1 }
		END {
			if (NR == 0) { print "{}"; exit }
			med = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
			mean = s / NR; var = ss / NR - mean * mean; if (var < 0) var = 0
			printf "{\"runs\": %d, \"median_ms\": %.3f, \"mean_ms\": %.3f, \"stddev_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f}\n",
				NR, med, mean, sqrt(var), a[1], a[NR]
		}'
}

bench_record() {
	local extra=${BENCH_EXTRA:-"{}"}
	BENCH_EXTRA=
	[ -n "${BENCH_JSONL:-}" ] || return 0
	jq -c -n --argjson a "$1" --argjson b "$extra" '$a + $b' >>"$BENCH_JSONL"
}

# peak RSS in KiB: the largest of 3 runs
bench_rss() {
	local i m max=0 f
	f=$(mktemp "${BENCH_TMP:-/tmp}/rss.XXXXXX")
	for i in 1 2 3; do
		/usr/bin/time -f '%M' -o "$f" "$@" </dev/null >/dev/null 2>&1
		m=$(tail -n 1 "$f")
		[[ $m =~ ^[0-9]+$ ]] && [ "$m" -gt "$max" ] && max=$m
	done
	rm -f "$f"
	echo "$max"
}

# instructions of one run (valgrind's callgrind: counts every thread)
bench_instr() {
	local f
	f=$(mktemp "${BENCH_TMP:-/tmp}/cg.XXXXXX")
	valgrind --tool=callgrind --callgrind-out-file="$f" "$@" </dev/null >/dev/null 2>"$f.log" || true
	awk '/Collected :/ { print $NF }' "$f.log" | tail -n 1
	rm -f "$f" "$f.log"
}

bench_hyperfine() {
	local id=$1 label=$2 runs=$3 rss=0 instr=0 warm j stats r= n=
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in --rss) rss=1 ;; --instr) instr=1 ;; esac
		shift
	done
	shift
	runs=$(awk -v r="$runs" -v s="$BENCH_RUNS_SCALE" 'BEGIN { r = int(r * s); print (r < 3) ? 3 : r }')
	warm=$((runs < 10 ? 1 : 5))
	j=$(mktemp "${BENCH_TMP:-/tmp}/hf.XXXXXX")
	if ! hyperfine -N -w "$warm" -r "$runs" --export-json "$j" -- "$(_bench_quote "$@")" >/dev/null 2>"$j.err"; then
		echo "bench: $label failed: $(tail -n 3 "$j.err")" >&2
		bench_record "$(jq -c -n --arg id "$id" --arg l "$label" --arg e "$(tail -n 3 "$j.err")" '{id: $id, label: $l, error: $e}')"
		rm -f "$j" "$j.err"
		return 1
	fi
	stats=$(jq -r '.results[0].times[] * 1000' "$j" | _bench_stats)
	[ $rss = 1 ] && r=$(bench_rss "$@")
	[ $instr = 1 ] && n=$(bench_instr "$@")
	rm -f "$j" "$j.err"
	bench_record "$(jq -c -n --arg id "$id" --arg l "$label" --argjson s "$stats" --arg r "$r" --arg n "$n" \
		'{id: $id, label: $l} + $s + (if $r != "" then {rss_kib: ($r | tonumber)} else {} end)
		 + (if $n != "" then {instructions: ($n | tonumber)} else {} end)')"
	printf '%-52s %9.2f ms (sd %.2f, %s runs)%s%s\n' "$label" \
		"$(jq -r .median_ms <<<"$stats")" "$(jq -r .stddev_ms <<<"$stats")" "$(jq -r .runs <<<"$stats")" \
		"${r:+  rss ${r} KiB}" "${n:+  ${n} instr}"
}

# hyperfine -N splits its command on whitespace (shell-like quoting): quote each word
_bench_quote() {
	local w out=
	for w in "$@"; do
		if [[ $w =~ ^[A-Za-z0-9_./:=,@+-]+$ ]]; then out+="$w "; else out+="'${w//\'/\'\\\'\'}' "; fi
	done
	printf '%s' "${out% }"
}

bench_samples() {
	local id=$1 label=$2 unit=$3 stats
	shift 3
	[ $# -gt 0 ] || { echo "bench: $label: no samples" >&2; return 1; }
	if [ "$unit" = s ]; then
		stats=$(printf '%s\n' "$@" | awk '{ print $1 * 1000 }' | _bench_stats)
	else
		stats=$(printf '%s\n' "$@" | _bench_stats)
	fi
	bench_record "$(jq -c -n --arg id "$id" --arg l "$label" --argjson s "$stats" '{id: $id, label: $l} + $s')"
	printf '%-52s %9.2f ms (sd %.2f, %s runs)\n' "$label" "$(jq -r .median_ms <<<"$stats")" \
		"$(jq -r .stddev_ms <<<"$stats")" "$(jq -r .runs <<<"$stats")"
}

now_ns() { date +%s%N; }
