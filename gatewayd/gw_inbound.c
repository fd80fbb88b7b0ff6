/*
 * gw_inbound.c - inbound federation gateway.
 *
 * One client connection runs one request at a time:
 *
 *   IDLE --first byte--> HEAD --head parsed, admitted--> BODY --> (HELD) -->
 *   UP (forwarded; response streamed back) --> IDLE (keep-alive) | CLOSING
 *
 * A refused request is answered at once (Matrix error JSON); its body, if
 * small and Content-Length framed, is discarded so the connection stays
 * usable (DRAIN), otherwise the connection is closed after the answer.
 *
 * Request bodies are read completely (bounded by max_body) before they are
 * forwarded, so a pooled upstream connection that turns out dead can be
 * retried once; responses are streamed (media downloads can be large) with
 * backpressure.
 *
 * The X-Matrix origin is the origin CLAIMED by the peer: signatures are not
 * verified here yet (a later issue adds verification). Policy and limits
 * therefore key on a claimed name; inbound_admit() takes a 'verified' flag
 * so a verified origin can be passed once verification exists.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/queue.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "gatewayd/gw_http_proto.h"
#include "gatewayd/gw_inbound.h"
#include "gatewayd/gw_inbound_limits.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_matrix_err.h"
#include "gatewayd/gw_tls.h"
#include "gatewayd/gw_xmatrix.h"
#include "policy/policy.h"

#define SUBSYS	"inbound"

enum cstate {
	C_IDLE = 0,
	C_HEAD,
	C_BODY,
	C_UP,
	C_DRAIN,
	C_CLOSING,	/* flushing our last answer */
	C_LINGER,	/* answer out: discard input briefly, then close */
};

enum tphase { T_NONE = 0, T_HEAD, T_BODY, T_HOLD, T_UPWAIT };

struct gw_inbound;
struct conn;

struct upconn {
	struct gw_inbound	*in;
	struct bufferevent	*bev;
	struct req		*req;		/* NULL while pooled */
	TAILQ_ENTRY(upconn)	 entry;		/* pool */
	unsigned		 connected : 1;
	unsigned		 reused : 1;
	unsigned		 got_bytes : 1;
	unsigned		 paused : 1;	/* backpressure from client */
	unsigned		 pooled : 1;
};
TAILQ_HEAD(upconn_q, upconn);

enum rframe { RF_NONE = 0, RF_LENGTH, RF_CHUNKED, RF_CLOSE };

struct req {
	struct conn		*c;
	TAILQ_ENTRY(req)	 wentry;	/* in->upwait */
	struct event		 tev;		/* head/body deadline, hold */
	enum tphase		 tphase;
	struct gw_http_scan	 scan;
	char			*head;		/* request head bytes */
	size_t			 head_len;
	struct gw_http_head	 h;		/* request, then response head */
	struct gw_http_chunked	 ch;
	int64_t			 body_remain;	/* RF_LENGTH */
	enum rframe		 bframe;
	struct evbuffer		*up_out;	/* head + body for upstream */
	struct upconn		*up;
	unsigned		 keepalive : 1;
	unsigned		 is_head : 1;	/* HEAD request */
	unsigned		 held : 1;
	unsigned		 body_done : 1;
	unsigned		 resp_started : 1;
	unsigned		 retried : 1;
	unsigned		 admitted : 1;	/* limiter slot taken */
	unsigned		 anonymous : 1;
	unsigned		 upwaiting : 1;	/* in in->upwait */
	enum rframe		 rframe;
	int64_t			 rremain;
	int			 status;
	char			 origin[GW_XMATRIX_MAX_NAME + 1];
	char			 limkey[POL_KEY_MAX + 1];
	size_t			 limkey_len;
};

TAILQ_HEAD(req_q, req);

struct listener {
	struct gw_inbound	*in;
	struct evconnlistener	*l;
	int			 well_known;
	int			 is_unix;
	char			*path;		/* unix socket to unlink */
};

struct conn {
	struct gw_inbound	*in;
	struct listener		*li;
	struct bufferevent	*bev;
	struct req		*req;
	uint64_t		 id;
	enum cstate		 state;
	int64_t			 drain;		/* body bytes to discard */
	TAILQ_ENTRY(conn)	 entry;		/* all / reap */
	unsigned		 tls : 1;
	unsigned		 reaping : 1;
	unsigned		 stalls : 8;	/* read timeouts while draining */
	evutil_socket_t		 fd;
	struct event		 pev;		/* parked: wait for a request */
	char			 peer[INET6_ADDRSTRLEN];
};
TAILQ_HEAD(conn_q, conn);

struct gw_inbound {
	struct event_base	*base;
	struct gw_inbound_conf	 conf;
	char			*s_server_name, *s_upstream, *s_well_known;
	char			*wk_json;
	size_t			 wk_len;
	struct gw_tls		*tls;
	struct evbuffer		*scratch;	/* answers built before sending */
	struct listener		 ls[2 * GW_INB_MAX_LISTEN];
	size_t			 nls;
	struct sockaddr_storage	 up_sa;
	int			 up_salen;
	struct upconn_q		 pool;
	struct req_q		 upwait;	/* waiting for an upstream
						 * connection, oldest first */
	struct event		*upwake_ev;	/* hand freed ones over */
	struct conn_q		 conns;
	struct conn_q		 reap_q;
	struct event		*reap_ev;
	struct event		*resume_ev;	/* re-enable accept */
	int			 paused;
	time_t			 fd_warned_at;	/* up_no_descriptor() */
	int			 draining;	/* gw_inbound_drain(): never
						 * accept again */
	uint64_t		 next_id;
	struct gw_inbound_stats	 st;
	/* workers (see gw_inbound_conf.workers): the first instance owns the
	 * others, the TLS context and the limiter lock */
	int			 owns_tls;
	pthread_mutex_t		*limlock;	/* NULL: single-threaded */
	pthread_mutex_t		 lock;		/* limlock when not given */
	int			 owns_lock;
	struct gw_inbound	*wk[GW_INB_MAX_WORKERS];
	pthread_t		 thr[GW_INB_MAX_WORKERS];
	size_t			 nwk;
	evutil_socket_t		 stop_fd[2];	/* worker: wake and stop */
	struct event		*stop_ev;
	/* worker: its counters as of the last publish (every
	 * GW_INB_STATS_PUBLISH_MS), read by the first instance's thread */
	pthread_mutex_t		 st_lock;
	int			 has_st_lock;
	struct gw_inbound_stats	 st_pub;
	struct event		*pub_ev;
};

#define LIM_LOCK(in)	do { if ((in)->limlock != NULL)			\
			    pthread_mutex_lock((in)->limlock); } while (0)
#define LIM_UNLOCK(in)	do { if ((in)->limlock != NULL)			\
			    pthread_mutex_unlock((in)->limlock); } while (0)

static void	conn_process(struct conn *);
static void	conn_close(struct conn *, const char *);
static void	conn_linger(struct conn *);
static void	req_forward(struct conn *);
static void	up_readcb(struct bufferevent *, void *);
static void	up_free(struct upconn *);

/* ---- small helpers ---------------------------------------------------- */

static struct timeval
ms_tv(unsigned ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return tv;
}

/* Our answers are written whole; never let Nagle hold the last segment
 * back waiting for a delayed ACK (40 ms per request otherwise). */
static void
set_nodelay(evutil_socket_t fd)
{
	int	one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * Send (and drain) 'buf' on 'bev'. With 'direct' (a plain socket) and
 * nothing queued, write straight to the socket: the common small answer
 * then costs one writev and no epoll changes. What the socket does not
 * take goes through the bufferevent as usual.
 */
static int
bev_send(struct bufferevent *bev, int direct, struct evbuffer *buf)
{
	evutil_socket_t	fd;
	size_t		len = evbuffer_get_length(buf);

	/* TLS: one contiguous chunk is one SSL_write, one record, one
	 * syscall (head and body would otherwise be two of each) */
	if (!direct && len > 0 && len <= 16384) {
		unsigned char	*p = evbuffer_pullup(buf, -1);
		SSL		*ssl;
		int		 n;

		if (p == NULL)
			return -1;
		/* Nothing queued on an established TLS connection: write
		 * the record now. Through the bufferevent the same answer
		 * also adds and removes its write event (two epoll_ctl per
		 * answer; bench/README.md). If the socket does not take it
		 * (or fails), the bufferevent gets the same bytes in one
		 * chunk, so its SSL_write retries with the same buffer and
		 * length, as OpenSSL requires, and reports errors. */
		if ((ssl = bufferevent_openssl_get_ssl(bev)) != NULL &&
		    SSL_is_init_finished(ssl) &&
		    evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
			ERR_clear_error();
			n = SSL_write(ssl, p, (int)len);
			if (n > 0) {
				evbuffer_drain(buf, (size_t)n);
				len -= (size_t)n;
				p += n;
			} else
				ERR_clear_error();
		}
		if (len > 0 && bufferevent_write(bev, p, len) != 0)
			return -1;
		evbuffer_drain(buf, len);
		return 0;
	}

	if (direct && evbuffer_get_length(bufferevent_get_output(bev)) == 0 &&
	    (fd = bufferevent_getfd(bev)) >= 0) {
		while (evbuffer_get_length(buf) > 0)
			if (evbuffer_write(buf, fd) <= 0)
				break;		/* EAGAIN or error: queue */
	}
	if (evbuffer_get_length(buf) == 0)
		return 0;
	return bufferevent_write_buffer(bev, buf);
}

static int
parse_addr(const char *s, struct sockaddr_storage *ss, int *len, char **path)
{
	struct sockaddr_un	*un = (struct sockaddr_un *)ss;
	char			 tmp[128];
	size_t			 n;

	memset(ss, 0, sizeof(*ss));
	*path = NULL;
	if (strncmp(s, "unix:", 5) == 0) {
		if (strlen(s + 5) == 0 || strlen(s + 5) >= sizeof(un->sun_path))
			return -1;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, s + 5);	/* length checked above */
		*len = (int)sizeof(*un);
		*path = strdup(s + 5);
		return *path ? 0 : -1;
	}
	if (strncmp(s, "http://", 7) == 0)
		s += 7;
	*len = (int)sizeof(*ss);
	n = strlen(s);
	if (n < 2 || n >= sizeof(tmp) || strcmp(s + n - 2, ":0") != 0)
		return evutil_parse_sockaddr_port(s, (struct sockaddr *)ss,
		    len);
	/* port 0 (tests: any free port): libevent refuses it, so parse
	 * with port 1 and clear it */
	memcpy(tmp, s, n + 1);
	tmp[n - 1] = '1';
	if (evutil_parse_sockaddr_port(tmp, (struct sockaddr *)ss, len) != 0)
		return -1;
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)ss)->sin6_port = 0;
	return 0;
}

/* ---- admission: policy and per-origin limits -------------------------- */

enum verdict { V_PASS = 0, V_DELAY, V_REJECT };

struct admission {
	enum verdict	 v;
	unsigned	 delay_ms;
	int		 status;
	const char	*errcode;
	const char	*msg;
	int64_t		 retry_after_ms;
	const char	*reason;		/* for the log */
	char		 buf[96];		/* msg storage */
};

/* Requests without X-Matrix share one limiter entry under this key; it can
 * never collide with a server name ('*' is not in the grammar). */
static const char	anon_key[] = "*anonymous*";

static uint64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
admit_reject_limit(struct admission *a, const struct pol_limit_result *lr)
{
	a->v = V_REJECT;
	a->status = 429;
	a->errcode = "M_LIMIT_EXCEEDED";
	a->retry_after_ms = lr->retry_after_ms;
	switch (lr->why) {
	case POL_WHY_CONCURRENCY:
		a->msg = "too many concurrent requests from this origin";
		a->reason = "concurrency";
		break;
	case POL_WHY_ADMISSION:
		a->msg = "too many requests from new origins";
		a->reason = "admission";
		break;
	case POL_WHY_TABLE_FULL:
		a->msg = "too many origins";
		a->reason = "table-full";
		break;
	default:
		a->msg = "too many requests from this origin";
		a->reason = "rate";
		break;
	}
}

/*
 * The one place where policy and limits decide about a request. 'origin'
 * is NULL for requests without X-Matrix (they share one anonymous budget).
 * 'verified' is 0 for now: the origin is as CLAIMED by the peer until
 * X-Matrix signatures are verified (a later issue). A verified origin will
 * be promoted in the limiter (pol_limit_promote) so it stops drawing from
 * the budget shared by peers without history; a claimed one never is.
 * On PASS/DELAY with a limiter, r->limkey holds one concurrency slot that
 * inbound_release() gives back.
 */
static void
inbound_admit(struct gw_inbound *in, struct req *r, const char *origin,
    int verified, struct admission *a)
{
	struct pol_peer		 peer;
	struct pol_verdict	 v;
	struct pol_limit_result	 lr;
	const struct pol_rate	*rate = NULL;
	const struct pol_rules	*rules;
	const char		*key = anon_key;
	size_t			 klen = sizeof(anon_key) - 1;
	uint64_t		 now;

	memset(a, 0, sizeof(*a));
	a->v = V_PASS;
	a->retry_after_ms = -1;
	rules = __atomic_load_n(&in->conf.rules, __ATOMIC_ACQUIRE);
	if (origin != NULL && rules != NULL) {
		(void)pol_check_str(rules, origin, strlen(origin),
		    POL_DIR_INBOUND, &peer, &v);
		if (v.decision != POL_ALLOW) {
			a->v = V_REJECT;
			a->status = 403;
			a->errcode = "M_FORBIDDEN";
			snprintf(a->buf, sizeof(a->buf),
			    "origin refused by policy: %s", v.reason_str);
			a->msg = a->buf;
			a->reason = v.reason_str;
			return;
		}
		rate = v.rate;
		key = peer.key;
		klen = peer.key_len;
	} else if (origin != NULL) {
		/* no rules: still key the limiter on the canonical name */
		if (pol_peer_parse(origin, strlen(origin), &peer) == 0) {
			key = peer.key;
			klen = peer.key_len;
		} else {
			a->v = V_REJECT;
			a->status = 403;
			a->errcode = "M_FORBIDDEN";
			a->msg = "origin is not a valid server name";
			a->reason = "bad-name";
			return;
		}
	}
	if (in->conf.limiter == NULL)
		return;
	now = now_ms();
	LIM_LOCK(in);
	if (pol_conc_acquire(in->conf.limiter, key, klen, POL_DIR_INBOUND,
	    rate, now, &lr) != POL_LIMIT_PASS) {
		LIM_UNLOCK(in);
		admit_reject_limit(a, &lr);
		return;
	}
	switch (pol_limit_check(in->conf.limiter, key, klen, POL_DIR_INBOUND,
	    rate, now, &lr)) {
	case POL_LIMIT_PASS:
		break;
	case POL_LIMIT_DELAY:
		a->v = V_DELAY;
		a->delay_ms = lr.delay_ms;
		a->reason = "delayed";
		break;
	case POL_LIMIT_REJECT:
	default:
		(void)pol_conc_release(in->conf.limiter, key, klen,
		    POL_DIR_INBOUND, now);
		LIM_UNLOCK(in);
		admit_reject_limit(a, &lr);
		return;
	}
	if (verified)
		(void)pol_limit_promote(in->conf.limiter, key, klen,
		    POL_DIR_INBOUND, now);
	LIM_UNLOCK(in);
	memcpy(r->limkey, key, klen);
	r->limkey[klen] = '\0';
	r->limkey_len = klen;
	r->admitted = 1;
}

/* Give back the concurrency slot inbound_admit() took. */
static void
inbound_release(struct gw_inbound *in, struct req *r)
{
	if (r->admitted && in->conf.limiter != NULL) {
		LIM_LOCK(in);
		(void)pol_conc_release(in->conf.limiter, r->limkey,
		    r->limkey_len, POL_DIR_INBOUND, now_ms());
		LIM_UNLOCK(in);
	}
	r->admitted = 0;
}

/* ---- requests --------------------------------------------------------- */

static void req_timer_cb(evutil_socket_t, short, void *);

static struct req *
req_new(struct conn *c)
{
	struct req	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->c = c;
	event_assign(&r->tev, c->in->base, -1, 0, req_timer_cb, r);
	return r;
}

static void
req_free(struct req *r)
{
	if (r == NULL)
		return;
	event_del(&r->tev);
	if (r->upwaiting) {
		TAILQ_REMOVE(&r->c->in->upwait, r, wentry);
		r->c->in->st.upstream_wait--;
	}
	if (r->admitted)
		inbound_release(r->c->in, r);
	if (r->held)
		r->c->in->st.held--;
	if (r->up != NULL) {
		r->up->req = NULL;
		up_free(r->up);		/* mid-request: not reusable */
	}
	if (r->up_out != NULL)
		evbuffer_free(r->up_out);
	free(r->head);
	free(r);
}

static void
req_timer(struct req *r, enum tphase ph, unsigned ms)
{
	struct timeval	tv = ms_tv(ms);

	r->tphase = ph;
	event_add(&r->tev, &tv);
}

/* ---- our own answers -------------------------------------------------- */

/*
 * Our last answer is out. Closing a socket with unread input makes the
 * kernel send RST, which can destroy that answer before the peer reads it
 * (the peer may still be sending a body we refused). So, like nginx's
 * lingering close: stop writing, read and discard for a bounded time and
 * amount, then close.
 */
static void
conn_linger(struct conn *c)
{
	struct timeval	tv = ms_tv(GW_INB_LINGER_MS);

	c->state = C_LINGER;
	c->drain = GW_INB_LINGER_BYTES;
	if (!c->tls)
		(void)shutdown(bufferevent_getfd(c->bev), SHUT_WR);
	bufferevent_set_timeouts(c->bev, &tv, NULL);
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		conn_process(c);
}

static void
conn_flush_close(struct conn *c)
{
	c->state = C_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		conn_linger(c);
	/* else conn_writecb lingers once the answer is out */
}

/* Answer the current request ourselves and finish it. 'close' forces the
 * connection shut after the answer. */
static void
respond(struct conn *c, int status, const char *errcode, const char *msg,
    int64_t retry_after_ms, int close, const char *reason)
{
	struct gw_inbound	*in = c->in;
	struct req		*r = c->req;
	struct gw_log_fields	 f = { .direction = "inbound" };
	char			 esc[96];
	int			 keep;

	/* drain < 0: a chunked body we have not read; only closing is safe */
	keep = !close && r != NULL && r->keepalive && c->drain >= 0;
	if (c->drain < 0)
		c->drain = 0;
	if (status != 200) {
		in->st.refused++;
		f.reason = reason;
		f.peer = (r != NULL && r->origin[0]) ?
		    gw_esc(esc, sizeof(esc), r->origin, strlen(r->origin)) :
		    NULL;
		GW_LOGF(status >= 500 ? LOG_NOTICE : LOG_INFO, SUBSYS, c->id,
		    &f, "answered %d %s: %s", status, errcode, msg);
	}
	evbuffer_drain(in->scratch, evbuffer_get_length(in->scratch));
	if (gw_matrix_err_response(in->scratch, status, errcode, msg,
	    retry_after_ms, !keep) != 0 ||
	    bev_send(c->bev, !c->tls, in->scratch) != 0)
		keep = 0;
	req_free(r);
	c->req = NULL;
	if (!keep) {
		conn_flush_close(c);
		return;
	}
	c->state = c->drain > 0 ? C_DRAIN : C_IDLE;
}

static void
respond_http_err(struct conn *c, int err)
{
	int		 status = 400;
	const char	*code = "M_UNKNOWN";

	switch (err) {
	case GW_HTTP_ERR_TOOBIG:
	case GW_HTTP_ERR_HEADERS:
		status = 431;
		code = "M_TOO_LARGE";
		break;
	case GW_HTTP_ERR_TARGET:
		status = 414;
		code = "M_TOO_LARGE";
		break;
	case GW_HTTP_ERR_VERSION:
		status = 505;
		break;
	case GW_HTTP_ERR_TE:
		status = 501;
		code = "M_UNRECOGNIZED";
		break;
	default:
		break;
	}
	respond(c, status, code, gw_http_strerror(err), -1, 1, "http");
}

/* ---- upstream pool ---------------------------------------------------- */

static void
up_free(struct upconn *u)
{
	if (u == NULL)
		return;
	if (u->pooled) {
		TAILQ_REMOVE(&u->in->pool, u, entry);
		u->in->st.upstream_idle--;
	} else
		u->in->st.upstream_busy--;
	if (u->req != NULL)
		u->req->up = NULL;
	bufferevent_free(u->bev);
	if (!TAILQ_EMPTY(&u->in->upwait))
		event_active(u->in->upwake_ev, EV_TIMEOUT, 0);
	free(u);
}

static void
up_idle_eventcb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	up_free(arg);			/* closed, error or idle timeout */
}

static void
up_idle_readcb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	up_free(arg);			/* bytes while idle: broken upstream */
}

/* Return 'u' (detached from its request) to the pool, or free it. */
static void
up_release(struct gw_inbound *in, struct upconn *u, int reusable)
{
	struct timeval	tv = ms_tv(GW_INB_UP_IDLE_TIMEOUT_MS);

	u->req = NULL;
	if (!reusable || in->st.upstream_idle >= in->conf.upstream_max_idle ||
	    evbuffer_get_length(bufferevent_get_input(u->bev)) != 0) {
		up_free(u);
		return;
	}
	in->st.upstream_busy--;
	u->reused = 1;
	u->paused = 0;
	u->pooled = 1;
	bufferevent_setcb(u->bev, up_idle_readcb, NULL, up_idle_eventcb, u);
	bufferevent_set_timeouts(u->bev, &tv, NULL);
	bufferevent_enable(u->bev, EV_READ);
	TAILQ_INSERT_HEAD(&in->pool, u, entry);
	in->st.upstream_idle++;
	if (!TAILQ_EMPTY(&in->upwait))
		event_active(in->upwake_ev, EV_TIMEOUT, 0);
}

static void up_eventcb(struct bufferevent *, short, void *);
static void up_writecb(struct bufferevent *, void *);

/* A connection for 'r': the most recently pooled one, else a new one. */
static struct upconn *
up_acquire(struct gw_inbound *in, struct req *r, int fresh)
{
	struct upconn	*u;
	struct timeval	 ctv = ms_tv(in->conf.upstream_connect_timeout_ms);
	struct timeval	 rtv = ms_tv(in->conf.upstream_timeout_ms);

	if (!fresh && (u = TAILQ_FIRST(&in->pool)) != NULL) {
		TAILQ_REMOVE(&in->pool, u, entry);
		in->st.upstream_idle--;
		u->pooled = 0;
		in->st.upstream_busy++;
		u->req = r;
		u->got_bytes = 0;
		bufferevent_setcb(u->bev, up_readcb, up_writecb, up_eventcb, u);
		bufferevent_set_timeouts(u->bev, &rtv, &rtv);
		return u;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->in = in;
	u->req = r;
	u->bev = bufferevent_socket_new(in->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (u->bev == NULL) {
		free(u);
		return NULL;
	}
	in->st.upstream_busy++;
	bufferevent_setcb(u->bev, up_readcb, up_writecb, up_eventcb, u);
	/* the write timeout covers the connect */
	bufferevent_set_timeouts(u->bev, &rtv, &ctv);
	if (bufferevent_socket_connect(u->bev, (struct sockaddr *)&in->up_sa,
	    in->up_salen) != 0) {
		u->req = NULL;
		up_free(u);
		return NULL;
	}
	if (in->up_sa.ss_family != AF_UNIX)
		set_nodelay(bufferevent_getfd(u->bev));
	return u;
}

/* Build what goes upstream: the request line with the request-target
 * byte-for-byte, every end-to-end header unchanged, X-Forwarded-*, body. */
static int
req_build_upstream(struct conn *c, struct req *r, struct evbuffer *body)
{
	struct gw_http_head	*h = &r->h;
	struct evbuffer		*o;
	size_t			 i;
	int			 rc = 0;

	if ((o = evbuffer_new()) == NULL)
		return -1;
	rc |= evbuffer_add(o, r->head + h->method_off,
	    (size_t)(h->target_off + h->target_len - h->method_off));
	rc |= evbuffer_add(o, " HTTP/1.1\r\n", 11);
	for (i = 0; i < h->nhdrs; i++) {
		const struct gw_http_hdr	*f = &h->hdrs[i];
		const char			*n = r->head + f->name_off;

		if (h->hop & ((uint64_t)1 << i))
			continue;
		/* ours to set; a peer's copy would be spoofed */
		if ((f->name_len == 15 &&
		    strncasecmp(n, "x-forwarded-for", 15) == 0) ||
		    (f->name_len == 17 &&
		    strncasecmp(n, "x-forwarded-proto", 17) == 0) ||
		    (f->name_len == 6 && strncasecmp(n, "expect", 6) == 0))
			continue;
		rc |= evbuffer_add(o, n, (size_t)(f->val_off + f->val_len -
		    f->name_off));
		rc |= evbuffer_add(o, "\r\n", 2);
	}
	if (c->peer[0] != '\0')
		rc |= evbuffer_add_printf(o, "X-Forwarded-For: %s\r\n",
		    c->peer) < 0;
	rc |= evbuffer_add_printf(o, "X-Forwarded-Proto: %s\r\n\r\n",
	    c->tls ? "https" : "http") < 0;
	rc |= evbuffer_add_buffer(o, body);
	if (rc != 0) {
		evbuffer_free(o);
		return -1;
	}
	r->up_out = o;
	return 0;
}

/* No descriptor for an upstream connection: warn at most once a second. */
static void
up_no_descriptor(struct gw_inbound *in, int e)
{
	struct timeval	now;

	event_base_gettimeofday_cached(in->base, &now);
	if (now.tv_sec == in->fd_warned_at)
		return;
	in->fd_warned_at = now.tv_sec;
	GW_LOG(LOG_WARNING, SUBSYS, 0, "cannot connect to the upstream: %s "
	    "(%zu client connections); requests answered 503 until "
	    "descriptors free up; raise LimitNOFILE", strerror(e),
	    (size_t)in->st.conns);
}

/* Send r->up_out on a (pooled or new) upstream connection. */
static void
req_send(struct conn *c, int fresh)
{
	struct gw_inbound	*in = c->in;
	struct req		*r = c->req;
	struct upconn		*u;
	struct evbuffer_iovec	 v[16];
	int			 n, i;
	size_t			 len = evbuffer_get_length(r->up_out);

	if (!fresh && TAILQ_EMPTY(&in->pool) &&
	    in->st.upstream_busy >= in->conf.upstream_max_conns) {
		/* Every upstream connection is busy: wait, in order, for
		 * one (up_wake_cb), at most upstream_timeout. */
		TAILQ_INSERT_TAIL(&in->upwait, r, wentry);
		r->upwaiting = 1;
		in->st.upstream_wait++;
		in->st.upstream_waited++;
		c->state = C_UP;
		req_timer(r, T_UPWAIT, in->conf.upstream_timeout_ms);
		return;
	}
	errno = 0;
	if ((u = up_acquire(in, r, fresh)) == NULL) {
		in->st.upstream_errors++;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Ours, not the homeserver's: say so, and log it
			 * (rate-limited) with the remedy. */
			up_no_descriptor(in, errno);
			respond(c, 503, "M_UNKNOWN", "gateway out of file "
			    "descriptors; retry later", 1000, 0,
			    "fd-exhausted");
			return;
		}
		respond(c, 502, "M_UNKNOWN", "upstream unreachable", -1, 0,
		    "upstream-down");
		return;
	}
	r->up = u;
	/* keep r->up_out for one retry: copy, do not move */
	n = evbuffer_peek(r->up_out, -1, NULL, NULL, 0);
	if (n > 16) {
		if (evbuffer_pullup(r->up_out, -1) == NULL)
			goto fail;
		n = 1;
	}
	n = evbuffer_peek(r->up_out, -1, NULL, v, n);
	evbuffer_drain(in->scratch, evbuffer_get_length(in->scratch));
	for (i = 0; i < n; i++)
		if (evbuffer_add(in->scratch, v[i].iov_base, v[i].iov_len))
			goto fail;
	(void)len;
	if (bev_send(u->bev, u->connected, in->scratch) != 0)
		goto fail;
	/* write stays enabled from creation; enabling it again would
	 * re-add the write event (two epoll_ctl per request) */
	bufferevent_enable(u->bev, EV_READ);
	c->state = C_UP;
	in->st.forwarded++;
	return;
 fail:
	respond(c, 500, "M_UNKNOWN", "out of memory", -1, 1, "nomem");
}

/* Upstream capacity freed: the oldest waiting requests go now. */
static void
up_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_inbound	*in = arg;
	struct req		*r;

	(void)fd;
	(void)what;
	while ((r = TAILQ_FIRST(&in->upwait)) != NULL &&
	    (!TAILQ_EMPTY(&in->pool) ||
	    in->st.upstream_busy < in->conf.upstream_max_conns)) {
		TAILQ_REMOVE(&in->upwait, r, wentry);
		r->upwaiting = 0;
		in->st.upstream_wait--;
		event_del(&r->tev);
		r->tphase = T_NONE;
		req_send(r->c, 0);
	}
}

static void
req_forward(struct conn *c)
{
	struct req	*r = c->req;

	if (r->held || !r->body_done)
		return;
	event_del(&r->tev);
	r->tphase = T_NONE;
	/* Client input is left enabled (bounded by the read watermark) but
	 * not processed until the response is out: a client that goes away
	 * is noticed, and no epoll change is paid per request. */
	req_send(c, 0);
}

/* ---- upstream response ----------------------------------------------- */

/* The upstream failed before answering: retry a reused connection once,
 * else 502 (or 504 on a timeout). */
static void
up_failed(struct upconn *u, int timeout)
{
	struct req	*r = u->req;
	struct conn	*c;
	struct gw_inbound *in = u->in;

	if (r == NULL) {
		up_free(u);
		return;
	}
	c = r->c;
	r->up = NULL;
	u->req = NULL;
	if (r->resp_started) {
		/* mid-stream: the client cannot be told; cut it */
		up_free(u);
		req_free(r);
		c->req = NULL;
		conn_close(c, "upstream-cut");
		return;
	}
	if (!timeout && u->reused && !u->got_bytes && !r->retried) {
		up_free(u);
		r->retried = 1;
		req_send(c, 1);
		return;
	}
	up_free(u);
	if (timeout) {
		in->st.upstream_timeouts++;
		respond(c, 504, "M_UNKNOWN", "upstream timed out", -1, 0,
		    "upstream-timeout");
	} else {
		in->st.upstream_errors++;
		respond(c, 502, "M_UNKNOWN", "upstream unreachable", -1, 0,
		    "upstream-down");
	}
	if (c->state == C_IDLE || c->state == C_DRAIN) {
		bufferevent_enable(c->bev, EV_READ);
		conn_process(c);
	}
}

/* The response is complete: pool the upstream connection, next request. */
static void
resp_done(struct conn *c, int up_reusable)
{
	struct req	*r = c->req;
	struct upconn	*u = r->up;
	int		 keep = r->keepalive && r->rframe != RF_CLOSE;

	r->up = NULL;
	if (u != NULL)
		up_release(c->in, u, up_reusable);
	req_free(r);
	c->req = NULL;
	if (!keep) {
		conn_flush_close(c);
		return;
	}
	c->state = C_IDLE;
	bufferevent_enable(c->bev, EV_READ);
	conn_process(c);		/* a pipelined request may be waiting */
}

/* Move response body bytes from upstream to the client. Return 1 when the
 * body is complete, 0 for more, -1 on a framing error. */
static int
resp_body(struct req *r, struct evbuffer *src, struct evbuffer *dst)
{
	struct evbuffer_iovec	v;
	ssize_t			k;
	size_t			n;
	int			done;

	for (;;) {
		n = evbuffer_get_length(src);
		switch (r->rframe) {
		case RF_NONE:
			return 1;
		case RF_LENGTH:
			if ((int64_t)n > r->rremain)
				n = (size_t)r->rremain;
			if (n > 0 && evbuffer_remove_buffer(src, dst, n) !=
			    (int)n)
				return -1;
			r->rremain -= (int64_t)n;
			return r->rremain == 0;
		case RF_CLOSE:
			if (n > 0)
				evbuffer_add_buffer(dst, src);
			return 0;
		case RF_CHUNKED:
			if (n == 0)
				return 0;
			if (evbuffer_peek(src, -1, NULL, &v, 1) < 1)
				return -1;
			k = gw_http_chunked_feed(&r->ch, v.iov_base,
			    v.iov_len, UINT64_MAX, &done);
			if (k < 0)
				return -1;
			if (k > 0 && evbuffer_remove_buffer(src, dst,
			    (size_t)k) != (int)k)
				return -1;
			if (done)
				return 1;
			break;
		}
	}
}

/* Parse the upstream response head and send ours. 1 = done, 0 = more,
 * -1 = bad response. */
static int
resp_head(struct req *r, struct evbuffer *src, struct evbuffer *out)
{
	struct gw_http_head	*h = &r->h;
	struct gw_http_scan	 sc;
	const char		*b;
	size_t			 len, i;
	ssize_t			 hl;
	int			 rc = 0;

 again:
	len = evbuffer_get_length(src);
	if (len == 0)
		return 0;
	if (len > GW_INB_MAX_RESP_HEAD)
		len = GW_INB_MAX_RESP_HEAD;
	if ((b = (const char *)evbuffer_pullup(src, (ssize_t)len)) == NULL)
		return -1;
	memset(&sc, 0, sizeof(sc));
	hl = gw_http_head_scan(&sc, b, len, GW_INB_MAX_RESP_HEAD,
	    GW_INB_MAX_RESP_HEAD);
	if (hl == 0)
		return 0;
	if (hl < 0 || gw_http_head_parse(GW_HTTP_RESPONSE, b, (size_t)hl, 0,
	    h) != 0)
		return -1;
	if (h->status < 200) {		/* 1xx: not for the client */
		evbuffer_drain(src, (size_t)hl);
		if (h->status == 101)
			return -1;
		goto again;
	}
	r->status = h->status;
	if (r->is_head || h->status == 204 || h->status == 304)
		r->rframe = RF_NONE;
	else if (h->chunked) {
		r->rframe = RF_CHUNKED;
		memset(&r->ch, 0, sizeof(r->ch));
	} else if (h->content_length >= 0) {
		r->rframe = RF_LENGTH;
		r->rremain = h->content_length;
	} else
		r->rframe = RF_CLOSE;
	if (r->rframe == RF_CLOSE)
		r->keepalive = 0;
	/* "HTTP/1.1 " + status code and reason as the upstream sent them */
	rc |= evbuffer_add(out, "HTTP/1.1", 8);
	rc |= evbuffer_add(out, b + 8, (size_t)((const char *)memchr(b, '\r',
	    (size_t)hl) - (b + 8)));
	rc |= evbuffer_add(out, "\r\n", 2);
	for (i = 0; i < h->nhdrs; i++) {
		const struct gw_http_hdr *f = &h->hdrs[i];

		if (h->hop & ((uint64_t)1 << i))
			continue;
		rc |= evbuffer_add(out, b + f->name_off,
		    (size_t)(f->val_off + f->val_len - f->name_off));
		rc |= evbuffer_add(out, "\r\n", 2);
	}
	if (!r->keepalive)
		rc |= evbuffer_add(out, "Connection: close\r\n", 19);
	rc |= evbuffer_add(out, "\r\n", 2);
	evbuffer_drain(src, (size_t)hl);
	r->resp_started = 1;
	return rc == 0 ? 1 : -1;
}

static void
up_readcb(struct bufferevent *bev, void *arg)
{
	struct upconn	*u = arg;
	struct req	*r = u->req;
	struct conn	*c;
	struct evbuffer	*src = bufferevent_get_input(bev), *dst;
	int		 rc, reusable, direct;

	if (r == NULL) {
		up_free(u);
		return;
	}
	c = r->c;
	u->got_bytes = 1;
	if (r->up_out != NULL) {		/* answered: no retry now */
		evbuffer_free(r->up_out);
		r->up_out = NULL;
	}
	/* plain client with nothing queued: build the answer aside and write
	 * it straight out (bev_send) */
	direct = evbuffer_get_length(bufferevent_get_output(c->bev)) == 0;
	dst = direct ? c->in->scratch : bufferevent_get_output(c->bev);
	if (direct)
		evbuffer_drain(dst, evbuffer_get_length(dst));
	if (!r->resp_started) {
		if ((rc = resp_head(r, src, dst)) == 0)
			return;
		if (rc < 0) {
			r->up = NULL;
			u->req = NULL;
			up_free(u);
			c->in->st.upstream_errors++;
			respond(c, 502, "M_UNKNOWN",
			    "bad response from upstream", -1, 1,
			    "upstream-bad");
			return;
		}
	}
	rc = resp_body(r, src, dst);
	if (direct && bev_send(c->bev, !c->tls, dst) != 0)
		rc = -1;
	if (rc < 0) {
		conn_close(c, "upstream-bad-body");
		return;
	}
	if (rc == 1) {
		reusable = r->h.minor == 1 && !r->h.conn_close &&
		    evbuffer_get_length(src) == 0;
		resp_done(c, reusable);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    GW_INB_OUT_HIGH_WATER) {
		/* the client reads slower than upstream writes */
		u->paused = 1;
		bufferevent_disable(bev, EV_READ);
	}
}

static void
up_writecb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)arg;
}

static void
up_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct upconn	*u = arg;
	struct req	*r = u->req;

	if (what & BEV_EVENT_CONNECTED) {
		u->connected = 1;
		return;
	}
	if (r != NULL && r->resp_started && r->rframe == RF_CLOSE &&
	    (what & BEV_EVENT_EOF)) {
		/* close-delimited body: EOF is its end */
		up_readcb(bev, u);
		if (u->req != NULL)
			resp_done(r->c, 0);
		return;
	}
	up_failed(u, (what & BEV_EVENT_TIMEOUT) != 0 &&
	    (u->connected || (what & BEV_EVENT_READING)));
}

/* ---- client side ------------------------------------------------------ */

static void
req_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct req	*r = arg;
	struct conn	*c = r->c;

	(void)fd;
	(void)what;
	switch (r->tphase) {
	case T_HEAD:
	case T_BODY:
		c->in->st.client_timeouts++;
		respond(c, 408, "M_UNKNOWN", r->tphase == T_HEAD ?
		    "request head not received in time" :
		    "request body not received in time", -1, 1, "slow-client");
		break;
	case T_HOLD:
		r->held = 0;
		c->in->st.held--;
		r->tphase = T_NONE;
		if (r->body_done)
			req_forward(c);
		else
			req_timer(r, T_BODY, c->in->conf.body_timeout_ms);
		break;
	case T_UPWAIT:
		/* no upstream connection freed up in time */
		TAILQ_REMOVE(&c->in->upwait, r, wentry);
		r->upwaiting = 0;
		c->in->st.upstream_wait--;
		r->tphase = T_NONE;
		c->in->st.upstream_timeouts++;
		respond(c, 503, "M_UNKNOWN", "homeserver busy: every upstream "
		    "connection in use", 1000, 0, "upstream-busy");
		if (c->state == C_IDLE || c->state == C_DRAIN) {
			bufferevent_enable(c->bev, EV_READ);
			conn_process(c);	/* a pipelined request */
		}
		break;
	case T_NONE:
		break;
	}
}

static int
is_well_known(const struct req *r)
{
	static const char	wk[] = "/.well-known/matrix/server";
	const char		*t = r->head + r->h.target_off;
	size_t			 n = r->h.target_len;

	if (n < sizeof(wk) - 1 || memcmp(t, wk, sizeof(wk) - 1) != 0)
		return 0;
	return n == sizeof(wk) - 1 || t[sizeof(wk) - 1] == '?';
}

/* Authorization: X-Matrix. Return 0 (r->origin set, or r->anonymous), or
 * answer 401 and return -1. */
static int
req_xmatrix(struct conn *c, struct req *r)
{
	struct gw_xmatrix	xm;
	int			i, e, found = 0;

	r->anonymous = 1;
	for (i = gw_http_find(&r->h, r->head, "authorization", 0); i >= 0;
	    i = gw_http_find(&r->h, r->head, "authorization", (size_t)i + 1)) {
		e = gw_xmatrix_parse(r->head + r->h.hdrs[i].val_off,
		    r->h.hdrs[i].val_len, &xm);
		if (e == GW_XMATRIX_ERR_SCHEME)
			continue;	/* another scheme: upstream decides */
		if (e != 0) {
			respond(c, 401, "M_UNAUTHORIZED", gw_xmatrix_strerror(e),
			    -1, 0, "xmatrix-malformed");
			return -1;
		}
		if (found && strcasecmp(xm.origin, r->origin) != 0) {
			respond(c, 401, "M_UNAUTHORIZED",
			    "X-Matrix headers name different origins", -1, 0,
			    "xmatrix-origins");
			return -1;
		}
		if (!found)
			memcpy(r->origin, xm.origin, sizeof(r->origin));
		found = 1;
		if (xm.has_destination &&
		    strcasecmp(xm.destination, c->in->conf.server_name) != 0) {
			respond(c, 401, "M_UNAUTHORIZED",
			    "X-Matrix destination is not this server", -1, 0,
			    "xmatrix-destination");
			return -1;
		}
	}
	r->anonymous = !found;
	return 0;
}

/* A complete head is in r->head: check it, admit it, start the body. */
static void
req_head_done(struct conn *c, struct req *r)
{
	struct gw_inbound	*in = c->in;
	struct gw_http_head	*h = &r->h;
	struct admission	 a;
	int			 e;

	in->st.requests++;
	if ((e = gw_http_head_parse(GW_HTTP_REQUEST, r->head, r->head_len,
	    in->conf.max_target, h)) != 0) {
		respond_http_err(c, e);
		return;
	}
	r->keepalive = h->minor == 1 ? !h->conn_close : h->conn_keepalive;
	r->is_head = h->method_len == 4 &&
	    memcmp(r->head + h->method_off, "HEAD", 4) == 0;
	if (h->chunked) {
		r->bframe = RF_CHUNKED;
		c->drain = -1;
	} else if (h->content_length > 0) {
		r->bframe = RF_LENGTH;
		r->body_remain = h->content_length;
		c->drain = h->content_length;
	} else {
		r->bframe = RF_NONE;
		c->drain = 0;
	}
	/* from here on a refusal keeps the connection only if the body can be
	 * skipped cheaply (Content-Length, within max_body) */
	if (h->content_length > (int64_t)in->conf.max_body) {
		c->drain = 0;
		respond(c, 413, "M_TOO_LARGE", "request body too large", -1, 1,
		    "body-too-large");
		return;
	}
	if (c->li->well_known) {
		if (!is_well_known(r)) {
			respond(c, 404, "M_UNRECOGNIZED", "Unrecognized request",
			    -1, 0, "not-found");
			return;
		}
		if (h->method_len != 3 ||
		    memcmp(r->head + h->method_off, "GET", 3) != 0) {
			if (!r->is_head) {
				respond(c, 405, "M_UNRECOGNIZED",
				    "Unrecognized request", -1, 0, "method");
				return;
			}
		}
		if (c->drain < 0) {
			r->keepalive = 0;
			c->drain = 0;
		}
		{
			struct evbuffer *out = in->scratch;
			int keep = r->keepalive;

			evbuffer_drain(out, evbuffer_get_length(out));
			if (evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
			    "Content-Type: application/json\r\n"
			    "Content-Length: %zu\r\n%s\r\n", in->wk_len,
			    keep ? "" : "Connection: close\r\n") < 0 ||
			    (!r->is_head && evbuffer_add(out, in->wk_json,
			    in->wk_len) != 0) ||
			    bev_send(c->bev, !c->tls, out) != 0)
				keep = 0;
			req_free(r);
			c->req = NULL;
			if (!keep)
				conn_flush_close(c);
			else
				c->state = c->drain > 0 ? C_DRAIN : C_IDLE;
		}
		return;
	}
	if (req_xmatrix(c, r) != 0)
		return;			/* answered (r is gone) */
	/* claimed origin: verified = 0 until signatures are checked */
	inbound_admit(in, r, r->anonymous ? NULL : r->origin, 0, &a);
	if (a.v == V_DELAY && in->st.held >= in->conf.max_held) {
		a.v = V_REJECT;
		a.status = 429;
		a.errcode = "M_LIMIT_EXCEEDED";
		a.msg = "too many requests held";
		a.retry_after_ms = a.delay_ms;
		a.reason = "held-full";
	}
	if (a.v == V_REJECT) {
		respond(c, a.status, a.errcode, a.msg, a.retry_after_ms, 0,
		    a.reason);
		return;
	}
	c->drain = 0;
	if (a.v == V_DELAY) {
		in->st.delayed++;
		in->st.held++;
		r->held = 1;
		req_timer(r, T_HOLD, a.delay_ms);
	} else
		req_timer(r, T_BODY, in->conf.body_timeout_ms);
	if (h->expect_continue && r->bframe != RF_NONE)
		bufferevent_write(c->bev, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	c->state = C_BODY;
	if (r->bframe == RF_NONE)
		r->body_done = 1;
	if ((r->up_out = evbuffer_new()) == NULL) {
		respond(c, 500, "M_UNKNOWN", "out of memory", -1, 1, "nomem");
		return;
	}
}

/* Move body bytes from the client input into r->up_out (which holds only
 * the body until req_build_upstream() prepends the head). */
static int
req_body(struct conn *c, struct req *r, struct evbuffer *src)
{
	struct evbuffer_iovec	v;
	size_t			n;
	ssize_t			k;
	int			done;

	while (!r->body_done && (n = evbuffer_get_length(src)) > 0) {
		if (r->bframe == RF_LENGTH) {
			if ((int64_t)n > r->body_remain)
				n = (size_t)r->body_remain;
			if (evbuffer_remove_buffer(src, r->up_out, n) != (int)n)
				return -1;
			r->body_remain -= (int64_t)n;
			r->body_done = r->body_remain == 0;
			continue;
		}
		if (evbuffer_peek(src, -1, NULL, &v, 1) < 1)
			return -1;
		k = gw_http_chunked_feed(&r->ch, v.iov_base, v.iov_len,
		    c->in->conf.max_body, &done);
		if (k == GW_HTTP_ERR_TOOBIG) {
			respond(c, 413, "M_TOO_LARGE", "request body too large",
			    -1, 1, "body-too-large");
			return 1;
		}
		if (k < 0) {
			respond(c, 400, "M_UNKNOWN", "malformed chunked body",
			    -1, 1, "http");
			return 1;
		}
		if (evbuffer_remove_buffer(src, r->up_out, (size_t)k) != (int)k)
			return -1;
		r->body_done = done;
	}
	return 0;
}

/* Drive the client connection with whatever input is buffered. */
static void
conn_process(struct conn *c)
{
	struct gw_inbound	*in = c->in;
	struct evbuffer		*src = bufferevent_get_input(c->bev);
	struct req		*r;
	const char		*b;
	size_t			 len, cap;
	ssize_t			 hl;
	struct evbuffer		*body;
	int			 rc;

	for (;;) {
		len = evbuffer_get_length(src);
		switch (c->state) {
		case C_DRAIN:
			if (len == 0)
				return;
			if ((int64_t)len > c->drain)
				len = (size_t)c->drain;
			evbuffer_drain(src, len);
			c->drain -= (int64_t)len;
			if (c->drain == 0)
				c->state = C_IDLE;
			break;
		case C_IDLE:
			/* tolerate CRLFs between requests (RFC 9112 2.2) */
			while (len > 0) {
				b = (const char *)evbuffer_pullup(src, 1);
				if (b[0] != '\r' && b[0] != '\n')
					break;
				evbuffer_drain(src, 1);
				len--;
			}
			if (len == 0)
				return;
			if ((c->req = req_new(c)) == NULL) {
				conn_close(c, "nomem");
				return;
			}
			req_timer(c->req, T_HEAD, in->conf.head_timeout_ms);
			c->state = C_HEAD;
			break;
		case C_HEAD:
			r = c->req;
			cap = len < in->conf.max_head ? len : in->conf.max_head;
			if (cap == 0)
				return;
			if ((b = (const char *)evbuffer_pullup(src,
			    (ssize_t)cap)) == NULL) {
				conn_close(c, "nomem");
				return;
			}
			hl = gw_http_head_scan(&r->scan, b, cap,
			    in->conf.max_head, in->conf.max_target + 64);
			if (hl < 0) {
				respond_http_err(c, (int)hl);
				return;
			}
			if (hl == 0)
				return;
			if ((r->head = malloc((size_t)hl)) == NULL) {
				conn_close(c, "nomem");
				return;
			}
			memcpy(r->head, b, (size_t)hl);
			r->head_len = (size_t)hl;
			evbuffer_drain(src, (size_t)hl);
			event_del(&r->tev);
			req_head_done(c, r);
			if (c->state == C_CLOSING || c->reaping)
				return;
			break;
		case C_BODY:
			r = c->req;
			if ((rc = req_body(c, r, src)) < 0) {
				conn_close(c, "nomem");
				return;
			}
			if (rc > 0)
				return;		/* answered */
			if (!r->body_done)
				return;
			if (r->tphase == T_BODY) {
				event_del(&r->tev);
				r->tphase = T_NONE;
			}
			body = r->up_out;
			r->up_out = NULL;
			rc = req_build_upstream(c, r, body);
			evbuffer_free(body);
			if (rc != 0) {
				respond(c, 500, "M_UNKNOWN", "out of memory",
				    -1, 1, "nomem");
				return;
			}
			c->state = C_UP;	/* waiting: hold or upstream */
			req_forward(c);
			return;
		case C_LINGER:
			if ((int64_t)len >= c->drain) {
				conn_close(c, "linger-limit");
				return;
			}
			evbuffer_drain(src, len);
			c->drain -= (int64_t)len;
			return;
		case C_UP:
		case C_CLOSING:
			return;
		}
	}
}

static void	conn_setup_bev(struct conn *);

static void
park_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	if (what & EV_TIMEOUT) {
		conn_close(c, "idle");
		return;
	}
	/* a request is coming: back to a bufferevent (it reads on the next
	 * loop turn; the socket stays readable) */
	if ((c->bev = bufferevent_socket_new(c->in->base, c->fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		conn_close(c, "nomem");
		return;
	}
	c->in->st.parked--;
	conn_setup_bev(c);
}

/*
 * A plain connection idle for GW_INB_PARK_MS gives up its bufferevent (and
 * its two evbuffers and events): what is left is the conn and one event,
 * ~0.4 KiB, until the next request or the idle timeout.
 */
static void
conn_park(struct conn *c)
{
	struct timeval	tv;
	unsigned	rest;

	if (c->tls || c->state != C_IDLE || c->reaping || c->req != NULL ||
	    evbuffer_get_length(bufferevent_get_input(c->bev)) != 0 ||
	    evbuffer_get_length(bufferevent_get_output(c->bev)) != 0) {
		bufferevent_enable(c->bev, EV_READ);
		return;
	}
	c->fd = bufferevent_getfd(c->bev);
	bufferevent_setfd(c->bev, -1);		/* keep the socket open */
	bufferevent_free(c->bev);
	c->bev = NULL;
	rest = c->in->conf.idle_timeout_ms > GW_INB_PARK_MS ?
	    c->in->conf.idle_timeout_ms - GW_INB_PARK_MS : 1;
	tv = ms_tv(rest);
	event_assign(&c->pev, c->in->base, c->fd, EV_READ, park_cb, c);
	event_add(&c->pev, &tv);
	c->in->st.parked++;
}

static void
conn_readcb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (c->reaping)
		return;
	conn_process(c);
}

static void
conn_writecb(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*out = bufferevent_get_output(bev);
	struct upconn	*u;

	if (c->reaping)
		return;
	if (c->state == C_CLOSING) {
		if (evbuffer_get_length(out) == 0)
			conn_linger(c);
		return;
	}
	if (c->state == C_UP && c->req != NULL && (u = c->req->up) != NULL &&
	    u->paused && evbuffer_get_length(out) <= GW_INB_OUT_HIGH_WATER / 2) {
		u->paused = 0;
		bufferevent_enable(u->bev, EV_READ);
		if (evbuffer_get_length(bufferevent_get_input(u->bev)) > 0)
			up_readcb(u->bev, u);
	}
}

static void
conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	(void)bev;
	if (c->reaping)
		return;
	if (what & BEV_EVENT_CONNECTED) {	/* TLS handshake done */
		struct timeval	tv = ms_tv(c->in->conf.idle_timeout_ms);
		struct timeval	wtv = ms_tv(c->in->conf.write_timeout_ms);

		bufferevent_set_timeouts(c->bev, &tv, &wtv);
		return;
	}
	if ((what & (BEV_EVENT_TIMEOUT | BEV_EVENT_READING)) ==
	    (BEV_EVENT_TIMEOUT | BEV_EVENT_READING)) {
		switch (c->state) {
		case C_UP:	/* waiting for upstream: input may be quiet */
		case C_HEAD:	/* the head/body deadlines decide */
		case C_BODY:
			bufferevent_enable(c->bev, EV_READ);
			return;
		case C_IDLE:
			if (!c->tls) {
				conn_park(c);
				return;
			}
			break;
		case C_DRAIN:
			if (!c->tls && (unsigned)++c->stalls * GW_INB_PARK_MS <
			    c->in->conf.idle_timeout_ms) {
				bufferevent_enable(c->bev, EV_READ);
				return;
			}
			break;
		default:
			break;
		}
	}
	conn_close(c, (what & BEV_EVENT_TIMEOUT) ? "timeout" :
	    (what & BEV_EVENT_EOF) ? "eof" : "error");
}

static void
conn_close(struct conn *c, const char *why)
{
	if (c->reaping)
		return;
	GW_LOG(LOG_DEBUG, SUBSYS, c->id, "closing: %s", why);
	c->reaping = 1;
	if (c->bev != NULL)
		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	else
		event_del(&c->pev);
	TAILQ_REMOVE(&c->in->conns, c, entry);
	TAILQ_INSERT_TAIL(&c->in->reap_q, c, entry);
	event_active(c->in->reap_ev, EV_TIMEOUT, 0);
}

static void
listeners_enable(struct gw_inbound *in, int on)
{
	size_t	i;

	if (on && in->draining)
		return;
	for (i = 0; i < in->nls; i++) {
		if (on)
			evconnlistener_enable(in->ls[i].l);
		else
			evconnlistener_disable(in->ls[i].l);
	}
	in->paused = !on;
}

static void
conn_free(struct conn *c)
{
	struct gw_inbound	*in = c->in;

	req_free(c->req);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	else {				/* parked */
		event_del(&c->pev);
		evutil_closesocket(c->fd);
		in->st.parked--;
	}
	free(c);
	in->st.conns--;
	if (in->paused && in->st.conns < in->conf.max_conns &&
	    !evtimer_pending(in->resume_ev, NULL))
		listeners_enable(in, 1);
}

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_inbound	*in = arg;
	struct conn		*c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&in->reap_q)) != NULL) {
		TAILQ_REMOVE(&in->reap_q, c, entry);
		conn_free(c);
	}
}

static void
resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_inbound	*in = arg;

	(void)fd;
	(void)what;
	if (in->st.conns < in->conf.max_conns)
		listeners_enable(in, 1);
}

static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct listener	*li = arg;
	struct timeval	 tv = { 1, 0 };
	int		 e = EVUTIL_SOCKET_ERROR();

	(void)l;
	/* EMFILE/ENFILE/ENOBUFS: pause accepting (do not spin), retry in 1s */
	GW_LOG(LOG_WARNING, SUBSYS, 0, "accept failed: %s; pausing 1s",
	    evutil_socket_error_to_string(e));
	listeners_enable(li->in, 0);
	evtimer_add(li->in->resume_ev, &tv);
}

/* Callbacks, timeouts and limits of a (new or unparked) bufferevent. A
 * plain connection's read timeout is the park delay (see conn_park); the
 * head/body deadlines are timers of their own. */
static void
conn_setup_bev(struct conn *c)
{
	struct gw_inbound	*in = c->in;
	struct timeval		 rtv, wtv = ms_tv(in->conf.write_timeout_ms);

	rtv = ms_tv(c->tls ? in->conf.idle_timeout_ms : GW_INB_PARK_MS);
	bufferevent_setcb(c->bev, conn_readcb, conn_writecb, conn_eventcb, c);
	bufferevent_set_timeouts(c->bev, &rtv, &wtv);
	/* reading stops once a maximal head is buffered */
	bufferevent_setwatermark(c->bev, EV_READ, 0, in->conf.max_head + 1);
	bufferevent_enable(c->bev, EV_READ);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct listener		*li = arg;
	struct gw_inbound	*in = li->in;
	struct conn		*c;
	SSL			*ssl;
	struct timeval		 tv, wtv;

	(void)l;
	(void)salen;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->in = in;
	c->li = li;
	c->id = ++in->next_id;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr,
		    c->peer, sizeof(c->peer));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
		    c->peer, sizeof(c->peer));
	if (sa->sa_family != AF_UNIX)
		set_nodelay(fd);
	if (in->tls != NULL) {
		if ((ssl = gw_tls_ssl_new(in->tls)) == NULL) {
			evutil_closesocket(fd);
			free(c);
			return;
		}
		c->tls = 1;
		c->bev = bufferevent_openssl_socket_new(in->base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		if (c->bev == NULL)
			SSL_free(ssl);
		else
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
		tv = ms_tv(in->conf.head_timeout_ms);	/* handshake */
	} else {
		c->bev = bufferevent_socket_new(in->base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
		tv = ms_tv(in->conf.idle_timeout_ms);
	}
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	conn_setup_bev(c);
	if (c->tls) {
		wtv = ms_tv(in->conf.write_timeout_ms);
		bufferevent_set_timeouts(c->bev, &tv, &wtv);	/* handshake */
	}
	TAILQ_INSERT_TAIL(&in->conns, c, entry);
	in->st.accepted++;
	if (++in->st.conns >= in->conf.max_conns)
		listeners_enable(in, 0);
}

/* ---- setup ------------------------------------------------------------ */

void
gw_inbound_conf_init(struct gw_inbound_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->tls = 1;
	conf->sni_strict = 1;
	conf->max_body = GW_INB_MAX_BODY;
	conf->max_head = GW_INB_MAX_HEAD;
	conf->max_target = GW_INB_MAX_TARGET;
	conf->head_timeout_ms = GW_INB_HEAD_TIMEOUT_MS;
	conf->body_timeout_ms = GW_INB_BODY_TIMEOUT_MS;
	conf->idle_timeout_ms = GW_INB_IDLE_TIMEOUT_MS;
	conf->write_timeout_ms = GW_INB_WRITE_TIMEOUT_MS;
	conf->upstream_connect_timeout_ms = GW_INB_UP_CONNECT_TIMEOUT_MS;
	conf->upstream_timeout_ms = GW_INB_UP_TIMEOUT_MS;
	conf->max_conns = GW_INB_MAX_CONNS;
	conf->max_held = GW_INB_MAX_HELD;
	conf->upstream_max_idle = GW_INB_UP_MAX_IDLE;
	conf->upstream_max_conns = GW_INB_UP_MAX_CONNS;
}

static int
add_listener(struct gw_inbound *in, const char *addr, int well_known,
    int reuseport, char *errbuf, size_t errlen)
{
	struct listener		*li = &in->ls[in->nls];
	struct sockaddr_storage	 ss;
	int			 len;
	char			*path = NULL;
	unsigned		 flags = LEV_OPT_CLOSE_ON_FREE |
				    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE;

	if (parse_addr(addr, &ss, &len, &path) != 0) {
		snprintf(errbuf, errlen, "bad listen address \"%s\"", addr);
		return GW_INB_ERR_CONF;
	}
	if (path != NULL)
		(void)unlink(path);	/* a stale socket from a past run */
	else if (reuseport)
		flags |= LEV_OPT_REUSEABLE_PORT;	/* one per worker */
	li->in = in;
	li->well_known = well_known;
	li->path = path;
	li->is_unix = path != NULL;
	li->l = evconnlistener_new_bind(in->base, accept_cb, li, flags, 1024,
	    (struct sockaddr *)&ss, len);
	if (li->l == NULL) {
		snprintf(errbuf, errlen, "cannot listen on %s: %s", addr,
		    strerror(errno));
		free(path);
		li->path = NULL;
		return GW_INB_ERR_LISTEN;
	}
	evconnlistener_set_error_cb(li->l, accept_error_cb);
	in->nls++;
	return 0;
}

/* Worker listeners: each worker binds its own socket to the address the
 * first instance got (SO_REUSEPORT on all of them), so the kernel spreads
 * new connections over the workers by a hash of the 4-tuple. Sharing one
 * socket instead woke every worker and let the first one awake take the
 * whole accept queue: measured with 64 keep-alive clients, one thread
 * served everything and the second stayed idle (bench/README.md). */
static int
share_listeners(struct gw_inbound *in, const struct gw_inbound *from,
    char *errbuf, size_t errlen)
{
	struct listener		*li;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	size_t			 i;

	for (i = 0; i < from->nls; i++) {
		li = &in->ls[in->nls];
		li->in = in;
		li->well_known = from->ls[i].well_known;
		len = sizeof(ss);
		if (getsockname(evconnlistener_get_fd(from->ls[i].l),
		    (struct sockaddr *)&ss, &len) != 0 ||
		    (li->l = evconnlistener_new_bind(in->base, accept_cb, li,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC |
		    LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT, 1024,
		    (struct sockaddr *)&ss, (int)len)) == NULL) {
			snprintf(errbuf, errlen, "cannot add a worker "
			    "listener: %s", strerror(errno));
			return GW_INB_ERR_LISTEN;
		}
		evconnlistener_set_error_cb(li->l, accept_error_cb);
		in->nls++;
	}
	return 0;
}

static int
inbound_create(struct event_base *base, const struct gw_inbound_conf *conf,
    struct gw_inbound *share, int reuseport, struct gw_inbound **out,
    char *errbuf, size_t errlen)
{
	struct gw_inbound	*in;
	struct gw_tls_conf	 tc;
	char			*path = NULL, buf[320];
	size_t			 i;
	int			 r = GW_INB_ERR_NOMEM, n;

	*out = NULL;
	snprintf(errbuf, errlen, "out of memory");
	if ((in = calloc(1, sizeof(*in))) == NULL)
		return GW_INB_ERR_NOMEM;
	in->base = base;
	in->conf = *conf;
	if (in->conf.upstream_max_conns == 0)
		in->conf.upstream_max_conns = GW_INB_UP_MAX_CONNS;
	in->stop_fd[0] = in->stop_fd[1] = -1;
	TAILQ_INIT(&in->pool);
	TAILQ_INIT(&in->upwait);
	TAILQ_INIT(&in->conns);
	TAILQ_INIT(&in->reap_q);
	if (conf->server_name == NULL || conf->server_name[0] == '\0' ||
	    conf->upstream == NULL || conf->nlisten + conf->nwell_known == 0 ||
	    conf->nlisten > GW_INB_MAX_LISTEN ||
	    conf->nwell_known > GW_INB_MAX_LISTEN) {
		snprintf(errbuf, errlen, "inbound needs a server name, an "
		    "upstream and a listener");
		r = GW_INB_ERR_CONF;
		goto out;
	}
	if ((in->s_server_name = strdup(conf->server_name)) == NULL ||
	    (in->s_upstream = strdup(conf->upstream)) == NULL)
		goto out;
	in->conf.server_name = in->s_server_name;
	in->conf.upstream = in->s_upstream;
	in->conf.tls_cert = in->conf.tls_key = in->conf.state_dir = NULL;
	for (i = 0; i < GW_INB_MAX_LISTEN; i++)
		in->conf.listen[i] = in->conf.well_known_listen[i] = NULL;
	if (conf->well_known_server != NULL)
		in->s_well_known = strdup(conf->well_known_server);
	else if (snprintf(buf, sizeof(buf), "%s:8448", conf->server_name) <
	    (int)sizeof(buf))
		in->s_well_known = strdup(buf);
	if (in->s_well_known == NULL)
		goto out;
	in->conf.well_known_server = in->s_well_known;
	/* {"m.server":"<name>:8448"}; a name with quotes is refused */
	{
		n = snprintf(buf, sizeof(buf), "{\"m.server\":\"%s\"}",
		    in->s_well_known);
		if (n < 0 || n >= (int)sizeof(buf) || strpbrk(in->s_well_known,
		    "\"\\") != NULL) {
			snprintf(errbuf, errlen, "bad well-known server name");
			r = GW_INB_ERR_CONF;
			goto out;
		}
		if ((in->wk_json = strdup(buf)) == NULL)
			goto out;
		in->wk_len = (size_t)n;
	}
	if (parse_addr(conf->upstream, &in->up_sa, &in->up_salen, &path) != 0) {
		snprintf(errbuf, errlen, "bad upstream address \"%s\" (want "
		    "IP:port, [IPv6]:port or unix:/path)", conf->upstream);
		r = GW_INB_ERR_CONF;
		goto out;
	}
	free(path);
	if (in->conf.max_body == 0)
		in->conf.max_body = GW_INB_MAX_BODY;
	if (in->conf.max_head == 0 || in->conf.max_head > UINT16_MAX)
		in->conf.max_head = GW_INB_MAX_HEAD;
	if (in->conf.max_target == 0 || in->conf.max_target >=
	    in->conf.max_head)
		in->conf.max_target = in->conf.max_head / 2;
	if (conf->tls && share != NULL)
		in->tls = share->tls;
	else if (conf->tls) {
		in->owns_tls = 1;
		memset(&tc, 0, sizeof(tc));
		tc.server_name = conf->server_name;
		tc.cert_path = conf->tls_cert;
		tc.key_path = conf->tls_key;
		tc.state_dir = conf->state_dir;
		tc.sni_strict = conf->sni_strict;
		if (gw_tls_new(&tc, &in->tls, errbuf, errlen) != 0) {
			r = GW_INB_ERR_TLS;
			goto out;
		}
	}
	if ((in->scratch = evbuffer_new()) == NULL ||
	    (in->reap_ev = event_new(base, -1, 0, reap_cb, in)) == NULL ||
	    (in->resume_ev = evtimer_new(base, resume_cb, in)) == NULL ||
	    (in->upwake_ev = event_new(base, -1, 0, up_wake_cb, in)) == NULL)
		goto out;
	if (share != NULL && (r = share_listeners(in, share, errbuf,
	    errlen)) != 0)
		goto out;
	for (i = 0; share == NULL && i < conf->nlisten; i++)
		if ((r = add_listener(in, conf->listen[i], 0, reuseport,
		    errbuf, errlen)) != 0)
			goto out;
	for (i = 0; share == NULL && i < conf->nwell_known; i++)
		if ((r = add_listener(in, conf->well_known_listen[i], 1,
		    reuseport, errbuf, errlen)) != 0)
			goto out;
	*out = in;
	in = NULL;
	r = 0;
	errbuf[0] = '\0';
 out:
	gw_inbound_free(in);
	return r;
}

/* A worker's orders from the first instance's thread, one byte each:
 * 'd' drain (stop accepting), 'a' abort (answer what waits 503), anything
 * else or EOF: stop the loop. */
static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_inbound	*w = arg;
	char			 cmd[16];
	ssize_t			 n, i;

	(void)what;
	n = recv(fd, cmd, sizeof(cmd), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	for (i = 0; i < n; i++) {
		if (cmd[i] == 'd') {
			listeners_enable(w, 0);
			w->draining = 1;
		} else if (cmd[i] == 'a')
			gw_inbound_abort(w);
		else
			break;
	}
	if (n <= 0 || i < n)
		event_base_loopbreak(w->base);
}

/* A worker copies its counters where the first instance's thread may
 * read them (metrics, the drain's idle check). */
static void
stats_publish_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_inbound	*w = arg;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->st_lock);
	w->st_pub = w->st;
	pthread_mutex_unlock(&w->st_lock);
}

/* Tell every worker 'cmd' (see stop_cb). */
static void
workers_tell(struct gw_inbound *in, char cmd)
{
	size_t	i;

	for (i = 0; i < in->nwk; i++)
		if (send(in->wk[i]->stop_fd[0], &cmd, 1, MSG_NOSIGNAL) != 1)
			GW_LOG(LOG_WARNING, SUBSYS, 0, "worker %zu: cannot "
			    "signal '%c': %s", i + 1, cmd, strerror(errno));
}

static void *
worker_main(void *arg)
{
	struct gw_inbound	*w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

/* Stop worker 'w' (its loop runs in its own thread) and free it. */
static void
worker_free(struct gw_inbound *w, pthread_t thr, int started)
{
	struct event_base	*b = w->base;
	char			 x = 'x';

	if (started) {
		if (send(w->stop_fd[0], &x, 1, MSG_NOSIGNAL) != 1)
			event_base_loopbreak(b);	/* best effort */
		pthread_join(thr, NULL);
	}
	gw_inbound_free(w);
	event_base_free(b);
}

int
gw_inbound_new(struct event_base *base, const struct gw_inbound_conf *conf,
    struct gw_inbound **out, char *errbuf, size_t errlen)
{
	struct gw_inbound	*in = NULL, *w;
	struct event_base	*wb;
	unsigned		 nw = conf->workers, i;
	int			 r;

	*out = NULL;
	if (nw > GW_INB_MAX_WORKERS)
		nw = GW_INB_MAX_WORKERS;
	for (i = 0; i < conf->nlisten; i++)
		if (strncmp(conf->listen[i], "unix:", 5) == 0)
			nw = 1;		/* keep unix listeners single */
	for (i = 0; i < conf->nwell_known; i++)
		if (strncmp(conf->well_known_listen[i], "unix:", 5) == 0)
			nw = 1;
	if ((r = inbound_create(base, conf, NULL, nw > 1, &in, errbuf,
	    errlen)) != 0)
		return r;
	in->limlock = conf->limiter_lock;
	if (nw <= 1) {
		*out = in;
		return 0;
	}
	pthread_mutex_init(&in->lock, NULL);
	in->owns_lock = 1;
	if (in->limlock == NULL)
		in->limlock = &in->lock;
	for (i = 1; i < nw; i++) {
		r = GW_INB_ERR_NOMEM;
		snprintf(errbuf, errlen, "cannot start worker %u", i);
		if ((wb = event_base_new()) == NULL)
			goto fail;
		if ((r = inbound_create(wb, conf, in, 1, &w, errbuf,
		    errlen)) != 0) {
			event_base_free(wb);
			goto fail;
		}
		w->limlock = in->limlock;
		pthread_mutex_init(&w->st_lock, NULL);
		w->has_st_lock = 1;
		{
			struct timeval ptv = ms_tv(GW_INB_STATS_PUBLISH_MS);

			if ((w->pub_ev = event_new(wb, -1, EV_PERSIST,
			    stats_publish_cb, w)) == NULL ||
			    event_add(w->pub_ev, &ptv) != 0) {
				worker_free(w, 0, 0);
				goto fail;
			}
		}
		w->next_id = (uint64_t)i << 56;
		r = GW_INB_ERR_NOMEM;
		if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, w->stop_fd) != 0 ||
		    evutil_make_socket_nonblocking(w->stop_fd[1]) != 0 ||
		    (w->stop_ev = event_new(wb, w->stop_fd[1], EV_READ |
		    EV_PERSIST, stop_cb, w)) == NULL ||
		    event_add(w->stop_ev, NULL) != 0 ||
		    pthread_create(&in->thr[in->nwk], NULL, worker_main, w)) {
			worker_free(w, 0, 0);
			goto fail;
		}
		in->wk[in->nwk++] = w;
	}
	errbuf[0] = '\0';
	*out = in;
	return 0;
 fail:
	gw_inbound_free(in);
	return r;
}

void
gw_inbound_get_stats(const struct gw_inbound *in, struct gw_inbound_stats *st)
{
	size_t	i;

	*st = in->st;
	for (i = 0; i < in->nwk; i++) {
		struct gw_inbound_stats	 ws, *w = &ws;

		pthread_mutex_lock(&in->wk[i]->st_lock);
		ws = in->wk[i]->st_pub;
		pthread_mutex_unlock(&in->wk[i]->st_lock);

		st->accepted += w->accepted;
		st->requests += w->requests;
		st->forwarded += w->forwarded;
		st->refused += w->refused;
		st->delayed += w->delayed;
		st->upstream_errors += w->upstream_errors;
		st->upstream_timeouts += w->upstream_timeouts;
		st->client_timeouts += w->client_timeouts;
		st->conns += w->conns;
		st->parked += w->parked;
		st->held += w->held;
		st->upstream_idle += w->upstream_idle;
		st->upstream_busy += w->upstream_busy;
		st->upstream_wait += w->upstream_wait;
		st->upstream_waited += w->upstream_waited;
	}
}

void
gw_inbound_drain(struct gw_inbound *in)
{
	/* Each worker stops its own listeners in its own loop. */
	listeners_enable(in, 0);
	in->draining = 1;
	workers_tell(in, 'd');
}

void
gw_inbound_abort(struct gw_inbound *in)
{
	struct conn	*c, *next;

	for (c = TAILQ_FIRST(&in->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->bev == NULL || c->req == NULL || c->req->resp_started)
			continue;
		if (c->state != C_BODY && c->state != C_UP && !c->req->held)
			continue;
		respond(c, 503, "M_UNKNOWN", "the server is restarting; "
		    "retry later", -1, 1, "stopping");
	}
	workers_tell(in, 'a');		/* a worker's own: a no-op */
}

int
gw_inbound_idle(const struct gw_inbound *in)
{
	struct gw_inbound_stats	st;

	gw_inbound_get_stats(in, &st);
	return st.conns == st.parked && st.held == 0 && st.upstream_busy == 0;
}

void
gw_inbound_set_rules(struct gw_inbound *in, const struct pol_rules *rules)
{
	size_t	i;

	/* An aligned pointer store: a worker's next request sees either the
	 * old rules or the new; both stay allocated (gw_policy.h). */
	__atomic_store_n(&in->conf.rules, rules, __ATOMIC_RELEASE);
	for (i = 0; i < in->nwk; i++)
		__atomic_store_n(&in->wk[i]->conf.rules, rules,
		    __ATOMIC_RELEASE);
}

uint16_t
gw_inbound_port(const struct gw_inbound *in, size_t i)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if (i >= in->nls || getsockname(evconnlistener_get_fd(in->ls[i].l),
	    (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return 0;
}

void
gw_inbound_free(struct gw_inbound *in)
{
	struct conn	*c;
	struct upconn	*u;
	size_t		 i;

	if (in == NULL)
		return;
	for (i = 0; i < in->nwk; i++)
		worker_free(in->wk[i], in->thr[i], 1);
	in->nwk = 0;
	for (i = 0; i < in->nls; i++) {
		evconnlistener_free(in->ls[i].l);
		if (in->ls[i].path != NULL)
			(void)unlink(in->ls[i].path);
		free(in->ls[i].path);
	}
	in->nls = 0;
	in->paused = 0;
	while ((c = TAILQ_FIRST(&in->conns)) != NULL) {
		TAILQ_REMOVE(&in->conns, c, entry);
		conn_free(c);
	}
	while ((c = TAILQ_FIRST(&in->reap_q)) != NULL) {
		TAILQ_REMOVE(&in->reap_q, c, entry);
		conn_free(c);
	}
	while ((u = TAILQ_FIRST(&in->pool)) != NULL)
		up_free(u);
	if (in->reap_ev != NULL)
		event_free(in->reap_ev);
	if (in->resume_ev != NULL)
		event_free(in->resume_ev);
	if (in->upwake_ev != NULL)
		event_free(in->upwake_ev);
	if (in->owns_tls)
		gw_tls_free(in->tls);
	if (in->stop_ev != NULL)
		event_free(in->stop_ev);
	if (in->pub_ev != NULL)
		event_free(in->pub_ev);
	if (in->has_st_lock)
		pthread_mutex_destroy(&in->st_lock);
	if (in->stop_fd[0] >= 0) {
		evutil_closesocket(in->stop_fd[0]);
		evutil_closesocket(in->stop_fd[1]);
	}
	if (in->owns_lock)
		pthread_mutex_destroy(&in->lock);
	if (in->scratch != NULL)
		evbuffer_free(in->scratch);
	free(in->wk_json);
	free(in->s_server_name);
	free(in->s_upstream);
	free(in->s_well_known);
	free(in);
}

const char *
gw_inbound_strerror(int err)
{
	switch (err) {
	case GW_INB_OK:		return "ok";
	case GW_INB_ERR_NOMEM:	return "out of memory";
	case GW_INB_ERR_CONF:	return "bad inbound setting";
	case GW_INB_ERR_LISTEN:	return "cannot listen";
	case GW_INB_ERR_TLS:	return "TLS setup failed";
	}
	return "unknown error";
}
