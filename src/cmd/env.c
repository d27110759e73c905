/* env: print the shell commands that point the docker client at a machine.
 * Offline: the store only, never the network. */
#include "buildconf.h"

#include <ctype.h>
#include <libgen.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "os.h"
#include "util.h"

const struct mc_option mc_opts_env[] = {
	[O_ENV_SHELL] = { "shell", 0, MC_OPT_STRING, NULL, NULL, "SHELL",
	  "output syntax: bash, sh, zsh, fish, powershell, cmd, tcsh, csh, emacs (default: from $SHELL; on Windows without $SHELL, from the parent process: PowerShell or cmd)",
	  .value = MC_VALUE_CHOICE, .choices = "bash sh zsh fish powershell cmd tcsh csh emacs" },
	[O_ENV_UNSET] = { "unset", 'u', MC_OPT_BOOL, NULL, NULL, NULL,
	  "print the commands that unset the variables" },
	[O_ENV_NO_PROXY] = { "no-proxy", 0, MC_OPT_BOOL, NULL, NULL, NULL, "add the machine's IP to NO_PROXY and no_proxy (each one that is set; NO_PROXY when neither is)" },
	[O_ENV_SWARM] = { "swarm", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "(docker-machine legacy swarm; not supported)" },
	[O_ENV_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_env, O_ENV_N);
struct shell_fmt {
	const char *name;
	const char *set_prefix, *set_delim, *set_suffix;
	const char *unset_prefix, *unset_delim, *unset_suffix;
	const char *comment;
};

/* The value (with its quotes) goes between set_delim and set_suffix; cmd's
 * SET is written by put() itself. */
static const struct shell_fmt shells[] = {
	{ "sh", "export ", "=", "\n", "unset ", "", "\n", "#" },
	{ "fish", "set -gx ", " ", ";\n", "set -e ", "", ";\n", "#" },
	{ "powershell", "$Env:", " = ", "\n", "Remove-Item Env:\\\\", "", "\n", "#" },
	{ "cmd", "SET ", "=", "\n", "SET ", "=", "\n", "REM" },
	{ "tcsh", "setenv ", " ", ";\n", "unsetenv ", "", ";\n", ":" },
	/* csh (BSD csh, Debian's /bin/csh): tcsh's lines, but its ':' takes no
	 * arguments, so the hint is a command that never runs. */
	{ "csh", "setenv ", " ", ";\n", "unsetenv ", "", ";\n", "if (0) :" },
	{ "emacs", "(setenv \"", "\" ", ")\n", "(setenv \"", "\" nil", ")\n", ";;" },
};

static bool is_csh(const struct shell_fmt *sh)
{
	return !strcmp(sh->name, "tcsh") || !strcmp(sh->name, "csh");
}

static const struct shell_fmt *find_shell(const char *arg)
{
	static const char *const sh_like[] = { "sh", "bash", "zsh", "ksh", "dash", "ash", "mksh", "yash" };
	_cleanup_free_ char *copy = mc_strdup(arg);
	const char *name = copy;
	size_t n = strlen(copy);

	/* Windows names: bash.exe, pwsh.exe, cmd.exe, powershell.exe */
	if (n > 4 && !strcasecmp(copy + n - 4, ".exe"))
		copy[n - 4] = '\0';
	if (!strcmp(name, "pwsh"))
		name = "powershell";
	if (!strcmp(name, "bsd-csh"))
		name = "csh";
	for (size_t i = 0; i < MC_ARRAY_SIZE(sh_like); i++)
		if (!strcmp(name, sh_like[i]))
			return &shells[0];
	for (size_t i = 1; i < MC_ARRAY_SIZE(shells); i++)
		if (!strcmp(name, shells[i].name))
			return &shells[i];
	return NULL;
}

/* PowerShell's double-quote characters besides '"': U+201C, U+201D, U+201E
 * (left, right and low-9 double quotation marks); its single-quote
 * characters besides '\'': U+2018, U+2019, U+201A, U+201B.  Returns the
 * length of the UTF-8 sequence at c when it is one of them, else 0. */
static size_t ps_quote_char(const char *c, bool dbl)
{
	const unsigned char *u = (const unsigned char *)c;

	if (*c == (dbl ? '"' : '\''))
		return 1;
	if (u[0] == 0xe2 && u[1] == 0x80 &&
	    (dbl ? (u[2] >= 0x9c && u[2] <= 0x9e) : (u[2] >= 0x98 && u[2] <= 0x9b)))
		return 3;
	return 0;
}

static bool is_ctl(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

/* Why VAL cannot be carried in the shell's syntax, or NULL.  csh and tcsh
 * cannot carry a line break through `eval "`...`"` (command substitution
 * splits there); cmd runs each line of the output as a command (the hint's
 * FOR /f), expands %...% and, with delayed expansion, !...! in a batch file
 * or at the prompt, and has no escape for '"' inside SET "X=v". */
static const char *unsafe_for(const struct shell_fmt *sh, const char *val)
{
	if (is_csh(sh) && strpbrk(val, "\n"))
		return "a line break";
	if (!strcmp(sh->name, "cmd")) {
		for (const char *c = val; *c; c++)
			if (is_ctl(*c) && *c != '\t')
				return *c == '\n' || *c == '\r' ? "a line break" : "a control character";
		if (strchr(val, '"'))
			return "a double quote";
		if (strchr(val, '%'))
			return "'%'";
		if (strchr(val, '!'))
			return "'!'";
	}
	return NULL;
}

/* csh's single quotes: everything is literal but '!' (history substitution,
 * escaped as \!, even inside quotes) and the quote itself ('\''); a line
 * break is \ + newline.  Values never hold one here; in the hint (in_hint)
 * a CR, which hint() turns into a line break, gets the backslash too, so the
 * quotes stay balanced. */
static void put_csh_single(FILE *f, const char *val, bool in_hint)
{
	fputc('\'', f);
	for (const char *c = val; *c; c++) {
		if (*c == '\'')
			fputs("'\\''", f);
		else if (*c == '!')
			fputs("\\!", f);
		else if (*c == '\n' || (in_hint && *c == '\r'))
			fprintf(f, "\\%c", *c);
		else
			fputc(*c, f);
	}
	fputc('\'', f);
}

/* The value, quoted for the shell. */
static void put_value(FILE *f, const struct shell_fmt *sh, const char *val)
{
	const char *special = "";

	if (is_csh(sh)) {
		/* docker-machine's "v" while nothing in v is special to csh
		 * (inside double quotes $ ` ! stay live and " cannot be
		 * escaped); else single quotes. */
		bool plain = true;

		for (const char *c = val; *c; c++)
			if (!isalnum((unsigned char)*c) && !strchr(" _.,:/@%+=~^-", *c))
				plain = false;
		if (!plain) {
			put_csh_single(f, val, false);
			return;
		}
	} else if (!strcmp(sh->name, "powershell")) {
		/* An expandable string: ` $ and every double-quote character
		 * escaped with a backquote; CR and LF as `r `n, because
		 * Invoke-Expression gets the output line by line. */
		fputc('"', f);
		for (const char *c = val; *c; c++) {
			size_t q = ps_quote_char(c, true);

			if (*c == '\n') {
				fputs("`n", f);
			} else if (*c == '\r') {
				fputs("`r", f);
			} else if (*c == '`' || *c == '$' || q) {
				fputc('`', f);
				fwrite(c, 1, q ? q : 1, f);
				c += q ? q - 1 : 0;
			} else {
				fputc(*c, f);
			}
		}
		fputc('"', f);
		return;
	} else if (!strcmp(sh->name, "sh")) {
		special = "\\\"$`";
	} else if (!strcmp(sh->name, "fish")) {
		special = "\\\"$";
	} else if (!strcmp(sh->name, "emacs")) {
		special = "\\\"";
	}
	fputc('"', f);
	for (const char *c = val; *c; c++) {
		if (strchr(special, *c))
			fputc('\\', f);
		fputc(*c, f);
	}
	fputc('"', f);
}

static void put(FILE *f, const struct shell_fmt *sh, bool unset, const char *var, const char *val)
{
	if (unset) {
		fprintf(f, "%s%s%s%s", sh->unset_prefix, var, sh->unset_delim, sh->unset_suffix);
		return;
	}
	if (!strcmp(sh->name, "cmd")) {
		/* SET X=v as docker-machine, or SET "X=v" when v holds a
		 * character that cmd parses (& | < > ^ and parentheses): the
		 * quotes keep them literal at the prompt and in a batch file,
		 * and SET drops them, so the hint's FOR /f gets v as well. */
		bool quote = strpbrk(val, "&|<>^()") != NULL;

		fprintf(f, "SET %s%s=%s%s\n", quote ? "\"" : "", var, val, quote ? "\"" : "");
		return;
	}
	fprintf(f, "%s%s%s", sh->set_prefix, var, sh->set_delim);
	put_value(f, sh, val);
	fputs(sh->set_suffix, f);
}

/* One argument of the hint's command line, quoted for the shell when needed. */
static char *quote_arg(const struct shell_fmt *sh, const char *a)
{
	bool plain = *a != '\0';
	bool ps = !strcmp(sh->name, "powershell");
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	for (const char *c = a; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr(ps ? "%_+=:./-" : "@%_+=:,./-", *c))
			plain = false;
	if (plain)
		return mc_strdup(a);
	if (!strcmp(sh->name, "cmd"))
		return mc_asprintf("\"%s\"", a);
	if (!ps && !is_csh(sh))
		return mc_shell_quote(a);  /* sh, fish, and the shell emacs runs */
	f = open_memstream(&out, &n);
	if (!f)
		abort();
	if (ps) {
		/* single quotes: no expansion; each single-quote character doubled */
		fputc('\'', f);
		for (const char *c = a; *c; c++) {
			size_t q = ps_quote_char(c, false);

			fwrite(c, 1, q ? q : 1, f);
			if (q)
				fwrite(c, 1, q, f);
			c += q ? q - 1 : 0;
		}
		fputc('\'', f);
	} else {
		put_csh_single(f, a, true);
	}
	fclose(f);
	return out;
}

/* The program as the hint names it: as docker-machine, in double quotes when
 * it holds a space or a backslash (always for PowerShell); quoted as any
 * other argument when it holds something the double quotes leave live. */
static char *quote_argv0(const struct shell_fmt *sh, const char *p)
{
	bool ps = !strcmp(sh->name, "powershell");
	const char *live = ps ? "`$\"'" : is_csh(sh) ? "$`!\"'" : "$`\"\\'";

	for (const char *c = p; *c; c++)
		if (strchr(live, *c) || is_ctl(*c) || (ps && (ps_quote_char(c, true) || ps_quote_char(c, false))))
			return quote_arg(sh, p);
	if (ps || strchr(p, ' ') || strchr(p, '\\'))
		return mc_asprintf("\"%s\"", p);
	return mc_strdup(p);
}

/* The command line as invoked, for the hint ("eval $(machinectl env myvm1)"):
 * argv[0] in double quotes when it holds a space or a backslash (always for
 * PowerShell), as docker-machine; other arguments quoted for the shell. */
static char *command_line(const struct mc_cli *cli, const struct shell_fmt *sh)
{
	char *s = quote_argv0(sh, cli->argv[0]);

	for (int i = 1; i < cli->argc; i++) {
		_cleanup_free_ char *q = quote_arg(sh, cli->argv[i]);
		char *t = mc_asprintf("%s %s", s, q);

		free(s);
		s = t;
	}
	if (!strcmp(sh->name, "emacs")) {
		/* The command is an Emacs Lisp string there. */
		char *e = mc_malloc(2 * strlen(s) + 1), *w = e;

		for (const char *c = s; *c; c++) {
			if (*c == '\\' || *c == '"')
				*w++ = '\\';
			*w++ = *c;
		}
		*w = '\0';
		free(s);
		s = e;
	}
	return s;
}

static void hint(const struct mc_cli *cli, const struct shell_fmt *sh)
{
	_cleanup_free_ char *args = command_line(cli, sh), *line = NULL;

	if (!strcmp(sh->name, "fish"))
		line = mc_asprintf("eval (%s)", args);
	else if (!strcmp(sh->name, "powershell"))
		line = mc_asprintf("& %s | Invoke-Expression", args);
	else if (!strcmp(sh->name, "cmd"))
		line = mc_asprintf("\t@FOR /f \"tokens=*\" %%i IN ('%s') DO @%%i", args);
	else if (!strcmp(sh->name, "emacs"))
		line = mc_asprintf("(with-temp-buffer (shell-command \"%s\" (current-buffer)) (eval-buffer))", args);
	else if (is_csh(sh))
		line = mc_asprintf("eval `%s`", args);
	else
		line = mc_asprintf("eval $(%s)", args);
	/* csh's "comment" is a command that never runs, ended by ';'. */
	const char *end = strcmp(sh->name, "csh") ? "" : ";";

	printf("%s Run this command to configure your shell:%s\n%s ", sh->comment, *end ? end : " ",
	       sh->comment);
	/* An argument may hold a line break (a store path): each line stays a
	 * comment, or evaluating the output would run the rest of it. */
	for (const char *c = line; *c; c++) {
		if (*c == '\n' || *c == '\r')
			printf("\n%s ", sh->comment);
		else
			putchar(*c);
	}
	printf("%s\n", end);
}

/* A proxy exception list with ip added, unless already there (malloc'd).
 * An entry counts without the blanks around it, as Go and curl read it. */
static char *no_proxy_add(const char *cur, const char *ip)
{
	size_t len = strlen(ip);

	if (!cur || !*cur)
		return mc_strdup(ip);
	for (const char *s = cur; *s; s += *s == ',') {
		const char *e = s + strspn(s, " \t");

		/* the IP, then blanks up to the entry's end (a comma or the NUL) */
		if (!strncmp(e, ip, len) && strchr(",", e[len + strspn(e + len, " \t")]))
			return mc_strdup(cur);
		s += strcspn(s, ",");
	}
	return mc_asprintf("%s,%s", cur, ip);
}

/* --no-proxy: each of NO_PROXY and no_proxy that is set, extended with the
 * IP (programs differ in which one they read: Go reads NO_PROXY first, curl
 * no_proxy); NO_PROXY when neither is.  names[i]/vals[i], n of them. */
static size_t no_proxy(const char *names[2], char *vals[2], const char *ip)
{
	static const char *const vars[2] = { "NO_PROXY", "no_proxy" };
	size_t n = 0;

	for (int i = 0; i < 2; i++) {
		const char *cur = getenv(vars[i]);

		if (cur && *cur) {
			names[n] = vars[i];
			vals[n++] = no_proxy_add(cur, ip);
		}
	}
	if (!n) {
		names[n] = vars[0];
		vals[n++] = mc_strdup(ip);
	}
	return n;
}

/*
 * Windows without $SHELL (docker-machine's rule): the shell is the parent
 * process, or the grandparent (machinectl may run under a wrapper), whose
 * name holds "powershell" (or pwsh: PowerShell 7) or "cmd"; else cmd, and
 * *guessed is set.  The process names come from the OS layer, so the same
 * code runs (and is tested) on Linux with MACHINECTL_OS=windows.
 */
static const char *windows_shell(bool *guessed)
{
	long pid = 0;

	*guessed = false;
	for (int depth = 0; depth < 2; depth++) {
		_cleanup_free_ char *name = NULL;

		pid = mc_os_parent_pid(pid);
		if (pid <= 0 || !(name = mc_os_process_name(pid)))
			break;
		for (char *c = name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strstr(name, "powershell") || strstr(name, "pwsh"))
			return "powershell";
		if (strstr(name, "cmd"))
			return "cmd";
	}
	*guessed = true;
	return "cmd";
}

int mc_cmd_env(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	bool unset = mc_args_bool(a, &mc_opts_env[O_ENV_UNSET]);
	const char *shell = mc_args_str(a, &mc_opts_env[O_ENV_SHELL]);
	const struct shell_fmt *sh = NULL;
	const char *np_var[2] = { NULL, NULL };
	char *np_val[2] = { NULL, NULL };
	size_t n_np = 0;
	_cleanup_free_ char *url = NULL, *ip = NULL;
	struct mc_handle h = { .lock_fd = -1 };
	struct var {
		const char *name, *val;
	} vars[7];
	size_t nv = 0;
	int rc = 0;

	if (mc_args_bool(a, &mc_opts_env[O_ENV_SWARM])) {
		mc_error_set(&err, MC_E_USAGE, "--swarm is docker-machine's legacy swarm, which machinectl does not run: use swarm mode (swarm-up)");
		return mc_cli_fail(&err);
	}
	if (unset && mc_args_npos(a) > 0) {
		mc_error_set(&err, MC_E_USAGE, "Expected no machine name when the -u flag is present");
		return mc_cli_fail(&err);
	}
	if (shell) {
		sh = find_shell(shell);
		if (!sh) {
			mc_error_set(&err, MC_E_USAGE,
				     "unknown shell \"%s\": use bash, sh, zsh, fish, powershell, cmd, tcsh, csh or emacs",
				     shell);
			return mc_cli_fail(&err);
		}
	} else {
		const char *env_shell = getenv("SHELL");
		_cleanup_free_ char *copy = NULL;
		bool guessed;

		if (mc_os_is_windows() && (!env_shell || !*env_shell)) {
			sh = find_shell(windows_shell(&guessed));
			if (guessed)
				printf("You can further specify your shell with either 'cmd' or 'powershell' with the --shell flag.\n\n");
		} else if (mc_os_is_windows() && getenv("__fish_bin_dir")) {
			sh = find_shell("fish");
		} else if (!env_shell || !*env_shell) {
			printf("The default lines below are for a sh/bash shell, you can specify the shell you're using, with the --shell flag.\n\n");
			mc_error_set(&err, MC_E_FAILED, "Unknown shell");
			return mc_cli_fail(&err);
		}
		if (!sh) {
			copy = mc_strdup(env_shell);
			sh = find_shell(basename(copy));
		}
		if (!sh)
			sh = &shells[0];  /* any other shell: sh syntax, as docker-machine */
	}

	if (unset) {
		if (mc_args_bool(a, &mc_opts_env[O_ENV_NO_PROXY]))
			n_np = no_proxy(np_var, np_val, "");
	} else {
		if (mc_cli_default_name(cli, a, &err) < 0 ||
		    mc_handle_open(&cli->s, a->pos[0], 0, &h, &err) < 0)
			return mc_cli_fail(&err);
		if (mc_handle_require_created(&h, &err) < 0 ||
		    mc_op_url(&h, &url, &err) < 0 || mc_ops_certs_check(&h, url, &err) < 0 ||
		    (mc_args_bool(a, &mc_opts_env[O_ENV_NO_PROXY]) && mc_op_ip(&h, &ip, &err) < 0)) {
			mc_handle_close(&h);
			return mc_cli_fail(&err);
		}
		if (ip)
			n_np = no_proxy(np_var, np_val, ip);
	}

	vars[nv++] = (struct var){ "DOCKER_TLS_VERIFY", "1" };
	vars[nv++] = (struct var){ "DOCKER_HOST", url };
	vars[nv++] = (struct var){ "DOCKER_CERT_PATH", h.m ? h.m->dir : NULL };
	vars[nv++] = (struct var){ "DOCKER_MACHINE_NAME", h.m ? h.m->name : NULL };
	/* docker-compose on Windows turns C:\\ paths in volumes into /c/ ones. */
	if (mc_os_is_windows())
		vars[nv++] = (struct var){ "COMPOSE_CONVERT_WINDOWS_PATHS", "true" };
	for (size_t i = 0; i < n_np; i++)
		vars[nv++] = (struct var){ np_var[i], np_val[i] };
	/* Nothing is printed unless every value can be. */
	for (size_t i = 0; i < nv && !unset; i++) {
		const char *why = unsafe_for(sh, vars[i].val);

		if (why) {
			mc_error_setm(&err, h.m->name, MC_E_INVALID,
				      "the value of %s holds %s, which %s cannot carry safely: use another shell (--shell), %s",
				      vars[i].name, why, sh->name,
				      !strcmp(vars[i].name, "DOCKER_CERT_PATH") ? "or a store (-s) whose path has none"
				      : "or change the value");
			rc = mc_cli_fail(&err);
			goto out;
		}
	}
	for (size_t i = 0; i < nv; i++)
		put(stdout, sh, unset, vars[i].name, vars[i].val);
	hint(cli, sh);
out:
	mc_handle_close(&h);
	for (size_t i = 0; i < n_np; i++)
		free(np_val[i]);
	return rc;
}
