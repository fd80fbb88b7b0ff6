/*
 * gw_drain.c - poll an area's idle predicate until it holds (gw_drain.h).
 */
#include "config.h"

#include <stdlib.h>

#include <event2/event.h>

#include "gatewayd/gw_drain.h"

struct gw_drain {
	struct event	*ev;
	int		(*idle)(void *);
	void		*arg;
	unsigned	 tick_ms;
	void		(*done)(void *);
	void		*done_arg;
};

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct gw_drain	*dr = arg;
	struct timeval	 tv = { dr->tick_ms / 1000,
			    (dr->tick_ms % 1000) * 1000 };

	(void)fd;
	(void)what;
	if (dr->idle(dr->arg)) {
		dr->done(dr->done_arg);
		return;
	}
	(void)evtimer_add(dr->ev, &tv);
}

struct gw_drain *
gw_drain_start(struct event_base *base, int (*idle)(void *), void *arg,
    unsigned tick_ms, void (*done)(void *), void *done_arg)
{
	struct gw_drain	*dr;

	if ((dr = calloc(1, sizeof(*dr))) == NULL ||
	    (dr->ev = evtimer_new(base, tick, dr)) == NULL) {
		free(dr);
		done(done_arg);
		return NULL;
	}
	dr->idle = idle;
	dr->arg = arg;
	dr->tick_ms = tick_ms;
	dr->done = done;
	dr->done_arg = done_arg;
	tick(-1, 0, dr);
	return dr;
}

void
gw_drain_free(struct gw_drain *dr)
{
	if (dr == NULL)
		return;
	event_free(dr->ev);
	free(dr);
}
