#!/bin/bash
# The machine OS's boot-time logic that needs no VM, run as the guest runs it
# (busybox sh with only busybox's applets in PATH):
#  - /usr/lib/machinectl-os/hypervisor on fake /sys trees (SYSROOT=...):
#    Hyper-V by VMBus or DMI, VirtualBox by its PCI device or DMI, QEMU by DMI
#    or virtio devices, unknown otherwise; it only reads;
#  - /usr/lib/machinectl-os/sharedfolders --parse on mounts files: good lines,
#    fstab's octal escapes, comments and blank lines, every kind of
#    malformed line (skipped with its line number and reason).
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

G=$MC_SRCDIR/scripts/iso/rootfs/usr/lib/machinectl-os
BB=$(command -v busybox) || { echo "Bail out! busybox not found: run scripts/setup (busybox-static)"; exit 1; }
# PATH of busybox applets only, as in the guest
mkdir -p "$TEST_TMP/bb"
for a in $("$BB" --list); do ln -s "$BB" "$TEST_TMP/bb/$a"; done
guest() { env -i PATH="$TEST_TMP/bb" SYSROOT="${SYSROOT:-}" "$BB" sh "$@"; }

# ------------------------------------------------------------ hypervisor ---
# fake_sys NAME [vendor product] [pci VENDOR:DEVICE...] [vmbus]
fake_sys() {
	local d=$TEST_TMP/sys-$1 n=0
	shift
	mkdir -p "$d/sys/class/dmi/id" "$d/sys/bus/pci/devices"
	while [ $# -gt 0 ]; do
		case $1 in
		dmi) printf '%s\n' "$2" >"$d/sys/class/dmi/id/sys_vendor"
		     printf '%s\n' "$3" >"$d/sys/class/dmi/id/product_name"; shift 3 ;;
		pci) n=$((n + 1)); mkdir -p "$d/sys/bus/pci/devices/0000:00:0$n.0"
		     echo "0x${2%:*}" >"$d/sys/bus/pci/devices/0000:00:0$n.0/vendor"
		     echo "0x${2#*:}" >"$d/sys/bus/pci/devices/0000:00:0$n.0/device"; shift 2 ;;
		vmbus) mkdir -p "$d/sys/bus/vmbus/devices"; shift ;;
		esac
	done
	echo "$d"
}
detect() { # detect DESCRIPTION EXPECTED FAKE-SYS-ARGS...
	local desc=$1 want=$2 root before
	shift 2
	root=$(fake_sys "$@")
	before=$(cd "$root" && find . -printf '%p %s %T@\n' | sort)
	RC=0
	OUT=$(SYSROOT=$root guest "$G/hypervisor" 2>&1) || RC=$?
	if [ "$RC" = 0 ] && [ "$OUT" = "$want" ]; then ok "$desc: $want"
	else not_ok "$desc (want '$want')"; fi
	check "$desc: the /sys tree is unchanged" test "$(cd "$root" && find . -printf '%p %s %T@\n' | sort)" = "$before"
}
detect "Hyper-V by its VMBus" "hyperv (VMBus)" hv1 vmbus pci 8086:7111
detect "Hyper-V by DMI (generation 1: Intel PIIX devices, no VMBus yet)" \
	"hyperv (DMI: Microsoft Corporation, Virtual Machine)" \
	hv2 dmi "Microsoft Corporation" "Virtual Machine" pci 8086:7192 pci 1414:5353
detect "VMBus wins over other DMI strings" "hyperv (VMBus)" hv3 dmi "innotek GmbH" VirtualBox vmbus
detect "a Microsoft machine that is not a VM" "unknown (DMI: Microsoft Corporation, Surface Laptop 5)" \
	ms dmi "Microsoft Corporation" "Surface Laptop 5"
detect "VirtualBox by its VMMDev PCI device" "virtualbox (PCI 80ee:cafe)" \
	vb1 pci 8086:1237 pci 80ee:beef pci 80ee:cafe
detect "VirtualBox's device wins over QEMU's DMI strings" "virtualbox (PCI 80ee:cafe)" \
	vb2 dmi QEMU "Standard PC" pci 80ee:cafe pci 1af4:1000
detect "VirtualBox by DMI (innotek)" "virtualbox (DMI: innotek GmbH, VirtualBox)" vb3 dmi "innotek GmbH" VirtualBox
detect "VirtualBox by DMI (product only)" "virtualbox (DMI: Oracle Corporation, VirtualBox)" \
	vb4 dmi "Oracle Corporation" VirtualBox
detect "VirtualBox's graphics device alone is not its VMMDev" "unknown (DMI: none, none)" vb5 pci 80ee:beef
detect "QEMU by DMI" "qemu (DMI: QEMU, Standard PC (Q35 + ICH9, 2009))" \
	q1 dmi QEMU "Standard PC (Q35 + ICH9, 2009)" pci 1af4:1041
detect "QEMU by virtio devices when DMI says something else" "qemu (virtio PCI devices)" \
	q2 dmi "Red Hat" "KVM" pci 8086:29c0 pci 1af4:1000
detect "nothing known" "unknown (DMI: Dell Inc., PowerEdge R650)" u1 dmi "Dell Inc." "PowerEdge R650" pci 8086:1234
detect "no DMI, no PCI at all" "unknown (DMI: none, none)" u2
# a real sysfs value: trailing blanks (padded SMBIOS strings) and a newline
root=$(fake_sys pad)
printf 'Microsoft Corporation   \n' >"$root/sys/class/dmi/id/sys_vendor"
printf 'Virtual Machine\n' >"$root/sys/class/dmi/id/product_name"
run env SYSROOT="$root" "$BB" sh "$G/hypervisor"
expect_out "hyperv (DMI: Microsoft Corporation, Virtual Machine)" "padded DMI strings are trimmed"
# unreadable files (as non-root: product_serial; here a directory) are no value
root=$(fake_sys unreadable)
mkdir "$root/sys/class/dmi/id/sys_vendor"
run env SYSROOT="$root" "$BB" sh "$G/hypervisor"
check "an unreadable DMI file is no value" test "$RC $OUT" = "0 unknown (DMI: none, none)"

# ------------------------------------------------- mounts file parser ---
parse() { # parse FILE: $OUT = the entries, $ERR = the skipped lines
	RC=0
	OUT=$(guest "$G/sharedfolders" --parse "$1" 2>"$TEST_TMP/parse.err") || RC=$?
	ERR=$(cat "$TEST_TMP/parse.err")
}
T=$(printf '\t')
M=$TEST_TMP/mounts
cat >"$M" <<'EOF'
# written by the VirtualBox driver
vboxsf Users /Users

9p hostshare /c/Users
virtiofs my\040tag /home/alice/My\040Projects
vboxsf back\134slash /data/x\134y
9p t /home/docker/src
9p utf /Users/Jos\303\251/caf\303\251
9p raw /Users/José/été
EOF
printf 'virtiofs crlf /from/windows\r\n' >>"$M"
printf '   \n\t\n' >>"$M"
parse "$M"
expect_rc 0 "a good mounts file parses"
check "every good line, decoded, in order" test "$OUT" = "vboxsf${T}Users${T}/Users
9p${T}hostshare${T}/c/Users
virtiofs${T}my tag${T}/home/alice/My Projects
vboxsf${T}back\\slash${T}/data/x\\y
9p${T}t${T}/home/docker/src
9p${T}utf${T}/Users/José/café
9p${T}raw${T}/Users/José/été
virtiofs${T}crlf${T}/from/windows"
check "comments and blank lines are no error" test -z "$ERR"

cat >"$M" <<'EOF'
9p  two-spaces /x
9p a b /x
9p /only-two
 9p lead /x
9p trail /x 
nfs server:/export /mnt/nfs
VBOXSF Users /Users
9p tag relative/path
9p tag ~/src
9p tag /a/../b
9p tag /a/./b
9p tag //a
9p tag /a/
9p tag /
9p tag /home
9p tag /var
9p tag /var/lib/docker
9p tag /var/lib/docker/volumes/x
9p tag /mnt/data/x
9p tag /etc/docker
9p tag /usr/local
9p tag /proc/x
9p bad\04 /y
9p bad\0099 /y
9p bad\ /y
9p bad\x20 /y
9p tag /y\012z
9p tag /y\000z
9p tag /y\177z
9p good /ok
9p again /ok
EOF
printf '9p t\001ab /z\n9p\ttab /z\n' >>"$M"
parse "$M"
expect_rc 0 "malformed lines are not fatal"
check "only the one good line is kept" test "$OUT" = "9p${T}good${T}/ok"
want_err() { # want_err LINE TEXT
	if grep -qxF -- "line $1: $2" <<<"$ERR"; then ok "line $1 skipped: $2"
	else not_ok "line $1 skipped: $2 (stderr: $(grep "^line $1:" <<<"$ERR"))"; fi
}
fields="want FSTYPE SOURCE GUESTPATH separated by single spaces"
want_err 1 "$fields"
want_err 2 "$fields"
want_err 3 "$fields"
want_err 4 "$fields"
want_err 5 "$fields"
want_err 6 "FSTYPE nfs is not vboxsf, 9p or virtiofs"
want_err 7 "FSTYPE VBOXSF is not vboxsf, 9p or virtiofs"
want_err 8 "GUESTPATH relative/path is not absolute"
want_err 9 "GUESTPATH ~/src is not absolute"
norm="is not normalised (no //, /./, /../ or trailing /)"
want_err 10 "GUESTPATH /a/../b $norm"
want_err 11 "GUESTPATH /a/./b $norm"
want_err 12 "GUESTPATH //a $norm"
want_err 13 "GUESTPATH /a/ $norm"
want_err 14 "GUESTPATH / would cover /home/docker"
want_err 15 "GUESTPATH /home would cover /home/docker"
want_err 16 "GUESTPATH /var would cover /var/lib/docker"
want_err 17 "GUESTPATH /var/lib/docker would cover /var/lib/docker"
want_err 18 "GUESTPATH /var/lib/docker/volumes/x would cover /var/lib/docker"
want_err 19 "GUESTPATH /mnt/data/x would cover /mnt/data"
want_err 20 "GUESTPATH /etc/docker would cover /etc"
want_err 21 "GUESTPATH /usr/local would cover /usr"
want_err 22 "GUESTPATH /proc/x would cover /proc"
esc="a backslash must start an octal escape such as \\040 or \\134"
want_err 23 "SOURCE: $esc"
want_err 24 "SOURCE: $esc"
want_err 25 "SOURCE: $esc"
want_err 26 "SOURCE: $esc"
want_err 27 'GUESTPATH: escape \012 is a control character'
want_err 28 'GUESTPATH: escape \000 is a control character'
want_err 29 'GUESTPATH: escape \177 is a control character'
want_err 31 "GUESTPATH /ok is already used by line 30"
want_err 32 "control character"
want_err 33 "control character"
check "one message per skipped line, nothing else" test "$(wc -l <<<"$ERR")" = 32

: >"$M"
parse "$M"
check "an empty mounts file: no entries, no messages" test "$RC:$OUT:$ERR" = "0::"
run guest "$G/sharedfolders" --parse "$TEST_TMP/nosuch"
expect_rc 2 "--parse of a missing file is a usage error"
done_testing
