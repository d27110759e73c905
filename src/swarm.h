/*
 * Docker swarm mode across machines, through the Docker Engine API over TLS
 * (src/engine.c) — never SSH.  swarm-up initialises the swarm on the first
 * manager, reads the join tokens and joins the others in parallel; it is
 * idempotent (members of this swarm are left alone) and refuses nodes that
 * belong to another swarm unless forced (leave, then join).
 * Library code: nothing is printed; results are recorded per node.
 */
#ifndef MC_SWARM_H
#define MC_SWARM_H

#include <stdbool.h>

#include "engine.h"
#include "error.h"

enum mc_swarm_action {
	MC_SWARM_NONE = 0,
	MC_SWARM_INITIALIZED,     /* swarm init on this node */
	MC_SWARM_JOINED,
	MC_SWARM_REJOINED,        /* --force: left another swarm, joined this one */
	MC_SWARM_ALREADY,         /* already a member of this swarm */
	MC_SWARM_LEFT,            /* swarm-down */
	MC_SWARM_NOT_MEMBER,      /* swarm-down: was not in a swarm */
};

struct mc_swarm_node {
	/* in */
	const char *name;
	struct mc_engine_target target;
	const char *addr;         /* advertise address (the machine's IP) */
	bool manager;
	/* out */
	enum mc_swarm_action action;
	char *node_id;
	char *role;               /* "manager" / "worker" as the swarm sees it */
	char *state;              /* node status: "ready", "down", ... */
	bool leader;
	struct mc_error err;      /* this node failed */
};

void mc_swarm_node_clear(struct mc_swarm_node *n);

/* Bring nodes[0..n) into one swarm; nodes[first manager] initialises it.
 * Returns 0 when every node is in the swarm; -1 otherwise (err: the first
 * failure; each node's own error in node->err). */
int mc_swarm_up(struct mc_swarm_node *nodes, size_t n, bool force, struct mc_error *err);
/* Workers leave, then managers (with force).  Unless force: refused when
 * unnamed nodes would be left without a manager, and the managers stay
 * when a named node could not leave. */
int mc_swarm_down(struct mc_swarm_node *nodes, size_t n, bool force, struct mc_error *err);

/* A node's swarm role from a GET /info reply: "manager", "worker" or ""
 * (not in a swarm); static string. */
const char *mc_swarm_role_from_info(json_t *info);

#endif
