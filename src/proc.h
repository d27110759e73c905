/* Run external programs from an argv (never a shell).  struct mc_run_opts
 * and struct mc_run_result are the driver ABI's (drivers/driver.h). */
#ifndef MC_PROC_H
#define MC_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* Run argv[0] (searched in PATH) with argv, capture stdout and stderr.
 * Returns 0 when the program ran (whatever its exit status: see res->status),
 * -1 when it could not be started or timed out (err set).  --debug logs the
 * argv, exit status and duration of every call.  Free res with
 * mc_run_result_free(). */
int mc_proc_run(const char *const *argv, const struct mc_run_opts *opts,
		struct mc_run_result *res, struct mc_error *err);

/* Run argv with this process's stdin, stdout and stderr (ssh, scp, rsync,
 * sshfs for the user); *status is its exit status, 128+N when killed by
 * signal N.  ^C goes to the program while it runs; a SIGTERM or SIGHUP
 * sent to us is passed on to it, and we wait for it to end. */
int mc_proc_run_attached(const char *const *argv, int *status, struct mc_error *err);

/* The primitive under every runner: start argv[0] (searched in PATH). */
enum { MC_PROC_NULL = -1, MC_PROC_PIPE = -2, MC_PROC_INHERIT = -3 };
struct mc_proc_spawn {
	int in, out, err;        /* a descriptor, or MC_PROC_NULL, _PIPE, _INHERIT */
	const char *const *env;  /* extra "K=V" entries, or NULL */
	const char *cwd;
	bool attached;           /* stay in our process group (the terminal's) */
};
struct mc_proc {
	long pid;
	int in, out, err;        /* our ends of the pipes asked for; -1 otherwise */
};
/* Fails (errno text) when the program cannot be found or executed; nothing
 * is left open then. */
int mc_proc_spawn(const char *const *argv, const struct mc_proc_spawn *o, struct mc_proc *p,
		  struct mc_error *err);
/* Reap it: its exit status, 128+N when killed by signal N. */
int mc_proc_wait(struct mc_proc *p);
void mc_proc_close_pipes(struct mc_proc *p);

/* Search PATH for an executable; malloc'd path or NULL. */
char *mc_proc_which(const char *name);

/* Render an argv for logs and messages, shell-quoted where needed (malloc'd). */
char *mc_proc_argv_str(const char *const *argv);

#endif
