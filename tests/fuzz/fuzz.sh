#!/bin/bash
# Build and run the libFuzzer targets (called by mk/tests.mk; see doc/testing.md).
#
#   fuzz.sh build                 compile the core and every target into ./fuzz/
#   fuzz.sh run SECONDS [NAME...] fuzz each target for SECONDS (all when no NAME)
#   fuzz.sh runs N [NAME...]      fuzz each target for N executions (the long
#                                 runs of doc/testing.md), one at a time; prints
#                                 executions, time, exec/s and corpus size
#   fuzz.sh replay [NAME...]      run each target over its committed corpus once
#
# Environment (set by make): FUZZ_CC, FUZZ_CPPFLAGS, FUZZ_LIBS, FUZZ_CORE (core
# sources, relative to FUZZ_SRCDIR), FUZZ_SRCDIR, FUZZ_TARGETS, FUZZ_JOBS.
# Targets are tests/fuzz/fuzz-NAME.c; seeds are tests/fuzz/corpus/NAME/.  New
# inputs found while fuzzing go to fuzz/corpus/NAME in the build tree (the
# committed seeds are never written); a crash leaves fuzz/artifacts/NAME-*.
set -euo pipefail

src=${FUZZ_SRCDIR:?}
cc=${FUZZ_CC:-clang}
san="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
out=fuzz
mkdir -p "$out/obj" "$out/corpus" "$out/artifacts"
read -r -a targets <<<"${FUZZ_TARGETS:?}"

build() {
	local objs=() f o stamp=$out/obj/.stamp rebuild=0 pids=()
	# Any header newer than the last build: rebuild every object.
	if [ ! -e "$stamp" ] || [ -n "$(find "$src/src" "$src/drivers" "$src/certs" "$src/tests/fuzz" \
		-name '*.h' -newer "$stamp" -print -quit)" ] || [ buildconf.h -nt "$stamp" ]; then
		rebuild=1
	fi
	for f in ${FUZZ_CORE:?}; do
		case $f in *.c) ;; *) continue ;; esac
		o=$out/obj/$(echo "${f%.c}" | tr / _).o
		objs+=("$o")
		if [ $rebuild = 1 ] || [ "$src/$f" -nt "$o" ]; then
			echo "  FUZZCC   $f"
			# shellcheck disable=SC2086
			$cc $san -fsanitize=fuzzer-no-link $FUZZ_CPPFLAGS -c "$src/$f" -o "$o" &
			pids+=($!)
			if [ ${#pids[@]} -ge "${FUZZ_JOBS:-2}" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
		fi
	done
	for p in "${pids[@]}"; do wait "$p"; done
	rm -f "$out/core.a"
	ar rcs "$out/core.a" "${objs[@]}"
	touch "$stamp"
	for t in "${targets[@]}"; do
		if [ $rebuild = 1 ] || [ ! -e "$out/fuzz-$t" ] || [ "$src/tests/fuzz/fuzz-$t.c" -nt "$out/fuzz-$t" ] ||
		   [ -n "$(find "$src/src" "$src/drivers" "$src/certs" -name '*.c' -newer "$out/fuzz-$t" -print -quit)" ]; then
			echo "  FUZZLD   fuzz-$t"
			# shellcheck disable=SC2086
			$cc $san -fsanitize=fuzzer $FUZZ_CPPFLAGS -I"$src/tests/fuzz" \
				"$src/tests/fuzz/fuzz-$t.c" "$out/core.a" $FUZZ_LIBS -o "$out/fuzz-$t"
		fi
	done
}

# Common libFuzzer options: leaks are bugs; inputs are small (command lines,
# config files, one reply); a slow input (10 s) is a bug.
opts=(-max_len=16384 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)

run() {
	local secs=$1 failed=0 t
	shift
	[ $# -gt 0 ] || set -- "${targets[@]}"
	for t in "$@"; do
		mkdir -p "$out/corpus/$t"
		echo "=== fuzz-$t for ${secs}s"
		if ! "$out/fuzz-$t" "${opts[@]}" -max_total_time="$secs" \
			-artifact_prefix="$out/artifacts/$t-" "$out/corpus/$t" "$src/tests/fuzz/corpus/$t" \
			>"$out/fuzz-$t.log" 2>&1; then
			failed=$((failed + 1))
			echo "FAIL: fuzz-$t (log: $out/fuzz-$t.log)"
			grep -E 'ERROR|SUMMARY|property failed|Test unit written' "$out/fuzz-$t.log" | head -n 20
		else
			grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "$out/fuzz-$t.log" |
				sed "s/^/  fuzz-$t /"
			echo "PASS: fuzz-$t"
		fi
	done
	[ $failed = 0 ]
}

runs() {
	local n=$1 failed=0 t t0 secs execs rate corpus
	shift
	[ $# -gt 0 ] || set -- "${targets[@]}"
	for t in "$@"; do
		mkdir -p "$out/corpus/$t"
		echo "=== fuzz-$t for $n executions"
		t0=$SECONDS
		if ! "$out/fuzz-$t" "${opts[@]}" -runs="$n" -artifact_prefix="$out/artifacts/$t-" \
			"$out/corpus/$t" "$src/tests/fuzz/corpus/$t" >"$out/fuzz-$t.runs.log" 2>&1; then
			failed=$((failed + 1))
			echo "FAIL: fuzz-$t (log: $out/fuzz-$t.runs.log)"
			grep -E 'ERROR|SUMMARY|property failed|Test unit written' "$out/fuzz-$t.runs.log" | head -n 20
			continue
		fi
		secs=$((SECONDS - t0))
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz-$t.runs.log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/fuzz-$t.runs.log")
		corpus=$(find "$out/corpus/$t" "$src/tests/fuzz/corpus/$t" -type f | wc -l)
		echo "PASS: fuzz-$t executions=$execs seconds=$secs exec/s=$rate corpus=$corpus crashes=0"
	done
	[ $failed = 0 ]
}

replay() {
	local failed=0 t
	[ $# -gt 0 ] || set -- "${targets[@]}"
	for t in "$@"; do
		if "$out/fuzz-$t" "${opts[@]}" -runs=0 "$src/tests/fuzz/corpus/$t" >"$out/fuzz-$t.replay.log" 2>&1; then
			echo "PASS: fuzz-$t replays $(find "$src/tests/fuzz/corpus/$t" -type f | wc -l) seeds"
		else
			failed=$((failed + 1))
			echo "FAIL: fuzz-$t replay (log: $out/fuzz-$t.replay.log)"
			tail -n 20 "$out/fuzz-$t.replay.log"
		fi
	done
	[ $failed = 0 ]
}

cmd=${1:-}
shift || true
case $cmd in
build) build ;;
run) run "$@" ;;
runs) runs "$@" ;;
replay) replay "$@" ;;
*) echo "usage: $0 build | run SECONDS [NAME...] | runs N [NAME...] | replay [NAME...]" >&2; exit 2 ;;
esac
