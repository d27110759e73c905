# A "guest" for provisioning on the sshd fixture (source it after
# sshd-fixture.sh, before sshd_start), so that `create -d generic` without
# --no-provision runs its real provisioning over SSH and SFTP without
# touching this host.
#
#   guest_setup                       # GUEST, SSHD_EXTRA_CONFIG; then sshd_start
#   mc create -d generic --generic-ip-address 127.0.0.1 --generic-ssh-port "$SSHD_PORT" \
#       --generic-ssh-user "$(id -un)" --generic-engine-port "$GUEST_ENGINE_PORT" ... NAME
#   guest_file /etc/docker/server.pem # the path, on this host, of what the guest wrote there
#
# Every SSH command (and the SFTP server) runs through a ForceCommand in a
# private mount and UTS namespace: /etc is an overlay whose writes land in
# $GUEST/etc.up, $HOME is $GUEST/home, and `hostname` changes only the
# namespace's name.  The guest's OS is this host's (/etc/os-release: the
# systemd provisioner).  Stubs on the guest's PATH: sudo (runs the command
# as is: the SSH user is root) and systemctl, which records its calls in
# $GUEST/systemctl.log and on `restart docker` starts tests/lib/tls-fixture
# (outside the namespace, in the test's own) with the certificates the guest
# received, on $GUEST_ENGINE_PORT: what dockerd with the drop-in's --tlsverify
# flags does.  `touch $GUEST/no-dockerd` makes a guest without Docker (its PATH
# lacks /usr/sbin; a dockerd put in $GUEST/bin is found).  Needs root (mount)
# and overlayfs.

guest_setup() {
	GUEST="$TEST_TMP/guest"
	mkdir -p "$GUEST/etc.up" "$GUEST/etc.work" "$GUEST/home" "$GUEST/bin"
	GUEST_ENGINE_PORT=$(free_port)
	export GUEST GUEST_ENGINE_PORT
	cat >"$GUEST/exec" <<EOS
#!/bin/bash
# ForceCommand: run the client's command (or the SFTP server) in the guest.
# fd 9 keeps the test's mount namespace for the systemctl stub.
exec 9</proc/self/ns/mnt
exec unshare --mount --uts --propagation private -- /bin/bash -c '
	mount -t overlay guest -o lowerdir=/etc,upperdir="\$1/etc.up",workdir="\$1/etc.work" /etc &&
	mount --bind "\$1/home" "\$HOME" || exit 97
	cd "\$HOME" || exit 97
	# \$GUEST/no-dockerd: a guest without Docker (dockerd is /usr/sbin/dockerd here)
	if [ -e "\$1/no-dockerd" ]; then export PATH="\$1/bin:/usr/local/bin:/usr/bin:/bin"; else export PATH="\$1/bin:\$PATH"; fi
	exec /bin/bash -c "\$SSH_ORIGINAL_COMMAND"' guest "$GUEST"
EOS
	cat >"$GUEST/bin/sudo" <<'EOS'
#!/bin/sh
# The SSH user is root: run the command as is (VAR=value prefixes included).
exec env -- "$@"
EOS
	cat >"$GUEST/bin/systemctl" <<EOS
#!/bin/bash
# systemctl in the guest: record the call; 'restart docker' (re)starts the
# TLS fixture with the certificates the guest holds in /etc/docker.
echo "\$*" >>"$GUEST/systemctl.log"
[ "\$*" = "restart docker" ] || exit 0
mkdir -p "$GUEST/run"
cp /etc/docker/ca.pem /etc/docker/server.pem /etc/docker/server-key.pem "$GUEST/run/"
[ -f "$GUEST/dockerd.pid" ] && kill "\$(cat "$GUEST/dockerd.pid")" 2>/dev/null
nsenter --mount=/proc/self/fd/9 -- setsid "$MC_BUILDDIR/tests/lib/tls-fixture" \\
	--port "$GUEST_ENGINE_PORT" --lifetime 300 --cert "$GUEST/run/server.pem" \\
	--key "$GUEST/run/server-key.pem" --ca "$GUEST/run/ca.pem" </dev/null >>"$GUEST/dockerd.log" 2>&1 &
echo \$! >"$GUEST/dockerd.pid"
EOS
	chmod +x "$GUEST/exec" "$GUEST/bin/sudo" "$GUEST/bin/systemctl"
	SSHD_EXTRA_CONFIG="ForceCommand $GUEST/exec"
	at_exit '[ -f "$GUEST/dockerd.pid" ] && kill "$(cat "$GUEST/dockerd.pid")" 2>/dev/null'
}

# guest_file PATH: where the file the guest wrote at PATH (under /etc) lives here.
guest_file() { printf '%s/etc.up%s' "$GUEST" "${1#/etc}"; }
