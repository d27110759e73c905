#!/bin/bash
# Per-machine SSH keys and the generic driver, against a real sshd on 127.0.0.1.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
plan 30
sshd_start

# --- pre-create checks (exit 3) ---
run mc create -d generic --no-provision g0
expect_rc 3 "generic without --generic-ip-address fails its pre-create check"
expect_err "needs --generic-ip-address" "the message names the missing flag"
check "nothing is kept after a failed pre-create check" test ! -e "$STORE/machines/g0"
run mc create -d generic --no-provision --generic-ip-address 127.0.0.1 --generic-ssh-key "$TEST_TMP/nokey" g0
expect_rc 3 "a missing --generic-ssh-key fails the pre-create check"
expect_err "$TEST_TMP/nokey" "the message names the key file"

# --- the default key pair: ed25519, 0600, OpenSSH format ---
mc_generic g1
key="$STORE/machines/g1/id_ed25519"
check "create makes id_ed25519 with mode 0600" test "$(stat -c %a "$key")" = 600
check "the public key is one OpenSSH line" grep -qE '^ssh-ed25519 AAAA[^ ]+ machinectl:g1$' "$key.pub"
check "OpenSSH reads the private key and derives the same public key" \
	test "$(ssh-keygen -y -f "$key" | cut -d' ' -f2)" = "$(cut -d' ' -f2 "$key.pub")"
run mc inspect g1
expect_out '"KeyType": "ed25519"' "the key type is recorded in HostOptions.SSH"

# --- rsa ---
run mc create -d generic --no-provision --generic-ip-address 127.0.0.1 --ssh-key-type rsa g-rsa
expect_rc 0 "--ssh-key-type rsa creates a machine"
check "... with id_rsa (0600)" test "$(stat -c %a "$STORE/machines/g-rsa/id_rsa")" = 600
check "... of 3072 bits that OpenSSH reads" \
	bash -c "ssh-keygen -l -f '$STORE/machines/g-rsa/id_rsa' | grep -q '^3072 .*(RSA)'"
check "... and no ed25519 key" test ! -e "$STORE/machines/g-rsa/id_ed25519"

# --- an existing key given with --generic-ssh-key is copied ---
ssh-keygen -q -t ecdsa -b 256 -N '' -C mine -f "$TEST_TMP/mykey"
run mc create -d generic --no-provision --generic-ip-address 127.0.0.1 --generic-ssh-port "$SSHD_PORT" \
	--generic-ssh-user "$(id -un)" --generic-ssh-key "$TEST_TMP/mykey" g-own
expect_rc 0 "--generic-ssh-key creates a machine"
check "the key is copied byte for byte as id_ecdsa (0600)" \
	bash -c "cmp -s '$TEST_TMP/mykey' '$STORE/machines/g-own/id_ecdsa' && test \$(stat -c %a '$STORE/machines/g-own/id_ecdsa') = 600"
check "its public key is written beside it" \
	test "$(cut -d' ' -f1,2 "$STORE/machines/g-own/id_ecdsa.pub")" = "$(cut -d' ' -f1,2 "$TEST_TMP/mykey.pub")"
check "the generated key pair is gone" test ! -e "$STORE/machines/g-own/id_ed25519"
sshd_authorize "$TEST_TMP/mykey.pub"
run mc ssh g-own echo own-key
expect_out "own-key" "the copied key logs in"

# --- state, ip, url from the flags and environment ---
run mc status g1
expect_out "Running" "state is Running while the SSH port answers"
run mc ip g1
expect_out "127.0.0.1" "ip is --generic-ip-address"
GENERIC_IP_ADDRESS=127.0.0.1 GENERIC_ENGINE_PORT=12376 GENERIC_SSH_PORT=$SSHD_PORT run mc create -d generic --no-provision g-env
expect_rc 0 "GENERIC_* environment variables stand for the flags"
run mc url g-env
expect_out "tcp://127.0.0.1:12376" "url uses --generic-engine-port"

# --- lifecycle ---
run mc stop g1
expect_err "cannot stop" "stop is unsupported, and says so"
run mc kill g1
expect_err "cannot kill" "kill is unsupported, and says so"
# restart runs `sudo shutdown -r now` over SSH: a forced command records it instead.
run mc create -d generic --no-provision --generic-ip-address 127.0.0.1 --generic-ssh-port "$SSHD_PORT" \
	--generic-ssh-user "$(id -un)" g-rb
sshd_authorize "$STORE/machines/g-rb/id_ed25519.pub" \
	"command=\"echo \\\"\$SSH_ORIGINAL_COMMAND\\\" > $SSHD_DIR/restart-cmd\""
run mc restart g-rb
expect_rc 0 "restart succeeds"
check "restart ran 'sudo shutdown -r now' on the host" \
	test "$(cat "$SSHD_DIR/restart-cmd" 2>/dev/null)" = "sudo shutdown -r now"

# --- drivers without SSH ---
mc create -d none --url tcp://127.0.0.1:2376 n1 >/dev/null
run mc ssh n1 true
expect_err 'machine "n1" uses the none driver, which has no SSH access' "ssh to a none machine explains there is no SSH"
run mc scp "$TEST_TMP/mykey.pub" n1:/tmp/x
expect_err "none driver" "scp to a none machine says the same"

# --- a stopped host ---
sshd_stop
run mc status g1
expect_out "Stopped" "state is Stopped when the SSH port is closed"
run mc ssh g1 true
expect_err 'Host "g1" is not running' "ssh to a stopped host says docker-machine's message"
done_testing
