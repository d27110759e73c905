#include "buildconf.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <string.h>

#include "config.h"
#include "util.h"

struct entry {
	char *section, *key, *value;
	int line;
};

struct mc_config {
	struct entry *v;
	size_t n;
	char *path;
};

/* One parse: the text inih reads through next_line(), the line it is at, and
 * the first line refused here. */
struct parse {
	struct mc_config *c;
	const char *pos, *end;
	int line;
	bool key_above;  /* a key = value line since the last [section] */
	int bad_line;
	char bad_msg[200];
};

static const char *const known_defaults[] = { "driver", "cpus", "memory", "disk-size", "iso", "iso-url" };

__attribute__((format(printf, 2, 3)))
static void refuse(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->bad_line)  /* the first error is the one reported */
		return;
	p->bad_line = p->line;
	va_start(ap, fmt);
	vsnprintf(p->bad_msg, sizeof(p->bad_msg), fmt, ap);
	va_end(ap);
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;
	struct mc_config *c = p->c;

	if (!section[0]) {
		refuse(p, "'%s' is outside any section: put it under [defaults] (or [driver.NAME] for a driver flag)",
		       key);
		return 0;
	}
	if (!strcmp(section, "defaults")) {
		bool known = false;

		for (size_t i = 0; i < MC_ARRAY_SIZE(known_defaults); i++)
			known |= !strcmp(key, known_defaults[i]);
		if (!known) {
			refuse(p, "unknown key '%s' in [defaults] (known: driver, cpus, memory, disk-size, iso, iso-url)",
			       key);
			return 0;
		}
	} else if (strncmp(section, "driver.", 7) != 0 || !section[7]) {
		return 0;  /* next_line() refused the section on its own line */
	}
	c->v = mc_realloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = (struct entry){ mc_strdup(section), mc_strdup(key), mc_strdup(value), p->line };
	return 1;
}

/* Check line BUF (the p->line'th) before inih reads it, and make it say
 * what the documentation says it does:
 *  - "value   # comment": inih (as Debian builds it) takes only ';' as an
 *    inline comment, so a '#' after a space would end up in the value; both
 *    are cut here, after whitespace, as inih does for ';'.
 *  - An indented line: inih takes it as the continuation of the value above
 *    (driver = "none\ncolour = red"); it is refused, and blanked for inih.
 *  - A [section] is checked on its own line, even when no key follows. */
static void check_line(struct parse *p, char *buf)
{
	char *s = buf, *close;
	size_t lead;

	if (p->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))  /* inih skips a BOM there */
		s += 3;
	lead = strspn(s, " \t\r\f\v");
	s += lead;
	if (!*s || *s == ';' || *s == '#')  /* blank, or a whole-line comment */
		return;
	for (char *q = s + 1; *q; q++)
		if ((*q == '#' || *q == ';') && isspace((unsigned char)q[-1])) {
			*q = '\0';
			break;
		}
	if (lead) {
		refuse(p, p->key_above ? "an indented line would continue the value above: remove the indentation"
			  : "an indented line is not read as an entry: remove the indentation");
		*buf = '\0';
		return;
	}
	if (*s != '[') {
		p->key_above = true;
		return;
	}
	p->key_above = false;
	close = strchr(s, ']');
	if (!close)  /* inih reports the syntax error */
		return;
	*close = '\0';
	if (strcmp(s + 1, "defaults") && (strncmp(s + 1, "driver.", 7) || !s[8]))
		refuse(p, "unknown section [%s] (use [defaults] or [driver.NAME])", s + 1);
	*close = ']';
}

/* inih's reader (fgets-like): the next line of the text, without its '\n'
 * (long_line() has refused lines that would not fit), checked and with its
 * comment cut by check_line().  One call per line, so p->line is the line
 * inih is at when it calls on_entry(). */
static char *next_line(char *buf, int size, void *stream)
{
	struct parse *p = stream;
	const char *nl;
	size_t len;

	if (p->pos >= p->end || size < 1)
		return NULL;
	nl = memchr(p->pos, '\n', (size_t)(p->end - p->pos));
	len = (size_t)((nl ? nl : p->end) - p->pos);
	if (len > (size_t)size - 1)
		len = (size_t)size - 1;
	memcpy(buf, p->pos, len);
	buf[len] = '\0';
	p->pos = nl ? nl + 1 : p->end;
	p->line++;
	check_line(p, buf);
	return buf;
}

/* inih (Debian's libinih, INI_MAX_LINE 200 with the NUL) cuts a longer line
 * and parses the rest as a line of its own: a 200-byte "iso = ..." line once
 * became "driver = test".  The limit is the library's build setting, so
 * longer lines are refused here, before it sees them. */
#define MC_INI_MAX_LINE 199

/* The 1-based number of the first line longer than MC_INI_MAX_LINE bytes
 * (without its '\n'), and its length; 0 when there is none. */
static int long_line(const char *text, size_t len, size_t *n)
{
	int line = 1;

	for (size_t start = 0; start < len; line++) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - text) : len;

		if (end - start > MC_INI_MAX_LINE) {
			*n = end - start;
			return line;
		}
		start = end + 1;
	}
	return 0;
}

int mc_config_load(const char *path, struct mc_config **out, struct mc_error *err)
{
	struct mc_config *c = mc_calloc(1, sizeof(*c));
	_cleanup_free_ char *text = NULL;
	struct mc_error rerr = { 0 };
	size_t len = 0, n = 0;
	int r;

	*out = c;
	c->path = mc_strdup(path);
	if (mc_read_file(path, &text, &len, &rerr) < 0) {
		if (rerr.code == MC_E_NOT_FOUND)
			return 0;
		*out = NULL;
		mc_config_free(c);
		return mc_error_set(err, rerr.code, "%s", rerr.msg);
	}
	r = long_line(text, len, &n);
	if (r > 0) {
		mc_error_set(err, MC_E_INVALID,
			     "%s:%d: the line is %zu bytes long; lines are limited to %d bytes (shorten it: a long path can live in a directory with a shorter name, or be given with the flag)",
			     path, r, n, MC_INI_MAX_LINE);
	} else if (memchr(text, '\0', len)) {
		mc_error_set(err, MC_E_INVALID, "%s: holds a NUL byte: it is not a text file", path);
	} else {
		struct parse p = { .c = c, .pos = text, .end = text + len };

		/* inih goes on after an error and returns the first one's line
		 * (a syntax error, or an entry on_entry() refused); the lines
		 * refused here are known only to p.  The first of both is the
		 * one to name. */
		r = ini_parse_stream(next_line, &p, on_entry, &p);
		if (r < 0)  /* only an inih built without INI_USE_STACK can fail so */
			mc_error_set(err, MC_E_INVALID, "%s: could not be parsed (inih error %d)", path, r);
		else if (r > 0 && (!p.bad_line || r < p.bad_line))
			mc_error_set(err, MC_E_INVALID, "%s:%d: syntax error (expected [section] or key = value)",
				     path, r);
		else if (p.bad_line)
			mc_error_set(err, MC_E_INVALID, "%s:%d: %s", path, p.bad_line, p.bad_msg);
		else
			return 0;
	}
	*out = NULL;
	mc_config_free(c);
	return -1;
}

void mc_config_free(struct mc_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].section);
		free(c->v[i].key);
		free(c->v[i].value);
	}
	free(c->v);
	free(c->path);
	free(c);
}

const char *mc_config_get(const struct mc_config *c, const char *section, const char *key)
{
	const char *found = NULL;

	/* The last occurrence wins, as a user reading the file top-down expects. */
	for (size_t i = 0; c && i < c->n; i++)
		if (!strcmp(c->v[i].section, section) && !strcmp(c->v[i].key, key))
			found = c->v[i].value;
	return found;
}

/* The [defaults] key standing for driver flag FLAG, or NULL. */
static const char *defaults_key(const char *flag)
{
	if (mc_str_endswith(flag, "-cpu-count"))
		return "cpus";
	if (mc_str_endswith(flag, "-memory"))
		return "memory";
	if (mc_str_endswith(flag, "-disk-size"))
		return "disk-size";
	if (!strcmp(flag, "iso") || mc_str_endswith(flag, "-boot2docker-url"))
		return "iso";
	return NULL;
}

const char *mc_config_driver_flag(const struct mc_config *c, const char *driver, const char *flag,
				  char **origin)
{
	_cleanup_free_ char *section = mc_asprintf("driver.%s", driver);
	const char *key = flag, *v = mc_config_get(c, section, flag);

	if (!v && (key = defaults_key(flag))) {
		free(section);
		section = mc_strdup("defaults");
		v = mc_config_get(c, section, key);
	}
	if (v && origin)
		*origin = mc_asprintf("%s in [%s] of %s", key, section, c->path);
	return v;
}

int mc_config_check_driver_keys(const struct mc_config *c, const char *driver,
				const struct mc_driver_flag *flags, struct mc_error *err)
{
	_cleanup_free_ char *section = mc_asprintf("driver.%s", driver);

	for (size_t i = 0; c && i < c->n; i++) {
		const struct entry *e = &c->v[i];
		bool known = false;

		if (strcmp(e->section, section) != 0)
			continue;
		for (const struct mc_driver_flag *f = flags; f && f->name && !known; f++)
			known = !strcmp(e->key, f->name);
		if (!known)
			return mc_error_set(err, MC_E_INVALID,
					    "%s:%d: unknown key '%s' in [%s]: the %s driver has no flag --%s",
					    c->path, e->line, e->key, section, driver, e->key);
	}
	return 0;
}
