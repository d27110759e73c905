/*
 * The man pages and the shell completions are templates (the .tmpl files of
 * doc/gen) rendered against a JSON model of the option tables.  src/cmd/gen.c
 * builds the model of the verbs; this module turns options, driver flags and
 * the drivers into model objects, holds the template functions the languages
 * need (mdoc text, zsh, fish and PowerShell quoting, partials) and renders a
 * template file.  It never prints.
 */
#ifndef MC_GEN_H
#define MC_GEN_H

#include <jansson.h>

#include "error.h"
#include "opts.h"
#include "template.h"

/* An option as the templates see it (a new reference):
 *   name, short ("" or the letter), type (bool string int list),
 *   arg (takes a value), repeat (may be given more than once),
 *   metavar, help, default, env (each absent when the table has none),
 *   value (what the value is: any machine driver choice file dir remote verb)
 *   choices (an array: the table's choices; for a driver option, the
 *   names in `drivers`, which may be NULL), and for an int with a declared
 *   range min and max (absent otherwise). */
json_t *mc_gen_option(const struct mc_option *o, json_t *drivers);
/* A driver's create flag as an option (metavar VALUE, no short form). */
json_t *mc_gen_flag(const struct mc_driver_flag *f, json_t *drivers);
/* "machine" for MC_VALUE_MACHINE, ...; "any" for a value it does not know. */
const char *mc_gen_value_name(enum mc_value v);

/* Every driver that loads (built in, and plugins on MACHINECTL_DRIVER_PATH
 * and in the plugin directory), sorted by name: an array of
 * {name, summary, flags: [option...]}. */
json_t *mc_gen_drivers(void);

/* The date of the man pages, "December 4, 2025": SOURCE_DATE_EPOCH's when it
 * is set (reproducible builds), else today's.  malloc'd. */
char *mc_gen_date(void);

/* The functions templates may call besides Go's (NULL-name-terminated):
 *   man_text S       S as an mdoc text line (\ escaped, no leading . or ')
 *   man_sentence S   the same, with a full stop added when S has none
 *   man_words S      each word of S as a macro argument, each after a space
 *   zsh_q S          S for inside a single-quoted _arguments spec
 *   fish_q S         S as a fish single-quoted string, quotes included
 *   ps_q S           S as a PowerShell single-quoted string, quotes included
 *   select LIST F    the objects of LIST whose field F is true
 *   dict K V ...     an object of the keys and values
 *   include NAME D   the partial DIR/_NAME.tmpl rendered with D (without its
 *                    final newline); only while mc_gen_render runs */
extern const struct mc_template_func mc_gen_funcs[];

/* Render the template DIR/FILE against model; *out malloc'd.  Errors name
 * the file. */
int mc_gen_render(const char *dir, const char *file, json_t *model, char **out,
		  struct mc_error *err);

#endif
