/* context: make (or update) a machine's docker context, and switch to it
 * (src/ops/context.c; doc/docker-context.md). */
#include "buildconf.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

const struct mc_option mc_opts_context[] = {
	[O_CONTEXT_USE] = { "use", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "make it the docker CLI's current context (docker context use), so plain docker commands reach the machine" },
	[O_CONTEXT_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_context, O_CONTEXT_N);

int mc_cmd_context(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	bool use = mc_args_bool(a, &mc_opts_context[O_CONTEXT_USE]), updated = false;
	_cleanup_free_ char *ctx = NULL;
	const char *host = getenv("DOCKER_HOST");

	if (mc_ops_context(&cli->s, a->pos[0], use, &ctx, &updated, &err) < 0)
		return mc_cli_fail(&err);
	printf("%s docker context \"%s\" for machine \"%s\"\n", updated ? "Updated" : "Created", ctx, a->pos[0]);
	if (use)
		printf("Docker's current context is now \"%s\"\n", ctx);
	else
		printf("Use it with: docker --context %s ..., or make it current: %s context --use %s\n", ctx,
		       cli->prog, a->pos[0]);
	if (host && *host)
		mc_cli_eprintf("Warning: DOCKER_HOST is set (%s) and the docker CLI prefers it to any context: "
			       "unset it (eval $(%s env -u))", host, cli->prog);
	return 0;
}
