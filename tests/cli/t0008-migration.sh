#!/bin/bash
# config.json schema migration: an older file is upgraded, with a .bak kept.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

mkdir -p "$STORE/machines/old"
chmod 700 "$STORE" "$STORE/machines" "$STORE/machines/old"
# Schema 0 (pre-release): no SchemaVersion, "State" instead of "Status", no HostOptions.
cat >"$STORE/machines/old/config.json" <<'JSON'
{"Name": "old", "DriverName": "none", "State": "created", "Driver": {"URL": "tcp://127.0.0.1:2376"}}
JSON
orig=$(cat "$STORE/machines/old/config.json")
run mc url old
expect_rc 0 "a schema-0 machine works"
expect_out "tcp://127.0.0.1:2376" "its data survived"
check "the original is kept as config.json.bak" test "$(cat "$STORE/machines/old/config.json.bak")" = "$orig"
check "config.json now has SchemaVersion 1" grep -q '"SchemaVersion": 1' "$STORE/machines/old/config.json"
check "State became Status" grep -q '"Status": "created"' "$STORE/machines/old/config.json"
check "HostOptions were added" grep -q '"HostOptions"' "$STORE/machines/old/config.json"
check "the .bak is 0600" test "$(stat -c %a "$STORE/machines/old/config.json.bak")" = 600
run mc ls -q
check "ls lists it" test "$OUT" = old
done_testing
