/*
 * fuzz_socks5.c - every SOCKS5 parser (server side: greeting, RFC 1929,
 * request; client side: tor's answers) on arbitrary bytes. The first byte
 * picks the parser.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_socks_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_socks_req	 req;
	struct gw_socks_client	 c;
	unsigned		 offers;
	char			 user[256], pass[256];
	size_t			 ul, pl, used, off;
	int			 r;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		r = gw_socks_parse_greeting(data + 1, size - 1, &offers);
		break;
	case 1:
		r = gw_socks_parse_userpass(data + 1, size - 1, user, &ul,
		    pass, &pl);
		if (r > 0 && (ul > 255 || pl > 255 || strlen(user) != ul))
			abort();
		break;
	case 2:
		r = gw_socks_parse_request(data + 1, size - 1, &req);
		if (r > 0 && strlen(req.host) > GW_OB_MAX_HOST)
			abort();
		break;
	default:
		/* tor's answers, in two pieces split at data[1]. */
		memset(&c, 0, sizeof(c));
		off = size > 1 ? data[1] % size : 0;
		if (off < 1)
			off = 1;
		r = gw_socks_client_feed(&c, data + 1, off - 1, &used);
		if (r == GW_SOCKS_NEED_MORE)
			r = gw_socks_client_feed(&c, data + 1 + used,
			    size - 1 - used, &used);
		break;
	}
	if (r > 0 && (size_t)r > size)
		abort();
	(void)gw_socks_strerror(r);
	return 0;
}
