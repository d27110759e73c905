/* set: change a machine's CPUs, memory, data disk size and autostart
 * (src/ops/lifecycle.c, mc_ops_set; each driver's set operation). */
#include "buildconf.h"

#include <string.h>

#include "cli.h"
#include "util.h"

const struct mc_option mc_opts_set[] = {
	[O_SET_AUTOSTART] = { "autostart", 0, MC_OPT_STRING, NULL, NULL, "on|off",
	  "start the machine when the host (or its hypervisor) starts", .value = MC_VALUE_CHOICE,
	  .choices = "on off" },
	/* The widest ranges: each driver holds the values to its create flag's
	 * (mc_ops_set). */
	[O_SET_CPUS] = { "cpus", 0, MC_OPT_INT, NULL, NULL, "N", "number of virtual CPUs (the machine must be stopped)",
	  .min = 1, .max = 1024 },
	[O_SET_DISK_SIZE] = { "disk-size", 0, MC_OPT_INT, NULL, NULL, "MB",
	  "grow the data disk to MB (never shrinks; the machine must be stopped; the file system grows at the next boot)",
	  .min = 1, .max = 1LL << 26 },
	[O_SET_MEMORY] = { "memory", 0, MC_OPT_INT, NULL, NULL, "MB", "guest memory in MB (the machine must be stopped)",
	  .min = 64, .max = 1LL << 24 },
	[O_SET_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_set, O_SET_N);

#define OPT(x) (&mc_opts_set[O_SET_##x])

static long long given_int(struct mc_args *a, const struct mc_option *o)
{
	return mc_args_given(a, o) ? mc_args_int(a, o) : MC_SET_KEEP;
}

static int set_opts(struct mc_args *a, struct mc_set_opts *o, struct mc_error *err)
{
	const char *as = mc_args_str(a, OPT(AUTOSTART));

	*o = (struct mc_set_opts){
		.cpus = given_int(a, OPT(CPUS)),
		.memory_mb = given_int(a, OPT(MEMORY)),
		.disk_mb = given_int(a, OPT(DISK_SIZE)),
		.autostart = -1,
	};
	if (mc_args_given(a, OPT(AUTOSTART))) {
		if (mc_streq(as, "on"))
			o->autostart = 1;
		else if (mc_streq(as, "off"))
			o->autostart = 0;
		else
			return mc_error_set(err, MC_E_USAGE, "invalid --autostart \"%s\": use on or off", as);
	}
	return mc_ops_set_check(o, err);
}

static int set_one(struct mc_cli *cli, struct mc_args *a, const char *name, struct mc_error *err)
{
	struct mc_set_opts o;
	_cleanup_free_ char *what = NULL;

	if (set_opts(a, &o, err) < 0 || mc_ops_set(&cli->s, name, &o, &what, err) < 0)
		return -1;
	printf("%s\n", what);
	return 0;
}

int mc_cmd_set(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_set_opts o;
	struct mc_error err = { 0 };

	/* A usage error once, not once per machine. */
	if (set_opts(a, &o, &err) < 0)
		return mc_cli_fail(&err);
	return mc_cli_each_parallel(cli, a, set_one);
}
