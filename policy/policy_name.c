/*
 * policy_name.c - Matrix server-name grammar: DNS names, IPv4 and bracketed
 * IPv6 literals, optional port. Pure and bounded: looks at most
 * POL_NAME_MAX bytes, never assumes NUL termination.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/policy_int.h"

const char *
pol_strerror(int err)
{
	switch (err) {
	case POL_OK:			return "success";
	case POL_ERR_NOMEM:		return "out of memory";
	case POL_ERR_INVAL:		return "invalid argument";
	case POL_ERR_EMPTY:		return "empty name";
	case POL_ERR_TOO_LONG:		return "name too long";
	case POL_ERR_BAD_CHAR:		return "character not allowed in a "
					    "server name";
	case POL_ERR_BAD_LABEL:		return "empty, over-long or "
					    "hyphen-edged label";
	case POL_ERR_TRAILING_DOT:	return "trailing dot";
	case POL_ERR_BAD_IPV4:		return "bad IPv4 literal";
	case POL_ERR_BAD_IPV6:		return "bad IPv6 literal";
	case POL_ERR_UNBRACKETED_IPV6:	return "IPv6 literal without brackets";
	case POL_ERR_BAD_PORT:		return "bad port";
	case POL_ERR_ONION_LENGTH:	return "onion address is not 56 "
					    "characters";
	case POL_ERR_ONION_V2:		return "v2 onion address (obsolete)";
	case POL_ERR_ONION_BASE32:	return "onion address is not base32";
	case POL_ERR_ONION_VERSION:	return "onion address version is not 3";
	case POL_ERR_ONION_CHECKSUM:	return "onion address checksum "
					    "mismatch";
	case POL_ERR_CRYPTO:		return "libcrypto failure";
	case POL_ERR_BAD_PATTERN:	return "bad pattern";
	case POL_ERR_TOO_MANY:		return "too many entries";
	case POL_ERR_NOT_FOUND:		return "not found";
	}
	return "unknown error";
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Strict dotted quad: four parts of 1-3 digits, 0..255, no leading zero.
 * Return 0 and fill out[4], or POL_ERR_BAD_IPV4. */
int
pol_ipv4_parse(const char *s, size_t len, uint8_t out[4])
{
	size_t		i = 0;
	int		part;

	for (part = 0; part < 4; part++) {
		unsigned	v = 0;
		size_t		start = i;

		while (i < len && is_digit((unsigned char)s[i]) &&
		    i - start < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
		}
		if (i == start || v > 255)
			return POL_ERR_BAD_IPV4;
		if (i - start > 1 && s[start] == '0')
			return POL_ERR_BAD_IPV4;	/* octal in inet_aton */
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i >= len || s[i] != '.')
				return POL_ERR_BAD_IPV4;
			i++;
		}
	}
	return i == len ? 0 : POL_ERR_BAD_IPV4;
}

/* RFC 4291 section 2.2 text form, no zone id. Return 0 or POL_ERR_BAD_IPV6. */
int
pol_ipv6_parse(const char *s, size_t len, uint8_t out[16])
{
	uint16_t	g[8];
	int		ng = 0, dc = -1, k;
	size_t		i = 0;

	if (len < 2 || len > POL_IPV6_TEXT_MAX)
		return POL_ERR_BAD_IPV6;
	if (s[0] == ':') {
		if (s[1] != ':')
			return POL_ERR_BAD_IPV6;
		dc = 0;
		i = 2;
	}
	while (i < len) {
		size_t		start = i;
		unsigned	v = 0;
		int		h;

		if (ng >= 8)
			return POL_ERR_BAD_IPV6;
		while (i < len && (h = hexval((unsigned char)s[i])) >= 0 &&
		    i - start < 4) {
			v = (v << 4) | (unsigned)h;
			i++;
		}
		if (i < len && s[i] == '.') {
			/* Embedded IPv4: the rest of the literal. */
			uint8_t	v4[4];

			if (ng > 6 || pol_ipv4_parse(s + start, len - start,
			    v4) != 0)
				return POL_ERR_BAD_IPV6;
			g[ng++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[ng++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = len;
			break;
		}
		if (i == start)
			return POL_ERR_BAD_IPV6;	/* empty or bad group */
		g[ng++] = (uint16_t)v;
		if (i == len)
			break;
		if (s[i] != ':')
			return POL_ERR_BAD_IPV6;	/* 5th digit or junk */
		i++;
		if (i < len && s[i] == ':') {
			if (dc >= 0)
				return POL_ERR_BAD_IPV6;	/* two "::" */
			dc = ng;
			i++;
			if (i == len)
				break;
		} else if (i == len)
			return POL_ERR_BAD_IPV6;	/* trailing ':' */
	}
	if (dc < 0) {
		if (ng != 8)
			return POL_ERR_BAD_IPV6;
	} else if (ng > 7)
		return POL_ERR_BAD_IPV6;
	memset(out, 0, 16);
	if (dc < 0)
		dc = ng;
	for (k = 0; k < dc; k++) {
		out[2 * k] = (uint8_t)(g[k] >> 8);
		out[2 * k + 1] = (uint8_t)g[k];
	}
	for (k = dc; k < ng; k++) {
		int	pos = 8 - (ng - k);

		out[2 * pos] = (uint8_t)(g[k] >> 8);
		out[2 * pos + 1] = (uint8_t)g[k];
	}
	return 0;
}

/* RFC 5952 text of a 16-byte address into buf (>= 46 bytes). Return its
 * length. */
size_t
pol_ipv6_format(const uint8_t a[16], char *buf, size_t bufsz)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	uint16_t		g[8];
	int			i, best = -1, bestlen = 0, run = -1, runlen;
	size_t			n = 0;
	int			w;

	if (memcmp(a, mapped, 12) == 0) {
		w = snprintf(buf, bufsz, "::ffff:%u.%u.%u.%u", a[12], a[13],
		    a[14], a[15]);
		return w < 0 ? 0 : (size_t)w;
	}
	for (i = 0; i < 8; i++)
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
	for (i = 0; i <= 8; i++) {
		if (i < 8 && g[i] == 0) {
			if (run < 0)
				run = i;
			continue;
		}
		if (run >= 0) {
			runlen = i - run;
			if (runlen >= 2 && runlen > bestlen) {
				best = run;
				bestlen = runlen;
			}
			run = -1;
		}
	}
	buf[0] = '\0';
	for (i = 0; i < 8; i++) {
		if (i == best) {
			w = snprintf(buf + n, bufsz - n, "::");
			n += (size_t)w;
			i += bestlen - 1;
			continue;
		}
		w = snprintf(buf + n, bufsz - n, "%s%x",
		    i > 0 && !(best >= 0 && i == best + bestlen) ? ":" : "",
		    g[i]);
		n += (size_t)w;
	}
	return n;
}

static int
parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned	v = 0;
	size_t		i;

	if (len == 0 || len > 5 || s[0] == '0')
		return POL_ERR_BAD_PORT;
	for (i = 0; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return POL_ERR_BAD_PORT;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return POL_ERR_BAD_PORT;
	*port = (uint16_t)v;
	return 0;
}

/* Does this label look like a number to inet_aton / the WHATWG URL
 * parser (all digits, or 0x followed by hex digits)? */
static int
numeric_label(const char *s, size_t len)
{
	size_t	i;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < len; i++)
			if (hexval((unsigned char)s[i]) < 0)
				return 0;
		return 1;
	}
	for (i = 0; i < len; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Validate a DNS-or-IPv4 host (no brackets, no port) and fill out. */
static int
parse_host(const char *s, size_t len, struct pol_name *out)
{
	size_t		i, lstart = 0, last_start = 0;

	if (len == 0)
		return POL_ERR_EMPTY;
	if (len > POL_HOST_MAX)
		return POL_ERR_TOO_LONG;
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    is_digit(c) || c == '-' || c == '.'))
			return POL_ERR_BAD_CHAR;
	}
	if (s[len - 1] == '.')
		return len == 1 ? POL_ERR_BAD_LABEL : POL_ERR_TRAILING_DOT;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (i == lstart || i - lstart > POL_LABEL_MAX)
			return POL_ERR_BAD_LABEL;
		if (s[lstart] == '-' || s[i - 1] == '-')
			return POL_ERR_BAD_LABEL;
		last_start = lstart;
		lstart = i + 1;
	}
	if (numeric_label(s + last_start, len - last_start)) {
		if (pol_ipv4_parse(s, len, out->addr) != 0)
			return POL_ERR_BAD_IPV4;
		out->kind = POL_HOST_IPV4;
		memcpy(out->host, s, len);
	} else {
		out->kind = POL_HOST_DNS;
		for (i = 0; i < len; i++) {
			unsigned char	c = (unsigned char)s[i];

			out->host[i] = (char)(c >= 'A' && c <= 'Z' ?
			    c + ('a' - 'A') : c);
		}
	}
	out->host[len] = '\0';
	out->host_len = len;
	return 0;
}

int
pol_name_parse(const char *s, size_t len, struct pol_name *out)
{
	const char	*colon, *rb;
	size_t		 hlen;
	int		 r;

	if (out == NULL || (s == NULL && len > 0))
		return POL_ERR_INVAL;
	out->kind = 0;
	out->port = 0;
	out->host_len = 0;
	out->host[0] = '\0';
	memset(out->addr, 0, sizeof(out->addr));
	if (len == 0)
		return POL_ERR_EMPTY;
	if (len > POL_NAME_MAX)
		return POL_ERR_TOO_LONG;
	if (s[0] == '[') {
		if ((rb = memchr(s, ']', len)) == NULL)
			return POL_ERR_BAD_IPV6;
		hlen = (size_t)(rb - s - 1);
		if (pol_ipv6_parse(s + 1, hlen, out->addr) != 0)
			return POL_ERR_BAD_IPV6;
		out->kind = POL_HOST_IPV6;
		out->host_len = pol_ipv6_format(out->addr, out->host,
		    sizeof(out->host));
		if ((size_t)(rb - s) + 1 == len)
			return 0;
		if (rb[1] != ':')
			return POL_ERR_BAD_IPV6;
		return parse_port(rb + 2, len - (size_t)(rb - s) - 2,
		    &out->port);
	}
	if ((colon = memchr(s, ':', len)) != NULL) {
		hlen = (size_t)(colon - s);
		if (memchr(colon + 1, ':', len - hlen - 1) != NULL)
			return POL_ERR_UNBRACKETED_IPV6;
	} else
		hlen = len;
	if ((r = parse_host(s, hlen, out)) != 0)
		return r;
	if (colon != NULL)
		return parse_port(colon + 1, len - hlen - 1, &out->port);
	return 0;
}
