/* The OS layer on POSIX hosts (Linux, WSL, macOS).  See os.h. */
#include "buildconf.h"

#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
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

/* A mountinfo field with its octal escapes (\040 for a space) decoded, in place. */
static void mountinfo_unescape(char *s)
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
}

static bool has_option(const char *opts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '=' || !p[n] || p[n] == '\n'))
			return true;
	return false;
}

bool mc_os_drvfs_without_metadata(const char *path)
{
	const char *mi = getenv("MACHINECTL_TEST_MOUNTINFO");
	_cleanup_free_ char *text = NULL;
	size_t best = 0;
	bool drvfs = false, metadata = false;

	if (!path || mc_read_file(mi && *mi ? mi : "/proc/self/mountinfo", &text, NULL, NULL) < 0)
		return false;
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT MOUNTOPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS" */
	for (char *line = text, *next; line && *line; line = next) {
		char *f[6] = { 0 }, *dash, *fstype, *source, *super, *save = NULL;
		size_t mlen;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		dash = strstr(line, " - ");
		if (!dash)
			continue;
		*dash = '\0';
		f[0] = strtok_r(line, " ", &save);
		for (int i = 1; i < 6 && f[i - 1]; i++)
			f[i] = strtok_r(NULL, " ", &save);
		save = NULL;
		fstype = strtok_r(dash + 3, " ", &save);
		source = strtok_r(NULL, " ", &save);
		super = strtok_r(NULL, " ", &save);
		if (!f[4] || !fstype)
			continue;
		mountinfo_unescape(f[4]);
		mlen = strlen(f[4]);
		/* The mount point must hold path ("/" holds everything). */
		if (strncmp(path, f[4], mlen) || (mlen > 1 && path[mlen] && path[mlen] != '/'))
			continue;
		if (mlen < best)
			continue;
		best = mlen;
		drvfs = !strcmp(fstype, "drvfs") ||
			(!strcmp(fstype, "9p") && super && strstr(super, "aname=drvfs"));
		metadata = has_option(f[5], "metadata") || has_option(super, "metadata");
		(void)source;
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
