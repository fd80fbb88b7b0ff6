/*
 * fuzz_connect.c - the CONNECT head parser on arbitrary bytes, fed whole
 * and then in random-sized pieces; both ways must agree.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_connect_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_connect_parser	 p;
	struct gw_connect_req		 a, b;
	size_t				 n, step;
	int				 r1, r2 = 0;

	gw_connect_parser_init(&p);
	r1 = gw_connect_parse(&p, (const char *)data, size, &a);
	/* Incremental: growing prefixes; the first byte picks the step. */
	gw_connect_parser_init(&p);
	step = size > 0 ? (size_t)(data[0] % 7) + 1 : 1;
	for (n = 0;;) {
		r2 = gw_connect_parse(&p, (const char *)data, n, &b);
		if (r2 != GW_CONNECT_NEED_MORE || n == size)
			break;
		n = n + step > size ? size : n + step;
	}
	if (r1 > 0 && r2 != r1)
		abort();			/* same head, same answer */
	if (r1 > 0) {
		if ((size_t)r1 > size || a.port == 0 || a.host[0] == '\0' ||
		    strcmp(a.host, b.host) != 0 || a.port != b.port)
			abort();
		if (a.has_auth && a.auth_len > GW_OB_MAX_CRED)
			abort();
	}
	(void)gw_connect_strerror(r1);
	return 0;
}
