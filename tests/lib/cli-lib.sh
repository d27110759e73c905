# Shared helpers for the CLI tests (tests/cli/tNNNN-*.sh): TAP output, a
# temporary store, and assertions that run the real binary.
#
#   . "$MC_SRCDIR/tests/lib/cli-lib.sh"
#   run mc create --driver none --url tcp://127.0.0.1:2376 n1
#   expect_rc 0 "create succeeds"
#   expect_out "Creating machine" "create prints its phases"
#
# run() keeps stdout in $OUT, stderr in $ERR and the exit status in $RC.
set -u

: "${MC_BIN:?MC_BIN must point at the machinectl binary (make check sets it)}"
: "${MC_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
GOLDEN="$MC_SRCDIR/tests/golden"

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mc-test.XXXXXX")
STORE="$TEST_TMP/store"
export MACHINECTL_STORAGE_PATH="$STORE"
# env's output follows $SHELL: the tests expect sh syntax, whatever the
# caller's login shell is (or if the caller, like some CI runners, has none).
export SHELL=/bin/bash
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_MACHINE_NAME MACHINECTL_DRIVER \
	MACHINECTL_DEBUG NO_PROXY no_proxy 2>/dev/null || true
# A CLI test looks for machine OS builds in a directory of its own, not in
# the host's /var/cache/machinectl/iso, and takes no ISO from the caller:
# what it sees must not depend on whether this machine has built an ISO
# before (a test that needs one makes it).  The real-VM tests (tests/e2e)
# boot the host's build on purpose.
case $0 in
*tests/cli/*)
	export MACHINECTL_ISO_CACHE="$TEST_TMP/no-build-cache"
	unset MACHINECTL_ISO MACHINECTL_ISO_URL MACHINECTL_ISO_SHA256
	;;
esac

_cleanups=()
at_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" || true; done
	rm -rf "$TEST_TMP"
}
trap _run_cleanups EXIT

_n=0
_failed=0
_planned=
plan() { echo "1..$1"; _planned=1; }
ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() {
	_n=$((_n + 1))
	_failed=$((_failed + 1))
	echo "not ok $_n - $*"
	{
		echo "#   exit status: ${RC:-}"
		printf '%s\n' "${OUT:-}" | sed 's/^/#   stdout: /'
		printf '%s\n' "${ERR:-}" | sed 's/^/#   stderr: /'
	} | head -n 40
}
check() { # check DESCRIPTION COMMAND...
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# Ends the test; prints the plan at the end when plan() was not called.
done_testing() {
	[ -n "$_planned" ] || echo "1..$_n"
	exit $((_failed > 0))
}

# Tests call the binary by name, as users do, so hints read "machinectl ...".
mkdir -p "$TEST_TMP/bin"
ln -s "$MC_BIN" "$TEST_TMP/bin/machinectl"
PATH="$TEST_TMP/bin:$PATH"
mc() { machinectl "$@"; }

# Interrupted-operation tests (t8001, t8005) keep a machine "bystander"
# beside the machine "victim" they interrupt.
# bystander_snapshot: the bystander's files, modes, sizes and checksums.
bystander_snapshot() {
	(cd "$STORE/machines/bystander" && find . -printf '%p %m %s\n' | LC_ALL=C sort &&
		find . -type f ! -name .tls-check -exec md5sum {} + | LC_ALL=C sort)
}
# victim_gone LABEL BEFORE: once any mutating verb has run (it finishes an
# interrupted removal), nothing of the victim is left, the bystander is as its
# snapshot BEFORE, and the name "victim" can be used again.
victim_gone() {
	mc rm -f nosuch >/dev/null 2>&1
	check "$1: nothing of the victim is left" \
		test -z "$(find "$STORE/machines" -mindepth 1 -maxdepth 1 ! -name bystander)"
	check "$1: the bystander is untouched" test "$(bystander_snapshot)" = "$2"
	run mc create -d test victim
	expect_rc 0 "$1: the name can be used again"
	mc rm -f victim >/dev/null 2>&1
}
run() {
	local o e
	o="$TEST_TMP/.out" e="$TEST_TMP/.err"
	"$@" >"$o" 2>"$e" </dev/null
	RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
}
run_stdin() { # run_stdin INPUT COMMAND...
	local input=$1 o e
	shift
	o="$TEST_TMP/.out" e="$TEST_TMP/.err"
	printf '%s' "$input" | "$@" >"$o" 2>"$e"
	RC=$?
	OUT=$(cat "$o")
	ERR=$(cat "$e")
}

expect_rc() { if [ "$RC" = "$1" ]; then ok "$2"; else not_ok "$2 (expected exit $1)"; fi; }
expect_out() { if grep -qF -- "$1" <<<"$OUT"; then ok "$2"; else not_ok "$2 (stdout lacks: $1)"; fi; }
expect_err() { if grep -qF -- "$1" <<<"$ERR"; then ok "$2"; else not_ok "$2 (stderr lacks: $1)"; fi; }
expect_one_line_err() {
	if [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ]; then ok "$1"; else not_ok "$1 (stderr is not one line)"; fi
}
# Compare stdout with a golden file, after replacing the store path with @STORE@.
expect_golden() {
	local file="$GOLDEN/$1" got
	got=$(printf '%s\n' "$OUT" | sed "s#$STORE#@STORE@#g")
	if [ "${MC_UPDATE_GOLDEN:-}" = 1 ]; then printf '%s\n' "$got" >"$file"; fi
	if [ "$got" = "$(cat "$file")" ]; then
		ok "$2"
	else
		not_ok "$2 (differs from golden $1)"
		diff -u "$file" <(printf '%s\n' "$got") | sed 's/^/#   /' | head -n 30
	fi
}
# http_server DIR: tests/lib/http-range-server.py serving DIR on 127.0.0.1,
# stopped at exit (its requests in $TEST_TMP/requests); sets HTTP_BASE to
# http://127.0.0.1:PORT.
http_server() {
	python3 "$MC_SRCDIR/tests/lib/http-range-server.py" "$1" "$TEST_TMP/port" "$TEST_TMP/requests" \
		2>"$TEST_TMP/server.err" &
	at_exit "kill $!"
	for _ in $(seq 100); do [ -s "$TEST_TMP/port" ] && break; sleep 0.05; done
	HTTP_BASE="http://127.0.0.1:$(cat "$TEST_TMP/port")"
}
# hold_lock FILE SECONDS: flock(1) holds FILE's lock in the background for
# SECONDS ($holder: its pid), returning once it has it (at most 10 s).
hold_lock() {
	flock "$1" sleep "$2" &
	holder=$!
	for _ in $(seq 1 200); do
		flock -n "$1" true || return 0
		sleep 0.05
	done
}
# wait_paused PID: until PID is stopped (T), as MC_TEST_PAUSE_AT leaves it;
# at most 10 s.
wait_paused() {
	for _ in $(seq 1 200); do
		[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ] && return 0
		sleep 0.05
	done
	return 1
}
# run_busy_entry POINT DIR COMMAND...: run COMMAND (no shell function) in a
# mount namespace of its own, stopped at fault point POINT, where DIR, a store
# entry the command has made, is then bind-mounted on itself: renaming it
# fails with EBUSY, even for root, who ignores modes.  Exit 99: the mount
# failed.
run_busy_entry() {
	local point=$1 dir=$2
	shift 2
	run unshare -m --propagation private bash -c '
		point=$1 dir=$2
		shift 2
		MC_TEST_PAUSE_AT=$point "$@" &
		pid=$!
		for _ in $(seq 200); do
			[ "$(cut -d" " -f3 /proc/$pid/stat)" = T ] && break
			sleep 0.05
		done
		mount --bind "$dir" "$dir" || exit 99
		kill -CONT $pid
		wait $pid' - "$point" "$dir" "$@"
}
# A TCP port on 127.0.0.1 that nothing listens on now, below the ephemeral
# range: a port there can be any connection's source port a moment later, and
# a listener bound to "localhost" then gets ::1 only (a -R forward answered
# "refused" on 127.0.0.1 under a parallel make check).
free_port() {
	local p i lo
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
	[ "$lo" -gt 12000 ] 2>/dev/null || lo=60000
	for i in $(seq 1 50); do
		p=$((10000 + RANDOM % (lo - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# fake_iso PATH [VOLUME-ID] [SIZE]: an ISO 9660 lookalike, nothing bootable:
# the signature the core checks (CD001 at 0x8001) and a volume ID (0x8028).
fake_iso() {
	truncate -s "${3:-64K}" "$1"
	printf 'CD001' | dd of="$1" bs=1 seek=$((0x8001)) conv=notrunc status=none
	[ -z "${2:-}" ] || printf '%s' "$2" | dd of="$1" bs=1 seek=$((0x8028)) conv=notrunc status=none
}
# fake_iso_guest PATH [VOLUME-ID] [PARTS]: a real ISO 9660 image (xorriso)
# laid out as the machine OS's (scripts/build-iso): /boot/vmlinuz and
# /boot/initrd.img, a zstd-compressed newc cpio.  The initramfs holds the
# Hyper-V guest PARTS named (default "hv_netvsc hv_utils hv_kvp_daemon"):
# the kernel modules as usr/lib/modules/KVER/kernel/.../NAME.ko.xz, the KVP
# daemon as usr/sbin/hv_kvp_daemon.  Nothing in it boots: the fake
# powershell.exe reads it to decide what the guest can do.
fake_iso_guest() {
	local iso=$1 volid=${2:-MACHINECTL-OS-TEST} parts=${3-hv_netvsc hv_utils hv_kvp_daemon} d p
	d=$(mktemp -d "$TEST_TMP/iso.XXXXXX")
	mkdir -p "$d/iso/boot" "$d/root/usr/sbin" "$d/root/usr/lib/modules/6.1.0-test/kernel/drivers/net" \
		"$d/root/usr/lib/modules/6.1.0-test/kernel/drivers/hv" "$d/root/etc"
	echo "NAME=machinectl-os" >"$d/root/etc/machinectl-os-release"
	printf 'virtio_net\n' >"$d/root/usr/lib/modules/6.1.0-test/kernel/drivers/net/virtio_net.ko.xz"
	for p in $parts; do
		case $p in
		hv_netvsc) printf 'x' >"$d/root/usr/lib/modules/6.1.0-test/kernel/drivers/net/hv_netvsc.ko.xz" ;;
		hv_*d*emon) printf '#!/bin/sh\n' >"$d/root/usr/sbin/$p" ;;
		*) printf 'x' >"$d/root/usr/lib/modules/6.1.0-test/kernel/drivers/hv/$p.ko.xz" ;;
		esac
	done
	(cd "$d/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | zstd -q >"$d/iso/boot/initrd.img"
	printf 'not a kernel' >"$d/iso/boot/vmlinuz"
	xorriso -as mkisofs -quiet -R -J -V "$volid" -o "$iso" "$d/iso" 2>/dev/null
	rm -rf "$d"
}
# A snapshot of the store (paths, modes, contents) to prove nothing changed.
store_snapshot() {
	if [ -d "$STORE" ]; then
		(cd "$STORE" && find . -printf '%p %m %s\n' | LC_ALL=C sort && find . -type f -exec md5sum {} + | LC_ALL=C sort)
	fi
}
