#include "buildconf.h"

#include <string.h>

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
			mc_error_prefix(&nodes[i].err, "%s: ", nodes[i].name);
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

static int leave(struct mc_swarm_node *n, bool force)
{
	json_t *reply = NULL;
	int r = mc_engine_post(&n->target, force ? "/swarm/leave?force=true" : "/swarm/leave", NULL,
			       60000, &reply, &n->err);

	json_decref(reply);
	if (r < 0)
		mc_error_prefix(&n->err, "%s: leaving the swarm: ", n->name);
	return r;
}

/* The node IDs of the swarm, as its manager sees them (GET /nodes). */
static json_t *swarm_nodes(struct mc_swarm_node *mgr, struct mc_error *err)
{
	json_t *reply = NULL;

	if (mc_engine_get(&mgr->target, "/nodes", 20000, &reply, err) < 0) {
		mc_error_prefix(err, "%s: listing the swarm's nodes: ", mgr->name);
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
		if (id && mc_streq(json_string_value(json_object_get(v, "ID")), id))
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

struct join_job {
	struct mc_swarm_node *nodes;
	json_t **infos;
	json_t *members;
	const char *worker_token, *manager_token, *remote;
	bool force;
};

static void join_one(size_t i, void *arg);

int mc_swarm_up(struct mc_swarm_node *nodes, size_t n, bool force, struct mc_error *err)
{
	json_t **infos = mc_calloc(n, sizeof(json_t *));
	json_t *sw = NULL, *members = NULL;
	struct mc_swarm_node *m0 = NULL;
	_cleanup_free_ char *remote = NULL;
	size_t first = 0;
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
	if (get_infos(nodes, n, infos) > 0) {
		for (size_t i = 0; i < n; i++)
			if (nodes[i].err.code != MC_E_OK) {
				*err = nodes[i].err;
				break;
			}
		goto out;
	}

	/* The first manager: init a swarm, or use the one it manages. */
	{
		const char *role = mc_swarm_role_from_info(infos[first]);

		if (!strcmp(role, "worker")) {
			if (!force) {
				mc_error_set(&m0->err, MC_E_STATE,
					     "%s is a worker in another swarm: use --force to make it leave and start a new swarm",
					     m0->name);
				*err = m0->err;
				goto out;
			}
			if (leave(m0, true) < 0) {
				*err = m0->err;
				goto out;
			}
			role = "";
		}
		if (!*role) {
			_cleanup_free_ char *adv = addr_port(m0->addr);
			_cleanup_json_ json_t *body = json_pack("{s:s,s:s}", "ListenAddr", "0.0.0.0:2377",
								"AdvertiseAddr", adv);
			json_t *reply = NULL;

			if (mc_engine_post(&m0->target, "/swarm/init", body, 60000, &reply, &m0->err) < 0) {
				mc_error_prefix(&m0->err, "%s: swarm init: ", m0->name);
				*err = m0->err;
				goto out;
			}
			m0->node_id = mc_strdup(json_string_value(reply));
			json_decref(reply);
			m0->action = MC_SWARM_INITIALIZED;
		} else {
			m0->node_id = mc_strdup(json_string_value(path_get(infos[first], "Swarm", "NodeID")));
			m0->action = MC_SWARM_ALREADY;
		}
	}
	if (mc_engine_get(&m0->target, "/swarm", 20000, &sw, err) < 0) {
		mc_error_prefix(err, "%s: reading the join tokens: ", m0->name);
		goto out;
	}
	members = swarm_nodes(m0, err);
	if (!members)
		goto out;
	remote = addr_port(m0->addr);

	{
		struct join_job j = {
			nodes, infos, members,
			json_string_value(path_get(sw, "JoinTokens", "Worker")),
			json_string_value(path_get(sw, "JoinTokens", "Manager")), remote, force,
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
out:
	for (size_t i = 0; i < n; i++)
		json_decref(infos[i]);
	free(infos);
	json_decref(sw);
	json_decref(members);
	return rc;
}

static void join_one(size_t i, void *arg)
{
	struct join_job *j = arg;
	struct mc_swarm_node *nd = &j->nodes[i];
	json_t *info = j->infos[i];
	const char *role = mc_swarm_role_from_info(info);
	const char *id = json_string_value(path_get(info, "Swarm", "NodeID"));
	_cleanup_free_ char *adv = NULL;
	_cleanup_json_ json_t *body = NULL;
	json_t *reply = NULL;

	if (nd->action == MC_SWARM_INITIALIZED || nd->action == MC_SWARM_ALREADY)
		return;  /* the first manager */
	if (*role) {
		if (in_list(j->members, id)) {
			nd->node_id = mc_strdup(id);
			nd->action = MC_SWARM_ALREADY;
			return;
		}
		if (!j->force) {
			mc_error_set(&nd->err, MC_E_STATE,
				     "%s is already in another swarm (as a %s): use --force to make it leave and join this one",
				     nd->name, role);
			return;
		}
		if (leave(nd, true) < 0)
			return;
		nd->action = MC_SWARM_REJOINED;
	}
	adv = addr_port(nd->addr);
	body = json_pack("{s:s,s:s,s:[s],s:s}", "ListenAddr", "0.0.0.0:2377", "AdvertiseAddr", adv,
			 "RemoteAddrs", j->remote, "JoinToken",
			 nd->manager ? j->manager_token : j->worker_token);
	if (mc_engine_post(&nd->target, "/swarm/join", body, JOIN_TIMEOUT_MS, &reply, &nd->err) < 0) {
		mc_error_prefix(&nd->err, "%s: joining the swarm at %s: ", nd->name, j->remote);
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

int mc_swarm_down(struct mc_swarm_node *nodes, size_t n, struct mc_error *err)
{
	json_t **infos = mc_calloc(n, sizeof(json_t *));
	size_t failed = 0;

	get_infos(nodes, n, infos);  /* a node that does not answer keeps its error */

	/* Workers first, then managers (with force): a manager that leaves
	 * first would strand the workers. */
	for (int pass = 0; pass < 2; pass++)
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
			if (leave(&nodes[i], nodes[i].manager) == 0)
				nodes[i].action = MC_SWARM_LEFT;
		}
	for (size_t i = 0; i < n; i++) {
		json_decref(infos[i]);
		if (nodes[i].err.code != MC_E_OK && !failed++)
			*err = nodes[i].err;
	}
	free(infos);
	return failed ? -1 : 0;
}
