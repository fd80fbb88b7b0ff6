/*
 * gw_admin.c - the admin listeners and their minimal HTTP/1.1 server: one
 * bounded head per connection (gw_http_proto.c's scanner and parser), one
 * answer, close. The unix socket may POST /reload; the metrics listener
 * answers GET and HEAD only.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "gatewayd/gw_admin.h"
#include "gatewayd/gw_admin_limits.h"
#include "gatewayd/gw_config.h"
#include "gatewayd/gw_daemon.h"
#include "gatewayd/gw_http_proto.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_log_ids.h"

struct admin_conn;

struct gw_admin {
	struct gw_daemon_ctx	*ctx;
	gw_admin_limiter_fn	*limiter;
	gw_admin_lock_fn	*limiter_lock;
	struct evconnlistener	*unix_lev, *tcp_lev;
	char			*sock_path;	/* ours to unlink, or NULL */
	dev_t			 sock_dev;
	ino_t			 sock_ino;
	uint16_t		 tcp_port;
	unsigned		 nconns;
	struct event		*reap_ev;
	void			(*drain_done)(void *);
	void			*drain_arg;
	TAILQ_HEAD(, admin_conn) conns, reap_q;
};

struct admin_conn {
	struct gw_admin		*ad;
	struct bufferevent	*bev;
	int			 privileged;	/* unix socket: may reload */
	int			 answered;	/* close once output drained */
	int			 lingering;	/* answer sent, FIN sent: read
						 * and discard until EOF */
	int			 closing;
	struct gw_http_scan	 sc;
	TAILQ_ENTRY(admin_conn)	 entry;
};

const char *
gw_admin_strerror(int err)
{
	switch (err) {
	case 0:				return "success";
	case GW_ADMIN_ERR_NOMEM:	return "out of memory";
	case GW_ADMIN_ERR_SOCKET:	return "cannot make the admin socket";
	case GW_ADMIN_ERR_BUSY:		return "admin socket in use";
	case GW_ADMIN_ERR_LISTEN:	return "cannot listen for metrics";
	case GW_ADMIN_ERR_CONF:		return "bad admin configuration";
	default:			return "unknown error";
	}
}

/* ---------------------------------------------------------- connections */

static void
conn_close(struct admin_conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	TAILQ_REMOVE(&c->ad->conns, c, entry);
	TAILQ_INSERT_TAIL(&c->ad->reap_q, c, entry);
	event_active(c->ad->reap_ev, EV_TIMEOUT, 0);
}

static void
conn_free(struct admin_conn *c)
{
	bufferevent_free(c->bev);
	c->ad->nconns--;
	free(c);
}

/* Draining and nothing left open: tell main.c, once. */
static void
drain_check(struct gw_admin *ad)
{
	void	(*done)(void *) = ad->drain_done;

	if (done == NULL || ad->nconns > 0)
		return;
	ad->drain_done = NULL;
	done(ad->drain_arg);
}

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_admin		*ad = arg;
	struct admin_conn	*c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&ad->reap_q)) != NULL) {
		TAILQ_REMOVE(&ad->reap_q, c, entry);
		conn_free(c);
	}
	drain_check(ad);
}

/* One request being answered: where the answer goes. */
struct req {
	struct gw_admin	*ad;
	struct evbuffer	*out;
	int		 privileged;
};

static void
respond(struct req *c, int status, const char *reason,
    const char *ctype, const char *body, size_t len, int head_only,
    const char *extra)
{
	(void)evbuffer_add_printf(c->out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n",
	    status, reason, ctype, len, extra != NULL ? extra : "");
	if (!head_only && len > 0)
		(void)evbuffer_add(c->out, body, len);
}

/* A JSON error body: {"error":"<text>"} (text is static and plain). */
static void
respond_err(struct req *c, int status, const char *reason,
    const char *text, const char *extra)
{
	char	body[256];
	int	n;

	n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", text);
	respond(c, status, reason, "application/json", body,
	    n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0, 0, extra);
}

static void
respond_json(struct req *c, int status, const char *reason,
    char *json, int head_only)
{
	size_t	len;

	if (json == NULL) {
		respond_err(c, 500, "Internal Server Error", "out of memory",
		    NULL);
		return;
	}
	len = strlen(json);
	json[len] = '\n';	/* replaces the NUL: keep len + 1 bytes */
	respond(c, status, reason, "application/json", json, len + 1,
	    head_only, NULL);
	free(json);
}

static struct pol_limiter *
limiter_of(const struct gw_admin *ad)
{
	return ad->limiter != NULL ? ad->limiter(ad->ctx) : NULL;
}

/* Hold the limiter's lock (if shared) while rendering from it. */
static void
limiter_hold(const struct gw_admin *ad, int on)
{
	pthread_mutex_t	*m;

	if (ad->limiter_lock == NULL || (m = ad->limiter_lock(ad->ctx)) == NULL)
		return;
	if (on)
		pthread_mutex_lock(m);
	else
		pthread_mutex_unlock(m);
}

static void
do_reload(struct req *c)
{
	struct gw_daemon_ctx	*ctx = c->ad->ctx;
	char			 err[512], body[1200], esc[1024];
	size_t			 i, o = 0;
	int			 n;

	if (ctx->reload == NULL) {
		respond_err(c, 503, "Service Unavailable",
		    "reload is not available", NULL);
		return;
	}
	err[0] = '\0';
	GW_LOG(LOG_INFO, "admin", 0, "reload asked on the admin socket");
	if (ctx->reload(ctx, err, sizeof(err)) == 0) {
		n = snprintf(body, sizeof(body), "{\"result\":\"ok\"}\n");
		respond(c, 200, "OK", "application/json", body, (size_t)n, 0,
		    NULL);
		return;
	}
	/* JSON-escape the message: quotes, backslashes, control bytes. */
	for (i = 0; err[i] != '\0' && o + 7 < sizeof(esc); i++) {
		unsigned char	ch = (unsigned char)err[i];

		if (ch == '"' || ch == '\\') {
			esc[o++] = '\\';
			esc[o++] = (char)ch;
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(esc + o, sizeof(esc) - o,
			    "\\u%04x", ch);
		} else
			esc[o++] = (char)ch;
	}
	esc[o] = '\0';
	n = snprintf(body, sizeof(body),
	    "{\"result\":\"refused\",\"error\":\"%s\"}\n",
	    esc[0] ? esc : "the new configuration was refused");
	respond(c, 409, "Conflict", "application/json", body,
	    n > 0 && (size_t)n < sizeof(body) ? (size_t)n : 0, 0, NULL);
}

static int
is_path(const char *t, size_t len, const char *path)
{
	size_t	pl = strlen(path);

	/* A query string is ignored ("/metrics?x=1"). */
	return len >= pl && memcmp(t, path, pl) == 0 &&
	    (len == pl || t[pl] == '?');
}

static void
dispatch(struct req *c, const char *buf, const struct gw_http_head *h)
{
	struct gw_admin	*ad = c->ad;
	struct evbuffer	*tmp;
	const char	*m = buf + h->method_off, *t = buf + h->target_off;
	size_t		 ml = h->method_len, tl = h->target_len, len;
	int		 get, head, post, rc = -1;
	char		*json;

	get = ml == 3 && memcmp(m, "GET", 3) == 0;
	head = ml == 4 && memcmp(m, "HEAD", 4) == 0;
	post = ml == 4 && memcmp(m, "POST", 4) == 0;
	if (h->chunked || h->content_length > 0) {
		respond_err(c, 413, "Content Too Large",
		    "requests take no body", NULL);
		return;
	}
	if (is_path(t, tl, "/reload")) {
		if (!post) {
			respond_err(c, 405, "Method Not Allowed",
			    "use POST", "Allow: POST\r\n");
			return;
		}
		if (!c->privileged) {
			respond_err(c, 403, "Forbidden",
			    "reload only over the admin socket", NULL);
			return;
		}
		do_reload(c);
		return;
	}
	if (!is_path(t, tl, "/metrics") && !is_path(t, tl, "/status") &&
	    !is_path(t, tl, "/peers")) {
		respond_err(c, 404, "Not Found", "no such endpoint", NULL);
		return;
	}
	if (post && !c->privileged) {
		respond_err(c, 403, "Forbidden", "the metrics listener is "
		    "read-only", NULL);
		return;
	}
	if (!get && !head) {
		respond_err(c, 405, "Method Not Allowed", "use GET",
		    "Allow: GET, HEAD\r\n");
		return;
	}
	if (is_path(t, tl, "/metrics")) {
		if ((tmp = evbuffer_new()) != NULL) {
			limiter_hold(ad, 1);
			rc = gw_admin_render_metrics(ad->ctx, limiter_of(ad),
			    tmp);
			limiter_hold(ad, 0);
		}
		if (tmp == NULL || rc != 0) {
			evbuffer_free(tmp);
			respond_err(c, 500, "Internal Server Error",
			    "out of memory", NULL);
			return;
		}
		len = evbuffer_get_length(tmp);
		respond(c, 200, "OK", "text/plain; version=0.0.4; "
		    "charset=utf-8", NULL, len, 1, NULL);
		if (!head)
			(void)evbuffer_add_buffer(c->out, tmp);
		evbuffer_free(tmp);
		return;
	}
	limiter_hold(ad, 1);
	if (is_path(t, tl, "/status"))
		json = gw_admin_render_status(ad->ctx, limiter_of(ad));
	else
		json = gw_admin_render_peers(ad->ctx, limiter_of(ad),
		    GW_ADMIN_MAX_PEERS);
	limiter_hold(ad, 0);
	respond_json(c, 200, "OK", json, head);
}

static void
http_error(struct req *c, int err)
{
	switch (err) {
	case GW_HTTP_ERR_TOOBIG:
	case GW_HTTP_ERR_HEADERS:
		respond_err(c, 431, "Request Header Fields Too Large",
		    "request head too large", NULL);
		break;
	case GW_HTTP_ERR_TARGET:
		respond_err(c, 414, "URI Too Long", "request-target too long",
		    NULL);
		break;
	case GW_HTTP_ERR_VERSION:
		respond_err(c, 505, "HTTP Version Not Supported",
		    "HTTP/1.1 only", NULL);
		break;
	default:
		respond_err(c, 400, "Bad Request", "bad request", NULL);
		break;
	}
}

int
gw_admin_handle(struct gw_admin *ad, int privileged, struct gw_http_scan *sc,
    const char *buf, size_t len, struct evbuffer *out)
{
	struct req		 rq = { ad, out, privileged };
	struct gw_http_head	 h;
	ssize_t			 n;
	int			 r;

	if (len > GW_ADMIN_MAX_HEAD)
		len = GW_ADMIN_MAX_HEAD;
	n = gw_http_head_scan(sc, buf, len, GW_ADMIN_MAX_HEAD,
	    GW_ADMIN_MAX_LINE0);
	if (n == 0)
		return 0;			/* wait for more */
	if (n < 0)
		http_error(&rq, (int)n);
	else if ((r = gw_http_head_parse(GW_HTTP_REQUEST, buf, (size_t)n,
	    GW_ADMIN_MAX_TARGET, &h)) != 0)
		http_error(&rq, r);
	else
		dispatch(&rq, buf, &h);
	return 1;
}

static void
conn_readcb(struct bufferevent *bev, void *arg)
{
	struct admin_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 len = evbuffer_get_length(in);
	const char		*buf;

	if (c->lingering) {
		(void)evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (c->answered || c->closing)
		return;
	if (len > GW_ADMIN_MAX_HEAD)
		len = GW_ADMIN_MAX_HEAD;
	if ((buf = (const char *)evbuffer_pullup(in, (ssize_t)len)) == NULL) {
		conn_close(c);
		return;
	}
	if (gw_admin_handle(c->ad, c->privileged, &c->sc, buf, len,
	    bufferevent_get_output(bev)) == 0)
		return;
	c->answered = 1;
	bufferevent_disable(bev, EV_READ);
	bufferevent_enable(bev, EV_WRITE);
}

static void
conn_writecb(struct bufferevent *bev, void *arg)
{
	struct admin_conn	*c = arg;
	struct timeval		 lt = { 0, GW_ADMIN_LINGER_MS * 1000 };

	if (!c->answered || c->lingering ||
	    evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	/*
	 * The answer is out. Closing now with unread request bytes (a head
	 * we refused as too large, a pipelined request) would make TCP send
	 * a reset that can destroy the answer before the client reads it:
	 * send FIN, discard what still comes, close on the client's EOF or
	 * after a short linger.
	 */
	c->lingering = 1;
	if (shutdown(bufferevent_getfd(bev), SHUT_WR) != 0) {
		conn_close(c);
		return;
	}
	bufferevent_setwatermark(bev, EV_READ, 0, 0);
	bufferevent_set_timeouts(bev, &lt, NULL);
	bufferevent_disable(bev, EV_WRITE);
	bufferevent_enable(bev, EV_READ);
}

static void
conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct admin_conn	*c = arg;

	(void)bev;
	(void)what;			/* EOF, error or timeout: all end it */
	conn_close(c);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct gw_admin		*ad = arg;
	struct admin_conn	*c;
	struct timeval		 rt = { GW_ADMIN_READ_TIMEOUT_MS / 1000,
				    (GW_ADMIN_READ_TIMEOUT_MS % 1000) * 1000 };
	struct timeval		 wt = { GW_ADMIN_WRITE_TIMEOUT_MS / 1000,
				    (GW_ADMIN_WRITE_TIMEOUT_MS % 1000) * 1000 };

	(void)sa;
	(void)salen;
	if (ad->nconns >= GW_ADMIN_MAX_CONNS ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->bev = bufferevent_socket_new(ad->ctx->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	c->ad = ad;
	c->privileged = lev == ad->unix_lev;
	ad->nconns++;
	TAILQ_INSERT_TAIL(&ad->conns, c, entry);
	/* Stop reading once a maximal head (+1 to see it is too big) is
	 * buffered: a client cannot make us hold more. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, GW_ADMIN_MAX_HEAD + 1);
	bufferevent_set_timeouts(c->bev, &rt, &wt);
	bufferevent_setcb(c->bev, conn_readcb, conn_writecb, conn_eventcb, c);
	bufferevent_enable(c->bev, EV_READ);
}

static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	(void)arg;
	(void)lev;
	GW_LOG(LOG_WARNING, "admin", 0, "accept: %s", strerror(errno));
}

/* ---------------------------------------------------------- listeners */

/* Make the admin socket at 'path': its directory if missing, a stale
 * socket removed. */
static int
open_unix(struct gw_admin *ad, const char *path, char *errbuf, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	char			 dir[sizeof(sun.sun_path)], *slash;
	int			 fd = -1, probe, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path) || path[0] != '/') {
		snprintf(errbuf, errlen, "admin socket %s: not an absolute "
		    "path shorter than %zu bytes", path, sizeof(sun.sun_path));
		return GW_ADMIN_ERR_CONF;
	}
	memcpy(sun.sun_path, path, strlen(path));
	memcpy(dir, path, strlen(path) + 1);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
			snprintf(errbuf, errlen, "admin socket directory %s: "
			    "%s", dir, strerror(errno));
			return GW_ADMIN_ERR_SOCKET;
		}
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(errbuf, errlen, "admin socket %s: exists and "
			    "is not a socket", path);
			return GW_ADMIN_ERR_SOCKET;
		}
		/* Somebody answering there is a running daemon. */
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		r = probe >= 0 ? connect(probe, (struct sockaddr *)&sun,
		    sizeof(sun)) : -1;
		if (probe >= 0)
			close(probe);
		if (r == 0) {
			snprintf(errbuf, errlen, "admin socket %s: another "
			    "onionfedd answers on it", path);
			return GW_ADMIN_ERR_BUSY;
		}
		if (unlink(path) != 0) {
			snprintf(errbuf, errlen, "admin socket %s: removing the "
			    "stale socket: %s", path, strerror(errno));
			return GW_ADMIN_ERR_SOCKET;
		}
		GW_LOG(LOG_INFO, "admin", 0, "removed stale admin socket %s",
		    path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    chmod(path, 0660) != 0 || listen(fd, 16) != 0 ||
	    stat(path, &st) != 0) {
		snprintf(errbuf, errlen, "admin socket %s: %s", path,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			(void)unlink(path);
		}
		return GW_ADMIN_ERR_SOCKET;
	}
	if ((ad->sock_path = strdup(path)) == NULL) {
		close(fd);
		(void)unlink(path);
		return GW_ADMIN_ERR_NOMEM;
	}
	ad->sock_dev = st.st_dev;
	ad->sock_ino = st.st_ino;
	ad->unix_lev = evconnlistener_new(ad->ctx->base, accept_cb, ad,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (ad->unix_lev == NULL) {
		close(fd);
		return GW_ADMIN_ERR_NOMEM;
	}
	evconnlistener_set_error_cb(ad->unix_lev, accept_error_cb);
	return 0;
}

static int
open_tcp(struct gw_admin *ad, const struct gw_addr *a, char *errbuf,
    size_t errlen)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 sl;
	char			 b[GW_ADDR_PATH_MAX + 16];

	if (a->kind != GW_ADDR_TCP || !gw_addr_is_local(a)) {
		snprintf(errbuf, errlen, "metrics_listen %s: must be a "
		    "loopback TCP address", gw_addr_fmt(a, b, sizeof(b)));
		return GW_ADMIN_ERR_CONF;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, a->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(a->port);
		sl = sizeof(*sin);
	} else if (inet_pton(AF_INET6, a->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(a->port);
		sl = sizeof(*sin6);
	} else {
		snprintf(errbuf, errlen, "metrics_listen %s: not an IP "
		    "address", a->host);
		return GW_ADMIN_ERR_CONF;
	}
	ad->tcp_lev = evconnlistener_new_bind(ad->ctx->base, accept_cb, ad,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    16, (struct sockaddr *)&ss, (int)sl);
	if (ad->tcp_lev == NULL) {
		snprintf(errbuf, errlen, "metrics_listen %s: %s",
		    gw_addr_fmt(a, b, sizeof(b)), strerror(errno));
		return GW_ADMIN_ERR_LISTEN;
	}
	evconnlistener_set_error_cb(ad->tcp_lev, accept_error_cb);
	sl = sizeof(ss);
	if (getsockname(evconnlistener_get_fd(ad->tcp_lev),
	    (struct sockaddr *)&ss, &sl) == 0)
		ad->tcp_port = ntohs(ss.ss_family == AF_INET ? sin->sin_port :
		    sin6->sin6_port);
	return 0;
}

int
gw_admin_new(struct gw_daemon_ctx *ctx, const struct gw_admin_conf *conf,
    struct gw_admin **out, char *errbuf, size_t errlen)
{
	struct gw_admin	*ad;
	char		 dummy[1];
	int		 r;

	*out = NULL;
	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	if ((ad = calloc(1, sizeof(*ad))) == NULL)
		return GW_ADMIN_ERR_NOMEM;
	ad->ctx = ctx;
	ad->limiter = conf->limiter;
	ad->limiter_lock = conf->limiter_lock;
	TAILQ_INIT(&ad->conns);
	TAILQ_INIT(&ad->reap_q);
	if ((ad->reap_ev = event_new(ctx->base, -1, 0, reap_cb, ad)) == NULL) {
		r = GW_ADMIN_ERR_NOMEM;
		goto out;
	}
	if (conf->socket_path != NULL &&
	    (r = open_unix(ad, conf->socket_path, errbuf, errlen)) != 0)
		goto out;
	if (conf->metrics != NULL && conf->metrics->kind != GW_ADDR_NONE &&
	    (r = open_tcp(ad, conf->metrics, errbuf, errlen)) != 0)
		goto out;
	*out = ad;
	ad = NULL;
	r = 0;
 out:
	if (r == GW_ADMIN_ERR_NOMEM && errbuf[0] == '\0')
		snprintf(errbuf, errlen, "out of memory");
	gw_admin_free(ad);
	return r;
}

void
gw_admin_drain(struct gw_admin *ad, void (*done)(void *), void *arg)
{
	if (ad->unix_lev != NULL)
		evconnlistener_disable(ad->unix_lev);
	if (ad->tcp_lev != NULL)
		evconnlistener_disable(ad->tcp_lev);
	ad->drain_done = done;
	ad->drain_arg = arg;
	drain_check(ad);
}

uint16_t
gw_admin_metrics_port(const struct gw_admin *ad)
{
	return ad != NULL ? ad->tcp_port : 0;
}

void
gw_admin_free(struct gw_admin *ad)
{
	struct admin_conn	*c;
	struct stat		 st;

	if (ad == NULL)
		return;
	while ((c = TAILQ_FIRST(&ad->conns)) != NULL) {
		TAILQ_REMOVE(&ad->conns, c, entry);
		conn_free(c);
	}
	while ((c = TAILQ_FIRST(&ad->reap_q)) != NULL) {
		TAILQ_REMOVE(&ad->reap_q, c, entry);
		conn_free(c);
	}
	if (ad->unix_lev != NULL)
		evconnlistener_free(ad->unix_lev);
	if (ad->tcp_lev != NULL)
		evconnlistener_free(ad->tcp_lev);
	/* Remove the socket only if it is still the one we made (a second
	 * daemon may have replaced it). */
	if (ad->sock_path != NULL && lstat(ad->sock_path, &st) == 0 &&
	    st.st_dev == ad->sock_dev && st.st_ino == ad->sock_ino)
		(void)unlink(ad->sock_path);
	free(ad->sock_path);
	if (ad->reap_ev != NULL)
		event_free(ad->reap_ev);
	free(ad);
}
