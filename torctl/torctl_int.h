/*
 * torctl_int.h - internals shared by torctl_conn.c, torctl_auth.c and
 * torctl_cmd.c. Not for use outside torctl/ (tests may include it).
 * Owns: the definition of struct torctl. Never: exported API.
 */
#ifndef GW_TORCTL_TORCTL_INT_H
#define GW_TORCTL_TORCTL_INT_H

#include <sys/queue.h>
#include <stdint.h>
#include <time.h>

#include "torctl/torctl.h"
#include "torctl/torctl_limits.h"

struct bufferevent;
struct event;
struct torctl_parser;

/* One command sent or queued; owned by its torctl's pending queue. */
struct torctl_cmd {
	TAILQ_ENTRY(torctl_cmd)	 entry;
	torctl_reply_cb		*cb;
	void			*arg;
	int			 internal;	/* part of the handshake */
	struct timespec		 deadline;	/* CLOCK_MONOTONIC */
};
TAILQ_HEAD(torctl_cmdq, torctl_cmd);

enum torctl_state {
	TORCTL_ST_IDLE = 0,
	TORCTL_ST_CONNECTING,		/* TCP / unix connect in progress */
	TORCTL_ST_AUTH,			/* PROTOCOLINFO .. GETINFO version */
	TORCTL_ST_READY,
	TORCTL_ST_CLOSING,		/* failed; reap_ev will clean up */
};

/* Owned by the caller of torctl_new(). */
struct torctl {
	struct event_base	*base;		/* borrowed */
	struct bufferevent	*bev;		/* owned, CLOSE_ON_FREE */
	struct torctl_parser	*parser;
	struct event		*timer;		/* connect or head command */
	struct event		*reap_ev;	/* deferred failure handling */
	struct torctl_cmdq	 pending;
	size_t			 npending;
	enum torctl_state	 state;
	enum torctl_state	 failed_in;	/* state when torctl_fail() ran */
	int			 fail_err;

	unsigned		 connect_ms, command_ms;
	enum torctl_auth	 auth, auth_used;
	char			*password;
	char			*cookie_override;
	char			 target[TORCTL_MAX_PATH + 8];

	torctl_ready_cb		*ready_cb;
	void			*ready_arg;
	torctl_event_cb		*event_cb;
	void			*event_arg;
	torctl_closed_cb	*closed_cb;
	void			*closed_arg;

	struct torctl_version	 version;
	int			 have_version;
	char			 errmsg[TORCTL_MAX_ERRMSG];

	/* handshake state (torctl_auth.c) */
	unsigned		 methods;	/* TORCTL_M_* from PROTOCOLINFO */
	char			 cookie_file[TORCTL_MAX_PATH];
	uint8_t			 cookie[TORCTL_COOKIE_LEN];
	uint8_t			 client_nonce[TORCTL_NONCE_LEN];
};

#define TORCTL_M_NULL		0x01
#define TORCTL_M_HASHEDPASSWORD	0x02
#define TORCTL_M_COOKIE		0x04
#define TORCTL_M_SAFECOOKIE	0x08

/* torctl_conn.c */
/* Queue 'line' (takes ownership; freed here) and write it. */
int	torctl_send_owned(struct torctl *tc, char *line, torctl_reply_cb *cb,
	    void *arg, int internal);
/* Mark the connection failed with 'err' (errmsg already set, or set from
 * err); cleanup and callbacks run from a deferred event. */
void	torctl_fail(struct torctl *tc, int err);
/* printf into tc->errmsg. */
void	torctl_seterr(struct torctl *tc, const char *fmt, ...)
	    __attribute__((__format__(printf, 2, 3)));
/* The handshake reached READY: stop the connect timer, tell the caller. */
void	torctl_handshake_done(struct torctl *tc);

/* torctl_auth.c */
/* Start the handshake once connected (sends PROTOCOLINFO 1). */
void	torctl_auth_start(struct torctl *tc);

/* Expose internals to the unit tests (SAFECOOKIE hashes). */
void	torctl_safecookie_hash(int server_to_controller,
	    const uint8_t cookie[32], const uint8_t cnonce[32],
	    const uint8_t snonce[32], uint8_t out[32]);

#endif /* GW_TORCTL_TORCTL_INT_H */
