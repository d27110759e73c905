#include "unit.h"

#include <sys/stat.h>

#include "os.h"
#include "store.h"

static void names(void **state)
{
	struct mc_error err = { 0 };
	char long63[64], long64[65];

	memset(long63, 'a', 63);
	long63[63] = '\0';
	memset(long64, 'a', 64);
	long64[64] = '\0';
	assert_int_equal(mc_store_check_name("myvm1", &err), 0);
	assert_int_equal(mc_store_check_name("a.b-c", &err), 0);
	assert_int_equal(mc_store_check_name("9", &err), 0);
	assert_int_equal(mc_store_check_name(long63, &err), 0);
	const char *bad[] = { "", "-a", ".a", "a b", "a/b", "a_b", "..", "a\n", long64, "\xc3\xa9" };
	for (size_t i = 0; i < MC_ARRAY_SIZE(bad); i++) {
		mc_error_clear(&err);
		assert_int_equal(mc_store_check_name(bad[i], &err), -1);
		assert_int_equal(err.code, MC_E_USAGE);
	}
}

static void reserve_list_remove(void **state)
{
	char *dir = unit_tmpdir();
	_cleanup_free_ char *root = mc_path_join(dir, "store");
	struct mc_store s;
	struct mc_error err = { 0 };
	_cleanup_strv_ char **list = NULL;
	int fd, fd2;
	struct stat st;

	assert_int_equal(mc_store_open(&s, root, &err), 0);
	assert_int_equal(mc_store_list(&s, &list, &err), 0);  /* missing store: empty */
	assert_null(list[0]);
	mc_strv_free(list);
	list = NULL;

	assert_int_equal(mc_store_reserve(&s, "m10", &fd, &err), 0);
	assert_int_equal(stat(root, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* The lock is held: another taker fails at once with timeout 0. */
	assert_int_equal(mc_store_lock(&s, "m10", 0, NULL, &fd2, &err), -1);
	assert_int_equal(err.code, MC_E_STATE);
	mc_error_clear(&err);
	mc_store_unlock(fd);
	assert_int_equal(mc_store_lock(&s, "m10", 0, NULL, &fd2, &err), 0);
	mc_store_unlock(fd2);

	assert_int_equal(mc_store_reserve(&s, "m10", &fd, &err), -1);
	assert_int_equal(err.code, MC_E_EXISTS);
	assert_string_equal(err.msg, "Docker machine \"m10\" already exists");
	mc_error_clear(&err);
	assert_int_equal(mc_store_reserve(&s, "m2", &fd, &err), 0);
	mc_store_unlock(fd);
	{
		_cleanup_free_ char *hidden = mc_path_join(root, "machines/.rm-x-1");
		assert_int_equal(mkdir(hidden, 0700), 0);
	}
	assert_int_equal(mc_store_list(&s, &list, &err), 0);
	assert_int_equal(mc_strv_len(list), 2);
	assert_string_equal(list[0], "m2");
	assert_string_equal(list[1], "m10");

	assert_int_equal(mc_store_remove(&s, "m2", &err), 0);
	assert_false(mc_store_exists(&s, "m2"));
	assert_int_equal(mc_store_remove(&s, "m2", &err), 0);  /* already gone */
	assert_int_equal(mc_store_lock(&s, "m2", 0, NULL, &fd, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	mc_store_close(&s);
	unit_rmdir(dir);
}

/* A busy lock: the wait is told after the grace, then each second, with the
 * holder's pid, and its end once; a free lock tells nothing. */
static void lock_wait_told(void **state)
{
	char *dir = unit_tmpdir();
	struct mc_store s;
	struct mc_error err = { 0 };
	struct unit_waits w = { 0 };
	const struct mc_os_lock_wait wait = { unit_on_wait, &w };
	int fd, fd2;

	assert_int_equal(mc_store_open(&s, dir, &err), 0);
	assert_int_equal(mc_store_reserve(&s, "m1", &fd, &err), 0);
	/* flock: a second open file in this process is another locker. */
	assert_int_equal(mc_store_lock(&s, "m1", 2500, &wait, &fd2, &err), -1);
	assert_int_equal(err.code, MC_E_STATE);
	assert_int_equal(w.calls, 2);  /* at the grace, a second later; none at the timeout */
	assert_true(w.first_ms >= MC_OS_LOCK_GRACE_MS);
	assert_true(w.last_ms >= w.first_ms + 1000 && w.last_ms < 2500);
	if (access("/proc/locks", R_OK) == 0)
		assert_int_equal(w.holder, (long)getpid());
	assert_int_equal(w.over, 1);
	mc_error_clear(&err);
	mc_store_unlock(fd);
	w = (struct unit_waits){ 0 };
	assert_int_equal(mc_store_lock(&s, "m1", 1000, &wait, &fd2, &err), 0);
	assert_int_equal(w.calls + w.over, 0);
	mc_store_unlock(fd2);
	mc_store_close(&s);
	unit_rmdir(dir);
}

static void default_root(void **state)
{
	struct mc_store s;
	struct mc_error err = { 0 };

	setenv("HOME", "/home/someone", 1);
	assert_int_equal(mc_store_open(&s, NULL, &err), 0);
	assert_string_equal(s.root, "/home/someone/.machinectl");
	mc_store_close(&s);
	assert_int_equal(mc_store_open(&s, "/x/y//", &err), 0);
	assert_string_equal(s.root, "/x/y");
	mc_store_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(reserve_list_remove),
		cmocka_unit_test(lock_wait_told),
		cmocka_unit_test(default_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
