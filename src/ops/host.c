/* The services the core offers to drivers (struct mc_host, drivers/driver.h). */
#include "buildconf.h"

#include <stdarg.h>
#include <stdio.h>

#include "ops-internal.h"

static void host_phase(struct mc_driver_ctx *ctx, const char *fmt, ...)
{
	const struct mc_handle *h = ctx->core;
	const struct mc_ui *ui = h && h->s ? h->s->ui : NULL;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ui && ui->driver_phase)
		ui->driver_phase(ui->arg, ctx->machine_name, msg);
	else
		mc_debug("(%s) %s", ctx->machine_name, msg);
}

static int host_checkpoint(struct mc_driver_ctx *ctx, struct mc_error *err)
{
	const struct mc_handle *h = ctx->core;

	return h ? mc_machine_save(h->m, err) : 0;
}

static const struct mc_host host = {
	.abi = MC_DRIVER_ABI,
	.error_set = mc_error_set,
	.log = mc_log,
	.phase = host_phase,
	.checkpoint = host_checkpoint,
};

const struct mc_host *mc_host_api(void)
{
	return &host;
}
