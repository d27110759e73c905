# Helpers for the TLS CLI tests (tests/cli/t1*.sh), on top of cli-lib.sh:
# loopback fixtures that answer like dockerd, and certificates for them.
#
#   . "$MC_SRCDIR/tests/lib/cli-lib.sh"
#   . "$MC_SRCDIR/tests/lib/tls-lib.sh"
#   fixture_start PORTS_VAR --cert S --key K --ca C [--count N] [--hang]
#
# Every fixture started here is stopped (SIGTERM, then waited for) at exit.

: "${MC_BUILDDIR:=$(dirname "$MC_BIN")}"
FIXTURE="$MC_BUILDDIR/tests/lib/tls-fixture"
MKCERT="$MC_BUILDDIR/tests/lib/tls-mkcert"
_fixture_pids=()

_fixtures_stop() {
	local p
	for p in "${_fixture_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${_fixture_pids[@]}"; do wait "$p" 2>/dev/null || true; done
	_fixture_pids=()
}
at_exit _fixtures_stop

# fixture_start VAR ARGS...: start a fixture; VAR receives its port(s), space-separated.
fixture_start() {
	local var=$1 pf i
	shift
	pf=$(mktemp -u "$TEST_TMP/ports.XXXXXX")
	"$FIXTURE" --port-file "$pf" --lifetime 300 "$@" </dev/null >"$pf.log" 2>&1 &
	_fixture_pids+=($!)
	for ((i = 0; i < 200; i++)); do
		[ -s "$pf" ] && break
		sleep 0.05
	done
	if [ ! -s "$pf" ]; then
		echo "# fixture did not start: $(cat "$pf.log")"
		printf -v "$var" '%s' ""
		return 1
	fi
	printf -v "$var" '%s' "$(tr '\n' ' ' <"$pf" | sed 's/ $//')"
}

# server_cert_openssl CA_DIR OUT_PREFIX SAN: a server certificate made with the
# openssl CLI (independent of machinectl's own code), e.g. SAN="IP:127.0.0.1".
server_cert_openssl() {
	local ca=$1 out=$2 san=$3
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=test/CN=fixture" \
		-keyout "$out-key.pem" -out "$out.csr" 2>/dev/null &&
		printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n' "$san" >"$out.ext" &&
		openssl x509 -req -in "$out.csr" -CA "$ca/ca.pem" -CAkey "$ca/ca-key.pem" -CAcreateserial \
			-days 30 -extfile "$out.ext" -out "$out.pem" 2>/dev/null
}

# Debian's docker client (package docker.io), else any docker in PATH.
docker_client() {
	if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker || true; fi
}

# verify CA_FILE CERT: openssl verify, quietly.
verify() { openssl verify -CAfile "$1" "$2" >/dev/null 2>&1; }
