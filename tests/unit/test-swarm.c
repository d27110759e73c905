/* src/swarm.c against tests/lib/tls-fixture in swarm mode (a stateful fake
 * of dockerd's swarm API, the nodes sharing one state directory): roles from
 * /info, swarm-up (init, joins, idempotence, another swarm refused with
 * nothing changed, then --force), swarm-down (workers, then managers). */
#include "unit.h"
#include "fixture.h"

#include <time.h>

#include "certs.h"
#include "swarm.h"

#define NNODES 3

static char *tmp, *state_dir;
static pid_t fixtures[2];
static int ports[NNODES + 1];     /* NNODES normal nodes, then a foreign worker */
static char urls[NNODES + 1][64];

static pid_t start_fixture(const char *mode, int *out, int n)
{
	_cleanup_free_ char *sc = mc_path_join(tmp, "server.pem"), *sk = mc_path_join(tmp, "server-key.pem"),
			    *ca = mc_path_join(tmp, "ca.pem");
	const char *args[] = { "--cert", sc, "--key", sk, "--ca", ca, "--state-dir", state_dir,
			       "--swarm-mode", mode, NULL };

	return unit_fixture_start(tmp, mode, args, out, n);
}

static int setup(void **state)
{
	struct mc_error err = { 0 };

	tmp = unit_tmpdir();
	state_dir = mc_path_join(tmp, "state");
	assert_int_equal(mc_mkdir_p(state_dir, 0700, &err), 0);
	unit_fixture_certs(tmp);
	fixtures[0] = start_fixture("normal", ports, NNODES);
	fixtures[1] = start_fixture("foreign-worker", ports + NNODES, 1);
	for (int i = 0; i <= NNODES; i++)
		snprintf(urls[i], sizeof(urls[i]), "tcp://127.0.0.1:%d", ports[i]);
	return 0;
}

static int teardown(void **state)
{
	for (int i = 0; i < 2; i++)
		unit_fixture_stop(fixtures[i]);
	free(state_dir);
	unit_rmdir(tmp);
	return 0;
}

static const char *const names[] = { "n0", "n1", "n2", "foreign" };

/* Nodes for fixtures idx[0..n); the first is the manager. */
static void nodes_for(struct mc_swarm_node *nodes, const int *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		mc_swarm_node_clear(&nodes[i]);
		nodes[i] = (struct mc_swarm_node){
			.name = names[idx[i]],
			.target = { names[idx[i]], urls[idx[i]], tmp },
			.addr = "127.0.0.1",
			.manager = i == 0,
		};
	}
}

static void role_from_info(void **state)
{
	json_t *j;

	j = json_pack("{s:{s:s,s:b}}", "Swarm", "LocalNodeState", "inactive", "ControlAvailable", 0);
	assert_string_equal(mc_swarm_role_from_info(j), "");
	json_decref(j);
	j = json_pack("{s:{s:s,s:b}}", "Swarm", "LocalNodeState", "active", "ControlAvailable", 1);
	assert_string_equal(mc_swarm_role_from_info(j), "manager");
	json_decref(j);
	j = json_pack("{s:{s:s,s:b}}", "Swarm", "LocalNodeState", "active", "ControlAvailable", 0);
	assert_string_equal(mc_swarm_role_from_info(j), "worker");
	json_decref(j);
	j = json_pack("{s:{s:s}}", "Swarm", "LocalNodeState", "pending");
	assert_string_equal(mc_swarm_role_from_info(j), "");
	json_decref(j);
	assert_string_equal(mc_swarm_role_from_info(NULL), "");
}

static void up_down(void **state)
{
	struct mc_swarm_node nodes[NNODES + 1] = { 0 };
	struct mc_error err = { 0 };
	const int three[] = { 0, 1, 2 }, with_foreign[] = { 0, 1, 2, 3 };

	nodes_for(nodes, three, 3);
	assert_int_equal(mc_swarm_up(nodes, 3, false, &err), 0);
	assert_int_equal(nodes[0].action, MC_SWARM_INITIALIZED);
	assert_int_equal(nodes[1].action, MC_SWARM_JOINED);
	assert_int_equal(nodes[2].action, MC_SWARM_JOINED);
	assert_string_equal(nodes[0].role, "manager");
	assert_true(nodes[0].leader);
	assert_string_equal(nodes[1].role, "worker");
	assert_string_equal(nodes[2].state, "ready");
	assert_false(nodes[2].leader);

	/* Again: nothing to do. */
	nodes_for(nodes, three, 3);
	assert_int_equal(mc_swarm_up(nodes, 3, false, &err), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(nodes[i].action, MC_SWARM_ALREADY);

	/* A node of another swarm: refused, and no node touched. */
	nodes_for(nodes, with_foreign, 4);
	assert_int_equal(mc_swarm_up(nodes, 4, false, &err), -1);
	assert_int_equal(err.code, MC_E_STATE);
	assert_string_equal(err.msg,
			    "foreign is already in another swarm (as a worker, managed by 192.0.2.1:2377): "
			    "use --force to make it leave and join this one");
	for (int i = 0; i < 4; i++)
		assert_int_equal(nodes[i].action, MC_SWARM_NONE);
	mc_error_clear(&err);

	/* --force: it leaves and joins. */
	nodes_for(nodes, with_foreign, 4);
	assert_int_equal(mc_swarm_up(nodes, 4, true, &err), 0);
	assert_int_equal(nodes[3].action, MC_SWARM_REJOINED);
	assert_string_equal(nodes[3].role, "worker");

	/* swarm-down: everyone leaves; then nobody is a member. */
	nodes_for(nodes, with_foreign, 4);
	assert_int_equal(mc_swarm_down(nodes, 4, false, &err), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(nodes[i].action, MC_SWARM_LEFT);
	nodes_for(nodes, with_foreign, 4);
	assert_int_equal(mc_swarm_down(nodes, 4, false, &err), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(nodes[i].action, MC_SWARM_NOT_MEMBER);
	for (int i = 0; i < 4; i++)
		mc_swarm_node_clear(&nodes[i]);
}

static void manager_unreachable(void **state)
{
	struct mc_swarm_node nodes[2] = { 0 };
	struct mc_error err = { 0 };
	const int two[] = { 0, 1 };

	nodes_for(nodes, two, 2);
	nodes[0].target.url = "tcp://127.0.0.1:1";
	assert_int_equal(mc_swarm_up(nodes, 2, false, &err), -1);
	assert_non_null(strstr(err.msg, "n0: reading its swarm state (it is to be a manager): GET /info: "
					"cannot connect to the Docker daemon at 127.0.0.1:1"));
	assert_int_equal(nodes[1].action, MC_SWARM_NONE);
	for (int i = 0; i < 2; i++)
		mc_swarm_node_clear(&nodes[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(role_from_info),
		cmocka_unit_test(up_down),
		cmocka_unit_test(manager_unreachable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
