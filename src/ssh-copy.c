/* scp semantics over two file systems: the local one and SFTP on a machine. */
#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "ssh-internal.h"
#include "util.h"

#define CHUNK 65536
#define READ_AHEAD 16     /* SFTP read requests in flight */
#define MAX_DEPTH 128

struct fs {
	struct mc_ssh *s;     /* NULL: local */
	sftp_session sf;
};

struct fattr {
	bool exists, dir, reg;
	mode_t mode;
	unsigned long long size;
};

/* "~" and "" are the login directory; SFTP paths are relative to it. */
static const char *remote_path(const char *p)
{
	if (!*p || !strcmp(p, "~") || !strcmp(p, "~/"))
		return ".";
	if (!strncmp(p, "~/", 2))
		return p[2] ? p + 2 : ".";
	return p;
}

static char *show(const struct fs *fs, const char *path)
{
	if (!fs->s)
		return mc_strdup(path);
	return mc_asprintf("%s:%s", mc_ssh_endpoint_of(fs->s)->machine, path);
}

static int fs_error(const struct fs *fs, const char *what, const char *path, struct mc_error *err)
{
	_cleanup_free_ char *p = show(fs, path);

	if (!fs->s)
		return mc_error_errno(err, errno, "cannot %s %s", what, p);
	return mc_error_set(err, MC_E_IO, "cannot %s %s: %s", what, p, mc_ssh_sftp_strerror(fs->s));
}

static int fs_stat(struct fs *fs, const char *path, struct fattr *a, struct mc_error *err)
{
	memset(a, 0, sizeof(*a));
	if (!fs->s) {
		struct stat st;

		if (stat(path, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				return 0;
			return fs_error(fs, "read", path, err);
		}
		*a = (struct fattr){ true, S_ISDIR(st.st_mode), S_ISREG(st.st_mode),
				     st.st_mode & 07777, (unsigned long long)st.st_size };
		return 0;
	}
	{
		sftp_attributes at = sftp_stat(fs->sf, path);

		if (!at) {
			int e = sftp_get_error(fs->sf);

			if (e == SSH_FX_NO_SUCH_FILE || e == SSH_FX_NO_SUCH_PATH)
				return 0;
			return fs_error(fs, "read", path, err);
		}
		*a = (struct fattr){ true, at->type == SSH_FILEXFER_TYPE_DIRECTORY,
				     at->type == SSH_FILEXFER_TYPE_REGULAR, at->permissions & 07777,
				     (unsigned long long)at->size };
		sftp_attributes_free(at);
		return 0;
	}
}

static int fs_mkdir(struct fs *fs, const char *path, mode_t mode, struct mc_error *err)
{
	struct fattr a;

	if (fs_stat(fs, path, &a, err) < 0)
		return -1;
	if (a.exists) {
		if (a.dir)
			return 0;
		errno = ENOTDIR;
		if (fs->s)
			return mc_error_set(err, MC_E_EXISTS, "cannot create directory %s:%s: a file of that name exists",
					    mc_ssh_endpoint_of(fs->s)->machine, path);
		return fs_error(fs, "create directory", path, err);
	}
	if (!fs->s ? mkdir(path, mode) < 0 : sftp_mkdir(fs->sf, path, mode) < 0)
		return fs_error(fs, "create directory", path, err);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int fs_list(struct fs *fs, const char *path, char ***names, struct mc_error *err)
{
	*names = NULL;
	if (!fs->s) {
		DIR *d = opendir(path);
		struct dirent *de;

		if (!d)
			return fs_error(fs, "list", path, err);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				mc_strv_push(names, mc_strdup(de->d_name));
		closedir(d);
	} else {
		sftp_dir d = sftp_opendir(fs->sf, path);
		sftp_attributes at;

		if (!d)
			return fs_error(fs, "list", path, err);
		while ((at = sftp_readdir(fs->sf, d))) {
			if (strcmp(at->name, ".") && strcmp(at->name, ".."))
				mc_strv_push(names, mc_strdup(at->name));
			sftp_attributes_free(at);
		}
		if (!sftp_dir_eof(d)) {
			sftp_closedir(d);
			mc_strv_free(*names);
			*names = NULL;
			return fs_error(fs, "list", path, err);
		}
		sftp_closedir(d);
	}
	if (*names)
		qsort(*names, mc_strv_len(*names), sizeof(char *), cmp_names);
	else
		*names = mc_calloc(1, sizeof(char *));
	return 0;
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "."))
		return mc_strdup(name);
	if (n && dir[n - 1] == '/')
		return mc_asprintf("%s%s", dir, name);
	return mc_asprintf("%s/%s", dir, name);
}

/* path with its symbolic links, "." and ".." resolved (malloc'd), or NULL. */
static char *fs_realpath(struct fs *fs, const char *path)
{
	char *real = NULL;

	if (fs->s) {
		char *c = sftp_canonicalize_path(fs->sf, path);

		real = c ? mc_strdup(c) : NULL;
		ssh_string_free_char(c);
	} else {
		char buf[PATH_MAX];

		real = realpath(path, buf) ? mc_strdup(buf) : NULL;
	}
	return real;
}

/* The last component of path, as scp names the copy ("/a/b/" -> "b"). */
static char *base_name(struct fs *fs, const char *path)
{
	_cleanup_free_ char *p = mc_strdup(path);
	size_t n = strlen(p);
	char *slash;

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	slash = strrchr(p, '/');
	if (slash && slash[1])
		return mc_strdup(slash + 1);
	if (!strcmp(p, ".") || !strcmp(p, "..") || (slash && !slash[1])) {
		/* "." or "/": the real name of the directory */
		char *real = fs_realpath(fs, p);

		if (real && strrchr(real, '/') && strrchr(real, '/')[1]) {
			char *b = mc_strdup(strrchr(real, '/') + 1);

			free(real);
			return b;
		}
		free(real);
	}
	return MC_TAKE(p);
}

struct reader {
	struct fs *fs;
	int fd;
	sftp_file f;
	unsigned long long size, requested;
	uint32_t ids[READ_AHEAD];
	uint32_t lens[READ_AHEAD];
	int head, count;
	bool eof;
};

static void reader_close(struct reader *r)
{
	/* Collect the answers still in flight so they do not linger in the session. */
	while (r->f && r->count > 0) {
		char buf[CHUNK];

		sftp_async_read(r->f, buf, r->lens[r->head], r->ids[r->head]);
		r->head = (r->head + 1) % READ_AHEAD;
		r->count--;
	}
	if (r->f)
		sftp_close(r->f);
	if (r->fd >= 0)
		close(r->fd);
	r->f = NULL;
	r->fd = -1;
}

static ssize_t reader_read(struct reader *r, char *buf)
{
	if (!r->fs->s) {
		for (;;) {
			ssize_t n = read(r->fd, buf, CHUNK);

			if (n < 0 && errno == EINTR)
				continue;
			return n;
		}
	}
	if (r->eof)
		return 0;
	while (r->count < READ_AHEAD && r->requested < r->size) {
		int slot = (r->head + r->count) % READ_AHEAD;
		int id = sftp_async_read_begin(r->f, CHUNK);

		if (id < 0)
			return -1;
		r->ids[slot] = (uint32_t)id;
		r->lens[slot] = CHUNK;
		r->requested += CHUNK;
		r->count++;
	}
	if (r->count == 0) {
		/* Past the size we were told: make sure the file did not grow. */
		ssize_t n = sftp_read(r->f, buf, CHUNK);

		if (n == 0)
			r->eof = true;
		return n;
	}
	{
		int n = sftp_async_read(r->f, buf, r->lens[r->head], r->ids[r->head]);

		r->head = (r->head + 1) % READ_AHEAD;
		r->count--;
		if (n == 0)
			r->eof = true;
		return n;
	}
}

static int copy_file(struct fs *sfs, const char *spath, struct fs *dfs, const char *dpath,
		     const struct fattr *sa, mc_ssh_progress_fn fn, void *arg, struct mc_error *err)
{
	struct reader r = { .fs = sfs, .fd = -1, .size = sa->size };
	int dfd = -1, rc = -1;
	sftp_file df = NULL;
	mode_t mode = (sa->mode & 0777) ? (sa->mode & 0777) : 0644;
	unsigned long long done = 0;
	_cleanup_free_ char *label = show(sfs, spath);
	char *buf = mc_malloc(CHUNK);

	if (!sfs->s)
		r.fd = open(spath, O_RDONLY | O_CLOEXEC);
	else
		r.f = sftp_open(sfs->sf, spath, O_RDONLY, 0);
	if (r.fd < 0 && !r.f) {
		fs_error(sfs, "open", spath, err);
		goto out;
	}
	if (!dfs->s)
		dfd = open(dpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	else
		df = sftp_open(dfs->sf, dpath, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (dfd < 0 && !df) {
		fs_error(dfs, "create", dpath, err);
		goto out;
	}
	if (fn)
		fn(arg, label, 0, (long long)sa->size);
	for (;;) {
		ssize_t n = reader_read(&r, buf);
		size_t off = 0;

		if (n < 0) {
			fs_error(sfs, "read", spath, err);
			goto out;
		}
		if (n == 0)
			break;
		while (off < (size_t)n) {
			ssize_t w = df ? sftp_write(df, buf + off, (size_t)n - off)
				       : write(dfd, buf + off, (size_t)n - off);

			if (w < 0 && !df && errno == EINTR)
				continue;
			if (w <= 0) {
				fs_error(dfs, "write", dpath, err);
				goto out;
			}
			off += (size_t)w;
		}
		done += (unsigned long long)n;
		if (fn)
			fn(arg, label, (long long)done, (long long)(done > sa->size ? done : sa->size));
	}
	if (df) {
		int c = sftp_close(df);

		df = NULL;
		if (c != SSH_OK) {
			fs_error(dfs, "write", dpath, err);
			goto out;
		}
	} else if (close(dfd) < 0) {
		dfd = -1;
		fs_error(dfs, "write", dpath, err);
		goto out;
	}
	dfd = -1;
	rc = 0;
out:
	reader_close(&r);
	if (df)
		sftp_close(df);
	if (dfd >= 0)
		close(dfd);
	free(buf);
	return rc;
}

/* What a copy carries down the tree. */
struct walk {
	bool recursive;
	bool sole;               /* one source */
	mc_ssh_progress_fn fn;
	void *arg;
	size_t skipped;          /* devices, FIFOs, sockets left out */
	char *first_skipped;     /* shown, malloc'd */
};

static int copy_any(struct fs *sfs, const char *spath, struct fs *dfs, const char *dpath,
		    int depth, struct walk *w, struct mc_error *err)
{
	struct fattr a;
	_cleanup_strv_ char **names = NULL;

	if (fs_stat(sfs, spath, &a, err) < 0)
		return -1;
	if (!a.exists) {
		_cleanup_free_ char *p = show(sfs, spath);

		return mc_error_set(err, MC_E_NOT_FOUND, "%s: No such file or directory", p);
	}
	if (a.reg)
		return copy_file(sfs, spath, dfs, dpath, &a, w->fn, w->arg, err);
	if (!a.dir) {
		_cleanup_free_ char *p = show(sfs, spath);

		/* A device, FIFO or socket is skipped, and the copy fails at
		 * its end (mc_ssh_copy), as OpenSSH's scp does (-r: over its
		 * original protocol, -O); the sole source: failed at once. */
		if (!depth && w->sole)
			return mc_error_set(err, MC_E_INVALID, "cannot copy %s: not a regular file or directory", p);
		mc_warn("skipping %s: not a regular file or directory", p);
		if (!w->skipped++)
			w->first_skipped = MC_TAKE(p);
		return 0;
	}
	if (!w->recursive) {
		_cleanup_free_ char *p = show(sfs, spath);

		return mc_error_set(err, MC_E_USAGE, "%s is a directory: use scp -r to copy directories", p);
	}
	if (depth > MAX_DEPTH) {
		_cleanup_free_ char *p = show(sfs, spath);

		return mc_error_set(err, MC_E_INVALID, "%s is nested more than %d directories deep (a symbolic link loop?)",
				    p, MAX_DEPTH);
	}
	if (fs_mkdir(dfs, dpath, (a.mode & 0777) | 0700, err) < 0 || fs_list(sfs, spath, &names, err) < 0)
		return -1;
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *sp = join(spath, names[i]);
		_cleanup_free_ char *dp = join(dpath, names[i]);

		if (copy_any(sfs, sp, dfs, dp, depth + 1, w, err) < 0)
			return -1;
	}
	return 0;
}

static int fs_init(struct fs *fs, struct mc_ssh *s, struct mc_error *err)
{
	fs->s = s;
	fs->sf = NULL;
	return s ? mc_ssh_sftp(s, &fs->sf, err) : 0;
}

/* A target written as "PATH/" that stat did not find: PATH may be a file
 * (stat fails with ENOTDIR, which SFTP reports as "no such file"). */
static int check_not_file(struct fs *dfs, const char *dpath, struct mc_error *err)
{
	_cleanup_free_ char *bare = mc_strdup(dpath);
	size_t n = strlen(bare);
	struct fattr a;

	while (n > 1 && bare[n - 1] == '/')
		bare[--n] = '\0';
	if (fs_stat(dfs, bare, &a, err) < 0)
		return -1;
	if (a.exists && !a.dir) {
		_cleanup_free_ char *p = show(dfs, bare);

		return mc_error_set(err, MC_E_INVALID, "cannot copy to %s/: %s is not a directory", p, p);
	}
	return 0;
}

static int same_error(struct mc_error *err, const char *p, const char *t, const char *what)
{
	return mc_error_set(err, MC_E_INVALID, "%s and %s are the same %s: nothing was copied", p, t, what);
}

/* On one file system: a file copied onto itself would be emptied, a
 * directory copied into itself would grow as the copy walks it (scp -r D D/).
 * Each path is resolved by its own side: two users of one machine have
 * their own login directories. */
static int check_not_itself(struct fs *sfs, const char *spath, struct fs *dfs, const char *target,
			    struct mc_error *err)
{
	_cleanup_free_ char *src = fs_realpath(sfs, spath), *dst = fs_realpath(dfs, target);
	_cleanup_free_ char *p = NULL, *t = NULL;
	bool new_target = !dst, same, inside;
	struct fattr a;
	size_t n;

	if (new_target) {
		/* It goes into its parent directory. */
		_cleanup_free_ char *parent = mc_strdup(target);
		char *slash;

		n = strlen(parent);
		while (n > 1 && parent[n - 1] == '/')
			parent[--n] = '\0';
		slash = strrchr(parent, '/');
		if (slash)
			slash[slash == parent] = '\0';
		dst = fs_realpath(dfs, slash ? parent : ".");
	}
	if (!src || !dst)
		return 0;  /* copy_any reports a missing source */
	if (fs_stat(sfs, spath, &a, err) < 0)
		return -1;
	n = strlen(src);
	same = !strcmp(src, dst) && !new_target;
	inside = a.dir && !strncmp(dst, src, n) && (!dst[n] || dst[n] == '/' || src[n - 1] == '/');
	if (!same && !inside)
		return 0;
	p = show(sfs, spath);
	t = show(dfs, target);
	if (same)
		return same_error(err, p, t, a.dir ? "directory" : "file");
	return mc_error_set(err, MC_E_INVALID, "cannot copy the directory %s into itself (%s): nothing was copied", p, t);
}

/* path as written, without repeated '/', "." components and a trailing '/'
 * ("" for "."); ".." stays, since only a resolution could drop it. */
static char *tidy(const char *path)
{
	char *t = mc_strdup(path), *o = t;
	const char *p = path;

	while (*p) {
		if (*p == '/' && o > t && o[-1] == '/') {
			p++;
		} else if (*p == '.' && (p[1] == '/' || !p[1]) && (p == path || p[-1] == '/')) {
			for (p++; *p == '/'; p++)
				;
		} else {
			*o++ = *p++;
		}
	}
	if (o > t + 1 && o[-1] == '/')
		o--;
	*o = '\0';
	return t;
}

int mc_ssh_copy_check_written(const char *sarg, const char *spath, const char *darg, const char *dpath,
			      bool recursive, struct mc_error *err)
{
	_cleanup_free_ char *src = tidy(spath), *dst = tidy(dpath), *target = NULL;
	size_t n = strlen(dpath);
	const char *base = strrchr(src, '/');

	base = base ? base + 1 : src;
	/* DST written as a directory: the copy goes inside, under the source's
	 * name (unknown here for "/", "." and ".."); a directory DST names
	 * itself as well (D D/ copies D into itself). */
	if ((!*dst || dpath[n - 1] == '/' || (dpath[n - 1] == '.' && (n == 1 || dpath[n - 2] == '/'))) &&
	    *base && strcmp(base, ".."))
		target = join(*dst ? dst : ".", base);
	if (strcmp(src, dst) && (!target || strcmp(src, target)))
		return 0;
	return same_error(err, sarg, darg, recursive ? "file or directory" : "file");
}

/* Both sides local, or sessions to one machine (as any users). */
static bool one_fs(const struct mc_ssh *a, const struct mc_ssh *b)
{
	return a == b || (a && b && a->ep.machine && b->ep.machine && !strcmp(a->ep.machine, b->ep.machine));
}

int mc_ssh_copy(const struct mc_ssh_loc *srcs, size_t nsrc, const struct mc_ssh_loc *dst,
		bool recursive, mc_ssh_progress_fn fn, void *arg, struct mc_error *err)
{
	struct fs dfs;
	struct fattr da;
	const char *dpath;
	struct walk w = { .recursive = recursive, .sole = nsrc == 1, .fn = fn, .arg = arg };
	int rc = -1;

	if (fs_init(&dfs, dst->s, err) < 0)
		return -1;
	dpath = dst->s ? remote_path(dst->path) : dst->path;
	if (fs_stat(&dfs, dpath, &da, err) < 0)
		return -1;
	/* As OpenSSH's scp: a missing target written with a trailing '/' is a new directory. */
	if (!da.exists && *dpath && dpath[strlen(dpath) - 1] == '/') {
		if (check_not_file(&dfs, dpath, err) < 0 || fs_mkdir(&dfs, dpath, 0755, err) < 0)
			return -1;
		da.exists = da.dir = true;
	}
	if (nsrc > 1 && !da.dir) {
		_cleanup_free_ char *p = show(&dfs, dst->path);

		return mc_error_set(err, da.exists ? MC_E_INVALID : MC_E_NOT_FOUND,
				    "cannot copy several sources to %s: %s", p,
				    da.exists ? "it is not a directory" : "no such directory");
	}
	for (size_t i = 0; i < nsrc; i++) {
		struct fs sfs;
		const char *spath;
		_cleanup_free_ char *target = NULL;

		if (fs_init(&sfs, srcs[i].s, err) < 0)
			goto out;
		spath = srcs[i].s ? remote_path(srcs[i].path) : srcs[i].path;
		if (da.dir) {
			_cleanup_free_ char *b = base_name(&sfs, spath);

			target = join(dpath, b);
		} else {
			target = mc_strdup(dpath);
		}
		if (one_fs(srcs[i].s, dst->s) && check_not_itself(&sfs, spath, &dfs, target, err) < 0)
			goto out;
		if (copy_any(&sfs, spath, &dfs, target, 0, &w, err) < 0)
			goto out;
	}
	/* Everything else was copied, but the copy is not complete. */
	if (w.skipped == 1)
		mc_error_set(err, MC_E_INVALID, "%s was not copied: it is not a regular file or directory",
			     w.first_skipped);
	else if (w.skipped)
		mc_error_set(err, MC_E_INVALID,
			     "%zu files were not copied (%s and others): they are not regular files or directories",
			     w.skipped, w.first_skipped);
	else
		rc = 0;
out:
	free(w.first_skipped);
	return rc;
}
