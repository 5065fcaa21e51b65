/*
 * fuzz_conf.c: libFuzzer target for the config file parser (conf_load_text,
 * the parser without the file reading).  Whatever the bytes, it either
 * loads or fails with a cause; a loaded config must print.  Build and run
 * (configure --enable-fuzzing):
 *   make fuzz-conf && ./fuzz-conf -max_total_time=300
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cade/conf.h"
#include "cade/secret.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg = conf_new();
	char *cause = NULL;
	FILE *null;

	/* The first byte picks the file mode: private, or readable by all. */
	if (conf_load_text(cfg, "fuzz.conf", (const char *)data, size,
	    size > 0 && (data[0] & 1) ? 0644 : 0600, &cause) == -1) {
		if (cause == NULL)
			abort();	/* a failure always says why */
		free(cause);
	} else if ((null = fopen("/dev/null", "w")) != NULL) {
		conf_print(cfg, null);
		fclose(null);
	}
	conf_free(cfg);
	secret_clear();
	return 0;
}
