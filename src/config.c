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
	const char *path;
	int bad_line;
	char bad_msg[160];
};

static const char *const known_defaults[] = { "driver", "cpus", "memory", "disk-size", "iso" };

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct mc_config *c = user;

	if (!strcmp(section, "defaults")) {
		bool known = false;

		for (size_t i = 0; i < MC_ARRAY_SIZE(known_defaults); i++)
			known |= !strcmp(key, known_defaults[i]);
		if (!known) {
			snprintf(c->bad_msg, sizeof(c->bad_msg),
				 "unknown key '%s' in [defaults] (known: driver, cpus, memory, disk-size, iso)",
				 key);
			return 0;
		}
	} else if (strncmp(section, "driver.", 7) != 0 || !section[7]) {
		snprintf(c->bad_msg, sizeof(c->bad_msg),
			 "unknown section [%s] (use [defaults] or [driver.NAME])", section);
		return 0;
	}
	c->v = mc_realloc(c->v, (c->n + 1) * sizeof(*c->v));
	c->v[c->n++] = (struct entry){ mc_strdup(section), mc_strdup(key), mc_strdup(value) };
	return 1;
}

int mc_config_load(const char *path, struct mc_config **out, struct mc_error *err)
{
	struct mc_config *c = mc_calloc(1, sizeof(*c));
	FILE *f = fopen(path, "re");
	int r;

	*out = c;
	if (!f) {
		if (errno == ENOENT)
			return 0;
		*out = NULL;
		mc_config_free(c);
		return mc_error_errno(err, errno, "cannot read %s", path);
	}
	r = ini_parse_file(f, on_entry, c);
	fclose(f);
	if (r != 0) {
		if (r > 0)
			mc_error_set(err, MC_E_INVALID, "%s:%d: %s", path, r,
				     c->bad_msg[0] ? c->bad_msg : "syntax error (expected [section] or key = value)");
		else
			mc_error_set(err, MC_E_IO, "cannot read %s", path);
		*out = NULL;
		mc_config_free(c);
		return -1;
	}
	return 0;
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

static bool endswith(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

const char *mc_config_driver_flag(const struct mc_config *c, const char *driver, const char *flag)
{
	_cleanup_free_ char *section = mc_asprintf("driver.%s", driver);
	const char *v = mc_config_get(c, section, flag);

	if (v)
		return v;
	if (endswith(flag, "-cpu-count"))
		return mc_config_get(c, "defaults", "cpus");
	if (endswith(flag, "-memory"))
		return mc_config_get(c, "defaults", "memory");
	if (endswith(flag, "-disk-size"))
		return mc_config_get(c, "defaults", "disk-size");
	if (!strcmp(flag, "iso") || endswith(flag, "-boot2docker-url"))
		return mc_config_get(c, "defaults", "iso");
	return NULL;
}
