/*
 * src/iso.c: --iso paths and URLs, the default ISO, downloads with resume,
 * hash checks and the failure modes, against a loopback HTTP server
 * (tests/lib/http-range-server.py on 127.0.0.1; nothing leaves the machine).
 */
#include "unit.h"

#include <ctype.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <utime.h>
#include <openssl/evp.h>

#include "iso.h"

#ifndef MC_TEST_SRCDIR
#define MC_TEST_SRCDIR "."
#endif

struct fx {
	char *dir;       /* temporary root */
	char *store;
	char *www;       /* served by the HTTP server */
	char *log;       /* its request log */
	pid_t server;
	int port;
	char *iso;       /* a fake ISO (also in www/boot.iso) */
	size_t iso_len;
	char sha[65];
};

static void fake_iso(const char *path, const char *vid, size_t len, unsigned seed)
{
	_cleanup_free_ char *img = mc_calloc(1, len);
	struct mc_error err = { 0 };

	for (size_t i = 0x9000; i < len; i++)
		img[i] = (char)((i * 2654435761u + seed) >> 13);
	memcpy(img + 0x8001, "CD001", 5);
	memset(img + 0x8028, ' ', 32);
	memcpy(img + 0x8028, vid, strlen(vid));
	assert_int_equal(mc_write_file_atomic(path, img, len, 0644, &err), 0);
}

static int setup(void **state)
{
	struct fx *f = mc_calloc(1, sizeof(*f));
	struct mc_error err = { 0 };
	_cleanup_free_ char *portfile = NULL, *served = NULL;

	f->dir = unit_tmpdir();
	f->store = mc_path_join(f->dir, "store");
	f->www = mc_path_join(f->dir, "www");
	f->log = mc_path_join(f->dir, "requests.log");
	f->iso = mc_path_join(f->dir, "boot.iso");
	f->iso_len = 256 * 1024;
	assert_int_equal(mc_mkdir_p(f->www, 0700, &err), 0);
	fake_iso(f->iso, "TEST-ISO-1.0", f->iso_len, 1);
	served = mc_path_join(f->www, "boot.iso");
	fake_iso(served, "TEST-ISO-1.0", f->iso_len, 1);
	{
		_cleanup_free_ char *p = mc_path_join(f->www, "big.iso");
		_cleanup_free_ char *t = mc_path_join(f->www, "notiso.iso");

		fake_iso(p, "BIG", 4 << 20, 7);
		assert_int_equal(mc_write_file_atomic(t, "<html>not found</html>\n", 23, 0644, &err), 0);
	}
	assert_int_equal(mc_iso_sha256_file(f->iso, f->sha, &err), 0);
	portfile = mc_path_join(f->dir, "port");
	f->server = fork();
	assert_true(f->server >= 0);
	if (f->server == 0) {
		_cleanup_free_ char *script = mc_path_join(MC_TEST_SRCDIR, "tests/lib/http-range-server.py");

		_cleanup_free_ char *errlog = mc_path_join(f->dir, "server.err");
		int fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		/* Its tracebacks for the connections the tests cut are expected. */
		if (fd >= 0)
			dup2(fd, 2);
		execlp("python3", "python3", script, f->www, portfile, f->log, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && !mc_file_exists(portfile); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 25 * 1000 * 1000 }, NULL);
	{
		_cleanup_free_ char *text = NULL;

		assert_int_equal(mc_read_file(portfile, &text, NULL, &err), 0);
		f->port = atoi(text);
	}
	assert_true(f->port > 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	kill(f->server, SIGTERM);
	waitpid(f->server, NULL, 0);
	unit_rmdir(f->dir);
	free(f->store);
	free(f->www);
	free(f->log);
	free(f->iso);
	free(f);
	return 0;
}

static char *url(struct fx *f, const char *path)
{
	return mc_asprintf("http://127.0.0.1:%d%s", f->port, path);
}

static int requests(struct fx *f)
{
	_cleanup_free_ char *text = NULL;
	int n = 0;

	if (mc_read_file(f->log, &text, NULL, NULL) < 0)
		return 0;
	for (char *p = text; *p; p++)
		n += *p == '\n';
	return n;
}

static bool same_file(const char *a, const char *b)
{
	char ha[65], hb[65];

	return mc_iso_sha256_file(a, ha, NULL) == 0 && mc_iso_sha256_file(b, hb, NULL) == 0 &&
	       !strcmp(ha, hb);
}

/* --- local files --- */

static void local_paths(void **state)
{
	struct fx *f = *state;
	struct mc_error err = { 0 };
	_cleanup_free_ char *p = NULL, *vid = NULL, *spaced = mc_path_join(f->dir, "my boot.iso");
	_cleanup_free_ char *furl = NULL, *text = mc_path_join(f->www, "notiso.iso");
	struct mc_iso_opts o = { 0 };

	assert_int_equal(mc_iso_resolve(f->store, f->iso, NULL, &p, &err), 0);
	assert_string_equal(p, f->iso);
	assert_int_equal(mc_iso_volume_id(p, &vid, &err), 0);
	assert_string_equal(vid, "TEST-ISO-1.0");
	free(MC_TAKE(p));

	fake_iso(spaced, "SPACED", 0x9000, 2);
	furl = mc_asprintf("file://%s/my%%20boot.iso", f->dir);
	assert_int_equal(mc_iso_resolve(f->store, furl, NULL, &p, &err), 0);
	assert_string_equal(p, spaced);
	free(MC_TAKE(p));
	free(furl);
	furl = mc_asprintf("file://LocalHost%s/my%%20boot.iso", f->dir);
	assert_int_equal(mc_iso_resolve(f->store, furl, NULL, &p, &err), 0);
	assert_string_equal(p, spaced);
	free(MC_TAKE(p));
	/* Another host's file is not this one's (libcurl takes localhost and
	 * 127.0.0.1 as this one). */
	free(furl);
	furl = mc_asprintf("file://otherhost%s/my%%20boot.iso", f->dir);
	assert_int_equal(mc_iso_resolve(f->store, furl, NULL, &p, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_non_null(strstr(err.msg, "expected file:///ABSOLUTE/PATH"));
	mc_error_clear(&err);

	assert_int_equal(mc_iso_resolve(f->store, "/no/such.iso", NULL, &p, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "/no/such.iso"));
	mc_error_clear(&err);
	assert_int_equal(mc_iso_resolve(f->store, text, NULL, &p, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_non_null(strstr(err.msg, "is not an ISO 9660 image"));
	mc_error_clear(&err);
	assert_int_equal(mc_iso_resolve(f->store, f->dir, NULL, &p, &err), -1);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	mc_error_clear(&err);
	assert_int_equal(mc_iso_resolve(f->store, "ftp://x/y.iso", NULL, &p, &err), -1);
	assert_non_null(strstr(err.msg, "unsupported --iso URL"));
	mc_error_clear(&err);

	/* An ISO option given empty is refused naming it; not given is fine. */
	assert_int_equal(mc_iso_check_given("--virtualbox-boot2docker-url", "", &err), -1);
	assert_int_equal(err.code, MC_E_USAGE);
	assert_string_equal(err.msg,
			    "--virtualbox-boot2docker-url is empty: give a path or a URL, or leave it out for the default ISO");
	mc_error_clear(&err);
	assert_int_equal(mc_iso_check_given("--iso", NULL, &err), 0);
	assert_int_equal(mc_iso_check_given("--iso", f->iso, &err), 0);

	o.sha256 = f->sha;
	assert_int_equal(mc_iso_resolve(f->store, f->iso, &o, &p, &err), 0);
	free(MC_TAKE(p));
	o.sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(mc_iso_resolve(f->store, f->iso, &o, &p, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_non_null(strstr(err.msg, f->sha));
	mc_error_clear(&err);
	o.sha256 = "abc";
	assert_int_equal(mc_iso_resolve(f->store, f->iso, &o, &p, &err), -1);
	assert_int_equal(err.code, MC_E_USAGE);
	assert_non_null(strstr(err.msg, "invalid --iso-sha256"));
	/* Nothing local goes to the cache. */
	assert_false(mc_file_exists(f->store));
}

static void default_iso(void **state)
{
	struct fx *f = *state;
	struct mc_error err = { 0 };
	_cleanup_free_ char *bc = mc_path_join(f->dir, "build-cache"), *p = NULL;
	_cleanup_free_ char *old = mc_path_join(bc, "aaaa/machinectl-os.iso");
	_cleanup_free_ char *new = mc_path_join(bc, "bbbb/machinectl-os.iso");
	_cleanup_free_ char *inst = mc_path_join(f->store, "cache/machinectl-os.iso");
	_cleanup_free_ char *d1 = mc_path_join(bc, "aaaa"), *d2 = mc_path_join(bc, "bbbb");
	_cleanup_free_ char *d3 = mc_path_join(f->store, "cache");

	unsetenv("MACHINECTL_ISO");
	setenv("MACHINECTL_ISO_CACHE", bc, 1);
	assert_int_equal(mc_iso_default(f->store, &(struct mc_iso_opts){ .prog = "mc-x" }, &p, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "mc-x os build"));
	assert_non_null(strstr(err.msg, "iso-url"));
	assert_non_null(strstr(err.msg, bc));
	mc_error_clear(&err);

	assert_int_equal(mc_mkdir_p(d1, 0700, &err), 0);
	assert_int_equal(mc_mkdir_p(d2, 0700, &err), 0);
	fake_iso(new, "NEW", 0x9000, 3);
	fake_iso(old, "OLD", 0x9000, 4);
	assert_int_equal(utime(old, &(struct utimbuf){ 1000, 1000 }), 0);
	assert_int_equal(mc_iso_default(f->store, NULL, &p, &err), 0);
	assert_string_equal(p, new);   /* the newest build */
	free(MC_TAKE(p));

	assert_int_equal(mc_mkdir_p(d3, 0700, &err), 0);
	fake_iso(inst, "INSTALLED", 0x9000, 5);
	assert_int_equal(mc_iso_default(f->store, NULL, &p, &err), 0);
	assert_string_equal(p, inst);  /* the store's copy wins over builds */
	free(MC_TAKE(p));

	setenv("MACHINECTL_ISO", f->iso, 1);
	assert_int_equal(mc_iso_default(f->store, NULL, &p, &err), 0);
	assert_string_equal(p, f->iso);
	free(MC_TAKE(p));
	unsetenv("MACHINECTL_ISO");
	unsetenv("MACHINECTL_ISO_CACHE");
}

static void prepare_flags(void **state)
{
	struct fx *f = *state;
	struct mc_error err = { 0 };
	json_t *flags = json_pack("{s:n, s:s, s:n}", "iso", "libvirt-boot2docker-url", f->iso,
				  "iso-sha256");
	json_t *none = json_pack("{s:s}", "url", "tcp://x:1");

	assert_int_equal(mc_iso_prepare_flags(f->store, flags, NULL, &err), 0);
	assert_string_equal(json_string_value(json_object_get(flags, "iso")), f->iso);
	assert_string_equal(json_string_value(json_object_get(flags, "iso-source")), f->iso);
	assert_string_equal(json_string_value(json_object_get(flags, "iso-version")), "TEST-ISO-1.0");
	{
		/* The file's SHA-256 for the driver (the remote libvirt pool's
		 * volume name): the same as computed on its own, lower case; and
		 * taken as verified when --iso-sha256 (any case) was given. */
		char hex[65], upper[65];

		assert_int_equal(mc_iso_sha256_file(f->iso, hex, &err), 0);
		assert_string_equal(json_string_value(json_object_get(flags, "iso-sha256")), hex);
		for (int i = 0; i < 65; i++)
			upper[i] = (char)toupper((unsigned char)hex[i]);
		json_object_set_new(flags, "iso", json_string(f->iso));
		json_object_set_new(flags, "iso-sha256", json_string(upper));
		assert_int_equal(mc_iso_prepare_flags(f->store, flags, NULL, &err), 0);
		assert_string_equal(json_string_value(json_object_get(flags, "iso-sha256")), hex);
	}
	/* --iso-sha256 comes from the flags too. */
	json_object_set_new(flags, "iso-sha256", json_string("1111111111111111111111111111111111111111111111111111111111111111"));
	assert_int_equal(mc_iso_prepare_flags(f->store, flags, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	/* A driver without an iso flag: untouched. */
	assert_int_equal(mc_iso_prepare_flags(f->store, none, NULL, &err), -1 + 1);
	assert_int_equal(json_object_size(none), 1);
	json_decref(flags);
	json_decref(none);
}

/* --- downloads --- */

struct prog {
	long long last_done, last_total;
	int calls;
	char notice[1024];
};

static void on_progress(void *arg, long long done, long long total)
{
	struct prog *p = arg;

	p->calls++;
	p->last_done = done;
	p->last_total = total;
}

static void on_notice(void *arg, const char *msg)
{
	struct prog *p = arg;

	snprintf(p->notice, sizeof(p->notice), "%s", msg);
}

static void download_and_cache(void **state)
{
	struct fx *f = *state;
	struct mc_error err = { 0 };
	struct prog pr = { 0 };
	struct mc_iso_opts o = { .progress = on_progress, .notice = on_notice, .arg = &pr };
	_cleanup_free_ char *u = url(f, "/boot.iso"), *p = NULL, *want = NULL, *other = url(f, "/other.iso");
	int n;

	assert_int_equal(mc_iso_resolve(f->store, u, &o, &p, &err), 0);
	want = mc_asprintf("%s/cache/sha256-%s.iso", f->store, f->sha);
	assert_string_equal(p, want);
	assert_true(same_file(p, f->iso));
	assert_true(pr.calls > 0);
	assert_int_equal(pr.last_done, (long long)f->iso_len);
	assert_int_equal(pr.last_total, (long long)f->iso_len);
	assert_non_null(strstr(pr.notice, "Downloading"));
	n = requests(f);
	assert_int_equal(n, 1);
	free(MC_TAKE(p));

	/* Again: from the cache, without a request. */
	assert_int_equal(mc_iso_resolve(f->store, u, &o, &p, &err), 0);
	assert_string_equal(p, want);
	assert_int_equal(requests(f), n);
	assert_non_null(strstr(pr.notice, "Using the cached ISO"));
	free(MC_TAKE(p));

	/* Any URL with a known --iso-sha256: from the cache too. */
	o.sha256 = f->sha;
	assert_int_equal(mc_iso_resolve(f->store, other, &o, &p, &err), 0);
	assert_string_equal(p, want);
	assert_int_equal(requests(f), n);
}

static void download_errors(void **state)
{
	struct fx *f = *state;
	struct mc_error err = { 0 };
	struct mc_iso_opts o = { .stall_timeout_s = 1, .connect_timeout_s = 5 };
	_cleanup_free_ char *p = NULL, *missing = url(f, "/missing.iso"), *notiso = url(f, "/notiso.iso");
	_cleanup_free_ char *tls = mc_asprintf("https://127.0.0.1:%d/boot.iso", f->port);
	_cleanup_free_ char *stall = url(f, "/stall/boot.iso"), *big = url(f, "/big.iso");
	_cleanup_free_ char *closed = mc_strdup("http://127.0.0.1:1/boot.iso");

	assert_int_equal(mc_iso_resolve(f->store, missing, &o, &p, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "HTTP 404"));
	assert_non_null(strstr(err.msg, missing));
	mc_error_clear(&err);

	assert_int_equal(mc_iso_resolve(f->store, tls, &o, &p, &err), -1);
	assert_int_equal(err.code, MC_E_TLS);
	assert_non_null(strstr(err.msg, "TLS error"));
	mc_error_clear(&err);

	assert_int_equal(mc_iso_resolve(f->store, closed, &o, &p, &err), -1);
	assert_int_equal(err.code, MC_E_NETWORK);
	mc_error_clear(&err);

	assert_int_equal(mc_iso_resolve(f->store, notiso, &o, &p, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_non_null(strstr(err.msg, "did not send an ISO 9660 image"));
	mc_error_clear(&err);

	assert_int_equal(mc_iso_resolve(f->store, stall, &o, &p, &err), -1);
	assert_int_equal(err.code, MC_E_TIMEOUT);
	assert_non_null(strstr(err.msg, "run the command again to resume"));
	mc_error_clear(&err);

	o.sha256 = "2222222222222222222222222222222222222222222222222222222222222222";
	assert_int_equal(mc_iso_resolve(f->store, big, &o, &p, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_non_null(strstr(err.msg, "nothing was kept"));
	mc_error_clear(&err);
	o.sha256 = NULL;

	/* A write error (as when the disk is full): a 1 MiB file-size limit. */
	{
		struct rlimit old, lim = { 1 << 20, 1 << 20 };

		signal(SIGXFSZ, SIG_IGN);
		assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
		lim.rlim_max = old.rlim_max;
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
		assert_int_equal(mc_iso_resolve(f->store, big, &o, &p, &err), -1);
		assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
		signal(SIGXFSZ, SIG_DFL);
		assert_int_equal(err.code, MC_E_IO);
		assert_non_null(strstr(err.msg, "cannot write"));
		mc_error_clear(&err);
	}
	/* ... and once there is space again, the download resumes and completes. */
	assert_int_equal(mc_iso_resolve(f->store, big, &o, &p, &err), 0);
	{
		_cleanup_free_ char *src = mc_path_join(f->www, "big.iso"), *text = NULL;

		assert_true(same_file(p, src));
		assert_int_equal(mc_read_file(f->log, &text, NULL, &err), 0);
		assert_non_null(strstr(text, "GET /big.iso range=bytes=1048576-"));
	}
}

static void resume(void **state)
{
	struct fx *f = *state;
	struct mc_error err = { 0 };
	struct mc_iso_opts o = { .stall_timeout_s = 5 };
	_cleanup_free_ char *flaky = url(f, "/flaky/big.iso"), *norange = url(f, "/norange/big.iso");
	_cleanup_free_ char *p = NULL, *text = NULL, *src = mc_path_join(f->www, "big.iso");
	_cleanup_free_ char *expect = mc_asprintf("GET /flaky/big.iso range=bytes=%d-", 2 << 20);

	/* Interrupted half-way: an error that says the download resumes... */
	assert_int_equal(mc_iso_resolve(f->store, flaky, &o, &p, &err), -1);
	assert_int_equal(err.code, MC_E_NETWORK);
	assert_non_null(strstr(err.msg, "run the command again to resume"));
	mc_error_clear(&err);
	/* ... and it does, from where it stopped. */
	assert_int_equal(mc_iso_resolve(f->store, flaky, &o, &p, &err), 0);
	assert_true(same_file(p, src));
	assert_int_equal(mc_read_file(f->log, &text, NULL, &err), 0);
	assert_non_null(strstr(text, expect));
	free(MC_TAKE(p));

	/* A server that ignores Range: start again from byte 0. */
	{
		unsigned char md[32];
		unsigned int n = 0;
		char hex[65];
		_cleanup_free_ char *part = NULL;
		static const char junk[4096];

		EVP_Digest(norange, strlen(norange), md, &n, EVP_sha256(), NULL);
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		part = mc_asprintf("%s/cache/.url-%.16s.part", f->store, hex);
		assert_int_equal(mc_write_file_atomic(part, junk, sizeof(junk), 0600, &err), 0);
		assert_int_equal(mc_iso_resolve(f->store, norange, &o, &p, &err), 0);
		assert_true(same_file(p, src));
		assert_false(mc_file_exists(part));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(local_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(default_iso, setup, teardown),
		cmocka_unit_test_setup_teardown(prepare_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(download_and_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(download_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(resume, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
