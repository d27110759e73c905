/* Diagnostics on stderr.  Library code reports through here, never stdout. */
#ifndef MC_LOG_H
#define MC_LOG_H

#include <stdbool.h>

#include "driver.h"

void mc_log_set_level(enum mc_log_level level);
/* Whether messages of this level are shown (skip costly formatting when not). */
bool mc_log_enabled(enum mc_log_level level);
void mc_log(enum mc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mc_logv(enum mc_log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
#define mc_debug(...) mc_log(MC_LOG_DEBUG, __VA_ARGS__)
#define mc_warn(...) mc_log(MC_LOG_WARN, __VA_ARGS__)

#endif
