#!/bin/bash
# TLS session resumption across runs (src/engine.c): the daemon's last
# session ticket is kept in machines/NAME/.tls-session (0600) and offered on
# the next connection (and not rewritten while younger than an hour); new certificates, another URL, a corrupt file or a
# daemon that no longer knows the ticket mean a full handshake, never a
# failure.  The loopback fixture counts the handshakes it resumed
# (GET /_fixture/stats); it runs several threads with session tickets on, as
# dockerd's Go TLS server does.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
plan 34

mc create --driver none --url tcp://127.0.0.1:1 bootstrap >/dev/null
mc rm -y bootstrap >/dev/null
server_cert_openssl "$STORE/certs" "$TEST_TMP/fx" "IP:127.0.0.1"
fx_args=(--count 2 --threads 3 --cert "$TEST_TMP/fx.pem" --key "$TEST_TMP/fx-key.pem" --ca "$STORE/certs/ca.pem")
fixture_start PORTS "${fx_args[@]}"
read -r P1 P2 <<<"$PORTS"
check "fixture started on two ports ($P1 $P2)" test -n "$P2"
fxpid=${_fixture_pids[-1]}
check "the fixture runs the 3 threads asked for (and its main thread)" \
	test "$(ls /proc/"$fxpid"/task | wc -l)" = 4

# stats FIELD: one of the fixture's counters (each fetch is one more connection)
stats() {
	curl -sS --max-time 5 --cacert "$STORE/certs/ca.pem" --cert "$STORE/certs/cert.pem" \
		--key "$STORE/certs/key.pem" "https://127.0.0.1:$P1/_fixture/stats" | jq -r ".$1"
}
check "the fixture reports its threads" test "$(stats Threads)" = 3

# The fixture itself resumes (openssl s_client, independent of machinectl).
s_client() {
	printf 'GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n' |
		openssl s_client -connect "127.0.0.1:$P1" -CAfile "$STORE/certs/ca.pem" -cert "$STORE/certs/cert.pem" \
			-key "$STORE/certs/key.pem" -ign_eof "$@" 2>&1
}
s_client -sess_out "$TEST_TMP/s_client.sess" >/dev/null
check "the fixture's session resumes (openssl s_client: Reused, TLSv1.3)" \
	bash -c "grep -q '^Reused, TLSv1.3' <<<\"\$0\"" "$(s_client -sess_in "$TEST_TMP/s_client.sess")"

run mc create --driver none --url "tcp://127.0.0.1:$P1" m1
expect_rc 0 "create m1 (first port)"
run mc create --driver none --url "tcp://127.0.0.1:$P2" m2
expect_rc 0 "create m2 (second port)"
S1="$STORE/machines/m1/.tls-session" S2="$STORE/machines/m2/.tls-session"

rows() { grep -cE '^m[12] .* Running .* v20\.10\.24 *$' <<<"$OUT"; }
r0=$(stats Resumed)
run mc ls
expect_rc 0 "ls"
check "ls shows both daemons' versions" test "$(rows)" = 2
check "the first ls made full handshakes" test "$(stats Resumed)" = "$r0"
check "it kept each daemon's session ticket" test -s "$S1" -a -s "$S2"
check "the session files are 0600" test "$(stat -c %a "$S1") $(stat -c %a "$S2")" = "600 600"
check "a session file says what it is" bash -c "head -c 18 '$S1' | grep -qx 'mc-tls-session v1 '"

ino=$(stat -c '%i %s %Y' "$S1")
run mc ls
expect_rc 0 "a second ls"
check "it shows both versions again" test "$(rows)" = 2
check "and resumed both sessions" test "$(stats Resumed)" = $((r0 + 2))
check "a fresh session file is kept, not rewritten" test -s "$S1" -a "$(stat -c '%i %s %Y' "$S1")" = "$ino"
run mc version m1
check "version NAME resumes too" test "$RC $OUT $(stats Resumed)" = "0 20.10.24 $((r0 + 3))"

# New certificates: the old session is not offered.
r0=$(stats Resumed)
old=$(md5sum <"$S1")
printf '\n' >>"$STORE/machines/m1/ca.pem"   # same CA, other file contents
run mc version m1
check "after ca.pem changed, version NAME still works" test "$RC $OUT" = "0 20.10.24"
check "without resuming the old session" test "$(stats Resumed)" = "$r0"
check "and a new session was kept" test "$(md5sum <"$S1")" != "$old"
run mc version m1
check "which the next call resumes" test "$RC $(stats Resumed)" = "0 $((r0 + 1))"

# Another URL (the fixture's other port shares its ticket keys): no resumption.
r0=$(stats Resumed)
cp "$S2" "$TEST_TMP/m2.session"
jq --arg u "tcp://127.0.0.1:$P1" '.Driver.URL = $u' "$STORE/machines/m2/config.json" >"$TEST_TMP/c.json"
cat "$TEST_TMP/c.json" >"$STORE/machines/m2/config.json"
run mc version m2
check "a machine whose URL changed works" test "$RC $OUT" = "0 20.10.24"
check "without offering the session of its old URL" test "$(stats Resumed)" = "$r0"

# A corrupt session file: a full handshake and a good file again.
r0=$(stats Resumed)
head -c 19 "$S1" >"$TEST_TMP/head" && { cat "$TEST_TMP/head"; echo junk; head -c 300 /dev/urandom; } >"$S1"
run mc version m1
check "a corrupt session file: version NAME works" test "$RC $OUT" = "0 20.10.24"
check "with a full handshake" test "$(stats Resumed)" = "$r0"
run mc version m1
check "and the file it wrote resumes" test "$RC $(stats Resumed)" = "0 $((r0 + 1))"
: >"$S1"
run mc version m1
check "an empty session file: version NAME works" test "$RC $OUT" = "0 20.10.24"

# A daemon that no longer knows the ticket (restarted: new ticket keys).
_fixtures_stop
fixture_start PORTS "${fx_args[@]}" --count 1 --port "$P1"
check "the fixture restarted on m1's port" test "$PORTS" = "$P1"
r0=$(stats Resumed)
run mc version m1
check "a restarted daemon: version NAME works" test "$RC $OUT" = "0 20.10.24"
check "the stale ticket was refused: a full handshake" test "$(stats Resumed)" = "$r0"
run mc version m1
check "the new ticket resumes" test "$RC $(stats Resumed)" = "0 $((r0 + 1))"

# Resumption can be turned off.
r0=$(stats Resumed)
run env MACHINECTL_TLS_RESUME=0 machinectl version m1
check "MACHINECTL_TLS_RESUME=0: version NAME works" test "$RC $OUT" = "0 20.10.24"
check "without resuming" test "$(stats Resumed)" = "$r0"
check "no temporary session file is left" test -z "$(find "$STORE/machines" -name '.tls-session.tmp*')"
done_testing
