/* TLS certificates: CA, client and server certificates, the offline check.
 * OpenSSL 3 EVP and X509 APIs only (nothing deprecated). */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <libgen.h>
#include <pwd.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs.h"
#include "util.h"

static const char *const key_type_names[] = {
	[MC_CERTS_ECDSA_P256] = "ecdsa-p256",
	[MC_CERTS_RSA_2048] = "rsa-2048",
	[MC_CERTS_RSA_4096] = "rsa-4096",
};

int mc_certs_key_type_parse(const char *s, enum mc_certs_key_type *out, struct mc_error *err)
{
	if (!s || !*s) {
		*out = MC_CERTS_ECDSA_P256;
		return 0;
	}
	for (size_t i = 0; i < MC_ARRAY_SIZE(key_type_names); i++)
		if (!strcmp(s, key_type_names[i])) {
			*out = (enum mc_certs_key_type)i;
			return 0;
		}
	return mc_error_set(err, MC_E_INVALID,
			    "invalid TLS key type \"%s\": use ecdsa-p256, rsa-2048 or rsa-4096", s);
}

const char *mc_certs_key_type_name(enum mc_certs_key_type t)
{
	return (unsigned)t < MC_ARRAY_SIZE(key_type_names) ? key_type_names[t] : "ecdsa-p256";
}

/* --- cleanup helpers for OpenSSL objects --- */

static inline void x509_freep(X509 **x) { X509_free(*x); }
static inline void pkey_freep(EVP_PKEY **k) { EVP_PKEY_free(*k); }
static inline void bio_freep(BIO **b) { BIO_free(*b); }
#define _cleanup_x509_ __attribute__((cleanup(x509_freep)))
#define _cleanup_pkey_ __attribute__((cleanup(pkey_freep)))
#define _cleanup_bio_ __attribute__((cleanup(bio_freep)))

/* Set err from the OpenSSL error queue: "<what>: <reason>". */
__attribute__((format(printf, 3, 4)))
static int ossl_fail(struct mc_error *err, int code, const char *fmt, ...)
{
	char what[512], reason[256] = "unknown OpenSSL error";
	unsigned long e = ERR_peek_last_error();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	return mc_error_set(err, code, "%s: %s", what, reason);
}

/* --- paths --- */

void mc_certs_paths_init(struct mc_certs_paths *p, const struct mc_store *s, const char *ca_cert,
			 const char *ca_key, const char *client_cert, const char *client_key)
{
	const char *in[4] = { ca_cert, ca_key, client_cert, client_key };
	static const char *const def[4] = { "certs/ca.pem", "certs/ca-key.pem", "certs/cert.pem",
					    "certs/key.pem" };
	char **outp[4] = { &p->ca_cert, &p->ca_key, &p->client_cert, &p->client_key };

	*p = (struct mc_certs_paths){ 0 };
	for (int i = 0; i < 4; i++) {
		if (in[i] && *in[i]) {
			*outp[i] = mc_strdup(in[i]);
			p->custom = true;
		} else {
			*outp[i] = mc_store_path(s, def[i]);
		}
	}
}

void mc_certs_paths_free(struct mc_certs_paths *p)
{
	free(p->ca_cert);
	free(p->ca_key);
	free(p->client_cert);
	free(p->client_key);
	memset(p, 0, sizeof(*p));
}

/* --- reading and writing PEM --- */

static int load_cert(const char *path, X509 **out, struct mc_error *err)
{
	_cleanup_bio_ BIO *b = BIO_new_file(path, "r");

	if (!b) {
		ERR_clear_error();
		return mc_error_errno(err, errno ? errno : ENOENT, "cannot read certificate %s", path);
	}
	*out = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (!*out)
		return ossl_fail(err, MC_E_TLS, "%s is not a PEM certificate", path);
	return 0;
}

static int load_key(const char *path, EVP_PKEY **out, struct mc_error *err)
{
	_cleanup_bio_ BIO *b = BIO_new_file(path, "r");

	if (!b) {
		ERR_clear_error();
		return mc_error_errno(err, errno ? errno : ENOENT, "cannot read private key %s", path);
	}
	*out = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	if (!*out)
		return ossl_fail(err, MC_E_TLS, "%s is not a PEM private key (or it is encrypted)", path);
	return 0;
}

/* Write whatever `bio` holds to path atomically with mode. */
static int write_bio(BIO *b, const char *path, int mode, struct mc_error *err)
{
	char *data = NULL;
	long len = BIO_get_mem_data(b, &data);

	return mc_write_file_atomic(path, data, (size_t)len, mode, err);
}

static int write_cert(X509 *x, const char *path, struct mc_error *err)
{
	_cleanup_bio_ BIO *b = BIO_new(BIO_s_mem());

	if (!b || !PEM_write_bio_X509(b, x))
		return ossl_fail(err, MC_E_TLS, "cannot encode certificate %s", path);
	return write_bio(b, path, 0644, err);
}

static int write_key(EVP_PKEY *k, const char *path, struct mc_error *err)
{
	_cleanup_bio_ BIO *b = BIO_new(BIO_s_mem());

	if (!b || !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		return ossl_fail(err, MC_E_TLS, "cannot encode private key %s", path);
	return write_bio(b, path, 0600, err);
}

/* --- making certificates --- */

static EVP_PKEY *keygen(enum mc_certs_key_type kt, struct mc_error *err)
{
	EVP_PKEY *k = NULL;

	switch (kt) {
	case MC_CERTS_ECDSA_P256:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case MC_CERTS_RSA_2048:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		break;
	case MC_CERTS_RSA_4096:
		k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
		break;
	}
	if (!k)
		ossl_fail(err, MC_E_TLS, "cannot generate a %s key", mc_certs_key_type_name(kt));
	return k;
}

static const char *user_name(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw && pw->pw_name ? pw->pw_name : "machinectl";
}

enum cert_kind { KIND_CA, KIND_CLIENT, KIND_SERVER };

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, struct mc_error *err)
{
	X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
	int ok;

	if (!ext)
		return ossl_fail(err, MC_E_TLS, "cannot make certificate extension %s", value);
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ok)
		return ossl_fail(err, MC_E_TLS, "cannot add certificate extension %s", value);
	return 0;
}

/* A DNS name as a certificate holds it (RFC 1123 labels of letters, digits
 * and inner hyphens, at most 63 each and 253 in all; a leading "*." for a
 * wildcard; no trailing dot), the last label not all digits (RFC 3696:
 * "1.2.3.4" and "1.2.3.4.5" read as addresses). */
static bool is_dns_name(const char *s)
{
	size_t n = strlen(s);
	bool digits_only = false;

	if (!strncmp(s, "*.", 2))
		s += 2, n -= 2;
	if (!n || n > 253)
		return false;
	for (const char *label = s; *label;) {
		size_t len = strcspn(label, ".");

		if (!len || len > 63 || label[0] == '-' || label[len - 1] == '-')
			return false;
		digits_only = true;
		for (size_t i = 0; i < len; i++) {
			if (!isalnum((unsigned char)label[i]) && label[i] != '-')
				return false;
			digits_only &= isdigit((unsigned char)label[i]) != 0;
		}
		label += len;
		if (*label == '.' && !*++label)
			return false;  /* a trailing dot, or ".." */
	}
	return !digits_only;
}

static bool is_ip_text(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int mc_certs_check_san(const char *s, struct mc_error *err)
{
	if (is_ip_text(s) || is_dns_name(s))
		return 0;
	return mc_error_set(err, MC_E_INVALID,
			    "invalid subject alternative name \"%s\": expected an IP address (1.2.3.4, ::1) or a DNS name (host.example.com, *.example.com)",
			    s);
}

/* Append one SAN (IP when it parses as one, DNS otherwise), skipping duplicates. */
static int add_san(GENERAL_NAMES *gens, const char *s, struct mc_error *err)
{
	ASN1_OCTET_STRING *ip = NULL;
	GENERAL_NAME *g;

	if (mc_certs_check_san(s, err) < 0)
		return -1;
	if (is_ip_text(s))
		ip = a2i_IPADDRESS(s);
	ERR_clear_error();
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *o = sk_GENERAL_NAME_value(gens, i);

		if (ip && o->type == GEN_IPADD && !ASN1_STRING_cmp(o->d.iPAddress, ip)) {
			ASN1_OCTET_STRING_free(ip);
			return 0;
		}
		if (!ip && o->type == GEN_DNS && !strcasecmp((const char *)ASN1_STRING_get0_data(o->d.dNSName), s))
			return 0;
	}
	g = GENERAL_NAME_new();
	if (ip) {
		GENERAL_NAME_set0_value(g, GEN_IPADD, ip);
	} else {
		ASN1_IA5STRING *dns = ASN1_IA5STRING_new();

		ASN1_STRING_set(dns, s, -1);
		GENERAL_NAME_set0_value(g, GEN_DNS, dns);
	}
	sk_GENERAL_NAME_push(gens, g);
	return 0;
}

static int add_sans(X509 *x, const struct mc_certs_server_opts *o, struct mc_error *err)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	int r = -1;

	for (const char *const *s = o->ips; s && *s; s++)
		if (add_san(gens, *s, err) < 0)
			goto out;
	/* The machine's name, when it is a valid DNS name ("a..b" is a valid
	 * machine name but not a host name). */
	if (o->name && is_dns_name(o->name) && add_san(gens, o->name, err) < 0)
		goto out;
	if (add_san(gens, "localhost", err) < 0 || add_san(gens, "127.0.0.1", err) < 0)
		goto out;
	for (const char *const *s = o->sans; s && *s; s++)
		if (add_san(gens, *s, err) < 0)
			goto out;
	if (!X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT)) {
		ossl_fail(err, MC_E_TLS, "cannot add the subjectAltName extension");
		goto out;
	}
	r = 0;
out:
	GENERAL_NAMES_free(gens);
	return r;
}

/*
 * A certificate for `key` of the given kind, signed by issuer/issuer_key
 * (both NULL: self-signed, for the CA).
 */
static X509 *make_cert(enum cert_kind kind, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
		       const struct mc_certs_server_opts *so, struct mc_error *err)
{
	_cleanup_x509_ X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	BIGNUM *serial = BN_new();
	time_t nb = so && so->not_before ? so->not_before : time(NULL) - 5 * 60;
	int days = so && so->days ? so->days : MC_CERTS_VALID_DAYS;
	_cleanup_free_ char *org = NULL;
	const char *cn;
	X509V3_CTX ctx;
	bool rsa = EVP_PKEY_is_a(key, "RSA");
	X509 *ret = NULL;

	if (!x || !name || !serial) {
		ossl_fail(err, MC_E_TLS, "cannot allocate a certificate");
		goto out;
	}
	/* Subject: O= as docker-machine (the user; user.machine for servers), plus a CN. */
	switch (kind) {
	case KIND_CA:
		org = mc_strdup(user_name());
		cn = "machinectl CA";
		break;
	case KIND_CLIENT:
		org = mc_asprintf("%s.client", user_name());
		cn = "machinectl client";
		break;
	default:
		org = mc_asprintf("%s.%s", user_name(), so->name);
		cn = so->name;
		break;
	}
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0)) {
		ossl_fail(err, MC_E_TLS, "cannot set the certificate subject");
		goto out;
	}
	/* A random, positive, 128-bit serial. */
	if (!BN_rand(serial, 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) ||
	    !BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) ||
	    !X509_set_version(x, X509_VERSION_3) || !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &nb) || !X509_set_pubkey(x, key)) {
		ossl_fail(err, MC_E_TLS, "cannot fill in the certificate");
		goto out;
	}
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_subject_key_identifier, "hash", err) < 0)
		goto out;
	if (issuer && add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always", err) < 0)
		goto out;
	switch (kind) {
	case KIND_CA:
		if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE", err) < 0 ||
		    add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature", err) < 0)
			goto out;
		break;
	case KIND_CLIENT:
		if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE", err) < 0 ||
		    add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature", err) < 0 ||
		    add_ext(x, &ctx, NID_ext_key_usage, "clientAuth", err) < 0)
			goto out;
		break;
	case KIND_SERVER:
		if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE", err) < 0 ||
		    add_ext(x, &ctx, NID_key_usage,
			    rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature",
			    err) < 0 ||
		    add_ext(x, &ctx, NID_ext_key_usage, "serverAuth", err) < 0 || add_sans(x, so, err) < 0)
			goto out;
		break;
	}
	if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256())) {
		ossl_fail(err, MC_E_TLS, "cannot sign the certificate");
		goto out;
	}
	ret = MC_TAKE(x);
out:
	X509_NAME_free(name);
	BN_free(serial);
	return ret;
}

static void sync_dir_of(const char *path);

/* Where a new key waits until its certificate is in place: KEY.new. */
static char *pending_of(const char *key_path)
{
	return mc_asprintf("%s.new", key_path);
}

/*
 * Make a key + certificate and write both so that a crash never leaves a
 * certificate beside a key that is not its own, undetected: the key is
 * written as KEY.new, then the certificate, then the key is renamed into
 * place.  Killed between the last two, KEY.new is left: pair_finish() (the
 * next run) completes the pair, and the offline check refuses the machine
 * until then.
 */
static int make_pair(enum cert_kind kind, enum mc_certs_key_type kt, X509 *issuer,
		     EVP_PKEY *issuer_key, const struct mc_certs_server_opts *so,
		     const char *cert_path, const char *key_path, X509 **cert_out,
		     EVP_PKEY **key_out, struct mc_error *err)
{
	_cleanup_pkey_ EVP_PKEY *k = keygen(kt, err);
	_cleanup_x509_ X509 *x = NULL;
	_cleanup_free_ char *pending = pending_of(key_path);

	if (!k)
		return -1;
	x = make_cert(kind, k, issuer, issuer_key, so, err);
	if (!x)
		return -1;
	if (write_key(k, pending, err) < 0)
		return -1;
	mc_test_point("certs-after-key");
	if (write_cert(x, cert_path, err) < 0) {
		unlink(pending);
		return -1;
	}
	mc_test_point("certs-after-cert");
	if (rename(pending, key_path) < 0)
		return mc_error_errno(err, errno, "cannot rename %s to %s", pending, key_path);
	sync_dir_of(key_path);
	if (cert_out)
		*cert_out = MC_TAKE(x);
	if (key_out)
		*key_out = MC_TAKE(k);
	return 0;
}

/* --- the store-wide CA and client certificate --- */

/*
 * The CA is made crash-safe: its key is written to ca-key.pem.new, then the
 * certificate to ca.pem, then the key renamed into place.  A process killed
 * on the way leaves either a lone ca-key.pem.new (the certificate was never
 * written: nothing can trust or depend on that key) or ca.pem with its key
 * still in ca-key.pem.new; never a ca-key.pem without its certificate.
 * ca_finish() repairs both, under the CA lock.
 */
static char *pending_key_path(const struct mc_certs_paths *p)
{
	return pending_of(p->ca_key);
}

/* Make a rename in the directory of path durable (best effort). */
static void sync_dir_of(const char *path)
{
	_cleanup_free_ char *copy = mc_strdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int make_ca(enum mc_certs_key_type kt, const struct mc_certs_paths *p, X509 **cert_out,
		   EVP_PKEY **key_out, struct mc_error *err)
{
	_cleanup_pkey_ EVP_PKEY *k = keygen(kt, err);
	_cleanup_x509_ X509 *x = NULL;
	_cleanup_free_ char *pending = pending_key_path(p);

	if (!k)
		return -1;
	x = make_cert(KIND_CA, k, NULL, NULL, NULL, err);
	if (!x || write_key(k, pending, err) < 0)
		return -1;
	mc_test_point("certs-after-key");
	if (write_cert(x, p->ca_cert, err) < 0) {
		unlink(pending);
		return -1;
	}
	mc_test_point("certs-after-ca-cert");
	if (rename(pending, p->ca_key) < 0)
		return mc_error_errno(err, errno, "cannot rename %s to %s", pending, p->ca_key);
	sync_dir_of(p->ca_key);
	*cert_out = MC_TAKE(x);
	*key_out = MC_TAKE(k);
	return 0;
}

/*
 * Repair what an interrupted make_ca() or make_pair() left for the pair
 * cert_path + key_path (the caller holds the lock that serialises its
 * writers): a KEY.new that is the certificate's key completes the pair
 * (MC_CERTS_FINISHED_CA); any other KEY.new was never given a certificate and
 * is removed (MC_CERTS_DROPPED_KEY) — except in a directory of the user's own
 * (keep: a file of that name may be theirs).  *made is 0 when nothing was left.
 */
static int pair_finish(const char *cert_path, const char *key_path, bool keep, unsigned *made,
		       struct mc_error *err)
{
	_cleanup_free_ char *pending = pending_of(key_path);
	_cleanup_x509_ X509 *cert = NULL;
	_cleanup_pkey_ EVP_PKEY *key = NULL;
	struct mc_error ignored = { 0 };

	*made = 0;
	if (!mc_file_exists(pending))
		return 0;
	if (mc_file_exists(cert_path) && load_cert(cert_path, &cert, &ignored) == 0 &&
	    load_key(pending, &key, &ignored) == 0 && X509_check_private_key(cert, key) == 1) {
		if (rename(pending, key_path) < 0)
			return mc_error_errno(err, errno, "cannot rename %s to %s", pending, key_path);
		sync_dir_of(key_path);
		*made = MC_CERTS_FINISHED_CA;
		return 0;
	}
	ERR_clear_error();
	mc_error_clear(&ignored);
	if (keep)
		return 0;
	if (unlink(pending) < 0 && errno != ENOENT)
		return mc_error_errno(err, errno, "cannot remove %s", pending);
	*made = MC_CERTS_DROPPED_KEY;
	return 0;
}

/* The CA's pair (the caller holds the CA lock). */
static int ca_finish(const struct mc_certs_paths *p, unsigned *made, struct mc_error *err)
{
	return pair_finish(p->ca_cert, p->ca_key, p->custom, made, err);
}

/* flock a file next to the CA key, so two processes never make two CAs;
 * another command's lock is waited for as p says. */
static int lock_ca(const struct mc_certs_paths *p, int *fd, struct mc_error *err)
{
	_cleanup_free_ char *copy = mc_strdup(p->ca_key);
	_cleanup_free_ char *dir = mc_strdup(dirname(copy));
	_cleanup_free_ char *lock = mc_path_join(dir, ".certs.lock");
	int timeout_ms = p->lock_timeout_ms > 0 ? p->lock_timeout_ms : 30000;

	if (mc_mkdir_p(dir, 0700, err) < 0)
		return -1;
	*fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return mc_error_errno(err, errno, "cannot open %s", lock);
	if (mc_os_lock(*fd, mc_now_ms(), timeout_ms, p->lock_wait.fn ? &p->lock_wait : NULL) == 0)
		return 0;
	if (errno == ETIMEDOUT) {
		_cleanup_free_ char *who = mc_os_process_desc(mc_os_lock_holder(*fd));
		char el[32];

		mc_format_duration(timeout_ms, el, sizeof(el));
		mc_error_set(err, MC_E_STATE,
			     "the certificates in %s are busy: another command%s%s%s still holds their lock %s after %s; run this command again when it has finished, or end it if it hangs",
			     dir, who ? " (" : "", who ? who : "", who ? ")" : "", lock, el);
	} else {
		mc_error_errno(err, errno, "cannot lock %s", lock);
	}
	close(*fd);
	*fd = -1;
	return -1;
}

static void unlock_ca(int fd)
{
	if (fd >= 0)
		close(fd);  /* releases the flock */
}

static bool expired(X509 *x)
{
	return X509_cmp_current_time(X509_get0_notAfter(x)) <= 0;
}

static void format_time(const ASN1_TIME *t, char *buf, size_t size)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm))
		strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
	else
		snprintf(buf, size, "(unreadable date)");
}

int mc_certs_ensure(const struct mc_certs_paths *p, enum mc_certs_key_type kt, unsigned *made,
		    struct mc_error *err)
{
	_cleanup_x509_ X509 *ca = NULL, *client = NULL;
	_cleanup_pkey_ EVP_PKEY *ca_key = NULL;
	bool remake_client;
	unsigned fixed = 0, client_fixed = 0;
	int fd = -1, r = -1;

	if (made)
		*made = 0;
	if (lock_ca(p, &fd, err) < 0)
		return -1;
	if (ca_finish(p, &fixed, err) < 0)
		goto out;
	if (made)
		*made |= fixed;
	if (!mc_file_exists(p->ca_cert)) {
		if (mc_file_exists(p->ca_key)) {
			mc_error_set(err, MC_E_TLS,
				     "the CA key %s exists but its certificate %s is missing: restore the certificate, or move the key away to make a new CA",
				     p->ca_key, p->ca_cert);
			goto out;
		}
		if (make_ca(kt, p, &ca, &ca_key, err) < 0)
			goto out;
		if (made)
			*made |= MC_CERTS_MADE_CA;
	} else {
		if (load_cert(p->ca_cert, &ca, err) < 0)
			goto out;
		if (expired(ca)) {
			char when[64];

			format_time(X509_get0_notAfter(ca), when, sizeof(when));
			mc_error_set(err, MC_E_TLS,
				     "the CA certificate %s expired on %s: make a new CA with 'machinectl regenerate-certs --client-certs NAME'",
				     p->ca_cert, when);
			goto out;
		}
	}
	/* The client pair as an interrupted write left it. */
	if (pair_finish(p->client_cert, p->client_key, p->custom, &client_fixed, err) < 0)
		goto out;
	/* A finished CA may be a new one (regenerate-certs --client-certs was
	 * interrupted): the client certificate must be signed by it, and be
	 * the certificate of the client key. */
	remake_client = ca_key != NULL || fixed == MC_CERTS_FINISHED_CA ||
			!mc_file_exists(p->client_cert) || !mc_file_exists(p->client_key);
	if (!remake_client) {
		_cleanup_pkey_ EVP_PKEY *ckey = NULL;

		if (load_cert(p->client_cert, &client, err) < 0)
			goto out;
		remake_client = expired(client) || X509_check_issued(ca, client) != X509_V_OK ||
				X509_verify(client, X509_get0_pubkey(ca)) != 1 ||
				load_key(p->client_key, &ckey, NULL) < 0 ||
				X509_check_private_key(client, ckey) != 1;
		ERR_clear_error();
		if (remake_client && p->custom) {
			/* The user's own files are never replaced. */
			mc_error_set(err, MC_E_TLS,
				     "the client certificate %s is not signed by the CA %s or does not belong to the key %s: fix or replace your files",
				     p->client_cert, p->ca_cert, p->client_key);
			goto out;
		}
	}
	if (remake_client) {
		if (!ca_key && load_key(p->ca_key, &ca_key, err) < 0)
			goto out;
		if (make_pair(KIND_CLIENT, kt, ca, ca_key, NULL, p->client_cert, p->client_key, NULL,
			      NULL, err) < 0)
			goto out;
		if (made)
			*made |= MC_CERTS_MADE_CLIENT;
	}
	r = 0;
out:
	unlock_ca(fd);
	return r;
}

int mc_certs_renew_ca(const struct mc_certs_paths *p, enum mc_certs_key_type kt,
		      struct mc_error *err)
{
	_cleanup_x509_ X509 *ca = NULL;
	_cleanup_pkey_ EVP_PKEY *ca_key = NULL;
	unsigned fixed;
	int fd = -1, r = -1;

	if (lock_ca(p, &fd, err) < 0)
		return -1;
	if (ca_finish(p, &fixed, err) < 0 || make_ca(kt, p, &ca, &ca_key, err) < 0 ||
	    make_pair(KIND_CLIENT, kt, ca, ca_key, NULL, p->client_cert, p->client_key, NULL, NULL,
		      err) < 0)
		goto out;
	r = 0;
out:
	unlock_ca(fd);
	return r;
}

/* --- per machine --- */

int mc_certs_make_server(const struct mc_certs_paths *p, const struct mc_certs_server_opts *o,
			 const char *cert_path, const char *key_path, struct mc_error *err)
{
	_cleanup_x509_ X509 *ca = NULL;
	_cleanup_pkey_ EVP_PKEY *ca_key = NULL;
	_cleanup_free_ char *pending = pending_key_path(p);

	if (!o->name || !*o->name)
		return mc_error_set(err, MC_E_INVALID, "a server certificate needs a machine name");
	/* A CA whose creation was interrupted is finished first (under the lock;
	 * the common case, no pending key, takes no lock). */
	if (mc_file_exists(pending)) {
		unsigned fixed;
		int fd = -1, r;

		if (lock_ca(p, &fd, err) < 0)
			return -1;
		r = ca_finish(p, &fixed, err);
		unlock_ca(fd);
		if (r < 0)
			return -1;
	}
	if (load_cert(p->ca_cert, &ca, err) < 0 || load_key(p->ca_key, &ca_key, err) < 0)
		return -1;
	if (X509_check_private_key(ca, ca_key) != 1)
		return ossl_fail(err, MC_E_TLS, "the CA key %s does not belong to the CA certificate %s",
				 p->ca_key, p->ca_cert);
	return make_pair(KIND_SERVER, o->key_type, ca, ca_key, o, cert_path, key_path, NULL, NULL, err);
}

static int copy_file(const char *from, const char *to, int mode, struct mc_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;

	if (mc_read_file(from, &data, &len, err) < 0)
		return -1;
	return mc_write_file_atomic(to, data, len, mode, err);
}

int mc_certs_install_client(const struct mc_certs_paths *p, const char *machine_dir,
			    struct mc_error *err)
{
	_cleanup_free_ char *ca = mc_path_join(machine_dir, "ca.pem");
	_cleanup_free_ char *cert = mc_path_join(machine_dir, "cert.pem");
	_cleanup_free_ char *key = mc_path_join(machine_dir, "key.pem");

	if (copy_file(p->ca_cert, ca, 0644, err) < 0 || copy_file(p->client_cert, cert, 0644, err) < 0 ||
	    copy_file(p->client_key, key, 0600, err) < 0)
		return -1;
	return 0;
}

/* A passphrase callback that has none: an encrypted key does not load. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;
}

int mc_certs_import_pem(const char *src, const char *dst, bool key, struct mc_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_bio_ BIO *b = NULL;
	char *name = NULL, *header = NULL, *first = NULL;
	unsigned char *data = NULL;
	const char *what = key ? "a PEM private key" : "a PEM certificate";
	long len;
	size_t tlen;
	int blocks = 0, ok = 0;

	if (mc_read_file(src, &text, &tlen, err) < 0)
		return -1;
	if (tlen > 1 << 20)
		return mc_error_set(err, MC_E_INVALID, "%s is not %s (it is %zu bytes long)", src, what, tlen);
	/* Exactly one PEM block, of the expected kind: a file that is something
	 * else (a secret, a bundle with a key in it) is never copied. */
	b = BIO_new_mem_buf(text, (int)tlen);
	while (b && PEM_read_bio(b, &name, &header, &data, &len) == 1) {
		if (!blocks++) {
			first = MC_TAKE(name);
			ok = key ? (!strcmp(first, "PRIVATE KEY") || !strcmp(first, "RSA PRIVATE KEY") ||
				    !strcmp(first, "EC PRIVATE KEY")) && !strstr(header, "ENCRYPTED")
				 : !strcmp(first, "CERTIFICATE");
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		name = header = NULL;
		data = NULL;
	}
	ERR_clear_error();
	BIO_free(b);
	b = BIO_new_mem_buf(text, (int)tlen);
	if (blocks == 1 && ok) {
		if (key) {
			EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);

			ok = k != NULL;
			EVP_PKEY_free(k);
		} else {
			X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

			ok = x != NULL;
			X509_free(x);
		}
		ERR_clear_error();
	}
	if (blocks != 1 || !ok) {
		mc_error_set(err, MC_E_INVALID, "%s is not %s (%s%s%s): not copied", src, what,
			     blocks == 0 ? "no PEM block"
			     : blocks > 1 ? "more than one PEM block"
					  : "a PEM block of another kind or that does not parse",
			     blocks == 1 && first ? ": " : "", blocks == 1 && first ? first : "");
		OPENSSL_free(first);
		explicit_bzero(text, tlen);
		return -1;
	}
	OPENSSL_free(first);
	ok = mc_write_file_atomic(dst, text, tlen, key ? 0600 : 0644, err);
	explicit_bzero(text, tlen);
	return ok;
}

static json_t *auth_options(const struct mc_machine *m)
{
	return json_object_get(m->host_options, "AuthOptions");
}

int mc_certs_machine_server(const struct mc_certs_paths *p, const struct mc_machine *m,
			    const char *const *ips, struct mc_error *err)
{
	json_t *auth = auth_options(m), *sans_json = json_object_get(auth, "ServerCertSANs"), *v;
	_cleanup_free_ const char **sans = mc_calloc(json_array_size(sans_json) + 1, sizeof(char *));
	_cleanup_free_ char *cert = mc_path_join(m->dir, "server.pem");
	_cleanup_free_ char *key = mc_path_join(m->dir, "server-key.pem");
	struct mc_certs_server_opts o = { .name = m->name, .ips = ips, .sans = sans };
	size_t i, k = 0;

	if (mc_certs_key_type_parse(mc_json_str(auth, "KeyType"), &o.key_type, err) < 0) {
		mc_error_machine(err, m->name);
		return -1;
	}
	json_array_foreach(sans_json, i, v)
		if (json_is_string(v))
			sans[k++] = json_string_value(v);
	if (mc_certs_make_server(p, &o, cert, key, err) < 0) {
		mc_error_prefix(err, "cannot make its server certificate: ");
		mc_error_machine(err, m->name);
		return -1;
	}
	mc_certs_prime_check(m);
	return 0;
}

void mc_certs_prime_check(const struct mc_machine *m)
{
	struct mc_error ignored = { 0 };

	mc_certs_check_machine(m, NULL, NULL, &ignored);
}

bool mc_certs_machine_has_server(const struct mc_machine *m)
{
	_cleanup_free_ char *cert = mc_path_join(m->dir, "server.pem");

	return mc_file_exists(cert);
}

bool mc_certs_machine_server_has_ip(const struct mc_machine *m, const char *ip)
{
	_cleanup_free_ char *cert = mc_path_join(m->dir, "server.pem");
	struct mc_error e = { 0 };

	return mc_certs_file_has_ip(cert, ip, &e) == 1;
}

int mc_certs_upload_files(const struct mc_machine *m, struct mc_certs_upload *out,
			  struct mc_error *err)
{
	_cleanup_free_ char *ca = mc_path_join(m->dir, "ca.pem");
	_cleanup_free_ char *cert = mc_path_join(m->dir, "server.pem");
	_cleanup_free_ char *key = mc_path_join(m->dir, "server-key.pem");

	memset(out, 0, sizeof(*out));
	if (mc_read_file(ca, &out->ca_pem, NULL, err) < 0 ||
	    mc_read_file(cert, &out->server_pem, NULL, err) < 0 ||
	    mc_read_file(key, &out->server_key_pem, NULL, err) < 0) {
		mc_certs_upload_free(out);
		mc_error_machine(err, m->name);
		return -1;
	}
	return 0;
}

void mc_certs_upload_free(struct mc_certs_upload *u)
{
	free(u->ca_pem);
	free(u->server_pem);
	if (u->server_key_pem) {
		explicit_bzero(u->server_key_pem, strlen(u->server_key_pem));
		free(u->server_key_pem);
	}
	memset(u, 0, sizeof(*u));
}

/* --- the offline check --- */

void mc_certs_check_free(struct mc_certs_check *c)
{
	if (c) {
		free(c->cert_ips);
		c->cert_ips = NULL;
	}
}

/*
 * What a full verification established about a machine's certificate files.
 * Parsing three certificates and checking two signatures costs over a
 * millisecond with OpenSSL 3, so the result is kept in machines/NAME/.tls-check,
 * keyed by a hash of the files: `env` then reads the files, hashes them and
 * only checks dates and the IP.  Any change to a certificate changes the key.
 */
struct verified {
	char key[2 * 32 + 1];
	bool has_server;
	long long c_nb, c_na, s_nb, s_na;   /* validity (epoch seconds) of client and server */
	char ips[512];                       /* the server's IP SANs, canonical, comma-separated */
};

#define CHECK_CACHE ".tls-check"

static long long asn1_epoch(const ASN1_TIME *t)
{
	struct tm tm;

	return ASN1_TIME_to_tm(t, &tm) ? (long long)timegm(&tm) : 0;
}

/* Canonical text of an IP address ("" when s is not one). */
static void canonical_ip(const char *s, char *out, size_t size)
{
	unsigned char buf[16];

	out[0] = 0;
	if (inet_pton(AF_INET, s, buf) == 1)
		inet_ntop(AF_INET, buf, out, (socklen_t)size);
	else if (inet_pton(AF_INET6, s, buf) == 1)
		inet_ntop(AF_INET6, buf, out, (socklen_t)size);
}

/* The IP SANs of x, canonical, comma-separated, into out. */
static void ip_sans(X509 *x, char *out, size_t size)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t used = 0;

	out[0] = 0;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char txt[INET6_ADDRSTRLEN] = "";
		int len;

		if (g->type != GEN_IPADD)
			continue;
		len = ASN1_STRING_length(g->d.iPAddress);
		if (len != 4 && len != 16)
			continue;
		inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(g->d.iPAddress), txt,
			  sizeof(txt));
		if (used + strlen(txt) + 2 < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "," : "", txt);
	}
	GENERAL_NAMES_free(gens);
}

/* Does x chain to ca (issuer name and signature)? */
static int check_signed(const struct mc_machine *m, X509 *ca, X509 *x, const char *role,
			const char *path, struct mc_error *err)
{
	if (X509_check_issued(ca, x) != X509_V_OK || X509_verify(x, X509_get0_pubkey(ca)) != 1) {
		ERR_clear_error();
		return mc_error_setm(err, m->name, MC_E_TLS,
				     "the %s certificate %s was not signed by the CA in %s/ca.pem (the CA was replaced?): run 'machinectl regenerate-certs %s'",
				     role, path, m->dir, m->name);
	}
	return 0;
}

/* Is key_path the key of certificate x? */
static int check_key(const struct mc_machine *m, X509 *x, const char *role, const char *cert_path,
		     const char *key_path, struct mc_error *err)
{
	_cleanup_pkey_ EVP_PKEY *k = NULL;
	struct mc_error e = { 0 };

	if (load_key(key_path, &k, &e) < 0)
		return mc_error_setm(err, m->name, MC_E_TLS, "%s: run 'machinectl regenerate-certs %s'",
				     e.msg, m->name);
	if (X509_check_private_key(x, k) != 1) {
		ERR_clear_error();
		return mc_error_setm(err, m->name, MC_E_TLS,
				     "the %s key %s does not belong to the certificate %s (an interrupted change?): run 'machinectl regenerate-certs %s'",
				     role, key_path, cert_path, m->name);
	}
	return 0;
}

/* Parse and verify the files (the slow path); fill v on success.  paths:
 * ca, client cert, client key, server cert, server key. */
static int verify_full(const struct mc_machine *m, char *const *paths, struct verified *v,
		       struct mc_error *err)
{
	_cleanup_x509_ X509 *ca = NULL, *client = NULL, *server = NULL;
	struct mc_error e = { 0 };

	if (load_cert(paths[0], &ca, &e) < 0 || load_cert(paths[1], &client, &e) < 0 ||
	    (v->has_server && load_cert(paths[3], &server, &e) < 0))
		return mc_error_setm(err, m->name, MC_E_TLS, "%s", e.msg);
	if (check_signed(m, ca, client, "client", paths[1], err) < 0 ||
	    check_key(m, client, "client", paths[1], paths[2], err) < 0 ||
	    (server && (check_signed(m, ca, server, "server", paths[3], err) < 0 ||
			check_key(m, server, "server", paths[3], paths[4], err) < 0)))
		return -1;
	v->c_nb = asn1_epoch(X509_get0_notBefore(client));
	v->c_na = asn1_epoch(X509_get0_notAfter(client));
	if (server) {
		v->s_nb = asn1_epoch(X509_get0_notBefore(server));
		v->s_na = asn1_epoch(X509_get0_notAfter(server));
		ip_sans(server, v->ips, sizeof(v->ips));
	}
	return 0;
}

static bool read_cache(const char *path, const char *key, struct verified *v)
{
	_cleanup_free_ char *text = NULL;
	char k[sizeof(v->key)] = "", ips[sizeof(v->ips)] = "";
	int has_server = 0;

	if (mc_read_file(path, &text, NULL, NULL) < 0)
		return false;
	if (sscanf(text, "v1 %64s %d %lld %lld %lld %lld %511s", k, &has_server, &v->c_nb, &v->c_na,
		   &v->s_nb, &v->s_na, ips) < 6 || strcmp(k, key) || has_server != v->has_server)
		return false;
	snprintf(v->ips, sizeof(v->ips), "%s", strcmp(ips, "-") ? ips : "");
	return true;
}

static void write_cache(const char *path, const struct verified *v)
{
	_cleanup_free_ char *text = mc_asprintf("v1 %s %d %lld %lld %lld %lld %s\n", v->key, v->has_server,
						v->c_nb, v->c_na, v->s_nb, v->s_na,
						v->ips[0] ? v->ips : "-");

	/* Best effort: a read-only store only makes the next check slower. */
	mc_write_file_atomic(path, text, strlen(text), 0600, NULL);
}

static void format_epoch(long long t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm))
		strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
	else
		snprintf(buf, size, "(unknown date)");
}

static int check_dates(const struct mc_machine *m, const char *role, const char *path,
		       long long nb, long long na, long long now, long *days_left,
		       struct mc_error *err)
{
	char when[64];

	if (now < nb) {
		format_epoch(nb, when, sizeof(when));
		return mc_error_setm(err, m->name, MC_E_TLS,
				     "the %s certificate %s is not valid before %s: check this computer's clock",
				     role, path, when);
	}
	if (now >= na) {
		format_epoch(na, when, sizeof(when));
		return mc_error_setm(err, m->name, MC_E_TLS,
				     "the %s certificate %s expired on %s: run 'machinectl regenerate-certs %s%s'",
				     role, path, when,
				     strcmp(role, "server") ? "--client-certs " : "", m->name);
	}
	if ((na - now) / 86400 < *days_left)
		*days_left = (long)((na - now) / 86400);
	return 0;
}

static bool is_ip(const char *s)
{
	char buf[INET6_ADDRSTRLEN];

	canonical_ip(s, buf, sizeof(buf));
	return buf[0] != 0;
}

/* Is ip among the comma-separated canonical list? */
static bool ip_listed(const char *list, const char *ip)
{
	char want[INET6_ADDRSTRLEN];
	size_t n;

	canonical_ip(ip, want, sizeof(want));
	n = strlen(want);
	if (!n)
		return false;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, want, n))
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

int mc_certs_check_machine(const struct mc_machine *m, const char *ip, struct mc_certs_check *out,
			   struct mc_error *err)
{
	static const char *const names[] = { "ca.pem", "cert.pem", "key.pem", "server.pem",
					     "server-key.pem" };
	char *paths[5] = { 0 }, *data[5] = { 0 };
	size_t lens[5] = { 0 };
	_cleanup_free_ char *cache = mc_path_join(m->dir, CHECK_CACHE);
	struct mc_certs_check local = { 0 };
	struct verified v = { .key = "" };
	unsigned long long h1 = 0xcbf29ce484222325ULL, h2 = 0x84222325cbf29ce4ULL;
	long long now = (long long)time(NULL);
	int r = -1;

	if (!out)
		out = &local;
	memset(out, 0, sizeof(*out));
	out->days_left = 1L << 30;
	for (int i = 0; i < 5; i++) {
		paths[i] = mc_path_join(m->dir, names[i]);
		if (mc_read_file(paths[i], &data[i], &lens[i], NULL) < 0) {
			if (i == 3 || (i == 4 && !data[3]))
				continue;   /* no server certificate: the none driver */
			mc_error_setm(err, m->name, MC_E_TLS,
				      "%s is missing from its certificate directory %s: run 'machinectl regenerate-certs %s' to make it again",
				      names[i], m->dir, m->name);
			goto out;
		}
	}
	v.has_server = data[3] != NULL;
	/* A key whose certificate was written but which was not renamed into
	 * place yet (make_pair killed): the pair is not whole. */
	for (int i = 2; i < 5; i += 2) {
		_cleanup_free_ char *pending = pending_of(paths[i]);

		if (mc_file_exists(pending)) {
			mc_error_setm(err, m->name, MC_E_TLS,
				      "an interrupted certificate change left %s: run 'machinectl regenerate-certs %s' to finish it",
				      pending, m->name);
			goto out;
		}
	}
	out->has_server = v.has_server;

	/*
	 * The cache key: two FNV-1a hashes of the certificates and keys (a new
	 * key must be checked against its certificate again).  Not
	 * cryptographic on purpose: this path must not start OpenSSL, which
	 * alone costs about a millisecond; whoever can write these files can
	 * replace the certificates themselves anyway.  The file is 0600.
	 */
	for (int i = 0; i < 5; i++) {
		for (size_t k = 0; data[i] && k <= lens[i]; k++) {
			h1 = (h1 ^ (unsigned char)data[i][k]) * 0x100000001b3ULL;
			h2 = (h2 ^ (unsigned char)data[i][k]) * 0x100000001b3ULL;
		}
		h2 = (h2 ^ (unsigned long long)i) * 0x100000001b3ULL;
	}
	snprintf(v.key, sizeof(v.key), "%016llx%016llx%08zx", h1, h2, lens[0] + lens[1] + lens[3]);
	if (!read_cache(cache, v.key, &v)) {
		char key[sizeof(v.key)];

		memcpy(key, v.key, sizeof(key));
		if (verify_full(m, paths, &v, err) < 0)
			goto out;
		memcpy(v.key, key, sizeof(key));
		write_cache(cache, &v);
	}
	if (check_dates(m, "client", paths[1], v.c_nb, v.c_na, now, &out->days_left, err) < 0 ||
	    (v.has_server &&
	     check_dates(m, "server", paths[3], v.s_nb, v.s_na, now, &out->days_left, err) < 0))
		goto out;
	/* A host name instead of an IP (a driver's own URL): the daemon's TLS check covers it. */
	if (v.has_server && ip && is_ip(ip) && !ip_listed(v.ips, ip)) {
		/* "a,b" -> "a, b" for people */
		char *t = out->cert_ips = mc_calloc(2, sizeof(v.ips));

		for (const char *c = v.ips[0] ? v.ips : "no IP address"; *c; c++) {
			*t++ = *c;
			if (*c == ',')
				*t++ = ' ';
		}
		mc_error_setm(err, m->name, MC_E_TLS,
			      "its server certificate is valid for %s, not %s (the machine's IP address changed): run 'machinectl regenerate-certs %s' to make a new one",
			      out->cert_ips, ip, m->name);
		goto out;
	}
	out->expires_soon = out->days_left < MC_CERTS_WARN_DAYS;
	r = 0;
out:
	mc_certs_check_free(&local);
	for (int i = 0; i < 5; i++) {
		free(paths[i]);
		if (data[i])
			explicit_bzero(data[i], lens[i]);
		free(data[i]);
	}
	return r;
}

int mc_certs_file_has_ip(const char *cert_path, const char *ip, struct mc_error *err)
{
	_cleanup_x509_ X509 *x = NULL;

	if (load_cert(cert_path, &x, err) < 0)
		return -1;
	return X509_check_ip_asc(x, ip, 0) == 1;
}
