/*
 * gw_notify.c - sd_notify wrapper and the WATCHDOG=1 timer.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "gatewayd/gw_log.h"
#include "gatewayd/gw_notify.h"

struct gw_notify {
	struct event	*wd_ev;		/* NULL without a watchdog */
	uint64_t	 wd_usec;
};

/* A STATUS= value is one line: newlines would start new assignments. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

static void
notify(const char *state)
{
#ifdef HAVE_SYSTEMD
	int	r;

	/* 0: no NOTIFY_SOCKET (not under systemd), fine. */
	if ((r = sd_notify(0, state)) < 0)
		GW_LOG(LOG_DEBUG, "notify", 0, "sd_notify failed: %d", r);
#else
	(void)state;
#endif
}

#ifdef HAVE_SYSTEMD
static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	notify("WATCHDOG=1");
}
#endif

struct gw_notify *
gw_notify_new(struct event_base *base)
{
	struct gw_notify	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
#ifdef HAVE_SYSTEMD
	{
		uint64_t	usec = 0;
		struct timeval	tv;

		/* > 0 only if WATCHDOG_USEC is set and meant for this PID. */
		if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
			n->wd_usec = usec;
			usec /= 2;
			tv.tv_sec = (time_t)(usec / 1000000);
			tv.tv_usec = (suseconds_t)(usec % 1000000);
			n->wd_ev = event_new(base, -1, EV_PERSIST, watchdog_cb,
			    n);
			if (n->wd_ev == NULL || event_add(n->wd_ev, &tv) != 0) {
				event_free(n->wd_ev);
				free(n);
				return NULL;
			}
			GW_LOG(LOG_DEBUG, "notify", 0, "watchdog every %lld.%06ld s",
			    (long long)tv.tv_sec, (long)tv.tv_usec);
		}
	}
#else
	(void)base;
#endif
	return n;
}

void
gw_notify_free(struct gw_notify *n)
{
	if (n == NULL)
		return;
	if (n->wd_ev != NULL)
		event_free(n->wd_ev);
	free(n);
}

uint64_t
gw_notify_watchdog_usec(const struct gw_notify *n)
{
	return n != NULL ? n->wd_usec : 0;
}

void
gw_notify_ready(struct gw_notify *n, const char *status)
{
	char	buf[512];

	(void)n;
	if (status != NULL) {
		snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
		one_line(buf + 15);
		notify(buf);
	} else
		notify("READY=1");
}

void
gw_notify_status(struct gw_notify *n, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;
	int	o;

	(void)n;
	o = snprintf(buf, sizeof(buf), "STATUS=");
	va_start(ap, fmt);
	(void)vsnprintf(buf + o, sizeof(buf) - (size_t)o, fmt, ap);
	va_end(ap);
	one_line(buf + o);
	notify(buf);
}

void
gw_notify_reloading(struct gw_notify *n)
{
	struct timespec	ts;
	char		buf[128];

	(void)n;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return;
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	notify(buf);
}

void
gw_notify_stopping(struct gw_notify *n)
{
	(void)n;
	notify("STOPPING=1");
}
