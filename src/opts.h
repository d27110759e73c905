/* Command-line options: one table per verb, one parser for all. */
#ifndef MC_OPTS_H
#define MC_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"

enum mc_opt_type {
	MC_OPT_BOOL,
	MC_OPT_STRING,
	MC_OPT_INT,
	MC_OPT_LIST,     /* repeatable string */
};

struct mc_option {
	const char *name;        /* long name, without "--"; NULL ends a table */
	char short_name;         /* 0: none */
	enum mc_opt_type type;
	const char *env;         /* environment variable, or NULL */
	const char *def;         /* built-in default, or NULL */
	const char *metavar;     /* shown in help: --name METAVAR */
	const char *help;
	enum mc_value value;     /* what the value is (completions) */
	const char *choices;     /* MC_VALUE_CHOICE: the values, space-separated */
	long long min, max;      /* MC_OPT_INT with min < max: the values taken (help shows them) */
};

struct mc_optval {
	const struct mc_option *opt;
	bool set;                /* given on the command line */
	char *str;               /* last value (strings, ints; "true"/"false" for bools) */
	char **list;             /* every value, for MC_OPT_LIST */
};

struct mc_args {
	struct mc_optval *vals;
	size_t n;
	char **pos;              /* positional arguments, NULL-terminated */
	char *unknown;           /* after a failed parse: the unknown --NAME, else NULL */
};

#define MC_ARGS_STOP_AT_POSITIONAL 1u  /* everything after the first positional is positional */

/* Parse argv[0..argc) against the tables (a NULL-terminated array of option
 * tables).  "--" ends options.  Errors are MC_E_USAGE. */
int mc_args_parse(const struct mc_option *const *tables, int argc, char **argv, unsigned flags,
		  struct mc_args *a, struct mc_error *err);
void mc_args_free(struct mc_args *a);
/* VALUE of integer option O, the one check of every source: a decimal
 * number within O's declared range when min < max (else within
 * +-MC_INT_LIMIT).  mc_args_parse runs it on the command line's values and
 * on the environment variables of the options not given there; create
 * (src/ops/create.c) on a driver flag's config.ini value.  WHAT names the
 * value in the message (NULL: "--NAME"; "--NAME (from $VAR)"; a config.ini
 * key).  The message: "invalid value 'V' for WHAT: give a number from MIN to
 * MAX", MC_E_USAGE.  OUT may be NULL. */
int mc_opt_int_value(const struct mc_option *o, const char *value, const char *what, long long *out,
		     struct mc_error *err);

/* Value lookup by the option's table entry (&mc_opts_VERB[O_VERB_X]):
 * command line, else environment variable, else default.  An entry not in
 * the parsed tables is a programming error (abort). */
const char *mc_args_str(const struct mc_args *a, const struct mc_option *o);
bool mc_args_bool(const struct mc_args *a, const struct mc_option *o);
char **mc_args_list(const struct mc_args *a, const struct mc_option *o);   /* borrowed; may be NULL */
bool mc_args_given(const struct mc_args *a, const struct mc_option *o);    /* on the command line */
long long mc_args_int(const struct mc_args *a, const struct mc_option *o); /* checked already */
/* The same by name, for the flags a driver declares at run time. */
const char *mc_args_named_str(const struct mc_args *a, const char *name);
char **mc_args_named_list(const struct mc_args *a, const char *name);
bool mc_args_named_given(const struct mc_args *a, const char *name);
size_t mc_args_npos(const struct mc_args *a);


#endif
