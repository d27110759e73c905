/* The verb layer: what src/main.c dispatches to and src/cmd/ implements.
 * Verbs parse their options, call the operations layer (src/ops/) and print;
 * only this layer writes to stdout. */
#ifndef MC_CLI_H
#define MC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ops.h"
#include "opts.h"

struct mc_cli {
	const char *prog;        /* how we were invoked (basename of argv[0]) */
	int argc;                /* the whole command line, for the env hint */
	char **argv;
	struct mc_session s;     /* store, config.ini, TLS/SSH choices, the ui */
	struct mc_args global;   /* global options */
	/* Work is still running in threads that use the session (ls past its
	 * deadline): main ends the process with _exit once output is flushed. */
	bool detached;
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
	enum mc_value pos;               /* what the positional arguments are */
};

extern const struct mc_verb mc_verbs[];
/* The global options (src/main.c), for the man page and completions. */
enum {
	O_GLOBAL_STORAGE_PATH, O_GLOBAL_DEBUG, O_GLOBAL_NATIVE_SSH, O_GLOBAL_TLS_CA_CERT,
	O_GLOBAL_TLS_CA_KEY, O_GLOBAL_TLS_CLIENT_CERT, O_GLOBAL_TLS_CLIENT_KEY, O_GLOBAL_VERSION,
	O_GLOBAL_HELP, O_GLOBAL_N
};
extern const struct mc_option mc_opts_global[];
const struct mc_verb *mc_verb_find(const char *name);

/* "PROG version V, build B" (B: git describe of the build, else V). */
void mc_cli_print_version(const struct mc_cli *cli);
/* Print "Error: TEXT" on stderr (mc_error_text); returns the exit code for err. */
int mc_cli_fail(const struct mc_error *err);
/* One line on stderr, formatted, with the control characters of what it
 * quotes escaped (mc_term_safe, MC_SAFE_LINE): a value can neither forge a
 * line nor drive the terminal.  Every message to stderr goes through it,
 * mc_cli_fail or the ui's warn. */
__attribute__((format(printf, 1, 2))) void mc_cli_eprintf(const char *fmt, ...);
/* Print a verb's usage and options (help VERB / VERB --help). */
void mc_cli_verb_help(FILE *f, const struct mc_cli *cli, const struct mc_verb *v);

/* --- shared helpers for verbs (src/cmd/common.c) --- */

/* How operations report progress: lines on stdout, warnings on stderr. */
extern const struct mc_ui mc_cli_ui;

/* Run fn for every positional name in parallel, once per name (repeats are
 * dropped); each failure is printed ("Error: ...") in argument order.
 * Returns the exit code. */
typedef int (*mc_each_fn)(struct mc_cli *cli, struct mc_args *a, const char *name,
			  struct mc_error *err);
int mc_cli_each_parallel(struct mc_cli *cli, struct mc_args *a, mc_each_fn fn);
/* Drop a name given again ("stop m1 m1" stops m1 once, and succeeds). */
void mc_cli_drop_repeats(struct mc_args *a);

/* No positional name given: use the machine "default", or fail with
 * docker-machine's message. */
int mc_cli_default_name(struct mc_cli *cli, struct mc_args *a, struct mc_error *err);

/* The --timeout row of ls and active: seconds, 1 to a day (the parser
 * holds the value to the range, which help shows). */
#define MC_CLI_OPT_TIMEOUT                                                              \
	{ "timeout", 't', MC_OPT_INT, NULL, "10", "SECONDS",                              \
	  "give up on machines that have not answered after this long", .min = 1, .max = 86400 }

/* Create the machines `names` with create's options in a (create,
 * swarm-up --create); returns the exit code. */
int mc_cli_create(struct mc_cli *cli, struct mc_args *a, char **names);

/* Each verb's options, indexed by its enum (typed lookups: mc_args_str(a,
 * &mc_opts_ls[O_LS_FORMAT])). */
enum { O_CREATE_AUTOSTART, O_CREATE_DRIVER, O_CREATE_ENGINE_ENV, O_CREATE_ENGINE_INSECURE_REGISTRY,
       O_CREATE_ENGINE_INSTALL_URL,
       O_CREATE_ENGINE_LABEL, O_CREATE_ENGINE_OPT, O_CREATE_ENGINE_REGISTRY_MIRROR,
       O_CREATE_ENGINE_STORAGE_DRIVER, O_CREATE_NO_PROVISION, O_CREATE_NO_SHARE, O_CREATE_SHARE,
       O_CREATE_SSH_KEY_TYPE, O_CREATE_TLS_KEY_TYPE, O_CREATE_TLS_SAN, O_CREATE_N };
enum { O_CONTEXT_USE, O_CONTEXT_N };
enum { O_ENV_SHELL, O_ENV_UNSET, O_ENV_NO_PROXY, O_ENV_SWARM, O_ENV_N };
enum { O_INSPECT_FORMAT, O_INSPECT_N };
enum { O_STATUS_FORMAT, O_STATUS_N };
enum { O_ACTIVE_TIMEOUT, O_ACTIVE_N };
enum { O_LS_FILTER, O_LS_FORMAT, O_LS_QUIET, O_LS_TIMEOUT, O_LS_N };
enum { O_RM_FORCE, O_RM_YES, O_RM_N };
enum { O_REGEN_CLIENT_CERTS, O_REGEN_FORCE, O_REGEN_N };
enum { O_UPGRADE_ISO, O_UPGRADE_ISO_SHA256, O_UPGRADE_N };
enum { O_SSH_DYNAMIC_FORWARD, O_SSH_LOCAL_FORWARD, O_SSH_NO_COMMAND, O_SSH_NO_TTY, O_SSH_OPTION,
       O_SSH_REMOTE_FORWARD, O_SSH_REPIN, O_SSH_TTY, O_SSH_N };
enum { O_SCP_DELTA, O_SCP_QUIET, O_SCP_RECURSIVE, O_SCP_N };
enum { O_MOUNT_UNMOUNT, O_MOUNT_N };
enum { O_SWARM_UP_ADVERTISE_ADDR, O_SWARM_UP_CREATE, O_SWARM_UP_FORCE, O_SWARM_UP_MANAGER,
       O_SWARM_UP_WORKER, O_SWARM_UP_N };
enum { O_SWARM_DOWN_FORCE, O_SWARM_DOWN_N };
enum { O_IMPORT_FROM, O_IMPORT_N };
enum { O_SET_AUTOSTART, O_SET_CPUS, O_SET_DISK_SIZE, O_SET_MEMORY, O_SET_N };
enum { O_PROVISION_ENGINE_ENV, O_PROVISION_ENGINE_INSECURE_REGISTRY, O_PROVISION_ENGINE_LABEL,
       O_PROVISION_ENGINE_OPT, O_PROVISION_ENGINE_REGISTRY_MIRROR, O_PROVISION_N };
enum { O_GENERATE_PROG, O_GENERATE_TEMPLATES, O_GENERATE_N };
enum { O_OS_FORCE, O_OS_N };

extern const struct mc_option mc_opts_context[], mc_opts_create[], mc_opts_env[], mc_opts_inspect[], mc_opts_status[],
	mc_opts_active[], mc_opts_ls[], mc_opts_rm[], mc_opts_regenerate_certs[],
	mc_opts_upgrade[], mc_opts_ssh[], mc_opts_scp[], mc_opts_mount[], mc_opts_swarm_up[],
	mc_opts_swarm_down[], mc_opts_import[], mc_opts_generate[], mc_opts_set[],
	mc_opts_provision[], mc_opts_os[];

/* A table indexed by an enum has exactly N entries and its terminator. */
#define MC_OPTS_CHECK(table, n) \
	_Static_assert(sizeof(table) / sizeof((table)[0]) == (n) + 1, #table " does not match its enum")

/* The verbs. */
int mc_cmd_active(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_config(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_create(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_context(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_env(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_help(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_inspect(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_ip(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_kill(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_ls(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_os(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_mount(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_regenerate_certs(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_provision(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_restart(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_rm(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_scp(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_set(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_ssh(struct mc_cli *, const struct mc_verb *, struct mc_args *);
int mc_cmd_ssh_config(struct mc_cli *, const struct mc_verb *, struct mc_args *);
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

#endif
