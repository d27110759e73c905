/*
 * Unit tests for src/ssh.c: keys, pins, external options, TCP probes, waits.
 *
 * The tests that need a live sshd (run, upload, download, wait success) run
 * when MC_TEST_SSHD_PORT and MC_TEST_SSH_KEYDIR are set, which
 * tests/cli/t2007-ssh-api.sh does after starting tests/lib/sshd-fixture.sh;
 * under plain `make check` they are skipped.
 */
#include "buildconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "proc.h"
#include "registry.h"
#include "ops.h"
#include "ssh.h"
#include "util.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/mc-test-ssh.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return mc_strdup(tmpl);
}

static void rmdir_all(char *d)
{
	mc_rm_rf(d, NULL);
	free(d);
}

static int file_mode(const char *dir, const char *name)
{
	_cleanup_free_ char *p = mc_path_join(dir, name);
	struct stat st;

	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 07777;
}

static char *slurp(const char *dir, const char *name)
{
	_cleanup_free_ char *p = mc_path_join(dir, name);
	char *text = NULL;
	size_t len;

	assert_int_equal(mc_read_file(p, &text, &len, NULL), 0);
	return text;
}

static void test_keygen_ed25519(void **state)
{
	char *d = tmpdir();
	struct mc_error err = { 0 };
	_cleanup_free_ char *key = NULL, *pub = NULL, *line = NULL;

	assert_null(mc_ssh_key_find(d));
	assert_int_equal(mc_ssh_keygen(d, "ed25519", "machinectl:m1", &err), 0);
	assert_int_equal(file_mode(d, "id_ed25519"), 0600);
	key = mc_ssh_key_find(d);
	assert_non_null(key);
	assert_true(strstr(key, "/id_ed25519") != NULL);
	pub = slurp(d, "id_ed25519.pub");
	assert_true(mc_startswith(pub, "ssh-ed25519 AAAA"));
	assert_non_null(strstr(pub, " machinectl:m1\n"));
	assert_int_equal(mc_ssh_pubkey_line(d, &line, &err), 0);
	assert_null(strchr(line, '\n'));
	assert_true(mc_startswith(pub, line));
	{
		_cleanup_free_ char *priv = slurp(d, "id_ed25519");

		assert_true(mc_startswith(priv, "-----BEGIN OPENSSH PRIVATE KEY-----"));
	}
	rmdir_all(d);
}

static void test_keygen_rsa_and_bad_type(void **state)
{
	char *d = tmpdir();
	struct mc_error err = { 0 };
	_cleanup_free_ char *pub = NULL, *key = NULL;

	assert_int_equal(mc_ssh_keygen(d, "rsa", NULL, &err), 0);
	assert_int_equal(file_mode(d, "id_rsa"), 0600);
	pub = slurp(d, "id_rsa.pub");
	assert_true(mc_startswith(pub, "ssh-rsa AAAA"));
	key = mc_ssh_key_find(d);
	assert_non_null(strstr(key, "id_rsa"));
	assert_int_equal(mc_ssh_keygen(d, "dsa", NULL, &err), -1);
	assert_int_equal(err.code, MC_E_USAGE);
	assert_non_null(strstr(err.msg, "ed25519 or rsa"));
	rmdir_all(d);
}

static void test_key_import(void **state)
{
	char *a = tmpdir(), *b = tmpdir();
	struct mc_error err = { 0 };
	_cleanup_free_ char *src = NULL, *orig = NULL, *copy = NULL, *pa = NULL, *pb = NULL;
	_cleanup_free_ char *junk = mc_path_join(a, "junk");

	assert_int_equal(mc_ssh_keygen(a, "ed25519", "x", &err), 0);
	/* b already has a generated rsa pair: the import replaces it. */
	assert_int_equal(mc_ssh_keygen(b, "rsa", "y", &err), 0);
	src = mc_path_join(a, "id_ed25519");
	assert_int_equal(mc_ssh_key_import(src, b, "z", &err), 0);
	orig = slurp(a, "id_ed25519");
	copy = slurp(b, "id_ed25519");
	assert_string_equal(orig, copy);
	assert_int_equal(file_mode(b, "id_ed25519"), 0600);
	assert_false(mc_file_exists(junk));
	{
		_cleanup_free_ char *rsa = mc_path_join(b, "id_rsa");

		assert_false(mc_file_exists(rsa));
	}
	pa = slurp(a, "id_ed25519.pub");
	pb = slurp(b, "id_ed25519.pub");
	assert_memory_equal(pa, pb, strcspn(pa, " ") + 1 + strcspn(pa + strcspn(pa, " ") + 1, " "));

	assert_int_equal(mc_write_file_atomic(junk, "not a key\n", 10, 0600, NULL), 0);
	assert_int_equal(mc_ssh_key_import(junk, b, NULL, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_non_null(strstr(err.msg, junk));
	rmdir_all(a);
	rmdir_all(b);
}

static void test_pins(void **state)
{
	char *d = tmpdir();
	_cleanup_free_ char *kh = mc_path_join(d, "known_hosts");
	struct mc_ssh_endpoint ep = { .machine = "m1", .host = "127.0.0.1", .port = 22, .user = "u",
				      .known_hosts = kh };
	const char *text =
		"# a comment\n"
		"other ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC7pctew5ZH9Bq1Ax+vHJAo4swQq25Q1auRxU/L0D2FB\n"
		"[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC7pctew5ZH9Bq1Ax+vHJAo4swQq25Q1auRxU/L0D2FB\n";

	assert_false(mc_ssh_is_pinned(&ep));
	assert_int_equal(mc_write_file_atomic(kh, text, strlen(text), 0600, NULL), 0);
	/* Lines for other names and for the bare address are not this machine's pin. */
	assert_false(mc_ssh_is_pinned(&ep));
	{
		_cleanup_free_ char *more = mc_asprintf("%sx,m1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC7pctew5ZH9Bq1Ax+vHJAo4swQq25Q1auRxU/L0D2FB\n", text);

		assert_int_equal(mc_write_file_atomic(kh, more, strlen(more), 0600, NULL), 0);
	}
	assert_true(mc_ssh_is_pinned(&ep));
	ep.machine = "m";  /* a prefix is not a match */
	assert_false(mc_ssh_is_pinned(&ep));
	rmdir_all(d);
}

/* OpenSSH's own reading of a private key file: its public key line. */
static char *openssh_pubkey(const char *dir, const char *name, const char *priv)
{
	_cleanup_free_ char *path = mc_path_join(dir, name);
	const char *argv[] = { "ssh-keygen", "-y", "-f", path, NULL };
	struct mc_run_result r = { 0 };
	struct mc_error err = { 0 };
	char *out;

	assert_int_equal(mc_write_file_atomic(path, priv, strlen(priv), 0600, &err), 0);
	assert_int_equal(mc_proc_run(argv, NULL, &r, &err), 0);
	if (r.status != 0)
		fail_msg("ssh-keygen -y %s: %s", name, r.err);
	out = MC_TAKE(r.out);
	out[strcspn(out, "\n")] = '\0';
	mc_run_result_free(&r);
	return out;
}

/* Host keys made before the machine boots: keys sshd reads, pinned at once
 * as the machine's only keys, other hosts' lines kept. */
static void test_host_keys_new(void **state)
{
	char *d = tmpdir();
	_cleanup_free_ char *kh = mc_path_join(d, "known_hosts"), *text = NULL, *ed = NULL, *ec = NULL, *want = NULL;
	struct mc_ssh_host_keys keys;
	struct mc_error err = { 0 };
	struct mc_ssh_endpoint ep = { .machine = "m1", .known_hosts = kh };
	const char *old =
		"other ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC7pctew5ZH9Bq1Ax+vHJAo4swQq25Q1auRxU/L0D2FB\n"
		"m1 ssh-ed25519 AAAAnot-a-key\n";

	(void)state;
	assert_int_equal(mc_write_file_atomic(kh, old, strlen(old), 0600, &err), 0);
	assert_int_equal(mc_ssh_host_keys_new("m1", d, &keys, &err), 0);
	assert_true(mc_startswith(keys.ed25519, "-----BEGIN OPENSSH PRIVATE KEY-----"));
	assert_true(mc_startswith(keys.ecdsa, "-----BEGIN "));
	ed = openssh_pubkey(d, "ed", keys.ed25519);
	ec = openssh_pubkey(d, "ec", keys.ecdsa);
	assert_true(mc_startswith(ed, "ssh-ed25519 "));
	assert_true(mc_startswith(ec, "ecdsa-sha2-nistp256 "));
	assert_int_equal(mc_read_file(kh, &text, NULL, &err), 0);
	/* The damaged line for m1 is gone; the other host's line stays. */
	want = mc_asprintf("other ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC7pctew5ZH9Bq1Ax+vHJAo4swQq25Q1auRxU/L0D2FB\n"
			   "m1 %s\nm1 %s\n", ed, ec);
	assert_string_equal(text, want);
	assert_true(mc_ssh_is_pinned(&ep));
	mc_ssh_host_keys_clear(&keys);
	assert_null(keys.ed25519);

	/* Made again (a create that wrote its data disk twice): replaced, never added. */
	assert_int_equal(mc_ssh_host_keys_new("m1", d, &keys, &err), 0);
	free(MC_TAKE(text));
	assert_int_equal(mc_read_file(kh, &text, NULL, &err), 0);
	assert_null(strstr(text, ed));
	assert_non_null(strstr(text, "\nm1 ssh-ed25519 "));
	assert_non_null(strstr(text, "\nm1 ecdsa-sha2-nistp256 "));
	assert_null(strstr(strstr(text, "\nm1 ecdsa-sha2-nistp256 ") + 1, "\nm1 "));
	mc_ssh_host_keys_clear(&keys);
	rmdir_all(d);
}

static bool has(char **v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

static void test_external_opts(void **state)
{
	struct mc_ssh_endpoint ep = { .machine = "m1", .host = "10.0.0.5", .port = 2222, .user = "docker",
				      .key = "/st ore/100%/id_ed25519",
				      .known_hosts = "/st ore/100%/known_hosts",
				      .connect_timeout_ms = 7000 };
	_cleanup_strv_ char **argv = NULL;
	char *block = NULL;
	struct mc_error err = { 0 };
	char text[MC_ERROR_TEXT_MAX];

	mc_ssh_external_opts(&ep, true, &argv);
	assert_true(has(argv, "-F") && has(argv, "/dev/null"));
	assert_true(has(argv, "IdentitiesOnly=yes"));
	assert_true(has(argv, "IdentityAgent=none"));
	assert_true(has(argv, "IdentityFile=\"/st ore/100%%/id_ed25519\""));
	assert_true(has(argv, "UserKnownHostsFile=\"/st ore/100%%/known_hosts\""));
	assert_true(has(argv, "HostKeyAlias=m1"));
	assert_true(has(argv, "StrictHostKeyChecking=yes"));
	assert_true(has(argv, "PasswordAuthentication=no"));
	assert_true(has(argv, "BatchMode=yes"));
	assert_true(has(argv, "ConnectTimeout=7"));
	assert_true(has(argv, "-p") && has(argv, "2222"));
	assert_true(has(argv, "-l") && has(argv, "docker"));
	mc_strv_free(argv);
	argv = NULL;
	mc_ssh_external_opts(&ep, false, &argv);
	assert_false(has(argv, "BatchMode=yes"));

	assert_int_equal(mc_ssh_config_block(&ep, "mc-0-m1", true, &block, &err), 0);
	assert_true(mc_startswith(block, "Host mc-0-m1\n\tHostName \"10.0.0.5\"\n\tPort 2222\n\tUser \"docker\"\n"));
	assert_non_null(strstr(block, "\tHostKeyAlias m1\n"));
	assert_non_null(strstr(block, "\tIdentityFile \"/st ore/100%%/id_ed25519\"\n"));
	free(block);
	/* ssh_config's quoting: " and \ escaped with a backslash */
	ep.key = "/a\"b\\c/id_ed25519";
	assert_int_equal(mc_ssh_config_block(&ep, "mc-0-m1", true, &block, &err), 0);
	assert_non_null(strstr(block, "\tIdentityFile \"/a\\\"b\\\\c/id_ed25519\"\n"));
	free(block);
	/* a line break would start a new option: refused */
	ep.key = "/a\nProxyCommand touch x/id_ed25519";
	assert_int_equal(mc_ssh_config_block(&ep, "mc-0-m1", true, &block, &err), -1);
	assert_null(block);
	assert_non_null(strstr(err.msg, "control character"));
	ep.key = "/k";
	ep.user = "root\nProxyCommand=touch${IFS}X";
	memset(&err, 0, sizeof(err));
	assert_int_equal(mc_ssh_config_block(&ep, "mc-0-m1", true, &block, &err), -1);
	assert_null(block);
	assert_string_equal(mc_error_text(&err, text, sizeof(text)),
			    "machine \"m1\": SSH user \"root\\nProxyCommand=touch${IFS}X\" is not a user name: "
			    "use up to 64 letters, digits, '.', '_' and '-', not starting with '-'");
}

static void test_endpoint_checks(void **state)
{
	static const char *const good_users[] = { "docker", "root", "a.b-c_d", "_svc", "u1", NULL };
	static const char *const bad_users[] = { "", "-oProxyCommand=x", "a b", "a\"b", "a'b", "a\nb", "a@b", "a:b",
						 "a/b", "a$b", "a%b", "a\\b", "a#b",
						 "0123456789012345678901234567890123456789012345678901234567890123456789", NULL };
	static const char *const good_hosts[] = { "127.0.0.1", "::1", "fe80::1", "host", "a.example.org", "a.example.org.",
						  "x-1.y_2", "10.0.0.5", NULL };
	static const char *const bad_hosts[] = { "", "-oProxyCommand=x", "a b", "a\nb", "a;b", "a..b", ".a", "a-.b",
						 "-a.b", "[::1]", "a%b", "a/b", "a@b", "`x`", "$(x)", "1.2.3.4\n", NULL };
	struct mc_error err = { 0 };

	for (size_t i = 0; good_users[i]; i++)
		assert_int_equal(mc_ssh_check_user(good_users[i], &err), 0);
	for (size_t i = 0; bad_users[i]; i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(mc_ssh_check_user(bad_users[i], &err), -1);
		assert_int_equal(err.code, MC_E_INVALID);
		assert_null(strchr(err.msg, '\n'));
	}
	for (size_t i = 0; good_hosts[i]; i++)
		assert_int_equal(mc_ssh_check_host(good_hosts[i], &err), 0);
	for (size_t i = 0; bad_hosts[i]; i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(mc_ssh_check_host(bad_hosts[i], &err), -1);
		assert_null(strchr(err.msg, '\n'));
	}
	assert_int_equal(mc_ssh_check_port(1, &err), 0);
	assert_int_equal(mc_ssh_check_port(65535, &err), 0);
	assert_int_equal(mc_ssh_check_port(0, &err), -1);
	assert_int_equal(mc_ssh_check_port(65536, &err), -1);
	assert_int_equal(mc_ssh_check_port(-22, &err), -1);
}

/* A listening socket on 127.0.0.1; returns its port. */
static int listen_local(int *fd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);

	*fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(*fd, 4), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&sa, &sl), 0);
	return ntohs(sa.sin_port);
}

static void test_tcp_probe(void **state)
{
	int fd, port = listen_local(&fd);
	struct mc_error err = { 0 };

	assert_int_equal(mc_ssh_tcp_probe("127.0.0.1", port, 1000, &err), 0);
	close(fd);  /* now nothing listens there */
	assert_int_equal(mc_ssh_tcp_probe("127.0.0.1", port, 1000, &err), -1);
	assert_int_equal(err.code, MC_E_NETWORK);
	assert_non_null(strstr(err.msg, "refused"));
}

struct phases {
	int calls;
	char first[256], last[512];
};

static void on_phase(void *arg, const char *phase)
{
	struct phases *p = arg;

	if (!p->calls++)
		snprintf(p->first, sizeof(p->first), "%s", phase);
	snprintf(p->last, sizeof(p->last), "%s", phase);
}

static void test_wait_timeout(void **state)
{
	char *d = tmpdir();
	int fd, port = listen_local(&fd);
	_cleanup_free_ char *console = mc_path_join(d, "console.log");
	struct mc_ssh_endpoint ep = { .machine = "m1", .host = "127.0.0.1", .port = port, .user = "docker",
				      .known_hosts = "/nonexistent/known_hosts", .console_log = console };
	struct mc_error err = { 0 };
	struct phases ph = { 0 };
	long long t0;

	close(fd);
	assert_int_equal(mc_write_file_atomic(console, "boot...\n", 8, 0600, NULL), 0);
	t0 = mc_now_ms();
	assert_int_equal(mc_ssh_wait(&ep, 700, on_phase, &ph, &err), -1);
	/* It waited the whole time, not much longer. */
	assert_true(mc_now_ms() - t0 >= 650 && mc_now_ms() - t0 < 3000);
	assert_int_equal(err.code, MC_E_TIMEOUT);
	assert_string_equal(err.machine, "m1");
	assert_non_null(strstr(err.msg, "Waiting for SSH on docker@127.0.0.1:"));
	assert_non_null(strstr(err.msg, "refused"));
	assert_non_null(strstr(err.msg, console));
	assert_int_equal(ph.calls, 1);
	assert_true(mc_startswith(ph.first, "Waiting for SSH on"));
	rmdir_all(d);
}

/* A long wait says every 10 s how long it has waited and what the last try
 * met, so that a wrong port is seen long before the timeout. */
static void test_wait_reports(void **state)
{
	int fd, port = listen_local(&fd);
	struct mc_ssh_endpoint ep = { .machine = "m1", .host = "127.0.0.1", .port = port, .user = "docker",
				      .known_hosts = "/nonexistent/known_hosts" };
	struct mc_error err = { 0 };
	struct phases ph = { 0 };
	_cleanup_free_ char *start = mc_asprintf("Waiting for SSH on docker@127.0.0.1:%d...", port);
	_cleanup_free_ char *report = mc_asprintf("%s (still waiting after 1", start);  /* 10.0s, 11.2s: a loaded host */
	_cleanup_free_ char *why = mc_asprintf("; last try: cannot reach 127.0.0.1 port %d: Connection refused)", port);

	close(fd);
	/* The report is due at 10 s; the wait ends at 12 s, before the next. */
	assert_int_equal(mc_ssh_wait(&ep, 12000, on_phase, &ph, &err), -1);
	assert_int_equal(err.code, MC_E_TIMEOUT);
	assert_int_equal(ph.calls, 2);
	assert_string_equal(ph.first, start);
	assert_true(mc_startswith(ph.last, report));
	assert_true(mc_str_endswith(ph.last, why));
}

/* The operations layer's endpoint: the driver's ssh_endpoint (generic:
 * its IPAddress, SSHUser, SSHPort), the machine's key and pin files. */
static void test_endpoint_from_driver(void **state)
{
	char *d = tmpdir();
	struct mc_error err = { 0 };
	json_t *cfg = json_pack("{s:s, s:s, s:i}", "IPAddress", "10.1.2.3", "SSHUser", "admin", "SSHPort", 2200);
	struct mc_session s = { 0 };
	struct mc_handle h;
	struct mc_ssh_endpoint ep;
	struct mc_machine *m;

	assert_int_equal(mc_store_open(&s.store, d, &err), 0);
	assert_int_equal(mc_store_ensure(&s.store, &err), 0);
	m = mc_machine_new(&s.store, "g1", "generic");
	assert_int_equal(mc_mkdir_p(m->dir, 0700, &err), 0);
	json_object_update(m->driver, cfg);
	mc_handle_new(&s, m, &mc_driver_generic, NULL, -1, &h);
	/* No key yet: an error that says what to do. */
	assert_int_equal(mc_op_ssh_endpoint(&h, &ep, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	assert_string_equal(err.machine, "g1");
	mc_error_clear(&err);
	assert_int_equal(mc_ssh_keygen(m->dir, "ed25519", NULL, &err), 0);
	assert_int_equal(mc_op_ssh_endpoint(&h, &ep, &err), 0);
	assert_string_equal(ep.host, "10.1.2.3");
	assert_int_equal(ep.port, 2200);
	assert_string_equal(ep.user, "admin");
	assert_string_equal(ep.machine, "g1");
	assert_non_null(strstr(ep.known_hosts, "/known_hosts"));
	assert_non_null(strstr(ep.console_log, "/console.log"));
	mc_ssh_endpoint_clear(&ep);

	h.drv = &mc_driver_none;
	assert_int_equal(mc_op_ssh_endpoint(&h, &ep, &err), -1);
	assert_int_equal(err.code, MC_E_UNSUPPORTED);
	assert_non_null(strstr(err.msg, "none driver"));
	mc_handle_close(&h);
	mc_store_close(&s.store);
	json_decref(cfg);
	rmdir_all(d);
}

/* ---- against a live sshd (tests/cli/t2007-ssh-api.sh) ---- */

struct live {
	char *dir;
	struct mc_ssh_endpoint ep;
};

static int live_setup(void **state)
{
	const char *port = getenv("MC_TEST_SSHD_PORT"), *keydir = getenv("MC_TEST_SSH_KEYDIR");
	struct live *l;

	if (!port || !keydir) {
		*state = NULL;
		return 0;
	}
	l = mc_calloc(1, sizeof(*l));
	l->dir = tmpdir();
	l->ep = (struct mc_ssh_endpoint){
		.machine = mc_strdup("live"), .host = mc_strdup("127.0.0.1"), .port = atoi(port),
		.user = mc_strdup(getenv("USER") ? getenv("USER") : "root"),
		.key = mc_ssh_key_find(keydir), .known_hosts = mc_path_join(l->dir, "known_hosts"),
	};
	*state = l;
	return 0;
}

static int live_teardown(void **state)
{
	struct live *l = *state;

	if (l) {
		mc_ssh_endpoint_clear(&l->ep);
		rmdir_all(l->dir);
		free(l);
	}
	return 0;
}

#define NEED_LIVE(l)                                                                      \
	do {                                                                               \
		if (!(l)) {                                                                \
			print_message("no sshd (run tests/cli/t2007-ssh-api.sh): skipped\n"); \
			skip();                                                            \
		}                                                                          \
	} while (0)

static void test_live_api(void **state)
{
	struct live *l = *state;
	struct mc_error err = { 0 };
	struct mc_ssh *s = NULL;
	struct mc_run_result res;
	struct phases ph = { 0 };
	_cleanup_free_ char *remote = NULL, *got = NULL, *big = NULL;
	size_t len, n = 3000000;
	struct stat st;

	NEED_LIVE(l);
	assert_false(mc_ssh_is_pinned(&l->ep));
	assert_int_equal(mc_ssh_wait(&l->ep, 10000, on_phase, &ph, &err), 0);
	assert_true(ph.calls >= 2);  /* the port, then the login */
	assert_true(mc_ssh_is_pinned(&l->ep));

	assert_int_equal(mc_ssh_connect(&l->ep, &s, &err), 0);
	assert_int_equal(mc_ssh_run(s, "echo out; echo err >&2; exit 42", NULL, &res, &err), 0);
	assert_int_equal(res.status, 42);
	assert_string_equal(res.out, "out\n");
	assert_string_equal(res.err, "err\n");
	mc_run_result_free(&res);

	/* stdin larger than any window: it must flow while output comes back. */
	big = mc_malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(mc_ssh_run(s, "cat", &(struct mc_ssh_opts){ .in = big, .in_len = n }, &res, &err), 0);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.out_len, n);
	assert_memory_equal(res.out, big, n);
	mc_run_result_free(&res);

	assert_int_equal(mc_ssh_run(s, "sleep 5", &(struct mc_ssh_opts){ .timeout_ms = 300 }, &res, &err), -1);
	assert_int_equal(err.code, MC_E_TIMEOUT);
	mc_error_clear(&err);

	remote = mc_path_join(l->dir, "up/loaded");
	{
		_cleanup_free_ char *updir = mc_path_join(l->dir, "up");

		assert_int_equal(mkdir(updir, 0755), 0);
	}
	assert_int_equal(mc_ssh_upload(s, "secret\n", 7, remote, 0640, &err), 0);
	assert_int_equal(stat(remote, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(mc_read_file(remote, &got, &len, &err), 0);  /* the sshd is this host's */
	assert_int_equal(len, 7);
	assert_string_equal(got, "secret\n");
	assert_int_equal(mc_ssh_upload(s, "x", 1, "/nonexistent/file", 0600, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/file"));
	mc_error_clear(&err);
	mc_ssh_close(s);
	free(MC_TAKE(big));

	/* Host keys pinned before the first boot hold on the first connection:
	 * this sshd's own key is refused, nothing is sent. */
	{
		char *d = tmpdir();
		struct mc_ssh_host_keys keys;
		struct mc_ssh_endpoint ep = l->ep;

		ep.known_hosts = mc_path_join(d, "known_hosts");
		mc_error_clear(&err);
		assert_int_equal(mc_ssh_host_keys_new(ep.machine, d, &keys, &err), 0);
		mc_ssh_host_keys_clear(&keys);
		assert_int_equal(mc_ssh_connect(&ep, &s, &err), -1);
		if (!strstr(err.msg, "has changed"))
			fail_msg("expected a changed host key, got: %s", err.msg);
		mc_error_clear(&err);
		free(ep.known_hosts);
		rmdir_all(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keygen_ed25519),
		cmocka_unit_test(test_keygen_rsa_and_bad_type),
		cmocka_unit_test(test_key_import),
		cmocka_unit_test(test_pins),
		cmocka_unit_test(test_host_keys_new),
		cmocka_unit_test(test_external_opts),
		cmocka_unit_test(test_endpoint_checks),
		cmocka_unit_test(test_tcp_probe),
		cmocka_unit_test(test_wait_timeout),
		cmocka_unit_test(test_wait_reports),
		cmocka_unit_test(test_endpoint_from_driver),
		cmocka_unit_test_setup_teardown(test_live_api, live_setup, live_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
