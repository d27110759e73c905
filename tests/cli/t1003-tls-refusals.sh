#!/bin/bash
# Refusals that must happen, each with a clear message: a server certificate
# from another CA, an expired one, an IP not in its SANs, and a client
# without (the right) certificate.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
plan 19

mc create --driver none --url tcp://127.0.0.1:1 bootstrap >/dev/null
DOCKER=$(docker_client)
docker_to() { # docker_to MACHINE: `docker version` after eval $(machinectl env MACHINE)
	run bash -c "export HOME='$TEST_TMP' DOCKER_CONFIG='$TEST_TMP/.docker'; eval \"\$('$MC_BIN' env --shell bash $1)\" && '$DOCKER' version"
}

# 1. The daemon's certificate comes from another CA.
"$MKCERT" ca "$TEST_TMP/other" >/dev/null
"$MKCERT" server "$TEST_TMP/other" "$TEST_TMP/o.pem" "$TEST_TMP/o-key.pem" fx --ip 127.0.0.1
fixture_start P1 --cert "$TEST_TMP/o.pem" --key "$TEST_TMP/o-key.pem" --ca "$STORE/certs/ca.pem"
mc create --driver none --url "tcp://127.0.0.1:$P1" otherca >/dev/null
run mc version otherca
expect_rc 1 "another CA: version fails"
expect_err 'machine "otherca": GET /version at 127.0.0.1:' "another CA: names machine and endpoint"
expect_err "is not trusted" "another CA: says the certificate is not trusted"
expect_err "comes from another CA; run 'machinectl regenerate-certs otherca'" "another CA: says why and what to do"

# 2. An expired server certificate (back-dated with machinectl's own code).
"$MKCERT" server "$STORE/certs" "$TEST_TMP/e.pem" "$TEST_TMP/e-key.pem" fx --ip 127.0.0.1 --days 10 --start-days-ago 40
check "openssl agrees the certificate is expired" \
	bash -c "! openssl verify -CAfile '$STORE/certs/ca.pem' '$TEST_TMP/e.pem' >/dev/null 2>&1"
fixture_start P2 --cert "$TEST_TMP/e.pem" --key "$TEST_TMP/e-key.pem" --ca "$STORE/certs/ca.pem"
mc create --driver none --url "tcp://127.0.0.1:$P2" expired >/dev/null
run mc version expired
expect_rc 1 "expired: version fails"
expect_err "certificate has expired" "expired: says so"
expect_err "regenerate-certs expired" "expired: says what to do"

# 3. The machine's IP is not in the certificate's SANs (openssl-made: only 10.0.0.1).
server_cert_openssl "$STORE/certs" "$TEST_TMP/w" "IP:10.0.0.1,DNS:elsewhere"
fixture_start P3 --cert "$TEST_TMP/w.pem" --key "$TEST_TMP/w-key.pem" --ca "$STORE/certs/ca.pem"
mc create --driver none --url "tcp://127.0.0.1:$P3" wrongip >/dev/null
run mc version wrongip
expect_rc 1 "IP not in SANs: version fails"
expect_err "the daemon's certificate is valid for 10.0.0.1, elsewhere, not 127.0.0.1" "IP not in SANs: names both"

# 4. The daemon does not trust our client certificate (it trusts another CA).
server_cert_openssl "$STORE/certs" "$TEST_TMP/g" "IP:127.0.0.1"
fixture_start P4 --cert "$TEST_TMP/g.pem" --key "$TEST_TMP/g-key.pem" --ca "$TEST_TMP/other/ca.pem"
mc create --driver none --url "tcp://127.0.0.1:$P4" badclient >/dev/null
run mc version badclient
expect_rc 1 "client certificate refused: version fails"
expect_err "the daemon refused the client certificate $STORE/machines/badclient/cert.pem" "client refused: names our certificate"

# 5. No client certificate at all.
rm "$STORE/machines/badclient/cert.pem"
run mc version badclient
expect_rc 1 "no client certificate: version fails"
expect_err "the client certificate $STORE/machines/badclient/cert.pem is missing" "no client certificate: names the file"
if command -v curl >/dev/null; then
	run curl -sS --max-time 5 --cacert "$STORE/certs/ca.pem" "https://127.0.0.1:$P4/version"
	check "the fixture refuses a client without a certificate (curl)" test "$RC" != 0
else
	ok "# SKIP no curl"
fi

# The docker client refuses the same peers.
if [ -n "$DOCKER" ]; then
	docker_to otherca
	check "docker refuses another CA's certificate" test "$RC" != 0
	docker_to expired
	check "docker refuses an expired certificate" test "$RC" != 0
	docker_to wrongip
	check "docker refuses a certificate without the IP" test "$RC" != 0
else
	for i in 1 2 3; do ok "# SKIP no docker client (install docker.io)"; done
fi

run mc ls --format '{{.Name}}|{{.DockerVersion}}|{{.Error}}' --filter name=expired
check "ls: DOCKER Unknown and the reason in ERRORS" grep -q '^expired|Unknown|GET /info at .*certificate has expired' <<<"$OUT"
done_testing
