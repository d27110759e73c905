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

static bool needs_quote(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%_-+=:,./",
			    *s))
			return true;
	return false;
}

char *mc_proc_argv_str(const char *const *argv)
{
	size_t cap = 64, n = 0;
	char *s = mc_malloc(cap);

	s[0] = '\0';
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];
		size_t need = strlen(a) * 4 + 4;

		if (n + need >= cap)
			s = mc_realloc(s, cap = (n + need) * 2);
		if (i)
			s[n++] = ' ';
		if (!needs_quote(a)) {
			n += (size_t)sprintf(s + n, "%s", a);
			continue;
		}
		s[n++] = '\'';
		for (; *a; a++) {
			if (*a == '\'') {
				memcpy(s + n, "'\\''", 4);
				n += 4;
			} else {
				s[n++] = *a;
			}
		}
		s[n++] = '\'';
		s[n] = '\0';
	}
	return s;
}

void mc_proc_result_free(struct mc_proc_result *res)
{
	if (!res)
		return;
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
	res->out_len = res->err_len = 0;
}

struct buf {
	char *p;
	size_t len, cap;
};

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
		if (r < 0 && errno == EAGAIN)
			return 0;
		return 1;  /* EOF or error: done with this fd */
	}
}

static char **build_env(const char *const *extra)
{
	char **env = NULL;

	for (size_t i = 0; environ[i]; i++) {
		bool replaced = false;

		for (size_t j = 0; extra && extra[j]; j++) {
			size_t k = strcspn(extra[j], "=");
			if (!strncmp(environ[i], extra[j], k + 1))
				replaced = true;
		}
		if (!replaced)
			mc_strv_push(&env, mc_strdup(environ[i]));
	}
	for (size_t j = 0; extra && extra[j]; j++)
		mc_strv_push(&env, mc_strdup(extra[j]));
	return env;
}

int mc_proc_run(const char *const *argv, const struct mc_proc_opts *opts,
		struct mc_proc_result *res, struct mc_error *err)
{
	static const struct mc_proc_opts none;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, ex[2] = { -1, -1 };
	struct buf bo = { 0 }, be = { 0 };
	_cleanup_free_ char *exe = NULL, *argstr = NULL;
	_cleanup_strv_ char **env = NULL;
	long long t0 = mc_now_ms();
	size_t in_off = 0;
	bool timed_out = false;
	int status = 0, execerr = 0;
	pid_t pid;

	if (!opts)
		opts = &none;
	memset(res, 0, sizeof(*res));
	argstr = mc_proc_argv_str(argv);
	exe = mc_proc_which(argv[0]);
	if (!exe)
		return mc_error_set(err, MC_E_NOT_FOUND, "cannot run %s: program not found in PATH",
				    argv[0]);
	if (opts->env)
		env = build_env(opts->env);
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0 ||
	    (opts->in && opts->in_fd <= 0 && pipe2(in, O_CLOEXEC) < 0)) {
		mc_error_errno(err, errno, "cannot run %s", argv[0]);
		goto close_all;
	}
	pid = fork();
	if (pid < 0) {
		mc_error_errno(err, errno, "cannot run %s", argv[0]);
		goto close_all;
	}
	if (pid == 0) {
		int e;

		setpgid(0, 0);
		if (opts->in_fd > 0)
			dup2(opts->in_fd, 0);
		else if (opts->in)
			dup2(in[0], 0);
		else {
			int nul = open("/dev/null", O_RDONLY);
			if (nul >= 0)
				dup2(nul, 0);
		}
		dup2(out[1], 1);
		dup2(errp[1], 2);
		signal(SIGPIPE, SIG_DFL);
		if (opts->cwd && chdir(opts->cwd) < 0)
			goto child_fail;
		execve(exe, (char *const *)argv, env ? env : environ);
child_fail:
		e = errno;
		if (write(ex[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	close(ex[1]);
	out[1] = errp[1] = ex[1] = -1;
	if (opts->in && opts->in_fd <= 0) {
		close(in[0]);
		in[0] = -1;
		fcntl(in[1], F_SETFL, O_NONBLOCK);
		if (opts->in_len == 0) {
			close(in[1]);
			in[1] = -1;
		}
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(errp[0], F_SETFL, O_NONBLOCK);

	while (out[0] >= 0 || errp[0] >= 0) {
		struct pollfd pfd[3];
		int n = 0, wait_ms = -1;

		if (out[0] >= 0)
			pfd[n++] = (struct pollfd){ .fd = out[0], .events = POLLIN };
		if (errp[0] >= 0)
			pfd[n++] = (struct pollfd){ .fd = errp[0], .events = POLLIN };
		if (in[1] >= 0)
			pfd[n++] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
		if (opts->timeout_ms > 0) {
			wait_ms = (int)(t0 + opts->timeout_ms - mc_now_ms());
			if (wait_ms <= 0) {
				timed_out = true;
				kill(-pid, SIGKILL);
				break;
			}
		}
		if (poll(pfd, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == out[0] && drain(out[0], &bo)) {
				close(out[0]);
				out[0] = -1;
			} else if (pfd[i].fd == errp[0] && drain(errp[0], &be)) {
				close(errp[0]);
				errp[0] = -1;
			} else if (pfd[i].fd == in[1]) {
				ssize_t w = write(in[1], opts->in + in_off, opts->in_len - in_off);

				if (w > 0)
					in_off += (size_t)w;
				if ((w < 0 && errno != EAGAIN && errno != EINTR) ||
				    in_off == opts->in_len) {
					close(in[1]);
					in[1] = -1;
				}
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (read(ex[0], &execerr, sizeof(execerr)) != (ssize_t)sizeof(execerr))
		execerr = 0;

	res->ms = mc_now_ms() - t0;
	res->out = bo.p ? bo.p : mc_strdup("");
	res->out_len = bo.len;
	if (bo.p)
		bo.p[bo.len] = '\0';
	res->err = be.p ? be.p : mc_strdup("");
	res->err_len = be.len;
	if (be.p)
		be.p[be.len] = '\0';
	bo.p = be.p = NULL;
	if (timed_out)
		res->status = -1;
	else if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else
		res->status = 128 + WTERMSIG(status);
	mc_debug("run: %s -> %s%d (%lld ms)", argstr, timed_out ? "timeout " : "exit ",
		 res->status, res->ms);
	if (execerr) {
		mc_error_errno(err, execerr, "cannot run %s", argv[0]);
		mc_proc_result_free(res);
		goto close_all;
	}
	if (timed_out) {
		mc_error_set(err, MC_E_TIMEOUT, "%s did not finish within %d ms", argv[0],
			     opts->timeout_ms);
		goto close_all;
	}
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
	}
	close(ex[0]);
	return 0;

close_all:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (ex[i] >= 0)
			close(ex[i]);
	}
	free(bo.p);
	free(be.p);
	return -1;
}
