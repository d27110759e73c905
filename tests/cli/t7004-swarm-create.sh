#!/bin/bash
# swarm-up --create: the named machines that do not exist yet are created first
# (with --driver and create's flags), then the swarm is made; a second run
# creates nothing and changes nothing.  The new machine's daemon is a swarm
# fixture (tests/lib/tls-fixture.c) reached through the test driver's
# --test-engine-port.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
. "$MC_SRCDIR/tests/lib/swarm-lib.sh"

check "store CA and the fixtures' server certificate" swarm_setup
check "an existing machine on its own fixture" swarm_node old1
fixture_start newport --cert "$TEST_TMP/fx.pem" --key "$TEST_TMP/fx-key.pem" --ca "$STORE/certs/ca.pem" \
	--state-dir "$SWARM_STATE" --swarm-mode normal
check "a fixture for the machine to be created" test -n "$newport"

run mc swarm-up --create --driver test --test-engine-port "$newport" new1 old1
expect_rc 0 "swarm-up --create new1 old1"
expect_out "Creating machine..." "the missing machine is created first"
check "new1 exists, made by the test driver" test "$(mc inspect -f '{{.DriverName}}' new1)" = test
check "old1 was not recreated" test "$(mc inspect -f '{{.DriverName}}' old1)" = none
expect_out "new1: initialized a new swarm" "the new machine (first name) initialises the swarm"
expect_out "old1: joined as a worker" "the existing machine joins"

run mc swarm-up --create --driver test --test-engine-port "$newport" new1 old1
expect_rc 0 "the same command again"
check "nothing is created the second time" bash -c '! grep -q "Creating machine" <<<"$1"' _ "$OUT"
expect_out "Nothing to do: every machine is already in this swarm." "and the swarm is unchanged"

run mc swarm-up --create --driver nosuchdriver new2 old1
expect_rc 1 "--create with a missing driver fails"
expect_err 'driver "nosuchdriver" not found' "and names the driver"
check "nothing was created" test ! -e "$STORE/machines/new2"
done_testing
