/*
 * fuzz_http_head.c - libFuzzer target for the request/response head
 * scanner and parser and the chunked framing tracker (gw_http_proto.c).
 * The first byte picks request or response and how the input is split,
 * so incremental scanning is exercised too.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_http_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_http_scan	 sc;
	struct gw_http_head	 h;
	struct gw_http_chunked	 ch;
	char			*buf;
	size_t			 step, len, i;
	ssize_t			 hl = 0, k;
	int			 kind, done = 0;

	if (size < 1)
		return 0;
	kind = data[0] & 1;
	step = (size_t)(data[0] >> 1) + 1;
	data++;
	size--;
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	memset(&sc, 0, sizeof(sc));
	for (len = 0; len < size && hl == 0;) {
		len = len + step > size ? size : len + step;
		hl = gw_http_head_scan(&sc, buf, len, GW_INB_MAX_HEAD, 1024);
	}
	if (hl > 0) {
		if ((size_t)hl > len)
			abort();
		if (gw_http_head_parse(kind ? GW_HTTP_RESPONSE :
		    GW_HTTP_REQUEST, buf, (size_t)hl, 1024, &h) == 0) {
			if (h.nhdrs > GW_INB_MAX_HEADERS)
				abort();
			for (i = 0; i < h.nhdrs; i++)
				if ((size_t)h.hdrs[i].val_off +
				    h.hdrs[i].val_len > (size_t)hl)
					abort();
			if (!kind && (size_t)h.target_off + h.target_len >
			    (size_t)hl)
				abort();
		}
		/* the rest as a chunked body, fed in 'step' pieces */
		memset(&ch, 0, sizeof(ch));
		for (i = (size_t)hl; i < size && !done;) {
			len = size - i < step ? size - i : step;
			k = gw_http_chunked_feed(&ch, buf + i, len, 1 << 20,
			    &done);
			if (k < 0)
				break;
			if ((size_t)k > len || ((size_t)k < len && !done))
				abort();
			i += (size_t)k;
		}
	}
	free(buf);
	return 0;
}
