/* swarm-up, swarm-down: Docker swarm mode across machines, through the Engine API. */
#include "buildconf.h"

#include <string.h>

#include "cli.h"
#include "swarm.h"
#include "util.h"

const struct mc_option mc_opts_swarm_up[] = {
	{ "advertise-addr", 0, MC_OPT_LIST, NULL, NULL, "NAME=IP",
	  "address a node advertises to the swarm (default: the machine's IP)" },
	{ "create", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "create the named machines that do not exist yet (in parallel), with --driver and create's flags" },
	{ "force", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "make nodes that are in another swarm leave it first" },
	{ "manager", 0, MC_OPT_LIST, NULL, NULL, "NAME",
	  "make NAME a manager (repeatable; default: the first name)" },
	{ "worker", 0, MC_OPT_LIST, NULL, NULL, "NAME", "make NAME a worker (repeatable)" },
	{ NULL },
};

const struct mc_option mc_opts_swarm_down[] = {
	{ NULL },
};

static bool listed(char **list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

/* Names: the positional ones, then --manager/--worker names not already given. */
static char **all_names(struct mc_args *a)
{
	char **names = mc_calloc(1, sizeof(char *));
	char **extra[] = { mc_args_list(a, "manager"), mc_args_list(a, "worker") };

	for (char **p = a->pos; *p; p++)
		if (!listed(names, *p))
			mc_strv_push(&names, mc_strdup(*p));
	for (size_t k = 0; k < MC_ARRAY_SIZE(extra); k++)
		for (char **p = extra[k]; p && *p; p++)
			if (!listed(names, *p))
				mc_strv_push(&names, mc_strdup(*p));
	return names;
}

struct node_src {
	struct mc_target t;
	char *url, *ip;
};

static int load_node(struct mc_cli *cli, struct mc_args *a, const char *name, size_t idx,
		     struct mc_swarm_node *nd, struct node_src *src, struct mc_error *err)
{
	bool up = mc_args_has(a, "manager");  /* swarm-down has no roles to choose */
	char **adv = up ? mc_args_list(a, "advertise-addr") : NULL;

	if (mc_target_open(cli, name, false, &src->t, err) < 0)
		return -1;
	if (mc_target_require_created(cli, &src->t, err) < 0 ||
	    mc_target_require_running(&src->t, err) < 0 || mc_target_url(&src->t, &src->url, err) < 0 ||
	    mc_target_ip(&src->t, &src->ip, err) < 0)
		return -1;
	for (char **p = adv; p && *p; p++) {
		size_t n = strlen(name);

		if (!strncmp(*p, name, n) && (*p)[n] == '=') {
			free(src->ip);
			src->ip = mc_strdup(*p + n + 1);
		}
	}
	/* Managers: --manager names; without any, the first name. */
	if (!up)
		nd->manager = false;
	else if (mc_args_list(a, "manager"))
		nd->manager = listed(mc_args_list(a, "manager"), name);
	else
		nd->manager = idx == 0;
	if (up && listed(mc_args_list(a, "worker"), name)) {
		if (nd->manager)
			return mc_error_set(err, MC_E_USAGE, "%s is named both --manager and --worker", name);
		nd->manager = false;
	}
	nd->name = src->t.m->name;
	nd->target = (struct mc_engine_target){ src->t.m->name, src->url, src->t.m->dir };
	nd->addr = src->ip;
	return 0;
}

static const char *action_text(enum mc_swarm_action act, bool manager)
{
	switch (act) {
	case MC_SWARM_INITIALIZED: return "initialized a new swarm";
	case MC_SWARM_JOINED: return manager ? "joined as a manager" : "joined as a worker";
	case MC_SWARM_REJOINED: return "left its old swarm and joined this one (--force)";
	case MC_SWARM_ALREADY: return "already in this swarm";
	case MC_SWARM_LEFT: return "left the swarm";
	case MC_SWARM_NOT_MEMBER: return "was not in a swarm";
	default: return "";
	}
}

static void print_table(struct mc_swarm_node *nodes, size_t n)
{
	size_t wn = 4, wr = 4, ws = 5;
	char **roles = mc_calloc(n, sizeof(char *));

	for (size_t i = 0; i < n; i++) {
		roles[i] = mc_asprintf("%s%s", nodes[i].role ? nodes[i].role : "?",
				       nodes[i].leader ? " (leader)" : "");
		wn = strlen(nodes[i].name) > wn ? strlen(nodes[i].name) : wn;
		wr = strlen(roles[i]) > wr ? strlen(roles[i]) : wr;
		ws = nodes[i].state && strlen(nodes[i].state) > ws ? strlen(nodes[i].state) : ws;
	}
	printf("%-*s   %-*s   %-*s   %s\n", (int)wn, "NAME", (int)wr, "ROLE", (int)ws, "STATE", "ADDRESS");
	for (size_t i = 0; i < n; i++) {
		printf("%-*s   %-*s   %-*s   %s\n", (int)wn, nodes[i].name, (int)wr, roles[i], (int)ws,
		       nodes[i].state ? nodes[i].state : "?", nodes[i].addr);
		free(roles[i]);
	}
	free(roles);
}

static int run_swarm(struct mc_cli *cli, struct mc_args *a, char **names, bool up)
{
	size_t n = mc_strv_len(names);
	struct mc_swarm_node *nodes = mc_calloc(n, sizeof(*nodes));
	struct node_src *src = mc_calloc(n, sizeof(*src));
	struct mc_error err = { 0 };
	bool changed = false;
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		src[i].t.lock_fd = -1;
	for (size_t i = 0; i < n; i++)
		if (load_node(cli, a, names[i], i, &nodes[i], &src[i], &err) < 0) {
			rc = mc_cli_fail(&err);
			goto out;
		}
	if (up)
		rc = mc_swarm_up(nodes, n, mc_args_bool(a, "force"), &err);
	else
		rc = mc_swarm_down(nodes, n, &err);
	for (size_t i = 0; i < n; i++) {
		if (nodes[i].err.code != MC_E_OK) {
			fprintf(stderr, "Error: %s\n", nodes[i].err.msg);
			continue;
		}
		if (nodes[i].action != MC_SWARM_NONE)
			printf("%s: %s\n", nodes[i].name, action_text(nodes[i].action, nodes[i].manager));
		changed |= nodes[i].action != MC_SWARM_ALREADY && nodes[i].action != MC_SWARM_NOT_MEMBER &&
			   nodes[i].action != MC_SWARM_NONE;
	}
	if (rc < 0) {
		bool printed = false;

		for (size_t i = 0; i < n; i++)
			printed |= nodes[i].err.code != MC_E_OK;
		if (!printed)
			fprintf(stderr, "Error: %s\n", err.msg);
		rc = mc_error_exit_code(&err) ? mc_error_exit_code(&err) : 1;
		goto out;
	}
	if (up) {
		if (!changed)
			printf("Nothing to do: every machine is already in this swarm.\n");
		print_table(nodes, n);
		for (size_t i = 0; i < n; i++)
			if (nodes[i].manager) {
				printf("To use the swarm, point your docker client at a manager: eval $(%s env %s)\n",
				       cli->prog, nodes[i].name);
				break;
			}
	}
out:
	for (size_t i = 0; i < n; i++) {
		mc_swarm_node_clear(&nodes[i]);
		mc_target_close(&src[i].t);
		free(src[i].url);
		free(src[i].ip);
	}
	free(nodes);
	free(src);
	return rc;
}

int mc_cmd_swarm_up(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	_cleanup_strv_ char **names = all_names(a);

	if (mc_args_bool(a, "create")) {
		_cleanup_strv_ char **missing = mc_calloc(1, sizeof(char *));
		int rc;

		for (char **p = names; *p; p++)
			if (!mc_store_exists(&cli->store, *p))
				mc_strv_push(&missing, mc_strdup(*p));
		if (missing[0] && (rc = mc_cli_create(cli, a, missing)) != 0)
			return rc;
	}
	return run_swarm(cli, a, names, true);
}

int mc_cmd_swarm_down(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	return run_swarm(cli, a, a->pos, false);
}
