/*
 * check_inbound_proxy.c - the gateway in-process: a scripted upstream on
 * 127.0.0.1:0 and a raw client, driven by the event loop with a watchdog.
 */
#include "config.h"

#include "tests/check_inbound.h"

Suite *
inbound_proxy_suite(void)
{
	Suite	*s = suite_create("inbound_proxy");

	return s;
}
