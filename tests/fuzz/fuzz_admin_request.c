/*
 * fuzz_admin_request.c - arbitrary bytes as one admin connection's
 * request, through gw_admin_handle() (scan, parse, route, answer) exactly
 * as the server runs it, arriving in pieces. First byte: bit 0 = admin
 * socket (POST /reload allowed), bits 1-7 = piece size - 1. Every request
 * must be answered once with an HTTP/1.1 status line, or still be waiting
 * for its head.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "gatewayd/gw_admin.h"
#include "gatewayd/gw_admin_limits.h"
#include "gatewayd/gw_config.h"
#include "gatewayd/gw_daemon.h"
#include "gatewayd/gw_http_proto.h"
#include "gatewayd/gw_log.h"
#include "policy/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct event_base	*base;
static struct gw_daemon_ctx	 ctx;
static struct gw_config		 cfg;
static struct gw_admin		*ad;
static struct pol_limiter	*lim;

static struct pol_limiter *
limiter(const struct gw_daemon_ctx *c)
{
	(void)c;
	return lim;
}

static int
reload(struct gw_daemon_ctx *c, char *errbuf, size_t errlen)
{
	(void)errlen;
	if (c->reloads_ok++ % 2 == 0)
		return 0;
	/* An error text with JSON's special characters. */
	strcpy(errbuf, "x.conf:1: \"bad\" \\ \x01 value");
	return -1;
}

static void
setup(void)
{
	struct gw_admin_conf	 conf;
	struct pol_limiter_cfg	 lc;
	struct pol_limit_result	 r;

	gw_log_init(GW_LOG_STDERR, LOG_CRIT);
	base = event_base_new();
	pol_limiter_cfg_default(&lc);
	lc.capacity = 64;
	if (base == NULL || pol_limiter_new(&lc, &lim) != 0)
		abort();
	(void)pol_limit_check(lim, "matrix.org", 10, POL_DIR_INBOUND, NULL, 1,
	    &r);
	cfg.mode = GW_MODE_ONION_ONLY;
	ctx.base = base;
	ctx.cfg = &cfg;
	ctx.started = time(NULL);
	ctx.reload = reload;
	memset(&conf, 0, sizeof(conf));
	conf.limiter = limiter;		/* no listeners */
	if (gw_admin_new(&ctx, &conf, &ad, NULL, 0) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_http_scan	 sc;
	struct evbuffer		*out;
	const char		*buf;
	size_t			 step, len, alen;
	int			 privileged, done = 0;
	char			 head[16];

	if (ad == NULL)
		setup();
	if (size < 1 || size > 2 * GW_ADMIN_MAX_HEAD)
		return 0;
	privileged = data[0] & 1;
	step = (size_t)(data[0] >> 1) + 1;
	buf = (const char *)data + 1;
	size--;
	if ((out = evbuffer_new()) == NULL)
		abort();
	memset(&sc, 0, sizeof(sc));
	for (len = step < size ? step : size; !done; len += step) {
		if (len > size)
			len = size;
		done = gw_admin_handle(ad, privileged, &sc, buf, len, out);
		if (len == size)
			break;
	}
	alen = evbuffer_get_length(out);
	if (done) {
		/* One complete answer. */
		if (alen < 12 || evbuffer_copyout(out, head, 9) != 9 ||
		    memcmp(head, "HTTP/1.1 ", 9) != 0)
			abort();
	} else if (alen != 0 || size >= GW_ADMIN_MAX_HEAD)
		abort();		/* answered early, or waited too long */
	evbuffer_free(out);
	return 0;
}
