/*
 * The boot2docker data disk ("userdata"), shared by every VM driver.
 *
 * A new machine's data disk starts with a ustar archive whose first member is
 * the regular file "boot2docker, please format-me" (content: the same string),
 * followed by .ssh/ (0700), .ssh/authorized_keys and .ssh/authorized_keys2
 * (0644) holding the machine's public key.  The guest (boot2docker, or the
 * machine OS from scripts/build-iso) sees the magic at offset 0, keeps the
 * tar, formats the disk and installs the key for the user "docker".
 */
#ifndef MC_USERDATA_H
#define MC_USERDATA_H

#include <stddef.h>

#include "error.h"

#define MC_USERDATA_MAGIC "boot2docker, please format-me"

/* Build the tar in memory.  pubkey is the authorized_keys line (a trailing
 * newline is added when missing).  *out is malloc'd, *len a multiple of 512
 * (end-of-archive blocks included). */
int mc_userdata_tar(const char *pubkey, char **out, size_t *len, struct mc_error *err);

/* Create PATH (which must not exist) as a sparse raw disk image of exactly
 * size_mb MiB starting with the tar for pubkey.  On failure nothing is left
 * behind. */
int mc_userdata_write_disk(const char *path, const char *pubkey, long long size_mb,
			   struct mc_error *err);

#endif
