# Run the calling test inside a network namespace of its own (unshare -n),
# so that addresses other than loopback exist only there and no other test
# (or host service) shares its ports:
#
#   . "${MC_SRCDIR:-...}/tests/lib/netns.sh"; mc_netns_reexec "$0" "$@"
#
# Inside: lo is up, and a NIC mcnet0 (MAC 0a:00:27:00:00:02, address
# 10.213.0.2/24) stands for a guest's NIC where a test needs one.
mc_netns_reexec() {
	local self=$1
	shift
	if [ -z "${MC_IN_NETNS:-}" ]; then
		if ! unshare -n true 2>/dev/null; then
			echo "Bail out! this test needs a network namespace of its own (unshare -n, as root)"
			exit 1
		fi
		exec env MC_IN_NETNS=1 unshare -n bash "$self" "$@"
	fi
	ip link set lo up
	# A veth pair (this kernel may lack the dummy driver); mcnet1 is its far end.
	ip link add mcnet0 type veth peer name mcnet1
	ip link set mcnet0 address 0a:00:27:00:00:02
	ip addr add 10.213.0.2/24 dev mcnet0
	ip link set mcnet1 up
	ip link set mcnet0 up
}
