#!/bin/bash
# The program shell: version, help, verb help, unknown verbs and flags, exit codes.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

run mc --version
expect_rc 0 "--version exits 0"
expect_out "machinectl version " "--version prints the version"

run mc -v
expect_out "machinectl version " "-v prints the version"

run mc version
expect_out "machinectl version " "version with no name prints the version"
# The build identifier: git describe of the source tree the binary was built
# from, else the package version (issue 23, 21).
if id=$(git -C "$MC_SRCDIR" describe --tags --always --dirty 2>/dev/null); then :; else id=; fi
ver=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "${MC_BUILDDIR:-.}/buildconf.h")
check "version names the build: $OUT" test "$OUT" = "machinectl version $ver, build ${id:-$ver}"
run mc -v
check "-v prints the same line" test "$OUT" = "machinectl version $ver, build ${id:-$ver}"

run mc --help
expect_rc 0 "--help exits 0"
expect_out "Usage: machinectl [OPTIONS] VERB" "--help prints usage"
expect_out "  create " "--help lists verbs"
# Every verb's summary starts in one column, the longest name's included.
cols=$(printf '%s\n' "$OUT" | sed -n '/^Verbs:/,/^$/{/^  [a-z]/p}' |
	awk '{ print index($0, $2) }' | sort -u)
check "verb summaries start in one column: $cols" test "$(printf '%s\n' "$cols" | wc -l)" = 1
check "import-docker-machine is listed apart from its summary" grep -q '^  import-docker-machine  *Import ' <<<"$OUT"
verbs=$(printf '%s\n' "$OUT" | sed -n '/^Verbs:/,/^$/{/^  [a-z]/p}' | awk '{ print $1 }')
check "the verbs are listed in alphabetical order" test "$verbs" = "$(LC_ALL=C sort <<<"$verbs")"

run mc create --help
# An option too long for the left column has its help on the next line.
check "a long option's help is on a line of its own" \
	grep -A1 -q -- '^      --engine-insecure-registry REGISTRY$' <<<"$OUT"
check "... indented as the others" grep -q '^                                   insecure registry for' <<<"$OUT"

run mc
expect_rc 2 "no verb is a usage error"

run mc help ls
expect_out "Usage: machinectl ls [OPTIONS]" "help VERB prints the verb's usage"
expect_out "--filter" "help VERB lists its options"

run mc ls --help
expect_rc 0 "VERB --help exits 0"
expect_out "--timeout" "VERB --help lists options"

run mc lss
expect_rc 2 "unknown verb exits 2"
expect_err "'lss' is not a machinectl command" "unknown verb is named"
expect_err "Did you mean this?" "unknown verb gets a suggestion"
check "the suggestion is ls" grep -qx $'\tls' <<<"$ERR"

run mc ls --bogus
expect_rc 2 "unknown flag exits 2"
expect_err "unknown flag --bogus" "unknown flag is named"

run mc create
expect_rc 2 "create without a name is a usage error"

run mc status
expect_err 'No machine name(s) specified and no "default" machine exists' "no name and no default machine"

# The program names itself by how it was invoked.
ln -s "$MC_BIN" "$TEST_TMP/dmctl"
run "$TEST_TMP/dmctl" --version
expect_out "dmctl version " "a renamed binary names itself"
run "$TEST_TMP/dmctl" frobnicate
expect_err "'frobnicate' is not a dmctl command. See 'dmctl --help'." "errors use the invoked name"
done_testing
