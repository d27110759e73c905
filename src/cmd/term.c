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
