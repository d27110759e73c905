#include "buildconf.h"

#include <string.h>

#include "tabwriter.h"
#include "util.h"

struct tw_line {
	char **cells;
	size_t n;
	size_t *block;         /* per cell that a tab ends: its column block */
};

struct tw {
	char *out;
	size_t len, cap;
};

static void put(struct tw *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap)
		t->out = mc_realloc(t->out, t->cap = (t->len + n + 1) * 2);
	memcpy(t->out + t->len, s, n);
	t->len += n;
	t->out[t->len] = '\0';
}

static size_t u8len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The cells of s, split at its tabs: one vector, sized once (a line of a
 * long template can have thousands of cells). */
static void split_cells(const char *s, struct tw_line *line)
{
	size_t n = 1;

	for (const char *p = s; *p; p++)
		n += *p == '\t';
	line->cells = mc_calloc(n + 1, sizeof(*line->cells));
	line->block = mc_calloc(n, sizeof(*line->block));
	for (;;) {
		size_t k = strcspn(s, "\t");

		line->cells[line->n++] = mc_strndup(s, k);
		if (!s[k])
			break;
		s += k + 1;
	}
}

/*
 * Go's tabwriter formats column c of a block of lines, then the blocks of
 * column c + 1 inside it, recursively.  The same columns, without the
 * recursion (as deep as a line has cells): a block of column c is a run of
 * consecutive lines each with a tab-ended cell c (such a run always lies in
 * one block of column c - 1), and its width is that of its widest cell plus
 * the padding, at least the minimum width.
 */
char *mc_tabwriter(char *const *text)
{
	size_t n = mc_strv_len(text), maxcells = 1, nblocks = 0, cap = 0, open = 0;
	struct tw_line *lines = mc_calloc(n ? n : 1, sizeof(*lines));
	size_t *width = NULL, *cur;
	struct tw t = { 0 };

	for (size_t i = 0; i < n; i++) {
		split_cells(text[i], &lines[i]);
		if (lines[i].n > maxcells)
			maxcells = lines[i].n;
	}
	cur = mc_calloc(maxcells, sizeof(*cur));
	/* Blocks of columns [0, open) run on from the line before. */
	for (size_t i = 0; i < n; i++) {
		size_t ended = lines[i].n - 1;

		for (size_t c = 0; c < ended; c++) {
			size_t w = u8len(lines[i].cells[c]) + 3;

			if (c >= open) {
				if (nblocks == cap)
					width = mc_realloc(width, (cap = cap ? cap * 2 : 16) * sizeof(*width));
				width[nblocks] = 5;
				cur[c] = nblocks++;
			}
			if (w > width[cur[c]])
				width[cur[c]] = w;
			lines[i].block[c] = cur[c];
		}
		open = ended;
	}
	put(&t, "", 0);
	for (size_t i = 0; i < n; i++) {
		const struct tw_line *line = &lines[i];

		for (size_t c = 0; c < line->n; c++) {
			put(&t, line->cells[c], strlen(line->cells[c]));
			if (c + 1 < line->n)
				for (size_t k = u8len(line->cells[c]); k < width[line->block[c]]; k++)
					put(&t, " ", 1);
		}
		put(&t, "\n", 1);
	}
	for (size_t i = 0; i < n; i++) {
		mc_strv_free(lines[i].cells);
		free(lines[i].block);
	}
	free(lines);
	free(width);
	free(cur);
	return t.out;
}
