#!/bin/bash
# The generated man pages pass `mandoc -T lint` (nothing above style level)
# and render.  mandoc: Debian package mandoc (scripts/setup installs it).
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
GEN="$MC_BUILDDIR/gen"
pages=("$GEN/machinectl.1" "$GEN/machinectl-config.5" "$GEN/machinectl-drivers.7")
plan $((2 * ${#pages[@]} + 1))
for p in "${pages[@]}"; do
	if ! command -v mandoc >/dev/null; then
		ok "# SKIP mandoc is not installed (apt-get install mandoc)"
		ok "# SKIP mandoc is not installed"
		continue
	fi
	run mandoc -T lint -W warning "$p"
	OUT="$OUT$ERR"
	check "mandoc -T lint: no warnings or errors in $(basename "$p")" test -z "$OUT"
	run mandoc -T ascii "$p"
	check "$(basename "$p") renders" test "$RC" = 0 -a -n "$OUT"
done
check "machinectl.1 names its program as installed ($(cat "$GEN/prog"))" grep -qx ".Nm $(cat "$GEN/prog")" "$GEN/machinectl.1"
done_testing
