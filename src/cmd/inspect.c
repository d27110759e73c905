/* inspect, config, status, ip, url, active, version: read-only views of machines. */
#include "buildconf.h"

#include <string.h>

#include "cli.h"
#include "listing.h"
#include "template.h"
#include "term.h"
#include "util.h"

const struct mc_option mc_opts_inspect[] = {
	[O_INSPECT_FORMAT] = { "format", 'f', MC_OPT_STRING, NULL, NULL, "TEMPLATE",
	  "format with a Go-style template, e.g. '{{.Driver.IPAddress}}' or '{{json .HostOptions}}'" },
	[O_INSPECT_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_inspect, O_INSPECT_N);

const struct mc_option mc_opts_status[] = {
	[O_STATUS_FORMAT] = { "format", 'f', MC_OPT_STRING, NULL, NULL, "TEMPLATE",
	  "format with a Go-style template over {{.Name}} {{.DriverName}} {{.State}}, or 'json'" },
	[O_STATUS_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_status, O_STATUS_N);

const struct mc_option mc_opts_active[] = {
	[O_ACTIVE_TIMEOUT] = MC_CLI_OPT_TIMEOUT,
	[O_ACTIVE_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_active, O_ACTIVE_N);

/* --format TEMPLATE over data, and a newline, with nothing in it that acts
 * on the terminal; returns the exit code.  flags: MC_TEMPLATE_*. */
static int print_template(const char *fmt, unsigned flags, json_t *data)
{
	struct mc_error err = { 0 };
	struct mc_template *tpl;
	_cleanup_free_ char *out = NULL, *safe = NULL;

	if (mc_template_parse_with(fmt, MC_TEMPLATE_ESCAPES | flags, NULL, &tpl, &err) < 0)
		return mc_cli_fail(&err);
	if (mc_template_render(tpl, data, &out, &err) < 0) {
		mc_template_free(tpl);
		return mc_cli_fail(&err);
	}
	mc_template_free(tpl);
	safe = mc_term_safe(out, MC_SAFE_TEXT);
	printf("%s\n", safe);
	return 0;
}

int mc_cmd_inspect(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	struct mc_handle h;
	const char *fmt = mc_args_str(a, &mc_opts_inspect[O_INSPECT_FORMAT]);
	_cleanup_free_ char *out = NULL;
	_cleanup_json_ json_t *view = NULL;
	int rc = 0;

	if (mc_handle_open(&cli->s, a->pos[0], 0, &h, &err) < 0)
		return mc_cli_fail(&err);
	view = mc_ops_inspect(&h);
	if (fmt) {
		rc = print_template(fmt, 0, view);  /* a record: fields come and go, as a map's */
	} else {
		_cleanup_free_ char *safe = NULL;

		out = json_dumps(view, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
		/* config.json may hold anything (edited, imported): nothing in it
		 * acts on the terminal (in JSON, DEL and C1 become \u escapes). */
		safe = mc_term_safe(out, MC_SAFE_TEXT);
		printf("%s\n", safe);
	}
	mc_handle_close(&h);
	return rc;
}

int mc_cmd_status(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	struct mc_handle h;
	enum mc_state st;
	const char *fmt = mc_args_str(a, &mc_opts_status[O_STATUS_FORMAT]), *state;
	int rc = 0;

	if (mc_handle_open(&cli->s, a->pos[0], 0, &h, &err) < 0)
		return mc_cli_fail(&err);
	if (mc_op_state(&h, &st, &err) < 0) {
		mc_handle_close(&h);
		return mc_cli_fail(&err);
	}
	/* As ls: a create still running is Creating, not Error. */
	state = mc_handle_being_created(&h) ? "Creating" : mc_state_name(st);
	if (fmt) {
		_cleanup_json_ json_t *data = json_pack("{s:s,s:s,s:s}", "Name", h.m->name, "DriverName",
							h.drv->name, "State", state);
		_cleanup_free_ char *js = NULL;

		if (!strcmp(fmt, "json")) {
			js = json_dumps(data, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			printf("%s\n", js);
		} else {
			rc = print_template(fmt, MC_TEMPLATE_STRICT_FIELDS, data);
		}
	} else {
		printf("%s\n", state);
	}
	mc_handle_close(&h);
	return rc;
}

/* Print one line per machine, in argument order, fetched in parallel. */
struct line_job {
	struct mc_cli *cli;
	char **names;
	char **lines;
	struct mc_error *errs;
	int (*get)(struct mc_handle *h, char **out, struct mc_error *err);
};

static void line_worker(size_t i, void *arg)
{
	struct line_job *j = arg;
	struct mc_handle h;

	if (mc_handle_open(&j->cli->s, j->names[i], 0, &h, &j->errs[i]) < 0)
		return;
	/* The VM's own state: a machine whose provisioning failed still has
	 * an address (ssh reaches it too). */
	if (mc_handle_require_vm_running(&h, &j->errs[i]) == 0)
		j->get(&h, &j->lines[i], &j->errs[i]);
	mc_handle_close(&h);
}

static int print_lines(struct mc_cli *cli, struct mc_args *a,
		       int (*get)(struct mc_handle *, char **, struct mc_error *))
{
	size_t n = mc_args_npos(a);
	struct line_job j = { cli, a->pos, mc_calloc(n, sizeof(char *)),
			      mc_calloc(n, sizeof(struct mc_error)), get };
	int rc = 0;

	mc_parallel(n, 8, line_worker, &j);
	for (size_t i = 0; i < n; i++) {
		if (j.errs[i].code != MC_E_OK) {
			int code = mc_cli_fail(&j.errs[i]);
			rc = rc ? rc : code;
		} else {
			_cleanup_free_ char *safe = mc_term_safe(j.lines[i], MC_SAFE_CELL);

			printf("%s\n", safe);
		}
		free(j.lines[i]);
	}
	free(j.lines);
	free(j.errs);
	return rc;
}

int mc_cmd_ip(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return print_lines(cli, a, mc_op_ip);
}

int mc_cmd_url(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return print_lines(cli, a, mc_op_url);
}

int mc_cmd_config(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	struct mc_handle h;
	_cleanup_free_ char *url = NULL;

	if (mc_handle_open(&cli->s, a->pos[0], 0, &h, &err) < 0)
		return mc_cli_fail(&err);
	if (mc_handle_require_created(&h, &err) < 0 || mc_op_url(&h, &url, &err) < 0 ||
	    mc_ops_certs_check(&h, url, &err) < 0) {
		mc_handle_close(&h);
		return mc_cli_fail(&err);
	}
	printf("--tlsverify\n--tlscacert=\"%s/ca.pem\"\n--tlscert=\"%s/cert.pem\"\n--tlskey=\"%s/key.pem\"\n-H=%s\n",
	       h.m->dir, h.m->dir, h.m->dir, url);
	mc_handle_close(&h);
	return 0;
}

int mc_cmd_active(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	const char *host = getenv("DOCKER_HOST");
	/* No $DOCKER_HOST: the machine whose context is docker's current one. */
	_cleanup_free_ char *ctx = host && *host ? NULL : mc_ops_context_current();
	struct mc_listing l = { 0 };
	long long timeout_ms = mc_args_int(a, &mc_opts_active[O_ACTIVE_TIMEOUT]) * 1000;  /* the parser checked */
	int rc = 1;

	if (((host && *host) || ctx) &&
	    mc_listing_collect(&cli->s, &(struct mc_listing_opts){
					.timeout_ms = timeout_ms, .need_state = true,
					.docker_host = host, .docker_context = ctx }, &l, &err) < 0)
		return mc_cli_fail(&err);
	for (size_t i = 0; i < l.n && rc; i++)
		if (l.rows[i].active) {
			printf("%s\n", l.rows[i].name);
			rc = 0;
		}
	if (rc)
		fputs("No active host found\n", stderr);
	cli->detached = l.detached;
	mc_listing_free(&l);
	return rc;
}

int mc_cmd_version(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	struct mc_handle h;
	_cleanup_free_ char *version = NULL;

	if (!a->pos[0]) {
		mc_cli_print_version(cli);
		return 0;
	}
	if (mc_handle_open(&cli->s, a->pos[0], 0, &h, &err) < 0)
		return mc_cli_fail(&err);
	if (mc_ops_engine_version(&h, &version, &err) == 0) {
		_cleanup_free_ char *safe = mc_term_safe(version, MC_SAFE_CELL);

		printf("%s\n", safe);
	}
	mc_handle_close(&h);
	return err.code != MC_E_OK ? mc_cli_fail(&err) : 0;
}
