/* A machine: its config.json (schema-versioned) and the driver context. */
#ifndef MC_MACHINE_H
#define MC_MACHINE_H

#include <jansson.h>

#include "driver.h"
#include "store.h"

#define MC_SCHEMA_VERSION 1

enum mc_machine_status {
	MC_MACHINE_CREATING,   /* create in progress, or interrupted */
	MC_MACHINE_CREATED,
	MC_MACHINE_ERROR,      /* create failed; "Error" holds the reason */
};

struct mc_machine {
	char *name;
	char *dir;
	json_t *doc;           /* the whole config.json object */
	/* Borrowed views into doc: */
	const char *driver_name;
	json_t *driver;        /* "Driver" object (driver private) */
	json_t *host_options;  /* "HostOptions" object */
	/* Loaded from an older schema: the file as it was (migrated in memory
	 * only; the next save keeps it as config.json.bak).  NULL otherwise. */
	char *orig_text;
	size_t orig_len;
};

/* New in-memory machine (not saved). */
struct mc_machine *mc_machine_new(const struct mc_store *s, const char *name,
				  const char *driver_name);
/* Load machines/NAME/config.json, migrating older schemas in memory (nothing
 * is written: a read-only store stays readable; m->orig_text is set).
 * MC_E_NOT_FOUND when the machine does not exist; MC_E_INVALID, naming
 * `machinectl rm -f NAME`, when config.json is missing or damaged. */
int mc_machine_load(const struct mc_store *s, const char *name, struct mc_machine **out,
		    struct mc_error *err);
/* Parse a config.json text (exposed for tests and fuzzing); *doc owned by caller.
 * MC_E_UNSUPPORTED for a schema newer than this program's; MC_E_INVALID for a
 * damaged text (the message says what is wrong, mc_machine_load names the
 * file and the way out). */
int mc_machine_parse(const char *text, size_t len, json_t **doc, int *migrated_from,
		     struct mc_error *err);
/* Write config.json atomically; a machine migrated at load first gets its
 * original kept as config.json.bak. */
int mc_machine_save(const struct mc_machine *m, struct mc_error *err);
void mc_machine_free(struct mc_machine *m);
static inline void mc_machine_freep(struct mc_machine **m) { mc_machine_free(*m); }
#define _cleanup_machine_ __attribute__((cleanup(mc_machine_freep)))

enum mc_machine_status mc_machine_status(const struct mc_machine *m);
void mc_machine_set_status(struct mc_machine *m, enum mc_machine_status st, const char *reason);
const char *mc_machine_error(const struct mc_machine *m);

/* Engine labels "k=v" (HostOptions.EngineOptions.Labels) as a borrowed array. */
json_t *mc_machine_labels(const struct mc_machine *m);

const char *mc_state_name(enum mc_state st);

#endif
