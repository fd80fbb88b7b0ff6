/*
 * gw_onion_proto.c - pure, bounded parsers of what the self-probe reads:
 * SOCKS5 CONNECT replies (RFC 1928, tor's ExtendedErrors) and the HTTP/1.x
 * status line. No I/O, no allocation.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gatewayd/gw_onion_probe.h"

int
gw_socks5_reply_parse(const uint8_t *buf, size_t len, size_t *need, int *rep)
{
	size_t	want;

	*rep = -1;
	*need = 4;
	if (len < 2)
		return 0;
	if (buf[0] != 5)
		return -1;
	*rep = buf[1];
	if (len < 4)
		return 0;
	if (buf[2] != 0)
		return -1;
	switch (buf[3]) {
	case 1:					/* IPv4 */
		want = 4 + 4 + 2;
		break;
	case 4:					/* IPv6 */
		want = 4 + 16 + 2;
		break;
	case 3:					/* name: length byte */
		*need = 5;
		if (len < 5)
			return 0;
		want = 4 + 1 + (size_t)buf[4] + 2;
		break;
	default:
		return -1;
	}
	*need = want;
	if (len < want)
		return 0;
	return (int)want;
}

const char *
gw_socks5_rep_str(int rep)
{
	switch (rep) {
	case 0x00: return "succeeded";
	case 0x01: return "general SOCKS failure";
	case 0x02: return "not allowed by ruleset";
	case 0x03: return "network unreachable";
	case 0x04: return "host unreachable";
	case 0x05: return "connection refused";
	case 0x06: return "TTL expired";
	case 0x07: return "command not supported";
	case 0x08: return "address type not supported";
	/* tor ExtendedErrors (onion services) */
	case 0xf0: return "onion descriptor not found";
	case 0xf1: return "onion descriptor invalid";
	case 0xf2: return "onion introduction failed";
	case 0xf3: return "onion rendezvous failed";
	case 0xf4: return "onion client authorization missing";
	case 0xf5: return "onion client authorization wrong";
	case 0xf6: return "onion address invalid";
	case 0xf7: return "onion introduction timed out";
	default: return "unknown SOCKS reply";
	}
}

int
gw_http_status_parse(const char *buf, size_t len, size_t maxline)
{
	const char	*nl;
	size_t		 n, i;
	int		 code = 0;

	nl = memchr(buf, '\n', len < maxline ? len : maxline);
	if (nl == NULL)
		return len >= maxline ? -1 : 0;
	n = (size_t)(nl - buf);
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	/* "HTTP/1.x SP 3DIGIT" then SP reason or end of line */
	if (n < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
		code = code * 10 + (buf[i] - '0');
	}
	if (n > 12 && buf[12] != ' ')
		return -1;
	if (code < 100 || code > 599)
		return -1;
	return code;
}
