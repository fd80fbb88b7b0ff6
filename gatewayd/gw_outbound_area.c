/*
 * gw_outbound_area.c - the outbound proxy as one of onionfedd's areas:
 * gw_config -> gw_outbound_conf, reload of rules, drain on SIGTERM.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_daemon.h"
#include "gatewayd/gw_drain.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_log_ids.h"
#include "gatewayd/gw_outbound.h"
#include "gatewayd/gw_policy.h"

#define SUBSYS		"outbound"
#define DRAIN_TICK_MS	100

struct outbound_area {
	struct gw_outbound	*ob;
	struct gw_daemon_ctx	*ctx;
	struct gw_drain		*drain;
};

static int
outbound_start(struct gw_daemon_ctx *ctx, void **state)
{
	const struct gw_config	*cfg = ctx->cfg;
	struct gw_outbound_conf	 c;
	struct outbound_area	*a;
	struct gw_log_fields	 f = { .msgid = GW_MSGID_LISTENER_FAILED,
				       .direction = "outbound" };
	char			 cl[GW_ADDR_PATH_MAX + 16];
	char			 sl[GW_ADDR_PATH_MAX + 16];
	char			 ts[GW_ADDR_PATH_MAX + 16];
	char			 rs[GW_ADDR_PATH_MAX + 16];
	char			 err[256] = "";
	int			 r;

	*state = NULL;
	if (cfg->connect_listen.kind == GW_ADDR_NONE &&
	    cfg->socks_listen.kind == GW_ADDR_NONE) {
		GW_LOG(LOG_INFO, SUBSYS, 0, "off (no connect_listen or "
		    "socks_listen)");
		return 0;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -1;
	a->ctx = ctx;
	memset(&c, 0, sizeof(c));
	if (cfg->connect_listen.kind != GW_ADDR_NONE)
		c.connect_listen = gw_addr_fmt(&cfg->connect_listen, cl,
		    sizeof(cl));
	if (cfg->socks_listen.kind != GW_ADDR_NONE)
		c.socks_listen = gw_addr_fmt(&cfg->socks_listen, sl,
		    sizeof(sl));
	c.tor_socks = gw_addr_fmt(&cfg->tor_socks, ts, sizeof(ts));
	switch (cfg->clearnet) {
	case GW_CLEARNET_DIRECT:
		c.clearnet = GW_OB_CLEARNET_DIRECT;
		break;
	case GW_CLEARNET_TOR:
		c.clearnet = GW_OB_CLEARNET_TOR;
		break;
	default:
		c.clearnet = GW_OB_CLEARNET_DENY;
		break;
	}
	/* The config refuses direct with onion-only; this is the second
	 * lock on that door. */
	if (cfg->mode == GW_MODE_ONION_ONLY &&
	    c.clearnet == GW_OB_CLEARNET_DIRECT)
		c.clearnet = GW_OB_CLEARNET_TOR;
	c.allow_onion = cfg->allow_onion_peers;
	c.allow_nonloopback = cfg->allow_nonloopback;
	c.auth_user = cfg->proxy_user;
	c.auth_pass = cfg->proxy_password;
	c.allow_private = cfg->allow_private_addresses;
	if (cfg->resolver.kind != GW_ADDR_NONE)
		c.resolver = gw_addr_fmt(&cfg->resolver, rs, sizeof(rs));
	c.rules = gw_policy_rules(ctx->policy);
	c.limiter = gw_policy_limiter(ctx->policy);
	c.limiter_lock = gw_policy_limiter_lock(ctx->policy);
	if ((r = gw_outbound_new(ctx->base, &c, &a->ob, err, sizeof(err)))
	    != 0) {
		GW_LOGF(LOG_ERR, SUBSYS, 0, &f, "cannot start: %s (%s)", err,
		    gw_outbound_strerror(r));
		free(a);
		return -1;
	}
	GW_LOG(LOG_INFO, SUBSYS, 0, "CONNECT on %s, SOCKS5 on %s, onions via "
	    "tor at %s, clearnet %s", c.connect_listen != NULL ?
	    c.connect_listen : "-", c.socks_listen != NULL ? c.socks_listen :
	    "-", c.tor_socks, c.clearnet == GW_OB_CLEARNET_DIRECT ? "direct" :
	    c.clearnet == GW_OB_CLEARNET_TOR ? "through tor" : "refused");
	ctx->outbound = a->ob;
	*state = a;
	return 0;
}

static int
outbound_reconfigure(void *state, struct gw_daemon_ctx *ctx)
{
	struct outbound_area	*a = state;

	if (a == NULL)
		return 0;
	gw_outbound_set_policy(a->ob, gw_policy_rules(ctx->policy),
	    ctx->cfg->allow_private_addresses);
	return 0;
}

/*
 * Idle = no handshake pending and no tunnel waiting for an answer (its
 * last bytes went towards the peer). Idle pooled tunnels are closed when
 * the areas stop.
 */
static int
outbound_idle(void *arg)
{
	struct outbound_area	*a = arg;

	return gw_outbound_stats(a->ob)->handshakes_active == 0 &&
	    gw_outbound_busy_tunnels(a->ob) == 0;
}

static void
outbound_drain(void *state, void (*done)(void *), void *arg)
{
	struct outbound_area	*a = state;

	if (a == NULL) {
		done(arg);
		return;
	}
	gw_outbound_drain(a->ob);
	a->drain = gw_drain_start(a->ctx->base, outbound_idle, a,
	    DRAIN_TICK_MS, done, arg);
}

static void
outbound_stop(void *state, struct gw_daemon_ctx *ctx)
{
	struct outbound_area	*a = state;

	if (a == NULL)
		return;
	ctx->outbound = NULL;
	gw_drain_free(a->drain);
	gw_outbound_free(a->ob);
	free(a);
}

const struct gw_area gw_outbound_area = {
	"outbound", outbound_start, outbound_reconfigure, outbound_drain,
	outbound_stop
};
