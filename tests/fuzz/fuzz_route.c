/*
 * fuzz_route.c - libFuzzer target for the outbound routing decision: a
 * CONNECT/SOCKS destination host:port as a client sent it, through
 * ob_router_decide() (name grammar, onion validation, rules, limits).
 * Owns: three routers (clearnet direct, tor, deny), made once.
 * Input: byte 0 picks the router (% 3) and the clock step, bytes 1-2 the
 * port, the rest the host (cut at the first NUL).
 * What must hold: an onion name is only ever routed to tor's SocksPort as
 * an onion, never direct; with clearnet = deny nothing goes to clearnet;
 * every slot taken is given back.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_outbound.h"
#include "gatewayd/gw_outbound_route.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ob_router	*routers[3];
static uint64_t		 now_ms = 1000;

static void
init(void)
{
	struct ob_router_conf	c;
	char			err[128];
	int			i;

	for (i = 0; i < 3; i++) {
		memset(&c, 0, sizeof(c));
		c.clearnet = (enum gw_ob_clearnet)i;
		c.allow_onion = 1;
		c.allow_private = i == 0;
		c.dest_rate = 1000;
		c.dest_burst = 1000;
		c.dest_max = 64;
		if (ob_router_new(&c, &routers[i], err, sizeof(err)) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ob_route		 rt;
	struct ob_dest_ref	 ref;
	struct ob_router	*r;
	char			*host, iso[256];
	uint16_t		 port;
	int			 which, rc, onion;

	if (routers[0] == NULL)
		init();
	if (size < 3)
		return 0;
	which = data[0] % 3;
	r = routers[which];
	now_ms += (uint64_t)(data[0] >> 2) * 10;
	port = (uint16_t)(data[1] << 8 | data[2]);
	if ((host = malloc(size - 2)) == NULL)
		return 0;
	memcpy(host, data + 3, size - 3);
	host[size - 3] = '\0';
	onion = ob_route_is_onion_name(host);

	memset(&rt, 0, sizeof(rt));
	memset(&ref, 0, sizeof(ref));
	rc = ob_router_decide(r, host, port, now_ms, &rt, &ref);
	if (rc == GW_OB_R_OK) {
		if (onion && rt.route != GW_OB_ROUTE_ONION)
			abort();		/* an onion name leaving clearnet */
		if (rt.route == GW_OB_ROUTE_ONION && !onion)
			abort();		/* a clearnet name sent as onion */
		if (which == GW_OB_CLEARNET_DENY &&
		    rt.route != GW_OB_ROUTE_ONION)
			abort();
		if (which == GW_OB_CLEARNET_TOR &&
		    rt.route == GW_OB_ROUTE_CLEARNET_DIRECT)
			abort();
		if (memchr(rt.iso_name, '\0', sizeof(rt.iso_name)) == NULL)
			abort();
		ob_router_release(r, &ref, now_ms);
		if (ref.key != NULL)
			abort();		/* released means cleared */
	} else if (ref.key != NULL)
		abort();			/* a refusal holds nothing */
	(void)ob_router_iso_name(host, port, iso, sizeof(iso));
	free(host);
	return 0;
}
