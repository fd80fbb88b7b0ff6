/*
 * gw_onion.c - the onion manager (see gw_onion.h): the onion key, the
 * control connection, ADD_ONION / re-add / DEL_ONION, and the health
 * state computed from HS_DESC uploads, bootstrap, liveness and the
 * self-probe.
 *
 * The state is never set directly: events update facts (connected,
 * added, uploads ok this round, probe streak, liveness) and update_state()
 * derives the one state from them, logging and notifying each change.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_log_ids.h"
#include "gatewayd/gw_notify.h"
#include "gatewayd/gw_onion.h"
#include "gatewayd/gw_onion_int.h"
#include "gatewayd/gw_onion_limits.h"
#include "gatewayd/gw_onion_probe.h"
#include "torctl/torctl.h"
#include "torctl/torctl_onionkey.h"

#define SUBSYS		"onion"
#define TARGET_MAX	(GW_ADDR_HOST_MAX + GW_ADDR_PATH_MAX + 16)

/* Why we are degraded (the most important wins in update_state()). */
enum blocker {
	BLOCK_NONE = 0,
	BLOCK_POW,			/* pow_defenses = on, tor lacks it */
	BLOCK_COLLISION,		/* 550 Onion address collision */
	BLOCK_ADD_FAILED,		/* other ADD_ONION refusal */
};

struct upload {
	char		 hsdir[128];
	uint64_t	 started_ms;
};

struct gw_onion {
	struct event_base	*base;
	struct gw_notify	*notify;
	struct torctl		*tc;
	struct torctl_onionkey	*key;
	SSL_CTX			*ssl_ctx;
	char			 service_id[TORCTL_ONION_ID_LEN + 1];
	char			 address[TORCTL_ONION_ADDR_LEN + 1];

	/* copied from the config at start (restart to change) */
	char			 control[TARGET_MAX];
	enum torctl_auth	 auth;
	char			*password;
	struct gw_addr		 socks;
	struct torctl_onion_port ports[GW_CONF_MAX_ONION_PORTS];
	char			 targets[GW_CONF_MAX_ONION_PORTS][TARGET_MAX];
	size_t			 nports;
	uint16_t		 probe_port;
	enum gw_pow		 pow_mode;
	unsigned		 max_streams;
	/* live-changeable */
	unsigned		 pow_rate, pow_burst;
	unsigned		 probe_interval_ms;
	unsigned		 upload_timeout_ms;

	/* events */
	struct event		*reconnect_ev;
	struct event		*tick_ev;	/* 1 s while connected */
	struct event		*probe_ev;
	struct event		*drain_timer;
	struct event		*drain_done_ev;
	struct event		*status_ev;	/* re-send STATUS= */

	/* facts */
	struct gw_onion_status	 st;
	struct torctl_backoff	 backoff;
	int			 connecting;
	int			 ever_connected;
	int			 added;		/* on this connection */
	int			 adding;
	uint64_t		 added_ms;
	int			 pow_used;
	int			 pow_logged;
	enum blocker		 blocker;
	char			 blocker_why[128];
	int			 upload_ok_since_add;
	int			 uploads_bad;	/* round failed / timed out */
	char			 uploads_why[128];
	int			 probe_ok_since_add;
	unsigned		 probe_streak;	/* consecutive failures */
	int			 bootstrap_logged;
	struct upload		 pending[GW_ONION_MAX_PENDING_UPLOADS];
	size_t			 npending;
	struct gw_probe		*probe;
	uint64_t		 probe_seq;
	char			 last_notify[256];
	char			 last_lost[256];

	int			 draining;
	int			 drain_called;
	void			(*drain_done)(void *);
	void			*drain_arg;
	int			 freeing;
};

static void	connect_now(struct gw_onion *);
static void	drain_done_cb(evutil_socket_t, short, void *);
static void	update_state(struct gw_onion *);
static void	schedule_probe(struct gw_onion *, unsigned ms);

/* ---- small helpers --------------------------------------------------- */

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t
rnd32(void)
{
	uint32_t	r = 0;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (uint32_t)mono_ms();
	return r;
}

/* snprintf where truncating is fine (messages, reasons). */
static void
setf(char *dst, size_t n, const char *fmt, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
setf(char *dst, size_t n, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

static void
timer_in(struct event *ev, unsigned ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

static void
log_onion(struct gw_onion *on, int prio, const char *msgid,
    const char *reason, const char *fmt, ...)
    __attribute__((__format__(printf, 5, 6)));

static void
log_onion(struct gw_onion *on, int prio, const char *msgid,
    const char *reason, const char *fmt, ...)
{
	struct gw_log_fields	f = { .msgid = msgid, .onion = on->address,
				      .reason = reason };
	char			msg[768];
	va_list			ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	GW_LOGF(prio, SUBSYS, 0, &f, "%s", msg);
}

const char *
gw_onion_state_name(enum gw_onion_state st)
{
	switch (st) {
	case GW_ONION_STARTING:		return "starting";
	case GW_ONION_TOR_UNAVAILABLE:	return "tor-unavailable";
	case GW_ONION_PUBLISHING:	return "publishing";
	case GW_ONION_PUBLISHED:	return "published";
	case GW_ONION_REACHABLE:	return "reachable";
	case GW_ONION_DEGRADED:		return "degraded";
	}
	return "unknown";
}

void
gw_onion_get_status(const struct gw_onion *on, struct gw_onion_status *st)
{
	*st = on->st;
}

const char *
gw_onion_address(const struct gw_onion *on)
{
	return on != NULL && on->address[0] ? on->address : NULL;
}

/* ---- state ----------------------------------------------------------- */

static void
notify_status(struct gw_onion *on)
{
	struct gw_onion_status	*s = &on->st;
	char			 buf[256];

	switch (s->state) {
	case GW_ONION_REACHABLE:
		setf(buf, sizeof(buf), "reachable %s, probe %.1fs, %u/%u "
		    "HSDirs", on->address, (double)s->last_probe_ms / 1000.0,
		    s->round_hsdirs_ok, s->round_hsdirs_total);
		break;
	case GW_ONION_PUBLISHED:
		setf(buf, sizeof(buf), "published %s, %u/%u HSDirs",
		    on->address, s->round_hsdirs_ok, s->round_hsdirs_total);
		break;
	case GW_ONION_PUBLISHING:
		if (s->bootstrap_percent >= 0 && s->bootstrap_percent < 100)
			setf(buf, sizeof(buf), "publishing %s (tor bootstrap "
			    "%d%%)", on->address, s->bootstrap_percent);
		else
			setf(buf, sizeof(buf), "publishing %s", on->address);
		break;
	default:
		setf(buf, sizeof(buf), "%s %s%s%s",
		    gw_onion_state_name(s->state), on->address,
		    s->reason[0] ? ": " : "", s->reason);
		break;
	}
	if (strcmp(buf, on->last_notify) == 0)
		return;
	setf(on->last_notify, sizeof(on->last_notify), "%s", buf);
	gw_notify_status(on->notify, "%s", buf);
}

static void
set_state(struct gw_onion *on, enum gw_onion_state ns, const char *why,
    const char *reason_code)
{
	struct gw_onion_status	*s = &on->st;
	enum gw_onion_state	 old = s->state;
	const char		*msgid = NULL;
	int			 prio = LOG_NOTICE;

	if (ns == old && strcmp(s->reason, why) == 0)
		return;
	setf(s->reason, sizeof(s->reason), "%s", why);
	if (ns != old) {
		s->state = ns;
		s->state_since_ms = mono_ms();
	}
	switch (ns) {
	case GW_ONION_TOR_UNAVAILABLE:
		msgid = GW_MSGID_TOR_LOST;
		prio = LOG_WARNING;
		break;
	case GW_ONION_PUBLISHING:
		msgid = GW_MSGID_ONION_ADDED;
		break;
	case GW_ONION_PUBLISHED:
		msgid = GW_MSGID_ONION_PUBLISHED;
		break;
	case GW_ONION_REACHABLE:
		msgid = GW_MSGID_ONION_REACHABLE;
		break;
	case GW_ONION_DEGRADED:
		msgid = GW_MSGID_ONION_DEGRADED;
		prio = LOG_WARNING;
		break;
	case GW_ONION_STARTING:
		break;
	}
	if (ns == GW_ONION_REACHABLE)
		log_onion(on, prio, msgid, reason_code, "onion %s: %s -> %s "
		    "(probe %.2fs, %u/%u HSDirs)", on->address,
		    gw_onion_state_name(old), gw_onion_state_name(ns),
		    (double)s->last_probe_ms / 1000.0, s->round_hsdirs_ok,
		    s->round_hsdirs_total);
	else if (ns == old)		/* same state, another reason */
		log_onion(on, prio, msgid, reason_code, "onion %s: still %s: "
		    "%s", on->address, gw_onion_state_name(ns), why);
	else
		log_onion(on, prio, msgid, reason_code, "onion %s: %s -> %s%s%s",
		    on->address, gw_onion_state_name(old),
		    gw_onion_state_name(ns), why[0] ? ": " : "", why);
}

/* Derive the state from the facts; log and notify a change. */
static void
update_state(struct gw_onion *on)
{
	struct gw_onion_status	*s = &on->st;
	char			 why[128];

	if (on->freeing)
		return;
	if (!s->tor_connected) {
		if (on->ever_connected || s->state != GW_ONION_STARTING ||
		    on->last_lost[0] != '\0')
			set_state(on, GW_ONION_TOR_UNAVAILABLE, on->last_lost,
			    "tor-unavailable");
		notify_status(on);
		return;
	}
	if (on->blocker != BLOCK_NONE) {
		set_state(on, GW_ONION_DEGRADED, on->blocker_why,
		    on->blocker == BLOCK_POW ? "pow-unsupported" :
		    on->blocker == BLOCK_COLLISION ? "collision" :
		    "add-failed");
		notify_status(on);
		return;
	}
	if (!on->added) {
		notify_status(on);		/* connected, adding */
		return;
	}
	/* "Network down" counts once tor had bootstrapped: a tor that has
	 * just (re)started says "down" until its first circuits. */
	if (s->network_live == 0 && s->bootstrap_percent == 100)
		set_state(on, GW_ONION_DEGRADED, "tor reports the network "
		    "down", "network-down");
	else if (on->uploads_bad)
		set_state(on, GW_ONION_DEGRADED, on->uploads_why,
		    "uploads-failed");
	else if (on->probe_streak >= GW_ONION_PROBE_RETRIES) {
		setf(why, sizeof(why), "self-probe failed %u times: %s",
		    on->probe_streak, s->last_probe_fail);
		set_state(on, GW_ONION_DEGRADED, why, "probe-failed");
	} else if (on->probe_ok_since_add)	/* fewer failures: retrying */
		set_state(on, GW_ONION_REACHABLE, "", "probe-ok");
	else if (on->upload_ok_since_add)
		set_state(on, GW_ONION_PUBLISHED, "", "uploaded");
	else
		set_state(on, GW_ONION_PUBLISHING, "", "added");
	notify_status(on);
}

/* ---- uploads --------------------------------------------------------- */

static void
uploads_reset(struct gw_onion *on)
{
	on->npending = 0;
	on->st.round_hsdirs_ok = 0;
	on->st.round_hsdirs_failed = 0;
	on->st.round_hsdirs_total = 0;
}

static int
pending_take(struct gw_onion *on, const char *hsdir)
{
	size_t	i;

	for (i = 0; i < on->npending; i++) {
		if (strcmp(on->pending[i].hsdir, hsdir) == 0) {
			on->pending[i] = on->pending[--on->npending];
			return 1;
		}
	}
	return 0;
}

/* A round is over when nothing is pending; all-failed means degraded. */
static void
round_check(struct gw_onion *on)
{
	struct gw_onion_status	*s = &on->st;

	if (on->npending > 0 || s->round_hsdirs_total == 0)
		return;
	if (s->round_hsdirs_ok == 0 && s->round_hsdirs_failed > 0) {
		on->uploads_bad = 1;
		setf(on->uploads_why, sizeof(on->uploads_why),
		    "descriptor upload failed at %u of %u HSDirs (%s)",
		    s->round_hsdirs_failed, s->round_hsdirs_total,
		    s->last_upload_fail);
	}
}

static void
upload_failed(struct gw_onion *on, const char *reason)
{
	on->st.round_hsdirs_failed++;
	on->st.desc_uploads_failed++;
	setf(on->st.last_upload_fail, sizeof(on->st.last_upload_fail),
	    "%s", reason[0] ? reason : "unknown");
}

static void
on_hs_desc(struct gw_onion *on, const struct torctl_ev_hs_desc *h)
{
	struct gw_onion_status	*s = &on->st;
	int			 was_ok = on->upload_ok_since_add;

	if (strcmp(h->address, on->service_id) != 0 || !on->added)
		return;
	if (strcmp(h->action, "UPLOAD") == 0) {
		/* A new round starts with an UPLOAD once the last resolved. */
		if (on->npending == 0 && s->round_hsdirs_total > 0 &&
		    s->round_hsdirs_ok + s->round_hsdirs_failed >=
		    s->round_hsdirs_total)
			uploads_reset(on);
		s->round_hsdirs_total++;
		if (on->npending < GW_ONION_MAX_PENDING_UPLOADS) {
			struct upload *u = &on->pending[on->npending++];

			setf(u->hsdir, sizeof(u->hsdir), "%s", h->hsdir);
			u->started_ms = mono_ms();
		}
	} else if (strcmp(h->action, "UPLOADED") == 0) {
		if (!pending_take(on, h->hsdir))
			return;
		s->round_hsdirs_ok++;
		s->desc_uploads_ok++;
		s->last_upload_ok_ms = (int64_t)mono_ms();
		on->upload_ok_since_add = 1;
		on->uploads_bad = 0;
		if (!was_ok)
			schedule_probe(on, 0);
	} else if (strcmp(h->action, "FAILED") == 0) {
		/* FAILED also reports fetches (our probe's own lookups):
		 * only an upload we saw start counts. */
		if (!pending_take(on, h->hsdir))
			return;
		upload_failed(on, h->reason);
		round_check(on);
	} else
		return;
	update_state(on);
}

/* Once a second while connected: time out uploads, and a publication that
 * never got a descriptor accepted. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_onion	*on = arg;
	uint64_t	 now = mono_ms();
	size_t		 i;
	int		 changed = 0;

	(void)fd;
	(void)what;
	for (i = 0; i < on->npending; ) {
		if (now - on->pending[i].started_ms >= on->upload_timeout_ms) {
			on->pending[i] = on->pending[--on->npending];
			upload_failed(on, "timeout");
			changed = 1;
			continue;
		}
		i++;
	}
	if (changed)
		round_check(on);
	if (on->added && !on->upload_ok_since_add && !on->uploads_bad &&
	    now - on->added_ms >= on->upload_timeout_ms) {
		on->uploads_bad = 1;
		setf(on->uploads_why, sizeof(on->uploads_why),
		    "no HSDir accepted the descriptor within %us",
		    on->upload_timeout_ms / 1000);
		changed = 1;
	}
	if (changed)
		update_state(on);
}

/* ---- self-probe ------------------------------------------------------ */

static void
probe_done(const struct gw_probe_result *res, void *arg)
{
	struct gw_onion		*on = arg;
	struct gw_onion_status	*s = &on->st;
	static const double	 bounds[] = GW_ONION_PROBE_BUCKETS;
	double			 sec = (double)res->latency_ms / 1000.0;
	size_t			 i;
	unsigned		 next;

	on->probe = NULL;
	if (res->ok) {
		s->probes_ok++;
		s->last_probe_ms = (int64_t)res->latency_ms;
		s->last_probe_http_status = res->http_status;
		s->probe_sum_s += sec;
		for (i = 0; i < GW_ONION_NPROBE_BUCKETS; i++)
			if (sec <= bounds[i])
				break;
		s->probe_hist[i]++;
		on->probe_ok_since_add = 1;
		on->probe_streak = 0;
		GW_LOG(LOG_INFO, SUBSYS, 0, "probe ok: %s in %.2fs (HTTP %d)",
		    on->address, sec, res->http_status);
		next = on->probe_interval_ms;
	} else {
		s->probes_failed++;
		setf(s->last_probe_fail, sizeof(s->last_probe_fail), "%s",
		    res->reason);
		on->probe_streak++;
		GW_LOG(LOG_INFO, SUBSYS, 0, "probe failed (%u in a row): %s "
		    "after %.2fs", on->probe_streak, res->reason, sec);
		next = on->probe_streak < GW_ONION_PROBE_RETRIES ?
		    GW_ONION_PROBE_RETRY_MS : GW_ONION_DEGRADED_PROBE_MS;
		if (next > on->probe_interval_ms)
			next = on->probe_interval_ms;
	}
	schedule_probe(on, next);
	update_state(on);
}

static void
probe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_onion	*on = arg;
	char		 pass[64];

	(void)fd;
	(void)what;
	if (on->probe != NULL || !on->added || on->draining ||
	    on->probe_interval_ms == 0)
		return;
	/* A fresh isolation token per probe: a fresh circuit, so the probe
	 * tests the descriptor and introduction, not an old rendezvous. */
	setf(pass, sizeof(pass), "%llu-%08x",
	    (unsigned long long)++on->probe_seq, rnd32());
	on->probe = gw_probe_start(on->base, on->ssl_ctx, &on->socks,
	    on->address, on->probe_port, "onionfed-selfprobe", pass,
	    GW_ONION_PROBE_TIMEOUT_MS, probe_done, on);
	if (on->probe == NULL) {
		struct gw_probe_result r = { 0, 0, 0,
		    "cannot start the probe (SocksPort address)" };

		probe_done(&r, on);
	}
}

static void
schedule_probe(struct gw_onion *on, unsigned ms)
{
	if (on->probe_interval_ms == 0 || !on->added || on->draining)
		return;
	event_del(on->probe_ev);
	timer_in(on->probe_ev, ms);
}

void
gw_onion_probe_now(struct gw_onion *on)
{
	schedule_probe(on, 0);
}

/* ---- tor events ------------------------------------------------------ */

static void
set_bootstrap(struct gw_onion *on, int pct)
{
	if (pct < 0 || pct > 100)
		return;
	on->st.bootstrap_percent = pct;
	if (pct == 100 && !on->bootstrap_logged) {
		on->bootstrap_logged = 1;
		log_onion(on, LOG_INFO, GW_MSGID_TOR_BOOTSTRAPPED, "bootstrap",
		    "tor has bootstrapped (100%%)");
	}
}

static int
progress_of(const char *s)
{
	const char	*p = strstr(s, "PROGRESS=");
	long		 v;
	char		*end;

	if (p == NULL)
		return -1;
	v = strtol(p + 9, &end, 10);
	if (end == p + 9 || v < 0 || v > 100)
		return -1;
	return (int)v;
}

static void
on_tor_event(struct torctl *tc, const struct torctl_reply *r, void *arg)
{
	struct gw_onion		*on = arg;
	struct torctl_event	*ev;

	(void)tc;
	if (on->freeing)
		return;
	/* ~6 KiB: keep it off the stack's hot path. */
	if ((ev = malloc(sizeof(*ev))) == NULL)
		return;
	if (torctl_event_parse(r, ev) != 0) {
		free(ev);
		return;
	}
	switch (ev->type) {
	case TORCTL_EV_HS_DESC:
		on_hs_desc(on, &ev->u.hs_desc);
		break;
	case TORCTL_EV_STATUS_CLIENT:
		if (strcmp(ev->u.status.action, "BOOTSTRAP") == 0)
			set_bootstrap(on, ev->u.status.progress);
		update_state(on);
		break;
	case TORCTL_EV_NETWORK_LIVENESS:
		if (on->st.network_live != ev->u.network_up)
			GW_LOG(LOG_INFO, SUBSYS, 0, "tor network liveness: %s",
			    ev->u.network_up ? "up" : "down");
		on->st.network_live = ev->u.network_up;
		if (ev->u.network_up)
			schedule_probe(on, 0);
		update_state(on);
		break;
	default:
		break;
	}
	free(ev);
}

/* ---- control connection ---------------------------------------------- */

static void
schedule_reconnect(struct gw_onion *on, int slow)
{
	uint32_t	ms;

	if (on->draining || on->freeing)
		return;
	if (slow && on->backoff.cap_ms < GW_ONION_AUTHFAIL_CAP_MS)
		on->backoff.cap_ms = GW_ONION_AUTHFAIL_CAP_MS;
	ms = torctl_backoff_next(&on->backoff, rnd32());
	event_del(on->reconnect_ev);
	timer_in(on->reconnect_ev, ms);
	/* Say it for the first attempts, then at powers of two. */
	if (on->backoff.attempts <= 3 ||
	    (on->backoff.attempts & (on->backoff.attempts - 1)) == 0)
		GW_LOG(LOG_DEBUG, SUBSYS, 0, "reconnecting to tor in %u ms "
		    "(attempt %u)", ms, on->backoff.attempts);
}

/* Forget everything about the connection (it is gone or going). */
static void
conn_reset(struct gw_onion *on)
{
	on->st.tor_connected = 0;
	on->added = 0;
	on->adding = 0;
	on->connecting = 0;
	on->upload_ok_since_add = 0;
	on->probe_ok_since_add = 0;
	on->uploads_bad = 0;
	on->probe_streak = 0;
	on->blocker = BLOCK_NONE;
	on->bootstrap_logged = 0;
	on->st.bootstrap_percent = -1;
	on->st.network_live = -1;
	on->npending = 0;
	event_del(on->tick_ev);
	event_del(on->probe_ev);
	gw_probe_cancel(on->probe);
	on->probe = NULL;
}

/* Give up on this connection: close it, say why, and retry later. */
static void
conn_fail(struct gw_onion *on, const char *why, int slow)
{
	setf(on->last_lost, sizeof(on->last_lost), "%s", why);
	torctl_close(on->tc);
	conn_reset(on);
	update_state(on);
	schedule_reconnect(on, slow);
}

static void
on_closed(struct torctl *tc, int err, void *arg)
{
	struct gw_onion	*on = arg;
	char		 why[256];

	(void)tc;
	if (on->freeing)
		return;
	setf(why, sizeof(why), "control connection lost (%s)",
	    torctl_strerror(err));
	setf(on->last_lost, sizeof(on->last_lost), "%s", why);
	conn_reset(on);
	if (!on->draining) {
		update_state(on);
		schedule_reconnect(on, 0);
	}
	if (on->draining && !on->drain_called)
		event_active(on->drain_done_ev, EV_TIMEOUT, 0);
}

static void	add_onion(struct gw_onion *);

static void
on_add_reply(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	struct gw_onion			*on = arg;
	struct torctl_onion_result	 res;
	const char			*text;
	int				 status;

	(void)tc;
	if (on->freeing || !on->adding)
		return;
	on->adding = 0;
	if (err == TORCTL_ERR_REPLY) {
		status = torctl_reply_status(r);
		text = torctl_reply_line(r, 0, NULL);
		if (text == NULL)
			text = "";
		if (on->pow_used && (status == 512 || status == 513 ||
		    status == 552) && on->pow_mode == GW_POW_AUTO) {
			/* tor claims the version but refuses the keywords
			 * (built without PoW): retry without, say it once. */
			on->st.pow_supported = 0;
			if (!on->pow_logged) {
				on->pow_logged = 1;
				log_onion(on, LOG_WARNING,
				    GW_MSGID_ONION_POW_UNAVAILABLE,
				    "pow-refused", "tor refused the PoW "
				    "keywords (%d %s): adding the onion "
				    "without PoW defences", status, text);
			}
			add_onion(on);
			return;
		}
		if (on->pow_used && status / 100 == 5 &&
		    on->pow_mode == GW_POW_ON && status != 550) {
			on->blocker = BLOCK_POW;
			setf(on->blocker_why, sizeof(on->blocker_why),
			    "tor refused PoW defences (%d %s) and "
			    "pow_defenses = on", status, text);
			update_state(on);
			return;
		}
		on->blocker = strstr(text, "collision") != NULL ?
		    BLOCK_COLLISION : BLOCK_ADD_FAILED;
		setf(on->blocker_why, sizeof(on->blocker_why),
		    "ADD_ONION refused: %d %s%s", status, text,
		    on->blocker == BLOCK_COLLISION ? " (another controller "
		    "serves this key)" : "");
		update_state(on);
		/* Look again later (reconnect_cb re-reads onions/detached
		 * and adds): the other service may go away. */
		schedule_reconnect(on, 1);
		return;
	}
	if (err != 0) {
		/* Connection trouble: on_closed() handles it. */
		if (torctl_is_ready(on->tc))
			conn_fail(on, torctl_strerror(err), 0);
		return;
	}
	if (torctl_onion_result(r, &res) != 0 ||
	    strcmp(res.service_id, on->service_id) != 0) {
		explicit_bzero(&res, sizeof(res));
		conn_fail(on, "ADD_ONION answered with another address", 1);
		return;
	}
	explicit_bzero(&res, sizeof(res));
	on->added = 1;
	on->added_ms = mono_ms();
	on->blocker = BLOCK_NONE;
	on->st.onion_adds++;
	on->st.pow_enabled = on->pow_used;
	uploads_reset(on);
	update_state(on);
	if (!on->st.ready_sent) {
		/*
		 * READY=1 once the onion is first added: the inbound and
		 * outbound listeners are bound by then (they start
		 * synchronously right after this area, before the loop runs)
		 * and tor has our service. Not at "reachable": descriptor
		 * propagation depends on the Tor network, and a start that
		 * waits for it would fail units on a slow network. Later
		 * outages show in STATUS=, not by withdrawing READY.
		 */
		on->st.ready_sent = 1;
		gw_notify_ready(on->notify, on->last_notify);
	}
}

static void
add_onion(struct gw_onion *on)
{
	struct torctl_onion_spec	spec;
	char				blob[TORCTL_ONIONKEY_BLOB_MAX];
	int				r, capable;

	if (on->draining || !torctl_is_ready(on->tc))
		return;
	memset(&spec, 0, sizeof(spec));
	capable = torctl_tor_at_least(on->tc, TORCTL_POW_VERSION_STR);
	on->pow_used = 0;
	if (on->pow_mode != GW_POW_OFF) {
		if (capable && on->st.pow_supported != 0) {
			on->pow_used = 1;
			on->st.pow_supported = 1;
		} else if (on->pow_mode == GW_POW_ON) {
			on->st.pow_supported = 0;
			on->blocker = BLOCK_POW;
			setf(on->blocker_why, sizeof(on->blocker_why),
			    "tor %s lacks PoW defences (needs %s) and "
			    "pow_defenses = on", on->st.tor_version,
			    TORCTL_POW_VERSION_STR);
			log_onion(on, LOG_ERR, GW_MSGID_ONION_POW_UNAVAILABLE,
			    "pow-unsupported", "not adding the onion: %s",
			    on->blocker_why);
			update_state(on);
			return;
		} else if (!capable) {
			on->st.pow_supported = 0;
			if (!on->pow_logged) {
				on->pow_logged = 1;
				log_onion(on, LOG_WARNING,
				    GW_MSGID_ONION_POW_UNAVAILABLE,
				    "pow-unsupported", "tor %s is older than "
				    "%s: the onion runs without PoW defences "
				    "and MaxStreams", on->st.tor_version,
				    TORCTL_POW_VERSION_STR);
			}
		}
	}
	if (torctl_onionkey_to_blob(on->key, blob, sizeof(blob)) != 0) {
		conn_fail(on, "cannot encode the onion key", 1);
		return;
	}
	spec.key = blob;
	memcpy(spec.ports, on->ports, sizeof(spec.ports));
	spec.nports = on->nports;
	/* Never Detach: the onion must die with us (gw_onion.h). */
	spec.flags = "DiscardPK";
	if (on->pow_used) {
		spec.pow = 1;
		spec.pow_queue_rate = on->pow_rate;
		spec.pow_queue_burst = on->pow_burst;
	}
	/* MaxStreams goes with the defences (issue 6): on tors that take
	 * PoW (>= 0.4.9.2), whether or not PoW itself is wanted. */
	if (capable && on->st.pow_supported != 0)
		spec.max_streams = on->max_streams;
	on->adding = 1;
	r = torctl_add_onion(on->tc, &spec, on_add_reply, on);
	explicit_bzero(blob, sizeof(blob));
	if (r != 0) {
		on->adding = 0;
		conn_fail(on, torctl_strerror(r), 0);
	}
}

static void
on_del_leftover(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	struct gw_onion	*on = arg;

	(void)tc;
	(void)r;
	if (on->freeing)
		return;
	if (err == 0) {
		on->st.leftovers_removed++;
		log_onion(on, LOG_NOTICE, GW_MSGID_ONION_LEFTOVER, "leftover",
		    "removed a detached onion %s left in tor; adding it as "
		    "ours (not detached)", on->address);
	} else if (err == TORCTL_ERR_REPLY)
		GW_LOG(LOG_WARNING, SUBSYS, 0, "DEL_ONION of the detached "
		    "leftover failed: %d", torctl_reply_status(r));
	else
		return;			/* connection gone: on_closed */
	add_onion(on);
}

/* Does the space-separated list 'v' (len n) contain our service id? */
static int
list_has(const struct gw_onion *on, const char *v, size_t n)
{
	size_t	idl = strlen(on->service_id), i = 0, j;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\n'))
			i++;
		j = i;
		while (j < n && v[j] != ' ' && v[j] != '\n')
			j++;
		if (j - i == idl && memcmp(v + i, on->service_id, idl) == 0)
			return 1;
		i = j;
	}
	return 0;
}

static void
on_onions_info(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	struct gw_onion	*on = arg;
	const char	*v;
	size_t		 n;

	(void)tc;
	if (on->freeing)
		return;
	if (err != 0 && err != TORCTL_ERR_REPLY)
		return;				/* connection gone */
	if (err == 0 && torctl_reply_get(r, "onions/current", &v, &n) == 0 &&
	    list_has(on, v, n)) {
		/* Ours on this very connection: cannot be, unless tor is
		 * confused; do not add twice (550 + a tor Bug: warning). */
		on->added = 1;
		on->added_ms = mono_ms();
		update_state(on);
		return;
	}
	if (err == 0 && torctl_reply_get(r, "onions/detached", &v, &n) == 0 &&
	    list_has(on, v, n)) {
		if (torctl_del_onion(on->tc, on->service_id, on_del_leftover,
		    on) == 0)
			return;
	}
	add_onion(on);
}

static void
on_status_info(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	struct gw_onion	*on = arg;
	const char	*v;
	size_t		 n;

	(void)tc;
	if (on->freeing || err != 0)
		return;
	if (torctl_reply_get(r, "status/bootstrap-phase", &v, &n) == 0)
		set_bootstrap(on, progress_of(v));
	if (torctl_reply_get(r, "network-liveness", &v, &n) == 0)
		on->st.network_live = (n == 2 && memcmp(v, "up", 2) == 0) ? 1 :
		    (n == 4 && memcmp(v, "down", 4) == 0) ? 0 : -1;
	update_state(on);
}

static void
on_setevents(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	struct gw_onion	*on = arg;

	(void)tc;
	if (on->freeing || err == 0)
		return;
	GW_LOG(LOG_WARNING, SUBSYS, 0, "SETEVENTS refused (%d): health "
	    "tracking is blind", r != NULL ? torctl_reply_status(r) : err);
}

static void
on_ready(struct torctl *tc, int err, void *arg)
{
	struct gw_onion		*on = arg;
	static const char *const evs[] = { "HS_DESC", "STATUS_CLIENT",
					   "NETWORK_LIVENESS" };
	static const char *const st_keys[] = { "status/bootstrap-phase",
					       "network-liveness" };
	static const char *const on_keys[] = { "onions/current",
					       "onions/detached" };
	struct torctl_version	 v;
	char			 why[256];
	const char		*le;
	struct timeval		 tick = { 1, 0 };

	(void)tc;
	on->connecting = 0;
	if (on->freeing || on->draining)
		return;
	if (err != 0) {
		le = torctl_last_error(on->tc);
		setf(why, sizeof(why), "cannot use tor's control port %s: "
		    "%s%s%s", on->control, torctl_strerror(err),
		    le[0] ? ": " : "", le);
		setf(on->last_lost, sizeof(on->last_lost), "%s", why);
		update_state(on);
		schedule_reconnect(on, err == TORCTL_ERR_AUTH ||
		    err == TORCTL_ERR_NOMETHOD || err == TORCTL_ERR_COOKIE ||
		    err == TORCTL_ERR_SERVERHASH || err == TORCTL_ERR_VERSION);
		return;
	}
	if (on->ever_connected)
		on->st.control_reconnects++;
	on->ever_connected = 1;
	on->st.tor_connected = 1;
	on->last_lost[0] = '\0';
	torctl_backoff_init(&on->backoff, GW_ONION_RECONNECT_BASE_MS,
	    GW_ONION_RECONNECT_CAP_MS);
	if (torctl_tor_version(on->tc, &v) == 0)
		setf(on->st.tor_version, sizeof(on->st.tor_version),
		    "%d.%d.%d.%d%s%s", v.major, v.minor, v.micro, v.patch,
		    v.status[0] ? "-" : "", v.status);
	log_onion(on, LOG_NOTICE, GW_MSGID_TOR_CONNECTED, "connected",
	    "connected to tor %s at %s (auth %s)%s", on->st.tor_version,
	    on->control, torctl_auth_name(torctl_auth_used(on->tc)),
	    on->st.control_reconnects ? "; re-adding the onion" : "");
	evtimer_add(on->tick_ev, &tick);
	if (torctl_setevents(on->tc, evs, 3, on_setevents, on) != 0 ||
	    torctl_getinfo(on->tc, st_keys, 2, on_status_info, on) != 0 ||
	    torctl_getinfo(on->tc, on_keys, 2, on_onions_info, on) != 0) {
		conn_fail(on, "cannot queue commands", 0);
		return;
	}
	update_state(on);
}

static void
connect_now(struct gw_onion *on)
{
	int	r;

	if (on->draining || on->freeing || on->connecting ||
	    torctl_is_ready(on->tc))
		return;
	on->connecting = 1;
	r = torctl_connect(on->tc, on->control, on_ready, on);
	if (r != 0) {
		on->connecting = 0;
		setf(on->last_lost, sizeof(on->last_lost), "cannot "
		    "connect to tor's control port %s: %s", on->control,
		    torctl_strerror(r));
		update_state(on);
		schedule_reconnect(on, 0);
	}
}

/* Retry timer: connect, or (connected, ADD_ONION refused) look at tor's
 * onions again and re-add. */
/* After a reload main.c says READY=1 with its own STATUS=: put ours back
 * once it has (this runs from the loop, after the reload finished). */
static void
status_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_onion	*on = arg;

	(void)fd;
	(void)what;
	on->last_notify[0] = '\0';
	notify_status(on);
}

static void
reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_onion		*on = arg;
	static const char *const keys[] = { "onions/current",
					    "onions/detached" };

	(void)fd;
	(void)what;
	if (torctl_is_ready(on->tc)) {
		if (!on->added && !on->adding && on->blocker != BLOCK_POW &&
		    torctl_getinfo(on->tc, keys, 2, on_onions_info, on) != 0)
			conn_fail(on, "cannot queue commands", 0);
		return;
	}
	connect_now(on);
}

/* ---- key ------------------------------------------------------------- */

/* Make the key file's directory (one level) 0700 if it is missing. */
static int
ensure_dir(const char *path, char *err, size_t errlen)
{
	char		 dir[PATH_MAX];
	char		*slash;
	struct stat	 sb;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		setf(err, errlen, "onion_key path too long");
		return -1;
	}
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &sb) == 0)
		return 0;
	if (errno != ENOENT || mkdir(dir, 0700) != 0) {
		setf(err, errlen, "cannot create %s for the onion key: %s",
		    dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int
load_or_create_key(struct gw_onion *on, const char *path, char *err,
    size_t errlen)
{
	struct stat	sb;
	int		r, created = 0;

	r = torctl_onionkey_load(path, &on->key);
	if (r == TORCTL_ERR_IO && errno == ENOENT) {
		if (ensure_dir(path, err, errlen) != 0)
			return -1;
		if ((r = torctl_onionkey_generate(&on->key)) != 0) {
			setf(err, errlen, "cannot make an onion key: %s",
			    torctl_strerror(r));
			return -1;
		}
		if ((r = torctl_onionkey_save(on->key, path)) != 0) {
			setf(err, errlen, "cannot write the onion key %s: "
			    "%s", path, strerror(errno));
			return -1;
		}
		created = 1;
	} else if (r != 0) {
		setf(err, errlen, "cannot load the onion key %s: %s%s%s",
		    path, torctl_strerror(r), r == TORCTL_ERR_IO ? ": " : "",
		    r == TORCTL_ERR_IO ? strerror(errno) : "");
		return -1;
	}
	if (torctl_onionkey_service_id(on->key, on->service_id,
	    sizeof(on->service_id)) != 0) {
		setf(err, errlen, "cannot derive the onion address");
		return -1;
	}
	setf(on->address, sizeof(on->address), "%s.onion",
	    on->service_id);
	setf(on->st.address, sizeof(on->st.address), "%s", on->address);
	if (created)
		log_onion(on, LOG_NOTICE, GW_MSGID_ONION_KEY_CREATED,
		    "key-created", "made a new onion key %s (mode 0600): this "
		    "server is %s; back the key up", path, on->address);
	else {
		GW_LOG(LOG_INFO, SUBSYS, 0, "onion key %s loaded: %s", path,
		    on->address);
		if (stat(path, &sb) == 0 && (sb.st_mode & 077) != 0)
			GW_LOG(LOG_WARNING, SUBSYS, 0, "onion key %s is "
			    "readable by others (mode %03o): chmod 600 it",
			    path, (unsigned)(sb.st_mode & 0777));
	}
	return 0;
}

/* ---- life cycle ------------------------------------------------------ */

static void
copy_live(struct gw_onion *on, const struct gw_config *cfg)
{
	on->pow_rate = cfg->pow_queue_rate;
	on->pow_burst = cfg->pow_queue_burst;
	on->probe_interval_ms = cfg->probe_interval_ms;
	on->upload_timeout_ms = cfg->upload_timeout_ms;
}

static enum torctl_auth
auth_of(enum gw_tor_auth a)
{
	switch (a) {
	case GW_TOR_AUTH_SAFECOOKIE:	return TORCTL_AUTH_SAFECOOKIE;
	case GW_TOR_AUTH_COOKIE:	return TORCTL_AUTH_COOKIE;
	case GW_TOR_AUTH_PASSWORD:	return TORCTL_AUTH_PASSWORD;
	case GW_TOR_AUTH_NONE:		return TORCTL_AUTH_NONE;
	default:			return TORCTL_AUTH_AUTO;
	}
}

static int
copy_ports(struct gw_onion *on, const struct gw_config *cfg, char *err,
    size_t errlen)
{
	const struct gw_addr	*a;
	size_t			 i;

	on->nports = 0;
	on->probe_port = 0;
	for (i = 0; i < cfg->n_onion_ports && i < GW_CONF_MAX_ONION_PORTS;
	    i++) {
		uint16_t port = cfg->onion_ports[i];

		a = &cfg->onion_listen;
		if (port == 443 && cfg->onion_well_known &&
		    cfg->well_known_listen.kind != GW_ADDR_NONE)
			a = &cfg->well_known_listen;
		if (a->kind == GW_ADDR_NONE || (a->kind == GW_ADDR_TCP &&
		    !a->numeric)) {
			setf(err, errlen, "onion port %u has no numeric "
			    "target", (unsigned)port);
			return -1;
		}
		gw_addr_fmt(a, on->targets[on->nports],
		    sizeof(on->targets[on->nports]));
		on->ports[on->nports].virt = port;
		on->ports[on->nports].target = on->targets[on->nports];
		on->nports++;
		/* Probe the federation port: 8448, else the first that is
		 * not the .well-known one. */
		if (port == 8448 || (on->probe_port == 0 && port != 443))
			on->probe_port = port;
	}
	if (on->nports == 0) {
		setf(err, errlen, "[tor] onion_ports is empty");
		return -1;
	}
	if (on->probe_port == 0)
		on->probe_port = on->ports[0].virt;
	return 0;
}

struct gw_onion *
gw_onion_new(struct event_base *base, struct gw_notify *notify,
    const struct gw_config *cfg, char *errbuf, size_t errlen)
{
	struct gw_onion	*on;

	if ((on = calloc(1, sizeof(*on))) == NULL) {
		setf(errbuf, errlen, "out of memory");
		return NULL;
	}
	on->base = base;
	on->notify = notify;
	on->st.state = GW_ONION_STARTING;
	on->st.state_since_ms = mono_ms();
	on->st.bootstrap_percent = -1;
	on->st.network_live = -1;
	on->st.last_upload_ok_ms = -1;
	on->st.last_probe_ms = -1;
	on->st.pow_supported = -1;
	gw_addr_fmt(&cfg->tor_control, on->control, sizeof(on->control));
	on->auth = auth_of(cfg->tor_auth);
	on->socks = cfg->tor_socks;
	on->pow_mode = cfg->pow_defenses;
	on->max_streams = cfg->max_streams;
	copy_live(on, cfg);
	torctl_backoff_init(&on->backoff, GW_ONION_RECONNECT_BASE_MS,
	    GW_ONION_RECONNECT_CAP_MS);
	if (cfg->onion_key == NULL) {
		setf(errbuf, errlen, "[tor] onion_key is not set");
		goto fail;
	}
	if (copy_ports(on, cfg, errbuf, errlen) != 0)
		goto fail;
	if (cfg->tor_password != NULL &&
	    (on->password = strdup(cfg->tor_password)) == NULL) {
		setf(errbuf, errlen, "out of memory");
		goto fail;
	}
	if (load_or_create_key(on, cfg->onion_key, errbuf, errlen) != 0)
		goto fail;
	if (cfg->mode == GW_MODE_ONION_ONLY && cfg->server_name != NULL &&
	    strcasecmp(cfg->server_name, on->address) != 0) {
		setf(errbuf, errlen, "[onionfed] server_name %s is not the "
		    "onion key's address %s (key %s): in onion-only mode they "
		    "must be the same", cfg->server_name, on->address,
		    cfg->onion_key);
		log_onion(on, LOG_ERR, GW_MSGID_ONION_NAME_MISMATCH,
		    "name-mismatch", "%s", errbuf);
		goto fail;
	}
	on->tc = torctl_new(base);
	on->ssl_ctx = gw_probe_ssl_ctx_new();
	on->reconnect_ev = evtimer_new(base, reconnect_cb, on);
	on->tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, on);
	on->probe_ev = evtimer_new(base, probe_cb, on);
	on->drain_timer = evtimer_new(base, drain_done_cb, on);
	on->drain_done_ev = event_new(base, -1, 0, drain_done_cb, on);
	on->status_ev = event_new(base, -1, 0, status_cb, on);
	if (on->tc == NULL || on->ssl_ctx == NULL || on->reconnect_ev == NULL ||
	    on->tick_ev == NULL || on->probe_ev == NULL ||
	    on->drain_timer == NULL || on->drain_done_ev == NULL ||
	    on->status_ev == NULL) {
		setf(errbuf, errlen, "out of memory");
		goto fail;
	}
	torctl_set_timeouts(on->tc, GW_ONION_CONNECT_TIMEOUT_MS,
	    GW_ONION_COMMAND_TIMEOUT_MS);
	torctl_set_auth(on->tc, on->auth);
	if (on->password != NULL &&
	    torctl_set_password(on->tc, on->password) != 0) {
		setf(errbuf, errlen, "[tor] password is not usable");
		goto fail;
	}
	torctl_set_event_cb(on->tc, on_tor_event, on);
	torctl_set_closed_cb(on->tc, on_closed, on);
	return on;
 fail:
	gw_onion_free(on);
	return NULL;
}

int
gw_onion_start(struct gw_onion *on)
{
	GW_LOG(LOG_INFO, SUBSYS, 0, "onion %s: connecting to tor at %s",
	    on->address, on->control);
	notify_status(on);
	connect_now(on);
	return 0;
}

void
gw_onion_reconfigure(struct gw_onion *on, const struct gw_config *cfg)
{
	char	ctl[TARGET_MAX];
	unsigned old_interval = on->probe_interval_ms;

	copy_live(on, cfg);
	timer_in(on->status_ev, 100);
	gw_addr_fmt(&cfg->tor_control, ctl, sizeof(ctl));
	if (strcmp(ctl, on->control) != 0 || cfg->pow_defenses !=
	    on->pow_mode || cfg->max_streams != on->max_streams)
		GW_LOG(LOG_NOTICE, SUBSYS, 0, "[tor] control, pow_defenses, "
		    "max_streams, onion_key and onion_ports: a change needs "
		    "a restart");
	if (old_interval != on->probe_interval_ms) {
		if (on->probe_interval_ms == 0)
			event_del(on->probe_ev);
		else if (on->probe == NULL)
			schedule_probe(on, on->probe_interval_ms);
	}
}

static void
drain_finish(struct gw_onion *on)
{
	if (on->drain_called)
		return;
	on->drain_called = 1;
	event_del(on->drain_timer);
	if (on->drain_done != NULL)
		on->drain_done(on->drain_arg);
}

static void
drain_done_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drain_finish(arg);
}

static void
on_del_reply(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	struct gw_onion	*on = arg;

	(void)tc;
	(void)r;
	if (on->freeing)
		return;
	if (err == 0)
		log_onion(on, LOG_NOTICE, GW_MSGID_ONION_REMOVED, "stop",
		    "onion %s removed from tor (DEL_ONION)", on->address);
	else
		GW_LOG(LOG_NOTICE, SUBSYS, 0, "DEL_ONION: %s (the onion goes "
		    "with the connection anyway)", torctl_strerror(err));
	on->added = 0;
	event_active(on->drain_done_ev, EV_TIMEOUT, 0);
}

void
gw_onion_drain(struct gw_onion *on, void (*done)(void *), void *arg)
{
	struct timeval	tv = { GW_ONION_DRAIN_TIMEOUT_MS / 1000,
			       (GW_ONION_DRAIN_TIMEOUT_MS % 1000) * 1000 };

	if (on->draining) {
		if (done != NULL)
			done(arg);
		return;
	}
	on->draining = 1;
	on->drain_done = done;
	on->drain_arg = arg;
	event_del(on->reconnect_ev);
	event_del(on->probe_ev);
	gw_probe_cancel(on->probe);
	on->probe = NULL;
	if (!on->added || !torctl_is_ready(on->tc) ||
	    torctl_del_onion(on->tc, on->service_id, on_del_reply, on) != 0) {
		drain_finish(on);
		return;
	}
	evtimer_add(on->drain_timer, &tv);
}

void
gw_onion_free(struct gw_onion *on)
{
	if (on == NULL)
		return;
	on->freeing = 1;
	gw_probe_cancel(on->probe);
	torctl_free(on->tc);		/* tor drops the onion with it */
	if (on->reconnect_ev != NULL)
		event_free(on->reconnect_ev);
	if (on->tick_ev != NULL)
		event_free(on->tick_ev);
	if (on->probe_ev != NULL)
		event_free(on->probe_ev);
	if (on->drain_timer != NULL)
		event_free(on->drain_timer);
	if (on->drain_done_ev != NULL)
		event_free(on->drain_done_ev);
	if (on->status_ev != NULL)
		event_free(on->status_ev);
	if (on->ssl_ctx != NULL)
		SSL_CTX_free(on->ssl_ctx);
	torctl_onionkey_free(on->key);
	if (on->password != NULL) {
		explicit_bzero(on->password, strlen(on->password));
		free(on->password);
	}
	free(on);
}

/* ---- test hooks (gw_onion_int.h) -------------------------------------- */

void
gw_onion_test_set_upload_timeout(struct gw_onion *on, unsigned ms)
{
	on->upload_timeout_ms = ms;
}

void
gw_onion_test_set_probe_interval(struct gw_onion *on, unsigned ms)
{
	on->probe_interval_ms = ms;
}
