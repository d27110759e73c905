/* upgrade: boot machines from the current default ISO (or --iso), keeping
 * their data disks; several machines at once, in parallel. */
#include "buildconf.h"

#include <pthread.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "iso.h"
#include "util.h"

const struct mc_option mc_opts_upgrade[] = {
	{ "iso", 0, MC_OPT_STRING, NULL, NULL, "PATH|URL",
	  "boot ISO: a path, file:// or http(s):// URL (default: config.ini [driver.DRIVER] or [defaults] iso, else the machine OS ISO from scripts/build-iso)" },
	{ "iso-sha256", 0, MC_OPT_STRING, "MACHINECTL_ISO_SHA256", NULL, "HEX",
	  "expected SHA-256 of the boot ISO" },
	{ NULL },
};

/* One ISO resolution at a time: a download shows one progress bar, and the
 * next machine that asks for the same URL finds it in the cache. */
static pthread_mutex_t iso_lock = PTHREAD_MUTEX_INITIALIZER;

/* The ISO for machine t: flags {"iso", "iso-source", "iso-version"} as for create. */
static json_t *resolve_iso(struct mc_cli *cli, struct mc_args *a, struct mc_target *t,
			   struct mc_error *err)
{
	const char *spec = mc_args_str(a, "iso"), *sha = mc_args_str(a, "iso-sha256");
	json_t *flags;
	int r;

	if (!spec || !*spec)
		spec = mc_config_driver_flag(cli->config, t->drv->name, "iso");
	flags = json_pack("{s:s, s:s}", "iso", spec ? spec : "", "iso-sha256", sha ? sha : "");
	pthread_mutex_lock(&iso_lock);
	r = mc_iso_prepare_flags(cli->store.root, flags, &mc_cli_iso_opts, err);
	pthread_mutex_unlock(&iso_lock);
	if (r < 0) {
		json_decref(flags);
		return NULL;
	}
	return flags;
}

static int upgrade_one(struct mc_cli *cli, struct mc_args *a, const char *name, struct mc_error *err)
{
	_cleanup_free_ char *old_iso = NULL, *old_ver = NULL, *msg = NULL;
	_cleanup_json_ json_t *flags = NULL;
	const char *new_iso, *new_ver;
	long long t0 = mc_now_ms();
	struct mc_target t;
	enum mc_state st;
	bool running;
	int r = -1;

	if (mc_target_open(cli, name, true, &t, err) < 0)
		return -1;
	if (mc_target_require_created(cli, &t, err) < 0)
		goto out;
	if (!t.drv->set_iso) {
		mc_error_set(err, MC_E_UNSUPPORTED,
			     "machine \"%s\": the %s driver does not boot an ISO, so there is nothing to upgrade",
			     name, t.drv->name);
		goto out;
	}
	old_iso = mc_strdup(mc_json_str(t.ctx.config, "ISO") ? mc_json_str(t.ctx.config, "ISO") : "");
	old_ver = mc_strdup(mc_json_str(t.ctx.config, "ISOVersion") ? mc_json_str(t.ctx.config, "ISOVersion") : "");
	flags = resolve_iso(cli, a, &t, err);
	if (!flags) {
		mc_error_prefix(err, "machine \"%s\": ", name);
		goto out;
	}
	new_iso = mc_json_str(flags, "iso");
	new_ver = mc_json_str(flags, "iso-version");
	if (mc_streq(new_iso, old_iso) && mc_streq(new_ver, old_ver)) {
		printf("Machine \"%s\" already boots %s (%s): nothing to upgrade.\n", name,
		       *new_ver ? new_ver : "an ISO without a volume ID", new_iso);
		fflush(stdout);
		r = 0;
		goto out;
	}
	if (mc_target_state(&t, &st, err) < 0)
		goto out;
	running = st != MC_STATE_STOPPED;
	msg = mc_asprintf("Upgrading the boot ISO from %s to %s (%s)...", *old_ver ? old_ver : "an unknown version",
			  *new_ver ? new_ver : "an ISO without a volume ID", new_iso);
	mc_cli_say(name, true, t0, msg);
	if (running) {
		mc_cli_say(name, true, t0, "Stopping the machine to change its ISO...");
		if (t.drv->stop(&t.ctx, err) < 0)
			goto failed;
	}
	t.ctx.flags = flags;
	r = t.drv->set_iso(&t.ctx, err);
	t.ctx.flags = NULL;
	if (r < 0 && running) {
		mc_target_save(&t, NULL);  /* what stop changed */
		mc_error_prefix(err, "machine \"%s\": upgrade failed (the machine is stopped; '%s start %s' boots its old ISO): ",
				name, cli->prog, name);
		goto out;
	}
	if (r < 0 || mc_target_save(&t, err) < 0)
		goto failed;
	if (running) {
		mc_cli_say(name, true, t0, "Starting the machine back up...");
		if (t.drv->start(&t.ctx, err) < 0 || mc_cli_after_boot(cli, &t, err) < 0)
			goto failed;
		mc_target_save(&t, NULL);
		printf("Machine \"%s\" was upgraded to %s.\n", name, *new_ver ? new_ver : new_iso);
	} else {
		printf("Machine \"%s\" was upgraded to %s; it is stopped: '%s start %s' boots it.\n", name,
		       *new_ver ? new_ver : new_iso, cli->prog, name);
	}
	fflush(stdout);
	r = 0;
	goto out;
failed:
	r = -1;
	mc_target_save(&t, NULL);  /* what the driver changed before it failed */
	mc_error_prefix(err, "machine \"%s\": upgrade failed: ", name);
out:
	mc_target_close(&t);
	return r;
}

int mc_cmd_upgrade(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return mc_cli_each_parallel(cli, a, upgrade_one);
}
