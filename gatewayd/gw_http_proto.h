/*
 * gw_http_proto.h - pure, bounded HTTP/1.1 head and chunked-framing parsers.
 * Owns: finding the end of a head, splitting it into offsets, and tracking
 * chunked framing byte by byte so bodies pass through unchanged.
 * Never: allocates, does I/O, decodes or normalises the request-target.
 */
#ifndef GW_GATEWAYD_GW_HTTP_PROTO_H
#define GW_GATEWAYD_GW_HTTP_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gatewayd/gw_inbound_limits.h"

enum gw_http_err {
	GW_HTTP_OK		=  0,
	GW_HTTP_ERR_BAD		= -1,	/* malformed: 400 */
	GW_HTTP_ERR_TOOBIG	= -2,	/* head larger than allowed: 431 */
	GW_HTTP_ERR_TARGET	= -3,	/* request-target too long: 414 */
	GW_HTTP_ERR_HEADERS	= -4,	/* too many header fields: 431 */
	GW_HTTP_ERR_VERSION	= -5,	/* not HTTP/1.0 or 1.1: 505 */
	GW_HTTP_ERR_TE		= -6,	/* transfer-coding not chunked: 501 */
	GW_HTTP_ERR_LENGTH	= -7,	/* bad/conflicting framing: 400 */
	GW_HTTP_ERR_HOST	= -8,	/* HTTP/1.1 without one Host: 400 */
};

/* One header field as offsets into the head buffer. */
struct gw_http_hdr {
	uint16_t	name_off, name_len;
	uint16_t	val_off, val_len;	/* OWS trimmed */
};

enum gw_http_kind { GW_HTTP_REQUEST = 0, GW_HTTP_RESPONSE = 1 };

struct gw_http_head {
	enum gw_http_kind	kind;
	int			minor;		/* HTTP/1.<minor> */
	uint16_t		method_off, method_len;	/* request */
	uint16_t		target_off, target_len;	/* request, raw */
	int			status;		/* response */
	int64_t			content_length;	/* -1: none */
	unsigned		chunked : 1;	/* Transfer-Encoding: chunked */
	unsigned		conn_close : 1;	/* Connection: close */
	unsigned		conn_keepalive : 1;	/* Connection: keep-alive */
	unsigned		expect_continue : 1;
	uint64_t		hop;		/* bit i: hdrs[i] is hop-by-hop */
	size_t			nhdrs;
	struct gw_http_hdr	hdrs[GW_INB_MAX_HEADERS];
};

/* Remembers how far gw_http_head_scan() has looked; zero it per head. */
struct gw_http_scan {
	size_t		pos;
	int		line0_done;
};

/* Look for the end of a head in buf[0..len), the bytes received so far for
 * this head ('sc' remembers progress, so each byte is looked at once).
 * Return the head length including the final CRLFCRLF, 0 if more bytes are
 * needed, or a negative enum gw_http_err: TOOBIG when 'max_head' bytes hold
 * no end, TARGET when the first line is longer than 'max_line0', BAD on a
 * bare LF or a NUL. */
ssize_t	gw_http_head_scan(struct gw_http_scan *sc, const char *buf,
	    size_t len, size_t max_head, size_t max_line0);

/* Parse the complete head buf[0..len) (as found by gw_http_head_scan) into
 * *h as 'kind'. 'max_target' bounds a request-target. Return 0 or a
 * negative enum gw_http_err; *h is then unspecified. */
int	gw_http_head_parse(enum gw_http_kind kind, const char *buf, size_t len,
	    size_t max_target, struct gw_http_head *h);

/* Index of the first header named 'name' (ASCII case-insensitive) at or
 * after 'from', or -1. */
int	gw_http_find(const struct gw_http_head *h, const char *buf,
	    const char *name, size_t from);

/* Chunked framing tracker: consume bytes of a chunked body as they pass
 * through. Zero it before the body. */
struct gw_http_chunked {
	int		state;
	uint64_t	remain;		/* bytes left in the current chunk */
	uint64_t	total;		/* payload bytes so far */
	size_t		linelen;	/* current size/trailer line length */
	size_t		trailer;	/* trailer bytes so far */
	int		ndigits;
};

/* Feed buf[0..len). Return how many bytes belong to the body (<= len; less
 * only when the body ended inside buf), setting *done once the last CRLF
 * has been consumed; or a negative enum gw_http_err (BAD for garbage,
 * TOOBIG when the payload exceeds 'max_total'). */
ssize_t	gw_http_chunked_feed(struct gw_http_chunked *c, const char *buf,
	    size_t len, uint64_t max_total, int *done);

/* A short reason string for 'err'. */
const char *gw_http_strerror(int err);

#endif /* GW_GATEWAYD_GW_HTTP_PROTO_H */
