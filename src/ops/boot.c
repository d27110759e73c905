/* After a machine boots: wait for SSH, provision Docker over TLS, follow a
 * changed IP address (create, provision, start, restart, regenerate-certs). */
#include "buildconf.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "certs.h"
#include "console.h"
#include "ops-internal.h"
#include "provision.h"
#include "ssh.h"
#include "util.h"

/* Where phase lines go: the machine, named or not, timed from t0. */
struct say_ctx {
	struct mc_session *s;
	const char *name;
	bool named;
	long long t0;
};

static void say(void *arg, const char *msg)
{
	const struct say_ctx *c = arg;

	mc_ui_phase(c->s, c->name, c->named, c->t0, "%s", msg);
}

/* The console's markers while the machine boots, and the first that says
 * Docker will not come up ("docker FAILED...", doc/machine-os.md). */
struct mc_boot_watch {
	struct say_ctx sc;
	struct mc_console_watch *w;
	pthread_mutex_t lock;
	char *failed;
};

static void say_marker(void *arg, const char *step)
{
	static const char failed[] = "docker FAILED";
	struct mc_boot_watch *bw = arg;

	mc_ui_phase(bw->sc.s, bw->sc.name, bw->sc.named, bw->sc.t0, "Machine OS: %s", step);
	if (strncmp(step, failed, sizeof(failed) - 1))
		return;
	pthread_mutex_lock(&bw->lock);
	if (!bw->failed)
		bw->failed = mc_strdup(step);
	pthread_mutex_unlock(&bw->lock);
}

static char *boot_gave_up(void *arg)
{
	struct mc_boot_watch *bw = arg;
	char *why;

	pthread_mutex_lock(&bw->lock);
	why = bw->failed ? mc_strdup(bw->failed) : NULL;
	pthread_mutex_unlock(&bw->lock);
	return why;
}

void mc_ops_boot_watch(struct mc_handle *h, bool named, long long t0)
{
	_cleanup_free_ char *log = mc_path_join(h->m->dir, "console.log");

	mc_ops_boot_watch_end(h);
	h->watch = mc_calloc(1, sizeof(*h->watch));
	h->watch->sc = (struct say_ctx){ h->s, h->m->name, named, t0 };
	pthread_mutex_init(&h->watch->lock, NULL);
	h->watch->w = mc_console_watch_start(log, say_marker, h->watch);
}

void mc_ops_boot_watch_end(struct mc_handle *h)
{
	if (!h->watch)
		return;
	mc_console_watch_stop(h->watch->w);
	pthread_mutex_destroy(&h->watch->lock);
	free(h->watch->failed);
	free(h->watch);
	h->watch = NULL;
}

/* What provisioning works with: endpoint, IP, URL and certificates. */
struct prov {
	struct say_ctx sc;
	struct mc_ssh_endpoint ep;
	struct mc_certs_paths paths;
	char *ip, *url;
	struct mc_provision p;
};

static void prov_clear(struct prov *v)
{
	mc_certs_paths_free(&v->paths);
	mc_ssh_endpoint_clear(&v->ep);
	free(v->ip);
	free(v->url);
}

/* Docker's address is the driver's IP, which is not always where SSH goes
 * (VirtualBox: SSH through a port-forward on 127.0.0.1).  The endpoint must
 * be filled in already. */
static int prov_setup(struct mc_handle *h, struct prov *v, struct mc_error *err)
{
	if (mc_op_ip(h, &v->ip, err) < 0 || mc_op_url(h, &v->url, err) < 0)
		return -1;
	mc_ops_certs_paths(h->s, h->m, &v->paths);
	v->p = (struct mc_provision){
		.m = h->m, .certs = &v->paths, .ep = &v->ep, .ip = v->ip, .url = v->url,
		.driver_name = h->drv->name, .phase = say, .arg = &v->sc,
		.gave_up = h->watch ? boot_gave_up : NULL, .gave_up_arg = h->watch,
	};
	return 0;
}

static bool provisions(const struct mc_handle *h)
{
	return h->drv->provision && !json_is_false(json_object_get(h->m->host_options, "Provision"));
}

int mc_ops_provision(struct mc_handle *h, bool named, long long t0, struct mc_error *err)
{
	struct prov v = { .sc = { h->s, h->m->name, named, t0 } };
	int r = -1;

	if (mc_op_ssh_endpoint(h, &v.ep, err) < 0 || prov_setup(h, &v, err) < 0)
		goto out;
	if (h->boot_keys && mc_certs_machine_server_has_ip(h->m, v.ip)) {
		/* The machine OS installs the provisioning files, host keys
		 * included, at its first boot and starts dockerd with them: Docker
		 * answering over TLS with this machine's server certificate is the
		 * proof, and a login (which would slow the boot down) is not needed.
		 * A guest that got another address than the one its certificate
		 * names is provisioned over SSH (its host keys are pinned all the same). */
		say(&v.sc, "The machine OS starts Docker with its certificates at boot (SSH host keys pinned before the boot)...");
		say(&v.sc, "Checking connection to Docker...");
		r = mc_provision_wait_own_docker(&v.p, err);
	} else {
		say(&v.sc, "Waiting for SSH to be available...");
		if (mc_ssh_wait(&v.ep, 300000, say, &v.sc, err) < 0)
			goto out;
		v.p.boot_files = h->ctx.provision_follows;
		r = mc_provision_run(&v.p, err);
	}
	mc_ops_boot_watch_end(h);
	if (r == 0)
		say(&v.sc, "Docker is up and running!");
out:
	prov_clear(&v);
	return r;
}

/* The engine options of the record, with what `provision --engine-*` gives. */
static void engine_apply(struct mc_machine *m, const struct mc_engine_change *c)
{
	static const char *const keys[] = { "Env", "InsecureRegistry", "Labels", "ArbitraryFlags",
					    "RegistryMirror" };
	char **const lists[] = { c->env, c->insecure_registry, c->label, c->opt, c->registry_mirror };
	json_t *eng = json_object_get(m->host_options, "EngineOptions");

	if (!json_is_object(eng)) {
		eng = json_object();
		json_object_set_new(m->host_options, "EngineOptions", eng);
	}
	for (size_t k = 0; k < MC_ARRAY_SIZE(keys); k++) {
		json_t *arr;

		if (!lists[k])
			continue;
		arr = json_array();
		for (char **l = lists[k]; *l; l++)
			if (**l)  /* "" alone empties the list */
				json_array_append_new(arr, json_string(*l));
		json_object_set_new(eng, keys[k], arr);
	}
}

/* The lists of a change without the "" that empties one. */
static char **nonempty(char **l)
{
	char **out = NULL;

	for (; l && *l; l++)
		if (**l)
			mc_strv_push(&out, mc_strdup(*l));
	return out;
}

/* The new options checked as create checks its own (src/ops/create.c). */
static int check_change(const struct mc_engine_change *c, bool iso, const char *driver,
			struct mc_error *err)
{
	_cleanup_strv_ char **env = nonempty(c->env), **labels = nonempty(c->label), **opts = nonempty(c->opt);
	_cleanup_strv_ char **insecure = nonempty(c->insecure_registry), **mirrors = nonempty(c->registry_mirror);

	return mc_provision_check_engine(&(struct mc_engine_opts){ .env = env, .labels = labels, .opts = opts,
								   .insecure = insecure, .mirrors = mirrors,
								   .no_blanks = iso, .driver = driver },
					 err);
}

int mc_ops_reprovision(struct mc_session *s, const char *name, bool named,
		       const struct mc_engine_change *engine, struct mc_error *err)
{
	_cleanup_json_ json_t *old = NULL;
	struct mc_handle h;
	int r = -1;

	if (mc_handle_open(s, name, MC_OPEN_LOCK, &h, err) < 0)
		return -1;
	if (!h.drv->provision) {
		mc_error_set(err, MC_E_UNSUPPORTED, "the %s driver does not provision machines", h.drv->name);
		mc_error_machine(err, name);
		goto out;
	}
	if (engine && check_change(engine, mc_json_str(h.ctx.config, "ISO") != NULL, h.drv->name, err) < 0) {
		mc_error_prefix(err, "nothing was changed: ");
		mc_error_machine(err, name);
		goto out;
	}
	if (engine) {
		/* Checked as provisioning checks them, before anything changes. */
		old = json_deep_copy(json_object_get(h.m->host_options, "EngineOptions"));
		engine_apply(h.m, engine);
		if (mc_provision_check_options(h.m, h.drv->name, err) < 0) {
			mc_error_prefix(err, "nothing was changed: ");
			mc_error_machine(err, name);
			goto out;
		}
	}
	/* A machine whose first provisioning failed (Status error) is exactly
	 * what this verb is for. */
	if (mc_handle_require_vm_running(&h, err) < 0)
		goto out;
	r = mc_ops_provision(&h, named, mc_now_ms(), err);
	if (r == 0) {
		mc_machine_set_status(h.m, MC_MACHINE_CREATED, NULL);
		json_object_set_new(h.m->host_options, "Provision", json_true());
		r = mc_handle_save(&h, err);
	} else if (old) {
		struct mc_error ignored = { 0 };

		/* A driver call may have saved the record meanwhile (a new IP):
		 * the options go back to what they were. */
		json_object_set(h.m->host_options, "EngineOptions", old);
		mc_handle_save(&h, &ignored);
		mc_error_prefix(err, "the new Docker daemon options were not recorded: ");
	}
out:
	mc_handle_close(&h);
	return r;
}

/* Right after a start the lease may still be the old one: wait in slices and
 * ask the driver again, so a changed IP is followed. */
static int wait_ssh_following(struct mc_handle *h, struct prov *v, struct mc_error *err)
{
	long long deadline = mc_now_ms() + 300000;

	for (;;) {
		struct mc_error e = { 0 };

		mc_ssh_endpoint_clear(&v->ep);
		if (mc_op_ssh_endpoint(h, &v->ep, err) < 0)
			return -1;
		if (mc_ssh_wait(&v->ep, 20000, say, &v->sc, &e) == 0)
			return 0;
		if (e.code != MC_E_TIMEOUT || mc_now_ms() >= deadline) {
			*err = e;
			return -1;
		}
	}
}

/*
 * A machine whose address was fixed before its first boot (create recorded
 * AddressReserved: a driver's reservation) starts dockerd with TLS from its
 * data disk at every boot.  When its certificate names that address, wait
 * for Docker over TLS and check the daemon's name, without a login that
 * would slow the boot down, as long as create waits for it (120 s: a boot
 * under TCG on a busy host takes half of that).  1: up; 0 (v cleared): go
 * the SSH way; -1: the machine said its Docker will not come up.
 */
static int docker_first(struct mc_handle *h, struct prov *v, struct mc_error *err)
{
	struct mc_error e = { 0 };

	if (!json_is_true(json_object_get(h->m->host_options, "AddressReserved")))
		return 0;
	if (mc_op_ssh_endpoint(h, &v->ep, &e) == 0 && prov_setup(h, v, &e) == 0 &&
	    mc_certs_machine_server_has_ip(h->m, v->ip)) {
		_cleanup_free_ char *why = NULL;

		say(&v->sc, "Waiting for Docker...");
		if (mc_provision_wait_own_docker(&v->p, &e) == 0)
			return 1;
		if (v->p.gave_up && (why = v->p.gave_up(v->p.gave_up_arg)))
			return mc_error_copy(err, &e);
	}
	mc_debug("machine \"%s\": Docker first: %s; logging in", h->m->name, e.msg[0] ? e.msg : "another address");
	prov_clear(v);
	*v = (struct prov){ .sc = v->sc };
	return 0;
}

static int after_boot(struct mc_handle *h, long long t0, struct mc_error *err)
{
	struct prov v = { .sc = { h->s, h->m->name, true, t0 } };
	_cleanup_free_ char *cert = mc_path_join(h->m->dir, "server.pem");
	int has, r = -1;

	if (!provisions(h))
		return mc_ops_certs_after_start(h, err);
	switch (docker_first(h, &v, err)) {
	case 1:
		r = 0;
		goto out;
	case -1:
		goto out;
	}
	if (wait_ssh_following(h, &v, err) < 0 || prov_setup(h, &v, err) < 0)
		goto out;
	has = mc_file_exists(cert) ? mc_certs_file_has_ip(cert, v.ip, err) : 0;
	if (has < 0)
		goto out;
	if (!has) {
		mc_ui_phase(h->s, h->m->name, true, v.sc.t0,
			    "New IP address %s: making and uploading a new TLS server certificate...", v.ip);
		r = mc_provision_certs(&v.p, err);
	} else {
		say(&v.sc, "Waiting for Docker...");
		r = mc_provision_wait_docker(&v.p, err);
	}
out:
	prov_clear(&v);
	return r;
}

int mc_ops_after_boot(struct mc_handle *h, long long t0, struct mc_error *err)
{
	int r = after_boot(h, t0, err);

	mc_ops_boot_watch_end(h);
	return r;
}

int mc_ops_push_certs(struct mc_handle *h, struct mc_error *err)
{
	struct prov v = { .sc = { h->s, h->m->name, true, mc_now_ms() } };
	int r = -1;

	if (!h->drv->provision)
		return 0;  /* no Docker of ours to configure */
	if (mc_handle_require_running(h, err) < 0 || mc_op_ssh_endpoint(h, &v.ep, err) < 0 ||
	    prov_setup(h, &v, err) < 0) {
		mc_error_prefix(err, "the new certificates are in %s but not on the machine: ", h->m->dir);
		goto out;
	}
	say(&v.sc, "Copying certs to the remote machine and restarting Docker...");
	r = mc_provision_push_certs(&v.p, err);
out:
	prov_clear(&v);
	return r;
}
