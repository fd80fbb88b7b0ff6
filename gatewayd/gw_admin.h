/*
 * gw_admin.h - the admin interface: a unix socket for onionfedctl (status,
 * peers, reload) and an optional read-only HTTP listener for Prometheus.
 * Owns: its listeners, its client connections, the admin socket's file.
 * Never: changes daemon state except through ctx->reload() on the unix
 * socket; blocks; answers more than one request per connection.
 *
 * Endpoints (HTTP/1.1, one request per connection, Connection: close):
 *	GET  /metrics	Prometheus text exposition (version 0.0.4)
 *	GET  /status	JSON: version, mode, uptime, onion, inbound, outbound,
 *			limiter, reloads
 *	GET  /peers	JSON: the limiter's tracked peers and their state
 *	POST /reload	unix socket only: 200 {"result":"ok"} or 409
 *			{"result":"refused","error":"..."}
 * HEAD works wherever GET does. Errors: 400, 403 (POST on the metrics
 * listener), 404, 405, 413 (a request body), 414, 431, 505.
 */
#ifndef GW_GATEWAYD_GW_ADMIN_H
#define GW_GATEWAYD_GW_ADMIN_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evbuffer;
struct gw_addr;
struct gw_area;
struct gw_daemon_ctx;
struct gw_http_scan;
struct pol_limiter;
struct gw_admin;			/* opaque */

enum gw_admin_err {
	GW_ADMIN_ERR_NOMEM	= -1,
	GW_ADMIN_ERR_SOCKET	= -2,	/* the admin socket could not be made */
	GW_ADMIN_ERR_BUSY	= -3,	/* another daemon answers on it */
	GW_ADMIN_ERR_LISTEN	= -4,	/* the metrics listener failed */
	GW_ADMIN_ERR_CONF	= -5,	/* e.g. metrics_listen not loopback */
};

/* Where the limiter comes from: the area passes gw_policy_limiter() of
 * ctx->policy, tests their own. NULL or returning NULL: no limiter. */
typedef struct pol_limiter *gw_admin_limiter_fn(const struct gw_daemon_ctx *);
/* The lock to hold while reading that limiter (it is shared with the
 * inbound workers' threads); NULL or returning NULL: none. */
typedef pthread_mutex_t *gw_admin_lock_fn(const struct gw_daemon_ctx *);

struct gw_admin_conf {
	const char		*socket_path;	/* NULL: no admin socket */
	const struct gw_addr	*metrics;	/* NULL or GW_ADDR_NONE: off;
						 * TCP must be loopback */
	gw_admin_limiter_fn	*limiter;
	gw_admin_lock_fn	*limiter_lock;
};

/*
 * Start listening on ctx->base (ctx is borrowed and must outlive the
 * admin). The socket's directory is made (0750) if missing; a stale socket
 * (nobody accepts on it) is removed, a live one is GW_ADMIN_ERR_BUSY, any
 * other file there GW_ADMIN_ERR_SOCKET. The socket is chmod 0660. Return 0
 * and set *out, or a negative enum gw_admin_err with a one-line reason in
 * errbuf; nothing is left bound then.
 */
int		 gw_admin_new(struct gw_daemon_ctx *ctx,
		    const struct gw_admin_conf *conf, struct gw_admin **out,
		    char *errbuf, size_t errlen);

/* Stop accepting; answers in progress still finish. Call done(arg) once
 * when no connection is left (possibly before returning). */
void		 gw_admin_drain(struct gw_admin *ad, void (*done)(void *),
		    void *arg);

/* Close everything, remove the socket file (if it is still ours) and free.
 * NULL is a no-op. Never call from inside one of its callbacks. */
void		 gw_admin_free(struct gw_admin *ad);

/* The metrics listener's bound TCP port (tests bind port 0), or 0. */
uint16_t	 gw_admin_metrics_port(const struct gw_admin *ad);

/* Answer one request without a socket (the server and the fuzz target
 * use it): buf[0..len) is what one connection sent so far, 'sc' its scan
 * state (zeroed at connect). Return 0 if the head is not complete yet, or
 * 1 after appending the whole answer (an error answer included) to 'out'.
 * 'privileged' is 1 for the admin socket (POST /reload allowed). */
int		 gw_admin_handle(struct gw_admin *ad, int privileged,
		    struct gw_http_scan *sc, const char *buf, size_t len,
		    struct evbuffer *out);

/* Render the answers (the server uses these; so do tests). Each reads
 * 'ctx' and its area handles, any of which may be NULL; 'lim' may be NULL.
 * Metrics are appended to 'out'; return 0 or GW_ADMIN_ERR_NOMEM. The JSON
 * ones return a NUL-terminated string the caller frees, or NULL. */
int		 gw_admin_render_metrics(const struct gw_daemon_ctx *ctx,
		    const struct pol_limiter *lim, struct evbuffer *out);
char		*gw_admin_render_status(const struct gw_daemon_ctx *ctx,
		    const struct pol_limiter *lim);
char		*gw_admin_render_peers(const struct gw_daemon_ctx *ctx,
		    const struct pol_limiter *lim, size_t max_peers);

const char	*gw_admin_strerror(int err);

/* The area (gw_admin_area.c): [admin] socket and metrics_listen. */
extern const struct gw_area gw_admin_area;

#endif /* GW_GATEWAYD_GW_ADMIN_H */
