/*
 * The virtualbox driver: a VirtualBox VM driven through VBoxManage, the way
 * docker-machine's virtualbox driver did it (../shared/reference/docker-machine.md
 * section 5; doc/virtualbox.md).  Built in: it only runs a program.
 *
 * Every VBoxManage call goes through host->run with an argv (logged under
 * --debug); a transient error (the object is not ready, the session lock
 * VirtualBox keeps for a moment after a power off) is retried for a few
 * seconds, anything else that fails is reported with the command line and
 * VBoxManage's stderr.
 *
 * Private state ("Driver" in config.json): VMName, VBoxManage (only when
 * given with --virtualbox-vboxmanage), CPU, Memory, DiskSize, DiskPath, ISO,
 * ISOSource, ISOVersion, NatNicType, HostOnlyCIDR, HostOnlyNicType,
 * HostOnlyPromiscMode, HostOnlyNoDHCP, HostOnlyInterface, UIType, DNSProxy,
 * HostDNSResolver, ShareFolder, SSHPort, SSHUser, StartTimeout, StopTimeout.
 */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "driver.h"
#include "vbox.h"

#define VBM_TIMEOUT_MS 120000
#define VBM_DISK_TIMEOUT_MS (30 * 60 * 1000)
#define VBM_RETRY_MS 5000 /* transient errors: retried for this long in all */
#define POLL_MS 250
#define IP_WAIT_MS 20000

static const struct mc_driver_flag vbox_flags[] = {
	{ "iso", "MACHINECTL_ISO", NULL,
	  "boot ISO: a path, file:// or http(s):// URL (default: config.ini [defaults] iso, else the machine OS ISO: the newest cached, else downloaded from the release URL (iso-url), see 'os build')",
	  MC_FLAG_STRING, MC_VALUE_FILE },
	{ "iso-sha256", "MACHINECTL_ISO_SHA256", NULL, "expected SHA-256 of the boot ISO", MC_FLAG_STRING },
	{ "virtualbox-boot2docker-url", "VIRTUALBOX_BOOT2DOCKER_URL", NULL, "alias of --iso", MC_FLAG_STRING },
	{ "virtualbox-cpu-count", "VIRTUALBOX_CPU_COUNT", "1", "number of CPUs (-1: all the host's, at most 32)",
	  MC_FLAG_INT },
	{ "virtualbox-disk-size", "VIRTUALBOX_DISK_SIZE", "20000", "data disk size in MB", MC_FLAG_INT,
	  .min = 1, .max = 2 << 20 },
	{ "virtualbox-host-dns-resolver", "VIRTUALBOX_HOST_DNS_RESOLVER", NULL,
	  "use the host's DNS resolver (--natdnshostresolver1 on)", MC_FLAG_BOOL },
	{ "virtualbox-hostonly-cidr", "VIRTUALBOX_HOSTONLY_CIDR", "192.168.56.1/24",
	  "host address and prefix of the host-only network (VirtualBox >= 6.1.28 allows 192.168.56.0/21 unless /etc/vbox/networks.conf says more)",
	  MC_FLAG_STRING },
	{ "virtualbox-hostonly-nicpromisc", "VIRTUALBOX_HOSTONLY_NIC_PROMISC", "deny",
	  "host-only NIC promiscuous mode: deny, allow-vms or allow-all", MC_FLAG_STRING, MC_VALUE_CHOICE,
	  "deny allow-vms allow-all" },
	{ "virtualbox-hostonly-nictype", "VIRTUALBOX_HOSTONLY_NIC_TYPE", "82540EM",
	  "host-only NIC type: 82540EM, 82543GC, 82545EM, Am79C970A, Am79C973 or virtio", MC_FLAG_STRING,
	  MC_VALUE_CHOICE, "82540EM 82543GC 82545EM Am79C970A Am79C973 virtio" },
	{ "virtualbox-hostonly-no-dhcp", "VIRTUALBOX_HOSTONLY_NO_DHCP", NULL,
	  "do not add or fix a DHCP server on the host-only network", MC_FLAG_BOOL },
	{ "virtualbox-memory", "VIRTUALBOX_MEMORY_SIZE", "1024", "memory in MB", MC_FLAG_INT,
	  .min = 64, .max = 1 << 20 },
	{ "virtualbox-nat-nictype", "VIRTUALBOX_NAT_NICTYPE", "82540EM",
	  "NAT NIC type: 82540EM, 82543GC, 82545EM, Am79C970A, Am79C973 or virtio", MC_FLAG_STRING,
	  MC_VALUE_CHOICE, "82540EM 82543GC 82545EM Am79C970A Am79C973 virtio" },
	{ "virtualbox-no-dns-proxy", "VIRTUALBOX_NO_DNS_PROXY", NULL,
	  "do not proxy DNS requests through the host (--natdnsproxy1 off)", MC_FLAG_BOOL },
	{ "virtualbox-no-share", "VIRTUALBOX_NO_SHARE", NULL, "do not share the home directory with the machine (the same as --no-share)",
	  MC_FLAG_BOOL },
	{ "virtualbox-no-vtx-check", "VIRTUALBOX_NO_VTX_CHECK", NULL,
	  "skip the check for hardware virtualization (VT-x/AMD-V) before creating", MC_FLAG_BOOL },
	{ "virtualbox-share-folder", "VIRTUALBOX_SHARE_FOLDER", NULL,
	  "share DIR with the machine as NAME, mounted at /NAME (DIR:NAME; --share DIR:/NAME but for the name)", MC_FLAG_STRING },
	{ "virtualbox-ssh-user", "VIRTUALBOX_SSH_USER", "docker",
	  "user the boot ISO installs the machine's key for", MC_FLAG_STRING },
	{ "virtualbox-start-timeout", "VIRTUALBOX_START_TIMEOUT", "300",
	  "seconds create/start wait for SSH and the IP address", MC_FLAG_INT,
	  .min = 1, .max = 86400 },
	{ "virtualbox-stop-timeout", "VIRTUALBOX_STOP_TIMEOUT", "90",
	  "seconds stop waits after the ACPI power button before forcing the machine off", MC_FLAG_INT,
	  .min = 0, .max = 86400 },
	{ "virtualbox-ui-type", "VIRTUALBOX_UI_TYPE", "headless", "startvm --type: headless, gui, sdl or separate",
	  MC_FLAG_STRING, MC_VALUE_CHOICE, "headless gui sdl separate" },
	{ "virtualbox-vboxmanage", "VIRTUALBOX_VBOXMANAGE", NULL,
	  "path of VBoxManage (default: in $VBOX_MSI_INSTALL_PATH, $VBOX_INSTALL_PATH, then PATH)", MC_FLAG_STRING,
	  MC_VALUE_FILE },
	{ NULL },
};

/* --- VBoxManage --- */

static const char *vm_name(struct mc_driver_ctx *ctx)
{
	const char *n = mc_json_str(ctx->config, "VMName");

	return n ? n : ctx->machine_name;
}

/* Where VBoxManage is: the flag (create) or recorded path, the install
 * folders VirtualBox's installers export, then PATH.  malloc'd or NULL. */
static char *vbm_find(struct mc_driver_ctx *ctx, const char **given)
{
	const char *p = mc_json_str(ctx->flags, "virtualbox-vboxmanage");
	static const char *const envs[] = { "VBOX_MSI_INSTALL_PATH", "VBOX_INSTALL_PATH" };

	if (!p || !*p)
		p = mc_json_str(ctx->config, "VBoxManage");
	*given = p && *p ? p : NULL;
	if (*given)
		return access(p, X_OK) == 0 ? mc_strdup(p) : NULL;
	for (size_t i = 0; i < MC_ARRAY_SIZE(envs); i++) {
		const char *e = getenv(envs[i]);

		/* VBOX_INSTALL_PATH may list several folders (';' on Windows). */
		while (e && *e) {
			size_t n = strcspn(e, ";:");
			_cleanup_free_ char *dir = mc_strndup(e, n);
			_cleanup_free_ char *exe = mc_path_join(dir, "VBoxManage");

			if (n && access(exe, X_OK) == 0)
				return MC_TAKE(exe);
			e += n;
			if (*e)
				e++;
		}
	}
	return ctx->host->which("VBoxManage");
}

/* Lines of VBoxManage's stderr that say what went wrong, on one line. */
static char *stderr_excerpt(const char *s)
{
	_cleanup_free_ char *all = NULL, *errs = NULL;
	const char *line = s;

	while (line && *line) {
		size_t n = strcspn(line, "\n");

		if (n) {
			char *piece = mc_strndup(line, n);
			char **dst = strstr(piece, "error:") ? &errs : &all;
			char *j = mc_asprintf("%s%s%s", *dst ? *dst : "", *dst ? "; " : "", piece);

			free(*dst);
			*dst = j;
			free(piece);
		}
		line += n;
		if (*line)
			line++;
	}
	if (errs && strlen(errs) > 500)
		errs[500] = '\0';
	if (!errs && all && strlen(all) > 500)
		all[500] = '\0';
	return errs ? MC_TAKE(errs) : all ? MC_TAKE(all) : mc_strdup("(no output)");
}

/* The transient part of VBoxManage's stderr, or NULL.  "The object is not
 * ready": VBoxSVC is still starting.  The rest: the VM's session is still
 * locked just after a power off (an ACPI shutdown that completed, or
 * `controlvm poweroff`), for a moment (vagrant #8104, packer #511):
 * modifyvm, storagectl, storageattach and sharedfolder say "already locked
 * for a session (or being unlocked)", startvm "already locked by a session
 * (or being locked or unlocked)", unregistervm "Cannot unregister the
 * machine ... while it is locked". */
static const char *vbm_transient(const char *stderr_text)
{
	static const char *const texts[] = {
		"error: The object is not ready",
		"is already locked for a session",
		"is already locked by a session",
		"while it is locked",
	};

	for (size_t i = 0; stderr_text && i < MC_ARRAY_SIZE(texts); i++)
		if (strstr(stderr_text, texts[i]))
			return texts[i];
	return NULL;
}

struct vbm_call {
	const char *const *args;   /* VBoxManage's arguments, without the program */
	int in_fd;                 /* stdin from this file (convertfromraw), or 0 */
	int timeout_ms;            /* 0: VBM_TIMEOUT_MS */
	char **out;                /* stdout (malloc'd), or NULL */
	char **errout;             /* stderr of a failed call (malloc'd), or NULL */
	bool quiet;                /* failure: no error set (the caller decides) */
};

/* Run VBoxManage.  -1 with err set (unless c->quiet) when it cannot run,
 * exits non-zero or prints "error:" on stderr. */
static int vbm_run(struct mc_driver_ctx *ctx, struct vbm_call *c, struct mc_error *err)
{
	const char *given = NULL;
	_cleanup_free_ char *exe = vbm_find(ctx, &given);
	_cleanup_strv_ char **argv = NULL;
	_cleanup_free_ char *cmd = NULL;
	/* English output whatever the user's locale: VBoxManage (VirtualBox 7
	 * translates it) takes its language from LC_ALL, then LC_MESSAGES, then
	 * LANG (VirtualBoxTranslator.cpp); there is no VBOX_ variable for it. */
	static const char *const c_locale[] = { "LC_ALL=C", "LC_MESSAGES=C", "LANG=C", NULL };
	struct mc_run_opts o = { .in_fd = c->in_fd,
				  .timeout_ms = c->timeout_ms ? c->timeout_ms : VBM_TIMEOUT_MS,
				  .env = c_locale };

	if (!exe)
		return ctx->host->error_set(err, MC_E_NOT_FOUND,
					    given ? "VBoxManage not found at %s (given with --virtualbox-vboxmanage): reinstall VirtualBox or fix the path"
						  : "VBoxManage not found%s: install VirtualBox, or name the program with --virtualbox-vboxmanage or VBOX_INSTALL_PATH",
					    given ? given : " (looked in $VBOX_MSI_INSTALL_PATH, $VBOX_INSTALL_PATH and PATH)");
	mc_strv_push(&argv, mc_strdup(exe));
	for (size_t i = 0; c->args[i]; i++)
		mc_strv_push(&argv, mc_strdup(c->args[i]));
	/* Messages show "VBoxManage ARGS" as a user would type it. */
	{
		const char *a0 = argv[0];

		argv[0] = mc_strdup("VBoxManage");
		cmd = ctx->host->argv_str((const char *const *)argv);
		free(argv[0]);
		argv[0] = (char *)a0;
	}
	for (long long t0 = mc_now_ms(), attempt = 1;; attempt++) {
		struct mc_run_result r = { 0 };
		struct mc_error e = { 0 };
		const char *transient;
		long long wait_ms = 100 * attempt;
		bool failed;

		if (c->in_fd > 0 && lseek(c->in_fd, 0, SEEK_SET) < 0)
			return ctx->host->error_set(err, MC_E_IO, "cannot rewind the data disk image: %s",
						    strerror(errno));
		if (ctx->host->run((const char *const *)argv, &o, &r, &e) < 0) {
			mc_run_result_free(&r);
			if (c->quiet)
				return -1;
			return ctx->host->error_set(err, e.code, "`%s` failed: %s", cmd, e.msg);
		}
		failed = r.status != 0 || strstr(r.err, "error:");
		/* Growing waits (100 ms, 200 ms, ...), VBM_RETRY_MS in all. */
		transient = failed ? vbm_transient(r.err) : NULL;
		if (transient && mc_now_ms() - t0 + wait_ms <= VBM_RETRY_MS) {
			ctx->host->log(MC_LOG_DEBUG, "`%s`: \"%s\" (transient): retry %lld in %lld ms", cmd,
				       transient, attempt, wait_ms);
			mc_run_result_free(&r);
			nanosleep(&(struct timespec){ wait_ms / 1000, (wait_ms % 1000) * 1000000L }, NULL);
			continue;
		}
		if (failed) {
			_cleanup_free_ char *ex = stderr_excerpt(r.err);

			if (c->errout)
				*c->errout = mc_strdup(r.err);
			mc_run_result_free(&r);
			if (c->quiet)
				return -1;
			return ctx->host->error_set(err, MC_E_FAILED, "`%s` failed (exit %d): %s", cmd,
						    r.status, ex);
		}
		if (c->out)
			*c->out = MC_TAKE(r.out);
		mc_run_result_free(&r);
		return 0;
	}
}

#define VBM(ctx, err, ...) \
	vbm_run((ctx), &(struct vbm_call){ .args = (const char *const[]){ __VA_ARGS__, NULL } }, (err))
#define VBM_OUT(ctx, err, outp, ...)                                                               \
	vbm_run((ctx), &(struct vbm_call){ .args = (const char *const[]){ __VA_ARGS__, NULL },      \
					    .out = (outp) },                                        \
		(err))

static bool is_not_found(const char *stderr_text)
{
	return stderr_text && (strstr(stderr_text, "Could not find a registered machine") ||
			       strstr(stderr_text, "VBOX_E_OBJECT_NOT_FOUND"));
}

/* showvminfo NAME --machinereadable as an object; *missing set when the VM is not registered. */
static int vm_info(struct mc_driver_ctx *ctx, json_t **info, bool *missing, struct mc_error *err)
{
	_cleanup_free_ char *out = NULL, *eo = NULL;
	struct vbm_call c = { .args = (const char *const[]){ "showvminfo", vm_name(ctx), "--machinereadable", NULL },
			      .out = &out, .errout = &eo };
	struct mc_error e = { 0 };

	*missing = false;
	if (vbm_run(ctx, &c, &e) < 0) {
		if (is_not_found(eo)) {
			*missing = true;
			return ctx->host->error_set(err, MC_E_NOT_FOUND,
						    "the VirtualBox VM \"%s\" is not registered (removed outside machinectl?): 'machinectl rm -f %s' forgets the machine",
						    vm_name(ctx), ctx->machine_name);
		}
		return ctx->host->error_set(err, e.code, "%s", e.msg);
	}
	*info = mc_vbox_parse_machinereadable(out);
	return 0;
}

static int vm_state(struct mc_driver_ctx *ctx, const struct mc_vbox_state **st, json_t **info_out,
		    struct mc_error *err)
{
	json_t *info = NULL;
	bool missing;

	if (vm_info(ctx, &info, &missing, err) < 0)
		return -1;
	*st = mc_vbox_state_by_name(mc_json_str(info, "VMState"));
	if (info_out)
		*info_out = info;
	else
		json_decref(info);
	return 0;
}

/* --- checks --- */

static int vbox_version(struct mc_driver_ctx *ctx, struct mc_vbox_version *v, struct mc_error *err)
{
	_cleanup_free_ char *out = NULL;

	if (VBM_OUT(ctx, err, &out, "--version") < 0)
		return -1;
	if (mc_vbox_parse_version(out, v) < 0)
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "cannot read the VirtualBox version from `VBoxManage --version`: \"%.200s\"",
					    out);
	return 0;
}

/* VirtualBox's CPUs: 1 to 32, or -1 (all the host's, at most 32) at create
 * only; the flag declares no range for the parser, as 0 is in none. */
#define VBOX_MAX_CPUS 32

static int check_flags(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	json_t *f = ctx->flags;
	long long cpus = mc_json_int(f, "virtualbox-cpu-count", 1);
	const char *share = mc_json_str(f, "virtualbox-share-folder");
	const char *user = mc_json_str(f, "virtualbox-ssh-user");
	const char *cidr = mc_json_str(f, "virtualbox-hostonly-cidr"), *why;
	uint32_t ip;
	int prefix;

	/* each check names the flag it checks, for an error (ctx->bad_flag) */
	ctx->bad_flag = "virtualbox-cpu-count";
	if (cpus != -1 && (cpus < 1 || cpus > VBOX_MAX_CPUS))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "invalid --virtualbox-cpu-count %lld: use 1-%d, or -1 for all the host's CPUs", cpus,
					    VBOX_MAX_CPUS);
	ctx->bad_flag = "virtualbox-share-folder";
	if (share && *share) {
		const char *c = strrchr(share, ':');

		if (!c || c == share || !c[1])
			return ctx->host->error_set(err, MC_E_PRECREATE,
						    "invalid --virtualbox-share-folder \"%s\": use DIR:NAME, e.g. /srv/data:data", share);
	}
	ctx->bad_flag = "virtualbox-ssh-user";
	if (ctx->host->check_ssh_user(user, err) < 0) {
		err->code = MC_E_PRECREATE;
		ctx->host->error_prefix(err, "invalid --virtualbox-ssh-user: ");
		return -1;
	}
	ctx->bad_flag = "virtualbox-hostonly-cidr";
	if (mc_vbox_parse_cidr(cidr, &ip, &prefix, &why) < 0)
		return ctx->host->error_set(err, MC_E_PRECREATE, "invalid --virtualbox-hostonly-cidr \"%s\": %s",
					    cidr ? cidr : "", why);
	return 0;
}

/* Hardware virtualization.  MACHINECTL_TEST_CPUINFO (tests only) replaces /proc/cpuinfo. */
static int check_vtx(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *path = getenv("MACHINECTL_TEST_CPUINFO");
	_cleanup_free_ char *text = NULL;
	struct mc_error e = { 0 };

	if (!path || !*path)
		path = "/proc/cpuinfo";
	if (ctx->host->read_file(path, &text, NULL, &e) < 0) {
		ctx->host->log(MC_LOG_DEBUG, "cannot read %s (%s): skipping the VT-x check", path, e.msg);
		return 0;
	}
	if (!mc_vbox_cpuinfo_has_vtx(text))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "This computer doesn't have VT-X/AMD-v enabled. Enabling it in the BIOS is mandatory (%s shows no vmx or svm flag; inside a VM, enable nested virtualization). If VirtualBox runs anyway, skip this check with --virtualbox-no-vtx-check",
					    path);
	return 0;
}

/* The text of networks.conf, or NULL.  MACHINECTL_TEST_VBOX_NETWORKS_CONF (tests only) replaces the path. */
static char *networks_conf(struct mc_driver_ctx *ctx, const char **path)
{
	const char *p = getenv("MACHINECTL_TEST_VBOX_NETWORKS_CONF");
	char *text = NULL;
	struct mc_error e = { 0 };

	*path = p && *p ? p : "/etc/vbox/networks.conf";
	if (ctx->host->read_file(*path, &text, NULL, &e) < 0)
		return NULL;
	return text;
}

/* Does ip/prefix collide with a host interface or route (VirtualBox's own excluded)?
 * 1 with *what set, 0 when not. */
static int host_collision(struct mc_driver_ctx *ctx, uint32_t ip, int prefix, char **what)
{
	struct mc_run_result ra = { 0 }, rr = { 0 };
	struct mc_error e = { 0 };
	int r;

	*what = NULL;
	if (ctx->host->run((const char *const[]){ "ip", "-j", "addr", "show", NULL },
			   &(struct mc_run_opts){ .timeout_ms = 10000 }, &ra, &e) == 0 && ra.status == 0 &&
	    ctx->host->run((const char *const[]){ "ip", "-j", "route", "show", NULL },
			   &(struct mc_run_opts){ .timeout_ms = 10000 }, &rr, &e) == 0 && rr.status == 0) {
		r = mc_vbox_host_collision(ra.out, rr.out, ip, prefix, what);
	} else {
		_cleanup_free_ char *text = NULL;

		/* No iproute2 (or not Linux): the kernel's route table, when there is one. */
		r = ctx->host->read_file("/proc/net/route", &text, NULL, &e) == 0
			    ? mc_vbox_proc_route_collision(text, ip, prefix, what)
			    : 0;
	}
	mc_run_result_free(&ra);
	mc_run_result_free(&rr);
	return r;
}

/* VBoxManage answered in another language although it ran with LC_ALL=C:
 * VirtualBox 7 then follows the language chosen in its GUI (the API's
 * LanguageId), which only `setproperty language` changes. */
static int translated(struct mc_driver_ctx *ctx, const char *what, const char *out, int code,
		      struct mc_error *err)
{
	return ctx->host->error_set(err, code,
				    "`VBoxManage %s` answered in another language (\"%.60s...\"), which machinectl cannot read: VirtualBox uses the language chosen in its GUI (File > Preferences > Language) even under LC_ALL=C; run 'VBoxManage setproperty language C' (or choose English there) and try again",
				    what, out);
}

static int list_hostonlyifs(struct mc_driver_ctx *ctx, struct mc_vbox_hostonlyif **ifs, size_t *n,
			    int code, struct mc_error *err)
{
	_cleanup_free_ char *out = NULL, *dup = NULL;

	if (VBM_OUT(ctx, err, &out, "list", "hostonlyifs") < 0)
		return -1;
	if (mc_vbox_output_translated(out))
		return translated(ctx, "list hostonlyifs", out, code, err);
	if (mc_vbox_parse_hostonlyifs(out, ifs, n, &dup) < 0)
		return ctx->host->error_set(err, code,
					    "VirtualBox's host-only interfaces are inconsistent (%s): remove the extra one with 'VBoxManage hostonlyif remove NAME'",
					    dup);
	return 0;
}

/* The existing adapter with the CIDR's address and mask, or NULL. */
static struct mc_vbox_hostonlyif *find_adapter(struct mc_vbox_hostonlyif *ifs, size_t n, uint32_t ip,
					       int prefix)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t a;

		if (mc_vbox_parse_ip(ifs[i].ip, &a) < 0 || a != ip)
			continue;
		/* docker-machine also accepted the mask VirtualBox 5.0 on Windows reported wrongly. */
		if (mc_vbox_mask_prefix(ifs[i].mask) == prefix || mc_streq(ifs[i].mask, "15.0.0.0"))
			return &ifs[i];
	}
	return NULL;
}

static int check_network(struct mc_driver_ctx *ctx, const struct mc_vbox_version *v, int code,
			 struct mc_error *err)
{
	const char *cidr = mc_json_str(ctx->flags, "virtualbox-hostonly-cidr");
	const char *why, *conf_path;
	_cleanup_free_ char *conf = NULL, *what = NULL;
	struct mc_vbox_hostonlyif *ifs = NULL;
	size_t n = 0;
	uint32_t ip;
	int prefix, r = 0;
	char net[16];

	if (!cidr)
		cidr = mc_json_str(ctx->config, "HostOnlyCIDR");
	if (mc_vbox_parse_cidr(cidr, &ip, &prefix, &why) < 0)
		return ctx->host->error_set(err, code, "invalid --virtualbox-hostonly-cidr \"%s\": %s",
					    cidr ? cidr : "", why);
	mc_vbox_ip_str(ip & mc_vbox_mask(prefix), net);
	if (mc_vbox_version_ge(v, 6, 1, 28)) {
		conf = networks_conf(ctx, &conf_path);
		if (!mc_vbox_range_allowed(conf, ip, prefix))
			return ctx->host->error_set(err, code,
						    "host-only network %s is outside the ranges VirtualBox %d.%d.%d allows for host-only adapters (%s): choose one inside with --virtualbox-hostonly-cidr (e.g. 192.168.56.1/24), or allow it with a line '* %s/%d' in %s",
						    cidr, v->major, v->minor, v->patch,
						    conf ? "those listed in networks.conf" : "192.168.56.0/21",
						    net, prefix, conf_path);
	}
	if (list_hostonlyifs(ctx, &ifs, &n, code, err) < 0)
		return -1;
	/* An adapter VirtualBox already has for this network is reused, not a collision. */
	if (!find_adapter(ifs, n, ip, prefix)) {
		for (size_t i = 0; i < n; i++) {
			uint32_t a;
			int p = mc_vbox_mask_prefix(ifs[i].mask);

			if (mc_vbox_parse_ip(ifs[i].ip, &a) == 0 && p > 0 && mc_vbox_nets_overlap(ip, prefix, a, p)) {
				r = ctx->host->error_set(err, code,
							 "host-only network %s overlaps VirtualBox's host-only interface %s (%s/%d): use the same address and mask to share it, or another --virtualbox-hostonly-cidr",
							 cidr, ifs[i].name, ifs[i].ip, p);
				goto out;
			}
		}
		if (host_collision(ctx, ip, prefix, &what))
			r = ctx->host->error_set(err, code,
						 "host-only network %s (%s/%d) collides with the host's %s: choose another --virtualbox-hostonly-cidr",
						 cidr, net, prefix, what);
	}
out:
	mc_vbox_hostonlyifs_free(ifs, n);
	return r;
}

static int vbox_precreate(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *iso = mc_json_str(ctx->flags, "iso");
	struct mc_vbox_version v;
	_cleanup_free_ char *out = NULL;
	_cleanup_strv_ char **vms = NULL;

	if (!iso || !*iso)
		return ctx->host->error_set(err, MC_E_PRECREATE, "no boot ISO: pass --iso PATH|URL");
	if (iso[0] != '/' || !mc_file_exists(iso))
		return ctx->host->error_set(err, MC_E_PRECREATE, "the boot ISO \"%s\" is not an existing local file", iso);
	if (vbox_version(ctx, &v, err) < 0)
		return -1;
	if (!mc_vbox_version_ge(&v, 5, 0, 0))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "VirtualBox %d.%d.%d is too old: machinectl needs 5.0 or newer (6.1 or 7.x recommended); upgrade VirtualBox",
					    v.major, v.minor, v.patch);
	if (!mc_json_bool(ctx->flags, "virtualbox-no-vtx-check") && check_vtx(ctx, err) < 0)
		return -1;
	if (check_network(ctx, &v, MC_E_PRECREATE, err) < 0)
		return -1;
	/* Never touch a VM we did not make: rollback and rm would delete it. */
	if (VBM_OUT(ctx, err, &out, "list", "vms") < 0)
		return -1;
	vms = mc_vbox_parse_list_vms(out);
	for (size_t i = 0; vms[i]; i++)
		if (!strcmp(vms[i], ctx->machine_name))
			return ctx->host->error_set(err, MC_E_PRECREATE,
						    "VirtualBox already has a VM named \"%s\" (from another store, or a leftover): remove it with 'VBoxManage unregistervm --delete %s', or choose another name",
						    ctx->machine_name, ctx->machine_name);
	return 0;
}

/* --- host-only network, port forward --- */

static int setup_dhcp(struct mc_driver_ctx *ctx, const char *ifname, uint32_t ip, int prefix,
		      struct mc_vbox_hostonlyif *ifs, size_t nifs, struct mc_error *err)
{
	_cleanup_free_ char *out = NULL, *netname = mc_asprintf("HostInterfaceNetworking-%s", ifname);
	struct mc_vbox_dhcp *srv = NULL, *mine = NULL;
	size_t n = 0;
	uint32_t m = mc_vbox_mask(prefix), base = ip & m, bcast = base | ~m, dip, low;
	char sip[16], smask[16], slow[16], shigh[16];
	int r = -1;

	/* Server at the first address after the host's; leases from .100 of a /24
	 * (docker-machine's range), scaled for other sizes, to the last address. */
	dip = ip + 1 < bcast ? ip + 1 : base + 1;
	low = base + (uint32_t)(((uint64_t)(~m) + 1) * 100 / 256);
	if (low <= dip)
		low = dip + 1;
	mc_vbox_ip_str(dip, sip);
	mc_vbox_ip_str(m, smask);
	mc_vbox_ip_str(low, slow);
	mc_vbox_ip_str(bcast - 1, shigh);
	if (VBM_OUT(ctx, err, &out, "list", "dhcpservers") < 0)
		return -1;
	mc_vbox_parse_dhcpservers(out, &srv, &n);
	for (size_t i = 0; i < n; i++) {
		bool orphan = mc_startswith(srv[i].netname, "HostInterfaceNetworking-");

		if (mc_streq(srv[i].netname, netname)) {
			mine = &srv[i];
			continue;
		}
		for (size_t k = 0; orphan && k < nifs; k++)
			if (mc_streq(ifs[k].network, srv[i].netname) ||
			    !strcmp(srv[i].netname + strlen("HostInterfaceNetworking-"), ifs[k].name))
				orphan = false;
		/* A server left behind by a removed adapter hands out addresses on nothing. */
		if (orphan && VBM(ctx, err, "dhcpserver", "remove", "--netname", srv[i].netname) < 0)
			goto out;
	}
	if (mine && mine->enabled && mc_streq(mine->ip, sip) && mc_streq(mine->mask, smask) &&
	    mc_streq(mine->lower, slow) && mc_streq(mine->upper, shigh)) {
		r = 0;
		goto out;
	}
	r = VBM(ctx, err, "dhcpserver", mine ? "modify" : "add", "--netname", netname, "--ip", sip,
		"--netmask", smask, "--lowerip", slow, "--upperip", shigh, "--enable");
out:
	mc_vbox_dhcpservers_free(srv, n);
	return r;
}

static const char *access_denied_hint(const char *errtext, char *buf, size_t size, uint32_t ip, int prefix)
{
	char net[16];

	if (!errtext || !strstr(errtext, "E_ACCESSDENIED"))
		return "";
	mc_vbox_ip_str(ip & mc_vbox_mask(prefix), net);
	snprintf(buf, size,
		 " (VirtualBox 6.1.28 and later only allow host-only addresses listed in /etc/vbox/networks.conf, by default 192.168.56.0/21: add a line '* %s/%d' there, or choose --virtualbox-hostonly-cidr inside 192.168.56.0/21)",
		 net, prefix);
	return buf;
}

/* Does a `list hostonlyifs` output have a record named ifname? */
static bool hostonly_listed(const char *list, const char *ifname)
{
	size_t n = strlen(ifname);

	for (const char *l = list; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *v = l + strlen("Name:");

		if (!mc_startswith(l, "Name:"))
			continue;
		v += strspn(v, " \t");
		if (!strncmp(v, ifname, n) && (v[n] == '\n' || v[n] == '\r' || !v[n]))
			return true;
	}
	return false;
}

static int setup_hostonly(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *cidr = mc_json_str(ctx->config, "HostOnlyCIDR"), *why;
	struct mc_vbox_hostonlyif *ifs = NULL, *hit;
	_cleanup_free_ char *ifname = NULL, *out = NULL, *eo = NULL;
	size_t n = 0;
	uint32_t ip;
	int prefix, r = -1;
	char sip[16], smask[16], hint[400];

	if (mc_vbox_parse_cidr(cidr, &ip, &prefix, &why) < 0)
		return ctx->host->error_set(err, MC_E_INVALID, "invalid HostOnlyCIDR \"%s\" in the machine's config: %s",
					    cidr ? cidr : "", why);
	mc_vbox_ip_str(ip, sip);
	mc_vbox_ip_str(mc_vbox_mask(prefix), smask);
	ctx->host->phase(ctx, "Checking the host-only network %s...", cidr);
	if (list_hostonlyifs(ctx, &ifs, &n, MC_E_FAILED, err) < 0)
		return -1;
	hit = find_adapter(ifs, n, ip, prefix);
	if (hit) {
		ifname = mc_strdup(hit->name);
	} else {
		char *what = NULL;

		if (host_collision(ctx, ip, prefix, &what)) {
			ctx->host->error_set(err, MC_E_NETWORK,
					     "host-only network %s collides with the host's %s: a VPN or another network took it; choose another --virtualbox-hostonly-cidr (create the machine again)",
					     cidr, what);
			free(what);
			goto out;
		}
		ctx->host->phase(ctx, "Creating a VirtualBox host-only interface for %s...", cidr);
		if (VBM_OUT(ctx, err, &out, "hostonlyif", "create") < 0)
			goto out;
		ifname = mc_vbox_parse_created_if(out);
		if (!ifname) {
			ctx->host->error_set(err, MC_E_FAILED,
					     "`VBoxManage hostonlyif create` did not say which interface it created (expected \"Interface '...' was successfully created\"): \"%.200s\"",
					     out);
			goto out;
		}
		/* The new interface can take a moment to show up in the list.  It is
		 * looked for by name only: VirtualBox gives a new vboxnetN the address
		 * 192.168.(56+N).1, which another adapter may have already. */
		for (int i = 0; i < 10; i++) {
			_cleanup_free_ char *list = NULL;

			if (VBM_OUT(ctx, err, &list, "list", "hostonlyifs") < 0)
				goto out;
			if (hostonly_listed(list, ifname))
				break;
			sleep(1);
		}
		{
			struct vbm_call c = { .args = (const char *const[]){ "hostonlyif", "ipconfig", ifname, "--ip", sip,
									  "--netmask", smask, NULL },
					      .errout = &eo };

			if (vbm_run(ctx, &c, err) < 0) {
				ctx->host->error_prefix(err, "cannot give the host-only interface %s the address %s: ", ifname, cidr);
				if (strlen(err->msg) + 1 < sizeof(err->msg))
					snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg), "%s",
						 access_denied_hint(eo, hint, sizeof(hint), ip, prefix));
				goto out;
			}
		}
		/* The DHCP set-up needs the list as it is now. */
		mc_vbox_hostonlyifs_free(ifs, n);
		ifs = NULL;
		n = 0;
		if (list_hostonlyifs(ctx, &ifs, &n, MC_E_FAILED, err) < 0)
			goto out;
	}
	if (!mc_json_bool(ctx->config, "HostOnlyNoDHCP") &&
	    setup_dhcp(ctx, ifname, ip, prefix, ifs, n, err) < 0)
		goto out;
	if (VBM(ctx, err, "modifyvm", vm_name(ctx), "--nic2", "hostonly", "--nictype2",
		mc_json_str(ctx->config, "HostOnlyNicType") ?: "82540EM", "--nicpromisc2",
		mc_json_str(ctx->config, "HostOnlyPromiscMode") ?: "deny", "--hostonlyadapter2", ifname,
		"--cableconnected2", "on") < 0)
		goto out;
	json_object_set_new(ctx->config, "HostOnlyInterface", json_string(ifname));
	r = 0;
out:
	mc_vbox_hostonlyifs_free(ifs, n);
	return r;
}

/* A TCP port on 127.0.0.1 nobody listens on: want when it is free, else one the kernel picks. */
static int free_port(int want)
{
	for (int pass = 0; pass < 2; pass++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(a);
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

		if (fd < 0)
			return -1;
		if (pass == 0 && (want <= 0 || want > 65535)) {
			close(fd);
			continue;
		}
		a.sin_port = htons(pass == 0 ? (uint16_t)want : 0);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
			port = ntohs(a.sin_port);
		close(fd);
		if (port > 0)
			return port;
	}
	return -1;
}

/* The NAT forward to the guest's SSH: the previous port (0: none) when it is free. */
static int set_port_forward(struct mc_driver_ctx *ctx, int previous, struct mc_error *err)
{
	int port = free_port(previous);
	_cleanup_free_ char *rule = NULL;
	struct mc_error ignored = { 0 };

	if (port < 0)
		return ctx->host->error_set(err, MC_E_NETWORK, "cannot find a free TCP port on 127.0.0.1 for SSH: %s",
					    strerror(errno));
	rule = mc_asprintf("ssh,tcp,127.0.0.1,%d,,22", port);
	/* No rule yet on a new VM: that failure is expected. */
	vbm_run(ctx, &(struct vbm_call){ .args = (const char *const[]){ "modifyvm", vm_name(ctx), "--natpf1", "delete", "ssh", NULL },
				    .quiet = true },
		&ignored);
	if (VBM(ctx, err, "modifyvm", vm_name(ctx), "--natpf1", rule) < 0)
		return -1;
	json_object_set_new(ctx->config, "SSHPort", json_integer(port));
	return 0;
}

/* --- start, IP --- */

/* VirtualBox's own log after startvm: VT-x/AMD-V missing shows up here first. */
static int check_vbox_log(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	static const char *const bad[] = { "VERR_VMX_NO_VMX", "VERR_SVM_NO_SVM", "VERR_VMX_MSR_ALL_VMX_DISABLED",
					   "VERR_SVM_DISABLED", "VERR_VMX_MSR_VMX_DISABLED" };
	_cleanup_free_ char *path = mc_asprintf("%s/%s/Logs/VBox.log", ctx->machine_dir, vm_name(ctx));
	_cleanup_free_ char *text = NULL;
	struct mc_error e = { 0 };

	if (ctx->host->read_file(path, &text, NULL, &e) < 0)
		return 0;
	for (size_t i = 0; i < MC_ARRAY_SIZE(bad); i++)
		if (strstr(text, bad[i]))
			return ctx->host->error_set(err, MC_E_FAILED,
						    "VirtualBox cannot use hardware virtualization (%s in %s): enable VT-x/AMD-V in the BIOS, and make sure no other hypervisor (KVM, Hyper-V) holds it",
						    bad[i], path);
	return 0;
}

/* The MAC of the host-only NIC ("08:00:27:aa:bb:cc", buf >= 18), from showvminfo. */
static int hostonly_mac(json_t *info, char *buf)
{
	for (int i = 1; i <= 8; i++) {
		char key[32];
		const char *m;

		snprintf(key, sizeof(key), "hostonlyadapter%d", i);
		if (!mc_json_str(info, key))
			continue;
		snprintf(key, sizeof(key), "macaddress%d", i);
		m = mc_json_str(info, key);
		if (!m || strlen(m) != 12)
			return -1;
		mc_vbox_mac_colons(m, buf);
		return 0;
	}
	return -1;
}

/* `ip addr show` in the guest, the address of the NIC with this MAC (malloc'd) or NULL. */
static char *guest_ip(struct mc_driver_ctx *ctx, const char *mac, struct mc_error *err)
{
	struct mc_run_result res = { 0 };
	char *ip = NULL;

	if (ctx->host->ssh_run(ctx, "ip addr show",
			       &(struct mc_ssh_opts){ .timeout_ms = 10000, .connect_timeout_ms = 5000 }, &res,
			       err) == 0) {
		ip = mc_vbox_ip_for_mac(res.out, mac);
		if (!ip)
			ctx->host->error_set(err, MC_E_NOT_FOUND, "no IPv4 address on the guest's NIC %s yet", mac);
	}
	mc_run_result_free(&res);
	return ip;
}

/* Wait up to timeout_s for SSH, then for the guest's address. */
static int wait_guest(struct mc_driver_ctx *ctx, long long timeout_s, struct mc_error *err)
{
	long long t0 = mc_now_ms(), deadline;
	const char *console = mc_json_str(ctx->config, "ConsoleLog");
	_cleanup_free_ char *log = console ? mc_strdup(console)
					   : mc_asprintf("%s/%s/Logs/VBox.log", ctx->machine_dir, vm_name(ctx));
	_cleanup_json_ json_t *info = NULL;
	bool missing;
	char mac[18];
	struct mc_error e = { 0 };

	/* What a user should read when the guest does not come up: its console
	 * (machines made before it had one: VBox.log).  startvm made the file;
	 * the wait's timeout checks that it is there before naming it. */
	if (ctx->host->ssh_wait(ctx, (int)(timeout_s * 1000), log, err) < 0)
		return -1;
	if (vm_info(ctx, &info, &missing, err) < 0)
		return -1;
	if (hostonly_mac(info, mac) < 0)
		return ctx->host->error_set(err, MC_E_FAILED, "the VM \"%s\" has no host-only NIC (nic2): remove and create the machine again",
					    vm_name(ctx));
	ctx->host->phase(ctx, "Waiting for an IP on the host-only NIC %s...", mac);
	/* docker-machine's budget: 5 tries 4 s apart, within the start timeout. */
	deadline = mc_now_ms() + IP_WAIT_MS;
	if (deadline > t0 + timeout_s * 1000 + IP_WAIT_MS)
		deadline = t0 + timeout_s * 1000 + IP_WAIT_MS;
	for (;;) {
		_cleanup_free_ char *ip = NULL;

		mc_error_clear(&e);
		ip = guest_ip(ctx, mac, &e);
		if (ip) {
			json_object_set_new(ctx->config, "IPAddress", json_string(ip));
			return 0;
		}
		if (mc_now_ms() >= deadline)
			return ctx->host->error_set(err, MC_E_TIMEOUT,
						    "the guest answers SSH but its host-only NIC (%s) got no IPv4 address within %d s (%s): is the DHCP server of %s running ('VBoxManage list dhcpservers')? See %s/%s/Logs/VBox.log",
						    mac, IP_WAIT_MS / 1000, e.msg,
						    mc_json_str(ctx->config, "HostOnlyInterface") ?: "the host-only interface",
						    ctx->machine_dir, vm_name(ctx));
		sleep(1);
	}
}

/* Drop a saved state (saved, or aborted-saved: VirtualBox 7's state of a VM
 * whose process died holding one); the VM is powered off after. */
static int discard_state(struct mc_driver_ctx *ctx, const struct mc_vbox_state *st, struct mc_error *err)
{
	if (st->kind == MC_VBOX_ABORTED_SAVED)
		ctx->host->phase(ctx,
				 "The VM's process ended while it had a saved state (aborted-saved): discarding that state...");
	return VBM(ctx, err, "discardstate", vm_name(ctx));
}

static int busy(struct mc_driver_ctx *ctx, const struct mc_vbox_state *st, struct mc_error *err)
{
	return ctx->host->error_set(err, MC_E_STATE,
				    "the VM \"%s\" is busy (VirtualBox state \"%s\"): try again in a moment",
				    vm_name(ctx), st->name);
}

static int unknown_state(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	return ctx->host->error_set(err, MC_E_STATE,
				    "the VM \"%s\" is in a state machinectl does not know: look at it with 'VBoxManage showvminfo %s'",
				    vm_name(ctx), vm_name(ctx));
}

/* startvm with the recorded UI type; what: "Starting the VM", ... */
static int startvm(struct mc_driver_ctx *ctx, const char *what, struct mc_error *err)
{
	const char *ui = mc_json_str(ctx->config, "UIType");

	ctx->host->phase(ctx, "%s (%s)...", what, ui ? ui : "headless");
	return VBM(ctx, err, "startvm", vm_name(ctx), "--type", ui ? ui : "headless");
}

static int vbox_start(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const struct mc_vbox_state *st;
	long long timeout_s;
	int port;

	if (mc_config_port(ctx, "SSHPort", 0, &port, err) < 0 ||
	    mc_config_int(ctx, "StartTimeout", "a number of seconds", 1, 86400, 300, &timeout_s, err) < 0 ||
	    vm_state(ctx, &st, NULL, err) < 0)
		return -1;
	switch (st->kind) {
	case MC_VBOX_STUCK:
		/* Guru meditation: the VM process is there but the guest is dead;
		 * only a power off gets it out.  Then a fresh boot. */
		ctx->host->phase(ctx,
				 "The VM stopped in a guru meditation (see %s/%s/Logs/VBox.log): powering it off to boot it again...",
				 ctx->machine_dir, vm_name(ctx));
		if (VBM(ctx, err, "controlvm", vm_name(ctx), "poweroff") < 0)
			return -1;
		/* fall through */
	case MC_VBOX_ABORTED_SAVED:
		if (st->kind == MC_VBOX_ABORTED_SAVED && discard_state(ctx, st, err) < 0)
			return -1;
		/* fall through */
	case MC_VBOX_OFF:
		if (setup_hostonly(ctx, err) < 0 || set_port_forward(ctx, port, err) < 0)
			return -1;
		if (startvm(ctx, "Starting the VM", err) < 0)
			return -1;
		break;
	case MC_VBOX_SAVED:
		/* A saved VM keeps its settings; its forward is renewed only when the port was taken. */
		if (free_port(port) != port && set_port_forward(ctx, port, err) < 0)
			return -1;
		if (startvm(ctx, "Restoring the saved VM", err) < 0)
			return -1;
		break;
	case MC_VBOX_PAUSED:
		ctx->host->phase(ctx, "Resuming the paused VM...");
		if (VBM(ctx, err, "controlvm", vm_name(ctx), "resume") < 0)
			return -1;
		break;
	case MC_VBOX_RUNNING:
		break;
	case MC_VBOX_BUSY:
		return busy(ctx, st, err);
	default:
		return unknown_state(ctx, err);
	}
	if (check_vbox_log(ctx, err) < 0)
		return -1;
	return wait_guest(ctx, timeout_s, err);
}

/* --- create --- */

/* Hard link the ISO into the machine's directory, or copy it. */
static int place_iso(struct mc_driver_ctx *ctx, const char *src, const char *dst, struct mc_error *err)
{
	_cleanup_close_ int in = -1, out = -1;
	char buf[1 << 16];
	ssize_t n;

	unlink(dst);
	if (link(src, dst) == 0)
		return 0;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return ctx->host->error_set(err, MC_E_IO, "cannot read the boot ISO %s: %s", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0)
		return ctx->host->error_set(err, MC_E_IO, "cannot create %s: %s", dst, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return ctx->host->error_set(err, MC_E_IO, "cannot copy the boot ISO to %s: %s (disk full?)", dst,
						    strerror(errno));
	if (n < 0)
		return ctx->host->error_set(err, MC_E_IO, "cannot read the boot ISO %s: %s", src, strerror(errno));
	return 0;
}

/* The data disk: a sparse raw image (userdata tar, then zeros) that
 * VBoxManage reads as its stdin, straight from the file: nothing of its size
 * is ever held in memory. */
static int make_disk(struct mc_driver_ctx *ctx, const char *dir, const char *vmdk, struct mc_error *err)
{
	long long mb = mc_json_int(ctx->config, "DiskSize", 20000);
	_cleanup_free_ char *raw = mc_path_join(dir, "disk.raw.tmp"), *bytes = NULL;
	_cleanup_close_ int fd = -1;

	unlink(raw);
	if (ctx->host->userdata_disk(ctx, raw, mb, err) < 0)
		return -1;
	fd = open(raw, O_RDONLY | O_CLOEXEC);
	unlink(raw);
	if (fd < 0)
		return ctx->host->error_set(err, MC_E_IO, "cannot open %s: %s", raw, strerror(errno));
	bytes = mc_asprintf("%lld", mb << 20);
	return vbm_run(ctx,
		       &(struct vbm_call){ .args = (const char *const[]){ "convertfromraw", "stdin", vmdk, bytes, "--format",
									  "VMDK", NULL },
					   .in_fd = fd,
					   .timeout_ms = VBM_DISK_TIMEOUT_MS },
		       err);
}

/* CPU -1, as docker-machine records it: all the host's CPUs, at most 32. */
static int host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 32 ? 32 : (int)n;
}

/* What create records, from the flags: everything remove and the other
 * operations need, before anything is made. */
static void record_config(struct mc_driver_ctx *ctx, const char *iso, const char *vmdk, const char *console)
{
	json_t *f = ctx->flags, *c = ctx->config;
	static const struct {
		const char *key, *flag;
	} strs[] = {
		{ "ISOSource", "iso-source" },
		{ "ISOVersion", "iso-version" },
		{ "NatNicType", "virtualbox-nat-nictype" },
		{ "HostOnlyCIDR", "virtualbox-hostonly-cidr" },
		{ "HostOnlyNicType", "virtualbox-hostonly-nictype" },
		{ "HostOnlyPromiscMode", "virtualbox-hostonly-nicpromisc" },
		{ "UIType", "virtualbox-ui-type" },
		{ "ShareFolder", "virtualbox-share-folder" },
		{ "SSHUser", "virtualbox-ssh-user" },
	};

	mc_json_set_str(c, "VMName", ctx->machine_name);
	if (mc_json_str(f, "virtualbox-vboxmanage") && *mc_json_str(f, "virtualbox-vboxmanage"))
		mc_json_set_str(c, "VBoxManage", mc_json_str(f, "virtualbox-vboxmanage"));
	json_object_set_new(c, "CPU", json_integer(mc_json_int(f, "virtualbox-cpu-count", 1)));
	json_object_set_new(c, "Memory", json_integer(mc_json_int(f, "virtualbox-memory", 1024)));
	json_object_set_new(c, "DiskSize", json_integer(mc_json_int(f, "virtualbox-disk-size", 20000)));
	mc_json_set_str(c, "DiskPath", vmdk);
	mc_json_set_str(c, "ISO", iso);
	mc_json_set_str(c, "ConsoleLog", console);
	for (size_t i = 0; i < MC_ARRAY_SIZE(strs); i++)
		mc_json_set_str(c, strs[i].key, mc_json_str(f, strs[i].flag));
	json_object_set_new(c, "HostOnlyNoDHCP", json_boolean(mc_json_bool(f, "virtualbox-hostonly-no-dhcp")));
	json_object_set_new(c, "DNSProxy", json_boolean(!mc_json_bool(f, "virtualbox-no-dns-proxy")));
	json_object_set_new(c, "HostDNSResolver", json_boolean(mc_json_bool(f, "virtualbox-host-dns-resolver")));
	json_object_set_new(c, "NoShare", json_boolean(mc_json_bool(f, "virtualbox-no-share")));
	/* The shared folders (resolved by the core from --share, or these two). */
	json_object_set_new(c, "Shares", json_object_get(f, "shares") ? json_deep_copy(json_object_get(f, "shares"))
								     : json_array());
	json_object_set_new(c, "StartTimeout", json_integer(mc_json_int(f, "virtualbox-start-timeout", 300)));
	json_object_set_new(c, "StopTimeout", json_integer(mc_json_int(f, "virtualbox-stop-timeout", 90)));
}

/* What create has made so far, for the rollback. */
struct made {
	const char *step;
	bool disk, registered, disk_attached;
};

/* The registered VM's hardware, media and shared folder. */
static int configure_vm(struct mc_driver_ctx *ctx, const char *iso, const char *vmdk, struct made *mk,
			struct mc_error *err)
{
	json_t *c = ctx->config;
	const char *name = ctx->machine_name;
	long long ncpu = mc_json_int(c, "CPU", 1);
	_cleanup_free_ char *cpus = mc_asprintf("%lld", ncpu == -1 ? host_cpus() : ncpu);
	_cleanup_free_ char *mem = mc_asprintf("%lld", mc_json_int(c, "Memory", 1024));
	json_t *sh;
	size_t i;

	mk->step = "configure the VM";
	if (VBM(ctx, err, "modifyvm", name, "--firmware", "bios", "--bioslogofadein", "off", "--bioslogofadeout", "off",
		"--bioslogodisplaytime", "0", "--biosbootmenu", "disabled", "--ostype", "Linux26_64", "--cpus", cpus,
		"--memory", mem, "--acpi", "on", "--ioapic", "on", "--rtcuseutc", "on", "--natdnshostresolver1",
		mc_json_bool(c, "HostDNSResolver") ? "on" : "off", "--natdnsproxy1",
		mc_json_bool(c, "DNSProxy") ? "on" : "off", "--cpuhotplug", "off", "--pae", "on", "--hpet", "on",
		"--hwvirtex", "on", "--nestedpaging", "on", "--largepages", "on", "--vtxvpid", "on", "--accelerate3d",
		"off", "--boot1", "dvd") < 0)
		return -1;
	/* COM1 (the guest's ttyS0, its console) into a file that VirtualBox
	 * makes afresh at each start: how far the machine OS booted. */
	mk->step = "add the serial console";
	if (VBM(ctx, err, "modifyvm", name, "--uart1", "0x3f8", "4", "--uartmode1", "file",
		mc_json_str(c, "ConsoleLog")) < 0)
		return -1;
	mk->step = "add the NAT NIC";
	if (VBM(ctx, err, "modifyvm", name, "--nic1", "nat", "--nictype1", mc_json_str(c, "NatNicType") ?: "82540EM",
		"--cableconnected1", "on") < 0)
		return -1;
	mk->step = "attach the ISO and the disk";
	if (VBM(ctx, err, "storagectl", name, "--name", "SATA", "--add", "sata", "--hostiocache", "on") < 0 ||
	    VBM(ctx, err, "storageattach", name, "--storagectl", "SATA", "--port", "0", "--device", "0", "--type",
		"dvddrive", "--medium", iso) < 0 ||
	    VBM(ctx, err, "storageattach", name, "--storagectl", "SATA", "--port", "1", "--device", "0", "--type", "hdd",
		"--medium", vmdk) < 0)
		return -1;
	mk->disk_attached = true;
	mk->step = "set the shared folder properties";
	if (VBM(ctx, err, "guestproperty", "set", name, "/VirtualBox/GuestAdd/SharedFolders/MountPrefix", "/") < 0 ||
	    VBM(ctx, err, "guestproperty", "set", name, "/VirtualBox/GuestAdd/SharedFolders/MountDir", "/") < 0)
		return -1;
	/* Each shared folder under its tag; the machine OS mounts it (vboxsf)
	 * where the userdata's .machinectl/mounts says. */
	json_array_foreach(json_object_get(c, "Shares"), i, sh) {
		const char *sname = mc_json_str(sh, "Tag"), *sdir = mc_json_str(sh, "Host");
		_cleanup_free_ char *key = NULL;

		if (!sname || !sdir || !mc_file_exists(sdir))
			continue;
		key = mc_asprintf("VBoxInternal2/SharedFoldersEnableSymlinksCreate/%s", sname);
		mk->step = "share a folder";
		if (VBM(ctx, err, "sharedfolder", "add", name, "--name", sname, "--hostpath", sdir, "--automount") < 0 ||
		    VBM(ctx, err, "setextradata", name, key, "1") < 0)
			return -1;
	}
	return 0;
}

/* Leave nothing registered: the VM (with its media) or the disk alone; err
 * says which step failed and what was undone. */
static void rollback(struct mc_driver_ctx *ctx, const char *vmdk, const struct made *mk,
		     struct mc_error *err)
{
	const char *name = ctx->machine_name;
	struct mc_error e = { 0 };
	int undo = 0;

	if (mk->registered) {
		struct vbm_call k = { .args = (const char *const[]){ "controlvm", name, "poweroff", NULL }, .quiet = true };

		vbm_run(ctx, &k, &e);
		mc_error_clear(&e);
		undo = VBM(ctx, &e, "unregistervm", "--delete", name);
	}
	/* unregistervm --delete deletes only the disks attached to the VM. */
	if (undo == 0 && mk->disk && !mk->disk_attached)
		undo = VBM(ctx, &e, "closemedium", "disk", vmdk, "--delete");
	if (undo == 0)
		json_object_del(ctx->config, "VMName");  /* nothing left for remove to do */
	ctx->host->error_prefix(err, "step \"%s\" failed (%s): ", mk->step,
				undo < 0 ? "and the rollback failed too; remove the VM with 'VBoxManage unregistervm --delete NAME'"
				: mk->registered ? "the VM was unregistered and its files deleted"
				: mk->disk ? "the data disk was closed and deleted" : "nothing was registered");
	if (undo < 0)
		ctx->host->log(MC_LOG_WARN, "machine \"%s\": rollback failed: %s", name, e.msg);
}

static int vbox_create(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	_cleanup_free_ char *iso = NULL, *vmdk = NULL, *console = NULL;
	struct made mk = { "copy the boot ISO" };
	char dir[PATH_MAX];

	if (!realpath(ctx->machine_dir, dir))
		return ctx->host->error_set(err, MC_E_IO, "cannot resolve %s: %s", ctx->machine_dir, strerror(errno));
	iso = mc_path_join(dir, "boot2docker.iso");
	vmdk = mc_path_join(dir, "disk.vmdk");
	console = mc_path_join(dir, "console.log");
	record_config(ctx, iso, vmdk, console);
	/* Recorded first: from here on a crash leaves what remove needs. */
	if (ctx->host->checkpoint(ctx, err) < 0)
		return -1;

	ctx->host->phase(ctx, "Copying the boot ISO to %s...", iso);
	if (place_iso(ctx, mc_json_str(ctx->flags, "iso"), iso, err) < 0)
		goto fail;
	mk.step = "make the data disk";
	ctx->host->phase(ctx, "Creating the data disk (%lld MB)...", mc_json_int(ctx->config, "DiskSize", 20000));
	if (make_disk(ctx, dir, vmdk, err) < 0)
		goto fail;
	mk.disk = true;
	mk.step = "register the VM";
	ctx->host->phase(ctx, "Creating the VirtualBox VM...");
	if (VBM(ctx, err, "createvm", "--basefolder", dir, "--name", ctx->machine_name, "--register") < 0)
		goto fail;
	mk.registered = true;
	if (configure_vm(ctx, iso, vmdk, &mk, err) < 0)
		goto fail;
	/* create --autostart: modifyvm needs the VM powered off, so now. */
	if (mc_json_bool(ctx->flags, "autostart")) {
		mk.step = "autostart";
		if (VBM(ctx, err, "modifyvm", ctx->machine_name, "--autostart-enabled", "on") < 0)
			goto fail;
		json_object_set_new(ctx->config, "Autostart", json_true());
	}
	mk.step = "start the VM";
	if (vbox_start(ctx, err) < 0)
		goto fail;
	return 0;
fail:
	rollback(ctx, vmdk, &mk, err);
	return -1;
}

/* --- stop, kill, remove, state --- */

static int vbox_stop(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	long long limit, t0;
	const struct mc_vbox_state *st;

	if (mc_config_int(ctx, "StopTimeout", "a number of seconds", 0, 86400, 90, &limit, err) < 0 ||
	    vm_state(ctx, &st, NULL, err) < 0)
		return -1;
	limit *= 1000;
	switch (st->kind) {
	case MC_VBOX_OFF:
		return 0;
	case MC_VBOX_SAVED:  /* the saved memory is dropped: like a power off */
	case MC_VBOX_ABORTED_SAVED:
		return discard_state(ctx, st, err);
	case MC_VBOX_PAUSED:
		ctx->host->phase(ctx, "The VM is paused and cannot see the ACPI power button: powering it off...");
		return VBM(ctx, err, "controlvm", vm_name(ctx), "poweroff");
	case MC_VBOX_STUCK:
		ctx->host->phase(ctx, "The VM stopped in a guru meditation and cannot shut down: powering it off...");
		return VBM(ctx, err, "controlvm", vm_name(ctx), "poweroff");
	case MC_VBOX_RUNNING:
		break;
	case MC_VBOX_BUSY:
		return busy(ctx, st, err);
	default:
		return unknown_state(ctx, err);
	}
	ctx->host->phase(ctx, "Pressing the ACPI power button...");
	if (VBM(ctx, err, "controlvm", vm_name(ctx), "acpipowerbutton") < 0)
		return -1;
	t0 = mc_now_ms();
	for (;;) {
		if (vm_state(ctx, &st, NULL, err) < 0)
			return -1;
		if (st->kind == MC_VBOX_OFF)
			return 0;
		if (mc_now_ms() - t0 >= limit)
			break;
		nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
	}
	ctx->host->phase(ctx,
			 "The guest did not shut down within %lld s of the ACPI power button: forcing it off (controlvm poweroff)...",
			 limit / 1000);
	return VBM(ctx, err, "controlvm", vm_name(ctx), "poweroff");
}

/* Power off as VirtualBox allows it in st: controlvm only for a VM with a
 * running VM process (running, paused, guru meditation); a saved state is
 * discarded; anything else is off already. */
static int power_off(struct mc_driver_ctx *ctx, const struct mc_vbox_state *st, struct mc_error *err)
{
	switch (st->kind) {
	case MC_VBOX_OFF:
		return 0;
	case MC_VBOX_SAVED:
	case MC_VBOX_ABORTED_SAVED:
		return discard_state(ctx, st, err);
	case MC_VBOX_RUNNING:
	case MC_VBOX_PAUSED:
	case MC_VBOX_STUCK:
		return VBM(ctx, err, "controlvm", vm_name(ctx), "poweroff");
	case MC_VBOX_BUSY:
		return busy(ctx, st, err);
	default:
		return unknown_state(ctx, err);
	}
}

static int vbox_kill(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const struct mc_vbox_state *st;

	if (vm_state(ctx, &st, NULL, err) < 0)
		return -1;
	return power_off(ctx, st, err);
}

static int vbox_remove(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	_cleanup_free_ char *eo = NULL;
	struct mc_error e = { 0 };
	const struct mc_vbox_state *st;
	bool missing = false;
	json_t *info = NULL;

	/* No VMName: create never registered one, or rolled it back. */
	if (!mc_json_str(ctx->config, "VMName"))
		return 0;
	if (vm_info(ctx, &info, &missing, &e) < 0) {
		if (missing)
			return 0;
		return ctx->host->error_set(err, e.code, "%s", e.msg);
	}
	st = mc_vbox_state_by_name(mc_json_str(info, "VMState"));
	json_decref(info);
	/* unregistervm refuses a VM with a VM process, and one holding a saved state. */
	if (power_off(ctx, st, err) < 0)
		return -1;
	{
		struct vbm_call c = { .args = (const char *const[]){ "unregistervm", "--delete", vm_name(ctx), NULL },
				      .errout = &eo };

		if (vbm_run(ctx, &c, &e) < 0) {
			if (is_not_found(eo))
				return 0;
			return ctx->host->error_set(err, e.code, "%s", e.msg);
		}
	}
	return 0;
}

static int vbox_state(struct mc_driver_ctx *ctx, enum mc_state *out, struct mc_error *err)
{
	const struct mc_vbox_state *st;

	if (vm_state(ctx, &st, NULL, err) < 0)
		return -1;
	*out = st->state;
	return 0;
}

/* ls: one `list vms --long` for every machine. */
static int vbox_states(struct mc_driver_ctx *const *ctxs, size_t n, enum mc_state *out,
		       struct mc_error *errs, struct mc_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_json_ json_t *states = NULL;

	if (n == 0)
		return 0;
	if (VBM_OUT(ctxs[0], err, &text, "list", "vms", "--long") < 0)
		return -1;
	if (mc_vbox_output_translated(text))
		return translated(ctxs[0], "list vms --long", text, MC_E_FAILED, err);
	states = mc_vbox_parse_list_vms_long(text);
	for (size_t i = 0; i < n; i++) {
		const char *s = mc_json_str(states, vm_name(ctxs[i]));

		out[i] = s ? mc_vbox_state_by_name(s)->state : MC_STATE_ERROR;
		if (!s)
			ctxs[i]->host->error_set(&errs[i], MC_E_NOT_FOUND,
						 "the VirtualBox VM \"%s\" is not registered (removed outside machinectl?)",
						 vm_name(ctxs[i]));
	}
	return 0;
}

static int vbox_ip(struct mc_driver_ctx *ctx, char **ip, struct mc_error *err)
{
	_cleanup_json_ json_t *info = NULL;
	const struct mc_vbox_state *st;
	char mac[18];

	if (vm_state(ctx, &st, &info, err) < 0)
		return -1;
	if (st->kind != MC_VBOX_RUNNING)
		return ctx->host->error_set(err, MC_E_STATE, "the VM \"%s\" is not running", vm_name(ctx));
	if (hostonly_mac(info, mac) < 0)
		return ctx->host->error_set(err, MC_E_FAILED, "the VM \"%s\" has no host-only NIC", vm_name(ctx));
	*ip = guest_ip(ctx, mac, err);
	return *ip ? 0 : -1;
}

static int vbox_ssh_endpoint(struct mc_driver_ctx *ctx, char **host, int *port, char **user,
			     struct mc_error *err)
{
	const char *u = mc_json_str(ctx->config, "SSHUser");

	if (mc_config_port(ctx, "SSHPort", 0, port, err) < 0)
		return -1;
	if (!*port)
		return ctx->host->error_set(err, MC_E_STATE,
					    "the VM \"%s\" has no SSH port forward yet: start the machine", vm_name(ctx));
	*host = mc_strdup("127.0.0.1");
	*user = mc_strdup(u ? u : "docker");
	return 0;
}

/* upgrade: the new ISO takes the place of the machine's boot2docker.iso, as
 * docker-machine's upgrade did; the DVD attachment keeps its path.  Placed
 * under a temporary name and renamed: a crash leaves the old ISO whole. */
static int vbox_set_iso(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *src = mc_json_str(ctx->flags, "iso"), *dst = mc_json_str(ctx->config, "ISO");
	_cleanup_free_ char *tmp = NULL;

	if (!src || src[0] != '/' || !mc_file_exists(src))
		return ctx->host->error_set(err, MC_E_INVALID, "the boot ISO \"%s\" is not an existing local file",
					    src ? src : "");
	if (!dst)
		return ctx->host->error_set(err, MC_E_INVALID, "machine \"%s\" has no ISO in its config.json",
					    ctx->machine_name);
	tmp = mc_asprintf("%s.new", dst);
	if (place_iso(ctx, src, tmp, err) < 0 || rename(tmp, dst) < 0) {
		if (err->code == MC_E_OK)
			ctx->host->error_set(err, MC_E_IO, "cannot replace %s: %s", dst, strerror(errno));
		unlink(tmp);
		return -1;
	}
	mc_json_set_str(ctx->config, "ISOSource", mc_json_str(ctx->flags, "iso-source"));
	mc_json_set_str(ctx->config, "ISOVersion", mc_json_str(ctx->flags, "iso-version"));
	return 0;
}

/* set's modifyvm ARGS (N words) undone, with the values config.json still
 * records, after the disk could not grow: the failure leaves VirtualBox as
 * the record says.  If even that fails, ERR says what VirtualBox kept. */
static void vbox_set_undo(struct mc_driver_ctx *ctx, const char **args, size_t n, struct mc_error *err)
{
	json_t *c = ctx->config;
	_cleanup_free_ char *cpus = mc_asprintf("%lld", mc_json_int(c, "CPU", 1));
	_cleanup_free_ char *mem = mc_asprintf("%lld", mc_json_int(c, "Memory", 1024));
	struct mc_error undo = { 0 };

	for (size_t i = 2; i + 1 < n; i += 2)
		args[i + 1] = !strcmp(args[i], "--cpus") ? cpus : !strcmp(args[i], "--memory") ? mem :
			      json_is_true(json_object_get(c, "Autostart")) ? "on" : "off";
	if (vbm_run(ctx, &(struct vbm_call){ .args = args }, &undo) < 0) {
		char msg[sizeof(err->msg)];

		memcpy(msg, err->msg, sizeof(msg));
		ctx->host->error_set(err, err->code,
				     "%s; and VirtualBox keeps the new CPUs, memory or autostart, which config.json does not record (%s): run 'machinectl set' again",
				     msg, undo.msg);
	}
}

/* set: modifyvm --cpus/--memory/--autostart-enabled and modifymedium
 * --resize, all on a powered-off VM (modifyvm takes the machine's write
 * lock, which a running or saved VM holds or forbids). */
static int vbox_set(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	json_t *f = ctx->flags, *c = ctx->config, *autostart = json_object_get(f, "autostart");
	long long disk = mc_json_int(f, "disk-size", -1), now = mc_json_int(c, "DiskSize", 20000);
	const char *vmdk = mc_json_str(c, "DiskPath");
	_cleanup_free_ char *cpus = NULL, *mem = NULL, *mb = NULL;
	const char *args[12] = { "modifyvm", vm_name(ctx) };
	const struct mc_vbox_state *st;
	size_t n = 2;

	/* what create takes (check_flags); set's own range is 1 to 1024 */
	if (json_object_get(f, "cpus") && mc_json_int(f, "cpus", 1) > VBOX_MAX_CPUS)
		return ctx->host->error_set(err, MC_E_USAGE,
					    "invalid --cpus %lld: the virtualbox driver takes 1 to %d (as --virtualbox-cpu-count at create)",
					    mc_json_int(f, "cpus", 1), VBOX_MAX_CPUS);
	if (disk >= 0 && disk < now)
		return ctx->host->error_set(err, MC_E_INVALID,
					    "the data disk of machine \"%s\" is %lld MB: it cannot shrink to %lld MB (disks only grow)",
					    ctx->machine_name, now, disk);
	if (disk > now && !vmdk)
		return ctx->host->error_set(err, MC_E_INVALID, "machine \"%s\" has no data disk in its config.json",
					    ctx->machine_name);
	if (vm_state(ctx, &st, NULL, err) < 0)
		return -1;
	if (st->kind != MC_VBOX_OFF)
		return ctx->host->error_set(err, MC_E_STATE,
					    "machine \"%s\" is %s: VirtualBox changes the CPUs, memory, disk size and autostart of a powered-off VM only: run 'machinectl stop %s' first",
					    ctx->machine_name, st->text, ctx->machine_name);
	if (json_object_get(f, "cpus")) {
		cpus = mc_asprintf("%lld", mc_json_int(f, "cpus", 1));
		args[n++] = "--cpus";
		args[n++] = cpus;
	}
	if (json_object_get(f, "memory")) {
		mem = mc_asprintf("%lld", mc_json_int(f, "memory", 1024));
		args[n++] = "--memory";
		args[n++] = mem;
	}
	if (autostart) {
		args[n++] = "--autostart-enabled";
		args[n++] = json_is_true(autostart) ? "on" : "off";
	}
	if (n > 2 && vbm_run(ctx, &(struct vbm_call){ .args = args }, err) < 0)
		return -1;
	if (disk > now) {
		mb = mc_asprintf("%lld", disk);
		if (vbm_run(ctx, &(struct vbm_call){ .args = (const char *const[]){ "modifymedium", "disk", vmdk,
										     "--resize", mb, NULL },
						     .timeout_ms = VBM_DISK_TIMEOUT_MS }, err) < 0) {
			ctx->host->error_prefix(err, "cannot grow the data disk %s to %lld MB: ", vmdk, disk);
			if (n > 2)
				vbox_set_undo(ctx, args, n, err);
			return -1;
		}
		json_object_set_new(c, "DiskSize", json_integer(disk));
	}
	if (cpus)
		json_object_set_new(c, "CPU", json_integer(mc_json_int(f, "cpus", 1)));
	if (mem)
		json_object_set_new(c, "Memory", json_integer(mc_json_int(f, "memory", 1024)));
	if (autostart)
		json_object_set(c, "Autostart", autostart);
	return 0;
}

const struct mc_driver mc_driver_virtualbox = {
	.abi = MC_DRIVER_ABI,
	.name = "virtualbox",
	.summary = "a VirtualBox VM driven through VBoxManage, booted from an ISO",
	.flags = vbox_flags,
	.has_ssh = 1,
	.provision = 1,
	.share = MC_SHARE_VBOXSF,
	.check_flags = check_flags,
	.precreate = vbox_precreate,
	.create = vbox_create,
	.start = vbox_start,
	.stop = vbox_stop,
	.kill = vbox_kill,
	/* restart: NULL, the core's stop + start is docker-machine's Restart. */
	.remove = vbox_remove,
	.state = vbox_state,
	.states = vbox_states,
	.set_iso = vbox_set_iso,
	.set = vbox_set,
	.ip = vbox_ip,
	.ssh_endpoint = vbox_ssh_endpoint,
};
