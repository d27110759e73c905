/* User defaults from <store>/config.ini (inih):
 *   [defaults]      driver, cpus, memory, disk-size, iso, iso-url
 *   [driver.NAME]   keys are that driver's flag names
 * Precedence everywhere: flag > environment variable > config.ini > built-in default. */
#ifndef MC_CONFIG_H
#define MC_CONFIG_H

#include "error.h"

struct mc_config;

/* Load PATH; a missing file is an empty config.  Whitespace then '#' or ';'
 * starts a comment, on any line.  Errors (syntax, an indented line, an
 * unknown section or [defaults] key, a key outside a section) are reported as
 * "PATH:LINE: ...", the first one in the file. */
int mc_config_load(const char *path, struct mc_config **out, struct mc_error *err);
void mc_config_free(struct mc_config *c);
/* Value of [section] key, or NULL.  Borrowed. */
const char *mc_config_get(const struct mc_config *c, const char *section, const char *key);
/* The config.ini value that applies to driver flag FLAG of DRIVER:
 * [driver.DRIVER] FLAG, else the matching [defaults] key (cpus for *-cpu-count,
 * memory for *-memory, disk-size for *-disk-size, iso for iso/boot2docker-url).
 * With ORIGIN, a value found also gives where it was set, for messages
 * (malloc'd: "memory in [defaults] of PATH"). */
const char *mc_config_driver_flag(const struct mc_config *c, const char *driver, const char *flag,
				  char **origin);
/* Check the keys of [driver.DRIVER] against FLAGS, DRIVER's flags (ended
 * by a NULL name): a key that is none of them (a typo) would otherwise be
 * ignored.  Only DRIVER's section is checked: the flags of the others are
 * not known here.  Returns 0, or -1 with "PATH:LINE: unknown key ..." (the
 * first such key in the file) in ERR. */
int mc_config_check_driver_keys(const struct mc_config *c, const char *driver,
				const struct mc_driver_flag *flags, struct mc_error *err);

#endif
