/* The model objects and template functions of the man pages and completions (gen.h). */
#include "buildconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "registry.h"
#include "util.h"

/* --- the model --- */

const char *mc_gen_value_name(enum mc_value v)
{
	static const char *const names[] = {
		[MC_VALUE_ANY] = "any",       [MC_VALUE_MACHINE] = "machine", [MC_VALUE_DRIVER] = "driver",
		[MC_VALUE_CHOICE] = "choice", [MC_VALUE_FILE] = "file",       [MC_VALUE_DIR] = "dir",
		[MC_VALUE_REMOTE] = "remote", [MC_VALUE_VERB] = "verb",
	};

	return (size_t)v < MC_ARRAY_SIZE(names) && names[v] ? names[v] : "any";
}

/* What an option of a verb and a driver's flag have in common. */
struct gen_opt {
	const char *name;
	char short_name;
	const char *type;        /* bool string int list */
	const char *metavar, *help, *def, *env;
	enum mc_value value;
	const char *choices;     /* space-separated */
	long long min, max;      /* an int's values when min < max */
};

static void set_string(json_t *o, const char *key, const char *s)
{
	if (s)
		json_object_set_new(o, key, json_string(s));
}

static json_t *words(const char *s)
{
	json_t *a = json_array();

	while (s && *s) {
		size_t n = strcspn(s, " ");

		if (n) {
			_cleanup_free_ char *w = mc_strndup(s, n);

			json_array_append_new(a, json_string(w));
		}
		s += n;
		s += strspn(s, " ");
	}
	return a;
}

static json_t *opt_json(const struct gen_opt *g, json_t *drivers)
{
	json_t *o = json_object();
	char s[2] = { g->short_name, '\0' };
	bool arg = strcmp(g->type, "bool") != 0;

	set_string(o, "name", g->name);
	set_string(o, "short", s);
	set_string(o, "type", g->type);
	json_object_set_new(o, "arg", json_boolean(arg));
	json_object_set_new(o, "repeat", json_boolean(!strcmp(g->type, "list")));
	set_string(o, "metavar", g->metavar);
	set_string(o, "help", g->help);
	set_string(o, "default", g->def);
	set_string(o, "env", g->env);
	set_string(o, "value", mc_gen_value_name(g->value));
	if (g->value == MC_VALUE_DRIVER && drivers)
		json_object_set(o, "choices", drivers);
	else
		json_object_set_new(o, "choices", words(g->choices));
	if (!strcmp(g->type, "int") && g->min < g->max) {
		json_object_set_new(o, "min", json_integer(g->min));
		json_object_set_new(o, "max", json_integer(g->max));
	}
	return o;
}

json_t *mc_gen_option(const struct mc_option *o, json_t *drivers)
{
	static const char *const types[] = {
		[MC_OPT_BOOL] = "bool", [MC_OPT_STRING] = "string", [MC_OPT_INT] = "int", [MC_OPT_LIST] = "list",
	};

	return opt_json(&(struct gen_opt){ o->name, o->short_name, types[o->type], o->metavar, o->help,
					   o->def, o->env, o->value, o->choices, o->min, o->max },
			drivers);
}

json_t *mc_gen_flag(const struct mc_driver_flag *f, json_t *drivers)
{
	static const char *const types[] = {
		[MC_FLAG_STRING] = "string", [MC_FLAG_INT] = "int", [MC_FLAG_BOOL] = "bool",
		[MC_FLAG_STRINGS] = "list",
	};

	return opt_json(&(struct gen_opt){ f->name, 0, types[f->type], f->type == MC_FLAG_BOOL ? NULL : "VALUE",
					   f->help, f->def, f->env, f->value, f->choices, f->min, f->max },
			drivers);
}

json_t *mc_gen_drivers(void)
{
	_cleanup_strv_ char **names = mc_driver_names();
	_cleanup_json_ json_t *loaded = json_array();
	const struct mc_driver **drv = mc_calloc(mc_strv_len(names) + 1, sizeof(*drv));
	json_t *out = json_array();
	size_t n = 0;

	/* mc_driver_names() is sorted; keep the ones that load. */
	for (size_t i = 0; names && names[i]; i++) {
		struct mc_error err = { 0 };

		if (mc_driver_lookup(names[i], &drv[n], &err) == 0 && drv[n]) {
			json_array_append_new(loaded, json_string(drv[n]->name));
			n++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_t *d = json_object(), *flags = json_array();

		set_string(d, "name", drv[i]->name);
		set_string(d, "summary", drv[i]->summary);
		for (const struct mc_driver_flag *f = drv[i]->flags; f && f->name; f++)
			json_array_append_new(flags, mc_gen_flag(f, loaded));
		json_object_set_new(d, "flags", flags);
		json_array_append_new(out, d);
	}
	free(drv);
	return out;
}

char *mc_gen_date(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	char month[16];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(month, sizeof(month), "%B", &tm);
	return mc_asprintf("%s %d, %d", month, tm.tm_mday, tm.tm_year + 1900);
}

/* --- the functions --- */

#define USAGE(err, ...) (mc_error_set((err), MC_E_USAGE, __VA_ARGS__), (json_t *)NULL)

/* The one string argument of function `name`, or NULL with err set. */
static const char *str_arg(const char *name, json_t *const *a, size_t n, struct mc_error *err)
{
	if (n != 1 || !json_is_string(a[0])) {
		mc_error_set(err, MC_E_USAGE, "template: %s takes one string", name);
		return NULL;
	}
	return json_string_value(a[0]);
}

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		b->p = mc_realloc(b->p, b->cap = (b->len + n + 1) * 2);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put_str(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* The buffer as a JSON string (b->p freed). */
static json_t *take(struct buf *b)
{
	json_t *r;

	put(b, "", 0);
	r = json_string(b->p);
	free(b->p);
	return r ? r : json_string("");
}

/* mdoc text: a backslash is \e; a line must not start with . or ' (a request). */
static json_t *man_line(const char *s, bool sentence)
{
	struct buf b = { 0 };
	size_t n = strlen(s);

	if (*s == '.' || *s == '\'')
		put_str(&b, "\\&");
	for (const char *p = s; *p; p++)
		if (*p == '\\')
			put_str(&b, "\\e");
		else
			put(&b, p, 1);
	if (sentence && n && !strchr(".!?", s[n - 1]))
		put_str(&b, ".");
	return take(&b);
}

static json_t *fn_man_text(json_t *const *a, size_t n, struct mc_error *err)
{
	const char *s = str_arg("man_text", a, n, err);

	return s ? man_line(s, false) : NULL;
}

static json_t *fn_man_sentence(json_t *const *a, size_t n, struct mc_error *err)
{
	const char *s = str_arg("man_sentence", a, n, err);

	return s ? man_line(s, true) : NULL;
}

/* Each word a macro argument that mdoc reads as text: not a macro name
 * (Ar, Fl, ...: two or three letters, capital first), not a delimiter. */
static json_t *fn_man_words(json_t *const *a, size_t n, struct mc_error *err)
{
	const char *s = str_arg("man_words", a, n, err);
	struct buf b = { 0 };

	if (!s)
		return NULL;
	while (*s) {
		size_t w = strcspn(s, " ");

		if (w) {
			put(&b, " ", 1);
			if ((w >= 2 && w <= 3 && isupper((unsigned char)s[0]) && islower((unsigned char)s[1])) ||
			    strchr(".,;:?!()[]|", s[0]))
				put_str(&b, "\\&");
			for (size_t i = 0; i < w; i++)
				if (s[i] == '\\')
					put_str(&b, "\\e");
				else if (s[i] == '"')
					put_str(&b, "\\(dq");
				else
					put(&b, s + i, 1);
		}
		s += w;
		s += strspn(s, " ");
	}
	return take(&b);
}

/* Inside '...' of an _arguments spec: a quote ends the string; [ ] : and \
 * are _arguments' own syntax. */
static json_t *fn_zsh_q(json_t *const *a, size_t n, struct mc_error *err)
{
	const char *s = str_arg("zsh_q", a, n, err);
	struct buf b = { 0 };

	if (!s)
		return NULL;
	for (; *s; s++) {
		if (*s == '\'')
			put_str(&b, "'\\''");
		else if (strchr("[]:\\", *s))
			put(&b, "\\", 1);
		if (*s != '\'')
			put(&b, s, 1);
	}
	return take(&b);
}

/* 'S' in fish: \ and ' are escaped with a backslash. */
static json_t *fn_fish_q(json_t *const *a, size_t n, struct mc_error *err)
{
	const char *s = str_arg("fish_q", a, n, err);
	struct buf b = { 0 };

	if (!s)
		return NULL;
	put(&b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			put(&b, "\\", 1);
		put(&b, s, 1);
	}
	put(&b, "'", 1);
	return take(&b);
}

/* 'S' in PowerShell: a quote is doubled. */
static json_t *fn_ps_q(json_t *const *a, size_t n, struct mc_error *err)
{
	const char *s = str_arg("ps_q", a, n, err);
	struct buf b = { 0 };

	if (!s)
		return NULL;
	put(&b, "'", 1);
	for (; *s; s++) {
		if (*s == '\'')
			put(&b, "'", 1);
		put(&b, s, 1);
	}
	put(&b, "'", 1);
	return take(&b);
}

static json_t *fn_select(json_t *const *a, size_t n, struct mc_error *err)
{
	json_t *out, *e;
	size_t i;

	if (n != 2 || !json_is_array(a[0]) || !json_is_string(a[1]))
		return USAGE(err, "template: select takes a list and a field name");
	out = json_array();
	json_array_foreach(a[0], i, e) {
		json_t *f = json_object_get(e, json_string_value(a[1]));

		if (f && !json_is_false(f) && !json_is_null(f))
			json_array_append(out, e);
	}
	return out;
}

static json_t *fn_dict(json_t *const *a, size_t n, struct mc_error *err)
{
	json_t *o;

	if (n % 2)
		return USAGE(err, "template: dict takes keys and values in pairs");
	o = json_object();
	for (size_t i = 0; i < n; i += 2) {
		if (!json_is_string(a[i])) {
			json_decref(o);
			return USAGE(err, "template: a key of dict is not a string");
		}
		json_object_set(o, json_string_value(a[i]), a[i + 1] ? a[i + 1] : json_null());
	}
	return o;
}

static const char *render_dir;   /* the directory of the template mc_gen_render renders */
static int include_depth;

static int render_text(const char *text, const char *path, json_t *data, char **out, struct mc_error *err)
{
	struct mc_template *t = NULL;
	int r;

	r = mc_template_parse_with(text, 0, mc_gen_funcs, &t, err);
	if (r == 0)
		r = mc_template_render(t, data, out, err);
	mc_template_free(t);
	if (r < 0)
		mc_error_prefix(err, "%s: ", path);
	return r;
}

static json_t *fn_include(json_t *const *a, size_t n, struct mc_error *err)
{
	const char *name = n == 2 && json_is_string(a[0]) ? json_string_value(a[0]) : NULL;
	_cleanup_free_ char *file = NULL, *path = NULL, *text = NULL, *out = NULL;
	json_t *s;
	size_t len;
	int r;

	if (!name || !*name || name[strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-")])
		return USAGE(err, "template: include takes a partial's name (a-z, 0-9, -) and its data");
	if (!render_dir)
		return USAGE(err, "template: include works only in a template file");
	if (include_depth >= 16)
		return USAGE(err, "template: include \"%s\": partials nested too deep", name);
	file = mc_asprintf("_%s.tmpl", name);
	path = mc_path_join(render_dir, file);
	if (mc_read_file(path, &text, NULL, err) < 0)
		return NULL;
	include_depth++;
	r = render_text(text, path, a[1], &out, err);
	include_depth--;
	if (r < 0)
		return NULL;
	len = strlen(out);
	if (len && out[len - 1] == '\n')
		out[len - 1] = '\0';
	s = json_string(out);
	return s ? s : USAGE(err, "template: %s: not valid UTF-8", path);
}

const struct mc_template_func mc_gen_funcs[] = {
	{ "man_text", fn_man_text },   { "man_sentence", fn_man_sentence }, { "man_words", fn_man_words },
	{ "zsh_q", fn_zsh_q },         { "fish_q", fn_fish_q },             { "ps_q", fn_ps_q },
	{ "select", fn_select },       { "dict", fn_dict },                 { "include", fn_include },
	{ NULL, NULL },
};

int mc_gen_render(const char *dir, const char *file, json_t *model, char **out, struct mc_error *err)
{
	_cleanup_free_ char *path = mc_path_join(dir, file), *text = NULL;
	const char *outer = render_dir;
	int r;

	*out = NULL;
	if (mc_read_file(path, &text, NULL, err) < 0)
		return -1;
	render_dir = dir;
	r = render_text(text, path, model, out, err);
	render_dir = outer;
	return r;
}
