/*
 * gw_connect_proto.h - pure, incremental parser of an HTTP CONNECT head
 * (RFC 9110 9.3.6, authority-form target) as homeservers send it.
 * Owns: the parse state of one head. Never: allocates, does I/O, logs, or
 * reads past the bytes it is given (embedded NULs are errors).
 */
#ifndef GW_GATEWAYD_GW_CONNECT_PROTO_H
#define GW_GATEWAYD_GW_CONNECT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "gatewayd/gw_outbound_limits.h"

enum gw_connect_err {
	GW_CONNECT_NEED_MORE	=  0,	/* head incomplete: feed more */
	GW_CONNECT_ERR_SYNTAX	= -1,	/* malformed request or header line */
	GW_CONNECT_ERR_METHOD	= -2,	/* a method other than CONNECT */
	GW_CONNECT_ERR_TARGET	= -3,	/* target is not host:port */
	GW_CONNECT_ERR_VERSION	= -4,	/* not HTTP/1.0 or HTTP/1.1 */
	GW_CONNECT_ERR_TOOBIG	= -5,	/* over GW_OB_MAX_HEAD or _HEADERS */
	GW_CONNECT_ERR_AUTH	= -6,	/* Proxy-Authorization unreadable */
};

/* What a complete head asked for. host is NUL-terminated and lower-cased;
 * an IPv6 literal is stored without brackets and is_ipv6 is set. */
struct gw_connect_req {
	char		host[GW_OB_MAX_HOST + 1];
	uint16_t	port;
	uint8_t		http_minor;		/* 0 or 1 */
	uint8_t		is_ipv6;
	uint8_t		has_auth;		/* Basic credentials present */
	size_t		auth_len;
	char		auth[GW_OB_MAX_CRED + 1];	/* decoded "user:pass" */
	char		method[16];		/* for logs when not CONNECT */
};

/* Parse state; zero it (or call gw_connect_parser_init()) before a head. */
struct gw_connect_parser {
	size_t		off;		/* bytes consumed as complete lines */
	unsigned	nlines;		/* lines seen, request line included */
};

void	gw_connect_parser_init(struct gw_connect_parser *p);

/* Feed the bytes received so far for this head: buf[0..len) must start
 * with the same bytes as on the previous call (the caller appends). Lines
 * end with CRLF or a bare LF. Return a positive count of bytes making up
 * the head (the blank line included; bytes after it are tunnel payload),
 * GW_CONNECT_NEED_MORE, or a negative enum gw_connect_err. *req is filled
 * as lines arrive and is complete only on a positive return. After
 * GW_CONNECT_ERR_METHOD, req->method holds the method. */
int	gw_connect_parse(struct gw_connect_parser *p, const char *buf,
	    size_t len, struct gw_connect_req *req);

/* Parse an authority "host:port" (host a reg-name, IPv4 or [IPv6]) into
 * req->host/port/is_ipv6. Return 0 or GW_CONNECT_ERR_TARGET. */
int	gw_connect_parse_authority(const char *s, size_t len,
	    struct gw_connect_req *req);

const char *gw_connect_strerror(int err);

#endif /* GW_GATEWAYD_GW_CONNECT_PROTO_H */
