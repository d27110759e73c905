#!/bin/bash
# Refusals that must happen, each with a clear message: a server certificate
# from another CA, an expired one, an IP not in its SANs, and a client
# without (the right) certificate.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"

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
expect_err "the daemon's certificate is valid for IP 10.0.0.1 and DNS elsewhere, not IP 127.0.0.1" "IP not in SANs: names both, with their types"

# 3b. Host name checks as the docker client (Go's crypto/tls) makes them: an
# IP address against the IP SANs only, never the subject's CN or a DNS SAN
# that spells the address.  A CA-signed certificate with CN=127.0.0.1 and no
# SAN was once accepted (libcurl falls back to the CN).
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=test/CN=127.0.0.1" \
	-keyout "$TEST_TMP/cn-key.pem" -out "$TEST_TMP/cn.csr" 2>/dev/null
printf 'extendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\n' >"$TEST_TMP/cn.ext"
openssl x509 -req -in "$TEST_TMP/cn.csr" -CA "$STORE/certs/ca.pem" -CAkey "$STORE/certs/ca-key.pem" -CAcreateserial \
	-days 30 -extfile "$TEST_TMP/cn.ext" -out "$TEST_TMP/cn.pem" 2>/dev/null
check "openssl: the CN-only certificate is signed by the store's CA" verify "$STORE/certs/ca.pem" "$TEST_TMP/cn.pem"
fixture_start P6 --cert "$TEST_TMP/cn.pem" --key "$TEST_TMP/cn-key.pem" --ca "$STORE/certs/ca.pem"
mc create --driver none --url "tcp://127.0.0.1:$P6" cnonly >/dev/null
run mc version cnonly
expect_rc 1 "CN=127.0.0.1 without SANs: version fails"
expect_err "valid for IP none and DNS none (its subject CN does not count), not IP 127.0.0.1" "CN only: says the CN does not count"
server_cert_openssl "$STORE/certs" "$TEST_TMP/d" "DNS:127.0.0.1"
fixture_start P7 --cert "$TEST_TMP/d.pem" --key "$TEST_TMP/d-key.pem" --ca "$STORE/certs/ca.pem"
mc create --driver none --url "tcp://127.0.0.1:$P7" dnsip >/dev/null
run mc version dnsip
expect_rc 1 "127.0.0.1 only as a DNS SAN: version fails"
expect_err "valid for IP none and DNS 127.0.0.1, not IP 127.0.0.1 (an IP address must be one of its IP SANs" \
	"a DNS SAN spelling the IP: the message tells the two apart"
# A name is checked against the DNS SANs (a driver's URL may hold one).
server_cert_openssl "$STORE/certs" "$TEST_TMP/n" "DNS:localhost"
fixture_start P8 --cert "$TEST_TMP/n.pem" --key "$TEST_TMP/n-key.pem" --ca "$STORE/certs/ca.pem"
mc create --driver none --url "tcp://localhost:$P8" byname >/dev/null
run mc version byname
expect_rc 0 "a name in the DNS SANs: version works"
mc create --driver none --url "tcp://127.0.0.1:$P8" byname-ip >/dev/null
run mc version byname-ip
expect_rc 1 "the same certificate reached by IP: refused (no IP SAN)"
server_cert_openssl "$STORE/certs" "$TEST_TMP/i" "IP:127.0.0.1"
fixture_start P9 --cert "$TEST_TMP/i.pem" --key "$TEST_TMP/i-key.pem" --ca "$STORE/certs/ca.pem"
mc create --driver none --url "tcp://localhost:$P9" ip-byname >/dev/null
run mc version ip-byname
expect_rc 1 "a certificate with only an IP SAN reached by name: refused"
expect_err "valid for IP 127.0.0.1 and DNS none, not DNS localhost (a name must match one of its DNS SANs" "by name: says so"

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
	docker_to cnonly
	check "docker refuses CN=127.0.0.1 without SANs, as machinectl does" test "$RC" != 0
	docker_to dnsip
	check "docker refuses 127.0.0.1 as a DNS SAN, as machinectl does" test "$RC" != 0
else
	for i in 1 2 3 4 5; do ok "# SKIP no docker client (install docker.io)"; done
fi

run mc ls --format '{{.Name}}|{{.DockerVersion}}|{{.Error}}' --filter name=expired
check "ls: DOCKER Unknown and the reason in ERRORS" grep -q '^expired|Unknown|GET /info at .*certificate has expired' <<<"$OUT"
done_testing
