/*
 * machinectl driver ABI — the one header a driver needs, installed as
 * <machinectl/driver.h>.  doc/drivers.md shows a complete VM driver.
 *
 * A driver is one `const struct mc_driver` filled with designated
 * initializers.  Built-in drivers are linked into the program; plugin drivers
 * are shared objects named machinectl-driver-NAME.so that export the symbol
 * `mc_driver_entry` (a `const struct mc_driver *`) and link nothing of
 * machinectl: what they need from it, they ask of ctx->host (struct mc_host:
 * errors, logs, phases, running programs, the boot2docker data disk, SSH to
 * the machine), and the small helpers below are header-only.
 *
 * Every operation returns 0 on success or -1 with *err filled in through
 * ctx->host->error_set().  A NULL operation means "not supported"; the core
 * says so, drivers never have to, and the core adds the machine's name to
 * every error.  The driver's private state is the JSON object ctx->config,
 * which the core stores under "Driver" in config.json (and saves after each
 * operation that changed it).  Operations on different machines may run
 * concurrently in threads; one machine's operations never run concurrently.
 */
#ifndef MACHINECTL_DRIVER_H
#define MACHINECTL_DRIVER_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#define MC_DRIVER_ABI 6

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

/* One create flag: --NAME, environment variable ENV, default DEF (NULL = none).
 * What a flag declares it takes, the core enforces before check_flags runs
 * (a range: the option parser, for the command line, ENV and config.ini
 * alike, as a usage error), and the help, the man page and the completions
 * show it. */
struct mc_driver_flag {
	const char *name;
	const char *env;
	const char *def;
	const char *help;
	enum mc_flag_type type;
	enum mc_value value;     /* what the value is */
	const char *choices;     /* MC_VALUE_CHOICE: the values, space-separated; no other is taken */
	long long min, max;      /* MC_FLAG_INT with min < max: the values taken, both included */
};

enum mc_log_level { MC_LOG_ERROR, MC_LOG_WARN, MC_LOG_INFO, MC_LOG_DEBUG };

/* A program the core runs for a driver (host->run): argv, never a shell. */
struct mc_run_opts {
	const char *in;          /* bytes fed to stdin (NULL: /dev/null) */
	size_t in_len;
	int in_fd;               /* > 0: the child's stdin is this descriptor instead (a file
				    read in place, e.g. a sparse disk image); in is ignored */
	int timeout_ms;          /* 0: none; on expiry the process group is killed */
	const char *const *env;  /* extra "K=V" entries added to the environment, or NULL */
	const char *cwd;
};

struct mc_run_result {
	int status;      /* exit code; 128+N when killed by signal N; -1 timed out */
	char *out;       /* captured stdout, NUL-terminated (malloc'd) */
	size_t out_len;
	char *err;       /* captured stderr, NUL-terminated (malloc'd) */
	size_t err_len;
	long long ms;    /* wall time */
};

/* A command the core runs on the machine over SSH (host->ssh_run). */
struct mc_ssh_opts {
	const void *in;          /* bytes fed to the command's stdin (NULL: none) */
	size_t in_len;
	int timeout_ms;          /* 0: none */
	int connect_timeout_ms;  /* 0: 10 s */
};

struct mc_driver_ctx;
struct mc_child;

/* Services the core offers to drivers (plugins cannot link against the core). */
struct mc_host {
	unsigned abi;
	/* Set *err once (a second call keeps the first message); returns -1. */
	int (*error_set)(struct mc_error *err, int code, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	/* Put context in front of an error already set ("step x failed: " + msg). */
	void (*error_prefix)(struct mc_error *err, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	void (*log)(enum mc_log_level level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* Report a phase of a long operation ("Waiting for an IP..."); the core
	 * prints it with the machine's name. */
	void (*phase)(struct mc_driver_ctx *ctx, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
	/* Write the machine's config.json now, with ctx->config as it is.  create
	 * calls it once it has recorded what remove needs (names, IDs, paths) and
	 * before it makes anything, so that a crash or Ctrl-C from then on leaves
	 * a machine that `rm -f` removes completely. */
	int (*checkpoint)(struct mc_driver_ctx *ctx, struct mc_error *err);

	/* --- programs --- */
	/* Run argv[0] (searched in PATH) and capture its output.  0 when it ran,
	 * whatever its exit status (res->status); -1 when it could not be started
	 * or timed out.  --debug logs the argv, status and duration.  Free res
	 * with mc_run_result_free(). */
	int (*run)(const char *const *argv, const struct mc_run_opts *opts,
		   struct mc_run_result *res, struct mc_error *err);
	/* Search PATH for a program: its path (malloc'd) or NULL. */
	char *(*which)(const char *name);
	/* An argv as a user would type it, shell-quoted where needed (malloc'd). */
	char *(*argv_str)(const char *const *argv);
	/* A long-lived child spoken to in lines over its stdin and stdout, with a
	 * deadline on each exchange (the Hyper-V shim).  Not thread-safe. */
	int (*child_spawn)(const char *const *argv, struct mc_child **out, struct mc_error *err);
	int (*child_write)(struct mc_child *c, const char *buf, size_t len, int timeout_ms,
			   struct mc_error *err);
	/* The next line of its stdout (*line malloc'd); MC_E_TIMEOUT, or MC_E_IO
	 * when it exited. */
	int (*child_read_line)(struct mc_child *c, int timeout_ms, char **line,
			       struct mc_error *err);
	/* The last few KB of its stderr ("" when none). */
	const char *(*child_stderr)(struct mc_child *c);
	/* Close its stdin, wait grace_ms, kill it; its exit status.  NULL is fine. */
	int (*child_close)(struct mc_child *c, int grace_ms);

	/* --- the machine --- */
	/* The boot2docker data disk's tar for this machine (its SSH public key;
	 * with ctx->provision_follows, the marker that makes the machine OS wait
	 * for provisioning): *data malloc'd, *len a multiple of 512.  A driver
	 * that knows the machine's address before it boots records it as
	 * ctx->config "IPAddress" before it calls this: for the machine OS, the
	 * tar then also holds the provisioning files with a server certificate
	 * for that address, and dockerd starts once, with TLS, at the first
	 * boot (provisioning only checks). */
	int (*userdata_tar)(struct mc_driver_ctx *ctx, char **data, size_t *len, struct mc_error *err);
	/* The same tar at the start of a new sparse raw disk image of size_mb
	 * MiB at path (which must not exist; nothing is left on failure). */
	int (*userdata_disk)(struct mc_driver_ctx *ctx, const char *path, long long size_mb,
			     struct mc_error *err);
	/* The machine's SSH public key, one authorized_keys line (malloc'd). */
	int (*ssh_pubkey)(struct mc_driver_ctx *ctx, char **line, struct mc_error *err);
	/* Replace the machine's SSH key pair by a copy of the private key at path. */
	int (*ssh_key_import)(struct mc_driver_ctx *ctx, const char *path, struct mc_error *err);
	/* Run cmd through the login shell of the machine (where the driver's
	 * ssh_endpoint says; the host key is pinned).  0 when it ran, whatever its
	 * exit status; a connection lost while it ran is status 255, as OpenSSH's
	 * ssh says, with the reason in res->err.  opts may be NULL.  Free res with
	 * mc_run_result_free(). */
	int (*ssh_run)(struct mc_driver_ctx *ctx, const char *cmd, const struct mc_ssh_opts *opts,
		       struct mc_run_result *res, struct mc_error *err);
	/* Wait until the machine accepts an SSH login, reporting phases; log names
	 * where a user sees how far it booted (NULL: machines/NAME/console.log). */
	int (*ssh_wait)(struct mc_driver_ctx *ctx, int timeout_ms, const char *log,
			struct mc_error *err);
	/* Whether host:port accepts a TCP connection within timeout_ms. */
	bool (*tcp_probe)(const char *host, int port, int timeout_ms);
	/* What may reach ssh and its config files (doc/ssh.md, "Endpoints"): a
	 * host name or IP address, a user name (a port is a flag's declared
	 * range).  -1 and *err saying what is wrong otherwise. */
	int (*check_ssh_host)(const char *host, struct mc_error *err);
	int (*check_ssh_user)(const char *user, struct mc_error *err);

	/* --- files and the OS --- */
	/* A whole file, NUL-terminated (*out malloc'd; len may be NULL): a
	 * regular file or a pipe of at most 64 MiB, else an error. */
	int (*read_file)(const char *path, char **out, size_t *len, struct mc_error *err);
	/* Windows Subsystem for Linux: 1 or 2 (0: not WSL); the path a Windows
	 * program must be given for ours (elsewhere the path itself), and back. */
	int (*wsl_version)(void);
	int (*windows_path)(const char *path, char **out, struct mc_error *err);
	int (*linux_path)(const char *winpath, char **out, struct mc_error *err);

	/* --- the boot ISO --- */
	/* What the boot ISO of ctx->flags ("iso", "iso-sha256"; create and
	 * upgrade) boots, for a hypervisor that can start a kernel directly:
	 * the kernel, the initrd (files kept in the store's cache, shared by
	 * every machine of that ISO) and the kernel command line, malloc'd.
	 * All NULL, and 0, when the ISO boots only from the CD (boot2docker). */
	int (*iso_boot_files)(struct mc_driver_ctx *ctx, char **kernel, char **initrd, char **cmdline,
			      struct mc_error *err);
};

struct mc_driver_ctx {
	const struct mc_host *host;
	const char *machine_name;
	const char *machine_dir;   /* <store>/machines/NAME, exists, 0700 */
	const char *store_path;
	json_t *config;            /* driver's private state (object, owned by the core) */
	json_t *flags;             /* resolved create flags, name -> value (check_flags/precreate/create only) */
	void *core;                /* the core's own (its machine handle); drivers leave it alone */
	/* create only: the core provisions the machine over SSH right after
	 * create (a provisioning driver without --no-provision): host->userdata_*
	 * then make the machine OS start dockerd once, with what provisioning
	 * brings, instead of twice. */
	int provision_follows;
	/* check_flags: the flag its error is about (its name in the table,
	 * without "--"), for the core to say where the value came from (import:
	 * the docker-machine field); NULL (as the core passes it) when the
	 * error is about the flags together.  Read only when check_flags fails. */
	const char *bad_flag;
};

/* Shared folders (create --share): the core resolves them into ctx->flags
 * "shares", an array of {"Host": DIR, "Guest": PATH, "Tag": NAME}, at
 * create; the driver exposes each Host directory to the guest under Tag (the
 * 9p or virtiofs mount tag, the VirtualBox shared folder's name), and the
 * userdata tar (host->userdata_*) tells the machine OS to mount Tag at
 * Guest with the driver's file system. */
enum mc_share { MC_SHARE_NONE, MC_SHARE_9P, MC_SHARE_VIRTIOFS, MC_SHARE_VBOXSF };

struct mc_driver {
	unsigned abi;              /* MC_DRIVER_ABI */
	const char *name;
	const char *summary;
	const struct mc_driver_flag *flags;   /* terminated by an entry with name == NULL */
	unsigned has_ssh : 1;                 /* 0: no SSH (the none driver) */
	unsigned provision : 1;               /* create ends with provisioning over SSH:
						 Docker on 2376 with TLS */
	unsigned share : 2;                   /* shared folders (enum mc_share): how the
						 guest mounts them; MC_SHARE_NONE refuses --share */

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
	/* set (and create --autostart): change what ctx->flags names, nothing
	 * else: "cpus" (integer >= 1), "memory" (MB), "disk-size" (MB; a size
	 * smaller than the data disk is refused: disks only grow; the machine OS
	 * grows its file system at the next boot), "autostart" (boolean: the VM
	 * starts with the hypervisor or the host).  What cannot be changed in the
	 * machine's present state is refused naming what to do (e.g. stop it
	 * first), before anything changed.  On success the driver records the new
	 * values in its config ("CPU", "Memory", "DiskSize", "Autostart"); on
	 * failure the core restores the config as it was.  create --autostart:
	 * create finds ctx->flags["autostart"] true; a driver that can only set
	 * it while creating does so there and records "Autostart"; otherwise the
	 * core calls set once create succeeded. */
	int (*set)(struct mc_driver_ctx *ctx, struct mc_error *err);
	/* create: check ctx->flags on their own (syntax, ranges, what they say
	 * together) before the core does anything slow or visible: the boot
	 * ISO's download, the certificates, the machines' records.  Called once
	 * for all the machines of a create, with only ctx->host and ctx->flags
	 * set (no machine exists yet); it must not ask the hypervisor or read
	 * files, which is precreate's work.  Its errors are pre-create failures
	 * (exit 3), as precreate's are; an error about one flag names it in
	 * ctx->bad_flag.  NULL: precreate checks the flags. */
	int (*check_flags)(struct mc_driver_ctx *ctx, struct mc_error *err);
};

/* Plugins export this symbol. */
extern const struct mc_driver *const mc_driver_entry;

/* ------------------------------------------------------------------ */
/* Helpers, header-only (libc and jansson): allocation that aborts on
 * out-of-memory, strings, vectors, cleanup attributes, JSON fields. */

static inline void *mc_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static inline void *mc_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

static inline void *mc_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static inline char *mc_strndup(const char *s, size_t n)
{
	char *p = (char *)mc_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* NULL stays NULL. */
static inline char *mc_strdup(const char *s)
{
	return s ? mc_strndup(s, strlen(s)) : NULL;
}

static inline char *mc_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline char *mc_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	s = mc_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

static inline char *mc_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	return la && a[la - 1] == '/' ? mc_asprintf("%s%s", a, b) : mc_asprintf("%s/%s", a, b);
}

/* NULL-safe. */
static inline bool mc_streq(const char *a, const char *b)
{
	return !a || !b ? a == b : strcmp(a, b) == 0;
}

static inline bool mc_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* NULL-terminated string vectors. */
static inline size_t mc_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static inline void mc_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Takes ownership of s. */
static inline void mc_strv_push(char ***v, char *s)
{
	size_t n = mc_strv_len(*v);

	*v = (char **)mc_realloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = s;
	(*v)[n + 1] = NULL;
}

static inline bool mc_file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Monotonic milliseconds. */
static inline long long mc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mc_error_set, with a va_list. */
static inline int mc_error_vset(struct mc_error *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static inline int mc_error_vset(struct mc_error *err, int code, const char *fmt, va_list ap)
{
	if (!err || err->code != MC_E_OK)
		return -1;
	err->code = code == MC_E_OK ? MC_E_FAILED : code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

/* Fill *err unless it already holds an error (the first message is kept);
 * returns -1, so that `return mc_error_set(err, MC_E_IO, "...", ...);`.
 * err may be NULL.  (host->error_set is this, for drivers that prefer it.) */
static inline int mc_error_set(struct mc_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int mc_error_set(struct mc_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mc_error_vset(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

/* An error from errno: "WHAT: strerror" (MC_E_NOT_FOUND for ENOENT, else MC_E_IO). */
static inline int mc_error_errno(struct mc_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int mc_error_errno(struct mc_error *err, int errnum, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return mc_error_set(err, errnum == ENOENT ? MC_E_NOT_FOUND : MC_E_IO, "%s: %s", what,
			    strerror(errnum));
}

static inline void mc_error_clear(struct mc_error *err)
{
	if (err) {
		err->code = MC_E_OK;
		err->machine[0] = '\0';
		err->msg[0] = '\0';
	}
}

static inline void mc_run_result_free(struct mc_run_result *res)
{
	if (!res)
		return;
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
	res->out_len = res->err_len = 0;
}

static inline void mc_freep(void *p) { free(*(void **)p); }
static inline void mc_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void mc_json_decrefp(json_t **j) { json_decref(*j); }
static inline void mc_strv_freep(char ***v) { mc_strv_free(*v); }

#define _cleanup_free_ __attribute__((cleanup(mc_freep)))
#define _cleanup_close_ __attribute__((cleanup(mc_closep)))
#define _cleanup_json_ __attribute__((cleanup(mc_json_decrefp)))
#define _cleanup_strv_ __attribute__((cleanup(mc_strv_freep)))

#define MC_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Transfer ownership out of a _cleanup_ variable. */
#define MC_TAKE(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })

/* Fields of ctx->config and ctx->flags. */
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

/* A number of the machine's record (ctx->config) that must be an integer
 * from min to max, what it is ("a port"): absent, def; anything else (a
 * hand-edited config.json, 2^32+22 for port 22) is an error naming the
 * field, never a value cut to fit.  0 or -1. */
static inline int mc_config_int(struct mc_driver_ctx *ctx, const char *key, const char *what,
				long long min, long long max, long long def, long long *out,
				struct mc_error *err)
{
	json_t *v = json_object_get(ctx->config, key);

	/* -1 said after the message: a variadic mc_error_set is not inlined,
	 * and -O2 would take *out as unset on a 0 it cannot rule out. */
	if (v && !(json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) <= max)) {
		mc_error_set(err, MC_E_INVALID,
			     "%s in the machine's config.json is not %s (%lld-%lld): fix it there, or remove the machine and create it again",
			     key, what, min, max);
		return -1;
	}
	*out = v ? json_integer_value(v) : def;
	return 0;
}

/* mc_config_int for a TCP port, 1-65535. */
static inline int mc_config_port(struct mc_driver_ctx *ctx, const char *key, int def, int *port,
				 struct mc_error *err)
{
	long long p;

	if (mc_config_int(ctx, key, "a port", 1, 65535, def, &p, err) < 0)
		return -1;
	*port = (int)p;
	return 0;
}

static inline int mc_json_bool(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_true(v);
}

/* obj[key] = v, or null when v is NULL. */
static inline void mc_json_set_str(json_t *obj, const char *key, const char *v)
{
	json_object_set_new(obj, key, v ? json_string(v) : json_null());
}

#endif
