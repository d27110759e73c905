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
	  "output syntax: bash, sh, zsh, fish, powershell, cmd, tcsh, emacs (default: from $SHELL; on Windows without $SHELL, from the parent process: PowerShell or cmd)",
	  .value = MC_VALUE_CHOICE, .choices = "bash sh zsh fish powershell cmd tcsh emacs" },
	[O_ENV_UNSET] = { "unset", 'u', MC_OPT_BOOL, NULL, NULL, NULL,
	  "print the commands that unset the variables" },
	[O_ENV_NO_PROXY] = { "no-proxy", 0, MC_OPT_BOOL, NULL, NULL, NULL, "add the machine's IP to NO_PROXY" },
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

static const struct shell_fmt shells[] = {
	{ "sh", "export ", "=\"", "\"\n", "unset ", "", "\n", "#" },
	{ "fish", "set -gx ", " \"", "\";\n", "set -e ", "", ";\n", "#" },
	{ "powershell", "$Env:", " = \"", "\"\n", "Remove-Item Env:\\\\", "", "\n", "#" },
	{ "cmd", "SET ", "=", "\n", "SET ", "=", "\n", "REM" },
	{ "tcsh", "setenv ", " \"", "\";\n", "unsetenv ", "", ";\n", ":" },
	{ "emacs", "(setenv \"", "\" \"", "\")\n", "(setenv \"", "\" nil", ")\n", ";;" },
};

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
	if (!strcmp(name, "csh"))
		name = "tcsh";
	for (size_t i = 0; i < MC_ARRAY_SIZE(sh_like); i++)
		if (!strcmp(name, sh_like[i]))
			return &shells[0];
	for (size_t i = 1; i < MC_ARRAY_SIZE(shells); i++)
		if (!strcmp(name, shells[i].name))
			return &shells[i];
	return NULL;
}

/* Characters that keep their meaning inside the shell's double quotes, and
 * the escape that takes it away.  cmd's SET takes the rest of the line as it
 * is; tcsh has no escape inside double quotes (and needs none for the paths
 * we print: spaces and backslashes are literal there). */
static void escapes(const struct shell_fmt *sh, const char **special, char *esc)
{
	*special = "";
	*esc = '\\';
	if (!strcmp(sh->name, "sh"))
		*special = "\\\"$`";
	else if (!strcmp(sh->name, "fish"))
		*special = "\\\"$";
	else if (!strcmp(sh->name, "emacs"))
		*special = "\\\"";
	else if (!strcmp(sh->name, "powershell")) {
		*special = "`\"$";
		*esc = '`';
	}
}

static void put_value(const struct shell_fmt *sh, const char *val)
{
	const char *special;
	char esc;

	escapes(sh, &special, &esc);
	for (; *val; val++) {
		if (strchr(special, *val))
			putchar(esc);
		putchar(*val);
	}
}

static void put(const struct shell_fmt *sh, bool unset, const char *var, const char *val)
{
	if (unset) {
		printf("%s%s%s%s", sh->unset_prefix, var, sh->unset_delim, sh->unset_suffix);
		return;
	}
	printf("%s%s%s", sh->set_prefix, var, sh->set_delim);
	put_value(sh, val);
	fputs(sh->set_suffix, stdout);
}

/* One argument of the hint's command line, quoted for the shell when needed. */
static char *quote_arg(const struct shell_fmt *sh, const char *a)
{
	bool plain = *a != '\0';

	for (const char *c = a; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("@%_+=:,./-", *c))
			plain = false;
	if (plain)
		return mc_strdup(a);
	if (!strcmp(sh->name, "cmd"))
		return mc_asprintf("\"%s\"", a);
	if (!strcmp(sh->name, "powershell")) {
		/* single quotes: no expansion; a quote is doubled */
		size_t n = 3;
		char *out, *w;

		for (const char *c = a; *c; c++)
			n += *c == '\'' ? 2 : 1;
		w = out = mc_malloc(n);
		*w++ = '\'';
		for (const char *c = a; *c; c++) {
			if (*c == '\'')
				*w++ = '\'';
			*w++ = *c;
		}
		*w++ = '\'';
		*w = '\0';
		return out;
	}
	return mc_shell_quote(a);  /* sh, fish, tcsh, and the shell emacs runs */
}

/* The command line as invoked, for the hint ("eval $(machinectl env myvm1)"):
 * argv[0] in double quotes when it holds a space or a backslash (always for
 * PowerShell), as docker-machine; other arguments quoted for the shell. */
static char *command_line(const struct mc_cli *cli, const struct shell_fmt *sh)
{
	const char *p = cli->argv[0];
	bool ps = !strcmp(sh->name, "powershell");
	char *s = (ps || strchr(p, ' ') || strchr(p, '\\')) ? mc_asprintf("\"%s\"", p) : mc_strdup(p);

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
	else if (!strcmp(sh->name, "tcsh"))
		line = mc_asprintf("eval `%s`", args);
	else
		line = mc_asprintf("eval $(%s)", args);
	printf("%s Run this command to configure your shell: \n%s ", sh->comment, sh->comment);
	/* An argument may hold a line break (a store path): each line stays a
	 * comment, or evaluating the output would run the rest of it. */
	for (const char *c = line; *c; c++) {
		if (*c == '\n' || *c == '\r')
			printf("\n%s ", sh->comment);
		else
			putchar(*c);
	}
	putchar('\n');
}

/* NO_PROXY (or no_proxy when only that is set) plus the IP, unless already there. */
static void no_proxy(const char **var, char **val, const char *ip)
{
	const char *cur = getenv("NO_PROXY");

	*var = "NO_PROXY";
	if (!cur && getenv("no_proxy")) {
		*var = "no_proxy";
		cur = getenv("no_proxy");
	}
	if (!cur || !*cur) {
		*val = mc_strdup(ip);
		return;
	}
	for (const char *s = cur; *s;) {
		size_t n = strcspn(s, ",");

		if (n == strlen(ip) && !strncmp(s, ip, n)) {
			*val = mc_strdup(cur);
			return;
		}
		s += n;
		if (*s == ',')
			s++;
	}
	*val = mc_asprintf("%s,%s", cur, ip);
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
	const char *np_var = NULL;
	_cleanup_free_ char *np_val = NULL, *url = NULL, *ip = NULL;
	struct mc_handle h = { .lock_fd = -1 };

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
				     "unknown shell \"%s\": use bash, sh, zsh, fish, powershell, cmd, tcsh or emacs",
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
			no_proxy(&np_var, &np_val, "");
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
			no_proxy(&np_var, &np_val, ip);
	}

	put(sh, unset, "DOCKER_TLS_VERIFY", "1");
	put(sh, unset, "DOCKER_HOST", url);
	put(sh, unset, "DOCKER_CERT_PATH", h.m ? h.m->dir : NULL);
	put(sh, unset, "DOCKER_MACHINE_NAME", h.m ? h.m->name : NULL);
	/* docker-compose on Windows turns C:\\ paths in volumes into /c/ ones. */
	if (mc_os_is_windows())
		put(sh, unset, "COMPOSE_CONVERT_WINDOWS_PATHS", "true");
	if (np_var)
		put(sh, unset, np_var, np_val);
	hint(cli, sh);
	mc_handle_close(&h);
	return 0;
}
