/* start, stop, restart, kill, rm, provision, upgrade: several machines at
 * once, in parallel (src/ops/lifecycle.c, src/ops/boot.c). */
#include "buildconf.h"

#include "cli.h"
#include "iso.h"
#include "term.h"
#include "util.h"

const struct mc_option mc_opts_rm[] = {
	[O_RM_FORCE] = { "force", 'f', MC_OPT_BOOL, NULL, NULL, NULL,
	  "remove the local files even when the driver cannot remove the VM (or the config is unreadable)" },
	[O_RM_YES] = { "yes", 'y', MC_OPT_BOOL, NULL, NULL, NULL, "do not ask for confirmation" },
	[O_RM_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_rm, O_RM_N);

const struct mc_option mc_opts_upgrade[] = {
	[O_UPGRADE_ISO] = { "iso", 0, MC_OPT_STRING, NULL, NULL, "PATH|URL",
	  "boot ISO: a path, file:// or http(s):// URL (default: config.ini [driver.DRIVER] or [defaults] iso, else the machine OS ISO: the newest cached, else downloaded from the release URL (iso-url), see 'os build')",
	  .value = MC_VALUE_FILE },
	[O_UPGRADE_ISO_SHA256] = { "iso-sha256", 0, MC_OPT_STRING, "MACHINECTL_ISO_SHA256", NULL, "HEX",
	  "expected SHA-256 of the boot ISO" },
	[O_UPGRADE_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_upgrade, O_UPGRADE_N);

/* How many machines start/restart booted (they run in parallel). */
static _Atomic unsigned booted;

#define ACTION_FN(fname, act)                                                              \
	static int fname(struct mc_cli *cli, struct mc_args *a, const char *name,          \
			 struct mc_error *err)                                             \
	{                                                                                  \
		int r = mc_ops_action(&cli->s, name, act, err);                            \
                                                                                           \
		if (r == 0)                                                                \
			booted++;                                                          \
		return r;                                                                  \
	}
ACTION_FN(start_one, MC_ACTION_START)
ACTION_FN(stop_one, MC_ACTION_STOP)
ACTION_FN(restart_one, MC_ACTION_RESTART)
ACTION_FN(kill_one, MC_ACTION_KILL)

/* docker-machine's hint, when a machine did boot. */
static int new_ip_hint(struct mc_cli *cli, int rc)
{
	if (booted)
		printf("Started machines may have new IP addresses. You may need to re-run the `%s env` command.\n",
		       cli->prog);
	return rc;
}

int mc_cmd_start(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return new_ip_hint(cli, mc_cli_each_parallel(cli, a, start_one));
}

int mc_cmd_restart(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return new_ip_hint(cli, mc_cli_each_parallel(cli, a, restart_one));
}

int mc_cmd_stop(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return mc_cli_each_parallel(cli, a, stop_one);
}

int mc_cmd_kill(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return mc_cli_each_parallel(cli, a, kill_one);
}

static int rm_one(struct mc_cli *cli, struct mc_args *a, const char *name, struct mc_error *err)
{
	return mc_ops_rm(&cli->s, name, mc_args_bool(a, &mc_opts_rm[O_RM_FORCE]), err);
}

int mc_cmd_rm(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };

	for (char **p = a->pos; *p; p++)
		if (mc_store_check_name(*p, &err) < 0)
			return mc_cli_fail(&err);
	mc_cli_drop_repeats(a);
	mc_store_sweep(&cli->s.store);
	printf("About to remove");
	for (char **p = a->pos; *p; p++)
		printf("%s %s", p == a->pos ? "" : ",", *p);
	printf("\nWARNING: This action will delete both local reference and remote instance.\n");
	if (!mc_args_bool(a, &mc_opts_rm[O_RM_YES]) && !mc_args_bool(a, &mc_opts_rm[O_RM_FORCE]) &&
	    !mc_term_confirm("Are you sure? (y/n): ")) {
		mc_error_set(&err, MC_E_FAILED, "%s",
			     mc_term_isatty(0) ? "aborted: nothing was removed"
					       : "not confirmed: nothing was removed (answer y on standard input, or use -y)");
		return mc_cli_fail(&err);
	}
	return mc_cli_each_parallel(cli, a, rm_one);
}

const struct mc_option mc_opts_provision[] = {
	[O_PROVISION_ENGINE_ENV] = { "engine-env", 0, MC_OPT_LIST, NULL, NULL, "K=V",
	  "environment variable for the Docker daemon (replaces the recorded ones; '' empties them)" },
	[O_PROVISION_ENGINE_INSECURE_REGISTRY] = { "engine-insecure-registry", 0, MC_OPT_LIST, NULL, NULL,
	  "REGISTRY", "insecure registry for the Docker daemon (replaces the recorded ones; '' empties them)" },
	[O_PROVISION_ENGINE_LABEL] = { "engine-label", 0, MC_OPT_LIST, NULL, NULL, "K=V",
	  "label for the Docker daemon (replaces the recorded ones; '' empties them)" },
	[O_PROVISION_ENGINE_OPT] = { "engine-opt", 0, MC_OPT_LIST, NULL, NULL, "K=V",
	  "daemon option, passed as --K=V (replaces the recorded ones; '' empties them)" },
	[O_PROVISION_ENGINE_REGISTRY_MIRROR] = { "engine-registry-mirror", 0, MC_OPT_LIST, NULL, NULL,
	  "URL", "registry mirror for the Docker daemon (replaces the recorded ones; '' empties them)" },
	[O_PROVISION_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_provision, O_PROVISION_N);

static int provision_one(struct mc_cli *cli, struct mc_args *a, const char *name,
			 struct mc_error *err)
{
#define POPT(x) (&mc_opts_provision[O_PROVISION_##x])
	struct mc_engine_change c = {
		.env = mc_args_list(a, POPT(ENGINE_ENV)),
		.insecure_registry = mc_args_list(a, POPT(ENGINE_INSECURE_REGISTRY)),
		.label = mc_args_list(a, POPT(ENGINE_LABEL)),
		.opt = mc_args_list(a, POPT(ENGINE_OPT)),
		.registry_mirror = mc_args_list(a, POPT(ENGINE_REGISTRY_MIRROR)),
	};
	bool any = c.env || c.insecure_registry || c.label || c.opt || c.registry_mirror;
#undef POPT

	return mc_ops_reprovision(&cli->s, name, mc_args_npos(a) > 1, any ? &c : NULL, err);
}

int mc_cmd_provision(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return mc_cli_each_parallel(cli, a, provision_one);
}

static int upgrade_one(struct mc_cli *cli, struct mc_args *a, const char *name, struct mc_error *err)
{
	return mc_ops_upgrade(&cli->s, name, mc_args_str(a, &mc_opts_upgrade[O_UPGRADE_ISO]),
			      mc_args_str(a, &mc_opts_upgrade[O_UPGRADE_ISO_SHA256]), err);
}

int mc_cmd_upgrade(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };

	if (mc_iso_check_given("--iso", mc_args_str(a, &mc_opts_upgrade[O_UPGRADE_ISO]), &err) < 0)
		return mc_cli_fail(&err);
	return mc_cli_each_parallel(cli, a, upgrade_one);
}
