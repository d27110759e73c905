/* What the files of the operations layer share among themselves. */
#ifndef MC_OPS_INTERNAL_H
#define MC_OPS_INTERNAL_H

#include "log.h"
#include "ops.h"

struct mc_iso_opts;

/* ISO download feedback through the session's ui (a line and a progress bar). */
void mc_ops_iso_opts(struct mc_session *s, struct mc_iso_opts *o);
/* A wait for another command's lock (a struct mc_os_lock_wait's call),
 * through the session's ui: "Waiting for WHAT: another command DOING (pid N,
 * COMMAND)... 1.5s"; elapsed_ms -1 ends it. */
void mc_ops_lock_waiting(const struct mc_session *s, const char *what, const char *doing, long holder,
			 long long elapsed_ms, bool first);
/* The lock of machine NAME (mc_store_lock), waiting up to 30 s for another
 * command, the wait shown through the session's ui. */
int mc_ops_lock(const struct mc_session *s, const char *name, int *lock_fd, struct mc_error *err);
/* start/restart of a machine that is not provisioned: a new server
 * certificate when the IP changed. */
int mc_ops_certs_after_start(struct mc_handle *h, struct mc_error *err);

#endif
