/*
 * gw_admin_limits.h - every bound of the admin interface, with its reason.
 * Owns: constants only.
 * Never: depends on anything.
 */
#ifndef GW_GATEWAYD_GW_ADMIN_LIMITS_H
#define GW_GATEWAYD_GW_ADMIN_LIMITS_H

/* A request head: "GET /metrics HTTP/1.1", Host, User-Agent, Accept and a
 * few more fit in well under 1 KiB (Prometheus sends ~300 bytes); 8 KiB
 * leaves room without letting a local client make us buffer much. */
#define GW_ADMIN_MAX_HEAD	8192
#define GW_ADMIN_MAX_LINE0	1024	/* request line */
#define GW_ADMIN_MAX_TARGET	512	/* request-target */

/* A client has this long to send its head, and we this long to hand over
 * the answer; an admin client is local and quick. */
#define GW_ADMIN_READ_TIMEOUT_MS	5000
#define GW_ADMIN_WRITE_TIMEOUT_MS	10000

/* After the answer: how long we still read (and discard) what the client
 * sends before closing, so unread bytes do not turn our close into a
 * reset that destroys the answer. */
#define GW_ADMIN_LINGER_MS	1000

/* Connections open at once, over all admin listeners: more are closed at
 * accept (a scraper and an operator need a handful). */
#define GW_ADMIN_MAX_CONNS	32

/* /peers lists at most this many entries (the limiter may track 100,000);
 * the answer says how many there were. ~200 bytes each: ~1 MB. */
#define GW_ADMIN_MAX_PEERS	5000

/* onionfedctl: the largest answer it reads (GW_ADMIN_MAX_PEERS entries
 * fit), and how long it waits for one (a reload re-reads the config and
 * may build new rules; a few seconds at most). */
#define GW_ADMIN_CLIENT_MAX_ANSWER	(4u * 1024 * 1024)
#define GW_ADMIN_CLIENT_TIMEOUT_MS	30000

#endif /* GW_GATEWAYD_GW_ADMIN_LIMITS_H */
