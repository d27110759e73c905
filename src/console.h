/* The machine OS's progress on a machine's serial console: its markers
 * ("machinectl-os: STEP (UPTIME s)", doc/machine-os.md, "Console markers"),
 * read from the console log while the machine boots. */
#ifndef MC_CONSOLE_H
#define MC_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

/* The STEP of one console line (without its newline) that is a timed
 * marker, into step (truncated to size); false for any other line.  The
 * text follows the line's last "machinectl-os: ", so kernel messages that
 * end up in front of a marker do not hide it. */
bool mc_console_marker(const char *line, char *step, size_t size);

struct mc_console_watch;
typedef void (*mc_console_fn)(void *arg, const char *step);

/* Follow the console log at path on a thread of its own, from its current
 * end (an older boot's lines are not news), every 100 ms: fn(arg, STEP) for
 * each new marker.  A log that a new boot truncated, replaced or wrote over
 * (the last bytes read are gone, or the size stayed and the modification
 * time moved for a whole round) is read from its start; a log
 * that does not exist (yet) is waited for.  NULL when no thread could be
 * started: the boot is then not followed, and nothing else changes. */
struct mc_console_watch *mc_console_watch_start(const char *path, mc_console_fn fn, void *arg);
/* Read what is left, stop the thread and free w: fn is not called after it
 * returns.  NULL is ignored. */
void mc_console_watch_stop(struct mc_console_watch *w);

#endif
