#!/bin/bash
# The hyperv driver's data disk: a fixed VHD written by machinectl (the
# userdata tar at offset 0, then the footer), read back with qemu-img.  The
# fake's `disk` verb keeps the fixed VHD as disk.vhd (Hyper-V's Convert-VHD
# would make it dynamic), so what Hyper-V gets is what is checked here.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

command -v qemu-img >/dev/null || { echo "1..0 # SKIP qemu-img (qemu-utils) is not installed"; exit 0; }
. "$MC_SRCDIR/tests/lib/hyperv-lib.sh"
info() { qemu-img info -f vpc --output=json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["format"], d["virtual-size"])'; }

# An Administrator: a small fixed disk, made dynamic and grown by Hyper-V.
run mc create -d hyperv --iso "$ISO" --no-provision adm
expect_rc 0 "create as an Administrator"
D="$STORE/machines/adm/disk.vhd"
check "the data disk exists" test -f "$D"
# Sizes are rounded up to an exact CHS geometry, so every reader agrees.
size_ok() { # size_ok FILE MIN: vpc, virtual size = the data before the footer, >= MIN
	local v=$(info "$1")
	test "$v" = "vpc $(($(stat -c %s "$1") - 512))" -a "${v#vpc }" -ge "$2" -a "${v#vpc }" -lt $(($2 + 1048576))
}
check "qemu-img reads a vpc image of 10 MiB (rounded up to its CHS geometry)" size_ok "$D" $((10 << 20))
run qemu-img convert -f vpc -O raw "$D" "$TEST_TMP/adm.raw"
expect_rc 0 "qemu-img converts it to raw"
check "the raw data starts with the userdata tar's magic member" \
	test "$(head -c 29 "$TEST_TMP/adm.raw")" = "boot2docker, please format-me"
check "the tar lists the magic file and the SSH keys" \
	bash -c 'tar -tf "$1" 2>/dev/null | tr "\n" " " | grep -qF "boot2docker, please format-me .ssh/ .ssh/authorized_keys .ssh/authorized_keys2"' _ "$TEST_TMP/adm.raw"
check "the key in the tar is the machine's public key" \
	bash -c 'tar -xOf "$1" .ssh/authorized_keys | cmp -s - "$2"' _ "$TEST_TMP/adm.raw" "$STORE/machines/adm/id_ed25519.pub"
check "the disk verb asked for 20000 MB" grep -q '"verb":"disk".*"size_mb":20000' "$MC_FAKE_HYPERV_STATE/requests.log"

# Only in Hyper-V Administrators: Resize-VHD needs an Administrator, so the
# fixed disk is written at full size (sparse).
echo hyperv-admin >"$MC_FAKE_HYPERV_STATE/admin"
run mc create -d hyperv --iso "$ISO" --no-provision --hyperv-disk-size 100 hva
expect_rc 0 "create as a Hyper-V Administrator"
D="$STORE/machines/hva/disk.vhd"
check "qemu-img reads a vpc image of 100 MiB (rounded up to its CHS geometry)" size_ok "$D" $((100 << 20))
check "the file is sparse: far less allocated than its size" test "$(du -k "$D" | cut -f1)" -lt 1024
check "the last 512 bytes are the VHD footer" test "$(tail -c 512 "$D" | head -c 8)" = conectix
run qemu-img convert -f vpc -O raw "$D" "$TEST_TMP/hva.raw"
check "its raw data starts with the userdata tar too" \
	test "$(head -c 29 "$TEST_TMP/hva.raw")" = "boot2docker, please format-me"

done_testing
