/*
 * PEM inputs (certs/certs.c): the offline certificate check of a machine
 * (mc_certs_check_machine: ca.pem, cert.pem, server.pem, and the
 * .tls-check cache it keeps) and mc_certs_file_has_ip.  Input: the files'
 * contents separated by \x01 bytes, in that order (a missing part: no file).
 */
#include "buildconf.h"

#include <sys/stat.h>
#include <unistd.h>

#include "certs.h"
#include "fuzz.h"
#include "util.h"

static char *dir;
static const char *const files[] = { "ca.pem", "cert.pem", "server.pem", ".tls-check" };

/* Plain writes: the atomic writer's fsyncs would make this target crawl. */
static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	FUZZ_ASSERT(f);
	fputs(text, f);
	FUZZ_ASSERT(fclose(f) == 0);
}

static void cleanup(void)
{
	mc_rm_rf(dir, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *v[4];
	size_t n = fuzz_split(text, '\x01', v, 4);
	struct mc_machine m = { .name = "fuzz" };
	struct mc_certs_check chk = { 0 };
	struct mc_error err = { 0 };
	char *server;

	if (!dir) {
		char tmpl[] = "/tmp/mc-fuzz-pem.XXXXXX";
		char *key;

		FUZZ_ASSERT(mkdtemp(tmpl));
		dir = mc_strdup(tmpl);
		key = mc_path_join(dir, "key.pem");
		put(key, "");
		free(key);
		atexit(cleanup);
	}
	m.dir = dir;
	for (size_t i = 0; i < 4; i++) {
		char *p = mc_path_join(dir, files[i]);

		if (i < n)
			put(p, v[i]);
		else
			unlink(p);
		free(p);
	}
	if (mc_certs_check_machine(&m, "127.0.0.1", &chk, &err) < 0)
		FUZZ_ASSERT(err.msg[0]);
	mc_certs_check_free(&chk);
	mc_error_clear(&err);
	server = mc_path_join(dir, "server.pem");
	(void)mc_certs_file_has_ip(server, "10.0.0.1", &err);
	free(server);
	free(text);
	return 0;
}
