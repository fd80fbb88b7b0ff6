#define _GNU_SOURCE
/*
 * outbound_load.c - load generator and sink for bench/outbound (not part of
 * the build; bench/outbound compiles it with cc -O2).
 * Owns: its sockets. Never: talks to anything but 127.0.0.1.
 *
 *   outbound_load server PORT
 *	accept, read and discard, close on EOF (the tunnels' destination)
 *   outbound_load rate PROXYPORT DSTPORT SECONDS CONC [direct]
 *	CONC parallel loops of: connect, CONNECT 127.0.0.1:DSTPORT, read the
 *	200, close (RST); prints "rate N/s". 'direct': connect to DSTPORT and
 *	close, no proxy (the baseline)
 *   outbound_load idle PROXYPORT DSTPORT N
 *	open N tunnels and hold them; prints "held N" then waits for EOF on
 *	stdin
 *   outbound_load bulk PROXYPORT DSTPORT MBYTES [direct]
 *	one tunnel, MBYTES MiB through it; prints "bulk X MB/s"
 *   outbound_load socks PORT
 *	a tiny SOCKS5 upstream standing in for tor's SocksPort: accepts "no
 *	auth" or any username/password (as tor does, for isolation), CONNECT
 *	to an IPv4 address or a dotted-quad domain, loopback only; one
 *	thread per connection (like microsocks), 64 KiB relay buffer
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct sockaddr_in
lo(int port)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	return sin;
}

static int
server(int port)
{
	struct sockaddr_in	sin = lo(port);
	struct epoll_event	ev, evs[256];
	static char		buf[1 << 18];
	int			lfd, ep, one = 1, n, i, fd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 4096) != 0) {
		perror("bind");
		return 1;
	}
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	printf("listening %d\n", port);
	fflush(stdout);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) >= 0) {
					ev.events = EPOLLIN;
					ev.data.fd = fd;
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r > 0)
					continue;
				if (r < 0 && errno == EAGAIN)
					break;
				close(fd);	/* EOF or error */
				break;
			}
		}
	}
}

/* "HTTP/1.0 200" (tinyproxy) or "HTTP/1.1 200". */
static int
is_200(const char *b)
{
	return strncmp(b, "HTTP/1.", 7) == 0 && strncmp(b + 8, " 200", 4) == 0;
}

/* Blocking CONNECT through the proxy; return the fd or -1. */
static int
tunnel(int pport, int dport)
{
	struct sockaddr_in	sin = lo(pport);
	char			req[96], buf[256];
	int			fd, n, got = 0;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	n = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n",
	    dport);
	if (write(fd, req, (size_t)n) != n)
		goto fail;
	while (got < (int)sizeof(buf) - 1) {
		n = (int)read(fd, buf + got, sizeof(buf) - 1 - (size_t)got);
		if (n <= 0)
			goto fail;
		got += n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\n") != NULL)
			break;
	}
	if (!is_200(buf))
		goto fail;
	return fd;
 fail:
	close(fd);
	return -1;
}

struct slot {
	int	fd;
	int	state;		/* 0 connecting, 1 waiting for 200 */
	int	got;
	char	buf[128];
};

static void
slot_start(int ep, struct slot *s, int port)
{
	struct sockaddr_in	sin = lo(port);
	struct epoll_event	ev;
	struct linger		lg = { 1, 0 };

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	s->state = 0;
	s->got = 0;
	(void)connect(s->fd, (struct sockaddr *)&sin, sizeof(sin));
	ev.events = EPOLLOUT;
	ev.data.ptr = s;
	epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
}

static int
rate(int pport, int dport, double secs, int conc, int direct)
{
	struct slot		*slots = calloc((size_t)conc, sizeof(*slots));
	struct epoll_event	 ev, evs[256];
	char			 req[96];
	long			 done = 0, fail = 0;
	double			 t0 = now(), t;
	int			 ep = epoll_create1(0), i, n, rl;

	rl = snprintf(req, sizeof(req), "CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n",
	    dport);
	for (i = 0; i < conc; i++)
		slot_start(ep, &slots[i], direct ? dport : pport);
	while ((t = now()) - t0 < secs) {
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			struct slot *s = evs[i].data.ptr;
			int err = 0, ok = 0;
			socklen_t el = sizeof(err);

			if (s->state == 0) {
				getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err,
				    &el);
				if (err != 0) {
					fail++;
					goto restart;
				}
				if (direct) {
					ok = 1;
					goto restart;
				}
				if (write(s->fd, req, (size_t)rl) != rl) {
					fail++;
					goto restart;
				}
				s->state = 1;
				ev.events = EPOLLIN;
				ev.data.ptr = s;
				epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
				continue;
			}
			{
				ssize_t r = read(s->fd, s->buf + s->got,
				    sizeof(s->buf) - 1 - (size_t)s->got);

				if (r <= 0) {
					fail++;
					goto restart;
				}
				s->got += (int)r;
				s->buf[s->got] = '\0';
				if (strstr(s->buf, "\r\n\r\n") == NULL)
					continue;
				ok = is_200(s->buf);
				if (!ok)
					fail++;
			}
 restart:
			if (ok)
				done++;
			epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
			close(s->fd);
			slot_start(ep, s, direct ? dport : pport);
		}
	}
	printf("rate %.0f/s done %ld failed %ld\n", (double)done / (t - t0),
	    done, fail);
	return 0;
}

static int
idle(int pport, int dport, int n)
{
	int	i, *fds = calloc((size_t)n, sizeof(int));
	char	c;

	for (i = 0; i < n; i++) {
		if ((fds[i] = tunnel(pport, dport)) < 0) {
			fprintf(stderr, "tunnel %d failed\n", i);
			return 1;
		}
	}
	printf("held %d\n", n);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

static int
bulk(int pport, int dport, int mbytes, int direct)
{
	static char		buf[1 << 18];
	struct sockaddr_in	sin = lo(dport);
	long long		left = (long long)mbytes << 20;
	double			t0;
	int			fd;
	ssize_t			w;

	if (direct) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
			return 1;
	} else if ((fd = tunnel(pport, dport)) < 0)
		return 1;
	memset(buf, 'x', sizeof(buf));
	t0 = now();
	while (left > 0) {
		w = write(fd, buf, left > (long long)sizeof(buf) ?
		    sizeof(buf) : (size_t)left);
		if (w <= 0)
			return 1;
		left -= w;
	}
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)	/* server's EOF: all read */
		;
	printf("bulk %.0f MB/s\n", (double)mbytes * 1.048576 /
	    (now() - t0));
	return 0;
}

/* ---- socks: the SOCKS5 upstream ---- */

static int
read_full(int fd, uint8_t *b, size_t n)
{
	size_t	got = 0;
	ssize_t	r;

	while (got < n) {
		r = read(fd, b + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void
relay(int a, int b)
{
	struct pollfd	pf[2];
	char		buf[1 << 16];
	int		fds[2] = { a, b }, open_rd[2] = { 1, 1 }, i;
	ssize_t		r, w, off;

	while (open_rd[0] || open_rd[1]) {
		for (i = 0; i < 2; i++) {
			pf[i].fd = open_rd[i] ? fds[i] : -1;
			pf[i].events = POLLIN;
		}
		if (poll(pf, 2, -1) < 0)
			return;
		for (i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || pf[i].revents == 0)
				continue;
			r = read(fds[i], buf, sizeof(buf));
			if (r <= 0) {
				if (r < 0)
					return;
				open_rd[i] = 0;
				shutdown(fds[!i], SHUT_WR);
				continue;
			}
			for (off = 0; off < r; off += w)
				if ((w = write(fds[!i], buf + off,
				    (size_t)(r - off))) <= 0)
					return;
		}
	}
}

static void *
socks_conn(void *arg)
{
	int			 fd = (int)(intptr_t)arg, up = -1;
	uint8_t			 b[300], rep[10] = { 5, 0, 0, 1 };
	struct sockaddr_in	 sin;
	char			 host[256];
	int			 i, m = 0xff;

	/* greeting */
	if (read_full(fd, b, 2) != 0 || b[0] != 5 || read_full(fd, b + 2, b[1]))
		goto out;
	for (i = 0; i < b[1]; i++)
		if (b[2 + i] == 2 || (b[2 + i] == 0 && m != 2))
			m = b[2 + i];
	b[0] = 5;
	b[1] = (uint8_t)m;
	if (write(fd, b, 2) != 2 || m == 0xff)
		goto out;
	if (m == 2) {		/* RFC 1929: any user/pass is fine */
		if (read_full(fd, b, 2) != 0 || read_full(fd, b + 2, b[1] + 1))
			goto out;
		i = b[b[1] + 2];
		if (read_full(fd, b, (size_t)i) != 0)
			goto out;
		b[0] = 1;
		b[1] = 0;
		if (write(fd, b, 2) != 2)
			goto out;
	}
	if (read_full(fd, b, 4) != 0 || b[0] != 5 || b[1] != 1)
		goto out;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (b[3] == 1) {
		if (read_full(fd, (uint8_t *)&sin.sin_addr, 4) != 0)
			goto out;
	} else if (b[3] == 3) {
		if (read_full(fd, b, 1) != 0 || read_full(fd, (uint8_t *)host,
		    b[0]) != 0)
			goto out;
		host[b[0]] = '\0';
		if (strcmp(host, "localhost") == 0)
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
			sin.sin_addr.s_addr = 0;
	} else
		goto out;
	if (read_full(fd, (uint8_t *)&sin.sin_port, 2) != 0)
		goto out;
	/* loopback only: this never reaches another address */
	if ((ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		rep[1] = 2;
		(void)write(fd, rep, sizeof(rep));
		goto out;
	}
	up = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(up, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		rep[1] = 5;
		(void)write(fd, rep, sizeof(rep));
		goto out;
	}
	if (write(fd, rep, sizeof(rep)) != sizeof(rep))
		goto out;
	relay(fd, up);
 out:
	if (up >= 0)
		close(up);
	close(fd);
	return NULL;
}

static int
socks(int port)
{
	struct sockaddr_in	sin = lo(port);
	pthread_attr_t		at;
	pthread_t		th;
	int			lfd, fd, one = 1;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    listen(lfd, 4096) != 0) {
		perror("bind");
		return 1;
	}
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 << 10);
	printf("listening %d\n", port);
	fflush(stdout);
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&th, &at, socks_conn, (void *)(intptr_t)fd))
			close(fd);
	}
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "socks") == 0)
		return socks(atoi(argv[2]));
	if (argc >= 3 && strcmp(argv[1], "server") == 0)
		return server(atoi(argv[2]));
	if (argc >= 6 && strcmp(argv[1], "rate") == 0)
		return rate(atoi(argv[2]), atoi(argv[3]), atof(argv[4]),
		    atoi(argv[5]), argc > 6);
	if (argc >= 5 && strcmp(argv[1], "idle") == 0)
		return idle(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	if (argc >= 5 && strcmp(argv[1], "bulk") == 0)
		return bulk(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]),
		    argc > 5);
	fprintf(stderr, "usage: see the comment atop outbound_load.c\n");
	return 2;
}
