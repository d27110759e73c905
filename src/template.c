#include "buildconf.h"

#include <string.h>

#include "template.h"
#include "util.h"

enum piece_kind { P_TEXT, P_FIELD, P_JSON, P_PRETTYJSON };

struct piece {
	enum piece_kind kind;
	char *text;      /* literal text, or the field path without the leading dot */
};

struct mc_template {
	struct piece *p;
	size_t n;
};

static void add(struct mc_template *t, enum piece_kind k, char *text)
{
	t->p = mc_realloc(t->p, (t->n + 1) * sizeof(*t->p));
	t->p[t->n++] = (struct piece){ k, text };
}

static char *unescape(const char *s, size_t n)
{
	char *o = mc_malloc(n + 1), *w = o;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 't' || s[i + 1] == 'n')) {
			*w++ = s[i + 1] == 't' ? '\t' : '\n';
			i++;
		} else {
			*w++ = s[i];
		}
	}
	*w = '\0';
	return o;
}

static int parse_path(const char *s, size_t n, char **out, struct mc_error *err)
{
	if (n == 0 || s[0] != '.')
		return mc_error_set(err, MC_E_USAGE,
				    "template: expected a field such as .Name, got \"%.*s\"", (int)n, s);
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.'))
			return mc_error_set(err, MC_E_USAGE, "template: bad character '%c' in \"%.*s\"",
					    c, (int)n, s);
	}
	*out = mc_strndup(s + 1, n - 1);
	return 0;
}

int mc_template_parse(const char *text, struct mc_template **out, struct mc_error *err)
{
	struct mc_template *t = mc_calloc(1, sizeof(*t));
	const char *s = text;

	while (*s) {
		const char *open = strstr(s, "{{"), *close, *a, *b;
		size_t n;
		char *path = NULL;

		if (!open) {
			add(t, P_TEXT, unescape(s, strlen(s)));
			break;
		}
		if (open > s)
			add(t, P_TEXT, unescape(s, (size_t)(open - s)));
		close = strstr(open + 2, "}}");
		if (!close) {
			mc_template_free(t);
			return mc_error_set(err, MC_E_USAGE, "template: unclosed action (missing \"}}\")");
		}
		a = open + 2;
		b = close;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		n = (size_t)(b - a);
		enum piece_kind k = P_FIELD;
		if (n > 5 && !strncmp(a, "json ", 5)) {
			k = P_JSON;
			a += 5;
		} else if (n > 11 && !strncmp(a, "prettyjson ", 11)) {
			k = P_PRETTYJSON;
			a += 11;
		}
		while (a < b && *a == ' ')
			a++;
		if (parse_path(a, (size_t)(b - a), &path, err) < 0) {
			mc_template_free(t);
			return -1;
		}
		add(t, k, path);
		s = close + 2;
	}
	*out = t;
	return 0;
}

void mc_template_free(struct mc_template *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->p[i].text);
	free(t->p);
	free(t);
}

static json_t *walk(json_t *data, const char *path)
{
	json_t *cur = data;

	while (*path && cur) {
		size_t n = strcspn(path, ".");
		_cleanup_free_ char *key = mc_strndup(path, n);

		cur = json_is_object(cur) ? json_object_get(cur, key) : NULL;
		path += n;
		if (*path == '.')
			path++;
	}
	return cur;
}

static void append(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*buf = mc_realloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

int mc_template_render(const struct mc_template *t, json_t *data, char **out, struct mc_error *err)
{
	char *buf = mc_strdup("");
	size_t len = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct piece *p = &t->p[i];
		json_t *v;
		char *s;

		if (p->kind == P_TEXT) {
			append(&buf, &len, p->text);
			continue;
		}
		v = walk(data, p->text);
		if (!v) {
			append(&buf, &len, p->kind == P_FIELD ? "<no value>" : "null");
			continue;
		}
		if (p->kind == P_FIELD && json_is_string(v)) {
			append(&buf, &len, json_string_value(v));
			continue;
		}
		s = json_dumps(v, JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
				      (p->kind == P_PRETTYJSON ? JSON_INDENT(4) : JSON_COMPACT));
		append(&buf, &len, s ? s : "");
		free(s);
	}
	(void)err;
	*out = buf;
	return 0;
}

char *mc_template_render_header(const struct mc_template *t, const char *(*header)(const char *field))
{
	char *buf = mc_strdup("");
	size_t len = 0;

	for (size_t i = 0; i < t->n; i++)
		append(&buf, &len, t->p[i].kind == P_TEXT ? t->p[i].text : header(t->p[i].text));
	return buf;
}
