/*
 * gw_config.c - load and validate onionfed.conf into a struct gw_config.
 *
 * The INI reader is our own rather than Debian's libinih: inih cannot give
 * its handler the line number (we report FILE:LINE for every error) and does
 * not strip " # comment" after a value the way DESIGN.md's sketch writes
 * them. The format:
 *
 *	# comment            ; comment
 *	[section]            [peer NAME]
 *	key = value          # inline comment after whitespace
 *	key = "quoted # value with \" and \\"
 *
 * Every option is one row of conf_keys[] (section, name, type, min, max,
 * default, flags, validator), in the manner of redis' createUIntConfig().
 * The whole file is parsed, every error is reported as
 * "FILE:LINE: [section] key: reason", cross-key contradictions are checked
 * after the last line, and the snapshot is returned only if there were none.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "gatewayd/gw_config.h"
#include "gatewayd/gw_limits.h"
#include "gatewayd/gw_log.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR	"/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR	"/run"
#endif

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

enum ktype {
	KT_BOOL,
	KT_UINT,
	KT_SIZE,	/* bytes, suffixes k M G (binary) */
	KT_DURATION,	/* stored in ms; suffixes ms s m h, bare = seconds */
	KT_ENUM,
	KT_STRING,
	KT_PATH,	/* absolute path */
	KT_SECRET,	/* string never echoed */
	KT_ADDR,
	KT_RATE,
	KT_LIST,	/* peer patterns; key may repeat, values accumulate */
	KT_PORTS,
	KT_UPSTREAM,
	KT_PROXYAUTH,
	KT_SERVERNAME,
};

/* Row flags. */
#define KF_REQUIRED	0x01
#define KF_EMPTY_OK	0x02	/* an empty value means "unset/disabled" */
#define KF_PEER		0x04	/* lives in struct gw_peer_override */
#define KF_ADDR_UNIX	0x08	/* address may be unix:/path */

struct ctx;
struct conf_key;

/* Extra check after the type parse; return 0, or -1 with 'why' filled. */
typedef int kvalidate(struct ctx *, const struct conf_key *, void *dst,
    char *why, size_t whysz);

struct enum_name {
	const char	*name;
	int		 value;
};

struct conf_key {
	const char		*section;
	const char		*name;
	enum ktype		 type;
	size_t			 off;
	size_t			 off_count;	/* KT_LIST: its size_t count */
	unsigned long long	 min, max;	/* UINT, SIZE, DURATION (ms) */
	const char		*def;		/* parsed like file text; NULL =
						 * none or derived */
	unsigned		 flags;
	const struct enum_name	*enums;
	kvalidate		*validate;
	const char		*help;		/* one line, for docs */
};

struct ctx {
	const char		*file;
	gw_config_error_cb	*cb;
	void			*cbarg;
	unsigned		 flags;
	int			 nerr;
	int			 nomem;
	struct gw_config	*cfg;
	unsigned		*seen;		/* line of each conf_keys row */
	unsigned		*peer_line;	/* header line of each peer */
	unsigned		(*peer_seen)[3];	/* lines: inbound_rate,
						 * outbound_tunnels, any key */
	size_t			 peer_cap;
	char			 section[64];
	char			 label[320];	/* "tor", "peer NAME" */
	unsigned		 section_line;
	int			 section_ok;	/* known section */
	long			 cur_peer;	/* index, or -1 */
	unsigned		 sect_lines[16];	/* first header line */
};

static kvalidate v_server_name, v_onion_listen;

static const struct enum_name mode_names[] = {
	{ "onion-only", GW_MODE_ONION_ONLY }, { "dual", GW_MODE_DUAL },
	{ NULL, 0 } };
static const struct enum_name auth_names[] = {
	{ "auto", GW_TOR_AUTH_AUTO }, { "safecookie", GW_TOR_AUTH_SAFECOOKIE },
	{ "cookie", GW_TOR_AUTH_COOKIE }, { "password", GW_TOR_AUTH_PASSWORD },
	{ "none", GW_TOR_AUTH_NONE }, { NULL, 0 } };
static const struct enum_name clearnet_names[] = {
	{ "direct", GW_CLEARNET_DIRECT }, { "tor", GW_CLEARNET_TOR },
	{ "deny", GW_CLEARNET_DENY }, { NULL, 0 } };
static const struct enum_name pow_names[] = {
	{ "auto", GW_POW_AUTO }, { "yes", GW_POW_ON }, { "on", GW_POW_ON },
	{ "no", GW_POW_OFF }, { "off", GW_POW_OFF }, { NULL, 0 } };
static const struct enum_name level_names[] = {
	{ "err", LOG_ERR }, { "error", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	{ NULL, 0 } };

#define O(f)		offsetof(struct gw_config, f)
#define OP(f)		offsetof(struct gw_peer_override, f)
#define SEC(n)		((unsigned long long)(n) * 1000ULL)

/*
 * The option table. Defaults that depend on other keys (mode-dependent
 * clearnet, allow_onion_peers, allow_clearnet_peers, well_known_listen) have
 * def == NULL and are derived in derive_defaults().
 */
static const struct conf_key conf_keys[] = {
	{ "onionfed", "mode", KT_ENUM, O(mode), 0, 0, 0, "onion-only", 0,
	    mode_names, NULL, "the deployment: onion-only (no public address; every "
	    "peer through Tor) or dual (a clearnet server that also federates "
	    "with onions)" },
	{ "onionfed", "server_name", KT_SERVERNAME, O(server_name), 0, 0, 0,
	    NULL, KF_EMPTY_OK, NULL, v_server_name,
	    "our Matrix server name; checked against the onion key" },
	{ "onionfed", "state_dir", KT_PATH, O(state_dir), 0, 0, 0,
	    LOCALSTATEDIR "/lib/onionfed", 0, NULL, NULL,
	    "onionfedd's own files (a TLS certificate made for the onion "
	    "name)" },
	{ "onionfed", "log_level", KT_ENUM, O(log_level), 0, 0, 0, "info", 0,
	    level_names, NULL, "the most verbose priority logged (onionfedd -d: "
	    "debug)" },

	{ "tor", "control", KT_ADDR, O(tor_control), 0, 0, 0,
	    "unix:/run/tor/control", KF_ADDR_UNIX, NULL, NULL,
	    "tor control port: unix:/path or host:port" },
	{ "tor", "auth", KT_ENUM, O(tor_auth), 0, 0, 0, "auto", 0, auth_names,
	    NULL, "how to authenticate to the control port; auto: the best "
	    "method tor offers" },
	{ "tor", "password", KT_SECRET, O(tor_password), 0, 0, 0, NULL,
	    KF_EMPTY_OK, NULL, NULL, "control port password (auth = password)" },
	{ "tor", "password_file", KT_PATH, O(tor_password_file), 0, 0, 0, NULL,
	    KF_EMPTY_OK, NULL, NULL, "file holding the control port password" },
	{ "tor", "socks", KT_ADDR, O(tor_socks), 0, 0, 0, "127.0.0.1:9050",
	    KF_ADDR_UNIX, NULL, NULL, "tor SocksPort (needs IsolateSOCKSAuth)" },
	{ "tor", "onion_key", KT_PATH, O(onion_key), 0, 0, 0,
	    LOCALSTATEDIR "/lib/onionfed/onion.key", 0, NULL, NULL,
	    "persistent onion service key (made on first start)" },
	{ "tor", "onion_ports", KT_PORTS, O(onion_ports), 0, 1, 65535, "8448",
	    0, NULL, NULL, "virtual ports of the onion; 443 answers .well-known" },
	{ "tor", "pow_defenses", KT_ENUM, O(pow_defenses), 0, 0, 0, "auto", 0,
	    pow_names, NULL, "onion service proof-of-work defences (tor >= "
	    "0.4.9.2); auto: on where tor supports them" },
	{ "tor", "pow_queue_rate", KT_UINT, O(pow_queue_rate), 0, 1, 1000000,
	    "250", 0, NULL, NULL, "PoW queue rate (requests/s)" },
	{ "tor", "pow_queue_burst", KT_UINT, O(pow_queue_burst), 0, 1,
	    10000000, "2500", 0, NULL, NULL, "PoW queue burst" },
	{ "tor", "max_streams", KT_UINT, O(max_streams), 0, 0, 65535, "0", 0,
	    NULL, NULL, "streams per rendezvous circuit; 0 = no limit" },

	{ "inbound", "onion_listen", KT_ADDR, O(onion_listen), 0, 0, 0,
	    "127.0.0.1:8449", KF_ADDR_UNIX, NULL, v_onion_listen,
	    "where the onion's federation port arrives" },
	{ "inbound", "clearnet_listen", KT_ADDR, O(clearnet_listen), 0, 0, 0,
	    NULL, KF_EMPTY_OK, NULL, NULL, "optional public front (dual only)" },
	{ "inbound", "upstream", KT_UPSTREAM, O(upstream), 0, 0, 0, NULL,
	    KF_REQUIRED, NULL, NULL,
	    "homeserver federation listener: http://IP:port or unix:/path" },
	{ "inbound", "tls_cert", KT_PATH, O(tls_cert), 0, 0, 0, NULL,
	    KF_EMPTY_OK, NULL, NULL, "PEM certificate chain; empty: made for "
	    "the onion name" },
	{ "inbound", "tls_key", KT_PATH, O(tls_key), 0, 0, 0, NULL,
	    KF_EMPTY_OK, NULL, NULL, "PEM private key for tls_cert" },
	{ "inbound", "max_body", KT_SIZE, O(max_body), 0, 1024,
	    1024ULL * 1024 * 1024, "4M", 0, NULL, NULL,
	    "largest request body accepted" },
	{ "inbound", "upstream_timeout", KT_DURATION, O(upstream_timeout_ms),
	    0, SEC(1), SEC(3600), "60s", 0, NULL, NULL,
	    "how long the homeserver may take to answer" },
	{ "inbound", "upstream_connections", KT_UINT, O(upstream_connections),
	    0, 1, 65535, "1024", 0, NULL, NULL,
	    "connections to the homeserver open at once; more requests wait" },
	{ "inbound", "workers", KT_UINT, O(workers), 0, 1, 16, "1", 0, NULL,
	    NULL, "threads serving inbound connections (TCP listeners)" },
	{ "inbound", "well_known_listen", KT_ADDR, O(well_known_listen), 0, 0,
	    0, NULL, KF_EMPTY_OK | KF_ADDR_UNIX, NULL, NULL,
	    "target of onion port 443 (.well-known answers)" },

	{ "outbound", "connect_listen", KT_ADDR, O(connect_listen), 0, 0, 0,
	    "127.0.0.1:3128", KF_EMPTY_OK | KF_ADDR_UNIX, NULL, NULL,
	    "HTTP CONNECT proxy for the homeserver; empty: off" },
	{ "outbound", "socks_listen", KT_ADDR, O(socks_listen), 0, 0, 0,
	    "127.0.0.1:1080", KF_EMPTY_OK | KF_ADDR_UNIX, NULL, NULL,
	    "SOCKS5 proxy for the homeserver; empty: off" },
	{ "outbound", "clearnet", KT_ENUM, O(clearnet), 0, 0, 0, NULL, 0,
	    clearnet_names, NULL, "how clearnet destinations are reached "
	    "(mode = onion-only refuses direct)" },
	{ "outbound", "proxy_auth", KT_PROXYAUTH, O(proxy_user), 0, 0, 0, NULL,
	    KF_EMPTY_OK, NULL, NULL,
	    "user:password, or /path of a file holding it" },
	{ "outbound", "allow_nonloopback", KT_BOOL, O(allow_nonloopback), 0, 0,
	    0, "no", 0, NULL, NULL, "let the proxies listen beyond loopback" },
	{ "outbound", "resolver", KT_ADDR, O(resolver), 0, 0, 0, NULL,
	    KF_EMPTY_OK, NULL, NULL, "nameserver IP:port for clearnet = "
	    "direct; empty: those of /etc/resolv.conf" },

	{ "policy", "allow_onion_peers", KT_BOOL, O(allow_onion_peers), 0, 0, 0,
	    NULL, 0, NULL, NULL, "federate with .onion servers (dual: no)" },
	{ "policy", "allow_clearnet_peers", KT_BOOL, O(allow_clearnet_peers), 0,
	    0, 0, NULL, 0, NULL, NULL, "federate with clearnet servers" },
	{ "policy", "allow", KT_LIST, O(allow), O(n_allow), 0, 0, NULL,
	    KF_EMPTY_OK, NULL, NULL, "server names or *.suffix always allowed" },
	{ "policy", "deny", KT_LIST, O(deny), O(n_deny), 0, 0, NULL,
	    KF_EMPTY_OK, NULL, NULL, "server names or *.suffix refused" },
	{ "policy", "allow_private_addresses", KT_BOOL,
	    O(allow_private_addresses), 0, 0, 0, "no", 0, NULL, NULL,
	    "let clearnet destinations resolve to private IPs" },
	{ "policy", "inbound_rate", KT_RATE, O(inbound_rate), 0, 0, 0,
	    "20/s burst 200", 0, NULL, NULL, "requests per origin" },
	{ "policy", "outbound_tunnels", KT_RATE, O(outbound_tunnels), 0, 0, 0,
	    "10/s burst 50, max 64", 0, NULL, NULL, "tunnels per destination" },
	{ "policy", "new_peer_rate", KT_RATE, O(new_peer_rate), 0, 0, 0,
	    "2/s burst 20", 0, NULL, NULL,
	    "shared budget for peers without history" },

	{ "peer", "inbound_rate", KT_RATE, OP(inbound_rate), 0, 0, 0, NULL,
	    KF_PEER, NULL, NULL, "this peer's inbound_rate" },
	{ "peer", "outbound_tunnels", KT_RATE, OP(outbound_tunnels), 0, 0, 0,
	    NULL, KF_PEER, NULL, NULL, "this peer's outbound_tunnels" },

	{ "health", "probe_interval", KT_DURATION, O(probe_interval_ms), 0, 0,
	    SEC(86400), "5m", 0, NULL, NULL, "self-probe of the onion; 0: off" },
	{ "health", "upload_timeout", KT_DURATION, O(upload_timeout_ms), 0,
	    SEC(10), SEC(3600), "3m", 0, NULL, NULL,
	    "descriptor upload wait before the onion counts as degraded" },

	{ "admin", "socket", KT_PATH, O(admin_socket), 0, 0, 0,
	    RUNSTATEDIR "/onionfed/admin.sock", KF_EMPTY_OK, NULL, NULL,
	    "onionfedctl socket; empty: off" },
	{ "admin", "metrics_listen", KT_ADDR, O(metrics_listen), 0, 0, 0, NULL,
	    KF_EMPTY_OK, NULL, NULL, "Prometheus /metrics; empty: off" },
};

static const char *const sections[] = { "onionfed", "tor", "inbound",
    "outbound", "policy", "health", "admin", "peer" };

static const char *
enum_str(const struct enum_name *e, int value)
{
	for (; e->name != NULL; e++)
		if (e->value == value)
			return e->name;
	return "?";
}

static void
wipe(void *p, size_t n)
{
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, n);
#else
	volatile unsigned char	*v = p;

	while (n-- > 0)
		*v++ = 0;
#endif
}

/* Index of a row by section and name, for cross-key checks. */
static int
key_index(const char *section, const char *name)
{
	size_t	i;

	for (i = 0; i < NITEMS(conf_keys); i++)
		if (strcmp(conf_keys[i].section, section) == 0 &&
		    strcmp(conf_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void
report(struct ctx *c, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static void
report(struct ctx *c, const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	c->nerr++;
	if (c->nerr > GW_CONF_MAX_ERRORS + 1 || c->cb == NULL)
		return;
	if (c->nerr == GW_CONF_MAX_ERRORS + 1) {
		snprintf(msg, sizeof(msg), "%s: too many errors, giving up "
		    "reporting", c->file);
		c->cb(c->cbarg, msg);
		return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->cb(c->cbarg, msg);
}

/* "FILE:LINE: [section] key: reason" */
static void
key_error(struct ctx *c, unsigned line, const struct conf_key *k,
    const char *why)
{
	const char	*sec = (k->flags & KF_PEER) ? c->label : k->section;

	if (line == 0)
		report(c, "%s: [%s] %s: %s", c->file, sec, k->name, why);
	else
		report(c, "%s:%u: [%s] %s: %s", c->file, line, sec, k->name,
		    why);
}

static char *
xstrdup(struct ctx *c, const char *s)
{
	char	*p = strdup(s);

	if (p == NULL)
		c->nomem = 1;
	return p;
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	wipe(s, strlen(s));
	free(s);
}

/* ---- value parsers --------------------------------------------------- */

static int
parse_ull(const char *s, const char **end, unsigned long long *out)
{
	unsigned long long	v = 0;
	const char		*p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (ULLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	*end = p;
	*out = v;
	return 0;
}

/* Decimal number with optional fraction, no sign, no exponent, no locale. */
static int
parse_decimal(const char *s, const char **end, double *out)
{
	double		 v = 0, scale = 0.1;
	const char	*p = s;
	int		 digits = 0;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (digits > 12)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++, digits++) {
			v += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (digits == 0)
		return -1;
	*end = p;
	*out = v;
	return 0;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < NITEMS(yes); i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int
is_ws(char ch)
{
	return ch == ' ' || ch == '\t';
}

static const char *
skip_ws(const char *p)
{
	while (is_ws(*p))
		p++;
	return p;
}

static char *
skip_wsm(char *p)
{
	while (is_ws(*p))
		p++;
	return p;
}

int
gw_addr_parse(const char *s, unsigned flags, struct gw_addr *out,
    const char **why)
{
	const char		*hs, *he, *p;
	unsigned long long	 port = 0;
	size_t			 hl;
	struct in6_addr		 a6;
	struct in_addr		 a4;
	char			 host[GW_ADDR_HOST_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (strncmp(s, "unix:", 5) == 0) {
		if (!(flags & GW_ADDR_F_UNIX)) {
			*why = "a unix socket is not allowed here";
			return -1;
		}
		if (s[5] != '/') {
			*why = "unix socket path must be absolute (unix:/path)";
			return -1;
		}
		if (strlen(s + 5) > GW_ADDR_PATH_MAX) {
			*why = "unix socket path is longer than 107 bytes";
			return -1;
		}
		out->kind = GW_ADDR_UNIX;
		strcpy(out->path, s + 5);	/* length checked above */
		return 0;
	}
	if (*s == '[') {
		hs = s + 1;
		if ((he = strchr(hs, ']')) == NULL) {
			*why = "missing ']' after IPv6 address";
			return -1;
		}
		p = he + 1;
	} else {
		hs = s;
		he = strrchr(s, ':');
		if (he != NULL && memchr(s, ':', (size_t)(he - s)) != NULL) {
			*why = "IPv6 address must be in brackets: [addr]:port";
			return -1;
		}
		if (he == NULL)
			he = s + strlen(s);
		p = he;
	}
	hl = (size_t)(he - hs);
	if (hl == 0) {
		*why = "missing host";
		return -1;
	}
	if (hl > GW_ADDR_HOST_MAX) {
		*why = "host name too long";
		return -1;
	}
	memcpy(host, hs, hl);
	host[hl] = '\0';
	if (*p == ':') {
		if (parse_ull(p + 1, &p, &port) != 0 || *p != '\0' ||
		    port == 0 || port > 65535) {
			*why = "port must be a number from 1 to 65535";
			return -1;
		}
	} else if (*p != '\0') {
		*why = "unexpected text after ']'";
		return -1;
	} else if (!(flags & GW_ADDR_F_NOPORT)) {
		*why = "missing :port (expected host:port)";
		return -1;
	}
	if (*s == '[') {
		if (inet_pton(AF_INET6, host, &a6) != 1) {
			*why = "not a valid IPv6 address";
			return -1;
		}
		out->numeric = 1;
	} else if (inet_pton(AF_INET, host, &a4) == 1) {
		out->numeric = 1;
	} else {
		const char	*q;

		if (hl > 6 && strcasecmp(host + hl - 6, ".onion") == 0) {
			*why = "an .onion name cannot be reached directly";
			return -1;
		}
		if (!(flags & GW_ADDR_F_HOSTNAME)) {
			*why = "host must be a numeric IP address (no DNS "
			    "lookups)";
			return -1;
		}
		for (q = host; *q; q++)
			if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' &&
			    *q <= 'Z') || (*q >= '0' && *q <= '9') ||
			    *q == '-' || *q == '.')) {
				*why = "invalid character in host name";
				return -1;
			}
	}
	out->kind = GW_ADDR_TCP;
	out->port = (uint16_t)port;
	memcpy(out->host, host, hl + 1);
	return 0;
}

const char *
gw_addr_fmt(const struct gw_addr *a, char *buf, size_t bufsz)
{
	switch (a->kind) {
	case GW_ADDR_UNIX:
		snprintf(buf, bufsz, "unix:%s", a->path);
		break;
	case GW_ADDR_TCP:
		if (strchr(a->host, ':') != NULL)
			snprintf(buf, bufsz, "[%s]:%u", a->host, a->port);
		else
			snprintf(buf, bufsz, "%s:%u", a->host, a->port);
		break;
	default:
		snprintf(buf, bufsz, "none");
		break;
	}
	return buf;
}

int
gw_addr_is_local(const struct gw_addr *a)
{
	struct in_addr	a4;
	struct in6_addr	a6;

	if (a->kind == GW_ADDR_UNIX)
		return 1;
	if (a->kind != GW_ADDR_TCP)
		return 0;
	if (inet_pton(AF_INET, a->host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, a->host, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return 1;
		if (IN6_IS_ADDR_V4MAPPED(&a6))
			return a6.s6_addr[12] == 127;
	}
	return 0;
}

/* Two addresses name the same listening socket (or overlap on a port). */
static int
addr_clash(const struct gw_addr *a, const struct gw_addr *b)
{
	if (a->kind == GW_ADDR_NONE || a->kind != b->kind)
		return 0;
	if (a->kind == GW_ADDR_UNIX)
		return strcmp(a->path, b->path) == 0;
	if (a->port != b->port)
		return 0;
	if (strcmp(a->host, b->host) == 0)
		return 1;
	/* A wildcard clashes with every address on the same port. */
	return strcmp(a->host, "0.0.0.0") == 0 || strcmp(a->host, "::") == 0 ||
	    strcmp(b->host, "0.0.0.0") == 0 || strcmp(b->host, "::") == 0;
}

static int
match_word(const char **pp, const char *w)
{
	size_t	n = strlen(w);

	if (strncmp(*pp, w, n) != 0)
		return 0;
	if ((*pp)[n] != '\0' && !is_ws((*pp)[n]))
		return 0;
	*pp = skip_ws(*pp + n);
	return 1;
}

int
gw_rate_parse(const char *s, struct gw_rate *out, const char **why)
{
	const char		*p = skip_ws(s);
	double			 n;
	unsigned long long	 u;
	int			 have_rate = 0, have_burst = 0;

	memset(out, 0, sizeof(*out));
	if (strcmp(p, "none") == 0 || strcmp(p, "off") == 0)
		return 0;
	if (*p >= '0' && *p <= '9') {
		if (parse_decimal(p, &p, &n) != 0) {
			*why = "bad number in rate";
			return -1;
		}
		if (*p != '/') {
			*why = "expected N/s, N/m or N/h";
			return -1;
		}
		p++;
		if (*p == 's')
			out->per_sec = n;
		else if (*p == 'm')
			out->per_sec = n / 60.0;
		else if (*p == 'h')
			out->per_sec = n / 3600.0;
		else {
			*why = "rate unit must be /s, /m or /h";
			return -1;
		}
		p++;
		if (*p != '\0' && *p != ',' && !is_ws(*p)) {
			*why = "rate unit must be /s, /m or /h";
			return -1;
		}
		if (out->per_sec <= 0 || out->per_sec > 1e6) {
			*why = "rate must be above 0 and at most 1000000/s";
			return -1;
		}
		have_rate = 1;
		p = skip_ws(p);
		if (match_word(&p, "burst")) {
			if (parse_ull(p, &p, &u) != 0 || u < 1 ||
			    u > 10000000) {
				*why = "burst must be a number from 1 to "
				    "10000000";
				return -1;
			}
			out->burst = (unsigned)u;
			have_burst = 1;
			p = skip_ws(p);
		}
		if (*p == ',')
			p = skip_ws(p + 1);
	}
	if (match_word(&p, "max")) {
		if (parse_ull(p, &p, &u) != 0 || u < 1 || u > 1000000) {
			*why = "max must be a number from 1 to 1000000";
			return -1;
		}
		out->max_concurrent = (unsigned)u;
		p = skip_ws(p);
	} else if (!have_rate) {
		*why = "expected \"N/s [burst B][, max M]\", \"max M\" or "
		    "\"none\"";
		return -1;
	}
	if (*p != '\0') {
		*why = "unexpected text in rate (expected \"N/s burst B, "
		    "max M\")";
		return -1;
	}
	if (have_rate && !have_burst) {
		double b = out->per_sec < 1 ? 1 : out->per_sec;

		out->burst = (unsigned)b;
		if ((double)out->burst < b)
			out->burst++;
	}
	return 0;
}

/* Peer pattern: "*", "*.suffix" or a server name (DNS name or IP literal),
 * lower-cased in place. */
static int
check_pattern(char *s, const char **why)
{
	char	*p = s;

	if (strcmp(s, "*") == 0)
		return 0;
	if (strncmp(s, "*.", 2) == 0)
		p = s + 2;
	if (*p == '\0' || *p == '.') {
		*why = "empty label in pattern";
		return -1;
	}
	if (strlen(p) > 255) {
		*why = "pattern too long";
		return -1;
	}
	for (; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == ':' || *p == '[' ||
		    *p == ']')) {
			*why = *p == '*' ? "'*' is allowed only as \"*\" or a "
			    "leading \"*.\"" : "invalid character in pattern";
			return -1;
		}
		if (*p == '.' && (p[1] == '.' || p[1] == '\0')) {
			*why = "empty label in pattern";
			return -1;
		}
	}
	return 0;
}

static int
is_v3_onion(const char *s, size_t len)
{
	size_t	i;

	if (len != 56 + 6 || strcmp(s + 56, ".onion") != 0)
		return 0;
	for (i = 0; i < 56; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' &&
		    s[i] <= '7')))
			return 0;
	return 1;
}

static int
ends_onion(const char *s)
{
	size_t	n = strlen(s);

	return n >= 6 && strcasecmp(s + n - 6, ".onion") == 0;
}

/* Read a one-line secret file: trailing newline stripped, non-empty. */
static int
read_secret_file(const char *path, char **out, char *why, size_t whysz)
{
	char	buf[GW_CONF_MAX_SECRET + 2];
	ssize_t	n;
	size_t	len = 0;
	int	fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(why, whysz, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(why, whysz, "cannot read %s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > GW_CONF_MAX_SECRET) {
		snprintf(why, whysz, "%s is larger than %d bytes", path,
		    GW_CONF_MAX_SECRET);
		goto fail;
	}
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (len == 0 || strlen(buf) != len || strchr(buf, '\n') != NULL) {
		snprintf(why, whysz, "%s must hold exactly one non-empty line",
		    path);
		goto fail;
	}
	if ((*out = strdup(buf)) == NULL) {
		snprintf(why, whysz, "out of memory");
		goto fail;
	}
	wipe(buf, sizeof(buf));
	return 0;
 fail:
	wipe(buf, sizeof(buf));
	return -1;
}

static int
split_userpass(struct ctx *c, const char *s, char *why, size_t whysz)
{
	const char	*colon = strchr(s, ':');
	size_t		 ul, pl;

	if (colon == NULL) {
		snprintf(why, whysz, "expected user:password or an absolute "
		    "file path");
		return -1;
	}
	ul = (size_t)(colon - s);
	pl = strlen(colon + 1);
	/* SOCKS5 username/password auth (RFC 1929) carries each in <= 255. */
	if (ul == 0 || ul > 255 || pl == 0 || pl > 255) {
		snprintf(why, whysz, "user and password must each be 1 to "
		    "255 bytes");
		return -1;
	}
	wipe_free(c->cfg->proxy_user);
	wipe_free(c->cfg->proxy_password);
	c->cfg->proxy_user = strndup(s, ul);
	c->cfg->proxy_password = strdup(colon + 1);
	if (c->cfg->proxy_user == NULL || c->cfg->proxy_password == NULL)
		c->nomem = 1;
	return 0;
}

static int
list_add(struct ctx *c, const struct conf_key *k, char *item, char *why,
    size_t whysz)
{
	char		***listp = (char ***)(void *)((char *)c->cfg + k->off);
	size_t		*np = (size_t *)(void *)((char *)c->cfg + k->off_count);
	char		**nl;
	const char	*w;

	if (check_pattern(item, &w) != 0) {
		char	esc[80];

		snprintf(why, whysz, "%s: \"%s\"", w,
		    gw_esc(esc, sizeof(esc), item, strlen(item)));
		return -1;
	}
	if (*np >= GW_CONF_MAX_LIST) {
		snprintf(why, whysz, "more than %d entries", GW_CONF_MAX_LIST);
		return -1;
	}
	if ((nl = realloc(*listp, (*np + 1) * sizeof(*nl))) == NULL) {
		c->nomem = 1;
		return -1;
	}
	*listp = nl;
	if ((nl[*np] = xstrdup(c, item)) == NULL)
		return -1;
	(*np)++;
	return 0;
}

static int
set_enum(const struct conf_key *k, void *dst, const char *v, char *why,
    size_t whysz)
{
	const struct enum_name	*e;
	size_t			 o = 0;
	int			 val;

	for (e = k->enums; e->name != NULL; e++) {
		if (strcmp(e->name, v) == 0) {
			val = e->value;
			memcpy(dst, &val, sizeof(val));
			return 0;
		}
	}
	o = (size_t)snprintf(why, whysz, "expected one of:");
	for (e = k->enums; e->name != NULL && o < whysz; e++)
		o += (size_t)snprintf(why + o, whysz - o, " %s", e->name);
	return -1;
}

static int
set_number(const struct conf_key *k, void *dst, const char *v, char *why,
    size_t whysz)
{
	unsigned long long	 n, mult = 1;
	const char		*p;

	if (parse_ull(v, &p, &n) != 0)
		goto bad;
	if (k->type == KT_SIZE) {
		if (*p == 'k' || *p == 'K')
			mult = 1024, p++;
		else if (*p == 'M')
			mult = 1024 * 1024, p++;
		else if (*p == 'G')
			mult = 1024ULL * 1024 * 1024, p++;
		if (*p == 'B' || *p == 'b')
			p++;
	} else if (k->type == KT_DURATION) {
		if (strcmp(p, "ms") == 0)
			mult = 1, p += 2;
		else if (*p == 's' || *p == '\0')
			mult = 1000, p += *p ? 1 : 0;
		else if (*p == 'm')
			mult = 60 * 1000, p++;
		else if (*p == 'h')
			mult = 3600 * 1000, p++;
	}
	if (*p != '\0' || n > ULLONG_MAX / mult)
		goto bad;
	n *= mult;
	if (n < k->min || n > k->max) {
		if (k->type == KT_DURATION)
			snprintf(why, whysz, "must be from %llus to %llus%s",
			    k->min / 1000, k->max / 1000,
			    k->min == 0 ? " (0: off)" : "");
		else
			snprintf(why, whysz, "must be from %llu to %llu",
			    k->min, k->max);
		return -1;
	}
	switch (k->type) {
	case KT_SIZE: {
		size_t	s = (size_t)n;

		memcpy(dst, &s, sizeof(s));
		break;
	}
	default: {
		unsigned u = (unsigned)n;

		memcpy(dst, &u, sizeof(u));
		break;
	}
	}
	return 0;
 bad:
	if (k->type == KT_SIZE)
		snprintf(why, whysz, "expected a size such as 65536, 64k or "
		    "16M");
	else if (k->type == KT_DURATION)
		snprintf(why, whysz, "expected a duration such as 500ms, 30s, "
		    "5m or 1h");
	else
		snprintf(why, whysz, "expected a whole number");
	return -1;
}

static int
set_upstream(struct gw_addr *a, const char *v, char *why, size_t whysz)
{
	const char	*w, *rest;
	char		 hp[GW_ADDR_HOST_MAX + 16];
	size_t		 n;

	if (strncmp(v, "unix:", 5) == 0) {
		if (gw_addr_parse(v, GW_ADDR_F_UNIX, a, &w) != 0)
			goto bad;
		return 0;
	}
	if (strncmp(v, "https://", 8) == 0) {
		snprintf(why, whysz, "https upstreams are not supported: use "
		    "the homeserver's plain-HTTP federation listener");
		return -1;
	}
	if (strncmp(v, "http://", 7) != 0) {
		snprintf(why, whysz, "expected http://host:port or "
		    "unix:/path");
		return -1;
	}
	rest = v + 7;
	n = strcspn(rest, "/?#");
	if (rest[n] != '\0' && strcmp(rest + n, "/") != 0) {
		snprintf(why, whysz, "a path after host:port is not "
		    "supported");
		return -1;
	}
	if (n >= sizeof(hp)) {
		snprintf(why, whysz, "host name too long");
		return -1;
	}
	memcpy(hp, rest, n);
	hp[n] = '\0';
	/* Numeric only, like every address onionfedd uses: no local DNS. */
	if (gw_addr_parse(hp, GW_ADDR_F_NOPORT, a, &w) != 0)
		goto bad;
	if (a->port == 0)
		a->port = 80;
	return 0;
 bad:
	snprintf(why, whysz, "%s", w);
	return -1;
}

static int
set_ports(struct gw_config *cfg, const char *v, char *why, size_t whysz)
{
	const char		*p = v;
	unsigned long long	 port;
	size_t			 i, n = 0;
	uint16_t		 ports[GW_CONF_MAX_ONION_PORTS];

	while (*p != '\0') {
		if (parse_ull(p, &p, &port) != 0 || port < 1 ||
		    port > 65535) {
			snprintf(why, whysz, "expected port numbers (1-65535) "
			    "separated by spaces or commas");
			return -1;
		}
		for (i = 0; i < n; i++)
			if (ports[i] == port) {
				snprintf(why, whysz, "port %llu listed twice",
				    port);
				return -1;
			}
		if (n == GW_CONF_MAX_ONION_PORTS) {
			snprintf(why, whysz, "at most %d ports",
			    GW_CONF_MAX_ONION_PORTS);
			return -1;
		}
		ports[n++] = (uint16_t)port;
		p = skip_ws(p);
		if (*p == ',')
			p = skip_ws(p + 1);
	}
	if (n == 0) {
		snprintf(why, whysz, "at least one port is needed");
		return -1;
	}
	memcpy(cfg->onion_ports, ports, sizeof(ports));
	cfg->n_onion_ports = n;
	cfg->onion_well_known = 0;
	for (i = 0; i < n; i++)
		if (ports[i] == 443)
			cfg->onion_well_known = 1;
	return 0;
}

/*
 * Parse 'v' for row 'k' into 'base' (the config or a peer override).
 * Return 0, or -1 with 'why' filled (never echoing a secret).
 */
static int
set_value(struct ctx *c, const struct conf_key *k, void *base, char *v,
    char *why, size_t whysz)
{
	void		*dst = (char *)base + k->off;
	const char	*w = NULL;
	char		 esc[80];
	int		 b;

	if (*v == '\0' && k->type != KT_LIST) {
		if (!(k->flags & KF_EMPTY_OK)) {
			snprintf(why, whysz, "empty value");
			return -1;
		}
		switch (k->type) {
		case KT_ADDR:
			memset(dst, 0, sizeof(struct gw_addr));
			break;
		case KT_PROXYAUTH:
			wipe_free(c->cfg->proxy_user);
			wipe_free(c->cfg->proxy_password);
			free(c->cfg->proxy_auth_file);
			c->cfg->proxy_user = c->cfg->proxy_password = NULL;
			c->cfg->proxy_auth_file = NULL;
			break;
		default:	/* strings */
			wipe_free(*(char **)dst);
			*(char **)dst = NULL;
			break;
		}
		return 0;
	}
	switch (k->type) {
	case KT_BOOL:
		if (parse_bool(v, &b) != 0) {
			snprintf(why, whysz, "expected yes or no, not \"%s\"",
			    gw_esc(esc, sizeof(esc), v, strlen(v)));
			return -1;
		}
		memcpy(dst, &b, sizeof(b));
		return 0;
	case KT_UINT:
	case KT_SIZE:
	case KT_DURATION:
		return set_number(k, dst, v, why, whysz);
	case KT_ENUM:
		return set_enum(k, dst, v, why, whysz);
	case KT_PATH:
		if (*v != '/') {
			snprintf(why, whysz, "must be an absolute path");
			return -1;
		}
		if (strlen(v) > PATH_MAX) {
			snprintf(why, whysz, "path too long");
			return -1;
		}
		wipe_free(*(char **)dst);
		*(char **)dst = xstrdup(c, v);
		return 0;
	case KT_STRING:
	case KT_SECRET:
	case KT_SERVERNAME:
		wipe_free(*(char **)dst);
		*(char **)dst = xstrdup(c, v);
		return 0;
	case KT_ADDR:
		if (gw_addr_parse(v, (k->flags & KF_ADDR_UNIX) ?
		    GW_ADDR_F_UNIX : 0, dst, &w) != 0) {
			snprintf(why, whysz, "%s: \"%s\"", w,
			    gw_esc(esc, sizeof(esc), v, strlen(v)));
			return -1;
		}
		return 0;
	case KT_UPSTREAM:
		return set_upstream(dst, v, why, whysz);
	case KT_RATE:
		if (gw_rate_parse(v, dst, &w) != 0) {
			snprintf(why, whysz, "%s", w);
			return -1;
		}
		return 0;
	case KT_PORTS:
		return set_ports(c->cfg, v, why, whysz);
	case KT_LIST: {
		char	*tok, *save = NULL;

		for (tok = strtok_r(v, ", \t", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t", &save))
			if (list_add(c, k, tok, why, whysz) != 0)
				return -1;
		return 0;
	}
	case KT_PROXYAUTH:
		free(c->cfg->proxy_auth_file);
		c->cfg->proxy_auth_file = NULL;
		if (*v == '/') {
			char	*secret = NULL;
			int	 r;

			if ((c->cfg->proxy_auth_file = xstrdup(c, v)) == NULL)
				return 0;
			if (c->flags & GW_CONF_F_NOFILES)
				return 0;	/* proxy_user stays NULL */
			if (read_secret_file(v, &secret, why, whysz) != 0)
				return -1;
			r = split_userpass(c, secret, why, whysz);
			if (r != 0)
				snprintf(why, whysz, "%s must hold "
				    "user:password (each 1 to 255 bytes)", v);
			wipe_free(secret);
			return r;
		}
		return split_userpass(c, v, why, whysz);
	}
	snprintf(why, whysz, "internal error: unknown type");
	return -1;
}

/* ---- validators ------------------------------------------------------ */

static int
v_server_name(struct ctx *c, const struct conf_key *k, void *dst, char *why,
    size_t whysz)
{
	char		*s = *(char **)dst, *p, *colon;
	unsigned long long port;
	const char	*e;

	if (s == NULL)
		return 0;
	for (p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	colon = strrchr(s, ':');
	if (colon != NULL && *s != '[') {
		if (parse_ull(colon + 1, &e, &port) != 0 || *e != '\0' ||
		    port == 0 || port > 65535) {
			snprintf(why, whysz, "bad port in server name");
			return -1;
		}
	} else
		colon = NULL;
	if (ends_onion(s) || (colon != NULL && colon - s >= 6 &&
	    strncmp(colon - 6, ".onion", 6) == 0)) {
		if (!is_v3_onion(s, colon ? (size_t)(colon - s) : strlen(s))) {
			snprintf(why, whysz, "not a v3 onion address (56 "
			    "base32 characters, then .onion)");
			return -1;
		}
		return 0;
	}
	for (p = s; *p && p != colon; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '[' || *p == ']' ||
		    *p == ':')) {
			snprintf(why, whysz, "invalid character in server "
			    "name");
			return -1;
		}
	(void)c;
	(void)k;
	return 0;
}

static int
v_onion_listen(struct ctx *c, const struct conf_key *k, void *dst, char *why,
    size_t whysz)
{
	const struct gw_addr	*a = dst;

	(void)c;
	(void)k;
	/* tor connects to it: anything but loopback exposes the cleartext
	 * side of the onion to the network. */
	if (!gw_addr_is_local(a)) {
		snprintf(why, whysz, "must be a loopback address or a unix "
		    "socket (tor connects to it)");
		return -1;
	}
	return 0;
}

/* ---- the line reader ------------------------------------------------- */

static int
section_index(const char *name)
{
	size_t	i;

	for (i = 0; i < NITEMS(sections); i++)
		if (strcmp(sections[i], name) == 0)
			return (int)i;
	return -1;
}

static void
start_peer(struct ctx *c, unsigned line, char *name)
{
	struct gw_config	*cfg = c->cfg;
	const char		*w;
	size_t			 i;

	c->cur_peer = -1;
	if (check_pattern(name, &w) != 0) {
		report(c, "%s:%u: [peer %s]: %s", c->file, line, name, w);
		return;
	}
	for (i = 0; i < cfg->n_peers; i++)
		if (strcmp(cfg->peers[i].name, name) == 0) {
			report(c, "%s:%u: [peer %s]: duplicate section (first "
			    "at line %u)", c->file, line, name,
			    c->peer_line[i]);
			return;
		}
	if (cfg->n_peers >= GW_CONF_MAX_PEERS) {
		report(c, "%s:%u: [peer %s]: more than %d [peer] sections",
		    c->file, line, name, GW_CONF_MAX_PEERS);
		return;
	}
	if (cfg->n_peers == c->peer_cap) {
		size_t	 ncap = c->peer_cap ? c->peer_cap * 2 : 8;
		void	*a, *b, *d;

		a = realloc(cfg->peers, ncap * sizeof(*cfg->peers));
		if (a != NULL)
			cfg->peers = a;
		b = realloc(c->peer_line, ncap * sizeof(*c->peer_line));
		if (b != NULL)
			c->peer_line = b;
		d = realloc(c->peer_seen, ncap * sizeof(*c->peer_seen));
		if (d != NULL)
			c->peer_seen = d;
		if (a == NULL || b == NULL || d == NULL) {
			c->nomem = 1;
			return;
		}
		c->peer_cap = ncap;
	}
	memset(&cfg->peers[cfg->n_peers], 0, sizeof(*cfg->peers));
	if ((cfg->peers[cfg->n_peers].name = xstrdup(c, name)) == NULL)
		return;
	c->peer_line[cfg->n_peers] = line;
	memset(c->peer_seen[cfg->n_peers], 0, sizeof(c->peer_seen[0]));
	c->cur_peer = (long)cfg->n_peers++;
}

static void
do_section(struct ctx *c, unsigned line, char *p)
{
	char	*end = strchr(p, ']'), *name, *arg, *q;
	int	 si;

	c->section_ok = 0;
	c->cur_peer = -1;
	if (end == NULL) {
		report(c, "%s:%u: missing ']' in section header", c->file,
		    line);
		return;
	}
	*end = '\0';
	q = skip_wsm(end + 1);
	if (*q != '\0' && *q != '#' && *q != ';') {
		report(c, "%s:%u: text after section header", c->file, line);
		return;
	}
	name = skip_wsm(p + 1);
	for (q = name + strlen(name); q > name && is_ws(q[-1]); q--)
		;
	*q = '\0';
	arg = name + strcspn(name, " \t");
	if (*arg != '\0') {
		*arg++ = '\0';
		arg = skip_wsm(arg);
	}
	snprintf(c->section, sizeof(c->section), "%s", name);
	if (*arg != '\0')
		snprintf(c->label, sizeof(c->label), "%s %s", name, arg);
	else
		snprintf(c->label, sizeof(c->label), "%s", name);
	c->section_line = line;
	si = section_index(name);
	if (si < 0) {
		char	esc[80];

		report(c, "%s:%u: [%s]: unknown section", c->file, line,
		    gw_esc(esc, sizeof(esc), name, strlen(name)));
		return;
	}
	if (strcmp(name, "peer") == 0) {
		if (*arg == '\0') {
			report(c, "%s:%u: [peer]: expected [peer NAME]",
			    c->file, line);
			return;
		}
		c->section_ok = 1;
		start_peer(c, line, arg);
		return;
	}
	if (*arg != '\0') {
		report(c, "%s:%u: [%s]: unexpected text in section header",
		    c->file, line, name);
		return;
	}
	if (c->sect_lines[si] == 0)
		c->sect_lines[si] = line;
	c->section_ok = 1;
}

/* Split "key = value # comment" in place. Return 0 or -1 with 'why'. */
static int
split_kv(char *p, char **key, char **val, const char **why)
{
	char	*k = p, *v, *o, *e;

	while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
	    *p == '_' || (*p >= 'A' && *p <= 'Z'))
		p++;
	if (p == k) {
		*why = "expected key = value";
		return -1;
	}
	e = p;
	p = skip_wsm(p);
	if (*p != '=') {
		*e = '\0';
		*key = k;
		*why = "expected '=' after the key";
		return -1;
	}
	*e = '\0';
	*key = k;
	v = skip_wsm(p + 1);
	if (*v == '"') {
		/* Quoted: \" and \\ are the only escapes; then only a
		 * comment may follow. */
		for (o = v, p = v + 1; *p != '"'; p++) {
			if (*p == '\0') {
				*why = "unterminated quoted value";
				return -1;
			}
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
				p++;
			*o++ = *p;
		}
		*o = '\0';
		p = skip_wsm(p + 1);
		if (*p != '\0' && *p != '#') {
			*why = "text after the closing quote";
			return -1;
		}
	} else {
		/* A '#' at the start of the value or after whitespace
		 * starts a comment. */
		for (p = v; *p != '\0'; p++)
			if (*p == '#' && (p == v || is_ws(p[-1]))) {
				*p = '\0';
				break;
			}
		for (e = v + strlen(v); e > v && is_ws(e[-1]); e--)
			;
		*e = '\0';
	}
	*key = k;
	*val = v;
	return 0;
}

static void
do_key(struct ctx *c, unsigned line, char *p)
{
	const struct conf_key	*k = NULL;
	char			*key, *val, why[256], esc[80];
	const char		*w;
	void			*base;
	unsigned		*seenp;
	size_t			 i;
	int			 in_peer;

	key = NULL;
	if (split_kv(p, &key, &val, &w) != 0) {
		if (key != NULL && c->section[0] != '\0')
			report(c, "%s:%u: [%s] %s: %s", c->file, line,
			    c->label, gw_esc(esc, sizeof(esc), key,
			    strlen(key)), w);
		else if (c->section[0] != '\0')
			report(c, "%s:%u: [%s]: %s", c->file, line, c->label,
			    w);
		else
			report(c, "%s:%u: %s", c->file, line, w);
		return;
	}
	if (c->section[0] == '\0') {
		report(c, "%s:%u: %s: key outside of any [section]", c->file,
		    line, gw_esc(esc, sizeof(esc), key, strlen(key)));
		return;
	}
	if (!c->section_ok)
		return;		/* the header was reported already */
	in_peer = strcmp(c->section, "peer") == 0;
	if (in_peer && c->cur_peer >= 0)
		c->peer_seen[c->cur_peer][2] = line;	/* not "empty" */
	for (i = 0; i < NITEMS(conf_keys); i++)
		if (strcmp(conf_keys[i].section, c->section) == 0 &&
		    strcmp(conf_keys[i].name, key) == 0) {
			k = &conf_keys[i];
			break;
		}
	if (k == NULL) {
		report(c, "%s:%u: [%s] %s: unknown key", c->file, line,
		    c->label, gw_esc(esc, sizeof(esc), key, strlen(key)));
		return;
	}
	if (in_peer) {
		if (c->cur_peer < 0)
			return;		/* bad [peer] header, reported */
		base = &c->cfg->peers[c->cur_peer];
		seenp = &c->peer_seen[c->cur_peer][k->off == OP(inbound_rate) ?
		    0 : 1];
	} else {
		base = c->cfg;
		seenp = &c->seen[i];
	}
	if (*seenp != 0 && k->type != KT_LIST) {
		snprintf(why, sizeof(why), "duplicate key (first set at line "
		    "%u)", *seenp);
		key_error(c, line, k, why);
		return;
	}
	if (*seenp == 0)
		*seenp = line;
	if (set_value(c, k, base, val, why, sizeof(why)) != 0) {
		key_error(c, line, k, why);
		return;
	}
	if (in_peer) {
		struct gw_peer_override *po = base;

		if (k->off == OP(inbound_rate))
			po->has_inbound_rate = 1;
		else
			po->has_outbound_tunnels = 1;
	}
	if (k->validate != NULL &&
	    k->validate(c, k, (char *)base + k->off, why, sizeof(why)) != 0)
		key_error(c, line, k, why);
}

static void
parse_lines(struct ctx *c, const char *buf, size_t len)
{
	char		 line[GW_CONF_MAX_LINE + 1];
	const char	*s = buf, *end = buf + len, *nl;
	size_t		 n, i;
	unsigned	 lineno = 0;
	char		*p;

	while (s < end) {
		lineno++;
		nl = memchr(s, '\n', (size_t)(end - s));
		n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n > GW_CONF_MAX_LINE) {
			report(c, "%s:%u: line longer than %d bytes", c->file,
			    lineno, GW_CONF_MAX_LINE);
			goto next;
		}
		for (i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)s[i];

			if (ch == '\0') {
				report(c, "%s:%u: NUL byte in line", c->file,
				    lineno);
				goto next;
			}
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
				report(c, "%s:%u: control character 0x%02x in "
				    "line", c->file, lineno, ch);
				goto next;
			}
		}
		memcpy(line, s, n);
		line[n] = '\0';
		p = skip_wsm(line);
		if (*p == '\0' || *p == '#' || *p == ';')
			goto next;
		if (*p == '[')
			do_section(c, lineno, p);
		else
			do_key(c, lineno, p);
		if (c->nomem)
			break;
 next:
		if (nl == NULL)
			break;
		s = nl + 1;
	}
	wipe(line, sizeof(line));	/* it may have held a password */
}

/* ---- defaults and cross-key checks ----------------------------------- */

static unsigned
seen(struct ctx *c, const char *section, const char *name)
{
	int	i = key_index(section, name);

	return i < 0 ? 0 : c->seen[i];
}

static void
xerr(struct ctx *c, const char *section, const char *name, const char *fmt,
    ...) __attribute__((__format__(printf, 4, 5)));

/* Cross-key error, reported at the line of section/name (or its section
 * header, or no line if neither is in the file). */
static void
xerr(struct ctx *c, const char *section, const char *name, const char *fmt,
    ...)
{
	char		 why[300];
	va_list		 ap;
	int		 i = key_index(section, name), si;
	unsigned	 line;

	va_start(ap, fmt);
	(void)vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (i < 0) {
		report(c, "%s: [%s] %s: %s", c->file, section, name, why);
		return;
	}
	line = c->seen[i];
	if (line == 0 && (si = section_index(section)) >= 0)
		line = c->sect_lines[si];
	key_error(c, line, &conf_keys[i], why);
}

static const char *
mode_note(struct ctx *c)
{
	static char	buf[40];

	if (seen(c, "onionfed", "mode"))
		snprintf(buf, sizeof(buf), "(line %u)",
		    seen(c, "onionfed", "mode"));
	else
		snprintf(buf, sizeof(buf), "(the default)");
	return buf;
}

static void
derive_defaults(struct ctx *c)
{
	struct gw_config	*cfg = c->cfg;
	int			 onion_only = cfg->mode == GW_MODE_ONION_ONLY;

	if (!seen(c, "outbound", "clearnet"))
		cfg->clearnet = onion_only ? GW_CLEARNET_TOR :
		    GW_CLEARNET_DIRECT;
	if (!seen(c, "policy", "allow_onion_peers"))
		cfg->allow_onion_peers = onion_only;
	if (!seen(c, "policy", "allow_clearnet_peers"))
		cfg->allow_clearnet_peers = cfg->clearnet != GW_CLEARNET_DENY;
	if (!seen(c, "inbound", "well_known_listen") && cfg->onion_well_known)
		(void)gw_addr_parse("127.0.0.1:8450", 0,
		    &cfg->well_known_listen, &(const char *){ NULL });
}

static void
check_listener_clashes(struct ctx *c)
{
	struct {
		const char		*sec, *name;
		const struct gw_addr	*a;
	} l[] = {
		{ "inbound", "onion_listen", &c->cfg->onion_listen },
		{ "inbound", "clearnet_listen", &c->cfg->clearnet_listen },
		{ "inbound", "well_known_listen", &c->cfg->well_known_listen },
		{ "outbound", "connect_listen", &c->cfg->connect_listen },
		{ "outbound", "socks_listen", &c->cfg->socks_listen },
		{ "admin", "metrics_listen", &c->cfg->metrics_listen },
		/* Not ours, but binding them would loop traffic. */
		{ "tor", "socks", &c->cfg->tor_socks },
		{ "tor", "control", &c->cfg->tor_control },
		{ "inbound", "upstream", &c->cfg->upstream },
	};
	char	buf[GW_ADDR_PATH_MAX + 16];
	size_t	i, j;

	for (i = 1; i < NITEMS(l); i++)
		for (j = 0; j < i && j < 6; j++) {
			if (!addr_clash(l[i].a, l[j].a))
				continue;
			/* Report at the later of the two lines (a key
			 * not in the file counts as line 0). */
			if (seen(c, l[i].sec, l[i].name) >= seen(c, l[j].sec,
			    l[j].name))
				xerr(c, l[i].sec, l[i].name, "%s is also "
				    "[%s] %s", gw_addr_fmt(l[i].a, buf,
				    sizeof(buf)), l[j].sec, l[j].name);
			else
				xerr(c, l[j].sec, l[j].name, "%s is also "
				    "[%s] %s", gw_addr_fmt(l[j].a, buf,
				    sizeof(buf)), l[i].sec, l[i].name);
		}
}

static void
check_proxy_exposure(struct ctx *c, const char *name,
    const struct gw_addr *a)
{
	struct gw_config	*cfg = c->cfg;
	char			 buf[GW_ADDR_PATH_MAX + 16];

	if (a->kind == GW_ADDR_NONE || gw_addr_is_local(a))
		return;
	if (!cfg->allow_nonloopback)
		xerr(c, "outbound", name, "%s is not a loopback address: "
		    "set allow_nonloopback = yes and proxy_auth to expose "
		    "the proxy", gw_addr_fmt(a, buf, sizeof(buf)));
	else if (cfg->proxy_user == NULL && cfg->proxy_auth_file == NULL)
		xerr(c, "outbound", name, "%s is not a loopback address and "
		    "proxy_auth is not set", gw_addr_fmt(a, buf,
		    sizeof(buf)));
}

static void
check_readable(struct ctx *c, const char *name, const char *path)
{
	struct stat	st;
	int		fd;

	if (path == NULL)
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		xerr(c, "inbound", name, "cannot open %s: %s", path,
		    strerror(errno));
		return;
	}
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		xerr(c, "inbound", name, "%s is not a regular file", path);
	close(fd);
}

static void
check_contradictions(struct ctx *c)
{
	struct gw_config	*cfg = c->cfg;
	int			 onion_only = cfg->mode == GW_MODE_ONION_ONLY;
	size_t			 i, j;

	for (i = 0; i < NITEMS(conf_keys); i++)
		if ((conf_keys[i].flags & KF_REQUIRED) && c->seen[i] == 0)
			xerr(c, conf_keys[i].section, conf_keys[i].name,
			    "required key is missing%s",
			    strcmp(conf_keys[i].name, "upstream") == 0 ?
			    " (the homeserver's federation listener, e.g. "
			    "http://127.0.0.1:8008)" : "");

	/* Mode. */
	if (onion_only && cfg->clearnet == GW_CLEARNET_DIRECT)
		xerr(c, "outbound", "clearnet", "direct is not allowed with "
		    "mode = onion-only %s: use tor or deny", mode_note(c));
	if (onion_only && seen(c, "policy", "allow_onion_peers") &&
	    !cfg->allow_onion_peers)
		xerr(c, "policy", "allow_onion_peers", "no contradicts mode = "
		    "onion-only %s", mode_note(c));
	if (onion_only && cfg->clearnet_listen.kind != GW_ADDR_NONE)
		xerr(c, "inbound", "clearnet_listen", "needs mode = dual; "
		    "mode = onion-only %s has no clearnet front", mode_note(c));
	if (onion_only && cfg->server_name != NULL &&
	    !ends_onion(cfg->server_name) &&
	    strstr(cfg->server_name, ".onion:") == NULL)
		xerr(c, "onionfed", "server_name", "must be an .onion name "
		    "with mode = onion-only %s", mode_note(c));
	if (cfg->clearnet == GW_CLEARNET_DENY && cfg->allow_clearnet_peers &&
	    seen(c, "policy", "allow_clearnet_peers"))
		xerr(c, "policy", "allow_clearnet_peers", "yes contradicts "
		    "[outbound] clearnet = deny (line %u)",
		    seen(c, "outbound", "clearnet"));
	/* Both classes off is an allow-list-only setup (policy.h): fine
	 * with an allow list, a dead end without one. */
	if (!cfg->allow_onion_peers && !cfg->allow_clearnet_peers &&
	    cfg->n_allow == 0)
		xerr(c, "policy", seen(c, "policy", "allow_clearnet_peers") ?
		    "allow_clearnet_peers" : "allow_onion_peers",
		    "no peer could ever federate: allow_onion_peers and "
		    "allow_clearnet_peers are both no and allow is empty");
	if (cfg->resolver.kind != GW_ADDR_NONE &&
	    cfg->clearnet != GW_CLEARNET_DIRECT)
		xerr(c, "outbound", "resolver", "is only used with clearnet = "
		    "direct (onionfedd does no DNS otherwise)");

	/* Tor authentication. */
	if (cfg->tor_password != NULL && cfg->tor_password_file != NULL)
		xerr(c, "tor", seen(c, "tor", "password") > seen(c, "tor",
		    "password_file") ? "password" : "password_file",
		    "set only one of password and password_file");
	if (cfg->tor_auth == GW_TOR_AUTH_PASSWORD &&
	    cfg->tor_password == NULL && cfg->tor_password_file == NULL)
		xerr(c, "tor", "auth", "password needs password or "
		    "password_file");
	if ((cfg->tor_password != NULL || cfg->tor_password_file != NULL) &&
	    cfg->tor_auth != GW_TOR_AUTH_PASSWORD &&
	    cfg->tor_auth != GW_TOR_AUTH_AUTO)
		xerr(c, "tor", cfg->tor_password ? "password" :
		    "password_file", "set, but auth = %s does not use it",
		    enum_str(auth_names, (int)cfg->tor_auth));
	if (cfg->tor_password_file != NULL && cfg->tor_password == NULL &&
	    (cfg->tor_auth == GW_TOR_AUTH_PASSWORD ||
	    cfg->tor_auth == GW_TOR_AUTH_AUTO) &&
	    !(c->flags & GW_CONF_F_NOFILES)) {
		char	why[300];

		if (read_secret_file(cfg->tor_password_file,
		    &cfg->tor_password, why, sizeof(why)) != 0)
			xerr(c, "tor", "password_file", "%s", why);
	}

	/* Onion ports and PoW. */
	for (i = 0, j = 0; i < cfg->n_onion_ports; i++)
		if (cfg->onion_ports[i] != 443)
			j++;
	if (j == 0)
		xerr(c, "tor", "onion_ports", "needs a federation port (such "
		    "as 8448) besides 443");
	if (cfg->well_known_listen.kind != GW_ADDR_NONE &&
	    !cfg->onion_well_known)
		xerr(c, "inbound", "well_known_listen", "set, but [tor] "
		    "onion_ports has no 443 to route to it");
	if (cfg->well_known_listen.kind != GW_ADDR_NONE &&
	    !gw_addr_is_local(&cfg->well_known_listen))
		xerr(c, "inbound", "well_known_listen", "must be a loopback "
		    "address or a unix socket (tor connects to it)");
	if (cfg->pow_defenses == GW_POW_OFF) {
		if (seen(c, "tor", "pow_queue_rate"))
			xerr(c, "tor", "pow_queue_rate", "set, but "
			    "pow_defenses = no");
		if (seen(c, "tor", "pow_queue_burst"))
			xerr(c, "tor", "pow_queue_burst", "set, but "
			    "pow_defenses = no");
	}

	/* TLS. */
	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL))
		xerr(c, "inbound", cfg->tls_cert ? "tls_cert" : "tls_key",
		    "tls_cert and tls_key must be set together");
	if (!(c->flags & GW_CONF_F_NOFILES) && cfg->tls_cert != NULL &&
	    cfg->tls_key != NULL) {
		/* A typo in a path shows at --check, not at the first peer. */
		check_readable(c, "tls_cert", cfg->tls_cert);
		check_readable(c, "tls_key", cfg->tls_key);
	}

	/* Proxies. */
	check_proxy_exposure(c, "connect_listen", &cfg->connect_listen);
	check_proxy_exposure(c, "socks_listen", &cfg->socks_listen);
	check_listener_clashes(c);

	/* Policy lists. */
	for (i = 0; i < cfg->n_allow; i++)
		for (j = 0; j < cfg->n_deny; j++)
			if (strcmp(cfg->allow[i], cfg->deny[j]) == 0)
				xerr(c, "policy", "deny", "\"%s\" is also in "
				    "allow", cfg->deny[j]);
	for (i = 0; i < cfg->n_peers; i++)
		if (c->peer_seen[i][2] == 0)
			report(c, "%s:%u: [peer %s]: section sets nothing "
			    "(expected inbound_rate or outbound_tunnels)",
			    c->file, c->peer_line[i], cfg->peers[i].name);
}

/* ---- entry points ---------------------------------------------------- */

static struct gw_config *
config_new(struct ctx *c)
{
	char		why[256], tmp[128];
	size_t		i;

	if ((c->cfg = calloc(1, sizeof(*c->cfg))) == NULL)
		return NULL;
	for (i = 0; i < NITEMS(conf_keys); i++) {
		if (conf_keys[i].def == NULL || (conf_keys[i].flags & KF_PEER))
			continue;
		snprintf(tmp, sizeof(tmp), "%s", conf_keys[i].def);
		if (set_value(c, &conf_keys[i], c->cfg, tmp, why,
		    sizeof(why)) != 0)
			report(c, "%s: internal error: default of [%s] %s: %s",
			    c->file, conf_keys[i].section, conf_keys[i].name,
			    why);
	}
	return c->cfg;
}

int
gw_config_load_buf(const char *name, const char *buf, size_t len,
    unsigned flags, gw_config_error_cb *cb, void *arg, struct gw_config **out)
{
	struct ctx	 c;
	int		 r = GW_CONF_ERR_INVALID;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.file = name;
	c.cb = cb;
	c.cbarg = arg;
	c.flags = flags;
	c.cur_peer = -1;
	if (len > GW_CONF_MAX_FILE) {
		report(&c, "%s: file is larger than %d bytes", name,
		    GW_CONF_MAX_FILE);
		return GW_CONF_ERR_TOOBIG;
	}
	if ((c.seen = calloc(NITEMS(conf_keys), sizeof(*c.seen))) == NULL ||
	    config_new(&c) == NULL) {
		r = GW_CONF_ERR_NOMEM;
		goto out;
	}
	parse_lines(&c, buf, len);
	if (!c.nomem) {
		derive_defaults(&c);
		check_contradictions(&c);
	}
	if (c.nomem) {
		report(&c, "%s: out of memory", name);
		r = GW_CONF_ERR_NOMEM;
		goto out;
	}
	if (c.nerr != 0)
		goto out;
	if ((c.cfg->path = strdup(name)) == NULL) {
		r = GW_CONF_ERR_NOMEM;
		goto out;
	}
	*out = c.cfg;
	c.cfg = NULL;				/* transferred */
	r = 0;
 out:
	gw_config_free(c.cfg);
	free(c.seen);
	free(c.peer_line);
	free(c.peer_seen);
	return r;
}

int
gw_config_load(const char *path, unsigned flags, gw_config_error_cb *cb,
    void *arg, struct gw_config **out)
{
	struct stat	 st;
	char		*buf = NULL, msg[512];
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd = -1, r;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		goto ioerr;
	if (fstat(fd, &st) == -1)
		goto ioerr;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		if (cb != NULL) {
			snprintf(msg, sizeof(msg), "%s: not a regular file",
			    path);
			cb(arg, msg);
		}
		close(fd);
		return GW_CONF_ERR_IO;
	}
	if ((buf = malloc(GW_CONF_MAX_FILE + 1)) == NULL) {
		close(fd);
		return GW_CONF_ERR_NOMEM;
	}
	/* Read one byte past the limit to tell "too big" from "exactly". */
	while (len < GW_CONF_MAX_FILE + 1) {
		n = read(fd, buf + len, GW_CONF_MAX_FILE + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto ioerr;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	fd = -1;
	r = gw_config_load_buf(path, buf, len, flags, cb, arg, out);
	wipe(buf, len);			/* it may hold a password */
	free(buf);
	return r;
 ioerr:
	if (cb != NULL) {
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
		cb(arg, msg);
	}
	if (fd != -1)
		close(fd);
	free(buf);
	return GW_CONF_ERR_IO;
}

void
gw_config_free(struct gw_config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->server_name);
	free(cfg->state_dir);
	wipe_free(cfg->tor_password);
	free(cfg->tor_password_file);
	free(cfg->onion_key);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	wipe_free(cfg->proxy_user);
	wipe_free(cfg->proxy_password);
	free(cfg->proxy_auth_file);
	for (i = 0; i < cfg->n_allow; i++)
		free(cfg->allow[i]);
	free(cfg->allow);
	for (i = 0; i < cfg->n_deny; i++)
		free(cfg->deny[i]);
	free(cfg->deny);
	for (i = 0; i < cfg->n_peers; i++)
		free(cfg->peers[i].name);
	free(cfg->peers);
	free(cfg->admin_socket);
	free(cfg);
}

const char *
gw_config_strerror(int err)
{
	switch (err) {
	case GW_CONF_OK:
		return "success";
	case GW_CONF_ERR_NOMEM:
		return "out of memory";
	case GW_CONF_ERR_IO:
		return "cannot read the configuration file";
	case GW_CONF_ERR_INVALID:
		return "invalid configuration";
	case GW_CONF_ERR_TOOBIG:
		return "configuration file too large";
	}
	return "unknown error";
}

static const char *
rate_fmt(const struct gw_rate *r, char *buf, size_t bufsz)
{
	size_t	o = 0;

	if (r->per_sec == 0 && r->max_concurrent == 0)
		return "unlimited";
	buf[0] = '\0';
	if (r->per_sec > 0)
		o = (size_t)snprintf(buf, bufsz, "%g/s burst %u", r->per_sec,
		    r->burst);
	if (r->max_concurrent > 0 && o < bufsz)
		snprintf(buf + o, bufsz - o, "%smax %u concurrent",
		    o ? ", " : "", r->max_concurrent);
	return buf;
}

void
gw_config_summary(const struct gw_config *cfg, FILE *fp)
{
	char	a[GW_ADDR_PATH_MAX + 16], b[GW_ADDR_PATH_MAX + 16];
	char	r1[80], r2[80];
	size_t	i;

	fprintf(fp, "mode: %s%s\n", enum_str(mode_names, (int)cfg->mode),
	    cfg->mode == GW_MODE_ONION_ONLY ? " (every peer through Tor, "
	    "fail-closed)" : " (clearnet server that also federates with "
	    "onions)");
	if (cfg->server_name != NULL)
		fprintf(fp, "server name: %s\n", cfg->server_name);
	fprintf(fp, "tor: control %s (auth %s%s), SOCKS %s\n",
	    gw_addr_fmt(&cfg->tor_control, a, sizeof(a)),
	    enum_str(auth_names, (int)cfg->tor_auth),
	    cfg->tor_password_file ? ", password from file" :
	    cfg->tor_password ? ", password set" : "",
	    gw_addr_fmt(&cfg->tor_socks, b, sizeof(b)));
	fprintf(fp, "onion: key %s, ports", cfg->onion_key);
	for (i = 0; i < cfg->n_onion_ports; i++)
		fprintf(fp, " %u->%s", cfg->onion_ports[i],
		    gw_addr_fmt(cfg->onion_ports[i] == 443 ?
		    &cfg->well_known_listen : &cfg->onion_listen, a,
		    sizeof(a)));
	fprintf(fp, ", PoW %s", enum_str(pow_names, (int)cfg->pow_defenses));
	if (cfg->pow_defenses != GW_POW_OFF)
		fprintf(fp, " (queue %u/s burst %u)", cfg->pow_queue_rate,
		    cfg->pow_queue_burst);
	if (cfg->max_streams != 0)
		fprintf(fp, ", max %u streams per circuit\n", cfg->max_streams);
	else
		fprintf(fp, ", streams per circuit unlimited\n");
	fprintf(fp, "inbound: onion %s%s%s -> upstream %s%s, TLS %s, "
	    "max body %zu bytes, timeout %us\n",
	    gw_addr_fmt(&cfg->onion_listen, a, sizeof(a)),
	    cfg->clearnet_listen.kind ? ", clearnet " : "",
	    cfg->clearnet_listen.kind ? gw_addr_fmt(&cfg->clearnet_listen, b,
	    sizeof(b)) : "",
	    cfg->upstream.kind == GW_ADDR_TCP ? "http://" : "",
	    gw_addr_fmt(&cfg->upstream, r1, sizeof(r1)),
	    cfg->tls_cert ? cfg->tls_cert : "made for the onion name",
	    cfg->max_body, cfg->upstream_timeout_ms / 1000);
	fprintf(fp, "outbound: CONNECT %s, SOCKS5 %s, proxy auth %s; .onion "
	    "via Tor; clearnet %s\n",
	    cfg->connect_listen.kind ? gw_addr_fmt(&cfg->connect_listen, a,
	    sizeof(a)) : "off",
	    cfg->socks_listen.kind ? gw_addr_fmt(&cfg->socks_listen, b,
	    sizeof(b)) : "off",
	    cfg->proxy_user ? "required" : "off",
	    cfg->clearnet == GW_CLEARNET_DIRECT ? "direct" :
	    cfg->clearnet == GW_CLEARNET_TOR ? "via Tor exits" : "denied");
	fprintf(fp, "policy: onion peers %s, clearnet peers %s, %zu allow / "
	    "%zu deny patterns, %zu peer overrides, private addresses %s\n",
	    cfg->allow_onion_peers ? "allowed" : "refused",
	    cfg->allow_clearnet_peers ? "allowed" : "refused",
	    cfg->n_allow, cfg->n_deny, cfg->n_peers,
	    cfg->allow_private_addresses ? "allowed" : "refused");
	fprintf(fp, "limits: inbound %s per origin; outbound %s per "
	    "destination\n", rate_fmt(&cfg->inbound_rate, r1, sizeof(r1)),
	    rate_fmt(&cfg->outbound_tunnels, r2, sizeof(r2)));
	fprintf(fp, "health: self-probe %s%s, descriptor upload timeout "
	    "%us\n", cfg->probe_interval_ms ? "every " : "off",
	    cfg->probe_interval_ms ? (snprintf(a, sizeof(a), "%us",
	    cfg->probe_interval_ms / 1000), a) : "",
	    cfg->upload_timeout_ms / 1000);
	fprintf(fp, "admin: socket %s, metrics %s\n",
	    cfg->admin_socket ? cfg->admin_socket : "off",
	    cfg->metrics_listen.kind ? gw_addr_fmt(&cfg->metrics_listen, b,
	    sizeof(b)) : "off");
}
