/*
 * check_inbound_http.c - request/response head scanner and parser, chunked
 * framing tracker.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gatewayd/gw_http_proto.h"
#include "tests/check_inbound.h"

static const struct {
	const char	*in;
	size_t		 len;
	int		 kind;
	int		 want;		/* scan (<0) or parse result */
	const char	*target;	/* request: raw target, when want == 0 */
	int64_t		 clen;
	int		 keepalive_close;	/* conn_close flag */
	int		 nhop;		/* headers marked hop-by-hop */
} heads[] = {
	{ W("PUT /_matrix/federation/v1/send/a%2Fb/../c?x=%20y HTTP/1.1\r\n"
	    "Host: x.onion\r\nContent-Length: 2\r\n\r\n"), GW_HTTP_REQUEST, 0,
	    "/_matrix/federation/v1/send/a%2Fb/../c?x=%20y", 2, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X-A\r\nX-A: 1\r\n"
	    "Keep-Alive: 5\r\nTE: trailers\r\nUpgrade: h2c\r\n\r\n"),
	    GW_HTTP_REQUEST, 0, "/", -1, 1, 5 },
	{ W("GET /x HTTP/1.0\r\n\r\n"), GW_HTTP_REQUEST, 0, "/x", -1, 0, 0 },
	{ W("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), GW_HTTP_REQUEST, 0, "*",
	    -1, 0, 0 },
	{ W("GET /|{}\"`^ HTTP/1.1\r\nHost: a\r\n\r\n"), GW_HTTP_REQUEST, 0,
	    "/|{}\"`^", -1, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n"), GW_HTTP_REQUEST, 0, "/", 5, 0, 0 },
	/* errors */
	{ W("GET / HTTP/1.1\r\n\r\n"), GW_HTTP_REQUEST, GW_HTTP_ERR_HOST,
	    NULL, 0, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_HOST, NULL, 0, 0, 0 },
	{ W("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_BAD, NULL, 0, 0, 0 },
	{ W("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_VERSION, NULL, 0, 0, 0 },
	{ W("GET / HTTQ/1.1\r\nHost: a\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_BAD, NULL, 0, 0, 0 },
	{ W("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_BAD, NULL, 0, 0, 0 },
	{ W("GET /\x80 HTTP/1.1\r\nHost: a\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_BAD, NULL, 0, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_BAD, NULL, 0, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_BAD, NULL, 0, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_BAD, NULL, 0, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n"), GW_HTTP_REQUEST, GW_HTTP_ERR_LENGTH,
	    NULL, 0, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
	    GW_HTTP_REQUEST, GW_HTTP_ERR_LENGTH, NULL, 0, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), GW_HTTP_REQUEST,
	    GW_HTTP_ERR_LENGTH, NULL, 0, 0, 0 },
	{ W("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n"
	    "\r\n"), GW_HTTP_REQUEST, GW_HTTP_ERR_TE, NULL, 0, 0, 0 },
	{ W("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
	    GW_HTTP_REQUEST, GW_HTTP_ERR_LENGTH, NULL, 0, 0, 0 },
	/* scanner errors */
	{ W("GET / HTTP/1.1\nHost: a\n\n"), GW_HTTP_REQUEST, GW_HTTP_ERR_BAD,
	    NULL, 0, 0, 0 },
	{ W("GET /\0 HTTP/1.1\r\n\r\n"), GW_HTTP_REQUEST, GW_HTTP_ERR_BAD,
	    NULL, 0, 0, 0 },
	/* responses */
	{ W("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n"
	    "\r\n"), GW_HTTP_RESPONSE, 0, NULL, 10, 1, 1 },
	{ W("HTTP/1.1 204\r\n\r\n"), GW_HTTP_RESPONSE, 0, NULL, -1, 0, 0 },
	{ W("HTTP/1.1 20 OK\r\n\r\n"), GW_HTTP_RESPONSE, GW_HTTP_ERR_BAD,
	    NULL, 0, 0, 0 },
};

START_TEST(test_heads)
{
	struct gw_http_scan	sc;
	struct gw_http_head	h;
	ssize_t			hl;
	size_t			i;
	int			r, nhop = 0;

	memset(&sc, 0, sizeof(sc));
	/* byte by byte: the scanner is incremental */
	for (i = 1, hl = 0; i <= heads[_i].len && hl == 0; i++)
		hl = gw_http_head_scan(&sc, heads[_i].in, i, 4096, 1024);
	if (hl < 0) {
		ck_assert_msg(hl == heads[_i].want, "case %d: scan %zd", _i, hl);
		return;
	}
	ck_assert_msg((size_t)hl == heads[_i].len, "case %d: hl %zd", _i, hl);
	r = gw_http_head_parse(heads[_i].kind, heads[_i].in, (size_t)hl, 1024,
	    &h);
	ck_assert_msg(r == heads[_i].want, "case %d: got %d (%s) want %d", _i,
	    r, gw_http_strerror(r), heads[_i].want);
	if (r != 0)
		return;
	if (heads[_i].target != NULL) {
		ck_assert_uint_eq(h.target_len, strlen(heads[_i].target));
		ck_assert(memcmp(heads[_i].in + h.target_off, heads[_i].target,
		    h.target_len) == 0);
	}
	ck_assert_int_eq(h.content_length, heads[_i].clen);
	ck_assert_int_eq(h.conn_close, heads[_i].keepalive_close);
	for (i = 0; i < h.nhdrs; i++)
		nhop += (h.hop >> i) & 1;
	ck_assert_int_eq(nhop, heads[_i].nhop);
}
END_TEST

START_TEST(test_scan_limits)
{
	struct gw_http_scan	sc;
	char			buf[8192];

	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "GET /", 5);
	/* request line too long: 414 shape before the head limit */
	memset(&sc, 0, sizeof(sc));
	ck_assert_int_eq(gw_http_head_scan(&sc, buf, 2000, 4096, 1024),
	    GW_HTTP_ERR_TARGET);
	/* head too big: no end within max_head */
	memcpy(buf + 20, " HTTP/1.1\r\nX: ", 14);
	memset(&sc, 0, sizeof(sc));
	ck_assert_int_eq(gw_http_head_scan(&sc, buf, 4095, 4096, 1024), 0);
	ck_assert_int_eq(gw_http_head_scan(&sc, buf, 4096, 4096, 1024),
	    GW_HTTP_ERR_TOOBIG);
}
END_TEST

START_TEST(test_too_many_headers)
{
	char			buf[4096];
	struct gw_http_head	h;
	size_t			n = 0;
	int			i;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n,
	    "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < GW_INB_MAX_HEADERS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X%d: y\r\n",
		    i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	ck_assert_int_eq(gw_http_head_parse(GW_HTTP_REQUEST, buf, n, 1024, &h),
	    GW_HTTP_ERR_HEADERS);
}
END_TEST

static const struct {
	const char	*in;
	size_t		 len;
	ssize_t		 want;		/* bytes consumed, or error */
	int		 done;
	uint64_t	 total;
} chunks[] = {
	{ W("5\r\nhello\r\n0\r\n\r\n"), 15, 1, 5 },
	{ W("5\r\nhello\r\n0\r\n\r\nGET"), 15, 1, 5 },	/* stops at end */
	{ W("A;ext=1\r\n0123456789\r\n0\r\nT: x\r\n\r\n"), 32, 1, 10 },
	{ W("5\r\nhel"), 6, 0, 5 },
	{ W("x\r\n"), GW_HTTP_ERR_BAD, 0, 0 },
	{ W("5\r\nhelloX\r\n"), GW_HTTP_ERR_BAD, 0, 0 },
	{ W("5\nhello\r\n"), GW_HTTP_ERR_BAD, 0, 0 },
	{ W("fffffffffffffffff\r\n"), GW_HTTP_ERR_BAD, 0, 0 },
	{ W("100001\r\n"), GW_HTTP_ERR_TOOBIG, 0, 0 },	/* > 1 MiB */
};

START_TEST(test_chunked)
{
	struct gw_http_chunked	c;
	ssize_t			k, sum = 0;
	size_t			i;
	int			done = 0;

	/* all at once */
	memset(&c, 0, sizeof(c));
	k = gw_http_chunked_feed(&c, chunks[_i].in, chunks[_i].len, 1 << 20,
	    &done);
	ck_assert_msg(k == chunks[_i].want, "case %d: %zd", _i, k);
	if (k < 0)
		return;
	ck_assert_int_eq(done, chunks[_i].done);
	ck_assert_uint_eq(c.total, chunks[_i].total);
	/* and byte by byte: same answer */
	memset(&c, 0, sizeof(c));
	done = 0;
	for (i = 0; i < chunks[_i].len && !done; i++) {
		k = gw_http_chunked_feed(&c, chunks[_i].in + i, 1, 1 << 20,
		    &done);
		ck_assert(k == 0 || k == 1);
		sum += k;
	}
	ck_assert_int_eq(sum, chunks[_i].want);
	ck_assert_int_eq(done, chunks[_i].done);
}
END_TEST

Suite *
inbound_http_suite(void)
{
	Suite	*s = suite_create("inbound_http");
	TCase	*tc = tcase_create("proto");

	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, test_heads, 0, (int)NITEMS(heads));
	tcase_add_test(tc, test_scan_limits);
	tcase_add_test(tc, test_too_many_headers);
	tcase_add_loop_test(tc, test_chunked, 0, (int)NITEMS(chunks));
	suite_add_tcase(s, tc);
	return s;
}
