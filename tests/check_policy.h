/*
 * check_policy.h - the policy library's Check suites (one runner).
 * Owns: suite constructors only.
 */
#ifndef GW_TESTS_CHECK_POLICY_H
#define GW_TESTS_CHECK_POLICY_H

#include <check.h>

Suite	*policy_name_suite(void);
Suite	*policy_rules_suite(void);
Suite	*policy_limit_suite(void);

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* GW_TESTS_CHECK_POLICY_H */
