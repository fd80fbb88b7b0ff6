/*
 * check_gatewayd_log.c - stderr log format, gw_esc(), the MESSAGE_ID table
 * against contrib/systemd/onionfed.catalog, and sd_notify messages (a fake
 * NOTIFY_SOCKET; the watchdog timer driven by the event loop).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/event.h>

#include "gatewayd/gw_limits.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_log_ids.h"
#include "gatewayd/gw_notify.h"
#include "tests/check_gatewayd.h"

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- stderr format --------------------------------------------------- */

static FILE	*capture;
static int	 saved_fd2 = -1;

static void
capture_start(void)
{
	capture = tmpfile();
	ck_assert_ptr_nonnull(capture);
	fflush(stderr);
	saved_fd2 = dup(2);
	ck_assert_int_ne(saved_fd2, -1);
	ck_assert_int_ne(dup2(fileno(capture), 2), -1);
}

/* Stop capturing and return what was written (static buffer). */
static const char *
capture_end(void)
{
	static char	buf[8192];
	size_t		n;

	fflush(stderr);
	dup2(saved_fd2, 2);
	close(saved_fd2);
	rewind(capture);
	n = fread(buf, 1, sizeof(buf) - 1, capture);
	buf[n] = '\0';
	fclose(capture);
	return buf;
}

START_TEST(test_stderr_format)
{
	struct gw_log_fields	f = { .msgid = GW_MSGID_TOR_LOST,
				      .peer = "matrix.org",
				      .direction = "outbound",
				      .onion = NULL,
				      .reason = "eof" };
	struct gw_log_fields	g = { .onion = "abc.onion" };

	gw_log_init(GW_LOG_STDERR, LOG_INFO);
	ck_assert_int_eq(gw_log_level(), LOG_INFO);
	ck_assert_int_eq(gw_log_target(), GW_LOG_STDERR);
	capture_start();
	GW_LOG(LOG_NOTICE, "main", 0, "hello %d", 5);
	GW_LOG(LOG_WARNING, "policy", 0x2a, "refused");
	GW_LOG(LOG_DEBUG, "main", 0, "filtered out");
	GW_LOGF(LOG_ERR, "torctl", 0, &f, "lost");
	GW_LOGF(LOG_INFO, "onion", 7, &g, "up");
	gw_log_set_level(LOG_DEBUG);
	GW_LOG(LOG_DEBUG, "main", 0, "now shown");
	ck_assert_str_eq(capture_end(),
	    "onionfedd[main] notice hello 5\n"
	    "onionfedd[policy] warning 000000000000002a refused\n"
	    "onionfedd[torctl] err lost peer=matrix.org direction=outbound "
	    "reason=eof msgid=b9d6f90170a547c8bcc8e6d73658e635\n"
	    "onionfedd[onion] info 0000000000000007 up onion=abc.onion\n"
	    "onionfedd[main] debug now shown\n");
}
END_TEST

START_TEST(test_stderr_truncates)
{
	char		 big[GW_LOG_MAX_MSG * 2];
	const char	*out;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	gw_log_init(GW_LOG_STDERR, LOG_INFO);
	capture_start();
	GW_LOG(LOG_ERR, "main", 0, "%s", big);
	out = capture_end();
	/* prefix + (limit - 1) bytes + newline, nothing more */
	ck_assert_uint_eq(strlen(out), strlen("onionfedd[main] err ") +
	    GW_LOG_MAX_MSG - 1 + 1);
}
END_TEST

START_TEST(test_stderr_one_line)
{
	gw_log_init(GW_LOG_STDERR, LOG_INFO);
	capture_start();
	GW_LOG(LOG_ERR, "main", 0, "a\nb\rc\td\x1b[0m");
	ck_assert_str_eq(capture_end(), "onionfedd[main] err a?b?c\td?[0m\n");
}
END_TEST

#ifdef HAVE_SYSTEMD
START_TEST(test_journal_target)
{
	struct gw_log_fields	 f = { .msgid = GW_MSGID_START };
	const char		*out;
	int			 have_journald;

	have_journald = access("/run/systemd/journal/socket", F_OK) == 0;
	gw_log_init(GW_LOG_JOURNAL, LOG_INFO);
	ck_assert_int_eq(gw_log_target(), GW_LOG_JOURNAL);
	capture_start();
	GW_LOGF(LOG_NOTICE, "test", 0, &f, "journal or fallback");
	out = capture_end();
	gw_log_init(GW_LOG_STDERR, LOG_INFO);
	if (have_journald)	/* the entry went to the journal */
		ck_assert_str_eq(out, "");
	else			/* journald unreachable: not lost */
		ck_assert_str_eq(out, "onionfedd[test] notice journal or "
		    "fallback msgid=" GW_MSGID_START "\n");
}
END_TEST
#endif

/* ---- gw_esc ---------------------------------------------------------- */

#define S(s)	(s), sizeof(s) - 1

static const struct {
	const char	*in;
	size_t		 len;
	size_t		 dstsz;
	const char	*out;
} esc_cases[] = {
	{ S("matrix.org"), 64, "matrix.org" },
	{ S(""), 64, "" },
	{ S("a\"b\\c"), 64, "a\\x22b\\x5cc" },
	{ S("new\nline\r"), 64, "new\\x0aline\\x0d" },
	{ S("nul\0byte"), 64, "nul\\x00byte" },
	{ S("\x7f\x80\xff"), 64, "\\x7f\\x80\\xff" },
	{ S("Authorization: X-Matrix origin=\"a\""), 64,
	    "Authorization: X-Matrix origin=\\x22a\\x22" },
	/* Exact fit: 10 bytes + NUL in 11. */
	{ S("0123456789"), 11, "0123456789" },
	/* One short: cut with "..." in the same space. */
	{ S("0123456789"), 10, "012345..." },
	{ S("0123456789"), 5, "0..." },
	{ S("0123456789"), 4, "..." },
	{ S("0123456789"), 2, "." },
	{ S("0123456789"), 1, "" },
	/* An escape is never split. */
	{ S("ab\ncd"), 8, "ab..." },
	{ S("abc\n"), 8, "abc\\x0a" },
	{ S("abcd\n"), 9, "abcd\\x0a" },
	{ S("abcd\n"), 8, "abcd..." },
	/* Only 'len' bytes are read (no NUL needed). */
	{ "abcdef", 3, 64, "abc" },
};

START_TEST(test_esc)
{
	char	dst[128];

	memset(dst, 'Z', sizeof(dst));
	ck_assert_ptr_eq(gw_esc(dst, esc_cases[_i].dstsz, esc_cases[_i].in,
	    esc_cases[_i].len), dst);
	ck_assert_str_eq(dst, esc_cases[_i].out);
	ck_assert_uint_lt(strlen(dst), esc_cases[_i].dstsz);
	/* Nothing written past dstsz. */
	ck_assert_int_eq(dst[esc_cases[_i].dstsz], 'Z');
}
END_TEST

START_TEST(test_esc_zero)
{
	char	dst[4] = "ZZZ";

	gw_esc(dst, 0, "abc", 3);
	ck_assert_str_eq(dst, "ZZZ");
}
END_TEST

/* ---- MESSAGE_IDs and the catalog ------------------------------------- */

static const struct {
	const char	*name, *id, *macro;
} ids[] = {
#define X(n, id)	{ #n, id, GW_MSGID_##n },
	GW_LOG_IDS(X)
#undef X
};

START_TEST(test_msgids)
{
	char		 path[1024], line[512];
	FILE		*fp;
	size_t		 i, j, k;
	int		 count[NITEMS(ids)] = { 0 }, other = 0;

	ck_assert_uint_ge(NITEMS(ids), 13);
	for (i = 0; i < NITEMS(ids); i++) {
		ck_assert_msg(strcmp(ids[i].id, ids[i].macro) == 0,
		    "GW_MSGID_%s differs from its GW_LOG_IDS row", ids[i].name);
		ck_assert_uint_eq(strlen(ids[i].id), 32);
		for (k = 0; k < 32; k++)
			ck_assert(strchr("0123456789abcdef", ids[i].id[k]));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(ids[i].id, ids[j].id);
	}
	snprintf(path, sizeof(path), "%s/contrib/systemd/onionfed.catalog",
	    test_srcdir());
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "-- ", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (i = 0; i < NITEMS(ids); i++)
			if (strcmp(line + 3, ids[i].id) == 0)
				break;
		if (i < NITEMS(ids))
			count[i]++;
		else
			other++;
	}
	fclose(fp);
	for (i = 0; i < NITEMS(ids); i++)
		ck_assert_msg(count[i] == 1, "%s (%s) has %d catalog entries",
		    ids[i].name, ids[i].id, count[i]);
	ck_assert_int_eq(other, 0);
}
END_TEST

/* ---- sd_notify ------------------------------------------------------- */

#ifdef HAVE_SYSTEMD
struct fake_manager {
	int	fd;
	char	path[108];
	char	last[512];
	int	n_watchdog, n_other;
};

static void
manager_open(struct fake_manager *m)
{
	struct sockaddr_un	sun;

	memset(m, 0, sizeof(*m));
	snprintf(m->path, sizeof(m->path), "/tmp/check_gw_notify.%ld",
	    (long)getpid());
	unlink(m->path);
	m->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ck_assert_int_ne(m->fd, -1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, m->path, strlen(m->path) + 1);
	ck_assert_int_eq(bind(m->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setenv("NOTIFY_SOCKET", m->path, 1);
}

static void
manager_close(struct fake_manager *m)
{
	close(m->fd);
	unlink(m->path);
	unsetenv("NOTIFY_SOCKET");
}

/* Read one datagram into m->last; return its length or -1. */
static ssize_t
manager_recv(struct fake_manager *m)
{
	ssize_t	n = recv(m->fd, m->last, sizeof(m->last) - 1, 0);

	m->last[n > 0 ? n : 0] = '\0';
	if (n > 0) {
		if (strcmp(m->last, "WATCHDOG=1") == 0)
			m->n_watchdog++;
		else
			m->n_other++;
	}
	return n;
}

START_TEST(test_notify_messages)
{
	struct fake_manager	 m;
	struct event_base	*base = event_base_new();
	struct gw_notify	*n;

	manager_open(&m);
	unsetenv("WATCHDOG_USEC");
	n = gw_notify_new(base);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(gw_notify_watchdog_usec(n), 0);
	gw_notify_ready(n, "serving");
	ck_assert_int_gt(manager_recv(&m), 0);
	ck_assert_str_eq(m.last, "READY=1\nSTATUS=serving");
	gw_notify_status(n, "bootstrap %d%%\nREADY=1", 45);
	ck_assert_int_gt(manager_recv(&m), 0);
	ck_assert_str_eq(m.last, "STATUS=bootstrap 45% READY=1");
	gw_notify_reloading(n);
	ck_assert_int_gt(manager_recv(&m), 0);
	ck_assert_ptr_nonnull(strstr(m.last, "RELOADING=1\nMONOTONIC_USEC="));
	ck_assert_uint_gt(strtoull(strstr(m.last, "MONOTONIC_USEC=") + 15, NULL, 10),
	    0);
	gw_notify_stopping(n);
	ck_assert_int_gt(manager_recv(&m), 0);
	ck_assert_str_eq(m.last, "STOPPING=1");
	ck_assert_int_eq(manager_recv(&m), -1);		/* nothing else */
	gw_notify_free(n);
	gw_notify_free(NULL);
	manager_close(&m);
	event_base_free(base);
}
END_TEST

static void
manager_readable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	while (manager_recv(arg) > 0)
		;
}

START_TEST(test_notify_watchdog)
{
	struct fake_manager	 m;
	struct event_base	*base = event_base_new();
	struct event		*rd;
	struct gw_notify	*n;
	struct timeval		 stop = { 0, 500000 };
	char			 pid[32];

	manager_open(&m);
	/* WATCHDOG_USEC=100ms for this PID: WATCHDOG=1 every 50 ms. */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "100000", 1);
	n = gw_notify_new(base);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(gw_notify_watchdog_usec(n), 100000);
	rd = event_new(base, m.fd, EV_READ | EV_PERSIST, manager_readable, &m);
	event_add(rd, NULL);
	/* The loop's own timer bounds the test: no sleeping. */
	event_base_loopexit(base, &stop);
	event_base_dispatch(base);
	/* ~10 expected in 500 ms; allow a loaded machine. */
	ck_assert_int_ge(m.n_watchdog, 5);
	ck_assert_int_le(m.n_watchdog, 11);
	ck_assert_int_eq(m.n_other, 0);
	event_free(rd);
	gw_notify_free(n);
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	manager_close(&m);
	event_base_free(base);
}
END_TEST

START_TEST(test_notify_other_pid)
{
	struct event_base	*base = event_base_new();
	struct gw_notify	*n;

	/* A watchdog meant for another process (our parent) is not ours. */
	setenv("WATCHDOG_PID", "1", 1);
	setenv("WATCHDOG_USEC", "100000", 1);
	n = gw_notify_new(base);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_eq(gw_notify_watchdog_usec(n), 0);
	gw_notify_free(n);
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	event_base_free(base);
}
END_TEST
#endif /* HAVE_SYSTEMD */

START_TEST(test_notify_without_manager)
{
	struct event_base	*base = event_base_new();
	struct gw_notify	*n;

	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	n = gw_notify_new(base);
	ck_assert_ptr_nonnull(n);
	/* No socket: every call is a quiet no-op. */
	gw_notify_ready(n, NULL);
	gw_notify_status(n, "x");
	gw_notify_reloading(n);
	gw_notify_stopping(n);
	ck_assert_uint_eq(gw_notify_watchdog_usec(n), 0);
	gw_notify_free(n);
	event_base_free(base);
}
END_TEST

Suite *
gw_log_suite(void)
{
	Suite	*s = suite_create("gw_log");
	TCase	*tc;

	tc = tcase_create("log");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_stderr_format);
	tcase_add_test(tc, test_stderr_truncates);
	tcase_add_test(tc, test_stderr_one_line);
#ifdef HAVE_SYSTEMD
	tcase_add_test(tc, test_journal_target);
#endif
	tcase_add_loop_test(tc, test_esc, 0, (int)NITEMS(esc_cases));
	tcase_add_test(tc, test_esc_zero);
	tcase_add_test(tc, test_msgids);
	suite_add_tcase(s, tc);

	tc = tcase_create("notify");
	tcase_set_timeout(tc, 10);
#ifdef HAVE_SYSTEMD
	tcase_add_test(tc, test_notify_messages);
	tcase_add_test(tc, test_notify_watchdog);
	tcase_add_test(tc, test_notify_other_pid);
#endif
	tcase_add_test(tc, test_notify_without_manager);
	suite_add_tcase(s, tc);
	return s;
}
