/* User defaults from <store>/config.ini (inih):
 *   [defaults]      driver, cpus, memory, disk-size, iso
 *   [driver.NAME]   keys are that driver's flag names
 * Precedence everywhere: flag > environment variable > config.ini > built-in default. */
#ifndef MC_CONFIG_H
#define MC_CONFIG_H

#include "error.h"

struct mc_config;

/* Load PATH; a missing file is an empty config.  Syntax errors are reported
 * as "PATH:LINE: ...". */
int mc_config_load(const char *path, struct mc_config **out, struct mc_error *err);
void mc_config_free(struct mc_config *c);
/* Value of [section] key, or NULL.  Borrowed. */
const char *mc_config_get(const struct mc_config *c, const char *section, const char *key);
/* The config.ini value that applies to driver flag FLAG of DRIVER:
 * [driver.DRIVER] FLAG, else the matching [defaults] key (cpus for *-cpu-count,
 * memory for *-memory, disk-size for *-disk-size, iso for iso/boot2docker-url).
 * With ORIGIN, a value found also gives where it was set, for messages
 * (malloc'd: "memory ([defaults] in PATH)"). */
const char *mc_config_driver_flag(const struct mc_config *c, const char *driver, const char *flag,
				  char **origin);

#endif
