/*
 * bench_policy.c - micro-benchmark of the policy library: names parsed and
 * classified per second, rule checks per second, limiter checks per
 * second (100,000 tracked peers, and a churn of fresh names), and bytes
 * per tracked peer. Usage: bench_policy [seconds-per-case] (default 1).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"

#define NNAMES	4096

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char	names[NNAMES][80];
static size_t	lens[NNAMES];

static void
make_names(void)
{
	static const uint8_t	base[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	uint8_t			pk[32];
	char			onion[POL_ONION_ADDR_LEN + 1];
	int			i;

	for (i = 0; i < NNAMES; i++) {
		switch (i % 4) {
		case 0:
			snprintf(names[i], sizeof(names[i]),
			    "matrix%d.example.org:8448", i);
			break;
		case 1:
			memcpy(pk, base, sizeof(pk));
			pk[31] = (uint8_t)i;
			pk[30] = (uint8_t)(i >> 8);
			if (pol_onion_encode(pk, onion) != 0)
				exit(1);
			snprintf(names[i], sizeof(names[i]), "%s", onion);
			break;
		case 2:
			snprintf(names[i], sizeof(names[i]), "93.184.%d.%d",
			    (i >> 8) & 255, i & 255);
			break;
		default:
			snprintf(names[i], sizeof(names[i]),
			    "[2001:db8::%x]:8448", i);
			break;
		}
		lens[i] = strlen(names[i]);
	}
}

int
main(int argc, char **argv)
{
	static const char *const deny[] = { "*.spam.example", "evil.org" };
	static const char *const allow[] = { "*.friends.example" };
	double			 secs = argc > 1 ? atof(argv[1]) : 1.0;
	struct pol_settings	 s;
	struct pol_rules	*rules;
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*lim;
	struct pol_limiter_stats st;
	struct pol_peer		*peers;
	struct pol_verdict	 v;
	struct pol_limit_result	 lr;
	double			 t0, t;
	uint64_t		 n, sink = 0, ms;
	char			 key[64];
	int			 i, len;

	if (secs <= 0)
		secs = 1;
	make_names();
	if ((peers = calloc(NNAMES, sizeof(*peers))) == NULL)
		return 1;

	/* 1. parse + classify, 1/4 each: DNS, v3 onion, IPv4, IPv6. */
	t0 = now_s();
	for (n = 0; (t = now_s()) - t0 < secs;)
		for (i = 0; i < 1000; i++, n++) {
			if (pol_peer_parse(names[n % NNAMES],
			    lens[n % NNAMES], &peers[0]) != 0)
				return 1;
			sink += peers[0].cls;
		}
	printf("parse+classify (mixed): %.2f M names/s\n", n / (t - t0) / 1e6);
	t0 = now_s();
	for (n = 0; (t = now_s()) - t0 < secs;)
		for (i = 0; i < 1000; i++, n++) {
			int	k = (int)((n % (NNAMES / 4)) * 4 + 1);

			if (pol_peer_parse(names[k], lens[k], &peers[0]) != 0)
				return 1;
		}
	printf("parse+classify (v3 onion, SHA3 checksum): %.2f M names/s\n",
	    n / (t - t0) / 1e6);

	/* 2. rule checks on parsed peers. */
	for (i = 0; i < NNAMES; i++)
		if (pol_peer_parse(names[i], lens[i], &peers[i]) != 0)
			return 1;
	memset(&s, 0, sizeof(s));
	s.allow_onion_peers = 1;
	s.allow_clearnet_peers = 1;
	s.deny = deny;
	s.ndeny = 2;
	s.allow = allow;
	s.nallow = 1;
	if (pol_rules_new(&s, &rules, NULL, 0) != 0)
		return 1;
	t0 = now_s();
	for (n = 0; (t = now_s()) - t0 < secs;)
		for (i = 0; i < 1000; i++, n++) {
			pol_check(rules, &peers[n % NNAMES], POL_DIR_INBOUND,
			    &v);
			sink += v.decision;
		}
	printf("pol_check: %.2f M checks/s\n", n / (t - t0) / 1e6);

	/* 3. limiter with 100,000 established peers. */
	pol_limiter_cfg_default(&c);
	c.capacity = POL_LIMITER_DEFAULT_CAPACITY;
	c.rate[POL_DIR_INBOUND] = (struct pol_rate){ 1e6, 1000000, 0, 0, 0 };
	c.admission[POL_DIR_INBOUND] = c.rate[POL_DIR_INBOUND];
	if (pol_limiter_new(&c, &lim) != 0)
		return 1;
	ms = 1;
	for (i = 0; i < 75000; i++) {
		len = snprintf(key, sizeof(key), "peer%d.example.org", i);
		pol_limit_check(lim, key, (size_t)len, POL_DIR_INBOUND, NULL,
		    ms, &lr);
		if (pol_limit_promote(lim, key, (size_t)len, POL_DIR_INBOUND,
		    ms) != 0)
			return 1;
	}
	for (i = 75000; i < 100000; i++) {
		len = snprintf(key, sizeof(key), "peer%d.example.org", i);
		pol_limit_check(lim, key, (size_t)len, POL_DIR_INBOUND, NULL,
		    ms, &lr);
	}
	pol_limiter_stats(lim, &st);
	printf("limiter: %u entries tracked (%u with history) of %u\n",
	    st.tracked, st.established, st.capacity);
	t0 = now_s();
	for (n = 0; (t = now_s()) - t0 < secs;) {
		for (i = 0; i < 1000; i++, n++) {
			len = snprintf(key, sizeof(key), "peer%d.example.org",
			    (int)((n * 7919) % 100000));
			sink += pol_limit_check(lim, key, (size_t)len,
			    POL_DIR_INBOUND, NULL, ms, &lr);
		}
		ms++;
	}
	printf("pol_limit_check (100k tracked peers, incl. snprintf of the "
	    "key): %.2f M checks/s\n", n / (t - t0) / 1e6);

	/* 4. churn: every check a fresh name (evicts a probation entry). */
	t0 = now_s();
	for (n = 0; (t = now_s()) - t0 < secs;) {
		for (i = 0; i < 1000; i++, n++) {
			len = snprintf(key, sizeof(key), "fresh%llu.example",
			    (unsigned long long)n);
			sink += pol_limit_check(lim, key, (size_t)len,
			    POL_DIR_INBOUND, NULL, ms, &lr);
		}
		ms++;
	}
	pol_limiter_stats(lim, &st);
	printf("pol_limit_check (fresh name every time): %.2f M checks/s, "
	    "%llu evictions, still %u with history\n", n / (t - t0) / 1e6,
	    (unsigned long long)st.evictions, st.established);
	printf("memory: %zu bytes for %u entries = %.1f bytes per tracked "
	    "peer\n", st.bytes, st.capacity, (double)st.bytes / st.capacity);
	pol_limiter_free(lim);
	pol_rules_free(rules);
	free(peers);
	return sink == 0xdeadbeef;	/* keep the work */
}
