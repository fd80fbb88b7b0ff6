/*
 * gw_notify.h - service manager notifications (sd_notify) and the watchdog.
 * Owns: the watchdog timer on the daemon's event_base.
 * Never: fails the daemon; without systemd (or NOTIFY_SOCKET) every call is
 * a no-op.
 */
#ifndef GW_GATEWAYD_GW_NOTIFY_H
#define GW_GATEWAYD_GW_NOTIFY_H

#include <stdint.h>

struct event_base;
struct gw_notify;			/* opaque */

/* Create the notifier on 'base' (borrowed). If the service manager set
 * WATCHDOG_USEC for us, start a timer sending WATCHDOG=1 at half that
 * interval. Return NULL only if memory is exhausted. */
struct gw_notify	*gw_notify_new(struct event_base *base);

/* Free 'n' and stop its timer. NULL is a no-op. */
void		 gw_notify_free(struct gw_notify *n);

/* READY=1 (listeners bound, tor authenticated) with an optional STATUS=. */
void		 gw_notify_ready(struct gw_notify *n, const char *status);

/* STATUS=<printf>, shown by systemctl status. */
void		 gw_notify_status(struct gw_notify *n, const char *fmt, ...)
		    __attribute__((__format__(printf, 2, 3)));

/* RELOADING=1 with MONOTONIC_USEC=now (systemd Type=notify-reload); follow
 * with gw_notify_ready() once the reload is done or refused. */
void		 gw_notify_reloading(struct gw_notify *n);

/* STOPPING=1; the watchdog keeps running until gw_notify_free(). */
void		 gw_notify_stopping(struct gw_notify *n);

/* Watchdog interval in microseconds, 0 if no watchdog was requested. */
uint64_t	 gw_notify_watchdog_usec(const struct gw_notify *n);

#endif /* GW_GATEWAYD_GW_NOTIFY_H */
