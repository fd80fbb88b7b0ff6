/*
 * gw_admin_render.c - what the admin interface says: Prometheus text for
 * /metrics, JSON for /status and /peers, all read from struct gw_daemon_ctx.
 * Every area handle may be NULL (area off or not started): its part is then
 * left out of /metrics and null in the JSON.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "gatewayd/gw_admin.h"
#include "gatewayd/gw_admin_limits.h"
#include "gatewayd/gw_config.h"
#include "gatewayd/gw_daemon.h"
#include "gatewayd/gw_inbound.h"
#include "gatewayd/gw_onion.h"
#include "gatewayd/gw_outbound.h"
#include "policy/policy.h"

static int
onion_linked(const struct gw_daemon_ctx *ctx)
{
	return ctx->onion != NULL;
}

static const double probe_buckets[GW_ONION_NPROBE_BUCKETS] =
    GW_ONION_PROBE_BUCKETS;

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *
mode_name(const struct gw_daemon_ctx *ctx)
{
	if (ctx->cfg == NULL)
		return "unknown";
	return ctx->cfg->mode == GW_MODE_DUAL ? "dual" : "onion-only";
}

static uint64_t
uptime_s(const struct gw_daemon_ctx *ctx)
{
	time_t	now = time(NULL);

	return ctx->started > 0 && now > ctx->started ?
	    (uint64_t)(now - ctx->started) : 0;
}

/* ------------------------------------------------------------ metrics */

/* Prometheus label value: escape backslash, double quote and newline. */
static void
label_esc(char *dst, size_t dstsz, const char *s)
{
	size_t	o = 0;

	for (; *s != '\0' && o + 3 < dstsz; s++) {
		if (*s == '\\' || *s == '"') {
			dst[o++] = '\\';
			dst[o++] = *s;
		} else if (*s == '\n') {
			dst[o++] = '\\';
			dst[o++] = 'n';
		} else
			dst[o++] = *s;
	}
	dst[o] = '\0';
}

struct mw {
	struct evbuffer	*out;
	int		 err;
};

static void
help(struct mw *w, const char *name, const char *type, const char *text)
{
	if (evbuffer_add_printf(w->out, "# HELP %s %s\n# TYPE %s %s\n", name,
	    text, name, type) < 0)
		w->err = 1;
}

static void
val_u(struct mw *w, const char *name, const char *labels, uint64_t v)
{
	if (evbuffer_add_printf(w->out, "%s%s%s%s %llu\n", name,
	    labels ? "{" : "", labels ? labels : "", labels ? "}" : "",
	    (unsigned long long)v) < 0)
		w->err = 1;
}

static void
val_d(struct mw *w, const char *name, const char *labels, double v)
{
	if (evbuffer_add_printf(w->out, "%s%s%s%s %.6g\n", name,
	    labels ? "{" : "", labels ? labels : "", labels ? "}" : "",
	    v) < 0)
		w->err = 1;
}

static void
metric_u(struct mw *w, const char *name, const char *type, const char *text,
    uint64_t v)
{
	help(w, name, type, text);
	val_u(w, name, NULL, v);
}

static void
metrics_onion(struct mw *w, const struct gw_onion_status *st)
{
	static const char	*res[] = { "ok", "failed" };
	char			 lb[64];
	uint64_t		 cum = 0, now = mono_ms();
	int			 s, i;

	help(w, "onionfed_onion_state", "gauge",
	    "1 for the onion service's current state, 0 for the others");
	for (s = GW_ONION_STARTING; s <= GW_ONION_DEGRADED; s++) {
		snprintf(lb, sizeof(lb), "state=\"%s\"",
		    gw_onion_state_name((enum gw_onion_state)s));
		val_u(w, "onionfed_onion_state", lb, st->state ==
		    (enum gw_onion_state)s);
	}
	help(w, "onionfed_onion_state_seconds", "gauge",
	    "seconds since the onion state last changed");
	val_d(w, "onionfed_onion_state_seconds", NULL,
	    now > st->state_since_ms ?
	    (double)(now - st->state_since_ms) / 1000 : 0);
	metric_u(w, "onionfed_tor_connected", "gauge",
	    "1 while the control connection is up and authenticated",
	    st->tor_connected != 0);
	if (st->bootstrap_percent >= 0)
		metric_u(w, "onionfed_tor_bootstrap_percent", "gauge",
		    "tor's bootstrap progress", (uint64_t)st->bootstrap_percent);
	if (st->network_live >= 0)
		metric_u(w, "onionfed_tor_network_live", "gauge",
		    "1 if tor reports network liveness",
		    (uint64_t)st->network_live);
	metric_u(w, "onionfed_tor_control_reconnects_total", "counter",
	    "control connections re-established", st->control_reconnects);
	metric_u(w, "onionfed_onion_adds_total", "counter",
	    "successful ADD_ONION", st->onion_adds);
	metric_u(w, "onionfed_onion_pow_enabled", "gauge",
	    "1 if the proof-of-work defences are on", st->pow_enabled != 0);
	help(w, "onionfed_onion_descriptor_uploads_total", "counter",
	    "descriptor uploads to HSDirs by result");
	for (i = 0; i < 2; i++) {
		snprintf(lb, sizeof(lb), "result=\"%s\"", res[i]);
		val_u(w, "onionfed_onion_descriptor_uploads_total", lb,
		    i == 0 ? st->desc_uploads_ok : st->desc_uploads_failed);
	}
	help(w, "onionfed_onion_round_hsdirs", "gauge",
	    "HSDirs of the current publication round by result");
	val_u(w, "onionfed_onion_round_hsdirs", "result=\"ok\"",
	    st->round_hsdirs_ok);
	val_u(w, "onionfed_onion_round_hsdirs", "result=\"failed\"",
	    st->round_hsdirs_failed);
	val_u(w, "onionfed_onion_round_hsdirs", "result=\"total\"",
	    st->round_hsdirs_total);
	if (st->last_upload_ok_ms >= 0) {
		help(w, "onionfed_onion_last_upload_ok_seconds", "gauge",
		    "seconds since an HSDir last accepted our descriptor");
		val_d(w, "onionfed_onion_last_upload_ok_seconds", NULL,
		    now > (uint64_t)st->last_upload_ok_ms ?
		    (double)(now - (uint64_t)st->last_upload_ok_ms) / 1000 :
		    0);
	}
	help(w, "onionfed_onion_probes_total", "counter",
	    "self-probes through tor by result");
	val_u(w, "onionfed_onion_probes_total", "result=\"ok\"",
	    st->probes_ok);
	val_u(w, "onionfed_onion_probes_total", "result=\"failed\"",
	    st->probes_failed);
	/* probe_hist[] holds a count per bucket (not cumulative); the last
	 * one is above every bound. Prometheus wants cumulative counts. */
	help(w, "onionfed_onion_probe_latency_seconds", "histogram",
	    "latency of successful self-probes (connect, TLS, GET version)");
	for (i = 0; i < GW_ONION_NPROBE_BUCKETS; i++) {
		cum += st->probe_hist[i];
		snprintf(lb, sizeof(lb), "le=\"%g\"", probe_buckets[i]);
		val_u(w, "onionfed_onion_probe_latency_seconds_bucket", lb,
		    cum);
	}
	cum += st->probe_hist[GW_ONION_NPROBE_BUCKETS];
	val_u(w, "onionfed_onion_probe_latency_seconds_bucket", "le=\"+Inf\"",
	    cum);
	val_d(w, "onionfed_onion_probe_latency_seconds_sum", NULL,
	    st->probe_sum_s);
	val_u(w, "onionfed_onion_probe_latency_seconds_count", NULL, cum);
}

static void
metrics_inbound(struct mw *w, const struct gw_inbound_stats *s)
{
	metric_u(w, "onionfed_inbound_connections_accepted_total", "counter",
	    "inbound connections accepted", s->accepted);
	metric_u(w, "onionfed_inbound_requests_total", "counter",
	    "inbound requests parsed", s->requests);
	metric_u(w, "onionfed_inbound_forwarded_total", "counter",
	    "inbound requests forwarded to the homeserver", s->forwarded);
	metric_u(w, "onionfed_inbound_refused_total", "counter",
	    "inbound requests refused (policy, limits, bad requests)",
	    s->refused);
	metric_u(w, "onionfed_inbound_delayed_total", "counter",
	    "inbound requests held by a per-origin limit", s->delayed);
	metric_u(w, "onionfed_inbound_upstream_errors_total", "counter",
	    "homeserver connection errors", s->upstream_errors);
	metric_u(w, "onionfed_inbound_upstream_timeouts_total", "counter",
	    "homeserver timeouts", s->upstream_timeouts);
	metric_u(w, "onionfed_inbound_client_timeouts_total", "counter",
	    "peers that timed out", s->client_timeouts);
	metric_u(w, "onionfed_inbound_connections", "gauge",
	    "inbound connections open", s->conns);
	metric_u(w, "onionfed_inbound_connections_parked", "gauge",
	    "idle keep-alive connections parked", s->parked);
	metric_u(w, "onionfed_inbound_requests_held", "gauge",
	    "requests being delayed now", s->held);
	help(w, "onionfed_inbound_upstream_connections", "gauge",
	    "pooled connections to the homeserver");
	val_u(w, "onionfed_inbound_upstream_connections", "state=\"idle\"",
	    s->upstream_idle);
	val_u(w, "onionfed_inbound_upstream_connections", "state=\"busy\"",
	    s->upstream_busy);
	metric_u(w, "onionfed_inbound_upstream_waiting", "gauge",
	    "requests waiting for a free connection to the homeserver "
	    "(upstream_connections all busy)", s->upstream_wait);
	metric_u(w, "onionfed_inbound_upstream_waited_total", "counter",
	    "requests that had to wait for a connection to the homeserver",
	    s->upstream_waited);
}

static void
metrics_outbound(struct mw *w, const struct gw_outbound_stats *s)
{
	char	lb[96];
	int	r;

	help(w, "onionfed_outbound_accepted_total", "counter",
	    "client connections accepted by listener");
	val_u(w, "onionfed_outbound_accepted_total", "listener=\"connect\"",
	    s->accepted_connect);
	val_u(w, "onionfed_outbound_accepted_total", "listener=\"socks\"",
	    s->accepted_socks);
	metric_u(w, "onionfed_outbound_accept_paused_total", "counter",
	    "accept pauses for lack of descriptors", s->accept_paused);
	help(w, "onionfed_outbound_tunnels_total", "counter",
	    "tunnels established by route");
	val_u(w, "onionfed_outbound_tunnels_total", "route=\"onion\"",
	    s->tunnels_onion);
	val_u(w, "onionfed_outbound_tunnels_total", "route=\"clearnet-direct\"",
	    s->tunnels_clearnet_direct);
	val_u(w, "onionfed_outbound_tunnels_total", "route=\"clearnet-tor\"",
	    s->tunnels_clearnet_tor);
	metric_u(w, "onionfed_outbound_tunnels_active", "gauge",
	    "tunnels open now", s->tunnels_active);
	metric_u(w, "onionfed_outbound_handshakes_active", "gauge",
	    "proxy handshakes in progress", s->handshakes_active);
	metric_u(w, "onionfed_outbound_tor_connects_total", "counter",
	    "connections to tor's SocksPort", s->tor_connects);
	metric_u(w, "onionfed_outbound_direct_connects_total", "counter",
	    "direct connections to clearnet peers", s->direct_connects);
	metric_u(w, "onionfed_outbound_dns_lookups_total", "counter",
	    "DNS lookups of clearnet peers", s->dns_lookups);
	metric_u(w, "onionfed_outbound_circuit_renewals_total", "counter",
	    "tunnels through tor that failed and renewed their destination's "
	    "isolation credentials (next attempt on a new circuit)",
	    s->iso_renewed);
	help(w, "onionfed_outbound_bytes_total", "counter",
	    "tunnel payload bytes by direction");
	val_u(w, "onionfed_outbound_bytes_total", "direction=\"up\"",
	    s->bytes_up);
	val_u(w, "onionfed_outbound_bytes_total", "direction=\"down\"",
	    s->bytes_down);
	help(w, "onionfed_outbound_refused_total", "counter",
	    "tunnels refused or failed by reason");
	for (r = 1; r < GW_OB_R_MAX; r++) {
		snprintf(lb, sizeof(lb), "reason=\"%s\"",
		    gw_outbound_reason_name(r));
		val_u(w, "onionfed_outbound_refused_total", lb, s->refused[r]);
	}
}

static void
metrics_limiter(struct mw *w, const struct pol_limiter_stats *s)
{
	metric_u(w, "onionfed_limiter_capacity", "gauge",
	    "entries the per-peer limiter can track", s->capacity);
	help(w, "onionfed_limiter_entries", "gauge",
	    "per-peer limiter entries in use");
	val_u(w, "onionfed_limiter_entries", "kind=\"tracked\"", s->tracked);
	val_u(w, "onionfed_limiter_entries", "kind=\"established\"",
	    s->established);
	val_u(w, "onionfed_limiter_entries", "kind=\"busy\"", s->busy);
	metric_u(w, "onionfed_limiter_memory_bytes", "gauge",
	    "memory of the limiter's table", s->bytes);
	metric_u(w, "onionfed_limiter_evictions_total", "counter",
	    "entries evicted for new peers", s->evictions);
	metric_u(w, "onionfed_limiter_untracked_total", "counter",
	    "requests admitted without an entry (table busy)", s->untracked);
	help(w, "onionfed_limiter_decisions_total", "counter",
	    "limiter decisions by action");
	val_u(w, "onionfed_limiter_decisions_total", "action=\"pass\"",
	    s->passed);
	val_u(w, "onionfed_limiter_decisions_total", "action=\"delay\"",
	    s->delayed);
	val_u(w, "onionfed_limiter_decisions_total", "action=\"reject\"",
	    s->rejected);
}

int
gw_admin_render_metrics(const struct gw_daemon_ctx *ctx,
    const struct pol_limiter *lim, struct evbuffer *out)
{
	struct mw		 w = { out, 0 };
	struct gw_onion_status	 ost;
	struct gw_inbound_stats	 ist;
	struct pol_limiter_stats lst;
	char			 lb[160], esc[96];

	label_esc(esc, sizeof(esc), PACKAGE_VERSION);
	help(&w, "onionfed_build_info", "gauge", "version and mode");
	snprintf(lb, sizeof(lb), "version=\"%s\",mode=\"%s\"", esc,
	    mode_name(ctx));
	val_u(&w, "onionfed_build_info", lb, 1);
	metric_u(&w, "onionfed_uptime_seconds", "gauge",
	    "seconds since onionfedd started", uptime_s(ctx));
	help(&w, "onionfed_reloads_total", "counter",
	    "configuration reloads by result");
	val_u(&w, "onionfed_reloads_total", "result=\"ok\"", ctx->reloads_ok);
	val_u(&w, "onionfed_reloads_total", "result=\"failed\"",
	    ctx->reloads_failed);
	help(&w, "onionfed_area_up", "gauge",
	    "1 for each part of the daemon that is running");
	val_u(&w, "onionfed_area_up", "area=\"onion\"", onion_linked(ctx));
	val_u(&w, "onionfed_area_up", "area=\"inbound\"",
	    ctx->inbound != NULL);
	val_u(&w, "onionfed_area_up", "area=\"outbound\"",
	    ctx->outbound != NULL);
	val_u(&w, "onionfed_area_up", "area=\"admin\"", ctx->admin != NULL);
	if (onion_linked(ctx)) {
		memset(&ost, 0, sizeof(ost));
		gw_onion_get_status(ctx->onion, &ost);
		metrics_onion(&w, &ost);
	}
	if (ctx->inbound != NULL) {
		memset(&ist, 0, sizeof(ist));
		gw_inbound_get_stats(ctx->inbound, &ist);
		metrics_inbound(&w, &ist);
	}
	if (ctx->outbound != NULL)
		metrics_outbound(&w, gw_outbound_stats(ctx->outbound));
	if (lim != NULL) {
		pol_limiter_stats(lim, &lst);
		metrics_limiter(&w, &lst);
	}
	return w.err ? GW_ADMIN_ERR_NOMEM : 0;
}

/* -------------------------------------------------------------- JSON */

/* json_object_set_new() that remembers a failure. */
static void
jset(json_t *o, const char *k, json_t *v, int *err)
{
	if (v == NULL || json_object_set_new(o, k, v) != 0)
		*err = 1;
}

static json_t *
ju(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *
onion_json(const struct gw_onion_status *st, int *err)
{
	json_t		*o = json_object(), *t, *d, *p;
	uint64_t	 now = mono_ms();

	if (o == NULL) {
		*err = 1;
		return NULL;
	}
	jset(o, "state", json_string(gw_onion_state_name(st->state)), err);
	jset(o, "reason", json_string(st->reason), err);
	jset(o, "address", st->address[0] ? json_string(st->address) :
	    json_null(), err);
	jset(o, "state_for_s", ju(now > st->state_since_ms ?
	    (now - st->state_since_ms) / 1000 : 0), err);
	jset(o, "onion_adds", ju(st->onion_adds), err);
	jset(o, "pow_enabled", json_boolean(st->pow_enabled), err);
	if ((t = json_object()) != NULL) {
		jset(t, "connected", json_boolean(st->tor_connected), err);
		jset(t, "version", st->tor_version[0] ?
		    json_string(st->tor_version) : json_null(), err);
		jset(t, "bootstrap_percent", st->bootstrap_percent >= 0 ?
		    json_integer(st->bootstrap_percent) : json_null(), err);
		jset(t, "network_live", st->network_live >= 0 ?
		    json_boolean(st->network_live) : json_null(), err);
		jset(t, "control_reconnects", ju(st->control_reconnects), err);
	}
	jset(o, "tor", t, err);
	if ((d = json_object()) != NULL) {
		jset(d, "round_hsdirs_ok", ju(st->round_hsdirs_ok), err);
		jset(d, "round_hsdirs_failed", ju(st->round_hsdirs_failed),
		    err);
		jset(d, "round_hsdirs_total", ju(st->round_hsdirs_total), err);
		jset(d, "uploads_ok", ju(st->desc_uploads_ok), err);
		jset(d, "uploads_failed", ju(st->desc_uploads_failed), err);
		jset(d, "last_upload_ok_s", st->last_upload_ok_ms >= 0 ?
		    ju(now > (uint64_t)st->last_upload_ok_ms ?
		    (now - (uint64_t)st->last_upload_ok_ms) / 1000 : 0) :
		    json_null(), err);
		jset(d, "last_upload_fail", json_string(st->last_upload_fail),
		    err);
	}
	jset(o, "descriptors", d, err);
	if ((p = json_object()) != NULL) {
		jset(p, "ok", ju(st->probes_ok), err);
		jset(p, "failed", ju(st->probes_failed), err);
		jset(p, "last_latency_ms", st->last_probe_ms >= 0 ?
		    json_integer(st->last_probe_ms) : json_null(), err);
		jset(p, "last_fail", json_string(st->last_probe_fail), err);
	}
	jset(o, "probe", p, err);
	return o;
}

static json_t *
inbound_json(const struct gw_inbound_stats *s, int *err)
{
	json_t	*o = json_object();

	if (o == NULL) {
		*err = 1;
		return NULL;
	}
	jset(o, "accepted", ju(s->accepted), err);
	jset(o, "requests", ju(s->requests), err);
	jset(o, "forwarded", ju(s->forwarded), err);
	jset(o, "refused", ju(s->refused), err);
	jset(o, "delayed", ju(s->delayed), err);
	jset(o, "upstream_errors", ju(s->upstream_errors), err);
	jset(o, "upstream_timeouts", ju(s->upstream_timeouts), err);
	jset(o, "client_timeouts", ju(s->client_timeouts), err);
	jset(o, "connections", ju(s->conns), err);
	jset(o, "held", ju(s->held), err);
	return o;
}

static json_t *
outbound_json(const struct gw_outbound_stats *s, int *err)
{
	json_t	*o = json_object(), *r = json_object();
	int	 i;

	if (o == NULL || r == NULL) {
		json_decref(o);
		json_decref(r);
		*err = 1;
		return NULL;
	}
	jset(o, "accepted_connect", ju(s->accepted_connect), err);
	jset(o, "accepted_socks", ju(s->accepted_socks), err);
	jset(o, "tunnels_onion", ju(s->tunnels_onion), err);
	jset(o, "tunnels_clearnet_direct", ju(s->tunnels_clearnet_direct),
	    err);
	jset(o, "tunnels_clearnet_tor", ju(s->tunnels_clearnet_tor), err);
	jset(o, "tunnels_active", ju(s->tunnels_active), err);
	jset(o, "bytes_up", ju(s->bytes_up), err);
	jset(o, "bytes_down", ju(s->bytes_down), err);
	for (i = 1; i < GW_OB_R_MAX; i++)
		if (s->refused[i] > 0)
			jset(r, gw_outbound_reason_name(i), ju(s->refused[i]),
			    err);
	jset(o, "refused", r, err);
	return o;
}

static json_t *
limiter_json(const struct pol_limiter_stats *s, int *err)
{
	json_t	*o = json_object();

	if (o == NULL) {
		*err = 1;
		return NULL;
	}
	jset(o, "capacity", ju(s->capacity), err);
	jset(o, "tracked", ju(s->tracked), err);
	jset(o, "established", ju(s->established), err);
	jset(o, "busy", ju(s->busy), err);
	jset(o, "evictions", ju(s->evictions), err);
	jset(o, "passed", ju(s->passed), err);
	jset(o, "delayed", ju(s->delayed), err);
	jset(o, "rejected", ju(s->rejected), err);
	return o;
}

static char *
dump(json_t *root, int err)
{
	char	*s = NULL;

	if (!err && root != NULL)
		s = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(root);
	return s;
}

char *
gw_admin_render_status(const struct gw_daemon_ctx *ctx,
    const struct pol_limiter *lim)
{
	struct gw_onion_status	 ost;
	struct gw_inbound_stats	 ist;
	struct pol_limiter_stats lst;
	json_t			*root, *r;
	int			 err = 0;

	if ((root = json_object()) == NULL)
		return NULL;
	jset(root, "version", json_string(PACKAGE_VERSION), &err);
	jset(root, "mode", json_string(mode_name(ctx)), &err);
	/* server_name unset in the config means the onion address. */
	jset(root, "server_name", ctx->cfg != NULL &&
	    ctx->cfg->server_name != NULL ?
	    json_string(ctx->cfg->server_name) : ctx->onion_address != NULL ?
	    json_string(ctx->onion_address) : json_null(), &err);
	jset(root, "onion_address", ctx->onion_address != NULL ?
	    json_string(ctx->onion_address) : json_null(), &err);
	jset(root, "started", json_integer((json_int_t)ctx->started), &err);
	jset(root, "uptime_s", ju(uptime_s(ctx)), &err);
	jset(root, "stopping", json_boolean(ctx->stopping), &err);
	if ((r = json_object()) != NULL) {
		jset(r, "ok", ju(ctx->reloads_ok), &err);
		jset(r, "failed", ju(ctx->reloads_failed), &err);
	}
	jset(root, "reloads", r, &err);
	if (onion_linked(ctx)) {
		memset(&ost, 0, sizeof(ost));
		gw_onion_get_status(ctx->onion, &ost);
		jset(root, "onion", onion_json(&ost, &err), &err);
	} else
		jset(root, "onion", json_null(), &err);
	if (ctx->inbound != NULL) {
		memset(&ist, 0, sizeof(ist));
		gw_inbound_get_stats(ctx->inbound, &ist);
		jset(root, "inbound", inbound_json(&ist, &err), &err);
	} else
		jset(root, "inbound", json_null(), &err);
	jset(root, "outbound", ctx->outbound != NULL ?
	    outbound_json(gw_outbound_stats(ctx->outbound), &err) :
	    json_null(), &err);
	if (lim != NULL) {
		pol_limiter_stats(lim, &lst);
		jset(root, "limiter", limiter_json(&lst, &err), &err);
	} else
		jset(root, "limiter", json_null(), &err);
	return dump(root, err);
}

struct peers_walk {
	json_t	*arr;
	size_t	 max, total;
	int	 err;
};

static int
peer_cb(const struct pol_limiter_entry *e, void *arg)
{
	struct peers_walk	*pw = arg;
	json_t			*o, *v;
	int			*err = &pw->err;

	pw->total++;
	if (json_array_size(pw->arr) >= pw->max)
		return 0;		/* keep counting */
	if ((o = json_object()) == NULL) {
		pw->err = 1;
		return 1;
	}
	/* Names are canonical peer keys (ASCII); anything else shows null. */
	if (e->name == NULL || (v = json_stringn(e->name, e->name_len)) ==
	    NULL)
		v = json_null();
	jset(o, "name", v, err);
	jset(o, "name_truncated", json_boolean(e->name_truncated), err);
	jset(o, "direction", json_string(e->dir == POL_DIR_INBOUND ?
	    "inbound" : "outbound"), err);
	jset(o, "established", json_boolean(e->st.established), err);
	jset(o, "concurrent", ju(e->st.concurrent), err);
	jset(o, "passes", ju(e->st.passes), err);
	jset(o, "full_in_ms", ju(e->st.full_in_ms), err);
	jset(o, "tracked_for_s", ju(e->tracked_for_s), err);
	if (json_array_append_new(pw->arr, o) != 0)
		pw->err = 1;
	return pw->err;
}

char *
gw_admin_render_peers(const struct gw_daemon_ctx *ctx,
    const struct pol_limiter *lim, size_t max_peers)
{
	struct peers_walk	 pw;
	json_t			*root;
	int			 err = 0;

	(void)ctx;
	memset(&pw, 0, sizeof(pw));
	if ((root = json_object()) == NULL)
		return NULL;
	if ((pw.arr = json_array()) == NULL) {
		json_decref(root);
		return NULL;
	}
	pw.max = max_peers;
	if (lim != NULL)
		(void)pol_limiter_walk(lim, peer_cb, &pw);
	err = pw.err;
	jset(root, "limiter", json_boolean(lim != NULL), &err);
	jset(root, "tracked", ju(pw.total), &err);
	jset(root, "shown", ju(json_array_size(pw.arr)), &err);
	jset(root, "truncated", json_boolean(pw.total >
	    json_array_size(pw.arr)), &err);
	jset(root, "peers", pw.arr, &err);
	return dump(root, err);
}
