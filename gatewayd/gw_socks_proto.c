/*
 * gw_socks_proto.c - pure SOCKS5 / RFC 1929 codec (server and client side).
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "gatewayd/gw_socks_proto.h"

const char *
gw_socks_strerror(int err)
{
	switch (err) {
	case GW_SOCKS_NEED_MORE:	return "incomplete message";
	case GW_SOCKS_ERR_VERSION:	return "not SOCKS5";
	case GW_SOCKS_ERR_SYNTAX:	return "malformed SOCKS message";
	case GW_SOCKS_ERR_ATYP:		return "unknown address type";
	case GW_SOCKS_ERR_METHOD:	return "no acceptable SOCKS method";
	case GW_SOCKS_ERR_AUTH:		return "SOCKS authentication failed";
	case GW_SOCKS_ERR_TOOBIG:	return "SOCKS field too long";
	}
	return "unknown error";
}

const char *
gw_socks_rep_str(uint8_t rep)
{
	switch (rep) {
	case 0x00: return "succeeded";
	case 0x01: return "general failure";
	case 0x02: return "not allowed by ruleset";
	case 0x03: return "network unreachable";
	case 0x04: return "host unreachable";
	case 0x05: return "connection refused";
	case 0x06: return "TTL expired";
	case 0x07: return "command not supported";
	case 0x08: return "address type not supported";
	case 0xf0: return "onion service descriptor not found";
	case 0xf1: return "onion service descriptor invalid";
	case 0xf2: return "onion service introduction failed";
	case 0xf3: return "onion service rendezvous failed";
	case 0xf4: return "onion service client authorization missing";
	case 0xf5: return "onion service client authorization bad";
	case 0xf6: return "onion address invalid";
	case 0xf7: return "onion service introduction timed out";
	}
	return "unknown reply code";
}

int
gw_socks_parse_greeting(const uint8_t *buf, size_t len, unsigned *offers)
{
	size_t	i, n;

	*offers = 0;
	if (len < 1)
		return GW_SOCKS_NEED_MORE;
	if (buf[0] != 5)
		return GW_SOCKS_ERR_VERSION;
	if (len < 2)
		return GW_SOCKS_NEED_MORE;
	n = buf[1];
	if (n == 0)
		return GW_SOCKS_ERR_SYNTAX;
	if (len < 2 + n)
		return GW_SOCKS_NEED_MORE;
	for (i = 0; i < n; i++) {
		if (buf[2 + i] == GW_SOCKS_METHOD_NONE)
			*offers |= 1u;
		else if (buf[2 + i] == GW_SOCKS_METHOD_USERPASS)
			*offers |= 2u;
	}
	return (int)(2 + n);
}

int
gw_socks_parse_userpass(const uint8_t *buf, size_t len, char *user,
    size_t *ulen, char *pass, size_t *plen)
{
	size_t	u, p;

	*ulen = *plen = 0;
	user[0] = pass[0] = '\0';
	if (len < 1)
		return GW_SOCKS_NEED_MORE;
	if (buf[0] != 1)
		return GW_SOCKS_ERR_VERSION;
	if (len < 2)
		return GW_SOCKS_NEED_MORE;
	u = buf[1];
	if (len < 2 + u + 1)
		return GW_SOCKS_NEED_MORE;
	p = buf[2 + u];
	if (len < 3 + u + p)
		return GW_SOCKS_NEED_MORE;
	if (memchr(buf + 2, '\0', u) != NULL ||
	    memchr(buf + 3 + u, '\0', p) != NULL)
		return GW_SOCKS_ERR_SYNTAX;
	memcpy(user, buf + 2, u);
	user[u] = '\0';
	memcpy(pass, buf + 3 + u, p);
	pass[p] = '\0';
	*ulen = u;
	*plen = p;
	return (int)(3 + u + p);
}

int
gw_socks_parse_request(const uint8_t *buf, size_t len,
    struct gw_socks_req *req)
{
	size_t	need, alen, i;

	memset(req, 0, sizeof(*req));
	if (len < 1)
		return GW_SOCKS_NEED_MORE;
	if (buf[0] != 5)
		return GW_SOCKS_ERR_VERSION;
	if (len < 4)
		return GW_SOCKS_NEED_MORE;
	if (buf[2] != 0)
		return GW_SOCKS_ERR_SYNTAX;
	req->cmd = buf[1];
	req->atyp = buf[3];
	switch (buf[3]) {
	case GW_SOCKS_ATYP_IPV4:
		alen = 4;
		need = 4 + 4 + 2;
		break;
	case GW_SOCKS_ATYP_IPV6:
		alen = 16;
		need = 4 + 16 + 2;
		break;
	case GW_SOCKS_ATYP_DOMAIN:
		if (len < 5)
			return GW_SOCKS_NEED_MORE;
		alen = buf[4];
		if (alen == 0)
			return GW_SOCKS_ERR_SYNTAX;
		need = 5 + alen + 2;
		break;
	default:
		return GW_SOCKS_ERR_ATYP;
	}
	if (len < need)
		return GW_SOCKS_NEED_MORE;
	req->port = (uint16_t)((buf[need - 2] << 8) | buf[need - 1]);
	if (buf[3] == GW_SOCKS_ATYP_DOMAIN) {
		for (i = 0; i < alen; i++) {
			uint8_t c = buf[5 + i];

			if (c == '\0')
				return GW_SOCKS_ERR_SYNTAX;
			req->host[i] = (char)((c >= 'A' && c <= 'Z') ?
			    c - 'A' + 'a' : c);
		}
		req->host[alen] = '\0';
	} else if (inet_ntop(alen == 4 ? AF_INET : AF_INET6, buf + 4,
	    req->host, sizeof(req->host)) == NULL)
		return GW_SOCKS_ERR_SYNTAX;
	return (int)need;
}

size_t
gw_socks_build_reply(uint8_t out[10], uint8_t rep)
{
	memset(out, 0, 10);
	out[0] = 5;
	out[1] = rep;
	out[3] = GW_SOCKS_ATYP_IPV4;
	return 10;
}

int
gw_socks_client_build(uint8_t *out, size_t outsz, const char *user,
    const char *pass, const char *host, uint16_t port, size_t part[3])
{
	size_t	ul = strlen(user), pl = strlen(pass), hl = strlen(host);
	size_t	n = 0;

	if (ul == 0 || ul > 255 || pl == 0 || pl > 255 || hl == 0 ||
	    hl > 255 || outsz < 3 + 3 + ul + pl + 7 + hl)
		return GW_SOCKS_ERR_TOOBIG;
	out[n++] = 5;			/* greeting: one method, user/pass */
	out[n++] = 1;
	out[n++] = GW_SOCKS_METHOD_USERPASS;
	part[0] = n;
	out[n++] = 1;			/* RFC 1929 */
	out[n++] = (uint8_t)ul;
	memcpy(out + n, user, ul);
	n += ul;
	out[n++] = (uint8_t)pl;
	memcpy(out + n, pass, pl);
	n += pl;
	part[1] = n - part[0];
	out[n++] = 5;			/* CONNECT, domain name */
	out[n++] = GW_SOCKS_CMD_CONNECT;
	out[n++] = 0;
	out[n++] = GW_SOCKS_ATYP_DOMAIN;
	out[n++] = (uint8_t)hl;
	memcpy(out + n, host, hl);
	n += hl;
	out[n++] = (uint8_t)(port >> 8);
	out[n++] = (uint8_t)(port & 0xff);
	part[2] = n - part[0] - part[1];
	return (int)n;
}

int
gw_socks_client_feed(struct gw_socks_client *c, const uint8_t *buf,
    size_t len, size_t *consumed)
{
	size_t	off = 0, need;

	*consumed = 0;
	while (c->stage < 3) {
		const uint8_t *b = buf + off;
		size_t n = len - off;

		switch (c->stage) {
		case 0:				/* VER METHOD */
			if (n < 2)
				return GW_SOCKS_NEED_MORE;
			if (b[0] != 5)
				return GW_SOCKS_ERR_VERSION;
			if (b[1] != GW_SOCKS_METHOD_USERPASS)
				return GW_SOCKS_ERR_METHOD;
			off += 2;
			break;
		case 1:				/* VER STATUS */
			if (n < 2)
				return GW_SOCKS_NEED_MORE;
			if (b[0] != 1)
				return GW_SOCKS_ERR_VERSION;
			if (b[1] != 0)
				return GW_SOCKS_ERR_AUTH;
			off += 2;
			break;
		case 2:				/* VER REP RSV ATYP ADDR PORT */
			if (n < 1)
				return GW_SOCKS_NEED_MORE;
			if (b[0] != 5)
				return GW_SOCKS_ERR_VERSION;
			if (n < 4)
				return GW_SOCKS_NEED_MORE;
			switch (b[3]) {
			case GW_SOCKS_ATYP_IPV4:
				need = 10;
				break;
			case GW_SOCKS_ATYP_IPV6:
				need = 22;
				break;
			case GW_SOCKS_ATYP_DOMAIN:
				if (n < 5)
					return GW_SOCKS_NEED_MORE;
				need = 7 + (size_t)b[4];
				break;
			default:
				return GW_SOCKS_ERR_ATYP;
			}
			if (n < need)
				return GW_SOCKS_NEED_MORE;
			c->rep = b[1];
			off += need;
			break;
		}
		c->stage++;
		*consumed = off;
	}
	return 1;
}
