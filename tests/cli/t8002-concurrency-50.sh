#!/bin/bash
# 50 concurrent processes of create/rm/ls/start/stop on one store (test
# driver, slowed down to widen the races): no corrupted file, exactly one
# winner per name, every failure one clear line, and a final state that
# follows from the operations that succeeded.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
export MC_TESTDRV_DELAY_MS=100
# The messages a losing or waiting process may print (one "Error: " line).
CLEAR='^Error: ((Docker )?machine "[a-z0-9]+" (already exists|does not exist|is busy: .*)|Machine "[a-z0-9]+" is already (running|stopped)\.)$'

run_all() { # run_all: run the commands in $TEST_TMP/cmds concurrently, one result file each
	local i=0 pids=()
	while read -r cmd; do
		i=$((i + 1))
		( eval "machinectl $cmd" >"$TEST_TMP/r.$i.out" 2>"$TEST_TMP/r.$i.err" </dev/null
		  echo $? >"$TEST_TMP/r.$i.rc" ) &
		pids+=($!)
	done <"$TEST_TMP/cmds"
	for p in "${pids[@]}"; do wait "$p"; done
	NCMDS=$i
}
# A process that waited for a lock (a machine's, the certificates') says so
# first (one line off a terminal).
WAITED='^Waiting for (machine "[a-z0-9]+": another command holds its lock|the TLS certificates: another command is making or checking them)'
unclear_failures() {
	local i n=0
	for i in $(seq 1 "$NCMDS"); do
		[ "$(cat "$TEST_TMP/r.$i.rc")" = 0 ] && continue
		grep -vE "$WAITED" "$TEST_TMP/r.$i.err" >"$TEST_TMP/r.$i.failure"
		if [ "$(grep -c . "$TEST_TMP/r.$i.failure")" != 1 ] || ! grep -qE "$CLEAR" "$TEST_TMP/r.$i.failure"; then
			n=$((n + 1))
			echo "# unclear failure of: $(sed -n "${i}p" "$TEST_TMP/cmds")" >&2
			sed 's/^/#   /' "$TEST_TMP/r.$i.err" | head -n 5 >&2
		fi
	done
	echo $n
}
configs_parse() {
	local f
	for f in "$STORE"/machines/*/config.json; do
		[ -e "$f" ] || continue
		python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" || return 1
	done
	test -z "$(find "$STORE" -name '*.tmp.*')"
}

# Round 1: 25 names, two creates each, all at once.
: >"$TEST_TMP/cmds"
for i in $(seq 1 25); do echo "create -d test c$i" >>"$TEST_TMP/cmds"; echo "create -d test c$i" >>"$TEST_TMP/cmds"; done
run_all
wins=$(for i in $(seq 1 "$NCMDS"); do [ "$(cat "$TEST_TMP/r.$i.rc")" = 0 ] && sed -n "${i}p" "$TEST_TMP/cmds"; done | sort | uniq -c | awk '$1 != 1' | wc -l)
check "50 creates of 25 names: exactly one winner per name" test "$wins" = 0 -a "$(ls "$STORE/machines" | wc -l)" = 25
check "every losing create says the machine already exists" test "$(unclear_failures)" = 0
check "no corrupted or temporary file" configs_parse

# Round 2: start/stop/ls/rm mixed over the same names, 50 at once.
: >"$TEST_TMP/cmds"
for i in $(seq 1 25); do
	case $((i % 5)) in
	0) echo "rm -y c$i"; echo "stop c$i" ;;
	1) echo "stop c$i"; echo "ls -q" ;;
	2) echo "stop c$i"; echo "start c$i" ;;
	3) echo "rm -f c$i"; echo "ls" ;;
	4) echo "stop c$i"; echo "stop c$i" ;;
	esac >>"$TEST_TMP/cmds"
done
run_all
check "every failure of the mixed round is one clear line" test "$(unclear_failures)" = 0
check "no corrupted or temporary file after the mixed round" configs_parse
# Final state: a name is gone exactly when one of its rm removed it; the
# others have a state their successful operations explain.
bad=0
for i in $(seq 1 25); do
	removed=0 stopped=0 started=0
	for k in $(seq 1 "$NCMDS"); do
		cmd=$(sed -n "${k}p" "$TEST_TMP/cmds")
		[ "$(cat "$TEST_TMP/r.$k.rc")" = 0 ] || continue
		case $cmd in
		# rm -f of a machine already gone succeeds without removing anything.
		"rm -y c$i" | "rm -f c$i") grep -q "^Successfully removed" "$TEST_TMP/r.$k.out" && removed=1 ;;
		"stop c$i") stopped=1 ;;
		"start c$i") started=1 ;;
		esac
	done
	st=$(machinectl status "c$i" 2>/dev/null)
	if [ $removed = 1 ]; then
		[ -z "$st" ] && [ ! -e "$STORE/machines/c$i" ] || { bad=$((bad + 1)); echo "# c$i: rm succeeded but it is $st"; }
	elif [ $started = 0 ] && [ $stopped = 1 ]; then
		[ "$st" = Stopped ] || { bad=$((bad + 1)); echo "# c$i: stopped, yet $st"; }
	elif [ $stopped = 0 ]; then
		[ "$st" = Running ] || { bad=$((bad + 1)); echo "# c$i: never stopped, yet $st"; }
	else
		case $st in Running | Stopped) ;; *) bad=$((bad + 1)); echo "# c$i: $st" ;; esac
	fi
done
check "the final state follows from the successful operations" test "$bad" = 0

# Round 3: creates and removals of the same names at once: a name exists at
# the end exactly when successful creates outnumber successful removals.
: >"$TEST_TMP/cmds"
for i in $(seq 1 10); do
	printf '%s\n' "create -d test n$i" "rm -y n$i" "create -d test n$i" "rm -f n$i" "create -d test n$i"
done >"$TEST_TMP/cmds"
run_all
check "every failure of the create/rm round is one clear line" test "$(unclear_failures)" = 0
bad=0
for i in $(seq 1 10); do
	c=0 r=0
	for k in $(seq 1 "$NCMDS"); do
		[ "$(cat "$TEST_TMP/r.$k.rc")" = 0 ] || continue
		case $(sed -n "${k}p" "$TEST_TMP/cmds") in
		"create -d test n$i") c=$((c + 1)) ;;
		"rm -y n$i" | "rm -f n$i") grep -q "^Successfully removed" "$TEST_TMP/r.$k.out" && r=$((r + 1)) ;;
		esac
	done
	exists=0
	[ -e "$STORE/machines/n$i/config.json" ] && exists=1
	[ $((c - r)) = $exists ] || { bad=$((bad + 1)); echo "# n$i: $c creates, $r removals, exists=$exists"; }
done
check "creates minus removals = what exists, for every name" test "$bad" = 0
check "no corrupted or temporary file at the end" configs_parse
check "no leftover removal directory" test -z "$(find "$STORE/machines" -maxdepth 1 -name '.rm-*')"
run mc ls
expect_rc 0 "ls works at the end"
done_testing
