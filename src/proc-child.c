/* A long-lived child process with pipes.  See proc-child.h. */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "log.h"
#include "proc-child.h"
#include "proc.h"
#include "util.h"

#define ERR_KEEP 4096

struct mc_child {
	pid_t pid;
	int in, out, err;          /* our ends; -1 once closed */
	char *name;                /* argv[0], for messages */
	char *buf;                 /* stdout bytes not yet returned as lines */
	size_t len, cap;
	char errbuf[ERR_KEEP + 1]; /* the tail of stderr */
	size_t errlen;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int mc_proc_child_spawn(const char *const *argv, struct mc_child **out, struct mc_error *err)
{
	static const struct mc_proc_spawn sp = { .in = MC_PROC_PIPE, .out = MC_PROC_PIPE, .err = MC_PROC_PIPE };
	struct mc_proc p;
	struct mc_child *c;

	if (mc_proc_spawn(argv, &sp, &p, err) < 0)
		return -1;
	fcntl(p.in, F_SETFL, O_NONBLOCK);
	fcntl(p.out, F_SETFL, O_NONBLOCK);
	fcntl(p.err, F_SETFL, O_NONBLOCK);
	c = mc_calloc(1, sizeof(*c));
	c->pid = (pid_t)p.pid;
	c->in = p.in;
	c->out = p.out;
	c->err = p.err;
	c->name = mc_strdup(argv[0]);
	if (mc_log_enabled(MC_LOG_DEBUG)) {
		_cleanup_free_ char *argstr = mc_proc_argv_str(argv);

		mc_debug("start: %s (pid %ld)", argstr, p.pid);
	}
	*out = c;
	return 0;
}

static int remaining(long long deadline)
{
	long long left;

	if (!deadline)
		return -1;
	left = deadline - mc_now_ms();
	return left > 0 ? (int)left : 0;
}

/* Keep the tail of stderr. */
static void drain_err(struct mc_child *c)
{
	char tmp[1024];

	_Static_assert(sizeof(tmp) <= ERR_KEEP, "the stderr tail holds a whole read");
	while (c->err >= 0) {
		ssize_t n = read(c->err, tmp, sizeof(tmp));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(&c->err);
			return;
		}
		/* tmp is smaller than the kept tail: drop the oldest bytes to fit. */
		if (c->errlen + (size_t)n > ERR_KEEP) {
			size_t drop = c->errlen + (size_t)n - ERR_KEEP;

			memmove(c->errbuf, c->errbuf + drop, c->errlen - drop);
			c->errlen -= drop;
		}
		memcpy(c->errbuf + c->errlen, tmp, (size_t)n);
		c->errlen += (size_t)n;
		c->errbuf[c->errlen] = '\0';
	}
}

int mc_proc_child_write(struct mc_child *c, const char *buf, size_t len, int timeout_ms,
			struct mc_error *err)
{
	long long deadline = timeout_ms > 0 ? mc_now_ms() + timeout_ms : 0;
	sigset_t pipe_set, old;
	int rc = 0;

	if (c->in < 0)
		return mc_error_set(err, MC_E_IO, "%s has exited", c->name);
	/* A child that exited must not kill us with SIGPIPE: block it while
	 * writing and swallow the one our write raised. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	while (len) {
		struct pollfd p[2] = { { .fd = c->in, .events = POLLOUT }, { .fd = c->err, .events = POLLIN } };
		ssize_t n = write(c->in, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			if (errno == EPIPE) {
				const struct timespec zero = { 0, 0 };

				sigtimedwait(&pipe_set, NULL, &zero);
				close_fd(&c->in);
				rc = mc_error_set(err, MC_E_IO, "%s has exited", c->name);
			} else {
				rc = mc_error_errno(err, errno, "cannot write to %s", c->name);
			}
			break;
		}
		if (deadline && remaining(deadline) == 0) {
			rc = mc_error_set(err, MC_E_TIMEOUT, "%s did not read its input within %d ms",
					  c->name, timeout_ms);
			break;
		}
		if (poll(p, c->err >= 0 ? 2 : 1, remaining(deadline)) < 0 && errno != EINTR) {
			rc = mc_error_errno(err, errno, "cannot write to %s", c->name);
			break;
		}
		if (p[1].revents)
			drain_err(c);
	}
	if (!sigismember(&old, SIGPIPE))
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* A whole line in the buffer: move it to *line. */
static bool take_line(struct mc_child *c, char **line)
{
	char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
	size_t n, used;

	if (!nl)
		return false;
	used = (size_t)(nl - c->buf) + 1;
	n = used - 1;
	if (n && c->buf[n - 1] == '\r')
		n--;
	*line = mc_strndup(c->buf, n);
	memmove(c->buf, c->buf + used, c->len - used);
	c->len -= used;
	return true;
}

int mc_proc_child_read_line(struct mc_child *c, int timeout_ms, char **line,
			    struct mc_error *err)
{
	long long deadline = timeout_ms > 0 ? mc_now_ms() + timeout_ms : 0;

	for (;;) {
		struct pollfd p[2];
		int n = 0;

		if (take_line(c, line))
			return 0;
		if (c->out < 0)
			return mc_error_set(err, MC_E_IO, "%s has exited", c->name);
		if (deadline && remaining(deadline) == 0)
			return mc_error_set(err, MC_E_TIMEOUT, "%s did not answer within %d ms",
					    c->name, timeout_ms);
		p[n++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
		if (c->err >= 0)
			p[n++] = (struct pollfd){ .fd = c->err, .events = POLLIN };
		if (poll(p, (nfds_t)n, remaining(deadline)) < 0) {
			if (errno == EINTR)
				continue;
			return mc_error_errno(err, errno, "cannot read from %s", c->name);
		}
		if (n > 1 && p[1].revents)
			drain_err(c);
		if (!p[0].revents)
			continue;
		for (;;) {
			ssize_t r;

			if (c->len + 4096 > c->cap)
				c->buf = mc_realloc(c->buf, c->cap = (c->cap + 4096) * 2);
			r = read(c->out, c->buf + c->len, c->cap - c->len);
			if (r > 0) {
				c->len += (size_t)r;
				continue;
			}
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == EAGAIN)
				break;
			close_fd(&c->out);  /* EOF: a last unterminated line is dropped */
			drain_err(c);
			break;
		}
	}
}

const char *mc_proc_child_stderr(struct mc_child *c)
{
	drain_err(c);
	return c->errbuf;
}

int mc_proc_child_close(struct mc_child *c, int grace_ms)
{
	long long deadline = mc_now_ms() + (grace_ms > 0 ? grace_ms : 0);
	int status = 0, rc;
	pid_t r;

	if (!c)
		return -1;
	close_fd(&c->in);
	for (;;) {
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid || (r < 0 && errno != EINTR))
			break;
		if (r == 0 && mc_now_ms() >= deadline) {
			kill(-c->pid, SIGKILL);
			kill(c->pid, SIGKILL);
			while ((r = waitpid(c->pid, &status, 0)) < 0 && errno == EINTR)
				;
			break;
		}
		if (r == 0) {
			/* Keep its pipes drained while it finishes. */
			struct pollfd p[2];
			int n = 0;

			if (c->out >= 0)
				p[n++] = (struct pollfd){ .fd = c->out, .events = POLLIN };
			if (c->err >= 0)
				p[n++] = (struct pollfd){ .fd = c->err, .events = POLLIN };
			poll(p, (nfds_t)n, 20);
			if (c->out >= 0) {
				char tmp[4096];
				ssize_t k;

				while ((k = read(c->out, tmp, sizeof(tmp))) > 0)
					;
				if (k == 0)
					close_fd(&c->out);
			}
			drain_err(c);
		}
	}
	rc = r == c->pid ? (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) : -1;
	mc_debug("%s (pid %ld) -> exit %d", c->name, (long)c->pid, rc);
	close_fd(&c->out);
	close_fd(&c->err);
	free(c->name);
	free(c->buf);
	free(c);
	return rc;
}
