/* check_onion.c - runner for the onion manager's Check suites. */
#include "config.h"

#include <stdlib.h>

#include "gatewayd/gw_log.h"
#include "tests/check_onion.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* Transitions go to stderr: readable when a test fails. */
	gw_log_init(GW_LOG_STDERR, getenv("ONION_TEST_DEBUG") ? LOG_DEBUG :
	    LOG_WARNING);
	sr = srunner_create(onion_proto_suite());
	srunner_add_suite(sr, onion_state_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
