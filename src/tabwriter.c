#include "buildconf.h"

#include <string.h>

#include "tabwriter.h"
#include "util.h"

struct tw_line {
	char **cells;
	size_t n;
};

struct tw {
	struct tw_line *lines;
	size_t *widths;
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

static void tw_write(struct tw *t, size_t from, size_t to, size_t nw)
{
	for (size_t l = from; l < to; l++) {
		const struct tw_line *line = &t->lines[l];

		for (size_t c = 0; c < line->n; c++) {
			put(t, line->cells[c], strlen(line->cells[c]));
			if (c < nw && c + 1 < line->n)
				for (size_t k = u8len(line->cells[c]); k < t->widths[c]; k++)
					put(t, " ", 1);
		}
		put(t, "\n", 1);
	}
}

/* Column nw of the block of lines [line0, line1): its width is the widest
 * cell of the lines that have it, consecutive ones forming a block. */
static void tw_format(struct tw *t, size_t line0, size_t line1, size_t nw)
{
	for (size_t cur = line0; cur < line1; cur++) {
		size_t width = 5;

		if (nw + 1 >= t->lines[cur].n)
			continue;
		tw_write(t, line0, cur, nw);
		line0 = cur;
		for (; cur < line1 && nw + 1 < t->lines[cur].n; cur++) {
			size_t w = u8len(t->lines[cur].cells[nw]) + 3;

			if (w > width)
				width = w;
		}
		t->widths[nw] = width;
		tw_format(t, line0, cur, nw + 1);
		line0 = cur;
		cur--;
	}
	tw_write(t, line0, line1, nw);
}

char *mc_tabwriter(char *const *text)
{
	size_t n = mc_strv_len(text), maxcells = 1;
	struct tw t = { .lines = mc_calloc(n ? n : 1, sizeof(struct tw_line)) };

	for (size_t i = 0; i < n; i++) {
		for (const char *s = text[i];;) {
			size_t k = strcspn(s, "\t");

			mc_strv_push(&t.lines[i].cells, mc_strndup(s, k));
			t.lines[i].n++;
			if (!s[k])
				break;
			s += k + 1;
		}
		if (t.lines[i].n > maxcells)
			maxcells = t.lines[i].n;
	}
	t.widths = mc_calloc(maxcells, sizeof(size_t));
	put(&t, "", 0);
	tw_format(&t, 0, n, 0);
	for (size_t i = 0; i < n; i++)
		mc_strv_free(t.lines[i].cells);
	free(t.lines);
	free(t.widths);
	return t.out;
}
