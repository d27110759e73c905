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
	assert_ptr_equal(strstr(origin, "libvirt-memory ([driver.libvirt] in /"), origin);
	assert_non_null(strstr(origin, "/config.ini)"));
	free(origin);
	assert_string_equal(mc_config_driver_flag(c, "virtualbox", "virtualbox-memory", &origin), "2048");
	assert_ptr_equal(strstr(origin, "memory ([defaults] in /"), origin);
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
		cmocka_unit_test(long_lines),
		cmocka_unit_test(missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
