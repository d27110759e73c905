/*
 * __generate (hidden): the man pages and the shell completions, printed from
 * the same tables that --help prints (the verb table, each verb's options,
 * the global options, every driver's flags).  The build runs it; see
 * mk/eco.mk.  tests/cli/t6001 checks that --help, the man pages and the
 * completions agree.
 *
 *   machinectl __generate [--prog NAME] man|man-drivers|man-config|bash|zsh|fish|powershell
 */
#include "buildconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "registry.h"
#include "util.h"

const struct mc_option mc_opts_generate[] = {
	[O_GENERATE_PROG] = { "prog", 0, MC_OPT_STRING, NULL, NULL, "NAME",
	  "program name the output uses (default: the name machinectl was called by)" },
	[O_GENERATE_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_generate, O_GENERATE_N);

struct gen {
	const char *prog;        /* the installed program name */
	char *fn;                /* prog as a shell identifier: "_machinectl" */
	const struct mc_driver **drv;
	size_t ndrv;
	const char *default_driver;
};

/* --- what the tables say, beyond name and help --- */

static const struct mc_option *find_opt(const struct mc_option *t, const char *name)
{
	for (; t && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* Values listed in a help text: "output syntax: bash, sh, zsh or fish (...)"
 * gives "bash sh zsh fish" (malloc'd), or NULL when the text lists none.
 * The help text is where the allowed values are documented, so completions
 * offer what --help promises. */
static char *help_choices(const char *help)
{
	const char *p;
	char *out = NULL;
	size_t n = 0, len = 0;

	if (!help)
		return NULL;
	p = strstr(help, ": ");
	p = p ? p + 2 : help;
	for (;;) {
		size_t w = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-");
		const char *q = p + w;
		bool last = false;

		if (w == 0 || !islower((unsigned char)*p))
			break;
		if (!*q || *q == ' ' || *q == ';') {
			if (*q == ' ' && q[1] != '(' && !(q[1] == 'o' && q[2] == 'r' && q[3] == ' '))
				break;
			last = !*q || *q == ';' || q[1] == '(';
		} else if (*q != ',') {
			break;
		}
		out = mc_realloc(out, len + w + 2);
		memcpy(out + len, p, w);
		len += w;
		out[len++] = ' ';
		out[len] = '\0';
		n++;
		if (last)
			break;
		if (*q == ',')
			p = q + 2;
		else if (!strncmp(q, " or ", 4))
			p = q + 4;
		else
			break;
	}
	if (n < 2) {
		free(out);
		return NULL;
	}
	out[len - 1] = '\0';
	return out;
}

enum vkind { V_NONE, V_DRIVER, V_WORDS, V_FILE, V_DIR };

/* What the value of option o is, for completion. *words (malloc'd) for V_WORDS. */
static enum vkind opt_value_kind(const struct mc_option *o, char **words)
{
	const char *m = o->metavar;

	*words = NULL;
	if (o->type == MC_OPT_BOOL || !m)
		return V_NONE;
	if (!strcmp(m, "DRIVER"))
		return V_DRIVER;
	if ((*words = help_choices(o->help)))
		return V_WORDS;
	if (!strcmp(m, "FILE") || !strcmp(m, "PATH"))
		return V_FILE;
	if (!strcmp(m, "DIR"))
		return V_DIR;
	return V_NONE;
}

/* What a verb's positional arguments are. */
enum pkind { P_NONE, P_MACHINES, P_VERBS, P_FILES };

static enum pkind verb_pos_kind(const struct mc_verb *v)
{
	if (v->max_args == 0)
		return P_NONE;
	if (!strcmp(v->name, "help"))
		return P_VERBS;
	/* create names new machines; import names machines of another store */
	if (!strcmp(v->name, "create") || !strcmp(v->name, "import-docker-machine"))
		return P_NONE;
	if (strstr(v->args, "NAME:") || strstr(v->args, "SRC"))
		return P_FILES;     /* scp, mount: machines and local paths */
	if (strstr(v->args, "NAME"))
		return P_MACHINES;
	return P_NONE;
}

static bool verb_visible(const struct mc_verb *v)
{
	return !(v->flags & MC_VERB_HIDDEN);
}

/* The option tables a verb accepts, NULL-terminated (at most 3). */
static void verb_tables(const struct mc_verb *v, const struct mc_option *t[3])
{
	t[0] = v->options;
	t[1] = NULL;
	t[2] = NULL;
	/* swarm-up --create takes create's options as well (main.c parse_verb_args) */
	if ((v->flags & MC_VERB_DRIVER_FLAGS) && v->options != mc_opts_create)
		t[1] = mc_opts_create;
}

/* Driver flags as options, the way main.c hands them to the parser. */
static struct mc_option flag_option(const struct mc_driver_flag *f)
{
	static const enum mc_opt_type map[] = {
		[MC_FLAG_STRING] = MC_OPT_STRING, [MC_FLAG_INT] = MC_OPT_INT,
		[MC_FLAG_BOOL] = MC_OPT_BOOL, [MC_FLAG_STRINGS] = MC_OPT_LIST,
	};

	return (struct mc_option){ f->name, 0, map[f->type], f->env, f->def,
				   f->type == MC_FLAG_BOOL ? NULL : "VALUE", f->help };
}

/* --- mdoc --- */

/* Text for a text line: backslashes escaped, no leading control character. */
static void man_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '\n')
			fputs("\n", stdout);
		else
			putchar(*s);
	}
	putchar('\n');
}

/* Text that ends a sentence: a full stop is added when it has none. */
static void man_sentence(const char *s)
{
	size_t n = strlen(s);

	if (n && !strchr(".!?", s[n - 1])) {
		_cleanup_free_ char *t = mc_asprintf("%s.", s);

		man_text(t);
	} else {
		man_text(s);
	}
}

/* One word as a macro argument: never read as a macro or a delimiter. */
static void man_word(const char *s, size_t n)
{
	putchar(' ');
	if (n > 0 && ((n <= 3 && isupper((unsigned char)s[0]) && n >= 2 && islower((unsigned char)s[1])) ||
		      strchr(".,;:?!()[]|", s[0])))
		fputs("\\&", stdout);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			fputs("\\e", stdout);
		else if (s[i] == '"')
			fputs("\\(dq", stdout);
		else
			putchar(s[i]);
	}
}

static void man_words(const char *s)
{
	while (*s) {
		size_t n = strcspn(s, " ");

		if (n)
			man_word(s, n);
		s += n;
		s += strspn(s, " ");
	}
}

static void man_header(const struct gen *g, const char *title, const char *section)
{
	char date[32];
	time_t t = time(NULL);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char up[64];
	size_t i;

	if (sde && *sde)
		t = (time_t)strtoll(sde, NULL, 10);
	{
		struct tm tm;
		char month[16];

		gmtime_r(&t, &tm);
		strftime(month, sizeof(month), "%B", &tm);
		snprintf(date, sizeof(date), "%s %d, %d", month, tm.tm_mday, tm.tm_year + 1900);
	}
	for (i = 0; title[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)toupper((unsigned char)title[i]);
	up[i] = '\0';
	printf(".\\\" Generated by `%s __generate`: edit the tables in the sources, not this file.\n",
	       g->prog);
	printf(".Dd %s\n.Dt %s %s\n.Os %s %s\n", date, up, section, PACKAGE_NAME, PACKAGE_VERSION);
}

/* .It Fl s , Fl -storage-path Ar PATH, then the help, default, variable. */
static void man_option(const struct mc_option *o)
{
	fputs(".It", stdout);
	if (o->short_name)
		printf(" Fl %c ,", o->short_name);
	printf(" Fl -%s", o->name);
	if (o->metavar) {
		fputs(" Ar", stdout);
		man_words(o->metavar);
	}
	putchar('\n');
	man_sentence(o->help);
	if (o->type == MC_OPT_LIST)
		man_text("May be given more than once.");
	if (o->def && *o->def && o->type != MC_OPT_BOOL) {
		fputs(".No Default:\n.Ql", stdout);
		man_words(o->def);
		fputs(" .\n", stdout);
	}
	if (o->env)
		printf(".No Environment variable:\n.Ev %s .\n", o->env);
}

static void man_options(const struct mc_option *t)
{
	puts(".Bl -tag -width Ds");
	for (; t && t->name; t++)
		man_option(t);
	puts(".El");
}

/* An environment variable of some table, once. */
struct envvar {
	const char *name;
	char *what;
};

static void env_add(struct envvar **v, size_t *n, const char *name, char *what)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].name, name)) {
			free(what);
			return;
		}
	*v = mc_realloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (struct envvar){ name, what };
}

static int env_cmp(const void *a, const void *b)
{
	return strcmp(((const struct envvar *)a)->name, ((const struct envvar *)b)->name);
}

/* Prose of machinectl(1) that no table holds. */
static const char *const env_extra[][2] = {
	{ "MACHINECTL_DRIVER_PATH",
	  "Colon-separated directories searched for driver plugins (machinectl-driver-NAME.so) before the installed plugin directory." },
	{ "MACHINE_STORAGE_PATH",
	  "The docker-machine store that import-docker-machine reads when --from is not given (default: ~/.docker/machine)." },
	{ "DOCKER_HOST", "Read by active: the machine whose URL it is, is the active one." },
	{ "SHELL", "Read by env when --shell is not given." },
	{ "NO_PROXY", "Extended by env --no-proxy (no_proxy when that is the one set)." },
	{ "HOME", "The default store is ~/.machinectl." },
};

static void gen_man(const struct gen *g)
{
	const char *p = g->prog;
	struct envvar *env = NULL;
	size_t nenv = 0;

	man_header(g, p, "1");
	printf(".Sh NAME\n.Nm %s\n.Nd create and manage Docker hosts in virtual machines\n", p);
	printf(".Sh SYNOPSIS\n.Nm\n.Op Ar OPTIONS\n.Ar VERB\n.Op Ar ARGS ...\n");
	puts(".Sh DESCRIPTION");
	puts(".Nm");
	man_text("creates Docker hosts as virtual machines (or adopts existing hosts), makes TLS certificates for their Docker daemons, and points the docker client at them, the way docker-machine did.");
	puts(".Pp");
	man_text("Machines live in a store directory (see FILES).");
	man_text("Each verb below works on the machines named on its command line; verbs that take an optional NAME use the machine named default when none is given.");
	man_text("Drivers and their flags are described in");
	printf(".Xr %s-drivers 7 ,\n", p);
	man_text("user defaults in");
	printf(".Xr %s-config 5 .\n", p);

	puts(".Sh OPTIONS");
	man_text("Global options come before the verb.");
	man_options(mc_opts_global);

	puts(".Sh VERBS");
	puts(".Bl -tag -width Ds");
	for (const struct mc_verb *v = mc_verbs; v->name; v++) {
		if (!verb_visible(v))
			continue;
		printf(".It Cm %s", v->name);
		man_words(v->args);
		putchar('\n');
		man_sentence(v->summary);
		if (v->options && v->options[0].name)
			man_options(v->options);
		if (v->flags & MC_VERB_DRIVER_FLAGS) {
			puts(".Pp");
			if (v->options != mc_opts_create)
				man_text("With --create, also every option of create.");
			man_text("The flags of the driver chosen with --driver are accepted as well; see");
			printf(".Xr %s-drivers 7 .\n", p);
		}
	}
	puts(".El");

	puts(".Sh ENVIRONMENT");
	man_text("Every variable stands for the option named; a command-line option wins over its variable, which wins over config.ini and the built-in default.");
	for (const struct mc_option *o = mc_opts_global; o->name; o++)
		if (o->env)
			env_add(&env, &nenv, o->env, mc_asprintf("--%s", o->name));
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		for (const struct mc_option *o = v->options; verb_visible(v) && o && o->name; o++)
			if (o->env)
				env_add(&env, &nenv, o->env, mc_asprintf("%s --%s", v->name, o->name));
	for (size_t d = 0; d < g->ndrv; d++)
		for (const struct mc_driver_flag *f = g->drv[d]->flags; f && f->name; f++)
			if (f->env)
				env_add(&env, &nenv, f->env,
					mc_asprintf("create --%s (the %s driver)", f->name, g->drv[d]->name));
	for (size_t i = 0; i < MC_ARRAY_SIZE(env_extra); i++)
		env_add(&env, &nenv, env_extra[i][0], mc_strdup(env_extra[i][1]));
	qsort(env, nenv, sizeof(*env), env_cmp);
	puts(".Bl -tag -width Ds");
	for (size_t i = 0; i < nenv; i++) {
		printf(".It Ev %s\n", env[i].name);
		man_text(env[i].what);
		free(env[i].what);
	}
	puts(".El");
	free(env);

	puts(".Sh FILES");
	puts(".Bl -tag -width Ds");
	puts(".It Pa ~/.machinectl/");
	man_text("The store (--storage-path, MACHINECTL_STORAGE_PATH).");
	puts(".It Pa STORE/certs/ca.pem , ca-key.pem , cert.pem , key.pem");
	man_text("The CA that signs every machine's server certificate, and the client certificate (keys 0600).");
	puts(".It Pa STORE/cache/");
	man_text("Downloaded boot ISOs, by content hash.");
	puts(".It Pa STORE/config.ini");
	printf("User defaults; see\n.Xr %s-config 5 .\n", p);
	puts(".It Pa STORE/machines/NAME/config.json");
	man_text("The machine: driver, driver state, Docker and TLS options (0600, written atomically).");
	puts(".It Pa STORE/machines/NAME/");
	man_text("Also the machine's SSH key pair (id_ed25519 or id_rsa), pinned host key (known_hosts), the certificates the docker client uses (ca.pem, cert.pem, key.pem: DOCKER_CERT_PATH), the server certificate (server.pem, server-key.pem) and driver files (disk images, console.log).");
	puts(".El");

	puts(".Sh EXIT STATUS");
	puts(".Bl -tag -width Ds");
	puts(".It 0");
	man_text("Success.");
	puts(".It 1");
	man_text("An error; the message on standard error says what failed, on which machine, and what to do next.");
	puts(".It 2");
	man_text("A usage error: unknown verb or option, wrong number of arguments.");
	puts(".It 3");
	man_text("create failed its pre-create check (nothing was kept).");
	puts(".El");

	puts(".Sh EXAMPLES");
	puts(".Bd -literal -offset indent");
	printf("%s create --driver libvirt myvm1\neval $(%s env myvm1)\n%s ssh myvm1 docker ps\n",
	       p, p, p);
	printf("%s import-docker-machine\n", p);
	puts(".Ed");
	puts(".Sh SEE ALSO");
	printf(".Xr docker 1 ,\n.Xr ssh 1 ,\n.Xr %s-config 5 ,\n.Xr %s-drivers 7\n", p, p);
}

static void gen_man_drivers(const struct gen *g)
{
	const char *p = g->prog;

	_cleanup_free_ char *title = mc_asprintf("%s-drivers", p);

	man_header(g, title, "7");
	printf(".Sh NAME\n.Nm %s-drivers\n.Nd the drivers of\n.Xr %s 1\nand their flags\n", p, p);
	puts(".Sh DESCRIPTION");
	printf(".Ic %s create --driver NAME\n", p);
	man_text("creates a machine with driver NAME, which adds its own flags to those of create.");
	man_text("A flag's value comes from the command line, else its environment variable, else config.ini ([driver.NAME] before [defaults]), else the default shown.");
	man_text("Built-in drivers are part of the program; the others are plugins, shared objects named machinectl-driver-NAME.so in the directories of MACHINECTL_DRIVER_PATH and in the installed plugin directory");
	printf(".Pa %s .\n", MC_DRIVERDIR);
	printf(".Ic %s create --driver NAME --help\n", p);
	man_text("lists the flags of any driver, a plugin's too.");
	man_text("The default driver is");
	printf(".Ql %s .\n", g->default_driver);
	puts(".Sh DRIVERS");
	for (size_t d = 0; d < g->ndrv; d++) {
		const struct mc_driver *drv = g->drv[d];

		printf(".Ss %s\n", drv->name);
		if (drv->summary)
			man_sentence(drv->summary);
		if (!drv->flags || !drv->flags[0].name) {
			man_text("It has no flags.");
			continue;
		}
		puts(".Bl -tag -width Ds");
		for (const struct mc_driver_flag *f = drv->flags; f->name; f++) {
			struct mc_option o = flag_option(f);

			man_option(&o);
		}
		puts(".El");
	}
	puts(".Sh SEE ALSO");
	printf(".Xr %s 1 ,\n.Xr %s-config 5\n", p, p);
}

static void gen_man_config(const struct gen *g)
{
	const char *p = g->prog;

	_cleanup_free_ char *title = mc_asprintf("%s-config", p);

	man_header(g, title, "5");
	printf(".Sh NAME\n.Nm %s-config\n.Nd config.ini, the user defaults of\n.Xr %s 1\n", p, p);
	puts(".Sh SYNOPSIS");
	puts(".Pa STORE/config.ini");
	puts(".Sh DESCRIPTION");
	man_text("An INI file in the store (by default ~/.machinectl/config.ini) that sets defaults for create.");
	man_text("A missing file is an empty one.");
	man_text("Lines are KEY = VALUE under a [SECTION] header; ; and # start comments.");
	man_text("A key that appears twice: the last one wins.");
	puts(".Pp");
	man_text("Precedence, the same for every option: command-line flag, then environment variable, then config.ini ([driver.NAME] before [defaults]), then the built-in default.");
	puts(".Ss [defaults]");
	puts(".Bl -tag -width Ds");
	puts(".It Cm driver");
	man_text("The driver create uses without --driver (built-in default:");
	printf(".Ql %s ) .\n", g->default_driver);
	puts(".It Cm cpus");
	man_text("Applies to every driver flag ending in -cpu-count.");
	puts(".It Cm memory");
	man_text("Applies to every driver flag ending in -memory (MB).");
	puts(".It Cm disk-size");
	man_text("Applies to every driver flag ending in -disk-size (MB).");
	puts(".It Cm iso");
	man_text("Applies to --iso and the --*-boot2docker-url aliases.");
	puts(".El");
	puts(".Ss [driver.NAME]");
	man_text("Any create flag of driver NAME, by its flag name without the dashes.");
	man_text("The keys of each driver:");
	puts(".Bl -tag -width Ds");
	for (size_t d = 0; d < g->ndrv; d++) {
		const struct mc_driver *drv = g->drv[d];

		printf(".It Cm [driver.%s]\n", drv->name);
		if (!drv->flags || !drv->flags[0].name) {
			man_text("(none)");
			continue;
		}
		for (const struct mc_driver_flag *f = drv->flags; f->name; f++)
			printf(".Cm %s%s\n", f->name, f[1].name ? " ," : "");
	}
	puts(".El");
	puts(".Sh EXAMPLES");
	puts(".Bd -literal -offset indent");
	puts("[defaults]\ndriver = libvirt\ncpus = 2\nmemory = 2048\n\n[driver.generic]\ngeneric-ssh-user = admin");
	puts(".Ed");
	puts(".Sh DIAGNOSTICS");
	man_text("Errors name the file and line (config.ini:3: syntax error), including unknown [defaults] keys and unknown sections; a value of the wrong type is reported when a create uses it.");
	puts(".Sh SEE ALSO");
	printf(".Xr %s 1 ,\n.Xr %s-drivers 7\n", p, p);
}

/* Print a script template with @F@ replaced by the function prefix and @P@
 * by the program name. */
static void put_tmpl(const struct gen *g, const char *t)
{
	while (*t) {
		if (!strncmp(t, "@F@", 3)) {
			fputs(g->fn, stdout);
			t += 3;
		} else if (!strncmp(t, "@P@", 3)) {
			fputs(g->prog, stdout);
			t += 3;
		} else {
			putchar(*t++);
		}
	}
}

/* --- bash --- */

/* Print the long and short forms of the options in t, space-separated. */
static void sh_opts(const struct mc_option *t, bool only_with_value, const char **sep)
{
	for (; t && t->name; t++) {
		if (only_with_value && t->type == MC_OPT_BOOL)
			continue;
		printf("%s--%s", *sep, t->name);
		*sep = " ";
		if (t->short_name)
			printf(" -%c", t->short_name);
	}
}

static void sh_flags(const struct mc_driver *d, bool only_with_value)
{
	const char *sep = "";

	for (const struct mc_driver_flag *f = d->flags; f && f->name; f++)
		if (!only_with_value || f->type != MC_FLAG_BOOL) {
			printf("%s--%s", sep, f->name);
			sep = " ";
		}
}

static const char *pkind_name(enum pkind k)
{
	static const char *const n[] = { "none", "machines", "verbs", "files" };

	return n[k];
}

/* The case arms "--opt|-o) echo KIND;;" of a value-kind function. */
static void bash_value_arms(const struct gen *g, const struct mc_option *t)
{
	for (; t && t->name; t++) {
		_cleanup_free_ char *w = NULL;
		enum vkind k = opt_value_kind(t, &w);

		if (k == V_NONE)
			continue;
		printf("\t\t--%s", t->name);
		if (t->short_name)
			printf("|-%c", t->short_name);
		switch (k) {
		case V_DRIVER: printf(") echo drivers ;;\n"); break;
		case V_WORDS: printf(") echo 'words %s' ;;\n", w); break;
		case V_FILE: printf(") echo files ;;\n"); break;
		case V_DIR: printf(") echo dirs ;;\n"); break;
		default: break;
		}
	}
}

/* A shell function FN mapping each verb to its options (with_args: only
 * those that take a value). */
static void sh_verb_case(const char *f, const char *fn, bool with_args)
{
	const char *sep;

	printf("%s_%s() {\n\tcase $1 in\n", f, fn);
	for (const struct mc_verb *v = mc_verbs; v->name; v++) {
		const struct mc_option *t[3];

		if (!verb_visible(v))
			continue;
		verb_tables(v, t);
		printf("\t\t%s) echo '", v->name);
		sep = "";
		for (int i = 0; t[i]; i++)
			sh_opts(t[i], with_args, &sep);
		printf("' ;;\n");
	}
	printf("\tesac\n}\n");
}

static void gen_bash(const struct gen *g)
{
	const char *f = g->fn, *sep;

	printf("# bash completion for %s -*- shell-script -*-\n", g->prog);
	printf("# Generated by `%s __generate bash`: edit the tables in the sources, not this file.\n\n",
	       g->prog);

	printf("%s_verbs='", f);
	sep = "";
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (verb_visible(v)) {
			printf("%s%s", sep, v->name);
			sep = " ";
		}
	printf("'\n%s_drivers='", f);
	for (size_t d = 0; d < g->ndrv; d++)
		printf("%s%s", d ? " " : "", g->drv[d]->name);
	printf("'\n%s_default_driver='%s'\n", f, g->default_driver);
	sep = "";
	printf("%s_global='", f);
	sh_opts(mc_opts_global, false, &sep);
	sep = "";
	printf("'\n%s_global_args='", f);
	sh_opts(mc_opts_global, true, &sep);
	puts("'\n");

	/* verb -> options; -> options that take a value; -> positional kind */
	sh_verb_case(f, "verb_opts", false);
	sh_verb_case(f, "verb_args", true);
	printf("%s_verb_pos() {\n\tcase $1 in\n", f);
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (verb_visible(v))
			printf("\t\t%s) echo %s%s ;;\n", v->name, pkind_name(verb_pos_kind(v)),
			       (v->flags & MC_VERB_STOP_AT_POS) ? "-stop" : "");
	printf("\tesac\n}\n%s_verb_driver() {\n\tcase $1 in\n", f);
	sep = "";
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (verb_visible(v) && (v->flags & MC_VERB_DRIVER_FLAGS)) {
			printf("%s%s", *sep ? "|" : "\t\t", v->name);
			sep = "|";
		}
	if (*sep)
		printf(") return 0 ;;\n");
	printf("\tesac\n\treturn 1\n}\n");

	/* driver -> flags (built in here; any other plugin is asked) */
	for (int withval = 0; withval < 2; withval++) {
		printf("%s_driver_%s() {\n\tcase $1 in\n", f, withval ? "args" : "opts");
		for (size_t d = 0; d < g->ndrv; d++) {
			printf("\t\t%s) echo '", g->drv[d]->name);
			sh_flags(g->drv[d], withval);
			printf("' ;;\n");
		}
		printf("\t\t*) command %s create --driver \"$1\" --help 2>/dev/null |\n"
		       "\t\t\tsed -n '/^Options of the .* driver:/,$ s/^ *\\(--[a-z0-9-]*\\)%s.*/\\1/p' ;;\n",
		       g->prog, withval ? " [A-Z]" : "");
		printf("\tesac\n}\n");
	}

	/* option -> what its value is */
	printf("%s_value() {\n\tcase $2 in\n", f);
	bash_value_arms(g, mc_opts_global);
	printf("\tesac\n\tcase $1 in\n");
	for (const struct mc_verb *v = mc_verbs; v->name; v++) {
		const struct mc_option *t[3];

		if (!verb_visible(v))
			continue;
		verb_tables(v, t);
		printf("\t%s)\n\t\tcase $2 in\n", v->name);
		for (int i = 0; t[i]; i++)
			bash_value_arms(g, t[i]);
		printf("\t\tesac ;;\n");
	}
	printf("\tesac\n");
	/* driver flags: choices from their help texts */
	printf("\tcase $2 in\n");
	for (size_t d = 0; d < g->ndrv; d++)
		for (const struct mc_driver_flag *fl = g->drv[d]->flags; fl && fl->name; fl++) {
			struct mc_option o = flag_option(fl);
			_cleanup_free_ char *w = NULL;

			if (opt_value_kind(&o, &w) == V_WORDS)
				printf("\t\t--%s) echo 'words %s' ;;\n", fl->name, w);
			else if (!strcmp(fl->name, "iso") || strstr(fl->name, "-key"))
				printf("\t\t--%s) echo files ;;\n", fl->name);
		}
	printf("\tesac\n}\n\n");

	printf("%s_machines() {\n\tcommand %s \"$@\" ls -q 2>/dev/null\n}\n\n", f, g->prog);

	put_tmpl(g,
	"@F@_reply() { # KIND CUR [STORE-ARGS...]\n"
	"\tlocal kind=$1 cur=$2\n"
	"\tshift 2\n"
	"\tcase $kind in\n"
	"\t\tdrivers) COMPREPLY=($(compgen -W \"$@F@_drivers\" -- \"$cur\")) ;;\n"
	"\t\tverbs) COMPREPLY=($(compgen -W \"$@F@_verbs\" -- \"$cur\")) ;;\n"
	"\t\twords\\ *) COMPREPLY=($(compgen -W \"${kind#words }\" -- \"$cur\")) ;;\n"
	"\t\tmachines) COMPREPLY=($(compgen -W \"$(@F@_machines \"$@\")\" -- \"$cur\")) ;;\n"
	"\t\tfiles) COMPREPLY=($(compgen -W \"$(@F@_machines \"$@\")\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
	"\t\t\tcompopt -o filenames 2>/dev/null ;;\n"
	"\t\tdirs) COMPREPLY=($(compgen -d -- \"$cur\")); compopt -o filenames 2>/dev/null ;;\n"
	"\tesac\n"
	"\treturn 0\n"
	"}\n\n");

	put_tmpl(g,
	"@F@() {\n"
	"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= i w verb= vi=0 store=() opts args kind driver npos=0\n"
	"\tCOMPREPLY=()\n"
	"\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	"\t# --opt=VALUE: bash splits at '='\n"
	"\tif [ \"$cur\" = = ]; then prev=${COMP_WORDS[COMP_CWORD-1]}; cur=; elif [ \"$prev\" = = ] && [ \"$COMP_CWORD\" -gt 1 ]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
	"\t# global options, then the verb\n"
	"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	"\t\tw=${COMP_WORDS[i]}\n"
	"\t\tcase $w in\n"
	"\t\t\t-s|--storage-path) [ \"${COMP_WORDS[i+1]}\" = = ] && ((i++)); [ $((i + 1)) -lt \"$COMP_CWORD\" ] && store=(-s \"${COMP_WORDS[i+1]}\"); ((i++)); continue ;;\n"
	"\t\t\t--storage-path=*) store=(-s \"${w#*=}\") ;;\n"
	"\t\tesac\n"
	"\t\tcase \" $@F@_global_args \" in *\" $w \"*) [ \"${COMP_WORDS[i+1]}\" = = ] && ((i++)); ((i++)); continue ;; esac\n"
	"\t\tcase $w in -*|=) continue ;; esac\n"
	"\t\tverb=$w vi=$i\n"
	"\t\tbreak\n"
	"\tdone\n"
	"\tif [ -z \"$verb\" ]; then\n"
	"\t\tkind=$(@F@_value '' \"$prev\")\n"
	"\t\tif [ -n \"$kind\" ]; then @F@_reply \"$kind\" \"$cur\"; return 0; fi\n"
	"\t\tcase $cur in\n"
	"\t\t\t-*) COMPREPLY=($(compgen -W \"$@F@_global\" -- \"$cur\")) ;;\n"
	"\t\t\t*) COMPREPLY=($(compgen -W \"$@F@_verbs\" -- \"$cur\")) ;;\n"
	"\t\tesac\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\topts=$(@F@_verb_opts \"$verb\")\n"
	"\targs=$(@F@_verb_args \"$verb\")\n"
	"\tif @F@_verb_driver \"$verb\"; then\n"
	"\t\tdriver=${MACHINECTL_DRIVER:-$@F@_default_driver}\n"
	"\t\tfor ((i = vi + 1; i < COMP_CWORD; i++)); do\n"
	"\t\t\tcase ${COMP_WORDS[i]} in\n"
	"\t\t\t\t-d|--driver) [ \"${COMP_WORDS[i+1]}\" = = ] && ((i++)); [ $((i + 1)) -lt \"$COMP_CWORD\" ] && driver=${COMP_WORDS[i+1]} ;;\n"
	"\t\t\t\t--driver=*) driver=${COMP_WORDS[i]#*=} ;;\n"
	"\t\t\t\t-d?*) driver=${COMP_WORDS[i]#-d} ;;\n"
	"\t\t\tesac\n"
	"\t\tdone\n"
	"\t\topts=\"$opts $(@F@_driver_opts \"$driver\")\"\n"
	"\t\targs=\"$args $(@F@_driver_args \"$driver\")\"\n"
	"\tfi\n"
	"\t# the value of an option\n"
	"\tcase \" $args \" in\n"
	"\t\t*\" $prev \"*)\n"
	"\t\t\tkind=$(@F@_value \"$verb\" \"$prev\")\n"
	"\t\t\t@F@_reply \"$kind\" \"$cur\" \"${store[@]}\"\n"
	"\t\t\treturn 0 ;;\n"
	"\tesac\n"
	"\t# positional arguments so far (ssh: options end at the first one)\n"
	"\tfor ((i = vi + 1; i < COMP_CWORD; i++)); do\n"
	"\t\tw=${COMP_WORDS[i]}\n"
	"\t\tcase \" $args \" in *\" $w \"*) [ \"${COMP_WORDS[i+1]}\" = = ] && ((i++)); ((i++)); continue ;; esac\n"
	"\t\tcase $w in -*|=) ;; *) [ \"${COMP_WORDS[i-1]}\" = = ] || ((npos++)) ;; esac\n"
	"\tdone\n"
	"\tkind=$(@F@_verb_pos \"$verb\")\n"
	"\tif [ \"${kind%-stop}\" != \"$kind\" ]; then\n"
	"\t\tkind=${kind%-stop}\n"
	"\t\t[ \"$npos\" -gt 0 ] && return 0\n"
	"\tfi\n"
	"\tcase $cur in\n"
	"\t\t-*) COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")) ;;\n"
	"\t\t*) @F@_reply \"$kind\" \"$cur\" \"${store[@]}\" ;;\n"
	"\tesac\n"
	"\treturn 0\n"
	"}\n"
	"complete -F @F@ @P@\n");
}

/* --- zsh --- */

/* Text inside single quotes, for _arguments: ' [ ] : \ escaped. */
static void zsh_q(const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", stdout);
		else if (strchr("[]:\\", *s))
			printf("\\%c", *s);
		else
			putchar(*s);
	}
}

static void zsh_action(const struct gen *g, const struct mc_option *o)
{
	_cleanup_free_ char *w = NULL;
	enum vkind k = opt_value_kind(o, &w);

	if (o->type == MC_OPT_BOOL)
		return;
	putchar(':');
	zsh_q(o->metavar ? o->metavar : "VALUE");
	putchar(':');
	switch (k) {
	case V_DRIVER:
		putchar('(');
		for (size_t d = 0; d < g->ndrv; d++)
			printf("%s%s", d ? " " : "", g->drv[d]->name);
		putchar(')');
		break;
	case V_WORDS: printf("(%s)", w); break;
	case V_FILE: fputs("_files", stdout); break;
	case V_DIR: fputs("_files -/", stdout); break;
	default:
		if (!strcmp(o->name, "iso") || strstr(o->name, "-key"))
			fputs("_files", stdout);
		else
			putchar(' ');
		break;
	}
}

/* One _arguments spec, then `end` (a newline, or " \\" and a newline). */
static void zsh_spec(const struct gen *g, const struct mc_option *o, const char *indent,
		     const char *end)
{
	const char *eq = o->type == MC_OPT_BOOL ? "" : "=";
	const char *rep = o->type == MC_OPT_LIST ? "*" : "";

	printf("%s", indent);
	if (o->short_name)
		printf("'%s(-%c --%s)'{%s-%c%s,%s--%s%s}'[", rep, o->short_name, o->name, rep,
		       o->short_name, *eq ? "+" : "", rep, o->name, eq);
	else
		printf("'%s--%s%s[", rep, o->name, eq);
	zsh_q(o->help);
	putchar(']');
	zsh_action(g, o);
	printf("'%s", end);
}

static void gen_zsh(const struct gen *g)
{
	const char *f = g->fn;

	printf("#compdef %s\n", g->prog);
	printf("# zsh completion for %s.\n", g->prog);
	printf("# Generated by `%s __generate zsh`: edit the tables in the sources, not this file.\n\n",
	       g->prog);
	printf("%s_machines() {\n"
	       "\tlocal -a m\n"
	       "\tm=(${(f)\"$(_call_program machines %s ${%s_store:+-s \"$%s_store\"} ls -q 2>/dev/null)\"})\n"
	       "\t_describe -t machines 'machine' m\n"
	       "}\n\n", f, g->prog, f, f);
	printf("%s_driver() {\n"
	       "\tlocal i d=${MACHINECTL_DRIVER:-%s}\n"
	       "\tfor ((i = 1; i < CURRENT; i++)); do\n"
	       "\t\tcase ${words[i]} in\n"
	       "\t\t\t-d|--driver) d=${words[i+1]} ;;\n"
	       "\t\t\t--driver=*) d=${words[i]#*=} ;;\n"
	       "\t\t\t-d?*) d=${words[i]#-d} ;;\n"
	       "\t\tesac\n"
	       "\tdone\n"
	       "\tprint -r -- $d\n"
	       "}\n\n", f, g->default_driver);

	printf("%s() {\n"
	       "\tlocal curcontext=$curcontext state state_descr line ret=1\n"
	       "\ttypeset -A opt_args\n"
	       "\t_arguments -C \\\n", f);
	for (const struct mc_option *o = mc_opts_global; o->name; o++)
		zsh_spec(g, o, "\t\t", " \\\n");
	printf("\t\t'1: :->verb' \\\n\t\t'*:: :->args' && ret=0\n");
	printf("\tcase $state in\n\tverb)\n\t\tlocal -a verbs\n\t\tverbs=(\n");
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (verb_visible(v)) {
			printf("\t\t\t'%s:", v->name);
			zsh_q(v->summary);
			puts("'");
		}
	printf("\t\t)\n\t\t_describe -t verbs 'verb' verbs && ret=0\n\t\t;;\n");
	printf("\targs)\n"
	       "\t\tlocal %s_store=${opt_args[-s]:-${opt_args[--storage-path]}}\n"
	       "\t\tlocal -a specs\n"
	       "\t\tcurcontext=\"${curcontext%%:*:*}:%s-$words[1]:\"\n"
	       "\t\tcase $words[1] in\n", f, g->prog);
	for (const struct mc_verb *v = mc_verbs; v->name; v++) {
		const struct mc_option *t[3];
		enum pkind pk;

		if (!verb_visible(v))
			continue;
		verb_tables(v, t);
		printf("\t\t%s)\n\t\t\tspecs=(\n", v->name);
		for (int i = 0; t[i]; i++)
			for (const struct mc_option *o = t[i]; o->name; o++)
				zsh_spec(g, o, "\t\t\t\t", "\n");
		pk = verb_pos_kind(v);
		if (pk == P_MACHINES)
			printf("\t\t\t\t'%s:machine:%s_machines'\n", v->max_args == 1 ? "1" : "*", f);
		else if (pk == P_VERBS)
			printf("\t\t\t\t'1:verb:(%s)'\n", "${verbs}");
		else if (pk == P_FILES)
			printf("\t\t\t\t'*:file:_files'\n");
		printf("\t\t\t)\n");
		if (pk == P_VERBS) {
			/* the verb list, literally */
			printf("\t\t\tspecs=('1:verb:(");
			for (const struct mc_verb *w = mc_verbs; w->name; w++)
				if (verb_visible(w))
					printf("%s%s", w == mc_verbs ? "" : " ", w->name);
			printf(")')\n");
		}
		if (v->flags & MC_VERB_DRIVER_FLAGS) {
			printf("\t\t\tcase $(%s_driver) in\n", f);
			for (size_t d = 0; d < g->ndrv; d++) {
				printf("\t\t\t%s)\n\t\t\t\tspecs+=(\n", g->drv[d]->name);
				for (const struct mc_driver_flag *fl = g->drv[d]->flags; fl && fl->name; fl++) {
					struct mc_option o = flag_option(fl);

					zsh_spec(g, &o, "\t\t\t\t\t", "\n");
				}
				printf("\t\t\t\t) ;;\n");
			}
			printf("\t\t\tesac\n");
		}
		printf("\t\t\t;;\n");
	}
	printf("\t\tesac\n"
	       "\t\t_arguments -S $specs && ret=0\n"
	       "\t\t;;\n"
	       "\tesac\n"
	       "\treturn ret\n"
	       "}\n\n"
	       "%s \"$@\"\n", f);
}

/* --- fish --- */

static void fish_q(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('\'');
}

static void fish_opt(const struct gen *g, const struct mc_option *o, const char *cond)
{
	_cleanup_free_ char *w = NULL;
	enum vkind k = opt_value_kind(o, &w);

	printf("complete -c %s -n ", g->prog);
	fish_q(cond);
	if (o->short_name)
		printf(" -s %c", o->short_name);
	printf(" -l %s", o->name);
	if (o->type != MC_OPT_BOOL) {
		switch (k) {
		case V_DRIVER:
			fputs(" -x -a '", stdout);
			for (size_t d = 0; d < g->ndrv; d++)
				printf("%s%s", d ? " " : "", g->drv[d]->name);
			putchar('\'');
			break;
		case V_WORDS: printf(" -x -a '%s'", w); break;
		case V_FILE: fputs(" -r -F", stdout); break;
		case V_DIR: fputs(" -x -a '(__fish_complete_directories)'", stdout); break;
		default:
			if (!strcmp(o->name, "iso") || strstr(o->name, "-key"))
				fputs(" -r -F", stdout);
			else
				fputs(" -x", stdout);
			break;
		}
	}
	fputs(" -d ", stdout);
	fish_q(o->help);
	putchar('\n');
}

static void gen_fish(const struct gen *g)
{
	const char *f = g->fn, *p = g->prog;

	printf("# fish completion for %s.\n", p);
	printf("# Generated by `%s __generate fish`: edit the tables in the sources, not this file.\n\n", p);
	/* the verb: the first word that is neither a global option nor its value */
	printf("function %s_verb\n"
	       "\tset -l toks (commandline -opc)\n"
	       "\tset -e toks[1]\n"
	       "\twhile set -q toks[1]\n"
	       "\t\tswitch $toks[1]\n"
	       "\t\t\tcase", f);
	for (const struct mc_option *o = mc_opts_global; o->name; o++)
		if (o->type != MC_OPT_BOOL) {
			printf(" -- --%s", o->name);
			if (o->short_name)
				printf(" -%c", o->short_name);
		}
	printf("\n\t\t\t\tset -e toks[1]\n"
	       "\t\t\tcase '-*'\n"
	       "\t\t\tcase '*'\n"
	       "\t\t\t\techo $toks[1]\n"
	       "\t\t\t\treturn 0\n"
	       "\t\tend\n"
	       "\t\tset -e toks[1]\n"
	       "\tend\n"
	       "\treturn 1\n"
	       "end\n\n");
	printf("function %s_no_verb\n\tnot %s_verb >/dev/null\nend\n\n", f, f);
	printf("function %s_verb_is\n\tset -l v (%s_verb)\n\tand contains -- $v $argv\nend\n\n", f, f);
	printf("function %s_driver\n"
	       "\tset -l toks (commandline -opc)\n"
	       "\tset -l d %s\n"
	       "\tset -q MACHINECTL_DRIVER; and test -n \"$MACHINECTL_DRIVER\"; and set d $MACHINECTL_DRIVER\n"
	       "\tfor i in (seq (count $toks))\n"
	       "\t\tswitch $toks[$i]\n"
	       "\t\t\tcase -d --driver\n"
	       "\t\t\t\tset -l j (math $i + 1)\n"
	       "\t\t\t\tset -q toks[$j]; and set d $toks[$j]\n"
	       "\t\t\tcase '--driver=*'\n"
	       "\t\t\t\tset d (string replace -- '--driver=' '' $toks[$i])\n"
	       "\t\t\tcase '-d?*'\n"
	       "\t\t\t\tset d (string sub -s 3 -- $toks[$i])\n"
	       "\t\tend\n"
	       "\tend\n"
	       "\techo $d\n"
	       "end\n\n", f, g->default_driver);
	printf("function %s_driver_is\n\ttest (%s_driver) = $argv[1]\nend\n\n", f, f);
	printf("function %s_machines\n"
	       "\tset -l toks (commandline -opc)\n"
	       "\tset -l st\n"
	       "\tfor i in (seq (count $toks))\n"
	       "\t\tswitch $toks[$i]\n"
	       "\t\t\tcase -s --storage-path\n"
	       "\t\t\t\tset -l j (math $i + 1)\n"
	       "\t\t\t\tset -q toks[$j]; and set st -s $toks[$j]\n"
	       "\t\t\tcase '--storage-path=*'\n"
	       "\t\t\t\tset st -s (string replace -- '--storage-path=' '' $toks[$i])\n"
	       "\t\tend\n"
	       "\tend\n"
	       "\tcommand %s $st ls -q 2>/dev/null\n"
	       "end\n\n", f, p);

	printf("complete -c %s -f\n", p);
	_cleanup_free_ char *nv = mc_asprintf("%s_no_verb", f);

	for (const struct mc_option *o = mc_opts_global; o->name; o++)
		fish_opt(g, o, nv);
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (verb_visible(v)) {
			printf("complete -c %s -n %s_no_verb -a %s -d ", p, f, v->name);
			fish_q(v->summary);
			putchar('\n');
		}
	for (const struct mc_verb *v = mc_verbs; v->name; v++) {
		const struct mc_option *t[3];
		_cleanup_free_ char *cond = NULL;
		enum pkind pk;

		if (!verb_visible(v))
			continue;
		cond = mc_asprintf("%s_verb_is %s", f, v->name);
		verb_tables(v, t);
		for (int i = 0; t[i]; i++)
			for (const struct mc_option *o = t[i]; o->name; o++)
				fish_opt(g, o, cond);
		pk = verb_pos_kind(v);
		if (pk == P_MACHINES || pk == P_FILES)
			printf("complete -c %s -n '%s' -a '(%s_machines)'\n", p, cond, f);
		if (pk == P_FILES)
			printf("complete -c %s -n '%s' -F\n", p, cond);
		if (pk == P_VERBS)
			for (const struct mc_verb *w = mc_verbs; w->name; w++)
				if (verb_visible(w))
					printf("complete -c %s -n '%s' -a %s\n", p, cond, w->name);
		if (v->flags & MC_VERB_DRIVER_FLAGS)
			for (size_t d = 0; d < g->ndrv; d++)
				for (const struct mc_driver_flag *fl = g->drv[d]->flags; fl && fl->name; fl++) {
					struct mc_option o = flag_option(fl);
					_cleanup_free_ char *dc = mc_asprintf("%s; and %s_driver_is %s", cond, f,
									      g->drv[d]->name);

					fish_opt(g, &o, dc);
				}
	}
}

/* --- PowerShell --- */

static void ps_q(const char *s)
{
	putchar('\'');
	for (; *s; s++) {
		if (*s == '\'')
			putchar('\'');
		putchar(*s);
	}
	putchar('\'');
}

static void ps_opts(const struct mc_option *t, const char **sep)
{
	for (; t && t->name; t++) {
		printf("%s'--%s'", *sep, t->name);
		*sep = ", ";
		if (t->short_name)
			printf(", '-%c'", t->short_name);
	}
}

static void ps_values(const struct gen *g, const struct mc_option *t)
{
	for (; t && t->name; t++) {
		_cleanup_free_ char *w = NULL;
		enum vkind k = opt_value_kind(t, &w);

		if (t->type == MC_OPT_BOOL)
			continue;
		printf("\t\t'--%s' = ", t->name);
		if (k == V_DRIVER)
			fputs("'@drivers'", stdout);
		else if (k == V_WORDS)
			printf("'%s'", w);
		else if (k == V_FILE || k == V_DIR)
			fputs("'@files'", stdout);
		else
			fputs("''", stdout);
		putchar('\n');
		if (t->short_name)
			printf("\t\t'-%c' = '--%s'\n", t->short_name, t->name);
	}
}

static void gen_powershell(const struct gen *g)
{
	const char *p = g->prog, *sep;

	printf("# PowerShell completion for %s: dot-source this file in your profile.\n", p);
	printf("# Generated by `%s __generate powershell`: edit the tables in the sources, not this file.\n\n", p);
	printf("Register-ArgumentCompleter -Native -CommandName '%s', '%s.exe' -ScriptBlock {\n", p, p);
	printf("\tparam($wordToComplete, $commandAst, $cursorPosition)\n");
	printf("\t$prog = '%s'\n", p);
	printf("\t$verbs = [ordered]@{\n");
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (verb_visible(v)) {
			printf("\t\t'%s' = ", v->name);
			ps_q(v->summary);
			putchar('\n');
		}
	printf("\t}\n\t$global = @(");
	sep = "";
	ps_opts(mc_opts_global, &sep);
	printf(")\n\t$verbOpts = @{\n");
	for (const struct mc_verb *v = mc_verbs; v->name; v++) {
		const struct mc_option *t[3];

		if (!verb_visible(v))
			continue;
		verb_tables(v, t);
		printf("\t\t'%s' = @(", v->name);
		sep = "";
		for (int i = 0; t[i]; i++)
			ps_opts(t[i], &sep);
		printf(")\n");
	}
	printf("\t}\n\t$verbPos = @{\n");
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (verb_visible(v))
			printf("\t\t'%s' = '%s'\n", v->name, pkind_name(verb_pos_kind(v)));
	printf("\t}\n\t$driverVerbs = @(");
	sep = "";
	for (const struct mc_verb *v = mc_verbs; v->name; v++)
		if (verb_visible(v) && (v->flags & MC_VERB_DRIVER_FLAGS)) {
			printf("%s'%s'", sep, v->name);
			sep = ", ";
		}
	printf(")\n\t$drivers = [ordered]@{\n");
	for (size_t d = 0; d < g->ndrv; d++) {
		printf("\t\t'%s' = @(", g->drv[d]->name);
		sep = "";
		for (const struct mc_driver_flag *fl = g->drv[d]->flags; fl && fl->name; fl++) {
			printf("%s'--%s'", sep, fl->name);
			sep = ", ";
		}
		printf(")\n");
	}
	printf("\t}\n\t# option -> its values: words, '@drivers', '@files', '' (free text)\n\t$values = @{\n");
	ps_values(g, mc_opts_global);
	for (const struct mc_verb *v = mc_verbs; v->name; v++) {
		const struct mc_option *t[3];

		if (!verb_visible(v))
			continue;
		verb_tables(v, t);
		for (int i = 0; t[i]; i++)
			ps_values(g, t[i]);
	}
	for (size_t d = 0; d < g->ndrv; d++)
		for (const struct mc_driver_flag *fl = g->drv[d]->flags; fl && fl->name; fl++) {
			struct mc_option o = flag_option(fl);
			_cleanup_free_ char *w = NULL;

			if (o.type == MC_OPT_BOOL)
				continue;
			printf("\t\t'--%s' = '%s'\n", fl->name,
			       opt_value_kind(&o, &w) == V_WORDS ? w : "");
		}
	printf("\t}\n");
	printf("%s",
	       "\t$words = @($commandAst.CommandElements | ForEach-Object { $_.Extent.Text })\n"
	       "\t$n = $words.Count\n"
	       "\tif ($wordToComplete -ne '') { $n-- }\n"
	       "\t$verb = $null; $store = @(); $driver = $env:MACHINECTL_DRIVER\n");
	printf("\tif (-not $driver) { $driver = '%s' }\n", g->default_driver);
	printf("%s",
	       "\tfor ($i = 1; $i -lt $n; $i++) {\n"
	       "\t\t$w = $words[$i]\n"
	       "\t\tif ($w -eq '-s' -or $w -eq '--storage-path') { if ($i + 1 -lt $n) { $store = @('-s', $words[$i + 1]) } }\n"
	       "\t\tif ($w -like '--storage-path=*') { $store = @('-s', $w.Substring(15)) }\n"
	       "\t\tif ($w -eq '-d' -or $w -eq '--driver') { if ($i + 1 -lt $n) { $driver = $words[$i + 1] } }\n"
	       "\t\tif ($w -like '--driver=*') { $driver = $w.Substring(9) }\n"
	       "\t\tif (-not $verb -and -not $w.StartsWith('-') -and -not ($values.ContainsKey($words[$i - 1]) -and $global -contains $words[$i - 1])) { $verb = $w }\n"
	       "\t}\n"
	       "\t$prev = if ($n -ge 1) { $words[$n - 1] } else { '' }\n"
	       "\t$cands = @()\n"
	       "\tif ($values.ContainsKey($prev)) {\n"
	       "\t\t$v = $values[$prev]\n"
	       "\t\tif ($v -like '--*') { $v = $values[$v] }\n"
	       "\t\tif ($v -eq '@drivers') { $cands = @($drivers.Keys) }\n"
	       "\t\telseif ($v -eq '@files') { return }\n"
	       "\t\telseif ($v) { $cands = $v -split ' ' }\n"
	       "\t\telse { return }\n"
	       "\t} elseif (-not $verb) {\n"
	       "\t\tif ($wordToComplete.StartsWith('-')) { $cands = $global } else { $cands = @($verbs.Keys) }\n"
	       "\t} elseif ($wordToComplete.StartsWith('-')) {\n"
	       "\t\t$cands = $verbOpts[$verb]\n"
	       "\t\tif ($driverVerbs -contains $verb -and $drivers.Contains($driver)) { $cands += $drivers[$driver] }\n"
	       "\t} else {\n"
	       "\t\tswitch ($verbPos[$verb]) {\n"
	       "\t\t\t'machines' { $cands = @(& $prog @store ls -q 2>$null) }\n"
	       "\t\t\t'files' { $cands = @(& $prog @store ls -q 2>$null) }\n"
	       "\t\t\t'verbs' { $cands = @($verbs.Keys) }\n"
	       "\t\t}\n"
	       "\t}\n"
	       "\t$cands | Where-Object { $_ -like \"$wordToComplete*\" } | ForEach-Object {\n"
	       "\t\t$tip = if ($verbs.Contains($_)) { $verbs[$_] } else { $_ }\n"
	       "\t\t[System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $tip)\n"
	       "\t}\n"
	       "}\n");
}

/* --- the verb --- */

static int cmp_drv(const void *a, const void *b)
{
	return strcmp((*(const struct mc_driver *const *)a)->name,
		      (*(const struct mc_driver *const *)b)->name);
}

int mc_cmd_generate(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	static const struct {
		const char *what;
		void (*fn)(const struct gen *g);
	} outputs[] = {
		{ "man", gen_man },   { "man-drivers", gen_man_drivers }, { "man-config", gen_man_config },
		{ "bash", gen_bash }, { "zsh", gen_zsh },                 { "fish", gen_fish },
		{ "powershell", gen_powershell },
	};
	const char *what = a->pos[0];
	const struct mc_option *drv_opt = find_opt(mc_opts_create, "driver");
	_cleanup_strv_ char **names = mc_driver_names();
	struct gen g = { 0 };
	int rc = 2;

	g.prog = mc_args_str(a, &mc_opts_generate[O_GENERATE_PROG]);
	if (!g.prog || !*g.prog)
		g.prog = cli->prog;
	g.fn = mc_asprintf("_%s", g.prog);
	for (char *c = g.fn; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '_')
			*c = '_';
	g.default_driver = drv_opt && drv_opt->def ? drv_opt->def : "libvirt";
	/* Every driver that loads: built in, and plugins on the search path. */
	for (size_t i = 0; names && names[i]; i++) {
		const struct mc_driver *d = NULL;
		struct mc_error err = { 0 };

		if (mc_driver_lookup(names[i], &d, &err) < 0 || !d)
			continue;
		g.drv = mc_realloc(g.drv, (g.ndrv + 1) * sizeof(*g.drv));
		g.drv[g.ndrv++] = d;
	}
	if (g.ndrv)
		qsort(g.drv, g.ndrv, sizeof(*g.drv), cmp_drv);
	for (size_t i = 0; i < MC_ARRAY_SIZE(outputs); i++)
		if (!strcmp(what, outputs[i].what)) {
			outputs[i].fn(&g);
			rc = 0;
		}
	if (rc)
		fprintf(stderr, "Error: unknown output \"%s\": use man, man-drivers, man-config, bash, zsh, fish or powershell\n",
			what);
	free(g.fn);
	free(g.drv);
	return rc;
}
