/*
 * gw_connect_proto.c - pure, incremental HTTP CONNECT head parser.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "gatewayd/gw_connect_proto.h"

void
gw_connect_parser_init(struct gw_connect_parser *p)
{
	memset(p, 0, sizeof(*p));
}

const char *
gw_connect_strerror(int err)
{
	switch (err) {
	case GW_CONNECT_NEED_MORE:	return "incomplete head";
	case GW_CONNECT_ERR_SYNTAX:	return "malformed request";
	case GW_CONNECT_ERR_METHOD:	return "method is not CONNECT";
	case GW_CONNECT_ERR_TARGET:	return "target is not host:port";
	case GW_CONNECT_ERR_VERSION:	return "HTTP version not supported";
	case GW_CONNECT_ERR_TOOBIG:	return "request head too large";
	case GW_CONNECT_ERR_AUTH:	return "unreadable Proxy-Authorization";
	}
	return "unknown error";
}

/* RFC 9110 tchar. */
static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_hostchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int
gw_connect_parse_authority(const char *s, size_t len,
    struct gw_connect_req *req)
{
	const char	*colon, *h;
	size_t		 hlen, i, plen;
	unsigned long	 port = 0;
	struct in6_addr	 a6;
	char		 tmp[GW_OB_MAX_HOST + 1];

	if (len == 0)
		return GW_CONNECT_ERR_TARGET;
	/* The port is after the last colon; an IPv6 literal is bracketed. */
	colon = NULL;
	for (i = len; i > 0; i--) {
		if (s[i - 1] == ':') {
			colon = s + i - 1;
			break;
		}
		if (s[i - 1] == ']')
			break;
	}
	if (colon == NULL)
		return GW_CONNECT_ERR_TARGET;
	plen = len - (size_t)(colon - s) - 1;
	if (plen == 0 || plen > 5)
		return GW_CONNECT_ERR_TARGET;
	for (i = 0; i < plen; i++) {
		if (colon[1 + i] < '0' || colon[1 + i] > '9')
			return GW_CONNECT_ERR_TARGET;
		port = port * 10 + (unsigned long)(colon[1 + i] - '0');
	}
	if (port == 0 || port > 65535)
		return GW_CONNECT_ERR_TARGET;
	h = s;
	hlen = (size_t)(colon - s);
	req->is_ipv6 = 0;
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
		if (hlen == 0 || hlen >= sizeof(tmp))
			return GW_CONNECT_ERR_TARGET;
		for (i = 0; i < hlen; i++) {
			unsigned char c = (unsigned char)h[i];

			if (!((c >= '0' && c <= '9') ||
			    (lower(c) >= 'a' && lower(c) <= 'f') ||
			    c == ':' || c == '.'))
				return GW_CONNECT_ERR_TARGET;
			tmp[i] = (char)lower(c);
		}
		tmp[hlen] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1)
			return GW_CONNECT_ERR_TARGET;
		req->is_ipv6 = 1;
	} else {
		if (hlen == 0 || hlen > GW_OB_MAX_HOST)
			return GW_CONNECT_ERR_TARGET;
		for (i = 0; i < hlen; i++) {
			if (!is_hostchar((unsigned char)h[i]))
				return GW_CONNECT_ERR_TARGET;
			tmp[i] = (char)lower((unsigned char)h[i]);
		}
		tmp[hlen] = '\0';
	}
	memcpy(req->host, tmp, hlen + 1);
	req->port = (uint16_t)port;
	return 0;
}

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode strict base64 (padding optional) into out; return the length or
 * -1. Never writes more than outsz bytes. */
static long
b64_decode(const char *s, size_t len, char *out, size_t outsz)
{
	size_t		 i, n = 0, pad = 0;
	unsigned	 acc = 0, bits = 0;
	int		 v;

	while (len > 0 && s[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (pad > 0 && (len + pad) % 4 != 0)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outsz)
				return -1;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (len % 4 == 1)
		return -1;
	return (long)n;
}

static int
parse_request_line(const char *l, size_t n, struct gw_connect_req *req)
{
	const char	*sp1, *sp2;
	size_t		 mlen, tlen;
	size_t		 i;

	sp1 = memchr(l, ' ', n);
	if (sp1 == NULL || sp1 == l)
		return GW_CONNECT_ERR_SYNTAX;
	mlen = (size_t)(sp1 - l);
	for (i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)l[i]))
			return GW_CONNECT_ERR_SYNTAX;
	sp2 = memchr(sp1 + 1, ' ', n - mlen - 1);
	if (sp2 == NULL)
		return GW_CONNECT_ERR_SYNTAX;
	tlen = (size_t)(sp2 - sp1 - 1);
	/* version */
	i = n - (size_t)(sp2 + 1 - l);
	if (i == 8 && memcmp(sp2 + 1, "HTTP/1.", 7) == 0 &&
	    (sp2[8] == '0' || sp2[8] == '1'))
		req->http_minor = (uint8_t)(sp2[8] - '0');
	else if (i >= 5 && memcmp(sp2 + 1, "HTTP/", 5) == 0)
		return GW_CONNECT_ERR_VERSION;
	else
		return GW_CONNECT_ERR_SYNTAX;
	if (mlen != 7 || memcmp(l, "CONNECT", 7) != 0) {
		if (mlen >= sizeof(req->method))
			mlen = sizeof(req->method) - 1;
		memcpy(req->method, l, mlen);
		req->method[mlen] = '\0';
		return GW_CONNECT_ERR_METHOD;
	}
	memcpy(req->method, "CONNECT", 8);
	if (tlen == 0 || gw_connect_parse_authority(sp1 + 1, tlen, req) != 0)
		return GW_CONNECT_ERR_TARGET;
	return 0;
}

static int
parse_header_line(const char *l, size_t n, struct gw_connect_req *req)
{
	const char	*colon, *v, *end;
	size_t		 nlen, i;
	long		 dlen;

	if (l[0] == ' ' || l[0] == '\t')
		return GW_CONNECT_ERR_SYNTAX;		/* obs-fold */
	colon = memchr(l, ':', n);
	if (colon == NULL || colon == l)
		return GW_CONNECT_ERR_SYNTAX;
	nlen = (size_t)(colon - l);
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)l[i]))
			return GW_CONNECT_ERR_SYNTAX;
	v = colon + 1;
	end = l + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (i = 0; v + i < end; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 && c != '\t')
			return GW_CONNECT_ERR_SYNTAX;
		if (c == 0x7f)
			return GW_CONNECT_ERR_SYNTAX;
	}
	if (nlen != 19 || strncasecmp(l, "Proxy-Authorization", 19) != 0)
		return 0;
	if (req->has_auth)
		return GW_CONNECT_ERR_AUTH;		/* two of them */
	if ((size_t)(end - v) < 6 || strncasecmp(v, "Basic", 5) != 0 ||
	    (v[5] != ' ' && v[5] != '\t'))
		return 0;				/* other schemes: ignored */
	v += 6;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	dlen = b64_decode(v, (size_t)(end - v), req->auth, GW_OB_MAX_CRED);
	if (dlen <= 0 || memchr(req->auth, ':', (size_t)dlen) == NULL ||
	    memchr(req->auth, '\0', (size_t)dlen) != NULL)
		return GW_CONNECT_ERR_AUTH;
	req->auth[dlen] = '\0';
	req->auth_len = (size_t)dlen;
	req->has_auth = 1;
	return 0;
}

int
gw_connect_parse(struct gw_connect_parser *p, const char *buf, size_t len,
    struct gw_connect_req *req)
{
	const char	*nl, *l;
	size_t		 n, scan;
	int		 r;

	if (p->nlines == 0 && p->off == 0)
		memset(req, 0, sizeof(*req));
	scan = len > GW_OB_MAX_HEAD ? GW_OB_MAX_HEAD : len;
	while (p->off < scan) {
		l = buf + p->off;
		nl = memchr(l, '\n', scan - p->off);
		if (nl == NULL)
			break;
		n = (size_t)(nl - l);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (memchr(l, '\0', n) != NULL || memchr(l, '\r', n) != NULL)
			return GW_CONNECT_ERR_SYNTAX;
		p->off = (size_t)(nl - buf) + 1;
		if (n == 0) {
			if (p->nlines == 0)
				return GW_CONNECT_ERR_SYNTAX;
			return (int)p->off;		/* head complete */
		}
		if (++p->nlines > GW_OB_MAX_HEADERS + 1)
			return GW_CONNECT_ERR_TOOBIG;
		if (p->nlines == 1)
			r = parse_request_line(l, n, req);
		else
			r = parse_header_line(l, n, req);
		if (r != 0)
			return r;
	}
	if (len >= GW_OB_MAX_HEAD)
		return GW_CONNECT_ERR_TOOBIG;
	return GW_CONNECT_NEED_MORE;
}
