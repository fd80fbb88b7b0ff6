/*
 * check_inbound_err.c - Matrix error JSON and our own HTTP answers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "gatewayd/gw_matrix_err.h"
#include "tests/check_inbound.h"

START_TEST(test_err_json)
{
	size_t		 len;
	char		*s;
	json_t		*o;
	json_error_t	 e;

	s = gw_matrix_err_json("M_LIMIT_EXCEEDED", "slow \"down\"\n\xff", 1500,
	    &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(len, strlen(s));
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &e);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "errcode")),
	    "M_LIMIT_EXCEEDED");
	ck_assert_str_eq(json_string_value(json_object_get(o, "error")),
	    "slow \"down\"??");
	ck_assert_int_eq(json_integer_value(json_object_get(o,
	    "retry_after_ms")), 1500);
	json_decref(o);
	free(s);
	s = gw_matrix_err_json("M_FORBIDDEN", "no", -1, &len);
	ck_assert_str_eq(s, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"no\"}");
	free(s);
}
END_TEST

START_TEST(test_err_response)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 n;
	char		*s;

	ck_assert_int_eq(gw_matrix_err_response(b, 429, "M_LIMIT_EXCEEDED",
	    "x", 1001, 0), 0);
	n = evbuffer_get_length(b);
	s = calloc(1, n + 1);
	evbuffer_remove(b, s, n);
	ck_assert_msg(strncmp(s, "HTTP/1.1 429 Too Many Requests\r\n", 32) ==
	    0, "%s", s);
	ck_assert_ptr_nonnull(strstr(s, "\r\nRetry-After: 2\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "\r\nContent-Type: application/json"));
	ck_assert_ptr_null(strstr(s, "Connection: close"));
	ck_assert_ptr_nonnull(strstr(s, "\r\n\r\n{\"errcode\":"
	    "\"M_LIMIT_EXCEEDED\",\"error\":\"x\",\"retry_after_ms\":1001}"));
	free(s);
	ck_assert_int_eq(gw_matrix_err_response(b, 431, "M_TOO_LARGE", "big",
	    -1, 1), 0);
	n = evbuffer_get_length(b);
	s = calloc(1, n + 1);
	evbuffer_remove(b, s, n);
	ck_assert(strncmp(s, "HTTP/1.1 431 Request Header Fields Too Large",
	    44) == 0);
	ck_assert_ptr_nonnull(strstr(s, "\r\nConnection: close\r\n"));
	ck_assert_ptr_null(strstr(s, "Retry-After"));
	ck_assert_ptr_nonnull(strstr(s, "Content-Length: 39\r\n"));
	free(s);
	evbuffer_free(b);
}
END_TEST

Suite *
inbound_err_suite(void)
{
	Suite	*s = suite_create("inbound_err");
	TCase	*tc = tcase_create("json");

	tcase_set_timeout(tc, 5);
	tcase_add_test(tc, test_err_json);
	tcase_add_test(tc, test_err_response);
	suite_add_tcase(s, tc);
	return s;
}
