/*
 * OpenSSL (libcrypto and libssl), loaded on first use (the way
 * src/curl-lazy.c loads libcurl).
 *
 * Linked, libcrypto.so.3 and libssl.so.3 cost every machinectl process about
 * 3.5 M instructions of symbol lookups and relocations in the dynamic loader
 * before main() — over 90% of `machinectl env`, which with a valid offline
 * check cache (certs/certs.c, machines/NAME/.tls-check) calls no OpenSSL
 * function at all (doc/performance.md).  These trampolines dlopen() the
 * library the first time one of its functions is called: making or checking
 * certificates, the Engine API client (inside libcurl's TLS set-up, when
 * libcurl has loaded libssl already), ISO checksums.
 *
 * Adding an OpenSSL call elsewhere?  Give it a line below (the link fails with
 * "undefined reference to X509_..." until then).  Macros such as
 * sk_GENERAL_NAME_num() or SSL_CTX_set_mode() expand to the functions listed
 * here (OPENSSL_sk_num, SSL_CTX_ctrl).
 */
#include "buildconf.h"

#include <stdarg.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lazy.h"

struct mc_lazy_lib mc_lazy_libcrypto = MC_LAZY_LIB("libcrypto.so.3", "libssl3");
static struct mc_lazy_lib *const ssl_before[] = { &mc_lazy_libcrypto, NULL };
struct mc_lazy_lib mc_lazy_libssl = MC_LAZY_LIB_AFTER("libssl.so.3", "libssl3", ssl_before);

#define C(ret, name, params, args) MC_LAZY(mc_lazy_libcrypto, ret, name, params, args)
#define S(ret, name, params, args) MC_LAZY(mc_lazy_libssl, ret, name, params, args)

/* ASN.1 strings, times, integers */
C(ASN1_IA5STRING *, ASN1_IA5STRING_new, (void), ())
C(void, ASN1_OCTET_STRING_free, (ASN1_OCTET_STRING *a), (a))
C(int, ASN1_STRING_cmp, (const ASN1_STRING *a, const ASN1_STRING *b), (a, b))
C(const unsigned char *, ASN1_STRING_get0_data, (const ASN1_STRING *x), (x))
C(int, ASN1_STRING_length, (const ASN1_STRING *x), (x))
C(int, ASN1_STRING_set, (ASN1_STRING *str, const void *data, int len), (str, data, len))
C(int, ASN1_TIME_to_tm, (const ASN1_TIME *s, struct tm *tm), (s, tm))
C(ASN1_OCTET_STRING *, a2i_IPADDRESS, (const char *ipasc), (ipasc))

/* BIO, BIGNUM, errors, ex_data, stacks */
C(long, BIO_ctrl, (BIO *bp, int cmd, long larg, void *parg), (bp, cmd, larg, parg))
C(int, BIO_free, (BIO *a), (a))
C(BIO *, BIO_new, (const BIO_METHOD *type), (type))
C(BIO *, BIO_new_file, (const char *filename, const char *mode), (filename, mode))
C(BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len))
C(const BIO_METHOD *, BIO_s_mem, (void), ())
C(void, BN_free, (BIGNUM *a), (a))
C(BIGNUM *, BN_new, (void), ())
C(int, BN_rand, (BIGNUM *rnd, int bits, int top, int bottom), (rnd, bits, top, bottom))
C(ASN1_INTEGER *, BN_to_ASN1_INTEGER, (const BIGNUM *bn, ASN1_INTEGER *ai), (bn, ai))
C(int, CRYPTO_get_ex_new_index,
  (int class_index, long argl, void *argp, CRYPTO_EX_new *new_func, CRYPTO_EX_dup *dup_func,
   CRYPTO_EX_free *free_func),
  (class_index, argl, argp, new_func, dup_func, free_func))
C(void, CRYPTO_free, (void *ptr, const char *file, int line), (ptr, file, line))
C(void, ERR_clear_error, (void), ())
C(void, ERR_error_string_n, (unsigned long e, char *buf, size_t len), (e, buf, len))
C(unsigned long, ERR_peek_last_error, (void), ())
C(OPENSSL_STACK *, OPENSSL_sk_new_null, (void), ())
C(int, OPENSSL_sk_num, (const OPENSSL_STACK *st), (st))
C(void, OPENSSL_sk_pop_free, (OPENSSL_STACK *st, void (*func)(void *)), (st, func))
C(int, OPENSSL_sk_push, (OPENSSL_STACK *st, const void *data), (st, data))
C(void *, OPENSSL_sk_value, (const OPENSSL_STACK *st, int i), (st, i))

/* digests and keys */
C(int, EVP_Digest,
  (const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type,
   ENGINE *impl),
  (data, count, md, size, type, impl))
C(int, EVP_DigestFinal_ex, (EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s), (ctx, md, s))
C(int, EVP_DigestInit_ex, (EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl), (ctx, type, impl))
C(int, EVP_DigestUpdate, (EVP_MD_CTX *ctx, const void *d, size_t cnt), (ctx, d, cnt))
C(void, EVP_MD_CTX_free, (EVP_MD_CTX *ctx), (ctx))
C(EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
C(void, EVP_PKEY_free, (EVP_PKEY *pkey), (pkey))
C(int, EVP_PKEY_is_a, (const EVP_PKEY *pkey, const char *name), (pkey, name))
C(const EVP_MD *, EVP_sha256, (void), ())

/* The variadic one: its one extra argument follows from the key type, as in
 * OpenSSL's own EVP_RSA_gen() (size_t bits) and EVP_EC_gen() (a curve name). */
EVP_PKEY *EVP_PKEY_Q_keygen(OSSL_LIB_CTX *libctx, const char *propq, const char *type, ...)
{
	static EVP_PKEY *(*fp_)(OSSL_LIB_CTX *, const char *, const char *, ...);
	EVP_PKEY *(*f)(OSSL_LIB_CTX *, const char *, const char *, ...) =
		__atomic_load_n(&fp_, __ATOMIC_RELAXED);
	EVP_PKEY *k;
	va_list ap;

	if (!f) {
		f = (EVP_PKEY * (*)(OSSL_LIB_CTX *, const char *, const char *, ...))
			mc_lazy_sym(&mc_lazy_libcrypto, "EVP_PKEY_Q_keygen");
		__atomic_store_n(&fp_, f, __ATOMIC_RELAXED);
	}
	va_start(ap, type);
	if (!strcmp(type, "RSA") || !strcmp(type, "RSA-PSS"))
		k = f(libctx, propq, type, va_arg(ap, size_t));
	else if (!strcmp(type, "EC") || !strcmp(type, "SM2"))
		k = f(libctx, propq, type, va_arg(ap, char *));
	else
		k = f(libctx, propq, type);   /* X25519, ED25519...: no parameter */
	va_end(ap);
	return k;
}

/* PEM */
C(int, PEM_read_bio, (BIO *bp, char **name, char **header, unsigned char **data, long *len),
  (bp, name, header, data, len))
C(EVP_PKEY *, PEM_read_bio_PrivateKey, (BIO *out, EVP_PKEY **x, pem_password_cb *cb, void *u),
  (out, x, cb, u))
C(X509 *, PEM_read_bio_X509, (BIO *out, X509 **x, pem_password_cb *cb, void *u), (out, x, cb, u))
C(int, PEM_write_bio_PrivateKey,
  (BIO *out, const EVP_PKEY *x, const EVP_CIPHER *enc, const unsigned char *kstr, int klen,
   pem_password_cb *cb, void *u),
  (out, x, enc, kstr, klen, cb, u))
C(int, PEM_write_bio_X509, (BIO *out, const X509 *x), (out, x))

/* X.509 certificates, names, extensions, stores */
C(void, GENERAL_NAMES_free, (GENERAL_NAMES *a), (a))
C(GENERAL_NAME *, GENERAL_NAME_new, (void), ())
C(void, GENERAL_NAME_set0_value, (GENERAL_NAME *a, int type, void *value), (a, type, value))
C(X509_EXTENSION *, X509V3_EXT_nconf_nid, (CONF *conf, X509V3_CTX *ctx, int ext_nid, const char *value),
  (conf, ctx, ext_nid, value))
C(void, X509V3_set_ctx,
  (X509V3_CTX *ctx, X509 *issuer, X509 *subject, X509_REQ *req, X509_CRL *crl, int flags),
  (ctx, issuer, subject, req, crl, flags))
C(void, X509_EXTENSION_free, (X509_EXTENSION *a), (a))
C(int, X509_NAME_add_entry_by_txt,
  (X509_NAME *name, const char *field, int type, const unsigned char *bytes, int len, int loc, int set),
  (name, field, type, bytes, len, loc, set))
C(void, X509_NAME_free, (X509_NAME *a), (a))
C(X509_NAME *, X509_NAME_new, (void), ())
C(char *, X509_NAME_oneline, (const X509_NAME *a, char *buf, int size), (a, buf, size))
C(X509 *, X509_STORE_CTX_get0_cert, (const X509_STORE_CTX *ctx), (ctx))
C(int, X509_STORE_CTX_get_error, (const X509_STORE_CTX *ctx), (ctx))
C(int, X509_STORE_CTX_get_error_depth, (const X509_STORE_CTX *ctx), (ctx))
C(void *, X509_STORE_CTX_get_ex_data, (const X509_STORE_CTX *ctx, int idx), (ctx, idx))
C(int, X509_STORE_add_cert, (X509_STORE *ctx, X509 *x), (ctx, x))
C(int, X509_add1_ext_i2d, (X509 *x, int nid, void *value, int crit, unsigned long flags),
  (x, nid, value, crit, flags))
C(int, X509_add_ext, (X509 *x, X509_EXTENSION *ex, int loc), (x, ex, loc))
C(int, X509_check_ip_asc, (X509 *x, const char *ipasc, unsigned int flags), (x, ipasc, flags))
C(int, X509_check_issued, (X509 *issuer, X509 *subject), (issuer, subject))
C(int, X509_check_private_key, (const X509 *x509, const EVP_PKEY *pkey), (x509, pkey))
C(int, X509_cmp_current_time, (const ASN1_TIME *s), (s))
C(void, X509_free, (X509 *a), (a))
C(const ASN1_TIME *, X509_get0_notAfter, (const X509 *x), (x))
C(const ASN1_TIME *, X509_get0_notBefore, (const X509 *x), (x))
C(EVP_PKEY *, X509_get0_pubkey, (const X509 *x), (x))
C(void *, X509_get_ext_d2i, (const X509 *x, int nid, int *crit, int *idx), (x, nid, crit, idx))
C(X509_NAME *, X509_get_issuer_name, (const X509 *a), (a))
C(ASN1_INTEGER *, X509_get_serialNumber, (X509 *x), (x))
C(X509_NAME *, X509_get_subject_name, (const X509 *a), (a))
C(ASN1_TIME *, X509_getm_notAfter, (const X509 *x), (x))
C(ASN1_TIME *, X509_getm_notBefore, (const X509 *x), (x))
C(X509 *, X509_new, (void), ())
C(int, X509_set_issuer_name, (X509 *x, const X509_NAME *name), (x, name))
C(int, X509_set_pubkey, (X509 *x, EVP_PKEY *pkey), (x, pkey))
C(int, X509_set_subject_name, (X509 *x, const X509_NAME *name), (x, name))
C(int, X509_set_version, (X509 *x, long version), (x, version))
C(int, X509_sign, (X509 *x, EVP_PKEY *pkey, const EVP_MD *md), (x, pkey, md))
C(ASN1_TIME *, X509_time_adj_ex, (ASN1_TIME *s, int offset_day, long offset_sec, time_t *t),
  (s, offset_day, offset_sec, t))
C(int, X509_verify, (X509 *a, EVP_PKEY *r), (a, r))
C(int, X509_VERIFY_PARAM_set1_host, (X509_VERIFY_PARAM *param, const char *name, size_t namelen),
  (param, name, namelen))
C(int, X509_VERIFY_PARAM_set1_ip_asc, (X509_VERIFY_PARAM *param, const char *ipasc), (param, ipasc))
C(void, X509_VERIFY_PARAM_set_hostflags, (X509_VERIFY_PARAM *param, unsigned int flags), (param, flags))
C(const char *, X509_verify_cert_error_string, (long n), (n))

/* libssl: the Engine API client's TLS set-up (CURLOPT_SSL_CTX_FUNCTION), by
 * then libcurl has loaded libssl.so.3 itself */
S(void, SSL_CTX_sess_set_new_cb, (SSL_CTX *ctx, int (*new_session_cb)(SSL *s, SSL_SESSION *sess)),
  (ctx, new_session_cb))
S(SSL_SESSION *, d2i_SSL_SESSION, (SSL_SESSION **a, const unsigned char **pp, long length), (a, pp, length))
S(int, i2d_SSL_SESSION, (const SSL_SESSION *in, unsigned char **pp), (in, pp))
S(int, SSL_set_session, (SSL *s, SSL_SESSION *session), (s, session))
S(void, SSL_SESSION_free, (SSL_SESSION *ses), (ses))
S(int, SSL_SESSION_is_resumable, (const SSL_SESSION *s), (s))
S(long, SSL_SESSION_get_time, (const SSL_SESSION *s), (s))
S(int, SSL_session_reused, (const SSL *s), (s))
S(int, SSL_CTX_check_private_key, (const SSL_CTX *ctx), (ctx))
S(X509_VERIFY_PARAM *, SSL_CTX_get0_param, (SSL_CTX *ctx), (ctx))
S(long, SSL_CTX_ctrl, (SSL_CTX *ctx, int cmd, long larg, void *parg), (ctx, cmd, larg, parg))
S(X509_STORE *, SSL_CTX_get_cert_store, (const SSL_CTX *ctx), (ctx))
S(void *, SSL_CTX_get_ex_data, (const SSL_CTX *ctx, int idx), (ctx, idx))
S(int, SSL_CTX_get_verify_mode, (const SSL_CTX *ctx), (ctx))
S(int, SSL_CTX_set_ex_data, (SSL_CTX *ctx, int idx, void *data), (ctx, idx, data))
S(void, SSL_CTX_set_info_callback, (SSL_CTX *ctx, void (*cb)(const SSL *s, int type, int val)),
  (ctx, cb))
S(void, SSL_CTX_set_verify, (SSL_CTX *ctx, int mode, SSL_verify_cb callback), (ctx, mode, callback))
S(int, SSL_CTX_use_PrivateKey, (SSL_CTX *ctx, EVP_PKEY *pkey), (ctx, pkey))
S(int, SSL_CTX_use_certificate, (SSL_CTX *ctx, X509 *x), (ctx, x))
S(const char *, SSL_alert_desc_string_long, (int value), (value))
S(const char *, SSL_alert_type_string, (int value), (value))
S(SSL_CTX *, SSL_get_SSL_CTX, (const SSL *s), (s))
S(int, SSL_get_ex_data_X509_STORE_CTX_idx, (void), ())
