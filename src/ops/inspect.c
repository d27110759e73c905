/* inspect: a machine as docker-machine's inspect shows a host (its
 * config.json schema, ConfigVersion 3), computed from our record: the
 * fields scripts read (.Driver.IPAddress, .Driver.SSHKeyPath,
 * .HostOptions.AuthOptions.CaCertPath...) are there under docker-machine's
 * names, ours follow.  config.json itself is not changed. */
#include "buildconf.h"

#include <libgen.h>
#include <string.h>

#include "certs.h"
#include "ops-internal.h"
#include "ssh.h"
#include "util.h"

/* dst[key] = ours[key] when ours has it, else def (taken). */
static void field(json_t *dst, json_t *ours, const char *key, json_t *def)
{
	json_t *v = json_object_get(ours, key);

	if (v) {
		json_object_set(dst, key, v);
		json_decref(def);
	} else {
		json_object_set_new(dst, key, def);
	}
}

/* src's keys that dst lacks, after dst's own (docker-machine's order first). */
static void rest(json_t *dst, json_t *src)
{
	const char *k;
	json_t *v;

	json_object_foreach(src, k, v)
		if (!json_object_get(dst, k))
			json_object_set(dst, k, v);
}

static json_t *copy_or(json_t *v, json_t *def)
{
	if (v) {
		json_decref(def);
		return json_deep_copy(v);
	}
	return def;
}

/* docker-machine's BaseDriver fields, then the driver's own. */
static json_t *driver_view(struct mc_handle *h)
{
	json_t *ours = h->m->driver, *d = json_object();
	const char *url = mc_json_str(ours, "URL");
	bool ssh = h->drv->has_ssh;
	_cleanup_free_ char *key = ssh ? mc_ssh_key_find(h->m->dir) : NULL;

	/* none: the host:port of its URL, as docker-machine's none driver records it */
	field(d, ours, "IPAddress",
	      json_string(!strcmp(h->drv->name, "none") && url && strstr(url, "://") ? strstr(url, "://") + 3 : ""));
	field(d, ours, "MachineName", json_string(h->m->name));
	field(d, ours, "SSHUser", json_string(ssh ? "docker" : ""));
	field(d, ours, "SSHPort", json_integer(ssh ? 22 : 0));
	field(d, ours, "SSHKeyPath", json_string(key ? key : ""));
	field(d, ours, "StorePath", json_string(h->s->store.root));
	field(d, ours, "SwarmMaster", json_false());
	field(d, ours, "SwarmHost", json_string(""));
	field(d, ours, "SwarmDiscovery", json_string(""));
	rest(d, ours);
	return d;
}

static json_t *engine_view(json_t *ours)
{
	json_t *e = json_object();

	json_object_set_new(e, "ArbitraryFlags", copy_or(json_object_get(ours, "ArbitraryFlags"), json_array()));
	json_object_set_new(e, "Dns", json_null());
	json_object_set_new(e, "GraphDir", json_string(""));
	json_object_set_new(e, "Env", copy_or(json_object_get(ours, "Env"), json_array()));
	json_object_set_new(e, "Ipv6", json_false());
	json_object_set_new(e, "InsecureRegistry", copy_or(json_object_get(ours, "InsecureRegistry"), json_array()));
	json_object_set_new(e, "Labels", copy_or(json_object_get(ours, "Labels"), json_array()));
	json_object_set_new(e, "LogLevel", json_string(""));
	json_object_set_new(e, "StorageDriver", copy_or(json_object_get(ours, "StorageDriver"), json_string("")));
	json_object_set_new(e, "SelinuxEnabled", json_false());
	json_object_set_new(e, "TlsVerify", json_true());
	json_object_set_new(e, "RegistryMirror", copy_or(json_object_get(ours, "RegistryMirror"), json_array()));
	/* what create --engine-install-url recorded; "" is Debian's docker.io */
	json_object_set_new(e, "InstallURL", copy_or(json_object_get(ours, "InstallURL"), json_string("")));
	rest(e, ours);
	return e;
}

/* docker-machine's legacy swarm (machinectl runs swarm mode: swarm-up). */
static json_t *swarm_view(void)
{
	return json_pack("{s:b,s:s,s:s,s:b,s:b,s:s,s:s,s:s,s:i,s:i,s:[],s:[],s:n,s:b}",
			 "IsSwarm", 0, "Address", "", "Discovery", "", "Agent", 0, "Master", 0,
			 "Host", "tcp://0.0.0.0:3376", "Image", "swarm:latest", "Strategy", "spread",
			 "Heartbeat", 0, "Overcommit", 0, "ArbitraryFlags", "ArbitraryJoinFlags", "Env",
			 "IsExperimental", 0);
}

static json_t *auth_view(struct mc_handle *h, json_t *ours)
{
	struct mc_certs_paths p;
	_cleanup_free_ char *ca = NULL, *server = mc_path_join(h->m->dir, "server.pem");
	_cleanup_free_ char *server_key = mc_path_join(h->m->dir, "server-key.pem");
	json_t *a;

	mc_ops_certs_paths(h->s, h->m, &p);
	ca = mc_strdup(p.ca_cert);
	a = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s}",
		      "CertDir", dirname(ca), "CaCertPath", p.ca_cert, "CaPrivateKeyPath", p.ca_key,
		      "CaCertRemotePath", "", "ServerCertPath", server, "ServerKeyPath", server_key,
		      "ClientKeyPath", p.client_key, "ServerCertRemotePath", "",
		      "ServerKeyRemotePath", "", "ClientCertPath", p.client_cert, "ServerCertSANs",
		      copy_or(json_object_get(ours, "ServerCertSANs"), json_array()), "StorePath",
		      h->s->store.root);
	mc_certs_paths_free(&p);
	rest(a, ours);
	return a;
}

json_t *mc_ops_inspect(struct mc_handle *h)
{
	json_t *ho = h->m->host_options, *v = json_object(), *hv = json_object();

	json_object_set_new(v, "ConfigVersion", json_integer(3));
	json_object_set_new(v, "Driver", driver_view(h));
	json_object_set_new(v, "DriverName", json_string(h->m->driver_name));
	json_object_set_new(hv, "Driver", json_string(""));
	json_object_set_new(hv, "Memory", json_integer(0));
	json_object_set_new(hv, "Disk", json_integer(0));
	json_object_set_new(hv, "EngineOptions", engine_view(json_object_get(ho, "EngineOptions")));
	json_object_set_new(hv, "SwarmOptions", swarm_view());
	json_object_set_new(hv, "AuthOptions", auth_view(h, json_object_get(ho, "AuthOptions")));
	rest(hv, ho);
	json_object_set_new(v, "HostOptions", hv);
	json_object_set_new(v, "Name", json_string(h->m->name));
	rest(v, h->m->doc);
	return v;
}
