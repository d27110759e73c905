#!/bin/bash
# A new user's path on a real VM: the Debian packages (make deb) installed
# with apt, no ISO configured and none cached; the user's config.ini names the
# release URL (a loopback HTTP server inside the test's network namespace,
# serving the machine OS ISO of the build-iso cache and its .sha256).  create
# downloads and verifies it and boots a real VM under libvirt.  Then `os
# build` finds the tree's build (the installed inputs are the tree's), `os
# build --force` builds the machine OS from the installed files, and create
# boots that one.  One VM
# at a time; the packages are purged at the end.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/e2e/lib-libvirtd.sh"
: "${MC_BUILDDIR:?}"
DEB_DIR=${MC_DEB_DIR:-$MC_BUILDDIR/deb}
PROG=docker-machinectl
PKGS="$PROG $PROG-libvirt $PROG-os-builder"
# The installed program with its installed modules, and no ISO from the
# environment (nor, below, from a build cache).
unset MACHINECTL_DRIVER_PATH MACHINECTL_ISO MACHINECTL_ISO_URL MACHINECTL_ISO_SHA256 MACHINECTL_OS_BUILDER \
	MACHINECTL_ISO_CACHE
# An elapsed time as os build shows it: 88ms, 2.5s, 3m03s.
DUR='([0-9]+ms|[0-9]+\.[0-9]s|[0-9]+m[0-5][0-9]s)'
drv() { jq -r ".Driver.$2" "$STORE/machines/$1/config.json"; }

[ "$(id -u)" = 0 ] || { echo "Bail out! installing packages needs root"; exit 1; }
deb() { ls "$DEB_DIR/$1"_*.deb 2>/dev/null | head -n 1; }
if [ -z "$(deb $PROG)" ]; then
	echo "# no .debs in $DEB_DIR: make deb"
	make -C "$MC_BUILDDIR" deb >"$TEST_TMP/deb.log" 2>&1 ||
		{ tail -n 20 "$TEST_TMP/deb.log" | sed 's/^/# /'; echo "Bail out! make deb failed"; exit 1; }
fi
apt_q() { DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 "$@" >>"$TEST_TMP/apt.log" 2>&1; }
purge_ours() {
	local p any=
	for p in $PKGS $PROG-dev; do dpkg-query -W "$p" >/dev/null 2>&1 && any="$any $p"; done
	[ -z "$any" ] || apt_q purge $any
}
purge_ours
at_exit purge_ours
run apt_q install --no-install-recommends "$(deb $PROG)" "$(deb $PROG-libvirt)" "$(deb $PROG-os-builder)"
expect_rc 0 "the packages install"
[ "$RC" = 0 ] || { tail -n 20 "$TEST_TMP/apt.log" | sed 's/^/# /'; echo "Bail out! apt-get install failed"; exit 1; }
version=$(dpkg-query -W -f '${Version}' $PROG)

# The release: the machine OS ISO of the build-iso cache, with its checksum.
ISO=$("$MC_SRCDIR/scripts/build-iso" 2>"$TEST_TMP/build-iso.log" | tail -n 1) ||
	{ tail -n 20 "$TEST_TMP/build-iso.log" | sed 's/^/# /'; echo "Bail out! scripts/build-iso failed"; exit 1; }
HASH=$(basename "$(dirname "$ISO")")
REL="$TEST_TMP/www/v$version"
mkdir -p "$REL"
cp "$ISO" "$ISO.sha256" "$REL/"
SHA=$(cut -c1-64 "$REL/machinectl-os.iso.sha256")
check "the release's checksum is the ISO's" test "$(sha256sum <"$REL/machinectl-os.iso" | cut -c1-64)" = "$SHA"
# The user has no build cache.
export MACHINECTL_ISO_CACHE="$TEST_TMP/no-build-cache"

lv_start
at_exit lv_stop
ip netns exec "$LV_NS" python3 "$MC_SRCDIR/tests/lib/http-range-server.py" "$TEST_TMP/www" "$TEST_TMP/port" "$TEST_TMP/requests" \
	2>"$TEST_TMP/server.err" &
SERVER=$!
at_exit "kill $SERVER"
for _ in $(seq 100); do [ -s "$TEST_TMP/port" ] && break; sleep 0.05; done
URL="http://127.0.0.1:$(cat "$TEST_TMP/port")/v$version/machinectl-os.iso"
mkdir -p "$STORE"
printf '[defaults]\niso-url = %s\n' "$URL" >"$STORE/config.ini"

vm() { lv_exec "$PROG" "$@"; }
M=rel1
run vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 $M
expect_rc 0 "create with no ISO anywhere succeeds"
printf '%s\n' "$OUT" | sed 's/^/# create: /'
[ "$RC" = 0 ] || printf '%s\n' "$ERR" | sed 's/^/# create: /'
expect_out "The machine OS release $URL has SHA-256 $SHA ($URL.sha256)" "it takes the release's published checksum"
expect_out "Downloading $URL to $STORE/cache..." "it downloads the release"
expect_out "Docker is up and running!" "Docker comes up"
check "the checksum, then the ISO, from the release server" \
	test "$(cut -d' ' -f2 "$TEST_TMP/requests")" = "/v$version/machinectl-os.iso.sha256
/v$version/machinectl-os.iso"
check "the ISO is in the user's cache, verified" cmp -s "$ISO" "$STORE/cache/sha256-$SHA.iso"
check "the machine boots it" test "$(drv $M ISO)" = "$STORE/cache/sha256-$SHA.iso"
check "as the default ISO" test "$(drv $M ISOSource)" = default
run vm ls
check "ls shows it Running with Docker" grep -qE "^$M +- +libvirt +Running +tcp://192\.168\.122\.[0-9]+:2376 +v[0-9]+\." <<<"$OUT"
run vm ssh $M 'grep ^INPUT_HASH= /etc/machinectl-os-release'
check "the guest runs the build-iso cache's machine OS (inputs $HASH)" test "$OUT" = "INPUT_HASH=$HASH"
eval "$(vm env --shell bash $M)"
run lv_exec docker version --format '{{.Server.Version}}'
expect_rc 0 "Debian's docker client talks to the VM over TLS"
run vm rm -y $M
expect_rc 0 "rm"

# os build from the installed builder, as root.  First with the shared build
# cache: the installed inputs hash as the tree's, so it finds the tree's build.
run env -u MACHINECTL_ISO_CACHE "$PROG" os build
expect_rc 0 "$PROG os build (the installed builder) with the shared build cache"
check "the installed builder's inputs are the tree's: it finds the tree's build ($HASH)" \
	grep -qF "build-iso: cached ISO for inputs $HASH " <<<"$OUT"
check "it shows the builder's messages as phases with the elapsed time" \
	grep -qE "^build-iso: ISO: .*/$HASH/machinectl-os.iso \([0-9]+ MB, inputs $HASH\) \[$DUR\]$" <<<"$OUT"
expect_out "The machine OS ISO is $STORE/cache/sha256-$SHA.iso" "it is the ISO the user's cache already holds"
# Then a real build from the installed files, in a build cache of its own
# that starts with hard links to the shared debootstrap root and debs (no
# mirror traffic when the package list is cached); zstd -3 to spare CI time
# (the level is an input: another hash).
B="$TEST_TMP/build-cache"
mkdir -p "$B"
for d in roots debs; do
	[ -d "/var/cache/machinectl/iso/$d" ] &&
		{ cp -al "/var/cache/machinectl/iso/$d" "$B/" 2>/dev/null || cp -a "/var/cache/machinectl/iso/$d" "$B/"; }
done
run env MACHINECTL_ISO_CACHE="$B" MACHINECTL_ISO_ZSTD=3 "$PROG" os build --force
expect_rc 0 "$PROG os build --force: a build from the installed files"
printf '%s\n' "$OUT" | tail -n 4 | sed 's/^/# os build: /'
[ "$RC" = 0 ] || printf '%s\n' "$ERR" | sed 's/^/# os build: /'
check "it shows the builder's phases with the elapsed time" \
	grep -qE "^build-iso: collecting binaries \[$DUR\]\$" <<<"$OUT"
HASH3=$(sed -n 's/^build-iso: ISO: .*, inputs \([0-9a-f]*\)) .*/\1/p' <<<"$OUT")
check "it built in its own cache ($HASH3)" test -s "$B/$HASH3/machinectl-os.iso"
BUILT=$(sed -n 's/^The machine OS ISO is \(.*\): create.*/\1/p' <<<"$OUT")
check "the ISO is in the user's cache: $BUILT" test -s "$BUILT"
check "... named by its checksum" test "$BUILT" = "$STORE/cache/sha256-$(sha256sum <"$BUILT" | cut -c1-64).iso"
check "... a new build, not the release's copy" test "$BUILT" != "$STORE/cache/sha256-$SHA.iso"
check "its volume ID is the package's version" \
	grep -q "MACHINECTL-OS-$version-" <(dd if="$BUILT" bs=1 skip=$((0x8028)) count=32 status=none)
n=$(grep -c . "$TEST_TMP/requests")
M=built1
run vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 $M
expect_rc 0 "create boots the newest ISO in the cache: the one just built"
check "... that one" test "$(drv $M ISO)" = "$BUILT"
check "... without asking the release server" test "$(grep -c . "$TEST_TMP/requests")" = "$n"
run vm ssh $M 'grep ^INPUT_HASH= /etc/machinectl-os-release'
check "the guest runs it (inputs $HASH3)" test "$OUT" = "INPUT_HASH=$HASH3"
run vm rm -y $M
expect_rc 0 "rm"
done_testing
