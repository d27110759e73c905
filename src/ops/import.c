/*
 * import-docker-machine: adopt machines from a docker-machine store
 * (config.json ConfigVersion 0-3, see doc/import.md).  The docker-machine
 * store is only read: every file is copied, nothing there is written, moved
 * or locked.  Each machine is imported or fails on its own.
 */
#include "buildconf.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "certs.h"
#include "engine.h"
#include "ops.h"
#include "provision.h"
#include "registry.h"
#include "ssh.h"
#include "util.h"

/* A docker-machine machine being imported. */
struct dm_machine {
	const char *name;
	char *src;               /* <from>/machines/NAME */
	json_t *doc;             /* its config.json */
	json_t *driver;          /* its "Driver" object (borrowed) */
	const char *dm_driver;   /* its DriverName */
	const char *our_driver;  /* what it becomes here */
	bool has_ssh;
	char **notes;            /* what did not map, for the user */
};

static void note(struct dm_machine *dm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct dm_machine *dm, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s)
		mc_strv_push(&dm->notes, s);
}

static const char *drv_str(const struct dm_machine *dm, const char *key)
{
	const char *s = mc_json_str(dm->driver, key);

	return s && *s ? s : NULL;
}

/* An AuthOptions path: HostOptions.AuthOptions (v1-3) or top level (v0). */
static const char *auth_path(const struct dm_machine *dm, const char *key)
{
	json_t *auth = json_object_get(json_object_get(dm->doc, "HostOptions"), "AuthOptions");
	const char *s = mc_json_str(auth, key);

	if (!s && !strcmp(key, "CaPrivateKeyPath"))
		s = mc_json_str(auth, "PrivateKeyPath");   /* v1 */
	if (!s)
		s = mc_json_str(dm->doc, key);               /* v0: flat */
	return s && *s ? s : NULL;
}

/* What a JSON value is, for messages. */
static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "real number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "value";
}

/* Read the docker-machine config.json, migrating what we read from older versions. */
static int dm_load(const char *from, const char *name, struct dm_machine *dm, struct mc_error *err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	json_error_t jerr;
	json_t *ver;
	long long v;
	size_t len;

	dm->src = mc_path_join(from, "machines");
	path = dm->src;
	dm->src = mc_path_join(path, name);
	free(path);
	path = mc_path_join(dm->src, "config.json");
	if (mc_read_file(path, &text, &len, err) < 0) {
		if (err->code == MC_E_NOT_FOUND) {
			mc_error_clear(err);
			return mc_error_set(err, MC_E_NOT_FOUND, "no docker-machine machine \"%s\" in %s (%s is missing)",
					    name, from, path);
		}
		return -1;
	}
	dm->doc = json_loadb(text, len, 0, &jerr);
	if (!dm->doc)
		return mc_error_set(err, MC_E_INVALID, "%s is not valid JSON (line %d: %s)", path,
				    jerr.line, jerr.text);
	if (!json_is_object(dm->doc))
		return mc_error_set(err, MC_E_INVALID,
				    "%s is not a docker-machine config.json: it holds a JSON %s, not an object",
				    path, json_kind(dm->doc));
	/* Version 0 had no ConfigVersion; every later one writes an integer. */
	ver = json_object_get(dm->doc, "ConfigVersion");
	if (ver && !json_is_integer(ver)) {
		_cleanup_free_ char *shown = json_dumps(ver, JSON_ENCODE_ANY);

		return mc_error_set(err, MC_E_INVALID,
				    "%s: ConfigVersion %.40s is not an integer (a JSON %s): this import reads versions 0 to 3",
				    path, shown ? shown : "?", json_kind(ver));
	}
	v = ver ? json_integer_value(ver) : 0;
	if (v > 3)
		return mc_error_set(err, MC_E_INVALID,
				    "%s: config version %lld is from the future (this import reads versions 0 to 3)",
				    path, v);
	if (v < 0)
		return mc_error_set(err, MC_E_INVALID,
				    "%s: config version %lld is not a docker-machine version (this import reads versions 0 to 3)",
				    path, v);
	dm->driver = json_object_get(dm->doc, "Driver");
	dm->dm_driver = mc_json_str(dm->doc, "DriverName");
	if (!json_is_object(dm->driver) || !dm->dm_driver)
		return mc_error_set(err, MC_E_INVALID, "%s lacks DriverName or Driver", path);
	return 0;
}

/* Driver settings that map to ours, into the new machine's "Driver" object. */
static int map_driver(struct dm_machine *dm, json_t *out, struct mc_error *err)
{
	const char *d = dm->dm_driver, *ip = drv_str(dm, "IPAddress");
	const char *vm = drv_str(dm, "MachineName") ? drv_str(dm, "MachineName") : dm->name;

	if (!strcmp(d, "none")) {
		const char *url = drv_str(dm, "URL");

		if (!url)
			return mc_error_set(err, MC_E_INVALID, "its none driver has no URL");
		dm->our_driver = "none";
		json_object_set_new(out, "URL", json_string(url));
		return 0;
	}
	dm->has_ssh = true;
	if (!strcmp(d, "generic")) {
		if (!ip)
			return mc_error_set(err, MC_E_INVALID, "its generic driver has no IPAddress");
		dm->our_driver = "generic";
		json_object_set_new(out, "IPAddress", json_string(ip));
		json_object_set_new(out, "SSHUser", json_string(drv_str(dm, "SSHUser") ?: "root"));
		json_object_set_new(out, "SSHPort", json_integer(mc_json_int(dm->driver, "SSHPort", 22)));
		json_object_set_new(out, "EnginePort", json_integer(mc_json_int(dm->driver, "EnginePort", 2376)));
		return 0;
	}
	if (!strcmp(d, "virtualbox")) {
		dm->our_driver = "virtualbox";
		json_object_set_new(out, "VMName", json_string(vm));
		json_object_set_new(out, "SSHUser", json_string(drv_str(dm, "SSHUser") ?: "docker"));
		/* 0: docker-machine did not record the NAT forward (found at start) */
		if (mc_json_int(dm->driver, "SSHPort", 0) != 0)
			json_object_set_new(out, "SSHPort", json_integer(mc_json_int(dm->driver, "SSHPort", 0)));
		json_object_set_new(out, "CPU", json_integer(mc_json_int(dm->driver, "CPU", 1)));
		json_object_set_new(out, "Memory", json_integer(mc_json_int(dm->driver, "Memory", 1024)));
		json_object_set_new(out, "DiskSize", json_integer(mc_json_int(dm->driver, "DiskSize", 20000)));
		if (drv_str(dm, "HostOnlyCIDR"))
			json_object_set_new(out, "HostOnlyCIDR", json_string(drv_str(dm, "HostOnlyCIDR")));
		if (ip)
			json_object_set_new(out, "IPAddress", json_string(ip));
		note(dm, "the VM \"%s\" and its disk stay where docker-machine made them (%s); 'rm' deletes them",
		     vm, dm->src);
		return 0;
	}
	if (!strcmp(d, "hyperv")) {
		dm->our_driver = "hyperv";
		json_object_set_new(out, "VMName", json_string(vm));
		if (drv_str(dm, "VSwitch"))
			json_object_set_new(out, "Switch", json_string(drv_str(dm, "VSwitch")));
		json_object_set_new(out, "Memory", json_integer(mc_json_int(dm->driver, "MemSize", 1024)));
		json_object_set_new(out, "CPU", json_integer(mc_json_int(dm->driver, "CPU", 1)));
		if (ip)
			json_object_set_new(out, "IPAddress", json_string(ip));
		note(dm, "the VM \"%s\" and its disk stay where docker-machine made them (%s); 'rm' deletes them",
		     vm, dm->src);
		return 0;
	}
	if (!strcmp(d, "kvm")) {
		const char *uri = drv_str(dm, "ConnectionURI") ?: drv_str(dm, "URI");

		dm->our_driver = "libvirt";
		json_object_set_new(out, "DomainName", json_string(vm));
		json_object_set_new(out, "URI", json_string(uri ?: "qemu:///system"));
		json_object_set_new(out, "Network", json_string(drv_str(dm, "Network") ?: "default"));
		if (ip)
			json_object_set_new(out, "IPAddress", json_string(ip));
		json_object_set_new(out, "CPU", json_integer(mc_json_int(dm->driver, "CPU", 1)));
		json_object_set_new(out, "Memory", json_integer(mc_json_int(dm->driver, "Memory", 1024)));
		note(dm, "best effort from the kvm driver: domain \"%s\" on %s, network %s%s%s; its second NIC (docker-machines) and MAC address are not known, so the IP address is the one docker-machine last saw",
		     vm, uri ?: "qemu:///system", drv_str(dm, "Network") ?: "default", ip ? ", IP " : "",
		     ip ? ip : "");
		note(dm, "the domain's disk stays where docker-machine made it (%s); 'rm' destroys and undefines the domain",
		     dm->src);
		return 0;
	}
	return mc_error_set(err, MC_E_UNSUPPORTED,
			    "docker-machine driver \"%s\" is not supported (machinectl has none, generic, virtualbox, hyperv and libvirt for kvm): not imported",
			    d);
}

/* The SSH endpoint as create checks it (doc/ssh.md, "Endpoints"): a foreign
 * store's user, host or port never reaches ssh unchecked. */
static int check_ssh(json_t *drv, struct mc_error *err)
{
	const char *ip = mc_json_str(drv, "IPAddress"), *user = mc_json_str(drv, "SSHUser");
	json_t *port = json_object_get(drv, "SSHPort");

	if ((ip && mc_ssh_check_host(ip, err) < 0) || (user && mc_ssh_check_user(user, err) < 0) ||
	    (port && mc_ssh_check_port(json_integer_value(port), err) < 0))
		return -1;
	return 0;
}

/* A JSON list of strings as a vector (NULL when l is not a list); -1 when an
 * element is not a string. */
static int strings_of(json_t *l, char ***out)
{
	size_t i;
	json_t *v;

	*out = NULL;
	if (!json_is_array(l))
		return 0;
	*out = mc_calloc(json_array_size(l) + 1, sizeof(char *));
	json_array_foreach(l, i, v) {
		if (!json_is_string(v))
			return -1;
		(*out)[i] = mc_strdup(json_string_value(v));
	}
	return 0;
}

static bool has_controls(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static bool cidr_ok(const char *s)
{
	unsigned a, b, c, d, n;
	char end;

	return sscanf(s, "%3u.%3u.%3u.%3u/%2u%c", &a, &b, &c, &d, &n, &end) == 5 && a < 256 &&
	       b < 256 && c < 256 && d < 256 && n <= 32;
}

/* Every field that came from the foreign store, checked as create checks
 * its options: what reaches a shell, a terminal, a certificate or dockerd. */
static int check_fields(struct dm_machine *dm, json_t *drv, struct mc_error *err)
{
	json_t *ho = json_object_get(dm->doc, "HostOptions");
	json_t *eng = json_object_get(ho, "EngineOptions");
	json_t *sans = json_object_get(json_object_get(ho, "AuthOptions"), "ServerCertSANs");
	_cleanup_strv_ char **env = NULL, **labels = NULL, **opts = NULL, **insecure = NULL,
		**mirrors = NULL, **san = NULL;
	const char *url = mc_json_str(drv, "URL"), *sd = mc_json_str(eng, "StorageDriver");
	const char *key;
	json_t *v;

	if (url && mc_engine_url_check(url, err) < 0)
		return -1;
	for (const char *const *k = (const char *const[]){ "VMName", "DomainName", NULL }; *k; k++)
		if (mc_json_str(drv, *k) && mc_store_check_name(mc_json_str(drv, *k), NULL) < 0)
			return mc_error_set(err, MC_E_INVALID,
					    "its VM name \"%s\" (Driver.MachineName) is not a valid name (0-9a-zA-Z . -): not imported",
					    mc_json_str(drv, *k));
	if (mc_json_str(drv, "HostOnlyCIDR") && !cidr_ok(mc_json_str(drv, "HostOnlyCIDR")))
		return mc_error_set(err, MC_E_INVALID, "its HostOnlyCIDR \"%s\" is not A.B.C.D/N: not imported",
				    mc_json_str(drv, "HostOnlyCIDR"));
	if (mc_json_str(drv, "URI") && (strpbrk(mc_json_str(drv, "URI"), " \t'\"`$;|&<>\\") ||
					!strstr(mc_json_str(drv, "URI"), "://")))
		return mc_error_set(err, MC_E_INVALID, "its libvirt URI \"%s\" is not a libvirt URI: not imported",
				    mc_json_str(drv, "URI"));
	json_object_foreach(drv, key, v)
		if (json_is_string(v) && has_controls(json_string_value(v)))
			return mc_error_set(err, MC_E_INVALID,
					    "its Driver.%s holds a control character: not imported", key);
	if (strings_of(json_object_get(eng, "Env"), &env) < 0 ||
	    strings_of(json_object_get(eng, "Labels"), &labels) < 0 ||
	    strings_of(json_object_get(eng, "ArbitraryFlags"), &opts) < 0 ||
	    strings_of(json_object_get(eng, "InsecureRegistry"), &insecure) < 0 ||
	    strings_of(json_object_get(eng, "RegistryMirror"), &mirrors) < 0 ||
	    strings_of(sans, &san) < 0)
		return mc_error_set(err, MC_E_INVALID,
				    "its EngineOptions or ServerCertSANs hold something else than strings: not imported");
	if (mc_provision_check_engine(&(struct mc_engine_opts){
			.env = env, .labels = labels, .opts = opts, .insecure = insecure, .mirrors = mirrors,
			.storage_driver = sd, .driver = dm->our_driver,
			/* the machines of these drivers boot boot2docker */
			.no_blanks = strcmp(dm->our_driver, "none") && strcmp(dm->our_driver, "generic") },
			err) < 0) {
		err->code = MC_E_INVALID;
		mc_error_prefix(err, "its Docker options: ");
		return -1;
	}
	for (char **sn = san; sn && *sn; sn++)
		if (mc_certs_check_san(*sn, err) < 0) {
			mc_error_prefix(err, "its ServerCertSANs: ");
			return -1;
		}
	return 0;
}

/* The create flag each imported Driver field stands for, per driver of
 * ours: what create checks them against (the driver's flag table and its
 * check_flags) checks them here.  flag NULL: a number create has no flag
 * for, which must still be an integer. */
static const struct dm_flag {
	const char *driver;  /* ours */
	const char *field;   /* docker-machine's, in its Driver object */
	const char *key;     /* ours, in the new machine's Driver object */
	const char *flag;
} dm_flags[] = {
	{ "none", "URL", "URL", "url" },
	{ "generic", "IPAddress", "IPAddress", "generic-ip-address" },
	{ "generic", "SSHUser", "SSHUser", "generic-ssh-user" },
	{ "generic", "SSHPort", "SSHPort", "generic-ssh-port" },
	{ "generic", "EnginePort", "EnginePort", "generic-engine-port" },
	{ "virtualbox", "SSHUser", "SSHUser", "virtualbox-ssh-user" },
	{ "virtualbox", "SSHPort", "SSHPort", NULL },
	{ "virtualbox", "CPU", "CPU", "virtualbox-cpu-count" },
	{ "virtualbox", "Memory", "Memory", "virtualbox-memory" },
	{ "virtualbox", "DiskSize", "DiskSize", "virtualbox-disk-size" },
	{ "virtualbox", "HostOnlyCIDR", "HostOnlyCIDR", "virtualbox-hostonly-cidr" },
	{ "hyperv", "VSwitch", "Switch", "hyperv-virtual-switch" },
	{ "hyperv", "MemSize", "Memory", "hyperv-memory" },
	{ "hyperv", "CPU", "CPU", "hyperv-cpu-count" },
	{ "libvirt", "ConnectionURI", "URI", "libvirt-uri" },
	{ "libvirt", "Network", "Network", "libvirt-network" },
	{ "libvirt", "CPU", "CPU", "libvirt-cpu-count" },
	{ "libvirt", "Memory", "Memory", "libvirt-memory" },
};

static const struct mc_driver_flag *find_flag(const struct mc_driver *d, const char *name)
{
	for (const struct mc_driver_flag *f = d->flags; name && f && f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

/* The imported settings as create would take them from its flags: the
 * ranges the driver's flags declare (ports 1-65535, CPUs, memory and disk
 * sizes) and the driver's own check of its flags, the flags the import does
 * not set at their defaults.  A number that is not an integer is refused
 * (mc_json_int would have read it as the default). */
static int check_create_flags(struct dm_machine *dm, json_t *drv, struct mc_error *err)
{
	_cleanup_json_ json_t *flags = json_object(), *origins = json_object();
	const struct mc_driver *d;
	const char *bad;

	if (mc_driver_lookup(dm->our_driver, &d, err) < 0) {
		mc_error_prefix(err, "its settings cannot be checked as create checks them: ");
		return -1;
	}
	for (size_t i = 0; i < MC_ARRAY_SIZE(dm_flags); i++) {
		const struct dm_flag *e = &dm_flags[i];
		const struct mc_driver_flag *f = find_flag(d, e->flag);
		json_t *given = json_object_get(dm->driver, e->field), *v = json_object_get(drv, e->key);

		if (strcmp(e->driver, dm->our_driver))
			continue;
		if (given && (!f || f->type == MC_FLAG_INT) && !json_is_integer(given)) {
			_cleanup_free_ char *shown = json_dumps(given, JSON_ENCODE_ANY);

			return mc_error_set(err, MC_E_INVALID,
					    "its Driver.%s %.40s is not an integer (a JSON %s): not imported",
					    e->field, shown ? shown : "?", json_kind(given));
		}
		if (f && v) {
			json_object_set(flags, f->name, v);
			json_object_set_new(origins, f->name, json_sprintf("Driver.%s", e->field));
		}
	}
	for (const struct mc_driver_flag *f = d->flags; f && f->name; f++)
		if (f->def && (f->type == MC_FLAG_INT || f->type == MC_FLAG_STRING) &&
		    !json_object_get(flags, f->name))
			json_object_set_new(flags, f->name,
					    f->type == MC_FLAG_INT ? json_integer(strtoll(f->def, NULL, 10))
								   : json_string(f->def));
	if (mc_driver_check_flags(d, flags, origins, &bad, err) == 0)
		return 0;
	/* A range a flag declares is named as the field already ("invalid
	 * Driver.CPU 0: ..."); the driver's own check names the flag (--NAME). */
	err->code = MC_E_INVALID;
	for (size_t i = 0; bad && i < MC_ARRAY_SIZE(dm_flags); i++)
		if (!strcmp(dm_flags[i].driver, dm->our_driver) && mc_streq(dm_flags[i].flag, bad))
			mc_error_prefix(err, "its Driver.%s: ", dm_flags[i].field);
	return -1;
}

/* Docker and TLS options that carry over. */
static void map_host_options(struct dm_machine *dm, struct mc_machine *m)
{
	json_t *ho = json_object_get(dm->doc, "HostOptions");
	json_t *eng = json_object_get(ho, "EngineOptions");
	json_t *auth = json_object_get(ho, "AuthOptions");
	json_t *our_eng = json_object_get(m->host_options, "EngineOptions");
	json_t *our_auth = json_object_get(m->host_options, "AuthOptions");
	static const char *const lists[] = { "ArbitraryFlags", "Env", "InsecureRegistry", "Labels",
					     "RegistryMirror" };
	json_t *sans = json_object_get(auth, "ServerCertSANs");

	for (size_t i = 0; i < MC_ARRAY_SIZE(lists); i++) {
		json_t *l = json_object_get(eng, lists[i]);

		if (json_is_array(l))
			json_object_set(our_eng, lists[i], l);
	}
	if (mc_json_str(eng, "StorageDriver"))
		json_object_set_new(our_eng, "StorageDriver", json_string(mc_json_str(eng, "StorageDriver")));
	if (json_is_array(sans))
		json_object_set(our_auth, "ServerCertSANs", sans);
	/* docker-machine's certificates are RSA 2048, its SSH keys RSA */
	json_object_set_new(our_auth, "KeyType", json_string("rsa-2048"));
	json_object_set_new(json_object_get(m->host_options, "SSH"), "KeyType", json_string("rsa"));
	/* Docker on the machine was set up by docker-machine: start and restart
	 * leave it alone ('provision' or 'regenerate-certs' take it over). */
	json_object_set_new(m->host_options, "Provision", json_false());
	if (json_is_object(json_object_get(ho, "SwarmOptions")) &&
	    json_is_true(json_object_get(json_object_get(ho, "SwarmOptions"), "IsSwarm")))
		note(dm, "its legacy swarm settings are not imported (machinectl swarm-up makes a swarm-mode cluster)");
}


/* The certificates: the machine's copies, else the AuthOptions paths, else <from>/certs. */
static int copy_certs(const char *from, struct dm_machine *dm, struct mc_machine *m,
		      struct mc_error *err)
{
	static const struct {
		const char *file, *auth_key;
		bool key;
		bool client;
	} certs[] = {
		{ "ca.pem", "CaCertPath", false, true },
		{ "cert.pem", "ClientCertPath", false, true },
		{ "key.pem", "ClientKeyPath", true, true },
		{ "server.pem", "ServerCertPath", false, false },
		{ "server-key.pem", "ServerKeyPath", true, false },
	};
	bool missing_client = false;

	for (size_t i = 0; i < MC_ARRAY_SIZE(certs); i++) {
		_cleanup_free_ char *own = mc_path_join(dm->src, certs[i].file);
		_cleanup_free_ char *store = mc_asprintf("%s/certs/%s", from, certs[i].file);
		const char *cand[3] = { own, auth_path(dm, certs[i].auth_key), certs[i].client ? store : NULL };
		const char *src = NULL;

		for (int c = 0; c < 3 && !src; c++)
			if (cand[c] && mc_file_exists(cand[c]))
				src = cand[c];
		if (!src) {
			missing_client |= certs[i].client;
			continue;
		}
		/* Only what parses as the certificate or key it stands for: an
		 * AuthOptions path may name any file (a secret, a bundle). */
		{
			_cleanup_free_ char *dst = mc_path_join(m->dir, certs[i].file);

			if (mc_certs_import_pem(src, dst, certs[i].key, err) < 0) {
				mc_error_prefix(err, "its %s: ", certs[i].file);
				return -1;
			}
		}
	}
	if (missing_client && !strcmp(dm->our_driver, "none"))
		note(dm, "no TLS client certificate was found: env will fail until 'regenerate-certs'");
	else if (missing_client)
		note(dm, "no TLS client certificate was found: run 'regenerate-certs %s'", dm->name);
	return 0;
}

static int copy_ssh_key(struct dm_machine *dm, struct mc_machine *m, struct mc_error *err)
{
	_cleanup_free_ char *own = mc_path_join(dm->src, "id_rsa");
	_cleanup_free_ char *comment = mc_asprintf("machinectl:%s", dm->name);
	const char *src = mc_file_exists(own) ? own : drv_str(dm, "SSHKeyPath");

	if (!src || !mc_file_exists(src)) {
		note(dm, "no SSH key was found (id_rsa or Driver.SSHKeyPath): ssh and scp will not log in");
		return 0;
	}
	if (mc_ssh_key_import(src, m->dir, comment, err) < 0) {
		mc_error_prefix(err, "SSH key %s: ", src);
		return -1;
	}
	return 0;
}

/* The machine's name (its directory under machines/) must be one of ours. */
static int check_name(const char *from, const char *name, struct mc_error *err)
{
	struct mc_error e = { 0 };
	_cleanup_free_ char *dir = NULL;
	struct stat st;

	if (mc_store_check_name(name, &e) == 0)
		return 0;
	/* A name that is no directory of the store is no machine of it (a path is
	 * not a name: "..", "a/b"); else the directory needs another name. */
	dir = mc_asprintf("%s/machines/%s", from, name);
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") || stat(dir, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return mc_error_set(err, MC_E_NOT_FOUND,
				    "no docker-machine machine \"%s\" in %s%s", name, from,
				    strchr(name, '/') ? " (name a machine of the store; the store is --from DIR)" : "");
	/* Not a usage error: the name is the directory's, not the command line's. */
	return mc_error_set(err, MC_E_INVALID,
			    "%s: not imported; rename the machine in docker-machine's store (its directory %s/machines/%s) to a valid name, then import it under that name",
			    e.msg, from, name);
}

static int import_one(struct mc_session *s, const char *from, struct dm_machine *dm,
		      struct mc_error *err)
{
	_cleanup_machine_ struct mc_machine *m = NULL;
	_cleanup_json_ json_t *drv = json_object();
	int lock_fd = -1;

	if (check_name(from, dm->name, err) < 0 || dm_load(from, dm->name, dm, err) < 0 ||
	    map_driver(dm, drv, err) < 0 || (dm->has_ssh && check_ssh(drv, err) < 0) ||
	    check_fields(dm, drv, err) < 0 || check_create_flags(dm, drv, err) < 0)
		return -1;
	if (mc_store_reserve(&s->store, dm->name, &lock_fd, err) < 0)
		return -1;
	mc_test_point("import-after-reserve");
	m = mc_machine_new(&s->store, dm->name, dm->our_driver);
	json_object_update(m->driver, drv);
	map_host_options(dm, m);
	json_object_set_new(m->doc, "ImportedFrom",
			    json_pack("{s:s,s:s,s:I}", "Path", dm->src, "DriverName", dm->dm_driver,
				      "ConfigVersion",
				      (json_int_t)mc_json_int(dm->doc, "ConfigVersion", 0)));
	mc_machine_set_status(m, MC_MACHINE_CREATED, NULL);
	if (copy_certs(from, dm, m, err) < 0 || (dm->has_ssh && copy_ssh_key(dm, m, err) < 0) ||
	    mc_machine_save(m, err) < 0) {
		struct mc_error rm = { 0 };

		if (mc_store_remove(&s->store, dm->name, &rm) < 0)
			mc_error_suffix(err, "; and its store entry could not be removed (%s): '%s rm -f %s' removes it",
					rm.msg, s->prog, dm->name);
		mc_store_unlock(lock_fd);
		return -1;
	}
	mc_store_unlock(lock_fd);
	return 0;
}

int mc_ops_import_list(const char *from, char ***names, struct mc_error *err)
{
	_cleanup_free_ char *dir = mc_path_join(from, "machines");
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n;

	*names = NULL;
	if (!d)
		return mc_error_set(err, errno == ENOENT ? MC_E_NOT_FOUND : MC_E_IO,
				    "cannot read the docker-machine store %s: %s (use --from DIR)", dir,
				    strerror(errno));
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		p = mc_path_join(dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			mc_strv_push(names, mc_strdup(de->d_name));
	}
	closedir(d);
	n = mc_strv_len(*names);
	for (size_t i = 1; i < n; i++)  /* insertion sort: stores are small */
		for (size_t j = i; j > 0 && mc_natural_cmp((*names)[j - 1], (*names)[j]) > 0; j--) {
			char *t = (*names)[j];

			(*names)[j] = (*names)[j - 1];
			(*names)[j - 1] = t;
		}
	if (!*names)
		*names = mc_calloc(1, sizeof(char *));
	return 0;
}

int mc_ops_import(struct mc_session *s, const char *from, const char *name,
		  struct mc_import_result *res, struct mc_error *err)
{
	struct dm_machine dm = { .name = name };
	int r = import_one(s, from, &dm, err);

	mc_error_machine(err, name);
	*res = (struct mc_import_result){ mc_strdup(dm.dm_driver), dm.our_driver, dm.notes };
	free(dm.src);
	json_decref(dm.doc);
	return r;
}

void mc_import_result_free(struct mc_import_result *res)
{
	free(res->dm_driver);
	mc_strv_free(res->notes);
	memset(res, 0, sizeof(*res));
}
