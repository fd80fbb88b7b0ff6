/* check_torctl.c - runner for the libtorctl Check suites. */
#include "config.h"

#include <stdlib.h>

#include "tests/check_torctl.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(torctl_proto_suite());
	srunner_add_suite(sr, torctl_events_suite());
	srunner_add_suite(sr, torctl_build_suite());
	srunner_add_suite(sr, torctl_onionkey_suite());
	srunner_add_suite(sr, torctl_conn_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
