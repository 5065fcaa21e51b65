/*
 * test_tui_vtpane.c: the terminal pane over real libvterm: text and wide
 * characters, scrollback (and its cap), the alternate screen, resizing
 * (lines come back from the scrollback), bells and titles, keys encoded for
 * the inner program's modes (application cursor keys, bracketed paste), and
 * drawing into a real ncurses screen (written to /dev/null) read back cell
 * by cell.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curses.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "../src/tui/tui-int.h"
#include "tap.h"

static struct buf out;

static void
collect(const char *s, size_t n, void *arg)
{
	(void)arg;
	buf_append(&out, s, n);
}

static void
feed(struct tui_vtpane *p, const char *s)
{
	tui_vtpane_feed(p, s, strlen(s));
}

static char *
row(struct tui_vtpane *p, int r)
{
	static char *last;

	free(last);
	return last = tui_vtpane_row_text(p, r);
}

/* Send a key and return what the pane wrote to the shell. */
static const char *
key(struct tui_vtpane *p, int c, int mod)
{
	struct tui_key k;

	memset(&k, 0, sizeof k);
	k.key = c;
	k.mod = mod;
	buf_reset(&out);
	tui_vtpane_key(p, &k);
	return out.s;
}

int
main(void)
{
	struct tui_vtpane *p;
	SCREEN *sp;
	FILE *devnull;
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t attr;
	short pair;
	int i, r, c;
	char line[64];

	setlocale(LC_ALL, "C.UTF-8");
	tui_glyphs_select(1);
	buf_init(&out, 0);

	p = tui_vtpane_new(10, 20, 100, collect, NULL);
	feed(p, "hello\r\nworld");
	is_str(row(p, 0), "hello", "text: first row");
	is_str(row(p, 1), "world", "text: second row");
	ok(tui_vtpane_cursor(p, &r, &c) && r == 1 && c == 5, "cursor after 'world'");
	ok(tui_vtpane_dirty(p), "output marks the pane dirty");
	feed(p, "\r\n\xe4\xb8\xad\xe6\x96\x87!");
	is_str(row(p, 2), "\xe4\xb8\xad\xe6\x96\x87!", "wide characters");
	tui_vtpane_cursor(p, &r, &c);
	is_int(c, 5, "two wide characters take four columns");

	for (i = 1; i <= 30; i++) {
		snprintf(line, sizeof line, "\r\nline %d", i);
		feed(p, line);
	}
	is_str(row(p, 9), "line 30", "last line at the bottom");
	is_int(tui_vtpane_scrollback_lines(p), 23, "scrolled-off lines kept");
	tui_vtpane_scroll(p, 5);
	is_int(tui_vtpane_scroll_offset(p), 5, "scrolling back");
	ok(!tui_vtpane_cursor(p, &r, &c), "cursor hidden while scrolled back");
	feed(p, "\r\nline 31");
	is_int(tui_vtpane_scroll_offset(p), 6, "new output keeps the scrolled view still");
	tui_vtpane_scroll_to(p, 1000);
	is_int(tui_vtpane_scroll_offset(p), 24, "scrolling clamps at the oldest line");
	tui_vtpane_scroll_to(p, 0);

	tui_vtpane_resize(p, 15, 20);
	is_str(row(p, 0), "line 17", "taller: lines come back from the scrollback");
	is_int(tui_vtpane_scrollback_lines(p), 19, "... and leave it");
	tui_vtpane_resize(p, 10, 20);

	feed(p, "\033[?1049h\033[H\033[2Jfull screen app");
	ok(tui_vtpane_altscreen(p), "alternate screen entered");
	is_str(row(p, 0), "full screen app", "alternate screen content");
	feed(p, "\033[?1049l");
	ok(!tui_vtpane_altscreen(p), "alternate screen left");
	is_str(row(p, 9), "line 31", "the main screen is back intact");

	feed(p, "\a\033]2;my title\a");
	is_int(tui_vtpane_take_bell(p), 1, "bell counted");
	is_str(tui_vtpane_title(p), "my title", "title from OSC 2");

	is_str(key(p, TUI_KEY_UP, 0), "\033[A", "Up in normal cursor mode");
	feed(p, "\033[?1h");
	is_str(key(p, TUI_KEY_UP, 0), "\033OA", "Up in application cursor mode (vim, less)");
	feed(p, "\033[?1l");
	is_str(key(p, TUI_CTRL('c'), 0), "\003", "Ctrl-C reaches the shell as ^C");
	is_str(key(p, 'b', TUI_MOD_ALT), "\033b", "Alt-b as ESC b");
	is_str(key(p, '\r', 0), "\r", "Enter as CR");
	is_str(key(p, TUI_KEY_LEFT, TUI_MOD_CTRL), "\033[1;5D", "Ctrl-Left");
	is_str(key(p, TUI_KEY_F1 + 4, 0), "\033[15~", "F5");
	buf_reset(&out);
	tui_vtpane_paste(p, "a\nb", 3);
	is_str(out.s, "a\rb", "paste without bracketed mode: newlines as CR");
	feed(p, "\033[?2004h");
	buf_reset(&out);
	tui_vtpane_paste(p, "a\nb", 3);
	is_str(out.s, "\033[200~a\rb\033[201~", "paste in bracketed mode is bracketed");
	tui_vtpane_free(p);

	/* Writing over half a wide character, as tmux and xterm show it. */
	p = tui_vtpane_new(4, 20, 10, collect, NULL);
	feed(p, "\xe6\xbc\xa2\xe5\xad\x97\xe3\x81\x8b\xe3\x81\xaa\033[1;3HX");
	is_str(row(p, 0), "\xe6\xbc\xa2X \xe3\x81\x8b\xe3\x81\xaa",
	    "narrow over a wide char's first half: 'X' then a blank");
	feed(p, "\r\n\xe6\xbc\xa2\xe5\xad\x97\xe3\x81\x8b\xe3\x81\xaa\033[2;4HY");
	is_str(row(p, 1), "\xe6\xbc\xa2 Y\xe3\x81\x8b\xe3\x81\xaa",
	    "narrow over a wide char's second half: a blank then 'Y', the row not shifted");

	/* SGR 2 (faint) and 9 (strikethrough), and what must not look faint. */
	feed(p, "\033[3;1H\033[2mD\033[22mn\033[9mS\033[29mn\033[1;2mB\033[22mn"
	    "\033[38;2;2;2;2mc\033[0m\033[38;5;2mi\033[m\033[2;9mZ\033[mz");
	ok(tui_vtpane_cell_attrs(p, 2, 0) == TUI_A_DIM, "SGR 2: dim");
	ok(tui_vtpane_cell_attrs(p, 2, 1) == 0, "SGR 22 ends dim");
	ok(tui_vtpane_cell_attrs(p, 2, 2) == TUI_A_STRIKE, "SGR 9: strikethrough");
	ok(tui_vtpane_cell_attrs(p, 2, 3) == 0, "SGR 29 ends strikethrough");
	ok(tui_vtpane_cell_attrs(p, 2, 4) == (TUI_A_BOLD | TUI_A_DIM),
	    "SGR 1;2: bold and dim together");
	ok(tui_vtpane_cell_attrs(p, 2, 5) == 0, "SGR 22 ends both");
	ok(tui_vtpane_cell_attrs(p, 2, 6) == 0 && tui_vtpane_cell_attrs(p, 2, 7) == 0,
	    "a 2 inside 38;2;R;G;B or 38;5;2 is a colour, not dim");
	ok(tui_vtpane_cell_attrs(p, 2, 8) == (TUI_A_DIM | TUI_A_STRIKE) &&
	    tui_vtpane_cell_attrs(p, 2, 9) == 0, "SGR 2;9 then SGR 0");
	is_str(row(p, 2), "DnSnBnciZz", "... the text itself untouched");
	/* The same, split at every byte (the shell's reads cut anywhere). */
	{
		const char *sq = "\033[4;1H\033[2mD\033[22mn\033[9mS\033[m";
		size_t k;

		for (k = 0; sq[k] != '\0'; k++)
			tui_vtpane_feed(p, sq + k, 1);
		ok(tui_vtpane_cell_attrs(p, 3, 0) == TUI_A_DIM &&
		    tui_vtpane_cell_attrs(p, 3, 1) == 0 &&
		    tui_vtpane_cell_attrs(p, 3, 2) == TUI_A_STRIKE,
		    "SGR split across reads at every byte");
	}
	tui_vtpane_free(p);

	/* DECSET 47: the alternate screen without 1049's cursor save. */
	p = tui_vtpane_new(4, 20, 10, collect, NULL);
	feed(p, "original\033[?47h\033[H\033[2Jalternate");
	ok(tui_vtpane_altscreen(p), "mode 47 enters the alternate screen");
	is_str(row(p, 0), "alternate", "... which shows the program's text");
	feed(p, "\033[?47l");
	ok(!tui_vtpane_altscreen(p), "mode 47 reset leaves it");
	is_str(row(p, 0), "original", "... and the original screen is back");
	tui_vtpane_free(p);

	p = tui_vtpane_new(3, 10, 5, collect, NULL);
	for (i = 0; i < 50; i++)
		feed(p, "x\r\n");
	is_int(tui_vtpane_scrollback_lines(p), 5, "scrollback capped at its size");
	tui_vtpane_free(p);

	/* Drawing into a real (invisible) curses screen. */
	devnull = fopen("/dev/null", "w");
	sp = newterm("xterm-256color", devnull, stdin);
	if (sp == NULL) {
		tap_skip(11, "no xterm-256color terminfo");
		return tap_done();
	}
	p = tui_vtpane_new(4, 12, 10, collect, NULL);
	feed(p, "ab\033[1mB\033[0m\033[7mR\033[0m\xe4\xb8\xad.e\xcc\x81");
	tui_vtpane_draw(p, 1, 2, 0);
	ok(!tui_vtpane_dirty(p), "drawing clears the dirty rows");
	mvin_wch(1, 2, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'a' && !(attr & A_BOLD), "cell (0,0) drawn at (1,2)");
	mvin_wch(1, 4, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'B' && (attr & A_BOLD), "bold cell");
	mvin_wch(1, 5, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'R' && (attr & A_REVERSE), "reverse cell");
	mvin_wch(1, 6, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 0x4e2d, "wide character cell");
	mvin_wch(1, 8, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == '.', "the cell after the wide character");
	mvin_wch(1, 9, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'e' && wc[1] == 0x301, "a combining mark drawn with its base");
	tui_vtpane_free(p);
	p = tui_vtpane_new(4, 12, 10, collect, NULL);
	feed(p, "\033[2md\033[0m\033[9ms\033[0m\xe6\xbc\xa2\xe5\xad\x97\033[1;3HX");
	tui_vtpane_draw(p, 0, 0, 1);
	mvin_wch(0, 0, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'd' && (attr & A_DIM), "dim cell drawn with A_DIM");
	mvin_wch(0, 1, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 's' && wc[1] == 0x336, "struck cell drawn with a stroke overlay");
	mvin_wch(0, 2, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'X', "X written over a wide char's first half is drawn");
	mvin_wch(0, 3, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == ' ', "... followed by a blank");
	tui_vtpane_free(p);

	/* Scrollback keeps each run's pen (runs share a packed pen). */
	p = tui_vtpane_new(2, 12, 10, collect, NULL);
	feed(p, "\033[1;31mRR\033[0mnn\033[4mUU\033[7mvv\033[m\r\nx\r\ny");
	is_int(tui_vtpane_scrollback_lines(p), 1, "one line scrolled off");
	tui_vtpane_scroll_to(p, 1);
	tui_vtpane_draw(p, 0, 0, 1);
	mvin_wch(0, 1, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'R' && (attr & A_BOLD), "scrollback: bold red run");
	mvin_wch(0, 2, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'n' && !(attr & (A_BOLD | A_UNDERLINE)),
	    "scrollback: the plain run after it");
	mvin_wch(0, 5, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'U' && (attr & A_UNDERLINE) && !(attr & A_REVERSE),
	    "scrollback: underlined run");
	mvin_wch(0, 6, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == 'v' && (attr & A_UNDERLINE) && (attr & A_REVERSE),
	    "scrollback: underlined and reverse run");
	mvin_wch(0, 8, &cc);
	getcchar(&cc, wc, &attr, &pair, NULL);
	ok(wc[0] == ' ' && !(attr & (A_UNDERLINE | A_REVERSE)),
	    "scrollback: trailing blanks plain");

	/* Frames: bytes since the last draw, and the pacing while flooding. */
	tui_vtpane_scroll_to(p, 0);
	tui_vtpane_draw(p, 0, 0, 0);
	is_int((int)tui_vtpane_fed(p), 0, "drawing resets the byte count");
	feed(p, "abc");
	is_int((int)tui_vtpane_fed(p), 3, "fed bytes counted");
	tui_vtpane_draw(p, 0, 0, 0);
	is_int((int)tui_vtpane_fed(p), 0, "... until the next draw");
	ok(tui_frame_wait(1000, 990, 0, 100) == 6, "a frame at most every 16 ms");
	ok(tui_frame_wait(1000, 984, 0, 100) == 0, "... drawn once 16 ms passed");
	ok(tui_frame_wait(1000, 984, 0, 1 << 20) == 34,
	    "flooding pane: one frame every 50 ms");
	ok(tui_frame_wait(1000, 984, 1, 1 << 20) == 0,
	    "a key during the flood is drawn at the normal pace");
	ok(tui_frame_wait(1000, 950, 0, 1 << 20) == 0, "flood frame due");
	ok(tui_frame_wait(5, 1000, 0, 0) == 0, "a clock going back draws now");
	endwin();
	delscreen(sp);
	fclose(devnull);
	tui_vtpane_free(p);
	buf_free(&out);
	return tap_done();
}
