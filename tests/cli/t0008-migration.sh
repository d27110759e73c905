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

# A read-only store (a read-only bind mount: root ignores modes) is still
# readable: the migration happens in memory (issue 23, 12).
ro() { unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"' ro "$STORE" "$@"; }
not_writable() { ! ro touch "$STORE/x" 2>/dev/null; }
check "the store is read-only in the mount namespace" not_writable
run ro machinectl url old
expect_rc 0 "a schema-0 machine in a read-only store works"
expect_out "tcp://127.0.0.1:2376" "its URL is read"
run ro machinectl ls --format '{{.Name}} {{.DriverName}} {{.State}}'
check "ls of a read-only store lists it" test "$OUT" = "old none Running"
run ro machinectl inspect -f '{{.SchemaVersion}} {{.Status}}' old
check "inspect shows the migrated record" test "$OUT" = "1 created"

# A reader writes nothing; the first verb that holds the machine's lock
# writes the migration back, keeping the original.
run mc url old
expect_rc 0 "a schema-0 machine works"
check "a read-only verb wrote nothing" test "$(cat "$STORE/machines/old/config.json")" = "$orig" -a ! -e "$STORE/machines/old/config.json.bak"
run mc regenerate-certs -f old
check "the original is kept as config.json.bak" test "$(cat "$STORE/machines/old/config.json.bak")" = "$orig"
check "config.json now has SchemaVersion 1" grep -q '"SchemaVersion": 1' "$STORE/machines/old/config.json"
check "State became Status" grep -q '"Status": "created"' "$STORE/machines/old/config.json"
check "HostOptions were added" grep -q '"HostOptions"' "$STORE/machines/old/config.json"
check "the .bak is 0600" test "$(stat -c %a "$STORE/machines/old/config.json.bak")" = 600
run mc ls -q
check "ls lists it" test "$OUT" = old
done_testing
