/* start, stop, restart, kill, rm: several machines at once, in parallel. */
#include "buildconf.h"

#include <string.h>

#include "cli.h"
#include "registry.h"
#include "term.h"
#include "util.h"

const struct mc_option mc_opts_rm[] = {
	{ "force", 'f', MC_OPT_BOOL, NULL, NULL, NULL,
	  "remove the local files even when the driver cannot remove the VM (or the config is unreadable)" },
	{ "yes", 'y', MC_OPT_BOOL, NULL, NULL, NULL, "do not ask for confirmation" },
	{ NULL },
};

enum action { A_START, A_STOP, A_RESTART, A_KILL };

static const struct {
	const char *verb, *ing, *done;
	enum mc_state target;  /* already in this state: nothing to do */
} actions[] = {
	[A_START] = { "start", "Starting", "started", MC_STATE_RUNNING },
	[A_STOP] = { "stop", "Stopping", "stopped", MC_STATE_STOPPED },
	[A_RESTART] = { "restart", "Restarting", "restarted", MC_STATE_NONE },
	[A_KILL] = { "kill", "Killing", "killed", MC_STATE_STOPPED },
};

static int run_action(struct mc_cli *cli, const char *name, enum action act, struct mc_error *err)
{
	struct mc_target t;
	enum mc_state st;
	int (*op)(struct mc_driver_ctx *, struct mc_error *) = NULL;
	int r = -1;

	if (mc_target_open(cli, name, true, &t, err) < 0)
		return -1;
	if (mc_target_require_created(cli, &t, err) < 0)
		goto out;
	switch (act) {
	case A_START: op = t.drv->start; break;
	case A_STOP: op = t.drv->stop; break;
	case A_KILL: op = t.drv->kill; break;
	case A_RESTART: op = t.drv->restart; break;
	}
	if (!op && !(act == A_RESTART && t.drv->start && t.drv->stop)) {
		mc_error_set(err, MC_E_UNSUPPORTED, "machine \"%s\": the %s driver cannot %s machines",
			     name, t.drv->name, actions[act].verb);
		goto out;
	}
	if (mc_target_state(&t, &st, err) < 0)
		goto out;
	if (actions[act].target != MC_STATE_NONE && st == actions[act].target) {
		mc_error_set(err, MC_E_STATE, "Machine \"%s\" is already %s.", name,
			     act == A_START ? "running" : "stopped");
		goto out;
	}
	printf("%s \"%s\"...\n", actions[act].ing, name);
	fflush(stdout);
	mc_test_point("action-before-driver");
	if (op)
		r = op(&t.ctx, err);
	else  /* restart without a driver restart: stop, then start */
		r = (st == MC_STATE_RUNNING ? t.drv->stop(&t.ctx, err) : 0) == 0 ? t.drv->start(&t.ctx, err) : -1;
	mc_test_point("action-after-driver");
	/* The driver may have updated its state (IP, PID...) even when it failed. */
	if (mc_target_save(&t, r < 0 ? NULL : err) < 0)
		r = -1;
	if (r < 0) {
		mc_error_prefix(err, "machine \"%s\": %s failed: ", name, actions[act].verb);
		goto out;
	}
	/* Wait until the guest has booted and Docker answers; a new IP address
	 * gets a new server certificate. */
	if ((act == A_START || act == A_RESTART) && mc_cli_after_boot(cli, &t, err) < 0) {
		mc_target_save(&t, NULL);
		r = -1;
		goto out;
	}
	if (act == A_START || act == A_RESTART)
		mc_target_save(&t, NULL);
	printf("Machine \"%s\" was %s.\n", name, actions[act].done);
	fflush(stdout);
out:
	mc_target_close(&t);
	return r;
}

#define ACTION_FN(fname, act)                                                              \
	static int fname(struct mc_cli *cli, struct mc_args *a, const char *name,          \
			 struct mc_error *err)                                             \
	{                                                                                  \
		return run_action(cli, name, act, err);                                    \
	}
ACTION_FN(start_one, A_START)
ACTION_FN(stop_one, A_STOP)
ACTION_FN(restart_one, A_RESTART)
ACTION_FN(kill_one, A_KILL)

static void new_ip_hint(struct mc_cli *cli)
{
	printf("Started machines may have new IP addresses. You may need to re-run the `%s env` command.\n",
	       cli->prog);
}

int mc_cmd_start(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	int rc = mc_cli_each_parallel(cli, a, start_one);

	new_ip_hint(cli);
	return rc;
}

int mc_cmd_restart(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	int rc = mc_cli_each_parallel(cli, a, restart_one);

	new_ip_hint(cli);
	return rc;
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
	bool force = mc_args_bool(a, "force");
	struct mc_target t;
	int lock_fd = -1;

	if (mc_store_check_name(name, err) < 0)
		return -1;
	if (mc_target_open(cli, name, true, &t, err) < 0) {
		/* Unreadable config or unknown driver: only -f may remove the files. */
		if (!force || err->code == MC_E_NOT_FOUND || err->code == MC_E_STATE)
			return -1;
		if (mc_store_lock(&cli->store, name, 30000, &lock_fd, NULL) < 0 && mc_store_exists(&cli->store, name))
			return -1;
		fprintf(stderr, "Warning: %s; removing the local files of \"%s\" only (any VM it had is left alone)\n",
			err->msg, name);
		mc_error_clear(err);
		if (mc_store_remove(&cli->store, name, err) < 0) {
			mc_store_unlock(lock_fd);
			return -1;
		}
		mc_store_unlock(lock_fd);
		printf("Successfully removed %s\n", name);
		return 0;
	}
	if (t.drv->remove && t.drv->remove(&t.ctx, err) < 0) {
		if (!force) {
			mc_error_prefix(err, "machine \"%s\": cannot remove the VM (use -f to remove the local files anyway): ", name);
			mc_target_close(&t);
			return -1;
		}
		fprintf(stderr, "Warning: machine \"%s\": %s; removing the local files anyway (-f)\n", name, err->msg);
		mc_error_clear(err);
	}
	mc_test_point("rm-after-driver");
	if (mc_store_remove(&cli->store, name, err) < 0) {
		mc_target_close(&t);
		return -1;
	}
	mc_target_close(&t);
	printf("Successfully removed %s\n", name);
	return 0;
}

int mc_cmd_rm(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };

	for (char **p = a->pos; *p; p++)
		if (mc_store_check_name(*p, &err) < 0)
			return mc_cli_fail(&err);
	mc_store_sweep(&cli->store);
	printf("About to remove");
	for (char **p = a->pos; *p; p++)
		printf("%s %s", p == a->pos ? "" : ",", *p);
	printf("\nWARNING: This action will delete both local reference and remote instance.\n");
	if (!mc_args_bool(a, "yes") && !mc_args_bool(a, "force") &&
	    !mc_term_confirm("Are you sure? (y/n): ")) {
		if (!mc_term_isatty(0))
			mc_error_set(&err, MC_E_FAILED, "not confirmed: nothing was removed (answer y on standard input, or use -y)");
		else
			mc_error_set(&err, MC_E_FAILED, "aborted: nothing was removed");
		return mc_cli_fail(&err);
	}
	return mc_cli_each_parallel(cli, a, rm_one);
}
