#!/bin/bash
# Nothing from outside reaches the terminal raw (issue 23, 8): --url is
# checked at create (scheme, host, port 1-65535), a URL edited into a
# config.json is refused where it is used, and what daemons, drivers and
# config files say is printed with control characters escaped (ls, url, ip,
# version, inspect, errors).
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"

ESC=$'\e'
# raw_controls TEXT: does TEXT hold a control character (but newline and
# tab), DEL or a C1 control?
raw_controls() {
	python3 -c 'import sys
t = sys.stdin.buffer.read().decode("utf-8", "replace")
sys.exit(0 if any((ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f for c in t) else 1)'
}
clean() { ! raw_controls <<<"$1"; }

# --- --url at create ---------------------------------------------------
for url in 'tcp://$(touch PWNED):2376' 'tcp://a;b:2376' "tcp://${ESC}[2Jhost:2376" $'tcp://host\n:2376' \
	'tcp://127.0.0.1:99999' 'tcp://127.0.0.1:0' 'tcp://127.0.0.1:' 'tcp://127.0.0.1' 'tcp://:2376' \
	'tcp://[zz]:1' 'tcp://a..b:1' 'tcp://-a:1' 'http://127.0.0.1:2376' 'tcp://127.0.0.1:+80'; do
	run mc create -d none --url "$url" u1
	check "--url $(printf %q "$url") is a pre-create failure (exit $RC)" test "$RC" = 3
	check "--url $(printf %q "$url"): nothing was made" test ! -e "$STORE/machines/u1"
	check "--url $(printf %q "$url"): no control character is echoed" clean "$OUT$ERR"
done
check "no command ran" test ! -e PWNED
for url in tcp://127.0.0.1:1 'tcp://[::1]:2376' tcp://host-1.example:65535 tcp://localhost:2376; do
	run mc create -d none --url "$url" u2
	expect_rc 0 "--url $url is accepted"
	mc rm -f u2 >/dev/null
done

# --- a URL edited into config.json ---------------------------------------
mc create -d none --url tcp://127.0.0.1:1 edited >/dev/null
mc create -d none --url tcp://127.0.0.1:1 other >/dev/null
python3 - "$STORE/machines/edited/config.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["Driver"]["URL"] = "tcp://\x1b]0;owned\x07127.0.0.1:1\nfake   -        none     Running   tcp://1.2.3.4:2376"
json.dump(d, open(sys.argv[1], "w"))
PY
run mc url edited
expect_rc 1 "url of a machine whose URL was edited into garbage fails"
expect_err "invalid Docker URL" "and says the URL is invalid"
check "the error escapes the control characters" clean "$OUT$ERR"
run mc ls
expect_rc 0 "ls still works"
check "ls prints no control character" clean "$OUT$ERR"
check "ls prints no forged row" test -z "$(grep '^fake' <<<"$OUT")"
check "the edited machine's row says what is wrong" grep -qE '^edited .*invalid Docker URL' <<<"$OUT"
run mc inspect edited
expect_rc 0 "inspect of it works"
check "inspect prints no control character" clean "$OUT$ERR"
check "inspect still prints the same data, as JSON" python3 -c '
import json, sys
a = json.loads(sys.stdin.read()); b = json.load(open(sys.argv[1]))
sys.exit(a["Driver"]["URL"] != b["Driver"]["URL"])' "$STORE/machines/edited/config.json" <<<"$OUT"
run mc inspect -f '{{.Driver.URL}}' edited
check "inspect -f escapes them: $OUT" test "$(head -n 1 <<<"$OUT")" = 'tcp://\x1b]0;owned\x07127.0.0.1:1'
python3 - "$STORE/machines/edited/config.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["Driver"]["URL"] = "tcp://127.0.0.1:1"
d["Driver"]["Note"] = "del\x7f c1\u009b[31m"
json.dump(d, open(sys.argv[1], "w"))
PY
run mc inspect edited
check "inspect: DEL and C1 controls become JSON escapes" clean "$OUT"
check "inspect: which JSON reads back as they were" python3 -c '
import json, sys
sys.exit(json.loads(sys.stdin.read())["Driver"]["Note"] != "del\x7f c1\u009b[31m")' <<<"$OUT"

# --- a daemon's words ----------------------------------------------------
check "server certificate for the fixtures" server_cert_openssl "$STORE/certs" "$TEST_TMP/fx" "IP:127.0.0.1"
fixture_start P1 --cert "$TEST_TMP/fx.pem" --key "$TEST_TMP/fx-key.pem" --ca "$STORE/certs/ca.pem" \
	--version "20.10.24${ESC}[2J${ESC}]0;owned"$'\a'
fixture_start P2 --cert "$TEST_TMP/fx.pem" --key "$TEST_TMP/fx-key.pem" --ca "$STORE/certs/ca.pem" \
	--version '20.10.24\u001b[2J'
mc create -d none --url "tcp://127.0.0.1:$P1" hostile1 >/dev/null
mc create -d none --url "tcp://127.0.0.1:$P2" hostile2 >/dev/null
run mc ls --filter name=hostile
check "ls of hostile daemons prints no control character" clean "$OUT$ERR"
check "ls shows the version escaped" grep -qF 'v20.10.24\x1b[2J\x1b]0;owned\x07' <<<"$OUT"
run mc ls --format json --filter name=hostile
check "ls --format json prints no control character" clean "$OUT$ERR"
run mc version hostile1
check "version NAME (a reply that is not JSON) prints no control character" clean "$OUT$ERR"
run mc version hostile2
expect_rc 0 "version NAME of a daemon whose version holds an escape"
check "version NAME escapes it: $OUT" test "$OUT" = '20.10.24\x1b[2J'
# --- values quoted into messages on stderr ----------------------------------
# A name, flag, path or value holding a newline, CR or escape, quoted into an
# "Error:", "Warning:" or log line, can neither forge a second "Error:" line
# nor drive the terminal: the printing layer escapes them (\n, \r, \xNN; tabs
# and valid UTF-8 stay), whichever path printed the message.
FORGE=$'x\nError: forged\r'"${ESC}[2J"$'\t\u00e9'
SHOWN='x\nError: forged\r\x1b[2J'$'\t\u00e9'
one_message() { # one_message DESC: $ERR is that one line, the value escaped
	check "$1: one line on stderr" test "$(printf '%s\n' "$ERR" | wc -l)" = 1
	check "$1: no control character but the tab" clean "$ERR"
	check "$1: the value shown escaped, tab and UTF-8 kept" grep -qF -- "$SHOWN" <<<"$ERR"
}
run mc create -d none --url tcp://127.0.0.1:1 "$FORGE"
expect_rc 2 "a machine name holding a newline is refused"
one_message "an invalid machine name (create)"
run mc rm -y "$FORGE"
one_message "an invalid machine name (rm)"
run mc create -d none --url "tcp://$FORGE:1" u3
expect_rc 3 "a --url holding a newline is a pre-create failure"
one_message "a pre-create failure quoting --url"
run mc ls "--$FORGE"
expect_rc 2 "an unknown flag holding a newline"
one_message "a usage error quoting an unknown flag"
run mc ssh "--$FORGE"
one_message "ssh's usage error quoting an unknown flag"
run mc --debug="$FORGE" ls
expect_rc 2 "a bad value of a global yes/no flag"
one_message "a global option's error"
run mc "--$FORGE" ls
one_message "an unknown global flag"
run mc "$FORGE"
expect_rc 2 "an unknown verb holding a newline"
one_message "an unknown verb"
run mc help "$FORGE"
one_message "help for an unknown verb"
run mc __generate --prog "$FORGE" man
one_message "__generate's --prog"
# Progress and info lines on stdout are one line each too: a store path
# holding a newline does not start a line of its own.
run mc -s "$TEST_TMP/$FORGE" create -d none --url tcp://127.0.0.1:1 p1
expect_rc 0 "create in a store whose path holds a newline"
check "the CA line shows the path escaped" grep -qxF -- "Creating CA: $TEST_TMP/$SHOWN/certs/ca.pem" <<<"$OUT"
check "no stdout line starts with the path's second line" bash -c '! grep -q "^Error: forged" <<<"$0"' "$OUT"
check "stdout holds no control character but the tab" clean "$OUT"
run mc -s "$TEST_TMP/$FORGE" regenerate-certs --client-certs -f p1
check "regenerate-certs --client-certs: the CA and client lines, one each" \
	bash -c 'grep -qxF -- "Regenerating the CA: $1/certs/ca.pem" <<<"$0" &&
		grep -qxF -- "Regenerating the client certificate: $1/certs/cert.pem" <<<"$0"' "$OUT" "$TEST_TMP/$SHOWN"
# The log (library code's messages): -D shows the removal of a killed
# write's leftover, whose file name is the store's, not ours.
mc create -d none --url tcp://127.0.0.1:1 logged >/dev/null
printf x >"$STORE/machines/logged/$FORGE.tmp.999999999"
run mc -D stop logged
check "the leftover is removed" test ! -e "$STORE/machines/logged/$FORGE.tmp.999999999"
check "the log line names it escaped" grep -qF -- "debug: removing $STORE/machines/logged/$SHOWN.tmp.999999999, left by" <<<"$ERR"
check "the log forges no line" test "$(grep -c '^Error:' <<<"$ERR")" = 1
check "the log prints no control character but the tab" clean "$ERR"
done_testing
