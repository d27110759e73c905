/*
 * The OS layer: the few things that differ between a POSIX host (Linux, WSL,
 * macOS) and Windows, behind one small interface.  src/os-posix.c is the
 * POSIX implementation; a native Windows build adds src/os-win32.c with the
 * same functions (see doc/windows.md for what else a Windows build needs).
 *
 * Used today by: the store (home directory), `env` (shell detection from the
 * parent processes, Windows-only variables), the hyperv driver (Windows
 * paths under WSL) and the three locks (a machine's, the certificates', the
 * ISO cache's: mc_os_lock).
 */
#ifndef MC_OS_H
#define MC_OS_H

#include <stdbool.h>

#include "error.h"

/* True on Windows (native, not WSL).  The POSIX implementation says true
 * when MACHINECTL_OS=windows, so the CLI tests can run the Windows rules of
 * `env` and of the home directory on Linux; nothing else may depend on it. */
bool mc_os_is_windows(void);

/* True when running under the Windows Subsystem for Linux, where Windows
 * programs (powershell.exe) are reachable and Windows paths differ from ours. */
bool mc_os_is_wsl(void);

/* The user's home directory (malloc'd): %USERPROFILE% on Windows, else $HOME,
 * else the password database.  NULL with err set when there is none. */
char *mc_os_home_dir(struct mc_error *err);

/* The parent process id of pid (0: this process); -1 when unknown. */
long mc_os_parent_pid(long pid);

/* The executable name of process pid ("powershell.exe", "bash"), malloc'd,
 * or NULL when unknown.  POSIX: /proc/PID/comm (Linux, WSL). */
char *mc_os_process_name(long pid);

/* "pid N, NAME" for process pid, "pid N" when its name is unknown
 * (malloc'd); NULL when pid <= 0 (unknown). */
char *mc_os_process_desc(long pid);

/* How mc_os_lock tells about a wait for another process's lock: fn is called
 * once the lock has been busy for MC_OS_LOCK_GRACE_MS, then about once a
 * second, with the holder's pid (0: unknown), the time waited and first set
 * on the first call; and once more with elapsed_ms -1 when the wait is over
 * (locked or not). */
struct mc_os_lock_wait {
	void (*fn)(void *arg, long holder, long long elapsed_ms, bool first);
	void *arg;
};
#define MC_OS_LOCK_GRACE_MS 500

/*
 * Lock fd's file exclusively (flock), waiting while another open file holds
 * it until timeout_ms after t0 (mc_now_ms(), so that a caller that opens the
 * file again keeps one limit; timeout_ms < 0: no limit), telling w (may be
 * NULL).  0, or -1 with errno: ETIMEDOUT when the lock is still busy at the
 * limit (at once when timeout_ms is 0), else flock's.
 */
int mc_os_lock(int fd, long long t0, int timeout_ms, const struct mc_os_lock_wait *w);

/* The pid of the process that holds an flock on fd's file, from /proc/locks
 * (Linux); 0 when unknown (no /proc, a holder in another pid namespace). */
long mc_os_lock_holder(int fd);

/*
 * The path a Windows program must be given for our path (malloc'd): under WSL
 * `wslpath -w` ("/mnt/c/Users/me" -> "C:\Users\me"); elsewhere the path itself.
 */
int mc_os_host_path(const char *path, char **out, struct mc_error *err);

/* The reverse under WSL: `wslpath -u` ("C:\Users\me" -> "/mnt/c/Users/me"),
 * malloc'd; elsewhere the path itself. */
int mc_os_wsl_path(const char *winpath, char **out, struct mc_error *err);

/* 2 under WSL 2 (a real Linux kernel in a VM, its own network behind NAT),
 * 1 under WSL 1 (Windows' own network stack), 0 elsewhere.  The kernel
 * release says which: WSL 2's ends in "-microsoft-standard-WSL2" (older
 * ones "-microsoft-standard"), WSL 1's in "-Microsoft".
 * MACHINECTL_TEST_OSRELEASE=FILE (tests only) replaces
 * /proc/sys/kernel/osrelease. */
int mc_os_wsl_version(void);

/* One line of /proc/self/mountinfo, split in place:
 * "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPER".
 * point has its octal escapes (\040 for a space) decoded; source and super
 * may be NULL.  False when the line is not of that shape. */
struct mc_os_mount {
	char *point, *opts, *fstype, *source, *super;
};
bool mc_os_mountinfo_line(char *line, struct mc_os_mount *m);

/*
 * True when path is on a Windows drive mounted into WSL (DrvFs: fstype
 * "drvfs" under WSL 1, "9p" with aname=drvfs under WSL 2) without the
 * "metadata" mount option: chmod does nothing there and every file shows
 * mode 0777, so a private key is never private and OpenSSH refuses it.
 * From /proc/self/mountinfo (the longest mount point that holds path);
 * MACHINECTL_TEST_MOUNTINFO=FILE (tests only) replaces it.  The store and
 * the SSH code ask this one function.
 */
bool mc_os_drvfs_without_metadata(const char *path);

#endif
