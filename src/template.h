/* A small subset of Go templates, for ls --format and inspect -f:
 *   literal text, {{.Field}}, {{.A.B}}, {{.}}, {{json .X}}, {{prettyjson .X}},
 *   and the escapes \t and \n in the literal text (as typed on a shell line). */
#ifndef MC_TEMPLATE_H
#define MC_TEMPLATE_H

#include <jansson.h>

#include "error.h"

struct mc_template;

int mc_template_parse(const char *text, struct mc_template **out, struct mc_error *err);
void mc_template_free(struct mc_template *t);
/* Render against data; *out malloc'd.  Unknown fields render as "<no value>". */
int mc_template_render(const struct mc_template *t, json_t *data, char **out, struct mc_error *err);
/* Render with each {{.Field}} replaced by header(Field) (for ls's table heading). */
char *mc_template_render_header(const struct mc_template *t, const char *(*header)(const char *field));

#endif
