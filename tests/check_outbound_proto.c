/*
 * check_outbound_proto.c - table tests of the CONNECT and SOCKS5 codecs.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gatewayd/gw_connect_proto.h"
#include "gatewayd/gw_socks_proto.h"
#include "tests/check_outbound.h"

#define W(s)	(s), sizeof(s) - 1	/* keep embedded NULs */
#define ONION	"pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"

static const struct {
	const char	*wire;
	size_t		 len;
	int		 want;		/* > 0: head length */
	const char	*host;
	unsigned	 port;
	const char	*auth;		/* decoded, or NULL */
} connect_cases[] = {
	{ W("CONNECT example.org:8448 HTTP/1.0\r\n\r\n"), 37,
	    "example.org", 8448, NULL },
	{ W("CONNECT Example.ORG:443 HTTP/1.1\r\nHost: x\r\n\r\nXYZ"), 45,
	    "example.org", 443, NULL },
	{ W("CONNECT " ONION ":8448 HTTP/1.1\n\n"), 86, ONION, 8448, NULL },
	{ W("CONNECT [2001:DB8::1]:8448 HTTP/1.1\r\n\r\n"), 39, "2001:db8::1",
	    8448, NULL },
	{ W("CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n"), 32, "127.0.0.1", 1,
	    NULL },
	{ W("CONNECT a.b:1 HTTP/1.0\r\nProxy-Authorization: Basic "
	    "dXNlcjpwYXNz\r\n\r\n"), 67, "a.b", 1, "user:pass" },
	{ W("CONNECT a.b:1 HTTP/1.0\r\nproxy-authorization:   basic   "
	    "dTpw\r\n\r\n"), 63, "a.b", 1, "u:p" },
	{ W("CONNECT a.b:1 HTTP/1.0\r\nProxy-Authorization: Bearer x\r\n\r\n"),
	    57, "a.b", 1, NULL },
	/* incomplete */
	{ W("CONNECT example.org:8448 HTTP/1.0\r\n"), 0, NULL, 0, NULL },
	{ W("CONNECT exa"), 0, NULL, 0, NULL },
	{ W(""), 0, NULL, 0, NULL },
	/* refused */
	{ W("GET http://a/ HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_METHOD, NULL, 0,
	    NULL },
	{ W("connect a.b:1 HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_METHOD, NULL, 0,
	    NULL },
	{ W("CONNECT a.b:1 HTTP/2.0\r\n\r\n"), GW_CONNECT_ERR_VERSION, NULL, 0,
	    NULL },
	{ W("CONNECT a.b:1 FOO/1.1\r\n\r\n"), GW_CONNECT_ERR_SYNTAX, NULL, 0,
	    NULL },
	{ W("CONNECT a.b HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_TARGET, NULL, 0,
	    NULL },
	{ W("CONNECT a.b:0 HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_TARGET, NULL, 0,
	    NULL },
	{ W("CONNECT a.b:65536 HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_TARGET, NULL,
	    0, NULL },
	{ W("CONNECT a_b:1 HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_TARGET, NULL, 0,
	    NULL },
	{ W("CONNECT http://a.b:1/ HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_TARGET,
	    NULL, 0, NULL },
	{ W("CONNECT [zz::1]:1 HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_TARGET,
	    NULL, 0, NULL },
	{ W("CONNECT a.b:1 HTTP/1.1\r\n folded\r\n\r\n"), GW_CONNECT_ERR_SYNTAX,
	    NULL, 0, NULL },
	{ W("CONNECT a.b:1 HTTP/1.1\r\nNoColon\r\n\r\n"), GW_CONNECT_ERR_SYNTAX,
	    NULL, 0, NULL },
	{ W("CONNECT a\0.b:1 HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_SYNTAX, NULL,
	    0, NULL },
	{ W("\r\nCONNECT a.b:1 HTTP/1.1\r\n\r\n"), GW_CONNECT_ERR_SYNTAX, NULL,
	    0, NULL },
	{ W("CONNECT a.b:1 HTTP/1.1\r\nProxy-Authorization: Basic !!\r\n\r\n"),
	    GW_CONNECT_ERR_AUTH, NULL, 0, NULL },
	{ W("CONNECT a.b:1 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcg==\r\n"
	    "\r\n"), GW_CONNECT_ERR_AUTH, NULL, 0, NULL },	/* no colon */
	{ W("CONNECT a.b:1 HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n"
	    "Proxy-Authorization: Basic dTpw\r\n\r\n"), GW_CONNECT_ERR_AUTH,
	    NULL, 0, NULL },
};

START_TEST(test_connect_cases)
{
	struct gw_connect_parser	p;
	struct gw_connect_req		req;
	size_t				n;
	int				r = 0;

	/* Whole, then byte by byte: same answer. */
	gw_connect_parser_init(&p);
	r = gw_connect_parse(&p, connect_cases[_i].wire, connect_cases[_i].len,
	    &req);
	ck_assert_int_eq(r, connect_cases[_i].want);
	gw_connect_parser_init(&p);
	for (n = 0; n <= connect_cases[_i].len; n++) {
		r = gw_connect_parse(&p, connect_cases[_i].wire, n, &req);
		if (r != GW_CONNECT_NEED_MORE)
			break;
	}
	ck_assert_int_eq(r, connect_cases[_i].want);
	if (connect_cases[_i].want > 0) {
		ck_assert_str_eq(req.host, connect_cases[_i].host);
		ck_assert_uint_eq(req.port, connect_cases[_i].port);
		ck_assert_int_eq(req.has_auth, connect_cases[_i].auth != NULL);
		if (connect_cases[_i].auth != NULL)
			ck_assert_str_eq(req.auth, connect_cases[_i].auth);
	}
}
END_TEST

START_TEST(test_connect_too_big)
{
	static char			buf[GW_OB_MAX_HEAD + 64];
	struct gw_connect_parser	p;
	struct gw_connect_req		req;
	size_t				n;
	int				i;

	/* A never-ending header line. */
	n = (size_t)snprintf(buf, sizeof(buf), "CONNECT a.b:1 HTTP/1.1\r\nX: ");
	memset(buf + n, 'a', sizeof(buf) - n);
	gw_connect_parser_init(&p);
	ck_assert_int_eq(gw_connect_parse(&p, buf, GW_OB_MAX_HEAD - 1, &req),
	    GW_CONNECT_NEED_MORE);
	ck_assert_int_eq(gw_connect_parse(&p, buf, GW_OB_MAX_HEAD, &req),
	    GW_CONNECT_ERR_TOOBIG);
	/* Too many short header lines. */
	n = (size_t)snprintf(buf, sizeof(buf), "CONNECT a.b:1 HTTP/1.1\r\n");
	for (i = 0; i < GW_OB_MAX_HEADERS + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "X: y\r\n");
	gw_connect_parser_init(&p);
	ck_assert_int_eq(gw_connect_parse(&p, buf, n, &req),
	    GW_CONNECT_ERR_TOOBIG);
}
END_TEST

START_TEST(test_socks_server)
{
	struct gw_socks_req	req;
	unsigned		offers;
	char			u[256], pw[256];
	size_t			ul, pl;
	uint8_t			rep[10];

	ck_assert_int_eq(gw_socks_parse_greeting((const uint8_t *)"\x05", 1,
	    &offers), 0);
	ck_assert_int_eq(gw_socks_parse_greeting((const uint8_t *)
	    "\x05\x02\x00\x02", 4, &offers), 4);
	ck_assert_uint_eq(offers, 3);
	ck_assert_int_eq(gw_socks_parse_greeting((const uint8_t *)
	    "\x05\x01\x02", 3, &offers), 3);
	ck_assert_uint_eq(offers, 2);
	ck_assert_int_eq(gw_socks_parse_greeting((const uint8_t *)
	    "\x04\x01\x00\x50", 4, &offers), GW_SOCKS_ERR_VERSION);
	ck_assert_int_eq(gw_socks_parse_greeting((const uint8_t *)
	    "\x05\x00", 2, &offers), GW_SOCKS_ERR_SYNTAX);
	ck_assert_int_eq(gw_socks_parse_userpass((const uint8_t *)
	    "\x01\x01u\x02pw", 6, u, &ul, pw, &pl), 6);
	ck_assert_str_eq(u, "u");
	ck_assert_str_eq(pw, "pw");
	ck_assert_int_eq(gw_socks_parse_userpass((const uint8_t *)
	    "\x01\x01u\x02p", 5, u, &ul, pw, &pl), 0);
	ck_assert_int_eq(gw_socks_parse_userpass((const uint8_t *)
	    "\x01\x01\x00\x00", 4, u, &ul, pw, &pl), GW_SOCKS_ERR_SYNTAX);
	ck_assert_int_eq(gw_socks_parse_request((const uint8_t *)
	    "\x05\x01\x00\x03\x03" "A.b\x20\xfb", 10, &req), 10);
	ck_assert_str_eq(req.host, "a.b");
	ck_assert_uint_eq(req.port, 8443);
	ck_assert_int_eq(gw_socks_parse_request((const uint8_t *)
	    "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50", 10, &req), 10);
	ck_assert_str_eq(req.host, "127.0.0.1");
	ck_assert_int_eq(gw_socks_parse_request((const uint8_t *)
	    "\x05\x01\x00\x09", 4, &req), GW_SOCKS_ERR_ATYP);
	ck_assert_int_eq(gw_socks_parse_request((const uint8_t *)
	    "\x05\x01\x00\x03\x00\x00\x50", 7, &req), GW_SOCKS_ERR_SYNTAX);
	ck_assert_int_eq(gw_socks_parse_request((const uint8_t *)
	    "\x05\x01\x00\x03\x02" "a\x00\x00\x50", 9, &req),
	    GW_SOCKS_ERR_SYNTAX);
	ck_assert_int_eq(gw_socks_parse_request((const uint8_t *)
	    "\x05\x02\x00\x03\x01x\x00\x50", 8, &req), 8);
	ck_assert_uint_eq(req.cmd, 2);
	ck_assert_uint_eq(gw_socks_build_reply(rep, 0xf0), 10);
	ck_assert_mem_eq(rep, "\x05\xf0\x00\x01\0\0\0\0\0\0", 10);
}
END_TEST

START_TEST(test_socks_client)
{
	uint8_t			out[GW_OB_SOCKS_OUT];
	struct gw_socks_client	c;
	size_t			used;
	int			n;
	static const uint8_t	want[] = "\x05\x01\x02" "\x01\x03tok\x02pw"
	    "\x05\x01\x00\x03\x05" "a.bcd" "\x20\xfb";
	static const uint8_t	ok[] = "\x05\x02\x01\x00"
	    "\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90" "DATA";
	size_t			i, off, part[3];

	n = gw_socks_client_build(out, sizeof(out), "tok", "pw", "a.bcd",
	    8443, part);
	ck_assert_int_eq(n, (int)sizeof(want) - 1);
	ck_assert_uint_eq(part[0], 3);
	ck_assert_uint_eq(part[1], 8);
	ck_assert_uint_eq(part[2], 12);
	ck_assert_mem_eq(out, want, sizeof(want) - 1);
	ck_assert_int_eq(gw_socks_client_build(out, 10, "tok", "pw", "a.bcd",
	    1, part), GW_SOCKS_ERR_TOOBIG);
	ck_assert_int_eq(gw_socks_client_build(out, sizeof(out), "", "pw",
	    "a", 1, part), GW_SOCKS_ERR_TOOBIG);
	/* Whole. */
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(gw_socks_client_feed(&c, ok, sizeof(ok) - 1, &used),
	    1);
	ck_assert_uint_eq(used, 14);
	ck_assert_uint_eq(c.rep, 0);
	/* One byte at a time, honouring 'used'. */
	memset(&c, 0, sizeof(c));
	off = 0;
	for (i = 1; i <= sizeof(ok) - 1; i++) {
		n = gw_socks_client_feed(&c, ok + off, i - off, &used);
		off += used;
		if (n != 0)
			break;
	}
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(off, 14);
	/* Failures. */
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(gw_socks_client_feed(&c, (const uint8_t *)
	    "\x05\xff", 2, &used), GW_SOCKS_ERR_METHOD);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(gw_socks_client_feed(&c, (const uint8_t *)
	    "\x05\x02\x01\x01", 4, &used), GW_SOCKS_ERR_AUTH);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(gw_socks_client_feed(&c, (const uint8_t *)
	    "\x05\x02\x01\x00\x05\xf2\x00\x01\0\0\0\0\0\0", 14, &used), 1);
	ck_assert_uint_eq(c.rep, 0xf2);
	ck_assert_str_eq(gw_socks_rep_str(0xf2),
	    "onion service introduction failed");
}
END_TEST

Suite *
outbound_proto_suite(void)
{
	Suite	*s = suite_create("outbound_proto");
	TCase	*tc = tcase_create("connect");

	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, test_connect_cases, 0,
	    (int)(sizeof(connect_cases) / sizeof(connect_cases[0])));
	tcase_add_test(tc, test_connect_too_big);
	suite_add_tcase(s, tc);
	tc = tcase_create("socks");
	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_socks_server);
	tcase_add_test(tc, test_socks_client);
	suite_add_tcase(s, tc);
	return s;
}
