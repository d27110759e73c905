/* ls: list machines (the listing: src/ops/listing.c), as a table, a template or JSON. */
#include "buildconf.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "listing.h"
#include "tabwriter.h"
#include "template.h"
#include "term.h"
#include "util.h"

const struct mc_option mc_opts_ls[] = {
	[O_LS_FILTER] = { "filter", 0, MC_OPT_LIST, NULL, NULL, "KEY=VALUE",
	  "show only matching machines: name=REGEX, driver=, state=, label=K=V, swarm=manager|leader|worker or swarm= for none (same key repeated: OR; different keys: AND)" },
	[O_LS_FORMAT] = { "format", 'f', MC_OPT_STRING, NULL, NULL, "TEMPLATE",
	  "Go-style template with {{.Name}} {{.Active}} {{.ActiveHost}} {{.DriverName}} {{.State}} {{.URL}} {{.Swarm}} {{.DockerVersion}} {{.Error}} {{.ResponseTime}} {{.Autostart}} {{.Shares}}; prefix 'table' for headers and aligned columns (otherwise printed as rendered); or 'json'" },
	[O_LS_QUIET] = { "quiet", 'q', MC_OPT_BOOL, NULL, NULL, NULL, "print only the names" },
	[O_LS_TIMEOUT] = MC_CLI_OPT_TIMEOUT,
	[O_LS_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_ls, O_LS_N);

#define OPT(x) (&mc_opts_ls[O_LS_##x])

static const char default_format[] =
	"table {{ .Name }}\t{{ .Active }}\t{{ .DriverName}}\t{{ .State }}\t{{ .URL }}\t{{ .Swarm }}\t{{ .DockerVersion }}\t{{ .Error}}";

static const struct {
	const char *field, *header;
} headers[] = {
	{ "Name", "NAME" },         { "Active", "ACTIVE" },
	{ "ActiveHost", "ACTIVE_HOST" }, { "ActiveSwarm", "ACTIVE_SWARM" },
	{ "DriverName", "DRIVER" }, { "State", "STATE" },
	{ "URL", "URL" },           { "Swarm", "SWARM" },
	{ "Error", "ERRORS" },      { "DockerVersion", "DOCKER" },
	{ "ResponseTime", "RESPONSE" },  { "Autostart", "AUTOSTART" },
	{ "Shares", "SHARES" },
};

static const char *header_of(const char *field)
{
	for (size_t i = 0; i < MC_ARRAY_SIZE(headers); i++)
		if (!strcmp(headers[i].field, field))
			return headers[i].header;
	return field;
}

/* A row's text as the terminal may see it (URL, errors and versions come
 * from daemons, drivers and config files). */
static json_t *safe_string(const char *s)
{
	_cleanup_free_ char *safe = mc_term_safe(s ? s : "", MC_SAFE_CELL);

	return json_string(safe);
}

static json_t *row_json(const struct mc_listing_row *r)
{
	char ms[32];
	json_t *j;

	snprintf(ms, sizeof(ms), "%lldms", r->ms);
	/* Active is docker-machine's "*"/"-"; ActiveHost and ActiveSwarm are its booleans. */
	j = json_pack("{s:o,s:s,s:b,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:s}",
		      "Name", safe_string(r->name), "Active", r->active ? "*" : "-",
		      "ActiveHost", r->active, "ActiveSwarm", 0,
		      "DriverName", safe_string(r->driver), "State", safe_string(r->state),
		      "URL", safe_string(r->url), "Swarm", safe_string(r->swarm),
		      "DockerVersion", safe_string(r->docker), "Error", safe_string(r->error),
		      "ResponseTime", ms);
	json_object_set_new(j, "Autostart", json_string(r->autostart ? "on" : "off"));
	json_object_set_new(j, "Shares", safe_string(r->shares));  /* a host path may hold anything */
	if (!strcmp(r->state, "Timeout")) {
		/* A machine that did not answer: name, driver and Timeout only. */
		json_object_set_new(j, "Active", json_string(""));
		json_object_set_new(j, "ResponseTime", json_string(""));
	}
	return j;
}

/* --format: "json" (*tpl left NULL), or a template, after "table" (*table). */
static int parse_format(const char *fmt, struct mc_template **tpl, bool *table, struct mc_error *err)
{
	if (!strcmp(fmt, "json"))
		return 0;
	if ((*table = mc_startswith(fmt, "table")))
		fmt += 5 + strspn(fmt + 5, " ");
	return mc_template_parse_with(fmt, MC_TEMPLATE_ESCAPES | MC_TEMPLATE_STRICT_FIELDS, NULL, tpl, err);
}

static int print_rows(struct mc_listing_row **rows, size_t n, const struct mc_template *tpl, bool table,
		      struct mc_error *err)
{
	_cleanup_strv_ char **text = mc_calloc(1, sizeof(char *));
	_cleanup_free_ char *out = NULL;

	if (!tpl) {
		_cleanup_json_ json_t *arr = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, row_json(rows[i]));
		out = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", out);
		return 0;
	}
	if (table)
		mc_strv_push(&text, mc_template_render_header(tpl, header_of));
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *data = row_json(rows[i]);
		char *line = NULL;

		/* Nothing printed on an error: a half table would read as the whole. */
		if (mc_template_render(tpl, data, &line, err) < 0)
			return -1;
		mc_strv_push(&text, line);
	}
	/* Only a table is aligned; any other format is printed as it renders
	 * (a \t stays a tab, for cut -f and IFS=$'\t'). */
	if (table) {
		out = mc_tabwriter(text);
		fputs(out, stdout);
	} else {
		for (char **l = text; *l; l++)
			printf("%s\n", *l);
	}
	return 0;
}

/* The listing needs the daemons when the output (any field it reads, or the
 * whole row: {{json .}}) or a filter shows them. */
static bool wants_docker(const struct mc_template *tpl, bool quiet, const struct mc_filters *f)
{
	static const char *const daemon_fields[] = { "DockerVersion", "Error", "ResponseTime", "Swarm", NULL };

	if (mc_filters_need_docker(f))
		return true;
	return !quiet && (!tpl || mc_template_reads(tpl, daemon_fields));
}

int mc_cmd_ls(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	struct mc_filters *f = NULL;
	struct mc_listing l = { 0 };
	struct mc_listing_row **shown = NULL;
	const char *fmt = mc_args_str(a, OPT(FORMAT));
	bool quiet = mc_args_bool(a, OPT(QUIET)), table = false;
	struct mc_template *tpl = NULL;
	size_t kept = 0;
	long long timeout_ms = mc_args_int(a, OPT(TIMEOUT)) * 1000;  /* in its range: the parser checked */
	_cleanup_free_ char *ctx = mc_ops_context_current();
	int rc = 0;

	if (mc_filters_parse(mc_args_list(a, OPT(FILTER)), &f, &err) < 0 ||
	    (!quiet && parse_format(fmt ? fmt : default_format, &tpl, &table, &err) < 0) ||
	    mc_listing_collect(&cli->s, &(struct mc_listing_opts){
					.timeout_ms = timeout_ms,
					.need_state = !quiet || mc_filters_need_state(f),
					.want_docker = wants_docker(tpl, quiet, f),
					.docker_host = getenv("DOCKER_HOST"),
					.docker_context = ctx }, &l, &err) < 0) {
		mc_template_free(tpl);
		mc_filters_free(f);
		return mc_cli_fail(&err);
	}
	shown = mc_calloc(l.n ? l.n : 1, sizeof(*shown));
	for (size_t i = 0; i < l.n; i++)
		if (mc_filters_match(f, &l.rows[i]))
			shown[kept++] = &l.rows[i];
	if (quiet) {
		for (size_t i = 0; i < kept; i++)
			printf("%s\n", shown[i]->name);
	} else if (print_rows(shown, kept, tpl, table, &err) < 0) {
		rc = mc_cli_fail(&err);
	}
	mc_template_free(tpl);
	cli->detached = l.detached;
	free(shown);
	mc_listing_free(&l);
	mc_filters_free(f);
	return rc;
}
