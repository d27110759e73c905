#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "os.h"
#include "store.h"
#include "util.h"

int mc_store_open(struct mc_store *s, const char *root, struct mc_error *err)
{
	s->root = NULL;
	s->no_modes = false;
	if (root && *root == '/') {
		s->root = mc_strdup(root);
	} else if (root && *root) {
		/* Relative to where the command runs: the paths env, config and
		 * inspect print must work from any other directory too. */
		_cleanup_free_ char *cwd = getcwd(NULL, 0);

		if (!cwd)
			return mc_error_set(err, MC_E_IO, "the store path %s is relative, but the current directory "
					    "cannot be found (%s): give an absolute path", root, strerror(errno));
		s->root = mc_path_join(cwd, root);
	} else {
		/* $HOME, or %USERPROFILE% on Windows (src/os.h). */
		_cleanup_free_ char *home = mc_os_home_dir(err);

		if (!home)
			return -1;
		s->root = mc_path_join(home, ".machinectl");
	}
	/* Strip trailing slashes so paths print cleanly. */
	for (size_t n = strlen(s->root); n > 1 && s->root[n - 1] == '/'; n--)
		s->root[n - 1] = '\0';
	return 0;
}

void mc_store_close(struct mc_store *s)
{
	free(s->root);
	s->root = NULL;
}

int mc_store_ensure(const struct mc_store *s, struct mc_error *err)
{
	static const char *const sub[] = { "certs", "cache", "machines" };

	if (mc_mkdir_p(s->root, 0700, err) < 0)
		return -1;
	for (size_t i = 0; i < MC_ARRAY_SIZE(sub); i++) {
		_cleanup_free_ char *p = mc_path_join(s->root, sub[i]);

		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return mc_error_errno(err, errno, "cannot create %s", p);
	}
	return 0;
}

/*
 * Permissions, as OpenSSH checks ~/.ssh: every directory and file of the
 * store that decides what machinectl trusts or runs must be owned by the
 * user and writable by nobody else, and private keys readable by nobody
 * else.  A missing path is fine (created later, 0700/0600).
 */
enum perm_kind { PERM_DIR, PERM_PUBLIC, PERM_SECRET };

static int check_perm(const char *path, enum perm_kind kind, struct mc_error *err)
{
	struct stat st;
	const char *what = kind == PERM_DIR ? "directory" : kind == PERM_SECRET ? "private key" : "file";

	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : mc_error_errno(err, errno, "cannot check %s", path);
	if (kind == PERM_DIR && !S_ISDIR(st.st_mode))
		return mc_error_set(err, MC_E_INVALID,
				    "%s is not a directory, but the store needs one there: move it away, or use another store (-s DIR)",
				    path);
	if (kind != PERM_DIR && !S_ISREG(st.st_mode))
		return mc_error_set(err, MC_E_INVALID,
				    "%s is not a regular file (a directory, a device or a pipe, or a link to one), but the store needs a file there: move it away",
				    path);
	if (st.st_uid != geteuid())
		return mc_error_set(err, MC_E_INVALID,
				    "the store's %s %s is owned by uid %u, not by you (uid %u): another user could have replaced the store's keys or certificates. Check it, then take it over (chown) or use another store (-s)",
				    what, path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 022)
		return mc_error_set(err, MC_E_INVALID,
				    "the store's %s %s is writable by %s (mode %04o): another user could have replaced the store's keys or certificates. Check it, then: chmod go-w '%s'",
				    what, path, st.st_mode & 002 ? "everyone" : "its group", (unsigned)(st.st_mode & 07777),
				    path);
	if (kind == PERM_SECRET && (st.st_mode & 077))
		return mc_error_set(err, MC_E_INVALID,
				    "the private key %s is readable by others (mode %04o): chmod 600 '%s', and if others may have read it, make new keys (regenerate-certs)",
				    path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

struct perm_file {
	const char *name;
	enum perm_kind kind;
};

/* dir, then its files (up to one with name == NULL) */
static int check_perms(const char *dir, const struct perm_file *files, struct mc_error *err)
{
	if (check_perm(dir, PERM_DIR, err) < 0)
		return -1;
	for (; files && files->name; files++) {
		_cleanup_free_ char *p = mc_path_join(dir, files->name);

		if (check_perm(p, files->kind, err) < 0)
			return -1;
	}
	return 0;
}

/* No Linux modes on a Windows drive under WSL without "metadata": said once,
 * when the store is opened (mc_store_check_perms). */
static bool store_has_modes(struct mc_store *s)
{
	if (!mc_os_drvfs_without_metadata(s->root))
		return true;
	s->no_modes = true;
	mc_warn("the store %s is on a Windows drive mounted without the metadata option: its permissions cannot be set or checked, so any Windows program can replace its keys. Mount the drive with metadata (/etc/wsl.conf: [automount] options = \"metadata\") or keep the store in the Linux file system",
		s->root);
	return false;
}

int mc_store_check_perms(struct mc_store *s, struct mc_error *err)
{
	static const struct perm_file root_files[] = { { "config.ini", PERM_PUBLIC }, { NULL } };
	static const struct perm_file certs[] = {
		{ "ca.pem", PERM_PUBLIC }, { "cert.pem", PERM_PUBLIC },
		{ "ca-key.pem", PERM_SECRET }, { "key.pem", PERM_SECRET }, { NULL },
	};
	static const char *const sub[] = { "machines", "cache" };
	_cleanup_free_ char *cdir = mc_path_join(s->root, "certs");

	if (!store_has_modes(s))
		return 0;
	if (check_perms(s->root, root_files, err) < 0 || check_perms(cdir, certs, err) < 0)
		return -1;
	for (size_t i = 0; i < MC_ARRAY_SIZE(sub); i++) {
		_cleanup_free_ char *d = mc_path_join(s->root, sub[i]);

		if (check_perms(d, NULL, err) < 0)
			return -1;
	}
	return 0;
}

int mc_store_check_machine_perms(const struct mc_store *s, const char *name, struct mc_error *err)
{
	static const struct perm_file files[] = {
		{ "config.json", PERM_PUBLIC }, { "known_hosts", PERM_PUBLIC }, { "ca.pem", PERM_PUBLIC },
		{ "cert.pem", PERM_PUBLIC }, { "server.pem", PERM_PUBLIC }, { "id_ed25519", PERM_SECRET },
		{ "id_rsa", PERM_SECRET }, { "id_ecdsa", PERM_SECRET }, { "key.pem", PERM_SECRET },
		{ "server-key.pem", PERM_SECRET }, { NULL },
	};
	_cleanup_free_ char *dir = mc_store_machine_dir(s, name);

	if (s->no_modes)
		return 0;
	if (check_perms(dir, files, err) < 0) {
		mc_error_machine(err, name);
		return -1;
	}
	return 0;
}

int mc_store_check_name(const char *name, struct mc_error *err)
{
	size_t n = strlen(name);

	if (n == 0)
		return mc_error_set(err, MC_E_USAGE, "invalid machine name '': a name is required");
	if (n > 63)
		return mc_error_set(err, MC_E_USAGE,
				    "invalid machine name '%.20s...': at most 63 characters (this one has %zu)",
				    name, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '-')))
			return mc_error_set(err, MC_E_USAGE,
					    "invalid machine name '%s': allowed characters are 0-9a-zA-Z . - and the first must be a letter or digit",
					    name);
	}
	return 0;
}

char *mc_store_path(const struct mc_store *s, const char *rel)
{
	return mc_path_join(s->root, rel);
}

char *mc_store_machine_dir(const struct mc_store *s, const char *name)
{
	return mc_asprintf("%s/machines/%s", s->root, name);
}

char *mc_store_machine_file(const struct mc_store *s, const char *name, const char *file)
{
	return mc_asprintf("%s/machines/%s/%s", s->root, name, file);
}

bool mc_store_exists(const struct mc_store *s, const char *name)
{
	_cleanup_free_ char *dir = mc_store_machine_dir(s, name);
	struct stat st;

	return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_names(const void *a, const void *b)
{
	return mc_natural_cmp(*(char *const *)a, *(char *const *)b);
}

int mc_store_list(const struct mc_store *s, char ***names, struct mc_error *err)
{
	_cleanup_free_ char *dir = mc_path_join(s->root, "machines");
	char **v = mc_calloc(1, sizeof(char *));
	DIR *d = opendir(dir);
	struct dirent *de;

	*names = v;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return mc_error_errno(err, errno, "cannot list machines in %s", dir);
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		/* A symlink to a directory is a machine too, as for every other
		 * verb (mc_store_exists follows it). */
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN && de->d_type != DT_LNK)
			continue;
		if (de->d_type != DT_DIR) {
			struct stat st;

			if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISDIR(st.st_mode))
				continue;
		}
		mc_strv_push(&v, mc_strdup(de->d_name));
	}
	closedir(d);
	qsort(v, mc_strv_len(v), sizeof(char *), cmp_names);
	*names = v;
	return 0;
}

static void sweep_tmp(const char *dir);

/* machines/NAME is a file or a link to nothing: not ours to remove. */
static int in_the_way_error(const struct mc_store *s, const char *name, struct mc_error *err)
{
	_cleanup_free_ char *dir = mc_store_machine_dir(s, name);

	return mc_error_set(err, MC_E_EXISTS,
			    "%s is in the way of machine \"%s\": it is not a machine's directory (a file, or a link to nothing); move it away or delete it",
			    dir, name);
}

static int open_lock(const struct mc_store *s, const char *name, int *fd, struct mc_error *err)
{
	_cleanup_free_ char *path = mc_store_machine_file(s, name, ".lock");

	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		if (errno == ENOENT)
			return mc_error_set(err, MC_E_NOT_FOUND, "Docker machine \"%s\" does not exist", name);
		if (errno == ENOTDIR)
			return in_the_way_error(s, name, err);
		return mc_error_errno(err, errno, "cannot lock machine \"%s\"", name);
	}
	return 0;
}

/* Whether fd is still the lock file of NAME: while we waited, the machine may
 * have been removed, and perhaps created anew with a new lock file. */
static bool lock_is_current(const struct mc_store *s, const char *name, int fd)
{
	_cleanup_free_ char *path = mc_store_machine_file(s, name, ".lock");
	struct stat held, now;

	return fstat(fd, &held) == 0 && stat(path, &now) == 0 && held.st_dev == now.st_dev &&
	       held.st_ino == now.st_ino;
}

int mc_store_lock(const struct mc_store *s, const char *name, int timeout_ms,
		  const struct mc_os_lock_wait *wait, int *lock_fd, struct mc_error *err)
{
	long long t0 = mc_now_ms();
	int fd = -1, r;

	for (;;) {
		/* "does not exist" when the machine has gone while we waited */
		if ((r = open_lock(s, name, &fd, err)) < 0)
			break;
		if ((r = mc_os_lock(fd, t0, timeout_ms, wait)) < 0) {
			if (errno == ETIMEDOUT)
				mc_error_set(err, MC_E_STATE,
					     "machine \"%s\" is busy: another machinectl command is working on it; try again when it has finished",
					     name);
			else
				mc_error_errno(err, errno, "cannot lock machine \"%s\"", name);
			break;
		}
		if (lock_is_current(s, name, fd))
			break;
		close(fd);  /* removed, perhaps created anew, while we waited */
	}
	if (r < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*lock_fd = fd;
	{
		/* A mutating verb: the machine's leftovers of killed writes go. */
		_cleanup_free_ char *dir = mc_store_machine_dir(s, name);

		sweep_tmp(dir);
	}
	return 0;
}

void mc_store_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);
}

static int exists_error(const char *name, struct mc_error *err)
{
	return mc_error_set(err, MC_E_EXISTS, "Docker machine \"%s\" already exists", name);
}

int mc_store_check_free(const struct mc_store *s, const char *name, struct mc_error *err)
{
	return mc_store_exists(s, name) ? exists_error(name, err) : 0;
}

int mc_store_reserve(const struct mc_store *s, const char *name, int *lock_fd,
		     struct mc_error *err)
{
	_cleanup_free_ char *dir = NULL, *tmp = NULL, *lock = NULL;
	int fd;

	if (mc_store_check_name(name, err) < 0 || mc_store_ensure(s, err) < 0)
		return -1;
	mc_store_sweep(s);
	dir = mc_store_machine_dir(s, name);
	if (mc_store_check_free(s, name, err) < 0)
		return -1;
	/* Build the directory under a hidden name with its lock file locked, then
	 * rename it into place: nobody can see NAME before its lock is held. */
	tmp = mc_asprintf("%s/machines/.new-%s-%ld", s->root, name, (long)getpid());
	lock = mc_path_join(tmp, ".lock");
	if (mkdir(tmp, 0700) < 0 && (errno != EEXIST || mc_rm_rf(tmp, NULL) < 0 || mkdir(tmp, 0700) < 0))
		return mc_error_errno(err, errno, "cannot create %s", tmp); /* EEXIST: a dead process had our pid */
	fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		mc_error_errno(err, errno, "cannot create %s", lock);
		goto fail;
	}
	/* rename(2) refuses to replace a non-empty directory, and a machine
	 * directory always holds at least its lock file. */
	if (rename(tmp, dir) < 0) {
		if (errno == ENOTDIR)
			in_the_way_error(s, name, err);
		else if (errno == ENOTEMPTY || errno == EEXIST)
			exists_error(name, err);
		else
			mc_error_errno(err, errno, "cannot create %s", dir);
		goto fail;
	}
	*lock_fd = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	mc_rm_rf(tmp, NULL);
	return -1;
}

static void sweep_dirs(const struct mc_store *s);

/* How long an atomic write (mc_write_file_atomic: FILE.tmp.PID, then a
 * rename) can take: its data is already in memory. */
#define TMP_STALE_SECONDS 600

/* Remove the FILE.tmp.PID files in dir that a killed writer left behind: its
 * process is gone, or the file is older than any write takes (the PID may
 * have been reused).  One held a CA key. */
static void sweep_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	time_t now = time(NULL);

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *t = strstr(de->d_name, ".tmp.");
		struct stat st;
		char *end;
		long pid;

		while (t && strstr(t + 1, ".tmp."))
			t = strstr(t + 1, ".tmp.");
		if (!t || t == de->d_name || !t[5])
			continue;
		pid = strtol(t + 5, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if ((kill((pid_t)pid, 0) < 0 && errno == ESRCH) || now - st.st_mtime > TMP_STALE_SECONDS) {
			mc_debug("removing %s/%s, left by a write that did not finish", dir, de->d_name);
			unlinkat(dirfd(d), de->d_name, 0);
		}
	}
	closedir(d);
}

/* Finish the work of a remover or creator that died mid-way: it left a hidden
 * .rm-NAME-PID or .new-NAME-PID directory behind; and remove the temporary
 * files of killed writes. */
void mc_store_sweep(const struct mc_store *s)
{
	static const char *const dirs[] = { "", "certs", "cache" };
	char **names = NULL;

	for (size_t i = 0; i < MC_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *d = *dirs[i] ? mc_path_join(s->root, dirs[i]) : mc_strdup(s->root);

		sweep_tmp(d);
	}
	if (mc_store_list(s, &names, NULL) == 0)
		for (char **n = names; *n; n++) {
			_cleanup_free_ char *d = mc_store_machine_dir(s, *n);

			sweep_tmp(d);
		}
	mc_strv_free(names);
	sweep_dirs(s);
}

static void sweep_dirs(const struct mc_store *s)
{
	_cleanup_free_ char *dir = mc_path_join(s->root, "machines");
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *dash = strrchr(de->d_name, '-');
		char *end;
		long pid;

		if ((strncmp(de->d_name, ".rm-", 4) != 0 && strncmp(de->d_name, ".new-", 5) != 0) ||
		    !dash)
			continue;
		pid = strtol(dash + 1, &end, 10);
		if (*end == '\0' && pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			_cleanup_free_ char *trash = mc_path_join(dir, de->d_name);

			mc_rm_rf(trash, NULL);
		}
	}
	closedir(d);
}

int mc_store_remove(const struct mc_store *s, const char *name, struct mc_error *err)
{
	_cleanup_free_ char *dir = mc_store_machine_dir(s, name);
	_cleanup_free_ char *trash = mc_asprintf("%s/machines/.rm-%s-%ld", s->root, name,
						 (long)getpid());

	/* Rename first so a crash half-way never leaves a half-deleted machine
	 * visible under its name; dot-directories are skipped by ls. */
	if (rename(dir, trash) < 0) {
		if (errno == ENOENT)
			return 0;
		return mc_error_errno(err, errno, "cannot remove machine \"%s\"", name);
	}
	mc_test_point("rm-after-rename");
	return mc_rm_rf(trash, err);
}

int mc_store_parse_remote(const struct mc_store *s, const char *arg, char **user, char **name,
			  const char **path, struct mc_error *err)
{
	const char *colon = strchr(arg, ':'), *slash = strchr(arg, '/'), *at;
	_cleanup_free_ char *prefix = NULL, *u = NULL, *n = NULL;

	*user = *name = NULL;
	*path = arg;
	if (!colon || (slash && slash < colon))
		return 0;
	prefix = mc_strndup(arg, (size_t)(colon - arg));
	at = strrchr(prefix, '@');
	u = at ? mc_strndup(prefix, (size_t)(at - prefix)) : NULL;
	n = mc_strdup(at ? at + 1 : prefix);
	if (mc_store_check_name(n, NULL) < 0 || (u && !*u))
		return mc_error_set(err, MC_E_USAGE,
				    "\"%s\" is neither a local path nor [USER@]MACHINE:PATH (write a local file whose name has a ':' as ./%s)",
				    arg, arg);
	if (!mc_store_exists(s, n))
		return mc_error_set(err, MC_E_NOT_FOUND,
				    "Docker machine \"%s\" does not exist (in \"%s\"; to copy a local file whose name has a ':', write it as ./%s)",
				    n, arg, arg);
	*path = colon + 1;
	*user = MC_TAKE(u);
	*name = MC_TAKE(n);
	return 0;
}
