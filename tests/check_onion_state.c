/*
 * check_onion_state.c - the onion manager's state machine against the
 * scripted fake control port (tests/fake_tor.c): first start, descriptor
 * rounds, upload timeouts, lost control connection and re-add, detached
 * leftovers, PoW on old and new tors, collisions, liveness, drain, and the
 * key / server_name checks. Every test runs its own event loop with a
 * watchdog; none sleeps.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_onion.h"
#include "gatewayd/gw_onion_int.h"
#include "tests/check_onion.h"
#include "tests/fake_tor.h"
#include "torctl/torctl.h"
#include "torctl/torctl_onionkey.h"

#define PI_NULL(v) "250-PROTOCOLINFO 1\r\n250-AUTH METHODS=NULL\r\n" \
	"250-VERSION Tor=\"" v "\"\r\n250 OK\r\n"
#define NEW_TOR		"0.4.9.11"
#define OLD_TOR		"0.4.8.9"
#define OK		"250 OK\r\n"
#define STATUS_OK	"250-status/bootstrap-phase=NOTICE BOOTSTRAP " \
	"PROGRESS=100 TAG=done SUMMARY=\"Done\"\r\n" \
	"250-network-liveness=up\r\n250 OK\r\n"
#define NO_ONIONS	"250-onions/current=\r\n250-onions/detached=\r\n" OK

#define MAX_STEPS	40

struct fx {
	struct event_base	*base;
	struct fake_tor		*ft;
	struct gw_config	*cfg;
	struct gw_onion		*on;
	char			 dir[64];
	char			 keypath[128];
	char			 sid[TORCTL_ONION_ID_LEN + 1];
	char			 added[160];	/* 250-ServiceID=... reply */
	char			 detached[160];
	char			 ev[512];
	struct fake_tor_step	 steps[MAX_STEPS];
	size_t			 nsteps;
	int			 drained;
	uint16_t		 socks_port;	/* 0: 9 (closed) */
	const char		*inbound;	/* NULL: onion_listen 8449 */
};

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

static enum gw_onion_state
state_of(const struct fx *f)
{
	struct gw_onion_status	st;

	gw_onion_get_status(f->on, &st);
	return st.state;
}

/* Run the loop until pred(f) or 'ms' pass; return pred(f). */
static int
run_until(struct fx *f, int (*pred)(const struct fx *, long), long arg,
    int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	int		 fired = 0;
	struct event	*wd = evtimer_new(f->base, on_watchdog, &fired);

	evtimer_add(wd, &tv);
	while (!pred(f, arg) && !fired)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(wd);
	return pred(f, arg);
}

static int
is_state(const struct fx *f, long want)
{
	return state_of(f) == (enum gw_onion_state)want;
}

static int
adds_at_least(const struct fx *f, long want)
{
	struct gw_onion_status	st;

	gw_onion_get_status(f->on, &st);
	return (long)st.onion_adds >= want;
}

static int
round_ok_at_least(const struct fx *f, long want)
{
	struct gw_onion_status	st;

	gw_onion_get_status(f->on, &st);
	return (long)st.round_hsdirs_ok >= want;
}

static int
is_drained(const struct fx *f, long unused)
{
	(void)unused;
	return f->drained;
}

static void
step(struct fx *f, const char *expect, const char *reply, unsigned flags)
{
	ck_assert_uint_lt(f->nsteps, MAX_STEPS);
	f->steps[f->nsteps].expect = expect;
	f->steps[f->nsteps].reply = reply;
	f->steps[f->nsteps].reply_len = 0;
	f->steps[f->nsteps].flags = flags;
	f->nsteps++;
}

/* The handshake and the questions before ADD_ONION. */
static void
boot_steps(struct fx *f, const char *pi, const char *onions)
{
	step(f, "PROTOCOLINFO 1", pi, 0);
	step(f, "AUTHENTICATE", OK, 0);
	step(f, "GETINFO version", strstr(pi, OLD_TOR) ?
	    "250-version=" OLD_TOR "\r\n" OK :
	    "250-version=" NEW_TOR "\r\n" OK, 0);
	step(f, "SETEVENTS HS_DESC STATUS_CLIENT NETWORK_LIVENESS", OK, 0);
	step(f, "GETINFO status/bootstrap-phase network-liveness", STATUS_OK,
	    0);
	step(f, "GETINFO onions/current onions/detached", onions, 0);
}

/* A key in a fresh directory; its service id in f->sid. */
static void
fx_init(struct fx *f)
{
	struct torctl_onionkey	*k = NULL;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/check_onion.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	snprintf(f->keypath, sizeof(f->keypath), "%s/onion.key", f->dir);
	ck_assert_int_eq(torctl_onionkey_generate(&k), 0);
	ck_assert_int_eq(torctl_onionkey_save(k, f->keypath), 0);
	ck_assert_int_eq(torctl_onionkey_service_id(k, f->sid,
	    sizeof(f->sid)), 0);
	torctl_onionkey_free(k);
	snprintf(f->added, sizeof(f->added), "250-ServiceID=%s\r\n" OK,
	    f->sid);
	snprintf(f->detached, sizeof(f->detached), "250-onions/current=\r\n"
	    "250-onions/detached=%s\r\n" OK, f->sid);
	f->base = event_base_new();
	ck_assert_ptr_nonnull(f->base);
}

static void
cfg_error(void *arg, const char *msg)
{
	(void)arg;
	ck_abort_msg("config: %s", msg);
}

/* Load a config pointing at the fake tor, with 'extra' lines in [tor]
 * and 'onionfed' lines in [onionfed]. */
static void
fx_config(struct fx *f, const char *onionfed, const char *extra)
{
	char	buf[2048];
	int	n;

	n = snprintf(buf, sizeof(buf),
	    "[onionfed]\nmode = onion-only\n%s\n"
	    "[tor]\ncontrol = 127.0.0.1:%u\nauth = none\n"
	    "socks = 127.0.0.1:%u\nonion_key = %s\nmax_streams = 8\n%s\n"
	    "[inbound]\nupstream = http://127.0.0.1:8008\n"
	    "%s\n"
	    "[health]\nprobe_interval = 0\nupload_timeout = 10s\n",
	    onionfed, f->ft != NULL ? (unsigned)fake_tor_port(f->ft) : 9u,
	    f->socks_port ? (unsigned)f->socks_port : 9u, f->keypath, extra,
	    f->inbound != NULL ? f->inbound : "onion_listen = 127.0.0.1:8449");
	ck_assert_int_lt(n, (int)sizeof(buf));
	ck_assert_int_eq(gw_config_load_buf("test.conf", buf, (size_t)n,
	    GW_CONF_F_NOFILES, cfg_error, NULL, &f->cfg), 0);
}

static void
fx_start(struct fx *f, const char *extra)
{
	char	err[512];

	f->ft = fake_tor_start(f->base, f->steps, f->nsteps);
	ck_assert_ptr_nonnull(f->ft);
	fx_config(f, "", extra);
	f->on = gw_onion_new(f->base, NULL, f->cfg, err, sizeof(err));
	ck_assert_msg(f->on != NULL, "gw_onion_new: %s", err);
	ck_assert_int_eq(state_of(f), GW_ONION_STARTING);
	ck_assert_int_eq(gw_onion_start(f->on), 0);
}

static void
fx_end(struct fx *f)
{
	char	cmd[128];
	int	i;

	gw_onion_free(f->on);
	fake_tor_free(f->ft);
	for (i = 0; i < 20; i++)
		event_base_loop(f->base, EVLOOP_NONBLOCK);
	event_base_free(f->base);
	gw_config_free(f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
emit_hs(struct fx *f, const char *action, const char *hsdir,
    const char *tail)
{
	snprintf(f->ev, sizeof(f->ev), "650 HS_DESC %s %s NO_AUTH %s%s\r\n",
	    action, f->sid, hsdir, tail);
	fake_tor_emit(f->ft, f->ev);
}

static void
no_script_error(const struct fx *f)
{
	ck_assert_msg(fake_tor_last_error(f->ft) == NULL, "fake tor: %s",
	    fake_tor_last_error(f->ft));
}

/* ---- first start, rounds --------------------------------------------- */

START_TEST(test_cold_start_and_rounds)
{
	struct fx		f;
	struct gw_onion_status	st;
	const char		*add;

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "pow_queue_rate = 7\npow_queue_burst = 70\n");
	ck_assert(strncmp(gw_onion_address(f.on), f.sid, 56) == 0);
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	no_script_error(&f);
	add = fake_tor_received(f.ft, 6);
	ck_assert_ptr_nonnull(add);
	ck_assert_ptr_nonnull(strstr(add, " Port=8448,127.0.0.1:8449"));
	ck_assert_ptr_nonnull(strstr(add, " PoWDefensesEnabled=1"));
	ck_assert_ptr_nonnull(strstr(add, " PoWQueueRate=7"));
	ck_assert_ptr_nonnull(strstr(add, " PoWQueueBurst=70"));
	ck_assert_ptr_nonnull(strstr(add, " MaxStreams=8"));
	ck_assert_ptr_null(strstr(add, "Detach"));
	gw_onion_get_status(f.on, &st);
	ck_assert_int_eq(st.tor_connected, 1);
	ck_assert_str_eq(st.tor_version, NEW_TOR);
	ck_assert_int_eq(st.bootstrap_percent, 100);
	ck_assert_int_eq(st.network_live, 1);
	ck_assert_int_eq(st.pow_enabled, 1);
	ck_assert_int_eq(st.ready_sent, 1);
	ck_assert_uint_eq(st.onion_adds, 1);

	/* Round 1: two uploads, both accepted. Other onions are ignored. */
	emit_hs(&f, "UPLOAD", "$AAAA~a", " DESCID1");
	emit_hs(&f, "UPLOAD", "$BBBB~b", " DESCID1");
	fake_tor_emit(f.ft, "650 HS_DESC UPLOADED "
	    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz "
	    "NO_AUTH $AAAA~a\r\n");
	emit_hs(&f, "UPLOADED", "$AAAA~a", "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHED, 3000));
	emit_hs(&f, "UPLOADED", "$BBBB~b", "");
	emit_hs(&f, "FAILED", "$CCCC~c", " REASON=NOT_FOUND"); /* a fetch */
	fake_tor_emit(f.ft, "650 STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED\r\n");
	ck_assert(run_until(&f, round_ok_at_least, 2, 3000));
	gw_onion_get_status(f.on, &st);
	ck_assert_uint_eq(st.round_hsdirs_ok, 2);
	ck_assert_uint_eq(st.round_hsdirs_total, 2);
	ck_assert_uint_eq(st.round_hsdirs_failed, 0);
	ck_assert_uint_eq(st.desc_uploads_ok, 2);
	ck_assert_int_ge(st.last_upload_ok_ms, 0);

	/* Round 2: every HSDir refuses -> degraded, with tor's reason. */
	emit_hs(&f, "UPLOAD", "$AAAA~a", " DESCID2");
	emit_hs(&f, "UPLOAD", "$BBBB~b", " DESCID2");
	emit_hs(&f, "FAILED", "$AAAA~a", " REASON=UPLOAD_REJECTED");
	emit_hs(&f, "FAILED", "$BBBB~b", " REASON=UPLOAD_REJECTED");
	ck_assert(run_until(&f, is_state, GW_ONION_DEGRADED, 3000));
	gw_onion_get_status(f.on, &st);
	ck_assert_uint_eq(st.round_hsdirs_failed, 2);
	ck_assert_uint_eq(st.round_hsdirs_total, 2);
	ck_assert_uint_eq(st.desc_uploads_failed, 2);
	ck_assert_str_eq(st.last_upload_fail, "UPLOAD_REJECTED");
	ck_assert_msg(strstr(st.reason, "failed at 2 of 2 HSDirs") != NULL,
	    "reason: %s", st.reason);

	/* Round 3: one accepted -> published again. */
	emit_hs(&f, "UPLOAD", "$AAAA~a", " DESCID3");
	emit_hs(&f, "UPLOADED", "$AAAA~a", "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHED, 3000));
	gw_onion_get_status(f.on, &st);
	ck_assert_uint_eq(st.round_hsdirs_ok, 1);
	ck_assert_uint_eq(st.round_hsdirs_total, 1);
	ck_assert_str_eq(st.reason, "");
	no_script_error(&f);
	fx_end(&f);
}
END_TEST

/* An UPLOAD without UPLOADED counts as failed after upload_timeout (tor
 * sends no FAILED when the upload circuit dies). */
START_TEST(test_upload_timeout)
{
	struct fx		f;
	struct gw_onion_status	st;

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	gw_onion_test_set_upload_timeout(f.on, 200);
	emit_hs(&f, "UPLOAD", "$AAAA~a", " DESCID1");
	ck_assert(run_until(&f, is_state, GW_ONION_DEGRADED, 4000));
	gw_onion_get_status(f.on, &st);
	ck_assert_str_eq(st.last_upload_fail, "timeout");
	ck_assert_uint_eq(st.round_hsdirs_failed, 1);
	ck_assert_msg(strstr(st.reason, "HSDir") != NULL, "reason: %s",
	    st.reason);
	fx_end(&f);
}
END_TEST

/* No UPLOAD at all (no intro points, HSDirs unreachable): degraded after
 * upload_timeout too. */
START_TEST(test_no_upload_at_all)
{
	struct fx		f;
	struct gw_onion_status	st;

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	gw_onion_test_set_upload_timeout(f.on, 100);
	ck_assert(run_until(&f, is_state, GW_ONION_DEGRADED, 4000));
	gw_onion_get_status(f.on, &st);
	ck_assert_msg(strstr(st.reason, "no HSDir accepted") != NULL,
	    "reason: %s", st.reason);
	fx_end(&f);
}
END_TEST

/* ---- control connection lost -> reconnect, re-add --------------------- */

START_TEST(test_control_lost_readd)
{
	struct fx		f;
	struct gw_onion_status	st;

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	step(&f, NULL, "", FT_UNSOLICITED | FT_HANGUP);	/* tor restarts */
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, adds_at_least, 2, 5000));
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 1000));
	no_script_error(&f);
	gw_onion_get_status(f.on, &st);
	ck_assert_uint_eq(st.control_reconnects, 1);
	ck_assert_uint_eq(st.onion_adds, 2);
	ck_assert_int_eq(st.tor_connected, 1);
	/* The same key both times. */
	ck_assert_str_eq(strstr(fake_tor_received(f.ft, 6), "ED25519-V3:"),
	    strstr(fake_tor_received(f.ft, 13), "ED25519-V3:"));
	fx_end(&f);
}
END_TEST

/* Lost during the handshake, then tor answers again. */
START_TEST(test_lost_in_handshake)
{
	struct fx	f;

	fx_init(&f);
	step(&f, "PROTOCOLINFO 1", "250-PROTOCOLINFO 1\r\n", FT_HANGUP);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_TOR_UNAVAILABLE, 3000));
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 5000));
	no_script_error(&f);
	fx_end(&f);
}
END_TEST

START_TEST(test_tor_down)
{
	struct fx		f;
	struct gw_onion_status	st;
	char			err[512];

	fx_init(&f);
	fx_config(&f, "", "");		/* control = 127.0.0.1:9: closed */
	f.on = gw_onion_new(f.base, NULL, f.cfg, err, sizeof(err));
	ck_assert_ptr_nonnull(f.on);
	ck_assert_int_eq(gw_onion_start(f.on), 0);
	ck_assert(run_until(&f, is_state, GW_ONION_TOR_UNAVAILABLE, 3000));
	gw_onion_get_status(f.on, &st);
	ck_assert_msg(strstr(st.reason, "127.0.0.1:9") != NULL, "reason %s",
	    st.reason);
	ck_assert_int_eq(st.ready_sent, 0);
	ck_assert_int_eq(st.tor_connected, 0);
	fx_end(&f);
}
END_TEST

/* ---- leftovers, collisions, PoW --------------------------------------- */

START_TEST(test_detached_leftover)
{
	struct fx		f;
	struct gw_onion_status	st;
	char			del[80];

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), f.detached);
	snprintf(del, sizeof(del), "DEL_ONION %s", f.sid);
	step(&f, del, OK, 0);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	no_script_error(&f);
	gw_onion_get_status(f.on, &st);
	ck_assert_uint_eq(st.leftovers_removed, 1);
	fx_end(&f);
}
END_TEST

START_TEST(test_collision)
{
	struct fx		f;
	struct gw_onion_status	st;

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", "550 Onion address collision\r\n",
	    0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_DEGRADED, 3000));
	gw_onion_get_status(f.on, &st);
	ck_assert_msg(strstr(st.reason, "collision") != NULL, "reason %s",
	    st.reason);
	ck_assert_uint_eq(st.onion_adds, 0);
	ck_assert_int_eq(st.ready_sent, 0);
	fx_end(&f);
}
END_TEST

START_TEST(test_old_tor_no_pow)
{
	struct fx		f;
	struct gw_onion_status	st;
	const char		*add;

	fx_init(&f);
	boot_steps(&f, PI_NULL(OLD_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	no_script_error(&f);
	add = fake_tor_received(f.ft, 6);
	ck_assert_ptr_null(strstr(add, "PoW"));
	ck_assert_ptr_null(strstr(add, "MaxStreams"));
	gw_onion_get_status(f.on, &st);
	ck_assert_int_eq(st.pow_enabled, 0);
	ck_assert_int_eq(st.pow_supported, 0);
	fx_end(&f);
}
END_TEST

START_TEST(test_pow_required_old_tor)
{
	struct fx		f;
	struct gw_onion_status	st;

	fx_init(&f);
	boot_steps(&f, PI_NULL(OLD_TOR), NO_ONIONS);
	fx_start(&f, "pow_defenses = on\n");
	ck_assert(run_until(&f, is_state, GW_ONION_DEGRADED, 3000));
	ck_assert(!fake_tor_saw(f.ft, "ADD_ONION"));
	gw_onion_get_status(f.on, &st);
	ck_assert_msg(strstr(st.reason, "pow_defenses = on") != NULL,
	    "reason %s", st.reason);
	ck_assert_int_eq(st.ready_sent, 0);
	fx_end(&f);
}
END_TEST

/* A tor that claims the version but refuses the keywords: retry without. */
START_TEST(test_pow_refused_retry)
{
	struct fx		f;
	struct gw_onion_status	st;

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:",
	    "512 Unrecognized keyword \"PoWDefensesEnabled\"\r\n", 0);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	no_script_error(&f);
	ck_assert_ptr_nonnull(strstr(fake_tor_received(f.ft, 6), "PoW"));
	ck_assert_ptr_null(strstr(fake_tor_received(f.ft, 7), "PoW"));
	gw_onion_get_status(f.on, &st);
	ck_assert_int_eq(st.pow_enabled, 0);
	ck_assert_int_eq(st.pow_supported, 0);
	fx_end(&f);
}
END_TEST

/* ---- liveness, bootstrap ---------------------------------------------- */

START_TEST(test_liveness)
{
	struct fx		f;
	struct gw_onion_status	st;

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	emit_hs(&f, "UPLOAD", "$AAAA~a", " D");
	emit_hs(&f, "UPLOADED", "$AAAA~a", "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHED, 3000));
	fake_tor_emit(f.ft, "650 NETWORK_LIVENESS DOWN\r\n");
	ck_assert(run_until(&f, is_state, GW_ONION_DEGRADED, 3000));
	gw_onion_get_status(f.on, &st);
	ck_assert_int_eq(st.network_live, 0);
	ck_assert_msg(strstr(st.reason, "network down") != NULL, "reason %s",
	    st.reason);
	fake_tor_emit(f.ft, "650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=85 "
	    "TAG=ap_conn_done SUMMARY=\"x\"\r\n");
	fake_tor_emit(f.ft, "650 NETWORK_LIVENESS UP\r\n");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHED, 3000));
	gw_onion_get_status(f.on, &st);
	ck_assert_int_eq(st.network_live, 1);
	ck_assert_int_eq(st.bootstrap_percent, 85);
	fx_end(&f);
}
END_TEST

/* ---- drain ------------------------------------------------------------ */

static void
drain_done(void *arg)
{
	((struct fx *)arg)->drained++;
}

START_TEST(test_drain_del_onion)
{
	struct fx	f;
	char		del[80];

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	snprintf(del, sizeof(del), "DEL_ONION %s", f.sid);
	step(&f, del, OK, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	gw_onion_drain(f.on, drain_done, &f);
	ck_assert(run_until(&f, is_drained, 0, 3000));
	ck_assert_int_eq(f.drained, 1);
	no_script_error(&f);
	ck_assert_uint_eq(fake_tor_steps_left(f.ft), 0);
	fx_end(&f);
	ck_assert_int_eq(f.drained, 1);
}
END_TEST

/* tor never answers DEL_ONION: done() after the drain timeout anyway. */
START_TEST(test_drain_stalled)
{
	struct fx	f;

	fx_init(&f);
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	step(&f, "DEL_ONION", NULL, FT_STALL);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	gw_onion_drain(f.on, drain_done, &f);
	ck_assert_int_eq(f.drained, 0);
	ck_assert(run_until(&f, is_drained, 0, 4000));
	fx_end(&f);
	ck_assert_int_eq(f.drained, 1);
}
END_TEST

/* Not connected: done() at once. */
START_TEST(test_drain_unconnected)
{
	struct fx	f;
	char		err[512];

	fx_init(&f);
	fx_config(&f, "", "");
	f.on = gw_onion_new(f.base, NULL, f.cfg, err, sizeof(err));
	ck_assert_ptr_nonnull(f.on);
	gw_onion_drain(f.on, drain_done, &f);
	ck_assert_int_eq(f.drained, 1);
	fx_end(&f);
}
END_TEST

/* ---- key and server_name ---------------------------------------------- */

START_TEST(test_key_created)
{
	struct fx		 f;
	struct torctl_onionkey	*k = NULL;
	struct stat		 sb;
	char			 err[512], sid[64], addr[80];

	fx_init(&f);
	snprintf(f.keypath, sizeof(f.keypath), "%s/sub/onion.key", f.dir);
	fx_config(&f, "", "");
	f.on = gw_onion_new(f.base, NULL, f.cfg, err, sizeof(err));
	ck_assert_msg(f.on != NULL, "%s", err);
	ck_assert_int_eq(stat(f.keypath, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	snprintf(addr, sizeof(addr), "%s/sub", f.dir);
	ck_assert_int_eq(stat(addr, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0700);
	ck_assert_int_eq(torctl_onionkey_load(f.keypath, &k), 0);
	ck_assert_int_eq(torctl_onionkey_service_id(k, sid, sizeof(sid)), 0);
	torctl_onionkey_free(k);
	snprintf(addr, sizeof(addr), "%s.onion", sid);
	ck_assert_str_eq(gw_onion_address(f.on), addr);
	/* A second start loads the same key. */
	gw_onion_free(f.on);
	f.on = gw_onion_new(f.base, NULL, f.cfg, err, sizeof(err));
	ck_assert_ptr_nonnull(f.on);
	ck_assert_str_eq(gw_onion_address(f.on), addr);
	fx_end(&f);
}
END_TEST

START_TEST(test_name_mismatch)
{
	struct fx	f;
	char		err[512], line[128];

	fx_init(&f);
	fx_config(&f, "server_name = "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad.onion",
	    "");
	f.on = gw_onion_new(f.base, NULL, f.cfg, err, sizeof(err));
	ck_assert_ptr_null(f.on);
	snprintf(line, sizeof(line), "%s.onion", f.sid);
	ck_assert_msg(strstr(err, line) != NULL, "%s", err);
	ck_assert_msg(strstr(err, "aaaaaaaa") != NULL, "%s", err);
	gw_config_free(f.cfg);
	f.cfg = NULL;

	/* The right name (any case) starts. */
	snprintf(line, sizeof(line), "server_name = %s.ONION", f.sid);
	fx_config(&f, line, "");
	f.on = gw_onion_new(f.base, NULL, f.cfg, err, sizeof(err));
	ck_assert_msg(f.on != NULL, "%s", err);
	fx_end(&f);
}
END_TEST

START_TEST(test_bad_key_file)
{
	struct fx	f;
	char		err[512];
	FILE		*fp;

	fx_init(&f);
	ck_assert_ptr_nonnull(fp = fopen(f.keypath, "w"));
	fputs("not a key\n", fp);
	fclose(fp);
	fx_config(&f, "", "");
	f.on = gw_onion_new(f.base, NULL, f.cfg, err, sizeof(err));
	ck_assert_ptr_null(f.on);
	ck_assert_msg(strstr(err, f.keypath) != NULL, "%s", err);
	fx_end(&f);
}
END_TEST


/* 8448 -> a unix socket, 443 -> the .well-known listener. */
START_TEST(test_ports_well_known_unix)
{
	struct fx	f;
	const char	*add;

	fx_init(&f);
	f.inbound = "onion_listen = unix:/run/onionfed/onion.sock\n"
	    "well_known_listen = 127.0.0.1:8451";
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "onion_ports = 8448 443\npow_defenses = off\n");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	no_script_error(&f);
	add = fake_tor_received(f.ft, 6);
	ck_assert_msg(strstr(add, " Port=8448,unix:/run/onionfed/onion.sock")
	    != NULL && strstr(add, " Port=443,127.0.0.1:8451") != NULL,
	    "%s", add);
	ck_assert_ptr_null(strstr(add, "PoW"));		/* off */
	ck_assert_ptr_nonnull(strstr(add, " MaxStreams=8"));	/* still */
	fx_end(&f);
}
END_TEST

/* ---- self-probe against a fake SocksPort ------------------------------ */

/* Speaks SOCKS5 with username/password, records what the probe asked,
 * and answers CONNECT with tor's ExtendedErrors 0xF0. */
struct fake_socks {
	struct evconnlistener	*lev;
	uint16_t		 port;
	int			 connects;
	char			 user[64], pass[2][64], host[80];
	unsigned		 dport;
};

static void
socks_read(struct bufferevent *bev, void *arg)
{
	struct fake_socks	*fs = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	size_t			 len = evbuffer_get_length(in), need;
	uint8_t			*b = evbuffer_pullup(in, -1);
	if (len >= 3 && b[0] == 5 && b[1] == 1 && b[2] == 2) {
		bufferevent_write(bev, "\x05\x02", 2);
		evbuffer_drain(in, 3);
		return;
	}
	if (len >= 2 && b[0] == 1) {
		need = 2 + (size_t)b[1];
		if (len < need + 1 || len < need + 1 + b[need])
			return;
		snprintf(fs->user, sizeof(fs->user), "%.*s", (int)b[1], b + 2);
		snprintf(fs->pass[fs->connects & 1], sizeof(fs->pass[0]),
		    "%.*s", (int)b[need], b + need + 1);
		evbuffer_drain(in, need + 1 + b[need]);
		bufferevent_write(bev, "\x01\x00", 2);
		return;
	}
	if (len >= 5 && b[0] == 5 && b[1] == 1 && b[3] == 3) {
		need = 5 + (size_t)b[4] + 2;
		if (len < need)
			return;
		snprintf(fs->host, sizeof(fs->host), "%.*s", (int)b[4], b + 5);
		fs->dport = (unsigned)b[need - 2] << 8 | b[need - 1];
		evbuffer_drain(in, need);
		fs->connects++;
		bufferevent_write(bev, "\x05\xf0\x00\x01\x00\x00\x00\x00\x00\x00",
		    10);
	}
}

static void
socks_event(struct bufferevent *bev, short what, void *arg)
{
	(void)what;
	(void)arg;
	bufferevent_free(bev);
}

static void
socks_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct bufferevent	*bev;

	(void)sa;
	(void)salen;
	bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, socks_read, NULL, socks_event, arg);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

static void
fake_socks_start(struct fake_socks *fs, struct event_base *base)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	memset(fs, 0, sizeof(*fs));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fs->lev = evconnlistener_new_bind(base, socks_accept, fs,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4,
	    (struct sockaddr *)&sin, sizeof(sin));
	ck_assert_ptr_nonnull(fs->lev);
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(fs->lev),
	    (struct sockaddr *)&sin, &len), 0);
	fs->port = ntohs(sin.sin_port);
}

START_TEST(test_probe_failures_degrade)
{
	struct fx		f;
	struct fake_socks	fs;
	struct gw_onion_status	st;
	char			addr[80];

	fx_init(&f);
	fake_socks_start(&fs, f.base);
	f.socks_port = fs.port;
	boot_steps(&f, PI_NULL(NEW_TOR), NO_ONIONS);
	step(&f, "ADD_ONION ED25519-V3:", f.added, 0);
	fx_start(&f, "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHING, 3000));
	gw_onion_test_set_probe_interval(f.on, 200);
	emit_hs(&f, "UPLOAD", "$AAAA~a", " D");
	emit_hs(&f, "UPLOADED", "$AAAA~a", "");
	ck_assert(run_until(&f, is_state, GW_ONION_PUBLISHED, 3000));
	/* Three failed probes in a row: degraded, with SOCKS's reason. */
	ck_assert(run_until(&f, is_state, GW_ONION_DEGRADED, 8000));
	gw_onion_get_status(f.on, &st);
	ck_assert_uint_ge(st.probes_failed, 3);
	ck_assert_uint_eq(st.probes_ok, 0);
	ck_assert_str_eq(st.last_probe_fail, "onion descriptor not found");
	ck_assert_msg(strstr(st.reason, "self-probe failed") != NULL &&
	    strstr(st.reason, "onion descriptor not found") != NULL,
	    "reason: %s", st.reason);
	/* What went to the SocksPort: our onion on 8448, never resolved
	 * here; a username/password isolation token, fresh per probe. */
	snprintf(addr, sizeof(addr), "%s.onion", f.sid);
	ck_assert_str_eq(fs.host, addr);
	ck_assert_uint_eq(fs.dport, 8448);
	ck_assert_str_eq(fs.user, "onionfed-selfprobe");
	ck_assert_str_ne(fs.pass[0], fs.pass[1]);
	ck_assert_int_ge(fs.connects, 3);
	fx_end(&f);
	evconnlistener_free(fs.lev);
}
END_TEST

Suite *
onion_state_suite(void)
{
	Suite	*s = suite_create("onion_state");
	TCase	*tc = tcase_create("lifecycle");

	tcase_set_timeout(tc, 15);
	tcase_add_test(tc, test_cold_start_and_rounds);
	tcase_add_test(tc, test_upload_timeout);
	tcase_add_test(tc, test_no_upload_at_all);
	tcase_add_test(tc, test_control_lost_readd);
	tcase_add_test(tc, test_lost_in_handshake);
	tcase_add_test(tc, test_tor_down);
	tcase_add_test(tc, test_detached_leftover);
	tcase_add_test(tc, test_collision);
	tcase_add_test(tc, test_old_tor_no_pow);
	tcase_add_test(tc, test_pow_required_old_tor);
	tcase_add_test(tc, test_pow_refused_retry);
	tcase_add_test(tc, test_liveness);
	tcase_add_test(tc, test_drain_del_onion);
	tcase_add_test(tc, test_drain_stalled);
	tcase_add_test(tc, test_drain_unconnected);
	tcase_add_test(tc, test_key_created);
	tcase_add_test(tc, test_name_mismatch);
	tcase_add_test(tc, test_bad_key_file);
	tcase_add_test(tc, test_probe_failures_degrade);
	tcase_add_test(tc, test_ports_well_known_unix);
	suite_add_tcase(s, tc);
	return s;
}
