/*
 * gw_config.h - the daemon's configuration: an immutable snapshot.
 * Owns: struct gw_config and everything it points to (strings, lists).
 * Never: starts anything, logs, or touches the network; a snapshot is never
 * changed after gw_config_load() returns it (reload builds a new one).
 *
 * struct gw_config is deliberately not opaque: it is plain data that every
 * area reads. Treat it as const. Unset optional strings are NULL, never "".
 */
#ifndef GW_GATEWAYD_GW_CONFIG_H
#define GW_GATEWAYD_GW_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gatewayd/gw_limits.h"

/* Limits of the snapshot's fixed-size parts (file-format limits are in
 * gw_limits.h). */
#define GW_ADDR_HOST_MAX	253	/* DNS name length limit (RFC 1035) */
#define GW_ADDR_PATH_MAX	107	/* sizeof(sun_path) - 1 on Linux */
#define GW_CONF_MAX_ONION_PORTS	4	/* 8448 and 443 are the useful ones */

enum gw_config_err {
	GW_CONF_OK		=  0,
	GW_CONF_ERR_NOMEM	= -1,
	GW_CONF_ERR_IO		= -2,	/* file could not be opened or read */
	GW_CONF_ERR_INVALID	= -3,	/* one or more errors were reported */
	GW_CONF_ERR_TOOBIG	= -4,	/* file larger than GW_CONF_MAX_FILE */
};

enum gw_mode {
	GW_MODE_ONION_ONLY	= 0,	/* every peer through Tor, fail-closed */
	GW_MODE_DUAL		= 1,	/* clearnet server that also speaks onion */
};

enum gw_tor_auth {
	GW_TOR_AUTH_AUTO	= 0,	/* best method PROTOCOLINFO offers */
	GW_TOR_AUTH_SAFECOOKIE	= 1,
	GW_TOR_AUTH_COOKIE	= 2,
	GW_TOR_AUTH_PASSWORD	= 3,
	GW_TOR_AUTH_NONE	= 4,
};

enum gw_clearnet {
	GW_CLEARNET_DIRECT	= 0,	/* connect to clearnet peers directly */
	GW_CLEARNET_TOR		= 1,	/* through Tor exits */
	GW_CLEARNET_DENY	= 2,	/* refuse clearnet destinations */
};

enum gw_pow {
	GW_POW_AUTO		= 0,	/* on if tor supports it (>= 0.4.9.2) */
	GW_POW_ON		= 1,	/* required: fail if tor lacks it */
	GW_POW_OFF		= 2,
};

enum gw_addr_kind {
	GW_ADDR_NONE		= 0,	/* unset / disabled */
	GW_ADDR_TCP		= 1,	/* host + port */
	GW_ADDR_UNIX		= 2,	/* path (config syntax "unix:/path") */
};

/*
 * An endpoint. For TCP, 'host' is a numeric IPv4 or IPv6 address without
 * brackets (every address in the config is numeric: onionfedd does no DNS
 * lookup of its own; 'numeric' is 0 only from gw_addr_parse() with
 * GW_ADDR_F_HOSTNAME); for a unix socket, 'path' is absolute.
 */
struct gw_addr {
	enum gw_addr_kind	 kind;
	uint16_t		 port;
	int			 numeric;	/* host is an IP literal */
	char			 host[GW_ADDR_HOST_MAX + 1];
	char			 path[GW_ADDR_PATH_MAX + 1];
};

/*
 * A rate limit, from "20/s burst 200" or "10/s burst 50, max 64" (units /s,
 * /m, /h). per_sec == 0 means no rate limit ("none"); burst is the bucket
 * size (default: per_sec rounded up, at least 1); max_concurrent == 0 means
 * no concurrency cap.
 */
struct gw_rate {
	double		 per_sec;
	unsigned	 burst;
	unsigned	 max_concurrent;
};

/* A [peer NAME] section: overrides for one server name or "*.suffix". */
struct gw_peer_override {
	char		*name;			/* lower-cased */
	int		 has_inbound_rate;
	struct gw_rate	 inbound_rate;
	int		 has_outbound_tunnels;
	struct gw_rate	 outbound_tunnels;
};

struct gw_config {
	char			*path;		/* file it was loaded from */

	/* [onionfed] */
	enum gw_mode		 mode;		/* default onion-only */
	char			*server_name;	/* NULL: taken from the onion key */
	int			 log_level;	/* LOG_ERR..LOG_DEBUG, default info */
	char			*state_dir;	/* default LOCALSTATEDIR/lib/onionfed
						 * (made TLS certificate, ...) */

	/* [tor] */
	struct gw_addr		 tor_control;	/* default unix:/run/tor/control */
	enum gw_tor_auth	 tor_auth;	/* default auto */
	char			*tor_password;	/* secret; from password or
						 * password_file; NULL if none */
	char			*tor_password_file;
	struct gw_addr		 tor_socks;	/* default 127.0.0.1:9050 */
	char			*onion_key;	/* default LOCALSTATEDIR/lib/
						 * onionfed/onion.key */
	uint16_t		 onion_ports[GW_CONF_MAX_ONION_PORTS];
	size_t			 n_onion_ports;	/* default one: 8448 */
	int			 onion_well_known;	/* 443 is among them */
	enum gw_pow		 pow_defenses;	/* default auto */
	unsigned		 pow_queue_rate;	/* default 250 (tor's) */
	unsigned		 pow_queue_burst;	/* default 2500 (tor's) */
	unsigned		 max_streams;	/* per circuit; 0 = no limit */

	/* [inbound] */
	struct gw_addr		 onion_listen;	/* default 127.0.0.1:8449 */
	struct gw_addr		 clearnet_listen;	/* NONE unless set (dual) */
	struct gw_addr		 upstream;	/* required: http://IP[:PORT]
						 * (port 80 if omitted) |
						 * unix:/path */
	char			*tls_cert;	/* NULL: made for the onion name */
	char			*tls_key;	/* both set or both NULL */
	size_t			 max_body;	/* bytes, default 4 MiB */
	unsigned		 upstream_timeout_ms;	/* default 60 s */
	unsigned		 upstream_connections;	/* at once; default
							 * 1024 */
	unsigned		 workers;	/* threads; default 1 */
	struct gw_addr		 well_known_listen;	/* target of onion
						 * port 443; default
						 * 127.0.0.1:8450 if 443 is
						 * in onion_ports, else NONE */

	/* [outbound] */
	struct gw_addr		 connect_listen;	/* default 127.0.0.1:3128 */
	struct gw_addr		 socks_listen;	/* default 127.0.0.1:1080 */
	enum gw_clearnet	 clearnet;	/* default: tor if onion-only,
						 * direct if dual */
	char			*proxy_user;	/* NULL: no proxy auth */
	char			*proxy_password;	/* secret */
	char			*proxy_auth_file;	/* where they came from */
	int			 allow_nonloopback;	/* default no */
	struct gw_addr		 resolver;	/* NONE: /etc/resolv.conf;
						 * clearnet = direct only */

	/* [policy] */
	int			 allow_onion_peers;	/* default yes if onion-only,
							 * no if dual */
	int			 allow_clearnet_peers;	/* default yes (no if
							 * clearnet = deny) */
	char			**allow;	/* patterns, lower-cased: name or
						 * "*.suffix" or "*" */
	size_t			 n_allow;
	char			**deny;
	size_t			 n_deny;
	int			 allow_private_addresses;	/* default no */
	struct gw_rate		 inbound_rate;	/* per origin; 20/s burst 200 */
	struct gw_rate		 outbound_tunnels;	/* per destination;
						 * 10/s burst 50, max 64 */
	struct gw_rate		 new_peer_rate;	/* shared by peers without
						 * history; 2/s burst 20 */
	struct gw_peer_override	*peers;		/* [peer NAME] sections */
	size_t			 n_peers;

	/* [health] */
	unsigned		 probe_interval_ms;	/* 0 = off; default 5 min */
	unsigned		 upload_timeout_ms;	/* default 3 min */

	/* [admin] */
	char			*admin_socket;	/* NULL = none; default
						 * RUNSTATEDIR/onionfed/admin.sock */
	struct gw_addr		 metrics_listen;	/* NONE unless set */
};

/* Flags for gw_config_load*(). */
#define GW_CONF_F_NOFILES	0x01	/* open no file the config names
					 * (password_file, a proxy_auth file,
					 * tls_cert/tls_key): fuzzing, tests */

/* Called once per error with "FILE:LINE: [section] key: reason" (no
 * newline). At most GW_CONF_MAX_ERRORS calls, then one "too many errors". */
typedef void gw_config_error_cb(void *arg, const char *msg);

/*
 * Read and validate the file at 'path'. On success store a new snapshot in
 * *out (caller owns it; free with gw_config_free()) and return 0. Otherwise
 * report every problem through 'cb' (may be NULL), leave *out NULL and
 * return a negative enum gw_config_err. Nothing is applied unless the whole
 * file is valid.
 */
int		 gw_config_load(const char *path, unsigned flags,
		    gw_config_error_cb *cb, void *arg, struct gw_config **out);

/* As gw_config_load() on 'len' bytes at 'buf' (need not be NUL-terminated);
 * 'name' is the file name used in messages. */
int		 gw_config_load_buf(const char *name, const char *buf,
		    size_t len, unsigned flags, gw_config_error_cb *cb,
		    void *arg, struct gw_config **out);

/* Free 'cfg', wiping secrets. NULL is a no-op. */
void		 gw_config_free(struct gw_config *cfg);

/* Print what the daemon would do with 'cfg', a few human lines, no secrets. */
void		 gw_config_summary(const struct gw_config *cfg, FILE *fp);

const char	*gw_config_strerror(int err);

/* Parse one address value (same syntax as the file). 'flags' are GW_ADDR_F_*.
 * Return 0 and fill *out, or -1 and set *why to a static reason. */
#define GW_ADDR_F_UNIX		0x01	/* "unix:/path" allowed */
#define GW_ADDR_F_HOSTNAME	0x02	/* non-numeric host allowed */
#define GW_ADDR_F_NOPORT	0x04	/* port may be omitted (then 0) */
int		 gw_addr_parse(const char *s, unsigned flags,
		    struct gw_addr *out, const char **why);

/* Format 'a' as "host:port", "[v6]:port" or "unix:/path" into 'buf';
 * return buf ("none" for GW_ADDR_NONE). */
const char	*gw_addr_fmt(const struct gw_addr *a, char *buf, size_t bufsz);

/* Return 1 if 'a' is a unix socket or a loopback IP address, else 0. */
int		 gw_addr_is_local(const struct gw_addr *a);

/* Parse a rate ("20/s burst 200", "10/s burst 50, max 64", "none").
 * Return 0 and fill *out, or -1 and set *why to a static reason. */
int		 gw_rate_parse(const char *s, struct gw_rate *out,
		    const char **why);

#endif /* GW_GATEWAYD_GW_CONFIG_H */
