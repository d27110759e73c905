/* Template values, Go's fmt verbs and the built-in functions. */
#include "buildconf.h"

#include <ctype.h>
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

static char *go_value(json_t *v);

char *mc_template_string(json_t *v)
{
	char *s;

	if (!v || json_is_null(v))
		return mc_strdup("<no value>");
	if (json_is_string(v))
		return mc_strdup(json_string_value(v));
	if (json_is_real(v))
		return go_value(v);
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

size_t mc_template_utf8(long r, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r < 0xe000))
		r = 0xfffd;
	if (r < 0x80) {
		o[0] = (unsigned char)r;
		return 1;
	}
	if (r < 0x800) {
		o[0] = (unsigned char)(0xc0 | r >> 6);
		o[1] = (unsigned char)(0x80 | (r & 0x3f));
		return 2;
	}
	if (r < 0x10000) {
		o[0] = (unsigned char)(0xe0 | r >> 12);
		o[1] = (unsigned char)(0x80 | (r >> 6 & 0x3f));
		o[2] = (unsigned char)(0x80 | (r & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | r >> 18);
	o[1] = (unsigned char)(0x80 | (r >> 12 & 0x3f));
	o[2] = (unsigned char)(0x80 | (r >> 6 & 0x3f));
	o[3] = (unsigned char)(0x80 | (r & 0x3f));
	return 4;
}

/* Go's %q: s quoted by q ('"' for a string, '\'' for a character) with
 * Go's escapes. */
static char *go_quote(const char *s, char q)
{
	static const char ctl[] = "\a\b\f\n\r\t\v", esc[] = "abfnrtv";
	struct sbuf b = { 0 };

	sput(&b, &q, 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *k = strchr(ctl, c);
		char e[8];

		if (c == q || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			sput(&b, e, 2);
		} else if (k) {
			e[0] = '\\';
			e[1] = esc[k - ctl];
			sput(&b, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof(e), "\\x%02x", c);
			sput(&b, e, strlen(e));
		} else {
			sput(&b, (const char *)&c, 1);
		}
	}
	sput(&b, &q, 1);
	return b.p;
}

static size_t runes(const char *s, size_t n)
{
	size_t r = 0;

	for (size_t i = 0; i < n; i++)
		r += ((unsigned char)s[i] & 0xC0) != 0x80;
	return r;
}

struct spec {
	bool left, plus, space, zero, sharp;
	int width, prec;       /* -1: none */
	char verb;
};

/* s padded to the spec's width (in characters) as Go pads text: on the
 * right with '-', else with spaces, or zeros with '0'. */
static void pad(struct sbuf *b, const char *s, const struct spec *sp)
{
	size_t n = strlen(s), r = runes(s, n);
	size_t fill = sp->width > 0 && (size_t)sp->width > r ? (size_t)sp->width - r : 0;

	if (sp->left)
		sput(b, s, n);
	for (size_t i = 0; i < fill; i++)
		sput(b, sp->zero && !sp->left ? "0" : " ", 1);
	if (!sp->left)
		sput(b, s, n);
}

/* C's printf for a number with the spec's flags, width and precision (C
 * pads numbers as Go does). */
static char *cnum(const struct spec *sp, const char *len, int conv, ...)
{
	char fmt[48], *out = NULL;
	int n = 0;
	va_list ap;

	n += snprintf(fmt + n, sizeof(fmt) - (size_t)n, "%%%s%s%s%s%s", sp->left ? "-" : "",
		      sp->plus ? "+" : "", sp->space ? " " : "", sp->sharp ? "#" : "", sp->zero ? "0" : "");
	if (sp->width >= 0)
		n += snprintf(fmt + n, sizeof(fmt) - (size_t)n, "%d", sp->width);
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

/* Go's %e %f %g (and %E %F %G) of d.  %g without a precision is Go's
 * shortest: the fewest digits that read back as d, with an exponent from
 * e+06 or below e-04. */
static char *go_float(const struct spec *sp, double d)
{
	struct spec s = *sp;
	char buf[32];
	int digits, exp;

	if (s.verb == 'F')
		s.verb = 'f';
	if ((s.verb != 'g' && s.verb != 'G') || s.prec >= 0)
		return cnum(&s, "", s.verb, d);
	for (digits = 1;; digits++) {
		snprintf(buf, sizeof(buf), "%.*e", digits - 1, d);
		if (digits == 17 || strtod(buf, NULL) == d)
			break;
	}
	exp = atoi(strchr(buf, 'e') + 1);
	if (exp < -4 || exp >= 6) {
		s.verb = s.verb == 'G' ? 'E' : 'e';
		s.prec = digits - 1;
	} else {
		s.verb = 'f';
		s.prec = digits - 1 - exp > 0 ? digits - 1 - exp : 0;
	}
	return cnum(&s, "", s.verb, d);
}

/* %x of a string: its bytes in hex ('#': 0x first, ' ': between bytes). */
static char *hex_bytes(const struct spec *sp, const char *s)
{
	size_t n = strlen(s);
	struct sbuf b = { 0 };

	if (sp->prec >= 0 && (size_t)sp->prec < n)
		n = (size_t)sp->prec;
	sput(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		const char *sep = i && sp->space ? " " : "";
		const char *pre = sp->sharp && (!i || sp->space) ? (sp->verb == 'x' ? "0x" : "0X") : "";
		char h[8];

		snprintf(h, sizeof(h), sp->verb == 'x' ? "%s%s%02x" : "%s%s%02X", sep, pre, (unsigned char)s[i]);
		sput(&b, h, strlen(h));
	}
	return b.p;
}

/* %x of an integer as Go writes it, padded: a sign (C's %x has none),
 * 0x with '#' (even for 0), zeros counted in the digits. */
static char *hex_int(const struct spec *sp, json_int_t i)
{
	unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
	const char *sign = i < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	int prec = sp->prec;
	struct spec m = *sp;
	struct sbuf b = { 0 };
	_cleanup_free_ char *s = NULL;

	if (prec < 0 && sp->zero && !sp->left && sp->width > 0)
		prec = sp->width - (*sign != '\0');
	s = mc_asprintf(sp->verb == 'x' ? "%s%s%.*llx" : "%s%s%.*llX", sign,
			sp->sharp && (u || prec) ? (sp->verb == 'x' ? "0x" : "0X") : "", prec < 0 ? 1 : prec, u);
	m.zero = false;
	pad(&b, s, &m);
	return b.p;
}

/* s cut to its first prec characters (all of it when prec < 0). */
static char *cut(char *s, int prec)
{
	size_t n = 0;

	if (prec < 0)
		return s;
	for (int r = 0; s[n]; n++)
		if (((unsigned char)s[n] & 0xC0) != 0x80 && r++ == prec)
			break;
	s[n] = '\0';
	return s;
}

/* One operand as Go's fmt formats it, not yet padded (except numbers, which
 * come padded); NULL when the verb does not fit the value (Go's %!d(...)). */
static char *format_one(const struct spec *sp, json_t *v)
{
	struct spec s = *sp;
	bool is_int = json_is_integer(v), is_real = json_is_real(v);
	bool is_text = json_is_string(v) || json_is_array(v) || json_is_object(v);
	char c[8];

	if (s.verb == 'v') {
		/* the verb of the value's kind; Go's %+v means more than a sign */
		s.plus = false;
		s.verb = is_int ? 'd' : is_real ? 'g' : json_is_boolean(v) ? 't' : is_text ? 's' : 'v';
	}
	switch (s.verb) {
	case 'v':
		return mc_strdup("<nil>");
	case 's':
		return is_text ? cut(mc_template_string(v), s.prec) : NULL;
	case 'q':
		if (is_int) {
			c[mc_template_utf8((long)json_integer_value(v), c)] = '\0';
			return go_quote(c, '\'');
		}
		if (is_text) {
			_cleanup_free_ char *t = cut(mc_template_string(v), s.prec);

			return go_quote(t, '"');
		}
		return NULL;
	case 'c':
		if (!is_int)
			return NULL;
		c[mc_template_utf8((long)json_integer_value(v), c)] = '\0';
		return mc_strdup(c);
	case 't':
		return json_is_boolean(v) ? mc_strdup(json_is_true(v) ? "true" : "false") : NULL;
	case 'd':
		return is_int ? cnum(&s, "ll", 'd', (long long)json_integer_value(v)) : NULL;
	case 'e':
	case 'E':
	case 'f':
	case 'F':
	case 'g':
	case 'G':
		/* Integers too: docker-machine's inspect data, decoded from JSON,
		 * had float64 numbers only. */
		if (!is_int && !is_real)
			return NULL;
		return go_float(&s, is_int ? (double)json_integer_value(v) : json_real_value(v));
	case 'x':
	case 'X':
		if (is_int)
			return hex_int(&s, json_integer_value(v));
		return json_is_string(v) ? hex_bytes(&s, json_string_value(v)) : NULL;
	default:
		return NULL;
	}
}

/* Go's %v of a value, as print prints it: nil is <nil>. */
static char *go_value(json_t *v)
{
	struct spec sp = { .width = -1, .prec = -1, .verb = 'v' };

	return format_one(&sp, v);
}

/* Go's %!d(string=m1): a verb that does not fit its operand. */
static char *bad_verb(char verb, json_t *v)
{
	_cleanup_free_ char *s = NULL;

	if (!v || json_is_null(v))
		return mc_asprintf("%%!%c(<nil>)", verb);
	s = go_value(v);
	return mc_asprintf("%%!%c(%s=%s)", verb, type_name(v), s);
}

/* A '*' width or precision: the next operand, an integer (Go's intFromArg). */
static bool star(json_t *const *args, size_t n, size_t *used, int *out)
{
	json_t *v = *used < n ? args[(*used)++] : NULL;

	if (!json_is_integer(v) || json_integer_value(v) > 1000000 || json_integer_value(v) < -1000000)
		return false;
	*out = (int)json_integer_value(v);
	return true;
}

/* Parse "%[flags][width][.prec]verb" at *p (after the '%'); a '*' width or
 * precision takes an operand (Go's %!(BADWIDTH) when it is not a number). */
static void parse_spec(const char **p, struct spec *sp, json_t *const *args, size_t n, size_t *used,
		       struct sbuf *b)
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
	if (*s == '*') {
		s++;
		if (!star(args, n, used, &sp->width)) {
			sput(b, "%!(BADWIDTH)", 12);
		} else if (sp->width < 0) {
			sp->width = -sp->width;
			sp->left = true;
		}
	} else if (isdigit((unsigned char)*s)) {
		sp->width = (int)strtol(s, (char **)&s, 10) % 10000;
	}
	if (*s == '.' && s[1] == '*') {
		s += 2;
		if (!star(args, n, used, &sp->prec) || sp->prec < 0) {
			sput(b, "%!(BADPREC)", 11);
			sp->prec = -1;
		}
	} else if (*s == '.') {
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
		parse_spec(&p, &sp, args, n, &used, &b);
		if (!sp.verb) {
			sput(&b, "%!(NOVERB)", 10);
			break;
		}
		if (sp.verb == '%') {   /* with no operand, flags or width, as Go */
			sput(&b, "%", 1);
			continue;
		}
		if (used >= n) {
			char miss[32];

			snprintf(miss, sizeof(miss), "%%!%c(MISSING)", sp.verb);
			sput(&b, miss, strlen(miss));
			continue;
		}
		if ((s = format_one(&sp, args[used]))) {
			pad(&b, s, &sp);
		} else {
			s = bad_verb(sp.verb, args[used]);
			sput(&b, s, strlen(s));
		}
		used++;
		free(s);
	}
	if (used < n) {
		sput(&b, "%!(EXTRA ", 9);
		for (size_t i = used; i < n; i++) {
			bool nil = !args[i] || json_is_null(args[i]);
			_cleanup_free_ char *s = go_value(args[i]);
			char *e = mc_asprintf("%s%s%s%s", i > used ? ", " : "", nil ? "" : type_name(args[i]),
					      nil ? "" : "=", s);

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
		_cleanup_free_ char *s = go_value(a[i]);

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

/* html and urlquery: the printed arguments (as print, but nil is the string
 * "<no value>"), escaped as Go does. */
static json_t *fn_escape(const char *name, json_t *const *a, size_t n)
{
	json_t **args = mc_calloc(n + 1, sizeof(*args)), *in, *r;
	struct sbuf b = { 0 };
	const char *s;

	for (size_t i = 0; i < n; i++)
		args[i] = a[i] && !json_is_null(a[i]) ? json_incref(a[i]) : json_string("<no value>");
	in = fn_print(false, args, n);
	for (size_t i = 0; i < n; i++)
		json_decref(args[i]);
	free(args);
	s = json_string_value(in);
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
