/* Errors: set once where they happen, passed up as -1. */
#ifndef MC_ERROR_H
#define MC_ERROR_H

#include "driver.h"

/* mc_error_set, mc_error_errno and mc_error_clear are header-only in the
 * driver ABI (drivers/driver.h). */
/* mc_error_set, about machine `machine` (mc_error_machine). */
int mc_error_setm(struct mc_error *err, const char *machine, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Copy src into *err unless it already holds an error; returns -1. */
int mc_error_copy(struct mc_error *err, const struct mc_error *src);
/* Prepend context to an error already set ("machine 'x': " + msg). */
void mc_error_prefix(struct mc_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append to an error already set (truncated at the buffer's end). */
void mc_error_suffix(struct mc_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Say which machine an error is about (no-op when err holds no error).  An
 * error already about another machine keeps that name in its message. */
void mc_error_machine(struct mc_error *err, const char *name);
/* The error as users read it: 'machine "NAME": MSG', or MSG when it is about
 * no one machine.  Returns buf. */
const char *mc_error_text(const struct mc_error *err, char *buf, size_t size);
/* Buffer size for mc_error_text. */
#define MC_ERROR_TEXT_MAX (sizeof(((struct mc_error *)0)->msg) + 80)
/* Process exit code for an error: 2 usage, 3 pre-create, else 1. */
int mc_error_exit_code(const struct mc_error *err);

#endif
