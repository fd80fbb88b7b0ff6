/*
 * check_onion_proto.c - the self-probe's pure parsers, table-driven:
 * SOCKS5 CONNECT replies (whole and byte by byte) and HTTP status lines.
 */
#include "config.h"

#include <string.h>

#include "gatewayd/gw_onion_probe.h"
#include "tests/check_onion.h"

#define W(s)	(const uint8_t *)(s), sizeof(s) - 1

static const struct {
	const uint8_t	*wire;
	size_t		 len;
	int		 want;		/* result on the whole input */
	int		 rep;
} socks_cases[] = {
	{ W("\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90"), 10, 0x00 },
	{ W("\x05\x00\x00\x04" "0123456789abcdef" "\x00\x50"), 22, 0x00 },
	{ W("\x05\x00\x00\x03\x03" "abc" "\x00\x50"), 10, 0x00 },
	{ W("\x05\x00\x00\x03\x00" "\x00\x50"), 7, 0x00 },
	{ W("\x05\xf0\x00\x01\x00\x00\x00\x00\x00\x00"), 10, 0xf0 },
	{ W("\x05\xf7\x00\x01\x00\x00\x00\x00\x00\x00"), 10, 0xf7 },
	{ W("\x05\x00\x00\x01\x7f\x00"), 0, 0x00 },	/* short */
	{ W("\x04\x00\x00\x01\x7f\x00\x00\x01\x1f\x90"), -1, -1 },
	{ W("\x05\x00\x01\x01\x7f\x00\x00\x01\x1f\x90"), -1, 0x00 },
	{ W("\x05\x00\x00\x02\x7f\x00\x00\x01\x1f\x90"), -1, 0x00 },
};

START_TEST(test_socks_reply)
{
	size_t	need, i;
	int	rep, r;

	r = gw_socks5_reply_parse(socks_cases[_i].wire, socks_cases[_i].len,
	    &need, &rep);
	ck_assert_int_eq(r, socks_cases[_i].want);
	ck_assert_int_eq(rep, socks_cases[_i].rep);
	/* Incremental: no prefix of a complete reply is complete. */
	if (socks_cases[_i].want > 0)
		for (i = 0; i < (size_t)socks_cases[_i].want; i++) {
			ck_assert_int_eq(gw_socks5_reply_parse(
			    socks_cases[_i].wire, i, &need, &rep), 0);
			ck_assert_uint_gt(need, i);
		}
}
END_TEST

START_TEST(test_socks_rep_str)
{
	ck_assert_str_eq(gw_socks5_rep_str(0xf0),
	    "onion descriptor not found");
	ck_assert_str_eq(gw_socks5_rep_str(0x01), "general SOCKS failure");
	ck_assert_str_eq(gw_socks5_rep_str(0x99), "unknown SOCKS reply");
}
END_TEST

static const struct {
	const char	*wire;
	int		 want;
} http_cases[] = {
	{ "HTTP/1.1 200 OK\r\n", 200 },
	{ "HTTP/1.0 502\r\n", 502 },
	{ "HTTP/1.1 404 Not Found\n", 404 },
	{ "HTTP/1.1 200 OK", 0 },		/* no line end yet */
	{ "HTTP/1.1 20", 0 },
	{ "HTTP/2 200\r\n", -1 },
	{ "HTTP/1.1 2x0 OK\r\n", -1 },
	{ "HTTP/1.1 099 X\r\n", -1 },
	{ "HTTP/1.1 200OK\r\n", -1 },
	{ "SSH-2.0-OpenSSH_9.2\r\n", -1 },
	{ "\r\n", -1 },
};

START_TEST(test_http_status)
{
	ck_assert_int_eq(gw_http_status_parse(http_cases[_i].wire,
	    strlen(http_cases[_i].wire), 1024), http_cases[_i].want);
}
END_TEST

START_TEST(test_http_status_bounded)
{
	char	buf[2048];

	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "HTTP/1.1 200 ", 13);
	/* No line end within maxline: refused, not "need more". */
	ck_assert_int_eq(gw_http_status_parse(buf, sizeof(buf), 1024), -1);
	ck_assert_int_eq(gw_http_status_parse(buf, 100, 1024), 0);
}
END_TEST

Suite *
onion_proto_suite(void)
{
	Suite	*s = suite_create("onion_proto");
	TCase	*tc = tcase_create("parsers");

	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, test_socks_reply, 0,
	    (int)GW_NITEMS(socks_cases));
	tcase_add_test(tc, test_socks_rep_str);
	tcase_add_loop_test(tc, test_http_status, 0,
	    (int)GW_NITEMS(http_cases));
	tcase_add_test(tc, test_http_status_bounded);
	suite_add_tcase(s, tc);
	return s;
}
