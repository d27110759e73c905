/* The verb layer: what src/main.c dispatches to and src/cmd/ implements.
 * Only this layer prints to stdout. */
#ifndef MC_CLI_H
#define MC_CLI_H

#include <stdbool.h>

#include "config.h"
#include "driver.h"
#include "machine.h"
#include "opts.h"
#include "store.h"

struct mc_cli {
	const char *prog;        /* how we were invoked (basename of argv[0]) */
	int argc;                /* the whole command line, for the env hint */
	char **argv;
	struct mc_store store;
	struct mc_args global;   /* global options */
	struct mc_config *config;/* config.ini, loaded before the verb runs */
};

struct mc_verb;
typedef int (*mc_verb_fn)(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a);

enum {
	MC_VERB_DEFAULT_NAME = 1u << 0,  /* no name given: the machine "default" */
	MC_VERB_STOP_AT_POS = 1u << 1,   /* options end at the first positional (ssh) */
	MC_VERB_DRIVER_FLAGS = 1u << 2,  /* accepts the flags of --driver (create) */
	MC_VERB_HIDDEN = 1u << 3,
};

struct mc_verb {
	const char *name;
	mc_verb_fn fn;
	int min_args, max_args;          /* positional arguments; -1: no limit */
	unsigned flags;
	const char *args;                /* usage after the verb: "[OPTIONS] NAME..." */
	const char *summary;
	const struct mc_option *options; /* NULL-name-terminated, or NULL */
};

extern const struct mc_verb mc_verbs[];
/* The global options (src/main.c), for the man page and completions. */
extern const struct mc_option *const mc_global_options;
const struct mc_verb *mc_verb_find(const char *name);

/* Print "Error: MSG" on stderr; returns the exit code for err. */
int mc_cli_fail(const struct mc_error *err);
/* Print a verb's usage and options (help VERB / VERB --help). */
void mc_cli_verb_help(FILE *f, const struct mc_cli *cli, const struct mc_verb *v);

/* --- shared helpers for verbs (src/cmd/common.c) --- */

/* A loaded machine with its driver. */
struct mc_target {
	struct mc_machine *m;
	const struct mc_driver *drv;
	struct mc_driver_ctx ctx;
	int lock_fd;
};

/* Load machine NAME and its driver; lock it when `lock` (mutating verbs). */
int mc_target_open(struct mc_cli *cli, const char *name, bool lock, struct mc_target *t,
		   struct mc_error *err);
void mc_target_close(struct mc_target *t);
/* Save the machine's config.json. */
int mc_target_save(struct mc_target *t, struct mc_error *err);
int mc_target_state(struct mc_target *t, enum mc_state *st, struct mc_error *err);
/* The driver's URL for a machine (its url op, else tcp://IP:2376). */
int mc_driver_url(const struct mc_driver *drv, struct mc_driver_ctx *ctx, char **url,
		  struct mc_error *err);
/* tcp://IP:2376 (or the driver's url); *url malloc'd. */
int mc_target_url(struct mc_target *t, char **url, struct mc_error *err);
int mc_target_ip(struct mc_target *t, char **ip, struct mc_error *err);
/* Error unless create finished (Status created), naming provision and rm -f. */
int mc_target_require_created(struct mc_cli *cli, struct mc_target *t, struct mc_error *err);
/* Error unless the machine is Running: 'Host "N" is not running'. */
int mc_target_require_running(struct mc_target *t, struct mc_error *err);


/* "Error: machine ..." lines are printed for each failed name; returns 0 or 1. */
typedef int (*mc_each_fn)(struct mc_cli *cli, struct mc_args *a, const char *name,
			  struct mc_error *err);
int mc_cli_each_parallel(struct mc_cli *cli, struct mc_args *a, mc_each_fn fn);

/* No positional name given: use the machine "default", or fail with
 * docker-machine's message. */
int mc_cli_default_name(struct mc_cli *cli, struct mc_args *a, struct mc_error *err);

/* Print a phase of a long operation as one line: "[(NAME) ]MSG [ELAPSED]",
 * ELAPSED counted from t0 (mc_now_ms()); safe from several threads. */
void mc_cli_say(const char *name, bool prefix, long long t0, const char *msg);
/* Print a driver phase line: "(NAME) MSG". */
void mc_cli_phase(const char *machine, const char *msg);

/* Wait for SSH and provision machine m (src/cmd/provision.c); phases are
 * printed (prefixed with the name when prefix), with the time since t0. */
int mc_cli_provision(struct mc_cli *cli, const struct mc_driver *drv, struct mc_driver_ctx *ctx,
		     struct mc_machine *m, bool prefix, long long t0, struct mc_error *err);

/* After start/restart: for drivers that provision, wait for SSH (following
 * the IP if it changes) and Docker, regenerating and uploading the server
 * certificate when the IP changed; for the others, the file side only. */
int mc_cli_after_boot(struct mc_cli *cli, struct mc_target *t, struct mc_error *err);

/* Create the machines `names` with the create options in a (create,
 * swarm-up --create); returns the exit code. */
int mc_cli_create(struct mc_cli *cli, struct mc_args *a, char **names);

/* Feedback for boot ISO downloads (create, upgrade): a line, a progress bar. */
struct mc_iso_opts;
extern const struct mc_iso_opts mc_cli_iso_opts;

/* regenerate-certs: upload the machine's new certificates and restart Docker
 * (drivers that provision; a no-op for the others and for --no-provision). */
int mc_cli_push_certs(struct mc_cli *cli, struct mc_target *t, struct mc_error *err);

/* The verbs. */
int mc_cmd_active(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_config(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_create(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_env(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_help(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_inspect(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_ip(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_kill(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_ls(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_mount(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_regenerate_certs(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_provision(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_restart(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_rm(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_scp(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_ssh(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_start(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_status(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_swarm_down(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_swarm_up(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_stop(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_upgrade(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_url(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_version(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_import(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_generate(struct mc_cli *, const struct mc_verb *, struct mc_args *);

extern const struct mc_option mc_opts_swarm_up[], mc_opts_swarm_down[];
extern const struct mc_option mc_opts_create[], mc_opts_env[], mc_opts_inspect[],
	mc_opts_ls[], mc_opts_rm[], mc_opts_active[];
extern const struct mc_option mc_opts_regenerate_certs[], mc_opts_upgrade[];
extern const struct mc_option mc_opts_ssh[], mc_opts_scp[], mc_opts_mount[];
extern const struct mc_option mc_opts_import[], mc_opts_generate[];

/* --- TLS certificates in the verb layer (src/cmd/certs.c) --- */
struct mc_certs_paths;
/* The CA/client paths for machine m (NULL: for a new machine): --tls-* flags,
 * else the paths recorded in its config.json, else STORE/certs/. */
void mc_cli_certs_paths(struct mc_cli *cli, const struct mc_machine *m, struct mc_certs_paths *p);
/* Make the CA and client certificate on first use, printing docker-machine's
 * "Creating CA: PATH" / "Creating client certificate: PATH". */
int mc_cli_certs_prepare(struct mc_cli *cli, const char *key_type, struct mc_error *err);
/* Copy ca.pem, cert.pem, key.pem into the machine's directory (and record a
 * user-supplied CA in its AuthOptions). */
int mc_cli_certs_install(struct mc_cli *cli, struct mc_machine *m, struct mc_error *err);
/* create, after the driver made the machine: its server certificate, when the
 * driver has SSH (the daemon is ours to configure) and reports an IP. */
int mc_cli_certs_new_machine(struct mc_cli *cli, const struct mc_driver *drv,
			     struct mc_driver_ctx *ctx, struct mc_machine *m, struct mc_error *err);
/* (Re)make the machine's server certificate for ip. */
int mc_cli_certs_server(struct mc_cli *cli, const struct mc_machine *m, const char *ip,
			struct mc_error *err);
/* env/config: the offline certificate check for the machine at url (warnings on stderr). */
int mc_cli_certs_check(struct mc_cli *cli, struct mc_target *t, const char *url,
		       struct mc_error *err);
/* start/restart: new server certificate when the machine's IP changed. */
int mc_cli_certs_after_start(struct mc_cli *cli, struct mc_target *t, struct mc_error *err);

#endif
