/* The store: <root>/{certs,cache,machines/NAME}, config.ini. */
#ifndef MC_STORE_H
#define MC_STORE_H

#include <stdbool.h>

#include "error.h"

struct mc_os_lock_wait;

struct mc_store {
	char *root;
	bool no_modes;   /* on a file system without Linux modes (mc_store_check_perms) */
};

/* Resolve the store root (NULL: default ~/.machinectl; a relative path is made
 * absolute against the current directory).  Creates nothing. */
int mc_store_open(struct mc_store *s, const char *root, struct mc_error *err);
void mc_store_close(struct mc_store *s);
/* Create root, certs/, cache/, machines/ (0700) when missing. */
int mc_store_ensure(const struct mc_store *s, struct mc_error *err);

/* Permissions (doc/store.md, "Permissions"), as OpenSSH checks ~/.ssh: the
 * root, certs/, machines/, cache/, config.ini and the CA and client files
 * must be owned by the user and not group- or world-writable, private keys
 * not readable by others.  MC_E_INVALID names the path and the fix.  On a
 * Windows drive under WSL without the metadata option (no Linux modes
 * there), nothing is checked, s->no_modes is set (the machine checks are
 * skipped too) and one warning is logged. */
int mc_store_check_perms(struct mc_store *s, struct mc_error *err);
/* The same for machines/NAME, its config.json, known_hosts, keys and certificates. */
int mc_store_check_machine_perms(const struct mc_store *s, const char *name, struct mc_error *err);

/* Names: ^[a-zA-Z0-9][a-zA-Z0-9.-]*$, at most 63 characters. */
int mc_store_check_name(const char *name, struct mc_error *err);

/* Paths (malloc'd): <root>/machines/NAME and <root>/machines/NAME/FILE. */
char *mc_store_machine_dir(const struct mc_store *s, const char *name);
char *mc_store_machine_file(const struct mc_store *s, const char *name, const char *file);
char *mc_store_path(const struct mc_store *s, const char *rel);

bool mc_store_exists(const struct mc_store *s, const char *name);
/* MC_E_EXISTS, 'Docker machine "NAME" already exists', when NAME is taken. */
int mc_store_check_free(const struct mc_store *s, const char *name, struct mc_error *err);
/* All machine names, natural order; dot-directories skipped.  *names is a
 * NULL-terminated vector (free with mc_strv_free); a missing store is empty. */
int mc_store_list(const struct mc_store *s, char ***names, struct mc_error *err);

/* Atomically claim NAME (mkdir machines/NAME, 0700) and lock it.
 * MC_E_EXISTS: 'Docker machine "NAME" already exists'.  *lock_fd receives the lock. */
int mc_store_reserve(const struct mc_store *s, const char *name, int *lock_fd,
		     struct mc_error *err);
/* Take the machine's exclusive lock (flock on machines/NAME/.lock), waiting
 * up to timeout_ms (0: fail at once when busy) and telling wait (may be
 * NULL; mc_os_lock).  MC_E_STATE "is busy" when the time is up. */
int mc_store_lock(const struct mc_store *s, const char *name, int timeout_ms,
		  const struct mc_os_lock_wait *wait, int *lock_fd, struct mc_error *err);
void mc_store_unlock(int lock_fd);
/* Finish removals whose process died mid-way: delete machines/.rm-NAME-PID
 * directories whose PID is gone.  Best effort. */
void mc_store_sweep(const struct mc_store *s);
/* An scp/mount argument: [USER@]NAME:PATH names a machine of this store
 * (*user and *name malloc'd, *user NULL without USER@, *path the part after
 * the ':'); anything with a '/' before its first ':', or no ':', is a local
 * path (*name NULL, *path = arg). */
int mc_store_parse_remote(const struct mc_store *s, const char *arg, char **user, char **name,
			  const char **path, struct mc_error *err);
/* Remove machines/NAME entirely. */
int mc_store_remove(const struct mc_store *s, const char *name, struct mc_error *err);

#endif
