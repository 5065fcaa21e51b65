/*
 * vtpane.c: the terminal pane, a libvterm screen over the shell's bytes.
 *
 * Data flow (as in neovim's terminal.c): the shell module publishes the raw
 * pty stream to its observers; tui.c hands each chunk to tui_vtpane_feed(),
 * which writes it into libvterm and flushes the damage.  The damage,
 * moverect and movecursor callbacks only widen a dirty-row range; the frame
 * (screen.c, once per loop turn) calls tui_vtpane_draw(), which reads the
 * dirty rows back cell by cell and repaints just those.  Lines scrolled off
 * the top arrive through sb_pushline and are kept, trailing blanks trimmed,
 * in a ring of at most `scrollback` lines; sb_popline gives them back when
 * the pane grows.  Keys from the person are encoded by libvterm for the
 * inner program's modes (application cursor keys, bracketed paste) and
 * leave through the output callback to the shell.  libvterm 0.1.4 (the old
 * API: VTermScreenCallbacks without sb_clear, VTermValue.string a char *).
 * What 0.1.4 lacks is made up for on both sides of it: vtfilter.c rewrites
 * SGR 2 (faint) and DECSET 47 in the byte stream before libvterm reads it,
 * and vt_cell_fix() draws a half-overwritten wide character as xterm and
 * tmux show it.  Strikethrough has no curses attribute: a struck cell is
 * drawn with U+0336 (combining long stroke overlay) on its character.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <curses.h>
#include <vterm.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "tui-int.h"

/* Compact scrollback cell: colours as (kind << 24 | value). */
struct vt_sbcell {
	uint32_t	 ch;
	uint32_t	 fg;
	uint32_t	 bg;
	uint8_t		 attrs;
	uint8_t		 width;
};

struct vt_sbline {
	int		 cols;
	struct vt_sbcell cells[];
};

#define VT_CDEFAULT	0xff000000u
#define VT_CRGB		0x01000000u

#define VT_A_BOLD	0x01
#define VT_A_UNDERLINE	0x02
#define VT_A_ITALIC	0x04
#define VT_A_BLINK	0x08
#define VT_A_REVERSE	0x10
#define VT_A_DIM	0x20
#define VT_A_STRIKE	0x40

#define VT_STROKE	0x336	/* combining long stroke overlay */

struct tui_vtpane {
	VTerm		*vt;
	VTermScreen	*screen;
	int		 rows;
	int		 cols;
	tui_vt_out_fn	 out;
	void		*out_arg;
	struct tui_vtfilter filter;
	struct buf	 filtered;	/* the rewritten chunk, reused */
	/* dirty rows [dirty_lo, dirty_hi) of the pane (screen rows) */
	int		 dirty_lo;
	int		 dirty_hi;
	int		 all_dirty;
	VTermPos	 cursor;
	int		 cursor_visible;
	int		 altscreen;
	int		 bells;
	size_t		 fed;		/* bytes since the last draw */
	char		*title;
	/* scrollback ring: sb[(sb_head + i) % sb_max], oldest first */
	struct vt_sbline **sb;
	int		 sb_max;
	int		 sb_head;
	int		 sb_n;
	int		 offset;	/* lines scrolled back, 0: live */
};

/* Widen the dirty range. */
static void
vt_dirty(struct tui_vtpane *p, int lo, int hi)
{
	if (lo < 0)
		lo = 0;
	if (hi > p->rows)
		hi = p->rows;
	if (lo >= hi)
		return;
	if (p->dirty_lo >= p->dirty_hi) {
		p->dirty_lo = lo;
		p->dirty_hi = hi;
		return;
	}
	if (lo < p->dirty_lo)
		p->dirty_lo = lo;
	if (hi > p->dirty_hi)
		p->dirty_hi = hi;
}

/* libvterm: cells changed; their rows need drawing. */
static int
vt_damage(VTermRect r, void *user)
{
	vt_dirty(user, r.start_row, r.end_row);
	return 1;
}

/* libvterm: a region moved (scrolling); redraw both ends. */
static int
vt_moverect(VTermRect dest, VTermRect src, void *user)
{
	vt_dirty(user, dest.start_row < src.start_row ? dest.start_row :
	    src.start_row, dest.end_row > src.end_row ? dest.end_row :
	    src.end_row);
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
		p->altscreen = val->boolean;
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

/* Pack a libvterm colour. */
static uint32_t
vt_pack(const VTermColor *c, int fg)
{
	if (fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
		return VT_CDEFAULT;
	if (VTERM_COLOR_IS_INDEXED(c))
		return c->indexed.idx;
	return VT_CRGB | (uint32_t)c->rgb.red << 16 |
	    (uint32_t)c->rgb.green << 8 | c->rgb.blue;
}

/* Unpack a stored colour. */
static struct tui_color
vt_unpack(uint32_t v)
{
	struct tui_color c;

	if (v == VT_CDEFAULT) {
		c.kind = TUI_COLOR_DEFAULT;
		c.v = 0;
	} else if (v & VT_CRGB) {
		c.kind = TUI_COLOR_RGB;
		c.v = v & 0xffffff;
	} else {
		c.kind = TUI_COLOR_INDEX;
		c.v = v & 0xff;
	}
	return c;
}

/* Our attribute bits of a libvterm cell. */
static uint8_t
vt_attrs(const VTermScreenCell *c)
{
	return (uint8_t)((c->attrs.bold ? VT_A_BOLD : 0) |
	    (c->attrs.underline ? VT_A_UNDERLINE : 0) |
	    (c->attrs.italic ? VT_A_ITALIC : 0) |
	    (c->attrs.blink ? VT_A_BLINK : 0) |
	    (c->attrs.reverse ? VT_A_REVERSE : 0) |
	    (c->attrs.font == 1 ? VT_A_DIM : 0) |	/* SGR 2, see vtfilter.c */
	    (c->attrs.strike ? VT_A_STRIKE : 0));
}

/* Two cells in the same pen (colours and attributes), byte for byte. */
static int
vt_same_pen(const VTermScreenCell *a, const VTermScreenCell *b)
{
	return memcmp(&a->attrs, &b->attrs, sizeof a->attrs) == 0 &&
	    memcmp(&a->fg, &b->fg, sizeof a->fg) == 0 &&
	    memcmp(&a->bg, &b->bg, sizeof a->bg) == 0;
}

/* A line leaves the top of the screen: keep it (trailing blanks trimmed). */
static int
vt_sb_pushline(int cols, const VTermScreenCell *cells, void *user)
{
	struct tui_vtpane *p = user;
	struct vt_sbline *l;
	int n = cols, i, slot;

	if (p->sb_max == 0)
		return 0;
	while (n > 0 && (cells[n - 1].chars[0] == 0 ||
	    cells[n - 1].chars[0] == ' ') && VTERM_COLOR_IS_DEFAULT_BG(
	    &cells[n - 1].bg) && !cells[n - 1].attrs.reverse)
		n--;
	if (p->sb_n == p->sb_max) {
		/* Full: recycle the oldest line's memory (no malloc/free churn). */
		l = xrealloc(p->sb[p->sb_head], sizeof *l + (size_t)n *
		    sizeof l->cells[0]);
		p->sb[p->sb_head] = NULL;
	} else
		l = xmalloc(sizeof *l + (size_t)n * sizeof l->cells[0]);
	l->cols = n;
	for (i = 0; i < n; i++) {
		l->cells[i].ch = cells[i].chars[0];
		l->cells[i].width = (uint8_t)cells[i].width;
		if (i > 0 && vt_same_pen(&cells[i], &cells[i - 1])) {
			/* A run in one pen (nearly every cell): no repacking. */
			l->cells[i].fg = l->cells[i - 1].fg;
			l->cells[i].bg = l->cells[i - 1].bg;
			l->cells[i].attrs = l->cells[i - 1].attrs;
			continue;
		}
		l->cells[i].fg = vt_pack(&cells[i].fg, 1);
		l->cells[i].bg = vt_pack(&cells[i].bg, 0);
		l->cells[i].attrs = vt_attrs(&cells[i]);
	}
	if (p->sb_n == p->sb_max) {
		p->sb[p->sb_head] = l;
		p->sb_head = (p->sb_head + 1) % p->sb_max;
	} else {
		slot = (p->sb_head + p->sb_n) % p->sb_max;
		p->sb[slot] = l;
		p->sb_n++;
	}
	if (p->offset > 0 && p->offset < p->sb_n)
		p->offset++;	/* keep the view on what the person reads */
	return 1;
}

/* The pane grew taller: give back the newest stored line. */
static int
vt_sb_popline(int cols, VTermScreenCell *cells, void *user)
{
	struct tui_vtpane *p = user;
	struct vt_sbline *l;
	int i, slot;

	if (p->sb_n == 0)
		return 0;
	slot = (p->sb_head + p->sb_n - 1) % p->sb_max;
	l = p->sb[slot];
	p->sb[slot] = NULL;
	p->sb_n--;
	for (i = 0; i < cols; i++) {
		memset(&cells[i], 0, sizeof cells[i]);
		cells[i].width = 1;
		if (i < l->cols) {
			cells[i].chars[0] = l->cells[i].ch;
			cells[i].width = (char)l->cells[i].width;
			cells[i].attrs.bold = !!(l->cells[i].attrs & VT_A_BOLD);
			cells[i].attrs.underline = !!(l->cells[i].attrs &
			    VT_A_UNDERLINE);
			cells[i].attrs.italic = !!(l->cells[i].attrs & VT_A_ITALIC);
			cells[i].attrs.reverse = !!(l->cells[i].attrs &
			    VT_A_REVERSE);
			cells[i].attrs.strike = !!(l->cells[i].attrs &
			    VT_A_STRIKE);
			cells[i].attrs.font = l->cells[i].attrs & VT_A_DIM ? 1 : 0;
		}
		vterm_state_get_default_colors(vterm_obtain_state(p->vt),
		    &cells[i].fg, &cells[i].bg);
	}
	free(l);
	if (p->offset > p->sb_n)
		p->offset = p->sb_n;
	return 1;
}

static const VTermScreenCallbacks vt_callbacks = {
	.damage = vt_damage,
	.moverect = vt_moverect,
	.movecursor = vt_movecursor,
	.settermprop = vt_settermprop,
	.bell = vt_bell,
	.sb_pushline = vt_sb_pushline,
	.sb_popline = vt_sb_popline,
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
	p->sb_max = scrollback < 0 ? 0 : scrollback;
	if (p->sb_max > 0)
		p->sb = xcalloc((size_t)p->sb_max, sizeof *p->sb);
	p->cursor_visible = 1;
	tui_vtfilter_init(&p->filter);
	buf_init(&p->filtered, 0);
	p->vt = vterm_new(p->rows, p->cols);
	vterm_set_utf8(p->vt, 1);
	vterm_output_set_callback(p->vt, vt_output, p);
	p->screen = vterm_obtain_screen(p->vt);
	vterm_screen_set_callbacks(p->screen, &vt_callbacks, p);
	vterm_screen_set_damage_merge(p->screen, VTERM_DAMAGE_SCROLL);
	vterm_screen_enable_altscreen(p->screen, 1);
	vterm_screen_reset(p->screen, 1);
	p->all_dirty = 1;
	return p;
}

/* See tui-int.h. */
void
tui_vtpane_free(struct tui_vtpane *p)
{
	int i;

	if (p == NULL)
		return;
	vterm_free(p->vt);
	for (i = 0; i < p->sb_n; i++)
		free(p->sb[(p->sb_head + i) % p->sb_max]);
	free(p->sb);
	free(p->title);
	buf_free(&p->filtered);
	free(p);
}

/* Bytes from the shell. */
void
tui_vtpane_feed(struct tui_vtpane *p, const char *s, size_t len)
{
	p->fed += len;
	buf_reset(&p->filtered);
	tui_vtfilter_feed(&p->filter, s, len, &p->filtered);
	if (p->filtered.len > 0)
		vterm_input_write(p->vt, p->filtered.s, p->filtered.len);
	vterm_screen_flush_damage(p->screen);
	if (p->filtered.cap > 1 << 20)
		buf_free(&p->filtered);		/* one huge chunk: give it back */
}

/* See tui-int.h. */
void
tui_vtpane_resize(struct tui_vtpane *p, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	if (rows == p->rows && cols == p->cols)
		return;
	p->rows = rows;
	p->cols = cols;
	vterm_set_size(p->vt, rows, cols);
	vterm_screen_flush_damage(p->screen);
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
	if (offset < 0)
		offset = 0;
	if (offset > p->sb_n)
		offset = p->sb_n;
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
	return p->sb_n;
}

/* See tui-int.h. */
int
tui_vtpane_dirty(const struct tui_vtpane *p)
{
	return p->all_dirty || p->dirty_lo < p->dirty_hi;
}

/* See tui-int.h. */
void
tui_vtpane_touch(struct tui_vtpane *p)
{
	p->all_dirty = 1;
}

/* Put one cell (a character and its combining marks) on the screen. */
static void
vt_put(int y, int x, const uint32_t *chars, int nchars, int width,
    struct tui_color fg, struct tui_color bg, uint8_t a)
{
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t attr = 0;
	int pair, bright = 0, i, n = 1;
	uint32_t ch = chars[0];

	wc[0] = ch == 0 || ch == (uint32_t)-1 ? L' ' : (wchar_t)ch;
	if (wc[0] < 0x20 || wc[0] == 0x7f)
		wc[0] = L' ';
	if (width == 2 && tui_wcwidth(wc[0]) != 2)
		wc[0] = L' ';	/* cannot show it wide: keep the columns */
	for (i = 1; wc[0] != L' ' && i < nchars && n < CCHARW_MAX &&
	    chars[i] != 0 && chars[i] != (uint32_t)-1; i++)
		wc[n++] = (wchar_t)chars[i];
	if ((a & VT_A_STRIKE) && n < CCHARW_MAX)
		wc[n++] = VT_STROKE;
	wc[n] = 0;
	pair = tui_screen_pair(fg, bg, &bright);
	if ((a & VT_A_BOLD) || bright)
		attr |= A_BOLD;
	if (a & VT_A_DIM)
		attr |= A_DIM;
	if (a & VT_A_UNDERLINE)
		attr |= A_UNDERLINE;
	if (a & VT_A_ITALIC)
		attr |= A_ITALIC;
	if (a & VT_A_BLINK)
		attr |= A_BLINK;
	if (a & VT_A_REVERSE)
		attr |= A_REVERSE;
	setcchar(&cc, wc, attr, (short)(pair < 32767 ? pair : 0), &pair);
	mvadd_wch(y, x, &cc);
}

/*
 * What a cell really shows.  libvterm 0.1.4 leaves a half-overwritten wide
 * character inconsistent: a narrow character written over its first half
 * keeps the continuation cell (so it reports width 2), and one written over
 * its second half leaves the first half holding the wide character at
 * width 1.  Show them as xterm and tmux do ("漢X かな", "漢 Yかな"): the
 * narrow character then a blank (*pad), and a blank for an orphaned half.
 * Returns the columns the cell takes.
 */
static int
vt_cell_fix(uint32_t *ch, int width, int *pad)
{
	wchar_t w = *ch == 0 || *ch == (uint32_t)-1 ? L' ' : (wchar_t)*ch;

	*pad = 0;
	if (width == 2 && tui_wcwidth(w) != 2) {
		*pad = 1;
		return 1;
	}
	if (width < 2 && tui_wcwidth(w) == 2)
		*ch = ' ';
	return width > 1 ? width : 1;
}

/* A live cell, its width clipped to the row and fixed (vt_cell_fix). */
static int
vt_cell(const struct tui_vtpane *p, int row, int col, VTermScreenCell *cell,
    int *w, int *pad)
{
	VTermPos pos;

	pos.row = row;
	pos.col = col;
	if (!vterm_screen_get_cell(p->screen, pos, cell))
		return -1;
	if (cell->width == 2 && col + 1 >= p->cols)
		cell->width = 1;
	*w = vt_cell_fix(&cell->chars[0], cell->width, pad);
	return 0;
}

/* Draw a live screen row. */
static void
vt_draw_live(struct tui_vtpane *p, int row, int y, int x)
{
	VTermScreenCell cell;
	struct tui_color fg, bg;
	uint32_t space = ' ';
	int c, w, pad;

	for (c = 0; c < p->cols; ) {
		if (vt_cell(p, row, c, &cell, &w, &pad) == -1) {
			c++;
			continue;
		}
		fg = vt_unpack(vt_pack(&cell.fg, 1));
		bg = vt_unpack(vt_pack(&cell.bg, 0));
		vt_put(y, x + c, cell.chars, VTERM_MAX_CHARS_PER_CELL, w, fg, bg,
		    vt_attrs(&cell));
		if (pad)
			vt_put(y, x + c + 1, &space, 1, 1, fg, bg, 0);
		c += w + pad;
	}
}

/* Draw a scrollback line. */
static void
vt_draw_sb(struct tui_vtpane *p, const struct vt_sbline *l, int y, int x)
{
	struct tui_color def = { TUI_COLOR_DEFAULT, 0 };
	uint32_t space = ' ';
	int c;

	uint32_t ch;
	int w, pad;

	for (c = 0; c < p->cols; ) {
		if (c < l->cols) {
			ch = l->cells[c].ch;
			w = vt_cell_fix(&ch, c + 1 < p->cols ? l->cells[c].width :
			    1, &pad);
			vt_put(y, x + c, &ch, 1, w, vt_unpack(l->cells[c].fg),
			    vt_unpack(l->cells[c].bg), l->cells[c].attrs);
			if (pad)
				vt_put(y, x + c + 1, &space, 1, 1,
				    vt_unpack(l->cells[c].fg),
				    vt_unpack(l->cells[c].bg), 0);
			c += w + pad;
		} else {
			vt_put(y, x + c, &space, 1, 1, def, def, 0);
			c++;
		}
	}
}

/* Repaint the dirty rows (or all) at (y, x). */
void
tui_vtpane_draw(struct tui_vtpane *p, int y, int x, int full)
{
	int r, lo = p->dirty_lo, hi = p->dirty_hi, sbi;

	if (full || p->all_dirty || p->offset > 0) {
		lo = 0;
		hi = p->rows;
	}
	for (r = lo; r < hi; r++) {
		if (r < p->offset) {
			sbi = p->sb_n - p->offset + r;
			vt_draw_sb(p, p->sb[(p->sb_head + sbi) % p->sb_max],
			    y + r, x);
		} else
			vt_draw_live(p, r - p->offset, y + r, x);
	}
	p->dirty_lo = p->dirty_hi = 0;
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
	*row = p->cursor.row + p->offset;
	*col = p->cursor.col;
	return p->cursor_visible && p->offset == 0 && *row < p->rows;
}

/* See tui-int.h. */
int
tui_vtpane_altscreen(const struct tui_vtpane *p)
{
	return p->altscreen;
}

/* Text of a live row as drawn (tests, copy). */
char *
tui_vtpane_row_text(const struct tui_vtpane *p, int r)
{
	VTermScreenCell cell;
	wchar_t *wc;
	char *s;
	int c, w, pad, i, n = 0;

	wc = xreallocarray(NULL, (size_t)p->cols * (VTERM_MAX_CHARS_PER_CELL +
	    1) + 1, sizeof *wc);
	for (c = 0; c < p->cols; ) {
		if (vt_cell(p, r, c, &cell, &w, &pad) == -1) {
			c++;
			continue;
		}
		wc[n++] = cell.chars[0] == 0 || cell.chars[0] == (uint32_t)-1 ?
		    L' ' : (wchar_t)cell.chars[0];
		for (i = 1; wc[n - 1] != L' ' && i < VTERM_MAX_CHARS_PER_CELL &&
		    cell.chars[i] != 0 && cell.chars[i] != (uint32_t)-1; i++)
			wc[n++] = (wchar_t)cell.chars[i];
		if (pad)
			wc[n++] = L' ';
		c += w + pad;
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
	static const struct { uint8_t vt; unsigned tui; } map[] = {
		{ VT_A_BOLD, TUI_A_BOLD }, { VT_A_UNDERLINE, TUI_A_UNDERLINE },
		{ VT_A_ITALIC, TUI_A_ITALIC }, { VT_A_BLINK, TUI_A_BLINK },
		{ VT_A_REVERSE, TUI_A_REVERSE }, { VT_A_DIM, TUI_A_DIM },
		{ VT_A_STRIKE, TUI_A_STRIKE }
	};
	VTermScreenCell cell;
	VTermPos pos;
	unsigned a = 0;
	uint8_t v;
	size_t i;

	pos.row = r;
	pos.col = c;
	if (!vterm_screen_get_cell(p->screen, pos, &cell))
		return 0;
	v = vt_attrs(&cell);
	for (i = 0; i < nitems(map); i++)
		if (v & map[i].vt)
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
