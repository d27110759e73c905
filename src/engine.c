/* Docker Engine API client: libcurl (multi interface) + OpenSSL verification details + jansson. */
#include "buildconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "engine.h"
#include "util.h"

#define MAX_REPLY (16u << 20)

/*
 * A machine's TLS credentials (ca.pem, cert.pem, key.pem), decoded once per
 * process.  OpenSSL 3.0 spends ~6 M instructions decoding them (the
 * provider-based decoders), which libcurl would do again for every
 * connection; the machines of a store share the same CA and client
 * certificate, so ls decodes them once (doc/performance.md).  Entries are
 * found by the files' contents, never freed, and immutable once made.
 */
struct creds {
	char *ca_pem, *cert_pem, *key_pem;
	size_t ca_len, cert_len, key_len;
	STACK_OF(X509) *cas;     /* every certificate of ca.pem */
	X509 *cert;              /* the first certificate of cert.pem */
	STACK_OF(X509) *chain;   /* the others */
	EVP_PKEY *key;
	unsigned long long hash;   /* of the three texts: part of a saved session's key */
	struct creds *next;
};

/* Per-call private state. */
struct xfer {
	CURL *h;
	struct curl_slist *headers;
	char *url;          /* https://IP:PORT/path */
	char *endpoint;     /* "GET /version" for messages */
	char *ca, *cert, *key;
	const struct creds *creds;   /* installed by on_ssl_ctx; NULL: libcurl reads the files */
	char *session_path;          /* CERT_DIR/.tls-session, or NULL: no resumption */
	char session_key[40];        /* what a saved session must be for: credentials + URL */
	long offered_time;           /* when the session offered was made (0: none offered) */
	char *buf;
	size_t len, cap;
	bool too_big;
	char errbuf[CURL_ERROR_SIZE];
	long long t0;
	/* What OpenSSL saw while verifying the daemon's certificate. */
	int verify_err;     /* X509_V_ERR_*, 0: none */
	int verify_depth;
	char peer_subject[256];
	char peer_issuer[256];
	char peer_ips[256];    /* its IP SANs, ", "-separated, or "none" */
	char peer_names[256];  /* its DNS SANs, likewise */
	char peer_not_after[64];
	const char *alert;  /* TLS alert the daemon sent (static string), or NULL */
	bool tls_started;   /* TCP connected, ClientHello sent */
	bool tls_done;      /* handshake finished */
	bool added;         /* in a multi handle */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int ssl_ctx_index = -1;

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	ssl_ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

void mc_engine_call_clear(struct mc_engine_call *c)
{
	struct xfer *x = c->priv;

	json_decref(c->reply);
	c->reply = NULL;
	if (x) {
		if (x->h)
			curl_easy_cleanup(x->h);
		curl_slist_free_all(x->headers);
		free(x->url);
		free(x->endpoint);
		free(x->ca);
		free(x->cert);
		free(x->key);
		free(x->session_path);
		free(x->buf);
		free(x);
	}
	c->priv = NULL;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (x->len + n > MAX_REPLY) {
		x->too_big = true;
		return 0;
	}
	if (x->len + n + 1 > x->cap) {
		x->cap = (x->len + n + 1) * 2;
		x->buf = mc_realloc(x->buf, x->cap);
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	x->buf[x->len] = 0;
	return n;
}

/* The certificate's IP SANs and DNS SANs, each ", "-separated ("none"). */
static void describe_sans(X509 *cert, char *ips, char *names, size_t size)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	size_t nip = 0, nname = 0;

	ips[0] = names[0] = 0;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char item[INET6_ADDRSTRLEN + 8] = "";
		const unsigned char *d;
		int len;

		if (g->type == GEN_IPADD) {
			d = ASN1_STRING_get0_data(g->d.iPAddress);
			len = ASN1_STRING_length(g->d.iPAddress);
			if (!inet_ntop(len == 4 ? AF_INET : AF_INET6, d, item, sizeof(item)) || (len != 4 && len != 16))
				snprintf(item, sizeof(item), "(%d bytes)", len);
			if (nip + 1 < size)
				nip += (size_t)snprintf(ips + nip, size - nip, "%s%s", nip ? ", " : "", item);
		} else if (g->type == GEN_DNS) {
			/* printable ASCII only: it may end up on a terminal */
			d = ASN1_STRING_get0_data(g->d.dNSName);
			len = ASN1_STRING_length(g->d.dNSName);
			for (int k = 0; k < len && k < 40; k++)
				item[k] = d[k] > 0x20 && d[k] < 0x7f ? (char)d[k] : '?';
			if (nname + 1 < size)
				nname += (size_t)snprintf(names + nname, size - nname, "%s%s", nname ? ", " : "", item);
		}
	}
	GENERAL_NAMES_free(gens);
	if (!ips[0])
		snprintf(ips, size, "none");
	if (!names[0])
		snprintf(names, size, "none");
}

/*
 * TLS session resumption across processes.  A full handshake with a
 * daemon costs the client ~8.6 M instructions (OpenSSL 3.0 decoding and
 * verifying the daemon's certificate, our signature) and the daemon its own
 * signature and the check of ours; resuming with the session ticket the
 * daemon sent last time costs ~4 M, including the decoding of the saved
 * session (doc/performance.md).  So the daemon's last ticket is kept in
 * CERT_DIR/.tls-session (0600): a line "mc-tls-session v1 KEY" then the
 * session in DER.  KEY is a hash of ca.pem, cert.pem, key.pem and the URL:
 * new certificates or another address never use an old session.  The
 * session holds what the full handshake verified (the daemon's certificate,
 * the verification result), so whoever can write it could make us trust
 * another server — as whoever can write ca.pem next to it can.  A daemon
 * that no longer accepts the ticket (restarted, keys rotated) gets a full
 * handshake, as without the file.  Best effort: a missing, stale or corrupt
 * file only costs the full handshake.
 */
#define SESSION_MAGIC "mc-tls-session v1 "
/* A resumed session's new ticket replaces the file only when the one used is older. */
#define SESSION_REFRESH_S 3600

/* MACHINECTL_TLS_RESUME=0 turns resumption off (doc/tls.md). */
static bool resume_wanted(void)
{
	const char *v = getenv("MACHINECTL_TLS_RESUME");

	return !v || strcmp(v, "0") != 0;
}

static SSL_SESSION *session_load(const struct xfer *x)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0, hlen = strlen(SESSION_MAGIC) + strlen(x->session_key) + 1;
	const unsigned char *der;
	SSL_SESSION *sess;

	if (mc_read_file(x->session_path, &data, &len, NULL) < 0 || len <= hlen ||
	    memcmp(data, SESSION_MAGIC, strlen(SESSION_MAGIC)) ||
	    memcmp(data + strlen(SESSION_MAGIC), x->session_key, strlen(x->session_key)) ||
	    data[hlen - 1] != '\n' || len - hlen > INT_MAX)
		return NULL;
	der = (const unsigned char *)data + hlen;
	sess = d2i_SSL_SESSION(NULL, &der, (long)(len - hlen));
	if (sess && !SSL_SESSION_is_resumable(sess)) {
		SSL_SESSION_free(sess);
		sess = NULL;
	}
	ERR_clear_error();
	return sess;
}

/* OpenSSL verify callback: remember what failed, change nothing. */
static int on_verify(int ok, X509_STORE_CTX *sctx)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct xfer *x = ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ssl_ctx_index) : NULL;
	X509 *leaf = X509_STORE_CTX_get0_cert(sctx);

	if (!x)
		return ok;
	/* The daemon's own certificate (chains are checked from the top, so a
	 * failure higher up never reaches depth 0). */
	if (leaf && !x->peer_subject[0]) {
		struct tm tm;

		X509_NAME_oneline(X509_get_subject_name(leaf), x->peer_subject, sizeof(x->peer_subject));
		X509_NAME_oneline(X509_get_issuer_name(leaf), x->peer_issuer, sizeof(x->peer_issuer));
		describe_sans(leaf, x->peer_ips, x->peer_names, sizeof(x->peer_ips));
		if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm))
			strftime(x->peer_not_after, sizeof(x->peer_not_after), "%Y-%m-%d %H:%M UTC", &tm);
	}
	if (!ok && !x->verify_err) {
		x->verify_err = X509_STORE_CTX_get_error(sctx);
		x->verify_depth = X509_STORE_CTX_get_error_depth(sctx);
	}
	return ok;
}

/* Remember a fatal alert from the daemon ("unknown CA": it refused our certificate). */
static void on_info(const SSL *ssl, int where, int ret)
{
	struct xfer *x = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ssl_ctx_index);

	if (!x)
		return;
	if ((where & SSL_CB_HANDSHAKE_START) && !x->tls_started && x->session_path) {
		/* The first moment libcurl lets us at the SSL object before the
		 * ClientHello is written: offer the saved session. */
		SSL_SESSION *sess = session_load(x);

		if (sess) {
			SSL_set_session((SSL *)ssl, sess);
			x->offered_time = SSL_SESSION_get_time(sess);
			SSL_SESSION_free(sess);
		}
	}
	if (where & SSL_CB_HANDSHAKE_START)
		x->tls_started = true;
	if (where & SSL_CB_HANDSHAKE_DONE)
		x->tls_done = true;
	if ((where & SSL_CB_READ_ALERT) && SSL_alert_type_string(ret)[0] == 'F' && !x->alert)
		x->alert = SSL_alert_desc_string_long(ret);
}

static pthread_mutex_t creds_lock = PTHREAD_MUTEX_INITIALIZER;
static struct creds *creds_list;

/* A passphrase-protected key is not ours: no prompt, decoding fails. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

static unsigned long long fnv1a(unsigned long long h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return (h ^ n) * 0x100000001b3ULL;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

/* PEM blocks in a text ("-----BEGIN " lines). */
static int pem_blocks(const char *pem)
{
	int n = 0;

	for (const char *p = pem; (p = strstr(p, "-----BEGIN ")); p += 11)
		n++;
	return n;
}

/* Every further certificate of bio onto st; false when one could not be kept. */
static bool read_certs(BIO *bio, STACK_OF(X509) *st)
{
	bool ok = true;
	X509 *x;

	while ((x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)))
		if (!sk_X509_push(st, x)) {
			X509_free(x);
			ok = false;
		}
	return ok;
}

/* Decode the three PEM texts into c; false when libcurl should read the
 * files itself (anything unusual: its errors then say what is wrong). */
static bool creds_decode(struct creds *c)
{
	BIO *bio;
	bool ok = true;

	c->cas = sk_X509_new_null();
	c->chain = sk_X509_new_null();
	if (!c->cas || !c->chain)
		return false;
	if ((bio = BIO_new_mem_buf(c->ca_pem, (int)c->ca_len))) {
		ok = read_certs(bio, c->cas);
		BIO_free(bio);
	}
	if ((bio = BIO_new_mem_buf(c->cert_pem, (int)c->cert_len))) {
		c->cert = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
		if (c->cert)
			ok = read_certs(bio, c->chain) && ok;
		BIO_free(bio);
	}
	if ((bio = BIO_new_mem_buf(c->key_pem, (int)c->key_len))) {
		c->key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
	}
	ERR_clear_error();
	/* Only plain certificates: a CRL, a TRUSTED CERTIFICATE or anything
	 * else is left to libcurl (PEM_read_bio_X509 would skip it). */
	return ok && sk_X509_num(c->cas) > 0 && sk_X509_num(c->cas) == pem_blocks(c->ca_pem) && c->cert &&
	       1 + sk_X509_num(c->chain) == pem_blocks(c->cert_pem) && c->key &&
	       X509_check_private_key(c->cert, c->key) == 1;
}

static void creds_free(struct creds *c)
{
	sk_X509_pop_free(c->cas, X509_free);
	sk_X509_pop_free(c->chain, X509_free);
	X509_free(c->cert);
	EVP_PKEY_free(c->key);
	free(c->ca_pem);
	free(c->cert_pem);
	free(c->key_pem);
	free(c);
	ERR_clear_error();
}

/* The decoded credentials of these files, or NULL (unreadable or unusual
 * files: libcurl reads them and reports what is wrong). */
static const struct creds *creds_get(const char *ca, const char *cert, const char *key)
{
	struct creds *c = mc_calloc(1, sizeof(*c)), *found = NULL;

	if (mc_read_file(ca, &c->ca_pem, &c->ca_len, NULL) < 0 ||
	    mc_read_file(cert, &c->cert_pem, &c->cert_len, NULL) < 0 ||
	    mc_read_file(key, &c->key_pem, &c->key_len, NULL) < 0 || c->ca_len > INT_MAX ||
	    c->cert_len > INT_MAX || c->key_len > INT_MAX) {
		creds_free(c);
		return NULL;
	}
	pthread_mutex_lock(&creds_lock);
	for (struct creds *e = creds_list; e && !found; e = e->next)
		if (same(e->ca_pem, e->ca_len, c->ca_pem, c->ca_len) &&
		    same(e->cert_pem, e->cert_len, c->cert_pem, c->cert_len) &&
		    same(e->key_pem, e->key_len, c->key_pem, c->key_len))
			found = e;
	if (!found && creds_decode(c)) {
		c->hash = fnv1a(fnv1a(fnv1a(0xcbf29ce484222325ULL, c->ca_pem, c->ca_len), c->cert_pem, c->cert_len),
				c->key_pem, c->key_len);
		c->next = creds_list;
		creds_list = found = c;
		c = NULL;
	}
	pthread_mutex_unlock(&creds_lock);
	if (c)
		creds_free(c);
	return found;
}

/* What CURLOPT_CAINFO, CURLOPT_SSLCERT and CURLOPT_SSLKEY would load, from
 * the decoded objects (shared: the SSL_CTX takes references). */
static bool creds_install(SSL_CTX *ctx, const struct creds *c)
{
	X509_STORE *store = SSL_CTX_get_cert_store(ctx);

	for (int i = 0; i < sk_X509_num(c->cas); i++)
		if (X509_STORE_add_cert(store, sk_X509_value(c->cas, i)) != 1)
			return false;
	if (SSL_CTX_use_certificate(ctx, c->cert) != 1 || SSL_CTX_clear_chain_certs(ctx) != 1)
		return false;
	for (int i = 0; i < sk_X509_num(c->chain); i++)
		if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(c->chain, i)) != 1)
			return false;
	return SSL_CTX_use_PrivateKey(ctx, c->key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
}

/* The host of https://HOST:PORT/... (IPv6 without its brackets). */
static void url_host(const char *url, char *out, size_t size)
{
	const char *h = url + strlen("https://");
	size_t n = *h == '[' ? strcspn(++h, "]") : strcspn(h, ":/");

	snprintf(out, size, "%.*s", (int)n, h);
}

static bool is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* OpenSSL's new-session callback: a ticket arrived; keep it (not synced:
 * a cache), unless the session just resumed is younger than
 * SESSION_REFRESH_S: on ext4, replacing the file (new inode, rename over
 * the old one) costs ~0.4 ms of CPU and makes the kernel write it back at
 * once, which made a resumed `ls` of 20 machines slower than a full one
 * (doc/performance.md).  A daemon that accepts a ticket once only (not
 * dockerd) then gets a full handshake every other time.  Returns 0: OpenSSL
 * keeps no reference for us. */
static int on_new_session(SSL *ssl, SSL_SESSION *sess)
{
	static unsigned long seq;
	struct xfer *x = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ssl_ctx_index);
	int dlen = i2d_SSL_SESSION(sess, NULL);
	_cleanup_free_ char *buf = NULL, *tmp = NULL;
	unsigned char *p;
	size_t hlen, total;
	bool ok;
	int fd;

	if (!x || !x->session_path || dlen <= 0 || dlen > (1 << 20))
		return 0;
	if (SSL_session_reused(ssl) && x->offered_time > 0 && time(NULL) - x->offered_time >= 0 &&
	    time(NULL) - x->offered_time < SESSION_REFRESH_S)
		return 0;
	hlen = strlen(SESSION_MAGIC) + strlen(x->session_key) + 1;
	total = hlen + (size_t)dlen;
	buf = mc_malloc(total);
	snprintf(buf, hlen + 1, "%s%s\n", SESSION_MAGIC, x->session_key);
	p = (unsigned char *)buf + hlen;
	if (i2d_SSL_SESSION(sess, &p) != dlen)
		return 0;
	/* Calls on other threads may write the same machine's file: each its own temporary. */
	tmp = mc_asprintf("%s.tmp.%ld.%lu", x->session_path, (long)getpid(),
			  __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return 0;
	ok = write(fd, buf, total) == (ssize_t)total;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, x->session_path) < 0)
		unlink(tmp);
	return 0;
}

static CURLcode on_ssl_ctx(CURL *h, void *sslctx, void *arg)
{
	SSL_CTX *ctx = sslctx;
	struct xfer *x = arg;
	X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
	char host[256];

	/*
	 * The daemon's certificate must be for the host we connect to, checked
	 * as Go's crypto/tls (the docker client) does: an IP address against
	 * the IP SANs only, a name against the DNS SANs only, never the
	 * subject's CN.  libcurl's own check (CURLOPT_SSL_VERIFYHOST) falls back
	 * to the CN when there is no SAN of the host's type, so it is off and
	 * OpenSSL checks here, during verification (on_verify sees the error).
	 */
	url_host(x->url, host, sizeof(host));
	X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
					X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (is_ip(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1
			: X509_VERIFY_PARAM_set1_host(param, host, 0) != 1) {
		ERR_clear_error();
		return CURLE_SSL_CERTPROBLEM;
	}
	SSL_CTX_set_ex_data(ctx, ssl_ctx_index, arg);
	SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), on_verify);
	SSL_CTX_set_info_callback(ctx, on_info);
	if (x->creds && !creds_install(ctx, x->creds)) {
		ERR_clear_error();
		return CURLE_SSL_CERTPROBLEM;
	}
	if (x->session_path) {
		/* Ours replaces libcurl's in-process session cache: every call of
		 * ls is to another daemon. */
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
		SSL_CTX_sess_set_new_cb(ctx, on_new_session);
	}
	return CURLE_OK;
}

/* A host name: labels of letters, digits and inner hyphens, dot-separated. */
static bool host_name(const char *s, size_t n)
{
	size_t label = 0;

	if (!n || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? s[i] : '.';

		if (c == '.') {
			if (!label || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)c) || (c == '-' && label)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

int mc_engine_url_check(const char *url, struct mc_error *err)
{
	const char *h = url && mc_startswith(url, "tcp://") ? url + 6 : NULL;
	const char *colon = h ? strrchr(h, ':') : NULL;
	char host[256], *end;
	unsigned char buf[16];
	unsigned long port;
	size_t n;

	if (!colon)
		goto bad;
	n = (size_t)(colon - h);
	if (n >= sizeof(host))
		goto bad;
	memcpy(host, h, n);
	host[n] = '\0';
	if (host[0] == '[') {
		if (n < 3 || host[n - 1] != ']')
			goto bad;
		host[n - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, buf) != 1)
			goto bad;
	} else if (inet_pton(AF_INET, host, buf) != 1 && !host_name(host, n)) {
		goto bad;
	}
	if (!isdigit((unsigned char)colon[1]))
		goto bad;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || errno || port < 1 || port > 65535)
		goto bad;
	return 0;
bad:
	return mc_error_set(err, MC_E_INVALID,
			    "invalid Docker URL \"%s\": expected tcp://HOST:PORT (HOST an IP address, [IPv6] or a host name, PORT 1-65535)",
			    url ? url : "");
}

/* tcp://H:P or https://H:P → https://H:P (no trailing slash). */
static char *https_base(const char *url)
{
	const char *rest;
	size_t n;

	if (mc_startswith(url, "tcp://"))
		rest = url + 6;
	else if (mc_startswith(url, "https://"))
		rest = url + 8;
	else
		return NULL;
	n = strlen(rest);
	while (n && rest[n - 1] == '/')
		n--;
	if (!n)
		return NULL;
	return mc_asprintf("https://%.*s", (int)n, rest);
}

static void finish(struct mc_engine_call *c)
{
	struct xfer *x = c->priv;

	c->done = true;
	c->ms = x ? mc_now_ms() - x->t0 : 0;
}

/* Set up c; on a local problem (bad URL, missing files) c is done with err set. */
static void prepare(struct mc_engine_call *c)
{
	const struct mc_engine_target *t = c->target;
	const char *method = c->method ? c->method : "GET";
	struct xfer *x;
	_cleanup_free_ char *base = NULL;
	long timeout = c->timeout_ms > 0 ? c->timeout_ms : MC_ENGINE_TIMEOUT_MS;
	long ctimeout = c->connect_timeout_ms > 0 ? c->connect_timeout_ms : MC_ENGINE_CONNECT_TIMEOUT_MS;
	const char *name = t && t->name ? t->name : "?";

	pthread_once(&init_once, global_init);
	c->done = false;
	c->status = 0;
	c->reply = NULL;
	mc_error_clear(&c->err);
	x = mc_calloc(1, sizeof(*x));
	c->priv = x;
	x->t0 = mc_now_ms();
	x->endpoint = mc_asprintf("%s %s", method, c->path ? c->path : "/");
	if (!t || !t->url || !(base = https_base(t->url))) {
		mc_error_setm(&c->err, name, MC_E_INVALID,
			      "%s: the Docker URL \"%s\" is not tcp://IP:PORT",
			      x->endpoint, t && t->url ? t->url : "");
		finish(c);
		return;
	}
	x->url = mc_asprintf("%s%s%s", base, c->path && c->path[0] == '/' ? "" : "/", c->path ? c->path : "");
	x->ca = mc_path_join(t->cert_dir ? t->cert_dir : ".", "ca.pem");
	x->cert = mc_path_join(t->cert_dir ? t->cert_dir : ".", "cert.pem");
	x->key = mc_path_join(t->cert_dir ? t->cert_dir : ".", "key.pem");
	{
		const char *files[3] = { x->ca, x->cert, x->key };
		const char *what[3] = { "CA certificate", "client certificate", "client key" };

		for (int i = 0; i < 3; i++)
			if (!mc_file_exists(files[i])) {
				mc_error_setm(&c->err, name, MC_E_TLS,
					      "%s: the %s %s is missing: run 'machinectl regenerate-certs %s'",
					      x->endpoint, what[i], files[i], name);
				finish(c);
				return;
			}
	}
	if (ctimeout > timeout)
		ctimeout = timeout;
	x->h = curl_easy_init();
	if (!x->h) {
		mc_error_setm(&c->err, name, MC_E_FAILED, "%s: cannot initialise libcurl",
			      x->endpoint);
		finish(c);
		return;
	}
	curl_easy_setopt(x->h, CURLOPT_URL, x->url);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, c);
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_PROXY, "");           /* never through an http(s)_proxy */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, ctimeout);
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_USERAGENT, "machinectl/" PACKAGE_VERSION);
	/* Already decoded credentials are installed by on_ssl_ctx: CAINFO NULL
	 * keeps libcurl from loading its default CA bundle. */
	x->creds = creds_get(x->ca, x->cert, x->key);
	if (x->creds && resume_wanted()) {
		_cleanup_free_ char *server = mc_path_join(t->cert_dir ? t->cert_dir : ".", "server.pem");
		_cleanup_free_ char *spem = NULL;
		size_t slen = 0;

		/* The machine's server certificate, when it has one, is part of the key. */
		if (mc_read_file(server, &spem, &slen, NULL) < 0)
			slen = 0;
		x->session_path = mc_path_join(t->cert_dir ? t->cert_dir : ".", ".tls-session");
		snprintf(x->session_key, sizeof(x->session_key), "%016llx%016llx", x->creds->hash,
			 fnv1a(fnv1a(0xcbf29ce484222325ULL, x->url, strlen(base)), spem ? spem : "", slen));
	}
	curl_easy_setopt(x->h, CURLOPT_CAINFO, x->creds ? NULL : x->ca);
	curl_easy_setopt(x->h, CURLOPT_CAPATH, NULL);
	if (!x->creds) {
		curl_easy_setopt(x->h, CURLOPT_SSLCERT, x->cert);
		curl_easy_setopt(x->h, CURLOPT_SSLKEY, x->key);
	}
	curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, 0L);  /* checked in on_ssl_ctx, strictly */
	curl_easy_setopt(x->h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
	curl_easy_setopt(x->h, CURLOPT_SSL_CTX_DATA, x);
	x->headers = curl_slist_append(NULL, "Accept: application/json");
	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(x->h, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(method, "POST") || c->body) {
		_cleanup_free_ char *body = c->body ? json_dumps(c->body, JSON_COMPACT) : NULL;

		if (strcmp(method, "POST"))
			curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
		curl_easy_setopt(x->h, CURLOPT_COPYPOSTFIELDS, body ? body : "");
		x->headers = curl_slist_append(x->headers, "Content-Type: application/json");
	} else if (strcmp(method, "GET")) {
		curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, method);
	}
	x->headers = curl_slist_append(x->headers, "Expect:");
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->headers);
}

/* Explain a TLS failure: which certificate, what failed, what to do. */
static void tls_error(struct mc_engine_call *c, CURLcode rc)
{
	struct xfer *x = c->priv;
	const char *name = c->target->name ? c->target->name : "?";
	const char *host = x->url + 8;
	int hostlen = (int)strcspn(host, "/");

	if (x->verify_err == X509_V_ERR_IP_ADDRESS_MISMATCH || x->verify_err == X509_V_ERR_HOSTNAME_MISMATCH) {
		char h[256];
		bool ip;

		url_host(x->url, h, sizeof(h));
		ip = x->verify_err == X509_V_ERR_IP_ADDRESS_MISMATCH;
		mc_error_setm(&c->err, name, MC_E_TLS,
			      "%s at %.*s: TLS: the daemon's certificate is valid for IP %s and DNS %s%s, not %s %s (%s, as the docker client checks it%s): run 'machinectl regenerate-certs %s'",
			      x->endpoint, hostlen, host, x->peer_ips, x->peer_names,
			      !strcmp(x->peer_ips, "none") && !strcmp(x->peer_names, "none") ? " (its subject CN does not count)" : "",
			      ip ? "IP" : "DNS", h,
			      ip ? "an IP address must be one of its IP SANs" : "a name must match one of its DNS SANs",
			      ip ? "; the IP address changed?" : "", name);
		return;
	}
	if (x->verify_err) {
		const char *why = X509_verify_cert_error_string(x->verify_err);
		const char *hint, *end = "'";

		switch (x->verify_err) {
		case X509_V_ERR_CERT_HAS_EXPIRED:
			hint = "make a new one with 'machinectl regenerate-certs ";
			break;
		case X509_V_ERR_CERT_NOT_YET_VALID:
			hint = "check the clocks of this computer and of machine ";
			end = "";
			break;
		case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
		case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
		case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
		case X509_V_ERR_CERT_SIGNATURE_FAILURE:
			hint = "the daemon's certificate comes from another CA; run 'machinectl regenerate-certs ";
			break;
		default:
			hint = "run 'machinectl regenerate-certs ";
			break;
		}
		mc_error_setm(&c->err, name, MC_E_TLS,
			      "%s at %.*s: TLS: the daemon's certificate (%s, issued by %s, valid until %s) is not trusted: %s (trusted CA: %s): %s%s%s",
			      x->endpoint, hostlen, host, x->peer_subject[0] ? x->peer_subject : "?",
			      x->peer_issuer[0] ? x->peer_issuer : "?",
			      x->peer_not_after[0] ? x->peer_not_after : "?", why, x->ca, hint, name, end);
		return;
	}
	if (rc == CURLE_SSL_CERTPROBLEM) {
		mc_error_setm(&c->err, name, MC_E_TLS,
			      "%s: TLS: cannot use the client certificate %s with key %s: %s",
			      x->endpoint, x->cert, x->key, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (rc == CURLE_SSL_CACERT_BADFILE) {
		mc_error_setm(&c->err, name, MC_E_TLS, "%s: TLS: cannot read the CA certificate %s: %s",
			      x->endpoint, x->ca, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		return;
	}
	if (x->alert) {
		mc_error_setm(&c->err, name, MC_E_TLS,
			      "%s at %.*s: TLS: the daemon refused the client certificate %s (its alert: %s): the daemon trusts another CA; run 'machinectl regenerate-certs %s'",
			      x->endpoint, hostlen, host, x->cert, x->alert, name);
		return;
	}
	mc_error_setm(&c->err, name, MC_E_TLS, "%s at %.*s: TLS handshake failed: %s",
		      x->endpoint, hostlen, host, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
}

json_t *mc_engine_decode_reply(const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *reply;

	if (len == 0)
		return json_null();
	if (!(reply = json_loadb(buf, len, JSON_DECODE_ANY, &jerr)))
		reply = json_stringn(buf, len);  /* text, e.g. /_ping's "OK" */
	return reply ? reply : json_null();
}

const char *mc_engine_reply_message(json_t *reply)
{
	const char *msg = json_is_object(reply) ? mc_json_str(reply, "message") : NULL;

	if (!msg && json_is_string(reply))
		msg = json_string_value(reply);
	return msg;
}

/* Turn a finished transfer into status/reply/err. */
static void complete(struct mc_engine_call *c, CURLcode rc)
{
	struct xfer *x = c->priv;
	const char *name = c->target->name ? c->target->name : "?";
	const char *host = x->url + 8;
	int hostlen = (int)strcspn(host, "/");
	double secs = (double)(mc_now_ms() - x->t0) / 1000.0;

	finish(c);
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &c->status);
	if (rc == CURLE_OK) {
		c->reply = mc_engine_decode_reply(x->buf, x->len);
		if (c->status >= 400) {
			const char *msg = mc_engine_reply_message(c->reply);

			mc_error_setm(&c->err, name, c->status == 404 ? MC_E_NOT_FOUND : MC_E_FAILED,
				      "%s: the Docker daemon answered HTTP %ld: %s",
				      x->endpoint, c->status, msg && *msg ? msg : "(no message)");
		}
		return;
	}
	switch (rc) {
	case CURLE_COULDNT_CONNECT: {
		long oserr = 0;

		curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &oserr);
		mc_error_setm(&c->err, name, MC_E_NETWORK,
			      "%s: cannot connect to the Docker daemon at %.*s: %s (is dockerd running and listening there?)",
			      x->endpoint, hostlen, host,
			      oserr ? strerror((int)oserr) : x->errbuf);
		break;
	}
	case CURLE_OPERATION_TIMEDOUT: {
		const char *phase = !x->tls_started ? "could not connect"
				    : !x->tls_done   ? "the TLS handshake did not finish"
						     : "no reply";

		mc_error_setm(&c->err, name, MC_E_TIMEOUT,
			      "%s: the Docker daemon at %.*s did not answer in time (%s after %.1fs)",
			      x->endpoint, hostlen, host, phase, secs);
		break;
	}
	case CURLE_WRITE_ERROR:
		mc_error_setm(&c->err, name, MC_E_FAILED, "%s: the reply is larger than %u MiB",
			      x->endpoint, MAX_REPLY >> 20);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		mc_error_setm(&c->err, name, MC_E_NETWORK, "%s: %s", x->endpoint, x->errbuf);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CIPHER:
		tls_error(c, rc);
		break;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		if (x->verify_err || x->alert) {
			tls_error(c, rc);
			break;
		}
		mc_error_setm(&c->err, name, MC_E_NETWORK,
			      "%s: the Docker daemon at %.*s closed the connection: %s",
			      x->endpoint, hostlen, host, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		break;
	default:
		mc_error_setm(&c->err, name, MC_E_NETWORK, "%s at %.*s: %s", x->endpoint,
			      hostlen, host, x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc));
		break;
	}
}

/* --- the batch --- */

struct mc_engine_batch {
	CURLM *multi;
	size_t running;
	struct mc_engine_call **calls;   /* every call added and not yet finished */
	size_t n, cap;
};

struct mc_engine_batch *mc_engine_batch_new(void)
{
	struct mc_engine_batch *b = mc_calloc(1, sizeof(*b));

	pthread_once(&init_once, global_init);
	b->multi = curl_multi_init();
	if (!b->multi)
		abort();  /* out of memory */
	return b;
}

void mc_engine_batch_add(struct mc_engine_batch *b, struct mc_engine_call *c)
{
	struct xfer *x;

	prepare(c);
	if (c->done)
		return;
	x = c->priv;
	if (curl_multi_add_handle(b->multi, x->h) != CURLM_OK) {
		mc_error_setm(&c->err, c->target->name, MC_E_FAILED, "%s: cannot start the request",
			      x->endpoint);
		finish(c);
		return;
	}
	x->added = true;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->calls = mc_realloc(b->calls, b->cap * sizeof(*b->calls));
	}
	b->calls[b->n++] = c;
}

static void forget(struct mc_engine_batch *b, struct mc_engine_call *c)
{
	struct xfer *x = c->priv;

	if (x && x->added) {
		curl_multi_remove_handle(b->multi, x->h);
		x->added = false;
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->calls[i] == c) {
			b->calls[i] = b->calls[--b->n];
			break;
		}
}

static void reap(struct mc_engine_batch *b)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(b->multi, &left))) {
		struct mc_engine_call *c = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		if (!c)
			continue;
		complete(c, msg->data.result);
		forget(b, c);
	}
}

size_t mc_engine_batch_run(struct mc_engine_batch *b, long wait_ms)
{
	int running = 0;
	size_t before = b->n;

	curl_multi_perform(b->multi, &running);
	reap(b);
	/* Calls finished in that first step: return, so that the caller sees
	 * them before anything waits.  Waiting here could wait the whole wait_ms
	 * for a wakeup that nothing sends (ls: every row done, the last calls
	 * ended here, and the listing ended a second late). */
	if (b->n < before)
		return b->n;
	if (b->n && wait_ms > 0) {
		int numfds;

		curl_multi_poll(b->multi, NULL, 0, (int)(wait_ms > 3600000 ? 3600000 : wait_ms), &numfds);
		curl_multi_perform(b->multi, &running);
		reap(b);
	} else if (!b->n && wait_ms > 0) {
		int numfds;

		/* Nothing to drive: wait for a wakeup (a caller adding work). */
		curl_multi_poll(b->multi, NULL, 0, (int)(wait_ms > 3600000 ? 3600000 : wait_ms), &numfds);
	}
	return b->n;
}

void mc_engine_batch_wakeup(struct mc_engine_batch *b)
{
	curl_multi_wakeup(b->multi);
}

void mc_engine_batch_free(struct mc_engine_batch *b)
{
	if (!b)
		return;
	while (b->n) {
		struct mc_engine_call *c = b->calls[0];
		struct xfer *x = c->priv;

		mc_error_setm(&c->err, c->target->name ? c->target->name : "?", MC_E_TIMEOUT,
			      "%s: the Docker daemon did not answer in time (gave up after %.1fs)",
			      x->endpoint,
			      (double)(mc_now_ms() - x->t0) / 1000.0);
		finish(c);
		forget(b, c);
	}
	curl_multi_cleanup(b->multi);
	free(b->calls);
	free(b);
}

size_t mc_engine_run(struct mc_engine_call *calls, size_t n, long timeout_ms)
{
	struct mc_engine_batch *b = mc_engine_batch_new();
	long long deadline = timeout_ms > 0 ? mc_now_ms() + timeout_ms : 0;
	size_t failed = 0;

	for (size_t i = 0; i < n; i++) {
		if (timeout_ms > 0 && (calls[i].timeout_ms <= 0 || calls[i].timeout_ms > timeout_ms))
			calls[i].timeout_ms = timeout_ms;
		mc_engine_batch_add(b, &calls[i]);
	}
	for (;;) {
		long wait = 1000;

		if (deadline) {
			long long left = deadline - mc_now_ms();

			if (left <= 0)
				break;
			wait = left < wait ? (long)left : wait;
		}
		if (mc_engine_batch_run(b, wait) == 0)
			break;
	}
	mc_engine_batch_free(b);
	for (size_t i = 0; i < n; i++)
		failed += calls[i].err.code != MC_E_OK;
	return failed;
}

/* --- one-shot helpers --- */

int mc_engine_request(const struct mc_engine_target *t, const char *method, const char *path,
		      const json_t *body, long timeout_ms, json_t **reply, struct mc_error *err)
{
	struct mc_engine_call c = { .target = t, .method = method, .path = path, .body = body,
				    .timeout_ms = timeout_ms };
	int r = 0;

	mc_engine_run(&c, 1, 0);
	if (c.err.code != MC_E_OK) {
		r = mc_error_copy(err, &c.err);
	} else if (reply) {
		*reply = MC_TAKE(c.reply);
	}
	mc_engine_call_clear(&c);
	return r;
}

int mc_engine_get(const struct mc_engine_target *t, const char *path, long timeout_ms,
		  json_t **reply, struct mc_error *err)
{
	return mc_engine_request(t, "GET", path, NULL, timeout_ms, reply, err);
}

int mc_engine_post(const struct mc_engine_target *t, const char *path, const json_t *body,
		   long timeout_ms, json_t **reply, struct mc_error *err)
{
	return mc_engine_request(t, "POST", path, body, timeout_ms, reply, err);
}

int mc_engine_ping(const struct mc_engine_target *t, long timeout_ms, struct mc_error *err)
{
	_cleanup_json_ json_t *reply = NULL;

	if (mc_engine_get(t, "/_ping", timeout_ms, &reply, err) < 0)
		return -1;
	if (!json_is_string(reply) || strcmp(json_string_value(reply), "OK"))
		return mc_error_setm(err, t->name, MC_E_FAILED,
				     "GET /_ping: unexpected answer (is this a Docker daemon?)");
	return 0;
}

int mc_engine_version(const struct mc_engine_target *t, long timeout_ms, char **version,
		      struct mc_error *err)
{
	_cleanup_json_ json_t *reply = NULL;
	const char *v;

	if (mc_engine_get(t, "/version", timeout_ms, &reply, err) < 0)
		return -1;
	v = mc_json_str(reply, "Version");
	if (!v || !*v)
		return mc_error_setm(err, t->name, MC_E_FAILED,
				     "GET /version: the reply has no \"Version\" (is this a Docker daemon?)");
	*version = mc_strdup(v);
	return 0;
}
