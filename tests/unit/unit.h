/* Common includes for the cmocka unit tests. */
#ifndef MC_UNIT_H
#define MC_UNIT_H
#include "buildconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A fresh temporary directory (malloc'd path), removed by unit_rmdir. */
static inline char *unit_tmpdir(void)
{
	char *p = mc_strdup("/tmp/mc-unit.XXXXXX");

	assert_non_null(mkdtemp(p));
	return p;
}

static inline void unit_rmdir(char *p)
{
	assert_int_equal(mc_rm_rf(p, NULL), 0);
	free(p);
}

/* A recorder of lock waits (struct mc_os_lock_wait's fn, arg a struct
 * unit_waits): the calls, the end calls, the holder, the first and last
 * times waited; checks that first is set on the first call only. */
struct unit_waits {
	int calls, over;
	long holder;
	long long first_ms, last_ms;
};

static inline void unit_on_wait(void *arg, long holder, long long elapsed_ms, bool first)
{
	struct unit_waits *w = arg;

	if (elapsed_ms < 0) {
		w->over++;
		return;
	}
	assert_true(first == !w->calls);
	if (!w->calls++)
		w->first_ms = elapsed_ms;
	w->holder = holder;
	w->last_ms = elapsed_ms;
}
#endif
