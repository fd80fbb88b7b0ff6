/*
 * main.c - onionfedd: parse the command line, load the config, run the
 * event loop, and hand the config to the daemon's areas.
 * Owns: the event_base, the current config snapshot, signal events, the
 * notifier, and the lifetime of each area.
 * Never: does an area's work; areas are wired in through areas[] below.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <event2/event.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_daemon.h"
#include "gatewayd/gw_inbound.h"
#include "gatewayd/gw_limits.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_log_ids.h"
#include "gatewayd/gw_notify.h"
#include "gatewayd/gw_outbound.h"
#include "gatewayd/gw_policy.h"

#define EX_OK_		0
#define EX_USAGE_	64	/* sysexits.h EX_USAGE */
#define EX_SOFTWARE_	70	/* sysexits.h EX_SOFTWARE */
#define EX_CONFIG_	78	/* sysexits.h EX_CONFIG */

#define DEFAULT_CONFIG	SYSCONFDIR "/onionfed/onionfed.conf"

struct gw_daemon {
	struct gw_daemon_ctx	 ctx;		/* what the areas see */
	struct gw_config	*cfg;		/* current snapshot, owned */
	struct event		*ev_term, *ev_int, *ev_hup;
	struct event		*ev_drain;	/* drain deadline */
	const char		*config_path;
	int			 debug;		/* -d: level pinned to debug */
	size_t			 draining;	/* areas not drained yet */
	void			**area_state;	/* one per areas[] row */
};

/*
 * The daemon's areas, in start order (gw_daemon.h has the interface). The
 * onion manager starts first so the others know our address; admin last so
 * it sees every handle.
 */
static const struct gw_area *const areas[] = {
	&gw_inbound_area,
	&gw_outbound_area,
	NULL
};

static size_t
nareas(void)
{
	size_t	n = 0;

	while (areas[n] != NULL)
		n++;
	return n;
}

/* Earlier snapshots: an area may still point into one (reconfigure hooks
 * need not copy). Freed at exit; bounded by the number of reloads. */
static struct gw_config	**retired;
static size_t		  nretired;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: onionfedd [-d] [-c FILE] [--check] [--log=journal|stderr]\n"
	    "\n"
	    "Let a Matrix homeserver federate over Tor.\n"
	    "\n"
	    "  -c, --config=FILE   configuration file (default %s)\n"
	    "  -t, --check         validate the configuration, print what would "
	    "be done,\n"
	    "                      exit 0 if valid, 78 (EX_CONFIG) if not\n"
	    "      --log=TARGET    journal (native journald fields) or stderr;\n"
	    "                      default: journal if stderr is the journal\n"
	    "  -d, --debug         log everything to stderr\n"
	    "  -V, --version       print the version and exit\n"
	    "  -h, --help          print this help and exit\n"
	    "\n"
	    "Signals: SIGTERM/SIGINT stop, SIGHUP reloads the configuration.\n",
	    DEFAULT_CONFIG);
}

/* Config errors at start or --check: one line each on stderr. */
static void
print_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s\n", msg);
}

/* Config errors at reload: one journal entry each. */
static void
log_error(void *arg, const char *msg)
{
	struct gw_log_fields	f = { .msgid = GW_MSGID_CONFIG_ERROR,
				      .reason = "config" };

	(void)arg;
	GW_LOGF(LOG_ERR, "main", 0, &f, "%s", msg);
}

static void
raise_nofile(void)
{
	struct rlimit	rl;

	/* Every tunnel holds two descriptors; take what we are allowed. */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		GW_LOG(LOG_NOTICE, "main", 0, "cannot raise RLIMIT_NOFILE: %s",
		    strerror(errno));
}

static int
areas_start(struct gw_daemon *d)
{
	size_t	i;

	for (i = 0; areas[i] != NULL; i++) {
		if (areas[i]->start(&d->ctx, &d->area_state[i]) != 0) {
			GW_LOG(LOG_ERR, "main", 0, "%s failed to start",
			    areas[i]->name);
			while (i-- > 0)
				areas[i]->stop(d->area_state[i], &d->ctx);
			return -1;
		}
		GW_LOG(LOG_DEBUG, "main", 0, "%s started", areas[i]->name);
	}
	return 0;
}

static void
areas_stop(struct gw_daemon *d)
{
	size_t	i = nareas();

	while (i-- > 0) {
		areas[i]->stop(d->area_state[i], &d->ctx);
		d->area_state[i] = NULL;
	}
}

static void
areas_reconfigure(struct gw_daemon *d)
{
	size_t	i;

	for (i = 0; areas[i] != NULL; i++) {
		if (areas[i]->reconfigure == NULL)
			continue;
		if (areas[i]->reconfigure(d->area_state[i], &d->ctx) != 0)
			GW_LOG(LOG_WARNING, "main", 0, "%s kept part of its old "
			    "configuration", areas[i]->name);
	}
}

static void
apply_log_level(struct gw_daemon *d)
{
	if (!d->debug)
		gw_log_set_level(d->cfg->log_level);
}

/* First config error of a reload, for onionfedctl reload's answer. */
struct reload_err {
	char	*buf;
	size_t	 len;
};

static void
reload_error(void *arg, const char *msg)
{
	struct reload_err	*re = arg;

	if (re != NULL && re->buf != NULL && re->buf[0] == '\0')
		snprintf(re->buf, re->len, "%s", msg);
	log_error(NULL, msg);
}

static int
reload(struct gw_daemon_ctx *ctx, char *errbuf, size_t errlen)
{
	struct gw_daemon	*d = ctx->priv;
	struct gw_config	*ncfg = NULL, **nr;
	struct gw_log_fields	 f = { .reason = "reload" };
	struct reload_err	 re = { errbuf, errlen };
	const char		*why = NULL;
	char			 perr[256] = "";
	int			 r, restart = 0;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	gw_notify_reloading(ctx->notify);
	GW_LOG(LOG_NOTICE, "main", 0, "reloading %s", d->config_path);
	r = gw_config_load(d->config_path, 0, reload_error, &re, &ncfg);
	if (r != 0)
		why = gw_config_strerror(r);
	if (r == 0 && (r = gw_policy_reconfigure(ctx->policy, ncfg, &restart,
	    perr, sizeof(perr))) != 0) {
		GW_LOG(LOG_ERR, "main", 0, "%s: policy: %s", d->config_path,
		    perr);
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "policy: %s", perr);
		gw_config_free(ncfg);
		ncfg = NULL;
		why = "policy refused";
	}
	if (r == 0 && (nr = realloc(retired, (nretired + 1) *
	    sizeof(*nr))) == NULL) {
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "out of memory");
		gw_config_free(ncfg);
		why = "out of memory";
		r = -1;
	}
	if (r != 0) {
		f.msgid = GW_MSGID_RELOAD_FAILED;
		GW_LOGF(LOG_ERR, "main", 0, &f, "reload refused (%s); the "
		    "running configuration stays", why);
		gw_notify_ready(ctx->notify, "reload refused; old config kept");
		ctx->reloads_failed++;
		return -1;
	}
	retired = nr;
	retired[nretired++] = d->cfg;
	if (ncfg->mode != d->cfg->mode)
		GW_LOG(LOG_NOTICE, "main", 0, "[onionfed] mode changed: takes "
		    "effect at the next restart");
	if (restart)
		GW_LOG(LOG_NOTICE, "main", 0, "[policy] new_peer_rate changed: "
		    "takes effect at the next restart");
	d->cfg = ncfg;
	ctx->cfg = ncfg;
	areas_reconfigure(d);
	apply_log_level(d);
	ctx->reloads_ok++;
	f.msgid = GW_MSGID_RELOAD_OK;
	GW_LOGF(LOG_NOTICE, "main", 0, &f, "configuration reloaded from %s",
	    d->config_path);
	gw_notify_ready(ctx->notify, "running; configuration reloaded");
	return 0;
}

/* Every area drained, or the deadline passed: leave the loop; areas are
 * stopped after it returns. */
static void
drain_over(evutil_socket_t fd, short what, void *arg)
{
	struct gw_daemon	*d = arg;

	(void)what;
	if (fd != -1)
		GW_LOG(LOG_NOTICE, "main", 0, "drain timeout (%u ms): closing "
		    "what is left", (unsigned)GW_DRAIN_TIMEOUT_MS);
	event_base_loopexit(d->ctx.base, NULL);
}

static void
area_drained(void *arg)
{
	struct gw_daemon	*d = arg;

	if (d->draining > 0 && --d->draining == 0)
		event_active(d->ev_drain, EV_TIMEOUT, 0);
}

static void
drain(struct gw_daemon *d)
{
	struct timeval	tv = { GW_DRAIN_TIMEOUT_MS / 1000,
			    (GW_DRAIN_TIMEOUT_MS % 1000) * 1000 };
	size_t		i, n = nareas();

	if ((d->ev_drain = evtimer_new(d->ctx.base, drain_over, d)) == NULL) {
		event_base_loopexit(d->ctx.base, NULL);
		return;
	}
	(void)evtimer_add(d->ev_drain, &tv);
	/* +1 so an area that drains at once cannot end it early. */
	d->draining = n + 1;
	for (i = 0; i < n; i++) {
		if (areas[i]->drain == NULL)
			area_drained(d);
		else
			areas[i]->drain(d->area_state[i], area_drained, d);
	}
	area_drained(d);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct gw_daemon	*d = arg;
	struct gw_log_fields	 f = { .msgid = GW_MSGID_STOP };

	(void)what;
	if (sig == SIGHUP) {
		if (!d->ctx.stopping)
			(void)reload(&d->ctx, NULL, 0);
		return;
	}
	if (d->ctx.stopping) {
		/* A second signal: do not wait for the drain. */
		GW_LOG(LOG_NOTICE, "main", 0, "second %s: stopping now",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT");
		event_base_loopexit(d->ctx.base, NULL);
		return;
	}
	d->ctx.stopping = 1;
	gw_notify_stopping(d->ctx.notify);
	GW_LOGF(LOG_NOTICE, "main", 0, &f, "stopping on %s: no new "
	    "connections, in-flight work has %u s", sig == SIGTERM ?
	    "SIGTERM" : "SIGINT", (unsigned)(GW_DRAIN_TIMEOUT_MS / 1000));
	/* Areas are stopped after the loop returns; stopping them here
	 * would free objects whose callbacks may be queued this round. */
	drain(d);
}

static int
signals_add(struct gw_daemon *d)
{
	struct sigaction	sa;
	struct event_base	*base = d->ctx.base;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		return -1;
	d->ev_term = evsignal_new(base, SIGTERM, signal_cb, d);
	d->ev_int = evsignal_new(base, SIGINT, signal_cb, d);
	d->ev_hup = evsignal_new(base, SIGHUP, signal_cb, d);
	if (d->ev_term == NULL || d->ev_int == NULL || d->ev_hup == NULL ||
	    evsignal_add(d->ev_term, NULL) != 0 ||
	    evsignal_add(d->ev_int, NULL) != 0 ||
	    evsignal_add(d->ev_hup, NULL) != 0)
		return -1;
	return 0;
}

static int
run(struct gw_daemon *d)
{
	struct gw_log_fields	 f = { .msgid = GW_MSGID_START };
	struct gw_daemon_ctx	*ctx = &d->ctx;
	char			 err[256] = "";
	int			 rc = EX_SOFTWARE_;

	raise_nofile();
	ctx->cfg = d->cfg;
	ctx->priv = d;
	ctx->reload = reload;
	ctx->started = time(NULL);
	if ((ctx->base = event_base_new()) == NULL) {
		GW_LOG(LOG_ERR, "main", 0, "event_base_new failed");
		return EX_SOFTWARE_;
	}
	if ((d->area_state = calloc(nareas() + 1, sizeof(void *))) == NULL ||
	    signals_add(d) != 0 ||
	    (ctx->notify = gw_notify_new(ctx->base)) == NULL) {
		GW_LOG(LOG_ERR, "main", 0, "cannot set up signals or notify");
		goto out;
	}
	GW_LOGF(LOG_NOTICE, "main", 0, &f, "onionfedd %s starting (%s, "
	    "config %s)", PACKAGE_VERSION, d->cfg->mode == GW_MODE_DUAL ?
	    "dual" : "onion-only", d->config_path);
	if (gw_policy_new(d->cfg, &ctx->policy, err, sizeof(err)) != 0) {
		GW_LOG(LOG_ERR, "main", 0, "%s: policy: %s", d->config_path,
		    err);
		rc = EX_CONFIG_;
		goto out;
	}
	if (areas_start(d) != 0)
		goto out;
	/* READY=1 means "listeners bound and the onion added": the onion
	 * manager sends it when tor has taken the onion. Without it (not
	 * built in, or off) the listeners are all there is to wait for. */
	if (ctx->onion == NULL)
		gw_notify_ready(ctx->notify, "running (no onion manager)");
	if (event_base_dispatch(ctx->base) < 0) {
		GW_LOG(LOG_ERR, "main", 0, "event loop failed");
		areas_stop(d);
		goto out;
	}
	areas_stop(d);
	GW_LOG(LOG_NOTICE, "main", 0, "stopped");
	rc = EX_OK_;
 out:
	if (d->ev_term != NULL)
		event_free(d->ev_term);
	if (d->ev_int != NULL)
		event_free(d->ev_int);
	if (d->ev_hup != NULL)
		event_free(d->ev_hup);
	if (d->ev_drain != NULL)
		event_free(d->ev_drain);
	gw_policy_free(ctx->policy);
	gw_notify_free(ctx->notify);
	free(d->area_state);
	event_base_free(ctx->base);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "check",	no_argument,		NULL, 't' },
		{ "debug",	no_argument,		NULL, 'd' },
		{ "log",	required_argument,	NULL, 'L' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL,		0,			NULL, 0 }
	};
	struct gw_daemon	 d;
	enum gw_log_target	 target;
	int			 ch, check = 0, log_set = 0, r, rc;
	size_t			 i;

	memset(&d, 0, sizeof(d));
	d.config_path = DEFAULT_CONFIG;
	target = gw_log_default_target();
	while ((ch = getopt_long(argc, argv, "c:tdVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d.config_path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'd':
			d.debug = 1;
			break;
		case 'L':
			if (strcmp(optarg, "journal") == 0) {
#ifndef HAVE_SYSTEMD
				fprintf(stderr, "onionfedd: built without "
				    "systemd: --log=journal is unavailable\n");
				return EX_USAGE_;
#endif
				target = GW_LOG_JOURNAL;
			} else if (strcmp(optarg, "stderr") == 0)
				target = GW_LOG_STDERR;
			else {
				fprintf(stderr, "onionfedd: --log must be "
				    "journal or stderr\n");
				return EX_USAGE_;
			}
			log_set = 1;
			break;
		case 'V':
			printf("onionfedd %s\n", PACKAGE_VERSION);
			return EX_OK_;
		case 'h':
			usage(stdout);
			return EX_OK_;
		default:
			usage(stderr);
			return EX_USAGE_;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "onionfedd: unexpected argument: %s\n",
		    argv[optind]);
		usage(stderr);
		return EX_USAGE_;
	}
	if (d.debug && !log_set)
		target = GW_LOG_STDERR;
	gw_log_init(target, d.debug ? LOG_DEBUG : LOG_INFO);

	/* --check talks to a person; a service start logs each error as a
	 * journal entry with GW_MSGID_CONFIG_ERROR when journald is the
	 * target (else the same lines on stderr). */
	r = gw_config_load(d.config_path, 0, !check &&
	    gw_log_target() == GW_LOG_JOURNAL ? log_error : print_error, NULL,
	    &d.cfg);
	if (check) {
		if (r != 0) {
			fprintf(stderr, "onionfedd: %s: %s\n", d.config_path,
			    gw_config_strerror(r));
			return EX_CONFIG_;
		}
		printf("%s: configuration OK\n", d.config_path);
		gw_config_summary(d.cfg, stdout);
		gw_config_free(d.cfg);
		return EX_OK_;
	}
	if (r != 0) {
		struct gw_log_fields f = { .msgid = GW_MSGID_CONFIG_ERROR };

		/* Each error is out already; one more entry to alert on. */
		GW_LOGF(LOG_ERR, "main", 0, &f, "%s: %s; not starting",
		    d.config_path, gw_config_strerror(r));
		return EX_CONFIG_;
	}
	apply_log_level(&d);
	rc = run(&d);
	gw_config_free(d.cfg);
	for (i = 0; i < nretired; i++)
		gw_config_free(retired[i]);
	free(retired);
	return rc;
}
