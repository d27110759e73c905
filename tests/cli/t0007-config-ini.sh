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
expect_err "invalid value 'many' for --test-engine-port (from test-engine-port in [driver.test] of $STORE/config.ini): give a number from 1 to 65535" \
	"the bad value is named, with the section and file it was set in"
printf '[driver.test]\ntest-engine-port = 70000\n' >"$STORE/config.ini"
run mc create -d test c8
expect_rc 2 "a config.ini value outside the flag's range is refused (a usage error, as on the command line)"
expect_err "invalid value '70000' for --test-engine-port (from test-engine-port in [driver.test] of $STORE/config.ini): give a number from 1 to 65535" \
	"... naming the flag, the range and where it was set"
printf '[defaults]\nmemory = 32\n' >"$STORE/config.ini"
run mc create -d test c9
expect_rc 2 "a [defaults] value outside a driver flag's range is refused"
expect_err "invalid value '32' for --test-memory (from memory in [defaults] of $STORE/config.ini): give a number from 64 to 65536" \
	"... naming the [defaults] key"
run mc create -d test --test-memory 128 c9
expect_rc 0 "the flag beats the bad [defaults] value"
rm -f "$STORE/config.ini"
TEST_ENGINE_PORT=0 run mc create -d test c10
expect_rc 2 "an environment value outside the flag's range is refused"
expect_err "invalid value '0' for --test-engine-port (from \$TEST_ENGINE_PORT): give a number from 1 to 65535" "... naming the variable"
TEST_ENGINE_PORT=many run mc create -d test c10
expect_rc 2 "an environment value that is not a number is refused"
expect_err "invalid value 'many' for --test-engine-port (from \$TEST_ENGINE_PORT): give a number from 1 to 65535" "... naming the variable"
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
printf '[defaults]\n%s\ncolour = red\n' "${long:0:199}" >"$STORE/config.ini"
run mc ls
expect_err "config.ini:3: unknown key 'colour'" "the line after a 199-byte line keeps its number"
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
# The example in doc/config-ini.md, copied as a user would (with the test
# driver): its "# ..." comments after the values are comments, not values.
sed -n '/Two kinds of section:$/,/^Precedence/s/^    //p' "$MC_SRCDIR/doc/config-ini.md" |
	sed 's/^driver = libvirt /driver = test    /' >"$STORE/config.ini"
check "setup: the documented example has inline '#' comments" grep -q '^driver = test  *# ' "$STORE/config.ini"
run mc create doc1
expect_rc 0 "the documented config.ini example works as written"
check "... its [defaults] driver (with a '#' comment) is used" \
	test "$(machinectl inspect -f '{{.DriverName}}' doc1 2>&1)" = test
cat >"$STORE/config.ini" <<'INI'
# a comment
; another
[defaults]   # after a section
driver = test	# after a tab

  # an indented comment
[driver.test]
test-ip = 127.0.0.8   # the address
test-engine-port = 3008 ; the port
test-label = a#b;c
INI
run mc create ic1
expect_rc 0 "whole-line, indented and inline '#' and ';' comments are read as comments"
check "... not as part of the values" test "$(ip_of ic1)" = "127.0.0.8:3008"
check "... and a '#' or ';' that follows no blank is kept" \
	test "$(machinectl inspect -f '{{index .Driver.Labels 0}}' ic1 2>&1)" = "a#b;c"
# inih reads an indented line as the continuation of the value above
# (driver = "test\ncolour = red"): it is refused, on its own line.
printf '[defaults]\ndriver = test\n  colour = red\n' >"$STORE/config.ini"
run mc create ind1
expect_rc 1 "an indented line is refused by create"
expect_err "config.ini:3: an indented line would continue the value above: remove the indentation" \
	"... with its line and what to do"
check "... and nothing was created" test ! -e "$STORE/machines/ind1"
run mc ls
expect_rc 1 "an indented line is refused by ls too"
expect_err "config.ini:3: an indented line would continue" "... with its line"
printf '[defaults]\n\tdriver = test\n' >"$STORE/config.ini"
run mc ls
expect_rc 1 "an indented first entry is refused too"
expect_err "config.ini:2: an indented line" "... with its line"
printf '[weird]\n' >"$STORE/config.ini"
run mc ls
expect_rc 1 "an unknown section with no key is refused"
expect_err "config.ini:1: unknown section [weird] (use [defaults] or [driver.NAME])" "... on its line"
printf '[weird]\n\n\nx = 1\n' >"$STORE/config.ini"
run mc ls
expect_err "config.ini:1: unknown section [weird]" "an unknown section is named on its own line, not its first key's"
printf 'driver = test\n[defaults]\n' >"$STORE/config.ini"
run mc ls
expect_rc 1 "a key before any section is refused"
expect_err "config.ini:1: 'driver' is outside any section: put it under [defaults]" \
	"... saying so, and where it belongs"
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
expect_err "invalid value 'maybe' for --test-paused (from test-paused in [driver.test] of $STORE/config.ini): use true or false" \
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
# A key of [driver.NAME] that is not one of the driver's flags: a typo.
printf '[driver.test]\ntest-memroy = 100\n[driver.nosuch]\nanything = 1\n' >"$STORE/config.ini"
run mc create -d test typo
expect_rc 1 "a create with the test driver refuses an unknown key of [driver.test]"
expect_err "$STORE/config.ini:2: unknown key 'test-memroy' in [driver.test]: the test driver has no flag --test-memroy" \
	"... naming the file, the line and the key"
check "... and creates nothing" test ! -e "$STORE/machines/typo"
printf '[driver.nosuch]\nanything = 1\n' >"$STORE/config.ini"
run mc create -d test typo
expect_rc 0 "a section for a driver that is not used is not checked"
mc rm -y typo >/dev/null
rm -f "$STORE/config.ini"
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
