/*
 * gw_tunnel.h - a byte pipe between two connected sockets: splice(2)
 * through a kernel pipe per direction (read/write fallback), backpressure,
 * half-close, idle timeout.
 * Owns: both sockets once created, their events, pipes and buffers.
 * Never: parses the bytes, logs, or frees itself (its owner does, from
 * outside the done callback).
 */
#ifndef GW_GATEWAYD_GW_TUNNEL_H
#define GW_GATEWAYD_GW_TUNNEL_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct gw_tunnel;			/* opaque */

enum gw_tunnel_end {
	GW_TUNNEL_END_CLOSED	= 0,	/* both sides sent EOF; all copied */
	GW_TUNNEL_END_IDLE	= 1,	/* idle timeout */
	GW_TUNNEL_END_RESET	= 2,	/* a socket error (reset, EPIPE) */
	GW_TUNNEL_END_NOMEM	= 3,	/* no pipe or buffer could be made */
	GW_TUNNEL_END_SHUTDOWN	= 4,	/* freed by its owner */
};

/* Called once when the tunnel has ended, sockets already closed. 'up' is
 * the bytes copied a->b, 'down' b->a. Do not free the tunnel here; queue
 * it and free it later. */
typedef void gw_tunnel_done_cb(struct gw_tunnel *, int end, uint64_t up,
    uint64_t down, void *arg);

/* Start copying between connected non-blocking sockets fd_a and fd_b
 * (takes ownership of both; they are closed on failure too). Before reading
 * from a side, 'pre_ab' (len_ab bytes; copied) is written to b and
 * 'pre_ba' to a. idle_ms == 0 means no idle timeout. Return the tunnel,
 * or NULL if memory is exhausted (both sockets closed, cb never called). */
struct gw_tunnel *gw_tunnel_new(struct event_base *base, int fd_a, int fd_b,
		    const void *pre_ab, size_t len_ab, const void *pre_ba,
		    size_t len_ba, unsigned idle_ms, gw_tunnel_done_cb *cb,
		    void *arg);

/* 1 if the last bytes moved went a -> b (a client's request went out and
 * no answer has come back since): the tunnel is busy for a drain. */
int		 gw_tunnel_awaiting(const struct gw_tunnel *t);

/* Free 't', closing what is still open; cb is not called. NULL is a
 * no-op. */
void		 gw_tunnel_free(struct gw_tunnel *t);

/* Use splice(2) (1, default where available) or read/write (0) for
 * tunnels created afterwards: for tests and benchmarks. */
void		 gw_tunnel_set_splice(int on);

#endif /* GW_GATEWAYD_GW_TUNNEL_H */
