/*
 * torctl_events.c - parse the asynchronous events the gateway uses
 * (control-spec 4.1: CIRC, STREAM, STATUS_*, HS_DESC, NETWORK_LIVENESS)
 * into fixed-size structs. Pure: no I/O, no libevent.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "torctl/torctl_proto.h"

#define EV_MAX_POS	8		/* positional arguments we look at */

struct span {
	const char	*s;
	size_t		 n;
};

/* Split the leading positional words (tokens without '=' value, plus
 * anything that looks like a path or "$FP=nick") of [s, end). Return the
 * number found and set *rest to where keywords start. */
static int
positionals(const char *s, const char *end, struct span *pos, int maxpos,
    int npos_wanted, const char **rest)
{
	struct torctl_tok	 t;
	const char		*p = s, *start;
	int			 n = 0, r;

	while (n < maxpos && n < npos_wanted) {
		while (p < end && *p == ' ')
			p++;
		start = p;
		if ((r = torctl_tok_next(&p, end, &t)) < 0)
			return r;
		if (r == 0)
			break;
		if (t.val != NULL && t.key[0] != '$' && !t.quoted) {
			/* A keyword: positionals are over. */
			p = start;
			break;
		}
		if (t.val != NULL && t.quoted)	{
			p = start;
			break;
		}
		pos[n].s = start;
		pos[n].n = (size_t)(p - start);
		n++;
	}
	*rest = p;
	return n;
}

static int
copy_span(char *dst, size_t dstlen, const struct span *sp)
{
	if (sp->n + 1 > dstlen)
		return TORCTL_ERR_TOOBIG;
	memcpy(dst, sp->s, sp->n);
	dst[sp->n] = '\0';
	return 0;
}

/* Copy keyword 'key' from [s, end) into dst; absent leaves "". */
static int
copy_kw(const char *s, const char *end, const char *key, char *dst,
    size_t dstlen)
{
	int	r;

	r = torctl_kv_get(s, (size_t)(end - s), key, dst, dstlen);
	if (r == TORCTL_ERR_NOTFOUND) {
		dst[0] = '\0';
		return 0;
	}
	return r < 0 ? r : 0;
}

static int
parse_u64(const struct span *sp, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (sp->n == 0 || sp->n > 19)
		return TORCTL_ERR_PROTO;
	for (i = 0; i < sp->n; i++) {
		if (sp->s[i] < '0' || sp->s[i] > '9')
			return TORCTL_ERR_PROTO;
		v = v * 10 + (uint64_t)(sp->s[i] - '0');
	}
	*out = v;
	return 0;
}

#define TRY(x)	do { if ((r = (x)) < 0) return r; } while (0)

static int
parse_hs_desc(const char *s, const char *end, struct torctl_ev_hs_desc *h)
{
	struct span	 pos[EV_MAX_POS];
	const char	*rest;
	int		 n, r;

	TRY(n = positionals(s, end, pos, EV_MAX_POS, 5, &rest));
	if (n < 4)
		return TORCTL_ERR_PROTO;
	TRY(copy_span(h->action, sizeof(h->action), &pos[0]));
	TRY(copy_span(h->address, sizeof(h->address), &pos[1]));
	TRY(copy_span(h->auth_type, sizeof(h->auth_type), &pos[2]));
	TRY(copy_span(h->hsdir, sizeof(h->hsdir), &pos[3]));
	if (n >= 5)
		TRY(copy_span(h->descid, sizeof(h->descid), &pos[4]));
	TRY(copy_kw(rest, end, "REASON", h->reason, sizeof(h->reason)));
	return 0;
}

static int
parse_status(const char *s, const char *end, struct torctl_ev_status *st)
{
	struct span	 pos[EV_MAX_POS];
	const char	*rest;
	char		 num[16];
	int		 n, r;
	size_t		 alen;

	TRY(n = positionals(s, end, pos, EV_MAX_POS, 2, &rest));
	if (n < 2)
		return TORCTL_ERR_PROTO;
	TRY(copy_span(st->severity, sizeof(st->severity), &pos[0]));
	TRY(copy_span(st->action, sizeof(st->action), &pos[1]));
	while (rest < end && *rest == ' ')
		rest++;
	alen = (size_t)(end - rest);
	if (alen + 1 > sizeof(st->args))
		return TORCTL_ERR_TOOBIG;
	memcpy(st->args, rest, alen);
	st->args[alen] = '\0';
	st->progress = -1;
	r = torctl_kv_get(rest, alen, "PROGRESS", num, sizeof(num));
	if (r > 0) {
		char	*ep;
		long	 v = strtol(num, &ep, 10);

		if (*ep != '\0' || v < 0 || v > 100)
			return TORCTL_ERR_PROTO;
		st->progress = (int)v;
	} else if (r != TORCTL_ERR_NOTFOUND)
		return r < 0 ? r : TORCTL_ERR_PROTO;
	TRY(copy_kw(rest, end, "TAG", st->tag, sizeof(st->tag)));
	TRY(copy_kw(rest, end, "SUMMARY", st->summary, sizeof(st->summary)));
	TRY(copy_kw(rest, end, "WARNING", st->warning, sizeof(st->warning)));
	TRY(copy_kw(rest, end, "REASON", st->reason, sizeof(st->reason)));
	return 0;
}

static int
parse_circ(const char *s, const char *end, struct torctl_ev_circ *c)
{
	struct span	 pos[EV_MAX_POS];
	const char	*rest;
	int		 n, r;

	TRY(n = positionals(s, end, pos, EV_MAX_POS, 3, &rest));
	if (n < 2)
		return TORCTL_ERR_PROTO;
	TRY(parse_u64(&pos[0], &c->id));
	TRY(copy_span(c->status, sizeof(c->status), &pos[1]));
	if (n >= 3)
		TRY(copy_span(c->path, sizeof(c->path), &pos[2]));
	TRY(copy_kw(rest, end, "BUILD_FLAGS", c->build_flags,
	    sizeof(c->build_flags)));
	TRY(copy_kw(rest, end, "PURPOSE", c->purpose, sizeof(c->purpose)));
	TRY(copy_kw(rest, end, "HS_STATE", c->hs_state, sizeof(c->hs_state)));
	TRY(copy_kw(rest, end, "REND_QUERY", c->rend_query,
	    sizeof(c->rend_query)));
	TRY(copy_kw(rest, end, "REASON", c->reason, sizeof(c->reason)));
	TRY(copy_kw(rest, end, "REMOTE_REASON", c->remote_reason,
	    sizeof(c->remote_reason)));
	TRY(copy_kw(rest, end, "SOCKS_USERNAME", c->socks_username,
	    sizeof(c->socks_username)));
	TRY(copy_kw(rest, end, "SOCKS_PASSWORD", c->socks_password,
	    sizeof(c->socks_password)));
	return 0;
}

static int
parse_stream(const char *s, const char *end, struct torctl_ev_stream *st)
{
	struct span	 pos[EV_MAX_POS];
	const char	*rest;
	int		 n, r;

	TRY(n = positionals(s, end, pos, EV_MAX_POS, 4, &rest));
	if (n < 4)
		return TORCTL_ERR_PROTO;
	TRY(parse_u64(&pos[0], &st->id));
	TRY(copy_span(st->status, sizeof(st->status), &pos[1]));
	TRY(parse_u64(&pos[2], &st->circ_id));
	TRY(copy_span(st->target, sizeof(st->target), &pos[3]));
	TRY(copy_kw(rest, end, "REASON", st->reason, sizeof(st->reason)));
	TRY(copy_kw(rest, end, "REMOTE_REASON", st->remote_reason,
	    sizeof(st->remote_reason)));
	TRY(copy_kw(rest, end, "SOURCE_ADDR", st->source_addr,
	    sizeof(st->source_addr)));
	TRY(copy_kw(rest, end, "PURPOSE", st->purpose, sizeof(st->purpose)));
	TRY(copy_kw(rest, end, "SOCKS_USERNAME", st->socks_username,
	    sizeof(st->socks_username)));
	TRY(copy_kw(rest, end, "SOCKS_PASSWORD", st->socks_password,
	    sizeof(st->socks_password)));
	TRY(copy_kw(rest, end, "CLIENT_PROTOCOL", st->client_protocol,
	    sizeof(st->client_protocol)));
	TRY(copy_kw(rest, end, "ISO_FIELDS", st->iso_fields,
	    sizeof(st->iso_fields)));
	return 0;
}

static const struct {
	const char		*name;
	enum torctl_event_type	 type;
} ev_names[] = {
	{ "HS_DESC",		TORCTL_EV_HS_DESC },
	{ "STATUS_CLIENT",	TORCTL_EV_STATUS_CLIENT },
	{ "STATUS_GENERAL",	TORCTL_EV_STATUS_GENERAL },
	{ "STATUS_SERVER",	TORCTL_EV_STATUS_SERVER },
	{ "NETWORK_LIVENESS",	TORCTL_EV_NETWORK_LIVENESS },
	{ "CIRC",		TORCTL_EV_CIRC },
	{ "STREAM",		TORCTL_EV_STREAM },
};

int
torctl_event_parse_line(const char *line, size_t len,
    struct torctl_event *ev)
{
	const char	*end = line + len, *p = line;
	size_t		 n, i;

	memset(ev, 0, sizeof(*ev));
	n = 0;
	while (p < end && *p != ' ')
		p++;
	n = (size_t)(p - line);
	if (n == 0)
		return TORCTL_ERR_PROTO;
	if (n + 1 > sizeof(ev->name))
		return TORCTL_ERR_TOOBIG;
	memcpy(ev->name, line, n);
	ev->name[n] = '\0';
	if (memchr(line, '\0', len) != NULL)
		return TORCTL_ERR_PROTO;
	ev->type = TORCTL_EV_OTHER;
	for (i = 0; i < sizeof(ev_names) / sizeof(ev_names[0]); i++)
		if (strcmp(ev->name, ev_names[i].name) == 0)
			ev->type = ev_names[i].type;
	switch (ev->type) {
	case TORCTL_EV_HS_DESC:
		return parse_hs_desc(p, end, &ev->u.hs_desc);
	case TORCTL_EV_STATUS_CLIENT:
	case TORCTL_EV_STATUS_GENERAL:
	case TORCTL_EV_STATUS_SERVER:
		return parse_status(p, end, &ev->u.status);
	case TORCTL_EV_NETWORK_LIVENESS:
		while (p < end && *p == ' ')
			p++;
		if ((size_t)(end - p) >= 2 && memcmp(p, "UP", 2) == 0 &&
		    (end - p == 2 || p[2] == ' '))
			ev->u.network_up = 1;
		else if ((size_t)(end - p) >= 4 && memcmp(p, "DOWN", 4) == 0 &&
		    (end - p == 4 || p[4] == ' '))
			ev->u.network_up = 0;
		else
			return TORCTL_ERR_PROTO;
		return 0;
	case TORCTL_EV_CIRC:
		return parse_circ(p, end, &ev->u.circ);
	case TORCTL_EV_STREAM:
		return parse_stream(p, end, &ev->u.stream);
	case TORCTL_EV_OTHER:
		break;
	}
	return 0;
}

int
torctl_event_parse(const struct torctl_reply *r, struct torctl_event *ev)
{
	const char	*line;
	size_t		 len;

	memset(ev, 0, sizeof(*ev));
	if (torctl_reply_status(r) / 100 != 6 ||
	    (line = torctl_reply_line(r, 0, &len)) == NULL)
		return TORCTL_ERR_PROTO;
	return torctl_event_parse_line(line, len, ev);
}
