/* The none driver: an existing Docker endpoint given by --url; always Running, no SSH. */
#include "buildconf.h"

#include <ctype.h>
#include <stdbool.h>

#include "driver.h"

static const struct mc_driver_flag none_flags[] = {
	{ "url", "NONE_URL", NULL, "URL of the Docker host (tcp://HOST:PORT)", MC_FLAG_STRING },
	{ NULL },
};

/* HOST of tcp://HOST:PORT: an IPv4 address or a host name (letters, digits,
 * inner hyphens, dots), or [IPv6]; nothing a terminal or a shell could act on. */
static int host_ok(const char *h, size_t n)
{
	if (n > 2 && h[0] == '[' && h[n - 1] == ']') {
		for (size_t i = 1; i < n - 1; i++)
			if (!isxdigit((unsigned char)h[i]) && h[i] != ':' && h[i] != '.')
				return 0;
		return 1;
	}
	if (!n || n > 253 || h[0] == '.' || h[0] == '-' || h[n - 1] == '.' || h[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' && h[i] != '.')
			return 0;
	return !strstr(h, "..");
}

/* tcp://HOST:PORT, HOST an IP address, [IPv6] or a host name.  The core
 * checks the URL again wherever it is used (mc_engine_url_check). */
static bool url_ok(const char *url)
{
	const char *host = url && !strncmp(url, "tcp://", 6) ? url + 6 : NULL;
	const char *colon = host ? strrchr(host, ':') : NULL;
	char *end;
	unsigned long port;

	return colon && host_ok(host, (size_t)(colon - host)) && isdigit((unsigned char)colon[1]) &&
	       (port = strtoul(colon + 1, &end, 10)) >= 1 && port <= 65535 && !*end;
}

static int none_check_flags(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const char *url = mc_json_str(ctx->flags, "url");

	if (!url || !*url)
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "the none driver needs --url tcp://HOST:PORT");
	if (!url_ok(url))
		return ctx->host->error_set(err, MC_E_PRECREATE,
					    "invalid --url \"%s\": expected tcp://HOST:PORT (HOST an IP address, [IPv6] or a host name, PORT 1-65535)",
					    url);
	return 0;
}

static int none_create(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	json_object_set_new(ctx->config, "URL", json_string(mc_json_str(ctx->flags, "url")));
	return 0;
}

static int none_noop(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	return 0;
}

static int none_state(struct mc_driver_ctx *ctx, enum mc_state *out, struct mc_error *err)
{
	*out = MC_STATE_RUNNING;
	return 0;
}

static int none_url(struct mc_driver_ctx *ctx, char **url, struct mc_error *err)
{
	const char *u = mc_json_str(ctx->config, "URL");

	if (!u)
		return ctx->host->error_set(err, MC_E_INVALID, "machine has no URL in its config");
	*url = strdup(u);
	return 0;
}

static int none_ip(struct mc_driver_ctx *ctx, char **ip, struct mc_error *err)
{
	const char *u = mc_json_str(ctx->config, "URL"), *host, *colon;

	if (!url_ok(u))
		return ctx->host->error_set(err, MC_E_INVALID,
					    "the URL in the machine's config.json is not tcp://HOST:PORT: fix it there, or remove the machine and create it again");
	host = u + 6;
	colon = strrchr(host, ':');
	if (!colon)
		colon = host + strlen(host);
	if (*host == '[' && colon > host && colon[-1] == ']')
		*ip = strndup(host + 1, (size_t)(colon - host - 2));
	else
		*ip = strndup(host, (size_t)(colon - host));
	return 0;
}

const struct mc_driver mc_driver_none = {
	.abi = MC_DRIVER_ABI,
	.name = "none",
	.summary = "an existing Docker endpoint (--url); no VM, no SSH",
	.flags = none_flags,
	.has_ssh = 0,
	.check_flags = none_check_flags,
	.create = none_create,
	/* Like docker-machine: removing forgets the machine; start/stop/kill are unsupported. */
	.remove = none_noop,
	.state = none_state,
	.ip = none_ip,
	.url = none_url,
};
