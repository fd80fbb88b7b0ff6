/*
 * check_admin_render.c - /metrics, /status and /peers as rendered from a
 * daemon context: with every area off, with the onion double, with a real
 * limiter; the exposition format checked line by line.
 */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "gatewayd/gw_admin.h"
#include "gatewayd/gw_config.h"
#include "gatewayd/gw_daemon.h"
#include "policy/policy.h"
#include "tests/check_admin.h"

static char *
metrics_of(const struct gw_daemon_ctx *ctx, const struct pol_limiter *lim)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	char		*s;

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(gw_admin_render_metrics(ctx, lim, b), 0);
	len = evbuffer_get_length(b);
	s = malloc(len + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(evbuffer_remove(b, s, len), (int)len);
	s[len] = '\0';
	evbuffer_free(b);
	return s;
}

/* Every sample line is NAME[{LABELS}] VALUE and its family was declared
 * by a "# TYPE" line before; no family is declared twice. Return the
 * number of samples. */
static int
check_exposition(const char *text)
{
	regex_t		 sample, type;
	regmatch_t	 m[3];
	char		 line[512], declared[128][80], fam[80];
	const char	*p = text, *nl;
	int		 ndecl = 0, nsamples = 0, i, found;
	size_t		 n;

	ck_assert_int_eq(regcomp(&sample, "^([a-zA-Z_:][a-zA-Z0-9_:]*)"
	    "(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|\\\\.)*\",?)*\\})? "
	    "[-+0-9.eE]+(Inf)?$", REG_EXTENDED), 0);
	ck_assert_int_eq(regcomp(&type, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) "
	    "(counter|gauge|histogram)$", REG_EXTENDED), 0);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "last line without newline");
		n = (size_t)(nl - p);
		ck_assert_uint_lt(n, sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl + 1;
		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		if (regexec(&type, line, 3, m, 0) == 0) {
			n = (size_t)(m[1].rm_eo - m[1].rm_so);
			snprintf(fam, sizeof(fam), "%.*s", (int)n, line);
			memcpy(fam, line + m[1].rm_so, n);
			fam[n] = '\0';
			for (i = 0; i < ndecl; i++)
				ck_assert_msg(strcmp(declared[i], fam) != 0,
				    "%s declared twice", fam);
			ck_assert_int_lt(ndecl, 128);
			snprintf(declared[ndecl++], sizeof(declared[0]), "%s",
			    fam);
			continue;
		}
		ck_assert_msg(regexec(&sample, line, 3, m, 0) == 0,
		    "bad sample line: %s", line);
		n = (size_t)(m[1].rm_eo - m[1].rm_so);
		memcpy(fam, line, n);
		fam[n] = '\0';
		found = 0;
		for (i = 0; i < ndecl && !found; i++) {
			size_t	dl = strlen(declared[i]);

			found = strcmp(fam, declared[i]) == 0 ||
			    (strncmp(fam, declared[i], dl) == 0 &&
			    (strcmp(fam + dl, "_bucket") == 0 ||
			    strcmp(fam + dl, "_sum") == 0 ||
			    strcmp(fam + dl, "_count") == 0));
		}
		ck_assert_msg(found, "sample before its TYPE: %s", line);
		nsamples++;
	}
	regfree(&sample);
	regfree(&type);
	return nsamples;
}

static void
ctx_init(struct gw_daemon_ctx *ctx, struct gw_config *cfg)
{
	memset(ctx, 0, sizeof(*ctx));
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = GW_MODE_DUAL;
	ctx->cfg = cfg;
	ctx->started = time(NULL) - 3600;
	ctx->reloads_ok = 2;
	ctx->reloads_failed = 1;
}

#define HAS(text, s)	ck_assert_msg(strstr((text), (s)) != NULL, \
			    "missing: %s", (s))
#define HASNOT(text, s)	ck_assert_msg(strstr((text), (s)) == NULL, \
			    "unexpected: %s", (s))

START_TEST(test_metrics_areas_off)
{
	struct gw_daemon_ctx	 ctx;
	struct gw_config	 cfg;
	char			*m;

	ctx_init(&ctx, &cfg);
	m = metrics_of(&ctx, NULL);
	ck_assert_int_gt(check_exposition(m), 5);
	HAS(m, "onionfed_build_info{version=\"" PACKAGE_VERSION
	    "\",mode=\"dual\"} 1\n");
	HAS(m, "onionfed_reloads_total{result=\"ok\"} 2\n");
	HAS(m, "onionfed_reloads_total{result=\"failed\"} 1\n");
	HAS(m, "onionfed_area_up{area=\"onion\"} 0\n");
	HAS(m, "onionfed_area_up{area=\"inbound\"} 0\n");
	HAS(m, "onionfed_uptime_seconds 36");	/* 3600 or 3601 */
	HASNOT(m, "onionfed_onion_state");
	HASNOT(m, "onionfed_inbound_");
	HASNOT(m, "onionfed_outbound_");
	HASNOT(m, "onionfed_limiter_");
	free(m);
}
END_TEST

START_TEST(test_metrics_onion)
{
	struct gw_daemon_ctx	 ctx;
	struct gw_config	 cfg;
	struct gw_onion		 on;
	char			*m;

	ctx_init(&ctx, &cfg);
	test_onion_reachable(&on);
	ctx.onion = &on;
	m = metrics_of(&ctx, NULL);
	ck_assert_int_gt(check_exposition(m), 30);
	HAS(m, "onionfed_area_up{area=\"onion\"} 1\n");
	HAS(m, "onionfed_onion_state{state=\"reachable\"} 1\n");
	HAS(m, "onionfed_onion_state{state=\"degraded\"} 0\n");
	HAS(m, "onionfed_onion_state{state=\"tor-unavailable\"} 0\n");
	HAS(m, "onionfed_onion_state_seconds 90");
	HAS(m, "onionfed_tor_bootstrap_percent 100\n");
	HAS(m, "onionfed_tor_control_reconnects_total 2\n");
	HAS(m, "onionfed_onion_descriptor_uploads_total{result=\"ok\"} 14\n");
	HAS(m, "onionfed_onion_descriptor_uploads_total{result=\"failed\"} "
	    "2\n");
	HAS(m, "onionfed_onion_round_hsdirs{result=\"ok\"} 6\n");
	HAS(m, "onionfed_onion_last_upload_ok_seconds 42");
	/* Cumulative buckets from per-bucket counts. */
	HAS(m, "onionfed_onion_probe_latency_seconds_bucket{le=\"0.5\"} 1\n");
	HAS(m, "onionfed_onion_probe_latency_seconds_bucket{le=\"1\"} 3\n");
	HAS(m, "onionfed_onion_probe_latency_seconds_bucket{le=\"2\"} 4\n");
	HAS(m, "onionfed_onion_probe_latency_seconds_bucket{le=\"60\"} 4\n");
	HAS(m, "onionfed_onion_probe_latency_seconds_bucket{le=\"+Inf\"} "
	    "5\n");
	HAS(m, "onionfed_onion_probe_latency_seconds_count 5\n");
	HAS(m, "onionfed_onion_probe_latency_seconds_sum 78.8\n");
	free(m);

	/* Unknowns are left out rather than reported as 0. */
	on.st.state = GW_ONION_TOR_UNAVAILABLE;
	on.st.bootstrap_percent = -1;
	on.st.network_live = -1;
	on.st.last_upload_ok_ms = -1;
	m = metrics_of(&ctx, NULL);
	(void)check_exposition(m);
	HAS(m, "onionfed_onion_state{state=\"tor-unavailable\"} 1\n");
	HAS(m, "onionfed_onion_state{state=\"reachable\"} 0\n");
	HASNOT(m, "onionfed_tor_bootstrap_percent");
	HASNOT(m, "onionfed_tor_network_live");
	HASNOT(m, "onionfed_onion_last_upload_ok_seconds");
	free(m);
}
END_TEST

static struct pol_limiter *
limiter3(void)
{
	struct pol_limiter_cfg	 c;
	struct pol_limiter	*l;
	struct pol_limit_result	 r;

	pol_limiter_cfg_default(&c);
	c.capacity = 64;
	ck_assert_int_eq(pol_limiter_new(&c, &l), 0);
	(void)pol_limit_check(l, "matrix.org", 10, POL_DIR_INBOUND, NULL,
	    1000, &r);
	(void)pol_limit_check(l, "matrix.org", 10, POL_DIR_INBOUND, NULL,
	    1000, &r);
	(void)pol_limit_check(l, "example.org", 11, POL_DIR_OUTBOUND, NULL,
	    1000, &r);
	ck_assert_int_eq(pol_conc_acquire(l, "example.org", 11,
	    POL_DIR_OUTBOUND, NULL, 1000, &r), POL_LIMIT_PASS);
	(void)pol_limit_check(l, "x.example", 9, POL_DIR_INBOUND, NULL, 1000,
	    &r);
	return l;
}

START_TEST(test_metrics_limiter)
{
	struct gw_daemon_ctx	 ctx;
	struct gw_config	 cfg;
	struct pol_limiter	*l = limiter3();
	char			*m;

	ctx_init(&ctx, &cfg);
	m = metrics_of(&ctx, l);
	(void)check_exposition(m);
	HAS(m, "onionfed_limiter_entries{kind=\"tracked\"} 3\n");
	HAS(m, "onionfed_limiter_entries{kind=\"busy\"} 1\n");
	HAS(m, "onionfed_limiter_decisions_total{action=\"pass\"} 4\n");
	HAS(m, "onionfed_limiter_capacity 64\n");
	free(m);
	pol_limiter_free(l);
}
END_TEST

START_TEST(test_status_json)
{
	struct gw_daemon_ctx	 ctx;
	struct gw_config	 cfg;
	struct gw_onion		 on;
	struct pol_limiter	*l = limiter3();
	json_t			*j;
	json_error_t		 je;
	char			*s;

	ctx_init(&ctx, &cfg);
	s = gw_admin_render_status(&ctx, NULL);
	ck_assert_ptr_nonnull(s);
	j = json_loads(s, 0, &je);
	ck_assert_msg(j != NULL, "%s: %s", je.text, s);
	ck_assert_str_eq(json_string_value(json_object_get(j, "version")),
	    PACKAGE_VERSION);
	ck_assert_str_eq(json_string_value(json_object_get(j, "mode")),
	    "dual");
	ck_assert(json_is_null(json_object_get(j, "onion")));
	ck_assert(json_is_null(json_object_get(j, "onion_address")));
	ck_assert(json_is_null(json_object_get(j, "server_name")));
	ck_assert(json_is_null(json_object_get(j, "inbound")));
	ck_assert(json_is_null(json_object_get(j, "outbound")));
	ck_assert(json_is_null(json_object_get(j, "limiter")));
	ck_assert_int_ge(json_integer_value(json_object_get(j, "uptime_s")),
	    3600);
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(j, "reloads"), "failed")), 1);
	json_decref(j);
	free(s);

	test_onion_reachable(&on);
	ctx.onion = &on;
	ctx.onion_address = on.st.address;
	s = gw_admin_render_status(&ctx, l);
	ck_assert_ptr_nonnull(s);
	j = json_loads(s, 0, &je);
	ck_assert_msg(j != NULL, "%s: %s", je.text, s);
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(j, "onion"), "state")), "reachable");
	ck_assert_str_eq(json_string_value(json_object_get(
	    json_object_get(j, "onion"), "address")), on.st.address);
	ck_assert_str_eq(json_string_value(json_object_get(j,
	    "server_name")), on.st.address);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "onion"), "probe"), "last_latency_ms")), 1800);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "onion"), "tor"), "bootstrap_percent")), 100);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(j, "onion"), "descriptors"), "round_hsdirs_ok")),
	    6);
	ck_assert_int_eq(json_integer_value(json_object_get(
	    json_object_get(j, "limiter"), "tracked")), 3);
	json_decref(j);
	free(s);

	/* Unknown values are null. */
	on.st.last_probe_ms = -1;
	on.st.bootstrap_percent = -1;
	s = gw_admin_render_status(&ctx, l);
	j = json_loads(s, 0, &je);
	ck_assert_ptr_nonnull(j);
	ck_assert(json_is_null(json_object_get(json_object_get(
	    json_object_get(j, "onion"), "probe"), "last_latency_ms")));
	ck_assert(json_is_null(json_object_get(json_object_get(
	    json_object_get(j, "onion"), "tor"), "bootstrap_percent")));
	json_decref(j);
	free(s);
	pol_limiter_free(l);
}
END_TEST

START_TEST(test_peers_json)
{
	struct gw_daemon_ctx	 ctx;
	struct gw_config	 cfg;
	struct pol_limiter	*l = limiter3();
	json_t			*j, *peers, *p;
	json_error_t		 je;
	size_t			 i;
	char			*s;
	int			 seen = 0;

	ctx_init(&ctx, &cfg);
	s = gw_admin_render_peers(&ctx, l, 100);
	ck_assert_ptr_nonnull(s);
	j = json_loads(s, 0, &je);
	ck_assert_msg(j != NULL, "%s: %s", je.text, s);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "tracked")), 3);
	ck_assert(json_is_false(json_object_get(j, "truncated")));
	peers = json_object_get(j, "peers");
	ck_assert_uint_eq(json_array_size(peers), 3);
	json_array_foreach(peers, i, p) {
		const char *n = json_string_value(json_object_get(p, "name"));
		const char *d = json_string_value(json_object_get(p,
		    "direction"));

		ck_assert_ptr_nonnull(n);
		if (strcmp(n, "matrix.org") == 0) {
			ck_assert_str_eq(d, "inbound");
			ck_assert_int_eq(json_integer_value(json_object_get(p,
			    "passes")), 2);
			seen |= 1;
		} else if (strcmp(n, "example.org") == 0) {
			ck_assert_str_eq(d, "outbound");
			ck_assert_int_eq(json_integer_value(json_object_get(p,
			    "concurrent")), 1);
			seen |= 2;
		} else if (strcmp(n, "x.example") == 0)
			seen |= 4;
	}
	ck_assert_int_eq(seen, 7);
	json_decref(j);
	free(s);

	/* Bounded: the answer says what it left out. */
	s = gw_admin_render_peers(&ctx, l, 2);
	j = json_loads(s, 0, &je);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "tracked")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "shown")), 2);
	ck_assert(json_is_true(json_object_get(j, "truncated")));
	json_decref(j);
	free(s);

	/* No limiter: an empty list that says so. */
	s = gw_admin_render_peers(&ctx, NULL, 100);
	j = json_loads(s, 0, &je);
	ck_assert_ptr_nonnull(j);
	ck_assert(json_is_false(json_object_get(j, "limiter")));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "peers")), 0);
	json_decref(j);
	free(s);
	pol_limiter_free(l);
}
END_TEST

Suite *
admin_render_suite(void)
{
	Suite	*s = suite_create("admin_render");
	TCase	*tc = tcase_create("render");

	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_metrics_areas_off);
	tcase_add_test(tc, test_metrics_onion);
	tcase_add_test(tc, test_metrics_limiter);
	tcase_add_test(tc, test_status_json);
	tcase_add_test(tc, test_peers_json);
	suite_add_tcase(s, tc);
	return s;
}
