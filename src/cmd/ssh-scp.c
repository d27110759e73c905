/* ssh, scp, mount: a shell, a command or files on a machine (see doc/ssh.md). */
#include "buildconf.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "log.h"
#include "proc.h"
#include "ssh.h"
#include "term.h"
#include "util.h"

const struct mc_option mc_opts_ssh[] = {
	[O_SSH_REPIN] = { "repin", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "forget the machine's pinned SSH host key and pin the one it presents now, then connect "
	  "(only after a change you know of: reinstall, new host keys)" },
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
	  "unmount MOUNTPOINT instead of mounting" },
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
	if (mc_handle_require_running(&r->h, err) < 0 || mc_op_ssh_endpoint(&r->h, &r->ep, err) < 0)
		return -1;
	if (r->user) {
		free(r->ep.user);
		r->ep.user = mc_strdup(r->user);
		if (mc_ssh_endpoint_check(&r->ep, err) < 0)
			return -1;
	}
	return 0;
}

/* The external client pins natively first, so both clients pin the same key. */
static int ensure_pinned(struct remote *r, struct mc_error *err)
{
	_cleanup_free_ char *fp = NULL;

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

int mc_cmd_ssh(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	struct remote r = { 0 };
	_cleanup_free_ char *cmd = NULL;
	_cleanup_strv_ char **argv = NULL;
	size_t first = 1;
	int status = 1, rc = 1;

	r.name = mc_strdup(a->pos[0]);
	/* docker-machine: `ssh NAME [--] COMMAND...`, the words joined with spaces. */
	if (a->pos[1] && !strcmp(a->pos[1], "--"))
		first = 2;
	for (size_t i = first; a->pos[i]; i++) {
		char *c = mc_asprintf("%s%s%s", cmd ? cmd : "", cmd ? " " : "", a->pos[i]);

		free(cmd);
		cmd = c;
	}
	if (remote_open(cli, &r, &err) < 0)
		goto fail;
	if (mc_args_bool(a, &mc_opts_ssh[O_SSH_REPIN])) {
		_cleanup_free_ char *fp = NULL, *old = NULL;

		if (mc_ssh_pin(&r.ep, true, &fp, &old, &err) < 0)
			goto fail;
		if (old && strcmp(old, fp))
			fprintf(stderr, "Pinned the new SSH host key of \"%s\": %s (it was %s)\n", r.name, fp, old);
		else
			fprintf(stderr, "Pinned the SSH host key of \"%s\": %s\n", r.name, fp);
	}
	if (use_native(cli, "ssh")) {
		bool pty = !cmd && mc_term_isatty(0);

		if (mc_ssh_connect(&r.ep, &r.s, &err) < 0) {
			/* As OpenSSH does: 255 when the connection fails. */
			mc_cli_fail(&err);
			rc = 255;
			goto out;
		}
		fflush(stdout);
		signal(SIGPIPE, SIG_IGN);
		if (mc_ssh_stream(r.s, cmd, 0, 1, 2, pty, &status, &err) < 0) {
			if (pty)  /* the cursor may be anywhere on the remote's last line */
				fputs("\r\n", stderr);
			mc_cli_fail(&err);
			rc = err.code == MC_E_NETWORK ? 255 : 1;  /* 255: as OpenSSH */
			goto out;
		}
		rc = status;
		goto out;
	}
	if (ensure_pinned(&r, &err) < 0)
		goto fail;
	mc_strv_push(&argv, mc_strdup("ssh"));
	mc_ssh_external_opts(&r.ep, false, &argv);
	mc_strv_push(&argv, mc_strdup("--"));
	mc_strv_push(&argv, mc_strdup(r.ep.host));
	if (cmd)
		mc_strv_push(&argv, mc_strdup(cmd));
	if (mc_proc_run_attached((const char *const *)argv, &status, &err) < 0)
		goto fail;
	if (status == 255)
		explain_failure(&r);
	rc = status;
	goto out;
fail:
	rc = mc_cli_fail(&err);
out:
	remote_free(&r);
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

		if (mc_ssh_config_block(&machines[i].ep, machines[i].alias, &block, err) < 0)
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

int mc_cmd_scp(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_error err = { 0 };
	size_t n = mc_args_npos(a), nm = 0, nremote_specs = 0;
	struct remote *machines = mc_calloc(n, sizeof(*machines));
	struct spec *specs = mc_calloc(n, sizeof(*specs));
	struct mc_ssh_loc *locs = NULL;
	bool quiet = mc_args_bool(a, &mc_opts_scp[O_SCP_QUIET]), recursive = mc_args_bool(a, &mc_opts_scp[O_SCP_RECURSIVE]);
	bool delta = mc_args_bool(a, &mc_opts_scp[O_SCP_DELTA]);
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
	if (!delta && use_native(cli, "scp")) {
		locs = mc_calloc(n, sizeof(*locs));
		for (size_t i = 0; i < nm; i++)
			if (mc_ssh_connect(&machines[i].ep, &machines[i].s, &err) < 0) {
				mc_cli_fail(&err);
				rc = 255;  /* as scp does when ssh fails */
				goto out;
			}
		for (size_t i = 0; i < n; i++)
			locs[i] = (struct mc_ssh_loc){ specs[i].m ? specs[i].m->s : NULL, specs[i].path };
		if (mc_ssh_copy(locs, n - 1, &locs[n - 1], recursive,
				quiet || !mc_term_isatty(2) ? NULL : on_progress, &prog, &err) < 0) {
			if (prog.label)
				mc_term_progress_end();
			goto fail;
		}
		if (prog.label)
			mc_term_progress_end();
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

/* sshfs splits -o values at commas. */
static char *fuse_escape(const char *s)
{
	char *out = mc_malloc(strlen(s) * 2 + 1), *o = out;

	for (; *s; s++) {
		if (*s == ',' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
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
	int rc = 1, status;

	if (parse_spec(cli, a->pos[0], machines, &nm, &sp, &err) < 0)
		goto fail;
	if (!sp.m) {
		mc_error_set(&err, MC_E_USAGE, "\"%s\" is not MACHINE:PATH", a->pos[0]);
		goto fail;
	}
	rpath = rsync_path(sp.path);
	if (a->pos[1]) {
		mountpoint = mc_strdup(a->pos[1]);
	} else {
		/* Like docker-machine: the remote directory's name, here. */
		const char *b = strrchr(rpath, '/');

		b = b ? b + 1 : rpath;
		mountpoint = mc_strdup(*b ? b : sp.m->name);
	}
	if (mc_args_bool(a, &mc_opts_mount[O_MOUNT_UNMOUNT])) {
		_cleanup_free_ char *fm = mc_proc_which("fusermount");

		mc_strv_push(&argv, mc_strdup(fm ? "fusermount" : "fusermount3"));
		mc_strv_push(&argv, mc_strdup("-u"));
		mc_strv_push(&argv, mc_strdup(mountpoint));
		if (mc_proc_run_attached((const char *const *)argv, &status, &err) < 0)
			goto fail;
		rc = status;
		goto out;
	}
	sshfs = mc_proc_which("sshfs");
	if (!sshfs) {
		mc_error_set(&err, MC_E_NOT_FOUND, "mount needs sshfs, which is not installed (Debian: apt install sshfs)");
		goto fail;
	}
	if (remote_open(cli, sp.m, &err) < 0 || ensure_pinned(sp.m, &err) < 0)
		goto fail;
	if (mkdir(mountpoint, 0755) < 0 && errno != EEXIST) {
		mc_error_errno(&err, errno, "cannot create the mount point %s", mountpoint);
		goto fail;
	}
	mc_strv_push(&argv, mc_strdup("sshfs"));
	{
		char **opts = NULL;

		mc_ssh_external_opts(&sp.m->ep, true, &opts);
		for (size_t i = 0; opts[i]; i++) {
			if (!strcmp(opts[i], "-o")) {
				mc_strv_push(&argv, mc_strdup("-o"));
				mc_strv_push(&argv, fuse_escape(opts[++i]));
			} else if (!strcmp(opts[i], "-l")) {
				i++;  /* the user goes into USER@HOST:PATH */
			} else {
				mc_strv_push(&argv, mc_strdup(opts[i]));
			}
		}
		mc_strv_free(opts);
	}
	mc_strv_push(&argv, strchr(sp.m->ep.host, ':')
			    ? mc_asprintf("%s@[%s]:%s", sp.m->ep.user, sp.m->ep.host, rpath)
			    : mc_asprintf("%s@%s:%s", sp.m->ep.user, sp.m->ep.host, rpath));
	mc_strv_push(&argv, mc_strdup(mountpoint));
	if (mc_proc_run_attached((const char *const *)argv, &status, &err) < 0)
		goto fail;
	if (status != 0)
		explain_failure(sp.m);
	rc = status;
	goto out;
fail:
	rc = mc_cli_fail(&err);
out:
	for (size_t i = 0; i < nm; i++)
		remote_free(&machines[i]);
	return rc;
}
