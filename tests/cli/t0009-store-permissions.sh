#!/bin/bash
# The store's permissions are checked as OpenSSH checks ~/.ssh (doc/store.md,
# "Permissions"): a group- or world-writable store, certs/, machines/ or
# machine directory, a key or certificate owned by another user, a private key
# others can read: every verb refuses, naming the path and the fix.  The
# attack from the issue: in a 0777 certs/ another local user replaced the CA
# key.  A store on a Windows drive under WSL without the metadata option (no
# Linux modes there) is accepted with one warning.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"

run mc create -d none --url tcp://127.0.0.1:2376 n1
expect_rc 0 "create a machine"
run mc create -d none --url tcp://127.0.0.1:2376 n2
run mc ls -q
expect_rc 0 "ls works on a store made by machinectl"

# refused PATH MODE DESC: with PATH at MODE, ls and env refuse; then back
refused() {
	local path=$1 mode=$2 desc=$3 old
	old=$(stat -c %a "$path")
	chmod "$mode" "$path"
	run mc ls
	check "$desc: ls refuses, or marks the machine (exit $RC)" \
		bash -c '[ "$1" -ne 0 ] || grep -q "^n1 .*Error.*$3" <<<"$2"' _ "$RC" "$OUT" "$path"
	run mc env n1
	expect_rc 1 "$desc ($mode): env refuses"
	expect_err "$path" "$desc: the error names the path"
	check "$desc: nothing is printed on stdout" test -z "$OUT"
	chmod "$old" "$path"
}
refused "$STORE" 777 "a world-writable store"
expect_err "is writable by everyone (mode 0777)" "the store: says who can write"
expect_err "chmod go-w '$STORE'" "the store: says how to fix it"
refused "$STORE/certs" 777 "a world-writable certs/"
refused "$STORE/certs" 770 "a group-writable certs/"
expect_err "is writable by its group (mode 0770)" "certs/: says its group can write"
refused "$STORE/machines" 777 "a world-writable machines/"
refused "$STORE/cache" 777 "a world-writable cache/ (ISOs are booted from it)"
refused "$STORE/machines/n1" 777 "a world-writable machine directory"
expect_err 'machine "n1": ' "a machine directory: the error names the machine"
refused "$STORE/certs/ca-key.pem" 644 "a CA key others can read"
expect_err "is readable by others (mode 0644)" "the CA key: says others can read it"
refused "$STORE/certs/ca.pem" 666 "a world-writable CA certificate"
refused "$STORE/machines/n1/key.pem" 640 "a machine's client key its group can read"
refused "$STORE/machines/n1/config.json" 622 "a machine's config.json others can write"
touch "$STORE/config.ini"
refused "$STORE/config.ini" 666 "a world-writable config.ini"
run mc env n2
expect_rc 0 "after chmod back, env works again"

# Another user's files (as root, the test runs as nobody too).
if [ "$(id -u)" = 0 ]; then
	# The issue's attack: certs/ is 0777, and another local user replaces the CA key.
	chmod 777 "$STORE/certs"
	chmod 711 "$TEST_TMP" "$STORE"
	cp "$STORE/certs/ca-key.pem" "$TEST_TMP/ca-key.orig"
	chmod 644 "$TEST_TMP/ca-key.orig"
	setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'rm -f "$1" && cat "$2" >"$1"' _ \
		"$STORE/certs/ca-key.pem" "$TEST_TMP/ca-key.orig" 2>"$TEST_TMP/err"
	check "setup: another user (nobody) replaced the CA key in a 0777 certs/" \
		test "$(stat -c %u "$STORE/certs/ca-key.pem")" = 65534
	chmod 700 "$STORE/certs" "$TEST_TMP" "$STORE"
	run mc create -d none --url tcp://127.0.0.1:2376 n3
	expect_rc 1 "create refuses a CA key owned by another user"
	expect_err "ca-key.pem is owned by uid 65534, not by you (uid 0)" "the error names the owner"
	check "create made nothing" test ! -e "$STORE/machines/n3"
	run mc regenerate-certs -f n1
	expect_rc 1 "regenerate-certs refuses too"
	chown 0:0 "$STORE/certs/ca-key.pem"
	chmod 600 "$STORE/certs/ca-key.pem"
	chown 65534 "$STORE/machines/n1"
	run mc env n1
	expect_rc 1 "a machine directory owned by another user is refused"
	expect_err "is owned by uid 65534" "... naming the owner"
	chown 0 "$STORE/machines/n1"
else
	echo "# not root: the other-owner cases need chown (CI runs them as root)"
fi
run mc env n1
expect_rc 0 "everything back: env works"

# A Windows drive under WSL (DrvFs) without metadata: modes cannot be set.
W="$TEST_TMP/mnt/c"
mkdir -p "$W"
cat >"$TEST_TMP/mountinfo" <<EOF
22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
95 22 0:52 / $W rw,noatime - 9p drvfs rw,dirsync,aname=drvfs;path=C:\;uid=1000;gid=1000;symlinkroot=/mnt/,mmap,access=client,msize=65536,trans=fd,rfd=4,wfd=4
EOF
run env MACHINECTL_TEST_MOUNTINFO="$TEST_TMP/mountinfo" machinectl -s "$W/store" create -d none --url tcp://127.0.0.1:2376 w1
expect_rc 0 "DrvFs: create on a Windows drive"
run env MACHINECTL_TEST_MOUNTINFO="$TEST_TMP/mountinfo" machinectl -s "$W/store" create -d none --url tcp://127.0.0.1:2376 w2
chmod -R a+rwX "$W/store"  # as DrvFs shows every file
run env MACHINECTL_TEST_MOUNTINFO="$TEST_TMP/mountinfo" machinectl -s "$W/store" ls
expect_rc 0 "DrvFs without metadata: a store where everything is 0777 is accepted"
expect_out "w2" "DrvFs: ls lists the machines"
check "DrvFs: exactly one warning, for the store (ls of two machines)" \
	test "$(grep -c 'warning: the store .* is on a Windows drive mounted without the metadata option' <<<"$ERR")" = 1
sed -i 's/ rw,dirsync,aname=drvfs/ rw,dirsync,metadata,aname=drvfs/' "$TEST_TMP/mountinfo"
run env MACHINECTL_TEST_MOUNTINFO="$TEST_TMP/mountinfo" machinectl -s "$W/store" ls
expect_rc 1 "DrvFs with the metadata option: modes work there, so 0777 is refused"
expect_err "is writable by everyone" "DrvFs with metadata: the usual refusal"
# A store path that is a file (a typo in -s): named, with no chmod advice for it.
touch "$TEST_TMP/afile"
chmod 666 "$TEST_TMP/afile"
run mc -s "$TEST_TMP/afile" ls
check "a store that is a file: exit 1, and it says so" \
	test "$RC" = 1 -a -n "$(grep -F "$TEST_TMP/afile is not a directory, but the store needs one there" <<<"$ERR")"
check "... without telling the user to chmod it" test -z "$(grep chmod <<<"$ERR")"
done_testing
