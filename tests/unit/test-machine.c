#include "unit.h"

#include "machine.h"

static void parse_and_migrate(void **state)
{
	struct mc_error err = { 0 };
	json_t *doc = NULL;
	int from;
	const char *v0 = "{\"Name\":\"a\",\"DriverName\":\"none\",\"State\":\"created\",\"Driver\":{}}";

	assert_int_equal(mc_machine_parse(v0, strlen(v0), &doc, &from, &err), 0);
	assert_int_equal(from, 0);
	assert_int_equal(json_integer_value(json_object_get(doc, "SchemaVersion")), 1);
	assert_string_equal(json_string_value(json_object_get(doc, "Status")), "created");
	assert_null(json_object_get(doc, "State"));
	assert_true(json_is_object(json_object_get(doc, "HostOptions")));
	json_decref(doc);
}

static void reject_code(const char *text, int code, const char *needle)
{
	struct mc_error err = { 0 };
	json_t *doc = NULL;

	assert_int_equal(mc_machine_parse(text, strlen(text), &doc, NULL, &err), -1);
	assert_null(doc);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, needle))
		fail_msg("\"%s\" not in \"%s\"", needle, err.msg);
}

static void reject(const char *text, const char *needle)
{
	reject_code(text, MC_E_INVALID, needle);
}

static void bad_documents(void **state)
{
	reject("", "not valid JSON");
	reject("{\"Name\": ", "not valid JSON");
	reject("[]", "not a JSON object");
	reject("{\"SchemaVersion\": \"1\"}", "SchemaVersion is not a number");
	reject_code("{\"SchemaVersion\": 2}", MC_E_UNSUPPORTED, "newer than this machinectl");
	reject("{\"SchemaVersion\": -1}", "invalid SchemaVersion");
	reject("{\"SchemaVersion\": 1, \"Name\": \"a\"}", "lacks");
	reject("{\"a\":1,\"a\":2}", "not valid JSON");  /* duplicate keys */
	reject("{\"SchemaVersion\":1,\"Name\":\"a\",\"DriverName\":\"none\",\"Status\":\"weird\","
	       "\"Driver\":{},\"HostOptions\":{}}", "Status is \"weird\", not creating, created or error");
	reject("{\"Name\":\"a\",\"DriverName\":\"none\",\"State\":\"Running\",\"Driver\":{}}",
	       "Status is \"Running\"");  /* schema 0's State, migrated */
}

static void new_save_load(void **state)
{
	char *dir = unit_tmpdir();
	struct mc_store s;
	struct mc_error err = { 0 };
	struct mc_machine *m, *back = NULL;
	_cleanup_free_ char *path = NULL;
	int fd;

	assert_int_equal(mc_store_open(&s, dir, &err), 0);
	assert_int_equal(mc_store_reserve(&s, "box", &fd, &err), 0);
	m = mc_machine_new(&s, "box", "none");
	path = mc_path_join(m->dir, "config.json");
	assert_int_equal(mc_machine_status(m), MC_MACHINE_CREATING);
	json_object_set_new(m->driver, "URL", json_string("tcp://1.2.3.4:2376"));
	mc_machine_set_status(m, MC_MACHINE_ERROR, "boom");
	assert_int_equal(mc_machine_save(m, &err), 0);
	assert_int_equal(mc_machine_load(&s, "box", &back, &err), 0);
	assert_string_equal(back->driver_name, "none");
	assert_string_equal(json_string_value(json_object_get(back->driver, "URL")), "tcp://1.2.3.4:2376");
	assert_int_equal(mc_machine_status(back), MC_MACHINE_ERROR);
	assert_string_equal(mc_machine_error(back), "boom");
	assert_true(json_is_array(mc_machine_labels(back)));
	mc_machine_free(back);
	mc_machine_free(m);
	mc_machine_free(NULL);
	assert_int_equal(mc_machine_load(&s, "nothere", &back, &err), -1);
	assert_int_equal(err.code, MC_E_NOT_FOUND);
	/* A damaged config.json: the message says so and names the way out. */
	mc_error_clear(&err);
	assert_int_equal(mc_write_file_atomic(path, "{\"Name\": ", 9, 0600, &err), 0);
	assert_int_equal(mc_machine_load(&s, "box", &back, &err), -1);
	assert_int_equal(err.code, MC_E_INVALID);
	assert_string_equal(err.machine, "box");
	assert_non_null(strstr(err.msg, "config.json is damaged: not valid JSON (line 1"));
	assert_non_null(strstr(err.msg, "); 'machinectl rm -f box' removes the machine"));
	mc_store_unlock(fd);
	mc_store_close(&s);
	unit_rmdir(dir);
}

static void state_names(void **state)
{
	assert_string_equal(mc_state_name(MC_STATE_RUNNING), "Running");
	assert_string_equal(mc_state_name(MC_STATE_STOPPED), "Stopped");
	assert_string_equal(mc_state_name(MC_STATE_NONE), "");
	assert_string_equal(mc_state_name((enum mc_state)99), "Error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_and_migrate),
		cmocka_unit_test(bad_documents),
		cmocka_unit_test(new_save_load),
		cmocka_unit_test(state_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
