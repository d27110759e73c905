/*
 * Go text/template, the part that docker-machine's and Docker's users write
 * in --format (ls, inspect, status) and that the man pages and completions
 * are generated from (doc/gen/):
 *
 *   text   {{/-* a comment *-/}} (without the dashes)   {{- and -}} trim spaces
 *   {{.}} {{.A.B}} {{$}} {{$x.A}} "str" `raw` 'c' 12 1.5 true false nil
 *   (constants as Go writes them: "\x41\u00e9\101", 'c' is a number, 1e-7)
 *   {{if P}} {{else if P}} {{else}} {{end}}     {{with P}} {{else}} {{end}}
 *   {{range P}} {{else}} {{end}}   {{range $i, $e := P}}   {{break}} {{continue}}
 *   {{$x := P}}   {{$x = P}} (sets $x, declared before)
 *   pipelines (P | f) and calls (f a b, (f a) b)
 *   functions: and or not eq ne lt le gt ge len index slice printf print
 *              println html urlquery, Docker's json prettyjson upper lower
 *              title join split, and the caller's own (struct mc_template_func)
 *
 * Data is JSON (jansson); a missing field prints "<no value>" (an error with
 * MC_TEMPLATE_STRICT_FIELDS), and so does null ("<nil>" to print and printf,
 * as Go's nil); a JSON object or array prints as compact JSON.
 * Anything else ({{define}}, {{template}}, {{block}}, an unknown function
 * such as js or call) is a usage error that names it; so is a misuse found
 * while rendering (range over a string, an index out of range).
 */
#ifndef MC_TEMPLATE_H
#define MC_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>

#include "error.h"

struct mc_template;

/* A function the caller adds: returns a new reference, or NULL with err set. */
struct mc_template_func {
	const char *name;
	json_t *(*fn)(json_t *const *args, size_t n, struct mc_error *err);
};

enum {
	/* \t and \n in the literal text are a tab and a newline (as typed on a
	 * shell command line, where the format is one argument). */
	MC_TEMPLATE_ESCAPES = 1u << 0,
	/* The data's objects are Go structs (an ls row): a field that is not
	 * there is an error naming the fields that are, as Go says "can't
	 * evaluate field", not "<no value>" (which hides a typo). */
	MC_TEMPLATE_STRICT_FIELDS = 1u << 1,
};

int mc_template_parse(const char *text, struct mc_template **out, struct mc_error *err);
/* With flags and extra functions (funcs: NULL-name-terminated, may be NULL). */
int mc_template_parse_with(const char *text, unsigned flags, const struct mc_template_func *funcs,
			   struct mc_template **out, struct mc_error *err);
void mc_template_free(struct mc_template *t);
/* Whether rendering may read one of fields (NULL-terminated; top-level
 * fields of the data) or the data as a whole ({{.}}, {{json .}}, {{$}}):
 * true when in doubt. */
bool mc_template_reads(const struct mc_template *t, const char *const *fields);
/* Render against data; *out malloc'd.  Errors (a function refusing its
 * arguments, index out of range) are MC_E_USAGE. */
int mc_template_render(const struct mc_template *t, json_t *data, char **out, struct mc_error *err);
/* Render with each field {{.Field}} replaced by header(Field) (the heading
 * of an ls table). */
char *mc_template_render_header(const struct mc_template *t, const char *(*header)(const char *field));

#endif
