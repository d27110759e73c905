/* Driver registry: built-in drivers plus plugins loaded with dlopen. */
#ifndef MC_REGISTRY_H
#define MC_REGISTRY_H

#include "driver.h"

/* Find a driver by name: built-in first, then machinectl-driver-NAME.so in
 * $MACHINECTL_DRIVER_PATH (colon-separated) and then the plugin directory.
 * Plugins stay loaded for the life of the process. */
int mc_driver_lookup(const char *name, const struct mc_driver **out, struct mc_error *err);
/* Names of every driver available (built-in and plugins), sorted; free with mc_strv_free. */
char **mc_driver_names(void);

extern const struct mc_driver mc_driver_generic;
extern const struct mc_driver mc_driver_hyperv;
extern const struct mc_driver mc_driver_none;
extern const struct mc_driver mc_driver_virtualbox;

#endif
