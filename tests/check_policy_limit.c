/*
 * check_policy_limit.c - bucket arithmetic at the edges, delay/reject
 * shape, clock going backwards, concurrency, admission budget, history,
 * and eviction under a 1,000,000-name churn with bounded memory.
 * Time is a parameter: nothing here sleeps.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"
#include "tests/check_policy.h"

#define IN	POL_DIR_INBOUND
#define OUT	POL_DIR_OUTBOUND
#define P(s)	(s), strlen(s)

static const struct pol_rate wide = { 1e6, 1000000, 0, 0, 0 };

/* A config whose admission budget never interferes. */
static void
cfg_base(struct pol_limiter_cfg *c, uint32_t cap, double per_sec,
    uint32_t burst, uint32_t delay_burst, uint32_t max_delay_ms)
{
	int	d;

	pol_limiter_cfg_default(c);
	c->capacity = cap;
	for (d = 0; d < POL_NDIR; d++) {
		c->rate[d] = (struct pol_rate){ per_sec, burst, delay_burst,
		    max_delay_ms, 0 };
		c->admission[d] = wide;
	}
	c->history_passes = 0;
	memset(c->hash_key, 0x5a, sizeof(c->hash_key));
}

static enum pol_limit_action
chk(struct pol_limiter *l, const char *peer, enum pol_dir d, uint64_t now,
    struct pol_limit_result *r)
{
	return pol_limit_check(l, P(peer), d, NULL, now, r);
}

START_TEST(test_burst_and_refill)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	int			 i;

	cfg_base(&c, 16, 10, 5, 0, 0);		/* T = 100 ms */
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(chk(l, "a", IN, 1000, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "a", IN, 1000, &r), POL_LIMIT_REJECT);
	ck_assert_int_eq(r.why, POL_WHY_PEER_RATE);
	ck_assert_uint_eq(r.retry_after_ms, 100);
	ck_assert_uint_eq(r.delay_ms, 0);
	/* A rejected request costs nothing: still 100 ms, not 200. */
	ck_assert_int_eq(chk(l, "a", IN, 1000, &r), POL_LIMIT_REJECT);
	ck_assert_uint_eq(r.retry_after_ms, 100);
	ck_assert_int_eq(chk(l, "a", IN, 1099, &r), POL_LIMIT_REJECT);
	ck_assert_uint_eq(r.retry_after_ms, 1);
	ck_assert_int_eq(chk(l, "a", IN, 1100, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "a", IN, 1100, &r), POL_LIMIT_REJECT);
	/* Long idle: refill stops at the burst, not 10 s worth. */
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(chk(l, "a", IN, 11100, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "a", IN, 11100, &r), POL_LIMIT_REJECT);
	/* Steady at exactly the rate passes forever. */
	for (i = 1; i <= 100; i++)
		ck_assert_int_eq(chk(l, "a", IN, 11100 + 100 * (uint64_t)i,
		    &r), POL_LIMIT_PASS);
	/* Peers and directions are separate buckets. */
	ck_assert_int_eq(chk(l, "a", OUT, 21100, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "b", IN, 21100, &r), POL_LIMIT_PASS);
	pol_limiter_free(l);
	pol_limiter_free(NULL);
}
END_TEST

START_TEST(test_burst_one_and_fractional)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;

	cfg_base(&c, 16, 0.5, 1, 0, 0);		/* T = 2 s, burst 1 */
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	ck_assert_int_eq(chk(l, "a", IN, 0, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "a", IN, 0, &r), POL_LIMIT_REJECT);
	ck_assert_uint_eq(r.retry_after_ms, 2000);
	ck_assert_int_eq(chk(l, "a", IN, 1999, &r), POL_LIMIT_REJECT);
	ck_assert_int_eq(chk(l, "a", IN, 2000, &r), POL_LIMIT_PASS);
	pol_limiter_free(l);
}
END_TEST

/* rc_federation shape: pass, then pass late, then reject. */
START_TEST(test_delay_then_reject)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct pol_limiter_stats st;

	cfg_base(&c, 16, 10, 2, 3, 10000);
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	ck_assert_int_eq(chk(l, "a", IN, 500, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "a", IN, 500, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "a", IN, 500, &r), POL_LIMIT_DELAY);
	ck_assert_uint_eq(r.delay_ms, 100);
	ck_assert_int_eq(r.why, POL_WHY_PEER_RATE);
	ck_assert_int_eq(chk(l, "a", IN, 500, &r), POL_LIMIT_DELAY);
	ck_assert_uint_eq(r.delay_ms, 200);
	ck_assert_int_eq(chk(l, "a", IN, 500, &r), POL_LIMIT_DELAY);
	ck_assert_uint_eq(r.delay_ms, 300);
	ck_assert_int_eq(chk(l, "a", IN, 500, &r), POL_LIMIT_REJECT);
	ck_assert_uint_eq(r.retry_after_ms, 400);
	/* Retrying when told passes without delay. */
	ck_assert_int_eq(chk(l, "a", IN, 900, &r), POL_LIMIT_PASS);
	pol_limiter_stats(l, &st);
	ck_assert_uint_eq(st.passed, 3);
	ck_assert_uint_eq(st.delayed, 3);
	ck_assert_uint_eq(st.rejected, 1);
	pol_limiter_free(l);

	/* max_delay_ms caps the delay region before delay_burst does. */
	cfg_base(&c, 16, 10, 1, 100, 250);
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	ck_assert_int_eq(chk(l, "a", IN, 0, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "a", IN, 0, &r), POL_LIMIT_DELAY);
	ck_assert_uint_eq(r.delay_ms, 100);
	ck_assert_int_eq(chk(l, "a", IN, 0, &r), POL_LIMIT_DELAY);
	ck_assert_uint_eq(r.delay_ms, 200);
	ck_assert_int_eq(chk(l, "a", IN, 0, &r), POL_LIMIT_REJECT);
	ck_assert_uint_eq(r.retry_after_ms, 300);
	pol_limiter_free(l);
}
END_TEST

START_TEST(test_clock_backwards)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct pol_peer_state	 ps;
	int			 i;

	cfg_base(&c, 16, 10, 3, 0, 0);
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(chk(l, "a", IN, 10000, &r), POL_LIMIT_PASS);
	/* Backwards by 10 s: treated as 10000, neither refilled nor
	 * pushed further into debt. */
	ck_assert_int_eq(chk(l, "a", IN, 0, &r), POL_LIMIT_REJECT);
	ck_assert_uint_eq(r.retry_after_ms, 100);
	ck_assert_int_eq(chk(l, "a", IN, 9999, &r), POL_LIMIT_REJECT);
	ck_assert_uint_eq(r.retry_after_ms, 100);
	ck_assert_int_eq(pol_limit_state(l, P("a"), IN, &ps), 0);
	ck_assert_uint_eq(ps.full_in_ms, 300);
	ck_assert_int_eq(chk(l, "a", IN, 10100, &r), POL_LIMIT_PASS);
	/* A full bucket stays full when time goes backwards after it. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(chk(l, "b", IN, 5, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "b", IN, 5, &r), POL_LIMIT_REJECT);
	/* Absurd clocks do not overflow. */
	ck_assert_int_eq(chk(l, "c", IN, UINT64_MAX, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "c", IN, UINT64_MAX - 1, &r),
	    POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "c", IN, UINT64_MAX, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "c", IN, UINT64_MAX, &r), POL_LIMIT_REJECT);
	pol_limiter_free(l);
}
END_TEST

START_TEST(test_override_rate)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct pol_rate		 o = { 1, 1, 0, 0, 1 };

	cfg_base(&c, 16, 10, 5, 0, 0);
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	ck_assert_int_eq(pol_limit_check(l, P("a"), IN, &o, 0, &r),
	    POL_LIMIT_PASS);
	ck_assert_int_eq(pol_limit_check(l, P("a"), IN, &o, 0, &r),
	    POL_LIMIT_REJECT);
	ck_assert_uint_eq(r.retry_after_ms, 1000);
	/* The state is a time (TAT = now + 1 s), so under the default rate
	 * (T 100 ms, burst 5: tolerance 400 ms) it is 600 ms over. */
	ck_assert_int_eq(pol_limit_check(l, P("a"), IN, NULL, 0, &r),
	    POL_LIMIT_REJECT);
	ck_assert_uint_eq(r.retry_after_ms, 600);
	ck_assert_int_eq(pol_limit_check(l, P("a"), IN, NULL, 600, &r),
	    POL_LIMIT_PASS);
	/* Bad arguments are refused, not crashed on. */
	ck_assert_int_eq(pol_limit_check(NULL, P("a"), IN, NULL, 0, &r),
	    POL_LIMIT_REJECT);
	ck_assert_int_eq(pol_limit_check(l, NULL, 3, IN, NULL, 0, &r),
	    POL_LIMIT_REJECT);
	ck_assert_int_eq(pol_limit_check(l, P("a"), (enum pol_dir)7, NULL,
	    0, &r), POL_LIMIT_REJECT);
	pol_limiter_free(l);
}
END_TEST

START_TEST(test_bad_config)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l = (struct pol_limiter *)1;

	cfg_base(&c, 16, 10, 5, 0, 0);
	c.capacity = POL_LIMITER_MIN_CAPACITY - 1;
	ck_assert_int_eq(pol_limiter_new(&c, &l), POL_ERR_INVAL);
	ck_assert_ptr_null(l);
	c.capacity = POL_LIMITER_MAX_CAPACITY + 1;
	ck_assert_int_eq(pol_limiter_new(&c, &l), POL_ERR_INVAL);
	c.capacity = 16;
	c.probation_max = 16;
	ck_assert_int_eq(pol_limiter_new(&c, &l), POL_ERR_INVAL);
	c.probation_max = 0;
	c.rate[IN].per_sec = 0;
	ck_assert_int_eq(pol_limiter_new(&c, &l), POL_ERR_INVAL);
	c.rate[IN].per_sec = 1;
	c.rate[IN].burst = 0;
	ck_assert_int_eq(pol_limiter_new(&c, &l), POL_ERR_INVAL);
	c.rate[IN].burst = 1;
	c.rate[IN].max_delay_ms = POL_DELAY_MAX_MS + 1;
	ck_assert_int_eq(pol_limiter_new(&c, &l), POL_ERR_INVAL);
	ck_assert_int_eq(pol_limiter_new(NULL, &l), POL_ERR_INVAL);
	/* The defaults are valid; a zero key is replaced by random bytes. */
	pol_limiter_cfg_default(&c);
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	pol_limiter_free(l);
}
END_TEST

START_TEST(test_concurrency)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct pol_limiter_stats st;
	struct pol_peer_state	 ps;

	cfg_base(&c, 16, 10, 5, 0, 0);
	c.rate[OUT].max_concurrent = 2;
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	ck_assert_int_eq(pol_conc_acquire(l, P("d"), OUT, NULL, 0, &r),
	    POL_LIMIT_PASS);
	ck_assert_int_eq(pol_conc_acquire(l, P("d"), OUT, NULL, 0, &r),
	    POL_LIMIT_PASS);
	ck_assert_int_eq(pol_conc_acquire(l, P("d"), OUT, NULL, 0, &r),
	    POL_LIMIT_REJECT);
	ck_assert_int_eq(r.why, POL_WHY_CONCURRENCY);
	ck_assert_uint_eq(r.retry_after_ms, POL_CONC_RETRY_MS);
	/* Inbound is unlimited (max_concurrent 0) and separate. */
	ck_assert_int_eq(pol_conc_acquire(l, P("d"), IN, NULL, 0, NULL),
	    POL_LIMIT_PASS);
	ck_assert_int_eq(pol_limit_state(l, P("d"), OUT, &ps), 0);
	ck_assert_uint_eq(ps.concurrent, 2);
	pol_limiter_stats(l, &st);
	ck_assert_uint_eq(st.busy, 2);
	ck_assert_int_eq(pol_conc_release(l, P("d"), OUT, 1), 0);
	ck_assert_int_eq(pol_conc_acquire(l, P("d"), OUT, NULL, 1, &r),
	    POL_LIMIT_PASS);
	ck_assert_int_eq(pol_conc_release(l, P("d"), OUT, 2), 0);
	ck_assert_int_eq(pol_conc_release(l, P("d"), OUT, 2), 0);
	ck_assert_int_eq(pol_conc_release(l, P("d"), OUT, 2),
	    POL_ERR_NOT_FOUND);
	ck_assert_int_eq(pol_conc_release(l, P("nobody"), OUT, 2),
	    POL_ERR_NOT_FOUND);
	ck_assert_int_eq(pol_conc_release(l, P("d"), IN, 2), 0);
	pol_limiter_stats(l, &st);
	ck_assert_uint_eq(st.busy, 0);
	pol_limiter_free(l);
}
END_TEST

START_TEST(test_admission_budget)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct pol_limiter_stats st;
	char			 name[32];
	int			 i;

	cfg_base(&c, 64, 10, 10, 0, 0);
	c.admission[IN] = (struct pol_rate){ 1, 3, 0, 0, 0 };
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "fresh%d.example", i);
		ck_assert_int_eq(chk(l, name, IN, 0, &r), POL_LIMIT_PASS);
		ck_assert_int_eq(r.tracked, 1);
		ck_assert_int_eq(r.established, 0);
	}
	/* The fourth fresh name finds the shared budget empty: rejected,
	 * and no entry is made for it. */
	ck_assert_int_eq(chk(l, "fresh3.example", IN, 0, &r),
	    POL_LIMIT_REJECT);
	ck_assert_int_eq(r.why, POL_WHY_ADMISSION);
	ck_assert_uint_eq(r.retry_after_ms, 1000);
	ck_assert_int_eq(r.tracked, 0);
	pol_limiter_stats(l, &st);
	ck_assert_uint_eq(st.tracked, 3);
	/* A probation peer with tokens of its own still needs the budget. */
	ck_assert_int_eq(chk(l, "fresh1.example", IN, 0, &r),
	    POL_LIMIT_REJECT);
	ck_assert_int_eq(r.why, POL_WHY_ADMISSION);
	/* The outbound budget is separate. */
	ck_assert_int_eq(chk(l, "fresh3.example", OUT, 0, &r),
	    POL_LIMIT_PASS);
	/* A peer with history does not draw from the budget. */
	ck_assert_int_eq(pol_limit_promote(l, P("fresh0.example"), IN, 0), 0);
	for (i = 0; i < 9; i++) {
		ck_assert_int_eq(chk(l, "fresh0.example", IN, 0, &r),
		    POL_LIMIT_PASS);
		ck_assert_int_eq(r.established, 1);
	}
	ck_assert_int_eq(chk(l, "fresh0.example", IN, 0, &r),
	    POL_LIMIT_REJECT);
	ck_assert_int_eq(r.why, POL_WHY_PEER_RATE);
	ck_assert_int_eq(pol_limit_promote(l, P("never.example"), IN, 0),
	    POL_ERR_NOT_FOUND);
	/* The budget refills at its own rate. */
	ck_assert_int_eq(chk(l, "fresh4.example", IN, 1000, &r),
	    POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "fresh5.example", IN, 1000, &r),
	    POL_LIMIT_REJECT);
	pol_limiter_free(l);
}
END_TEST

START_TEST(test_history)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct pol_peer_state	 ps;
	int			 i;

	cfg_base(&c, 64, 100, 100, 0, 0);
	c.admission[IN] = (struct pol_rate){ 100, 4, 0, 0, 0 };
	c.history_passes = 3;
	c.history_ms = 2000;
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(chk(l, "h.example", IN, 10000, &r),
		    POL_LIMIT_PASS);
	/* Enough passes but too young: still on probation. */
	ck_assert_int_eq(r.established, 0);
	ck_assert_int_eq(chk(l, "h.example", IN, 11000, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(r.established, 0);
	ck_assert_int_eq(chk(l, "h.example", IN, 12000, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(r.established, 1);
	ck_assert_int_eq(pol_limit_state(l, P("h.example"), IN, &ps), 0);
	ck_assert_int_eq(ps.established, 1);
	ck_assert_uint_eq(ps.passes, 5);
	/* Now it passes even when the admission budget is spent. */
	for (i = 0; i < 4; i++) {
		char	name[16];

		snprintf(name, sizeof(name), "n%d", i);
		(void)chk(l, name, IN, 12000, &r);
	}
	ck_assert_int_eq(chk(l, "n9", IN, 12000, &r), POL_LIMIT_REJECT);
	ck_assert_int_eq(chk(l, "h.example", IN, 12000, &r), POL_LIMIT_PASS);
	pol_limiter_free(l);
}
END_TEST

/* Full buckets are evicted before the older entries still in debt. */
START_TEST(test_evict_full_first)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct pol_peer_state	 ps;
	struct pol_limiter_stats st;
	int			 i;

	cfg_base(&c, 16, 10, 5, 0, 0);
	c.probation_max = 3;
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	for (i = 0; i < 5; i++)			/* a: 5 tokens in debt */
		ck_assert_int_eq(chk(l, "a", IN, 0, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "b", IN, 10, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "c", IN, 20, &r), POL_LIMIT_PASS);
	/* At 200 ms: a (oldest) still owes 300 ms, b and c are full. */
	ck_assert_int_eq(chk(l, "d", IN, 200, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(pol_limit_state(l, P("a"), IN, &ps), 0);
	ck_assert_uint_eq(ps.full_in_ms, 300);
	ck_assert_int_eq(pol_limit_state(l, P("b"), IN, &ps),
	    POL_ERR_NOT_FOUND);
	ck_assert_int_eq(pol_limit_state(l, P("c"), IN, &ps), 0);
	/* Next full one (c) goes before a, d. */
	ck_assert_int_eq(chk(l, "e", IN, 200, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(pol_limit_state(l, P("c"), IN, &ps),
	    POL_ERR_NOT_FOUND);
	/* Nothing full among a, d, e: the oldest (a) goes. */
	ck_assert_int_eq(chk(l, "f", IN, 200, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(pol_limit_state(l, P("a"), IN, &ps),
	    POL_ERR_NOT_FOUND);
	pol_limiter_stats(l, &st);
	ck_assert_uint_eq(st.tracked, 3);
	ck_assert_uint_eq(st.evictions, 3);
	pol_limiter_free(l);
}
END_TEST

/* When every probation entry is busy, a new peer gets no entry (the
 * admission budget alone limits it) and cannot take a slot. */
START_TEST(test_table_full_of_busy)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct pol_limiter_stats st;
	struct pol_peer_state	 st2;
	char			 name[16];
	int			 i;

	cfg_base(&c, 16, 10, 5, 0, 0);
	c.probation_max = 4;
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "busy%d", i);
		ck_assert_int_eq(pol_conc_acquire(l, P(name), OUT, NULL, 0,
		    &r), POL_LIMIT_PASS);
	}
	ck_assert_int_eq(chk(l, "new", OUT, 0, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(r.tracked, 0);
	ck_assert_int_eq(pol_conc_acquire(l, P("new"), OUT, NULL, 0, &r),
	    POL_LIMIT_REJECT);
	ck_assert_int_eq(r.why, POL_WHY_TABLE_FULL);
	pol_limiter_stats(l, &st);
	ck_assert_uint_eq(st.untracked, 1);
	ck_assert_uint_eq(st.busy, 4);
	ck_assert_uint_eq(st.evictions, 0);
	/* One busy peer finishes: its entry becomes evictable. */
	ck_assert_int_eq(pol_conc_release(l, P("busy2"), OUT, 1), 0);
	ck_assert_int_eq(pol_conc_acquire(l, P("new"), OUT, NULL, 1, &r),
	    POL_LIMIT_PASS);
	ck_assert_int_eq(pol_limit_state(l, P("busy2"), OUT, &st2),
	    POL_ERR_NOT_FOUND);
	ck_assert_int_eq(pol_limit_state(l, P("busy1"), OUT, &st2), 0);
	ck_assert_int_eq(pol_limit_state(l, P("busy1"), OUT, NULL),
	    POL_ERR_INVAL);
	pol_limiter_free(l);
}
END_TEST

static long
rss_kb(void)
{
	FILE	*f = fopen("/proc/self/statm", "r");
	long	 size, res = -1;

	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * 1,000,000 fresh names against a 1,000-entry table that also holds 100
 * peers with history (one of them in debt) and one busy new peer: the
 * allocation never grows, RSS stays flat, every peer with history keeps
 * its state, and the busy peer keeps its entry and its slot.
 */
START_TEST(test_churn_million)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct pol_limiter_stats st0, st;
	struct pol_peer_state	 ps;
	char			 name[64];
	long			 rss0, rss1;
	uint64_t		 now = 1000;
	int			 i, rejected = 0;

	cfg_base(&c, 1000, 10, 5, 0, 0);	/* probation part: 250 */
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "legit%d.example", i);
		ck_assert_int_eq(chk(l, name, IN, now, &r), POL_LIMIT_PASS);
		ck_assert_int_eq(pol_limit_promote(l, P(name), IN, now), 0);
	}
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(chk(l, "legit0.example", IN, now, &r),
		    POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "legit0.example", IN, now, &r),
	    POL_LIMIT_REJECT);
	ck_assert_int_eq(pol_conc_acquire(l, P("busy.example"), IN, NULL, now,
	    &r), POL_LIMIT_PASS);
	pol_limiter_stats(l, &st0);
	rss0 = rss_kb();

	/* No ck_assert inside the loop: Check allocates a message per
	 * assertion, which would show up in RSS under ASan's quarantine. */
	for (i = 0; i < 1000000; i++) {
		int	n = snprintf(name, sizeof(name), "%07d.churn.example",
		    i);

		if (pol_limit_check(l, name, (size_t)n, IN, NULL, now,
		    &r) == POL_LIMIT_REJECT)
			rejected++;
		if (i % 1000 == 999)
			now++;		/* 1 ms per 1000 names */
	}
	rss1 = rss_kb();
	ck_assert_int_eq(rejected, 0);
	pol_limiter_stats(l, &st);
	fprintf(stderr, "churn: 1000000 fresh names, table %zu bytes "
	    "(unchanged: %s), RSS %+ld kB, %llu evictions, %u/%u tracked, "
	    "%u with history\n", st.bytes, st.bytes == st0.bytes ? "yes" : "no",
	    rss1 - rss0, (unsigned long long)st.evictions, st.tracked,
	    st.capacity, st.established);
	ck_assert_uint_eq(st.bytes, st0.bytes);
	ck_assert_uint_le(st.tracked, st.capacity);
	ck_assert_uint_eq(st.established, 100);
	ck_assert_uint_ge(st.evictions, 1000000 - 250);
	ck_assert_msg(rss1 - rss0 < 1024, "RSS grew by %ld kB", rss1 - rss0);
	ck_assert_msg(st.bytes / st.capacity < 200, "%zu bytes per entry",
	    st.bytes / st.capacity);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "legit%d.example", i);
		ck_assert_int_eq(pol_limit_state(l, P(name), IN, &ps), 0);
		ck_assert_int_eq(ps.established, 1);
	}
	/* legit0's own state survived: its pass count, and (time moved only
	 * 1 s, its burst of 5 refills in 500 ms) a full bucket again. */
	ck_assert_int_eq(pol_limit_state(l, P("legit0.example"), IN, &ps), 0);
	ck_assert_uint_eq(ps.passes, 5);
	ck_assert_uint_eq(ps.full_in_ms, 0);
	ck_assert_int_eq(pol_limit_state(l, P("busy.example"), IN, &ps), 0);
	ck_assert_uint_eq(ps.concurrent, 1);
	ck_assert_int_eq(pol_conc_release(l, P("busy.example"), IN, now), 0);
	pol_limiter_free(l);
}
END_TEST

struct walk_seen {
	char		 names[8][80];
	int		 trunc[8];
	int		 dir[8];
	uint32_t	 passes[8], conc[8], full_in[8];
	int		 n, stop_after;
};

static int
walk_cb(const struct pol_limiter_entry *e, void *arg)
{
	struct walk_seen	*w = arg;

	if (w->n < 8) {
		if (e->name != NULL)
			snprintf(w->names[w->n], sizeof(w->names[0]), "%.*s",
			    (int)e->name_len, e->name);
		else
			strcpy(w->names[w->n], "(null)");
		w->trunc[w->n] = e->name_truncated;
		w->dir[w->n] = e->dir;
		w->passes[w->n] = e->st.passes;
		w->conc[w->n] = e->st.concurrent;
		w->full_in[w->n] = e->st.full_in_ms;
	}
	w->n++;
	return w->stop_after > 0 && w->n >= w->stop_after;
}

static int
walk_find(const struct walk_seen *w, const char *name, int dir)
{
	int	i;

	for (i = 0; i < w->n && i < 8; i++)
		if (strcmp(w->names[i], name) == 0 && w->dir[i] == dir)
			return i;
	return -1;
}

START_TEST(test_walk)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;
	struct walk_seen	 w;
	int			 k, i;

	cfg_base(&c, 16, 10, 5, 0, 0);
	c.name_max = 12;
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	memset(&w, 0, sizeof(w));
	ck_assert_uint_eq(pol_limiter_walk(l, walk_cb, &w), 0);
	ck_assert_int_eq(w.n, 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(chk(l, "a.example", IN, 1000, &r),
		    POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "a.example", OUT, 1000, &r), POL_LIMIT_PASS);
	ck_assert_int_eq(chk(l, "long-name-over-twelve.example", OUT, 1000,
	    &r), POL_LIMIT_PASS);
	ck_assert_int_eq(pol_conc_acquire(l, P("busy.org"), IN, NULL, 1000,
	    &r), POL_LIMIT_PASS);
	ck_assert_uint_eq(pol_limiter_walk(l, walk_cb, &w), 4);
	ck_assert_int_eq(w.n, 4);
	k = walk_find(&w, "a.example", IN);
	ck_assert_int_ge(k, 0);
	ck_assert_uint_eq(w.passes[k], 3);
	ck_assert_uint_eq(w.full_in[k], 300);	/* 3 tokens at 10/s */
	ck_assert_int_eq(w.trunc[k], 0);
	k = walk_find(&w, "a.example", OUT);
	ck_assert_int_ge(k, 0);
	ck_assert_uint_eq(w.passes[k], 1);
	k = walk_find(&w, "long-name-ov", OUT);
	ck_assert_int_ge(k, 0);
	ck_assert_int_eq(w.trunc[k], 1);
	k = walk_find(&w, "busy.org", IN);
	ck_assert_int_ge(k, 0);
	ck_assert_uint_eq(w.conc[k], 1);
	ck_assert_uint_eq(w.passes[k], 0);

	/* The callback stops the walk. */
	memset(&w, 0, sizeof(w));
	w.stop_after = 2;
	ck_assert_uint_eq(pol_limiter_walk(l, walk_cb, &w), 2);

	/* An evicted entry's slot shows the new peer's name. */
	ck_assert_int_eq(pol_conc_release(l, P("busy.org"), IN, 1000), 0);
	for (i = 0; i < 40; i++) {
		char	name[32];

		snprintf(name, sizeof(name), "churn%d.example", i);
		(void)chk(l, name, IN, 100000 + (uint64_t)i * 1000, &r);
	}
	memset(&w, 0, sizeof(w));
	ck_assert_uint_eq(pol_limiter_walk(l, walk_cb, &w), 4);
	ck_assert_int_ge(walk_find(&w, "churn39.exam", IN), 0);
	ck_assert_int_lt(walk_find(&w, "busy.org", IN), 0);
	ck_assert_int_eq(pol_limiter_walk(NULL, walk_cb, &w), 0);
	ck_assert_int_eq(pol_limiter_walk(l, NULL, &w), 0);
	pol_limiter_free(l);

	/* No names kept: entries without a name. */
	cfg_base(&c, 16, 10, 5, 0, 0);
	c.name_max = 0;
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	ck_assert_int_eq(chk(l, "a.example", IN, 1000, &r), POL_LIMIT_PASS);
	memset(&w, 0, sizeof(w));
	ck_assert_uint_eq(pol_limiter_walk(l, walk_cb, &w), 1);
	ck_assert_str_eq(w.names[0], "(null)");
	pol_limiter_free(l);

	c.name_max = POL_KEY_MAX + 1;
	ck_assert_int_eq(pol_limiter_new(&c, &l), POL_ERR_INVAL);
}
END_TEST

Suite *
policy_limit_suite(void)
{
	Suite	*s = suite_create("policy_limit");
	TCase	*tc;

	tc = tcase_create("buckets");
	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_burst_and_refill);
	tcase_add_test(tc, test_burst_one_and_fractional);
	tcase_add_test(tc, test_delay_then_reject);
	tcase_add_test(tc, test_clock_backwards);
	tcase_add_test(tc, test_override_rate);
	tcase_add_test(tc, test_bad_config);
	suite_add_tcase(s, tc);

	tc = tcase_create("table");
	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_concurrency);
	tcase_add_test(tc, test_admission_budget);
	tcase_add_test(tc, test_history);
	tcase_add_test(tc, test_evict_full_first);
	tcase_add_test(tc, test_table_full_of_busy);
	tcase_add_test(tc, test_walk);
	suite_add_tcase(s, tc);

	tc = tcase_create("churn");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_churn_million);
	suite_add_tcase(s, tc);
	return s;
}
