/* regenerate-certs: new TLS certificates for machines (src/ops/certs.c). */
#include "buildconf.h"

#include "cli.h"
#include "term.h"
#include "util.h"

const struct mc_option mc_opts_regenerate_certs[] = {
	[O_REGEN_CLIENT_CERTS] = { "client-certs", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "also make a new CA and client certificate (then every machine's certificates are remade)" },
	[O_REGEN_FORCE] = { "force", 'f', MC_OPT_BOOL, NULL, NULL, NULL, "do not ask for confirmation" },
	[O_REGEN_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_regenerate_certs, O_REGEN_N);

static int regen_one(struct mc_cli *cli, struct mc_args *a, const char *name, struct mc_error *err)
{
	return mc_ops_regenerate(&cli->s, name, err);
}

int mc_cmd_regenerate_certs(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	_cleanup_strv_ char **all = NULL;
	char **named;
	bool client_certs = mc_args_bool(a, &mc_opts_regenerate_certs[O_REGEN_CLIENT_CERTS]);
	int rc;

	/* --client-certs remakes every machine: it needs no name. */
	if (!client_certs && mc_cli_default_name(cli, a, &err) < 0)
		return mc_cli_fail(&err);
	named = a->pos;
	for (char **p = a->pos; *p; p++) {
		if (mc_store_check_name(*p, &err) < 0)
			return mc_cli_fail(&err);
		if (!mc_store_exists(&cli->s.store, *p)) {
			mc_error_set(&err, MC_E_NOT_FOUND, "Docker machine \"%s\" does not exist", *p);
			return mc_cli_fail(&err);
		}
	}
	if (!mc_args_bool(a, &mc_opts_regenerate_certs[O_REGEN_FORCE]) &&
	    !mc_term_confirm("Regenerate TLS machine certs?  Warning: this is irreversible. (y/n): ")) {
		mc_error_set(&err, MC_E_FAILED, "%s",
			     mc_term_isatty(0) ? "aborted: no certificate was changed"
					       : "not confirmed: no certificate was changed (answer y on standard input, or use -f)");
		return mc_cli_fail(&err);
	}
	if (client_certs) {
		if (mc_ops_renew_ca(&cli->s, &err) < 0)
			return mc_cli_fail(&err);
		/* Every machine trusted the old CA: remake all of them, not only the named. */
		if (mc_store_list(&cli->s.store, &all, &err) < 0)
			return mc_cli_fail(&err);
		a->pos = all;
	}
	rc = mc_cli_each_parallel(cli, a, regen_one);
	a->pos = named;
	return rc;
}
