/*
 * check_outbound.h - suites of the outbound area's Check runner.
 * Owns: nothing. Never: used outside tests/.
 */
#ifndef GW_TESTS_CHECK_OUTBOUND_H
#define GW_TESTS_CHECK_OUTBOUND_H

#include <check.h>

Suite	*outbound_proto_suite(void);
Suite	*outbound_glue_suite(void);

#endif /* GW_TESTS_CHECK_OUTBOUND_H */
