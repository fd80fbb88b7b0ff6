/*
 * check_gatewayd_policy.c - gw_policy: config -> policy/ rules and limiter.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_policy.h"
#include "policy/policy.h"
#include "tests/check_gatewayd.h"

#define UP	"[inbound]\nupstream = http://127.0.0.1:8008\n"
#define ONION	"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"

static struct gw_config *
load(const char *text)
{
	struct gw_config	*cfg = NULL;

	ck_assert_int_eq(gw_config_load_buf("t.conf", text, strlen(text),
	    GW_CONF_F_NOFILES, NULL, NULL, &cfg), 0);
	return cfg;
}

/* Every kind of peer key gets the configured default rate from the "*"
 * override, and a [peer] section wins over it. */
static const struct {
	const char	*peer;
	double		 in_rate;
	double		 out_rate;
} rate_cases[] = {
	{ "matrix.org", 7, 3 },
	{ "matrix.org:8448", 7, 3 },
	{ ONION, 7, 3 },
	{ "127.0.0.1", 7, 3 },
	{ "[::1]:8448", 7, 3 },
	{ "friend.example", 100, 3 },		/* [peer] inbound only */
	{ "a.friends.test", 7, 40 },		/* [peer *.friends.test] */
};

START_TEST(test_rates_from_config)
{
	struct gw_config	*cfg;
	struct gw_policy	*p = NULL;
	struct pol_peer		 peer;
	struct pol_verdict	 v;
	char			 err[256] = "";
	const char		*s = rate_cases[_i].peer;

	cfg = load("[onionfed]\nmode = dual\n" UP "[policy]\n"
	    "allow_onion_peers = yes\nallow_private_addresses = yes\n"
	    "inbound_rate = 7/s burst 70\n"
	    "outbound_tunnels = 3/s burst 30, max 5\n"
	    "[peer friend.example]\ninbound_rate = 100/s burst 1000\n"
	    "[peer *.friends.test]\noutbound_tunnels = 40/s burst 400\n");
	ck_assert_int_eq(gw_policy_new(cfg, &p, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(gw_policy_limiter(p));
	ck_assert_int_eq(pol_check_str(gw_policy_rules(p), s, strlen(s),
	    POL_DIR_INBOUND, &peer, &v), 0);
	ck_assert_int_eq(v.decision, POL_ALLOW);
	ck_assert_ptr_nonnull(v.rate);
	ck_assert_double_eq(v.rate->per_sec, rate_cases[_i].in_rate);
	ck_assert_uint_eq(v.rate->delay_burst, v.rate->burst);
	ck_assert_int_eq(pol_check_str(gw_policy_rules(p), s, strlen(s),
	    POL_DIR_OUTBOUND, &peer, &v), 0);
	ck_assert_ptr_nonnull(v.rate);
	ck_assert_double_eq(v.rate->per_sec, rate_cases[_i].out_rate);
	if (rate_cases[_i].out_rate == 3)
		ck_assert_uint_eq(v.rate->max_concurrent, 5);
	gw_policy_free(p);
	gw_config_free(cfg);
}
END_TEST

START_TEST(test_reload_swaps_rules)
{
	struct gw_config	*a, *b;
	struct gw_policy	*p = NULL;
	const struct pol_rules	*old;
	struct pol_peer		 peer;
	struct pol_verdict	 v;
	char			 err[256] = "";
	int			 restart = -1;

	a = load("[onionfed]\nmode = dual\n" UP);
	b = load("[onionfed]\nmode = dual\n" UP "[policy]\n"
	    "deny = *.spam.test\ninbound_rate = none\n"
	    "new_peer_rate = 5/s burst 9\n");
	ck_assert_int_eq(gw_policy_new(a, &p, err, sizeof(err)), 0);
	old = gw_policy_rules(p);
	ck_assert_int_eq(pol_check_str(old, "x.spam.test", 11,
	    POL_DIR_INBOUND, &peer, &v), 0);
	ck_assert_int_eq(v.decision, POL_ALLOW);
	ck_assert_int_eq(gw_policy_reconfigure(p, b, &restart, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(restart, 1);		/* new_peer_rate changed */
	ck_assert_ptr_ne(gw_policy_rules(p), old);
	ck_assert_int_eq(pol_check_str(gw_policy_rules(p), "x.spam.test", 11,
	    POL_DIR_INBOUND, &peer, &v), 0);
	ck_assert_int_eq(v.decision, POL_DENY);
	/* The old rules are still readable (an area may hold them). */
	ck_assert_int_eq(pol_check_str(old, "x.spam.test", 11,
	    POL_DIR_INBOUND, &peer, &v), 0);
	ck_assert_int_eq(v.decision, POL_ALLOW);
	/* "none" is the fastest rate policy/ takes, not a refusal. */
	ck_assert_int_eq(pol_check_str(gw_policy_rules(p), "ok.test", 7,
	    POL_DIR_INBOUND, &peer, &v), 0);
	ck_assert_ptr_nonnull(v.rate);
	ck_assert_int_eq(pol_rate_valid(v.rate), 0);
	ck_assert_double_gt(v.rate->per_sec, 1e5);
	gw_policy_free(p);
	gw_config_free(a);
	gw_config_free(b);
}
END_TEST

START_TEST(test_allow_list_only)
{
	struct gw_config	*cfg;
	struct gw_policy	*p = NULL;
	struct pol_peer		 peer;
	struct pol_verdict	 v;
	char			 err[256] = "";

	cfg = load("[onionfed]\nmode = dual\n" UP "[policy]\n"
	    "allow_onion_peers = no\nallow_clearnet_peers = no\n"
	    "allow = friend.test\n");
	ck_assert_int_eq(gw_policy_new(cfg, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(pol_check_str(gw_policy_rules(p), "friend.test", 11,
	    POL_DIR_OUTBOUND, &peer, &v), 0);
	ck_assert_int_eq(v.decision, POL_ALLOW);
	ck_assert_int_eq(pol_check_str(gw_policy_rules(p), "other.test", 10,
	    POL_DIR_OUTBOUND, &peer, &v), 0);
	ck_assert_int_eq(v.decision, POL_DENY);
	ck_assert_int_eq(pol_check_str(gw_policy_rules(p), ONION,
	    strlen(ONION), POL_DIR_INBOUND, &peer, &v), 0);
	ck_assert_int_eq(v.decision, POL_DENY);
	gw_policy_free(p);
	gw_config_free(cfg);
}
END_TEST

Suite *
gw_policy_suite(void)
{
	Suite	*s = suite_create("gw_policy");
	TCase	*tc = tcase_create("policy");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_rates_from_config, 0,
	    (int)(sizeof(rate_cases) / sizeof(rate_cases[0])));
	tcase_add_test(tc, test_reload_swaps_rules);
	tcase_add_test(tc, test_allow_list_only);
	suite_add_tcase(s, tc);
	return s;
}
