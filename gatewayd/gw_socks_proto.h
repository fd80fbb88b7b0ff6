/*
 * gw_socks_proto.h - pure SOCKS5 (RFC 1928) and username/password
 * (RFC 1929) codec: the server side homeservers talk to, and the client
 * side we speak to tor's SocksPort (tor's ExtendedErrors codes included).
 * Owns: nothing beyond the caller's structs. Never: allocates, does I/O,
 * logs, or reads past the bytes it is given.
 */
#ifndef GW_GATEWAYD_GW_SOCKS_PROTO_H
#define GW_GATEWAYD_GW_SOCKS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "gatewayd/gw_outbound_limits.h"

enum gw_socks_err {
	GW_SOCKS_NEED_MORE	=  0,	/* message incomplete: feed more */
	GW_SOCKS_ERR_VERSION	= -1,	/* not SOCKS5 (or not RFC 1929 v1) */
	GW_SOCKS_ERR_SYNTAX	= -2,	/* malformed message */
	GW_SOCKS_ERR_ATYP	= -3,	/* unknown address type */
	GW_SOCKS_ERR_METHOD	= -4,	/* server chose no method we offered */
	GW_SOCKS_ERR_AUTH	= -5,	/* server rejected our credentials */
	GW_SOCKS_ERR_TOOBIG	= -6,	/* a field does not fit its bound */
};

/* RFC 1928 reply codes, and tor's ExtendedErrors (socks-extensions.txt). */
enum gw_socks_rep {
	GW_SOCKS_REP_OK			= 0x00,
	GW_SOCKS_REP_GENERAL		= 0x01,
	GW_SOCKS_REP_NOT_ALLOWED	= 0x02,
	GW_SOCKS_REP_NET_UNREACH	= 0x03,
	GW_SOCKS_REP_HOST_UNREACH	= 0x04,
	GW_SOCKS_REP_REFUSED		= 0x05,
	GW_SOCKS_REP_TTL		= 0x06,
	GW_SOCKS_REP_CMD		= 0x07,
	GW_SOCKS_REP_ATYP		= 0x08,
	GW_SOCKS_REP_ONION_DESC_NOT_FOUND = 0xf0,
	GW_SOCKS_REP_ONION_DESC_INVALID	= 0xf1,
	GW_SOCKS_REP_ONION_INTRO_FAILED	= 0xf2,
	GW_SOCKS_REP_ONION_REND_FAILED	= 0xf3,
	GW_SOCKS_REP_ONION_AUTH_MISSING	= 0xf4,
	GW_SOCKS_REP_ONION_AUTH_BAD	= 0xf5,
	GW_SOCKS_REP_ONION_BAD_ADDRESS	= 0xf6,
	GW_SOCKS_REP_ONION_INTRO_TIMEOUT = 0xf7,
};

#define GW_SOCKS_METHOD_NONE		0x00
#define GW_SOCKS_METHOD_USERPASS	0x02
#define GW_SOCKS_METHOD_REFUSE		0xff
#define GW_SOCKS_CMD_CONNECT		0x01
#define GW_SOCKS_ATYP_IPV4		0x01
#define GW_SOCKS_ATYP_DOMAIN		0x03
#define GW_SOCKS_ATYP_IPV6		0x04

/* ---- server side (what a homeserver sends us) ---- */

/* Parse a greeting (VER NMETHODS METHODS). Return the bytes it takes,
 * GW_SOCKS_NEED_MORE or a negative enum gw_socks_err; on success set
 * *offers to a bit mask: bit 0 = no auth, bit 1 = username/password. */
int	gw_socks_parse_greeting(const uint8_t *buf, size_t len,
	    unsigned *offers);

/* Parse an RFC 1929 request into NUL-terminated user and pass (each
 * buffer at least 256 bytes). Return as gw_socks_parse_greeting(). */
int	gw_socks_parse_userpass(const uint8_t *buf, size_t len, char *user,
	    size_t *ulen, char *pass, size_t *plen);

struct gw_socks_req {
	uint8_t		cmd;
	uint8_t		atyp;
	uint16_t	port;
	/* Domain (as sent, lower-cased; embedded NULs rejected) or the text
	 * form of the IP address. */
	char		host[GW_OB_MAX_HOST + 1];
};

/* Parse a request (VER CMD RSV ATYP DST.ADDR DST.PORT). An unknown ATYP
 * gives GW_SOCKS_ERR_ATYP (answer GW_SOCKS_REP_ATYP); a CMD other than
 * CONNECT parses fine and the caller answers GW_SOCKS_REP_CMD. Return as
 * gw_socks_parse_greeting(). */
int	gw_socks_parse_request(const uint8_t *buf, size_t len,
	    struct gw_socks_req *req);

/* Write a 10-byte reply (IPv4 0.0.0.0:0 bound address) with code 'rep'
 * into out; return 10. */
size_t	gw_socks_build_reply(uint8_t out[10], uint8_t rep);

/* ---- client side (what we send tor) ---- */

/* Write our three messages to tor back to back into out: the greeting
 * offering username/password only, the RFC 1929 request (user and pass,
 * 1..255 bytes each) and a CONNECT to the domain 'host' (1..255 bytes,
 * never resolved here) port 'port'; store each one's length in part[].
 * Send part i only after tor answered part i - 1: tor does not keep
 * answers to pipelined SOCKS5 messages (it answers only the last one).
 * Return the total length, or GW_SOCKS_ERR_TOOBIG if a field is out of
 * range or outsz is short. */
int	gw_socks_client_build(uint8_t *out, size_t outsz, const char *user,
	    const char *pass, const char *host, uint16_t port,
	    size_t part[3]);

/* Incremental reader of tor's three answers (method choice, auth status,
 * CONNECT reply). Zero it before use. */
struct gw_socks_client {
	unsigned	stage;		/* answers read: 0 method, 1 auth,
					   2 reply, 3 done */
	uint8_t		rep;		/* reply code once stage is 3 */
};

/* Feed bytes tor sent (buf[0..len), not yet consumed). Set *consumed to
 * the bytes used. Return 1 when the CONNECT reply has been read (c->rep
 * holds its code; bytes after it are tunnel payload), GW_SOCKS_NEED_MORE,
 * or a negative enum gw_socks_err. */
int	gw_socks_client_feed(struct gw_socks_client *c, const uint8_t *buf,
	    size_t len, size_t *consumed);

const char *gw_socks_strerror(int err);
/* Short fixed description of a reply code ("onion descriptor not found"). */
const char *gw_socks_rep_str(uint8_t rep);

#endif /* GW_GATEWAYD_GW_SOCKS_PROTO_H */
