/* check_torctl_build.c - command building: CR/LF refusal, size, ADD_ONION. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tests/check_torctl.h"
#include "torctl/torctl_limits.h"
#include "torctl/torctl_proto.h"

START_TEST(test_line_crlf)
{
	static const char *const bad[] = {
		"GETINFO version\r\nSIGNAL HALT", "GETINFO version\n",
		"\rSIGNAL HALT", "a\rb",
	};
	char	*out = (char *)1;
	size_t	 i;

	for (i = 0; i < GW_NITEMS(bad); i++) {
		ck_assert_int_eq(torctl_build_line(bad[i], &out),
		    TORCTL_ERR_INVAL);
		ck_assert_ptr_null(out);
	}
	ck_assert_int_eq(torctl_build_line("GETINFO version", &out), 0);
	ck_assert_str_eq(out, "GETINFO version");
	free(out);
}
END_TEST

START_TEST(test_line_size)
{
	char	*big = malloc(TORCTL_MAX_CMD + 2), *out;

	memset(big, 'a', TORCTL_MAX_CMD + 1);
	big[TORCTL_MAX_CMD] = '\0';
	ck_assert_int_eq(torctl_build_line(big, &out), 0);
	ck_assert_uint_eq(strlen(out), TORCTL_MAX_CMD);
	/* + CRLF still below tor's 1 MiB line limit */
	ck_assert_uint_lt(strlen(out) + 2, 1024 * 1024);
	free(out);
	big[TORCTL_MAX_CMD] = 'a';
	big[TORCTL_MAX_CMD + 1] = '\0';
	ck_assert_int_eq(torctl_build_line(big, &out), TORCTL_ERR_TOOBIG);
	ck_assert_ptr_null(out);
	free(big);
}
END_TEST

START_TEST(test_words)
{
	const char	*keys[] = { "version", "onions/current" };
	const char	*evil[] = { "version\r\nSIGNAL HALT" };
	const char	*space[] = { "a b" };
	const char	*quote[] = { "a\"b" };
	const char	*empty[] = { "" };
	char		*out;

	ck_assert_int_eq(torctl_build_words("GETINFO", keys, 2, &out), 0);
	ck_assert_str_eq(out, "GETINFO version onions/current");
	free(out);
	ck_assert_int_eq(torctl_build_words("SETEVENTS", keys, 0, &out), 0);
	ck_assert_str_eq(out, "SETEVENTS");
	free(out);
	ck_assert_int_eq(torctl_build_words("GETINFO", evil, 1, &out),
	    TORCTL_ERR_INVAL);
	ck_assert_ptr_null(out);
	ck_assert_int_eq(torctl_build_words("GETINFO", space, 1, &out),
	    TORCTL_ERR_INVAL);
	ck_assert_int_eq(torctl_build_words("GETINFO", quote, 1, &out),
	    TORCTL_ERR_INVAL);
	ck_assert_int_eq(torctl_build_words("GETINFO", empty, 1, &out),
	    TORCTL_ERR_INVAL);
	ck_assert_int_eq(torctl_build_words("BAD CMD", keys, 1, &out),
	    TORCTL_ERR_INVAL);
}
END_TEST

START_TEST(test_add_onion)
{
	struct torctl_onion_spec	s;
	char				*out;

	memset(&s, 0, sizeof(s));
	s.ports[0].virt = 8448;
	s.ports[0].target = "127.0.0.1:8449";
	s.nports = 1;
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), 0);
	ck_assert_str_eq(out,
	    "ADD_ONION NEW:ED25519-V3 Port=8448,127.0.0.1:8449");
	free(out);

	s.key = "ED25519-V3:AAAA";
	s.ports[1].virt = 443;
	s.ports[1].target = "unix:/run/onionfed/wk.sock";
	s.ports[2].virt = 80;
	s.nports = 3;
	s.flags = "DiscardPK";
	s.max_streams = 100;
	s.client_auth_v3[0] = "ABCDEF";
	s.nclient_auth = 1;
	s.pow = 1;
	s.pow_queue_rate = 250;
	s.pow_queue_burst = 2500;
	s.extra = "MaxStreamsCloseCircuit=1";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), 0);
	ck_assert_str_eq(out, "ADD_ONION ED25519-V3:AAAA Flags=DiscardPK,V3Auth "
	    "MaxStreams=100 Port=8448,127.0.0.1:8449 "
	    "Port=443,unix:/run/onionfed/wk.sock Port=80 ClientAuthV3=ABCDEF "
	    "PoWDefensesEnabled=1 PoWQueueRate=250 PoWQueueBurst=2500 "
	    "MaxStreamsCloseCircuit=1");
	free(out);

	/* V3Auth is added once, and only when client keys are given */
	s.flags = "V3Auth,DiscardPK";
	s.nports = 1;
	s.pow = 0;
	s.max_streams = 0;
	s.extra = NULL;
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), 0);
	ck_assert_str_eq(out, "ADD_ONION ED25519-V3:AAAA "
	    "Flags=V3Auth,DiscardPK Port=8448,127.0.0.1:8449 "
	    "ClientAuthV3=ABCDEF");
	free(out);
	s.flags = NULL;
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), 0);
	ck_assert_str_eq(out, "ADD_ONION ED25519-V3:AAAA Flags=V3Auth "
	    "Port=8448,127.0.0.1:8449 ClientAuthV3=ABCDEF");
	free(out);
	s.flags = "NoV3Auth";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "Flags=NoV3Auth,V3Auth "));
	free(out);
	s.nclient_auth = 0;
	s.flags = "Detach";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), 0);
	ck_assert_ptr_null(strstr(out, "V3Auth"));
	free(out);
}
END_TEST

START_TEST(test_add_onion_refused)
{
	struct torctl_onion_spec	s, base;
	char				*out;

	memset(&base, 0, sizeof(base));
	base.ports[0].virt = 8448;
	base.nports = 1;

	s = base;
	s.nports = 0;
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	s = base;
	s.ports[0].virt = 0;
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	s = base;
	s.key = "ED25519-V3:AA\r\nDEL_ONION x";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	s = base;
	s.key = "garbage";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	s = base;
	s.ports[0].target = "unix:/tmp/a b";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	s = base;
	s.ports[0].target = "127.0.0.1:1,Port=22";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	s = base;
	s.ports[0].target = "unix:/x\n";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	s = base;
	s.flags = "Detach\r\nSIGNAL HALT";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	s = base;
	s.client_auth_v3[0] = "AB CD";
	s.nclient_auth = 1;
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	s = base;
	s.extra = "X=1\nSIGNAL HALT";
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
	ck_assert_ptr_null(out);
	s = base;
	s.nclient_auth = TORCTL_MAX_CLIENT_AUTH + 1;
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_INVAL);
}
END_TEST

START_TEST(test_add_onion_size)
{
	struct torctl_onion_spec	 s;
	char				*big, *out;

	memset(&s, 0, sizeof(s));
	s.ports[0].virt = 1;
	s.nports = 1;
	big = malloc(TORCTL_MAX_CMD + 1);
	memset(big, 'x', TORCTL_MAX_CMD);
	big[TORCTL_MAX_CMD] = '\0';
	big[0] = 'Y';
	big[1] = '=';
	s.extra = big;
	ck_assert_int_eq(torctl_build_add_onion(&s, &out), TORCTL_ERR_TOOBIG);
	ck_assert_ptr_null(out);
	free(big);
}
END_TEST

Suite *
torctl_build_suite(void)
{
	Suite	*s = suite_create("torctl_build");
	TCase	*tc = tcase_create("commands");

	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_line_crlf);
	tcase_add_test(tc, test_line_size);
	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_add_onion);
	tcase_add_test(tc, test_add_onion_refused);
	tcase_add_test(tc, test_add_onion_size);
	suite_add_tcase(s, tc);
	return s;
}
