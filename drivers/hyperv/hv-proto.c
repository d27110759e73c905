/* The hyperv driver's protocol and pure helpers.  See hv.h. */
#include "buildconf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "hv.h"

char *hv_request_line(unsigned long id, const char *verb, json_t *args)
{
	_cleanup_json_ json_t *req = json_object();
	_cleanup_free_ char *s = NULL;

	json_object_set_new(req, "id", json_integer((json_int_t)id));
	json_object_set_new(req, "verb", json_string(verb));
	json_object_set_new(req, "args", args ? json_incref(args) : json_object());
	/* Compact, one line: JSON strings never hold a raw newline. */
	s = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
	return mc_asprintf("%s\n", s);
}

static void copy_str(char *dst, size_t size, json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";

	snprintf(dst, size, "%s", s);
}

int hv_parse_answer(const char *line, unsigned long id, json_t **result, struct hv_fail *fail,
		    struct mc_error *err)
{
	_cleanup_json_ json_t *a = NULL;
	json_error_t je;
	json_t *ok, *jid, *r, *e;

	a = json_loads(line, JSON_REJECT_DUPLICATES, &je);
	if (!a || !json_is_object(a))
		return mc_error_set(err, MC_E_INVALID, "not a JSON object (%s): %.200s",
				    a ? "another JSON value" : je.text, line);
	jid = json_object_get(a, "id");
	if (!json_is_integer(jid) || json_integer_value(jid) != (json_int_t)id)
		return mc_error_set(err, MC_E_INVALID, "answer for request %lld, expected %lu: %.200s",
				    json_is_integer(jid) ? (long long)json_integer_value(jid) : -1LL,
				    id, line);
	ok = json_object_get(a, "ok");
	if (!json_is_boolean(ok))
		return mc_error_set(err, MC_E_INVALID, "answer without \"ok\": %.200s", line);
	if (json_is_true(ok)) {
		r = json_object_get(a, "result");
		if (r && !json_is_object(r) && !json_is_null(r))
			return mc_error_set(err, MC_E_INVALID, "\"result\" is not an object: %.200s", line);
		*result = r && json_is_object(r) ? json_incref(r) : json_object();
		return 0;
	}
	e = json_object_get(a, "error");
	if (!json_is_object(e))
		return mc_error_set(err, MC_E_INVALID, "failed answer without an \"error\" object: %.200s",
				    line);
	copy_str(fail->cmdlet, sizeof(fail->cmdlet), json_object_get(e, "cmdlet"));
	copy_str(fail->message, sizeof(fail->message), json_object_get(e, "message"));
	copy_str(fail->code, sizeof(fail->code), json_object_get(e, "code"));
	if (!*fail->message)
		snprintf(fail->message, sizeof(fail->message), "(no message)");
	return 1;
}

enum mc_state hv_state_from_name(const char *name)
{
	/* Hyper-V's VMState, in its order.  "Other" (a state Hyper-V itself
	 * cannot name) stays unknown: the caller's error says to look at the VM. */
	static const struct {
		const char *name;
		enum mc_state st;
	} map[] = {
		{ "Running", MC_STATE_RUNNING },        { "Off", MC_STATE_STOPPED },
		{ "Stopping", MC_STATE_STOPPING },      { "Saved", MC_STATE_SAVED },
		{ "Paused", MC_STATE_PAUSED },          { "Starting", MC_STATE_STARTING },
		{ "Reset", MC_STATE_STARTING },         { "Saving", MC_STATE_STOPPING },
		{ "Pausing", MC_STATE_PAUSED },         { "Resuming", MC_STATE_STARTING },
		{ "FastSaved", MC_STATE_SAVED },        { "FastSaving", MC_STATE_STOPPING },
		{ "ForceShutdown", MC_STATE_STOPPING }, { "ForceReboot", MC_STATE_STARTING },
		{ "Hibernated", MC_STATE_SAVED },
		/* The VM runs while Hyper-V services its components. */
		{ "ComponentServicing", MC_STATE_RUNNING },
	};
	size_t n;

	if (!name)
		return MC_STATE_NONE;
	for (size_t i = 0; i < MC_ARRAY_SIZE(map); i++)
		if (!strcmp(map[i].name, name))
			return map[i].st;
	/* RunningCritical, OffCritical, ... FastSavingCritical: Hyper-V lost
	 * the VM's storage. */
	n = strlen(name);
	if (n > 8 && !strcmp(name + n - 8, "Critical"))
		return MC_STATE_ERROR;
	return MC_STATE_NONE;
}

static bool is_default(json_t *sw)
{
	const char *id = mc_json_str(sw, "id");

	return id && !strcasecmp(id, HV_DEFAULT_SWITCH_ID);
}

bool hv_is_default_switch(json_t *switches, const char *name)
{
	size_t i;
	json_t *sw;

	json_array_foreach(switches, i, sw)
		if (mc_streq(mc_json_str(sw, "name"), name) && is_default(sw))
			return true;
	return false;
}

const char *hv_choose_switch(json_t *switches, const char *wanted, struct mc_error *err)
{
	_cleanup_free_ char *names = NULL;
	size_t i;
	json_t *sw;

	if (!json_is_array(switches))
		switches = NULL;
	json_array_foreach(switches, i, sw) {
		const char *n = mc_json_str(sw, "name");

		if (!n)
			continue;
		if (wanted && *wanted && !strcmp(n, wanted))
			return n;
		{
			char *t = mc_asprintf("%s%s\"%s\"", names ? names : "", names ? ", " : "", n);

			free(names);
			names = t;
		}
	}
	if (wanted && *wanted) {
		mc_error_set(err, MC_E_PRECREATE,
			     "Hyper-V has no virtual switch named \"%s\" (%s%s): pass an existing one with --hyperv-virtual-switch, or create it in Hyper-V Manager (Virtual Switch Manager) or with New-VMSwitch",
			     wanted, names ? "its switches: " : "it has no switch at all",
			     names ? names : "");
		return NULL;
	}
	json_array_foreach(switches, i, sw)
		if (mc_streq(mc_json_str(sw, "type"), "External") && mc_json_str(sw, "name"))
			return mc_json_str(sw, "name");
	json_array_foreach(switches, i, sw)
		if (is_default(sw) && mc_json_str(sw, "name"))
			return mc_json_str(sw, "name");
	mc_error_set(err, MC_E_PRECREATE,
		     "no Hyper-V virtual switch to connect the VM to: there is no External switch and no \"Default Switch\"%s%s%s. Create an External switch bound to your network adapter (Hyper-V Manager > Virtual Switch Manager, or New-VMSwitch -Name NAME -NetAdapterName ADAPTER as Administrator), then pass --hyperv-virtual-switch NAME",
		     names ? " (found: " : "", names ? names : "", names ? ")" : "");
	return NULL;
}

bool hv_mac_normalize(const char *in, char out[13])
{
	size_t n = 0;

	if (!in)
		return false;
	for (const char *p = in; *p; p++) {
		if (*p == ':' || *p == '-')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 12)
			return false;
		out[n++] = (char)toupper((unsigned char)*p);
	}
	out[n] = '\0';
	if (n != 12)
		return false;
	/* The low bit of the first octet marks a multicast address: never a NIC's. */
	return ((isdigit((unsigned char)out[1]) ? out[1] - '0' : out[1] - 'A' + 10) & 1) == 0;
}

char *hv_shim_command(const char *wpath)
{
	char *q = mc_malloc(strlen(wpath) * 2 + 1), *w = q, *out;

	for (const unsigned char *p = (const unsigned char *)wpath; *p; p++) {
		/* A quote is doubled; PowerShell also ends a single-quoted string at
		 * the typographic single quotes U+2018..U+201B (UTF-8 E2 80 98..9B). */
		if (*p == '\'') {
			*w++ = '\'';
		} else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9B) {
			memcpy(w, p, 3);
			w += 3;
		}
		*w++ = (char)*p;
	}
	*w = '\0';
	out = mc_asprintf("& ([ScriptBlock]::Create([IO.File]::ReadAllText('%s')))", q);
	free(q);
	return out;
}
