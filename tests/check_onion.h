/* check_onion.h - the onion manager's Check suites (tests/check_onion*.c). */
#ifndef GW_TESTS_CHECK_ONION_H
#define GW_TESTS_CHECK_ONION_H

#include <check.h>

#define GW_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

Suite	*onion_proto_suite(void);
Suite	*onion_state_suite(void);

#endif /* GW_TESTS_CHECK_ONION_H */
