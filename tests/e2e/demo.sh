#!/bin/bash
# The README's main-job command, as a user runs it: scripts/demo sets up,
# builds (its own, non-sanitizer build), reuses the ISO, starts libvirtd (in a
# network namespace, since CI has no service manager), creates "default" and
# prints its env; scripts/demo --stop removes everything it started.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

if [ -d /run/systemd/system ]; then
	echo "Bail out! systemd runs here: scripts/demo would use the system libvirtd outside a test namespace"
	exit 1
fi
export BUILD_DIR="$TEST_TMP/demo-build"
at_exit '"$MC_SRCDIR/scripts/demo" --stop >/dev/null 2>&1'
run "$MC_SRCDIR/scripts/demo"
expect_rc 0 "scripts/demo succeeds"
demo_err=$ERR
printf '%s\n' "$ERR" | tail -n 25 | sed 's/^/# demo: /'
expect_out 'export DOCKER_TLS_VERIFY="1"' "it prints the env of the machine"
check "DOCKER_HOST points at the VM" grep -qE '^export DOCKER_HOST="tcp://192\.168\.122\.[0-9]+:2376"$' <<<"$OUT"
expect_out 'export DOCKER_MACHINE_NAME="default"' "the machine is called default"
expect_err "Docker is up and running!" "create ran to the end"
ns=$(cat /run/machinectl-demo/netns 2>/dev/null)
check "the VM lives in a network namespace" test -n "$ns"
eval "$OUT"
run ip netns exec "$ns" docker version --format '{{.Server.Version}}'
expect_rc 0 "the printed env works with the docker client"
# The demo's last line, pasted into a fresh shell: none of the test's
# variables but the store's (which the line carries), no driver path.
line=$(printf '%s\n' "$demo_err" | tail -n 1)
echo "# the demo's last line: $line"
check "the demo ends with a command for a shell in the VM's namespace" grep -q "^ip netns exec $ns bash -c " <<<"$line"
run_stdin 'docker version --format "server {{.Server.Version}}"; echo "host=$DOCKER_HOST"' \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" bash -c "$line"
expect_rc 0 "pasted, that line works"
check "... and gives a shell whose docker client reaches the machine" grep -qE '^server [0-9]' <<<"$OUT"
check "... through the machine's DOCKER_HOST" grep -qE '^host=tcp://192\.168\.122\.[0-9]+:2376$' <<<"$OUT"
run "$MC_SRCDIR/scripts/demo" --stop
expect_rc 0 "scripts/demo --stop"
check "its network namespace is gone" test -z "$(ip netns list | grep -w "$ns")"
check "its state is gone" test ! -e /run/machinectl-demo
done_testing
