/*
 * gw_drain.h - wait, on the event loop, until an area says it is idle:
 * the shared half of every area's drain hook (gw_daemon.h).
 * Owns: one timer. Never: decides what idle means (the area's callback).
 */
#ifndef GW_GATEWAYD_GW_DRAIN_H
#define GW_GATEWAYD_GW_DRAIN_H

struct event_base;
struct gw_drain;			/* opaque */

/* Ask idle(arg) now and then every tick_ms; the first time it returns
 * non-zero call done(done_arg) once and stop asking. Return the waiter, or
 * NULL if memory is short (then done(done_arg) has been called already:
 * nothing is waited for). Free it with gw_drain_free() (also before it
 * finished: done is then never called). */
struct gw_drain	*gw_drain_start(struct event_base *base, int (*idle)(void *),
		    void *arg, unsigned tick_ms, void (*done)(void *),
		    void *done_arg);

/* NULL is a no-op. */
void		 gw_drain_free(struct gw_drain *dr);

#endif /* GW_GATEWAYD_GW_DRAIN_H */
