/*
 * policy_limits.h - every bound of the policy library, with its reason.
 * Owns: constants only.
 * Never: depends on anything but <stdint.h>.
 */
#ifndef GW_POLICY_POLICY_LIMITS_H
#define GW_POLICY_POLICY_LIMITS_H

#include <stdint.h>

/* Matrix spec appendix "Server Name": dns-name = 1*255dns-char, so a host
 * is at most 255 bytes. An IPv6 literal is at most 45 chars + brackets. */
#define POL_HOST_MAX		255
/* A whole server name: host + ":" + 5 port digits. Longer input is refused
 * before any byte of it is looked at (POL_ERR_TOO_LONG). */
#define POL_NAME_MAX		(POL_HOST_MAX + 6)
/* RFC 1035: a label is at most 63 bytes. */
#define POL_LABEL_MAX		63
/* IPv6address = 2*45IPv6char (spec grammar). */
#define POL_IPV6_TEXT_MAX	45

/* rend-spec-v3 [ONIONADDRESS]: base32(pubkey(32) | checksum(2) | version(1))
 * = 35 bytes = 56 base32 characters, then ".onion". */
#define POL_ONION_PUBKEY_LEN	32
#define POL_ONION_B32_LEN	56
#define POL_ONION_ADDR_LEN	(POL_ONION_B32_LEN + 6)	/* + ".onion" */
#define POL_ONION_V2_B32_LEN	16	/* legacy v2: always refused */

/* Canonical peer key: a host (255) or "[" IPv6 "]" (47); never a port. */
#define POL_KEY_MAX		POL_HOST_MAX

/* Rules: bounded so a config cannot make every check slow. Exact names and
 * "*.suffix" patterns are hashed (O(labels) per check); other globs are
 * tried one by one, so they are capped lower. */
#define POL_RULES_MAX_PATTERNS	4096	/* per list (allow, deny) */
#define POL_RULES_MAX_GLOBS	64	/* per list: patterns needing a scan */
#define POL_RULES_MAX_OVERRIDES	4096
#define POL_PATTERN_MAX		POL_HOST_MAX

/* Limiter table. 100,000 peers is the default (issue #3); at ~48 bytes a
 * peer that is ~5 MB. The maximum keeps indices in 32 bits with room for a
 * "none" value and the whole table under ~1 GB. */
#define POL_LIMITER_DEFAULT_CAPACITY	100000u
#define POL_LIMITER_MIN_CAPACITY	16u
#define POL_LIMITER_MAX_CAPACITY	(1u << 24)
/* Share of the table new (probation) peers may occupy by default, as a
 * divisor: capacity / 4. The rest is kept for peers with a history, which
 * a flood of fresh names can therefore never evict. */
#define POL_LIMITER_PROBATION_DIV	4u
/* How many of the least recently used idle entries an eviction looks at to
 * find a full bucket before taking the oldest one: bounded, so O(1). */
#define POL_EVICT_SCAN		8
/* Bounds on one answer: a delay is never longer than this whatever the
 * settings say (the caller holds the request that long), and retry_after
 * is clamped to the other. */
#define POL_DELAY_MAX_MS	60000u
#define POL_RETRY_MAX_MS	3600000u
/* retry_after_ms suggested when the concurrency cap or a full table refuses
 * (there is no bucket arithmetic to derive it from). */
#define POL_CONC_RETRY_MS	1000u
/* Largest now_ms the limiter believes (~126 years of uptime): keeps
 * microsecond arithmetic far from overflow and first-seen seconds in 32
 * bits. Larger values are clamped to it. */
#define POL_CLOCK_MAX_MS	(UINT64_C(4000000000) * 1000)
/* Bytes of a peer's name the limiter keeps by default for
 * pol_limiter_walk() (admin /peers): a v3 onion name is 62, most Matrix
 * server names are shorter; ~66 bytes more per entry. */
#define POL_LIMITER_NAME_DEFAULT	64u
/* Sanity bounds on settings (pol_rate_valid). */
#define POL_RATE_MAX_PER_SEC	1000000.0
#define POL_RATE_MIN_PER_SEC	0.001
#define POL_BURST_MAX		1000000u
#define POL_CONC_MAX		1000000u

#endif /* GW_POLICY_POLICY_LIMITS_H */
