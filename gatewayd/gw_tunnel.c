/*
 * gw_tunnel.c - copy bytes both ways between two sockets.
 *
 * Each direction moves src -> kernel pipe -> dst with splice(2), so payload
 * never enters user space; the pipe (64 KiB) is the direction's only
 * buffer. When dst cannot take more we stop reading src (backpressure) and
 * wait for dst to become writable. EOF on src becomes shutdown(dst, SHUT_WR)
 * once everything read has been written (half-close); the tunnel ends when
 * both directions have done that, or on the first socket error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "gatewayd/gw_outbound_limits.h"
#include "gatewayd/gw_tunnel.h"

#if defined(HAVE_SPLICE) && defined(__linux__)
#define TUN_HAVE_SPLICE	1
static int	tun_use_splice = 1;
#else
#define TUN_HAVE_SPLICE	0
static int	tun_use_splice = 0;
#endif

/* One direction: reads t->fd[i], writes t->fd[!i]. */
struct tun_dir {
	int		 pipe[2];	/* -1 until data first flows */
	size_t		 in_pipe;	/* bytes sitting in the pipe */
	char		*buf;		/* pre-data, or the copy-mode buffer */
	size_t		 cap;		/* of the copy buffer */
	size_t		 off, len;	/* buf[off..len) is still to write */
	uint64_t	 bytes;
	unsigned	 eof:1;		/* src sent EOF */
	unsigned	 shut:1;	/* we shut dst's write side */
	uint8_t		 rd_on;		/* read event on src is added */
	uint8_t		 wr_on;		/* write event on dst is added */
	unsigned	 copy:1;	/* read/write instead of splice */
	unsigned	 pre:1;		/* buf holds pre-data (exact size) */
	unsigned	 pfull:1;	/* pipe took no more: wait for a write */
};

struct gw_tunnel {
	int			 fd[2];
	struct event		 ev_rd[2];	/* ev_rd[i] on fd[i], dir i */
	struct event		 ev_wr[2];	/* ev_wr[i] on fd[!i], dir i */
	struct event		 ev_timer;
	struct tun_dir		 d[2];
	struct timeval		 last;		/* last byte moved */
	int			 last_dir;	/* direction of it; -1 none */
	unsigned		 idle_ms;
	int			 ended;
	int			 err_side;	/* fd index that failed; -1 */
	gw_tunnel_done_cb	*cb;
	void			*arg;
};

void
gw_tunnel_set_splice(int on)
{
	tun_use_splice = TUN_HAVE_SPLICE && on;
}

static void
ev_set(struct event *ev, uint8_t *flag, int on)
{
	if (on && !*flag)
		(void)event_add(ev, NULL);
	else if (!on && *flag)
		(void)event_del(ev);
	*flag = on ? 1 : 0;
}

static void
dir_release_pipe(struct tun_dir *d)
{
	if (d->pipe[0] >= 0) {
		close(d->pipe[0]);
		close(d->pipe[1]);
	}
	d->pipe[0] = d->pipe[1] = -1;
	d->in_pipe = 0;
}

static void
tun_close_all(struct gw_tunnel *t)
{
	int	i;

	for (i = 0; i < 2; i++) {
		ev_set(&t->ev_rd[i], &t->d[i].rd_on, 0);
		ev_set(&t->ev_wr[i], &t->d[i].wr_on, 0);
		dir_release_pipe(&t->d[i]);
		free(t->d[i].buf);
		t->d[i].buf = NULL;
		if (t->fd[i] >= 0)
			close(t->fd[i]);
		t->fd[i] = -1;
	}
	(void)event_del(&t->ev_timer);
}

static void
tun_end(struct gw_tunnel *t, int end)
{
	struct linger	lg = { 1, 0 };
	int		i;

	if (t->ended)
		return;
	t->ended = 1;
	/* One side reset or we give up: abort the other side too (RST), as
	 * a direct connection would have; it also leaves no TIME_WAIT. */
	if (end != GW_TUNNEL_END_CLOSED)
		for (i = 0; i < 2; i++)
			if (t->fd[i] >= 0 && i != t->err_side)
				(void)setsockopt(t->fd[i], SOL_SOCKET,
				    SO_LINGER, &lg, sizeof(lg));
	tun_close_all(t);
	if (t->cb != NULL)
		t->cb(t, end, t->d[0].bytes, t->d[1].bytes, t->arg);
}

static int
is_again(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/* Move what we can in direction i: write what we hold, and read more
 * while there is room, so reading and writing overlap. Return 0, or -1
 * after ending 't'. */
static int
tun_pump(struct gw_tunnel *t, int i)
{
	struct tun_dir	*d = &t->d[i];
	int		 src = t->fd[i], dst = t->fd[!i];
	int		 rounds = GW_OB_PUMP_ROUNDS, wblocked = 0, moved = 0;
	int		 progress, want_rd;
	ssize_t		 n;

	do {
		progress = 0;
		/* 1. Bytes we hold: pre-data (or copy buffer) first. */
		if (d->off < d->len) {
			n = send(dst, d->buf + d->off, d->len - d->off,
			    MSG_NOSIGNAL);
			if (n < 0) {
				if (!is_again(errno))
					goto reset_dst;
				wblocked = 1;
			} else {
				d->off += (size_t)n;
				d->bytes += (uint64_t)n;
				progress = moved = 1;
				if (d->off == d->len) {
					d->off = d->len = 0;
					if (d->pre) {
						free(d->buf);
						d->buf = NULL;
						d->pre = 0;
					}
				}
			}
		}
#if TUN_HAVE_SPLICE
		if (!wblocked && d->off == d->len && d->in_pipe > 0) {
			n = splice(d->pipe[0], NULL, dst, NULL, d->in_pipe,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0) {
				if (!is_again(errno))
					goto reset_dst;
				wblocked = 1;
			} else {
				d->in_pipe -= (size_t)n;
				d->bytes += (uint64_t)n;
				d->pfull = 0;
				progress = moved = 1;
			}
		}
#endif
		/* 2. Read more while there is room. */
		if (d->eof || rounds == 0)
			continue;
#if TUN_HAVE_SPLICE
		if (!d->copy) {
			if (d->pfull || d->in_pipe >= GW_OB_SPLICE_CHUNK)
				continue;
			if (d->pipe[0] < 0) {
				char	c;

				/* No pipe until there is a byte to move: a
				 * tunnel that only ever closes needs none. */
				n = recv(src, &c, 1, MSG_PEEK);
				if (n < 0 && is_again(errno))
					continue;
				if (n < 0)
					goto reset_src;
				if (n == 0) {
					d->eof = 1;
					progress = 1;
					continue;
				}
				if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) != 0) {
					d->pipe[0] = d->pipe[1] = -1;
					tun_end(t, GW_TUNNEL_END_NOMEM);
					return -1;
				}
				/* Bigger moves, fewer calls; the default
				 * 64 KiB stays if the limit forbids it. */
				(void)fcntl(d->pipe[0], F_SETPIPE_SZ,
				    GW_OB_SPLICE_CHUNK);
			}
			rounds--;
			n = splice(src, NULL, d->pipe[1], NULL,
			    GW_OB_SPLICE_CHUNK - d->in_pipe,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n < 0 && errno == EINVAL && d->in_pipe == 0) {
				d->copy = 1;	/* socket type without splice */
				dir_release_pipe(d);
				progress = 1;
				continue;
			}
			if (n < 0) {
				if (!is_again(errno))
					goto reset_src;
				/* Socket empty, or the pipe out of slots (skb
				 * fragments take one each): wait for a write
				 * before reading again. */
				if (d->in_pipe > 0)
					d->pfull = 1;
				continue;
			}
			if (n == 0)
				d->eof = 1;
			d->in_pipe += (size_t)n;
			progress = 1;
			continue;
		}
#endif
		if (d->pre)
			continue;		/* pre-data still pending */
		if (d->buf == NULL) {
			if ((d->buf = malloc(GW_OB_COPY_BUF)) == NULL) {
				tun_end(t, GW_TUNNEL_END_NOMEM);
				return -1;
			}
			d->cap = GW_OB_COPY_BUF;
		}
		if (d->off > 0 && d->off == d->len)
			d->off = d->len = 0;
		if (d->len == d->cap)
			continue;
		rounds--;
		n = recv(src, d->buf + d->len, d->cap - d->len, 0);
		if (n < 0) {
			if (!is_again(errno))
				goto reset_src;
			if (d->len == 0) {		/* idle: give it back */
				free(d->buf);
				d->buf = NULL;
				d->cap = 0;
			}
			continue;
		}
		if (n == 0)
			d->eof = 1;
		d->len += (size_t)n;
		progress = 1;
	} while (progress);
	if (moved) {
		(void)event_base_gettimeofday_cached(
		    event_get_base(&t->ev_timer), &t->last);
		t->last_dir = i;
	}
	if (d->eof && d->off == d->len && d->in_pipe == 0 && !d->shut) {
		(void)shutdown(dst, SHUT_WR);	/* half-close goes through */
		d->shut = 1;
	}
	/* Backpressure: without room we stop reading src; with bytes dst
	 * would not take we wait for it to be writable. */
	want_rd = !d->eof && !d->pfull &&
	    (d->copy ? (d->buf == NULL || (!d->pre && d->len < d->cap)) :
	    d->in_pipe < GW_OB_SPLICE_CHUNK);
	ev_set(&t->ev_wr[i], &d->wr_on, wblocked);
	ev_set(&t->ev_rd[i], &d->rd_on, want_rd);
	if (t->d[0].shut && t->d[1].shut) {
		tun_end(t, GW_TUNNEL_END_CLOSED);
		return -1;
	}
	return 0;
 reset_dst:
	t->err_side = !i;		/* that side needs no RST from us */
	tun_end(t, GW_TUNNEL_END_RESET);
	return -1;
 reset_src:
	t->err_side = i;
	tun_end(t, GW_TUNNEL_END_RESET);
	return -1;
}

static void
tun_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_tunnel	*t = arg;

	(void)what;
	(void)tun_pump(t, fd == t->fd[0] ? 0 : 1);
}

static void
tun_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_tunnel	*t = arg;

	(void)what;
	/* Writable fd[1] serves direction 0 (a -> b). */
	(void)tun_pump(t, fd == t->fd[1] ? 0 : 1);
}

static void
tun_timer_arm(struct gw_tunnel *t, unsigned ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	(void)event_add(&t->ev_timer, &tv);
}

static void
tun_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_tunnel	*t = arg;
	struct timeval		 now, d;
	unsigned long		 quiet;
	unsigned		 next;
	int			 i;

	(void)fd;
	(void)what;
	(void)event_base_gettimeofday_cached(event_get_base(&t->ev_timer),
	    &now);
	timersub(&now, &t->last, &d);
	quiet = d.tv_sec < 0 ? 0 :
	    (unsigned long)d.tv_sec * 1000 + (unsigned long)d.tv_usec / 1000;
	if (t->idle_ms > 0 && quiet >= t->idle_ms) {
		tun_end(t, GW_TUNNEL_END_IDLE);
		return;
	}
	if (quiet >= GW_OB_PIPE_RELEASE_MS)
		for (i = 0; i < 2; i++)
			if (t->d[i].in_pipe == 0)
				dir_release_pipe(&t->d[i]);
	next = GW_OB_PIPE_RELEASE_MS;
	if (t->idle_ms > 0 && t->idle_ms - quiet < next)
		next = t->idle_ms - (unsigned)quiet;
	tun_timer_arm(t, next);
}

struct gw_tunnel *
gw_tunnel_new(struct event_base *base, int fd_a, int fd_b,
    const void *pre_ab, size_t len_ab, const void *pre_ba, size_t len_ba,
    unsigned idle_ms, gw_tunnel_done_cb *cb, void *arg)
{
	struct gw_tunnel	*t;
	const void		*pre[2] = { pre_ab, pre_ba };
	size_t			 plen[2] = { len_ab, len_ba };
	int			 i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto fail;
	t->fd[0] = fd_a;
	t->fd[1] = fd_b;
	t->idle_ms = idle_ms;
	t->err_side = -1;
	t->cb = cb;
	t->arg = arg;
	for (i = 0; i < 2; i++) {
		t->d[i].pipe[0] = t->d[i].pipe[1] = -1;
		t->d[i].copy = !tun_use_splice;
		if (plen[i] > 0) {
			if ((t->d[i].buf = malloc(plen[i])) == NULL)
				goto fail;
			memcpy(t->d[i].buf, pre[i], plen[i]);
			t->d[i].len = plen[i];
			t->d[i].pre = 1;
		}
		event_assign(&t->ev_rd[i], base, t->fd[i], EV_READ | EV_PERSIST,
		    tun_read_cb, t);
		event_assign(&t->ev_wr[i], base, t->fd[!i],
		    EV_WRITE | EV_PERSIST, tun_write_cb, t);
	}
	evtimer_assign(&t->ev_timer, base, tun_timer_cb, t);
	(void)event_base_gettimeofday_cached(base, &t->last);
	t->last_dir = -1;
	for (i = 0; i < 2; i++) {
		/* Pending pre-data: wait for dst to be writable first. */
		if (t->d[i].len > 0) {
			(void)event_add(&t->ev_wr[i], NULL);
			t->d[i].wr_on = 1;
		} else {
			(void)event_add(&t->ev_rd[i], NULL);
			t->d[i].rd_on = 1;
		}
	}
	tun_timer_arm(t, idle_ms > 0 && idle_ms < GW_OB_PIPE_RELEASE_MS ?
	    idle_ms : GW_OB_PIPE_RELEASE_MS);
	return t;
 fail:
	if (t != NULL) {
		free(t->d[0].buf);
		free(t->d[1].buf);
		free(t);
	}
	close(fd_a);
	close(fd_b);
	return NULL;
}

void
gw_tunnel_free(struct gw_tunnel *t)
{
	if (t == NULL)
		return;
	if (!t->ended) {
		t->ended = 1;
		tun_close_all(t);
	}
	free(t);
}

int
gw_tunnel_awaiting(const struct gw_tunnel *t)
{
	return t->last_dir == 0;
}
