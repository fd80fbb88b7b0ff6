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
	uint64_t	 probe_hist[GW_ONION_NPROBE_BUCKETS + 1]; /* +Inf;
					 * counts per bucket (le bound[i]
					 * and > bound[i-1]), not cumulative:
					 * /metrics sums them */
	double		 probe_sum_s;

	/* added by the implementation */
	int		 last_probe_http_status;	/* 0 none */
	int		 ready_sent;		/* READY=1 went out */
	int		 pow_supported;		/* -1 unknown, 0 no, 1 yes */
	uint64_t	 leftovers_removed;	/* detached onions DEL_ONIONed */
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

/* ---- life cycle (used by gw_onion_area.c and the unit tests) ---------- */

struct event_base;
struct gw_config;
struct gw_notify;

/*
 * The synchronous part of the start: load the onion key from
 * cfg->onion_key, or create it there (file 0600, a missing parent
 * directory 0700) when it does not exist; in onion-only mode refuse a
 * cfg->server_name that is not the key's address. 'notify' may be NULL.
 * Nothing talks to tor yet. On success return the manager (state
 * "starting"); otherwise return NULL and put one line saying why (both
 * names for a mismatch) into 'errbuf'. 'cfg' is read during the call only.
 */
struct gw_onion	*gw_onion_new(struct event_base *base,
		    struct gw_notify *notify, const struct gw_config *cfg,
		    char *errbuf, size_t errlen);

/* Begin the asynchronous part: connect and authenticate to tor, subscribe
 * to events, remove a detached leftover of our address, ADD_ONION (never
 * Detach), then track health; reconnect with back-off and re-add forever.
 * Return 0, or -1 if the first attempt could not even be scheduled. */
int		 gw_onion_start(struct gw_onion *on);

/* Take the live-changeable keys of a new snapshot (probe_interval,
 * upload_timeout, pow queue values for the next ADD_ONION); the others are
 * logged at NOTICE as needing a restart. 'cfg' is read during the call
 * only. */
void		 gw_onion_reconfigure(struct gw_onion *on,
		    const struct gw_config *cfg);

/* Stop reconnecting and probing, DEL_ONION, and call done(arg) exactly
 * once: after tor's reply, or GW_ONION_DRAIN_TIMEOUT_MS, or at once when
 * no onion is up (possibly before returning). */
void		 gw_onion_drain(struct gw_onion *on, void (*done)(void *),
		    void *arg);

/* Close the control connection (tor removes the onion with it) and free.
 * No callbacks after. NULL is a no-op. */
void		 gw_onion_free(struct gw_onion *on);

/* Tests and tools: probe now (if an onion is up and probing is on). */
void		 gw_onion_probe_now(struct gw_onion *on);

/* The area (gw_onion_area.c): start loads or makes the key, checks
 * server_name in onion-only mode, connects to tor asynchronously; READY=1
 * is sent by the onion manager when the onion is first added (listeners are
 * bound by then: inbound/outbound start synchronously after it). */
extern const struct gw_area gw_onion_area;

#endif /* GW_GATEWAYD_GW_ONION_H */
