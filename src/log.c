#include "buildconf.h"

#include <pthread.h>
#include <stdio.h>

#include "log.h"

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

	if (level > current)
		return;
	/* One line per call, whole, even from several threads. */
	pthread_mutex_lock(&lock);
	fputs(prefix[level], stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&lock);
}

void mc_log(enum mc_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mc_logv(level, fmt, ap);
	va_end(ap);
}
