/*
 * ls --filter expressions (mc_filters_parse and mc_filters_match in
 * src/ops/listing.c): the input is one filter a line, matched against a few
 * rows.
 */
#include "buildconf.h"

#include "fuzz.h"
#include "listing.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *v[32];
	char **list = NULL;
	size_t n;
	struct mc_filters *f = NULL;
	struct mc_error err = { 0 };
	json_t *labels;
	struct mc_listing_row rows[3] = {
		{ .name = "m1", .driver = "test", .state = "Running" },
		{ .name = "web-2.example", .driver = "virtualbox", .state = "Stopped" },
		{ .name = "x", .driver = NULL, .state = "Error" },
	};

	if (size > 4096)   /* a command line, not a file */
		return 0;
	text = fuzz_cstr(data, size);
	n = fuzz_split(text, '\n', v, 32);
	list = mc_calloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		list[i] = v[i];
	labels = json_pack("[s,s]", "env=prod", "a=b=c");
	rows[0].labels = labels;
	if (mc_filters_parse(list, &f, &err) == 0) {
		for (size_t i = 0; i < 3; i++)
			(void)mc_filters_match(f, &rows[i]);
	} else {
		FUZZ_ASSERT(err.code == MC_E_USAGE && err.msg[0]);
	}
	mc_filters_free(f);
	json_decref(labels);
	free(list);
	free(text);
	return 0;
}
