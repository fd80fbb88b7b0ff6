/*
 * gw_http_proto.c - pure HTTP/1.1 head and chunked-framing parsers.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "gatewayd/gw_http_proto.h"

static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int
ieq(const char *a, size_t alen, const char *b)
{
	size_t	i, blen = strlen(b);

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return 0;
	return 1;
}

ssize_t
gw_http_head_scan(struct gw_http_scan *sc, const char *buf, size_t len,
    size_t max_head, size_t max_line0)
{
	size_t	i;

	for (i = sc->pos; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\0')
			return GW_HTTP_ERR_BAD;
		if (c != '\n')
			continue;
		if (i == 0 || buf[i - 1] != '\r')
			return GW_HTTP_ERR_BAD;		/* bare LF */
		if (!sc->line0_done) {
			sc->line0_done = 1;
			if (i + 1 > max_line0 + 2)
				return GW_HTTP_ERR_TARGET;
		}
		if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r') {
			if (i + 1 > max_head)
				return GW_HTTP_ERR_TOOBIG;
			sc->pos = i + 1;
			return (ssize_t)(i + 1);
		}
	}
	sc->pos = len;
	if (!sc->line0_done && len > max_line0 + 2)
		return GW_HTTP_ERR_TARGET;
	if (len >= max_head)
		return GW_HTTP_ERR_TOOBIG;
	return 0;
}

/* Parse a decimal Content-Length value; -1 if invalid. */
static int64_t
parse_len(const char *s, size_t n)
{
	int64_t	v = 0;
	size_t	i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static const char *const hop_names[] = {
	"connection", "keep-alive", "proxy-connection", "te", "trailer",
	"upgrade", "proxy-authorization", "proxy-authenticate",
};

/* Walk the comma-separated tokens of a Connection value. */
static int
connection_tokens(struct gw_http_head *h, const char *buf,
    const struct gw_http_hdr *f)
{
	const char	*p = buf + f->val_off, *end = p + f->val_len, *t;
	size_t		 j;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		t = p;
		while (p < end && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if (p == t)
			break;
		if (ieq(t, (size_t)(p - t), "close"))
			h->conn_close = 1;
		else if (ieq(t, (size_t)(p - t), "keep-alive"))
			h->conn_keepalive = 1;
		else {
			/* a header named here is hop-by-hop for this hop */
			for (j = 0; j < h->nhdrs; j++)
				if (h->hdrs[j].name_len == (size_t)(p - t) &&
				    strncasecmp(buf + h->hdrs[j].name_off, t,
				    (size_t)(p - t)) == 0)
					h->hop |= (uint64_t)1 << j;
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p != ',')
			return GW_HTTP_ERR_BAD;
	}
	return 0;
}

static int
parse_version(const char *p, size_t n, int *minor)
{
	if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.')
		return GW_HTTP_ERR_BAD;
	if (p[5] < '0' || p[5] > '9' || p[7] < '0' || p[7] > '9')
		return GW_HTTP_ERR_BAD;
	if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
		return GW_HTTP_ERR_VERSION;
	*minor = p[7] - '0';
	return 0;
}

static int
parse_request_line(const char *buf, size_t n, size_t max_target,
    struct gw_http_head *h)
{
	size_t	i = 0, t0;

	while (i < n && is_tchar((unsigned char)buf[i]))
		i++;
	if (i == 0 || i >= n || buf[i] != ' ')
		return GW_HTTP_ERR_BAD;
	h->method_off = 0;
	h->method_len = (uint16_t)i;
	t0 = ++i;
	while (i < n && buf[i] != ' ') {
		unsigned char c = (unsigned char)buf[i];

		if (c <= 0x20 || c >= 0x7f)
			return GW_HTTP_ERR_BAD;
		i++;
	}
	if (i == t0 || i >= n)
		return GW_HTTP_ERR_BAD;
	if (i - t0 > max_target)
		return GW_HTTP_ERR_TARGET;
	/* origin-form only (and "*" for OPTIONS): we are not a forward proxy */
	if (buf[t0] != '/' && !(i - t0 == 1 && buf[t0] == '*'))
		return GW_HTTP_ERR_BAD;
	h->target_off = (uint16_t)t0;
	h->target_len = (uint16_t)(i - t0);
	i++;
	return parse_version(buf + i, n - i, &h->minor);
}

static int
parse_status_line(const char *buf, size_t n, struct gw_http_head *h)
{
	size_t	i;
	int	r;

	if (n < 12 || buf[8] != ' ')
		return GW_HTTP_ERR_BAD;
	if ((r = parse_version(buf, 8, &h->minor)) != 0)
		return r;
	h->status = 0;
	for (i = 9; i < 12; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return GW_HTTP_ERR_BAD;
		h->status = h->status * 10 + (buf[i] - '0');
	}
	if (h->status < 100 || (n > 12 && buf[12] != ' '))
		return GW_HTTP_ERR_BAD;
	for (i = 12; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return GW_HTTP_ERR_BAD;
	}
	return 0;
}

int
gw_http_head_parse(enum gw_http_kind kind, const char *buf, size_t len,
    size_t max_target, struct gw_http_head *h)
{
	const char		*p, *end, *eol, *colon, *v, *ve;
	struct gw_http_hdr	*f;
	size_t			 j, nhost = 0;
	int64_t			 cl;
	int			 r, te = 0;

	if (len < 4 || len > UINT16_MAX || memcmp(buf + len - 4, "\r\n\r\n", 4))
		return GW_HTTP_ERR_BAD;
	memset(h, 0, offsetof(struct gw_http_head, hdrs));
	h->kind = kind;
	h->content_length = -1;
	end = buf + len - 2;		/* the final empty line */
	if ((eol = memchr(buf, '\r', len)) == NULL)
		return GW_HTTP_ERR_BAD;
	if (kind == GW_HTTP_REQUEST)
		r = parse_request_line(buf, (size_t)(eol - buf), max_target, h);
	else
		r = parse_status_line(buf, (size_t)(eol - buf), h);
	if (r != 0)
		return r;
	for (p = eol + 2; p < end; p = eol + 2) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (eol == NULL || eol[1] != '\n')
			return GW_HTTP_ERR_BAD;
		if (h->nhdrs >= GW_INB_MAX_HEADERS)
			return GW_HTTP_ERR_HEADERS;
		for (colon = p; colon < eol && is_tchar((unsigned char)*colon);
		    colon++)
			;
		/* no obs-fold, no space before the colon, no empty name */
		if (colon == p || colon == eol || *colon != ':')
			return GW_HTTP_ERR_BAD;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = eol; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		for (j = 0; v + j < ve; j++) {
			unsigned char c = (unsigned char)v[j];

			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return GW_HTTP_ERR_BAD;
		}
		f = &h->hdrs[h->nhdrs++];
		f->name_off = (uint16_t)(p - buf);
		f->name_len = (uint16_t)(colon - p);
		f->val_off = (uint16_t)(v - buf);
		f->val_len = (uint16_t)(ve - v);
	}
	for (j = 0; j < h->nhdrs; j++) {
		const char	*name = buf + h->hdrs[j].name_off;
		size_t		 nl = h->hdrs[j].name_len, k;

		v = buf + h->hdrs[j].val_off;
		for (k = 0; k < sizeof(hop_names) / sizeof(hop_names[0]); k++)
			if (ieq(name, nl, hop_names[k]))
				h->hop |= (uint64_t)1 << j;
		if (ieq(name, nl, "content-length")) {
			cl = parse_len(v, h->hdrs[j].val_len);
			if (cl < 0 || (h->content_length >= 0 &&
			    h->content_length != cl))
				return GW_HTTP_ERR_LENGTH;
			h->content_length = cl;
		} else if (ieq(name, nl, "transfer-encoding")) {
			if (te++ > 0 || !ieq(v, h->hdrs[j].val_len, "chunked"))
				return GW_HTTP_ERR_TE;
			h->chunked = 1;
		} else if (ieq(name, nl, "host"))
			nhost++;
		else if (ieq(name, nl, "expect") &&
		    ieq(v, h->hdrs[j].val_len, "100-continue"))
			h->expect_continue = 1;
	}
	for (j = 0; j < h->nhdrs; j++)
		if (ieq(buf + h->hdrs[j].name_off, h->hdrs[j].name_len,
		    "connection") &&
		    (r = connection_tokens(h, buf, &h->hdrs[j])) != 0)
			return r;
	/* Both framings at once is the request-smuggling shape: refuse. */
	if (h->chunked && h->content_length >= 0)
		return GW_HTTP_ERR_LENGTH;
	if (kind == GW_HTTP_REQUEST) {
		if (h->chunked && h->minor == 0)
			return GW_HTTP_ERR_LENGTH;
		if (nhost > 1 || (h->minor == 1 && nhost == 0))
			return GW_HTTP_ERR_HOST;
	}
	return 0;
}

int
gw_http_find(const struct gw_http_head *h, const char *buf, const char *name,
    size_t from)
{
	size_t	i;

	for (i = from; i < h->nhdrs; i++)
		if (ieq(buf + h->hdrs[i].name_off, h->hdrs[i].name_len, name))
			return (int)i;
	return -1;
}

enum {
	CH_SIZE = 0,	/* hex digits */
	CH_EXT,		/* ;extensions up to CR */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,	/* start of a trailer line (or the final CRLF) */
	CH_TRAILER_LINE,
	CH_TRAILER_LF,
	CH_FINAL_LF,
	CH_DONE,
};

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

ssize_t
gw_http_chunked_feed(struct gw_http_chunked *c, const char *buf, size_t len,
    uint64_t max_total, int *done)
{
	size_t	i = 0, n;
	int	d;

	*done = c->state == CH_DONE;
	while (i < len && c->state != CH_DONE) {
		unsigned char ch = (unsigned char)buf[i];

		switch (c->state) {
		case CH_SIZE:
			if ((d = hexval(ch)) >= 0) {
				if (++c->ndigits > 15)
					return GW_HTTP_ERR_BAD;
				c->remain = c->remain * 16 + (uint64_t)d;
			} else if (c->ndigits == 0) {
				return GW_HTTP_ERR_BAD;
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->state = CH_EXT;
			} else
				return GW_HTTP_ERR_BAD;
			if (++c->linelen > GW_INB_MAX_CHUNK_LINE)
				return GW_HTTP_ERR_BAD;
			i++;
			break;
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return GW_HTTP_ERR_BAD;
			if (++c->linelen > GW_INB_MAX_CHUNK_LINE)
				return GW_HTTP_ERR_BAD;
			i++;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return GW_HTTP_ERR_BAD;
			i++;
			c->linelen = 0;
			c->ndigits = 0;
			if (c->remain == 0) {
				c->state = CH_TRAILER;
				break;
			}
			if (c->remain > max_total ||
			    c->total + c->remain > max_total)
				return GW_HTTP_ERR_TOOBIG;
			c->total += c->remain;
			c->state = CH_DATA;
			break;
		case CH_DATA:
			n = len - i;
			if (n > c->remain)
				n = (size_t)c->remain;
			c->remain -= n;
			i += n;
			if (c->remain == 0)
				c->state = CH_DATA_CR;
			break;
		case CH_DATA_CR:
			if (ch != '\r')
				return GW_HTTP_ERR_BAD;
			c->state = CH_DATA_LF;
			i++;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return GW_HTTP_ERR_BAD;
			c->state = CH_SIZE;
			i++;
			break;
		case CH_TRAILER:
			if (ch == '\r') {
				c->state = CH_FINAL_LF;
				i++;
				break;
			}
			c->state = CH_TRAILER_LINE;
			__attribute__((fallthrough));
		case CH_TRAILER_LINE:
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return GW_HTTP_ERR_BAD;
			if (++c->trailer > GW_INB_MAX_TRAILER)
				return GW_HTTP_ERR_BAD;
			i++;
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				return GW_HTTP_ERR_BAD;
			c->state = CH_TRAILER;
			i++;
			break;
		case CH_FINAL_LF:
			if (ch != '\n')
				return GW_HTTP_ERR_BAD;
			c->state = CH_DONE;
			i++;
			break;
		default:
			return GW_HTTP_ERR_BAD;
		}
	}
	*done = c->state == CH_DONE;
	return (ssize_t)i;
}

const char *
gw_http_strerror(int err)
{
	switch (err) {
	case GW_HTTP_OK:		return "ok";
	case GW_HTTP_ERR_BAD:		return "malformed request";
	case GW_HTTP_ERR_TOOBIG:	return "request head too large";
	case GW_HTTP_ERR_TARGET:	return "request-target too long";
	case GW_HTTP_ERR_HEADERS:	return "too many header fields";
	case GW_HTTP_ERR_VERSION:	return "HTTP version not supported";
	case GW_HTTP_ERR_TE:		return "transfer-coding not supported";
	case GW_HTTP_ERR_LENGTH:	return "bad or conflicting message length";
	case GW_HTTP_ERR_HOST:		return "missing or repeated Host";
	}
	return "unknown error";
}
