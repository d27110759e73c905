/* The services the core offers to drivers (struct mc_host, drivers/driver.h):
 * what a driver built in or loaded as a plugin may ask of machinectl. */
#include "buildconf.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "iso.h"
#include "ops-internal.h"
#include "os.h"
#include "proc-child.h"
#include "proc.h"
#include "provision.h"
#include "shares.h"
#include "ssh.h"
#include "userdata.h"
#include "util.h"

static void host_phase(struct mc_driver_ctx *ctx, const char *fmt, ...)
{
	const struct mc_handle *h = ctx->core;
	const struct mc_ui *ui = h && h->s ? h->s->ui : NULL;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ui && ui->driver_phase)
		ui->driver_phase(ui->arg, ctx->machine_name, msg);
	else
		mc_debug("(%s) %s", ctx->machine_name, msg);
}

static int host_checkpoint(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const struct mc_handle *h = ctx->core;

	return h ? mc_machine_save(h->m, err) : 0;
}

static int host_ssh_pubkey(struct mc_driver_ctx *ctx, char **line, struct mc_error *err)
{
	return mc_ssh_pubkey_line(ctx->machine_dir, line, err);
}

/* The machine's .machinectl/mounts (NULL: no shares): its recorded shares
 * with its driver's file system. */
static char *mounts_of(struct mc_driver_ctx *ctx)
{
	const struct mc_handle *h = ctx->core;
	static const char *const fs[] = { [MC_SHARE_9P] = "9p", [MC_SHARE_VIRTIOFS] = "virtiofs",
					  [MC_SHARE_VBOXSF] = "vboxsf" };

	if (!h || !h->drv->share || !h->m)
		return NULL;
	return mc_shares_mounts(json_object_get(h->m->host_options, "Shares"), fs[h->drv->share]);
}

static void userdata_more_clear(struct mc_userdata_more *more)
{
	free((char *)more->mounts);
	free(more->provision.data);
}

/* What the userdata tar holds besides the key: the shares' mounts file, and,
 * for a machine OS guest whose address the driver knows before it boots
 * (config IPAddress when it makes the data disk, driver.h), the provisioning
 * files with a server certificate for that address: dockerd then starts
 * once, with TLS, at the first boot (src/userdata.h); the record says so
 * (HostOptions AddressReserved: start waits for Docker before it logs in).
 * When the machine OS takes its SSH host keys from them too (iso-features
 * boot-host-keys), they are made and pinned here, and create need not log
 * in (h->boot_keys). */
static int userdata_more(struct mc_driver_ctx *ctx, struct mc_userdata_more *more, struct mc_error *err)
{
	struct mc_handle *h = ctx->core;
	const char *ip = mc_json_str(ctx->config, "IPAddress");
	const char *vid = mc_json_str(ctx->flags, "iso-version");
	bool with_keys = mc_iso_has_feature(mc_json_str(ctx->flags, "iso-features"), "boot-host-keys");
	struct mc_ssh_host_keys keys = { NULL, NULL };
	int r;

	*more = (struct mc_userdata_more){ .mounts = mounts_of(ctx) };
	if (!h || !ctx->provision_follows || !ip || !vid ||
	    strncasecmp(vid, MC_ISO_OS_VOLUME_PREFIX, strlen(MC_ISO_OS_VOLUME_PREFIX)))
		return 0;
	h->boot_keys = false;
	r = (mc_ops_certs_server(h->s, h->m, ip, err) < 0 ||
	     (with_keys && mc_ssh_host_keys_new(h->m->name, h->m->dir, &keys, err) < 0) ||
	     mc_provision_boot_tar(h->m, h->drv->name, with_keys ? &keys : NULL, &more->provision, err) < 0)
		? -1 : 0;
	mc_ssh_host_keys_clear(&keys);
	if (r < 0) {
		userdata_more_clear(more);
		return -1;
	}
	h->boot_keys = with_keys;
	json_object_set_new(h->m->host_options, "AddressReserved", json_true());
	mc_debug("machine \"%s\": the address %s is known before boot: its provisioning files%s go on the data disk",
		 ctx->machine_name, ip, with_keys ? " and SSH host keys" : "");
	return 0;
}

static int host_userdata_tar(struct mc_driver_ctx *ctx, char **data, size_t *len,
			     struct mc_error *err)
{
	_cleanup_free_ char *key = NULL;
	struct mc_userdata_more more;
	int r;

	if (mc_ssh_pubkey_line(ctx->machine_dir, &key, err) < 0 || userdata_more(ctx, &more, err) < 0)
		return -1;
	r = mc_userdata_tar(key, ctx->provision_follows, &more, data, len, err);
	userdata_more_clear(&more);
	return r;
}

static int host_userdata_disk(struct mc_driver_ctx *ctx, const char *path, long long size_mb,
			      struct mc_error *err)
{
	_cleanup_free_ char *key = NULL;
	struct mc_userdata_more more;
	int r;

	if (mc_ssh_pubkey_line(ctx->machine_dir, &key, err) < 0 || userdata_more(ctx, &more, err) < 0)
		return -1;
	r = mc_userdata_write_disk(path, key, ctx->provision_follows, &more, size_mb, err);
	userdata_more_clear(&more);
	return r;
}

static int host_ssh_key_import(struct mc_driver_ctx *ctx, const char *path, struct mc_error *err)
{
	_cleanup_free_ char *comment = mc_asprintf("machinectl:%s", ctx->machine_name);

	return mc_ssh_key_import(path, ctx->machine_dir, comment, err);
}

/* Where the machine's SSH server is: the handle the core runs the driver for. */
static int endpoint(struct mc_driver_ctx *ctx, struct mc_ssh_endpoint *ep, struct mc_error *err)
{
	struct mc_handle *h = ctx->core;

	if (!h)
		return mc_error_set(err, MC_E_FAILED, "no machine handle: the driver was not called by the core");
	return mc_op_ssh_endpoint(h, ep, err);
}

static int host_ssh_run(struct mc_driver_ctx *ctx, const char *cmd, const struct mc_ssh_opts *opts,
			struct mc_run_result *res, struct mc_error *err)
{
	struct mc_ssh_endpoint ep;
	struct mc_ssh *s = NULL;
	int r = -1;

	memset(res, 0, sizeof(*res));
	if (endpoint(ctx, &ep, err) < 0)
		return -1;
	if (opts && opts->connect_timeout_ms > 0)
		ep.connect_timeout_ms = opts->connect_timeout_ms;
	if (mc_ssh_connect(&ep, &s, err) == 0) {
		struct mc_error e = { 0 };

		r = mc_ssh_run(s, cmd, opts, res, &e);
		if (r < 0 && e.code == MC_E_NETWORK) {
			/* Lost while it ran: status 255, as OpenSSH's ssh says. */
			res->status = 255;
			res->out = mc_strdup("");
			res->err = mc_strdup(e.msg);
			res->err_len = strlen(res->err);
			r = 0;
		} else if (r < 0) {
			mc_error_copy(err, &e);
		}
	}
	mc_ssh_close(s);
	mc_ssh_endpoint_clear(&ep);
	return r;
}

static void wait_phase(void *arg, const char *msg)
{
	host_phase(arg, "%s", msg);
}

static int host_ssh_wait(struct mc_driver_ctx *ctx, int timeout_ms, const char *log,
			 struct mc_error *err)
{
	struct mc_ssh_endpoint ep;
	int r;

	if (endpoint(ctx, &ep, err) < 0)
		return -1;
	if (log) {
		free(ep.console_log);
		ep.console_log = mc_strdup(log);
	}
	r = mc_ssh_wait(&ep, timeout_ms, wait_phase, ctx, err);
	mc_ssh_endpoint_clear(&ep);
	return r;
}

static bool host_tcp_probe(const char *host, int port, int timeout_ms)
{
	return mc_ssh_tcp_probe(host, port, timeout_ms, NULL) == 0;
}

static int host_iso_boot_files(struct mc_driver_ctx *ctx, char **kernel, char **initrd, char **cmdline,
			       struct mc_error *err)
{
	struct mc_iso_boot b;

	const char *iso = mc_json_str(ctx->flags, "iso");

	*kernel = *initrd = *cmdline = NULL;
	if (!iso || !*iso)
		return 0;
	if (mc_iso_boot_files(ctx->store_path, iso, mc_json_str(ctx->flags, "iso-sha256"), &b, err) < 0)
		return -1;
	*kernel = b.kernel;
	*initrd = b.initrd;
	*cmdline = b.cmdline;
	return 0;
}

static const struct mc_host host = {
	.abi = MC_DRIVER_ABI,
	.error_set = mc_error_set,
	.error_prefix = mc_error_prefix,
	.log = mc_log,
	.phase = host_phase,
	.checkpoint = host_checkpoint,
	.run = mc_proc_run,
	.which = mc_proc_which,
	.argv_str = mc_proc_argv_str,
	.child_spawn = mc_proc_child_spawn,
	.child_write = mc_proc_child_write,
	.child_read_line = mc_proc_child_read_line,
	.child_stderr = mc_proc_child_stderr,
	.child_close = mc_proc_child_close,
	.userdata_tar = host_userdata_tar,
	.userdata_disk = host_userdata_disk,
	.ssh_pubkey = host_ssh_pubkey,
	.ssh_key_import = host_ssh_key_import,
	.ssh_run = host_ssh_run,
	.ssh_wait = host_ssh_wait,
	.tcp_probe = host_tcp_probe,
	.check_ssh_host = mc_ssh_check_host,
	.check_ssh_user = mc_ssh_check_user,
	.read_file = mc_read_file,
	.wsl_version = mc_os_wsl_version,
	.windows_path = mc_os_host_path,
	.linux_path = mc_os_wsl_path,
	.iso_boot_files = host_iso_boot_files,
};

const struct mc_host *mc_host_api(void)
{
	return &host;
}
