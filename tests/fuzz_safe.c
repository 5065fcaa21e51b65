/*
 * fuzz_safe.c: libFuzzer target for safe_text() and safe_json(), the
 * neutraliser every untrusted byte passes before a terminal.
 *
 * Both modes run on each input; the output must decode as UTF-8 with no
 * control but newline and tab (safe_clean), and running it again must
 * change nothing.
 *   make fuzz-safe && ./fuzz-safe -max_total_time=300
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/safe.h"
#include "cade/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out, *again, *s, *j;
	size_t n, m;
	int mode;

	for (mode = SAFE_VISIBLE; mode <= SAFE_STRIP; mode++) {
		out = safe_text((const char *)data, size, (enum safe_mode)mode, &n);
		if (!safe_clean(out, n))
			abort();
		again = safe_text(out, n, (enum safe_mode)mode, &m);
		if (m != n || memcmp(out, again, n) != 0)
			abort();
		free(again);
		free(out);
	}
	s = xstrndup((const char *)data, size);
	j = safe_json(s);
	if (strchr(j, 0x7f) != NULL)
		abort();
	free(j);
	free(s);
	return 0;
}
