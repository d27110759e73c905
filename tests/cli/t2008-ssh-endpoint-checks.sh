#!/bin/bash
# SSH users, hosts and ports are checked before they reach ssh, libssh or an
# ssh_config file (doc/ssh.md, "Endpoints"): at create (--generic-ssh-user,
# --generic-ip-address, --generic-ssh-port, --virtualbox-ssh-user), at
# import-docker-machine, for user@ in scp/ssh/mount, and for a machine whose
# config.json holds such a value (an old or edited store).  The issue's proof
# of concept: --generic-ssh-user $'root\nProxyCommand=touch${IFS}X' once went
# into scp's temporary ssh_config, and `scp f g:/x` ran the ProxyCommand.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
sshd_start

POC=$'root\nProxyCommand=touch${IFS}X'
# The commands run in $CWD, where X would appear if a ProxyCommand ran.
CWD="$TEST_TMP/cwd"
mkdir -p "$CWD"
cd "$CWD" || exit 1
nothing_ran() { test -z "$(ls -A "$CWD")"; }
GEN=(-d generic --no-provision --generic-ip-address 127.0.0.1 --generic-ssh-port "$SSHD_PORT")

# --- create ---
run mc create "${GEN[@]}" --generic-ssh-user "$POC" poc
expect_rc 3 "create: an SSH user holding a line break and a ProxyCommand is refused (pre-create)"
expect_err 'invalid --generic-ssh-user: SSH user "root\nProxyCommand=touch${IFS}X" is not a user name' \
	"create: the refusal names the flag and shows the line break escaped"
check "create: no machine is left" test ! -e "$STORE/machines/poc"
for u in '-oProxyCommand=x' 'a b' 'a"b' "a'b" 'a$b' 'a%b' 'a\b' 'a@b' ''; do
	run mc create "${GEN[@]}" --generic-ssh-user "$u" bad
	expect_rc 3 "create: --generic-ssh-user '$u' is refused"
done
for h in '-oProxyCommand=x' $'127.0.0.1\nProxyCommand x' 'a b' 'h;x' '$(x)' 'a%h' '-a.b' 'a..b' '[::1]'; do
	run mc create -d generic --no-provision --generic-ip-address "$h" bad
	expect_rc 3 "create: --generic-ip-address $(printf %q "$h") is refused"
	expect_err "invalid --generic-ip-address: SSH host" "create: ... naming the flag"
done
for p in 0 65536 -1; do
	run mc create -d generic --no-provision --generic-ip-address 127.0.0.1 --generic-ssh-port "$p" bad
	expect_rc 2 "create: --generic-ssh-port $p is refused (out of its declared range: a usage error)"
	expect_err "invalid value '$p' for --generic-ssh-port: give a number from 1 to 65535" "create: ... naming the flag and its range"
done
# No boot ISO (the CLI tests' build cache is empty): the flag is checked first.
run mc create -d virtualbox --virtualbox-ssh-user "$POC" bad
expect_rc 3 "create: --virtualbox-ssh-user with a line break is refused"
expect_err "invalid --virtualbox-ssh-user: SSH user" "create: ... naming the flag"
check "create: no refused machine is left" test -z "$(ls -A "$STORE/machines" 2>/dev/null)"
for h in 127.0.0.1 localhost ::1; do
	run mc create -d generic --no-provision --generic-ip-address "$h" --generic-ssh-user "$(id -un)" "ok-${h//:/}"
	expect_rc 0 "create: --generic-ip-address $h is accepted"
done

# --- a machine whose config.json holds the value (an old or edited store) ---
mc_generic g
run mc ssh g true
expect_rc 0 "a generic machine on the sshd fixture answers"
cfg="$STORE/machines/g/config.json"
jq --arg u "$POC" '.Driver.SSHUser = $u' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg" && chmod 600 "$cfg"
printf 'payload\n' >"$TEST_TMP/f"
for client in external native; do
	if [ $client = native ]; then G=(--native-ssh); else G=(); fi
	run mc "${G[@]}" scp "$TEST_TMP/f" "g:$TEST_TMP/copy-$client"
	check "[$client] scp with the PoC user in config.json fails (exit $RC)" test "$RC" -ne 0
	expect_err 'machine "g": SSH user "root\nProxyCommand=touch${IFS}X" is not a user name' "[$client] scp names the machine and the value"
	expect_err "$STORE/machines/g/config.json" "[$client] ... and where it comes from"
	check "[$client] scp: the ProxyCommand did not run" nothing_ran
	check "[$client] scp: nothing was copied" test ! -e "$TEST_TMP/copy-$client"
	run mc "${G[@]}" ssh g true
	check "[$client] ssh is refused too (exit $RC)" test "$RC" -ne 0
	check "[$client] ssh: the ProxyCommand did not run" nothing_ran
done
run mc scp --delta "$TEST_TMP/f" "g:$TEST_TMP/copy-delta"
check "scp --delta (rsync over ssh -F) is refused too (exit $RC)" test "$RC" -ne 0
check "scp --delta: the ProxyCommand did not run" nothing_ran
jq --arg h $'127.0.0.1\n\tProxyCommand touch X' '.Driver.SSHUser = "root" | .Driver.IPAddress = $h' "$cfg" >"$cfg.new" &&
	mv "$cfg.new" "$cfg" && chmod 600 "$cfg"
run mc scp "$TEST_TMP/f" "g:$TEST_TMP/copy-host"
# (the state probe already finds no such host; the endpoint check is behind it)
check "scp with a hostile IPAddress in config.json fails (exit $RC)" test "$RC" -ne 0
check "scp: the ProxyCommand did not run" nothing_ran

# A hostile or wrapped-around address or port is a config.json error for
# status, ls and ssh, not a Stopped machine (and never a probe of port 2^32+N
# wrapped into 16 bits).
port_is() { jq --argjson p "$1" '.Driver.IPAddress = "127.0.0.1" | .Driver.SSHPort = $p' "$cfg" >"$cfg.new" &&
	mv "$cfg.new" "$cfg" && chmod 600 "$cfg"; }
for p in $((SSHD_PORT + 4294967296)) '"'"$SSHD_PORT"'"' 0 -1 1.5; do
	port_is "$p"
	run mc status g
	expect_rc 1 "status with SSHPort $p fails"
	expect_err "SSHPort in the machine's config.json is not a port (1-65535): fix it there" "... naming the field"
	run mc ssh g true
	check "ssh with SSHPort $p fails (exit $RC)" test "$RC" -ne 0
	expect_err "SSHPort in the machine's config.json is not a port" "... for the same reason"
done
run mc ls --filter name=g --format '{{.State}} {{.Error}}'
check "ls shows it as an Error row with the reason" grep -q "^Error .*SSHPort in the machine's config.json" <<<"$OUT"
jq --arg h $'127.0.0.1\nProxyCommand x' --argjson p "$SSHD_PORT" '.Driver.IPAddress = $h | .Driver.SSHPort = $p' "$cfg" \
	>"$cfg.new" && mv "$cfg.new" "$cfg" && chmod 600 "$cfg"
run mc status g
expect_rc 1 "status with a hostile IPAddress fails, rather than saying Stopped"
expect_err "IPAddress in the machine's config.json: SSH host" "... naming the field"
run mc url g
expect_rc 1 "url refuses it too"
check "nothing ran" nothing_ran

# --- user@ in scp's own arguments ---
mc_generic g2
run mc scp "$TEST_TMP/f" "$POC@g2:$TEST_TMP/copy-at"
check "scp USER@MACHINE:PATH with the PoC user fails (exit $RC)" test "$RC" -ne 0
expect_err "is not a user name" "scp: the refusal says why"
check "scp USER@: the ProxyCommand did not run" nothing_ran
run mc scp "$TEST_TMP/f" "$(id -un)@g2:$TEST_TMP/copy-at"
expect_rc 0 "scp USER@MACHINE:PATH with a real user works"

# --- import-docker-machine ---
DM="$TEST_TMP/dm"
dm() { # dm NAME USER IP PORT
	mkdir -p "$DM/machines/$1"
	jq -n --arg n "$1" --arg u "$2" --arg ip "$3" --argjson p "$4" --arg dm "$DM" \
		'{ConfigVersion: 3, DriverName: "generic", Name: $n,
		  Driver: {IPAddress: $ip, MachineName: $n, SSHUser: $u, SSHPort: $p, StorePath: $dm, EnginePort: 2376},
		  HostOptions: {EngineOptions: {}, AuthOptions: {}}}' >"$DM/machines/$1/config.json"
}
dm imp-user "$POC" 127.0.0.1 22
dm imp-host root $'127.0.0.1\nProxyCommand touch X' 22
dm imp-port root 127.0.0.1 70000
run mc import-docker-machine --from "$DM"
check "import: machines with a hostile user, host or port are not imported (exit $RC)" test "$RC" -ne 0
for n in imp-user imp-host imp-port; do
	check "import: $n is not in the store" test ! -e "$STORE/machines/$n"
done
expect_err "is not a user name" "import: the user's refusal says why"
expect_err "is neither an IP address nor a DNS name" "import: the host's refusal says why"
expect_err "SSH port 70000 is out of range" "import: the port's refusal says why"
check "nothing ran anywhere" nothing_ran
done_testing
