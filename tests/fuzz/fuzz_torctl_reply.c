/*
 * fuzz_torctl_reply.c - the control-port reply parser on arbitrary bytes:
 * split into lines as the connection does, feed, take replies, read them
 * back through every accessor and the event parser. Built as a libFuzzer
 * target with --enable-fuzzing; otherwise `make check` replays
 * tests/fuzz/corpus/torctl_reply/ through it.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "torctl/torctl_proto.h"

static void
walk(struct torctl_parser *p, int kind)
{
	struct torctl_reply	*r;
	struct torctl_event	 ev;
	const char		*v;
	size_t			 i, n;

	(void)torctl_reply_dump(p);
	if ((r = torctl_parser_take(p)) == NULL)
		return;
	for (i = 0; torctl_reply_line(r, i, &n) != NULL; i++)
		(void)torctl_reply_data(r, i, &n);
	(void)torctl_reply_get(r, "version", &v, &n);
	if (kind == TORCTL_PARSE_EVENT)
		(void)torctl_event_parse(r, &ev);
	else {
		struct torctl_onion_result	res;

		(void)torctl_onion_result(r, &res);
	}
	torctl_reply_free(r);
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct torctl_parser	*p;
	const char		*s = (const char *)data, *end = s + size, *nl;
	size_t			 n;
	int			 r;

	if (size == 0 || (p = torctl_parser_new()) == NULL)
		return 0;
	while ((nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		n = (size_t)(nl - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if ((r = torctl_parser_feed_line(p, s, n)) < 0)
			break;		/* rejecting is fine; crashing is not */
		if (r > 0)
			walk(p, r);
		s = nl + 1;
	}
	torctl_parser_free(p);
	return 0;
}
