#!/bin/bash
# --iso URLs through the real binary: download into <store>/cache/ once, reuse,
# and the pre-create errors (404, --iso-sha256), against a loopback HTTP
# server (tests/lib/http-range-server.py on 127.0.0.1) and test:///default.
# In a network namespace of its own: the test driver's domains report
# addresses in 192.168.122.0/24, which must lead nowhere.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

export MACHINECTL_DRIVER_PATH="${MC_BUILDDIR:-$(dirname "$MC_BIN")}/drivers/libvirt/.libs${MACHINECTL_DRIVER_PATH:+:$MACHINECTL_DRIVER_PATH}"
unset LIBVIRT_URI MACHINECTL_ISO MACHINECTL_ISO_SHA256 LIBVIRT_BOOT2DOCKER_URL
T="--libvirt-uri test:///default --no-provision --libvirt-disk-size 64"

mkdir -p "$TEST_TMP/www"
ISO="$TEST_TMP/www/os.iso"
fake_iso "$ISO" URL-ISO-2.0 256K
SHA=$(sha256sum "$ISO" | cut -c1-64)

http_server "$TEST_TMP/www"
URL="$HTTP_BASE/os.iso"

run mc create -d libvirt $T --iso "$URL" u1
expect_rc 0 "create --iso http://... succeeds"
expect_out "Downloading $URL to $STORE/cache..." "create says it downloads the ISO"
check "the ISO is cached by its content hash" cmp -s "$ISO" "$STORE/cache/sha256-$SHA.iso"
check "the domain boots the cached copy" grep -q "\"ISO\": \"$STORE/cache/sha256-$SHA.iso\"" "$STORE/machines/u1/config.json"
check "the source URL is recorded" grep -q "\"ISOSource\": \"$URL\"" "$STORE/machines/u1/config.json"
check "the volume ID is recorded" grep -q '"ISOVersion": "URL-ISO-2.0"' "$STORE/machines/u1/config.json"

run mc create -d libvirt $T --iso "$URL" --iso-sha256 "$SHA" u2
expect_rc 0 "a second create with the same URL succeeds"
check "it made no new request" test "$(grep -c . "$TEST_TMP/requests")" = 1

run mc create -d libvirt $T --iso "${URL%/os.iso}/missing.iso" u3
expect_rc 3 "a 404 fails the pre-create check (exit 3)"
expect_err "HTTP 404" "the error says 404"
check "nothing is kept for the 404" test ! -e "$STORE/machines/u3"

rm -f "$STORE/cache/"*
run mc create -d libvirt $T --iso "$URL" --iso-sha256 "$(printf '1%.0s' $(seq 64))" u4
expect_rc 3 "a download with the wrong --iso-sha256 fails the pre-create check"
expect_err "nothing was kept" "the error says the download was dropped"
check "no ISO is left in the cache" test -z "$(ls "$STORE/cache")"

run mc create -d libvirt $T --iso "${URL/http:/https:}" u5
expect_rc 3 "https to a plain-HTTP server fails the pre-create check"
expect_err "TLS error" "the error says TLS"

# The driver's own flags are checked before the ISO: a bad one costs no
# download, and is what create reports even when no ISO can be found.
n=$(grep -c . "$TEST_TMP/requests")
run mc create -d libvirt $T --iso "$URL" --libvirt-memory 1 u6
expect_rc 2 "a driver flag outside its range is a usage error"
expect_err "invalid value '1' for --libvirt-memory: give a number from 64" "the error names the flag"
check "the ISO was not downloaded for it" test "$(grep -c . "$TEST_TMP/requests")" = "$n"
check "create did not say it downloads" test -z "$(grep Downloading <<<"$OUT")"
check "nothing is kept for it" test ! -e "$STORE/machines/u6"
run mc create -d libvirt $T --libvirt-ip 300.1.1.1 u7
expect_rc 3 "without any ISO, a bad driver flag still fails the pre-create check"
expect_err 'invalid --libvirt-ip "300.1.1.1"' "... naming the flag, not the missing ISO"
# So is a name already taken: create has nothing to make, and downloads nothing.
n=$(grep -c . "$TEST_TMP/requests")
run mc create -d libvirt $T --iso "$URL" u1
expect_rc 1 "create of an existing machine fails"
expect_err 'Docker machine "u1" already exists' "docker-machine's words"
check "the ISO was not downloaded for it" test "$(grep -c . "$TEST_TMP/requests")" = "$n"

# Another command downloading or checking the same URL holds its .part file's
# lock: create waits for it as long as it takes, and says so.
cp "$ISO" "$TEST_TMP/www/os2.iso"
URL2="$HTTP_BASE/os2.iso"
mkdir -p "$STORE/cache"
hold_lock "$STORE/cache/.url-$(printf %s "$URL2" | sha256sum | cut -c1-16).part" 2
run mc create -d libvirt $T --iso "$URL2" w1
wait "$holder"
expect_rc 0 "create waits for another download of the same ISO"
expect_err "Waiting for the ISO cache: another command is downloading or checking this ISO (pid $holder, flock)... " \
	"... and says so, naming the holder"
check "... with the time waited, in one line" \
	test "$(grep -cE '^Waiting for the ISO cache: .*\.\.\. [0-9.]+m?s$' <<<"$ERR")" = 1
check "... then downloads it" cmp -s "$ISO" "$STORE/cache/sha256-$SHA.iso"

run mc rm -y u1 u2 w1
done_testing
