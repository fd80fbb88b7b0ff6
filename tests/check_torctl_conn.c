/*
 * check_torctl_conn.c - the glue (connect, handshake, queue, failures)
 * against tests/fake_tor.c, for faults a real tor can't produce on demand.
 * Every test owns its event_base and runs it with a watchdog; none sleeps.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "tests/check_torctl.h"
#include "tests/fake_tor.h"
#include "torctl/torctl.h"
#include "torctl/torctl_int.h"
#include "torctl/torctl_limits.h"

#define PI_NULL	"250-PROTOCOLINFO 1\r\n250-AUTH METHODS=NULL\r\n" \
	"250-VERSION Tor=\"0.4.9.11\"\r\n250 OK\r\n"
#define VERSION_OK "250-version=0.4.9.11\r\n250 OK\r\n"

struct rec {
	int	ready_done, ready_err;
	int	closed_calls, closed_err;
	int	events;
	int	ncb;
	int	cb_err[16];
	int	cb_status[16];
	char	order[64];
	int	watchdog;
};

static void
on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Run the loop until *flag >= want or 'ms' pass. Return 1 if reached. */
static int
run_until(struct event_base *base, int *flag, int want, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	int		 fired = 0;
	struct event	*wd = evtimer_new(base, on_watchdog, &fired);

	evtimer_add(wd, &tv);
	while (*flag < want && !fired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(wd);
	return *flag >= want;
}

/* Let pending work drain (deferred callbacks) without waiting on time. */
static void
drain(struct event_base *base)
{
	int	i;

	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

static void
on_ready(struct torctl *tc, int err, void *arg)
{
	struct rec	*r = arg;

	(void)tc;
	r->ready_done++;
	r->ready_err = err;
}

static void
on_closed(struct torctl *tc, int err, void *arg)
{
	struct rec	*r = arg;

	(void)tc;
	r->closed_calls++;
	r->closed_err = err;
}

static void
on_event(struct torctl *tc, const struct torctl_reply *rep, void *arg)
{
	struct rec		*r = arg;
	struct torctl_event	 ev;

	(void)tc;
	ck_assert_int_eq(torctl_event_parse(rep, &ev), 0);
	r->events++;
	strcat(r->order, "E");
}

static void
on_cmd(struct torctl *tc, int err, const struct torctl_reply *rep, void *arg)
{
	struct rec	*r = arg;
	const char	*v;
	size_t		 n;

	(void)tc;
	ck_assert_int_lt(r->ncb, 16);
	r->cb_err[r->ncb] = err;
	r->cb_status[r->ncb] = rep != NULL ? torctl_reply_status(rep) : 0;
	r->ncb++;
	if (rep != NULL && torctl_reply_get(rep, "k", &v, &n) == 0)
		strncat(r->order, v, n);
	else
		strcat(r->order, err == 0 ? "s" : "x");
}

struct fixture {
	struct event_base	*base;
	struct fake_tor		*ft;
	struct torctl		*tc;
	struct rec		 rec;
	char			 target[64];
};

static void
fx_start(struct fixture *fx, const struct fake_tor_step *steps, size_t n)
{
	memset(fx, 0, sizeof(*fx));
	fx->base = event_base_new();
	ck_assert_ptr_nonnull(fx->base);
	fx->ft = fake_tor_start(fx->base, steps, n);
	ck_assert_ptr_nonnull(fx->ft);
	fx->tc = torctl_new(fx->base);
	ck_assert_ptr_nonnull(fx->tc);
	torctl_set_event_cb(fx->tc, on_event, &fx->rec);
	torctl_set_closed_cb(fx->tc, on_closed, &fx->rec);
	snprintf(fx->target, sizeof(fx->target), "127.0.0.1:%u",
	    (unsigned)fake_tor_port(fx->ft));
}

static void
fx_connect(struct fixture *fx, int want_err)
{
	ck_assert_int_eq(torctl_connect(fx->tc, fx->target, on_ready,
	    &fx->rec), 0);
	ck_assert(run_until(fx->base, &fx->rec.ready_done, 1, 5000));
	ck_assert_msg(fx->rec.ready_err == want_err, "ready err %d (%s), "
	    "want %d; fake: %s", fx->rec.ready_err,
	    torctl_last_error(fx->tc), want_err,
	    fake_tor_last_error(fx->ft) ? fake_tor_last_error(fx->ft) : "ok");
}

static void
fx_end(struct fixture *fx)
{
	torctl_free(fx->tc);
	fake_tor_free(fx->ft);
	drain(fx->base);	/* let libevent finish deferred frees */
	event_base_free(fx->base);
}

static const struct fake_tor_step boot[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, FT_DRIP },
	{ "GETINFO version", VERSION_OK, 0, 0 },
};

START_TEST(test_boot_null_auth)
{
	struct fixture		fx;
	struct torctl_version	v;

	fx_start(&fx, boot, GW_NITEMS(boot));
	ck_assert_int_eq(torctl_send(fx.tc, "GETINFO version", on_cmd,
	    &fx.rec), TORCTL_ERR_STATE);
	fx_connect(&fx, 0);
	ck_assert(torctl_is_ready(fx.tc));
	ck_assert_int_eq(torctl_auth_used(fx.tc), TORCTL_AUTH_NONE);
	ck_assert_int_eq(torctl_tor_version(fx.tc, &v), 0);
	ck_assert_int_eq(v.patch, 11);
	ck_assert(torctl_tor_at_least(fx.tc, "0.4.9.2"));
	ck_assert(!torctl_tor_at_least(fx.tc, "0.4.10.0"));
	ck_assert_ptr_null(fake_tor_last_error(fx.ft));
	ck_assert_uint_eq(fake_tor_steps_left(fx.ft), 0);
	ck_assert_str_eq(fake_tor_received(fx.ft, 1), "AUTHENTICATE");
	ck_assert_int_eq(torctl_connect(fx.tc, fx.target, on_ready, &fx.rec),
	    TORCTL_ERR_STATE);
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step boot_drip[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, FT_DRIP },
	{ "AUTHENTICATE", "250 OK\r\n", 0, FT_DRIP },
	{ "GETINFO version", VERSION_OK, 0, FT_DRIP },
	{ "GETINFO k", "250+k=\r\nline1\r\n..dot\r\n.\r\n250 OK\r\n", 0,
	    FT_DRIP },
};

START_TEST(test_dripped)
{
	struct fixture	 fx;
	const char	*keys[] = { "k" };

	fx_start(&fx, boot_drip, GW_NITEMS(boot_drip));
	fx_connect(&fx, 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	ck_assert(run_until(fx.base, &fx.rec.ncb, 1, 5000));
	ck_assert_int_eq(fx.rec.cb_err[0], 0);
	ck_assert_str_eq(fx.rec.order, "line1\n.dot");
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step pipeline[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", VERSION_OK, 0, 0 },
	{ "GETINFO k", "250-k=a\r\n650 STATUS_CLIENT NOTICE "
	    "CIRCUIT_ESTABLISHED\r\n250 OK\r\n", 0, 0 },
	{ "GETINFO k", "250-k=b\r\n650-CONF_CHANGED\r\n250 OK\r\n", 0, 0 },
	{ "SIGNAL NEWNYM", "650-Nickname=x\r\n650 OK\r\n250 OK\r\n", 0, 0 },
	{ "GETINFO nope", "552 Unrecognized key \"nope\"\r\n", 0, 0 },
};

START_TEST(test_pipelining_and_events)
{
	struct fixture	 fx;
	const char	*keys[] = { "k" }, *nope[] = { "nope" };

	fx_start(&fx, pipeline, GW_NITEMS(pipeline));
	fx_connect(&fx, 0);
	/* four commands in flight before any reply */
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	ck_assert_int_eq(torctl_signal(fx.tc, "NEWNYM", on_cmd, &fx.rec), 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, nope, 1, on_cmd, &fx.rec), 0);
	ck_assert(run_until(fx.base, &fx.rec.ncb, 4, 5000));
	/* the event inside reply 1 is delivered when it completes; the
	 * multi-line event spanning replies 2 and 3 when its end line comes */
	ck_assert_str_eq(fx.rec.order, "EabEsx");
	ck_assert_int_eq(fx.rec.events, 2);
	ck_assert_int_eq(fx.rec.cb_err[3], TORCTL_ERR_REPLY);
	ck_assert_int_eq(fx.rec.cb_status[3], 552);
	ck_assert_int_eq(fx.rec.closed_calls, 0);
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step hangup_mid[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", VERSION_OK, 0, 0 },
	{ "GETINFO k", "250-k=partial\r\n250-k2=", 0, FT_HANGUP },
};

START_TEST(test_hangup_mid_reply)
{
	struct fixture	 fx;
	const char	*keys[] = { "k" };
	int		 i;

	fx_start(&fx, hangup_mid, GW_NITEMS(hangup_mid));
	fx_connect(&fx, 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd,
		    &fx.rec), 0);
	ck_assert(run_until(fx.base, &fx.rec.closed_calls, 1, 5000));
	drain(fx.base);
	ck_assert_int_eq(fx.rec.ncb, 3);		/* each exactly once */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(fx.rec.cb_err[i], TORCTL_ERR_CLOSED);
	ck_assert_int_eq(fx.rec.closed_calls, 1);
	ck_assert_int_eq(fx.rec.closed_err, TORCTL_ERR_CLOSED);
	ck_assert(!torctl_is_ready(fx.tc));
	ck_assert_int_eq(torctl_send(fx.tc, "GETINFO k", on_cmd, &fx.rec),
	    TORCTL_ERR_STATE);
	fx_end(&fx);
	ck_assert_int_eq(fx.rec.ncb, 3);
}
END_TEST

static const struct fake_tor_step hangup_auth[] = {
	{ "PROTOCOLINFO 1", "250-PROTOCOLINFO 1\r\n250-AUTH METH", 0,
	    FT_HANGUP },
};

START_TEST(test_hangup_mid_auth)
{
	struct fixture	fx;

	fx_start(&fx, hangup_auth, GW_NITEMS(hangup_auth));
	fx_connect(&fx, TORCTL_ERR_CLOSED);
	drain(fx.base);
	ck_assert_int_eq(fx.rec.ready_done, 1);
	ck_assert_int_eq(fx.rec.closed_calls, 0);
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step garbage[] = {
	{ "PROTOCOLINFO 1", "HTTP/1.0 400 Bad Request\r\n\r\n", 0, 0 },
};

START_TEST(test_garbage)
{
	struct fixture	fx;

	fx_start(&fx, garbage, GW_NITEMS(garbage));
	fx_connect(&fx, TORCTL_ERR_PROTO);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc), "bad reply"));
	fx_end(&fx);
}
END_TEST

static char	huge[TORCTL_MAX_LINE + 64];

static const struct fake_tor_step oversize[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", VERSION_OK, 0, 0 },
	{ "GETINFO k", huge, 0, 0 },
};

START_TEST(test_oversize_line)
{
	struct fixture	 fx;
	const char	*keys[] = { "k" };

	/* _i = 0: no CRLF at all; 1: CRLF just past the limit */
	memset(huge, 'a', sizeof(huge) - 1);
	memcpy(huge, "250-k=", 6);
	huge[sizeof(huge) - 1] = '\0';
	if (_i == 1) {
		huge[TORCTL_MAX_LINE + 1] = '\r';
		huge[TORCTL_MAX_LINE + 2] = '\n';
		huge[TORCTL_MAX_LINE + 3] = '\0';
	}
	fx_start(&fx, oversize, GW_NITEMS(oversize));
	fx_connect(&fx, 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	ck_assert(run_until(fx.base, &fx.rec.closed_calls, 1, 5000));
	ck_assert_int_eq(fx.rec.closed_err, TORCTL_ERR_TOOBIG);
	ck_assert_int_eq(fx.rec.ncb, 1);
	ck_assert_int_eq(fx.rec.cb_err[0], TORCTL_ERR_CLOSED);
	fx_end(&fx);
}
END_TEST

static char	big_pi[TORCTL_MAX_PREAUTH_REPLY + 2048];

static const struct fake_tor_step preauth_big[] = {
	{ "PROTOCOLINFO 1", big_pi, 0, 0 },
};

/* Before authentication a reply may not exceed TORCTL_MAX_PREAUTH_REPLY,
 * though every line is far below TORCTL_MAX_LINE. */
START_TEST(test_preauth_limit)
{
	struct fixture	fx;
	size_t		n = 0;

	while (n + 1100 < sizeof(big_pi) - 16) {
		n += (size_t)snprintf(big_pi + n, sizeof(big_pi) - n, "250-X=");
		memset(big_pi + n, 'x', 1000);
		n += 1000;
		big_pi[n++] = '\r';
		big_pi[n++] = '\n';
	}
	snprintf(big_pi + n, sizeof(big_pi) - n, "250 OK\r\n");
	fx_start(&fx, preauth_big, GW_NITEMS(preauth_big));
	fx_connect(&fx, TORCTL_ERR_TOOBIG);
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step stall[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", VERSION_OK, 0, 0 },
	{ "GETINFO k", NULL, 0, FT_STALL },
};

START_TEST(test_command_timeout)
{
	struct fixture	 fx;
	const char	*keys[] = { "k" };

	fx_start(&fx, stall, GW_NITEMS(stall));
	torctl_set_timeouts(fx.tc, 0, 150);
	fx_connect(&fx, 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	ck_assert(run_until(fx.base, &fx.rec.closed_calls, 1, 5000));
	drain(fx.base);
	ck_assert_int_eq(fx.rec.ncb, 2);
	ck_assert_int_eq(fx.rec.cb_err[0], TORCTL_ERR_TIMEOUT);
	ck_assert_int_eq(fx.rec.cb_err[1], TORCTL_ERR_CLOSED);
	ck_assert_int_eq(fx.rec.closed_err, TORCTL_ERR_TIMEOUT);
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step stall_auth[] = {
	{ "PROTOCOLINFO 1", NULL, 0, FT_STALL },
};

START_TEST(test_connect_timeout)
{
	struct fixture	fx;

	fx_start(&fx, stall_auth, GW_NITEMS(stall_auth));
	torctl_set_timeouts(fx.tc, 150, 0);
	fx_connect(&fx, TORCTL_ERR_TIMEOUT);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc), "150 ms"));
	fx_end(&fx);
}
END_TEST

START_TEST(test_connect_refused)
{
	struct fixture	fx;

	fx_start(&fx, boot, GW_NITEMS(boot));
	/* close the listener: nobody listens on that port any more */
	fake_tor_free(fx.ft);
	fx.ft = NULL;
	fx_connect(&fx, TORCTL_ERR_CONNECT);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc), fx.target));
	fx_end(&fx);
}
END_TEST

static char	cookie_path[256];
static char	pi_cookie[512];
static char	ac_reply[256];

static void
make_cookie(int len)
{
	char	dir[] = "/tmp/check_torctl_ck_XXXXXX";
	uint8_t	c[64];
	int	fd;

	memset(c, 0x42, sizeof(c));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cookie_path, sizeof(cookie_path), "%s/control_auth_cookie",
	    dir);
	fd = open(cookie_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, c, (size_t)len), len);
	close(fd);
	snprintf(pi_cookie, sizeof(pi_cookie), "250-PROTOCOLINFO 1\r\n"
	    "250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE=\"%s\"\r\n"
	    "250-VERSION Tor=\"0.4.9.11\"\r\n250 OK\r\n", cookie_path);
}

static void
rm_cookie(void)
{
	char	*slash;

	unlink(cookie_path);
	if ((slash = strrchr(cookie_path, '/')) != NULL) {
		*slash = '\0';
		rmdir(cookie_path);
	}
}

static const struct fake_tor_step bad_serverhash[] = {
	{ "PROTOCOLINFO 1", pi_cookie, 0, 0 },
	{ "AUTHCHALLENGE SAFECOOKIE ", ac_reply, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },	/* must never be reached */
};

START_TEST(test_wrong_server_hash)
{
	struct fixture	fx;
	size_t		i;

	make_cookie(32);
	snprintf(ac_reply, sizeof(ac_reply), "250 AUTHCHALLENGE SERVERHASH=%s "
	    "SERVERNONCE=%s\r\n",
	    "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF",
	    "0000000000000000000000000000000000000000000000000000000000000001");
	fx_start(&fx, bad_serverhash, GW_NITEMS(bad_serverhash));
	fx_connect(&fx, TORCTL_ERR_SERVERHASH);
	drain(fx.base);
	ck_assert(fake_tor_saw(fx.ft, "AUTHCHALLENGE SAFECOOKIE "));
	for (i = 0; i < fake_tor_nreceived(fx.ft); i++)
		ck_assert_msg(strncmp(fake_tor_received(fx.ft, i),
		    "AUTHENTICATE", 12) != 0, "sent %s",
		    fake_tor_received(fx.ft, i));
	ck_assert_uint_eq(fake_tor_steps_left(fx.ft), 1);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc), "server hash"));
	fx_end(&fx);
	rm_cookie();
}
END_TEST

#define SC_SERVER_WANT \
	"7d4528ab3836b9e97222438c2d0803cf04408456f61e63a6752ed12a172ecb9e"
#define SC_CLIENT_WANT \
	"588f9bc8f8c2c9d34a2914e6f4cd4f9c8c5caccf6a20396adcb897cc2e9d9b6a"

/* The fake computes nothing, so we check our HMAC against a value made
 * independently (Python hmac, cookie 32x0x42, nonces 32x0x01 / 32x0x02). */
START_TEST(test_safecookie_hmac)
{
	uint8_t	cookie[32], cn[32], sn[32], out[32];
	char	hexout[65];
	int	i;

	memset(cookie, 0x42, 32);
	memset(cn, 0x01, 32);
	memset(sn, 0x02, 32);
	torctl_safecookie_hash(1, cookie, cn, sn, out);
	for (i = 0; i < 32; i++)
		snprintf(hexout + 2 * i, 3, "%02x", out[i]);
	ck_assert_str_eq(hexout, SC_SERVER_WANT);
	torctl_safecookie_hash(0, cookie, cn, sn, out);
	for (i = 0; i < 32; i++)
		snprintf(hexout + 2 * i, 3, "%02x", out[i]);
	ck_assert_str_eq(hexout, SC_CLIENT_WANT);
}
END_TEST

static const struct fake_tor_step cookie_steps[] = {
	{ "PROTOCOLINFO 1", pi_cookie, 0, 0 },
	{ "AUTHENTICATE 424242", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", VERSION_OK, 0, 0 },
};

START_TEST(test_cookie_auth)
{
	struct fixture	fx;

	make_cookie(32);
	fx_start(&fx, cookie_steps, GW_NITEMS(cookie_steps));
	torctl_set_auth(fx.tc, TORCTL_AUTH_COOKIE);
	fx_connect(&fx, 0);
	ck_assert_int_eq(torctl_auth_used(fx.tc), TORCTL_AUTH_COOKIE);
	fx_end(&fx);
	rm_cookie();
}
END_TEST

START_TEST(test_cookie_errors)
{
	struct fixture	fx;

	/* _i 0: the file is missing; 1: it is 31 bytes */
	make_cookie(_i == 0 ? 32 : 31);
	if (_i == 0)
		unlink(cookie_path);
	fx_start(&fx, cookie_steps, GW_NITEMS(cookie_steps));
	torctl_set_auth(fx.tc, TORCTL_AUTH_COOKIE);
	fx_connect(&fx, TORCTL_ERR_COOKIE);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc), cookie_path));
	if (_i == 0)
		ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc),
		    "running as uid"));
	else
		ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc),
		    "32 bytes"));
	ck_assert(!fake_tor_saw(fx.ft, "AUTHENTICATE"));
	fx_end(&fx);
	rm_cookie();
}
END_TEST

static const struct fake_tor_step pw_steps[] = {
	{ "PROTOCOLINFO 1", "250-PROTOCOLINFO 1\r\n250-AUTH "
	    "METHODS=HASHEDPASSWORD\r\n250 OK\r\n", 0, 0 },
	/* hex of "s3cret" */
	{ "AUTHENTICATE 733363726574", "515 Authentication failed: Password "
	    "did not match HashedControlPassword value from configuration\r\n",
	    0, FT_HANGUP },
};

START_TEST(test_wrong_password)
{
	struct fixture	fx;

	fx_start(&fx, pw_steps, GW_NITEMS(pw_steps));
	ck_assert_int_eq(torctl_set_password(fx.tc, "bad\npw"),
	    TORCTL_ERR_INVAL);
	ck_assert_int_eq(torctl_set_password(fx.tc, "s3cret"), 0);
	fx_connect(&fx, TORCTL_ERR_AUTH);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc),
	    "wrong password"));
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc), "515"));
	ck_assert_ptr_null(fake_tor_last_error(fx.ft));
	fx_end(&fx);
}
END_TEST

START_TEST(test_no_method)
{
	struct fixture	fx;

	/* tor wants a password, none is configured */
	fx_start(&fx, pw_steps, GW_NITEMS(pw_steps));
	fx_connect(&fx, TORCTL_ERR_NOMETHOD);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc),
	    "HASHEDPASSWORD"));
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc),
	    "no password is configured"));
	fx_end(&fx);
	/* config insists on safecookie, tor offers NULL only */
	fx_start(&fx, boot, GW_NITEMS(boot));
	torctl_set_auth(fx.tc, TORCTL_AUTH_SAFECOOKIE);
	fx_connect(&fx, TORCTL_ERR_NOMETHOD);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc),
	    "auth=safecookie"));
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step old_tor[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", "250-version=0.3.4.11\r\n250 OK\r\n", 0, 0 },
};

START_TEST(test_old_tor)
{
	struct fixture	fx;

	fx_start(&fx, old_tor, GW_NITEMS(old_tor));
	fx_connect(&fx, TORCTL_ERR_VERSION);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(fx.tc), "too old"));
	fx_end(&fx);
}
END_TEST

START_TEST(test_send_refusals)
{
	struct fixture	 fx;
	const char	*evil[] = { "version\r\nSIGNAL HALT" };

	fx_start(&fx, boot, GW_NITEMS(boot));
	fx_connect(&fx, 0);
	ck_assert_int_eq(torctl_send(fx.tc, "GETINFO version\r\nSIGNAL HALT",
	    on_cmd, &fx.rec), TORCTL_ERR_INVAL);
	ck_assert_int_eq(torctl_send(fx.tc, "SIGNAL HALT\n", on_cmd, &fx.rec),
	    TORCTL_ERR_INVAL);
	ck_assert_int_eq(torctl_getinfo(fx.tc, evil, 1, on_cmd, &fx.rec),
	    TORCTL_ERR_INVAL);
	ck_assert_int_eq(torctl_del_onion(fx.tc, "x y", on_cmd, &fx.rec),
	    TORCTL_ERR_INVAL);
	drain(fx.base);
	ck_assert_int_eq(fx.rec.ncb, 0);		/* never called */
	ck_assert_uint_eq(fake_tor_nreceived(fx.ft), 3);	/* nothing sent */
	ck_assert_ptr_null(fake_tor_last_error(fx.ft));
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step unsolicited[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", VERSION_OK, 0, 0 },
	{ NULL, "250 OK\r\n", 0, FT_UNSOLICITED },
};

START_TEST(test_reply_without_command)
{
	struct fixture	fx;

	fx_start(&fx, unsolicited, GW_NITEMS(unsolicited));
	fx_connect(&fx, 0);
	ck_assert(run_until(fx.base, &fx.rec.closed_calls, 1, 5000));
	ck_assert_int_eq(fx.rec.closed_err, TORCTL_ERR_PROTO);
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step pending_free[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", VERSION_OK, 0, 0 },
	{ "GETINFO k", NULL, 0, FT_STALL },
};

START_TEST(test_free_with_pending)
{
	struct fixture	 fx;
	const char	*keys[] = { "k" };

	fx_start(&fx, pending_free, GW_NITEMS(pending_free));
	fx_connect(&fx, 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	torctl_free(fx.tc);
	fx.tc = NULL;
	ck_assert_int_eq(fx.rec.ncb, 2);
	ck_assert_int_eq(fx.rec.cb_err[0], TORCTL_ERR_CLOSED);
	ck_assert_int_eq(fx.rec.cb_err[1], TORCTL_ERR_CLOSED);
	ck_assert_int_eq(fx.rec.closed_calls, 0);
	fx_end(&fx);
	torctl_free(NULL);
}
END_TEST

static void
close_in_cb(struct torctl *tc, int err, const struct torctl_reply *rep,
    void *arg)
{
	on_cmd(tc, err, rep, arg);
	torctl_close(tc);
}

static const struct fake_tor_step two_replies[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", VERSION_OK, 0, 0 },
	{ "GETINFO k", "250-k=a\r\n250 OK\r\n", 0, 0 },
	{ "GETINFO k", "250-k=b\r\n250 OK\r\n", 0, 0 },
	{ "GETINFO k", "250-k=c\r\n250 OK\r\n", 0, 0 },
};

/* Closing from inside a reply callback, with the next replies already in
 * our input buffer: the rest fail once with CLOSED, nothing else runs. */
START_TEST(test_close_inside_callback)
{
	struct fixture	 fx;
	const char	*keys[] = { "k" };

	fx_start(&fx, two_replies, GW_NITEMS(two_replies));
	fx_connect(&fx, 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, close_in_cb, &fx.rec),
	    0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	ck_assert_int_eq(torctl_getinfo(fx.tc, keys, 1, on_cmd, &fx.rec), 0);
	ck_assert(run_until(fx.base, &fx.rec.ncb, 3, 5000));
	drain(fx.base);
	ck_assert_int_eq(fx.rec.ncb, 3);
	ck_assert_str_eq(fx.rec.order, "axx");
	ck_assert_int_eq(fx.rec.cb_err[1], TORCTL_ERR_CLOSED);
	ck_assert_int_eq(fx.rec.cb_err[2], TORCTL_ERR_CLOSED);
	ck_assert_int_eq(fx.rec.closed_calls, 0);
	ck_assert(!torctl_is_ready(fx.tc));
	fx_end(&fx);
}
END_TEST

static const struct fake_tor_step slow_auth[] = {
	{ "PROTOCOLINFO 1", NULL, 0, FT_STALL },
};

START_TEST(test_close_while_connecting)
{
	struct fixture	fx;

	fx_start(&fx, slow_auth, GW_NITEMS(slow_auth));
	ck_assert_int_eq(torctl_connect(fx.tc, fx.target, on_ready, &fx.rec),
	    0);
	ck_assert(run_until(fx.base, &fx.rec.watchdog, 1, 50) == 0);
	torctl_close(fx.tc);
	ck_assert_int_eq(fx.rec.ready_done, 1);
	ck_assert_int_eq(fx.rec.ready_err, TORCTL_ERR_CLOSED);
	drain(fx.base);
	ck_assert_int_eq(fx.rec.ready_done, 1);
	fx_end(&fx);
}
END_TEST

/* Reconnect from the closed callback, driven by the backoff helper. */
struct reco {
	struct fixture		*fx;
	char			 target2[64];
	struct torctl_backoff	 b;
	uint32_t		 delay;
	int			 reconnected;
};

static void
reco_ready(struct torctl *tc, int err, void *arg)
{
	struct reco	*r = arg;

	(void)tc;
	if (err == 0)
		r->reconnected = 1;
}

static void
reco_closed(struct torctl *tc, int err, void *arg)
{
	struct reco	*r = arg;

	(void)err;
	r->delay = torctl_backoff_next(&r->b, 7);
	ck_assert_int_eq(torctl_connect(tc, r->target2, reco_ready, r), 0);
}

static const struct fake_tor_step hang_now[] = {
	{ "PROTOCOLINFO 1", PI_NULL, 0, 0 },
	{ "AUTHENTICATE", "250 OK\r\n", 0, 0 },
	{ "GETINFO version", VERSION_OK, 0, FT_HANGUP },
};

START_TEST(test_reconnect_from_closed_cb)
{
	struct fixture	 fx;
	struct fake_tor	*ft2;
	struct reco	 r;

	fx_start(&fx, hang_now, GW_NITEMS(hang_now));
	ft2 = fake_tor_start(fx.base, boot, GW_NITEMS(boot));
	memset(&r, 0, sizeof(r));
	r.fx = &fx;
	snprintf(r.target2, sizeof(r.target2), "127.0.0.1:%u",
	    (unsigned)fake_tor_port(ft2));
	torctl_backoff_init(&r.b, 100, 1000);
	torctl_set_closed_cb(fx.tc, reco_closed, &r);
	fx_connect(&fx, 0);
	ck_assert(run_until(fx.base, &r.reconnected, 1, 5000));
	ck_assert_uint_eq(r.delay, 50 + 7 % 51);
	ck_assert(torctl_is_ready(fx.tc));
	ck_assert_uint_eq(fake_tor_steps_left(ft2), 0);
	fake_tor_free(ft2);
	fx_end(&fx);
}
END_TEST

START_TEST(test_bad_targets)
{
	struct event_base	*base = event_base_new();
	struct torctl		*tc = torctl_new(base);
	struct rec		 rec;
	static const char *const bad[] = {
		"", "unix:", "127.0.0.1", "127.0.0.1:0", "example.org:9051",
		"1.2.3.4:99999",
	};
	size_t			 i;

	memset(&rec, 0, sizeof(rec));
	for (i = 0; i < GW_NITEMS(bad); i++)
		ck_assert_int_eq(torctl_connect(tc, bad[i], on_ready, &rec),
		    TORCTL_ERR_INVAL);
	/* a unix socket that isn't there fails through the callback */
	ck_assert_int_eq(torctl_connect(tc, "unix:/nonexistent/control",
	    on_ready, &rec), 0);
	ck_assert(run_until(base, &rec.ready_done, 1, 5000));
	ck_assert_int_eq(rec.ready_err, TORCTL_ERR_CONNECT);
	ck_assert_ptr_nonnull(strstr(torctl_last_error(tc),
	    "/nonexistent/control"));
	torctl_free(tc);
	drain(base);
	event_base_free(base);
}
END_TEST

Suite *
torctl_conn_suite(void)
{
	Suite	*s = suite_create("torctl_conn");
	TCase	*tc = tcase_create("fake_tor");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_boot_null_auth);
	tcase_add_test(tc, test_dripped);
	tcase_add_test(tc, test_pipelining_and_events);
	tcase_add_test(tc, test_hangup_mid_reply);
	tcase_add_test(tc, test_hangup_mid_auth);
	tcase_add_test(tc, test_garbage);
	tcase_add_loop_test(tc, test_oversize_line, 0, 2);
	tcase_add_test(tc, test_preauth_limit);
	tcase_add_test(tc, test_command_timeout);
	tcase_add_test(tc, test_connect_timeout);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_wrong_server_hash);
	tcase_add_test(tc, test_safecookie_hmac);
	tcase_add_test(tc, test_cookie_auth);
	tcase_add_loop_test(tc, test_cookie_errors, 0, 2);
	tcase_add_test(tc, test_wrong_password);
	tcase_add_test(tc, test_no_method);
	tcase_add_test(tc, test_old_tor);
	tcase_add_test(tc, test_send_refusals);
	tcase_add_test(tc, test_reply_without_command);
	tcase_add_test(tc, test_free_with_pending);
	tcase_add_test(tc, test_close_inside_callback);
	tcase_add_test(tc, test_close_while_connecting);
	tcase_add_test(tc, test_reconnect_from_closed_cb);
	tcase_add_test(tc, test_bad_targets);
	suite_add_tcase(s, tc);
	return s;
}
