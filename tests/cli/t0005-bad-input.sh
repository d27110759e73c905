#!/bin/bash
# Bad input: one clear line, the documented exit code, no crash, and nothing
# changed in the store.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

mc create -d none --url tcp://127.0.0.1:2376 good >/dev/null
before=$(store_snapshot)

# name, expected exit code, expected message
bad_create() {
	local name=$1 rc=$2 msg=$3
	run mc create -d none --url tcp://127.0.0.1:2376 "$name"
	expect_rc "$rc" "create '$name' exits $rc"
	expect_err "$msg" "create '$name' says: $msg"
	expect_one_line_err "create '$name' prints one line"
}
bad_create "bad name" 2 "invalid machine name 'bad name'"
bad_create "-leading" 2 "unknown flag -l"
bad_create ".hidden" 2 "invalid machine name '.hidden'"
bad_create "a/b" 2 "invalid machine name 'a/b'"
bad_create "../escape" 2 "invalid machine name '../escape'"
bad_create "$(printf 'x%.0s' {1..64})" 2 "at most 63 characters"
bad_create "good" 1 'machine "good" already exists'
bad_create "é" 2 "invalid machine name"
check "63 characters are allowed" mc create -d none --url tcp://127.0.0.1:1 "$(printf 'y%.0s' {1..63})"
mc rm -y "$(printf 'y%.0s' {1..63})" >/dev/null

run mc create -d none --url tcp://127.0.0.1:2376 same same
expect_rc 2 "the same name twice in one create"
run mc create -d nosuchdriver m
expect_rc 1 "missing driver plugin"
expect_err 'driver "nosuchdriver" not found' "missing plugin is named"
expect_one_line_err "missing plugin: one line"
run env MACHINECTL_DRIVER_PATH="$TEST_TMP/d1:$TEST_TMP/d2" machinectl create -d nosuchdriver m
expect_err "no plugin machinectl-driver-nosuchdriver.so is in $TEST_TMP/d1, $TEST_TMP/d2, " \
	"the directories looked in are listed, MACHINECTL_DRIVER_PATH's first"
run mc create -d badabi m
expect_rc 1 "plugin with a wrong ABI"
expect_err "has ABI version 999, but this machinectl needs 6" "ABI mismatch is explained"
# What a driver's flag declares it takes, the core checks before the driver
# runs: for a plugin as for the built-in drivers.  A range is the parser's
# (src/opts.c: a usage error, as a value that is no number), ...
ranged() { # ranged DESCRIPTION MESSAGE ARGS...
	local desc=$1 msg=$2
	shift 2
	run mc create "$@" declcheck
	expect_rc 2 "$desc: a usage error"
	check "$desc: names the flag, the value and the range" test "$ERR" = "Error: $msg. See 'machinectl create --help'."
	check "$desc: nothing was created" test ! -e "$STORE/machines/declcheck"
}
ranged "a plugin's range" "invalid value '63' for --test-memory: give a number from 64 to 65536" -d test --test-memory 63
ranged "... its other end" "invalid value '65536' for --test-engine-port: give a number from 1 to 65535" \
	-d test --test-engine-port 65536
run env TEST_ENGINE_PORT=0 machinectl create -d test declcheck
expect_rc 2 "a value from the flag's environment variable is checked too"
expect_err "invalid value '0' for --test-engine-port (from \$TEST_ENGINE_PORT): give a number from 1 to 65535" \
	"... and named with the variable that set it"
ranged "libvirt: --libvirt-tb-cache over 1 GiB" "invalid value '1025' for --libvirt-tb-cache: give a number from 0 to 1024" \
	-d libvirt --libvirt-tb-cache 1025
ranged "libvirt: --libvirt-cpu-count 0" "invalid value '0' for --libvirt-cpu-count: give a number from 1 to 256" \
	-d libvirt --libvirt-cpu-count 0
ranged "virtualbox: --virtualbox-memory" "invalid value '63' for --virtualbox-memory: give a number from 64 to 1048576" \
	-d virtualbox --virtualbox-memory 63
ranged "virtualbox: --virtualbox-stop-timeout" "invalid value '-1' for --virtualbox-stop-timeout: give a number from 0 to 86400" \
	-d virtualbox --virtualbox-stop-timeout -1
ranged "hyperv: --hyperv-vlan-id" "invalid value '4095' for --hyperv-vlan-id: give a number from 1 to 4094" -d hyperv --hyperv-vlan-id 4095
ranged "hyperv: --hyperv-cpu-count 0" "invalid value '0' for --hyperv-cpu-count: give a number from 1 to 240" -d hyperv --hyperv-cpu-count 0
ranged "generic: --generic-engine-port" "invalid value '0' for --generic-engine-port: give a number from 1 to 65535" \
	-d generic --generic-ip-address 127.0.0.1 --generic-engine-port 0
ranged "generic: --generic-ssh-port" "invalid value '-22' for --generic-ssh-port: give a number from 1 to 65535" \
	-d generic --generic-ip-address 127.0.0.1 --generic-ssh-port -22
ranged "a number with a unit" "invalid value '2G' for --libvirt-memory: give a plain number from 64 to 16777216 (without a unit: the help names it)" \
	-d libvirt --libvirt-memory 2G
# ... choices are checked with the driver's other flags (a pre-create failure).
declared() { # declared DESCRIPTION MESSAGE ARGS...
	local desc=$1 msg=$2
	shift 2
	run mc create "$@" declcheck
	expect_rc 3 "$desc: a pre-create failure"
	expect_err "Error with pre-create check: $msg" "$desc: names the flag and what it takes"
	check "$desc: nothing was created" test ! -e "$STORE/machines/declcheck"
}
declared "a plugin's choices" 'invalid --test-fail "stop": use precreate, create or start' -d facts --test-fail stop
declared "libvirt: --libvirt-cache-mode" 'invalid --libvirt-cache-mode "fast": use default, none, writethrough, writeback, directsync or unsafe' \
	-d libvirt --libvirt-cache-mode fast
declared "virtualbox: --virtualbox-hostonly-nictype" 'invalid --virtualbox-hostonly-nictype "e1000": use 82540EM, 82543GC, 82545EM, Am79C970A, Am79C973 or virtio' \
	-d virtualbox --virtualbox-hostonly-nictype e1000
declared "virtualbox: an empty --virtualbox-ui-type" 'invalid --virtualbox-ui-type "": use headless, gui, sdl or separate' \
	-d virtualbox --virtualbox-ui-type ''
run mc create -d facts --test-fail precreate declcheck
expect_rc 3 "a declared choice is taken (and the driver then fails as asked)"
expect_err "test driver: pre-create check failed (injected)" "... by the driver, not the core"
run mc create -d test --help
expect_out "--test-memory VALUE          memory in MB (64 to 65536)" "help shows a declared range"
expect_out "--test-engine-port VALUE     Docker port (1 to 65535; default: 2376) [\$TEST_ENGINE_PORT]" "... before the default"
run mc create -d 'x;rm' m
expect_rc 2 "driver names are validated"
run mc create -d none --url http://nope m
expect_rc 3 "bad --url is a pre-create failure"
run mc create -d test --test-engine-port notanumber m
expect_rc 2 "an integer flag rejects text"
expect_err "invalid value 'notanumber' for --test-engine-port: give a number from 1 to 65535" "the bad value is named, with the range"
run mc create -d none --tls-key-type dsa m
expect_rc 2 "bad --tls-key-type"
run mc create -d none --bogus-flag m
expect_rc 2 "flags of another driver are unknown"
# ls and active: one --timeout, one range, one message.
for verb in ls active; do
	for t in 0 -1 86401; do
		run env DOCKER_HOST=tcp://127.0.0.1:2376 machinectl $verb -t "$t"
		expect_rc 2 "$verb --timeout $t is refused"
		check "... saying the range" test "$ERR" = "Error: invalid value '$t' for --timeout: give a number from 1 to 86400. See 'machinectl $verb --help'."
	done
	run mc $verb --help
	expect_out "--timeout SECONDS            give up on machines that have not answered after this long (1 to 86400; default: 10)" \
		"$verb --help shows the range"
done
run mc ls -t 99999999999999999999
expect_rc 2 "an integer flag beyond any range is refused"
expect_err "invalid value '99999999999999999999' for --timeout: give a number from 1 to 86400" "... naming the flag and its range, not the parser's limits"
run mc ls -t soon
expect_err "invalid value 'soon' for --timeout: give a number from 1 to 86400" "an integer flag's text value is named with the flag"
run mc set --memory 2G m
expect_rc 2 "a size with a unit (2G) is refused"
expect_err "invalid value '2G' for --memory: give a plain number from 64 to 16777216 (without a unit: the help names it)" \
	"... saying that the number goes without its unit"
run mc ls -t 10s
expect_err "invalid value '10s' for --timeout: give a plain number from 1 to 86400 (without a unit" "... and so does a time with one"
run mc ls -t 1e3
expect_err "invalid value '1e3' for --timeout: give a number from 1 to 86400" "a number in another notation is not a number"
run mc create -d virtualbox --virtualbox-cpu-count 2x m
expect_rc 2 "an integer flag without a declared range rejects text too"
expect_err "invalid value '2x' for --virtualbox-cpu-count: give a plain number (without a unit: the help names it)" "... in the same words"
VIRTUALBOX_CPU_COUNT=many run mc create -d virtualbox m
expect_err "invalid value 'many' for --virtualbox-cpu-count (from \$VIRTUALBOX_CPU_COUNT): not a number" "... from its variable too"
run mc rm -y nosuch
expect_rc 1 "rm of an unknown machine"
expect_err 'machine "nosuch" does not exist' "rm names the unknown machine"
# Docker and TLS options are checked before any driver runs, with every
# driver and --no-provision too (they are recorded): nothing is created, the
# driver never ran (issue 23, 11).
bad_option() { # bad_option DESCRIPTION MESSAGE OPTIONS...
	local desc=$1 msg=$2
	shift 2
	for how in "-d none --url tcp://127.0.0.1:2376" "-d test --no-provision" "-d test"; do
		# shellcheck disable=SC2086
		run mc create $how "$@" optcheck
		expect_rc 2 "$desc ($how): a usage error"
		expect_err "$msg" "$desc ($how): names it"
		check "$desc ($how): nothing was created" test ! -e "$STORE/machines/optcheck"
	done
}
bad_option "--engine-env without =" 'invalid --engine-env "novalue"' --engine-env novalue
bad_option "--engine-env with a bad name" 'invalid --engine-env "1X=y"' --engine-env 1X=y
bad_option "--engine-env with a newline" 'contains a control character' --engine-env $'A=b\nc'
bad_option "--engine-label without =" 'invalid --engine-label "nolabel"' --engine-label nolabel
bad_option "--engine-opt with its dashes" 'invalid --engine-opt "--debug"' --engine-opt=--debug
bad_option "--engine-opt with a bad name" 'invalid --engine-opt "Log Level=x"' --engine-opt 'Log Level=x'
bad_option "--engine-opt with ESC" 'contains a control character' --engine-opt $'log-level=\e[2J'
bad_option "--engine-storage-driver with a ;" 'invalid --engine-storage-driver "overlay2;rm"' --engine-storage-driver 'overlay2;rm'
bad_option "--engine-insecure-registry with a space" 'invalid --engine-insecure-registry "a b"' --engine-insecure-registry 'a b'
bad_option "--engine-registry-mirror like an option" 'invalid --engine-registry-mirror "-x"' --engine-registry-mirror=-x
bad_option "--engine-registry-mirror with another scheme" 'invalid --engine-registry-mirror "ftp://m.example": expected an http:// or https:// URL' --engine-registry-mirror=ftp://m.example
bad_option "--engine-registry-mirror without a scheme (dockerd refuses it)" 'invalid --engine-registry-mirror "m.example:5000"' --engine-registry-mirror=m.example:5000
bad_option "--engine-insecure-registry with a scheme" 'invalid --engine-insecure-registry "http://r.example"' --engine-insecure-registry=http://r.example
# Bytes that are not UTF-8 cannot be a JSON string of config.json: they were
# dropped from the record without a word (create succeeded, the daemon never
# got them; an --engine-install-url fell back to Debian's package).
bad_option "--engine-label not UTF-8" 'is not valid UTF-8' --engine-label $'a=\xff'
bad_option "--engine-opt not UTF-8" 'is not valid UTF-8' --engine-opt $'log-opt=tag=\xc3('
bad_option "--engine-env not UTF-8" 'is not valid UTF-8' --engine-env $'A=\xed\xa0\x80'
bad_option "--engine-insecure-registry not UTF-8" 'is not valid UTF-8' --engine-insecure-registry $'r\xff.example:5000'
bad_option "--engine-registry-mirror not UTF-8" 'is not valid UTF-8' --engine-registry-mirror $'https://m\xc0\xaf.example'
bad_option "--engine-install-url not UTF-8" 'invalid --engine-install-url' --engine-install-url $'https://i.example/\xff'
run mc create -d test --test-label ok --test-label $'b\xff' optcheck
expect_rc 2 "a repeatable driver flag with a value that is not UTF-8: a usage error"
expect_err "invalid value for --test-label: not valid UTF-8" "... naming it"
check "... and nothing was created" test ! -e "$STORE/machines/optcheck"
# provision --engine-*: refused before the record changes or SSH is tried
# (port 1 of loopback: nothing listens, nothing would be provisioned).
mc create -d generic --generic-ip-address 127.0.0.1 --generic-ssh-port 1 --no-provision gutf8 >/dev/null 2>&1
gsnap=$(store_snapshot)
run mc provision --engine-label ok=1 --engine-label $'a=\xff' gutf8
expect_rc 2 "provision --engine-label that is not UTF-8: a usage error"
expect_err 'machine "gutf8": nothing was changed: --engine-label "a=\xff" is not valid UTF-8' "... naming it"
check "... and the record is unchanged" test "$gsnap" = "$(store_snapshot)"
run mc provision --engine-label provider=mine gutf8
expect_rc 2 "provision --engine-label provider=...: a usage error"
expect_err 'machinectl labels the Docker daemon provider=generic, and dockerd refuses to start with two values of one label' "... saying why"
check "... and the record is unchanged" test "$gsnap" = "$(store_snapshot)"
mc rm -f -y gutf8 >/dev/null 2>&1
# dockerd refuses to start with two values of one label ("conflict labels
# for a=2 and a=1"): the machine would be made, then its Docker never start.
bad_option "--engine-label with a key given twice" \
	'invalid --engine-label "a=2": --engine-label "a=1" gives the same key another value' \
	--engine-label a=1 --engine-label b=1 --engine-label a=2
bad_option "--engine-label provider=..." 'invalid --engine-label "provider=mine": machinectl labels the Docker daemon provider=' \
	--engine-label provider=mine
# --engine-opt label=KEY=VALUE is dockerd's --label too
bad_option "--engine-opt label= giving another value of an --engine-label key" \
	'invalid --engine-opt "label=a=2": --engine-label "a=1" gives the same key another value' \
	--engine-label a=1 --engine-opt label=a=2
bad_option "--engine-opt label=provider=..." \
	'invalid --engine-opt "label=provider=mine": machinectl labels the Docker daemon provider=' \
	--engine-opt label=provider=mine
bad_option "--engine-opt label= without KEY=VALUE" 'invalid --engine-opt "label=nokey": a label is KEY=VALUE' \
	--engine-opt label=nokey
bad_option "--tls-san IP:1.2.3.4" 'invalid --tls-san "IP:1.2.3.4"' --tls-san IP:1.2.3.4
bad_option "--tls-san \$(id)" 'invalid --tls-san "$(id)"' --tls-san '$(id)'
bad_option "--tls-san -rf" 'invalid --tls-san "-rf"' --tls-san=-rf
bad_option "--tls-san a..b" 'invalid --tls-san "a..b"' --tls-san a..b
run mc create -d test --tls-san '*.example.com' --tls-san 10.9.8.7 --tls-san ::1 --tls-san host-1.example.com \
	--engine-opt log-level=debug --engine-opt experimental --engine-label 'note=two words' \
	--engine-env HTTP_PROXY=http://127.0.0.1:3128 --engine-label $'owner=Jos\xc3\xa9 \xf0\x9f\x90\xb3' \
	--engine-label provider=test --engine-label a=1 --engine-label ab=2 --engine-label a=1 \
	--engine-opt label=a=1 --engine-opt label=c=3 optgood
expect_rc 0 "good values are accepted (a space in a label where no boot ISO is used; a label given twice with one value; provider=DRIVER)"
check "... and recorded, UTF-8 included" grep -qF '"owner=José 🐳"' "$STORE/machines/optgood/config.json"
mc rm -f optgood >/dev/null

# docker-machine's phrases, which scripts grep for (issue 23, 20).
run mc status nosuch
check "an unknown machine: Error: Docker machine \"nosuch\" does not exist" \
	test "$ERR" = 'Error: Docker machine "nosuch" does not exist'
run mc create -d none --url tcp://127.0.0.1:2376 good
check "an existing name: Error: Docker machine \"good\" already exists" \
	test "$ERR" = 'Error: Docker machine "good" already exists'
run mc env -u good
expect_rc 2 "env -u with a name"
expect_err "Expected no machine name when the -u flag is present" "docker-machine's -u message"
run env -u SHELL machinectl env -u good
expect_rc 2 "env -u with a name is a usage error even without \$SHELL"
run mc env --shell klingon good
expect_rc 2 "unknown --shell"
run mc -s "$STORE" --bogus ls
expect_rc 2 "unknown global flag"

check "nothing changed in the store" test "$before" = "$(store_snapshot)"

# A truncated or garbage config.json: verbs fail with a message, ls shows an Error row.
mkdir "$STORE/machines/trunc"
printf '{"SchemaVersion": 1, "Name": "trunc", "Driv' > "$STORE/machines/trunc/config.json"
run mc status trunc
expect_rc 1 "status of a truncated config fails"
expect_err 'machine "trunc": config.json is damaged: not valid JSON (line 1: ' "the truncated config is named, and said to be damaged"
expect_err "; 'machinectl rm -f trunc' removes the machine" "... with the way to get rid of it"
expect_one_line_err "truncated config: one line"
mkdir "$STORE/machines/garbage"
head -c 300 /dev/urandom > "$STORE/machines/garbage/config.json"
run mc inspect garbage
expect_rc 1 "inspect of a garbage config fails"
run mc ls
expect_rc 0 "ls survives broken configs"
check "ls shows both as Error rows" test "$(grep -cE '^(trunc|garbage) .* Error ' <<<"$OUT")" = 2
printf '[1,2,3]' > "$STORE/machines/garbage/config.json"
run mc status garbage
expect_err "config.json is damaged: not a JSON object" "a JSON array is refused"
printf '{"SchemaVersion": 99, "Name": "garbage"}' > "$STORE/machines/garbage/config.json"
run mc status garbage
expect_err "schema version 99, newer than this machinectl understands" "a config from the future is refused"
jq -n '{SchemaVersion: 1, Name: "garbage", Status: "created", DriverName: "../../etc/passwd", Driver: {}, HostOptions: {}}' \
	>"$STORE/machines/garbage/config.json"
run mc env garbage
expect_rc 1 "a DriverName in config.json that is no driver name is a store error (exit 1), not a usage error"
expect_err 'machine "garbage": its DriverName in config.json: invalid driver name "../../etc/passwd"' "... naming the machine and the field"
# A Status that is none of creating, created, error: damaged, not an
# interrupted creation.
jq -n '{SchemaVersion: 1, Name: "garbage", Status: "weird", DriverName: "none", Driver: {}, HostOptions: {}}' \
	>"$STORE/machines/garbage/config.json"
for verb in env status; do
	run mc $verb garbage
	expect_rc 1 "$verb: an unknown Status in config.json is a store error (exit 1)"
	expect_err "machine \"garbage\": config.json is damaged: Status is \"weird\", not creating, created or error; 'machinectl rm -f garbage' removes the machine" \
		"... naming the machine, the field, the value and the way out"
	check "... and not an interrupted creation" eval '! grep -q interrupted <<<"$ERR"'
done
run mc ls --filter name=garbage
expect_rc 0 "ls lists a machine with an unknown Status"
expect_out 'Status is "weird"' "... as an Error row saying why"
check "... not as an interrupted creation" eval '! grep -q interrupted <<<"$OUT"'
mkdir "$STORE/machines/empty"
run mc status empty
expect_err "has no config.json (its creation was interrupted)" "a machine without config.json"
# A config.json that is no file: a FIFO (no writer: its open must not hang
# every verb that lists the store) and a device (read whole, it never ends).
mkdir "$STORE/machines/fifo" "$STORE/machines/dev"
mkfifo "$STORE/machines/fifo/config.json"
ln -s /dev/zero "$STORE/machines/dev/config.json"
run timeout 20 machinectl ls
expect_rc 0 "ls does not hang on a FIFO config.json"
check "... and shows it, and the device, as Error rows" test "$(grep -cE '^(fifo|dev) .* Error ' <<<"$OUT")" = 2
run timeout 20 machinectl inspect dev
expect_rc 1 "inspect of a device config.json fails at once (the store's check refuses anything but a file)"
expect_err "$STORE/machines/dev/config.json is not a regular file (a directory, a device or a pipe, or a link to one), but the store needs a file there: move it away" \
	"... saying why, and no chmod of the device"
run timeout 20 machinectl inspect fifo
expect_rc 1 "inspect of a FIFO config.json fails"
expect_err "$STORE/machines/fifo/config.json is not a regular file" "... saying why"
run mc rm -y trunc
expect_rc 1 "rm of an unreadable machine needs -f"
expect_err 'machine "trunc": cannot remove it (-f removes its local files, and leaves any VM it had alone): config.json is damaged: not valid JSON' \
	"... and says so"
run timeout 20 machinectl rm -f trunc garbage empty fifo dev
expect_rc 0 "rm -f removes unreadable machines"
check "they are gone" test ! -e "$STORE/machines/trunc" -a ! -e "$STORE/machines/garbage" -a ! -e "$STORE/machines/empty" \
	-a ! -e "$STORE/machines/fifo" -a ! -e "$STORE/machines/dev"

# config.ini syntax error: file:line.
printf '[defaults]\ndriver = none\nthis is not ini\n' > "$STORE/config.ini"
run mc ls
expect_rc 1 "config.ini syntax error fails"
expect_err "$STORE/config.ini:3:" "config.ini error names file and line"
expect_one_line_err "config.ini error: one line"
printf '[defaults]\ncolour = red\n' > "$STORE/config.ini"
run mc ls
expect_err "config.ini:2: unknown key 'colour' in [defaults]" "unknown [defaults] key"
printf '[weird]\nx = 1\n' > "$STORE/config.ini"
run mc ls
expect_err "unknown section [weird]" "unknown section"
rm "$STORE/config.ini"

# An unwritable store.
if [ "$(id -u)" = 0 ]; then
	# root ignores modes: use a read-only bind of a file system instead.
	ro="$TEST_TMP/ro"
	mkdir -p "$ro"
	if unshare -m true 2>/dev/null; then
		run unshare -m sh -c "mount -t tmpfs -o ro tmpfs '$ro' && machinectl -s '$ro/store' create -d none --url tcp://127.0.0.1:1 x"
		expect_rc 1 "create in a read-only store fails"
		expect_err "cannot create directory $ro/store: Read-only file system" "the unwritable path is named"
	else
		not_ok "unshare -m is needed to test a read-only store as root"
	fi
else
	mkdir -p "$TEST_TMP/ro/store" && chmod 500 "$TEST_TMP/ro/store"
	run mc -s "$TEST_TMP/ro/store" create -d none --url tcp://127.0.0.1:1 x
	expect_rc 1 "create in a read-only store fails"
fi
# A yes/no flag takes its value after '=': with a space, the value would be
# a machine name and the flag on (create makes several machines).
run mc create -d test --autostart false y1
expect_rc 2 "--autostart false is a usage error"
expect_err "a yes/no flag takes its value after '=': --autostart=false ('false' as a name: put the names after --)" \
	"... saying how to write it"
check "... and neither machine was made" test ! -e "$STORE/machines/false" -a ! -e "$STORE/machines/y1"
run mc create -d test --test-paused No y1
expect_rc 2 "a driver's yes/no flag likewise (No)"
run mc create -d test --autostart -- false
expect_rc 0 "a machine named false after --"
mc rm -y false >/dev/null
run mc create -d test --test-paused f
expect_rc 0 "a one-letter name stays a name"
mc rm -y f >/dev/null
# docker-machine's legacy swarm flags name swarm mode.
for f in --swarm --swarm-master --swarm-discovery=token://x; do
	run mc create -d none --url tcp://127.0.0.1:2376 $f sw
	expect_rc 2 "create $f is a usage error"
	expect_err "docker-machine's legacy swarm, which machinectl does not run: use swarm mode (swarm-up)" "... naming swarm-up"
done
run mc config --swarm good
expect_err "use swarm mode (swarm-up)" "config --swarm names swarm-up too"
# Another driver's flag (a forgotten --driver) is named as that driver's.
run mc create -d none --url tcp://127.0.0.1:2376 --virtualbox-memory 512 od
expect_rc 2 "another driver's flag is a usage error"
expect_err "unknown flag --virtualbox-memory: a flag of the virtualbox driver, and this create uses the none driver (add --driver virtualbox)" \
	"... naming its driver and the --driver to add"
check "nothing is made" test ! -e "$STORE/machines/od"
run mc create --generic-ip-address 127.0.0.1 od
expect_err "a flag of the generic driver, and this create uses the libvirt driver (add --driver generic)" \
	"... against the default driver too"
run mc create -d none --url tcp://127.0.0.1:2376 --none-bogus 1 od
check "the chosen driver's own unknown flag is only unknown: $ERR" \
	test "$ERR" = "Error: unknown flag --none-bogus. See 'machinectl create --help'."
done_testing
