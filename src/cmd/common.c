/* Helpers shared by the verbs: loading a machine with its driver, parallel runs. */
#include "buildconf.h"

#include <pthread.h>
#include <string.h>

#include "cli.h"
#include "iso.h"
#include "registry.h"
#include "term.h"
#include "util.h"

int mc_target_open(struct mc_cli *cli, const char *name, bool lock, struct mc_target *t,
		   struct mc_error *err)
{
	memset(t, 0, sizeof(*t));
	t->lock_fd = -1;
	if (mc_store_check_name(name, err) < 0)
		return -1;
	if (lock && mc_store_lock(&cli->store, name, 30000, &t->lock_fd, err) < 0)
		return -1;
	if (mc_machine_load(&cli->store, name, &t->m, err) < 0 ||
	    mc_driver_lookup(t->m->driver_name, &t->drv, err) < 0) {
		mc_target_close(t);
		return -1;
	}
	mc_driver_ctx_init(&t->ctx, &cli->store, t->m, NULL);
	return 0;
}

void mc_target_close(struct mc_target *t)
{
	mc_machine_free(t->m);
	t->m = NULL;
	mc_store_unlock(t->lock_fd);
	t->lock_fd = -1;
}

int mc_target_save(struct mc_target *t, struct mc_error *err)
{
	return mc_machine_save(t->m, err);
}

int mc_target_state(struct mc_target *t, enum mc_state *st, struct mc_error *err)
{
	if (mc_machine_status(t->m) != MC_MACHINE_CREATED) {
		*st = MC_STATE_ERROR;
		return 0;
	}
	if (!t->drv->state)
		return mc_error_set(err, MC_E_UNSUPPORTED, "the %s driver cannot report a state",
				    t->drv->name);
	if (t->drv->state(&t->ctx, st, err) < 0) {
		mc_error_prefix(err, "machine \"%s\": ", t->m->name);
		return -1;
	}
	return 0;
}

int mc_target_ip(struct mc_target *t, char **ip, struct mc_error *err)
{

	if (!t->drv->ip)
		return mc_error_set(err, MC_E_UNSUPPORTED, "the %s driver cannot report an IP address",
				    t->drv->name);
	if (t->drv->ip(&t->ctx, ip, err) < 0) {
		mc_error_prefix(err, "machine \"%s\": ", t->m->name);
		return -1;
	}
	return 0;
}

int mc_driver_url(const struct mc_driver *drv, struct mc_driver_ctx *ctx, char **url,
		  struct mc_error *err)
{
	_cleanup_free_ char *ip = NULL;

	if (drv->url) {
		if (drv->url(ctx, url, err) < 0) {
			mc_error_prefix(err, "machine \"%s\": ", ctx->machine_name);
			return -1;
		}
		return 0;
	}
	if (!drv->ip)
		return mc_error_set(err, MC_E_UNSUPPORTED, "the %s driver cannot report an IP address",
				    drv->name);
	if (drv->ip(ctx, &ip, err) < 0) {
		mc_error_prefix(err, "machine \"%s\": ", ctx->machine_name);
		return -1;
	}
	*url = strchr(ip, ':') ? mc_asprintf("tcp://[%s]:2376", ip) : mc_asprintf("tcp://%s:2376", ip);
	return 0;
}

int mc_target_url(struct mc_target *t, char **url, struct mc_error *err)
{
	return mc_driver_url(t->drv, &t->ctx, url, err);
}


int mc_target_require_created(struct mc_cli *cli, struct mc_target *t, struct mc_error *err)
{
	const char *why = mc_machine_error(t->m);

	if (mc_machine_status(t->m) == MC_MACHINE_CREATED)
		return 0;
	return mc_error_set(err, MC_E_STATE,
			    "machine \"%s\" was not created completely (%s): '%s provision %s' retries, '%s rm -f %s' removes it",
			    t->m->name, why ? why : "creation was interrupted", cli->prog, t->m->name,
			    cli->prog, t->m->name);
}

int mc_target_require_running(struct mc_target *t, struct mc_error *err)
{
	enum mc_state st;

	if (mc_target_state(t, &st, err) < 0)
		return -1;
	if (st != MC_STATE_RUNNING)
		return mc_error_set(err, MC_E_STATE, "Host \"%s\" is not running", t->m->name);
	return 0;
}

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

int mc_cli_each_parallel(struct mc_cli *cli, struct mc_args *a, mc_each_fn fn)
{
	size_t n = mc_args_npos(a);
	struct each e = { cli, a, fn, mc_calloc(n, sizeof(struct mc_error)) };
	int rc = 0;

	mc_parallel(n, 8, each_one, &e);
	for (size_t i = 0; i < n; i++)
		if (e.errs[i].code != MC_E_OK) {
			int code = mc_cli_fail(&e.errs[i]);
			rc = rc ? rc : code;
		}
	free(e.errs);
	return rc;
}

static pthread_mutex_t say_lock = PTHREAD_MUTEX_INITIALIZER;

void mc_cli_say(const char *name, bool prefix, long long t0, const char *msg)
{
	char el[32];

	mc_format_duration(mc_now_ms() - t0, el, sizeof(el));
	pthread_mutex_lock(&say_lock);
	if (prefix)
		printf("(%s) %s [%s]\n", name, msg, el);
	else
		printf("%s [%s]\n", msg, el);
	fflush(stdout);
	pthread_mutex_unlock(&say_lock);
}

void mc_cli_phase(const char *machine, const char *msg)
{
	printf("(%s) %s\n", machine, msg);
	fflush(stdout);
}

int mc_cli_default_name(struct mc_cli *cli, struct mc_args *a, struct mc_error *err)
{
	if (mc_args_npos(a) > 0)
		return 0;
	if (!mc_store_exists(&cli->store, "default"))
		return mc_error_set(err, MC_E_NOT_FOUND,
				    "No machine name(s) specified and no \"default\" machine exists");
	mc_strv_push(&a->pos, mc_strdup("default"));
	return 0;
}

/* Boot ISO download feedback: one line on stdout, a progress bar on a tty. */
static void iso_notice(void *arg, const char *msg)
{
	printf("%s\n", msg);
	fflush(stdout);
}

static void iso_progress(void *arg, long long done, long long total)
{
	mc_term_progress("Downloading the ISO", done, total);
	if (total > 0 && done >= total)
		mc_term_progress_end();
}

const struct mc_iso_opts mc_cli_iso_opts = { .progress = iso_progress, .notice = iso_notice };
