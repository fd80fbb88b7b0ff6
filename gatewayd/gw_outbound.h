/*
 * gw_outbound.h - the outbound federation proxy: HTTP CONNECT and SOCKS5
 * listeners, routing (onion -> tor, clearnet -> direct | tor | deny),
 * per-destination isolation on tor's SocksPort, tunnels.
 * Owns: its listeners, every client connection and tunnel, its evdns base
 * (clearnet = direct only), the isolation key, the counters.
 * Never: resolves or connects to a .onion except through tor's SocksPort;
 * logs credentials; exits.
 */
#ifndef GW_GATEWAYD_GW_OUTBOUND_H
#define GW_GATEWAYD_GW_OUTBOUND_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct gw_outbound;			/* opaque */
struct pol_rules;			/* policy/policy.h */
struct pol_limiter;

enum gw_ob_clearnet {
	GW_OB_CLEARNET_DIRECT	= 0,	/* evdns + connect(), SSRF guard */
	GW_OB_CLEARNET_TOR	= 1,	/* through tor's SocksPort (exits) */
	GW_OB_CLEARNET_DENY	= 2,	/* refused */
};

/* Filled by the caller (main.c from gw_config); strings are borrowed for
 * the duration of gw_outbound_new() only. Addresses are "ip:port",
 * "[ip6]:port" or "unix:/path". */
struct gw_outbound_conf {
	const char	*connect_listen;	/* NULL or "" = no CONNECT */
	const char	*socks_listen;		/* NULL or "" = no SOCKS5 */
	const char	*tor_socks;		/* tor's SocksPort */
	enum gw_ob_clearnet clearnet;
	int		 allow_onion;		/* 0: .onion refused (policy) */
	int		 allow_nonloopback;	/* bind beyond loopback (needs
						   proxy auth) */
	const char	*auth_user;		/* proxy auth; NULL = none */
	const char	*auth_pass;
	int		 allow_private;		/* SSRF guard off (tests) */
	const char	*resolver;		/* "ip:port" nameserver; NULL =
						   /etc/resolv.conf */
	unsigned	 handshake_timeout_ms;	/* 0 = default */
	unsigned	 connect_timeout_ms;
	unsigned	 idle_timeout_ms;
	unsigned	 max_tunnels;		/* all destinations */
	/* Per-destination limits for an own limiter (0 = policy/'s default):
	 * new tunnels per second, burst, concurrent tunnels. */
	unsigned	 dest_rate;
	unsigned	 dest_burst;
	unsigned	 dest_max;
	/* policy/ objects shared with the rest of the daemon; borrowed for
	 * the outbound's life. NULL rules: built here from allow_onion,
	 * allow_private (clearnet allowed, no lists). NULL limiter: built
	 * here from dest_rate/dest_burst/dest_max (0 = policy defaults). */
	const struct pol_rules	*rules;
	struct pol_limiter	*limiter;
	/* Held around every call on 'limiter' when it is shared with other
	 * threads (gw_policy_limiter_lock()); NULL: not shared. */
	pthread_mutex_t		*limiter_lock;
};

/* Why a tunnel was refused or failed; each has a counter. */
enum gw_ob_reason {
	GW_OB_R_OK = 0,
	GW_OB_R_BAD_REQUEST,		/* malformed head / SOCKS message */
	GW_OB_R_SOCKS_CMD,		/* SOCKS command is not CONNECT */
	GW_OB_R_SOCKS_ATYP,		/* SOCKS address type unknown */
	GW_OB_R_METHOD,			/* HTTP method is not CONNECT */
	GW_OB_R_VERSION,		/* not HTTP/1.x */
	GW_OB_R_HEAD_TOO_BIG,
	GW_OB_R_AUTH,			/* proxy auth missing or wrong */
	GW_OB_R_BAD_DEST,		/* not a valid server name / port */
	GW_OB_R_BAD_ONION,		/* .onion fails v3 validation */
	GW_OB_R_POLICY,			/* denied by a rule */
	GW_OB_R_ONION_DENIED,		/* onion peers not allowed */
	GW_OB_R_CLEARNET_DENIED,	/* clearnet = deny */
	GW_OB_R_RATE,			/* per-destination rate limit */
	GW_OB_R_CONCURRENCY,		/* per-destination or global cap */
	GW_OB_R_SSRF,			/* resolved to a private address */
	GW_OB_R_DNS,			/* name did not resolve */
	GW_OB_R_REFUSED,		/* destination refused the connect */
	GW_OB_R_UNREACHABLE,		/* network/host unreachable */
	GW_OB_R_TIMEOUT,		/* connect (or tor) timed out */
	GW_OB_R_HANDSHAKE_TIMEOUT,	/* client too slow to ask */
	GW_OB_R_TOR_DOWN,		/* tor's SocksPort not reachable */
	GW_OB_R_TOR_PROTO,		/* tor spoke nonsense / closed */
	GW_OB_R_TOR_GENERAL,		/* tor 0x01 */
	GW_OB_R_TOR_NOT_ALLOWED,	/* tor 0x02 (exit policy) */
	GW_OB_R_TOR_NET_UNREACH,	/* tor 0x03 */
	GW_OB_R_TOR_HOST_UNREACH,	/* tor 0x04 */
	GW_OB_R_TOR_REFUSED,		/* tor 0x05 */
	GW_OB_R_TOR_TTL,		/* tor 0x06 (timeout) */
	GW_OB_R_TOR_OTHER,		/* tor 0x07, 0x08, unknown */
	GW_OB_R_ONION_DESC_NOT_FOUND,	/* tor 0xf0 */
	GW_OB_R_ONION_DESC_INVALID,	/* tor 0xf1 */
	GW_OB_R_ONION_INTRO_FAILED,	/* tor 0xf2 */
	GW_OB_R_ONION_REND_FAILED,	/* tor 0xf3 */
	GW_OB_R_ONION_AUTH_MISSING,	/* tor 0xf4 */
	GW_OB_R_ONION_AUTH_BAD,		/* tor 0xf5 */
	GW_OB_R_ONION_BAD_ADDRESS,	/* tor 0xf6 */
	GW_OB_R_ONION_INTRO_TIMEOUT,	/* tor 0xf7 */
	GW_OB_R_INTERNAL,		/* out of memory / fds */
	GW_OB_R_MAX
};

/* Counters, read by admin/metrics code; monotonic unless noted. */
struct gw_outbound_stats {
	uint64_t	accepted_connect;	/* client connections */
	uint64_t	accepted_socks;
	uint64_t	accept_paused;		/* EMFILE/ENFILE pauses */
	uint64_t	tunnels_onion;		/* established, by route */
	uint64_t	tunnels_clearnet_direct;
	uint64_t	tunnels_clearnet_tor;
	uint64_t	tunnels_active;		/* gauge */
	uint64_t	handshakes_active;	/* gauge */
	uint64_t	tor_connects;		/* connect() to tor's SocksPort */
	uint64_t	direct_connects;	/* connect() anywhere else */
	uint64_t	dns_lookups;		/* evdns lookups started */
	uint64_t	iso_renewed;		/* credentials renewed after a
						 * tunnel through tor failed */
	uint64_t	bytes_up;		/* client -> destination */
	uint64_t	bytes_down;
	uint64_t	refused[GW_OB_R_MAX];	/* [GW_OB_R_OK] unused */
};

enum gw_ob_err {
	GW_OB_ERR_NOMEM		= -1,
	GW_OB_ERR_CONF		= -2,	/* a conf field is invalid */
	GW_OB_ERR_LISTEN	= -3,	/* socket/bind/listen failed */
	GW_OB_ERR_OPEN_PROXY	= -4,	/* non-loopback without auth */
};

/* Create the proxy on 'base' (borrowed; outlives it) and start listening.
 * On success store it in *out and return 0; otherwise return a negative
 * enum gw_ob_err, leave *out NULL and, if errbuf is not NULL, write a
 * one-line reason there (naming the conf field). */
int		 gw_outbound_new(struct event_base *base,
		    const struct gw_outbound_conf *conf, struct gw_outbound **out,
		    char *errbuf, size_t errlen);

/* Stop accepting for good (SIGTERM); handshakes and tunnels go on. */
void		 gw_outbound_drain(struct gw_outbound *ob);

/* Tunnels whose last bytes went from the homeserver to the peer: a request
 * is out and its answer has not come (what a tunnel carries is TLS, so this
 * is all that can be seen). O(tunnels); for draining. */
unsigned	 gw_outbound_busy_tunnels(const struct gw_outbound *ob);

/* Take new rules (borrowed, must outlive 'ob'; NULL keeps the current) and
 * the SSRF guard setting, from the next tunnel on (reload). */
void		 gw_outbound_set_policy(struct gw_outbound *ob,
		    const struct pol_rules *rules, int allow_private);

/* Close the listeners, every handshake and tunnel, and free 'ob'. NULL is
 * a no-op. Never call from inside one of its callbacks. */
void		 gw_outbound_free(struct gw_outbound *ob);

/* The bound TCP port of the CONNECT / SOCKS listener (0 if none or unix):
 * for configs that ask for port 0 (tests). */
uint16_t	 gw_outbound_connect_port(const struct gw_outbound *ob);
uint16_t	 gw_outbound_socks_port(const struct gw_outbound *ob);

/* Counters; valid as long as 'ob'. */
const struct gw_outbound_stats *gw_outbound_stats(const struct gw_outbound *ob);

/* Stable lower-case name of a reason ("onion-desc-not-found") for logs and
 * metric labels; "unknown" when out of range. */
const char	*gw_outbound_reason_name(int reason);

/* The answers a refusal gets: HTTP status and reason phrase for CONNECT,
 * reply code for SOCKS5. */
int		 gw_outbound_reason_http(int reason, const char **phrase);
uint8_t		 gw_outbound_reason_socks(int reason);

const char	*gw_outbound_strerror(int err);

/* Write the isolation token tor sees as SOCKS username for 'host':'port'
 * (hex of a keyed hash; the key is random per process) into out (at least
 * 33 bytes). Return 0, or -1 if outsz is short. */
int		 gw_outbound_iso_token(const struct gw_outbound *ob,
		    const char *host, uint16_t port, char *out, size_t outsz);

/* The area for onionfedd's main.c (gw_outbound_area.c; gw_daemon.h). */
struct gw_area;
extern const struct gw_area gw_outbound_area;

#endif /* GW_GATEWAYD_GW_OUTBOUND_H */
