/* The template engine's values and built-in functions (src/template-fmt.c),
 * shared by src/template.c and the functions callers add. */
#ifndef MC_TEMPLATE_FMT_H
#define MC_TEMPLATE_FMT_H

#include <stdbool.h>
#include <jansson.h>

#include "error.h"

/* How a value prints: a string as it is, no value or null as "<no value>", a
 * number as Go prints it, an array or object as compact JSON.  malloc'd. */
char *mc_template_string(json_t *v);
/* Go's truth: false, 0, "", nil, empty arrays and objects are false. */
bool mc_template_truth(json_t *v);
/* A built-in function: a new reference, or NULL with err set (MC_E_USAGE). */
json_t *mc_template_builtin(const char *name, json_t *const *args, size_t n, struct mc_error *err);
/* Go's fmt.Sprintf over JSON values (%v %#v %s %q %d %t %c %U %b %o %O %x %X
 * %e %E %f %F %g %G %T %%, flags, width and precision, '*' for either,
 * argument indexes %[n]); malloc'd. */
char *mc_template_sprintf(const char *fmt, json_t *const *args, size_t n);
/* Character r in UTF-8 at out (room for 4; U+FFFD when r is none); its length. */
size_t mc_template_utf8(long r, char *out);
/* The character at s (*r) and its length; *r is -1 and the length 1 when
 * s holds no UTF-8 character there (Go reads such a byte as one). */
size_t mc_template_utf8_char(const char *s, long *r);
/* An object's keys in byte order (Go ranges over maps that way). */
char **mc_json_sorted_keys(json_t *obj);

#endif
