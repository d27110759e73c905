#include "buildconf.h"

#include <errno.h>
#include <ini.h>
#include <string.h>

#include "config.h"
#include "util.h"

struct entry {
	char *section, *key, *value;
};

struct mc_config {
	struct entry *v;
	size_t n;
	char *path;
	int bad_line;
	char bad_msg[160];
};

static const char *const known_defaults[] = { "driver", "cpus", "memory", "disk-size", "iso", "iso-url" };

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct mc_config *c = user;

	if (!strcmp(section, "defaults")) {
		bool known = false;

		for (size_t i = 0; i < MC_ARRAY_SIZE(known_defaults); i++)
			known |= !strcmp(key, known_defaults[i]);
		if (!known) {
			if (!c->bad_msg[0])  /* inih reports the first error's line */
				snprintf(c->bad_msg, sizeof(c->bad_msg),
					 "unknown key '%s' in [defaults] (known: driver, cpus, memory, disk-size, iso, iso-url)",
					 key);
			return 0;
		}
	} else if (strncmp(section, "driver.", 7) != 0 || !section[7]) {
		if (!c->bad_msg[0])
			snprintf(c->bad_msg, sizeof(c->bad_msg),
				 "unknown section [%s] (use [defaults] or [driver.NAME])", section);
		return 0;
	}
	c->v = mc_realloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = (struct entry){ mc_strdup(section), mc_strdup(key), mc_strdup(value) };
	return 1;
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

/* Whether line n (1-based) of text is one inih hands to its handler: not
 * blank, a comment or a [section], and with a '=' or ':' delimiter. */
static bool line_has_entry(const char *text, int n)
{
	const char *l = text;
	size_t len;

	for (int i = 1; i < n && l; i++) {
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	if (!l)
		return false;
	l += strspn(l, " \t\r");
	len = strcspn(l, "\n");
	return len && *l != ';' && *l != '#' && *l != '[' && (memchr(l, '=', len) || memchr(l, ':', len));
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
		r = ini_parse_string(text, on_entry, c);
		if (r == 0)
			return 0;
		/* inih goes on after an error and returns the first one's line:
		 * a syntax error there, before the entry our handler refused,
		 * is the one to name. */
		mc_error_set(err, MC_E_INVALID, "%s:%d: %s", path, r,
			     c->bad_msg[0] && line_has_entry(text, r) ? c->bad_msg
			     : "syntax error (expected [section] or key = value)");
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
		*origin = mc_asprintf("%s ([%s] in %s)", key, section, c->path);
	return v;
}
