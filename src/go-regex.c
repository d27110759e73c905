/*
 * Go's regular expressions read as glibc's POSIX extended ones.
 *
 * docker-machine filtered `ls` by name with Go's regexp package; machinectl
 * compiles the same patterns with regcomp, after writing them in the syntax
 * glibc reads.  Machine names are ASCII (0-9a-zA-Z . -), which keeps this
 * small: a bracket expression becomes one set of ASCII characters (Go's
 * classes, ranges, escapes and negation all folded into it) written out
 * plainly, and case folding ((?i), anywhere, for the rest of its group, or
 * (?i:...)) writes each letter as [xX].  The flags m, s and U change nothing
 * a match of a name can see (no newlines; greediness does not change whether
 * a pattern matches).
 */
#include "buildconf.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "go-regex.h"
#include "template-fmt.h"
#include "util.h"

struct out {
	char *p;
	size_t len, cap;
};

typedef bool charset[128];   /* ASCII; NUL never in it */

static void put(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->p = mc_realloc(o->p, o->cap);
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put_char(struct out *o, int c)
{
	char ch = (char)c;

	put(o, &ch, 1);
}

/* The UTF-8 character at s: its length, and the code point in *c; 0 when
 * s holds none there. */
static size_t utf8_decode(const char *s, long *c)
{
	size_t n = mc_template_utf8_char(s, c);

	return *c < 0 ? 0 : n;
}

/* The set as a bracket expression: ']' first, '[' '^' '-' after the rest
 * (so that none reads as a class, a negation or a range), runs of three or
 * more as ranges.  An empty set matches no ASCII character. */
static void put_set(struct out *o, const charset s)
{
	static const char special[] = "]-^[";
	int n = 0;
	size_t start;

	for (int c = 1; c < 128; c++)
		n += s[c];
	if (!n || (n == 1 && s['^'])) {
		put(o, n ? "\\^" : "[^\x01-\x7f]", n ? 2 : 6);
		return;
	}
	put_char(o, '[');
	start = o->len;
	if (s[']'])
		put_char(o, ']');
	for (int c = 1; c < 128; c++) {
		int end = c;

		if (!s[c] || strchr(special, c))
			continue;
		while (end + 1 < 128 && s[end + 1] && !strchr(special, end + 1))
			end++;
		put_char(o, c);
		if (end > c + 1)
			put_char(o, '-');
		if (end > c)
			put_char(o, end);
		c = end;
	}
	if (s['['])
		put_char(o, '[');
	if (s['^'] && o->len == start) {   /* '^' would come first: '-' before it */
		put(o, "-^", 2);
	} else {
		if (s['^'])
			put_char(o, '^');
		if (s['-'])
			put_char(o, '-');
	}
	put_char(o, ']');
}

/* Go's \d \D \s \S \w \W (k) added to s. */
static void add_perl_class(charset s, int k)
{
	for (int c = 1; c < 128; c++) {
		bool in = k == 'd' || k == 'D' ? isdigit(c)
			: k == 's' || k == 'S' ? c == ' ' || (c >= '\t' && c <= '\r' && c != '\v')
			: isalnum(c) || c == '_';

		if (in != (bool)isupper(k))
			s[c] = true;
	}
}

/* Go's [:name:] or [:^name:] (name n bytes at p) added to s; false when Go
 * knows no such class. */
static bool add_named_class(charset s, const char *p, size_t n)
{
	static const char *const names[] = { "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph",
					     "lower", "print", "punct", "space", "upper", "word", "xdigit" };
	bool neg = n && *p == '^';
	size_t k = 0;

	p += neg;
	n -= neg;
	while (k < MC_ARRAY_SIZE(names) && (strlen(names[k]) != n || strncmp(names[k], p, n)))
		k++;
	if (k == MC_ARRAY_SIZE(names))
		return false;
	for (int c = 1; c < 128; c++) {
		bool in;

		switch (k) {
		case 0: in = isalnum(c); break;
		case 1: in = isalpha(c); break;
		case 2: in = true; break;
		case 3: in = c == ' ' || c == '\t'; break;
		case 4: in = iscntrl(c); break;
		case 5: in = isdigit(c); break;
		case 6: in = isgraph(c); break;
		case 7: in = islower(c); break;
		case 8: in = isprint(c); break;
		case 9: in = ispunct(c); break;
		case 10: in = isspace(c); break;
		case 11: in = isupper(c); break;
		case 12: in = isalnum(c) || c == '_'; break;
		default: in = isxdigit(c); break;
		}
		if (in != neg)
			s[c] = true;
	}
	return true;
}

/* Go's \pX, \p{Name}, \PX, \p{^Name} (the name at *pp, moved past it;
 * neg for \P) added to s: what the Unicode general categories, and the
 * scripts Latin and Common, hold of ASCII; Any is all of it.  Other
 * scripts hold no ASCII character, but are refused: their names are not
 * known here. */
static const char *add_unicode_class(charset s, const char **pp, bool neg)
{
	static const struct {
		const char *name;
		int (*test)(int);     /* or NULL: */
		const char *chars;    /* the ASCII characters */
	} cats[] = {
		{ "L", isalpha, NULL }, { "Latin", isalpha, NULL }, { "Lu", isupper, NULL },
		{ "Ll", islower, NULL }, { "N", isdigit, NULL }, { "Nd", isdigit, NULL },
		{ "C", iscntrl, NULL }, { "Cc", iscntrl, NULL }, { "Common", NULL, "" }, { "Any", NULL, "" },
		{ "P", NULL, "!\"#%&'()*,-./:;?@[\\]_{}" }, { "Pc", NULL, "_" }, { "Pd", NULL, "-" },
		{ "Ps", NULL, "([{" }, { "Pe", NULL, ")]}" }, { "Po", NULL, "!\"#%&'*,./:;?@\\" },
		{ "S", NULL, "$+<=>^`|~" }, { "Sm", NULL, "+<=>|~" }, { "Sc", NULL, "$" },
		{ "Sk", NULL, "^`" }, { "Z", NULL, " " }, { "Zs", NULL, " " },
		{ "Lt", NULL, "" }, { "Lm", NULL, "" }, { "Lo", NULL, "" }, { "M", NULL, "" },
		{ "Mn", NULL, "" }, { "Mc", NULL, "" }, { "Me", NULL, "" }, { "Nl", NULL, "" },
		{ "No", NULL, "" }, { "Pi", NULL, "" }, { "Pf", NULL, "" }, { "So", NULL, "" },
		{ "Zl", NULL, "" }, { "Zp", NULL, "" }, { "Cf", NULL, "" }, { "Co", NULL, "" },
		{ "Cs", NULL, "" },
	};
	const char *name = *pp;
	size_t n = 1, k = 0;

	if (*name == '{') {
		name++;
		if (*name == '^') {
			neg = !neg;
			name++;
		}
		n = strcspn(name, "}");
		if (!name[n])
			return "invalid character class range: \\p{ without its }";
		*pp = name + n + 1;
	} else {
		*pp = name + (*name != '\0');
	}
	while (k < MC_ARRAY_SIZE(cats) && (strlen(cats[k].name) != n || strncmp(cats[k].name, name, n)))
		k++;
	if (k == MC_ARRAY_SIZE(cats))
		return "Unicode class not supported (machine names are ASCII: Go's general categories, Latin, Common and Any are)";
	for (int c = 1; c < 128; c++) {
		bool in = cats[k].test ? cats[k].test(c) != 0
			: !strcmp(cats[k].name, "Common") ? !isalpha(c)
			: !strcmp(cats[k].name, "Any") || strchr(cats[k].chars, c);

		if (in != neg)
			s[c] = true;
	}
	return NULL;
}

enum esc { ESC_CHAR, ESC_SET, ESC_OTHER };

/* The escape after a backslash, at *pp (moved past it): a character (*c);
 * a class added to s (\d \D \s \S \w \W \p \P); or an assertion or \Q for
 * the caller to take or refuse (*c its letter: A z b B Q).  Returns why when
 * Go refuses it. */
static const char *escape(const char **pp, long *c, enum esc *kind, charset s)
{
	const char *p = *pp;

	*kind = ESC_CHAR;
	if (!*p)
		return "trailing backslash at end of expression";
	if (*p == 'x') {
		bool braces = p[1] == '{';
		const char *q = p + 1 + braces;
		int n = 0;

		for (*c = 0; isxdigit((unsigned char)*q) && *c <= 0x10ffff && (braces || n < 2); q++, n++)
			*c = *c * 16 + (isdigit((unsigned char)*q) ? *q - '0' : tolower((unsigned char)*q) - 'a' + 10);
		if (braces ? !n || *q != '}' || *c > 0x10ffff : n < 2)
			return "invalid escape sequence \\x (use \\xHH or \\x{H...})";
		*pp = q + braces;
	} else if (*p == '0' || (*p >= '1' && *p <= '7' && p[1] >= '0' && p[1] <= '7')) {
		*c = 0;
		for (int k = 0; k < 3 && *p >= '0' && *p <= '7'; k++)
			*c = *c * 8 + (*p++ - '0');
		*pp = p;
	} else if (strchr("aftnrv", *p)) {
		*c = "\a\f\t\n\r\v"[strchr("aftnrv", *p) - "aftnrv"];
		*pp = p + 1;
	} else if (strchr("dDsSwW", *p)) {
		add_perl_class(s, *p);
		*kind = ESC_SET;
		*pp = p + 1;
	} else if (*p == 'p' || *p == 'P') {
		*kind = ESC_SET;
		*pp = p + 1;
		return add_unicode_class(s, pp, *p == 'P');
	} else if (strchr("AzbBQ", *p)) {
		*c = *p;
		*kind = ESC_OTHER;
		*pp = p + 1;
	} else if ((unsigned char)*p < 0x80 && !isalnum((unsigned char)*p)) {
		*c = *p;
		*pp = p + 1;
	} else {
		return "invalid escape sequence (Go's regexp refuses it)";
	}
	return *kind == ESC_CHAR && !*c ? "a NUL character cannot be in a machine name" : NULL;
}

/* One character of a bracket expression at *pp, moved past it: *c; or a
 * class, added to s (*is_set), where s is given (not for a range's end). */
static const char *class_char(const char **pp, long *c, charset s, bool *is_set)
{
	charset none = { false };
	enum esc kind;
	size_t n;

	*is_set = false;
	if (**pp == '\\') {
		const char *why;

		(*pp)++;
		why = escape(pp, c, &kind, s ? s : none);
		if (!why && kind == ESC_OTHER)
			return "invalid escape sequence inside [...] (Go's regexp refuses it)";
		if (!why && kind == ESC_SET && !s)
			return "invalid character class range";
		*is_set = kind == ESC_SET;
		return why;
	}
	if (!(n = utf8_decode(*pp, c)))
		return "invalid UTF-8";
	*pp += n;
	return NULL;
}

/* The bracket expression at *pp ('['), left on its ']', as Go reads it. */
static const char *bracket(const char **pp, bool fold, struct out *o)
{
	const char *p = *pp + 1;
	bool neg = *p == '^';
	charset s = { false };

	p += neg;
	for (const char *first = p; *p && (*p != ']' || p == first);) {
		const char *end = p[0] == '[' && p[1] == ':' ? strstr(p + 2, ":]") : NULL;
		const char *why;
		long lo, hi;
		bool is_set;

		if (end) {
			if (!add_named_class(s, p + 2, (size_t)(end - p - 2)))
				return "invalid character class (Go's are [:alnum:], [:alpha:], [:ascii:], [:blank:], [:cntrl:], [:digit:], [:graph:], [:lower:], [:print:], [:punct:], [:space:], [:upper:], [:word:], [:xdigit:])";
			p = end + 2;
			continue;
		}
		if ((why = class_char(&p, &lo, s, &is_set)))
			return why;
		if (is_set)
			continue;
		hi = lo;
		if (p[0] == '-' && p[1] && p[1] != ']') {
			p++;
			if ((why = class_char(&p, &hi, NULL, &is_set)))
				return why;
			if (hi < lo)
				return "invalid character class range";
		}
		for (long c = lo < 1 ? 1 : lo; c <= hi && c < 128; c++)
			s[c] = true;
	}
	if (!*p)
		return "missing closing ]";
	*pp = p;
	for (int c = 1; fold && c < 128; c++)
		if (s[c] && isalpha(c))
			s[c ^ 0x20] = true;
	for (int c = 1; neg && c < 128; c++)
		s[c] = !s[c];
	put_set(o, s);
	return NULL;
}

/* c as a literal: escaped where ERE gives it a meaning; a letter under case
 * folding [xX]; past ASCII its bytes, grouped so that a repetition takes
 * them all. */
static void put_literal(struct out *o, long c, bool fold)
{
	char u[4];

	if (c >= 0x80) {
		put_char(o, '(');
		put(o, u, mc_template_utf8(c, u));
		put_char(o, ')');
	} else if (fold && isalpha((int)c)) {
		char b[4] = { '[', (char)c, (char)(c ^ 0x20), ']' };

		put(o, b, sizeof(b));
	} else {
		if (strchr(".[]()*+?{}|^$\\", (int)c))
			put_char(o, '\\');
		put_char(o, (int)c);
	}
}

/* "{n}", "{n,}" or "{n,m}" at p: a repetition (Go reads any other '{' as
 * itself). */
static bool is_repeat(const char *p)
{
	const char *q = p + 1 + strspn(p + 1, "0123456789");

	if (q == p + 1)
		return false;
	if (*q == ',')
		q += 1 + strspn(q + 1, "0123456789");
	return *q == '}';
}

/* What Go's regexp refuses and glibc's regcomp accepts at a great cost, in
 * the ERE at re: a repetition of a repetition ("a**", "a+++...": a few dozen
 * characters take gigabytes) and repeat counts over 1000. */
static const char *refusal(const char *re)
{
	bool after_rep = false, lazy_ok = false;

	for (const char *p = re; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			after_rep = false;
			continue;
		}
		if (*p == '[') {   /* as put_set writes them: ']' first, no classes */
			p += 1 + (p[1] == '^') + (p[1 + (p[1] == '^')] == ']');
			p += strcspn(p, "]");
			if (!*p)
				break;
			after_rep = false;
			continue;
		}
		if (*p == '*' || *p == '+' || *p == '?' || (*p == '{' && p[1] >= '0' && p[1] <= '9')) {
			if (after_rep && !(*p == '?' && lazy_ok))
				return "invalid nested repetition operator";
			lazy_ok = !after_rep;
			after_rep = true;
			if (*p == '{') {
				char *end;

				for (const char *q = p + 1; *q >= '0' && *q <= '9';) {
					if (strtol(q, &end, 10) > 1000)
						return "invalid repeat count (at most 1000)";
					q = *end == ',' ? end + 1 : end;
					if (q == end)
						break;
				}
				while (p[1] && *p != '}')
					p++;
			}
			continue;
		}
		after_rep = false;
	}
	return NULL;
}

/* "(?" at *p: flags for the rest of the group, (?flags:...), (?:...) or
 * (?P<name>...).  *fold and the saved states of the open groups change. */
static const char *group(const char **pp, bool *fold, bool *saved, size_t *depth, struct out *o)
{
	const char *q = *pp + 2;
	bool on = true, f = *fold, flag_after_minus = false;

	if (q[0] == 'P' && q[1] == '<') {
		size_t n = strspn(q + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");

		if (!n || q[2 + n] != '>')
			return "invalid named capture (?P<name>...)";
		q += 2 + n;
	} else {
		for (; *q && strchr("imsU-", *q); q++) {
			if (*q == '-' && !on)
				return "invalid or unsupported Perl syntax (?...)";
			flag_after_minus = *q != '-' && !on;
			if (*q == '-')
				on = false;
			else if (*q == 'i')
				f = on;
		}
		if ((!on && !flag_after_minus) || (*q != ')' && *q != ':'))
			return "invalid or unsupported Perl syntax (?...): Go knows the flags i, m, s and U, (?:...) and (?P<name>...)";
		if (*q == ')') {   /* to the end of the group */
			*fold = f;
			*pp = q + 1;
			return NULL;
		}
	}
	saved[(*depth)++] = *fold;
	*fold = f;
	put_char(o, '(');
	*pp = q + 1;
	return NULL;
}

const char *mc_go_regex_to_ere(const char *re, char **ere)
{
	struct out o = { 0 };
	_cleanup_free_ bool *saved = mc_calloc(strlen(re) + 1, sizeof(bool));
	size_t depth = 0;
	bool fold = false;
	const char *why = NULL, *p = re;

	put(&o, "", 0);
	while (*p && !why) {
		charset s = { false };
		enum esc kind;
		long c;
		size_t n;

		if (*p == '[') {
			if (!(why = bracket(&p, fold, &o)))
				p++;
		} else if (*p == '(' && p[1] == '?') {
			why = group(&p, &fold, saved, &depth, &o);
		} else if (*p == '(' || *p == ')') {
			if (*p == '(')
				saved[depth++] = fold;
			else if (depth)
				fold = saved[--depth];
			put_char(&o, *p++);
		} else if (*p == '{' && !is_repeat(p)) {
			put_literal(&o, *p++, false);
		} else if (*p != '\\') {
			if (!(n = utf8_decode(p, &c)))
				why = "invalid UTF-8";
			else if (c >= 0x80 || (fold && isalpha((int)c)))
				put_literal(&o, c, fold);
			else
				put_char(&o, c);
			p += n;
		} else if (p++, !(why = escape(&p, &c, &kind, s)) && kind == ESC_CHAR) {
			put_literal(&o, c, fold);
		} else if (!why && kind == ESC_SET) {
			for (int k = 1; fold && k < 128; k++)
				if (s[k] && isalpha(k))
					s[k ^ 0x20] = true;
			put_set(&o, s);
		} else if (!why && (c == 'b' || c == 'B')) {
			put(&o, c == 'b' ? "\\b" : "\\B", 2);
		} else if (!why && c != 'Q') {
			put_char(&o, c == 'A' ? '^' : '$');
		} else if (!why) {   /* \Q...\E: literal text */
			const char *e = strstr(p, "\\E");

			for (; *p && p != e; p += n) {
				if (!(n = utf8_decode(p, &c))) {
					why = "invalid UTF-8";
					break;
				}
				put_literal(&o, c, fold);
			}
			p = e ? e + 2 : p;
		}
	}
	why = why ? why : refusal(o.p);
	if (why) {
		free(o.p);
		o.p = NULL;
	}
	*ere = o.p;
	return why;
}
