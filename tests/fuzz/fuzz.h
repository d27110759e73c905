/*
 * Shared helpers for the libFuzzer targets (tests/fuzz/fuzz-*.c, built by
 * `make fuzz`, see mk/tests.mk).  Each target feeds one parser of untrusted
 * input; a crash, a sanitizer report, a leak or a failed FUZZ_ASSERT is a bug.
 */
#ifndef MC_FUZZ_H
#define MC_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The input as a NUL-terminated string (embedded NULs cut it short, as they
 * would for any C string the program reads).  Free it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Split a NUL-terminated buffer in place at `sep` (a byte); returns up to max
 * pieces in v and their count. */
static inline size_t fuzz_split(char *s, char sep, char **v, size_t max)
{
	size_t n = 0;

	while (n < max) {
		char *e = strchr(s, sep);

		v[n++] = s;
		if (!e)
			break;
		*e = '\0';
		s = e + 1;
	}
	return n;
}

/* A property that must hold: abort (the fuzzer records the input). */
#define FUZZ_ASSERT(cond)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                           \
		}                                                                          \
	} while (0)

#endif
