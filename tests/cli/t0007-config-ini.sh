#!/bin/bash
# config.ini defaults and the precedence flag > environment > config.ini > built-in.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

mkdir -p "$STORE"
cat >"$STORE/config.ini" <<'INI'
[defaults]
driver = test

[driver.test]
test-ip = 127.0.0.3
test-engine-port = 3000
INI
ip_of() { machinectl inspect -f '{{.Driver.IPAddress}}:{{.Driver.EnginePort}}' "$1"; }

run mc create c1
expect_rc 0 "create uses [defaults] driver"
check "config.ini values apply" test "$(ip_of c1)" = "127.0.0.3:3000"
TEST_IP=127.0.0.4 mc create c2 >/dev/null
check "environment beats config.ini" test "$(ip_of c2)" = "127.0.0.4:3000"
TEST_IP=127.0.0.4 mc create --test-ip 127.0.0.5 c3 >/dev/null
check "flag beats environment" test "$(ip_of c3)" = "127.0.0.5:3000"
printf '[defaults]\ndriver = test\n' >"$STORE/config.ini"
mc create c4 >/dev/null
check "built-in default without config.ini" test "$(ip_of c4)" = "127.0.0.1:2376"
MACHINECTL_DRIVER=none run mc create c5
expect_rc 3 "MACHINECTL_DRIVER beats config.ini (none needs --url)"
run mc create -d none --url tcp://127.0.0.1:9 c6
check "--driver beats everything" test "$(machinectl inspect -f '{{.DriverName}}' c6)" = none
printf '[driver.test]\ntest-engine-port = many\n' >"$STORE/config.ini"
run mc create -d test c7
expect_rc 2 "a bad config.ini value is reported"
expect_err "invalid test-engine-port ([driver.test] in $STORE/config.ini) 'many': not a number" \
	"the bad value is named, with the section and file it was set in"
printf '[driver.test]\ntest-engine-port = 70000\n' >"$STORE/config.ini"
run mc create -d test c8
expect_rc 3 "a config.ini value outside the flag's range is refused"
expect_err "invalid test-engine-port ([driver.test] in $STORE/config.ini) 70000: it must be between 1 and 65535" \
	"... naming where it was set, not a flag the user did not type"
printf '[defaults]\nmemory = 32\n' >"$STORE/config.ini"
run mc create -d test c9
expect_rc 3 "a [defaults] value outside a driver flag's range is refused"
expect_err "invalid memory ([defaults] in $STORE/config.ini) 32: it must be between 64 and 65536" \
	"... naming the [defaults] key"
run mc create -d test --test-memory 128 c9
expect_rc 0 "the flag beats the bad [defaults] value"
rm -f "$STORE/config.ini"
TEST_ENGINE_PORT=0 run mc create -d test c10
expect_rc 3 "an environment value outside the flag's range is refused"
expect_err "invalid \$TEST_ENGINE_PORT 0: it must be between 1 and 65535" "... naming the variable"
TEST_ENGINE_PORT=many run mc create -d test c10
expect_rc 2 "an environment value that is not a number is refused"
expect_err "invalid \$TEST_ENGINE_PORT 'many': not a number" "... naming the variable"
check "none of them was created" test ! -e "$STORE/machines/c7" -a ! -e "$STORE/machines/c8" -a ! -e "$STORE/machines/c10"
# inih splits a line over 199 bytes and parses the rest as a line of its own:
# here the cut would turn the tail of an "iso =" path into "driver = test".
long="iso = /$(printf 'a%.0s' $(seq 1 192))driver = test"
check "setup: the cut (199 bytes) falls right before 'driver = test'" test "${long:199}" = "driver = test"
printf '[defaults]\n%s\n' "$long" >"$STORE/config.ini"
run mc create long1
expect_rc 1 "a config.ini line of ${#long} bytes is refused"
expect_err "config.ini:2: the line is ${#long} bytes long; lines are limited to 199 bytes" "the error gives the line number and the limit"
check "nothing was created with the test driver" test ! -e "$STORE/machines/long1"
printf '[defaults]\n%s\n' "${long:0:199}" >"$STORE/config.ini"
run mc create -d none --url tcp://127.0.0.1:9 long2
expect_rc 0 "a line of exactly 199 bytes is read"
printf '[defaults]\r\n%s\r\n' "${long:0:199}" >"$STORE/config.ini"
run mc ls
expect_rc 1 "a 199-byte line plus CR (200 bytes before the newline) is refused too"
expect_err "config.ini:2: " "... with its line number"
# inih goes on after an error and returns the first one's line: the message
# must be that line's.
printf '[defaults]\ncolour = red\nshade = dark\n' >"$STORE/config.ini"
run mc ls
expect_rc 1 "two unknown keys are refused"
expect_err "config.ini:2: unknown key 'colour' in [defaults]" "the error names the first bad key, on its line"
printf '[defaults]\nnot an entry\nshade = dark\n' >"$STORE/config.ini"
run mc ls
expect_err "config.ini:2: syntax error (expected [section] or key = value)" \
	"a syntax error before an unknown key is the one named"
# Boolean driver flags from config.ini or the environment: Go's spellings
# (docker-machine read its environment with strconv.ParseBool), yes/no,
# on/off; anything else is an error, not a silent false.
printf '[driver.test]\ntest-paused = True\n' >"$STORE/config.ini"
run mc create -d test b1
expect_rc 0 "test-paused = True in config.ini is read"
run mc status b1
check "... as true (the machine was created Paused)" test "$OUT" = Paused
printf '[driver.test]\ntest-paused = maybe\n' >"$STORE/config.ini"
run mc create -d test b2
expect_rc 2 "test-paused = maybe is a usage error"
expect_err "invalid value 'maybe' for test-paused ([driver.test] in $STORE/config.ini): use true or false" \
	"... naming the value and where it was set"
check "... and nothing was created" test ! -e "$STORE/machines/b2"
rm -f "$STORE/config.ini"
run mc create -d test --test-paused=off b3
expect_rc 0 "--test-paused=off is read"
run mc status b3
check "... as false" test "$OUT" = Running
run mc create -d test --test-paused=sometimes b4
expect_rc 2 "--test-paused=sometimes is a usage error"
expect_err "invalid value 'sometimes' for --test-paused: use true or false" "... naming the flag"
# The global yes/no options from the environment follow the same rule.
MACHINECTL_DEBUG=On run mc ls -q
expect_rc 0 "MACHINECTL_DEBUG=On is taken"
MACHINECTL_DEBUG=verbose run mc ls -q
expect_rc 2 "MACHINECTL_DEBUG=verbose is a usage error, not a silent false"
expect_err "invalid value 'verbose' in \$MACHINECTL_DEBUG (for --debug): use true or false" "... naming the variable"
MACHINECTL_NATIVE_SSH=enabled run mc --native-ssh=false ls -q
expect_rc 0 "a flag on the command line wins over a bad variable"
run mc create -d test --help
expect_out "--test-ip VALUE" "create --driver X --help lists the driver's flags"
expect_out "[\$TEST_IP]" "driver flag help shows the environment variable"
expect_out "(default: 127.0.0.1)" "driver flag help shows the default"
done_testing
