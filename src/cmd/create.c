/* create: reserve the name, run the driver, record the machine. */
#include "buildconf.h"

#include <string.h>

#include "cli.h"
#include "iso.h"
#include "log.h"
#include "registry.h"
#include "ssh.h"
#include "util.h"

const struct mc_option mc_opts_create[] = {
	{ "driver", 'd', MC_OPT_STRING, "MACHINECTL_DRIVER", "libvirt", "DRIVER",
	  "driver that creates the machine (config.ini [defaults] driver overrides the default)" },
	{ "engine-env", 0, MC_OPT_LIST, NULL, NULL, "K=V", "environment variable for the Docker daemon" },
	{ "engine-insecure-registry", 0, MC_OPT_LIST, NULL, NULL, "REGISTRY", "insecure registry for the Docker daemon" },
	{ "engine-label", 0, MC_OPT_LIST, NULL, NULL, "K=V", "label for the Docker daemon" },
	{ "engine-opt", 0, MC_OPT_LIST, NULL, NULL, "K=V", "daemon option, passed as --K=V" },
	{ "engine-registry-mirror", 0, MC_OPT_LIST, "ENGINE_REGISTRY_MIRROR", NULL, "URL", "registry mirror for the Docker daemon" },
	{ "engine-storage-driver", 0, MC_OPT_STRING, NULL, NULL, "NAME", "storage driver for the Docker daemon" },
	{ "no-provision", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "leave Docker on the machine as it is: no certificates, no daemon options (drivers that provision)" },
	{ "ssh-key-type", 0, MC_OPT_STRING, "MACHINECTL_SSH_KEY_TYPE", "ed25519", "TYPE", "SSH key type: ed25519 or rsa" },
	{ "tls-key-type", 0, MC_OPT_STRING, "MACHINECTL_TLS_KEY_TYPE", "ecdsa-p256", "TYPE", "server key type: ecdsa-p256, rsa-2048 or rsa-4096" },
	{ "tls-san", 0, MC_OPT_LIST, NULL, NULL, "NAME", "extra subject alternative name for the server certificate" },
	{ NULL },
};

struct create_job {
	struct mc_cli *cli;
	struct mc_args *a;
	char **names;
	const struct mc_driver *drv;
	json_t *flags;
	bool prefix;                /* several machines: prefix lines with the name */
	long long t0;
};


/* A driver flag's value: flag > environment variable > config.ini > default. */
static int resolve_flag(struct mc_cli *cli, struct mc_args *a, const struct mc_driver *drv,
			const struct mc_driver_flag *f, json_t *out, struct mc_error *err)
{
	const char *v = NULL, *e;
	json_t *val = NULL;
	long long n;

	if (mc_args_given(a, f->name))
		v = mc_args_str(a, f->name);
	else if (f->env && (e = getenv(f->env)) && *e)
		v = e;
	else if (!(v = mc_config_driver_flag(cli->config, drv->name, f->name)))
		v = f->def;

	switch (f->type) {
	case MC_FLAG_STRING:
		val = v ? json_string(v) : json_null();
		break;
	case MC_FLAG_INT:
		if (!v) {
			val = json_null();
			break;
		}
		if (mc_parse_int(v, -(1LL << 53), 1LL << 53, &n, err, f->name) < 0)
			return -1;
		val = json_integer(n);
		break;
	case MC_FLAG_BOOL:
		val = json_boolean(v && (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")));
		break;
	case MC_FLAG_STRINGS:
		val = json_array();
		if (mc_args_given(a, f->name)) {
			for (char **l = mc_args_list(a, f->name); l && *l; l++)
				json_array_append_new(val, json_string(*l));
		} else if (v) {
			json_array_append_new(val, json_string(v));
		}
		break;
	}
	if (!val)  /* json_string() refuses invalid UTF-8 */
		return mc_error_set(err, MC_E_USAGE, "invalid value for --%s: not valid UTF-8", f->name);
	json_object_set_new(out, f->name, val);
	return 0;
}

static json_t *strings_json(char **l)
{
	json_t *arr = json_array();

	for (; l && *l; l++)
		json_array_append_new(arr, json_string(*l));
	return arr;
}

static void record_options(struct mc_machine *m, struct mc_args *a)
{
	json_t *eng = json_object_get(m->host_options, "EngineOptions");
	json_t *auth = json_object_get(m->host_options, "AuthOptions");
	json_t *ssh = json_object_get(m->host_options, "SSH");
	const char *sd = mc_args_str(a, "engine-storage-driver");

	json_object_set_new(eng, "ArbitraryFlags", strings_json(mc_args_list(a, "engine-opt")));
	json_object_set_new(eng, "Env", strings_json(mc_args_list(a, "engine-env")));
	json_object_set_new(eng, "InsecureRegistry", strings_json(mc_args_list(a, "engine-insecure-registry")));
	json_object_set_new(eng, "Labels", strings_json(mc_args_list(a, "engine-label")));
	json_object_set_new(eng, "RegistryMirror", strings_json(mc_args_list(a, "engine-registry-mirror")));
	json_object_set_new(eng, "StorageDriver", json_string(sd ? sd : ""));
	json_object_set_new(auth, "ServerCertSANs", strings_json(mc_args_list(a, "tls-san")));
	json_object_set_new(auth, "KeyType", json_string(mc_args_str(a, "tls-key-type")));
	json_object_set_new(ssh, "KeyType", json_string(mc_args_str(a, "ssh-key-type")));
	/* --no-provision is remembered: start and restart leave Docker alone too. */
	json_object_set_new(m->host_options, "Provision", json_boolean(!mc_args_bool(a, "no-provision")));
}

/* Create one machine.  On failure the store entry is rolled back. */
static int create_one(struct create_job *j, const char *name, struct mc_error *err)
{
	const struct mc_driver *drv = j->drv;
	_cleanup_machine_ struct mc_machine *m = NULL;
	struct mc_driver_ctx ctx;
	int lock_fd = -1;
	const char *phase;

	if (mc_store_reserve(&j->cli->store, name, &lock_fd, err) < 0)
		return -1;
	mc_test_point("create-after-reserve");
	m = mc_machine_new(&j->cli->store, name, drv->name);
	record_options(m, j->a);
	mc_driver_ctx_init(&ctx, &j->cli->store, m, j->flags);
	ctx.provision_follows = drv->provision && !mc_args_bool(j->a, "no-provision");

	phase = "pre-create check";
	mc_cli_say(name, j->prefix, j->t0, "Running pre-create checks...");
	if (drv->precreate && drv->precreate(&ctx, err) < 0) {
		if (err->code != MC_E_PRECREATE) {
			char msg[sizeof(err->msg)];

			memcpy(msg, err->msg, sizeof(msg));
			mc_error_clear(err);
			mc_error_set(err, MC_E_PRECREATE, "%s", msg);
		}
		goto rollback;
	}
	/* Recorded before the driver runs: a crash from here on leaves an entry
	 * that ls shows as Error and rm -f removes. */
	phase = "record";
	if (mc_machine_save(m, err) < 0)
		goto rollback;
	mc_test_point("create-after-record");
	phase = "TLS certificates";
	if (mc_cli_certs_install(j->cli, m, err) < 0)
		goto rollback;
	mc_test_point("create-after-certs");
	/* The driver's create installs the public key in the guest. */
	if (drv->has_ssh) {
		json_t *ssh = json_object_get(m->host_options, "SSH");
		_cleanup_free_ char *comment = mc_asprintf("machinectl:%s", name);

		phase = "SSH key";
		if (mc_ssh_keygen(m->dir, mc_json_str(ssh, "KeyType"), comment, err) < 0)
			goto rollback;
		mc_test_point("create-after-sshkey");
	}
	phase = "create";
	mc_cli_say(name, j->prefix, j->t0, "Creating machine...");
	if (drv->create(&ctx, err) < 0) {
		struct mc_error ignored = { 0 };

		if (drv->remove)
			drv->remove(&ctx, &ignored);
		goto rollback;
	}
	mc_test_point("create-after-driver");
	phase = "TLS server certificate";
	if (mc_cli_certs_new_machine(j->cli, drv, &ctx, m, err) < 0) {
		struct mc_error ignored = { 0 };

		if (drv->remove)
			drv->remove(&ctx, &ignored);
		goto rollback;
	}
	mc_test_point("create-after-server-cert");
	mc_machine_set_status(m, MC_MACHINE_CREATED, NULL);
	phase = "record";
	if (mc_machine_save(m, err) < 0)
		goto rollback;
	mc_test_point("create-after-created");
	/* A provisioning failure keeps the VM for a look (console log, ssh):
	 * the machine is an Error row until `provision` succeeds or `rm` removes it. */
	if (drv->provision && !mc_args_bool(j->a, "no-provision") &&
	    mc_cli_provision(j->cli, drv, &ctx, m, j->prefix, j->t0, err) < 0) {
		struct mc_error ignored = { 0 };

		mc_machine_set_status(m, MC_MACHINE_ERROR, err->msg);
		mc_machine_save(m, &ignored);
		mc_store_unlock(lock_fd);
		mc_error_prefix(err, "machine \"%s\": provisioning failed (the VM is kept: '%s provision %s' retries, '%s rm -f %s' removes it): ",
				name, j->cli->prog, name, j->cli->prog, name);
		return -1;
	}
	mc_store_unlock(lock_fd);
	return 0;

rollback:
	{
		struct mc_error ignored = { 0 };

		mc_store_remove(&j->cli->store, name, &ignored);
		mc_store_unlock(lock_fd);
	}
	if (err->code == MC_E_PRECREATE)
		mc_error_prefix(err, "machine \"%s\": Error with pre-create check: ", name);
	else
		mc_error_prefix(err, "machine \"%s\": %s failed, nothing was kept: ", name, phase);
	return -1;
}

struct par_create {
	struct create_job *j;
	struct mc_error *errs;
};

static void create_worker(size_t i, void *arg)
{
	struct par_create *p = arg;

	create_one(p->j, p->j->names[i], &p->errs[i]);
}

int mc_cmd_create(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return mc_cli_create(cli, a, a->pos);
}

int mc_cli_create(struct mc_cli *cli, struct mc_args *a, char **names)
{
	struct mc_error err = { 0 };
	_cleanup_json_ json_t *flags = json_object();
	const char *dname = mc_args_str(a, "driver");
	size_t n = mc_strv_len(names);
	struct create_job j = { cli, a, names, NULL, flags, n > 1, mc_now_ms() };
	struct par_create p = { &j, NULL };
	const char *kt;
	int rc = 0;

	if (!mc_args_given(a, "driver") && !getenv("MACHINECTL_DRIVER") &&
	    mc_config_get(cli->config, "defaults", "driver"))
		dname = mc_config_get(cli->config, "defaults", "driver");
	/* Validate everything before anything touches the file system. */
	for (size_t i = 0; i < n; i++) {
		if (mc_store_check_name(names[i], &err) < 0)
			return mc_cli_fail(&err);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(names[i], names[k])) {
				mc_error_set(&err, MC_E_USAGE, "machine \"%s\" is named twice", names[i]);
				return mc_cli_fail(&err);
			}
	}
	kt = mc_args_str(a, "tls-key-type");
	if (!mc_streq(kt, "ecdsa-p256") && !mc_streq(kt, "rsa-2048") && !mc_streq(kt, "rsa-4096")) {
		mc_error_set(&err, MC_E_USAGE,
			     "invalid --tls-key-type \"%s\": use ecdsa-p256, rsa-2048 or rsa-4096", kt);
		return mc_cli_fail(&err);
	}
	kt = mc_args_str(a, "ssh-key-type");
	if (!mc_streq(kt, "ed25519") && !mc_streq(kt, "rsa")) {
		mc_error_set(&err, MC_E_USAGE, "invalid --ssh-key-type \"%s\": use ed25519 or rsa", kt);
		return mc_cli_fail(&err);
	}
	if (mc_driver_lookup(dname, &j.drv, &err) < 0)
		return mc_cli_fail(&err);
	for (const struct mc_driver_flag *f = j.drv->flags; f && f->name; f++)
		if (resolve_flag(cli, a, j.drv, f, flags, &err) < 0)
			return mc_cli_fail(&err);
	if (!j.drv->create) {
		mc_error_set(&err, MC_E_UNSUPPORTED, "the %s driver cannot create machines", j.drv->name);
		return mc_cli_fail(&err);
	}

	/* The boot ISO of drivers that have an "iso" flag, once for all the
	 * machines (a URL is downloaded here); the driver gets a local path. */
	if (mc_iso_prepare_flags(cli->store.root, flags,
				 &mc_cli_iso_opts,
				 &err) < 0) {
		if (err.code != MC_E_USAGE) {
			err.code = MC_E_PRECREATE;
			mc_error_prefix(&err, "Error with pre-create check: ");
		}
		return mc_cli_fail(&err);
	}
	/* The CA and client certificate, once for all the machines. */
	if (mc_cli_certs_prepare(cli, mc_args_str(a, "tls-key-type"), &err) < 0)
		return mc_cli_fail(&err);
	p.errs = mc_calloc(n, sizeof(struct mc_error));
	mc_parallel(n, 4, create_worker, &p);
	for (size_t i = 0; i < n; i++) {
		if (p.errs[i].code != MC_E_OK) {
			int code = mc_cli_fail(&p.errs[i]);

			rc = rc ? rc : code;
			continue;
		}
		printf("To see how to connect your Docker Client to the Docker Engine running on this machine, run: %s env %s\n",
		       cli->prog, names[i]);
	}
	free(p.errs);
	return rc;
}
