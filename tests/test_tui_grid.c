/*
 * test_tui_grid.c: the terminal pane's grid (src/tui/grid.c) on its own:
 * writing, wide characters and what overwriting half of one leaves,
 * combining marks, erasing (in the pen's background), scrolling whole and
 * within regions and rectangles (rotation, ICH/DCH shifts), the scrollback
 * ring (trimmed lines, wrapping over its oldest), the alternate screen,
 * resizing (lines pushed to and brought back from the scrollback), dirty
 * rows; then the same through libvterm (the pane), for scroll regions set
 * with DECSTBM, IL/DL, ICH/DCH and the alternate screen's erase.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "../src/tui/grid.h"
#include "../src/tui/tui-int.h"
#include "tap.h"

/* A line's text: right halves skipped, blanks past `used` as ' ', trimmed. */
static char *
text(const struct tui_gline *l, int cols)
{
	static char s[512];
	int c, n = 0;

	for (c = 0; c < cols && n < (int)sizeof s - 2; c++) {
		if (c >= l->used)
			s[n++] = ' ';
		else if (l->cells[c].width == 0)
			continue;
		else if (l->cells[c].ch < 0x80)
			s[n++] = (char)l->cells[c].ch;
		else
			s[n++] = '#';	/* a wide (test) character */
	}
	while (n > 0 && s[n - 1] == ' ')
		n--;
	s[n] = '\0';
	return s;
}

static const char *
row(struct tui_grid *g, int r)
{
	int rows, cols;

	tui_grid_size(g, &rows, &cols);
	return text(tui_grid_line(g, r), cols);
}

static const char *
sbrow(struct tui_grid *g, int i)
{
	int rows, cols;

	tui_grid_size(g, &rows, &cols);
	return text(tui_grid_sb_line(g, i), cols);
}

/* Write ASCII at (r, c), one cell per byte. */
static void
put(struct tui_grid *g, int r, int c, const char *s)
{
	uint32_t ch[2] = { 0, 0 };

	for (; *s != '\0'; s++, c++) {
		ch[0] = (unsigned char)*s;
		tui_grid_put(g, r, c, ch, 1);
	}
}

/* Rows 0..n-1 hold "r0", "r1", ... */
static void
fill(struct tui_grid *g, int n)
{
	char s[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(s, sizeof s, "r%d", i);
		put(g, i, 0, s);
	}
}

/* Is every right half preceded by its left half, and vice versa? */
static int
consistent(struct tui_grid *g)
{
	return tui_grid_consistent(g);
}

static void
feed(struct tui_vtpane *p, const char *s)
{
	tui_vtpane_feed(p, s, strlen(s));
}

static char *
prow(struct tui_vtpane *p, int r)
{
	static char *last;

	free(last);
	return last = tui_vtpane_row_text(p, r);
}

int
main(void)
{
	struct tui_grid *g;
	struct tui_vtpane *p;
	const struct tui_gline *l;
	uint32_t wide[2] = { 0x6f22, 0 }, comb[4] = { 'e', 0x301, 0x302, 0 };
	int i, lo, hi, moved;
	char s[32];

	setlocale(LC_ALL, "C.UTF-8");

	/* Writing, dirty rows. */
	g = tui_grid_new(4, 10, 3);
	tui_grid_clean(g);
	ok(!tui_grid_dirty(g, &lo, &hi), "clean after tui_grid_clean");
	put(g, 1, 2, "abc");
	is_str(row(g, 1), "  abc", "text written where asked, blanks before it");
	ok(tui_grid_dirty(g, &lo, &hi) && lo == 1 && hi == 2,
	    "only the written row is dirty");
	put(g, 3, 9, "xyz");
	is_str(row(g, 3), "         x", "writing past the right edge is clipped");
	put(g, 7, 0, "x");
	put(g, -1, 0, "x");
	ok(tui_grid_dirty(g, &lo, &hi) && lo == 1 && hi == 4,
	    "rows outside the screen ignored; the range widened");

	/* Pen: colours and attributes go with the cell; erase uses the bg. */
	tui_grid_pen(g)->fg = 1;
	tui_grid_pen(g)->bg = TUI_GC_RGB | 0x102030;
	tui_grid_pen(g)->attrs = TUI_GA_BOLD;
	put(g, 0, 0, "P");
	l = tui_grid_line(g, 0);
	ok(l->cells[0].fg == 1 && l->cells[0].bg == (TUI_GC_RGB | 0x102030) &&
	    l->cells[0].attrs == TUI_GA_BOLD, "a cell keeps the pen it was written with");
	tui_grid_erase(g, 0, 1, 3, 6);
	ok(l->used >= 6 && l->cells[4].bg == (TUI_GC_RGB | 0x102030) &&
	    l->cells[4].attrs == 0 && l->cells[4].fg == TUI_GC_DEFAULT,
	    "erase: blanks in the pen's background only (as xterm and tmux)");
	tui_grid_pen(g)->fg = tui_grid_pen(g)->bg = TUI_GC_DEFAULT;
	tui_grid_pen(g)->attrs = 0;
	tui_grid_erase(g, 0, 1, 1, 10);
	is_int(tui_grid_line(g, 0)->used, 1,
	    "erase to the end in default colours just shortens the line");
	tui_grid_free(g);

	/* Wide characters and what overwriting half of one leaves. */
	g = tui_grid_new(3, 10, 0);
	tui_grid_put(g, 0, 0, wide, 2);
	tui_grid_put(g, 0, 2, wide, 2);
	is_str(row(g, 0), "##", "two wide characters");
	ok(consistent(g), "... each with its right half");
	put(g, 0, 2, "X");
	is_str(row(g, 0), "#X", "narrow over a wide one's left half: X ...");
	ok(tui_grid_line(g, 0)->cells[3].ch == ' ' &&
	    tui_grid_line(g, 0)->cells[3].width == 1, "... then a blank");
	tui_grid_put(g, 1, 0, wide, 2);
	tui_grid_put(g, 1, 2, wide, 2);
	put(g, 1, 1, "Y");
	is_str(row(g, 1), " Y#", "narrow over a right half: a blank, then Y");
	tui_grid_put(g, 2, 1, wide, 2);
	tui_grid_put(g, 2, 0, wide, 2);
	is_str(row(g, 2), "#", "wide over the left half of another: the other goes");
	ok(consistent(g), "halves consistent after overwrites");
	tui_grid_put(g, 2, 9, wide, 2);
	ok(tui_grid_line(g, 2)->cells[9].width == 1,
	    "a wide character with no room is kept narrow (drawn blank)");
	tui_grid_put(g, 2, 4, wide, 2);
	tui_grid_erase(g, 2, 3, 5, 6);
	ok(tui_grid_line(g, 2)->cells[4].ch == ' ' && consistent(g),
	    "erasing a right half blanks its left half");
	tui_grid_put(g, 2, 4, wide, 2);
	tui_grid_erase(g, 2, 3, 2, 5);
	ok(tui_grid_line(g, 2)->cells[5].width != 0 && consistent(g),
	    "erasing a left half blanks its right half");

	/* Combining marks. */
	tui_grid_put(g, 1, 6, comb, 1);
	l = tui_grid_line(g, 1);
	ok((l->cells[6].attrs & TUI_GA_COMB) && l->comb != NULL &&
	    l->comb[6 * TUI_GRID_NCOMB] == 0x301 &&
	    l->comb[6 * TUI_GRID_NCOMB + 1] == 0x302 &&
	    l->comb[6 * TUI_GRID_NCOMB + 2] == 0, "combining marks kept with the cell");
	put(g, 1, 6, "f");
	ok(!(tui_grid_line(g, 1)->cells[6].attrs & TUI_GA_COMB),
	    "overwriting drops the marks");
	tui_grid_free(g);

	/* Scrolling the whole screen: rotation, scrollback, ring wrap. */
	g = tui_grid_new(3, 8, 4);
	for (i = 0; i < 3; i++) {
		snprintf(s, sizeof s, "line %d  ", i);
		put(g, i, 0, s);
	}
	tui_grid_scroll(g, 0, 3, 0, 8, 1, 0);
	is_str(row(g, 0), "line 1", "scroll up: rows move up");
	is_str(row(g, 2), "", "... the new bottom row is blank");
	is_int(tui_grid_sb_lines(g), 1, "... and the top one went to the scrollback");
	is_str(sbrow(g, 0), "line 0", "... with its text");
	is_int(tui_grid_sb_line(g, 0)->used, 6, "... its trailing blanks trimmed");
	for (i = 3; i < 12; i++) {
		snprintf(s, sizeof s, "line %d", i);
		put(g, 2, 0, s);
		tui_grid_scroll(g, 0, 3, 0, 8, 1, 0);
	}
	is_int(tui_grid_sb_lines(g), 4, "the scrollback ring holds its maximum");
	is_str(sbrow(g, 0), "line 6", "... the oldest lines recycled (ring wrapped)");
	is_str(sbrow(g, 3), "line 9", "... the newest last");
	is_int((int)tui_grid_sb_pushed(g), 10, "pushes counted over the wrap");
	tui_grid_scroll(g, 0, 3, 0, 8, -1, 0);
	is_str(row(g, 0), "", "scroll down: a blank row at the top");
	is_int(tui_grid_sb_lines(g), 4, "... nothing taken from the scrollback");
	tui_grid_pen(g)->bg = 4;
	tui_grid_scroll(g, 0, 3, 0, 8, 1, 0);
	ok(tui_grid_line(g, 2)->used == 8 && tui_grid_line(g, 2)->cells[7].bg == 4,
	    "a row scrolled in takes the pen's background");
	tui_grid_pen(g)->bg = TUI_GC_DEFAULT;
	tui_grid_free(g);

	/* Scroll regions and rectangles. */
	g = tui_grid_new(5, 6, 10);
	fill(g, 5);
	tui_grid_scroll(g, 1, 4, 0, 6, 1, 0);
	ok(!strcmp(row(g, 0), "r0") && !strcmp(row(g, 1), "r2") &&
	    !strcmp(row(g, 2), "r3") && !strcmp(row(g, 3), "") &&
	    !strcmp(row(g, 4), "r4"), "region 1-3 scrolled up; rows outside kept");
	is_int(tui_grid_sb_lines(g), 0, "a region not at the top keeps no scrollback");
	tui_grid_scroll(g, 0, 2, 0, 6, 1, 0);
	is_int(tui_grid_sb_lines(g), 1, "a region at the top does (as libvterm's screen)");
	tui_grid_scroll(g, 0, 5, 0, 6, 0, 0);
	put(g, 0, 0, "abcdef");
	tui_grid_scroll(g, 0, 1, 1, 6, 0, 2);
	is_str(row(g, 0), "adef", "DCH-like: cells shift left, the end blanked");
	tui_grid_scroll(g, 0, 1, 1, 6, 0, -1);
	is_str(row(g, 0), "a def", "ICH-like: cells shift right");
	tui_grid_put(g, 1, 0, wide, 2);
	tui_grid_put(g, 1, 2, wide, 2);
	tui_grid_scroll(g, 1, 2, 1, 6, 0, 2);
	ok(consistent(g), "shifting cells over half a wide character keeps halves paired");
	put(g, 2, 0, "012345");
	put(g, 3, 0, "abcdef");
	tui_grid_scroll(g, 2, 4, 2, 5, 1, 0);
	ok(!strcmp(row(g, 2), "01cde5") && !strcmp(row(g, 3), "ab   f"),
	    "a rectangle scrolled up inside its columns");
	tui_grid_scroll(g, 2, 4, 0, 6, 9, 0);
	ok(!strcmp(row(g, 2), "") && !strcmp(row(g, 3), ""),
	    "scrolling more than the region blanks it");
	tui_grid_move(g, 0, 0, 4, 0, 1, 6);
	is_str(row(g, 0), "r4", "move copies cells");
	tui_grid_free(g);

	/* The alternate screen. */
	g = tui_grid_new(3, 6, 10);
	put(g, 0, 0, "main");
	tui_grid_altscreen(g, 1);
	ok(tui_grid_is_alt(g), "alternate screen on");
	is_str(row(g, 0), "", "... blank");
	put(g, 0, 0, "alt");
	put(g, 2, 0, "x");
	tui_grid_scroll(g, 0, 3, 0, 6, 2, 0);
	is_int(tui_grid_sb_lines(g), 0, "its scrolling keeps no scrollback");
	tui_grid_altscreen(g, 0);
	is_str(row(g, 0), "main", "the main screen back as it was");
	ok(tui_grid_dirty(g, &lo, &hi) && lo == 0 && hi == 3, "... all of it redrawn");
	tui_grid_free(g);

	/* Resizing. */
	g = tui_grid_new(4, 6, 10);
	fill(g, 4);
	moved = tui_grid_resize(g, 2, 6, 3);
	is_int(moved, -2, "shorter, cursor on the last row: content moves up 2");
	ok(!strcmp(row(g, 0), "r2") && !strcmp(row(g, 1), "r3"),
	    "... the rows at the cursor stay");
	is_int(tui_grid_sb_lines(g), 2, "... the rows above went to the scrollback");
	moved = tui_grid_resize(g, 5, 6, 1);
	is_int(moved, 2, "taller: lines come back from the scrollback");
	ok(!strcmp(row(g, 0), "r0") && !strcmp(row(g, 3), "r3") &&
	    !strcmp(row(g, 4), ""), "... in order, a blank row below");
	moved = tui_grid_resize(g, 2, 6, 0);
	ok(moved == 0 && !strcmp(row(g, 0), "r0") && !strcmp(row(g, 1), "r1"),
	    "shorter, cursor on the top row: nothing scrolls past it, the rest is cut");
	tui_grid_free(g);
	g = tui_grid_new(4, 6, 10);
	fill(g, 4);
	tui_grid_resize(g, 2, 6, 3);
	moved = tui_grid_resize(g, 5, 6, 1);
	is_int(moved, 2, "taller: lines come back from the scrollback");
	ok(!strcmp(row(g, 0), "r0") && !strcmp(row(g, 3), "r3") &&
	    !strcmp(row(g, 4), ""), "... in order, a blank row below");
	is_int(tui_grid_sb_lines(g), 0, "... and leave it");
	moved = tui_grid_resize(g, 4, 6, 3);
	is_int(moved, 0, "shorter by a blank row below the cursor: nothing moves");
	tui_grid_put(g, 0, 0, wide, 2);
	put(g, 0, 2, "abcd");
	tui_grid_put(g, 1, 2, wide, 2);
	tui_grid_resize(g, 4, 3, 3);
	is_str(row(g, 0), "#a", "narrower: lines cut");
	is_str(row(g, 1), "r1", "... a wide character cut in half goes");
	ok(consistent(g), "... halves consistent");
	tui_grid_resize(g, 4, 8, 3);
	is_str(row(g, 0), "#a", "wider: lines extended with blanks (no reflow)");
	tui_grid_altscreen(g, 1);
	put(g, 3, 0, "alt");
	moved = tui_grid_resize(g, 2, 8, 3);
	is_int(moved, 0, "the alternate screen is cut, never scrolled, on resize");
	tui_grid_altscreen(g, 0);
	is_str(row(g, 0), "#a", "... the main screen was cut too");
	tui_grid_free(g);

	/* Through libvterm: scroll regions, IL/DL, ICH/DCH, the alt screen. */
	p = tui_vtpane_new(6, 10, 20, NULL, NULL);
	feed(p, "a\r\nb\r\nc\r\nd\r\ne\r\nf\033[2;4r\033[4;1H\n\n");
	ok(!strcmp(prow(p, 0), "a") && !strcmp(prow(p, 1), "d") &&
	    !strcmp(prow(p, 3), "") && !strcmp(prow(p, 5), "f"),
	    "DECSTBM region: linefeeds at its bottom scroll only it");
	is_int(tui_vtpane_scrollback_lines(p), 0, "... and keep no scrollback");
	feed(p, "\033[r\033[H\033[2J1\r\n2\r\n3\033[1;1H\033[L");
	ok(!strcmp(prow(p, 0), "") && !strcmp(prow(p, 1), "1") &&
	    !strcmp(prow(p, 3), "3"), "IL inserts a blank line");
	feed(p, "\033[M\033[M");
	ok(!strcmp(prow(p, 0), "2") && !strcmp(prow(p, 1), "3"), "DL deletes lines");
	feed(p, "\033[1;1Habcdef\033[1;2H\033[2P");
	is_str(prow(p, 0), "adef", "DCH deletes characters");
	feed(p, "\033[1;2H\033[3@");
	is_str(prow(p, 0), "a   def", "ICH inserts blanks");
	feed(p, "\033[?1049h");
	is_str(prow(p, 0), "", "1049: the alternate screen starts blank");
	feed(p, "\033[Halt\033[?1049l");
	is_str(prow(p, 0), "a   def", "... and leaving it restores the main screen");
	feed(p, "\033[H\033[2J\033[1;1H\xe6\xbc\xa2\xe5\xad\x97\033[1;2H\033[P");
	is_str(prow(p, 0), " \xe5\xad\x97", "DCH over a right half: its left half blanked");
	ok(tui_grid_consistent(tui_vtpane_grid(p)), "... the halves still paired");
	feed(p, "\033[6;1H");
	for (i = 0; i < 40; i++)
		feed(p, "\r\nscroll");
	is_int(tui_vtpane_scrollback_lines(p), 20, "ring capped through libvterm too");
	tui_vtpane_resize(p, 3, 4);
	is_str(prow(p, 2), "scro", "resize through libvterm: the cursor's row kept, cut");
	tui_vtpane_resize(p, 8, 12);
	ok(!strcmp(prow(p, 4), "scroll") && !strcmp(prow(p, 5), "scro"),
	    "... taller: lines back from the scrollback whole, the cut rows stay cut");
	tui_vtpane_free(p);

	/* A scroll region the pane's new size cuts off (libvterm 0.1.4 would
	 * scroll it with a negative size): reset, the cursor kept. */
	p = tui_vtpane_new(6, 10, 20, NULL, NULL);
	feed(p, "\033[5;6r\033[2;3H");
	tui_vtpane_resize(p, 3, 10);
	feed(p, "\n\n\n\nx");
	ok(tui_vtpane_cursor(p, &lo, &hi) && lo == 2 && hi == 3,
	    "region cut off by a smaller pane: reset, linefeeds scroll the screen");

	/* More CSI parameters than libvterm 0.1.4 keeps (it would write past
	 * its array; valgrind sees it): capped, whole, raw or interrupted. */
	{
		struct buf b;

		buf_init(&b, 0);
		buf_puts(&b, "\033[H\033[2J\033[1");
		for (i = 0; i < 60; i++)
			buf_puts(&b, ";1");
		buf_puts(&b, "mA\033[2");
		for (i = 0; i < 60; i++)
			buf_puts(&b, i % 7 == 0 ? "\r;" : ":3");
		buf_puts(&b, "mB");
		buf_append(&b, "\033\x97\x01(\x00[", 6);	/* libvterm: a CSI */
		for (i = 0; i < 60; i++)
			buf_puts(&b, ";");
		buf_puts(&b, "m");
		tui_vtpane_feed(p, b.s, b.len);
		for (i = 0; i < (int)b.len; i++)
			tui_vtpane_feed(p, b.s + i, 1);
		buf_free(&b);
		is_str(prow(p, 0), "B", "CSIs with 60 parameters (one cut by a CR, which moves the cursor): no garbage after them");
	}
	tui_vtpane_free(p);

	/* REP: libvterm 0.1.4 loops forever repeating a glyph of no width. */
	p = tui_vtpane_new(4, 16, 20, NULL, NULL);
	feed(p, "\033[b\xcc\x81\033[3bx-\033[4bZ\xe6\xbc\xa2\033[2b");
	is_str(prow(p, 0), "x-----Z\xe6\xbc\xa2\xe6\xbc\xa2\xe6\xbc\xa2",
	    "REP repeats the last character (wide too); with none, or none of any width, nothing");
	feed(p, "\r\n-\033[999b\r\n\033[1\r2b");
	ok(strlen(prow(p, 1)) == 16, "REP stops at the end of the row");
	is_str(prow(p, 2), "", "a REP cut up by a control is not run");
	tui_vtpane_free(p);
	/*
	 * A sequence cut short by ESC, then a REP (taken out by the filter):
	 * what follows is text, as libvterm alone reads it, not the rest of
	 * the cut sequence (found by fuzz_grid: "ESC %p" read as DOCS).
	 */
	p = tui_vtpane_new(4, 16, 20, NULL, NULL);
	feed(p, "\033\033[b%p1x\r\n\033[12\033[b%p2x\r\n\033[1\x7f\033[b%p3x");
	is_str(prow(p, 0), "%p1x", "an escape cut short by ESC, then a REP: the text after it is text");
	is_str(prow(p, 1), "x%p2x", "... a CSI cut short (the REP repeats the x before it)");
	is_str(prow(p, 2), "x%p3x", "... a CSI with a control in it cut short");
	tui_vtpane_free(p);
	/* The same after an ESC inside a string (alarm: it used to hang). */
	alarm(60);
	p = tui_vtpane_new(4, 16, 20, NULL, NULL);
	feed(p, "\033]\033[b[b\r\n\033]0;t\033\033[b%p1x");
	alarm(0);
	is_str(prow(p, 0), "[b", "an OSC cut short by an escape that is a REP: no hang, the text after it is text");
	is_str(prow(p, 1), "b%p1x", "... after ESC ESC in an OSC too (the REP repeats the b before it)");
	tui_vtpane_free(p);
	/*
	 * A scroll region whose top carries a sub-parameter ("3:"), then a
	 * pane smaller than that top: libvterm 0.1.4 scrolled it with a
	 * negative size (memmove of -8 bytes; found by fuzz_grid).
	 */
	p = tui_vtpane_new(6, 10, 20, NULL, NULL);
	feed(p, "\033[3:r");
	tui_vtpane_resize(p, 1, 1);
	feed(p, "\f\n\n");
	tui_vtpane_resize(p, 4, 10);
	feed(p, "\033[Hok");
	is_str(prow(p, 0), "ok", "a region's top with a sub-parameter, the pane shrunk under it: no crash");
	tui_vtpane_free(p);
	/* The fast path for plain text ends as libvterm alone would. */
	{
		static const char *cases[] = {
			"plain text that runs past the end of the row and wraps\r\n",
			"\033[1;31mred text in a pen\033[m and more plain words\r\n",
			"\033(0lqqqqqqqqqqqk\033(B box drawing in DEC graphics\r\n",
			"\016lqqqqqqqqq\017 shifted to G1, then back to G0 ascii\r\n",
			"\033[4habcdefghijkl\033[4l inserting, then replacing\r\n",
			"\033Nabcdefghijk single shift, then plain text again\r\n",
			"\xc3\xa9\xe6\xbc\xa2" "abcdefghij after UTF-8 text\r\n",
			"abcdefghe\xcc\x81" " a combining mark after a run\r\n",
			"\033]2;a title that is not text\007 text after a title\r\n",
			"\033#6double width line: never the fast path\r\n",
			"\033[5;8r\033[6;1Hin a region abcdefghijklmnop\n\n\n\r\n",
		};
		struct tui_vtpane *fast, *slow;
		size_t k;
		int r, same;
		char *a, *b;

		for (k = 0; k < nitems(cases); k++) {
			fast = tui_vtpane_new(8, 24, 20, NULL, NULL);
			slow = tui_vtpane_new(8, 24, 20, NULL, NULL);
			tui_vtpane_set_fast(slow, 0);
			for (i = 0; i < 3; i++) {
				feed(fast, cases[k]);
				feed(slow, cases[k]);
			}
			same = tui_vtpane_scrollback_lines(fast) ==
			    tui_vtpane_scrollback_lines(slow);
			for (r = 0; r < 8; r++) {
				a = tui_vtpane_row_text(fast, r);
				b = tui_vtpane_row_text(slow, r);
				same = same && strcmp(a, b) == 0;
				free(a);
				free(b);
			}
			ok(same && tui_vtpane_cursor(fast, &lo, &hi) ==
			    tui_vtpane_cursor(slow, &moved, &i) && lo == moved &&
			    hi == i, "fast path as libvterm alone: %.24s", cases[k]);
			tui_vtpane_free(fast);
			tui_vtpane_free(slow);
		}
	}
	/*
	 * Colourful output as ls --color prints it, hundreds of short runs
	 * between SGRs in one read, past a full scrollback: every cell (pen
	 * included) and scrollback line as libvterm alone would leave them.
	 */
	{
		static const char *pens[] = { "01;34", "01;32", "0", "01;36",
		    "38;5;208", "38:2::10:200:30", "1;4;41", "7" };
		struct tui_vtpane *fast, *slow;
		const struct tui_gline *la, *lb;
		struct buf in;
		int r, c, same = 1;

		buf_init(&in, 0);
		for (i = 0; i < 400; i++)
			buf_printf(&in, "\033[0m\033[%smname-%d.d%.*s\033[0m%s\r\n",
			    pens[i % nitems(pens)], i, i % 13, "abcdefghijklm",
			    i % 5 == 0 ? " plain tail" : "");
		fast = tui_vtpane_new(8, 24, 50, NULL, NULL);
		slow = tui_vtpane_new(8, 24, 50, NULL, NULL);
		tui_vtpane_set_fast(slow, 0);
		tui_vtpane_feed(fast, in.s, in.len);
		tui_vtpane_feed(slow, in.s, in.len);
		same = tui_vtpane_scrollback_lines(fast) == 50 &&
		    tui_vtpane_scrollback_lines(slow) == 50;
		for (r = -50; r < 8 && same; r++) {
			la = r < 0 ? tui_grid_sb_line(tui_vtpane_grid(fast), r + 50) :
			    tui_grid_line(tui_vtpane_grid(fast), r);
			lb = r < 0 ? tui_grid_sb_line(tui_vtpane_grid(slow), r + 50) :
			    tui_grid_line(tui_vtpane_grid(slow), r);
			same = la->used == lb->used;
			for (c = 0; c < la->used && same; c++)
				same = la->cells[c].ch == lb->cells[c].ch &&
				    la->cells[c].fg == lb->cells[c].fg &&
				    la->cells[c].bg == lb->cells[c].bg &&
				    la->cells[c].attrs == lb->cells[c].attrs;
		}
		ok(same, "colourful output: cells and scrollback as libvterm alone");
		/* Sub-parameters count toward libvterm's 16 (fuzz_grid). */
		feed(fast, "\033[;;1;2;1;2;;1;3;;22;;1;21;:;11;:;1;2mx");
		ok(tui_grid_consistent(tui_vtpane_grid(fast)),
		    "an SGR with many sub-parameters is read safely");
		is_int(tui_grid_consistent(tui_vtpane_grid(fast)), 1,
		    "... and the grid consistent");
		tui_vtpane_free(fast);
		tui_vtpane_free(slow);
		buf_free(&in);
	}
	return tap_done();
}
