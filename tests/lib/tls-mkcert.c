/*
 * tls-mkcert: make test certificates with machinectl's own certs/ code, for
 * the CLI tests and the benchmark (which time it beside `openssl req`).
 *
 *   tls-mkcert ca DIR [KEYTYPE]
 *       DIR/{ca.pem,ca-key.pem,cert.pem,key.pem}: a new CA and client certificate
 *   tls-mkcert server CA_DIR OUT_CERT OUT_KEY NAME [options]
 *       a server certificate signed by CA_DIR/ca.pem + ca-key.pem, with
 *       --ip IP (repeatable), --san NAME (repeatable), --key-type T,
 *       --days N, --start-days-ago N (back-dates it: expired certificates)
 */
#include "buildconf.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "certs.h"
#include "util.h"

static void paths_in(struct mc_certs_paths *p, const char *dir)
{
	p->ca_cert = mc_path_join(dir, "ca.pem");
	p->ca_key = mc_path_join(dir, "ca-key.pem");
	p->client_cert = mc_path_join(dir, "cert.pem");
	p->client_key = mc_path_join(dir, "key.pem");
	p->custom = true;
}

int main(int argc, char **argv)
{
	struct mc_certs_paths p = { 0 };
	struct mc_error err = { 0 };
	enum mc_certs_key_type kt = MC_CERTS_ECDSA_P256;
	int rc = 1;

	if (argc >= 3 && !strcmp(argv[1], "ca")) {
		paths_in(&p, argv[2]);
		if (mc_mkdir_p(argv[2], 0700, &err) == 0 &&
		    mc_certs_key_type_parse(argc > 3 ? argv[3] : NULL, &kt, &err) == 0 &&
		    mc_certs_renew_ca(&p, kt, &err) == 0)
			rc = 0;
	} else if (argc >= 6 && !strcmp(argv[1], "server")) {
		const char *ips[16] = { 0 }, *sans[16] = { 0 };
		size_t nip = 0, nsan = 0;
		struct mc_certs_server_opts o = { .name = argv[5], .ips = ips, .sans = sans };

		paths_in(&p, argv[2]);
		for (int i = 6; i + 1 < argc; i += 2) {
			const char *v = argv[i + 1];

			if (!strcmp(argv[i], "--ip") && nip < 15)
				ips[nip++] = v;
			else if (!strcmp(argv[i], "--san") && nsan < 15)
				sans[nsan++] = v;
			else if (!strcmp(argv[i], "--key-type") && mc_certs_key_type_parse(v, &o.key_type, &err) < 0)
				goto out;
			else if (!strcmp(argv[i], "--days"))
				o.days = atoi(v);
			else if (!strcmp(argv[i], "--start-days-ago"))
				o.not_before = time(NULL) - (time_t)atoi(v) * 86400;
		}
		if (mc_certs_make_server(&p, &o, argv[3], argv[4], &err) == 0)
			rc = 0;
	} else {
		fputs("usage: tls-mkcert ca DIR [KEYTYPE] | tls-mkcert server CA_DIR CERT KEY NAME [--ip IP]... [--san S]... [--key-type T] [--days N] [--start-days-ago N]\n",
		      stderr);
		return 2;
	}
out:
	if (rc)
		fprintf(stderr, "tls-mkcert: %s\n", err.msg);
	mc_certs_paths_free(&p);
	return rc;
}
