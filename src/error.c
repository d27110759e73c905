#include "buildconf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

int mc_error_setm(struct mc_error *err, const char *machine, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code != MC_E_OK)
		return -1;
	va_start(ap, fmt);
	mc_error_vset(err, code, fmt, ap);
	va_end(ap);
	mc_error_machine(err, machine);
	return -1;
}

int mc_error_copy(struct mc_error *err, const struct mc_error *src)
{
	if (err && err->code == MC_E_OK)
		*err = *src;
	return -1;
}

void mc_error_prefix(struct mc_error *err, const char *fmt, ...)
{
	char prefix[256], old[sizeof(err->msg)];
	va_list ap;

	if (!err || err->code == MC_E_OK)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* Truncation is fine: the start of a message says the most. */
	size_t n = strlen(prefix);
	if (n >= sizeof(err->msg))
		n = sizeof(err->msg) - 1;
	memcpy(err->msg, prefix, n);
	size_t rest = sizeof(err->msg) - 1 - n, ol = strlen(old);
	if (ol > rest)
		ol = rest;
	memcpy(err->msg + n, old, ol);
	err->msg[n + ol] = '\0';
}

void mc_error_suffix(struct mc_error *err, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!err || err->code == MC_E_OK)
		return;
	n = strlen(err->msg);
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
}

void mc_error_machine(struct mc_error *err, const char *name)
{
	if (!err || err->code == MC_E_OK || !name || !strcmp(err->machine, name))
		return;
	if (err->machine[0])
		mc_error_prefix(err, "machine \"%s\": ", err->machine);
	snprintf(err->machine, sizeof(err->machine), "%s", name);
}

const char *mc_error_text(const struct mc_error *err, char *buf, size_t size)
{
	const char *msg = err->msg[0] ? err->msg : "unknown error";

	if (err->machine[0])
		snprintf(buf, size, "machine \"%s\": %s", err->machine, msg);
	else
		snprintf(buf, size, "%s", msg);
	return buf;
}

int mc_error_exit_code(const struct mc_error *err)
{
	switch (err->code) {
	case MC_E_OK:
		return 0;
	case MC_E_USAGE:
		return 2;
	case MC_E_PRECREATE:
		return 3;
	default:
		return 1;
	}
}
