#include "buildconf.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "util.h"

static enum mc_log_level current = MC_LOG_INFO;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void mc_log_set_level(enum mc_log_level level)
{
	current = level;
}

bool mc_log_enabled(enum mc_log_level level)
{
	return level <= current;
}

void mc_logv(enum mc_log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {
		[MC_LOG_ERROR] = "error: ", [MC_LOG_WARN] = "warning: ",
		[MC_LOG_INFO] = "", [MC_LOG_DEBUG] = "debug: ",
	};

	_cleanup_free_ char *line = NULL, *safe = NULL;

	if (level > current)
		return;
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	/* What it quotes (a command's argv, a path, a value) neither ends the
	 * line nor drives the terminal. */
	safe = mc_term_safe(line, MC_SAFE_LINE);
	/* One line per call, whole, even from several threads. */
	pthread_mutex_lock(&lock);
	fprintf(stderr, "%s%s\n", prefix[level], safe);
	pthread_mutex_unlock(&lock);
}

void mc_log(enum mc_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mc_logv(level, fmt, ap);
	va_end(ap);
}
