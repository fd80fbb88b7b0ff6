/*
 * gw_xmatrix.h - pure parser for "Authorization: X-Matrix ..." (Matrix
 * server-server API, request authentication; RFC 9110 11.4 auth-params).
 * Owns: splitting the header into origin, destination, key and sig.
 * Never: verifies the signature, allocates, or trusts the origin: what it
 * returns is the origin as CLAIMED by the peer.
 */
#ifndef GW_GATEWAYD_GW_XMATRIX_H
#define GW_GATEWAYD_GW_XMATRIX_H

#include <stddef.h>

#include "gatewayd/gw_inbound_limits.h"

enum gw_xmatrix_err {
	GW_XMATRIX_OK		=  0,
	GW_XMATRIX_ERR_SCHEME	= -1,	/* not the X-Matrix scheme */
	GW_XMATRIX_ERR_SYNTAX	= -2,	/* not auth-param grammar */
	GW_XMATRIX_ERR_MISSING	= -3,	/* origin, key or sig absent */
	GW_XMATRIX_ERR_DUP	= -4,	/* a parameter given twice */
	GW_XMATRIX_ERR_TOOLONG	= -5,	/* a value over its limit */
	GW_XMATRIX_ERR_ORIGIN	= -6,	/* origin/destination not a server name */
	GW_XMATRIX_ERR_KEY	= -7,	/* key id or sig has bad characters */
};

struct gw_xmatrix {
	char	origin[GW_XMATRIX_MAX_NAME + 1];
	char	destination[GW_XMATRIX_MAX_NAME + 1];	/* "" when absent */
	char	key[GW_XMATRIX_MAX_KEY + 1];
	char	sig[GW_XMATRIX_MAX_SIG + 1];
	int	has_destination;
};

/* Parse the field value 'v' (length 'len', not NUL-terminated, OWS already
 * trimmed) of one Authorization header. Parameter names are
 * case-insensitive and in any order; values are tokens (colons allowed, as
 * older servers send them) or quoted-strings (backslash pairs unescaped);
 * unknown parameters are ignored; destination is optional. On success fill
 * *out and return 0; otherwise return a negative enum gw_xmatrix_err (a
 * caller answers 401 M_UNAUTHORIZED, except that SCHEME means "some other
 * scheme"). */
int	gw_xmatrix_parse(const char *v, size_t len, struct gw_xmatrix *out);

/* Return 1 if s[0..len) has Matrix server-name syntax (hostname, IPv4,
 * [IPv6], optional :port), else 0. */
int	gw_xmatrix_server_name_ok(const char *s, size_t len);

const char *gw_xmatrix_strerror(int err);

#endif /* GW_GATEWAYD_GW_XMATRIX_H */
