/* swarm-up and swarm-down on machines: load each node, then src/swarm.c
 * speaks the Engine API. */
#include "buildconf.h"

#include <string.h>

#include "ops-internal.h"
#include "util.h"

struct node_src {
	struct mc_handle h;
	char *url, *ip;
};

static bool listed(char **list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

/* Managers: --manager names; without any, the first name that is not a
 * --worker (first). */
static int node_role(const struct mc_swarm_plan *p, const char *name, size_t idx, size_t first, bool *manager,
		     struct mc_error *err)
{
	*manager = p->managers ? listed(p->managers, name) : idx == first;
	if (listed(p->workers, name)) {
		if (*manager)
			return mc_error_set(err, MC_E_USAGE, "%s is named both --manager and --worker", name);
		*manager = false;
	}
	return 0;
}

static int load_node(const struct mc_swarm_plan *p, const char *name,
		     size_t idx, size_t first, struct mc_swarm_node *nd, struct node_src *src, struct mc_error *err)
{
	size_t n = strlen(name);

	if (mc_handle_require_created(&src->h, err) < 0 || mc_handle_require_running(&src->h, err) < 0 ||
	    mc_op_url(&src->h, &src->url, err) < 0 || mc_op_ip(&src->h, &src->ip, err) < 0)
		return -1;
	for (char **a = p ? p->advertise : NULL; a && *a; a++)
		if (!strncmp(*a, name, n) && (*a)[n] == '=') {
			free(src->ip);
			src->ip = mc_strdup(*a + n + 1);
		}
	if (p && node_role(p, name, idx, first, &nd->manager, err) < 0)
		return -1;
	nd->name = src->h.m->name;
	nd->target = (struct mc_engine_target){ src->h.m->name, src->url, src->h.m->dir };
	nd->addr = src->ip;
	return 0;
}

/* Open every machine with its lock, held for the whole run (nobody stops,
 * removes or swarms it meanwhile), taken in name order: two runs on machines
 * they share then never each hold a lock the other waits for. */
static int lock_nodes(struct mc_session *s, char **names, size_t n, struct node_src *src, struct mc_error *err)
{
	_cleanup_free_ size_t *order = mc_calloc(n ? n : 1, sizeof(*order));

	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		for (; j > 0 && strcmp(names[order[j - 1]], names[i]) > 0; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (size_t k = 0; k < n; k++)
		if (mc_handle_open(s, names[order[k]], MC_OPEN_LOCK, &src[order[k]].h, err) < 0)
			return -1;
	return 0;
}

int mc_ops_swarm(struct mc_session *s, char **names, const struct mc_swarm_plan *plan,
		 struct mc_swarm_run *run, struct mc_error *err)
{
	size_t n = mc_strv_len(names), first = 0;
	const struct mc_swarm_plan *up = plan->down ? NULL : plan;
	struct node_src *src;

	while (up && !up->managers && first < n && listed(up->workers, names[first]))
		first++;
	if (up && n && first == n)
		return mc_error_set(err, MC_E_USAGE, "every machine is a --worker: name a manager with --manager");
	src = mc_calloc(n ? n : 1, sizeof(*src));
	*run = (struct mc_swarm_run){ mc_calloc(n ? n : 1, sizeof(struct mc_swarm_node)), n, src };
	for (size_t i = 0; i < n; i++)
		src[i].h.lock_fd = -1;
	if (lock_nodes(s, names, n, src, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (load_node(up, names[i], i, first, &run->nodes[i], &src[i], err) < 0)
			return -1;
	if (up)
		return mc_swarm_up(run->nodes, n, plan->force, err);
	return mc_swarm_down(run->nodes, n, plan->force, err);
}

void mc_ops_swarm_free(struct mc_swarm_run *run)
{
	struct node_src *src = run->priv;

	for (size_t i = 0; i < run->n; i++) {
		mc_swarm_node_clear(&run->nodes[i]);
		mc_handle_close(&src[i].h);
		free(src[i].url);
		free(src[i].ip);
	}
	free(run->nodes);
	free(src);
	memset(run, 0, sizeof(*run));
}
