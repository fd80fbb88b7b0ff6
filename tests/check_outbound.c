/*
 * check_outbound.c - runner for the outbound area's unit suites.
 */
#include "config.h"

#include <stdlib.h>

#include "tests/check_outbound.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(outbound_proto_suite());
	srunner_add_suite(sr, outbound_glue_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
