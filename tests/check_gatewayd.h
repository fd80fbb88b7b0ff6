/*
 * check_gatewayd.h - suites of the gatewayd core runner (tests/check_gatewayd).
 * Owns: nothing; each suite lives in tests/check_gatewayd_<x>.c.
 */
#ifndef GW_TESTS_CHECK_GATEWAYD_H
#define GW_TESTS_CHECK_GATEWAYD_H

#include <check.h>

Suite	*gw_config_suite(void);
Suite	*gw_log_suite(void);
Suite	*gw_policy_suite(void);

/* $top_srcdir (set by make check), or "." when run by hand from the top. */
const char *test_srcdir(void);

#endif /* GW_TESTS_CHECK_GATEWAYD_H */
