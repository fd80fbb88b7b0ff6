/*
 * gw_admin_area.c - the admin area for main.c's areas[]: [admin] socket and
 * metrics_listen from the config, the limiter from the shared policy.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_admin.h"
#include "gatewayd/gw_config.h"
#include "gatewayd/gw_daemon.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_log_ids.h"
#include "gatewayd/gw_policy.h"

struct admin_area {
	struct gw_admin	*ad;
	char		*socket_path;		/* as started, for reconfigure */
	struct gw_addr	 metrics;
};

static struct pol_limiter *
area_limiter(const struct gw_daemon_ctx *ctx)
{
	return ctx->policy != NULL ? gw_policy_limiter(ctx->policy) : NULL;
}

static pthread_mutex_t *
area_limiter_lock(const struct gw_daemon_ctx *ctx)
{
	return ctx->policy != NULL ? gw_policy_limiter_lock(ctx->policy) :
	    NULL;
}

static int
admin_start(struct gw_daemon_ctx *ctx, void **state)
{
	const struct gw_config	*cfg = ctx->cfg;
	struct gw_log_fields	 f = { .msgid = GW_MSGID_LISTENER_FAILED,
				      .reason = "admin" };
	struct gw_admin_conf	 conf;
	struct admin_area	*a;
	char			 err[512];
	int			 r;

	*state = NULL;
	if (cfg->admin_socket == NULL && cfg->metrics_listen.kind ==
	    GW_ADDR_NONE)
		return 0;			/* off */
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (cfg->admin_socket != NULL &&
	    (a->socket_path = strdup(cfg->admin_socket)) == NULL)) {
		free(a);
		GW_LOG(LOG_ERR, "admin", 0, "out of memory");
		return -1;
	}
	a->metrics = cfg->metrics_listen;
	memset(&conf, 0, sizeof(conf));
	conf.socket_path = cfg->admin_socket;
	conf.metrics = &cfg->metrics_listen;
	conf.limiter = area_limiter;
	conf.limiter_lock = area_limiter_lock;
	if ((r = gw_admin_new(ctx, &conf, &a->ad, err, sizeof(err))) != 0) {
		GW_LOGF(LOG_ERR, "admin", 0, &f, "%s", err);
		free(a->socket_path);
		free(a);
		return -1;
	}
	ctx->admin = a->ad;
	*state = a;
	return 0;
}

static int
admin_reconfigure(void *state, struct gw_daemon_ctx *ctx)
{
	struct admin_area	*a = state;
	const struct gw_config	*cfg = ctx->cfg;
	char			 b1[GW_ADDR_PATH_MAX + 16];
	char			 b2[GW_ADDR_PATH_MAX + 16];

	if (a == NULL) {
		if (cfg->admin_socket != NULL || cfg->metrics_listen.kind !=
		    GW_ADDR_NONE)
			GW_LOG(LOG_NOTICE, "admin", 0, "[admin] was off at "
			    "start: turning it on needs a restart");
		return 0;
	}
	if ((a->socket_path == NULL) != (cfg->admin_socket == NULL) ||
	    (a->socket_path != NULL &&
	    strcmp(a->socket_path, cfg->admin_socket) != 0))
		GW_LOG(LOG_NOTICE, "admin", 0, "[admin] socket changed: needs "
		    "a restart (still %s)", a->socket_path != NULL ?
		    a->socket_path : "off");
	if (strcmp(gw_addr_fmt(&a->metrics, b1, sizeof(b1)),
	    gw_addr_fmt(&cfg->metrics_listen, b2, sizeof(b2))) != 0)
		GW_LOG(LOG_NOTICE, "admin", 0, "[admin] metrics_listen "
		    "changed: needs a restart (still %s)", b1);
	return 0;
}

static void
admin_drain(void *state, void (*done)(void *), void *arg)
{
	struct admin_area	*a = state;

	if (a == NULL) {
		done(arg);
		return;
	}
	gw_admin_drain(a->ad, done, arg);
}

static void
admin_stop(void *state, struct gw_daemon_ctx *ctx)
{
	struct admin_area	*a = state;

	if (a == NULL)
		return;
	ctx->admin = NULL;
	gw_admin_free(a->ad);
	free(a->socket_path);
	free(a);
}

const struct gw_area gw_admin_area = {
	"admin", admin_start, admin_reconfigure, admin_drain, admin_stop
};
