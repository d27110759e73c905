/* Terminal: tty detection, phase lines with elapsed time, prompts. */
#ifndef MC_TERM_H
#define MC_TERM_H

#include <stdbool.h>

bool mc_term_isatty(int fd);
/* Ask a y/n question on stderr, read the answer from stdin; true for y/yes. */
bool mc_term_confirm(const char *question);
/* One-line progress on stderr when it is a tty, redrawn:
 * "label [############..................]  42% 31.1/74.0 MiB". */
void mc_term_progress(const char *label, long long done, long long total);
void mc_term_progress_end(void);

#endif
