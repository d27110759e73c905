/*
 * machinectl driver ABI — the one header a driver needs.
 *
 * A driver is one `const struct mc_driver` filled with designated initializers.
 * Built-in drivers are linked into the program; plugin drivers are shared
 * objects named machinectl-driver-NAME.so that export the symbol
 * `mc_driver_entry` (a `const struct mc_driver *`).
 *
 * Every operation returns 0 on success or -1 with *err filled in through
 * ctx->host->error_set().  A NULL operation means "not supported"; the core
 * says so, drivers never have to.  The driver's private state is the JSON
 * object ctx->config, which the core stores under "Driver" in config.json.
 * Operations on different machines may run concurrently in threads; one
 * machine's operations never run concurrently.
 */
#ifndef MACHINECTL_DRIVER_H
#define MACHINECTL_DRIVER_H

#include <stdarg.h>
#include <stddef.h>
#include <jansson.h>

#define MC_DRIVER_ABI 2

enum mc_error_code {
	MC_E_OK = 0,
	MC_E_FAILED,      /* generic failure */
	MC_E_USAGE,       /* bad command line */
	MC_E_INVALID,     /* bad input data */
	MC_E_NOT_FOUND,
	MC_E_EXISTS,
	MC_E_IO,
	MC_E_UNSUPPORTED,
	MC_E_PRECREATE,   /* pre-create check failed: exit code 3 */
	MC_E_TIMEOUT,
	MC_E_STATE,       /* machine is in the wrong state */
	MC_E_TLS,
	MC_E_NETWORK,
};

/* An error: its code, the machine it is about (set by the core; "" when it
 * is about no one machine) and the message, which does not repeat the name. */
struct mc_error {
	int code;         /* enum mc_error_code; MC_E_OK while unset */
	char machine[64];
	char msg[1024];
};

enum mc_state {
	MC_STATE_NONE = 0,
	MC_STATE_RUNNING,
	MC_STATE_PAUSED,
	MC_STATE_SAVED,
	MC_STATE_STOPPED,
	MC_STATE_STOPPING,
	MC_STATE_STARTING,
	MC_STATE_ERROR,
	MC_STATE_TIMEOUT,
};

enum mc_flag_type {
	MC_FLAG_STRING,
	MC_FLAG_INT,
	MC_FLAG_BOOL,
	MC_FLAG_STRINGS,  /* repeatable */
};

/* What a flag's value is, for the shell completions and the man pages. */
enum mc_value {
	MC_VALUE_ANY = 0,
	MC_VALUE_MACHINE,        /* a machine's name */
	MC_VALUE_DRIVER,         /* a driver's name */
	MC_VALUE_CHOICE,         /* one of the flag's choices */
	MC_VALUE_FILE,
	MC_VALUE_DIR,
	MC_VALUE_REMOTE,         /* [USER@]NAME:PATH or a local path (scp, mount) */
	MC_VALUE_VERB,           /* a verb of the program (help) */
};

/* One create flag: --NAME, environment variable ENV, default DEF (NULL = none). */
struct mc_driver_flag {
	const char *name;
	const char *env;
	const char *def;
	const char *help;
	enum mc_flag_type type;
	enum mc_value value;     /* what the value is */
	const char *choices;     /* MC_VALUE_CHOICE: the values, space-separated */
};

enum mc_log_level { MC_LOG_ERROR, MC_LOG_WARN, MC_LOG_INFO, MC_LOG_DEBUG };

/* Services the core offers to drivers (plugins cannot link against the core). */
struct mc_driver_ctx;

struct mc_host {
	unsigned abi;
	/* Set *err once (a second call keeps the first message); returns -1. */
	int (*error_set)(struct mc_error *err, int code, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	void (*log)(enum mc_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* Report a phase of a long operation ("Waiting for an IP..."); the core
	 * prints it with the machine name and elapsed time. */
	void (*phase)(struct mc_driver_ctx *ctx, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* Write the machine's config.json now, with ctx->config as it is.  create
	 * calls it once it has recorded what remove needs (names, IDs, paths) and
	 * before it makes anything, so that a crash or Ctrl-C from then on leaves
	 * a machine that `rm -f` removes completely. */
	int (*checkpoint)(struct mc_driver_ctx *ctx, struct mc_error *err);
};

struct mc_driver_ctx {
	const struct mc_host *host;
	const char *machine_name;
	const char *machine_dir;   /* <store>/machines/NAME, exists, 0700 */
	const char *store_path;
	json_t *config;            /* driver's private state (object, owned by the core) */
	json_t *flags;             /* resolved create flags, name -> value (precreate/create only) */
	void *core;                /* the core's own (its machine handle); drivers leave it alone */
	/* create only: the core provisions the machine over SSH right after
	 * create (a provisioning driver without --no-provision).  VM drivers pass
	 * it to mc_userdata_tar(): the machine OS then starts dockerd once, with
	 * the configuration provisioning brings, instead of twice. */
	int provision_follows;
};

struct mc_driver {
	unsigned abi;              /* MC_DRIVER_ABI */
	const char *name;
	const char *summary;
	const struct mc_driver_flag *flags;   /* terminated by an entry with name == NULL */
	unsigned has_ssh : 1;                 /* 0: no SSH (the none driver) */
	unsigned provision : 1;               /* create ends with provisioning over SSH:
						 Docker on 2376 with TLS (src/provision.c) */

	int (*precreate)(struct mc_driver_ctx *ctx, struct mc_error *err);
	int (*create)(struct mc_driver_ctx *ctx, struct mc_error *err);
	int (*start)(struct mc_driver_ctx *ctx, struct mc_error *err);
	int (*stop)(struct mc_driver_ctx *ctx, struct mc_error *err);
	int (*kill)(struct mc_driver_ctx *ctx, struct mc_error *err);
	int (*restart)(struct mc_driver_ctx *ctx, struct mc_error *err);  /* NULL: stop + start */
	int (*remove)(struct mc_driver_ctx *ctx, struct mc_error *err);
	int (*state)(struct mc_driver_ctx *ctx, enum mc_state *out, struct mc_error *err);
	/* *ip is malloc'd, freed by the caller */
	int (*ip)(struct mc_driver_ctx *ctx, char **ip, struct mc_error *err);
	/* Docker URL; NULL means tcp://IP:2376. *url malloc'd. */
	int (*url)(struct mc_driver_ctx *ctx, char **url, struct mc_error *err);
	/* SSH endpoint; NULL means IP:22, user "docker". Strings malloc'd. */
	int (*ssh_endpoint)(struct mc_driver_ctx *ctx, char **host, int *port, char **user,
			    struct mc_error *err);
	/* Batch state for ls: out[i] for ctxs[i]; errs[i] per machine.  Returns -1
	 * only when the whole call failed (then each state is fetched alone). */
	int (*states)(struct mc_driver_ctx *const *ctxs, size_t n, enum mc_state *out,
		      struct mc_error *errs, struct mc_error *err);
	/* upgrade: boot the stopped machine from another ISO next time, keeping
	 * its data disk.  ctx->flags holds "iso" (a local absolute path),
	 * "iso-source" and "iso-version", resolved by the core as for create.
	 * Drivers that boot an ISO record it in their config as "ISO",
	 * "ISOSource" and "ISOVersion" (the core reads "ISOVersion" and "ISO"
	 * to print what changed). */
	int (*set_iso)(struct mc_driver_ctx *ctx, struct mc_error *err);
};

/* Plugins export this symbol. */
extern const struct mc_driver *const mc_driver_entry;

/* Helpers for drivers reading their flags and config (static: no linking needed). */
static inline const char *mc_json_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static inline long long mc_json_int(json_t *obj, const char *key, long long def)
{
	json_t *v = json_object_get(obj, key);
	return json_is_integer(v) ? json_integer_value(v) : def;
}

static inline int mc_json_bool(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_true(v);
}

#endif
