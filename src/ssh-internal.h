/* Shared between src/ssh.c and src/ssh-copy.c; not for other modules. */
#ifndef MC_SSH_INTERNAL_H
#define MC_SSH_INTERNAL_H

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "ssh.h"

struct mc_ssh {
	struct mc_ssh_endpoint ep;   /* a copy, owned */
	ssh_session session;
	sftp_session sftp;           /* opened on first use */
};

/* The session's SFTP channel, opened on first use. */
int mc_ssh_sftp(struct mc_ssh *s, sftp_session *out, struct mc_error *err);
/* Text of the last SFTP error ("No such file", "Permission denied"...). */
const char *mc_ssh_sftp_strerror(struct mc_ssh *s);

#endif
