#include "buildconf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "util.h"

int mc_parse_bool_value(const char *s, bool *out)
{
	/* Go's strconv.ParseBool spellings (docker-machine read its
	 * environment with it), yes/no and on/off. */
	static const char *const yes[] = { "true", "1", "t", "yes", "on" };
	static const char *const no[] = { "false", "0", "f", "no", "off" };

	for (size_t i = 0; s && i < MC_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	return -1;
}

bool mc_str_endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

void mc_str_append(char **s, const char *sep, const char *piece)
{
	char *n = *s && **s ? mc_asprintf("%s%s%s", *s, sep, piece) : mc_strdup(piece);

	free(*s);
	*s = n;
}

bool mc_parse_bool(const char *s)
{
	bool b = false;

	return mc_parse_bool_value(s, &b) == 0 && b;
}

char *mc_shell_quote(const char *s)
{
	size_t n = 2;
	char *out, *w;

	for (const char *c = s; *c; c++)
		n += *c == '\'' ? 4 : 1;
	w = out = mc_malloc(n + 1);
	*w++ = '\'';
	for (const char *c = s; *c; c++) {
		if (*c == '\'') {
			memcpy(w, "'\\''", 4);
			w += 4;
		} else {
			*w++ = *c;
		}
	}
	*w++ = '\'';
	*w = '\0';
	return out;
}

char *mc_printable(const char *s)
{
	char *out = mc_malloc(strlen(s) * 4 + 1), *o = out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			o += sprintf(o, "\\\\");
		else if (c == '\n')
			o += sprintf(o, "\\n");
		else if (c < 0x20 || c == 0x7f)
			o += sprintf(o, "\\x%02x", c);
		else
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool mc_str_utf8(const char *s)
{
	for (size_t n; *s; s += n)
		if (!(n = utf8_len((const unsigned char *)s)))
			return false;
	return true;
}

char *mc_term_safe(const char *s, enum mc_safe keep)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char *out = malloc(strlen((const char *)p) * 6 + 1), *w = out;

	if (!out)
		abort();
	while (*p) {
		size_t n = utf8_len(p);

		if (n == 1 && (*p >= 0x20 || (keep != MC_SAFE_CELL && *p == '\t') ||
			       (keep == MC_SAFE_TEXT && *p == '\n')) && *p != 0x7f) {
			*w++ = (char)*p++;
		} else if (*p == '\n' || *p == '\r') {
			w += sprintf(w, *p == '\n' ? "\\n" : "\\r");
			p++;
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			/* C1 controls (U+0080-U+009F): CSI and friends on some terminals */
			w += sprintf(w, "\\u%04x", p[1]);
			p += 2;
		} else if (n > 1) {
			memcpy(w, p, n);
			w += n;
			p += n;
		} else {
			/* DEL as a JSON escape too: the text may be JSON (inspect). */
			w += sprintf(w, *p == 0x7f ? "\\u%04x" : "\\x%02x", *p);
			p++;
		}
	}
	*w = '\0';
	return out;
}

char *mc_url_host(const char *url)
{
	const char *h, *end;

	if (!url)
		return NULL;
	h = strstr(url, "://");
	h = h ? h + 3 : url;
	if (*h == '[') {
		end = strchr(h, ']');
		return end ? mc_strndup(h + 1, (size_t)(end - h - 1)) : NULL;
	}
	end = strrchr(h, ':');
	return mc_strndup(h, end ? (size_t)(end - h) : strlen(h));
}

int mc_natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *sa = a, *sb = b;

			while (*sa == '0')
				sa++;
			while (*sb == '0')
				sb++;
			const char *ea = sa, *eb = sb;
			while (isdigit((unsigned char)*ea))
				ea++;
			while (isdigit((unsigned char)*eb))
				eb++;
			if (ea - sa != eb - sb)
				return (ea - sa) < (eb - sb) ? -1 : 1;
			int c = strncmp(sa, sb, (size_t)(ea - sa));
			if (c)
				return c;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int mc_read_file(const char *path, char **out, size_t *len, struct mc_error *err)
{
	/* O_NONBLOCK: a FIFO with no writer (left in the store, say) must not
	 * hang the open; a pipe's reads block again below (a regular file's
	 * never do). */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	size_t cap = 4096, n = 0;
	struct stat st;
	char *buf;

	if (fd < 0)
		return mc_error_errno(err, errno, "cannot read %s", path);
	if (fstat(fd, &st) < 0)
		return mc_error_errno(err, errno, "cannot read %s", path);
	if (S_ISDIR(st.st_mode))
		return mc_error_errno(err, EISDIR, "cannot read %s", path);
	/* A device (/dev/zero) or a socket is no file to read whole; a pipe
	 * (<(command)) is, and one without a writer reads as empty. */
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
		return mc_error_set(err, MC_E_INVALID, "cannot read %s: not a regular file", path);
	if (S_ISFIFO(st.st_mode) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return mc_error_errno(err, errno, "cannot read %s", path);
	buf = mc_malloc(cap);
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap) {
			/* room for MC_READ_FILE_MAX bytes, one more and the NUL */
			if (cap == MC_READ_FILE_MAX + 2) {
				free(buf);
				return mc_error_set(err, MC_E_INVALID, "cannot read %s: larger than %d MiB",
						    path, MC_READ_FILE_MAX >> 20);
			}
			cap = cap * 2 < MC_READ_FILE_MAX + 2 ? cap * 2 : MC_READ_FILE_MAX + 2;
			buf = mc_realloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return mc_error_errno(err, errno, "cannot read %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

static int fsync_dir_of(const char *path)
{
	_cleanup_free_ char *copy = mc_strdup(path);
	_cleanup_close_ int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -1 : fsync(fd);
}

int mc_write_file_atomic(const char *path, const void *data, size_t len, int mode,
			 struct mc_error *err)
{
	_cleanup_free_ char *tmp = mc_asprintf("%s.tmp.%ld", path, (long)getpid());
	const char *p = data;
	int fd;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return mc_error_errno(err, errno, "cannot write %s", path);
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	mc_test_point("write-before-rename");
	if (rename(tmp, path) < 0)
		goto fail;
	fsync_dir_of(path);
	return 0;
fail:
	mc_error_errno(err, errno, "cannot write %s", path);
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

int mc_mkdir_p(const char *path, int mode, struct mc_error *err)
{
	_cleanup_free_ char *p = mc_strdup(path);

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return mc_error_errno(err, errno, "cannot create directory %s", p);
			*s = c;
			if (!c)
				break;
		}
	}
	return 0;
}

static int rm_rf_at(int at, const char *name, struct mc_error *err, const char *top)
{
	struct stat st;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : mc_error_errno(err, errno, "cannot remove %s", top);
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d;
		struct dirent *de;
		int r = 0;

		if (fd < 0)
			return mc_error_errno(err, errno, "cannot remove %s", top);
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			return mc_error_errno(err, errno, "cannot remove %s", top);
		}
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (rm_rf_at(dirfd(d), de->d_name, err, top) < 0) {
				r = -1;
				break;
			}
		}
		closedir(d);
		if (r < 0)
			return r;
		if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return mc_error_errno(err, errno, "cannot remove %s", top);
		return 0;
	}
	if (unlinkat(at, name, 0) < 0 && errno != ENOENT)
		return mc_error_errno(err, errno, "cannot remove %s", top);
	return 0;
}

int mc_rm_rf(const char *path, struct mc_error *err)
{
	return rm_rf_at(AT_FDCWD, path, err, path);
}

void mc_format_duration(long long ms, char *buf, size_t size)
{
	if (ms < 1000)
		snprintf(buf, size, "%lldms", ms);
	else if (ms < 60000)
		snprintf(buf, size, "%.1fs", (double)ms / 1000.0);
	else
		snprintf(buf, size, "%lldm%02llds", ms / 60000, (ms / 1000) % 60);
}

struct par {
	size_t n, next;
	pthread_mutex_t lock;
	void (*fn)(size_t i, void *arg);
	void *arg;
};

static void *par_worker(void *p)
{
	struct par *par = p;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&par->lock);
		i = par->next++;
		pthread_mutex_unlock(&par->lock);
		if (i >= par->n)
			return NULL;
		par->fn(i, par->arg);
	}
}

void mc_parallel(size_t n, unsigned threads, void (*fn)(size_t i, void *arg), void *arg)
{
	struct par par = { .n = n, .fn = fn, .arg = arg, .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t *tids;
	size_t started = 0;

	if (threads > n)
		threads = (unsigned)n;
	if (threads <= 1) {
		for (size_t i = 0; i < n; i++)
			fn(i, arg);
		return;
	}
	tids = mc_calloc(threads, sizeof(*tids));
	for (unsigned k = 0; k < threads; k++)
		if (pthread_create(&tids[k], NULL, par_worker, &par) == 0)
			started++;
	if (!started)
		par_worker(&par);
	for (size_t k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	free(tids);
	pthread_mutex_destroy(&par.lock);
}

/* Does spec ("NAME" or "NAME@N") select this hit of point name?  hits
 * counts the process's hits of the point spec names. */
static bool test_point_hit(const char *spec, const char *name, _Atomic unsigned *hits)
{
	const char *at = spec ? strchr(spec, '@') : NULL;
	size_t n = at ? (size_t)(at - spec) : (spec ? strlen(spec) : 0);

	if (!spec || strlen(name) != n || strncmp(spec, name, n))
		return false;
	if (!at)
		return true;
	return ++*hits == (unsigned)strtoul(at + 1, NULL, 10);
}

void mc_test_point(const char *name)
{
	static _Atomic unsigned kill_hits, pause_hits;

	if (test_point_hit(getenv("MC_TEST_KILL_AT"), name, &kill_hits))
		raise(SIGKILL);
	if (test_point_hit(getenv("MC_TEST_PAUSE_AT"), name, &pause_hits))
		raise(SIGSTOP);
}
