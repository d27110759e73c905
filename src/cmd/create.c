/* create: machines from a driver, several in parallel (src/ops/create.c). */
#include "buildconf.h"

#include <string.h>

#include "cli.h"
#include "registry.h"
#include "util.h"

const struct mc_option mc_opts_create[] = {
	[O_CREATE_AUTOSTART] = { "autostart", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "start the machine when the host (or its hypervisor) starts ('set --autostart off' undoes it)" },
	[O_CREATE_DRIVER] = { "driver", 'd', MC_OPT_STRING, "MACHINECTL_DRIVER", MC_DEFAULT_DRIVER, "DRIVER",
	  "driver that creates the machine (config.ini [defaults] driver overrides the default)",
	  .value = MC_VALUE_DRIVER },
	[O_CREATE_ENGINE_ENV] = { "engine-env", 0, MC_OPT_LIST, NULL, NULL, "K=V",
	  "environment variable for the Docker daemon (KEY a variable name)" },
	[O_CREATE_ENGINE_INSECURE_REGISTRY] = { "engine-insecure-registry", 0, MC_OPT_LIST, NULL, NULL,
	  "REGISTRY", "insecure registry for the Docker daemon (host:port or a CIDR, without a scheme)" },
	[O_CREATE_ENGINE_INSTALL_URL] = { "engine-install-url", 0, MC_OPT_STRING, "MACHINECTL_ENGINE_INSTALL_URL",
	  NULL, "URL", "where the Debian/Ubuntu provisioner gets Docker when the machine has none: an http(s) URL of an install script run with sh (as docker-machine's https://get.docker.com); \"\": never install (default: Debian's docker.io package)" },
	[O_CREATE_ENGINE_LABEL] = { "engine-label", 0, MC_OPT_LIST, NULL, NULL, "K=V",
	  "label for the Docker daemon" },
	[O_CREATE_ENGINE_OPT] = { "engine-opt", 0, MC_OPT_LIST, NULL, NULL, "NAME[=V]",
	  "daemon option NAME[=VALUE], passed as --NAME[=VALUE] (NAME: a dockerd flag, e.g. log-level=debug)" },
	[O_CREATE_ENGINE_REGISTRY_MIRROR] = { "engine-registry-mirror", 0, MC_OPT_LIST,
	  "ENGINE_REGISTRY_MIRROR", NULL, "URL", "registry mirror for the Docker daemon: an http:// or https:// URL" },
	[O_CREATE_ENGINE_STORAGE_DRIVER] = { "engine-storage-driver", 0, MC_OPT_STRING, NULL, NULL,
	  "NAME", "storage driver for the Docker daemon" },
	[O_CREATE_NO_PROVISION] = { "no-provision", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "leave Docker on the machine as it is: no certificates, no daemon options (drivers that provision)" },
	[O_CREATE_NO_SHARE] = { "no-share", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "share no folder with the machine (not even the home directory)" },
	[O_CREATE_SHARE] = { "share", 0, MC_OPT_LIST, NULL, NULL, "HOST[:GUEST]",
	  "share the host directory HOST with the machine at GUEST (default: the same path); repeatable; default: the home directory",
	  .value = MC_VALUE_DIR },
	[O_CREATE_SSH_KEY_TYPE] = { "ssh-key-type", 0, MC_OPT_STRING, "MACHINECTL_SSH_KEY_TYPE", "ed25519",
	  "TYPE", "SSH key type: ed25519 or rsa", .value = MC_VALUE_CHOICE, .choices = "ed25519 rsa" },
	[O_CREATE_TLS_KEY_TYPE] = { "tls-key-type", 0, MC_OPT_STRING, "MACHINECTL_TLS_KEY_TYPE",
	  "ecdsa-p256", "TYPE", "server key type: ecdsa-p256, rsa-2048 or rsa-4096",
	  .value = MC_VALUE_CHOICE, .choices = "ecdsa-p256 rsa-2048 rsa-4096" },
	[O_CREATE_TLS_SAN] = { "tls-san", 0, MC_OPT_LIST, NULL, NULL, "NAME",
	  "extra subject alternative name for the server certificate: an IP address or a DNS name" },
	[O_CREATE_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_create, O_CREATE_N);

#define OPT(x) (&mc_opts_create[O_CREATE_##x])

/* --driver, else $MACHINECTL_DRIVER, else config.ini [defaults] driver, else the default. */
static const char *driver_name(struct mc_cli *cli, struct mc_args *a)
{
	const char *ini = mc_config_get(cli->s.config, "defaults", "driver");

	if (!mc_args_given(a, OPT(DRIVER)) && !getenv("MACHINECTL_DRIVER") && ini && *ini)
		return ini;
	return mc_args_str(a, OPT(DRIVER));
}

int mc_cli_create(struct mc_cli *cli, struct mc_args *a, char **names)
{
	struct mc_error err = { 0 };
	_cleanup_json_ json_t *flags = json_object(), *origins = json_object();
	_cleanup_free_ struct mc_error *errs = mc_calloc(mc_strv_len(names) + 1, sizeof(*errs));
	struct mc_create_opts o = {
		.flags = flags,
		.flag_origins = origins,
		.engine_env = mc_args_list(a, OPT(ENGINE_ENV)),
		.engine_insecure_registry = mc_args_list(a, OPT(ENGINE_INSECURE_REGISTRY)),
		.engine_label = mc_args_list(a, OPT(ENGINE_LABEL)),
		.engine_opt = mc_args_list(a, OPT(ENGINE_OPT)),
		.engine_registry_mirror = mc_args_list(a, OPT(ENGINE_REGISTRY_MIRROR)),
		.tls_san = mc_args_list(a, OPT(TLS_SAN)),
		.engine_storage_driver = mc_args_str(a, OPT(ENGINE_STORAGE_DRIVER)),
		/* "" (never install) differs from not given (docker.io) */
		.engine_install_url = mc_args_given(a, OPT(ENGINE_INSTALL_URL)) || getenv("MACHINECTL_ENGINE_INSTALL_URL")
					      ? mc_args_str(a, OPT(ENGINE_INSTALL_URL)) : NULL,
		.ssh_key_type = mc_args_str(a, OPT(SSH_KEY_TYPE)),
		.tls_key_type = mc_args_str(a, OPT(TLS_KEY_TYPE)),
		.no_provision = mc_args_bool(a, OPT(NO_PROVISION)),
		.share = mc_args_list(a, OPT(SHARE)),
		.no_share = mc_args_bool(a, OPT(NO_SHARE)),
		.autostart = mc_args_bool(a, OPT(AUTOSTART)),
	};
	int rc = 0;

	if (mc_ops_create_check(&o, names, &err) < 0 ||
	    mc_driver_lookup(driver_name(cli, a), &o.drv, &err) < 0 ||
	    mc_ops_driver_flags(&cli->s, o.drv, a, flags, origins, &err) < 0 ||
	    mc_ops_create(&cli->s, &o, names, errs, &err) < 0)
		return mc_cli_fail(&err);
	for (size_t i = 0; names[i]; i++) {
		if (errs[i].code != MC_E_OK) {
			int code = mc_cli_fail(&errs[i]);

			rc = rc ? rc : code;
			continue;
		}
		printf("To see how to connect your Docker Client to the Docker Engine running on this machine, run: %s env %s\n",
		       cli->prog, names[i]);
	}
	return rc;
}

int mc_cmd_create(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return mc_cli_create(cli, a, a->pos);
}
