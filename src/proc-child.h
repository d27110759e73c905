/*
 * A long-lived child process spoken to over pipes: lines in on its stdin,
 * lines out of its stdout, with a deadline on every read.  For helpers that
 * are expensive to start and answer many requests (the hyperv driver's
 * PowerShell shim).  One-shot programs use mc_proc_run (proc.h) instead.
 *
 * The child runs in its own process group; its stderr is drained alongside
 * stdout (so it never blocks on a full pipe) and the last few KB are kept for
 * error messages.  Not thread-safe: callers serialize access to one child.
 */
#ifndef MC_PROC_CHILD_H
#define MC_PROC_CHILD_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct mc_child;

/* Start argv[0] (searched in PATH) with pipes on stdin, stdout and stderr.
 * --debug logs the argv.  Free with mc_proc_child_close(). */
int mc_proc_child_spawn(const char *const *argv, struct mc_child **out, struct mc_error *err);

/* Write all of buf to the child's stdin within timeout_ms (0: no limit).
 * MC_E_IO when the child has closed its stdin (exited). */
int mc_proc_child_write(struct mc_child *c, const char *buf, size_t len, int timeout_ms,
			struct mc_error *err);

/* Read the next line of the child's stdout (without its "\n" or "\r\n"),
 * *line malloc'd.  MC_E_TIMEOUT when no whole line came within timeout_ms
 * (0: no limit); MC_E_IO when the child closed its stdout (exited). */
int mc_proc_child_read_line(struct mc_child *c, int timeout_ms, char **line,
			    struct mc_error *err);

/* What the child wrote on stderr so far (the last few KB), NUL-terminated;
 * "" when nothing. */
const char *mc_proc_child_stderr(struct mc_child *c);

/* Close the child's stdin, give it grace_ms to exit, then kill its process
 * group; reap it and free c (NULL is fine).  Returns its exit status (128+N
 * when killed by signal N), -1 when c is NULL. */
int mc_proc_child_close(struct mc_child *c, int grace_ms);

#endif
