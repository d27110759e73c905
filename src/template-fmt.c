/* Template values, Go's fmt verbs and the built-in functions. */
#include "buildconf.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
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

/* The type Go's fmt names (%T, %!d(string=m1)): the value's as Go decodes
 * JSON into an interface{}, with integers as int. */
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

size_t mc_template_utf8_char(const char *s, long *r)
{
	static const long least[] = { 0, 0, 0x80, 0x800, 0x10000 };
	const unsigned char *u = (const unsigned char *)s;
	size_t n = u[0] < 0x80 ? 1 : u[0] < 0xc2 ? 0 : u[0] < 0xe0 ? 2 : u[0] < 0xf0 ? 3 : u[0] < 0xf5 ? 4 : 0;
	long c = n == 1 ? u[0] : u[0] & (0x7f >> n);

	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			n = 0;
		if (!n)
			break;
		c = c << 6 | (u[i] & 0x3f);
	}
	if (!n || c < least[n] || c > 0x10ffff || (c >= 0xd800 && c < 0xe000)) {
		*r = -1;
		return 1;
	}
	*r = c;
	return n;
}

/* Go's strconv.IsPrint: what %q and %#v print as it is (not escaped) and
 * %#U shows.  Past ASCII, the characters Unicode 13 (Go 1.19's) assigns
 * that IsPrint refuses: controls, format characters, spaces other than ' ',
 * surrogates, private use (planes 15 and 16 whole).  Any other code point
 * Unicode 13 leaves unassigned is printable here, where Go escapes it
 * (doc/formats.md).  r is a character or -1. */
static bool is_print(long r)
{
	static const long no[][2] = {
		{ 0x80, 0xa0 }, { 0xad, 0xad }, { 0x600, 0x605 }, { 0x61c, 0x61c }, { 0x6dd, 0x6dd },
		{ 0x70f, 0x70f }, { 0x8e2, 0x8e2 }, { 0x1680, 0x1680 }, { 0x180e, 0x180e },
		{ 0x2000, 0x200f }, { 0x2028, 0x202f }, { 0x205f, 0x2064 }, { 0x2066, 0x206f },
		{ 0x3000, 0x3000 }, { 0xd800, 0xf8ff }, { 0xfeff, 0xfeff }, { 0xfff9, 0xfffb },
		{ 0x110bd, 0x110bd }, { 0x110cd, 0x110cd }, { 0x13430, 0x13438 }, { 0x1bca0, 0x1bca3 },
		{ 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f }, { 0xf0000, 0x10ffff },
	};

	if (r < 0x80)
		return r >= 0x20 && r < 0x7f;
	for (size_t i = 0; i < MC_ARRAY_SIZE(no); i++)
		if (r >= no[i][0] && r <= no[i][1])
			return false;
	return true;
}

/* Go's %q: s quoted by q ('"' for a string, '\'' for a character) with
 * Go's escapes (strconv.Quote); ascii ('+'): every character past ASCII
 * escaped too (strconv.QuoteToASCII). */
static char *go_quote(const char *s, char q, bool ascii)
{
	static const char ctl[] = "\a\b\f\n\r\t\v", esc[] = "abfnrtv";
	struct sbuf b = { 0 };

	sput(&b, &q, 1);
	while (*s) {
		long r;
		size_t len = mc_template_utf8_char(s, &r);
		const char *k = r > 0 && r < 0x80 ? strchr(ctl, (int)r) : NULL;
		char e[16];

		if (is_print(r) && r != q && r != '\\' && !(ascii && r >= 0x80)) {
			sput(&b, s, len);
		} else {
			if (r == q || r == '\\')
				snprintf(e, sizeof(e), "\\%c", (int)r);
			else if (k)
				snprintf(e, sizeof(e), "\\%c", esc[k - ctl]);
			else if (r < 0x80)   /* an ASCII control, or a byte that is no character */
				snprintf(e, sizeof(e), "\\x%02x", (unsigned char)*s);
			else
				snprintf(e, sizeof(e), r < 0x10000 ? "\\u%04lx" : "\\U%08lx", r);
			sput(&b, e, strlen(e));
		}
		s += len;
	}
	sput(&b, &q, 1);
	return b.p;
}

/* Go's %#q of a string: `s`, when strconv.CanBackquote(s) (no control
 * character but tab, no backquote, no U+FEFF); NULL otherwise. */
static char *go_backquote(const char *s)
{
	for (const char *p = s; *p; p++)
		if (((unsigned char)*p < ' ' && *p != '\t') || *p == '`' || *p == 0x7f ||
		    mc_startswith(p, "\xef\xbb\xbf"))
			return NULL;
	return mc_asprintf("`%s`", s);
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
	bool sharpv;           /* %#v: Go syntax */
	int width, prec;       /* -1: none */
	long verb;             /* a character */
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
static char *cnum(const struct spec *sp, int conv, ...)
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
	snprintf(fmt + n, sizeof(fmt) - (size_t)n, "%c", conv);
	va_start(ap, conv);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	if (vasprintf(&out, fmt, ap) < 0)
		abort();
#pragma GCC diagnostic pop
	va_end(ap);
	return out;
}

/* A float's digits (mant, unsigned) and exponent (tail) as Go's fmt
 * finishes them: '#' writes a point and zeros up to `digits` digits, counted
 * as Go counts them (from the first one that is not 0, the x of 0x among
 * them); then the sign ('+' and ' ' flags) and the padding, zeros after the
 * sign. */
static char *float_out(const struct spec *sp, bool neg, const char *mant, const char *tail, int digits)
{
	struct sbuf num = { 0 }, b = { 0 };
	struct spec ps = *sp;
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	bool nonzero = false;

	if (sign)
		sput(&num, &sign, 1);
	sput(&num, mant, strlen(mant));
	if (sp->sharp) {
		for (const char *q = mant; *q; q++)
			if (*q != '.' && (nonzero |= *q != '0'))
				digits--;
		if (!strchr(mant, '.')) {
			digits -= !strcmp(mant, "0");
			sput(&num, ".", 1);
		}
		for (; digits > 0; digits--)
			sput(&num, "0", 1);
	}
	sput(&num, tail, strlen(tail));
	sput(&b, "", 0);
	if (sign && sp->zero && sp->width > (int)num.len) {   /* the sign before the zeros */
		sput(&b, &sign, 1);
		ps.width = sp->width - 1;
	}
	pad(&b, num.p + (b.len > 0), &ps);
	free(num.p);
	return b.p;
}

/* Go's %x and %X of a float (strconv's 'x' format): the mantissa with a
 * leading 1 (subnormal numbers too), the fewest hex digits or the
 * precision's (rounded to even), a power of two of at least two digits:
 * -0x1.8p+01; %#x fills up to 6 digits (or the precision), %#X does not. */
static char *go_hexfloat(const struct spec *sp, double d)
{
	int exp = 0;
	double m = d != 0 ? frexp(fabs(d), &exp) * 2 : 0;   /* in [1, 2) */
	_cleanup_free_ char *mant = sp->prec >= 0 ? mc_asprintf("%.*a", sp->prec, m) : mc_asprintf("%a", m);
	char tail[16];

	exp -= d != 0;
	*strchr(mant, 'p') = '\0';
	if (mant[2] == '2') {   /* rounded up to 2: 1, and one more in the power */
		mant[2] = '1';
		exp++;
	}
	snprintf(tail, sizeof(tail), "p%c%02d", exp < 0 ? '-' : '+', abs(exp));
	if (sp->verb == 'X') {
		for (char *q = mant; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		tail[0] = 'P';
	}
	return float_out(sp, signbit(d), mant, tail, sp->verb == 'x' ? (sp->prec >= 0 ? sp->prec : 6) : 0);
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
		return cnum(&s, (int)s.verb, d);
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
	if (s.sharp) {   /* Go fills the shortest form up to 6 digits */
		_cleanup_free_ char *num = mc_asprintf(s.verb == 'f' ? "%.*f" : s.verb == 'e' ? "%.*e" : "%.*E",
						       s.prec, fabs(d));
		size_t n = strcspn(num, "eE");
		_cleanup_free_ char *mant = mc_strndup(num, n);

		return float_out(&s, signbit(d), mant, num + n, 6);
	}
	return cnum(&s, (int)s.verb, d);
}

/* Go's %b of a float: the mantissa and the power of two, as integers
 * (4503599627370496p-52 is 1), signed and padded as Go pads numbers. */
static char *float_bits(const struct spec *sp, double d)
{
	uint64_t bits, mant;
	int exp;
	const char *sign;
	struct spec m = *sp;
	struct sbuf b = { 0 };
	_cleanup_free_ char *num = NULL;

	memcpy(&bits, &d, sizeof(bits));
	exp = (int)(bits >> 52 & 0x7ff);
	mant = bits & ((UINT64_C(1) << 52) - 1);
	if (exp)
		mant |= UINT64_C(1) << 52;
	else
		exp = 1;   /* a subnormal number */
	sign = bits >> 63 ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	sput(&b, "", 0);
	if (*sign && sp->zero) {   /* the sign before the zeros */
		sput(&b, sign, 1);
		m.width = sp->width - 1;
		sign = "";
	}
	num = mc_asprintf("%s%llup%+d", sign, (unsigned long long)mant, exp - 1023 - 52);
	pad(&b, num, &m);
	return b.p;
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

/* Go's %d %b %o %O %x %X of an integer, padded: a sign, '#' adds 0b, 0 or
 * 0x, %O always 0o; zeros up to the precision, or with '0' the width; a
 * precision of 0 prints 0 as nothing. */
static char *go_int(const struct spec *sp, json_int_t i, unsigned base)
{
	const char *digits = sp->verb == 'X' ? "0123456789ABCDEFX" : "0123456789abcdefx";
	unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
	size_t size = 72 + (size_t)(sp->width > 0 ? sp->width : 0) + (size_t)(sp->prec > 0 ? sp->prec : 0);
	_cleanup_free_ char *buf = mc_malloc(size);
	char *p = buf + size - 1;
	int prec = sp->prec;
	struct spec m = *sp;
	struct sbuf b = { 0 };

	*p = '\0';
	m.zero = false;
	sput(&b, "", 0);
	if (prec == 0 && !u) {
		pad(&b, "", &m);
		return b.p;
	}
	if (prec < 0 && sp->zero && sp->width >= 0)
		prec = sp->width - (i < 0 || sp->plus || sp->space);
	do
		*--p = digits[u % base];
	while (u /= base);
	while (buf + size - 1 - p < prec)
		*--p = '0';
	if (sp->sharp && base == 2) {
		*--p = 'b';
		*--p = '0';
	} else if (sp->sharp && base == 8 && *p != '0') {
		*--p = '0';
	} else if (sp->sharp && base == 16) {
		*--p = digits[16];
		*--p = '0';
	}
	if (sp->verb == 'O') {
		*--p = 'o';
		*--p = '0';
	}
	if (i < 0 || sp->plus || sp->space)
		*--p = i < 0 ? '-' : sp->plus ? '+' : ' ';
	pad(&b, p, &m);
	return b.p;
}

/* Go's %U of an integer, padded: U+0041, at least the precision's digits
 * (4); '#' adds the character when it prints (U+0041 'A'). */
static char *go_unicode(const struct spec *sp, json_int_t i)
{
	unsigned long long u = (unsigned long long)i;
	struct spec m = *sp;
	struct sbuf b = { 0 };
	char c[12] = "";
	_cleanup_free_ char *s = NULL;

	if (sp->sharp && u <= 0x10ffff && is_print((long)u)) {
		size_t k = mc_template_utf8((long)u, c + 2);

		c[0] = ' ';
		c[1] = c[k + 2] = '\'';
		c[k + 3] = '\0';
	}
	s = mc_asprintf("U+%0*llX%s", sp->prec > 4 ? sp->prec : 4, u, c);
	m.zero = false;
	sput(&b, "", 0);
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

	if (s.verb == 'T')
		return !v || json_is_null(v) ? mc_strdup("<nil>") : cut(mc_strdup(type_name(v)), s.prec);
	if (s.verb == 'v') {
		/* the verb of the value's kind; %#v of a string is quoted */
		s.verb = is_int ? 'd' : is_real ? 'g' : json_is_boolean(v) ? 't' : !is_text ? 'v' :
			 s.sharpv && json_is_string(v) ? 'q' : 's';
	}
	switch (s.verb) {
	case 'v':
		return mc_strdup("<nil>");
	case 's':
		return is_text ? cut(mc_template_string(v), s.prec) : NULL;
	case 'q':
		if (is_int) {
			if (!json_integer_value(v))   /* NUL: no C string holds it */
				return mc_strdup("'\\x00'");
			c[mc_template_utf8((long)json_integer_value(v), c)] = '\0';
			return go_quote(c, '\'', s.plus);
		}
		if (is_text) {
			_cleanup_free_ char *t = cut(mc_template_string(v), s.prec);
			char *bq = s.sharp ? go_backquote(t) : NULL;

			return bq ? bq : go_quote(t, '"', s.plus);
		}
		return NULL;
	case 'c':
		if (!is_int)
			return NULL;
		c[mc_template_utf8((long)json_integer_value(v), c)] = '\0';
		return mc_strdup(c);
	case 'U':
		return is_int ? go_unicode(&s, json_integer_value(v)) : NULL;
	case 't':
		return json_is_boolean(v) ? mc_strdup(json_is_true(v) ? "true" : "false") : NULL;
	case 'd':
		return is_int ? go_int(&s, json_integer_value(v), 10) : NULL;
	case 'o':
	case 'O':
		return is_int ? go_int(&s, json_integer_value(v), 8) : NULL;
	case 'b':
		if (is_real)
			return float_bits(&s, json_real_value(v));
		return is_int ? go_int(&s, json_integer_value(v), 2) : NULL;
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
			return go_int(&s, json_integer_value(v), 16);
		if (is_real)
			return go_hexfloat(&s, json_real_value(v));
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

static void put_arg(struct sbuf *b, const struct spec *sp, json_t *v);

/* Go's %#v of an object or an array, a map[string]interface {} or an
 * []interface {}: each key and element formatted (and padded) by itself,
 * as Go does, a null element interface {}(nil). */
static void go_syntax(struct sbuf *b, const struct spec *sp, json_t *v)
{
	bool obj = json_is_object(v);
	size_t n = obj ? json_object_size(v) : json_array_size(v);
	_cleanup_strv_ char **keys = obj ? mc_json_sorted_keys(v) : NULL;
	const char *type = type_name(v);

	sput(b, type, strlen(type));
	sput(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		json_t *e = obj ? json_object_get(v, keys[i]) : json_array_get(v, i);

		if (i)
			sput(b, ", ", 2);
		if (obj) {
			json_t *k = json_string(keys[i]);

			put_arg(b, sp, k);
			json_decref(k);
			sput(b, ":", 1);
		}
		if (json_is_null(e))
			sput(b, "interface {}(nil)", 17);
		else
			put_arg(b, sp, e);
	}
	sput(b, "}", 1);
}

/* Go's %!d(string=m1): a verb that does not fit its operand, which prints
 * as %v with the verb's flags, width and precision. */
static void bad_verb(struct sbuf *b, const struct spec *sp, json_t *v)
{
	struct spec s = *sp;
	char verb[8];
	_cleanup_free_ char *head = NULL;

	verb[mc_template_utf8(sp->verb, verb)] = '\0';
	head = mc_asprintf("%%!%s(%s%s", verb, type_name(v), !v || json_is_null(v) ? "" : "=");
	sput(b, head, strlen(head));
	if (v && !json_is_null(v)) {
		s.verb = 'v';
		put_arg(b, &s, v);
	}
	sput(b, ")", 1);
}

/* One operand as Go's printArg prints it. */
static void put_arg(struct sbuf *b, const struct spec *sp, json_t *v)
{
	_cleanup_free_ char *s = NULL;

	if (sp->sharpv && (json_is_object(v) || json_is_array(v)))
		go_syntax(b, sp, v);
	else if ((s = format_one(sp, v)))
		pad(b, s, sp);
	else
		bad_verb(b, sp, v);
}

/* Where printf is in its operands, as Go's doPrintf keeps it. */
struct operands {
	json_t *const *args;
	size_t n, next;
	bool reordered;   /* an index was given: no %!(EXTRA ...) */
	bool good;        /* the verb's index, if any, names an operand */
};

/* A '*' width or precision: the next operand, an integer (Go's intFromArg). */
static bool star(struct operands *o, int *out)
{
	json_t *v = o->next < o->n ? o->args[o->next++] : NULL;

	if (!json_is_integer(v) || json_integer_value(v) > 1000000 || json_integer_value(v) < -1000000)
		return false;
	*out = (int)json_integer_value(v);
	return true;
}

/* Go's parsenum: the digits at f[*i] (before end) as *out; false when there
 * are none.  Past 1e6 (a number no one means) it gives up with *i at end,
 * as Go does. */
static bool parse_num(const char *f, size_t *i, size_t end, int *out)
{
	bool any = false;

	*out = 0;
	for (; *i < end && isdigit((unsigned char)f[*i]); (*i)++) {
		if (*out > 1000000) {
			*i = end;
			return false;
		}
		*out = *out * 10 + (f[*i] - '0');
		any = true;
	}
	return any;
}

/* Go's argNumber: an index "[n]" at f[*i] makes operand n the next one; one
 * that is not an operand's makes the verb %!d(BADINDEX).  Whether an index
 * was read. */
static bool arg_index(const char *f, size_t *i, size_t end, struct operands *o)
{
	const char *close;
	size_t k, at;
	int num;
	bool ok;

	if (*i >= end || f[*i] != '[')
		return false;
	o->reordered = true;
	close = end - *i >= 3 ? memchr(f + *i + 1, ']', end - *i - 1) : NULL;
	if (!close) {
		(*i)++;
		o->good = false;
		return false;
	}
	at = (size_t)(close - f);
	k = *i + 1;
	ok = parse_num(f, &k, at, &num) && k == at;
	*i = at + 1;
	if (ok && num >= 1 && (size_t)num <= o->n)
		o->next = (size_t)num - 1;
	else
		o->good = false;
	return ok;
}

/* Parse "[flags][index][width][.[index]prec][index]verb" at f[*i] (after the
 * '%') as Go's doPrintf does; a '*' takes an operand (%!(BADWIDTH) when it
 * is not a number).  False when the format ends before the verb. */
static bool parse_spec(const char *f, size_t *i, size_t end, struct spec *sp, struct operands *o,
		       struct sbuf *b)
{
	bool after;
	int num;

	*sp = (struct spec){ .width = -1, .prec = -1 };
	o->good = true;
	for (; *i < end; (*i)++) {
		if (f[*i] == '#') {
			sp->sharp = true;
		} else if (f[*i] == '0') {
			sp->zero = !sp->left;
		} else if (f[*i] == '+') {
			sp->plus = true;
		} else if (f[*i] == '-') {
			sp->left = true;
			sp->zero = false;
		} else if (f[*i] == ' ') {
			sp->space = true;
		} else {
			break;
		}
	}
	after = arg_index(f, i, end, o);
	if (*i < end && f[*i] == '*') {
		(*i)++;
		if (!star(o, &sp->width)) {
			sput(b, "%!(BADWIDTH)", 12);
		} else if (sp->width < 0) {
			sp->width = -sp->width;
			sp->left = true;
			sp->zero = false;
		}
		after = false;
	} else if (parse_num(f, i, end, &num)) {
		sp->width = num % 10000;   /* a cap against huge outputs */
		if (after)                 /* "%[3]2d" */
			o->good = false;
	}
	if (*i + 1 < end && f[*i] == '.') {
		(*i)++;
		if (after)                 /* "%[3].2d" */
			o->good = false;
		after = arg_index(f, i, end, o);
		if (*i < end && f[*i] == '*') {
			(*i)++;
			if (!star(o, &sp->prec) || sp->prec < 0) {
				sput(b, "%!(BADPREC)", 11);
				sp->prec = -1;
			}
			after = false;
		} else {
			sp->prec = parse_num(f, i, end, &num) ? num % 10000 : 0;
		}
	}
	if (!after)
		arg_index(f, i, end, o);
	if (*i >= end)
		return false;
	*i += mc_template_utf8_char(f + *i, &sp->verb);
	if (sp->verb < 0)
		sp->verb = 0xfffd;
	return true;
}

char *mc_template_sprintf(const char *fmt, json_t *const *args, size_t n)
{
	struct operands o = { .args = args, .n = n };
	size_t end = strlen(fmt), i = 0;
	struct sbuf b = { 0 };

	sput(&b, "", 0);
	while (i < end) {
		size_t k = strcspn(fmt + i, "%");
		struct spec sp;

		sput(&b, fmt + i, k);
		i += k;
		if (i == end)
			break;
		i++;
		if (!parse_spec(fmt, &i, end, &sp, &o, &b)) {
			sput(&b, "%!(NOVERB)", 10);
			break;
		}
		if (sp.verb == '%') {   /* with no operand, flags or width, as Go */
			sput(&b, "%", 1);
		} else if (!o.good || o.next >= n) {
			char verb[8];
			_cleanup_free_ char *s = NULL;

			verb[mc_template_utf8(sp.verb, verb)] = '\0';
			s = mc_asprintf("%%!%s(%s)", verb, o.good ? "MISSING" : "BADINDEX");
			sput(&b, s, strlen(s));
		} else {
			if (sp.verb == 'v') {   /* %#v is Go syntax; %+v means more than a sign */
				sp.sharpv = sp.sharp;
				sp.sharp = sp.plus = false;
			}
			put_arg(&b, &sp, args[o.next++]);
		}
	}
	/* Go leaves out the check when an index reordered the operands. */
	if (!o.reordered && o.next < n) {
		sput(&b, "%!(EXTRA ", 9);
		for (size_t j = o.next; j < n; j++) {
			bool nil = !args[j] || json_is_null(args[j]);
			_cleanup_free_ char *s = go_value(args[j]);
			char *e = mc_asprintf("%s%s%s%s", j > o.next ? ", " : "", nil ? "" : type_name(args[j]),
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
