#!/bin/bash
# ls: natural order, filters, formats, quiet, unreadable configs, timeouts.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

run mc ls
expect_rc 0 "ls on an empty store"
check "an empty store prints only the header" test "$OUT" = "NAME   ACTIVE   DRIVER   STATE   URL   SWARM   DOCKER   ERRORS"

mc create -d test --engine-label env=prod --engine-label tier=web m10 >/dev/null
mc create -d test --test-ip 127.0.0.2 m2 >/dev/null
mc create -d test --engine-label env=dev m1 >/dev/null
mc create -d none --url tcp://127.0.0.9:2376 web-1 >/dev/null
mc stop m2 >/dev/null

run mc ls -q
check "ls -q lists names in natural order" test "$(echo $OUT)" = "m1 m2 m10 web-1"
run mc ls
expect_golden ls-mixed.txt "ls table layout"

run mc ls --filter name=^m1
check "name filter is a regular expression" test "$(mc ls -q --filter name=^m1 | xargs)" = "m1 m10"
check "same key twice is OR" test "$(mc ls -q --filter driver=none --filter name=^m2$ | xargs)" = ""
check "driver filter" test "$(mc ls -q --filter driver=none | xargs)" = "web-1"
check "different keys are AND" test "$(mc ls -q --filter driver=test --filter state=Stopped | xargs)" = "m2"
check "state filter is case-insensitive" test "$(mc ls -q --filter state=running | xargs)" = "m1 m10 web-1"
check "label filter" test "$(mc ls -q --filter label=env=prod | xargs)" = "m10"
check "two names OR" test "$(mc ls -q --filter name=m1$ --filter name=web | xargs)" = "m1 web-1"

run mc ls --filter bogus
expect_rc 2 "filter without = is an error"
expect_err "Unsupported filter syntax." "docker-machine's syntax message"
run mc ls --filter color=red
expect_rc 2 "unknown filter key"
expect_err "Unsupported filter key 'color'" "docker-machine's key message"
run mc ls --filter 'name=('
expect_rc 2 "bad regular expression"
# Go's regexp syntax, as docker-machine read it (glibc alone reads \d as d)
check "name=\\d is a digit, as in Go" test "$(mc ls -q --filter 'name=^m\d$' | xargs)" = "m1 m2"
check "name= with a leading (?i), (?:...) and \\z" \
	test "$(mc ls -q --filter 'name=(?i)^(?:WEB|M1$)' --filter 'name=\Am10\z' | xargs)" = "m1 m10 web-1"
check "name= with \\Q...\\E and \\x41-style escapes" test "$(mc ls -q --filter 'name=\Qweb-\E\x31' | xargs)" = "web-1"
check "name=\\<web is a '<' (Go), not a word's start (glibc)" test -z "$(mc ls -q --filter 'name=\<web')"
# Go's syntax anywhere: classes and escapes inside [...], flags for the rest
# of a group or (?i:...), \pN classes, a character past ASCII repeated as
# one (each expected list is what Go's regexp matches of these names)
while IFS='|' read -r re want; do
	check "name=$re matches as in Go: ${want:-nothing}" test "$(mc ls -q --filter "name=$re" | xargs)" = "$want"
done <<'EOF2'
^m[\d]$|m1 m2
^(?i:M)1|m1 m10
(?s)m|m1 m2 m10
\pL\pN$|m1 m2
^[\w-]+-\p{N}$|web-1
(?i)^WEB(?-i)-1|web-1
(?i)w(?-i)EB|
^[^[:^alpha:]]+\d{2}$|m10
é?m1$|m1
EOF2
for re in '\y' '\1' '[z-a]' '(?-)' '[[:foo:]]' '(?<x>m)' '\p{Greek}'; do
	run mc ls --filter "name=$re"
	expect_rc 2 "name=$re: refused (by Go, or not supported)"
	expect_err "invalid name filter \"$re\"" "... and the message names the pattern"
done

run mc ls --format '{{.Name}}: {{.State}}'
check "format renders each row" test "$OUT" = $'m1: Running\nm2: Stopped\nm10: Running\nweb-1: Running'
run mc ls --format 'table {{.Name}}\t{{.DriverName}}'
check "table format adds headers and aligns" test "$(head -n 2 <<<"$OUT")" = $'NAME    DRIVER\nm1      test'
run mc ls --format json
check "json format is a JSON array" python3 -c 'import json,sys; d=json.load(sys.stdin); assert [r["Name"] for r in d]==["m1","m2","m10","web-1"]; assert d[1]["State"]=="Stopped"' <<<"$OUT"
run mc ls --format '{{.Name'
expect_rc 2 "unclosed template is an error"

# DOCKER_HOST marks the active machine.
run env DOCKER_HOST=tcp://127.0.0.1:2376 machinectl ls --format '{{.Name}} {{.Active}}' --filter name=^m1$
check "the active machine has a star" test "$OUT" = "m1 *"
# .ActiveHost and .ActiveSwarm are docker-machine's booleans (issue 23, 19).
run env DOCKER_HOST=tcp://127.0.0.1:2376 machinectl ls --format '{{.Name}} {{.ActiveHost}} {{.ActiveSwarm}}' --filter name=^m1$ --filter name=web
check "ActiveHost is true/false, ActiveSwarm false" test "$OUT" = $'m1 true false\nweb-1 false false'
run env DOCKER_HOST=tcp://127.0.0.9:2376 machinectl ls --format '{{if .ActiveHost}}{{.Name}}{{end}}'
check "ActiveHost works in an if" test "$OUT" = $'\n\n\nweb-1'
run mc ls --format json
check "json: ActiveHost is a JSON boolean" python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["ActiveHost"] is False and d[0]["ActiveSwarm"] is False' <<<"$OUT"

# Only a table is aligned: any other format prints what it renders, so a
# \t is a tab (cut -f, IFS=$'\t') (issue 23, 18).
run mc ls --format '{{.Name}}\t{{.URL}}' --filter name=^m
check "a format without table writes a tab, not padding" \
	test "$OUT" = $'m1\ttcp://127.0.0.1:2376\nm2\t\nm10\ttcp://127.0.0.1:2376'
check "cut -f2 reads its second field" test "$(cut -f2 <<<"$OUT" | head -n 1)" = tcp://127.0.0.1:2376
run mc ls --format '{{.Name}}\t{{.DriverName}}' --filter name=web
check "a real tab in the format stays a tab too" test "$OUT" = $'web-1\tnone'
# A format that reads the whole row asks the daemons as --format json does:
# {{json .}} does not show an empty Error and DockerVersion Unknown.
run mc ls --format '{{json .}}' --filter name=web
check "{{json .}} shows what the daemon said" \
	python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); assert r["Error"].startswith("GET /info: "), r' <<<"$OUT"
run mc ls --format '{{.}}' --filter name=web
check "... and so does {{.}}" grep -q '"Error":"GET /info: ' <<<"$OUT"

# A machine directory that is a symlink is listed, as the other verbs use it (issue 23, 12).
mc create -d test linked >/dev/null
mkdir -m 700 "$TEST_TMP/elsewhere"
mv "$STORE/machines/linked" "$TEST_TMP/elsewhere/linked"
ln -s "$TEST_TMP/elsewhere/linked" "$STORE/machines/linked"
run mc status linked
expect_out "Running" "status follows the symlink"
run mc ls -q
check "ls lists the symlinked machine" grep -qx linked <<<"$OUT"
run mc ls --format '{{.Name}} {{.State}}' --filter name=linked
check "with its state" test "$OUT" = "linked Running"
mc rm -f linked >/dev/null

# A machine whose config.json is garbage is an Error row and never stops the listing.
mkdir "$STORE/machines/broken"
echo '{"SchemaVersion": 1, "Name": ' > "$STORE/machines/broken/config.json"
run mc ls
expect_rc 0 "ls with a broken config still succeeds"
check "broken machine is an Error row" grep -qE '^broken +- +not found +Error ' <<<"$OUT"
check "other machines are still listed" grep -q '^web-1 ' <<<"$OUT"

# Timeouts: a driver whose state takes 30 s, under --timeout 1.  ls must not
# wait for it: the bound is far from both (not a speed test; valgrind and a
# loaded machine are slow).
start=$(date +%s%N)
run env MC_TESTDRV_STATE_DELAY_MS=30000 machinectl ls --timeout 1 --filter driver=test
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "ls with slow machines succeeds"
check "slow machines show as Timeout" grep -qE '^m10 +test +Timeout' <<<"$OUT"
check "ls does not wait for the slow driver (${elapsed} ms)" test "$elapsed" -lt 15000
check "the machine that does not ask the driver is not a timeout" grep -qE '^web-1 .* Running ' <<<"$(mc ls)"

# active: the running machine $DOCKER_HOST points at, under the same --timeout.
run env DOCKER_HOST=tcp://127.0.0.9:2376 machinectl active
check "active names the machine DOCKER_HOST points at" test "$RC:$OUT" = "0:web-1"
run env MC_TESTDRV_STATE_DELAY_MS=30000 DOCKER_HOST=tcp://127.0.0.9:2376 machinectl active --timeout 1
check "... while slow machines have not answered" test "$RC:$OUT" = "0:web-1"
start=$(date +%s%N)
run env MC_TESTDRV_STATE_DELAY_MS=30000 DOCKER_HOST=tcp://127.0.0.1:2376 machinectl active --timeout 1
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
check "active gives up on a machine that has not answered by --timeout" \
	test "$RC:$OUT:$ERR" = "1::No active host found"
check "... without waiting for its driver (${elapsed} ms)" test "$elapsed" -lt 15000
done_testing
