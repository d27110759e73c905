#!/bin/bash
# swarm-up and swarm-down against loopback fixtures that fake dockerd's swarm
# API (tests/lib/tls-fixture.c): init on the first machine, join the others,
# the table and the env hint, idempotence, --manager/--worker (names from them
# alone), --advertise-addr, swarm-down's order (workers, then managers with
# force) and its one GET /nodes, the machines' locks (waited for, name order).
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
. "$MC_SRCDIR/tests/lib/swarm-lib.sh"

check "store CA and the fixtures' server certificate" swarm_setup
for n in m1 m2 m3; do
	check "machine $n on its own fixture" swarm_node $n
done

run mc swarm-up m1 m2 m3
expect_rc 0 "swarm-up m1 m2 m3"
expect_out "m1: initialized a new swarm" "m1 initialises the swarm"
expect_out "m2: joined as a worker" "m2 joins as a worker"
expect_out "m3: joined as a worker" "m3 joins as a worker"
check "the table: NAME ROLE STATE ADDRESS" grep -qE '^NAME +ROLE +STATE +ADDRESS$' <<<"$OUT"
check "the leader is marked" grep -qE '^m1 +manager \(leader\) +ready +127\.0\.0\.1$' <<<"$OUT"
check "workers are ready" test "$(grep -cE '^m[23] +worker +ready +127\.0\.0\.1$' <<<"$OUT")" = 2
expect_out 'eval $(machinectl env m1)' "the env hint names the manager"
check "init: ListenAddr 0.0.0.0:2377, AdvertiseAddr IP:2377" \
	test "$(swarm_state ".nodes[\"$PORT_m1\"].InitRequest | .ListenAddr + \" \" + .AdvertiseAddr")" = "0.0.0.0:2377 127.0.0.1:2377"
check "join: the manager's address and the worker token" \
	test "$(swarm_state ".nodes[\"$PORT_m2\"].JoinRequest | .RemoteAddrs[0] + \" \" + .JoinToken")" = "127.0.0.1:2377 SWMTKN-1-fixture-swarm-1-secret-worker"
check "the fixtures agree: three nodes in one swarm" \
	test "$(swarm_state '[.swarms[] | select(.ID | startswith("fixture-swarm")) | .Members[] | .Role] | join(" ")')" = "manager worker worker"

before=$(swarm_events | wc -l)
run mc swarm-up m1 m2 m3
expect_rc 0 "swarm-up again"
expect_out "Nothing to do: every machine is already in this swarm." "says there is nothing to do"
expect_out "m2: already in this swarm" "and why, per machine"
check "the table again" grep -qE '^m1 +manager \(leader\) +ready' <<<"$OUT"
check "and changes nothing (no POST)" test "$(swarm_events | wc -l)" = "$before"

# requests PORT: the requests the fixture at PORT has answered, this one included
requests() {
	curl -sS --max-time 5 --cacert "$STORE/certs/ca.pem" --cert "$STORE/certs/cert.pem" \
		--key "$STORE/certs/key.pem" "https://127.0.0.1:$1/_fixture/stats" | jq -r .Requests
}
asked=$(requests "$PORT_m1")
run mc swarm-down m1 m2 m3
asked=$(($(requests "$PORT_m1") - asked - 1))
expect_rc 0 "swarm-down m1 m2 m3"
check "the manager is asked GET /info, GET /nodes once (for the guard and the drain), 3 drains, GET /tasks, its leave (asked $asked)" \
	test "$asked" = 7
expect_out "m1: left the swarm" "the manager left"
expect_out "m3: left the swarm" "the workers left"
check "workers leave first, without force; then the manager, with force" \
	test "$(swarm_events | tail -n 3 | sed 's/^m[23] /w /' | sort | uniq | xargs)" = \
	"m1 POST /swarm/leave?force=true 200 w POST /swarm/leave 200"
check "... in that order" grep -q 'm1 POST /swarm/leave?force=true' <(swarm_events | tail -n 1)
check "the swarm is gone" test "$(swarm_state '[.swarms[] | select(.ID | startswith("fixture-swarm"))] | length')" = 0
# Before anyone leaves, every node is drained through the manager, so that
# nothing is rescheduled onto the nodes that stay (issue 23, 13).
check "the three nodes were drained, through the manager, before the first leave" \
	test "$(swarm_events | sed -n '/update/p;/leave/q' | grep -c '^m1 POST /nodes/fixture-node-id[-0-9]*/update?version=10 200$')" = 3
run mc swarm-down m1 m2 m3
expect_rc 0 "swarm-down again"
expect_out "m2: was not in a swarm" "says the machines were not in a swarm"

# Roles: two managers and a worker, named with --manager/--worker; the first
# manager advertises another address (--advertise-addr NAME=IP).
run mc swarm-up --manager m2 --manager m3 --worker m1 --advertise-addr m2=127.0.0.2 m1
expect_rc 0 "swarm-up --manager m2 --manager m3 --worker m1"
expect_out "m2: initialized a new swarm" "the first --manager initialises"
expect_out "m3: joined as a manager" "the second joins as a manager"
expect_out "m1: joined as a worker" "--worker joins as a worker"
check "m2 leads, advertised at 127.0.0.2" grep -qE '^m2 +manager \(leader\) +ready +127\.0\.0\.2$' <<<"$OUT"
check "m3 is a manager, not the leader" grep -qE '^m3 +manager +ready +127\.0\.0\.1$' <<<"$OUT"
check "init was sent AdvertiseAddr 127.0.0.2:2377" \
	test "$(swarm_state ".nodes[\"$PORT_m2\"].InitRequest.AdvertiseAddr")" = "127.0.0.2:2377"
check "m3 joined 127.0.0.2:2377 with the manager token" \
	test "$(swarm_state ".nodes[\"$PORT_m3\"].JoinRequest | .RemoteAddrs[0] + \" \" + .JoinToken")" = "127.0.0.2:2377 SWMTKN-1-fixture-swarm-2-secret-manager"
expect_out 'eval $(machinectl env m2)' "the env hint names the first manager"

run mc swarm-up --manager m1 --worker m1 m1
expect_rc 2 "a name both --manager and --worker is a usage error"
expect_err "m1 is named both --manager and --worker" "and says so"

run mc swarm-down m3 m1 m2
expect_rc 0 "swarm-down with two managers"
check "the worker leaves first" grep -q '^m1 POST /swarm/leave 200' <(swarm_events | tail -n 3 | head -n 1)
check "then both managers, with force" \
	test "$(swarm_events | tail -n 2 | sed 's/^m[23] //' | uniq)" = "POST /swarm/leave?force=true 200"

# Machines too loaded to stop their swarm node within dockerd's 15 s while
# tasks start on them (the three-node tutorial under TCG): drained first,
# nothing starts on them and they leave (issue 23, 13).
for n in s1 s2 s3; do
	check "machine $n: a slow-stop fixture" swarm_node $n slow-stop
done
run mc swarm-up s1 s2 s3
expect_rc 0 "swarm-up s1 s2 s3"
run mc swarm-down s1 s2 s3
expect_rc 0 "swarm-down of nodes that cannot stop with tasks running succeeds"
for n in s1 s2 s3; do expect_out "$n: left the swarm" "$n left"; done
check "no leave timed out" test -z "$(swarm_events | grep '^s[123] POST /swarm/leave.* 500$')"
# A leave that runs out of dockerd's time once is asked again.
check "machine d1: its first leave times out" swarm_node d1 normal --leave-deadline 1
check "machine d2" swarm_node d2
run mc swarm-up d1 d2
run mc swarm-down d1 d2
expect_rc 0 "swarm-down succeeds when a leave timed out once"
expect_out "d1: left the swarm" "d1 left, on the second try"
check "d1 was asked twice" test "$(swarm_events | grep -c '^d1 POST /swarm/leave')" = 2

# The last manager does not leave a swarm whose other nodes are not named:
# they would be left without a manager (docker refuses a manager's leave
# without force for that reason).
run mc swarm-up d1 d2
expect_rc 0 "swarm-up d1 d2 again"
before=$(swarm_snapshot)
run mc swarm-down d1
expect_rc 1 "swarm-down of the manager alone is refused"
expect_err "the swarm's other nodes (fixture-$PORT_d2) are not named, and no manager would stay" "... naming the others"
expect_err "Name them too, or use --force to leave anyway" "... and the two ways on"
check "... and nothing changed" test "$before" = "$(swarm_snapshot)"
run mc swarm-down --force d1
expect_rc 0 "swarm-down --force d1 leaves anyway"
expect_out "d1: left the swarm" "d1 left"
run mc swarm-down --force d2
expect_rc 0 "the stranded worker leaves with --force too"

# A worker that cannot leave keeps the managers in the swarm: it is not
# stranded, and swarm-down can be run again.
check "machine e1" swarm_node e1
check "machine e2: its leaves time out (more than swarm-down's tries)" swarm_node e2 normal --leave-deadline 3
run mc swarm-up e1 e2
expect_rc 0 "swarm-up e1 e2"
run mc swarm-down e1 e2
expect_rc 1 "swarm-down fails when a worker cannot leave"
expect_err "e2: leaving the swarm" "... naming the worker"
expect_err "e1: stays in the swarm, as e2 did not leave and would be stranded: run swarm-down again when it can, or with --force" \
	"... and the manager stays, saying what to do"
check "e1 did not leave" test -z "$(swarm_events | grep '^e1 POST /swarm/leave')"
run mc swarm-down e1 e2
expect_rc 0 "swarm-down again, once the worker can leave"
expect_out "e2: left the swarm" "e2 left"
expect_out "e1: left the swarm" "then e1"

# --advertise-addr is NAME=IP for a named machine; --worker on the first
# name makes the next one the manager.
sent=$(swarm_events | wc -l)
for adv in e1 =127.0.0.1 nosuch=127.0.0.1 e1= e1=notanip e1=127.0.0.1:2377 $'e1=127.0.0.1\e[31m'; do
	run mc swarm-up --advertise-addr "$adv" e1 e2
	expect_rc 2 "--advertise-addr $(printf %q "$adv") is a usage error"
	expect_err "invalid --advertise-addr" "... naming the flag"
done
check "nothing was sent for them" test "$(swarm_events | wc -l)" = "$sent"
run mc swarm-up --worker e1 e1 e2
expect_rc 0 "swarm-up --worker e1 e1 e2"
expect_out "e2: initialized a new swarm" "e2, the first name that is no worker, manages"
expect_out "e1: joined as a worker" "e1 joins as a worker"
run mc swarm-up --worker e1 --worker e2 e1 e2
expect_rc 2 "every machine a --worker is a usage error"
expect_err "every machine is a --worker: name a manager with --manager" "... saying what to do"

# swarm-up and swarm-down hold the lock of every machine they name while
# they run, as the verbs that change a machine do: another command's lock
# makes them wait.  They take the locks in name order, so two runs on the
# same machines never wait for each other's.
# hold NAME: the test holds NAME's lock until release.
hold() {
	rm -f "$TEST_TMP/release"
	(flock 9 && touch "$TEST_TMP/held" && until [ -e "$TEST_TMP/release" ]; do sleep 0.05; done) \
		9>"$STORE/machines/$1/.lock" &
	holder=$!
	until [ -e "$TEST_TMP/held" ]; do sleep 0.05; done
	rm -f "$TEST_TMP/held"
}
release() { touch "$TEST_TMP/release"; wait "$holder"; }
# opens PID NAME: process PID has NAME's lock file open.
opens() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q -- "/machines/$2/\.lock\$"; }
# waiting PID NAME: PID opens NAME's lock file within 60 s (and waits for it,
# as the test holds it).
waiting() {
	for _ in $(seq 1 1200); do
		opens "$1" "$2" && return 0
		[ -d "/proc/$1" ] || return 1
		sleep 0.05
	done
	return 1
}
hold e1
sent=$(swarm_events | wc -l)
machinectl swarm-down e2 e1 >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
pid=$!
check "swarm-down e2 e1 waits for e1's lock, which the test holds" waiting "$pid" e1
check "... before it takes e2's (name order: e1, then e2)" eval '! opens "$pid" e2'
check "... and sends nothing meanwhile" test "$(swarm_events | wc -l)" = "$sent"
release
wait "$pid"
RC=$? OUT=$(cat "$TEST_TMP/out") ERR=$(cat "$TEST_TMP/err")
expect_rc 0 "once the lock is free, swarm-down goes on"
expect_out "e1: left the swarm" "e1 left"
expect_out "e2: left the swarm" "e2 left"

# Names may come from --manager and --worker alone (none at all is a usage
# error); swarm-up waits for the lock as swarm-down does.
hold e2
sent=$(swarm_events | wc -l)
machinectl swarm-up --manager e1 --worker e2 >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
pid=$!
check "swarm-up waits for e2's lock, which the test holds" waiting "$pid" e2
check "... and sends nothing meanwhile" test "$(swarm_events | wc -l)" = "$sent"
release
wait "$pid"
RC=$? OUT=$(cat "$TEST_TMP/out") ERR=$(cat "$TEST_TMP/err")
expect_rc 0 "swarm-up --manager e1 --worker e2, no name as an argument"
expect_out "e1: initialized a new swarm" "e1 manages"
expect_out "e2: joined as a worker" "e2 joins as a worker"
for args in "" --force; do
	run mc swarm-up $args
	expect_rc 2 "swarm-up ${args:+$args }naming no machine is a usage error"
	expect_err '"swarm-up" requires at least 1 machine: name it as an argument, or with --manager or --worker' \
		"... saying how to name one"
done
done_testing
