/* ssh, scp, mount: a shell, a command or files on a machine (see doc/ssh.md). */
#include "buildconf.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "log.h"
#include "proc.h"
#include "ssh.h"
#include "term.h"
#include "util.h"

const struct mc_option mc_opts_ssh[] = {
	[O_SSH_DYNAMIC_FORWARD] = { "dynamic-forward", 'D', MC_OPT_LIST, NULL, NULL, "[BIND:]PORT",
	  "a SOCKS proxy on PORT here into the machine's network (the system's ssh only)" },
	[O_SSH_LOCAL_FORWARD] = { "local-forward", 'L', MC_OPT_LIST, NULL, NULL, "[BIND:]PORT:HOST:HOSTPORT",
	  "forward PORT here (on loopback unless BIND) to HOST:HOSTPORT as the machine reaches it" },
	[O_SSH_NO_COMMAND] = { "no-command", 'N', MC_OPT_BOOL, NULL, NULL, NULL,
	  "run nothing on the machine: only forward ports, until interrupted" },
	[O_SSH_NO_TTY] = { "no-tty", 'T', MC_OPT_BOOL, NULL, NULL, NULL, "never ask for a terminal" },
	[O_SSH_OPTION] = { "option", 'o', MC_OPT_LIST, NULL, NULL, "KEY=VALUE",
	  "an option for the system's ssh (ssh_config(5)); it comes before machinectl's own, so it wins" },
	[O_SSH_REMOTE_FORWARD] = { "remote-forward", 'R', MC_OPT_LIST, NULL, NULL, "[BIND:]PORT:HOST:HOSTPORT",
	  "forward PORT on the machine (its loopback unless BIND) to HOST:HOSTPORT as this host reaches it" },
	[O_SSH_REPIN] = { "repin", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "forget the machine's pinned SSH host key and pin the one it presents now, then connect "
	  "(only after a change you know of: reinstall, new host keys)" },
	[O_SSH_TTY] = { "tty", 't', MC_OPT_BOOL, NULL, NULL, NULL,
	  "ask for a terminal even for a COMMAND, or when stdin is not one" },
	[O_SSH_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_ssh, O_SSH_N);

const struct mc_option mc_opts_scp[] = {
	[O_SCP_DELTA] = { "delta", 'd', MC_OPT_BOOL, NULL, NULL, NULL,
	  "copy only the differences, with rsync (needs rsync on both sides and the system's ssh)" },
	[O_SCP_QUIET] = { "quiet", 'q', MC_OPT_BOOL, NULL, NULL, NULL, "no progress output" },
	[O_SCP_RECURSIVE] = { "recursive", 'r', MC_OPT_BOOL, NULL, NULL, NULL,
	  "copy directories and their contents" },
	[O_SCP_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_scp, O_SCP_N);

const struct mc_option mc_opts_mount[] = {
	[O_MOUNT_UNMOUNT] = { "unmount", 'u', MC_OPT_BOOL, NULL, NULL, NULL,
	  "unmount MOUNTPOINT (given alone, or found from [USER@]NAME:PATH as mount does) instead of mounting" },
	[O_MOUNT_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_mount, O_MOUNT_N);

static bool use_native(struct mc_cli *cli, const char *tool)
{
	_cleanup_free_ char *p = NULL;

	if (cli->s.native_ssh)
		return true;
	p = mc_proc_which(tool);
	if (!p)
		mc_debug("%s not found in PATH: using the native SSH client", tool);
	return !p;
}

/* A machine reached over SSH: loaded, running, its endpoint resolved. */
struct remote {
	char *name, *user;       /* user: NULL for the machine's own */
	struct mc_handle h;
	bool open;
	struct mc_ssh_endpoint ep;
	struct mc_ssh *s;        /* native session, once connected */
	char *alias;             /* Host name in the generated ssh_config */
};

static void remote_free(struct remote *r)
{
	mc_ssh_close(r->s);
	mc_ssh_endpoint_clear(&r->ep);
	if (r->open)
		mc_handle_close(&r->h);
	free(r->name);
	free(r->user);
	free(r->alias);
	memset(r, 0, sizeof(*r));
}

static int remote_open(struct mc_cli *cli, struct remote *r, struct mc_error *err)
{
	if (mc_handle_open(&cli->s, r->name, 0, &r->h, err) < 0)
		return -1;
	r->open = true;
	if (!r->h.drv->has_ssh)  /* says so before the state is asked */
		return mc_op_ssh_endpoint(&r->h, &r->ep, err);
	if (mc_handle_require_vm_running(&r->h, err) < 0 || mc_op_ssh_endpoint(&r->h, &r->ep, err) < 0)
		return -1;
	if (r->user) {
		free(r->ep.user);
		r->ep.user = mc_strdup(r->user);
		if (mc_ssh_endpoint_check(&r->ep, err) < 0)
			return -1;
	}
	return 0;
}

/* The external client pins natively first, so both clients pin the same key;
 * and it must be able to read the key's path. */
static int ensure_pinned(struct remote *r, struct mc_error *err)
{
	_cleanup_free_ char *fp = NULL;

	if (mc_ssh_external_check(&r->ep, err) < 0)
		return -1;
	if (mc_ssh_is_pinned(&r->ep))
		return 0;
	if (mc_ssh_pin(&r->ep, false, &fp, NULL, err) < 0)
		return -1;
	mc_debug("pinned the SSH host key of %s: %s", r->name, fp);
	return 0;
}

/* After the external client failed: say why, when we can tell. */
static void explain_failure(struct remote *r)
{
	struct mc_error e = { 0 };

	if (mc_ssh_diagnose(&r->ep, &e) < 0)
		mc_cli_fail(&e);
}

/* ------------------------------------------------------------------ */
/* ssh                                                                 */

/* What `ssh` was asked, from the options before NAME and those right after it. */
struct ssh_req {
	char *cmd;                     /* NULL: a login shell */
	struct mc_ssh_forward *fwd;
	size_t nfwd;
	char **opts;                   /* -o values */
	bool no_command, tty, no_tty, repin, native;
};

static void ssh_req_free(struct ssh_req *q)
{
	for (size_t i = 0; i < q->nfwd; i++)
		mc_ssh_forward_clear(&q->fwd[i]);
	free(q->fwd);
	free(q->cmd);
	mc_strv_free(q->opts);
}

/* The option of mc_opts_ssh word w names (value: it takes a value), or NULL. */
static const struct mc_option *ssh_option_word(const char *w, bool *value)
{
	for (const struct mc_option *o = mc_opts_ssh; o->name; o++) {
		size_t n = strlen(o->name);

		if ((w[1] == '-' && !strncmp(w + 2, o->name, n) && (!w[2 + n] || w[2 + n] == '=')) ||
		    (w[1] != '-' && w[1] == o->short_name)) {
			*value = o->type != MC_OPT_BOOL && !strchr(w, '=') && !(w[1] != '-' && w[2]);
			return o;
		}
	}
	return NULL;
}

/* docker-machine handed the words after NAME to ssh, which reads options
 * there too (`ssh NAME -L 8080:localhost:80`): leading words after NAME that
 * are ssh's options here are read as options; the first other word starts
 * the command (`ssh NAME ls -la` stays a command).  Returns the index of the
 * first command word (0 when there is no NAME), SIZE_MAX on a bad option. */
static size_t options_after_name(char **pos, struct mc_args *post, struct mc_error *err)
{
	size_t i = pos[0] ? 1 : 0;
	char **words = NULL;
	int rc;

	while (pos[i] && pos[i][0] == '-' && pos[i][1] && strcmp(pos[i], "--")) {
		bool value;

		if (!ssh_option_word(pos[i], &value))
			break;
		mc_strv_push(&words, mc_strdup(pos[i++]));
		if (value && pos[i])
			mc_strv_push(&words, mc_strdup(pos[i++]));
	}
	if (pos[i] && !strcmp(pos[i], "--"))
		i++;
	rc = mc_args_parse((const struct mc_option *const[]){ mc_opts_ssh, NULL }, (int)mc_strv_len(words),
			   words ? words : (char *[]){ NULL }, 0, post, err);
	mc_strv_free(words);
	if (rc < 0) {
		mc_args_free(post);
		return SIZE_MAX;
	}
	return i;
}

#define SSH_OPT(x) (&mc_opts_ssh[O_SSH_##x])

static void push_all(char ***v, char **from)
{
	for (size_t i = 0; from && from[i]; i++)
		mc_strv_push(v, mc_strdup(from[i]));
}

/* An -o value: KEY=VALUE or "KEY VALUE", KEY in letters, nothing a config line cannot carry. */
static int check_ssh_option(const char *o, struct mc_error *err)
{
	size_t k = strspn(o, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

	for (const char *p = o; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return mc_error_set(err, MC_E_USAGE, "-o: a control character in an ssh option");
	if (!k || (o[k] != '=' && o[k] != ' ') || !o[k + 1])
		return mc_error_set(err, MC_E_USAGE, "-o \"%s\": expected KEY=VALUE (an option of ssh_config(5))", o);
	return 0;
}

static int ssh_parse(struct mc_cli *cli, struct mc_args *a, struct ssh_req *q, struct mc_error *err)
{
	struct mc_args post = { 0 };
	_cleanup_strv_ char **L = NULL, **R = NULL, **D = NULL;
	size_t first = options_after_name(a->pos, &post, err);
	static const char kinds[] = "LRD";

	if (first == SIZE_MAX)
		return -1;
	for (size_t i = first; a->pos[i]; i++)  /* words joined with spaces, as docker-machine */
		mc_str_append(&q->cmd, " ", a->pos[i]);
	struct mc_args *both[] = { a, &post };
	for (size_t k = 0; k < 2; k++) {
		push_all(&L, mc_args_list(both[k], SSH_OPT(LOCAL_FORWARD)));
		push_all(&R, mc_args_list(both[k], SSH_OPT(REMOTE_FORWARD)));
		push_all(&D, mc_args_list(both[k], SSH_OPT(DYNAMIC_FORWARD)));
		push_all(&q->opts, mc_args_list(both[k], SSH_OPT(OPTION)));
		q->no_command |= mc_args_bool(both[k], SSH_OPT(NO_COMMAND));
		q->tty |= mc_args_bool(both[k], SSH_OPT(TTY));
		q->no_tty |= mc_args_bool(both[k], SSH_OPT(NO_TTY));
		q->repin |= mc_args_bool(both[k], SSH_OPT(REPIN));
	}
	mc_args_free(&post);
	q->fwd = mc_calloc(mc_strv_len(L) + mc_strv_len(R) + mc_strv_len(D) + 1, sizeof(*q->fwd));
	for (size_t k = 0; k < 3; k++) {
		char **v = k == 0 ? L : k == 1 ? R : D;

		for (size_t i = 0; v && v[i]; i++, q->nfwd++)
			if (mc_ssh_forward_parse(kinds[k], v[i], &q->fwd[q->nfwd], err) < 0)
				return -1;
	}
	for (size_t i = 0; q->opts && q->opts[i]; i++)
		if (check_ssh_option(q->opts[i], err) < 0)
			return -1;
	if (q->no_command && q->cmd)
		return mc_error_set(err, MC_E_USAGE, "-N runs no command, but one was given (\"%s\"): drop one of them", q->cmd);
	if (q->tty && q->no_tty)
		return mc_error_set(err, MC_E_USAGE, "-t asks for a terminal and -T for none: give one of them");
	q->native = use_native(cli, "ssh");
	for (size_t i = 0; q->native && i < q->nfwd; i++)
		if (q->fwd[i].kind == 'D' || !q->fwd[i].host)
			return mc_error_set(err, MC_E_USAGE,
					    "-%c %s is a SOCKS proxy, which needs the system's ssh: the native client (--native-ssh, or no ssh in PATH) forwards -L and -R PORT:HOST:HOSTPORT",
					    q->fwd[i].kind, q->fwd[i].spec);
	if (q->native && q->opts)
		return mc_error_set(err, MC_E_USAGE,
				    "-o %s is an option of the system's ssh: the native client (--native-ssh, or no ssh in PATH) takes none",
				    q->opts[0]);
	return 0;
}

static int ssh_native(struct remote *r, struct ssh_req *q, struct mc_error *err)
{
	bool pty = q->tty || (!q->no_tty && !q->cmd && !q->no_command && mc_term_isatty(0));
	const struct mc_ssh_forward *f;
	size_t nf;
	int status = 1;

	if (mc_ssh_connect(&r->ep, &r->s, err) < 0 ||
	    (q->nfwd && mc_ssh_forward_start(r->s, q->fwd, q->nfwd, err) < 0)) {
		/* As OpenSSH does: 255 when the connection (or, with
		 * ExitOnForwardFailure, a forward) fails. */
		mc_cli_fail(err);
		return 255;
	}
	f = mc_ssh_forwards(r->s, &nf);
	for (size_t i = 0; i < nf; i++)
		if (f[i].kind == 'R' && !f[i].port)
			mc_cli_eprintf("Allocated port %d for remote forward to %s:%d", f[i].bound_port,
				f[i].host, f[i].host_port);
	fflush(stdout);
	signal(SIGPIPE, SIG_IGN);
	if (q->no_command) {
		mc_ssh_forward_run(r->s, err);
		mc_cli_fail(err);
		return 255;
	}
	if (mc_ssh_stream(r->s, q->cmd, 0, 1, 2, pty, &status, err) < 0) {
		if (pty)  /* the cursor may be anywhere on the remote's last line */
			fputs("\r\n", stderr);
		mc_cli_fail(err);
		return err->code == MC_E_NETWORK ? 255 : 1;  /* 255: as OpenSSH */
	}
	return status;
}

static int ssh_external(struct remote *r, struct ssh_req *q, struct mc_error *err)
{
	_cleanup_strv_ char **argv = NULL;
	bool any_port0 = false;
	bool quiet = !q->nfwd;  /* machinectl's LogLevel=QUIET is the one ssh takes */
	int status;

	if (ensure_pinned(r, err) < 0)
		return mc_cli_fail(err);
	mc_strv_push(&argv, mc_strdup("ssh"));
	/* ssh takes the first value of each option: the user's come first. */
	for (size_t i = 0; q->opts && q->opts[i]; i++) {
		mc_strv_push(&argv, mc_strdup("-o"));
		mc_strv_push(&argv, mc_strdup(q->opts[i]));
		if (!strncasecmp(q->opts[i], "LogLevel", 8) && (q->opts[i][8] == '=' || q->opts[i][8] == ' '))
			quiet = false;
	}
	for (size_t i = 0; i < q->nfwd; i++)
		any_port0 |= q->fwd[i].kind == 'R' && !q->fwd[i].port;
	if (q->nfwd) {
		/* A forward that cannot listen fails, and says why (not QUIET). */
		mc_strv_push(&argv, mc_strdup("-o"));
		mc_strv_push(&argv, mc_strdup("ExitOnForwardFailure=yes"));
		mc_strv_push(&argv, mc_strdup("-o"));
		mc_strv_push(&argv, mc_strdup(any_port0 ? "LogLevel=INFO" : "LogLevel=ERROR"));
	}
	mc_ssh_external_opts(&r->ep, false, &argv);
	for (size_t i = 0; i < q->nfwd; i++) {
		mc_strv_push(&argv, mc_asprintf("-%c", q->fwd[i].kind));
		mc_strv_push(&argv, mc_strdup(q->fwd[i].spec));
	}
	if (q->no_command)
		mc_strv_push(&argv, mc_strdup("-N"));
	if (q->tty || q->no_tty)
		mc_strv_push(&argv, mc_strdup(q->tty ? "-tt" : "-T"));
	mc_strv_push(&argv, mc_strdup("--"));
	mc_strv_push(&argv, mc_strdup(r->ep.host));
	if (q->cmd)
		mc_strv_push(&argv, mc_strdup(q->cmd));
	if (mc_proc_run_attached((const char *const *)argv, &status, err) < 0)
		return mc_cli_fail(err);
	if (status == 255 && mc_ssh_diagnose_255(&r->ep, quiet, q->opts, err) < 0)
		mc_cli_fail(err);
	return status;
}

int mc_cmd_ssh(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	struct remote r = { 0 };
	struct ssh_req q = { 0 };
	int rc;

	/* No NAME: "default", looked for once the options are checked (so that
	 * `ssh -D m1`, the port forgotten, says -D's value is no port). */
	if (ssh_parse(cli, a, &q, &err) < 0 || (!a->pos[0] && mc_cli_default_name(cli, a, &err) < 0)) {
		ssh_req_free(&q);
		if (err.code == MC_E_USAGE) {
			mc_cli_eprintf("Error: %s. See '%s ssh --help'.", err.msg, cli->prog);
			return 2;
		}
		return mc_cli_fail(&err);
	}
	r.name = mc_strdup(a->pos[0]);
	if (remote_open(cli, &r, &err) < 0) {
		rc = mc_cli_fail(&err);
		goto out;
	}
	if (q.repin) {
		_cleanup_free_ char *fp = NULL, *old = NULL;

		if (mc_ssh_pin(&r.ep, true, &fp, &old, &err) < 0) {
			rc = mc_cli_fail(&err);
			goto out;
		}
		if (old && strcmp(old, fp))
			mc_cli_eprintf("Pinned the new SSH host key of \"%s\": %s (it was %s)", r.name, fp, old);
		else
			mc_cli_eprintf("Pinned the SSH host key of \"%s\": %s", r.name, fp);
	}
	rc = q.native ? ssh_native(&r, &q, &err) : ssh_external(&r, &q, &err);
out:
	ssh_req_free(&q);
	remote_free(&r);
	return rc;
}

/* ------------------------------------------------------------------ */
/* ssh-config                                                          */

int mc_cmd_ssh_config(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	int rc = 0;

	for (size_t i = 0; a->pos[i]; i++) {
		struct mc_error err = { 0 };
		struct remote r = { .name = mc_strdup(a->pos[i]) };
		_cleanup_free_ char *block = NULL;

		/* Pinned first: the block checks host keys strictly. */
		if (remote_open(cli, &r, &err) < 0 || ensure_pinned(&r, &err) < 0 ||
		    mc_ssh_config_block(&r.ep, r.name, false, &block, &err) < 0) {
			int code = mc_cli_fail(&err);

			rc = rc ? rc : code;
		} else {
			printf("%s%s", i ? "\n" : "", block);
		}
		remote_free(&r);
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* scp                                                                 */

struct spec {
	const char *arg;
	struct remote *m;        /* NULL: a local path */
	const char *path;
};

/* One argument of scp or mount: a local path, or a path on a machine (the
 * same machine and user twice share one connection). */
static int parse_spec(struct mc_cli *cli, const char *arg, struct remote *machines, size_t *nm,
		      struct spec *sp, struct mc_error *err)
{
	_cleanup_free_ char *user = NULL, *name = NULL;

	*sp = (struct spec){ .arg = arg, .path = arg };
	if (!*arg)
		return mc_error_set(err, MC_E_USAGE, "an empty argument is neither a local path nor [USER@]MACHINE:PATH");
	if (mc_store_parse_remote(&cli->s.store, arg, &user, &name, &sp->path, err) < 0)
		return -1;
	if (!name)
		return 0;
	for (size_t i = 0; i < *nm; i++)
		if (!strcmp(machines[i].name, name) && mc_streq(machines[i].user, user)) {
			sp->m = &machines[i];
			return 0;
		}
	machines[*nm] = (struct remote){ .name = MC_TAKE(name), .user = MC_TAKE(user) };
	machines[*nm].alias = mc_asprintf("mc-%zu-%s", *nm, machines[*nm].name);
	sp->m = &machines[(*nm)++];
	return 0;
}

struct progress {
	char *label;
	long long last_ms;
	int last_pct;
};

static void on_progress(void *arg, const char *name, long long done, long long total)
{
	struct progress *p = arg;
	long long now = mc_now_ms();
	int pct = total > 0 ? (int)(done * 100 / total) : 100;

	if (!p->label || strcmp(p->label, name)) {
		if (p->label)
			mc_term_progress_end();
		free(p->label);
		p->label = mc_strdup(name);
		p->last_pct = -1;
		p->last_ms = 0;
	}
	if (pct == p->last_pct && now - p->last_ms < 500)
		return;
	p->last_pct = pct;
	p->last_ms = now;
	mc_term_progress(name, done, total);
}

/* A remote path for rsync: relative paths are in the login directory. */
static const char *rsync_path(const char *p)
{
	if (!*p || !strcmp(p, "~") || !strcmp(p, "~/"))
		return "";
	if (!strncmp(p, "~/", 2))
		return p + 2;
	return p;
}

static int write_ssh_config(struct remote *machines, size_t nm, char **path, struct mc_error *err)
{
	const char *tmpdir = getenv("TMPDIR");
	_cleanup_free_ char *text = mc_strdup("");
	_cleanup_free_ char *tmpl = NULL;
	int fd;

	/* rsync's -e parses a command line: keep the path plain. */
	if (!tmpdir || !*tmpdir || strpbrk(tmpdir, " '\"\\$`"))
		tmpdir = "/tmp";
	tmpl = mc_asprintf("%s/machinectl-ssh-XXXXXX", tmpdir);
	for (size_t i = 0; i < nm; i++) {
		_cleanup_free_ char *block = NULL;
		char *n;

		if (mc_ssh_config_block(&machines[i].ep, machines[i].alias, true, &block, err) < 0)
			return -1;
		n = mc_asprintf("%s%s", text, block);

		free(text);
		text = n;
	}
	fd = mkstemp(tmpl);
	if (fd < 0)
		return mc_error_errno(err, errno, "cannot create a temporary file in %s", tmpdir);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		int e = errno;

		close(fd);
		unlink(tmpl);
		return mc_error_errno(err, e, "cannot write %s", tmpl);
	}
	close(fd);
	*path = MC_TAKE(tmpl);
	return 0;
}

/* Both local, or on one machine (as any users). */
static bool one_side(const struct spec *a, const struct spec *b)
{
	return a->m == b->m || (a->m && b->m && !strcmp(a->m->name, b->m->name));
}

/* Of one side, paths written alike are one file: both local, both absolute,
 * or logged in as one user (a relative path and ~ are in each user's own
 * login directory). */
static bool one_home(const struct spec *a, const struct spec *b)
{
	return a->m == b->m || (a->path[0] == '/' && b->path[0] == '/') || !strcmp(a->m->ep.user, b->m->ep.user);
}

int mc_cmd_scp(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	size_t n = mc_args_npos(a), nm = 0, nremote_specs = 0;
	struct remote *machines = mc_calloc(n, sizeof(*machines));
	struct spec *specs = mc_calloc(n, sizeof(*specs));
	struct mc_ssh_loc *locs = NULL;
	bool quiet = mc_args_bool(a, &mc_opts_scp[O_SCP_QUIET]), recursive = mc_args_bool(a, &mc_opts_scp[O_SCP_RECURSIVE]);
	bool delta = mc_args_bool(a, &mc_opts_scp[O_SCP_DELTA]), to_itself = false;
	_cleanup_free_ char *cfg = NULL;
	_cleanup_strv_ char **argv = NULL;
	struct progress prog = { 0 };
	int rc = 1, status;

	for (size_t i = 0; i < n; i++) {
		if (parse_spec(cli, a->pos[i], machines, &nm, &specs[i], &err) < 0)
			goto fail;
		nremote_specs += specs[i].m != NULL;
	}
	for (size_t i = 0; i < nm; i++)
		if (remote_open(cli, &machines[i], &err) < 0)
			goto fail;

	if (delta) {
		if (cli->s.native_ssh) {
			mc_error_set(&err, MC_E_USAGE, "scp --delta runs rsync over the system's ssh: it cannot be used with --native-ssh");
			goto fail;
		}
		if (nm > 1 || (specs[n - 1].m && nremote_specs > 1)) {
			mc_error_set(&err, MC_E_USAGE,
				     "scp --delta needs one side local and one machine (rsync cannot copy between two remote hosts): drop --delta");
			goto fail;
		}
	}
	for (size_t i = 0; !delta && i + 1 < n; i++) {
		if (!one_side(&specs[i], &specs[n - 1]))
			continue;
		if (one_home(&specs[i], &specs[n - 1]) &&
		    mc_ssh_copy_check_written(specs[i].arg, specs[i].path, specs[n - 1].arg, specs[n - 1].path,
					      recursive, &err) < 0)
			goto fail;
		to_itself |= specs[i].m != NULL;
	}
	/* scp -3 empties a file copied onto itself through a link or into the
	 * directory that holds it: a copy from a machine to itself takes the
	 * native client, which resolves the paths there (its bytes pass through
	 * machinectl, as scp -3's do). */
	if (!delta && (to_itself || use_native(cli, "scp"))) {
		locs = mc_calloc(n, sizeof(*locs));
		for (size_t i = 0; i < nm; i++)
			if (mc_ssh_connect(&machines[i].ep, &machines[i].s, &err) < 0) {
				mc_cli_fail(&err);
				rc = 255;  /* as scp does when ssh fails */
				goto out;
			}
		for (size_t i = 0; i < n; i++)
			locs[i] = (struct mc_ssh_loc){ specs[i].m ? specs[i].m->s : NULL, specs[i].path };
		status = mc_ssh_copy(locs, n - 1, &locs[n - 1], recursive,
				     quiet || !mc_term_isatty(2) ? NULL : on_progress, &prog, &err);
		if (prog.label)
			mc_term_progress_end();
		if (status < 0)
			goto fail;
		rc = 0;
		goto out;
	}

	for (size_t i = 0; i < nm; i++)
		if (ensure_pinned(&machines[i], &err) < 0)
			goto fail;
	if (write_ssh_config(machines, nm, &cfg, &err) < 0)
		goto fail;
	if (delta) {
		mc_strv_push(&argv, mc_strdup("rsync"));
		mc_strv_push(&argv, mc_asprintf("--rsh=ssh -F '%s'", cfg));
		if (recursive)
			mc_strv_push(&argv, mc_strdup("-r"));
		if (quiet)
			mc_strv_push(&argv, mc_strdup("-q"));
		else if (mc_term_isatty(1))
			mc_strv_push(&argv, mc_strdup("--progress"));
		mc_strv_push(&argv, mc_strdup("--"));
		for (size_t i = 0; i < n; i++)
			mc_strv_push(&argv, specs[i].m ? mc_asprintf("%s:%s", specs[i].m->alias, rsync_path(specs[i].path))
						       : mc_strdup(specs[i].path));
	} else {
		mc_strv_push(&argv, mc_strdup("scp"));
		mc_strv_push(&argv, mc_strdup("-F"));
		mc_strv_push(&argv, mc_strdup(cfg));
		if (nremote_specs > 1 && specs[n - 1].m)
			mc_strv_push(&argv, mc_strdup("-3"));
		if (recursive)
			mc_strv_push(&argv, mc_strdup("-r"));
		if (quiet)
			mc_strv_push(&argv, mc_strdup("-q"));
		mc_strv_push(&argv, mc_strdup("--"));
		for (size_t i = 0; i < n; i++)
			mc_strv_push(&argv, specs[i].m ? mc_asprintf("%s:%s", specs[i].m->alias, specs[i].path)
						       : mc_strdup(specs[i].path));
	}
	if (mc_proc_run_attached((const char *const *)argv, &status, &err) < 0)
		goto fail;
	if (status != 0)
		for (size_t i = 0; i < nm; i++)
			explain_failure(&machines[i]);
	rc = status;
	goto out;
fail:
	rc = mc_cli_fail(&err);
out:
	if (cfg)
		unlink(cfg);
	free(prog.label);
	for (size_t i = 0; i < nm; i++)
		remote_free(&machines[i]);
	free(machines);
	free(specs);
	free(locs);
	return rc;
}

/* ------------------------------------------------------------------ */
/* mount                                                               */

/* mount's argument: [USER@]NAME:PATH of a machine that exists (parse_spec's
 * hints are about scp's local names, which mount does not take). */
static int mount_spec(struct mc_cli *cli, const char *arg, struct remote *machines, size_t *nm,
		      struct spec *sp, struct mc_error *err)
{
	const char *colon = strchr(arg, ':'), *slash = strchr(arg, '/');
	_cleanup_free_ char *prefix = NULL;
	const char *at, *name;

	if (!colon || (slash && slash < colon))
		return mc_error_set(err, MC_E_USAGE, "\"%s\" is not [USER@]NAME:PATH (a directory of a machine)", arg);
	prefix = mc_strndup(arg, (size_t)(colon - arg));
	at = strrchr(prefix, '@');
	name = at ? at + 1 : prefix;
	if (at == prefix)
		return mc_error_set(err, MC_E_USAGE, "\"%s\" is not [USER@]NAME:PATH: the user before '@' is empty", arg);
	if (mc_store_check_name(name, NULL) < 0)
		return mc_error_set(err, MC_E_USAGE, "\"%s\" is not [USER@]NAME:PATH: \"%s\" is not a machine name",
				    arg, name);
	if (!mc_store_exists(&cli->s.store, name))
		return mc_error_set(err, MC_E_NOT_FOUND, "Docker machine \"%s\" does not exist (in \"%s\")", name, arg);
	return parse_spec(cli, arg, machines, nm, sp, err);
}

int mc_cmd_mount(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	struct remote machines[1] = { 0 };
	struct spec sp;
	size_t nm = 0;
	_cleanup_free_ char *mountpoint = NULL, *sshfs = NULL;
	_cleanup_strv_ char **argv = NULL;
	const char *rpath;
	bool created = false, unmount = mc_args_bool(a, &mc_opts_mount[O_MOUNT_UNMOUNT]);
	int rc = 1, status;

	/* mount -u MOUNTPOINT: a path with no ':', or one starting with '/' or
	 * '.', which no [USER@]NAME:PATH does. */
	if (unmount && !a->pos[1] && *a->pos[0] &&
	    (!strchr(a->pos[0], ':') || a->pos[0][0] == '/' || a->pos[0][0] == '.'))
		return mc_sshfs_unmount(a->pos[0], &err) < 0 ? mc_cli_fail(&err) : 0;
	if (mount_spec(cli, a->pos[0], machines, &nm, &sp, &err) < 0)
		goto fail;
	rpath = rsync_path(sp.path);
	mountpoint = a->pos[1] ? mc_strdup(a->pos[1]) : mc_sshfs_default_mountpoint(rpath, sp.m->name, &err);
	if (!mountpoint)
		goto fail;
	if (unmount) {
		rc = mc_sshfs_unmount(mountpoint, &err) < 0 ? mc_cli_fail(&err) : 0;
		goto out;
	}
	sshfs = mc_proc_which("sshfs");
	if (!sshfs) {
		mc_error_set(&err, MC_E_NOT_FOUND, "mount needs sshfs, which is not installed (Debian: apt install sshfs)");
		goto fail;
	}
	if (mc_sshfs_check_mountpoint(mountpoint, &err) < 0 || remote_open(cli, sp.m, &err) < 0 ||
	    ensure_pinned(sp.m, &err) < 0)
		goto fail;
	if (mkdir(mountpoint, 0755) == 0) {
		created = true;
	} else if (errno != EEXIST) {
		mc_error_errno(&err, errno, "cannot create the mount point %s", mountpoint);
		goto fail;
	}
	argv = mc_sshfs_argv(&sp.m->ep, rpath, mountpoint);
	if (mc_proc_run_attached((const char *const *)argv, &status, &err) < 0)
		goto fail;
	if (status != 0)
		explain_failure(sp.m);
	rc = status;
	goto out;
fail:
	rc = mc_cli_fail(&err);
out:
	/* A failed mount leaves no mount point behind, unless it was there
	 * before or something was put in it meanwhile (rmdir keeps those). */
	if (rc != 0 && created)
		rmdir(mountpoint);
	for (size_t i = 0; i < nm; i++)
		remote_free(&machines[i]);
	return rc;
}
