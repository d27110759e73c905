#!/bin/bash
# Host key pinning: the first connection records the key in
# machines/NAME/known_hosts; a new key is refused by both clients (ssh and
# scp) with an explanation; `ssh --repin` accepts it deliberately.  A key
# marked @revoked is refused by both clients (and no re-pin accepts it); a
# damaged pin line is refused, not dropped and replaced by whatever key the
# machine presents next, and --repin is the way out.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
sshd_start
mc_generic g1
mc_generic g2
kh="$STORE/machines/g1/known_hosts"
host_key() { cut -d' ' -f1,2 "$SSHD_DIR/host_ed25519.pub"; }

check "nothing is pinned before the first connection" test ! -e "$kh"
run mc ssh g1 true
expect_rc 0 "the first connection (external client) succeeds"
check "... and pins the host key under the machine's name, OpenSSH format" \
	test "$(cat "$kh")" = "g1 $(host_key)"
check "known_hosts is 0600" test "$(stat -c %a "$kh")" = 600
run mc --native-ssh ssh g2 true
check "the native client pins the same way" \
	test "$(cat "$STORE/machines/g2/known_hosts")" = "g2 $(host_key)"
check "OpenSSH itself accepts the pin (HostKeyAlias)" \
	ssh -F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -i "$STORE/machines/g1/id_ed25519" \
	-o UserKnownHostsFile="$kh" -o StrictHostKeyChecking=yes -o HostKeyAlias=g1 \
	-p "$SSHD_PORT" "$(id -un)@127.0.0.1" true

old_pin=$(cat "$kh")
sshd_new_hostkey
for client in external native; do
	if [ $client = native ]; then G=(--native-ssh); else G=(); fi
	c="[$client]"
	run mc "${G[@]}" ssh g1 'touch "$HOME/mc-pin-breach"'
	expect_rc 255 "$c ssh refuses a changed host key (exit 255)"
	expect_err "host key of" "$c ... saying the host key changed"
	expect_err "man-in-the-middle" "$c ... what that can mean"
	expect_err "machinectl ssh --repin g1" "$c ... and the command that re-pins"
	expect_one_line_err "$c ... in one message"
	check "$c ... and the command did not run" test ! -e "$HOME/mc-pin-breach"
	run mc "${G[@]}" scp "$SSHD_DIR/sshd_config" "g1:$TEST_TMP/copied-$client"
	check "$c scp refuses too" test "$RC" != 0 -a ! -e "$TEST_TMP/copied-$client"
	expect_err "machinectl ssh --repin g1" "$c ... with the same explanation"
done
rm -f "$HOME/mc-pin-breach"
check "a refused key leaves the pin alone" test "$(cat "$kh")" = "$old_pin"

run mc ssh --repin g1 echo repinned
expect_rc 0 "ssh --repin pins the new key and connects"
expect_out "repinned" "... running the command"
expect_err "Pinned the new SSH host key" "... and says so on stderr"
expect_err "$(ssh-keygen -l -E sha256 -f "$SSHD_DIR/host_ed25519.pub" | cut -d' ' -f2)" "... with the new fingerprint"
check "known_hosts now holds the new key" test "$(cat "$kh")" = "g1 $(host_key)"
run mc ssh g1 echo ext-ok
check "[external] connects after the re-pin" test "$OUT" = ext-ok
run mc --native-ssh ssh g1 echo native-ok
check "[native] connects after the re-pin" test "$OUT" = native-ok

run mc --native-ssh ssh --repin g2 true
expect_rc 0 "--repin works with the native client too"
check "... and pins the new key" test "$(cat "$STORE/machines/g2/known_hosts")" = "g2 $(host_key)"

# A pin survives an address change: the alias is the machine, not the IP.
sed -i 's/"IPAddress": "127.0.0.1"/"IPAddress": "localhost"/' "$STORE/machines/g1/config.json"
run mc ssh g1 echo moved
check "a pin survives an address change (the pin is the machine's, not the IP's)" test "$OUT" = moved
# @revoked: OpenSSH refuses such a key whatever else is pinned; so do we.
mc_generic g3
run mc ssh g3 true
expect_rc 0 "g3: pinned"
kh3="$STORE/machines/g3/known_hosts"
printf '@revoked g3 %s\n' "$(host_key)" >>"$kh3"
for client in external native; do
	if [ $client = native ]; then G=(--native-ssh); else G=(); fi
	c="[$client]"
	run mc "${G[@]}" ssh g3 'touch "$HOME/mc-revoked-breach"'
	check "$c ssh refuses a key marked @revoked in known_hosts (exit $RC)" test "$RC" -ne 0
	expect_err "is marked @revoked in $kh3" "$c ... saying so"
	check "$c ... and the command did not run" test ! -e "$HOME/mc-revoked-breach"
	run mc "${G[@]}" ssh --repin g3 'touch "$HOME/mc-revoked-breach"'
	check "$c --repin does not accept a revoked key either (exit $RC)" test "$RC" -ne 0
	check "$c ... and the command did not run" test ! -e "$HOME/mc-revoked-breach"
done
check "the @revoked line is still there" grep -qx "@revoked g3 $(host_key)" "$kh3"
printf 'g3 %s\n@revoked * %s\n' "$(host_key)" "$(host_key)" >"$kh3"
run mc --native-ssh ssh g3 true
check "a @revoked line with a * pattern applies too (exit $RC)" test "$RC" -ne 0
rm -f "$HOME/mc-revoked-breach"

# A damaged pin line: refused (once, it was dropped with a warning and the
# presented key pinned in its place), with the way to re-pin.
mc_generic g4
run mc ssh g4 true
kh4="$STORE/machines/g4/known_hosts"
sed -i 's/ AAAA/ AAAA!!corrupt!!/' "$kh4"
damaged=$(cat "$kh4")
for client in external native; do
	if [ $client = native ]; then G=(--native-ssh); else G=(); fi
	c="[$client]"
	run mc "${G[@]}" ssh g4 'touch "$HOME/mc-corrupt-breach"'
	check "$c ssh refuses a damaged pin line (exit $RC)" test "$RC" -ne 0
	expect_err "line 1 of $kh4 is not a host key line OpenSSH can read" "$c ... naming the line"
	expect_err "machinectl ssh --repin g4" "$c ... and how to re-pin"
	check "$c ... the command did not run" test ! -e "$HOME/mc-corrupt-breach"
	check "$c ... and the damaged line was not replaced by the presented key" test "$(cat "$kh4")" = "$damaged"
done
run mc ssh --repin g4 echo repinned
expect_rc 0 "ssh --repin replaces the damaged line"
check "... with the key the machine presents" test "$(cat "$kh4")" = "g4 $(host_key)"
rm -f "$HOME/mc-corrupt-breach"

run mc ssh --help
expect_out "repin" "ssh --help documents --repin"
run mc help ssh
expect_out "host key" "help ssh mentions host keys"
done_testing
