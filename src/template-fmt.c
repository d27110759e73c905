/* Template values, Go's fmt verbs and the built-in functions. */
#include "buildconf.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template-fmt.h"
#include "util.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **mc_json_sorted_keys(json_t *obj)
{
	char **keys = mc_calloc(json_object_size(obj) + 1, sizeof(char *));
	const char *k;
	size_t n = 0;
	json_t *v;

	json_object_foreach(obj, k, v)
		keys[n++] = mc_strdup(k);
	qsort(keys, n, sizeof(char *), cmp_str);
	return keys;
}

char *mc_template_string(json_t *v)
{
	char *s;

	if (!v)
		return mc_strdup("<no value>");
	if (json_is_string(v))
		return mc_strdup(json_string_value(v));
	if (json_is_real(v)) {
		double d = json_real_value(v);

		if (d == floor(d) && fabs(d) < 1e15)
			return mc_asprintf("%.0f", d);
		return mc_asprintf("%.15g", d);
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | JSON_COMPACT);
	return s ? s : mc_strdup("");
}

bool mc_template_truth(json_t *v)
{
	if (!v || json_is_null(v) || json_is_false(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (json_is_real(v))
		return json_real_value(v) != 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	if (json_is_object(v))
		return json_object_size(v) > 0;
	return true;
}

/* ------------------------------------------------------------------ */
/* printf                                                              */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sput(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		b->p = mc_realloc(b->p, b->cap = (b->len + n + 1) * 2);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static const char *type_name(json_t *v)
{
	if (!v || json_is_null(v))
		return "<nil>";
	if (json_is_string(v))
		return "string";
	if (json_is_integer(v))
		return "int";
	if (json_is_real(v))
		return "float64";
	if (json_is_boolean(v))
		return "bool";
	return json_is_array(v) ? "[]interface {}" : "map[string]interface {}";
}

/* Go's %q: a double-quoted string with Go escapes. */
static char *go_quote(const char *s)
{
	struct sbuf b = { 0 };

	sput(&b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[8];

		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			sput(&b, e, 2);
		} else if (c == '\n') {
			sput(&b, "\\n", 2);
		} else if (c == '\t') {
			sput(&b, "\\t", 2);
		} else if (c == '\r') {
			sput(&b, "\\r", 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof(e), "\\x%02x", c);
			sput(&b, e, strlen(e));
		} else {
			sput(&b, (const char *)&c, 1);
		}
	}
	sput(&b, "\"", 1);
	return b.p;
}

static size_t runes(const char *s, size_t n)
{
	size_t r = 0;

	for (size_t i = 0; i < n; i++)
		r += ((unsigned char)s[i] & 0xC0) != 0x80;
	return r;
}

/* One formatted operand with Go's width and '-' and '0' flags (padding
 * counts characters, not bytes). */
static void pad(struct sbuf *b, const char *s, int width, bool left, bool zero)
{
	size_t n = strlen(s), r = runes(s, n);
	size_t fill = width > 0 && (size_t)width > r ? (size_t)width - r : 0;

	if (left)
		sput(b, s, n);
	if (zero && !left && (*s == '-' || *s == '+')) {
		sput(b, s, 1);
		s++;
		n--;
	}
	for (size_t i = 0; i < fill; i++)
		sput(b, zero && !left ? "0" : " ", 1);
	if (!left)
		sput(b, s, n);
}

struct spec {
	bool left, plus, space, zero, sharp;
	int width, prec;       /* -1: none */
	char verb;
};

/* C's printf for a number with the spec's flags. */
static char *cnum(const struct spec *sp, const char *len, int conv, ...)
{
	char fmt[32], *out = NULL;
	int n = 0;
	va_list ap;

	n += snprintf(fmt + n, sizeof(fmt) - (size_t)n, "%%%s%s%s", sp->plus ? "+" : "",
		      sp->space ? " " : "", sp->sharp ? "#" : "");
	if (sp->prec >= 0)
		n += snprintf(fmt + n, sizeof(fmt) - (size_t)n, ".%d", sp->prec);
	snprintf(fmt + n, sizeof(fmt) - (size_t)n, "%s%c", len, conv);
	va_start(ap, conv);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (vasprintf(&out, fmt, ap) < 0)
		abort();
#pragma GCC diagnostic pop
	va_end(ap);
	return out;
}

static char *bad_verb(char verb, json_t *v)
{
	_cleanup_free_ char *s = mc_template_string(v);

	return mc_asprintf("%%!%c(%s=%s)", verb, type_name(v), s);
}

static char *format_one(const struct spec *sp, json_t *v)
{
	bool is_int = json_is_integer(v), is_num = is_int || json_is_real(v);

	switch (sp->verb) {
	case 'v':
	case 's': {
		char *s = mc_template_string(v);

		if (sp->prec >= 0 && strlen(s) > (size_t)sp->prec)
			s[sp->prec] = '\0';
		return s;
	}
	case 'q': {
		_cleanup_free_ char *s = mc_template_string(v);

		return go_quote(s);
	}
	case 'd':
		return is_int ? cnum(sp, "ll", 'd', (long long)json_integer_value(v)) : bad_verb('d', v);
	case 'c':
		if (is_int && json_integer_value(v) >= 0 && json_integer_value(v) < 128)
			return mc_asprintf("%c", (int)json_integer_value(v));
		return bad_verb('c', v);
	case 't':
		return json_is_boolean(v) ? mc_strdup(json_is_true(v) ? "true" : "false") : bad_verb('t', v);
	case 'f':
	case 'e':
	case 'g':
		if (!is_num)
			return bad_verb(sp->verb, v);
		return cnum(sp, "", sp->verb, is_int ? (double)json_integer_value(v) : json_real_value(v));
	case 'x':
	case 'X':
		if (is_int)
			return cnum(sp, "ll", sp->verb, (long long)json_integer_value(v));
		if (json_is_string(v)) {
			const unsigned char *s = (const unsigned char *)json_string_value(v);
			char *out = mc_malloc(2 * strlen((const char *)s) + 1), *w = out;

			for (; *s; s++)
				w += sprintf(w, sp->verb == 'x' ? "%02x" : "%02X", *s);
			*w = '\0';
			return out;
		}
		return bad_verb(sp->verb, v);
	default:
		return bad_verb(sp->verb, v);
	}
}

/* Parse "%[flags][width][.prec]verb" at *p (after the '%'). */
static void parse_spec(const char **p, struct spec *sp)
{
	const char *s = *p;

	*sp = (struct spec){ .width = -1, .prec = -1 };
	for (;; s++) {
		if (*s == '-')
			sp->left = true;
		else if (*s == '+')
			sp->plus = true;
		else if (*s == ' ')
			sp->space = true;
		else if (*s == '0')
			sp->zero = true;
		else if (*s == '#')
			sp->sharp = true;
		else
			break;
	}
	if (isdigit((unsigned char)*s))
		sp->width = (int)strtol(s, (char **)&s, 10) % 10000;
	if (*s == '.') {
		s++;
		sp->prec = isdigit((unsigned char)*s) ? (int)strtol(s, (char **)&s, 10) % 10000 : 0;
	}
	sp->verb = *s;
	*p = *s ? s + 1 : s;
}

char *mc_template_sprintf(const char *fmt, json_t *const *args, size_t n)
{
	struct sbuf b = { 0 };
	size_t used = 0;

	sput(&b, "", 0);
	for (const char *p = fmt; *p;) {
		struct spec sp;
		char *s;

		if (*p != '%') {
			size_t k = strcspn(p, "%");

			sput(&b, p, k);
			p += k;
			continue;
		}
		p++;
		if (*p == '%') {
			sput(&b, "%", 1);
			p++;
			continue;
		}
		parse_spec(&p, &sp);
		if (!sp.verb) {
			sput(&b, "%!(NOVERB)", 10);
			break;
		}
		if (used >= n) {
			char miss[32];

			snprintf(miss, sizeof(miss), "%%!%c(MISSING)", sp.verb);
			sput(&b, miss, strlen(miss));
			continue;
		}
		s = format_one(&sp, args[used++]);
		pad(&b, s, sp.width, sp.left, sp.zero && strchr("dfegxX", sp.verb));
		free(s);
	}
	if (used < n) {
		sput(&b, "%!(EXTRA ", 9);
		for (size_t i = used; i < n; i++) {
			_cleanup_free_ char *s = mc_template_string(args[i]);
			char *e = mc_asprintf("%s%s=%s", i > used ? ", " : "", type_name(args[i]), s);

			sput(&b, e, strlen(e));
			free(e);
		}
		sput(&b, ")", 1);
	}
	return b.p;
}

/* ------------------------------------------------------------------ */
/* the functions                                                       */

/* A usage error from a function: NULL. */
#define USAGE(err, ...) (mc_error_set((err), MC_E_USAGE, __VA_ARGS__), (json_t *)NULL)

static bool is_num(json_t *v)
{
	return json_is_integer(v) || json_is_real(v);
}

static double num(json_t *v)
{
	return json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
}

/* -1, 0, 1, or 2 when the two cannot be compared. */
static int compare(json_t *a, json_t *b)
{
	if (is_num(a) && is_num(b))
		return num(a) < num(b) ? -1 : num(a) > num(b);
	if (json_is_string(a) && json_is_string(b)) {
		int c = strcmp(json_string_value(a), json_string_value(b));

		return c < 0 ? -1 : c > 0;
	}
	return 2;
}

static bool equal(json_t *a, json_t *b)
{
	if ((!a || json_is_null(a)) && (!b || json_is_null(b)))
		return true;
	if (!a || !b)
		return false;
	if (json_is_boolean(a) && json_is_boolean(b))
		return json_is_true(a) == json_is_true(b);
	return compare(a, b) == 0;
}

static json_t *fn_compare(const char *name, json_t *const *a, size_t n, struct mc_error *err)
{
	int c;

	if (n != 2)
		return USAGE(err, "template: %s takes two arguments", name);
	c = compare(a[0], a[1]);
	if (c == 2)
		return USAGE(err, "template: %s compares two numbers or two strings", name);
	if (!strcmp(name, "lt"))
		return json_boolean(c < 0);
	if (!strcmp(name, "le"))
		return json_boolean(c <= 0);
	if (!strcmp(name, "gt"))
		return json_boolean(c > 0);
	return json_boolean(c >= 0);
}

static json_t *fn_index(json_t *const *a, size_t n, struct mc_error *err)
{
	json_t *v;

	if (n < 2)
		return USAGE(err, "template: %s takes a value and at least one index", "index");
	v = a[0];
	for (size_t i = 1; i < n; i++) {
		if (json_is_array(v) && json_is_integer(a[i])) {
			json_int_t k = json_integer_value(a[i]);

			if (k < 0 || (size_t)k >= json_array_size(v)) {
				mc_error_set(err, MC_E_USAGE, "template: index out of range: %lld", (long long)k);
				return NULL;
			}
			v = json_array_get(v, (size_t)k);
		} else if (json_is_object(v) && json_is_string(a[i])) {
			v = json_object_get(v, json_string_value(a[i]));
			if (!v)
				return json_null();
		} else {
			return USAGE(err, "template: %s needs an array and a number, or an object and a string",
				     "index");
		}
	}
	return json_incref(v);
}

static json_t *fn_len(json_t *v, struct mc_error *err)
{
	if (json_is_string(v))
		return json_integer((json_int_t)json_string_length(v));
	if (json_is_array(v))
		return json_integer((json_int_t)json_array_size(v));
	if (json_is_object(v))
		return json_integer((json_int_t)json_object_size(v));
	return USAGE(err, "template: %s takes a string, an array or an object", "len");
}

static json_t *fn_case(const char *name, json_t *v, struct mc_error *err)
{
	_cleanup_free_ char *s = mc_template_string(v);
	bool start = true;
	json_t *r;

	for (char *c = s; *c; c++) {
		if (!strcmp(name, "upper") || (!strcmp(name, "title") && start))
			*c = (char)toupper((unsigned char)*c);
		else if (!strcmp(name, "lower"))
			*c = (char)tolower((unsigned char)*c);
		start = isspace((unsigned char)*c) != 0;
	}
	r = json_string(s);
	return r ? r : USAGE(err, "template: %s: not valid UTF-8", name);
}

static json_t *fn_join(json_t *const *a, size_t n, struct mc_error *err)
{
	struct sbuf b = { 0 };
	size_t i;
	json_t *e, *r;

	if (n != 2 || !json_is_array(a[0]) || !json_is_string(a[1]))
		return USAGE(err, "template: %s takes an array and a separator", "join");
	sput(&b, "", 0);
	json_array_foreach(a[0], i, e) {
		_cleanup_free_ char *s = mc_template_string(e);

		if (i)
			sput(&b, json_string_value(a[1]), json_string_length(a[1]));
		sput(&b, s, strlen(s));
	}
	r = json_string(b.p);
	free(b.p);
	return r;
}

static json_t *fn_split(json_t *const *a, size_t n, struct mc_error *err)
{
	const char *s, *sep;
	json_t *arr;

	if (n != 2 || !json_is_string(a[0]) || !json_is_string(a[1]))
		return USAGE(err, "template: %s takes a string and a separator", "split");
	s = json_string_value(a[0]);
	sep = json_string_value(a[1]);
	arr = json_array();
	if (!*sep) {
		/* Go's strings.Split(s, ""): one element per character (UTF-8). */
		while (*s) {
			size_t len = 1;

			while (((unsigned char)s[len] & 0xc0) == 0x80)
				len++;
			json_array_append_new(arr, json_stringn(s, len));
			s += len;
		}
		return arr;
	}
	for (;;) {
		const char *e = strstr(s, sep);
		_cleanup_free_ char *part = mc_strndup(s, e ? (size_t)(e - s) : strlen(s));

		json_array_append_new(arr, json_string(part));
		if (!e)
			break;
		s = e + strlen(sep);
	}
	return arr;
}

/* Go's fmt.Sprint (spaces between operands when neither is a string) and Sprintln. */
static json_t *fn_print(bool ln, json_t *const *a, size_t n)
{
	struct sbuf b = { 0 };
	json_t *r;

	sput(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *s = mc_template_string(a[i]);

		if (i && (ln || (!json_is_string(a[i - 1]) && !json_is_string(a[i]))))
			sput(&b, " ", 1);
		sput(&b, s, strlen(s));
	}
	if (ln)
		sput(&b, "\n", 1);
	r = json_string(b.p);
	free(b.p);
	return r ? r : json_string("");
}

static json_t *fn_json(json_t *v, bool pretty)
{
	char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
				    (pretty ? JSON_INDENT(4) : JSON_COMPACT))
		    : mc_strdup("null");
	json_t *r = json_string(s ? s : "");

	free(s);
	return r;
}

/* slice X [I [J]]: X[I:J] of a string (bytes, as Go) or an array. */
static json_t *fn_slice(json_t *const *a, size_t n, struct mc_error *err)
{
	size_t len, idx[2];
	json_t *r;

	if (n < 1 || n > 3 || (!json_is_string(a[0]) && !json_is_array(a[0])))
		return USAGE(err, "template: %s takes a string or an array and up to two indexes", "slice");
	len = json_is_string(a[0]) ? json_string_length(a[0]) : json_array_size(a[0]);
	idx[0] = 0;
	idx[1] = len;
	for (size_t i = 1; i < n; i++) {
		json_int_t k = json_is_integer(a[i]) ? json_integer_value(a[i]) : -1;

		if (!json_is_integer(a[i]))
			return USAGE(err, "template: %s takes numbers as indexes", "slice");
		if (k < 0 || (size_t)k > len || (i == 2 && (size_t)k < idx[0]))
			return USAGE(err, "template: slice index out of range: %lld", (long long)k);
		idx[i - 1] = (size_t)k;
	}
	if (json_is_array(a[0])) {
		r = json_array();
		for (size_t i = idx[0]; i < idx[1]; i++)
			json_array_append(r, json_array_get(a[0], i));
		return r;
	}
	r = json_stringn(json_string_value(a[0]) + idx[0], idx[1] - idx[0]);
	return r ? r : USAGE(err, "template: slice cuts a character of \"%s\" in two", json_string_value(a[0]));
}

/* html and urlquery: the printed arguments (as print), escaped as Go does. */
static json_t *fn_escape(const char *name, json_t *const *a, size_t n)
{
	json_t *in = fn_print(false, a, n), *r;
	const char *s = json_string_value(in);
	struct sbuf b = { 0 };

	sput(&b, "", 0);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char hex[8];

		if (name[0] == 'h') {
			const char *e = c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" :
					c == '\'' ? "&#39;" : c == '"' ? "&#34;" : NULL;

			e ? sput(&b, e, strlen(e)) : sput(&b, p, 1);
		} else if (isalnum(c) || strchr("-_.~", c)) {
			sput(&b, p, 1);
		} else if (c == ' ') {
			sput(&b, "+", 1);
		} else {
			snprintf(hex, sizeof(hex), "%%%02X", c);
			sput(&b, hex, 3);
		}
	}
	r = json_string(b.p);
	free(b.p);
	json_decref(in);
	return r ? r : json_string("");
}

static json_t *one_arg(const char *name, json_t *const *a, size_t n, struct mc_error *err)
{
	if (n != 1)
		return USAGE(err, "template: %s takes one argument", name);
	if (!strcmp(name, "not"))
		return json_boolean(!mc_template_truth(a[0]));
	if (!strcmp(name, "len"))
		return fn_len(a[0], err);
	if (!strcmp(name, "json") || !strcmp(name, "prettyjson"))
		return fn_json(a[0], name[0] == 'p');
	return fn_case(name, a[0], err);
}

json_t *mc_template_builtin(const char *name, json_t *const *a, size_t n, struct mc_error *err)
{
	if (!strcmp(name, "and") || !strcmp(name, "or")) {
		bool want = !strcmp(name, "or");

		if (!n)
			return USAGE(err, "template: %s takes at least one argument", name);
		for (size_t i = 0; i + 1 < n; i++)
			if (mc_template_truth(a[i]) == want)
				return a[i] ? json_incref(a[i]) : json_null();
		return a[n - 1] ? json_incref(a[n - 1]) : json_null();
	}
	if (!strcmp(name, "eq") || !strcmp(name, "ne")) {
		bool hit = false;

		if (n < 2)
			return USAGE(err, "template: %s takes at least two arguments", name);
		for (size_t i = 1; i < n; i++)
			hit |= equal(a[0], a[i]);
		return json_boolean(name[0] == 'e' ? hit : !hit);
	}
	if (!strcmp(name, "lt") || !strcmp(name, "le") || !strcmp(name, "gt") || !strcmp(name, "ge"))
		return fn_compare(name, a, n, err);
	if (!strcmp(name, "index"))
		return fn_index(a, n, err);
	if (!strcmp(name, "printf")) {
		char *s;
		json_t *r;

		if (!n || !json_is_string(a[0]))
			return USAGE(err, "template: %s takes a format string first", name);
		s = mc_template_sprintf(json_string_value(a[0]), a + 1, n - 1);
		r = json_string(s);
		free(s);
		return r ? r : json_string("");
	}
	if (!strcmp(name, "print") || !strcmp(name, "println"))
		return fn_print(name[5] == 'l', a, n);
	if (!strcmp(name, "join"))
		return fn_join(a, n, err);
	if (!strcmp(name, "split"))
		return fn_split(a, n, err);
	if (!strcmp(name, "slice"))
		return fn_slice(a, n, err);
	if (!strcmp(name, "html") || !strcmp(name, "urlquery"))
		return fn_escape(name, a, n);
	return one_arg(name, a, n, err);
}
