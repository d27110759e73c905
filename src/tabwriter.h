/* Go's text/tabwriter as docker-machine's ls uses it (minwidth 5, tabwidth 1,
 * padding 3, padchar ' '): cells separated by tabs, aligned in columns that
 * run over consecutive lines which have the column. */
#ifndef MC_TABWRITER_H
#define MC_TABWRITER_H

/* The aligned text of lines (a NULL-terminated vector, each without its
 * newline), each line ending with a newline; malloc'd. */
char *mc_tabwriter(char *const *lines);

#endif
