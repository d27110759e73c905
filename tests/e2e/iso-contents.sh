#!/bin/bash
# What the machine OS ISO holds for each hypervisor's guest, compared with a
# checked-in list (tests/e2e/iso-contents.SUITE.expected), without booting it:
#  - the hypervisor kernel modules in the initramfs (Hyper-V, VirtualBox,
#    virtio, 9p, virtiofs), shipped as files or built into the kernel;
#  - the module set rcS loads at boot on each hypervisor (/etc/machinectl-os/
#    modules.*);
#  - the guest daemons and their helpers (hv_kvp_daemon, qemu-ga), the docker
#    CLI and its plugin links, the plugins themselves on the ISO (/tools);
#  - the versions machinectl-os-release lists;
#  - the size limit (150 MB).
# Any difference in either direction fails, with a diff.  The ISO comes from
# scripts/build-iso (cached), or MACHINECTL_ISO=path.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

if [ -n "${MACHINECTL_ISO:-}" ]; then ISO=$MACHINECTL_ISO
else ISO=$("$MC_SRCDIR/scripts/build-iso" 2>"$TEST_TMP/build.log" | tail -n 1) ||
	{ tail -n 20 "$TEST_TMP/build.log" | sed 's/^/# /'; echo "Bail out! scripts/build-iso failed"; exit 1; }
fi
[ -s "$ISO" ] || { echo "Bail out! no ISO at $ISO"; exit 1; }
command -v xorriso >/dev/null && command -v cpio >/dev/null && command -v zstd >/dev/null ||
	{ echo "Bail out! xorriso, cpio and zstd are needed (scripts/setup)"; exit 1; }

X=$TEST_TMP/x
mkdir -p "$X"
xorriso -osirrox on -indev "$ISO" -extract /machinectl-os-release "$X/release" \
	-extract /boot/initrd.img "$X/initrd.img" >/dev/null 2>&1
xorriso -indev "$ISO" -find / -type f 2>/dev/null | tr -d "'" | sed 's|^/||' | sort >"$X/iso.files"
check "the ISO holds its release file and initramfs" test -s "$X/release" -a -s "$X/initrd.img"
suite=$(sed -n 's/^SUITE=//p' "$X/release")
EXPECTED=$MC_SRCDIR/tests/e2e/iso-contents.$suite.expected
[ -f "$EXPECTED" ] || { echo "Bail out! no expected list for suite '$suite' ($EXPECTED)"; exit 1; }
mkdir -p "$X/root"
(cd "$X/root" && zstd -q -dc "$X/initrd.img" | cpio -id --quiet --no-absolute-filenames 2>/dev/null)
R=$X/root
kver=$(ls "$R/usr/lib/modules")

# The manifest of the built ISO, in the expected list's format.
hvmod='^(hv_|hyperv|hid_hyperv|vbox|virtio|9p|netfs|fuse|scsi_transport_fc)'
{
	find "$R/usr/lib/modules/$kver" -name '*.ko' -printf '%f\n' | sed 's/\.ko$//; s/-/_/g' |
		grep -E "$hvmod" | sed 's/^/module /; s/$/ file/'
	sed 's|.*/||; s/\.ko.*//; s/-/_/g' "$R/usr/lib/modules/$kver/modules.builtin" |
		grep -E "$hvmod" | sed 's/^/module /; s/$/ builtin/'
	for s in all qemu hyperv virtualbox; do
		echo "set $s $(paste -sd' ' "$R/etc/machinectl-os/modules.$s")"
	done
	for f in usr/sbin/hv_kvp_daemon usr/libexec/hypervkvpd/hv_get_dhcp_info \
		usr/libexec/hypervkvpd/hv_get_dns_info usr/sbin/qemu-ga usr/sbin/shutdown \
		usr/bin/docker usr/sbin/dockerd usr/bin/containerd usr/sbin/runc usr/bin/docker-init \
		usr/lib/machinectl-os/hypervisor usr/lib/machinectl-os/sharedfolders \
		usr/lib/machinectl-os/guest-tools usr/lib/machinectl-os/media; do
		[ -f "$R/$f" ] && [ -x "$R/$f" ] && echo "file $f"
	done
	for l in "$R"/usr/libexec/docker/cli-plugins/*; do
		[ -L "$l" ] && echo "link ${l#"$R"/} -> $(readlink "$l")"
	done
	grep '^tools/' "$X/iso.files" | sed 's/^/iso /'
	sed -n 's/^SUITE=\(.*\)/release SUITE \1/p' "$X/release"
	# versions: the upstream series only (Debian revisions change with updates)
	sed -n 's/^\(DOCKER\|CONTAINERD\|COMPOSE\|BUILDX\)=\([0-9]*\.[0-9]*\).*/release \1 \2/p;
		s/^KERNEL=\([0-9]*\.[0-9]*\).*/release KERNEL \1/p' "$X/release"
	for k in RUNC TINI OPENSSH HV_KVP_DAEMON QEMU_GA DEBIAN_VERSION; do
		grep -qE "^$k=[^?]+$" "$X/release" && echo "release $k listed"
	done
	for s in ALL QEMU HYPERV VIRTUALBOX; do
		v=$(sed -n "s/^MODULES_$s=\"\\(.*\\)\"$/\\1/p" "$X/release")
		[ "$v" = "$(paste -sd' ' "$R/etc/machinectl-os/modules.$(tr A-Z a-z <<<"$s")")" ] &&
			echo "release MODULES_$s = the set"
	done
} | LC_ALL=C sort >"$X/actual"
grep -v '^#' "$EXPECTED" | sed '/^$/d' | LC_ALL=C sort >"$X/expected"
if diff -u "$X/expected" "$X/actual" >"$X/diff"; then
	ok "the ISO holds exactly the expected guest modules, sets, daemons and plugins ($(wc -l <"$X/expected") items)"
else
	not_ok "the ISO differs from $EXPECTED (- expected, + built):"
	sed 's/^/#   /' "$X/diff"
fi
# the module files rcS loads exist, and depmod knows them
missing=
for m in $(cat "$R"/etc/machinectl-os/modules.*); do
	grep -qE "(^|/)${m//_/[-_]}\\.ko:" "$R/usr/lib/modules/$kver/modules.dep" || missing+=" $m"
done
check "every module of every set is in modules.dep${missing:+ (missing:$missing)}" test -z "$missing"
check "no module is left compressed (busybox modprobe loads plain .ko)" \
	test -z "$(find "$R/usr/lib/modules" -name '*.ko.*' | head -1)"
# build-iso cuts Debian's signature off (the kernel would check it at each
# load, 10-40 ms under TCG); the ELF module itself stays whole
signed=$(grep -rlF '~Module signature appended~' "$R/usr/lib/modules" | sed 's|.*/||' | paste -sd' ')
check "no module carries a signature${signed:+ (signed: $signed)}" test -z "$signed"
elf_bad=
for f in $(find "$R/usr/lib/modules" -name '*.ko'); do
	readelf -S "$f" >/dev/null 2>&1 || elf_bad+=" ${f##*/}"
done
check "every module is still a whole ELF object${elf_bad:+ (not:$elf_bad)}" test -z "$elf_bad"
# The Hyper-V fake of the CLI tests answers with an IP (and shuts down) only
# for an ISO with Hyper-V's guest side: it must find it in the real ISO.
mkdir -p "$X/fakestate"
fake_sees=$(MC_FAKE_HYPERV_STATE=$X/fakestate python3 -c '
import importlib.machinery, importlib.util, sys
loader = importlib.machinery.SourceFileLoader("fake", sys.argv[1])
spec = importlib.util.spec_from_loader("fake", loader)
fake = importlib.util.module_from_spec(spec)
loader.exec_module(fake)
print(" ".join(sorted(fake.guest_of(sys.argv[2]))))' "$MC_SRCDIR/tests/fakes/powershell.exe" "$ISO")
check "the Hyper-V fake finds hv_kvp_daemon, hv_netvsc and hv_utils in this ISO (got: $fake_sees)" \
	test "$fake_sees" = "hv_kvp_daemon hv_netvsc hv_utils"
size=$(stat -c %s "$ISO")
check "the ISO is at most 150 MB ($((size / 1000000)) MB)" test "$size" -le 150000000
echo "# initramfs: $(($(stat -c %s "$X/initrd.img") / 1000000)) MB compressed, $(du -sm "$R" | cut -f1) MiB in RAM once unpacked"
done_testing
