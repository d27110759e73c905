#!/bin/bash
# Shared folders (create --share HOST[:GUEST], --no-share; doc/shares.md)
# through the real binary: the checks before anything is made, the record
# (config.json, ls, inspect), the userdata's .machinectl/mounts read back with
# GNU tar and parsed by the machine OS's own parser (busybox, as in the
# guest), libvirt's test:///default accepting the domain with its 9p
# filesystems, VirtualBox's shared folders (the fake VBoxManage), and the
# drivers that cannot share refusing --share.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"

export MACHINECTL_DRIVER_PATH="${MC_BUILDDIR:-$(dirname "$MC_BIN")}/drivers/libvirt/.libs${MACHINECTL_DRIVER_PATH:+:$MACHINECTL_DRIVER_PATH}"
unset LIBVIRT_URI LIBVIRT_MEMORY MACHINECTL_ISO MACHINECTL_ISO_SHA256 LIBVIRT_BOOT2DOCKER_URL
ISO="$TEST_TMP/fake.iso"
fake_iso "$ISO" FAKE-ISO-1.0
T="--libvirt-uri test:///default --no-provision --iso $ISO --libvirt-disk-size 64"
export HOME="$TEST_TMP/home/alice"
A="$TEST_TMP/src dir"   # a space: escaped in the mounts file
B="$TEST_TMP/b&'<x>"    # XML's special characters
mkdir -p "$HOME" "$A" "$B"
touch "$TEST_TMP/file"

shares() { # shares MACHINE [Driver]: HostOptions.Shares (or Driver.Shares) as HOST>GUEST>TAG lines
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for s in (d["Driver"] if sys.argv[2] == "Driver" else d["HostOptions"]).get("Shares", []):
    print("%s>%s>%s" % (s["Host"], s["Guest"], s["Tag"]))' "$STORE/machines/$1/config.json" "${2:-HostOptions}"
}
mounts() { tar -xOf "$1" .machinectl/mounts; }

BB=$(command -v busybox) || { echo "Bail out! busybox not found: run scripts/setup (busybox-static)"; exit 1; }
mkdir -p "$TEST_TMP/bb"
for a in $("$BB" --list); do ln -s "$BB" "$TEST_TMP/bb/$a"; done
guest_parse() { env -i PATH="$TEST_TMP/bb" "$BB" sh "$MC_SRCDIR/scripts/iso/rootfs/usr/lib/machinectl-os/sharedfolders" --parse "$1"; }

# --- refused before anything is made (exit 2, the spec named) ---
bad() { # bad DESC EXPECTED-STDERR ARGS...
	local desc=$1 want=$2
	shift 2
	run mc create -d libvirt $T "$@" bad1
	expect_rc 2 "$desc: usage error"
	expect_err "$want" "$desc: says why"
	check "$desc: nothing is made" test ! -e "$STORE/machines/bad1"
}
bad "a relative HOST" 'invalid --share "rel/dir": HOST rel/dir is not an absolute path' --share rel/dir
bad "a missing HOST" "HOST $TEST_TMP/nosuch is not an existing directory" --share "$TEST_TMP/nosuch"
bad "a HOST that is a file" "HOST $TEST_TMP/file is not an existing directory" --share "$TEST_TMP/file"
bad "an empty spec" 'invalid --share "": use HOST[:GUEST]' --share ""
bad "an empty GUEST" "GUEST is empty" --share "$A:"
bad "GUEST /" "GUEST / would cover the machine's own /" --share "$A:/"
bad "GUEST /home" "GUEST /home would cover the machine's own /home/docker" --share "$A:/home"
bad "GUEST below /etc" "GUEST /etc/x would cover the machine's own /etc" --share "$A:/etc/x"
bad "GUEST /var/lib/docker" "would cover the machine's own /var/lib/docker" --share "$A:/var/lib/docker"
bad "a GUEST not normalised" "GUEST /srv/../x is not normalised" --share "$A:/srv/../x"
# Without :GUEST the HOST path is the GUEST too: the message says so, and what to add.
bad "a HOST alone that the machine keeps" \
	'invalid --share "/etc": without :GUEST it is shared at the same path in the machine, where GUEST /etc would cover the machine'"'"'s own /etc: add :GUEST (e.g. --share /etc:/mnt/host)' \
	--share /etc
bad "a HOST alone not normalised" \
	"invalid --share \"$A/.\": without :GUEST it is shared at the same path in the machine, where GUEST $A/. is not normalised" \
	--share "$A/."
bad "a newline" "holds a control character" --share "$A:/srv/a
b"
bad "the same GUEST twice" "GUEST /srv/x is already shared from $A" --share "$A:/srv/x" --share "$B:/srv/x"
bad "--share with --no-share" "--share and --no-share cannot be used together" --share "$A" --no-share
check "no machine was made by the refusals" test -z "$(ls "$STORE/machines" 2>/dev/null)"

# --- libvirt: two shares ---
run mc create -d libvirt $T --share "$A" --share "$B:/srv/b" s1
expect_rc 0 "create --share --share"
check "the shares are recorded (HostOptions.Shares)" test "$(shares s1)" = "$A>$A>mc0
$B>/srv/b>mc1"
check "... and by the libvirt driver" test "$(shares s1 Driver)" = "$(shares s1)"
check "the data disk holds .machinectl/mounts (GNU tar)" test "$(mounts "$STORE/machines/s1/disk.raw")" = "# machinectl shared folders: FSTYPE SOURCE GUESTPATH
9p mc0 ${A// /\\040}
9p mc1 /srv/b"
mounts "$STORE/machines/s1/disk.raw" >"$TEST_TMP/m1"
check "the machine OS's parser takes every line, decoded" test "$(guest_parse "$TEST_TMP/m1" 2>&1)" = "9p	mc0	$A
9p	mc1	/srv/b"
run mc ls --format '{{.Name}}|{{.Shares}}'
check "ls --format {{.Shares}}" grep -qxF "s1|$A,$B:/srv/b" <<<"$OUT"
run mc ls --format 'table {{.Name}} {{.Shares}}'
expect_out "SHARES" "ls names the column SHARES"
run mc inspect -f '{{json .HostOptions.Shares}}' s1
expect_out '"Guest":"/srv/b"' "inspect shows the shares"

# A host path with a newline and a tab (only the hypervisor sees it; the
# guest path goes in the mounts file).
N="$TEST_TMP/new
line	tab"
mkdir -p "$N"
run mc create -d libvirt $T --share "$N:/srv/n" s5
expect_rc 0 "a HOST with a newline and a tab, at another GUEST"
check "... recorded exactly" test "$(shares s5 Driver)" = "$N>/srv/n>mc0"
run mc create -d libvirt $T --share "$A/" --share "$B//:/srv/b2" s6
expect_rc 0 "a HOST with a trailing / (a shell's completion) is shared"
check "... as that directory, at its own path (no trailing /)" test "$(shares s6)" = "$A>$A>mc0
$B>/srv/b2>mc1"

# --- the default: the home directory at the same path ---
run mc create -d libvirt $T s2
expect_rc 0 "create without --share"
check "the home directory is shared at the same path" test "$(shares s2)" = "$HOME>$HOME>mc0"
check "... in the mounts file" grep -qx "9p mc0 $HOME" <<<"$(mounts "$STORE/machines/s2/disk.raw")"
run mc create -d libvirt $T --no-share s3
expect_rc 0 "create --no-share"
check "--no-share: nothing recorded" test -z "$(shares s3)"
check "--no-share: no mounts member" test -z "$(tar -tf "$STORE/machines/s3/disk.raw" | grep mounts)"
run env HOME=/root machinectl create -d libvirt $T s4
expect_rc 0 "create with HOME=/root"
check "HOME=/root (the guest's own) is not shared by default" test -z "$(shares s4)"

# --- drivers that cannot share ---
run mc create -d generic --generic-ip-address 127.0.0.1 --share "$A" g1
expect_rc 2 "generic: --share is a usage error"
expect_err "the generic driver cannot share folders with its machines" "generic: says so"
check "generic: nothing is made" test ! -e "$STORE/machines/g1"
run mc create -d hyperv --share "$A" h1
expect_rc 2 "hyperv: --share is a usage error"
expect_err "the hyperv driver cannot share folders with its machines (doc/shares.md): remove --share" "hyperv: says so"
check "hyperv: nothing is made" test ! -e "$STORE/machines/h1"

# --- VirtualBox: a shared folder per share, mounted with vboxsf ---
. "$MC_SRCDIR/tests/fakes/vbox-lib.sh"
sshd_require
vbox_setup_guest || { echo "Bail out! no host NIC with an IPv4 address and a MAC to stand for the guest's"; exit 1; }
sshd_start
export MC_FAKE_VBOX_GUEST_SSH_PORT=$SSHD_PORT MC_FAKE_VBOX_GUEST_AUTHORIZED_KEYS=$SSHD_DIR/authorized_keys
VB="--iso $VBOX_ISO --no-provision --virtualbox-disk-size 8 --virtualbox-memory 512 --virtualbox-ssh-user $(id -un) --virtualbox-start-timeout 20"
vbm_mark
run mc create -d virtualbox $VB --share "$A" --share "$B:/srv/b" v1
expect_rc 0 "virtualbox: create --share --share"
check "virtualbox: one shared folder per share" test "$(vbm_calls | grep '^sharedfolder')" = "sharedfolder add v1 --name mc0 --hostpath @TMP@/src dir --automount
sharedfolder add v1 --name mc1 --hostpath @TMP@/b&'<x> --automount"
# the fake keeps the data disk's .machinectl/mounts beside the image
vbox_mounts() {
	python3 -c 'import json,sys
m = [m for m in json.load(open(sys.argv[1]))["media"] if m["path"] == sys.argv[2]]
print(m[0].get("mounts") or "", end="")' \
		"$MC_FAKE_VBOX_STATE/state.json" "$STORE/machines/$1/disk.vmdk"
}
check "virtualbox: the data disk's mounts file says vboxsf" test "$(vbox_mounts v1)" = "# machinectl shared folders: FSTYPE SOURCE GUESTPATH
vboxsf mc0 ${A// /\\040}
vboxsf mc1 /srv/b"
vbm_mark
# --virtualbox-share-folder's errors quote it, with the --share it means.
run mc create -d virtualbox $VB --virtualbox-share-folder "$A:etc" v2
expect_rc 2 "virtualbox: a share NAME the machine keeps"
expect_err "invalid --virtualbox-share-folder \"$A:etc\" (--share $A:/etc): GUEST /etc would cover the machine's own /etc" \
	"the error quotes the flag given"
run mc create -d virtualbox $VB --virtualbox-share-folder "$A:c/Users" v2
expect_rc 0 "virtualbox: --virtualbox-share-folder DIR:NAME"
check "virtualbox: the folder keeps its name" grep -qxF "sharedfolder add v2 --name c/Users --hostpath @TMP@/src dir --automount" <<<"$(vbm_calls)"
check "virtualbox: ... mounted at /NAME" test "$(shares v2)" = "$A>/c/Users>c/Users"
vbm_mark
run mc create -d virtualbox $VB --virtualbox-no-share v3
expect_rc 0 "virtualbox: --virtualbox-no-share"
check "virtualbox: --virtualbox-no-share shares nothing" test -z "$(vbm_calls | grep '^sharedfolder')$(shares v3)"
run mc create -d virtualbox $VB v4
check "virtualbox: the default is the home directory at the same path" test "$(shares v4)" = "$HOME>$HOME>mc0"
for m in v1 v2 v3 v4; do mc rm -f $m >/dev/null 2>&1; done
done_testing
