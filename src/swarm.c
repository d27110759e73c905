#include "buildconf.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "swarm.h"
#include "util.h"

#define SWARM_PORT 2377
#define JOIN_TIMEOUT_MS 90000

void mc_swarm_node_clear(struct mc_swarm_node *n)
{
	free(n->node_id);
	free(n->role);
	free(n->state);
	n->node_id = n->role = n->state = NULL;
}

static json_t *path_get(json_t *j, const char *a, const char *b)
{
	j = json_object_get(j, a);
	return b ? json_object_get(j, b) : j;
}

const char *mc_swarm_role_from_info(json_t *info)
{
	json_t *sw = json_object_get(info, "Swarm");
	const char *st = json_string_value(json_object_get(sw, "LocalNodeState"));

	if (!st || strcmp(st, "active") != 0)
		return "";
	return json_is_true(json_object_get(sw, "ControlAvailable")) ? "manager" : "worker";
}

/* nd->err holds an engine error ('machine "N": GET /x: ...'): restate it as
 * "N: <what>: GET /x: ..." (what may be NULL). */
static void node_context(struct mc_swarm_node *nd, const char *what)
{
	struct mc_error e = nd->err;
	char prefix[300];
	const char *rest = e.msg;

	snprintf(prefix, sizeof(prefix), "machine \"%s\": ", nd->name);
	if (mc_startswith(rest, prefix))
		rest += strlen(prefix);
	mc_error_clear(&nd->err);
	mc_error_set(&nd->err, e.code, "%s: %s%s%s", nd->name, what ? what : "", what ? ": " : "", rest);
}

/* GET /info on every node at once; infos[i] owned by the caller. */
static size_t get_infos(struct mc_swarm_node *nodes, size_t n, json_t **infos)
{
	struct mc_engine_call *calls = mc_calloc(n, sizeof(*calls));
	size_t failed = 0;

	for (size_t i = 0; i < n; i++)
		calls[i] = (struct mc_engine_call){ .target = &nodes[i].target, .path = "/info",
						    .timeout_ms = 20000 };
	mc_engine_run(calls, n, 0);
	for (size_t i = 0; i < n; i++) {
		if (calls[i].err.code != MC_E_OK) {
			nodes[i].err = calls[i].err;
			node_context(&nodes[i], nodes[i].manager ? "reading its swarm state (it is to be a manager)"
								  : "reading its swarm state");
			failed++;
		} else {
			infos[i] = json_incref(calls[i].reply);
		}
		mc_engine_call_clear(&calls[i]);
	}
	free(calls);
	return failed;
}

static char *addr_port(const char *ip)
{
	return strchr(ip, ':') ? mc_asprintf("[%s]:%d", ip, SWARM_PORT) : mc_asprintf("%s:%d", ip, SWARM_PORT);
}

/* dockerd gives its swarm node 15 s to stop when it leaves (moby
 * daemon/cluster/noderunner.go); a node still starting or stopping task
 * containers misses that and answers 500 "context deadline exceeded",
 * having left only in part.  Asked again, it finishes. */
#define LEAVE_TRIES 3

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool deadline_exceeded(const struct mc_error *e)
{
	return e->code != MC_E_OK && strstr(e->msg, "context deadline exceeded");
}

static int leave(struct mc_swarm_node *n, bool force)
{
	int r = -1;

	for (int i = 0; i < LEAVE_TRIES && r < 0; i++) {
		json_t *reply = NULL;

		if (i) {
			mc_debug("%s: leaving the swarm again (%s)", n->name, n->err.msg);
			mc_error_clear(&n->err);
			sleep_ms(2000);
		}
		r = mc_engine_post(&n->target, force ? "/swarm/leave?force=true" : "/swarm/leave", NULL,
				   60000, &reply, &n->err);
		json_decref(reply);
		if (r < 0 && !deadline_exceeded(&n->err))
			break;
	}
	if (r < 0)
		node_context(n, "leaving the swarm");
	return r;
}

/* The nodes of the swarm, as its manager sees them (GET /nodes). */
static json_t *swarm_nodes(struct mc_swarm_node *mgr, struct mc_error *err)
{
	json_t *reply = NULL;

	if (mc_engine_get(&mgr->target, "/nodes", 20000, &reply, &mgr->err) < 0) {
		node_context(mgr, "listing the swarm's nodes");
		if (err)
			*err = mgr->err;
		return NULL;
	}
	if (!json_is_array(reply)) {
		json_decref(reply);
		mc_error_set(err, MC_E_INVALID, "%s: GET /nodes did not return a list", mgr->name);
		return NULL;
	}
	return reply;
}

static bool in_list(json_t *nodes, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(nodes, i, v)
		if (id && *id && mc_streq(json_string_value(json_object_get(v, "ID")), id))
			return true;
	return false;
}

/* Fill role/state/leader of every node from the manager's GET /nodes. */
static void describe(struct mc_swarm_node *nodes, size_t n, json_t *list)
{
	for (size_t k = 0; k < n; k++) {
		size_t i;
		json_t *v;

		json_array_foreach(list, i, v) {
			if (!nodes[k].node_id ||
			    !mc_streq(json_string_value(json_object_get(v, "ID")), nodes[k].node_id))
				continue;
			free(nodes[k].role);
			free(nodes[k].state);
			nodes[k].role = mc_strdup(json_string_value(path_get(v, "Spec", "Role")));
			nodes[k].state = mc_strdup(json_string_value(path_get(v, "Status", "State")));
			nodes[k].leader = json_is_true(path_get(v, "ManagerStatus", "Leader"));
		}
	}
}

/* A node's LocalNodeState ("inactive", "pending", "active", "error", "locked"). */
static const char *local_state(json_t *info)
{
	const char *st = json_string_value(path_get(info, "Swarm", "LocalNodeState"));

	return st && *st ? st : "inactive";
}

/* Which swarm a node is in, for messages: " (as a worker, managed by ADDR)". */
static char *swarm_desc(json_t *info)
{
	const char *role = mc_swarm_role_from_info(info);
	const char *mgr = json_string_value(
		json_object_get(json_array_get(path_get(info, "Swarm", "RemoteManagers"), 0), "Addr"));

	if (!*role)
		return mc_asprintf(" (its swarm state is \"%s\")", local_state(info));
	return mgr ? mc_asprintf(" (as a %s, managed by %s)", role, mgr) : mc_asprintf(" (as a %s)", role);
}

/* What swarm-up will do with each node, decided before anything changes. */
enum plan {
	P_FIRST,          /* the first manager: init, or its swarm is used */
	P_ALREADY,        /* a member of this swarm */
	P_JOIN,
	P_LEAVE_JOIN,     /* --force: in another swarm (or stuck joining one) */
};

struct join_job {
	struct mc_swarm_node *nodes;
	json_t **infos;
	enum plan *plan;
	const char *worker_token, *manager_token, *remote, *mgr_name;
};

static void join_one(size_t i, void *arg);

/*
 * Decide, read-only, what happens to every node: a node in another swarm (or
 * still trying to join one) is an error unless force.  members: the first
 * manager's GET /nodes when it already manages a swarm, else NULL.
 */
static size_t make_plan(struct mc_swarm_node *nodes, size_t n, size_t first, json_t **infos,
			json_t *members, bool force, enum plan *plan)
{
	size_t refused = 0;

	for (size_t i = 0; i < n; i++) {
		struct mc_swarm_node *nd = &nodes[i];
		const char *st = local_state(infos[i]);
		const char *id = json_string_value(path_get(infos[i], "Swarm", "NodeID"));
		_cleanup_free_ char *desc = NULL;

		if (i == first) {
			/* A manager runs its own swarm; anything else must leave first. */
			bool manages = !strcmp(mc_swarm_role_from_info(infos[i]), "manager");

			plan[i] = P_FIRST;
			if (manages || !strcmp(st, "inactive"))
				continue;
			if (force)
				continue;
			desc = swarm_desc(infos[i]);
			mc_error_set(&nd->err, MC_E_STATE,
				     "%s is in another swarm%s and cannot start a new one: use --force to make it leave first",
				     nd->name, desc);
			refused++;
			continue;
		}
		if (!strcmp(st, "inactive")) {
			plan[i] = P_JOIN;
			continue;
		}
		if (!strcmp(st, "active") && members && in_list(members, id)) {
			plan[i] = P_ALREADY;
			continue;
		}
		plan[i] = P_LEAVE_JOIN;
		if (force)
			continue;
		desc = swarm_desc(infos[i]);
		if (!strcmp(st, "active"))
			mc_error_set(&nd->err, MC_E_STATE,
				     "%s is already in another swarm%s: use --force to make it leave and join this one",
				     nd->name, desc);
		else  /* pending: a join that timed out goes on in the background */
			mc_error_set(&nd->err, MC_E_STATE,
				     "%s is still trying to join a swarm%s: use --force to make it leave and join this one",
				     nd->name, desc);
		refused++;
	}
	return refused;
}

int mc_swarm_up(struct mc_swarm_node *nodes, size_t n, bool force, struct mc_error *err)
{
	json_t **infos = mc_calloc(n, sizeof(json_t *));
	enum plan *plan = mc_calloc(n, sizeof(*plan));
	json_t *sw = NULL, *members = NULL;
	struct mc_swarm_node *m0 = NULL;
	_cleanup_free_ char *remote = NULL;
	size_t first = 0;
	bool manages;
	int rc = -1;

	for (size_t i = 0; i < n && !m0; i++)
		if (nodes[i].manager) {
			m0 = &nodes[i];
			first = i;
		}
	if (!m0) {
		mc_error_set(err, MC_E_USAGE, "a swarm needs a manager: name one with --manager");
		goto out;
	}
	if (get_infos(nodes, n, infos) > 0)
		goto first_error;

	/* Everything is checked before anything changes. */
	manages = !strcmp(mc_swarm_role_from_info(infos[first]), "manager");
	if (manages && !(members = swarm_nodes(m0, err)))
		goto out;
	if (make_plan(nodes, n, first, infos, members, force, plan) > 0)
		goto first_error;

	/* The first manager: init a swarm, or use the one it manages. */
	if (manages) {
		m0->node_id = mc_strdup(json_string_value(path_get(infos[first], "Swarm", "NodeID")));
		m0->action = MC_SWARM_ALREADY;
	} else {
		_cleanup_free_ char *adv = addr_port(m0->addr);
		_cleanup_json_ json_t *body = json_pack("{s:s,s:s}", "ListenAddr", "0.0.0.0:2377",
							"AdvertiseAddr", adv);
		json_t *reply = NULL;

		if (strcmp(local_state(infos[first]), "inactive") != 0 && leave(m0, true) < 0) {
			*err = m0->err;
			goto out;
		}
		if (mc_engine_post(&m0->target, "/swarm/init", body, 60000, &reply, &m0->err) < 0) {
			node_context(m0, "swarm init");
			*err = m0->err;
			goto out;
		}
		m0->node_id = mc_strdup(json_string_value(reply));
		json_decref(reply);
		m0->action = MC_SWARM_INITIALIZED;
	}
	if (mc_engine_get(&m0->target, "/swarm", 20000, &sw, &m0->err) < 0) {
		node_context(m0, "reading the join tokens");
		*err = m0->err;
		goto out;
	}
	/* Join the manager where it listens: the address its swarm knows it
	 * by, else its machine's (or --advertise-addr's) IP. */
	if (manages) {
		const char *self = json_string_value(path_get(infos[first], "Swarm", "NodeID"));
		size_t k;
		json_t *v;

		json_array_foreach(path_get(infos[first], "Swarm", "RemoteManagers"), k, v)
			if (!remote && mc_streq(json_string_value(json_object_get(v, "NodeID")), self) &&
			    json_string_value(json_object_get(v, "Addr")))
				remote = mc_strdup(json_string_value(json_object_get(v, "Addr")));
	}
	if (!remote)
		remote = addr_port(m0->addr);

	{
		struct join_job j = {
			nodes, infos, plan,
			json_string_value(path_get(sw, "JoinTokens", "Worker")),
			json_string_value(path_get(sw, "JoinTokens", "Manager")), remote, m0->name,
		};
		size_t failed = 0;

		if (!j.worker_token || !j.manager_token) {
			mc_error_set(err, MC_E_INVALID, "%s: GET /swarm returned no join tokens", m0->name);
			goto out;
		}
		/* Everyone but the first manager (join_one skips it), in parallel. */
		mc_parallel(n, 8, join_one, &j);
		for (size_t i = 0; i < n; i++)
			if (nodes[i].err.code != MC_E_OK && !failed++)
				*err = nodes[i].err;
		json_decref(members);
		members = swarm_nodes(m0, failed ? NULL : err);
		if (members)
			describe(nodes, n, members);
		rc = failed || !members ? -1 : 0;
	}
	goto out;
first_error:
	for (size_t i = 0; i < n; i++)
		if (nodes[i].err.code != MC_E_OK) {
			*err = nodes[i].err;
			break;
		}
out:
	for (size_t i = 0; i < n; i++)
		json_decref(infos[i]);
	free(infos);
	free(plan);
	json_decref(sw);
	json_decref(members);
	return rc;
}

static void join_one(size_t i, void *arg)
{
	struct join_job *j = arg;
	struct mc_swarm_node *nd = &j->nodes[i];
	_cleanup_free_ char *adv = NULL, *what = NULL;
	_cleanup_json_ json_t *body = NULL;
	json_t *reply = NULL;

	switch (j->plan[i]) {
	case P_FIRST:
		return;
	case P_ALREADY:
		nd->node_id = mc_strdup(json_string_value(path_get(j->infos[i], "Swarm", "NodeID")));
		nd->action = MC_SWARM_ALREADY;
		return;
	case P_LEAVE_JOIN:
		if (leave(nd, true) < 0)
			return;
		nd->action = MC_SWARM_REJOINED;
		break;
	case P_JOIN:
		break;
	}
	adv = addr_port(nd->addr);
	body = json_pack("{s:s,s:s,s:[s],s:s}", "ListenAddr", "0.0.0.0:2377", "AdvertiseAddr", adv,
			 "RemoteAddrs", j->remote, "JoinToken",
			 nd->manager ? j->manager_token : j->worker_token);
	if (mc_engine_post(&nd->target, "/swarm/join", body, JOIN_TIMEOUT_MS, &reply, &nd->err) < 0) {
		bool timeout = strstr(nd->err.msg, "Timeout was reached before node joined") != NULL;

		what = mc_asprintf("joining the swarm of %s at %s", j->mgr_name, j->remote);
		node_context(nd, what);
		if (timeout) {
			/* dockerd keeps trying in the background: say why it cannot
			 * reach the manager, and how to start over. */
			char hint[512];

			snprintf(hint, sizeof(hint),
				 " (%s cannot reach %s: is TCP port %d of %s open to it? Once it is, run swarm-up again with --force)",
				 nd->name, j->remote, SWARM_PORT, j->mgr_name);
			if (strlen(nd->err.msg) + strlen(hint) < sizeof(nd->err.msg))
				strcat(nd->err.msg, hint);
		}
		return;
	}
	json_decref(reply);
	if (nd->action != MC_SWARM_REJOINED)
		nd->action = MC_SWARM_JOINED;
	/* The new node ID, for the table. */
	{
		json_t *after = NULL;
		struct mc_error e = { 0 };

		if (mc_engine_get(&nd->target, "/info", 20000, &after, &e) == 0)
			nd->node_id = mc_strdup(json_string_value(path_get(after, "Swarm", "NodeID")));
		json_decref(after);
	}
}

/* A task that holds (or is about to hold) a container on its node. */
static bool task_active(json_t *task)
{
	static const char *const active[] = { "assigned", "accepted", "preparing", "ready",
					      "starting", "running" };
	const char *st = json_string_value(path_get(task, "Status", "State"));

	for (size_t i = 0; i < MC_ARRAY_SIZE(active); i++)
		if (mc_streq(st, active[i]))
			return true;
	return false;
}

static bool ours(const char *const *ids, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] && id && !strcmp(ids[i], id))
			return true;
	return false;
}

/* How long swarm-down waits for the drained nodes' containers to stop. */
#define DRAIN_WAIT_MS 120000

/*
 * Before the nodes leave: drain them through a manager among them, and wait
 * until no task is active on them.  Otherwise a worker that leaves has its
 * tasks rescheduled on the nodes that stay, which are then starting
 * containers when they leave in turn: under load that takes longer than
 * dockerd's 15 s and the leave fails (swarm-down on three TCG VMs, issue 23).
 * Drained, nothing is rescheduled onto them and nothing is starting.  Best
 * effort: any failure here leaves it to the leave itself.
 */
/* The named nodes' IDs (ids[k], NULL when unknown) and the first named
 * manager (NULL: none). */
static struct mc_swarm_node *named_ids(struct mc_swarm_node *nodes, size_t n, json_t **infos, const char **ids)
{
	struct mc_swarm_node *mgr = NULL;

	for (size_t k = 0; k < n; k++) {
		if (!infos[k])
			continue;
		ids[k] = json_string_value(path_get(infos[k], "Swarm", "NodeID"));
		if (!mgr && !strcmp(mc_swarm_role_from_info(infos[k]), "manager"))
			mgr = &nodes[k];
	}
	return mgr;
}

/* The swarm's live nodes (list: GET /nodes) that are not named ("host1,
 * host2"), when none of them is a manager: the named managers leaving (with
 * force) would end the swarm under them.  NULL: there are none, or an unnamed
 * manager stays. */
static char *strangers(json_t *list, const char *const *ids, size_t n)
{
	json_t *v;
	char *out = NULL;
	size_t i;

	json_array_foreach(list, i, v) {
		const char *id = json_string_value(json_object_get(v, "ID"));
		const char *host = json_string_value(path_get(v, "Description", "Hostname"));

		if (ours(ids, n, id) || mc_streq(json_string_value(path_get(v, "Status", "State")), "down"))
			continue;
		if (mc_streq(json_string_value(path_get(v, "Spec", "Role")), "manager")) {
			free(MC_TAKE(out));  /* the swarm goes on without the named ones */
			break;
		}
		mc_str_append(&out, ", ", host ? host : id ? id : "?");
	}
	return out;
}

/* Drain the named nodes of list (mgr's GET /nodes; NULL: nothing to do), and
 * wait for their tasks to stop. */
static void drain(struct mc_swarm_node *mgr, json_t *list, const char *const *ids, size_t n)
{
	struct mc_error e = { 0 };
	json_t *v;
	long long deadline;
	bool any = false;
	size_t i;

	json_array_foreach(list, i, v) {
		const char *id = json_string_value(json_object_get(v, "ID"));
		json_t *spec = json_deep_copy(json_object_get(v, "Spec")), *reply = NULL;
		_cleanup_free_ char *path = NULL;

		if (!ours(ids, n, id) || !json_is_object(spec)) {
			json_decref(spec);
			continue;
		}
		any = true;
		json_object_set_new(spec, "Availability", json_string("drain"));
		path = mc_asprintf("/nodes/%s/update?version=%lld", id,
				   (long long)json_integer_value(path_get(v, "Version", "Index")));
		mc_error_clear(&e);
		if (mc_engine_post(&mgr->target, path, spec, 20000, &reply, &e) < 0)
			mc_debug("swarm-down: draining node %s: %s", id, e.msg);
		json_decref(reply);
		json_decref(spec);
	}
	for (deadline = mc_now_ms() + DRAIN_WAIT_MS; any && mc_now_ms() < deadline; sleep_ms(1000)) {
		json_t *tasks = NULL;

		any = false;
		mc_error_clear(&e);
		if (mc_engine_get(&mgr->target, "/tasks", 20000, &tasks, &e) < 0) {
			mc_debug("swarm-down: listing the tasks: %s", e.msg);
			break;
		}
		json_array_foreach(tasks, i, v)
			any |= ours(ids, n, json_string_value(json_object_get(v, "NodeID"))) && task_active(v);
		json_decref(tasks);
	}
}

/* The swarm's nodes as the first named manager sees them (GET /nodes), for
 * strangers() and drain(); NULL: no manager is named, or it did not say. */
static json_t *down_list(struct mc_swarm_node *mgr)
{
	struct mc_error e = { 0 };
	json_t *list = NULL;

	if (mgr && mc_engine_get(&mgr->target, "/nodes", 20000, &list, &e) == 0 && json_is_array(list))
		return list;
	mc_debug("swarm-down: not draining (%s)", mgr ? e.msg : "no manager among the nodes");
	json_decref(list);
	return NULL;
}

int mc_swarm_down(struct mc_swarm_node *nodes, size_t n, bool force, struct mc_error *err)
{
	json_t **infos = mc_calloc(n, sizeof(json_t *));
	_cleanup_free_ const char **ids = mc_calloc(n, sizeof(char *));
	const struct mc_swarm_node *stuck = NULL;
	struct mc_swarm_node *mgr;
	_cleanup_free_ char *others = NULL;
	json_t *list;
	size_t failed = 0;

	get_infos(nodes, n, infos);  /* a node that does not answer keeps its error */
	mgr = named_ids(nodes, n, infos, ids);
	list = down_list(mgr);
	if (!force && (others = strangers(list, ids, n))) {
		json_decref(list);
		for (size_t i = 0; i < n; i++)
			json_decref(infos[i]);
		free(infos);
		return mc_error_set(err, MC_E_STATE,
				    "the swarm's other nodes (%s) are not named, and no manager would stay: they would be stranded in a swarm without managers. Name them too, or use --force to leave anyway",
				    others);
	}
	drain(mgr, list, ids, n);
	json_decref(list);

	/* Workers first, then managers (with force): a manager that leaves
	 * first would strand the workers, and so would one that leaves while
	 * a worker could not. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; pass == 1 && !force && k < n && !stuck; k++)
			if (nodes[k].err.code != MC_E_OK)
				stuck = &nodes[k];
		for (size_t i = 0; i < n; i++) {
			const char *role;

			if (!infos[i])
				continue;
			role = mc_swarm_role_from_info(infos[i]);
			nodes[i].manager = !strcmp(role, "manager");
			if (!*role) {
				if (pass == 0)
					nodes[i].action = MC_SWARM_NOT_MEMBER;
				continue;
			}
			if (nodes[i].manager != (pass == 1))
				continue;
			if (stuck) {
				mc_error_set(&nodes[i].err, MC_E_STATE,
					     "%s: stays in the swarm, as %s did not leave and would be stranded: run swarm-down again when it can, or with --force",
					     nodes[i].name, stuck->name);
				continue;
			}
			if (leave(&nodes[i], nodes[i].manager) == 0)
				nodes[i].action = MC_SWARM_LEFT;
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_decref(infos[i]);
		if (nodes[i].err.code != MC_E_OK && !failed++)
			*err = nodes[i].err;
	}
	free(infos);
	return failed ? -1 : 0;
}
