/* os build: the machine OS ISO from Debian packages into the ISO cache
 * (src/ops/os.c). */
#include "buildconf.h"

#include <string.h>

#include "cli.h"
#include "util.h"

const struct mc_option mc_opts_os[] = {
	[O_OS_FORCE] = { "force", 'f', MC_OPT_BOOL, NULL, NULL, NULL,
	  "build again even when the build cache holds an ISO for these inputs" },
	[O_OS_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_os, O_OS_N);

int mc_cmd_os(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	_cleanup_free_ char *path = NULL;

	if (strcmp(a->pos[0], "build")) {
		mc_error_set(&err, MC_E_USAGE, "unknown os command '%s': use '%s os build'", a->pos[0],
			     cli->prog);
		return mc_cli_fail(&err);
	}
	if (mc_ops_os_build(&cli->s, mc_args_bool(a, &mc_opts_os[O_OS_FORCE]), &path, &err) < 0)
		return mc_cli_fail(&err);
	printf("The machine OS ISO is %s: create and upgrade boot it when no --iso is given.\n", path);
	return 0;
}
