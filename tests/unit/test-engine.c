/* src/engine.c against tests/lib/tls-fixture: GET/POST with JSON, errors
 * (HTTP status with the daemon's message, refused, timed out, local files),
 * and many targets at once through the multi interface. */
#include "unit.h"
#include "fixture.h"

#include <time.h>

#include "certs.h"
#include "engine.h"
#include "provision.h"

#define NUP 5
#define NHANG 10

static char *tmp;
static pid_t fixtures[2];
static int up_ports[NUP], hang_ports[NHANG];

static int setup(void **state)
{
	_cleanup_free_ char *sc = NULL, *sk = NULL, *ca = NULL;

	tmp = unit_tmpdir();
	unit_fixture_certs(tmp);
	sc = mc_path_join(tmp, "server.pem");
	sk = mc_path_join(tmp, "server-key.pem");
	ca = mc_path_join(tmp, "ca.pem");
	{
		const char *args[] = { "--cert", sc, "--key", sk, "--ca", ca, NULL };

		fixtures[0] = unit_fixture_start(tmp, "up", args, up_ports, NUP);
	}
	{
		const char *args[] = { "--hang", NULL };

		fixtures[1] = unit_fixture_start(tmp, "hang", args, hang_ports, NHANG);
	}
	return 0;
}

static int teardown(void **state)
{
	for (int i = 0; i < 2; i++)
		unit_fixture_stop(fixtures[i]);
	unit_rmdir(tmp);
	return 0;
}

static char url_buf[NUP + NHANG][64];

static struct mc_engine_target target(int port, int slot)
{
	snprintf(url_buf[slot], sizeof(url_buf[slot]), "tcp://127.0.0.1:%d", port);
	return (struct mc_engine_target){ "fx", url_buf[slot], tmp };
}

static void get_and_post(void **state)
{
	struct mc_engine_target t = target(up_ports[0], 0);
	struct mc_error err = { 0 };
	json_t *reply = NULL, *body = json_pack("{s:s,s:i}", "ListenAddr", "0.0.0.0:2377", "n", 3);
	char *version = NULL;

	assert_int_equal(mc_engine_ping(&t, 0, &err), 0);
	assert_int_equal(mc_engine_version(&t, 0, &version, &err), 0);
	assert_string_equal(version, "20.10.24");
	free(version);

	assert_int_equal(mc_engine_get(&t, "/info", 0, &reply, &err), 0);
	assert_string_equal(mc_json_str(reply, "ServerVersion"), "20.10.24");
	assert_string_equal(mc_json_str(json_object_get(reply, "Swarm"), "LocalNodeState"), "inactive");
	json_decref(reply);

	/* POST with a JSON body, JSON reply (the fixture echoes). */
	assert_int_equal(mc_engine_post(&t, "/echo", body, 0, &reply, &err), 0);
	assert_true(json_equal(reply, body));
	json_decref(reply);
	/* dockerd answers /swarm/init with a JSON string. */
	assert_int_equal(mc_engine_post(&t, "/swarm/init", body, 0, &reply, &err), 0);
	assert_string_equal(json_string_value(reply), "fixture-node-id");
	json_decref(reply);
	json_decref(body);
}

/* create's wait, when it does not log in: Docker answers, and the daemon
 * is the machine's own: its name (the fixture calls itself "tls-fixture"). */
static void daemon_identity(void **state)
{
	struct mc_engine_target t = target(up_ports[0], 0);
	struct mc_machine m = { .name = "tls-fixture", .dir = tmp };
	struct mc_provision p = { .m = &m, .url = t.url, .ip = "127.0.0.1" };
	struct mc_error err = { 0 };

	(void)state;
	assert_int_equal(mc_provision_wait_own_docker(&p, &err), 0);
	m.name = "m2";
	assert_int_equal(mc_provision_wait_own_docker(&p, &err), -1);
	assert_int_equal(err.code, MC_E_STATE);
	assert_non_null(strstr(err.msg, "is not this machine's: it calls itself \"tls-fixture\""));
	assert_non_null(strstr(err.msg, "machinectl rm -f m2"));
}

/* The machine says (its console) that Docker will not come up: the wait
 * ends with what it said, at the round it is said, not at the timeout. */
static char *gave_up_third(void *arg)
{
	int *calls = arg;

	return ++*calls < 3 ? NULL : mc_strdup("docker FAILED (see /var/log/docker.log)");
}

static void wait_gives_up(void **state)
{
	struct mc_machine m = { .name = "m3", .dir = tmp };
	int calls = 0;
	struct mc_provision p = { .m = &m, .url = "tcp://127.0.0.1:1", .ip = "127.0.0.1",
				  .gave_up = gave_up_third, .gave_up_arg = &calls };
	struct mc_error err = { 0 };

	(void)state;
	assert_int_equal(mc_provision_wait_docker(&p, &err), -1);
	assert_int_equal(calls, 3);
	assert_int_equal(err.code, MC_E_FAILED);
	assert_string_equal(err.msg, "Docker did not start in the machine; its console says: docker FAILED (see /var/log/docker.log) ('machinectl ssh m3 sudo tail /var/log/docker.log' shows the daemon's log)");
}

static void http_errors(void **state)
{
	struct mc_engine_target t = target(up_ports[1], 1);
	struct mc_error err = { 0 };
	char text[MC_ERROR_TEXT_MAX];

	assert_int_equal(mc_engine_get(&t, "/fail", 0, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_FAILED);
	assert_string_equal(mc_error_text(&err, text, sizeof(text)),
			    "machine \"fx\": GET /fail: the Docker daemon answered HTTP 500: fixture: injected failure");
	mc_error_clear(&err);
	assert_int_equal(mc_engine_post(&t, "/swarm/init", NULL, 0, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "POST /swarm/init: the Docker daemon answered HTTP 400: fixture: /swarm/init needs a JSON object"));
	mc_error_clear(&err);
	assert_int_equal(mc_engine_get(&t, "/nope", 0, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "HTTP 404: page not found"));
}

static void local_errors(void **state)
{
	struct mc_error err = { 0 };
	struct mc_engine_target bad_url = { "fx", "unix:///var/run/docker.sock", tmp };
	struct mc_engine_target no_certs = { "fx", "tcp://127.0.0.1:1", "/nonexistent" };
	struct mc_engine_target refused = { "fx", "tcp://127.0.0.1:1", tmp };
	char text[MC_ERROR_TEXT_MAX];

	assert_int_equal(mc_engine_get(&bad_url, "/version", 0, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	mc_error_clear(&err);
	assert_int_equal(mc_engine_get(&no_certs, "/version", 0, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_TLS);
	assert_non_null(strstr(err.msg, "/nonexistent/ca.pem is missing"));
	mc_error_clear(&err);
	assert_int_equal(mc_engine_get(&refused, "/version", 0, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_NETWORK);
	assert_string_equal(mc_error_text(&err, text, sizeof(text)),
			    "machine \"fx\": GET /version: cannot connect to the Docker daemon at 127.0.0.1:1: Connection refused (is dockerd running and listening there?)");
}

/* Write dir/name = the concatenation of the files in srcs (NULL-terminated). */
static void cat_files(const char *dir, const char *name, const char *const *srcs)
{
	_cleanup_free_ char *path = mc_path_join(dir, name), *all = mc_strdup("");

	for (; *srcs; srcs++) {
		_cleanup_free_ char *text = NULL, *next = NULL;
		size_t len;

		assert_int_equal(mc_read_file(*srcs, &text, &len, NULL), 0);
		next = mc_asprintf("%s%s", all, text);
		free(all);
		all = MC_TAKE(next);
	}
	assert_int_equal(mc_write_file_atomic(path, all, strlen(all), 0600, NULL), 0);
}

/*
 * The credentials are decoded once per process and shared by every call
 * whose files hold the same text (ls: the machines of a store); files that
 * differ get their own, and files the decoder leaves to libcurl (a key that
 * does not match the certificate) fail as libcurl reports them.
 */
static void shared_credentials(void **state)
{
	char *other = unit_tmpdir(), *copy = unit_tmpdir(), *mixed = unit_tmpdir(), *bad = unit_tmpdir();
	_cleanup_free_ char *ca = mc_path_join(tmp, "ca.pem"), *cert = mc_path_join(tmp, "cert.pem");
	_cleanup_free_ char *key = mc_path_join(tmp, "key.pem"), *oca = NULL, *okey = NULL;
	struct mc_engine_target t[4];
	struct mc_engine_call calls[4];
	json_t *reply = NULL;
	struct mc_error err = { 0 };

	unit_fixture_certs(other);
	oca = mc_path_join(other, "ca.pem");
	okey = mc_path_join(other, "key.pem");
	/* copy: the same files elsewhere; mixed: another CA before ours */
	cat_files(copy, "ca.pem", (const char *[]){ ca, NULL });
	cat_files(copy, "cert.pem", (const char *[]){ cert, NULL });
	cat_files(copy, "key.pem", (const char *[]){ key, NULL });
	cat_files(mixed, "ca.pem", (const char *[]){ oca, ca, NULL });
	cat_files(mixed, "cert.pem", (const char *[]){ cert, NULL });
	cat_files(mixed, "key.pem", (const char *[]){ key, NULL });
	/* bad: our certificate with another key */
	cat_files(bad, "ca.pem", (const char *[]){ ca, NULL });
	cat_files(bad, "cert.pem", (const char *[]){ cert, NULL });
	cat_files(bad, "key.pem", (const char *[]){ okey, NULL });

	for (int i = 0; i < 3; i++) {
		snprintf(url_buf[i], sizeof(url_buf[i]), "tcp://127.0.0.1:%d", up_ports[i]);
		t[i] = (struct mc_engine_target){ "fx", url_buf[i], i == 0 ? tmp : i == 1 ? copy : mixed };
		calls[i] = (struct mc_engine_call){ .target = &t[i], .path = "/version" };
	}
	assert_int_equal(mc_engine_run(calls, 3, 0), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(calls[i].status, 200);
		mc_engine_call_clear(&calls[i]);
	}
	/* A second round reuses what the first decoded. */
	for (int i = 0; i < 3; i++)
		calls[i] = (struct mc_engine_call){ .target = &t[i], .path = "/_ping" };
	assert_int_equal(mc_engine_run(calls, 3, 0), 0);
	for (int i = 0; i < 3; i++)
		mc_engine_call_clear(&calls[i]);

	t[3] = (struct mc_engine_target){ "fx", url_buf[0], bad };
	assert_int_equal(mc_engine_get(&t[3], "/version", 0, &reply, &err), -1);
	assert_int_equal(err.code, MC_E_TLS);
	assert_non_null(strstr(err.msg, "cannot use the client certificate"));
	/* The daemon's certificate from another CA only: not trusted. */
	mc_error_clear(&err);
	t[3] = (struct mc_engine_target){ "fx", url_buf[0], other };
	assert_int_equal(mc_engine_get(&t[3], "/version", 0, &reply, &err), -1);
	assert_int_equal(err.code, MC_E_TLS);
	assert_non_null(strstr(err.msg, "is not trusted"));
	unit_rmdir(other);
	unit_rmdir(copy);
	unit_rmdir(mixed);
	unit_rmdir(bad);
}

static void timeout_single(void **state)
{
	struct mc_engine_target t = target(hang_ports[0], NUP);
	struct mc_error err = { 0 };
	long long t0 = mc_now_ms();

	assert_int_equal(mc_engine_get(&t, "/version", 300, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_TIMEOUT);
	assert_non_null(strstr(err.msg, "did not answer in time (the TLS handshake did not finish"));
	assert_true(mc_now_ms() - t0 < 3000);
}

/* Many targets at once: the whole batch takes as long as the slowest, not the sum. */
static void many(void **state)
{
	struct mc_engine_target ts[NUP + NHANG];
	struct mc_engine_call calls[NUP + NHANG];
	long long t0;
	size_t failed;

	for (int i = 0; i < NUP; i++)
		ts[i] = target(up_ports[i], i);
	for (int i = 0; i < NHANG; i++)
		ts[NUP + i] = target(hang_ports[i], NUP + i);
	for (int i = 0; i < NUP + NHANG; i++)
		calls[i] = (struct mc_engine_call){ .target = &ts[i], .path = "/version", .timeout_ms = 800 };
	t0 = mc_now_ms();
	failed = mc_engine_run(calls, NUP + NHANG, 800);
	assert_int_equal(failed, NHANG);
	assert_true(mc_now_ms() - t0 < 3000);   /* 10 x 800 ms in sequence would be 8 s */
	for (int i = 0; i < NUP; i++) {
		assert_int_equal(calls[i].err.code, MC_E_OK);
		assert_string_equal(mc_json_str(calls[i].reply, "Version"), "20.10.24");
	}
	for (int i = NUP; i < NUP + NHANG; i++) {
		assert_int_equal(calls[i].err.code, MC_E_TIMEOUT);
		assert_null(calls[i].reply);
	}
	for (int i = 0; i < NUP + NHANG; i++)
		mc_engine_call_clear(&calls[i]);
}

/* The open-ended batch that ls uses: calls added while others run. */
static void batch(void **state)
{
	struct mc_engine_batch *b = mc_engine_batch_new();
	struct mc_engine_target t1 = target(up_ports[2], 2), t2 = target(hang_ports[1], NUP + 1);
	struct mc_engine_call c1 = { .target = &t1, .path = "/_ping" };
	struct mc_engine_call c2 = { .target = &t2, .path = "/version", .timeout_ms = 60000 };
	long long t0 = mc_now_ms();

	mc_engine_batch_add(b, &c2);
	mc_engine_batch_add(b, &c1);
	while (!c1.done && mc_now_ms() - t0 < 5000)
		mc_engine_batch_run(b, 100);
	assert_true(c1.done);
	assert_int_equal(c1.status, 200);
	assert_string_equal(json_string_value(c1.reply), "OK");
	assert_false(c2.done);
	mc_engine_batch_wakeup(b);
	mc_engine_batch_free(b);   /* gives up on c2 */
	assert_true(c2.done);
	assert_int_equal(c2.err.code, MC_E_TIMEOUT);
	mc_engine_call_clear(&c1);
	mc_engine_call_clear(&c2);
}

/* A call that ends in mc_engine_batch_run's first step, before any wait (its
 * reply already received, its timeout passed), makes it return at once rather
 * than wait for a wakeup: ls, whose rows were all done, used to wait a whole
 * second for one that nothing would send. */
static void batch_ends_in_first_step(void **state)
{
	struct mc_engine_batch *b = mc_engine_batch_new();
	struct mc_engine_target t1 = target(up_ports[3], 3), t2 = target(hang_ports[2], NUP + 2);
	struct mc_engine_call c1 = { .target = &t1, .path = "/_ping" };
	struct mc_engine_call c2 = { .target = &t2, .path = "/_ping", .timeout_ms = 50 };
	long long t0 = mc_now_ms(), t;

	/* Timed out in the first step (deterministic). */
	mc_engine_batch_add(b, &c2);
	mc_engine_batch_run(b, 0);
	nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
	t = mc_now_ms();
	assert_int_equal(mc_engine_batch_run(b, 3000), 0);
	assert_true(mc_now_ms() - t < 1500);
	assert_true(c2.done);
	assert_int_equal(c2.err.code, MC_E_TIMEOUT);

	/* Answered: the reply often arrives while the caller is away. */
	mc_engine_batch_add(b, &c1);
	while (!c1.done && mc_now_ms() - t0 < 5000) {
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
		t = mc_now_ms();
		mc_engine_batch_run(b, 3000);
		assert_true(mc_now_ms() - t < 1500);
	}
	assert_true(c1.done);
	assert_int_equal(c1.status, 200);
	mc_engine_batch_free(b);
	mc_engine_call_clear(&c1);
	mc_engine_call_clear(&c2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(get_and_post),
		cmocka_unit_test(daemon_identity),
		cmocka_unit_test(wait_gives_up),
		cmocka_unit_test(http_errors),
		cmocka_unit_test(local_errors),
		cmocka_unit_test(shared_credentials),
		cmocka_unit_test(timeout_single),
		cmocka_unit_test(many),
		cmocka_unit_test(batch),
		cmocka_unit_test(batch_ends_in_first_step),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
