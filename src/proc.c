/* Running programs: one spawn primitive (fork/exec from an argv, pipes, own
 * process group) behind every way machinectl starts a program. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"
#include "proc.h"
#include "util.h"

extern char **environ;

char *mc_proc_which(const char *name)
{
	const char *path = getenv("PATH");

	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? mc_strdup(name) : NULL;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		_cleanup_free_ char *dir = mc_strndup(path, n);
		_cleanup_free_ char *full = mc_path_join(*dir ? dir : ".", name);

		if (access(full, X_OK) == 0)
			return MC_TAKE(full);
		path += n;
		if (*path == ':')
			path++;
	}
	return NULL;
}

char *mc_proc_argv_str(const char *const *argv)
{
	char *s = mc_strdup("");

	for (size_t i = 0; argv[i]; i++) {
		bool plain = *argv[i] != '\0';
		_cleanup_free_ char *q = NULL;
		char *t;

		for (const char *c = argv[i]; *c; c++)
			plain &= strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./",
					*c) != NULL;
		q = plain ? mc_strdup(argv[i]) : mc_shell_quote(argv[i]);
		t = mc_asprintf("%s%s%s", s, i ? " " : "", q);
		free(s);
		s = t;
	}
	return s;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static char **build_env(const char *const *extra)
{
	char **env = NULL;

	for (size_t i = 0; environ[i]; i++) {
		bool replaced = false;

		for (size_t j = 0; extra && extra[j]; j++) {
			size_t k = strcspn(extra[j], "=");

			replaced |= !strncmp(environ[i], extra[j], k + 1);
		}
		if (!replaced)
			mc_strv_push(&env, mc_strdup(environ[i]));
	}
	for (size_t j = 0; extra && extra[j]; j++)
		mc_strv_push(&env, mc_strdup(extra[j]));
	return env;
}

/* The child's side of one standard descriptor: where spec says. */
static void child_fd(int spec, int pipe_end, int target)
{
	if (spec == MC_PROC_INHERIT)
		return;
	if (spec == MC_PROC_NULL) {
		int nul = open("/dev/null", target == 0 ? O_RDONLY : O_WRONLY);

		if (nul >= 0)
			dup2(nul, target);
		return;
	}
	dup2(spec == MC_PROC_PIPE ? pipe_end : spec, target);
}

/* Runs in the child: never returns.  The exec error goes up the ex pipe. */
static void child(const char *exe, const char *const *argv, const struct mc_proc_spawn *o,
		  char **env, int p[3][2], int ex)
{
	int e;

	if (!o->attached)
		setpgid(0, 0);
	child_fd(o->in, p[0][0], 0);
	child_fd(o->out, p[1][1], 1);
	child_fd(o->err, p[2][1], 2);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (o->cwd && chdir(o->cwd) < 0)
		goto fail;
	execve(exe, (char *const *)argv, env ? env : environ);
fail:
	e = errno;
	if (write(ex, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int mc_proc_spawn(const char *const *argv, const struct mc_proc_spawn *o, struct mc_proc *p,
		  struct mc_error *err)
{
	int pipes[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } }, ex[2] = { -1, -1 };
	const int spec[3] = { o->in, o->out, o->err };
	_cleanup_free_ char *exe = mc_proc_which(argv[0]);
	_cleanup_strv_ char **env = o->env ? build_env(o->env) : NULL;
	int execerr = 0;
	pid_t pid;

	*p = (struct mc_proc){ .pid = -1, .in = -1, .out = -1, .err = -1 };
	if (!exe)
		return mc_error_set(err, MC_E_NOT_FOUND, "cannot run %s: program not found in PATH", argv[0]);
	for (int i = 0; i < 3; i++)
		if (spec[i] == MC_PROC_PIPE && pipe2(pipes[i], O_CLOEXEC) < 0)
			goto fail;
	if (pipe2(ex, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		goto fail;
	if (pid == 0)
		child(exe, argv, o, env, pipes, ex[1]);
	close_fd(&pipes[0][0]);
	close_fd(&pipes[1][1]);
	close_fd(&pipes[2][1]);
	close_fd(&ex[1]);
	/* The exec-error pipe closes on a successful exec (O_CLOEXEC). */
	if (read(ex[0], &execerr, sizeof(execerr)) == (ssize_t)sizeof(execerr)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = execerr;
		goto fail;
	}
	close_fd(&ex[0]);
	*p = (struct mc_proc){ .pid = pid, .in = pipes[0][1], .out = pipes[1][0], .err = pipes[2][0] };
	return 0;
fail:
	execerr = errno;
	for (int i = 0; i < 3; i++) {
		close_fd(&pipes[i][0]);
		close_fd(&pipes[i][1]);
	}
	close_fd(&ex[0]);
	close_fd(&ex[1]);
	return mc_error_errno(err, execerr, "cannot run %s", argv[0]);
}

int mc_proc_wait(struct mc_proc *p)
{
	int status = 0;

	while (waitpid(p->pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	p->pid = -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
}

void mc_proc_close_pipes(struct mc_proc *p)
{
	close_fd(&p->in);
	close_fd(&p->out);
	close_fd(&p->err);
}

/* ------------------------------------------------------------------ */
/* run and capture                                                     */

struct buf {
	char *p;
	size_t len, cap;
};

/* Read what fd has; 1 at EOF or error (done with it), 0 when it would block. */
static int drain(int fd, struct buf *b)
{
	for (;;) {
		ssize_t r;

		if (b->len + 4096 + 1 > b->cap)
			b->p = mc_realloc(b->p, b->cap = (b->cap + 4096) * 2);
		r = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (r > 0) {
			b->len += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 && errno == EAGAIN ? 0 : 1;
	}
}

static char *take(struct buf *b, size_t *len)
{
	char *s = b->p ? b->p : mc_strdup("");

	s[b->len] = '\0';
	*len = b->len;
	b->p = NULL;
	return s;
}

/* Feed the input and collect the output until both pipes close or the
 * deadline passes (then the process group is killed).  Returns 1 on timeout,
 * -1 when poll failed (errno), else 0. */
static int pump(struct mc_proc *p, const struct mc_run_opts *o, long long t0, struct buf *bo,
		struct buf *be)
{
	size_t in_off = 0;

	while (p->out >= 0 || p->err >= 0) {
		struct pollfd pfd[3];
		int n = 0, wait_ms = -1;

		if (p->out >= 0)
			pfd[n++] = (struct pollfd){ .fd = p->out, .events = POLLIN };
		if (p->err >= 0)
			pfd[n++] = (struct pollfd){ .fd = p->err, .events = POLLIN };
		if (p->in >= 0)
			pfd[n++] = (struct pollfd){ .fd = p->in, .events = POLLOUT };
		if (o->timeout_ms > 0 && (wait_ms = (int)(t0 + o->timeout_ms - mc_now_ms())) <= 0)
			return 1;
		if (poll(pfd, (nfds_t)n, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == p->out && drain(p->out, bo)) {
				close_fd(&p->out);
			} else if (pfd[i].fd == p->err && drain(p->err, be)) {
				close_fd(&p->err);
			} else if (pfd[i].fd == p->in) {
				ssize_t w = write(p->in, o->in + in_off, o->in_len - in_off);

				if (w > 0)
					in_off += (size_t)w;
				if ((w < 0 && errno != EAGAIN && errno != EINTR) || in_off == o->in_len)
					close_fd(&p->in);
			}
		}
	}
	return 0;
}

int mc_proc_run(const char *const *argv, const struct mc_run_opts *opts,
		struct mc_run_result *res, struct mc_error *err)
{
	static const struct mc_run_opts none;
	const struct mc_run_opts *o = opts ? opts : &none;
	struct mc_proc_spawn sp = {
		.in = o->in_fd > 0 ? o->in_fd : o->in ? MC_PROC_PIPE : MC_PROC_NULL,
		.out = MC_PROC_PIPE, .err = MC_PROC_PIPE, .env = o->env, .cwd = o->cwd,
	};
	_cleanup_free_ char *argstr = mc_proc_argv_str(argv);
	struct buf bo = { 0 }, be = { 0 };
	long long t0 = mc_now_ms();
	struct mc_proc p;
	int r, e;

	memset(res, 0, sizeof(*res));
	if (mc_proc_spawn(argv, &sp, &p, err) < 0)
		return -1;
	fcntl(p.out, F_SETFL, O_NONBLOCK);
	fcntl(p.err, F_SETFL, O_NONBLOCK);
	if (p.in >= 0)
		fcntl(p.in, F_SETFL, O_NONBLOCK);
	if (p.in >= 0 && o->in_len == 0)
		close_fd(&p.in);
	r = pump(&p, o, t0, &bo, &be);
	e = errno;
	if (r != 0)
		kill(-p.pid, SIGKILL);
	mc_proc_close_pipes(&p);
	res->status = mc_proc_wait(&p);
	res->ms = mc_now_ms() - t0;
	res->out = take(&bo, &res->out_len);
	res->err = take(&be, &res->err_len);
	mc_debug("run: %s -> %s%d (%lld ms)", argstr, r == 1 ? "timeout " : "exit ", res->status, res->ms);
	if (r == 0)
		return 0;
	mc_run_result_free(res);
	if (r == 1) {
		res->status = -1;
		return mc_error_set(err, MC_E_TIMEOUT, "%s did not finish within %d ms", argv[0],
				    o->timeout_ms);
	}
	return mc_error_errno(err, e, "cannot follow %s", argv[0]);
}

/* The attached child, to which a SIGTERM or SIGHUP sent to us alone (kill,
 * timeout(1), a service manager) is passed on: else it would outlive us,
 * an ssh -N -L holding its port. */
static volatile sig_atomic_t attached_pid;

static void pass_on(int sig)
{
	if (attached_pid > 0)
		kill((pid_t)attached_pid, sig);
}

int mc_proc_run_attached(const char *const *argv, int *status, struct mc_error *err)
{
	static const struct mc_proc_spawn sp = {
		.in = MC_PROC_INHERIT, .out = MC_PROC_INHERIT, .err = MC_PROC_INHERIT, .attached = true,
	};
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	struct sigaction fwd = { .sa_handler = pass_on, .sa_flags = SA_RESTART }, old_term, old_hup;
	_cleanup_free_ char *argstr = mc_proc_argv_str(argv);
	long long t0 = mc_now_ms();
	struct mc_proc p;

	mc_debug("run: %s", argstr);
	fflush(stdout);
	fflush(stderr);
	/* Like system(): ^C goes to the child, which decides. */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	if (mc_proc_spawn(argv, &sp, &p, err) < 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		return -1;
	}
	attached_pid = p.pid;
	sigaction(SIGTERM, &fwd, &old_term);
	sigaction(SIGHUP, &fwd, &old_hup);
	*status = mc_proc_wait(&p);
	attached_pid = 0;  /* first: its pid may be another's now */
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	mc_debug("%s: exit status %d after %lld ms", argv[0], *status, mc_now_ms() - t0);
	return 0;
}
