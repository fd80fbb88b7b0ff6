/* check_torctl_events.c - table tests of the async event parser. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tests/check_torctl.h"
#include "torctl/torctl_proto.h"

static const struct {
	const char	*line;
	int		 want;
	int		 type;
} basic[] = {
	{ "HS_DESC UPLOADED abcdabcd UNKNOWN $0123456789ABCDEF0123456789ABCDEF"
	    "01234567~relay", 0, TORCTL_EV_HS_DESC },
	{ "HS_DESC UPLOAD", TORCTL_ERR_PROTO, TORCTL_EV_HS_DESC },
	{ "STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=100 TAG=done "
	    "SUMMARY=\"Done\"", 0, TORCTL_EV_STATUS_CLIENT },
	{ "STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=101", TORCTL_ERR_PROTO,
	    TORCTL_EV_STATUS_CLIENT },
	{ "STATUS_CLIENT NOTICE", TORCTL_ERR_PROTO, TORCTL_EV_STATUS_CLIENT },
	{ "STATUS_GENERAL WARN CLOCK_SKEW SKEW=-300 SOURCE=DIRSERV:1.2.3.4:80",
	    0, TORCTL_EV_STATUS_GENERAL },
	{ "STATUS_SERVER NOTICE GOOD_SERVER_DESCRIPTOR", 0,
	    TORCTL_EV_STATUS_SERVER },
	{ "NETWORK_LIVENESS UP", 0, TORCTL_EV_NETWORK_LIVENESS },
	{ "NETWORK_LIVENESS DOWN", 0, TORCTL_EV_NETWORK_LIVENESS },
	{ "NETWORK_LIVENESS SIDEWAYS", TORCTL_ERR_PROTO,
	    TORCTL_EV_NETWORK_LIVENESS },
	{ "CIRC 12 BUILT $AA~a,$BB~b PURPOSE=GENERAL", 0, TORCTL_EV_CIRC },
	{ "CIRC x BUILT", TORCTL_ERR_PROTO, TORCTL_EV_CIRC },
	{ "CIRC 99999999999999999999 BUILT", TORCTL_ERR_PROTO, TORCTL_EV_CIRC },
	{ "STREAM 5 NEW 0 example.onion:8448", 0, TORCTL_EV_STREAM },
	{ "STREAM 5 NEW", TORCTL_ERR_PROTO, TORCTL_EV_STREAM },
	{ "BW 100 200", 0, TORCTL_EV_OTHER },
	{ "", TORCTL_ERR_PROTO, TORCTL_EV_OTHER },
	{ "STREAM 5 NEW 0 x:1 SOCKS_USERNAME=\"unterminated", TORCTL_ERR_PROTO,
	    TORCTL_EV_STREAM },
};

START_TEST(test_event_basic)
{
	struct torctl_event	ev;
	int			r;

	r = torctl_event_parse_line(basic[_i].line, strlen(basic[_i].line),
	    &ev);
	ck_assert_int_eq(r, basic[_i].want);
	ck_assert_int_eq(ev.type, basic[_i].type);
}
END_TEST

START_TEST(test_hs_desc)
{
	struct torctl_event	 ev;
	const char		*l = "HS_DESC FAILED "
	    "v6fg3ydqzgjkmnxig7w66ufbl7tt5yhxzf4aiyo5eea7q3x6ctx5d2ad NO_AUTH "
	    "$5A0A7BB1C1C6B1E1D38D1AAC1EDCA2B7F3A0CF33~hsdir1 "
	    "b3oeducbhjmbqmgw2i3jtz4fekkrinwj REASON=UPLOAD_REJECTED";

	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_str_eq(ev.name, "HS_DESC");
	ck_assert_str_eq(ev.u.hs_desc.action, "FAILED");
	ck_assert_str_eq(ev.u.hs_desc.address,
	    "v6fg3ydqzgjkmnxig7w66ufbl7tt5yhxzf4aiyo5eea7q3x6ctx5d2ad");
	ck_assert_str_eq(ev.u.hs_desc.auth_type, "NO_AUTH");
	ck_assert_str_eq(ev.u.hs_desc.hsdir,
	    "$5A0A7BB1C1C6B1E1D38D1AAC1EDCA2B7F3A0CF33~hsdir1");
	ck_assert_str_eq(ev.u.hs_desc.descid,
	    "b3oeducbhjmbqmgw2i3jtz4fekkrinwj");
	ck_assert_str_eq(ev.u.hs_desc.reason, "UPLOAD_REJECTED");

	l = "HS_DESC CREATED v6fg3ydqzgjkmnxig7w66ufbl7tt5yhxzf4aiyo5eea7q3x6"
	    "ctx5d2ad UNKNOWN UNKNOWN 4tqt6ez6mqtkt3lm35a5gqc2xpukuvgsgs5a3ik"
	    "fwpqaf3h5nfuq";
	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_str_eq(ev.u.hs_desc.action, "CREATED");
	ck_assert_str_eq(ev.u.hs_desc.hsdir, "UNKNOWN");
	ck_assert_str_eq(ev.u.hs_desc.reason, "");
	/* legacy "$FP=nick" long names are still one positional word */
	l = "HS_DESC UPLOADED x UNKNOWN $AB=nick";
	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_str_eq(ev.u.hs_desc.hsdir, "$AB=nick");
}
END_TEST

START_TEST(test_status)
{
	struct torctl_event	 ev;
	const char		*l = "STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=75 "
	    "TAG=enough_dirinfo SUMMARY=\"Loaded enough directory info to "
	    "build circuits\"";

	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_int_eq(ev.type, TORCTL_EV_STATUS_CLIENT);
	ck_assert_str_eq(ev.u.status.severity, "NOTICE");
	ck_assert_str_eq(ev.u.status.action, "BOOTSTRAP");
	ck_assert_int_eq(ev.u.status.progress, 75);
	ck_assert_str_eq(ev.u.status.tag, "enough_dirinfo");
	ck_assert_str_eq(ev.u.status.summary,
	    "Loaded enough directory info to build circuits");
	l = "STATUS_CLIENT WARN BOOTSTRAP PROGRESS=5 TAG=conn "
	    "SUMMARY=\"Connecting\" WARNING=\"Connection refused\" "
	    "REASON=CONNECTREFUSED COUNT=3 RECOMMENDATION=ignore";
	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_str_eq(ev.u.status.warning, "Connection refused");
	ck_assert_str_eq(ev.u.status.reason, "CONNECTREFUSED");
	l = "STATUS_CLIENT NOTICE CIRCUIT_ESTABLISHED";
	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_str_eq(ev.u.status.action, "CIRCUIT_ESTABLISHED");
	ck_assert_int_eq(ev.u.status.progress, -1);
	ck_assert_str_eq(ev.u.status.args, "");
}
END_TEST

START_TEST(test_circ_stream)
{
	struct torctl_event	 ev;
	const char		*l = "CIRC 7 BUILT $AAAA~relay1,$BBBB~exit1 "
	    "BUILD_FLAGS=NEED_CAPACITY PURPOSE=GENERAL "
	    "TIME_CREATED=2026-11-28T12:00:00.000000 "
	    "SOCKS_USERNAME=\"matrix.org\" SOCKS_PASSWORD=\"iso 1\"";

	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_int_eq(ev.type, TORCTL_EV_CIRC);
	ck_assert_uint_eq(ev.u.circ.id, 7);
	ck_assert_str_eq(ev.u.circ.status, "BUILT");
	ck_assert_str_eq(ev.u.circ.path, "$AAAA~relay1,$BBBB~exit1");
	ck_assert_str_eq(ev.u.circ.build_flags, "NEED_CAPACITY");
	ck_assert_str_eq(ev.u.circ.purpose, "GENERAL");
	ck_assert_str_eq(ev.u.circ.socks_username, "matrix.org");
	ck_assert_str_eq(ev.u.circ.socks_password, "iso 1");
	l = "CIRC 8 LAUNCHED BUILD_FLAGS=IS_INTERNAL,NEED_CAPACITY "
	    "PURPOSE=HS_SERVICE_INTRO HS_STATE=HSSI_CONNECTING "
	    "REND_QUERY=abc";
	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_str_eq(ev.u.circ.path, "");
	ck_assert_str_eq(ev.u.circ.hs_state, "HSSI_CONNECTING");
	ck_assert_str_eq(ev.u.circ.rend_query, "abc");
	l = "CIRC 9 CLOSED $AAAA~r REASON=FINISHED REMOTE_REASON=DESTROYED";
	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_str_eq(ev.u.circ.reason, "FINISHED");
	ck_assert_str_eq(ev.u.circ.remote_reason, "DESTROYED");

	l = "STREAM 21 SUCCEEDED 7 127.0.0.1.$ABCD.exit:8080 "
	    "SOCKS_USERNAME=\"peer.example\" SOCKS_PASSWORD=\"x\" "
	    "CLIENT_PROTOCOL=SOCKS5 NYM_EPOCH=0 SESSION_GROUP=-4 "
	    "ISO_FIELDS=SOCKS_USERNAME,SOCKS_PASSWORD,CLIENTADDR,"
	    "SESSION_GROUP,NYM_EPOCH SOURCE_ADDR=127.0.0.1:43210 "
	    "PURPOSE=USER";
	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_int_eq(ev.type, TORCTL_EV_STREAM);
	ck_assert_uint_eq(ev.u.stream.id, 21);
	ck_assert_str_eq(ev.u.stream.status, "SUCCEEDED");
	ck_assert_uint_eq(ev.u.stream.circ_id, 7);
	ck_assert_str_eq(ev.u.stream.target, "127.0.0.1.$ABCD.exit:8080");
	ck_assert_str_eq(ev.u.stream.socks_username, "peer.example");
	ck_assert_str_eq(ev.u.stream.client_protocol, "SOCKS5");
	ck_assert_str_eq(ev.u.stream.iso_fields, "SOCKS_USERNAME,"
	    "SOCKS_PASSWORD,CLIENTADDR,SESSION_GROUP,NYM_EPOCH");
	ck_assert_str_eq(ev.u.stream.source_addr, "127.0.0.1:43210");
	ck_assert_str_eq(ev.u.stream.purpose, "USER");
	l = "STREAM 22 FAILED 0 abc.onion:443 REASON=END REMOTE_REASON=TIMEOUT";
	ck_assert_int_eq(torctl_event_parse_line(l, strlen(l), &ev), 0);
	ck_assert_str_eq(ev.u.stream.reason, "END");
	ck_assert_str_eq(ev.u.stream.remote_reason, "TIMEOUT");
	ck_assert_str_eq(ev.u.stream.socks_username, "");
}
END_TEST

START_TEST(test_event_toobig)
{
	struct torctl_event	ev;
	char			l[1200];
	size_t			n;

	n = (size_t)snprintf(l, sizeof(l), "CIRC 1 BUILT SOCKS_USERNAME=\"");
	memset(l + n, 'u', 600);
	n += 600;
	l[n++] = '"';
	ck_assert_int_eq(torctl_event_parse_line(l, n, &ev),
	    TORCTL_ERR_TOOBIG);
	/* one byte less than the field holds is fine */
	n = (size_t)snprintf(l, sizeof(l), "CIRC 1 BUILT SOCKS_USERNAME=\"");
	memset(l + n, 'u', sizeof(ev.u.circ.socks_username) - 1);
	n += sizeof(ev.u.circ.socks_username) - 1;
	l[n++] = '"';
	ck_assert_int_eq(torctl_event_parse_line(l, n, &ev), 0);
	ck_assert_uint_eq(strlen(ev.u.circ.socks_username),
	    sizeof(ev.u.circ.socks_username) - 1);
}
END_TEST

START_TEST(test_event_from_reply)
{
	struct torctl_parser	*p = torctl_parser_new();
	struct torctl_reply	*r;
	struct torctl_event	 ev;

	ck_assert_int_eq(torctl_parser_feed_line(p, "650 NETWORK_LIVENESS UP",
	    23), TORCTL_PARSE_EVENT);
	r = torctl_parser_take(p);
	ck_assert_int_eq(torctl_event_parse(r, &ev), 0);
	ck_assert_int_eq(ev.type, TORCTL_EV_NETWORK_LIVENESS);
	ck_assert_int_eq(ev.u.network_up, 1);
	torctl_reply_free(r);
	ck_assert_int_eq(torctl_parser_feed_line(p, "250 OK", 6),
	    TORCTL_PARSE_REPLY);
	r = torctl_parser_take(p);
	ck_assert_int_eq(torctl_event_parse(r, &ev), TORCTL_ERR_PROTO);
	torctl_reply_free(r);
	torctl_parser_free(p);
}
END_TEST

Suite *
torctl_events_suite(void)
{
	Suite	*s = suite_create("torctl_events");
	TCase	*tc = tcase_create("events");

	tcase_set_timeout(tc, 5);
	tcase_add_loop_test(tc, test_event_basic, 0, (int)GW_NITEMS(basic));
	tcase_add_test(tc, test_hs_desc);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_circ_stream);
	tcase_add_test(tc, test_event_toobig);
	tcase_add_test(tc, test_event_from_reply);
	suite_add_tcase(s, tc);
	return s;
}
