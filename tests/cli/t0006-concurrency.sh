#!/bin/bash
# Concurrent creates of one name: exactly one wins; the others get a clear message.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

for round in 1 2 3; do
	pids=()
	for i in $(seq 1 10); do
		MC_TESTDRV_DELAY_MS=50 machinectl create -d test "race$round" >"$TEST_TMP/o.$i" 2>"$TEST_TMP/e.$i" &
		pids+=($!)
	done
	wins=0 losses=0
	for i in $(seq 1 10); do
		if wait "${pids[$((i - 1))]}"; then wins=$((wins + 1)); else
			grep -q "machine \"race$round\" already exists" "$TEST_TMP/e.$i" && losses=$((losses + 1))
		fi
	done
	check "round $round: exactly one of 10 concurrent creates wins" test "$wins" = 1
	check "round $round: the other 9 say the machine already exists" test "$losses" = 9
	check "round $round: one machine, readable" test "$(machinectl status "race$round")" = Running
done
check "no temporary files are left" test -z "$(find "$STORE" -name '*.tmp.*')"

# Concurrent create/stop/start/rm/ls of different names do not corrupt anything.
pids=()
for i in $(seq 1 8); do
	( machinectl create -d test "p$i" && machinectl stop "p$i" && machinectl start "p$i" &&
	  machinectl ls -q >/dev/null && machinectl rm -y "p$i" ) >/dev/null 2>"$TEST_TMP/pe.$i" &
	pids+=($!)
done
fails=0
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
check "8 parallel lifecycles succeed" test "$fails" = 0
check "only the race machines remain" test "$(machinectl ls -q | xargs)" = "race1 race2 race3"

# A verb waits for the machine's lock instead of corrupting it.  start runs
# once the slow stop holds the lock, however long stop takes to get there
# (under valgrind, longer than any fixed sleep).
MC_TESTDRV_DELAY_MS=700 machinectl stop race1 >/dev/null &
for _ in $(seq 1 600); do
	flock -n "$STORE/machines/race1/.lock" true || break
	sleep 0.05
done
run mc start race1
wait
expect_rc 0 "start waits for the running stop and then starts"
check "race1 ends Running" test "$(machinectl status race1)" = Running
done_testing
