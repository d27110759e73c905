/* env: print the shell commands that point the docker client at a machine.
 * Offline: the store only, never the network. */
#include "buildconf.h"

#include <libgen.h>
#include <string.h>

#include "cli.h"
#include "util.h"

const struct mc_option mc_opts_env[] = {
	{ "shell", 0, MC_OPT_STRING, NULL, NULL, "SHELL",
	  "output syntax: bash, sh, zsh, fish, powershell, cmd, tcsh, emacs (default: from $SHELL)" },
	{ "unset", 'u', MC_OPT_BOOL, NULL, NULL, NULL, "print the commands that unset the variables" },
	{ "no-proxy", 0, MC_OPT_BOOL, NULL, NULL, NULL, "add the machine's IP to NO_PROXY" },
	{ "swarm", 0, MC_OPT_BOOL, NULL, NULL, NULL, "(docker-machine legacy swarm; not supported)" },
	{ NULL },
};

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

static const struct shell_fmt *find_shell(const char *name)
{
	static const char *const sh_like[] = { "sh", "bash", "zsh", "ksh", "dash", "ash", "mksh", "yash" };

	if (!strcmp(name, "pwsh") || !strcmp(name, "powershell.exe") || !strcmp(name, "pwsh.exe"))
		name = "powershell";
	if (!strcmp(name, "csh"))
		name = "tcsh";
	if (!strcmp(name, "cmd.exe"))
		name = "cmd";
	for (size_t i = 0; i < MC_ARRAY_SIZE(sh_like); i++)
		if (!strcmp(name, sh_like[i]))
			return &shells[0];
	for (size_t i = 1; i < MC_ARRAY_SIZE(shells); i++)
		if (!strcmp(name, shells[i].name))
			return &shells[i];
	return NULL;
}

static void put(const struct shell_fmt *sh, bool unset, const char *var, const char *val)
{
	if (unset)
		printf("%s%s%s%s", sh->unset_prefix, var, sh->unset_delim, sh->unset_suffix);
	else
		printf("%s%s%s%s%s", sh->set_prefix, var, sh->set_delim, val, sh->set_suffix);
}

/* The command line as invoked, for the hint ("eval $(machinectl env myvm1)"). */
static char *command_line(const struct mc_cli *cli, bool always_quote_prog)
{
	const char *p = cli->argv[0];
	char *s = (always_quote_prog || strchr(p, ' ') || strchr(p, '\\')) ? mc_asprintf("\"%s\"", p)
									  : mc_strdup(p);

	for (int i = 1; i < cli->argc; i++) {
		char *t = mc_asprintf("%s %s", s, cli->argv[i]);

		free(s);
		s = t;
	}
	return s;
}

static void hint(const struct mc_cli *cli, const struct shell_fmt *sh)
{
	bool ps = !strcmp(sh->name, "powershell");
	_cleanup_free_ char *args = command_line(cli, ps);

	printf("%s Run this command to configure your shell: \n%s ", sh->comment, sh->comment);
	if (!strcmp(sh->name, "fish"))
		printf("eval (%s)\n", args);
	else if (ps)
		printf("& %s | Invoke-Expression\n", args);
	else if (!strcmp(sh->name, "cmd"))
		printf("\t@FOR /f \"tokens=*\" %%i IN ('%s') DO @%%i\n", args);
	else if (!strcmp(sh->name, "emacs"))
		printf("(with-temp-buffer (shell-command \"%s\" (current-buffer)) (eval-buffer))\n", args);
	else if (!strcmp(sh->name, "tcsh"))
		printf("eval `%s`\n", args);
	else
		printf("eval $(%s)\n", args);
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

int mc_cmd_env(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	bool unset = mc_args_bool(a, "unset");
	const char *shell = mc_args_str(a, "shell");
	const struct shell_fmt *sh;
	const char *np_var = NULL;
	_cleanup_free_ char *np_val = NULL, *url = NULL, *ip = NULL;
	struct mc_target t = { .lock_fd = -1 };

	if (mc_args_bool(a, "swarm")) {
		mc_error_set(&err, MC_E_USAGE, "--swarm is docker-machine's legacy swarm, which machinectl does not run: use swarm mode (swarm-up)");
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

		if (!env_shell || !*env_shell) {
			printf("The default lines below are for a sh/bash shell, you can specify the shell you're using, with the --shell flag.\n\n");
			mc_error_set(&err, MC_E_FAILED, "Unknown shell");
			return mc_cli_fail(&err);
		}
		copy = mc_strdup(env_shell);
		sh = find_shell(basename(copy));
		if (!sh)
			sh = &shells[0];  /* any other shell: sh syntax, as docker-machine */
	}

	if (unset) {
		if (mc_args_npos(a) > 0) {
			mc_error_set(&err, MC_E_USAGE, "Expected no machine name when the -u flag is present");
			return mc_cli_fail(&err);
		}
		if (mc_args_bool(a, "no-proxy"))
			no_proxy(&np_var, &np_val, "");
	} else {
		if (mc_cli_default_name(cli, a, &err) < 0 ||
		    mc_target_open(cli, a->pos[0], false, &t, &err) < 0)
			return mc_cli_fail(&err);
		if (mc_target_url(&t, &url, &err) < 0 || mc_cli_certs_check(cli, &t, url, &err) < 0 ||
		    (mc_args_bool(a, "no-proxy") && mc_target_ip(&t, &ip, &err) < 0)) {
			mc_target_close(&t);
			return mc_cli_fail(&err);
		}
		if (ip)
			no_proxy(&np_var, &np_val, ip);
	}

	put(sh, unset, "DOCKER_TLS_VERIFY", "1");
	put(sh, unset, "DOCKER_HOST", url);
	put(sh, unset, "DOCKER_CERT_PATH", t.m ? t.m->dir : NULL);
	put(sh, unset, "DOCKER_MACHINE_NAME", t.m ? t.m->name : NULL);
#ifdef _WIN32
	put(sh, unset, "COMPOSE_CONVERT_WINDOWS_PATHS", "true");
#endif
	if (np_var)
		put(sh, unset, np_var, np_val);
	hint(cli, sh);
	mc_target_close(&t);
	return 0;
}
