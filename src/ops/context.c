/*
 * Docker contexts for machines (`machinectl context`, doc/docker-context.md):
 * made, switched to and removed through the docker CLI, so the CLI's own
 * store (~/.docker/contexts, or $DOCKER_CONFIG) stays the CLI's.
 *
 * A context machinectl made is recorded in the machine's directory (the file
 * docker-context holds its name) and carries the description "machinectl:
 * machine NAME (store ROOT)"; rm removes it only then, and `context` never
 * overwrites a context of the same name that someone else made, nor the one
 * made for a machine of that name in another store.
 */
#include "buildconf.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ops-internal.h"
#include "proc.h"
#include "util.h"

#define CONTEXT_FILE "docker-context"

char *mc_ops_context_name(const char *machine)
{
	/* "default" is the docker CLI's own context, and its names have at
	 * least two characters. */
	if (!strcmp(machine, "default") || strlen(machine) < 2)
		return mc_asprintf("machinectl-%s", machine);
	return mc_strdup(machine);
}

/* The description machinectl gives a context: the machine and its store,
 * as two stores may each hold a machine of that name. */
static char *description(const struct mc_session *s, const char *machine)
{
	return mc_asprintf("machinectl: machine %s (store %s)", machine, s->store.root);
}

/* Whether a context ctx described desc is the one machinectl made for the
 * machine in machine_dir: its description, or (made before the store was
 * in it) the bare "machinectl: machine NAME" and the machine's record of
 * that context. */
static bool is_mine(const struct mc_session *s, const char *machine, const char *machine_dir, const char *ctx,
		    const char *desc)
{
	_cleanup_free_ char *mine = description(s, machine), *old = mc_asprintf("machinectl: machine %s", machine);
	_cleanup_free_ char *recorded = NULL;

	if (!strcmp(desc, mine))
		return true;
	recorded = strcmp(desc, old) ? NULL : mc_ops_context_of(machine_dir);
	return recorded && !strcmp(recorded, ctx);
}

/* A context of that name that is not this machine's, in words. */
static void not_mine(struct mc_error *err, const char *machine, const char *ctx, const char *desc)
{
	_cleanup_free_ char *old = mc_asprintf("machinectl: machine %s", machine);
	_cleanup_free_ char *prefix = mc_asprintf("%s (store ", old);

	if (!strcmp(desc, old) || !strncmp(desc, prefix, strlen(prefix)))
		mc_error_setm(err, machine, MC_E_EXISTS,
			      "a docker context named \"%s\" exists for a machine \"%s\" of another machinectl store "
			      "(its description: \"%s\"): remove or rename it (docker context rm %s) and run this again",
			      ctx, machine, desc, ctx);
	else
		mc_error_setm(err, machine, MC_E_EXISTS,
			      "a docker context named \"%s\" exists that machinectl did not make (its description: \"%s\"): "
			      "remove or rename it (docker context rm %s) and run this again",
			      ctx, desc, ctx);
}

/* One field of docker's --docker value (CSV): quoted when it holds , or ". */
static void csv_field(char **out, const char *k, const char *v)
{
	char *f = mc_asprintf("%s=%s", k, v), *q, *o;

	if (strpbrk(f, ",\"\r\n")) {
		q = mc_malloc(strlen(f) * 2 + 3);
		o = q;
		*o++ = '"';
		for (const char *p = f; *p; p++) {
			if (*p == '"')
				*o++ = '"';
			*o++ = *p;
		}
		*o++ = '"';
		*o = '\0';
		free(f);
		f = q;
	}
	mc_str_append(out, ",", f);
	free(f);
}

/* Run the docker CLI (argv[0] "docker"); res filled.  No docker: MC_E_NOT_FOUND. */
static int docker(const char *const *argv, struct mc_run_result *res, struct mc_error *err)
{
	_cleanup_free_ char *path = mc_proc_which("docker");

	memset(res, 0, sizeof(*res));
	if (!path)
		return mc_error_set(err, MC_E_NOT_FOUND,
				    "the docker CLI is not installed (no docker in PATH): install it (Debian: docker.io, "
				    "or Docker's docker-ce-cli), or use eval $(machinectl env NAME) instead of a context");
	return mc_proc_run(argv, &(struct mc_run_opts){ .timeout_ms = 60000 }, res, err);
}

static char *first_line(const char *s)
{
	return mc_strndup(s ? s : "", s ? strcspn(s, "\n") : 0);
}

/* The description of context ctx: 1 (and *desc), 0 when there is none. */
static int context_description(const char *ctx, char **desc, struct mc_error *err)
{
	struct mc_run_result r;
	int rc;

	*desc = NULL;
	/* JSON: a --format template's fields differ between docker versions. */
	if (docker((const char *const[]){ "docker", "context", "inspect", ctx, NULL }, &r, err) < 0)
		return -1;
	if (r.status == 0) {
		json_t *j = json_loads(r.out ? r.out : "", 0, NULL);
		json_t *d = json_object_get(json_object_get(json_array_get(j, 0), "Metadata"), "Description");

		*desc = mc_strdup(json_is_string(d) ? json_string_value(d) : "");
		json_decref(j);
		rc = 1;
	} else if (r.err && (strstr(r.err, "does not exist") || strstr(r.err, "context not found"))) {
		/* docker 20.10: 'context "x" does not exist'; 23 and later:
		 * 'context "x": context not found: open .../meta.json: ...' */
		rc = 0;
	} else {
		_cleanup_free_ char *why = first_line(r.err);

		rc = mc_error_set(err, MC_E_FAILED, "docker context inspect %s failed (exit %d): %s", ctx, r.status, why);
	}
	mc_run_result_free(&r);
	return rc;
}

int mc_ops_context(struct mc_session *s, const char *name, bool use, char **ctx_out, bool *updated,
		   struct mc_error *err)
{
	struct mc_handle h;
	_cleanup_free_ char *url = NULL, *ctx = mc_ops_context_name(name), *desc = NULL, *mine = description(s, name),
			    *endpoint = NULL, *ca = NULL, *cert = NULL, *key = NULL, *marker = NULL;
	struct mc_run_result r = { 0 };
	int have, rc = -1;

	*ctx_out = NULL;
	if (mc_handle_open(s, name, MC_OPEN_LOCK, &h, err) < 0)
		return -1;
	if (mc_handle_require_created(&h, err) < 0 || mc_op_url(&h, &url, err) < 0 ||
	    mc_ops_certs_check(&h, url, err) < 0 || (have = context_description(ctx, &desc, err)) < 0)
		goto out;
	if (have && !is_mine(s, name, h.m->dir, ctx, desc)) {
		not_mine(err, name, ctx, desc);
		goto out;
	}
	ca = mc_path_join(h.m->dir, "ca.pem");
	cert = mc_path_join(h.m->dir, "cert.pem");
	key = mc_path_join(h.m->dir, "key.pem");
	csv_field(&endpoint, "host", url);
	csv_field(&endpoint, "ca", ca);
	csv_field(&endpoint, "cert", cert);
	csv_field(&endpoint, "key", key);
	if (docker((const char *const[]){ "docker", "context", have ? "update" : "create", "--description", mine,
					 "--docker", endpoint, ctx, NULL }, &r, err) < 0)
		goto out;
	if (r.status != 0) {
		_cleanup_free_ char *why = first_line(r.err);

		mc_error_setm(err, name, MC_E_FAILED, "docker context %s %s failed (exit %d): %s",
			      have ? "update" : "create", ctx, r.status, why);
		goto out;
	}
	marker = mc_path_join(h.m->dir, CONTEXT_FILE);
	if (mc_write_file_atomic(marker, ctx, strlen(ctx), 0600, err) < 0)
		goto out;
	mc_run_result_free(&r);
	if (use) {
		if (docker((const char *const[]){ "docker", "context", "use", ctx, NULL }, &r, err) < 0)
			goto out;
		if (r.status != 0) {
			_cleanup_free_ char *why = first_line(r.err);

			mc_error_setm(err, name, MC_E_FAILED, "docker context use %s failed (exit %d): %s", ctx,
				      r.status, why);
			goto out;
		}
	}
	*updated = have;
	*ctx_out = ctx;
	ctx = NULL;
	rc = 0;
out:
	mc_run_result_free(&r);
	if (rc < 0)
		mc_error_machine(err, name);
	mc_handle_close(&h);
	return rc;
}

char *mc_ops_context_of(const char *machine_dir)
{
	_cleanup_free_ char *marker = mc_path_join(machine_dir, CONTEXT_FILE);
	char *ctx = NULL;
	size_t len;
	struct mc_error e = { 0 };

	if (mc_read_file(marker, &ctx, &len, &e) < 0)
		return NULL;
	if (!len || strlen(ctx) != len || strpbrk(ctx, "\n/")) {
		free(ctx);
		return NULL;
	}
	return ctx;
}

int mc_ops_context_remove(struct mc_session *s, const char *name, const char *machine_dir)
{
	_cleanup_free_ char *ctx = mc_ops_context_of(machine_dir), *desc = NULL;
	struct mc_error err = { 0 };
	struct mc_run_result r = { 0 };
	int have;

	if (!ctx)
		return 0;
	have = context_description(ctx, &desc, &err);
	if (have == 0)
		return 0;
	if (have > 0 && !is_mine(s, name, machine_dir, ctx, desc)) {
		mc_ui_warn(s, "machine \"%s\": the docker context \"%s\" is not the one machinectl made for it (its description: \"%s\"): left in place",
			   name, ctx, desc);
		return 0;
	}
	if (have > 0 && docker((const char *const[]){ "docker", "context", "rm", "--force", ctx, NULL }, &r, &err) == 0 &&
	    r.status == 0) {
		mc_run_result_free(&r);
		return 0;
	}
	if (err.code == MC_E_OK) {
		_cleanup_free_ char *why = first_line(r.err);

		mc_error_set(&err, MC_E_FAILED, "docker context rm %s failed (exit %d): %s", ctx, r.status, why);
	}
	mc_ui_warn(s, "machine \"%s\": its docker context \"%s\" was not removed: %s (remove it with: docker context rm %s)",
		   name, ctx, err.msg, ctx);
	mc_run_result_free(&r);
	return -1;
}

char *mc_ops_context_current(void)
{
	const char *env = getenv("DOCKER_CONTEXT"), *dir = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	_cleanup_free_ char *path = NULL;
	json_t *cfg, *cur;
	char *out = NULL;

	/* The docker CLI's order: DOCKER_HOST wins over any context. */
	if (getenv("DOCKER_HOST") && *getenv("DOCKER_HOST"))
		return NULL;
	if (env && *env)
		return strcmp(env, "default") ? mc_strdup(env) : NULL;
	if (dir && *dir)
		path = mc_path_join(dir, "config.json");
	else if (home && *home)
		path = mc_asprintf("%s/.docker/config.json", home);
	else
		return NULL;
	cfg = json_load_file(path, 0, NULL);
	cur = json_object_get(cfg, "currentContext");
	if (json_is_string(cur) && *json_string_value(cur) && strcmp(json_string_value(cur), "default"))
		out = mc_strdup(json_string_value(cur));
	json_decref(cfg);
	return out;
}
