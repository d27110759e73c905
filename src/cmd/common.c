/* What the verbs share: how operations' progress is printed, failures, and
 * running a verb over several machines in parallel. */
#include "buildconf.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "term.h"
#include "util.h"

int mc_cli_fail(const struct mc_error *err)
{
	char text[MC_ERROR_TEXT_MAX];
	/* Messages quote what daemons, drivers and files said. */
	_cleanup_free_ char *safe = mc_term_safe(mc_error_text(err, text, sizeof(text)), MC_SAFE_LINE);

	fprintf(stderr, "Error: %s\n", safe);
	return mc_error_exit_code(err);
}

void mc_cli_eprintf(const char *fmt, ...)
{
	_cleanup_free_ char *line = NULL, *safe = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		abort();
	va_end(ap);
	safe = mc_term_safe(line, MC_SAFE_LINE);
	fprintf(stderr, "%s\n", safe);
}

/* Lines from threads (parallel creates, starts...) never interleave, and
 * each message is one line: a value in it (a path, a driver's or guest's
 * words) cannot start a line that seems another machine's. */
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void ui_phase(void *arg, const char *machine, bool named, long long elapsed_ms,
		     const char *msg)
{
	char el[32];
	_cleanup_free_ char *safe = mc_term_safe(msg, MC_SAFE_LINE);

	mc_format_duration(elapsed_ms, el, sizeof(el));
	pthread_mutex_lock(&out_lock);
	if (named)
		printf("(%s) %s [%s]\n", machine, safe, el);
	else
		printf("%s [%s]\n", safe, el);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void ui_driver_phase(void *arg, const char *machine, const char *msg)
{
	_cleanup_free_ char *safe = mc_term_safe(msg, MC_SAFE_LINE);

	pthread_mutex_lock(&out_lock);
	printf("(%s) %s\n", machine, safe);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void ui_info(void *arg, const char *msg)
{
	_cleanup_free_ char *safe = mc_term_safe(msg, MC_SAFE_LINE);

	pthread_mutex_lock(&out_lock);
	printf("%s\n", safe);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void ui_warn(void *arg, const char *msg)
{
	_cleanup_free_ char *safe = mc_term_safe(msg, MC_SAFE_LINE);

	fprintf(stderr, "Warning: %s\n", safe);
}

static void ui_progress(void *arg, const char *label, long long done, long long total)
{
	mc_term_progress(label, done, total);
	if (total > 0 && done >= total)
		mc_term_progress_end();
}

/* Redrawn in place on a terminal; elsewhere one line, when the wait begins. */
static void ui_wait(void *arg, const char *msg, long long elapsed_ms, bool first)
{
	bool tty = mc_term_isatty(2);
	_cleanup_free_ char *safe = mc_term_safe(msg, MC_SAFE_CELL);
	char el[32];

	if (!tty && (!msg || !first))
		return;
	mc_format_duration(elapsed_ms, el, sizeof(el));
	pthread_mutex_lock(&out_lock);
	if (!msg)
		fputs("\n", stderr);
	else
		fprintf(stderr, tty ? "\r%s %s" : "%s %s\n", safe, el);
	fflush(stderr);
	pthread_mutex_unlock(&out_lock);
}

const struct mc_ui mc_cli_ui = {
	.phase = ui_phase,
	.driver_phase = ui_driver_phase,
	.info = ui_info,
	.warn = ui_warn,
	.progress = ui_progress,
	.wait = ui_wait,
};

struct each {
	struct mc_cli *cli;
	struct mc_args *a;
	mc_each_fn fn;
	struct mc_error *errs;
};

static void each_one(size_t i, void *arg)
{
	struct each *e = arg;

	e->fn(e->cli, e->a, e->a->pos[i], &e->errs[i]);
}

void mc_cli_drop_repeats(struct mc_args *a)
{
	size_t k = 0;

	for (size_t i = 0; a->pos[i]; i++) {
		bool seen = false;

		for (size_t j = 0; j < k && !seen; j++)
			seen = !strcmp(a->pos[j], a->pos[i]);
		if (seen)
			free(a->pos[i]);
		else
			a->pos[k++] = a->pos[i];
	}
	a->pos[k] = NULL;
}

int mc_cli_each_parallel(struct mc_cli *cli, struct mc_args *a, mc_each_fn fn)
{
	size_t n;
	struct each e = { cli, a, fn, NULL };
	int rc = 0;

	mc_cli_drop_repeats(a);
	n = mc_args_npos(a);
	e.errs = mc_calloc(n ? n : 1, sizeof(struct mc_error));

	mc_parallel(n, 8, each_one, &e);
	for (size_t i = 0; i < n; i++)
		if (e.errs[i].code != MC_E_OK) {
			int code = mc_cli_fail(&e.errs[i]);

			rc = rc ? rc : code;
		}
	free(e.errs);
	return rc;
}

int mc_cli_default_name(struct mc_cli *cli, struct mc_args *a, struct mc_error *err)
{
	if (mc_args_npos(a) > 0)
		return 0;
	if (!mc_store_exists(&cli->s.store, "default"))
		return mc_error_set(err, MC_E_NOT_FOUND,
				    "No machine name(s) specified and no \"default\" machine exists");
	mc_strv_push(&a->pos, mc_strdup("default"));
	return 0;
}
