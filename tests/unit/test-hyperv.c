/* drivers/hyperv/hv-proto.c: the shim protocol, state names, the switch choice, MACs. */
#include "unit.h"

#include "hv.h"

static void request_is_one_compact_line(void **state)
{
	_cleanup_json_ json_t *args = json_pack("{s:s,s:I}", "name", "my \"vm\"\n2", "memory_mb", 1024);
	_cleanup_free_ char *line = hv_request_line(7, "create", args);
	_cleanup_free_ char *empty = hv_request_line(8, "states", NULL);
	_cleanup_json_ json_t *back = NULL;

	assert_int_equal(line[strlen(line) - 1], '\n');
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
	back = json_loads(line, 0, NULL);
	assert_non_null(back);
	assert_int_equal(mc_json_int(back, "id", 0), 7);
	assert_string_equal(mc_json_str(back, "verb"), "create");
	assert_string_equal(mc_json_str(json_object_get(back, "args"), "name"), "my \"vm\"\n2");
	assert_string_equal(empty, "{\"id\":8,\"verb\":\"states\",\"args\":{}}\n");
	/* args is not consumed */
	assert_int_equal(args->refcount, 1);
}

static void parses_answers(void **state)
{
	struct mc_error err = { 0 };
	struct hv_fail f;
	json_t *res = NULL;

	assert_int_equal(hv_parse_answer("{\"id\":3,\"ok\":true,\"result\":{\"ip\":\"10.0.0.5\"}}", 3,
					 &res, &f, &err), 0);
	assert_string_equal(mc_json_str(res, "ip"), "10.0.0.5");
	json_decref(res);
	res = NULL;
	assert_int_equal(hv_parse_answer("{\"id\":4,\"ok\":true}", 4, &res, &f, &err), 0);
	assert_true(json_is_object(res) && json_object_size(res) == 0);
	json_decref(res);

	assert_int_equal(hv_parse_answer("{\"id\":5,\"ok\":false,\"error\":{\"cmdlet\":\"New-VM\",\"message\":\"The operation failed.\",\"code\":\"notfound\"}}",
					 5, &res, &f, &err), 1);
	assert_string_equal(f.cmdlet, "New-VM");
	assert_string_equal(f.message, "The operation failed.");
	assert_string_equal(f.code, "notfound");
	assert_int_equal(hv_parse_answer("{\"id\":5,\"ok\":false,\"error\":{}}", 5, &res, &f, &err), 1);
	assert_string_equal(f.cmdlet, "");
	assert_string_equal(f.message, "(no message)");
	assert_int_equal(err.code, MC_E_OK);
}

static void rejects_bad_answers(void **state)
{
	static const char *const bad[] = {
		"",
		"WARNING: something PowerShell printed",
		"[1,2]",
		"{\"id\":2,\"ok\":true}",                         /* another request's answer */
		"{\"ok\":true}",                                  /* no id */
		"{\"id\":1,\"result\":{}}",                        /* no ok */
		"{\"id\":1,\"ok\":\"yes\"}",
		"{\"id\":1,\"ok\":true,\"result\":[1]}",
		"{\"id\":1,\"ok\":false}",                         /* no error object */
		"{\"id\":1,\"id\":1,\"ok\":true}",                 /* duplicate key */
	};

	for (size_t i = 0; i < MC_ARRAY_SIZE(bad); i++) {
		struct mc_error err = { 0 };
		struct hv_fail f;
		json_t *res = NULL;

		assert_int_equal(hv_parse_answer(bad[i], 1, &res, &f, &err), -1);
		assert_int_equal(err.code, MC_E_INVALID);
		assert_null(res);
	}
}

static void maps_states(void **state)
{
	/* Every name of Hyper-V's VMState enum (Microsoft.HyperV.PowerShell). */
	static const struct {
		const char *name;
		enum mc_state st;
	} all[] = {
		{ "Other", MC_STATE_NONE },               /* Hyper-V cannot name it: an error says so */
		{ "Running", MC_STATE_RUNNING },          { "Off", MC_STATE_STOPPED },
		{ "Stopping", MC_STATE_STOPPING },        { "Saved", MC_STATE_SAVED },
		{ "Paused", MC_STATE_PAUSED },            { "Starting", MC_STATE_STARTING },
		{ "Reset", MC_STATE_STARTING },           { "Saving", MC_STATE_STOPPING },
		{ "Pausing", MC_STATE_PAUSED },           { "Resuming", MC_STATE_STARTING },
		{ "FastSaved", MC_STATE_SAVED },          { "FastSaving", MC_STATE_STOPPING },
		{ "ForceShutdown", MC_STATE_STOPPING },   { "ForceReboot", MC_STATE_STARTING },
		{ "Hibernated", MC_STATE_SAVED },         { "ComponentServicing", MC_STATE_RUNNING },
		{ "RunningCritical", MC_STATE_ERROR },    { "OffCritical", MC_STATE_ERROR },
		{ "StoppingCritical", MC_STATE_ERROR },   { "SavedCritical", MC_STATE_ERROR },
		{ "PausedCritical", MC_STATE_ERROR },     { "StartingCritical", MC_STATE_ERROR },
		{ "ResetCritical", MC_STATE_ERROR },      { "SavingCritical", MC_STATE_ERROR },
		{ "PausingCritical", MC_STATE_ERROR },    { "ResumingCritical", MC_STATE_ERROR },
		{ "FastSavedCritical", MC_STATE_ERROR },  { "FastSavingCritical", MC_STATE_ERROR },
	};

	for (size_t i = 0; i < MC_ARRAY_SIZE(all); i++) {
		if (hv_state_from_name(all[i].name) != all[i].st)
			fail_msg("%s: %d, expected %d", all[i].name, hv_state_from_name(all[i].name),
				 all[i].st);
	}
	assert_int_equal(hv_state_from_name("running"), MC_STATE_NONE);
	assert_int_equal(hv_state_from_name("Critical"), MC_STATE_NONE);
	assert_int_equal(hv_state_from_name(""), MC_STATE_NONE);
	assert_int_equal(hv_state_from_name(NULL), MC_STATE_NONE);
}

static void chooses_the_switch(void **state)
{
	_cleanup_json_ json_t *all = json_loads(
		"[{\"name\":\"Default Switch\",\"type\":\"Internal\"},{\"name\":\"priv\",\"type\":\"Private\"},"
		"{\"name\":\"LAN\",\"type\":\"External\"},{\"name\":\"LAN2\",\"type\":\"External\"}]", 0, NULL);
	_cleanup_json_ json_t *dflt = json_loads(
		"[{\"name\":\"priv\",\"type\":\"Private\"},{\"name\":\"Default Switch\",\"type\":\"Internal\","
		"\"id\":\"c08cb7b8-9b3c-408e-8e30-5e16a3aeb444\"}]", 0, NULL);
	/* A German Windows: the Default Switch has another name; its Id is the same. */
	_cleanup_json_ json_t *german = json_loads(
		"[{\"name\":\"intern\",\"type\":\"Internal\",\"id\":\"5a3f2a8e-0d6e-4c36-9b1e-2f7f0c1d2e3f\"},"
		"{\"name\":\"Standardswitch\",\"type\":\"Internal\",\"id\":\"C08CB7B8-9B3C-408E-8E30-5E16A3AEB444\"}]", 0, NULL);
	/* A switch someone named "Default Switch" is not the Default Switch. */
	_cleanup_json_ json_t *impostor = json_loads(
		"[{\"name\":\"Default Switch\",\"type\":\"Private\",\"id\":\"11111111-2222-3333-4444-555555555555\"}]", 0, NULL);
	_cleanup_json_ json_t *none = json_loads("[{\"name\":\"priv\",\"type\":\"Private\"}]", 0, NULL);
	_cleanup_json_ json_t *empty = json_array();
	struct mc_error err = { 0 };

	assert_string_equal(hv_choose_switch(all, "priv", &err), "priv");
	assert_string_equal(hv_choose_switch(all, NULL, &err), "LAN");
	assert_string_equal(hv_choose_switch(all, "", &err), "LAN");
	assert_string_equal(hv_choose_switch(dflt, NULL, &err), "Default Switch");
	assert_int_equal(err.code, MC_E_OK);
	assert_non_null(hv_choose_switch(german, NULL, &err));
	assert_string_equal(hv_choose_switch(german, NULL, &err), "Standardswitch");
	assert_true(hv_is_default_switch(german, "Standardswitch"));
	assert_false(hv_is_default_switch(german, "intern"));
	assert_null(hv_choose_switch(impostor, NULL, &err));
	mc_error_clear(&err);

	assert_null(hv_choose_switch(all, "nosuch", &err));
	assert_int_equal(err.code, MC_E_PRECREATE);
	assert_non_null(strstr(err.msg, "no virtual switch named \"nosuch\""));
	assert_non_null(strstr(err.msg, "\"LAN2\""));
	mc_error_clear(&err);

	assert_null(hv_choose_switch(none, NULL, &err));
	assert_non_null(strstr(err.msg, "no External switch"));
	assert_non_null(strstr(err.msg, "--hyperv-virtual-switch"));
	mc_error_clear(&err);
	assert_null(hv_choose_switch(empty, NULL, &err));
	mc_error_clear(&err);
	assert_null(hv_choose_switch(NULL, "x", &err));
	assert_non_null(strstr(err.msg, "no switch at all"));
}

static void normalizes_macs(void **state)
{
	char out[13];

	assert_true(hv_mac_normalize("00:15:5d:0a:0b:0c", out));
	assert_string_equal(out, "00155D0A0B0C");
	assert_true(hv_mac_normalize("00-15-5D-0A-0B-0C", out));
	assert_string_equal(out, "00155D0A0B0C");
	assert_true(hv_mac_normalize("00155d0a0b0c", out));
	assert_string_equal(out, "00155D0A0B0C");
	assert_false(hv_mac_normalize("01:00:5e:00:00:01", out));  /* multicast */
	assert_false(hv_mac_normalize("00:15:5d:0a:0b", out));
	assert_false(hv_mac_normalize("00:15:5d:0a:0b:0c:0d", out));
	assert_false(hv_mac_normalize("zz:15:5d:0a:0b:0c", out));
	assert_false(hv_mac_normalize("", out));
	assert_false(hv_mac_normalize(NULL, out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_is_one_compact_line),
		cmocka_unit_test(parses_answers),
		cmocka_unit_test(rejects_bad_answers),
		cmocka_unit_test(maps_states),
		cmocka_unit_test(chooses_the_switch),
		cmocka_unit_test(normalizes_macs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
