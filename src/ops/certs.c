/* TLS certificate workflows: the store's CA, each machine's copies and server
 * certificate, the offline check (env, config), a new IP after a start, and
 * regenerate-certs. */
#include "buildconf.h"

#include <stdlib.h>
#include <string.h>

#include "certs.h"
#include "ops-internal.h"
#include "util.h"

static void certs_lock_waiting(void *arg, long holder, long long elapsed_ms, bool first)
{
	mc_ops_lock_waiting(arg, "the TLS certificates", "is making or checking them", holder, elapsed_ms, first);
}

void mc_ops_certs_paths(struct mc_session *s, const struct mc_machine *m,
			struct mc_certs_paths *p)
{
	json_t *auth = m ? json_object_get(m->host_options, "AuthOptions") : NULL;
	const char *flag[4] = { s->tls_ca_cert, s->tls_ca_key, s->tls_client_cert, s->tls_client_key };
	const char *key[4] = { "CaCertPath", "CaPrivateKeyPath", "ClientCertPath", "ClientKeyPath" };
	const char *v[4];

	/* The global --tls-* flags, else the paths recorded at create (when the
	 * user brought their own), else the store's certs/. */
	for (int i = 0; i < 4; i++)
		v[i] = flag[i] && *flag[i] ? flag[i] : mc_json_str(auth, key[i]);
	mc_certs_paths_init(p, &s->store, v[0], v[1], v[2], v[3]);
	p->lock_wait = (struct mc_os_lock_wait){ certs_lock_waiting, s };
}

/* The CA and client certificate m uses (NULL: a new machine), made when
 * missing and repaired after an interrupted change. */
static int certs_ensure(struct mc_session *s, const struct mc_machine *m, const char *key_type,
			struct mc_error *err)
{
	struct mc_certs_paths p;
	enum mc_certs_key_type kt;
	unsigned made = 0;
	int r;

	if (mc_certs_key_type_parse(key_type, &kt, err) < 0 || mc_store_ensure(&s->store, err) < 0)
		return -1;
	mc_ops_certs_paths(s, m, &p);
	r = mc_certs_ensure(&p, kt, &made, err);
	if (made & MC_CERTS_FINISHED_CA)
		mc_ui_info(s, "Finishing the CA that an interrupted run left without its key in place: %s",
			   p.ca_key);
	if (made & MC_CERTS_DROPPED_KEY)
		mc_ui_info(s, "Removing a CA key that an interrupted run left without its certificate: %s.new",
			   p.ca_key);
	/* docker-machine's lines, which scripts and users know. */
	if (made & MC_CERTS_MADE_CA)
		mc_ui_info(s, "Creating CA: %s", p.ca_cert);
	if (made & MC_CERTS_MADE_CLIENT)
		mc_ui_info(s, "Creating client certificate: %s", p.client_cert);
	mc_certs_paths_free(&p);
	return r;
}

int mc_ops_certs_prepare(struct mc_session *s, const char *key_type, struct mc_error *err)
{
	return certs_ensure(s, NULL, key_type, err);
}

int mc_ops_certs_install(struct mc_session *s, struct mc_machine *m, struct mc_error *err)
{
	struct mc_certs_paths p;
	int r;

	/* The CA the machine records (its own, when it was created with one),
	 * not only the store's: its server certificate is signed by that one. */
	mc_ops_certs_paths(s, m, &p);
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

int mc_ops_certs_server(struct mc_session *s, const struct mc_machine *m, const char *ip,
			struct mc_error *err)
{
	struct mc_certs_paths p;
	const char *ips[2] = { ip, NULL };
	int r;

	mc_ops_certs_paths(s, m, &p);
	r = mc_certs_machine_server(&p, m, ips, err);
	mc_certs_paths_free(&p);
	return r;
}

int mc_ops_certs_check(struct mc_handle *h, const char *url, struct mc_error *err)
{
	_cleanup_free_ char *ip = mc_url_host(url);
	struct mc_certs_check c = { 0 };
	bool server = mc_certs_machine_has_server(h->m);

	if (mc_certs_check_machine(h->m, ip, &c, err) < 0) {
		mc_certs_check_free(&c);
		if (!server && err->code == MC_E_TLS) {
			/* No server certificate: an endpoint machinectl does not manage
			 * (the none driver).  The docker client will say more. */
			mc_ui_warn(h->s, "%s", err->msg);
			mc_error_clear(err);
			return 0;
		}
		return -1;
	}
	if (c.expires_soon)
		mc_ui_warn(h->s, "machine \"%s\": a TLS certificate in %s expires in %ld day%s: run '%s regenerate-certs %s'",
			   h->m->name, h->m->dir, c.days_left, c.days_left == 1 ? "" : "s", h->s->prog,
			   h->m->name);
	mc_certs_check_free(&c);
	return 0;
}

int mc_ops_certs_after_start(struct mc_handle *h, struct mc_error *err)
{
	_cleanup_free_ char *ip = NULL, *cert = NULL, *old = NULL;
	struct mc_certs_check c = { 0 };
	int has;

	if (!mc_certs_machine_has_server(h->m) || !mc_op_supported(h, MC_OP_IP))
		return 0;
	if (mc_op_ip(h, &ip, err) < 0)
		return -1;
	cert = mc_path_join(h->m->dir, "server.pem");
	has = mc_certs_file_has_ip(cert, ip, err);
	if (has < 0)
		return -1;
	if (has)
		return 0;
	/* Name the old address for the user (docker-machine's #3093). */
	{
		struct mc_error ignored = { 0 };

		mc_certs_check_machine(h->m, ip, &c, &ignored);
		old = MC_TAKE(c.cert_ips);
	}
	if (h->drv->provision) {
		/* Docker there is not ours (imported, or --no-provision): a new
		 * certificate here would not reach its daemon. */
		mc_ui_warn(h->s, "Machine \"%s\" has a new IP address (%s, was %s), but its Docker is not configured by %s (imported, or created with --no-provision), so its TLS certificate still names the old address: '%s regenerate-certs %s' installs a new one and takes its Docker over",
			   h->m->name, ip, old ? old : "unknown", h->s->prog, h->s->prog, h->m->name);
		return 0;
	}
	mc_ui_info(h->s, "Machine \"%s\" has a new IP address (%s, was %s): regenerating its TLS server certificate",
		   h->m->name, ip, old ? old : "unknown");
	return mc_ops_certs_server(h->s, h->m, ip, err);
}

int mc_ops_regenerate(struct mc_session *s, const char *name, struct mc_error *err)
{
	struct mc_handle h;
	_cleanup_free_ char *ip = NULL;
	bool server;
	int r = -1;

	if (mc_handle_open(s, name, MC_OPEN_LOCK, &h, err) < 0)
		return -1;
	server = mc_certs_machine_has_server(h.m) || h.drv->has_ssh;
	/* The CA and client pair whole (an interrupted change repaired), then
	 * the copies: they need no IP, so even a stopped machine gets the new
	 * client files. */
	if (certs_ensure(s, h.m, getenv("MACHINECTL_TLS_KEY_TYPE"), err) < 0 ||
	    mc_ops_certs_install(s, h.m, err) < 0) {
		mc_error_machine(err, name);
		goto out;
	}
	if (server && mc_op_ip(&h, &ip, err) < 0) {
		mc_error_prefix(err, "cannot make a new server certificate without the machine's IP address (start it, then run '%s regenerate-certs %s'): ",
				s->prog, name);
		goto out;
	}
	if (server)
		mc_ui_info(s, "Regenerating TLS certificates for machine \"%s\" (%s)", name, ip);
	else
		mc_ui_info(s, "Copied the client certificates for machine \"%s\" (the %s driver has no server certificate)",
			   name, h.drv->name);
	if (server && (mc_ops_certs_server(s, h.m, ip, err) < 0 || mc_ops_push_certs(&h, err) < 0))
		goto out;
	if (server && h.drv->provision &&
	    json_is_false(json_object_get(h.m->host_options, "Provision"))) {
		/* Its Docker now has our certificates: start and restart keep
		 * them current from here on (doc/import.md). */
		json_object_set_new(h.m->host_options, "Provision", json_true());
		if (mc_handle_save(&h, err) < 0)
			goto out;
		mc_ui_info(s, "Docker on machine \"%s\" now uses %s's certificates: start and restart keep them current",
			   name, s->prog);
	}
	r = 0;
out:
	mc_handle_close(&h);
	return r;
}

int mc_ops_renew_ca(struct mc_session *s, struct mc_error *err)
{
	struct mc_certs_paths p;
	enum mc_certs_key_type kt;
	int r = -1;

	mc_ops_certs_paths(s, NULL, &p);
	if (p.custom) {
		mc_error_set(err, MC_E_USAGE,
			     "--client-certs replaces the CA and client certificate, but these are your own files (%s, %s): replace them yourself, then run '%s regenerate-certs' without --client-certs",
			     p.ca_cert, p.client_cert, s->prog);
		goto out;
	}
	if (mc_certs_key_type_parse(getenv("MACHINECTL_TLS_KEY_TYPE"), &kt, err) < 0 ||
	    mc_store_ensure(&s->store, err) < 0)
		goto out;
	mc_ui_info(s, "Regenerating the CA: %s", p.ca_cert);
	mc_ui_info(s, "Regenerating the client certificate: %s", p.client_cert);
	r = mc_certs_renew_ca(&p, kt, err);
out:
	mc_certs_paths_free(&p);
	return r;
}
