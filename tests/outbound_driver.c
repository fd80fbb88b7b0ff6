/*
 * outbound_driver.c - run the outbound proxy alone from the command line,
 * for integration tests and bench/outbound (onionfedd fills the same
 * struct gw_outbound_conf from its config file).
 * Prints "READY connect=PORT socks=PORT pid=PID" on stdout once listening; on
 * SIGUSR1 and at exit (SIGTERM/SIGINT) writes its counters as "name value"
 * lines to --stats FILE (or stderr).
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "gatewayd/gw_log.h"
#include "gatewayd/gw_outbound.h"
#include "gatewayd/gw_tunnel.h"

static struct gw_outbound	*ob;
static const char		*stats_path;

static void
usage(void)
{
	fprintf(stderr, "usage: outbound_driver [--connect ADDR] [--socks ADDR] "
	    "--tor ADDR\n  [--clearnet direct|tor|deny] [--no-onion] "
	    "[--allow-private]\n  [--resolver IP:PORT] [--auth USER:PASS] "
	    "[--nonloopback]\n  [--rate N] [--burst N] [--max N] "
	    "[--max-tunnels N]\n  [--connect-timeout MS] [--idle-timeout MS] "
	    "[--no-splice] [--stats FILE] [-v]\n");
	exit(2);
}

static void
dump_stats(void)
{
	const struct gw_outbound_stats	*st = gw_outbound_stats(ob);
	FILE				*f = stderr;
	int				 i;

	if (stats_path != NULL && (f = fopen(stats_path, "w")) == NULL)
		return;
#define S(x)	fprintf(f, #x " %llu\n", (unsigned long long)st->x)
	S(accepted_connect);
	S(accepted_socks);
	S(accept_paused);
	S(tunnels_onion);
	S(tunnels_clearnet_direct);
	S(tunnels_clearnet_tor);
	S(tunnels_active);
	S(handshakes_active);
	S(tor_connects);
	S(direct_connects);
	S(dns_lookups);
	S(bytes_up);
	S(bytes_down);
#undef S
	for (i = 1; i < GW_OB_R_MAX; i++)
		fprintf(f, "refused_%s %llu\n", gw_outbound_reason_name(i),
		    (unsigned long long)st->refused[i]);
	if (f != stderr)
		fclose(f);
}

static void
sig_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	if (sig == SIGUSR1) {
		dump_stats();
		return;
	}
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	struct gw_outbound_conf	 c;
	struct event_base	*base;
	struct event		*ev[3];
	char			 err[256], *auth = NULL, *colon;
	int			 i, r, verbose = 0;
	static const int	 sigs[3] = { SIGTERM, SIGINT, SIGUSR1 };

	memset(&c, 0, sizeof(c));
	c.allow_onion = 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

#define ARG(name)	(strcmp(a, name) == 0 && (v != NULL || (usage(), 0)) \
			    && ++i)
		if (ARG("--connect"))
			c.connect_listen = v;
		else if (ARG("--socks"))
			c.socks_listen = v;
		else if (ARG("--tor"))
			c.tor_socks = v;
		else if (ARG("--clearnet")) {
			if (strcmp(v, "direct") == 0)
				c.clearnet = GW_OB_CLEARNET_DIRECT;
			else if (strcmp(v, "tor") == 0)
				c.clearnet = GW_OB_CLEARNET_TOR;
			else if (strcmp(v, "deny") == 0)
				c.clearnet = GW_OB_CLEARNET_DENY;
			else
				usage();
		} else if (strcmp(a, "--no-onion") == 0)
			c.allow_onion = 0;
		else if (strcmp(a, "--allow-private") == 0)
			c.allow_private = 1;
		else if (strcmp(a, "--nonloopback") == 0)
			c.allow_nonloopback = 1;
		else if (strcmp(a, "--no-splice") == 0)
			gw_tunnel_set_splice(0);
		else if (strcmp(a, "-v") == 0)
			verbose = 1;
		else if (ARG("--resolver"))
			c.resolver = v;
		else if (ARG("--auth"))
			auth = strdup(v);
		else if (ARG("--rate"))
			c.dest_rate = (unsigned)strtoul(v, NULL, 10);
		else if (ARG("--burst"))
			c.dest_burst = (unsigned)strtoul(v, NULL, 10);
		else if (ARG("--max"))
			c.dest_max = (unsigned)strtoul(v, NULL, 10);
		else if (ARG("--max-tunnels"))
			c.max_tunnels = (unsigned)strtoul(v, NULL, 10);
		else if (ARG("--connect-timeout"))
			c.connect_timeout_ms = (unsigned)strtoul(v, NULL, 10);
		else if (ARG("--idle-timeout"))
			c.idle_timeout_ms = (unsigned)strtoul(v, NULL, 10);
		else if (ARG("--stats"))
			stats_path = v;
		else
			usage();
#undef ARG
	}
	if (c.tor_socks == NULL)
		usage();
	if (auth != NULL && (colon = strchr(auth, ':')) != NULL) {
		*colon = '\0';
		c.auth_user = auth;
		c.auth_pass = colon + 1;
	}
	gw_log_init(GW_LOG_STDERR, verbose ? LOG_DEBUG : LOG_INFO);
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		return 1;
	if ((r = gw_outbound_new(base, &c, &ob, err, sizeof(err))) != 0) {
		fprintf(stderr, "outbound_driver: %s: %s\n",
		    gw_outbound_strerror(r), err);
		return 1;
	}
	for (i = 0; i < 3; i++) {
		ev[i] = evsignal_new(base, sigs[i], sig_cb, base);
		event_add(ev[i], NULL);
	}
	printf("READY connect=%u socks=%u pid=%ld\n",
	    (unsigned)gw_outbound_connect_port(ob),
	    (unsigned)gw_outbound_socks_port(ob), (long)getpid());
	fflush(stdout);
	event_base_dispatch(base);
	dump_stats();
	for (i = 0; i < 3; i++)
		event_free(ev[i]);
	gw_outbound_free(ob);
	event_base_free(base);
	free(auth);
	return 0;
}
