/*
 * check_admin.c - runner for the admin area's unit suites, and the test
 * double of the onion manager's accessors (the real ones live in
 * libgw_onion.a, which these tests do not link).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gatewayd/gw_onion.h"
#include "tests/check_admin.h"

const char *
gw_onion_state_name(enum gw_onion_state st)
{
	static const char *const names[] = { "starting", "tor-unavailable",
	    "publishing", "published", "reachable", "degraded" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ?
	    names[st] : "unknown";
}

void
gw_onion_get_status(const struct gw_onion *on, struct gw_onion_status *st)
{
	*st = on->st;
}

const char *
gw_onion_address(const struct gw_onion *on)
{
	return on->st.address[0] != '\0' ? on->st.address : NULL;
}

void
test_onion_reachable(struct gw_onion *on)
{
	struct timespec	ts;
	uint64_t	now;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	memset(on, 0, sizeof(*on));
	on->st.state = GW_ONION_REACHABLE;
	snprintf(on->st.address, sizeof(on->st.address), "%s",
	    "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion");
	on->st.state_since_ms = now - 90000;
	on->st.tor_connected = 1;
	snprintf(on->st.tor_version, sizeof(on->st.tor_version), "0.4.9.11");
	on->st.bootstrap_percent = 100;
	on->st.network_live = 1;
	on->st.control_reconnects = 2;
	on->st.onion_adds = 3;
	on->st.pow_enabled = 1;
	on->st.round_hsdirs_ok = 6;
	on->st.round_hsdirs_total = 8;
	on->st.round_hsdirs_failed = 2;
	on->st.desc_uploads_ok = 14;
	on->st.desc_uploads_failed = 2;
	on->st.last_upload_ok_ms = (int64_t)now - 42000;
	snprintf(on->st.last_upload_fail, sizeof(on->st.last_upload_fail),
	    "UPLOAD_REJECTED");
	on->st.probes_ok = 5;
	on->st.probes_failed = 1;
	on->st.last_probe_ms = 1800;
	snprintf(on->st.last_probe_fail, sizeof(on->st.last_probe_fail),
	    "timeout");
	/* 0.3 s, 0.8 s, 0.9 s, 1.8 s; and one above every bound. */
	on->st.probe_hist[0] = 1;
	on->st.probe_hist[1] = 2;
	on->st.probe_hist[2] = 1;
	on->st.probe_hist[GW_ONION_NPROBE_BUCKETS] = 1;
	on->st.probe_sum_s = 0.3 + 0.8 + 0.9 + 1.8 + 75;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(admin_render_suite());
	srunner_add_suite(sr, admin_http_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
