#!/bin/bash
# One source: --help, the man pages and the completions agree.  Every verb of
# `machinectl --help`, every option of `machinectl VERB --help`, every driver
# of this build and every flag of `create --driver X --help` is in the man
# pages and the bash, zsh and fish completions, and nothing else is.
#
# The man pages and completions checked are the ones the build generated
# ($MC_BUILDDIR/gen, what `make install` installs), so the drivers seen here
# are the ones the build saw: the built-in ones and drivers/libvirt/.libs.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
GEN="$MC_BUILDDIR/gen"
export MACHINECTL_DRIVER_PATH="$MC_BUILDDIR/drivers/libvirt/.libs"
PROG=$(cat "$GEN/prog")

# same_set DESC EXPECTED GOT: the two newline-separated lists hold the same items.
same_set() {
	local want got
	want=$(printf '%s\n' "$2" | grep . | LC_ALL=C sort -u)
	got=$(printf '%s\n' "$3" | grep . | LC_ALL=C sort -u)
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		ok "$1"
	else
		not_ok "$1"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^</#   missing:/; s/^>/#   extra:  /' | grep '^#' | head -n 20
	fi
}
# Long options (--name) of a --help text on stdin.
long_opts() { grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | sed 's/.*--/--/'; }

# --- what --help says ---
VERBS=$(mc --help | sed -n '/^Verbs:/,/^$/ s/^  \([a-z][a-z0-9-]*\) .*/\1/p')
GLOBAL=$(mc --help | sed -n '/^Options:/,/^$/p' | long_opts)
declare -A VOPTS DFLAGS
for v in $VERBS; do
	VOPTS[$v]=$(mc "$v" --help | sed '/^Options of the .* driver:/,$d' | long_opts)
done
# Drivers: every directory under drivers/ with sources is a candidate; the
# ones whose `create --driver X --help` lists "Options of the X driver" are in this build.
DRIVERS=
for d in "$MC_SRCDIR"/drivers/*/; do
	d=$(basename "$d")
	ls "$MC_SRCDIR/drivers/$d"/*.c >/dev/null 2>&1 || continue
	h=$(mc create --driver "$d" --help 2>&1)
	grep -q "^Options of the $d driver:" <<<"$h" || { grep -q "is not available" <<<"$h" && continue; }
	DRIVERS+="$d"$'\n'
	DFLAGS[$d]=$(sed -n "/^Options of the $d driver:/,\$p" <<<"$h" | long_opts)
done
check "--help lists verbs ($(echo $VERBS | wc -w))" test -n "$VERBS"
check "the built-in drivers none and generic are found" bash -c "grep -qx none <<<'$DRIVERS' && grep -qx generic <<<'$DRIVERS'"
check "the hidden generator is not in --help" bash -c "! grep -q __generate <<<'$VERBS'"

# --- machinectl(1) ---
MAN1="$GEN/machinectl.1"
section() { sed -n "/^\\.Sh $2\$/,/^\\.Sh /p" "$1"; }
man_verbs=$(section "$MAN1" VERBS | sed -n 's/^\.It Cm \([^ ]*\).*/\1/p')
same_set "machinectl.1: VERBS lists exactly the verbs of --help" "$VERBS" "$man_verbs"
man_global=$(section "$MAN1" OPTIONS | grep -oE '^\.It( Fl . ,)? Fl -[a-z0-9-]+' | sed 's/.*Fl -/--/')
same_set "machinectl.1: OPTIONS are exactly the global options of --help" "$GLOBAL" "$man_global"
bad=
for v in $VERBS; do
	got=$(section "$MAN1" VERBS | awk -v v="$v" '/^\.It Cm /{ on = ($3 == v) } on' |
		grep -oE '^\.It( Fl . ,)? Fl -[a-z0-9-]+' | sed 's/.*Fl -/--/' | LC_ALL=C sort -u)
	[ "$got" = "$(printf '%s\n' "${VOPTS[$v]}" | grep . | LC_ALL=C sort -u)" ] || bad+=" $v"
done
check "machinectl.1: each verb's options are exactly those of VERB --help${bad:+ (differ:$bad)}" test -z "$bad"
envs=$( { mc --help; for v in $VERBS; do mc "$v" --help; done; for d in $DRIVERS; do mc create --driver "$d" --help; done; } |
	grep -oE '\[\$[A-Z_0-9]+\]' | tr -d '[]$' | LC_ALL=C sort -u)
man_env=$(section "$MAN1" ENVIRONMENT | sed -n 's/^\.It Ev //p')
missing=$(comm -23 <(echo "$envs") <(echo "$man_env" | LC_ALL=C sort -u) | tr '\n' ' ')
check "machinectl.1: ENVIRONMENT has every variable --help names${missing:+ (missing: $missing)}" test -z "$missing"
for s in "EXIT STATUS" FILES; do
	check "machinectl.1 has $s" grep -qx ".Sh $s" "$MAN1"
done
check "machinectl.1 documents exit codes 0 1 2 3" \
	test "$(section "$MAN1" "EXIT STATUS" | sed -n 's/^\.It \([0-9]\)$/\1/p' | tr -d '\n')" = 0123

# --- machinectl-drivers(7) ---
MAN7="$GEN/machinectl-drivers.7"
same_set "machinectl-drivers.7 has a section for exactly the drivers of this build" \
	"$DRIVERS" "$(sed -n 's/^\.Ss //p' "$MAN7")"
bad=
for d in $DRIVERS; do
	got=$(awk -v d="$d" '/^\.Ss /{ on = ($2 == d) } on' "$MAN7" | grep -oE '^\.It Fl -[a-z0-9-]+' | sed 's/.*Fl -/--/' | LC_ALL=C sort -u)
	[ "$got" = "$(printf '%s\n' "${DFLAGS[$d]}" | grep . | LC_ALL=C sort -u)" ] || bad+=" $d"
done
check "machinectl-drivers.7: each driver's flags are exactly those of create --driver X --help${bad:+ (differ:$bad)}" test -z "$bad"
denv=$(for d in $DRIVERS; do mc create --driver "$d" --help | sed -n '/^Options of the/,$p'; done | grep -oE '\[\$[A-Z_0-9]+\]' | tr -d '[]$' | LC_ALL=C sort -u)
missing=$(comm -23 <(echo "$denv") <(grep -oE '^\.Ev [A-Z_0-9]+' "$MAN7" | cut -d' ' -f2 | LC_ALL=C sort -u) | tr '\n' ' ')
check "machinectl-drivers.7 names every driver flag's variable${missing:+ (missing: $missing)}" test -z "$missing"
check "machinectl-config.5 has a [driver.NAME] entry per driver" \
	test "$(sed -n 's/^\.It Cm \[driver\.\(.*\)\]$/\1/p' "$GEN/machinectl-config.5" | LC_ALL=C sort)" = "$(printf '%s' "$DRIVERS" | LC_ALL=C sort)"

# --- bash: drive the completion function ---
bcomp() { # bcomp WORD... (the last one is being completed)
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _'"${PROG//[^a-zA-Z0-9_]/_}"'; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$GEN/machinectl.bash" "$PROG" "$@"
}
same_set "bash: verbs" "$VERBS" "$(bcomp '')"
same_set "bash: global options" "$GLOBAL" "$(bcomp --)"
bad=
for v in $VERBS; do
	want=${VOPTS[$v]}
	# create/swarm-up also take the default driver's flags; swarm-up --create takes create's options
	case $v in
	swarm-up) want+=$'\n'"${VOPTS[create]}" ;;
	esac
	if [ "$v" = swarm-up ] || [ "$v" = create ]; then
		want+=$'\n'"$(mc create --help | sed -n '/^Options of the .* driver:/,$p' | long_opts)"
	fi
	got=$(bcomp "$v" --)
	[ "$(printf '%s\n' "$want" | grep . | LC_ALL=C sort -u)" = "$(printf '%s\n' "$got" | grep . | LC_ALL=C sort -u)" ] || bad+=" $v"
done
check "bash: each verb's options are exactly those of VERB --help${bad:+ (differ:$bad)}" test -z "$bad"
same_set "bash: drivers after --driver" "$DRIVERS" "$(bcomp create --driver '')"
bad=
for d in $DRIVERS; do
	got=$(bcomp create --driver "$d" -- | grep -vxF -f <(printf '%s\n' "${VOPTS[create]}"))
	[ "$(printf '%s\n' "${DFLAGS[$d]}" | grep . | LC_ALL=C sort -u)" = "$(printf '%s\n' "$got" | grep . | LC_ALL=C sort -u)" ] || bad+=" $d"
done
check "bash: driver flags after --driver X are exactly those of create --driver X --help${bad:+ (differ:$bad)}" test -z "$bad"

# --- zsh: the script's specs, per verb ---
ZSH="$GEN/machinectl.zsh"
zsh_opts() { grep -oE -- "--[a-z0-9-]+[]=[}]" | sed 's/.$//' | LC_ALL=C sort -u; }
zverbs=$(sed -n "/^\t\tverbs=(/,/^\t\t)/p" "$ZSH" | sed -n "s/^\t\t\t'\([a-z0-9-]*\):.*/\1/p")
same_set "zsh: verbs" "$VERBS" "$zverbs"
same_set "zsh: global options" "$GLOBAL" "$(sed -n '/_arguments -C/,/->verb/p' "$ZSH" | zsh_opts)"
bad=
for v in $VERBS; do
	want=${VOPTS[$v]}
	[ "$v" = swarm-up ] && want+=$'\n'"${VOPTS[create]}"
	got=$(awk -v v="$v" '$0 == "\t\t" v ")" { on = 1; next } /^\t\t\tcase \$\(/ || /^\t\t\t;;$/ { on = 0 } on' "$ZSH" | zsh_opts)
	[ "$(printf '%s\n' "$want" | grep . | LC_ALL=C sort -u)" = "$got" ] || bad+=" $v"
done
check "zsh: each verb's options are exactly those of VERB --help${bad:+ (differ:$bad)}" test -z "$bad"
bad=
for d in $DRIVERS; do
	got=$(awk -v v=create -v d="$d" '$0 == "\t\t" v ")" { c = 1 } c && $0 == "\t\t\t" d ")" { on = 1; next } on && /\) ;;$/ { on = 0; c = 0 } on' "$ZSH" | zsh_opts)
	[ "$(printf '%s\n' "${DFLAGS[$d]}" | grep . | LC_ALL=C sort -u)" = "$got" ] || bad+=" $d"
done
check "zsh: driver flags per driver are exactly those of create --driver X --help${bad:+ (differ:$bad)}" test -z "$bad"
if command -v zsh >/dev/null; then
	check "zsh -n accepts the zsh script" zsh -n "$ZSH"
else
	ok "# SKIP zsh is not installed"
fi

# --- fish: drive `complete -C` with only our script on the completion path ---
if command -v fish >/dev/null; then
	mkdir -p "$TEST_TMP/fish"
	cp "$GEN/machinectl.fish" "$TEST_TMP/fish/$PROG.fish"
	fcomp() { HOME=$TEST_TMP fish -N -c "set -g fish_complete_path '$TEST_TMP/fish'; complete -C'$*'" 2>/dev/null | cut -f1; }
	check "fish -n accepts the fish script" fish -n "$GEN/machinectl.fish"
	same_set "fish: verbs" "$VERBS" "$(fcomp "$PROG ")"
	same_set "fish: global options" "$GLOBAL" "$(fcomp "$PROG --" | grep -- '^--')"
	bad=
	for v in $VERBS; do
		want=${VOPTS[$v]}
		[ "$v" = swarm-up ] && want+=$'\n'"${VOPTS[create]}"
		if [ "$v" = swarm-up ] || [ "$v" = create ]; then
			want+=$'\n'"$(mc create --help | sed -n '/^Options of the .* driver:/,$p' | long_opts)"
		fi
		got=$(fcomp "$PROG $v --" | grep -- '^--')  # fish falls back to fuzzy matches
		[ "$(printf '%s\n' "$want" | grep . | LC_ALL=C sort -u)" = "$(printf '%s\n' "$got" | grep . | LC_ALL=C sort -u)" ] || bad+=" $v"
	done
	check "fish: each verb's options are exactly those of VERB --help${bad:+ (differ:$bad)}" test -z "$bad"
	bad=
	for d in $DRIVERS; do
		got=$(fcomp "$PROG create --driver $d --" | grep -- '^--' | grep -vxF -f <(printf '%s\n' "${VOPTS[create]}"))
		[ "$(printf '%s\n' "${DFLAGS[$d]}" | grep . | LC_ALL=C sort -u)" = "$(printf '%s\n' "$got" | grep . | LC_ALL=C sort -u)" ] || bad+=" $d"
	done
	check "fish: driver flags after --driver X are exactly those of create --driver X --help${bad:+ (differ:$bad)}" test -z "$bad"
	same_set "fish: drivers after --driver" "$DRIVERS" "$(fcomp "$PROG create --driver ")"
else
	for i in 1 2 3 4 5 6; do ok "# SKIP fish is not installed"; done
fi

# --- PowerShell: no pwsh here; the verbs and options are in its tables ---
PS1F="$GEN/machinectl.ps1"
same_set "powershell: verbs" "$VERBS" "$(sed -n '/\$verbs = \[ordered\]@{/,/^\t}/p' "$PS1F" | sed -n "s/^\t\t'\([a-z0-9-]*\)' = .*/\1/p")"
done_testing
