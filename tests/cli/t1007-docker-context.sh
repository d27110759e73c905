#!/bin/bash
# `machinectl context [--use] NAME` with Debian's real docker CLI against a
# loopback TLS peer that answers like dockerd: the context reaches the
# machine with its TLS material, --use makes it current, ls and active mark
# its machine, rm removes the context machinectl made (and only that one).
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
DOCKER=$(docker_client)
if [ -z "$DOCKER" ]; then
	echo "Bail out! no docker client (scripts/setup installs Debian's docker.io)"
	exit 1
fi
plan 52
# The docker CLI's own store, inside the test; the docker found first in PATH is Debian's.
export DOCKER_CONFIG="$TEST_TMP/.docker" HOME="$TEST_TMP"
ln -s "$DOCKER" "$TEST_TMP/bin/docker"
# docker's current context (20.10 has no `docker context show`).
current_context() { docker context ls --format '{{if .Current}}{{.Name}}{{end}}' | grep .; }

mc create --driver none --url tcp://127.0.0.1:1 bootstrap >/dev/null
server_cert_openssl "$STORE/certs" "$TEST_TMP/fx" "IP:127.0.0.1"
fixture_start PORT --cert "$TEST_TMP/fx.pem" --key "$TEST_TMP/fx-key.pem" --ca "$STORE/certs/ca.pem"
check "fixture started ($PORT)" test -n "$PORT"
mc create --driver none --url "tcp://127.0.0.1:$PORT" fx >/dev/null
mc create --driver none --url "tcp://127.0.0.1:$PORT" other >/dev/null

run mc context fx
expect_rc 0 "context NAME succeeds"
expect_out 'Created docker context "fx" for machine "fx"' "... and says it created the context"
run bash -c "docker context inspect fx | jq -r '.[0].Endpoints.docker.Host + \" \" + .[0].Metadata.Description'"
check "docker knows the context: the machine's URL and machinectl's description" \
	test "$OUT" = "tcp://127.0.0.1:$PORT machinectl: machine fx (store $STORE)"
run docker --context fx version --format '{{.Server.Version}}'
check "docker --context fx reaches the machine over TLS with the machine's certificates" test "$OUT" = 20.10.24
run current_context
check "without --use the current context does not change" test "$OUT" = default
run mc ls --format '{{.Name}} {{.Active}}'
check "ls: no machine is active yet" grep -qx 'fx -' <<<"$OUT"

# docker 23 and later word a missing context otherwise: 'context "x":
# context not found: open .../meta.json: no such file or directory' (not
# 20.10's 'context "x" does not exist').  Debian's client, its answer worded so:
mkdir -p "$TEST_TMP/newdocker"
cat >"$TEST_TMP/newdocker/docker" <<WRAP
#!/bin/bash
e=\$(mktemp); "$DOCKER" "\$@" 2>"\$e"; rc=\$?
sed -E 's|^context "([^"]*)" does not exist\$|context "\\1": context not found: open /x/meta.json: no such file or directory|' "\$e" >&2
rm -f "\$e"; exit \$rc
WRAP
chmod +x "$TEST_TMP/newdocker/docker"
run env PATH="$TEST_TMP/newdocker:$PATH" "$TEST_TMP/newdocker/docker" context inspect nosuch
check "(the wrapper words a missing context as docker 23 does)" grep -q 'context not found' <<<"$ERR"
PATH="$TEST_TMP/newdocker:$PATH" run mc context other
expect_rc 0 "context NAME with docker 23's wording of a missing context"
check "... made the context" docker context inspect other
run mc rm -f other
expect_rc 0 "rm of that machine (and its context)"
mc create --driver none --url "tcp://127.0.0.1:$PORT" other >/dev/null

run mc context --use fx
expect_rc 0 "context --use NAME (again) succeeds"
expect_out 'Updated docker context "fx"' "... updating the context it made"
run current_context
check "... and docker's current context is fx" test "$OUT" = fx
run docker version --format '{{.Server.Version}}'
check "plain docker commands now reach the machine" test "$OUT" = 20.10.24
run mc ls --format '{{.Name}} {{.Active}}'
check "ls marks fx ACTIVE (docker's current context)" grep -qx 'fx \*' <<<"$OUT"
check "... and only fx" grep -qx 'other -' <<<"$OUT"
run mc active
check "active names fx" test "$RC" = 0 -a "$OUT" = fx
DOCKER_HOST="tcp://127.0.0.1:1" run mc ls --format '{{.Name}} {{.Active}}'
check "DOCKER_HOST wins over the context, as in the docker CLI" grep -qx 'fx -' <<<"$OUT"
DOCKER_CONTEXT=default run mc ls --format '{{.Name}} {{.Active}}'
check "DOCKER_CONTEXT=default: no machine is active" grep -qx 'fx -' <<<"$OUT"
DOCKER_CONTEXT=default run mc active
expect_rc 1 "... and active finds none"

# The context follows the machine: a changed URL is written by running context again.
docker context update fx --docker "host=tcp://127.0.0.1:1" >/dev/null 2>&1
run mc context fx
run docker version --format '{{.Server.Version}}'
check "context NAME again repairs a changed endpoint" test "$OUT" = 20.10.24

# Sharing a machine with someone else (docker-machine's oldest wish): docker's
# own export carries the context with its TLS files, and another user's
# docker imports it; nothing in it points into machinectl's store.
OTHER_DOCKER="$TEST_TMP/.docker-other"
run docker context export fx "$TEST_TMP/fx.dockercontext"
expect_rc 0 "docker context export of the machine's context"
run env DOCKER_CONFIG="$OTHER_DOCKER" docker context import shared "$TEST_TMP/fx.dockercontext"
expect_rc 0 "... imported into another user's docker"
run env DOCKER_CONFIG="$OTHER_DOCKER" docker --context shared version --format '{{.Server.Version}}'
check "... which reaches the machine over TLS" test "$OUT" = 20.10.24
check "... with its own copy of the TLS files, no path into the store" \
	test -z "$(grep -rl "$STORE/machines" "$OTHER_DOCKER")" -a -n "$(find "$OTHER_DOCKER/contexts/tls" -name key.pem)"

# Someone else's context of that name is left alone.
docker context create other --description "mine, not machinectl's" --docker "host=tcp://127.0.0.1:9" >/dev/null 2>&1
run mc context other
check "a context of the same name that machinectl did not make: refused" test "$RC" = 1
expect_err "machinectl did not make" "... saying so"
expect_err "docker context rm other" "... and what to do"
run bash -c "docker context inspect other | jq -r '.[0].Endpoints.docker.Host'"
check "... and that context is unchanged" test "$OUT" = "tcp://127.0.0.1:9"
mc rm -y other >/dev/null 2>&1
run bash -c "docker context inspect other | jq -r '.[0].Endpoints.docker.Host'"
check "rm of a machine does not remove a context machinectl did not make" test "$OUT" = "tcp://127.0.0.1:9"

# A machine of the same name in another store: its context is not this one's.
mc -s "$TEST_TMP/store2" create --driver none --url "tcp://127.0.0.1:1" fx >/dev/null
run mc -s "$TEST_TMP/store2" context --use fx
check "context of a same-named machine of another store: refused" test "$RC" = 1
expect_err "exists for a machine \"fx\" of another machinectl store" "... saying whose it is"
run bash -c "docker context inspect fx | jq -r '.[0].Endpoints.docker.Host'"
check "... and the first store's context still reaches its machine" test "$OUT" = "tcp://127.0.0.1:$PORT"
mc -s "$TEST_TMP/store2" rm -y fx >/dev/null 2>&1
run docker context inspect fx
check "... and rm of that other machine leaves it" test "$RC" = 0
# A context made before the store was in the description: the machine's
# record of it tells whose it is.
docker context create oldfx --description "machinectl: machine oldfx" --docker "host=tcp://127.0.0.1:9" >/dev/null 2>&1
mc create --driver none --url "tcp://127.0.0.1:$PORT" oldfx >/dev/null
run mc context oldfx
check "an older machinectl's description, not recorded by this machine: refused" test "$RC" = 1
printf oldfx >"$STORE/machines/oldfx/docker-context"
run mc context oldfx
expect_out 'Updated docker context "oldfx"' "... recorded by this machine: updated"
run bash -c "docker context inspect oldfx | jq -r '.[0].Metadata.Description'"
check "... now described with its store" test "$OUT" = "machinectl: machine oldfx (store $STORE)"

# Names docker refuses: "default" and one character.
mc create --driver none --url "tcp://127.0.0.1:$PORT" default >/dev/null
run mc context
expect_rc 0 "context without NAME: the machine \"default\""
expect_out '"machinectl-default"' "... whose context is machinectl-default (docker keeps \"default\")"
run docker --context machinectl-default version --format '{{.Server.Version}}'
check "... and it reaches the machine" test "$OUT" = 20.10.24

# Bad input.
run mc context nosuch
check "an unknown machine: an error naming it" test "$RC" = 1 -a -n "$(grep nosuch <<<"$ERR")"
run mc context 'bad/name'
check "a bad name: a usage error" test "$RC" = 2
run mc context fx default
expect_rc 2 "two names: a usage error"
run env PATH=/nonexistent "$MC_BIN" context fx
check "no docker CLI: an error that says what to install" test "$RC" = 1 -a -n "$(grep "docker.io" <<<"$ERR")"
DOCKER_HOST=tcp://127.0.0.1:1 run mc context fx
expect_err "DOCKER_HOST is set" "with DOCKER_HOST set, context warns that docker prefers it"

# rm removes the context it made (the current one too: docker falls back to default).
run mc rm -y fx
expect_rc 0 "rm the machine of the current context"
run docker context inspect fx
check "... its docker context is gone" test "$RC" != 0
run current_context
check "... and docker's current context is default again" test "$OUT" = default
run mc rm -y default
run docker context ls --format '{{.Name}}'
check "rm default removes machinectl-default" bash -c "! grep -qx machinectl-default <<<'$OUT'"
# rm without a docker CLI: the machine goes, a warning says what is left.
mc create --driver none --url "tcp://127.0.0.1:$PORT" fy >/dev/null
mc context fy >/dev/null
run env PATH=/nonexistent "$MC_BIN" rm -y fy
check "rm without the docker CLI still removes the machine" test "$RC" = 0 -a ! -d "$STORE/machines/fy"
expect_err "docker context rm fy" "... and says how to remove its context"
