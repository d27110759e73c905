#!/bin/bash
# create --engine-install-url (docker-machine's flag, common with the generic
# driver): the Debian/Ubuntu provisioner runs the install script at the URL
# when the machine has no Docker, and "" means never install (issue 23, 17).
# The guest is tests/lib/guest-fixture.sh on the sshd fixture; the script is
# served on 127.0.0.1.
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

# The install script "installs" a dockerd where the guest's PATH finds it.
mkdir -p "$TEST_TMP/www"
cat >"$TEST_TMP/www/install.sh" <<EOS
#!/bin/sh
echo "install script ran" >>"$GUEST/install.log"
printf '#!/bin/sh\nexit 0\n' >"$GUEST/bin/dockerd" && chmod +x "$GUEST/bin/dockerd"
EOS
http_server "$TEST_TMP/www"
URL="$HTTP_BASE/install.sh"

run mc create --help
expect_out "--engine-install-url URL" "create --help lists --engine-install-url"
for bad in ftp://127.0.0.1/x 'http://127.0.0.1/a b' 'http://127.0.0.1/x;reboot' "http://127.0.0.1/\$(id)" notaurl; do
	run mc create "${GEN[@]}" --engine-install-url "$bad" bad
	expect_rc 2 "--engine-install-url $bad is a usage error"
	check "--engine-install-url $bad: nothing was made" test ! -e "$STORE/machines/bad"
done

# A guest without Docker: the script at the URL installs it.
touch "$GUEST/no-dockerd"
run mc create "${GEN[@]}" --engine-install-url "$URL" m1
expect_rc 0 "create with --engine-install-url on a guest without Docker"
expect_out "Docker is up and running!" "and provisioning went to its end"
check "the install script was fetched from the URL" grep -q '^GET /install.sh' "$TEST_TMP/requests"
check "and ran on the guest" test "$(cat "$GUEST/install.log")" = "install script ran"
run mc inspect -f '{{.HostOptions.EngineOptions.InstallURL}}' m1
check "inspect shows the InstallURL" test "$OUT" = "$URL"
mc rm -f m1 >/dev/null

# Docker there already: nothing is installed.
: >"$TEST_TMP/requests"
run mc create "${GEN[@]}" --engine-install-url "$URL" m2
expect_rc 0 "create with --engine-install-url on a guest with Docker"
check "the script was not fetched" test ! -s "$TEST_TMP/requests"
mc rm -f m2 >/dev/null

# "": never install.
rm "$GUEST/bin/dockerd"
run mc create "${GEN[@]}" --engine-install-url "" m3
check "--engine-install-url \"\" on a guest without Docker fails (exit $RC)" test "$RC" = 1
expect_err 'Docker is not installed on the machine, and --engine-install-url "" says not to install it' \
	"and says why"
check "the script was not fetched" test ! -s "$TEST_TMP/requests"
# The machine whose provisioning failed is kept for a look: ssh reaches it,
# though ls shows it as Error.
run mc ls --filter name=m3 --format '{{.Name}} {{.State}}'
check "ls shows the machine as Error" test "$OUT" = "m3 Error"
run mc ssh m3 echo looked-at
expect_rc 0 "ssh reaches the machine whose provisioning failed"
expect_out "looked-at" "and runs the command"
mc rm -f m3 >/dev/null
rm "$GUEST/no-dockerd"
run mc create "${GEN[@]}" --engine-install-url "" m4
expect_rc 0 "--engine-install-url \"\" on a guest with Docker"
expect_out "Docker is up and running!" "provisions it as it is"
run mc inspect -f '[{{.HostOptions.EngineOptions.InstallURL}}]' m4
check "inspect shows the empty InstallURL" test "$OUT" = "[]"
mc rm -f m4 >/dev/null
done_testing
