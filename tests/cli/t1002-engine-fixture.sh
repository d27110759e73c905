#!/bin/bash
# The Docker Engine API client against a loopback TLS peer that answers like
# dockerd: ls shows the daemon's version, `version NAME` prints it, and
# Debian's docker client talks to it after `eval $(machinectl env NAME)`.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
plan 16

# The store's CA exists after the first create; the fixture's server
# certificate is made by the test (openssl CLI) with that CA, for 127.0.0.1.
mc create --driver none --url tcp://127.0.0.1:1 bootstrap >/dev/null
check "server certificate for the fixture (openssl, store CA)" \
	server_cert_openssl "$STORE/certs" "$TEST_TMP/fx" "IP:127.0.0.1"
check "it verifies against the store CA" verify "$STORE/certs/ca.pem" "$TEST_TMP/fx.pem"
fixture_start PORT --cert "$TEST_TMP/fx.pem" --key "$TEST_TMP/fx-key.pem" --ca "$STORE/certs/ca.pem"
check "fixture started on a free port ($PORT)" test -n "$PORT"

run mc create --driver none --url "tcp://127.0.0.1:$PORT" fx
expect_rc 0 "create a none machine pointing at the fixture"

run mc ls --filter name=^fx$
expect_rc 0 "ls succeeds"
check "ls shows DOCKER v20.10.24 and no error" grep -qE "^fx +- +none +Running +tcp://127.0.0.1:$PORT +v20.10.24 *\$" <<<"$OUT"
run mc ls --format '{{.Name}} {{.DockerVersion}} [{{.Error}}]'
check "a daemon that refuses shows Unknown and why" \
	grep -q '^bootstrap Unknown \[GET /info: cannot connect to the Docker daemon at 127.0.0.1:1: Connection refused' <<<"$OUT"
check "--format DockerVersion" grep -qx 'fx v20.10.24 \[\]' <<<"$OUT"

run mc version fx
expect_rc 0 "version NAME succeeds"
check "version NAME prints the daemon's version" test "$OUT" = "20.10.24"
run mc version bootstrap
expect_rc 1 "version NAME fails when the daemon does not answer"
expect_err 'machine "bootstrap": GET /version: cannot connect to the Docker daemon at 127.0.0.1:1' \
	"and says which machine, which endpoint and why"

DOCKER=$(docker_client)
if [ -n "$DOCKER" ]; then
	run bash -c "export HOME='$TEST_TMP' DOCKER_CONFIG='$TEST_TMP/.docker'; eval \"\$('$MC_BIN' env --shell bash fx)\" && '$DOCKER' version"
	expect_rc 0 "docker version after eval \$(machinectl env fx)"
	expect_out "Version:           20.10.24" "the docker client shows the server's version"
	expect_out "API version:      1.41" "and its API version"
	run bash -c "export HOME='$TEST_TMP' DOCKER_CONFIG='$TEST_TMP/.docker'; eval \"\$('$MC_BIN' env --shell bash fx)\" && '$DOCKER' info --format '{{.ServerVersion}} {{.OperatingSystem}}'"
	check "docker info reads /info" test "$OUT" = "20.10.24 machinectl tls-fixture"
else
	for i in 1 2 3 4; do ok "# SKIP no docker client (install docker.io)"; done
fi
done_testing
