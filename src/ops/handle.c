/* Machine handles, the user-interface callbacks, and the driver operations:
 * the only code that calls a driver's function pointers. */
#include "buildconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "iso.h"
#include "os.h"
#include "ops-internal.h"
#include "registry.h"
#include "ssh.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* the user interface                                                  */

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

void mc_ui_phase(const struct mc_session *s, const char *machine, bool named, long long t0,
		 const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	if (s && s->ui && s->ui->phase)
		s->ui->phase(s->ui->arg, machine, named, mc_now_ms() - t0, msg);
	else
		mc_debug("(%s) %s", machine ? machine : "-", msg);
}

/* An info or warning line: to the UI, else to the log. */
static void ui_line(const struct mc_session *s, bool warn, const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = vformat(fmt, ap);
	void (*line)(void *, const char *) = !s || !s->ui ? NULL : warn ? s->ui->warn : s->ui->info;

	if (line)
		line(s->ui->arg, msg);
	else
		mc_log(warn ? MC_LOG_WARN : MC_LOG_DEBUG, "%s", msg);
}

void mc_ui_info(const struct mc_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_line(s, false, fmt, ap);
	va_end(ap);
}

void mc_ui_warn(const struct mc_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ui_line(s, true, fmt, ap);
	va_end(ap);
}

static void iso_notice(void *arg, const char *msg)
{
	mc_ui_info(arg, "%s", msg);
}

static void iso_progress(void *arg, long long done, long long total)
{
	const struct mc_session *s = arg;

	if (s->ui && s->ui->progress)
		s->ui->progress(s->ui->arg, "Downloading the ISO", done, total);
}

void mc_ops_lock_waiting(const struct mc_session *s, const char *what, const char *doing, long holder,
			 long long elapsed_ms, bool first)
{
	const struct mc_ui *ui = s->ui;
	_cleanup_free_ char *who = NULL, *msg = NULL;

	if (!ui || !ui->wait)
		return;
	if (elapsed_ms < 0) {
		ui->wait(ui->arg, NULL, 0, false);
		return;
	}
	who = mc_os_process_desc(holder);
	msg = mc_asprintf("Waiting for %s: another command %s%s%s%s...", what, doing, who ? " (" : "", who ? who : "",
			  who ? ")" : "");
	ui->wait(ui->arg, msg, elapsed_ms, first);
}

static void iso_lock_waiting(void *arg, long holder, long long elapsed_ms, bool first)
{
	mc_ops_lock_waiting(arg, "the ISO cache", "is downloading or checking this ISO", holder, elapsed_ms, first);
}

void mc_ops_iso_opts(struct mc_session *s, struct mc_iso_opts *o)
{
	const char *url = getenv("MACHINECTL_ISO_URL");

	o->notice = iso_notice;
	o->progress = iso_progress;
	o->arg = s;
	o->lock_wait = (struct mc_os_lock_wait){ iso_lock_waiting, s };
	/* The machine OS release: MACHINECTL_ISO_URL, config.ini's iso-url, the
	 * build's (configure --with-os-url). */
	if (!url || !*url)
		url = mc_config_get(s->config, "defaults", "iso-url");
	o->release_url = url && *url ? url : MC_OS_URL;
	o->prog = s->prog;
}

/* ------------------------------------------------------------------ */
/* handles                                                             */

struct lock_wait {
	const struct mc_session *s;
	const char *name;
};

/* A wait for a machine's lock. */
static void lock_waiting(void *arg, long holder, long long elapsed_ms, bool first)
{
	const struct lock_wait *w = arg;
	_cleanup_free_ char *what = mc_asprintf("machine \"%s\"", w->name);

	mc_ops_lock_waiting(w->s, what, "holds its lock", holder, elapsed_ms, first);
}

int mc_ops_lock(const struct mc_session *s, const char *name, int *lock_fd, struct mc_error *err)
{
	struct lock_wait w = { s, name };

	return mc_store_lock(&s->store, name, 30000, &(struct mc_os_lock_wait){ lock_waiting, &w }, lock_fd,
			     err);
}

static void handle_init(struct mc_session *s, struct mc_machine *m, const struct mc_driver *drv,
			json_t *flags, int lock_fd, struct mc_handle *h)
{
	*h = (struct mc_handle){ .s = s, .m = m, .drv = drv, .lock_fd = lock_fd };
	h->ctx = (struct mc_driver_ctx){
		.host = mc_host_api(),
		.machine_name = m->name,
		.machine_dir = m->dir,
		.store_path = s->store.root,
		.config = m->driver,
		.flags = flags,
		.core = h,
	};
}

int mc_handle_open(struct mc_session *s, const char *name, unsigned flags, struct mc_handle *h,
		   struct mc_error *err)
{
	struct mc_machine *m = NULL;
	const struct mc_driver *drv = NULL;
	int lock_fd = -1;

	memset(h, 0, sizeof(*h));
	h->lock_fd = -1;
	if (mc_store_check_name(name, err) < 0)
		return -1;
	if ((flags & MC_OPEN_LOCK) && mc_ops_lock(s, name, &lock_fd, err) < 0)
		return -1;
	if (mc_machine_load(&s->store, name, &m, err) < 0 ||
	    mc_driver_lookup(m->driver_name, &drv, err) < 0) {
		/* The name came from the store, not the command line. */
		if (m && err->code == MC_E_USAGE) {
			err->code = MC_E_INVALID;
			mc_error_prefix(err, "its DriverName in config.json: ");
			mc_error_machine(err, name);
		}
		mc_machine_free(m);
		mc_store_unlock(lock_fd);
		return -1;
	}
	handle_init(s, m, drv, NULL, lock_fd, h);
	/* A schema migrated in memory is written back under the lock only: a
	 * reader never races a writer, and a read-only store stays usable. */
	if (m->orig_text && lock_fd >= 0 && mc_machine_save(m, err) < 0) {
		mc_handle_close(h);
		return -1;
	}
	return 0;
}

void mc_handle_new(struct mc_session *s, struct mc_machine *m, const struct mc_driver *drv,
		   json_t *flags, int lock_fd, struct mc_handle *h)
{
	handle_init(s, m, drv, flags, lock_fd, h);
}

void mc_handle_close(struct mc_handle *h)
{
	if (!h)
		return;
	mc_ops_boot_watch_end(h);
	mc_machine_free(h->m);
	h->m = NULL;
	mc_store_unlock(h->lock_fd);
	h->lock_fd = -1;
}

int mc_handle_save(struct mc_handle *h, struct mc_error *err)
{
	return mc_machine_save(h->m, err);
}

bool mc_handle_being_created(const struct mc_handle *h)
{
	struct mc_error e = { 0 };
	int fd = -1;

	/* Our own lock: nobody else is creating it. */
	if (mc_machine_status(h->m) != MC_MACHINE_CREATING || h->lock_fd >= 0)
		return false;
	if (mc_store_lock(&h->s->store, h->m->name, 0, NULL, &fd, &e) == 0) {
		mc_store_unlock(fd);
		return false;
	}
	return e.code == MC_E_STATE;  /* busy: its create holds the lock */
}

char *mc_handle_unfinished(const struct mc_handle *h)
{
	const char *why = mc_machine_error(h->m), *prog = h->s->prog, *name = h->m->name;

	/* A reason is recorded once the VM exists (provisioning failed or did
	 * not finish): provision finishes the create. */
	if (why && h->drv->provision)
		return mc_asprintf("%s: '%s provision %s' retries, '%s rm -f %s' removes it", why, prog, name, prog,
				   name);
	return mc_asprintf("%s: '%s rm -f %s' removes it, then create it again", why ? why : "creation was interrupted",
			   prog, name);
}

int mc_handle_require_created(struct mc_handle *h, struct mc_error *err)
{
	_cleanup_free_ char *why = NULL;

	if (mc_machine_status(h->m) == MC_MACHINE_CREATED)
		return 0;
	if (mc_handle_being_created(h))
		return mc_error_set(err, MC_E_STATE,
				    "machine \"%s\" is being created (by another %s command): try again when it has finished",
				    h->m->name, h->s->prog);
	why = mc_handle_unfinished(h);
	return mc_error_set(err, MC_E_STATE, "machine \"%s\" was not created completely (%s)", h->m->name, why);
}

/* state: mc_op_state (a machine not created completely is in Error) or
 * mc_op_vm_state (its VM alone). */
static int require_running(struct mc_handle *h,
			   int (*state)(struct mc_handle *, enum mc_state *, struct mc_error *),
			   struct mc_error *err)
{
	enum mc_state st;

	if (state(h, &st, err) < 0)
		return -1;
	if (st != MC_STATE_RUNNING)
		return mc_error_set(err, MC_E_STATE, "Host \"%s\" is not running", h->m->name);
	return 0;
}

int mc_handle_require_running(struct mc_handle *h, struct mc_error *err)
{
	return require_running(h, mc_op_state, err);
}

int mc_handle_require_vm_running(struct mc_handle *h, struct mc_error *err)
{
	return require_running(h, mc_op_vm_state, err);
}

/* ------------------------------------------------------------------ */
/* driver operations                                                   */

typedef int (*void_op)(struct mc_driver_ctx *, struct mc_error *);

static const struct {
	const char *cannot;     /* "the D driver cannot ..." */
	bool optional;          /* a missing operation has nothing to do */
} ops[] = {
	[MC_OP_PRECREATE] = { "run pre-create checks", true },
	[MC_OP_CREATE] = { "create machines", false },
	[MC_OP_START] = { "start machines", false },
	[MC_OP_STOP] = { "stop machines", false },
	[MC_OP_KILL] = { "kill machines", false },
	[MC_OP_RESTART] = { "restart machines", false },
	[MC_OP_REMOVE] = { "remove machines", true },
	[MC_OP_STATE] = { "report a state", false },
	[MC_OP_IP] = { "report an IP address", false },
	[MC_OP_SET_ISO] = { "boot machines from another ISO", false },
	[MC_OP_STATES] = { "report the states of several machines at once", false },
	[MC_OP_SET] = { "change CPUs, memory, disk size or autostart", false },
};

static void_op void_op_of(const struct mc_driver *d, enum mc_op op)
{
	switch (op) {
	case MC_OP_PRECREATE: return d->precreate;
	case MC_OP_CREATE: return d->create;
	case MC_OP_START: return d->start;
	case MC_OP_STOP: return d->stop;
	case MC_OP_KILL: return d->kill;
	case MC_OP_RESTART: return d->restart;
	case MC_OP_REMOVE: return d->remove;
	case MC_OP_SET_ISO: return d->set_iso;
	case MC_OP_SET: return d->set;
	default: return NULL;
	}
}

bool mc_op_supported(const struct mc_handle *h, enum mc_op op)
{
	return mc_driver_supports(h->drv, op);
}

bool mc_driver_supports(const struct mc_driver *d, enum mc_op op)
{
	switch (op) {
	case MC_OP_STATE: return d->state != NULL;
	case MC_OP_IP: return d->ip != NULL;
	case MC_OP_STATES: return d->states != NULL;
	case MC_OP_RESTART: return d->restart || (d->start && d->stop);
	default: return void_op_of(d, op) != NULL;
	}
}

static int unsupported(const struct mc_handle *h, enum mc_op op, struct mc_error *err)
{
	mc_error_set(err, MC_E_UNSUPPORTED, "the %s driver cannot %s", h->drv->name, ops[op].cannot);
	mc_error_machine(err, h->m->name);
	return -1;
}

/* A driver that fails must say why; one that does not still fails. */
static int said_why(const struct mc_driver *d, int r, struct mc_error *err)
{
	if (r < 0 && err->code == MC_E_OK)
		mc_error_set(err, MC_E_FAILED,
			     "the %s driver failed without saying why (a bug in the driver: report it to its authors)",
			     d->name);
	return r;
}

/* After a driver call: the machine's name on its error, and config.json
 * saved when the call changed the driver's state (locked handles only). */
static int after_call(struct mc_handle *h, json_t *before, int r, struct mc_error *err)
{
	if (said_why(h->drv, r, err) < 0)
		mc_error_machine(err, h->m->name);
	if (before && !json_equal(before, h->ctx.config)) {
		struct mc_error e = { 0 };

		if (mc_machine_save(h->m, &e) < 0 && r == 0) {
			*err = e;
			mc_error_machine(err, h->m->name);
			r = -1;
		}
	}
	json_decref(before);
	return r;
}

static json_t *before_call(const struct mc_handle *h)
{
	return h->lock_fd >= 0 ? json_deep_copy(h->ctx.config) : NULL;
}

int mc_op_run(struct mc_handle *h, enum mc_op op, struct mc_error *err)
{
	void_op fn = void_op_of(h->drv, op);
	json_t *before;
	int r;

	if (!fn) {
		if (op == MC_OP_RESTART && h->drv->start && h->drv->stop) {
			enum mc_state st;

			if (mc_op_state(h, &st, err) < 0)
				return -1;
			if (st == MC_STATE_RUNNING && mc_op_run(h, MC_OP_STOP, err) < 0)
				return -1;
			return mc_op_run(h, MC_OP_START, err);
		}
		return ops[op].optional ? 0 : unsupported(h, op, err);
	}
	before = before_call(h);
	r = fn(&h->ctx, err);
	return after_call(h, before, r, err);
}

/* Is v one of the space-separated words of list? */
static bool is_choice(const char *list, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = list; n && *p; p += strspn(p, " ")) {
		size_t len = strcspn(p, " ");

		if (len == n && !strncmp(p, v, n))
			return true;
		p += len;
	}
	return false;
}

/* "a, b or c" from "a b c" (malloc'd). */
static char *choice_list(const char *list)
{
	char *s = mc_strdup("");

	for (const char *p = list + strspn(list, " "); *p; p += strspn(p, " ")) {
		size_t len = strcspn(p, " ");
		const char *rest = p + len + strspn(p + len, " ");
		char *t = mc_asprintf("%s%s%.*s", s, !*s ? "" : *rest ? ", " : " or ", (int)len, p);

		free(s);
		s = t;
		p += len;
	}
	return s;
}

bool mc_driver_flag_out_of_range(const struct mc_driver_flag *f, long long v)
{
	return f->type == MC_FLAG_INT && f->min < f->max && (v < f->min || v > f->max);
}

/* What the flag declares it takes (struct mc_driver_flag: choices, min, max).
 * create's values are in range already (the parser, and create for
 * config.ini: mc_opt_int_value); import's, read from a docker-machine
 * config.json, are checked here. */
static int check_declared(const struct mc_driver_flag *f, json_t *v, const char *what, struct mc_error *err)
{
	if (json_is_integer(v) && mc_driver_flag_out_of_range(f, json_integer_value(v)))
		return mc_error_set(err, MC_E_PRECREATE, "invalid %s %lld: it must be between %lld and %lld",
				    what, (long long)json_integer_value(v), f->min, f->max);
	if (f->value == MC_VALUE_CHOICE && f->choices && json_is_string(v) &&
	    !is_choice(f->choices, json_string_value(v))) {
		_cleanup_free_ char *use = choice_list(f->choices);

		return mc_error_set(err, MC_E_PRECREATE, "invalid %s \"%s\": use %s", what,
				    json_string_value(v), use);
	}
	return 0;
}

int mc_driver_check_flags(const struct mc_driver *d, json_t *flags, json_t *origins,
			  const char **bad_flag, struct mc_error *err)
{
	/* No machine yet: the driver sees its services and the flags only. */
	struct mc_driver_ctx ctx = { .host = mc_host_api(), .flags = flags };
	int r;

	if (bad_flag)
		*bad_flag = NULL;

	for (const struct mc_driver_flag *f = d->flags; f && f->name; f++) {
		_cleanup_free_ char *dashed = mc_asprintf("--%s", f->name);
		const char *origin = json_string_value(json_object_get(origins, f->name));
		const char *what = origin ? origin : dashed;
		json_t *v = json_object_get(flags, f->name), *e;
		size_t i;

		if (check_declared(f, v, what, err) < 0)
			return -1;
		json_array_foreach(v, i, e)
			if (check_declared(f, e, what, err) < 0)
				return -1;
	}
	r = d->check_flags ? said_why(d, d->check_flags(&ctx, err), err) : 0;
	if (r < 0 && bad_flag)
		*bad_flag = ctx.bad_flag;
	return r;
}

int mc_op_set(struct mc_handle *h, json_t *changes, struct mc_error *err)
{
	json_t *flags = h->ctx.flags, *before;
	int r;

	if (!h->drv->set)
		return unsupported(h, MC_OP_SET, err);
	before = json_deep_copy(h->ctx.config);
	h->ctx.flags = changes;
	r = h->drv->set(&h->ctx, err);
	h->ctx.flags = flags;
	if (r < 0) {
		/* The record changes only with the driver's success. */
		json_object_clear(h->ctx.config);
		json_object_update(h->ctx.config, before);
		json_decref(before);
		mc_error_machine(err, h->m->name);
		return -1;
	}
	return after_call(h, before, r, err);
}

int mc_op_state(struct mc_handle *h, enum mc_state *st, struct mc_error *err)
{
	if (mc_machine_status(h->m) != MC_MACHINE_CREATED) {
		*st = MC_STATE_ERROR;
		return 0;
	}
	return mc_op_vm_state(h, st, err);
}

int mc_op_vm_state(struct mc_handle *h, enum mc_state *st, struct mc_error *err)
{
	json_t *before;

	if (!h->drv->state)
		return unsupported(h, MC_OP_STATE, err);
	before = before_call(h);
	return after_call(h, before, h->drv->state(&h->ctx, st, err), err);
}

int mc_op_ip(struct mc_handle *h, char **ip, struct mc_error *err)
{
	json_t *before;

	*ip = NULL;
	if (!h->drv->ip)
		return unsupported(h, MC_OP_IP, err);
	before = before_call(h);
	return after_call(h, before, h->drv->ip(&h->ctx, ip, err), err);
}

int mc_op_url(struct mc_handle *h, char **url, struct mc_error *err)
{
	_cleanup_free_ char *ip = NULL;

	*url = NULL;
	if (h->drv->url) {
		json_t *before = before_call(h);

		if (after_call(h, before, h->drv->url(&h->ctx, url, err), err) < 0)
			return -1;
		/* What a driver reports from its config (none: the URL given at
		 * create, or one edited or imported since) is checked before
		 * anyone prints or connects to it. */
		if (mc_engine_url_check(*url, err) < 0) {
			free(*url);
			*url = NULL;
			mc_error_machine(err, h->m->name);
			return -1;
		}
		return 0;
	}
	if (mc_op_ip(h, &ip, err) < 0)
		return -1;
	*url = strchr(ip, ':') ? mc_asprintf("tcp://[%s]:2376", ip) : mc_asprintf("tcp://%s:2376", ip);
	return 0;
}

int mc_op_ssh_endpoint(struct mc_handle *h, struct mc_ssh_endpoint *ep, struct mc_error *err)
{
	char *host = NULL, *user = NULL;
	int port = 22;

	memset(ep, 0, sizeof(*ep));
	if (!h->drv->has_ssh)
		return mc_error_set(err, MC_E_UNSUPPORTED,
				    "machine \"%s\" uses the %s driver, which has no SSH access: there is no shell or file system to reach",
				    h->m->name, h->drv->name);
	if (h->drv->ssh_endpoint) {
		json_t *before = before_call(h);

		if (after_call(h, before, h->drv->ssh_endpoint(&h->ctx, &host, &port, &user, err), err) < 0)
			return -1;
	} else {
		if (mc_op_ip(h, &host, err) < 0)
			return -1;
	}
	if (mc_ssh_endpoint_init(ep, h->m->name, h->m->dir, host, port, user, err) < 0) {
		mc_error_machine(err, h->m->name);
		return -1;
	}
	return 0;
}

int mc_op_states(struct mc_handle *const *hs, size_t n, enum mc_state *out, struct mc_error *errs)
{
	_cleanup_free_ struct mc_driver_ctx **ctxs = NULL;
	struct mc_error err = { 0 };

	if (!n || !hs[0]->drv->states)
		return -1;
	ctxs = mc_calloc(n, sizeof(*ctxs));
	for (size_t i = 0; i < n; i++)
		ctxs[i] = &hs[i]->ctx;
	if (hs[0]->drv->states(ctxs, n, out, errs, &err) < 0) {
		mc_debug("the %s driver's batched state call failed: %s", hs[0]->drv->name, err.msg);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		mc_error_machine(&errs[i], hs[i]->m->name);
	return 0;
}
