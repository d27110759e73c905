#!/bin/bash
# The none driver end to end: create, ls, env for every shell, config, url, ip, inspect.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

run mc create --driver none --url tcp://127.0.0.1:2376 n1
expect_rc 0 "create --driver none succeeds"
expect_out "Running pre-create checks..." "create prints the pre-create phase"
expect_out "machinectl env n1" "create ends with the env hint"
check "config.json is 0600" test "$(stat -c %a "$STORE/machines/n1/config.json")" = 600
check "the machine dir is 0700" test "$(stat -c %a "$STORE/machines/n1")" = 700
check "the store root is 0700" test "$(stat -c %a "$STORE")" = 700

run mc ls
expect_rc 0 "ls succeeds"
expect_golden ls-none.txt "ls prints docker-machine's header and the row"

for sh in bash fish powershell cmd tcsh emacs; do
	run mc env --shell "$sh" n1
	expect_golden "env-$sh.txt" "env --shell $sh matches the golden file"
	run mc env --shell "$sh" -u
	expect_golden "env-$sh-unset.txt" "env --shell $sh -u matches the golden file"
done

run env SHELL=/usr/bin/zsh machinectl env n1
expect_out 'export DOCKER_HOST="tcp://127.0.0.1:2376"' "env detects the shell from \$SHELL"
run env SHELL=/usr/bin/fish machinectl env n1
expect_out 'set -gx DOCKER_HOST "tcp://127.0.0.1:2376";' "fish is detected from \$SHELL"
run env -u SHELL machinectl env n1
expect_out "The default lines below are for a sh/bash shell" "no \$SHELL: docker-machine's hint"
expect_err "Error: Unknown shell" "no \$SHELL: Unknown shell"

eval "$(SHELL=/bin/bash machinectl env n1)"
check "eval env sets the four DOCKER_* variables" \
	test "$DOCKER_TLS_VERIFY|$DOCKER_HOST|$DOCKER_CERT_PATH|$DOCKER_MACHINE_NAME" = "1|tcp://127.0.0.1:2376|$STORE/machines/n1|n1"
unset DOCKER_TLS_VERIFY DOCKER_HOST DOCKER_CERT_PATH DOCKER_MACHINE_NAME

run env NO_PROXY=example.com machinectl env --shell bash --no-proxy n1
expect_out 'export NO_PROXY="example.com,127.0.0.1"' "--no-proxy appends the IP"
# Both set: each is extended as it was found (Go reads NO_PROXY, curl no_proxy) (issue 23, 21).
run env NO_PROXY=a.example no_proxy=b.example,127.0.0.1 machinectl env --shell bash --no-proxy n1
expect_out 'export NO_PROXY="a.example,127.0.0.1"' "--no-proxy with both: NO_PROXY extended"
expect_out 'export no_proxy="b.example,127.0.0.1"' "--no-proxy with both: no_proxy kept as it was (the IP is in it)"
run env no_proxy=b.example machinectl env --shell bash --no-proxy n1
expect_out 'export no_proxy="b.example,127.0.0.1"' "--no-proxy with only no_proxy extends it"
check "and prints no NO_PROXY" test -z "$(grep NO_PROXY <<<"$OUT")"
run env -u no_proxy -u NO_PROXY machinectl env --shell bash --no-proxy n1
expect_out 'export NO_PROXY="127.0.0.1"' "--no-proxy with neither sets NO_PROXY"
run env NO_PROXY=a no_proxy=b machinectl env --shell bash -u --no-proxy
check "-u --no-proxy with both unsets both" test "$(grep -c '^unset \(NO_PROXY\|no_proxy\)$' <<<"$OUT")" = 2

run mc config n1
expect_golden config-none.txt "config prints the docker flags"
run mc url n1
expect_out "tcp://127.0.0.1:2376" "url"
run mc ip n1
expect_out "127.0.0.1" "ip"
run mc status n1
expect_out "Running" "status of a none machine is Running"
run mc inspect -f '{{.DriverName}} {{.Driver.URL}} {{json .HostOptions.EngineOptions.Labels}}' n1
expect_out "none tcp://127.0.0.1:2376 []" "inspect -f renders fields and json"
run mc inspect n1
check "inspect prints JSON with SchemaVersion 1" grep -q '"SchemaVersion": 1' <<<"$OUT"
done_testing
