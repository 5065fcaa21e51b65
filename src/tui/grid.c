/*
 * grid.c: the terminal pane's cells, kept by us on top of libvterm's state
 * layer (vtpane.c turns the state's callbacks into the calls here).
 *
 * Why not VTermScreen: it keeps each screen as one array of cells and
 * memmoves the whole of it for every scrolled line, and hands scrolled-off
 * lines over one cell fetch at a time; with a flooding pane that was most
 * of cade's CPU.  Here a screen is an array of line pointers: a linefeed at
 * the bottom of a full-width region rotates pointers, the line leaving the
 * top of the primary screen itself goes into the scrollback ring (its
 * trailing blanks cut from its count, no cell copied), the ring's oldest
 * line takes its place, and the new bottom line is blanked.  Narrower regions and horizontal shifts (ICH, DCH) move cells
 * within their lines.  tmux's grid.c and screen-write.c taught the shape
 * (lines of cells, history as a bounded list of lines, wide characters as
 * a cell plus padding, xterm's rule for overwriting half of one);
 * neovim's terminal.c the dirty-row range.
 *
 * Invariants: a screen line has room for `cols` cells, of which [0, used)
 * are written and the rest blank (so blanking a line is used = 0 when the
 * pen's background is the default); a cell of width 2 is followed by its
 * right half (TUI_GRID_CONT, width 0) and a right half only ever follows
 * one (put and erase blank the other half first); the scrollback holds
 * sb_n lines at sb[(sb_head + i) % sb_max], oldest first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/util.h"
#include "grid.h"

struct tui_grid {
	int		 rows;
	int		 cols;
	struct tui_gline **lines;	/* shown: prim or alt */
	struct tui_gline **prim;
	struct tui_gline **alt;
	struct tui_gline **tmp;		/* rows pointers, for rotations */
	struct tui_gpen	 pen;
	int		 dirty_lo;	/* dirty rows [dirty_lo, dirty_hi) */
	int		 dirty_hi;
	struct tui_gline **sb;		/* scrollback ring */
	int		 sb_max;
	int		 sb_head;
	int		 sb_n;
	unsigned long	 sb_pushed;
};

/* Blank n cells in background bg. */
static void
grid_blank(struct tui_gcell *c, int n, uint32_t bg)
{
	struct tui_gcell b = { ' ', TUI_GC_DEFAULT, bg, 0, 1 };
	int i;

	for (i = 0; i < n; i++)
		c[i] = b;
}

/* Room for cap cells (and their marks if the line has any). */
static void
grid_line_reserve(struct tui_gline *l, int cap)
{
	if (cap <= l->cap)
		return;
	l->cells = xreallocarray(l->cells, (size_t)cap, sizeof *l->cells);
	if (l->comb != NULL) {
		l->comb = xreallocarray(l->comb, (size_t)cap * TUI_GRID_NCOMB,
		    sizeof *l->comb);
		memset(l->comb + (size_t)l->cap * TUI_GRID_NCOMB, 0,
		    (size_t)(cap - l->cap) * TUI_GRID_NCOMB * sizeof *l->comb);
	}
	l->cap = cap;
}

/* A blank line with room for cols cells. */
static struct tui_gline *
grid_line_new(int cols)
{
	struct tui_gline *l = xcalloc(1, sizeof *l);

	grid_line_reserve(l, cols);
	return l;
}

static void
grid_line_free(struct tui_gline *l)
{
	if (l == NULL)
		return;
	free(l->cells);
	free(l->comb);
	free(l);
}

/* The line's marks storage, allocated on first use. */
static uint32_t *
grid_line_comb(struct tui_gline *l)
{
	if (l->comb == NULL)
		l->comb = xcalloc((size_t)l->cap * TUI_GRID_NCOMB,
		    sizeof *l->comb);
	return l->comb;
}

/* Cut or extend a line to cols cells; a wide character cut in half goes. */
static void
grid_line_setcols(struct tui_gline *l, int cols)
{
	grid_line_reserve(l, cols);
	if (l->used > cols)
		l->used = cols;
	if (l->used > 0 && l->cells[l->used - 1].width == 2)
		grid_blank(l->cells + l->used - 1, 1, l->cells[l->used - 1].bg);
}

/* Write blanks up to column c (exclusive), so cells [0, c) are written. */
static void
grid_line_fill(struct tui_gline *l, int c)
{
	if (c > l->used) {
		grid_blank(l->cells + l->used, c - l->used, TUI_GC_DEFAULT);
		l->used = c;
	}
}

/* Widen the dirty range by rows [lo, hi). */
static void
grid_dirty(struct tui_grid *g, int lo, int hi)
{
	if (lo >= hi)
		return;
	if (g->dirty_lo >= g->dirty_hi) {
		g->dirty_lo = lo;
		g->dirty_hi = hi;
		return;
	}
	if (lo < g->dirty_lo)
		g->dirty_lo = lo;
	if (hi > g->dirty_hi)
		g->dirty_hi = hi;
}

/* See grid.h. */
struct tui_grid *
tui_grid_new(int rows, int cols, int sb_max)
{
	struct tui_grid *g = xcalloc(1, sizeof *g);
	int r;

	g->rows = rows < 1 ? 1 : rows;
	g->cols = cols < 1 ? 1 : cols;
	g->prim = xcalloc((size_t)g->rows, sizeof *g->prim);
	g->alt = xcalloc((size_t)g->rows, sizeof *g->alt);
	g->tmp = xcalloc((size_t)g->rows, sizeof *g->tmp);
	for (r = 0; r < g->rows; r++) {
		g->prim[r] = grid_line_new(g->cols);
		g->alt[r] = grid_line_new(g->cols);
	}
	g->lines = g->prim;
	g->pen.fg = g->pen.bg = TUI_GC_DEFAULT;
	g->sb_max = sb_max < 0 ? 0 : sb_max;
	if (g->sb_max > 0)
		g->sb = xcalloc((size_t)g->sb_max, sizeof *g->sb);
	g->dirty_lo = 0;
	g->dirty_hi = g->rows;
	return g;
}

/* See grid.h. */
void
tui_grid_free(struct tui_grid *g)
{
	int i;

	if (g == NULL)
		return;
	for (i = 0; i < g->rows; i++) {
		grid_line_free(g->prim[i]);
		grid_line_free(g->alt[i]);
	}
	for (i = 0; i < g->sb_n; i++)
		grid_line_free(g->sb[(g->sb_head + i) % g->sb_max]);
	free(g->prim);
	free(g->alt);
	free(g->tmp);
	free(g->sb);
	free(g);
}

/* See grid.h. */
void
tui_grid_size(const struct tui_grid *g, int *rows, int *cols)
{
	*rows = g->rows;
	*cols = g->cols;
}

/* See grid.h. */
struct tui_gpen *
tui_grid_pen(struct tui_grid *g)
{
	return &g->pen;
}

/*
 * Columns [c0, c1) of a line are about to be overwritten: a wide character
 * with only one half inside loses its other half too.
 */
static void
grid_split_wide(struct tui_gline *l, int c0, int c1)
{
	if (c0 > 0 && c0 < l->used && l->cells[c0].width == 0)
		grid_blank(l->cells + c0 - 1, 1, l->cells[c0 - 1].bg);
	if (c1 > 0 && c1 < l->used && l->cells[c1].width == 0)
		grid_blank(l->cells + c1, 1, l->cells[c1].bg);
}

/* See grid.h. */
void
tui_grid_put(struct tui_grid *g, int row, int col, const uint32_t *chars,
    int width)
{
	struct tui_gline *l;
	struct tui_gcell *c;
	uint32_t *m;
	int i;

	if (row < 0 || row >= g->rows || col < 0 || col >= g->cols)
		return;
	l = g->lines[row];
	if (col == l->used && width == 1 && chars[0] != 0 && chars[1] == 0) {
		/* The common case: the next narrow character of a line. */
		c = &l->cells[col];
		c->ch = chars[0];
		c->fg = g->pen.fg;
		c->bg = g->pen.bg;
		c->attrs = g->pen.attrs;
		c->width = 1;
		l->used++;
		if (row < g->dirty_lo || row >= g->dirty_hi)
			grid_dirty(g, row, row + 1);
		return;
	}
	if (width < 1)
		width = 1;
	if (width > 2 || col + width > g->cols)
		width = 1;	/* no room for a wide one: vtpane draws a blank */
	if (col < l->used)
		grid_split_wide(l, col, col + width);
	else
		grid_line_fill(l, col);
	if (col + width > l->used)
		l->used = col + width;
	c = &l->cells[col];
	c->ch = chars[0] == 0 ? ' ' : chars[0];
	c->fg = g->pen.fg;
	c->bg = g->pen.bg;
	c->attrs = g->pen.attrs & (uint8_t)~TUI_GA_COMB;
	c->width = (uint8_t)width;
	if (chars[0] != 0 && chars[1] != 0) {
		m = grid_line_comb(l) + (size_t)col * TUI_GRID_NCOMB;
		for (i = 0; i < TUI_GRID_NCOMB - 1 && chars[i + 1] != 0; i++)
			m[i] = chars[i + 1];
		m[i] = 0;
		c->attrs |= TUI_GA_COMB;
	}
	if (width == 2) {
		c[1] = c[0];
		c[1].ch = TUI_GRID_CONT;
		c[1].width = 0;
		c[1].attrs &= (uint8_t)~TUI_GA_COMB;
	}
	grid_dirty(g, row, row + 1);
}

/* See grid.h. */
void
tui_grid_put_ascii(struct tui_grid *g, int row, int col, const char *s, int n)
{
	struct tui_gline *l;
	struct tui_gcell *c, cell;
	int i;

	if (row < 0 || row >= g->rows || col < 0 || col >= g->cols || n <= 0)
		return;
	if (n > g->cols - col)
		n = g->cols - col;
	l = g->lines[row];
	if (col < l->used)
		grid_split_wide(l, col, col + n);
	else
		grid_line_fill(l, col);
	cell.fg = g->pen.fg;
	cell.bg = g->pen.bg;
	cell.attrs = g->pen.attrs;
	cell.width = 1;
	c = l->cells + col;
	for (i = 0; i < n; i++) {
		cell.ch = (unsigned char)s[i];
		c[i] = cell;
	}
	if (col + n > l->used)
		l->used = col + n;
	grid_dirty(g, row, row + 1);
}

/* Clip [*a, *b) to [0, n); 0 if nothing is left. */
static int
grid_clip(int *a, int *b, int n)
{
	if (*a < 0)
		*a = 0;
	if (*b > n)
		*b = n;
	return *a < *b;
}

/* See grid.h. */
void
tui_grid_erase(struct tui_grid *g, int r0, int r1, int c0, int c1)
{
	struct tui_gline *l;
	int r;

	if (!grid_clip(&r0, &r1, g->rows) || !grid_clip(&c0, &c1, g->cols))
		return;
	for (r = r0; r < r1; r++) {
		l = g->lines[r];
		grid_split_wide(l, c0, c1);
		if (c1 >= l->used && g->pen.bg == TUI_GC_DEFAULT) {
			if (c0 < l->used)	/* the written part just ends sooner */
				l->used = c0;
			continue;
		}
		grid_line_fill(l, c1);
		grid_blank(l->cells + c0, c1 - c0, g->pen.bg);
	}
	grid_dirty(g, r0, r1);
}

/* Copy n cells (with their marks) from src[sc] to dst[dc]. */
static void
grid_copy_cells(struct tui_gline *dst, int dc, const struct tui_gline *src,
    int sc, int n)
{
	memmove(dst->cells + dc, src->cells + sc, (size_t)n * sizeof *dst->cells);
	if (src->comb != NULL)	/* without it, no cell has the mark bit */
		memmove(grid_line_comb(dst) + (size_t)dc * TUI_GRID_NCOMB,
		    src->comb + (size_t)sc * TUI_GRID_NCOMB,
		    (size_t)n * TUI_GRID_NCOMB * sizeof *src->comb);
}

/* After cells moved within a line: blank any half without its other half. */
static void
grid_line_repair(struct tui_gline *l)
{
	struct tui_gcell *c = l->cells;
	int i;

	for (i = 0; i < l->used; i++) {
		if (c[i].width == 0 && (i == 0 || c[i - 1].width != 2))
			grid_blank(c + i, 1, c[i].bg);
		else if (c[i].width == 2 && (i + 1 == l->used ||
		    c[i + 1].width != 0))
			grid_blank(c + i, 1, c[i].bg);
	}
}

/* See grid.h. */
void
tui_grid_move(struct tui_grid *g, int dr, int dc, int sr, int sc, int rows,
    int cols)
{
	int r, i;

	if (rows <= 0 || cols <= 0 || dr < 0 || sr < 0 || dc < 0 || sc < 0 ||
	    dr + rows > g->rows || sr + rows > g->rows ||
	    dc + cols > g->cols || sc + cols > g->cols)
		return;
	for (i = 0; i < rows; i++) {
		r = dr <= sr ? i : rows - 1 - i;	/* never read what we wrote */
		grid_line_fill(g->lines[sr + r], sc + cols);
		grid_line_fill(g->lines[dr + r], dc + cols);
		grid_copy_cells(g->lines[dr + r], dc, g->lines[sr + r], sc, cols);
		grid_line_repair(g->lines[dr + r]);
	}
	grid_dirty(g, dr, dr + rows);
}

/*
 * A line leaving the top of the primary screen goes to the scrollback as
 * it is (trailing blanks cut from `used`), no cells copied; returns the
 * line to put in its place on the screen: the oldest scrollback line when
 * the ring is full (its memory reused), else a new one, or the line itself
 * without a scrollback.
 */
static struct tui_gline *
grid_sb_push(struct tui_grid *g, struct tui_gline *src)
{
	struct tui_gline *l = NULL;
	const struct tui_gcell *c;
	int n = src->used;

	if (g->sb_max == 0)
		return src;
	while (n > 0) {
		c = &src->cells[n - 1];
		if (c->ch != ' ' || c->bg != TUI_GC_DEFAULT ||
		    (c->attrs & TUI_GA_REVERSE))
			break;
		n--;
	}
	if (g->sb_n == g->sb_max) {
		l = g->sb[g->sb_head];
		g->sb_head = (g->sb_head + 1) % g->sb_max;
	} else
		g->sb_n++;
	g->sb[(g->sb_head + g->sb_n - 1) % g->sb_max] = src;
	src->used = n;
	g->sb_pushed++;
	if (l == NULL)
		return grid_line_new(g->cols);
	grid_line_reserve(l, g->cols);
	return l;
}

/* Give back the newest scrollback line, or NULL. */
static struct tui_gline *
grid_sb_pop(struct tui_grid *g)
{
	struct tui_gline *l;
	int slot;

	if (g->sb_n == 0)
		return NULL;
	slot = (g->sb_head + g->sb_n - 1) % g->sb_max;
	l = g->sb[slot];
	g->sb[slot] = NULL;
	g->sb_n--;
	return l;
}

/* A line scrolled in: blank in the pen's background. */
static void
grid_rotate_blank(struct tui_grid *g, struct tui_gline *l)
{
	l->used = 0;
	if (g->pen.bg != TUI_GC_DEFAULT) {
		grid_blank(l->cells, g->cols, g->pen.bg);
		l->used = g->cols;
	}
}

/*
 * Rotate full-width rows [r0, r1) up by n (n > 0; the top n leave, to the
 * scrollback if they leave the top of the primary screen) or down by -n;
 * the lines uncovered are blanked.
 */
static void
grid_rotate(struct tui_grid *g, int r0, int r1, int n)
{
	int k = n > 0 ? n : -n, h = r1 - r0, i;

	if (k > h)
		k = h;
	if (n > 0) {
		if (r0 == 0 && g->lines == g->prim)
			for (i = 0; i < k; i++)
				g->lines[i] = grid_sb_push(g, g->lines[i]);
		memcpy(g->tmp, g->lines + r0, (size_t)k * sizeof *g->tmp);
		memmove(g->lines + r0, g->lines + r0 + k,
		    (size_t)(h - k) * sizeof *g->lines);
		memcpy(g->lines + r1 - k, g->tmp, (size_t)k * sizeof *g->tmp);
		for (i = r1 - k; i < r1; i++)
			grid_rotate_blank(g, g->lines[i]);
	} else {
		memcpy(g->tmp, g->lines + r1 - k, (size_t)k * sizeof *g->tmp);
		memmove(g->lines + r0 + k, g->lines + r0,
		    (size_t)(h - k) * sizeof *g->lines);
		memcpy(g->lines + r0, g->tmp, (size_t)k * sizeof *g->tmp);
		for (i = r0; i < r0 + k; i++)
			grid_rotate_blank(g, g->lines[i]);
	}
	grid_dirty(g, r0, r1);
}

/* See grid.h. */
void
tui_grid_scroll(struct tui_grid *g, int r0, int r1, int c0, int c1, int down,
    int right)
{
	int h, w;

	if (!grid_clip(&r0, &r1, g->rows) || !grid_clip(&c0, &c1, g->cols))
		return;
	h = r1 - r0;
	w = c1 - c0;
	if (down == 0 && right == 0)
		return;
	if (right == 0 && c0 == 0 && c1 == g->cols) {
		grid_rotate(g, r0, r1, down);
		return;
	}
	if (down >= h || -down >= h || right >= w || -right >= w) {
		tui_grid_erase(g, r0, r1, c0, c1);
		return;
	}
	/* As libvterm's vterm_scroll_rect: move what stays, erase the rest. */
	tui_grid_move(g, down >= 0 ? r0 : r0 - down, right >= 0 ? c0 : c0 - right,
	    down >= 0 ? r0 + down : r0, right >= 0 ? c0 + right : c0,
	    h - (down >= 0 ? down : -down), w - (right >= 0 ? right : -right));
	if (down > 0)
		r0 = r1 - down;
	else if (down < 0)
		r1 = r0 - down;
	if (right > 0)
		c0 = c1 - right;
	else if (right < 0)
		c1 = c0 - right;
	tui_grid_erase(g, r0, r1, c0, c1);
}

/* See grid.h. */
void
tui_grid_altscreen(struct tui_grid *g, int on)
{
	struct tui_gline **want = on ? g->alt : g->prim;

	if (g->lines == want)
		return;
	g->lines = want;
	grid_dirty(g, 0, g->rows);
}

/* See grid.h. */
int
tui_grid_is_alt(const struct tui_grid *g)
{
	return g->lines == g->alt;
}

/* A line with nothing but blanks (written spaces count). */
static int
grid_line_blank(const struct tui_gline *l)
{
	int i;

	for (i = 0; i < l->used; i++)
		if (l->cells[i].ch != ' ')
			return 0;
	return 1;
}

/* One screen's line array to rows x cols. */
static struct tui_gline **
grid_resize_lines(struct tui_gline **lines, int old_rows, int rows, int cols)
{
	int r;

	for (r = rows; r < old_rows; r++)
		grid_line_free(lines[r]);
	lines = xreallocarray(lines, (size_t)rows, sizeof *lines);
	for (r = 0; r < rows; r++) {
		if (r >= old_rows)
			lines[r] = grid_line_new(cols);
		else
			grid_line_setcols(lines[r], cols);
	}
	return lines;
}

/* See grid.h. */
int
tui_grid_resize(struct tui_grid *g, int rows, int cols, int cursor_row)
{
	struct tui_gline *l;
	int is_alt = g->lines == g->alt, old_rows = g->rows, moved = 0, r, n;

	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	if (!is_alt && rows < old_rows) {
		/* Drop blank rows below the cursor first, then scroll. */
		for (r = old_rows - 1; r >= rows; r--)
			if (!grid_line_blank(g->lines[r]) || r == cursor_row)
				break;
		/* Never past the cursor: its row must stay on the screen. */
		n = r + 1 - rows < cursor_row ? r + 1 - rows : cursor_row;
		if (n > 0) {
			grid_rotate(g, 0, old_rows, n);
			moved -= n;
		}
	}
	g->prim = grid_resize_lines(g->prim, old_rows, rows, cols);
	g->alt = grid_resize_lines(g->alt, old_rows, rows, cols);
	g->lines = is_alt ? g->alt : g->prim;
	g->tmp = xreallocarray(g->tmp, (size_t)rows, sizeof *g->tmp);
	g->rows = rows;
	g->cols = cols;
	if (!is_alt)
		for (r = old_rows; r < rows; r++) {
			if ((l = grid_sb_pop(g)) == NULL)
				break;
			grid_rotate(g, 0, rows, -1);
			grid_line_free(g->lines[0]);
			grid_line_setcols(l, cols);
			g->lines[0] = l;
			moved++;
		}
	g->dirty_lo = 0;
	g->dirty_hi = rows;
	return moved;
}

/* See grid.h. */
const struct tui_gline *
tui_grid_line(const struct tui_grid *g, int row)
{
	if (row < 0 || row >= g->rows)
		return NULL;
	return g->lines[row];
}

/* See grid.h. */
const struct tui_gline *
tui_grid_sb_line(const struct tui_grid *g, int i)
{
	if (i < 0 || i >= g->sb_n)
		return NULL;
	return g->sb[(g->sb_head + i) % g->sb_max];
}

/* See grid.h. */
int
tui_grid_sb_lines(const struct tui_grid *g)
{
	return g->sb_n;
}

/* See grid.h. */
unsigned long
tui_grid_sb_pushed(const struct tui_grid *g)
{
	return g->sb_pushed;
}

/* See grid.h. */
int
tui_grid_consistent(const struct tui_grid *g)
{
	const struct tui_gline *l;
	int r, c, alt;

	for (alt = 0; alt < 2; alt++)
		for (r = 0; r < g->rows; r++) {
			l = alt ? g->alt[r] : g->prim[r];
			if (l->used < 0 || l->used > g->cols || l->cap < g->cols)
				return 0;
			for (c = 0; c < l->used; c++) {
				if (l->cells[c].width == 0 && (c == 0 ||
				    l->cells[c - 1].width != 2))
					return 0;
				if (l->cells[c].width == 2 && (c + 1 >= l->used ||
				    l->cells[c + 1].width != 0))
					return 0;
			}
		}
	return g->sb_n >= 0 && g->sb_n <= g->sb_max;
}

/* See grid.h. */
int
tui_grid_dirty(const struct tui_grid *g, int *lo, int *hi)
{
	*lo = g->dirty_lo;
	*hi = g->dirty_hi;
	return g->dirty_lo < g->dirty_hi;
}

/* See grid.h. */
void
tui_grid_touch(struct tui_grid *g)
{
	g->dirty_lo = 0;
	g->dirty_hi = g->rows;
}

/* See grid.h. */
void
tui_grid_clean(struct tui_grid *g)
{
	g->dirty_lo = g->dirty_hi = 0;
}
