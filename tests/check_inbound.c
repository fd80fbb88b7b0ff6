/*
 * check_inbound.c - Check runner for the inbound area.
 */
#include "config.h"

#include <stdlib.h>

#include "tests/check_inbound.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(inbound_xmatrix_suite());
	srunner_add_suite(sr, inbound_http_suite());
	srunner_add_suite(sr, inbound_err_suite());
	srunner_add_suite(sr, inbound_proxy_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
