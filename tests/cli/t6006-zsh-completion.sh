#!/bin/bash
# The zsh completion, driven through zsh's completion system in a
# pseudo-terminal (tests/lib/zsh-complete.zsh): verbs, flags, driver names,
# the flags of --driver test (the test plugin), machine names with -s,
# --shell values.  Skipped when zsh is not installed (Debian package zsh).
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
command -v zsh >/dev/null || { echo "1..0 # SKIP zsh is not installed"; exit 0; }
mkdir -p "$TEST_TMP/zfn"
mc __generate zsh >"$TEST_TMP/zfn/_machinectl"
mc -s "$TEST_TMP/zs" create --driver none --url tcp://127.0.0.1:1 zm1 zm2 >/dev/null
zc() { HOME=$TEST_TMP zsh -f "$MC_SRCDIR/tests/lib/zsh-complete.zsh" "$TEST_TMP/zfn" "$TEST_TMP/zout" "$*" | tr '\n' ' ' | sed 's/ $//'; }
is() { local want=$1 got; shift; got=$(zc "$@"); if [ "$got" = "$want" ]; then ok "zsh: $*"; else not_ok "zsh: $*"; echo "#   want: $want"; echo "#   got:  $got"; fi; }
check "zsh -n accepts the script" zsh -n "$TEST_TMP/zfn/_machinectl"
is "swarm-down swarm-up" "machinectl sw"
is "--engine-registry-mirror" "machinectl create --engine-r"
is "--test-delay-ms --test-engine-port --test-fail --test-ip --test-label --test-memory --test-paused" "machinectl create --driver test --test-"
is "--url" "machinectl create -d none --u"
is "zm1 zm2" "machinectl -s $TEST_TMP/zs env "
want=$(mc env --help | sed -n 's/.*--shell SHELL *output syntax: \([a-z, ]*\) (.*/\1/p' | tr -d ',' | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')
is "$want" "machinectl env --shell "
done_testing
