/*
 * fuzz_torctl_event.c - event lines, keyword helpers and onion key blobs on
 * arbitrary bytes. The first byte picks the entry point.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "torctl/torctl_onionkey.h"
#include "torctl/torctl_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct torctl_event	 ev;
	struct torctl_onionkey	*k;
	struct torctl_version	 v;
	char			 out[256], *cmd;
	const char		*s = (const char *)data + 1;
	size_t			 n = size - 1;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		(void)torctl_event_parse_line(s, n, &ev);
		break;
	case 1:
		(void)torctl_kv_get(s, n, "SUMMARY", out, sizeof(out));
		(void)torctl_kv_get(s, n, "COOKIEFILE", out, sizeof(out));
		break;
	case 2:
		if (torctl_onionkey_from_blob(s, n, &k) == 0) {
			(void)torctl_onionkey_service_id(k, out, sizeof(out));
			torctl_onionkey_free(k);
		}
		break;
	case 3:
		if (n < sizeof(out)) {
			memcpy(out, s, n);
			out[n] = '\0';
			(void)torctl_version_parse(out, &v);
			if (torctl_build_line(out, &cmd) == 0)
				free(cmd);
		}
		break;
	}
	return 0;
}
