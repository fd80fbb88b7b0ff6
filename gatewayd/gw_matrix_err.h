/*
 * gw_matrix_err.h - Matrix error JSON ({"errcode":..,"error":..}) and the
 * complete HTTP responses onionfedd writes itself.
 * Owns: the body and head bytes of our own answers.
 * Never: does I/O beyond appending to a caller's evbuffer.
 */
#ifndef GW_GATEWAYD_GW_MATRIX_ERR_H
#define GW_GATEWAYD_GW_MATRIX_ERR_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

/* Return a malloc'd NUL-terminated compact JSON object
 * {"errcode":errcode,"error":error[,"retry_after_ms":N]} (retry_after_ms
 * is included when >= 0) and store its length in *len; NULL if memory is
 * exhausted. 'error' may hold any bytes: non-ASCII and control bytes
 * become '?'. Free with free(). */
char	*gw_matrix_err_json(const char *errcode, const char *error,
	    int64_t retry_after_ms, size_t *len);

/* Append a complete HTTP/1.1 response with 'status', a Matrix error body
 * and Content-Type/Content-Length, plus "Retry-After: <ceil seconds>" when
 * retry_after_ms >= 0 and "Connection: close" when 'close'. Return 0, or -1
 * if memory is exhausted. */
int	gw_matrix_err_response(struct evbuffer *out, int status,
	    const char *errcode, const char *error, int64_t retry_after_ms,
	    int close);

/* Append a 200 application/json response carrying 'json' verbatim. */
int	gw_matrix_json_response(struct evbuffer *out, const char *json,
	    size_t len, int close);

/* The reason phrase for 'status' ("Unknown" for codes we never send). */
const char *gw_http_reason(int status);

#endif /* GW_GATEWAYD_GW_MATRIX_ERR_H */
