/*
 * The Hyper-V shim's answers (hv_parse_answer, drivers/hyperv/hv-proto.c),
 * and what the driver reads from a result: VM state names, the switch list,
 * MAC addresses.  Input: one answer line (the shim speaks one JSON object a
 * line) for request id 7.
 */
#include "buildconf.h"

#include "fuzz.h"
#include "hv.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstr(data, size);
	struct mc_error err = { 0 };
	struct hv_fail fail = { { 0 } };
	json_t *result = NULL;
	int r = hv_parse_answer(line, 7, &result, &fail, &err);

	FUZZ_ASSERT(r >= -1 && r <= 1);
	if (r == 0) {
		const char *st = json_string_value(json_object_get(result, "State"));
		const char *mac = json_string_value(json_object_get(result, "MacAddress"));
		char norm[13];
		struct mc_error e2 = { 0 };
		json_t *sw = json_object_get(result, "switches");
		char *req;

		FUZZ_ASSERT(json_is_object(result));
		(void)hv_state_from_name(st);
		if (hv_mac_normalize(mac, norm))
			FUZZ_ASSERT(strlen(norm) == 12);
		(void)hv_choose_switch(sw, NULL, &e2);
		mc_error_clear(&e2);
		(void)hv_choose_switch(sw, "External", &e2);
		/* A request built from the answer is one line of JSON. */
		req = hv_request_line(8, "create", result);
		FUZZ_ASSERT(strchr(req, '\n') == req + strlen(req) - 1);
		free(req);
		json_decref(result);
	} else if (r == 1) {
		FUZZ_ASSERT(fail.message[0]);
	} else {
		FUZZ_ASSERT(err.code == MC_E_INVALID);
	}
	free(line);
	return 0;
}
