/*
 * grid.h: the terminal pane's cells (grid.c), fed by libvterm's state layer.
 *
 * Contract.  A grid owns a primary and an alternate screen of `rows` lines
 * and a ring of at most `sb_max` lines scrolled off the top of the primary
 * screen.  Lines are reached through arrays of pointers, so scrolling the
 * whole width of a region rotates pointers and never moves cells.  Every
 * operation clips what it is given to the screen, so a caller may pass what
 * the VT parser computed without checking it.  What changed is recorded as
 * one dirty row range; the drawer reads it with tui_grid_dirty() and clears
 * it with tui_grid_clean().  No I/O, no curses: easy to test and fuzz.
 *
 * Wide characters take two cells: the character (width 2) and a right half
 * (ch TUI_GRID_CONT, width 0).  Writing or erasing over either half blanks
 * the other, as xterm and tmux do, so a right half always follows its left
 * half.  Up to TUI_GRID_NCOMB combining marks per cell are kept beside the
 * line's cells (allocated on the first mark the line gets).
 */
#ifndef CADE_TUI_GRID_H
#define CADE_TUI_GRID_H

#include <stdint.h>

#define TUI_GRID_CONT	0xffffffffu	/* ch of a wide character's right half */
#define TUI_GRID_NCOMB	5		/* combining marks kept per cell */

/* Colours: TUI_GC_DEFAULT, an index 0-255, or TUI_GC_RGB | 0xRRGGBB. */
#define TUI_GC_DEFAULT	0xff000000u
#define TUI_GC_RGB	0x01000000u

/* Cell attributes. */
#define TUI_GA_BOLD	0x01
#define TUI_GA_UNDERLINE 0x02
#define TUI_GA_ITALIC	0x04
#define TUI_GA_BLINK	0x08
#define TUI_GA_REVERSE	0x10
#define TUI_GA_DIM	0x20
#define TUI_GA_STRIKE	0x40
#define TUI_GA_COMB	0x80	/* the cell has combining marks */

struct tui_gcell {
	uint32_t	 ch;		/* ' ' when blank, TUI_GRID_CONT */
	uint32_t	 fg;
	uint32_t	 bg;
	uint8_t		 attrs;
	uint8_t		 width;		/* 1, 2, or 0 for a right half */
};

/* The pen new cells are written with (colours and attributes). */
struct tui_gpen {
	uint32_t	 fg;
	uint32_t	 bg;
	uint8_t		 attrs;
};

/*
 * A line.  Cells [0, used) hold what was written; the rest of the screen's
 * width is blank in the default colours and need not be initialised (a
 * line scrolled in costs nothing until written).  A scrollback line keeps
 * `used` cells, its trailing blanks trimmed.  Room for `cap` cells; comb is
 * NULL or cap * TUI_GRID_NCOMB marks, 0-terminated per cell.
 */
struct tui_gline {
	int		 used;
	int		 cap;
	struct tui_gcell *cells;
	uint32_t	*comb;
};

struct tui_grid;

struct tui_grid	*tui_grid_new(int rows, int cols, int sb_max);
void		 tui_grid_free(struct tui_grid *);
void		 tui_grid_size(const struct tui_grid *, int *rows, int *cols);
/* The pen for what is written and erased from now on (the caller's). */
struct tui_gpen	*tui_grid_pen(struct tui_grid *);

/* chars: the character then its combining marks, 0-terminated. */
void		 tui_grid_put(struct tui_grid *, int row, int col,
		    const uint32_t *chars, int width);
/* n printable ASCII bytes from (row, col), in the pen; clipped. */
void		 tui_grid_put_ascii(struct tui_grid *, int row, int col,
		    const char *s, int n);
/* Blank rows [r0, r1) x columns [c0, c1) in the pen's background. */
void		 tui_grid_erase(struct tui_grid *, int r0, int r1, int c0,
		    int c1);
/*
 * Scroll the rectangle rows [r0, r1) x columns [c0, c1): content moves up
 * by `down` rows (negative: down) and left by `right` columns; what is
 * uncovered is erased.  Lines leaving the top of the primary screen over
 * its whole width go to the scrollback.
 */
void		 tui_grid_scroll(struct tui_grid *, int r0, int r1, int c0,
		    int c1, int down, int right);
/* Copy rows x columns of cells from (sr, sc) to (dr, dc), overlap allowed. */
void		 tui_grid_move(struct tui_grid *, int dr, int dc, int sr, int sc,
		    int rows, int cols);
void		 tui_grid_altscreen(struct tui_grid *, int on);
int		 tui_grid_is_alt(const struct tui_grid *);
/*
 * New size, without reflow: lines are cut or extended.  On the primary
 * screen, getting shorter first pushes lines above the cursor to the
 * scrollback (blank lines below it go first), and getting taller brings
 * lines back from it.  Returns how many rows the content moved down (the
 * cursor must follow).
 */
int		 tui_grid_resize(struct tui_grid *, int rows, int cols,
		    int cursor_row);

/* A line of the screen shown now (row < rows). */
const struct tui_gline *tui_grid_line(const struct tui_grid *, int row);
/* Scrollback line i, 0 the oldest; tui_grid_sb_lines() of them. */
const struct tui_gline *tui_grid_sb_line(const struct tui_grid *, int i);
int		 tui_grid_sb_lines(const struct tui_grid *);
/* Lines ever pushed to the scrollback (views follow their text by it). */
unsigned long	 tui_grid_sb_pushed(const struct tui_grid *);

/* 1 if the invariants hold (wide halves paired, used within the width). */
int		 tui_grid_consistent(const struct tui_grid *);

/* The dirty rows [*lo, *hi); 0 when nothing changed. */
int		 tui_grid_dirty(const struct tui_grid *, int *lo, int *hi);
void		 tui_grid_touch(struct tui_grid *);
void		 tui_grid_clean(struct tui_grid *);

#endif
