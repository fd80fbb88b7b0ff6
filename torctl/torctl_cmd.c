/*
 * torctl_cmd.c - typed command helpers on top of torctl_send(): GETINFO,
 * SETEVENTS, SIGNAL, DEL_ONION, ADD_ONION and its result.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "torctl/torctl_int.h"
#include "torctl/torctl_proto.h"

static int
send_built(struct torctl *tc, int r, char *line, torctl_reply_cb *cb,
    void *arg)
{
	if (r != 0)
		return r;
	return torctl_send_owned(tc, line, cb, arg, 0);
}

int
torctl_getinfo(struct torctl *tc, const char *const *keys, size_t nkeys,
    torctl_reply_cb *cb, void *arg)
{
	char	*line;
	int	 r;

	if (tc->state != TORCTL_ST_READY)
		return TORCTL_ERR_STATE;
	if (nkeys == 0)
		return TORCTL_ERR_INVAL;
	r = torctl_build_words("GETINFO", keys, nkeys, &line);
	return send_built(tc, r, line, cb, arg);
}

int
torctl_setevents(struct torctl *tc, const char *const *events,
    size_t nevents, torctl_reply_cb *cb, void *arg)
{
	char	*line;
	int	 r;

	if (tc->state != TORCTL_ST_READY)
		return TORCTL_ERR_STATE;
	r = torctl_build_words("SETEVENTS", events, nevents, &line);
	return send_built(tc, r, line, cb, arg);
}

int
torctl_signal(struct torctl *tc, const char *name, torctl_reply_cb *cb,
    void *arg)
{
	char	*line;
	int	 r;

	if (tc->state != TORCTL_ST_READY)
		return TORCTL_ERR_STATE;
	r = torctl_build_words("SIGNAL", &name, 1, &line);
	return send_built(tc, r, line, cb, arg);
}

int
torctl_del_onion(struct torctl *tc, const char *service_id,
    torctl_reply_cb *cb, void *arg)
{
	char	*line;
	int	 r;

	if (tc->state != TORCTL_ST_READY)
		return TORCTL_ERR_STATE;
	r = torctl_build_words("DEL_ONION", &service_id, 1, &line);
	return send_built(tc, r, line, cb, arg);
}

int
torctl_add_onion(struct torctl *tc, const struct torctl_onion_spec *spec,
    torctl_reply_cb *cb, void *arg)
{
	char	*line;
	int	 r;

	if (tc->state != TORCTL_ST_READY)
		return TORCTL_ERR_STATE;
	r = torctl_build_add_onion(spec, &line);
	return send_built(tc, r, line, cb, arg);
}
