/*
 * torctl_util.c - small pure pieces of the public API: error texts,
 * authentication method names, tor versions, reconnect backoff.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "torctl/torctl.h"

const char *
torctl_strerror(int err)
{
	switch (err) {
	case TORCTL_OK:			return "success";
	case TORCTL_ERR_NOMEM:		return "out of memory";
	case TORCTL_ERR_PROTO:		return "tor violated the control protocol";
	case TORCTL_ERR_TOOBIG:		return "control-port size limit exceeded";
	case TORCTL_ERR_CLOSED:		return "control connection closed";
	case TORCTL_ERR_TIMEOUT:	return "timed out";
	case TORCTL_ERR_INVAL:		return "invalid argument";
	case TORCTL_ERR_CONNECT:	return "cannot connect to the control port";
	case TORCTL_ERR_AUTH:		return "tor refused authentication";
	case TORCTL_ERR_NOMETHOD:	return "no acceptable authentication method";
	case TORCTL_ERR_COOKIE:		return "cannot use tor's cookie file";
	case TORCTL_ERR_SERVERHASH:	return "SAFECOOKIE server hash mismatch";
	case TORCTL_ERR_VERSION:	return "tor is too old";
	case TORCTL_ERR_REPLY:		return "tor refused the command";
	case TORCTL_ERR_STATE:		return "control connection not ready";
	case TORCTL_ERR_IO:		return "file I/O error";
	case TORCTL_ERR_KEY:		return "malformed onion key";
	case TORCTL_ERR_NOTFOUND:	return "not found";
	}
	return "unknown error";
}

static const char *const auth_names[] = {
	[TORCTL_AUTH_AUTO] = "auto",
	[TORCTL_AUTH_SAFECOOKIE] = "safecookie",
	[TORCTL_AUTH_COOKIE] = "cookie",
	[TORCTL_AUTH_PASSWORD] = "password",
	[TORCTL_AUTH_NONE] = "none",
};

int
torctl_auth_parse(const char *s, enum torctl_auth *out)
{
	size_t	i;

	for (i = 0; i < sizeof(auth_names) / sizeof(auth_names[0]); i++)
		if (s != NULL && strcmp(s, auth_names[i]) == 0) {
			*out = (enum torctl_auth)i;
			return 0;
		}
	return TORCTL_ERR_INVAL;
}

const char *
torctl_auth_name(enum torctl_auth a)
{
	if ((unsigned)a < sizeof(auth_names) / sizeof(auth_names[0]))
		return auth_names[a];
	return "?";
}

/* Read a decimal number of at most 9 digits at *s. */
static int
num(const char **s, int *out)
{
	int	v = 0, n = 0;

	while (**s >= '0' && **s <= '9') {
		if (++n > 9)
			return -1;
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

int
torctl_version_parse(const char *s, struct torctl_version *out)
{
	size_t	n;

	memset(out, 0, sizeof(*out));
	if (s == NULL || num(&s, &out->major) != 0 || *s++ != '.' ||
	    num(&s, &out->minor) != 0 || *s++ != '.' ||
	    num(&s, &out->micro) != 0)
		return TORCTL_ERR_INVAL;
	if (*s == '.') {
		s++;
		if (num(&s, &out->patch) != 0)
			return TORCTL_ERR_INVAL;
	}
	if (*s == '-') {
		s++;
		n = strcspn(s, " ");
		if (n == 0 || n >= sizeof(out->status))
			return TORCTL_ERR_INVAL;
		memcpy(out->status, s, n);
		out->status[n] = '\0';
		s += n;
	}
	if (*s != '\0' && *s != ' ')
		return TORCTL_ERR_INVAL;
	return 0;
}

int
torctl_version_cmp(const struct torctl_version *a,
    const struct torctl_version *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->micro != b->micro)
		return a->micro < b->micro ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return 0;
}

void
torctl_backoff_init(struct torctl_backoff *b, uint32_t base_ms,
    uint32_t cap_ms)
{
	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->cap_ms = cap_ms >= b->base_ms ? cap_ms : b->base_ms;
	b->cur_ms = b->base_ms;
	b->attempts = 0;
}

uint32_t
torctl_backoff_next(struct torctl_backoff *b, uint32_t rnd)
{
	uint32_t	cur = b->cur_ms, half = cur / 2, d;

	/* "Equal jitter": half fixed, half random, so attempts from many
	 * clients spread out but never collapse to zero. */
	d = half + (uint32_t)(rnd % ((uint64_t)(cur - half) + 1));
	if (b->cur_ms > b->cap_ms / 2)
		b->cur_ms = b->cap_ms;
	else
		b->cur_ms *= 2;
	b->attempts++;
	return d;
}

void
torctl_backoff_reset(struct torctl_backoff *b)
{
	b->cur_ms = b->base_ms;
	b->attempts = 0;
}
