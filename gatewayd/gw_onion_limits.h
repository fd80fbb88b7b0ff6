/*
 * gw_onion_limits.h - every bound and timing of the onion manager and its
 * self-probe, with the reason for its value.
 * Owns: constants only. Never: code.
 */
#ifndef GW_GATEWAYD_GW_ONION_LIMITS_H
#define GW_GATEWAYD_GW_ONION_LIMITS_H

/* Reconnect to the control port after it was lost or refused the
 * connection: first delay, doubling, capped. The cap is short because a
 * local connect() to a closed port costs nothing and onionfedd's share of
 * the recovery after a tor restart should stay well under a second
 * (jitter picks a delay in [cap/2, cap]: ~190 ms on average once capped). */
#define GW_ONION_RECONNECT_BASE_MS	50
#define GW_ONION_RECONNECT_CAP_MS	250

/* After tor refused our credentials (auth, cookie, version) retrying fast
 * only fills tor's log: the operator has to fix something. */
#define GW_ONION_AUTHFAIL_CAP_MS	30000

/* Control port: connect+handshake and per-command timeouts. A local tor
 * answers in milliseconds; ADD_ONION with a given key needs no key
 * generation. */
#define GW_ONION_CONNECT_TIMEOUT_MS	5000
#define GW_ONION_COMMAND_TIMEOUT_MS	15000

/* Drain: wait this long for DEL_ONION's reply, then let the stop go on
 * (the onion dies with the connection anyway: never Detach). */
#define GW_ONION_DRAIN_TIMEOUT_MS	2000

/* Uploads of one publication round we track at once. tor uploads each of
 * its (at most two) descriptors to hsdir_spread_store (4) HSDirs per
 * replica (2): 16; twice that leaves room for overlapping rounds. Excess
 * UPLOAD events are counted but not timed. */
#define GW_ONION_MAX_PENDING_UPLOADS	32

/* Self-probe: whole probe (SOCKS, rendezvous, TLS, HTTP) deadline. An
 * onion connection through a busy network can take tens of seconds; tor's
 * own SocksTimeout is 2 minutes. */
#define GW_ONION_PROBE_TIMEOUT_MS	60000
/* The probe reads at most this much of the answer: the status line is in
 * the first bytes; a homeserver's version JSON is ~100 bytes. */
#define GW_ONION_PROBE_MAX_RESPONSE	16384
/* Right after publishing, a probe can fail while the descriptor
 * propagates: retry this often, this many times, before "degraded". */
#define GW_ONION_PROBE_RETRY_MS		2000
#define GW_ONION_PROBE_RETRIES		3
/* While degraded, probe at least this often to notice recovery. */
#define GW_ONION_DEGRADED_PROBE_MS	15000

#endif /* GW_GATEWAYD_GW_ONION_LIMITS_H */
