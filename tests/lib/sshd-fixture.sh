# An OpenSSH sshd on 127.0.0.1 for the SSH tests (source it after cli-lib.sh).
#
#   . "$MC_SRCDIR/tests/lib/cli-lib.sh"
#   . "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
#   sshd_start                       # SSHD_PORT, SSHD_DIR; stopped when the test exits
#   mc_generic g1                    # a generic machine pointing at it, its key authorized
#   sshd_new_hostkey                 # restart with a new host key
#   SSHD_EXTRA_CONFIG='...'          # lines appended to sshd_config (set before sshd_start)
#   sshd_other_user NAME             # a second login, NAME (before sshd_start)
#
# sshd runs as the current user (root in CI) from a temporary directory: its
# own config, host key, authorized_keys and pid file; StrictModes and PAM off.
# Needs Debian's openssh-server (/usr/sbin/sshd, /usr/lib/openssh/sftp-server)
# and openssh-client (ssh-keygen).

SSHD_BIN=${SSHD_BIN:-/usr/sbin/sshd}
SSHD_SFTP=${SSHD_SFTP:-/usr/lib/openssh/sftp-server}
SSHD_DIR="$TEST_TMP/sshd"
SSHD_PORT=
SSHD_PID=

# Skip the whole test (TAP "1..0 # SKIP") when OpenSSH's server is missing.
sshd_require() {
	local missing=
	[ -x "$SSHD_BIN" ] || missing="$missing $SSHD_BIN (package openssh-server)"
	[ -x "$SSHD_SFTP" ] || missing="$missing $SSHD_SFTP (package openssh-sftp-server)"
	command -v ssh-keygen >/dev/null || missing="$missing ssh-keygen (package openssh-client)"
	if [ -n "$missing" ]; then
		echo "1..0 # SKIP missing:$missing"
		exit 0
	fi
}

_sshd_write_config() {
	cat >"$SSHD_DIR/sshd_config" <<EOF
Port $SSHD_PORT
ListenAddress 127.0.0.1
HostKey $SSHD_DIR/host_ed25519
PidFile $SSHD_DIR/sshd.pid
AuthorizedKeysFile $SSHD_DIR/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
PrintLastLog no
MaxStartups 200
MaxSessions 100
LogLevel VERBOSE
Subsystem sftp $SSHD_SFTP
EOF
	# Extra lines (e.g. a ForceCommand, tests/lib/guest-fixture.sh).
	if [ -n "${SSHD_EXTRA_CONFIG:-}" ]; then printf '%s\n' "$SSHD_EXTRA_CONFIG" >>"$SSHD_DIR/sshd_config"; fi
}

sshd_new_hostkey_file() {
	rm -f "$SSHD_DIR/host_ed25519" "$SSHD_DIR/host_ed25519.pub"
	ssh-keygen -q -t ed25519 -N '' -C sshd-fixture -f "$SSHD_DIR/host_ed25519"
}

# Start sshd (again, on the same port when it ran before); it has 20 s to
# listen, then another port is tried.
sshd_start() {
	local i tries
	sshd_require
	# sshd's privilege separation directory.
	mkdir -p /run/sshd 2>/dev/null || true
	mkdir -p "$SSHD_DIR"
	[ -f "$SSHD_DIR/authorized_keys" ] || : >"$SSHD_DIR/authorized_keys"
	[ -f "$SSHD_DIR/host_ed25519" ] || sshd_new_hostkey_file
	for tries in 1 2 3 4 5; do
		if [ -z "$SSHD_PORT" ] || [ "$tries" -gt 1 -a -z "${_sshd_keep_port:-}" ]; then
			SSHD_PORT=$(free_port) || { echo "Bail out! no free port"; exit 1; }
		fi
		_sshd_write_config
		${SSHD_WRAP[@]+"${SSHD_WRAP[@]}"} "$SSHD_BIN" -D -e -f "$SSHD_DIR/sshd_config" 2>>"$SSHD_DIR/sshd.log" &
		SSHD_PID=$!
		for i in $(seq 1 400); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$SSHD_PORT") 2>/dev/null; then
				export SSHD_PORT SSHD_DIR SSHD_PID
				return 0
			fi
			kill -0 "$SSHD_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	done
	echo "Bail out! sshd did not start; its log:"
	sed 's/^/# /' "$SSHD_DIR/sshd.log"
	exit 1
}

# A second user for the tests of two users on one machine: sshd runs in a
# mount namespace of its own whose /etc/passwd adds NAME (uid 4711, /bin/sh,
# home SSHD_OTHER_HOME in the test's directory); the host's /etc/passwd is
# left alone.  authorized_keys is the fixture's, so every machine's key logs
# in as NAME too.  Call it before sshd_start; it fails (returns 1) unless
# run as root, which both need.
sshd_other_user() {
	[ "$(id -u)" = 0 ] && unshare --mount true 2>/dev/null || return 1
	SSHD_OTHER_HOME="$TEST_TMP/home-$1"
	mkdir -p "$SSHD_OTHER_HOME"
	chown 4711:4711 "$SSHD_OTHER_HOME"
	chmod 711 "$TEST_TMP"  # NAME reaches its home and authorized_keys
	{ cat /etc/passwd; echo "$1:x:4711:4711::$SSHD_OTHER_HOME:/bin/sh"; } >"$TEST_TMP/passwd"
	# unshare and sh exec: the process started is sshd's.
	SSHD_WRAP=(unshare --mount --propagation private -- sh -c 'mount --bind "$0" /etc/passwd && exec "$@"'
		"$TEST_TMP/passwd")
}

sshd_stop() {
	if [ -n "$SSHD_PID" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
		SSHD_PID=
	fi
}
at_exit sshd_stop

# Restart on the same port with a new host key (what a reinstalled machine,
# or a man in the middle, looks like).
sshd_new_hostkey() {
	sshd_stop
	sshd_new_hostkey_file
	_sshd_keep_port=1 sshd_start
}

# Authorize a public key file, optionally with authorized_keys options
# (e.g. 'command="..."').
sshd_authorize() {
	if [ -n "${2:-}" ]; then
		printf '%s %s\n' "$2" "$(cat "$1")" >>"$SSHD_DIR/authorized_keys"
	else
		cat "$1" >>"$SSHD_DIR/authorized_keys"
	fi
}

# mc_generic NAME [create flags...]: a generic machine on the fixture, logged
# in as the current user, its key authorized.
mc_generic() {
	local name=$1
	shift
	"$MC_BIN" create -d generic --no-provision --generic-ip-address 127.0.0.1 --generic-ssh-port "$SSHD_PORT" \
		--generic-ssh-user "$(id -un)" "$@" "$name" >"$TEST_TMP/.create.out" 2>&1 || {
		echo "Bail out! create $name failed:"
		sed 's/^/# /' "$TEST_TMP/.create.out"
		exit 1
	}
	local k
	for k in "$STORE/machines/$name"/id_*.pub; do
		sshd_authorize "$k"
	done
}
