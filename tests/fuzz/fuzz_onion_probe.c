/*
 * fuzz_onion_probe.c - the self-probe's parsers: the first input byte picks
 * SOCKS5 reply (even) or HTTP status line (odd); the rest is the wire.
 * Without --enable-fuzzing, 'make check' replays corpus/onion_probe/.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_onion_probe.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	need, i;
	int	rep, r;
	char	*copy;

	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0) {
		/* Incremental: every prefix must agree with the whole. */
		for (i = 0; i < size; i++) {
			r = gw_socks5_reply_parse(data + 1, i, &need, &rep);
			if (r > 0 && (size_t)r > i)
				abort();
			if (r == 0 && need <= i)
				abort();
			(void)gw_socks5_rep_str(rep);
		}
		return 0;
	}
	/* No NUL terminator: copy exactly so ASan sees overreads. */
	if ((copy = malloc(size - 1 + 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	r = gw_http_status_parse(copy, size - 1, 1024);
	if (r > 0 && (r < 100 || r > 599))
		abort();
	free(copy);
	return 0;
}
