#include "buildconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "term.h"

bool mc_term_isatty(int fd)
{
	return isatty(fd) == 1;
}

bool mc_term_confirm(const char *question)
{
	char line[64];

	fputs(question, stdout);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcmp(line, "y") || !strcmp(line, "Y") || !strcmp(line, "yes");
}

void mc_term_progress(const char *label, long long done, long long total)
{
	char bar[31];
	int fill;

	if (!mc_term_isatty(2))
		return;
	if (total > 0) {
		fill = (int)(done * 30 / total);
		fill = fill < 0 ? 0 : fill > 30 ? 30 : fill;
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(30 - fill));
		bar[30] = '\0';
		fprintf(stderr, "\r%s [%s] %3lld%% %.1f/%.1f MiB", label, bar, done * 100 / total,
			(double)done / 1048576, (double)total / 1048576);
	} else {
		fprintf(stderr, "\r%s %.1f MiB", label, (double)done / 1048576);
	}
	fflush(stderr);
}

void mc_term_progress_end(void)
{
	if (mc_term_isatty(2))
		fputs("\n", stderr);
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

char *mc_term_safe(const char *s, bool keep_lines)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	char *out = malloc(strlen((const char *)p) * 6 + 1), *w = out;

	if (!out)
		abort();
	while (*p) {
		size_t n = utf8_len(p);

		if (n == 1 && (*p >= 0x20 || (keep_lines && (*p == '\n' || *p == '\t'))) && *p != 0x7f) {
			*w++ = (char)*p++;
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			/* C1 controls (U+0080-U+009F): CSI and friends on some terminals */
			w += sprintf(w, "\\u%04x", p[1]);
			p += 2;
		} else if (n > 1) {
			memcpy(w, p, n);
			w += n;
			p += n;
		} else {
			/* DEL as a JSON escape too: the text may be JSON (inspect). */
			w += sprintf(w, *p == 0x7f ? "\\u%04x" : "\\x%02x", *p);
			p++;
		}
	}
	*w = '\0';
	return out;
}
