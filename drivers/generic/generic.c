/*
 * The generic driver: an existing host reached over SSH (--generic-ip-address).
 * There is no VM: the state is a TCP probe of the SSH port, restart runs
 * `sudo shutdown -r now` on the host, start/stop/kill are unsupported (NULL).
 */
#include "buildconf.h"

#include "driver.h"

#define PROBE_TIMEOUT_MS 3000

static const struct mc_driver_flag generic_flags[] = {
	{ "generic-engine-port", "GENERIC_ENGINE_PORT", "2376", "Docker engine port on the host", MC_FLAG_INT,
	  .min = 1, .max = 65535 },
	{ "generic-ip-address", "GENERIC_IP_ADDRESS", NULL, "IP address or host name of the host (required)", MC_FLAG_STRING },
	{ "generic-ssh-key", "GENERIC_SSH_KEY", NULL, "private key that logs in to the host (copied into the machine; default: a new key pair, whose public key you install on the host)", MC_FLAG_STRING,
	  MC_VALUE_FILE },
	{ "generic-ssh-port", "GENERIC_SSH_PORT", "22", "SSH port of the host", MC_FLAG_INT, .min = 1, .max = 65535 },
	{ "generic-ssh-user", "GENERIC_SSH_USER", "root", "SSH user on the host", MC_FLAG_STRING },
	{ NULL },
};

/* A check's failure as a pre-create failure naming the flag. */
static bool invalid(struct mc_driver_ctx *ctx, int rc, const char *flag, struct mc_error *err)
{
	if (rc == 0)
		return false;
	err->code = MC_E_PRECREATE;
	ctx->host->error_prefix(err, "invalid %s: ", flag);
	return true;
}

static int generic_check_flags(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *ip = mc_json_str(ctx->flags, "generic-ip-address");
	const char *user = mc_json_str(ctx->flags, "generic-ssh-user");

	if (!ip || !*ip)
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "the generic driver needs --generic-ip-address (the address of the host to use)");
	/* What reaches ssh and its config files: doc/ssh.md, "Endpoints". */
	if (invalid(ctx, ctx->host->check_ssh_host(ip, err), "--generic-ip-address", err) ||
	    invalid(ctx, ctx->host->check_ssh_user(user, err), "--generic-ssh-user", err))
		return -1;
	return 0;
}

static int generic_precreate(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *key = mc_json_str(ctx->flags, "generic-ssh-key");

	if (key && *key && access(key, R_OK) != 0)
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "cannot read the SSH key given with --generic-ssh-key: %s", key);
	return 0;
}

static int generic_create(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *key = mc_json_str(ctx->flags, "generic-ssh-key");

	json_object_set_new(ctx->config, "IPAddress", json_string(mc_json_str(ctx->flags, "generic-ip-address")));
	json_object_set_new(ctx->config, "SSHUser", json_string(mc_json_str(ctx->flags, "generic-ssh-user")));
	json_object_set_new(ctx->config, "SSHPort", json_integer(mc_json_int(ctx->flags, "generic-ssh-port", 22)));
	json_object_set_new(ctx->config, "EnginePort",
			    json_integer(mc_json_int(ctx->flags, "generic-engine-port", 2376)));
	if (key && *key) {
		/* Replaces the key pair the core generated. */
		if (ctx->host->ssh_key_import(ctx, key, err) < 0)
			return -1;
		json_object_set_new(ctx->config, "SSHKeySource", json_string(key));
	}
	return 0;
}

static int generic_remove(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	return 0;  /* the host is not ours: forgetting it is all there is */
}

/* The host's address from the record, checked as any SSH host is. */
static int config_ip(struct mc_driver_ctx *ctx, const char **ip, struct mc_error *err)
{
	*ip = mc_json_str(ctx->config, "IPAddress");
	if (!*ip)
		return ctx->host->error_set(err, MC_E_INVALID, "no IPAddress in the machine's config");
	if (ctx->host->check_ssh_host(*ip, err) < 0) {
		ctx->host->error_prefix(err, "IPAddress in the machine's config.json: ");
		return -1;
	}
	return 0;
}

static int generic_state(struct mc_driver_ctx *ctx, enum mc_state *out, struct mc_error *err)
{
	const char *ip;
	int port;

	if (config_ip(ctx, &ip, err) < 0 || mc_config_port(ctx, "SSHPort", 22, &port, err) < 0)
		return -1;
	*out = ctx->host->tcp_probe(ip, port, PROBE_TIMEOUT_MS) ? MC_STATE_RUNNING : MC_STATE_STOPPED;
	return 0;
}

static int generic_ip(struct mc_driver_ctx *ctx, char **ip, struct mc_error *err)
{
	const char *a;

	if (config_ip(ctx, &a, err) < 0)
		return -1;
	*ip = mc_strdup(a);
	return 0;
}

static int generic_url(struct mc_driver_ctx *ctx, char **url, struct mc_error *err)
{
	const char *a;
	int port;

	if (config_ip(ctx, &a, err) < 0 || mc_config_port(ctx, "EnginePort", 2376, &port, err) < 0)
		return -1;
	*url = strchr(a, ':') ? mc_asprintf("tcp://[%s]:%d", a, port) : mc_asprintf("tcp://%s:%d", a, port);
	return 0;
}

static int generic_ssh_endpoint(struct mc_driver_ctx *ctx, char **host, int *port, char **user,
				struct mc_error *err)
{
	const char *a, *u = mc_json_str(ctx->config, "SSHUser");

	if (config_ip(ctx, &a, err) < 0 || mc_config_port(ctx, "SSHPort", 22, port, err) < 0)
		return -1;
	*host = mc_strdup(a);
	*user = mc_strdup(u ? u : "root");
	return 0;
}

static int generic_restart(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	struct mc_run_result res = { 0 };
	int rc = 0;

	ctx->host->phase(ctx, "Rebooting the host (sudo shutdown -r now)...");
	/* The host going down may cut the connection before the status comes
	 * back: 255. */
	if (ctx->host->ssh_run(ctx, "sudo shutdown -r now", NULL, &res, err) < 0) {
		rc = -1;
	} else if (res.status != 0 && res.status != 255) {
		rc = ctx->host->error_set(err, MC_E_FAILED, "`sudo shutdown -r now` failed with status %d: %s",
					  res.status, res.err_len ? res.err : "(no output)");
	}
	mc_run_result_free(&res);
	return rc;
}

const struct mc_driver mc_driver_generic = {
	.abi = MC_DRIVER_ABI,
	.name = "generic",
	.summary = "an existing host reached over SSH (--generic-ip-address)",
	.flags = generic_flags,
	.has_ssh = 1,
	.provision = 1,
	.check_flags = generic_check_flags,
	.precreate = generic_precreate,
	.create = generic_create,
	/* start/stop/kill: NULL, the host is not ours to power on or off. */
	.restart = generic_restart,
	.remove = generic_remove,
	.state = generic_state,
	.ip = generic_ip,
	.url = generic_url,
	.ssh_endpoint = generic_ssh_endpoint,
};
