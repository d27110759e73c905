/* TLS certificates in the verb layer: create's certificate steps, the
 * offline check for env/config, start/restart after an IP change, and the
 * regenerate-certs verb. */
#include "buildconf.h"

#include <pthread.h>
#include <string.h>

#include "certs.h"
#include "cli.h"
#include "log.h"
#include "term.h"
#include "util.h"

const struct mc_option mc_opts_regenerate_certs[] = {
	{ "client-certs", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "also make a new CA and client certificate (then every machine's certificates are remade)" },
	{ "force", 'f', MC_OPT_BOOL, NULL, NULL, NULL, "do not ask for confirmation" },
	{ NULL },
};

/* Which CA and client certificate a machine uses: the global --tls-* flags,
 * else the paths recorded at create (when the user brought their own), else
 * the store's certs/. */
void mc_cli_certs_paths(struct mc_cli *cli, const struct mc_machine *m, struct mc_certs_paths *p)
{
	json_t *auth = m ? json_object_get(m->host_options, "AuthOptions") : NULL;
	const char *flag[4] = { "tls-ca-cert", "tls-ca-key", "tls-client-cert", "tls-client-key" };
	const char *key[4] = { "CaCertPath", "CaPrivateKeyPath", "ClientCertPath", "ClientKeyPath" };
	const char *v[4];

	for (int i = 0; i < 4; i++) {
		v[i] = mc_args_str(&cli->global, flag[i]);
		if (!v[i] || !*v[i])
			v[i] = mc_json_str(auth, key[i]);
	}
	mc_certs_paths_init(p, &cli->store, v[0], v[1], v[2], v[3]);
}

int mc_cli_certs_prepare(struct mc_cli *cli, const char *key_type, struct mc_error *err)
{
	struct mc_certs_paths p;
	enum mc_certs_key_type kt;
	unsigned made = 0;
	int r;

	if (mc_certs_key_type_parse(key_type, &kt, err) < 0 || mc_store_ensure(&cli->store, err) < 0)
		return -1;
	mc_cli_certs_paths(cli, NULL, &p);
	r = mc_certs_ensure(&p, kt, &made, err);
	if (made & MC_CERTS_FINISHED_CA)
		printf("Finishing the CA that an interrupted run left without its key in place: %s\n",
		       p.ca_key);
	if (made & MC_CERTS_DROPPED_KEY)
		printf("Removing a CA key that an interrupted run left without its certificate: %s.new\n",
		       p.ca_key);
	/* docker-machine's lines, which scripts and users know. */
	if (made & MC_CERTS_MADE_CA)
		printf("Creating CA: %s\n", p.ca_cert);
	if (made & MC_CERTS_MADE_CLIENT)
		printf("Creating client certificate: %s\n", p.client_cert);
	fflush(stdout);
	mc_certs_paths_free(&p);
	return r;
}

int mc_cli_certs_install(struct mc_cli *cli, struct mc_machine *m, struct mc_error *err)
{
	struct mc_certs_paths p;
	int r;

	mc_cli_certs_paths(cli, NULL, &p);
	if (p.custom) {
		/* Record the user's own CA so later verbs sign with the same one. */
		json_t *auth = json_object_get(m->host_options, "AuthOptions");

		json_object_set_new(auth, "CaCertPath", json_string(p.ca_cert));
		json_object_set_new(auth, "CaPrivateKeyPath", json_string(p.ca_key));
		json_object_set_new(auth, "ClientCertPath", json_string(p.client_cert));
		json_object_set_new(auth, "ClientKeyPath", json_string(p.client_key));
	}
	r = mc_certs_install_client(&p, m->dir, err);
	if (r == 0)
		mc_certs_prime_check(m);
	mc_certs_paths_free(&p);
	return r;
}

int mc_cli_certs_server(struct mc_cli *cli, const struct mc_machine *m, const char *ip,
			struct mc_error *err)
{
	struct mc_certs_paths p;
	const char *ips[2] = { ip, NULL };
	int r;

	mc_cli_certs_paths(cli, m, &p);
	r = mc_certs_machine_server(&p, m, ips, err);
	mc_certs_paths_free(&p);
	return r;
}

int mc_cli_certs_new_machine(struct mc_cli *cli, const struct mc_driver *drv,
			     struct mc_driver_ctx *ctx, struct mc_machine *m, struct mc_error *err)
{
	_cleanup_free_ char *ip = NULL;
	struct mc_error e = { 0 };

	/* Without SSH (the none driver) machinectl never configures the daemon. */
	if (!drv->has_ssh || !drv->ip)
		return 0;
	if (drv->ip(ctx, &ip, &e) < 0 || !ip) {
		mc_debug("machine \"%s\": no IP address yet (%s): the server certificate is made at provisioning",
			 m->name, e.msg);
		return 0;
	}
	return mc_cli_certs_server(cli, m, ip, err);
}

int mc_cli_certs_check(struct mc_cli *cli, struct mc_target *t, const char *url,
		       struct mc_error *err)
{
	_cleanup_free_ char *ip = mc_url_host(url);
	struct mc_certs_check c = { 0 };
	bool server = mc_certs_machine_has_server(t->m);

	if (mc_certs_check_machine(t->m, ip, &c, err) < 0) {
		mc_certs_check_free(&c);
		if (!server && err->code == MC_E_TLS) {
			/* No server certificate: an endpoint machinectl does not manage
			 * (the none driver).  The docker client will say more. */
			fprintf(stderr, "Warning: %s\n", err->msg);
			mc_error_clear(err);
			return 0;
		}
		return -1;
	}
	if (c.expires_soon)
		fprintf(stderr,
			"Warning: machine \"%s\": a TLS certificate in %s expires in %ld day%s: run '%s regenerate-certs %s'\n",
			t->m->name, t->m->dir, c.days_left, c.days_left == 1 ? "" : "s", cli->prog, t->m->name);
	mc_certs_check_free(&c);
	return 0;
}

int mc_cli_certs_after_start(struct mc_cli *cli, struct mc_target *t, struct mc_error *err)
{
	_cleanup_free_ char *ip = NULL, *cert = NULL, *old = NULL;
	struct mc_certs_check c = { 0 };
	int has;

	if (!mc_certs_machine_has_server(t->m) || !t->drv->ip)
		return 0;
	if (mc_target_ip(t, &ip, err) < 0)
		return -1;
	cert = mc_path_join(t->m->dir, "server.pem");
	has = mc_certs_file_has_ip(cert, ip, err);
	if (has < 0)
		return -1;
	if (has)
		return 0;
	/* Name the old address for the user (docker-machine's #3093). */
	{
		struct mc_error ignored = { 0 };

		mc_certs_check_machine(t->m, ip, &c, &ignored);
		old = MC_TAKE(c.cert_ips);
	}
	printf("Machine \"%s\" has a new IP address (%s, was %s): regenerating its TLS server certificate\n",
	       t->m->name, ip, old ? old : "unknown");
	fflush(stdout);
	if (mc_cli_certs_server(cli, t->m, ip, err) < 0 || mc_cli_push_certs(cli, t, err) < 0)
		return -1;
	return 0;
}

/* --- regenerate-certs --- */

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static int regen_one(struct mc_cli *cli, struct mc_args *a, const char *name, struct mc_error *err)
{
	struct mc_target t;
	_cleanup_free_ char *ip = NULL;
	bool server;
	int r = -1;

	if (mc_target_open(cli, name, true, &t, err) < 0)
		return -1;
	server = mc_certs_machine_has_server(t.m) || t.drv->has_ssh;
	/* The copies first: they need no IP, so even a stopped machine gets the new client files. */
	if (mc_cli_certs_install(cli, t.m, err) < 0)
		goto out;
	if (server && mc_target_ip(&t, &ip, err) < 0) {
		mc_error_prefix(err, "cannot make a new server certificate without the machine's IP address (start it, then run '%s regenerate-certs %s'): ",
				cli->prog, name);
		goto out;
	}
	pthread_mutex_lock(&out_lock);
	if (server)
		printf("Regenerating TLS certificates for machine \"%s\" (%s)\n", name, ip);
	else
		printf("Copied the client certificates for machine \"%s\" (the %s driver has no server certificate)\n",
		       name, t.drv->name);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	if (server && (mc_cli_certs_server(cli, t.m, ip, err) < 0 || mc_cli_push_certs(cli, &t, err) < 0))
		goto out;
	r = 0;
out:
	mc_target_close(&t);
	return r;
}

int mc_cmd_regenerate_certs(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	bool client = mc_args_bool(a, "client-certs");
	_cleanup_strv_ char **all = NULL;
	char **named = a->pos;
	int rc;

	for (char **p = a->pos; *p; p++) {
		if (mc_store_check_name(*p, &err) < 0)
			return mc_cli_fail(&err);
		if (!mc_store_exists(&cli->store, *p)) {
			mc_error_set(&err, MC_E_NOT_FOUND, "machine \"%s\" does not exist", *p);
			return mc_cli_fail(&err);
		}
	}
	if (!mc_args_bool(a, "force") &&
	    !mc_term_confirm("Regenerate TLS machine certs?  Warning: this is irreversible. (y/n): ")) {
		mc_error_set(&err, MC_E_FAILED, "%s",
			     mc_term_isatty(0) ? "aborted: no certificate was changed"
					       : "not confirmed: no certificate was changed (answer y on standard input, or use -f)");
		return mc_cli_fail(&err);
	}
	if (client) {
		struct mc_certs_paths p;
		enum mc_certs_key_type kt;
		int r;

		mc_cli_certs_paths(cli, NULL, &p);
		if (p.custom) {
			mc_error_set(&err, MC_E_USAGE,
				     "--client-certs replaces the CA and client certificate, but these are your own files (%s, %s): replace them yourself, then run '%s regenerate-certs' without --client-certs",
				     p.ca_cert, p.client_cert, cli->prog);
			mc_certs_paths_free(&p);
			return mc_cli_fail(&err);
		}
		if (mc_certs_key_type_parse(getenv("MACHINECTL_TLS_KEY_TYPE"), &kt, &err) < 0 ||
		    mc_store_ensure(&cli->store, &err) < 0) {
			mc_certs_paths_free(&p);
			return mc_cli_fail(&err);
		}
		printf("Regenerating the CA: %s\nRegenerating the client certificate: %s\n", p.ca_cert,
		       p.client_cert);
		fflush(stdout);
		r = mc_certs_renew_ca(&p, kt, &err);
		mc_certs_paths_free(&p);
		if (r < 0)
			return mc_cli_fail(&err);
		/* Every machine trusted the old CA: remake all of them, not only the named. */
		if (mc_store_list(&cli->store, &all, &err) < 0)
			return mc_cli_fail(&err);
		a->pos = all;
	}
	rc = mc_cli_each_parallel(cli, a, regen_one);
	a->pos = named;
	return rc;
}
