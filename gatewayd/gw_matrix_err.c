/*
 * gw_matrix_err.c - Matrix error JSON and our own HTTP answers.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "gatewayd/gw_matrix_err.h"

/* Copy 's' replacing every non-ASCII or control byte by '?', so jansson
 * never refuses a message that quotes peer bytes. */
static char *
ascii_sanitize(const char *s)
{
	size_t	 n = strlen(s), i;
	char	*d = malloc(n + 1);

	if (d == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		d[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	d[n] = '\0';
	return d;
}

char *
gw_matrix_err_json(const char *errcode, const char *error,
    int64_t retry_after_ms, size_t *len)
{
	json_t	*o = NULL;
	char	*msg = NULL, *out = NULL;

	*len = 0;
	if ((msg = ascii_sanitize(error != NULL ? error : "")) == NULL)
		goto out;
	o = json_pack("{s:s, s:s}", "errcode", errcode, "error", msg);
	if (o == NULL)
		goto out;
	if (retry_after_ms >= 0 && json_object_set_new(o, "retry_after_ms",
	    json_integer((json_int_t)retry_after_ms)) != 0)
		goto out;
	if ((out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL)
		*len = strlen(out);
 out:
	json_decref(o);
	free(msg);
	return out;
}

const char *
gw_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 421: return "Misdirected Request";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "Unknown";
}

int
gw_matrix_err_response(struct evbuffer *out, int status, const char *errcode,
    const char *error, int64_t retry_after_ms, int close)
{
	char	*body;
	size_t	 len;
	int	 r;

	if ((body = gw_matrix_err_json(errcode, error, retry_after_ms,
	    &len)) == NULL)
		return -1;
	r = evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n", status, gw_http_reason(status),
	    len) < 0 ? -1 : 0;
	if (r == 0 && retry_after_ms >= 0)
		r = evbuffer_add_printf(out, "Retry-After: %lld\r\n",
		    (long long)((retry_after_ms + 999) / 1000)) < 0 ? -1 : 0;
	if (r == 0 && close)
		r = evbuffer_add(out, "Connection: close\r\n", 19);
	if (r == 0)
		r = evbuffer_add(out, "\r\n", 2);
	if (r == 0)
		r = evbuffer_add(out, body, len);
	free(body);
	return r;
}

int
gw_matrix_json_response(struct evbuffer *out, const char *json, size_t len,
    int close)
{
	if (evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n%s\r\n", len,
	    close ? "Connection: close\r\n" : "") < 0)
		return -1;
	return evbuffer_add(out, json, len);
}
