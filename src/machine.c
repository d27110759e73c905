#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "machine.h"
#include "util.h"

static const char *const status_names[] = {
	[MC_MACHINE_CREATING] = "creating",
	[MC_MACHINE_CREATED] = "created",
	[MC_MACHINE_ERROR] = "error",
};

const char *mc_state_name(enum mc_state st)
{
	static const char *const names[] = {
		[MC_STATE_NONE] = "",           [MC_STATE_RUNNING] = "Running",
		[MC_STATE_PAUSED] = "Paused",   [MC_STATE_SAVED] = "Saved",
		[MC_STATE_STOPPED] = "Stopped", [MC_STATE_STOPPING] = "Stopping",
		[MC_STATE_STARTING] = "Starting", [MC_STATE_ERROR] = "Error",
		[MC_STATE_TIMEOUT] = "Timeout",
	};

	return (unsigned)st < MC_ARRAY_SIZE(names) ? names[st] : "Error";
}

/* The index of Status s in status_names, -1 when unknown. */
static int status_index(const char *s)
{
	for (size_t i = 0; i < MC_ARRAY_SIZE(status_names); i++)
		if (mc_streq(s, status_names[i]))
			return (int)i;
	return -1;
}

static void bind_views(struct mc_machine *m)
{
	m->driver_name = json_string_value(json_object_get(m->doc, "DriverName"));
	m->driver = json_object_get(m->doc, "Driver");
	m->host_options = json_object_get(m->doc, "HostOptions");
}

static json_t *empty_host_options(void)
{
	return json_pack("{s:{s:[],s:[],s:[],s:[],s:[],s:s},s:{s:[],s:s},s:{s:s}}",
			 "EngineOptions", "ArbitraryFlags", "Env", "InsecureRegistry", "Labels",
			 "RegistryMirror", "StorageDriver", "",
			 "AuthOptions", "ServerCertSANs", "KeyType", "ecdsa-p256",
			 "SSH", "KeyType", "ed25519");
}

struct mc_machine *mc_machine_new(const struct mc_store *s, const char *name,
				  const char *driver_name)
{
	struct mc_machine *m = mc_calloc(1, sizeof(*m));
	char created[32];
	time_t now = time(NULL);

	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	m->name = mc_strdup(name);
	m->dir = mc_store_machine_dir(s, name);
	m->doc = json_pack("{s:i,s:s,s:s,s:s,s:s,s:{},s:o}", "SchemaVersion", MC_SCHEMA_VERSION,
			   "Name", name, "DriverName", driver_name, "Status", "creating",
			   "Created", created, "Driver", "HostOptions", empty_host_options());
	bind_views(m);
	return m;
}

/*
 * Migrations: migrate[i] turns schema i into schema i+1.  Schema 0 is what
 * pre-release builds wrote: no SchemaVersion, "State" instead of "Status",
 * and no HostOptions.
 */
static int migrate_0_to_1(json_t *doc, struct mc_error *err)
{
	json_t *state = json_object_get(doc, "State");

	if (!json_object_get(doc, "Status"))
		json_object_set_new(doc, "Status",
				    json_string(json_is_string(state) ? json_string_value(state)
								      : "created"));
	json_object_del(doc, "State");
	if (!json_is_object(json_object_get(doc, "HostOptions")))
		json_object_set_new(doc, "HostOptions", empty_host_options());
	if (!json_is_object(json_object_get(doc, "Driver")))
		json_object_set_new(doc, "Driver", json_object());
	(void)err;
	return 0;
}

static int (*const migrations[])(json_t *, struct mc_error *) = {
	migrate_0_to_1,
};

int mc_machine_parse(const char *text, size_t len, json_t **out, int *migrated_from,
		     struct mc_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	json_t *ver;
	const char *status;
	long long v;

	if (migrated_from)
		*migrated_from = -1;
	if (!doc)
		return mc_error_set(err, MC_E_INVALID, "not valid JSON (line %d: %s)", jerr.line,
				    jerr.text);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return mc_error_set(err, MC_E_INVALID, "not a JSON object");
	}
	ver = json_object_get(doc, "SchemaVersion");
	if (ver && !json_is_integer(ver)) {
		json_decref(doc);
		return mc_error_set(err, MC_E_INVALID, "SchemaVersion is not a number");
	}
	v = ver ? json_integer_value(ver) : 0;
	if (v > MC_SCHEMA_VERSION) {
		json_decref(doc);
		return mc_error_set(err, MC_E_UNSUPPORTED,
				    "config.json has schema version %lld, newer than this machinectl understands (%d): upgrade machinectl",
				    v, MC_SCHEMA_VERSION);
	}
	if (v < 0) {
		json_decref(doc);
		return mc_error_set(err, MC_E_INVALID, "invalid SchemaVersion %lld", v);
	}
	if (v < MC_SCHEMA_VERSION && migrated_from)
		*migrated_from = (int)v;
	for (; v < MC_SCHEMA_VERSION; v++) {
		if (migrations[v](doc, err) < 0) {
			json_decref(doc);
			return -1;
		}
	}
	json_object_set_new(doc, "SchemaVersion", json_integer(MC_SCHEMA_VERSION));
	if (!json_is_string(json_object_get(doc, "Name")) ||
	    !json_is_string(json_object_get(doc, "DriverName")) ||
	    !json_is_object(json_object_get(doc, "Driver")) ||
	    !json_is_object(json_object_get(doc, "HostOptions")) ||
	    !json_is_string(json_object_get(doc, "Status"))) {
		json_decref(doc);
		return mc_error_set(err, MC_E_INVALID, "it lacks Name, DriverName, Status, Driver or HostOptions");
	}
	status = json_string_value(json_object_get(doc, "Status"));
	if (status_index(status) < 0) {
		mc_error_set(err, MC_E_INVALID, "Status is \"%s\", not creating, created or error", status);
		json_decref(doc);
		return -1;
	}
	*out = doc;
	return 0;
}

int mc_machine_load(const struct mc_store *s, const char *name, struct mc_machine **out,
		    struct mc_error *err)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	struct mc_machine *m;
	size_t len;
	int from;
	json_t *doc;

	if (mc_store_check_name(name, err) < 0)
		return -1;
	if (!mc_store_exists(s, name))
		return mc_error_set(err, MC_E_NOT_FOUND, "Docker machine \"%s\" does not exist", name);
	if (mc_store_check_machine_perms(s, name, err) < 0)
		return -1;
	path = mc_store_machine_file(s, name, "config.json");
	if (mc_read_file(path, &text, &len, err) < 0) {
		if (err && err->code == MC_E_NOT_FOUND) {
			mc_error_clear(err);
			return mc_error_set(err, MC_E_INVALID,
					    "machine \"%s\" has no config.json (its creation was interrupted); 'machinectl rm -f %s' removes it",
					    name, name);
		}
		return -1;
	}
	if (mc_machine_parse(text, len, &doc, &from, err) < 0) {
		if (err && err->code == MC_E_INVALID) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			mc_error_clear(err);
			mc_error_set(err, MC_E_INVALID,
				     "config.json is damaged: %s; 'machinectl rm -f %s' removes the machine", why, name);
		}
		mc_error_machine(err, name);
		return -1;
	}
	m = mc_calloc(1, sizeof(*m));
	m->name = mc_strdup(name);
	m->dir = mc_store_machine_dir(s, name);
	m->doc = doc;
	bind_views(m);
	if (!mc_streq(m->name, json_string_value(json_object_get(doc, "Name")))) {
		/* The directory name is the truth (a copied store, a rename by hand). */
		json_object_set_new(doc, "Name", json_string(name));
	}
	if (from >= 0) {
		/* Written back by the first save (a verb that holds the lock). */
		m->orig_text = MC_TAKE(text);
		m->orig_len = len;
	}
	*out = m;
	return 0;
}

int mc_machine_save(const struct mc_machine *m, struct mc_error *err)
{
	_cleanup_free_ char *path = mc_path_join(m->dir, "config.json");
	_cleanup_free_ char *text = json_dumps(m->doc, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	_cleanup_free_ char *withnl = NULL;

	if (!text)
		return mc_error_set(err, MC_E_FAILED, "cannot serialise config of \"%s\"", m->name);
	if (m->orig_text) {
		_cleanup_free_ char *bak = mc_asprintf("%s.bak", path);

		if (mc_write_file_atomic(bak, m->orig_text, m->orig_len, 0600, err) < 0)
			return -1;
	}
	withnl = mc_asprintf("%s\n", text);
	return mc_write_file_atomic(path, withnl, strlen(withnl), 0600, err);
}

void mc_machine_free(struct mc_machine *m)
{
	if (!m)
		return;
	free(m->name);
	free(m->dir);
	free(m->orig_text);
	json_decref(m->doc);
	free(m);
}

enum mc_machine_status mc_machine_status(const struct mc_machine *m)
{
	int i = status_index(json_string_value(json_object_get(m->doc, "Status")));

	/* mc_machine_parse refuses an unknown Status. */
	return i < 0 ? MC_MACHINE_ERROR : (enum mc_machine_status)i;
}

void mc_machine_set_status(struct mc_machine *m, enum mc_machine_status st, const char *reason)
{
	json_object_set_new(m->doc, "Status", json_string(status_names[st]));
	if (reason)
		json_object_set_new(m->doc, "Error", json_string(reason));
	else
		json_object_del(m->doc, "Error");
}

const char *mc_machine_error(const struct mc_machine *m)
{
	return json_string_value(json_object_get(m->doc, "Error"));
}

json_t *mc_machine_labels(const struct mc_machine *m)
{
	return json_object_get(json_object_get(m->host_options, "EngineOptions"), "Labels");
}
