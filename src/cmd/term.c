#include "buildconf.h"

#include <stdio.h>
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
	if (!mc_term_isatty(2))
		return;
	if (total > 0)
		fprintf(stderr, "\r%s %3lld%%", label, done * 100 / total);
	else
		fprintf(stderr, "\r%s %lld MiB", label, done >> 20);
	fflush(stderr);
}

void mc_term_progress_end(void)
{
	if (mc_term_isatty(2))
		fputs("\n", stderr);
}
