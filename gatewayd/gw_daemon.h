/*
 * gw_daemon.h - what onionfedd's areas share: the event loop, the notifier,
 * the current config snapshot, the shared policy, and each area's handle.
 * Owns: nothing; main.c owns the context and everything it points to.
 * Never: read by policy/ or torctl/ (they stay below gatewayd/).
 */
#ifndef GW_GATEWAYD_GW_DAEMON_H
#define GW_GATEWAYD_GW_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct gw_config;
struct gw_notify;
struct gw_onion;			/* gw_onion.h */
struct gw_inbound;			/* gw_inbound.h */
struct gw_outbound;			/* gw_outbound.h */
struct gw_admin;			/* gw_admin.h */
struct gw_policy;			/* gw_policy.h */

/*
 * One per process, made by main.c before the areas start. Areas read it
 * from the event loop's thread only. Handles are NULL while their area is
 * not running (an area that is not configured, or has not started yet:
 * areas start in the order onion, inbound, outbound, admin and stop in
 * reverse), so every reader checks for NULL.
 */
struct gw_daemon_ctx {
	struct event_base	*base;
	struct gw_notify	*notify;
	const struct gw_config	*cfg;		/* current snapshot; replaced
						 * on a successful reload */
	struct gw_policy	*policy;	/* rules + limiter, shared */
	const char		*onion_address;	/* "<56>.onion": set by the
						 * onion area's start (from
						 * the key), NULL before */

	struct gw_onion		*onion;
	struct gw_inbound	*inbound;
	struct gw_outbound	*outbound;
	struct gw_admin		*admin;

	time_t			 started;	/* wall clock, for /status */
	uint64_t		 reloads_ok;
	uint64_t		 reloads_failed;
	int			 stopping;	/* SIGTERM seen: draining */

	/* Re-read the config file as SIGHUP does. Return 0 if the new
	 * config was taken, -1 if it was refused (the old one stays; the
	 * errors are logged and, if 'errbuf' is not NULL, the first one is
	 * copied there). For the admin interface's "reload". */
	int			(*reload)(struct gw_daemon_ctx *ctx,
				    char *errbuf, size_t errlen);
	void			*priv;		/* main.c's */
};

/*
 * One of the daemon's areas (onion manager, inbound, outbound, admin).
 * Each area defines one 'const struct gw_area gw_<name>_area' in its own
 * file (gw_<name>_area.c) that adapts its constructor to this interface;
 * main.c lists them in areas[].
 *
 * start:	bind listeners / connect; store the area's handle in *state
 *		and in its ctx member (ctx->inbound, ...). An area whose keys
 *		say "off" stores NULL and returns 0. Return 0, or negative
 *		after logging why (GW_MSGID_LISTENER_FAILED for a bind): the
 *		daemon then exits with EX_SOFTWARE. ctx lives until exit.
 * reconfigure: ctx->cfg is the new snapshot (SIGHUP, onionfedctl
 *		reload). Keys the area cannot change live it keeps and logs at
 *		NOTICE ("needs a restart"). May be NULL: the area keeps the
 *		snapshot it was started with; main.c keeps that alive.
 * drain:	SIGTERM: stop accepting, let in-flight work finish, then
 *		call done(arg) exactly once (possibly before returning).
 *		main.c gives up waiting after the drain timeout and stops
 *		everything anyway. May be NULL (nothing to wait for).
 * stop:	close everything and free (no callbacks after); clear the
 *		ctx member. NULL state is a no-op.
 *
 * Areas start in table order and stop in reverse order.
 */
struct gw_area {
	const char	*name;
	int		(*start)(struct gw_daemon_ctx *ctx, void **state);
	int		(*reconfigure)(void *state, struct gw_daemon_ctx *ctx);
	void		(*drain)(void *state, void (*done)(void *), void *arg);
	void		(*stop)(void *state, struct gw_daemon_ctx *ctx);
};

#endif /* GW_GATEWAYD_GW_DAEMON_H */
