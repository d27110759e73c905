#!/bin/bash
# The machine OS's DHCP event script (/etc/udhcpc.script) run as busybox
# udhcpc runs it in the guest (busybox sh, busybox's ip, only busybox's
# applets in PATH), on veth NICs in a network namespace of this test's own:
#  - bound: the address, the default route through the router (metric: the
#    NIC's index), the marker;
#  - renew with the same address: nothing is removed, not even for a moment
#    (a route through the address, which a flush would take with it, stays);
#  - renew with a new address: the old one is gone, the default route is back;
#  - deconfig: no address, the link stays up;
#  - two NICs with routers: the first NIC's default route wins, whichever
#    lease came first.
# The script's /etc/resolv.conf branch is not run here (no dns variable): it
# would write the host's file.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/netns.sh"
mc_netns_reexec "$0" "$@"
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

BB=$(command -v busybox) || { echo "Bail out! busybox not found: run scripts/setup (busybox-static)"; exit 1; }
mkdir -p "$TEST_TMP/bb"
for a in $("$BB" --list); do ln -s "$BB" "$TEST_TMP/bb/$a"; done
# The script with its library replaced by a marker that writes to a file (the
# real one writes the console and /var/log/boot.log).
printf 'marker() { echo "$*" >>%s/markers; }\n' "$TEST_TMP" >"$TEST_TMP/lib.sh"
sed "s|^\. /usr/lib/machinectl-os/lib\.sh$|. $TEST_TMP/lib.sh|" \
	"$MC_SRCDIR/scripts/iso/rootfs/etc/udhcpc.script" >"$TEST_TMP/udhcpc.script"
check "the test's copy sources the stand-in library" grep -qxF ". $TEST_TMP/lib.sh" "$TEST_TMP/udhcpc.script"

NIC=mcnet1 # the veth's far end: up, no address
event() { # event bound|renew|deconfig [VAR=VALUE...]
	local ev=$1
	shift
	run env -i PATH="$TEST_TMP/bb" interface=$NIC "$@" "$BB" sh "$TEST_TMP/udhcpc.script" "$ev"
}
addrs() { ip -4 -o addr show dev $NIC | awk '{ print $4 }' | tr '\n' ' '; }
default_route() { ip route show default | tr -s ' ' | sed 's/ $//'; }
index() { ip -o link show dev "$1" | cut -d: -f1; }
lease1="ip=10.214.0.5 mask=24 broadcast=10.214.0.255 router=10.214.0.1"

event bound $lease1
expect_rc 0 "bound: the script succeeds"
check "bound: the address" test "$(addrs)" = "10.214.0.5/24 "
check "bound: the default route through the router" test "$(default_route)" = "default via 10.214.0.1 dev $NIC metric $(index $NIC)"
check "bound: the marker names the NIC and the address" grep -qxF "network up: $NIC 10.214.0.5" "$TEST_TMP/markers"

# A route nothing re-adds: a flush of the address would remove it.
ip route add 10.215.0.0/16 via 10.214.0.9 dev $NIC
event renew $lease1
expect_rc 0 "renew, same address: the script succeeds"
check "renew, same address: the address stays" test "$(addrs)" = "10.214.0.5/24 "
check "renew, same address: the address was never removed (a route through it survives)" \
	test -n "$(ip route show 10.215.0.0/16)"
check "renew, same address: the default route stays" test "$(default_route)" = "default via 10.214.0.1 dev $NIC metric $(index $NIC)"
check "renew: no second 'network up' marker" test "$(wc -l <"$TEST_TMP/markers")" = 1

event renew ip=10.214.0.6 mask=24 broadcast=10.214.0.255 router=10.214.0.1
expect_rc 0 "renew, new address: the script succeeds"
check "renew, new address: only the new address" test "$(addrs)" = "10.214.0.6/24 "
check "renew, new address: the default route is back" test "$(default_route)" = "default via 10.214.0.1 dev $NIC metric $(index $NIC)"

# A second address that the lease does not name (left by a previous lease):
# the same address plus a stray one is not "the same", the stray one goes.
ip addr add 10.214.0.77/24 dev $NIC
event renew ip=10.214.0.6 mask=24 router=10.214.0.1
check "renew with a stray address beside the leased one: only the leased one stays" \
	test "$(addrs)" = "10.214.0.6/24 "

event deconfig
expect_rc 0 "deconfig: the script succeeds"
check "deconfig: no address" test -z "$(addrs)"
check "deconfig: the link stays up" grep -q '[<,]UP[,>]' <<<"$(ip -o link show dev $NIC)"
check "deconfig: the default route is gone with the address" test -z "$(default_route)"

# A second NIC, numbered after the first, whose lease comes first.
ip link add mcnet2 type veth peer name mcnet3
ip link set mcnet3 up
ip link set mcnet2 up
NIC=mcnet3
event bound ip=10.216.0.5 mask=24 router=10.216.0.1
NIC=mcnet1
event bound $lease1
check "two NICs: each has its default route" \
	test "$(default_route | sort)" = "default via 10.214.0.1 dev mcnet1 metric $(index mcnet1)
default via 10.216.0.1 dev mcnet3 metric $(index mcnet3)"
check "two NICs: the first NIC's default route wins although its lease came second" \
	grep -q "via 10.214.0.1 dev mcnet1" <<<"$(ip route get 10.250.0.1)"
event renew $lease1
check "a renewal adds no second default route" test "$(default_route | grep -c mcnet1)" = 1
done_testing
