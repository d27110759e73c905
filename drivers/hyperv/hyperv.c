/*
 * The hyperv driver (built in): Hyper-V VMs on Windows, and from Linux under
 * WSL, driven through a PowerShell shim.
 *
 * docker-machine started a powershell.exe for every cmdlet (about 2 s each).
 * Here one PowerShell runs drivers/hyperv/machinectl-hyperv.ps1 for the whole
 * machinectl invocation, started on first use: each operation is one JSON
 * line to its stdin and one JSON line back (hv.h has the protocol), with a
 * deadline; the child is reaped at exit.  `ls` costs one `states` call: the
 * state op answers from a per-process snapshot of every VM (state and IP)
 * that the first state query takes and any change through this driver drops.
 *
 * A machine is the Hyper-V VM named after it (as docker-machine did).  Its
 * data disk is made here as a fixed VHD holding the boot2docker userdata tar
 * (src/vhd.c), which the shim converts to a dynamic disk.vhd and resizes.
 *
 * The driver's JSON (config.json "Driver"): VMName, VMId (Hyper-V's GUID),
 * Switch, DiskPath, DiskSize, Memory, CPU, DisableDynamicMemory, MACAddress, VLanID, ISO, ISOSource,
 * ISOVersion, IPTimeout, Admin and IPAddress (the last address seen).
 * See doc/hyperv.md.
 */
#include "buildconf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver.h"
#include "hv-vhd.h"
#include "hv.h"

#ifndef MC_PKGDATADIR
#define MC_PKGDATADIR "/usr/local/share/machinectl"
#endif
#define SHIM_NAME "machinectl-hyperv.ps1"
#define POLL_MS 250
#define SNAPSHOT_MAX_AGE_MS 5000
/* The fixed VHD handed to Convert-VHD when the disk can be resized after. */
#define SMALL_DISK_BYTES (10ULL << 20)

static const struct mc_driver_flag hv_flags[] = {
	{ "hyperv-virtual-switch", "HYPERV_VIRTUAL_SWITCH", NULL,
	  "virtual switch of the network adapter (default: the first External switch, else \"Default Switch\")",
	  MC_FLAG_STRING },
	{ "hyperv-disk-size", "HYPERV_DISK_SIZE", "20000", "data disk size in MB (a dynamic VHD)",
	  MC_FLAG_INT, .min = 64, .max = 2040 << 10 },
	{ "hyperv-memory", "HYPERV_MEMORY", "1024", "memory in MB", MC_FLAG_INT,
	  .min = 32, .max = 12 << 20 },
	{ "hyperv-cpu-count", "HYPERV_CPU_COUNT", "1", "number of virtual CPUs", MC_FLAG_INT,
	  .min = 1, .max = 240 },
	{ "hyperv-static-macaddress", "HYPERV_STATIC_MACADDRESS", NULL,
	  "static MAC address of the network adapter (e.g. 00:15:5D:01:02:03)", MC_FLAG_STRING },
	{ "hyperv-vlan-id", "HYPERV_VLAN_ID", NULL, "VLAN ID of the network adapter",
	  MC_FLAG_INT, .min = 1, .max = 4094 },
	{ "hyperv-disable-dynamic-memory", "HYPERV_DISABLE_DYNAMIC_MEMORY", NULL,
	  "turn Hyper-V dynamic memory off", MC_FLAG_BOOL },
	{ "hyperv-ip-timeout", "HYPERV_IP_TIMEOUT", "300",
	  "seconds create/start wait for Hyper-V to report the VM's IP address", MC_FLAG_INT,
	  .min = 1, .max = 86400 },
	{ "hyperv-stop-timeout", "HYPERV_STOP_TIMEOUT", "90",
	  "seconds stop waits for the guest to shut down (Stop-VM) before turning the VM off (Stop-VM -TurnOff)",
	  MC_FLAG_INT, .min = 1, .max = 3600 },
	{ "iso", "MACHINECTL_ISO", NULL,
	  "boot ISO: a path, file:// or http(s):// URL (default: config.ini [defaults] iso, else the machine OS ISO: the newest cached, else downloaded from the release URL (iso-url), see 'os build')",
	  MC_FLAG_STRING, MC_VALUE_FILE },
	{ "hyperv-boot2docker-url", "HYPERV_BOOT2DOCKER_URL", NULL, "alias of --iso", MC_FLAG_STRING },
	{ "iso-sha256", "MACHINECTL_ISO_SHA256", NULL, "expected SHA-256 of the boot ISO",
	  MC_FLAG_STRING },
	{ NULL },
};

/* --- the PowerShell session (one per process) --- */

static struct {
	pthread_mutex_t lock;          /* one request at a time */
	struct mc_child *child;
	const struct mc_host *host;    /* the services the child came from */
	unsigned long next_id;
	bool atexit_done;
	pthread_mutex_t snap_lock;     /* held across the `states` call it guards */
	json_t *snap;                  /* the `states` answer's "vms": [{name, id, state, ip}] */
	long long snap_ms;
	json_t *seen;                  /* VM name -> [IP, ms]: found by a wait in this process */
} hv = { PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 1, false, PTHREAD_MUTEX_INITIALIZER, NULL, 0, NULL };

static void hv_end(void)
{
	/* The shim exits at the end of its stdin. */
	if (hv.child)
		hv.host->child_close(hv.child, 3000);
	hv.child = NULL;
	json_decref(hv.snap);
	hv.snap = NULL;
	json_decref(hv.seen);
	hv.seen = NULL;
}

static char *find_powershell(struct mc_driver_ctx *ctx)
{
	static const char *const names[] = { "powershell.exe", "pwsh.exe", "pwsh" };
	const char *e = getenv("MACHINECTL_POWERSHELL");

	if (e && *e)
		return ctx->host->which(e);
	for (size_t i = 0; i < MC_ARRAY_SIZE(names); i++) {
		char *p = ctx->host->which(names[i]);

		if (p)
			return p;
	}
	return NULL;
}

/* Start PowerShell with the shim; hv.lock held. */
static int session_start(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *env = getenv("MACHINECTL_HYPERV_SHIM");
	const char *shim = env && *env ? env : MC_PKGDATADIR "/" SHIM_NAME;
	_cleanup_free_ char *ps = find_powershell(ctx), *wshim = NULL;
	struct mc_error e = { 0 };

	if (!ps)
		return ctx->host->error_set(err, MC_E_NOT_FOUND,
					    "the hyperv driver needs Windows PowerShell, and neither powershell.exe nor pwsh is in PATH: run machinectl on Windows, or under WSL with Windows interop on (powershell.exe reachable)");
	if (!mc_file_exists(shim))
		return ctx->host->error_set(err, MC_E_NOT_FOUND,
					    "the Hyper-V shim %s is missing: reinstall machinectl ('make install' puts it in %s), or set MACHINECTL_HYPERV_SHIM to drivers/hyperv/" SHIM_NAME,
					    shim, MC_PKGDATADIR);
	if (ctx->host->windows_path(shim, &wshim, &e) < 0)
		return ctx->host->error_set(err, e.code, "%s", e.msg);
	{
		/* The shim runs as the text of a script block, not with -File: an
		 * execution policy set by Group Policy (which -ExecutionPolicy Bypass
		 * does not override) governs script files, not script blocks. */
		_cleanup_free_ char *cmd = hv_shim_command(wshim);
		const char *argv[] = { ps, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
				       "-Command", cmd, NULL };

		if (ctx->host->child_spawn(argv, &hv.child, &e) < 0)
			return ctx->host->error_set(err, e.code, "cannot start PowerShell for Hyper-V: %s",
						    e.msg);
		hv.host = ctx->host;
	}
	if (!hv.atexit_done) {
		atexit(hv_end);
		hv.atexit_done = true;
	}
	return 0;
}

static int verb_timeout_ms(const char *verb)
{
	const char *e = getenv("MACHINECTL_HYPERV_TIMEOUT");
	char *end;
	long s = e && *e ? strtol(e, &end, 10) : 0;

	if (e && *e && !*end && s >= 1 && s <= 86400)
		return (int)(s * 1000);
	if (!strcmp(verb, "stop"))
		return 600000;  /* a guest shutdown (the shim's own timeout), then Stop-VM -TurnOff */
	if (!strcmp(verb, "disk"))
		return 600000;  /* Convert-VHD copies the data */
	if (!strcmp(verb, "check"))
		return 120000;  /* the first cmdlet loads the Hyper-V module */
	return 120000;
}

/* Drop a child whose conversation is out of step (timeout, garbage, exit). */
static void session_kill(void)
{
	if (hv.child)
		hv.host->child_close(hv.child, 0);
	hv.child = NULL;
}

/* The next line that can be an answer.  PowerShell itself may print a line
 * (a warning the shim did not silence): logged and skipped. */
static int read_answer(struct mc_driver_ctx *ctx, int timeout_ms, char **line, struct mc_error *err)
{
	long long deadline = mc_now_ms() + timeout_ms;

	for (;;) {
		long long left = deadline - mc_now_ms();

		if (hv.host->child_read_line(hv.child, left > 0 ? (int)left : 1, line, err) < 0)
			return -1;
		if ((*line)[0] == '{')
			return 0;
		ctx->host->log(MC_LOG_DEBUG, "hyperv shim printed: %s", *line);
		free(*line);
		*line = NULL;
	}
}

/*
 * One request.  args is consumed (NULL: {}).  Returns 0 with *result (a new
 * reference; may be NULL when the caller does not want it), 1 when the shim
 * answered ok:false (*fail filled), -1 when there was no valid answer (err set).
 */
static int hv_call(struct mc_driver_ctx *ctx, const char *verb, json_t *args, json_t **result,
		   struct hv_fail *fail, struct mc_error *err)
{
	_cleanup_json_ json_t *a = args;
	_cleanup_json_ json_t *res = NULL;
	_cleanup_free_ char *req = NULL, *line = NULL;
	struct mc_error e = { 0 };
	int timeout = verb_timeout_ms(verb), rc = -1;
	unsigned long id;
	long long t0 = mc_now_ms();

	pthread_mutex_lock(&hv.lock);
	if (!hv.child && session_start(ctx, err) < 0)
		goto out;
	id = hv.next_id++;
	req = hv_request_line(id, verb, a);
	ctx->host->log(MC_LOG_DEBUG, "hyperv shim <- %.*s", (int)strlen(req) - 1, req);
	if (hv.host->child_write(hv.child, req, strlen(req), timeout, &e) < 0 ||
	    read_answer(ctx, timeout, &line, &e) < 0) {
		if (e.code == MC_E_TIMEOUT)
			ctx->host->error_set(err, MC_E_TIMEOUT,
					     "the Hyper-V shim did not answer \"%s\" within %d s, so PowerShell was stopped: is the Hyper-V service (vmms) responding? Try Get-VM in an elevated PowerShell; MACHINECTL_HYPERV_TIMEOUT=SECONDS waits longer",
					     verb, timeout / 1000);
		else {
			const char *tail = hv.host->child_stderr(hv.child);

			if (strstr(tail, "execution policy") || strstr(tail, "running scripts is disabled") ||
			    strstr(tail, "language mode"))
				ctx->host->error_set(err, MC_E_FAILED,
						     "PowerShell refused to run the Hyper-V shim (%.400s): a policy of this computer forbids it; see the policies with 'Get-ExecutionPolicy -List' (MachinePolicy and UserPolicy come from Group Policy and win over -ExecutionPolicy Bypass) and, for a constrained language mode, $ExecutionContext.SessionState.LanguageMode; ask the administrator to allow %s",
						     tail, SHIM_NAME);
			else
				ctx->host->error_set(err, MC_E_FAILED,
						     "PowerShell exited before answering \"%s\"%s%.600s: run the shim by hand to see why (powershell.exe -NoProfile -File %s)",
						     verb, *tail ? ": " : "", tail,
						     SHIM_NAME);
		}
		session_kill();
		goto out;
	}
	ctx->host->log(MC_LOG_DEBUG, "hyperv shim -> %s (%lld ms)", line, mc_now_ms() - t0);
	rc = hv_parse_answer(line, id, &res, fail, &e);
	if (rc < 0) {
		ctx->host->error_set(err, MC_E_FAILED,
				     "the Hyper-V shim gave a bad answer to \"%s\" (%s): are machinectl and " SHIM_NAME " from the same install?",
				     verb, e.msg);
		session_kill();
		goto out;
	}
	if (rc == 0 && result)
		*result = MC_TAKE(res);
out:
	pthread_mutex_unlock(&hv.lock);
	return rc;
}

/* The error for a failed answer; `next` says what to do. */
static int shim_failed(struct mc_driver_ctx *ctx, int code, const char *verb,
		       const struct hv_fail *f, const char *next, struct mc_error *err)
{
	return ctx->host->error_set(err, code, "%s failed (Hyper-V shim verb \"%s\"): %s%s%s",
				    *f->cmdlet ? f->cmdlet : "the shim", verb,
				    f->message, next ? "; " : "", next ? next : "");
}

/* A call whose failure is an error for the user. */
static int hv_do(struct mc_driver_ctx *ctx, const char *verb, json_t *args, json_t **result,
		 const char *next, struct mc_error *err)
{
	struct hv_fail f;
	int r = hv_call(ctx, verb, args, result, &f, err);

	if (r == 1)
		return shim_failed(ctx, mc_streq(f.code, "notfound") ? MC_E_NOT_FOUND : MC_E_FAILED,
				   verb, &f, next, err);
	return r;
}

static const char *vm_name(struct mc_driver_ctx *ctx)
{
	const char *n = mc_json_str(ctx->config, "VMName");

	return n ? n : ctx->machine_name;
}

/* {"name": N, "id": GUID}: the shim finds the VM by its id when known (names
 * need not be unique in Hyper-V), else by name. */
static json_t *name_args(struct mc_driver_ctx *ctx)
{
	json_t *a = json_pack("{s:s}", "name", vm_name(ctx));
	const char *id = mc_json_str(ctx->config, "VMId");

	if (id)
		json_object_set_new(a, "id", json_string(id));
	return a;
}

/* --- the states snapshot --- */

/* What this process knows of the VMs is stale once it changes one. */
static void snapshot_drop(void)
{
	pthread_mutex_lock(&hv.snap_lock);
	json_decref(hv.snap);
	hv.snap = NULL;
	json_decref(hv.seen);
	hv.seen = NULL;
	pthread_mutex_unlock(&hv.snap_lock);
}

/* The IP a wait just found: the core asks for it right after start/create. */
static void seen_set(struct mc_driver_ctx *ctx, const char *ip)
{
	pthread_mutex_lock(&hv.snap_lock);
	if (!hv.seen)
		hv.seen = json_object();
	json_object_set_new(hv.seen, vm_name(ctx), json_pack("[s,I]", ip, (json_int_t)mc_now_ms()));
	pthread_mutex_unlock(&hv.snap_lock);
}

/* This machine's VM in the snapshot (borrowed; NULL: none); snap_lock held. */
static json_t *snapshot_find(struct mc_driver_ctx *ctx)
{
	const char *id = mc_json_str(ctx->config, "VMId");
	size_t i;
	json_t *vm;

	json_array_foreach(hv.snap, i, vm)
		if (id ? mc_streq(mc_json_str(vm, "id"), id) : mc_streq(mc_json_str(vm, "name"), vm_name(ctx)))
			return vm;
	return NULL;
}

/* This VM's entry in a fresh snapshot (a new reference; NULL when Hyper-V
 * has no such VM).  One `states` call serves every caller meanwhile. */
static int snapshot_get(struct mc_driver_ctx *ctx, json_t **entry, struct mc_error *err)
{
	int rc = 0;

	pthread_mutex_lock(&hv.snap_lock);
	if (!hv.snap || mc_now_ms() - hv.snap_ms > SNAPSHOT_MAX_AGE_MS) {
		_cleanup_json_ json_t *res = NULL;

		json_decref(hv.snap);
		hv.snap = NULL;
		if (hv_do(ctx, "states", NULL, &res, "is the Hyper-V service (vmms) running?", err) < 0) {
			rc = -1;
			goto out;
		}
		hv.snap = json_incref(json_object_get(res, "vms"));
		if (!json_is_array(hv.snap)) {
			json_decref(hv.snap);
			hv.snap = json_array();
		}
		hv.snap_ms = mc_now_ms();
	}
	*entry = json_incref(snapshot_find(ctx));
out:
	pthread_mutex_unlock(&hv.snap_lock);
	return rc;
}

static int vm_gone(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	return ctx->host->error_set(err, MC_E_NOT_FOUND,
				    "Hyper-V has no VM named \"%s\" (removed outside machinectl?): remove the machine with 'machinectl rm -f %s'",
				    vm_name(ctx), ctx->machine_name);
}

static int entry_state(struct mc_driver_ctx *ctx, json_t *entry, enum mc_state *out,
		       struct mc_error *err)
{
	const char *s = mc_json_str(entry, "state");

	*out = hv_state_from_name(s);
	if (*out == MC_STATE_NONE)
		return ctx->host->error_set(err, MC_E_FAILED,
					    "Hyper-V reports the VM \"%s\" in state \"%s\", which machinectl does not know: look at it in Hyper-V Manager",
					    vm_name(ctx), s ? s : "(none)");
	return 0;
}

/* --- flags --- */

/* Hyper-V refuses a memory size that is not a multiple of 2 MB (New-VM,
 * Set-VMMemory: "Memory values must be properly aligned"): refused here,
 * before anything is made, naming the sizes it takes. */
static int check_memory(struct mc_driver_ctx *ctx, const char *opt, long long mb, int code,
			struct mc_error *err)
{
	if (mb % 2 == 0)
		return 0;
	return ctx->host->error_set(err, code,
				    "invalid --%s %lld: Hyper-V takes memory in multiples of 2 MB: pass %lld or %lld",
				    opt, mb, mb + 1, mb - 1);
}

static int check_flags(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *mac = mc_json_str(ctx->flags, "hyperv-static-macaddress");
	char norm[13];

	/* each check names the flag it checks, for an error (ctx->bad_flag) */
	ctx->bad_flag = "hyperv-static-macaddress";
	if (mac && *mac && !hv_mac_normalize(mac, norm))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "invalid --hyperv-static-macaddress \"%s\": use six hex bytes such as 00:15:5D:01:02:03 (a unicast address)",
					    mac);
	ctx->bad_flag = "hyperv-memory";
	return check_memory(ctx, "hyperv-memory", mc_json_int(ctx->flags, "hyperv-memory", 1024),
			    MC_E_PRECREATE, err);
}

/* --- operations --- */

/*
 * Hyper-V must reach the machine's directory as a Windows path.  Under WSL the
 * default store (~/.machinectl) is inside the distribution's file system,
 * which Windows sees as \\wsl.localhost\DISTRO\... (or \\wsl$\...): Hyper-V
 * cannot keep a VHD there.  profile: the Windows user's %USERPROFILE%.
 */
static int check_store(struct mc_driver_ctx *ctx, const char *profile, struct mc_error *err)
{
	_cleanup_free_ char *w = NULL, *lprofile = NULL, *store = NULL;
	struct mc_error e = { 0 };
	const char *slash;

	if (!ctx->host->wsl_version())
		return 0;
	if (ctx->host->windows_path(ctx->machine_dir, &w, &e) < 0)
		return ctx->host->error_set(err, MC_E_PRECREATE, "%s", e.msg);
	if (strncmp(w, "\\\\", 2))
		return 0;
	/* The store is the machine directory's grandparent (STORE/machines/NAME). */
	store = mc_strdup(ctx->machine_dir);
	for (int i = 0; i < 2 && (slash = strrchr(store, '/')); i++)
		store[slash - store] = '\0';
	if (profile && *profile && ctx->host->linux_path(profile, &lprofile, &e) < 0)
		mc_error_clear(&e);
	return ctx->host->error_set(err, MC_E_PRECREATE,
				    "the store %s is inside WSL's own file system, which Windows sees as %.200s: Hyper-V cannot keep a VM's disk there. Put the store on a Windows drive: export MACHINECTL_STORAGE_PATH=%s%s (or pass -s PATH), then create the machine again",
				    store, w, lprofile ? lprofile : "/mnt/c/Users/YOU",
				    "/.machinectl");
}

static int hv_precreate(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *iso = mc_json_str(ctx->flags, "iso");
	_cleanup_json_ json_t *chk = NULL, *sws = NULL;
	const char *sw;
	struct hv_fail f;
	int r;

	/* The core resolves --iso (downloads URLs) before the driver runs. */
	if (!iso || !*iso)
		return ctx->host->error_set(err, MC_E_PRECREATE, "no boot ISO: pass --iso PATH|URL");
	if (!mc_file_exists(iso))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "the boot ISO \"%s\" is not an existing local file", iso);

	if (hv_do(ctx, "check", NULL, &chk, NULL, err) < 0)
		return -1;
	if (!mc_json_bool(chk, "module"))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "the Hyper-V PowerShell module is not installed: turn Hyper-V on with its management tools (as Administrator: Enable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V-All, then reboot)");
	if (!mc_json_bool(chk, "admin") && !mc_json_bool(chk, "hyperv_admin"))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "Hyper-V commands have to be run as an Administrator: %s%s%sis neither an Administrator nor in the \"Hyper-V Administrators\" group; run machinectl from an elevated prompt, or add yourself to that group (Add-LocalGroupMember -SID S-1-5-32-578 -Member USER) and sign in again",
					    mc_json_str(chk, "user") ? "user " : "",
					    mc_json_str(chk, "user") ? mc_json_str(chk, "user") : "",
					    mc_json_str(chk, "user") ? " " : "this user ");

	if (check_store(ctx, mc_json_str(chk, "profile"), err) < 0)
		return -1;
	if (hv_do(ctx, "switches", NULL, &sws, NULL, err) < 0)
		return -1;
	sw = hv_choose_switch(json_object_get(sws, "switches"),
			      mc_json_str(ctx->flags, "hyperv-virtual-switch"), err);
	if (!sw)
		return -1;
	/* WSL 2 runs behind a NAT of its own: a VM on the Default Switch (another
	 * NAT) is unreachable from it unless forwarding joins the two adapters. */
	if (ctx->host->wsl_version() == 2 && hv_is_default_switch(json_object_get(sws, "switches"), sw) &&
	    !mc_json_bool(sws, "default_switch_forwarding"))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "machinectl runs under WSL 2, which cannot reach a VM on Hyper-V's \"%s\" (the Default Switch): either create an External switch (as Administrator in PowerShell: New-VMSwitch -Name machinectl -NetAdapterName (Get-NetAdapter -Physical | Where-Object Status -eq Up | Select-Object -First 1).Name) and pass --hyperv-virtual-switch machinectl, or let WSL reach the Default Switch (as Administrator: Get-NetIPInterface | Where-Object {$_.InterfaceAlias -like 'vEthernet (WSL*' -or $_.InterfaceAlias -eq 'vEthernet (%s)'} | Set-NetIPInterface -Forwarding Enabled; it lasts until Windows restarts); see doc/hyperv.md",
					    sw, sw);
	mc_json_set_str(ctx->config, "Switch", sw);
	json_object_set_new(ctx->config, "Admin", json_boolean(mc_json_bool(chk, "admin")));

	r = hv_call(ctx, "state", json_pack("{s:s}", "name", ctx->machine_name), NULL, &f, err);
	if (r < 0)
		return -1;
	if (r == 0)
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "Hyper-V already has a VM named \"%s\" (not a machine of this store, or a leftover): remove it (Remove-VM -Name '%s') or choose another name",
					    ctx->machine_name, ctx->machine_name);
	if (!mc_streq(f.code, "notfound"))
		return shim_failed(ctx, MC_E_PRECREATE, "state", &f, NULL, err);
	return 0;
}

/* Poll the VM's first IPv4 address until it shows or the deadline passes. */
static int wait_ip(struct mc_driver_ctx *ctx, long long timeout_s, struct mc_error *err)
{
	long long t0 = mc_now_ms();

	ctx->host->phase(ctx,
			 "Waiting for an IP address (Hyper-V reports it once the guest's integration services run; up to %llds)...",
			 timeout_s);
	for (;;) {
		_cleanup_json_ json_t *res = NULL;
		const char *ip, *st;

		if (hv_do(ctx, "ip", name_args(ctx), &res, NULL, err) < 0)
			return -1;
		ip = mc_json_str(res, "ip");
		st = mc_json_str(res, "state");
		if (ip && *ip) {
			mc_json_set_str(ctx->config, "IPAddress", ip);
			seen_set(ctx, ip);
			return 0;
		}
		if (st && hv_state_from_name(st) != MC_STATE_RUNNING &&
		    hv_state_from_name(st) != MC_STATE_STARTING)
			return ctx->host->error_set(err, MC_E_STATE,
						    "the VM stopped while waiting for its IP address (Hyper-V state %s): Hyper-V Manager's event log (Hyper-V-Worker) says why; watch its console while it boots (vmconnect localhost %s)",
						    st, vm_name(ctx));
		if (mc_now_ms() - t0 >= timeout_s * 1000)
			return ctx->host->error_set(err, MC_E_TIMEOUT,
						    "no IP address after %llds: Hyper-V reports none for the VM's network adapter on switch \"%s\". Hyper-V learns a guest's address only from the guest: the boot ISO must have Hyper-V's guest support, the synthetic NIC driver (hv_netvsc) and the KVP daemon (hv_kvp_daemon, from hyperv-daemons), as the machine OS ISO of scripts/build-iso does. Watch the VM's console while it boots (vmconnect localhost %s); an External switch needs a DHCP server on its network; --hyperv-ip-timeout waits longer",
						    timeout_s,
						    mc_json_str(ctx->config, "Switch") ? mc_json_str(ctx->config, "Switch") : "?",
						    vm_name(ctx));
		nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
	}
}

/* A path as Hyper-V (a Windows program) must see it. */
static int win_path(struct mc_driver_ctx *ctx, const char *path, char **out, struct mc_error *err)
{
	struct mc_error e = { 0 };

	if (ctx->host->windows_path(path, out, &e) < 0)
		return ctx->host->error_set(err, e.code, "%s", e.msg);
	return 0;
}

static int hv_start(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	long long timeout_s;

	if (mc_config_int(ctx, "IPTimeout", "a number of seconds", 1, 86400, 300, &timeout_s, err) < 0)
		return -1;
	snapshot_drop();
	ctx->host->phase(ctx, "Starting the VM...");
	if (hv_do(ctx, "start", name_args(ctx), NULL,
		  "look at the VM in Hyper-V Manager (is there enough free memory?)", err) < 0)
		return -1;
	return wait_ip(ctx, timeout_s, err);
}

static int hv_create(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	json_t *f = ctx->flags, *c = ctx->config;
	_cleanup_free_ char *tar = NULL, *fixed = NULL, *disk = NULL;
	_cleanup_free_ char *wdir = NULL, *wfixed = NULL, *wdisk = NULL, *wiso = NULL;
	_cleanup_json_ json_t *res = NULL;
	const char *mac = mc_json_str(f, "hyperv-static-macaddress");
	json_t *vlan = json_object_get(f, "hyperv-vlan-id");
	long long disk_mb = mc_json_int(f, "hyperv-disk-size", 20000);
	struct mc_error e = { 0 };
	char norm[13];
	size_t len;
	json_t *args;

	if (!mc_json_str(c, "Switch"))
		return ctx->host->error_set(err, MC_E_INVALID, "no virtual switch chosen (precreate did not run)");
	/* Recorded first: a failure from here on is undone by remove. */
	mc_json_set_str(c, "VMName", ctx->machine_name);
	json_object_set_new(c, "Memory", json_integer(mc_json_int(f, "hyperv-memory", 1024)));
	json_object_set_new(c, "CPU", json_integer(mc_json_int(f, "hyperv-cpu-count", 1)));
	json_object_set_new(c, "DiskSize", json_integer(disk_mb));
	json_object_set_new(c, "DisableDynamicMemory", json_boolean(mc_json_bool(f, "hyperv-disable-dynamic-memory")));
	mc_json_set_str(c, "MACAddress", mac && *mac && hv_mac_normalize(mac, norm) ? norm : NULL);
	json_object_set_new(c, "VLanID", json_is_integer(vlan) ? json_incref(vlan) : json_null());
	json_object_set_new(c, "IPTimeout", json_integer(mc_json_int(f, "hyperv-ip-timeout", 300)));
	json_object_set_new(c, "StopTimeout", json_integer(mc_json_int(f, "hyperv-stop-timeout", 90)));
	mc_json_set_str(c, "ISO", mc_json_str(f, "iso"));
	mc_json_set_str(c, "ISOSource", mc_json_str(f, "iso-source"));
	mc_json_set_str(c, "ISOVersion", mc_json_str(f, "iso-version"));
	fixed = mc_path_join(ctx->machine_dir, "fixed.vhd");
	disk = mc_path_join(ctx->machine_dir, "disk.vhd");
	mc_json_set_str(c, "DiskPath", disk);
	if (ctx->host->checkpoint(ctx, err) < 0)
		return -1;

	if (ctx->host->userdata_tar(ctx, &tar, &len, err) < 0)
		return -1;
	ctx->host->phase(ctx, "Creating the data disk (%lld MB, dynamic VHD)...", disk_mb);
	/* Resize-VHD needs an Administrator; a Hyper-V Administrator gets the
	 * fixed disk at full size instead (sparse here, converted by Hyper-V). */
	if (mc_vhd_write_fixed(fixed, tar, len,
			       mc_json_bool(c, "Admin") ? SMALL_DISK_BYTES : (uint64_t)disk_mb << 20, NULL,
			       &e) < 0)
		return ctx->host->error_set(err, e.code, "%s", e.msg);
	if (win_path(ctx, fixed, &wfixed, err) < 0 || win_path(ctx, disk, &wdisk, err) < 0 ||
	    win_path(ctx, ctx->machine_dir, &wdir, err) < 0 ||
	    win_path(ctx, mc_json_str(c, "ISO"), &wiso, err) < 0)
		return -1;
	if (hv_do(ctx, "disk", json_pack("{s:s,s:s,s:I}", "fixed", wfixed, "path", wdisk, "size_mb",
					 (json_int_t)disk_mb),
		  NULL, "is there room on the drive of the store?", err) < 0)
		return -1;

	ctx->host->phase(ctx, "Creating the Hyper-V VM (switch \"%s\", %lld MB, %lld CPU)...",
			 mc_json_str(c, "Switch"), mc_json_int(c, "Memory", 1024), mc_json_int(c, "CPU", 1));
	args = json_pack("{s:s,s:s,s:s,s:I,s:I,s:b,s:s,s:s}", "name", ctx->machine_name, "path", wdir,
			 "switch", mc_json_str(c, "Switch"), "memory_mb",
			 (json_int_t)mc_json_int(c, "Memory", 1024), "cpus",
			 (json_int_t)mc_json_int(c, "CPU", 1), "disable_dynamic_memory",
			 mc_json_bool(c, "DisableDynamicMemory"), "iso", wiso, "disk", wdisk);
	json_object_set(args, "mac", json_object_get(c, "MACAddress"));
	json_object_set(args, "vlan", json_object_get(c, "VLanID"));
	snapshot_drop();
	if (hv_do(ctx, "create", args, &res, NULL, err) < 0)
		return -1;
	mc_json_set_str(c, "VMId", mc_json_str(res, "id"));
	if (ctx->host->checkpoint(ctx, err) < 0)
		return -1;
	return hv_start(ctx, err);
}

static int hv_stop(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	long long t;
	_cleanup_json_ json_t *res = NULL;
	json_t *args;

	if (mc_config_int(ctx, "StopTimeout", "a number of seconds", 1, 3600, 90, &t, err) < 0)
		return -1;
	args = name_args(ctx);
	snapshot_drop();
	ctx->host->phase(ctx, "Shutting the VM down (Stop-VM, up to %lld s)...", t);
	json_object_set_new(args, "timeout_s", json_integer(t));
	if (hv_do(ctx, "stop", args, &res, "'machinectl kill' turns it off without a shutdown", err) < 0)
		return -1;
	/* The shim says why: the VM's Shutdown integration service (without
	 * which Stop-VM -Force turns the VM off without a word) is disabled or
	 * gets no answer from the guest, or the guest took too long. */
	if (mc_json_bool(res, "turned_off"))
		ctx->host->log(MC_LOG_WARN,
			       "machine \"%s\": %s, so the VM was turned off (Stop-VM -TurnOff): does the boot ISO have Hyper-V's guest services (hv_utils)?",
			       ctx->machine_name,
			       mc_json_str(res, "reason") ? mc_json_str(res, "reason") : "the guest did not shut down");
	return 0;
}

static int hv_kill(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	snapshot_drop();
	return hv_do(ctx, "kill", name_args(ctx), NULL, NULL, err);
}

static int hv_remove(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	snapshot_drop();
	/* The shim treats a VM that is already gone as removed. */
	return hv_do(ctx, "remove", name_args(ctx), NULL,
		     "remove the VM in Hyper-V Manager, then 'machinectl rm -f' forgets the machine", err);
}

static int hv_state(struct mc_driver_ctx *ctx, enum mc_state *out, struct mc_error *err)
{
	_cleanup_json_ json_t *entry = NULL;

	if (snapshot_get(ctx, &entry, err) < 0)
		return -1;
	if (!entry)
		return vm_gone(ctx, err);
	return entry_state(ctx, entry, out, err);
}

static int hv_states(struct mc_driver_ctx *const *ctxs, size_t n, enum mc_state *out,
		     struct mc_error *errs, struct mc_error *err)
{
	for (size_t i = 0; i < n; i++) {
		_cleanup_json_ json_t *entry = NULL;

		/* The first lookup takes the snapshot (one `states` call) for all. */
		if (snapshot_get(ctxs[i], &entry, i == 0 ? err : &errs[i]) < 0) {
			if (i == 0)
				return -1;
			continue;
		}
		if (!entry)
			vm_gone(ctxs[i], &errs[i]);
		else
			entry_state(ctxs[i], entry, &out[i], &errs[i]);
	}
	return 0;
}

static int hv_ip(struct mc_driver_ctx *ctx, char **ip, struct mc_error *err)
{
	_cleanup_json_ json_t *entry = NULL, *res = NULL;
	const char *a, *st;

	/* Within an ls the snapshot has it; after a start, the wait found it. */
	pthread_mutex_lock(&hv.snap_lock);
	if (hv.snap && mc_now_ms() - hv.snap_ms <= SNAPSHOT_MAX_AGE_MS)
		entry = json_incref(snapshot_find(ctx));
	if (!entry && hv.seen) {
		json_t *s = json_object_get(hv.seen, vm_name(ctx));

		if (s && mc_now_ms() - json_integer_value(json_array_get(s, 1)) <= SNAPSHOT_MAX_AGE_MS)
			entry = json_pack("{s:O}", "ip", json_array_get(s, 0));
	}
	pthread_mutex_unlock(&hv.snap_lock);
	if ((a = mc_json_str(entry, "ip")) && *a) {
		*ip = mc_strdup(a);
		return 0;
	}
	if (hv_do(ctx, "ip", name_args(ctx), &res, NULL, err) < 0)
		return -1;
	a = mc_json_str(res, "ip");
	st = mc_json_str(res, "state");
	if (!a || !*a)
		return ctx->host->error_set(err, MC_E_STATE,
					    "Hyper-V reports no IPv4 address for the VM (state %s): %s",
					    st ? st : "unknown",
					    hv_state_from_name(st) == MC_STATE_RUNNING
						    ? "it may still be booting; if it stays so, check that its switch gives DHCP addresses"
						    : "start it with 'machinectl start'");
	mc_json_set_str(ctx->config, "IPAddress", a);
	*ip = mc_strdup(a);
	return 0;
}

/* upgrade: the VM's DVD drive gets the new ISO (Set-VMDvdDrive). */
static int hv_set_iso(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *iso = mc_json_str(ctx->flags, "iso");
	_cleanup_free_ char *wiso = NULL;
	json_t *args;

	if (!iso || !mc_file_exists(iso))
		return ctx->host->error_set(err, MC_E_INVALID, "the boot ISO \"%s\" is not an existing local file",
					    iso ? iso : "");
	if (win_path(ctx, iso, &wiso, err) < 0)
		return -1;
	args = name_args(ctx);
	json_object_set_new(args, "iso", json_string(wiso));
	if (hv_do(ctx, "iso", args, NULL, NULL, err) < 0)
		return -1;
	mc_json_set_str(ctx->config, "ISO", iso);
	mc_json_set_str(ctx->config, "ISOSource", mc_json_str(ctx->flags, "iso-source"));
	mc_json_set_str(ctx->config, "ISOVersion", mc_json_str(ctx->flags, "iso-version"));
	return 0;
}

/* set: the shim's Set-VMProcessor, Set-VMMemory, Resize-VHD on a VM that is
 * Off; Set-VM -AutomaticStartAction Start|Nothing at any time. */
static int hv_set(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	json_t *f = ctx->flags, *c = ctx->config, *autostart = json_object_get(f, "autostart");
	long long disk = mc_json_int(f, "disk-size", -1), now = mc_json_int(c, "DiskSize", 20000);
	bool hw = json_object_get(f, "cpus") || json_object_get(f, "memory") || disk >= 0;
	const char *path = mc_json_str(c, "DiskPath");
	_cleanup_free_ char *wdisk = NULL;
	enum mc_state st;
	json_t *args;

	if (json_object_get(f, "memory") &&
	    check_memory(ctx, "memory", mc_json_int(f, "memory", 0), MC_E_USAGE, err) < 0)
		return -1;
	if (disk >= 0 && disk < now)
		return ctx->host->error_set(err, MC_E_INVALID,
					    "the data disk of machine \"%s\" is %lld MB: it cannot shrink to %lld MB (disks only grow)",
					    ctx->machine_name, now, disk);
	if (hw) {
		if (hv_state(ctx, &st, err) < 0)
			return -1;
		if (st != MC_STATE_STOPPED)
			return ctx->host->error_set(err, MC_E_STATE,
						    "machine \"%s\" is not Off: Hyper-V changes its processors, memory and disk only while it is off: run 'machinectl stop %s' first (--autostart changes at any time)",
						    ctx->machine_name, ctx->machine_name);
	}
	if (disk > now) {
		if (!path)
			return ctx->host->error_set(err, MC_E_INVALID, "machine \"%s\" has no data disk in its config.json",
						    ctx->machine_name);
		if (win_path(ctx, path, &wdisk, err) < 0)
			return -1;
	}
	args = name_args(ctx);
	if (json_object_get(f, "cpus"))
		json_object_set(args, "cpus", json_object_get(f, "cpus"));
	if (json_object_get(f, "memory"))
		json_object_set(args, "memory_mb", json_object_get(f, "memory"));
	if (wdisk) {
		json_object_set_new(args, "disk_mb", json_integer(disk));
		json_object_set_new(args, "disk", json_string(wdisk));
	}
	if (autostart)
		json_object_set(args, "autostart", autostart);
	if (hv_do(ctx, "set", args, NULL, NULL, err) < 0)
		return -1;
	if (json_object_get(f, "cpus"))
		json_object_set(c, "CPU", json_object_get(f, "cpus"));
	if (json_object_get(f, "memory"))
		json_object_set(c, "Memory", json_object_get(f, "memory"));
	if (wdisk)
		json_object_set_new(c, "DiskSize", json_integer(disk));
	if (autostart)
		json_object_set(c, "Autostart", autostart);
	return 0;
}

const struct mc_driver mc_driver_hyperv = {
	.abi = MC_DRIVER_ABI,
	.name = "hyperv",
	.summary = "Hyper-V virtual machines on Windows (or from WSL), through a PowerShell shim",
	.flags = hv_flags,
	.has_ssh = 1,
	.provision = 1,
	.check_flags = check_flags,
	.precreate = hv_precreate,
	.create = hv_create,
	.start = hv_start,
	.stop = hv_stop,
	.kill = hv_kill,
	/* restart: NULL, the core runs stop + start. */
	.remove = hv_remove,
	.state = hv_state,
	.ip = hv_ip,
	.states = hv_states,
	.set_iso = hv_set_iso,
	.set = hv_set,
};
