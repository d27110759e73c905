/*
 * tls-fixture: a loopback HTTPS peer that answers like dockerd on port 2376,
 * for tests and benchmarks, with a small stateful fake of swarm mode.
 * OpenSSL and jansson; 127.0.0.1 only.
 *
 *   tls-fixture --cert server.pem --key server-key.pem --ca ca.pem
 *               [--count N] [--port P] [--port-file FILE] [--hang]
 *               [--version 20.10.24] [--lifetime SECONDS]
 *               [--state-dir DIR] [--swarm-mode MODE] [--leave-deadline N]
 *               [--threads N] [--no-tickets]
 *
 * Like dockerd (Go's net/http and crypto/tls), it serves connections on
 * several threads — --threads N, default one per online CPU; --hang uses one —
 * and offers TLS session resumption: TLS 1.3 session tickets (one per full
 * handshake, as Go sends) and, for TLS 1.2, tickets and the session cache;
 * --no-tickets turns both off.  Every thread polls every listener and accepts
 * what it can; the requests themselves are answered one at a time (one lock
 * around the handlers and the swarm state), the TLS handshakes in parallel.
 *
 * It requires a client certificate that chains to --ca (as dockerd
 * --tlsverify does) and serves, with or without an API version prefix
 * (/v1.41/version):
 *   GET|HEAD /_ping   "OK" with the Api-Version header
 *   GET /version      dockerd 20.10-like JSON (Version, ApiVersion, Components...)
 *   GET /info         dockerd-like JSON, with the node's "Swarm" state
 *   POST /echo        the JSON body it was sent
 *   GET /fail         HTTP 500 {"message": "fixture: injected failure"}
 *   GET /_fixture/stats  this process's counters (not dockerd's): {"Threads",
 *                     "Connections", "Handshakes", "Resumed", "Requests"}
 *                     (benchmarks read them to know what a client cost it)
 *   the swarm endpoints below
 *   anything else     HTTP 404 {"message": "page not found"}
 *
 * Swarm mode.  Each listener is one Docker node (one machine).  It mimics
 * dockerd's behaviour as the Docker Engine API v1.41 reference documents it
 * (docs.docker.com/engine/api/v1.41, tags Swarm and Node: response shapes and
 * status codes) and with dockerd's own error texts (moby
 * daemon/cluster/errors.go and swarm.go, as `docker swarm ...` prints them
 * after "Error response from daemon: "):
 *   GET /info          Swarm: NodeID, NodeAddr, LocalNodeState (inactive,
 *                      pending, active), ControlAvailable, Error,
 *                      RemoteManagers [{NodeID, Addr}]; managers add Nodes,
 *                      Managers and Cluster {ID, Version, CreatedAt, Spec...}
 *   POST /swarm/init   {ListenAddr, AdvertiseAddr, ...} -> 200 "<node id>"
 *                      (a JSON string); 503 "This node is already part of a
 *                      swarm. ..." when it is; 400 when the body is not JSON
 *   GET /swarm         managers: {ID, Version, Spec, JoinTokens {Worker,
 *                      Manager}, ...}; workers and others: 503 (not a manager
 *                      / not part of a swarm)
 *   GET /nodes         managers: [{ID, Spec {Role, Availability},
 *   GET /nodes/ID      Description {Hostname}, Status {State, Addr},
 *                      ManagerStatus {Leader, Reachability, Addr} (managers)}]
 *   POST /swarm/join   {ListenAddr, AdvertiseAddr, RemoteAddrs, JoinToken}:
 *                      the manager is found by RemoteAddrs[0] (its
 *                      AdvertiseAddr) and the token checked against its
 *                      swarm's -> 200 (empty); a wrong token -> 400 "rpc
 *                      error: code = InvalidArgument desc = A valid join
 *                      token is necessary to join this cluster"; no manager
 *                      there -> 503 "Timeout was reached before node
 *                      joined. ..." and the node stays "pending", as dockerd
 *                      keeps trying in the background; already in a swarm
 *                      (active or pending) -> 503 "This node is already part
 *                      of a swarm. ..."
 *   GET /tasks         managers: two tasks on every fixture node of the
 *                      swarm, running, or shut down on a drained node
 *   POST /nodes/ID/update?version=N  managers: a NodeSpec; its Availability
 *                      (active, pause, drain) is kept, the version goes up
 *                      (a stale version: 500 "update out of sequence")
 *   POST /swarm/leave  [?force=true]: a worker's node goes "down" in the
 *                      swarm's node list; a manager needs force (503 "You are
 *                      attempting to leave the swarm on a node that is
 *                      participating as a manager. ..."), then leaves the
 *                      list and hands leadership on; the last manager takes
 *                      the swarm with it; not in a swarm -> 503 "This node is
 *                      not part of a swarm"
 *
 * The nodes of one test share their swarms through --state-dir DIR (several
 * fixture processes may use it: DIR/state.json is read and rewritten under
 * an flock on DIR/state.lock); without it the state lives in memory.  Every
 * POST is appended to DIR/events.log as "PORT METHOD PATH STATUS", so a test
 * can check the order of operations or that nothing was changed.
 * state.json records what each node was sent (AdvertiseAddr, ListenAddr).
 * Node IDs are "fixture-node-id", "fixture-node-id-2", ... in the order the
 * state hands them out; swarm IDs "fixture-swarm-1", ...
 *
 * --swarm-mode MODE chooses how this process's nodes behave:
 *   normal          inactive at start (default)
 *   foreign-worker  a worker of another swarm ("foreign-swarm", managed by
 *                   192.0.2.1:2377, a node that is not a fixture)
 *   foreign-manager the leader of its own other swarm (advertised as
 *                   192.0.2.2:2377)
 *   join-refused    every join is refused as with a wrong token (400)
 *   blocked         every join times out as when port 2377 of the manager is
 *                   filtered (503 "Timeout was reached before node joined.
 *                   ..."); the node stays pending
 *   slow-stop       a loaded machine whose swarm node cannot stop within
 *                   dockerd's 15 s while task containers start or stop on it:
 *                   a leave answers 500 "context deadline exceeded" (and
 *                   changes nothing) unless the node is drained
 * --leave-deadline N: the first N leaves of this process answer 500 "context
 * deadline exceeded" whatever the node (a transient overload).
 * and --hang accepts TCP connections and never answers (no TLS handshake):
 * a daemon that never answers.  It reads and drops what the client sends and
 * closes a connection when the client closes it, so clients run one after
 * another do not pile up connections here.  At most 4096 connections are
 * open at once; more wait in the listen backlog (128 per port).
 *
 * --count N opens N listeners (each on a free port unless --port P, then
 * P..P+N-1); their ports are written one per line to --port-file (atomically,
 * once all are bound) or to stdout.  It exits cleanly on SIGTERM or SIGINT,
 * and by itself after --lifetime seconds (default 600), so a test that
 * forgets it leaves nothing running for long.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_CONNS 4096
#define MAX_REQ (1 << 20)

enum cstate { C_HANDSHAKE, C_READ, C_WRITE, C_SHUTDOWN, C_DRAIN, C_HANG };

struct conn {
	int fd;
	int port;        /* the listener's port: which node this is */
	SSL *ssl;
	enum cstate st;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	short want;      /* POLLIN / POLLOUT for the next step */
};

enum swarm_mode { M_NORMAL, M_FOREIGN_WORKER, M_FOREIGN_MANAGER, M_JOIN_REFUSED, M_BLOCKED,
		  M_SLOW_STOP };

static volatile sig_atomic_t stop;
static int stop_pipe[2] = { -1, -1 };   /* readable once a signal asked to stop */
static pthread_mutex_t handle_lock = PTHREAD_MUTEX_INITIALIZER;
static int nthreads = 1;
/* Counters for GET /_fixture/stats (atomics: every thread adds). */
static unsigned long n_conns, n_handshakes, n_resumed, n_requests;
static const char *version = "20.10.24";
static const char *state_dir;     /* NULL: state in memory */
static json_t *mem_state;
static int lock_fd = -1;
static enum swarm_mode mode = M_NORMAL;
static int leave_deadlines;       /* --leave-deadline N: the first N leaves time out */

/* dockerd's texts (moby daemon/cluster/errors.go, swarm.go). */
#define ERR_NO_SWARM "This node is not part of a swarm"
#define ERR_SWARM_EXISTS \
	"This node is already part of a swarm. Use \"docker swarm leave\" to leave this swarm and join another one."
#define ERR_JOIN_TIMEOUT                                                                   \
	"Timeout was reached before node joined. The attempt to join the swarm will continue " \
	"in the background. Use the \"docker info\" command to see the current swarm status of your node."
#define ERR_NOT_MANAGER                                                                            \
	"This node is not a swarm manager. Worker nodes can't be used to view or modify cluster " \
	"state. Please run this command on a manager node or promote the current node to a manager."
#define ERR_BAD_TOKEN "rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster"
#define ERR_LEAVE_MANAGER "You are attempting to leave the swarm on a node that is participating as a manager. "
#define FOREIGN_SWARM "foreign-swarm"
#define FIXTURE_TIME "2023-04-04T00:00:00.000000000Z"

static void on_signal(int sig)
{
	int e = errno;
	ssize_t w;

	(void)sig;
	stop = 1;
	/* Wake every thread's poll(): the pipe stays readable (nobody reads it). */
	w = write(stop_pipe[1], "x", 1);
	(void)w;
	errno = e;
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

static const char *reason_of(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Status";
	}
}

/* The status of the last answer, for the event log. */
static int last_status;

static void respond(struct conn *c, int status, const char *ctype, const char *extra_headers,
		    const char *body, bool head)
{
	size_t blen = strlen(body);
	size_t cap = blen + 1024;

	last_status = status;
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
				      status, reason_of(status), version, ctype, extra_headers, blen);
	if (!head) {
		memcpy(c->out + c->out_len, body, blen);
		c->out_len += blen;
	}
	c->out_off = 0;
	c->st = C_WRITE;
}

/* Answer with a JSON value (stolen), or with dockerd's {"message": msg}. */
static void respond_json(struct conn *c, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	char *line;

	if (!s || asprintf(&line, "%s\n", s) < 0)
		abort();
	respond(c, status, "application/json", "", line, false);
	free(line);
	free(s);
	json_decref(v);
}

static void respond_error(struct conn *c, int status, const char *msg)
{
	respond_json(c, status, json_pack("{s:s}", "message", msg));
}

/* ---- the shared state ---- */

static json_t *obj_at(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(o, key, v);
	}
	return v;
}

static const char *str_at(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* Lock and read the state (a new reference). */
static json_t *state_begin(void)
{
	json_t *st;

	if (!state_dir) {
		if (!mem_state)
			mem_state = json_object();
		return json_incref(mem_state);
	}
	if (lock_fd < 0) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/state.lock", state_dir);
		lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock_fd < 0)
			die("cannot open the state lock");
	}
	while (flock(lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			die("flock");
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s/state.json", state_dir);
		st = json_load_file(path, 0, NULL);
	}
	if (!json_is_object(st)) {
		json_decref(st);
		st = json_object();
	}
	return st;
}

/* Write the state back (when changed) and unlock. */
static void state_end(json_t *st, bool changed)
{
	if (state_dir) {
		char path[4096], tmp[4200];

		snprintf(path, sizeof(path), "%s/state.json", state_dir);
		snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
		if (changed && (json_dump_file(st, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 ||
				rename(tmp, path) < 0))
			die("cannot write state.json");
		flock(lock_fd, LOCK_UN);
	}
	json_decref(st);
}

static json_t *node_of(json_t *st, int port)
{
	char key[16];

	snprintf(key, sizeof(key), "%d", port);
	return obj_at(obj_at(st, "nodes"), key);
}

static json_t *swarm_of(json_t *st, const char *id)
{
	return id && *id ? json_object_get(obj_at(st, "swarms"), id) : NULL;
}

static char *new_node_id(json_t *st)
{
	json_int_t n = json_integer_value(json_object_get(st, "next_node")) + 1;
	char *id;

	json_object_set_new(st, "next_node", json_integer(n));
	if (n == 1)
		id = strdup("fixture-node-id");
	else if (asprintf(&id, "fixture-node-id-%lld", (long long)n) < 0)
		id = NULL;
	if (!id)
		abort();
	return id;
}

/* "10.0.0.1:2377" -> "10.0.0.1"; "[::1]:2377" -> "::1" (malloc'd). */
static char *host_of(const char *addr)
{
	const char *colon;

	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		return strndup(addr + 1, end ? (size_t)(end - addr - 1) : strlen(addr + 1));
	}
	colon = strrchr(addr, ':');
	return colon ? strndup(addr, (size_t)(colon - addr)) : strdup(addr);
}

static json_t *member_by_id(json_t *sw, const char *id)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(sw, "Members"), i, m)
		if (!strcmp(str_at(m, "ID"), id))
			return m;
	return NULL;
}

static int count_managers(json_t *sw)
{
	size_t i;
	json_t *m;
	int n = 0;

	json_array_foreach(json_object_get(sw, "Members"), i, m)
		n += !strcmp(str_at(m, "Role"), "manager");
	return n;
}

/* A new member of swarm sw; port 0: a node that is not a fixture. */
static json_t *add_member(json_t *sw, const char *id, int port, const char *role, const char *adv,
			  bool leader)
{
	char *host = host_of(adv);
	json_t *m = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:b,s:s,s:i}", "ID", id, "Port", port, "Role", role,
			      "Addr", host, "AdvertiseAddr", adv, "State", "ready", "Leader", leader,
			      "Availability", "active", "Version", 10);

	free(host);
	json_array_append_new(json_object_get(sw, "Members"), m);
	return m;
}

static json_t *new_swarm(json_t *st, const char *id)
{
	json_t *sw = json_pack("{s:s,s:s,s:s,s:[]}", "ID", id, "WorkerToken", "", "ManagerToken", "",
			       "Members");
	char *w, *m;

	if (asprintf(&w, "SWMTKN-1-%s-secret-worker", id) < 0 ||
	    asprintf(&m, "SWMTKN-1-%s-secret-manager", id) < 0)
		abort();
	json_object_set_new(sw, "WorkerToken", json_string(w));
	json_object_set_new(sw, "ManagerToken", json_string(m));
	free(w);
	free(m);
	json_object_set_new(obj_at(st, "swarms"), id, sw);
	return sw;
}

/* Put this node into an active swarm: record it on the node. */
static void node_activate(json_t *node, const char *swarm_id, const char *node_id, const char *adv)
{
	char *host = host_of(adv);

	json_object_set_new(node, "State", json_string("active"));
	json_object_set_new(node, "Swarm", json_string(swarm_id));
	json_object_set_new(node, "NodeID", json_string(node_id));
	json_object_set_new(node, "Addr", json_string(host));
	free(host);
}

static void node_deactivate(json_t *node)
{
	json_object_set_new(node, "State", json_string("inactive"));
	json_object_set_new(node, "Swarm", json_string(""));
	json_object_set_new(node, "NodeID", json_string(""));
	json_object_set_new(node, "Addr", json_string(""));
}

/* At start: each listener's node, as --swarm-mode says. */
static void register_node(int port)
{
	json_t *st = state_begin();
	json_t *node = node_of(st, port);
	char *id;

	json_object_clear(node);
	json_object_set_new(node, "Port", json_integer(port));
	node_deactivate(node);
	if (mode == M_FOREIGN_WORKER) {
		json_t *sw = swarm_of(st, FOREIGN_SWARM);

		if (!sw) {
			sw = new_swarm(st, FOREIGN_SWARM);
			add_member(sw, "foreign-manager-id", 0, "manager", "192.0.2.1:2377", true);
		}
		id = new_node_id(st);
		add_member(sw, id, port, "worker", "127.0.0.1:2377", false);
		node_activate(node, FOREIGN_SWARM, id, "127.0.0.1:2377");
		free(id);
	} else if (mode == M_FOREIGN_MANAGER) {
		char swid[64];
		json_t *sw;

		snprintf(swid, sizeof(swid), "%s-%d", FOREIGN_SWARM, port);
		sw = new_swarm(st, swid);
		id = new_node_id(st);
		add_member(sw, id, port, "manager", "192.0.2.2:2377", true);
		add_member(sw, "foreign-worker-id", 0, "worker", "192.0.2.3:2377", false);
		node_activate(node, swid, id, "192.0.2.2:2377");
		free(id);
	}
	state_end(st, true);
}

static void log_event(int port, const char *method, const char *path, int status)
{
	char file[4096];
	FILE *f;

	if (!state_dir)
		return;
	snprintf(file, sizeof(file), "%s/events.log", state_dir);
	f = fopen(file, "a");
	if (f) {
		fprintf(f, "%d %s %s %d\n", port, method, path, status);
		fclose(f);
	}
}

/* ---- the swarm endpoints ---- */

static json_t *info_swarm(json_t *st, int port)
{
	json_t *node = node_of(st, port);
	json_t *sw = swarm_of(st, str_at(node, "Swarm"));
	const char *state = *str_at(node, "State") ? str_at(node, "State") : "inactive";
	json_t *me = sw ? member_by_id(sw, str_at(node, "NodeID")) : NULL;
	bool manager = me && !strcmp(str_at(me, "Role"), "manager");
	json_t *out, *remotes;
	size_t i;
	json_t *m;

	out = json_pack("{s:s,s:s,s:s,s:b,s:s}", "NodeID", str_at(node, "NodeID"), "NodeAddr",
			str_at(node, "Addr"), "LocalNodeState", state, "ControlAvailable", manager, "Error", "");
	if (strcmp(state, "active") != 0 || !sw) {
		json_object_set_new(out, "RemoteManagers", json_null());
		return out;
	}
	remotes = json_array();
	json_array_foreach(json_object_get(sw, "Members"), i, m)
		if (!strcmp(str_at(m, "Role"), "manager"))
			json_array_append_new(remotes, json_pack("{s:s,s:s}", "NodeID", str_at(m, "ID"), "Addr",
								  str_at(m, "AdvertiseAddr")));
	json_object_set_new(out, "RemoteManagers", remotes);
	if (manager) {
		json_object_set_new(out, "Nodes", json_integer((json_int_t)json_array_size(json_object_get(sw, "Members"))));
		json_object_set_new(out, "Managers", json_integer(count_managers(sw)));
		json_object_set_new(out, "Cluster",
				    json_pack("{s:s,s:{s:i},s:s,s:s,s:{s:s},s:b,s:i,s:[s],s:i}", "ID", str_at(sw, "ID"),
					      "Version", "Index", 10, "CreatedAt", FIXTURE_TIME, "UpdatedAt",
					      FIXTURE_TIME, "Spec", "Name", "default", "RootRotationInProgress", 0,
					      "DataPathPort", 4789, "DefaultAddrPool", "10.0.0.0/8", "SubnetSize", 24));
	}
	return out;
}

static json_t *node_json(json_t *m)
{
	bool manager = !strcmp(str_at(m, "Role"), "manager");
	char host[64];
	json_t *n;

	snprintf(host, sizeof(host), "fixture-%lld", (long long)json_integer_value(json_object_get(m, "Port")));
	n = json_pack("{s:s,s:{s:I},s:s,s:s,s:{s:{},s:s,s:s},s:{s:s,s:{s:s,s:s},s:{s:s}},s:{s:s,s:s}}",
		      "ID", str_at(m, "ID"), "Version", "Index",
		      json_integer_value(json_object_get(m, "Version")) ?: 10, "CreatedAt", FIXTURE_TIME, "UpdatedAt",
		      FIXTURE_TIME, "Spec", "Labels", "Role", str_at(m, "Role"), "Availability",
		      *str_at(m, "Availability") ? str_at(m, "Availability") : "active",
		      "Description", "Hostname", host, "Platform", "Architecture", "x86_64", "OS", "linux",
		      "Engine", "EngineVersion", version, "Status", "State", str_at(m, "State"), "Addr",
		      str_at(m, "Addr"));
	if (manager)
		json_object_set_new(n, "ManagerStatus",
				    json_pack("{s:b,s:s,s:s}", "Leader", json_is_true(json_object_get(m, "Leader")),
					      "Reachability", "reachable", "Addr", str_at(m, "AdvertiseAddr")));
	return n;
}

/* The swarm this node manages, or an error answered (NULL). */
static json_t *managed_swarm(struct conn *c, json_t *st)
{
	json_t *node = node_of(st, c->port);
	json_t *sw = swarm_of(st, str_at(node, "Swarm"));
	json_t *me = sw ? member_by_id(sw, str_at(node, "NodeID")) : NULL;

	if (strcmp(str_at(node, "State"), "active") != 0 || !me) {
		respond_error(c, 503, ERR_NO_SWARM);
		return NULL;
	}
	if (strcmp(str_at(me, "Role"), "manager") != 0) {
		respond_error(c, 503, ERR_NOT_MANAGER);
		return NULL;
	}
	return sw;
}

static bool swarm_get(struct conn *c, json_t *st, const char *p)
{
	json_t *sw = managed_swarm(c, st);
	size_t i;
	json_t *m;

	if (!sw)
		return false;
	if (!strcmp(p, "/swarm")) {
		respond_json(c, 200,
			     json_pack("{s:s,s:{s:i},s:s,s:s,s:{s:s,s:{}},s:{s:s,s:s},s:b,s:i,s:[s],s:i}", "ID",
				       str_at(sw, "ID"), "Version", "Index", 10, "CreatedAt", FIXTURE_TIME,
				       "UpdatedAt", FIXTURE_TIME, "Spec", "Name", "default", "Labels", "JoinTokens",
				       "Worker", str_at(sw, "WorkerToken"), "Manager", str_at(sw, "ManagerToken"),
				       "RootRotationInProgress", 0, "DataPathPort", 4789, "DefaultAddrPool",
				       "10.0.0.0/8", "SubnetSize", 24));
	} else if (!strcmp(p, "/nodes")) {
		json_t *list = json_array();

		json_array_foreach(json_object_get(sw, "Members"), i, m)
			json_array_append_new(list, node_json(m));
		respond_json(c, 200, list);
	} else {
		const char *id = p + strlen("/nodes/");

		m = member_by_id(sw, id);
		if (m) {
			respond_json(c, 200, node_json(m));
		} else {
			char msg[256];

			snprintf(msg, sizeof(msg), "node %s not found", id);
			respond_error(c, 404, msg);
		}
	}
	return false;
}

/* GET /tasks: two tasks of a service on every node of the swarm that is a
 * fixture; a drained node's tasks are shut down (nothing is rescheduled). */
static bool swarm_tasks(struct conn *c, json_t *st)
{
	json_t *sw = managed_swarm(c, st), *list, *m;
	size_t i;

	if (!sw)
		return false;
	list = json_array();
	json_array_foreach(json_object_get(sw, "Members"), i, m) {
		bool drained = !strcmp(str_at(m, "Availability"), "drain");

		if (!json_integer_value(json_object_get(m, "Port")) || strcmp(str_at(m, "State"), "ready"))
			continue;
		for (int k = 1; k <= 2; k++) {
			char id[128];

			snprintf(id, sizeof(id), "task-%s-%d", str_at(m, "ID"), k);
			json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:{s:s}}", "ID", id, "NodeID",
							       str_at(m, "ID"), "DesiredState",
							       drained ? "shutdown" : "running", "Status",
							       "State", drained ? "shutdown" : "running"));
		}
	}
	respond_json(c, 200, list);
	return false;
}

/* POST /nodes/ID/update?version=N with a NodeSpec: Availability active,
 * pause or drain (dockerd's texts for a stale version or a bad value). */
static bool node_update(struct conn *c, json_t *st, const char *id, const char *query, json_t *spec)
{
	json_t *sw = managed_swarm(c, st), *m;
	const char *v = query ? strstr(query, "version=") : NULL;
	const char *avail = str_at(spec, "Availability");

	if (!sw)
		return false;
	m = member_by_id(sw, id);
	if (!m) {
		char msg[400];

		snprintf(msg, sizeof(msg), "node %s not found", id);
		respond_error(c, 404, msg);
		return false;
	}
	if (!v || atoll(v + 8) != json_integer_value(json_object_get(m, "Version"))) {
		respond_error(c, 500, "rpc error: code = Unknown desc = update out of sequence");
		return false;
	}
	if (strcmp(avail, "active") && strcmp(avail, "pause") && strcmp(avail, "drain")) {
		respond_error(c, 400, "invalid Availability");
		return false;
	}
	json_object_set_new(m, "Availability", json_string(avail));
	json_object_set_new(m, "Version", json_integer(json_integer_value(json_object_get(m, "Version")) + 1));
	respond(c, 200, "text/plain; charset=utf-8", "", "", false);
	return true;
}

static bool swarm_init(struct conn *c, json_t *st, json_t *body)
{
	json_t *node = node_of(st, c->port);
	const char *adv = str_at(body, "AdvertiseAddr");
	char swid[64], *id, *advp = NULL;
	json_t *sw;

	if (strcmp(str_at(node, "State"), "active") == 0 || strcmp(str_at(node, "State"), "pending") == 0) {
		respond_error(c, 503, ERR_SWARM_EXISTS);
		return false;
	}
	if (!*adv)
		adv = "127.0.0.1:2377";
	else if (!strchr(adv, ':') && asprintf(&advp, "%s:2377", adv) > 0)
		adv = advp;
	snprintf(swid, sizeof(swid), "fixture-swarm-%lld",
		 (long long)json_integer_value(json_object_get(st, "next_swarm")) + 1);
	json_object_set_new(st, "next_swarm", json_integer(json_integer_value(json_object_get(st, "next_swarm")) + 1));
	sw = new_swarm(st, swid);
	id = new_node_id(st);
	add_member(sw, id, c->port, "manager", adv, true);
	node_activate(node, swid, id, adv);
	json_object_set(node, "InitRequest", body);
	respond_json(c, 200, json_string(id));
	free(id);
	free(advp);
	return true;
}

/* The swarm whose manager advertises addr. */
static json_t *swarm_at(json_t *st, const char *addr)
{
	const char *key;
	json_t *sw;

	json_object_foreach(obj_at(st, "swarms"), key, sw) {
		size_t i;
		json_t *m;

		json_array_foreach(json_object_get(sw, "Members"), i, m)
			if (!strcmp(str_at(m, "Role"), "manager") && !strcmp(str_at(m, "AdvertiseAddr"), addr))
				return sw;
	}
	return NULL;
}

static bool swarm_join(struct conn *c, json_t *st, json_t *body)
{
	json_t *node = node_of(st, c->port);
	const char *remote = json_string_value(json_array_get(json_object_get(body, "RemoteAddrs"), 0));
	const char *token = str_at(body, "JoinToken");
	const char *adv = str_at(body, "AdvertiseAddr");
	const char *role;
	json_t *sw;
	char *id;

	json_object_set(node, "JoinRequest", body);
	if (strcmp(str_at(node, "State"), "active") == 0 || strcmp(str_at(node, "State"), "pending") == 0) {
		respond_error(c, 503, ERR_SWARM_EXISTS);
		return true;
	}
	if (!remote) {
		respond_error(c, 400, "at least 1 RemoteAddr is required to join");
		return true;
	}
	if (mode == M_JOIN_REFUSED) {
		respond_error(c, 400, ERR_BAD_TOKEN);
		return true;
	}
	sw = mode == M_BLOCKED ? NULL : swarm_at(st, remote);
	if (!sw) {
		/* Nobody answers on the manager's 2377: dockerd gives up waiting
		 * after a while and keeps trying in the background. */
		json_object_set_new(node, "State", json_string("pending"));
		respond_error(c, 503, ERR_JOIN_TIMEOUT);
		return true;
	}
	if (!strcmp(token, str_at(sw, "WorkerToken")))
		role = "worker";
	else if (!strcmp(token, str_at(sw, "ManagerToken")))
		role = "manager";
	else {
		respond_error(c, 400, ERR_BAD_TOKEN);
		return true;
	}
	if (!*adv)
		adv = "127.0.0.1:2377";
	id = new_node_id(st);
	add_member(sw, id, c->port, role, adv, false);
	node_activate(node, str_at(sw, "ID"), id, adv);
	respond(c, 200, "text/plain; charset=utf-8", "", "", false);
	free(id);
	return true;
}

static bool swarm_leave(struct conn *c, json_t *st, bool force)
{
	json_t *node = node_of(st, c->port);
	json_t *sw = swarm_of(st, str_at(node, "Swarm"));
	json_t *me = sw ? member_by_id(sw, str_at(node, "NodeID")) : NULL;
	const char *state = str_at(node, "State");

	if (strcmp(state, "active") != 0 && strcmp(state, "pending") != 0) {
		respond_error(c, 503, ERR_NO_SWARM);
		return false;
	}
	/* dockerd gives its swarm node 15 s to stop; a node still starting or
	 * stopping task containers misses that (slow-stop: unless drained). */
	if (leave_deadlines > 0 ||
	    (mode == M_SLOW_STOP && me && strcmp(str_at(me, "Availability"), "drain"))) {
		if (leave_deadlines > 0)
			leave_deadlines--;
		respond_error(c, 500, "context deadline exceeded");
		return false;
	}
	if (me && !strcmp(str_at(me, "Role"), "manager")) {
		int managers = count_managers(sw);

		if (!force) {
			char msg[1024];

			if (managers == 1)
				snprintf(msg, sizeof(msg), "%s%s", ERR_LEAVE_MANAGER,
					 "Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message.");
			else
				snprintf(msg, sizeof(msg), "%s%s%s", ERR_LEAVE_MANAGER,
					 managers == 2 ? "Removing this node leaves 1 managers out of 2. Without a Raft quorum your swarm will be inaccessible. " : "",
					 "The only way to restore a swarm that has lost consensus is to reinitialize it with `--force-new-cluster`. Use `--force` to suppress this message.");
			respond_error(c, 503, msg);
			return false;
		}
		{
			json_t *members = json_object_get(sw, "Members");
			bool leader = json_is_true(json_object_get(me, "Leader"));
			size_t i;
			json_t *m;

			json_array_foreach(members, i, m)
				if (m == me) {
					json_array_remove(members, i);
					break;
				}
			if (managers == 1) {
				json_object_del(obj_at(st, "swarms"), str_at(node, "Swarm"));
			} else if (leader) {
				json_array_foreach(members, i, m)
					if (!strcmp(str_at(m, "Role"), "manager")) {
						json_object_set_new(m, "Leader", json_true());
						break;
					}
			}
		}
	} else if (me) {
		json_object_set_new(me, "State", json_string("down"));
	}
	node_deactivate(node);
	respond(c, 200, "text/plain; charset=utf-8", "", "", false);
	return true;
}

static void handle(struct conn *c, const char *method, const char *path, const char *query,
		   const char *body)
{
	char json[2048];
	bool head = !strcmp(method, "HEAD");
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	const char *p = path;

	/* Strip an API version prefix: /v1.41/version -> /version. */
	if (p[0] == '/' && p[1] == 'v' && p[2] >= '0' && p[2] <= '9') {
		const char *slash = strchr(p + 1, '/');

		p = slash ? slash : "/";
	}
	if (!strcmp(p, "/_ping") && (head || get)) {
		respond(c, 200, "text/plain; charset=utf-8",
			"Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\n", "OK", head);
	} else if (!strcmp(p, "/version") && get) {
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
		respond(c, 200, "application/json", "", json, false);
	} else if (!strcmp(p, "/info") && get) {
		json_t *st = state_begin();
		json_t *info = json_pack("{s:s,s:i,s:i,s:i,s:i,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:I,s:s,s:o}",
					 "ID", "FIXT:URE0:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000",
					 "Containers", 0, "ContainersRunning", 0, "ContainersPaused", 0,
					 "ContainersStopped", 0, "Images", 0, "Driver", "overlay2", "Name",
					 "tls-fixture", "ServerVersion", version, "OperatingSystem",
					 "machinectl tls-fixture", "OSType", "linux", "Architecture", "x86_64",
					 "NCPU", 1, "MemTotal", (json_int_t)1073741824, "KernelVersion",
					 "6.1.0-fixture", "Swarm", info_swarm(st, c->port));

		state_end(st, false);
		respond_json(c, 200, info);
	} else if (!strcmp(p, "/echo") && post) {
		respond(c, 200, "application/json", "", body, false);
	} else if ((!strcmp(p, "/swarm") || !strcmp(p, "/nodes") || !strncmp(p, "/nodes/", 7)) && get) {
		json_t *st = state_begin();

		state_end(st, swarm_get(c, st, p));
	} else if ((!strcmp(p, "/swarm/init") || !strcmp(p, "/swarm/join")) && post) {
		json_t *req = json_loads(body, 0, NULL);

		if (!json_is_object(req)) {
			char msg[128];

			snprintf(msg, sizeof(msg), "fixture: %.64s needs a JSON object", p);
			respond_error(c, 400, msg);
		} else {
			json_t *st = state_begin();

			state_end(st, !strcmp(p, "/swarm/init") ? swarm_init(c, st, req) : swarm_join(c, st, req));
		}
		json_decref(req);
	} else if (!strcmp(p, "/tasks") && get) {
		json_t *st = state_begin();

		state_end(st, swarm_tasks(c, st));
	} else if (!strncmp(p, "/nodes/", 7) && strlen(p) > 14 && !strcmp(p + strlen(p) - 7, "/update") && post) {
		json_t *spec = json_loads(body, 0, NULL);
		char id[256];

		snprintf(id, sizeof(id), "%.*s", (int)(strlen(p) - 14), p + 7);
		if (!json_is_object(spec)) {
			respond_error(c, 400, "fixture: a node update needs a JSON NodeSpec");
		} else {
			json_t *st = state_begin();

			state_end(st, node_update(c, st, id, query, spec));
		}
		json_decref(spec);
	} else if (!strcmp(p, "/swarm/leave") && post) {
		json_t *st = state_begin();
		bool force = query && (strstr(query, "force=true") || strstr(query, "force=1"));

		state_end(st, swarm_leave(c, st, force));
	} else if (!strcmp(p, "/_fixture/stats") && get) {
		snprintf(json, sizeof(json),
			 "{\"Threads\":%d,\"Connections\":%lu,\"Handshakes\":%lu,\"Resumed\":%lu,\"Requests\":%lu}\n",
			 nthreads, __atomic_load_n(&n_conns, __ATOMIC_RELAXED),
			 __atomic_load_n(&n_handshakes, __ATOMIC_RELAXED),
			 __atomic_load_n(&n_resumed, __ATOMIC_RELAXED), __atomic_load_n(&n_requests, __ATOMIC_RELAXED));
		respond(c, 200, "application/json", "", json, false);
	} else if (!strcmp(p, "/fail")) {
		respond_error(c, 500, "fixture: injected failure");
	} else {
		respond(c, 404, "application/json", "", "{\"message\":\"page not found\"}\n", head);
	}
	if (post) {
		char full[1100];

		snprintf(full, sizeof(full), "%s%s%s", path, query ? "?" : "", query ? query : "");
		log_event(c->port, method, full, last_status);
	}
}

/* A whole request in c->in?  Then answer it. */
static void try_request(struct conn *c)
{
	char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
	char method[16] = "", path[512] = "";
	size_t hlen, clen = 0;
	char *cl, *q, *body;
	const char *query = NULL;

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
		pthread_mutex_lock(&handle_lock);   /* respond() sets last_status */
		respond(c, 400, "text/plain", "", "bad request\n", false);
		pthread_mutex_unlock(&handle_lock);
		return;
	}
	q = strchr(path, '?');
	if (q) {
		*q = 0;
		query = q + 1;
	}
	body = strndup(c->in + hlen, clen);
	if (!body)
		abort();
	__atomic_add_fetch(&n_requests, 1, __ATOMIC_RELAXED);
	/* One request at a time: the swarm state, the event log, last_status. */
	pthread_mutex_lock(&handle_lock);
	handle(c, method, path, query, body);
	pthread_mutex_unlock(&handle_lock);
	free(body);
}

/* Advance one connection; false when it is finished. */
static bool step(struct conn *c)
{
	int r = 0, e;

	for (;;) {
		switch (c->st) {
		case C_HANDSHAKE:
			r = SSL_accept(c->ssl);
			if (r == 1) {
				__atomic_add_fetch(&n_handshakes, 1, __ATOMIC_RELAXED);
				if (SSL_session_reused(c->ssl))
					__atomic_add_fetch(&n_resumed, 1, __ATOMIC_RELAXED);
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
		case C_HANG:     /* never answers, but sees the client go */
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
	fputs("usage: tls-fixture --cert FILE --key FILE --ca FILE [--count N] [--port P] [--port-file FILE] [--hang] [--version V] [--lifetime SECONDS] [--state-dir DIR] [--swarm-mode normal|foreign-worker|foreign-manager|join-refused|blocked|slow-stop] [--leave-deadline N] [--threads N] [--no-tickets]\n",
	      stderr);
	exit(2);
}

/* What every serving thread shares. */
static SSL_CTX *ctx;
static int count;
static int *lfd, *ports;
static bool hang;
static time_t t_end;

/* One serving thread: its own connections, every listener. */
static void *serve(void *arg)
{
	struct conn *conns = calloc(MAX_CONNS, sizeof(*conns));
	struct pollfd *pfd = calloc((size_t)count + 1 + MAX_CONNS, sizeof(*pfd));
	int *map = calloc(MAX_CONNS, sizeof(int));

	(void)arg;
	if (!conns || !pfd || !map)
		die("out of memory");
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	while (!stop && time(NULL) < t_end) {
		int n = 0, r, nconns = 0, base;

		for (int i = 0; i < MAX_CONNS; i++)
			nconns += conns[i].fd >= 0;
		/* A full table leaves new connections in the listen backlog, as a
		 * busy daemon does, rather than closing them. */
		for (int i = 0; i < count; i++)
			pfd[n++] = (struct pollfd){ .fd = lfd[i], .events = nconns < MAX_CONNS ? POLLIN : 0 };
		pfd[n++] = (struct pollfd){ .fd = stop_pipe[0], .events = POLLIN };
		base = n;
		for (int i = 0; i < MAX_CONNS; i++)
			if (conns[i].fd >= 0) {
				map[n - base] = i;
				pfd[n++] = (struct pollfd){ .fd = conns[i].fd, .events = conns[i].want };
			}
		r = poll(pfd, (nfds_t)n, 1000);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (pfd[count].revents)
			break;   /* asked to stop */
		for (int k = base; k < n; k++) {
			struct conn *c = &conns[map[k - base]];

			if (pfd[k].revents && !step(c))
				conn_free(c);
		}
		for (int i = 0; i < count; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			for (;;) {
				struct conn *c = NULL;
				int fd;

				for (int s = 0; s < MAX_CONNS && !c; s++)
					if (conns[s].fd < 0)
						c = &conns[s];
				if (!c)
					break;   /* full: the rest wait in the backlog */
				/* Another thread may have taken it: EAGAIN. */
				fd = accept4(lfd[i], NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
				if (fd < 0)
					break;
				__atomic_add_fetch(&n_conns, 1, __ATOMIC_RELAXED);
				c->fd = fd;
				c->port = ports[i];
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
	free(conns);
	free(pfd);
	free(map);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *cert = NULL, *key = NULL, *ca = NULL, *port_file = NULL;
	int port = 0, lifetime = 600, threads = 0;
	bool tickets = true;
	pthread_t *tids;
	struct sigaction sa;

	count = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--hang")) {
			hang = true;
			continue;
		}
		if (!strcmp(a, "--no-tickets")) {
			tickets = false;
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
		else if (!strcmp(a, "--state-dir"))
			state_dir = v;
		else if (!strcmp(a, "--leave-deadline"))
			leave_deadlines = atoi(v);
		else if (!strcmp(a, "--threads"))
			threads = atoi(v);
		else if (!strcmp(a, "--swarm-mode")) {
			static const char *const names[] = { "normal", "foreign-worker", "foreign-manager",
							     "join-refused", "blocked", "slow-stop" };
			size_t k;

			for (k = 0; k < sizeof(names) / sizeof(names[0]) && strcmp(names[k], v); k++)
				;
			if (k == sizeof(names) / sizeof(names[0]))
				usage();
			mode = (enum swarm_mode)k;
		}
		else
			usage();
	}
	if (count < 1 || count > 1000 || port < 0 || port > 65535 || threads < 0 || threads > 64 ||
	    (!hang && (!cert || !key || !ca)))
		usage();
	if (!threads) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cpus < 1 ? 1 : cpus > 64 ? 64 : (int)cpus;
	}
	/* --hang: one thread keeps the documented limit of open connections. */
	nthreads = hang ? 1 : threads;

	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		die("pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
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
		/* As dockerd (Go's crypto/tls): the chain sent is what --cert holds;
		 * OpenSSL would otherwise add the CA from the verify store. */
		SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
		if (tickets) {
			/* Resumption with client certificates needs a session id context
			 * (else OpenSSL refuses a resumed handshake); one ticket per full
			 * handshake, as Go's crypto/tls sends. */
			static const unsigned char sid_ctx[] = "tls-fixture";

			SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
			SSL_CTX_set_num_tickets(ctx, 1);
		} else {
			SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
			SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
			SSL_CTX_set_num_tickets(ctx, 0);
		}
	}

	lfd = calloc((size_t)count, sizeof(int));
	ports = calloc((size_t)count, sizeof(int));
	tids = calloc((size_t)nthreads, sizeof(*tids));
	if (!lfd || !ports || !tids)
		die("out of memory");
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
	/* Each listener is a node: in the state before anyone learns its port. */
	for (int i = 0; i < count && !hang; i++)
		register_node(ports[i]);
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
	for (int t = 0; t < nthreads; t++)
		if (pthread_create(&tids[t], NULL, serve, NULL) != 0)
			die("cannot start a thread");
	for (int t = 0; t < nthreads; t++)
		pthread_join(tids[t], NULL);
	for (int i = 0; i < count; i++)
		close(lfd[i]);
	if (port_file)
		unlink(port_file);
	SSL_CTX_free(ctx);
	json_decref(mem_state);
	if (lock_fd >= 0)
		close(lock_fd);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	free(lfd);
	free(ports);
	free(tids);
	return 0;
}
