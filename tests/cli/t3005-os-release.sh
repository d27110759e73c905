#!/bin/bash
# create without an ISO: the newest machine OS ISO in the caches, else the
# release download (MACHINECTL_ISO_URL, config.ini iso-url) verified against
# the SHA-256 published beside it — good, cached, a progress bar on a
# terminal, corrupted, truncated and resumed, 404, wrong or malformed
# checksum — and an error that names both ways to get one.  The release server
# is tests/lib/http-range-server.py on 127.0.0.1; the VMs are libvirt's
# test:///default (nothing boots).
# In a network namespace of its own: the test driver's domains report
# addresses in 192.168.122.0/24, which must lead nowhere.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

export MACHINECTL_DRIVER_PATH="${MC_BUILDDIR:-$(dirname "$MC_BIN")}/drivers/libvirt/.libs${MACHINECTL_DRIVER_PATH:+:$MACHINECTL_DRIVER_PATH}"
unset LIBVIRT_URI LIBVIRT_BOOT2DOCKER_URL
T="--libvirt-uri test:///default --no-provision --libvirt-disk-size 64"
drv() { jq -r ".Driver.$2" "$STORE/machines/$1/config.json"; }
no_iso_in_cache() { test -z "$(find "$STORE/cache" -name '*.iso' 2>/dev/null)"; }
no_part_in_cache() { test -z "$(find "$STORE/cache" -name '*.part' 2>/dev/null)"; }

W="$TEST_TMP/www"
mkdir -p "$W/bad" "$W/wrongsum" "$W/badsum" "$W/onlysum" "$W/v2"
ISO="$W/machinectl-os.iso"
fake_iso "$ISO" MACHINECTL-OS-9.9.9-20261204 4M
dd if=/dev/urandom of="$ISO" bs=64K seek=1 count=62 conv=notrunc status=none  # content past the PVD
SHA=$(sha256sum "$ISO" | cut -c1-64)
(cd "$W" && sha256sum machinectl-os.iso >machinectl-os.iso.sha256)
# (/flaky/NAME serves NAME, the first time only half of it: http-range-server.py)
# bad/: one byte of the ISO changed (its bits flipped: the byte is random, a
# fixed one would match it once in 256 runs), the good checksum
cp "$ISO" "$ISO.sha256" "$W/bad/"
B=$(od -An -tu1 -j $((3 << 20)) -N1 "$ISO")
printf "\\$(printf %03o $((B ^ 255)))" | dd of="$W/bad/machinectl-os.iso" bs=1 seek=$((3 << 20)) conv=notrunc status=none
check "bad/ differs from the good ISO" test "$(sha256sum <"$W/bad/machinectl-os.iso" | cut -c1-64)" != "$SHA"
# wrongsum/: the good ISO, another file's checksum
cp "$ISO" "$W/wrongsum/"
echo "$(printf 'ab%.0s' $(seq 32))  machinectl-os.iso" >"$W/wrongsum/machinectl-os.iso.sha256"
# badsum/: a checksum file that holds no checksum
cp "$ISO" "$W/badsum/"
echo "<html>Not a checksum</html>" >"$W/badsum/machinectl-os.iso.sha256"
# onlysum/: the checksum without the ISO
cp "$ISO.sha256" "$W/onlysum/"
# v2/: another release
fake_iso "$W/v2/machinectl-os.iso" MACHINECTL-OS-9.9.10-20261205 256K
SHA2=$(sha256sum "$W/v2/machinectl-os.iso" | cut -c1-64)
(cd "$W/v2" && sha256sum machinectl-os.iso >machinectl-os.iso.sha256)

http_server "$W"
BASE=$HTTP_BASE
URL="$BASE/machinectl-os.iso"
requests() { grep -c . "$TEST_TMP/requests" 2>/dev/null || echo 0; }

# Nothing cached, no release URL: both ways are named.
run mc create -d libvirt $T n0
expect_rc 3 "no ISO anywhere and no release URL: the pre-create check fails"
expect_err "no release URL is set" "the error says no release URL is set"
expect_err "iso-url in config.ini [defaults] or MACHINECTL_ISO_URL" "it names how to set one"
expect_err "machinectl os build" "it names the command that builds the machine OS"
check "nothing is kept" test ! -e "$STORE/machines/n0"

# A downloaded ISO that is not the machine OS (a --iso URL) is not a default.
mkdir -p "$STORE/cache"
fake_iso "$STORE/cache/sha256-$(printf 'cd%.0s' $(seq 32)).iso" BOOT2DOCKER-V1 64K
run mc create -d libvirt $T n1
expect_rc 3 "another ISO in the cache is not the machine OS"
rm -f "$STORE/cache/"*

# The release: its checksum, then the ISO, verified, into the cache.  On a
# terminal, a progress bar.
export MACHINECTL_ISO_URL="$URL"
script -qec "machinectl create -d libvirt $T g1" "$TEST_TMP/typescript" >/dev/null 2>&1 </dev/null
check "create downloads the release (on a terminal)" test -e "$STORE/machines/g1"
check "a progress bar is drawn" grep -q 'Downloading the ISO \[#*\.*\] *[0-9]*% [0-9.]*/4.0 MiB' "$TEST_TMP/typescript"
check "... up to 100%" grep -qF 'Downloading the ISO [##############################] 100% 4.0/4.0 MiB' "$TEST_TMP/typescript"
check "create says which checksum it verifies" \
	grep -qF "The machine OS release $URL has SHA-256 $SHA ($URL.sha256)" "$TEST_TMP/typescript"
check "the checksum first, then the ISO" \
	test "$(cut -d' ' -f2 "$TEST_TMP/requests")" = "/machinectl-os.iso.sha256
/machinectl-os.iso"
check "the ISO is cached by its content hash" cmp -s "$ISO" "$STORE/cache/sha256-$SHA.iso"
check "the machine boots the cached copy" test "$(drv g1 ISO)" = "$STORE/cache/sha256-$SHA.iso"
check "its source is the default" test "$(drv g1 ISOSource)" = default
check "its volume ID is recorded" test "$(drv g1 ISOVersion)" = MACHINECTL-OS-9.9.9-20261204

# The newest machine OS ISO in the cache comes before the release.
n=$(requests)
run mc create -d libvirt $T g2
expect_rc 0 "a second create succeeds"
check "... with no request to the release server" test "$(requests)" = "$n"
check "... from the cache" test "$(drv g2 ISO)" = "$STORE/cache/sha256-$SHA.iso"
fake_iso "$STORE/cache/sha256-$(printf 'ef%.0s' $(seq 32)).iso" MACHINECTL-OS-0.0.1-20200101 64K
touch -d '2020-01-01' "$STORE/cache/sha256-$(printf 'ef%.0s' $(seq 32)).iso"
run mc create -d libvirt $T g3
check "the newest of two machine OS ISOs is used" test "$(drv g3 ISO)" = "$STORE/cache/sha256-$SHA.iso"
run mc rm -y g1 g2 g3
rm -f "$STORE/cache/"*

# config.ini's iso-url, and MACHINECTL_ISO_URL winning over it.
printf '[defaults]\niso-url = %s\n' "$BASE/v2/machinectl-os.iso" >"$STORE/config.ini"
unset MACHINECTL_ISO_URL
run mc create -d libvirt $T c1
expect_rc 0 "create downloads from config.ini's iso-url"
check "... that release" test "$(drv c1 ISO)" = "$STORE/cache/sha256-$SHA2.iso"
rm -f "$STORE/cache/"*
printf '[defaults]\niso-url = %s\n' "$BASE/nosuch/machinectl-os.iso" >"$STORE/config.ini"
MACHINECTL_ISO_URL="$URL" run mc create -d libvirt $T c2
expect_rc 0 "MACHINECTL_ISO_URL wins over config.ini's iso-url"
check "... its release is used" test "$(drv c2 ISO)" = "$STORE/cache/sha256-$SHA.iso"
run mc rm -y c1 c2
rm -f "$STORE/cache/"* "$STORE/config.ini"

# Corrupted in transit (or on the server): refused, nothing kept.
export MACHINECTL_ISO_URL="$BASE/bad/machinectl-os.iso"
run mc create -d libvirt $T x1
expect_rc 3 "a corrupted ISO fails the pre-create check"
expect_err "but $BASE/bad/machinectl-os.iso.sha256 expects $SHA" "the error names the published checksum"
expect_err "nothing was kept" "the error says nothing was kept"
expect_err "machinectl os build" "the error names the other way: building it"
check "no ISO is cached" no_iso_in_cache
check "no partial download is left" no_part_in_cache
check "no machine is left" test ! -e "$STORE/machines/x1"

# Truncated mid-download: the part is kept, the next create resumes it.
export MACHINECTL_ISO_URL="$BASE/flaky/machinectl-os.iso"
run mc create -d libvirt $T r1
expect_rc 3 "a download cut half-way fails the pre-create check"
expect_err "run the command again to resume" "the error says the download resumes"
part=$(find "$STORE/cache" -name '*.part')
check "half of the ISO is kept ($(stat -c %s "$part" 2>/dev/null) bytes)" test "$(stat -c %s "$part" 2>/dev/null)" = $((2 << 20))
run mc create -d libvirt $T r1
expect_rc 0 "the next create succeeds"
expect_out "Resuming the download of $BASE/flaky/machinectl-os.iso at 2 MB" "it resumes"
check "from where it stopped (Range: bytes=$((2 << 20))-)" \
	grep -qx "GET /flaky/machinectl-os.iso range=bytes=$((2 << 20))-" "$TEST_TMP/requests"
check "the resumed ISO is whole" cmp -s "$ISO" "$STORE/cache/sha256-$SHA.iso"
check "no partial download is left" no_part_in_cache
run mc rm -y r1
rm -f "$STORE/cache/"*

# 404: the checksum, then the ISO.
export MACHINECTL_ISO_URL="$BASE/nosuch/machinectl-os.iso"
run mc create -d libvirt $T f1
expect_rc 3 "a release URL without a checksum fails the pre-create check"
expect_err "the release publishes no checksum at $BASE/nosuch/machinectl-os.iso.sha256 (HTTP 404)" "the error names the checksum URL"
expect_err "machinectl os build" "and the build command"
export MACHINECTL_ISO_URL="$BASE/onlysum/machinectl-os.iso"
run mc create -d libvirt $T f2
expect_rc 3 "a missing ISO (404) fails the pre-create check"
expect_err "cannot download the ISO $BASE/onlysum/machinectl-os.iso: HTTP 404" "the error names the ISO's URL and 404"
expect_err "machinectl os build" "and the build command"

# The wrong checksum, and a file that holds none.
export MACHINECTL_ISO_URL="$BASE/wrongsum/machinectl-os.iso"
run mc create -d libvirt $T w1
expect_rc 3 "an ISO that does not match its published checksum fails the pre-create check"
expect_err "has SHA-256 $SHA, but $BASE/wrongsum/machinectl-os.iso.sha256 expects abab" "the error shows both hashes"
check "no ISO is cached" no_iso_in_cache
export MACHINECTL_ISO_URL="$BASE/badsum/machinectl-os.iso"
n=$(requests)
run mc create -d libvirt $T w2
expect_rc 3 "a checksum file without a checksum fails the pre-create check"
expect_err "$BASE/badsum/machinectl-os.iso.sha256 does not start with a SHA-256" "the error names the checksum file"
check "the ISO was not even requested" test "$(requests)" = $((n + 1))
export MACHINECTL_ISO_URL="ftp://127.0.0.1/machinectl-os.iso"
run mc create -d libvirt $T w3
expect_rc 2 "a release URL that is not http(s) is a usage error"
expect_err "invalid machine OS release URL \"ftp://127.0.0.1/machinectl-os.iso\"" "it is named"
check "no machine was left by the failures" test -z "$(ls "$STORE/machines")"

# upgrade takes the same default (the test plugin driver: its machines live on).
unset MACHINECTL_ISO_URL
mc create -d test u1 >/dev/null || not_ok "setup: create u1"
MACHINECTL_ISO_URL="$URL" run mc upgrade u1
expect_rc 0 "upgrade without --iso downloads the release"
check "... and boots it" test "$(drv u1 ISO)" = "$STORE/cache/sha256-$SHA.iso"
run mc rm -y u1
done_testing
