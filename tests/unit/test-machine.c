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

static void reject(const char *text, const char *needle)
{
	struct mc_error err = { 0 };
	json_t *doc = NULL;

	assert_int_equal(mc_machine_parse(text, strlen(text), &doc, NULL, &err), -1);
	assert_null(doc);
	assert_int_equal(err.code, MC_E_INVALID);
	if (!strstr(err.msg, needle))
		fail_msg("\"%s\" not in \"%s\"", needle, err.msg);
}

static void bad_documents(void **state)
{
	reject("", "not valid JSON");
	reject("{\"Name\": ", "not valid JSON");
	reject("[]", "not a JSON object");
	reject("{\"SchemaVersion\": \"1\"}", "SchemaVersion is not a number");
	reject("{\"SchemaVersion\": 2}", "newer than this machinectl");
	reject("{\"SchemaVersion\": -1}", "invalid SchemaVersion");
	reject("{\"SchemaVersion\": 1, \"Name\": \"a\"}", "lacks");
	reject("{\"a\":1,\"a\":2}", "not valid JSON");  /* duplicate keys */
}

static void new_save_load(void **state)
{
	char *dir = unit_tmpdir();
	struct mc_store s;
	struct mc_error err = { 0 };
	struct mc_machine *m, *back = NULL;
	int fd;

	assert_int_equal(mc_store_open(&s, dir, &err), 0);
	assert_int_equal(mc_store_reserve(&s, "box", &fd, &err), 0);
	m = mc_machine_new(&s, "box", "none");
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
