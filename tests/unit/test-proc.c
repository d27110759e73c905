#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>

#include "proc-child.h"
#include "proc.h"

/*
 * Failures injected at the system calls (the test is linked with
 * -Wl,--wrap=poll,--wrap=read,--wrap=pipe2): fail_<call> > 0 makes that call
 * fail with EIO once its countdown reaches 1.
 */
static int fail_poll, fail_read, fail_pipe2;

int __real_poll(struct pollfd *fds, nfds_t n, int timeout);
ssize_t __real_read(int fd, void *buf, size_t count);
int __real_pipe2(int fds[2], int flags);

static bool injected(int *countdown)
{
	if (*countdown > 0 && --*countdown == 0) {
		errno = EIO;
		return true;
	}
	return false;
}

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	return injected(&fail_poll) ? -1 : __real_poll(fds, n, timeout);
}

ssize_t __wrap_read(int fd, void *buf, size_t count)
{
	return injected(&fail_read) ? -1 : __real_read(fd, buf, count);
}

int __wrap_pipe2(int fds[2], int flags)
{
	return injected(&fail_pipe2) ? -1 : __real_pipe2(fds, flags);
}

/* Open descriptors of this process. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void capture(void **state)
{
	struct mc_run_result r;
	struct mc_error err = { 0 };
	const char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 42", NULL };

	assert_int_equal(mc_proc_run(argv, NULL, &r, &err), 0);
	assert_int_equal(r.status, 42);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.err, "err\n");
	mc_run_result_free(&r);
}

static void feeds_stdin(void **state)
{
	struct mc_run_result r;
	struct mc_error err = { 0 };
	const char *argv[] = { "wc", "-c", NULL };
	size_t n = 1 << 20;  /* bigger than a pipe buffer */
	char *big = mc_malloc(n);
	struct mc_run_opts o = { .in = big, .in_len = n };

	memset(big, 'a', n);
	assert_int_equal(mc_proc_run(argv, &o, &r, &err), 0);
	assert_int_equal(atol(r.out), (long)n);
	mc_run_result_free(&r);
	free(big);
}

static void no_shell(void **state)
{
	struct mc_run_result r;
	struct mc_error err = { 0 };
	/* Metacharacters reach the program as bytes, never a shell. */
	const char *argv[] = { "printf", "%s", "a;b|c$(x)'\"\n", NULL };

	assert_int_equal(mc_proc_run(argv, NULL, &r, &err), 0);
	assert_string_equal(r.out, "a;b|c$(x)'\"\n");
	mc_run_result_free(&r);
}

static void timeout_kills(void **state)
{
	struct mc_run_result r;
	struct mc_error err = { 0 };
	const char *argv[] = { "sh", "-c", "sleep 5 & sleep 5", NULL };
	struct mc_run_opts o = { .timeout_ms = 200 };
	long long t0 = mc_now_ms();

	assert_int_equal(mc_proc_run(argv, &o, &r, &err), -1);
	assert_int_equal(err.code, MC_E_TIMEOUT);
	assert_true(mc_now_ms() - t0 < 2000);
	mc_run_result_free(&r);
}

static void feeds_stdin_from_fd(void **state)
{
	struct mc_run_result r;
	struct mc_error err = { 0 };
	const char *argv[] = { "wc", "-c", NULL };
	char path[] = "/tmp/mc-test-proc-XXXXXX";
	off_t n = 64LL << 20;  /* sparse: nothing this big is ever in memory */
	int fd = mkstemp(path);
	struct mc_run_opts o = { .in = "ignored", .in_len = 7, .in_fd = fd };

	assert_true(fd > 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, n), 0);
	assert_int_equal(mc_proc_run(argv, &o, &r, &err), 0);
	assert_int_equal(atoll(r.out), (long long)n);
	mc_run_result_free(&r);
	close(fd);
}

static void missing_program(void **state)
{
	struct mc_run_result r;
	struct mc_error err = { 0 };
	const char *argv[] = { "no-such-program-xyz", NULL };

	assert_int_equal(mc_proc_run(argv, NULL, &r, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	assert_non_null(strstr(err.msg, "no-such-program-xyz"));
}

static void signals_and_env(void **state)
{
	struct mc_run_result r;
	struct mc_error err = { 0 };
	const char *argv[] = { "sh", "-c", "echo $UNIT_X; kill -9 $$", NULL };
	const char *env[] = { "UNIT_X=hello", NULL };
	struct mc_run_opts o = { .env = env };

	assert_int_equal(mc_proc_run(argv, &o, &r, &err), 0);
	assert_int_equal(r.status, 128 + 9);
	assert_string_equal(r.out, "hello\n");
	mc_run_result_free(&r);
}

static void argv_rendering(void **state)
{
	const char *argv[] = { "ssh", "-o", "a b", "it's", NULL };
	_cleanup_free_ char *s = mc_proc_argv_str(argv);

	assert_string_equal(s, "ssh -o 'a b' 'it'\\''s'");
	_cleanup_free_ char *w = mc_proc_which("sh");
	assert_non_null(w);
}

/* Every error path of the runners closes what it opened. */
static void no_descriptor_leaks(void **state)
{
	/* Output in steps apart in time: every run polls at least four times. */
	const char *cat[] = { "sh", "-c", "cat; sleep 0.1; echo out; sleep 0.1; echo err >&2; sleep 0.1", NULL };
	struct mc_run_opts o = { .in = "input", .in_len = 5 };
	int before = open_fds();

	for (int k = 1; k <= 3; k++) {
		struct mc_run_result r;
		struct mc_error err = { 0 };

		fail_poll = k;   /* the k-th poll fails */
		assert_int_equal(mc_proc_run(cat, &o, &r, &err), -1);
		assert_int_equal(err.code, MC_E_IO);
		assert_non_null(strstr(err.msg, "cannot follow sh"));
		fail_poll = 0;
		assert_int_equal(open_fds(), before);
	}
	for (int k = 1; k <= 4; k++) {
		struct mc_run_result r;
		struct mc_error err = { 0 };

		fail_pipe2 = k;   /* each of the pipes in turn cannot be made */
		assert_int_equal(mc_proc_run(cat, &o, &r, &err), -1);
		assert_non_null(strstr(err.msg, "cannot run sh"));
		fail_pipe2 = 0;
		assert_int_equal(open_fds(), before);
	}
	{
		struct mc_run_result r;
		struct mc_error err = { 0 };

		fail_read = 2;   /* a read of the output fails: that pipe is done */
		assert_int_equal(mc_proc_run(cat, &o, &r, &err), 0);
		fail_read = 0;
		mc_run_result_free(&r);
		assert_int_equal(open_fds(), before);
	}
	{
		struct mc_child *c = NULL;
		struct mc_error err = { 0 };
		const char *argv[] = { "cat", NULL };

		fail_pipe2 = 3;
		assert_int_equal(mc_proc_child_spawn(argv, &c, &err), -1);
		fail_pipe2 = 0;
		assert_int_equal(open_fds(), before);
		assert_int_equal(mc_proc_child_spawn(argv, &c, &err), 0);
		mc_proc_child_close(c, 1000);
		assert_int_equal(open_fds(), before);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(capture),       cmocka_unit_test(feeds_stdin),
		cmocka_unit_test(feeds_stdin_from_fd),
		cmocka_unit_test(no_shell),      cmocka_unit_test(timeout_kills),
		cmocka_unit_test(missing_program), cmocka_unit_test(signals_and_env),
		cmocka_unit_test(argv_rendering),
		cmocka_unit_test(no_descriptor_leaks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
