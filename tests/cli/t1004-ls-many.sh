#!/bin/bash
# ls over many machines: 50 daemons that answer are all listed with their
# version (queried in parallel), and 50 that never answer give Timeout rows
# within --timeout plus a small constant.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
plan 9
N=50

mc create --driver none --url tcp://127.0.0.1:1 bootstrap >/dev/null
mc rm -y bootstrap >/dev/null
server_cert_openssl "$STORE/certs" "$TEST_TMP/fx" "IP:127.0.0.1"
fixture_start UP --count $N --cert "$TEST_TMP/fx.pem" --key "$TEST_TMP/fx-key.pem" --ca "$STORE/certs/ca.pem"
fixture_start HANG --count $N --hang
check "fixtures listen on $N + $N ports" test "$(wc -w <<<"$UP $HANG")" = $((2 * N))

i=0
for p in $UP; do i=$((i + 1)); mc create --driver none --url "tcp://127.0.0.1:$p" "up$i" >/dev/null || echo "# create up$i failed"; done
check "$N machines whose daemons answer" test "$(mc ls -q | wc -l)" = $N

start=$(date +%s%N)
run mc ls --timeout 20
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "ls over $N answering machines succeeds"
check "every machine shows v20.10.24 ($ms ms)" test "$(grep -cE '^up[0-9]+ .* v20\.10\.24 *$' <<<"$OUT")" = $N

i=0
for p in $HANG; do i=$((i + 1)); mc create --driver none --url "tcp://127.0.0.1:$p" "hang$i" >/dev/null || echo "# create hang$i failed"; done
start=$(date +%s%N)
run mc ls --timeout 2
ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "ls with $N daemons that never answer succeeds"
check "it does not wait for the silent daemons (${ms} ms, they never answer; under 20 s even under valgrind)" test "$ms" -lt 20000
check "every silent machine is a Timeout row with only name and driver" \
	test "$(grep -cE '^hang[0-9]+ +none +Timeout *$' <<<"$OUT")" = $N
check "the answering machines are still listed with their version" \
	test "$(grep -cE '^up[0-9]+ .* v20\.10\.24 *$' <<<"$OUT")" = $N
run mc ls --timeout 2 --format json
check "json: Timeout rows too" python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert sum(r["State"] == "Timeout" for r in rows) == 50, rows
assert sum(r["DockerVersion"] == "v20.10.24" for r in rows) == 50' <<<"$OUT"
done_testing
