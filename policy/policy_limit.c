/*
 * policy_limit.c - bounded per-(peer, direction) rate and concurrency
 * limits, and the shared admission budget for peers without history.
 *
 * Buckets are GCRA (the "virtual scheduling" form of a token bucket): one
 * 64-bit theoretical arrival time (TAT, microseconds) per bucket. With
 * emission interval T = 1e6 / per_sec and tolerance tau = (burst - 1) * T,
 * a request at 'now' (tat = max(TAT, now)) passes if tat - now <= tau,
 * passes after a delay of (tat - now - tau) if that excess is at most
 * delay_burst * T and max_delay_ms, and is rejected otherwise; passing
 * sets TAT = tat + T. A bucket is full exactly when TAT <= now, whatever
 * its rate, so "full" needs no timer.
 *
 * Table: 'capacity' entries allocated once, a power-of-two hash index of
 * 32-bit chains, entries keyed by SipHash-2-4(peer key) and direction.
 * Every entry is in one of: the free list; the probation LRU list (peers
 * without history, at most probation_max); the established LRU list
 * (peers with history, at most capacity - probation_max); or no list
 * while busy (holding concurrency slots).
 *
 * Eviction rule (documented in the header too):
 *  - a busy entry is never evicted;
 *  - a new peer takes a free slot while fewer than probation_max peers are
 *    on probation, else it evicts a probation entry: the first full bucket
 *    among the POL_EVICT_SCAN least recently used idle probation entries,
 *    or failing that the least recently used idle probation entry; if all
 *    probation entries are busy the peer stays untracked (admission
 *    budget only) -- so churn through fresh names only ever recycles the
 *    probation part and never touches a peer with history;
 *  - promotion to history evicts, the same way, from the established
 *    list only when that part is full; if every established entry is busy
 *    the peer stays on probation.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "policy/policy.h"
#include "policy/policy_int.h"

#define NIL		UINT32_MAX

enum ent_state {
	ST_FREE		= 0,
	ST_PROB		= 1,
	ST_EST		= 2,
};

struct ent {
	uint64_t	h;		/* SipHash of the peer key */
	uint64_t	tat;		/* GCRA theoretical arrival time, us */
	uint32_t	hnext;		/* hash chain */
	uint32_t	prev, next;	/* LRU list (or free list: next) */
	uint32_t	conc;		/* concurrency slots held */
	uint32_t	first_s;	/* now_ms / 1000 when first tracked */
	uint16_t	passes;		/* admitted requests (saturating) */
	uint8_t		dir;
	uint8_t		state;		/* enum ent_state */
};

struct lru {
	uint32_t	head, tail;	/* head = least recently used */
	uint32_t	n;
};

struct gcra {
	uint64_t	T;		/* emission interval, us */
	uint64_t	tau;		/* burst tolerance, us */
	uint64_t	dmax;		/* largest excess passed late, us */
};

struct pol_limiter {
	struct pol_limiter_cfg cfg;
	struct gcra	 def[POL_NDIR], adm[POL_NDIR];
	uint64_t	 adm_tat[POL_NDIR];
	uint64_t	 now_hw;	/* largest now_ms seen */
	uint64_t	 key0;
	struct ent	*ent;
	uint32_t	*bucket;
	uint8_t		*names;		/* cap slots of name_max + 2 bytes:
					 * len, truncated, name; or NULL */
	size_t		 name_slot;
	uint32_t	 mask;
	uint32_t	 cap, prob_max, est_max;
	uint32_t	 free_head;
	uint32_t	 nbusy;
	uint32_t	 nprob, nest;	/* entries per state, busy included */
	struct lru	 prob, est;
	uint64_t	 evictions, untracked, passed, delayed, rejected;
	size_t		 bytes;
};

int
pol_rate_valid(const struct pol_rate *r)
{
	if (r == NULL || !(r->per_sec >= POL_RATE_MIN_PER_SEC) ||
	    !(r->per_sec <= POL_RATE_MAX_PER_SEC) || r->burst < 1 ||
	    r->burst > POL_BURST_MAX || r->delay_burst > POL_BURST_MAX ||
	    r->max_delay_ms > POL_DELAY_MAX_MS ||
	    r->max_concurrent > POL_CONC_MAX)
		return POL_ERR_INVAL;
	return 0;
}

void
pol_limiter_cfg_default(struct pol_limiter_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->capacity = POL_LIMITER_DEFAULT_CAPACITY;
	c->rate[POL_DIR_INBOUND] = (struct pol_rate){ 20, 200, 200, 10000,
	    64 };
	c->rate[POL_DIR_OUTBOUND] = (struct pol_rate){ 10, 50, 50, 10000,
	    64 };
	c->admission[POL_DIR_INBOUND] = (struct pol_rate){ 50, 500, 500,
	    10000, 0 };
	c->admission[POL_DIR_OUTBOUND] = (struct pol_rate){ 50, 500, 500,
	    10000, 0 };
	c->history_passes = 16;
	c->history_ms = 60000;
	c->name_max = POL_LIMITER_NAME_DEFAULT;
}

static void
gcra_init(struct gcra *g, const struct pol_rate *r)
{
	double	T = 1e6 / r->per_sec;
	uint64_t dmax;

	g->T = T < 1 ? 1 : (uint64_t)T;
	g->tau = (uint64_t)(r->burst - 1) * g->T;
	dmax = (uint64_t)r->delay_burst * g->T;
	if (dmax > (uint64_t)r->max_delay_ms * 1000)
		dmax = (uint64_t)r->max_delay_ms * 1000;
	g->dmax = dmax;
}

/* Decide for one bucket without changing it. Return the action and set
 * *wait_us (delay for DELAY, retry for REJECT). */
static enum pol_limit_action
gcra_peek(const struct gcra *g, uint64_t tat, uint64_t now, uint64_t *wait)
{
	uint64_t	t = tat > now ? tat : now;
	uint64_t	ahead = t - now;

	*wait = 0;
	if (ahead <= g->tau)
		return POL_LIMIT_PASS;
	*wait = ahead - g->tau;
	if (*wait <= g->dmax)
		return POL_LIMIT_DELAY;
	return POL_LIMIT_REJECT;
}

static uint64_t
gcra_commit(const struct gcra *g, uint64_t tat, uint64_t now)
{
	return (tat > now ? tat : now) + g->T;
}

static uint32_t
us_to_ms_ceil(uint64_t us, uint32_t cap)
{
	uint64_t	ms = (us + 999) / 1000;

	if (ms == 0)
		ms = 1;
	return ms > cap ? cap : (uint32_t)ms;
}

/* ------------------------------------------------------------ lists */

static void
lru_unlink(struct pol_limiter *l, struct lru *q, uint32_t i)
{
	struct ent	*e = &l->ent[i];

	if (e->prev != NIL)
		l->ent[e->prev].next = e->next;
	else
		q->head = e->next;
	if (e->next != NIL)
		l->ent[e->next].prev = e->prev;
	else
		q->tail = e->prev;
	e->prev = e->next = NIL;
	q->n--;
}

static void
lru_push(struct pol_limiter *l, struct lru *q, uint32_t i)
{
	struct ent	*e = &l->ent[i];

	e->next = NIL;
	e->prev = q->tail;
	if (q->tail != NIL)
		l->ent[q->tail].next = i;
	else
		q->head = i;
	q->tail = i;
	q->n++;
}

static struct lru *
list_of(struct pol_limiter *l, const struct ent *e)
{
	return e->state == ST_EST ? &l->est : &l->prob;
}

/* ------------------------------------------------------------- hash */

static uint32_t
slot_of(const struct pol_limiter *l, uint64_t h, unsigned dir)
{
	uint64_t	x = h ^ (dir ? 0x9e3779b97f4a7c15ull : 0);

	return (uint32_t)(x ^ (x >> 32)) & l->mask;
}

static uint32_t
lookup(const struct pol_limiter *l, uint64_t h, unsigned dir)
{
	uint32_t	i;

	for (i = l->bucket[slot_of(l, h, dir)]; i != NIL; i = l->ent[i].hnext)
		if (l->ent[i].h == h && l->ent[i].dir == dir)
			return i;
	return NIL;
}

static void
hash_remove(struct pol_limiter *l, uint32_t i)
{
	uint32_t	*pp = &l->bucket[slot_of(l, l->ent[i].h, l->ent[i].dir)];

	while (*pp != NIL && *pp != i)
		pp = &l->ent[*pp].hnext;
	if (*pp == i)
		*pp = l->ent[i].hnext;
	l->ent[i].hnext = NIL;
}

static void
hash_insert(struct pol_limiter *l, uint32_t i)
{
	uint32_t	*b = &l->bucket[slot_of(l, l->ent[i].h, l->ent[i].dir)];

	l->ent[i].hnext = *b;
	*b = i;
}

/* Pick an idle entry of 'q' to evict (full bucket first among the
 * POL_EVICT_SCAN oldest), or NIL if 'q' is empty. */
static uint32_t
pick_victim(const struct pol_limiter *l, const struct lru *q, uint64_t now)
{
	uint32_t	i;
	int		k;

	for (i = q->head, k = 0; i != NIL && k < POL_EVICT_SCAN;
	    i = l->ent[i].next, k++)
		if (l->ent[i].tat <= now)
			return i;
	return q->head;
}

/* Evict idle entry i: unlink it and return its slot (still not free). */
static void
evict(struct pol_limiter *l, uint32_t i)
{
	struct ent	*e = &l->ent[i];

	lru_unlink(l, list_of(l, e), i);
	hash_remove(l, i);
	if (e->state == ST_EST)
		l->nest--;
	else
		l->nprob--;
	e->state = ST_FREE;
	l->evictions++;
}

/* Remember (a prefix of) the peer's key for entry i, if names are kept. */
static void
set_name(struct pol_limiter *l, uint32_t i, const char *peer, size_t len)
{
	uint8_t	*slot;
	size_t	 n;

	if (l->names == NULL)
		return;
	slot = l->names + (size_t)i * l->name_slot;
	n = len < l->cfg.name_max ? len : l->cfg.name_max;
	slot[0] = (uint8_t)n;
	slot[1] = len > n;
	if (n > 0)
		memcpy(slot + 2, peer, n);
}

/* Make a probation entry for (h, dir). Return its index or NIL. */
static uint32_t
make_entry(struct pol_limiter *l, uint64_t h, unsigned dir, uint64_t now_ms,
    const char *peer, size_t len)
{
	struct ent	*e;
	uint32_t	 i;

	if (l->nprob < l->prob_max && l->free_head != NIL) {
		i = l->free_head;
		l->free_head = l->ent[i].next;
	} else {
		if ((i = pick_victim(l, &l->prob, now_ms * 1000)) == NIL)
			return NIL;
		evict(l, i);
	}
	e = &l->ent[i];
	memset(e, 0, sizeof(*e));
	e->h = h;
	e->dir = (uint8_t)dir;
	e->state = ST_PROB;
	e->first_s = (uint32_t)(now_ms / 1000);
	e->prev = e->next = NIL;
	set_name(l, i, peer, len);
	hash_insert(l, i);
	lru_push(l, &l->prob, i);
	l->nprob++;
	return i;
}

/* Give entry i history. Return 0 or POL_ERR_TOO_MANY. */
static int
promote(struct pol_limiter *l, uint32_t i, uint64_t now_us)
{
	struct ent	*e = &l->ent[i];
	uint32_t	 v;

	if (e->state == ST_EST)
		return 0;
	if (l->nest >= l->est_max) {
		if ((v = pick_victim(l, &l->est, now_us)) == NIL)
			return POL_ERR_TOO_MANY;
		evict(l, v);
		l->ent[v].next = l->free_head;
		l->free_head = v;
	}
	if (e->conc == 0) {
		lru_unlink(l, &l->prob, i);
		e->state = ST_EST;
		lru_push(l, &l->est, i);
	} else
		e->state = ST_EST;
	l->nprob--;
	l->nest++;
	return 0;
}

static void
touch(struct pol_limiter *l, uint32_t i)
{
	struct lru	*q;

	if (l->ent[i].conc != 0)
		return;			/* busy: in no list */
	q = list_of(l, &l->ent[i]);
	if (q->tail == i)
		return;
	lru_unlink(l, q, i);
	lru_push(l, q, i);
}

int
pol_limiter_new(const struct pol_limiter_cfg *cfg, struct pol_limiter **out)
{
	struct pol_limiter	*l = NULL;
	uint32_t		 cap, nb, i;
	int			 d;
	static const uint8_t	 zero[16];

	if (out == NULL)
		return POL_ERR_INVAL;
	*out = NULL;
	if (cfg == NULL)
		return POL_ERR_INVAL;
	cap = cfg->capacity ? cfg->capacity : POL_LIMITER_DEFAULT_CAPACITY;
	if (cap < POL_LIMITER_MIN_CAPACITY || cap > POL_LIMITER_MAX_CAPACITY)
		return POL_ERR_INVAL;
	if (cfg->probation_max >= cap || cfg->name_max > POL_KEY_MAX)
		return POL_ERR_INVAL;
	for (d = 0; d < POL_NDIR; d++)
		if (pol_rate_valid(&cfg->rate[d]) != 0 ||
		    pol_rate_valid(&cfg->admission[d]) != 0)
			return POL_ERR_INVAL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return POL_ERR_NOMEM;
	l->cfg = *cfg;
	l->cap = cap;
	l->prob_max = cfg->probation_max ? cfg->probation_max :
	    cap / POL_LIMITER_PROBATION_DIV;
	l->est_max = cap - l->prob_max;
	if (memcmp(cfg->hash_key, zero, sizeof(zero)) == 0 &&
	    RAND_bytes(l->cfg.hash_key, sizeof(l->cfg.hash_key)) != 1) {
		free(l);
		return POL_ERR_CRYPTO;
	}
	for (nb = 1; nb < cap; nb <<= 1)
		;
	l->mask = nb - 1;
	l->ent = calloc(cap, sizeof(*l->ent));
	l->bucket = malloc((size_t)nb * sizeof(*l->bucket));
	if (cfg->name_max > 0) {
		l->name_slot = (size_t)cfg->name_max + 2;
		l->names = calloc(cap, l->name_slot);
	}
	if (l->ent == NULL || l->bucket == NULL ||
	    (cfg->name_max > 0 && l->names == NULL)) {
		pol_limiter_free(l);
		return POL_ERR_NOMEM;
	}
	for (i = 0; i < nb; i++)
		l->bucket[i] = NIL;
	for (i = 0; i < cap; i++) {
		l->ent[i].next = i + 1 < cap ? i + 1 : NIL;
		l->ent[i].prev = l->ent[i].hnext = NIL;
	}
	l->free_head = 0;
	l->prob.head = l->prob.tail = NIL;
	l->est.head = l->est.tail = NIL;
	for (d = 0; d < POL_NDIR; d++) {
		gcra_init(&l->def[d], &cfg->rate[d]);
		gcra_init(&l->adm[d], &cfg->admission[d]);
	}
	l->bytes = sizeof(*l) + (size_t)cap * sizeof(*l->ent) +
	    (size_t)nb * sizeof(*l->bucket) + (size_t)cap * l->name_slot;
	*out = l;
	return 0;
}

void
pol_limiter_free(struct pol_limiter *l)
{
	if (l == NULL)
		return;
	free(l->ent);
	free(l->bucket);
	free(l->names);
	free(l);
}

/* Clamp the caller's clock: never backwards, never overflowing us. */
static uint64_t
clock_us(struct pol_limiter *l, uint64_t now_ms, uint64_t *ms)
{
	if (now_ms > POL_CLOCK_MAX_MS)
		now_ms = POL_CLOCK_MAX_MS;
	if (now_ms < l->now_hw)
		now_ms = l->now_hw;
	l->now_hw = now_ms;
	*ms = now_ms;
	return now_ms * 1000;
}

static void
result(struct pol_limit_result *res, enum pol_limit_action a,
    enum pol_limit_why why, uint64_t wait_us)
{
	res->action = a;
	res->why = why;
	res->delay_ms = a == POL_LIMIT_DELAY ?
	    us_to_ms_ceil(wait_us, POL_DELAY_MAX_MS) : 0;
	res->retry_after_ms = a == POL_LIMIT_REJECT ?
	    us_to_ms_ceil(wait_us, POL_RETRY_MAX_MS) : 0;
}

enum pol_limit_action
pol_limit_check(struct pol_limiter *l, const char *peer, size_t len,
    enum pol_dir dir, const struct pol_rate *rate, uint64_t now_ms,
    struct pol_limit_result *res)
{
	struct gcra		 gtmp;
	const struct gcra	*g;
	enum pol_limit_action	 pa = POL_LIMIT_PASS, aa = POL_LIMIT_PASS;
	uint64_t		 now, ms, pw = 0, aw = 0, h;
	uint32_t		 i;
	int			 est;
	struct ent		*e;

	if (res == NULL)
		return POL_LIMIT_REJECT;
	memset(res, 0, sizeof(*res));
	if (l == NULL || (peer == NULL && len > 0) ||
	    (unsigned)dir >= POL_NDIR) {
		result(res, POL_LIMIT_REJECT, POL_WHY_NONE, 0);
		return res->action;
	}
	now = clock_us(l, now_ms, &ms);
	if (rate != NULL && rate->per_sec > 0 && pol_rate_valid(rate) == 0) {
		gcra_init(&gtmp, rate);
		g = &gtmp;
	} else
		g = &l->def[dir];
	h = pol_siphash24(l->cfg.hash_key, peer, len);
	i = lookup(l, h, dir);
	est = i != NIL && l->ent[i].state == ST_EST;
	if (i != NIL)
		pa = gcra_peek(g, l->ent[i].tat, now, &pw);
	if (!est)
		aa = gcra_peek(&l->adm[dir], l->adm_tat[dir], now, &aw);
	if (pa == POL_LIMIT_REJECT || aa == POL_LIMIT_REJECT) {
		result(res, POL_LIMIT_REJECT, pa == POL_LIMIT_REJECT ?
		    POL_WHY_PEER_RATE : POL_WHY_ADMISSION, pw > aw ? pw : aw);
		if (i != NIL)
			touch(l, i);	/* a peer in debt keeps its debt */
		res->tracked = i != NIL;
		res->established = est;
		l->rejected++;
		return res->action;
	}
	if (i == NIL && (i = make_entry(l, h, dir, ms, peer, len)) == NIL)
		l->untracked++;
	if (i != NIL) {
		e = &l->ent[i];
		e->tat = gcra_commit(g, e->tat, now);
		if (e->passes < UINT16_MAX)
			e->passes++;
		touch(l, i);
		if (e->state == ST_PROB && l->cfg.history_passes > 0 &&
		    e->passes >= l->cfg.history_passes &&
		    (ms / 1000 - e->first_s) * 1000 >= l->cfg.history_ms)
			(void)promote(l, i, now);
		res->tracked = 1;
		res->established = e->state == ST_EST;
	}
	if (!est)
		l->adm_tat[dir] = gcra_commit(&l->adm[dir], l->adm_tat[dir],
		    now);
	if (pa == POL_LIMIT_DELAY || aa == POL_LIMIT_DELAY) {
		result(res, POL_LIMIT_DELAY, pw >= aw ? POL_WHY_PEER_RATE :
		    POL_WHY_ADMISSION, pw > aw ? pw : aw);
		l->delayed++;
	} else {
		result(res, POL_LIMIT_PASS, POL_WHY_NONE, 0);
		l->passed++;
	}
	return res->action;
}

enum pol_limit_action
pol_conc_acquire(struct pol_limiter *l, const char *peer, size_t len,
    enum pol_dir dir, const struct pol_rate *rate, uint64_t now_ms,
    struct pol_limit_result *res)
{
	struct pol_limit_result	 tmp;
	struct ent		*e;
	uint64_t		 ms, h;
	uint32_t		 i, max;

	if (res == NULL)
		res = &tmp;
	memset(res, 0, sizeof(*res));
	if (l == NULL || (peer == NULL && len > 0) ||
	    (unsigned)dir >= POL_NDIR) {
		result(res, POL_LIMIT_REJECT, POL_WHY_NONE, 0);
		return res->action;
	}
	(void)clock_us(l, now_ms, &ms);
	max = rate != NULL && rate->per_sec > 0 ? rate->max_concurrent :
	    l->cfg.rate[dir].max_concurrent;
	h = pol_siphash24(l->cfg.hash_key, peer, len);
	if ((i = lookup(l, h, dir)) == NIL &&
	    (i = make_entry(l, h, dir, ms, peer, len)) == NIL) {
		result(res, POL_LIMIT_REJECT, POL_WHY_TABLE_FULL,
		    (uint64_t)POL_CONC_RETRY_MS * 1000);
		return res->action;
	}
	e = &l->ent[i];
	res->tracked = 1;
	res->established = e->state == ST_EST;
	if (max != 0 && e->conc >= max) {
		touch(l, i);
		result(res, POL_LIMIT_REJECT, POL_WHY_CONCURRENCY,
		    (uint64_t)POL_CONC_RETRY_MS * 1000);
		return res->action;
	}
	if (e->conc == 0) {
		lru_unlink(l, list_of(l, e), i);
		l->nbusy++;
	}
	e->conc++;
	result(res, POL_LIMIT_PASS, POL_WHY_NONE, 0);
	return res->action;
}

int
pol_conc_release(struct pol_limiter *l, const char *peer, size_t len,
    enum pol_dir dir, uint64_t now_ms)
{
	struct ent	*e;
	uint64_t	 ms;
	uint32_t	 i;

	if (l == NULL || (peer == NULL && len > 0) ||
	    (unsigned)dir >= POL_NDIR)
		return POL_ERR_INVAL;
	(void)clock_us(l, now_ms, &ms);
	i = lookup(l, pol_siphash24(l->cfg.hash_key, peer, len), dir);
	if (i == NIL || l->ent[i].conc == 0)
		return POL_ERR_NOT_FOUND;
	e = &l->ent[i];
	if (--e->conc == 0) {
		lru_push(l, list_of(l, e), i);
		l->nbusy--;
	}
	return 0;
}

int
pol_limit_promote(struct pol_limiter *l, const char *peer, size_t len,
    enum pol_dir dir, uint64_t now_ms)
{
	uint64_t	ms, now;
	uint32_t	i;

	if (l == NULL || (peer == NULL && len > 0) ||
	    (unsigned)dir >= POL_NDIR)
		return POL_ERR_INVAL;
	now = clock_us(l, now_ms, &ms);
	i = lookup(l, pol_siphash24(l->cfg.hash_key, peer, len), dir);
	if (i == NIL)
		return POL_ERR_NOT_FOUND;
	return promote(l, i, now);
}

static void
fill_state(const struct pol_limiter *l, const struct ent *e,
    struct pol_peer_state *st)
{
	uint64_t	now = l->now_hw * 1000;

	st->established = e->state == ST_EST;
	st->concurrent = e->conc;
	st->passes = e->passes;
	st->full_in_ms = e->tat > now ?
	    us_to_ms_ceil(e->tat - now, UINT32_MAX) : 0;
}

int
pol_limit_state(const struct pol_limiter *l, const char *peer, size_t len,
    enum pol_dir dir, struct pol_peer_state *st)
{
	uint32_t		 i;

	if (l == NULL || st == NULL || (peer == NULL && len > 0) ||
	    (unsigned)dir >= POL_NDIR)
		return POL_ERR_INVAL;
	memset(st, 0, sizeof(*st));
	i = lookup(l, pol_siphash24(l->cfg.hash_key, peer, len), dir);
	if (i == NIL)
		return POL_ERR_NOT_FOUND;
	fill_state(l, &l->ent[i], st);
	return 0;
}

size_t
pol_limiter_walk(const struct pol_limiter *l, pol_limiter_walk_cb *cb,
    void *arg)
{
	struct pol_limiter_entry pe;
	const struct ent	*e;
	const uint8_t		*slot;
	uint32_t		 i, now_s;
	size_t			 n = 0;

	if (l == NULL || cb == NULL)
		return 0;
	now_s = (uint32_t)(l->now_hw / 1000);
	for (i = 0; i < l->cap; i++) {
		e = &l->ent[i];
		if (e->state == ST_FREE)
			continue;
		memset(&pe, 0, sizeof(pe));
		if (l->names != NULL) {
			slot = l->names + (size_t)i * l->name_slot;
			pe.name = (const char *)slot + 2;
			pe.name_len = slot[0];
			pe.name_truncated = slot[1];
		}
		pe.dir = (enum pol_dir)e->dir;
		fill_state(l, e, &pe.st);
		pe.tracked_for_s = now_s > e->first_s ? now_s - e->first_s : 0;
		n++;
		if (cb(&pe, arg) != 0)
			break;
	}
	return n;
}

void
pol_limiter_stats(const struct pol_limiter *l, struct pol_limiter_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (l == NULL)
		return;
	st->bytes = l->bytes;
	st->capacity = l->cap;
	st->probation_max = l->prob_max;
	st->tracked = l->nprob + l->nest;
	st->established = l->nest;
	st->busy = l->nbusy;
	st->evictions = l->evictions;
	st->untracked = l->untracked;
	st->passed = l->passed;
	st->delayed = l->delayed;
	st->rejected = l->rejected;
}

/* ---------------------------------------------------------- SipHash */

#define ROTL64(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);	\
	v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;			\
	v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;			\
	v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);	\
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
	    (uint64_t)p[7] << 56;
}

uint64_t
pol_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t	*p = data;
	uint64_t	 k0 = le64(key), k1 = le64(key + 8), m, b;
	uint64_t	 v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t	 v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t	 v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t	 v3 = k1 ^ 0x7465646279746573ull;
	size_t		 i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	b = (uint64_t)len << 56;
	while (left > 0) {
		left--;
		b |= (uint64_t)p[i + left] << (8 * left);
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}
