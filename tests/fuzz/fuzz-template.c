/*
 * --format / inspect -f templates (src/template.c, src/template-fmt.c):
 * parsing, control structures, functions, printf.  Input: the template,
 * then optionally a NUL byte and a JSON document to render it against (else
 * an ls row).
 */
#include "buildconf.h"

#include "fuzz.h"
#include "template.h"

static const char *header(const char *field)
{
	return field[0] ? "HEADER" : "";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mc_error err = { 0 };
	struct mc_template *t = NULL;
	char *text = fuzz_cstr(data, size), *out = NULL, *hdr;
	size_t tl = strlen(text);
	json_t *doc = NULL;

	if (tl + 1 < size)
		doc = json_loadb((const char *)data + tl + 1, size - tl - 1, JSON_DECODE_ANY, NULL);
	if (!doc)
		doc = json_pack("{s:s,s:s,s:{s:s,s:[i,s]},s:n}", "Name", "m1", "State", "Running",
				"Driver", "IPAddress", "10.0.0.1", "List", 1, "x", "Null");
	if (mc_template_parse(text, &t, &err) == 0) {
		/* A run-time refusal (index out of range...) is a usage error with a message. */
		if (mc_template_render(t, doc, &out, &err) == 0)
			FUZZ_ASSERT(out);
		else
			FUZZ_ASSERT(!out && err.code == MC_E_USAGE && err.msg[0]);
		hdr = mc_template_render_header(t, header);
		FUZZ_ASSERT(hdr);
		free(hdr);
		free(out);
		mc_template_free(t);
	} else {
		FUZZ_ASSERT(err.code == MC_E_USAGE && err.msg[0]);
	}
	json_decref(doc);
	free(text);
	return 0;
}
