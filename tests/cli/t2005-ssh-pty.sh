#!/bin/bash
# Interactive `machinectl ssh NAME` in a real terminal (tmux), both clients:
# a prompt, the terminal size and its changes, the exit status, and the local
# terminal restored afterwards.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
if ! command -v tmux >/dev/null; then
	echo "1..0 # SKIP tmux is not installed (Debian package tmux): the interactive shell is NOT tested"
	exit 0
fi
plan 18
sshd_start
mc_generic g1
# A tmux server per session: a killed server may not be gone at once.
n=0
new_sock() {
	n=$((n + 1))
	sock="$TEST_TMP/tmux-$n.sock"
	at_exit "tmux -S '$sock' kill-server 2>/dev/null"
}

# wait_for PATTERN: until the pane shows it; wait_exit: until the local side
# has recorded its terminal after machinectl ended.  30 s at most: under a
# parallel `make check` with sanitizers a keystroke's round trip once took
# longer than 5 s (a failed CI run), and a pass never waits that long.  A
# wait_for that gives up shows the pane.
pane() { tmux -S "$sock" capture-pane -p -t t 2>/dev/null; }
wait_for() {
	local i
	for i in $(seq 1 600); do
		pane | grep -qE -- "$1" && return 0
		sleep 0.05
	done
	echo "the pane, without /$1/:" >&2
	pane >&2
	return 1
}
wait_exit() {
	local i
	for i in $(seq 1 600); do
		[ -s "$TEST_TMP/after" ] && return 0
		sleep 0.05
	done
	return 1
}

for client in external native; do
	if [ $client = native ]; then g=--native-ssh; else g=; fi
	c="[$client]"
	rm -f "$TEST_TMP/rc" "$TEST_TMP/before" "$TEST_TMP/after"
	new_sock
	# The local side records its terminal settings before and after.
	tmux -S "$sock" new-session -d -s t -x 91 -y 27 \
		"stty -g >'$TEST_TMP/before'; '$MC_BIN' $g ssh g1; echo \$? >'$TEST_TMP/rc'; stty -g >'$TEST_TMP/after'; sleep 60"
	check "$c a prompt appears" wait_for '[#$] *$'
	# A prompt of our own, spelled so that the echoed command does not match.
	tmux -S "$sock" send-keys -t t "PS1='mc-''prompt\$ '" Enter
	check "$c the shell takes commands" wait_for '^mc-prompt\$'
	tmux -S "$sock" send-keys -t t 'tty; stty size' Enter
	check "$c the shell has a terminal (pty)" wait_for '^/dev/pts/'
	check "$c stty size reports the terminal's size" wait_for '^27 91$'
	tmux -S "$sock" resize-window -t t -x 120 -y 40 2>/dev/null || tmux -S "$sock" resize-pane -t t -x 120 -y 40
	sleep 0.3
	tmux -S "$sock" send-keys -t t 'clear; stty size' Enter
	check "$c a resize reaches the remote terminal (SIGWINCH)" wait_for '^40 120$'
	tmux -S "$sock" send-keys -t t 'exit 3' Enter
	wait_exit
	check "$c exit 3 in the shell exits machinectl with 3" test "$(cat "$TEST_TMP/rc" 2>/dev/null)" = 3
	check "$c the local terminal is restored (stty -g before = after)" \
		test -s "$TEST_TMP/before" -a "$(cat "$TEST_TMP/before" 2>/dev/null)" = "$(cat "$TEST_TMP/after" 2>/dev/null)"
	tmux -S "$sock" kill-server 2>/dev/null

	# The connection dies under the shell: the terminal is restored all the same.
	rm -f "$TEST_TMP/rc" "$TEST_TMP/before" "$TEST_TMP/after"
	new_sock
	tmux -S "$sock" new-session -d -s t -x 91 -y 27 \
		"stty -g >'$TEST_TMP/before'; '$MC_BIN' $g ssh g1; echo \$? >'$TEST_TMP/rc'; stty -g >'$TEST_TMP/after'; sleep 60"
	wait_for '[#$] *$'
	tmux -S "$sock" send-keys -t t 'kill -9 $PPID' Enter
	wait_exit
	check "$c a connection killed under the shell ends machinectl with 255" \
		test "$(cat "$TEST_TMP/rc" 2>/dev/null)" = 255
	check "$c ... and the terminal is restored" \
		test -s "$TEST_TMP/before" -a "$(cat "$TEST_TMP/before" 2>/dev/null)" = "$(cat "$TEST_TMP/after" 2>/dev/null)"
	tmux -S "$sock" kill-server 2>/dev/null
done
done_testing
