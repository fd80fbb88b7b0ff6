/*
 * gw_outbound_route.h - where a tunnel may go: the one place the outbound
 * proxy asks policy/ (name grammar, onion v3 validation, rules, limits).
 * Owns: its rules and limiter when the caller gave none.
 * Never: does I/O; sends an onion name anywhere but GW_OB_ROUTE_ONION.
 */
#ifndef GW_GATEWAYD_GW_OUTBOUND_ROUTE_H
#define GW_GATEWAYD_GW_OUTBOUND_ROUTE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "gatewayd/gw_outbound.h"
#include "policy/policy_limits.h"

struct sockaddr;

struct ob_router;			/* opaque */
struct pol_rules;
struct pol_limiter;

enum gw_ob_route {
	GW_OB_ROUTE_ONION		= 0,	/* tor's SocksPort */
	GW_OB_ROUTE_CLEARNET_DIRECT	= 1,	/* evdns + connect() */
	GW_OB_ROUTE_CLEARNET_TOR	= 2,	/* tor's SocksPort (exit) */
};

struct ob_router_conf {
	enum gw_ob_clearnet	 clearnet;
	int			 allow_onion;
	int			 allow_private;
	unsigned		 dest_rate, dest_burst, dest_max;
	const struct pol_rules	*rules;		/* borrowed; NULL = own */
	struct pol_limiter	*limiter;	/* borrowed; NULL = own */
	pthread_mutex_t		*limiter_lock;	/* NULL: not shared */
};

/* A concurrency slot held for a destination; release exactly once. */
struct ob_dest_ref {
	char		*key;		/* canonical peer key; NULL = none */
	size_t		 len;
};

/* What ob_router_decide() found. */
struct ob_route {
	enum gw_ob_route route;
	uint32_t	 delay_ms;	/* > 0: hold the tunnel this long */
	/* Canonical destination for the isolation token: policy's peer key
	 * (onion subdomains reduced to the onion) + ":" + port. */
	char		 iso_name[POL_KEY_MAX + 8];
};

int	ob_router_new(const struct ob_router_conf *conf,
	    struct ob_router **out, char *errbuf, size_t errlen);
void	ob_router_free(struct ob_router *r);

/* Classify host:port (host as parsed: lower-case, IPv6 without
 * brackets), apply rules, the per-destination rate and concurrency limits
 * at 'now_ms' (monotonic). Return GW_OB_R_OK and fill *rt and *ref (a held
 * slot), or the enum gw_ob_reason refusing it (nothing held). */
int	ob_router_decide(struct ob_router *r, const char *host, uint16_t port,
	    uint64_t now_ms, struct ob_route *rt, struct ob_dest_ref *ref);

/* Write policy's canonical "key:port" for host:port into out (the input
 * of the isolation token). Return 0, or -1 if it does not parse. */
int	ob_router_iso_name(const char *host, uint16_t port, char *out,
	    size_t outsz);

/* Give back the slot in *ref (if any) and clear it. NULL-safe. */
void	ob_router_release(struct ob_router *r, struct ob_dest_ref *ref,
	    uint64_t now_ms);

/* Whether a resolved address may be connected to (SSRF guard): not a
 * special address, unless private addresses are allowed. */
int	ob_router_addr_ok(const struct ob_router *r, const struct sockaddr *sa);

/* 1 if 'host' is .onion or below it (any case, trailing dot or not). */
int	ob_route_is_onion_name(const char *host);

/* Take new rules (borrowed; NULL keeps the current ones) and the SSRF
 * guard setting (reload). */
void	ob_router_set_policy(struct ob_router *r, const struct pol_rules *rules,
	    int allow_private);

#endif /* GW_GATEWAYD_GW_OUTBOUND_ROUTE_H */
