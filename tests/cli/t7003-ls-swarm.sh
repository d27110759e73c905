#!/bin/bash
# ls's SWARM column (each machine's role, from GET /info; the leader from
# GET /nodes/ID) and `ls --filter swarm=...`, against fixtures that fake
# dockerd's swarm API (tests/lib/tls-fixture.c).
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
. "$MC_SRCDIR/tests/lib/swarm-lib.sh"

check "store CA and the fixtures' server certificate" swarm_setup
for n in a1 a2 a3 solo; do
	check "machine $n on its own fixture" swarm_node $n
done
mc create --driver none --url tcp://127.0.0.1:1 dead >/dev/null
mc create --driver test off >/dev/null && mc stop off >/dev/null

run mc ls --format '{{.Name}}|{{.Swarm}}|{{.DockerVersion}}'
expect_rc 0 "ls before any swarm"
check "no machine is in a swarm yet" test "$(cut -d'|' -f2 <<<"$OUT" | sort -u)" = ""
check "DOCKER still comes from the daemon (GET /info ServerVersion)" grep -qx 'a1||v20.10.24' <<<"$OUT"

run mc swarm-up --manager a1 --manager a2 a1 a2 a3
expect_rc 0 "swarm-up: a1 (leader), a2 (manager), a3 (worker)"

run mc ls
expect_rc 0 "ls"
check "header unchanged" grep -qE '^NAME +ACTIVE +DRIVER +STATE +URL +SWARM +DOCKER +ERRORS$' <<<"$OUT"
check "a1: manager (leader)" grep -qE "^a1 +- +none +Running +tcp://127.0.0.1:$PORT_a1 +manager \(leader\) +v20.10.24 *\$" <<<"$OUT"
check "a2: manager" grep -qE "^a2 +- +none +Running +tcp://127.0.0.1:$PORT_a2 +manager +v20.10.24 *\$" <<<"$OUT"
check "a3: worker" grep -qE "^a3 +- +none +Running +tcp://127.0.0.1:$PORT_a3 +worker +v20.10.24 *\$" <<<"$OUT"
check "solo: empty SWARM" grep -qE "^solo +- +none +Running +tcp://127.0.0.1:$PORT_solo +v20.10.24 *\$" <<<"$OUT"
check "dead: GET /info's error in ERRORS" grep -qE '^dead .* Unknown +GET /info: cannot connect to the Docker daemon at 127.0.0.1:1' <<<"$OUT"

run mc ls --format json
check "--format json has Swarm" test "$(jq -r '.[] | select(.Name == "a3") | .Swarm' <<<"$OUT")" = worker

f() { mc ls -q "$@" | xargs; }
check "--filter swarm=manager" test "$(f --filter swarm=manager)" = "a1 a2"
check "--filter swarm=worker" test "$(f --filter swarm=worker)" = "a3"
check "--filter swarm=leader" test "$(f --filter swarm=leader)" = "a1"
check "--filter swarm= (in no swarm, or unknown)" test "$(f --filter swarm=)" = "dead off solo"
check "same key twice is OR" test "$(f --filter swarm=worker --filter swarm=leader)" = "a1 a3"
check "with another key: AND" test "$(f --filter swarm=manager --filter name=2)" = "a2"
check "case-insensitive, as state=" test "$(f --filter swarm=Manager)" = "a1 a2"
check "--format Swarm with the filter" \
	test "$(mc ls --filter swarm=manager --format '{{.Name}}={{.Swarm}}' | xargs)" = "a1=manager (leader) a2=manager"

run mc ls --timeout 1 --filter swarm=worker
expect_rc 0 "--timeout still bounds ls with a swarm filter"

run mc swarm-down a1 a2 a3
expect_rc 0 "swarm-down"
check "after swarm-down no machine is a manager" test "$(f --filter swarm=manager)" = ""
check "and all are in no swarm" test "$(f --filter swarm=)" = "a1 a2 a3 dead off solo"
done_testing
