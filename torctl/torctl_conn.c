/*
 * torctl_conn.c - the glue half: one control connection on a bufferevent,
 * bounded line reads, the FIFO of pending commands with timeouts, and
 * failure handling that answers every pending command exactly once.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "torctl/torctl_int.h"
#include "torctl/torctl_proto.h"

static void	torctl_readcb(struct bufferevent *, void *);
static void	torctl_eventcb(struct bufferevent *, short, void *);
static void	torctl_timercb(evutil_socket_t, short, void *);
static void	torctl_reapcb(evutil_socket_t, short, void *);
static void	torctl_shutdown(struct torctl *, int, int);
static void	torctl_arm_timer(struct torctl *);

void
torctl_seterr(struct torctl *tc, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(tc->errmsg, sizeof(tc->errmsg), fmt, ap);
	va_end(ap);
}

struct torctl *
torctl_new(struct event_base *base)
{
	struct torctl	*tc;

	if ((tc = calloc(1, sizeof(*tc))) == NULL)
		return NULL;
	tc->base = base;
	TAILQ_INIT(&tc->pending);
	tc->connect_ms = TORCTL_CONNECT_TIMEOUT_MS;
	tc->command_ms = TORCTL_COMMAND_TIMEOUT_MS;
	if ((tc->parser = torctl_parser_new()) == NULL ||
	    (tc->timer = evtimer_new(base, torctl_timercb, tc)) == NULL ||
	    (tc->reap_ev = event_new(base, -1, 0, torctl_reapcb, tc)) == NULL) {
		torctl_parser_free(tc->parser);
		if (tc->timer != NULL)
			event_free(tc->timer);
		free(tc);
		return NULL;
	}
	return tc;
}

void
torctl_free(struct torctl *tc)
{
	if (tc == NULL)
		return;
	torctl_shutdown(tc, TORCTL_ERR_CLOSED, 0);
	event_free(tc->timer);
	event_free(tc->reap_ev);
	torctl_parser_free(tc->parser);
	if (tc->password != NULL) {
		explicit_bzero(tc->password, strlen(tc->password));
		free(tc->password);
	}
	free(tc->cookie_override);
	explicit_bzero(tc->cookie, sizeof(tc->cookie));
	free(tc);
}

void
torctl_set_timeouts(struct torctl *tc, unsigned connect_ms,
    unsigned command_ms)
{
	tc->connect_ms = connect_ms ? connect_ms : TORCTL_CONNECT_TIMEOUT_MS;
	tc->command_ms = command_ms ? command_ms : TORCTL_COMMAND_TIMEOUT_MS;
}

void
torctl_set_auth(struct torctl *tc, enum torctl_auth a)
{
	tc->auth = a;
}

int
torctl_set_password(struct torctl *tc, const char *pw)
{
	char	*copy = NULL;

	if (pw != NULL) {
		if (strpbrk(pw, "\r\n") != NULL ||
		    strlen(pw) > TORCTL_MAX_CMD / 2 - 16)
			return TORCTL_ERR_INVAL;
		if ((copy = strdup(pw)) == NULL)
			return TORCTL_ERR_NOMEM;
	}
	if (tc->password != NULL) {
		explicit_bzero(tc->password, strlen(tc->password));
		free(tc->password);
	}
	tc->password = copy;
	return 0;
}

int
torctl_set_cookie_path(struct torctl *tc, const char *path)
{
	char	*copy = NULL;

	if (path != NULL) {
		if (strlen(path) >= TORCTL_MAX_PATH)
			return TORCTL_ERR_TOOBIG;
		if ((copy = strdup(path)) == NULL)
			return TORCTL_ERR_NOMEM;
	}
	free(tc->cookie_override);
	tc->cookie_override = copy;
	return 0;
}

void
torctl_set_event_cb(struct torctl *tc, torctl_event_cb *cb, void *arg)
{
	tc->event_cb = cb;
	tc->event_arg = arg;
}

void
torctl_set_closed_cb(struct torctl *tc, torctl_closed_cb *cb, void *arg)
{
	tc->closed_cb = cb;
	tc->closed_arg = arg;
}

int
torctl_is_ready(const struct torctl *tc)
{
	return tc->state == TORCTL_ST_READY;
}

const char *
torctl_last_error(const struct torctl *tc)
{
	return tc->errmsg;
}

int
torctl_tor_version(const struct torctl *tc, struct torctl_version *out)
{
	if (!tc->have_version)
		return TORCTL_ERR_STATE;
	*out = tc->version;
	return 0;
}

int
torctl_tor_at_least(const struct torctl *tc, const char *min)
{
	struct torctl_version	v;

	if (!tc->have_version || torctl_version_parse(min, &v) != 0)
		return 0;
	return torctl_version_cmp(&tc->version, &v) >= 0;
}

enum torctl_auth
torctl_auth_used(const struct torctl *tc)
{
	return tc->auth_used;
}

/* Parse "unix:/path", "host:port" or "[v6]:port" into ss. */
static int
parse_target(const char *target, struct sockaddr_storage *ss, int *sslen)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)ss;
	char			 buf[300];

	memset(ss, 0, sizeof(*ss));
	if (strncmp(target, "unix:", 5) == 0) {
		if (strlen(target + 5) == 0 ||
		    strlen(target + 5) >= sizeof(sun->sun_path))
			return TORCTL_ERR_INVAL;
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, target + 5, strlen(target + 5) + 1);
		*sslen = (int)sizeof(*sun);
		return 0;
	}
	/* IP literals only: a control port is local and never needs DNS. */
	if (strncmp(target, "localhost:", 10) == 0) {
		if ((size_t)snprintf(buf, sizeof(buf), "127.0.0.1:%s",
		    target + 10) >= sizeof(buf))
			return TORCTL_ERR_INVAL;
		target = buf;
	}
	*sslen = (int)sizeof(*ss);
	if (evutil_parse_sockaddr_port(target, (struct sockaddr *)ss,
	    sslen) != 0)
		return TORCTL_ERR_INVAL;
	if (ss->ss_family == AF_INET &&
	    ((struct sockaddr_in *)ss)->sin_port == 0)
		return TORCTL_ERR_INVAL;
	if (ss->ss_family == AF_INET6 &&
	    ((struct sockaddr_in6 *)ss)->sin6_port == 0)
		return TORCTL_ERR_INVAL;
	return 0;
}

int
torctl_connect(struct torctl *tc, const char *target, torctl_ready_cb *cb,
    void *arg)
{
	struct sockaddr_storage	 ss;
	struct timeval		 tv;
	int			 sslen, r;

	tc->errmsg[0] = '\0';
	if (tc->state != TORCTL_ST_IDLE)
		return TORCTL_ERR_STATE;
	if (target == NULL || strlen(target) >= sizeof(tc->target)) {
		torctl_seterr(tc, "control target too long");
		return TORCTL_ERR_INVAL;
	}
	if ((r = parse_target(target, &ss, &sslen)) != 0) {
		torctl_seterr(tc, "bad control target \"%s\": want "
		    "unix:/path or IP:port", target);
		return r;
	}
	memcpy(tc->target, target, strlen(target) + 1);
	torctl_parser_reset(tc->parser);
	torctl_parser_set_max_reply(tc->parser, TORCTL_MAX_PREAUTH_REPLY);
	tc->have_version = 0;
	tc->methods = 0;
	tc->auth_used = TORCTL_AUTH_AUTO;
	tc->bev = bufferevent_socket_new(tc->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (tc->bev == NULL)
		return TORCTL_ERR_NOMEM;
	bufferevent_setcb(tc->bev, torctl_readcb, NULL, torctl_eventcb, tc);
	/* libevent stops reading once one maximal line + CRLF is buffered. */
	bufferevent_setwatermark(tc->bev, EV_READ, 0, TORCTL_MAX_LINE + 2);
	tc->ready_cb = cb;
	tc->ready_arg = arg;
	tc->state = TORCTL_ST_CONNECTING;
	if (bufferevent_socket_connect(tc->bev, (struct sockaddr *)&ss,
	    sslen) != 0) {
		/* Immediate failures (ENOENT on a unix path...) are reported
		 * through the callback like any other, from the loop. */
		torctl_seterr(tc, "cannot connect to %s: %s", tc->target,
		    strerror(errno));
		torctl_fail(tc, TORCTL_ERR_CONNECT);
		return 0;
	}
	tv.tv_sec = tc->connect_ms / 1000;
	tv.tv_usec = (tc->connect_ms % 1000) * 1000;
	evtimer_add(tc->timer, &tv);
	return 0;
}

void
torctl_close(struct torctl *tc)
{
	torctl_shutdown(tc, TORCTL_ERR_CLOSED, 0);
}

void
torctl_fail(struct torctl *tc, int err)
{
	if (tc->state == TORCTL_ST_IDLE || tc->state == TORCTL_ST_CLOSING)
		return;
	if (tc->errmsg[0] == '\0')
		torctl_seterr(tc, "control connection to %s: %s", tc->target,
		    torctl_strerror(err));
	tc->failed_in = tc->state;
	tc->state = TORCTL_ST_CLOSING;
	tc->fail_err = err;
	bufferevent_disable(tc->bev, EV_READ | EV_WRITE);
	evtimer_del(tc->timer);
	event_active(tc->reap_ev, EV_TIMEOUT, 0);	/* after we unwind */
}

static void
torctl_reapcb(evutil_socket_t fd, short what, void *arg)
{
	struct torctl	*tc = arg;

	(void)fd;
	(void)what;
	if (tc->state == TORCTL_ST_CLOSING)
		torctl_shutdown(tc, tc->fail_err, 1);
}

/*
 * Close the connection and answer everything exactly once: each pending
 * command's callback (the head gets 'err' if it timed out, the rest
 * TORCTL_ERR_CLOSED), then ready_cb if the handshake had not finished, or
 * closed_cb if 'notify' and the connection was ready.
 */
static void
torctl_shutdown(struct torctl *tc, int err, int notify)
{
	struct torctl_cmdq	 q;
	struct torctl_cmd	*c;
	enum torctl_state	 was;
	torctl_ready_cb		*rcb;
	int			 first = 1, cerr;

	if (tc->state == TORCTL_ST_IDLE)
		return;
	was = tc->state == TORCTL_ST_CLOSING ? tc->failed_in : tc->state;
	if (tc->state == TORCTL_ST_CLOSING)
		event_del(tc->reap_ev);
	tc->state = TORCTL_ST_IDLE;
	if (tc->bev != NULL) {
		bufferevent_free(tc->bev);
		tc->bev = NULL;
	}
	evtimer_del(tc->timer);
	torctl_parser_reset(tc->parser);
	explicit_bzero(tc->cookie, sizeof(tc->cookie));

	TAILQ_INIT(&q);
	TAILQ_CONCAT(&q, &tc->pending, entry);
	tc->npending = 0;
	while ((c = TAILQ_FIRST(&q)) != NULL) {
		TAILQ_REMOVE(&q, c, entry);
		cerr = first && err == TORCTL_ERR_TIMEOUT ? err :
		    TORCTL_ERR_CLOSED;
		first = 0;
		if (!c->internal && c->cb != NULL)
			c->cb(tc, cerr, NULL, c->arg);
		free(c);
	}
	if (was == TORCTL_ST_CONNECTING || was == TORCTL_ST_AUTH) {
		rcb = tc->ready_cb;
		tc->ready_cb = NULL;
		if (rcb != NULL)
			rcb(tc, err, tc->ready_arg);
	} else if (notify && tc->closed_cb != NULL)
		tc->closed_cb(tc, err, tc->closed_arg);
}

static void
now_plus(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Once ready, the timer tracks the oldest command's deadline. */
static void
torctl_arm_timer(struct torctl *tc)
{
	struct torctl_cmd	*c;
	struct timespec		 now;
	struct timeval		 tv = { 0, 0 };
	long long		 ns;

	if (tc->state != TORCTL_ST_READY)
		return;
	if ((c = TAILQ_FIRST(&tc->pending)) == NULL) {
		evtimer_del(tc->timer);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(c->deadline.tv_sec - now.tv_sec) * 1000000000LL +
	    (c->deadline.tv_nsec - now.tv_nsec);
	if (ns > 0) {
		tv.tv_sec = (time_t)(ns / 1000000000LL);
		tv.tv_usec = (suseconds_t)((ns % 1000000000LL) / 1000);
	}
	evtimer_add(tc->timer, &tv);
}

static void
torctl_timercb(evutil_socket_t fd, short what, void *arg)
{
	struct torctl	*tc = arg;

	(void)fd;
	(void)what;
	if (tc->state == TORCTL_ST_READY)
		torctl_seterr(tc, "tor did not answer a command within %u ms",
		    tc->command_ms);
	else
		torctl_seterr(tc, "connecting and authenticating to %s took "
		    "longer than %u ms", tc->target, tc->connect_ms);
	torctl_fail(tc, TORCTL_ERR_TIMEOUT);
}

void
torctl_handshake_done(struct torctl *tc)
{
	torctl_ready_cb	*rcb = tc->ready_cb;

	tc->state = TORCTL_ST_READY;
	tc->ready_cb = NULL;
	torctl_parser_set_max_reply(tc->parser, TORCTL_MAX_REPLY);
	evtimer_del(tc->timer);
	torctl_arm_timer(tc);
	if (rcb != NULL)
		rcb(tc, 0, tc->ready_arg);
}

int
torctl_send_owned(struct torctl *tc, char *line, torctl_reply_cb *cb,
    void *arg, int internal)
{
	struct torctl_cmd	*c;
	int			 was_empty;

	if (internal ? tc->state != TORCTL_ST_AUTH :
	    tc->state != TORCTL_ST_READY) {
		free(line);
		return TORCTL_ERR_STATE;
	}
	if (tc->npending >= TORCTL_MAX_PENDING) {
		free(line);
		return TORCTL_ERR_TOOBIG;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		free(line);
		return TORCTL_ERR_NOMEM;
	}
	c->cb = cb;
	c->arg = arg;
	c->internal = internal;
	now_plus(&c->deadline, tc->command_ms);
	if (bufferevent_write(tc->bev, line, strlen(line)) != 0 ||
	    bufferevent_write(tc->bev, "\r\n", 2) != 0) {
		/* The line may be half written: the stream is unusable. */
		explicit_bzero(line, strlen(line));
		free(line);
		free(c);
		torctl_fail(tc, TORCTL_ERR_NOMEM);
		return TORCTL_ERR_NOMEM;
	}
	explicit_bzero(line, strlen(line));	/* may hold credentials */
	free(line);
	was_empty = TAILQ_EMPTY(&tc->pending);
	TAILQ_INSERT_TAIL(&tc->pending, c, entry);
	tc->npending++;
	if (was_empty)
		torctl_arm_timer(tc);
	return 0;
}

int
torctl_send(struct torctl *tc, const char *line, torctl_reply_cb *cb,
    void *arg)
{
	char	*copy;
	int	 r;

	if (tc->state != TORCTL_ST_READY)
		return TORCTL_ERR_STATE;
	if (line == NULL)
		return TORCTL_ERR_INVAL;
	if (strlen(line) > TORCTL_MAX_CMD)
		return TORCTL_ERR_TOOBIG;
	if ((r = torctl_build_line(line, &copy)) != 0)
		return r;
	return torctl_send_owned(tc, copy, cb, arg, 0);
}

/* Hand a complete reply to the oldest command, or an event to event_cb. */
static void
torctl_dispatch(struct torctl *tc, int kind)
{
	struct torctl_reply	*r = torctl_parser_take(tc->parser);
	struct torctl_cmd	*c;
	int			 st;

	if (r == NULL)
		return;
	if (kind == TORCTL_PARSE_EVENT) {
		if (tc->state == TORCTL_ST_READY && tc->event_cb != NULL)
			tc->event_cb(tc, r, tc->event_arg);
		torctl_reply_free(r);
		return;
	}
	if ((c = TAILQ_FIRST(&tc->pending)) == NULL) {
		torctl_reply_free(r);
		torctl_seterr(tc, "tor sent a reply to no command");
		torctl_fail(tc, TORCTL_ERR_PROTO);
		return;
	}
	TAILQ_REMOVE(&tc->pending, c, entry);
	tc->npending--;
	torctl_arm_timer(tc);
	st = torctl_reply_status(r);
	if (c->cb != NULL)
		c->cb(tc, st / 100 == 2 ? 0 : TORCTL_ERR_REPLY, r, c->arg);
	free(c);
	torctl_reply_free(r);
}

static void
torctl_readcb(struct bufferevent *bev, void *arg)
{
	struct torctl		*tc = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 eol;
	size_t			 eol_len, n;
	char			*line;
	int			 r;

	while (tc->bev == bev && (tc->state == TORCTL_ST_AUTH ||
	    tc->state == TORCTL_ST_READY)) {
		eol = evbuffer_search_eol(in, NULL, &eol_len,
		    EVBUFFER_EOL_CRLF_STRICT);
		if (eol.pos < 0) {
			if (evbuffer_get_length(in) >= TORCTL_MAX_LINE + 2) {
				torctl_seterr(tc, "tor sent a line longer "
				    "than %u bytes", (unsigned)TORCTL_MAX_LINE);
				torctl_fail(tc, TORCTL_ERR_TOOBIG);
			}
			return;				/* wait for more */
		}
		if ((size_t)eol.pos > TORCTL_MAX_LINE) {
			torctl_seterr(tc, "tor sent a line longer than %u "
			    "bytes", (unsigned)TORCTL_MAX_LINE);
			torctl_fail(tc, TORCTL_ERR_TOOBIG);
			return;
		}
		line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF_STRICT);
		if (line == NULL) {
			torctl_fail(tc, TORCTL_ERR_NOMEM);
			return;
		}
		r = torctl_parser_feed_line(tc->parser, line, n);
		free(line);
		if (r < 0) {
			torctl_seterr(tc, "bad reply from tor: %s",
			    torctl_strerror(r));
			torctl_fail(tc, r);
			return;
		}
		if (r > 0)
			torctl_dispatch(tc, r);	/* may close or fail */
	}
}

static void
torctl_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct torctl	*tc = arg;
	int		 e = EVUTIL_SOCKET_ERROR();

	if (tc->bev != bev || tc->state == TORCTL_ST_CLOSING ||
	    tc->state == TORCTL_ST_IDLE)
		return;
	if (what & BEV_EVENT_CONNECTED) {
		tc->state = TORCTL_ST_AUTH;
		bufferevent_enable(bev, EV_READ | EV_WRITE);
		torctl_auth_start(tc);
		return;
	}
	if (tc->state == TORCTL_ST_CONNECTING) {
		torctl_seterr(tc, "cannot connect to %s: %s", tc->target,
		    e ? evutil_socket_error_to_string(e) : "connection refused");
		torctl_fail(tc, TORCTL_ERR_CONNECT);
		return;
	}
	if (what & BEV_EVENT_EOF)
		torctl_seterr(tc, "tor closed the control connection");
	else
		torctl_seterr(tc, "control connection error: %s",
		    evutil_socket_error_to_string(e));
	torctl_fail(tc, TORCTL_ERR_CLOSED);
}
