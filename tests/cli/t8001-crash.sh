#!/bin/bash
# Crash safety: the process is killed (SIGKILL) at every named step of create,
# start, stop, rm, regenerate-certs and import-docker-machine (the core's
# test-only fault points, mc_test_point() / MC_TEST_KILL_AT, see
# doc/testing.md), at every time the command reaches that step
# (MC_TEST_KILL_AT=POINT@N: an atomic write, for one, happens a dozen times in
# a create).  After each kill the store loads,
# ls shows every machine with a truthful state (a half-created one as Error
# with its reason), a certificate set is never broken silently (env either
# works with a whole set or says to run regenerate-certs, which repairs it),
# rm -f removes the victim completely and the bystander machine is untouched.
# The list of points is checked against the sources: a new step without
# coverage fails this test.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

# Every point, and the verbs that reach it here.
POINTS=(
	"create-after-reserve create"
	"create-after-record create"
	"create-after-certs create"
	"create-after-sshkey create"
	"create-after-driver create"
	"create-after-server-cert create"
	"create-after-created create"
	"action-before-driver start"
	"action-after-driver start"
	"action-before-driver stop"
	"action-after-driver stop"
	"rm-after-driver rm"
	"rm-after-rename rm"
	"import-after-reserve import"
	"write-before-rename create"
	"write-before-rename create-first"
	"write-before-rename start"
	"write-before-rename stop"
	"write-before-rename regenerate-certs"
	"write-before-rename regenerate-ca"
	"certs-after-key create"
	"certs-after-key regenerate-certs"
	"certs-after-key create-first"
	"certs-after-key regenerate-ca"
	"certs-after-cert create"
	"certs-after-cert regenerate-certs"
	"certs-after-cert create-first"
	"certs-after-cert regenerate-ca"
	"certs-after-ca-cert create-first"
	"certs-after-ca-cert regenerate-ca"
)

# The points in the sources must be exactly those listed.
in_src=$(grep -rhoE 'mc_test_point\("[a-z0-9-]+"\)' "$MC_SRCDIR/src" "$MC_SRCDIR/certs" "$MC_SRCDIR/drivers" |
	sed -E 's/.*\("([^"]+)"\).*/\1/' | LC_ALL=C sort -u)
listed=$(printf '%s\n' "${POINTS[@]}" | cut -d' ' -f1 | LC_ALL=C sort -u)
if [ "$in_src" = "$listed" ]; then
	ok "every fault point in the sources is covered ($(echo "$in_src" | wc -l) points)"
else
	not_ok "fault points in the sources and in this test differ"
	diff <(echo "$listed") <(echo "$in_src") | sed 's/^/#   /'
fi

pubkey_of_key() { openssl pkey -in "$1" -pubout 2>/dev/null; }
pubkey_of_cert() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null; }
same_key() { test -n "$(pubkey_of_key "$1")" -a "$(pubkey_of_key "$1")" = "$(pubkey_of_cert "$2")"; }

# The store's CA and client certificate agree: the key is ca.pem's, the client
# certificate chains to it and is its key's, and no temporary key is left.
ca_consistent() {
	local c=$STORE/certs
	check "$1: ca-key.pem is the key of ca.pem" same_key "$c/ca-key.pem" "$c/ca.pem"
	check "$1: the client certificate chains to ca.pem" openssl verify -CAfile "$c/ca.pem" "$c/cert.pem"
	check "$1: key.pem is the client certificate's key" same_key "$c/key.pem" "$c/cert.pem"
	check "$1: certs/ holds exactly the CA and the client pair" \
		test "$(ls -A "$c" | grep -v '^\.certs\.lock$' | LC_ALL=C sort | xargs)" = "ca-key.pem ca.pem cert.pem key.pem"
}

# A machine's certificate files are one whole set.
set_whole() { # set_whole NAME
	local d=$STORE/machines/$1
	openssl verify -CAfile "$d/ca.pem" "$d/cert.pem" >/dev/null 2>&1 && same_key "$d/key.pem" "$d/cert.pem" &&
		{ [ ! -e "$d/server.pem" ] || { openssl verify -CAfile "$d/ca.pem" "$d/server.pem" >/dev/null 2>&1 &&
			same_key "$d/server-key.pem" "$d/server.pem"; }; } &&
		test -z "$(find "$d" -maxdepth 1 -name '*.new')"
}
# env never hands out a broken set: it works with a whole one, or it fails
# and says what to run.
env_truthful() { # env_truthful LABEL NAME
	run mc env "$2"
	if [ "$RC" = 0 ]; then
		check "$1: env of $2 works, with a whole certificate set" set_whole "$2"
	else
		check "$1: env of $2 fails and says what to run" grep -qE "regenerate-certs $2|rm -f $2" <<<"$ERR"
	fi
}

# A fresh store with one bystander machine, for each case.
fresh_store() {
	rm -rf "$STORE"
	mc create -d test bystander >/dev/null 2>&1 || echo "# cannot create the bystander"
	BEFORE=$(bystander_snapshot)
}

KILLED=
killed() { # killed POINT@N COMMAND...: run the command with a kill there; 0 when it died there
	local point=$1
	shift
	MC_TEST_KILL_AT=$point "$@" >"$TEST_TMP/k.out" 2>"$TEST_TMP/k.err" </dev/null
	[ $? = 137 ]
}
# kill_case LABEL POINT@N COMMAND...: true when killed; when the command ran
# to its end, the hits of the point are exhausted (an error at hit 1).
kill_case() {
	local label=$1
	shift
	if killed "$@"; then KILLED=1; return 0; fi
	KILLED=
	case $1 in *@1) not_ok "$label: the command never reached ${1%@1}" ;; esac
	return 1
}

after_kill_checks() { # after_kill_checks LABEL EXPECTED_STATES(regex) [gone]
	local label=$1 states=$2 gone=${3:-}
	run mc ls --format '{{.Name}} {{.State}}'
	expect_rc 0 "$label: ls works after the kill"
	check "$label: the bystander is Running" grep -qx 'bystander Running' <<<"$OUT"
	if [ -n "$gone" ]; then
		check "$label: the victim is gone from ls" test -z "$(grep '^victim' <<<"$OUT")"
	else
		check "$label: the victim's state is truthful ($states)" grep -qE "^victim ($states)" <<<"$OUT"
		if grep -q '^victim Error' <<<"$OUT"; then
			run mc ls --filter name=victim --format '{{.Error}}'
			check "$label: the Error row says how to remove it" grep -q "rm -f victim" <<<"$OUT"
		fi
		run mc rm -f victim
		expect_rc 0 "$label: rm -f removes the victim"
	fi
	victim_gone "$label" "$BEFORE"
}

cases=0
for entry in "${POINTS[@]}"; do
	read -r point verb <<<"$entry"
	for hit in $(seq 1 40); do
	label="$point@$hit during $verb"
	at="$point@$hit"
	fresh_store
	case $verb in
	create)
		kill_case "$label" "$at" mc create -d test victim || break
		# Killed before the final record: Error (interrupted); after it: Running.
		if [ "$point" = create-after-created ] || ! grep -q '"Status": "creating"' "$STORE/machines/victim/config.json" 2>/dev/null; then
			states="Running|Error"
		else
			states=Error
		fi
		[ -e "$STORE/machines/victim" ] && env_truthful "$label" victim
		if [ -e "$STORE/machines/victim" ]; then after_kill_checks "$label" "$states"; else after_kill_checks "$label" "" gone; fi
		;;
	create-first)
		# The very first create makes the CA and the client certificate:
		# killed anywhere there, the next create finishes or discards what
		# was left, and says so; no manual recovery.
		rm -rf "$STORE"
		kill_case "$label" "$at" mc create -d test victim || break
		check "$label: no ca-key.pem without its certificate is left" \
			test -e "$STORE/certs/ca.pem" -o ! -e "$STORE/certs/ca-key.pem"
		ca_before=$(cat "$STORE/certs/ca.pem" 2>/dev/null)
		run mc create -d test bystander
		expect_rc 0 "$label: the next create works"
		if [ "$at" = certs-after-key@1 ]; then
			expect_out "Removing a CA key that an interrupted run left without its certificate: $STORE/certs/ca-key.pem.new" \
				"$label: it says it removed the lone key"
			expect_out "Creating CA: $STORE/certs/ca.pem" "$label: and made a new CA"
		elif [ "$at" = certs-after-ca-cert@1 ]; then
			expect_out "Finishing the CA that an interrupted run left without its key in place: $STORE/certs/ca-key.pem" \
				"$label: it says it finished the CA"
			check "$label: the CA certificate written before the kill is kept" \
				test "$(cat "$STORE/certs/ca.pem")" = "$ca_before"
		fi
		ca_consistent "$label"
		check "$label: the bystander's set is whole" set_whole bystander
		BEFORE=$(bystander_snapshot)
		if [ -e "$STORE/machines/victim" ]; then after_kill_checks "$label" "Error|Running"; else after_kill_checks "$label" "" gone; fi
		;;
	regenerate-ca)
		# regenerate-certs --client-certs makes a new CA and client
		# certificate over the old ones, then remakes every machine's set.
		mc create -d test victim >/dev/null
		ca_before=$(cat "$STORE/certs/ca.pem")
		kill_case "$label" "$at" mc regenerate-certs -f --client-certs victim || break
		ca_killed=$(cat "$STORE/certs/ca.pem")
		run mc create -d test other
		expect_rc 0 "$label: the next create works"
		if [ "$at" = certs-after-key@1 ]; then
			expect_out "Removing a CA key that an interrupted run left without its certificate" \
				"$label: it says it removed the new key"
			check "$label: the old CA is kept" test "$(cat "$STORE/certs/ca.pem")" = "$ca_before"
		elif [ "$at" = certs-after-ca-cert@1 ]; then
			expect_out "Finishing the CA that an interrupted run left without its key in place" \
				"$label: it says it finished the new CA"
			check "$label: the new CA is kept" test "$(cat "$STORE/certs/ca.pem")" = "$ca_killed" -a "$ca_killed" != "$ca_before"
		fi
		ca_consistent "$label"
		check "$label: the new machine's set is whole and chains to the CA" \
			bash -c "$(declare -f set_whole same_key pubkey_of_key pubkey_of_cert); STORE='$STORE'; set_whole other && openssl verify -CAfile '$STORE/certs/ca.pem' '$STORE/machines/other/server.pem' >/dev/null"
		# The machines it had not finished: env never hands out a broken
		# set, and regenerate-certs NAME makes them whole on the new CA.
		env_truthful "$label" victim
		env_truthful "$label" bystander
		run mc regenerate-certs -f victim bystander
		expect_rc 0 "$label: regenerate-certs of the machines works"
		check "$label: the victim's set is whole again" set_whole victim
		check "$label: the bystander's set is whole again" set_whole bystander
		check "$label: the victim's CA is the store's" cmp -s "$STORE/certs/ca.pem" "$STORE/machines/victim/ca.pem"
		BEFORE=$(bystander_snapshot)
		mc rm -f other >/dev/null 2>&1
		after_kill_checks "$label" "Running"
		;;
	start)
		mc create -d test victim >/dev/null && mc stop victim >/dev/null
		kill_case "$label" "$at" mc start victim || break
		after_kill_checks "$label" "Stopped|Running"
		;;
	stop)
		mc create -d test victim >/dev/null
		kill_case "$label" "$at" mc stop victim || break
		check "$label: config.json is whole" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
			"$STORE/machines/victim/config.json"
		after_kill_checks "$label" "Stopped|Running"
		;;
	import)
		# docker-machine's store with one none machine (no certificates:
		# the import notes that env needs regenerate-certs)
		mkdir -p "$TEST_TMP/dm/machines/victim"
		printf '%s\n' '{ "ConfigVersion": 3, "DriverName": "none", "Driver": { "URL": "tcp://127.0.0.1:1" }, "Name": "victim" }' \
			>"$TEST_TMP/dm/machines/victim/config.json"
		kill_case "$label" "$at" mc import-docker-machine --from "$TEST_TMP/dm" victim || break
		after_kill_checks "$label" "Error"
		;;
	rm)
		mc create -d test victim >/dev/null
		kill_case "$label" "$at" mc rm -f victim || break
		if [ "$point" = rm-after-rename ]; then
			after_kill_checks "$label" "" gone
		else
			after_kill_checks "$label" "Running"
		fi
		;;
	regenerate-certs)
		mc create -d test victim >/dev/null
		kill_case "$label" "$at" mc regenerate-certs -f victim || break
		env_truthful "$label" victim
		run mc regenerate-certs -f victim
		expect_rc 0 "$label: regenerate-certs again succeeds"
		check "$label: the victim's set is whole again" set_whole victim
		run mc env victim
		expect_rc 0 "$label: env works again"
		after_kill_checks "$label" "Running"
		;;
	esac
	cases=$((cases + 1))
	done
done
echo "# $cases kills"

# SIGTERM and SIGINT while create works (stopped at a point, then signalled):
# the machine is rolled back or left for rm -f, never half-visible.
for sig in TERM INT; do
	fresh_store
	# Background jobs of a script ignore SIGINT: restore the default, as for
	# a command typed at a terminal.
	MC_TEST_PAUSE_AT=create-after-driver python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' machinectl create -d test victim >/dev/null 2>&1 &
	pid=$!
	at_exit "kill -9 $pid 2>/dev/null"
	wait_paused $pid
	kill -s "$sig" "$pid"
	kill -s CONT "$pid"
	wait "$pid"
	rc=$?
	check "SIG$sig during create ends it ($rc)" test "$rc" -ne 0
	after_kill_checks "SIG$sig during create" "Error"
done

# config.json is never seen half-written: a writer killed at random moments
# while a reader parses the file in a loop.
fresh_store
mc create -d test victim >/dev/null
cfg=$STORE/machines/victim/config.json
python3 - "$cfg" >"$TEST_TMP/reader.out" 2>&1 <<'PY' &
import json, sys, time
bad = reads = 0
end = time.time() + 6
while time.time() < end:
    try:
        with open(sys.argv[1]) as f:
            json.load(f)
        reads += 1
    except FileNotFoundError:
        bad += 1
    except ValueError:
        bad += 1
print(reads, bad)
PY
reader=$!
kills=0
end=$((SECONDS + 5))
while [ $SECONDS -lt $end ]; do
	mc stop victim >/dev/null 2>&1 &
	w=$!
	sleep 0.0$((RANDOM % 10))
	kill -9 "$w" 2>/dev/null && kills=$((kills + 1))
	wait "$w" 2>/dev/null
	mc start victim >/dev/null 2>&1
done
wait "$reader"
read -r reads bad <"$TEST_TMP/reader.out"
check "config.json always parses ($reads reads, $kills writers killed, $bad bad reads)" \
	test "${bad:-1}" = 0 -a "${reads:-0}" -gt 100
run mc ls -q
expect_rc 0 "ls works after the kill loop"
done_testing
