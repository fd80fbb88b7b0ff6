/*
 * fuzz_config.c - libFuzzer target for the config loader (gw_config.c).
 * Owns: nothing. Any input must be accepted or rejected with messages,
 * never crash, leak or read out of bounds.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "gatewayd/gw_config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
sink(void *arg, const char *msg)
{
	size_t	*n = arg;

	*n += strlen(msg);		/* touch every byte of the message */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_config	*cfg = NULL;
	size_t			 n = 0;
	int			 r;

	/* No files: the input must not make us open password files. */
	r = gw_config_load_buf("fuzz.conf", (const char *)data, size,
	    GW_CONF_F_NOFILES, sink, &n, &cfg);
	if (r == 0) {
		FILE	*fp = fopen("/dev/null", "w");

		if (fp != NULL) {
			gw_config_summary(cfg, fp);
			fclose(fp);
		}
	} else if (cfg != NULL)
		__builtin_trap();	/* contract: *out stays NULL */
	gw_config_free(cfg);
	return 0;
}
