#!/bin/bash
# The libvirt driver through the real binary, against libvirt's test:///default
# (no hypervisor).  test:///default lives only as long as the process, so each
# invocation starts empty: create runs whole here (define, start, IP), while
# the lifecycle across verbs is tested in-process by tests/unit/test-libvirt.
# In a network namespace of its own: the test driver's domains report
# addresses in 192.168.122.0/24, which must lead nowhere.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

export MACHINECTL_DRIVER_PATH="${MC_BUILDDIR:-$(dirname "$MC_BIN")}/drivers/libvirt/.libs${MACHINECTL_DRIVER_PATH:+:$MACHINECTL_DRIVER_PATH}"
unset LIBVIRT_URI LIBVIRT_MEMORY LIBVIRT_BOOT2DOCKER_URL

# A fake ISO: the ISO 9660 signature and a volume ID, nothing bootable.
ISO="$TEST_TMP/fake.iso"
fake_iso "$ISO" FAKE-ISO-1.0
T="--libvirt-uri test:///default --no-provision"

drv() { # drv MACHINE KEY: a field of the machine's Driver object
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Driver"].get(sys.argv[2], ""))' \
		"$STORE/machines/$1/config.json" "$2"
}

# The module loads libvirt on first use (drivers/libvirt/lv-lazy.c): a libvirt
# function without its trampoline would be an undefined symbol, and dlopen fails.
MOD="${MC_BUILDDIR:-$(dirname "$MC_BIN")}/drivers/libvirt/.libs/machinectl-driver-libvirt.so"
check "the module leaves no libvirt symbol to the loader" test -z "$(nm -D -u "$MOD" | grep -E ' vir[A-Z]')"

run mc create --help --driver libvirt
expect_rc 0 "create --help --driver libvirt"
for f in "libvirt-uri VALUE.*(default: qemu:///system) \[\$LIBVIRT_URI\]" \
	"libvirt-cpu-count VALUE.*(1 to 256; default: 1) \[\$LIBVIRT_CPU_COUNT\]" \
	"libvirt-memory VALUE.*(64 to 16777216; default: 1024) \[\$LIBVIRT_MEMORY\]" \
	"libvirt-disk-size VALUE.*(64 to 67108864; default: 20000) \[\$LIBVIRT_DISK_SIZE\]" \
	"libvirt-network VALUE.*(default: default) \[\$LIBVIRT_NETWORK\]" \
	"libvirt-domain-type VALUE.*(default: auto) \[\$LIBVIRT_DOMAIN_TYPE\]" \
	"libvirt-cache-mode VALUE.*(default: default) \[\$LIBVIRT_CACHE_MODE\]" \
	"libvirt-tb-cache VALUE.*(0 to 1024; default: 128) \[\$LIBVIRT_TB_CACHE\]" \
	"libvirt-ip-timeout VALUE.*(1 to 86400; default: 300) \[\$LIBVIRT_IP_TIMEOUT\]" \
	"libvirt-stop-timeout VALUE.*(0 to 86400; default: 90) \[\$LIBVIRT_STOP_TIMEOUT\]" \
	"--iso VALUE.*\[\$MACHINECTL_ISO\]" \
	"libvirt-boot2docker-url VALUE.*alias of --iso \[\$LIBVIRT_BOOT2DOCKER_URL\]" \
	"iso-sha256 VALUE.*\[\$MACHINECTL_ISO_SHA256\]"; do
	# An option too long for help's left column has its text on the next line.
	check "--help lists: ${f%% *}" grep -q -- "$f" <<<"$(sed -z 's/\n \{35\}/ /g' <<<"$OUT$ERR")"
done

# A declared range holds whatever set the value (the parser checks the
# command line and the environment, create checks config.ini), with one
# message naming the flag, the value, the range and where it was set; exit 2,
# before the driver runs: no domain, no machine.
bad_count() { # bad_count DESC FROM ENV... -- ARGS...: create ARGS with ENV is refused
	local desc=$1 from=$2 envs=()
	shift 2
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	run env "${envs[@]}" machinectl create -d libvirt $T --iso "$ISO" "$@" badcount
	expect_rc 2 "$desc: a usage error"
	expect_err "Error: invalid value '0' for --libvirt-cpu-count$from: give a number from 1 to 256" "$desc: one message"
	check "$desc: nothing was made" test ! -e "$STORE/machines/badcount"
}
bad_count "--libvirt-cpu-count 0" "" -- --libvirt-cpu-count 0
bad_count "\$LIBVIRT_CPU_COUNT=0" " (from \$LIBVIRT_CPU_COUNT)" LIBVIRT_CPU_COUNT=0 --
mkdir -p "$STORE"
printf '[defaults]\ncpus = 0\n' >"$STORE/config.ini"
bad_count "cpus = 0 in [defaults]" " (from cpus in [defaults] of $STORE/config.ini)" --
printf '[driver.libvirt]\nlibvirt-cpu-count = 0\n' >"$STORE/config.ini"
bad_count "libvirt-cpu-count = 0 in [driver.libvirt]" " (from libvirt-cpu-count in [driver.libvirt] of $STORE/config.ini)" --
rm -f "$STORE/config.ini"
run env LIBVIRT_CPU_COUNT=0 machinectl create -d libvirt $T --iso "$ISO" --libvirt-cpu-count 2 --libvirt-disk-size 64 goodcount
expect_rc 0 "the flag beats a bad \$LIBVIRT_CPU_COUNT (which is not read)"
check "... and gives the CPUs" test "$(drv goodcount CPU)" = 2
machinectl rm -y goodcount >/dev/null

# A driver that boots an ISO runs the machine OS or boot2docker, whose profile
# cannot carry a space in a daemon option: refused before the domain is made
# (issue 23, 11).
run mc create -d libvirt $T --iso "$ISO" --engine-label 'note=two words' blanks
expect_rc 2 "a space in --engine-label with a boot ISO is a usage error"
expect_err 'contains a space' "that says why"
check "no machine was made" test ! -e "$STORE/machines/blanks"

run env LIBVIRT_MEMORY=700 machinectl create -d libvirt $T --iso "$ISO" --libvirt-disk-size 300 t1
expect_rc 0 "create on test:///default succeeds"
expect_out "Running pre-create checks..." "create prints the pre-create phase"
expect_out "(t1) Creating the data disk (300 MB, sparse)..." "create says it makes the data disk"
expect_out "(t1) Starting the libvirt domain machinectl-t1 (type test)..." "create names the domain and its type"
expect_out "(t1) Waiting for an IP..." "create waits for an IP"
check "config.json records the URI" test "$(drv t1 URI)" = "test:///default"
check "config.json records the domain name" test "$(drv t1 DomainName)" = "machinectl-t1"
check "config.json records a 52:54:00 MAC" grep -qE '^52:54:00(:[0-9a-f]{2}){3}$' <<<"$(drv t1 MACAddress)"
check "config.json records the domain UUID" grep -qE '^[0-9a-f-]{36}$' <<<"$(drv t1 UUID)"
check "config.json records the IP seen" grep -qE '^[0-9.]+$' <<<"$(drv t1 IPAddress)"
check "LIBVIRT_MEMORY sets the memory" test "$(drv t1 Memory)" = 700
check "the ISO's volume ID is recorded" test "$(drv t1 ISOVersion)" = "FAKE-ISO-1.0"
check "the ISO path is recorded" test "$(drv t1 ISO)" = "$ISO"
# A libvirt.so.0 without libvirt's functions (a broken installation): the
# module's loader ends the process naming the package, as the core's does.
mkdir -p "$TEST_TMP/stub"
echo 'int nothing(void) { return 0; }' >"$TEST_TMP/stub.c"
${CC:-cc} -shared -fPIC -o "$TEST_TMP/stub/libvirt.so.0" "$TEST_TMP/stub.c"
run env LD_LIBRARY_PATH="$TEST_TMP/stub" machinectl status t1
check "a broken libvirt.so.0: exit 1, the function and the package named ($ERR)" \
	test "$RC" = 1 -a -n "$(grep -F 'Error: libvirt.so.0 has no function vir' <<<"$ERR" | grep -F 'apt install --reinstall libvirt0')"
DISK="$STORE/machines/t1/disk.raw"
check "config.json records the disk" test "$(drv t1 DiskPath)" = "$DISK"
check "the data disk is exactly 300 MB" test "$(stat -c %s "$DISK")" = $((300 << 20))
check "the data disk is sparse" test "$(du -k "$DISK" | cut -f1)" -lt 1024
check "the data disk starts with the format-me magic" \
	test "$(head -c 29 "$DISK")" = "boot2docker, please format-me"
check "the data disk's tar holds the machine's key" \
	cmp -s <(tar -xOf "$DISK" .ssh/authorized_keys) "$STORE/machines/t1/id_ed25519.pub"

# A new process: test:///default is empty again, so the domain is gone.
run mc ls
expect_out "t1" "ls lists the machine"
expect_out "no longer exists at test:///default" "ls says the domain is gone"
run mc rm -y t1
expect_rc 0 "rm succeeds when the domain is already gone"
check "rm deletes the store entry (and the disk)" test ! -e "$STORE/machines/t1"

# The alias of --iso.
run mc create -d libvirt $T --libvirt-boot2docker-url "file://$ISO" --libvirt-disk-size 64 t2
expect_rc 0 "--libvirt-boot2docker-url (file://) works"
check "ISOSource keeps the URL" test "$(drv t2 ISOSource)" = "file://$ISO"
run mc rm -y t2
# flag > environment > config.ini, across the alias: an --iso that only the
# environment set does not beat --libvirt-boot2docker-url on the command line.
run env MACHINECTL_ISO="$TEST_TMP/no-such.iso" machinectl create -d libvirt $T \
	--libvirt-boot2docker-url "file://$ISO" --libvirt-disk-size 64 t2
expect_rc 0 "--libvirt-boot2docker-url beats \$MACHINECTL_ISO"
check "... and is the ISO recorded" test "$(drv t2 ISOSource)" = "file://$ISO"
run mc rm -y t2
# The other way round, and the sections of config.ini: the spelling set
# where precedence is higher wins, whichever it is.
run env LIBVIRT_BOOT2DOCKER_URL="$TEST_TMP/no-such.iso" MACHINECTL_ISO= machinectl create -d libvirt $T \
	--iso "$ISO" --libvirt-disk-size 64 t2
expect_rc 0 "--iso beats \$LIBVIRT_BOOT2DOCKER_URL"
run mc rm -y t2
printf '[defaults]\niso = %s\n' "$ISO" >"$STORE/config.ini"
run env LIBVIRT_BOOT2DOCKER_URL="$TEST_TMP/no-such.iso" machinectl create -d libvirt $T --libvirt-disk-size 64 t2
expect_rc 3 "\$LIBVIRT_BOOT2DOCKER_URL beats iso in [defaults]"
expect_err "\$LIBVIRT_BOOT2DOCKER_URL: " "... and the error says where the ISO was set"
check "... and nothing is kept" test ! -e "$STORE/machines/t2"
printf '[defaults]\niso = %s\n[driver.libvirt]\nlibvirt-boot2docker-url = %s\n' "$ISO" "$TEST_TMP/no-such.iso" \
	>"$STORE/config.ini"
run mc create -d libvirt $T --libvirt-disk-size 64 t2
expect_rc 3 "[driver.libvirt] libvirt-boot2docker-url beats [defaults] iso"
expect_err "libvirt-boot2docker-url in [driver.libvirt] of $STORE/config.ini: " "... named in the error"
rm -f "$STORE/config.ini"
run mc create -d libvirt $T --iso "$ISO" --libvirt-boot2docker-url "file://$ISO" t2
expect_rc 2 "--iso and --libvirt-boot2docker-url together are a usage error"
expect_err "--iso and --libvirt-boot2docker-url are the same option (the boot ISO): give one of them" "... naming both"
run mc create -d libvirt $T --iso '' t2
expect_rc 2 "an empty --iso is a usage error, not the default ISO"
expect_err "--iso is empty: give a path or a URL, or leave it out for the default ISO" "... saying so"
run mc create -d libvirt $T --libvirt-boot2docker-url '' t2
expect_rc 2 "an empty --libvirt-boot2docker-url is a usage error too"
expect_err "--libvirt-boot2docker-url is empty: give a path or a URL" "... naming the spelling given"
run mc create -d libvirt --libvirt-uri '' --no-provision --iso "$ISO" t2
expect_rc 3 "an empty --libvirt-uri is refused"
expect_err "--libvirt-uri is empty" "... saying so"
check "nothing is kept" test ! -e "$STORE/machines/t2"

# Pre-create failures: exit 3, nothing kept.
run mc create -d libvirt --libvirt-uri bogus:///x --no-provision --iso "$ISO" b1
expect_rc 3 "an unreachable URI fails the pre-create check (exit 3)"
expect_err "Error with pre-create check: cannot connect to libvirt at bogus:///x" "the error names the URI"
check "nothing is kept" test ! -e "$STORE/machines/b1"
run mc create -d libvirt $T --libvirt-network nonet --iso "$ISO" b2
expect_rc 3 "a missing network fails the pre-create check"
expect_err "libvirt network \"nonet\" not found at test:///default: list the networks with 'virsh -c test:///default net-list --all'" \
	"the error names the network and virsh net-list --all"
run mc create -d libvirt $T --libvirt-domain-type xen --iso "$ISO" b3
expect_rc 3 "a bad --libvirt-domain-type fails the pre-create check"
expect_err "use auto, kvm or qemu" "the error lists the domain types"
run mc create -d libvirt $T --iso "$TEST_TMP/none.iso" b4
expect_rc 3 "a missing ISO fails the pre-create check"
expect_err "none.iso" "the error names the ISO"
run mc create -d libvirt $T b5
expect_rc 3 "no ISO and no machine OS build: pre-create check fails"
expect_err "machinectl os build" "the error prints the command that builds the ISO"
run mc create -d libvirt $T --iso "$ISO" --iso-sha256 0000000000000000000000000000000000000000000000000000000000000000 b6
expect_rc 3 "a wrong --iso-sha256 fails the pre-create check"
expect_err "but --iso-sha256 expects 0000" "the error shows both hashes"
check "no machine was left by the failures" test -z "$(ls "$STORE/machines")"

# The default ISO: the machine OS build cache.
mkdir -p "$MACHINECTL_ISO_CACHE/0123456789abcdef"
cp "$ISO" "$MACHINECTL_ISO_CACHE/0123456789abcdef/machinectl-os.iso"
run mc create -d libvirt $T --libvirt-disk-size 64 t3
expect_rc 0 "without --iso the machine OS build is used"
check "ISOSource says default" test "$(drv t3 ISOSource)" = default
check "ISO is the build" test "$(drv t3 ISO)" = "$MACHINECTL_ISO_CACHE/0123456789abcdef/machinectl-os.iso"
run mc rm -y t3

# Crash safety with the libvirt driver: create killed (SIGKILL) at each of its
# steps (tests/cli/t8001-crash.sh has the list).  test:///default dies with
# the process, so what is checked is the store: ls tells the truth and rm -f
# removes the machine completely; the real-VM suite checks the domain side.
for point in create-after-reserve create-after-record create-after-certs create-after-sshkey \
	create-after-driver create-after-server-cert create-after-created; do
	MC_TEST_KILL_AT=$point machinectl create -d libvirt $T --iso "$ISO" --libvirt-disk-size 64 k1 \
		>/dev/null 2>&1 </dev/null
	check "$point: create is killed there" test $? = 137
	run mc ls --format '{{.Name}} {{.State}} {{.Error}}'
	expect_rc 0 "$point: ls works after the kill"
	if [ $point = create-after-created ]; then
		# Created: its domain lived in the killed process, and ls says so.
		check "$point: ls names the missing domain" grep -q "^k1 Error .*no longer exists" <<<"$OUT"
	else
		check "$point: ls shows an interrupted creation" grep -q "^k1 Error .*rm -f k1" <<<"$OUT"
	fi
	run mc rm -f k1
	expect_rc 0 "$point: rm -f removes it"
	check "$point: nothing is left" test -z "$(ls -A "$STORE/machines")"
done

done_testing
