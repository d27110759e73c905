#!/bin/bash
# swarm-up's error cases against fixtures that fake dockerd's swarm API
# (tests/lib/tls-fixture.c): a node in another swarm (refused with nothing
# changed, then --force), a first manager that is a worker elsewhere, one that
# already manages a swarm, a join token refused, port 2377 blocked (and the
# node left pending), a manager that is unreachable or never answers, a
# stopped machine.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
. "$MC_SRCDIR/tests/lib/swarm-lib.sh"

check "store CA and the fixtures' server certificate" swarm_setup
check "machines n1 n2 on fixtures" eval 'swarm_node n1 && swarm_node n2'
check "machine fw: a worker in another swarm" swarm_node fw foreign-worker

# --- a node in another swarm ---
snap=$(swarm_snapshot)
run mc swarm-up n1 n2 fw
expect_rc 1 "a node in another swarm: swarm-up fails"
expect_err "fw is already in another swarm (as a worker, managed by 192.0.2.1:2377): use --force to make it leave and join this one" \
	"the error names the node, its swarm and the way out"
expect_one_line_err "one error line"
check "nothing changed: no POST" test -z "$(swarm_events)"
check "nothing changed: the fixtures' state" test "$(swarm_snapshot)" = "$snap"
check "no table" test -z "$OUT"

run mc swarm-up --force n1 n2 fw
expect_rc 0 "with --force"
expect_out "fw: left its old swarm and joined this one (--force)" "fw left and joined"
check "fw left (with force) before joining" \
	test "$(swarm_events | grep '^fw' | xargs)" = "fw POST /swarm/leave?force=true 200 fw POST /swarm/join 200"
check "fw is a worker of n1's swarm" grep -qE '^fw +worker +ready' <<<"$OUT"
check "the other swarm lists it as down, as docker's does" \
	test "$(swarm_state '[.swarms["foreign-swarm"].Members[] | .Role + ":" + .State] | join(" ")')" = "manager:ready worker:down"

# --- the first manager in another swarm ---
check "machine fw2: a worker in another swarm" swarm_node fw2 foreign-worker
run mc swarm-up fw2 n1
expect_rc 1 "a first manager that is a worker elsewhere: fails"
expect_err "fw2 is in another swarm (as a worker, managed by 192.0.2.1:2377) and cannot start a new one: use --force to make it leave first" \
	"the error names it"
check "nothing changed" test -z "$(swarm_events | grep -E '^(fw2|n1) ' | grep -v 'n1 POST /swarm/init')"

# --- the first manager already manages a swarm: that swarm is used ---
check "machines fm (manager of its own swarm) and n3" eval 'swarm_node fm foreign-manager && swarm_node n3'
run mc swarm-up fm n3
expect_rc 0 "a first manager that manages a swarm: its swarm is used"
expect_out "fm: already in this swarm" "fm is left as it is"
expect_out "n3: joined as a worker" "n3 joins it"
check "at the address the swarm knows its manager by" \
	test "$(swarm_state ".nodes[\"$PORT_n3\"].JoinRequest.RemoteAddrs[0]")" = "192.0.2.2:2377"

# --- a join refused (token) ---
check "machines n4 and jr (joins refused)" eval 'swarm_node n4 && swarm_node jr join-refused'
run mc swarm-up --advertise-addr n4=127.0.0.4 n4 jr
expect_rc 1 "a refused join: swarm-up fails"
expect_err "jr: joining the swarm of n4 at 127.0.0.4:2377: POST /swarm/join: the Docker daemon answered HTTP 400: rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster" \
	"the error names the node, the manager and the daemon's message"
expect_out "n4: initialized a new swarm" "what did happen is said"

# --- port 2377 blocked ---
check "machine bl (2377 of the manager filtered)" swarm_node bl blocked
run mc swarm-up n4 bl
expect_rc 1 "a join that times out: swarm-up fails"
expect_err "bl: joining the swarm of n4 at 127.0.0.4:2377: POST /swarm/join: the Docker daemon answered HTTP 503: Timeout was reached before node joined." \
	"the error names the node and the daemon's message"
expect_err "(bl cannot reach 127.0.0.4:2377: is TCP port 2377 of n4 open to it? Once it is, run swarm-up again with --force)" \
	"and says what to check"
check "the fixture keeps bl pending, as dockerd does" test "$(swarm_state ".nodes[\"$PORT_bl\"].State")" = pending
run mc swarm-up n4 bl
expect_rc 1 "again: the pending node is refused"
expect_err "bl is still trying to join a swarm (its swarm state is \"pending\"): use --force to make it leave and join this one" \
	"with what to do"

# --- the manager unreachable, or never answering ---
mc create --driver none --url tcp://127.0.0.1:1 dead >/dev/null
check "machine n5" swarm_node n5
run mc swarm-up dead n5
expect_rc 1 "an unreachable manager: swarm-up fails"
expect_err "dead: reading its swarm state (it is to be a manager): GET /info: cannot connect to the Docker daemon at 127.0.0.1:1: Connection refused" \
	"the error names the manager and why"
check "nothing changed on n5" test -z "$(swarm_events | grep '^n5 ')"
fixture_start HANGPORT --hang
mc create --driver none --url "tcp://127.0.0.1:$HANGPORT" mute >/dev/null
run mc swarm-up mute n5
expect_rc 1 "a manager that never answers: swarm-up fails"
expect_err "mute: reading its swarm state (it is to be a manager): GET /info: the Docker daemon at 127.0.0.1:$HANGPORT did not answer in time" \
	"the error names the manager and says it did not answer"
check "nothing changed on n5" test -z "$(swarm_events | grep '^n5 ')"

# --- a stopped machine ---
mc create --driver test st >/dev/null && mc stop st >/dev/null
run mc swarm-up n5 st
expect_rc 1 "a stopped machine: swarm-up fails"
expect_err 'Host "st" is not running' "docker-machine's message"
check "nothing changed on n5" test -z "$(swarm_events | grep '^n5 ')"

# --- swarm-down with a node that does not answer ---
run mc swarm-down n5 dead
expect_rc 1 "swarm-down with an unreachable node fails"
expect_err "dead: reading its swarm state: GET /info: cannot connect to the Docker daemon at 127.0.0.1:1" \
	"and names it"
expect_out "n5: was not in a swarm" "the others are still handled"

run mc swarm-up n5 nosuch
expect_rc 1 "an unknown machine: swarm-up fails"
check "and names it, saying what to do: $ERR" \
	test "$ERR" = 'Error: Docker machine "nosuch" does not exist: create it first, or add --create'
check "nothing changed on n5" test -z "$(swarm_events | grep '^n5 ')"
# Every machine that is not there is named at once, in the order given.
run mc swarm-up --worker nosuch2 nosuch1 n5
expect_rc 1 "two unknown machines: swarm-up fails"
check "and names both: $ERR" \
	test "$ERR" = 'Error: Docker machines "nosuch1", "nosuch2" do not exist: create them first, or add --create'
run mc swarm-up n5 'bad!name'
expect_rc 2 "an invalid name is a usage error"
expect_err "invalid machine name 'bad!name'" "and says why"
done_testing
