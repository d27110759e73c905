/* src/gen.c: the model objects of options and driver flags, the template
 * functions, and the partials of doc/gen reading the completion facts from
 * the tables (never from the help text). */
#include "unit.h"

#include "gen.h"
#include "util.h"

/* Parse tpl with the generator's functions and render it against data (a
 * JSON text); the output, or NULL and *err when rendering fails. */
static char *run(const char *tpl, json_t *data, struct mc_error *err)
{
	struct mc_template *t = NULL;
	char *out = NULL;

	if (mc_template_parse_with(tpl, 0, mc_gen_funcs, &t, err) == 0)
		mc_template_render(t, data, &out, err);
	mc_template_free(t);
	return out;
}

/* Render tpl with the string s as its data; assert the output. */
static void is(const char *tpl, const char *s, const char *want)
{
	struct mc_error err = { 0 };
	json_t *d = json_string(s);
	char *out = run(tpl, d, &err);

	if (!out)
		fail_msg("%s: %s", tpl, err.msg);
	assert_string_equal(out, want);
	free(out);
	json_decref(d);
}

static void man_functions(void **state)
{
	(void)state;
	is("{{man_text .}}", "plain text", "plain text");
	is("{{man_text .}}", ".Sh looks like a request", "\\&.Sh looks like a request");
	is("{{man_text .}}", "'quote first", "\\&'quote first");
	is("{{man_text .}}", "a \\ backslash", "a \\e backslash");
	is("{{man_sentence .}}", "no stop", "no stop.");
	is("{{man_sentence .}}", "stop.", "stop.");
	is("{{man_sentence .}}", "question?", "question?");
	is("{{man_sentence .}}", "", "");
	/* every word after a space; macro names and delimiters escaped */
	is("{{man_words .}}", "[OPTIONS] NAME...", " \\&[OPTIONS] NAME...");
	is("{{man_words .}}", "Ar No Fl Xyzw AB", " \\&Ar \\&No \\&Fl Xyzw AB");
	is("{{man_words .}}", "( | x", " \\&( \\&| x");
	is("{{man_words .}}", "say \"hi\"  a\\b", " say \\(dqhi\\(dq a\\eb");
	is("{{man_words .}}", "", "");
}

static void quoting_functions(void **state)
{
	(void)state;
	is("{{zsh_q .}}", "it's [a]: b\\c", "it'\\''s \\[a\\]\\: b\\\\c");
	is("{{fish_q .}}", "it's a\\b", "'it\\'s a\\\\b'");
	is("{{ps_q .}}", "it's", "'it''s'");
	is("{{ps_q .}}", "", "''");
}

static void list_functions(void **state)
{
	struct mc_error err = { 0 };
	json_t *d = json_pack("{s:[{s:s, s:b}, {s:s, s:b}, {s:s}]}", "l", "n", "a", "on", true, "n", "b", "on",
			      false, "n", "c");
	char *out;

	(void)state;
	out = run("{{range select .l \"on\"}}{{.n}}{{end}}", d, &err);
	assert_string_equal(out, "a");
	free(out);
	out = run("{{with dict \"k\" 1 \"s\" \"v\"}}{{.k}} {{.s}}{{end}}", d, &err);
	assert_string_equal(out, "1 v");
	free(out);
	json_decref(d);
}

/* A misused function is a usage error that names it. */
static void function_errors(void **state)
{
	static const char *const bad[][2] = {
		{ "{{man_text 1}}", "man_text takes one string" },
		{ "{{zsh_q \"a\" \"b\"}}", "zsh_q takes one string" },
		{ "{{select 1 \"x\"}}", "select takes a list" },
		{ "{{dict \"k\"}}", "dict takes keys and values in pairs" },
		{ "{{dict 1 2}}", "a key of dict is not a string" },
		{ "{{include \"../x\" .}}", "include takes a partial's name" },
		{ "{{include \"x\" .}}", "include works only in a template file" },
	};

	(void)state;
	for (size_t i = 0; i < MC_ARRAY_SIZE(bad); i++) {
		struct mc_error err = { 0 };
		char *out = run(bad[i][0], NULL, &err);

		assert_null(out);
		assert_int_equal(err.code, MC_E_USAGE);
		if (!strstr(err.msg, bad[i][1]))
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i][0], err.msg, bad[i][1]);
	}
}

static json_t *get(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	assert_non_null(v);
	return v;
}

static void option_objects(void **state)
{
	const struct mc_option o[] = {
		{ "shell", 's', MC_OPT_STRING, "SH_ENV", "bash", "SHELL", "one of: a, b or c",
		  .value = MC_VALUE_CHOICE, .choices = "x  y" },
		{ "quiet", 0, MC_OPT_BOOL, NULL, NULL, NULL, "be quiet" },
		{ "label", 0, MC_OPT_LIST, NULL, NULL, "K=V", "a label", .value = MC_VALUE_FILE },
		{ "driver", 'd', MC_OPT_STRING, NULL, NULL, "DRIVER", "driver", .value = MC_VALUE_DRIVER },
	};
	const struct mc_driver_flag f = { "x-iso", "X_ISO", NULL, "boot ISO", MC_FLAG_STRING, MC_VALUE_FILE, NULL };
	json_t *drivers = json_pack("[s, s]", "d1", "d2");
	json_t *a = mc_gen_option(&o[0], drivers), *b = mc_gen_option(&o[1], drivers);
	json_t *c = mc_gen_option(&o[2], drivers), *d = mc_gen_option(&o[3], drivers);
	json_t *e = mc_gen_flag(&f, drivers);
	char *s;

	(void)state;
	s = json_dumps(a, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"arg\":true,\"choices\":[\"x\",\"y\"],\"default\":\"bash\",\"env\":\"SH_ENV\","
			       "\"help\":\"one of: a, b or c\",\"metavar\":\"SHELL\",\"name\":\"shell\",\"repeat\":false,"
			       "\"short\":\"s\",\"type\":\"string\",\"value\":\"choice\"}");
	free(s);
	/* a flag: no value, no metavar, no default, no variable */
	assert_true(json_is_false(get(b, "arg")));
	assert_string_equal(json_string_value(get(b, "short")), "");
	assert_null(json_object_get(b, "metavar"));
	assert_null(json_object_get(b, "env"));
	assert_string_equal(json_string_value(get(b, "value")), "any");
	assert_int_equal(json_array_size(get(b, "choices")), 0);
	assert_true(json_is_true(get(c, "repeat")));
	assert_string_equal(json_string_value(get(c, "value")), "file");
	/* a driver option's choices are the drivers */
	assert_true(json_equal(get(d, "choices"), drivers));
	/* a driver flag is an option with metavar VALUE and no short form */
	s = json_dumps(e, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(s, "{\"arg\":true,\"choices\":[],\"env\":\"X_ISO\",\"help\":\"boot ISO\",\"metavar\":"
			       "\"VALUE\",\"name\":\"x-iso\",\"repeat\":false,\"short\":\"\",\"type\":\"string\","
			       "\"value\":\"file\"}");
	free(s);
	/* an int flag's declared range, and none where it declares none */
	{
		const struct mc_driver_flag r = { "x-mem", NULL, "1024", "memory", MC_FLAG_INT, .min = 0, .max = 64 };
		const struct mc_driver_flag u = { "x-n", NULL, NULL, "a number", MC_FLAG_INT };
		json_t *jr = mc_gen_flag(&r, NULL), *ju = mc_gen_flag(&u, NULL);

		assert_int_equal(json_integer_value(get(jr, "min")), 0);
		assert_int_equal(json_integer_value(get(jr, "max")), 64);
		assert_null(json_object_get(ju, "min"));
		assert_null(json_object_get(ju, "max"));
		json_decref(jr);
		json_decref(ju);
	}
	assert_string_equal(mc_gen_value_name(MC_VALUE_VERB), "verb");
	assert_string_equal(mc_gen_value_name((enum mc_value)99), "any");
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
	json_decref(e);
	json_decref(drivers);
}

/* Copy the partial _NAME.tmpl of doc/gen into dir, with a template FILE that includes it. */
static void with_partial(const char *dir, const char *name, const char *file, const char *tpl)
{
	_cleanup_free_ char *src = mc_asprintf("%s/_%s.tmpl", MC_GENDIR, name);
	_cleanup_free_ char *dst = mc_asprintf("%s/_%s.tmpl", dir, name);
	_cleanup_free_ char *top = mc_path_join(dir, file), *text = NULL;
	struct mc_error err = { 0 };
	size_t len;

	assert_int_equal(mc_read_file(src, &text, &len, &err), 0);
	assert_int_equal(mc_write_file_atomic(dst, text, len, 0644, &err), 0);
	assert_int_equal(mc_write_file_atomic(top, tpl, strlen(tpl), 0644, &err), 0);
}

static char *render_option(const char *dir, const char *file, const struct mc_option *o)
{
	struct mc_error err = { 0 };
	json_t *m = json_pack("{s:o, s:s}", "o", mc_gen_option(o, NULL), "fn", "_p");
	char *out = NULL;

	if (mc_gen_render(dir, file, m, &out, &err) < 0)
		fail_msg("%s: %s", file, err.msg);
	json_decref(m);
	return out;
}

/* The man page's option entry shows a declared range, 0 as its low end too. */
static void man_option_range(void **state)
{
	char *dir = unit_tmpdir(), *out;
	struct mc_option o = { "tb", 0, MC_OPT_INT, NULL, "128", "MIB", "cache size", .min = 0, .max = 1024 };

	(void)state;
	with_partial(dir, "man-option", "m.tmpl", "{{include \"man-option\" .o}}");
	out = render_option(dir, "m.tmpl", &o);
	assert_string_equal(out, ".It Fl -tb Ar MIB\ncache size.\n.No From\n.Ql 0\nto\n.Ql 1024 .\n"
				 ".No Default:\n.Ql 128 .");
	free(out);
	o.max = 0;
	out = render_option(dir, "m.tmpl", &o);
	assert_null(strstr(out, "From"));
	free(out);
	unit_rmdir(dir);
}

/* The partials of doc/gen complete what .value and .choices say, whatever
 * the name, metavar and help text say: the same entry with another .value
 * completes otherwise, and a help text listing values completes nothing. */
static void partials_read_the_facts(void **state)
{
	char *dir = unit_tmpdir(), *out;
	struct mc_option o = { "iso", 0, MC_OPT_STRING, NULL, NULL, "FILE", "format: bash, sh or zsh" };

	(void)state;
	with_partial(dir, "bash-value", "b.tmpl", "[{{include \"bash-value\" .o}}]");
	with_partial(dir, "zsh-option", "z.tmpl", "[{{include \"zsh-option\" .}}]");
	with_partial(dir, "fish-option", "f.tmpl", "[{{include \"fish-option\" (dict \"o\" .o \"cond\" \"c\" \"prog\" \"p\" \"fn\" .fn)}}]");

	out = render_option(dir, "b.tmpl", &o);
	assert_string_equal(out, "[]");
	free(out);
	out = render_option(dir, "z.tmpl", &o);
	assert_string_equal(out, "['--iso=[format\\: bash, sh or zsh]:FILE: ']");
	free(out);
	out = render_option(dir, "f.tmpl", &o);
	assert_string_equal(out, "[complete -c p -n 'c' -l iso -x -d 'format: bash, sh or zsh']");
	free(out);

	o.value = MC_VALUE_CHOICE;
	o.choices = "q r";
	out = render_option(dir, "b.tmpl", &o);
	assert_string_equal(out, "[--iso) echo 'words q r' ;;]");
	free(out);
	out = render_option(dir, "z.tmpl", &o);
	assert_string_equal(out, "['--iso=[format\\: bash, sh or zsh]:FILE:(q r)']");
	free(out);
	out = render_option(dir, "f.tmpl", &o);
	assert_string_equal(out, "[complete -c p -n 'c' -l iso -x -a 'q r' -d 'format: bash, sh or zsh']");
	free(out);

	o.value = MC_VALUE_MACHINE;
	o.short_name = 'i';
	out = render_option(dir, "b.tmpl", &o);
	assert_string_equal(out, "[--iso|-i) echo machines ;;]");
	free(out);
	out = render_option(dir, "z.tmpl", &o);
	assert_string_equal(out, "['(-i --iso)'{-i+,--iso=}'[format\\: bash, sh or zsh]:FILE:_p_machines']");
	free(out);
	out = render_option(dir, "f.tmpl", &o);
	assert_string_equal(out, "[complete -c p -n 'c' -s i -l iso -x -a '(_p_machines)' -d 'format: bash, sh or zsh']");
	free(out);

	o.value = MC_VALUE_DIR;
	out = render_option(dir, "b.tmpl", &o);
	assert_string_equal(out, "[--iso|-i) echo dirs ;;]");
	free(out);
	/* a flag takes no value: nothing to complete, whatever .value says */
	o.type = MC_OPT_BOOL;
	out = render_option(dir, "b.tmpl", &o);
	assert_string_equal(out, "[]");
	free(out);
	unit_rmdir(dir);
}

static void include_and_render(void **state)
{
	char *dir = unit_tmpdir(), *out = NULL;
	struct mc_error err = { 0 };
	_cleanup_free_ char *self = mc_path_join(dir, "_self.tmpl"), *top = mc_path_join(dir, "t.tmpl");
	_cleanup_free_ char *part = mc_path_join(dir, "_p.tmpl"), *loop = mc_path_join(dir, "loop.tmpl");
	json_t *d = json_pack("{s:s}", "x", "X");

	(void)state;
	assert_int_equal(mc_write_file_atomic(part, "<{{.}}>\n", 8, 0644, &err), 0);
	assert_int_equal(mc_write_file_atomic(top, "a{{include \"p\" .x}}b\n", 21, 0644, &err), 0);
	assert_int_equal(mc_gen_render(dir, "t.tmpl", d, &out, &err), 0);
	assert_string_equal(out, "a<X>b\n");   /* the partial's final newline is not part of it */
	free(out);
	/* a partial that includes itself stops */
	assert_int_equal(mc_write_file_atomic(self, "{{include \"self\" .}}", 20, 0644, &err), 0);
	assert_int_equal(mc_write_file_atomic(loop, "{{include \"self\" .}}", 20, 0644, &err), 0);
	assert_int_equal(mc_gen_render(dir, "loop.tmpl", d, &out, &err), -1);
	assert_null(out);
	assert_non_null(strstr(err.msg, "partials nested too deep"));
	assert_non_null(strstr(err.msg, "loop.tmpl: "));
	/* a missing file names itself */
	mc_error_clear(&err);
	assert_int_equal(mc_gen_render(dir, "none.tmpl", d, &out, &err), -1);
	assert_non_null(strstr(err.msg, "none.tmpl"));
	json_decref(d);
	unit_rmdir(dir);
}

static void date_and_drivers(void **state)
{
	json_t *drivers, *d;
	const char *prev = NULL;
	bool none = false;
	char *s;
	size_t i;

	(void)state;
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	s = mc_gen_date();
	assert_string_equal(s, "November 14, 2023");
	free(s);
	unsetenv("MACHINECTL_DRIVER_PATH");
	drivers = mc_gen_drivers();
	json_array_foreach(drivers, i, d) {
		const char *name = json_string_value(get(d, "name"));

		if (prev)
			assert_true(strcmp(prev, name) < 0);
		prev = name;
		if (!strcmp(name, "none")) {
			none = true;
			assert_string_equal(json_string_value(get(json_array_get(get(d, "flags"), 0), "name")), "url");
		}
	}
	assert_true(none);
	json_decref(drivers);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(man_functions),
		cmocka_unit_test(quoting_functions),
		cmocka_unit_test(list_functions),
		cmocka_unit_test(function_errors),
		cmocka_unit_test(option_objects),
		cmocka_unit_test(man_option_range),
		cmocka_unit_test(partials_read_the_facts),
		cmocka_unit_test(include_and_render),
		cmocka_unit_test(date_and_drivers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
