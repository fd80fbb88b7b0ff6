/*
 * torctl_proto.c - incremental, bounded control-port reply parser and the
 * pure helpers around it (tokens, QuotedString, command building).
 * Grammar (control-spec 2.3): MidReplyLine = StatusCode "-" ReplyLine,
 * DataReplyLine = StatusCode "+" ReplyLine CmdData, EndReplyLine =
 * StatusCode SP ReplyLine; all lines of one reply share the status code;
 * asynchronous replies (6xx) may come between the lines of another reply.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "torctl/torctl_limits.h"
#include "torctl/torctl_proto.h"

struct torctl_rline {
	char	sep;			/* '-', '+' or ' ' */
	size_t	text_off, text_len;
	size_t	data_off, data_len;	/* data: only if sep == '+' */
};

/* Owned by the parser while assembled, by the caller after _take(). */
struct torctl_reply {
	int			 status;
	size_t			 max;		/* byte limit, <= MAX_REPLY */
	struct torctl_rline	*lines;
	size_t			 nlines, linecap;
	char			*buf;		/* texts and data, NUL-ended */
	size_t			 len, cap;
	int			 in_data;	/* gathering the last line's data */
	int			 data_lines;	/* data lines gathered so far */
};

/* Owned by its connection (or a test / fuzz target). */
struct torctl_parser {
	struct torctl_reply	*sync;		/* command reply in progress */
	struct torctl_reply	*async;		/* 6xx reply in progress */
	struct torctl_reply	*data_owner;	/* sync or async, in CmdData */
	struct torctl_reply	*done;		/* completed, not yet taken */
	char			*dump;
	size_t			 max_reply;	/* 0 = TORCTL_MAX_REPLY */
};

static struct torctl_reply *
reply_new(int status, size_t max)
{
	struct torctl_reply	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->status = status;
	r->max = max > 0 && max < TORCTL_MAX_REPLY ? max : TORCTL_MAX_REPLY;
	return r;
}

void
torctl_reply_free(struct torctl_reply *r)
{
	if (r == NULL)
		return;
	free(r->lines);
	free(r->buf);
	free(r);
}

/* Append n bytes plus a NUL; on return r->len counts the bytes only. */
static int
reply_put(struct torctl_reply *r, const char *s, size_t n)
{
	size_t	 need, ncap;
	char	*nb;

	if (r->len + n + 1 > r->max)
		return TORCTL_ERR_TOOBIG;
	need = r->len + n + 1;
	if (need > r->cap) {
		ncap = r->cap ? r->cap : 256;
		while (ncap < need)
			ncap *= 2;
		if (ncap > TORCTL_MAX_REPLY)
			ncap = TORCTL_MAX_REPLY;
		if ((nb = realloc(r->buf, ncap)) == NULL)
			return TORCTL_ERR_NOMEM;
		r->buf = nb;
		r->cap = ncap;
	}
	if (n > 0)
		memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len] = '\0';
	return 0;
}

static int
reply_add_line(struct torctl_reply *r, char sep, const char *text, size_t n)
{
	struct torctl_rline	*nl, *l;
	size_t			 ncap;
	int			 e;

	if (r->nlines >= TORCTL_MAX_REPLY_LINES)
		return TORCTL_ERR_TOOBIG;
	if (r->nlines == r->linecap) {
		ncap = r->linecap ? r->linecap * 2 : 4;
		if (ncap > TORCTL_MAX_REPLY_LINES)
			ncap = TORCTL_MAX_REPLY_LINES;
		if ((nl = reallocarray(r->lines, ncap, sizeof(*nl))) == NULL)
			return TORCTL_ERR_NOMEM;
		r->lines = nl;
		r->linecap = ncap;
	}
	l = &r->lines[r->nlines];
	memset(l, 0, sizeof(*l));
	l->sep = sep;
	/* Each text starts after the previous item's NUL (reply_put keeps a
	 * NUL after the bytes; counting it closes that item). */
	if (r->buf != NULL)
		r->len++;
	l->text_off = r->len;
	if ((e = reply_put(r, text, n)) != 0)
		return e;
	l->text_len = n;
	if (sep == '+') {
		r->len++;			/* keep the text's NUL */
		if ((e = reply_put(r, "", 0)) != 0)
			return e;
		l->data_off = r->len;
		r->in_data = 1;
		r->data_lines = 0;
	}
	r->nlines++;
	return 0;
}

static int
reply_add_data(struct torctl_reply *r, const char *s, size_t n)
{
	struct torctl_rline	*l = &r->lines[r->nlines - 1];
	int			 e;

	if (r->data_lines > 0 && (e = reply_put(r, "\n", 1)) != 0)
		return e;
	if ((e = reply_put(r, s, n)) != 0)
		return e;
	l->data_len = r->len - l->data_off;
	r->data_lines++;
	return 0;
}

struct torctl_parser *
torctl_parser_new(void)
{
	return calloc(1, sizeof(struct torctl_parser));
}

void
torctl_parser_reset(struct torctl_parser *p)
{
	size_t	max;

	if (p == NULL)
		return;
	max = p->max_reply;
	torctl_reply_free(p->sync);
	torctl_reply_free(p->async);
	torctl_reply_free(p->done);
	free(p->dump);
	memset(p, 0, sizeof(*p));
	p->max_reply = max;
}

void
torctl_parser_set_max_reply(struct torctl_parser *p, size_t max)
{
	p->max_reply = max;
}

void
torctl_parser_free(struct torctl_parser *p)
{
	if (p == NULL)
		return;
	torctl_parser_reset(p);
	free(p);
}

int
torctl_parser_feed_line(struct torctl_parser *p, const char *line, size_t len)
{
	struct torctl_reply	**slot;
	size_t			  i;
	int			  status, e;
	char			  sep;

	torctl_reply_free(p->done);
	p->done = NULL;
	free(p->dump);
	p->dump = NULL;

	if (len > TORCTL_MAX_LINE)
		return TORCTL_ERR_TOOBIG;
	for (i = 0; i < len; i++)
		if (line[i] == '\0' || line[i] == '\r' || line[i] == '\n')
			return TORCTL_ERR_PROTO;

	if (p->data_owner != NULL) {
		struct torctl_reply	*r = p->data_owner;

		if (len == 1 && line[0] == '.') {
			r->in_data = 0;
			p->data_owner = NULL;
			return TORCTL_PARSE_MORE;
		}
		if (len > 0 && line[0] == '.') {	/* dot-stuffing */
			line++;
			len--;
		}
		return reply_add_data(r, line, len);
	}

	if (len < 4)
		return TORCTL_ERR_PROTO;
	for (i = 0; i < 3; i++)
		if (line[i] < '0' || line[i] > '9')
			return TORCTL_ERR_PROTO;
	status = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	switch (line[0]) {
	case '2': case '4': case '5': case '6':
		break;
	default:
		return TORCTL_ERR_PROTO;
	}
	sep = line[3];
	if (sep != '-' && sep != '+' && sep != ' ')
		return TORCTL_ERR_PROTO;

	slot = line[0] == '6' ? &p->async : &p->sync;
	if (*slot == NULL) {
		if ((*slot = reply_new(status, p->max_reply)) == NULL)
			return TORCTL_ERR_NOMEM;
	} else if ((*slot)->status != status)
		return TORCTL_ERR_PROTO;	/* codes must match (2.3) */

	if ((e = reply_add_line(*slot, sep, line + 4, len - 4)) != 0)
		return e;
	if (sep == '+') {
		p->data_owner = *slot;
		return TORCTL_PARSE_MORE;
	}
	if (sep == '-')
		return TORCTL_PARSE_MORE;
	p->done = *slot;
	*slot = NULL;
	return line[0] == '6' ? TORCTL_PARSE_EVENT : TORCTL_PARSE_REPLY;
}

struct torctl_reply *
torctl_parser_take(struct torctl_parser *p)
{
	struct torctl_reply	*r = p->done;

	p->done = NULL;
	return r;
}

const char *
torctl_reply_dump(struct torctl_parser *p)
{
	struct torctl_reply	*r = p->done;
	size_t			 i, j, n, cap;
	char			*d;
	const char		*s;

	if (r == NULL)
		return NULL;
	if (p->dump != NULL)
		return p->dump;
	cap = 8 + r->nlines * 2 + r->len * 2;
	if ((d = malloc(cap)) == NULL)
		return NULL;
	n = (size_t)snprintf(d, cap, "%03d", r->status);
	for (i = 0; i < r->nlines; i++) {
		d[n++] = '|';
		memcpy(d + n, r->buf + r->lines[i].text_off,
		    r->lines[i].text_len);
		n += r->lines[i].text_len;
		if (r->lines[i].sep != '+')
			continue;
		s = r->buf + r->lines[i].data_off;
		for (j = 0; j < r->lines[i].data_len; j++) {
			if (s[j] == '\n') {
				d[n++] = '\\';
				d[n++] = 'n';
			} else
				d[n++] = s[j];
		}
	}
	d[n] = '\0';
	p->dump = d;
	return d;
}

/* ---- reply accessors ------------------------------------------------- */

int
torctl_reply_status(const struct torctl_reply *r)
{
	return r->status;
}

size_t
torctl_reply_nlines(const struct torctl_reply *r)
{
	return r->nlines;
}

const char *
torctl_reply_line(const struct torctl_reply *r, size_t i, size_t *lenp)
{
	if (i >= r->nlines)
		return NULL;
	if (lenp != NULL)
		*lenp = r->lines[i].text_len;
	return r->buf + r->lines[i].text_off;
}

const char *
torctl_reply_data(const struct torctl_reply *r, size_t i, size_t *lenp)
{
	if (i >= r->nlines || r->lines[i].sep != '+')
		return NULL;
	if (lenp != NULL)
		*lenp = r->lines[i].data_len;
	return r->buf + r->lines[i].data_off;
}

int
torctl_reply_get(const struct torctl_reply *r, const char *key,
    const char **val, size_t *lenp)
{
	size_t		 i, klen = strlen(key);
	const char	*t;

	for (i = 0; i < r->nlines; i++) {
		t = r->buf + r->lines[i].text_off;
		if (r->lines[i].text_len < klen + 1 ||
		    memcmp(t, key, klen) != 0 || t[klen] != '=')
			continue;
		if (r->lines[i].sep == '+') {
			*val = r->buf + r->lines[i].data_off;
			if (lenp != NULL)
				*lenp = r->lines[i].data_len;
		} else {
			*val = t + klen + 1;
			if (lenp != NULL)
				*lenp = r->lines[i].text_len - klen - 1;
		}
		return 0;
	}
	return TORCTL_ERR_NOTFOUND;
}

/* ---- tokens and QuotedString ----------------------------------------- */

/* Return the index of the closing quote of a QuotedString body that starts
 * at s[0], or -1 if there is none. */
static long
quoted_end(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == '"')
			return (long)i;
	}
	return -1;
}

int
torctl_tok_next(const char **pos, const char *end, struct torctl_tok *t)
{
	const char	*s = *pos;
	long		 q;

	memset(t, 0, sizeof(*t));
	while (s < end && *s == ' ')
		s++;
	if (s >= end) {
		*pos = s;
		return 0;
	}
	if (*s == '"') {
		if ((q = quoted_end(s + 1, (size_t)(end - s - 1))) < 0)
			return TORCTL_ERR_PROTO;
		t->key = s + 1;
		t->keylen = (size_t)q;
		t->quoted = 1;
		*pos = s + 1 + q + 1;
		return 1;
	}
	t->key = s;
	while (s < end && *s != ' ' && *s != '=')
		s++;
	t->keylen = (size_t)(s - t->key);
	if (s < end && *s == '=') {
		s++;
		if (s < end && *s == '"') {
			if ((q = quoted_end(s + 1, (size_t)(end - s - 1))) < 0)
				return TORCTL_ERR_PROTO;
			t->val = s + 1;
			t->vallen = (size_t)q;
			t->quoted = 1;
			s += 1 + q + 1;
		} else {
			t->val = s;
			while (s < end && *s != ' ')
				s++;
			t->vallen = (size_t)(s - t->val);
		}
	}
	*pos = s;
	return 1;
}

int
torctl_unescape(const char *s, size_t len, char *out, size_t outlen)
{
	size_t		i, n = 0, k;
	unsigned	v;
	char		c;

	if (outlen == 0)
		return TORCTL_ERR_TOOBIG;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '\\') {
			if (++i >= len)
				return TORCTL_ERR_PROTO;
			switch (s[i]) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '\\': case '"': case '\'': c = s[i]; break;
			case 'x':
				if (i + 2 >= len)
					return TORCTL_ERR_PROTO;
				v = 0;
				for (k = 1; k <= 2; k++) {
					char h = s[i + k];

					v <<= 4;
					if (h >= '0' && h <= '9')
						v |= (unsigned)(h - '0');
					else if (h >= 'a' && h <= 'f')
						v |= (unsigned)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F')
						v |= (unsigned)(h - 'A' + 10);
					else
						return TORCTL_ERR_PROTO;
				}
				i += 2;
				c = (char)v;
				break;
			default:
				if (s[i] < '0' || s[i] > '7')
					return TORCTL_ERR_PROTO;
				v = 0;
				for (k = 0; k < 3 && i < len &&
				    s[i] >= '0' && s[i] <= '7'; k++, i++)
					v = v * 8 + (unsigned)(s[i] - '0');
				i--;
				if (v > 255)
					return TORCTL_ERR_PROTO;
				c = (char)v;
				break;
			}
			if (c == '\0')
				return TORCTL_ERR_PROTO;
		}
		if (n + 1 >= outlen)
			return TORCTL_ERR_TOOBIG;
		out[n++] = c;
	}
	out[n] = '\0';
	if (n > INT32_MAX)
		return TORCTL_ERR_TOOBIG;
	return (int)n;
}

int
torctl_tok_value(const struct torctl_tok *t, char *out, size_t outlen)
{
	const char	*v = t->val != NULL ? t->val : t->key;
	size_t		 n = t->val != NULL ? t->vallen : t->keylen;

	if (t->quoted)
		return torctl_unescape(v, n, out, outlen);
	if (n + 1 > outlen)
		return TORCTL_ERR_TOOBIG;
	memcpy(out, v, n);
	out[n] = '\0';
	return (int)n;
}

int
torctl_kv_get(const char *s, size_t len, const char *key, char *out,
    size_t outlen)
{
	const char		*pos = s, *end = s + len;
	struct torctl_tok	 t;
	size_t			 klen = strlen(key);
	int			 r;

	while ((r = torctl_tok_next(&pos, end, &t)) == 1) {
		if (t.val != NULL && t.keylen == klen &&
		    memcmp(t.key, key, klen) == 0)
			return torctl_tok_value(&t, out, outlen);
	}
	return r < 0 ? r : TORCTL_ERR_NOTFOUND;
}

int
torctl_quote_append(char *buf, size_t buflen, const char *s)
{
	size_t	n = strlen(buf);

	if (n + 1 >= buflen)
		return TORCTL_ERR_TOOBIG;
	buf[n++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n')
			return TORCTL_ERR_INVAL;
		if (*s == '"' || *s == '\\') {
			if (n + 1 >= buflen)
				return TORCTL_ERR_TOOBIG;
			buf[n++] = '\\';
		}
		if (n + 1 >= buflen)
			return TORCTL_ERR_TOOBIG;
		buf[n++] = *s;
	}
	if (n + 2 > buflen)
		return TORCTL_ERR_TOOBIG;
	buf[n++] = '"';
	buf[n] = '\0';
	return 0;
}

int
torctl_is_safe_word(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '"')
			return 0;
	return 1;
}

/* ---- command building ------------------------------------------------ */

struct sb {
	char	*p;
	size_t	 len, cap;
	int	 err;
};

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	size_t	 ncap;
	char	*np;

	if (b->err != 0)
		return;
	if (b->len + n > TORCTL_MAX_CMD) {
		b->err = TORCTL_ERR_TOOBIG;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 128;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->err = TORCTL_ERR_NOMEM;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_word(struct sb *b, const char *s)
{
	if (!torctl_is_safe_word(s)) {
		if (b->err == 0)
			b->err = TORCTL_ERR_INVAL;
		return;
	}
	sb_add(b, " ", 1);
	sb_str(b, s);
}

static int
sb_finish(struct sb *b, char **out)
{
	if (b->err == 0 && b->p == NULL)
		b->err = TORCTL_ERR_INVAL;
	if (b->err != 0) {
		free(b->p);
		return b->err;
	}
	*out = b->p;
	return 0;
}

/* 1 if s holds CR, LF or NUL within its first n bytes (n = strlen). */
static int
has_crlf(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

int
torctl_build_line(const char *line, char **out)
{
	struct sb	b = { 0 };

	*out = NULL;
	if (line == NULL || has_crlf(line))
		return TORCTL_ERR_INVAL;
	sb_str(&b, line);
	return sb_finish(&b, out);
}

int
torctl_build_words(const char *cmd, const char *const *words, size_t nwords,
    char **out)
{
	struct sb	b = { 0 };
	size_t		i;

	*out = NULL;
	if (!torctl_is_safe_word(cmd))
		return TORCTL_ERR_INVAL;
	sb_str(&b, cmd);
	for (i = 0; i < nwords; i++)
		sb_word(&b, words[i]);
	return sb_finish(&b, out);
}

/* 1 if the comma-separated 'flags' holds 'flag'. */
static int
has_flag(const char *flags, const char *flag)
{
	size_t		 n = strlen(flag);
	const char	*p = flags;

	while ((p = strstr(p, flag)) != NULL) {
		if ((p == flags || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
		p += n;
	}
	return 0;
}

int
torctl_build_add_onion(const struct torctl_onion_spec *spec, char **out)
{
	struct sb	 b = { 0 };
	char		 num[64];
	const char	*key;
	size_t		 i;

	*out = NULL;
	if (spec->nports == 0 || spec->nports > TORCTL_MAX_ONION_PORTS ||
	    spec->nclient_auth > TORCTL_MAX_CLIENT_AUTH)
		return TORCTL_ERR_INVAL;
	key = spec->key != NULL ? spec->key : "NEW:ED25519-V3";
	if (strchr(key, ':') == NULL)
		return TORCTL_ERR_INVAL;
	sb_str(&b, "ADD_ONION");
	sb_word(&b, key);
	if (spec->flags != NULL && spec->flags[0] != '\0') {
		sb_str(&b, " Flags=");
		if (!torctl_is_safe_word(spec->flags))
			b.err = b.err ? b.err : TORCTL_ERR_INVAL;
		sb_str(&b, spec->flags);
		if (spec->nclient_auth > 0 && !has_flag(spec->flags, "V3Auth"))
			sb_str(&b, ",V3Auth");
	} else if (spec->nclient_auth > 0)
		sb_str(&b, " Flags=V3Auth");	/* tor: "No auth type" without */
	if (spec->max_streams > 0) {
		snprintf(num, sizeof(num), " MaxStreams=%u", spec->max_streams);
		sb_str(&b, num);
	}
	for (i = 0; i < spec->nports; i++) {
		if (spec->ports[i].virt == 0) {
			b.err = b.err ? b.err : TORCTL_ERR_INVAL;
			break;
		}
		snprintf(num, sizeof(num), " Port=%u",
		    (unsigned)spec->ports[i].virt);
		sb_str(&b, num);
		if (spec->ports[i].target != NULL) {
			if (!torctl_is_safe_word(spec->ports[i].target) ||
			    strchr(spec->ports[i].target, ',') != NULL)
				b.err = b.err ? b.err : TORCTL_ERR_INVAL;
			sb_str(&b, ",");
			sb_str(&b, spec->ports[i].target);
		}
	}
	for (i = 0; i < spec->nclient_auth; i++) {
		if (!torctl_is_safe_word(spec->client_auth_v3[i]))
			b.err = b.err ? b.err : TORCTL_ERR_INVAL;
		sb_str(&b, " ClientAuthV3=");
		sb_str(&b, spec->client_auth_v3[i]);
	}
	if (spec->pow) {
		sb_str(&b, " PoWDefensesEnabled=1");
		if (spec->pow_queue_rate > 0) {
			snprintf(num, sizeof(num), " PoWQueueRate=%u",
			    spec->pow_queue_rate);
			sb_str(&b, num);
		}
		if (spec->pow_queue_burst > 0) {
			snprintf(num, sizeof(num), " PoWQueueBurst=%u",
			    spec->pow_queue_burst);
			sb_str(&b, num);
		}
	}
	if (spec->extra != NULL && spec->extra[0] != '\0') {
		if (has_crlf(spec->extra))
			b.err = b.err ? b.err : TORCTL_ERR_INVAL;
		sb_str(&b, " ");
		sb_str(&b, spec->extra);
	}
	return sb_finish(&b, out);
}

/* ---- ADD_ONION result (pure, so the fuzz target can reach it) ---- */

int
torctl_onion_result(const struct torctl_reply *r,
    struct torctl_onion_result *out)
{
	const char	*v;
	size_t		 len;

	memset(out, 0, sizeof(*out));
	if (torctl_reply_status(r) / 100 != 2 ||
	    torctl_reply_get(r, "ServiceID", &v, &len) != 0 ||
	    len == 0 || len >= sizeof(out->service_id))
		return TORCTL_ERR_PROTO;
	memcpy(out->service_id, v, len);
	if (torctl_reply_get(r, "PrivateKey", &v, &len) == 0) {
		if (len >= sizeof(out->private_key)) {
			memset(out, 0, sizeof(*out));
			return TORCTL_ERR_PROTO;
		}
		memcpy(out->private_key, v, len);
	}
	return 0;
}
