/* Common includes for the cmocka unit tests. */
#ifndef MC_UNIT_H
#define MC_UNIT_H
#include "buildconf.h"

#include <setjmp.h>
#include <stdarg.h>
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
#endif
