/*
 * check_inbound.h - the suites of the inbound area's Check runner.
 */
#ifndef GW_TESTS_CHECK_INBOUND_H
#define GW_TESTS_CHECK_INBOUND_H

#include <check.h>

Suite	*inbound_xmatrix_suite(void);
Suite	*inbound_http_suite(void);
Suite	*inbound_err_suite(void);
Suite	*inbound_proxy_suite(void);

#define W(s)	(s), sizeof(s) - 1	/* keep embedded NULs */
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

#endif
