/*
 * torctl.h - asynchronous client for the Tor control port (control-spec).
 * Owns: one control connection, its parser, its queue of pending commands,
 * the authentication handshake and the tor version it learned.
 * Never: logs, exits, reads gatewayd config, or blocks (except reading the
 * 32-byte cookie file during authentication).
 */
#ifndef GW_TORCTL_TORCTL_H
#define GW_TORCTL_TORCTL_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct torctl;				/* opaque */
struct torctl_reply;			/* opaque; valid only inside a callback */

enum torctl_err {
	TORCTL_OK		=  0,
	TORCTL_ERR_NOMEM	= -1,
	TORCTL_ERR_PROTO	= -2,	/* tor violated control-spec */
	TORCTL_ERR_TOOBIG	= -3,	/* a limit in torctl_limits.h was hit */
	TORCTL_ERR_CLOSED	= -4,	/* connection closed before the reply */
	TORCTL_ERR_TIMEOUT	= -5,	/* connect or command timed out */
	TORCTL_ERR_INVAL	= -6,	/* bad argument (CR/LF in a value, ...) */
	TORCTL_ERR_CONNECT	= -7,	/* could not connect to the control port */
	TORCTL_ERR_AUTH		= -8,	/* tor refused our credentials */
	TORCTL_ERR_NOMETHOD	= -9,	/* no acceptable authentication method */
	TORCTL_ERR_COOKIE	= -10,	/* cookie file unreadable or malformed */
	TORCTL_ERR_SERVERHASH	= -11,	/* SAFECOOKIE server hash wrong: not tor */
	TORCTL_ERR_VERSION	= -12,	/* tor is older than TORCTL_MIN_VERSION */
	TORCTL_ERR_REPLY	= -13,	/* tor answered 4xx/5xx (see the reply) */
	TORCTL_ERR_STATE	= -14,	/* not connected / not authenticated yet */
	TORCTL_ERR_IO		= -15,	/* file I/O failed (errno is kept) */
	TORCTL_ERR_KEY		= -16,	/* malformed onion key file or blob */
	TORCTL_ERR_NOTFOUND	= -17,	/* keyword or key absent */
};

/* Return a static English text for an enum torctl_err (or "unknown"). */
const char	*torctl_strerror(int err);

/* ---- configuration --------------------------------------------------- */

enum torctl_auth {
	TORCTL_AUTH_AUTO = 0,		/* best tor offers: safecookie, cookie,
					 * password (if one is set), none */
	TORCTL_AUTH_SAFECOOKIE,
	TORCTL_AUTH_COOKIE,
	TORCTL_AUTH_PASSWORD,
	TORCTL_AUTH_NONE,
};

/* Parse "auto|safecookie|cookie|password|none" into *out. Return 0, or
 * TORCTL_ERR_INVAL. */
int		 torctl_auth_parse(const char *s, enum torctl_auth *out);
const char	*torctl_auth_name(enum torctl_auth a);

/* Tor version as in "0.4.9.11" or "0.4.9.2-alpha (git-...)". */
struct torctl_version {
	int	major, minor, micro, patch;
	char	status[32];		/* "alpha", "rc", "" */
};

/* Oldest tor we accept: ADD_ONION with ED25519-V3 keys (0.3.5). */
#define TORCTL_MIN_VERSION_STR	"0.3.5.0"
/* First tor that accepts the PoW* ADD_ONION keywords. */
#define TORCTL_POW_VERSION_STR	"0.4.9.2"

/* Parse a tor version string into *out. Return 0 or TORCTL_ERR_INVAL. */
int		 torctl_version_parse(const char *s, struct torctl_version *out);
/* Compare two versions by number (status ignored): <0, 0, >0. */
int		 torctl_version_cmp(const struct torctl_version *a,
		    const struct torctl_version *b);

/* ---- callbacks ------------------------------------------------------- */

/*
 * Called exactly once per command: err is 0 with a 2xx reply,
 * TORCTL_ERR_REPLY with a 4xx/5xx reply (r holds it), or another negative
 * enum torctl_err with r NULL. 'r' is borrowed and only valid during the call.
 */
typedef void torctl_reply_cb(struct torctl *, int err,
    const struct torctl_reply *r, void *arg);

/* Called once when torctl_connect() finishes: err 0 = connected,
 * authenticated and version checked; otherwise the connection is closed
 * again and torctl_last_error() says why. */
typedef void torctl_ready_cb(struct torctl *, int err, void *arg);

/* Called for every complete asynchronous (6xx) reply. */
typedef void torctl_event_cb(struct torctl *, const struct torctl_reply *r,
    void *arg);

/* Called once when an established (ready) connection is lost or violates
 * the protocol, after every pending command failed. Not called for
 * torctl_close() or torctl_free(). torctl_connect() may be called from it. */
typedef void torctl_closed_cb(struct torctl *, int err, void *arg);

/* ---- life cycle ------------------------------------------------------ */

/* Create a client on 'base' (borrowed; must outlive the client).
 * Return NULL only if memory is exhausted. */
struct torctl	*torctl_new(struct event_base *base);

/* Free 'tc'; pending callbacks run once with TORCTL_ERR_CLOSED. NULL is a
 * no-op. Must not be called from inside a torctl callback. */
void		 torctl_free(struct torctl *tc);

/* Settings; take effect at the next torctl_connect(). Timeouts in
 * milliseconds, 0 = the default from torctl_limits.h. */
void		 torctl_set_timeouts(struct torctl *tc, unsigned connect_ms,
		    unsigned command_ms);
void		 torctl_set_auth(struct torctl *tc, enum torctl_auth a);
/* Copy 'pw' (NULL clears). Return 0, or TORCTL_ERR_INVAL / _NOMEM. */
int		 torctl_set_password(struct torctl *tc, const char *pw);
/* Use 'path' instead of PROTOCOLINFO's COOKIEFILE (NULL clears). */
int		 torctl_set_cookie_path(struct torctl *tc, const char *path);
void		 torctl_set_event_cb(struct torctl *tc, torctl_event_cb *cb,
		    void *arg);
void		 torctl_set_closed_cb(struct torctl *tc, torctl_closed_cb *cb,
		    void *arg);

/*
 * Connect to 'target' ("unix:/run/tor/control", "127.0.0.1:9051",
 * "[::1]:9051"), send PROTOCOLINFO, authenticate, check GETINFO version, then
 * call 'cb' exactly once. Return 0, or a negative enum torctl_err if the
 * attempt could not start (cb is then never called). Only one connection at
 * a time: TORCTL_ERR_STATE if one is open or opening.
 */
int		 torctl_connect(struct torctl *tc, const char *target,
		    torctl_ready_cb *cb, void *arg);

/* Close the connection; pending callbacks run once with TORCTL_ERR_CLOSED;
 * no closed_cb; a connect in progress gets ready_cb(TORCTL_ERR_CLOSED).
 * May be called from any torctl callback. The client can connect again. */
void		 torctl_close(struct torctl *tc);

/* 1 once authenticated and version-checked and not closed, else 0. */
int		 torctl_is_ready(const struct torctl *tc);

/* A human-readable explanation of the last failure (never NULL; "" when
 * none): names the cookie file, our user and the group to join, tor's
 * own refusal text, etc. Valid until the next call into 'tc'. */
const char	*torctl_last_error(const struct torctl *tc);

/* Tor's version, known once ready. Return 0 or TORCTL_ERR_STATE. */
int		 torctl_tor_version(const struct torctl *tc,
		    struct torctl_version *out);
/* 1 if the connected tor is at least 'min' ("0.4.9.2"), else 0. */
int		 torctl_tor_at_least(const struct torctl *tc, const char *min);
/* The authentication method that was used (valid once ready). */
enum torctl_auth torctl_auth_used(const struct torctl *tc);

/* ---- commands -------------------------------------------------------- */

/* Send 'line' (no CRLF; copied) and call 'cb' exactly once with the reply or
 * a negative enum torctl_err. Return 0, or a negative enum torctl_err if the
 * command could not be queued (CR, LF or NUL in it: TORCTL_ERR_INVAL; longer
 * than TORCTL_MAX_CMD: TORCTL_ERR_TOOBIG; not ready: TORCTL_ERR_STATE), in
 * which case 'cb' is never called. Commands may be pipelined; replies are
 * matched in order. 'cb' may be NULL. */
int		 torctl_send(struct torctl *tc, const char *line,
		    torctl_reply_cb *cb, void *arg);

/* GETINFO key... ; read the values with torctl_reply_get(). */
int		 torctl_getinfo(struct torctl *tc, const char *const *keys,
		    size_t nkeys, torctl_reply_cb *cb, void *arg);
/* SETEVENTS ev... (nevents 0 clears the subscription). */
int		 torctl_setevents(struct torctl *tc, const char *const *events,
		    size_t nevents, torctl_reply_cb *cb, void *arg);
/* SIGNAL name ("NEWNYM", "HUP", ...). */
int		 torctl_signal(struct torctl *tc, const char *name,
		    torctl_reply_cb *cb, void *arg);
/* DEL_ONION service_id (56 base32 characters, no ".onion"). */
int		 torctl_del_onion(struct torctl *tc, const char *service_id,
		    torctl_reply_cb *cb, void *arg);

#define TORCTL_MAX_ONION_PORTS	8
#define TORCTL_MAX_CLIENT_AUTH	16

struct torctl_onion_port {
	uint16_t	 virt;		/* virtual port, 1..65535 */
	const char	*target;	/* "127.0.0.1:8449", "unix:/path" or
					 * NULL (= same port on localhost) */
};

/* What ADD_ONION should create. Strings are borrowed for the call only. */
struct torctl_onion_spec {
	const char	*key;		/* "NEW:ED25519-V3" (NULL = that) or
					 * "ED25519-V3:<base64>" */
	struct torctl_onion_port ports[TORCTL_MAX_ONION_PORTS];
	size_t		 nports;	/* at least 1 */
	const char	*flags;		/* "DiscardPK,Detach" or NULL */
	unsigned	 max_streams;	/* 0 = no MaxStreams keyword */
	const char	*client_auth_v3[TORCTL_MAX_CLIENT_AUTH];
	size_t		 nclient_auth;	/* base32 x25519 public keys; adds
					 * the V3Auth flag tor requires */
	int		 pow;		/* 1: PoWDefensesEnabled=1 (+ below) */
	unsigned	 pow_queue_rate;  /* 0 = tor's default */
	unsigned	 pow_queue_burst; /* 0 = tor's default */
	const char	*extra;		/* more keywords, "K=V K2=V2", or NULL */
};

/* ADD_ONION from 'spec'. Read the result with torctl_onion_result(). */
int		 torctl_add_onion(struct torctl *tc,
		    const struct torctl_onion_spec *spec, torctl_reply_cb *cb,
		    void *arg);

struct torctl_onion_result {
	char	service_id[64];		/* 56 chars, no ".onion" */
	char	private_key[160];	/* "ED25519-V3:..." if tor made one */
};

/* Fill *out from an ADD_ONION reply. Return 0 or TORCTL_ERR_PROTO. The
 * caller should explicit_bzero() out->private_key when done. */
int		 torctl_onion_result(const struct torctl_reply *r,
		    struct torctl_onion_result *out);

/* ---- replies --------------------------------------------------------- */

/* Status code of the reply (250, 552, 650, ...). */
int		 torctl_reply_status(const struct torctl_reply *r);
/* Number of lines (mid, data and end lines). */
size_t		 torctl_reply_nlines(const struct torctl_reply *r);
/* Text of line i after "NNN-" / "NNN+" / "NNN " (NUL-terminated, *lenp
 * set if non-NULL), or NULL if i is out of range. */
const char	*torctl_reply_line(const struct torctl_reply *r, size_t i,
		    size_t *lenp);
/* For a "NNN+" line: its data block with dot-stuffing removed, lines joined
 * by "\n" (no trailing newline). NULL for other lines. */
const char	*torctl_reply_data(const struct torctl_reply *r, size_t i,
		    size_t *lenp);
/* Find "key=value" among the lines (GETINFO style: the value runs to the
 * end of the line; for a data line it is the data block). Store a borrowed
 * pointer in *val. Return 0 or TORCTL_ERR_NOTFOUND. */
int		 torctl_reply_get(const struct torctl_reply *r,
		    const char *key, const char **val, size_t *lenp);

/* ---- events ---------------------------------------------------------- */

enum torctl_event_type {
	TORCTL_EV_OTHER = 0,
	TORCTL_EV_HS_DESC,
	TORCTL_EV_STATUS_CLIENT,
	TORCTL_EV_STATUS_GENERAL,
	TORCTL_EV_STATUS_SERVER,
	TORCTL_EV_NETWORK_LIVENESS,
	TORCTL_EV_CIRC,
	TORCTL_EV_STREAM,
};

/* Fields are NUL-terminated, unquoted, "" when absent; values longer than
 * their array make the parse fail with TORCTL_ERR_TOOBIG. */
struct torctl_ev_hs_desc {
	char	action[16];		/* CREATED UPLOAD UPLOADED FAILED ... */
	char	address[64];		/* service id or "UNKNOWN" */
	char	auth_type[16];
	char	hsdir[128];		/* "$FP~nick", "$FP" or "UNKNOWN" */
	char	descid[64];
	char	reason[32];		/* with FAILED */
};

struct torctl_ev_status {		/* STATUS_CLIENT/GENERAL/SERVER */
	char	severity[8];		/* NOTICE WARN ERR */
	char	action[48];		/* BOOTSTRAP, CIRCUIT_ESTABLISHED, ... */
	int	progress;		/* BOOTSTRAP PROGRESS=, else -1 */
	char	tag[48];		/* BOOTSTRAP TAG= */
	char	summary[256];		/* SUMMARY= */
	char	warning[256];		/* WARNING= */
	char	reason[64];		/* REASON= */
	char	args[1024];		/* raw arguments after the action */
};

struct torctl_ev_circ {
	uint64_t id;
	char	status[16];		/* LAUNCHED BUILT EXTENDED FAILED CLOSED */
	char	path[1024];
	char	build_flags[96];
	char	purpose[48];
	char	hs_state[48];
	char	rend_query[64];
	char	reason[48];
	char	remote_reason[48];
	char	socks_username[512];
	char	socks_password[512];
};

struct torctl_ev_stream {
	uint64_t id;
	char	status[16];		/* NEW SENTCONNECT SUCCEEDED FAILED ... */
	uint64_t circ_id;		/* 0 = not attached */
	char	target[320];		/* host:port */
	char	reason[48];
	char	remote_reason[48];
	char	source_addr[96];
	char	purpose[48];
	char	socks_username[512];
	char	socks_password[512];
	char	client_protocol[24];
	char	iso_fields[160];
};

struct torctl_event {
	enum torctl_event_type type;
	char	name[32];		/* the event keyword as sent */
	union {
		struct torctl_ev_hs_desc	hs_desc;
		struct torctl_ev_status		status;
		int				network_up; /* LIVENESS */
		struct torctl_ev_circ		circ;
		struct torctl_ev_stream		stream;
	} u;
};

/* Parse a 650 reply into *ev. Unknown events give TORCTL_EV_OTHER with
 * 'name' set. Return 0, TORCTL_ERR_PROTO or TORCTL_ERR_TOOBIG. */
int		 torctl_event_parse(const struct torctl_reply *r,
		    struct torctl_event *ev);
/* Same, from one event line's text ("HS_DESC UPLOADED ..."); pure. */
int		 torctl_event_parse_line(const char *line, size_t len,
		    struct torctl_event *ev);

/* ---- reconnect backoff (the caller drives its own timer) -------------- */

struct torctl_backoff {
	uint32_t	base_ms;	/* first delay */
	uint32_t	cap_ms;		/* never wait longer */
	uint32_t	cur_ms;		/* next un-jittered delay */
	unsigned	attempts;
};

/* Start at base_ms (> 0), double per attempt, cap at cap_ms. */
void		 torctl_backoff_init(struct torctl_backoff *b,
		    uint32_t base_ms, uint32_t cap_ms);
/* Return the delay before the next attempt, in [cur/2, cur] picked by 'rnd'
 * (any random 32-bit number; tests pass fixed ones), and advance. */
uint32_t	 torctl_backoff_next(struct torctl_backoff *b, uint32_t rnd);
/* Forget the failures (call after a successful connect). */
void		 torctl_backoff_reset(struct torctl_backoff *b);

#endif /* GW_TORCTL_TORCTL_H */
