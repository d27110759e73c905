#!/bin/bash
# --format as docker-machine's users wrote it, for ls, inspect and status: Go
# text/template's if/else/range/with, comparisons, len/index/slice, json,
# upper/lower, printf, variables set with =, break/continue; status --format
# json; an unsupported construct or a misuse found while rendering is a usage
# error (exit 2) that names it, and nothing half-rendered is printed.
. "${MC_SRCDIR:-$(dirname "$0")/../..}/tests/lib/cli-lib.sh"

mc create -d test --engine-label env=prod --engine-label tier=web m1 >/dev/null
mc create -d test m2 >/dev/null
mc create -d none --url tcp://127.0.0.1:9 web >/dev/null
mc stop m2 >/dev/null

# ls: one line per machine.
run mc ls --format '{{.Name}}:{{if eq .State "Running"}}up{{else if eq .State "Stopped"}}down{{else}}?{{end}}'
expect_rc 0 "ls --format with if / else if / else"
check "each row takes its branch" test "$OUT" = $'m1:up\nm2:down\nweb:up'
run mc ls --format '{{if and (ne .DriverName "none") (not (eq .State "Stopped"))}}{{upper .Name}}{{else}}{{lower .DriverName}}{{end}}'
check "and / ne / not / eq / upper / lower" test "$OUT" = $'M1\ntest\nnone'
run mc ls --format '{{printf "%-4s|%3d|%q" .Name (len .Name) .State}}'
check "printf with width, len, %q" test "$OUT" = $'m1  |  2|"Running"\nm2  |  2|"Stopped"\nweb |  3|"Running"'
run mc ls --format '{{json .}}' --filter name=^web$
check "json . prints the row as JSON" python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["Name"]=="web" and d["URL"]=="tcp://127.0.0.1:9"' <<<"$OUT"
run mc ls --format '{{with .URL}}{{.}}{{else}}no url{{end}}' --filter name=^web$
check "with / else" test "$OUT" = "tcp://127.0.0.1:9"
run mc ls --format '{{$i := 0}}{{range $c := split .Name ""}}{{$i = $c}}{{end}}{{$i}} {{slice .Name 0 1}} {{index (split .URL ":") 0}}' --filter name=^web$
check "range, variables set with =, slice, index, split" test "$OUT" = "b w tcp"
run mc ls --format '{{range split .Name ""}}{{if eq . "e"}}{{break}}{{end}}{{.}}{{end}}|{{range split .Name ""}}{{if eq . "e"}}{{continue}}{{end}}{{.}}{{end}}' --filter name=^web$
check "break and continue inside range" test "$OUT" = "w|wb"
run mc ls --format 'table {{.Name}}\t{{if eq .State "Stopped"}}off{{else}}{{.DriverName}}{{end}}\t{{.State}}'
check "table with a conditional column" test "$OUT" = $'NAME   DRIVER   STATE\nm1     test     Running\nm2     off      Stopped\nweb    none     Running'

# inspect: the machine's config.json.
run mc inspect --format '{{range $i, $l := .HostOptions.EngineOptions.Labels}}{{if $i}},{{end}}{{$l}}{{end}}' m1
expect_rc 0 "inspect --format with range over labels"
check "labels joined by a range" test "$OUT" = "env=prod,tier=web"
run mc inspect --format '{{len .HostOptions.EngineOptions.Labels}} {{index .HostOptions.EngineOptions.Labels 1}} {{json .HostOptions.EngineOptions.Labels}}' m1
check "len / index / json on an array" test "$OUT" = '2 tier=web ["env=prod","tier=web"]'
run mc inspect --format '{{.DriverName}}{{with .Driver.URL}} {{.}}{{end}}' web
check "with over a field" test "$OUT" = "none tcp://127.0.0.1:9"
# Go's constants, printf and nil: a '*' width, Go's string escapes, a null
# field (docker-machine's nil Dns list) prints <no value>, and <nil> to print.
run mc inspect --format '{{printf "%-*s|%.*f|%c" 6 .Name 1 2.25 233}}|{{"\x41\101\u00e9"}}|{{.HostOptions.EngineOptions.Dns}}|{{print .HostOptions.EngineOptions.Dns}}' web
check "inspect: printf '*', string escapes and a null field as Go prints them" \
	test "$RC:$OUT" = "0:web   |2.2|é|AAé|<no value>|<nil>"
# printf's argument indexes; %T and %#v name the types of the record as Go
# decodes JSON, integers as int.
run mc inspect --format '{{printf "%[2]s %[1]s|%T %T %T|%#v|%#v|%#U" .Name .DriverName .Driver.SSHPort .HostOptions.EngineOptions.Labels .HostOptions.EngineOptions.Labels .HostOptions.EngineOptions.Dns 233}}' m1
check "inspect: printf's %[n], %T, %#v and %#U as Go's" \
	test "$RC:$OUT" = "0:test m1|string int []interface {}|[]interface {}{\"env=prod\", \"tier=web\"}|<nil>|U+00E9 'é'"
run mc ls --format '{{nil}}' --filter name=^web$
expect_rc 2 "ls: nil as a command is a usage error"
expect_err "nil is not a command" "it says what nil can be"

# status --format.
run mc status --format json m2
expect_rc 0 "status --format json"
check "status json has Name, DriverName and State" python3 -c 'import json,sys; assert json.load(sys.stdin)=={"Name":"m2","DriverName":"test","State":"Stopped"}' <<<"$OUT"
run mc status -f '{{.Name}} is {{.State | lower}}' m1
check "status -f TEMPLATE" test "$OUT" = "m1 is running"
run mc status m1
check "status without --format prints the state alone" test "$OUT" = "Running"

# What is not supported, or goes wrong while rendering: exit 2, named, no output.
for verb in "ls" "inspect m1" "status m1"; do
	# shellcheck disable=SC2086
	run mc $verb --format '{{template "x"}}'
	expect_rc 2 "$verb: {{template}} is a usage error"
	expect_err "{{template}} is not supported" "$verb: the error names {{template}}"
	# shellcheck disable=SC2086
	run mc $verb --format '{{js .Name}}'
	expect_rc 2 "$verb: an unknown function is a usage error"
	expect_err 'function "js" is not supported (the functions are and, or, not,' "$verb: it names the function and lists those there are"
	# shellcheck disable=SC2086
	run mc $verb --format 'x{{range .Name}}{{.}}{{end}}'
	expect_rc 2 "$verb: range over a string fails while rendering"
	expect_err "{{range}} cannot go over a string" "$verb: it says why"
	check "$verb: nothing was printed" test -z "$OUT"
done
run mc ls --format '{{.Name}}{{if eq .Name "web"}}{{index .Name 10}}{{end}}'
expect_rc 2 "ls: a row that fails to render fails the listing"
check "ls prints no partial table" test -z "$OUT"
# ls rows and status are Go structs to docker-machine: a field that is not
# there (a typo) is an error that lists the fields, not "<no value>".
run mc ls --format '{{.Name}} {{.name}}'
expect_rc 2 "ls: a field that is not there is a usage error"
expect_err "there is no field .name: use .Name, .Active, .ActiveHost" "ls: it lists the fields there are"
check "ls: nothing was printed" test -z "$OUT"
run mc status -f '{{.Nam}}' m1
expect_rc 2 "status: a field that is not there is a usage error"
expect_err "there is no field .Nam: use .Name, .DriverName and .State" "status: it lists the three fields"
run mc ls --format 'table {{.Name}}\t{{.Autostart}}' --filter name=^web$
check "ls: the table header of Autostart" test "$OUT" = $'NAME   AUTOSTART\nweb    off'
run mc ls --format '{{.Name.First}}' --filter name=^web$
expect_err "there is no field .First in a string" "ls: a field of a string is named as such"
run mc inspect --format '{{.Driver.NotThere}}|{{.DriverName}}' web
check "inspect: a record's missing field still prints <no value> (fields come and go by driver)" \
	test "$RC:$OUT" = "0:<no value>|none"
run mc ls --format '{{break}}'
expect_rc 2 "break outside a range"
expect_err "{{break}} outside a {{range}}" "it says where break belongs"
run mc ls --format '{{$x = 1}}'
expect_rc 2 "assigning an undeclared variable"
expect_err 'undefined variable $x (declare it with := first)' "it says to declare it"
run mc status --format '{{.Name' m1
expect_rc 2 "status: an unclosed action"
# Limits: a template is what a command line holds.  Parentheses and
# {{if}}/{{range}}/{{with}} nest at most 100 deep (the parser and the
# evaluator recurse): deeper is a usage error, not a stack overflow.
rep() { local i out=; for ((i = 0; i < $2; i++)); do out+=$1; done; printf '%s' "$out"; }
run mc inspect -f "{{len $(rep '(' 100).Name$(rep ')' 100)}}" web
check "inspect: 100 levels of parentheses work" test "$RC:$OUT" = "0:3"
run mc inspect -f "{{$(rep '(' 50000)1$(rep ')' 50000)}}" web
expect_rc 2 "inspect: 50000 levels of parentheses (once a stack overflow) are a usage error"
expect_err "parentheses nested too deep (more than 100)" "it says what is nested too deep"
expect_one_line_err "and nothing else (no crash report)"
run mc ls -f "$(rep '{{if 1}}' 7000)x$(rep '{{end}}' 7000)"
expect_rc 2 "ls: 7000 nested {{if}} are a usage error"
expect_err "{{if}}, {{range}} and {{with}} nested too deep (more than 100" "it names the limit"
# ... while a long flat template (~100 KB, about what one argument holds) runs:
# parsing and rendering take time linear in its length (minutes before, under ASan).
run mc inspect -f "$(rep '{{if .Name}}x{{end}}' 5000)" web
check "inspect: 5000 {{if}} blocks, one after another" test "$RC:${#OUT}" = "0:5000"
run mc ls -f "table $(rep '{{.Name}}\t' 5000)" --filter name=^web$
check "ls: a table of 5000 columns has its heading and its row" \
	test "$RC:$(grep -o NAME <<<"$OUT" | wc -l):$(grep -o web <<<"$OUT" | wc -l)" = "0:5000:5000"
check "ls: each column is aligned" test "$(head -c 14 <<<"$OUT")" = "NAME   NAME   "
run mc ls -f "table {{.Name}}$(rep $'\t' 50000)|" --filter name=^web$
check "ls: a table of 50000 columns, most empty (5 wide)" \
	test "$RC:$(tail -n 1 <<<"$OUT")" = "0:web    $(printf '%*s' $((49999 * 5)) '')|"
run mc status --format json nosuch
expect_rc 1 "status of an unknown machine still fails as before"
expect_err 'machine "nosuch" does not exist' "and says which machine"

# %x of a float (strconv's hex format), %+q (ASCII only), %#q (backquoted
# when Go can) and %q of 0, as Go 1.19's fmt prints them.
run mc inspect --format '{{printf "%[1]x|%#[1]x|%.0[1]X|%+08.2[1]x|% [1]x" 1.5}};{{printf "%[1]x|%#[1]x|%+08.2[1]x" 0.1}};{{printf "%[1]x|%#[1]x|%.0[1]X" -2.5}};{{printf "%[1]x|%.0[1]X" 1e-320}}' m1
expect_rc 0 "inspect: printf %x of floats"
check "%x and %X of floats as Go's (normalised, rounded, '#', signs, zeros)" test "$OUT" = \
	'0x1.8p+00|0x1.8000p+00|0X1P+01|+0x1.80p+00| 0x1.8p+00;0x1.999999999999ap-04|0x1.999999999999ap-04|+0x1.9ap-04;-0x1.4p+01|-0x1.4000p+01|-0X1P+01;0x1.fap-1064|0X1P-1063'
run mc inspect --format '{{printf "%[1]g|%#[1]g|%#10[1]g|%#+08[1]g" 1.5}};{{printf "%#[1]g|%#[1]G" 0.0}};{{printf "%#g" 1e6}};{{printf "%#v" -2.5}}' m1
check "%#g fills Go's shortest form up to 6 digits" test "$OUT" = '1.5|1.50000|   1.50000|+1.50000;0.00000|0.00000;1.00000e+06;-2.5'
run mc inspect --format '{{printf "%[1]q|%+[1]q|%#[1]q|%#+[1]q" "é`☺"}};{{printf "%[1]q|%+[1]q|%#[1]q|%#+[1]q" "é☺"}};{{printf "%[1]q|%+[1]q|%#[1]q" 233}};{{printf "%q" 0}}' m1
expect_rc 0 "inspect: printf %+q and %#q"
check "%+q escapes past ASCII, %#q backquotes unless it cannot, %q of 0 is '\\x00'" test "$OUT" = \
	"\"é\`☺\"|\"\\u00e9\`\\u263a\"|\"é\`☺\"|\"\\u00e9\`\\u263a\";\"é☺\"|\"\\u00e9\\u263a\"|\`é☺\`|\`é☺\`;'é'|'\\u00e9'|'é';'\\x00'"

done_testing
