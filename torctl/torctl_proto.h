/*
 * torctl_proto.h - the pure half of the control protocol: an incremental,
 * bounded reply parser fed one line at a time, and helpers for QuotedString
 * and keyword=value arguments, command building and tor versions.
 * Owns: the reply being assembled. Never: does I/O, uses libevent, logs.
 */
#ifndef GW_TORCTL_TORCTL_PROTO_H
#define GW_TORCTL_TORCTL_PROTO_H

#include <stddef.h>

#include "torctl/torctl.h"

struct torctl_parser;			/* opaque */

/* Results of torctl_parser_feed_line() besides negative errors. */
enum {
	TORCTL_PARSE_MORE	= 0,	/* need another line */
	TORCTL_PARSE_REPLY	= 1,	/* a command reply (2xx-5xx) is done */
	TORCTL_PARSE_EVENT	= 2,	/* an async (6xx) reply is done */
};

/* Return a new parser, or NULL if memory is exhausted. */
struct torctl_parser	*torctl_parser_new(void);
/* Free 'p' and any reply it holds. NULL is a no-op. */
void			 torctl_parser_free(struct torctl_parser *p);
/* Drop partial and finished replies (after a reconnect). */
void			 torctl_parser_reset(struct torctl_parser *p);

/*
 * Feed one line of 'len' bytes, without its CRLF (need not be
 * NUL-terminated). Return TORCTL_PARSE_MORE, _REPLY or _EVENT, or a negative
 * enum torctl_err: TORCTL_ERR_PROTO (grammar, NUL/CR/LF in the line, status
 * code changed inside a reply), TORCTL_ERR_TOOBIG (line or reply limit),
 * TORCTL_ERR_NOMEM. After an error the parser must be reset. Async 6xx lines
 * may arrive between the lines of a command reply; they are assembled
 * separately.
 */
int	torctl_parser_feed_line(struct torctl_parser *p, const char *line,
	    size_t len);

/* Bound every reply to 'max' bytes (at most TORCTL_MAX_REPLY, the
 * default). Applies to replies started after the call. */
void	torctl_parser_set_max_reply(struct torctl_parser *p, size_t max);

/* Take the reply just completed (after _REPLY or _EVENT); the caller owns
 * it. Return NULL if there is none. */
struct torctl_reply	*torctl_parser_take(struct torctl_parser *p);
/* Free a reply. NULL is a no-op. */
void			 torctl_reply_free(struct torctl_reply *r);

/* Render the last completed reply for tests: "250|line|line", data blocks
 * appended to their line with "\n" escaped as "\\n". Borrowed; valid until
 * the next feed. NULL if there is none. */
const char	*torctl_reply_dump(struct torctl_parser *p);

/*
 * Tokenizer for control-spec argument lists: words separated by spaces,
 * each either plain, "QuotedString", or Keyword=Value with a plain or
 * quoted value.
 */
struct torctl_tok {
	const char	*key;		/* keyword, or the word itself */
	size_t		 keylen;
	const char	*val;		/* raw value (still quoted) or NULL */
	size_t		 vallen;
	int		 quoted;	/* val (or the word) is a QuotedString */
};

/* Read the next token from [*pos, end) and advance *pos. Return 1 with *t
 * filled, 0 at the end, or TORCTL_ERR_PROTO (unterminated quote). */
int	torctl_tok_next(const char **pos, const char *end,
	    struct torctl_tok *t);

/*
 * Decode a QuotedString body (without the surrounding quotes) with tor's
 * C escapes (\\ \" \n \r \t \ooo) into out (NUL-terminated). Return the
 * decoded length, TORCTL_ERR_PROTO (bad escape, NUL produced) or
 * TORCTL_ERR_TOOBIG (out too small).
 */
int	torctl_unescape(const char *s, size_t len, char *out, size_t outlen);

/* Copy a token value (quoted or not) into out, unescaped. Return its length
 * or a negative enum torctl_err as torctl_unescape(). */
int	torctl_tok_value(const struct torctl_tok *t, char *out, size_t outlen);

/* Find Keyword=Value 'key' in the argument list [s, s+len) and copy its
 * value into out. Return the value's length, TORCTL_ERR_NOTFOUND, or an
 * error as torctl_unescape(). */
int	torctl_kv_get(const char *s, size_t len, const char *key, char *out,
	    size_t outlen);

/* Append 's' as a QuotedString (with quotes) to the NUL-terminated buf.
 * Return 0, TORCTL_ERR_INVAL (CR, LF or NUL in s) or TORCTL_ERR_TOOBIG. */
int	torctl_quote_append(char *buf, size_t buflen, const char *s);

/* 1 if 's' may go into a command unquoted (printable, no SP/CR/LF), else 0. */
int	torctl_is_safe_word(const char *s);

/*
 * Command builders (pure). Each stores a malloc'd command line without CRLF
 * in *out (caller frees) and returns 0, or returns TORCTL_ERR_INVAL (a
 * value would break the line: CR, LF, NUL, space where a word is needed),
 * TORCTL_ERR_TOOBIG (over TORCTL_MAX_CMD) or TORCTL_ERR_NOMEM, leaving
 * *out NULL.
 */
int	torctl_build_words(const char *cmd, const char *const *words,
	    size_t nwords, char **out);
int	torctl_build_add_onion(const struct torctl_onion_spec *spec,
	    char **out);
/* Any single line: checks CR/LF/NUL and the size, then copies it. */
int	torctl_build_line(const char *line, char **out);

#endif /* GW_TORCTL_TORCTL_PROTO_H */
