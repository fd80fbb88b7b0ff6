/*
 * fuzz_servername.c - arbitrary bytes -> server-name parser, classifier,
 * rules, onion decoder and limiter. Checks invariants, not just crashes:
 * a parsed name re-parses to itself, an onion key decodes, an ONION_INVALID
 * or private peer is never allowed by these rules.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct pol_rules		*rules;
static struct pol_limiter	*lim;
static uint64_t			 now;

static void
init(void)
{
	static const char *const allow[] = { "*.friends.example",
	    "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion",
	    "m?trix.*", "::1" };
	static const char *const deny[] = { "*.spam.example", "evil.org",
	    "*bad*" };
	struct pol_settings	s;
	struct pol_limiter_cfg	c;

	memset(&s, 0, sizeof(s));
	s.allow_onion_peers = 1;
	s.allow_clearnet_peers = 1;
	s.allow = allow;
	s.nallow = sizeof(allow) / sizeof(allow[0]);
	s.deny = deny;
	s.ndeny = sizeof(deny) / sizeof(deny[0]);
	if (pol_rules_new(&s, &rules, NULL, 0) != 0)
		abort();
	pol_limiter_cfg_default(&c);
	c.capacity = 1024;
	memset(c.hash_key, 7, sizeof(c.hash_key));
	if (pol_limiter_new(&c, &lim) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_peer		 p, q;
	struct pol_verdict	 v;
	struct pol_limit_result	 lr;
	uint8_t			 key[32];
	char			 enc[POL_ONION_ADDR_LEN + 1];
	const char		*s = (const char *)data;
	int			 r;

	if (rules == NULL)
		init();
	(void)pol_onion_decode(s, size, key);
	r = pol_check_str(rules, s, size, (enum pol_dir)(size & 1), &p, &v);
	if (r != 0) {
		if (v.decision != POL_DENY)
			abort();
		return 0;
	}
	/* The canonical key is itself a valid name with the same key. */
	if (pol_peer_parse(p.key, p.key_len, &q) != 0 ||
	    strcmp(q.key, p.key) != 0 || q.cls != p.cls)
		abort();
	if (v.decision == POL_ALLOW &&
	    (p.cls == POL_CLASS_ONION_INVALID || p.special != 0))
		abort();
	if (p.cls == POL_CLASS_ONION) {
		if (pol_onion_decode(p.key, p.key_len, key) != 0 ||
		    memcmp(key, p.pubkey, 32) != 0 ||
		    pol_onion_encode(key, enc) != 0 || strcmp(enc, p.key) != 0)
			abort();
	}
	(void)pol_limit_check(lim, p.key, p.key_len, POL_DIR_INBOUND, v.rate,
	    now++, &lr);
	if (pol_conc_acquire(lim, p.key, p.key_len, POL_DIR_OUTBOUND, NULL,
	    now, NULL) == POL_LIMIT_PASS &&
	    pol_conc_release(lim, p.key, p.key_len, POL_DIR_OUTBOUND, now) != 0)
		abort();
	return 0;
}
