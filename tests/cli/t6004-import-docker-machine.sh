#!/bin/bash
# import-docker-machine against a docker-machine store built here from
# ../shared/reference/docker-machine.md (section 2): config.json
# ConfigVersion 3 with absolute HostOptions.AuthOptions paths, certificates
# made with openssl (RSA 2048, PKCS#1, subject O= only), id_rsa made with
# ssh-keygen.  A none machine points at the TLS fixture (ls shows its Docker
# version after the import), a generic one at the sshd fixture (ssh and scp
# work after the import).  The docker-machine store is never modified.
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/tls-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
sshd_require
command -v openssl >/dev/null || { echo "1..0 # SKIP openssl is not installed"; exit 0; }
sshd_start
# kvm machines become libvirt machines, checked against the libvirt driver's
# flags: the module built here, when it is.
export MACHINECTL_DRIVER_PATH="${MC_BUILDDIR:-$(dirname "$MC_BIN")}/drivers/libvirt/.libs${MACHINECTL_DRIVER_PATH:+:$MACHINECTL_DRIVER_PATH}"
LIBVIRT=yes
[ -f "${MC_BUILDDIR:-$(dirname "$MC_BIN")}/drivers/libvirt/.libs/machinectl-driver-libvirt.so" ] || LIBVIRT=

DM="$TEST_TMP/docker-machine"
C="$DM/certs"
mkdir -p "$C" && chmod 700 "$C"

# --- certificates, the way docker-machine makes them (openssl, not machinectl) ---
openssl genrsa -traditional -out "$C/ca-key.pem" 2048 2>/dev/null
openssl req -x509 -new -key "$C/ca-key.pem" -subj "/O=tester" -days 30 -out "$C/ca.pem" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,digitalSignature,keyEncipherment 2>/dev/null
# dm_cert OUT SUBJECT EXTENSIONS: a key and a certificate signed by the CA.
dm_cert() {
	openssl genrsa -traditional -out "$1-key.pem" 2048 2>/dev/null &&
		openssl req -new -key "$1-key.pem" -subj "$2" -out "$1.csr" 2>/dev/null &&
		printf '%s\n' "$3" >"$1.ext" &&
		openssl x509 -req -in "$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca-key.pem" -CAcreateserial -days 30 \
			-extfile "$1.ext" -out "$1.pem" 2>/dev/null && rm -f "$1.csr" "$1.ext"
}
dm_cert "$C/client" "/O=tester.bootstrap" $'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature'
mv "$C/client.pem" "$C/cert.pem"
mv "$C/client-key.pem" "$C/key.pem"
chmod 600 "$C/ca-key.pem" "$C/key.pem"
check "the fixture's CA and client certificate verify (openssl)" verify "$C/ca.pem" "$C/cert.pem"

# dm_machine NAME DRIVERNAME DRIVER_JSON [VERSION]: machines/NAME as docker-machine leaves it.
dm_machine() {
	local n=$1 dn=$2 drv=$3 ver=${4:-3} d="$DM/machines/$1"
	mkdir -p "$d" && chmod 700 "$d"
	cp "$C/ca.pem" "$C/cert.pem" "$C/key.pem" "$d/"
	[ -e "$d/server.pem" ] ||
		dm_cert "$d/server" "/O=tester.$n" $'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost'
	[ -e "$d/id_rsa" ] || ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -C "" -f "$d/id_rsa"
	cat >"$d/config.json" <<-EOF
	{
	    "ConfigVersion": $ver,
	    "Driver": $drv,
	    "DriverName": "$dn",
	    "HostOptions": {
	        "Driver": "",
	        "Memory": 0,
	        "Disk": 0,
	        "EngineOptions": {
	            "ArbitraryFlags": [],
	            "Dns": null,
	            "GraphDir": "",
	            "Env": [],
	            "Ipv6": false,
	            "InsecureRegistry": [],
	            "Labels": ["env=imported"],
	            "LogLevel": "",
	            "StorageDriver": "overlay2",
	            "SelinuxEnabled": false,
	            "TlsVerify": true,
	            "RegistryMirror": [],
	            "InstallURL": "https://get.docker.com"
	        },
	        "SwarmOptions": {
	            "IsSwarm": false, "Address": "", "Discovery": "", "Agent": false, "Master": false,
	            "Host": "tcp://0.0.0.0:3376", "Image": "swarm:latest", "Strategy": "spread",
	            "Heartbeat": 0, "Overcommit": 0, "ArbitraryFlags": [], "ArbitraryJoinFlags": [],
	            "Env": null, "IsExperimental": false
	        },
	        "AuthOptions": {
	            "CertDir": "$C",
	            "CaCertPath": "$C/ca.pem",
	            "CaPrivateKeyPath": "$C/ca-key.pem",
	            "CaCertRemotePath": "",
	            "ServerCertPath": "$d/server.pem",
	            "ServerKeyPath": "$d/server-key.pem",
	            "ClientKeyPath": "$C/key.pem",
	            "ServerCertRemotePath": "",
	            "ServerKeyRemotePath": "",
	            "ClientCertPath": "$C/cert.pem",
	            "ServerCertSANs": [],
	            "StorePath": "$DM"
	        }
	    },
	    "Name": "$n"
	}
	EOF
}
base() { # base NAME [IP] [USER] [PORT]: the BaseDriver fields
	printf '"IPAddress": "%s", "MachineName": "%s", "SSHUser": "%s", "SSHPort": %s, "SSHKeyPath": "%s", "StorePath": "%s", "SwarmMaster": false, "SwarmHost": "", "SwarmDiscovery": ""' \
		"${2:-}" "$1" "${3:-docker}" "${4:-22}" "$DM/machines/$1/id_rsa" "$DM"
}

# The TLS fixture, serving with dnone's server certificate (docker-machine's CA).
mkdir -p "$DM/machines/dnone"
dm_machine dnone none "{}"
fixture_start PORT --cert "$DM/machines/dnone/server.pem" --key "$DM/machines/dnone/server-key.pem" --ca "$C/ca.pem"
check "TLS fixture started ($PORT)" test -n "$PORT"
dm_machine dnone none "{ $(base dnone), \"URL\": \"tcp://127.0.0.1:$PORT\" }"
me=$(id -un)
dm_machine dgen generic "{ $(base dgen 127.0.0.1 "$me" "$SSHD_PORT"), \"EnginePort\": 2376, \"SSHKey\": \"/home/$me/.ssh/id_rsa\" }"
sshd_authorize "$DM/machines/dgen/id_rsa.pub"
dm_machine dvbox virtualbox "{ $(base dvbox 192.168.99.100 docker 40022), \"VBoxManager\": {}, \"HostInterfaces\": {}, \"CPU\": 2, \"Memory\": 2048, \"DiskSize\": 20000, \"NatNicType\": \"82540EM\", \"Boot2DockerURL\": \"\", \"HostOnlyCIDR\": \"192.168.99.1/24\", \"HostOnlyNicType\": \"82540EM\", \"HostOnlyPromiscMode\": \"deny\", \"UIType\": \"headless\", \"NoShare\": false, \"DNSProxy\": true, \"NoVTXCheck\": false, \"ShareFolder\": \"\" }"
dm_machine dhv hyperv "{ $(base dhv 10.0.0.7), \"VSwitch\": \"External\", \"MemSize\": 1024, \"CPU\": 1, \"MacAddr\": \"\", \"VLanID\": 0, \"DisableDynamicMemory\": false, \"Boot2DockerURL\": \"\", \"DiskSize\": 20000 }"
dm_machine dkvm kvm "{ $(base dkvm 192.168.42.10), \"Memory\": 1024, \"DiskSize\": 20000, \"CPU\": 1, \"Network\": \"default\", \"PrivateNetwork\": \"docker-machines\", \"ISO\": \"$DM/machines/dkvm/boot2docker.iso\", \"Boot2DockerURL\": \"\", \"DiskPath\": \"$DM/machines/dkvm/dkvm.img\" }"
dm_machine daws amazonec2 "{ $(base daws 54.1.2.3 ubuntu), \"Region\": \"us-east-1\" }"
dm_machine dfuture none "{ $(base dfuture), \"URL\": \"tcp://127.0.0.1:1\" }" 4
dm_machine dclash none "{ $(base dclash), \"URL\": \"tcp://127.0.0.1:1\" }"
# A version 0 machine (before HostOptions): flat cert paths, no copies in its directory.
mkdir -p "$DM/machines/dold"
cat >"$DM/machines/dold/config.json" <<EOF
{ "DriverName": "none", "Driver": { "URL": "tcp://127.0.0.1:$PORT", "MachineName": "dold" },
  "Name": "dold", "CaCertPath": "$C/ca.pem", "PrivateKeyPath": "$C/ca-key.pem",
  "ServerCertPath": "$DM/machines/dnone/server.pem", "ServerKeyPath": "$DM/machines/dnone/server-key.pem" }
EOF
mkdir -p "$DM/machines/.hidden"
dm_sum() { (cd "$DM" && find . -printf '%p %m %s %T@\n' | LC_ALL=C sort && find . -type f -exec sha256sum {} + | LC_ALL=C sort); }
before=$(dm_sum)

# A machine of ours already has one of the names.
mc create --driver none --url tcp://127.0.0.1:9 dclash >/dev/null

# --- the import ---
run mc import-docker-machine --from "$DM"
expect_rc 1 "import exits 1 when some machines could not be imported"
for n in dnone dgen dvbox dhv ${LIBVIRT:+dkvm} dold; do
	expect_out "Imported \"$n\"" "$n is imported"
done
[ -n "$LIBVIRT" ] ||
	expect_err 'machine "dkvm": its settings cannot be checked as create checks them: driver "libvirt" not found' \
		"without the libvirt driver, a kvm machine is not imported, and the error says why"
expect_err 'machine "daws": docker-machine driver "amazonec2" is not supported' "an unsupported driver is reported per machine"
expect_err 'machine "dfuture":' "a config version from the future is reported"
expect_err 'machine "dclash": Docker machine "dclash" already exists' "a name clash is an error for that machine"
check "the clash left our machine alone" grep -q '"URL": "tcp://127.0.0.1:9"' "$STORE/machines/dclash/config.json"
check "the unsupported machine left nothing behind" test ! -e "$STORE/machines/daws"
check "dot-directories are skipped" test ! -e "$STORE/machines/.hidden"
if [ -n "$LIBVIRT" ]; then
	expect_out "note: best effort from the kvm driver" "the kvm import says what could not be mapped"
else
	ok "# SKIP the libvirt driver is not built"
fi
check "the docker-machine store is unchanged (paths, modes, sizes, mtimes, checksums)" test "$before" = "$(dm_sum)"

# --- what was imported ---
check "the SSH key is copied (id_rsa, 0600, byte for byte)" \
	bash -c "cmp -s '$DM/machines/dgen/id_rsa' '$STORE/machines/dgen/id_rsa' && test \$(stat -c %a '$STORE/machines/dgen/id_rsa') = 600"
check "the certificates are copied" \
	bash -c "for f in ca.pem cert.pem key.pem server.pem server-key.pem; do cmp -s '$DM/machines/dgen/'\$f '$STORE/machines/dgen/'\$f || exit 1; done"
check "private keys are 0600" test "$(stat -c %a "$STORE/machines/dgen/key.pem") $(stat -c %a "$STORE/machines/dgen/server-key.pem")" = "600 600"
check "v0: certificates come from its flat paths and the store's certs/" \
	bash -c "cmp -s '$C/ca.pem' '$STORE/machines/dold/ca.pem' && cmp -s '$C/cert.pem' '$STORE/machines/dold/cert.pem' && cmp -s '$DM/machines/dnone/server.pem' '$STORE/machines/dold/server.pem'"
run mc inspect dgen
expect_out '"DriverName": "generic"' "dgen uses our generic driver"
expect_out '"SSHPort": '"$SSHD_PORT" "its SSH port is kept"
expect_out '"env=imported"' "engine labels carry over"
run mc inspect -f '{{.Driver.VMName}} {{.Driver.SSHPort}} {{.Driver.IPAddress}} {{.Driver.HostOnlyCIDR}}' dvbox
check "virtualbox: VM name, SSH port forward, IP and host-only CIDR" test "$OUT" = "dvbox 40022 192.168.99.100 192.168.99.1/24"
run mc inspect -f '{{.DriverName}} {{.Driver.VMName}} {{.Driver.Switch}} {{.Driver.IPAddress}}' dhv
check "hyperv: VM name, switch and IP" test "$OUT" = "hyperv dhv External 10.0.0.7"
if [ -n "$LIBVIRT" ]; then
	run mc inspect -f '{{.DriverName}} {{.Driver.DomainName}} {{.Driver.IPAddress}} {{.Driver.URI}}' dkvm
	check "kvm becomes libvirt: domain, IP, URI" test "$OUT" = "libvirt dkvm 192.168.42.10 qemu:///system"
else
	ok "# SKIP the libvirt driver is not built"
fi

# --- imported machines work: ls, env, ssh, scp ---
run mc ls --filter 'name=^dnone$'
check "ls shows the none machine Running with its Docker version" grep -qE "^dnone +- +none +Running +tcp://127.0.0.1:$PORT +v20.10.24" <<<"$OUT"
run mc ls --format '{{.Name}} {{.DockerVersion}}' --filter 'name=^dold$'
check "the v0 machine answers too" test "$OUT" = "dold v20.10.24"
run mc env --shell bash dnone
expect_rc 0 "env passes the offline certificate check"
expect_out "export DOCKER_HOST=\"tcp://127.0.0.1:$PORT\"" "env points at the machine"
expect_out "export DOCKER_CERT_PATH=\"$STORE/machines/dnone\"" "with the imported certificates"
run mc env --shell bash dgen
expect_rc 0 "env for the generic machine (server certificate for 127.0.0.1)"
run mc ssh dgen echo imported-ok
expect_rc 0 "ssh to the imported generic machine"
expect_out "imported-ok" "runs the command with the imported key"
echo payload >"$TEST_TMP/payload"
run mc scp "$TEST_TMP/payload" "dgen:$TEST_TMP/payload.copy"
expect_rc 0 "scp to the imported generic machine"
check "the file arrived" cmp -s "$TEST_TMP/payload" "$TEST_TMP/payload.copy"

# --- names, MACHINE_STORAGE_PATH, the default ~/.docker/machine, again ---
run mc import-docker-machine --from "$DM" dnone
expect_rc 1 "importing a name again fails"
expect_err 'machine "dnone" already exists' "and says the machine exists"
MACHINE_STORAGE_PATH="$DM" run mc -s "$TEST_TMP/s2" import-docker-machine dnone
expect_rc 0 "MACHINE_STORAGE_PATH names the docker-machine store"
check "only the named machine is imported" test "$(ls "$TEST_TMP/s2/machines")" = dnone
mkdir -p "$TEST_TMP/home/.docker" && ln -s "$DM" "$TEST_TMP/home/.docker/machine"
HOME="$TEST_TMP/home" run mc -s "$TEST_TMP/s3" import-docker-machine dgen
expect_rc 0 "the default is ~/.docker/machine"
run mc import-docker-machine --from "$TEST_TMP/nowhere"
expect_rc 1 "a missing store fails"
expect_err "$TEST_TMP/nowhere/machines" "and names the directory"
run mc import-docker-machine --from "$DM" nosuch
expect_err 'machine "nosuch": no docker-machine machine "nosuch"' "an unknown name is reported"
check "the docker-machine store is still unchanged" test "$before" = "$(dm_sum)"

# --- a hostile docker-machine store (issue 23, 7): only PEM certificates and
# keys that parse are copied, and every field is checked as create checks it.
DM1=$DM
DM="$TEST_TMP/hostile"
mkdir -p "$DM/machines"
# dm_edit NAME PYTHON: change machines/NAME/config.json (d is the document).
dm_edit() {
	python3 - "$DM/machines/$1/config.json" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(d, open(sys.argv[1], "w"))
PY
}
printf 'hunter2-secret-password\n' >"$TEST_TMP/secret.txt" && chmod 600 "$TEST_TMP/secret.txt"
dm_machine hsecret none '{ "URL": "tcp://127.0.0.1:1" }'
rm "$DM/machines/hsecret/ca.pem"
dm_edit hsecret "d['HostOptions']['AuthOptions']['CaCertPath'] = '$TEST_TMP/secret.txt'"
dm_machine hkeyca none '{ "URL": "tcp://127.0.0.1:1" }'
rm "$DM/machines/hkeyca/ca.pem"
dm_edit hkeyca "d['HostOptions']['AuthOptions']['CaCertPath'] = '$C/key.pem'"
dm_machine hbundle none '{ "URL": "tcp://127.0.0.1:1" }'
cat "$C/key.pem" >>"$DM/machines/hbundle/cert.pem"
dm_machine hurl none '{ "URL": "tcp://$(touch PWNED):1" }'
dm_machine hesc kvm "{ $(base hesc 192.168.42.10), \"Network\": \"de\\u001b[2Jfault\" }"
dm_machine hsan none '{ "URL": "tcp://127.0.0.1:1" }'
dm_edit hsan "d['HostOptions']['AuthOptions']['ServerCertSANs'] = ['IP:1.2.3.4']"
dm_machine hlabel none '{ "URL": "tcp://127.0.0.1:1" }'
dm_edit hlabel "d['HostOptions']['EngineOptions']['Labels'] = ['\$(id)']"
dm_machine hopt none '{ "URL": "tcp://127.0.0.1:1" }'
dm_edit hopt "d['HostOptions']['EngineOptions']['ArbitraryFlags'] = ['log-level=debug\\nx']"
dm_machine hvm virtualbox "{ $(base hvm 192.168.99.100 docker 40022), \"CPU\": 1, \"Memory\": 1024 }"
dm_edit hvm "d['Driver']['MachineName'] = 'x;reboot'"
dm_machine hok none '{ "URL": "tcp://127.0.0.1:1" }'
run mc -s "$TEST_TMP/s4" import-docker-machine --from "$DM"
expect_rc 1 "a hostile store: the import fails for the hostile machines"
expect_out 'Imported "hok"' "the sound machine is imported"
expect_err 'machine "hsecret": its ca.pem: '"$TEST_TMP/secret.txt"' is not a PEM certificate (no PEM block)' \
	"a secret named as the CA certificate is refused"
expect_err 'machine "hkeyca": its ca.pem: '"$C/key.pem"' is not a PEM certificate (a PEM block of another kind or that does not parse: RSA PRIVATE KEY)' \
	"a private key named as the CA certificate is refused"
expect_err 'machine "hbundle": its cert.pem: ' "a certificate file that also holds a key is refused"
expect_err 'more than one PEM block' "because it holds more than one PEM block"
expect_err 'machine "hurl": invalid Docker URL' "a URL with \$() is refused"
expect_err 'machine "hesc": its Driver.Network holds a control character' "a control character in a driver field is refused"
expect_err 'machine "hsan": its ServerCertSANs: invalid subject alternative name "IP:1.2.3.4"' "a SAN that is no name is refused"
expect_err 'machine "hlabel": its Docker options: invalid --engine-label' "a label that is not K=V is refused"
expect_err 'machine "hopt": its Docker options: ' "a daemon option with a newline is refused"
expect_err 'machine "hvm": its VM name "x;reboot"' "a VM name with a ; is refused"
check "only the sound machine is in the store" test "$(ls "$TEST_TMP/s4/machines")" = hok
check "the secret was copied nowhere" test -z "$(grep -rl hunter2 "$TEST_TMP/s4")"
check "no command ran" test ! -e PWNED
check "the imported keys are 0600" test "$(stat -c %a "$TEST_TMP/s4/machines/hok/key.pem" "$TEST_TMP/s4/machines/hok/server-key.pem" | xargs)" = "600 600"
check "and the certificates 0644" test "$(stat -c %a "$TEST_TMP/s4/machines/hok/ca.pem")" = 644
# A refused machine whose store entry cannot be removed either (a mount point:
# rename says EBUSY; root ignores modes): the error says so, and how to remove it.
run_busy_entry import-after-reserve "$TEST_TMP/s5/machines/hsecret" \
	machinectl -s "$TEST_TMP/s5" import-docker-machine --from "$DM" hsecret
expect_rc 1 "an import that fails and cannot remove its store entry fails"
expect_err "its ca.pem: $TEST_TMP/secret.txt is not a PEM certificate (no PEM block): not copied; and its store entry could not be removed (cannot remove machine \"hsecret\": Device or resource busy): 'machinectl rm -f hsecret' removes it" \
	"... and says that its store entry is left, and how to remove it"
run mc -s "$TEST_TMP/s5" ls --format '{{.Name}} {{.State}} {{.Error}}'
check "ls shows the entry as an Error row that says how to remove it" grep -q "^hsecret Error .*rm -f hsecret" <<<"$OUT"
run mc -s "$TEST_TMP/s5" rm -f hsecret
expect_rc 0 "rm -f removes it"
check "... and nothing of it is left" test -z "$(ls -A "$TEST_TMP/s5/machines")"
DM=$DM1

# --- numbers, names and config versions, checked as create checks them ---
DM="$TEST_TMP/numbers"
# dm_raw NAME JSON: machines/NAME/config.json holding JSON, nothing else.
dm_raw() { mkdir -p "$DM/machines/$1" && printf '%s\n' "$2" >"$DM/machines/$1/config.json"; }
gen() { # gen NAME SSHPORT ENGINEPORT: a generic machine
	dm_raw "$1" "{\"ConfigVersion\": 3, \"DriverName\": \"generic\", \"Driver\": {\"IPAddress\": \"127.0.0.1\", \"SSHUser\": \"root\", \"SSHPort\": $2, \"EnginePort\": $3}}"
}
drv() { # drv NAME DRIVERNAME DRIVER_JSON
	dm_raw "$1" "{\"ConfigVersion\": 3, \"DriverName\": \"$2\", \"Driver\": $3}"
}
gen nok 45022 2376
gen neng 45022 99999
gen neng0 45022 0
gen nengneg 45022 -5
gen nengmax 45022 9223372036854775807
gen nengstr 45022 '"2376"'
gen nssh0 0 2376
gen nssh 99999 2376
drv nvcpu virtualbox '{"CPU": -3, "Memory": 1024, "DiskSize": 20000}'
drv nvmem virtualbox '{"CPU": 1, "Memory": -1, "DiskSize": 20000}'
drv nvdisk virtualbox '{"CPU": 1, "Memory": 1024, "DiskSize": 9223372036854775807}'
drv nvall virtualbox '{"CPU": -1, "Memory": 1024, "DiskSize": 20000}'
drv nhmem hyperv '{"MemSize": -1, "CPU": 1}'
drv nhcpu hyperv '{"MemSize": 1024, "CPU": 100000}'
drv nhodd hyperv '{"MemSize": 1025, "CPU": 1}'
drv nvcidr virtualbox '{"CPU": 1, "Memory": 1024, "DiskSize": 20000, "HostOnlyCIDR": "192.168.56.1/30"}'
drv nkcpu kvm '{"CPU": 0, "Memory": 1024}'
drv nkmem kvm '{"CPU": 1, "Memory": -1}'
dm_raw narray '[1, 2, 3]'
dm_raw nverstr '{"ConfigVersion": "99", "DriverName": "none", "Driver": {"URL": "tcp://127.0.0.1:1"}}'
dm_raw nverreal '{"ConfigVersion": 4.5, "DriverName": "none", "Driver": {"URL": "tcp://127.0.0.1:1"}}'
for n in é "odd name" -dash; do
	dm_raw "$n" '{"ConfigVersion": 3, "DriverName": "none", "Driver": {"URL": "tcp://127.0.0.1:1"}}'
done
run mc -s "$TEST_TMP/s5" import-docker-machine --from "$DM"
expect_rc 1 "numbers out of range: the import fails for those machines"
expect_out 'Imported "nok"' "a machine with sound numbers is imported"
expect_out 'Imported "nvall"' "virtualbox CPU -1 (all the host's CPUs, as --virtualbox-cpu-count -1) is imported"
expect_err 'machine "neng": invalid Driver.EnginePort 99999: it must be between 1 and 65535' \
	"EnginePort 99999 is refused, naming the field, its value and the range"
expect_err 'machine "neng0": invalid Driver.EnginePort 0: it must be between 1 and 65535' "EnginePort 0 is refused"
expect_err 'machine "nengneg": invalid Driver.EnginePort -5: it must be between 1 and 65535' "EnginePort -5 is refused"
expect_err 'machine "nengmax": invalid Driver.EnginePort 9223372036854775807: it must be between 1 and 65535' \
	"EnginePort INT64_MAX is refused"
expect_err 'machine "nengstr": its Driver.EnginePort "2376" is not an integer' "an EnginePort that is a string is refused"
expect_err 'machine "nssh0": SSH port 0 is out of range: use 1-65535' "SSHPort 0 is refused"
expect_err 'machine "nssh": SSH port 99999 is out of range: use 1-65535' "SSHPort 99999 is refused"
expect_err 'machine "nvcpu": its Driver.CPU: invalid --virtualbox-cpu-count -3: use 1-32, or -1' \
	"virtualbox CPU -3 is refused as --virtualbox-cpu-count -3 is"
expect_err 'machine "nvmem": invalid Driver.Memory -1: it must be between 64 and 1048576' "virtualbox Memory -1 is refused"
expect_err 'machine "nvdisk": invalid Driver.DiskSize 9223372036854775807: it must be between 1 and 2097152' \
	"virtualbox DiskSize INT64_MAX is refused"
expect_err 'machine "nhmem": invalid Driver.MemSize -1: it must be between 32 and 12582912' "hyperv MemSize -1 is refused"
expect_err 'machine "nhcpu": invalid Driver.CPU 100000: it must be between 1 and 240' "hyperv CPU 100000 is refused"
expect_err 'machine "nhodd": its Driver.MemSize: invalid --hyperv-memory 1025: Hyper-V takes memory in multiples of 2 MB' \
	"hyperv MemSize 1025 is refused as --hyperv-memory 1025 is, naming the field"
expect_err 'machine "nvcidr": its Driver.HostOnlyCIDR: invalid --virtualbox-hostonly-cidr "192.168.56.1/30"' \
	"a virtualbox HostOnlyCIDR the driver refuses is named as the field"
if [ -n "$LIBVIRT" ]; then
	expect_err 'machine "nkcpu": invalid Driver.CPU 0: it must be between 1 and 256' "kvm CPU 0 is refused"
	expect_err 'machine "nkmem": invalid Driver.Memory -1: it must be between 64 and 16777216' "kvm Memory -1 is refused"
else
	expect_err 'machine "nkcpu": its settings cannot be checked' "kvm CPU 0 is not imported (no libvirt driver)"
	expect_err 'machine "nkmem": its settings cannot be checked' "kvm Memory -1 is not imported (no libvirt driver)"
fi
expect_err 'machine "narray": '"$DM"'/machines/narray/config.json is not a docker-machine config.json: it holds a JSON array, not an object' \
	"a config.json holding an array is refused cleanly"
check "and the message has no line number" bash -c '! grep -q "line -1" <<<"$0"' "$ERR"
expect_err 'machine "nverstr": '"$DM"'/machines/nverstr/config.json: ConfigVersion "99" is not an integer' \
	"a ConfigVersion that is a string is refused"
expect_err 'machine "nverreal": '"$DM"'/machines/nverreal/config.json: ConfigVersion 4.5 is not an integer' \
	"a ConfigVersion that is a real number is refused"
expect_err "invalid machine name 'odd name'" "a directory that is no machinectl name is refused"
expect_err "rename the machine in docker-machine's store (its directory $DM/machines/odd name) to a valid name" \
	"and the message says what to do"
check "only the sound machines are in the store" test "$(ls "$TEST_TMP/s5/machines" | xargs)" = "nok nvall"
run mc -s "$TEST_TMP/s5" inspect -f '{{.Driver.CPU}}' nvall
check "virtualbox CPU -1 is kept as -1, docker-machine's record (the driver counts the CPUs when it tells VirtualBox)" \
	test "$OUT" = -1
run mc -s "$TEST_TMP/s5" inspect -f '{{.Driver.SSHPort}} {{.Driver.EnginePort}}' nok
check "the sound machine keeps its ports" test "$OUT" = "45022 2376"
# The exit status is 1 whatever the last failure was: here an invalid name.
run mc -s "$TEST_TMP/s5" import-docker-machine --from "$DM" nvcpu "odd name"
expect_rc 1 "a machine with an invalid name, failing last, makes the exit status 1 (not 2)"
run mc -s "$TEST_TMP/s5" import-docker-machine --from "$DM" é
expect_rc 1 "an invalid name alone: exit status 1"
# A path where a name belongs, or a name with no directory in the store,
# is no machine of it: no advice to rename a directory that is not there.
run mc -s "$TEST_TMP/s5" import-docker-machine --from "$DM" ../nok "$DM/machines/nok" ..
expect_rc 1 "paths and .. as names: exit status 1"
expect_err 'machine "../nok": no docker-machine machine "../nok" in '"$DM"' (name a machine of the store; the store is --from DIR)' \
	"a relative path is no machine name, and the message says how to name the store"
expect_err 'machine "'"$DM"'/machines/nok": no docker-machine machine' "an absolute path is no machine name"
check ".. is no machine" grep -qxF 'Error: machine "..": no docker-machine machine ".." in '"$DM" <<<"$ERR"
check "no advice to rename a directory that is not there" bash -c '! grep -q rename <<<"$0"' "$ERR"
# A store that is not there fails once, before any name.
run mc -s "$TEST_TMP/s5" import-docker-machine --from "$TEST_TMP/no-store" a b
expect_rc 1 "import from a missing store fails"
check "once, naming the store: $ERR" test "$ERR" = "Error: cannot read the docker-machine store $TEST_TMP/no-store/machines: No such file or directory (use --from DIR)"
run mc -s "$TEST_TMP/s5" import-docker-machine --from "$DM" --no-such-option
expect_rc 2 "a bad command line of import itself is still a usage error (2)"
DM=$DM1
done_testing
