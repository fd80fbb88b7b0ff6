/*
 * fuzz_torctl_tok.c - libFuzzer target for control-spec argument lists:
 * the tokenizer (torctl_tok_next), QuotedString unescaping and quoting.
 * Owns: nothing. Input: an argument list as tor sends it on a reply line.
 * What must hold: the tokenizer always advances and stays inside the
 * input; any string torctl_quote_append() accepts tokenizes back to one
 * quoted word that unescapes to the same string.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "torctl/torctl.h"
#include "torctl/torctl_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define OUTMAX	1024

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct torctl_tok	 t;
	const char		*pos, *end, *prev;
	char			*in, *s, out[OUTMAX], q[2 * OUTMAX + 8];
	int			 r, n, has_nul;
	size_t			 len;

	/* exact-size copy: ASan sees any read past the end */
	if ((in = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(in, data, size);
	has_nul = memchr(in, '\0', size) != NULL;
	pos = in;
	end = in + size;
	for (n = 0; n < 4096; n++) {
		prev = pos;
		r = torctl_tok_next(&pos, end, &t);
		if (r <= 0)
			break;
		if (pos <= prev || pos > end || t.key < in ||
		    t.key + t.keylen > end ||
		    (t.val != NULL && (t.val < in || t.val + t.vallen > end)))
			abort();
		r = torctl_tok_value(&t, out, sizeof(out));
		/* (a raw NUL is copied through: the line parser never hands
		 * one over, it rejects lines with NULs) */
		if (r >= 0 && ((size_t)r >= sizeof(out) ||
		    (!has_nul && strlen(out) != (size_t)r)))
			abort();
	}
	(void)torctl_unescape(in, size, out, sizeof(out));

	/* quote round trip on the input as a C string */
	len = size < OUTMAX - 1 ? size : OUTMAX - 1;
	if ((s = malloc(len + 1)) == NULL) {
		free(in);
		return 0;
	}
	memcpy(s, data, len);
	s[len] = '\0';
	q[0] = '\0';
	if (torctl_quote_append(q, sizeof(q), s) == 0) {
		pos = q;
		end = q + strlen(q);
		if (torctl_tok_next(&pos, end, &t) != 1 || !t.quoted ||
		    pos != end)
			abort();
		r = torctl_tok_value(&t, out, sizeof(out));
		if (r < 0 || (size_t)r != strlen(s) || strcmp(out, s) != 0)
			abort();
	}
	free(s);
	free(in);
	return 0;
}
