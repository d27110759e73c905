/*
 * mount: a directory of a machine mounted here with sshfs, and unmounted
 * with fusermount (doc/ssh.md, "mount").  The verb (src/cmd/ssh-scp.c)
 * resolves the machine; this file names and checks the mount point, builds
 * sshfs's command line and unmounts.
 */
#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "os.h"
#include "proc.h"
#include "ssh.h"
#include "util.h"

char *mc_sshfs_default_mountpoint(const char *rpath, const char *machine, struct mc_error *err)
{
	size_t n = strlen(rpath), b;

	/* Like docker-machine (Go's filepath.Base): trailing '/' aside. */
	while (n > 1 && rpath[n - 1] == '/')
		n--;
	for (b = n; b > 0 && rpath[b - 1] != '/'; b--)
		;
	if (b == n)  /* "", "/": the machine's own name */
		return mc_strdup(machine);
	if ((n - b == 1 && rpath[b] == '.') || (n - b == 2 && !strncmp(rpath + b, "..", 2))) {
		mc_error_set(err, MC_E_USAGE,
			     "the remote path \"%s\" ends in \"%.*s\", which cannot name a mount point here (it would mount over the current directory or its parent): give MOUNTPOINT",
			     rpath, (int)(n - b), rpath + b);
		return NULL;
	}
	return mc_strndup(rpath + b, n - b);
}

/* A path as sshfs and fusermount take it: never read as an option. */
static char *path_arg(const char *path)
{
	return path[0] == '-' ? mc_asprintf("./%s", path) : mc_strdup(path);
}

/* Something mounted at path, an existing directory: its device differs from
 * its parent's (or it is the root). */
static bool is_mount_point(const char *path, const struct stat *st)
{
	_cleanup_free_ char *parent = mc_asprintf("%s/..", path);
	struct stat pst;

	return stat(parent, &pst) == 0 && (pst.st_dev != st->st_dev || pst.st_ino == st->st_ino);
}

int mc_sshfs_check_mountpoint(const char *mp, struct mc_error *err)
{
	struct stat st;

	if (!*mp)
		return mc_error_set(err, MC_E_USAGE, "the mount point is empty: give a directory");
	if (stat(mp, &st) < 0) {
		if (errno == ENOTCONN)
			return mc_error_set(err, MC_E_STATE,
					    "cannot mount on %s: a mount whose sshfs is gone is still there (stale): unmount it first (mount -u)",
					    mp);
		return 0;  /* absent: made by the caller; other errors: mkdir says */
	}
	if (!S_ISDIR(st.st_mode))
		return mc_error_set(err, MC_E_INVALID, "cannot mount on %s: it is not a directory (a mount point must be one)",
				    mp);
	if (is_mount_point(mp, &st))
		return mc_error_set(err, MC_E_STATE,
				    "cannot mount on %s: something is mounted there already (unmount it first, with mount -u if it is machinectl's, or choose another directory)",
				    mp);
	return 0;
}

/* sshfs splits -o values at commas. */
static char *fuse_escape(const char *s)
{
	char *out = mc_malloc(strlen(s) * 2 + 1), *o = out;

	for (; *s; s++) {
		if (*s == ',' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

char **mc_sshfs_argv(const struct mc_ssh_endpoint *ep, const char *rpath, const char *mountpoint)
{
	char **argv = NULL, **opts = NULL;

	mc_strv_push(&argv, mc_strdup("sshfs"));
	mc_ssh_external_opts(ep, true, &opts);
	for (size_t i = 0; opts[i]; i++) {
		if (!strcmp(opts[i], "-o")) {
			mc_strv_push(&argv, mc_strdup("-o"));
			mc_strv_push(&argv, fuse_escape(opts[++i]));
		} else if (!strcmp(opts[i], "-l")) {
			i++;  /* the user goes into USER@HOST:PATH */
		} else {
			mc_strv_push(&argv, mc_strdup(opts[i]));
		}
	}
	mc_strv_free(opts);
	mc_strv_push(&argv, strchr(ep->host, ':') ? mc_asprintf("%s@[%s]:%s", ep->user, ep->host, rpath)
						  : mc_asprintf("%s@%s:%s", ep->user, ep->host, rpath));
	mc_strv_push(&argv, path_arg(mountpoint));
	return argv;
}

/* The type of what is mounted at mountpoint (its last mount), from
 * /proc/self/mountinfo, or NULL when it cannot tell.  The mount point
 * itself is not looked at (a hung mount would wait): its directory is
 * resolved, its own name kept. */
static char *mounted_type(const char *mountpoint)
{
	_cleanup_free_ char *path = mc_strdup(mountpoint), *dir = NULL, *abs = NULL, *line = NULL;
	char *slash, *type = NULL;
	size_t n = strlen(path), cap = 0;
	FILE *f;

	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	slash = strrchr(path, '/');
	if (slash && slash[1] && strcmp(slash + 1, ".") && strcmp(slash + 1, "..")) {
		dir = slash == path ? mc_strdup("/") : mc_strndup(path, (size_t)(slash - path));
		abs = realpath(dir, NULL);
		slash++;
	} else if (!slash && strcmp(path, ".") && strcmp(path, "..")) {
		abs = realpath(".", NULL);
		slash = path;
	}
	if (!abs || !(f = fopen("/proc/self/mountinfo", "re")))
		return NULL;
	free(dir);
	dir = strcmp(abs, "/") ? mc_asprintf("%s/%s", abs, slash) : mc_asprintf("/%s", slash);
	while (getline(&line, &cap, f) > 0) {
		struct mc_os_mount m;

		if (mc_os_mountinfo_line(line, &m) && !strcmp(m.point, dir)) {
			free(type);
			type = mc_strdup(m.fstype);
		}
	}
	fclose(f);
	return type;
}

/* fusermount -u; when it fails, say why in words (fusermount's own "Invalid
 * argument" does not tell that nothing is mounted there).  The mount point
 * is looked at only then: a stat on a hung mount would wait. */
int mc_sshfs_unmount(const char *mountpoint, struct mc_error *err)
{
	_cleanup_free_ char *fm = mc_proc_which("fusermount"), *fm3 = fm ? NULL : mc_proc_which("fusermount3");
	_cleanup_free_ char *mp = path_arg(mountpoint), *type = NULL;
	const char *argv[] = { fm ? "fusermount" : "fusermount3", "-u", mp, NULL };
	struct mc_run_result res = { 0 };
	struct stat st;
	bool found;
	size_t n;

	if (!*mountpoint)
		return mc_error_set(err, MC_E_USAGE, "the mount point is empty: give the directory to unmount");
	if (!fm && !fm3)
		return mc_error_set(err, MC_E_NOT_FOUND,
				    "mount -u needs fusermount, which is not installed (Debian: apt install fuse3)");
	/* fusermount, run by root, unmounts any file system. */
	if ((type = mounted_type(mountpoint)) && strcmp(type, "fuse.sshfs"))
		return mc_error_set(err, MC_E_INVALID,
				    "cannot unmount %s: what is mounted there is %s, not sshfs (mount -u unmounts only what mount mounted)",
				    mountpoint, type);
	if (mc_proc_run(argv, &(struct mc_run_opts){ 0 }, &res, err) < 0)
		return -1;
	if (res.status == 0) {
		mc_run_result_free(&res);
		return 0;
	}
	n = strlen(res.err);
	while (n && (res.err[n - 1] == '\n' || res.err[n - 1] == ' '))
		res.err[--n] = '\0';
	found = stat(mountpoint, &st) == 0;
	if (!found && errno == ENOENT)
		mc_error_set(err, MC_E_NOT_FOUND, "cannot unmount %s: no such directory", mountpoint);
	else if (found && (!S_ISDIR(st.st_mode) || !is_mount_point(mountpoint, &st)))
		mc_error_set(err, MC_E_INVALID, "cannot unmount %s: nothing is mounted there", mountpoint);
	else
		mc_error_set(err, MC_E_IO, "cannot unmount %s: %s", mountpoint,
			     n ? res.err : "fusermount failed, without saying why");
	mc_run_result_free(&res);
	return -1;
}
