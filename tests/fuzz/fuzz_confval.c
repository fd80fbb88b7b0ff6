/*
 * fuzz_confval.c - libFuzzer target for the config value parsers that also
 * read other inputs: addresses (gw_addr_parse, every flag combination),
 * rates (gw_rate_parse) and tor auth names (torctl_auth_parse).
 * Owns: nothing. Input: byte 0 picks the parser and the address flags, the
 * rest is the value (cut at the first NUL, as the config reader does).
 * A parsed address must format and parse back to the same address.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_config.h"
#include "torctl/torctl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_addr(const char *s, unsigned flags)
{
	struct gw_addr	 a, b;
	const char	*why = NULL;
	char		 buf[GW_ADDR_PATH_MAX + GW_ADDR_HOST_MAX + 32];

	memset(&a, 0, sizeof(a));
	if (gw_addr_parse(s, flags, &a, &why) != 0) {
		if (why == NULL)
			abort();		/* a refusal says why */
		return;
	}
	if (a.kind == GW_ADDR_UNIX) {
		if (!(flags & GW_ADDR_F_UNIX) || a.path[0] != '/' ||
		    strlen(a.path) > GW_ADDR_PATH_MAX)
			abort();
	} else if (a.kind == GW_ADDR_TCP) {
		if (strlen(a.host) > GW_ADDR_HOST_MAX ||
		    (a.port == 0 && !(flags & GW_ADDR_F_NOPORT)) ||
		    (!a.numeric && !(flags & GW_ADDR_F_HOSTNAME)))
			abort();
	}
	(void)gw_addr_is_local(&a);
	(void)gw_addr_fmt(&a, buf, sizeof(buf));
	/* (port 0 is only "not given" with GW_ADDR_F_NOPORT: callers put
	 * their default in before anything prints it) */
	if (a.kind == GW_ADDR_NONE || (a.kind == GW_ADDR_TCP && a.port == 0))
		return;
	/* what we print parses back to the same endpoint */
	memset(&b, 0, sizeof(b));
	if (gw_addr_parse(buf, flags, &b, &why) != 0 || b.kind != a.kind ||
	    b.port != a.port || strcmp(b.host, a.host) != 0 ||
	    strcmp(b.path, a.path) != 0 || b.numeric != a.numeric)
		abort();
}

static void
check_rate(const char *s)
{
	struct gw_rate	 r;
	const char	*why = NULL;

	if (gw_rate_parse(s, &r, &why) != 0) {
		if (why == NULL)
			abort();
		return;
	}
	if (isnan(r.per_sec) || isinf(r.per_sec) || r.per_sec < 0)
		abort();			/* limiter math needs finite >= 0 */
	if (r.per_sec > 0 && r.burst == 0)
		abort();			/* documented: at least 1 */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum torctl_auth	 au;
	char			*s;

	if (size < 1)
		return 0;
	if ((s = malloc(size)) == NULL)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		check_addr(s, (unsigned)(data[0] >> 2) & 7);
		break;
	case 1:
		check_rate(s);
		break;
	default:
		if (torctl_auth_parse(s, &au) == 0)
			(void)torctl_auth_name(au);
		break;
	}
	free(s);
	return 0;
}
