/*
 * config.json: parsing and migration (mc_machine_parse, src/machine.c).
 * Property: whatever parses is a current-schema document that parses again
 * unchanged and without migrating (migrations are idempotent).
 */
#include "buildconf.h"

#include "fuzz.h"
#include "machine.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mc_error err = { 0 };
	json_t *doc = NULL, *again = NULL;
	char *text, *text2;
	int from = 0, from2 = 0;

	if (mc_machine_parse((const char *)data, size, &doc, &from, &err) < 0) {
		FUZZ_ASSERT(err.code != MC_E_OK && err.msg[0]);
		return 0;
	}
	FUZZ_ASSERT(json_integer_value(json_object_get(doc, "SchemaVersion")) == MC_SCHEMA_VERSION);
	text = json_dumps(doc, JSON_PRESERVE_ORDER | JSON_COMPACT);
	FUZZ_ASSERT(text);
	FUZZ_ASSERT(mc_machine_parse(text, strlen(text), &again, &from2, &err) == 0);
	FUZZ_ASSERT(from2 == -1);
	text2 = json_dumps(again, JSON_PRESERVE_ORDER | JSON_COMPACT);
	FUZZ_ASSERT(text2 && !strcmp(text, text2));
	{
		/* The accessors the verbs use on a loaded machine. */
		struct mc_machine m = { .name = "fuzz", .dir = "/nonexistent", .doc = doc };

		m.driver_name = json_string_value(json_object_get(doc, "DriverName"));
		m.driver = json_object_get(doc, "Driver");
		m.host_options = json_object_get(doc, "HostOptions");
		(void)mc_machine_status(&m);
		(void)mc_machine_error(&m);
		(void)json_array_size(mc_machine_labels(&m));
	}
	free(text);
	free(text2);
	json_decref(doc);
	json_decref(again);
	return 0;
}
