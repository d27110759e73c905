/* Small helpers of the core: strings, files, time, threads. */
#ifndef MC_UTIL_H
#define MC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <jansson.h>

#include "error.h"

/* The allocation, string, vector and cleanup helpers (mc_strdup,
 * mc_asprintf, _cleanup_free_, MC_TAKE...) are header-only in the driver
 * ABI (drivers/driver.h, included through error.h); these are the core's. */

/* true/false, 1/0, t/f, yes/no, on/off, in any case: 0 and *out, else -1. */
int mc_parse_bool_value(const char *s, bool *out);
/* A value checked before (or absent): true only for a "true" spelling. */
bool mc_parse_bool(const char *s);
/* Whether s ends with suffix. */
bool mc_str_endswith(const char *s, const char *suffix);
/* A list in words: *s becomes *s, sep and piece, or piece alone when *s is
 * NULL or "" (*s is freed and replaced). */
void mc_str_append(char **s, const char *sep, const char *piece);
/* s is valid UTF-8 (what a JSON string of config.json can hold). */
bool mc_str_utf8(const char *s);
/* The host of tcp://HOST:PORT (brackets of [v6] removed); malloc'd, NULL for NULL. */
char *mc_url_host(const char *url);
/* s for a message: control characters and backslashes as C escapes (malloc'd). */
char *mc_printable(const char *s);
/* What mc_term_safe keeps of the layout. */
enum mc_safe {
	MC_SAFE_CELL,  /* nothing: one table cell or word (tab and newline escaped too) */
	MC_SAFE_TEXT,  /* newline and tab: a report of several lines */
	MC_SAFE_LINE,  /* tab only: one message line ("Error: ..."), which no value can end or forge */
};
/* s with what a terminal would act on escaped, for printing data that comes
 * from outside (a daemon's answers, a config.json, a driver, the command
 * line): newline and CR as \n and \r, other control characters and DEL as
 * \xNN, C1 controls as \u00NN, invalid UTF-8 bytes as \xNN; valid UTF-8
 * is kept.  A backslash is not escaped, so text already escaped (by
 * mc_printable, say) passes unchanged.  malloc'd; s NULL is "". */
char *mc_term_safe(const char *s, enum mc_safe keep);
/* s as one POSIX shell word: 'it'\''s' (malloc'd). */
char *mc_shell_quote(const char *s);
/* Natural ("version") order: "m2" < "m10". */
int mc_natural_cmp(const char *a, const char *b);

/* The integers an option takes without a declared range: "any number a JSON
 * record holds exactly" (mc_opt_int_value). */
#define MC_INT_LIMIT (1LL << 53)

/* Whole-file read of a regular file or a pipe, up to MC_READ_FILE_MAX
 * bytes; *out NUL-terminated and malloc'd. */
#define MC_READ_FILE_MAX (64 << 20)
int mc_read_file(const char *path, char **out, size_t *len, struct mc_error *err);
/* Atomic replace: write PATH.tmp.PID, fsync, rename, fsync the directory. */
int mc_write_file_atomic(const char *path, const void *data, size_t len, int mode,
			 struct mc_error *err);
/* mkdir -p with the given mode for directories it creates. */
int mc_mkdir_p(const char *path, int mode, struct mc_error *err);
/* rm -rf; a missing path is not an error. */
int mc_rm_rf(const char *path, struct mc_error *err);

/* A named step for the crash tests (test-only; doc/testing.md, "Reliability
 * and security").  When MC_TEST_KILL_AT equals name the process kills itself
 * with SIGKILL there; when MC_TEST_PAUSE_AT equals name it stops itself with
 * SIGSTOP (the test then sends SIGKILL, SIGTERM, SIGINT or SIGCONT); NAME@N
 * acts at the Nth time the process reaches the point only.  With neither
 * variable set, nothing happens.  tests/cli/t8001-crash.sh lists
 * every point and fails when one is not covered. */
void mc_test_point(const char *name);

/* Run fn(i, arg) for i in [0, n) on up to `threads` threads; returns when all are done. */
void mc_parallel(size_t n, unsigned threads, void (*fn)(size_t i, void *arg), void *arg);

/* Format an elapsed time for humans: "850ms", "12.3s", "2m05s". */
void mc_format_duration(long long ms, char *buf, size_t size);

#endif
