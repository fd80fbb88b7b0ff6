/*
 * gw_inbound_limits.h - named limits and defaults of the inbound gateway.
 * Owns: every number that bounds what a remote peer can make us hold.
 * Never: holds state; gw_inbound_conf overrides the defaults at run time.
 */
#ifndef GW_GATEWAYD_GW_INBOUND_LIMITS_H
#define GW_GATEWAYD_GW_INBOUND_LIMITS_H

/* Request head (request line + headers + CRLFCRLF). Synapse's heads are
 * well under 2 KiB; an X-Matrix header is ~250 bytes. 16 KiB is nginx's
 * large_client_header_buffers-ish ceiling. Beyond it: 431. */
#define GW_INB_MAX_HEAD			(16 * 1024)
/* Request-target length; beyond it: 414. Federation paths carry event and
 * room IDs (<= 255 each) plus query strings. */
#define GW_INB_MAX_TARGET		(8 * 1024)
/* Header fields per head (either direction); beyond it: 431 / 502. */
#define GW_INB_MAX_HEADERS		64
/* Upstream response head; a bigger one is a broken upstream: 502. */
#define GW_INB_MAX_RESP_HEAD		(32 * 1024)
/* Request body (Matrix transactions are a few MB at most); beyond: 413. */
#define GW_INB_MAX_BODY			(4 * 1024 * 1024)
/* A chunk-size line (hex digits + extensions) longer than this is garbage. */
#define GW_INB_MAX_CHUNK_LINE		1024
/* Trailer section after the last chunk. */
#define GW_INB_MAX_TRAILER		(8 * 1024)

/* X-Matrix auth-param values (server names are <= 255 by the spec). */
#define GW_XMATRIX_MAX_NAME		255
#define GW_XMATRIX_MAX_KEY		127
#define GW_XMATRIX_MAX_SIG		255

/* Time limits (milliseconds). */
#define GW_INB_HEAD_TIMEOUT_MS		10000	/* first byte -> full head */
#define GW_INB_BODY_TIMEOUT_MS		30000	/* head -> full body */
#define GW_INB_IDLE_TIMEOUT_MS		60000	/* keep-alive, between requests */
/* A plain keep-alive connection quiet this long drops its bufferevent
 * (~0.8 KiB) until the next request arrives (see conn_park). */
#define GW_INB_PARK_MS			1000
#define GW_INB_WRITE_TIMEOUT_MS		60000	/* peer not reading our answer */
#define GW_INB_UP_CONNECT_TIMEOUT_MS	5000	/* upstream connect -> 502 */
#define GW_INB_UP_TIMEOUT_MS		60000	/* upstream response -> 504 */
#define GW_INB_UP_IDLE_TIMEOUT_MS	30000	/* pooled upstream keep-alive */
/* After a closing answer: discard what the peer still sends for at most
 * this long / this much, so our answer is not lost to a TCP RST. */
#define GW_INB_LINGER_MS		2000
#define GW_INB_LINGER_BYTES		(1024 * 1024)

/* How often a worker thread publishes its counters for /metrics and the
 * drain's idle check (they lag by at most this). */
#define GW_INB_STATS_PUBLISH_MS		200

/* Counts. */
#define GW_INB_MAX_CONNS		16384	/* accept paused beyond */
#define GW_INB_MAX_HELD			1024	/* requests delayed by the limiter */
#define GW_INB_MAX_DELAY_MS		10000	/* longest single hold */
#define GW_INB_UP_MAX_IDLE		256	/* pooled idle upstream conns */
/* Upstream connections open at once (per worker); requests beyond wait
 * in order for one, at most upstream_timeout, then 503. */
#define GW_INB_UP_MAX_CONNS		1024
/* Response bytes buffered towards a slow reader before we stop reading
 * from upstream (backpressure). */
#define GW_INB_OUT_HIGH_WATER		(256 * 1024)

#endif /* GW_GATEWAYD_GW_INBOUND_LIMITS_H */
