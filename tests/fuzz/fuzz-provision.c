/*
 * Provisioning inputs and outputs (src/provision.c):
 *  - mc_provision_detect on the guest's os-release text (untrusted: the
 *    guest writes it);
 *  - the files written into the guest from the machine's engine options:
 *    the boot2docker profile (sourced by sh) and the systemd drop-in.  Both
 *    are decoded here the way sh and systemd read them, and must give back
 *    the daemon arguments and environment byte for byte.
 * Input: os-release text, a NUL byte, then the HostOptions JSON object.
 */
#include "buildconf.h"

#include "fuzz.h"
#include "provision.h"
#include "util.h"

/* A single-quoted sh word as mc_shell_quote writes it ('...' and '\''),
 * ending at an unquoted newline or the end; NULL when it is anything else. */
static char *sh_word(const char **pp)
{
	const char *p = *pp;
	char *out = mc_malloc(strlen(p) + 1), *w = out;

	while (*p && *p != '\n') {
		if (*p == '\'') {
			const char *e = strchr(p + 1, '\'');

			if (!e)
				goto bad;
			memcpy(w, p + 1, (size_t)(e - p - 1));
			w += e - p - 1;
			p = e + 1;
		} else if (*p == '\\' && p[1] == '\'') {
			*w++ = '\'';
			p += 2;
		} else {
			goto bad;   /* an unquoted character would be shell syntax */
		}
	}
	*w = '\0';
	*pp = p;
	return out;
bad:
	free(out);
	return NULL;
}

/* One "..." word of a systemd line: \\ and \" escapes, %% always, $$ when
 * dollars are special (ExecStart=, not Environment=). */
static char *systemd_word(const char **pp, bool dollar)
{
	const char *p = *pp;
	char *out = mc_malloc(strlen(p) + 1), *w = out;

	if (*p++ != '"')
		goto bad;
	for (; *p != '"'; p++) {
		if (!*p || *p == '\n')
			goto bad;
		if (*p == '\\') {
			if (p[1] != '\\' && p[1] != '"')
				goto bad;   /* systemd would read a C escape */
			*w++ = *++p;
		} else if (*p == '%' || (dollar && *p == '$')) {
			if (p[1] != *p)
				goto bad;
			*w++ = *++p;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	*pp = p + 1;
	return out;
bad:
	free(out);
	return NULL;
}

static void check_profile(const struct mc_machine *m, const char *text)
{
	char **args = mc_provision_daemon_args(m, "test", MC_GUEST_MACHINECTL_OS, NULL);
	char *want = mc_strdup(""), *got, *t;
	const char *p = strstr(text, "\nEXTRA_ARGS="), *cur;
	size_t i;
	json_t *v;

	FUZZ_ASSERT(args && p);
	for (char **a = args; *a; a++) {
		t = mc_asprintf("%s\n%s", want, *a);
		free(want);
		want = t;
	}
	t = mc_asprintf("%s\n", want);
	free(want);
	want = t;
	p += strlen("\nEXTRA_ARGS=");
	got = sh_word(&p);
	FUZZ_ASSERT(got && !strcmp(got, want));
	free(got);
	free(want);
	mc_strv_free(args);
	cur = p;
	/* export KEY='VALUE' lines, in order */
	json_array_foreach(json_object_get(json_object_get(m->host_options, "EngineOptions"), "Env"), i, v) {
		const char *kv = json_string_value(v), *eq = strchr(kv, '=');
		char *line = mc_asprintf("\nexport %.*s=", (int)(eq - kv), kv);

		p = strstr(cur, line);
		FUZZ_ASSERT(p);
		p += strlen(line);
		got = sh_word(&p);
		FUZZ_ASSERT(got && !strcmp(got, eq + 1));
		cur = p;
		free(got);
		free(line);
	}
}

static void check_dropin(const struct mc_machine *m, const char *text)
{
	char **args = mc_provision_daemon_args(m, "test", MC_GUEST_SYSTEMD_DEBIAN, NULL);
	const char *p = strstr(text, "\nExecStart=/usr/sbin/dockerd ");
	size_t i;
	json_t *v;

	FUZZ_ASSERT(args && p);
	p = strstr(p, "/server-key.pem");
	FUZZ_ASSERT(p);
	p += strlen("/server-key.pem");
	for (char **a = args; *a; a++) {
		char *w;

		FUZZ_ASSERT(*p == ' ');
		p++;
		w = systemd_word(&p, true);
		FUZZ_ASSERT(w && !strcmp(w, *a));
		free(w);
	}
	FUZZ_ASSERT(*p == '\n');
	mc_strv_free(args);
	p = strstr(p, "\nEnvironment=\n");
	FUZZ_ASSERT(p);
	p += strlen("\nEnvironment=\n");
	json_array_foreach(json_object_get(json_object_get(m->host_options, "EngineOptions"), "Env"), i, v) {
		char *w;

		FUZZ_ASSERT(!strncmp(p, "Environment=", 12));
		p += 12;
		w = systemd_word(&p, false);
		FUZZ_ASSERT(w && !strcmp(w, json_string_value(v)));
		free(w);
		FUZZ_ASSERT(*p == '\n');
		p++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *osr = fuzz_cstr(data, size), *name = NULL, *text = NULL;
	size_t ol = strlen(osr);
	enum mc_guest_os os;
	struct mc_error err = { 0 };
	struct mc_machine m = { .name = "fuzz", .dir = "/nonexistent" };
	json_t *ho = NULL;

	if (mc_provision_one_step(osr))
		FUZZ_ASSERT(strstr(osr, "PROVISION=1") && strstr(osr, "\n---\n"));
	if (mc_provision_detect(osr, &os, &name, &err) == 0) {
		FUZZ_ASSERT(name && os != MC_GUEST_UNKNOWN);
		free(name);
	} else {
		FUZZ_ASSERT(err.code == MC_E_UNSUPPORTED);
	}
	if (ol + 1 < size)
		ho = json_loadb((const char *)data + ol + 1, size - ol - 1, 0, NULL);
	if (json_is_object(ho)) {
		m.host_options = ho;
		mc_error_clear(&err);
		if (mc_provision_profile(&m, "test", &text, &err) == 0) {
			check_profile(&m, text);
			free(text);
		}
		mc_error_clear(&err);
		if (mc_provision_dropin(&m, "test", &text, &err) == 0) {
			check_dropin(&m, text);
			free(text);
		}
	}
	json_decref(ho);
	free(osr);
	return 0;
}
