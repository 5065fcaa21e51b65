/*
 * vtpane.c: the terminal pane: libvterm's state layer over the shell's
 * bytes, drawn from our own grid of cells (grid.c).
 *
 * Data flow: the shell module publishes the raw pty stream to its
 * observers; tui.c hands each chunk to tui_vtpane_feed(), which writes it
 * into libvterm.  libvterm's state layer (the parser and the terminal's
 * modes, cursor, pen, scroll region) calls back here for what happens to
 * cells: putglyph, erase, scrollrect, moverect, setpenattr; we apply each
 * to the grid, which records the rows it touched in one dirty range (as in
 * neovim's terminal.c).  The frame (screen.c, once per loop turn, at most
 * one every 50 ms while the pane floods) calls tui_vtpane_draw(), which
 * repaints just the dirty rows from the grid's lines.  VTermScreen is not
 * used: it memmoves the whole screen for every scrolled line and hands
 * scrolled-off lines over one cell fetch at a time, which cost most of
 * the CPU of a flooding pane.  Lines leaving the top of the primary screen
 * go to the grid's scrollback ring (at most `scrollback` lines, trailing
 * blanks trimmed) and come back when the pane grows.  Keys from the person
 * are encoded by libvterm for the inner program's modes (application
 * cursor keys, bracketed paste) and leave through the output callback to
 * the shell.  libvterm 0.1.4 (the old API: VTermValue.string a char *).
 * What 0.1.4 lacks is made up for before it: vtfilter.c rewrites SGR 2
 * (faint) and DECSET 47 in the byte stream before libvterm reads it.  A
 * wide character written half over is blanked as xterm and tmux do
 * (grid.c).  Strikethrough has no curses attribute: a struck cell is
 * drawn with U+0336 (combining long stroke overlay) on its character.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curses.h>
#include <vterm.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "grid.h"
#include "tui-int.h"

#define VT_STROKE	0x336	/* combining long stroke overlay */

struct tui_vtpane {
	VTerm		*vt;
	VTermState	*state;
	struct tui_grid	*grid;
	int		 rows;
	int		 cols;
	tui_vt_out_fn	 out;
	void		*out_arg;
	struct tui_vtfilter filter;
	struct buf	 filtered;	/* the rewritten chunk, reused */
	int		 all_dirty;
	VTermPos	 cursor;
	int		 cursor_visible;
	int		 reverse;	/* DECSCNM: the whole screen reversed */
	int		 bells;
	size_t		 fed;		/* bytes since the last draw */
	char		*title;
	int		 offset;	/* scrollback lines scrolled back, 0: live */
	uint32_t	 last[TUI_GRID_NCOMB + 1];	/* the last glyph (REP) */
	int		 last_width;
	int		 fast;		/* plain text straight to the grid */
};

/* Pack a libvterm colour as the grid keeps it. */
static uint32_t
vt_pack(const VTermColor *c, int fg)
{
	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
		return TUI_GC_DEFAULT;
	if (VTERM_COLOR_IS_INDEXED(c))
		return c->indexed.idx;
	return TUI_GC_RGB | (uint32_t)c->rgb.red << 16 |
	    (uint32_t)c->rgb.green << 8 | c->rgb.blue;
}

/* Unpack a grid colour for the screen. */
static struct tui_color
vt_unpack(uint32_t v)
{
	struct tui_color c;

	if (v == TUI_GC_DEFAULT) {
		c.kind = TUI_COLOR_DEFAULT;
		c.v = 0;
	} else if (v & TUI_GC_RGB) {
		c.kind = TUI_COLOR_RGB;
		c.v = v & 0xffffff;
	} else {
		c.kind = TUI_COLOR_INDEX;
		c.v = v & 0xff;
	}
	return c;
}

/* libvterm: a character (and its combining marks) at pos. */
static int
vt_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	struct tui_vtpane *p = user;
	int i;

	tui_grid_put(p->grid, pos.row, pos.col, info->chars, info->width);
	p->last[0] = info->chars[0];
	p->last[1] = 0;
	if (info->chars[0] != 0 && info->chars[1] != 0)
		for (i = 1; i <= TUI_GRID_NCOMB && p->last[i - 1] != 0; i++)
			p->last[i] = i < TUI_GRID_NCOMB ? info->chars[i] : 0;
	p->last_width = info->width;
	return 1;
}

/* libvterm: part of the screen moves (scrolling, ICH, DCH, IL, DL). */
static int
vt_scrollrect(VTermRect r, int downward, int rightward, void *user)
{
	struct tui_vtpane *p = user;

	tui_grid_scroll(p->grid, r.start_row, r.end_row, r.start_col,
	    r.end_col, downward, rightward);
	return 1;
}

/* libvterm: cells copied (only if scrollrect declined; kept for safety). */
static int
vt_moverect(VTermRect dest, VTermRect src, void *user)
{
	struct tui_vtpane *p = user;

	tui_grid_move(p->grid, dest.start_row, dest.start_col, src.start_row,
	    src.start_col, dest.end_row - dest.start_row,
	    dest.end_col - dest.start_col);
	return 1;
}

/* libvterm: cells blanked in the pen's background. */
static int
vt_erase(VTermRect r, int selective, void *user)
{
	struct tui_vtpane *p = user;

	(void)selective;	/* DECSCA protection is not kept */
	tui_grid_erase(p->grid, r.start_row, r.end_row, r.start_col,
	    r.end_col);
	return 1;
}

/* libvterm: the pen changed (SGR). */
static int
vt_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
	struct tui_vtpane *p = user;
	struct tui_gpen *pen = tui_grid_pen(p->grid);
	uint8_t bit = 0;
	int on = 0;

	switch (attr) {
	case VTERM_ATTR_BOLD: bit = TUI_GA_BOLD; on = val->boolean; break;
	case VTERM_ATTR_UNDERLINE:
		bit = TUI_GA_UNDERLINE;
		on = val->number != 0;
		break;
	case VTERM_ATTR_ITALIC: bit = TUI_GA_ITALIC; on = val->boolean; break;
	case VTERM_ATTR_BLINK: bit = TUI_GA_BLINK; on = val->boolean; break;
	case VTERM_ATTR_REVERSE: bit = TUI_GA_REVERSE; on = val->boolean; break;
	case VTERM_ATTR_STRIKE: bit = TUI_GA_STRIKE; on = val->boolean; break;
	case VTERM_ATTR_FONT:	/* SGR 2 arrives as font 1, see vtfilter.c */
		bit = TUI_GA_DIM;
		on = val->number == 1;
		break;
	case VTERM_ATTR_FOREGROUND:
		pen->fg = vt_pack(&val->color, 1);
		return 1;
	case VTERM_ATTR_BACKGROUND:
		pen->bg = vt_pack(&val->color, 0);
		return 1;
	default:
		return 1;
	}
	if (on)
		pen->attrs |= bit;
	else
		pen->attrs &= (uint8_t)~bit;
	return 1;
}

/* libvterm: the cursor moved. */
static int
vt_movecursor(VTermPos pos, VTermPos old, int visible, void *user)
{
	struct tui_vtpane *p = user;

	(void)old;
	p->cursor = pos;
	p->cursor_visible = visible;
	return 1;
}

/* libvterm: a terminal property changed (cursor, alt screen, title). */
static int
vt_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	struct tui_vtpane *p = user;

	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE:
		p->cursor_visible = val->boolean;
		break;
	case VTERM_PROP_ALTSCREEN:
		/* libvterm then erases the alternate screen it enters. */
		tui_grid_altscreen(p->grid, val->boolean);
		p->all_dirty = 1;
		break;
	case VTERM_PROP_REVERSE:
		p->reverse = val->boolean;
		p->all_dirty = 1;
		break;
	case VTERM_PROP_TITLE:
		free(p->title);
		p->title = val->string != NULL ? xstrndup(val->string, 200) :
		    NULL;
		break;
	default:
		break;
	}
	return 1;
}

/* libvterm: BEL; passed on at the next frame. */
static int
vt_bell(void *user)
{
	((struct tui_vtpane *)user)->bells++;
	return 1;
}

/* libvterm: the size changed; the cursor follows what the grid moved. */
static int
vt_resize(int rows, int cols, VTermPos *delta, void *user)
{
	struct tui_vtpane *p = user;
	VTermPos cur;

	vterm_state_get_cursorpos(p->state, &cur);
	delta->row += tui_grid_resize(p->grid, rows, cols, cur.row);
	return 1;
}

/* libvterm: DECDWL/DECDHL; double-size lines are drawn single. */
static int
vt_setlineinfo(int row, const VTermLineInfo *newinfo,
    const VTermLineInfo *oldinfo, void *user)
{
	(void)row;
	(void)newinfo;
	(void)oldinfo;
	(void)user;
	return 1;
}

static const VTermStateCallbacks vt_callbacks = {
	.putglyph = vt_putglyph,
	.movecursor = vt_movecursor,
	.scrollrect = vt_scrollrect,
	.moverect = vt_moverect,
	.erase = vt_erase,
	.setpenattr = vt_setpenattr,
	.settermprop = vt_settermprop,
	.bell = vt_bell,
	.resize = vt_resize,
	.setlineinfo = vt_setlineinfo,
};

/* libvterm's output (encoded keys, replies to queries) goes to the shell. */
static void
vt_output(const char *s, size_t len, void *user)
{
	struct tui_vtpane *p = user;

	if (p->out != NULL)
		p->out(s, len, p->out_arg);
}

/* See tui-int.h. */
struct tui_vtpane *
tui_vtpane_new(int rows, int cols, int scrollback, tui_vt_out_fn out, void *arg)
{
	struct tui_vtpane *p = xcalloc(1, sizeof *p);

	p->rows = rows < 1 ? 1 : rows;
	p->cols = cols < 1 ? 1 : cols;
	p->out = out;
	p->out_arg = arg;
	p->cursor_visible = 1;
	p->fast = 1;
	p->grid = tui_grid_new(p->rows, p->cols, scrollback);
	tui_vtfilter_init(&p->filter);
	buf_init(&p->filtered, 0);
	p->vt = vterm_new(p->rows, p->cols);
	vterm_set_utf8(p->vt, 1);
	vterm_output_set_callback(p->vt, vt_output, p);
	p->state = vterm_obtain_state(p->vt);
	vterm_state_set_callbacks(p->state, &vt_callbacks, p);
	vterm_state_reset(p->state, 1);
	p->all_dirty = 1;
	return p;
}

/* See tui-int.h. */
void
tui_vtpane_free(struct tui_vtpane *p)
{
	if (p == NULL)
		return;
	vterm_free(p->vt);
	tui_grid_free(p->grid);
	free(p->title);
	buf_free(&p->filtered);
	free(p);
}

/* Keep a scrolled-back view on the text the person reads. */
static void
vt_follow(struct tui_vtpane *p, unsigned long pushed)
{
	int n = tui_grid_sb_lines(p->grid);
	unsigned long more = tui_grid_sb_pushed(p->grid) - pushed;

	if (p->offset > 0)
		p->offset = more >= (unsigned long)n ||
		    p->offset + (int)more > n ? n : p->offset + (int)more;
	if (p->offset > n)
		p->offset = n;
}

/*
 * REP (CSI n b), which vtfilter.c took out: the last glyph again, n times
 * up to the end of the row, fed to libvterm as text.  libvterm's own REP
 * never ends when that glyph has no width.
 */
static void
vt_rep(struct tui_vtpane *p, long n)
{
	char text[(TUI_GRID_NCOMB + 1) * 4], *run;
	size_t len = 0, i;
	uint32_t c;
	int k;

	if (n < 1)
		n = 1;
	if (n > p->cols - p->cursor.col)
		n = p->cols - p->cursor.col;
	if (p->last_width < 1 || n < 1)
		return;
	for (k = 0; k <= TUI_GRID_NCOMB && (c = p->last[k]) != 0; k++) {
		if (c >= 0x110000 || (c >= 0xd800 && c < 0xe000))
			return;
		if (c < 0x80)
			text[len++] = (char)c;
		else if (c < 0x800) {
			text[len++] = (char)(0xc0 | c >> 6);
			text[len++] = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			text[len++] = (char)(0xe0 | c >> 12);
			text[len++] = (char)(0x80 | (c >> 6 & 0x3f));
			text[len++] = (char)(0x80 | (c & 0x3f));
		} else {
			text[len++] = (char)(0xf0 | c >> 18);
			text[len++] = (char)(0x80 | (c >> 12 & 0x3f));
			text[len++] = (char)(0x80 | (c >> 6 & 0x3f));
			text[len++] = (char)(0x80 | (c & 0x3f));
		}
	}
	if (len == 0)
		return;
	run = xreallocarray(NULL, (size_t)n, len);
	for (i = 0; i < (size_t)n; i++)
		memcpy(run + i * len, text, len);
	vterm_input_write(p->vt, run, (size_t)n * len);
	free(run);
}

/*
 * A run of printable ASCII that libvterm would read as plain text (the
 * filter checked the character set and modes): all but its last byte, as
 * far as the row has room before its last column, go straight into the
 * grid, and libvterm only moves its cursor over them (CUF).  Its last byte
 * goes through libvterm, so its idea of the last glyph (combining marks,
 * REP) stays right.  Returns the bytes done.
 */
static size_t
vt_fast(struct tui_vtpane *p, const char *s, size_t n)
{
	char cuf[24];
	size_t k, i;
	int len;

	if (!p->fast || p->cursor.row < 0 || p->cursor.row >= p->rows ||
	    p->cursor.col < 0 || p->cursor.col >= p->cols - 1)
		return 0;	/* at the last column a wrap may be pending */
	k = (size_t)(p->cols - 1 - p->cursor.col);
	if (k > n - 1)
		k = n - 1;
	if (k < 4)
		return 0;
	tui_grid_put_ascii(p->grid, p->cursor.row, p->cursor.col, s, (int)k);
	/* CSI k C, written backwards (snprintf was a tenth of the CPU). */
	len = sizeof cuf;
	cuf[--len] = 'C';
	for (i = k; i > 0; i /= 10)
		cuf[--len] = (char)('0' + i % 10);
	cuf[--len] = '[';
	cuf[--len] = '\033';
	vterm_input_write(p->vt, cuf + len, sizeof cuf - (size_t)len);
	return k;
}

/* Bytes from the shell. */
void
tui_vtpane_feed(struct tui_vtpane *p, const char *s, size_t len)
{
	unsigned long pushed = tui_grid_sb_pushed(p->grid);
	const struct tui_vtf_ev *ev;
	size_t off = 0;
	int i;

	p->fed += len;
	buf_reset(&p->filtered);
	p->filter.nev = 0;
	tui_vtfilter_feed(&p->filter, s, len, &p->filtered);
	for (i = 0; i < p->filter.nev; i++) {
		ev = &p->filter.ev[i];
		if (ev->at > off)
			vterm_input_write(p->vt, p->filtered.s + off,
			    ev->at - off);
		off = ev->at;
		if (ev->run)
			off += vt_fast(p, p->filtered.s + off, (size_t)ev->n);
		else
			vt_rep(p, ev->n);
	}
	if (p->filtered.len > off)
		vterm_input_write(p->vt, p->filtered.s + off,
		    p->filtered.len - off);
	if (p->filtered.cap > 1 << 20)
		buf_free(&p->filtered);		/* one huge chunk: give it back */
	vt_follow(p, pushed);
}

/* See tui-int.h. */
void
tui_vtpane_resize(struct tui_vtpane *p, int rows, int cols)
{
	unsigned long pushed = tui_grid_sb_pushed(p->grid);

	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	if (rows == p->rows && cols == p->cols)
		return;
	if (p->filter.stbm_top > rows) {
		/*
		 * libvterm 0.1.4 would keep a scroll region starting below the
		 * new bottom and then scroll it with a negative size: reset it
		 * (DECSTBM homes the cursor: put it back).
		 */
		VTermPos at = p->cursor;	/* the reset moves p->cursor */
		char cup[32];
		int n;

		vterm_input_write(p->vt, "\033[r", 3);
		n = snprintf(cup, sizeof cup, "\033[%d;%dH", at.row + 1,
		    at.col + 1);
		vterm_input_write(p->vt, cup, (size_t)n);
		p->filter.stbm_top = 0;
	}
	p->rows = rows;
	p->cols = cols;
	vterm_set_size(p->vt, rows, cols);
	vt_follow(p, pushed);
	p->all_dirty = 1;
}

/* See tui-int.h. */
void
tui_vtpane_size(const struct tui_vtpane *p, int *rows, int *cols)
{
	*rows = p->rows;
	*cols = p->cols;
}

/* Map our key to libvterm's and let it encode for the inner modes. */
void
tui_vtpane_key(struct tui_vtpane *p, const struct tui_key *k)
{
	VTermModifier mod = (VTermModifier)(k->mod & VTERM_ALL_MODS_MASK);
	VTermKey vk = VTERM_KEY_NONE;
	int c = k->key;

	if (c == TUI_KEY_PASTE) {
		tui_vtpane_paste(p, k->text, k->len);
		return;
	}
	switch (c) {
	case '\r': vk = VTERM_KEY_ENTER; break;
	case '\t': vk = VTERM_KEY_TAB; break;
	case 0x7f: vk = VTERM_KEY_BACKSPACE; break;
	case 0x1b: vk = VTERM_KEY_ESCAPE; break;
	case TUI_KEY_UP: vk = VTERM_KEY_UP; break;
	case TUI_KEY_DOWN: vk = VTERM_KEY_DOWN; break;
	case TUI_KEY_LEFT: vk = VTERM_KEY_LEFT; break;
	case TUI_KEY_RIGHT: vk = VTERM_KEY_RIGHT; break;
	case TUI_KEY_HOME: vk = VTERM_KEY_HOME; break;
	case TUI_KEY_END: vk = VTERM_KEY_END; break;
	case TUI_KEY_PGUP: vk = VTERM_KEY_PAGEUP; break;
	case TUI_KEY_PGDN: vk = VTERM_KEY_PAGEDOWN; break;
	case TUI_KEY_INS: vk = VTERM_KEY_INS; break;
	case TUI_KEY_DEL: vk = VTERM_KEY_DEL; break;
	case TUI_KEY_BTAB:
		vk = VTERM_KEY_TAB;
		mod |= VTERM_MOD_SHIFT;
		break;
	default:
		if (c >= TUI_KEY_F1 && c <= TUI_KEY_F12)
			vk = (VTermKey)VTERM_KEY_FUNCTION(c - TUI_KEY_F1 + 1);
		break;
	}
	if (vk != VTERM_KEY_NONE) {
		vterm_keyboard_key(p->vt, vk, mod);
		return;
	}
	if (c >= 0 && c < 0x110000)
		vterm_keyboard_unichar(p->vt, (uint32_t)c, mod);
}

/* A paste: bracketed if the inner program asked, newlines as CR. */
void
tui_vtpane_paste(struct tui_vtpane *p, const char *s, size_t len)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < len; i++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		buf_putc(&b, s[i] == '\n' ? '\r' : s[i]);
	}
	vterm_keyboard_start_paste(p->vt);
	vt_output(b.s, b.len, p);
	vterm_keyboard_end_paste(p->vt);
	buf_free(&b);
}

/* See tui-int.h. */
void
tui_vtpane_scroll_to(struct tui_vtpane *p, int offset)
{
	int n = tui_grid_sb_lines(p->grid);

	if (offset < 0)
		offset = 0;
	if (offset > n)
		offset = n;
	if (offset != p->offset)
		p->all_dirty = 1;
	p->offset = offset;
}

/* See tui-int.h. */
void
tui_vtpane_scroll(struct tui_vtpane *p, int delta)
{
	tui_vtpane_scroll_to(p, p->offset + delta);
}

/* See tui-int.h. */
int
tui_vtpane_scroll_offset(const struct tui_vtpane *p)
{
	return p->offset;
}

/* See tui-int.h. */
int
tui_vtpane_scrollback_lines(const struct tui_vtpane *p)
{
	return tui_grid_sb_lines(p->grid);
}

/* See tui-int.h. */
int
tui_vtpane_dirty(const struct tui_vtpane *p)
{
	int lo, hi;

	return p->all_dirty || tui_grid_dirty(p->grid, &lo, &hi);
}

/* See tui-int.h. */
void
tui_vtpane_touch(struct tui_vtpane *p)
{
	p->all_dirty = 1;
}

/* Curses attributes of grid attributes. */
static attr_t
vt_curses_attrs(uint8_t a)
{
	attr_t attr = 0;

	if (a & TUI_GA_BOLD)
		attr |= A_BOLD;
	if (a & TUI_GA_DIM)
		attr |= A_DIM;
	if (a & TUI_GA_UNDERLINE)
		attr |= A_UNDERLINE;
	if (a & TUI_GA_ITALIC)
		attr |= A_ITALIC;
	if (a & TUI_GA_BLINK)
		attr |= A_BLINK;
	if (a & TUI_GA_REVERSE)
		attr |= A_REVERSE;
	return attr;
}

/*
 * What a cell shows from column c of l: its character (a blank for a half
 * without its other half, or a wide character with no room) and the
 * columns it takes (*w), plus *pad when a character libvterm counts wide
 * is not wide here: it is drawn narrow, then a blank keeps the columns.
 */
static uint32_t
vt_glyph(const struct tui_gline *l, int c, int ncols, int *w, int *pad)
{
	const struct tui_gcell *cell = &l->cells[c];
	uint32_t ch = cell->ch;

	*w = 1;
	*pad = 0;
	if (cell->width == 2 && c + 1 < ncols && c + 1 < l->used &&
	    l->cells[c + 1].width == 0) {
		if (tui_wcwidth((wchar_t)ch) == 2)
			*w = 2;
		else
			*pad = 1;
	} else if (cell->width != 1 || tui_wcwidth((wchar_t)ch) == 2)
		ch = ' ';
	if (ch < 0x20 || ch == 0x7f || ch > 0x10ffff)
		ch = ' ';
	return ch;
}

/* Draw one line (live or scrollback) at (y, x), the pane's width. */
static void
vt_draw_line(struct tui_vtpane *p, const struct tui_gline *l, int y, int x)
{
	static const struct tui_gcell blank = { ' ', TUI_GC_DEFAULT,
	    TUI_GC_DEFAULT, 0, 1 };
	const struct tui_gcell *cell, *last = NULL;
	wchar_t wc[CCHARW_MAX + 1];
	cchar_t cc;
	const uint32_t *m;
	attr_t attr = 0;
	int c, w, pad, n, i, pair = 0, bright;
	uint8_t a;

	for (c = 0; c < p->cols; c += w + pad) {
		if (c < l->used) {
			cell = &l->cells[c];
			wc[0] = (wchar_t)vt_glyph(l, c, p->cols, &w, &pad);
		} else {
			cell = &blank;
			wc[0] = L' ';
			w = 1;
			pad = 0;
		}
		a = cell->attrs;
		if (p->reverse)
			a ^= TUI_GA_REVERSE;
		/* A run in one pen (nearly every cell): the pair is reused. */
		if (last == NULL || cell->fg != last->fg || cell->bg != last->bg ||
		    a != (uint8_t)(last->attrs ^ (p->reverse ? TUI_GA_REVERSE :
		    0))) {
			bright = 0;
			pair = tui_screen_pair(vt_unpack(cell->fg),
			    vt_unpack(cell->bg), &bright);
			attr = vt_curses_attrs(a) | (bright ? A_BOLD : 0);
			if (pair >= 32767)
				pair = 0;
		}
		last = cell;
		n = 1;
		if ((a & TUI_GA_COMB) && l->comb != NULL && wc[0] != L' ') {
			m = l->comb + (size_t)c * TUI_GRID_NCOMB;
			for (i = 0; i < TUI_GRID_NCOMB && m[i] != 0 &&
			    n < CCHARW_MAX - 1; i++)
				wc[n++] = (wchar_t)m[i];
		}
		if (a & TUI_GA_STRIKE)
			wc[n++] = VT_STROKE;
		wc[n] = 0;
		setcchar(&cc, wc, attr, (short)pair, &pair);
		mvadd_wch(y, x + c, &cc);
		if (pad) {
			wc[0] = L' ';
			wc[1] = 0;
			setcchar(&cc, wc, attr & ~(attr_t)(A_UNDERLINE),
			    (short)pair, &pair);
			mvadd_wch(y, x + c + 1, &cc);
		}
	}
}

/* Repaint the dirty rows (or all) at (y, x). */
void
tui_vtpane_draw(struct tui_vtpane *p, int y, int x, int full)
{
	int r, lo, hi, n = tui_grid_sb_lines(p->grid);

	tui_grid_dirty(p->grid, &lo, &hi);
	if (full || p->all_dirty || p->offset > 0) {
		lo = 0;
		hi = p->rows;
	}
	for (r = lo; r < hi; r++) {
		if (r < p->offset)
			vt_draw_line(p, tui_grid_sb_line(p->grid, n - p->offset +
			    r), y + r, x);
		else
			vt_draw_line(p, tui_grid_line(p->grid, r - p->offset),
			    y + r, x);
	}
	tui_grid_clean(p->grid);
	p->all_dirty = 0;
	p->fed = 0;
}

/* See tui-int.h. */
size_t
tui_vtpane_fed(const struct tui_vtpane *p)
{
	return p->fed;
}

/* See tui-int.h. */
int
tui_vtpane_cursor(const struct tui_vtpane *p, int *row, int *col)
{
	int on = p->cursor.row >= 0 && p->cursor.row < p->rows &&
	    p->cursor.col >= 0 && p->cursor.col < p->cols;

	/* libvterm can leave it off the screen (a DECSTBM larger than it). */
	*row = on ? p->cursor.row + p->offset : 0;
	*col = on ? p->cursor.col : 0;
	return on && p->cursor_visible && p->offset == 0 && *row < p->rows;
}

/* See tui-int.h. */
int
tui_vtpane_altscreen(const struct tui_vtpane *p)
{
	return tui_grid_is_alt(p->grid);
}

/* Text of a live row as drawn (tests, copy). */
char *
tui_vtpane_row_text(const struct tui_vtpane *p, int r)
{
	const struct tui_gline *l = tui_grid_line(p->grid, r);
	const uint32_t *m;
	wchar_t *wc;
	char *s;
	int c, w, pad, i, n = 0;

	if (l == NULL)
		return xstrdup("");
	wc = xreallocarray(NULL, (size_t)l->used * (TUI_GRID_NCOMB + 2) + 1,
	    sizeof *wc);
	for (c = 0; c < l->used; c += w + pad) {
		wc[n++] = (wchar_t)vt_glyph(l, c, l->used, &w, &pad);
		if ((l->cells[c].attrs & TUI_GA_COMB) && l->comb != NULL &&
		    wc[n - 1] != L' ') {
			m = l->comb + (size_t)c * TUI_GRID_NCOMB;
			for (i = 0; i < TUI_GRID_NCOMB && m[i] != 0; i++)
				wc[n++] = (wchar_t)m[i];
		}
		if (pad)
			wc[n++] = L' ';
	}
	while (n > 0 && wc[n - 1] == L' ')
		n--;
	s = tui_wcs_to_utf8(wc, n);
	free(wc);
	return s;
}

/* See tui-int.h. */
unsigned
tui_vtpane_cell_attrs(const struct tui_vtpane *p, int r, int c)
{
	static const struct { uint8_t g; unsigned tui; } map[] = {
		{ TUI_GA_BOLD, TUI_A_BOLD }, { TUI_GA_UNDERLINE, TUI_A_UNDERLINE },
		{ TUI_GA_ITALIC, TUI_A_ITALIC }, { TUI_GA_BLINK, TUI_A_BLINK },
		{ TUI_GA_REVERSE, TUI_A_REVERSE }, { TUI_GA_DIM, TUI_A_DIM },
		{ TUI_GA_STRIKE, TUI_A_STRIKE }
	};
	const struct tui_gline *l = tui_grid_line(p->grid, r);
	unsigned a = 0;
	size_t i;

	if (l == NULL || c < 0 || c >= l->used)
		return 0;
	for (i = 0; i < nitems(map); i++)
		if (l->cells[c].attrs & map[i].g)
			a |= map[i].tui;
	return a;
}

/* See tui-int.h. */
int
tui_vtpane_take_bell(struct tui_vtpane *p)
{
	int n = p->bells;

	p->bells = 0;
	return n;
}

/* See tui-int.h. */
const char *
tui_vtpane_title(const struct tui_vtpane *p)
{
	return p->title;
}

/* See tui-int.h. */
const struct tui_grid *
tui_vtpane_grid(const struct tui_vtpane *p)
{
	return p->grid;
}

/* See tui-int.h. */
void
tui_vtpane_set_fast(struct tui_vtpane *p, int on)
{
	p->fast = on;
}
