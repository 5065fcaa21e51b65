/*
 * fuzz_grid.c: libFuzzer target for the terminal pane's grid (src/tui/
 * grid.c) fed through libvterm's state layer by the pane (vtpane.c), the
 * path every byte a program prints in the shell takes.
 *
 * The input is fed twice to panes of the same size: once whole and once
 * cut at points taken from the first byte; 0xfe bytes also resize both
 * panes between pieces (same sizes, same places).  Both grids must keep
 * their invariants (tui_grid_consistent: wide characters' halves paired),
 * the cursor must stay on the screen and the scrollback within its cap,
 * and drawing into an invisible curses screen (and scrolled back) must
 * stay in bounds.  For 7-bit input both must also end with the same text
 * on every row, the same cursor and scrollback: the grid does not care where reads
 * cut.  (With UTF-8, libvterm 0.1.4 itself does: a combining mark read
 * apart from its base after a pending wrap is printed on its own.)  A
 * third pane reads the input whole with the fast path for plain text off
 * (everything through libvterm): when the input is valid UTF-8 (but for
 * the resizes) it must end exactly like the first.  (Invalid UTF-8 makes
 * libvterm care where its writes are cut, which the fast path moves.)
 * Scrollback lines are compared cell by cell too.  The dictionary has
 * SGR sequences as colourful output (ls --color) uses them.
 *   make fuzz-grid && ./tests/fuzz_grid -max_total_time=300 \
 *       -dict=tests/fuzz-grid.dict
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <locale.h>
#include <curses.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "grid.h"
#include "tui-int.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The pane draws through the theme's colour pairs; one pair does here. */
int
tui_screen_pair(struct tui_color fg, struct tui_color bg, int *bright)
{
	(void)fg;
	(void)bg;
	*bright = 0;
	return 0;
}

/* Keys and replies the pane sends to the shell: dropped. */
static void
fuzz_out(const char *s, size_t n, void *arg)
{
	(void)s;
	(void)n;
	(void)arg;
}

/* Feed in pieces of 1..7 bytes (seed 0: whole), resizing at 0xfe bytes. */
static void
fuzz_feed(struct tui_vtpane *p, const uint8_t *d, size_t n, unsigned seed)
{
	size_t i = 0, step, j;

	while (i < n) {
		step = seed == 0 ? n - i : 1 + (seed + i) % 7;
		if (step > n - i)
			step = n - i;
		/* Resize where the input says, at the same byte in both runs. */
		for (j = i; j < i + step; j++)
			if (d[j] == 0xfe && j + 2 < n) {
				step = j - i;
				break;
			}
		if (step > 0) {
			tui_vtpane_feed(p, (const char *)d + i, step);
			i += step;
			continue;
		}
		tui_vtpane_resize(p, 1 + d[i + 1] % 12, 1 + d[i + 2] % 30);
		i += 3;
	}
}

/* Two panes fed alike must show the same: rows, cursor, scrollback. */
static void
fuzz_same(struct tui_vtpane *a, struct tui_vtpane *b)
{
	const struct tui_gline *la, *lb;
	char *ta, *tb;
	int rows, cols, r, ra, ca, rb, cb, n, i;

	tui_vtpane_size(a, &rows, &cols);
	for (r = 0; r < rows; r++) {
		ta = tui_vtpane_row_text(a, r);
		tb = tui_vtpane_row_text(b, r);
		if (strcmp(ta, tb) != 0) {
			fprintf(stderr, "row %d: fast '%s', slow '%s'\n", r, ta,
			    tb);
			abort();
		}
		free(ta);
		free(tb);
		la = tui_grid_line(tui_vtpane_grid(a), r);
		lb = tui_grid_line(tui_vtpane_grid(b), r);
		n = la->used < lb->used ? la->used : lb->used;
		for (i = 0; i < n; i++)
			if (la->cells[i].fg != lb->cells[i].fg ||
			    la->cells[i].bg != lb->cells[i].bg ||
			    la->cells[i].attrs != lb->cells[i].attrs) {
				fprintf(stderr, "row %d col %d: pens differ\n",
				    r, i);
				abort();
			}
	}
	if (tui_vtpane_cursor(a, &ra, &ca) != tui_vtpane_cursor(b, &rb, &cb) ||
	    ra != rb || ca != cb || tui_vtpane_scrollback_lines(a) !=
	    tui_vtpane_scrollback_lines(b)) {
		fprintf(stderr, "cursor %d,%d vs %d,%d\n", ra, ca, rb, cb);
		abort();
	}
	for (r = 0; r < tui_vtpane_scrollback_lines(a); r++) {
		la = tui_grid_sb_line(tui_vtpane_grid(a), r);
		lb = tui_grid_sb_line(tui_vtpane_grid(b), r);
		if (la->used != lb->used) {
			fprintf(stderr, "scrollback line %d differs\n", r);
			abort();
		}
		for (i = 0; i < la->used; i++)
			if (la->cells[i].ch != lb->cells[i].ch ||
			    la->cells[i].fg != lb->cells[i].fg ||
			    la->cells[i].bg != lb->cells[i].bg ||
			    la->cells[i].attrs != lb->cells[i].attrs) {
				fprintf(stderr, "scrollback line %d col %d "
				    "differs\n", r, i);
				abort();
			}
	}
}

/* Valid UTF-8, a resize (0xfe and its two bytes) aside? */
static int
fuzz_utf8(const uint8_t *d, size_t n)
{
	size_t i = 0, k, more;

	while (i < n) {
		if (d[i] == 0xfe && i + 2 < n) {
			i += 3;
			continue;
		}
		if (d[i] < 0x80) {
			i++;
			continue;
		}
		more = d[i] >= 0xc2 && d[i] < 0xe0 ? 1 : d[i] >= 0xe0 &&
		    d[i] < 0xf0 ? 2 : d[i] >= 0xf0 && d[i] < 0xf5 ? 3 : 0;
		if (more == 0 || i + more >= n)
			return 0;
		for (k = 1; k <= more; k++)
			if ((d[i + k] & 0xc0) != 0x80)
				return 0;
		i += more + 1;
	}
	return 1;
}

static SCREEN *fuzz_sp;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_vtpane *a, *b, *c;
	char *ta, *tb;
	int rows, cols, r, ra, ca, rb, cb, va, vb, ascii = 1;
	size_t i;

	if (size < 1 || size > 1 << 16)
		return 0;
	if (fuzz_sp == NULL) {
		FILE *devnull = fopen("/dev/null", "w");

		setlocale(LC_ALL, "C.UTF-8");
		if (devnull != NULL)
			fuzz_sp = newterm("xterm-256color", devnull, stdin);
	}
	a = tui_vtpane_new(6, 20, 8, fuzz_out, NULL);
	b = tui_vtpane_new(6, 20, 8, fuzz_out, NULL);
	c = tui_vtpane_new(6, 20, 8, fuzz_out, NULL);
	tui_vtpane_set_fast(c, 0);
	fuzz_feed(a, data + 1, size - 1, 0);
	fuzz_feed(b, data + 1, size - 1, data[0] | 1);
	fuzz_feed(c, data + 1, size - 1, 0);
	if (fuzz_utf8(data + 1, size - 1))
		fuzz_same(a, c);
	tui_vtpane_size(a, &rows, &cols);
	for (i = 1; i < size; i++)
		if (data[i] >= 0x80 && data[i] != 0xfe)
			ascii = 0;
	for (r = 0; ascii && r < rows; r++) {
		ta = tui_vtpane_row_text(a, r);
		tb = tui_vtpane_row_text(b, r);
		if (strcmp(ta, tb) != 0) {
			fprintf(stderr, "row %d: whole '%s', split '%s'\n", r,
			    ta, tb);
			abort();
		}
		free(ta);
		free(tb);
	}
	va = tui_vtpane_cursor(a, &ra, &ca);
	vb = tui_vtpane_cursor(b, &rb, &cb);
	if ((ascii && (va != vb || ra != rb || ca != cb)) || ra < 0 ||
	    ra >= rows || ca < 0 || ca >= cols || rb < 0 || rb >= rows ||
	    cb < 0 || cb >= cols) {
		fprintf(stderr, "cursor %d,%d (%d) and %d,%d (%d) on %dx%d\n",
		    ra, ca, va, rb, cb, vb, rows, cols);
		abort();
	}
	if (!tui_grid_consistent(tui_vtpane_grid(a)) ||
	    !tui_grid_consistent(tui_vtpane_grid(b)))
		abort();
	if ((ascii && tui_vtpane_scrollback_lines(a) !=
	    tui_vtpane_scrollback_lines(b)) ||
	    tui_vtpane_scrollback_lines(a) > 8 ||
	    tui_vtpane_scrollback_lines(b) > 8)
		abort();
	if (fuzz_sp != NULL) {
		tui_vtpane_draw(a, 0, 0, 1);
		tui_vtpane_scroll(a, 3);
		tui_vtpane_draw(a, 0, 0, 0);
	}
	tui_vtpane_free(a);
	tui_vtpane_free(b);
	tui_vtpane_free(c);
	return 0;
}
