/*
 * gw_outbound.c - the outbound proxy: listeners, handshakes (HTTP CONNECT,
 * SOCKS5), routing, tor's SocksPort client, direct connects, refusals.
 *
 * A client connection is a struct ob_conn until its tunnel is up; then the
 * conn is freed and only a struct ob_tun (with its gw_tunnel) remains, so
 * an idle tunnel costs the tunnel's ~1 KiB and nothing of the handshake.
 * Conns and tunnels are never freed inside their own callbacks: they are
 * queued on ob->reap and freed from a deferred event.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "gatewayd/gw_connect_proto.h"
#include "gatewayd/gw_log.h"
#include "gatewayd/gw_outbound.h"
#include "gatewayd/gw_outbound_limits.h"
#include "gatewayd/gw_outbound_route.h"
#include "gatewayd/gw_socks_proto.h"
#include "gatewayd/gw_tunnel.h"

#define SUBSYS	"outbound"

enum ob_kind { OB_CONNECT = 0, OB_SOCKS = 1 };

enum ob_state {
	ST_HEAD,		/* CONNECT: reading the head */
	ST_SOCKS_GREET,		/* SOCKS: greeting */
	ST_SOCKS_AUTH,		/* SOCKS: RFC 1929 */
	ST_SOCKS_REQ,		/* SOCKS: request */
	ST_DELAYED,		/* held by the rate limiter */
	ST_RESOLVING,		/* evdns lookup pending */
	ST_CONNECTING,		/* connect() to destination or tor pending */
	ST_TOR_REPLY,		/* SOCKS sent to tor, reading its answers */
	ST_LINGER,		/* refusal sent, draining the client */
	ST_DONE,		/* queued for reaping */
};

struct ob_listener {
	struct gw_outbound	*ob;
	struct evconnlistener	*lev;
	struct event		 resume;	/* re-enable after EMFILE */
	enum ob_kind		 kind;
	uint16_t		 port;
	char			*unix_path;	/* unlinked on free */
};

struct ob_conn {
	TAILQ_ENTRY(ob_conn)	 entry;
	struct gw_outbound	*ob;
	uint64_t		 id;
	enum ob_kind		 kind;
	enum ob_state		 state;
	uint8_t			 iso_slot;	/* ob->iso_gen index */
	int			 cfd;		/* client */
	int			 ufd;		/* destination or tor; -1 */
	struct event		 ev_c;		/* client readable */
	struct event		 ev_u;		/* upstream r/w */
	struct event		 ev_timer;
	uint8_t			 ev_c_on, ev_u_on;
	/* Bytes from the client (CONNECT head or SOCKS messages). */
	char			*in;
	size_t			 in_len, in_cap;
	size_t			 in_used;	/* consumed by the handshake */
	struct gw_connect_parser cp;
	uint8_t			 http_minor;
	/* Destination. */
	char			 host[GW_OB_MAX_HOST + 1];
	uint16_t		 port;
	struct ob_route		 rt;		/* route, delay, iso name */
	struct ob_dest_ref	 dref;		/* limiter slot, if any */
	/* Direct: addresses to try. */
	struct evdns_getaddrinfo_request *dnsreq;
	struct sockaddr_storage	 addr[GW_OB_MAX_ADDRS];
	socklen_t		 addrlen[GW_OB_MAX_ADDRS];
	int			 naddr, nextaddr;
	int			 last_errno;
	uint64_t		 deadline;	/* connect timeout, monotonic ms */
	/* Tor: its answers. */
	uint8_t			 tbuf[GW_OB_SOCKS_BUF];
	size_t			 tlen;
	uint8_t			 tout[GW_OB_SOCKS_OUT];	/* our 3 messages */
	size_t			 tpart[3];
	unsigned		 tsent;		/* messages sent */
	struct gw_socks_client	 sc;
	char			 chunk[GW_OB_HEAD_INLINE];	/* inline in */
};

struct ob_tun {
	TAILQ_ENTRY(ob_tun)	 entry;
	struct gw_outbound	*ob;
	struct gw_tunnel	*t;
	struct ob_dest_ref	 dref;
	uint64_t		 id;
	uint8_t			 done;
};

TAILQ_HEAD(ob_conn_q, ob_conn);
TAILQ_HEAD(ob_tun_q, ob_tun);

struct gw_outbound {
	struct event_base	*base;
	struct evdns_base	*dns;		/* clearnet = direct only */
	struct ob_listener	*lst[2];	/* [OB_CONNECT], [OB_SOCKS] */
	int			 draining;	/* never accept again */
	struct sockaddr_storage	 tor_addr;
	socklen_t		 tor_addrlen;
	enum gw_ob_clearnet	 clearnet;
	char			*auth_user, *auth_pass;
	unsigned		 handshake_ms, connect_ms, idle_ms;
	unsigned		 max_tunnels;
	struct ob_router	*router;
	unsigned char		 iso_key[32];
	/* Isolation generation per token slot (first token byte). A tunnel
	 * through tor that fails or times out bumps its destination's slot,
	 * so the next attempt uses new SOCKS credentials and therefore a new
	 * circuit: tor otherwise keeps reusing a stuck rendezvous circuit for
	 * the same credentials (seen after a tor restart: 60-120 s stuck,
	 * 1.8 s with fresh credentials). Two destinations sharing a slot only
	 * renew together; their usernames still differ, so never share. */
	uint32_t		 iso_gen[256];
	uint64_t		 next_id;
	struct ob_conn_q	 conns;
	struct ob_tun_q		 tuns;
	struct ob_conn_q	 reap_conns;
	struct ob_tun_q		 reap_tuns;
	struct event		 reap_ev;
	struct gw_outbound_stats stats;
};

static void	conn_client_cb(evutil_socket_t, short, void *);
static void	conn_upstream_cb(evutil_socket_t, short, void *);
static void	conn_refuse(struct ob_conn *, int reason, const char *detail);
static void	conn_route(struct ob_conn *);
static void	conn_go(struct ob_conn *);
static void	tor_send_request(struct ob_conn *);
static void	tor_renew_circuit(struct ob_conn *, uint8_t rep);
static void	conn_try_next_addr(struct ob_conn *);

/* ------------------------------------------------------------------ */
/* Reasons and their answers                                          */

static const struct {
	const char	*name;
	int		 http;
	const char	*phrase;
	uint8_t		 socks;
} reasons[GW_OB_R_MAX] = {
	[GW_OB_R_OK] = { "ok", 200, "Connection Established", 0x00 },
	[GW_OB_R_BAD_REQUEST] = { "bad-request", 400, "Bad Request", 0x01 },
	[GW_OB_R_SOCKS_CMD] = { "socks-command", 405,
	    "Method Not Allowed", 0x07 },
	[GW_OB_R_SOCKS_ATYP] = { "socks-address-type", 400,
	    "Bad Request", 0x08 },
	[GW_OB_R_METHOD] = { "method", 405, "Method Not Allowed", 0x07 },
	[GW_OB_R_VERSION] = { "http-version", 505,
	    "HTTP Version Not Supported", 0x01 },
	[GW_OB_R_HEAD_TOO_BIG] = { "head-too-big", 431,
	    "Request Header Fields Too Large", 0x01 },
	[GW_OB_R_AUTH] = { "proxy-auth", 407,
	    "Proxy Authentication Required", 0x02 },
	[GW_OB_R_BAD_DEST] = { "bad-destination", 400,
	    "Invalid Destination", 0x04 },
	[GW_OB_R_BAD_ONION] = { "bad-onion", 400,
	    "Invalid Onion Address", 0xf6 },
	[GW_OB_R_POLICY] = { "policy", 403,
	    "Destination Denied By Policy", 0x02 },
	[GW_OB_R_ONION_DENIED] = { "onion-denied", 403,
	    "Onion Destinations Not Allowed", 0x02 },
	[GW_OB_R_CLEARNET_DENIED] = { "clearnet-denied", 403,
	    "Clearnet Destinations Not Allowed", 0x02 },
	[GW_OB_R_RATE] = { "rate-limited", 429,
	    "Too Many New Tunnels To Destination", 0x02 },
	[GW_OB_R_CONCURRENCY] = { "too-many-tunnels", 429,
	    "Too Many Concurrent Tunnels", 0x02 },
	[GW_OB_R_SSRF] = { "ssrf", 403,
	    "Destination Address Not Allowed", 0x02 },
	[GW_OB_R_DNS] = { "dns", 502, "Destination Name Not Resolved",
	    0x04 },
	[GW_OB_R_REFUSED] = { "refused", 502, "Destination Refused Connection",
	    0x05 },
	[GW_OB_R_UNREACHABLE] = { "unreachable", 502,
	    "Destination Unreachable", 0x04 },
	[GW_OB_R_TIMEOUT] = { "connect-timeout", 504,
	    "Destination Connect Timed Out", 0x06 },
	[GW_OB_R_HANDSHAKE_TIMEOUT] = { "handshake-timeout", 408,
	    "Request Timeout", 0x01 },
	[GW_OB_R_TOR_DOWN] = { "tor-down", 503, "Tor Unavailable", 0x01 },
	[GW_OB_R_TOR_PROTO] = { "tor-protocol", 502,
	    "Tor SOCKS Protocol Error", 0x01 },
	[GW_OB_R_TOR_GENERAL] = { "tor-general", 502, "Tor General Failure",
	    0x01 },
	[GW_OB_R_TOR_NOT_ALLOWED] = { "tor-not-allowed", 502,
	    "Tor Refused By Policy", 0x02 },
	[GW_OB_R_TOR_NET_UNREACH] = { "tor-net-unreachable", 502,
	    "Network Unreachable Through Tor", 0x03 },
	[GW_OB_R_TOR_HOST_UNREACH] = { "tor-host-unreachable", 502,
	    "Host Unreachable Through Tor", 0x04 },
	[GW_OB_R_TOR_REFUSED] = { "tor-refused", 502,
	    "Connection Refused Through Tor", 0x05 },
	[GW_OB_R_TOR_TTL] = { "tor-timeout", 504, "Tor Stream Timed Out",
	    0x06 },
	[GW_OB_R_TOR_OTHER] = { "tor-other", 502, "Tor SOCKS Error", 0x01 },
	[GW_OB_R_ONION_DESC_NOT_FOUND] = { "onion-desc-not-found", 404,
	    "Onion Service Descriptor Not Found", 0xf0 },
	[GW_OB_R_ONION_DESC_INVALID] = { "onion-desc-invalid", 502,
	    "Onion Service Descriptor Invalid", 0xf1 },
	[GW_OB_R_ONION_INTRO_FAILED] = { "onion-intro-failed", 502,
	    "Onion Service Introduction Failed", 0xf2 },
	[GW_OB_R_ONION_REND_FAILED] = { "onion-rend-failed", 502,
	    "Onion Service Rendezvous Failed", 0xf3 },
	[GW_OB_R_ONION_AUTH_MISSING] = { "onion-auth-missing", 403,
	    "Onion Service Client Authorization Missing", 0xf4 },
	[GW_OB_R_ONION_AUTH_BAD] = { "onion-auth-bad", 403,
	    "Onion Service Client Authorization Invalid", 0xf5 },
	[GW_OB_R_ONION_BAD_ADDRESS] = { "onion-bad-address", 400,
	    "Invalid Onion Address", 0xf6 },
	[GW_OB_R_ONION_INTRO_TIMEOUT] = { "onion-intro-timeout", 504,
	    "Onion Service Introduction Timed Out", 0xf7 },
	[GW_OB_R_INTERNAL] = { "internal", 500, "Internal Proxy Error",
	    0x01 },
};

const char *
gw_outbound_reason_name(int reason)
{
	if (reason < 0 || reason >= GW_OB_R_MAX || reasons[reason].name == NULL)
		return "unknown";
	return reasons[reason].name;
}

int
gw_outbound_reason_http(int reason, const char **phrase)
{
	if (reason < 0 || reason >= GW_OB_R_MAX || reasons[reason].name == NULL)
		reason = GW_OB_R_INTERNAL;
	if (phrase != NULL)
		*phrase = reasons[reason].phrase;
	return reasons[reason].http;
}

uint8_t
gw_outbound_reason_socks(int reason)
{
	if (reason < 0 || reason >= GW_OB_R_MAX || reasons[reason].name == NULL)
		return GW_SOCKS_REP_GENERAL;
	return reasons[reason].socks;
}

/* tor's reply code -> reason. */
static int
reason_from_tor(uint8_t rep)
{
	switch (rep) {
	case 0x01: return GW_OB_R_TOR_GENERAL;
	case 0x02: return GW_OB_R_TOR_NOT_ALLOWED;
	case 0x03: return GW_OB_R_TOR_NET_UNREACH;
	case 0x04: return GW_OB_R_TOR_HOST_UNREACH;
	case 0x05: return GW_OB_R_TOR_REFUSED;
	case 0x06: return GW_OB_R_TOR_TTL;
	case 0xf0: return GW_OB_R_ONION_DESC_NOT_FOUND;
	case 0xf1: return GW_OB_R_ONION_DESC_INVALID;
	case 0xf2: return GW_OB_R_ONION_INTRO_FAILED;
	case 0xf3: return GW_OB_R_ONION_REND_FAILED;
	case 0xf4: return GW_OB_R_ONION_AUTH_MISSING;
	case 0xf5: return GW_OB_R_ONION_AUTH_BAD;
	case 0xf6: return GW_OB_R_ONION_BAD_ADDRESS;
	case 0xf7: return GW_OB_R_ONION_INTRO_TIMEOUT;
	}
	return GW_OB_R_TOR_OTHER;
}

static int
reason_from_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return GW_OB_R_REFUSED;
	case ETIMEDOUT:
		return GW_OB_R_TIMEOUT;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	case EADDRNOTAVAIL:
		return GW_OB_R_UNREACHABLE;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		return GW_OB_R_INTERNAL;
	}
	return GW_OB_R_UNREACHABLE;
}

const char *
gw_outbound_strerror(int err)
{
	switch (err) {
	case 0:				return "success";
	case GW_OB_ERR_NOMEM:		return "out of memory";
	case GW_OB_ERR_CONF:		return "invalid outbound configuration";
	case GW_OB_ERR_LISTEN:		return "cannot listen";
	case GW_OB_ERR_OPEN_PROXY:
		return "non-loopback listener without proxy authentication";
	}
	return "unknown error";
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                      */

static void
ev_on(struct event *ev, uint8_t *flag, int on, const struct timeval *tv)
{
	if (on && !*flag)
		(void)event_add(ev, tv);
	else if (!on && *flag)
		(void)event_del(ev);
	*flag = on ? 1 : 0;
}

static void
arm_timer(struct ob_conn *c, unsigned ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	(void)event_add(&c->ev_timer, &tv);
}

static uint64_t
now_ms(const struct gw_outbound *ob)
{
	struct timeval	tv;

	if (event_gettime_monotonic(ob->base, &tv) != 0)
		return 0;
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static void
set_nodelay(int fd)
{
	int	one = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Parse "ip:port", "[ip6]:port" (port 0 allowed: pick one) or
 * "unix:/path". Return 0 or -1. */
static int
parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	const char		*colon, *p;
	char			 host[64];
	size_t			 hl;
	unsigned long		 port = 0;

	memset(ss, 0, sizeof(*ss));
	if (strncmp(s, "unix:", 5) == 0) {
		if (strlen(s + 5) == 0 || strlen(s + 5) >= sizeof(sun->sun_path))
			return -1;
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, s + 5, strlen(s + 5) + 1);
		*len = (socklen_t)sizeof(*sun);
		return 0;
	}
	if ((colon = strrchr(s, ':')) == NULL || colon[1] == '\0' ||
	    strlen(colon + 1) > 5)
		return -1;
	for (p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port > 65535)
		return -1;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		if (hl - 2 >= sizeof(host))
			return -1;
		memcpy(host, s + 1, hl - 2);
		host[hl - 2] = '\0';
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = (socklen_t)sizeof(*sin6);
		return 0;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	*len = (socklen_t)sizeof(*sin);
	return 0;
}

static int
addr_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_UNIX)
		return 1;
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr)
		    >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Isolation token                                                    */

static int
gw_outbound_iso_name_token(const struct gw_outbound *ob, const char *name,
    char *out, size_t outsz)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		 msg[GW_OB_MAX_HOST + 8];
	int		 n, i;
	static const char hex[] = "0123456789abcdef";

	if (outsz < 33)
		return -1;
	n = snprintf(msg, sizeof(msg), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	for (i = 0; i < n; i++)		/* lower-case, so case never splits */
		if (msg[i] >= 'A' && msg[i] <= 'Z')
			msg[i] = (char)(msg[i] - 'A' + 'a');
	if (HMAC(EVP_sha256(), ob->iso_key, (int)sizeof(ob->iso_key),
	    (const unsigned char *)msg, (size_t)n, md, &mdlen) == NULL ||
	    mdlen < 16)
		return -1;
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

int
gw_outbound_iso_token(const struct gw_outbound *ob, const char *host,
    uint16_t port, char *out, size_t outsz)
{
	struct ob_route		rt;
	struct ob_dest_ref	ref;
	int			n;

	/* Same canonical name the routing uses, without touching limits. */
	if (ob_router_iso_name(host, port, rt.iso_name,
	    sizeof(rt.iso_name)) != 0) {
		n = snprintf(rt.iso_name, sizeof(rt.iso_name), "%s:%u", host,
		    (unsigned)port);
		if (n < 0 || (size_t)n >= sizeof(rt.iso_name))
			return -1;
	}
	(void)ref;
	return gw_outbound_iso_name_token(ob, rt.iso_name, out, outsz);
}

/* ------------------------------------------------------------------ */
/* Lifecycle of a conn                                                */

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gw_outbound	*ob = arg;
	struct ob_conn		*c;
	struct ob_tun		*u;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&ob->reap_conns)) != NULL) {
		TAILQ_REMOVE(&ob->reap_conns, c, entry);
		if (c->in != c->chunk)
			free(c->in);
		free(c);
	}
	while ((u = TAILQ_FIRST(&ob->reap_tuns)) != NULL) {
		TAILQ_REMOVE(&ob->reap_tuns, u, entry);
		gw_tunnel_free(u->t);
		free(u);
	}
}

static void
schedule_reap(struct gw_outbound *ob)
{
	event_active(&ob->reap_ev, EV_TIMEOUT, 0);
}

/* Stop everything of c except the client socket. */
static void
conn_stop_upstream(struct ob_conn *c)
{
	if (c->dnsreq != NULL) {
		struct evdns_getaddrinfo_request *r = c->dnsreq;

		c->dnsreq = NULL;
		evdns_getaddrinfo_cancel(r);	/* cb ignores CANCEL */
	}
	ev_on(&c->ev_u, &c->ev_u_on, 0, NULL);
	if (c->ufd >= 0) {
		close(c->ufd);
		c->ufd = -1;
	}
}

/* Close c and queue it for freeing. Safe to call from c's callbacks. */
static void
conn_close(struct ob_conn *c)
{
	struct gw_outbound	*ob = c->ob;

	if (c->state == ST_DONE)
		return;
	conn_stop_upstream(c);
	ev_on(&c->ev_c, &c->ev_c_on, 0, NULL);
	(void)event_del(&c->ev_timer);
	if (c->cfd >= 0) {
		close(c->cfd);
		c->cfd = -1;
	}
	ob_router_release(ob->router, &c->dref, now_ms(ob));
	c->state = ST_DONE;
	TAILQ_REMOVE(&ob->conns, c, entry);
	TAILQ_INSERT_TAIL(&ob->reap_conns, c, entry);
	ob->stats.handshakes_active--;
	schedule_reap(ob);
}

static void
log_refusal(struct ob_conn *c, int reason, const char *detail)
{
	struct gw_log_fields	 f;
	char			 esc[GW_OB_MAX_HOST * 4 + 8];

	memset(&f, 0, sizeof(f));
	f.direction = "outbound";
	f.reason = gw_outbound_reason_name(reason);
	if (c->host[0] != '\0')
		f.peer = gw_esc(esc, sizeof(esc), c->host, strlen(c->host));
	GW_LOGF(LOG_INFO, SUBSYS, c->id, &f,
	    "tunnel refused via=%s port=%u%s%s",
	    c->kind == OB_CONNECT ? "connect" : "socks", (unsigned)c->port,
	    detail != NULL ? " detail=" : "",
	    detail != NULL ? detail : "");
}

static void
send_all(int fd, const void *buf, size_t len)
{
	/*
	 * Cannot be short: when this is called the socket has carried at most
	 * the 2-byte method answer, the 2-byte auth answer and one refusal
	 * (< 800 bytes, conn_refuse()), far below the smallest send buffer
	 * Linux gives a TCP or unix socket (4608 bytes). A failure means the
	 * client is gone; its read side sees that and closes.
	 */
	(void)send(fd, buf, len, MSG_NOSIGNAL);
}

/* Answer the refusal, then drain the client until EOF or the linger time
 * so that it reads our answer rather than a reset. */
static void
conn_refuse(struct ob_conn *c, int reason, const char *detail)
{
	struct gw_outbound	*ob = c->ob;
	char			 msg[768];
	const char		*phrase;
	int			 status, n = 0;

	if (c->state == ST_DONE || c->state == ST_LINGER)
		return;
	if (reason <= GW_OB_R_OK || reason >= GW_OB_R_MAX)
		reason = GW_OB_R_INTERNAL;
	ob->stats.refused[reason]++;
	log_refusal(c, reason, detail);
	conn_stop_upstream(c);
	ob_router_release(ob->router, &c->dref, now_ms(ob));
	if (c->kind == OB_CONNECT) {
		char body[160];
		int blen;

		status = gw_outbound_reason_http(reason, &phrase);
		blen = snprintf(body, sizeof(body), "onionfed: %s (%s)\n",
		    phrase, gw_outbound_reason_name(reason));
		if (blen < 0 || (size_t)blen >= sizeof(body))
			blen = 0;
		n = snprintf(msg, sizeof(msg),
		    "HTTP/1.%u %d %s\r\n"
		    "Content-Type: text/plain\r\n"
		    "Content-Length: %d\r\n"
		    "Connection: close\r\n"
		    "X-Onionfed-Reason: %s\r\n"
		    "%s%s"
		    "\r\n%.*s",
		    (unsigned)c->http_minor, status, phrase, blen,
		    gw_outbound_reason_name(reason),
		    reason == GW_OB_R_AUTH ?
		    "Proxy-Authenticate: Basic realm=\"onionfed\"\r\n" : "",
		    reason == GW_OB_R_METHOD ? "Allow: CONNECT\r\n" : "",
		    blen, body);
		if (n < 0 || (size_t)n >= sizeof(msg))
			n = 0;
	} else if (c->state == ST_SOCKS_GREET) {
		/* No acceptable method (or not SOCKS5 at all). */
		msg[0] = 5;
		msg[1] = (char)GW_SOCKS_METHOD_REFUSE;
		n = 2;
	} else if (c->state == ST_SOCKS_AUTH) {
		msg[0] = 1;
		msg[1] = 1;
		n = 2;
	} else {
		n = (int)gw_socks_build_reply((uint8_t *)msg,
		    gw_outbound_reason_socks(reason));
	}
	if (n > 0 && c->cfd >= 0)
		send_all(c->cfd, msg, (size_t)n);
	if (c->cfd < 0) {
		conn_close(c);
		return;
	}
	(void)shutdown(c->cfd, SHUT_WR);
	c->state = ST_LINGER;
	ev_on(&c->ev_c, &c->ev_c_on, 1, NULL);
	arm_timer(c, GW_OB_LINGER_MS);
}

static void
conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ob_conn	*c = arg;

	(void)fd;
	(void)what;
	switch (c->state) {
	case ST_HEAD:
	case ST_SOCKS_GREET:
	case ST_SOCKS_AUTH:
	case ST_SOCKS_REQ:
		conn_refuse(c, GW_OB_R_HANDSHAKE_TIMEOUT, NULL);
		break;
	case ST_DELAYED:
		conn_go(c);
		break;
	case ST_RESOLVING:
		conn_refuse(c, GW_OB_R_DNS, "timeout");
		break;
	case ST_CONNECTING:
		if (c->rt.route == GW_OB_ROUTE_CLEARNET_DIRECT &&
		    c->nextaddr < c->naddr && now_ms(c->ob) < c->deadline) {
			/* This address is silent: try the next one. */
			ev_on(&c->ev_u, &c->ev_u_on, 0, NULL);
			close(c->ufd);
			c->ufd = -1;
			c->last_errno = ETIMEDOUT;
			conn_try_next_addr(c);
			break;
		}
		conn_refuse(c, GW_OB_R_TIMEOUT, NULL);
		break;
	case ST_TOR_REPLY:
		tor_renew_circuit(c, GW_SOCKS_REP_TTL);
		conn_refuse(c, GW_OB_R_TIMEOUT, NULL);
		break;
	default:
		conn_close(c);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Tunnels                                                            */

static void
tun_done_cb(struct gw_tunnel *t, int end, uint64_t up, uint64_t down,
    void *arg)
{
	struct ob_tun		*u = arg;
	struct gw_outbound	*ob = u->ob;

	(void)t;
	ob->stats.bytes_up += up;
	ob->stats.bytes_down += down;
	ob->stats.tunnels_active--;
	GW_LOG(LOG_DEBUG, SUBSYS, u->id, "tunnel closed end=%d up=%llu "
	    "down=%llu", end, (unsigned long long)up,
	    (unsigned long long)down);
	ob_router_release(ob->router, &u->dref, now_ms(ob));
	u->done = 1;
	TAILQ_REMOVE(&ob->tuns, u, entry);
	TAILQ_INSERT_TAIL(&ob->reap_tuns, u, entry);
	schedule_reap(ob);
}

/* The destination (or tor) accepted: answer the client, hand both sockets
 * to a tunnel and free the conn. 'pre_down' is payload already read from
 * upstream. */
static void
conn_establish(struct ob_conn *c, const void *pre_down, size_t pre_down_len)
{
	struct gw_outbound	*ob = c->ob;
	struct ob_tun		*u;
	char			 ok[64];
	int			 n, cfd, ufd;

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		conn_refuse(c, GW_OB_R_INTERNAL, "nomem");
		return;
	}
	if (c->kind == OB_CONNECT)
		n = snprintf(ok, sizeof(ok),
		    "HTTP/1.%u 200 Connection Established\r\n\r\n",
		    (unsigned)c->http_minor);
	else
		n = (int)gw_socks_build_reply((uint8_t *)ok, 0);
	if (send(c->cfd, ok, (size_t)n, MSG_NOSIGNAL) != n) {
		free(u);
		conn_close(c);		/* client went away */
		return;
	}
	switch (c->rt.route) {
	case GW_OB_ROUTE_ONION:
		ob->stats.tunnels_onion++;
		break;
	case GW_OB_ROUTE_CLEARNET_TOR:
		ob->stats.tunnels_clearnet_tor++;
		break;
	default:
		ob->stats.tunnels_clearnet_direct++;
		break;
	}
	ev_on(&c->ev_c, &c->ev_c_on, 0, NULL);
	ev_on(&c->ev_u, &c->ev_u_on, 0, NULL);
	(void)event_del(&c->ev_timer);
	cfd = c->cfd;
	ufd = c->ufd;
	c->cfd = c->ufd = -1;			/* transferred */
	u->ob = ob;
	u->id = c->id;
	u->dref = c->dref;
	memset(&c->dref, 0, sizeof(c->dref));	/* transferred */
	u->t = gw_tunnel_new(ob->base, cfd, ufd, c->in + c->in_used,
	    c->in_len - c->in_used, pre_down, pre_down_len, ob->idle_ms,
	    tun_done_cb, u);
	if (u->t == NULL) {			/* sockets closed by it */
		ob_router_release(ob->router, &u->dref, now_ms(ob));
		free(u);
		conn_close(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ob->tuns, u, entry);
	ob->stats.tunnels_active++;
	GW_LOG(LOG_DEBUG, SUBSYS, c->id, "tunnel up route=%d port=%u",
	    (int)c->rt.route, (unsigned)c->port);
	conn_close(c);
}

/* ------------------------------------------------------------------ */
/* Upstream: tor                                                      */

/* Start a non-blocking connect to sa as c->ufd. Return 1 if already
 * connected, 0 if in progress (ev_u waits for it), or -errno. */
static int
conn_connect_to(struct ob_conn *c, const struct sockaddr *sa,
    socklen_t salen)
{
	struct sockaddr_storage	peer;
	socklen_t		pl;
	int			fd, r;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return -errno;
	if (sa->sa_family != AF_UNIX)
		set_nodelay(fd);
	if ((r = connect(fd, sa, salen)) != 0 && errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		return -e;
	}
	c->ufd = fd;
	event_assign(&c->ev_u, c->ob->base, fd, EV_WRITE | EV_PERSIST,
	    conn_upstream_cb, c);
	c->ev_u_on = 0;
	/* Loopback (tor's SocksPort, mostly) completes the handshake inside
	 * connect(): go on now instead of waiting for writability. */
	pl = sizeof(peer);
	if (r == 0 || getpeername(fd, (struct sockaddr *)&peer, &pl) == 0)
		return 1;
	ev_on(&c->ev_u, &c->ev_u_on, 1, NULL);
	return 0;
}

static void
conn_via_tor(struct ob_conn *c)
{
	struct gw_outbound	*ob = c->ob;
	int			 r;

	c->state = ST_CONNECTING;
	arm_timer(c, ob->connect_ms);
	ob->stats.tor_connects++;
	r = conn_connect_to(c, (struct sockaddr *)&ob->tor_addr,
	    ob->tor_addrlen);
	if (r < 0) {
		/* Fast and explicit: never hang when tor is down. */
		conn_refuse(c, r == -EMFILE || r == -ENFILE ?
		    GW_OB_R_INTERNAL : GW_OB_R_TOR_DOWN, strerror(-r));
	} else if (r == 1)
		tor_send_request(c);
}

/* Send our next SOCKS message to tor. Return 0 or -1 (refused c). */
static int
tor_send_next(struct ob_conn *c)
{
	size_t	off = 0, len;
	unsigned i;

	for (i = 0; i < c->tsent; i++)
		off += c->tpart[i];
	len = c->tpart[c->tsent];
	/* A few hundred bytes on a fresh socket: one call always fits. */
	if (send(c->ufd, c->tout + off, len, MSG_NOSIGNAL) != (ssize_t)len) {
		conn_refuse(c, GW_OB_R_TOR_DOWN, "send");
		return -1;
	}
	c->tsent++;
	return 0;
}

/* Tor failed this tunnel in a way a new circuit may cure (not for a bad
 * address, refused policy or client auth): next time, new credentials. */
static void
tor_renew_circuit(struct ob_conn *c, uint8_t rep)
{
	switch (rep) {
	case 0x02:	/* not allowed by ruleset */
	case 0x08:	/* address type */
	case 0xf4:	/* client auth missing */
	case 0xf5:	/* client auth bad */
	case 0xf6:	/* bad onion address */
		return;
	}
	c->ob->iso_gen[c->iso_slot]++;
	c->ob->stats.iso_renewed++;
}

static void
tor_send_request(struct ob_conn *c)
{
	char		tok[40], pass[24];
	uint32_t	gen;

	if (gw_outbound_iso_name_token(c->ob, c->rt.iso_name, tok,
	    sizeof(tok)) != 0) {
		conn_refuse(c, GW_OB_R_INTERNAL, "socks build");
		return;
	}
	c->iso_slot = (uint8_t)strtoul((char[3]){ tok[0], tok[1], '\0' },
	    NULL, 16);
	gen = c->ob->iso_gen[c->iso_slot];
	if (gen == 0)
		snprintf(pass, sizeof(pass), "onionfed");
	else
		snprintf(pass, sizeof(pass), "onionfed-%u", (unsigned)gen);
	if (gw_socks_client_build(c->tout, sizeof(c->tout), tok, pass,
	    c->host, c->port, c->tpart) < 0) {
		conn_refuse(c, GW_OB_R_INTERNAL, "socks build");
		return;
	}
	c->tsent = 0;
	if (tor_send_next(c) != 0)
		return;
	c->state = ST_TOR_REPLY;
	memset(&c->sc, 0, sizeof(c->sc));
	c->tlen = 0;
	ev_on(&c->ev_u, &c->ev_u_on, 0, NULL);
	event_assign(&c->ev_u, c->ob->base, c->ufd, EV_READ | EV_PERSIST,
	    conn_upstream_cb, c);
	ev_on(&c->ev_u, &c->ev_u_on, 1, NULL);
}

static void
tor_read_reply(struct ob_conn *c)
{
	ssize_t	n;
	size_t	used;
	int	r;

	n = recv(c->ufd, c->tbuf + c->tlen, sizeof(c->tbuf) - c->tlen, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		conn_refuse(c, GW_OB_R_TOR_PROTO, strerror(errno));
		return;
	}
	if (n == 0) {
		conn_refuse(c, GW_OB_R_TOR_PROTO, "tor closed");
		return;
	}
	c->tlen += (size_t)n;
	r = gw_socks_client_feed(&c->sc, c->tbuf, c->tlen, &used);
	/* Each answer read lets the next message go. */
	while (r >= 0 && c->tsent <= c->sc.stage && c->tsent < 3)
		if (tor_send_next(c) != 0)
			return;
	if (r == GW_SOCKS_NEED_MORE) {
		memmove(c->tbuf, c->tbuf + used, c->tlen - used);
		c->tlen -= used;
		if (c->tlen == sizeof(c->tbuf))
			conn_refuse(c, GW_OB_R_TOR_PROTO, "reply too long");
		return;
	}
	if (r < 0) {
		conn_refuse(c, GW_OB_R_TOR_PROTO, gw_socks_strerror(r));
		return;
	}
	if (c->sc.rep != GW_SOCKS_REP_OK) {
		tor_renew_circuit(c, c->sc.rep);
		conn_refuse(c, reason_from_tor(c->sc.rep),
		    gw_socks_rep_str(c->sc.rep));
		return;
	}
	conn_establish(c, c->tbuf + used, c->tlen - used);
}

/* ------------------------------------------------------------------ */
/* Upstream: direct                                                   */

/* Keep the acceptable addresses of 'ai' (v6 and v4 interleaved). Return
 * the number kept; *dropped counts SSRF refusals. */
static int
conn_take_addrs(struct ob_conn *c, const struct evutil_addrinfo *ai,
    int *dropped)
{
	const struct evutil_addrinfo *p;
	int	 pass, fam;

	c->naddr = c->nextaddr = 0;
	*dropped = 0;
	for (pass = 0; pass < 2; pass++) {
		fam = pass == 0 ? AF_INET6 : AF_INET;
		for (p = ai; p != NULL && c->naddr < GW_OB_MAX_ADDRS;
		    p = p->ai_next) {
			if (p->ai_family != fam ||
			    p->ai_addrlen > sizeof(c->addr[0]))
				continue;
			if (!ob_router_addr_ok(c->ob->router, p->ai_addr)) {
				(*dropped)++;
				continue;
			}
			memcpy(&c->addr[c->naddr], p->ai_addr, p->ai_addrlen);
			c->addrlen[c->naddr] = (socklen_t)p->ai_addrlen;
			if (fam == AF_INET)
				((struct sockaddr_in *)&c->addr[c->naddr])->
				    sin_port = htons(c->port);
			else
				((struct sockaddr_in6 *)&c->addr[c->naddr])->
				    sin6_port = htons(c->port);
			c->naddr++;
		}
	}
	return c->naddr;
}

static void
dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
	struct ob_conn	*c = arg;
	int		 dropped;

	if (result == EVUTIL_EAI_CANCEL) {	/* c may be gone: touch nothing */
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	c->dnsreq = NULL;
	if (c->state != ST_RESOLVING) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	if (result != 0 || res == NULL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		conn_refuse(c, GW_OB_R_DNS, evutil_gai_strerror(result));
		return;
	}
	if (conn_take_addrs(c, res, &dropped) == 0) {
		evutil_freeaddrinfo(res);
		conn_refuse(c, dropped > 0 ? GW_OB_R_SSRF : GW_OB_R_DNS,
		    dropped > 0 ? "private address" : "no usable address");
		return;
	}
	evutil_freeaddrinfo(res);
	c->state = ST_CONNECTING;
	conn_try_next_addr(c);
}

static void
conn_try_next_addr(struct ob_conn *c)
{
	int	r;

	while (c->nextaddr < c->naddr) {
		int		i = c->nextaddr++;
		uint64_t	now = now_ms(c->ob), left;

		left = c->deadline > now ? c->deadline - now : 1;
		arm_timer(c, (unsigned)(c->nextaddr < c->naddr &&
		    left > GW_OB_ATTEMPT_MS ? GW_OB_ATTEMPT_MS : left));
		c->ob->stats.direct_connects++;
		r = conn_connect_to(c, (struct sockaddr *)&c->addr[i],
		    c->addrlen[i]);
		if (r == 1)
			conn_establish(c, NULL, 0);
		if (r >= 0)
			return;
		c->last_errno = -r;
	}
	conn_refuse(c, reason_from_errno(c->last_errno),
	    strerror(c->last_errno));
}

static void
conn_direct(struct ob_conn *c)
{
	struct gw_outbound	*ob = c->ob;
	struct evutil_addrinfo	 hints, *res = NULL;
	struct evdns_getaddrinfo_request *req;
	int			 dropped;

	/* Defence in depth: routing never sends an onion here. */
	if (ob_route_is_onion_name(c->host)) {
		GW_LOG(LOG_CRIT, SUBSYS, c->id, "BUG: onion on direct path");
		conn_refuse(c, GW_OB_R_INTERNAL, "bug");
		return;
	}
	arm_timer(c, ob->connect_ms);
	c->deadline = now_ms(ob) + ob->connect_ms;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* IP literal: no lookup at all. */
	hints.ai_flags = EVUTIL_AI_NUMERICHOST;
	if (evutil_getaddrinfo(c->host, NULL, &hints, &res) == 0 &&
	    res != NULL) {
		int n = conn_take_addrs(c, res, &dropped);

		evutil_freeaddrinfo(res);
		if (n == 0) {
			conn_refuse(c, dropped > 0 ? GW_OB_R_SSRF :
			    GW_OB_R_BAD_DEST, "address literal");
			return;
		}
		c->state = ST_CONNECTING;
		conn_try_next_addr(c);
		return;
	}
	if (ob->dns == NULL) {
		conn_refuse(c, GW_OB_R_INTERNAL, "no resolver");
		return;
	}
	hints.ai_flags = 0;
	c->state = ST_RESOLVING;
	ob->stats.dns_lookups++;
	req = evdns_getaddrinfo(ob->dns, c->host, NULL, &hints, dns_cb, c);
	/* The callback may already have run (and refused c). */
	if (req != NULL && c->state == ST_RESOLVING)
		c->dnsreq = req;
}

/* ------------------------------------------------------------------ */
/* Upstream events                                                    */

static void
conn_upstream_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ob_conn	*c = arg;
	int		 err = 0;
	socklen_t	 elen = sizeof(err);

	(void)fd;
	(void)what;
	if (c->state == ST_CONNECTING) {
		if (getsockopt(c->ufd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0)
			err = errno;
		if (err == EINPROGRESS || err == EALREADY)
			return;
		if (c->rt.route == GW_OB_ROUTE_CLEARNET_DIRECT) {
			if (err != 0) {
				ev_on(&c->ev_u, &c->ev_u_on, 0, NULL);
				close(c->ufd);
				c->ufd = -1;
				c->last_errno = err;
				conn_try_next_addr(c);
				return;
			}
			conn_establish(c, NULL, 0);
			return;
		}
		if (err != 0) {
			conn_refuse(c, GW_OB_R_TOR_DOWN, strerror(err));
			return;
		}
		tor_send_request(c);
		return;
	}
	if (c->state == ST_TOR_REPLY)
		tor_read_reply(c);
}

/* ------------------------------------------------------------------ */
/* Routing                                                            */

static void
conn_route(struct ob_conn *c)
{
	struct gw_outbound	*ob = c->ob;
	int			 reason;

	ev_on(&c->ev_c, &c->ev_c_on, 0, NULL);	/* no reads until tunnel */
	if (ob->stats.tunnels_active >= ob->max_tunnels) {
		conn_refuse(c, GW_OB_R_CONCURRENCY, "global");
		return;
	}
	reason = ob_router_decide(ob->router, c->host, c->port, now_ms(ob),
	    &c->rt, &c->dref);
	if (reason != GW_OB_R_OK) {
		conn_refuse(c, reason, NULL);
		return;
	}
	if (c->rt.delay_ms > 0) {
		/* Over the bucket but within the delay region: hold it. */
		c->state = ST_DELAYED;
		arm_timer(c, c->rt.delay_ms);
		return;
	}
	conn_go(c);
}

static void
conn_go(struct ob_conn *c)
{
	switch (c->rt.route) {
	case GW_OB_ROUTE_ONION:
	case GW_OB_ROUTE_CLEARNET_TOR:
		conn_via_tor(c);
		break;
	case GW_OB_ROUTE_CLEARNET_DIRECT:
		conn_direct(c);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Client side: handshakes                                            */

static int
creds_ok(const struct gw_outbound *ob, const char *user, size_t ulen,
    const char *pass, size_t plen)
{
	size_t	au, ap;
	int	ok;

	if (ob->auth_user == NULL)
		return 1;
	au = strlen(ob->auth_user);
	ap = strlen(ob->auth_pass);
	/* Constant time in the content; lengths are not secret enough to
	 * matter and are compared first. */
	ok = au == ulen && ap == plen;
	if (ok)		/* both compared, whichever differs */
		ok = (CRYPTO_memcmp(user, ob->auth_user, au) |
		    CRYPTO_memcmp(pass, ob->auth_pass, ap)) == 0;
	return ok;
}

static void
conn_handle_connect(struct ob_conn *c)
{
	struct gw_connect_req	 req;
	int			 r;
	const char		*colon;

	r = gw_connect_parse(&c->cp, c->in, c->in_len, &req);
	if (r == GW_CONNECT_NEED_MORE)
		return;
	if (r > 0 || r == GW_CONNECT_ERR_METHOD || r == GW_CONNECT_ERR_TARGET)
		c->http_minor = req.http_minor;	/* request line was read */
	if (r < 0) {
		switch (r) {
		case GW_CONNECT_ERR_METHOD:
			conn_refuse(c, GW_OB_R_METHOD, NULL);
			break;
		case GW_CONNECT_ERR_VERSION:
			c->http_minor = 1;
			conn_refuse(c, GW_OB_R_VERSION, NULL);
			break;
		case GW_CONNECT_ERR_TOOBIG:
			conn_refuse(c, GW_OB_R_HEAD_TOO_BIG, NULL);
			break;
		case GW_CONNECT_ERR_TARGET:
			conn_refuse(c, GW_OB_R_BAD_DEST, "target");
			break;
		case GW_CONNECT_ERR_AUTH:
			conn_refuse(c, GW_OB_R_AUTH, "malformed");
			break;
		default:
			conn_refuse(c, GW_OB_R_BAD_REQUEST,
			    gw_connect_strerror(r));
			break;
		}
		return;
	}
	c->in_used = (size_t)r;
	memcpy(c->host, req.host, sizeof(c->host));
	c->port = req.port;
	if (c->ob->auth_user != NULL) {
		colon = req.has_auth ? memchr(req.auth, ':', req.auth_len) :
		    NULL;
		if (colon == NULL || !creds_ok(c->ob, req.auth,
		    (size_t)(colon - req.auth), colon + 1,
		    req.auth_len - (size_t)(colon - req.auth) - 1)) {
			OPENSSL_cleanse(&req, sizeof(req));
			conn_refuse(c, GW_OB_R_AUTH, NULL);
			return;
		}
	}
	OPENSSL_cleanse(req.auth, sizeof(req.auth));
	conn_route(c);
}

static void
conn_handle_socks(struct ob_conn *c)
{
	const uint8_t		*b;
	size_t			 n, ulen, plen;
	unsigned		 offers;
	int			 r;
	uint8_t			 ans[2];
	char			 user[256], pass[256];
	struct gw_socks_req	 req;

	for (;;) {
		b = (const uint8_t *)c->in + c->in_used;
		n = c->in_len - c->in_used;
		switch (c->state) {
		case ST_SOCKS_GREET:
			r = gw_socks_parse_greeting(b, n, &offers);
			if (r == 0)
				return;
			if (r < 0) {
				conn_refuse(c, GW_OB_R_BAD_REQUEST,
				    gw_socks_strerror(r));
				return;
			}
			c->in_used += (size_t)r;
			ans[0] = 5;
			if (c->ob->auth_user != NULL && !(offers & 2u)) {
				conn_refuse(c, GW_OB_R_AUTH, "no user/pass");
				return;
			}
			if (c->ob->auth_user != NULL || !(offers & 1u)) {
				if (!(offers & 2u)) {
					conn_refuse(c, GW_OB_R_BAD_REQUEST,
					    "no acceptable method");
					return;
				}
				ans[1] = GW_SOCKS_METHOD_USERPASS;
				c->state = ST_SOCKS_AUTH;
			} else {
				ans[1] = GW_SOCKS_METHOD_NONE;
				c->state = ST_SOCKS_REQ;
			}
			send_all(c->cfd, ans, 2);
			break;
		case ST_SOCKS_AUTH:
			r = gw_socks_parse_userpass(b, n, user, &ulen, pass,
			    &plen);
			if (r == 0)
				return;
			if (r < 0) {
				conn_refuse(c, GW_OB_R_AUTH,
				    gw_socks_strerror(r));
				return;
			}
			c->in_used += (size_t)r;
			if (!creds_ok(c->ob, user, ulen, pass, plen)) {
				OPENSSL_cleanse(pass, sizeof(pass));
				conn_refuse(c, GW_OB_R_AUTH, NULL);
				return;
			}
			OPENSSL_cleanse(pass, sizeof(pass));
			ans[0] = 1;
			ans[1] = 0;
			send_all(c->cfd, ans, 2);
			c->state = ST_SOCKS_REQ;
			break;
		case ST_SOCKS_REQ:
			r = gw_socks_parse_request(b, n, &req);
			if (r == 0)
				return;
			if (r == GW_SOCKS_ERR_ATYP) {
				conn_refuse(c, GW_OB_R_SOCKS_ATYP, NULL);
				return;
			}
			if (r < 0) {
				conn_refuse(c, GW_OB_R_BAD_REQUEST,
				    gw_socks_strerror(r));
				return;
			}
			c->in_used += (size_t)r;
			memcpy(c->host, req.host, sizeof(c->host));
			c->port = req.port;
			if (req.cmd != GW_SOCKS_CMD_CONNECT) {
				conn_refuse(c, GW_OB_R_SOCKS_CMD, NULL);
				return;
			}
			if (req.port == 0) {
				conn_refuse(c, GW_OB_R_BAD_DEST, "port 0");
				return;
			}
			conn_route(c);
			return;
		default:
			return;
		}
	}
}

static void
conn_client_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ob_conn	*c = arg;
	size_t		 want;
	ssize_t		 n;
	char		 sink[512];

	(void)what;
	if (c->state == ST_LINGER) {
		n = recv(fd, sink, sizeof(sink), 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	if (c->in_len == c->in_cap) {
		/* Grow once from the inline chunk to the maximum head. */
		char *p;

		if (c->in_cap >= GW_OB_MAX_HEAD) {
			conn_refuse(c, GW_OB_R_HEAD_TOO_BIG, NULL);
			return;
		}
		if ((p = malloc(GW_OB_MAX_HEAD)) == NULL) {
			conn_refuse(c, GW_OB_R_INTERNAL, "nomem");
			return;
		}
		memcpy(p, c->in, c->in_len);
		c->in = p;
		c->in_cap = GW_OB_MAX_HEAD;
	}
	want = c->in_cap - c->in_len;
	n = recv(fd, c->in + c->in_len, want, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		conn_close(c);
		return;
	}
	if (n == 0) {			/* client gave up before asking */
		conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	if (c->kind == OB_CONNECT)
		conn_handle_connect(c);
	else
		conn_handle_socks(c);
}

/* ------------------------------------------------------------------ */
/* Listeners                                                          */

static void
listener_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ob_listener	*l = arg;

	(void)fd;
	(void)what;
	if (!l->ob->draining)
		(void)evconnlistener_enable(l->lev);
}

static void
listener_error_cb(struct evconnlistener *lev, void *arg)
{
	struct ob_listener	*l = arg;
	int			 e = EVUTIL_SOCKET_ERROR();
	struct timeval		 tv = { GW_OB_ACCEPT_PAUSE_MS / 1000,
	    (GW_OB_ACCEPT_PAUSE_MS % 1000) * 1000 };

	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		/* Out of descriptors: stop accepting for a moment rather
		 * than spin on a listener that stays readable. */
		(void)evconnlistener_disable(lev);
		(void)event_add(&l->resume, &tv);
		l->ob->stats.accept_paused++;
		GW_LOG(LOG_WARNING, SUBSYS, 0, "accept paused: %s "
		    "(tunnels=%llu); raise LimitNOFILE or lower max_tunnels",
		    strerror(e),
		    (unsigned long long)l->ob->stats.tunnels_active);
		return;
	}
	GW_LOG(LOG_NOTICE, SUBSYS, 0, "accept: %s", strerror(e));
}

static void
listener_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ob_listener	*l = arg;
	struct gw_outbound	*ob = l->ob;
	struct ob_conn		*c;

	(void)lev;
	(void)salen;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	/* TCP_NODELAY comes from the listening socket (Linux copies it). */
	c->ob = ob;
	c->id = ++ob->next_id;
	c->kind = l->kind;
	c->state = l->kind == OB_CONNECT ? ST_HEAD : ST_SOCKS_GREET;
	c->cfd = fd;
	c->ufd = -1;
	c->http_minor = 1;
	c->in = c->chunk;
	c->in_cap = sizeof(c->chunk);
	if (l->kind == OB_CONNECT)
		ob->stats.accepted_connect++;
	else
		ob->stats.accepted_socks++;
	ob->stats.handshakes_active++;
	TAILQ_INSERT_TAIL(&ob->conns, c, entry);
	event_assign(&c->ev_c, ob->base, fd, EV_READ | EV_PERSIST,
	    conn_client_cb, c);
	evtimer_assign(&c->ev_timer, ob->base, conn_timer_cb, c);
	ev_on(&c->ev_c, &c->ev_c_on, 1, NULL);
	arm_timer(c, ob->handshake_ms);
}

static void
listener_free(struct ob_listener *l)
{
	if (l == NULL)
		return;
	if (l->lev != NULL)
		evconnlistener_free(l->lev);
	if (event_initialized(&l->resume))
		(void)event_del(&l->resume);
	if (l->unix_path != NULL) {
		(void)unlink(l->unix_path);
		free(l->unix_path);
	}
	free(l);
}

static int
listener_new(struct gw_outbound *ob, enum ob_kind kind, const char *spec,
    int allow_nonloopback, int have_auth, char *errbuf, size_t errlen)
{
	struct ob_listener	*l;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	const char		*what = kind == OB_CONNECT ? "connect_listen" :
	    "socks_listen";
	int			 fd = -1;
	unsigned		 flags = LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE;

	if (parse_addr(spec, &ss, &sl) != 0) {
		snprintf(errbuf, errlen, "%s: cannot parse address", what);
		return GW_OB_ERR_CONF;
	}
	if (!addr_is_loopback(&ss)) {
		if (!allow_nonloopback) {
			snprintf(errbuf, errlen, "%s: not a loopback address "
			    "(set the non-loopback option to allow it)", what);
			return GW_OB_ERR_CONF;
		}
		if (!have_auth) {
			snprintf(errbuf, errlen, "%s: a non-loopback proxy "
			    "needs proxy authentication (open proxy)", what);
			return GW_OB_ERR_OPEN_PROXY;
		}
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return GW_OB_ERR_NOMEM;
	l->ob = ob;
	l->kind = kind;
	evtimer_assign(&l->resume, ob->base, listener_resume_cb, l);
	if (ss.ss_family == AF_UNIX) {
		const char *path = ((struct sockaddr_un *)&ss)->sun_path;

		if ((l->unix_path = strdup(path)) == NULL)
			goto nomem;
		(void)unlink(path);	/* a stale socket from a past run */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
		    listen(fd, 1024) != 0) {
			snprintf(errbuf, errlen, "%s: %s: %s", what, path,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			free(l->unix_path);
			l->unix_path = NULL;
			listener_free(l);
			return GW_OB_ERR_LISTEN;
		}
		l->lev = evconnlistener_new(ob->base, listener_accept_cb, l,
		    flags, -1, fd);
		if (l->lev == NULL)
			close(fd);
	} else {
		l->lev = evconnlistener_new_bind(ob->base, listener_accept_cb,
		    l, flags, 4096, (struct sockaddr *)&ss, (int)sl);
		if (l->lev == NULL) {
			snprintf(errbuf, errlen, "%s: %s: %s", what, spec,
			    strerror(errno));
			listener_free(l);
			return GW_OB_ERR_LISTEN;
		}
		/* Accepted sockets inherit it: one call instead of one per
		 * tunnel. */
		set_nodelay(evconnlistener_get_fd(l->lev));
		sl = sizeof(ss);
		if (getsockname(evconnlistener_get_fd(l->lev),
		    (struct sockaddr *)&ss, &sl) == 0)
			l->port = ntohs(ss.ss_family == AF_INET ?
			    ((struct sockaddr_in *)&ss)->sin_port :
			    ((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	if (l->lev == NULL)
		goto nomem;
	evconnlistener_set_error_cb(l->lev, listener_error_cb);
	ob->lst[kind] = l;
	return 0;
 nomem:
	listener_free(l);
	return GW_OB_ERR_NOMEM;
}

/* ------------------------------------------------------------------ */
/* Public                                                             */

int
gw_outbound_new(struct event_base *base, const struct gw_outbound_conf *conf,
    struct gw_outbound **out, char *errbuf, size_t errlen)
{
	struct gw_outbound	*ob = NULL;
	struct ob_router_conf	 rc;
	char			 dummy[8];
	int			 have_auth, r = GW_OB_ERR_NOMEM;

	*out = NULL;
	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof(dummy);
	}
	errbuf[0] = '\0';
	if ((ob = calloc(1, sizeof(*ob))) == NULL)
		goto out;
	ob->base = base;
	TAILQ_INIT(&ob->conns);
	TAILQ_INIT(&ob->tuns);
	TAILQ_INIT(&ob->reap_conns);
	TAILQ_INIT(&ob->reap_tuns);
	event_assign(&ob->reap_ev, base, -1, 0, reap_cb, ob);
	ob->clearnet = conf->clearnet;
	ob->handshake_ms = conf->handshake_timeout_ms ?
	    conf->handshake_timeout_ms : GW_OB_DEFAULT_HANDSHAKE_MS;
	ob->connect_ms = conf->connect_timeout_ms ?
	    conf->connect_timeout_ms : GW_OB_DEFAULT_CONNECT_MS;
	ob->idle_ms = conf->idle_timeout_ms ?
	    conf->idle_timeout_ms : GW_OB_DEFAULT_IDLE_MS;
	ob->max_tunnels = conf->max_tunnels ?
	    conf->max_tunnels : GW_OB_DEFAULT_MAX_TUNNELS;
	if (RAND_bytes(ob->iso_key, sizeof(ob->iso_key)) != 1) {
		snprintf(errbuf, errlen, "no randomness for isolation key");
		r = GW_OB_ERR_CONF;
		goto out;
	}
	if (conf->clearnet != GW_OB_CLEARNET_DIRECT &&
	    conf->clearnet != GW_OB_CLEARNET_TOR &&
	    conf->clearnet != GW_OB_CLEARNET_DENY) {
		snprintf(errbuf, errlen, "clearnet: invalid mode");
		r = GW_OB_ERR_CONF;
		goto out;
	}
	if (conf->tor_socks == NULL || parse_addr(conf->tor_socks,
	    &ob->tor_addr, &ob->tor_addrlen) != 0) {
		snprintf(errbuf, errlen, "tor socks: cannot parse address");
		r = GW_OB_ERR_CONF;
		goto out;
	}
	have_auth = conf->auth_user != NULL && conf->auth_user[0] != '\0';
	if (have_auth) {
		if (conf->auth_pass == NULL || strlen(conf->auth_user) > 255 ||
		    strlen(conf->auth_pass) > 255 ||
		    strchr(conf->auth_user, ':') != NULL) {
			snprintf(errbuf, errlen, "proxy auth: user (no ':') "
			    "and password of at most 255 bytes required");
			r = GW_OB_ERR_CONF;
			goto out;
		}
		if ((ob->auth_user = strdup(conf->auth_user)) == NULL ||
		    (ob->auth_pass = strdup(conf->auth_pass)) == NULL)
			goto out;
	}
	memset(&rc, 0, sizeof(rc));
	rc.clearnet = conf->clearnet;
	rc.allow_onion = conf->allow_onion;
	rc.allow_private = conf->allow_private;
	rc.dest_rate = conf->dest_rate;
	rc.dest_burst = conf->dest_burst;
	rc.dest_max = conf->dest_max;
	rc.rules = conf->rules;
	rc.limiter = conf->limiter;
	rc.limiter_lock = conf->limiter_lock;
	if ((r = ob_router_new(&rc, &ob->router, errbuf, errlen)) != 0)
		goto out;
	if (conf->clearnet == GW_OB_CLEARNET_DIRECT) {
		/* Only this mode has a resolver at all. */
		ob->dns = evdns_base_new(base, conf->resolver != NULL ? 0 :
		    EVDNS_BASE_INITIALIZE_NAMESERVERS);
		if (ob->dns == NULL && conf->resolver == NULL) {
			/* no resolv.conf: keep going, lookups fail */
			ob->dns = evdns_base_new(base, 0);
		}
		if (ob->dns == NULL)
			goto out;
		if (conf->resolver != NULL &&
		    evdns_base_nameserver_ip_add(ob->dns, conf->resolver) != 0) {
			snprintf(errbuf, errlen, "resolver: bad address");
			r = GW_OB_ERR_CONF;
			goto out;
		}
		/* Federation names are absolute: no search-list guesses. */
		evdns_base_search_clear(ob->dns);
	}
	if (conf->connect_listen != NULL && conf->connect_listen[0] != '\0' &&
	    (r = listener_new(ob, OB_CONNECT, conf->connect_listen,
	    conf->allow_nonloopback, have_auth, errbuf, errlen)) != 0)
		goto out;
	if (conf->socks_listen != NULL && conf->socks_listen[0] != '\0' &&
	    (r = listener_new(ob, OB_SOCKS, conf->socks_listen,
	    conf->allow_nonloopback, have_auth, errbuf, errlen)) != 0)
		goto out;
	*out = ob;
	ob = NULL;				/* transferred */
	r = 0;
 out:
	if (r == GW_OB_ERR_NOMEM && errbuf[0] == '\0')
		snprintf(errbuf, errlen, "out of memory");
	gw_outbound_free(ob);
	return r;
}

void
gw_outbound_drain(struct gw_outbound *ob)
{
	int	i;

	ob->draining = 1;
	for (i = 0; i < 2; i++)
		if (ob->lst[i] != NULL) {
			(void)evconnlistener_disable(ob->lst[i]->lev);
			if (event_initialized(&ob->lst[i]->resume))
				(void)event_del(&ob->lst[i]->resume);
		}
}

unsigned
gw_outbound_busy_tunnels(const struct gw_outbound *ob)
{
	const struct ob_tun	*u;
	unsigned		 n = 0;

	TAILQ_FOREACH(u, &ob->tuns, entry)
		if (!u->done && u->t != NULL && gw_tunnel_awaiting(u->t))
			n++;
	return n;
}

void
gw_outbound_set_policy(struct gw_outbound *ob, const struct pol_rules *rules,
    int allow_private)
{
	ob_router_set_policy(ob->router, rules, allow_private);
}

void
gw_outbound_free(struct gw_outbound *ob)
{
	struct ob_conn	*c;
	struct ob_tun	*u;

	if (ob == NULL)
		return;
	listener_free(ob->lst[OB_CONNECT]);
	listener_free(ob->lst[OB_SOCKS]);
	while ((c = TAILQ_FIRST(&ob->conns)) != NULL)
		conn_close(c);			/* moves it to reap_conns */
	while ((u = TAILQ_FIRST(&ob->tuns)) != NULL) {
		TAILQ_REMOVE(&ob->tuns, u, entry);
		gw_tunnel_free(u->t);
		ob_router_release(ob->router, &u->dref, now_ms(ob));
		free(u);
	}
	reap_cb(-1, 0, ob);
	if (event_initialized(&ob->reap_ev))
		(void)event_del(&ob->reap_ev);
	if (ob->dns != NULL)
		evdns_base_free(ob->dns, 1);	/* fail pending lookups */
	ob_router_free(ob->router);
	if (ob->auth_pass != NULL) {
		OPENSSL_cleanse(ob->auth_pass, strlen(ob->auth_pass));
		free(ob->auth_pass);
	}
	free(ob->auth_user);
	OPENSSL_cleanse(ob->iso_key, sizeof(ob->iso_key));
	free(ob);
}

uint16_t
gw_outbound_connect_port(const struct gw_outbound *ob)
{
	return ob->lst[OB_CONNECT] != NULL ? ob->lst[OB_CONNECT]->port : 0;
}

uint16_t
gw_outbound_socks_port(const struct gw_outbound *ob)
{
	return ob->lst[OB_SOCKS] != NULL ? ob->lst[OB_SOCKS]->port : 0;
}

const struct gw_outbound_stats *
gw_outbound_stats(const struct gw_outbound *ob)
{
	return &ob->stats;
}
