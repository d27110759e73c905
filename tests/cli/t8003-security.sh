#!/bin/bash
# Security: file modes after every verb that writes (store directories 0700,
# private keys and configs 0600), the files provisioning uploads (never the
# CA key), and no private key material in --debug output.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

modes_ok() { # every directory 0700; keys and config.json 0600; nothing group/world-writable
	local bad
	bad=$( (cd "$STORE" && find . -type d ! -perm 700 -printf 'dir %p %m\n'
		find . -type f \( -name '*key*.pem' -o -name 'id_ed25519' -o -name 'id_rsa' -o -name 'config.json' \) \
			! -perm 600 -printf 'file %p %m\n'
		find . -perm /022 -printf 'writable %p %m\n') )
	[ -z "$bad" ] || { echo "$bad" | sed 's/^/#   /'; return 1; }
}

debug_log=$TEST_TMP/debug.log
: >"$debug_log"
step() { # step VERB...: run it with --debug, then check the modes
	run mc --debug "$@"
	printf '%s\n%s\n' "$OUT" "$ERR" >>"$debug_log"
	check "after '$*' (exit $RC): store modes are 0700/0600" modes_ok
}
umask 022
step create -d test m1
step create -d none --url tcp://127.0.0.1:2376 m2
step stop m1
step start m1
step restart m1
step kill m1
step start m1
step regenerate-certs -f m1
step regenerate-certs -f --client-certs m1
step rm -y m2
step create -d test m3
step rm -f m3

# No private key in --debug output (the verbs above, all of them).
check "no PEM private key in --debug output" test -z "$(grep -E 'PRIVATE KEY|BEGIN OPENSSH' "$debug_log")"
keys_in_log=0
for k in "$STORE"/certs/ca-key.pem "$STORE"/certs/key.pem "$STORE"/machines/m1/server-key.pem "$STORE"/machines/m1/key.pem; do
	[ -f "$k" ] || continue
	# any 40-character run of the key's base64 body
	body=$(grep -v -- '-----' "$k" | tr -d '\n' | cut -c 20-60)
	grep -qF -- "$body" "$debug_log" && keys_in_log=$((keys_in_log + 1))
done
check "no key material from the store in --debug output" test "$keys_in_log" = 0
check "--debug logged something (the check is not vacuous)" test -s "$debug_log"

# The files provisioning writes into the guest: exactly the CA certificate,
# the server certificate and key, and the profile or the drop-in.  Never the
# CA key (ca-key.pem) or the client key.
uploads=$(grep -oE 'upload_root\(s, p, [^,]+, "[^"]+"' "$MC_SRCDIR/src/provision.c" | sed -E 's/.*"([^"]+)"$/\1/' | LC_ALL=C sort | xargs)
check "provisioning uploads only ca.pem, server.pem, server-key.pem, profile, the drop-in ($uploads)" \
	test "$uploads" = "10-machinectl.conf ca.pem profile server-key.pem server.pem"
check "the upload set comes from mc_certs_upload_files: ca.pem, server.pem, server-key.pem" \
	test "$(sed -n '/^int mc_certs_upload_files/,/^}/p' "$MC_SRCDIR/certs/certs.c" | grep -oE '"[a-z-]+\.pem"' | tr -d '"' | xargs)" = 'ca.pem server.pem server-key.pem'
check "nothing in the provisioner reads the CA key" test -z "$(grep -n 'ca-key\|ca_key' "$MC_SRCDIR/src/provision.c")"
done_testing
