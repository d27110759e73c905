# Drive zsh's completion system the way a user's Tab does, in a pseudo-terminal,
# and print the candidates it offers, one per line.
#   zsh -f zsh-complete.zsh FPATH_DIR OUT_FILE "command line to complete"
# compadd is wrapped so every candidate added is also written to OUT_FILE.
zmodload zsh/zpty
fdir=$1 out=$2 line=$3
zpty z zsh -f -i
zpty -w z "PS1=''; fpath=('$fdir' \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "compadd() { builtin compadd -O __hits \"\$@\"; print -rl -- \"\${__hits[@]}\" >>'$out'; builtin compadd \"\$@\" }"
zpty -w z "bindkey '^I' complete-word"
: >"$out"
zpty -w -n z "$line"$'\t'
# wait until the output has been quiet for half a second (at most 15 s)
integer i last=-1 size
for ((i = 0; i < 60; i++)); do
	sleep 0.25
	size=$(wc -c <"$out")
	((size > 0 && size == last)) && break
	last=$size
done
zpty -d z
grep . "$out" | sort -u
