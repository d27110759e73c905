/* Go's regular expressions (docker-machine's `ls --filter name=`) for glibc. */
#ifndef MC_GO_REGEX_H
#define MC_GO_REGEX_H

/* re, in Go's regexp syntax (RE2), as a POSIX extended regular expression
 * that glibc's regcomp reads the same way for machine names (ASCII only):
 * *ere is malloc'd.  Returns NULL, or why re is refused (*ere NULL): what
 * Go refuses, what the two cannot agree on (\p), and what would cost glibc
 * gigabytes (a repetition of a repetition, counts over 1000). */
const char *mc_go_regex_to_ere(const char *re, char **ere);

#endif
