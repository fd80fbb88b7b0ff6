/*
 * check_admin_http.c - the admin server over a real unix socket in a
 * temporary directory and a TCP listener on 127.0.0.1:0: endpoints,
 * reload (only on the socket), bad, oversized and split requests, and the
 * socket file's life (mode, stale socket removed, live one refused).
 * The client runs in the same event loop; a watchdog bounds every wait.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "gatewayd/gw_admin.h"
#include "gatewayd/gw_admin_limits.h"
#include "gatewayd/gw_config.h"
#include "gatewayd/gw_daemon.h"
#include "policy/policy.h"
#include "tests/check_admin.h"

struct fixture {
	struct event_base	*base;
	struct gw_daemon_ctx	 ctx;
	struct gw_config	 cfg;
	struct gw_addr		 metrics;
	struct gw_admin		*ad;
	struct gw_onion		 on;
	char			 dir[64];
	char			 path[128];
	/* reload double */
	int			 reloads;
	int			 reload_result;
	const char		*reload_error;
};

static struct fixture	*fx_cur;

static int
fake_reload(struct gw_daemon_ctx *ctx, char *errbuf, size_t errlen)
{
	struct fixture	*fx = fx_cur;

	(void)ctx;
	fx->reloads++;
	if (fx->reload_result != 0 && errbuf != NULL)
		snprintf(errbuf, errlen, "%s", fx->reload_error);
	return fx->reload_result;
}

static struct pol_limiter	*test_lim;

static struct pol_limiter *
fake_limiter(const struct gw_daemon_ctx *ctx)
{
	(void)ctx;
	return test_lim;
}

static void
fx_start(struct fixture *fx)
{
	struct gw_admin_conf	 conf;
	const char		*why;
	char			 err[256];

	memset(fx, 0, sizeof(*fx));
	fx_cur = fx;
	fx->base = event_base_new();
	ck_assert_ptr_nonnull(fx->base);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/check_admin.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx->dir));
	/* The socket's directory does not exist yet: the admin makes it. */
	snprintf(fx->path, sizeof(fx->path), "%s/run/admin.sock", fx->dir);
	fx->cfg.mode = GW_MODE_ONION_ONLY;
	fx->ctx.base = fx->base;
	fx->ctx.cfg = &fx->cfg;
	fx->ctx.started = time(NULL);
	fx->ctx.reload = fake_reload;
	test_onion_reachable(&fx->on);
	fx->ctx.onion = &fx->on;
	/* Port 0 (the config refuses it; tests need it). */
	ck_assert_int_eq(gw_addr_parse("127.0.0.1:1", 0, &fx->metrics, &why),
	    0);
	fx->metrics.port = 0;
	memset(&conf, 0, sizeof(conf));
	conf.socket_path = fx->path;
	conf.metrics = &fx->metrics;
	conf.limiter = fake_limiter;
	ck_assert_msg(gw_admin_new(&fx->ctx, &conf, &fx->ad, err,
	    sizeof(err)) == 0, "gw_admin_new: %s", err);
	fx->ctx.admin = fx->ad;
	ck_assert_uint_ne(gw_admin_metrics_port(fx->ad), 0);
}

static void
fx_stop(struct fixture *fx)
{
	char	run[160];

	gw_admin_free(fx->ad);
	/* The socket file went with it. */
	ck_assert_int_eq(access(fx->path, F_OK), -1);
	snprintf(run, sizeof(run), "%s/run", fx->dir);
	(void)rmdir(run);
	ck_assert_int_eq(rmdir(fx->dir), 0);
	event_base_free(fx->base);
	fx_cur = NULL;
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
connect_tcp(uint16_t port)
{
	struct sockaddr_in	sin;
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	return fd;
}

struct reader {
	struct event_base	*base;
	char			 buf[256 * 1024];
	size_t			 len;
	int			 eof, timedout;
};

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reader	*rd = arg;
	ssize_t		 n;

	if (what & EV_TIMEOUT) {
		rd->timedout = 1;
		event_base_loopbreak(rd->base);
		return;
	}
	n = read(fd, rd->buf + rd->len, sizeof(rd->buf) - 1 - rd->len);
	if (n > 0) {
		rd->len += (size_t)n;
		return;
	}
	if (n < 0 && errno == EAGAIN)
		return;
	rd->eof = 1;
	event_base_loopbreak(rd->base);
}

/* Let the server run until nothing is pending (the client's bytes are
 * read); bounded by a 1 s watchdog. */
static void
spin(struct event_base *base)
{
	struct timeval	tv = { 0, 50000 };

	(void)event_base_loopexit(base, &tv);
	(void)event_base_dispatch(base);
}

/* Send 'npieces' pieces on 'fd' (letting the server read between them),
 * then read the answer until the server closes. The answer is NUL-
 * terminated in rd->buf. */
static void
exchange(struct fixture *fx, int fd, const char *const *pieces,
    size_t npieces, struct reader *rd)
{
	struct event	*ev;
	struct timeval	 wd = { 3, 0 };
	size_t		 i, len, off;
	ssize_t		 n;

	memset(rd, 0, sizeof(*rd));
	rd->base = fx->base;
	for (i = 0; i < npieces; i++) {
		len = strlen(pieces[i]);
		for (off = 0; off < len; off += (size_t)n) {
			n = write(fd, pieces[i] + off, len - off);
			if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
				break;		/* server hung up: read it */
			ck_assert_int_gt(n, 0);
		}
		if (i + 1 < npieces)
			spin(fx->base);
	}
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	ev = event_new(fx->base, fd, EV_READ | EV_PERSIST, read_cb, rd);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(event_add(ev, &wd), 0);
	(void)event_base_dispatch(fx->base);
	event_free(ev);
	close(fd);
	rd->buf[rd->len] = '\0';
	ck_assert_msg(!rd->timedout, "no answer within 3 s; got %zu bytes",
	    rd->len);
	spin(fx->base);		/* let the server reap the connection */
}

static int
status_of(const struct reader *rd)
{
	int	st = 0;

	if (sscanf(rd->buf, "HTTP/1.1 %d ", &st) != 1)
		return -1;
	return st;
}

static const char *
body_of(const struct reader *rd)
{
	const char	*b = strstr(rd->buf, "\r\n\r\n");

	ck_assert_ptr_nonnull(b);
	return b + 4;
}

/* One request on the unix socket (unix = 1) or the metrics port. */
static int
ask(struct fixture *fx, int unix_sock, const char *req, struct reader *rd)
{
	int	fd = unix_sock ? connect_unix(fx->path) :
	    connect_tcp(gw_admin_metrics_port(fx->ad));

	ck_assert_int_ge(fd, 0);
	exchange(fx, fd, &req, 1, rd);
	return status_of(rd);
}

static struct reader	rd;	/* 256 KiB: not on the stack */

START_TEST(test_endpoints)
{
	struct fixture	 fx;
	struct stat	 st;
	json_t		*j;
	json_error_t	 je;
	const char	*cl;

	fx_start(&fx);
	ck_assert_int_eq(stat(fx.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0660);

	ck_assert_int_eq(ask(&fx, 1, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n",
	    &rd), 200);
	ck_assert_ptr_nonnull(strstr(rd.buf, "Content-Type: application/json"));
	ck_assert_ptr_nonnull(strstr(rd.buf, "Connection: close"));
	cl = strstr(rd.buf, "Content-Length: ");
	ck_assert_ptr_nonnull(cl);
	ck_assert_uint_eq(strtoul(cl + 16, NULL, 10), strlen(body_of(&rd)));
	j = json_loads(body_of(&rd), 0, &je);
	ck_assert_msg(j != NULL, "%s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "onion"), "state")), "reachable");
	ck_assert_str_eq(json_string_value(json_object_get(j, "mode")),
	    "onion-only");
	json_decref(j);

	/* The metrics listener: GET works, HTTP/1.0 too, a query ignored. */
	ck_assert_int_eq(ask(&fx, 0, "GET /metrics HTTP/1.0\r\n\r\n", &rd),
	    200);
	ck_assert_ptr_nonnull(strstr(rd.buf,
	    "Content-Type: text/plain; version=0.0.4"));
	ck_assert_ptr_nonnull(strstr(body_of(&rd),
	    "onionfed_onion_state{state=\"reachable\"} 1\n"));
	ck_assert_int_eq(ask(&fx, 0, "GET /status?pretty=1 HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n\r\n", &rd), 200);
	ck_assert_int_eq(ask(&fx, 0, "GET /peers HTTP/1.1\r\nHost: x\r\n\r\n",
	    &rd), 200);
	ck_assert_ptr_nonnull(strstr(body_of(&rd), "\"limiter\":false"));
	/* HEAD: the headers, no body. */
	ck_assert_int_eq(ask(&fx, 1, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", &rd), 200);
	ck_assert_str_eq(body_of(&rd), "");
	ck_assert_int_eq(fx.reloads, 0);
	fx_stop(&fx);
}
END_TEST

START_TEST(test_peers_with_limiter)
{
	struct fixture		 fx;
	struct pol_limiter_cfg	 c;
	struct pol_limit_result	 r;

	pol_limiter_cfg_default(&c);
	c.capacity = 32;
	ck_assert_int_eq(pol_limiter_new(&c, &test_lim), 0);
	(void)pol_limit_check(test_lim, "matrix.org", 10, POL_DIR_INBOUND,
	    NULL, 5, &r);
	fx_start(&fx);
	ck_assert_int_eq(ask(&fx, 1, "GET /peers HTTP/1.1\r\nHost: x\r\n\r\n",
	    &rd), 200);
	ck_assert_ptr_nonnull(strstr(body_of(&rd), "\"name\":\"matrix.org\""));
	ck_assert_ptr_nonnull(strstr(body_of(&rd), "\"tracked\":1"));
	fx_stop(&fx);
	pol_limiter_free(test_lim);
	test_lim = NULL;
}
END_TEST

START_TEST(test_reload)
{
	struct fixture	 fx;
	json_t		*j;
	json_error_t	 je;

	fx_start(&fx);
	/* Not over TCP, whatever the request looks like. */
	ck_assert_int_eq(ask(&fx, 0, "POST /reload HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 0\r\n\r\n", &rd), 403);
	ck_assert_int_eq(ask(&fx, 0, "POST /status HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", &rd), 403);
	ck_assert_int_eq(fx.reloads, 0);
	/* GET is not a reload. */
	ck_assert_int_eq(ask(&fx, 1, "GET /reload HTTP/1.1\r\nHost: x\r\n\r\n",
	    &rd), 405);
	ck_assert_ptr_nonnull(strstr(rd.buf, "Allow: POST\r\n"));
	ck_assert_int_eq(fx.reloads, 0);

	ck_assert_int_eq(ask(&fx, 1, "POST /reload HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 0\r\n\r\n", &rd), 200);
	ck_assert_int_eq(fx.reloads, 1);
	ck_assert_str_eq(body_of(&rd), "{\"result\":\"ok\"}\n");

	fx.reload_result = -1;
	fx.reload_error = "/etc/onionfed.conf:3: [policy] deny: bad "
	    "pattern \"a..b\"\\";
	ck_assert_int_eq(ask(&fx, 1, "POST /reload HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", &rd), 409);
	ck_assert_int_eq(fx.reloads, 2);
	j = json_loads(body_of(&rd), 0, &je);
	ck_assert_msg(j != NULL, "%s: %s", je.text, body_of(&rd));
	ck_assert_str_eq(json_string_value(json_object_get(j, "result")),
	    "refused");
	ck_assert_str_eq(json_string_value(json_object_get(j, "error")),
	    fx.reload_error);
	json_decref(j);

	/* A body is refused before anything is done. */
	ck_assert_int_eq(ask(&fx, 1, "POST /reload HTTP/1.1\r\nHost: x\r\n"
	    "Content-Length: 5\r\n\r\nhello", &rd), 413);
	ck_assert_int_eq(fx.reloads, 2);

	/* No reload hook: 503. */
	fx.ctx.reload = NULL;
	ck_assert_int_eq(ask(&fx, 1, "POST /reload HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", &rd), 503);
	fx_stop(&fx);
}
END_TEST

/* Bad requests: {request, expected status}. */
static const struct {
	const char	*req;
	int		 status;
} bad[] = {
	{ "HELLO\r\n\r\n", 400 },
	{ "GET /status HTTP/1.1\r\n\r\n", 400 },		/* no Host */
	{ "GET /status HTTP/2.0\r\nHost: x\r\n\r\n", 505 },
	{ "GET /status HTTP/1.1\nHost: x\n\n", 400 },		/* bare LF */
	{ "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404 },
	{ "GET /statusx HTTP/1.1\r\nHost: x\r\n\r\n", 404 },
	{ "DELETE /status HTTP/1.1\r\nHost: x\r\n\r\n", 405 },
	{ "GET /status HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n0\r\n\r\n", 413 },
	{ "GET /status HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n", 400 },
};

START_TEST(test_bad_requests)
{
	struct fixture	fx;

	fx_start(&fx);
	ck_assert_int_eq(ask(&fx, 1, bad[_i].req, &rd), bad[_i].status);
	ck_assert_int_eq(fx.reloads, 0);
	fx_stop(&fx);
}
END_TEST

START_TEST(test_oversize)
{
	struct fixture	 fx;
	char		*big;
	size_t		 n = 20000;

	fx_start(&fx);
	/* A head that never ends within the limit: 431, and the server
	 * stopped reading after ~8 KiB. */
	big = malloc(n + 64);
	ck_assert_ptr_nonnull(big);
	strcpy(big, "GET /status HTTP/1.1\r\nHost: x\r\nX-Pad: ");
	memset(big + strlen(big), 'a', n - strlen(big));
	big[n] = '\0';
	ck_assert_int_eq(ask(&fx, 1, big, &rd), 431);
	/* Over TCP too: the unread rest must not turn into a reset that
	 * destroys the answer (the server lingers). */
	ck_assert_int_eq(ask(&fx, 0, big, &rd), 431);
	/* A pipelined second request is not answered, and not a reset. */
	ck_assert_int_eq(ask(&fx, 0, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &rd), 200);
	ck_assert_ptr_null(strstr(body_of(&rd), "HTTP/1.1"));
	/* A request-target over the limit: 414. */
	strcpy(big, "GET /");
	memset(big + 5, 'b', 700);
	strcpy(big + 705, " HTTP/1.1\r\nHost: x\r\n\r\n");
	ck_assert_int_eq(ask(&fx, 1, big, &rd), 414);
	free(big);
	fx_stop(&fx);
}
END_TEST

START_TEST(test_split_head)
{
	struct fixture		 fx;
	static const char	*pieces[] = { "GET /sta", "tus HTTP/1.1\r\nHo",
				    "st: x\r", "\n\r\n" };
	int			 fd;

	fx_start(&fx);
	fd = connect_unix(fx.path);
	ck_assert_int_ge(fd, 0);
	exchange(&fx, fd, pieces, 4, &rd);
	ck_assert_int_eq(status_of(&rd), 200);
	/* A client that hangs up mid-head gets nothing and costs nothing. */
	fd = connect_unix(fx.path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "GET /st", 7), 7);
	spin(fx.base);
	shutdown(fd, SHUT_WR);
	exchange(&fx, fd, NULL, 0, &rd);
	ck_assert_uint_eq(rd.len, 0);
	fx_stop(&fx);
}
END_TEST

START_TEST(test_socket_file)
{
	struct fixture		 fx, fx2;
	struct gw_admin_conf	 conf;
	struct gw_admin		*ad2 = NULL;
	struct sockaddr_un	 sun;
	struct stat		 st;
	char			 err[256];
	int			 fd;

	fx_start(&fx);
	/* A second daemon on the same socket is refused; the first keeps
	 * answering. */
	memset(&conf, 0, sizeof(conf));
	conf.socket_path = fx.path;
	ck_assert_int_eq(gw_admin_new(&fx.ctx, &conf, &ad2, err, sizeof(err)),
	    GW_ADMIN_ERR_BUSY);
	ck_assert_ptr_null(ad2);
	ck_assert_ptr_nonnull(strstr(err, "another onionfedd"));
	ck_assert_int_eq(ask(&fx, 1, "GET /status HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", &rd), 200);
	gw_admin_free(fx.ad);
	fx.ad = NULL;

	/* A stale socket (bound, nobody listening) is replaced. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(fx.path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, fx.path, strlen(fx.path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ck_assert_int_eq(stat(fx.path, &st), 0);
	ck_assert_int_eq(gw_admin_new(&fx.ctx, &conf, &fx.ad, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(ask(&fx, 1, "GET /status HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", &rd), 200);
	gw_admin_free(fx.ad);
	fx.ad = NULL;

	/* Anything else at that path is left alone. */
	fd = open(fx.path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "keep", 4), 4);
	close(fd);
	ck_assert_int_eq(gw_admin_new(&fx.ctx, &conf, &ad2, err, sizeof(err)),
	    GW_ADMIN_ERR_SOCKET);
	ck_assert_int_eq(stat(fx.path, &st), 0);
	ck_assert_int_eq(st.st_size, 4);
	ck_assert_int_eq(unlink(fx.path), 0);

	/* metrics_listen must be loopback. */
	memset(&fx2, 0, sizeof(fx2));
	{
		struct gw_addr	 a;
		const char	*why;

		ck_assert_int_eq(gw_addr_parse("0.0.0.0:9105", 0, &a, &why),
		    0);
		conf.socket_path = NULL;
		conf.metrics = &a;
		ck_assert_int_eq(gw_admin_new(&fx.ctx, &conf, &ad2, err,
		    sizeof(err)), GW_ADMIN_ERR_CONF);
		ck_assert_ptr_nonnull(strstr(err, "loopback"));
	}
	fx_stop(&fx);
}
END_TEST

START_TEST(test_max_conns)
{
	struct fixture	fx;
	int		fds[GW_ADMIN_MAX_CONNS], extra, i;
	char		b;

	fx_start(&fx);
	/* Fill every slot with a client that sent half a head. */
	for (i = 0; i < GW_ADMIN_MAX_CONNS; i++) {
		fds[i] = connect_unix(fx.path);
		ck_assert_int_ge(fds[i], 0);
		ck_assert_int_eq(write(fds[i], "GET /", 5), 5);
	}
	spin(fx.base);
	/* One more is closed at once, without an answer. */
	extra = connect_unix(fx.path);
	ck_assert_int_ge(extra, 0);
	spin(fx.base);
	ck_assert_int_eq(read(extra, &b, 1), 0);
	close(extra);
	/* A slot freed is a slot usable again. */
	close(fds[0]);
	spin(fx.base);
	ck_assert_int_eq(ask(&fx, 1, "GET /status HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", &rd), 200);
	for (i = 1; i < GW_ADMIN_MAX_CONNS; i++)
		close(fds[i]);
	spin(fx.base);
	fx_stop(&fx);
}
END_TEST

START_TEST(test_read_timeout)
{
	struct fixture	 fx;
	struct event	*ev;
	struct timeval	 wd = { GW_ADMIN_READ_TIMEOUT_MS / 1000 + 3, 0 };
	struct timespec	 t0, t1;
	double		 el;
	int		 fd;

	fx_start(&fx);
	/* Half a head, then silence: the server hangs up after its read
	 * timeout, without an answer. */
	fd = connect_unix(fx.path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "GET /status HTTP/1.1\r\n", 22), 22);
	memset(&rd, 0, sizeof(rd));
	rd.base = fx.base;
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	ev = event_new(fx.base, fd, EV_READ | EV_PERSIST, read_cb, &rd);
	ck_assert_int_eq(event_add(ev, &wd), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	(void)event_base_dispatch(fx.base);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	event_free(ev);
	close(fd);
	el = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(!rd.timedout, "not closed within %.1f s", el);
	ck_assert(rd.eof);
	ck_assert_uint_eq(rd.len, 0);
	ck_assert_msg(el > GW_ADMIN_READ_TIMEOUT_MS / 1000.0 - 0.5,
	    "closed after %.2f s", el);
	spin(fx.base);
	fx_stop(&fx);
}
END_TEST

static int	drained;

static void
drain_done(void *arg)
{
	(void)arg;
	drained++;
}

START_TEST(test_drain)
{
	struct fixture	fx;
	int		fd;

	fx_start(&fx);
	/* One connection mid-head: drain waits for it. */
	fd = connect_unix(fx.path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "GET /status HTTP/1.1\r\n", 22), 22);
	spin(fx.base);
	drained = 0;
	gw_admin_drain(fx.ad, drain_done, NULL);
	ck_assert_int_eq(drained, 0);
	/* New connections are no longer accepted (they queue, unanswered). */
	ck_assert_int_eq(write(fd, "Host: x\r\n\r\n", 11), 11);
	exchange(&fx, fd, NULL, 0, &rd);
	ck_assert_int_eq(status_of(&rd), 200);
	ck_assert_int_eq(drained, 1);
	fx_stop(&fx);
}
END_TEST

Suite *
admin_http_suite(void)
{
	Suite	*s = suite_create("admin_http");
	TCase	*tc = tcase_create("http");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_endpoints);
	tcase_add_test(tc, test_peers_with_limiter);
	tcase_add_test(tc, test_reload);
	tcase_add_loop_test(tc, test_bad_requests, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_oversize);
	tcase_add_test(tc, test_split_head);
	tcase_add_test(tc, test_socket_file);
	tcase_add_test(tc, test_max_conns);
	tcase_add_test(tc, test_drain);
	suite_add_tcase(s, tc);

	tc = tcase_create("timeouts");
	tcase_set_timeout(tc, GW_ADMIN_READ_TIMEOUT_MS / 1000 + 10);
	tcase_add_test(tc, test_read_timeout);
	suite_add_tcase(s, tc);
	return s;
}
