/* The loopback Docker API fixture (tests/lib/tls-fixture) for unit tests:
 * certificates for it and for its clients, and starting it. */
#ifndef MC_UNIT_FIXTURE_H
#define MC_UNIT_FIXTURE_H

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "certs.h"

/* In dir: a CA (ca.pem, ca-key.pem), a client certificate (cert.pem, key.pem)
 * and a server certificate for 127.0.0.1 (server.pem, server-key.pem). */
static inline void unit_fixture_certs(const char *dir)
{
	struct mc_certs_paths p = { 0 };
	struct mc_error err = { 0 };
	const char *ips[] = { "127.0.0.1", NULL };
	struct mc_certs_server_opts o = { .name = "fixture", .ips = ips };
	_cleanup_free_ char *sc = mc_path_join(dir, "server.pem");
	_cleanup_free_ char *sk = mc_path_join(dir, "server-key.pem");

	p.ca_cert = mc_path_join(dir, "ca.pem");
	p.ca_key = mc_path_join(dir, "ca-key.pem");
	p.client_cert = mc_path_join(dir, "cert.pem");
	p.client_key = mc_path_join(dir, "key.pem");
	assert_int_equal(mc_certs_ensure(&p, MC_CERTS_ECDSA_P256, NULL, &err), 0);
	assert_int_equal(mc_certs_make_server(&p, &o, sc, sk, &err), 0);
	mc_certs_paths_free(&p);
}

/* Start the fixture with n listeners and the extra args (NULL-terminated);
 * ports[0..n) receive their ports.  tag names its port file in dir. */
static inline pid_t unit_fixture_start(const char *dir, const char *tag, const char *const *args,
				       int *ports, int n)
{
	_cleanup_free_ char *pf = mc_asprintf("%s/ports.%s", dir, tag);
	const char *bdir = getenv("MC_BUILDDIR");
	_cleanup_free_ char *bin = mc_asprintf("%s/tests/lib/tls-fixture", bdir ? bdir : ".");
	_cleanup_free_ char *count = mc_asprintf("%d", n);
	const char *argv[32] = { bin, "--port-file", pf, "--count", count, "--lifetime", "120" };
	size_t k = 7;
	pid_t pid;
	FILE *f = NULL;

	for (; *args && k < MC_ARRAY_SIZE(argv) - 1; args++)
		argv[k++] = *args;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 200 && !(f = fopen(pf, "r")); i++)
		nanosleep(&(struct timespec){ 0, 25000000 }, NULL);
	assert_non_null(f);
	for (int i = 0; i < n; i++)
		assert_int_equal(fscanf(f, "%d", &ports[i]), 1);
	fclose(f);
	return pid;
}

/* Stop a fixture: SIGTERM, and it must exit cleanly. */
static inline void unit_fixture_stop(pid_t pid)
{
	int st;

	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}
#endif
