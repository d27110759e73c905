/*
 * SSH to machines: key pairs, pinned host keys, the native client (libssh)
 * and the command lines of the external one (OpenSSH's ssh, scp, rsync,
 * sshfs).  See doc/ssh.md.
 *
 * Host keys are pinned per machine in machines/NAME/known_hosts (OpenSSH
 * format) under the host name NAME (OpenSSH's HostKeyAlias), so the pin
 * survives an IP address change and both clients read the same entry.  The
 * first connection records the key; a different key later is refused by both
 * clients until mc_ssh_pin(..., replace = true) (`machinectl ssh --repin`).
 *
 * Nothing here prints: errors come back in struct mc_error, progress through
 * callbacks.
 */
#ifndef MC_SSH_H
#define MC_SSH_H

#include <stdbool.h>
#include <stddef.h>

#include "driver.h"
#include "error.h"

/* Where and how to reach a machine over SSH.  Every string is malloc'd and
 * owned by the struct (mc_ssh_endpoint_clear frees them). */
struct mc_ssh_endpoint {
	char *machine;          /* machine name: messages and the host key alias */
	char *host;             /* IP address or host name */
	int port;
	char *user;
	char *key;              /* private key file */
	char *known_hosts;      /* machines/NAME/known_hosts */
	char *console_log;      /* machines/NAME/console.log, named on wait timeouts */
	int connect_timeout_ms; /* 0: 10 s */
};

/* Fill ep for machine `machine` whose files are in dir: host and user
 * (malloc'd, or NULL for "docker") are taken; port <= 0 is 22.  Fails
 * (MC_E_STATE) without a host and (MC_E_NOT_FOUND) without a key in dir. */
int mc_ssh_endpoint_init(struct mc_ssh_endpoint *ep, const char *machine, const char *dir,
			 char *host, int port, char *user, struct mc_error *err);
void mc_ssh_endpoint_clear(struct mc_ssh_endpoint *ep);

/* What an SSH endpoint may be (doc/ssh.md): a user name of up to 64
 * letters, digits, '.', '_' and '-', not starting with '-'; a host that is
 * an IPv4 or IPv6 address or a DNS name; a port in 1-65535.  Nothing else
 * reaches ssh's command line, libssh or an ssh_config file.  Each fails with
 * MC_E_INVALID and a message naming the value (control characters escaped);
 * callers add which flag or field it came from. */
int mc_ssh_check_user(const char *user, struct mc_error *err);
int mc_ssh_check_host(const char *host, struct mc_error *err);
int mc_ssh_check_port(long long port, struct mc_error *err);
/* All three for ep, the message prefixed with the machine's name. */
int mc_ssh_endpoint_check(const struct mc_ssh_endpoint *ep, struct mc_error *err);

/* --- keys (machines/NAME/id_TYPE, 0600, and id_TYPE.pub in OpenSSH format) --- */

/* Generate a key pair in dir: type "ed25519" (id_ed25519) or "rsa" (3072
 * bits, id_rsa).  comment ends the .pub line. */
int mc_ssh_keygen(const char *dir, const char *type, const char *comment, struct mc_error *err);
/* Copy an existing unencrypted private key into dir (as id_ed25519, id_rsa or
 * id_ecdsa by its type) and write its .pub; other id_* files in dir are
 * removed. */
int mc_ssh_key_import(const char *src, const char *dir, const char *comment,
		      struct mc_error *err);
/* The private key in dir (id_ed25519, id_rsa, id_ecdsa: the first that
 * exists); malloc'd, or NULL when there is none. */
char *mc_ssh_key_find(const char *dir);
/* The authorized_keys line of the key in dir ("ssh-ed25519 AAAA... comment"),
 * malloc'd, without a newline. */
int mc_ssh_pubkey_line(const char *dir, char **line, struct mc_error *err);

/* --- host key pinning --- */

/* True when ep->known_hosts holds a key for the machine. */
bool mc_ssh_is_pinned(const struct mc_ssh_endpoint *ep);
/* Host keys made on this side for a machine that has not booted yet: the
 * private keys, in the formats sshd reads (OpenSSH for ed25519, PEM for
 * ECDSA P-256), for its data disk's provisioning files. */
struct mc_ssh_host_keys {
	char *ed25519, *ecdsa;
};
/* New host keys for machine, pinned at once in dir/known_hosts as its only
 * keys (other hosts' lines are kept): its first connection is checked too. */
int mc_ssh_host_keys_new(const char *machine, const char *dir, struct mc_ssh_host_keys *out,
			 struct mc_error *err);
void mc_ssh_host_keys_clear(struct mc_ssh_host_keys *k);
/* Connect (key exchange only, no login) and record the host key the machine
 * presents.  replace = false: only when nothing is pinned yet (a pinned key
 * must match).  replace = true: forget the old pin first.  *fingerprint
 * (optional) receives "ED25519 SHA256:..." of the key now pinned, *old_fp
 * (optional) the one replaced or NULL; both malloc'd. */
int mc_ssh_pin(const struct mc_ssh_endpoint *ep, bool replace, char **fingerprint,
	       char **old_fp, struct mc_error *err);

/* --- native sessions (libssh) --- */

struct mc_ssh;

/* Connect, check (or, when nothing is pinned yet, pin) the host key, log in
 * with ep->key only (no agent, no password).  TCP keepalive is on, so a dead
 * peer is noticed within about a minute.  Free with mc_ssh_close(). */
int mc_ssh_connect(const struct mc_ssh_endpoint *ep, struct mc_ssh **out, struct mc_error *err);
void mc_ssh_close(struct mc_ssh *s);
const struct mc_ssh_endpoint *mc_ssh_endpoint_of(const struct mc_ssh *s);

/* Run cmd through the remote user's shell and capture its output (opts and
 * res are the driver ABI's struct mc_ssh_opts and struct mc_run_result; the
 * endpoint's own connect timeout applies, res->status is 255 when unknown).
 * Returns 0 when it ran (whatever its exit status), -1 when it could not (err
 * set).  opts may be NULL.  Free res with mc_run_result_free(). */
int mc_ssh_run(struct mc_ssh *s, const char *cmd, const struct mc_ssh_opts *opts,
	       struct mc_run_result *res, struct mc_error *err);

/* Write data to the remote file path (created or truncated, then set to mode)
 * over SFTP. */
int mc_ssh_upload(struct mc_ssh *s, const void *data, size_t len, const char *path, int mode,
		  struct mc_error *err);

/* Run cmd (NULL: the login shell) with stdin, stdout and stderr streamed
 * from/to the given fds (in_fd < 0: no input).  With pty, a terminal is
 * requested with the size and TERM of in_fd, in_fd is put in raw mode and
 * restored on every exit path, and SIGWINCH resizes the remote terminal.
 * *status as in mc_ssh_result. */
int mc_ssh_stream(struct mc_ssh *s, const char *cmd, int in_fd, int out_fd, int err_fd, bool pty,
		  int *status, struct mc_error *err);

/* --- port forwards (ssh -L, -R, -D; src/ssh-forward.c) --- */

struct mc_ssh_forward {
	char kind;              /* 'L', 'R' or 'D' */
	char *spec;             /* as given */
	char *bind;             /* listen address ("*" or "": all); NULL: loopback */
	int port;               /* listen port; -R may ask for 0 (the server picks) */
	char *host;             /* connect to (the far side's view); NULL for SOCKS (-D, -R PORT) */
	int host_port;
	int bound_port;         /* -R with port 0: the port the server picked */
};

/* Parse the value of -L, -R or -D (kind): [BIND:]PORT:HOST:HOSTPORT, IPv6
 * addresses in brackets; -D and -R also [BIND:]PORT (SOCKS).  Hosts as
 * mc_ssh_check_host; Unix sockets are refused.  MC_E_USAGE with the spec in
 * the message. */
int mc_ssh_forward_parse(char kind, const char *spec, struct mc_ssh_forward *f, struct mc_error *err);
void mc_ssh_forward_clear(struct mc_ssh_forward *f);
/* Native client: listen for the -L forwards here, ask the machine to listen
 * for the -R ones (-D and SOCKS -R: MC_E_UNSUPPORTED).  From then on the
 * session's loops (mc_ssh_stream, mc_ssh_forward_run) carry their
 * connections, until mc_ssh_close. */
int mc_ssh_forward_start(struct mc_ssh *s, const struct mc_ssh_forward *f, size_t n,
			 struct mc_error *err);
/* The session's forwards as started (bound_port filled in); borrowed. */
const struct mc_ssh_forward *mc_ssh_forwards(const struct mc_ssh *s, size_t *n);
/* ssh -N: carry the forwards until the connection ends (always -1: the
 * error says why; a signal ends the process). */
int mc_ssh_forward_run(struct mc_ssh *s, struct mc_error *err);

/* --- waiting for a booting machine --- */

/* Called at the start of each phase ("Waiting for SSH on docker@IP:22...")
 * and about every 10 s during it, with how long it has waited and what the
 * last try met: "... (still waiting after 10.0s; last try: cannot reach
 * 192.168.122.5 port 22: Connection refused)". */
typedef void (*mc_ssh_phase_fn)(void *arg, const char *msg);

/* Wait until the machine accepts an SSH login and runs `exit 0`: first the
 * TCP port, then the login (retried: keys may be installed late).  Polls at
 * most every 250 ms.  Pins the host key when nothing is pinned yet; a key
 * that differs from the pin fails at once.  On timeout (MC_E_TIMEOUT) the
 * message names what was awaited, the last error and the console log. */
int mc_ssh_wait(const struct mc_ssh_endpoint *ep, int timeout_ms, mc_ssh_phase_fn fn, void *arg,
		struct mc_error *err);

/* After the external ssh failed (exit 255), or scp, rsync or sshfs:
 * connect natively and explain why (host key changed, login refused,
 * unreachable).  0 when the native connection works (the cause is not one
 * it can see). */
int mc_ssh_diagnose(const struct mc_ssh_endpoint *ep, struct mc_error *err);
/* mc_ssh_diagnose after `ssh` exited 255; opts: the user's -o values (a strv
 * or NULL).  When the native connection works and ssh ran with machinectl's
 * LogLevel=QUIET (quiet), ssh hid a cause the native client cannot see (a
 * lost connection, the user's options), or the 255 was the remote
 * command's: -1 all the same, with a message that says so, names opts and
 * how to find out.  0: nothing to add. */
int mc_ssh_diagnose_255(const struct mc_ssh_endpoint *ep, bool quiet, char *const *opts, struct mc_error *err);

/* TCP connect to host:port within timeout_ms (state probes). */
int mc_ssh_tcp_probe(const char *host, int port, int timeout_ms, struct mc_error *err);

/* --- the external client --- */

/* Whether the system's ssh can be given ep's files: fails (MC_E_INVALID)
 * for a path holding "${", which OpenSSH expands whatever the quoting. */
int mc_ssh_external_check(const struct mc_ssh_endpoint *ep, struct mc_error *err);
/* The OpenSSH options for ep, as "-o" "Key=Value" pairs plus -i/-p/-l,
 * appended to *argv (a strv).  batch: no prompts at all (BatchMode=yes). */
void mc_ssh_external_opts(const struct mc_ssh_endpoint *ep, bool batch, char ***argv);
/* The same options as an ssh_config "Host ALIAS" block (for scp, rsync and
 * sshfs, which take one -F file for several machines; and `ssh-config` for
 * the user's own ssh, batch false: without BatchMode and LogLevel QUIET),
 * every value quoted by ssh_config's rules; *out malloc'd.  Fails
 * (MC_E_INVALID) for an endpoint mc_ssh_endpoint_check() refuses or a path
 * with a control character. */
int mc_ssh_config_block(const struct mc_ssh_endpoint *ep, const char *alias, bool batch, char **out,
			struct mc_error *err);

/* --- copies (scp): local paths and remote paths over SFTP --- */

/* One side of a copy: a local path (s == NULL) or a path on a machine.  A
 * remote path "~" or "" is the login directory, "~/x" is x in it. */
struct mc_ssh_loc {
	struct mc_ssh *s;
	const char *path;
};

/* Called as a file's bytes are copied (done == total at its end). */
typedef void (*mc_ssh_progress_fn)(void *arg, const char *name, long long done, long long total);

/* scp semantics: copy srcs to dst; dst is a directory (each source goes
 * inside it) when it exists as one, and must be one for several sources;
 * directories need recursive.  Machine-to-machine copies stream through this
 * process. */
int mc_ssh_copy(const struct mc_ssh_loc *srcs, size_t nsrc, const struct mc_ssh_loc *dst,
		bool recursive, mc_ssh_progress_fn fn, void *arg, struct mc_error *err);

/* --- mount (src/ssh-mount.c) --- */

/* The mount point when none is given: the last part of the remote path
 * rpath (trailing '/' aside), or machine for "" and "/"; NULL (MC_E_USAGE)
 * for "." and "..", which would be the current directory or its parent. */
char *mc_sshfs_default_mountpoint(const char *rpath, const char *machine, struct mc_error *err);
/* Before mounting on mp: absent, or a directory where nothing is mounted;
 * a stale mount (its sshfs gone), a file or a mount point fail. */
int mc_sshfs_check_mountpoint(const char *mp, struct mc_error *err);
/* sshfs's command line for ep's rpath on mountpoint (a strv). */
char **mc_sshfs_argv(const struct mc_ssh_endpoint *ep, const char *rpath, const char *mountpoint);
/* fusermount -u mountpoint, failures in words (nothing mounted there, no
 * such directory, no fusermount). */
int mc_sshfs_unmount(const char *mountpoint, struct mc_error *err);

/* A copy onto itself caught before any connection: fails (naming SARG and
 * DARG, the arguments) when SPATH copied to DPATH, both on one side, would
 * land on SPATH as written, repeated '/', "./" and a trailing '/' aside.
 * Links and directories not written as one are mc_ssh_copy's to resolve. */
int mc_ssh_copy_check_written(const char *sarg, const char *spath, const char *darg, const char *dpath,
			      bool recursive, struct mc_error *err);

#endif
