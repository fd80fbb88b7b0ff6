/* fake_tor.c - scripted fake control port (see fake_tor.h). */
#include "config.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "tests/fake_tor.h"

#define FT_MAX_RECEIVED	64

struct fake_tor {
	struct event_base		*base;
	struct evconnlistener		*lev;
	struct bufferevent		*bev;
	struct event			*drip_ev;
	const struct fake_tor_step	*steps;
	size_t				 nsteps, next;
	uint16_t			 port;
	char				 err[512];
	char				*received[FT_MAX_RECEIVED];
	size_t				 nreceived;
	const char			*drip;		/* bytes left to drip */
	size_t				 drip_len;
	int				 hangup_after_drip;
	int				 stalled;
};

static void	play_unsolicited(struct fake_tor *);

static void
ft_close(struct fake_tor *ft)
{
	if (ft->bev != NULL) {
		bufferevent_free(ft->bev);
		ft->bev = NULL;
	}
}

static void	read_cb(struct bufferevent *, void *);
static void	event_cb(struct bufferevent *, short, void *);

/* Write callback: the output is empty (low watermark 0), hang up now. */
static void
flushed_cb(struct bufferevent *bev, void *arg)
{
	struct fake_tor	*ft = arg;

	if (ft->bev == bev)
		ft_close(ft);
}

/* Stop reading; close once what we wrote has left (le-proxy idiom). */
static void
hangup_when_flushed(struct fake_tor *ft)
{
	bufferevent_disable(ft->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(ft->bev)) == 0) {
		ft_close(ft);
		return;
	}
	ft->stalled = 1;
	bufferevent_setcb(ft->bev, read_cb, flushed_cb, event_cb, ft);
}

static void
send_reply(struct fake_tor *ft, const struct fake_tor_step *st)
{
	size_t	len = st->reply_len ? st->reply_len :
		    (st->reply ? strlen(st->reply) : 0);

	if (st->flags & FT_STALL) {
		ft->stalled = 1;
		return;
	}
	if (st->flags & FT_DRIP) {
		struct timeval	tv = { 0, 1000 };

		ft->drip = st->reply;
		ft->drip_len = len;
		ft->hangup_after_drip = (st->flags & FT_HANGUP) != 0;
		evtimer_add(ft->drip_ev, &tv);
		return;
	}
	if (len > 0)
		bufferevent_write(ft->bev, st->reply, len);
	if (st->flags & FT_HANGUP)
		hangup_when_flushed(ft);
}

static void
drip_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fake_tor	*ft = arg;
	struct timeval	 tv = { 0, 1000 };

	(void)fd;
	(void)what;
	if (ft->bev == NULL)
		return;
	if (ft->drip_len > 0) {
		bufferevent_write(ft->bev, ft->drip, 1);
		ft->drip++;
		ft->drip_len--;
	}
	if (ft->drip_len > 0) {
		evtimer_add(ft->drip_ev, &tv);
		return;
	}
	ft->drip = NULL;
	if (ft->hangup_after_drip) {
		hangup_when_flushed(ft);
		return;
	}
	play_unsolicited(ft);
}

static void
play_unsolicited(struct fake_tor *ft)
{
	while (ft->bev != NULL && ft->next < ft->nsteps &&
	    (ft->steps[ft->next].flags & FT_UNSOLICITED) && ft->drip == NULL)
		send_reply(ft, &ft->steps[ft->next++]);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct fake_tor			*ft = arg;
	const struct fake_tor_step	*st;
	char				*line;
	size_t				 n;

	while (ft->bev == bev && (line = evbuffer_readln(
	    bufferevent_get_input(bev), &n, EVBUFFER_EOL_CRLF_STRICT)) != NULL) {
		if (ft->nreceived < FT_MAX_RECEIVED)
			ft->received[ft->nreceived++] = strdup(line);
		else
			free(line), line = NULL;
		if (line == NULL)
			continue;
		if (ft->stalled) {
			free(line);
			continue;
		}
		if (ft->next >= ft->nsteps) {
			if (ft->err[0] == '\0')
				snprintf(ft->err, sizeof(ft->err),
				    "unexpected command \"%.200s\"", line);
			free(line);
			continue;
		}
		st = &ft->steps[ft->next++];
		if (st->expect != NULL &&
		    strncmp(line, st->expect, strlen(st->expect)) != 0) {
			if (ft->err[0] == '\0')
				snprintf(ft->err, sizeof(ft->err),
				    "expected \"%.100s\", got \"%.200s\"",
				    st->expect, line);
			free(line);
			ft_close(ft);
			return;
		}
		free(line);
		send_reply(ft, st);
		if (ft->drip_len == 0)
			ft->drip = NULL;
		play_unsolicited(ft);
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct fake_tor	*ft = arg;

	(void)what;
	if (ft->bev == bev)
		ft_close(ft);
}

static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct fake_tor	*ft = arg;

	(void)lev;
	(void)sa;
	(void)salen;
	if (ft->bev != NULL) {
		evutil_closesocket(fd);
		return;
	}
	ft->stalled = 0;		/* a stall or hang-up ends with its
					 * connection; the script goes on */
	ft->bev = bufferevent_socket_new(ft->base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(ft->bev, read_cb, NULL, event_cb, ft);
	bufferevent_enable(ft->bev, EV_READ | EV_WRITE);
	play_unsolicited(ft);
}

struct fake_tor *
fake_tor_start(struct event_base *base, const struct fake_tor_step *steps,
    size_t nsteps)
{
	struct fake_tor		*ft;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);

	if ((ft = calloc(1, sizeof(*ft))) == NULL)
		return NULL;
	ft->base = base;
	ft->steps = steps;
	ft->nsteps = nsteps;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ft->lev = evconnlistener_new_bind(base, accept_cb, ft,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4,
	    (struct sockaddr *)&sin, sizeof(sin));
	ft->drip_ev = evtimer_new(base, drip_cb, ft);
	if (ft->lev == NULL || ft->drip_ev == NULL ||
	    getsockname(evconnlistener_get_fd(ft->lev),
	    (struct sockaddr *)&sin, &len) != 0) {
		fake_tor_free(ft);
		return NULL;
	}
	ft->port = ntohs(sin.sin_port);
	return ft;
}

uint16_t
fake_tor_port(const struct fake_tor *ft)
{
	return ft->port;
}

void
fake_tor_emit(struct fake_tor *ft, const char *raw)
{
	if (ft->bev != NULL)
		bufferevent_write(ft->bev, raw, strlen(raw));
}

size_t
fake_tor_steps_left(const struct fake_tor *ft)
{
	return ft->nsteps - ft->next;
}

const char *
fake_tor_last_error(const struct fake_tor *ft)
{
	return ft != NULL && ft->err[0] ? ft->err : NULL;
}

size_t
fake_tor_nreceived(const struct fake_tor *ft)
{
	return ft->nreceived;
}

const char *
fake_tor_received(const struct fake_tor *ft, size_t i)
{
	return i < ft->nreceived ? ft->received[i] : NULL;
}

int
fake_tor_saw(const struct fake_tor *ft, const char *prefix)
{
	size_t	i;

	for (i = 0; i < ft->nreceived; i++)
		if (strncmp(ft->received[i], prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

void
fake_tor_free(struct fake_tor *ft)
{
	size_t	i;

	if (ft == NULL)
		return;
	ft_close(ft);
	if (ft->lev != NULL)
		evconnlistener_free(ft->lev);
	if (ft->drip_ev != NULL)
		event_free(ft->drip_ev);
	for (i = 0; i < ft->nreceived; i++)
		free(ft->received[i]);
	free(ft);
}
