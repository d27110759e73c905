/* Shared between src/ssh.c and src/ssh-copy.c; not for other modules. */
#ifndef MC_SSH_INTERNAL_H
#define MC_SSH_INTERNAL_H

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "ssh.h"

struct mc_ssh_fwd;

struct mc_ssh {
	struct mc_ssh_endpoint ep;   /* a copy, owned */
	ssh_session session;
	sftp_session sftp;           /* opened on first use */
	struct mc_ssh_fwd *fwd;      /* port forwards (src/ssh-forward.c), or NULL */
};

/* The forwards' part of a poll loop (src/ssh-forward.c).  Before poll: how
 * many pollfds they may need, then mc_ssh_fwd_fill puts them at p (at most
 * max) and returns how many.  After poll: mc_ssh_fwd_step with those pollfds
 * accepts, connects and moves bytes; with NULL it moves only what needs no
 * poll (channel data already read, new channels from the machine).  Both are
 * no-ops without forwards. */
struct pollfd;
size_t mc_ssh_fwd_npoll(const struct mc_ssh *s);
size_t mc_ssh_fwd_fill(struct mc_ssh *s, struct pollfd *p, size_t max);
void mc_ssh_fwd_step(struct mc_ssh *s, const struct pollfd *p);
void mc_ssh_fwd_free(struct mc_ssh *s);

/* The session's SFTP channel, opened on first use. */
int mc_ssh_sftp(struct mc_ssh *s, sftp_session *out, struct mc_error *err);
/* Text of the last SFTP error ("No such file", "Permission denied"...). */
const char *mc_ssh_sftp_strerror(struct mc_ssh *s);

#endif
