/*
 * gw_inbound_serve.c - run the inbound gateway alone (tests, benchmarks)
 * until onionfedd's main wires it from gw_config.
 *
 * usage: gw-inbound-serve -n SERVER_NAME -u UPSTREAM -l LISTEN
 *        [-w WELLKNOWN_LISTEN] [-c CERT -k KEY | -s STATE_DIR] [-P (plain)]
 *        [-b MAX_BODY] [-H HEAD_TIMEOUT_MS] [-T UPSTREAM_TIMEOUT_MS]
 *        [-O (refuse onion origins)] [-d DENY_PATTERN]...
 *        [-r PER_SEC -B BURST -D DELAY_BURST -M MAX_DELAY_MS -C MAX_CONC]
 *        [-A ADMISSION_PER_SEC] [-S (accept any SNI)] [-W WORKERS] [-v]
 * Prints "ready <port>" on stdout once listening; stops on SIGTERM/SIGINT.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "gatewayd/gw_inbound.h"
#include "gatewayd/gw_log.h"
#include "policy/policy.h"

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopbreak(arg);
}

static void
usage(void)
{
	fprintf(stderr, "usage: gw-inbound-serve -n NAME -u UPSTREAM -l LISTEN "
	    "[-w LISTEN] [-c CERT -k KEY | -s DIR] [-P] [-b BYTES] "
	    "[-H MS] [-T MS] [-v]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	struct gw_inbound_conf	 conf;
	struct gw_inbound	*in = NULL;
	struct event_base	*base;
	struct event		*sigt, *sigi;
	char			 err[512];
	int			 ch, prio = LOG_NOTICE;
	struct pol_settings	 ps;
	struct pol_limiter_cfg	 lc;
	struct pol_rules	*rules = NULL;
	struct pol_limiter	*lim = NULL;
	const char		*deny[16];
	double			 adm = 0;

	memset(&ps, 0, sizeof(ps));
	ps.allow_onion_peers = ps.allow_clearnet_peers = 1;
	ps.allow_private_addresses = 1;
	ps.deny = deny;
	pol_limiter_cfg_default(&lc);
	gw_inbound_conf_init(&conf);
	while ((ch = getopt(argc, argv,
	    "n:u:l:w:c:k:s:Pb:H:T:vOd:r:B:D:M:C:A:SW:")) != -1) {
		switch (ch) {
		case 'n': conf.server_name = optarg; break;
		case 'u': conf.upstream = optarg; break;
		case 'l':
			if (conf.nlisten < GW_INB_MAX_LISTEN)
				conf.listen[conf.nlisten++] = optarg;
			break;
		case 'w':
			if (conf.nwell_known < GW_INB_MAX_LISTEN)
				conf.well_known_listen[conf.nwell_known++] =
				    optarg;
			break;
		case 'c': conf.tls_cert = optarg; break;
		case 'k': conf.tls_key = optarg; break;
		case 's': conf.state_dir = optarg; break;
		case 'P': conf.tls = 0; break;
		case 'S': conf.sni_strict = 0; break;	/* bench: SNI = IP */
		case 'W': conf.workers = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b': conf.max_body = strtoul(optarg, NULL, 10); break;
		case 'H': conf.head_timeout_ms = strtoul(optarg, NULL, 10);
			conf.body_timeout_ms = conf.head_timeout_ms; break;
		case 'T': conf.upstream_timeout_ms = strtoul(optarg, NULL, 10);
			break;
		case 'v': prio = LOG_DEBUG; break;
		case 'O': ps.allow_onion_peers = 0; break;
		case 'd':
			if (ps.ndeny < 16)
				deny[ps.ndeny++] = optarg;
			break;
		case 'r': lc.rate[POL_DIR_INBOUND].per_sec = atof(optarg);
			break;
		case 'B': lc.rate[POL_DIR_INBOUND].burst =
			    (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'D': lc.rate[POL_DIR_INBOUND].delay_burst =
			    (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'M': lc.rate[POL_DIR_INBOUND].max_delay_ms =
			    (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'C': lc.rate[POL_DIR_INBOUND].max_concurrent =
			    (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'A': adm = atof(optarg); break;
		default: usage();
		}
	}
	gw_log_init(GW_LOG_STDERR, prio);
	if (adm > 0) {
		lc.admission[POL_DIR_INBOUND].per_sec = adm;
		lc.admission[POL_DIR_INBOUND].burst = (uint32_t)(adm < 100000 ? adm * 10 : 1000000);
	}
	if (pol_rules_new(&ps, &rules, err, sizeof(err)) != 0) {
		fprintf(stderr, "gw-inbound-serve: policy: %s\n", err);
		return 1;
	}
	if ((ch = pol_limiter_new(&lc, &lim)) != 0) {
		fprintf(stderr, "gw-inbound-serve: limiter: %s\n",
		    pol_strerror(ch));
		return 1;
	}
	conf.rules = rules;
	conf.limiter = lim;
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		return 1;
	if (gw_inbound_new(base, &conf, &in, err, sizeof(err)) != 0) {
		fprintf(stderr, "gw-inbound-serve: %s\n", err);
		return 1;
	}
	sigt = evsignal_new(base, SIGTERM, on_signal, base);
	sigi = evsignal_new(base, SIGINT, on_signal, base);
	evsignal_add(sigt, NULL);
	evsignal_add(sigi, NULL);
	printf("ready %u\n", (unsigned)gw_inbound_port(in, 0));
	fflush(stdout);
	event_base_dispatch(base);
	gw_inbound_free(in);
	event_free(sigt);
	event_free(sigi);
	event_base_free(base);
	pol_limiter_free(lim);
	pol_rules_free(rules);
	return 0;
}
