/*
 * gw_policy.h - the daemon's policy objects, built from the config: the
 * rules (allow/deny lists, peer classes, per-peer rate overrides) and one
 * limiter that inbound and outbound share (directions are separate keys).
 * Owns: the current rules, the rules of earlier reloads (kept until exit,
 * so a pointer an area read before a reload never dangles), the limiter.
 * Never: does I/O. Rules are read from any thread (never changed once
 * built); the limiter only under gw_policy_limiter_lock().
 *
 * The configured default rates are carried in the rules as a last "*"
 * override, not only in the limiter, so a reload changes them for every
 * peer without rebuilding the limiter (which would forget every peer's
 * history and buckets). Only new_peer_rate (the admission budget) and the
 * table size need a restart.
 */
#ifndef GW_GATEWAYD_GW_POLICY_H
#define GW_GATEWAYD_GW_POLICY_H

#include <pthread.h>
#include <stddef.h>

struct gw_config;
struct gw_policy;			/* opaque */
struct pol_rules;
struct pol_limiter;
struct pol_rate;
struct gw_rate;

enum gw_policy_err {
	GW_POLICY_ERR_NOMEM	= -1,
	GW_POLICY_ERR_CONF	= -2,	/* a list entry or rate policy/ refuses
					 * (errbuf names it) */
};

/* Build rules and limiter from 'cfg'. Return 0 and set *out, or a negative
 * enum gw_policy_err with a one-line reason in errbuf. */
int		 gw_policy_new(const struct gw_config *cfg,
		    struct gw_policy **out, char *errbuf, size_t errlen);

/* Build new rules from 'cfg' and make them current; the old ones stay
 * allocated until gw_policy_free(). Return 0, or a negative enum
 * gw_policy_err (the current rules stay). Sets *restart_needed (if not
 * NULL) to 1 when a setting that only takes effect at start changed. */
int		 gw_policy_reconfigure(struct gw_policy *p,
		    const struct gw_config *cfg, int *restart_needed,
		    char *errbuf, size_t errlen);

/* The current rules (valid until gw_policy_free()) and the limiter. */
const struct pol_rules *gw_policy_rules(const struct gw_policy *p);
struct pol_limiter *gw_policy_limiter(const struct gw_policy *p);

/* The limiter's lock: policy/ is not thread-safe, and the inbound workers
 * (threads) share the limiter with the outbound and admin areas (the main
 * loop). Everyone holds it around each pol_limit_* / pol_conc_* /
 * pol_limiter_* call, briefly (no I/O under it). */
pthread_mutex_t	*gw_policy_limiter_lock(struct gw_policy *p);

/* Convert a config rate to policy/'s shape (the delay region as large as
 * the bucket, at most 10 s of delay; "none" becomes the largest rate
 * policy/ accepts). */
void		 gw_policy_rate(const struct gw_rate *in, struct pol_rate *out);

/* NULL is a no-op. */
void		 gw_policy_free(struct gw_policy *p);

const char	*gw_policy_strerror(int err);

#endif /* GW_GATEWAYD_GW_POLICY_H */
