/*
 * gw_inbound_area.c - the inbound gateway as one of onionfedd's areas:
 * gw_config -> gw_inbound_conf, reload of rules, drain on SIGTERM.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_daemon.h"
#include "gatewayd/gw_drain.h"
#include "gatewayd/gw_inbound.h"
#include "gatewayd/gw_limits.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_log_ids.h"
#include "gatewayd/gw_policy.h"
#include "torctl/torctl.h"
#include "torctl/torctl_onionkey.h"

#define SUBSYS		"inbound"
#define DRAIN_TICK_MS	100
/* Leave the connections time to flush a 503 before main's deadline. */
#define ABORT_AFTER_MS	(GW_DRAIN_TIMEOUT_MS - 1500)

struct inbound_area {
	struct gw_inbound	*in;
	struct gw_daemon_ctx	*ctx;
	struct gw_drain		*drain;
	struct timeval		 drain_t0;
	int			 aborted;
	char			 name[TORCTL_ONION_ID_LEN + 8];
};

/* Our server name: the configured one, else the onion manager's address,
 * else the one the key file gives (the onion area is not built in or not
 * running). */
static const char *
server_name(struct inbound_area *a)
{
	const struct gw_config	*cfg = a->ctx->cfg;
	struct torctl_onionkey	*k = NULL;
	const char		*s;

	if (cfg->server_name != NULL)
		return cfg->server_name;
	if ((s = a->ctx->onion_address) != NULL)
		return s;
	if (cfg->onion_key == NULL ||
	    torctl_onionkey_load(cfg->onion_key, &k) != 0)
		return NULL;
	if (torctl_onionkey_service_id(k, a->name, sizeof(a->name) - 6) != 0) {
		torctl_onionkey_free(k);
		return NULL;
	}
	torctl_onionkey_free(k);
	strcat(a->name, ".onion");
	return a->name;
}

static int
inbound_start(struct gw_daemon_ctx *ctx, void **state)
{
	const struct gw_config	*cfg = ctx->cfg;
	struct gw_inbound_conf	 c;
	struct inbound_area	*a;
	struct gw_log_fields	 f = { .msgid = GW_MSGID_LISTENER_FAILED,
				       .direction = "inbound" };
	char			 lis[2][GW_ADDR_PATH_MAX + 16];
	char			 wk[GW_ADDR_PATH_MAX + 16];
	char			 up[GW_ADDR_PATH_MAX + 16];
	char			 err[256] = "";
	int			 r;

	*state = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -1;
	a->ctx = ctx;
	gw_inbound_conf_init(&c);
	if ((c.server_name = server_name(a)) == NULL) {
		GW_LOG(LOG_ERR, SUBSYS, 0, "our server name is unknown: set "
		    "[onionfed] server_name or [tor] onion_key (%s cannot be "
		    "read)", cfg->onion_key != NULL ? cfg->onion_key : "unset");
		free(a);
		return -1;
	}
	if (cfg->onion_listen.kind != GW_ADDR_NONE)
		c.listen[c.nlisten++] = gw_addr_fmt(&cfg->onion_listen,
		    lis[0], sizeof(lis[0]));
	if (cfg->clearnet_listen.kind != GW_ADDR_NONE)
		c.listen[c.nlisten++] = gw_addr_fmt(&cfg->clearnet_listen,
		    lis[1], sizeof(lis[1]));
	if (cfg->well_known_listen.kind != GW_ADDR_NONE)
		c.well_known_listen[c.nwell_known++] = gw_addr_fmt(
		    &cfg->well_known_listen, wk, sizeof(wk));
	c.upstream = gw_addr_fmt(&cfg->upstream, up, sizeof(up));
	c.tls_cert = cfg->tls_cert;
	c.tls_key = cfg->tls_key;
	c.state_dir = cfg->state_dir;
	c.max_body = cfg->max_body;
	c.upstream_timeout_ms = cfg->upstream_timeout_ms;
	c.upstream_max_conns = cfg->upstream_connections;
	c.workers = cfg->workers;	/* unix listeners force 1 */
	c.limiter_lock = gw_policy_limiter_lock(ctx->policy);
	c.rules = gw_policy_rules(ctx->policy);
	c.limiter = gw_policy_limiter(ctx->policy);
	if ((r = gw_inbound_new(ctx->base, &c, &a->in, err, sizeof(err)))
	    != 0) {
		GW_LOGF(LOG_ERR, SUBSYS, 0, &f, "cannot start: %s (%s)", err,
		    gw_inbound_strerror(r));
		free(a);
		return -1;
	}
	GW_LOG(LOG_INFO, SUBSYS, 0, "serving %s on %s%s%s -> %s", c.server_name,
	    c.nlisten > 0 ? c.listen[0] : "-", c.nlisten > 1 ? " and " : "",
	    c.nlisten > 1 ? c.listen[1] : "", c.upstream);
	ctx->inbound = a->in;
	*state = a;
	return 0;
}

static int
inbound_reconfigure(void *state, struct gw_daemon_ctx *ctx)
{
	struct inbound_area	*a = state;

	if (a == NULL)
		return 0;
	/* Listeners, TLS and the upstream are bound at start; rules and the
	 * rates they carry change now. */
	gw_inbound_set_rules(a->in, gw_policy_rules(ctx->policy));
	return 0;
}

/* Idle, or close to the daemon's drain deadline: then every request still
 * without an answer gets 503 (never a silent close), and the connections
 * have the rest of the time to flush it. */
static int
inbound_idle(void *arg)
{
	struct inbound_area	*a = arg;
	struct timeval		 now;
	long			 ms;

	if (gw_inbound_idle(a->in))
		return 1;
	(void)event_base_gettimeofday_cached(a->ctx->base, &now);
	ms = (now.tv_sec - a->drain_t0.tv_sec) * 1000L +
	    (now.tv_usec - a->drain_t0.tv_usec) / 1000L;
	if (!a->aborted && ms >= ABORT_AFTER_MS) {
		GW_LOG(LOG_NOTICE, SUBSYS, 0, "drain: answering what is still "
		    "in flight with 503");
		gw_inbound_abort(a->in);
		a->aborted = 1;
	}
	return 0;
}

static void
inbound_drain(void *state, void (*done)(void *), void *arg)
{
	struct inbound_area	*a = state;

	if (a == NULL) {
		done(arg);
		return;
	}
	gw_inbound_drain(a->in);
	(void)event_base_gettimeofday_cached(a->ctx->base, &a->drain_t0);
	a->drain = gw_drain_start(a->ctx->base, inbound_idle, a,
	    DRAIN_TICK_MS, done, arg);
}

static void
inbound_stop(void *state, struct gw_daemon_ctx *ctx)
{
	struct inbound_area	*a = state;

	if (a == NULL)
		return;
	ctx->inbound = NULL;
	gw_drain_free(a->drain);
	gw_inbound_free(a->in);
	free(a);
}

const struct gw_area gw_inbound_area = {
	"inbound", inbound_start, inbound_reconfigure, inbound_drain,
	inbound_stop
};
