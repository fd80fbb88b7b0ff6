/*
 * fuzz_xmatrix.c - libFuzzer target for gw_xmatrix_parse() (one
 * Authorization field value) and gw_xmatrix_server_name_ok().
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gatewayd/gw_xmatrix.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_xmatrix	 xm;
	char			*copy;

	/* exact-size heap copy: ASan sees any read past the end */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (gw_xmatrix_parse(copy, size, &xm) == 0) {
		/* what a success promises */
		if (strlen(xm.origin) == 0 || strlen(xm.key) == 0 ||
		    strlen(xm.sig) == 0 ||
		    !gw_xmatrix_server_name_ok(xm.origin, strlen(xm.origin)))
			abort();
		if (xm.has_destination != (xm.destination[0] != '\0'))
			abort();
	}
	(void)gw_xmatrix_server_name_ok(copy, size);
	free(copy);
	return 0;
}
