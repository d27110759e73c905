#!/bin/bash
# make install / make uninstall with DESTDIR: the binary, the driver modules,
# the Hyper-V shim, the driver header, the man pages and the completions go
# to their places under the prefix, follow the program name (a transform given
# to make install), and make uninstall removes every file it installed.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
: "${MC_BUILDDIR:?}"
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
var() { make -s -C "$MC_BUILDDIR" -f Makefile -f - eco-print-var V="$1" <<<'eco-print-var: ; @echo $($(V))'; }
prefix=$(var prefix)
datadir=$(var datadir)
mandir=$(var mandir)
bindir=$(var bindir)
pkgdatadir=$(var pkgdatadir)
pkgdriverdir=$(var pkgdriverdir)
libvirt=$(var pkgdriver_LTLIBRARIES)
baked=$(cat "$MC_BUILDDIR/gen/prog")
check "the build's directories are known (prefix $prefix)" test -n "$prefix" -a -n "$datadir" -a -n "$mandir"

# install_as DEST TRANSFORM: make install, quietly
install_as() { make -s -C "$MC_BUILDDIR" install DESTDIR="$1" ${2:+transform="$2"} >"$TEST_TMP/make.log" 2>&1; }
uninstall_as() { make -s -C "$MC_BUILDDIR" uninstall DESTDIR="$1" ${2:+transform="$2"} >"$TEST_TMP/make.log" 2>&1; }

D="$TEST_TMP/dest"
run install_as "$D"
expect_rc 0 "make install DESTDIR=... succeeds"
[ "$RC" = 0 ] || sed 's/^/#   /' "$TEST_TMP/make.log" | tail -n 20
for f in "$bindir/machinectl" "$mandir/man1/machinectl.1" "$mandir/man5/machinectl-config.5" \
	"$mandir/man7/machinectl-drivers.7" "$datadir/bash-completion/completions/machinectl" \
	"$datadir/zsh/vendor-completions/_machinectl" "$datadir/fish/vendor_completions.d/machinectl.fish" \
	"$pkgdatadir/machinectl.ps1" "$pkgdatadir/machinectl-hyperv.ps1" "$prefix/include/machinectl/driver.h"; do
	check "installed: ${f#$prefix/}" test -s "$D$f"
done
if [ -n "$libvirt" ]; then
	check "installed: the libvirt driver module" test -e "$D$pkgdriverdir/machinectl-driver-libvirt.so"
else
	ok "# SKIP the libvirt driver is not built"
fi
check "the installed man page is the generated one" cmp -s "$MC_BUILDDIR/gen/machinectl.1" "$D$mandir/man1/machinectl.1"
# The machine OS builder (mk/package.mk): build-iso and every input.
check "installed: the machine OS builder" test -x "$D$pkgdatadir/os/scripts/build-iso"
check "the builder's inputs are the source tree's, file for file" \
	diff -r "$MC_SRCDIR/scripts/iso" "$D$pkgdatadir/os/scripts/iso"
# (the same executables: distcheck makes the source tree read-only)
check "... and the same executables" test "$(cd "$MC_SRCDIR/scripts/iso" && find . -type f -perm -u+x | LC_ALL=C sort)" = \
	"$(cd "$D$pkgdatadir/os/scripts/iso" && find . -type f -perm -u+x | LC_ALL=C sort)"
run uninstall_as "$D"
expect_rc 0 "make uninstall DESTDIR=... succeeds"
left=$(find "$D" ! -type d | sed "s#^$D##")
check "make uninstall leaves no files${left:+ (left: $left)}" test -z "$left"

# Another program name at install time: everything follows it.
D="$TEST_TMP/dest2"
run install_as "$D" 's,^,my-,'
expect_rc 0 "make install transform='s,^,my-,' succeeds"
check "the program is my-machinectl" test -x "$D$bindir/my-machinectl"
check "its man page is my-machinectl.1 and names my-machinectl" grep -qx '.Nm my-machinectl' "$D$mandir/man1/my-machinectl.1"
check "... and refers to my-machinectl-drivers(7)" grep -qx '.Xr my-machinectl-drivers 7 ,' "$D$mandir/man1/my-machinectl.1"
check "machinectl-drivers.7 follows: my-machinectl-drivers.7" test -s "$D$mandir/man7/my-machinectl-drivers.7"
check "the bash completion completes my-machinectl" \
	grep -qx 'complete -F _my_machinectl my-machinectl' "$D$datadir/bash-completion/completions/my-machinectl"
check "the zsh completion is _my-machinectl for my-machinectl" \
	grep -qx '#compdef my-machinectl' "$D$datadir/zsh/vendor-completions/_my-machinectl"
check "the fish completion is my-machinectl.fish" grep -q '^complete -c my-machinectl ' "$D$datadir/fish/vendor_completions.d/my-machinectl.fish"
check "the PowerShell completer is my-machinectl.ps1" grep -q "CommandName 'my-machinectl'" "$D$pkgdatadir/my-machinectl.ps1"
check "the build's own gen/ files are untouched" \
	bash -c "test \"\$(cat '$MC_BUILDDIR/gen/prog')\" = '$baked' && grep -qx '.Nm $baked' '$MC_BUILDDIR/gen/machinectl.1' && grep -qx 'complete -F _${baked//[^a-zA-Z0-9_]/_} $baked' '$MC_BUILDDIR/gen/machinectl.bash'"
check "no temporary files are left in gen/" test -z "$(ls "$MC_BUILDDIR/gen" | grep install.tmp)"
check "nothing named plain machinectl was installed for the man pages and completions" \
	test -z "$(find "$D" -name 'machinectl.1' -o -name 'machinectl.fish' -o -name '_machinectl')"
run uninstall_as "$D" 's,^,my-,'
expect_rc 0 "make uninstall with the same transform succeeds"
left=$(find "$D" ! -type d | sed "s#^$D##")
check "make uninstall leaves no files${left:+ (left: $left)}" test -z "$left"
done_testing
