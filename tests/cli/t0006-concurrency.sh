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

# A wait for the lock is shown, on stderr: what it waits for, who holds the
# lock (flock(1) here: its pid and name) and the time waited.
hold() { hold_lock "$STORE/machines/race1/.lock" "$1"; }
hold 2
run mc stop race1
wait "$holder"
expect_rc 0 "stop waits for a lock held by another process"
expect_err "Waiting for machine \"race1\": another command holds its lock (pid $holder, flock)... " \
	"... and says so, naming the holder"
check "... with the time waited" grep -qE '\.\.\. [0-9.]+m?s$' <<<"$ERR"
check "... in one line when stderr is no terminal" test "$(grep -c Waiting <<<"$ERR")" = 1
check "... on stderr only" eval '! grep -q Waiting <<<"$OUT"'
run mc start race1
check "a lock that is free at once: no wait is shown" eval '[ "$RC" = 0 ] && ! grep -q Waiting <<<"$ERR"'
hold 2.5
script -qec "machinectl stop race1" "$TEST_TMP/typescript" >/dev/null 2>&1 </dev/null
wait "$holder"
check "at a terminal the wait line is redrawn as time passes" \
	grep -qE $'\rWaiting for machine "race1": [^\r]*\\.\\.\\. [0-9.]+m?s\rWaiting for machine "race1": [^\r]*\\.\\.\\. [0-9.]+s\r?$' \
	"$TEST_TMP/typescript"
check "... and ended with a newline before stop's own output" grep -q '^Machine "race1" was stopped' "$TEST_TMP/typescript"

# The certificates' lock (certs/.certs.lock, next to the CA) is waited for
# the same way; the time limit (30 s) is tested in test-certs.
hold_lock "$STORE/certs/.certs.lock" 2
run mc create -d test c1
wait "$holder"
expect_rc 0 "create waits for the certificates' lock held by another process"
expect_err "Waiting for the TLS certificates: another command is making or checking them (pid $holder, flock)... " \
	"... and says so, naming the holder"
check "... with the time waited, in one line" \
	test "$(grep -cE '^Waiting for the TLS certificates: .*\.\.\. [0-9.]+m?s$' <<<"$ERR")" = 1
check "... and the machine is made once the lock is free" test "$(machinectl status c1)" = Running
run mc rm -y c1
done_testing
