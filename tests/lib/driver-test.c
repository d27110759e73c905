/*
 * The "test" driver plugin: built for `make check`, never installed.
 * It keeps its VM's state in its JSON ("State": Running/Stopped/Paused),
 * so the lifecycle verbs and the plugin loader are tested without a hypervisor.
 *
 * Failure injection: --test-fail OP[,OP...] at create time, or the
 * MC_TESTDRV_FAIL environment variable at any time; OP is one of check_flags, precreate,
 * create, start, stop, kill, restart, remove, state, ip, set_iso, set
 * (set fails after it changed its config: the core must restore it); with
 * "silent" in the list they fail without setting an error.  --test-delay-ms
 * (or MC_TESTDRV_DELAY_MS) makes create/start/stop/restart/remove slow, for
 * concurrency and crash tests; MC_TESTDRV_STATE_DELAY_MS makes state slow
 * (ls --timeout tests).  MC_TESTDRV_ABI overrides the ABI number
 * reported (see the ABI-mismatch test, which builds a second copy).
 * TESTDRV_FACTS builds the "facts" copy (t6008, t0005), whose --test-fail
 * declares the values it takes: the one difference a completion can see, and
 * one the core enforces.
 */
#include "buildconf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"

#ifndef TESTDRV_ABI
#define TESTDRV_ABI MC_DRIVER_ABI
#endif

static const struct mc_driver_flag test_flags[] = {
	{ "test-ip", "TEST_IP", "127.0.0.1", "IP address the machine reports", MC_FLAG_STRING },
	{ "test-engine-port", "TEST_ENGINE_PORT", "2376", "Docker port", MC_FLAG_INT, .min = 1, .max = 65535 },
#ifdef TESTDRV_FACTS
	{ "test-fail", NULL, NULL, "operations that fail (comma-separated)", MC_FLAG_STRING, MC_VALUE_CHOICE,
	  "precreate create start" },
#else
	{ "test-fail", NULL, NULL, "operations that fail (comma-separated)", MC_FLAG_STRING },
#endif
	{ "test-delay-ms", NULL, "0", "delay of slow operations", MC_FLAG_INT },
	/* Declared only: its range is what the core checks at create and at set --memory. */
	{ "test-memory", NULL, NULL, "memory in MB", MC_FLAG_INT, .min = 64, .max = 65536 },
	{ "test-label", NULL, NULL, "a repeatable flag (stored as Labels)", MC_FLAG_STRINGS },
	{ "test-paused", NULL, NULL, "create the machine Paused", MC_FLAG_BOOL },
	{ NULL },
};

static bool failing(struct mc_driver_ctx *ctx, const char *op)
{
	const char *lists[2] = { getenv("MC_TESTDRV_FAIL"), mc_json_str(ctx->config, "Fail") };

	if (!lists[1] && ctx->flags)
		lists[1] = mc_json_str(ctx->flags, "test-fail");
	for (int i = 0; i < 2; i++) {
		const char *s = lists[i];
		size_t n = strlen(op);

		while (s && *s) {
			size_t len = strcspn(s, ",");

			if (len == n && !strncmp(s, op, n))
				return true;
			s += len;
			if (*s == ',')
				s++;
		}
	}
	return false;
}

static void delay(struct mc_driver_ctx *ctx)
{
	const char *e = getenv("MC_TESTDRV_DELAY_MS");
	long long ms = e ? atoll(e) : mc_json_int(ctx->config, "DelayMs", 0);

	if (ms > 0)
		nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 },
			  NULL);
}

/* With "silent" in the list, the operation fails as a buggy driver would:
 * -1 and no error set. */
#define FAIL_IF(op)                                                                          \
	do {                                                                                 \
		if (failing(ctx, op))                                                        \
			return failing(ctx, "silent") ? -1 :                                 \
			       ctx->host->error_set(err, MC_E_FAILED, "test driver: %s failed " \
						    "(injected)", op);                         \
	} while (0)

static int set_state(struct mc_driver_ctx *ctx, const char *st)
{
	json_object_set_new(ctx->config, "State", json_string(st));
	return 0;
}

static int t_check_flags(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	if (failing(ctx, "check_flags"))
		return failing(ctx, "silent") ? -1 :
		       ctx->host->error_set(err, MC_E_PRECREATE, "test driver: invalid flags (injected)");
	return 0;
}

static int t_precreate(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	if (failing(ctx, "precreate"))
		return ctx->host->error_set(err, MC_E_PRECREATE, "test driver: pre-create check failed (injected)");
	return 0;
}

static int t_create(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	json_t *f = ctx->flags;
	const char *fail = mc_json_str(f, "test-fail");

	json_object_set_new(ctx->config, "IPAddress", json_string(mc_json_str(f, "test-ip")));
	json_object_set_new(ctx->config, "EnginePort", json_integer(mc_json_int(f, "test-engine-port", 2376)));
	json_object_set_new(ctx->config, "DelayMs", json_integer(mc_json_int(f, "test-delay-ms", 0)));
	if (json_object_get(f, "test-label"))
		json_object_set(ctx->config, "Labels", json_object_get(f, "test-label"));
	if (ctx->host->checkpoint(ctx, err) < 0)
		return -1;
	ctx->host->phase(ctx, "Creating test VM...");
	delay(ctx);
	FAIL_IF("create");
	/* Runtime failures come only from MC_TESTDRV_FAIL once the machine exists,
	 * except for the ops named at create time, kept for later calls. */
	if (fail)
		json_object_set_new(ctx->config, "Fail", json_string(fail));
	return set_state(ctx, mc_json_bool(f, "test-paused") ? "Paused" : "Running");
}

static int t_start(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	delay(ctx);
	FAIL_IF("start");
	return set_state(ctx, "Running");
}

static int t_stop(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	delay(ctx);
	FAIL_IF("stop");
	return set_state(ctx, "Stopped");
}

static int t_kill(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	FAIL_IF("kill");
	return set_state(ctx, "Stopped");
}

static int t_restart(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	delay(ctx);
	FAIL_IF("restart");
	return set_state(ctx, "Running");
}

static int t_remove(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	delay(ctx);
	FAIL_IF("remove");
	return 0;
}

static int t_state(struct mc_driver_ctx *ctx, enum mc_state *out, struct mc_error *err)
{
	const char *st = mc_json_str(ctx->config, "State");
	const char *slow = getenv("MC_TESTDRV_STATE_DELAY_MS");

	if (slow && atoll(slow) > 0)
		nanosleep(&(struct timespec){ .tv_sec = atoll(slow) / 1000,
					      .tv_nsec = (atoll(slow) % 1000) * 1000000 }, NULL);
	FAIL_IF("state");
	if (!st || !strcmp(st, "Stopped"))
		*out = MC_STATE_STOPPED;
	else if (!strcmp(st, "Running"))
		*out = MC_STATE_RUNNING;
	else if (!strcmp(st, "Paused"))
		*out = MC_STATE_PAUSED;
	else
		*out = MC_STATE_ERROR;
	return 0;
}

static int t_ip(struct mc_driver_ctx *ctx, char **ip, struct mc_error *err)
{
	const char *a = mc_json_str(ctx->config, "IPAddress");

	FAIL_IF("ip");
	*ip = strdup(a ? a : "127.0.0.1");
	return 0;
}

/* upgrade: like a real driver, only a stopped machine changes its ISO. */
static int t_set_iso(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *st = mc_json_str(ctx->config, "State");

	FAIL_IF("set_iso");
	if (st && strcmp(st, "Stopped") != 0)
		return ctx->host->error_set(err, MC_E_STATE, "test driver: set_iso on a %s machine", st);
	json_object_set_new(ctx->config, "ISO", json_string(mc_json_str(ctx->flags, "iso")));
	json_object_set_new(ctx->config, "ISOSource", json_string(mc_json_str(ctx->flags, "iso-source")));
	json_object_set_new(ctx->config, "ISOVersion", json_string(mc_json_str(ctx->flags, "iso-version")));
	return 0;
}

/* set: like the libvirt driver, hardware only while stopped, disks only grow. */
static int t_set(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *st = mc_json_str(ctx->config, "State");
	json_t *f = ctx->flags;
	long long disk = mc_json_int(f, "disk-size", -1), now = mc_json_int(ctx->config, "DiskSize", 1000);

	if (disk >= 0 && disk < now)
		return ctx->host->error_set(err, MC_E_INVALID, "test driver: the disk is %lld MB: it cannot shrink to %lld MB",
					    now, disk);
	if ((json_object_get(f, "cpus") || json_object_get(f, "memory") || disk >= 0) && st &&
	    strcmp(st, "Stopped") != 0)
		return ctx->host->error_set(err, MC_E_STATE, "test driver: machine is %s: stop it first", st);
	if (json_object_get(f, "cpus"))
		json_object_set(ctx->config, "CPU", json_object_get(f, "cpus"));
	if (json_object_get(f, "memory"))
		json_object_set(ctx->config, "Memory", json_object_get(f, "memory"));
	if (disk >= 0)
		json_object_set_new(ctx->config, "DiskSize", json_integer(disk));
	if (json_object_get(f, "autostart"))
		json_object_set(ctx->config, "Autostart", json_object_get(f, "autostart"));
	FAIL_IF("set");
	return 0;
}

static int t_url(struct mc_driver_ctx *ctx, char **url, struct mc_error *err)
{
	const char *a = mc_json_str(ctx->config, "IPAddress");
	char buf[300];

	FAIL_IF("ip");
	snprintf(buf, sizeof(buf), "tcp://%s:%lld", a ? a : "127.0.0.1",
		 mc_json_int(ctx->config, "EnginePort", 2376));
	*url = strdup(buf);
	return 0;
}

static const struct mc_driver test_driver = {
	.abi = TESTDRV_ABI,
	.name = TESTDRV_NAME,
	.summary = "test driver (state kept in config.json; for make check)",
	.flags = test_flags,
	.has_ssh = 1,
	.check_flags = t_check_flags,
	.precreate = t_precreate,
	.create = t_create,
	.start = t_start,
	.stop = t_stop,
	.kill = t_kill,
	.restart = t_restart,
	.remove = t_remove,
	.state = t_state,
	.ip = t_ip,
	.url = t_url,
	.set_iso = t_set_iso,
	.set = t_set,
};

const struct mc_driver *const mc_driver_entry = &test_driver;
