#!/bin/bash
# Docker that machinectl did not set up (a machine created with
# --no-provision, or imported): start leaves its certificate alone and
# regenerate-certs takes it over.  A create killed while it provisions leaves
# an Error row that `provision` repairs, not a Running machine whose Docker
# was never configured.  The guest is tests/lib/guest-fixture.sh.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
. "$MC_SRCDIR/tests/lib/guest-fixture.sh"
sshd_require
guest_setup
sshd_start
ssh-keygen -q -t ed25519 -N '' -C guest -f "$TEST_TMP/gkey"
sshd_authorize "$TEST_TMP/gkey.pub"
GEN=(-d generic --generic-ip-address 127.0.0.1 --generic-ssh-port "$SSHD_PORT" --generic-ssh-user "$(id -un)"
	--generic-ssh-key "$TEST_TMP/gkey" --generic-engine-port "$GUEST_ENGINE_PORT")
provision_of() { machinectl inspect -f '{{.HostOptions.Provision}}' "$1"; }

# --- regenerate-certs takes over a Docker machinectl did not configure ---
run mc create "${GEN[@]}" --no-provision g1
expect_rc 0 "create --no-provision"
check "Docker on the guest was left alone" test ! -e "$GUEST/systemctl.log"
check "Provision is false" test "$(provision_of g1)" = false
run mc version g1
check "no Docker of ours answers yet (exit $RC)" test "$RC" != 0
run mc regenerate-certs -f g1
expect_rc 0 "regenerate-certs on it"
expect_out "Docker on machine \"g1\" now uses machinectl's certificates" "says that it took Docker over"
check "it restarted Docker on the guest" grep -qx 'restart docker' "$GUEST/systemctl.log"
check "the guest holds the machine's new server certificate" \
	cmp -s "$(guest_file /etc/docker/server.pem)" "$STORE/machines/g1/server.pem"
run mc version g1
expect_rc 0 "Docker answers over TLS with the new certificates"
check "Provision is true from now on" test "$(provision_of g1)" = true
mc rm -f g1 >/dev/null

# --- a create killed while it provisions ---
run env MC_TEST_KILL_AT=create-after-created machinectl create "${GEN[@]}" g2
check "the killed create did not succeed (exit $RC)" test "$RC" != 0
run mc ls --filter name=g2 --format '{{.Name}} {{.State}} {{.Error}}'
check "ls shows it as Error: provisioning did not finish" grep -q '^g2 Error provisioning did not finish' <<<"$OUT"
check "... and names provision first, then rm -f" \
	grep -q "did not finish: 'machinectl provision g2' retries, 'machinectl rm -f g2' removes it$" <<<"$OUT"
run mc env g2
expect_rc 1 "env refuses it"
expect_err "provision g2' retries" "and says how to finish it"
run mc ip g2
expect_rc 0 "ip answers: the VM runs"
check "... with its address" test "$OUT" = 127.0.0.1
run mc provision g2
expect_rc 0 "provision finishes it"
run mc ls --filter name=g2 --format '{{.Name}} {{.State}}'
check "ls shows it Running" test "$OUT" = "g2 Running"
run mc env g2
expect_rc 0 "env works"
mc rm -f g2 >/dev/null
done_testing
