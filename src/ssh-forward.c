/*
 * Port forwards: the specs of `ssh -L/-R/-D` (checked for both clients) and
 * the native client's forwarding (-L, -R) inside its poll loop.  See
 * doc/ssh.md, "Port forwards".
 *
 * Every forwarded connection is a local TCP socket (non-blocking) paired with
 * an SSH channel.  Bytes from the channel wait in the connection's buffer
 * until the socket takes them (no more is read from the channel meanwhile, so
 * SSH's window holds the sender back); bytes from the socket are read only as
 * far as the channel's window allows.  EOF travels each way on its own
 * (shutdown(SHUT_WR) / SSH EOF), so half-closed protocols work.
 */
#include "buildconf.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "ssh-internal.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* specs                                                               */

void mc_ssh_forward_clear(struct mc_ssh_forward *f)
{
	free(f->spec);
	free(f->bind);
	free(f->host);
	memset(f, 0, sizeof(*f));
}

/* Split at ':' outside [...]; brackets are removed.  NULL when a bracket is
 * not closed. */
static char **split_spec(const char *s)
{
	char **v = NULL;
	const char *p = s;

	for (;;) {
		const char *start = p, *end;

		if (*p == '[') {
			end = strchr(p, ']');
			if (!end || (end[1] && end[1] != ':')) {
				mc_strv_free(v);
				return NULL;
			}
			mc_strv_push(&v, mc_strndup(p + 1, (size_t)(end - p - 1)));
			p = end + 1;
		} else {
			p += strcspn(p, ":");
			mc_strv_push(&v, mc_strndup(start, (size_t)(p - start)));
		}
		if (*p != ':')
			return v;
		p++;
	}
}

static int parse_port(const char *s, int min, int *out)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5)
		return -1;
	v = strtol(s, &end, 10);
	if (v < min || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

static const char *spec_form(char kind)
{
	switch (kind) {
	case 'L': return "[BIND:]PORT:HOST:HOSTPORT";
	case 'R': return "[BIND:]PORT:HOST:HOSTPORT, or [BIND:]PORT for a SOCKS proxy on the machine";
	default: return "[BIND:]PORT";
	}
}

static int forward_parse(char kind, const char *spec, struct mc_ssh_forward *f, struct mc_error *err)
{
	_cleanup_strv_ char **v = NULL;
	_cleanup_free_ char *shown = mc_printable(spec);
	size_t n;
	int listen_at;
	struct mc_error e = { 0 };

	memset(f, 0, sizeof(*f));
	if (strchr(spec, '/'))
		return mc_error_set(err, MC_E_USAGE, "-%c \"%s\": forwards to or from Unix sockets are not supported; give %s",
				    kind, shown, spec_form(kind));
	v = split_spec(spec);
	n = v ? mc_strv_len(v) : 0;
	if (!v || (kind == 'L' && n != 3 && n != 4) || (kind == 'R' && (n < 1 || n > 4)) ||
	    (kind == 'D' && n != 1 && n != 2))
		return mc_error_set(err, MC_E_USAGE, "-%c \"%s\": expected %s", kind, shown, spec_form(kind));
	/* A SOCKS forward (-D, -R PORT) has no HOST:HOSTPORT. */
	listen_at = (kind == 'D' || n <= 2) ? (int)n - 1 : (int)n - 3;
	if (listen_at == 1)
		f->bind = mc_strdup(v[0]);
	if (parse_port(v[listen_at], kind == 'R' ? 0 : 1, &f->port) < 0)
		return mc_error_set(err, MC_E_USAGE, "-%c \"%s\": \"%s\" is not a port (%d-65535)", kind, shown,
				    v[listen_at], kind == 'R' ? 0 : 1);
	if (f->bind && *f->bind && strcmp(f->bind, "*") && mc_ssh_check_host(f->bind, &e) < 0)
		return mc_error_set(err, MC_E_USAGE, "-%c \"%s\": bind address: %s", kind, shown, e.msg);
	if (kind != 'D' && n > 2) {
		if (mc_ssh_check_host(v[n - 2], &e) < 0)
			return mc_error_set(err, MC_E_USAGE, "-%c \"%s\": %s", kind, shown, e.msg);
		if (parse_port(v[n - 1], 1, &f->host_port) < 0)
			return mc_error_set(err, MC_E_USAGE, "-%c \"%s\": \"%s\" is not a port (1-65535)", kind,
					    shown, v[n - 1]);
		f->host = mc_strdup(v[n - 2]);
	}
	f->kind = kind;
	f->spec = mc_strdup(spec);
	return 0;
}

int mc_ssh_forward_parse(char kind, const char *spec, struct mc_ssh_forward *f, struct mc_error *err)
{
	if (forward_parse(kind, spec, f, err) < 0) {
		mc_ssh_forward_clear(f);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* the native client's forwards                                        */

struct fwd_listener {
	int fd;
	const struct mc_ssh_forward *f;
	int idx;                 /* in the last poll set, or -1 */
};

struct fwd_conn {
	int fd;
	ssh_channel ch;
	const struct mc_ssh_forward *f;
	char buf[32768];         /* from the channel, not yet taken by the socket */
	size_t off, len;
	bool sock_eof;           /* the socket said EOF: sent on as SSH EOF */
	bool chan_eof;           /* the channel said EOF: the socket is shut for writing */
	int idx;
};

struct mc_ssh_fwd {
	struct mc_ssh_forward *f;
	size_t nf;
	struct fwd_listener *ls;
	size_t nls;
	struct fwd_conn **cs;
	size_t ncs;
};

static void conn_free(struct fwd_conn *c)
{
	if (c->ch) {
		if (ssh_channel_is_open(c->ch))
			ssh_channel_close(c->ch);
		ssh_channel_free(c->ch);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

void mc_ssh_fwd_free(struct mc_ssh *s)
{
	struct mc_ssh_fwd *w = s->fwd;

	if (!w)
		return;
	for (size_t i = 0; i < w->ncs; i++)
		conn_free(w->cs[i]);
	for (size_t i = 0; i < w->nls; i++)
		close(w->ls[i].fd);
	for (size_t i = 0; i < w->nf; i++)
		mc_ssh_forward_clear(&w->f[i]);
	free(w->cs);
	free(w->ls);
	free(w->f);
	free(w);
	s->fwd = NULL;
}

static void conn_add(struct mc_ssh_fwd *w, int fd, ssh_channel ch, const struct mc_ssh_forward *f)
{
	struct fwd_conn *c = mc_calloc(1, sizeof(*c));

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	c->fd = fd;
	c->ch = ch;
	c->f = f;
	c->idx = -1;
	w->cs = mc_realloc(w->cs, (w->ncs + 1) * sizeof(*w->cs));
	w->cs[w->ncs++] = c;
}

/* The listening sockets of -L f: every address of its bind address
 * (default: localhost, as OpenSSH with GatewayPorts=no). */
static int listen_local(struct mc_ssh_fwd *w, const struct mc_ssh_forward *f, struct mc_error *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
	struct addrinfo *res = NULL;
	char port[8];
	const char *node = f->bind ? f->bind : "localhost";
	size_t before = w->nls;
	int rc, last = 0;

	if (!strcmp(node, "*") || !*node)
		node = NULL;
	snprintf(port, sizeof(port), "%d", f->port);
	rc = getaddrinfo(node, port, &hints, &res);
	if (rc != 0)
		return mc_error_set(err, MC_E_INVALID, "-L %s: cannot resolve %s: %s", f->spec, node, gai_strerror(rc));
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		int one = 1;

		if (fd < 0) {
			last = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 16) < 0) {
			last = errno;
			close(fd);
			continue;
		}
		w->ls = mc_realloc(w->ls, (w->nls + 1) * sizeof(*w->ls));
		w->ls[w->nls++] = (struct fwd_listener){ fd, f, -1 };
	}
	freeaddrinfo(res);
	if (w->nls == before)
		return mc_error_set(err, MC_E_FAILED, "-L %s: cannot listen on %s port %d: %s", f->spec,
				    node ? node : "all addresses", f->port, strerror(last));
	return 0;
}

int mc_ssh_forward_start(struct mc_ssh *s, const struct mc_ssh_forward *f, size_t n, struct mc_error *err)
{
	struct mc_ssh_fwd *w = mc_calloc(1, sizeof(*w));

	mc_ssh_fwd_free(s);
	s->fwd = w;
	w->f = mc_calloc(n ? n : 1, sizeof(*w->f));
	for (size_t i = 0; i < n; i++) {
		struct mc_ssh_forward *c = &w->f[w->nf++];

		*c = (struct mc_ssh_forward){ f[i].kind, mc_strdup(f[i].spec), f[i].bind ? mc_strdup(f[i].bind) : NULL,
					      f[i].port, f[i].host ? mc_strdup(f[i].host) : NULL, f[i].host_port, 0 };
		if (c->kind != 'L' && (c->kind != 'R' || !c->host))
			return mc_error_set(err, MC_E_UNSUPPORTED,
					    "-%c %s needs the system's ssh: the native client forwards -L and -R PORT:HOST:HOSTPORT only",
					    c->kind, c->spec);
		if (c->kind == 'L') {
			if (listen_local(w, c, err) < 0) {
				mc_error_machine(err, s->ep.machine);
				return -1;
			}
			continue;
		}
		/* -R: the machine listens (on its loopback unless BIND says otherwise). */
		if (ssh_channel_listen_forward(s->session, c->bind ? c->bind : "localhost", c->port,
					       c->port ? NULL : &c->bound_port) != SSH_OK)
			return mc_error_setm(err, s->ep.machine, MC_E_FAILED,
					     "-R %s: the machine refused to listen on port %d: %s (is the port in use there, or AllowTcpForwarding off in its sshd_config?)",
					     c->spec, c->port, ssh_get_error(s->session));
	}
	return 0;
}

const struct mc_ssh_forward *mc_ssh_forwards(const struct mc_ssh *s, size_t *n)
{
	*n = s->fwd ? s->fwd->nf : 0;
	return s->fwd ? s->fwd->f : NULL;
}

/* A TCP connection to host:port within 10 s (non-blocking), or -1 (why set). */
static int tcp_connect(const char *host, int port, char *why, size_t whylen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res = NULL;
	char p[8];
	int fd = -1, rc;

	snprintf(p, sizeof(p), "%d", port);
	if ((rc = getaddrinfo(host, p, &hints, &res)) != 0) {
		snprintf(why, whylen, "%s", gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		struct pollfd pf;
		int soerr = ETIMEDOUT;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			snprintf(why, whylen, "%s", strerror(errno));
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		pf = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (errno == EINPROGRESS && poll(&pf, 1, 10000) == 1)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		else if (errno != EINPROGRESS)
			soerr = errno;
		if (soerr) {
			snprintf(why, whylen, "%s", strerror(soerr));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

/* The machine opened a channel for a -R forward: connect it to HOST:HOSTPORT here. */
static void accept_remote(struct mc_ssh *s)
{
	struct mc_ssh_fwd *w = s->fwd;

	for (;;) {
		int dport = 0, oport = 0, fd;
		char *orig = NULL, why[256] = "";
		const struct mc_ssh_forward *f = NULL;
		ssh_channel ch = ssh_channel_open_forward_port(s->session, 0, &dport, &orig, &oport);

		if (orig)
			ssh_string_free_char(orig);
		if (!ch)
			return;
		for (size_t i = 0; i < w->nf && !f; i++)
			if (w->f[i].kind == 'R' && (w->f[i].bound_port ? w->f[i].bound_port : w->f[i].port) == dport)
				f = &w->f[i];
		fd = f ? tcp_connect(f->host, f->host_port, why, sizeof(why)) : -1;
		if (fd < 0) {
			if (f)
				mc_warn("-R %s: cannot connect to %s port %d: %s", f->spec, f->host, f->host_port, why);
			ssh_channel_close(ch);
			ssh_channel_free(ch);
			continue;
		}
		conn_add(w, fd, ch, f);
	}
}

static void accept_local(struct mc_ssh *s, struct fwd_listener *l)
{
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char addr[NI_MAXHOST] = "127.0.0.1", port[NI_MAXSERV] = "0";
	int fd = accept4(l->fd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	ssh_channel ch;

	if (fd < 0)
		return;
	getnameinfo((struct sockaddr *)&peer, plen, addr, sizeof(addr), port, sizeof(port),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	ch = ssh_channel_new(s->session);
	if (!ch || ssh_channel_open_forward(ch, l->f->host, l->f->host_port, addr, atoi(port)) != SSH_OK) {
		mc_warn("-L %s: the machine could not connect to %s port %d: %s", l->f->spec, l->f->host,
			l->f->host_port, ssh_get_error(s->session));
		if (ch)
			ssh_channel_free(ch);
		close(fd);
		return;
	}
	conn_add(s->fwd, fd, ch, l->f);
}

/* Move what can move without waiting; false when the connection is over. */
static bool conn_step(struct fwd_conn *c, short revents)
{
	char in[32768];
	ssize_t w;

	for (int rounds = 0; rounds < 16; rounds++) {
		if (!c->len && !c->chan_eof) {
			int n = ssh_channel_read_nonblocking(c->ch, c->buf, sizeof(c->buf), 0);

			if (n == SSH_ERROR)
				return false;
			if (n > 0) {
				c->off = 0;
				c->len = (size_t)n;
			} else if (ssh_channel_is_eof(c->ch) || ssh_channel_is_closed(c->ch)) {
				shutdown(c->fd, SHUT_WR);
				c->chan_eof = true;
			}
		}
		if (!c->len)
			break;
		w = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);

		if (w < 0)
			return errno == EAGAIN || errno == EINTR;
		c->off += (size_t)w;
		if (c->off < c->len)
			break;
		c->len = 0;
	}
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && !c->sock_eof) {
		uint32_t window = ssh_channel_window_size(c->ch);
		ssize_t r = window ? recv(c->fd, in, window < sizeof(in) ? window : sizeof(in), 0) : -1;

		if (r > 0 && ssh_channel_write(c->ch, in, (uint32_t)r) == SSH_ERROR)
			return false;
		if (r == 0 || (r < 0 && window && errno != EAGAIN && errno != EINTR)) {
			ssh_channel_send_eof(c->ch);
			c->sock_eof = true;
		}
	}
	if (ssh_channel_is_closed(c->ch) && !c->len)
		return false;
	return !(c->sock_eof && c->chan_eof && !c->len);
}

size_t mc_ssh_fwd_fill(struct mc_ssh *s, struct pollfd *p, size_t max)
{
	struct mc_ssh_fwd *w = s->fwd;
	size_t n = 0;

	for (size_t i = 0; w && i < w->nls; i++) {
		w->ls[i].idx = n < max ? (int)n : -1;
		if (n < max)
			p[n++] = (struct pollfd){ .fd = w->ls[i].fd, .events = POLLIN };
	}
	for (size_t i = 0; w && i < w->ncs; i++) {
		struct fwd_conn *c = w->cs[i];
		short ev = (short)((!c->sock_eof && ssh_channel_window_size(c->ch) ? POLLIN : 0) |
				   (c->len ? POLLOUT : 0));

		c->idx = ev && n < max ? (int)n : -1;
		if (c->idx >= 0)
			p[n++] = (struct pollfd){ .fd = c->fd, .events = ev };
	}
	return n;
}

size_t mc_ssh_fwd_npoll(const struct mc_ssh *s)
{
	return s->fwd ? s->fwd->nls + s->fwd->ncs : 0;
}

void mc_ssh_fwd_step(struct mc_ssh *s, const struct pollfd *p)
{
	struct mc_ssh_fwd *w = s->fwd;
	size_t kept = 0;

	if (!w)
		return;
	/* Also what reads the session when no channel does (only -L, no
	 * connection yet): window changes, keepalive replies, a closed
	 * connection.  A channel the machine opens without a -R is refused. */
	accept_remote(s);
	for (size_t i = 0; p && i < w->nls; i++)
		if (w->ls[i].idx >= 0 && (p[w->ls[i].idx].revents & POLLIN))
			accept_local(s, &w->ls[i]);
	for (size_t i = 0; i < w->ncs; i++) {
		struct fwd_conn *c = w->cs[i];
		short rev = p && c->idx >= 0 ? p[c->idx].revents : 0;

		c->idx = -1;
		if (conn_step(c, rev))
			w->cs[kept++] = c;
		else
			conn_free(c);
	}
	w->ncs = kept;
	for (size_t i = 0; i < w->nls; i++)
		w->ls[i].idx = -1;
}

int mc_ssh_forward_run(struct mc_ssh *s, struct mc_error *err)
{
	_cleanup_free_ struct pollfd *p = NULL;
	long long last_send = mc_now_ms();

	for (;;) {
		size_t np;
		int rc;

		/* Also reads the session: new -R channels, window changes, a closed connection. */
		mc_ssh_fwd_step(s, NULL);
		if (!ssh_is_connected(s->session))
			return mc_error_setm(err, s->ep.machine, MC_E_NETWORK, "the SSH connection was lost: %s",
					     ssh_get_error(s->session));
		np = 1 + mc_ssh_fwd_npoll(s);
		p = mc_realloc(p, np * sizeof(*p));
		p[0] = (struct pollfd){ .fd = ssh_get_fd(s->session), .events = POLLIN |
				((ssh_get_poll_flags(s->session) & SSH_WRITE_PENDING) ? POLLOUT : 0) };
		np = 1 + mc_ssh_fwd_fill(s, p + 1, np - 1);
		rc = poll(p, (nfds_t)np, 30000);
		if (rc < 0 && errno != EINTR)
			return mc_error_errno(err, errno, "poll");
		if (rc == 0 && mc_now_ms() - last_send >= 30000) {
			/* Keep NAT state alive, and notice a dead peer. */
			if (ssh_send_ignore(s->session, "") != SSH_OK)
				return mc_error_setm(err, s->ep.machine, MC_E_NETWORK, "the SSH connection was lost: %s",
						     ssh_get_error(s->session));
			last_send = mc_now_ms();
		}
		if (rc > 0)
			mc_ssh_fwd_step(s, p + 1);
	}
}
