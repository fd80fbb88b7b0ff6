/*
 * gw_onion_area.c - the onion manager as one of onionfedd's areas
 * (gw_daemon.h): start loads/makes the key and checks server_name
 * synchronously, then connects to tor asynchronously; drain removes the
 * onion (DEL_ONION); stop closes the control connection.
 */
#include "config.h"

#include <stddef.h>

#include "gatewayd/gw_daemon.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_onion.h"

static int
onion_start(struct gw_daemon_ctx *ctx, void **state)
{
	struct gw_onion	*on;
	char		 err[512];

	*state = NULL;
	on = gw_onion_new(ctx->base, ctx->notify, ctx->cfg, err, sizeof(err));
	if (on == NULL) {
		GW_LOG(LOG_ERR, "onion", 0, "not starting: %s", err);
		return -1;
	}
	if (gw_onion_start(on) != 0) {
		gw_onion_free(on);
		return -1;
	}
	*state = on;
	ctx->onion = on;
	ctx->onion_address = gw_onion_address(on);	/* valid while on lives */
	return 0;
}

static int
onion_reconfigure(void *state, struct gw_daemon_ctx *ctx)
{
	if (state != NULL)
		gw_onion_reconfigure(state, ctx->cfg);
	return 0;
}

static void
onion_drain(void *state, void (*done)(void *), void *arg)
{
	if (state == NULL) {
		done(arg);
		return;
	}
	gw_onion_drain(state, done, arg);
}

static void
onion_stop(void *state, struct gw_daemon_ctx *ctx)
{
	if (state == NULL)
		return;
	if (ctx != NULL && ctx->onion == state) {
		ctx->onion = NULL;
		ctx->onion_address = NULL;
	}
	gw_onion_free(state);
}

const struct gw_area gw_onion_area = {
	.name = "onion",
	.start = onion_start,
	.reconfigure = onion_reconfigure,
	.drain = onion_drain,
	.stop = onion_stop,
};
