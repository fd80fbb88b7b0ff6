/*
 * torctl_cli.c - debug tool: run commands against a Tor control port
 * through libtorctl, and manage onion key files. Used by the integration
 * tests in tests/integration/torctl_*.sh.
 *
 *   torctl_cli [-a auth] [-p password] [-c cookiefile] [-t ms] TARGET
 *       CMD [ARG...] [, CMD [ARG...]]...
 *     info | getinfo KEY... | raw LINE... | setevents EV... |
 *     wait-event NAME SECONDS | add-onion new|file:PATH|blob:BLOB
 *     VIRT[,TARGET] [pow] [maxstreams=N] [clientauth=B32] [flags=F] |
 *     del-onion ID|- | signal NAME
 *   torctl_cli key-gen PATH | key-id PATH | key-blob PATH |
 *     key-from-blob BLOB PATH | key-id-blob BLOB
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "torctl/torctl.h"
#include "torctl/torctl_onionkey.h"

struct cli {
	struct event_base	*base;
	struct torctl		*tc;
	char			**argv;
	int			 argc, pos;	/* next command word */
	int			 status;	/* exit status */
	int			 done;
	char			 last_id[64];
	const char		*want_event;
	struct event		*wait_timer;
};

static void	run_next(struct cli *);

static void
finish(struct cli *c, int status)
{
	c->status = status;
	c->done = 1;
	event_base_loopbreak(c->base);
}

static void
print_reply(const struct torctl_reply *r)
{
	size_t		 i, n;
	const char	*l, *d;

	for (i = 0; (l = torctl_reply_line(r, i, &n)) != NULL; i++) {
		d = torctl_reply_data(r, i, &n);
		printf("%d%c%s\n", torctl_reply_status(r), d != NULL ? '+' :
		    i + 1 == torctl_reply_nlines(r) ? ' ' : '-', l);
		if (d != NULL)
			printf("%.*s\n.\n", (int)n, d);
	}
}

static void
on_reply(struct torctl *tc, int err, const struct torctl_reply *r, void *arg)
{
	struct cli	*c = arg;

	if (r != NULL)
		print_reply(r);
	if (err != 0) {
		fprintf(stderr, "torctl_cli: %s%s%s\n", torctl_strerror(err),
		    torctl_last_error(tc)[0] ? ": " : "",
		    torctl_last_error(tc));
		finish(c, 1);
		return;
	}
	run_next(c);
}

static void
on_add_onion(struct torctl *tc, int err, const struct torctl_reply *r,
    void *arg)
{
	struct cli			*c = arg;
	struct torctl_onion_result	 res;

	if (err != 0) {
		on_reply(tc, err, r, arg);
		return;
	}
	if (torctl_onion_result(r, &res) != 0) {
		fprintf(stderr, "torctl_cli: bad ADD_ONION reply\n");
		finish(c, 1);
		return;
	}
	printf("ServiceID=%s\n", res.service_id);
	if (res.private_key[0] != '\0')
		printf("PrivateKey=%s\n", res.private_key);
	snprintf(c->last_id, sizeof(c->last_id), "%s", res.service_id);
	explicit_bzero(&res, sizeof(res));
	run_next(c);
}

static void
print_event(const struct torctl_reply *r)
{
	struct torctl_event	 ev;
	int			 e = torctl_event_parse(r, &ev);

	printf("event %s parse=%d", ev.name, e);
	switch (ev.type) {
	case TORCTL_EV_HS_DESC:
		printf(" action=%s address=%s hsdir=%s reason=%s",
		    ev.u.hs_desc.action, ev.u.hs_desc.address,
		    ev.u.hs_desc.hsdir, ev.u.hs_desc.reason);
		break;
	case TORCTL_EV_STATUS_CLIENT:
	case TORCTL_EV_STATUS_GENERAL:
	case TORCTL_EV_STATUS_SERVER:
		printf(" severity=%s action=%s progress=%d",
		    ev.u.status.severity, ev.u.status.action,
		    ev.u.status.progress);
		break;
	case TORCTL_EV_NETWORK_LIVENESS:
		printf(" up=%d", ev.u.network_up);
		break;
	case TORCTL_EV_CIRC:
		printf(" id=%llu status=%s purpose=%s socks_username=%s",
		    (unsigned long long)ev.u.circ.id, ev.u.circ.status,
		    ev.u.circ.purpose, ev.u.circ.socks_username);
		break;
	case TORCTL_EV_STREAM:
		printf(" id=%llu status=%s circ=%llu target=%s iso=%s",
		    (unsigned long long)ev.u.stream.id, ev.u.stream.status,
		    (unsigned long long)ev.u.stream.circ_id,
		    ev.u.stream.target, ev.u.stream.iso_fields);
		break;
	case TORCTL_EV_OTHER:
		break;
	}
	printf(" lines=%zu\n", torctl_reply_nlines(r));
}

static void
on_event(struct torctl *tc, const struct torctl_reply *r, void *arg)
{
	struct cli	*c = arg;
	struct torctl_event ev;

	(void)tc;
	print_reply(r);
	print_event(r);
	fflush(stdout);
	(void)torctl_event_parse(r, &ev);
	if (c->want_event != NULL && strcmp(ev.name, c->want_event) == 0) {
		c->want_event = NULL;
		evtimer_del(c->wait_timer);
		run_next(c);
	}
}

static void
on_wait_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct cli	*c = arg;

	(void)fd;
	(void)what;
	fprintf(stderr, "torctl_cli: no %s event in time\n", c->want_event);
	finish(c, 1);
}

static void
on_closed(struct torctl *tc, int err, void *arg)
{
	fprintf(stderr, "torctl_cli: connection lost: %s: %s\n",
	    torctl_strerror(err), torctl_last_error(tc));
	finish(arg, 1);
}

/* Collect words up to "," into w; return the count. */
static int
words(struct cli *c, const char **w, int max)
{
	int	n = 0;

	while (c->pos < c->argc && strcmp(c->argv[c->pos], ",") != 0) {
		if (n < max)
			w[n++] = c->argv[c->pos];
		c->pos++;
	}
	if (c->pos < c->argc)
		c->pos++;			/* the "," */
	return n;
}

static int
start_add_onion(struct cli *c, const char **w, int n)
{
	struct torctl_onion_spec	 spec;
	struct torctl_onionkey		*k = NULL;
	char				 blob[TORCTL_ONIONKEY_BLOB_MAX];
	char				*comma, port[256];
	int				 r, i;

	memset(&spec, 0, sizeof(spec));
	if (n < 2)
		return TORCTL_ERR_INVAL;
	if (strcmp(w[0], "new") == 0)
		spec.key = NULL;
	else if (strncmp(w[0], "file:", 5) == 0) {
		if ((r = torctl_onionkey_load(w[0] + 5, &k)) != 0) {
			fprintf(stderr, "torctl_cli: %s: %s\n", w[0] + 5,
			    r == TORCTL_ERR_IO ? strerror(errno) :
			    torctl_strerror(r));
			return r;
		}
		torctl_onionkey_to_blob(k, blob, sizeof(blob));
		torctl_onionkey_free(k);
		spec.key = blob;
	} else if (strncmp(w[0], "blob:", 5) == 0)
		spec.key = w[0] + 5;
	else
		return TORCTL_ERR_INVAL;
	snprintf(port, sizeof(port), "%s", w[1]);
	spec.ports[0].virt = (uint16_t)atoi(port);
	if ((comma = strchr(port, ',')) != NULL)
		spec.ports[0].target = comma + 1;
	spec.nports = 1;
	spec.flags = "DiscardPK";
	if (spec.key == NULL)
		spec.flags = NULL;
	for (i = 2; i < n; i++) {
		if (strcmp(w[i], "pow") == 0) {
			spec.pow = 1;
			spec.pow_queue_rate = 100;
			spec.pow_queue_burst = 500;
		} else if (strncmp(w[i], "maxstreams=", 11) == 0)
			spec.max_streams = (unsigned)atoi(w[i] + 11);
		else if (strncmp(w[i], "clientauth=", 11) == 0 &&
		    spec.nclient_auth < TORCTL_MAX_CLIENT_AUTH)
			spec.client_auth_v3[spec.nclient_auth++] = w[i] + 11;
		else if (strncmp(w[i], "flags=", 6) == 0)
			spec.flags = w[i] + 6;
	}
	r = torctl_add_onion(c->tc, &spec, on_add_onion, c);
	explicit_bzero(blob, sizeof(blob));
	return r;
}

static void
run_next(struct cli *c)
{
	const char		*w[64], *cmd;
	char			 line[4096];
	struct torctl_version	 v;
	struct timeval		 tv;
	int			 n, r = 0, i;

	if (c->pos >= c->argc) {
		finish(c, 0);
		return;
	}
	cmd = c->argv[c->pos++];
	n = words(c, w, 64);
	if (strcmp(cmd, "info") == 0) {
		torctl_tor_version(c->tc, &v);
		printf("version=%d.%d.%d.%d%s%s auth=%s pow=%d\n", v.major,
		    v.minor, v.micro, v.patch, v.status[0] ? "-" : "",
		    v.status, torctl_auth_name(torctl_auth_used(c->tc)),
		    torctl_tor_at_least(c->tc, TORCTL_POW_VERSION_STR));
		run_next(c);
		return;
	} else if (strcmp(cmd, "getinfo") == 0)
		r = torctl_getinfo(c->tc, w, (size_t)n, on_reply, c);
	else if (strcmp(cmd, "setevents") == 0)
		r = torctl_setevents(c->tc, w, (size_t)n, on_reply, c);
	else if (strcmp(cmd, "signal") == 0 && n == 1)
		r = torctl_signal(c->tc, w[0], on_reply, c);
	else if (strcmp(cmd, "del-onion") == 0 && n == 1)
		r = torctl_del_onion(c->tc, strcmp(w[0], "-") == 0 ?
		    c->last_id : w[0], on_reply, c);
	else if (strcmp(cmd, "raw") == 0 && n >= 1) {
		line[0] = '\0';
		for (i = 0; i < n; i++) {
			strncat(line, w[i], sizeof(line) - strlen(line) - 2);
			if (i + 1 < n)
				strncat(line, " ", sizeof(line) -
				    strlen(line) - 1);
		}
		r = torctl_send(c->tc, line, on_reply, c);
	} else if (strcmp(cmd, "add-onion") == 0)
		r = start_add_onion(c, w, n);
	else if (strcmp(cmd, "wait-event") == 0 && n == 2) {
		c->want_event = w[0];
		tv.tv_sec = atoi(w[1]);
		tv.tv_usec = 0;
		evtimer_add(c->wait_timer, &tv);
		return;
	} else {
		fprintf(stderr, "torctl_cli: bad command \"%s\"\n", cmd);
		finish(c, 2);
		return;
	}
	if (r != 0) {
		fprintf(stderr, "torctl_cli: %s: %s\n", cmd,
		    torctl_strerror(r));
		finish(c, 1);
	}
}

static void
on_ready(struct torctl *tc, int err, void *arg)
{
	struct cli	*c = arg;

	if (err != 0) {
		fprintf(stderr, "torctl_cli: %s: %s\n", torctl_strerror(err),
		    torctl_last_error(tc));
		finish(c, 1);
		return;
	}
	run_next(c);
}

static int
key_cmd(int argc, char **argv)
{
	struct torctl_onionkey	*k = NULL;
	char			 id[TORCTL_ONION_ID_LEN + 1];
	char			 blob[TORCTL_ONIONKEY_BLOB_MAX];
	int			 r = 2;

	if (strcmp(argv[1], "key-gen") == 0 && argc == 3) {
		if ((r = torctl_onionkey_generate(&k)) == 0)
			r = torctl_onionkey_save(k, argv[2]);
	} else if (strcmp(argv[1], "key-id") == 0 && argc == 3)
		r = torctl_onionkey_load(argv[2], &k);
	else if (strcmp(argv[1], "key-blob") == 0 && argc == 3) {
		if ((r = torctl_onionkey_load(argv[2], &k)) == 0 &&
		    (r = torctl_onionkey_to_blob(k, blob, sizeof(blob))) == 0)
			printf("%s\n", blob);
		explicit_bzero(blob, sizeof(blob));
		torctl_onionkey_free(k);
		return r == 0 ? 0 : 1;
	} else if (strcmp(argv[1], "key-from-blob") == 0 && argc == 4) {
		if ((r = torctl_onionkey_from_blob(argv[2], strlen(argv[2]),
		    &k)) == 0)
			r = torctl_onionkey_save(k, argv[3]);
	} else if (strcmp(argv[1], "key-id-blob") == 0 && argc == 3)
		r = torctl_onionkey_from_blob(argv[2], strlen(argv[2]), &k);
	else {
		fprintf(stderr, "torctl_cli: bad key command\n");
		return 2;
	}
	if (r == 0 && (r = torctl_onionkey_service_id(k, id, sizeof(id))) == 0)
		printf("%s\n", id);
	torctl_onionkey_free(k);
	if (r != 0) {
		fprintf(stderr, "torctl_cli: %s%s%s\n", torctl_strerror(r),
		    r == TORCTL_ERR_IO ? ": " : "",
		    r == TORCTL_ERR_IO ? strerror(errno) : "");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cli		 c;
	enum torctl_auth	 auth = TORCTL_AUTH_AUTO;
	const char		*pw = NULL, *cookie = NULL;
	unsigned		 ms = 0;
	int			 ch, r;

	if (argc >= 2 && strncmp(argv[1], "key-", 4) == 0)
		return key_cmd(argc, argv);
	while ((ch = getopt(argc, argv, "a:p:c:t:")) != -1) {
		switch (ch) {
		case 'a':
			if (torctl_auth_parse(optarg, &auth) != 0)
				return 2;
			break;
		case 'p':
			pw = optarg;
			break;
		case 'c':
			cookie = optarg;
			break;
		case 't':
			ms = (unsigned)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: torctl_cli [-a auth] [-p password] "
		    "[-c cookie] [-t ms] TARGET CMD [ARG...] [, CMD ...]\n");
		return 2;
	}
	memset(&c, 0, sizeof(c));
	c.base = event_base_new();
	c.tc = torctl_new(c.base);
	c.wait_timer = evtimer_new(c.base, on_wait_timeout, &c);
	c.argv = argv + optind + 1;
	c.argc = argc - optind - 1;
	torctl_set_auth(c.tc, auth);
	torctl_set_timeouts(c.tc, ms, ms);
	if (pw != NULL)
		torctl_set_password(c.tc, pw);
	if (cookie != NULL)
		torctl_set_cookie_path(c.tc, cookie);
	torctl_set_event_cb(c.tc, on_event, &c);
	torctl_set_closed_cb(c.tc, on_closed, &c);
	if ((r = torctl_connect(c.tc, argv[optind], on_ready, &c)) != 0) {
		fprintf(stderr, "torctl_cli: %s: %s\n", torctl_strerror(r),
		    torctl_last_error(c.tc));
		c.status = 1;
	} else
		while (!c.done)
			event_base_loop(c.base, EVLOOP_ONCE);
	torctl_free(c.tc);
	event_free(c.wait_timer);
	event_base_free(c.base);
	return c.status;
}
