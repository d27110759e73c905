/* import-docker-machine: adopt machines from a docker-machine store, which is
 * only read (src/ops/import.c, doc/import.md). */
#include "buildconf.h"

#include <stdlib.h>

#include "cli.h"
#include "term.h"
#include "util.h"

const struct mc_option mc_opts_import[] = {
	[O_IMPORT_FROM] = { "from", 0, MC_OPT_STRING, "MACHINE_STORAGE_PATH", NULL, "DIR",
	  "the docker-machine store to read (default: ~/.docker/machine)", .value = MC_VALUE_DIR },
	[O_IMPORT_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_import, O_IMPORT_N);

int mc_cmd_import(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	const char *from = mc_args_str(a, &mc_opts_import[O_IMPORT_FROM]);
	_cleanup_free_ char *def = NULL;
	_cleanup_strv_ char **all = NULL;
	char **names = a->pos;
	size_t ok = 0;
	int rc = 0;

	if (!from || !*from) {
		const char *home = getenv("HOME");

		def = mc_path_join(home && *home ? home : ".", ".docker/machine");
		from = def;
	}
	/* The store is read first: a store that is not there fails once, not per name. */
	if (mc_ops_import_list(from, &all, &err) < 0)
		return mc_cli_fail(&err);
	if (!names[0]) {
		names = all;
		if (!names[0]) {
			printf("No machines in the docker-machine store %s\n", from);
			return 0;
		}
	}
	if (mc_store_ensure(&cli->s.store, &err) < 0)
		return mc_cli_fail(&err);
	for (size_t i = 0; names[i]; i++) {
		struct mc_import_result res;

		mc_error_clear(&err);
		if (mc_ops_import(&cli->s, from, names[i], &res, &err) < 0) {
			/* A machine that did not import is an error (1), whatever
			 * its own error's code: 2 is for import's command line. */
			mc_cli_fail(&err);
			rc = 1;
		} else {
			_cleanup_free_ char *dm = mc_term_safe(res.dm_driver, MC_SAFE_CELL);

			printf("Imported \"%s\" (docker-machine driver %s, here %s)\n", names[i], dm,
			       res.our_driver);
			for (char **nt = res.notes; nt && *nt; nt++) {
				_cleanup_free_ char *safe = mc_term_safe(*nt, MC_SAFE_CELL);

				printf("  note: %s\n", safe);
			}
			ok++;
		}
		fflush(stdout);
		mc_import_result_free(&res);
	}
	if (ok)
		printf("%zu machine%s imported from %s; the docker-machine store was not changed. Try: %s ls\n",
		       ok, ok == 1 ? "" : "s", from, cli->prog);
	return rc;
}
