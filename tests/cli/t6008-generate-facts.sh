#!/bin/bash
# The completions complete what the tables declare (.value, .choices, a
# verb's .pos), never what a help text or a name suggests: a driver flag's
# choices, files for a file option, directories for a directory option,
# machines for a machine option.  The "facts" test plugin is the test plugin
# with one table entry changed (--test-fail declares its values; same name,
# same help text): only it completes them.  And __generate renders the
# templates of --templates DIR (or MACHINECTL_GENERATE_TEMPLATES).
. "$MC_SRCDIR/tests/lib/cli-lib.sh"

mc __generate bash >"$TEST_TMP/comp.bash"
mc __generate zsh >"$TEST_TMP/comp.zsh"
mc __generate powershell >"$TEST_TMP/comp.ps1"
mc create --driver none --url tcp://127.0.0.1:1 n1 n2 >/dev/null
mkdir -p "$TEST_TMP/isos/boot.d" "$TEST_TMP/store.d"
: >"$TEST_TMP/isos/boot.iso"
: >"$TEST_TMP/store.file"

# comp WORD... : the bash COMPREPLY, one per line, sorted
comp() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _machinectl; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$TEST_TMP/comp.bash" machinectl "$@" | LC_ALL=C sort
}
is() { # is DESC EXPECTED WORD...
	local desc=$1 want=$2 got
	shift 2
	got=$(comp "$@" | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then ok "$desc"; else not_ok "$desc"; echo "#   want: $want"; echo "#   got:  $got"; fi
}

# --- the facts plugin: the same flag, one declared fact more ---
flagline() { mc create --driver "$1" --help | grep -- '--test-fail'; }
check "facts and test describe --test-fail alike (name, metavar, help)" \
	test "$(flagline facts)" = "$(flagline test)" -a -n "$(flagline test)"
is "bash: a driver flag with .choices completes them (facts)" "create precreate start" \
	create --driver facts --test-fail ''
is "bash: ... the same flag without them completes nothing (test)" "" create --driver test --test-fail ''
check "zsh: the facts driver's --test-fail lists its values" \
	grep -qF "'--test-fail=[operations that fail (comma-separated)]:VALUE:(precreate create start)'" "$TEST_TMP/comp.zsh"
check "zsh: the test driver's does not" \
	grep -qF "'--test-fail=[operations that fail (comma-separated)]:VALUE: '" "$TEST_TMP/comp.zsh"

# --- what the built-in tables declare ---
is "bash: VirtualBox NIC types (.choices of a driver flag)" \
	"82540EM 82543GC 82545EM Am79C970A Am79C973 virtio" create --driver virtualbox --virtualbox-nat-nictype ''
is "bash: upgrade --iso completes files (MC_VALUE_FILE)" "$TEST_TMP/isos/boot.d $TEST_TMP/isos/boot.iso" \
	upgrade --iso "$TEST_TMP/isos/boot"
is "bash: a driver's --iso completes files" "$TEST_TMP/isos/boot.d $TEST_TMP/isos/boot.iso" \
	create --driver virtualbox --iso "$TEST_TMP/isos/boot"
is "bash: --storage-path completes directories only (MC_VALUE_DIR)" "$TEST_TMP/store.d" \
	--storage-path "$TEST_TMP/store."
is "bash: import-docker-machine --from completes directories only" "$TEST_TMP/store.d" \
	import-docker-machine --from "$TEST_TMP/store."
is "bash: swarm-up --manager completes machines (MC_VALUE_MACHINE)" "n1 n2" swarm-up --manager ''
is "bash: env --shell completes its .choices" "bash cmd csh emacs fish powershell sh tcsh zsh" env --shell ''

# --- zsh and fish, driven by the shells ---
if command -v zsh >/dev/null; then
	mkdir -p "$TEST_TMP/zfn"
	cp "$TEST_TMP/comp.zsh" "$TEST_TMP/zfn/_machinectl"
	zc() { HOME=$TEST_TMP zsh -f "$MC_SRCDIR/tests/lib/zsh-complete.zsh" "$TEST_TMP/zfn" "$TEST_TMP/zout" "$*" | tr '\n' ' ' | sed 's/ $//'; }
	got=$(zc "machinectl create --driver facts --test-fail ")
	check "zsh: --test-fail values of the facts driver (got: $got)" test "$got" = "create precreate start"
	got=$(zc "machinectl create -d virtualbox --virtualbox-hostonly-nictype ")
	check "zsh: VirtualBox NIC types (got: $got)" test "$got" = "82540EM 82543GC 82545EM Am79C970A Am79C973 virtio"
else
	ok "# SKIP zsh is not installed"
	ok "# SKIP zsh is not installed"
fi
if command -v fish >/dev/null; then
	mkdir -p "$TEST_TMP/fish"
	mc __generate fish >"$TEST_TMP/fish/machinectl.fish"
	fcomp() { HOME=$TEST_TMP fish -N -c "set -g fish_complete_path '$TEST_TMP/fish'; complete -C'$*'" 2>/dev/null | cut -f1 | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }
	got=$(fcomp "machinectl create --driver facts --test-fail ")
	check "fish: --test-fail values of the facts driver (got: $got)" test "$got" = "create precreate start"
	got=$(fcomp "machinectl create --driver test --test-fail ")
	check "fish: none for the test driver (got: $got)" test -z "$got"
else
	ok "# SKIP fish is not installed"
	ok "# SKIP fish is not installed"
fi

# PowerShell refuses a hash literal that repeats a key (keys ignore case).
keys=$(sed -n '/^\t\$values = @{/,/^\t}/p' "$TEST_TMP/comp.ps1" | sed -n "s/^\t\t'\([^']*\)' = .*/\1/p")
dups=$(printf '%s\n' "$keys" | tr 'A-Z' 'a-z' | LC_ALL=C sort | uniq -d | tr '\n' ' ')
check "powershell: \$values repeats no key${dups:+ (repeated: $dups)}" test -n "$keys" -a -z "$dups"
check "powershell: --manager completes machines" grep -qxF "		'--manager' = '@machines'" "$TEST_TMP/comp.ps1"

# --- the templates come from --templates DIR ---
cp -r "$MC_SRCDIR/doc/gen" "$TEST_TMP/tmpl"
sed -i '1s/.*/# my own header/' "$TEST_TMP/tmpl/bash.tmpl"
run mc __generate --templates "$TEST_TMP/tmpl" bash
check "__generate --templates DIR renders DIR's template" test "$RC" = 0 -a "$(head -n 1 <<<"$OUT")" = "# my own header"
run env MACHINECTL_GENERATE_TEMPLATES="$TEST_TMP/tmpl" machinectl __generate bash
check "... and so does MACHINECTL_GENERATE_TEMPLATES" test "$RC" = 0 -a "$(head -n 1 <<<"$OUT")" = "# my own header"
run env MACHINECTL_GENERATE_TEMPLATES="$TEST_TMP/nowhere" machinectl __generate --templates "$TEST_TMP/tmpl" bash
check "--templates wins over the variable" test "$RC" = 0 -a "$(head -n 1 <<<"$OUT")" = "# my own header"
run mc __generate --templates "$TEST_TMP/nowhere" zsh
expect_rc 1 "a missing template directory fails"
expect_err "cannot read $TEST_TMP/nowhere/zsh.tmpl" "... naming the file"
expect_err "--templates DIR" "... and saying how to give the directory"
check "... and prints nothing" test -z "$OUT"
printf '{{if}}\n' >"$TEST_TMP/tmpl/fish.tmpl"
run mc __generate --templates "$TEST_TMP/tmpl" fish
expect_rc 2 "a broken template is an error"
expect_err "$TEST_TMP/tmpl/fish.tmpl: template: missing value for if" "... naming the template"
done_testing
