/*
 * The boot2docker data disk ("userdata"), shared by every VM driver.
 *
 * A new machine's data disk starts with a ustar archive whose first member is
 * the regular file "boot2docker, please format-me" (content: the same string),
 * followed by .ssh/ (0700), .ssh/authorized_keys and .ssh/authorized_keys2
 * (0644) holding the machine's public key.  The guest (boot2docker, or the
 * machine OS from scripts/build-iso) sees the magic at offset 0, keeps the
 * tar, formats the disk and installs the key for the user "docker".
 *
 * With await_provisioning, the tar also holds .machinectl/ and
 * .machinectl/await-provisioning (the text "300\n"): the machine OS then
 * starts only containerd at its first boot and dockerd once provisioning has
 * installed the TLS files and options, or after 300 s without it.  Other
 * guests (boot2docker) copy the member into ~docker and ignore it.
 *
 * With mounts (not NULL), the tar holds .machinectl/mounts: the shared
 * folders the machine OS mounts at every boot (src/shares.h).
 *
 * With a provision tar, the tar holds .machinectl/provision.tar (0600): the
 * machine OS's one-step provisioning files (src/provision.h,
 * mc_provision_boot_tar), which the machine OS installs at its first boot
 * before it starts dockerd, with TLS, once; it then does not wait for
 * provisioning.  Older machine OS versions and boot2docker skip the member
 * (they wait, or start dockerd without TLS, and are provisioned as before).
 */
#ifndef MC_USERDATA_H
#define MC_USERDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "error.h"

#define MC_USERDATA_MAGIC "boot2docker, please format-me"
#define MC_USERDATA_AWAIT ".machinectl/await-provisioning"
#define MC_USERDATA_AWAIT_S 300
#define MC_USERDATA_MOUNTS ".machinectl/mounts"
#define MC_USERDATA_PROVISION ".machinectl/provision.tar"

/* A ustar archive in memory; members are added in order, names < 100 bytes. */
struct mc_tar {
	char *data;   /* malloc'd */
	size_t len;   /* a multiple of 512 */
};
/* Append a member: type '0' (file: size bytes of data) or '5' (directory). */
void mc_tar_add(struct mc_tar *t, const char *name, char type, unsigned mode, const char *data,
		size_t size, time_t mtime);
/* Append the end-of-archive blocks. */
void mc_tar_end(struct mc_tar *t);

/* What else the tar may hold (NULL: nothing). */
struct mc_userdata_more {
	const char *mounts;        /* .machinectl/mounts, or NULL */
	struct mc_tar provision;   /* .machinectl/provision.tar when len > 0 */
};

/* Build the tar in memory.  pubkey is the authorized_keys line (a trailing
 * newline is added when missing).  *out is malloc'd, *len a multiple of 512
 * (end-of-archive blocks included). */
int mc_userdata_tar(const char *pubkey, bool await_provisioning, const struct mc_userdata_more *more,
		    char **out, size_t *len, struct mc_error *err);

/* Create PATH (which must not exist) as a sparse raw disk image of exactly
 * size_mb MiB starting with the tar for pubkey.  On failure nothing is left
 * behind. */
int mc_userdata_write_disk(const char *path, const char *pubkey, bool await_provisioning,
			   const struct mc_userdata_more *more, long long size_mb, struct mc_error *err);

#endif
