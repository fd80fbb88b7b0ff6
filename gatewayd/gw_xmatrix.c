/*
 * gw_xmatrix.c - pure parser for the X-Matrix Authorization scheme.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "gatewayd/gw_xmatrix.h"

static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

int
gw_xmatrix_server_name_ok(const char *s, size_t len)
{
	size_t	i = 0, host_end, ndig;

	if (len == 0 || len > GW_XMATRIX_MAX_NAME)
		return 0;
	if (s[0] == '[') {
		for (i = 1; i < len && s[i] != ']'; i++)
			if (!((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'f') ||
			    (s[i] >= 'A' && s[i] <= 'F') ||
			    s[i] == ':' || s[i] == '.'))
				return 0;
		if (i >= len || i < 3)
			return 0;
		host_end = i + 1;
	} else {
		for (i = 0; i < len && s[i] != ':'; i++)
			if (!((s[i] >= '0' && s[i] <= '9') ||
			    (s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z') ||
			    s[i] == '-' || s[i] == '.'))
				return 0;
		if (i == 0)
			return 0;
		host_end = i;
	}
	if (host_end == len)
		return 1;
	if (s[host_end] != ':')
		return 0;
	for (i = host_end + 1, ndig = 0; i < len; i++, ndig++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return ndig >= 1 && ndig <= 5;
}

static int
key_ok(const char *s)
{
	const char	*colon = strchr(s, ':');

	if (colon == NULL || colon == s || colon[1] == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!(is_tchar((unsigned char)*s) || *s == ':'))
			return 0;
	return 1;
}

static int
sig_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("+/=-_", *s) != NULL))
			return 0;
	return 1;
}

int
gw_xmatrix_parse(const char *v, size_t len, struct gw_xmatrix *out)
{
	const char	*p = v, *end = v + len, *name;
	size_t		 nlen, cap, n;
	char		*dst, scratch[GW_XMATRIX_MAX_SIG + 1];
	unsigned	 seen = 0, bit;

	memset(out, 0, sizeof(*out));
	if (len < 8 || strncasecmp(p, "X-Matrix", 8) != 0)
		return GW_XMATRIX_ERR_SCHEME;
	p += 8;
	if (p < end && !is_ows(*p))
		return GW_XMATRIX_ERR_SCHEME;	/* e.g. "X-Matrixy" */
	while (p < end && is_ows(*p))
		p++;
	if (p == end)
		return GW_XMATRIX_ERR_MISSING;
	for (;;) {
		/* auth-param = token BWS "=" BWS ( token / quoted-string ) */
		name = p;
		while (p < end && is_tchar((unsigned char)*p))
			p++;
		nlen = (size_t)(p - name);
		if (nlen == 0)
			return GW_XMATRIX_ERR_SYNTAX;
		while (p < end && is_ows(*p))
			p++;
		if (p == end || *p != '=')
			return GW_XMATRIX_ERR_SYNTAX;
		p++;
		while (p < end && is_ows(*p))
			p++;
		if (nlen == 6 && strncasecmp(name, "origin", 6) == 0) {
			dst = out->origin, cap = sizeof(out->origin), bit = 1;
		} else if (nlen == 11 &&
		    strncasecmp(name, "destination", 11) == 0) {
			dst = out->destination;
			cap = sizeof(out->destination);
			bit = 2;
		} else if (nlen == 3 && strncasecmp(name, "key", 3) == 0) {
			dst = out->key, cap = sizeof(out->key), bit = 4;
		} else if (nlen == 3 && strncasecmp(name, "sig", 3) == 0) {
			dst = out->sig, cap = sizeof(out->sig), bit = 8;
		} else {
			dst = scratch, cap = sizeof(scratch), bit = 0;
		}
		if (bit != 0 && (seen & bit))
			return GW_XMATRIX_ERR_DUP;
		seen |= bit;
		n = 0;
		if (p < end && *p == '"') {
			for (p++; p < end && *p != '"'; p++) {
				unsigned char c;

				if (*p == '\\' && ++p == end)
					return GW_XMATRIX_ERR_SYNTAX;
				c = (unsigned char)*p;
				/* qdtext / quoted-pair: HTAB, SP, VCHAR */
				if ((c < 0x20 && c != '\t') || c == 0x7f ||
				    c >= 0x80)
					return GW_XMATRIX_ERR_SYNTAX;
				if (n + 1 >= cap) {
					if (bit == 0)
						continue;	/* ignored */
					return GW_XMATRIX_ERR_TOOLONG;
				}
				dst[n++] = (char)c;
			}
			if (p == end)
				return GW_XMATRIX_ERR_SYNTAX;
			p++;
		} else {
			while (p < end && (is_tchar((unsigned char)*p) ||
			    *p == ':')) {
				if (n + 1 >= cap) {
					if (bit != 0)
						return GW_XMATRIX_ERR_TOOLONG;
				} else
					dst[n++] = *p;
				p++;
			}
			if (n == 0)
				return GW_XMATRIX_ERR_SYNTAX;
		}
		dst[n] = '\0';
		if (bit != 0 && memchr(dst, '\0', n) != NULL)
			return GW_XMATRIX_ERR_SYNTAX;
		while (p < end && is_ows(*p))
			p++;
		if (p == end)
			break;
		if (*p != ',')
			return GW_XMATRIX_ERR_SYNTAX;
		/* 1#( OWS "," ) : tolerate empty list elements */
		while (p < end && (*p == ',' || is_ows(*p)))
			p++;
		if (p == end)
			break;
	}
	if ((seen & (1 | 4 | 8)) != (1 | 4 | 8))
		return GW_XMATRIX_ERR_MISSING;
	out->has_destination = (seen & 2) != 0;
	if (!gw_xmatrix_server_name_ok(out->origin, strlen(out->origin)) ||
	    (out->has_destination && !gw_xmatrix_server_name_ok(
	    out->destination, strlen(out->destination))))
		return GW_XMATRIX_ERR_ORIGIN;
	if (!key_ok(out->key) || !sig_ok(out->sig))
		return GW_XMATRIX_ERR_KEY;
	return 0;
}

const char *
gw_xmatrix_strerror(int err)
{
	switch (err) {
	case GW_XMATRIX_OK:		return "ok";
	case GW_XMATRIX_ERR_SCHEME:	return "not the X-Matrix scheme";
	case GW_XMATRIX_ERR_SYNTAX:	return "malformed X-Matrix header";
	case GW_XMATRIX_ERR_MISSING:	return "X-Matrix header lacks origin, key or sig";
	case GW_XMATRIX_ERR_DUP:	return "X-Matrix parameter repeated";
	case GW_XMATRIX_ERR_TOOLONG:	return "X-Matrix parameter too long";
	case GW_XMATRIX_ERR_ORIGIN:	return "X-Matrix origin or destination is not a server name";
	case GW_XMATRIX_ERR_KEY:	return "X-Matrix key or sig malformed";
	}
	return "unknown error";
}
