/*
 * gw_onion_probe.c - the self-probe client (see gw_onion_probe.h): SOCKS5
 * with username/password, then TLS over the tunnel, then one HTTP GET.
 * A small state machine on one bufferevent (wrapped by an OpenSSL filter
 * once the tunnel stands); finishing marks the probe done and reports
 * from a separate event, so nothing is freed inside its own callback.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/ssl.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_onion_limits.h"
#include "gatewayd/gw_onion_probe.h"

enum probe_state {
	PS_CONNECTING = 0,
	PS_GREETING,			/* sent 05 01 02 */
	PS_AUTH,			/* sent RFC 1929 request */
	PS_CONNECT,			/* sent CONNECT name:port */
	PS_HTTP,			/* TLS + request, reading the answer */
	PS_DONE,
};

struct gw_probe {
	struct event_base	*base;
	SSL_CTX			*ssl_ctx;
	struct bufferevent	*bev;		/* socket, later the TLS filter */
	struct event		*timer;
	struct event		*done_ev;
	enum probe_state	 state;
	char			 onion[64];
	char			 user[256], pass[256];
	uint16_t		 port;
	uint64_t		 started_ms;
	struct gw_probe_result	 res;
	gw_probe_cb		*cb;
	void			*arg;
};

static uint64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

SSL_CTX *
gw_probe_ssl_ctx_new(void)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	/* The onion address is the authentication (it is the service's
	 * public key): the certificate is not checked. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Record the outcome and report it from done_ev (after we unwind). */
static void
finish(struct gw_probe *p, int ok, int status, const char *reason)
{
	if (p->state == PS_DONE)
		return;
	p->state = PS_DONE;
	p->res.ok = ok;
	p->res.http_status = status;
	p->res.reason = reason;
	p->res.latency_ms = mono_ms() - p->started_ms;
	if (p->bev != NULL)
		bufferevent_disable(p->bev, EV_READ | EV_WRITE);
	event_del(p->timer);
	event_active(p->done_ev, EV_TIMEOUT, 0);
}

static void
probe_free(struct gw_probe *p)
{
	if (p->bev != NULL)
		bufferevent_free(p->bev);	/* CLOSE_ON_FREE: SSL, fd */
	if (p->timer != NULL)
		event_free(p->timer);
	if (p->done_ev != NULL)
		event_free(p->done_ev);
	explicit_bzero(p->pass, sizeof(p->pass));
	free(p);
}

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_probe	*p = arg;

	(void)fd;
	(void)what;
	p->cb(&p->res, p->arg);
	probe_free(p);
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_probe	*p = arg;
	static const char *why[] = {
		[PS_CONNECTING] = "timeout connecting to the SocksPort",
		[PS_GREETING] = "timeout in the SOCKS greeting",
		[PS_AUTH] = "timeout in SOCKS authentication",
		[PS_CONNECT] = "timeout reaching the onion through tor",
		[PS_HTTP] = "timeout in TLS or HTTP",
		[PS_DONE] = "timeout",
	};

	(void)fd;
	(void)what;
	finish(p, 0, 0, why[p->state]);
}

static void	read_cb(struct bufferevent *, void *);
static void	event_cb(struct bufferevent *, short, void *);

static void
send_connect(struct gw_probe *p)
{
	uint8_t	req[4 + 1 + 255 + 2];
	size_t	n = strlen(p->onion);

	req[0] = 5;
	req[1] = 1;			/* CONNECT */
	req[2] = 0;
	req[3] = 3;			/* domain name: tor resolves it */
	req[4] = (uint8_t)n;
	memcpy(req + 5, p->onion, n);
	req[5 + n] = (uint8_t)(p->port >> 8);
	req[6 + n] = (uint8_t)(p->port & 0xff);
	bufferevent_write(p->bev, req, 7 + n);
	p->state = PS_CONNECT;
}

static void
send_auth(struct gw_probe *p)
{
	uint8_t	req[3 + 255 + 255];
	size_t	ul = strlen(p->user), pl = strlen(p->pass), o = 0;

	req[o++] = 1;
	req[o++] = (uint8_t)ul;
	memcpy(req + o, p->user, ul);
	o += ul;
	req[o++] = (uint8_t)pl;
	memcpy(req + o, p->pass, pl);
	o += pl;
	bufferevent_write(p->bev, req, o);
	explicit_bzero(req, sizeof(req));
	p->state = PS_AUTH;
}

/* The tunnel stands: wrap it in TLS and send the request. */
static void
start_tls(struct gw_probe *p)
{
	struct bufferevent	*tls;
	SSL			*ssl;
	char			 req[512];
	int			 n;

	if ((ssl = SSL_new(p->ssl_ctx)) == NULL) {
		finish(p, 0, 0, "out of memory (TLS)");
		return;
	}
	/* SNI: the onion name, as a federating homeserver sends it. */
	(void)SSL_set_tlsext_host_name(ssl, p->onion);
	tls = bufferevent_openssl_filter_new(p->base, p->bev, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	if (tls == NULL) {
		SSL_free(ssl);
		finish(p, 0, 0, "out of memory (TLS)");
		return;
	}
	p->bev = tls;			/* owns the socket bufferevent now */
	p->state = PS_HTTP;
	bufferevent_setcb(tls, read_cb, NULL, event_cb, p);
	bufferevent_setwatermark(tls, EV_READ, 0, GW_ONION_PROBE_MAX_RESPONSE);
	n = snprintf(req, sizeof(req),
	    "GET /_matrix/federation/v1/version HTTP/1.1\r\n"
	    "Host: %s:%u\r\nUser-Agent: onionfedd-probe\r\n"
	    "Connection: close\r\n\r\n", p->onion, (unsigned)p->port);
	bufferevent_write(tls, req, (size_t)n);
	bufferevent_enable(tls, EV_READ | EV_WRITE);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct gw_probe	*p = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 len = evbuffer_get_length(in), need;
	unsigned char	*b;
	int		 r, rep;

	switch (p->state) {
	case PS_GREETING:
		if (len < 2)
			return;
		b = evbuffer_pullup(in, 2);
		if (b[0] != 5 || b[1] != 2) {
			finish(p, 0, 0, "SocksPort refused username/password "
			    "authentication");
			return;
		}
		evbuffer_drain(in, 2);
		send_auth(p);
		return;
	case PS_AUTH:
		if (len < 2)
			return;
		b = evbuffer_pullup(in, 2);
		if (b[1] != 0) {
			finish(p, 0, 0, "SocksPort refused our isolation "
			    "credentials");
			return;
		}
		evbuffer_drain(in, 2);
		send_connect(p);
		return;
	case PS_CONNECT:
		if (len > GW_SOCKS5_REPLY_MAX)
			len = GW_SOCKS5_REPLY_MAX;
		b = evbuffer_pullup(in, (ssize_t)len);
		r = gw_socks5_reply_parse(b, len, &need, &rep);
		if (rep > 0) {
			finish(p, 0, 0, gw_socks5_rep_str(rep));
			return;
		}
		if (r < 0) {
			finish(p, 0, 0, "malformed SOCKS reply");
			return;
		}
		if (r == 0)
			return;
		evbuffer_drain(in, (size_t)r);
		if (evbuffer_get_length(in) > 0) {
			/* TLS server speaking before our ClientHello: not
			 * TLS. */
			finish(p, 0, 0, "unexpected bytes after SOCKS reply");
			return;
		}
		start_tls(p);
		return;
	case PS_HTTP:
		b = evbuffer_pullup(in, (ssize_t)(len < 1024 ? len : 1024));
		r = gw_http_status_parse((const char *)b, len < 1024 ? len :
		    1024, 1024);
		if (r < 0) {
			finish(p, 0, 0, "not an HTTP answer");
			return;
		}
		if (r > 0)
			finish(p, 1, r, "");
		else if (len >= GW_ONION_PROBE_MAX_RESPONSE)
			finish(p, 0, 0, "HTTP answer too long");
		return;
	default:
		evbuffer_drain(in, len);
		return;
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct gw_probe	*p = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		if (p->state == PS_CONNECTING) {
			static const uint8_t greet[3] = { 5, 1, 2 };

			bufferevent_write(p->bev, greet, sizeof(greet));
			p->state = PS_GREETING;
		}
		return;
	}
	switch (p->state) {
	case PS_CONNECTING:
		finish(p, 0, 0, "cannot connect to tor's SocksPort");
		break;
	case PS_GREETING:
	case PS_AUTH:
	case PS_CONNECT:
		finish(p, 0, 0, "SocksPort closed the connection");
		break;
	case PS_HTTP:
		if (what & BEV_EVENT_ERROR)
			finish(p, 0, 0, "TLS handshake or read failed");
		else
			finish(p, 0, 0, "closed before the HTTP answer");
		break;
	default:
		break;
	}
}

static int
socks_sockaddr(const struct gw_addr *a, struct sockaddr_storage *ss,
    int *sslen)
{
	char	buf[GW_ADDR_HOST_MAX + 16];

	memset(ss, 0, sizeof(*ss));
	if (a->kind == GW_ADDR_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)ss;

		if (strlen(a->path) >= sizeof(sun->sun_path))
			return -1;
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, a->path, strlen(a->path) + 1);
		*sslen = (int)sizeof(*sun);
		return 0;
	}
	if (a->kind != GW_ADDR_TCP || !a->numeric)
		return -1;			/* never a DNS lookup */
	gw_addr_fmt(a, buf, sizeof(buf));
	*sslen = (int)sizeof(*ss);
	return evutil_parse_sockaddr_port(buf, (struct sockaddr *)ss, sslen);
}

struct gw_probe *
gw_probe_start(struct event_base *base, SSL_CTX *ssl_ctx,
    const struct gw_addr *socks, const char *onion, uint16_t port,
    const char *user, const char *pass, unsigned timeout_ms, gw_probe_cb *cb,
    void *arg)
{
	struct gw_probe		*p;
	struct sockaddr_storage	 ss;
	struct timeval		 tv;
	int			 sslen;

	if (strlen(onion) >= sizeof(p->onion) || strlen(user) == 0 ||
	    strlen(user) > 255 || strlen(pass) == 0 || strlen(pass) > 255 ||
	    socks_sockaddr(socks, &ss, &sslen) != 0)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->base = base;
	p->ssl_ctx = ssl_ctx;
	p->port = port;
	p->cb = cb;
	p->arg = arg;
	p->res.reason = "";
	snprintf(p->onion, sizeof(p->onion), "%s", onion);
	snprintf(p->user, sizeof(p->user), "%s", user);
	snprintf(p->pass, sizeof(p->pass), "%s", pass);
	p->started_ms = mono_ms();
	p->timer = evtimer_new(base, timeout_cb, p);
	p->done_ev = event_new(base, -1, 0, done_cb, p);
	p->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (p->timer == NULL || p->done_ev == NULL || p->bev == NULL)
		goto fail;
	bufferevent_setcb(p->bev, read_cb, NULL, event_cb, p);
	bufferevent_setwatermark(p->bev, EV_READ, 0, GW_SOCKS5_REPLY_MAX);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(p->timer, &tv);
	if (bufferevent_socket_connect(p->bev, (struct sockaddr *)&ss,
	    sslen) != 0) {
		/* Refused at once (unix socket missing, ...): report it like
		 * any other failure, from the loop. */
		finish(p, 0, 0, "cannot connect to tor's SocksPort");
	}
	return p;
 fail:
	probe_free(p);
	return NULL;
}

void
gw_probe_cancel(struct gw_probe *p)
{
	if (p == NULL)
		return;
	probe_free(p);
}
