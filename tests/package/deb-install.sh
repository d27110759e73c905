#!/bin/bash
# The Debian packages (make deb) installed into this machine with apt, used,
# and purged: the tool alone installs without libvirt and works (--version,
# create --driver none, ls, env, its man pages and completions under its
# installed name); systemd-container's /usr/bin/machinectl is left alone; the
# libvirt module, the machine OS builder and the header install beside it; a
# purge leaves nothing behind.  Root (apt); run by `make check-package`.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"
: "${MC_BUILDDIR:?}"
DEB_DIR=${MC_DEB_DIR:-$MC_BUILDDIR/deb}
PROG=docker-machinectl
PKGS="$PROG $PROG-libvirt $PROG-os-builder $PROG-dev"
# The installed program finds the installed driver modules, not the build's.
unset MACHINECTL_DRIVER_PATH MACHINECTL_ISO MACHINECTL_ISO_URL
export MACHINECTL_ISO_CACHE="$TEST_TMP/no-build-cache"

[ "$(id -u)" = 0 ] || { echo "Bail out! installing packages needs root"; exit 1; }
deb() { ls "$DEB_DIR/$1"_*.deb 2>/dev/null | head -n 1; }
for p in $PKGS; do
	[ -n "$(deb "$p")" ] || { echo "Bail out! no $p .deb in $DEB_DIR: run make deb"; exit 1; }
done
installed() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
apt_q() { DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=600 "$@" >>"$TEST_TMP/apt.log" 2>&1; }
purge_all() {
	local p any=
	for p in $PKGS; do dpkg-query -W "$p" >/dev/null 2>&1 && any="$any $p"; done
	[ -z "$any" ] || apt_q purge $any
}
for p in $PKGS; do
	if installed "$p"; then echo "# $p was installed before the test: purging it first"; fi
done
purge_all
at_exit purge_all

version=$(sed -n "s/^PACKAGE_VERSION = //p" "$MC_BUILDDIR/Makefile")
for p in $PKGS; do
	check "$p's version is the build's ($version)" test "$(dpkg-deb -f "$(deb "$p")" Version)" = "$version"
done

# No file of ours is one of systemd-container's.
# (Debian 12's systemd-container lists /bin/machinectl: /bin is /usr/bin.)
check "systemd-container is installed (scripts/setup), with /usr/bin/machinectl" \
	bash -c "dpkg-query -S /bin/machinectl /usr/bin/machinectl 2>/dev/null | grep -q '^systemd-container: '"
sd_sum=$(md5sum </usr/bin/machinectl)
usr_merged() { sed -E 's#^\./#/#; s#/$##; s#^/(bin|sbin|lib[^/]*)/#/usr/\1/#'; }
ours=$(for p in $PKGS; do dpkg-deb --fsys-tarfile "$(deb "$p")" | tar -t; done | usr_merged | LC_ALL=C sort -u)
common=$(LC_ALL=C comm -12 <(printf '%s\n' "$ours") \
	<(dpkg -L systemd-container | while read -r f; do [ -d "$f" ] || echo "$f"; done | usr_merged | LC_ALL=C sort -u))
check "no path of ours is systemd-container's${common:+ ($common)}" test -z "$common"
check "the command is /usr/bin/$PROG" grep -qx "/usr/bin/$PROG" <<<"$ours"

# The tool alone: no libvirt needed.
check "$PROG does not depend on libvirt" bash -c "! dpkg-deb -f '$(deb "$PROG")' Depends | grep -q libvirt"
run apt_q install --no-install-recommends "$(deb "$PROG")"
expect_rc 0 "apt-get install ./${PROG}_*.deb (without recommends) succeeds"
[ "$RC" = 0 ] || tail -n 20 "$TEST_TMP/apt.log" | sed 's/^/#   /'
check "... and installs no libvirt driver" bash -c "! dpkg-query -W -f '\${Status}' $PROG-libvirt 2>/dev/null | grep -q 'ok installed'"
check "the program links no libvirt" bash -c "! ldd /usr/bin/$PROG | grep -q libvirt"
run $PROG --version
expect_rc 0 "$PROG --version"
check "it names itself $PROG and the version (and its build)" grep -qxE "$PROG version ${version//./\\.}(, build [0-9a-zA-Z.+~-]+)?" <<<"$OUT"
run $PROG create --driver none --url tcp://127.0.0.1:2376 m1
expect_rc 0 "$PROG create --driver none --url tcp://127.0.0.1:2376 m1"
run $PROG ls
expect_rc 0 "$PROG ls"
check "ls shows m1 with its URL" grep -qE '^m1 +- +none +Running +tcp://127\.0\.0\.1:2376 ' <<<"$OUT"
run $PROG env m1
expect_rc 0 "$PROG env m1"
expect_out 'export DOCKER_HOST="tcp://127.0.0.1:2376"' "env points DOCKER_HOST at m1"
expect_out "eval \$($PROG env m1)" "its hint names $PROG"
run $PROG create -d libvirt l0
expect_rc 1 "create -d libvirt without the driver package fails"
expect_err 'driver "libvirt" not found' "it says the driver is not there"
check "the man page is $PROG(1)" bash -c "zcat /usr/share/man/man1/$PROG.1.gz | grep -qx '.Nm $PROG'"
check "... and refers to $PROG-config(5)" bash -c "zcat /usr/share/man/man1/$PROG.1.gz | grep -q '^.Xr $PROG-config 5'"
for m in man5/$PROG-config.5 man7/$PROG-drivers.7; do
	check "$m.gz is installed and mandoc reads it cleanly" bash -c "zcat /usr/share/man/$m.gz | mandoc -Tlint -W warning"
done
run bash -c "source /usr/share/bash-completion/completions/$PROG && complete -p $PROG"
check "the bash completion completes $PROG" test "$OUT" = "complete -F _${PROG//-/_} $PROG"
check "the zsh completion is _$PROG" grep -qx "#compdef $PROG" "/usr/share/zsh/vendor-completions/_$PROG"
check "the fish completion completes $PROG" grep -q "^complete -c $PROG " "/usr/share/fish/vendor_completions.d/$PROG.fish"
check "systemd-container's /usr/bin/machinectl is untouched" test "$(md5sum </usr/bin/machinectl)" = "$sd_sum"
run /usr/bin/machinectl --version
check "/usr/bin/machinectl is still systemd's" grep -q '^systemd ' <<<"$OUT"

# The other packages.
run apt_q install --no-install-recommends "$(deb "$PROG-libvirt")" "$(deb "$PROG-os-builder")" "$(deb "$PROG-dev")"
expect_rc 0 "apt-get install the libvirt driver, the machine OS builder and the header"
[ "$RC" = 0 ] || tail -n 20 "$TEST_TMP/apt.log" | sed 's/^/#   /'
run $PROG create -d libvirt --help
expect_out "--libvirt-uri" "the installed libvirt module loads (create -d libvirt --help)"
fake_iso "$TEST_TMP/os.iso" MACHINECTL-OS-TEST
run $PROG create -d libvirt --libvirt-uri test:///default --no-provision --libvirt-disk-size 64 --iso "$TEST_TMP/os.iso" l1
expect_rc 0 "create -d libvirt against libvirt's test:///default"
run $PROG rm -y m1 l1
expect_rc 0 "rm the machines"
b=/usr/share/machinectl/os/scripts
check "the builder is installed ($b/build-iso)" test -x "$b/build-iso"
check "with the source tree's inputs, file for file" diff -r "$MC_SRCDIR/scripts/iso" "$b/iso"
check "<machinectl/driver.h> compiles" bash -c "echo '#include <machinectl/driver.h>' | cc -fsyntax-only \$(pkg-config --cflags jansson) -x c -"

# Purge: nothing is left.
files=$(for p in $PKGS; do dpkg -L "$p"; done | while read -r f; do [ -d "$f" ] || echo "$f"; done)
check "the packages installed $(wc -l <<<"$files") files" test "$(wc -l <<<"$files")" -gt 20
run apt_q purge $PKGS
expect_rc 0 "apt-get purge succeeds"
left=$(while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done <<<"$files")
check "no file of the packages is left${left:+ ($left)}" test -z "$left"
for p in $PKGS; do
	check "$p is not installed, not even its configuration" bash -c "! dpkg-query -W '$p' >/dev/null 2>&1 || test \"\$(dpkg-query -W -f '\${db:Status-Abbrev}' '$p')\" = 'un '"
done
left=$(ls -d /var/lib/dpkg/info/$PROG* /usr/share/doc/$PROG* /usr/share/machinectl /usr/lib/*/machinectl \
	/usr/include/machinectl 2>/dev/null)
check "no directory or dpkg record of ours is left${left:+ ($left)}" test -z "$left"
left=$(find /usr /etc /var/lib /var/cache -xdev -name "*$PROG*" 2>/dev/null)
check "no file named $PROG anywhere under /usr, /etc, /var/lib, /var/cache${left:+ ($left)}" test -z "$left"
check "systemd-container's /usr/bin/machinectl is still there, untouched" test "$(md5sum </usr/bin/machinectl)" = "$sd_sum"
done_testing
