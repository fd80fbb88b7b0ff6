/*
 * gw_onion.h - the onion manager: owns our v3 onion service on tor (key,
 * ADD_ONION/DEL_ONION, re-add after tor restarts) and its health (HS_DESC
 * uploads, bootstrap, liveness, self-probe through tor's SocksPort).
 * Owns: the control connection (torctl), the onion key in memory, the
 * probe connection, the health state and counters.
 * Never: Detach (the onion dies with us); logs the key; blocks the loop.
 *
 * CONTRACT written by the lead before the implementation (the admin area
 * codes against it); the implementer may add members and functions but
 * keeps these.
 */
#ifndef GW_GATEWAYD_GW_ONION_H
#define GW_GATEWAYD_GW_ONION_H

#include <stddef.h>
#include <stdint.h>

struct gw_area;
struct gw_daemon_ctx;
struct gw_onion;			/* opaque */

/* The operator's one state (issue 6): the order is the order of health. */
enum gw_onion_state {
	GW_ONION_STARTING	= 0,	/* key loaded, control not up yet */
	GW_ONION_TOR_UNAVAILABLE = 1,	/* control connection down / auth
					 * failed; retrying with backoff */
	GW_ONION_PUBLISHING	= 2,	/* ADD_ONION done, no descriptor
					 * accepted by an HSDir yet */
	GW_ONION_PUBLISHED	= 3,	/* >= 1 HSDir accepted this round */
	GW_ONION_REACHABLE	= 4,	/* the self-probe succeeded */
	GW_ONION_DEGRADED	= 5,	/* was up, now failing: see reason */
};

/* Probe latency histogram buckets (upper bounds, seconds) for /metrics. */
#define GW_ONION_PROBE_BUCKETS	{ 0.5, 1, 2, 5, 10, 30, 60 }
#define GW_ONION_NPROBE_BUCKETS	7

struct gw_onion_status {
	enum gw_onion_state state;
	char		 reason[128];	/* why degraded / unavailable; "" */
	char		 address[63];	/* "<56 chars>.onion", "" if none */
	uint64_t	 state_since_ms;	/* monotonic ms of last change */

	/* tor */
	int		 tor_connected;
	char		 tor_version[32];
	int		 bootstrap_percent;	/* -1 unknown */
	int		 network_live;		/* -1 unknown, 0 down, 1 up */
	uint64_t	 control_reconnects;
	uint64_t	 onion_adds;		/* successful ADD_ONION */
	int		 pow_enabled;

	/* descriptors: this publication round and totals */
	unsigned	 round_hsdirs_ok;	/* UPLOADED this round */
	unsigned	 round_hsdirs_failed;	/* FAILED or timed out */
	unsigned	 round_hsdirs_total;	/* UPLOAD seen this round */
	uint64_t	 desc_uploads_ok;	/* totals */
	uint64_t	 desc_uploads_failed;
	int64_t		 last_upload_ok_ms;	/* monotonic; -1 never */
	char		 last_upload_fail[64];	/* tor's REASON= or "timeout" */

	/* self-probe */
	uint64_t	 probes_ok, probes_failed;
	int64_t		 last_probe_ms;		/* latency of the last ok
						 * probe; -1 never */
	char		 last_probe_fail[64];
	uint64_t	 probe_hist[GW_ONION_NPROBE_BUCKETS + 1]; /* +Inf */
	double		 probe_sum_s;
};

/* Stable lower-case name: "starting", "tor-unavailable", "publishing",
 * "published", "reachable", "degraded". */
const char	*gw_onion_state_name(enum gw_onion_state st);

/* Snapshot of the state and counters (cheap; for /status, /metrics). */
void		 gw_onion_get_status(const struct gw_onion *on,
		    struct gw_onion_status *st);

/* Our onion address "<56>.onion" (known from the key at start, before tor
 * answers), or NULL. Valid while 'on' lives. */
const char	*gw_onion_address(const struct gw_onion *on);

/* The area (gw_onion_area.c): start loads or makes the key, checks
 * server_name in onion-only mode, connects to tor asynchronously; READY=1
 * is sent by the onion manager when the onion is first added (listeners are
 * bound by then: inbound/outbound start synchronously after it). */
extern const struct gw_area gw_onion_area;

#endif /* GW_GATEWAYD_GW_ONION_H */
