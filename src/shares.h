/*
 * Shared folders: host directories the machine OS mounts in the guest
 * (create --share HOST[:GUEST], --no-share; doc/shares.md).
 *
 * The resolved list is a JSON array of {"Host": DIR, "Guest": PATH,
 * "Tag": NAME} (and "Default": true for the home directory shared by
 * default): Tag is the name the hypervisor gives the share (the 9p or
 * virtiofs mount tag, the VirtualBox shared folder's name), "mc0", "mc1", ...
 * It is recorded as HostOptions.Shares and written into the userdata tar as
 * .machinectl/mounts ("FSTYPE SOURCE GUESTPATH" a line, fstab escapes), which
 * the machine OS mounts at every boot.
 */
#ifndef MC_SHARES_H
#define MC_SHARES_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"

/* Resolve --share specs (NULL-terminated, may be NULL).  With none and
 * !no_share, the default is home (when non-NULL) at the same path, left out
 * (no error) when it is not a directory or a path the guest keeps for
 * itself.  Every explicit spec is checked: HOST an existing absolute
 * directory (a trailing '/' dropped), GUEST absolute and normalised, not
 * one of the guest's own paths, no control characters, no GUEST twice;
 * MC_E_USAGE naming the spec otherwise: as shown says it was given
 * (another flag that means --share SPEC), else --share "SPEC".  *out: a
 * new array (possibly empty). */
int mc_shares_resolve(char *const *specs, const char *shown, bool no_share, const char *home, json_t **out,
		      struct mc_error *err);

/* The .machinectl/mounts text for shares with FSTYPE fstype ("9p",
 * "virtiofs", "vboxsf"), malloc'd; NULL when shares is empty or NULL. */
char *mc_shares_mounts(json_t *shares, const char *fstype);

/* "HOST:GUEST,HOST:GUEST" for ls (malloc'd; "" when none). */
char *mc_shares_summary(json_t *shares);

#endif
