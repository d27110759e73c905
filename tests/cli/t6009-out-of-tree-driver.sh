#!/bin/bash
# A third-party VM driver built out of the tree: the code of doc/drivers.md,
# "A complete VM driver", compiled against the header `make install
# DESTDIR=...` installs (and nothing else of machinectl), then loaded as a
# plugin to create, list, stop, start and remove a machine with a real QEMU
# (TCG; Docker's port forwarded to 127.0.0.1 only, the guest network
# restricted).
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
: "${MC_BUILDDIR:?}"
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
command -v qemu-system-x86_64 >/dev/null || { echo "Bail out! qemu-system-x86_64 is missing (scripts/setup installs it)"; exit 1; }
includedir=$(make -s -C "$MC_BUILDDIR" -f Makefile -f - print-var V=includedir <<<'print-var: ; @echo $($(V))')

D="$TEST_TMP/dest"
run make -s -C "$MC_BUILDDIR" install DESTDIR="$D"
expect_rc 0 "make install DESTDIR=... installs <machinectl/driver.h>"
check "the header is there" test -s "$D$includedir/machinectl/driver.h"

# The driver's code, as doc/drivers.md shows it (the only ```c block there).
SRC="$TEST_TMP/plugin/qemu-mini.c"
mkdir -p "$TEST_TMP/plugin"
sed -n '/^```c$/,/^```$/p' "$MC_SRCDIR/doc/drivers.md" | sed '1d;$d' >"$SRC"
check "doc/drivers.md holds the driver's code" grep -q 'mc_driver_entry' "$SRC"
run cc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -shared -fPIC -I"$D$includedir" \
	$(pkg-config --cflags jansson) -o "$TEST_TMP/plugin/machinectl-driver-qemu-mini.so" "$SRC"
expect_rc 0 "it builds against the installed header alone, -Wall -Wextra -Werror"
[ "$RC" = 0 ] || printf '%s\n' "$ERR" | sed 's/^/#   /' | head -n 20
run nm -D --undefined-only "$TEST_TMP/plugin/machinectl-driver-qemu-mini.so"
check "it needs no symbol of machinectl" bash -c '! grep -q " mc_" <<<"$1"' _ "$OUT"

# The plugins built in this tree are found without MACHINECTL_DRIVER_PATH,
# so that a fresh build works before "make install".
for so in "$MC_BUILDDIR"/drivers/*/.libs/machinectl-driver-*.so; do
	[ -e "$so" ] || continue
	name=${so##*/machinectl-driver-}; name=${name%.so}
	run env -u MACHINECTL_DRIVER_PATH "$MC_BUILDDIR/machinectl" create -d "$name" --help
	expect_out "Options of the $name driver:" "the build tree's $name plugin is found next to the program"
done

export MACHINECTL_DRIVER_PATH="$TEST_TMP/plugin"
ISO="$TEST_TMP/boot.iso"
fake_iso "$ISO" TEST-ISO
PORT=$(free_port)
run mc create -d qemu-mini --iso "$ISO" --qemu-mini-memory 64 --qemu-mini-port "$PORT" m1
expect_rc 0 "create through the plugin"
expect_out "(m1) Starting QEMU..." "its phases are shown with the machine's name"
pid=$(cat "$STORE/machines/m1/qemu.pid" 2>/dev/null)
check "a QEMU runs for it" kill -0 "${pid:-0}"
run mc ls --format '{{.Name}} {{.DriverName}} {{.State}} {{.URL}}'
expect_out "m1 qemu-mini Running tcp://127.0.0.1:$PORT" "ls shows it Running, with the driver's URL"
run mc create -d qemu-mini --iso "$ISO" --qemu-mini-memory 32 m2
expect_rc 2 "the range the plugin declares refuses bad input (a usage error, as a value that is no number)"
expect_err "Error: invalid value '32' for --qemu-mini-memory: give a number from 64 to 65536" \
	"... naming the flag and its range"
check "... and nothing of m2 is kept" test ! -e "$STORE/machines/m2"
run mc stop m1
expect_rc 0 "stop"
check "QEMU is gone" bash -c '! kill -0 "$1" 2>/dev/null' _ "${pid:-0}"
run mc status m1
expect_out "Stopped" "status: Stopped"
run mc ssh m1 true
expect_rc 1 "ssh to a driver without SSH"
expect_err "which has no SSH access" "... says so"
run mc start m1
expect_rc 0 "start"
pid=$(cat "$STORE/machines/m1/qemu.pid" 2>/dev/null)
run mc rm -y m1
expect_rc 0 "rm through the plugin"
check "rm stopped QEMU" bash -c '! kill -0 "$1" 2>/dev/null' _ "${pid:-0}"
check "and forgot the machine" test ! -e "$STORE/machines/m1"
done_testing
