/*
 * ls --filter expressions (parse_filters and the matchers in src/cmd/ls.c).
 * The parser is static to the verb, so the verb's file is compiled into this
 * target; the input is one filter a line, matched against a few rows.
 */
#include "../../src/cmd/ls.c"

#include "fuzz.h"

/* src/main.c is not linked (it has main()); ls.c and common.c need this. */
int mc_cli_fail(const struct mc_error *err)
{
	return err->code == MC_E_USAGE ? 2 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *v[32];
	char **list = NULL;
	size_t n;
	struct filters f = { 0 };
	struct mc_error err = { 0 };
	json_t *labels;
	struct row rows[3] = {
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
	if (parse_filters(list, &f, &err) == 0) {
		for (size_t i = 0; i < 3; i++)
			(void)(match_static(&f, &rows[i]) && match_state(&f, &rows[i]));
	} else {
		FUZZ_ASSERT(err.code == MC_E_USAGE && err.msg[0]);
	}
	free_filters(&f);
	json_decref(labels);
	free(list);
	free(text);
	return 0;
}
