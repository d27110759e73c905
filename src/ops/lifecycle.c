/* start, stop, restart, kill, rm and upgrade of one machine (the CLI runs
 * several in parallel). */
#include "buildconf.h"

#include <pthread.h>
#include <string.h>

#include "iso.h"
#include "ops-internal.h"
#include "util.h"

static const struct {
	enum mc_op op;
	const char *verb, *ing, *done;
	enum mc_state target;  /* already in this state: nothing to do */
} actions[] = {
	[MC_ACTION_START] = { MC_OP_START, "start", "Starting", "started", MC_STATE_RUNNING },
	[MC_ACTION_STOP] = { MC_OP_STOP, "stop", "Stopping", "stopped", MC_STATE_STOPPED },
	[MC_ACTION_RESTART] = { MC_OP_RESTART, "restart", "Restarting", "restarted", MC_STATE_NONE },
	[MC_ACTION_KILL] = { MC_OP_KILL, "kill", "Killing", "killed", MC_STATE_STOPPED },
};

int mc_ops_action(struct mc_session *s, const char *name, enum mc_action act,
		  struct mc_error *err)
{
	bool boots = act == MC_ACTION_START || act == MC_ACTION_RESTART;
	struct mc_handle h;
	enum mc_state st;
	long long t0;
	int r = -1;

	if (mc_handle_open(s, name, MC_OPEN_LOCK, &h, err) < 0)
		return -1;
	if (mc_handle_require_created(&h, err) < 0)
		goto out;
	if (!mc_op_supported(&h, actions[act].op)) {
		mc_op_run(&h, actions[act].op, err);  /* says what is missing */
		goto out;
	}
	if (mc_op_state(&h, &st, err) < 0)
		goto out;
	if (actions[act].target != MC_STATE_NONE && st == actions[act].target) {
		mc_error_set(err, MC_E_STATE, "Machine \"%s\" is already %s.", name,
			     act == MC_ACTION_START ? "running" : "stopped");
		goto out;
	}
	mc_ui_info(s, "%s \"%s\"...", actions[act].ing, name);
	t0 = mc_now_ms();
	if (boots)
		mc_ops_boot_watch(&h, true, t0);
	mc_test_point("action-before-driver");
	r = mc_op_run(&h, actions[act].op, err);
	mc_test_point("action-after-driver");
	if (r < 0) {
		err->machine[0] = '\0';
		mc_error_prefix(err, "%s failed: ", actions[act].verb);
		mc_error_machine(err, name);
		goto out;
	}
	/* Wait until the guest has booted and Docker answers; a new IP address
	 * gets a new server certificate. */
	if (boots && mc_ops_after_boot(&h, t0, err) < 0) {
		mc_handle_save(&h, NULL);
		r = -1;
		goto out;
	}
	if (boots)
		mc_handle_save(&h, NULL);
	mc_ui_info(s, "Machine \"%s\" was %s.", name, actions[act].done);
out:
	mc_handle_close(&h);
	return r;
}

/* rm -f of a machine that cannot be loaded (unreadable config, unknown
 * driver): its local files only. */
static int rm_files_only(struct mc_session *s, const char *name, struct mc_error *err)
{
	struct mc_error lerr = { 0 };
	int lock_fd = -1;

	if (mc_ops_lock(s, name, &lock_fd, &lerr) < 0) {
		mc_error_clear(err);
		if (mc_store_exists(&s->store, name))
			return mc_error_copy(err, &lerr);
		mc_ui_warn(s, "machine \"%s\" was removed meanwhile: nothing to remove", name);
		return 0;
	}
	mc_ui_warn(s, "%s; removing the local files of \"%s\" only (any VM it had is left alone)",
		   err->msg, name);
	mc_error_clear(err);
	if (mc_store_remove(&s->store, name, err) < 0) {
		mc_store_unlock(lock_fd);
		return -1;
	}
	mc_store_unlock(lock_fd);
	mc_ui_info(s, "Successfully removed %s", name);
	return 0;
}

int mc_ops_rm(struct mc_session *s, const char *name, bool force, struct mc_error *err)
{
	struct mc_handle h;

	if (mc_store_check_name(name, err) < 0)
		return -1;
	if (mc_handle_open(s, name, MC_OPEN_LOCK, &h, err) < 0) {
		if (err->code == MC_E_STATE)  /* busy */
			return -1;
		/* docker-machine's rm -f of a missing machine succeeds: teardown
		 * scripts under set -e rely on it. */
		if (!mc_store_exists(&s->store, name)) {
			if (!force)
				return -1;
			mc_ui_warn(s, "%s: nothing to remove", err->msg);
			mc_error_clear(err);
			return 0;
		}
		/* Unreadable config or a driver that is not installed: only -f
		 * may remove the files. */
		if (!force) {
			err->machine[0] = '\0';
			mc_error_prefix(err, "cannot remove it (-f removes its local files, and leaves any VM it had alone): ");
			mc_error_machine(err, name);
			return -1;
		}
		return rm_files_only(s, name, err);
	}
	if (mc_op_run(&h, MC_OP_REMOVE, err) < 0) {
		if (!force) {
			err->machine[0] = '\0';
			mc_error_prefix(err, "cannot remove the VM (use -f to remove the local files anyway): ");
			mc_error_machine(err, name);
			mc_handle_close(&h);
			return -1;
		}
		mc_ui_warn(s, "machine \"%s\": %s; removing the local files anyway (-f)", name, err->msg);
		mc_error_clear(err);
	}
	mc_test_point("rm-after-driver");
	mc_ops_context_remove(s, name, h.m->dir);
	if (mc_store_remove(&s->store, name, err) < 0) {
		mc_handle_close(&h);
		return -1;
	}
	mc_handle_close(&h);
	mc_ui_info(s, "Successfully removed %s", name);
	return 0;
}

/* One ISO resolution at a time: a download shows one progress bar, and the
 * next machine that asks for the same URL finds it in the cache. */
static pthread_mutex_t iso_lock = PTHREAD_MUTEX_INITIALIZER;

/* The ISO for h: flags {"iso", "iso-source", "iso-version"} as for create. */
static json_t *resolve_iso(struct mc_handle *h, const char *spec, const char *sha,
			   struct mc_error *err)
{
	struct mc_iso_opts o = { 0 };
	json_t *flags;
	int r;

	if (!spec || !*spec)
		spec = mc_config_driver_flag(h->s->config, h->drv->name, "iso", NULL);
	flags = json_pack("{s:s, s:s}", "iso", spec ? spec : "", "iso-sha256", sha ? sha : "");
	if (!flags) {  /* json_pack() refuses invalid UTF-8, which config.json cannot hold */
		if (spec && !mc_str_utf8(spec))
			mc_error_set(err, MC_E_USAGE,
				     "the boot ISO \"%s\" is not valid UTF-8, which config.json cannot record: rename it",
				     spec);
		else
			mc_error_set(err, MC_E_USAGE,
				     "invalid --iso-sha256 \"%s\": expected 64 hexadecimal digits (sha256sum prints them)",
				     sha);
		return NULL;
	}
	mc_ops_iso_opts(h->s, &o);
	pthread_mutex_lock(&iso_lock);
	r = mc_iso_prepare_flags(h->s->store.root, flags, &o, err);
	pthread_mutex_unlock(&iso_lock);
	if (r < 0) {
		json_decref(flags);
		return NULL;
	}
	return flags;
}

static const char *or(const char *s, const char *def)
{
	return s && *s ? s : def;
}

/* Boot h from the ISO in flags: stop it, set the ISO, start it again. */
static int switch_iso(struct mc_handle *h, json_t *flags, long long t0, struct mc_error *err)
{
	const char *name = h->m->name, *new_ver = mc_json_str(flags, "iso-version");
	const char *new_iso = mc_json_str(flags, "iso");
	enum mc_state st;
	bool running;
	int r;

	if (mc_op_state(h, &st, err) < 0)
		return -1;
	running = st != MC_STATE_STOPPED;
	mc_ui_phase(h->s, name, true, t0, "Upgrading the boot ISO from %s to %s (%s)...",
		    or(mc_json_str(h->ctx.config, "ISOVersion"), "an unknown version"),
		    or(new_ver, "an ISO without a volume ID"), new_iso);
	if (running) {
		mc_ui_phase(h->s, name, true, t0, "Stopping the machine to change its ISO...");
		if (mc_op_run(h, MC_OP_STOP, err) < 0)
			return -1;
	}
	h->ctx.flags = flags;
	r = mc_op_run(h, MC_OP_SET_ISO, err);
	h->ctx.flags = NULL;
	if (r < 0 && running) {
		err->machine[0] = '\0';
		mc_error_prefix(err, "upgrade failed (the machine is stopped; '%s start %s' boots its old ISO): ",
				h->s->prog, name);
		mc_error_machine(err, name);
		return 1;
	}
	if (r < 0 || mc_handle_save(h, err) < 0)
		return -1;
	if (!running) {
		mc_ui_info(h->s, "Machine \"%s\" was upgraded to %s; it is stopped: '%s start %s' boots it.",
			   name, or(new_ver, new_iso), h->s->prog, name);
		return 0;
	}
	mc_ui_phase(h->s, name, true, t0, "Starting the machine back up...");
	mc_ops_boot_watch(h, true, t0);
	if (mc_op_run(h, MC_OP_START, err) < 0 || mc_ops_after_boot(h, t0, err) < 0)
		return -1;
	mc_handle_save(h, NULL);
	mc_ui_info(h->s, "Machine \"%s\" was upgraded to %s.", name, or(new_ver, new_iso));
	return 0;
}

int mc_ops_upgrade(struct mc_session *s, const char *name, const char *iso, const char *sha256,
		   struct mc_error *err)
{
	_cleanup_json_ json_t *flags = NULL;
	long long t0 = mc_now_ms();
	struct mc_handle h;
	int r = -1;

	if (mc_handle_open(s, name, MC_OPEN_LOCK, &h, err) < 0)
		return -1;
	if (mc_handle_require_created(&h, err) < 0)
		goto out;
	if (!mc_op_supported(&h, MC_OP_SET_ISO)) {
		mc_op_run(&h, MC_OP_SET_ISO, err);
		goto out;
	}
	flags = resolve_iso(&h, iso, sha256, err);
	if (!flags) {
		mc_error_machine(err, name);
		goto out;
	}
	if (mc_streq(mc_json_str(flags, "iso"), or(mc_json_str(h.ctx.config, "ISO"), "")) &&
	    mc_streq(mc_json_str(flags, "iso-version"), or(mc_json_str(h.ctx.config, "ISOVersion"), ""))) {
		mc_ui_info(s, "Machine \"%s\" already boots %s (%s): nothing to upgrade.", name,
			   or(mc_json_str(flags, "iso-version"), "an ISO without a volume ID"),
			   mc_json_str(flags, "iso"));
		r = 0;
		goto out;
	}
	r = switch_iso(&h, flags, t0, err);
	if (r < 0) {
		mc_handle_save(&h, NULL);  /* what the driver changed before it failed */
		err->machine[0] = '\0';
		mc_error_prefix(err, "upgrade failed: ");
		mc_error_machine(err, name);
	}
	r = r ? -1 : 0;
out:
	mc_handle_close(&h);
	return r;
}

/* What set changed (or, kept, what the machine already had), for the user. */
static char *set_summary(const struct mc_set_opts *o, bool kept)
{
	char *s = mc_strdup("");

#define ADD(...) do { char *_p = mc_asprintf(__VA_ARGS__); mc_str_append(&s, ", ", _p); free(_p); } while (0)
	if (o->cpus != MC_SET_KEEP)
		ADD("%lld CPU%s", o->cpus, o->cpus == 1 ? "" : "s");
	if (o->memory_mb != MC_SET_KEEP)
		ADD("%lld MB of memory", o->memory_mb);
	if (o->disk_mb != MC_SET_KEEP)
		ADD("a %lld MB data disk%s", o->disk_mb, kept ? "" : " (its file system grows at the next boot)");
	if (o->autostart >= 0)
		ADD("autostart %s", o->autostart ? "on" : "off");
#undef ADD
	return s;
}

/* A value of set within what create takes: the driver's flag DRIVER-FLAG,
 * when it declares a range (doc/drivers.md). */
static int check_driver_range(const struct mc_handle *h, const char *opt, const char *flag,
			      long long v, struct mc_error *err)
{
	const struct mc_driver *d = h->drv;
	_cleanup_free_ char *name = mc_asprintf("%s-%s", d->name, flag);

	for (const struct mc_driver_flag *f = d->flags; v != MC_SET_KEEP && f && f->name; f++)
		if (!strcmp(f->name, name) && mc_driver_flag_out_of_range(f, v))
			return mc_error_setm(err, h->m->name, MC_E_USAGE,
					     "invalid --%s %lld: the %s driver takes %lld to %lld (as --%s at create)",
					     opt, v, d->name, f->min, f->max, name);
	return 0;
}

int mc_ops_set_check(const struct mc_set_opts *o, struct mc_error *err)
{
	/* The values are in set's ranges (the parser checked them: src/cmd/set.c). */
	if (o->cpus == MC_SET_KEEP && o->memory_mb == MC_SET_KEEP && o->disk_mb == MC_SET_KEEP && o->autostart < 0)
		return mc_error_set(err, MC_E_USAGE,
				    "nothing to change: give --cpus, --memory, --disk-size or --autostart");
	return 0;
}

/* The driver's record of a value set changes ("CPU", "Memory", "DiskSize",
 * "Autostart": drivers/driver.h), or -2 when it keeps none. */
static long long recorded(const struct mc_handle *h, const char *key)
{
	json_t *v = json_object_get(h->m->driver, key);

	return json_is_integer(v) ? json_integer_value(v) : json_is_boolean(v) ? json_is_true(v) : -2;
}

int mc_ops_set(struct mc_session *s, const char *name, const struct mc_set_opts *o, char **what,
	       struct mc_error *err)
{
	_cleanup_json_ json_t *changes = json_object();
	_cleanup_free_ char *changed = NULL, *kept = NULL;
	struct mc_set_opts todo = *o, same = { MC_SET_KEEP, MC_SET_KEEP, MC_SET_KEEP, -1 };
	struct mc_handle h;
	int r = -1;

	*what = NULL;
	if (mc_ops_set_check(o, err) < 0)
		return -1;
	if (mc_handle_open(s, name, MC_OPEN_LOCK, &h, err) < 0)
		return -1;
	if (mc_handle_require_created(&h, err) < 0 ||
	    check_driver_range(&h, "cpus", "cpu-count", o->cpus, err) < 0 ||
	    check_driver_range(&h, "memory", "memory", o->memory_mb, err) < 0 ||
	    check_driver_range(&h, "disk-size", "disk-size", o->disk_mb, err) < 0)
		goto out;
	/* What the machine already has is no change: the driver is not asked
	 * (a running machine need not stop for it). */
	if (o->cpus != MC_SET_KEEP && o->cpus == recorded(&h, "CPU")) {
		same.cpus = o->cpus;
		todo.cpus = MC_SET_KEEP;
	}
	if (o->memory_mb != MC_SET_KEEP && o->memory_mb == recorded(&h, "Memory")) {
		same.memory_mb = o->memory_mb;
		todo.memory_mb = MC_SET_KEEP;
	}
	if (o->disk_mb != MC_SET_KEEP && o->disk_mb == recorded(&h, "DiskSize")) {
		same.disk_mb = o->disk_mb;
		todo.disk_mb = MC_SET_KEEP;
	}
	if (o->autostart >= 0 && o->autostart == recorded(&h, "Autostart")) {
		same.autostart = o->autostart;
		todo.autostart = -1;
	}
	if (todo.cpus != MC_SET_KEEP)
		json_object_set_new(changes, "cpus", json_integer(todo.cpus));
	if (todo.memory_mb != MC_SET_KEEP)
		json_object_set_new(changes, "memory", json_integer(todo.memory_mb));
	if (todo.disk_mb != MC_SET_KEEP)
		json_object_set_new(changes, "disk-size", json_integer(todo.disk_mb));
	if (todo.autostart >= 0)
		json_object_set_new(changes, "autostart", json_boolean(todo.autostart));
	if (json_object_size(changes) && mc_op_set(&h, changes, err) < 0) {
		err->machine[0] = '\0';
		mc_error_prefix(err, "set failed: ");
		mc_error_machine(err, name);
		goto out;
	}
	changed = set_summary(&todo, false);
	kept = set_summary(&same, true);
	if (!*changed)
		*what = mc_asprintf("Machine \"%s\" already has %s: nothing to change.", name, kept);
	else
		*what = mc_asprintf("Machine \"%s\" was changed: %s%s%s%s.", name, changed,
				    *kept ? " (it already had " : "", kept, *kept ? ")" : "");
	r = 0;
out:
	mc_handle_close(&h);
	return r;
}
