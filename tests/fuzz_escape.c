/*
 * fuzz_escape.c: libFuzzer target for the shell's escape parser, cleaner
 * and capture (src/workspace/shellvt.c): the bytes a shell, and anything a
 * command prints, send to cade.
 *
 * The input is parsed twice, whole and cut at a fuzzer-chosen point (the
 * first byte), and the two runs must give the same cleaned output, digest
 * and markers: a read boundary never changes what the agent sees.  The
 * cleaned output must be valid UTF-8 without control bytes but LF and tab.
 * Build and run (configure --enable-fuzzing):
 *   make fuzz-escape && ./fuzz-escape -max_total_time=300
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/shell.h"
#include "../src/workspace/shell-int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_run {
	struct shell_vt		 vt;
	struct shell_clean	 clean;
	struct shell_capture	 cap;
	struct buf		 events;	/* "S", "E3", ... in order */
};

static void
fuzz_text(void *arg, const char *t, size_t n)
{
	struct fuzz_run *r = arg;

	shell_clean_feed(&r->clean, t, n);
}

static void
fuzz_event(void *arg, enum shell_vt_event ev, int rc, size_t off)
{
	struct fuzz_run *r = arg;

	(void)buf_printf(&r->events, "%d:%d ", (int)ev, rc);
}

/* Parse data in two pieces cut at cut; the result's output and digest. */
static struct shell_result *
fuzz_parse(struct fuzz_run *r, const char *data, size_t size, size_t cut)
{
	struct shell_result *res = calloc(1, sizeof *res);

	if (res == NULL)
		abort();
	memset(r, 0, sizeof *r);
	buf_init(&r->events, 0);
	shell_capture_init(&r->cap, 4096);
	shell_clean_init(&r->clean, &r->cap);
	r->vt.nonce = "0123456789abcdef";
	r->vt.text = fuzz_text;
	r->vt.event = fuzz_event;
	r->vt.arg = r;
	shell_vt_begin(&r->vt, VT_GROUND);
	shell_vt_feed(&r->vt, data, cut);
	shell_vt_feed(&r->vt, data + cut, size - cut);
	shell_clean_end(&r->clean);
	shell_capture_take(&r->cap, res);
	shell_capture_free(&r->cap);
	return res;
}

/* Valid UTF-8 with no control bytes but LF and tab. */
static int
fuzz_clean(const char *s, size_t n)
{
	size_t i = 0, k, len;
	unsigned char c;

	while (i < n) {
		c = (unsigned char)s[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
				return 0;
			i++;
			continue;
		}
		len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
		if (len == 0 || i + len > n)
			return 0;
		for (k = 1; k < len; k++)
			if (((unsigned char)s[i + k] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_run a, b;
	struct shell_result *ra, *rb;
	size_t cut = size > 0 ? data[0] % (size + 1) : 0;

	ra = fuzz_parse(&a, (const char *)data, size, size);
	rb = fuzz_parse(&b, (const char *)data, size, cut);
	if (ra->len != rb->len || memcmp(ra->output, rb->output, ra->len) != 0 ||
	    strcmp(ra->digest, rb->digest) != 0 ||
	    strcmp(a.events.s, b.events.s) != 0)
		abort();
	if (!ra->truncated && !fuzz_clean(ra->output, ra->len))
		abort();
	buf_free(&a.events);
	buf_free(&b.events);
	free(ra->output);
	free(ra);
	free(rb->output);
	free(rb);
	return 0;
}
