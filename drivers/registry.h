/* Driver registry: built-in drivers plus plugins loaded with dlopen. */
#ifndef MC_REGISTRY_H
#define MC_REGISTRY_H

#include "driver.h"
#include "machine.h"
#include "store.h"

/* The services table handed to drivers. */
const struct mc_host *mc_host_api(void);
/* Where driver phase messages go (the verb layer prints them). */
void mc_host_set_phase_handler(void (*fn)(const char *machine, const char *msg));

/* Find a driver by name: built-in first, then machinectl-driver-NAME.so in
 * $MACHINECTL_DRIVER_PATH (colon-separated) and then the plugin directory.
 * Plugins stay loaded for the life of the process. */
int mc_driver_lookup(const char *name, const struct mc_driver **out, struct mc_error *err);
/* Names of every driver available (built-in and plugins), sorted; free with mc_strv_free. */
char **mc_driver_names(void);

/* Fill ctx for machine m (views into m; valid while m lives). */
void mc_driver_ctx_init(struct mc_driver_ctx *ctx, const struct mc_store *s,
			struct mc_machine *m, json_t *flags);

extern const struct mc_driver mc_driver_generic;
extern const struct mc_driver mc_driver_hyperv;
extern const struct mc_driver mc_driver_none;
extern const struct mc_driver mc_driver_virtualbox;

#endif
