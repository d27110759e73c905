/* The boot ISO: local paths, file:// and http(s):// URLs (libcurl), the cache. */
#include "buildconf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "iso.h"
#include "log.h"
#include "util.h"

static void hexify(const unsigned char *md, size_t n, char *hex)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

static void sha256_str(const char *s, char hex[65])
{
	unsigned char md[32];
	unsigned int n = 0;

	EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL);
	hexify(md, 32, hex);
}

int mc_iso_sha256_file(const char *path, char hex[65], struct mc_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	EVP_MD_CTX *c;
	unsigned char md[32];
	unsigned int n = 0;
	static const size_t bufsz = 1 << 20;
	_cleanup_free_ char *buf = NULL;
	ssize_t r;

	if (fd < 0)
		return mc_error_errno(err, errno, "cannot read %s", path);
	buf = mc_malloc(bufsz);
	c = EVP_MD_CTX_new();
	if (!c)
		return mc_error_set(err, MC_E_FAILED, "out of memory hashing %s", path);
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	while ((r = read(fd, buf, bufsz)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			EVP_MD_CTX_free(c);
			return mc_error_errno(err, errno, "cannot read %s", path);
		}
		EVP_DigestUpdate(c, buf, (size_t)r);
	}
	EVP_DigestFinal_ex(c, md, &n);
	EVP_MD_CTX_free(c);
	hexify(md, 32, hex);
	return 0;
}

/* Reads the volume descriptor; *is_iso false when there is no "CD001". */
static int read_pvd(const char *path, bool *is_iso, char vid[33], struct mc_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[0x48];
	ssize_t n;

	*is_iso = false;
	vid[0] = '\0';
	if (fd < 0)
		return mc_error_errno(err, errno, "cannot read the ISO %s", path);
	n = pread(fd, buf, sizeof(buf), 0x8000);
	if (n < 0)
		return mc_error_errno(err, errno, "cannot read the ISO %s", path);
	if (n < (ssize_t)sizeof(buf) || memcmp(buf + 1, "CD001", 5) != 0)
		return 0;
	*is_iso = true;
	memcpy(vid, buf + (MC_ISO_VOLUME_ID_OFFSET - 0x8000), 32);
	vid[32] = '\0';
	for (int i = 31; i >= 0 && (vid[i] == ' ' || vid[i] == '\0'); i--)
		vid[i] = '\0';
	return 0;
}

int mc_iso_volume_id(const char *path, char **vid, struct mc_error *err)
{
	char v[33];
	bool is_iso;

	if (read_pvd(path, &is_iso, v, err) < 0)
		return -1;
	*vid = mc_strdup(v);
	return 0;
}

static int check_sha256_arg(const char *want, struct mc_error *err)
{
	if (want && (strlen(want) != 64 || strspn(want, "0123456789abcdefABCDEF") != 64))
		return mc_error_set(err, MC_E_USAGE,
				    "invalid --iso-sha256 \"%s\": expected 64 hexadecimal digits (sha256sum prints them)",
				    want);
	return 0;
}

static int verify_sha256(const char *path, const char *want, const char *what,
			 struct mc_error *err)
{
	char hex[65];

	if (!want)
		return 0;
	if (mc_iso_sha256_file(path, hex, err) < 0)
		return -1;
	if (strcasecmp(hex, want) != 0)
		return mc_error_set(err, MC_E_INVALID,
				    "the ISO %s has SHA-256 %s, but --iso-sha256 expects %s: check that it is the file you meant",
				    what, hex, want);
	return 0;
}

/* A local file: must exist, be a regular readable file and an ISO 9660 image. */
static int resolve_local(const char *file, const struct mc_iso_opts *o, char **path,
			 struct mc_error *err)
{
	char real[PATH_MAX];
	struct stat st;
	bool is_iso;
	char vid[33];

	if (stat(file, &st) < 0)
		return mc_error_errno(err, errno, "boot ISO %s", file);
	if (!S_ISREG(st.st_mode))
		return mc_error_set(err, MC_E_INVALID, "boot ISO %s is not a regular file", file);
	if (access(file, R_OK) < 0)
		return mc_error_errno(err, errno, "boot ISO %s is not readable", file);
	if (!realpath(file, real))
		return mc_error_errno(err, errno, "boot ISO %s", file);
	if (read_pvd(real, &is_iso, vid, err) < 0)
		return -1;
	if (!is_iso)
		return mc_error_set(err, MC_E_INVALID,
				    "%s is not an ISO 9660 image (no CD001 signature at offset 0x8001): pass a boot ISO with --iso",
				    real);
	if (verify_sha256(real, o->sha256, real, err) < 0)
		return -1;
	*path = mc_strdup(real);
	return 0;
}

/* --- downloads --- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct dl {
	int fd;
	int write_errno;
	long long offset;         /* resumed from */
	long long written;
	const struct mc_iso_opts *o;
	long long last_ms;
};

static size_t dl_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct dl *d = arg;
	size_t len = size * nmemb, off = 0;

	while (off < len) {
		ssize_t n = write(d->fd, ptr + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			d->write_errno = n < 0 ? errno : EIO;
			return 0;  /* libcurl: CURLE_WRITE_ERROR */
		}
		off += (size_t)n;
	}
	d->written += (long long)len;
	return len;
}

static int dl_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct dl *d = arg;
	long long now = mc_now_ms();

	if (d->o->progress && (now - d->last_ms >= 200 || (dltotal > 0 && dlnow == dltotal))) {
		d->last_ms = now;
		d->o->progress(d->o->arg, d->offset + dlnow, dltotal > 0 ? d->offset + dltotal : -1);
	}
	return 0;
}

static void notice(const struct mc_iso_opts *o, const char *msg)
{
	if (o->notice)
		o->notice(o->arg, msg);
	else
		mc_log(MC_LOG_INFO, "%s", msg);
}

enum { DL_DONE, DL_RESTART, DL_FAILED };

/* An easy handle for url with the options every transfer here uses. */
static CURL *new_handle(const char *url, char *ebuf, const struct mc_iso_opts *o,
			struct mc_error *err)
{
	CURL *c;

	pthread_once(&curl_once, curl_init);
	c = curl_easy_init();
	if (!c) {
		mc_error_set(err, MC_E_FAILED, "cannot initialise libcurl to download %s", url);
		return NULL;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "machinectl/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s > 0 ? o->connect_timeout_s : 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->stall_timeout_s > 0 ? o->stall_timeout_s : 60L);
	return c;
}

/* rc is a TLS failure: set err and return true. */
static bool tls_failed(CURLcode rc, const char *url, const char *ebuf, struct mc_error *err)
{
	switch (rc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		mc_error_set(err, MC_E_TLS,
			     "TLS error downloading %s: %s: check the URL (https to a plain-HTTP server?) and the system CA certificates (package ca-certificates)",
			     url, ebuf);
		return true;
	default:
		return false;
	}
}

/* One transfer into fd, resuming at its current size. */
static int transfer(const char *url, int fd, const char *part, const struct mc_iso_opts *o,
		    struct mc_error *err)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct dl d = { .fd = fd, .o = o };
	struct stat st;
	CURL *c;
	CURLcode rc;
	long code = 0;
	int ret = DL_FAILED;

	if (fstat(fd, &st) < 0) {
		mc_error_errno(err, errno, "cannot read %s", part);
		return DL_FAILED;
	}
	d.offset = st.st_size;
	if (lseek(fd, 0, SEEK_END) < 0) {
		mc_error_errno(err, errno, "cannot write %s", part);
		return DL_FAILED;
	}
	c = new_handle(url, ebuf, o, err);
	if (!c)
		return DL_FAILED;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dl_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, dl_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &d);
	if (d.offset > 0)
		curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)d.offset);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (!ebuf[0])
		snprintf(ebuf, sizeof(ebuf), "%s", curl_easy_strerror(rc));

	switch (rc) {
	case CURLE_OK:
		return DL_DONE;
	case CURLE_RANGE_ERROR:
		/* The server ignores Range: start again from byte 0. */
		if (d.offset > 0)
			return DL_RESTART;
		break;
	case CURLE_HTTP_RETURNED_ERROR:
		if (code == 416 && d.offset > 0)
			return DL_RESTART;
		if (code == 404 || code == 410) {
			mc_error_set(err, MC_E_NOT_FOUND,
				     "cannot download the ISO %s: HTTP %ld (not found): check the URL", url, code);
			return DL_FAILED;
		}
		mc_error_set(err, MC_E_NETWORK, "cannot download the ISO %s: HTTP %ld from the server (%s)",
			     url, code, ebuf);
		return DL_FAILED;
	case CURLE_WRITE_ERROR:
		if (d.write_errno == ENOSPC || d.write_errno == EDQUOT)
			mc_error_set(err, MC_E_IO,
				     "disk full while downloading %s to %s (%lld MB so far): free some space and run the command again, the download resumes",
				     url, part, (d.offset + d.written) >> 20);
		else
			mc_error_set(err, MC_E_IO, "cannot write %s while downloading %s: %s", part, url,
				     d.write_errno ? strerror(d.write_errno) : ebuf);
		return DL_FAILED;
	case CURLE_OPERATION_TIMEDOUT:
		mc_error_set(err, MC_E_TIMEOUT,
			     "timed out downloading the ISO %s (%s); %lld MB are kept in %s: run the command again to resume",
			     url, ebuf, (d.offset + d.written) >> 20, part);
		return DL_FAILED;
	default:
		if (tls_failed(rc, url, ebuf, err))
			return DL_FAILED;
		break;
	}
	mc_error_set(err, MC_E_NETWORK, "cannot download the ISO %s: %s%s", url, ebuf,
		     d.offset + d.written > 0 ? "; run the command again to resume" : "");
	return ret;
}

static int download(const char *store_root, const char *url, const struct mc_iso_opts *o,
		    char **path, struct mc_error *err)
{
	_cleanup_free_ char *cache = mc_path_join(store_root, "cache");
	_cleanup_free_ char *part = NULL, *record = NULL, *final = NULL, *rec_text = NULL;
	_cleanup_close_ int fd = -1;
	char uh[65], hex[65];
	int r;

	if (mc_mkdir_p(cache, 0700, err) < 0)
		return -1;
	if (o->sha256) {
		char want[65];

		for (int i = 0; i < 64; i++)
			want[i] = (char)(o->sha256[i] | 0x20);  /* hex digits: lower case */
		want[64] = '\0';
		final = mc_asprintf("%s/sha256-%s.iso", cache, want);
		if (mc_file_exists(final)) {
			mc_debug("ISO with SHA-256 %s is already in the cache: %s", want, final);
			*path = MC_TAKE(final);
			return 0;
		}
		free(MC_TAKE(final));
	}
	sha256_str(url, uh);
	record = mc_asprintf("%s/url-%.16s.sha256", cache, uh);
	part = mc_asprintf("%s/.url-%.16s.part", cache, uh);
	fd = open(part, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return mc_error_errno(err, errno, "cannot create %s to download %s", part, url);
	/* Another machinectl may be downloading the same URL: wait for it. */
	if (mc_os_lock(fd, mc_now_ms(), -1, o->lock_wait.fn ? &o->lock_wait : NULL) < 0)
		return mc_error_errno(err, errno, "cannot lock %s", part);
	if (mc_read_file(record, &rec_text, NULL, NULL) == 0 && strlen(rec_text) >= 64) {
		rec_text[64] = '\0';
		final = mc_asprintf("%s/sha256-%s.iso", cache, rec_text);
		if (mc_file_exists(final) && (!o->sha256 || !strcasecmp(rec_text, o->sha256))) {
			_cleanup_free_ char *msg = mc_asprintf("Using the cached ISO of %s (%s)", url, final);

			notice(o, msg);
			*path = MC_TAKE(final);
			return 0;
		}
		free(MC_TAKE(final));
	}

	{
		struct stat st;
		_cleanup_free_ char *msg = NULL;

		if (fstat(fd, &st) == 0 && st.st_size > 0)
			msg = mc_asprintf("Resuming the download of %s at %lld MB...", url,
					  (long long)st.st_size >> 20);
		else
			msg = mc_asprintf("Downloading %s to %s...", url, cache);
		notice(o, msg);
	}
	r = transfer(url, fd, part, o, err);
	if (r == DL_RESTART) {
		mc_debug("%s does not resume downloads: starting again", url);
		if (ftruncate(fd, 0) < 0)
			return mc_error_errno(err, errno, "cannot truncate %s", part);
		r = transfer(url, fd, part, o, err);
	}
	if (r != DL_DONE) {
		/* Keep a partial download only where resuming makes sense. */
		if (err->code == MC_E_NOT_FOUND || err->code == MC_E_TLS || err->code == MC_E_INVALID)
			unlink(part);
		return -1;
	}
	if (fsync(fd) < 0)
		return mc_error_errno(err, errno, "cannot write %s", part);
	if (mc_iso_sha256_file(part, hex, err) < 0)
		return -1;
	if (o->sha256 && strcasecmp(hex, o->sha256) != 0) {
		unlink(part);
		return mc_error_set(err, MC_E_INVALID,
				    "the ISO downloaded from %s has SHA-256 %s, but %s expects %s: the download was damaged or the URL serves another file; nothing was kept",
				    url, hex, o->sha256_from ? o->sha256_from : "--iso-sha256", o->sha256);
	}
	{
		bool is_iso;
		char vid[33];

		if (read_pvd(part, &is_iso, vid, err) < 0)
			return -1;
		if (!is_iso) {
			unlink(part);
			return mc_error_set(err, MC_E_INVALID,
					    "%s did not send an ISO 9660 image (no CD001 signature at offset 0x8001): check the URL; nothing was kept",
					    url);
		}
	}
	final = mc_asprintf("%s/sha256-%s.iso", cache, hex);
	/* Readable by the hypervisor's user (qemu may not run as us). */
	if (fchmod(fd, 0644) < 0 || rename(part, final) < 0)
		return mc_error_errno(err, errno, "cannot move the download %s to %s", part, final);
	{
		_cleanup_free_ char *text = mc_asprintf("%s\n", hex);

		if (mc_write_file_atomic(record, text, strlen(text), 0600, err) < 0)
			return -1;
	}
	*path = MC_TAKE(final);
	return 0;
}

int mc_iso_check_given(const char *option, const char *spec, struct mc_error *err)
{
	if (spec && !*spec)
		return mc_error_set(err, MC_E_USAGE,
				    "%s is empty: give a path or a URL, or leave it out for the default ISO", option);
	return 0;
}

int mc_iso_resolve(const char *store_root, const char *spec, const struct mc_iso_opts *opts,
		   char **path, struct mc_error *err)
{
	static const struct mc_iso_opts none = { 0 };
	const struct mc_iso_opts *o = opts ? opts : &none;

	if (check_sha256_arg(o->sha256, err) < 0)
		return -1;
	if (mc_startswith(spec, "file://")) {
		CURLU *u = curl_url();
		char *p = NULL;
		int r;

		if (curl_url_set(u, CURLUPART_URL, spec, 0) != CURLUE_OK ||
		    curl_url_get(u, CURLUPART_PATH, &p, CURLU_URLDECODE) != CURLUE_OK) {
			curl_url_cleanup(u);
			return mc_error_set(err, MC_E_INVALID,
					    "invalid URL \"%s\": expected file:///ABSOLUTE/PATH", spec);
		}
		curl_url_cleanup(u);
		r = resolve_local(p, o, path, err);
		curl_free(p);
		return r;
	}
	if (mc_startswith(spec, "http://") || mc_startswith(spec, "https://"))
		return download(store_root, spec, o, path, err);
	if (strstr(spec, "://"))
		return mc_error_set(err, MC_E_INVALID,
				    "unsupported --iso URL \"%s\": use a path, file://, http:// or https://", spec);
	return resolve_local(spec, o, path, err);
}

/* --- the default ISO: the caches, then the release URL --- */

/* The newest (mtime) of the paths candidate() makes of DIR's entries: a
 * candidate is a non-empty regular file candidate() accepts; NULL when there
 * is none. */
static char *newest_in(const char *dir, char *(*candidate)(const char *dir, const char *name))
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *best = NULL;
	struct timespec t = { 0 };

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = de->d_name[0] == '.' ? NULL : candidate(dir, de->d_name);
		struct stat st;

		if (!p || stat(p, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
			continue;
		if (!best || st.st_mtim.tv_sec > t.tv_sec ||
		    (st.st_mtim.tv_sec == t.tv_sec && st.st_mtim.tv_nsec > t.tv_nsec)) {
			free(best);
			best = p;
			p = NULL;
			t = st.st_mtim;
		}
	}
	if (d)
		closedir(d);
	return best;
}

/* A scripts/build-iso cache entry: DIR/<hash>/machinectl-os.iso. */
static char *build_entry(const char *dir, const char *name)
{
	return mc_asprintf("%s/%s/machinectl-os.iso", dir, name);
}

/* A machine OS ISO in the store's cache: machinectl-os.iso, or a download or
 * `os build` (sha256-HEX.iso) with the machine OS volume ID.  Other downloads
 * (--iso URL) are not candidates. */
static char *cache_entry(const char *cache, const char *name)
{
	size_t n = strlen(name);
	bool is_iso = false;
	char vid[33];
	char *p;

	if (!strcmp(name, "machinectl-os.iso"))
		return mc_path_join(cache, name);
	if (!(mc_startswith(name, "sha256-") && n == 7 + 64 + 4 && !strcmp(name + n - 4, ".iso")))
		return NULL;
	p = mc_path_join(cache, name);
	if (read_pvd(p, &is_iso, vid, NULL) < 0 || !is_iso ||
	    strncasecmp(vid, MC_ISO_OS_VOLUME_PREFIX, strlen(MC_ISO_OS_VOLUME_PREFIX))) {
		free(p);
		return NULL;
	}
	return p;
}

struct text {
	char buf[4096];
	size_t len;
};

static size_t text_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct text *t = arg;
	size_t len = size * nmemb;

	if (len >= sizeof(t->buf) - t->len)
		return 0;  /* too big for a checksum file: CURLE_WRITE_ERROR */
	memcpy(t->buf + t->len, ptr, len);
	t->len += len;
	t->buf[t->len] = '\0';
	return len;
}

/* The SHA-256 published at sum_url ("HEX" or sha256sum's "HEX  NAME" lines:
 * the first word), as 64 lower-case hex digits. */
static int fetch_sha256(const char *sum_url, const struct mc_iso_opts *o, char hex[65],
			struct mc_error *err)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct text t = { .len = 0 };
	CURL *c = new_handle(sum_url, ebuf, o, err);
	CURLcode rc;
	long code = 0;
	size_t n;

	if (!c)
		return -1;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, text_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (!ebuf[0])
		snprintf(ebuf, sizeof(ebuf), "%s", curl_easy_strerror(rc));
	if (rc == CURLE_HTTP_RETURNED_ERROR && (code == 404 || code == 410))
		return mc_error_set(err, MC_E_NOT_FOUND,
				    "the release publishes no checksum at %s (HTTP %ld): the machine OS ISO is downloaded only with its SHA-256 next to it",
				    sum_url, code);
	if (rc == CURLE_WRITE_ERROR)
		return mc_error_set(err, MC_E_INVALID, "%s is not a checksum file (over %zu bytes)",
				    sum_url, sizeof(t.buf) - 1);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return mc_error_set(err, MC_E_TIMEOUT, "timed out downloading %s (%s)", sum_url, ebuf);
	if (rc != CURLE_OK) {
		if (tls_failed(rc, sum_url, ebuf, err))
			return -1;
		return mc_error_set(err, MC_E_NETWORK, "cannot download %s: %s", sum_url, ebuf);
	}
	n = strspn(t.buf, "0123456789abcdefABCDEF");
	if (n != 64 || (t.buf[n] && !strchr(" \t\r\n", t.buf[n])))
		return mc_error_set(err, MC_E_INVALID,
				    "%s does not start with a SHA-256 (64 hexadecimal digits, as sha256sum prints): the release is damaged",
				    sum_url);
	for (int i = 0; i < 64; i++)
		hex[i] = (char)tolower((unsigned char)t.buf[i]);
	hex[64] = '\0';
	return 0;
}

/* Download the release ISO, verified against its published SHA-256. */
static int download_release(const char *store_root, const char *url, const struct mc_iso_opts *o,
			    char **path, struct mc_error *err)
{
	_cleanup_free_ char *sum_url = mc_asprintf("%s.sha256", url);
	struct mc_iso_opts with_sum = *o;
	char want[65];

	if (fetch_sha256(sum_url, o, want, err) < 0)
		return -1;
	with_sum.sha256 = want;
	with_sum.sha256_from = sum_url;
	{
		_cleanup_free_ char *msg = mc_asprintf("The machine OS release %s has SHA-256 %s (%s)",
						       url, want, sum_url);

		notice(o, msg);
	}
	return download(store_root, url, &with_sum, path, err);
}

/* Add the other way to get a machine OS ISO to err's message. */
static void hint_build(struct mc_error *err, const struct mc_iso_opts *o)
{
	mc_error_suffix(err, "; or build the machine OS ISO from Debian packages: %s os build (or pass --iso PATH|URL)",
			o->prog && *o->prog ? o->prog : "machinectl");
}

int mc_iso_default(const char *store_root, const struct mc_iso_opts *opts, char **path,
		   struct mc_error *err)
{
	static const struct mc_iso_opts none = { 0 };
	const struct mc_iso_opts *o = opts ? opts : &none;
	const char *env = getenv("MACHINECTL_ISO");
	const char *cache_env = getenv("MACHINECTL_ISO_CACHE");
	const char *build_cache = cache_env && *cache_env ? cache_env : "/var/cache/machinectl/iso";
	_cleanup_free_ char *cache = mc_path_join(store_root, "cache");
	char *found;

	if (env && *env)
		return mc_iso_resolve(store_root, env, NULL, path, err);
	if ((found = newest_in(cache, cache_entry)) || (found = newest_in(build_cache, build_entry))) {
		*path = found;
		return 0;
	}
	if (!o->release_url || !*o->release_url) {
		mc_error_set(err, MC_E_NOT_FOUND,
			     "no boot ISO: --iso is not given, config.ini [defaults] iso is unset, no machine OS ISO is in %s or %s/*/, and no release URL is set to download one from: set iso-url in config.ini [defaults] or MACHINECTL_ISO_URL to the URL of a machinectl-os.iso (with its SHA-256 at URL.sha256)",
			     cache, build_cache);
		hint_build(err, o);
		return -1;
	}
	if (!mc_startswith(o->release_url, "http://") && !mc_startswith(o->release_url, "https://")) {
		mc_error_set(err, MC_E_USAGE,
			     "invalid machine OS release URL \"%s\" (config.ini iso-url or MACHINECTL_ISO_URL): use http:// or https://",
			     o->release_url);
		return -1;
	}
	if (download_release(store_root, o->release_url, o, path, err) < 0) {
		mc_error_prefix(err, "no machine OS ISO in the caches, and its release download failed: ");
		hint_build(err, o);
		return -1;
	}
	return 0;
}

/* The ISO's SHA-256 (lower-case hex): what was verified (--iso-sha256), the
 * name of a download in the store's cache (sha256-HEX.iso, checked when it
 * arrived), or computed now (about 0.1 s for 100 MB). */
static int content_hash(const char *store_root, const char *path, const char *verified, char hex[65],
			struct mc_error *err)
{
	_cleanup_free_ char *cache = mc_asprintf("%s/cache/sha256-", store_root);
	const char *h = NULL;

	if (verified)
		h = verified;
	else if (mc_startswith(path, cache) && strlen(path) == strlen(cache) + 64 + 4 &&
		 !strcmp(path + strlen(cache) + 64, ".iso"))
		h = path + strlen(cache);
	if (!h)
		return mc_iso_sha256_file(path, hex, err);
	for (int i = 0; i < 64; i++)
		hex[i] = (char)tolower((unsigned char)h[i]);
	hex[64] = '\0';
	return 0;
}

int mc_iso_prepare_flags(const char *store_root, json_t *flags, const struct mc_iso_opts *opts,
			 struct mc_error *err)
{
	struct mc_iso_opts o = opts ? *opts : (struct mc_iso_opts){ 0 };
	const char *spec = NULL, *key;
	_cleanup_free_ char *path = NULL, *vid = NULL;
	char hex[65];
	json_t *v;

	if (!json_object_get(flags, "iso"))
		return 0;
	json_object_foreach(flags, key, v) {
		if (mc_str_endswith(key, "-boot2docker-url") && json_is_string(v) &&
		    *json_string_value(v))
			spec = json_string_value(v);
	}
	/* --iso wins over the alias. */
	v = json_object_get(flags, "iso");
	if (json_is_string(v) && *json_string_value(v))
		spec = json_string_value(v);
	if (!o.sha256) {
		v = json_object_get(flags, "iso-sha256");
		if (json_is_string(v) && *json_string_value(v))
			o.sha256 = json_string_value(v);
	}
	if (spec) {
		if (mc_iso_resolve(store_root, spec, &o, &path, err) < 0)
			return -1;
	} else {
		if (mc_iso_default(store_root, &o, &path, err) < 0)
			return -1;
		if (o.sha256 && verify_sha256(path, o.sha256, path, err) < 0)
			return -1;
	}
	if (mc_iso_volume_id(path, &vid, err) < 0 || content_hash(store_root, path, o.sha256, hex, err) < 0)
		return -1;
	json_object_set_new(flags, "iso-sha256", json_string(hex));
	json_object_set_new(flags, "iso-source", json_string(spec ? spec : "default"));
	json_object_set_new(flags, "iso", json_string(path));
	json_object_set_new(flags, "iso-version", json_string(vid));
	if (!strncasecmp(vid, MC_ISO_OS_VOLUME_PREFIX, strlen(MC_ISO_OS_VOLUME_PREFIX))) {
		_cleanup_free_ char *features = NULL;

		if (mc_iso_os_features(path, &features, err) < 0)
			return -1;
		json_object_set_new(flags, "iso-features", json_string(features));
	}
	return 0;
}
