/*
 * gw_policy.c - policy/ objects from the config (see gw_policy.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_policy.h"
#include "policy/policy.h"
#include "policy/policy_limits.h"

#define GW_POLICY_MAX_DELAY_MS	10000u	/* longest hold before a 429 */

struct gw_policy {
	struct pol_rules	*rules;		/* current */
	struct pol_rules	**old;		/* earlier reloads' */
	size_t			 nold;
	struct pol_limiter	*lim;
	pthread_mutex_t		 lock;		/* the limiter's: inbound
						 * workers, outbound, admin */
	struct gw_rate		 admission;	/* what the limiter was made
						 * with (restart to change) */
};

void
gw_policy_rate(const struct gw_rate *in, struct pol_rate *out)
{
	memset(out, 0, sizeof(*out));
	if (in->per_sec <= 0) {
		/* "none": as fast as policy/ can count. */
		out->per_sec = POL_RATE_MAX_PER_SEC;
		out->burst = POL_BURST_MAX;
	} else {
		out->per_sec = in->per_sec < POL_RATE_MIN_PER_SEC ?
		    POL_RATE_MIN_PER_SEC : in->per_sec > POL_RATE_MAX_PER_SEC ?
		    POL_RATE_MAX_PER_SEC : in->per_sec;
		out->burst = in->burst == 0 ? 1 : in->burst > POL_BURST_MAX ?
		    POL_BURST_MAX : in->burst;
	}
	/* rc_federation's shape: as many again are delayed as pass at once,
	 * then 429. */
	out->delay_burst = out->burst;
	out->max_delay_ms = GW_POLICY_MAX_DELAY_MS;
	out->max_concurrent = in->max_concurrent > POL_CONC_MAX ?
	    POL_CONC_MAX : in->max_concurrent;
}

/* One override per [peer] section, both directions filled (a section that
 * sets one direction keeps the default for the other), then "*" with the
 * defaults. */
static int
rules_build(const struct gw_config *cfg, struct pol_rules **out,
    char *errbuf, size_t errlen)
{
	struct pol_settings	 s;
	struct pol_override	*ov;
	struct pol_rate		 din, dout;
	size_t			 i, n = cfg->n_peers + 1;
	int			 e;

	if ((ov = calloc(n, sizeof(*ov))) == NULL)
		return GW_POLICY_ERR_NOMEM;
	gw_policy_rate(&cfg->inbound_rate, &din);
	gw_policy_rate(&cfg->outbound_tunnels, &dout);
	for (i = 0; i < cfg->n_peers; i++) {
		const struct gw_peer_override *po = &cfg->peers[i];

		ov[i].pattern = po->name;
		if (po->has_inbound_rate)
			gw_policy_rate(&po->inbound_rate,
			    &ov[i].rate[POL_DIR_INBOUND]);
		else
			ov[i].rate[POL_DIR_INBOUND] = din;
		if (po->has_outbound_tunnels)
			gw_policy_rate(&po->outbound_tunnels,
			    &ov[i].rate[POL_DIR_OUTBOUND]);
		else
			ov[i].rate[POL_DIR_OUTBOUND] = dout;
	}
	ov[i].pattern = "*";
	ov[i].rate[POL_DIR_INBOUND] = din;
	ov[i].rate[POL_DIR_OUTBOUND] = dout;

	memset(&s, 0, sizeof(s));
	s.allow_onion_peers = cfg->allow_onion_peers;
	s.allow_clearnet_peers = cfg->allow_clearnet_peers;
	s.allow_private_addresses = cfg->allow_private_addresses;
	s.allow = (const char *const *)cfg->allow;
	s.nallow = cfg->n_allow;
	s.deny = (const char *const *)cfg->deny;
	s.ndeny = cfg->n_deny;
	s.overrides = ov;
	s.noverrides = n;
	e = pol_rules_new(&s, out, errbuf, errlen);
	free(ov);
	if (e == 0)
		return 0;
	return e == POL_ERR_NOMEM ? GW_POLICY_ERR_NOMEM : GW_POLICY_ERR_CONF;
}

int
gw_policy_new(const struct gw_config *cfg, struct gw_policy **out,
    char *errbuf, size_t errlen)
{
	struct gw_policy	*p;
	struct pol_limiter_cfg	 lc;
	int			 e;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return GW_POLICY_ERR_NOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	if ((e = rules_build(cfg, &p->rules, errbuf, errlen)) != 0)
		goto fail;
	pol_limiter_cfg_default(&lc);
	gw_policy_rate(&cfg->inbound_rate, &lc.rate[POL_DIR_INBOUND]);
	gw_policy_rate(&cfg->outbound_tunnels, &lc.rate[POL_DIR_OUTBOUND]);
	gw_policy_rate(&cfg->new_peer_rate, &lc.admission[POL_DIR_INBOUND]);
	lc.admission[POL_DIR_OUTBOUND] = lc.admission[POL_DIR_INBOUND];
	p->admission = cfg->new_peer_rate;
	if ((e = pol_limiter_new(&lc, &p->lim)) != 0) {
		snprintf(errbuf, errlen, "limiter: %s", pol_strerror(e));
		e = e == POL_ERR_NOMEM ? GW_POLICY_ERR_NOMEM :
		    GW_POLICY_ERR_CONF;
		goto fail;
	}
	*out = p;
	return 0;
 fail:
	gw_policy_free(p);
	return e;
}

int
gw_policy_reconfigure(struct gw_policy *p, const struct gw_config *cfg,
    int *restart_needed, char *errbuf, size_t errlen)
{
	struct pol_rules	*nr, **no;
	int			 e;

	if (restart_needed != NULL)
		*restart_needed = memcmp(&p->admission, &cfg->new_peer_rate,
		    sizeof(p->admission)) != 0;
	if ((e = rules_build(cfg, &nr, errbuf, errlen)) != 0)
		return e;
	if ((no = realloc(p->old, (p->nold + 1) * sizeof(*no))) == NULL) {
		pol_rules_free(nr);
		snprintf(errbuf, errlen, "out of memory");
		return GW_POLICY_ERR_NOMEM;
	}
	p->old = no;
	p->old[p->nold++] = p->rules;
	p->rules = nr;
	return 0;
}

const struct pol_rules *
gw_policy_rules(const struct gw_policy *p)
{
	return p->rules;
}

struct pol_limiter *
gw_policy_limiter(const struct gw_policy *p)
{
	return p->lim;
}

pthread_mutex_t *
gw_policy_limiter_lock(struct gw_policy *p)
{
	return &p->lock;
}

void
gw_policy_free(struct gw_policy *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nold; i++)
		pol_rules_free(p->old[i]);
	free(p->old);
	pol_rules_free(p->rules);
	pol_limiter_free(p->lim);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

const char *
gw_policy_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case GW_POLICY_ERR_NOMEM:
		return "out of memory";
	case GW_POLICY_ERR_CONF:
		return "policy settings refused";
	default:
		return "unknown error";
	}
}
