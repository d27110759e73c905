/*
 * tls-fixture: a loopback HTTPS peer that answers like dockerd on port 2376,
 * for tests and benchmarks.  OpenSSL only; one thread; 127.0.0.1 only.
 *
 *   tls-fixture --cert server.pem --key server-key.pem --ca ca.pem
 *               [--count N] [--port P] [--port-file FILE] [--hang]
 *               [--version 20.10.24] [--lifetime SECONDS]
 *
 * It requires a client certificate that chains to --ca (as dockerd
 * --tlsverify does) and serves, with or without an API version prefix
 * (/v1.41/version):
 *   GET|HEAD /_ping   "OK" with the Api-Version header
 *   GET /version      dockerd 20.10-like JSON (Version, ApiVersion, Components...)
 *   GET /info         a small dockerd-like JSON
 *   POST /echo        the JSON body it was sent
 *   POST /swarm/init  "fixture-node-id" (a JSON string, as dockerd answers)
 *   GET /fail         HTTP 500 {"message": "fixture: injected failure"}
 *   anything else     HTTP 404 {"message": "page not found"}
 *
 * --count N opens N listeners (each on a free port unless --port P, then
 * P..P+N-1); their ports are written one per line to --port-file (atomically,
 * once all are bound) or to stdout.  --hang accepts TCP connections and never
 * answers (no TLS handshake), for timeout tests.  It exits cleanly on SIGTERM
 * or SIGINT, and by itself after --lifetime seconds (default 600), so a test
 * that forgets it leaves nothing running for long.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_CONNS 4096
#define MAX_REQ (1 << 20)

enum cstate { C_HANDSHAKE, C_READ, C_WRITE, C_SHUTDOWN, C_DRAIN, C_HANG };

struct conn {
	int fd;
	SSL *ssl;
	enum cstate st;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	short want;      /* POLLIN / POLLOUT for the next step */
};

static volatile sig_atomic_t stop;
static const char *version = "20.10.24";

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *msg)
{
	fprintf(stderr, "tls-fixture: %s\n", msg);
	ERR_print_errors_fp(stderr);
	exit(2);
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void conn_free(struct conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void respond(struct conn *c, int status, const char *reason, const char *ctype,
		    const char *extra_headers, const char *body, bool head)
{
	size_t blen = strlen(body);
	size_t cap = blen + 1024;

	c->out = malloc(cap);
	if (!c->out)
		abort();
	c->out_len = (size_t)snprintf(c->out, cap,
				      "HTTP/1.1 %d %s\r\n"
				      "Api-Version: 1.41\r\n"
				      "Docker-Experimental: false\r\n"
				      "Ostype: linux\r\n"
				      "Server: Docker/%s (linux)\r\n"
				      "Content-Type: %s\r\n"
				      "%s"
				      "Content-Length: %zu\r\n"
				      "Connection: close\r\n\r\n",
				      status, reason, version, ctype, extra_headers, blen);
	if (!head) {
		memcpy(c->out + c->out_len, body, blen);
		c->out_len += blen;
	}
	c->out_off = 0;
	c->st = C_WRITE;
}

static void handle(struct conn *c, const char *method, const char *path, const char *body)
{
	char json[2048];
	bool head = !strcmp(method, "HEAD");
	const char *p = path;

	/* Strip an API version prefix: /v1.41/version -> /version. */
	if (p[0] == '/' && p[1] == 'v' && p[2] >= '0' && p[2] <= '9') {
		const char *slash = strchr(p + 1, '/');

		p = slash ? slash : "/";
	}
	if (!strcmp(p, "/_ping") && (head || !strcmp(method, "GET"))) {
		respond(c, 200, "OK", "text/plain; charset=utf-8",
			"Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\n", "OK", head);
	} else if (!strcmp(p, "/version") && !strcmp(method, "GET")) {
		snprintf(json, sizeof(json),
			 "{\"Platform\":{\"Name\":\"Docker Engine - Community\"},"
			 "\"Components\":[{\"Name\":\"Engine\",\"Version\":\"%s\",\"Details\":{"
			 "\"ApiVersion\":\"1.41\",\"Arch\":\"amd64\",\"BuildTime\":\"2023-04-04T00:00:00.000000000+00:00\","
			 "\"Experimental\":\"false\",\"GitCommit\":\"5d6db84\",\"GoVersion\":\"go1.19.8\","
			 "\"KernelVersion\":\"6.1.0-fixture\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\"}}],"
			 "\"Version\":\"%s\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\","
			 "\"GitCommit\":\"5d6db84\",\"GoVersion\":\"go1.19.8\",\"Os\":\"linux\",\"Arch\":\"amd64\","
			 "\"KernelVersion\":\"6.1.0-fixture\",\"BuildTime\":\"2023-04-04T00:00:00.000000000+00:00\"}\n",
			 version, version);
		respond(c, 200, "OK", "application/json", "", json, false);
	} else if (!strcmp(p, "/info") && !strcmp(method, "GET")) {
		snprintf(json, sizeof(json),
			 "{\"ID\":\"FIXT:URE0:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000\","
			 "\"Containers\":0,\"ContainersRunning\":0,\"ContainersPaused\":0,\"ContainersStopped\":0,"
			 "\"Images\":0,\"Driver\":\"overlay2\",\"Name\":\"tls-fixture\",\"ServerVersion\":\"%s\","
			 "\"OperatingSystem\":\"machinectl tls-fixture\",\"OSType\":\"linux\",\"Architecture\":\"x86_64\","
			 "\"NCPU\":1,\"MemTotal\":1073741824,\"KernelVersion\":\"6.1.0-fixture\","
			 "\"Swarm\":{\"NodeID\":\"\",\"NodeAddr\":\"\",\"LocalNodeState\":\"inactive\","
			 "\"ControlAvailable\":false,\"Error\":\"\",\"RemoteManagers\":null}}\n",
			 version);
		respond(c, 200, "OK", "application/json", "", json, false);
	} else if (!strcmp(p, "/echo") && !strcmp(method, "POST")) {
		respond(c, 200, "OK", "application/json", "", body, false);
	} else if (!strcmp(p, "/swarm/init") && !strcmp(method, "POST")) {
		if (body[0] == '{')
			respond(c, 200, "OK", "application/json", "", "\"fixture-node-id\"\n", false);
		else
			respond(c, 400, "Bad Request", "application/json", "",
				"{\"message\":\"fixture: /swarm/init needs a JSON object\"}\n", false);
	} else if (!strcmp(p, "/fail")) {
		respond(c, 500, "Internal Server Error", "application/json", "",
			"{\"message\":\"fixture: injected failure\"}\n", head);
	} else {
		respond(c, 404, "Not Found", "application/json", "", "{\"message\":\"page not found\"}\n", head);
	}
}

/* A whole request in c->in?  Then answer it. */
static void try_request(struct conn *c)
{
	char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
	char method[16] = "", path[512] = "";
	size_t hlen, clen = 0;
	char *cl, *q, *body;

	if (!end)
		return;
	hlen = (size_t)(end - c->in) + 4;
	c->in[c->in_len] = 0;
	for (cl = c->in; (cl = strcasestr(cl, "\r\nContent-Length:")); cl++)
		if (cl < end) {
			clen = strtoul(cl + 17, NULL, 10);
			break;
		}
	if (c->in_len < hlen + clen)
		return;
	if (sscanf(c->in, "%15s %511s", method, path) != 2) {
		respond(c, 400, "Bad Request", "text/plain", "", "bad request\n", false);
		return;
	}
	q = strchr(path, '?');
	if (q)
		*q = 0;
	body = strndup(c->in + hlen, clen);
	if (!body)
		abort();
	handle(c, method, path, body);
	free(body);
}

/* Advance one connection; false when it is finished. */
static bool step(struct conn *c)
{
	int r = 0, e;

	for (;;) {
		switch (c->st) {
		case C_HANG:
			return true;
		case C_HANDSHAKE:
			r = SSL_accept(c->ssl);
			if (r == 1) {
				c->st = C_READ;
				continue;
			}
			break;
		case C_READ:
			if (c->in_len + 4096 > MAX_REQ)
				return false;
			c->in = realloc(c->in, c->in_len + 4096 + 1);
			if (!c->in)
				abort();
			r = SSL_read(c->ssl, c->in + c->in_len, 4096);
			if (r > 0) {
				c->in_len += (size_t)r;
				try_request(c);
				continue;
			}
			break;
		case C_WRITE:
			if (c->out_off == c->out_len) {
				c->st = C_SHUTDOWN;
				continue;
			}
			r = SSL_write(c->ssl, c->out + c->out_off, (int)(c->out_len - c->out_off));
			if (r > 0) {
				c->out_off += (size_t)r;
				continue;
			}
			break;
		case C_SHUTDOWN:
			SSL_shutdown(c->ssl);
			return false;
		case C_DRAIN: {
			char junk[4096];
			ssize_t n = read(c->fd, junk, sizeof(junk));

			if (n > 0)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				c->want = POLLIN;
				return true;
			}
			return false;
		}
		}
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ) {
			c->want = POLLIN;
			return true;
		}
		if (e == SSL_ERROR_WANT_WRITE) {
			c->want = POLLOUT;
			return true;
		}
		/* Handshake refused (no or bad client certificate), peer gone... */
		if (getenv("TLS_FIXTURE_VERBOSE"))
			ERR_print_errors_fp(stderr);
		ERR_clear_error();
		if (c->st == C_HANDSHAKE) {
			/* Close gracefully so the client reads our alert before the
			 * end of the stream (a close with unread data would reset it). */
			shutdown(c->fd, SHUT_WR);
			c->st = C_DRAIN;
			continue;
		}
		return false;
	}
}

static void usage(void)
{
	fputs("usage: tls-fixture --cert FILE --key FILE --ca FILE [--count N] [--port P] [--port-file FILE] [--hang] [--version V] [--lifetime SECONDS]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *cert = NULL, *key = NULL, *ca = NULL, *port_file = NULL;
	int count = 1, port = 0, lifetime = 600;
	bool hang = false;
	SSL_CTX *ctx = NULL;
	int *lfd;
	int *ports;
	struct conn *conns;
	struct pollfd *pfd;
	struct sigaction sa;
	time_t t_end;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--hang")) {
			hang = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--cert"))
			cert = v;
		else if (!strcmp(a, "--key"))
			key = v;
		else if (!strcmp(a, "--ca"))
			ca = v;
		else if (!strcmp(a, "--count"))
			count = atoi(v);
		else if (!strcmp(a, "--port"))
			port = atoi(v);
		else if (!strcmp(a, "--port-file"))
			port_file = v;
		else if (!strcmp(a, "--version"))
			version = v;
		else if (!strcmp(a, "--lifetime"))
			lifetime = atoi(v);
		else
			usage();
	}
	if (count < 1 || count > 1000 || port < 0 || port > 65535 || (!hang && (!cert || !key || !ca)))
		usage();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;   /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!hang) {
		ctx = SSL_CTX_new(TLS_server_method());
		if (!ctx)
			die("cannot create an SSL context");
		if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
			die("cannot load --cert");
		if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
			die("cannot load --key");
		if (SSL_CTX_check_private_key(ctx) != 1)
			die("--key does not match --cert");
		if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
			die("cannot load --ca");
		SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(ca));
		/* As dockerd --tlsverify: a client certificate from the CA is required. */
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}

	lfd = calloc((size_t)count, sizeof(int));
	ports = calloc((size_t)count, sizeof(int));
	conns = calloc(MAX_CONNS, sizeof(*conns));
	pfd = calloc((size_t)count + MAX_CONNS, sizeof(*pfd));
	if (!lfd || !ports || !conns || !pfd)
		die("out of memory");
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	for (int i = 0; i < count; i++) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
					   .sin_port = htons((uint16_t)(port ? port + i : 0)) };
		socklen_t sl = sizeof(sin);
		int one = 1;

		lfd[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd[i] < 0)
			die("socket");
		setsockopt(lfd[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(lfd[i], (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd[i], 128) < 0)
			die("cannot listen on 127.0.0.1 (port taken?)");
		getsockname(lfd[i], (struct sockaddr *)&sin, &sl);
		ports[i] = ntohs(sin.sin_port);
		set_nonblock(lfd[i]);
	}
	if (port_file) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		f = fopen(tmp, "w");
		if (!f)
			die("cannot write --port-file");
		for (int i = 0; i < count; i++)
			fprintf(f, "%d\n", ports[i]);
		if (fclose(f) != 0 || rename(tmp, port_file) < 0)
			die("cannot write --port-file");
	} else {
		for (int i = 0; i < count; i++)
			printf("%d\n", ports[i]);
		fflush(stdout);
	}

	t_end = time(NULL) + lifetime;
	while (!stop && time(NULL) < t_end) {
		int n = 0, map[MAX_CONNS];
		int r;

		for (int i = 0; i < count; i++)
			pfd[n++] = (struct pollfd){ .fd = lfd[i], .events = POLLIN };
		for (int i = 0; i < MAX_CONNS; i++)
			if (conns[i].fd >= 0 && conns[i].st != C_HANG) {
				map[n - count] = i;
				pfd[n++] = (struct pollfd){ .fd = conns[i].fd, .events = conns[i].want };
			}
		r = poll(pfd, (nfds_t)n, 1000);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		for (int k = count; k < n; k++) {
			struct conn *c = &conns[map[k - count]];

			if (pfd[k].revents && !step(c))
				conn_free(c);
		}
		for (int i = 0; i < count; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (;;) {
				int fd = accept4(lfd[i], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
				struct conn *c = NULL;

				if (fd < 0)
					break;
				for (int s = 0; s < MAX_CONNS && !c; s++)
					if (conns[s].fd < 0)
						c = &conns[s];
				if (!c) {
					close(fd);
					continue;
				}
				c->fd = fd;
				c->want = POLLIN;
				if (hang) {
					c->st = C_HANG;
					continue;
				}
				c->ssl = SSL_new(ctx);
				SSL_set_fd(c->ssl, fd);
				c->st = C_HANDSHAKE;
				if (!step(c))
					conn_free(c);
			}
		}
	}
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i].fd >= 0)
			conn_free(&conns[i]);
	for (int i = 0; i < count; i++)
		close(lfd[i]);
	if (port_file)
		unlink(port_file);
	SSL_CTX_free(ctx);
	free(lfd);
	free(ports);
	free(conns);
	free(pfd);
	return 0;
}
