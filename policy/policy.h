/*
 * policy.h - who is this peer, may it pass, and is it over its limit?
 * Owns: Matrix server-name parsing, peer classes (v3 onion / invalid onion /
 * clearnet / IP literal), allow/deny rules, and a bounded per-peer limiter.
 * Never: does I/O, logs, reads a clock (time is a parameter), or blocks.
 * Depends on libc and libcrypto (SHA3-256 for onion checksums) only.
 *
 * Typical use (gateway):
 *	struct pol_peer p;
 *	struct pol_verdict v;
 *	struct pol_limit_result lr;
 *
 *	if (pol_peer_parse(name, len, &p) != 0) -> 400 "bad-name"
 *	pol_check(rules, &p, POL_DIR_INBOUND, &v);
 *	if (v.decision == POL_DENY) -> 403 M_FORBIDDEN, log v.reason_str
 *	pol_limit_check(lim, p.key, p.key_len, POL_DIR_INBOUND, v.rate,
 *	    now_ms, &lr);
 *	PASS: forward; DELAY: hold lr.delay_ms then forward (do not check
 *	again); REJECT: 429 M_LIMIT_EXCEEDED retry_after_ms=lr.retry_after_ms.
 *	pol_conc_acquire(...) before opening a tunnel / forwarding,
 *	pol_conc_release(...) exactly once when it ends.
 */
#ifndef GW_POLICY_POLICY_H
#define GW_POLICY_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "policy/policy_limits.h"

/* ---------------------------------------------------------------- errors */

enum pol_err {
	POL_OK			=  0,
	POL_ERR_NOMEM		= -1,
	POL_ERR_INVAL		= -2,	/* bad argument (NULL, bad setting) */
	POL_ERR_EMPTY		= -3,	/* empty name or empty host */
	POL_ERR_TOO_LONG	= -4,	/* name > POL_NAME_MAX or host > 255 */
	POL_ERR_BAD_CHAR	= -5,	/* byte outside the grammar (incl. NUL) */
	POL_ERR_BAD_LABEL	= -6,	/* empty label, label > 63, or a label
					 * starting/ending with '-' */
	POL_ERR_TRAILING_DOT	= -7,	/* "example.org." is refused */
	POL_ERR_BAD_IPV4	= -8,	/* dotted-quad out of range, leading
					 * zero, or a numeric-looking DNS name
					 * ("127.1", "0x7f.1") */
	POL_ERR_BAD_IPV6	= -9,	/* bad bracketed literal, zone id */
	POL_ERR_UNBRACKETED_IPV6 = -10,	/* "::1" or "1:2::3:8448" */
	POL_ERR_BAD_PORT	= -11,	/* empty, 0, > 65535, leading zero */
	/* Onion decoding (pol_onion_decode, pol_peer.onion_err). */
	POL_ERR_ONION_LENGTH	= -12,	/* not 56 base32 chars */
	POL_ERR_ONION_V2	= -13,	/* 16-char v2 name: obsolete */
	POL_ERR_ONION_BASE32	= -14,	/* char outside [a-z2-7] */
	POL_ERR_ONION_VERSION	= -15,	/* version byte != 3 */
	POL_ERR_ONION_CHECKSUM	= -16,	/* checksum mismatch */
	POL_ERR_CRYPTO		= -17,	/* libcrypto failed to hash */
	POL_ERR_BAD_PATTERN	= -18,	/* rule pattern not acceptable */
	POL_ERR_TOO_MANY	= -19,	/* a list exceeds policy_limits.h */
	POL_ERR_NOT_FOUND	= -20,	/* release of a peer not acquired */
};

/* Static English text for a POL_OK or POL_ERR_* value ("unknown error"
 * otherwise). Never NULL. */
const char	*pol_strerror(int err);

/* ----------------------------------------------------------- peer names */

enum pol_host_kind {
	POL_HOST_DNS	= 1,
	POL_HOST_IPV4	= 2,
	POL_HOST_IPV6	= 3,
};

/* A parsed server name (plain value type; fill with pol_name_parse). */
struct pol_name {
	enum pol_host_kind kind;
	uint16_t	port;		/* 0 = no port given */
	size_t		host_len;
	/* NUL-terminated host. DNS: lower-cased. IPv4: as given (it is
	 * canonical: no leading zeros are accepted). IPv6: RFC 5952 canonical
	 * text, lower-case, WITHOUT brackets. */
	char		host[POL_HOST_MAX + 1];
	/* IP literals: the address in network byte order (4 or 16 bytes). */
	uint8_t		addr[16];
};

/*
 * Parse 's' (exactly 'len' bytes, need not be NUL-terminated) as a Matrix
 * server name: hostname [ ":" port ], hostname = IPv4address /
 * "[" IPv6address "]" / dns-name (spec appendix "Server Name"), stricter
 * where the spec says "should":
 *  - DNS names: labels of [A-Za-z0-9-], 1-63 bytes, not starting or ending
 *    with '-'; host <= 255 bytes; lower-cased into out->host. A trailing dot
 *    is refused (POL_ERR_TRAILING_DOT): "example.org." would otherwise be a
 *    second spelling that slips past exact-name rules.
 *  - A name whose last label is all digits or "0x"+hex must be a strict
 *    dotted quad (four 0-255 parts, no leading zeros), so "127.1",
 *    "0x7f000001" or "010.0.0.1" (which inet_aton reads as addresses) are
 *    refused with POL_ERR_BAD_IPV4.
 *  - IPv6 only in brackets (RFC 4291 text, "::", embedded dotted quad; no
 *    zone id); an unbracketed one is POL_ERR_UNBRACKETED_IPV6.
 *  - port: 1-5 digits, 1..65535, no leading zero; out->port = 0 if absent.
 * Return 0 and fill *out, or a negative POL_ERR_* (then *out is undefined).
 */
int		 pol_name_parse(const char *s, size_t len, struct pol_name *out);

/* ------------------------------------------------------------ classes */

enum pol_class {
	POL_CLASS_ONION		= 1,	/* a valid v3 onion (or a subdomain) */
	POL_CLASS_ONION_INVALID	= 2,	/* ends in .onion but not a valid v3
					 * onion: always refused, never routed */
	POL_CLASS_CLEARNET	= 3,	/* any other DNS name */
	POL_CLASS_IP		= 4,	/* IPv4 or IPv6 literal */
};

/* Why an address or DNS name is "special" (bit mask; 0 = global). */
enum pol_special {
	POL_SP_UNSPECIFIED	= 1 << 0,	/* 0.0.0.0/8, :: */
	POL_SP_LOOPBACK		= 1 << 1,	/* 127/8, ::1 */
	POL_SP_PRIVATE		= 1 << 2,	/* 10/8, 172.16/12, 192.168/16 */
	POL_SP_CGNAT		= 1 << 3,	/* 100.64/10 */
	POL_SP_LINKLOCAL	= 1 << 4,	/* 169.254/16, fe80::/10 */
	POL_SP_MULTICAST	= 1 << 5,	/* 224/4, ff00::/8 */
	POL_SP_BROADCAST	= 1 << 6,	/* 255.255.255.255 */
	POL_SP_DOCUMENTATION	= 1 << 7,	/* 192.0.2/24, 198.51.100/24,
						 * 203.0.113/24, 2001:db8::/32,
						 * 3fff::/20 */
	POL_SP_BENCHMARK	= 1 << 8,	/* 198.18/15, 2001:2::/48 */
	POL_SP_RESERVED		= 1 << 9,	/* 240/4, 192.0.0/24, 192.88.99/24,
						 * ::/96 (v4-compatible),
						 * 100::/64, 2001::/23 (IETF),
						 * fec0::/10 (site-local) */
	POL_SP_ULA		= 1 << 10,	/* fc00::/7 */
	POL_SP_V4MAPPED		= 1 << 11,	/* ::ffff:0:0/96 (the embedded
						 * IPv4's bits are OR-ed in) */
	POL_SP_TRANSLATED	= 1 << 12,	/* 64:ff9b::/96, 64:ff9b:1::/48,
						 * 2002::/16 (6to4), 2001::/32
						 * (Teredo): embed an IPv4 */
	POL_SP_LOCAL_NAME	= 1 << 13,	/* DNS: localhost, *.localhost,
						 * *.local, *.internal,
						 * *.home.arpa, *.invalid */
	POL_SP_TOR_NAME		= 1 << 14,	/* DNS: *.exit, *.noconnect (tor
						 * special names) */
};

/* A classified peer (plain value type; pol_peer_parse fills it). */
struct pol_peer {
	struct pol_name	 name;
	enum pol_class	 cls;
	unsigned	 special;	/* enum pol_special bits; 0 = none */
	int		 onion_err;	/* ONION_INVALID: POL_ERR_ONION_*; else 0 */
	/*
	 * Canonical identity used for rules and limits, NUL-terminated, no
	 * port: ONION -> "<56 chars>.onion" (subdomains mapped to it);
	 * ONION_INVALID and CLEARNET -> lower-case host; IPv4 -> dotted quad;
	 * IPv6 -> "[" RFC 5952 "]".
	 */
	char		 key[POL_KEY_MAX + 1];
	size_t		 key_len;
	uint8_t		 pubkey[POL_ONION_PUBKEY_LEN];	/* ONION only */
};

/*
 * Classify a parsed name into *out (out->name gets a copy of *n). Any DNS
 * name whose last label is "onion" is ONION or ONION_INVALID, never
 * CLEARNET. For ONION, out->key is the 56-character address + ".onion" and
 * out->pubkey its ed25519 key. Return 0, or POL_ERR_CRYPTO if libcrypto
 * could not hash (then nothing may be routed: treat as refused).
 */
int		 pol_classify(const struct pol_name *n, struct pol_peer *out);

/* pol_name_parse + pol_classify in one call. Return 0 or a POL_ERR_*. */
int		 pol_peer_parse(const char *s, size_t len, struct pol_peer *out);

/*
 * Check a v3 onion address: 's'/'len' is the 56 base32 characters, with or
 * without ".onion" (no subdomain, either case). Verify length, alphabet,
 * version 3 and the checksum (first two bytes of SHA3-256(".onion checksum"
 * | pubkey | 0x03)). Return 0 and store the ed25519 public key in 'pubkey'
 * (may be NULL), or a negative POL_ERR_ONION_* / POL_ERR_CRYPTO.
 */
int		 pol_onion_decode(const char *s, size_t len,
		    uint8_t pubkey[POL_ONION_PUBKEY_LEN]);

/* Write the v3 address of 'pubkey' ("<56 lower-case chars>.onion", NUL-
 * terminated) into 'out'. Return 0 or POL_ERR_CRYPTO. */
int		 pol_onion_encode(const uint8_t pubkey[POL_ONION_PUBKEY_LEN],
		    char out[POL_ONION_ADDR_LEN + 1]);

/* enum pol_special bits for an address in network byte order: 'family' is
 * 4 (4 bytes) or 6 (16 bytes); anything else returns POL_SP_RESERVED. Use
 * it on every address a clearnet name resolves to before connecting. */
unsigned	 pol_ip_special(int family, const uint8_t *addr);

/* ------------------------------------------------------------- limits */

enum pol_dir {
	POL_DIR_INBOUND		= 0,	/* requests from an origin */
	POL_DIR_OUTBOUND	= 1,	/* tunnels to a destination */
};
#define POL_NDIR	2

/*
 * Rate settings, plain numbers (the config loader parses the text). The
 * shape is Synapse's rc_federation, expressed as a token bucket:
 *  - per_sec: sustained rate (> 0); one request costs one token.
 *  - burst: bucket size: this many requests pass at once from full
 *    (rc_federation's sleep_limit per window).
 *  - delay_burst: beyond the bucket, up to this many further requests pass
 *    late, each held until its token would have arrived (the "sleep"
 *    region); more than that are rejected (reject_limit = burst +
 *    delay_burst). 0 = reject as soon as the bucket is empty.
 *  - max_delay_ms: no single delay longer than this (<= POL_DELAY_MAX_MS);
 *    a request that would need longer is rejected instead.
 *  - max_concurrent: open tunnels / in-flight requests per peer at once;
 *    0 = unlimited.
 * DESIGN.md's config: "inbound_rate = 20/s burst 200" is rate[INBOUND] =
 * { 20, 200, ... }; "outbound_tunnels = 10/s burst 50, max 64" is
 * rate[OUTBOUND] = { 10, 50, ..., .max_concurrent = 64 }.
 */
struct pol_rate {
	double		per_sec;
	uint32_t	burst;
	uint32_t	delay_burst;
	uint32_t	max_delay_ms;
	uint32_t	max_concurrent;	/* 0 = unlimited */
};

/* Return 0 if *r is usable (per_sec within [POL_RATE_MIN_PER_SEC,
 * POL_RATE_MAX_PER_SEC], 1 <= burst <= POL_BURST_MAX, delay_burst <=
 * POL_BURST_MAX, max_delay_ms <= POL_DELAY_MAX_MS, max_concurrent <=
 * POL_CONC_MAX), else POL_ERR_INVAL. */
int		 pol_rate_valid(const struct pol_rate *r);

struct pol_limiter_cfg {
	uint32_t	capacity;	/* entries (peer, direction); 0 = default
					 * POL_LIMITER_DEFAULT_CAPACITY */
	uint32_t	probation_max;	/* entries for peers without history;
					 * 0 = capacity / 4 */
	struct pol_rate	rate[POL_NDIR];	/* defaults per direction */
	/* Shared admission budget per direction: every request from a peer
	 * without history (untracked or on probation) also takes a token
	 * here. Only burst/per_sec/delay_burst/max_delay_ms are used. */
	struct pol_rate	admission[POL_NDIR];
	/* A probation peer gains history (and stops drawing from the
	 * admission budget) after history_passes passed requests spread over
	 * at least history_ms (1 s granularity), or when the caller calls
	 * pol_limit_promote(). */
	uint32_t	history_passes;	/* 0 = only pol_limit_promote() */
	uint32_t	history_ms;
	/* Key for the keyed hash (SipHash-2-4) of peer names, so nobody can
	 * aim names at one hash chain. All zero: taken from RAND_bytes(). */
	uint8_t		hash_key[16];
	/* Keep up to this many bytes of each tracked peer's key (its name)
	 * for pol_limiter_walk(): capacity * (name_max + 2) bytes allocated
	 * once. 0 = keep no names (the walk reports none). At most
	 * POL_KEY_MAX; longer names are cut and marked truncated. */
	uint32_t	name_max;
};

/* Fill *cfg with defaults: capacity 100,000; inbound 20/s burst 200 (the
 * DESIGN.md example), delay_burst 200, max_delay 10 s, 64 concurrent;
 * outbound 10/s burst 50, delay_burst 50, max_delay 10 s, max 64 tunnels;
 * admission 50/s burst 500 each way; history after 16 passes over 60 s;
 * names kept up to POL_LIMITER_NAME_DEFAULT bytes. */
void		 pol_limiter_cfg_default(struct pol_limiter_cfg *cfg);

/*
 * The limiter. Entries are keyed by SipHash-2-4(peer key) (64 bits) and
 * direction: two names whose hashes collide would share an entry (odds
 * about n^2 / 2^65: ~3e-10 for 100,000 peers). Eviction rule:
 *  - an entry holding a concurrency slot (busy) is never evicted;
 *  - a new peer takes a free entry while fewer than probation_max peers
 *    are on probation; otherwise it replaces an idle probation entry: the
 *    first whose bucket is full among the POL_EVICT_SCAN least recently
 *    used, else the least recently used; if every probation entry is busy
 *    the peer stays untracked (admission budget only, no slot);
 *  - a peer gaining history moves to the established part (capacity -
 *    probation_max entries); when that is full it replaces an idle
 *    established entry chosen the same way, and stays on probation if all
 *    are busy.
 * So a flood of fresh names only recycles the probation part and never
 * evicts a peer with history. Not thread-safe: one event loop owns it.
 */
struct pol_limiter;	/* opaque */

/*
 * Create a limiter; all of its memory is allocated here, once (capacity
 * entries + a hash index), and never grows. Return 0 and set *out, or
 * POL_ERR_INVAL (bad cfg) / POL_ERR_NOMEM / POL_ERR_CRYPTO (no hash key).
 */
int		 pol_limiter_new(const struct pol_limiter_cfg *cfg,
		    struct pol_limiter **out);
/* Free; NULL is a no-op. */
void		 pol_limiter_free(struct pol_limiter *lim);

enum pol_limit_action {
	POL_LIMIT_PASS		= 0,	/* go now */
	POL_LIMIT_DELAY		= 1,	/* go after delay_ms (already counted) */
	POL_LIMIT_REJECT	= 2,	/* 429, retry_after_ms */
};

enum pol_limit_why {
	POL_WHY_NONE		= 0,
	POL_WHY_PEER_RATE	= 1,	/* the peer's own bucket */
	POL_WHY_ADMISSION	= 2,	/* the shared budget for new peers */
	POL_WHY_CONCURRENCY	= 3,	/* max_concurrent reached */
	POL_WHY_TABLE_FULL	= 4,	/* no entry could be made (every
					 * probation entry is busy) */
};

struct pol_limit_result {
	enum pol_limit_action action;
	enum pol_limit_why why;		/* what delayed or rejected it */
	uint32_t	delay_ms;	/* DELAY: hold this long (>= 1) */
	uint32_t	retry_after_ms;	/* REJECT: earliest useful retry */
	int		tracked;	/* 1 if the peer has an entry now */
	int		established;	/* 1 if the peer has history */
};

/*
 * Count one request (inbound) or one new tunnel (outbound) from/to 'peer'
 * (the canonical key, pol_peer.key; 'len' bytes) at 'now_ms' (the caller's
 * monotonic clock in ms; a value below the largest seen so far is treated
 * as that largest value, so a clock going backwards never refills or
 * drains a bucket). 'rate' is the override from pol_verdict.rate, or NULL
 * for the limiter's default for 'dir'.
 * A peer without history also draws from the admission budget; a request
 * is delayed by the longer of the two waits and rejected if either rejects
 * (a rejected request consumes nothing). A peer is given an entry only
 * when a request of it is admitted.
 * O(1): one hash lookup, at most POL_EVICT_SCAN entries looked at.
 * Return the action (also in res->action); res must not be NULL.
 */
enum pol_limit_action pol_limit_check(struct pol_limiter *lim,
		    const char *peer, size_t len, enum pol_dir dir,
		    const struct pol_rate *rate, uint64_t now_ms,
		    struct pol_limit_result *res);

/*
 * Take one concurrency slot for 'peer' in 'dir' (limit rate->max_concurrent
 * or the default's). Call it only for a request pol_limit_check() let
 * through: it does not draw from the admission budget, and gives an
 * untracked peer an entry. Return POL_LIMIT_PASS (then call
 * pol_conc_release() exactly once later) or POL_LIMIT_REJECT (why
 * CONCURRENCY or TABLE_FULL; nothing to release). A peer holding a slot is
 * "busy": its entry is never evicted. 'res' may be NULL.
 */
enum pol_limit_action pol_conc_acquire(struct pol_limiter *lim,
		    const char *peer, size_t len, enum pol_dir dir,
		    const struct pol_rate *rate, uint64_t now_ms,
		    struct pol_limit_result *res);
/* Give back one slot taken by pol_conc_acquire(). Return 0, or
 * POL_ERR_NOT_FOUND if 'peer' holds none in 'dir' (a caller bug). */
int		 pol_conc_release(struct pol_limiter *lim, const char *peer,
		    size_t len, enum pol_dir dir, uint64_t now_ms);

/* Give 'peer' history now (e.g. its X-Matrix signature checked out), so it
 * stops drawing from the admission budget. Return 0, POL_ERR_NOT_FOUND if
 * it has no entry, or POL_ERR_TOO_MANY if the history part of the table is
 * full of busy peers (it stays on probation). */
int		 pol_limit_promote(struct pol_limiter *lim, const char *peer,
		    size_t len, enum pol_dir dir, uint64_t now_ms);

/* What the limiter holds for one (peer, direction), read-only. */
struct pol_peer_state {
	int		established;	/* 1 = has history */
	uint32_t	concurrent;	/* slots held */
	uint32_t	passes;		/* admitted requests (saturates) */
	uint32_t	full_in_ms;	/* until its bucket is full again
					 * (0 = full), at the latest now seen */
};
/* Fill *st for 'peer' and return 0, or POL_ERR_NOT_FOUND if it has no
 * entry (never seen, or evicted). Changes nothing (not even LRU order). */
int		 pol_limit_state(const struct pol_limiter *lim,
		    const char *peer, size_t len, enum pol_dir dir,
		    struct pol_peer_state *st);

struct pol_limiter_stats {
	size_t		bytes;		/* allocated at new(); never changes */
	uint32_t	capacity;
	uint32_t	probation_max;
	uint32_t	tracked;	/* entries in use */
	uint32_t	established;	/* of which with history */
	uint32_t	busy;		/* of which holding concurrency slots */
	uint64_t	evictions;
	uint64_t	untracked;	/* admitted requests that got no entry */
	uint64_t	passed, delayed, rejected;
};
void		 pol_limiter_stats(const struct pol_limiter *lim,
		    struct pol_limiter_stats *st);

/* One tracked (peer, direction), as pol_limiter_walk() shows it. */
struct pol_limiter_entry {
	const char	*name;		/* the peer's key as first counted, not
					 * NUL-terminated; NULL if the limiter
					 * keeps no names (cfg.name_max 0) */
	size_t		 name_len;
	int		 name_truncated; /* key was longer than name_max */
	enum pol_dir	 dir;
	struct pol_peer_state st;	/* as pol_limit_state() */
	uint32_t	 tracked_for_s;	/* since the entry was made, at the
					 * latest now seen */
};

/* Called once per entry; return non-zero to stop the walk. 'e' and its
 * name are valid during the call only. */
typedef int pol_limiter_walk_cb(const struct pol_limiter_entry *e,
		    void *arg);

/* Visit every tracked entry (in table order, which is no particular
 * order) without changing anything (not even LRU order). The callback
 * must not call into 'lim' except read-only functions. O(capacity).
 * Return the number of entries visited. */
size_t		 pol_limiter_walk(const struct pol_limiter *lim,
		    pol_limiter_walk_cb *cb, void *arg);

/* -------------------------------------------------------------- rules */

/* Per-peer override of limits: 'pattern' as in the lists below. */
struct pol_override {
	const char	*pattern;
	struct pol_rate	 rate[POL_NDIR];
};

/* Plain settings (the config loader fills them; strings are copied). */
struct pol_settings {
	int		 allow_onion_peers;
	int		 allow_clearnet_peers;	/* DNS names and IP literals */
	int		 allow_private_addresses; /* special IPs / local names */
	/* Patterns: an exact name ("matrix.org"), an onion address (any
	 * subdomain of it is reduced to the address; matches the onion and its
	 * subdomains), an IP literal ("10.0.0.1", "[::1]" or "::1"), or a glob
	 * where '*' matches any run of characters (dots included) and '?' one
	 * character: "*.example.org" (every name under example.org, not
	 * example.org itself), "*". Case-insensitive; ports are not part of
	 * patterns (a peer is its host). */
	const char *const *allow;
	size_t		 nallow;
	const char *const *deny;
	size_t		 ndeny;
	/* First matching override wins; its rate for a direction applies
	 * where per_sec > 0, the limiter's default otherwise. */
	const struct pol_override *overrides;
	size_t		 noverrides;
};

/* Opaque and immutable once built: may be shared by threads; a reload
 * builds new rules and swaps the pointer. */
struct pol_rules;

/*
 * Build rules from *s. Return 0 and set *out, or a negative POL_ERR_* and
 * (if errbuf != NULL) a message naming the list and index, e.g.
 * "deny[2]: bad pattern "a..b": empty label".
 */
int		 pol_rules_new(const struct pol_settings *s,
		    struct pol_rules **out, char *errbuf, size_t errlen);
void		 pol_rules_free(struct pol_rules *r);	/* NULL: no-op */

enum pol_decision {
	POL_ALLOW	= 1,
	POL_DENY	= 2,
};

enum pol_reason {
	POL_R_ALLOWED_BY_LIST	= 1,	/* "allowed-by-list" */
	POL_R_ONION_ALLOWED	= 2,	/* "onion-peers-allowed" */
	POL_R_CLEARNET_ALLOWED	= 3,	/* "clearnet-peers-allowed" */
	POL_R_BAD_NAME		= 4,	/* "bad-name" */
	POL_R_INVALID_ONION	= 5,	/* "invalid-onion" */
	POL_R_DENIED_BY_LIST	= 6,	/* "denied-by-list" */
	POL_R_PRIVATE_ADDRESS	= 7,	/* "private-address" */
	POL_R_ONION_DISABLED	= 8,	/* "onion-peers-disabled" */
	POL_R_CLEARNET_DISABLED	= 9,	/* "clearnet-peers-disabled" */
};

struct pol_verdict {
	enum pol_decision decision;
	enum pol_reason	 reason;
	const char	*reason_str;	/* static, machine-readable */
	/* Limits for this peer and direction: an override's rate, or NULL
	 * for the limiter's defaults. Points into the rules: valid while the
	 * rules live. */
	const struct pol_rate *rate;
};

/*
 * Decide whether 'p' may pass in 'dir'. Precedence, first match wins:
 *  1. ONION_INVALID                          -> deny "invalid-onion"
 *  2. deny list matches                      -> deny "denied-by-list"
 *  3. special address or local/tor DNS name
 *     and !allow_private_addresses           -> deny "private-address"
 *  4. allow list matches                     -> allow "allowed-by-list"
 *  5. ONION: allow_onion_peers ? allow "onion-peers-allowed"
 *                              : deny "onion-peers-disabled"
 *     CLEARNET, IP: allow_clearnet_peers ? allow "clearnet-peers-allowed"
 *                              : deny "clearnet-peers-disabled"
 * So explicit deny beats explicit allow, both beat the class defaults, and
 * no list can let an invalid onion through or (unless the operator set
 * allow_private_addresses) a private address. For a whitelist, set both
 * allow_*_peers off and list the peers in allow. The decision does not
 * depend on 'dir'; v->rate does. Never fails.
 */
void		 pol_check(const struct pol_rules *r, const struct pol_peer *p,
		    enum pol_dir dir, struct pol_verdict *v);

/* Parse 's'/'len' and check it; a name that does not parse is denied with
 * "bad-name". Return the pol_peer_parse() error (0 if it parsed). 'p' may
 * be NULL. */
int		 pol_check_str(const struct pol_rules *r, const char *s,
		    size_t len, enum pol_dir dir, struct pol_peer *p,
		    struct pol_verdict *v);

/* Static string for a reason ("unknown" otherwise). */
const char	*pol_reason_str(enum pol_reason reason);

#endif /* GW_POLICY_POLICY_H */
