/* certs/: CA, client and server certificates for every key type, parsed back
 * with OpenSSL; the offline check; the files handed to the provisioner. */
#include "unit.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs.h"
#include "machine.h"
#include "store.h"

static X509 *load(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static int file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (int)(st.st_mode & 0777);
}

static void paths_in(struct mc_certs_paths *p, const char *dir)
{
	*p = (struct mc_certs_paths){ 0 };
	p->ca_cert = mc_path_join(dir, "ca.pem");
	p->ca_key = mc_path_join(dir, "ca-key.pem");
	p->client_cert = mc_path_join(dir, "cert.pem");
	p->client_key = mc_path_join(dir, "key.pem");
}

/* The SANs as "IP:a,DNS:b,..." */
static void sans_str(X509 *x, char *out, size_t size)
{
	GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;

	out[0] = 0;
	assert_non_null(g);
	for (int i = 0; i < sk_GENERAL_NAME_num(g); i++) {
		GENERAL_NAME *n = sk_GENERAL_NAME_value(g, i);
		const unsigned char *d;

		if (n->type == GEN_IPADD) {
			d = ASN1_STRING_get0_data(n->d.iPAddress);
			assert_int_equal(ASN1_STRING_length(n->d.iPAddress), 4);
			used += (size_t)snprintf(out + used, size - used, "%sIP:%u.%u.%u.%u", used ? "," : "",
						 d[0], d[1], d[2], d[3]);
		} else {
			assert_int_equal(n->type, GEN_DNS);
			used += (size_t)snprintf(out + used, size - used, "%sDNS:%s", used ? "," : "",
						 (const char *)ASN1_STRING_get0_data(n->d.dNSName));
		}
	}
	GENERAL_NAMES_free(g);
}

static long validity_seconds(X509 *x)
{
	int day, sec;

	assert_true(ASN1_TIME_diff(&day, &sec, X509_get0_notBefore(x), X509_get0_notAfter(x)));
	return day * 86400L + sec;
}

static void check_common(X509 *x, X509 *ca)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	int day, sec;

	assert_int_equal(BN_num_bits(bn), 128);   /* random 128-bit serial */
	assert_false(BN_is_negative(bn));
	BN_free(bn);
	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	assert_int_equal(validity_seconds(x), MC_CERTS_VALID_DAYS * 86400L);
	/* Valid from 5 minutes in the past. */
	assert_true(ASN1_TIME_diff(&day, &sec, X509_get0_notBefore(x), NULL));
	assert_int_equal(day, 0);
	assert_in_range(sec, 295, 330);
	assert_int_equal(X509_verify(x, X509_get0_pubkey(ca)), 1);
}

static void key_type_of(X509 *x, enum mc_certs_key_type kt)
{
	EVP_PKEY *k = X509_get0_pubkey(x);

	switch (kt) {
	case MC_CERTS_ECDSA_P256: {
		char group[64];

		assert_true(EVP_PKEY_is_a(k, "EC"));
		assert_true(EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), NULL));
		assert_string_equal(group, "prime256v1");
		break;
	}
	case MC_CERTS_RSA_2048:
		assert_true(EVP_PKEY_is_a(k, "RSA"));
		assert_int_equal(EVP_PKEY_get_bits(k), 2048);
		break;
	case MC_CERTS_RSA_4096:
		assert_true(EVP_PKEY_is_a(k, "RSA"));
		assert_int_equal(EVP_PKEY_get_bits(k), 4096);
		break;
	}
}

static void one_key_type(enum mc_certs_key_type kt)
{
	char *dir = unit_tmpdir();
	struct mc_certs_paths p;
	struct mc_error err = { 0 };
	unsigned made = 0;
	const char *ips[] = { "192.168.99.100", NULL };
	const char *sans[] = { "docker.example", "10.0.0.5", "127.0.0.1", "LOCALHOST", NULL };
	struct mc_certs_server_opts o = { .name = "myvm1", .ips = ips, .sans = sans, .key_type = kt };
	_cleanup_free_ char *scert = mc_path_join(dir, "server.pem");
	_cleanup_free_ char *skey = mc_path_join(dir, "server-key.pem");
	X509 *ca, *client, *server;
	char s[512];

	paths_in(&p, dir);
	assert_int_equal(mc_certs_ensure(&p, kt, &made, &err), 0);
	assert_int_equal(made, MC_CERTS_MADE_CA | MC_CERTS_MADE_CLIENT);
	assert_int_equal(mc_certs_ensure(&p, kt, &made, &err), 0);
	assert_int_equal(made, 0);  /* reused */
	assert_int_equal(mc_certs_make_server(&p, &o, scert, skey, &err), 0);
	assert_int_equal(file_mode(p.ca_key), 0600);
	assert_int_equal(file_mode(p.client_key), 0600);
	assert_int_equal(file_mode(skey), 0600);

	ca = load(p.ca_cert);
	client = load(p.client_cert);
	server = load(scert);

	/* CA: basicConstraints CA:TRUE (critical), keyCertSign + cRLSign. */
	check_common(ca, ca);
	key_type_of(ca, kt);
	assert_true(X509_get_extension_flags(ca) & EXFLAG_CA);
	assert_int_equal(X509_get_ext_by_critical(ca, 1, -1) >= 0, 1);
	assert_true(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN);
	assert_true(X509_get_key_usage(ca) & KU_CRL_SIGN);
	{
		int crit = -1;
		BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(ca, NID_basic_constraints, &crit, NULL);

		assert_non_null(bc);
		assert_true(bc->ca);
		assert_int_equal(crit, 1);
		BASIC_CONSTRAINTS_free(bc);
	}
	assert_int_equal(X509_check_ca(ca), 1);

	/* Client: clientAuth only, not a CA. */
	check_common(client, ca);
	key_type_of(client, kt);
	assert_false(X509_get_extension_flags(client) & EXFLAG_CA);
	assert_int_equal(X509_get_extended_key_usage(client), XKU_SSL_CLIENT);
	assert_int_equal(X509_check_purpose(client, X509_PURPOSE_SSL_CLIENT, 0), 1);

	/* Server: serverAuth, SANs in order without duplicates, the key type asked for. */
	check_common(server, ca);
	key_type_of(server, kt);
	assert_false(X509_get_extension_flags(server) & EXFLAG_CA);
	assert_int_equal(X509_get_extended_key_usage(server), XKU_SSL_SERVER);
	assert_int_equal(X509_check_purpose(server, X509_PURPOSE_SSL_SERVER, 0), 1);
	sans_str(server, s, sizeof(s));
	assert_string_equal(s, "IP:192.168.99.100,DNS:myvm1,DNS:localhost,IP:127.0.0.1,DNS:docker.example,IP:10.0.0.5");
	assert_int_equal(X509_check_ip_asc(server, "192.168.99.100", 0), 1);
	assert_int_equal(X509_check_ip_asc(server, "192.168.99.101", 0), 0);
	assert_int_equal(mc_certs_file_has_ip(scert, "10.0.0.5", &err), 1);
	assert_int_equal(mc_certs_file_has_ip(scert, "10.0.0.6", &err), 0);

	X509_free(ca);
	X509_free(client);
	X509_free(server);
	mc_certs_paths_free(&p);
	unit_rmdir(dir);
}

static void ecdsa_p256(void **state) { one_key_type(MC_CERTS_ECDSA_P256); }
static void rsa_2048(void **state) { one_key_type(MC_CERTS_RSA_2048); }
static void rsa_4096(void **state) { one_key_type(MC_CERTS_RSA_4096); }

static void key_types_and_bad_input(void **state)
{
	struct mc_error err = { 0 };
	enum mc_certs_key_type kt;
	char *dir = unit_tmpdir();
	struct mc_certs_paths p;
	const char *sans[] = { "not a name", NULL };
	struct mc_certs_server_opts o = { .name = "m", .sans = sans };
	_cleanup_free_ char *c = mc_path_join(dir, "s.pem"), *k = mc_path_join(dir, "s-key.pem");

	assert_int_equal(mc_certs_key_type_parse(NULL, &kt, &err), 0);
	assert_int_equal(kt, MC_CERTS_ECDSA_P256);
	assert_int_equal(mc_certs_key_type_parse("rsa-4096", &kt, &err), 0);
	assert_int_equal(kt, MC_CERTS_RSA_4096);
	assert_string_equal(mc_certs_key_type_name(MC_CERTS_RSA_2048), "rsa-2048");
	assert_int_equal(mc_certs_key_type_parse("dsa", &kt, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	mc_error_clear(&err);

	paths_in(&p, dir);
	assert_int_equal(mc_certs_ensure(&p, MC_CERTS_ECDSA_P256, NULL, &err), 0);
	assert_int_equal(mc_certs_make_server(&p, &o, c, k, &err), -1);
	assert_non_null(strstr(err.msg, "invalid subject alternative name \"not a name\""));
	mc_error_clear(&err);

	/* A name whose last label is all digits reads as an address: no SAN of
	 * its own for a machine named so, and no DNS name for --tls-san. */
	assert_int_equal(mc_certs_check_san("1.2.3.4.5", &err), -1);
	mc_error_clear(&err);
	assert_int_equal(mc_certs_check_san("node-1.10x", &err), 0);
	{
		struct mc_certs_server_opts ipname = { .name = "1.2.3.4" };
		X509 *x;
		char sn[256];

		assert_int_equal(mc_certs_make_server(&p, &ipname, c, k, &err), 0);
		x = load(c);
		sans_str(x, sn, sizeof(sn));
		assert_string_equal(sn, "DNS:localhost,IP:127.0.0.1");
		X509_free(x);
	}

	/* A CA key without its certificate is refused, never silently replaced. */
	assert_int_equal(unlink(p.ca_cert), 0);
	assert_int_equal(mc_certs_ensure(&p, MC_CERTS_ECDSA_P256, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_TLS);
	assert_non_null(strstr(err.msg, "exists but its certificate"));
	mc_certs_paths_free(&p);
	unit_rmdir(dir);
}

/* A machine in a temporary store, with its copies and server certificate. */
struct fixture {
	char *dir;
	struct mc_store store;
	struct mc_certs_paths p;
	struct mc_machine *m;
};

static void machine_setup(struct fixture *f, int days, time_t not_before)
{
	struct mc_error err = { 0 };
	_cleanup_free_ char *root = NULL;

	f->dir = unit_tmpdir();
	root = mc_path_join(f->dir, "store");
	assert_int_equal(mc_store_open(&f->store, root, &err), 0);
	assert_int_equal(mc_store_ensure(&f->store, &err), 0);
	mc_certs_paths_init(&f->p, &f->store, NULL, NULL, NULL, NULL);
	assert_false(f->p.custom);
	assert_int_equal(mc_certs_ensure(&f->p, MC_CERTS_ECDSA_P256, NULL, &err), 0);
	f->m = mc_machine_new(&f->store, "vm1", "test");
	assert_int_equal(mc_mkdir_p(f->m->dir, 0700, &err), 0);
	assert_int_equal(mc_certs_install_client(&f->p, f->m->dir, &err), 0);
	if (days) {
		const char *ips[] = { "192.168.99.101", NULL };
		struct mc_certs_server_opts o = { .name = "vm1", .ips = ips, .days = days,
						  .not_before = not_before };
		_cleanup_free_ char *c = mc_path_join(f->m->dir, "server.pem");
		_cleanup_free_ char *k = mc_path_join(f->m->dir, "server-key.pem");

		assert_int_equal(mc_certs_make_server(&f->p, &o, c, k, &err), 0);
	}
}

static void machine_teardown(struct fixture *f)
{
	mc_machine_free(f->m);
	mc_certs_paths_free(&f->p);
	mc_store_close(&f->store);
	unit_rmdir(f->dir);
}

static void check_ok_and_ip_change(void **state)
{
	struct fixture f;
	struct mc_error err = { 0 };
	struct mc_certs_check c;
	long long t0;
	const int rounds = 200;

	machine_setup(&f, 1080, 0);
	assert_true(mc_certs_machine_has_server(f.m));
	assert_int_equal(mc_certs_check_machine(f.m, "192.168.99.101", &c, &err), 0);
	assert_true(c.has_server);
	assert_false(c.expires_soon);
	assert_in_range(c.days_left, 1070, 1080);
	mc_certs_check_free(&c);

	/* The IP changed: the error names the old and new IP and the fix. */
	assert_int_equal(mc_certs_check_machine(f.m, "192.168.99.100", &c, &err), -1);
	assert_int_equal(err.code, MC_E_TLS);
	assert_string_equal(c.cert_ips, "192.168.99.101, 127.0.0.1");
	assert_non_null(strstr(err.msg, "valid for 192.168.99.101, 127.0.0.1, not 192.168.99.100"));
	assert_non_null(strstr(err.msg, "machinectl regenerate-certs vm1"));
	mc_certs_check_free(&c);
	mc_error_clear(&err);

	/* The machine's own function remakes it for the new IP. */
	{
		const char *ips[] = { "192.168.99.100", NULL };

		json_object_set_new(json_object_get(f.m->host_options, "AuthOptions"), "KeyType",
				    json_string("rsa-2048"));
		assert_int_equal(mc_certs_machine_server(&f.p, f.m, ips, &err), 0);
		assert_int_equal(mc_certs_check_machine(f.m, "192.168.99.100", NULL, &err), 0);
	}

	/* Cheap enough for every `env`: well under a millisecond without sanitizers. */
	t0 = mc_now_ms();
	for (int i = 0; i < rounds; i++)
		assert_int_equal(mc_certs_check_machine(f.m, "192.168.99.100", NULL, &err), 0);
	print_message("offline check: %.3f ms each (this build)\n",
		      (double)(mc_now_ms() - t0) / rounds);

	/* What the provisioner uploads: the CA and the server pair, never the CA key. */
	{
		struct mc_certs_upload u;

		assert_int_equal(mc_certs_upload_files(f.m, &u, &err), 0);
		assert_non_null(strstr(u.ca_pem, "BEGIN CERTIFICATE"));
		assert_non_null(strstr(u.server_pem, "BEGIN CERTIFICATE"));
		assert_non_null(strstr(u.server_key_pem, "PRIVATE KEY"));
		mc_certs_upload_free(&u);
	}
	machine_teardown(&f);
}

static void check_expired_and_soon(void **state)
{
	struct fixture f;
	struct mc_error err = { 0 };
	struct mc_certs_check c;

	machine_setup(&f, 10, time(NULL) - 40 * 86400);
	assert_int_equal(mc_certs_check_machine(f.m, "192.168.99.101", &c, &err), -1);
	assert_non_null(strstr(err.msg, "server certificate"));
	assert_non_null(strstr(err.msg, "expired on"));
	mc_certs_check_free(&c);
	machine_teardown(&f);

	mc_error_clear(&err);
	machine_setup(&f, 10, 0);
	assert_int_equal(mc_certs_check_machine(f.m, "192.168.99.101", &c, &err), 0);
	assert_true(c.expires_soon);
	assert_in_range(c.days_left, 8, 10);
	mc_certs_check_free(&c);
	machine_teardown(&f);
}

static void check_missing_and_foreign(void **state)
{
	struct fixture f;
	struct mc_error err = { 0 };
	_cleanup_free_ char *key = NULL;

	/* No server certificate (the none driver): only the client files count. */
	machine_setup(&f, 0, 0);
	assert_false(mc_certs_machine_has_server(f.m));
	assert_int_equal(mc_certs_check_machine(f.m, "10.0.0.1", NULL, &err), 0);
	key = mc_path_join(f.m->dir, "key.pem");
	assert_int_equal(unlink(key), 0);
	assert_int_equal(mc_certs_check_machine(f.m, "10.0.0.1", NULL, &err), -1);
	assert_non_null(strstr(err.msg, "key.pem is missing"));
	mc_error_clear(&err);

	/* A new CA: the machine's copies no longer match. */
	assert_int_equal(mc_certs_renew_ca(&f.p, MC_CERTS_ECDSA_P256, &err), 0);
	{
		_cleanup_free_ char *ca = mc_path_join(f.m->dir, "ca.pem");
		_cleanup_free_ char *data = NULL;
		size_t len;

		assert_int_equal(mc_read_file(f.p.ca_cert, &data, &len, &err), 0);
		assert_int_equal(mc_write_file_atomic(ca, data, len, 0644, &err), 0);
		assert_int_equal(mc_write_file_atomic(key, "x", 1, 0600, &err), 0);
	}
	assert_int_equal(mc_certs_check_machine(f.m, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "was not signed by the CA"));
	machine_teardown(&f);
}

static void copy(const char *from, const char *to)
{
	struct mc_error err = { 0 };
	_cleanup_free_ char *data = NULL;
	size_t len;

	assert_int_equal(mc_read_file(from, &data, &len, &err), 0);
	assert_int_equal(mc_write_file_atomic(to, data, len, 0600, &err), 0);
}

static bool same_file(const char *a, const char *b)
{
	struct mc_error err = { 0 };
	_cleanup_free_ char *da = NULL, *db = NULL;
	size_t la, lb;

	assert_int_equal(mc_read_file(a, &da, &la, &err), 0);
	assert_int_equal(mc_read_file(b, &db, &lb, &err), 0);
	return la == lb && !memcmp(da, db, la);
}

static bool key_matches(const char *cert, const char *key)
{
	X509 *x = load(cert);
	FILE *f = fopen(key, "r");
	EVP_PKEY *k;
	bool ok;

	assert_non_null(f);
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(k);
	ok = X509_check_private_key(x, k) == 1;
	EVP_PKEY_free(k);
	X509_free(x);
	return ok;
}

/* What a process killed inside the CA's creation leaves (ca-key.pem.new
 * alone, or with its ca.pem) is repaired by the next ensure/make_server. */
static void interrupted_ca(void **state)
{
	char *a = unit_tmpdir(), *b = unit_tmpdir();
	struct mc_certs_paths pa, pb;
	struct mc_error err = { 0 };
	unsigned made = 0;
	struct mc_certs_server_opts o = { .name = "vm1" };
	_cleanup_free_ char *pending = NULL, *scert = mc_path_join(b, "server.pem"),
			    *skey = mc_path_join(b, "server-key.pem");

	(void)state;
	paths_in(&pa, a);
	paths_in(&pb, b);
	pending = mc_asprintf("%s.new", pb.ca_key);
	assert_int_equal(mc_certs_ensure(&pa, MC_CERTS_ECDSA_P256, NULL, &err), 0);

	/* Killed before ca.pem was written: the lone key is dropped, a new CA made. */
	copy(pa.ca_key, pending);
	assert_int_equal(mc_certs_ensure(&pb, MC_CERTS_ECDSA_P256, &made, &err), 0);
	assert_int_equal(made, MC_CERTS_DROPPED_KEY | MC_CERTS_MADE_CA | MC_CERTS_MADE_CLIENT);
	assert_false(mc_file_exists(pending));
	assert_true(key_matches(pb.ca_cert, pb.ca_key));
	assert_false(same_file(pa.ca_key, pb.ca_key));

	/* A leftover key that is not ca.pem's (killed in regenerate-certs
	 * --client-certs before the new ca.pem): dropped, the CA untouched. */
	copy(pa.ca_key, pending);
	copy(pb.ca_cert, scert);
	assert_int_equal(mc_certs_ensure(&pb, MC_CERTS_ECDSA_P256, &made, &err), 0);
	assert_int_equal(made, MC_CERTS_DROPPED_KEY);
	assert_false(mc_file_exists(pending));
	assert_true(same_file(pb.ca_cert, scert));
	assert_true(key_matches(pb.ca_cert, pb.ca_key));

	/* Killed after ca.pem, before the key's rename: the key completes the CA
	 * (ca.pem is kept byte for byte) and the client certificate is remade. */
	assert_int_equal(unlink(pb.ca_key), 0);
	copy(pa.ca_cert, pb.ca_cert);
	copy(pa.ca_key, pending);
	assert_int_equal(mc_certs_ensure(&pb, MC_CERTS_ECDSA_P256, &made, &err), 0);
	assert_int_equal(made, MC_CERTS_FINISHED_CA | MC_CERTS_MADE_CLIENT);
	assert_false(mc_file_exists(pending));
	assert_true(same_file(pa.ca_cert, pb.ca_cert));
	assert_true(same_file(pa.ca_key, pb.ca_key));

	/* The same state met first by a server certificate (regenerate-certs
	 * without --client-certs): finished, then used. */
	assert_int_equal(rename(pb.ca_key, pending), 0);
	assert_int_equal(mc_certs_make_server(&pb, &o, scert, skey, &err), 0);
	assert_false(mc_file_exists(pending));
	assert_true(same_file(pa.ca_key, pb.ca_key));
	assert_true(key_matches(scert, skey));

	/* A ca-key.pem alone (not made by machinectl) is still refused. */
	assert_int_equal(unlink(pb.ca_cert), 0);
	assert_int_equal(mc_certs_ensure(&pb, MC_CERTS_ECDSA_P256, &made, &err), -1);
	assert_non_null(strstr(err.msg, "exists but its certificate"));
	mc_error_clear(&err);
	mc_certs_paths_free(&pa);
	mc_certs_paths_free(&pb);
	unit_rmdir(a);
	unit_rmdir(b);
}

/* Another command holds the lock next to the CA: the wait is told (after the
 * grace, with the holder) and ends; at the time limit the error names the
 * lock, the holder and what to do.  A free lock tells nothing. */
static void lock_busy(void **state)
{
	char *dir = unit_tmpdir();
	_cleanup_free_ char *lock = mc_path_join(dir, ".certs.lock");
	_cleanup_free_ char *want = NULL;
	struct mc_certs_paths p;
	struct mc_error err = { 0 };
	struct unit_waits w = { 0 };
	int fd;

	(void)state;
	paths_in(&p, dir);
	p.lock_timeout_ms = 1700;
	p.lock_wait = (struct mc_os_lock_wait){ unit_on_wait, &w };
	/* flock: a second open file in this process is another locker. */
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_int_equal(mc_certs_ensure(&p, MC_CERTS_ECDSA_P256, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_STATE);
	want = mc_asprintf("the certificates in %s are busy: another command", dir);
	assert_true(mc_startswith(err.msg, want));
	free(want);
	want = mc_asprintf("still holds their lock %s after 1.7s; run this command again when it has finished, or end it if it hangs",
			   lock);
	assert_non_null(strstr(err.msg, want));
	assert_int_equal(w.calls, 2);  /* at the grace, a second later */
	assert_true(w.first_ms >= MC_OS_LOCK_GRACE_MS);
	assert_int_equal(w.over, 1);
	if (access("/proc/locks", R_OK) == 0) {
		free(want);
		want = mc_asprintf("another command (pid %ld, ", (long)getpid());
		assert_int_equal(w.holder, (long)getpid());
		assert_non_null(strstr(err.msg, want));
	}
	assert_false(mc_file_exists(p.ca_cert));
	mc_error_clear(&err);
	close(fd);
	w = (struct unit_waits){ 0 };
	assert_int_equal(mc_certs_ensure(&p, MC_CERTS_ECDSA_P256, NULL, &err), 0);
	assert_int_equal(w.calls + w.over, 0);
	mc_certs_paths_free(&p);
	unit_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ecdsa_p256),
		cmocka_unit_test(rsa_2048),
		cmocka_unit_test(rsa_4096),
		cmocka_unit_test(key_types_and_bad_input),
		cmocka_unit_test(check_ok_and_ip_change),
		cmocka_unit_test(check_expired_and_soon),
		cmocka_unit_test(check_missing_and_foreign),
		cmocka_unit_test(interrupted_ca),
		cmocka_unit_test(lock_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
