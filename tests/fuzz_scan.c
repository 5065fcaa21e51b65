/*
 * fuzz_scan.c: libFuzzer target for the policy's language scanners
 * (src/policy/scan.c): sed scripts, awk programs, SQL with meta-commands,
 * and ex/gdb command lines.
 *
 *   make fuzz-scan && ./fuzz-scan -max_total_time=300
 *
 * The first byte picks the scanner; the rest is its text.  Every reported
 * span must lie inside the input (the scanners hand out pointers into it).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/policy/policy-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_span {
	const char	*base;
	size_t		 len;
};

/* A report: its span must be inside the text (or a static name). */
static void
fuzz_cb(void *arg, int what, const char *s, size_t n)
{
	const struct fuzz_span *sp = arg;
	volatile char sink = 0;
	size_t i;

	if (what < SCAN_SHELL || what > SCAN_CHANGE)
		abort();
	if (s >= sp->base && s <= sp->base + sp->len) {
		if (s + n > sp->base + sp->len)
			abort();
		for (i = 0; i < n; i++)
			sink ^= s[i];
	} else if (n > 16)
		abort();	/* static names ("e", "system()") are short */
	(void)sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_span sp;
	char *t;

	if (size < 1)
		return 0;
	/* exact-size copy, NUL-terminated like the shell words they scan */
	t = malloc(size);
	memcpy(t, data + 1, size - 1);
	t[size - 1] = '\0';
	sp.base = t;
	sp.len = size - 1;
	switch (data[0] % 5) {
	case 0:
		pol_scan_sed(t, size - 1, fuzz_cb, &sp);
		break;
	case 1:
		pol_scan_awk(t, size - 1, fuzz_cb, &sp);
		break;
	case 2:
		pol_scan_sql(t, size - 1, fuzz_cb, &sp);
		break;
	case 3:
		pol_scan_excmd(t, size - 1, 0, fuzz_cb, &sp);
		break;
	default:
		pol_scan_excmd(t, size - 1, 1, fuzz_cb, &sp);
		break;
	}
	free(t);
	return 0;
}
