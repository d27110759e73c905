/* provision: make a machine's Docker reachable over TLS (also the last phase of create). */
#include "buildconf.h"

#include <string.h>

#include "certs.h"
#include "cli.h"
#include "provision.h"
#include "ssh.h"
#include "util.h"

struct say_ctx {
	const char *name;
	bool prefix;
	long long t0;
};

static void say(void *arg, const char *msg)
{
	const struct say_ctx *s = arg;

	mc_cli_say(s->name, s->prefix, s->t0, msg);
}

static void ssh_phase(void *arg, const char *phase, long long elapsed_ms)
{
	char msg[256], el[32];

	if (elapsed_ms < 1000) {
		say(arg, phase);
		return;
	}
	mc_format_duration(elapsed_ms, el, sizeof(el));
	snprintf(msg, sizeof(msg), "%s (still waiting after %s)", phase, el);
	say(arg, msg);
}

int mc_cli_provision(struct mc_cli *cli, const struct mc_driver *drv, struct mc_driver_ctx *ctx,
		     struct mc_machine *m, bool prefix, long long t0, struct mc_error *err)
{
	struct say_ctx sc = { m->name, prefix, t0 };
	struct mc_ssh_endpoint ep = { 0 };
	struct mc_certs_paths paths = { 0 };
	_cleanup_free_ char *ip = NULL, *url = NULL;
	struct mc_provision p;
	int r = -1;

	if (!drv->ip || drv->ip(ctx, &ip, err) < 0) {
		if (!drv->ip)
			mc_error_set(err, MC_E_UNSUPPORTED, "the %s driver cannot report an IP address", drv->name);
		mc_error_prefix(err, "machine \"%s\": ", m->name);
		return -1;
	}
	/* The driver's URL: its engine port may not be 2376 (--generic-engine-port). */
	if (mc_driver_url(drv, ctx, &url, err) < 0 || mc_ssh_endpoint_from_driver(drv, ctx, &ep, err) < 0)
		return -1;
	say(&sc, "Waiting for SSH to be available...");
	if (mc_ssh_wait(&ep, 300000, ssh_phase, &sc, err) < 0)
		goto out;
	mc_cli_certs_paths(cli, m, &paths);
	p = (struct mc_provision){
		.m = m, .certs = &paths, .ep = &ep, .ip = ip, .url = url,
		.driver_name = drv->name, .phase = say, .arg = &sc,
	};
	r = mc_provision_run(&p, err);
	if (r == 0)
		say(&sc, "Docker is up and running!");
out:
	mc_certs_paths_free(&paths);
	mc_ssh_endpoint_clear(&ep);
	return r;
}

/* The certificates and the Docker engine target for the machine at ip. */
static void provision_setup(struct mc_cli *cli, struct mc_target *t, struct mc_ssh_endpoint *ep,
			    struct mc_certs_paths *paths, const char *ip, const char *url,
			    struct say_ctx *sc, struct mc_provision *p)
{
	mc_cli_certs_paths(cli, t->m, paths);
	*p = (struct mc_provision){
		.m = t->m, .certs = paths, .ep = ep, .ip = ip, .url = url,
		.driver_name = t->drv->name, .phase = say, .arg = sc,
	};
}

int mc_cli_after_boot(struct mc_cli *cli, struct mc_target *t, struct mc_error *err)
{
	struct say_ctx sc = { t->m->name, true, mc_now_ms() };
	struct mc_ssh_endpoint ep = { 0 };
	struct mc_certs_paths paths = { 0 };
	_cleanup_free_ char *url = NULL, *ip = NULL;
	long long deadline = mc_now_ms() + 300000;
	struct mc_provision p;
	int has, r = -1;

	if (!t->drv->provision || json_is_false(json_object_get(t->m->host_options, "Provision")))
		return mc_cli_certs_after_start(cli, t, err);
	/* Right after a start the lease may still be the old one: wait in
	 * slices and ask the driver again, so a changed IP is followed. */
	for (;;) {
		struct mc_error e = { 0 };

		mc_ssh_endpoint_clear(&ep);
		if (mc_ssh_endpoint_from_driver(t->drv, &t->ctx, &ep, err) < 0)
			return -1;
		if (mc_ssh_wait(&ep, 20000, ssh_phase, &sc, &e) == 0)
			break;
		if (e.code != MC_E_TIMEOUT || mc_now_ms() >= deadline) {
			mc_ssh_endpoint_clear(&ep);
			*err = e;
			return -1;
		}
	}
	/* Docker's address is the driver's IP, which is not always where SSH
	 * goes (VirtualBox: SSH through a port-forward on 127.0.0.1). */
	if (mc_target_ip(t, &ip, err) < 0 || mc_target_url(t, &url, err) < 0)
		goto out;
	provision_setup(cli, t, &ep, &paths, ip, url, &sc, &p);
	{
		_cleanup_free_ char *cert = mc_path_join(t->m->dir, "server.pem");

		has = mc_file_exists(cert) ? mc_certs_file_has_ip(cert, ip, err) : 0;
	}
	if (has < 0)
		goto out;
	if (!has) {
		char msg[160];

		snprintf(msg, sizeof(msg), "New IP address %s: making and uploading a new TLS server certificate...", ip);
		say(&sc, msg);
		r = mc_provision_certs(&p, err);
	} else {
		say(&sc, "Waiting for Docker...");
		r = mc_provision_wait_docker(&p, err);
	}
out:
	mc_certs_paths_free(&paths);
	mc_ssh_endpoint_clear(&ep);
	return r;
}

int mc_cli_push_certs(struct mc_cli *cli, struct mc_target *t, struct mc_error *err)
{
	struct say_ctx sc = { t->m->name, true, mc_now_ms() };
	struct mc_ssh_endpoint ep = { 0 };
	struct mc_certs_paths paths = { 0 };
	_cleanup_free_ char *url = NULL, *ip = NULL;
	struct mc_provision p;
	int r = -1;

	if (!t->drv->provision || json_is_false(json_object_get(t->m->host_options, "Provision")))
		return 0;  /* Docker there is not ours to configure */
	if (mc_target_require_running(t, err) < 0 || mc_target_ip(t, &ip, err) < 0 ||
	    mc_target_url(t, &url, err) < 0 || mc_ssh_endpoint_from_driver(t->drv, &t->ctx, &ep, err) < 0) {
		mc_error_prefix(err, "the new certificates are in %s but not on the machine: ", t->m->dir);
		return -1;
	}
	provision_setup(cli, t, &ep, &paths, ip, url, &sc, &p);
	say(&sc, "Copying certs to the remote machine and restarting Docker...");
	r = mc_provision_push_certs(&p, err);
	mc_certs_paths_free(&paths);
	mc_ssh_endpoint_clear(&ep);
	return r;
}

static int provision_one(struct mc_cli *cli, struct mc_args *a, const char *name,
			 struct mc_error *err)
{
	struct mc_target t;
	int r = -1;

	if (mc_target_open(cli, name, true, &t, err) < 0)
		return -1;
	if (!t.drv->provision) {
		mc_error_set(err, MC_E_UNSUPPORTED, "machine \"%s\": the %s driver does not provision machines",
			     name, t.drv->name);
		goto out;
	}
	/* Not mc_target_require_running: a machine whose first provisioning
	 * failed (Status error) is exactly what this verb is for. */
	{
		enum mc_state st;

		if (!t.drv->state) {
			mc_error_set(err, MC_E_UNSUPPORTED, "the %s driver cannot report a state", t.drv->name);
			goto out;
		}
		if (t.drv->state(&t.ctx, &st, err) < 0)
			goto out;
		if (st != MC_STATE_RUNNING) {
			mc_error_set(err, MC_E_STATE, "Host \"%s\" is not running", name);
			goto out;
		}
	}
	r = mc_cli_provision(cli, t.drv, &t.ctx, t.m, mc_args_npos(a) > 1, mc_now_ms(), err);
	if (r == 0) {
		mc_machine_set_status(t.m, MC_MACHINE_CREATED, NULL);
		json_object_set_new(t.m->host_options, "Provision", json_true());
		r = mc_target_save(&t, err);
	}
out:
	mc_target_close(&t);
	return r;
}

int mc_cmd_provision(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return mc_cli_each_parallel(cli, a, provision_one);
}
