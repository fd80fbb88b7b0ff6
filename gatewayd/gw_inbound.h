/*
 * gw_inbound.h - the inbound federation gateway: what remote servers reach
 * through our onion (or the clearnet front), in front of the homeserver.
 * Owns: its listeners, client connections (TLS or plain, HTTP/1.1
 * keep-alive), requests held by the limiter, the upstream keep-alive pool.
 * Never: decodes or rewrites a request-target or a body, answers with
 * anything but Matrix error JSON, or verifies X-Matrix signatures (yet).
 *
 * What reaches the homeserver: the request line with the request-target
 * byte-for-byte (version forced to HTTP/1.1), every header unchanged except
 * hop-by-hop ones (Connection and what it names, Keep-Alive, TE, Trailer,
 * Upgrade, Proxy-*, Expect) and X-Forwarded-For / X-Forwarded-Proto, which
 * are always ours (a peer's copies are dropped): X-Forwarded-For is the
 * TCP peer (for onion traffic that is tor, 127.0.0.1; absent on unix
 * sockets), X-Forwarded-Proto "https" behind our TLS. The homeserver may
 * trust exactly these two headers from onionfedd's address and nothing
 * else. The X-Matrix origin used for policy and limits is as CLAIMED by
 * the peer until signatures are verified (a later issue).
 */
#ifndef GW_GATEWAYD_GW_INBOUND_H
#define GW_GATEWAYD_GW_INBOUND_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct gw_inbound;			/* opaque */
struct pol_rules;
struct pol_limiter;

enum gw_inbound_err {
	GW_INB_OK		=  0,
	GW_INB_ERR_NOMEM	= -1,
	GW_INB_ERR_CONF		= -2,	/* unusable setting (see errbuf) */
	GW_INB_ERR_LISTEN	= -3,	/* could not bind a listener */
	GW_INB_ERR_TLS		= -4,	/* certificate/key problem */
};

#define GW_INB_MAX_LISTEN	4
#define GW_INB_MAX_WORKERS	16

/*
 * Settings. Addresses are "IPv4:port", "[IPv6]:port" or "unix:/path".
 * Zero/NULL members take the defaults of gw_inbound_limits.h; fill with
 * gw_inbound_conf_init() first.
 */
struct gw_inbound_conf {
	const char	*server_name;	/* ours: destination must match */
	/* federation listeners (onion_listen, clearnet_listen) */
	const char	*listen[GW_INB_MAX_LISTEN];
	size_t		 nlisten;
	/* answer GET /.well-known/matrix/server here (onion port 443) */
	const char	*well_known_listen[GW_INB_MAX_LISTEN];
	size_t		 nwell_known;
	const char	*well_known_server;	/* NULL: "<server_name>:8448" */
	const char	*upstream;	/* homeserver federation listener */
	int		 tls;		/* 1 (default): terminate TLS */
	const char	*tls_cert;	/* NULL: made in state_dir */
	const char	*tls_key;
	const char	*state_dir;	/* where a made cert is kept */
	int		 sni_strict;	/* default 1 */
	size_t		 max_body;
	size_t		 max_head;
	size_t		 max_target;
	unsigned	 head_timeout_ms;
	unsigned	 body_timeout_ms;
	unsigned	 idle_timeout_ms;
	unsigned	 write_timeout_ms;
	unsigned	 upstream_connect_timeout_ms;
	unsigned	 upstream_timeout_ms;
	unsigned	 max_conns;
	unsigned	 max_held;
	unsigned	 upstream_max_idle;
	unsigned	 upstream_max_conns;	/* busy + idle; beyond: wait */
	/* 0 or 1: everything runs in the caller's loop. N > 1: N-1 more
	 * threads, each with its own event loop, upstream pool and held
	 * requests, and its own listening socket on each address
	 * (SO_REUSEPORT: the kernel spreads connections by hash); the TLS
	 * context and the limiter (behind one mutex) are shared. Unix-socket
	 * listeners force 1. */
	unsigned	 workers;
	/* Policy (borrowed; must outlive the gateway). NULL rules: everyone
	 * allowed; NULL limiter: no per-origin limits. */
	const struct pol_rules	*rules;
	struct pol_limiter	*limiter;
	/* Held around every limiter call when the limiter is shared with
	 * other threads or areas (gw_policy_limiter_lock()); NULL: the
	 * gateway's own lock when it has workers, else none. */
	pthread_mutex_t		*limiter_lock;
};

/* Fill 'conf' with defaults (tls on, limits from gw_inbound_limits.h). */
void	gw_inbound_conf_init(struct gw_inbound_conf *conf);

/* Start the gateway on 'base' (borrowed; must outlive it): bind every
 * listener, load or make the TLS certificate. Return 0 and store it in
 * *out, or a negative enum gw_inbound_err with a message in errbuf; then
 * nothing is left bound. Strings in 'conf' are copied. */
int	gw_inbound_new(struct event_base *base,
	    const struct gw_inbound_conf *conf, struct gw_inbound **out,
	    char *errbuf, size_t errlen);

/* Counters for /metrics and tests. */
struct gw_inbound_stats {
	uint64_t	accepted, requests, forwarded, refused, delayed;
	uint64_t	upstream_errors, upstream_timeouts, client_timeouts;
	uint64_t	upstream_waited;	/* requests that waited for
						 * an upstream connection */
	unsigned	conns, parked, held, upstream_idle, upstream_busy;
	unsigned	upstream_wait;		/* waiting now */
};
void	gw_inbound_get_stats(const struct gw_inbound *in,
	    struct gw_inbound_stats *st);

/* The bound port of federation listener 'i' (tests bind port 0), or 0. */
uint16_t gw_inbound_port(const struct gw_inbound *in, size_t i);

/* Stop accepting for good (SIGTERM); connections in progress go on.
 * Worker threads are told and stop in their own loops (asynchronously). */
void	gw_inbound_drain(struct gw_inbound *in);

/* Answer every accepted request that has no answer yet with 503 M_UNKNOWN
 * and close its connection (the end of a drain: nothing accepted is
 * dropped without an answer). Answers already streaming are left alone.
 * Workers do the same for theirs, asynchronously.
 * Main loop only; worker threads are not reached. */
void	gw_inbound_abort(struct gw_inbound *in);

/* 1 if no request is in flight: every connection is idle between requests,
 * nothing is held by the limiter or waiting on the homeserver. */
int	gw_inbound_idle(const struct gw_inbound *in);

/* Use 'rules' from the next request on (reload). The old rules must stay
 * allocated until gw_inbound_free() (gw_policy keeps them). */
void	gw_inbound_set_rules(struct gw_inbound *in,
	    const struct pol_rules *rules);

/* Stop the workers, stop accepting, close every connection (requests in
 * flight or held are dropped with it: not yet answered 503 first) and
 * free. NULL is a no-op. */
void	gw_inbound_free(struct gw_inbound *in);

const char *gw_inbound_strerror(int err);

/* The area for onionfedd's main.c (gw_inbound_area.c; gw_daemon.h). */
struct gw_area;
extern const struct gw_area gw_inbound_area;

#endif /* GW_GATEWAYD_GW_INBOUND_H */
