#include "buildconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "util.h"

static struct mc_optval *find_long(struct mc_args *a, const char *name, size_t len)
{
	for (size_t i = 0; i < a->n; i++)
		if (strlen(a->vals[i].opt->name) == len && !strncmp(a->vals[i].opt->name, name, len))
			return &a->vals[i];
	return NULL;
}

static struct mc_optval *find_short(struct mc_args *a, char c)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->vals[i].opt->short_name == c)
			return &a->vals[i];
	return NULL;
}

int mc_opt_int_value(const struct mc_option *o, const char *value, const char *what, long long *out,
		     struct mc_error *err)
{
	_cleanup_free_ char *dashed = what ? NULL : mc_asprintf("--%s", o->name);
	bool range = o->min < o->max, unit = false, number = false;
	long long lo = range ? o->min : -MC_INT_LIMIT, hi = range ? o->max : MC_INT_LIMIT, v;
	const char *s = value ? value : "";

	what = what ? what : dashed;
	if (*s && !isspace((unsigned char)*s)) {
		char *end;
		const char *u;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (!*end && errno != ERANGE && v >= lo && v <= hi) {
			if (out)
				*out = v;
			return 0;
		}
		/* "2g", "4GiB", "10s": digits, then a unit the help names */
		for (u = end; isalpha((unsigned char)*u); u++)
			;
		unit = end > s && u > end && !*u;
		number = !*end;
	}
	if (range)
		return mc_error_set(err, MC_E_USAGE, "invalid value '%s' for %s: give a %snumber from %lld to %lld%s",
				    s, what, unit ? "plain " : "", lo, hi,
				    unit ? " (without a unit: the help names it)" : "");
	return mc_error_set(err, MC_E_USAGE, "invalid value '%s' for %s: %s", s, what,
			    unit ? "give a plain number (without a unit: the help names it)"
			    : number ? "the number is out of range" : "not a number");
}

static int set_value(struct mc_optval *v, const char *value, struct mc_error *err)
{
	const struct mc_option *o = v->opt;

	if (o->type == MC_OPT_BOOL) {
		bool b = true;

		if (value && mc_parse_bool_value(value, &b) < 0)
			return mc_error_set(err, MC_E_USAGE,
					    "invalid value '%s' for --%s: use true or false", value,
					    o->name);
		value = b ? "true" : "false";
	} else if (o->type == MC_OPT_INT && mc_opt_int_value(o, value, NULL, NULL, err) < 0) {
		return -1;
	}
	free(v->str);
	v->str = mc_strdup(value);
	v->set = true;
	if (o->type == MC_OPT_LIST)
		mc_strv_push(&v->list, mc_strdup(value));
	return 0;
}

int mc_args_parse(const struct mc_option *const *tables, int argc, char **argv, unsigned flags,
		  struct mc_args *a, struct mc_error *err)
{
	const struct mc_optval *bare_bool = NULL;  /* the last argument: a yes/no flag without '=' */
	bool only_pos = false;

	memset(a, 0, sizeof(*a));
	a->pos = mc_calloc(1, sizeof(char *));
	for (size_t t = 0; tables && tables[t]; t++)
		for (const struct mc_option *o = tables[t]; o->name; o++) {
			a->vals = mc_realloc(a->vals, (a->n + 1) * sizeof(*a->vals));
			a->vals[a->n++] = (struct mc_optval){ .opt = o };
		}

	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];
		struct mc_optval *v;
		bool b;

		/* "--autostart false" would turn the flag on and take "false"
		 * as a name (create makes several machines); one-letter names
		 * (t, f, 1, 0) stay names. */
		if (bare_bool && !only_pos && arg[0] && arg[1] && mc_parse_bool_value(arg, &b) == 0)
			return mc_error_set(err, MC_E_USAGE,
					    "a yes/no flag takes its value after '=': --%s=%s ('%s' as a name: put the names after --)",
					    bare_bool->opt->name, arg, arg);
		bare_bool = NULL;
		if (only_pos || arg[0] != '-' || !arg[1]) {
			mc_strv_push(&a->pos, mc_strdup(arg));
			if (flags & MC_ARGS_STOP_AT_POSITIONAL)
				only_pos = true;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_pos = true;
			continue;
		}
		if (arg[1] == '-') {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			v = find_long(a, name, len);
			if (!v) {
				a->unknown = mc_strndup(name, len);
				return mc_error_set(err, MC_E_USAGE, "unknown flag --%.*s%s", (int)len, name,
						    strncmp(name, "swarm", 5) ? "" :
						    ": docker-machine's legacy swarm, which machinectl does not run: use swarm mode (swarm-up)");
			}
			if (v->opt->type == MC_OPT_BOOL) {
				if (set_value(v, eq ? eq + 1 : NULL, err) < 0)
					return -1;
				bare_bool = eq ? NULL : v;
			} else if (eq) {
				if (set_value(v, eq + 1, err) < 0)
					return -1;
			} else {
				if (i + 1 >= argc)
					return mc_error_set(err, MC_E_USAGE, "flag --%s needs a value",
							    v->opt->name);
				if (set_value(v, argv[++i], err) < 0)
					return -1;
			}
			continue;
		}
		/* Short flags: -q, -qr (bools combined), -f VALUE, -fVALUE. */
		for (const char *c = arg + 1; *c; c++) {
			v = find_short(a, *c);
			if (!v)
				return mc_error_set(err, MC_E_USAGE, "unknown flag -%c", *c);
			if (v->opt->type == MC_OPT_BOOL) {
				if (set_value(v, NULL, err) < 0)
					return -1;
				bare_bool = v;
				continue;
			}
			bare_bool = NULL;
			if (c[1]) {
				if (set_value(v, c + 1, err) < 0)
					return -1;
			} else {
				if (i + 1 >= argc)
					return mc_error_set(err, MC_E_USAGE, "flag -%c needs a value", *c);
				if (set_value(v, argv[++i], err) < 0)
					return -1;
			}
			break;
		}
	}
	/* A yes/no or a number from the environment is held to the command
	 * line's rule (and a number to the declared range). */
	for (size_t i = 0; i < a->n; i++) {
		const struct mc_option *o = a->vals[i].opt;
		const char *e = o->env && !a->vals[i].set ? getenv(o->env) : NULL;
		bool b;

		if (o->type == MC_OPT_BOOL && e && *e && mc_parse_bool_value(e, &b) < 0)
			return mc_error_set(err, MC_E_USAGE, "invalid value '%s' in $%s (for --%s): use true or false", e,
					    o->env, o->name);
		if (o->type == MC_OPT_INT && e && *e) {
			_cleanup_free_ char *what = mc_asprintf("--%s (from $%s)", o->name, o->env);

			if (mc_opt_int_value(o, e, what, NULL, err) < 0)
				return -1;
		}
	}
	return 0;
}

void mc_args_free(struct mc_args *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->vals[i].str);
		mc_strv_free(a->vals[i].list);
	}
	free(a->vals);
	mc_strv_free(a->pos);
	free(a->unknown);
	memset(a, 0, sizeof(*a));
}

static const struct mc_optval *lookup(const struct mc_args *a, const struct mc_option *o)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->vals[i].opt == o)
			return &a->vals[i];
	fprintf(stderr, "BUG: option --%s is not in the parsed option tables\n", o ? o->name : "?");
	abort();
}

static const struct mc_optval *lookup_name(const struct mc_args *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->vals[i].opt->name, name))
			return &a->vals[i];
	fprintf(stderr, "BUG: option --%s is not in the parsed option tables\n", name);
	abort();
}

static const char *value_of(const struct mc_optval *v)
{
	const char *e;

	if (v->set)
		return v->str;
	if (v->opt->env && (e = getenv(v->opt->env)) && *e)
		return e;
	return v->opt->def;
}

const char *mc_args_str(const struct mc_args *a, const struct mc_option *o)
{
	return value_of(lookup(a, o));
}

bool mc_args_bool(const struct mc_args *a, const struct mc_option *o)
{
	return mc_parse_bool(mc_args_str(a, o));
}

long long mc_args_int(const struct mc_args *a, const struct mc_option *o)
{
	const char *s = mc_args_str(a, o);

	return s ? strtoll(s, NULL, 10) : 0;
}

char **mc_args_list(const struct mc_args *a, const struct mc_option *o)
{
	return lookup(a, o)->list;
}

bool mc_args_given(const struct mc_args *a, const struct mc_option *o)
{
	return lookup(a, o)->set;
}

const char *mc_args_named_str(const struct mc_args *a, const char *name)
{
	return value_of(lookup_name(a, name));
}

char **mc_args_named_list(const struct mc_args *a, const char *name)
{
	return lookup_name(a, name)->list;
}

bool mc_args_named_given(const struct mc_args *a, const char *name)
{
	return lookup_name(a, name)->set;
}

size_t mc_args_npos(const struct mc_args *a)
{
	return mc_strv_len(a->pos);
}
