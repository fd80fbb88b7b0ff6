/*
 * check_inbound_proxy.c - the gateway in-process: a scripted upstream on
 * 127.0.0.1:0 and a raw client, driven by one event loop with a watchdog
 * (never sleeps on wall time).
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "gatewayd/gw_inbound.h"
#include "gatewayd/gw_log.h"
#include "tests/check_inbound.h"

struct fixture {
	struct event_base	*base;
	struct evconnlistener	*up;
	struct bufferevent	*upbev;		/* the upstream's side */
	char			 up_got[4096];	/* what upstream received */
	size_t			 up_len;
	char			 cl_got[4096];	/* what the client received */
	size_t			 cl_len;
	int			 done;
};

static void
up_read(struct bufferevent *bev, void *arg)
{
	struct fixture	*fx = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 n = evbuffer_get_length(in);
	static const char	resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Keep-Alive: timeout=5\r\nX-Up: 1\r\n\r\nok";

	if (n > sizeof(fx->up_got) - fx->up_len - 1)
		n = sizeof(fx->up_got) - fx->up_len - 1;
	evbuffer_remove(in, fx->up_got + fx->up_len, n);
	fx->up_len += n;
	if (strstr(fx->up_got, "\r\n\r\n") != NULL)
		bufferevent_write(bev, resp, sizeof(resp) - 1);
}

static void
up_event(struct bufferevent *bev, short what, void *arg)
{
	struct fixture	*fx = arg;

	(void)what;
	if (fx->upbev == bev)
		fx->upbev = NULL;
	bufferevent_free(bev);
}

static void
up_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int len, void *arg)
{
	struct fixture		*fx = arg;
	struct bufferevent	*bev;

	(void)l;
	(void)sa;
	(void)len;
	bev = bufferevent_socket_new(fx->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (fx->upbev != NULL)
		bufferevent_free(fx->upbev);	/* one at a time here */
	fx->upbev = bev;
	bufferevent_setcb(bev, up_read, NULL, up_event, fx);
	bufferevent_enable(bev, EV_READ);
}

static void
cl_read(struct bufferevent *bev, void *arg)
{
	struct fixture	*fx = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 n = evbuffer_get_length(in);

	if (n > sizeof(fx->cl_got) - fx->cl_len - 1)
		n = sizeof(fx->cl_got) - fx->cl_len - 1;
	evbuffer_remove(in, fx->cl_got + fx->cl_len, n);
	fx->cl_len += n;
}

static void
cl_event(struct bufferevent *bev, short what, void *arg)
{
	struct fixture	*fx = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	cl_read(bev, arg);
	fx->done = 1;
	event_base_loopexit(fx->base, NULL);
}

/* Run one client request through a gateway whose upstream is 'up_port'
 * (0: our scripted upstream). */
static void
run(struct fixture *fx, const char *req, int dead_upstream)
{
	struct gw_inbound_conf	 conf;
	struct gw_inbound	*in = NULL;
	struct bufferevent	*cl;
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	struct timeval		 watchdog = { 5, 0 };
	char			 up[64], err[256];
	const char		*lst[1] = { "127.0.0.1:0" };

	memset(fx, 0, sizeof(*fx));
	gw_log_init(GW_LOG_STDERR, LOG_ERR);
	fx->base = event_base_new();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fx->up = evconnlistener_new_bind(fx->base, up_accept, fx,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(fx->up);
	getsockname(evconnlistener_get_fd(fx->up), (struct sockaddr *)&sin, &sl);
	snprintf(up, sizeof(up), "127.0.0.1:%u", ntohs(sin.sin_port));
	if (dead_upstream) {
		evconnlistener_free(fx->up);	/* nothing listens there now */
		fx->up = NULL;
	}
	gw_inbound_conf_init(&conf);
	conf.server_name = "dest.onion";
	conf.upstream = up;
	conf.listen[0] = lst[0];
	conf.nlisten = 1;
	conf.tls = 0;
	ck_assert_msg(gw_inbound_new(fx->base, &conf, &in, err, sizeof(err)) ==
	    0, "gw_inbound_new: %s", err);
	sin.sin_port = htons(gw_inbound_port(in, 0));
	cl = bufferevent_socket_new(fx->base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(cl, cl_read, NULL, cl_event, fx);
	bufferevent_enable(cl, EV_READ);
	ck_assert_int_eq(bufferevent_socket_connect(cl,
	    (struct sockaddr *)&sin, sizeof(sin)), 0);
	bufferevent_write(cl, req, strlen(req));
	event_base_loopexit(fx->base, &watchdog);
	event_base_dispatch(fx->base);
	bufferevent_free(cl);
	gw_inbound_free(in);
	if (fx->up != NULL)
		evconnlistener_free(fx->up);
	if (fx->upbev != NULL)
		bufferevent_free(fx->upbev);
	event_base_free(fx->base);
}

START_TEST(test_forward_raw_target)
{
	struct fixture	fx;

	run(&fx, "GET /_matrix/a%2F..//b?c=%20&d HTTP/1.1\r\nHost: dest.onion\r\n"
	    "Connection: close, X-Hop\r\nX-Hop: 1\r\nX-Forwarded-For: 6.6.6.6\r\n"
	    "X-End:  kept \r\n\r\n", 0);
	ck_assert_msg(fx.done, "watchdog fired; upstream got [%s] client got [%s]",
	    fx.up_got, fx.cl_got);
	ck_assert_msg(strncmp(fx.up_got, "GET /_matrix/a%2F..//b?c=%20&d "
	    "HTTP/1.1\r\n", 41) == 0, "upstream got: %s", fx.up_got);
	ck_assert_ptr_nonnull(strstr(fx.up_got, "\r\nX-End:  kept\r\n"));
	ck_assert_ptr_nonnull(strstr(fx.up_got, "\r\nX-Forwarded-For: 127.0.0.1\r\n"));
	ck_assert_ptr_nonnull(strstr(fx.up_got, "\r\nX-Forwarded-Proto: http\r\n"));
	ck_assert_ptr_null(strstr(fx.up_got, "6.6.6.6"));
	ck_assert_ptr_null(strstr(fx.up_got, "X-Hop"));
	ck_assert_ptr_null(strstr(fx.up_got, "Connection"));
	ck_assert_msg(strncmp(fx.cl_got, "HTTP/1.1 200 OK\r\n", 17) == 0,
	    "client got: %s", fx.cl_got);
	ck_assert_ptr_nonnull(strstr(fx.cl_got, "\r\nX-Up: 1\r\n"));
	ck_assert_ptr_nonnull(strstr(fx.cl_got, "\r\nConnection: close\r\n"));
	ck_assert_ptr_null(strstr(fx.cl_got, "Keep-Alive"));
	ck_assert_ptr_nonnull(strstr(fx.cl_got, "\r\n\r\nok"));
}
END_TEST

START_TEST(test_upstream_down_502)
{
	struct fixture	fx;

	run(&fx, "GET /x HTTP/1.1\r\nHost: dest.onion\r\nConnection: close\r\n"
	    "\r\n", 1);
	ck_assert_msg(fx.done, "watchdog fired; upstream got [%s] client got [%s]",
	    fx.up_got, fx.cl_got);
	ck_assert_msg(strncmp(fx.cl_got, "HTTP/1.1 502 Bad Gateway\r\n", 26) == 0,
	    "client got: %s", fx.cl_got);
	ck_assert_ptr_nonnull(strstr(fx.cl_got, "\"errcode\":\"M_UNKNOWN\""));
}
END_TEST

START_TEST(test_bad_xmatrix_401)
{
	struct fixture	fx;

	run(&fx, "GET /x HTTP/1.1\r\nHost: dest.onion\r\nConnection: close\r\n"
	    "Authorization: X-Matrix origin=\"a b\",key=\"ed25519:k\",sig=x\r\n"
	    "\r\n", 0);
	ck_assert_msg(fx.done, "watchdog fired; upstream got [%s] client got [%s]",
	    fx.up_got, fx.cl_got);
	ck_assert_msg(strncmp(fx.cl_got, "HTTP/1.1 401 Unauthorized\r\n", 27) ==
	    0, "client got: %s", fx.cl_got);
	ck_assert_ptr_nonnull(strstr(fx.cl_got, "\"errcode\":\"M_UNAUTHORIZED\""));
	ck_assert_uint_eq(fx.up_len, 0);	/* never reached upstream */
}
END_TEST

/* ---- upstream_max_conns: requests wait for a free upstream connection */

#define NCL	5

struct capfx {
	struct event_base	*base;
	int			 up_open, up_max;	/* upstream conns */
	int			 answer;		/* 0: stall */
	int			 ndone;
	char			 got[NCL][512];
	size_t			 glen[NCL];
};

struct upc {
	struct capfx		*fx;
	struct bufferevent	*bev;
	struct event		*tm;
};

static void
cap_up_answer(evutil_socket_t fd, short what, void *arg)
{
	struct upc	*u = arg;
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "\r\nok";

	(void)fd;
	(void)what;
	bufferevent_write(u->bev, resp, sizeof(resp) - 1);
}

static void
cap_up_read(struct bufferevent *bev, void *arg)
{
	struct upc	*u = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer_ptr p;
	struct timeval	 tv = { 0, 30000 };

	p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (p.pos < 0)
		return;
	evbuffer_drain(in, (size_t)p.pos + 4);
	if (u->fx->answer)
		evtimer_add(u->tm, &tv);	/* answer 30 ms later */
}

static void
cap_up_event(struct bufferevent *bev, short what, void *arg)
{
	struct upc	*u = arg;

	(void)bev;
	(void)what;
	u->fx->up_open--;
	event_free(u->tm);
	bufferevent_free(u->bev);
	free(u);
}

static void
cap_up_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	struct capfx	*fx = arg;
	struct upc	*u = calloc(1, sizeof(*u));

	(void)l;
	(void)sa;
	(void)len;
	ck_assert_ptr_nonnull(u);
	u->fx = fx;
	u->bev = bufferevent_socket_new(fx->base, fd, BEV_OPT_CLOSE_ON_FREE);
	u->tm = evtimer_new(fx->base, cap_up_answer, u);
	bufferevent_setcb(u->bev, cap_up_read, NULL, cap_up_event, u);
	bufferevent_enable(u->bev, EV_READ);
	if (++fx->up_open > fx->up_max)
		fx->up_max = fx->up_open;
}

struct capcl {
	struct capfx	*fx;
	int		 i;
};

static void
cap_cl_read(struct bufferevent *bev, void *arg)
{
	struct capcl	*c = arg;
	struct capfx	*fx = c->fx;
	size_t		 room = sizeof(fx->got[0]) - fx->glen[c->i] - 1;

	fx->glen[c->i] += evbuffer_remove(bufferevent_get_input(bev),
	    fx->got[c->i] + fx->glen[c->i], room);
}

static void
cap_cl_event(struct bufferevent *bev, short what, void *arg)
{
	struct capcl	*c = arg;

	if (what & BEV_EVENT_CONNECTED)
		return;
	cap_cl_read(bev, arg);
	if (++c->fx->ndone == NCL)
		event_base_loopexit(c->fx->base, NULL);
}

/* NCL clients at once through a gateway allowed 'maxc' upstream
 * connections; upstream answers after 30 ms, or never. */
static struct gw_inbound_stats
cap_run(struct capfx *fx, unsigned maxc, int answer, unsigned up_timeout_ms)
{
	struct gw_inbound_conf	 conf;
	struct gw_inbound	*in = NULL;
	struct gw_inbound_stats	 st;
	struct evconnlistener	*up;
	struct bufferevent	*cl[NCL];
	struct capcl		 cc[NCL];
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	struct timeval		 watchdog = { 5, 0 };
	char			 ups[64], err[256];
	static const char	 req[] = "GET /_matrix/federation/v1/version "
	    "HTTP/1.1\r\nHost: dest.onion\r\nConnection: close\r\n\r\n";
	int			 i;

	memset(fx, 0, sizeof(*fx));
	fx->answer = answer;
	gw_log_init(GW_LOG_STDERR, LOG_ERR);
	fx->base = event_base_new();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	up = evconnlistener_new_bind(fx->base, cap_up_accept, fx,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(up);
	getsockname(evconnlistener_get_fd(up), (struct sockaddr *)&sin, &sl);
	snprintf(ups, sizeof(ups), "127.0.0.1:%u", ntohs(sin.sin_port));
	gw_inbound_conf_init(&conf);
	conf.server_name = "dest.onion";
	conf.upstream = ups;
	conf.listen[0] = "127.0.0.1:0";
	conf.nlisten = 1;
	conf.tls = 0;
	conf.upstream_max_conns = maxc;
	conf.upstream_timeout_ms = up_timeout_ms;
	ck_assert_msg(gw_inbound_new(fx->base, &conf, &in, err, sizeof(err)) ==
	    0, "gw_inbound_new: %s", err);
	sin.sin_port = htons(gw_inbound_port(in, 0));
	for (i = 0; i < NCL; i++) {
		cc[i].fx = fx;
		cc[i].i = i;
		cl[i] = bufferevent_socket_new(fx->base, -1,
		    BEV_OPT_CLOSE_ON_FREE);
		bufferevent_setcb(cl[i], cap_cl_read, NULL, cap_cl_event,
		    &cc[i]);
		bufferevent_enable(cl[i], EV_READ);
		ck_assert_int_eq(bufferevent_socket_connect(cl[i],
		    (struct sockaddr *)&sin, sizeof(sin)), 0);
		bufferevent_write(cl[i], req, sizeof(req) - 1);
	}
	event_base_loopexit(fx->base, &watchdog);
	event_base_dispatch(fx->base);
	gw_inbound_get_stats(in, &st);
	for (i = 0; i < NCL; i++)
		bufferevent_free(cl[i]);
	gw_inbound_free(in);
	evconnlistener_free(up);
	/* let the upstream side see its connections close */
	event_base_loop(fx->base, EVLOOP_NONBLOCK);
	event_base_free(fx->base);
	return st;
}

START_TEST(test_upstream_cap_waits)
{
	struct capfx		fx;
	struct gw_inbound_stats	st;
	int			i;

	st = cap_run(&fx, 2, 1, 5000);
	ck_assert_int_eq(fx.ndone, NCL);
	for (i = 0; i < NCL; i++)
		ck_assert_msg(strncmp(fx.got[i], "HTTP/1.1 200 OK\r\n", 17) ==
		    0, "client %d got: %s", i, fx.got[i]);
	ck_assert_int_le(fx.up_max, 2);		/* never more than allowed */
	ck_assert_uint_ge(st.upstream_waited, NCL - 2);
	ck_assert_uint_eq(st.upstream_wait, 0);
	ck_assert_uint_eq(st.forwarded, NCL);
}
END_TEST

START_TEST(test_upstream_cap_timeout_503)
{
	struct capfx		fx;
	struct gw_inbound_stats	st;
	int			i, n503 = 0, n504 = 0;

	st = cap_run(&fx, 1, 0, 300);		/* upstream never answers */
	ck_assert_int_eq(fx.ndone, NCL);
	for (i = 0; i < NCL; i++) {
		if (strncmp(fx.got[i], "HTTP/1.1 503 ", 13) == 0) {
			ck_assert_ptr_nonnull(strstr(fx.got[i],
			    "\"errcode\":\"M_UNKNOWN\""));
			ck_assert_ptr_nonnull(strstr(fx.got[i],
			    "\"retry_after_ms\":1000"));
			n503++;
		} else if (strncmp(fx.got[i], "HTTP/1.1 504 ", 13) == 0)
			n504++;
	}
	/* the first request had the connection and timed out there (504);
	 * those that waited for it were answered 503 (one may have got the
	 * connection as it came free, and then timed out there too) */
	ck_assert_int_ge(n504, 1);
	ck_assert_int_ge(n503, NCL - 2);
	ck_assert_int_eq(n503 + n504, NCL);
	ck_assert_int_le(fx.up_max, 1);
	ck_assert_uint_eq(st.upstream_waited, NCL - 1);
	ck_assert_uint_eq(st.upstream_wait, 0);
}
END_TEST

Suite *
inbound_proxy_suite(void)
{
	Suite	*s = suite_create("inbound_proxy");
	TCase	*tc = tcase_create("loop");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_forward_raw_target);
	tcase_add_test(tc, test_upstream_down_502);
	tcase_add_test(tc, test_bad_xmatrix_401);
	tcase_add_test(tc, test_upstream_cap_waits);
	tcase_add_test(tc, test_upstream_cap_timeout_503);
	suite_add_tcase(s, tc);
	return s;
}
