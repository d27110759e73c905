/* src/proc-child.c: a long-lived child spoken to line by line, with deadlines. */
#include "unit.h"

#include <signal.h>

#include "proc-child.h"

static void lines_in_and_out(void **state)
{
	const char *argv[] = { "sh", "-c", "while read l; do echo \"got $l\"; printf 'x\\r\\n'; done; echo bye >&2", NULL };
	struct mc_child *c = NULL;
	struct mc_error err = { 0 };
	char *line = NULL;

	assert_int_equal(mc_proc_child_spawn(argv, &c, &err), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(mc_proc_child_write(c, "ping\n", 5, 1000, &err), 0);
		assert_int_equal(mc_proc_child_read_line(c, 5000, &line, &err), 0);
		assert_string_equal(line, "got ping");
		free(line);
		assert_int_equal(mc_proc_child_read_line(c, 5000, &line, &err), 0);
		assert_string_equal(line, "x");  /* \r\n is one line end */
		free(line);
	}
	/* End of stdin ends the loop; the exit status comes back. */
	assert_int_equal(mc_proc_child_close(c, 5000), 0);
}

static void read_deadline(void **state)
{
	const char *argv[] = { "sleep", "30", NULL };
	struct mc_child *c = NULL;
	struct mc_error err = { 0 };
	char *line = NULL;
	long long t0;

	assert_int_equal(mc_proc_child_spawn(argv, &c, &err), 0);
	t0 = mc_now_ms();
	assert_int_equal(mc_proc_child_read_line(c, 200, &line, &err), -1);
	assert_int_equal(err.code, MC_E_TIMEOUT);
	assert_true(mc_now_ms() - t0 < 5000);
	/* sleep ignores its stdin: killed after the grace period. */
	assert_int_equal(mc_proc_child_close(c, 100), 128 + SIGKILL);
}

static void exit_keeps_stderr(void **state)
{
	const char *argv[] = { "sh", "-c", "echo 'it broke' >&2; exit 3", NULL };
	struct mc_child *c = NULL;
	struct mc_error err = { 0 };
	char *line = NULL;

	assert_int_equal(mc_proc_child_spawn(argv, &c, &err), 0);
	assert_int_equal(mc_proc_child_read_line(c, 5000, &line, &err), -1);
	assert_int_equal(err.code, MC_E_IO);
	assert_string_equal(mc_proc_child_stderr(c), "it broke\n");
	/* Writing to a child that is gone is an error, not SIGPIPE.  The kernel
	 * may release the child's stdin a moment after its stdout reached EOF,
	 * so the first writes can still land in the pipe. */
	mc_error_clear(&err);
	for (int i = 0; i < 200 && mc_proc_child_write(c, "x\n", 2, 1000, &err) == 0; i++)
		usleep(10000);
	assert_int_equal(err.code, MC_E_IO);
	assert_int_equal(mc_proc_child_close(c, 1000), 3);
	assert_int_equal(mc_proc_child_close(NULL, 0), -1);
}

static void not_found(void **state)
{
	const char *argv[] = { "no-such-program-mc", NULL };
	struct mc_child *c = NULL;
	struct mc_error err = { 0 };

	assert_int_equal(mc_proc_child_spawn(argv, &c, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	assert_null(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_in_and_out),
		cmocka_unit_test(read_deadline),
		cmocka_unit_test(exit_keeps_stderr),
		cmocka_unit_test(not_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
