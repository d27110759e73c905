/* The OS layer on POSIX hosts (Linux, WSL, macOS).  See os.h. */
#include "buildconf.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "os.h"
#include "proc.h"
#include "util.h"

bool mc_os_is_windows(void)
{
	const char *e = getenv("MACHINECTL_OS");

	/* The test seam: the Windows rules that are plain logic (env's shell
	 * detection and variables, the home directory) run here too. */
	return e && !strcmp(e, "windows");
}

/* The kernel release, lower case (malloc'd), or NULL. */
static char *os_release(void)
{
	const char *path = getenv("MACHINECTL_TEST_OSRELEASE");
	char *rel = NULL;

	if (mc_read_file(path && *path ? path : "/proc/sys/kernel/osrelease", &rel, NULL, NULL) < 0)
		return NULL;
	for (char *c = rel; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return rel;
}

bool mc_os_is_wsl(void)
{
	_cleanup_free_ char *rel = NULL;

	if (getenv("WSL_DISTRO_NAME"))
		return true;
	/* WSL kernels say so in their release string ("...-microsoft-standard-WSL2"). */
	rel = os_release();
	return rel && (strstr(rel, "microsoft") != NULL || strstr(rel, "wsl") != NULL);
}

int mc_os_wsl_version(void)
{
	_cleanup_free_ char *rel = NULL;

	if (!mc_os_is_wsl())
		return 0;
	rel = os_release();
	/* WSL 2 kernels are Microsoft's builds of Linux: "-microsoft-standard[-wsl2]". */
	return rel && (strstr(rel, "wsl2") || strstr(rel, "microsoft-standard")) ? 2 : 1;
}

static char *mountinfo_unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return s;
}

static bool has_option(const char *opts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '=' || !p[n] || p[n] == '\n'))
			return true;
	return false;
}

bool mc_os_mountinfo_line(char *line, struct mc_os_mount *m)
{
	char *dash = strstr(line, " - "), *save = NULL, *f[6] = { 0 };

	if (!dash)
		return false;
	*dash = '\0';
	f[0] = strtok_r(line, " \n", &save);
	for (int i = 1; i < 6 && f[i - 1]; i++)
		f[i] = strtok_r(NULL, " \n", &save);
	save = NULL;
	m->fstype = strtok_r(dash + 3, " \n", &save);
	m->source = strtok_r(NULL, " \n", &save);
	m->super = strtok_r(NULL, " \n", &save);
	if (!f[5] || !m->fstype)
		return false;
	m->point = mountinfo_unescape(f[4]);
	m->opts = f[5];
	return true;
}

bool mc_os_drvfs_without_metadata(const char *path)
{
	const char *mi = getenv("MACHINECTL_TEST_MOUNTINFO");
	_cleanup_free_ char *text = NULL;
	size_t best = 0;
	bool drvfs = false, metadata = false;

	if (!path || mc_read_file(mi && *mi ? mi : "/proc/self/mountinfo", &text, NULL, NULL) < 0)
		return false;
	for (char *line = text, *next; line && *line; line = next) {
		struct mc_os_mount m;
		size_t mlen;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!mc_os_mountinfo_line(line, &m))
			continue;
		mlen = strlen(m.point);
		/* The mount point must hold path ("/" holds everything); the longest wins. */
		if (strncmp(path, m.point, mlen) || (mlen > 1 && path[mlen] && path[mlen] != '/') ||
		    mlen < best)
			continue;
		best = mlen;
		drvfs = !strcmp(m.fstype, "drvfs") ||
			(!strcmp(m.fstype, "9p") && m.super && strstr(m.super, "aname=drvfs"));
		metadata = has_option(m.opts, "metadata") || has_option(m.super, "metadata");
	}
	return drvfs && !metadata;
}

char *mc_os_home_dir(struct mc_error *err)
{
	const char *home = getenv(mc_os_is_windows() ? "USERPROFILE" : "HOME");

	if (home && *home)
		return mc_strdup(home);
	if (!mc_os_is_windows()) {
		struct passwd *pw = getpwuid(getuid());

		if (pw && pw->pw_dir && *pw->pw_dir)
			return mc_strdup(pw->pw_dir);
	}
	mc_error_set(err, MC_E_INVALID, "cannot find the home directory: set %s or use --storage-path",
		     mc_os_is_windows() ? "USERPROFILE" : "HOME");
	return NULL;
}

long mc_os_parent_pid(long pid)
{
	_cleanup_free_ char *path = NULL, *stat = NULL;
	const char *p;
	long ppid;

	if (pid <= 0)
		return (long)getppid();
	path = mc_asprintf("/proc/%ld/stat", pid);
	if (mc_read_file(path, &stat, NULL, NULL) < 0)
		return -1;
	/* "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses. */
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
		return -1;
	return ppid;
}

char *mc_os_process_name(long pid)
{
	_cleanup_free_ char *path = mc_asprintf("/proc/%ld/comm", pid <= 0 ? (long)getpid() : pid);
	char *name = NULL;
	size_t n;

	if (mc_read_file(path, &name, &n, NULL) < 0)
		return NULL;
	while (n > 0 && (name[n - 1] == '\n' || name[n - 1] == '\r'))
		name[--n] = '\0';
	if (!n) {
		free(name);
		return NULL;
	}
	return name;
}

char *mc_os_process_desc(long pid)
{
	_cleanup_free_ char *name = NULL;

	if (pid <= 0)
		return NULL;
	name = mc_os_process_name(pid);
	return name ? mc_asprintf("pid %ld, %s", pid, name) : mc_asprintf("pid %ld", pid);
}

long mc_os_lock_holder(int fd)
{
	FILE *f = fopen("/proc/locks", "re");
	char line[256], type[16];
	unsigned maj, min;
	unsigned long ino;
	struct stat st;
	long pid, holder = 0;

	if (!f)
		return 0;
	if (fstat(fd, &st) == 0) {
		/* "1: FLOCK  ADVISORY  WRITE PID MAJ:MIN:INODE 0 EOF"; a waiter's
		 * line reads "1: -> FLOCK ...". */
		while (!holder && fgets(line, sizeof(line), f))
			if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%lu", type, &pid, &maj, &min, &ino) == 5 &&
			    !strcmp(type, "FLOCK") && maj == major(st.st_dev) && min == minor(st.st_dev) &&
			    ino == st.st_ino && pid > 0)
				holder = pid;
	}
	fclose(f);
	return holder;
}

int mc_os_lock(int fd, long long t0, int timeout_ms, const struct mc_os_lock_wait *w)
{
	long long next = t0 + MC_OS_LOCK_GRACE_MS;
	bool told = false;
	int r = 0;

	/* Polled, not a blocking flock: the wait is told as it goes, and ends. */
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		long long now = mc_now_ms();

		if (errno != EWOULDBLOCK && errno != EINTR) {
			r = -1;
			break;
		}
		if (timeout_ms >= 0 && now - t0 >= timeout_ms) {
			errno = ETIMEDOUT;
			r = -1;
			break;
		}
		if (w && now >= next) {
			w->fn(w->arg, mc_os_lock_holder(fd), now - t0, !told);
			told = true;
			next = now + 1000;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
	if (told) {
		int e = errno;

		w->fn(w->arg, 0, -1, false);
		errno = e;
	}
	return r;
}

/* wslpath FLAG PATH's one line of output; what and hint complete the error. */
static int wslpath(const char *flag, const char *path, const char *what, const char *hint,
		   char **out, struct mc_error *err)
{
	const char *argv[] = { "wslpath", flag, path, NULL };
	struct mc_run_result res;
	size_t n;

	if (mc_proc_run(argv, &(struct mc_run_opts){ .timeout_ms = 10000 }, &res, err) < 0)
		return -1;
	if (res.status != 0 || !res.out_len) {
		mc_error_set(err, MC_E_FAILED, "cannot translate %s%s (wslpath %s: %s)%s", path, what,
			     flag, res.err_len ? res.err : "no output", hint);
		mc_run_result_free(&res);
		return -1;
	}
	n = res.out_len;
	while (n > 0 && (res.out[n - 1] == '\n' || res.out[n - 1] == '\r'))
		res.out[--n] = '\0';
	*out = res.out;
	res.out = NULL;
	mc_run_result_free(&res);
	return 0;
}

int mc_os_wsl_path(const char *winpath, char **out, struct mc_error *err)
{
	if (!mc_os_is_wsl()) {
		*out = mc_strdup(winpath);
		return 0;
	}
	return wslpath("-u", winpath, "", "", out, err);
}

int mc_os_host_path(const char *path, char **out, struct mc_error *err)
{
	if (!mc_os_is_wsl()) {
		*out = mc_strdup(path);
		return 0;
	}
	return wslpath("-w", path, " to a Windows path",
		       ": keep the store on a Windows drive (/mnt/c/...)", out, err);
}
