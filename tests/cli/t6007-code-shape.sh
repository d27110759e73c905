#!/bin/bash
# The code's shape that doc/hacking.md promises: who may call what, who may
# print, and what a driver may include.  Each rule is checked on the sources,
# so that a change that breaks the map fails here, with the offending lines.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
cd "$MC_SRCDIR" || exit 1
SHAPE="$MC_SRCDIR/tests/lib/code-shape.py"

# check_none DESCRIPTION COMMAND...: COMMAND prints nothing.
check_none() {
	local what=$1 out
	shift
	out=$("$@" 2>&1)
	if [ -z "$out" ]; then
		ok "$what"
	else
		not_ok "$what"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -n 20
	fi
}

ops='precreate|create|start|stop|kill|restart|remove|state|ip|url|ssh_endpoint|states|set_iso'
check_none "drivers' operations are called only by src/ops/handle.c" \
	bash -c "grep -rnE -- '->($ops)\\s*\\(' src certs | grep -E 'drv|driver' | grep -v '^src/ops/handle.c:'"

check_none "library code never writes to stdout (only src/main.c and src/cmd/ do)" \
	bash -c "grep -rnE '(^|[^a-z_])(printf|puts|putchar|vprintf)\\s*\\(|(fprintf|vfprintf|fputs|fputc|fwrite|putc)\\s*\\([^;]*\\bstdout\\b' \
		src drivers certs --include='*.c' | grep -vE '^src/(main\\.c|cmd/)'"

check_none "library code writes to stderr only through the log (and the fatal paths: a library that cannot load, a BUG)" \
	bash -c "grep -rnE '(fprintf|vfprintf|fputs|fputc|fwrite|putc|perror)\\s*\\([^;]*\\bstderr\\b|perror\\s*\\(' \
		src drivers certs --include='*.c' | grep -vE '^(src/(main\\.c|cmd/|log\\.c|lazy\\.c|opts\\.c)|drivers/libvirt/lv-lazy\\.c)'"

check_none "drivers include only <machinectl/driver.h>, buildconf.h and their own headers" \
	bash -c 'for f in drivers/*/*.[ch]; do
		d=${f%/*}
		grep -n "^#include \"" "$f" | while IFS= read -r line; do
			h=${line#*\"}; h=${h%\"*}
			case $h in driver.h|buildconf.h) continue ;; esac
			[ -e "$d/$h" ] || echo "$f: $line"
		done
	done'

check_none "drivers/ holds the ABI header and the drivers, no core code" \
	bash -c 'ls drivers | grep -vxE "driver\.h|generic|hyperv|libvirt|none|virtualbox"'

check_none "the libvirt module is built from drivers/libvirt alone" \
	bash -c "sed -n '/^LV_MODULE_SOURCES/,/^\$/p; /^drivers_libvirt_.*_SOURCES/p' mk/drivers.mk | tr ' \\\\\\t' '\\n\\n\\n' | grep -E '\\.(c|h)\$' | grep -v '^drivers/libvirt/'"

check_none "the libvirt module exports only mc_driver_entry" \
	bash -c "grep -q \"export-symbols-regex '\\^mc_driver_entry\\\$\\\$'\" mk/drivers.mk || echo 'mk/drivers.mk: no -export-symbols-regex ^mc_driver_entry$'"

lvmod="$MC_BUILDDIR/drivers/libvirt/.libs/machinectl-driver-libvirt.so"
if [ -f "$lvmod" ]; then
	check_none "the libvirt module calls libvirt only through its loader (drivers/libvirt/lv-lazy.c)" \
		bash -c "nm -D --undefined-only '$lvmod' | grep -E ' vir[A-Z]'"
elif grep -q 'S\["HAVE_LIBVIRT_TRUE"\]="#"' "$MC_BUILDDIR/config.status"; then
	ok "# SKIP the libvirt module is not configured (--with-libvirt=no)"
else
	not_ok "the libvirt module is built ($lvmod)"
fi

check_none "verbs do not reach past the operations layer into the drivers' registry or provisioning" \
	bash -c 'grep -nE "^#include \"(provision|userdata|engine)\.h\"" src/cmd/*.c'

lines=$(python3 "$SHAPE" lines src/cmd)
check "the verbs (src/cmd) stay thin: $lines lines of C, at most 3000" test "$lines" -le 3000

check_none "no function is longer than 120 lines in src, drivers, certs" \
	python3 "$SHAPE" functions src drivers certs

# The rules must be able to fail: each catches a planted offence.
T="$TEST_TMP/planted"
mkdir -p "$T/src/cmd" "$T/drivers/foo"
printf 'static void f(void)\n{\n\tprintf("x");\n}\n' >"$T/src/lib.c"
run bash -c "cd '$T' && grep -rnE '(^|[^a-z_])(printf|puts|putchar|vprintf)\\s*\\(' src --include='*.c' | grep -vE '^src/(main\\.c|cmd/)'"
expect_out "src/lib.c:3:" "the stdout rule catches a printf in library code"
{ echo '{'; for i in $(seq 1 130); do echo "	x$i();"; done; echo '}'; } >"$T/src/long.c"
sed -i '1i static void long_one(void)' "$T/src/long.c"
run python3 "$SHAPE" functions "$T/src"
expect_out "long_one 132" "the length rule catches a 132-line function"
done_testing
