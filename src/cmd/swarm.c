/* swarm-up, swarm-down: Docker swarm mode across machines, through the Engine API. */
#include "buildconf.h"

#include <arpa/inet.h>
#include <string.h>

#include "cli.h"
#include "term.h"
#include "swarm.h"
#include "util.h"

const struct mc_option mc_opts_swarm_up[] = {
	[O_SWARM_UP_ADVERTISE_ADDR] = { "advertise-addr", 0, MC_OPT_LIST, NULL, NULL, "NAME=IP",
	  "address a node advertises to the swarm (default: the machine's IP)" },
	[O_SWARM_UP_CREATE] = { "create", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "create the named machines that do not exist yet (in parallel), with --driver and create's flags" },
	[O_SWARM_UP_FORCE] = { "force", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "make nodes that are in another swarm leave it first" },
	[O_SWARM_UP_MANAGER] = { "manager", 0, MC_OPT_LIST, NULL, NULL, "NAME",
	  "make NAME a manager (repeatable; default: the first name)", .value = MC_VALUE_MACHINE },
	[O_SWARM_UP_WORKER] = { "worker", 0, MC_OPT_LIST, NULL, NULL, "NAME",
	  "make NAME a worker (repeatable)", .value = MC_VALUE_MACHINE },
	[O_SWARM_UP_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_swarm_up, O_SWARM_UP_N);

#define OPT(x) (&mc_opts_swarm_up[O_SWARM_UP_##x])

const struct mc_option mc_opts_swarm_down[] = {
	[O_SWARM_DOWN_FORCE] = { "force", 0, MC_OPT_BOOL, NULL, NULL, NULL,
	  "leave even when nodes that are not named would be left without a manager, or a named one could not leave" },
	[O_SWARM_DOWN_N] = { NULL },
};
MC_OPTS_CHECK(mc_opts_swarm_down, O_SWARM_DOWN_N);

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
	char **extra[] = { mc_args_list(a, OPT(MANAGER)), mc_args_list(a, OPT(WORKER)) };

	for (char **p = a->pos; *p; p++)
		if (!listed(names, *p))
			mc_strv_push(&names, mc_strdup(*p));
	for (size_t k = 0; k < MC_ARRAY_SIZE(extra); k++)
		for (char **p = extra[k]; p && *p; p++)
			if (!listed(names, *p))
				mc_strv_push(&names, mc_strdup(*p));
	return names;
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

	/* role and state are the daemon's words */
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *role = mc_term_safe(nodes[i].role ? nodes[i].role : "?", MC_SAFE_CELL);
		_cleanup_free_ char *state = mc_term_safe(nodes[i].state ? nodes[i].state : "?", MC_SAFE_CELL);

		free(nodes[i].state);
		nodes[i].state = MC_TAKE(state);
		roles[i] = mc_asprintf("%s%s", role, nodes[i].leader ? " (leader)" : "");
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

/* What happened to each node; returns whether any changed. */
static bool print_actions(const struct mc_swarm_run *run)
{
	bool changed = false;

	for (size_t i = 0; i < run->n; i++) {
		const struct mc_swarm_node *nd = &run->nodes[i];

		if (nd->err.code != MC_E_OK) {
			mc_cli_fail(&nd->err);
			continue;
		}
		if (nd->action != MC_SWARM_NONE)
			printf("%s: %s\n", nd->name, action_text(nd->action, nd->manager));
		changed |= nd->action != MC_SWARM_ALREADY && nd->action != MC_SWARM_NOT_MEMBER &&
			   nd->action != MC_SWARM_NONE;
	}
	return changed;
}

static int run_swarm(struct mc_cli *cli, char **names, const struct mc_swarm_plan *plan)
{
	struct mc_swarm_run run = { 0 };
	struct mc_error err = { 0 };
	bool changed, printed = false;
	int rc = 0;

	rc = mc_ops_swarm(&cli->s, names, plan, &run, &err);
	changed = print_actions(&run);
	if (rc < 0) {
		for (size_t i = 0; i < run.n; i++)
			printed |= run.nodes[i].err.code != MC_E_OK;
		rc = printed ? (mc_error_exit_code(&err) ? mc_error_exit_code(&err) : 1) : mc_cli_fail(&err);
		goto out;
	}
	if (!plan->down) {
		if (!changed)
			printf("Nothing to do: every machine is already in this swarm.\n");
		print_table(run.nodes, run.n);
		for (size_t i = 0; i < run.n; i++)
			if (run.nodes[i].manager) {
				printf("To use the swarm, point your docker client at a manager: eval $(%s env %s)\n",
				       cli->prog, run.nodes[i].name);
				break;
			}
	}
out:
	mc_ops_swarm_free(&run);
	return rc;
}

/* --advertise-addr NAME=IP: NAME one of the nodes, IP an address literal
 * (dockerd is given IP:2377). */
static int check_advertise(char **adv, char **names, struct mc_error *err)
{
	for (; adv && *adv; adv++) {
		const char *eq = strchr(*adv, '=');
		_cleanup_free_ char *name = eq ? mc_strndup(*adv, (size_t)(eq - *adv)) : NULL;
		unsigned char buf[16];

		if (!eq || !listed(names, name))
			return mc_error_set(err, MC_E_USAGE,
					    "invalid --advertise-addr \"%s\": expected NAME=IP, NAME one of the machines named", *adv);
		if (inet_pton(AF_INET, eq + 1, buf) != 1 && inet_pton(AF_INET6, eq + 1, buf) != 1)
			return mc_error_set(err, MC_E_USAGE,
					    "invalid --advertise-addr \"%s\": \"%s\" is not an IP address (1.2.3.4 or an IPv6 address, without a port)",
					    *adv, eq + 1);
	}
	return 0;
}

/* create's options and its driver's shape the machines --create makes: on the
 * command line without it, they would do nothing.  config.ini and the
 * environment hold defaults for every create, and do not count. */
static int check_create_only(const struct mc_args *a, struct mc_error *err)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct mc_option *o = a->vals[i].opt;
		bool own = false;

		for (size_t k = 0; k < O_SWARM_UP_N && !own; k++)
			own = o == &mc_opts_swarm_up[k];
		if (a->vals[i].set && !own)
			return mc_error_set(err, MC_E_USAGE,
					    "--%s applies only with --create (to the machines it creates): add --create, or leave --%s out",
					    o->name, o->name);
	}
	return 0;
}

int mc_cmd_swarm_up(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	_cleanup_strv_ char **names = all_names(a), **missing = mc_calloc(1, sizeof(char *));
	struct mc_error err = { 0 };

	struct mc_swarm_plan plan = {
		.managers = mc_args_list(a, OPT(MANAGER)), .workers = mc_args_list(a, OPT(WORKER)),
		.advertise = mc_args_list(a, OPT(ADVERTISE_ADDR)), .force = mc_args_bool(a, OPT(FORCE)),
	};

	if (!names[0]) {
		mc_error_set(&err, MC_E_USAGE,
			     "\"%s\" requires at least 1 machine: name it as an argument, or with --manager or --worker",
			     verb->name);
		return mc_cli_fail(&err);
	}
	if ((!mc_args_bool(a, OPT(CREATE)) && check_create_only(a, &err) < 0) ||
	    check_advertise(plan.advertise, names, &err) < 0)
		return mc_cli_fail(&err);
	for (char **p = names; *p; p++) {
		if (mc_store_check_name(*p, &err) < 0)
			return mc_cli_fail(&err);
		if (!mc_store_exists(&cli->s.store, *p))
			mc_strv_push(&missing, mc_strdup(*p));
	}
	if (missing[0] && mc_args_bool(a, OPT(CREATE))) {
		int rc = mc_cli_create(cli, a, missing);

		if (rc != 0)
			return rc;
	} else if (missing[0]) {
		/* Every machine that is not there, at once, and what to do. */
		_cleanup_free_ char *list = NULL;

		for (char **p = missing; *p; p++)
			mc_str_append(&list, "\", \"", *p);
		mc_error_set(&err, MC_E_NOT_FOUND,
			     missing[1] ? "Docker machines \"%s\" do not exist: create them first, or add --create"
					: "Docker machine \"%s\" does not exist: create it first, or add --create",
			     list);
		return mc_cli_fail(&err);
	}
	return run_swarm(cli, names, &plan);
}

int mc_cmd_swarm_down(struct mc_cli *cli, const struct mc_verb *verb, struct mc_args *a)
{
	struct mc_swarm_plan plan = { .down = true, .force = mc_args_bool(a, &mc_opts_swarm_down[O_SWARM_DOWN_FORCE]) };

	mc_cli_drop_repeats(a);
	return run_swarm(cli, a->pos, &plan);
}
