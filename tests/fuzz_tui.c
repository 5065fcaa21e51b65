/*
 * fuzz_tui.c: libFuzzer target for the TUI's two readers of untrusted
 * bytes: the key decoder (src/tui/keys.c: what the outer terminal sends,
 * replies included) and the pane's stream rewriter (src/tui/vtfilter.c:
 * what programs in the shell print).
 *
 * The first byte picks the reader and a split pattern; the rest is fed
 * once whole and once cut at fuzzer-chosen points, and both runs must give
 * the same result: neither reader may care where a read() cut its input.
 * For the rewriter, text outside escape sequences must come out unchanged.
 *   make fuzz-tui && ./tests/fuzz_tui -max_total_time=300
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "tui-int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Record every key, with its text, so two runs can be compared. */
static void
fuzz_key(const struct tui_key *k, void *arg)
{
	struct buf *b = arg;

	buf_printf(b, "%d/%d/%zu:", k->key, k->mod, k->len);
	if (k->text != NULL)
		buf_append(b, k->text, k->len);
	buf_putc(b, '\n');
}

/* Decode in pieces whose lengths come from the split seed. */
static void
fuzz_keys(const uint8_t *d, size_t n, unsigned seed, struct buf *out)
{
	struct tui_keys *k = tui_keys_new(1 << 16, fuzz_key, out);
	size_t i = 0, step;

	while (i < n) {
		step = seed == 0 ? n - i : 1 + (seed + i) % 7;
		if (step > n - i)
			step = n - i;
		tui_keys_feed(k, (const char *)d + i, step);
		i += step;
	}
	if (tui_keys_pending(k))
		tui_keys_flush(k);
	tui_keys_free(k);
}

/* Rewrite in pieces. */
static void
fuzz_filter(const uint8_t *d, size_t n, unsigned seed, struct buf *out)
{
	struct tui_vtfilter f;
	size_t i = 0, step;

	tui_vtfilter_init(&f);
	while (i < n) {
		step = seed == 0 ? n - i : 1 + (seed + i) % 5;
		if (step > n - i)
			step = n - i;
		tui_vtfilter_feed(&f, (const char *)d + i, step, out);
		i += step;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b;
	unsigned seed;
	size_t i;

	if (size < 1)
		return 0;
	seed = data[0] >> 1;
	buf_init(&a, 0);
	buf_init(&b, 0);
	if (data[0] & 1) {
		fuzz_keys(data + 1, size - 1, 0, &a);
		fuzz_keys(data + 1, size - 1, seed | 1, &b);
		if (a.len != b.len || (a.len > 0 && memcmp(a.s, b.s, a.len) != 0))
			abort();
	} else {
		fuzz_filter(data + 1, size - 1, 0, &a);
		fuzz_filter(data + 1, size - 1, seed | 1, &b);
		if (a.len != b.len || (a.len > 0 && memcmp(a.s, b.s, a.len) != 0))
			abort();
		/* Without ESC nothing may change. */
		if (memchr(data + 1, 0x1b, size - 1) == NULL) {
			if (a.len != size - 1)
				abort();
			for (i = 0; i < a.len; i++)
				if ((uint8_t)a.s[i] != data[1 + i])
					abort();
		}
	}
	buf_free(&a);
	buf_free(&b);
	return 0;
}
