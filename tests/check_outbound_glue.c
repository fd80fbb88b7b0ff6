/*
 * check_outbound_glue.c - the outbound proxy end to end on loopback: a real
 * gw_outbound on its own event loop (a thread), clients on blocking
 * sockets, a fake tor SocksPort that records what it was asked, an echo
 * server, and a DNS server that counts every query.
 * No test sleeps: every wait is a socket read with a timeout.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <sys/select.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "gatewayd/gw_outbound.h"
#include "gatewayd/gw_outbound_limits.h"
#include "gatewayd/gw_tunnel.h"
#include "tests/check_outbound.h"

#define ONION	"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"
#define ONION2	"sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd.onion"
#define BADONION "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion"
#define MAXREC	32

/* ------------------------------------------------------------------ */
/* Servers                                                            */

static int
listen_tcp(int type, uint16_t *port)
{
	struct sockaddr_in	sin;
	socklen_t		sl = sizeof(sin);
	int			fd, one = 1;

	fd = socket(AF_INET, type, 0);
	ck_assert_int_ge(fd, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 128), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
read_full(int fd, void *buf, size_t n)
{
	size_t	got = 0;
	ssize_t	r;

	while (got < n) {
		r = recv(fd, (char *)buf + got, n - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void
echo_loop(int fd)
{
	char	buf[65536];
	ssize_t	n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	(void)shutdown(fd, SHUT_WR);
}

struct srv {
	int		 lfd;
	uint16_t	 port;
	pthread_t	 th;
	/* fake tor */
	volatile int	 rep;		/* reply code; -1 = never answer */
	volatile int	 pipelined;	/* messages sent before our answer */
	pthread_mutex_t	 mu;
	int		 n;
	char		 user[MAXREC][256];
	char		 pass[MAXREC][256];
	char		 host[MAXREC][256];
	unsigned	 hport[MAXREC];
	/* flood mode (echo server): write until blocked, record total */
	int		 flood;
	volatile size_t	 flooded;
	volatile int	 flood_done;
};

struct conn_arg {
	struct srv	*s;
	int		 fd;
};

static void *
echo_conn(void *arg)
{
	struct conn_arg	*ca = arg;
	struct timeval	 tv = { 1, 0 };
	static char	 junk[65536];
	ssize_t		 n;

	if (ca->s->flood) {
		(void)setsockopt(ca->fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv));
		for (;;) {
			n = send(ca->fd, junk, sizeof(junk), MSG_NOSIGNAL);
			if (n <= 0)
				break;
			ca->s->flooded += (size_t)n;
		}
		ca->s->flood_done = 1;
	} else
		echo_loop(ca->fd);
	close(ca->fd);
	free(ca);
	return NULL;
}

static void *
tor_conn(void *arg)
{
	struct conn_arg	*ca = arg;
	struct srv	*s = ca->s;
	uint8_t		 b[600], rep[10] = { 5, 0, 0, 1 };
	char		 user[256] = "", pass[256] = "", host[256] = "";
	unsigned	 port;
	int		 fd = ca->fd, i;

	if (read_full(fd, b, 3) != 0 || b[0] != 5 || b[2] != 2)
		goto out;
	/* Real tor answers only the last of pipelined messages. */
	if (recv(fd, b, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		s->pipelined++;
	(void)send(fd, "\x05\x02", 2, MSG_NOSIGNAL);
	if (read_full(fd, b, 2) != 0 || read_full(fd, user, b[1]) != 0)
		goto out;
	user[b[1]] = '\0';
	if (read_full(fd, b, 1) != 0 || read_full(fd, pass, b[0]) != 0)
		goto out;
	pass[b[0]] = '\0';
	if (recv(fd, b, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
		s->pipelined++;
	(void)send(fd, "\x01\x00", 2, MSG_NOSIGNAL);
	if (read_full(fd, b, 5) != 0 || b[3] != 3 ||
	    read_full(fd, host, b[4]) != 0)
		goto out;
	host[b[4]] = '\0';
	if (read_full(fd, b, 2) != 0)
		goto out;
	port = (unsigned)(b[0] << 8 | b[1]);
	pthread_mutex_lock(&s->mu);
	if ((i = s->n) < MAXREC) {
		strcpy(s->user[i], user);
		strcpy(s->pass[i], pass);
		strcpy(s->host[i], host);
		s->hport[i] = port;
		s->n++;
	}
	pthread_mutex_unlock(&s->mu);
	if (s->rep < 0) {			/* stall: say nothing */
		while (recv(fd, b, sizeof(b), 0) > 0)
			;
		goto out;
	}
	rep[1] = (uint8_t)s->rep;
	(void)send(fd, rep, sizeof(rep), MSG_NOSIGNAL);
	if (s->rep == 0)
		echo_loop(fd);
 out:
	close(fd);
	free(ca);
	return NULL;
}

struct srv_main {
	struct srv	*s;
	void		*(*fn)(void *);
};

static void *
acceptor(void *arg)
{
	struct srv_main	*m = arg;
	struct conn_arg	*ca;
	pthread_t	 th;
	int		 fd;

	while ((fd = accept(m->s->lfd, NULL, NULL)) >= 0) {
		ca = calloc(1, sizeof(*ca));
		ca->s = m->s;
		ca->fd = fd;
		if (pthread_create(&th, NULL, m->fn, ca) == 0)
			pthread_detach(th);
	}
	free(m);
	return NULL;
}

static void
srv_start(struct srv *s, void *(*fn)(void *))
{
	struct srv_main	*m = calloc(1, sizeof(*m));

	pthread_mutex_init(&s->mu, NULL);
	s->lfd = listen_tcp(SOCK_STREAM, &s->port);
	m->s = s;
	m->fn = fn;
	ck_assert_int_eq(pthread_create(&s->th, NULL, acceptor, m), 0);
	pthread_detach(s->th);
}

/* A DNS server on UDP: peer.test A 127.0.0.1, private.test A 10.1.2.3,
 * everything else NXDOMAIN; AAAA answers are empty. Counts queries. */
static struct {
	int		 fd;
	uint16_t	 port;
	volatile int	 queries;
	volatile int	 onion_queries;
} dns;

static void *
dns_main(void *arg)
{
	uint8_t			q[512], r[600];
	struct sockaddr_in	from;
	socklen_t		fl;
	ssize_t			n;
	size_t			off, qend;
	char			name[256];
	size_t			nl;
	uint16_t		qtype;

	(void)arg;
	for (;;) {
		fl = sizeof(from);
		n = recvfrom(dns.fd, q, sizeof(q), 0, (struct sockaddr *)&from,
		    &fl);
		if (n < 12)
			continue;
		dns.queries++;
		off = 12;
		nl = 0;
		while (off < (size_t)n && q[off] != 0 && nl < 200) {
			size_t l = q[off];

			if (off + 1 + l > (size_t)n)
				break;
			if (nl > 0)
				name[nl++] = '.';
			memcpy(name + nl, q + off + 1, l);
			nl += l;
			off += 1 + l;
		}
		name[nl] = '\0';
		for (size_t i = 0; i < nl; i++)
			if (name[i] >= 'A' && name[i] <= 'Z')
				name[i] = (char)(name[i] - 'A' + 'a');
		if (strstr(name, "onion") != NULL)
			dns.onion_queries++;
		qend = off + 5;
		if (qend > (size_t)n)
			continue;
		qtype = (uint16_t)(q[off + 1] << 8 | q[off + 2]);
		memcpy(r, q, qend);
		r[2] = 0x81;				/* QR, RD */
		r[3] = 0x80;				/* RA, NOERROR */
		r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
		if (strcmp(name, "fallback.test") == 0 && qtype == 1) {
			/* Two A records: a silent 127.0.0.2, then 127.0.0.1. */
			static const uint8_t a[] = { 0xc0, 0x0c, 0, 1, 0, 1, 0,
			    0, 0, 60, 0, 4 };

			r[7] = 2;
			memcpy(r + qend, a, sizeof(a));
			memcpy(r + qend + sizeof(a), "\x7f\x00\x00\x02", 4);
			qend += sizeof(a) + 4;
			memcpy(r + qend, a, sizeof(a));
			memcpy(r + qend + sizeof(a), "\x7f\x00\x00\x01", 4);
			qend += sizeof(a) + 4;
		} else if (strcmp(name, "fallback.test") == 0) {
			/* AAAA: no records */
		} else if (strcmp(name, "peer.test") == 0 ||
		    strcmp(name, "private.test") == 0) {
			if (qtype == 1) {
				static const uint8_t a[] = { 0xc0, 0x0c, 0, 1,
				    0, 1, 0, 0, 0, 60, 0, 4 };

				r[7] = 1;
				memcpy(r + qend, a, sizeof(a));
				qend += sizeof(a);
				if (name[0] == 'p' && name[1] == 'e') {
					memcpy(r + qend, "\x7f\x00\x00\x01", 4);
				} else
					memcpy(r + qend, "\x0a\x01\x02\x03", 4);
				qend += 4;
			}
		} else
			r[3] = 0x83;			/* NXDOMAIN */
		(void)sendto(dns.fd, r, qend, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static void
dns_start(void)
{
	pthread_t	th;

	dns.fd = listen_tcp(SOCK_DGRAM, &dns.port);
	ck_assert_int_eq(pthread_create(&th, NULL, dns_main, NULL), 0);
	pthread_detach(th);
}

/* ------------------------------------------------------------------ */
/* The proxy on its own loop                                          */

static struct srv		 tor, echo;
static struct event_base	*base;
static struct gw_outbound	*ob;
static pthread_t		 ob_th;
static int			 stop_pipe[2];
static struct event		*stop_ev;
static uint16_t			 cport, sport;

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

static void *
ob_main(void *arg)
{
	(void)arg;
	event_base_dispatch(base);
	return NULL;
}

static void
conf_defaults(struct gw_outbound_conf *c, char *torbuf, size_t torsz,
    char *dnsbuf, size_t dnssz)
{
	memset(c, 0, sizeof(*c));
	c->connect_listen = "127.0.0.1:0";
	c->socks_listen = "127.0.0.1:0";
	snprintf(torbuf, torsz, "127.0.0.1:%u", (unsigned)tor.port);
	c->tor_socks = torbuf;
	snprintf(dnsbuf, dnssz, "127.0.0.1:%u", (unsigned)dns.port);
	c->resolver = dnsbuf;
	c->clearnet = GW_OB_CLEARNET_DIRECT;
	c->allow_onion = 1;
	c->allow_private = 1;
	c->connect_timeout_ms = 3000;
}

static void
proxy_start(const struct gw_outbound_conf *c)
{
	char	err[256];
	int	r;

	ck_assert_ptr_nonnull(base = event_base_new());
	r = gw_outbound_new(base, c, &ob, err, sizeof(err));
	ck_assert_msg(r == 0, "gw_outbound_new: %s", err);
	cport = gw_outbound_connect_port(ob);
	sport = gw_outbound_socks_port(ob);
	ck_assert_int_eq(pipe(stop_pipe), 0);
	stop_ev = event_new(base, stop_pipe[0], EV_READ, stop_cb, NULL);
	event_add(stop_ev, NULL);
	ck_assert_int_eq(pthread_create(&ob_th, NULL, ob_main, NULL), 0);
}

/* Stop the loop; afterwards the counters can be read safely. */
static const struct gw_outbound_stats *
proxy_stop(void)
{
	ck_assert_int_eq(write(stop_pipe[1], "x", 1), 1);
	pthread_join(ob_th, NULL);
	return gw_outbound_stats(ob);
}

static void
proxy_free(void)
{
	gw_outbound_free(ob);
	event_free(stop_ev);
	event_base_free(base);
	ob = NULL;
}

static void
setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	memset(&tor, 0, sizeof(tor));
	memset(&echo, 0, sizeof(echo));
	memset(&dns, 0, sizeof(dns));
	srv_start(&tor, tor_conn);
	srv_start(&echo, echo_conn);
	dns_start();
}

static void
start_default(void)
{
	struct gw_outbound_conf	c;
	char			t[64], d[64];

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	proxy_start(&c);
}

/* ------------------------------------------------------------------ */
/* Clients                                                            */

static int
cli(uint16_t port)
{
	struct sockaddr_in	sin;
	struct timeval		tv = { 5, 0 };
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	return fd;
}

/* Send 'req'; return the first line of the answer (static buffer), the
 * rest of the head consumed. fd stays open in *fdp (or closed if NULL). */
static const char *
http(const char *req, size_t len, int *fdp)
{
	static char	head[4096];
	size_t		n = 0;
	char		*eol;
	int		fd = cli(cport);

	ck_assert_int_eq(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	while (n < sizeof(head) - 1) {
		if (recv(fd, head + n, 1, 0) != 1)
			break;
		n++;
		if (n >= 4 && memcmp(head + n - 4, "\r\n\r\n", 4) == 0)
			break;
	}
	head[n] = '\0';
	if ((eol = strstr(head, "\r\n")) != NULL)
		*eol = '\0';
	if (fdp != NULL)
		*fdp = fd;
	else
		close(fd);
	return head;
}

static const char *
http_connect(const char *target, int *fdp)
{
	char	req[512];
	int	n;

	n = snprintf(req, sizeof(req), "CONNECT %s HTTP/1.1\r\n\r\n", target);
	return http(req, (size_t)n, fdp);
}

/* SOCKS5 no-auth CONNECT to a domain; return the reply code (or -1). */
static int
socks(const char *host, unsigned port, int *fdp)
{
	uint8_t	b[600], r[10];
	size_t	hl = strlen(host), n = 0;
	int	fd = cli(sport);

	memcpy(b, "\x05\x01\x00", 3);
	ck_assert_int_eq(send(fd, b, 3, 0), 3);
	if (read_full(fd, r, 2) != 0 || r[1] != 0) {
		close(fd);
		return -1;
	}
	b[n++] = 5;
	b[n++] = 1;
	b[n++] = 0;
	b[n++] = 3;
	b[n++] = (uint8_t)hl;
	memcpy(b + n, host, hl);
	n += hl;
	b[n++] = (uint8_t)(port >> 8);
	b[n++] = (uint8_t)port;
	ck_assert_int_eq(send(fd, b, n, 0), (ssize_t)n);
	if (read_full(fd, r, 10) != 0) {
		close(fd);
		return -1;
	}
	if (fdp != NULL)
		*fdp = fd;
	else
		close(fd);
	return r[1];
}

static void
roundtrip(int fd, const char *msg)
{
	char	buf[256];
	size_t	n = strlen(msg);

	ck_assert_int_eq(send(fd, msg, n, 0), (ssize_t)n);
	ck_assert_int_eq(read_full(fd, buf, n), 0);
	ck_assert_mem_eq(buf, msg, n);
}

static char *
target(const char *host, uint16_t port)
{
	static char	buf[2][300];
	static int	k;

	k ^= 1;
	snprintf(buf[k], sizeof(buf[k]), "%s:%u", host, (unsigned)port);
	return buf[k];
}

/* ------------------------------------------------------------------ */
/* Tests                                                              */

START_TEST(test_direct_literal_echo_halfclose)
{
	const struct gw_outbound_stats	*st;
	char				 buf[16];
	int				 fd;

	start_default();
	ck_assert_str_eq(http("CONNECT 127.0.0.1:1 HTTP/1.0\r\n\r\n", 32,
	    NULL), "HTTP/1.0 502 Destination Refused Connection");
	ck_assert_str_eq(http_connect(target("127.0.0.1", echo.port), &fd),
	    "HTTP/1.1 200 Connection Established");
	roundtrip(fd, "hello");
	/* Half-close: our EOF reaches the server, its answer still comes. */
	ck_assert_int_eq(send(fd, "last", 4, 0), 4);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	ck_assert_int_eq(read_full(fd, buf, 4), 0);
	ck_assert_mem_eq(buf, "last", 4);
	ck_assert_int_eq(recv(fd, buf, 1, 0), 0);	/* server's EOF */
	close(fd);
	st = proxy_stop();
	ck_assert_uint_eq(st->dns_lookups, 0);
	ck_assert_int_eq(dns.queries, 0);
	ck_assert_uint_eq(st->tunnels_clearnet_direct, 1);
	ck_assert_uint_eq(st->refused[GW_OB_R_REFUSED], 1);
	ck_assert_uint_eq(st->tor_connects, 0);
	ck_assert_uint_eq(st->bytes_up, 9);
	ck_assert_uint_eq(st->bytes_down, 9);
	proxy_free();
}
END_TEST

START_TEST(test_direct_dns_and_ssrf)
{
	struct gw_outbound_conf		 c;
	const struct gw_outbound_stats	*st;
	char				 t[64], d[64];
	int				 fd;

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.allow_private = 0;
	proxy_start(&c);
	/* Literal and resolved private addresses: both refused. */
	ck_assert_str_eq(http_connect(target("127.0.0.1", echo.port), NULL),
	    "HTTP/1.1 403 Destination Address Not Allowed");
	ck_assert_str_eq(http_connect(target("private.test", echo.port),
	    NULL), "HTTP/1.1 403 Destination Address Not Allowed");
	ck_assert_str_eq(http_connect(target("peer.test", echo.port), NULL),
	    "HTTP/1.1 403 Destination Address Not Allowed");
	ck_assert_str_eq(http_connect("nx.test:443", NULL),
	    "HTTP/1.1 502 Destination Name Not Resolved");
	ck_assert_int_eq(socks("nx.test", 443, NULL), 0x04);
	ck_assert_int_eq(socks("private.test", 443, NULL), 0x02);
	st = proxy_stop();
	ck_assert_uint_eq(st->refused[GW_OB_R_SSRF], 4);
	ck_assert_uint_eq(st->refused[GW_OB_R_DNS], 2);
	ck_assert_uint_eq(st->direct_connects, 0);
	ck_assert_int_ge(dns.queries, 4);
	proxy_free();
	/* With private addresses allowed, the name resolves and connects. */
	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	proxy_start(&c);
	ck_assert_str_eq(http_connect(target("peer.test", echo.port), &fd),
	    "HTTP/1.1 200 Connection Established");
	roundtrip(fd, "via dns");
	close(fd);
	st = proxy_stop();
	ck_assert_uint_eq(st->tunnels_clearnet_direct, 1);
	proxy_free();
}
END_TEST

START_TEST(test_onion_via_tor_isolated)
{
	const struct gw_outbound_stats	*st;
	int				 fd, fd2, fd3, fd4;

	start_default();
	ck_assert_str_eq(http_connect(ONION ":8448", &fd),
	    "HTTP/1.1 200 Connection Established");
	roundtrip(fd, "onion data");
	ck_assert_str_eq(http_connect(ONION ":8448", &fd2),
	    "HTTP/1.1 200 Connection Established");
	ck_assert_int_eq(socks("www." ONION, 8448, &fd3), 0);
	roundtrip(fd3, "socks onion");
	ck_assert_str_eq(http_connect(ONION2 ":8448", &fd4),
	    "HTTP/1.1 200 Connection Established");
	roundtrip(fd4, "second onion");
	close(fd);
	close(fd2);
	close(fd3);
	close(fd4);
	st = proxy_stop();
	ck_assert_int_eq(tor.n, 4);
	ck_assert_int_eq(tor.pipelined, 0);
	ck_assert_str_eq(tor.host[0], ONION);
	ck_assert_uint_eq(tor.hport[0], 8448);
	ck_assert_str_eq(tor.host[2], "www." ONION);
	ck_assert_uint_eq(strlen(tor.user[0]), 32);
	ck_assert_ptr_null(strstr(tor.user[0], "onion"));
	/* Same destination -> same token; a subdomain is the same onion. */
	ck_assert_str_eq(tor.user[0], tor.user[1]);
	ck_assert_str_eq(tor.user[0], tor.user[2]);
	/* Another destination never shares it. */
	ck_assert_str_ne(tor.user[0], tor.user[3]);
	ck_assert_uint_eq(st->tunnels_onion, 4);
	ck_assert_uint_eq(st->direct_connects, 0);
	ck_assert_uint_eq(st->dns_lookups, 0);
	ck_assert_int_eq(dns.queries, 0);
	proxy_free();
}
END_TEST

/*
 * A tunnel tor fails in a way a new circuit may cure renews that
 * destination's credentials (same username, new password: a new
 * IsolateSOCKSAuth group); a bad address does not; other destinations
 * keep theirs; a success does not renew.
 */
START_TEST(test_tor_failure_renews_circuit)
{
	const struct gw_outbound_stats	*st;
	int				 fd;

	start_default();
	tor.rep = 0xf3;				/* rendezvous failed */
	ck_assert_str_eq(http_connect(ONION ":8448", NULL),
	    "HTTP/1.1 502 Onion Service Rendezvous Failed");
	ck_assert_int_eq(socks(ONION, 8448, NULL), 0xf3);
	tor.rep = 0xf6;				/* bad address: no renewal */
	ck_assert_int_eq(socks(ONION, 8448, NULL), 0xf6);
	tor.rep = 0;
	ck_assert_str_eq(http_connect(ONION ":8448", &fd),
	    "HTTP/1.1 200 Connection Established");
	roundtrip(fd, "after renewal");
	close(fd);
	ck_assert_str_eq(http_connect(ONION ":8448", &fd),
	    "HTTP/1.1 200 Connection Established");
	close(fd);
	st = proxy_stop();
	ck_assert_int_eq(tor.n, 5);
	ck_assert_str_eq(tor.user[0], tor.user[4]);
	ck_assert_str_eq(tor.pass[0], "onionfed");
	ck_assert_str_eq(tor.pass[1], "onionfed-1");
	ck_assert_str_eq(tor.pass[2], "onionfed-2");
	ck_assert_str_eq(tor.pass[3], "onionfed-2");
	ck_assert_str_eq(tor.pass[4], "onionfed-2");
	ck_assert_uint_eq(st->iso_renewed, 2);
	proxy_free();
}
END_TEST

static const struct {
	int		 rep;
	const char	*line;
	int		 socks;
} tor_cases[] = {
	{ 0x01, "HTTP/1.1 502 Tor General Failure", 0x01 },
	{ 0x02, "HTTP/1.1 502 Tor Refused By Policy", 0x02 },
	{ 0x03, "HTTP/1.1 502 Network Unreachable Through Tor", 0x03 },
	{ 0x04, "HTTP/1.1 502 Host Unreachable Through Tor", 0x04 },
	{ 0x05, "HTTP/1.1 502 Connection Refused Through Tor", 0x05 },
	{ 0x06, "HTTP/1.1 504 Tor Stream Timed Out", 0x06 },
	{ 0x07, "HTTP/1.1 502 Tor SOCKS Error", 0x01 },
	{ 0xf0, "HTTP/1.1 404 Onion Service Descriptor Not Found", 0xf0 },
	{ 0xf1, "HTTP/1.1 502 Onion Service Descriptor Invalid", 0xf1 },
	{ 0xf2, "HTTP/1.1 502 Onion Service Introduction Failed", 0xf2 },
	{ 0xf3, "HTTP/1.1 502 Onion Service Rendezvous Failed", 0xf3 },
	{ 0xf4, "HTTP/1.1 403 Onion Service Client Authorization Missing",
	    0xf4 },
	{ 0xf5, "HTTP/1.1 403 Onion Service Client Authorization Invalid",
	    0xf5 },
	{ 0xf6, "HTTP/1.1 400 Invalid Onion Address", 0xf6 },
	{ 0xf7, "HTTP/1.1 504 Onion Service Introduction Timed Out", 0xf7 },
};

START_TEST(test_tor_reply_codes)
{
	const struct gw_outbound_stats	*st;

	tor.rep = tor_cases[_i].rep;
	start_default();
	ck_assert_str_eq(http_connect(ONION ":8448", NULL),
	    tor_cases[_i].line);
	ck_assert_int_eq(socks(ONION, 8448, NULL), tor_cases[_i].socks);
	st = proxy_stop();
	ck_assert_uint_eq(st->tunnels_onion, 0);
	ck_assert_int_eq(tor.n, 2);
	proxy_free();
}
END_TEST

START_TEST(test_tor_down_fast)
{
	struct gw_outbound_conf		 c;
	const struct gw_outbound_stats	*st;
	struct timespec			 t0, t1;
	char				 t[64], d[64];
	uint16_t			 dead;
	int				 fd;

	fd = listen_tcp(SOCK_STREAM, &dead);
	close(fd);				/* nothing listens there now */
	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	snprintf(t, sizeof(t), "127.0.0.1:%u", (unsigned)dead);
	proxy_start(&c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_str_eq(http_connect(ONION ":8448", NULL),
	    "HTTP/1.1 503 Tor Unavailable");
	ck_assert_int_eq(socks(ONION, 8448, NULL), 0x01);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_lt((t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000, 1000);
	st = proxy_stop();
	ck_assert_uint_eq(st->refused[GW_OB_R_TOR_DOWN], 2);
	proxy_free();
}
END_TEST

START_TEST(test_tor_stall_times_out)
{
	struct gw_outbound_conf		 c;
	char				 t[64], d[64];

	tor.rep = -1;
	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.connect_timeout_ms = 300;
	proxy_start(&c);
	ck_assert_str_eq(http_connect(ONION ":8448", NULL),
	    "HTTP/1.1 504 Destination Connect Timed Out");
	(void)proxy_stop();
	proxy_free();
}
END_TEST

START_TEST(test_onion_only_mode)
{
	struct gw_outbound_conf		 c;
	const struct gw_outbound_stats	*st;
	char				 t[64], d[64];
	int				 fd;

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.clearnet = GW_OB_CLEARNET_TOR;
	c.allow_private = 0;
	proxy_start(&c);
	ck_assert_str_eq(http_connect("peer.test:8448", &fd),
	    "HTTP/1.1 200 Connection Established");
	roundtrip(fd, "through an exit");
	close(fd);
	ck_assert_int_eq(socks("matrix.example", 443, NULL), 0);
	ck_assert_str_eq(http_connect(ONION ":8448", NULL),
	    "HTTP/1.1 200 Connection Established");
	/* Refusals never leak either. */
	ck_assert_str_eq(http_connect(BADONION ":8448", NULL),
	    "HTTP/1.1 400 Invalid Onion Address");
	ck_assert_str_eq(http_connect("127.0.0.1:8448", NULL),
	    "HTTP/1.1 403 Destination Address Not Allowed");
	st = proxy_stop();
	ck_assert_int_eq(tor.n, 3);
	ck_assert_str_eq(tor.host[0], "peer.test");
	ck_assert_uint_eq(st->tunnels_clearnet_tor, 2);
	ck_assert_uint_eq(st->tunnels_onion, 1);
	ck_assert_uint_eq(st->direct_connects, 0);
	ck_assert_uint_eq(st->dns_lookups, 0);
	ck_assert_int_eq(dns.queries, 0);
	proxy_free();
}
END_TEST

START_TEST(test_refusals_exact)
{
	struct gw_outbound_conf		 c;
	const struct gw_outbound_stats	*st;
	char				 t[64], d[64];
	static char			 big[GW_OB_MAX_HEAD + 100];
	int				 n;

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.clearnet = GW_OB_CLEARNET_DENY;
	c.allow_onion = 0;
	proxy_start(&c);
	ck_assert_str_eq(http_connect("matrix.org:8448", NULL),
	    "HTTP/1.1 403 Clearnet Destinations Not Allowed");
	ck_assert_str_eq(http_connect(ONION ":8448", NULL),
	    "HTTP/1.1 403 Onion Destinations Not Allowed");
	ck_assert_str_eq(http_connect(BADONION ":8448", NULL),
	    "HTTP/1.1 400 Invalid Onion Address");
	ck_assert_str_eq(http_connect(ONION ".:8448", NULL),
	    "HTTP/1.1 400 Invalid Onion Address");
	ck_assert_str_eq(http_connect("bad..name:8448", NULL),
	    "HTTP/1.1 400 Invalid Destination");
	ck_assert_str_eq(http("GET http://a/ HTTP/1.1\r\n\r\n", 26, NULL),
	    "HTTP/1.1 405 Method Not Allowed");
	ck_assert_str_eq(http("CONNECT a:1 HTTP/2.0\r\n\r\n", 24, NULL),
	    "HTTP/1.1 505 HTTP Version Not Supported");
	ck_assert_str_eq(http("\x16\x03\x01\x02\r\n", 6, NULL),
	    "HTTP/1.1 400 Bad Request");
	n = snprintf(big, sizeof(big), "CONNECT a:1 HTTP/1.1\r\nX: ");
	memset(big + n, 'x', sizeof(big) - (size_t)n);
	ck_assert_str_eq(http(big, sizeof(big), NULL),
	    "HTTP/1.1 431 Request Header Fields Too Large");
	ck_assert_int_eq(socks(ONION, 8448, NULL), 0x02);
	ck_assert_int_eq(socks(BADONION, 8448, NULL), 0xf6);
	st = proxy_stop();
	ck_assert_uint_eq(st->tor_connects, 0);
	ck_assert_uint_eq(st->direct_connects, 0);
	ck_assert_int_eq(dns.queries, 0);
	ck_assert_uint_eq(st->refused[GW_OB_R_BAD_ONION], 3);
	proxy_free();
}
END_TEST

START_TEST(test_proxy_auth)
{
	struct gw_outbound_conf		 c;
	char				 t[64], d[64], req[256];
	uint8_t				 r[2];
	int				 fd, n;

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.auth_user = "user";
	c.auth_pass = "pass";
	proxy_start(&c);
	ck_assert_str_eq(http_connect(target("127.0.0.1", echo.port), NULL),
	    "HTTP/1.1 407 Proxy Authentication Required");
	n = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.0\r\n"
	    "Proxy-Authorization: Basic dXNlcjp3cm9uZw==\r\n\r\n",
	    (unsigned)echo.port);			/* user:wrong */
	ck_assert_str_eq(http(req, (size_t)n, NULL),
	    "HTTP/1.0 407 Proxy Authentication Required");
	n = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.0\r\n"
	    "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n",
	    (unsigned)echo.port);			/* user:pass */
	ck_assert_str_eq(http(req, (size_t)n, &fd),
	    "HTTP/1.0 200 Connection Established");
	roundtrip(fd, "authed");
	close(fd);
	/* SOCKS: no-auth only is refused; wrong password refused. */
	fd = cli(sport);
	ck_assert_int_eq(send(fd, "\x05\x01\x00", 3, 0), 3);
	ck_assert_int_eq(read_full(fd, r, 2), 0);
	ck_assert_mem_eq(r, "\x05\xff", 2);
	close(fd);
	fd = cli(sport);
	ck_assert_int_eq(send(fd, "\x05\x02\x00\x02\x01\x04user\x01x", 13, 0),
	    13);
	ck_assert_int_eq(read_full(fd, r, 2), 0);
	ck_assert_mem_eq(r, "\x05\x02", 2);
	ck_assert_int_eq(read_full(fd, r, 2), 0);
	ck_assert_mem_eq(r, "\x01\x01", 2);
	close(fd);
	(void)proxy_stop();
	proxy_free();
}
END_TEST

START_TEST(test_open_proxy_refused)
{
	struct gw_outbound_conf	c;
	struct gw_outbound	*o = NULL;
	struct event_base	*b = event_base_new();
	char			t[64], d[64], err[256];

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.connect_listen = "0.0.0.0:0";
	ck_assert_int_eq(gw_outbound_new(b, &c, &o, err, sizeof(err)),
	    GW_OB_ERR_CONF);
	ck_assert_ptr_null(o);
	c.allow_nonloopback = 1;
	ck_assert_int_eq(gw_outbound_new(b, &c, &o, err, sizeof(err)),
	    GW_OB_ERR_OPEN_PROXY);
	ck_assert_ptr_nonnull(strstr(err, "open proxy"));
	c.auth_user = "u";
	c.auth_pass = "p";
	ck_assert_int_eq(gw_outbound_new(b, &c, &o, err, sizeof(err)), 0);
	gw_outbound_free(o);
	event_base_free(b);
}
END_TEST

START_TEST(test_rate_and_concurrency)
{
	struct gw_outbound_conf		 c;
	const struct gw_outbound_stats	*st;
	char				 t[64], d[64];
	int				 fd1, fd2;

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.dest_rate = 1;
	c.dest_burst = 2;		/* a refused tunnel still costs a token */
	c.dest_max = 1;
	proxy_start(&c);
	ck_assert_str_eq(http_connect(ONION ":8448", &fd1),
	    "HTTP/1.1 200 Connection Established");
	ck_assert_str_eq(http_connect(ONION ":8448", NULL),
	    "HTTP/1.1 429 Too Many Concurrent Tunnels");
	ck_assert_str_eq(http_connect(ONION2 ":8448", &fd2),
	    "HTTP/1.1 200 Connection Established");
	close(fd2);
	ck_assert_str_eq(http_connect(ONION ":8448", NULL),
	    "HTTP/1.1 429 Too Many New Tunnels To Destination");
	close(fd1);
	st = proxy_stop();
	ck_assert_uint_eq(st->refused[GW_OB_R_CONCURRENCY], 1);
	ck_assert_uint_eq(st->refused[GW_OB_R_RATE], 1);
	proxy_free();
}
END_TEST

START_TEST(test_handshake_timeout)
{
	struct gw_outbound_conf		 c;
	char				 t[64], d[64];

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.handshake_timeout_ms = 200;
	proxy_start(&c);
	/* Half a head, then nothing. */
	ck_assert_str_eq(http("CONNECT a.b:1 HT", 16, NULL),
	    "HTTP/1.1 408 Request Timeout");
	(void)proxy_stop();
	proxy_free();
}
END_TEST

START_TEST(test_early_payload_and_bulk)
{
	static char			 out[1 << 22], in[1 << 22];
	char				 req[128];
	size_t				 i, got;
	ssize_t				 n;
	int				 fd, len;

	gw_tunnel_set_splice(_i);
	start_default();
	/* Bytes right behind the head go to the destination first. */
	len = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.1\r\n"
	    "\r\nEARLY", (unsigned)echo.port);
	ck_assert_str_eq(http(req, (size_t)len, &fd),
	    "HTTP/1.1 200 Connection Established");
	ck_assert_int_eq(read_full(fd, in, 5), 0);
	ck_assert_mem_eq(in, "EARLY", 5);
	/* 4 MiB both ways, interleaved, intact. */
	for (i = 0; i < sizeof(out); i++)
		out[i] = (char)(i * 7 + (i >> 13));
	got = 0;
	for (i = 0; i < sizeof(out);) {
		n = send(fd, out + i, sizeof(out) - i > 65536 ? 65536 :
		    sizeof(out) - i, MSG_DONTWAIT);
		if (n > 0)
			i += (size_t)n;
		n = recv(fd, in + got, sizeof(in) - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
	}
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	while (got < sizeof(in) &&
	    (n = recv(fd, in + got, sizeof(in) - got, 0)) > 0)
		got += (size_t)n;
	ck_assert_uint_eq(got, sizeof(in));
	ck_assert(memcmp(in, out, sizeof(out)) == 0);
	close(fd);
	(void)proxy_stop();
	proxy_free();
}
END_TEST

/* Third field of a /proc/sys/net/ipv4/tcp_[rw]mem file: the most the
 * kernel lets one socket buffer grow to (autotuning); 'dflt' if unread. */
static unsigned long
tcp_mem_max(const char *path, unsigned long dflt)
{
	FILE		*fp;
	unsigned long	 lo, mid, hi;

	if ((fp = fopen(path, "r")) == NULL)
		return dflt;
	if (fscanf(fp, "%lu %lu %lu", &lo, &mid, &hi) != 3)
		hi = dflt;
	fclose(fp);
	return hi;
}

START_TEST(test_backpressure_bounded)
{
	unsigned long	bound;
	int		fd;

	echo.flood = 1;
	start_default();
	ck_assert_str_eq(http_connect(target("127.0.0.1", echo.port), &fd),
	    "HTTP/1.1 200 Connection Established");
	/* We never read: the server must block after a bounded amount. */
	/* The flood server gives up after its send blocked for 1 s. */
	while (!echo.flood_done) {
		struct timeval tv = { 0, 50000 };

		(void)select(0, NULL, NULL, NULL, &tv);
	}
	/* Kernel socket buffers (two TCP connections, a receive and a send
	 * buffer each, autotuned up to the sysctl maxima) plus one 64 KiB
	 * pipe or 16 KiB buffer; never the whole stream. */
	bound = 2 * (tcp_mem_max("/proc/sys/net/ipv4/tcp_rmem", 6u << 20) +
	    tcp_mem_max("/proc/sys/net/ipv4/tcp_wmem", 4u << 20)) + (1u << 20);
	ck_assert_uint_lt(echo.flooded, bound);
	ck_assert_uint_gt(echo.flooded, 0);
	close(fd);
	(void)proxy_stop();
	proxy_free();
}
END_TEST

START_TEST(test_idle_timeout)
{
	struct gw_outbound_conf		 c;
	const struct gw_outbound_stats	*st;
	char				 t[64], d[64], b[4];
	int				 fd;

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.idle_timeout_ms = 300;
	proxy_start(&c);
	ck_assert_str_eq(http_connect(target("127.0.0.1", echo.port), &fd),
	    "HTTP/1.1 200 Connection Established");
	roundtrip(fd, "x");
	/* Nothing more either way: the proxy ends the tunnel (the read
	 * returns EOF or a reset well within the 5 s socket timeout). */
	ck_assert_int_le(recv(fd, b, sizeof(b), 0), 0);
	close(fd);
	st = proxy_stop();
	ck_assert_uint_eq(st->tunnels_active, 0);
	proxy_free();
}
END_TEST

START_TEST(test_emfile_pauses_accept)
{
	const struct gw_outbound_stats	*st;
	struct rlimit			 rl;
	int				 spare[4096], n = 0, fd, i;

	start_default();
	/* Use up every descriptor but one (for the client's socket), so the
	 * proxy's accept() fails with EMFILE. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = 256;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (n < 4096 && (spare[n] = dup(0)) >= 0)
		n++;
	ck_assert_int_gt(n, 1);
	close(spare[--n]);
	fd = cli(cport);			/* sits in the backlog */
	{
		/* Let the proxy hit EMFILE, then give descriptors back: it
		 * resumes by itself and answers. */
		struct timeval tv = { 0, 200000 };

		(void)select(0, NULL, NULL, NULL, &tv);
	}
	for (i = 0; i < n; i++)
		close(spare[i]);
	{
		char req[96];
		int len = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u "
		    "HTTP/1.1\r\n\r\n", (unsigned)echo.port);
		char head[128];
		size_t got = 0;

		ck_assert_int_eq(send(fd, req, (size_t)len, 0), len);
		while (got < sizeof(head) - 1 && recv(fd, head + got, 1, 0) == 1)
			if (++got >= 4 && memcmp(head + got - 4, "\r\n\r\n",
			    4) == 0)
				break;
		head[got] = '\0';
		ck_assert_ptr_nonnull(strstr(head, " 200 "));
	}
	roundtrip(fd, "recovered");
	close(fd);
	st = proxy_stop();
	ck_assert_uint_ge(st->accept_paused, 1);
	proxy_free();
}
END_TEST

START_TEST(test_unix_listener)
{
	struct gw_outbound_conf		 c;
	const struct gw_outbound_stats	*st;
	struct sockaddr_un		 sun;
	char				 t[64], d[64], path[64], spec[80];
	char				 req[96];
	char				 head[128];
	size_t				 got = 0;
	int				 fd, len;
	struct timeval			 tv = { 5, 0 };

	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	snprintf(path, sizeof(path), "/tmp/ob-check-%ld.sock", (long)getpid());
	snprintf(spec, sizeof(spec), "unix:%s", path);
	c.connect_listen = spec;
	c.socks_listen = NULL;
	proxy_start(&c);
	ck_assert_uint_eq(cport, 0);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	len = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%u HTTP/1.0\r\n"
	    "\r\n", (unsigned)echo.port);
	ck_assert_int_eq(send(fd, req, (size_t)len, 0), len);
	while (got < sizeof(head) - 1 && recv(fd, head + got, 1, 0) == 1)
		if (++got >= 4 && memcmp(head + got - 4, "\r\n\r\n", 4) == 0)
			break;
	head[got] = '\0';
	ck_assert_ptr_nonnull(strstr(head, "HTTP/1.0 200 "));
	roundtrip(fd, "over a unix socket");
	close(fd);
	st = proxy_stop();
	ck_assert_uint_eq(st->tunnels_clearnet_direct, 1);
	proxy_free();
	ck_assert_int_ne(access(path, F_OK), 0);	/* unlinked on free */
}
END_TEST

START_TEST(test_silent_address_falls_back)
{
	struct gw_outbound_conf		 c;
	const struct gw_outbound_stats	*st;
	struct sockaddr_in		 sin;
	char				 t[64], d[64];
	int				 hang, fill[4], fd, i, one = 1;

	/* 127.0.0.2:echo.port accepts nothing: backlog 0, queue filled, so
	 * further SYNs are dropped and a connect there never completes. */
	hang = socket(AF_INET, SOCK_STREAM, 0);
	(void)setsockopt(hang, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x7f000002);
	sin.sin_port = htons(echo.port);
	ck_assert_int_eq(bind(hang, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(hang, 0), 0);
	for (i = 0; i < 2; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		(void)connect(fill[i], (struct sockaddr *)&sin, sizeof(sin));
	}
	conf_defaults(&c, t, sizeof(t), d, sizeof(d));
	c.connect_timeout_ms = 15000;
	proxy_start(&c);
	ck_assert_str_eq(http_connect(target("fallback.test", echo.port),
	    &fd), "HTTP/1.1 200 Connection Established");
	roundtrip(fd, "second address");
	close(fd);
	st = proxy_stop();
	ck_assert_uint_eq(st->direct_connects, 2);
	ck_assert_uint_eq(st->tunnels_clearnet_direct, 1);
	proxy_free();
	for (i = 0; i < 2; i++)
		close(fill[i]);
	close(hang);
}
END_TEST

START_TEST(test_rate_delays_before_refusing)
{
	const struct gw_outbound_stats	*st;
	struct timespec			 t0, t1;
	long				 ms;
	int				 i;

	/* policy/'s defaults: 10/s, burst 50, then 50 more held (delayed)
	 * rather than refused: the shape of Synapse's rc_federation. The
	 * 60 tunnels need 10 tokens beyond the bucket, which arrive at
	 * 10/s: at least ~1 s from the first, however slow the machine
	 * (a load that slows the loop only adds time). */
	start_default();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 60; i++)
		ck_assert_str_eq(http_connect(ONION ":8448", NULL),
		    "HTTP/1.1 200 Connection Established");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) /
	    1000000;
	ck_assert_int_ge(ms, 900);		/* held, not refused */
	st = proxy_stop();
	ck_assert_uint_eq(st->tunnels_onion, 60);
	ck_assert_uint_eq(st->refused[GW_OB_R_RATE], 0);
	proxy_free();
}
END_TEST

Suite *
outbound_glue_suite(void)
{
	Suite	*s = suite_create("outbound_glue");
	TCase	*tc = tcase_create("proxy");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_direct_literal_echo_halfclose);
	tcase_add_test(tc, test_direct_dns_and_ssrf);
	tcase_add_test(tc, test_onion_via_tor_isolated);
	tcase_add_loop_test(tc, test_tor_reply_codes, 0,
	    (int)(sizeof(tor_cases) / sizeof(tor_cases[0])));
	tcase_add_test(tc, test_tor_failure_renews_circuit);
	tcase_add_test(tc, test_tor_down_fast);
	tcase_add_test(tc, test_tor_stall_times_out);
	tcase_add_test(tc, test_onion_only_mode);
	tcase_add_test(tc, test_refusals_exact);
	tcase_add_test(tc, test_proxy_auth);
	tcase_add_test(tc, test_open_proxy_refused);
	tcase_add_test(tc, test_rate_and_concurrency);
	tcase_add_test(tc, test_handshake_timeout);
	tcase_add_loop_test(tc, test_early_payload_and_bulk, 0, 2);
	tcase_add_test(tc, test_backpressure_bounded);
	tcase_add_test(tc, test_idle_timeout);
	tcase_add_test(tc, test_unix_listener);
	tcase_add_test(tc, test_silent_address_falls_back);
	tcase_add_test(tc, test_rate_delays_before_refusing);
	tcase_add_test(tc, test_emfile_pauses_accept);
	suite_add_tcase(s, tc);
	return s;
}
