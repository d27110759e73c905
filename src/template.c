/* Go text/template over JSON data: see template.h for what is supported. */
#include "buildconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"
#include "template-fmt.h"
#include "util.h"

/* How deep {{if}}/{{range}}/{{with}} and parentheses may nest: the parser,
 * the evaluator and the destructors recurse on the tree, and a template
 * comes from a command line (Go's own limit on expressions is 10000; no
 * --format needs more than a handful). */
enum { MAX_DEPTH = 100 };

/* Room for element n of an array of *cap: the capacity doubles, so that
 * appending n elements costs O(n), not a copy of the array per element. */
static void *grow(void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	*cap = *cap ? *cap * 2 : 8;
	return mc_realloc(v, *cap * size);
}

/* ------------------------------------------------------------------ */
/* the tree                                                            */

enum arg_kind { A_DOT, A_FIELD, A_VAR, A_LIT, A_FUNC, A_PIPE };

struct pipe;

struct arg {
	enum arg_kind kind;
	char *name;            /* A_VAR: "$x" ("$" for the root); A_FUNC: the function */
	char **fields;         /* A_FIELD, A_VAR, A_PIPE: the chain that follows (may be NULL) */
	json_t *lit;           /* A_LIT (null for nil) */
	struct pipe *pipe;     /* A_PIPE */
};

struct cmd {
	struct arg *args;
	size_t n, cap;
};

struct pipe {
	char *decl[2];         /* $x := / $i, $e := (range) / $x = */
	size_t ndecl;
	bool assign;           /* $x = P: sets a variable declared before */
	struct cmd *cmds;
	size_t n, cap;
};

enum node_kind { N_TEXT, N_ACTION, N_IF, N_RANGE, N_WITH, N_BREAK, N_CONTINUE };

struct node;
struct list {
	struct node **v;
	size_t n, cap;
};

struct node {
	enum node_kind kind;
	char *text;            /* N_TEXT */
	struct pipe *pipe;
	struct list body, other;   /* other: the {{else}} part */
};

struct mc_template {
	struct list root;
	const struct mc_template_func *funcs;
	unsigned flags;
};

static void pipe_free(struct pipe *p);

static void arg_free(struct arg *a)
{
	free(a->name);
	mc_strv_free(a->fields);
	json_decref(a->lit);
	pipe_free(a->pipe);
}

static void pipe_free(struct pipe *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		for (size_t k = 0; k < p->cmds[i].n; k++)
			arg_free(&p->cmds[i].args[k]);
		free(p->cmds[i].args);
	}
	free(p->cmds);
	free(p->decl[0]);
	free(p->decl[1]);
	free(p);
}

static void list_free(struct list *l);

static void node_free(struct node *n)
{
	free(n->text);
	pipe_free(n->pipe);
	list_free(&n->body);
	list_free(&n->other);
	free(n);
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		node_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static void list_add(struct list *l, struct node *n)
{
	l->v = grow(l->v, l->n, &l->cap, sizeof(*l->v));
	l->v[l->n++] = n;
}

void mc_template_free(struct mc_template *t)
{
	if (!t)
		return;
	list_free(&t->root);
	free(t);
}

/* What the data is read through: the dot (anywhere: inside {{with}} or
 * {{range}} it may be something else, but that only errs on the safe side),
 * the root $, or a field chain starting at one of fields.  A variable other
 * than $ holds what a pipe already looked at. */
static bool pipe_reads(const struct pipe *p, const char *const *fields);

static bool arg_reads(const struct arg *a, const char *const *fields)
{
	bool chain = a->kind == A_FIELD || (a->kind == A_VAR && !strcmp(a->name, "$"));

	if (a->kind == A_DOT || (chain && !a->fields))
		return true;
	if (a->kind == A_PIPE)
		return pipe_reads(a->pipe, fields);
	for (const char *const *f = fields; chain && *f; f++)
		if (!strcmp(a->fields[0], *f))
			return true;
	return false;
}

static bool pipe_reads(const struct pipe *p, const char *const *fields)
{
	for (size_t i = 0; p && i < p->n; i++)
		for (size_t k = 0; k < p->cmds[i].n; k++)
			if (arg_reads(&p->cmds[i].args[k], fields))
				return true;
	return false;
}

static bool list_reads(const struct list *l, const char *const *fields)
{
	for (size_t i = 0; i < l->n; i++)
		if (pipe_reads(l->v[i]->pipe, fields) || list_reads(&l->v[i]->body, fields) ||
		    list_reads(&l->v[i]->other, fields))
			return true;
	return false;
}

bool mc_template_reads(const struct mc_template *t, const char *const *fields)
{
	return list_reads(&t->root, fields);
}

/* ------------------------------------------------------------------ */
/* scanning the text into pieces: text and actions                     */

struct piece {
	bool action;
	char *text;            /* the literal text, or the action's inside */
};

struct pieces {
	struct piece *v;
	size_t n, cap, next;
};

static void piece_add(struct pieces *p, bool action, char *text)
{
	p->v = grow(p->v, p->n, &p->cap, sizeof(*p->v));
	p->v[p->n++] = (struct piece){ action, text };
}

static void pieces_free(struct pieces *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].text);
	free(p->v);
}

static char *unescape(const char *s, size_t n, bool escapes)
{
	char *o = mc_malloc(n + 1), *w = o;

	for (size_t i = 0; i < n; i++) {
		if (escapes && s[i] == '\\' && i + 1 < n && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			*w++ = s[i + 1] == 't' ? '\t' : '\n';
			i++;
		} else {
			*w++ = s[i];
		}
	}
	*w = '\0';
	return o;
}

/* The end of the action that starts at a ("}}" outside quotes and after a
 * comment), or NULL. */
static const char *action_end(const char *a)
{
	const char *p = a;

	if (p[0] == '/' && p[1] == '*') {
		for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
			;
		if (!*p)
			return NULL;
	}
	for (; *p; p++) {
		if (*p == '"' || *p == '`' || *p == '\'') {
			char q = *p;

			for (p++; *p && *p != q; p++)
				if (q != '`' && *p == '\\' && p[1])
					p++;
			if (!*p)
				return NULL;
		} else if (p[0] == '}' && p[1] == '}') {
			return p;
		}
	}
	return NULL;
}

/* The next "{{" in s, or NULL.  (Not strstr: ASan's strstr measures the
 * whole rest of the text on each call, the square of its length in all.) */
static const char *action_start(const char *s)
{
	for (; *s; s++)
		if (s[0] == '{' && s[1] == '{')
			return s;
	return NULL;
}

static int scan(const char *s, bool escapes, struct pieces *out, struct mc_error *err)
{
	bool trim_next = false;

	while (*s) {
		const char *open = action_start(s), *a, *b, *close;
		size_t n = open ? (size_t)(open - s) : strlen(s);
		bool trim_prev;

		if (trim_next)
			while (n && isspace((unsigned char)*s)) {
				s++;
				n--;
			}
		trim_prev = open && open[2] == '-' && isspace((unsigned char)open[3]);
		if (trim_prev)
			while (n && isspace((unsigned char)s[n - 1]))
				n--;
		if (n)
			piece_add(out, false, unescape(s, n, escapes));
		if (!open)
			break;
		a = open + 2 + (trim_prev ? 2 : 0);
		if (!(close = action_end(a)))
			return mc_error_set(err, MC_E_USAGE, "template: unclosed action (missing \"}}\")");
		b = close;
		trim_next = b - a >= 2 && b[-1] == '-' && isspace((unsigned char)b[-2]);
		if (trim_next)
			b--;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (!(b - a >= 4 && !strncmp(a, "/*", 2) && !strncmp(b - 2, "*/", 2)))
			piece_add(out, true, mc_strndup(a, (size_t)(b - a)));
		s = close + 2;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the lexer of one action                                             */

enum tok {
	T_EOF, T_DOT, T_FIELD, T_VAR, T_IDENT, T_STRING, T_NUMBER, T_LPAREN, T_RPAREN, T_PIPE,
	T_DECLARE, T_ASSIGN, T_COMMA, T_BAD,
};

struct lex {
	const char *s;         /* the action */
	const char *p;
	enum tok tok;
	char *text;            /* T_FIELD ".A.B", T_VAR "$x.A", T_IDENT, T_STRING (decoded), T_NUMBER */
	const struct mc_template_func *funcs;
	int depth;             /* of the parentheses open at p */
};

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The escape at *p (a backslash) in a literal quoted by q, as Go reads it
 * (strconv.UnquoteChar): the character, or -1 for an escape Go refuses.
 * *p moves past it; *byte: \x and octal escapes are bytes, not characters. */
static long go_escape(const char **p, char q, bool *byte)
{
	static const char simple[] = "abfnrtv\\", value[] = "\a\b\f\n\r\t\v\\";
	static const char hex[] = "0123456789abcdef";
	const char *s = *p + 1, *k = *s ? strchr(simple, *s) : NULL;
	int digits, base = 16;
	long r = 0;

	*byte = *s == 'x' || (*s >= '0' && *s <= '7');
	if (*s == q || k) {
		*p = s + 1;
		return k ? value[k - simple] : q;
	}
	if (*s >= '0' && *s <= '7') {
		digits = 3;
		base = 8;
	} else {
		digits = *s == 'x' ? 2 : *s == 'u' ? 4 : *s == 'U' ? 8 : 0;
		s++;
	}
	if (!digits)
		return -1;
	for (int i = 0; i < digits; i++, s++) {
		const char *h = *s ? strchr(hex, tolower((unsigned char)*s)) : NULL;

		if (!h || h - hex >= base)
			return -1;
		r = r * base + (h - hex);
	}
	if (r > (*byte ? 0xff : 0x10ffff) || (r >= 0xd800 && r < 0xe000 && !*byte))
		return -1;
	*p = s;
	return r;
}

static int bad_escape(struct lex *l, struct mc_error *err)
{
	return mc_error_set(err, MC_E_USAGE,
			    "template: bad escape in \"%s\" (Go's escapes: \\a \\b \\f \\n \\r \\t \\v \\\\ \\\" "
			    "\\' \\xHH \\ooo \\uHHHH \\UHHHHHHHH)", l->s);
}

/* "..." (Go's escapes) or `...` (raw, carriage returns dropped, as Go). */
static int lex_string(struct lex *l, struct mc_error *err)
{
	char q = *l->p++, *w;
	const char *e = l->p;

	/* As long as the string, not the rest of the action: an action of
	 * many strings must not cost the square of its length. */
	while (*e && *e != q && (q == '`' || *e != '\n'))
		e += q == '"' && e[0] == '\\' && e[1] ? 2 : 1;
	if (*e != q)
		return mc_error_set(err, MC_E_USAGE, "template: unterminated string in \"%s\"", l->s);
	w = l->text = mc_malloc((size_t)(e - l->p) + 1);
	while (l->p < e) {
		bool byte;
		long c;

		if (q == '`' || *l->p != '\\') {
			if (*l->p != '\r' || q != '`')
				*w++ = *l->p;
			l->p++;
			continue;
		}
		if ((c = go_escape(&l->p, q, &byte)) < 0)
			return bad_escape(l, err);
		if (!c)
			return mc_error_set(err, MC_E_USAGE, "template: a NUL character in a string (\"%s\") "
					    "is not supported", l->s);
		if (byte)
			*w++ = (char)c;
		else
			w += mc_template_utf8(c, w);
	}
	*w = '\0';
	l->p++;
	l->tok = T_STRING;
	return 0;
}

/* 'c', '\n': Go's character constant, a number (the character's code). */
static int lex_char(struct lex *l, struct mc_error *err)
{
	const unsigned char *start = (const unsigned char *)l->p + 1, *s = start;
	int n = *s < 0x80 ? 0 : *s >= 0xf0 ? 3 : *s >= 0xe0 ? 2 : 1;
	long c = n ? *s & (0x3f >> n) : *s;
	bool byte;

	if (*s == '\\') {
		const char *p = (const char *)s;

		if ((c = go_escape(&p, '\'', &byte)) < 0)
			return bad_escape(l, err);
		s = (const unsigned char *)p;
	} else if (*s && *s != '\'' && *s != '\n' && (*s & 0xc0) != 0x80 && *s < 0xf8) {
		/* one character of UTF-8 */
		for (int i = 1; i <= n && c >= 0; i++)
			c = (s[i] & 0xc0) == 0x80 ? c << 6 | (s[i] & 0x3f) : -1;
		if (c >= 0)
			s += n + 1;
	}
	if (s == start || *s != '\'')
		return mc_error_set(err, MC_E_USAGE, "template: bad character constant in \"%s\" (one character "
				    "between single quotes: 'a', '\\n')", l->s);
	l->text = mc_asprintf("%ld", c);
	l->p = (const char *)s + 1;
	return l->tok = T_NUMBER, 0;
}

/* A chain of .Field parts starting at l->p (a '.'); returns its end. */
static const char *chain_end(const char *p)
{
	while (*p == '.' && ident_char(p[1])) {
		p++;
		while (ident_char(*p))
			p++;
	}
	return p;
}

static int next(struct lex *l, struct mc_error *err)
{
	const char *p;

	free(l->text);
	l->text = NULL;
	while (isspace((unsigned char)*l->p))
		l->p++;
	p = l->p;
	if (!*p)
		return l->tok = T_EOF, 0;
	if (*p == '"' || *p == '`')
		return lex_string(l, err);
	if (*p == '\'')
		return lex_char(l, err);
	if (*p == '.' && !ident_char(p[1]) && p[1] != '.') {
		l->p++;
		return l->tok = T_DOT, 0;
	}
	if (*p == '.' || *p == '$') {
		const char *e = p + 1;

		if (*p == '$')
			while (ident_char(*e))
				e++;
		else
			e = p;
		e = chain_end(e);
		if (*p == '.' && e == p)
			return mc_error_set(err, MC_E_USAGE, "template: bad field syntax in \"%s\"", l->s);
		l->text = mc_strndup(p, (size_t)(e - p));
		l->p = e;
		l->tok = *p == '$' ? T_VAR : T_FIELD;
		if (ident_char(*e) || (*e && !isspace((unsigned char)*e) && !strchr("()|,:=", *e)))
			return mc_error_set(err, MC_E_USAGE, "template: bad character '%c' in \"%s\"", *e, l->s);
		return 0;
	}
	if (isdigit((unsigned char)*p) || ((*p == '-' || *p == '+') && isdigit((unsigned char)p[1]))) {
		const char *e = p + 1;

		/* 1e-7, 0x1p+4: an exponent's sign is part of the number */
		while (isalnum((unsigned char)*e) || *e == '.' ||
		       ((*e == '-' || *e == '+') && strchr("eEpP", e[-1])))
			e++;
		l->text = mc_strndup(p, (size_t)(e - p));
		l->p = e;
		return l->tok = T_NUMBER, 0;
	}
	if (isalpha((unsigned char)*p) || *p == '_') {
		const char *e = p;

		while (ident_char(*e))
			e++;
		l->text = mc_strndup(p, (size_t)(e - p));
		l->p = e;
		return l->tok = T_IDENT, 0;
	}
	l->p++;
	switch (*p) {
	case '(': return l->tok = T_LPAREN, 0;
	case ')': return l->tok = T_RPAREN, 0;
	case '|': return l->tok = T_PIPE, 0;
	case ',': return l->tok = T_COMMA, 0;
	case '=': return l->tok = T_ASSIGN, 0;
	case ':':
		if (*l->p == '=') {
			l->p++;
			return l->tok = T_DECLARE, 0;
		}
		break;
	}
	return mc_error_set(err, MC_E_USAGE, "template: unexpected '%c' in \"%s\"", *p, l->s);
}

/* ------------------------------------------------------------------ */
/* parsing an action's pipeline                                        */

static const char *const builtin_names[] = {
	"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "slice", "printf",
	"print", "println", "html", "urlquery", "json", "prettyjson", "upper", "lower", "title",
	"join", "split",
};

/* "and, or, ...": what a template can call, for the error naming one it cannot. */
static char *func_list(const struct mc_template_func *funcs)
{
	char *s = mc_strdup(builtin_names[0]), *n;

	for (size_t i = 1; i < MC_ARRAY_SIZE(builtin_names); i++) {
		n = mc_asprintf("%s, %s", s, builtin_names[i]);
		free(s);
		s = n;
	}
	for (const struct mc_template_func *f = funcs; f && f->name; f++) {
		n = mc_asprintf("%s, %s", s, f->name);
		free(s);
		s = n;
	}
	return s;
}

static bool is_func(const struct lex *l, const char *name)
{
	for (size_t i = 0; i < MC_ARRAY_SIZE(builtin_names); i++)
		if (!strcmp(builtin_names[i], name))
			return true;
	for (const struct mc_template_func *f = l->funcs; f && f->name; f++)
		if (!strcmp(f->name, name))
			return true;
	return false;
}

static char **split_chain(const char *s)
{
	size_t n = 0, i = 0;
	char **v;

	for (const char *p = s; *p; p++)
		n += *p == '.';
	if (!n)
		return NULL;
	v = mc_calloc(n + 1, sizeof(*v));
	while (*s == '.') {
		size_t k = strcspn(s + 1, ".");

		v[i++] = mc_strndup(s + 1, k);
		s += 1 + k;
	}
	return v;
}

static int parse_pipe(struct lex *l, bool in_parens, struct pipe **out, struct mc_error *err);

static int parse_operand(struct lex *l, struct arg *a, struct mc_error *err)
{
	*a = (struct arg){ 0 };
	switch (l->tok) {
	case T_DOT:
		a->kind = A_DOT;
		break;
	case T_FIELD:
		a->kind = A_FIELD;
		a->fields = split_chain(l->text);
		break;
	case T_VAR: {
		size_t n = strcspn(l->text, ".");

		a->kind = A_VAR;
		a->name = mc_strndup(l->text, n);
		a->fields = split_chain(l->text + n);
		break;
	}
	case T_STRING:
		a->kind = A_LIT;
		a->lit = json_string(l->text);
		if (!a->lit)
			return mc_error_set(err, MC_E_USAGE, "template: a string that is not valid UTF-8");
		break;
	case T_NUMBER: {
		char *end;
		long long n = strtoll(l->text, &end, 0);

		a->kind = A_LIT;
		if (!*end) {
			a->lit = json_integer(n);
		} else {
			double d = strtod(l->text, &end);

			if (*end)
				return mc_error_set(err, MC_E_USAGE, "template: bad number \"%s\"", l->text);
			a->lit = json_real(d);
		}
		break;
	}
	case T_IDENT:
		if (!strcmp(l->text, "true") || !strcmp(l->text, "false")) {
			a->kind = A_LIT;
			a->lit = json_boolean(!strcmp(l->text, "true"));
		} else if (!strcmp(l->text, "nil")) {
			a->kind = A_LIT;
			a->lit = json_null();
		} else if (is_func(l, l->text)) {
			a->kind = A_FUNC;
			a->name = mc_strdup(l->text);
		} else {
			_cleanup_free_ char *all = func_list(l->funcs);

			return mc_error_set(err, MC_E_USAGE,
					    "template: function \"%s\" is not supported (the functions are %s)",
					    l->text, all);
		}
		break;
	case T_LPAREN:
		a->kind = A_PIPE;
		if (++l->depth > MAX_DEPTH)
			return mc_error_set(err, MC_E_USAGE,
					    "template: parentheses nested too deep (more than %d)", MAX_DEPTH);
		if (next(l, err) < 0 || parse_pipe(l, true, &a->pipe, err) < 0)
			return -1;
		l->depth--;
		if (*l->p == '.' && ident_char(l->p[1])) {
			const char *e = chain_end(l->p);
			_cleanup_free_ char *c = mc_strndup(l->p, (size_t)(e - l->p));

			a->fields = split_chain(c);
			l->p = e;
		}
		break;
	default:
		return mc_error_set(err, MC_E_USAGE, "template: unexpected %s in \"%s\"",
				    l->tok == T_EOF ? "end of action" : "symbol", l->s);
	}
	return next(l, err);
}

static int parse_cmd(struct lex *l, struct cmd *c, struct mc_error *err)
{
	*c = (struct cmd){ 0 };
	while (l->tok != T_EOF && l->tok != T_PIPE && l->tok != T_RPAREN) {
		c->args = grow(c->args, c->n, &c->cap, sizeof(*c->args));
		if (parse_operand(l, &c->args[c->n], err) < 0) {
			arg_free(&c->args[c->n]);
			return -1;
		}
		c->n++;
	}
	if (!c->n)
		return mc_error_set(err, MC_E_USAGE, "template: missing value in \"%s\"", l->s);
	if (c->args[0].kind != A_FUNC && c->n > 1)
		return mc_error_set(err, MC_E_USAGE,
				    "template: \"%s\": only a function can be given arguments", l->s);
	return 0;
}

/* $x := / $i, $e := at the start of a pipeline. */
static int parse_decl(struct lex *l, struct pipe *p, struct mc_error *err)
{
	const char *save = l->p;
	_cleanup_free_ char *first = NULL;

	if (l->tok != T_VAR || strchr(l->text, '.'))
		return 0;
	first = mc_strdup(l->text);
	if (next(l, err) < 0)
		return -1;
	if (l->tok == T_COMMA) {
		if (next(l, err) < 0)
			return -1;
		if (l->tok != T_VAR || strchr(l->text, '.'))
			return mc_error_set(err, MC_E_USAGE, "template: expected a variable after ',' in \"%s\"", l->s);
		p->decl[1] = mc_strdup(l->text);
		if (next(l, err) < 0)
			return -1;
	}
	if (l->tok == T_ASSIGN && p->decl[1])
		return mc_error_set(err, MC_E_USAGE,
				    "template: only one variable can be assigned (=) in \"%s\"", l->s);
	if (l->tok == T_ASSIGN) {
		p->assign = true;
	} else if (l->tok != T_DECLARE) {
		free(p->decl[1]);
		p->decl[1] = NULL;
		l->p = save;   /* not a declaration: $x is the first operand */
		l->tok = T_VAR;
		free(l->text);
		l->text = MC_TAKE(first);
		return 0;
	}
	p->decl[0] = MC_TAKE(first);
	p->ndecl = p->decl[1] ? 2 : 1;
	return next(l, err);
}

static int parse_pipe(struct lex *l, bool in_parens, struct pipe **out, struct mc_error *err)
{
	struct pipe *p = mc_calloc(1, sizeof(*p));

	*out = p;
	if (!in_parens && parse_decl(l, p, err) < 0)
		return -1;
	for (;;) {
		p->cmds = grow(p->cmds, p->n, &p->cap, sizeof(*p->cmds));
		if (parse_cmd(l, &p->cmds[p->n], err) < 0) {
			p->n++;
			return -1;
		}
		p->n++;
		if (l->tok != T_PIPE)
			break;
		if (next(l, err) < 0)
			return -1;
	}
	if (in_parens) {
		if (l->tok != T_RPAREN)
			return mc_error_set(err, MC_E_USAGE, "template: unclosed '(' in \"%s\"", l->s);
		return 0;   /* the caller's next() passes the ')' */
	}
	if (l->tok != T_EOF)
		return mc_error_set(err, MC_E_USAGE, "template: unexpected ')' in \"%s\"", l->s);
	return 0;
}

/* ------------------------------------------------------------------ */
/* parsing the structure                                               */

enum stop { S_EOF, S_END, S_ELSE, S_ELSE_IF };

struct parser {
	struct pieces pcs;
	const struct mc_template_func *funcs;
	int depth;
	int range_depth;       /* inside a {{range}}'s body: {{break}}, {{continue}} */
};

static int parse_list(struct parser *ps, struct list *l, enum stop *stop, struct lex *else_lex,
		      struct mc_error *err);

/* The pipeline that follows a keyword in lex l. */
static int keyword_pipe(struct parser *ps, struct lex *l, const char *kw, struct pipe **p,
			struct mc_error *err)
{
	if (next(l, err) < 0)
		return -1;
	if (l->tok == T_EOF)
		return mc_error_set(err, MC_E_USAGE, "template: missing value for %s", kw);
	return parse_pipe(l, false, p, err);
}

/* {{if}}, {{range}}, {{with}}: its pipeline is parsed; now the body, an
 * optional else part, and {{end}}. */
static int parse_control(struct parser *ps, struct node *n, const char *kw, struct mc_error *err)
{
	struct lex el = { .funcs = ps->funcs };
	enum stop stop;
	int r;

	if (++ps->depth > MAX_DEPTH)
		return mc_error_set(err, MC_E_USAGE,
				    "template: {{if}}, {{range}} and {{with}} nested too deep (more than %d; "
				    "each {{else if}} is one more)", MAX_DEPTH);
	ps->range_depth += n->kind == N_RANGE;
	r = parse_list(ps, &n->body, &stop, &el, err);
	ps->range_depth -= n->kind == N_RANGE;
	if (r < 0)
		goto fail;
	if (stop == S_EOF) {
		mc_error_set(err, MC_E_USAGE, "template: {{%s}} without {{end}}", kw);
		goto fail;
	}
	if (stop == S_ELSE_IF) {
		/* {{else if P}} is {{else}}{{if P}} ... {{end}}{{end}}, sharing the end. */
		struct node *inner = mc_calloc(1, sizeof(*inner));

		inner->kind = N_IF;
		list_add(&n->other, inner);
		if (parse_pipe(&el, false, &inner->pipe, err) < 0)
			goto fail;
		free(el.text);
		el.text = NULL;
		r = parse_control(ps, inner, "if", err);
		ps->depth--;
		return r;
	}
	if (stop == S_ELSE && (parse_list(ps, &n->other, &stop, NULL, err) < 0 || stop != S_END)) {
		if (err->code == MC_E_OK)
			mc_error_set(err, MC_E_USAGE, "template: {{%s}} ... {{else}} without {{end}}", kw);
		goto fail;
	}
	ps->depth--;
	return 0;
fail:
	free(el.text);
	return -1;
}

/* One action: a keyword or a pipeline to print.  *stop when it ends a list. */
static int parse_action(struct parser *ps, const char *text, struct list *l, enum stop *stop,
			struct lex *else_lex, struct mc_error *err)
{
	struct lex lx = { .s = text, .p = text, .funcs = ps->funcs };
	static const char *const keywords[] = { "if", "range", "with", "end", "else", "break", "continue" };
	static const char *const unsupported[] = { "define", "template", "block" };
	struct node *n = NULL;
	const char *kw = "";   /* a keyword (static: lx.text changes as the lexer goes on) */
	int r = -1;

	if (next(&lx, err) < 0)
		goto out;
	for (size_t i = 0; lx.tok == T_IDENT && i < MC_ARRAY_SIZE(unsupported); i++)
		if (!strcmp(lx.text, unsupported[i])) {
			mc_error_set(err, MC_E_USAGE, "template: {{%s}} is not supported", unsupported[i]);
			goto out;
		}
	for (size_t i = 0; lx.tok == T_IDENT && i < MC_ARRAY_SIZE(keywords); i++)
		if (!strcmp(lx.text, keywords[i]))
			kw = keywords[i];
	if (!strcmp(kw, "end") || !strcmp(kw, "else")) {
		bool is_end = !strcmp(kw, "end");

		if (next(&lx, err) < 0)
			goto out;
		if (!is_end && lx.tok == T_IDENT && !strcmp(lx.text, "if") && else_lex) {
			*stop = S_ELSE_IF;
			*else_lex = lx;   /* the if's pipeline follows */
			lx.text = NULL;
			if (next(else_lex, err) < 0)
				return -1;
			return 0;
		}
		if (lx.tok != T_EOF) {
			mc_error_set(err, MC_E_USAGE, "template: unexpected words after {{%s}}",
				     is_end ? "end" : "else");
			goto out;
		}
		*stop = is_end ? S_END : S_ELSE;
		r = 0;
		goto out;
	}
	if (!strcmp(kw, "break") || !strcmp(kw, "continue")) {
		if (next(&lx, err) < 0)
			goto out;
		if (lx.tok != T_EOF) {
			mc_error_set(err, MC_E_USAGE, "template: unexpected words after {{%s}}", kw);
			goto out;
		}
		if (!ps->range_depth) {
			mc_error_set(err, MC_E_USAGE, "template: {{%s}} outside a {{range}}", kw);
			goto out;
		}
		n = mc_calloc(1, sizeof(*n));
		n->kind = kw[0] == 'b' ? N_BREAK : N_CONTINUE;
		list_add(l, n);
		n = NULL;
		r = 0;
		goto out;
	}
	n = mc_calloc(1, sizeof(*n));
	if (!strcmp(kw, "if") || !strcmp(kw, "range") || !strcmp(kw, "with")) {
		n->kind = kw[0] == 'i' ? N_IF : kw[0] == 'r' ? N_RANGE : N_WITH;
		if (keyword_pipe(ps, &lx, kw, &n->pipe, err) < 0)
			goto out;
		if (n->kind != N_RANGE && n->pipe->ndecl > 1) {
			mc_error_set(err, MC_E_USAGE, "template: two variables are for {{range}} only");
			goto out;
		}
		if (n->kind == N_RANGE && n->pipe->assign) {
			mc_error_set(err, MC_E_USAGE, "template: {{range}} declares its variables with :=, not =");
			goto out;
		}
		free(lx.text);
		lx.text = NULL;
		r = parse_control(ps, n, n->kind == N_IF ? "if" : n->kind == N_RANGE ? "range" : "with", err);
	} else {
		n->kind = N_ACTION;
		r = parse_pipe(&lx, false, &n->pipe, err);
		if (r == 0 && n->pipe->ndecl > 1)
			r = mc_error_set(err, MC_E_USAGE, "template: two variables are for {{range}} only");
	}
	list_add(l, n);
	n = NULL;
out:
	free(lx.text);
	if (n)
		node_free(n);
	return r;
}

static int parse_list(struct parser *ps, struct list *l, enum stop *stop, struct lex *else_lex,
		      struct mc_error *err)
{
	*stop = S_EOF;
	while (ps->pcs.next < ps->pcs.n) {
		struct piece *p = &ps->pcs.v[ps->pcs.next++];

		if (!p->action) {
			struct node *n = mc_calloc(1, sizeof(*n));

			n->kind = N_TEXT;
			n->text = MC_TAKE(p->text);
			list_add(l, n);
			continue;
		}
		if (parse_action(ps, p->text, l, stop, else_lex, err) < 0)
			return -1;
		if (*stop != S_EOF)
			return 0;
	}
	return 0;
}

int mc_template_parse_with(const char *text, unsigned flags, const struct mc_template_func *funcs,
			   struct mc_template **out, struct mc_error *err)
{
	struct parser ps = { .funcs = funcs };
	struct mc_template *t = mc_calloc(1, sizeof(*t));
	enum stop stop;
	int r;

	t->funcs = funcs;
	t->flags = flags;
	*out = NULL;
	r = scan(text, flags & MC_TEMPLATE_ESCAPES, &ps.pcs, err);
	if (r == 0)
		r = parse_list(&ps, &t->root, &stop, NULL, err);
	if (r == 0 && stop != S_EOF)
		r = mc_error_set(err, MC_E_USAGE, "template: unexpected {{%s}}", stop == S_END ? "end" : "else");
	pieces_free(&ps.pcs);
	if (r < 0) {
		mc_template_free(t);
		return -1;
	}
	*out = t;
	return 0;
}

int mc_template_parse(const char *text, struct mc_template **out, struct mc_error *err)
{
	return mc_template_parse_with(text, MC_TEMPLATE_ESCAPES, NULL, out, err);
}

/* ------------------------------------------------------------------ */
/* evaluation                                                          */

struct var {
	char *name;
	unsigned long hash;    /* of the name: most look-ups pass a variable by */
	json_t *v;             /* may be NULL: no value */
};

struct exec {
	const struct mc_template *t;
	json_t *root;
	struct var *vars;
	size_t nvars, vars_cap;
	char *buf;
	size_t len, cap;
	const char *(*header)(const char *field);
	struct mc_error *err;
};

static void put(struct exec *x, const char *s, size_t n)
{
	if (x->len + n + 1 > x->cap)
		x->buf = mc_realloc(x->buf, x->cap = (x->len + n + 1) * 2);
	memcpy(x->buf + x->len, s, n);
	x->len += n;
	x->buf[x->len] = '\0';
}

static unsigned long name_hash(const char *s)
{
	unsigned long h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* The innermost variable called name, or NULL.  A template can declare
 * thousands: comparing hashes first keeps each look-up cheap. */
static struct var *var_find(struct exec *x, const char *name)
{
	unsigned long h = name_hash(name);

	for (size_t i = x->nvars; i-- > 0;)
		if (x->vars[i].hash == h && !strcmp(x->vars[i].name, name))
			return &x->vars[i];
	return NULL;
}

static void var_push(struct exec *x, const char *name, json_t *v)
{
	x->vars = grow(x->vars, x->nvars, &x->vars_cap, sizeof(*x->vars));
	x->vars[x->nvars++] = (struct var){ mc_strdup(name), name_hash(name), json_incref(v) };
}

static void var_pop_to(struct exec *x, size_t mark)
{
	while (x->nvars > mark) {
		x->nvars--;
		free(x->vars[x->nvars].name);
		json_decref(x->vars[x->nvars].v);
	}
}

/* "Name, URL and State": the fields a strict object has. */
static char *field_names(json_t *obj)
{
	char *s = mc_strdup("");
	const char *k;
	json_t *v;
	size_t i = 0, n = json_object_size(obj);

	json_object_foreach(obj, k, v) {
		char *t = mc_asprintf("%s%s.%s", s, !i ? "" : i + 1 < n ? ", " : " and ", k);

		free(s);
		s = t;
		i++;
	}
	return s;
}

/* Follow a chain of fields; a new reference, or NULL when there is no value
 * (or, with MC_TEMPLATE_STRICT_FIELDS, when a field is not there: *failed). */
static json_t *follow(struct exec *x, json_t *v, char **fields, bool *failed)
{
	for (size_t i = 0; fields && fields[i] && v; i++) {
		json_t *next = json_is_object(v) ? json_object_get(v, fields[i]) : NULL;

		if (!next && (x->t->flags & MC_TEMPLATE_STRICT_FIELDS)) {
			_cleanup_free_ char *names = json_is_object(v) ? field_names(v) : NULL;

			*failed = true;
			if (names)
				mc_error_set(x->err, MC_E_USAGE, "template: there is no field .%s: use %s",
					     fields[i], names);
			else
				mc_error_set(x->err, MC_E_USAGE, "template: there is no field .%s in %s",
					     fields[i], json_is_array(v) ? "a list" : json_is_string(v) ? "a string" :
					     json_is_number(v) ? "a number" : json_is_boolean(v) ? "true or false" : "null");
			return NULL;
		}
		v = next;
	}
	return json_incref(v);
}

static json_t *eval_pipe(struct exec *x, const struct pipe *p, json_t *dot, bool *failed);

static json_t *call(struct exec *x, const char *name, json_t *const *args, size_t n, bool *failed)
{
	json_t *r;

	for (const struct mc_template_func *f = x->t->funcs; f && f->name; f++)
		if (!strcmp(f->name, name)) {
			r = f->fn(args, n, x->err);
			*failed = !r;
			return r;
		}
	r = mc_template_builtin(name, args, n, x->err);
	*failed = !r;
	return r;
}

/* "A.B.C" (malloc'd), built in one pass: a chain can be long. */
static char *join_fields(char *const *fields)
{
	size_t n = 0;
	char *s, *w;

	for (size_t i = 0; fields[i]; i++)
		n += strlen(fields[i]) + 1;
	w = s = mc_malloc(n + 1);
	for (size_t i = 0; fields[i]; i++) {
		size_t k = strlen(fields[i]);

		if (i)
			*w++ = '.';
		memcpy(w, fields[i], k);
		w += k;
	}
	*w = '\0';
	return s;
}

static json_t *eval_arg(struct exec *x, const struct arg *a, json_t *dot, bool *failed)
{
	struct var *var;
	json_t *v, *r;

	switch (a->kind) {
	case A_DOT:
		return json_incref(dot);
	case A_FIELD:
		if (x->header) {
			_cleanup_free_ char *path = join_fields(a->fields);

			return json_string(x->header(path));
		}
		return follow(x, dot, a->fields, failed);
	case A_VAR:
		if (!strcmp(a->name, "$"))
			return follow(x, x->root, a->fields, failed);
		if ((var = var_find(x, a->name)))
			return follow(x, var->v, a->fields, failed);
		*failed = true;
		mc_error_set(x->err, MC_E_USAGE, "template: undefined variable %s", a->name);
		return NULL;
	case A_LIT:
		return json_incref(a->lit);
	case A_PIPE:
		v = eval_pipe(x, a->pipe, dot, failed);
		r = *failed ? NULL : follow(x, v, a->fields, failed);
		json_decref(v);
		return r;
	case A_FUNC:   /* a function as an argument: called without arguments */
		return call(x, a->name, NULL, 0, failed);
	}
	return NULL;
}

static json_t *eval_cmd(struct exec *x, const struct cmd *c, json_t *dot, json_t *piped,
			bool has_piped, bool *failed)
{
	json_t **args;
	size_t n = 0;
	json_t *r;

	if (c->args[0].kind == A_LIT && json_is_null(c->args[0].lit)) {
		*failed = true;
		mc_error_set(x->err, MC_E_USAGE, "template: nil is not a command (it can only be an argument)");
		return NULL;
	}
	if (c->args[0].kind != A_FUNC) {
		if (has_piped) {
			*failed = true;
			mc_error_set(x->err, MC_E_USAGE, "template: only a function can take a piped value");
			return NULL;
		}
		return eval_arg(x, &c->args[0], dot, failed);
	}
	args = mc_calloc(c->n + 1, sizeof(*args));
	for (size_t i = 1; i < c->n && !*failed; i++)
		args[n++] = eval_arg(x, &c->args[i], dot, failed);
	if (has_piped)
		args[n++] = json_incref(piped);
	r = *failed ? NULL : call(x, c->args[0].name, args, n, failed);
	for (size_t i = 0; i < n; i++)
		json_decref(args[i]);
	free(args);
	return r;
}

static json_t *eval_pipe(struct exec *x, const struct pipe *p, json_t *dot, bool *failed)
{
	json_t *v = NULL;

	*failed = false;
	for (size_t i = 0; i < p->n && !*failed; i++) {
		json_t *next_v = eval_cmd(x, &p->cmds[i], dot, v, i > 0, failed);

		json_decref(v);
		v = next_v;
	}
	if (*failed) {
		json_decref(v);
		return NULL;
	}
	if (p->ndecl == 1 && p->assign) {
		struct var *var = var_find(x, p->decl[0]);

		if (!var) {
			*failed = true;
			mc_error_set(x->err, MC_E_USAGE, "template: undefined variable %s (declare it with := first)",
				     p->decl[0]);
			json_decref(v);
			return NULL;
		}
		json_decref(var->v);
		var->v = json_incref(v);
	} else if (p->ndecl == 1) {
		var_push(x, p->decl[0], v);
	}
	return v;
}

static int exec_list(struct exec *x, const struct list *l, json_t *dot);

/* What exec_list returns besides 0 and -1: a {{break}} or {{continue}} ran. */
enum { R_BREAK = 1, R_CONTINUE = 2 };

/* One element of a range: $key and $elem set as declared, the body run with
 * dot = elem; what exec_list returns. */
static int range_one(struct exec *x, const struct node *n, json_t *key, json_t *elem)
{
	const struct pipe *p = n->pipe;
	size_t mark = x->nvars;
	int r;

	if (p->ndecl == 2)
		var_push(x, p->decl[0], key);
	if (p->ndecl)
		var_push(x, p->decl[p->ndecl - 1], elem);
	r = exec_list(x, &n->body, elem);
	var_pop_to(x, mark);
	return r;
}

static int exec_range(struct exec *x, const struct node *n, json_t *v, json_t *dot)
{
	size_t count = 0;
	int r = 0;

	if (v && !json_is_array(v) && !json_is_object(v) && !json_is_null(v))
		return mc_error_set(x->err, MC_E_USAGE, "template: {{range}} cannot go over a %s",
				    json_is_string(v) ? "string" : "number or boolean");
	if (json_is_array(v)) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e) {
			_cleanup_json_ json_t *idx = json_integer((json_int_t)i);

			r = range_one(x, n, idx, e);
			count++;
			if (r < 0)
				return -1;
			if (r == R_BREAK)
				break;
		}
	} else if (json_is_object(v)) {
		_cleanup_strv_ char **keys = mc_json_sorted_keys(v);

		for (size_t i = 0; keys && keys[i]; i++) {
			_cleanup_json_ json_t *k = json_string(keys[i]);

			r = range_one(x, n, k, json_object_get(v, keys[i]));
			count++;
			if (r < 0)
				return -1;
			if (r == R_BREAK)
				break;
		}
	}
	return count ? 0 : exec_list(x, &n->other, dot);
}

static int exec_node(struct exec *x, const struct node *n, json_t *dot)
{
	size_t mark = x->nvars;
	bool failed = false;
	json_t *v;
	int r = 0;

	if (n->kind == N_TEXT) {
		put(x, n->text, strlen(n->text));
		return 0;
	}
	if (n->kind == N_BREAK || n->kind == N_CONTINUE)
		return n->kind == N_BREAK ? R_BREAK : R_CONTINUE;
	/* range's own variables are set per element, not to the whole value. */
	v = eval_pipe(x, n->pipe, dot, &failed);
	if (failed)
		return -1;
	if (n->kind == N_RANGE && n->pipe->ndecl)
		var_pop_to(x, mark);
	switch (n->kind) {
	case N_ACTION:
		if (!n->pipe->ndecl) {
			_cleanup_free_ char *s = mc_template_string(v);

			put(x, s, strlen(s));
		}
		json_decref(v);
		return 0;   /* a declared variable lives to the end of the enclosing list */
	case N_IF:
		r = exec_list(x, mc_template_truth(v) ? &n->body : &n->other, dot);
		break;
	case N_WITH:
		r = mc_template_truth(v) ? exec_list(x, &n->body, v) : exec_list(x, &n->other, dot);
		break;
	case N_RANGE:
		r = exec_range(x, n, v, dot);
		break;
	default:
		break;
	}
	json_decref(v);
	var_pop_to(x, mark);
	return r;
}

static int exec_list(struct exec *x, const struct list *l, json_t *dot)
{
	size_t mark = x->nvars;
	int r = 0;

	for (size_t i = 0; i < l->n && r == 0; i++)
		r = exec_node(x, l->v[i], dot);
	var_pop_to(x, mark);
	return r;
}

static int execute(const struct mc_template *t, json_t *data,
		   const char *(*header)(const char *field), char **out, struct mc_error *err)
{
	struct exec x = { .t = t, .root = data, .header = header, .err = err };
	int r;

	put(&x, "", 0);
	r = exec_list(&x, &t->root, data);
	var_pop_to(&x, 0);
	free(x.vars);
	if (r < 0) {
		free(x.buf);
		*out = NULL;
		return -1;
	}
	*out = x.buf;
	return 0;
}

int mc_template_render(const struct mc_template *t, json_t *data, char **out, struct mc_error *err)
{
	return execute(t, data, NULL, out, err);
}

char *mc_template_render_header(const struct mc_template *t, const char *(*header)(const char *field))
{
	struct mc_error err = { 0 };
	char *out = NULL;

	if (execute(t, NULL, header, &out, &err) < 0)
		out = mc_strdup("");
	return out;
}
