#include "unit.h"

#include "template.h"

static char *render(const char *tpl, const char *json)
{
	struct mc_template *t;
	struct mc_error err = { 0 };
	json_t *data = json_loads(json, JSON_DECODE_ANY, NULL);
	char *out = NULL;

	assert_int_equal(mc_template_parse(tpl, &t, &err), 0);
	assert_int_equal(mc_template_render(t, data, &out, &err), 0);
	mc_template_free(t);
	json_decref(data);
	return out;
}

static void fields(void **state)
{
	const char *d = "{\"Name\":\"m1\",\"Driver\":{\"IP\":\"1.2.3.4\",\"Port\":22},\"L\":[\"a\"]}";
	char *s;

	s = render("{{.Name}}", d);
	assert_string_equal(s, "m1");
	free(s);
	s = render("x {{ .Driver.IP }}:{{.Driver.Port}} y", d);
	assert_string_equal(s, "x 1.2.3.4:22 y");
	free(s);
	s = render("{{json .L}}|{{.Missing}}|{{json .Missing}}", d);
	assert_string_equal(s, "[\"a\"]|<no value>|null");
	free(s);
	s = render("{{prettyjson .Driver}}", d);
	assert_non_null(strstr(s, "\n    \"IP\": \"1.2.3.4\""));
	free(s);
	s = render("a\\tb\\nc", d);
	assert_string_equal(s, "a\tb\nc");
	free(s);
	s = render("{{.}}", "\"whole\"");
	assert_string_equal(s, "whole");
	free(s);
}

static const char *up(const char *f)
{
	return !strcmp(f, "Name") ? "NAME" : "OTHER";
}

static void header_names(void **state)
{
	struct mc_template *t;
	struct mc_error err = { 0 };
	char *s;

	assert_int_equal(mc_template_parse("{{.Name}}\t{{.State}}", &t, &err), 0);
	s = mc_template_render_header(t, up);
	assert_string_equal(s, "NAME\tOTHER");
	free(s);
	mc_template_free(t);
}

static void errors(void **state)
{
	struct mc_template *t = NULL;
	struct mc_error err = { 0 };

	assert_int_equal(mc_template_parse("{{.Name", &t, &err), -1);
	assert_int_equal(err.code, MC_E_USAGE);
	mc_error_clear(&err);
	assert_int_equal(mc_template_parse("{{Name}}", &t, &err), -1);
	mc_error_clear(&err);
	assert_int_equal(mc_template_parse("{{.Na me}}", &t, &err), -1);
	mc_error_clear(&err);
	assert_int_equal(mc_template_parse("{{}}", &t, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields),
		cmocka_unit_test(header_names),
		cmocka_unit_test(errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
