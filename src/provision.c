#include "buildconf.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "log.h"
#include "provision.h"
#include "userdata.h"
#include "util.h"

#define B2D_DIR "/var/lib/boot2docker"
#define SYSTEMD_DIR "/etc/docker"
/* Uploads land here first (the SSH user's home), then sudo moves them. */
#define STAGING ".machinectl-provision"
/* The machine OS's one-step provisioning: a tar of every file on stdin,
 * installed at once, then dockerd started once (scripts/iso). */
#define ONE_STEP "/usr/lib/machinectl-os/provision"

static void phase(const struct mc_provision *p, const char *msg)
{
	if (p->phase)
		p->phase(p->arg, msg);
}

/* Value of KEY= in an os-release text (quotes removed); malloc'd or NULL. */
static char *os_release_value(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t n = strcspn(l, "\n");

		if (n > kl && !strncmp(l, key, kl) && l[kl] == '=') {
			const char *v = l + kl + 1;
			size_t vl = n - kl - 1;

			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
				v++;
				vl -= 2;
			}
			return mc_strndup(v, vl);
		}
	}
	return NULL;
}

static bool word_in(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *s = list; s && *s;) {
		size_t n = strcspn(s, " ");

		if (n == wl && !strncmp(s, word, n))
			return true;
		s += n;
		while (*s == ' ')
			s++;
	}
	return false;
}

int mc_provision_detect(const char *os_release, enum mc_guest_os *os, char **name,
			struct mc_error *err)
{
	const char *sep = strstr(os_release, "\n---\n");
	_cleanup_free_ char *mos = NULL, *id = NULL, *like = NULL, *ver = NULL;

	/* The detect command prints machinectl-os-release, "---", os-release. */
	if (sep) {
		_cleanup_free_ char *first = mc_strndup(os_release, (size_t)(sep - os_release));

		mos = os_release_value(first, "VERSION");
		if (!mos && strstr(first, "="))
			mos = mc_strdup("");
		os_release = sep + 5;
	}
	if (mos) {
		*os = MC_GUEST_MACHINECTL_OS;
		*name = *mos ? mc_asprintf("machinectl-os %s", mos) : mc_strdup("machinectl-os");
		return 0;
	}
	id = os_release_value(os_release, "ID");
	like = os_release_value(os_release, "ID_LIKE");
	ver = os_release_value(os_release, "VERSION_ID");
	if (mc_streq(id, "boot2docker")) {
		*os = MC_GUEST_BOOT2DOCKER;
		*name = mc_asprintf("boot2docker%s%s", ver ? " " : "", ver ? ver : "");
		return 0;
	}
	if (mc_streq(id, "debian") || mc_streq(id, "ubuntu") || word_in(like, "debian") ||
	    word_in(like, "ubuntu")) {
		*os = MC_GUEST_SYSTEMD_DEBIAN;
		*name = mc_asprintf("%s%s%s", id, ver ? " " : "", ver ? ver : "");
		return 0;
	}
	*os = MC_GUEST_UNKNOWN;
	return mc_error_set(err, MC_E_UNSUPPORTED,
			    "OS type not recognized: the guest's /etc/os-release says ID=%s; machinectl provisions machinectl-os, boot2docker, Debian and Ubuntu",
			    id ? id : "(none)");
}

bool mc_provision_one_step(const char *detect_out)
{
	const char *sep = strstr(detect_out, "\n---\n");
	_cleanup_free_ char *first = sep ? mc_strndup(detect_out, (size_t)(sep - detect_out)) : NULL;
	_cleanup_free_ char *v = first ? os_release_value(first, "PROVISION") : NULL;

	return mc_streq(v, "1");
}

static json_t *engine_opt(const struct mc_machine *m, const char *key)
{
	return json_object_get(json_object_get(m->host_options, "EngineOptions"), key);
}

/* A value that reaches the daemon's command line: no control characters;
 * the boot2docker profile also splits EXTRA_ARGS on whitespace, so no blanks there. */
static int check_value(const char *what, const char *v, bool no_blanks, struct mc_error *err)
{
	if (!mc_str_utf8(v))
		return mc_error_set(err, MC_E_INVALID,
				    "%s \"%s\" is not valid UTF-8, which the machine's record (config.json) cannot hold",
				    what, v);
	for (const char *c = v; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return mc_error_set(err, MC_E_INVALID,
					    "%s \"%s\" contains a control character, which the Docker daemon's options cannot hold",
					    what, v);
		if (no_blanks && *c == ' ')
			return mc_error_set(err, MC_E_INVALID,
					    "%s \"%s\" contains a space, which the boot2docker-style profile (EXTRA_ARGS) cannot carry",
					    what, v);
	}
	return 0;
}

static bool var_name(const char *s, size_t n)
{
	if (!n || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || isalnum((unsigned char)s[i])))
			return false;
	return true;
}

/* A dockerd flag name: lowercase letters, digits and inner hyphens. */
static bool flag_name(const char *s, size_t n)
{
	if (!n || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

/* A value refused at create is a usage error (exit 2). */
static int usage(struct mc_error *err)
{
	if (err)
		err->code = MC_E_USAGE;
	return -1;
}

/* dockerd refuses to start with two values of one label ("conflict labels
 * for K=V1 and K=V2"), provider=DRIVER, which every machine gets, included,
 * and with a label that is not KEY=VALUE.  Labels come from --engine-label
 * (their '=' checked before) and --engine-opt label=KEY=VALUE. */
static int check_label_conflicts(const struct mc_engine_opts *o, struct mc_error *err)
{
	_cleanup_strv_ char **all = NULL, **from = NULL;   /* each label, and what gave it */

	for (char **l = o->labels; l && *l; l++) {
		mc_strv_push(&all, mc_strdup(*l));
		mc_strv_push(&from, mc_asprintf("--engine-label \"%s\"", *l));
	}
	for (char **l = o->opts; l && *l; l++)
		if (mc_startswith(*l, "label=")) {
			mc_strv_push(&all, mc_strdup(*l + 6));
			mc_strv_push(&from, mc_asprintf("--engine-opt \"%s\"", *l));
		}
	for (size_t i = 0; all && all[i]; i++) {
		size_t k = strcspn(all[i], "=");

		if (!all[i][k] || !k)
			return mc_error_set(err, MC_E_USAGE,
					    "invalid %s: a label is KEY=VALUE (dockerd refuses to start with another)", from[i]);
		if (o->driver && k == 8 && !strncmp(all[i], "provider", k) && strcmp(all[i] + k + 1, o->driver))
			return mc_error_set(err, MC_E_USAGE,
					    "invalid %s: machinectl labels the Docker daemon provider=%s, and dockerd refuses to start with two values of one label: use another key",
					    from[i], o->driver);
		for (size_t j = 0; j < i; j++)
			if (!strncmp(all[j], all[i], k + 1) && strcmp(all[j], all[i]))
				return mc_error_set(err, MC_E_USAGE,
						    "invalid %s: %s gives the same key another value, and dockerd refuses to start with two values of one label",
						    from[i], from[j]);
	}
	return 0;
}

int mc_provision_check_engine(const struct mc_engine_opts *o, struct mc_error *err)
{
	for (char **l = o->env; l && *l; l++) {
		const char *eq = strchr(*l, '=');

		if (!eq || !var_name(*l, (size_t)(eq - *l)))
			return mc_error_set(err, MC_E_USAGE,
					    "invalid --engine-env \"%s\": expected KEY=VALUE, KEY a variable name (letters, digits, _)",
					    *l);
		if (check_value("--engine-env", *l, false, err) < 0)
			return usage(err);
	}
	for (char **l = o->labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');

		if (!eq || eq == *l || **l == '-')
			return mc_error_set(err, MC_E_USAGE, "invalid --engine-label \"%s\": expected KEY=VALUE", *l);
		if (check_value("--engine-label", *l, o->no_blanks, err) < 0)
			return usage(err);
	}
	if (check_label_conflicts(o, err) < 0)
		return -1;
	for (char **l = o->opts; l && *l; l++) {
		size_t n = strcspn(*l, "=");

		if (!flag_name(*l, n))
			return mc_error_set(err, MC_E_USAGE,
					    "invalid --engine-opt \"%s\": expected NAME=VALUE or NAME, NAME a dockerd flag without its dashes (log-level=debug, experimental)",
					    *l);
		if (check_value("--engine-opt", *l, o->no_blanks, err) < 0)
			return usage(err);
	}
	for (int k = 0; k < 2; k++)
		for (char **l = k ? o->mirrors : o->insecure; l && *l; l++) {
			const char *what = k ? "--engine-registry-mirror" : "--engine-insecure-registry";

			bool url = !strncmp(*l, "http://", 7) || !strncmp(*l, "https://", 8);

			/* dockerd refuses a mirror without http(s)://, and an
			 * insecure registry with a scheme. */
			if (!**l || **l == '-' || strpbrk(*l, " \t") || (k ? !url : strstr(*l, "://") != NULL))
				return mc_error_set(err, MC_E_USAGE, "invalid %s \"%s\": expected %s", what, *l,
						    k ? "an http:// or https:// URL (https://mirror.example:5000)" :
							"a registry without a scheme (host:port, or a CIDR)");
			if (check_value(what, *l, false, err) < 0)
				return usage(err);
		}
	if (o->storage_driver && *o->storage_driver) {
		for (const char *c = o->storage_driver; *c; c++)
			if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '_'))
				return mc_error_set(err, MC_E_USAGE,
						    "invalid --engine-storage-driver \"%s\": expected a storage driver name (overlay2, btrfs, zfs...)",
						    o->storage_driver);
	}
	return 0;
}

char **mc_provision_daemon_args(const struct mc_machine *m, const char *driver_name,
				enum mc_guest_os os, struct mc_error *err)
{
	bool b2d = os == MC_GUEST_MACHINECTL_OS || os == MC_GUEST_BOOT2DOCKER;
	char **argv = mc_calloc(1, sizeof(char *));
	static const struct {
		const char *key, *flag, *what;
	} lists[] = {
		{ "Labels", "--label", "--engine-label" },
		{ "InsecureRegistry", "--insecure-registry", "--engine-insecure-registry" },
		{ "RegistryMirror", "--registry-mirror", "--engine-registry-mirror" },
	};
	size_t i;
	json_t *v;

	mc_strv_push(&argv, mc_asprintf("--label=provider=%s", driver_name));
	for (size_t k = 0; k < MC_ARRAY_SIZE(lists); k++) {
		json_array_foreach(engine_opt(m, lists[k].key), i, v) {
			const char *s = json_string_value(v);

			if (!s)
				continue;
			if (check_value(lists[k].what, s, b2d, err) < 0)
				goto fail;
			mc_strv_push(&argv, mc_asprintf("%s=%s", lists[k].flag, s));
		}
	}
	json_array_foreach(engine_opt(m, "ArbitraryFlags"), i, v) {
		const char *s = json_string_value(v);

		if (!s)
			continue;
		if (check_value("--engine-opt", s, b2d, err) < 0)
			goto fail;
		mc_strv_push(&argv, mc_asprintf("--%s", s));
	}
	if (!b2d) {
		const char *sd = json_string_value(engine_opt(m, "StorageDriver"));

		if (sd && *sd) {
			if (check_value("--engine-storage-driver", sd, false, err) < 0)
				goto fail;
			mc_strv_push(&argv, mc_asprintf("--storage-driver=%s", sd));
		}
	}
	return argv;
fail:
	mc_strv_free(argv);
	return NULL;
}

static void append(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(char **buf, const char *fmt, ...)
{
	va_list ap;
	char *add, *n;

	va_start(ap, fmt);
	if (vasprintf(&add, fmt, ap) < 0)
		abort();
	va_end(ap);
	n = mc_asprintf("%s%s", *buf ? *buf : "", add);
	free(add);
	free(*buf);
	*buf = n;
}

int mc_provision_profile(const struct mc_machine *m, const char *driver_name, char **out,
			 struct mc_error *err)
{
	_cleanup_strv_ char **args = mc_provision_daemon_args(m, driver_name, MC_GUEST_MACHINECTL_OS, err);
	_cleanup_free_ char *extra = NULL, *q = NULL;
	const char *sd = json_string_value(engine_opt(m, "StorageDriver"));
	char *text = NULL;
	size_t i;
	json_t *v;

	if (!args)
		return -1;
	for (char **a = args; *a; a++)
		append(&extra, "\n%s", *a);
	append(&extra, "\n");
	q = mc_shell_quote(extra);
	append(&text, "# Written by machinectl provisioning; sourced by /etc/init.d/docker.\n");
	append(&text, "EXTRA_ARGS=%s\n", q);
	append(&text, "CACERT=" B2D_DIR "/ca.pem\n");
	append(&text, "DOCKER_HOST='-H tcp://0.0.0.0:2376'\n");
	if (sd && *sd) {
		_cleanup_free_ char *qs = NULL;

		if (check_value("--engine-storage-driver", sd, true, err) < 0) {
			free(text);
			return -1;
		}
		qs = mc_shell_quote(sd);
		append(&text, "DOCKER_STORAGE=%s\n", qs);
	} else {
		append(&text, "DOCKER_STORAGE=overlay2\n");
	}
	append(&text, "DOCKER_TLS=auto\n");
	append(&text, "SERVERKEY=" B2D_DIR "/server-key.pem\n");
	append(&text, "SERVERCERT=" B2D_DIR "/server.pem\n");
	json_array_foreach(engine_opt(m, "Env"), i, v) {
		const char *kv = json_string_value(v), *eq = kv ? strchr(kv, '=') : NULL;
		_cleanup_free_ char *key = NULL, *val = NULL;

		if (!eq || eq == kv || check_value("--engine-env", kv, false, err) < 0) {
			if (kv && (!eq || eq == kv))
				mc_error_set(err, MC_E_INVALID, "--engine-env \"%s\" is not KEY=VALUE", kv);
			free(text);
			return -1;
		}
		key = mc_strndup(kv, (size_t)(eq - kv));
		for (const char *c = key; *c; c++)
			if (!(*c == '_' || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
			      (c > key && *c >= '0' && *c <= '9'))) {
				free(text);
				return mc_error_set(err, MC_E_INVALID,
						    "--engine-env \"%s\": \"%s\" is not a valid variable name",
						    kv, key);
			}
		val = mc_shell_quote(eq + 1);
		append(&text, "export %s=%s\n", key, val);
	}
	*out = text;
	return 0;
}

/* One quoted word of a systemd setting, with \ " escaped and the specifier
 * character (%) doubled; `$` is doubled only where systemd expands variables
 * (ExecStart=), not in Environment=, where it has no special meaning. */
static char *systemd_word(const char *s, bool dollar)
{
	char *out = mc_malloc(strlen(s) * 2 + 3), *w = out;

	*w++ = '"';
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			*w++ = '\\';
		else if (*s == '%' || (dollar && *s == '$'))
			*w++ = *s;
		*w++ = *s;
	}
	*w++ = '"';
	*w = '\0';
	return out;
}

int mc_provision_dropin(const struct mc_machine *m, const char *driver_name, char **out,
			struct mc_error *err)
{
	_cleanup_strv_ char **args = mc_provision_daemon_args(m, driver_name, MC_GUEST_SYSTEMD_DEBIAN, err);
	char *text = NULL;
	size_t i;
	json_t *v;

	if (!args)
		return -1;
	append(&text, "# Written by machinectl provisioning.\n[Service]\nExecStart=\n");
	append(&text, "ExecStart=/usr/sbin/dockerd -H tcp://0.0.0.0:2376 -H unix:///var/run/docker.sock"
		      " --tlsverify --tlscacert " SYSTEMD_DIR "/ca.pem --tlscert " SYSTEMD_DIR
		      "/server.pem --tlskey " SYSTEMD_DIR "/server-key.pem");
	for (char **a = args; *a; a++) {
		_cleanup_free_ char *w = systemd_word(*a, true);

		append(&text, " %s", w);
	}
	append(&text, "\nEnvironment=\n");
	json_array_foreach(engine_opt(m, "Env"), i, v) {
		const char *kv = json_string_value(v);
		_cleanup_free_ char *w = NULL;

		if (!kv || !strchr(kv, '=') || check_value("--engine-env", kv, false, err) < 0) {
			if (kv && !strchr(kv, '='))
				mc_error_set(err, MC_E_INVALID, "--engine-env \"%s\" is not KEY=VALUE", kv);
			free(text);
			return -1;
		}
		w = systemd_word(kv, false);
		append(&text, "Environment=%s\n", w);
	}
	*out = text;
	return 0;
}

int mc_provision_check_options(const struct mc_machine *m, const char *driver_name,
			       struct mc_error *err)
{
	_cleanup_free_ char *dropin = NULL;

	/* What every guest refuses (the drop-in is the lenient one); the
	 * boot2docker profile's stricter rules (no blanks) are checked when it
	 * is written, as the guest's OS is known only then. */
	return mc_provision_dropin(m, driver_name, &dropin, err);
}

/* How a systemd guest without dockerd gets Docker: Debian's docker.io
 * package, or (create --engine-install-url URL) the install script at URL
 * run with sh, as docker-machine's generic provisioner does, or ("") not at
 * all.  The URL was checked at create (http(s), no shell characters). */
static char *install_cmd(const struct mc_machine *m)
{
	json_t *u = engine_opt(m, "InstallURL");
	_cleanup_free_ char *q = NULL;

	if (!json_is_string(u))
		return mc_strdup("command -v dockerd >/dev/null || { sudo apt-get update -qq && "
				 "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null; }");
	if (!*json_string_value(u))
		return mc_strdup("command -v dockerd >/dev/null || { echo 'Docker is not installed on the machine, and --engine-install-url \"\" says not to install it' >&2; exit 1; }");
	q = mc_shell_quote(json_string_value(u));
	/* Downloaded first: `curl | sh` would run half a script, or none, and succeed. */
	return mc_asprintf("command -v dockerd >/dev/null && exit 0; "
			   "{ command -v curl >/dev/null || { sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null; }; } && "
			   "f=$(mktemp) && curl -fsSL %s -o \"$f\" && sh \"$f\"; r=$?; rm -f \"$f\"; [ $r = 0 ] || exit $r; "
			   "command -v dockerd >/dev/null || { echo 'the install script from %s ran, but dockerd is still not installed' >&2; exit 1; }",
			   q, json_string_value(u));
}

/* Run a command (stdin: in_len bytes of in) that must succeed; its stderr
 * goes into the error. */
static int must_run_in(struct mc_ssh *s, const struct mc_provision *p, const char *what,
		       const char *cmd, const void *in, size_t in_len, int timeout_ms,
		       struct mc_error *err)
{
	struct mc_run_result r;
	struct mc_ssh_opts o = { .in = in, .in_len = in_len, .timeout_ms = timeout_ms };

	if (mc_ssh_run(s, cmd, &o, &r, err) < 0) {
		mc_error_prefix(err, "%s: ", what);
		mc_error_machine(err, p->m->name);
		return -1;
	}
	if (r.status != 0) {
		size_t n = r.err_len;

		while (n && (r.err[n - 1] == '\n' || r.err[n - 1] == '\r'))
			r.err[--n] = '\0';
		mc_error_setm(err, p->m->name, MC_E_FAILED, "%s failed (exit %d)%s%s", what,
			      r.status, n ? ": " : "", n ? r.err : "");
		mc_run_result_free(&r);
		return -1;
	}
	mc_run_result_free(&r);
	return 0;
}

static int must_run(struct mc_ssh *s, const struct mc_provision *p, const char *what,
		    const char *cmd, int timeout_ms, struct mc_error *err)
{
	return must_run_in(s, p, what, cmd, NULL, 0, timeout_ms, err);
}

/* Upload data to DIR/NAME as root with mode: SFTP to the staging directory
 * in the SSH user's home, then sudo moves it (the user cannot write DIR). */
static int upload_root(struct mc_ssh *s, const struct mc_provision *p, const char *dir,
		       const char *name, const char *data, const char *mode, struct mc_error *err)
{
	_cleanup_free_ char *staged = mc_asprintf(STAGING "/%s", name);
	/* cp + chmod + mv: the rename makes the new file appear whole (busybox
	 * guests have no install(1)). */
	_cleanup_free_ char *cmd = mc_asprintf("sudo mkdir -p %s && sudo cp %s %s/.%s.new && sudo chmod %s %s/.%s.new && "
					       "sudo mv -f %s/.%s.new %s/%s && rm -f %s",
					       dir, staged, dir, name, mode, dir, name, dir, name, dir, name, staged);
	_cleanup_free_ char *what = mc_asprintf("installing %s/%s", dir, name);

	if (mc_ssh_upload(s, data, strlen(data), staged, 0600, err) < 0) {
		mc_error_prefix(err, "uploading %s: ", name);
		mc_error_machine(err, p->m->name);
		return -1;
	}
	return must_run(s, p, what, cmd, 30000, err);
}

#define INSTALLED_MARK "\n--- installed\n"

static bool boot_files_match(const struct mc_provision *p, const char *installed);

const char *mc_provision_installed(const char *detect_out)
{
	const char *i = strstr(detect_out, INSTALLED_MARK);

	return i ? i + strlen(INSTALLED_MARK) : NULL;
}

/* *one_step: the guest has the machine OS's one-step provisioning; then
 * *boot_done: it has installed exactly the files p would send (at its first
 * boot, p->boot_files), and dockerd was started with them. */
static int detect(struct mc_ssh *s, const struct mc_provision *p, enum mc_guest_os *os,
		  char **name, bool *one_step, bool *boot_done, struct mc_error *err)
{
	struct mc_run_result r;
	const char *installed;
	int rc;

	*boot_done = false;
	/* What the first boot installed is read back only when it had files. */
#define DETECT_OS "cat /etc/machinectl-os-release 2>/dev/null; test -x " ONE_STEP " && echo PROVISION=1; " \
		  "echo; echo ---; cat /etc/os-release"
	if (mc_ssh_run(s, p->boot_files ?
		       DETECT_OS "; test -x " ONE_STEP " || exit 0; "
		       "echo; echo '--- installed'; sudo -n cat " B2D_DIR "/server.pem " B2D_DIR "/profile 2>/dev/null; true" :
		       DETECT_OS,
		       NULL, &r, err) < 0) {
		mc_error_prefix(err, "detecting the OS: ");
		mc_error_machine(err, p->m->name);
		return -1;
	}
#undef DETECT_OS
	installed = mc_provision_installed(r.out);
	if (installed)  /* the OS's parts end where it begins */
		r.out[installed - strlen(INSTALLED_MARK) - r.out] = '\0';
	rc = mc_provision_detect(r.out, os, name, err);
	*one_step = rc == 0 && *os == MC_GUEST_MACHINECTL_OS && mc_provision_one_step(r.out);
	if (*one_step && p->boot_files && installed)
		*boot_done = boot_files_match(p, installed);
	mc_run_result_free(&r);
	if (rc < 0)
		mc_error_machine(err, p->m->name);
	return rc;
}

static bool is_b2d(enum mc_guest_os os)
{
	return os == MC_GUEST_MACHINECTL_OS || os == MC_GUEST_BOOT2DOCKER;
}

/* With remake, a new server certificate for p->ip before the files go. */
static int remake_server(const struct mc_provision *p, bool remake, struct mc_error *err)
{
	const char *const ips[] = { p->ip, NULL };

	return remake ? mc_certs_machine_server(p->certs, p->m, ips, err) : 0;
}

/* The machine OS's one-step tar: hostname (when given), the TLS files of
 * m's directory, the profile and sshd's host keys (when given). */
static int files_tar(const struct mc_machine *m, const char *hostname, const char *profile,
		     const struct mc_ssh_host_keys *keys, struct mc_tar *t, struct mc_error *err)
{
	struct mc_certs_upload up = { 0 };
	time_t now = time(NULL);

	if (mc_certs_upload_files(m, &up, err) < 0)
		return -1;
	if (hostname) {
		_cleanup_free_ char *line = mc_asprintf("%s\n", hostname);

		mc_tar_add(t, "hostname", '0', 0600, line, strlen(line), now);
	}
	mc_tar_add(t, "ca.pem", '0', 0600, up.ca_pem, strlen(up.ca_pem), now);
	mc_tar_add(t, "server.pem", '0', 0600, up.server_pem, strlen(up.server_pem), now);
	mc_tar_add(t, "server-key.pem", '0', 0600, up.server_key_pem, strlen(up.server_key_pem), now);
	if (profile)
		mc_tar_add(t, "profile", '0', 0600, profile, strlen(profile), now);
	if (keys) {
		mc_tar_add(t, "ssh_host_ed25519_key", '0', 0600, keys->ed25519, strlen(keys->ed25519), now);
		mc_tar_add(t, "ssh_host_ecdsa_key", '0', 0600, keys->ecdsa, strlen(keys->ecdsa), now);
	}
	mc_tar_end(t);
	mc_certs_upload_free(&up);
	return 0;
}

int mc_provision_boot_tar(const struct mc_machine *m, const char *driver_name,
			  const struct mc_ssh_host_keys *keys, struct mc_tar *t, struct mc_error *err)
{
	_cleanup_free_ char *profile = NULL;

	if (mc_provision_profile(m, driver_name, &profile, err) < 0)
		return -1;
	return files_tar(m, m->name, profile, keys, t, err);
}

/* Whether the guest's installed server.pem and profile (detect's last part)
 * are this machine's server.pem and the profile provisioning would write. */
static bool boot_files_match(const struct mc_provision *p, const char *installed)
{
	struct mc_certs_upload up = { 0 };
	_cleanup_free_ char *profile = NULL, *want = NULL;
	struct mc_error e = { 0 };

	if (!mc_certs_machine_server_has_ip(p->m, p->ip) || mc_certs_upload_files(p->m, &up, &e) < 0 ||
	    mc_provision_profile(p->m, p->driver_name, &profile, &e) < 0) {
		mc_certs_upload_free(&up);
		return false;
	}
	want = mc_asprintf("%s%s", up.server_pem, profile);
	mc_certs_upload_free(&up);
	return !strcmp(installed, want);
}

/* Upload the server files (ca.pem, server.pem, server-key.pem) one by one. */
static int upload_certs(struct mc_ssh *s, const struct mc_provision *p, enum mc_guest_os os,
			bool remake, struct mc_error *err)
{
	const char *dir = is_b2d(os) ? B2D_DIR : SYSTEMD_DIR;
	struct mc_certs_upload up = { 0 };
	int r;

	if (remake_server(p, remake, err) < 0 || mc_certs_upload_files(p->m, &up, err) < 0)
		return -1;
	r = (must_run(s, p, "preparing the upload", "mkdir -p " STAGING " && chmod 700 " STAGING,
		      30000, err) < 0 ||
	     upload_root(s, p, dir, "ca.pem", up.ca_pem, "0644", err) < 0 ||
	     upload_root(s, p, dir, "server.pem", up.server_pem, "0644", err) < 0 ||
	     upload_root(s, p, dir, "server-key.pem", up.server_key_pem, "0600", err) < 0)
		? -1 : 0;
	mc_certs_upload_free(&up);
	return r;
}

/* The machine OS: hostname (when given), the TLS files (a new server
 * certificate with remake) and the profile (when given) in one tar, installed
 * by one command that then (re)starts dockerd once. */
static int one_step(struct mc_ssh *s, const struct mc_provision *p, const char *hostname,
		    bool remake, const char *profile, struct mc_error *err)
{
	struct mc_tar t = { NULL, 0 };
	int r;

	if (remake_server(p, remake, err) < 0 || files_tar(p->m, hostname, profile, NULL, &t, err) < 0)
		return -1;
	if (profile)
		phase(p, "Setting Docker configuration on the remote daemon...");
	r = must_run_in(s, p, "installing the TLS files and starting Docker", "sudo " ONE_STEP, t.data,
			t.len, 120000, err);
	free(t.data);
	return r;
}

static int restart_docker(struct mc_ssh *s, const struct mc_provision *p, enum mc_guest_os os,
			  struct mc_error *err)
{
	if (is_b2d(os))
		return must_run(s, p, "restarting Docker", "sudo /etc/init.d/docker restart", 120000, err);
	return must_run(s, p, "restarting Docker",
			"sudo systemctl daemon-reload && sudo systemctl enable docker >/dev/null 2>&1; sudo systemctl restart docker",
			120000, err);
}

int mc_provision_wait_docker(const struct mc_provision *p, struct mc_error *err)
{
	struct mc_engine_target t = { p->m->name, p->url, p->m->dir };
	int timeout = 120000;
	long long deadline = mc_now_ms() + timeout;
	struct mc_error last = { 0 };

	for (;;) {
		_cleanup_free_ char *why = NULL;

		mc_error_clear(&last);
		if (mc_engine_ping(&t, 5000, &last) == 0)
			return 0;
		if (p->gave_up && (why = p->gave_up(p->gave_up_arg)))
			return mc_error_setm(err, p->m->name, MC_E_FAILED,
					     "Docker did not start in the machine; its console says: %s ('machinectl ssh %s sudo tail /var/log/docker.log' shows the daemon's log)",
					     why, p->m->name);
		/* A TLS refusal will not heal by waiting. */
		if (last.code == MC_E_TLS || mc_now_ms() >= deadline)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 250 * 1000 * 1000 }, NULL);
	}
	return mc_error_setm(err, p->m->name, last.code == MC_E_TLS ? MC_E_TLS : MC_E_TIMEOUT,
			     "Docker did not answer over TLS at %s within %d s: %s (the daemon's log is /var/log/docker.log in the machine)",
			     p->url, timeout / 1000, last.msg);
}

int mc_provision_wait_own_docker(const struct mc_provision *p, struct mc_error *err)
{
	struct mc_engine_target t = { p->m->name, p->url, p->m->dir };
	_cleanup_json_ json_t *info = NULL;
	_cleanup_free_ char *shown = NULL;
	const char *name;

	if (mc_provision_wait_docker(p, err) < 0 || mc_engine_get(&t, "/info", 20000, &info, err) < 0)
		return -1;
	name = mc_json_str(info, "Name");
	if (name && !strcmp(name, p->m->name))
		return 0;
	shown = mc_printable(name ? name : "");
	return mc_error_setm(err, p->m->name, MC_E_STATE,
			     "the Docker daemon at %s is not this machine's: it calls itself \"%s\". Another machine answers at the address %s; see 'machinectl ls', and remove this one with 'machinectl rm -f %s'",
			     p->url, shown, p->ip, p->m->name);
}

int mc_provision_run(const struct mc_provision *p, struct mc_error *err)
{
	struct mc_ssh *s = NULL;
	enum mc_guest_os os;
	_cleanup_free_ char *osname = NULL, *msg = NULL, *cmd = NULL, *conf = NULL;
	bool fast, boot_done;
	int r = -1;

	if (mc_ssh_connect(p->ep, &s, err) < 0)
		return -1;
	phase(p, "Detecting the provisioner...");
	if (detect(s, p, &os, &osname, &fast, &boot_done, err) < 0)
		goto out;
	msg = mc_asprintf("Provisioning with %s...", osname);
	phase(p, msg);
	if (boot_done) {
		phase(p, "The machine OS started Docker with its certificates at boot...");
		goto check;
	}
	if (fast) {
		phase(p, "Copying certs to the remote machine...");
		if (mc_provision_profile(p->m, p->driver_name, &conf, err) < 0 ||
		    one_step(s, p, p->m->name, true, conf, err) < 0)
			goto out;
		goto check;
	}
	/* The name was validated ([a-zA-Z0-9.-]), so it is safe in a command line. */
	if (is_b2d(os))
		cmd = mc_asprintf("sudo /usr/bin/sethostname %s && sudo mkdir -p " B2D_DIR "/etc && echo %s | sudo tee " B2D_DIR "/etc/hostname >/dev/null",
				  p->m->name, p->m->name);
	else
		cmd = mc_asprintf("sudo hostname %s && echo %s | sudo tee /etc/hostname >/dev/null && "
				  "(grep -q '127.0.1.1 %s$' /etc/hosts || echo '127.0.1.1 %s' | sudo tee -a /etc/hosts >/dev/null)",
				  p->m->name, p->m->name, p->m->name, p->m->name);
	if (must_run(s, p, "setting the hostname", cmd, 600000, err) < 0)
		goto out;
	if (!is_b2d(os)) {
		_cleanup_free_ char *inst = install_cmd(p->m);

		if (must_run(s, p, "installing Docker", inst, 600000, err) < 0)
			goto out;
	}
	phase(p, "Copying certs to the remote machine...");
	if (upload_certs(s, p, os, true, err) < 0)
		goto out;
	phase(p, "Setting Docker configuration on the remote daemon...");
	if (is_b2d(os)) {
		if (mc_provision_profile(p->m, p->driver_name, &conf, err) < 0 ||
		    upload_root(s, p, B2D_DIR, "profile", conf, "0644", err) < 0)
			goto out;
	} else {
		if (mc_provision_dropin(p->m, p->driver_name, &conf, err) < 0 ||
		    upload_root(s, p, "/etc/systemd/system/docker.service.d", "10-machinectl.conf",
				conf, "0644", err) < 0)
			goto out;
	}
	if (restart_docker(s, p, os, err) < 0)
		goto out;
check:
	phase(p, "Checking connection to Docker...");
	r = mc_provision_wait_docker(p, err);
out:
	mc_ssh_close(s);
	return r;
}

static int certs_and_restart(const struct mc_provision *p, bool remake, struct mc_error *err)
{
	struct mc_ssh *s = NULL;
	enum mc_guest_os os;
	_cleanup_free_ char *osname = NULL;
	bool fast, boot_done;
	int r = -1;

	if (mc_ssh_connect(p->ep, &s, err) < 0)
		return -1;
	if (detect(s, p, &os, &osname, &fast, &boot_done, err) == 0 &&
	    (fast ? one_step(s, p, NULL, remake, NULL, err) == 0
		  : upload_certs(s, p, os, remake, err) == 0 && restart_docker(s, p, os, err) == 0))
		r = mc_provision_wait_docker(p, err);
	mc_ssh_close(s);
	return r;
}

int mc_provision_certs(const struct mc_provision *p, struct mc_error *err)
{
	return certs_and_restart(p, true, err);
}

int mc_provision_push_certs(const struct mc_provision *p, struct mc_error *err)
{
	return certs_and_restart(p, false, err);
}
