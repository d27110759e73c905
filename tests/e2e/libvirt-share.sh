#!/bin/bash
# Shared folders on a real VM (issue 19): create --share under libvirt (9p,
# doc/libvirt.md "Shared folders"), one VM.  A file written on the host is
# read in a container with `docker run -v HOSTPATH:/x`, a file the container
# writes is read on the host, and a share at another guest path works too;
# after a restart the folders are mounted again.  libvirtd runs inside a
# network namespace this test creates (tests/e2e/lib-libvirtd.sh).
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/e2e/lib-libvirtd.sh"
. "$MC_SRCDIR/tests/e2e/lib-image.sh"

lv_start_iso

vm() { lv_mc "$@"; }
M=share1
# A host folder with a space in its name (escaped in the mounts file), shared
# at the same path, and a second one at another guest path.
SHARE="$TEST_TMP/host src"
OTHER="$TEST_TMP/other"
mkdir -p "$SHARE" "$OTHER"
echo "from-the-host-$$" >"$SHARE/hello.txt"
echo "other-$$" >"$OTHER/o.txt"
run vm create -d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$ISO" \
	--share "$SHARE" --share "$OTHER:/srv/other" $M
expect_rc 0 "create --share succeeds"
printf '%s\n' "$OUT" "$ERR" | sed 's/^/# create: /'
check "the domain has a 9p filesystem for each share" \
	test "$(lv_exec virsh -c "$LV_URI" dumpxml "machinectl-$M" | grep -c "<filesystem type='mount' accessmode='squash'>")" = 2
run vm ls --format '{{.Name}} {{.Shares}}'
check "ls shows the shares" test "$OUT" = "$M $SHARE,$OTHER:/srv/other"

run vm ssh $M 'sudo grep -c "machinectl-os: mounted mc[01] at" /var/log/boot.log; grep -c " 9p " /proc/mounts'
check "the guest mounted both shares at boot" test "$OUT" = "2
2"

eval "$(vm env --shell bash $M)"
e2e_image_tar "$TEST_TMP/image.tar"
run lv_exec env DOCKER_HOST="$DOCKER_HOST" bash -c ". '$MC_SRCDIR/tests/e2e/lib-image.sh'; e2e_image_import '$TEST_TMP/image.tar' mc-hello:1"
expect_rc 0 "docker import of a locally built image"
run lv_exec docker run --rm -v "$SHARE:/x" mc-hello:1 cat /x/hello.txt
expect_rc 0 "docker run -v HOSTPATH:/x"
check "the container reads the file written on the host" test "$OUT" = "from-the-host-$$"
run lv_exec docker run --rm -v "$SHARE:/x" mc-hello:1 sh -c "echo from-the-container-$$ >/x/back.txt"
expect_rc 0 "the container writes into the shared folder"
if [ "$RC" != 0 ]; then  # what the guest was doing: its state and console
	echo "# domain state: $(lv_exec virsh -c "$LV_URI" domstate "machinectl-$M" 2>&1)"
	tail -n 40 "$STORE/machines/$M/console.log" 2>&1 | sed 's/^/#   console: /'
fi
check "the host reads the file the container wrote" test "$(cat "$SHARE/back.txt" 2>/dev/null)" = "from-the-container-$$"
run lv_exec docker run --rm -v /srv/other:/y mc-hello:1 cat /y/o.txt
check "a share at another guest path (HOST:GUEST)" test "$OUT" = "other-$$"

run vm restart $M
expect_rc 0 "restart"
run lv_exec docker run --rm -v "$SHARE:/x" mc-hello:1 cat /x/back.txt
check "the share is mounted again after a restart" test "$OUT" = "from-the-container-$$"

run vm rm -f $M
expect_rc 0 "rm -f"
check "the shared folder is left on the host" test -s "$SHARE/hello.txt"
done_testing
