/*
 * machinectl: create and run Docker hosts as virtual machines.
 *
 * This file is the whole shape of the program: the global options, the verb
 * table, and the dispatch.  Each verb lives in src/cmd/.
 */
#include "buildconf.h"
#include "buildid.h"

#include <libgen.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "registry.h"
#include "util.h"
#include <unistd.h>

const struct mc_option mc_opts_global[] = {
	[O_GLOBAL_STORAGE_PATH] = { "storage-path", 's', MC_OPT_STRING, "MACHINECTL_STORAGE_PATH", NULL, "PATH",
	  "where machines, certificates and the ISO cache live (default: ~/.machinectl)",
	  .value = MC_VALUE_DIR },
	[O_GLOBAL_DEBUG] = { "debug", 'D', MC_OPT_BOOL, "MACHINECTL_DEBUG", NULL, NULL,
	  "log every external command, its exit status and duration" },
	[O_GLOBAL_NATIVE_SSH] = { "native-ssh", 0, MC_OPT_BOOL, "MACHINECTL_NATIVE_SSH", NULL, NULL,
	  "use the built-in SSH client (libssh) instead of the system's ssh" },
	[O_GLOBAL_TLS_CA_CERT] = { "tls-ca-cert", 0, MC_OPT_STRING, "MACHINECTL_TLS_CA_CERT", NULL, "FILE",
	  "CA certificate to sign machine certificates (default: STORE/certs/ca.pem)", .value = MC_VALUE_FILE },
	[O_GLOBAL_TLS_CA_KEY] = { "tls-ca-key", 0, MC_OPT_STRING, "MACHINECTL_TLS_CA_KEY", NULL, "FILE",
	  "private key of the CA (default: STORE/certs/ca-key.pem)", .value = MC_VALUE_FILE },
	[O_GLOBAL_TLS_CLIENT_CERT] = { "tls-client-cert", 0, MC_OPT_STRING, "MACHINECTL_TLS_CLIENT_CERT", NULL,
	  "FILE", "client certificate (default: STORE/certs/cert.pem)", .value = MC_VALUE_FILE },
	[O_GLOBAL_TLS_CLIENT_KEY] = { "tls-client-key", 0, MC_OPT_STRING, "MACHINECTL_TLS_CLIENT_KEY", NULL,
	  "FILE", "client private key (default: STORE/certs/key.pem)", .value = MC_VALUE_FILE },
	[O_GLOBAL_VERSION] = { "version", 'v', MC_OPT_BOOL, NULL, NULL, NULL, "print the version and exit" },
	[O_GLOBAL_HELP] = { "help", 'h', MC_OPT_BOOL, NULL, NULL, NULL, "print this help and exit" },
	[O_GLOBAL_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_global, O_GLOBAL_N);
#define GOPT(x) (&mc_opts_global[O_GLOBAL_##x])

/* Sorted by name; `help` prints them in this order. */
const struct mc_verb mc_verbs[] = {
	{ "active", mc_cmd_active, 0, 0, 0, "[OPTIONS]",
	  "Print which machine is active (the one $DOCKER_HOST, or docker's current context, points at)", mc_opts_active },
	{ "config", mc_cmd_config, 0, 1, MC_VERB_DEFAULT_NAME, "[NAME]",
	  "Print the docker client flags that connect to a machine", NULL, MC_VALUE_MACHINE },
	{ "context", mc_cmd_context, 0, 1, MC_VERB_DEFAULT_NAME, "[--use] [NAME]",
	  "Create or update the machine's docker context (docker context), --use to switch to it", mc_opts_context,
	  MC_VALUE_MACHINE },
	{ "create", mc_cmd_create, 1, -1, MC_VERB_DRIVER_FLAGS, "[OPTIONS] NAME...",
	  "Create machines (several names are created in parallel)", mc_opts_create },
	{ "env", mc_cmd_env, 0, 1, 0, "[OPTIONS] [NAME]",
	  "Print the commands that point the docker client at a machine", mc_opts_env, MC_VALUE_MACHINE },
	{ "help", mc_cmd_help, 0, 1, 0, "[VERB]", "Show help for machinectl or one verb", NULL, MC_VALUE_VERB },
	{ "import-docker-machine", mc_cmd_import, 0, -1, 0, "[OPTIONS] [NAME...]",
	  "Import machines from a docker-machine store (that store is only read)", mc_opts_import },
	{ "inspect", mc_cmd_inspect, 0, 1, MC_VERB_DEFAULT_NAME, "[OPTIONS] [NAME]",
	  "Print a machine's configuration as JSON", mc_opts_inspect, MC_VALUE_MACHINE },
	{ "ip", mc_cmd_ip, 0, -1, MC_VERB_DEFAULT_NAME, "[NAME...]",
	  "Print the IP address of machines", NULL, MC_VALUE_MACHINE },
	{ "kill", mc_cmd_kill, 0, -1, MC_VERB_DEFAULT_NAME, "[NAME...]",
	  "Power machines off at once", NULL, MC_VALUE_MACHINE },
	{ "ls", mc_cmd_ls, 0, 0, 0, "[OPTIONS]", "List machines", mc_opts_ls },
	{ "mount", mc_cmd_mount, 1, 2, 0, "[OPTIONS] [USER@]NAME:PATH [MOUNTPOINT], or -u MOUNTPOINT",
	  "Mount a directory of a machine with sshfs (-u unmounts)", mc_opts_mount, MC_VALUE_REMOTE },
	{ "os", mc_cmd_os, 1, 1, 0, "[OPTIONS] build",
	  "Build the machine OS ISO from Debian packages into the ISO cache (create boots it)", mc_opts_os },
	{ "provision", mc_cmd_provision, 0, -1, MC_VERB_DEFAULT_NAME, "[OPTIONS] [NAME...]",
	  "Provision machines again: certificates, Docker options (--engine-*: new ones), restart Docker",
	  mc_opts_provision, MC_VALUE_MACHINE },
	/* "default" is its own business: --client-certs acts on every machine. */
	{ "regenerate-certs", mc_cmd_regenerate_certs, 0, -1, 0,
	  "[OPTIONS] [NAME...]", "Make new TLS certificates for machines", mc_opts_regenerate_certs, MC_VALUE_MACHINE },
	{ "restart", mc_cmd_restart, 0, -1, MC_VERB_DEFAULT_NAME, "[NAME...]",
	  "Restart machines", NULL, MC_VALUE_MACHINE },
	/* A verb that destroys never defaults its target (no "default"). */
	{ "rm", mc_cmd_rm, 1, -1, 0, "[OPTIONS] NAME...",
	  "Remove machines", mc_opts_rm, MC_VALUE_MACHINE },
	{ "scp", mc_cmd_scp, 2, -1, 0, "[OPTIONS] SRC... DST",
	  "Copy files between machines and this host ([USER@]NAME:PATH, ~ is the home directory)", mc_opts_scp, MC_VALUE_REMOTE },
	{ "set", mc_cmd_set, 1, -1, 0, "[OPTIONS] NAME...",
	  "Change the CPUs, memory, data disk size or autostart of machines", mc_opts_set, MC_VALUE_MACHINE },
	/* ssh looks for "default" itself, after its forwards are checked. */
	{ "ssh", mc_cmd_ssh, 0, -1, MC_VERB_STOP_AT_POS,
	  "[OPTIONS] [NAME] [--] [COMMAND...]",
	  "Log in to a machine, run a command on it, or forward ports (-L, -R, -D, -N)", mc_opts_ssh, MC_VALUE_MACHINE },
	{ "ssh-config", mc_cmd_ssh_config, 0, -1, MC_VERB_DEFAULT_NAME, "[NAME...]",
	  "Print an OpenSSH Host block per machine (ssh -F <(machinectl ssh-config m1) m1)", NULL, MC_VALUE_MACHINE },
	{ "start", mc_cmd_start, 0, -1, MC_VERB_DEFAULT_NAME, "[NAME...]", "Start machines", NULL, MC_VALUE_MACHINE },
	{ "status", mc_cmd_status, 0, 1, MC_VERB_DEFAULT_NAME, "[OPTIONS] [NAME]",
	  "Print the state of a machine", mc_opts_status, MC_VALUE_MACHINE },
	{ "stop", mc_cmd_stop, 0, -1, MC_VERB_DEFAULT_NAME, "[NAME...]",
	  "Stop machines gracefully", NULL, MC_VALUE_MACHINE },
	{ "swarm-down", mc_cmd_swarm_down, 1, -1, 0, "NAME...",
	  "Take machines out of their swarm: workers leave, then managers", mc_opts_swarm_down, MC_VALUE_MACHINE },
	/* Names may come from --manager and --worker alone (mc_cmd_swarm_up). */
	{ "swarm-up", mc_cmd_swarm_up, 0, -1, MC_VERB_DRIVER_FLAGS, "[OPTIONS] NAME...",
	  "Make machines one Docker swarm: the first is the manager (idempotent)", mc_opts_swarm_up, MC_VALUE_MACHINE },
	{ "upgrade", mc_cmd_upgrade, 0, -1, MC_VERB_DEFAULT_NAME, "[OPTIONS] [NAME...]",
	  "Boot machines from the current default ISO (or --iso), keeping their data", mc_opts_upgrade, MC_VALUE_MACHINE },
	{ "url", mc_cmd_url, 0, 1, MC_VERB_DEFAULT_NAME, "[NAME]",
	  "Print the Docker URL of a machine", NULL, MC_VALUE_MACHINE },
	{ "version", mc_cmd_version, 0, 1, 0, "[NAME]",
	  "Print machinectl's version, or the Docker version of a machine", NULL, MC_VALUE_MACHINE },
	{ "__generate", mc_cmd_generate, 1, 1, MC_VERB_HIDDEN,
	  "[--prog NAME] [--templates DIR] man|man-drivers|man-config|bash|zsh|fish|powershell",
	  "Print a man page or a completion script from these tables (the build runs it)",
	  mc_opts_generate },
	{ NULL },
};

void mc_cli_print_version(const struct mc_cli *cli)
{
	/* docker-machine's "version V, build B"; B is git describe of the build. */
	printf("%s version %s, build %s\n", cli->prog, PACKAGE_VERSION, MC_BUILD_ID);
}

const struct mc_verb *mc_verb_find(const char *name)
{
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}

/* The options of the tables, one per line, for --help. */
static void print_options(FILE *f, const struct mc_option *const *tables)
{
	for (size_t t = 0; tables && tables[t]; t++)
		for (const struct mc_option *o = tables[t]; o->name; o++) {
			char left[96];
			bool range, def;
			int n;

			if (o->short_name)
				n = snprintf(left, sizeof(left), "  -%c, --%s", o->short_name, o->name);
			else
				n = snprintf(left, sizeof(left), "      --%s", o->name);
			if (o->metavar && n > 0 && (size_t)n < sizeof(left))
				snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->metavar);
			/* A left column too long for its 34 places puts the help under it. */
			fprintf(f, "%-34s%s%*s%s", left, strlen(left) > 34 ? "\n" : "", strlen(left) > 34 ? 35 : 1,
				"", o->help);
			range = o->type == MC_OPT_INT && o->min < o->max;
			def = o->def && *o->def && o->type != MC_OPT_BOOL;
			if (range)
				fprintf(f, " (%lld to %lld%s", o->min, o->max, def ? "; " : ")");
			if (def)
				fprintf(f, "%sdefault: %s)", range ? "" : " (", o->def);
			if (o->env)
				fprintf(f, " [$%s]", o->env);
			fputc('\n', f);
		}
}

static void print_usage(FILE *f, const char *prog)
{
	int width = 0;

	fprintf(f, "Usage: %s [OPTIONS] VERB [ARGS...]\n\n", prog);
	fputs("Create and manage Docker hosts in virtual machines.\n\nOptions:\n", f);
	print_options(f, (const struct mc_option *const[]){ mc_opts_global, NULL });
	fputs("\nVerbs:\n", f);
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (!(v->flags & MC_VERB_HIDDEN) && (int)strlen(v->name) > width)
			width = (int)strlen(v->name);
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (!(v->flags & MC_VERB_HIDDEN))
			fprintf(f, "  %-*s %s\n", width, v->name, v->summary);
	fprintf(f, "\nRun '%s VERB --help' for more information on a verb.\n", prog);
}

void mc_cli_verb_help(FILE *f, const struct mc_cli *cli, const struct mc_verb *v)
{
	fprintf(f, "Usage: %s %s %s\n\n%s\n", cli->prog, v->name, v->args, v->summary);
	if (v->options) {
		fputs("\nOptions:\n", f);
		print_options(f, (const struct mc_option *const[]){ v->options, NULL });
	}
	/* swarm-up --create takes create's options (parse_verb_args) */
	if ((v->flags & MC_VERB_DRIVER_FLAGS) && v->options != mc_opts_create) {
		fputs("\nWith --create, the options of create:\n", f);
		print_options(f, (const struct mc_option *const[]){ mc_opts_create, NULL });
	}
}

int mc_cmd_help(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	const struct mc_verb *v;

	if (!a->pos[0]) {
		print_usage(stdout, cli->prog);
		return 0;
	}
	v = mc_verb_find(a->pos[0]);
	if (!v) {
		mc_cli_eprintf("Error: no help for '%s': it is not a %s verb", a->pos[0], cli->prog);
		return 2;
	}
	mc_cli_verb_help(stdout, cli, v);
	return 0;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, sizeof(size_t) * (lb + 1));
	}
	return prev[lb];
}

static int unknown_verb(const char *prog, const char *name)
{
	const struct mc_verb *best = NULL;
	size_t best_d = 3;

	for (const struct mc_verb *v = mc_verbs; v->name; v++) {
		size_t d = edit_distance(name, v->name);

		if (v->flags & MC_VERB_HIDDEN)
			continue;  /* never suggest a hidden verb */

		if (d < best_d || (strlen(name) >= 2 && mc_startswith(v->name, name) && d < 99 && !best)) {
			best = v;
			best_d = d < best_d ? d : best_d;
		}
	}
	mc_cli_eprintf("%s: '%s' is not a %s command. See '%s --help'.", prog, name, prog, prog);
	if (best)
		fprintf(stderr, "\nDid you mean this?\n\t%s\n", best->name);
	return 2;
}

/* The index of the verb: the first argument after the global options, which
 * are checked here; -1 (the message printed) for an unknown one. */
static int global_end(int argc, char **argv, const char *prog)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const struct mc_option *o = NULL;
		const char *s = argv[i];

		if (!strcmp(s, "--"))
			return i + 1;
		for (const struct mc_option *g = mc_opts_global; g->name; g++) {
			size_t n = strlen(g->name);

			if ((s[1] == '-' && !strncmp(s + 2, g->name, n) && (!s[2 + n] || s[2 + n] == '=')) ||
			    (s[1] != '-' && s[1] == g->short_name))
				o = g;
		}
		if (!o) {
			mc_cli_eprintf("%s: unknown global flag %s. See '%s --help'.", prog, s, prog);
			return -1;
		}
		if (o->type != MC_OPT_BOOL && !strchr(s, '=') && !(s[1] != '-' && s[2]))
			i++;
	}
	return i;
}

/* VERB --help (for ssh, only directly after the verb; create lists its
 * driver's flags, so it parses first). */
static bool verb_help_asked(const struct mc_verb *v, int argc, char **argv)
{
	for (int j = 0; j < argc && strcmp(argv[j], "--"); j++)
		if (!strcmp(argv[j], "--help") || !strcmp(argv[j], "-h"))
			return !(v->flags & MC_VERB_DRIVER_FLAGS) && (!(v->flags & MC_VERB_STOP_AT_POS) || j == 0);
	return false;
}

static void session_init(struct mc_cli *cli)
{
	cli->s = (struct mc_session){
		.prog = cli->prog,
		.tls_ca_cert = mc_args_str(&cli->global, GOPT(TLS_CA_CERT)),
		.tls_ca_key = mc_args_str(&cli->global, GOPT(TLS_CA_KEY)),
		.tls_client_cert = mc_args_str(&cli->global, GOPT(TLS_CLIENT_CERT)),
		.tls_client_key = mc_args_str(&cli->global, GOPT(TLS_CLIENT_KEY)),
		.native_ssh = mc_args_bool(&cli->global, GOPT(NATIVE_SSH)),
		.ui = &mc_cli_ui,
	};
}

/* Parse the verb's arguments (with the driver's flags for create). */
static int parse_verb_args(struct mc_cli *cli, const struct mc_verb *v, int argc, char **argv,
			   struct mc_args *a, struct mc_error *err);

int main(int argc, char **argv)
{
	static struct mc_cli cli;
	const struct mc_verb *v;
	struct mc_error err = { 0 };
	struct mc_args a = { 0 };
	int i, rc;
	_cleanup_free_ char *prog = mc_strdup(argc > 0 ? argv[0] : "machinectl");
	char *ini;

	cli.prog = basename(prog);
	cli.argc = argc;
	cli.argv = argv;

	/* Global options end at the verb. */
	if ((i = global_end(argc, argv, cli.prog)) < 0)
		return 2;
	if (mc_args_parse((const struct mc_option *const[]){ mc_opts_global, NULL }, i - 1, argv + 1, 0,
			  &cli.global, &err) < 0) {
		mc_cli_eprintf("%s: %s. See '%s --help'.", cli.prog, err.msg, cli.prog);
		return 2;
	}
	if (mc_args_given(&cli.global, GOPT(HELP)) || (i >= argc && !mc_args_given(&cli.global, GOPT(VERSION)))) {
		print_usage(stdout, cli.prog);
		rc = mc_args_given(&cli.global, GOPT(HELP)) ? 0 : 2;
		goto out;
	}
	if (mc_args_given(&cli.global, GOPT(VERSION))) {
		mc_cli_print_version(&cli);
		rc = 0;
		goto out;
	}
	if (mc_args_bool(&cli.global, GOPT(DEBUG)))
		mc_log_set_level(MC_LOG_DEBUG);
	session_init(&cli);

	v = mc_verb_find(argv[i]);
	if (!v) {
		rc = unknown_verb(cli.prog, argv[i]);
		goto out;
	}
	if (verb_help_asked(v, argc - i - 1, argv + i + 1)) {
		mc_cli_verb_help(stdout, &cli, v);
		rc = 0;
		goto out;
	}
	if (mc_store_open(&cli.s.store, mc_args_str(&cli.global, GOPT(STORAGE_PATH)), &err) < 0 ||
	    mc_store_check_perms(&cli.s.store, &err) < 0) {
		rc = mc_cli_fail(&err);
		goto out;
	}
	/* ini is freed here, not at main's end: a detached ls ends in _exit. */
	ini = mc_store_path(&cli.s.store, "config.ini");
	rc = mc_config_load(ini, &cli.s.config, &err);
	free(ini);
	if (rc < 0) {
		rc = mc_cli_fail(&err);
		goto out;
	}
	if (parse_verb_args(&cli, v, argc - i - 1, argv + i + 1, &a, &err) < 0) {
		if (err.code == MC_E_OK)  /* --help was printed */
			rc = 0;
		else if (err.code == MC_E_USAGE) {
			mc_cli_eprintf("Error: %s. See '%s %s --help'.", err.msg, cli.prog, v->name);
			rc = 2;
		} else {
			rc = mc_cli_fail(&err);
		}
		goto out;
	}
	rc = v->fn(&cli, v, &a);
out:
	fflush(stdout);
	if (ferror(stdout) && rc == 0) {
		fprintf(stderr, "%s: error writing output\n", cli.prog);
		rc = 1;
	}
	if (cli.detached) {
		/* Threads still use the session (ls past its deadline): end here. */
		fflush(stderr);
		_exit(rc);
	}
	mc_args_free(&a);
	mc_args_free(&cli.global);
	mc_config_free(cli.s.config);
	mc_store_close(&cli.s.store);
	return rc;
}

/* Driver flags as an option table (create --driver X). */
static struct mc_option *driver_options(const struct mc_driver *drv)
{
	size_t n = 0;
	struct mc_option *o;

	while (drv->flags && drv->flags[n].name)
		n++;
	o = mc_calloc(n + 1, sizeof(*o));
	for (size_t i = 0; i < n; i++) {
		const struct mc_driver_flag *f = &drv->flags[i];
		static const enum mc_opt_type map[] = {
			[MC_FLAG_STRING] = MC_OPT_STRING, [MC_FLAG_INT] = MC_OPT_INT,
			[MC_FLAG_BOOL] = MC_OPT_BOOL, [MC_FLAG_STRINGS] = MC_OPT_LIST,
		};

		o[i] = (struct mc_option){ f->name, 0, map[f->type], f->env, f->def,
					   f->type == MC_FLAG_BOOL ? NULL : "VALUE", f->help,
					   .min = f->min, .max = f->max };
	}
	return o;
}

static const char *scan_driver(struct mc_cli *cli, int argc, char **argv)
{
	const char *d = NULL;

	for (int j = 0; j < argc; j++) {
		if (!strcmp(argv[j], "--"))
			break;
		if ((!strcmp(argv[j], "-d") || !strcmp(argv[j], "--driver")) && j + 1 < argc)
			d = argv[++j];
		else if (mc_startswith(argv[j], "--driver="))
			d = argv[j] + 9;
		else if (mc_startswith(argv[j], "-d") && argv[j][2])
			d = argv[j] + 2;
	}
	if (!d)
		d = getenv("MACHINECTL_DRIVER");
	if (!d || !*d)
		d = mc_config_get(cli->s.config, "defaults", "driver");
	return d && *d ? d : MC_DEFAULT_DRIVER;
}

static struct mc_option *create_driver_opts;

static void free_driver_opts(void)
{
	free(create_driver_opts);
}

/* An unknown --NAME-... where NAME is another driver than the one chosen: say
 * whose flag it is (a forgotten --driver). */
static void other_driver_flag(const struct mc_verb *v, const char *chosen, const char *flag,
			      struct mc_error *err)
{
	_cleanup_strv_ char **names = NULL;

	if (!flag)
		return;
	names = mc_driver_names();
	for (char **n = names; n && *n; n++) {
		size_t k = strlen(*n);

		if (strcmp(*n, chosen) && !strncmp(flag, *n, k) && flag[k] == '-') {
			struct mc_error e = *err;

			mc_error_clear(err);
			mc_error_set(err, e.code, "%s: a flag of the %s driver, and this %s uses the %s driver (add --driver %s)",
				     e.msg, *n, v->name, chosen, *n);
			return;
		}
	}
}

static int parse_verb_args(struct mc_cli *cli, const struct mc_verb *v, int argc, char **argv,
			   struct mc_args *a, struct mc_error *err)
{
	/* Verbs that create machines (create, swarm-up --create) take create's
	 * options and those of --driver. */
	const struct mc_option *tables[4] = { v->options, NULL, NULL, NULL };
	size_t n;

	if (v->flags & MC_VERB_DRIVER_FLAGS) {
		const char *dname = scan_driver(cli, argc, argv);
		const struct mc_driver *drv = NULL;
		bool help = false;

		for (int j = 0; j < argc && strcmp(argv[j], "--"); j++)
			help |= !strcmp(argv[j], "--help") || !strcmp(argv[j], "-h");
		if (mc_driver_lookup(dname, &drv, err) < 0 && v->options != mc_opts_create && !help) {
			/* swarm-up: the driver matters only with --create, which
			 * looks it up again and reports a missing one then. */
			mc_error_clear(err);
			tables[1] = mc_opts_create;
		} else if (!drv) {
			if (argc == 0) {  /* "create" alone: the usage error says more */
				mc_error_clear(err);
				return mc_error_set(err, MC_E_USAGE, "\"%s\" requires at least %d argument",
						    v->name, v->min_args);
			}
			if (!help)
				return -1;
			/* Help still works without the driver: say what is missing. */
			mc_cli_verb_help(stdout, cli, v);
			printf("\n(driver \"%s\" is not available: %s)\n", dname, err->msg);
			mc_error_clear(err);
			return -1;
		}
		if (drv) {
			create_driver_opts = driver_options(drv);
			atexit(free_driver_opts);
			if (v->options != mc_opts_create)
				tables[1] = mc_opts_create;
			tables[tables[1] ? 2 : 1] = create_driver_opts;
		}
		if (help && drv) {
			mc_cli_verb_help(stdout, cli, v);
			printf("\nOptions of the %s driver:\n", drv->name);
			print_options(stdout, (const struct mc_option *const[]){ create_driver_opts, NULL });
			return -1;  /* err stays unset: help printed */
		}
	}
	if (mc_args_parse(tables, argc, argv,
			  (v->flags & MC_VERB_STOP_AT_POS) ? MC_ARGS_STOP_AT_POSITIONAL : 0, a, err) < 0) {
		if (create_driver_opts)
			other_driver_flag(v, scan_driver(cli, argc, argv), a->unknown, err);
		return -1;
	}
	n = mc_args_npos(a);
	if ((int)n < v->min_args)
		return mc_error_set(err, MC_E_USAGE, "\"%s\" requires at least %d argument%s", v->name,
				    v->min_args, v->min_args == 1 ? "" : "s");
	if (v->max_args >= 0 && (int)n > v->max_args) {
		if (v->max_args == 0)
			return mc_error_set(err, MC_E_USAGE, "\"%s\" accepts no arguments (got \"%s\")",
					    v->name, a->pos[0]);
		return mc_error_set(err, MC_E_USAGE, "\"%s\" accepts at most %d argument%s (got %zu)",
				    v->name, v->max_args, v->max_args == 1 ? "" : "s", n);
	}
	if (v->flags & MC_VERB_DEFAULT_NAME)
		return mc_cli_default_name(cli, a, err);
	return 0;
}
