#!/bin/bash
# regenerate-certs: the prompt, new server certificates, and --client-certs
# (a new CA and client certificate, then every machine's files).
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
plan 31

C="$STORE/certs"
mc create --driver test m1 >/dev/null
mc create --driver test --tls-key-type rsa-2048 m2 >/dev/null
mc create --driver none --url tcp://127.0.0.1:1 n1 >/dev/null
sum() { md5sum <"$1"; }
serial() { openssl x509 -in "$1" -noout -serial; }
s1=$(serial "$STORE/machines/m1/server.pem")
ca0=$(sum "$C/ca.pem")

run_stdin "n" mc regenerate-certs m1
expect_rc 1 "answering n changes nothing and fails"
expect_out "Regenerate TLS machine certs?  Warning: this is irreversible. (y/n): " "docker-machine's prompt"
check "the server certificate is unchanged" test "$(serial "$STORE/machines/m1/server.pem")" = "$s1"

run_stdin "y" mc regenerate-certs m1
expect_rc 0 "answering y regenerates"
expect_out 'Regenerating TLS certificates for machine "m1" (127.0.0.1)' "says what it does"
check "m1 has a new server certificate" test "$(serial "$STORE/machines/m1/server.pem")" != "$s1"
check "it verifies against the CA" verify "$C/ca.pem" "$STORE/machines/m1/server.pem"
check "the CA did not change" test "$(sum "$C/ca.pem")" = "$ca0"

run mc regenerate-certs -f m2
expect_rc 0 "-f does not ask"
check "m2 keeps its RSA key type" \
	bash -c "openssl x509 -in '$STORE/machines/m2/server.pem' -noout -text | grep -q '(2048 bit)'"

run mc regenerate-certs -f n1
expect_rc 0 "a none machine: only the client files are copied"
expect_out 'Copied the client certificates for machine "n1"' "and it says so"
check "no server certificate for a none machine" test ! -e "$STORE/machines/n1/server.pem"

rm "$STORE/machines/n1/key.pem"
run mc regenerate-certs -f n1
check "regenerate-certs restores a missing client key copy" test -f "$STORE/machines/n1/key.pem"

run mc regenerate-certs -f nosuch
expect_rc 1 "an unknown machine is an error"
expect_err 'machine "nosuch" does not exist' "that names it"

run mc regenerate-certs -f --client-certs m1
expect_rc 0 "--client-certs succeeds"
check "the CA is new" test "$(sum "$C/ca.pem")" != "$ca0"
ok_all=1
for m in m1 m2 n1; do
	cmp -s "$C/ca.pem" "$STORE/machines/$m/ca.pem" && cmp -s "$C/cert.pem" "$STORE/machines/$m/cert.pem" || ok_all=0
done
check "every machine (not only the named one) has the new CA and client copies" test $ok_all = 1
check "every server certificate is signed by the new CA" \
	bash -c "openssl verify -CAfile '$C/ca.pem' '$STORE/machines/m1/server.pem' '$STORE/machines/m2/server.pem' >/dev/null"
check "the CA key was never copied into a machine" test -z "$(find "$STORE/machines" -name 'ca-key*')"

# --client-certs acts on every machine: it needs no name (issue 23, 12).
ca1=$(sum "$C/ca.pem")
run mc regenerate-certs -f --client-certs
expect_rc 0 "--client-certs without a name succeeds"
check "the CA is new again" test "$(sum "$C/ca.pem")" != "$ca1"
check "and every machine has it" cmp -s "$C/ca.pem" "$STORE/machines/m2/ca.pem"
run mc regenerate-certs -f
expect_rc 1 "without --client-certs a name (or default) is needed"

"$MKCERT" ca "$TEST_TMP/own" >/dev/null
run mc --tls-ca-cert "$TEST_TMP/own/ca.pem" --tls-ca-key "$TEST_TMP/own/ca-key.pem" regenerate-certs -f --client-certs m1
expect_rc 2 "--client-certs refuses to replace a CA the user brought"

# A machine created with its own CA keeps it through regenerate-certs: the
# copies come from that CA, as its server certificate does (issue 23, 4).
O=$TEST_TMP/own
mc --tls-ca-cert "$O/ca.pem" --tls-ca-key "$O/ca-key.pem" --tls-client-cert "$O/cert.pem" \
	--tls-client-key "$O/key.pem" create -d test own1 >/dev/null
run mc regenerate-certs -f own1
expect_rc 0 "regenerate-certs of a machine with its own CA, without the flags"
check "its ca.pem is still its own CA" cmp -s "$O/ca.pem" "$STORE/machines/own1/ca.pem"
check "its client copy is its own client certificate" cmp -s "$O/cert.pem" "$STORE/machines/own1/cert.pem"
check "its new server certificate is signed by its own CA" verify "$O/ca.pem" "$STORE/machines/own1/server.pem"
run mc env own1
expect_rc 0 "env accepts the set (no regenerate-certs loop)"
done_testing
