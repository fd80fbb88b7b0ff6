/* check_torctl_proto.c - table tests of the pure reply parser and helpers. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/check_torctl.h"
#include "torctl/torctl_limits.h"
#include "torctl/torctl_proto.h"

#define W(s)	(s), sizeof(s) - 1	/* keep embedded NULs */

/* Split on LF, strip one CR, feed each line; return the last result (or
 * the first error). */
static int
feed_wire(struct torctl_parser *p, const char *s, size_t len)
{
	const char	*end = s + len, *nl;
	size_t		 n;
	int		 r = TORCTL_PARSE_MORE;

	while (s < end && (nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		n = (size_t)(nl - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if ((r = torctl_parser_feed_line(p, s, n)) < 0)
			return r;
		s = nl + 1;
	}
	return r;
}

static const struct {
	const char	*wire;
	size_t		 len;
	int		 want;		/* result of the last feed */
	const char	*dump;		/* torctl_reply_dump(), or NULL */
} cases[] = {
	{ W("250 OK\r\n"), TORCTL_PARSE_REPLY, "250|OK" },
	{ W("250-version=0.4.9.11\r\n250 OK\r\n"), TORCTL_PARSE_REPLY,
	    "250|version=0.4.9.11|OK" },
	{ W("250+x=\r\na\r\n..b\r\n.\r\n250 OK\r\n"), TORCTL_PARSE_REPLY,
	    "250|x=a\\n.b|OK" },
	{ W("250+x=\r\n.\r\n250 OK\r\n"), TORCTL_PARSE_REPLY, "250|x=|OK" },
	{ W("250+x=\r\n\r\n\r\n.\r\n250 OK\r\n"), TORCTL_PARSE_REPLY,
	    "250|x=\\n|OK" },
	{ W("250+x=\r\n250 OK\r\n.\r\n250 OK\r\n"), TORCTL_PARSE_REPLY,
	    "250|x=250 OK|OK" },		/* data is not status lines */
	{ W("650 BW 10 20\r\n"), TORCTL_PARSE_EVENT, "650|BW 10 20" },
	{ W("650-CONF_CHANGED\r\n650-Nickname=x\r\n650 OK\r\n"),
	    TORCTL_PARSE_EVENT, "650|CONF_CHANGED|Nickname=x|OK" },
	{ W("552 Unrecognized key \"x\"\r\n"), TORCTL_PARSE_REPLY,
	    "552|Unrecognized key \"x\"" },
	{ W("451 Resource exhausted\r\n"), TORCTL_PARSE_REPLY,
	    "451|Resource exhausted" },
	{ W("250 \r\n"), TORCTL_PARSE_REPLY, "250|" },
	/* An event in the middle of a multi-line reply completes on its own;
	 * the reply then continues. */
	{ W("250-a=1\r\n650 HS_DESC X\r\n"), TORCTL_PARSE_EVENT,
	    "650|HS_DESC X" },
	{ W("250-a=1\r\n650 HS_DESC X\r\n250 OK\r\n"), TORCTL_PARSE_REPLY,
	    "250|a=1|OK" },
	{ W("250-a\r\n650-E1\r\n250-b\r\n650 E2\r\n"), TORCTL_PARSE_EVENT,
	    "650|E1|E2" },
	{ W("250-a\r\n650-E1\r\n250-b\r\n650 E2\r\n250 c\r\n"),
	    TORCTL_PARSE_REPLY, "250|a|b|c" },
	{ W("250-a\r\n"), TORCTL_PARSE_MORE, NULL },
	{ W("250+a\r\nxx\r\n"), TORCTL_PARSE_MORE, NULL },
	/* errors */
	{ W("25 OK\r\n"), TORCTL_ERR_PROTO, NULL },
	{ W("250\r\n"), TORCTL_ERR_PROTO, NULL },
	{ W("250OK\r\n"), TORCTL_ERR_PROTO, NULL },
	{ W("2x0 OK\r\n"), TORCTL_ERR_PROTO, NULL },
	{ W("150 OK\r\n"), TORCTL_ERR_PROTO, NULL },
	{ W("350 OK\r\n"), TORCTL_ERR_PROTO, NULL },
	{ W("750 OK\r\n"), TORCTL_ERR_PROTO, NULL },
	{ W("250*OK\r\n"), TORCTL_ERR_PROTO, NULL },
	{ W("250-a\r\n251 b\r\n"), TORCTL_ERR_PROTO, NULL }, /* code changed */
	{ W("650-a\r\n651 b\r\n"), TORCTL_ERR_PROTO, NULL },
	{ W("250 O\0K\r\n"), TORCTL_ERR_PROTO, NULL },	/* embedded NUL */
	{ W("250 O\rK\r\n"), TORCTL_ERR_PROTO, NULL },	/* bare CR */
	{ W("250+x\r\na\0b\r\n"), TORCTL_ERR_PROTO, NULL }, /* NUL in data */
	{ W("\r\n"), TORCTL_ERR_PROTO, NULL },
};

START_TEST(test_reply_cases)
{
	struct torctl_parser	*p = torctl_parser_new();
	const char		*d;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(feed_wire(p, cases[_i].wire, cases[_i].len),
	    cases[_i].want);
	if (cases[_i].dump != NULL) {
		d = torctl_reply_dump(p);
		ck_assert_ptr_nonnull(d);
		ck_assert_str_eq(d, cases[_i].dump);
	}
	torctl_parser_free(p);
}
END_TEST

START_TEST(test_reply_accessors)
{
	struct torctl_parser	*p = torctl_parser_new();
	struct torctl_reply	*r;
	const char		*v;
	size_t			 n;
	static const char	 w[] = "250-version=0.4.9.11\r\n"
	    "250+config-text=\r\nSocksPort 0\r\n.Dot\r\n.\r\n250 OK\r\n";

	ck_assert_int_eq(feed_wire(p, w, sizeof(w) - 1), TORCTL_PARSE_REPLY);
	r = torctl_parser_take(p);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_null(torctl_parser_take(p));
	ck_assert_int_eq(torctl_reply_status(r), 250);
	ck_assert_uint_eq(torctl_reply_nlines(r), 3);
	ck_assert_int_eq(torctl_reply_get(r, "version", &v, &n), 0);
	ck_assert_uint_eq(n, 8);
	ck_assert_str_eq(v, "0.4.9.11");
	ck_assert_int_eq(torctl_reply_get(r, "config-text", &v, &n), 0);
	ck_assert_str_eq(v, "SocksPort 0\nDot");
	ck_assert_int_eq(torctl_reply_get(r, "versio", &v, &n),
	    TORCTL_ERR_NOTFOUND);
	ck_assert_int_eq(torctl_reply_get(r, "nope", &v, &n),
	    TORCTL_ERR_NOTFOUND);
	ck_assert_str_eq(torctl_reply_line(r, 2, &n), "OK");
	ck_assert_ptr_null(torctl_reply_line(r, 3, &n));
	ck_assert_ptr_null(torctl_reply_data(r, 0, &n));
	ck_assert_ptr_nonnull(torctl_reply_data(r, 1, &n));
	torctl_reply_free(r);
	/* the parser is reusable */
	ck_assert_int_eq(feed_wire(p, W("250 OK\r\n")), TORCTL_PARSE_REPLY);
	torctl_parser_free(p);
}
END_TEST

START_TEST(test_limits)
{
	struct torctl_parser	*p = torctl_parser_new();
	char			*big;
	size_t			 i;

	big = malloc(TORCTL_MAX_LINE + 8);
	memset(big, 'a', TORCTL_MAX_LINE + 8);
	memcpy(big, "250-", 4);
	/* A line of exactly the limit is fine, one more byte is not. */
	ck_assert_int_eq(torctl_parser_feed_line(p, big, TORCTL_MAX_LINE),
	    TORCTL_PARSE_MORE);
	ck_assert_int_eq(torctl_parser_feed_line(p, big, TORCTL_MAX_LINE + 1),
	    TORCTL_ERR_TOOBIG);
	torctl_parser_reset(p);
	/* Total reply size. */
	for (i = 0; i < TORCTL_MAX_REPLY / TORCTL_MAX_LINE + 2; i++) {
		int r = torctl_parser_feed_line(p, big, TORCTL_MAX_LINE);

		if (r < 0) {
			ck_assert_int_eq(r, TORCTL_ERR_TOOBIG);
			break;
		}
	}
	ck_assert_uint_lt(i, TORCTL_MAX_REPLY / TORCTL_MAX_LINE + 2);
	torctl_parser_reset(p);
	/* Line count. */
	for (i = 0; i <= TORCTL_MAX_REPLY_LINES; i++) {
		int r = torctl_parser_feed_line(p, "250-x", 5);

		if (r < 0) {
			ck_assert_int_eq(r, TORCTL_ERR_TOOBIG);
			break;
		}
	}
	ck_assert_uint_eq(i, TORCTL_MAX_REPLY_LINES);
	/* Data block size is bounded by the reply size too. */
	torctl_parser_reset(p);
	ck_assert_int_eq(torctl_parser_feed_line(p, "250+d=", 6),
	    TORCTL_PARSE_MORE);
	for (i = 0; i < TORCTL_MAX_REPLY / TORCTL_MAX_LINE + 2; i++) {
		int r = torctl_parser_feed_line(p, big + 4,
		    TORCTL_MAX_LINE - 4);

		if (r < 0) {
			ck_assert_int_eq(r, TORCTL_ERR_TOOBIG);
			break;
		}
	}
	ck_assert_uint_lt(i, TORCTL_MAX_REPLY / TORCTL_MAX_LINE + 2);
	/* A smaller per-parser bound survives reset. */
	torctl_parser_reset(p);
	torctl_parser_set_max_reply(p, 100);
	torctl_parser_reset(p);
	ck_assert_int_eq(torctl_parser_feed_line(p, big, 90),
	    TORCTL_PARSE_MORE);
	ck_assert_int_eq(torctl_parser_feed_line(p, big, 20),
	    TORCTL_ERR_TOOBIG);
	free(big);
	torctl_parser_free(p);
}
END_TEST

static const struct {
	const char	*args;
	const char	*key;
	int		 want;		/* length or error */
	const char	*val;
} kv_cases[] = {
	{ "METHODS=COOKIE,SAFECOOKIE COOKIEFILE=\"/run/tor/c\"", "COOKIEFILE",
	    10, "/run/tor/c" },
	{ "METHODS=COOKIE,SAFECOOKIE COOKIEFILE=\"/run/tor/c\"", "METHODS",
	    17, "COOKIE,SAFECOOKIE" },
	{ "A=1 B=\"x y\\\" z\" C=3", "B", 6, "x y\" z" },
	{ "A=1 B=\"x y\\\" z\" C=3", "C", 1, "3" },
	{ "A=1", "B", TORCTL_ERR_NOTFOUND, NULL },
	{ "AB=1", "A", TORCTL_ERR_NOTFOUND, NULL },
	{ "A=\"unterminated", "A", TORCTL_ERR_PROTO, NULL },
	{ "A=\"a\\nb\\tc\\\\\"", "A", 6, "a\nb\tc\\" },
	{ "A=\"\\101\\x42\"", "A", 2, "AB" },
	{ "A=\"\\0\"", "A", TORCTL_ERR_PROTO, NULL },	/* NUL */
	{ "A=\"\\q\"", "A", TORCTL_ERR_PROTO, NULL },
	{ "A=\"\\x4\"", "A", TORCTL_ERR_PROTO, NULL },
	{ "A=\"\\777\"", "A", TORCTL_ERR_PROTO, NULL },
	{ "A=", "A", 0, "" },
	{ "word \"quoted word\" A=\"\"", "A", 0, "" },
	{ "A=\"0123456789abcdef0123456789abcdef\"", "A", TORCTL_ERR_TOOBIG,
	    NULL },
};

START_TEST(test_kv_cases)
{
	char	out[32];
	int	r;

	r = torctl_kv_get(kv_cases[_i].args, strlen(kv_cases[_i].args),
	    kv_cases[_i].key, out, sizeof(out));
	ck_assert_int_eq(r, kv_cases[_i].want);
	if (kv_cases[_i].val != NULL)
		ck_assert_str_eq(out, kv_cases[_i].val);
}
END_TEST

START_TEST(test_tokens)
{
	const char		*s = "  a \"b c\" K=V Q=\"x y\"  ", *pos = s;
	const char		*end = s + strlen(s);
	struct torctl_tok	 t;
	char			 buf[16];

	ck_assert_int_eq(torctl_tok_next(&pos, end, &t), 1);
	ck_assert_int_eq(torctl_tok_value(&t, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "a");
	ck_assert_int_eq(torctl_tok_next(&pos, end, &t), 1);
	ck_assert_int_eq(t.quoted, 1);
	ck_assert_ptr_null(t.val);
	ck_assert_int_eq(torctl_tok_value(&t, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "b c");
	ck_assert_int_eq(torctl_tok_next(&pos, end, &t), 1);
	ck_assert_uint_eq(t.keylen, 1);
	ck_assert_int_eq(torctl_tok_value(&t, buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "V");
	ck_assert_int_eq(torctl_tok_next(&pos, end, &t), 1);
	ck_assert_int_eq(torctl_tok_value(&t, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "x y");
	ck_assert_int_eq(torctl_tok_next(&pos, end, &t), 0);
}
END_TEST

START_TEST(test_quote)
{
	char	buf[32] = "AUTHENTICATE ";

	ck_assert_int_eq(torctl_quote_append(buf, sizeof(buf), "a\"b\\c"), 0);
	ck_assert_str_eq(buf, "AUTHENTICATE \"a\\\"b\\\\c\"");
	buf[0] = '\0';
	ck_assert_int_eq(torctl_quote_append(buf, sizeof(buf), "a\r\nb"),
	    TORCTL_ERR_INVAL);
	buf[0] = '\0';
	ck_assert_int_eq(torctl_quote_append(buf, 7, "abcd"), 0);
	buf[0] = '\0';
	ck_assert_int_eq(torctl_quote_append(buf, 7, "abcde"),
	    TORCTL_ERR_TOOBIG);
}
END_TEST

static const struct {
	const char	*s;
	int		 ok;
	int		 v[4];
	const char	*status;
} ver_cases[] = {
	{ "0.4.9.11", 1, { 0, 4, 9, 11 }, "" },
	{ "0.4.9.2-alpha", 1, { 0, 4, 9, 2 }, "alpha" },
	{ "0.4.8.9 (git-1234abcd)", 1, { 0, 4, 8, 9 }, "" },
	{ "0.3.5.0-alpha-dev (git-x)", 1, { 0, 3, 5, 0 }, "alpha-dev" },
	{ "0.4.9", 1, { 0, 4, 9, 0 }, "" },
	{ "0.4", 0, { 0 }, NULL },
	{ "x.4.9.1", 0, { 0 }, NULL },
	{ "0.4.9.1x", 0, { 0 }, NULL },
	{ "0.4.9.1-", 0, { 0 }, NULL },
	{ "", 0, { 0 }, NULL },
	{ "9999999999.1.1.1", 0, { 0 }, NULL },
};

START_TEST(test_versions)
{
	struct torctl_version	v;
	int			r = torctl_version_parse(ver_cases[_i].s, &v);

	if (!ver_cases[_i].ok) {
		ck_assert_int_eq(r, TORCTL_ERR_INVAL);
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_int_eq(v.major, ver_cases[_i].v[0]);
	ck_assert_int_eq(v.minor, ver_cases[_i].v[1]);
	ck_assert_int_eq(v.micro, ver_cases[_i].v[2]);
	ck_assert_int_eq(v.patch, ver_cases[_i].v[3]);
	ck_assert_str_eq(v.status, ver_cases[_i].status);
}
END_TEST

START_TEST(test_version_cmp)
{
	struct torctl_version	a, b, min, pow;

	ck_assert_int_eq(torctl_version_parse("0.4.9.11", &a), 0);
	ck_assert_int_eq(torctl_version_parse("0.4.9.2-alpha", &b), 0);
	ck_assert_int_eq(torctl_version_parse(TORCTL_MIN_VERSION_STR, &min), 0);
	ck_assert_int_eq(torctl_version_parse(TORCTL_POW_VERSION_STR, &pow), 0);
	ck_assert_int_gt(torctl_version_cmp(&a, &b), 0);
	ck_assert_int_lt(torctl_version_cmp(&b, &a), 0);
	ck_assert_int_eq(torctl_version_cmp(&b, &pow), 0);
	ck_assert_int_eq(torctl_version_parse("0.3.4.11", &b), 0);
	ck_assert_int_lt(torctl_version_cmp(&b, &min), 0);
	ck_assert_int_eq(torctl_version_parse("0.10.0.0", &b), 0);
	ck_assert_int_gt(torctl_version_cmp(&b, &a), 0);
}
END_TEST

START_TEST(test_backoff)
{
	struct torctl_backoff	b;
	uint32_t		d, prev_max = 0;
	int			i;

	torctl_backoff_init(&b, 100, 5000);
	/* rnd 0 gives the low end, all-ones the high end of [cur/2, cur]. */
	ck_assert_uint_eq(torctl_backoff_next(&b, 0), 50);
	ck_assert_uint_eq(torctl_backoff_next(&b, 0xffffffffu) <= 200, 1);
	for (i = 0; i < 20; i++) {
		d = torctl_backoff_next(&b, (uint32_t)i * 2654435761u);
		ck_assert_uint_le(d, 5000);
		ck_assert_uint_ge(d, prev_max / 2);
		prev_max = d;
	}
	ck_assert_uint_eq(b.cur_ms, 5000);
	ck_assert_uint_ge(torctl_backoff_next(&b, 0), 2500);
	ck_assert_uint_eq(b.attempts, 23);
	torctl_backoff_reset(&b);
	ck_assert_uint_eq(torctl_backoff_next(&b, 100), 50 + 100 % 51);
	/* Exact doubling sequence of the upper bound. */
	torctl_backoff_init(&b, 1000, 60000);
	ck_assert_uint_eq(torctl_backoff_next(&b, 500), 1000);
	ck_assert_uint_eq(torctl_backoff_next(&b, 1000), 2000);
	ck_assert_uint_eq(torctl_backoff_next(&b, 2000), 4000);
	ck_assert_uint_eq(torctl_backoff_next(&b, 0), 4000);
	ck_assert_uint_eq(b.cur_ms, 16000);
}
END_TEST

START_TEST(test_strerror)
{
	int	e;

	for (e = 0; e >= TORCTL_ERR_NOTFOUND; e--)
		ck_assert_str_ne(torctl_strerror(e), "unknown error");
	ck_assert_str_eq(torctl_strerror(-1000), "unknown error");
}
END_TEST

START_TEST(test_auth_names)
{
	enum torctl_auth	a;

	ck_assert_int_eq(torctl_auth_parse("safecookie", &a), 0);
	ck_assert_int_eq(a, TORCTL_AUTH_SAFECOOKIE);
	ck_assert_int_eq(torctl_auth_parse("none", &a), 0);
	ck_assert_int_eq(a, TORCTL_AUTH_NONE);
	ck_assert_int_eq(torctl_auth_parse("Cookie", &a), TORCTL_ERR_INVAL);
	ck_assert_str_eq(torctl_auth_name(TORCTL_AUTH_PASSWORD), "password");
}
END_TEST

Suite *
torctl_proto_suite(void)
{
	Suite	*s = suite_create("torctl_proto");
	TCase	*tc = tcase_create("replies");
	TCase	*th = tcase_create("helpers");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_reply_cases, 0, (int)GW_NITEMS(cases));
	tcase_add_test(tc, test_reply_accessors);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	tcase_set_timeout(th, 5);
	tcase_add_loop_test(th, test_kv_cases, 0, (int)GW_NITEMS(kv_cases));
	tcase_add_test(th, test_tokens);
	tcase_add_test(th, test_quote);
	tcase_add_loop_test(th, test_versions, 0, (int)GW_NITEMS(ver_cases));
	tcase_add_test(th, test_version_cmp);
	tcase_add_test(th, test_backoff);
	tcase_add_test(th, test_strerror);
	tcase_add_test(th, test_auth_names);
	suite_add_tcase(s, th);
	return s;
}
