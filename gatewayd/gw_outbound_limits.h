/*
 * gw_outbound_limits.h - named limits of the outbound proxy (CONNECT, SOCKS5,
 * tunnels). Owns: nothing but constants. Never: depends on anything.
 * Each value says why it is what it is.
 */
#ifndef GW_GATEWAYD_GW_OUTBOUND_LIMITS_H
#define GW_GATEWAYD_GW_OUTBOUND_LIMITS_H

/* A CONNECT head: Synapse sends ~40 bytes (plus one Proxy-Authorization
 * line); curl ~120. 8 KiB is the common proxy line limit (squid, nginx)
 * and leaves room for a few odd headers, nothing more. */
#define GW_OB_MAX_HEAD		8192
/* Header lines in a CONNECT head; we read only Proxy-Authorization. */
#define GW_OB_MAX_HEADERS	32
/* DNS limit for a host name (RFC 1035: 255 octets on the wire). */
#define GW_OB_MAX_HOST		255
/* Decoded Basic credentials ("user:pass") and SOCKS5 RFC 1929 fields
 * (one length octet each, so 255 + ':' + 255). */
#define GW_OB_MAX_CRED		511
/* Inline head buffer per handshake; grows up to GW_OB_MAX_HEAD only when a
 * client sends more than this (never Synapse). */
#define GW_OB_HEAD_INLINE	256
/* One SOCKS5 message is at most 4 + 1 + 255 + 2 (request) or
 * 3 + 255 + 255 (RFC 1929): a 600-byte buffer holds any of them. */
#define GW_OB_SOCKS_BUF		600
/* Pipelined SOCKS5 conversation we send to tor: greeting (3) + RFC 1929
 * (3 + 255 + 255) + request (7 + 255). */
#define GW_OB_SOCKS_OUT		780
/* Bytes a splice(2) moves per call; the kernel pipe holds 64 KiB by
 * default, so this is also the per-direction buffer bound of a tunnel. */
#define GW_OB_SPLICE_CHUNK	262144
/* Splice pipes (2 descriptors per busy direction) may hold at most
 * 1/GW_OB_PIPE_FD_SHARE of RLIMIT_NOFILE; past that a direction copies
 * through GW_OB_COPY_BUF. With an eighth, a 65536 limit leaves 57344 for
 * sockets (28672 tunnels, above GW_OB_DEFAULT_MAX_TUNNELS), and 20000
 * leaves room for 5,000 inbound clients and 5,000 tunnels together. */
#define GW_OB_PIPE_FD_SHARE	8
/* User-space buffer per direction when splice(2) is unavailable; also the
 * most a tunnel holds in user space per direction. */
#define GW_OB_COPY_BUF		16384
/* Passes of one direction's pump per event, so one busy tunnel cannot
 * starve the others. */
#define GW_OB_PUMP_ROUNDS	4
/* How long a refused client may keep sending before we close on it. */
#define GW_OB_LINGER_MS		2000
/* After accept() fails with EMFILE/ENFILE, pause accepting this long
 * (or until a tunnel closes) instead of spinning. */
#define GW_OB_ACCEPT_PAUSE_MS	500
/* A tunnel quiet this long gives its kernel pipes back (2 fds per
 * direction), so thousands of idle pooled tunnels cost 2 fds each. */
#define GW_OB_PIPE_RELEASE_MS	5000
/* A direct connect attempt that has not completed after this long gives
 * way to the next address of the name (IPv6 -> IPv4 fallback when one
 * family blackholes); the last address gets the rest of the connect
 * timeout. */
#define GW_OB_ATTEMPT_MS	3000
/* Addresses tried for one clearnet destination (IPv6/IPv4 fallback). */
#define GW_OB_MAX_ADDRS		8

/* Defaults for the timeouts in struct gw_outbound_conf (milliseconds).
 * handshake: a client has this long to send its whole CONNECT head or SOCKS
 * request (slowloris bound). connect: tor needs up to ~2 minutes for an
 * onion rendezvous in the worst case (SocksTimeout 120 s). idle: a pooled
 * federation tunnel with no bytes either way for 10 minutes is dead. */
#define GW_OB_DEFAULT_HANDSHAKE_MS	10000
#define GW_OB_DEFAULT_CONNECT_MS	120000
#define GW_OB_DEFAULT_IDLE_MS		600000
/* Concurrent tunnels (all destinations) when the config does not say. */
#define GW_OB_DEFAULT_MAX_TUNNELS	16384

#endif /* GW_GATEWAYD_GW_OUTBOUND_LIMITS_H */
