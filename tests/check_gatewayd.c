/*
 * check_gatewayd.c - runner for the gatewayd core suites (config, log,
 * notify). Prints Check's summary; exits non-zero on any failure.
 */
#include "config.h"

#include <stdlib.h>

#include "tests/check_gatewayd.h"

const char *
test_srcdir(void)
{
	const char	*s = getenv("top_srcdir");

	return s != NULL && *s != '\0' ? s : ".";
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(gw_config_suite());
	srunner_add_suite(sr, gw_log_suite());
	srunner_add_suite(sr, gw_policy_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
