/*
 * The machine-operations layer: every workflow on machines (create, boot and
 * provisioning, certificates, start/stop/rm, upgrade, the listing, swarm) and
 * the only code that calls a driver's operations (src/ops/handle.c).
 *
 * The verb layer (src/cmd/) parses arguments, calls these functions and
 * prints.  Nothing here prints: progress goes through the session's
 * struct mc_ui, results come back in structs, errors in struct mc_error with
 * the machine's name in err->machine (mc_error_text renders both).
 */
#ifndef MC_OPS_H
#define MC_OPS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "driver.h"
#include "machine.h"
#include "store.h"
#include "swarm.h"

struct mc_ssh_endpoint;

/* The driver a create uses when nothing names one. */
#define MC_DEFAULT_DRIVER "libvirt"

/* How operations talk to the user (the CLI fills this in; every member may be NULL). */
struct mc_ui {
	/* A phase of a long operation, with the time since it began; named:
	 * the line names the machine ("(NAME) MSG"). */
	void (*phase)(void *arg, const char *machine, bool named, long long elapsed_ms,
		      const char *msg);
	/* A driver's own phase line ("(NAME) MSG", no time). */
	void (*driver_phase)(void *arg, const char *machine, const char *msg);
	/* A line of output (stdout in the CLI): "Machine "x" was started." */
	void (*info)(void *arg, const char *msg);
	/* A warning (stderr in the CLI), without the "Warning: " prefix. */
	void (*warn)(void *arg, const char *msg);
	/* Download progress: bytes done of total (total <= 0: unknown); done ==
	 * total ends it. */
	void (*progress)(void *arg, const char *label, long long done, long long total);
	/* A wait for another process (stderr in the CLI, redrawn on a
	 * terminal): what it waits for and the time waited so far, first at
	 * its first call; msg NULL when the wait is over. */
	void (*wait)(void *arg, const char *msg, long long elapsed_ms, bool first);
	void *arg;
};

/* What every operation needs: the store, config.ini, the global TLS and SSH
 * choices, and where progress goes.  One per process (the CLI's). */
struct mc_session {
	struct mc_store store;
	struct mc_config *config;
	const char *prog;            /* program name, for the hints in messages */
	/* --tls-ca-cert, --tls-ca-key, --tls-client-cert, --tls-client-key (NULL: not given) */
	const char *tls_ca_cert, *tls_ca_key, *tls_client_cert, *tls_client_key;
	bool native_ssh;             /* --native-ssh */
	const struct mc_ui *ui;
};

void mc_ui_phase(const struct mc_session *s, const char *machine, bool named, long long t0,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void mc_ui_info(const struct mc_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mc_ui_warn(const struct mc_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------ */
/* Machine handles and driver operations (src/ops/handle.c)            */

/* An open machine: its record (config.json), its driver and the driver's
 * context, and its lock when it was opened to change it. */
struct mc_handle {
	struct mc_session *s;
	struct mc_machine *m;
	const struct mc_driver *drv;
	struct mc_driver_ctx ctx;
	int lock_fd;                 /* -1: not locked (read-only use) */
	bool boot_keys;              /* create: the data disk carries the provisioning
					files with SSH host keys pinned already */
	struct mc_boot_watch *watch; /* its console followed while it boots */
};

enum {
	MC_OPEN_LOCK = 1u << 0,      /* take the machine's lock (verbs that change it) */
};

/* Load machine NAME and its driver.  MC_E_NOT_FOUND: 'Docker machine "NAME"
 * does not exist'. */
int mc_handle_open(struct mc_session *s, const char *name, unsigned flags, struct mc_handle *h,
		   struct mc_error *err);
/* A handle for a machine being created (m is taken; lock_fd is its lock). */
void mc_handle_new(struct mc_session *s, struct mc_machine *m, const struct mc_driver *drv,
		   json_t *flags, int lock_fd, struct mc_handle *h);
void mc_handle_close(struct mc_handle *h);    /* NULL-safe, idempotent */
int mc_handle_save(struct mc_handle *h, struct mc_error *err);
/* Its create is still running in another process (Status creating, the
 * lock held): ls and status say Creating. */
bool mc_handle_being_created(const struct mc_handle *h);
/* Why a machine whose create did not finish is not usable, and what to do:
 * provision NAME (its VM exists) or rm -f NAME.  Allocated. */
char *mc_handle_unfinished(const struct mc_handle *h);
/* Error unless create finished (Status created), with mc_handle_unfinished's
 * advice; a create still running is MC_E_STATE "is being created". */
int mc_handle_require_created(struct mc_handle *h, struct mc_error *err);
/* Error unless the machine is Running: 'Host "NAME" is not running'. */
int mc_handle_require_running(struct mc_handle *h, struct mc_error *err);
/* The same for its VM alone, whatever create's outcome: a machine whose
 * provisioning failed (Status error) keeps a VM that ssh, scp and provision
 * reach. */
int mc_handle_require_vm_running(struct mc_handle *h, struct mc_error *err);

/* The driver operations.  A missing one fails with MC_E_UNSUPPORTED, "the D
 * driver cannot ...", except where a default exists: precreate and remove
 * (nothing to do), restart (stop + start), url (tcp://IP:2376), ssh_endpoint
 * (IP:22, user docker).  A locked handle's config.json is saved after each
 * call that changed the driver's state.  Errors carry the machine's name. */
enum mc_op {
	MC_OP_PRECREATE, MC_OP_CREATE, MC_OP_START, MC_OP_STOP, MC_OP_KILL, MC_OP_RESTART,
	MC_OP_REMOVE, MC_OP_STATE, MC_OP_IP, MC_OP_SET_ISO, MC_OP_STATES, MC_OP_SET,
};
bool mc_op_supported(const struct mc_handle *h, enum mc_op op);
bool mc_driver_supports(const struct mc_driver *drv, enum mc_op op);
int mc_op_run(struct mc_handle *h, enum mc_op op, struct mc_error *err);  /* the void ops */
/* create: the flags against what they declare, then the driver's check of
 * them, before anything is made (no machine yet: errors carry no name).
 * The core's errors name a flag as ORIGINS says it was set (NULL: as
 * --NAME); when the driver's check refuses one flag, its message names it
 * as --NAME and *bad_flag (unless bad_flag is NULL) is that flag's name,
 * else NULL. */
int mc_driver_check_flags(const struct mc_driver *drv, json_t *flags, json_t *origins,
			  const char **bad_flag, struct mc_error *err);
/* Whether v lies outside the range an int flag declares (false when it
 * declares none). */
bool mc_driver_flag_out_of_range(const struct mc_driver_flag *f, long long v);
/* The machine's state; a machine whose create did not finish is Error. */
int mc_op_state(struct mc_handle *h, enum mc_state *st, struct mc_error *err);
/* The driver's set with changes (an object: cpus, memory, disk-size,
 * autostart); on failure the driver's config is restored as it was, so
 * config.json changes only after the driver succeeded. */
int mc_op_set(struct mc_handle *h, json_t *changes, struct mc_error *err);
/* The driver's answer, even for a machine whose create did not finish. */
int mc_op_vm_state(struct mc_handle *h, enum mc_state *st, struct mc_error *err);
int mc_op_ip(struct mc_handle *h, char **ip, struct mc_error *err);
int mc_op_url(struct mc_handle *h, char **url, struct mc_error *err);
/* Where SSH reaches the machine; MC_E_UNSUPPORTED for drivers without SSH. */
int mc_op_ssh_endpoint(struct mc_handle *h, struct mc_ssh_endpoint *ep, struct mc_error *err);
/* One batched state call for handles of the same driver: out[i], errs[i].
 * -1 when the driver has none or the whole call failed. */
int mc_op_states(struct mc_handle *const *hs, size_t n, enum mc_state *out, struct mc_error *errs);

/* The Docker daemon's version on the running machine (`version NAME`). */
int mc_ops_engine_version(struct mc_handle *h, char **version, struct mc_error *err);

/* The services table handed to drivers, and the driver context for m. */
const struct mc_host *mc_host_api(void);

/* ------------------------------------------------------------------ */
/* Workflows                                                           */

/* create (src/ops/create.c).  The CLI fills this from create's options. */
struct mc_create_opts {
	const struct mc_driver *drv;
	json_t *flags;               /* the driver's flags, resolved (mc_ops_driver_flags) */
	json_t *flag_origins;        /* NULL, or name -> where a value not given as --NAME
	                              * was set ("$LIBVIRT_MEMORY"), for errors */
	char **engine_env, **engine_insecure_registry, **engine_label, **engine_opt,
		**engine_registry_mirror, **tls_san;
	const char *engine_storage_driver;
	const char *engine_install_url;  /* NULL: Debian's docker.io; "": never install */
	const char *ssh_key_type;    /* ed25519 | rsa */
	const char *tls_key_type;    /* ecdsa-p256 | rsa-2048 | rsa-4096 */
	bool no_provision;
	char **share;                /* --share HOST[:GUEST] (src/shares.h) */
	bool no_share;
	bool autostart;              /* --autostart: the driver's set, right after its create */
};
struct mc_args;
/* The driver's create flags: flag > environment variable > config.ini >
 * default, as a JSON object (name -> value); and in ORIGINS, where each
 * value the command line did not give was set (struct mc_create_opts). */
int mc_ops_driver_flags(struct mc_session *s, const struct mc_driver *drv,
			const struct mc_args *a, json_t *out, json_t *origins, struct mc_error *err);
/* Everything about names[] and o (but o->drv) that can be checked before
 * anything touches the file system. */
int mc_ops_create_check(const struct mc_create_opts *o, char **names, struct mc_error *err);
/* Check the create options and prepare what all the machines share (the boot
 * ISO, the CA); then create names[] in parallel.  errs[i] for names[i];
 * returns -1 when the shared part failed (err), else 0. */
int mc_ops_create(struct mc_session *s, const struct mc_create_opts *o, char **names,
		  struct mc_error *errs, struct mc_error *err);

/* Boot and provisioning (src/ops/boot.c). */
/* Show the machine OS's console markers as phases ("Machine OS: sshd up"),
 * named when named, timed from t0, from now until provisioning or the wait
 * after a boot ends (or the handle is closed): before the driver boots it. */
void mc_ops_boot_watch(struct mc_handle *h, bool named, long long t0);
void mc_ops_boot_watch_end(struct mc_handle *h);  /* idempotent */
/* Wait for SSH and provision the machine (create, provision): phases named
 * when named, timed from t0. */
int mc_ops_provision(struct mc_handle *h, bool named, long long t0, struct mc_error *err);
/* The provision verb: provision again a running machine, then mark it created.
 * engine (NULL: keep the recorded options): the Docker daemon options that
 * replace the recorded ones, checked as provisioning checks them before
 * anything changes, and recorded once provisioning applied them. */
struct mc_engine_change {
	/* NULL: keep that list; a list whose only item is "" empties it */
	char **env, **insecure_registry, **label, **opt, **registry_mirror;
};
int mc_ops_reprovision(struct mc_session *s, const char *name, bool named,
		       const struct mc_engine_change *engine, struct mc_error *err);
/* After start/restart: wait until the guest and Docker are up, following a
 * changed IP (new server certificate); phases timed from t0. */
int mc_ops_after_boot(struct mc_handle *h, long long t0, struct mc_error *err);
/* Upload the machine's certificates and restart Docker (regenerate-certs). */
int mc_ops_push_certs(struct mc_handle *h, struct mc_error *err);

/* start, stop, restart, kill, rm, upgrade (src/ops/lifecycle.c). */
enum mc_action { MC_ACTION_START, MC_ACTION_STOP, MC_ACTION_RESTART, MC_ACTION_KILL };
int mc_ops_action(struct mc_session *s, const char *name, enum mc_action act,
		  struct mc_error *err);
/* rm: force removes the local files even when the driver cannot remove the
 * VM or the machine cannot be loaded. */
int mc_ops_rm(struct mc_session *s, const char *name, bool force, struct mc_error *err);
/* Docker contexts (src/ops/context.c, doc/docker-context.md).  The context
 * name machinectl gives a machine: its name, or "machinectl-NAME" where
 * docker refuses that ("default", one character). */
char *mc_ops_context_name(const char *machine);
/* Create (or update, *updated) the machine's docker context through the
 * docker CLI, with its URL and TLS files; use: make it docker's current
 * context.  *ctx: its name (malloc'd).  A context of that name that
 * machinectl did not make is left alone (MC_E_EXISTS). */
int mc_ops_context(struct mc_session *s, const char *name, bool use, char **ctx, bool *updated,
		   struct mc_error *err);
/* The context machinectl made for the machine in machine_dir, or NULL. */
char *mc_ops_context_of(const char *machine_dir);
/* rm: remove that context, if it is still machinectl's; a failure is a
 * warning (-1), never a reason to keep the machine. */
int mc_ops_context_remove(struct mc_session *s, const char *name, const char *machine_dir);
/* The docker CLI's current context when it is not docker's default and
 * $DOCKER_HOST does not override it ($DOCKER_CONTEXT, else config.json's
 * currentContext), or NULL. */
char *mc_ops_context_current(void);
/* upgrade: boot the machine from iso (a path or URL; NULL: the default). */
int mc_ops_upgrade(struct mc_session *s, const char *name, const char *iso, const char *sha256,
		   struct mc_error *err);
/* set: CPUs, memory, data disk size and autostart (-1 / NULL: unchanged;
 * autostart: -1 unchanged, 0 off, 1 on).  Checked before the driver runs;
 * *what: a sentence of what changed and what takes effect when (malloc'd). */
#define MC_SET_KEEP LLONG_MIN  /* a value set leaves as it is */
struct mc_set_opts {
	long long cpus, memory_mb, disk_mb;  /* or MC_SET_KEEP */
	int autostart;                       /* 0, 1, or -1: keep */
};
/* Something to change, before any machine is opened (a usage error).  The
 * values' ranges: set's option table (the parser) and, in mc_ops_set, the
 * driver's create flags (a declared range, or the driver's own set). */
int mc_ops_set_check(const struct mc_set_opts *o, struct mc_error *err);
/* Change machine name; *what: the sentence saying what changed, and what it
 * already had (a value the driver's record holds is no change). */
int mc_ops_set(struct mc_session *s, const char *name, const struct mc_set_opts *o, char **what,
	       struct mc_error *err);

/* Certificates (src/ops/certs.c). */
struct mc_certs_paths;
/* The CA and client certificate machine m uses (NULL: a new machine); a
 * wait for their lock is shown through s's ui. */
void mc_ops_certs_paths(struct mc_session *s, const struct mc_machine *m,
			struct mc_certs_paths *p);
/* The store's CA and client certificate, made on first use. */
int mc_ops_certs_prepare(struct mc_session *s, const char *key_type, struct mc_error *err);
/* Copy ca.pem, cert.pem, key.pem into the machine's directory: from the
 * CA and client certificate m records (--tls-* at create), else the store's. */
int mc_ops_certs_install(struct mc_session *s, struct mc_machine *m, struct mc_error *err);
/* (Re)make the machine's server certificate for ip. */
int mc_ops_certs_server(struct mc_session *s, const struct mc_machine *m, const char *ip,
			struct mc_error *err);
/* env/config: the offline check of the machine's certificates against url. */
int mc_ops_certs_check(struct mc_handle *h, const char *url, struct mc_error *err);
/* regenerate-certs NAME: new client copies and server certificate, pushed. */
int mc_ops_regenerate(struct mc_session *s, const char *name, struct mc_error *err);
/* regenerate-certs --client-certs: a new CA and client certificate. */
int mc_ops_renew_ca(struct mc_session *s, struct mc_error *err);

/* inspect (src/ops/inspect.c): the machine as docker-machine's inspect shows
 * a host (ConfigVersion 3: Driver with IPAddress, MachineName, SSHUser,
 * SSHPort, SSHKeyPath, StorePath...; HostOptions with EngineOptions,
 * SwarmOptions, AuthOptions paths), computed from our record, whose own
 * fields follow.  New reference; config.json is not changed. */
json_t *mc_ops_inspect(struct mc_handle *h);

/* import-docker-machine (src/ops/import.c): the docker-machine store `from`
 * is only read.  The machine names there (natural order). */
int mc_ops_import_list(const char *from, char ***names, struct mc_error *err);
struct mc_import_result {
	char *dm_driver;             /* its docker-machine driver */
	const char *our_driver;      /* what it became here (static) */
	char **notes;                /* what did not map, for the user */
};
/* Import one machine; res is filled (free it) whatever the result. */
int mc_ops_import(struct mc_session *s, const char *from, const char *name,
		  struct mc_import_result *res, struct mc_error *err);
void mc_import_result_free(struct mc_import_result *res);

/* swarm-up and swarm-down (src/ops/swarm.c): load and check each machine
 * (names distinct), holding its lock until mc_ops_swarm_free, then bring
 * them into one swarm or out of it (plan->down).  run->nodes[i] holds what
 * happened to names[i]; free with mc_ops_swarm_free whatever the result. */
struct mc_swarm_plan {
	bool down;                   /* swarm-down (the rest is swarm-up's) */
	char **managers, **workers;  /* --manager, --worker names (NULL: none) */
	char **advertise;            /* NAME=IP */
	bool force;
};
struct mc_swarm_run {
	struct mc_swarm_node *nodes;
	size_t n;
	void *priv;
};
int mc_ops_swarm(struct mc_session *s, char **names, const struct mc_swarm_plan *plan,
		 struct mc_swarm_run *run, struct mc_error *err);
void mc_ops_swarm_free(struct mc_swarm_run *run);

/* os build (src/ops/os.c): build the machine OS ISO from Debian packages
 * with the installed builder ($MACHINECTL_OS_BUILDER, else
 * PKGDATADIR/os/scripts/build-iso; through sudo when not root; --force:
 * rebuild a cached build), its messages as phases, and put it into the
 * store's ISO cache; *path: the cached ISO (malloc'd). */
int mc_ops_os_build(struct mc_session *s, bool force, char **path, struct mc_error *err);

#endif
