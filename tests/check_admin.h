/*
 * check_admin.h - suites of the admin area's Check runner, and the test
 * double of the onion manager they share.
 * Owns: nothing. Never: used outside tests/.
 */
#ifndef GW_TESTS_CHECK_ADMIN_H
#define GW_TESTS_CHECK_ADMIN_H

#include <check.h>

#include "gatewayd/gw_onion.h"

/* The test double behind gw_onion_get_status() and gw_onion_address():
 * a struct gw_onion that is just a status to hand out. */
struct gw_onion {
	struct gw_onion_status	st;
};

/* Fill 'on' with a healthy "reachable" status. */
void	 test_onion_reachable(struct gw_onion *on);

Suite	*admin_render_suite(void);
Suite	*admin_http_suite(void);

#endif /* GW_TESTS_CHECK_ADMIN_H */
