# Helpers for the swarm CLI tests (tests/cli/t7*.sh), on top of cli-lib.sh and
# tls-lib.sh: `none` machines whose Docker endpoint is a tls-fixture in swarm
# mode; the fixtures of one test share their swarms through one state
# directory (see the header of tests/lib/tls-fixture.c).
#
#   . "$MC_SRCDIR/tests/lib/cli-lib.sh"
#   . "$MC_SRCDIR/tests/lib/tls-lib.sh"
#   . "$MC_SRCDIR/tests/lib/swarm-lib.sh"
#   swarm_setup                       # store CA, the fixtures' server certificate
#   swarm_node m1                     # a machine m1 whose daemon is a new fixture
#   swarm_node m3 foreign-worker      # ... in another swarm (a --swarm-mode)
#   swarm_events                      # the POSTs the fixtures received
#
# Every fixture is stopped at exit (tls-lib.sh).

SWARM_STATE="$TEST_TMP/swarm-state"

swarm_setup() {
	mkdir -p "$SWARM_STATE"
	mc create --driver none --url tcp://127.0.0.1:1 bootstrap >/dev/null &&
		mc rm -y bootstrap >/dev/null &&
		server_cert_openssl "$STORE/certs" "$TEST_TMP/fx" "IP:127.0.0.1"
}

# swarm_node NAME [MODE [FIXTURE ARGS...]]: start a fixture, create NAME on it;
# its port is in PORT_NAME (dashes become underscores).
swarm_node() {
	local name=$1 mode=${2:-normal} port var
	shift 2 2>/dev/null || shift $#
	fixture_start port --cert "$TEST_TMP/fx.pem" --key "$TEST_TMP/fx-key.pem" --ca "$STORE/certs/ca.pem" \
		--state-dir "$SWARM_STATE" --swarm-mode "$mode" "$@" || return 1
	var="PORT_${name//-/_}"
	printf -v "$var" '%s' "$port"
	mc create --driver none --url "tcp://127.0.0.1:$port" "$name" >/dev/null
}

# The POSTs received so far, one per line: "NAME METHOD PATH STATUS"
# (machine names instead of ports).
swarm_events() {
	local line port rest name v
	[ -f "$SWARM_STATE/events.log" ] || return 0
	while read -r port rest; do
		name=$port
		for v in ${!PORT_*}; do
			[ "${!v}" = "$port" ] && name=${v#PORT_}
		done
		echo "$name $rest"
	done <"$SWARM_STATE/events.log"
}

# swarm_state JQ: query the fixtures' shared state.
swarm_state() { jq -r "$1" "$SWARM_STATE/state.json"; }

# A digest of the fixtures' state, to prove that nothing changed.
swarm_snapshot() { md5sum <"$SWARM_STATE/state.json"; }
