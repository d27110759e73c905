#include "unit.h"

#include "opts.h"

static const struct mc_option table[] = {
	{ "quiet", 'q', MC_OPT_BOOL, NULL, NULL, NULL, "q" },
	{ "recursive", 'r', MC_OPT_BOOL, NULL, NULL, NULL, "r" },
	{ "format", 'f', MC_OPT_STRING, "UNIT_FORMAT", "dflt", "T", "f" },
	{ "timeout", 't', MC_OPT_INT, NULL, "10", "S", "t" },
	{ "filter", 0, MC_OPT_LIST, NULL, NULL, "K=V", "l" },
	{ "cpus", 0, MC_OPT_INT, "UNIT_CPUS", "1", "N", "c", .min = 1, .max = 100 },
	{ NULL },
};

static int parse(struct mc_args *a, unsigned flags, struct mc_error *err, int argc, ...)
{
	char *argv[16];
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	return mc_args_parse((const struct mc_option *const[]){ table, NULL }, argc, argv, flags, a, err);
}

static void basic(void **state)
{
	struct mc_args a;
	struct mc_error err = { 0 };

	unsetenv("UNIT_FORMAT");
	assert_int_equal(parse(&a, 0, &err, 8, "x", "-qr", "--format=json", "-t", "5", "--filter", "a=b",
			       "y"),
			 0);
	assert_true(mc_args_bool(&a, &table[0]));
	assert_true(mc_args_bool(&a, &table[1]));
	assert_string_equal(mc_args_str(&a, &table[2]), "json");
	assert_string_equal(mc_args_str(&a, &table[3]), "5");
	assert_string_equal(mc_args_list(&a, &table[4])[0], "a=b");
	assert_int_equal(mc_args_npos(&a), 2);
	assert_string_equal(a.pos[0], "x");
	assert_string_equal(a.pos[1], "y");
	mc_args_free(&a);

	assert_int_equal(parse(&a, 0, &err, 3, "-fT", "--", "-q"), 0);
	assert_string_equal(mc_args_str(&a, &table[2]), "T");
	assert_false(mc_args_bool(&a, &table[0]));
	assert_string_equal(a.pos[0], "-q");
	mc_args_free(&a);
}

static void defaults_and_env(void **state)
{
	struct mc_args a;
	struct mc_error err = { 0 };

	unsetenv("UNIT_FORMAT");
	assert_int_equal(parse(&a, 0, &err, 0), 0);
	assert_string_equal(mc_args_str(&a, &table[2]), "dflt");
	assert_false(mc_args_given(&a, &table[2]));
	setenv("UNIT_FORMAT", "fromenv", 1);
	assert_string_equal(mc_args_str(&a, &table[2]), "fromenv");
	mc_args_free(&a);
	assert_int_equal(parse(&a, 0, &err, 2, "-f", "flag"), 0);
	assert_string_equal(mc_args_str(&a, &table[2]), "flag");
	mc_args_free(&a);
	unsetenv("UNIT_FORMAT");
}

static void stop_at_positional(void **state)
{
	struct mc_args a;
	struct mc_error err = { 0 };

	assert_int_equal(parse(&a, MC_ARGS_STOP_AT_POSITIONAL, &err, 4, "-q", "m1", "ls", "-la"), 0);
	assert_true(mc_args_bool(&a, &table[0]));
	assert_int_equal(mc_args_npos(&a), 3);
	assert_string_equal(a.pos[2], "-la");
	mc_args_free(&a);
}

static void errors(void **state)
{
	struct mc_args a;
	struct mc_error err = { 0 };

	assert_int_equal(parse(&a, 0, &err, 1, "--nope=1"), -1);
	assert_string_equal(err.msg, "unknown flag --nope");
	assert_string_equal(a.unknown, "nope");
	mc_args_free(&a);
	mc_error_clear(&err);
	assert_int_equal(parse(&a, 0, &err, 1, "-x"), -1);
	assert_string_equal(err.msg, "unknown flag -x");
	assert_null(a.unknown);
	mc_args_free(&a);
	mc_error_clear(&err);
	assert_int_equal(parse(&a, 0, &err, 1, "--format"), -1);
	assert_string_equal(err.msg, "flag --format needs a value");
	mc_args_free(&a);
	mc_error_clear(&err);
	assert_int_equal(parse(&a, 0, &err, 2, "-t", "ten"), -1);
	assert_int_equal(err.code, MC_E_USAGE);
	mc_args_free(&a);
	mc_error_clear(&err);
	assert_int_equal(parse(&a, 0, &err, 1, "--quiet=maybe"), -1);
	mc_args_free(&a);
	mc_error_clear(&err);
	assert_int_equal(parse(&a, 0, &err, 1, "--quiet=false"), 0);
	assert_false(mc_args_bool(&a, &table[0]));
	mc_args_free(&a);
}

/* One check for every source of an integer: a number, within the declared
 * range; the message names the option, the value, the range, the source. */
static void int_values(void **state)
{
	struct mc_args a;
	struct mc_error err = { 0 };
	long long v;

	unsetenv("UNIT_CPUS");
	assert_int_equal(mc_opt_int_value(&table[5], "42", NULL, &v, &err), 0);
	assert_int_equal(v, 42);
	assert_int_equal(mc_opt_int_value(&table[5], "1", NULL, &v, &err), 0);
	assert_int_equal(mc_opt_int_value(&table[5], "100", NULL, &v, &err), 0);
	assert_int_equal(mc_opt_int_value(&table[3], "-5", NULL, &v, &err), 0);  /* no range declared */
	assert_int_equal(v, -5);
	static const struct {
		const struct mc_option *o;
		const char *in, *msg;
	} bad[] = {
		{ &table[5], "0", "invalid value '0' for --cpus: give a number from 1 to 100" },
		{ &table[5], "101", "invalid value '101' for --cpus: give a number from 1 to 100" },
		{ &table[5], "99999999999999999999999", "invalid value '99999999999999999999999' for --cpus: give a number from 1 to 100" },
		{ &table[5], "", "invalid value '' for --cpus: give a number from 1 to 100" },
		{ &table[5], "2g", "invalid value '2g' for --cpus: give a plain number from 1 to 100 (without a unit: the help names it)" },
		{ &table[3], "12abc", "invalid value '12abc' for --timeout: give a plain number (without a unit: the help names it)" },
		{ &table[3], "12a3", "invalid value '12a3' for --timeout: not a number" },
		{ &table[3], "-G", "invalid value '-G' for --timeout: not a number" },
		{ &table[3], "1.5G", "invalid value '1.5G' for --timeout: not a number" },
		{ &table[3], " 1", "invalid value ' 1' for --timeout: not a number" },
		{ &table[3], "9007199254740993", "invalid value '9007199254740993' for --timeout: the number is out of range" },
	};
	for (size_t i = 0; i < MC_ARRAY_SIZE(bad); i++) {
		assert_int_equal(mc_opt_int_value(bad[i].o, bad[i].in, NULL, &v, &err), -1);
		assert_int_equal(err.code, MC_E_USAGE);
		if (strcmp(err.msg, bad[i].msg))
			fail_msg("\"%s\": \"%s\", not \"%s\"", bad[i].in, err.msg, bad[i].msg);
		mc_error_clear(&err);
	}
	/* the parser: the command line, then the environment of an option not given */
	assert_int_equal(parse(&a, 0, &err, 2, "--cpus", "0"), -1);
	assert_string_equal(err.msg, "invalid value '0' for --cpus: give a number from 1 to 100");
	mc_args_free(&a);
	mc_error_clear(&err);
	setenv("UNIT_CPUS", "101", 1);
	assert_int_equal(parse(&a, 0, &err, 0), -1);
	assert_string_equal(err.msg, "invalid value '101' for --cpus (from $UNIT_CPUS): give a number from 1 to 100");
	mc_args_free(&a);
	mc_error_clear(&err);
	assert_int_equal(parse(&a, 0, &err, 2, "--cpus", "7"), 0);  /* the flag wins: $UNIT_CPUS is not read */
	assert_int_equal(mc_args_int(&a, &table[5]), 7);
	mc_args_free(&a);
	setenv("UNIT_CPUS", "8", 1);
	assert_int_equal(parse(&a, 0, &err, 0), 0);
	assert_int_equal(mc_args_int(&a, &table[5]), 8);
	mc_args_free(&a);
	unsetenv("UNIT_CPUS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basic),
		cmocka_unit_test(defaults_and_env),
		cmocka_unit_test(stop_at_positional),
		cmocka_unit_test(errors),
		cmocka_unit_test(int_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
