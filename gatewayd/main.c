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

#include <event2/event.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_log_ids.h"
#include "gatewayd/gw_notify.h"

#define EX_OK_		0
#define EX_USAGE_	64	/* sysexits.h EX_USAGE */
#define EX_SOFTWARE_	70	/* sysexits.h EX_SOFTWARE */
#define EX_CONFIG_	78	/* sysexits.h EX_CONFIG */

#define DEFAULT_CONFIG	SYSCONFDIR "/onionfed/onionfed.conf"

struct gw_daemon {
	struct event_base	*base;
	struct gw_config	*cfg;		/* current snapshot, owned */
	struct gw_notify	*notify;
	struct event		*ev_term, *ev_int, *ev_hup;
	const char		*config_path;
	int			 debug;		/* -d: level pinned to debug */
	int			 stopping;
	void			**area_state;	/* one per areas[] row */
};

/*
 * The daemon's areas (outbound proxy, inbound proxy, onion manager, admin).
 * Each row adapts one area's constructor, e.g. gw_outbound_new(base, cfg),
 * to this interface; the lead adds a row when an area lands:
 *
 *	static int
 *	outbound_start(struct event_base *base, const struct gw_config *cfg,
 *	    void **state)
 *	{
 *		return (*state = gw_outbound_new(base, cfg)) ? 0 : -1;
 *	}
 *	...
 *	{ "outbound", outbound_start, outbound_reconfigure, outbound_stop },
 *
 * start:	bind listeners / connect; store the area's handle in *state.
 *		Return 0, or negative after logging why (GW_MSGID_LISTENER_
 *		FAILED for a bind): the daemon then exits with EX_SOFTWARE.
 *		The config pointer stays valid until reconfigure() gives a
 *		new one or stop() is called.
 * reconfigure: take the new snapshot (SIGHUP). Keys the area cannot change
 *		live it keeps and logs at NOTICE ("needs a restart"). May be
 *		NULL (the area keeps the snapshot it was started with; the
 *		daemon then keeps that snapshot alive).
 * stop:	close listeners and free everything (no callbacks after).
 *
 * Areas start in table order and stop in reverse order.
 */
struct gw_area {
	const char	*name;
	int		(*start)(struct event_base *, const struct gw_config *,
			    void **state);
	int		(*reconfigure)(void *state, const struct gw_config *);
	void		(*stop)(void *state);
};

static const struct gw_area areas[] = {
	/* { "onion", ... }, { "inbound", ... }, { "outbound", ... },
	 * { "admin", ... }, */
	{ NULL, NULL, NULL, NULL }
};

/* Rows before the sentinel (a loop over the sentinel rather than a count
 * keeps the compiler quiet while the table is still empty). */
static size_t
nareas(void)
{
	size_t	n = 0;

	while (areas[n].name != NULL)
		n++;
	return n;
}

/* Snapshots still referenced by an area without reconfigure(); freed at
 * exit. Bounded by the number of reloads, which is small. */
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

	for (i = 0; areas[i].name != NULL; i++) {
		if (areas[i].start(d->base, d->cfg, &d->area_state[i]) != 0) {
			GW_LOG(LOG_ERR, "main", 0, "%s failed to start",
			    areas[i].name);
			while (i-- > 0)
				areas[i].stop(d->area_state[i]);
			return -1;
		}
		GW_LOG(LOG_DEBUG, "main", 0, "%s started", areas[i].name);
	}
	return 0;
}

static void
areas_stop(struct gw_daemon *d)
{
	size_t	i = nareas();

	while (i-- > 0) {
		areas[i].stop(d->area_state[i]);
		d->area_state[i] = NULL;
	}
}

/* Hand 'ncfg' to every area. Return 1 if some area still holds the old
 * snapshot (it has no reconfigure hook), else 0. */
static int
areas_reconfigure(struct gw_daemon *d, const struct gw_config *ncfg)
{
	size_t	i;
	int	keep_old = 0;

	for (i = 0; areas[i].name != NULL; i++) {
		if (areas[i].reconfigure == NULL) {
			keep_old = 1;
			continue;
		}
		if (areas[i].reconfigure(d->area_state[i], ncfg) != 0)
			GW_LOG(LOG_WARNING, "main", 0, "%s kept part of its old "
			    "configuration", areas[i].name);
	}
	return keep_old;
}

static void
apply_log_level(struct gw_daemon *d)
{
	if (!d->debug)
		gw_log_set_level(d->cfg->log_level);
}

static void
reload(struct gw_daemon *d)
{
	struct gw_config	*ncfg = NULL;
	struct gw_log_fields	 f = { .reason = "reload" };
	int			 r;

	gw_notify_reloading(d->notify);
	GW_LOG(LOG_NOTICE, "main", 0, "reloading %s", d->config_path);
	r = gw_config_load(d->config_path, 0, log_error, d, &ncfg);
	if (r != 0) {
		f.msgid = GW_MSGID_RELOAD_FAILED;
		GW_LOGF(LOG_ERR, "main", 0, &f, "reload refused (%s); the "
		    "running configuration stays", gw_config_strerror(r));
		gw_notify_ready(d->notify, "reload refused; old config kept");
		return;
	}
	if (ncfg->mode != d->cfg->mode)
		GW_LOG(LOG_NOTICE, "main", 0, "[onionfed] mode changed: takes "
		    "effect at the next restart");
	if (areas_reconfigure(d, ncfg)) {
		struct gw_config **nr = realloc(retired,
		    (nretired + 1) * sizeof(*nr));

		if (nr == NULL) {
			/* Cannot keep the old one alive: refuse the new. */
			GW_LOG(LOG_ERR, "main", 0, "out of memory on reload");
			gw_config_free(ncfg);
			gw_notify_ready(d->notify, NULL);
			return;
		}
		retired = nr;
		retired[nretired++] = d->cfg;
	} else
		gw_config_free(d->cfg);
	d->cfg = ncfg;
	apply_log_level(d);
	f.msgid = GW_MSGID_RELOAD_OK;
	GW_LOGF(LOG_NOTICE, "main", 0, &f, "configuration reloaded from %s",
	    d->config_path);
	gw_notify_ready(d->notify, "running; configuration reloaded");
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct gw_daemon	*d = arg;
	struct gw_log_fields	 f = { .msgid = GW_MSGID_STOP };

	(void)what;
	if (sig == SIGHUP) {
		if (!d->stopping)
			reload(d);
		return;
	}
	if (d->stopping)
		return;
	d->stopping = 1;
	gw_notify_stopping(d->notify);
	GW_LOGF(LOG_NOTICE, "main", 0, &f, "stopping on %s",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	/* Areas are stopped after the loop returns; stopping them here
	 * would free objects whose callbacks may be queued this round. */
	event_base_loopexit(d->base, NULL);
}

static int
signals_add(struct gw_daemon *d)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		return -1;
	d->ev_term = evsignal_new(d->base, SIGTERM, signal_cb, d);
	d->ev_int = evsignal_new(d->base, SIGINT, signal_cb, d);
	d->ev_hup = evsignal_new(d->base, SIGHUP, signal_cb, d);
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
	struct gw_log_fields	f = { .msgid = GW_MSGID_START };
	int			rc = EX_SOFTWARE_;

	raise_nofile();
	if ((d->base = event_base_new()) == NULL) {
		GW_LOG(LOG_ERR, "main", 0, "event_base_new failed");
		return EX_SOFTWARE_;
	}
	if ((d->area_state = calloc(nareas() + 1, sizeof(void *))) == NULL ||
	    signals_add(d) != 0 ||
	    (d->notify = gw_notify_new(d->base)) == NULL) {
		GW_LOG(LOG_ERR, "main", 0, "cannot set up signals or notify");
		goto out;
	}
	GW_LOGF(LOG_NOTICE, "main", 0, &f, "onionfedd %s starting (%s, "
	    "config %s)", PACKAGE_VERSION, d->cfg->mode == GW_MODE_DUAL ?
	    "dual" : "onion-only", d->config_path);
	if (areas_start(d) != 0)
		goto out;
	/* With no area wired in yet there is nothing to wait for; the areas
	 * that bind listeners and authenticate to tor will send READY=1
	 * themselves once the onion manager owns that moment. */
	gw_notify_ready(d->notify, nareas() == 0 ? "running (no areas built "
	    "in)" : "running");
	if (event_base_dispatch(d->base) < 0) {
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
	gw_notify_free(d->notify);
	free(d->area_state);
	event_base_free(d->base);
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
