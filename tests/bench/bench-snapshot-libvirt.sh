#!/bin/bash
# tests/bench/bench-snapshot-libvirt.sh [BUILDDIR] - a memory snapshot of the
# machine OS restored into a new libvirt domain with its own identity (issue
# 18's stretch, not built: doc/machine-os.md, "Limitations / not done").
# As root, after scripts/build-iso (or MACHINECTL_ISO=path); BENCH_RESTORES=3.
#
# libvirt's own restore (virDomainRestore) refuses a saved domain whose UUID
# or MACs differ from the ones it restores into.  This measures the way
# around it:
#  1. `machinectl create --driver libvirt` of one machine, timed (the figure
#     a restore has to beat, in the same run), and its domain's XML;
#  2. a template domain from that XML without the NIC and the data disk, with
#     a VM generation ID (<genid/>), booted to the "docker up" marker and
#     migrated to a file through the QEMU monitor (libvirt's passthrough; the
#     file goes to QEMU as a passed descriptor, as libvirt's seccomp filter
#     kills a QEMU that would run `exec:`);
#  3. per restore: a transient domain with a new name, UUID and generation ID
#     and QEMU's `-incoming defer`, then `migrate-incoming` from the file,
#     timed to the guest running; then the NIC (its own MAC) and a data disk
#     hot-plugged, timed, and checked bound by the guest's drivers (virtio
#     DRIVER_OK).
# Every figure includes virsh's own start-up (one process per step, printed
# first): the driver would make these calls over one connection.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "${1:-$SRC/_build-bench}" && pwd)
. "$SRC/tests/e2e/lib-libvirtd.sh"
N=${BENCH_RESTORES:-3}
MC_BIN="$B/machinectl"
export MC_BIN
W=$(mktemp -d /tmp/mc-bench-snap.XXXXXX)
chmod 755 "$W"
export MACHINECTL_STORAGE_PATH="$W/store"
export MACHINECTL_DRIVER_PATH="$B/drivers/libvirt/.libs"
mkdir -p "$W/bin"
ln -s "$MC_BIN" "$W/bin/machinectl"
PATH="$W/bin:$PATH"
cleanup() {
	[ -n "${LV_NS:-}" ] && lv_stop
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bail() { echo "bench-snapshot-libvirt: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
ISO=${MACHINECTL_ISO:-$("$SRC/scripts/build-iso" 2>"$W/build-iso.log" | tail -n 1)}
[ -s "$ISO" ] || bail "no ISO (scripts/build-iso failed: $(tail -n 3 "$W/build-iso.log"))"
lv_start
vs() { lv_exec virsh -q -c "$LV_URI" "$@"; }
echo "== a memory snapshot restored into new libvirt domains (ISO $ISO; load $(cut -d' ' -f1-3 /proc/loadavg))"
t=$(now)
for _ in 1 2 3 4 5; do vs domstate machinectl-none >/dev/null 2>&1; done
echo "virsh, one call: $(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.2f", (b - a) / 5 }') s"

# 1. the create to beat, and its domain
t=$(now)
lv_mc create -d libvirt --libvirt-uri "$LV_URI" --iso "$ISO" src >"$W/create.log" 2>&1 ||
	bail "create failed: $(tail -n 5 "$W/create.log")"
echo "create --driver libvirt to \"Docker is up\": $(since "$t") s"
vs dumpxml --inactive machinectl-src >"$W/src.xml" || bail "no domain XML"
lv_mc stop src >/dev/null 2>&1

# domain_xml NAME [incoming]: the machine's domain without NIC and data disk,
# with a new UUID and generation ID (and -incoming defer)
domain_xml() {
	python3 - "$W/src.xml" "$1" "$W/$1.log" "${2:-}" <<-'PY'
	import re, sys, uuid
	x = open(sys.argv[1]).read()
	x = re.sub(r"\s*<disk type='file' device='disk'>.*?</disk>", "", x, flags=re.S)
	x = re.sub(r"\s*<interface .*?</interface>", "", x, flags=re.S)
	x = re.sub(r"<name>.*?</name>", "<name>%s</name>" % sys.argv[2], x)
	x = re.sub(r"<uuid>.*?</uuid>", "<uuid>%s</uuid>\n  <genid/>" % uuid.uuid4(), x)
	x = re.sub(r"<source path='[^']*console.log'/>", "<source path='%s'/>" % sys.argv[3], x)
	if sys.argv[4]:
	    x = x.replace("<domain type='qemu'>", "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>")
	    x = x.replace("</devices>", "</devices>\n  <qemu:commandline><qemu:arg value='-incoming'/><qemu:arg value='defer'/></qemu:commandline>")
	print(x)
	PY
}

# 2. the template: booted, then migrated to a file
domain_xml tpl >"$W/tpl.xml"
t=$(now)
vs create "$W/tpl.xml" >/dev/null || bail "the template domain did not start"
for _ in $(seq 1 1200); do grep -q 'docker up' "$W/tpl.log" 2>/dev/null && break; sleep 0.1; done
grep -q 'docker up' "$W/tpl.log" || bail "the template did not reach 'docker up'"
echo "template: 'docker up' after $(since "$t") s"
t=$(now)
vs "qemu-monitor-command tpl --pass-fds 3 '{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"mem\"}}'; qemu-monitor-command tpl '{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"fd:mem\"}}'" 3>"$W/tpl.mem" >/dev/null ||
	bail "migrate failed"
st=
for _ in $(seq 1 600); do
	st=$(vs qemu-monitor-command tpl '{"execute":"query-migrate"}')
	case $st in *'"completed"'*|*'"failed"'*) break ;; esac
	sleep 0.1
done
case $st in *'"completed"'*) ;; *) bail "the migration to a file did not complete: $st" ;; esac
echo "template saved: $(du -m "$W/tpl.mem" | cut -f1) MB in $(since "$t") s"
vs destroy tpl >/dev/null

# 3. restores, each a new domain
ok=0
for i in $(seq 1 "$N"); do
	domain_xml "m$i" incoming >"$W/m$i.xml"
	printf "<interface type='network'><mac address='52:54:00:ab:cd:%02x'/><source network='default'/><model type='virtio'/></interface>\n" "$i" >"$W/nic$i.xml"
	truncate -s 2G "$W/disk$i.raw"
	printf "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>\n" "$W/disk$i.raw" >"$W/disk$i.xml"
	t=$(now)
	vs "create $W/m$i.xml; qemu-monitor-command m$i --pass-fds 3 '{\"execute\":\"getfd\",\"arguments\":{\"fdname\":\"mem\"}}'; qemu-monitor-command m$i '{\"execute\":\"migrate-incoming\",\"arguments\":{\"uri\":\"fd:mem\"}}'" 3<"$W/tpl.mem" >/dev/null ||
		bail "restore $i: the domain did not start or take the file"
	st=
	for _ in $(seq 1 600); do
		st=$(vs qemu-monitor-command "m$i" '{"execute":"query-status"}')
		case $st in *'"status":"running"'*) break ;; esac
		sleep 0.02
	done
	run=$(since "$t")
	t=$(now)
	vs "attach-device m$i $W/nic$i.xml --live; attach-device m$i $W/disk$i.xml --live" >/dev/null ||
		bail "restore $i: hot-plug failed"
	plug=$(since "$t")
	bound=0
	for _ in $(seq 1 100); do
		bound=0
		for p in net0 virtio-disk0; do
			vs qemu-monitor-command "m$i" "{\"execute\":\"x-query-virtio-status\",\"arguments\":{\"path\":\"/machine/peripheral/$p/virtio-backend\"}}" |
				grep -q DRIVER_OK && bound=$((bound + 1))
		done
		[ "$bound" = 2 ] && break
		sleep 0.1
	done
	genid=$(vs qemu-monitor-command "m$i" '{"execute":"query-vm-generation-id"}' | grep -o '"guid":"[^"]*"')
	if [[ $st == *'"status":"running"'* ]] && [ "$bound" = 2 ] && [ -n "$genid" ]; then
		ok=$((ok + 1))
		echo "restore $i: running after $run s; NIC and disk hot-plugged in $plug s, both bound by the guest; $genid"
	else
		echo "restore $i: FAILED (status: $st; devices bound: $bound of 2; ${genid:-no generation ID})"
	fi
	vs destroy "m$i" >/dev/null
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$ok" = "$N" ]
