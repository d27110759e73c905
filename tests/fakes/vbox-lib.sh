# Helpers for the virtualbox driver's CLI tests (tests/cli/t4*.sh), on top of
# cli-lib.sh: tests/fakes/VBoxManage on PATH with its own state directory, a
# boot ISO, and assertions on the VBoxManage calls it recorded.
#
#   vbox_setup                  the fake, $VBOX_ISO, $VBOX_FLAGS (create flags for a small VM)
#   vbox_setup_guest            the same, plus a host NIC standing for the guest's host-only NIC
#                               (MC_FAKE_VBOX_MAC2 = its MAC, $VBOX_GUEST_IP its address); 1 if none
#   vbm_mark; ...; vbm_calls    the calls since the mark, one per line ($STORE paths -> @STORE@,
#                               the machine's directory -> @DIR@, NAT host ports -> PORT)
#   vbm_expect DESC <<EOF       those calls must be exactly the lines given
#   vbm_unlocking               the calls the fake refused in its unlock window after a power off
#                               (kept out of vbm_calls: the driver retries them), the same way
#   vbox_state NAME             VMState in the fake ("" when not registered)

export MC_FAKE_VBOX_STATE="$TEST_TMP/vbox"
mkdir -p "$MC_FAKE_VBOX_STATE" "$TEST_TMP/share"
ln -sf "$MC_SRCDIR/tests/fakes/VBoxManage" "$TEST_TMP/bin/VBoxManage"
unset VBOX_INSTALL_PATH VBOX_MSI_INSTALL_PATH MC_FAKE_VBOX_VERSION MC_FAKE_VBOX_FAIL MC_FAKE_VBOX_NOT_READY \
	MACHINECTL_TEST_CPUINFO MACHINECTL_TEST_VBOX_NETWORKS_CONF 2>/dev/null || true
# The fake's relays (NAT port-forwards) die with the test.
_vbox_kill_relays() {
	local p
	[ -f "$MC_FAKE_VBOX_STATE/relay.pids" ] || return 0
	while read -r p; do kill "$p" 2>/dev/null; done <"$MC_FAKE_VBOX_STATE/relay.pids"
}
at_exit _vbox_kill_relays

# A small ISO 9660 lookalike (the core checks the CD001 signature).
VBOX_ISO="$TEST_TMP/b2d.iso"
fake_iso "$VBOX_ISO"
# CI machines may not expose VT-x: the check is tested on its own (t4002).
export VIRTUALBOX_NO_VTX_CHECK=1
VBOX_FLAGS="--iso $VBOX_ISO --no-provision --virtualbox-disk-size 8 --virtualbox-cpu-count 2 --virtualbox-memory 512 --virtualbox-ssh-user $(id -un) --virtualbox-start-timeout 20 --virtualbox-share-folder $TEST_TMP/share:data"

vbox_setup_guest() {
	local line
	# "4: eth0    inet 192.0.2.2/24 ..." -> the NIC with an IPv4 address and a MAC
	while read -r line; do
		local ifn=${line#*: }
		ifn=${ifn%% *}
		local mac
		# not /sys: it shows the host's interfaces inside a network namespace
		mac=$(ip -o link show dev "$ifn" 2>/dev/null | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
		[ -n "$mac" ] && [ "$mac" != 00:00:00:00:00:00 ] || continue
		VBOX_GUEST_IP=$(awk '{print $4}' <<<"$line")
		VBOX_GUEST_IP=${VBOX_GUEST_IP%/*}
		export MC_FAKE_VBOX_MAC2=${mac//:/}
		export VBOX_GUEST_IP
		return 0
	done < <(ip -4 -o addr show 2>/dev/null | grep -v ' lo ')
	return 1
}

_vbm_mark=0
vbm_mark() {
	_vbm_mark=0
	[ -f "$MC_FAKE_VBOX_STATE/calls.jsonl" ] && _vbm_mark=$(wc -l <"$MC_FAKE_VBOX_STATE/calls.jsonl")
	export _vbm_mark
}
_vbm_show() {
	python3 -c 'import json,sys; [print(" ".join(json.loads(l))) for l in sys.stdin]' |
		sed -E -e "s#$STORE/machines/([^/ ]+)#@DIR@#g" -e "s#$TEST_TMP#@TMP@#g" \
			-e 's#ssh,tcp,127\.0\.0\.1,[0-9]+,,22#ssh,tcp,127.0.0.1,PORT,,22#'
}
vbm_calls() {
	tail -n +"$((_vbm_mark + 1))" "$MC_FAKE_VBOX_STATE/calls.jsonl" 2>/dev/null | _vbm_show
}
vbm_unlocking() {
	cat "$MC_FAKE_VBOX_STATE/unlocking.jsonl" 2>/dev/null | _vbm_show
}
export -f _vbm_show vbm_calls vbm_unlocking
# The log says how often the unlock window was met (MC_FAKE_VBOX_UNLOCK_DELAY).
_vbox_unlocking_note() {
	echo "# the fake's unlock window refused $(vbm_unlocking | wc -l) call(s); the driver retried them"
}
at_exit _vbox_unlocking_note
export STORE TEST_TMP
vbm_expect() {
	local want got
	want=$(cat)
	got=$(vbm_calls)
	if [ "$got" = "$want" ]; then
		ok "$1"
	else
		not_ok "$1"
		diff -u <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/#   /' | head -n 60
	fi
}
vbox_state() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["vms"].get(sys.argv[2], {}).get("state", ""))' \
		"$MC_FAKE_VBOX_STATE/state.json" "$1" 2>/dev/null
}
vbox_ssh_port() {
	grep -o '"SSHPort": [0-9]*' "$STORE/machines/$1/config.json" | grep -o '[0-9]*$'
}
