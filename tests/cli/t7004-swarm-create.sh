#!/bin/bash
# swarm-up --create: the named machines that do not exist yet are created first
# (with --driver and create's flags), then the swarm is made; a second run
# creates nothing and changes nothing.  Without --create, create's options and
# the driver's flags are usage errors; swarm-up --help lists them.  The new
# machine's daemon is a swarm fixture (tests/lib/tls-fixture.c) reached
# through the test driver's --test-engine-port.
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

# create's options and the driver's flags shape the machines --create makes:
# given without --create they would do nothing, so they are usage errors,
# before anything is created or sent.  Their defaults in the environment and
# config.ini are no such error.
sent=$(swarm_events | wc -l)
for opt in "--driver test" "--test-engine-port $newport" "--test-memory 128" "--engine-label a=b" "--no-share"; do
	run env MACHINECTL_DRIVER=test machinectl swarm-up $opt new2 old1
	expect_rc 2 "swarm-up ${opt%% *} without --create is a usage error"
	expect_err "${opt%% *} applies only with --create (to the machines it creates): add --create, or leave ${opt%% *} out" \
		"... naming it, and what to do"
done
check "nothing was created" test ! -e "$STORE/machines/new2"
check "nothing was sent" test "$(swarm_events | wc -l)" = "$sent"
run env MACHINECTL_DRIVER=test TEST_MEMORY=128 MACHINECTL_TLS_KEY_TYPE=rsa-2048 machinectl swarm-up new1 old1
expect_rc 0 "driver flags and create options from the environment are no error"
printf '[defaults]\ndriver = test\nmemory = 128\n[driver.test]\ntest-memory = 256\n' >"$STORE/config.ini"
run mc swarm-up new1 old1
expect_rc 0 "... nor from config.ini"
rm "$STORE/config.ini"

# swarm-up --help lists create's options, as create --help does (and the
# driver's flags).
long_opts() { grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | sed 's/.*--/--/'; }
with_create() { sed -n '/^With --create, the options of create:$/,/^$/p' | long_opts; }
create_opts=$(mc create --help | sed -n '/^Options:$/,/^$/p' | long_opts)
run mc swarm-up --help
expect_rc 0 "swarm-up --help"
check "lists create's options ($(wc -l <<<"$create_opts")), under --create" \
	test -n "$create_opts" -a "$(with_create <<<"$OUT")" = "$create_opts"
check "... and then the driver's flags" grep -q '^Options of the .* driver:$' <<<"$OUT"
check "help swarm-up lists them too" test "$(mc help swarm-up | with_create)" = "$create_opts"

run mc swarm-up --create --driver nosuchdriver new2 old1
expect_rc 1 "--create with a missing driver fails"
expect_err 'driver "nosuchdriver" not found' "and names the driver"
check "nothing was created" test ! -e "$STORE/machines/new2"
done_testing
