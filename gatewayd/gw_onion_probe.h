/*
 * gw_onion_probe.h - the onion manager's self-probe: connect to our own
 * onion through tor's SocksPort (SOCKS5, own username/password isolation
 * token), TLS (no certificate check: the onion address authenticates the
 * service; SNI = the address), GET /_matrix/federation/v1/version.
 * Owns: one probe connection, its timer and its bounded buffers.
 * Never: resolves or connects to a .onion name other than through the
 * SocksPort; logs; reads more than GW_ONION_PROBE_MAX_RESPONSE bytes.
 *
 * The wire parsers (SOCKS5 replies, the HTTP status line) are pure and
 * live in gw_onion_proto.c so the fuzz target reaches them.
 */
#ifndef GW_GATEWAYD_GW_ONION_PROBE_H
#define GW_GATEWAYD_GW_ONION_PROBE_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct gw_addr;
struct gw_probe;			/* opaque */
typedef struct ssl_ctx_st SSL_CTX;

/* The outcome of one probe, borrowed during the callback. */
struct gw_probe_result {
	int		 ok;		/* 1: an HTTP status line came back */
	uint64_t	 latency_ms;	/* start to status line (or failure) */
	int		 http_status;	/* 0 if none */
	const char	*reason;	/* static text; "" when ok */
};

/* Called exactly once per started probe unless it was cancelled first.
 * The probe is freed right after the callback returns: do not free it. */
typedef void gw_probe_cb(const struct gw_probe_result *res, void *arg);

/*
 * Start a probe of 'onion' ("<56>.onion") port 'port' through the SOCKS5
 * server 'socks' (TCP or unix), authenticating with 'user'/'pass' (each
 * 1..255 bytes; tor's IsolateSOCKSAuth turns them into an isolation
 * token), within 'timeout_ms'. 'ssl_ctx' (borrowed) is the client TLS
 * context (verification off). Return the probe, or NULL if it could not
 * start (no callback then). Strings are copied.
 */
struct gw_probe	*gw_probe_start(struct event_base *base, SSL_CTX *ssl_ctx,
		    const struct gw_addr *socks, const char *onion,
		    uint16_t port, const char *user, const char *pass,
		    unsigned timeout_ms, gw_probe_cb *cb, void *arg);

/* Stop a probe that has not called back yet; no callback after. NULL is a
 * no-op. Must not be called from inside the probe's own callback. */
void		 gw_probe_cancel(struct gw_probe *p);

/* A client SSL_CTX for probes: TLS >= 1.2, no verification. NULL on
 * failure. Free with SSL_CTX_free(). */
SSL_CTX		*gw_probe_ssl_ctx_new(void);

/* ---- pure parsers (gw_onion_proto.c) ---------------------------------- */

/* Longest SOCKS5 CONNECT reply: VER REP RSV ATYP + 1 + 255 + port. */
#define GW_SOCKS5_REPLY_MAX	(4 + 1 + 255 + 2)

/*
 * Parse a SOCKS5 CONNECT reply from the first 'len' bytes of 'buf'.
 * Return 0 when more bytes are needed (*need says how many in all), a
 * positive length of the complete reply, or -1 if it is malformed. *rep is
 * the REP code once known (-1 before).
 */
int		 gw_socks5_reply_parse(const uint8_t *buf, size_t len,
		    size_t *need, int *rep);

/* Static text for a SOCKS5 REP code, including tor's ExtendedErrors
 * (0xF0-0xF7, onion-specific). */
const char	*gw_socks5_rep_str(int rep);

/*
 * Parse an HTTP/1.x status line at the start of 'buf' ('len' bytes).
 * Return 0 if no complete line is there yet, the status code (100-599) if
 * there is one, or -1 if the bytes are not an HTTP/1.x status line (also
 * when no line end comes within 'maxline' bytes).
 */
int		 gw_http_status_parse(const char *buf, size_t len,
		    size_t maxline);

#endif /* GW_GATEWAYD_GW_ONION_PROBE_H */
