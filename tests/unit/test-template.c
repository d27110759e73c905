#include "unit.h"

#include "template.h"
#include "util.h"

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

/* The error a strict template gives over data, or NULL when it renders. */
static char *strict_error(const char *tpl, const char *json)
{
	struct mc_template *t;
	struct mc_error err = { 0 };
	json_t *data = json_loads(json, JSON_DECODE_ANY, NULL);
	char *out = NULL, *msg = NULL;

	assert_int_equal(mc_template_parse_with(tpl, MC_TEMPLATE_STRICT_FIELDS, NULL, &t, &err), 0);
	if (mc_template_render(t, data, &out, &err) < 0) {
		assert_int_equal(err.code, MC_E_USAGE);
		msg = mc_strdup(err.msg);
	}
	mc_error_clear(&err);
	free(out);
	mc_template_free(t);
	json_decref(data);
	return msg;
}

static void strict_fields(void **state)
{
	const char *d = "{\"Name\":\"m1\",\"Up\":true,\"Opt\":{\"A\":null},\"L\":[1]}";
	static const char *const cases[][2] = {
		{ "{{.Name}} {{.Opt.A}} {{$.Up}} {{with .Opt}}{{.A}}{{end}}", NULL },
		{ "{{if false}}{{.Nope}}{{end}}", NULL },  /* only what runs is checked, as Go */
		{ "{{.name}}", "template: there is no field .name: use .Name, .Up, .Opt and .L" },
		{ "{{.Opt.B}}", "template: there is no field .B: use .A" },
		{ "{{$x := .Opt}}{{$x.C}}", "template: there is no field .C: use .A" },
		{ "{{.Name.First}}", "template: there is no field .First in a string" },
		{ "{{(.L).X}}", "template: there is no field .X in a list" },
		{ "{{.Up.X}}", "template: there is no field .X in true or false" },
	};

	for (size_t i = 0; i < MC_ARRAY_SIZE(cases); i++) {
		char *s = strict_error(cases[i][0], d);

		if (cases[i][1])
			assert_string_equal(s, cases[i][1]);
		else
			assert_null(s);
		free(s);
	}
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

/* Which templates read the given fields, or the data as a whole (ls asks
 * before it contacts the daemons for DockerVersion, Error...). */
static void reads(void **state)
{
	static const char *const daemon[] = { "DockerVersion", "Error", NULL };
	static const struct {
		const char *text;
		bool reads;
	} cases[] = {
		{ "{{.Name}} {{.State}}", false },
		{ "{{.Name}} {{.Error}}", true },
		{ "{{if .Name}}{{else}}{{.DockerVersion}}{{end}}", true },
		{ "{{range $i, $e := .Labels}}{{$e}}{{end}}", false },
		{ "{{json .}}", true },
		{ "{{.}}", true },
		{ "{{$}}", true },
		{ "{{$.Error}}", true },
		{ "{{$.Name}}", false },
		{ "{{with $}}{{.Name}}{{end}}", true },
		{ "{{$r := .}}{{$r.Name}}", true },
		{ "{{printf \"%s\" (.Name)}}", false },
		{ "{{(index . \"x\")}}", true },
		{ "text", false },
	};

	(void)state;
	for (size_t i = 0; i < MC_ARRAY_SIZE(cases); i++) {
		struct mc_template *t;
		struct mc_error err = { 0 };

		assert_int_equal(mc_template_parse(cases[i].text, &t, &err), 0);
		if (mc_template_reads(t, daemon) != cases[i].reads)
			fail_msg("%s: expected %s", cases[i].text, cases[i].reads ? "true" : "false");
		mc_template_free(t);
	}
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

struct want {
	const char *tpl, *want;
};

/* Each template rendered over d gives its want. */
static void check_renders(const struct want *cases, size_t n, const char *d)
{
	for (size_t i = 0; i < n; i++) {
		char *s = render(cases[i].tpl, d);

		if (strcmp(s, cases[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].tpl, s, cases[i].want);
		free(s);
	}
}

/* What docker-machine's and Docker's users write in --format. */
static void control(void **state)
{
	const char *d = "{\"Name\":\"m1\",\"State\":\"Running\",\"N\":3,\"Off\":false,\"E\":\"\","
			"\"L\":[\"a\",\"b\"],\"M\":{\"z\":1,\"a\":2},\"D\":{\"IP\":\"1.2.3.4\"}}";
	static const struct want cases[] = {
		{ "{{if .Off}}on{{else}}off{{end}}", "off" },
		{ "{{if eq .State \"Running\"}}up{{else if eq .State \"Stopped\"}}down{{else}}?{{end}}", "up" },
		{ "{{if ne .State \"Stopped\" \"Error\"}}ok{{end}}", "ok" },
		{ "{{if eq .N 1 2 3}}one of{{end}}", "one of" },
		{ "{{if and .Name (not .Off)}}yes{{end}}", "yes" },
		{ "{{or .E .Missing \"dflt\"}}", "dflt" },
		{ "{{and .Name .N}}", "3" },
		{ "{{range .L}}[{{.}}]{{end}}", "[a][b]" },
		{ "{{range $i, $e := .L}}{{$i}}={{$e}} {{end}}", "0=a 1=b " },
		{ "{{range $k, $v := .M}}{{$k}}:{{$v}},{{end}}", "a:2,z:1," },
		{ "{{range .Missing}}x{{else}}empty{{end}}", "empty" },
		{ "{{with .D}}{{.IP}}{{end}}{{with .Missing}}x{{else}}-{{end}}", "1.2.3.4-" },
		{ "{{len .L}} {{len .Name}} {{len .M}}", "2 2 2" },
		{ "{{index .L 1}} {{index .M \"z\"}}", "b 1" },
		{ "{{json .L}} {{json .Name}}", "[\"a\",\"b\"] \"m1\"" },
		{ "{{upper .Name}} {{.State | lower}} {{title \"hello world\"}}", "M1 running Hello World" },
		{ "{{printf \"%s-%03d|%-5s|%5s|%q|%t|%.2f\" .Name .N \"ab\" \"cd\" \"x\\ny\" true 1.5}}",
		  "m1-003|ab   |   cd|\"x\\ny\"|true|1.50" },
		{ "{{printf \"%d\" .Name}}", "%!d(string=m1)" },
		{ "{{printf \"%s %s\" .Name}}", "m1 %!s(MISSING)" },
		{ "{{join .L \", \"}} {{index (split \"a/b/c\" \"/\") 2}}", "a, b c" },
		{ "{{$x := .Name}}{{$x}}{{$x}}", "m1m1" },
		{ "{{range .L}}{{$.Name}}{{end}}", "m1m1" },
		{ "{{lt .N 5}} {{ge .N 5}} {{gt \"b\" \"a\"}}", "true false true" },
		{ "a  {{- .Name -}}  b", "am1b" },
		{ "{{/* a comment */}}x", "x" },
		{ "{{(index .L 0)}}{{(.D).IP}}", "a1.2.3.4" },
		{ "{{print .N .N \"s\"}}|{{println .Name}}", "3 3s|m1\n" },
		{ "{{`raw \\t`}}", "raw \\t" },
		/* $x = (Go 1.11), break and continue (Go 1.18), slice, html, urlquery */
		{ "{{$first := true}}{{range .L}}{{if not $first}},{{end}}{{$first = false}}{{.}}{{end}}", "a,b" },
		{ "{{$n := 0}}{{range .L}}{{$n = .}}{{end}}{{$n}}", "b" },
		{ "{{range .L}}{{if eq . \"b\"}}{{break}}{{end}}[{{.}}]{{end}}", "[a]" },
		{ "{{range $k, $v := .M}}{{if eq $k \"a\"}}{{continue}}{{end}}{{$k}}{{end}}", "z" },
		{ "{{range .L}}{{range $.L}}{{break}}{{end}}{{.}}{{end}}", "ab" },
		{ "{{slice .Name 1}} {{slice .State 0 3}} {{slice .L 1}} {{len (slice .L 0 0)}}", "1 Run [\"b\"] 0" },
		{ "{{html \"<a href='x'>&\\\"</a>\"}}", "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;" },
		{ "{{urlquery \"a b&c=d/é\"}}", "a+b%26c%3Dd%2F%C3%A9" },
	};

	check_renders(cases, MC_ARRAY_SIZE(cases), d);
}

/* The data of the Go tests below: what Go 1.19's text/template printed over
 * it (map[string]interface{}, integers as int) is each case's want. */
static const char go_data[] = "{\"Name\":\"m1\",\"N\":3,\"F\":1.5,\"B\":true,\"L\":[\"a\",\"b\"],"
			      "\"M\":{\"z\":1,\"a\":2},\"Nil\":null,"
			      "\"D\":{\"k\":[1,2.5,null,{\"x\":\"y\"},[]],\"e\":{},\"n\":null},\"E\":[]}";

/* Constants are Go's: strings with Go's escapes, characters, numbers with
 * exponents; a comment may hold quotes. */
static void go_constants(void **state)
{
	static const struct want cases[] = {
		{ "{{\"\\x41\\101\\u00e9\\U0001F600\"}}|{{\"tab\\there\\\\\"}}|{{`raw\\n`}}",
		  "AAé😀|tab\there\\|raw\\n" },
		{ "{{printf \"%q\" \"\\a\\b\\f\\v\\x01\"}}",
		  "\"\\a\\b\\f\\v\\x01\"" },
		{ "{{'a'}} {{'\\n'}} {{'é'}} {{'\\''}} {{'\"'}} {{'\\x41'}} {{'\\377'}} {{'\\u00e9'}}",
		  "97 10 233 39 34 65 255 233" },
		{ "{{printf \"%c%c\" 'h' '}'}}",
		  "h}" },
		{ "{{/* it's a \"comment\" */}}x{{- /* 'another' */ -}} y",
		  "xy" },
		{ "{{1e-7}} {{-1.5e-3}} {{0x1p-2}} {{1E+3}}",
		  "1e-07 -0.0015 0.25 1000" },
		{ "{{print 3e6 1234567.0 123456.0 0.1 1e21 .F}}",
		  "3e+06 1.234567e+06 123456 0.1 1e+21 1.5" },
	};

	check_renders(cases, MC_ARRAY_SIZE(cases), go_data);
}

/* printf is Go's fmt.Sprintf: '*' widths and precisions, each verb for its
 * kinds of value (else %!verb(type=value)), Go's padding and quoting. */
static void go_printf(void **state)
{
	static const struct want cases[] = {
		{ "{{printf \"%*d|%-*d|%.*f|%*.*f|%*s|\" 4 1 4 2 2 3.14159 7 1 2.5 -3 \"x\"}}",
		  "   1|2   |3.14|    2.5|x  |" },
		{ "{{printf \"%*d|%.*d|%.*d|%*d\" 1.5 2 \"a\" 3 -1 4 5}}",
		  "%!(BADWIDTH)2|%!(BADPREC)3|%!(BADPREC)4|%!d(MISSING)" },
		/* the most negative integer has no absolute value */
		{ "{{printf \"%*d|%*d\" -9223372036854775808 1 9223372036854775807 2}}",
		  "%!(BADWIDTH)1|%!(BADWIDTH)2" },
		{ "{{printf \"%5%|%d %d\" 1}}",
		  "%|1 %!d(MISSING)" },
		{ "{{printf \"%s|%s|%q|%t|%d|%x\" 42 true true \"x\" 1.5 false}}",
		  "%!s(int=42)|%!s(bool=true)|%!q(bool=true)|%!t(string=x)|%!d(float64=1.5)|%!x(bool=false)" },
		{ "{{printf \"%v|%+v|% v|%v|%6.2v|%v|%v\" 42 1.5 2.5 true 3.14159 \"s\" 100000000.0}}",
		  "42|1.5| 2.5|true|   3.1|s|1e+08" },
		{ "{{printf \"%05s|%-05s|%05v|%05q|%05t|%08.3f|\" \"-a\" \"ab\" -42 \"a\" true -3.14159}}",
		  "000-a|ab   |-0042|00\"a\"|0true|-003.142|" },
		{ "{{printf \"%08.3d|%+08d|% 05d|%#08x|%08x|%+x|%#x|%X\" -5 5 5 255 -255 255 0 -9223372036854775808}}",
		  "    -005|+0000005| 0005|0x000000ff|-00000ff|+ff|0x0|-8000000000000000" },
		{ "{{printf \"%x|% X|%#x|% #x|%.1x\" \"hé\" \"hi\" \"hi\" \"hi\" \"hi\"}}",
		  "68c3a9|68 69|0x6869|0x68 0x69|68" },
		{ "{{printf \"%c%c%c|%q|%q|%q|%q\" 72 233 128512 39 10 -1 \"\\a\\x01é'\"}}",
		  "Hé😀|'\\''|'\\n'|'\xef\xbf\xbd'|\"\\a\\x01é'\"" },
		{ "{{printf \"%5.1s|%-5.2s|%.0s|%.1q\" \"héllo\" \"héllo\" \"abc\" \"éa\"}}",
		  "    h|hé   ||\"é\"" },
		{ "{{printf \"%g|%G|%e|%E|%.3g|%F|%v\" 1234.5678 1e-7 1234.5678 1.5 1234.5678 2.5 0.000012}}",
		  "1234.5678|1E-07|1.234568e+03|1.500000E+00|1.23e+03|2.500000|1.2e-05" },
		{ "{{printf \"%d\" 1 nil \"a\"}}",
		  "1%!(EXTRA <nil>, string=a)" },
		/* Not Go, on purpose: Go prints %!f(int=2) %!e(int=3), but
		 * docker-machine's inspect data had float64 numbers only, so its
		 * scripts use %f on what machinectl keeps as integers. */
		{ "{{printf \"%.1f|%e\" 2 3}}", "2.0|3.000000e+00" },
	};

	check_renders(cases, MC_ARRAY_SIZE(cases), go_data);
}

/* printf's argument indexes, as Go's fmt: %[2]d, %[1]*d, %[3]*.[2]*[1]f. */
static void go_printf_indexes(void **state)
{
	static const struct want cases[] = {
		/* an index chooses the operand, for the verb and for '*' */
		{ "{{printf \"%[2]d %[1]d|%[2]x\" 1 2}}",
		  "2 1|2" },
		{ "{{printf \"%[2]*[1]d|%[3]*.[2]*[1]f|%[2]*d\" 12.0 2 6}}",
		  "%!d(float64=12)| 12.00| 6" },
		{ "{{printf \"%[2]*[1]d|%[1]*.[2]*[3]f|%.[1]*[3]f|%[3]*d\" 6 2 12.0}}",
		  " 6| 12.00|12.000000|%!(BADWIDTH)%!d(MISSING)" },
		{ "{{printf \"%d %d %d %#[1]o %#o %#o %#o\" 11 12 13}}",
		  "11 12 13 013 014 015 %!o(MISSING)" },
		/* a bad index is %!d(BADINDEX) and does not move on; an index then a width is bad too */
		{ "{{printf \"%[5]d %[2]d %d|%[0]d|%[x]d|%[]d|%[-3]d|%[12345678901]d\" 1 2 3}}",
		  "%!d(BADINDEX) 2 3|%!d(BADINDEX)|%!d(BADINDEX)|%!d(BADINDEX)|%!d(BADINDEX)|%!d(BADINDEX)" },
		{ "{{printf \"%d %[3]d %d\" 1 2}}",
		  "1 %!d(BADINDEX) 2" },
		{ "{{printf \"%[1]2d|%[1].2d|%3.[2]d|%.[2]d|%[d\" 7}}",
		  "%!d(BADINDEX)|%!d(BADINDEX)|%!d(BADINDEX)|%!d(BADINDEX)|%!d(BADINDEX)" },
		/* after an index, no %!(EXTRA ...), as Go */
		{ "{{printf \"%[1]d\" 1 2}}",
		  "1" },
		{ "{{printf \"%[1]d %d %d\" 1}}",
		  "1 %!d(MISSING) %!d(MISSING)" },
		{ "{{printf \"%[1]*d\" \"x\" 5}}",
		  "%!(BADWIDTH)5" },
		{ "{{printf \"%[1]v %[1]T %[1]#v %[1]5.1s|%[1]%\" .Name}}",
		  "m1 string %!#(string=m1)v %!s(BADINDEX)|%" },
		/* the format ends: %!(NOVERB); a verb is any character */
		{ "{{printf \"%[3]\" 2 1}}",
		  "%!(NOVERB)" },
		{ "{{printf \"%.[]\" }}",
		  "%!](BADINDEX)" },
		{ "{{printf \"%]d\" 2 1}}",
		  "%!](int=2)d%!(EXTRA int=1)" },
		{ "{{printf \"%.-3d\" 42}}",
		  "%!-(int=42)3d" },
		{ "{{printf \"%2147483648d\" 42}}",
		  "%!(NOVERB)%!(EXTRA int=42)" },
		{ "{{printf \"%.|%5.|%[2]\\u00e9|%[5]\\u00e9\" 1 2}}",
		  "%!|(int=1)%!|(int=    2)%!é(int=2)|%!é(BADINDEX)" },
	};

	check_renders(cases, MC_ARRAY_SIZE(cases), go_data);
}

/* printf's %b %o %O %U %T and %#v, as Go's fmt. */
static void go_printf_verbs(void **state)
{
	static const struct want cases[] = {
		/* %b %o %O of integers: '#' adds 0b or 0, %O always 0o */
		{ "{{printf \"%b|%b|%#b|%08b|%-8b|%+b|% b|%.5b|%#.0b\" 5 -5 5 5 5 5 5 5 0}}",
		  "101|-101|0b101|00000101|101     |+101| 101|00101|" },
		{ "{{printf \"%o|%#o|%#o|%O|%O|%#O|%08O|%+O|%.4o|%#.4o|%#o\" 8 8 0 8 -8 8 8 8 8 8 -8}}",
		  "10|010|0|0o10|-0o10|0o010|0o00000010|+0o10|0010|0010|-010" },
		{ "{{printf \"%.0d|%5.0d|%+.0d|%-3.0x|%.0o|%#.0o|%#.0x|%x|%#o\" 0 0 0 0 0 0 0 -9223372036854775808 -9223372036854775808}}",
		  "|     ||   ||||-8000000000000000|-01000000000000000000000" },
		/* %b of a float: the mantissa and the power of two */
		{ "{{printf \"%b|%b|%b|%b|%b|%b|%b\" 1.0 0.0 -2.5 1e300 5e-324 0.1 .F}}",
		  "4503599627370496p-52|0p-1074|-5629499534213120p-51|6724873095247260p+944|1p-1074|7205759403792794p-56|6755399441055744p-52" },
		{ "{{printf \"%25b|%-25b|%025b|%+b|% b|%+025b|%.3b|%#b\" 1.0 1.0 1.0 1.0 1.0 -1.0 1.0 1.0}}",
		  "     4503599627370496p-52|4503599627370496p-52     |000004503599627370496p-52|+4503599627370496p-52| 4503599627370496p-52|-00004503599627370496p-52|4503599627370496p-52|4503599627370496p-52" },
		{ "{{printf \"%b|%o|%O|%U\" \"s\" true 1.5 1.5}}",
		  "%!b(string=s)|%!o(bool=true)|%!O(float64=1.5)|%!U(float64=1.5)" },
		/* %U; %#U adds the character when it prints */
		{ "{{printf \"%U|%#U|%#U|%#U|%#U|%#U|%U|%.8U|%#.8U|%10U|%-10U|%010U|%#14U\" 65 65 10 133 57344 128512 -1 65 65 65 65 65 233}}",
		  "U+0041|U+0041 'A'|U+000A|U+0085|U+E000|U+1F600 '😀'|U+FFFFFFFFFFFFFFFF|U+00000041|U+00000041 'A'|    U+0041|U+0041    |    U+0041|    U+00E9 'é'" },
		{ "{{printf \"%#U|%#U|%#U|%#U|%#U|%#U\" 55296 1114109 1114112 173 917505 65533}}",
		  "U+D800|U+10FFFD|U+110000|U+00AD|U+E0001|U+FFFD '�'" },
		/* %T: the type of the value as Go decodes JSON (integers int) */
		{ "{{printf \"%T|%T|%T|%T|%T|%T|%T|%T|%T\" .Name .N .F .B .L .M .Nil .Missing 'a'}}",
		  "string|int|float64|bool|[]interface {}|map[string]interface {}|<nil>|<nil>|int" },
		{ "{{printf \"%10T|%-10T|%.3T|%010T|%.2T|%8T|%T %T\" .N .B .Name .F .Nil .Nil nil 1}}",
		  "       int|bool      |str|000float64|<nil>|   <nil>|<nil> int" },
		/* %#v: Go syntax; an object and an array pad each element, as Go */
		{ "{{printf \"%#v|%#v|%#v|%#v|%#v|%#v|%#v|%#v\" .Name .N .F .B .L .M .Nil .Missing}}",
		  "\"m1\"|3|1.5|true|[]interface {}{\"a\", \"b\"}|map[string]interface {}{\"a\":2, \"z\":1}|<nil>|<nil>" },
		{ "{{printf \"%#v|%#v|%#v|%#v|%#v|%#v\" \"q\\\"\\\\\\n\\t\\x01\" -3 1e21 100000.0 'x' \"\"}}",
		  "\"q\\\"\\\\\\n\\t\\x01\"|-3|1e+21|100000|120|\"\"" },
		{ "{{printf \"%#8v|%#-8v|%#08v|%#+v|%# v|%#.2v|%#d|%#s|%#5t\" .Name .N .N .N .N .Name .N .Name .B}}",
		  "    \"m1\"|3       |00000003|3| 3|\"m1\"|3|m1| true" },
		{ "{{printf \"%#v|%#v|%#5v|%#-3v\" .D .E .L .M}}",
		  "map[string]interface {}{\"e\":map[string]interface {}{}, \"k\":[]interface {}{1, 2.5, interface {}(nil), map[string]interface {}{\"x\":\"y\"}, []interface {}{}}, \"n\":interface {}(nil)}|[]interface {}{}|[]interface {}{  \"a\",   \"b\"}|map[string]interface {}{\"a\":2  , \"z\":1  }" },
		{ "{{printf \"%+v|%+#v|%#+v|%+d\" .N .F .Name .N}}",
		  "3|1.5|\"m1\"|+3" },
		/* a verb that does not fit prints %v with its flags; %q and %#v escape what does not print */
		{ "{{printf \"%5d|%+s|%#s|%-5x|%05t|%.1d|%z|%\\u00e9\" \"ab\" 1.5 42 true 1 \"abc\" nil 2}}",
		  "%!d(string=   ab)|%!s(float64=+1.5)|%!s(int=42)|%!x(bool=true )|%!t(int=00001)|%!d(string=a)|%!z(<nil>)|%!é(int=2)" },
		{ "{{printf \"%q|%q|%#v|%c|%q\" \"\\u0085\\u200b\\ufeff\\U000e0041a\" 173 \"\\u00a0\" 55296 1114112}}",
		  "\"\\u0085\\u200b\\ufeff\\U000e0041a\"|'\\u00ad'|\"\\u00a0\"|�|'�'" },
	};

	check_renders(cases, MC_ARRAY_SIZE(cases), go_data);
}

/* A null or missing value prints as Go prints a nil interface: <no value>
 * from an action, <nil> from print and printf, "<no value>" to html. */
static void go_nil(void **state)
{
	static const struct want cases[] = {
		{ "{{print nil}}|{{printf \"%v|%s|%d\" nil nil nil}}|{{println nil 1}}",
		  "<nil>|<nil>|%!s(<nil>)|%!d(<nil>)|<nil> 1\n" },
		{ "{{.Nil}}|{{.Missing}}|{{index .M \"q\"}}|{{and 1 nil}}|{{print .Nil .Missing}}|{{printf \"%v\" .Missing}}",
		  "<no value>|<no value>|<no value>|<no value>|<nil> <nil>|<nil>" },
		{ "{{html nil}}|{{urlquery \"a\" nil}}|{{html 1 nil 2}}|{{print \"a\" nil \"b\" 1 nil}}",
		  "&lt;no value&gt;|a%3Cno+value%3E|1&lt;no value&gt;2|a<nil>b1 <nil>" },
	};

	check_renders(cases, MC_ARRAY_SIZE(cases), go_data);
}

/* What is not supported is a usage error that names it; so is a misuse at run time. */
static void unsupported(void **state)
{
	static const struct {
		const char *tpl, *says;
	} cases[] = {
		{ "{{define \"x\"}}{{end}}", "{{define}} is not supported" },
		{ "{{template \"x\"}}", "{{template}} is not supported" },
		{ "{{block \"x\" .}}{{end}}", "{{block}} is not supported" },
		{ "{{break}}", "{{break}} outside a {{range}}" },
		{ "{{range .L}}{{else}}{{continue}}{{end}}", "{{continue}} outside a {{range}}" },
		{ "{{range .L}}{{break 1}}{{end}}", "unexpected words after {{break}}" },
		{ "{{truncate .Name 3}}", "function \"truncate\" is not supported (the functions are and, or," },
		{ "{{js .Name}}", "function \"js\" is not supported" },
		{ "{{range .Name}}x{{end}}", "{{range}} cannot go over a string" },
		{ "{{slice .Name 3}}", "slice index out of range: 3" },
		{ "{{slice .Name \"a\"}}", "slice takes numbers as indexes" },
		{ "{{range $x = .L}}{{end}}", "declares its variables with :=" },
		{ "{{$a, $b = 1}}", "only one variable can be assigned" },
		{ "{{if .A}}x", "{{if}} without {{end}}" },
		{ "{{end}}", "unexpected {{end}}" },
		{ "{{else}}", "unexpected {{else}}" },
		{ "{{$x = 1}}", "undefined variable $x (declare it with := first)" },
		{ "{{if true}}{{$x := 1}}{{end}}{{$x = 2}}", "undefined variable $x" },
		{ "{{$nope}}", "" },
		{ "{{(.A}}", "unclosed '('" },
		{ "{{\"abc}}", "unclosed action" },
		{ "{{.A .B}}", "only a function can be given arguments" },
		{ "{{.Name | .State}}", "" },
		/* Go refuses these constants too */
		{ "{{\"\\'\"}}", "bad escape in \"\"\\'\"\" (Go's escapes: \\a \\b" },
		{ "{{'\\\"'}}", "bad escape" },
		{ "{{\"\\0\"}}", "bad escape" },
		{ "{{\"\\400\"}}", "bad escape" },
		{ "{{\"\\ud800\"}}", "bad escape" },
		{ "{{\"\\U00110000\"}}", "bad escape" },
		{ "{{\"\\x4\"}}", "bad escape" },
		{ "{{\"\\q\"}}", "bad escape" },
		{ "{{'ab'}}", "bad character constant in \"'ab'\" (one character between single quotes" },
		{ "{{''}}", "bad character constant" },
		{ "{{\"a\nb\"}}", "unterminated string" },
		{ "{{\"\\000\"}}", "a NUL character in a string" },   /* Go: a NUL byte */
		{ "{{nil}}", "nil is not a command" },
		{ "{{nil | print}}", "nil is not a command" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mc_template *t = NULL;
		struct mc_error err = { 0 };
		char *out = NULL;
		int r = mc_template_parse(cases[i].tpl, &t, &err);

		if (r == 0) {
			json_t *d = json_pack("{s:s}", "Name", "x");

			r = mc_template_render(t, d, &out, &err);
			json_decref(d);
			mc_template_free(t);
		}
		if (r != -1 || err.code != MC_E_USAGE || !strstr(err.msg, cases[i].says))
			fail_msg("%s: r=%d msg \"%s\", want \"%s\"", cases[i].tpl, r, err.msg, cases[i].says);
		free(out);
	}
	/* At run time: index out of range, a function given the wrong kind. */
	{
		struct mc_template *t;
		struct mc_error err = { 0 };
		json_t *d = json_pack("{s:[s]}", "L", "a");
		char *out = NULL;

		assert_int_equal(mc_template_parse("{{index .L 5}}", &t, &err), 0);
		assert_int_equal(mc_template_render(t, d, &out, &err), -1);
		assert_non_null(strstr(err.msg, "index out of range: 5"));
		assert_null(out);
		mc_template_free(t);
		json_decref(d);
	}
}

/* s repeated n times between head and tail (malloc'd). */
static char *repeat(const char *head, const char *s, size_t n, const char *tail)
{
	size_t hl = strlen(head), sl = strlen(s), tl = strlen(tail);
	char *out = mc_malloc(hl + sl * n + tl + 1), *w = out;

	memcpy(w, head, hl);
	w += hl;
	for (size_t i = 0; i < n; i++, w += sl)
		memcpy(w, s, sl);
	memcpy(w, tail, tl + 1);
	return out;
}

/* The usage error parsing tpl gives, which must contain says. */
static void parse_fails(const char *tpl, const char *says)
{
	struct mc_template *t = NULL;
	struct mc_error err = { 0 };

	assert_int_equal(mc_template_parse(tpl, &t, &err), -1);
	assert_null(t);
	assert_int_equal(err.code, MC_E_USAGE);
	if (!strstr(err.msg, says))
		fail_msg("\"%.40s...\": msg \"%s\", want \"%s\"", tpl, err.msg, says);
	mc_error_clear(&err);
}

/* The parser and the evaluator recurse on the tree: nesting has a limit,
 * a usage error, not a stack overflow (50000 parentheses overflowed it). */
static void nesting_limits(void **state)
{
	char *tpl, *parens, *closes, *out;

	/* 100 levels of each work; one more is the usage error. */
	parens = repeat("", "(", 100, "");
	closes = repeat("", ")", 100, "");
	tpl = mc_asprintf("{{len %s.L%s}}", parens, closes);
	out = render(tpl, "{\"L\":[1,2]}");
	assert_string_equal(out, "2");
	free(out);
	free(tpl);
	tpl = mc_asprintf("{{len (%s.L%s)}}", parens, closes);
	parse_fails(tpl, "parentheses nested too deep (more than 100)");
	free(tpl);
	free(parens);
	free(closes);
	tpl = repeat("", "{{with .}}", 100, "x");
	parens = repeat(tpl, "{{end}}", 100, "");
	out = render(parens, "1");
	assert_string_equal(out, "x");
	free(out);
	free(parens);
	free(tpl);
	tpl = repeat("{{if 0}}", "{{else if 0}}", 99, "{{else}}z{{end}}");
	out = render(tpl, "1");
	assert_string_equal(out, "z");
	free(out);
	free(tpl);
	tpl = repeat("{{range .}}", "{{if 1}}", 100, "");
	parse_fails(tpl, "{{if}}, {{range}} and {{with}} nested too deep (more than 100");
	free(tpl);

	/* Far deeper, as a probe wrote them: each path of the recursion. */
	parens = repeat("{{", "(", 50000, "");
	tpl = repeat(parens, ")", 50000, "}}");
	parse_fails(tpl, "parentheses nested too deep");
	free(tpl);
	free(parens);
	tpl = repeat("{{if 1}}{{len ", "(", 50000, "}}{{end}}");
	parse_fails(tpl, "parentheses nested too deep");
	free(tpl);
	tpl = repeat("{{", "(1|print ", 50000, "}}");
	parse_fails(tpl, "parentheses nested too deep");
	free(tpl);
	tpl = repeat("", "{{if 1}}", 50000, "");
	parse_fails(tpl, "nested too deep");
	free(tpl);
	tpl = repeat("{{if 0}}", "{{else if 0}}", 50000, "{{end}}");
	parse_fails(tpl, "nested too deep");
	free(tpl);
}

/* A template is at most what a command line holds (some 100 KB): each
 * part that grew one element at a time (the pieces of text and actions,
 * a list of nodes, a command's arguments, a pipeline, a chain of fields,
 * the strings of an action, the variables) costs linear time; this ran
 * for minutes under ASan before. */
static void large_templates(void **state)
{
	static const struct {
		const char *head, *s, *tail;
		size_t n;
		size_t out_len;
	} cases[] = {
		{ "", "{{if 1}}x{{end}}", "", 7000, 7000 },
		{ "{{print ", "\"ab\" ", "}}", 20000, 20000 * 2 },   /* no spaces between strings */
		{ "{{print ", "1 ", "}}", 50000, 50000 * 2 - 1 },
		{ "{{1", "|print", "}}", 16000, 1 },
		{ "{{.", "A.", "A}}", 50000, strlen("<no value>") },
		{ "{{$x := 1}}", "{{$x = 2}}", "{{$x}}", 10000, 1 },
		{ "", "{{range $i, $e := .}}{{$i}}{{end}}", "", 4000, 4000 * 2 },
		{ "", "{{/* a comment */}}", "", 5000, 0 },
		{ "", "a\\tb", "", 25000, 25000 * 3 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *tpl = repeat(cases[i].head, cases[i].s, cases[i].n, cases[i].tail);
		char *out = render(tpl, "[7,8]");

		if (strlen(out) != cases[i].out_len)
			fail_msg("%s%s...: %zu bytes out, want %zu", cases[i].head, cases[i].s, strlen(out),
				 cases[i].out_len);
		free(out);
		free(tpl);
	}
	/* Thousands of variables, and looking up the first one declared. */
	{
		size_t n = 5000, len = 0;
		char *tpl = mc_calloc(n * 32 + 1, 1), *out;

		for (size_t i = 0; i < n; i++)
			len += (size_t)sprintf(tpl + len, "{{$v%zu := %zu}}", i, i);
		for (size_t i = 0; i < n; i++)
			len += (size_t)sprintf(tpl + len, "{{$v0}}");
		out = render(tpl, "{}");
		assert_int_equal(strlen(out), n);
		free(out);
		free(tpl);
	}
	/* The heading of an ls table: a long chain of fields. */
	{
		struct mc_template *t;
		struct mc_error err = { 0 };
		char *tpl = repeat("{{.", "A.", 50000, "A}}"), *s;

		assert_int_equal(mc_template_parse(tpl, &t, &err), 0);
		s = mc_template_render_header(t, up);
		assert_string_equal(s, "OTHER");
		free(s);
		mc_template_free(t);
		free(tpl);
	}
}

static json_t *twice(json_t *const *a, size_t n, struct mc_error *err)
{
	const char *s = n == 1 ? json_string_value(a[0]) : NULL;
	json_t *r;
	char *t;

	if (!s) {
		mc_error_set(err, MC_E_USAGE, "twice takes a string");
		return NULL;
	}
	t = mc_asprintf("%s%s", s, s);
	r = json_string(t);
	free(t);
	return r;
}

/* Functions the caller adds; without MC_TEMPLATE_ESCAPES \t stays as typed. */
static void caller_functions(void **state)
{
	static const struct mc_template_func funcs[] = { { "twice", twice }, { NULL } };
	struct mc_template *t;
	struct mc_error err = { 0 };
	json_t *d = json_pack("{s:s}", "Name", "ab");
	char *out = NULL;

	assert_int_equal(mc_template_parse_with("{{twice .Name}}\\t{{.Name | twice}}", 0, funcs, &t, &err), 0);
	assert_int_equal(mc_template_render(t, d, &out, &err), 0);
	assert_string_equal(out, "abab\\tabab");
	free(out);
	mc_template_free(t);
	assert_int_equal(mc_template_parse("{{twice .Name}}", &t, &err), -1);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields),
		cmocka_unit_test(header_names),
		cmocka_unit_test(reads),
		cmocka_unit_test(strict_fields),
		cmocka_unit_test(errors),
		cmocka_unit_test(control),
		cmocka_unit_test(go_constants),
		cmocka_unit_test(go_printf),
		cmocka_unit_test(go_printf_indexes),
		cmocka_unit_test(go_printf_verbs),
		cmocka_unit_test(go_nil),
		cmocka_unit_test(unsupported),
		cmocka_unit_test(caller_functions),
		cmocka_unit_test(nesting_limits),
		cmocka_unit_test(large_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
