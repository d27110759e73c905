#!/bin/bash
# The bash completion, driven the way bash drives it (COMP_WORDS, COMP_CWORD,
# the function, COMPREPLY): verbs, flags, driver names, the flags of
# --driver test (the test plugin in tests/.libs, on MACHINECTL_DRIVER_PATH),
# machine names from the store (and from -s/--storage-path), --shell values.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"

mc __generate bash >"$TEST_TMP/comp.bash"
check "__generate bash prints a script bash reads" bash -n "$TEST_TMP/comp.bash"
# Built without the test plugin: its flags must still complete (asked at completion time).
MACHINECTL_DRIVER_PATH="$MC_BUILDDIR/drivers/libvirt/.libs" mc __generate bash >"$TEST_TMP/comp-nodrv.bash"
mc create --driver none --url tcp://127.0.0.1:1 n1 n2 >/dev/null
mc -s "$TEST_TMP/other" create --driver none --url tcp://127.0.0.1:1 other1 >/dev/null

# comp SCRIPT WORD... : COMPREPLY, one per line, sorted
comp() {
	local script=$1
	shift
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _machinectl; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$script" machinectl "$@" | LC_ALL=C sort
}
is() { # is DESC EXPECTED WORD...
	local desc=$1 want=$2 got
	shift 2
	got=$(comp "$TEST_TMP/comp.bash" "$@" | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then ok "$desc"; else not_ok "$desc"; echo "#   want: $want"; echo "#   got:  $got"; fi
}
has() { # has DESC ITEM WORD...
	local desc=$1 item=$2
	shift 2
	if comp "$TEST_TMP/comp.bash" "$@" | grep -qxF -- "$item"; then ok "$desc"; else not_ok "$desc (no $item)"; fi
}

is "verbs by prefix" "swarm-down swarm-up" sw
is "a verb's flags by prefix" "--engine-env --engine-insecure-registry --engine-install-url --engine-label --engine-opt --engine-registry-mirror --engine-storage-driver" create --eng
has "global flags before the verb" --storage-path --st
has "global short flags" -s -
has "drivers after --driver" test create --driver ''
has "drivers after -d" none create -d ''
is "the test driver's flags after --driver test" "--test-delay-ms --test-engine-port --test-fail --test-ip --test-label --test-memory --test-paused" create --driver test --test-
is "... after -d test" "--test-delay-ms --test-engine-port --test-fail --test-ip --test-label --test-memory --test-paused" create -d test --test-
is "... after --driver=test (bash splits at =)" "--test-delay-ms --test-engine-port --test-fail --test-ip --test-label --test-memory --test-paused" create --driver = test --test-
has "the none driver's --url after --driver none" --url create --driver none --u
run comp "$TEST_TMP/comp.bash" create --driver none --
check "no test flags after --driver none" bash -c "! grep -q -- --test- <<<'$OUT'"
got=$(comp "$TEST_TMP/comp-nodrv.bash" create --driver test --test- | tr '\n' ' ')
check "a plugin the script was not generated with: its flags come from create --driver X --help" \
	test "$got" = "--test-delay-ms --test-engine-port --test-fail --test-ip --test-label --test-memory --test-paused "
is "machine names from the store" "n1 n2" env ''
is "machine names for rm" "n1 n2" rm n
is "machine names with -s DIR" "other1" -s "$TEST_TMP/other" ip ''
is "machine names with --storage-path=DIR" "other1" --storage-path = "$TEST_TMP/other" status ''
is "no names for create (it makes new ones)" "" create ''
shells=$(mc env --help | sed -n 's/.*--shell SHELL *output syntax: \([a-z, ]*\) (.*/\1/p' | tr -d ',' | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
is "--shell values are those env --help lists" "$shells" env --shell ''
bad=
for sh in $shells; do mc env --shell "$sh" n1 >/dev/null 2>&1 || bad+=" $sh"; done
check "env accepts every --shell value completed${bad:+ (refused:$bad)}" test -z "$bad"
is "ssh: after the machine comes the remote command, not options" "" ssh n1 ''
has "help completes verbs" swarm-up help sw
has "--tls-ca-cert completes files" "$TEST_TMP/comp.bash" --tls-ca-cert "$TEST_TMP/comp.b"
is "ls takes no names" "" ls ''
has "--ssh-key-type values from its help text" ed25519 create --ssh-key-type ''
# The program name is pasted into the script's code: only a plain name is taken.
run mc __generate --prog 'x;touch pwned' bash
expect_rc 2 "__generate --prog refuses a name that is not a plain program name"
expect_err 'invalid --prog "x;touch pwned"' "... and says which"
mc __generate --prog docker-machinectl bash >"$TEST_TMP/comp-dm.bash"
check "__generate --prog docker-machinectl completes that command" grep -qx 'complete -F _docker_machinectl docker-machinectl' "$TEST_TMP/comp-dm.bash"
ln -s "$(command -v machinectl)" "$TEST_TMP/mc x"
"$TEST_TMP/mc x" __generate bash >"$TEST_TMP/comp-odd.bash"
check "called by a name that is not plain, the script is machinectl's" cmp -s "$TEST_TMP/comp.bash" "$TEST_TMP/comp-odd.bash"
done_testing
