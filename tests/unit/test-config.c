#include "unit.h"

#include "config.h"

static struct mc_config *load_text(const char *text, struct mc_error *err, int *rc)
{
	char *dir = unit_tmpdir();
	_cleanup_free_ char *path = mc_path_join(dir, "config.ini");
	struct mc_config *c = NULL;

	assert_int_equal(mc_write_file_atomic(path, text, strlen(text), 0600, NULL), 0);
	*rc = mc_config_load(path, &c, err);
	unit_rmdir(dir);
	return c;
}

static void values_and_mapping(void **state)
{
	struct mc_error err = { 0 };
	char *origin = NULL;
	int rc;
	struct mc_config *c = load_text("; comment\n[defaults]\ndriver = libvirt\ncpus = 2\nmemory=2048\n"
					"disk-size = 9000\niso = /x.iso\n\n[driver.libvirt]\nlibvirt-memory = 4096\n"
					"[defaults]\ncpus = 4\n",
					&err, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(mc_config_get(c, "defaults", "driver"), "libvirt");
	assert_string_equal(mc_config_get(c, "defaults", "cpus"), "4");  /* last wins */
	assert_null(mc_config_get(c, "defaults", "nope"));
	/* [driver.X] beats [defaults]; generic keys map by suffix. */
	assert_string_equal(mc_config_driver_flag(c, "libvirt", "libvirt-memory", NULL), "4096");
	assert_string_equal(mc_config_driver_flag(c, "virtualbox", "virtualbox-memory", NULL), "2048");
	assert_string_equal(mc_config_driver_flag(c, "libvirt", "libvirt-cpu-count", NULL), "4");
	assert_string_equal(mc_config_driver_flag(c, "libvirt", "libvirt-disk-size", NULL), "9000");
	assert_string_equal(mc_config_driver_flag(c, "libvirt", "iso", NULL), "/x.iso");
	assert_string_equal(mc_config_driver_flag(c, "hyperv", "hyperv-boot2docker-url", NULL), "/x.iso");
	assert_null(mc_config_driver_flag(c, "libvirt", "libvirt-network", NULL));
	/* Where a value was set, for messages: the key, its section, the file. */
	assert_string_equal(mc_config_driver_flag(c, "libvirt", "libvirt-memory", &origin), "4096");
	assert_ptr_equal(strstr(origin, "libvirt-memory in [driver.libvirt] of /"), origin);
	assert_non_null(strstr(origin, "/config.ini"));
	free(origin);
	assert_string_equal(mc_config_driver_flag(c, "virtualbox", "virtualbox-memory", &origin), "2048");
	assert_ptr_equal(strstr(origin, "memory in [defaults] of /"), origin);
	free(origin);
	origin = NULL;
	assert_null(mc_config_driver_flag(c, "libvirt", "libvirt-network", &origin));
	assert_null(origin);  /* nothing found, nothing said */
	mc_config_free(c);
}

static void errors(void **state)
{
	struct mc_error err = { 0 };
	int rc;

	assert_null(load_text("[defaults]\ndriver = x\ngarbage line\n", &err, &rc));
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err.msg, "config.ini:3: "));
	mc_error_clear(&err);
	assert_null(load_text("[defaults]\nfoo = 1\n", &err, &rc));
	assert_non_null(strstr(err.msg, ":2: unknown key 'foo'"));
	mc_error_clear(&err);
	assert_null(load_text("[driver.]\nx = 1\n", &err, &rc));
	assert_non_null(strstr(err.msg, "unknown section"));
	mc_error_clear(&err);
	assert_null(load_text("[defaults\n", &err, &rc));
	assert_int_equal(err.code, MC_E_INVALID);
}

/* What inih (as Debian builds it) would misread: a '#' comment after a value,
 * an indented line (a continuation of the value above), a section with no
 * key, a key before any section. */
static void comments_and_layout(void **state)
{
	struct mc_error err = { 0 };
	int rc;
	struct mc_config *c = load_text("# c\n; c\n[defaults]  # c\ndriver = test   # c\nmemory = 2048\t# c\n"
					"  # indented comment\n\t; another\n \ncpus = 2 ; c\niso = /a#b;c.iso\n"
					"[driver.x] ; c\nx-y = # only a comment\n",
					&err, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(mc_config_get(c, "defaults", "driver"), "test");
	assert_string_equal(mc_config_get(c, "defaults", "memory"), "2048");
	assert_string_equal(mc_config_get(c, "defaults", "cpus"), "2");
	assert_string_equal(mc_config_get(c, "defaults", "iso"), "/a#b;c.iso");
	assert_string_equal(mc_config_get(c, "driver.x", "x-y"), "");
	mc_config_free(c);

	assert_null(load_text("[defaults]\ndriver = test\n  cpus = 2\n", &err, &rc));
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err.msg, "config.ini:3: an indented line would continue the value above"));
	mc_error_clear(&err);
	assert_null(load_text("[defaults]\n\tdriver = test\n", &err, &rc));
	assert_non_null(strstr(err.msg, "config.ini:2: an indented line"));
	mc_error_clear(&err);
	assert_null(load_text("[defaults]\ndriver = test\n [driver.test]\n", &err, &rc));
	assert_non_null(strstr(err.msg, "config.ini:3: an indented line"));
	mc_error_clear(&err);
	assert_null(load_text("[defaults]\n[weird]\n", &err, &rc));
	assert_non_null(strstr(err.msg, "config.ini:2: unknown section [weird]"));
	mc_error_clear(&err);
	assert_null(load_text("[weird]\n\n\nx = 1\n", &err, &rc));
	assert_non_null(strstr(err.msg, "config.ini:1: unknown section [weird]"));
	mc_error_clear(&err);
	assert_null(load_text("driver = test\n[defaults]\n", &err, &rc));
	assert_non_null(strstr(err.msg, "config.ini:1: 'driver' is outside any section"));
	mc_error_clear(&err);
	/* the first error in the file wins, whoever finds it */
	assert_null(load_text("[defaults]\nnot an entry\n[weird]\n", &err, &rc));
	assert_non_null(strstr(err.msg, "config.ini:2: syntax error"));
	mc_error_clear(&err);
	assert_null(load_text("[weird]\nnot an entry\n", &err, &rc));
	assert_non_null(strstr(err.msg, "config.ini:1: unknown section"));
	mc_error_clear(&err);
	/* a BOM and CRLF line ends are read */
	c = load_text("\xEF\xBB\xBF[defaults]\r\n\r\ndriver = test # c\r\n", &err, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(mc_config_get(c, "defaults", "driver"), "test");
	mc_config_free(c);
}

/* A [driver.NAME] key that is not one of NAME's flags: a typo. */
static void driver_keys(void **state)
{
	static const struct mc_driver_flag flags[] = {
		{ .name = "test-memory", .type = MC_FLAG_INT },
		{ .name = "test-ip", .type = MC_FLAG_STRING },
		{ .name = NULL },
	};
	struct mc_error err = { 0 };
	int rc;
	struct mc_config *c = load_text("[driver.test]\ntest-ip = 1.2.3.4\n\n[driver.other]\nother-x = 1\n"
					"[driver.test]\ntest-memroy = 100\ntest-cpus = 1\n",
					&err, &rc);

	assert_int_equal(rc, 0);
	assert_int_equal(mc_config_check_driver_keys(c, "test", flags, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_non_null(strstr(err.msg, "config.ini:7: unknown key 'test-memroy' in [driver.test]: "
				   "the test driver has no flag --test-memroy"));
	mc_error_clear(&err);
	/* another driver's section, or no section for the driver: nothing to check */
	assert_int_equal(mc_config_check_driver_keys(c, "other2", flags, &err), 0);
	assert_int_equal(mc_config_check_driver_keys(NULL, "test", flags, &err), 0);
	mc_config_free(c);
	c = load_text("[driver.test]\ntest-ip = 1.2.3.4\ntest-memory = 128\n", &err, &rc);
	assert_int_equal(mc_config_check_driver_keys(c, "test", flags, &err), 0);
	mc_config_free(c);
}

/* inih cuts lines at 199 bytes: longer ones are refused with their number. */
static void long_lines(void **state)
{
	char text[512];
	struct mc_error err = { 0 };
	struct mc_config *c;
	int rc;

	/* "[defaults]\niso = /aaa...": a line of exactly 199 bytes is read whole */
	memset(text, 'a', sizeof(text));
	memcpy(text, "[defaults]\niso = /", 18);
	strcpy(text + 11 + 199, "\n");
	c = load_text(text, &err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(strlen(mc_config_get(c, "defaults", "iso")), 199 - 6);
	mc_config_free(c);
	/* ... and the lines after it keep their numbers */
	strcpy(text + 11 + 199, "\ncolour = red\n");
	assert_null(load_text(text, &err, &rc));
	assert_non_null(strstr(err.msg, "config.ini:3: unknown key 'colour'"));
	mc_error_clear(&err);
	memset(text + 11, 'a', 200);
	memcpy(text + 11, "iso = /", 7);
	strcpy(text + 11 + 200, "\ncpus = 2\n");
	assert_null(load_text(text, &err, &rc));
	assert_int_equal(rc, -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_non_null(strstr(err.msg, "config.ini:2: the line is 200 bytes long; lines are limited to 199 bytes"));
}

static void missing_file(void **state)
{
	struct mc_error err = { 0 };
	struct mc_config *c = NULL;

	assert_int_equal(mc_config_load("/nonexistent/config.ini", &c, &err), 0);
	assert_non_null(c);
	assert_null(mc_config_get(c, "defaults", "driver"));
	mc_config_free(c);
	mc_config_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(values_and_mapping),
		cmocka_unit_test(errors),
		cmocka_unit_test(comments_and_layout),
		cmocka_unit_test(driver_keys),
		cmocka_unit_test(long_lines),
		cmocka_unit_test(missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
