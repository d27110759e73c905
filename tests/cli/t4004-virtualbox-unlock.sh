#!/bin/bash
# After a power off (an ACPI shutdown that completed, or `controlvm
# poweroff`) VirtualBox keeps the VM's session locked for a moment: a
# modifyvm, storageattach, sharedfolder or startvm then fails with "already
# locked ... (or being unlocked)" and unregistervm with "Cannot unregister the
# machine ... while it is locked" (vagrant #8104, packer #511).  The driver
# retries those for a few seconds: stop then set, restart, and kill then rm
# succeed; a lock that does not end fails in bounded time.
# The fake's window lasts until the test ends it (--fake-unlock), once a call
# was refused in it: each case meets the lock however fast or slow this
# machine is.  Without the retries, each fails.
# The guest is the loopback sshd fixture behind the fake's NAT relay, inside
# a network namespace of the test's own (as t4001).
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
. "$MC_SRCDIR/tests/fakes/vbox-lib.sh"
sshd_require
vbox_setup_guest || { echo "1..0 # SKIP no host NIC with an IPv4 address and a MAC to stand for the guest's"; exit 0; }
sshd_start
export MC_FAKE_VBOX_GUEST_SSH_PORT=$SSHD_PORT MC_FAKE_VBOX_GUEST_AUTHORIZED_KEYS=$SSHD_DIR/authorized_keys
# Power offs leave the session locked (until --fake-unlock).
export MC_FAKE_VBOX_UNLOCK_DELAY=3600
refused() { vbm_unlocking | grep -qx -- "$1"; }
# run_unlocking NAME COMMAND...: run as run does; as soon as the fake has
# refused one of its calls in the unlock window, VirtualBox has unlocked NAME.
run_unlocking() {
	local name=$1 n i pid
	shift
	n=$(vbm_unlocking | wc -l)
	"$@" >"$TEST_TMP/.out" 2>"$TEST_TMP/.err" </dev/null &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		[ "$(vbm_unlocking | wc -l)" -gt "$n" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	VBoxManage --fake-unlock "$name"
	wait "$pid"
	RC=$?
	OUT=$(cat "$TEST_TMP/.out")
	ERR=$(cat "$TEST_TMP/.err")
}

run mc create -d virtualbox $VBOX_FLAGS v1
expect_rc 0 "create v1"

# --- stop, then set: modifyvm meets the lock ---
run mc stop v1
expect_rc 0 "stop (the ACPI shutdown completes)"
run_unlocking v1 mc set --cpus 3 v1
expect_rc 0 "set right after stop succeeds"
check "... modifyvm was refused while VirtualBox unlocked the session, and retried" \
	refused "modifyvm v1 --cpus 3"
check "... and the VM has 3 CPUs" \
	test "$(VBoxManage showvminfo v1 --machinereadable | sed -n 's/^cpus=//p')" = 3

# --- restart: start right after the power off ---
run mc start v1
expect_rc 0 "start"
vbm_mark
run_unlocking v1 mc restart v1
expect_rc 0 "restart succeeds"
check "... its start met the lock (modifyvm of the host-only NIC) and retried" \
	refused "modifyvm v1 --nic2 hostonly --nictype2 82540EM --nicpromisc2 deny --hostonlyadapter2 vboxnet0 --cableconnected2 on"
check "... and the VM runs" test "$(vbox_state v1)" = running
check "... the calls it made are the usual ones (the refused ones are apart)" \
	test "$(vbm_calls | grep -c '^modifyvm v1 --nic2 ')" = 1

# --- kill, then rm: unregistervm meets the lock ---
run mc kill v1
expect_rc 0 "kill (controlvm poweroff)"
run_unlocking v1 mc rm -y v1
expect_rc 0 "rm right after kill succeeds"
check "... unregistervm was refused, and retried" refused "unregistervm --delete v1"
check "... and the VM is gone" test -z "$(vbox_state v1)"

# --- the fake refuses as VirtualBox does, in its words ---
run mc create -d virtualbox $VBOX_FLAGS v2
expect_rc 0 "create v2"
VBoxManage controlvm v2 poweroff 2>/dev/null
run VBoxManage showvminfo v2 --machinereadable
expect_out 'VMState="poweroff"' "fake: the VM says it is powered off at once"
run VBoxManage modifyvm v2 --cpus 2
expect_rc 1 "fake: modifyvm in the unlock window fails"
expect_err "VBoxManage: error: The machine 'v2' is already locked for a session (or being unlocked)" "fake: ... in VirtualBox's words"
run VBoxManage startvm v2 --type headless
expect_rc 1 "fake: startvm in the unlock window fails"
expect_err "VBoxManage: error: The machine 'v2' is already locked by a session (or being locked or unlocked)" "fake: ... in VirtualBox's words"
run VBoxManage unregistervm v2 --delete
expect_rc 1 "fake: unregistervm in the unlock window fails"
expect_err "VBoxManage: error: Cannot unregister the machine 'v2' while it is locked" "fake: ... in VirtualBox's words"

# --- a lock that does not go away: the retries end ---
t0=$(date +%s)
run mc set --cpus 4 v2
t1=$(date +%s)
expect_rc 1 "set on a VM whose session stays locked fails"
expect_err "\`VBoxManage modifyvm v2 --cpus 4\` failed (exit 1): VBoxManage: error: The machine 'v2' is already locked for a session (or being unlocked)" \
	"... naming the command and VirtualBox's error"
check "... after a few seconds of retries ($((t1 - t0)) s)" test $((t1 - t0)) -ge 4 -a $((t1 - t0)) -le 30
VBoxManage --fake-unlock v2
run mc rm -y v2
expect_rc 0 "rm once the session is unlocked"
done_testing
