/*
 * check_policy.c - runner for the policy library's suites.
 */
#include "config.h"

#include <stdlib.h>

#include "tests/check_policy.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(policy_name_suite());
	srunner_add_suite(sr, policy_rules_suite());
	srunner_add_suite(sr, policy_limit_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
