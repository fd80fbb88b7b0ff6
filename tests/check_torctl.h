/*
 * check_torctl.h - the Check suites of libtorctl, run by tests/check_torctl.
 * Owns: nothing. Never: sleeps on wall time (event loops + watchdogs).
 */
#ifndef GW_TESTS_CHECK_TORCTL_H
#define GW_TESTS_CHECK_TORCTL_H

#include <check.h>

#define GW_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

Suite	*torctl_proto_suite(void);
Suite	*torctl_events_suite(void);
Suite	*torctl_build_suite(void);
Suite	*torctl_onionkey_suite(void);
Suite	*torctl_conn_suite(void);

#endif /* GW_TESTS_CHECK_TORCTL_H */
