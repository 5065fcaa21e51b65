/*
 * fuzz_md.c: libFuzzer target for the chat's Markdown renderer
 * (src/tui/markdown.c on top of src/tui/wrap.c): a model's answer is
 * untrusted bytes, and whatever it holds the renderer must give lines
 * that fit the chat.
 *
 * The first byte picks the width (1 to 128, small ones more often), the
 * second the glyph set (Unicode or ASCII, as a UTF-8 or C locale gets);
 * the rest is the Markdown.  Every line must be no wider than the width
 * (measured again here, cell by cell), its recorded width must be the
 * true one, it must hold no control character, and its text must come out
 * as valid UTF-8.
 *   make fuzz-md && ./tests/fuzz_md -max_total_time=300 -dict=tests/fuzz-md.dict
 */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/util.h"
#include "tui-int.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* wcwidth(3) needs a UTF-8 locale, as the TUI sets one. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		abort();
	return 0;
}

/* 1 if s is valid UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static int
fuzz_md_utf8(const unsigned char *s)
{
	uint32_t c;
	int n, i;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			n = 2, c = *s & 0x1f;
		else if (*s >= 0xe0 && *s <= 0xef)
			n = 3, c = *s & 0x0f;
		else if (*s >= 0xf0 && *s <= 0xf4)
			n = 4, c = *s & 0x07;
		else
			return 0;
		for (i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			c = (c << 6) | (s[i] & 0x3f);
		}
		if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
		    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
			return 0;
		s += n;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_lines ls;
	char *t;
	int width, i, k, w;

	if (size < 2)
		return 0;
	width = data[0] < 128 ? 1 + data[0] % 24 : 1 + data[0] % 128;
	tui_glyphs_select(!(data[1] & 1));
	tui_lines_init(&ls);
	tui_md_render(&ls, (const char *)data + 2, size - 2, width,
	    ROLE_ASSISTANT, 0, NULL);
	for (i = 0; i < ls.n; i++) {
		for (w = 0, k = 0; k < ls.v[i].len; k++) {
			if (ls.v[i].wc[k] < 0x20 || ls.v[i].wc[k] == 0x7f)
				abort();
			w += tui_wcwidth(ls.v[i].wc[k]);
		}
		if (w > width || w != ls.v[i].width)
			abort();
		t = tui_line_text(&ls.v[i]);
		if (!fuzz_md_utf8((const unsigned char *)t))
			abort();
		free(t);
	}
	tui_lines_free(&ls);
	return 0;
}
