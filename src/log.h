/* Diagnostics on stderr.  Library code reports through here, never stdout. */
#ifndef MC_LOG_H
#define MC_LOG_H

#include "driver.h"

void mc_log_set_level(enum mc_log_level level);
enum mc_log_level mc_log_get_level(void);
void mc_log(enum mc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mc_logv(enum mc_log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
#define mc_debug(...) mc_log(MC_LOG_DEBUG, __VA_ARGS__)
#define mc_warn(...) mc_log(MC_LOG_WARN, __VA_ARGS__)

#endif
