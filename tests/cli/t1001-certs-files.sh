#!/bin/bash
# TLS files: the store CA and client certificate, the per-machine copies and
# server certificates for every key type, the offline check in env/config,
# and a new server certificate when start/restart finds a new IP.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
plan 59

C="$STORE/certs"
mode() { stat -c %a "$1"; }
# san_of CERT: the subjectAltName line, as "IP Address:1.2.3.4, DNS:x, ..."
san_of() { openssl x509 -in "$1" -noout -ext subjectAltName | tail -n +2 | sed 's/^ *//'; }

run mc create --driver none --url tcp://127.0.0.1:2376 n1
expect_rc 0 "create (none) succeeds"
expect_out "Creating CA: $C/ca.pem" "create says it makes the CA"
expect_out "Creating client certificate: $C/cert.pem" "create says it makes the client certificate"
check "CA key is 0600" [ "$(mode "$C/ca-key.pem")" = 600 ]
check "client key is 0600" [ "$(mode "$C/key.pem")" = 600 ]
check "certs/ is 0700" [ "$(mode "$C")" = 700 ]
check "machine dir holds ca.pem, cert.pem, key.pem" \
	test -f "$STORE/machines/n1/ca.pem" -a -f "$STORE/machines/n1/cert.pem" -a -f "$STORE/machines/n1/key.pem"
check "machine key copy is 0600" [ "$(mode "$STORE/machines/n1/key.pem")" = 600 ]
check "the CA key is never copied into a machine" [ -z "$(find "$STORE/machines" -name 'ca-key*')" ]
check "the none machine has no server certificate" [ ! -e "$STORE/machines/n1/server.pem" ]
check "the client certificate verifies against the CA (openssl verify)" \
	verify "$C/ca.pem" "$C/cert.pem"
check "CA: basicConstraints critical CA:TRUE" \
	bash -c "openssl x509 -in '$C/ca.pem' -noout -ext basicConstraints | tr -d '\n' | grep -q 'critical *CA:TRUE'"
check "CA: keyUsage has Certificate Sign" \
	bash -c "openssl x509 -in '$C/ca.pem' -noout -ext keyUsage | grep -q 'Certificate Sign'"
check "client: extendedKeyUsage is clientAuth" \
	bash -c "openssl x509 -in '$C/cert.pem' -noout -ext extendedKeyUsage | grep -q 'TLS Web Client Authentication'"
ca_sum=$(md5sum <"$C/ca.pem")

run mc create --driver none --url tcp://127.0.0.1:2377 n2
expect_rc 0 "a second create succeeds"
check "a second create reuses the CA (no 'Creating CA')" bash -c "! grep -q 'Creating CA' <<<\"\$0\"" "$OUT"
check "the CA is unchanged" [ "$(md5sum <"$C/ca.pem")" = "$ca_sum" ]

run mc env --shell bash n1
expect_rc 0 "env works for a none machine"
expect_out "export DOCKER_CERT_PATH=\"$STORE/machines/n1\"" "env points DOCKER_CERT_PATH at the machine dir"

# Server certificates, one machine per key type (the test driver has SSH, so
# create makes one; its IP is 127.0.0.1).
for kt in ecdsa-p256 rsa-2048 rsa-4096; do
	run mc create --driver test --tls-key-type "$kt" --tls-san docker.example --tls-san 10.1.2.3 "m-$kt"
	expect_rc 0 "create --tls-key-type $kt succeeds"
	d="$STORE/machines/m-$kt"
	check "$kt: server.pem verifies against the CA (openssl verify)" verify "$C/ca.pem" "$d/server.pem"
	check "$kt: SANs are IP, name, localhost, 127.0.0.1 and the --tls-san values" \
		[ "$(san_of "$d/server.pem")" = "IP Address:127.0.0.1, DNS:m-$kt, DNS:localhost, DNS:docker.example, IP Address:10.1.2.3" ]
	case $kt in
	ecdsa-p256) want="id-ecPublicKey" ;;
	rsa-2048) want="(2048 bit)" ;;
	rsa-4096) want="(4096 bit)" ;;
	esac
	check "$kt: key type" bash -c "openssl x509 -in '$d/server.pem' -noout -text | grep -qF '$want'"
done
d="$STORE/machines/m-ecdsa-p256"
check "server: extendedKeyUsage serverAuth" \
	bash -c "openssl x509 -in '$d/server.pem' -noout -ext extendedKeyUsage | grep -q 'TLS Web Server Authentication'"
check "server key is 0600" [ "$(mode "$d/server-key.pem")" = 600 ]
serial=$(openssl x509 -in "$d/server.pem" -noout -serial | cut -d= -f2)
check "serial is 128 random bits (32 hex digits)" [ ${#serial} = 32 ]
nb=$(date -d "$(openssl x509 -in "$d/server.pem" -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in "$d/server.pem" -noout -enddate | cut -d= -f2)" +%s)
now=$(date +%s)
check "valid from about 5 minutes ago" [ $((now - nb)) -ge 290 -a $((now - nb)) -le 330 ]
check "valid for 1080 days" [ $((na - nb)) = $((1080 * 86400)) ]

# The offline check: a machine whose IP changed.
run mc env --shell bash m-ecdsa-p256
expect_rc 0 "env works while the IP matches"
sed -i 's/"IPAddress": "127.0.0.1"/"IPAddress": "10.9.8.7"/' "$d/config.json"
run mc env --shell bash m-ecdsa-p256
expect_rc 1 "env fails after the IP changed"
expect_err "valid for 127.0.0.1, 10.1.2.3, not 10.9.8.7" "the error names the old and the new IP"
expect_err "regenerate-certs m-ecdsa-p256" "the error names the command that fixes it"
run mc config m-ecdsa-p256
expect_rc 1 "config runs the same check"
run mc restart m-ecdsa-p256
expect_rc 0 "restart succeeds"
expect_out "new IP address (10.9.8.7, was 127.0.0.1, 10.1.2.3): regenerating its TLS server certificate" \
	"restart regenerates the server certificate for the new IP"
check "the new server certificate holds the new IP" \
	bash -c "openssl x509 -in '$d/server.pem' -noout -ext subjectAltName | grep -q 'IP Address:10.9.8.7'"
run mc env --shell bash m-ecdsa-p256
expect_rc 0 "env works again after the restart"

# With the check's result cached (machines/NAME/.tls-check), env needs no
# OpenSSL: libcrypto is loaded on first use (src/crypto-lazy.c), and the
# loader's own report (LD_DEBUG=libs) shows whether it was.
run env LD_DEBUG=libs machinectl env --shell bash m-ecdsa-p256
expect_rc 0 "env works with the loader's report on"
check "env with a cached check loads no libcrypto or libssl" bash -c "! grep -E 'init: .*lib(crypto|ssl)\.so' <<<\"\$0\"" "$ERR"
rm "$d/.tls-check"
run env LD_DEBUG=libs machinectl env --shell bash m-ecdsa-p256
expect_rc 0 "env works without the cache"
check "without the cache env loads libcrypto to verify the certificates" \
	bash -c "grep -qE 'init: .*libcrypto\.so' <<<\"\$0\"" "$ERR"
check "and caches the result again" test -s "$d/.tls-check"

# A library loaded on first use that is broken (a half-upgraded installation):
# one that lacks a function, one that is no library.  The process ends with a
# message naming the package to reinstall, not with an abort.
mkdir -p "$TEST_TMP/stub" "$TEST_TMP/junk"
echo 'int nothing(void) { return 0; }' >"$TEST_TMP/stub.c"
${CC:-cc} -shared -fPIC -o "$TEST_TMP/stub/libcurl.so.4" "$TEST_TMP/stub.c"
echo junk >"$TEST_TMP/junk/libcurl.so.4"
run env LD_LIBRARY_PATH="$TEST_TMP/stub" machinectl version m-ecdsa-p256
expect_rc 1 "a libcurl without its functions: exit 1, no abort"
expect_err "Error: libcurl.so.4 has no function curl_" "the missing function is named"
expect_err "reinstall or upgrade the package libcurl4 (apt install --reinstall libcurl4)" "and the package to reinstall"
run env LD_LIBRARY_PATH="$TEST_TMP/junk" machinectl version m-ecdsa-p256
check "a libcurl.so.4 that is no library: exit 1, the file and the package named ($ERR)" \
	test "$RC" = 1 -a -n "$(grep -F "Error: cannot load libcurl.so.4 ($TEST_TMP/junk/libcurl.so.4: " <<<"$ERR" | grep -F 'package libcurl4')"

# A CA key without its certificate.
mv "$C/ca.pem" "$TEST_TMP/ca.pem.saved"
run mc create --driver none --url tcp://127.0.0.1:2378 n3
expect_rc 1 "create refuses a CA key without its certificate"
expect_err "the CA key $C/ca-key.pem exists but its certificate $C/ca.pem is missing" "and says which file is missing"
mv "$TEST_TMP/ca.pem.saved" "$C/ca.pem"

# Bring your own CA and client certificate.
"$MKCERT" ca "$TEST_TMP/own" >/dev/null
run mc --tls-ca-cert "$TEST_TMP/own/ca.pem" --tls-ca-key "$TEST_TMP/own/ca-key.pem" \
	--tls-client-cert "$TEST_TMP/own/cert.pem" --tls-client-key "$TEST_TMP/own/key.pem" create --driver test own1
expect_rc 0 "create with --tls-ca-cert/--tls-ca-key/--tls-client-* succeeds"
check "the machine uses the user's CA" cmp -s "$TEST_TMP/own/ca.pem" "$STORE/machines/own1/ca.pem"
check "its server certificate is signed by the user's CA" \
	verify "$TEST_TMP/own/ca.pem" "$STORE/machines/own1/server.pem"
done_testing
