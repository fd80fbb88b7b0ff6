/*
 * gw_outbound_route.c - routing decisions through policy/.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gatewayd/gw_outbound_route.h"
#include "policy/policy.h"

struct ob_router {
	enum gw_ob_clearnet	 clearnet;
	int			 allow_private;
	const struct pol_rules	*rules;
	struct pol_limiter	*lim;
	pthread_mutex_t		*limlock;	/* NULL: not shared */
	struct pol_rules	*own_rules;
	struct pol_limiter	*own_lim;
};

#define LIM_LOCK(r)	do { if ((r)->limlock != NULL)			\
			    pthread_mutex_lock((r)->limlock); } while (0)
#define LIM_UNLOCK(r)	do { if ((r)->limlock != NULL)			\
			    pthread_mutex_unlock((r)->limlock); } while (0)

int
ob_route_is_onion_name(const char *host)
{
	size_t	n = strlen(host);

	while (n > 0 && host[n - 1] == '.')
		n--;
	if (n < 5)
		return 0;
	if (strncasecmp(host + n - 5, "onion", 5) != 0)
		return 0;
	return n == 5 || host[n - 6] == '.';
}

int
ob_router_new(const struct ob_router_conf *conf, struct ob_router **out,
    char *errbuf, size_t errlen)
{
	struct ob_router	*r;
	struct pol_settings	 s;
	struct pol_limiter_cfg	 lc;
	int			 e;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return GW_OB_ERR_NOMEM;
	r->clearnet = conf->clearnet;
	r->allow_private = conf->allow_private;
	r->rules = conf->rules;
	r->lim = conf->limiter;
	r->limlock = conf->limiter != NULL ? conf->limiter_lock : NULL;
	if (r->rules == NULL) {
		memset(&s, 0, sizeof(s));
		s.allow_onion_peers = conf->allow_onion;
		s.allow_clearnet_peers = 1;
		s.allow_private_addresses = conf->allow_private;
		if ((e = pol_rules_new(&s, &r->own_rules, errbuf, errlen)) !=
		    0)
			goto fail;
		r->rules = r->own_rules;
	}
	if (r->lim == NULL) {
		pol_limiter_cfg_default(&lc);
		if (conf->dest_rate > 0) {
			lc.rate[POL_DIR_OUTBOUND].per_sec = conf->dest_rate;
			lc.admission[POL_DIR_OUTBOUND].per_sec =
			    conf->dest_rate * 10.0 > POL_RATE_MAX_PER_SEC ?
			    POL_RATE_MAX_PER_SEC : conf->dest_rate * 10.0;
		}
		if (conf->dest_burst > 0) {
			lc.rate[POL_DIR_OUTBOUND].burst = conf->dest_burst;
			lc.rate[POL_DIR_OUTBOUND].delay_burst = 0;
			lc.admission[POL_DIR_OUTBOUND].burst =
			    conf->dest_burst > POL_BURST_MAX / 10 ?
			    POL_BURST_MAX : conf->dest_burst * 10;
		}
		if (conf->dest_max > 0)
			lc.rate[POL_DIR_OUTBOUND].max_concurrent =
			    conf->dest_max;
		if ((e = pol_limiter_new(&lc, &r->own_lim)) != 0) {
			snprintf(errbuf, errlen, "outbound limits: %s",
			    pol_strerror(e));
			goto fail;
		}
		r->lim = r->own_lim;
	}
	*out = r;
	return 0;
 fail:
	ob_router_free(r);
	return e == POL_ERR_NOMEM ? GW_OB_ERR_NOMEM : GW_OB_ERR_CONF;
}

void
ob_router_set_policy(struct ob_router *r, const struct pol_rules *rules,
    int allow_private)
{
	if (rules != NULL)
		r->rules = rules;
	r->allow_private = allow_private;
}

void
ob_router_free(struct ob_router *r)
{
	if (r == NULL)
		return;
	pol_rules_free(r->own_rules);
	pol_limiter_free(r->own_lim);
	free(r);
}

static int
reason_from_pol(enum pol_reason why)
{
	switch (why) {
	case POL_R_INVALID_ONION:	return GW_OB_R_BAD_ONION;
	case POL_R_DENIED_BY_LIST:	return GW_OB_R_POLICY;
	case POL_R_PRIVATE_ADDRESS:	return GW_OB_R_SSRF;
	case POL_R_ONION_DISABLED:	return GW_OB_R_ONION_DENIED;
	case POL_R_CLEARNET_DISABLED:	return GW_OB_R_CLEARNET_DENIED;
	case POL_R_BAD_NAME:		return GW_OB_R_BAD_DEST;
	default:			return GW_OB_R_POLICY;
	}
}

int
ob_router_decide(struct ob_router *r, const char *host, uint16_t port,
    uint64_t now_ms, struct ob_route *rt, struct ob_dest_ref *ref)
{
	struct pol_peer		 p;
	struct pol_verdict	 v;
	struct pol_limit_result	 lr;
	char			 name[POL_NAME_MAX + 8];
	int			 n;

	memset(rt, 0, sizeof(*rt));
	memset(ref, 0, sizeof(*ref));
	n = snprintf(name, sizeof(name), strchr(host, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", host, (unsigned)port);
	if (n < 0 || (size_t)n >= sizeof(name))
		return GW_OB_R_BAD_DEST;
	if (pol_peer_parse(name, (size_t)n, &p) != 0) {
		/* Unparseable .onion spellings ("x.onion.") are refused as
		 * onions, never looked up. */
		return ob_route_is_onion_name(host) ? GW_OB_R_BAD_ONION :
		    GW_OB_R_BAD_DEST;
	}
	if (p.cls == POL_CLASS_ONION_INVALID)
		return GW_OB_R_BAD_ONION;
	pol_check(r->rules, &p, POL_DIR_OUTBOUND, &v);
	if (v.decision != POL_ALLOW)
		return reason_from_pol(v.reason);
	if (p.cls == POL_CLASS_ONION)
		rt->route = GW_OB_ROUTE_ONION;
	else if (ob_route_is_onion_name(host))
		return GW_OB_R_BAD_ONION;	/* cannot happen: belt and braces */
	else if (r->clearnet == GW_OB_CLEARNET_DENY)
		return GW_OB_R_CLEARNET_DENIED;
	else if (r->clearnet == GW_OB_CLEARNET_TOR)
		rt->route = GW_OB_ROUTE_CLEARNET_TOR;
	else
		rt->route = GW_OB_ROUTE_CLEARNET_DIRECT;
	n = snprintf(rt->iso_name, sizeof(rt->iso_name), "%s:%u", p.key,
	    (unsigned)port);
	if (n < 0 || (size_t)n >= sizeof(rt->iso_name))
		return GW_OB_R_BAD_DEST;
	if ((ref->key = malloc(p.key_len + 1)) == NULL)
		return GW_OB_R_INTERNAL;
	LIM_LOCK(r);
	switch (pol_limit_check(r->lim, p.key, p.key_len, POL_DIR_OUTBOUND,
	    v.rate, now_ms, &lr)) {
	case POL_LIMIT_PASS:
		break;
	case POL_LIMIT_DELAY:
		rt->delay_ms = lr.delay_ms;
		break;
	default:
		LIM_UNLOCK(r);
		free(ref->key);
		ref->key = NULL;
		return lr.why == POL_WHY_CONCURRENCY ? GW_OB_R_CONCURRENCY :
		    GW_OB_R_RATE;
	}
	if (pol_conc_acquire(r->lim, p.key, p.key_len, POL_DIR_OUTBOUND,
	    v.rate, now_ms, &lr) != POL_LIMIT_PASS) {
		LIM_UNLOCK(r);
		free(ref->key);
		ref->key = NULL;
		return GW_OB_R_CONCURRENCY;
	}
	LIM_UNLOCK(r);
	memcpy(ref->key, p.key, p.key_len + 1);
	ref->len = p.key_len;
	return GW_OB_R_OK;
}

int
ob_router_iso_name(const char *host, uint16_t port, char *out, size_t outsz)
{
	struct pol_peer	 p;
	char		 name[POL_NAME_MAX + 8];
	int		 n;

	n = snprintf(name, sizeof(name), strchr(host, ':') != NULL ?
	    "[%s]:%u" : "%s:%u", host, (unsigned)port);
	if (n < 0 || (size_t)n >= sizeof(name) ||
	    pol_peer_parse(name, (size_t)n, &p) != 0)
		return -1;
	n = snprintf(out, outsz, "%s:%u", p.key, (unsigned)port);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

void
ob_router_release(struct ob_router *r, struct ob_dest_ref *ref,
    uint64_t now_ms)
{
	if (r == NULL || ref == NULL || ref->key == NULL)
		return;
	LIM_LOCK(r);
	(void)pol_conc_release(r->lim, ref->key, ref->len, POL_DIR_OUTBOUND,
	    now_ms);
	LIM_UNLOCK(r);
	free(ref->key);
	ref->key = NULL;
	ref->len = 0;
}

int
ob_router_addr_ok(const struct ob_router *r, const struct sockaddr *sa)
{
	if (r->allow_private)
		return 1;
	if (sa->sa_family == AF_INET)
		return pol_ip_special(4, (const uint8_t *)
		    &((const struct sockaddr_in *)sa)->sin_addr) == 0;
	if (sa->sa_family == AF_INET6)
		return pol_ip_special(6, ((const struct sockaddr_in6 *)sa)->
		    sin6_addr.s6_addr) == 0;
	return 0;
}
