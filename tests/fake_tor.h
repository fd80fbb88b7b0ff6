/*
 * fake_tor.h - a scripted, in-process Tor control port on 127.0.0.1:0 for
 * the faults a real tor can't produce on demand: hang-ups mid-reply,
 * garbage, oversized lines, dripped or stalled replies, a wrong SAFECOOKIE
 * server hash. Everything else is tested against the real tor.
 * Owns: its listener, the one accepted connection, its timers.
 * Never: answers anything that is not in its script.
 */
#ifndef GW_TESTS_FAKE_TOR_H
#define GW_TESTS_FAKE_TOR_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct fake_tor;

enum {
	FT_DRIP		= 1 << 0,	/* send the reply one byte per write */
	FT_HANGUP	= 1 << 1,	/* close the connection after the reply */
	FT_STALL	= 1 << 2,	/* never reply (and keep the socket) */
	FT_UNSOLICITED	= 1 << 3,	/* send on reaching the step, no cmd */
};

struct fake_tor_step {
	const char	*expect;	/* required prefix of the next command */
	const char	*reply;		/* raw bytes sent back, CRLFs included */
	size_t		 reply_len;	/* 0 = strlen(reply) */
	unsigned	 flags;
};

/* Listen on 127.0.0.1:0 and play 'steps' (borrowed) to the first client.
 * Return NULL on failure. */
struct fake_tor	*fake_tor_start(struct event_base *base,
		    const struct fake_tor_step *steps, size_t nsteps);
uint16_t	 fake_tor_port(const struct fake_tor *ft);
/* Write raw bytes to the client now (async 650 events). */
void		 fake_tor_emit(struct fake_tor *ft, const char *raw);
/* Steps not yet played. */
size_t		 fake_tor_steps_left(const struct fake_tor *ft);
/* The first script violation ("expected X, got Y"), or NULL. */
const char	*fake_tor_last_error(const struct fake_tor *ft);
/* Number of command lines received, and line i (NUL-terminated). */
size_t		 fake_tor_nreceived(const struct fake_tor *ft);
const char	*fake_tor_received(const struct fake_tor *ft, size_t i);
/* 1 if some received line starts with 'prefix'. */
int		 fake_tor_saw(const struct fake_tor *ft, const char *prefix);
void		 fake_tor_free(struct fake_tor *ft);

#endif /* GW_TESTS_FAKE_TOR_H */
