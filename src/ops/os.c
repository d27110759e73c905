/* os build: the machine OS ISO from Debian packages, with the installed
 * builder (scripts/build-iso, installed as PKGDATADIR/os/scripts/build-iso),
 * into the store's ISO cache, where create finds it (src/iso.c). */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iso.h"
#include "ops-internal.h"
#include "proc.h"
#include "util.h"

#define OS_BUILDER MC_PKGDATADIR "/os/scripts/build-iso"

/* The builder's variables that reach it through sudo (which resets the
 * environment); MACHINECTL_ISO_VERSION defaults to ours. */
static const char *const passed_env[] = {
	"MACHINECTL_ISO_CACHE", "MACHINECTL_ISO_MIRROR", "MACHINECTL_ISO_SUITE", "MACHINECTL_ISO_ZSTD",
};

/* The builder's command line: itself as root, else through sudo. */
static int builder_argv(struct mc_session *s, const char *builder, bool force, char ***argv,
			struct mc_error *err)
{
	const char *ver = getenv("MACHINECTL_ISO_VERSION");

	if (geteuid() != 0) {
		_cleanup_free_ char *sudo = mc_proc_which("sudo");

		if (!sudo)
			return mc_error_set(err, MC_E_FAILED,
					    "building the machine OS needs root (debootstrap, chroot, mknod) and sudo is not installed: run '%s os build' as root",
					    s->prog);
		mc_strv_push(argv, mc_strdup("sudo"));
		/* Without a terminal to ask for a password on, fail rather than wait. */
		if (!isatty(0))
			mc_strv_push(argv, mc_strdup("-n"));
		mc_strv_push(argv, mc_strdup("--"));
		mc_strv_push(argv, mc_strdup("env"));
		for (size_t i = 0; i < MC_ARRAY_SIZE(passed_env); i++) {
			const char *v = getenv(passed_env[i]);

			if (v)
				mc_strv_push(argv, mc_asprintf("%s=%s", passed_env[i], v));
		}
	} else {
		mc_strv_push(argv, mc_strdup("env"));
	}
	mc_strv_push(argv, mc_asprintf("MACHINECTL_ISO_VERSION=%s", ver && *ver ? ver : PACKAGE_VERSION));
	mc_strv_push(argv, mc_strdup(builder));
	if (force)
		mc_strv_push(argv, mc_strdup("--force"));
	return 0;
}

/* Each complete line of buf[*len] (the builder's stderr) becomes a phase line. */
static void flush_lines(struct mc_session *s, long long t0, char *buf, size_t *len, bool all)
{
	char *start = buf, *nl;

	while ((nl = memchr(start, '\n', *len - (size_t)(start - buf))) || (all && start < buf + *len)) {
		if (nl)
			*nl = '\0';
		else
			buf[*len] = '\0';
		if (*start)
			mc_ui_phase(s, NULL, false, t0, "%s", start);
		start = nl ? nl + 1 : buf + *len;
	}
	*len -= (size_t)(start - buf);
	memmove(buf, start, *len);
}

/* Run the builder: its stderr lines go to the user as phases with the time
 * since the build began; *out gets its stdout (the last line is the ISO). */
static int run_builder(struct mc_session *s, char **argv, char **out, int *status,
		       struct mc_error *err)
{
	struct mc_proc p;
	char line[4096];
	size_t llen = 0, olen = 0;
	long long t0 = mc_now_ms();
	bool out_open = true, err_open = true;

	if (mc_proc_spawn((const char *const *)argv,
			  &(struct mc_proc_spawn){ .in = MC_PROC_INHERIT, .out = MC_PROC_PIPE,
						   .err = MC_PROC_PIPE, .attached = true },
			  &p, err) < 0)
		return -1;
	*out = mc_strdup("");
	while (out_open || err_open) {
		struct pollfd fds[2] = { { out_open ? p.out : -1, POLLIN, 0 }, { err_open ? p.err : -1, POLLIN, 0 } };
		ssize_t n;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents) {
			char chunk[1024];

			n = read(p.out, chunk, sizeof(chunk));
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				out_open = false;
			} else if (n > 0 && olen < 65536) {
				*out = mc_realloc(*out, olen + (size_t)n + 1);
				memcpy(*out + olen, chunk, (size_t)n);
				olen += (size_t)n;
				(*out)[olen] = '\0';
			}
		}
		if (fds[1].revents) {
			n = read(p.err, line + llen, sizeof(line) - 1 - llen);
			if (n <= 0 && !(n < 0 && errno == EINTR)) {
				err_open = false;
			} else if (n > 0) {
				llen += (size_t)n;
				flush_lines(s, t0, line, &llen, llen == sizeof(line) - 1);
			}
		}
	}
	flush_lines(s, t0, line, &llen, true);
	mc_proc_close_pipes(&p);
	*status = mc_proc_wait(&p);
	return 0;
}

/* The last non-empty line of text (modified in place), or NULL. */
static char *last_line(char *text)
{
	char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	if (end == text)
		return NULL;
	start = strrchr(text, '\n');
	return start ? start + 1 : text;
}

/* Copy src to dst (a new file, mode 0644). */
static int copy_file(const char *src, const char *dst, struct mc_error *err)
{
	_cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	static const size_t bufsz = 1 << 20;
	_cleanup_free_ char *buf = NULL;
	ssize_t n;

	if (in < 0)
		return mc_error_errno(err, errno, "cannot read %s", src);
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0)
		return mc_error_errno(err, errno, "cannot create %s", dst);
	buf = mc_malloc(bufsz);
	while ((n = read(in, buf, bufsz)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return mc_error_errno(err, errno, "cannot read %s", src);
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return mc_error_errno(err, errno, "cannot write %s", dst);
			off += w;
		}
	}
	if (fsync(out) < 0)
		return mc_error_errno(err, errno, "cannot write %s", dst);
	return 0;
}

/* Put the built ISO into the store's cache as sha256-HEX.iso, checked
 * against the SHA-256 the builder wrote beside it; *path is the cached file,
 * made the newest so that create uses it next. */
static int cache_iso(struct mc_session *s, const char *iso, char **path, struct mc_error *err)
{
	_cleanup_free_ char *sum_file = mc_asprintf("%s.sha256", iso), *sum = NULL;
	_cleanup_free_ char *cache = mc_path_join(s->store.root, "cache"), *tmp = NULL, *final = NULL;
	char hex[65];

	if (mc_read_file(sum_file, &sum, NULL, err) < 0)
		return -1;
	if (strspn(sum, "0123456789abcdef") != 64)
		return mc_error_set(err, MC_E_INVALID, "%s does not start with a SHA-256: build again with --force",
				    sum_file);
	sum[64] = '\0';
	if (mc_mkdir_p(cache, 0700, err) < 0)
		return -1;
	final = mc_asprintf("%s/sha256-%s.iso", cache, sum);
	if (!mc_file_exists(final)) {
		tmp = mc_asprintf("%s/.os-build-%ld.tmp", cache, (long)getpid());
		unlink(tmp);
		if (copy_file(iso, tmp, err) < 0 || mc_iso_sha256_file(tmp, hex, err) < 0) {
			unlink(tmp);
			return -1;
		}
		if (strcmp(hex, sum)) {
			unlink(tmp);
			return mc_error_set(err, MC_E_INVALID,
					    "the built ISO %s has SHA-256 %s, but %s says %s: build again with --force",
					    iso, hex, sum_file, sum);
		}
		if (rename(tmp, final) < 0) {
			mc_error_errno(err, errno, "cannot move %s to %s", tmp, final);
			unlink(tmp);
			return -1;
		}
	} else if (utimensat(AT_FDCWD, final, NULL, 0) < 0) {
		return mc_error_errno(err, errno, "cannot touch %s", final);
	}
	*path = MC_TAKE(final);
	return 0;
}

int mc_ops_os_build(struct mc_session *s, bool force, char **path, struct mc_error *err)
{
	const char *env = getenv("MACHINECTL_OS_BUILDER");
	const char *builder = env && *env ? env : OS_BUILDER;
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *out = NULL;
	char *iso;
	int status;

	if (access(builder, X_OK) < 0)
		return mc_error_set(err, MC_E_NOT_FOUND,
				    "the machine OS builder %s is not installed (%s): install it (Debian: the package docker-machinectl-os-builder; from the source tree: make install), or run scripts/build-iso as root in the source tree",
				    builder, strerror(errno));
	if (builder_argv(s, builder, force, &argv, err) < 0)
		return -1;
	if (run_builder(s, argv, &out, &status, err) < 0)
		return -1;
	if (status != 0)
		return mc_error_set(err, MC_E_FAILED,
				    "the machine OS build failed (%s exited with status %d; its messages are above)%s",
				    builder, status,
				    geteuid() != 0 ? ": it runs as root through sudo: run it as root, or with a sudo that may run it" : "");
	iso = last_line(out);
	if (!iso || iso[0] != '/' || !mc_file_exists(iso))
		return mc_error_set(err, MC_E_FAILED, "%s did not name the ISO it built (its last line: \"%s\")",
				    builder, iso ? iso : "");
	return cache_iso(s, iso, path, err);
}
