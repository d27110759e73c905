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
# A relative store path (-s or $MACHINECTL_STORAGE_PATH) is taken from where
# the command runs: the paths it prints work from any other directory.
mkdir "$TEST_TMP/here"
(cd "$TEST_TMP/here" && machinectl -s rel create -d none --url tcp://127.0.0.1:2376 r1 >/dev/null)
run bash -c "cd '$TEST_TMP/here' && MACHINECTL_STORAGE_PATH=rel machinectl env --shell bash r1"
expect_out "export DOCKER_CERT_PATH=\"$TEST_TMP/here/rel/machines/r1\"" "a relative store: env's DOCKER_CERT_PATH is absolute"
run bash -c "cd '$TEST_TMP/here' && machinectl -s rel config r1"
expect_out "--tlscacert=\"$TEST_TMP/here/rel/machines/r1/ca.pem\"" "... and so are config's paths"
run bash -c "cd '$TEST_TMP/here' && machinectl -s rel inspect -f '{{.Driver.StorePath}} {{.HostOptions.AuthOptions.CertDir}}' r1"
check "... and inspect's" test "$OUT" = "$TEST_TMP/here/rel $TEST_TMP/here/rel/certs"

run env NO_PROXY=example.com machinectl env --shell bash --no-proxy n1
expect_out 'export NO_PROXY="example.com,127.0.0.1"' "--no-proxy appends the IP"
# Both set: each is extended as it was found (Go reads NO_PROXY, curl no_proxy) (issue 23, 21).
run env NO_PROXY=a.example no_proxy=b.example,127.0.0.1 machinectl env --shell bash --no-proxy n1
expect_out 'export NO_PROXY="a.example,127.0.0.1"' "--no-proxy with both: NO_PROXY extended"
expect_out 'export no_proxy="b.example,127.0.0.1"' "--no-proxy with both: no_proxy kept as it was (the IP is in it)"
# An entry is compared without the blanks around it ("a, b"), as Go and curl read it.
run env NO_PROXY='localhost, 127.0.0.1 ,x' machinectl env --shell bash --no-proxy n1
expect_out 'export NO_PROXY="localhost, 127.0.0.1 ,x"' "--no-proxy finds the IP in a list with blanks, and adds it no second time"
run env NO_PROXY='127.0.0.10, 127.0.0.1x' machinectl env --shell bash --no-proxy n1
expect_out 'export NO_PROXY="127.0.0.10, 127.0.0.1x,127.0.0.1"' "--no-proxy: an entry that only begins with the IP is another entry"
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
# docker-machine's inspect fields, computed from our record: none of those
# scripts read is <no value>, and config.json is not changed (issue 23, 15).
cfg_before=$(md5sum <"$STORE/machines/n1/config.json")
run mc inspect -f '{{.ConfigVersion}}|{{.Driver.IPAddress}}|{{.Driver.MachineName}}|{{.Driver.SSHUser}}|{{.Driver.SSHPort}}|{{.Driver.SSHKeyPath}}|{{.Driver.StorePath}}|{{.Driver.URL}}' n1
check "inspect: ConfigVersion and the none driver's BaseDriver fields ($OUT)" \
	test "$OUT" = "3|127.0.0.1:2376|n1||0||$STORE|tcp://127.0.0.1:2376"
run mc inspect -f '{{.HostOptions.AuthOptions.CertDir}}|{{.HostOptions.AuthOptions.CaCertPath}}|{{.HostOptions.AuthOptions.CaPrivateKeyPath}}|{{.HostOptions.AuthOptions.ClientCertPath}}|{{.HostOptions.AuthOptions.ClientKeyPath}}|{{.HostOptions.AuthOptions.ServerCertPath}}|{{.HostOptions.AuthOptions.ServerKeyPath}}|{{.HostOptions.AuthOptions.StorePath}}' n1
check "inspect: the AuthOptions paths" \
	test "$OUT" = "$STORE/certs|$STORE/certs/ca.pem|$STORE/certs/ca-key.pem|$STORE/certs/cert.pem|$STORE/certs/key.pem|$STORE/machines/n1/server.pem|$STORE/machines/n1/server-key.pem|$STORE"
run mc inspect -f '{{.HostOptions.EngineOptions.TlsVerify}}|{{.HostOptions.EngineOptions.InstallURL}}|{{.HostOptions.SwarmOptions.IsSwarm}}|{{.HostOptions.SwarmOptions.Host}}|{{.HostOptions.SwarmOptions.Image}}|{{.HostOptions.SwarmOptions.Strategy}}|{{json .HostOptions.EngineOptions.Labels}}' n1
check "inspect: EngineOptions.TlsVerify, InstallURL and SwarmOptions" \
	test "$OUT" = "true||false|tcp://0.0.0.0:3376|swarm:latest|spread|[]"
run mc inspect n1
check "inspect: every field of docker-machine's schema is there" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
want = {"": ["ConfigVersion", "Driver", "DriverName", "HostOptions", "Name"],
        "Driver": ["IPAddress", "MachineName", "SSHUser", "SSHPort", "SSHKeyPath", "StorePath", "SwarmMaster", "SwarmHost", "SwarmDiscovery"],
        "HostOptions": ["Driver", "Memory", "Disk", "EngineOptions", "SwarmOptions", "AuthOptions"],
        "EngineOptions": ["ArbitraryFlags", "Dns", "GraphDir", "Env", "Ipv6", "InsecureRegistry", "Labels", "LogLevel", "StorageDriver", "SelinuxEnabled", "TlsVerify", "RegistryMirror", "InstallURL"],
        "SwarmOptions": ["IsSwarm", "Address", "Discovery", "Agent", "Master", "Host", "Image", "Strategy", "Heartbeat", "Overcommit", "ArbitraryFlags", "ArbitraryJoinFlags", "Env", "IsExperimental"],
        "AuthOptions": ["CertDir", "CaCertPath", "CaPrivateKeyPath", "CaCertRemotePath", "ServerCertPath", "ServerKeyPath", "ClientKeyPath", "ServerCertRemotePath", "ServerKeyRemotePath", "ClientCertPath", "ServerCertSANs", "StorePath"]}
obj = {"": d, "Driver": d["Driver"], "HostOptions": d["HostOptions"], "EngineOptions": d["HostOptions"]["EngineOptions"],
       "SwarmOptions": d["HostOptions"]["SwarmOptions"], "AuthOptions": d["HostOptions"]["AuthOptions"]}
missing = [k + "." + f for k, fs in want.items() for f in fs if f not in obj[k]]
print(missing); sys.exit(bool(missing))' <<<"$OUT"
check "config.json is not changed by inspect" test "$(md5sum <"$STORE/machines/n1/config.json")" = "$cfg_before"
check "and holds no ConfigVersion" test -z "$(grep ConfigVersion "$STORE/machines/n1/config.json")"
run mc inspect n1
check "inspect prints JSON with SchemaVersion 1" grep -q '"SchemaVersion": 1' <<<"$OUT"

# A URL edited into config.json that is not tcp://HOST:PORT: ip refuses it as
# url and env do, and never prints a piece of it.
mc create --driver none --url tcp://127.0.0.1:2376 n2 >/dev/null
cfg="$STORE/machines/n2/config.json"
for u in 'tcp://' 'tcp://[:2376' $'tcp://\e]0;X\a$(id):2376'; do
	jq --arg u "$u" '.Driver.URL = $u' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg" && chmod 600 "$cfg"
	run mc ip n2
	expect_rc 1 "ip of a none machine whose URL is $(printf %q "$u") fails"
	expect_err "the URL in the machine's config.json is not tcp://HOST:PORT: fix it there" "... saying where to fix it"
	check "... and prints nothing" test -z "$OUT"
done
done_testing
