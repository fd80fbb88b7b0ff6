/*
 * check_policy_rules.c - rule precedence, patterns, overrides.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "tests/check_policy.h"

#define SPEC1	"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"
#define SPEC2	"sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd"
#define SPEC3	"xa4r2iadxm55fbnqgwwi5mymqdcofiu3w6rpbtqn7b2dyn7mgwj64jyd"
#define SPEC1_CK "qg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"

/* A: onion off, clearnet on, private off; lists. */
static const char *const a_allow[] = { SPEC1 ".onion", "*.friends.example",
    "192.168.7.7", "evil.org" };
static const char *const a_deny[] = { "*.spam.example", "EVIL.org",
    "www." SPEC2 ".onion", "9.9.9.9", "[2001:4860::8888]" };
/* B: onion on, clearnet off, private on. */
static const char *const b_allow[] = { "matrix.org", "*.friends.example",
    "::1", "Matr?x.n*" };
/* C: deny everything by glob, allow one: deny wins. */
static const char *const c_allow[] = { "matrix.org" };
static const char *const c_deny[] = { "*" };

/* D: onions on, but "*.onion" denied: explicit deny beats allow too. */
static const char *const d_allow[] = { SPEC1 ".onion" };
static const char *const d_deny[] = { "*.onion" };

static struct pol_rules *rules[4];

static void
setup_rules(void)
{
	struct pol_settings	s;
	char			err[256];

	memset(&s, 0, sizeof(s));
	s.allow_clearnet_peers = 1;
	s.allow = a_allow;
	s.nallow = NITEMS(a_allow);
	s.deny = a_deny;
	s.ndeny = NITEMS(a_deny);
	ck_assert_int_eq(pol_rules_new(&s, &rules[0], err, sizeof(err)), 0);

	memset(&s, 0, sizeof(s));
	s.allow_onion_peers = 1;
	s.allow_private_addresses = 1;
	s.allow = b_allow;
	s.nallow = NITEMS(b_allow);
	ck_assert_msg(pol_rules_new(&s, &rules[1], err, sizeof(err)) == 0,
	    "%s", err);

	memset(&s, 0, sizeof(s));
	s.allow_onion_peers = 1;
	s.allow_clearnet_peers = 1;
	s.allow = c_allow;
	s.nallow = NITEMS(c_allow);
	s.deny = c_deny;
	s.ndeny = NITEMS(c_deny);
	ck_assert_int_eq(pol_rules_new(&s, &rules[2], err, sizeof(err)), 0);

	memset(&s, 0, sizeof(s));
	s.allow_onion_peers = 1;
	s.allow = d_allow;
	s.nallow = NITEMS(d_allow);
	s.deny = d_deny;
	s.ndeny = NITEMS(d_deny);
	ck_assert_int_eq(pol_rules_new(&s, &rules[3], err, sizeof(err)), 0);
}

static void
teardown_rules(void)
{
	int	i;

	for (i = 0; i < 4; i++) {
		pol_rules_free(rules[i]);
		rules[i] = NULL;
	}
}

static const struct {
	int		 set;
	const char	*name;
	enum pol_decision d;
	const char	*reason;
} prec[] = {
	/* A */
	{ 0, SPEC1 ".onion", POL_ALLOW, "allowed-by-list" },
	{ 0, "www." SPEC1 ".onion:8448", POL_ALLOW, "allowed-by-list" },
	{ 0, SPEC3 ".onion", POL_DENY, "onion-peers-disabled" },
	{ 0, SPEC2 ".onion", POL_DENY, "denied-by-list" },
	{ 0, "x.y." SPEC2 ".onion", POL_DENY, "denied-by-list" },
	{ 0, SPEC1_CK ".onion", POL_DENY, "invalid-onion" },
	{ 0, "expyuzz4wqqyqhjn.onion", POL_DENY, "invalid-onion" },
	{ 0, "matrix.org", POL_ALLOW, "clearnet-peers-allowed" },
	{ 0, "a.spam.example", POL_DENY, "denied-by-list" },
	{ 0, "x.y.SPAM.example:443", POL_DENY, "denied-by-list" },
	{ 0, "spam.example", POL_ALLOW, "clearnet-peers-allowed" },
	{ 0, "notspam.example", POL_ALLOW, "clearnet-peers-allowed" },
	{ 0, "evil.org:8448", POL_DENY, "denied-by-list" },
	{ 0, "sub.evil.org", POL_ALLOW, "clearnet-peers-allowed" },
	{ 0, "a.friends.example", POL_ALLOW, "allowed-by-list" },
	{ 0, "9.9.9.9", POL_DENY, "denied-by-list" },
	{ 0, "[2001:4860:0:0:0:0:0:8888]", POL_DENY, "denied-by-list" },
	{ 0, "8.8.8.8", POL_ALLOW, "clearnet-peers-allowed" },
	{ 0, "127.0.0.1", POL_DENY, "private-address" },
	{ 0, "192.168.7.7", POL_DENY, "private-address" },
	{ 0, "[::1]:8448", POL_DENY, "private-address" },
	{ 0, "[::ffff:10.0.0.1]", POL_DENY, "private-address" },
	{ 0, "localhost", POL_DENY, "private-address" },
	{ 0, "matrix.org.exit", POL_DENY, "private-address" },
	/* B */
	{ 1, SPEC3 ".onion", POL_ALLOW, "onion-peers-allowed" },
	{ 1, SPEC1_CK ".onion", POL_DENY, "invalid-onion" },
	{ 1, "example.com", POL_DENY, "clearnet-peers-disabled" },
	{ 1, "MATRIX.org:8448", POL_ALLOW, "allowed-by-list" },
	{ 1, "x.friends.example", POL_ALLOW, "allowed-by-list" },
	{ 1, "friends.example", POL_DENY, "clearnet-peers-disabled" },
	{ 1, "127.0.0.1", POL_DENY, "clearnet-peers-disabled" },
	{ 1, "[::1]", POL_ALLOW, "allowed-by-list" },
	{ 1, "[0:0::0:1]:80", POL_ALLOW, "allowed-by-list" },
	{ 1, "matrix.net", POL_ALLOW, "allowed-by-list" },
	{ 1, "matrax.nl", POL_ALLOW, "allowed-by-list" },
	{ 1, "matrix.com", POL_DENY, "clearnet-peers-disabled" },
	/* C */
	{ 2, "matrix.org", POL_DENY, "denied-by-list" },
	{ 2, SPEC3 ".onion", POL_DENY, "denied-by-list" },
	{ 2, SPEC1_CK ".onion", POL_DENY, "invalid-onion" },
	/* D */
	{ 3, SPEC1 ".onion", POL_DENY, "denied-by-list" },
	{ 3, "www." SPEC3 ".onion", POL_DENY, "denied-by-list" },
	{ 3, "onion.example", POL_DENY, "clearnet-peers-disabled" },
};

START_TEST(test_precedence)
{
	struct pol_verdict	v;
	struct pol_peer		p;
	int			r;

	r = pol_check_str(rules[prec[_i].set], prec[_i].name,
	    strlen(prec[_i].name), POL_DIR_OUTBOUND, &p, &v);
	ck_assert_int_eq(r, 0);
	ck_assert_msg(v.decision == prec[_i].d &&
	    strcmp(v.reason_str, prec[_i].reason) == 0,
	    "case %d %s: %s, want %s", _i, prec[_i].name, v.reason_str,
	    prec[_i].reason);
	ck_assert_str_eq(v.reason_str, pol_reason_str(v.reason));
	ck_assert_ptr_null(v.rate);
	/* The decision is the same both ways. */
	pol_check(rules[prec[_i].set], &p, POL_DIR_INBOUND, &v);
	ck_assert_int_eq(v.decision, prec[_i].d);
}
END_TEST

START_TEST(test_bad_name_verdict)
{
	struct pol_verdict	v;

	ck_assert_int_eq(pol_check_str(rules[1], "bad_name", 8,
	    POL_DIR_INBOUND, NULL, &v), POL_ERR_BAD_CHAR);
	ck_assert_int_eq(v.decision, POL_DENY);
	ck_assert_str_eq(v.reason_str, "bad-name");
	ck_assert_int_eq(pol_check_str(rules[1], "", 0, POL_DIR_INBOUND,
	    NULL, &v), POL_ERR_EMPTY);
	ck_assert_str_eq(v.reason_str, "bad-name");
	ck_assert_str_eq(pol_reason_str((enum pol_reason)99), "unknown");
}
END_TEST

static const struct {
	const char	*pat;
	int		 err;
} badpats[] = {
	{ "", POL_ERR_BAD_PATTERN },
	{ "a..b", POL_ERR_BAD_PATTERN },
	{ "example.org:8448", POL_ERR_BAD_PATTERN },
	{ SPEC1_CK ".onion", POL_ERR_BAD_PATTERN },
	{ "expyuzz4wqqyqhjn.onion", POL_ERR_BAD_PATTERN },
	{ "exa mple.org", POL_ERR_BAD_PATTERN },
	{ "exa_mple.org", POL_ERR_BAD_PATTERN },
	{ "*.", POL_ERR_BAD_PATTERN },
	{ "*.a..b", POL_ERR_BAD_PATTERN },
	{ "*.org:80", POL_ERR_BAD_PATTERN },
	{ "*.1.2.3.4", POL_ERR_BAD_PATTERN },
	{ "example.org.", POL_ERR_BAD_PATTERN },
	{ "[::1", POL_ERR_BAD_PATTERN },
	{ "127.1", POL_ERR_BAD_PATTERN },
};

START_TEST(test_bad_patterns)
{
	struct pol_settings	 s;
	struct pol_rules	*r = (struct pol_rules *)1;
	const char		*deny[2] = { "ok.example", badpats[_i].pat };
	char			 err[256];

	memset(&s, 0, sizeof(s));
	s.deny = deny;
	s.ndeny = 2;
	ck_assert_int_eq(pol_rules_new(&s, &r, err, sizeof(err)),
	    badpats[_i].err);
	ck_assert_ptr_null(r);
	ck_assert_msg(strncmp(err, "deny[1]: bad pattern", 20) == 0, "%s",
	    err);
}
END_TEST

START_TEST(test_limits_on_lists)
{
	static char		 buf[POL_RULES_MAX_GLOBS + 1][16];
	const char		*pats[POL_RULES_MAX_GLOBS + 1];
	struct pol_settings	 s;
	struct pol_rules	*r;
	char			 err[256];
	int			 i;

	for (i = 0; i <= POL_RULES_MAX_GLOBS; i++) {
		snprintf(buf[i], sizeof(buf[i]), "a%d*b", i);
		pats[i] = buf[i];
	}
	memset(&s, 0, sizeof(s));
	s.allow = pats;
	s.nallow = POL_RULES_MAX_GLOBS;
	ck_assert_int_eq(pol_rules_new(&s, &r, err, sizeof(err)), 0);
	pol_rules_free(r);
	s.nallow = POL_RULES_MAX_GLOBS + 1;
	ck_assert_int_eq(pol_rules_new(&s, &r, err, sizeof(err)),
	    POL_ERR_TOO_MANY);
	ck_assert_ptr_nonnull(strstr(err, "allow[64]"));
	s.nallow = POL_RULES_MAX_PATTERNS + 1;
	ck_assert_int_eq(pol_rules_new(&s, &r, err, sizeof(err)),
	    POL_ERR_TOO_MANY);
	ck_assert_int_eq(pol_rules_new(NULL, &r, NULL, 0), POL_ERR_INVAL);
	s.nallow = 1;
	s.allow = NULL;
	ck_assert_int_eq(pol_rules_new(&s, &r, NULL, 0), POL_ERR_INVAL);
	pol_rules_free(NULL);
}
END_TEST

START_TEST(test_overrides)
{
	struct pol_override	 o[3];
	struct pol_settings	 s;
	struct pol_rules	*r;
	struct pol_verdict	 v;
	char			 err[256];

	memset(o, 0, sizeof(o));
	o[0].pattern = "x.example";
	o[0].rate[POL_DIR_INBOUND] = (struct pol_rate){ 1, 1, 0, 0, 1 };
	o[1].pattern = "*.example";
	o[1].rate[POL_DIR_INBOUND] = (struct pol_rate){ 2, 2, 0, 0, 2 };
	o[1].rate[POL_DIR_OUTBOUND] = (struct pol_rate){ 3, 3, 0, 0, 3 };
	o[2].pattern = SPEC1 ".onion";
	o[2].rate[POL_DIR_OUTBOUND] = (struct pol_rate){ 100, 500, 0, 0, 0 };
	memset(&s, 0, sizeof(s));
	s.allow_clearnet_peers = 1;
	s.overrides = o;
	s.noverrides = 3;
	ck_assert_int_eq(pol_rules_new(&s, &r, err, sizeof(err)), 0);

	pol_check_str(r, "x.example", 9, POL_DIR_INBOUND, NULL, &v);
	ck_assert_ptr_nonnull(v.rate);
	ck_assert(v.rate->per_sec == 1);
	/* x.example matches only override 0, which sets no outbound rate:
	 * the first match decides, even if it leaves a direction default. */
	pol_check_str(r, "x.example", 9, POL_DIR_OUTBOUND, NULL, &v);
	ck_assert_ptr_null(v.rate);
	pol_check_str(r, "y.example", 9, POL_DIR_OUTBOUND, NULL, &v);
	ck_assert_ptr_nonnull(v.rate);
	ck_assert(v.rate->per_sec == 3);
	pol_check_str(r, "www." SPEC1 ".onion", 66, POL_DIR_OUTBOUND, NULL,
	    &v);
	ck_assert_ptr_nonnull(v.rate);
	ck_assert_uint_eq(v.rate->burst, 500);
	ck_assert_int_eq(v.decision, POL_DENY);	/* overrides never allow */
	pol_check_str(r, "example", 7, POL_DIR_INBOUND, NULL, &v);
	ck_assert_ptr_null(v.rate);
	pol_rules_free(r);

	/* Reversed order: the glob comes first and wins for x.example. */
	o[0].pattern = "*.example";
	o[1].pattern = "x.example";
	ck_assert_int_eq(pol_rules_new(&s, &r, err, sizeof(err)), 0);
	pol_check_str(r, "x.example", 9, POL_DIR_INBOUND, NULL, &v);
	ck_assert(v.rate->per_sec == 1);	/* o[0] rate, now "*.example" */
	pol_check_str(r, "y.example", 9, POL_DIR_INBOUND, NULL, &v);
	ck_assert(v.rate->per_sec == 1);
	pol_rules_free(r);

	/* An override with an out-of-range rate is refused. */
	o[0].rate[POL_DIR_INBOUND].burst = 0;
	ck_assert_int_eq(pol_rules_new(&s, &r, err, sizeof(err)),
	    POL_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(err, "override[0]"));
}
END_TEST

Suite *
policy_rules_suite(void)
{
	Suite	*s = suite_create("policy_rules");
	TCase	*tc;

	tc = tcase_create("precedence");
	tcase_set_timeout(tc, 5);
	tcase_add_checked_fixture(tc, setup_rules, teardown_rules);
	tcase_add_loop_test(tc, test_precedence, 0, (int)NITEMS(prec));
	tcase_add_test(tc, test_bad_name_verdict);
	suite_add_tcase(s, tc);

	tc = tcase_create("patterns");
	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, test_bad_patterns, 0, (int)NITEMS(badpats));
	tcase_add_test(tc, test_limits_on_lists);
	tcase_add_test(tc, test_overrides);
	suite_add_tcase(s, tc);
	return s;
}
