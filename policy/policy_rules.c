/*
 * policy_rules.c - allow/deny lists, per-peer overrides and the verdict.
 * A pattern set answers "lowest index of a matching pattern" in
 * O(length of the name) for exact names and "*.suffix" patterns (hashed,
 * suffix hashes computed right to left in one pass) plus a scan of at most
 * POL_RULES_MAX_GLOBS other globs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

#define NOMATCH		SIZE_MAX

struct pat_slot {
	char		*s;		/* NULL = empty slot */
	size_t		 len;
	uint32_t	 h;
	size_t		 idx;		/* lowest pattern index with this key */
};

struct pat_glob {
	char		*s;
	size_t		 idx;
};

/* Hashed exact keys and ".suffix" keys, plus globs scanned in order. */
struct patset {
	struct pat_slot	*exact;		/* open addressing, power of 2 */
	struct pat_slot	*suffix;
	size_t		 nslots;
	struct pat_glob	*globs;
	size_t		 nglobs;
};

struct pol_rules {
	int		 allow_onion;
	int		 allow_clearnet;
	int		 allow_private;
	struct patset	 allow, deny, over;
	struct pol_rate	*over_rate;	/* [noverrides][POL_NDIR] */
	size_t		 nover;
};

const char *
pol_reason_str(enum pol_reason reason)
{
	switch (reason) {
	case POL_R_ALLOWED_BY_LIST:	return "allowed-by-list";
	case POL_R_ONION_ALLOWED:	return "onion-peers-allowed";
	case POL_R_CLEARNET_ALLOWED:	return "clearnet-peers-allowed";
	case POL_R_BAD_NAME:		return "bad-name";
	case POL_R_INVALID_ONION:	return "invalid-onion";
	case POL_R_DENIED_BY_LIST:	return "denied-by-list";
	case POL_R_PRIVATE_ADDRESS:	return "private-address";
	case POL_R_ONION_DISABLED:	return "onion-peers-disabled";
	case POL_R_CLEARNET_DISABLED:	return "clearnet-peers-disabled";
	}
	return "unknown";
}

/* FNV-1a over the bytes from last to first, so that the hash of every
 * suffix of a name falls out of one right-to-left pass. */
#define FNV_BASIS	2166136261u
#define FNV_PRIME	16777619u

static uint32_t
rhash(const char *s, size_t len)
{
	uint32_t	h = FNV_BASIS;

	while (len > 0)
		h = (h ^ (unsigned char)s[--len]) * FNV_PRIME;
	return h;
}

static struct pat_slot *
slot_find(struct pat_slot *tab, size_t nslots, const char *s, size_t len,
    uint32_t h)
{
	size_t	i, mask = nslots - 1;

	for (i = h & mask;; i = (i + 1) & mask) {
		if (tab[i].s == NULL)
			return &tab[i];
		if (tab[i].h == h && tab[i].len == len &&
		    memcmp(tab[i].s, s, len) == 0)
			return &tab[i];
	}
}

static int
slot_add(struct pat_slot *tab, size_t nslots, const char *s, size_t len,
    size_t idx)
{
	uint32_t	 h = rhash(s, len);
	struct pat_slot	*sl = slot_find(tab, nslots, s, len, h);

	if (sl->s != NULL)
		return 0;		/* duplicate: keep the lower index */
	if ((sl->s = malloc(len + 1)) == NULL)
		return POL_ERR_NOMEM;
	memcpy(sl->s, s, len);
	sl->s[len] = '\0';
	sl->len = len;
	sl->h = h;
	sl->idx = idx;
	return 0;
}

/* Glob: '*' any run (dots included), '?' one byte. Iterative with one
 * backtrack point: O(len(p) * len(s)) worst case, both <= 255. */
static int
glob_match(const char *p, const char *s, size_t slen)
{
	const char	*star = NULL;
	size_t		 i = 0, mark = 0;

	while (i < slen) {
		if (*p == '?' || (*p != '\0' && *p != '*' && *p == s[i])) {
			p++;
			i++;
		} else if (*p == '*') {
			star = p++;
			mark = i;
		} else if (star != NULL) {
			p = star + 1;
			i = ++mark;
		} else
			return 0;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

static size_t
patset_match1(const struct patset *ps, const char *s, size_t len)
{
	const struct pat_slot	*sl;
	size_t			 best = NOMATCH, i;
	uint32_t		 h = FNV_BASIS;

	if (ps->nslots > 0) {
		/* One right-to-left pass: at each '.', h is the hash of the
		 * suffix starting there. */
		for (i = len; i > 0; i--) {
			h = (h ^ (unsigned char)s[i - 1]) * FNV_PRIME;
			if (s[i - 1] == '.' && i - 1 > 0) {
				sl = slot_find(ps->suffix, ps->nslots,
				    s + i - 1, len - i + 1, h);
				if (sl->s != NULL && sl->idx < best)
					best = sl->idx;
			}
		}
		sl = slot_find(ps->exact, ps->nslots, s, len, h);
		if (sl->s != NULL && sl->idx < best)
			best = sl->idx;
	}
	for (i = 0; i < ps->nglobs && ps->globs[i].idx < best; i++)
		if (glob_match(ps->globs[i].s, s, len))
			best = ps->globs[i].idx;
	return best;
}

/* Match the peer's key and, for an onion with a subdomain, its host too. */
static size_t
patset_match(const struct patset *ps, const struct pol_peer *p)
{
	size_t	a, b;

	a = patset_match1(ps, p->key, p->key_len);
	if (p->cls == POL_CLASS_ONION && p->name.host_len != p->key_len) {
		b = patset_match1(ps, p->name.host, p->name.host_len);
		if (b < a)
			a = b;
	}
	return a;
}

static void
patset_clear(struct patset *ps)
{
	size_t	i;

	for (i = 0; i < ps->nslots; i++) {
		free(ps->exact[i].s);
		free(ps->suffix[i].s);
	}
	for (i = 0; i < ps->nglobs; i++)
		free(ps->globs[i].s);
	free(ps->exact);
	free(ps->suffix);
	free(ps->globs);
	memset(ps, 0, sizeof(*ps));
}

static int
glob_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	    c == '.' || c == '*' || c == '?' || c == ':' || c == '[' ||
	    c == ']';
}

/*
 * Normalise one pattern and add it. Writes a reason into why on failure.
 */
static int
patset_add(struct patset *ps, const char *pat, size_t idx, const char **why)
{
	char		 low[POL_PATTERN_MAX + 3];
	struct pol_peer	 p;
	size_t		 len, i;
	int		 r;

	*why = NULL;
	if (pat == NULL || (len = strlen(pat)) == 0) {
		*why = "empty pattern";
		return POL_ERR_BAD_PATTERN;
	}
	if (len > POL_PATTERN_MAX) {
		*why = "pattern too long";
		return POL_ERR_BAD_PATTERN;
	}
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)pat[i];

		low[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
		if (!glob_char_ok((unsigned char)low[i])) {
			*why = "character not allowed";
			return POL_ERR_BAD_PATTERN;
		}
	}
	low[len] = '\0';
	if (strpbrk(low, "*?") != NULL) {
		/* "*.rest" with a plain rest is a hashed suffix. */
		if (low[0] == '*' && low[1] == '.' &&
		    strpbrk(low + 1, "*?") == NULL) {
			if ((r = pol_name_parse(low + 2, len - 2,
			    &p.name)) != 0 || p.name.kind != POL_HOST_DNS ||
			    p.name.port != 0) {
				*why = r != 0 ? pol_strerror(r) :
				    "suffix must be a DNS name without port";
				return POL_ERR_BAD_PATTERN;
			}
			return slot_add(ps->suffix, ps->nslots, low + 1,
			    len - 1, idx);
		}
		if (ps->nglobs >= POL_RULES_MAX_GLOBS) {
			*why = "too many wildcard patterns (max "
			    "POL_RULES_MAX_GLOBS)";
			return POL_ERR_TOO_MANY;
		}
		if ((ps->globs[ps->nglobs].s = strdup(low)) == NULL)
			return POL_ERR_NOMEM;
		ps->globs[ps->nglobs++].idx = idx;
		return 0;
	}
	r = pol_peer_parse(low, len, &p);
	if (r == POL_ERR_UNBRACKETED_IPV6) {
		/* "::1" as a pattern means "[::1]". */
		memmove(low + 1, low, len);
		low[0] = '[';
		low[len + 1] = ']';
		low[len + 2] = '\0';
		r = pol_peer_parse(low, len + 2, &p);
	}
	if (r != 0) {
		*why = pol_strerror(r);
		return POL_ERR_BAD_PATTERN;
	}
	if (p.name.port != 0) {
		*why = "ports are not part of patterns";
		return POL_ERR_BAD_PATTERN;
	}
	if (p.cls == POL_CLASS_ONION_INVALID) {
		*why = pol_strerror(p.onion_err);
		return POL_ERR_BAD_PATTERN;
	}
	return slot_add(ps->exact, ps->nslots, p.key, p.key_len, idx);
}

static int
patset_init(struct patset *ps, size_t n)
{
	size_t	slots = 4;

	memset(ps, 0, sizeof(*ps));
	while (slots < 2 * n + 2)
		slots <<= 1;
	ps->nslots = slots;
	ps->exact = calloc(slots, sizeof(*ps->exact));
	ps->suffix = calloc(slots, sizeof(*ps->suffix));
	ps->globs = calloc(POL_RULES_MAX_GLOBS, sizeof(*ps->globs));
	if (ps->exact == NULL || ps->suffix == NULL || ps->globs == NULL)
		return POL_ERR_NOMEM;
	return 0;
}

static int
patset_build(struct patset *ps, const char *list, const char *const *pats,
    size_t n, char *errbuf, size_t errlen)
{
	const char	*why;
	size_t		 i;
	int		 r;

	if (n > POL_RULES_MAX_PATTERNS) {
		if (errbuf != NULL)
			snprintf(errbuf, errlen, "%s: %zu patterns, at most "
			    "%d", list, n, POL_RULES_MAX_PATTERNS);
		return POL_ERR_TOO_MANY;
	}
	if ((r = patset_init(ps, n)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if ((r = patset_add(ps, pats[i], i, &why)) != 0) {
			if (errbuf != NULL && r != POL_ERR_NOMEM)
				snprintf(errbuf, errlen, "%s[%zu]: bad "
				    "pattern \"%.*s\": %s", list, i,
				    POL_PATTERN_MAX,
				    pats[i] ? pats[i] : "", why ? why : "");
			return r;
		}
	}
	return 0;
}

void
pol_rules_free(struct pol_rules *r)
{
	if (r == NULL)
		return;
	patset_clear(&r->allow);
	patset_clear(&r->deny);
	patset_clear(&r->over);
	free(r->over_rate);
	free(r);
}

int
pol_rules_new(const struct pol_settings *s, struct pol_rules **out,
    char *errbuf, size_t errlen)
{
	struct pol_rules	*r = NULL;
	const char		**opats = NULL;
	size_t			 i;
	int			 d, err;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (out == NULL)
		return POL_ERR_INVAL;
	*out = NULL;
	if (s == NULL || (s->nallow > 0 && s->allow == NULL) ||
	    (s->ndeny > 0 && s->deny == NULL) ||
	    (s->noverrides > 0 && s->overrides == NULL))
		return POL_ERR_INVAL;
	if (s->noverrides > POL_RULES_MAX_OVERRIDES) {
		if (errbuf != NULL)
			snprintf(errbuf, errlen, "override: %zu entries, at "
			    "most %d", s->noverrides, POL_RULES_MAX_OVERRIDES);
		return POL_ERR_TOO_MANY;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return POL_ERR_NOMEM;
	r->allow_onion = s->allow_onion_peers != 0;
	r->allow_clearnet = s->allow_clearnet_peers != 0;
	r->allow_private = s->allow_private_addresses != 0;
	if ((err = patset_build(&r->allow, "allow", s->allow, s->nallow,
	    errbuf, errlen)) != 0)
		goto out;
	if ((err = patset_build(&r->deny, "deny", s->deny, s->ndeny,
	    errbuf, errlen)) != 0)
		goto out;
	r->nover = s->noverrides;
	if ((opats = calloc(r->nover + 1, sizeof(*opats))) == NULL ||
	    (r->over_rate = calloc((r->nover + 1) * POL_NDIR,
	    sizeof(*r->over_rate))) == NULL) {
		err = POL_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < r->nover; i++) {
		opats[i] = s->overrides[i].pattern;
		for (d = 0; d < POL_NDIR; d++) {
			const struct pol_rate *rt = &s->overrides[i].rate[d];

			if (rt->per_sec > 0 && pol_rate_valid(rt) != 0) {
				if (errbuf != NULL)
					snprintf(errbuf, errlen, "override[%zu]"
					    ": %s rate out of range", i,
					    d == POL_DIR_INBOUND ? "inbound" :
					    "outbound");
				err = POL_ERR_INVAL;
				goto out;
			}
			r->over_rate[i * POL_NDIR + (size_t)d] = *rt;
		}
	}
	if ((err = patset_build(&r->over, "override", opats, r->nover,
	    errbuf, errlen)) != 0)
		goto out;
	*out = r;
	r = NULL;
	err = 0;
 out:
	free(opats);
	pol_rules_free(r);
	return err;
}

static void
verdict(struct pol_verdict *v, enum pol_decision d, enum pol_reason why)
{
	v->decision = d;
	v->reason = why;
	v->reason_str = pol_reason_str(why);
}

void
pol_check(const struct pol_rules *r, const struct pol_peer *p,
    enum pol_dir dir, struct pol_verdict *v)
{
	size_t	o;

	v->rate = NULL;
	if (r == NULL || p == NULL || (unsigned)dir >= POL_NDIR) {
		verdict(v, POL_DENY, POL_R_BAD_NAME);
		return;
	}
	if (r->nover > 0 && (o = patset_match(&r->over, p)) != NOMATCH) {
		const struct pol_rate *rt = &r->over_rate[o * POL_NDIR + dir];

		if (rt->per_sec > 0)
			v->rate = rt;
	}
	if (p->cls == POL_CLASS_ONION_INVALID) {
		verdict(v, POL_DENY, POL_R_INVALID_ONION);
		return;
	}
	if (patset_match(&r->deny, p) != NOMATCH) {
		verdict(v, POL_DENY, POL_R_DENIED_BY_LIST);
		return;
	}
	if (p->special != 0 && !r->allow_private) {
		verdict(v, POL_DENY, POL_R_PRIVATE_ADDRESS);
		return;
	}
	if (patset_match(&r->allow, p) != NOMATCH) {
		verdict(v, POL_ALLOW, POL_R_ALLOWED_BY_LIST);
		return;
	}
	if (p->cls == POL_CLASS_ONION) {
		if (r->allow_onion)
			verdict(v, POL_ALLOW, POL_R_ONION_ALLOWED);
		else
			verdict(v, POL_DENY, POL_R_ONION_DISABLED);
		return;
	}
	if (r->allow_clearnet)
		verdict(v, POL_ALLOW, POL_R_CLEARNET_ALLOWED);
	else
		verdict(v, POL_DENY, POL_R_CLEARNET_DISABLED);
}

int
pol_check_str(const struct pol_rules *r, const char *s, size_t len,
    enum pol_dir dir, struct pol_peer *p, struct pol_verdict *v)
{
	struct pol_peer	 tmp;
	int		 err;

	if (p == NULL)
		p = &tmp;
	if ((err = pol_peer_parse(s, len, p)) != 0) {
		v->rate = NULL;
		verdict(v, POL_DENY, POL_R_BAD_NAME);
		return err;
	}
	pol_check(r, p, dir, v);
	return 0;
}
