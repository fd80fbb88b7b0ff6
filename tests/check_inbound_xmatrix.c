/*
 * check_inbound_xmatrix.c - X-Matrix Authorization parser (spec grammar).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gatewayd/gw_xmatrix.h"
#include "tests/check_inbound.h"

static const struct {
	const char	*in;
	size_t		 len;
	int		 want;
	const char	*origin, *dest, *key, *sig;	/* when want == 0 */
} cases[] = {
	/* the spec's example */
	{ W("X-Matrix origin=\"origin.hs.example.com\",destination=\"destination.hs.example.com\",key=\"ed25519:key1\",sig=\"ABCDEF\""),
	    0, "origin.hs.example.com", "destination.hs.example.com",
	    "ed25519:key1", "ABCDEF" },
	/* unquoted values, colons allowed unquoted (older servers) */
	{ W("X-Matrix origin=matrix.org:8448,key=ed25519:a_1,sig=dGVzdA"),
	    0, "matrix.org:8448", "", "ed25519:a_1", "dGVzdA" },
	/* any order, case-insensitive names and scheme, OWS around commas
	 * and '=', several spaces after the scheme, unknown params ignored */
	{ W("x-matrix   sig=\"s+/\" ,\tKEY = \"ed25519:k\" , Origin=\"a.b\", foo=\"x,y\""),
	    0, "a.b", "", "ed25519:k", "s+/" },
	/* destination optional; quoted-pair unescaped */
	{ W("X-Matrix origin=\"a\\.b\",key=\"ed25519:\\k\",sig=\"x\""),
	    0, "a.b", "", "ed25519:k", "x" },
	/* IPv6 literal origin with port */
	{ W("X-Matrix origin=\"[::1]:8448\",key=\"ed25519:k\",sig=\"x\",destination=d.onion"),
	    0, "[::1]:8448", "d.onion", "ed25519:k", "x" },
	/* empty list elements tolerated (RFC 9110 5.6.1) */
	{ W("X-Matrix origin=a,,key=ed25519:k, ,sig=x,"),
	    0, "a", "", "ed25519:k", "x" },
	/* failures */
	{ W("Bearer abc"), GW_XMATRIX_ERR_SCHEME, NULL, NULL, NULL, NULL },
	{ W("X-Matrixorigin=a"), GW_XMATRIX_ERR_SCHEME, NULL, NULL, NULL, NULL },
	{ W("X-Matrix"), GW_XMATRIX_ERR_MISSING, NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=a,key=ed25519:k"), GW_XMATRIX_ERR_MISSING,
	    NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=a,origin=b,key=ed25519:k,sig=x"),
	    GW_XMATRIX_ERR_DUP, NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=\"a,key=ed25519:k,sig=x"), GW_XMATRIX_ERR_SYNTAX,
	    NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=,key=ed25519:k,sig=x"), GW_XMATRIX_ERR_SYNTAX,
	    NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin a,key=ed25519:k,sig=x"), GW_XMATRIX_ERR_SYNTAX,
	    NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=a key=ed25519:k,sig=x"), GW_XMATRIX_ERR_SYNTAX,
	    NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=\"a\0b\",key=ed25519:k,sig=x"),
	    GW_XMATRIX_ERR_SYNTAX, NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=\"a b\",key=ed25519:k,sig=x"),
	    GW_XMATRIX_ERR_ORIGIN, NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=\"a/b\",key=ed25519:k,sig=x"),
	    GW_XMATRIX_ERR_ORIGIN, NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=a:99999x,key=ed25519:k,sig=x"),
	    GW_XMATRIX_ERR_ORIGIN, NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=a,destination=\"b c\",key=ed25519:k,sig=x"),
	    GW_XMATRIX_ERR_ORIGIN, NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=a,key=nocolon,sig=x"), GW_XMATRIX_ERR_KEY,
	    NULL, NULL, NULL, NULL },
	{ W("X-Matrix origin=a,key=ed25519:k,sig=\"x y\""), GW_XMATRIX_ERR_KEY,
	    NULL, NULL, NULL, NULL },
};

START_TEST(test_xmatrix_cases)
{
	struct gw_xmatrix	xm;
	int			r;

	r = gw_xmatrix_parse(cases[_i].in, cases[_i].len, &xm);
	ck_assert_msg(r == cases[_i].want, "case %d: got %d (%s) want %d",
	    _i, r, gw_xmatrix_strerror(r), cases[_i].want);
	if (r != 0)
		return;
	ck_assert_str_eq(xm.origin, cases[_i].origin);
	ck_assert_str_eq(xm.destination, cases[_i].dest);
	ck_assert_int_eq(xm.has_destination, cases[_i].dest[0] != '\0');
	ck_assert_str_eq(xm.key, cases[_i].key);
	ck_assert_str_eq(xm.sig, cases[_i].sig);
}
END_TEST

START_TEST(test_xmatrix_limits)
{
	struct gw_xmatrix	xm;
	char			buf[1200];
	int			n;

	/* origin of exactly 255 bytes is fine, 256 is too long */
	n = snprintf(buf, sizeof(buf), "X-Matrix origin=%.*s,key=ed25519:k,"
	    "sig=x", 255, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ck_assert_int_eq(gw_xmatrix_parse(buf, (size_t)n, &xm), 0);
	ck_assert_uint_eq(strlen(xm.origin), 255);
	n = snprintf(buf, sizeof(buf), "X-Matrix origin=\"%.*s\",key=ed25519:k,"
	    "sig=x", 256, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	ck_assert_int_eq(gw_xmatrix_parse(buf, (size_t)n, &xm),
	    GW_XMATRIX_ERR_TOOLONG);
	/* the parser never reads past 'len' (no NUL termination) */
	memcpy(buf, "X-Matrix origin=a,key=ed25519:k,sig=xyz", 39);
	ck_assert_int_eq(gw_xmatrix_parse(buf, 37, &xm), 0);
	ck_assert_str_eq(xm.sig, "x");
}
END_TEST

static const struct {
	const char	*name;
	int		 ok;
} names[] = {
	{ "matrix.org", 1 }, { "matrix.org:8448", 1 }, { "1.2.3.4:1", 1 },
	{ "[1234:5678::abcd]", 1 }, { "[::1]:80", 1 },
	{ "", 0 }, { ":80", 0 }, { "a:", 0 }, { "a:123456", 0 },
	{ "[::1", 0 }, { "[]", 0 }, { "a_b.org", 0 }, { "a b", 0 },
	{ "[::g]", 0 }, { "a:8x", 0 },
};

START_TEST(test_server_names)
{
	ck_assert_msg(gw_xmatrix_server_name_ok(names[_i].name,
	    strlen(names[_i].name)) == names[_i].ok, "%s", names[_i].name);
}
END_TEST

Suite *
inbound_xmatrix_suite(void)
{
	Suite	*s = suite_create("inbound_xmatrix");
	TCase	*tc = tcase_create("parse");

	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, test_xmatrix_cases, 0, (int)NITEMS(cases));
	tcase_add_test(tc, test_xmatrix_limits);
	tcase_add_loop_test(tc, test_server_names, 0, (int)NITEMS(names));
	suite_add_tcase(s, tc);
	return s;
}
