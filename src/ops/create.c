/* create: reserve the names, run the driver, record the machines (in parallel). */
#include "buildconf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "certs.h"
#include "iso.h"
#include "ops-internal.h"
#include "opts.h"
#include "shares.h"
#include "provision.h"
#include "ssh.h"
#include "util.h"

/* Where a driver flag's value came from, highest precedence first. */
enum { RANK_CMDLINE, RANK_ENV, RANK_DRIVER_SECTION, RANK_DEFAULTS, RANK_NONE };

int mc_ops_driver_flags(struct mc_session *s, const struct mc_driver *drv,
			const struct mc_args *a, json_t *out, json_t *origins, struct mc_error *err)
{
	/* The ISO's two spellings (iso, DRIVER-boot2docker-url) are one option:
	 * the one set where precedence is higher wins; on a tie, iso. */
	const char *iso_spelling[2] = { NULL, NULL };
	int iso_rank[2] = { RANK_NONE, RANK_NONE };
	_cleanup_free_ char *section = mc_asprintf("driver.%s", drv->name);

	if (mc_config_check_driver_keys(s->config, drv->name, drv->flags, err) < 0)
		return -1;
	for (const struct mc_driver_flag *f = drv->flags; f && f->name; f++) {
		/* where the value was set, for errors: NULL for the command line */
		_cleanup_free_ char *origin = NULL, *dashed = mc_asprintf("--%s", f->name), *what = NULL;
		const char *v = NULL, *e;
		json_t *val = NULL;
		int rank = RANK_NONE, spelling = -1;
		long long n;

		if (mc_args_named_given(a, f->name)) {
			v = mc_args_named_str(a, f->name);
			rank = RANK_CMDLINE;
		} else if (f->env && (e = getenv(f->env)) && *e) {
			v = e;
			origin = mc_asprintf("$%s", f->env);
			rank = RANK_ENV;
		} else if ((v = mc_config_driver_flag(s->config, drv->name, f->name, &origin))) {
			rank = mc_config_get(s->config, section, f->name) ? RANK_DRIVER_SECTION : RANK_DEFAULTS;
		} else {
			v = f->def;
		}
		/* the value in messages: "--NAME", "--NAME (from $VAR)",
		 * "--NAME (from KEY in [SECTION] of PATH)" */
		what = origin ? mc_asprintf("%s (from %s)", dashed, origin) : mc_strdup(dashed);
		if (!strcmp(f->name, "iso"))
			spelling = 0;
		else if (mc_str_endswith(f->name, "-boot2docker-url"))
			spelling = 1;
		if (spelling >= 0 && v) {
			if (rank == RANK_CMDLINE && mc_iso_check_given(dashed, v, err) < 0)
				return -1;
			if (*v) {
				iso_spelling[spelling] = f->name;
				iso_rank[spelling] = rank;
			}
		}
		switch (f->type) {
		case MC_FLAG_STRING:
			val = v ? json_string(v) : json_null();
			break;
		case MC_FLAG_INT: {
			/* The parser checked the command line's and the
			 * environment's values (driver_options in main.c
			 * gives it the flag's range); config.ini's get the
			 * same check and message here. */
			const struct mc_option o = { .name = f->name, .type = MC_OPT_INT, .min = f->min, .max = f->max };

			if (v && mc_opt_int_value(&o, v, what, &n, err) < 0)
				return -1;
			val = v ? json_integer(n) : json_null();
			break;
		}
		case MC_FLAG_BOOL: {
			bool b = false;

			if (v && mc_parse_bool_value(v, &b) < 0)
				return mc_error_set(err, MC_E_USAGE, "invalid value '%s' for %s: use true or false",
						    v, what);
			val = json_boolean(b);
			break;
		}
		case MC_FLAG_STRINGS:
			val = json_array();
			if (mc_args_named_given(a, f->name)) {
				for (char **l = mc_args_named_list(a, f->name); val && l && *l; l++) {
					if (json_array_append_new(val, json_string(*l)) < 0) {
						json_decref(val);
						val = NULL;
					}
				}
			} else if (v && json_array_append_new(val, json_string(v)) < 0) {
				json_decref(val);
				val = NULL;
			}
			break;
		}
		if (!val)  /* json_string() refuses invalid UTF-8 */
			return mc_error_set(err, MC_E_USAGE, "invalid value for %s: not valid UTF-8", what);
		json_object_set_new(out, f->name, val);
		if (origins && origin)
			json_object_set_new(origins, f->name, json_string(origin));
	}
	if (iso_spelling[0] && iso_spelling[1]) {
		int loser = iso_rank[1] < iso_rank[0] ? 0 : 1;  /* a tie: iso wins */

		if (iso_rank[0] == RANK_CMDLINE && iso_rank[1] == RANK_CMDLINE)
			return mc_error_set(err, MC_E_USAGE,
					    "--%s and --%s are the same option (the boot ISO): give one of them",
					    iso_spelling[0], iso_spelling[1]);
		/* mc_iso_prepare_flags takes the non-empty spelling. */
		json_object_set_new(out, iso_spelling[loser], json_string(""));
		if (origins)
			json_object_del(origins, iso_spelling[loser]);
	}
	return 0;
}

/* Where the ISO that create boots was set (config.ini, the environment), or
 * NULL for the command line and the default. */
static const char *iso_origin(json_t *flags, json_t *origins)
{
	const char *key;
	json_t *v;

	json_object_foreach(flags, key, v) {
		if ((!strcmp(key, "iso") || mc_str_endswith(key, "-boot2docker-url")) && json_is_string(v) &&
		    *json_string_value(v))
			return json_string_value(json_object_get(origins, key));
	}
	return NULL;
}

static json_t *strings_json(char **l)
{
	json_t *arr = json_array();

	for (; l && *l; l++)
		json_array_append_new(arr, json_string(*l));
	return arr;
}

static void record_options(struct mc_machine *m, const struct mc_create_opts *o)
{
	json_t *eng = json_object_get(m->host_options, "EngineOptions");
	json_t *auth = json_object_get(m->host_options, "AuthOptions");
	json_t *ssh = json_object_get(m->host_options, "SSH");
	const char *sd = o->engine_storage_driver;

	json_object_set_new(eng, "ArbitraryFlags", strings_json(o->engine_opt));
	json_object_set_new(eng, "Env", strings_json(o->engine_env));
	json_object_set_new(eng, "InsecureRegistry", strings_json(o->engine_insecure_registry));
	json_object_set_new(eng, "Labels", strings_json(o->engine_label));
	json_object_set_new(eng, "RegistryMirror", strings_json(o->engine_registry_mirror));
	json_object_set_new(eng, "StorageDriver", json_string(sd ? sd : ""));
	if (o->engine_install_url)
		json_object_set_new(eng, "InstallURL", json_string(o->engine_install_url));
	json_object_set_new(auth, "ServerCertSANs", strings_json(o->tls_san));
	json_object_set_new(auth, "KeyType", json_string(o->tls_key_type));
	json_object_set_new(ssh, "KeyType", json_string(o->ssh_key_type));
	/* The shared folders (resolved by mc_ops_create into the flags). */
	json_object_set_new(m->host_options, "Shares", json_deep_copy(json_object_get(o->flags, "shares")));
	/* --no-provision is remembered: start and restart leave Docker alone too. */
	json_object_set_new(m->host_options, "Provision", json_boolean(!o->no_provision));
}

struct create_job {
	struct mc_session *s;
	const struct mc_create_opts *o;
	char **names;
	struct mc_error *errs;
	bool named;                 /* several machines: lines name theirs */
	long long t0;
};

/* The steps before the driver: the record, the client certificates, the SSH key. */
static int create_prepare(struct create_job *j, struct mc_handle *h, const char **phase,
			  struct mc_error *err)
{
	*phase = "pre-create check";
	mc_ui_phase(j->s, h->m->name, j->named, j->t0, "Running pre-create checks...");
	if (mc_op_run(h, MC_OP_PRECREATE, err) < 0) {
		err->code = MC_E_PRECREATE;
		return -1;
	}
	/* Recorded before the driver runs: a crash from here on leaves an entry
	 * that ls shows as Error and rm -f removes. */
	*phase = "record";
	if (mc_handle_save(h, err) < 0)
		return -1;
	mc_test_point("create-after-record");
	*phase = "TLS certificates";
	if (mc_ops_certs_install(j->s, h->m, err) < 0)
		return -1;
	mc_test_point("create-after-certs");
	/* The driver's create installs the public key in the guest. */
	if (h->drv->has_ssh) {
		_cleanup_free_ char *comment = mc_asprintf("machinectl:%s", h->m->name);

		*phase = "SSH key";
		if (mc_ssh_keygen(h->m->dir, j->o->ssh_key_type, comment, err) < 0)
			return -1;
		mc_test_point("create-after-sshkey");
	}
	return 0;
}

/* The machine's server certificate, when the driver has SSH (the daemon is
 * ours to configure) and already knows the IP; else provisioning makes it. */
static int new_server_cert(struct mc_handle *h, struct mc_error *err)
{
	_cleanup_free_ char *ip = NULL;
	struct mc_error e = { 0 };

	if (!h->drv->has_ssh || !mc_op_supported(h, MC_OP_IP))
		return 0;
	if (mc_op_ip(h, &ip, &e) < 0 || !ip) {
		mc_debug("machine \"%s\": no IP address yet (%s): the server certificate is made at provisioning",
			 h->m->name, e.msg);
		return 0;
	}
	/* Made before boot for the address the driver knew (src/ops/host.c),
	 * and the machine got it: the guest has this one already. */
	if (mc_certs_machine_server_has_ip(h->m, ip))
		return 0;
	return mc_ops_certs_server(h->s, h->m, ip, err);
}

/* Provision a machine just made, then record it as created.  A failure
 * keeps the VM for a look (console log, ssh): the machine is an Error row
 * until `provision` succeeds or `rm` removes it. */
static int provision_new(struct create_job *j, struct mc_handle *h, struct mc_error *err)
{
	const char *prog = j->s->prog, *name = h->m->name;

	if (mc_ops_provision(h, j->named, j->t0, err) < 0) {
		struct mc_error ignored = { 0 };

		mc_machine_set_status(h->m, MC_MACHINE_ERROR, err->msg);
		mc_handle_save(h, &ignored);
		mc_error_prefix(err, "provisioning failed (the VM is kept: '%s provision %s' retries, '%s rm -f %s' removes it): ",
				prog, name, prog, name);
		return -1;
	}
	mc_machine_set_status(h->m, MC_MACHINE_CREATED, NULL);
	if (mc_handle_save(h, err) < 0) {
		mc_error_prefix(err, "Docker is up, but the machine's record was not saved (the VM is kept: '%s provision %s' retries): ",
				prog, name);
		return -1;
	}
	return 0;
}

/* In err->msg, every `from` (NULL or "": none) becomes `to`; how many did. */
static int error_rename_path(struct mc_error *err, const char *from, const char *to)
{
	char out[sizeof(err->msg)];
	size_t n = 0, fl = from ? strlen(from) : 0;
	const char *p = err->msg, *q;
	int count = 0;

	if (!fl)
		return 0;
	while ((q = strstr(p, from)) && n < sizeof(out)) {
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%.*s%s", (int)(q - p), p, to);
		p = q + fl;
		count++;
	}
	if (n < sizeof(out))
		snprintf(out + n, sizeof(out) - n, "%s", p);
	memcpy(err->msg, out, sizeof(out));
	return count;
}

/* A create that failed once its VM had started: the console log tells why
 * the guest did not come up (an empty one too: the guest wrote nothing), so it
 * outlives the machine (logs/NAME-console.log, replacing an older one), and
 * the error names it where it is now. */
static void keep_console_log(struct mc_handle *h, struct mc_error *err)
{
	_cleanup_free_ char *log = mc_path_join(h->m->dir, "console.log");
	_cleanup_free_ char *dir = mc_path_join(h->s->store.root, "logs");
	_cleanup_free_ char *kept = NULL;
	const char *recorded = mc_json_str(h->ctx.config, "ConsoleLog");
	struct mc_error ignored = { 0 };
	struct stat st;

	if (lstat(log, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	kept = mc_asprintf("%s/%s-console.log", dir, h->m->name);
	if (mc_mkdir_p(dir, 0700, &ignored) < 0 || rename(log, kept) < 0) {
		mc_error_suffix(err, " (the VM's console log could not be kept as %s: %s)", kept,
				ignored.code ? ignored.msg : strerror(errno));
		return;
	}
	/* The driver may name it as recorded (libvirt and VirtualBox: realpath). */
	if (error_rename_path(err, log, kept) + error_rename_path(err, recorded, kept) == 0)
		mc_error_suffix(err, " (the VM's console log is kept: %s)", kept);
}

/* A create failed and what it had made could not be removed (the driver's VM,
 * or the store entry itself): the machine stays, an Error row, so that rm -f
 * can try again; dropping its record would leave a VM that no machine names. */
static int keep_failed(struct create_job *j, struct mc_handle *h, const char *phase,
		       const struct mc_error *rm, struct mc_error *err)
{
	struct mc_error ignored = { 0 };

	err->machine[0] = '\0';
	mc_error_prefix(err, "%s failed: ", phase);
	mc_error_suffix(err, "; and removing what it had made failed too (%s): the machine is kept, '%s rm -f %s' removes it",
			rm->msg, j->s->prog, h->m->name);
	mc_machine_set_status(h->m, MC_MACHINE_ERROR, err->msg);
	mc_handle_save(h, &ignored);
	mc_error_machine(err, h->m->name);
	mc_handle_close(h);
	return -1;
}

/* Create one machine.  On failure before provisioning the store entry is
 * rolled back (the console log kept) unless the driver cannot undo what it
 * made; a provisioning failure keeps the VM. */
static int create_one(struct create_job *j, const char *name, struct mc_error *err)
{
	const struct mc_create_opts *o = j->o;
	struct mc_handle h;
	const char *phase = "reserve";
	int lock_fd = -1;

	if (mc_store_reserve(&j->s->store, name, &lock_fd, err) < 0)
		return -1;
	mc_test_point("create-after-reserve");
	mc_handle_new(j->s, mc_machine_new(&j->s->store, name, o->drv->name), o->drv, o->flags,
		      lock_fd, &h);
	record_options(h.m, o);
	h.ctx.provision_follows = o->drv->provision && !o->no_provision;
	/* The daemon options were checked by mc_ops_create_check, as strictly as
	 * provisioning checks them. */
	if (create_prepare(j, &h, &phase, err) < 0)
		goto rollback;
	phase = "create";
	mc_ui_phase(j->s, name, j->named, j->t0, "Creating machine...");
	mc_ops_boot_watch(&h, j->named, j->t0);
	if (mc_op_run(&h, MC_OP_CREATE, err) < 0)
		goto remove;
	mc_test_point("create-after-driver");
	phase = "TLS server certificate";
	if (new_server_cert(&h, err) < 0)
		goto remove;
	mc_test_point("create-after-server-cert");
	if (o->autostart && !mc_json_bool(h.ctx.config, "Autostart")) {
		_cleanup_json_ json_t *on = json_pack("{s:b}", "autostart", 1);

		phase = "autostart";
		if (mc_op_set(&h, on, err) < 0)
			goto remove;
	}
	/* Until provisioning has finished the machine is not created: a create
	 * interrupted there leaves an Error row (Creating while it runs), not a
	 * Running machine whose Docker was never set up. */
	if (h.ctx.provision_follows)
		mc_machine_set_status(h.m, MC_MACHINE_CREATING, "provisioning did not finish");
	else
		mc_machine_set_status(h.m, MC_MACHINE_CREATED, NULL);
	phase = "record";
	if (mc_handle_save(&h, err) < 0)
		goto remove;
	mc_test_point("create-after-created");
	if (h.ctx.provision_follows && provision_new(j, &h, err) < 0) {
		mc_handle_close(&h);
		mc_error_machine(err, name);
		return -1;
	}
	mc_handle_close(&h);
	return 0;

remove:
	{
		struct mc_error rm = { 0 };

		if (mc_op_run(&h, MC_OP_REMOVE, &rm) < 0)
			return keep_failed(j, &h, phase, &rm, err);
		keep_console_log(&h, err);
	}
rollback:
	{
		struct mc_error rm = { 0 };

		if (mc_store_remove(&j->s->store, name, &rm) < 0)
			return keep_failed(j, &h, phase, &rm, err);
		mc_handle_close(&h);
	}
	/* The machine's name leads: 'machine "x": create failed, nothing was kept: ...' */
	err->machine[0] = '\0';
	if (err->code == MC_E_PRECREATE)
		mc_error_prefix(err, "Error with pre-create check: ");
	else
		mc_error_prefix(err, "%s failed, nothing was kept: ", phase);
	mc_error_machine(err, name);
	return -1;
}

static void create_worker(size_t i, void *arg)
{
	struct create_job *j = arg;

	create_one(j, j->names[i], &j->errs[i]);
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int mc_ops_create_check(const struct mc_create_opts *o, char **names, struct mc_error *err)
{
	const char *kt = o->tls_key_type;

	for (size_t i = 0; names[i]; i++) {
		if (mc_store_check_name(names[i], err) < 0)
			return -1;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(names[i], names[k]))
				return mc_error_set(err, MC_E_USAGE, "machine \"%s\" is named twice", names[i]);
	}
	if (!mc_streq(kt, "ecdsa-p256") && !mc_streq(kt, "rsa-2048") && !mc_streq(kt, "rsa-4096"))
		return mc_error_set(err, MC_E_USAGE,
				    "invalid --tls-key-type \"%s\": use ecdsa-p256, rsa-2048 or rsa-4096", kt);
	kt = o->ssh_key_type;
	if (!mc_streq(kt, "ed25519") && !mc_streq(kt, "rsa"))
		return mc_error_set(err, MC_E_USAGE, "invalid --ssh-key-type \"%s\": use ed25519 or rsa", kt);
	/* Everything provisioning and the certificates will use, before any
	 * driver runs (and with --no-provision or none too: it is recorded). */
	for (char **san = o->tls_san; san && *san; san++)
		if (mc_certs_check_san(*san, err) < 0) {
			mc_error_clear(err);
			return mc_error_set(err, MC_E_USAGE,
					    "invalid --tls-san \"%s\": expected an IP address or a DNS name", *san);
		}
	if (o->engine_install_url && *o->engine_install_url &&
	    ((!mc_startswith(o->engine_install_url, "https://") && !mc_startswith(o->engine_install_url, "http://")) ||
	     strpbrk(o->engine_install_url, " \t'\"\\`$;|&<>(){}") || has_control(o->engine_install_url) ||
	     !mc_str_utf8(o->engine_install_url)))
		return mc_error_set(err, MC_E_USAGE,
				    "invalid --engine-install-url \"%s\": expected an http:// or https:// URL (or \"\" not to install Docker)",
				    o->engine_install_url);
	return mc_provision_check_engine(&(struct mc_engine_opts){
			.env = o->engine_env, .labels = o->engine_label, .opts = o->engine_opt,
			.insecure = o->engine_insecure_registry, .mirrors = o->engine_registry_mirror,
			.storage_driver = o->engine_storage_driver, .driver = o->drv ? o->drv->name : NULL,
			/* drivers that boot an ISO run the machine OS or boot2docker */
			.no_blanks = o->flags && json_object_get(o->flags, "iso") }, err);
}

/* --share/--no-share (and a driver's own DRIVER-no-share and
 * DRIVER-share-folder DIR:NAME, docker-machine's VirtualBox flags, which
 * mean --no-share and --share DIR:/NAME) into o->flags "shares". */
static int resolve_shares(const struct mc_create_opts *o, struct mc_error *err)
{
	const struct mc_driver *drv = o->drv;
	_cleanup_free_ char *noflag = mc_asprintf("%s-no-share", drv->name);
	_cleanup_free_ char *folderflag = mc_asprintf("%s-share-folder", drv->name);
	_cleanup_free_ char *legacy = NULL, *shown = NULL;
	const char *folder = mc_json_str(o->flags, folderflag), *c = NULL;
	char *specs[2] = { NULL, NULL };
	bool no_share = o->no_share || mc_json_bool(o->flags, noflag);
	json_t *shares = NULL;

	if (o->share && o->share[0] && !drv->share)
		return mc_error_set(err, MC_E_USAGE,
				    "the %s driver cannot share folders with its machines (doc/shares.md): remove --share",
				    drv->name);
	if (!drv->share)
		no_share = true;
	if (!(o->share && o->share[0]) && !no_share && folder && *folder && (c = strrchr(folder, ':')) &&
	    c != folder && c[1]) {
		legacy = mc_asprintf("%.*s:/%s", (int)(c - folder), folder, c + 1);
		specs[0] = legacy;
		/* its errors quote the flag the user gave, with the --share it means */
		shown = mc_asprintf("--%s \"%s\" (--share %s)", folderflag, folder, legacy);
	}
	if (o->no_share && o->share && o->share[0])
		return mc_error_set(err, MC_E_USAGE, "--share and --no-share cannot be used together");
	if (o->share && o->share[0])
		no_share = false;  /* --share wins over DRIVER-no-share */
	if (mc_shares_resolve(legacy ? specs : o->share, shown, no_share, getenv("HOME"), &shares, err) < 0)
		return -1;
	if (legacy)  /* the shared folder keeps its name */
		mc_json_set_str(json_array_get(shares, 0), "Tag", c + 1);
	json_object_set_new(o->flags, "shares", shares);
	return 0;
}

/* When every name is taken, nothing is to be made: each machine's error,
 * before the driver's checks and the boot ISO (a download). */
static bool all_taken(const struct mc_store *st, char **names, struct mc_error *errs)
{
	for (size_t i = 0; names[i]; i++)
		if (!mc_store_exists(st, names[i]))
			return false;
	for (size_t i = 0; names[i]; i++)
		mc_store_check_free(st, names[i], &errs[i]);
	return true;
}

int mc_ops_create(struct mc_session *s, const struct mc_create_opts *o, char **names,
		  struct mc_error *errs, struct mc_error *err)
{
	size_t n = mc_strv_len(names);
	struct create_job j = { s, o, names, errs, n > 1, mc_now_ms() };
	struct mc_iso_opts iso = { 0 };

	if (mc_ops_create_check(o, names, err) < 0)
		return -1;
	if (!mc_driver_supports(o->drv, MC_OP_CREATE))
		return mc_error_set(err, MC_E_UNSUPPORTED, "the %s driver cannot create machines", o->drv->name);
	if (resolve_shares(o, err) < 0)
		return -1;
	if (o->autostart && !mc_driver_supports(o->drv, MC_OP_SET))
		return mc_error_set(err, MC_E_USAGE,
				    "--autostart: the %s driver cannot start machines with the host (libvirt, virtualbox and hyperv can)",
				    o->drv->name);
	if (all_taken(&s->store, names, errs))
		return 0;
	/* The driver's own flags, before the ISO's download and the certificates. */
	if (mc_driver_check_flags(o->drv, o->flags, o->flag_origins, NULL, err) < 0) {
		err->code = MC_E_PRECREATE;  /* exit 3, as precreate's errors */
		mc_error_prefix(err, "Error with pre-create check: ");
		return -1;
	}
	/* The boot ISO of drivers that have an "iso" flag, once for all the
	 * machines (a URL is downloaded here); the driver gets a local path. */
	mc_ops_iso_opts(s, &iso);
	if (mc_iso_prepare_flags(s->store.root, o->flags, &iso, err) < 0) {
		const char *from = iso_origin(o->flags, o->flag_origins);

		if (from)
			mc_error_prefix(err, "%s: ", from);
		if (err->code != MC_E_USAGE) {
			err->code = MC_E_PRECREATE;
			mc_error_prefix(err, "Error with pre-create check: ");
		}
		return -1;
	}
	if (o->autostart)  /* for drivers that set it while creating (VirtualBox) */
		json_object_set_new(o->flags, "autostart", json_true());
	/* The CA and client certificate, once for all the machines. */
	if (mc_ops_certs_prepare(s, o->tls_key_type, err) < 0)
		return -1;
	mc_parallel(n, 4, create_worker, &j);
	return 0;
}
