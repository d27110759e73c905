#include "unit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os.h"

static void natural_order(void **state)
{
	assert_true(mc_natural_cmp("m2", "m10") < 0);
	assert_true(mc_natural_cmp("m10", "m2") > 0);
	assert_true(mc_natural_cmp("m02", "m2") == 0);
	assert_true(mc_natural_cmp("a", "b") < 0);
	assert_true(mc_natural_cmp("web-9", "web-10") < 0);
	assert_true(mc_natural_cmp("x", "x1") < 0);
	assert_int_equal(mc_natural_cmp("same", "same"), 0);
}

static void atomic_write(void **state)
{
	char *dir = unit_tmpdir();
	_cleanup_free_ char *path = mc_path_join(dir, "f.json"), *text = NULL;
	struct mc_error err = { 0 };
	struct stat st;
	size_t len;

	assert_int_equal(mc_write_file_atomic(path, "hello", 5, 0600, &err), 0);
	assert_int_equal(mc_read_file(path, &text, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_string_equal(text, "hello");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* No temporary file is left behind. */
	{
		_cleanup_free_ char *tmp = mc_asprintf("%s.tmp.%ld", path, (long)getpid());
		assert_false(mc_file_exists(tmp));
	}
	/* Writing into a missing directory fails with a message naming the path. */
	{
		_cleanup_free_ char *bad = mc_path_join(dir, "nodir/f");
		assert_int_equal(mc_write_file_atomic(bad, "x", 1, 0600, &err), -1);
		assert_non_null(strstr(err.msg, "nodir/f"));
	}
	unit_rmdir(dir);
}

/* What mc_read_file refuses or stops at: no file, a FIFO without a writer
 * (read as empty, not waited on), a file over the limit. */
static void read_file_kinds(void **state)
{
	char *dir = unit_tmpdir();
	_cleanup_free_ char *fifo = mc_path_join(dir, "fifo"), *big = mc_path_join(dir, "big"), *text = NULL;
	struct mc_error err = { 0 };
	size_t len = 1;
	int fd;

	assert_int_equal(mc_read_file("/dev/zero", &text, &len, &err), -1);
	assert_string_equal(err.msg, "cannot read /dev/zero: not a regular file");
	mc_error_clear(&err);
	assert_int_equal(mc_read_file(dir, &text, &len, &err), -1);
	assert_non_null(strstr(err.msg, "Is a directory"));
	mc_error_clear(&err);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(mc_read_file(fifo, &text, &len, &err), 0);
	assert_int_equal(len, 0);
	free(text);
	text = NULL;
	fd = open(big, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, MC_READ_FILE_MAX + 1), 0);  /* sparse */
	close(fd);
	assert_int_equal(mc_read_file(big, &text, &len, &err), -1);
	assert_non_null(strstr(err.msg, "larger than 64 MiB"));
	assert_null(text);
	mc_error_clear(&err);
	assert_int_equal(truncate(big, MC_READ_FILE_MAX), 0);
	assert_int_equal(mc_read_file(big, &text, &len, &err), 0);
	assert_int_equal(len, MC_READ_FILE_MAX);
	unit_rmdir(dir);
}

static void mkdir_p_and_rm_rf(void **state)
{
	char *dir = unit_tmpdir();
	_cleanup_free_ char *deep = mc_path_join(dir, "a/b/c");
	_cleanup_free_ char *file = mc_path_join(dir, "a/b/c/f");
	struct mc_error err = { 0 };
	struct stat st;

	assert_int_equal(mc_mkdir_p(deep, 0700, &err), 0);
	assert_int_equal(mc_mkdir_p(deep, 0700, &err), 0);  /* idempotent */
	assert_int_equal(stat(deep, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(mc_write_file_atomic(file, "x", 1, 0600, &err), 0);
	{
		_cleanup_free_ char *a = mc_path_join(dir, "a");
		assert_int_equal(mc_rm_rf(a, &err), 0);
		assert_false(mc_file_exists(a));
		assert_int_equal(mc_rm_rf(a, &err), 0);  /* missing is fine */
	}
	unit_rmdir(dir);
}

static void strv_and_strings(void **state)
{
	_cleanup_strv_ char **v = NULL;

	assert_int_equal(mc_strv_len(v), 0);
	mc_strv_push(&v, mc_strdup("a"));
	mc_strv_push(&v, mc_strdup("b"));
	assert_int_equal(mc_strv_len(v), 2);
	assert_string_equal(v[1], "b");
	assert_null(v[2]);
	assert_true(mc_streq(NULL, NULL));
	assert_false(mc_streq("a", NULL));
	assert_true(mc_startswith("table x", "table"));
	{
		_cleanup_free_ char *p = mc_path_join("/a/", "b");
		assert_string_equal(p, "/a/b");
	}
	{
		_cleanup_free_ char *l = NULL, *e = mc_strdup("");

		mc_str_append(&l, ", ", "m1");
		assert_string_equal(l, "m1");
		mc_str_append(&l, ", ", "m2");
		mc_str_append(&l, ", ", "");
		assert_string_equal(l, "m1, m2, ");
		mc_str_append(&e, ",", "x");
		assert_string_equal(e, "x");
	}
}

static void durations(void **state)
{
	char b[32];

	mc_format_duration(850, b, sizeof(b));
	assert_string_equal(b, "850ms");
	mc_format_duration(12345, b, sizeof(b));
	assert_string_equal(b, "12.3s");
	mc_format_duration(125000, b, sizeof(b));
	assert_string_equal(b, "2m05s");
}

/* mc_str_utf8: what jansson takes as a JSON string (config.json). */
static void utf8_valid(void **state)
{
	static const char *const good[] = { "", "plain", "Jos\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x90\xb3",
					    "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf" };
	static const char *const bad[] = { "\xff", "a\x80", "\xc3", "\xc3(", "\xc0\xaf", "\xe0\x80\xaf",
					   "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "\xe2\x82" };

	(void)state;
	for (size_t i = 0; i < MC_ARRAY_SIZE(good); i++) {
		json_t *j = json_string(good[i]);

		assert_true(mc_str_utf8(good[i]));
		assert_non_null(j);
		json_decref(j);
	}
	for (size_t i = 0; i < MC_ARRAY_SIZE(bad); i++) {
		assert_false(mc_str_utf8(bad[i]));
		assert_null(json_string(bad[i]));
	}
}

static void errors_set_once(void **state)
{
	struct mc_error err = { 0 };

	assert_int_equal(mc_error_set(&err, MC_E_NOT_FOUND, "first %d", 1), -1);
	assert_int_equal(mc_error_set(&err, MC_E_IO, "second"), -1);
	assert_string_equal(err.msg, "first 1");
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	mc_error_prefix(&err, "machine \"%s\": ", "x");
	assert_string_equal(err.msg, "machine \"x\": first 1");
	mc_error_suffix(&err, "; and %s", "more");
	assert_string_equal(err.msg, "machine \"x\": first 1; and more");
	assert_int_equal(mc_error_exit_code(&err), 1);
	mc_error_clear(&err);
	mc_error_set(&err, MC_E_USAGE, "u");
	assert_int_equal(mc_error_exit_code(&err), 2);
	mc_error_clear(&err);
	mc_error_set(&err, MC_E_PRECREATE, "p");
	assert_int_equal(mc_error_exit_code(&err), 3);
	assert_int_equal(mc_error_set(NULL, MC_E_IO, "no crash on NULL"), -1);
	/* A long prefix truncates instead of overflowing. */
	{
		char big[2000];
		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		mc_error_prefix(&err, "%s", big);
		assert_true(strlen(err.msg) < sizeof(err.msg));
		assert_true(mc_startswith(err.msg, "xxxx"));
		/* A long suffix truncates too; none is added without an error. */
		mc_error_suffix(&err, "%s", big);
		assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
		mc_error_clear(&err);
		mc_error_suffix(&err, "x");
		assert_string_equal(err.msg, "");
	}
}

/* mountinfo lines: optional fields, escapes, and lines of another shape. */
static void mountinfo_lines(void **state)
{
	char l1[] = "36 35 98:0 /mnt1 /mnt/my\\040dir rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n";
	char l2[] = "70 1 0:52 / /mnt/c rw - 9p drvfs rw,aname=drvfs;path=C:\\\n";
	char l3[] = "71 1 0:53 / /x rw - fuse.sshfs\n";
	char bad1[] = "no dash here at all";
	char bad2[] = "1 2 3:4 / - ext4 /dev/sda rw";
	struct mc_os_mount m;

	(void)state;
	assert_true(mc_os_mountinfo_line(l1, &m));
	assert_string_equal(m.point, "/mnt/my dir");
	assert_string_equal(m.opts, "rw,noatime");
	assert_string_equal(m.fstype, "ext3");
	assert_string_equal(m.source, "/dev/root");
	assert_string_equal(m.super, "rw,errors=continue");
	assert_true(mc_os_mountinfo_line(l2, &m));
	assert_string_equal(m.point, "/mnt/c");
	assert_string_equal(m.fstype, "9p");
	assert_string_equal(m.super, "rw,aname=drvfs;path=C:\\");
	assert_true(mc_os_mountinfo_line(l3, &m));
	assert_string_equal(m.fstype, "fuse.sshfs");
	assert_null(m.source);
	assert_null(m.super);
	assert_false(mc_os_mountinfo_line(bad1, &m));
	assert_false(mc_os_mountinfo_line(bad2, &m));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(natural_order),  cmocka_unit_test(mountinfo_lines),
		cmocka_unit_test(atomic_write),   cmocka_unit_test(read_file_kinds),
		cmocka_unit_test(mkdir_p_and_rm_rf),
		cmocka_unit_test(strv_and_strings), cmocka_unit_test(durations),
		cmocka_unit_test(errors_set_once), cmocka_unit_test(utf8_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
