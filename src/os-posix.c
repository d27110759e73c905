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

bool mc_os_is_wsl(void)
{
	_cleanup_free_ char *rel = NULL;

	if (getenv("WSL_DISTRO_NAME"))
		return true;
	/* WSL kernels say so in their release string ("...-microsoft-standard-WSL2"). */
	if (mc_read_file("/proc/sys/kernel/osrelease", &rel, NULL, NULL) < 0)
		return false;
	for (char *c = rel; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return strstr(rel, "microsoft") != NULL || strstr(rel, "wsl") != NULL;
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

int mc_os_host_path(const char *path, char **out, struct mc_error *err)
{
	const char *argv[] = { "wslpath", "-w", path, NULL };
	struct mc_proc_result res;
	size_t n;

	if (!mc_os_is_wsl()) {
		*out = mc_strdup(path);
		return 0;
	}
	if (mc_proc_run(argv, &(struct mc_proc_opts){ .timeout_ms = 10000 }, &res, err) < 0)
		return -1;
	if (res.status != 0 || !res.out_len) {
		mc_error_set(err, MC_E_FAILED,
			     "cannot translate %s to a Windows path (wslpath -w: %s): keep the store on a Windows drive (/mnt/c/...)",
			     path, res.err_len ? res.err : "no output");
		mc_proc_result_free(&res);
		return -1;
	}
	n = res.out_len;
	while (n > 0 && (res.out[n - 1] == '\n' || res.out[n - 1] == '\r'))
		res.out[--n] = '\0';
	*out = res.out;
	res.out = NULL;
	mc_proc_result_free(&res);
	return 0;
}
