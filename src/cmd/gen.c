/*
 * __generate (hidden): a man page or a shell completion script, rendered from
 * a template of doc/gen against one JSON model of the tables --help prints
 * (the verb table, each verb's options, the global options, every driver's
 * flags).  The build runs it (mk/docs.mk); tests/cli/t6001 checks that --help,
 * the man pages and the completions agree.  doc/hacking.md says how to add a
 * fact.
 *
 *   machinectl __generate [--prog NAME] [--templates DIR] WHAT
 */
#include "buildconf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "gen.h"
#include "template-fmt.h"
#include "util.h"

const struct mc_option mc_opts_generate[] = {
	[O_GENERATE_PROG] = { "prog", 0, MC_OPT_STRING, NULL, NULL, "NAME",
	  "program name the output uses (default: the name machinectl was called by)" },
	[O_GENERATE_TEMPLATES] = { "templates", 0, MC_OPT_STRING, "MACHINECTL_GENERATE_TEMPLATES", MC_GENDIR,
	  "DIR", "directory of the templates (default: the source tree's doc/gen)", .value = MC_VALUE_DIR },
	[O_GENERATE_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_generate, O_GENERATE_N);

/* WHAT, and the template it is made from. */
static const struct {
	const char *what, *file;
} outputs[] = {
	{ "man", "machinectl.1.tmpl" },
	{ "man-drivers", "machinectl-drivers.7.tmpl" },
	{ "man-config", "machinectl-config.5.tmpl" },
	{ "bash", "bash.tmpl" },
	{ "zsh", "zsh.tmpl" },
	{ "fish", "fish.tmpl" },
	{ "powershell", "powershell.tmpl" },
};

/* Variables of machinectl(1)'s ENVIRONMENT that stand for no option. */
static const char *const env_extra[][2] = {
	{ "MACHINECTL_DRIVER_PATH",
	  "Colon-separated directories searched for driver plugins (machinectl-driver-NAME.so) before the installed plugin directory." },
	{ "MACHINE_STORAGE_PATH",
	  "The docker-machine store that import-docker-machine reads when --from is not given (default: ~/.docker/machine)." },
	{ "DOCKER_HOST", "Read by active: the machine whose URL it is, is the active one." },
	{ "SHELL", "Read by env when --shell is not given." },
	{ "NO_PROXY", "Extended by env --no-proxy (no_proxy when that is the one set)." },
	{ "HOME", "The default store is ~/.machinectl." },
	{ "MACHINECTL_ISO_URL",
	  "The release URL of the machine OS ISO, downloaded with its SHA-256 (the URL plus .sha256) when create needs the default ISO and no cache holds one; wins over config.ini's iso-url." },
	{ "MACHINECTL_ISO_CACHE",
	  "Where the machine OS builds are (default: /var/cache/machinectl/iso); os build passes it to the builder." },
	{ "MACHINECTL_OS_BUILDER",
	  "The machine OS builder os build runs (default: the installed one, PKGDATADIR/os/scripts/build-iso)." },
};

static json_t *options_json(const struct mc_option *t, json_t *drivers, json_t *into)
{
	for (; t && t->name; t++)
		json_array_append_new(into, mc_gen_option(t, drivers));
	return into;
}

static json_t *verb_json(const struct mc_verb *v, json_t *drivers)
{
	/* swarm-up --create takes create's options as well (main.c parse_verb_args) */
	bool with_create = (v->flags & MC_VERB_DRIVER_FLAGS) && v->options != mc_opts_create;
	json_t *accepts = options_json(v->options, drivers, json_array());

	if (with_create)
		options_json(mc_opts_create, drivers, accepts);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:s, s:i, s:b, s:b}", "name", v->name, "args",
			 v->args, "summary", v->summary, "options", options_json(v->options, drivers, json_array()),
			 "accepts", accepts, "with_create", with_create, "pos", mc_gen_value_name(v->pos),
			 "max_args", v->max_args, "stop_at_pos", (v->flags & MC_VERB_STOP_AT_POS) != 0,
			 "driver_flags", (v->flags & MC_VERB_DRIVER_FLAGS) != 0);
}

/* Each variable of the options in list (model options) once, the first
 * option that has it winning; verb or driver says whose options they are. */
static void env_collect(json_t *env, json_t *list, const char *verb, const char *driver)
{
	size_t i;
	json_t *o, *var;

	json_array_foreach(list, i, o)
		if ((var = json_object_get(o, "env")) && !json_object_get(env, json_string_value(var)))
			json_object_set_new(env, json_string_value(var),
					    json_pack("{s:O, s:O, s:s*, s:s*}", "name", var, "option",
						      json_object_get(o, "name"), "verb", verb, "driver", driver));
}

/* Each option of list not in seen yet, appended to all. */
static void options_collect(json_t *all, json_t *seen, json_t *list)
{
	size_t i;
	json_t *o;

	json_array_foreach(list, i, o) {
		const char *name = json_string_value(json_object_get(o, "name"));

		if (!json_object_get(seen, name)) {
			json_object_set_new(seen, name, json_true());
			json_array_append(all, o);
		}
	}
}

/* The ENVIRONMENT of machinectl(1), sorted, each variable once: the global
 * options', the verbs', the drivers', then those that stand for no option. */
static json_t *env_json(json_t *m)
{
	_cleanup_json_ json_t *env = json_object();
	_cleanup_strv_ char **keys = NULL;
	json_t *sorted = json_array(), *v;
	size_t i;

	env_collect(env, json_object_get(m, "global"), NULL, NULL);
	json_array_foreach(json_object_get(m, "verbs"), i, v)
		env_collect(env, json_object_get(v, "options"), json_string_value(json_object_get(v, "name")), NULL);
	json_array_foreach(json_object_get(m, "drivers"), i, v)
		env_collect(env, json_object_get(v, "flags"), NULL, json_string_value(json_object_get(v, "name")));
	for (i = 0; i < MC_ARRAY_SIZE(env_extra); i++)
		if (!json_object_get(env, env_extra[i][0]))
			json_object_set_new(env, env_extra[i][0],
					    json_pack("{s:s, s:s}", "name", env_extra[i][0], "text", env_extra[i][1]));
	keys = mc_json_sorted_keys(env);
	for (i = 0; keys[i]; i++)
		json_array_append(sorted, json_object_get(env, keys[i]));
	return sorted;
}

/* Every option of the program once (the first by its name): global, the
 * verbs', the drivers' flags. */
static json_t *all_options_json(json_t *m)
{
	_cleanup_json_ json_t *seen = json_object();
	json_t *all = json_array(), *v;
	size_t i;

	options_collect(all, seen, json_object_get(m, "global"));
	json_array_foreach(json_object_get(m, "verbs"), i, v)
		options_collect(all, seen, json_object_get(v, "accepts"));
	json_array_foreach(json_object_get(m, "drivers"), i, v)
		options_collect(all, seen, json_object_get(v, "flags"));
	return all;
}

static json_t *model(const char *prog)
{
	json_t *drivers = mc_gen_drivers(), *names = json_array(), *verbs = json_array(), *d, *m;
	_cleanup_free_ char *fn = mc_asprintf("_%s", prog), *date = mc_gen_date();
	size_t i;

	for (char *c = fn; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			*c = '_';
	json_array_foreach(drivers, i, d)
		json_array_append(names, json_object_get(d, "name"));
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (!(v->flags & MC_VERB_HIDDEN))
			json_array_append_new(verbs, verb_json(v, names));
	m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "prog", prog, "fn", fn,
		      "package", PACKAGE_NAME, "version", PACKAGE_VERSION, "date", date, "default_driver",
		      MC_DEFAULT_DRIVER, "plugin_dir", MC_DRIVERDIR, "global",
		      options_json(mc_opts_global, names, json_array()), "verbs", verbs, "drivers", drivers,
		      "driver_names", names);
	json_object_set_new(m, "env", env_json(m));
	json_object_set_new(m, "options", all_options_json(m));
	json_object_set_new(m, "os_url", json_string(MC_OS_URL));
	return m;
}

/* The outputs paste the name into shell code and man macros unquoted. */
static bool prog_ok(const char *s)
{
	return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-") == strlen(s);
}

int mc_cmd_generate(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	const char *prog = mc_args_str(a, &mc_opts_generate[O_GENERATE_PROG]);
	const char *dir = mc_args_str(a, &mc_opts_generate[O_GENERATE_TEMPLATES]);
	struct mc_error err = { 0 };
	_cleanup_json_ json_t *m = NULL;
	_cleanup_free_ char *out = NULL;

	(void)verb;
	if (prog && !prog_ok(prog)) {
		mc_cli_eprintf("Error: invalid --prog \"%s\": a program name has only letters, digits and . _ + -", prog);
		return 2;
	}
	if (!prog)
		prog = prog_ok(cli->prog) ? cli->prog : "machinectl";
	for (size_t i = 0; i < MC_ARRAY_SIZE(outputs); i++) {
		if (strcmp(a->pos[0], outputs[i].what))
			continue;
		m = model(prog);
		if (mc_gen_render(dir, outputs[i].file, m, &out, &err) < 0 && err.code != MC_E_USAGE) {
			mc_cli_eprintf("Error: %s (the templates are the source tree's doc/gen: give their "
				       "directory with --templates DIR or MACHINECTL_GENERATE_TEMPLATES)", err.msg);
			return 1;
		}
		if (!out)
			return mc_cli_fail(&err);   /* a template's own error */
		fputs(out, stdout);
		return 0;
	}
	mc_cli_eprintf("Error: unknown output \"%s\": use man, man-drivers, man-config, bash, zsh, fish or powershell",
		       a->pos[0]);
	return 2;
}
