# A private libvirtd for the real-VM tests, following the facts in
# shared/reference/vm-lab.md: libvirtd runs as root inside a network namespace
# the test creates (so VM traffic never leaves it) and a private mount namespace
# whose /run/libvirt, /etc/libvirt, /var/lib/libvirt, /var/cache/libvirt and
# /var/log/libvirt are bind mounts of a test directory.
#
#   . tests/e2e/lib-libvirtd.sh
#   lv_start            # sets LV_NS, LV_DIR, LV_URI; starts the "default" network
#                       # (LV_QEMU_USER=libvirt-qemu: QEMU runs as that user, with
#                       # dynamic ownership, as Debian's libvirtd does; default root)
#   lv_start_iso        # lv_start, lv_stop at exit (cli-lib.sh's at_exit), and
#                       # ISO= the machine OS ISO, built or reused (scripts/build-iso)
#   lv_exec CMD...      # run a command inside the network namespace
#   lv_daemon_restart   # stop libvirtd and start it again as after a host reboot
#                       # (its "autostarted" marker in /run/libvirt/qemu removed)
#   lv_stop             # destroys domains and networks, stops libvirtd and dnsmasq,
#                       # deletes the namespace and the directory (also on EXIT via lv_start's trap)
#
# Clients run inside the namespace (lv_exec) with LV_URI, which names the socket.

lv_log() { echo "# libvirtd: $*" >&2; }

lv_need() {
	local missing=()
	for b in /usr/sbin/libvirtd /usr/bin/virsh /usr/bin/qemu-system-x86_64 /usr/sbin/dnsmasq; do
		[ -x "$b" ] || missing+=("$b")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "Bail out! missing ${missing[*]}: run scripts/setup --vm" >&2
		exit 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "Bail out! the real-VM tests need root (network namespaces, libvirtd)" >&2
		exit 1
	fi
}

lv_start() {
	lv_need
	LV_DIR=$(mktemp -d /tmp/mc-libvirt.XXXXXX)
	LV_NS=mc-lv-$$
	local d
	for d in run etc lib cache log; do mkdir -p "$LV_DIR/$d"; done
	cp -a /etc/libvirt/. "$LV_DIR/etc/"
	cp -a /var/lib/libvirt/. "$LV_DIR/lib/" 2>/dev/null || true
	# No virtlogd, no cgroup/namespace tricks: plain QEMU processes, as root
	# without chown, or as LV_QEMU_USER with libvirt's chown of the images.
	if [ -n "${LV_QEMU_USER:-}" ]; then
		cat >>"$LV_DIR/etc/qemu.conf" <<-CONF
		user = "$LV_QEMU_USER"
		group = "$(id -gn "$LV_QEMU_USER")"
		dynamic_ownership = 1
		CONF
	else
		cat >>"$LV_DIR/etc/qemu.conf" <<-'CONF'
		user = "root"
		group = "root"
		dynamic_ownership = 0
		CONF
	fi
	cat >>"$LV_DIR/etc/qemu.conf" <<-'CONF'
	stdio_handler = "file"
	remember_owner = 0
	security_driver = "none"
	namespaces = [ ]
	CONF
	cat >"$LV_DIR/etc/libvirtd.conf" <<-'CONF'
	unix_sock_group = "root"
	unix_sock_rw_perms = "0700"
	auth_unix_rw = "none"
	auth_unix_ro = "none"
	log_outputs = "3:stderr"
	CONF
	for d in /run/libvirt /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
		mkdir -p "$d"
	done
	ip netns add "$LV_NS" || { echo "Bail out! cannot create network namespace $LV_NS" >&2; exit 1; }
	ip netns exec "$LV_NS" ip link set lo up
	LV_URI="qemu:///system?socket=$LV_DIR/run/libvirt-sock"
	export LV_URI LV_NS LV_DIR
	lv_daemon
	# The first call probes capabilities (~9 s here); do it once, up front.
	lv_exec virsh -q -c "$LV_URI" net-list --all >/dev/null
	if ! lv_exec virsh -q -c "$LV_URI" net-info default >/dev/null 2>&1; then
		lv_exec virsh -q -c "$LV_URI" net-define /usr/share/libvirt/networks/default.xml >/dev/null
	fi
	lv_exec virsh -q -c "$LV_URI" net-start default >/dev/null 2>&1 || true
	lv_log "up in netns $LV_NS, socket $LV_DIR/run/libvirt-sock"
}

# libvirtd in the namespace, with its directories bind-mounted; waits for its socket.
lv_daemon() {
	ip netns exec "$LV_NS" unshare -m --propagation private sh -c "
		mount --bind '$LV_DIR/run' /run/libvirt &&
		mount --bind '$LV_DIR/etc' /etc/libvirt &&
		mount --bind '$LV_DIR/lib' /var/lib/libvirt &&
		mount --bind '$LV_DIR/cache' /var/cache/libvirt &&
		mount --bind '$LV_DIR/log' /var/log/libvirt &&
		exec /usr/sbin/libvirtd --pid-file '$LV_DIR/libvirtd.pid'" \
		>>"$LV_DIR/libvirtd.log" 2>&1 &
	LV_PID=$!
	local i
	for i in $(seq 1 100); do
		[ -S "$LV_DIR/run/libvirt-sock" ] && break
		sleep 0.1
	done
	if [ ! -S "$LV_DIR/run/libvirt-sock" ]; then
		tail -n 20 "$LV_DIR/libvirtd.log" >&2
		echo "Bail out! libvirtd did not start (log above)" >&2
		exit 1
	fi
}

# A host reboot as libvirtd sees it: the daemon stops, /run loses libvirt's
# "autostarted" marker, the daemon starts (and autostarts domains) again.
lv_daemon_restart() {
	local i
	kill "$LV_PID" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$LV_PID" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$LV_DIR/run/libvirt-sock" "$LV_DIR/run/libvirt-sock-ro" "$LV_DIR/run/libvirt-admin-sock" \
		"$LV_DIR/run/qemu/autostarted"
	lv_daemon
}

lv_start_iso() {
	lv_start
	at_exit lv_stop
	ISO=$("$MC_SRCDIR/scripts/build-iso" | tail -n 1) && [ -s "$ISO" ] ||
		{ echo "Bail out! scripts/build-iso failed"; exit 1; }
}

lv_exec() { ip netns exec "$LV_NS" "$@"; }

lv_stop() {
	[ -n "${LV_NS:-}" ] || return 0
	local dom pids
	if [ -S "$LV_DIR/run/libvirt-sock" ]; then
		for dom in $(lv_exec virsh -q -c "$LV_URI" list --name 2>/dev/null); do
			lv_exec virsh -q -c "$LV_URI" destroy "$dom" >/dev/null 2>&1
		done
		lv_exec virsh -q -c "$LV_URI" net-destroy default >/dev/null 2>&1
	fi
	# libvirtd removes its pid file as it exits, maybe between a test and a
	# read of it; a kill of what is gone is no failure (callers run set -e).
	[ -n "${LV_PID:-}" ] && kill "$LV_PID" 2>/dev/null || true
	pids=$(cat "$LV_DIR/libvirtd.pid" 2>/dev/null) && [ -n "$pids" ] && kill "$pids" 2>/dev/null || true
	# Whatever still runs in the namespace (dnsmasq survives libvirtd; stray qemu).
	local i
	for i in $(seq 1 50); do
		pids=$(ip netns pids "$LV_NS" 2>/dev/null)
		[ -n "$pids" ] || break
		# shellcheck disable=SC2086
		if [ "$i" -lt 30 ]; then kill $pids 2>/dev/null; else kill -9 $pids 2>/dev/null; fi
		sleep 0.1
	done
	ip netns del "$LV_NS" 2>/dev/null
	rm -rf "$LV_DIR"
	LV_NS=
}

# lv_mc ARGS...: run machinectl inside the namespace.  A sanitizer build needs
# libtirpc preloaded next to libasan: ASan binds glibc's xdr functions at
# start-up, before the libvirt module loads libtirpc, and libvirt's RPC then
# crashes (see doc/testing.md).  Leak checks are off there for the same reason
# (LeakSanitizer's tracer has crashed inside libvirt's threads).
lv_mc() {
	if ldd "$MC_BIN" 2>/dev/null | grep -q libasan; then
		lv_exec env LD_PRELOAD="$(ldd "$MC_BIN" | awk '/libasan/ {print $3}') /lib/x86_64-linux-gnu/libtirpc.so.3" \
			ASAN_OPTIONS=detect_leaks=0 machinectl "$@"
	else
		lv_exec machinectl "$@"
	fi
}
