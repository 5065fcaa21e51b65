/*
 * mdtable.c: Markdown tables in the chat (tui_md_table, called by the
 * renderer in markdown.c for each line that could start one).
 *
 * Follows GitHub Flavored Markdown's table extension (spec 0.29-gfm,
 * section 4.10): a header row, a delimiter row with as many cells whose
 * colons give each column's alignment (":--" left, ":-:" centre, "--:"
 * right), then body rows.  Cells are split at unescaped pipes, inside code
 * spans too, and "\|" is a literal pipe; leading and trailing pipes are
 * optional; a body row with fewer cells gets empty ones and the cells past
 * the header's count are dropped.  Deviation: the table ends at the first
 * line with no unescaped pipe (GFM would take it as one more row), since
 * models follow a table with prose without a blank line.
 *
 * Layout: columns get their natural width (the widest cell) when the
 * table fits the chat; otherwise each keeps at least its longest word and
 * the columns are capped at the widest width that fits (short columns
 * stay whole, long ones wrap), and only when even the longest words do
 * not fit are the widest columns narrowed (a word then breaks between
 * characters).  Cells wrap
 * at spaces through the paragraph wrapper (wrap.c), so wide characters and
 * combining marks are measured as on screen.  When even the ordinary
 * words (up to MDT_LONGWORD columns) do not fit, the chat is too narrow
 * for a grid: each row becomes a record of "Header: value" lines (empty
 * values left out), rows apart by a rule.  No line is ever wider than the width.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/util.h"
#include "tui-int.h"

#define MDT_LONGWORD	16	/* longer words (paths, URLs) may break */
#define MDT_MAXCOLS	64	/* more cells than this: not a table */
#define MDT_HUGE	(1 << 20)

enum { MDT_LEFT, MDT_CENTRE, MDT_RIGHT };

struct mdt_row {
	char	**cell;		/* ncols cells, "\|" undone, trimmed */
};

struct mdt {
	int		 ncols, nrows;	/* rows: the header then the body */
	struct mdt_row	*row;
	int		*align;
	int		*nat, *minw, *colw;
};

/* The bytes of one line starting at text+at (its '\r' dropped). */
static size_t
mdt_line(const char *text, size_t len, size_t at, size_t *next)
{
	const char *p = memchr(text + at, '\n', len - at);
	size_t ll = p != NULL ? (size_t)(p - (text + at)) : len - at;

	*next = at + ll + (p != NULL);
	if (ll > 0 && text[at + ll - 1] == '\r')
		ll--;
	return ll;
}

static int
mdt_space(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Split a row into its cells; the count, or -1 if the line has no
 * unescaped pipe (so it is no row).  cell may be NULL to count only.
 */
static int
mdt_split(const char *s, size_t ll, char **cell, int max)
{
	size_t a = 0, b = ll, i, j, k;
	int n = 0, pipes = 0;
	char *t;

	while (a < b && mdt_space(s[a]))
		a++;
	while (b > a && mdt_space(s[b - 1]))
		b--;
	for (i = a; i < b; i++) {
		if (s[i] == '\\' && i + 1 < b)
			i++;
		else if (s[i] == '|')
			pipes++;
	}
	if (pipes == 0)
		return -1;
	if (a < b && s[a] == '|')
		a++;
	/* A trailing pipe ends the last cell (unless it is escaped). */
	if (b > a && s[b - 1] == '|') {
		for (k = 0, j = b - 1; j > a && s[j - 1] == '\\'; j--)
			k++;
		if (k % 2 == 0)
			b--;
	}
	i = a;
	for (;;) {
		for (j = i; j < b && s[j] != '|'; j++)
			if (s[j] == '\\' && j + 1 < b)
				j++;
		if (n < max && cell != NULL) {
			t = xmalloc(j - i + 1);
			for (k = 0; i < j; i++) {
				if (s[i] == '\\' && i + 1 < j && s[i + 1] == '|')
					i++;
				t[k++] = s[i];
			}
			t[k] = '\0';
			cell[n] = xstrdup(util_trim(t));
			free(t);
		}
		n++;
		if (j >= b)
			break;
		i = j + 1;
	}
	return n;
}

static void
mdt_cells_free(char **cell, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(cell[i]);
}

/* The alignment of a delimiter cell (":?-+:?"), or -1 if it is none. */
static int
mdt_delim(const char *c)
{
	size_t n = strlen(c), i;
	int l, r;

	if (n == 0)
		return -1;
	l = c[0] == ':';
	r = n > 1 && c[n - 1] == ':';
	if ((size_t)(l + r) >= n)
		return -1;
	for (i = (size_t)l; i < n - (size_t)r; i++)
		if (c[i] != '-')
			return -1;
	return l && r ? MDT_CENTRE : r ? MDT_RIGHT : MDT_LEFT;
}

/* The cell's text laid out at width w (its inline Markdown styled). */
static void
mdt_cell_lines(struct tui_lines *ls, const char *cell, int w, uint8_t base)
{
	struct tui_wrap wr;

	tui_wrap_begin(&wr, ls, w, ROLE_NORMAL, -1, NULL, 0, NULL, 0);
	tui_md_inline(&wr, cell, strlen(cell), base);
	tui_wrap_end(&wr);
}

/* A cell's natural width and its longest word, in columns. */
static void
mdt_measure(const char *cell, uint8_t base, int *nat, int *word)
{
	struct tui_lines ls;
	int i, k, run = 0, cw;

	tui_lines_init(&ls);
	mdt_cell_lines(&ls, cell, MDT_HUGE, base);
	*nat = *word = 0;
	for (i = 0; i < ls.n; i++) {
		if (ls.v[i].width > *nat)
			*nat = ls.v[i].width;
		for (k = 0; k <= ls.v[i].len; k++) {
			if (k == ls.v[i].len || ls.v[i].wc[k] == ' ') {
				run = 0;
				continue;
			}
			cw = tui_wcwidth(ls.v[i].wc[k]);
			if ((run += cw) > *word)
				*word = run;
		}
	}
	tui_lines_free(&ls);
}

/* The role a row's cells start from: the header is bold. */
static uint8_t
mdt_base(int r, uint8_t base)
{
	return r == 0 ? ROLE_BOLD : base;
}

/* Column widths for avail columns of text; 0 if a grid cannot fit. */
static int
mdt_widths(struct mdt *t, int avail, uint8_t base)
{
	int r, c, n, wd, sum_nat = 0, sum_min = 0, x, sum;

	for (c = 0; c < t->ncols; c++)
		t->nat[c] = t->minw[c] = 1;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			mdt_measure(t->row[r].cell[c], mdt_base(r, base), &n, &wd);
			if (n > t->nat[c])
				t->nat[c] = n;
			if (wd > t->minw[c])
				t->minw[c] = wd;
		}
	for (c = 0; c < t->ncols; c++) {
		sum_nat += t->nat[c];
		sum_min += t->minw[c];
		t->colw[c] = t->nat[c];
	}
	if (sum_nat <= avail)
		return 1;
	if (sum_min <= avail) {
		/*
		 * Every word fits.  Cap the columns at the widest x that fits
		 * (no column under its longest word), so narrow columns stay
		 * whole and the long ones wrap; then share what is left.
		 */
		for (x = 0, c = 0; c < t->ncols; c++)
			if (t->nat[c] > x)
				x = t->nat[c];
		for (;; x--) {
			for (sum = 0, c = 0; c < t->ncols; c++) {
				t->colw[c] = t->nat[c] < x ? t->nat[c] : x;
				if (t->colw[c] < t->minw[c])
					t->colw[c] = t->minw[c];
				sum += t->colw[c];
			}
			if (sum <= avail)
				break;
		}
		for (c = 0; sum < avail && c < t->ncols; c++)
			if (t->colw[c] < t->nat[c]) {
				t->colw[c]++;
				sum++;
			}
		return 1;
	}
	/*
	 * Words must break.  A grid only if the ordinary words still fit
	 * (one longer than MDT_LONGWORD, a path or a URL, breaks anyway).
	 */
	for (sum = 0, c = 0; c < t->ncols; c++)
		sum += t->minw[c] < MDT_LONGWORD ? t->minw[c] : MDT_LONGWORD;
	if (sum > avail)
		return 0;
	for (c = 0; c < t->ncols; c++)
		t->colw[c] = t->minw[c];
	while (sum_min > avail) {
		for (wd = 0, c = 1; c < t->ncols; c++)
			if (t->colw[c] > t->colw[wd])
				wd = c;
		t->colw[wd]--;
		sum_min--;
	}
	return 1;
}

/* Draw one row of the grid: each cell wrapped, aligned, framed. */
static void
mdt_grid_row(struct tui_lines *out, int item, struct mdt *t, int r,
    uint8_t base)
{
	struct tui_lines *cl = xcalloc((size_t)t->ncols, sizeof *cl);
	struct tui_line *l, *s;
	int c, k, h = 1, pad, before, i;

	for (c = 0; c < t->ncols; c++) {
		tui_lines_init(&cl[c]);
		mdt_cell_lines(&cl[c], t->row[r].cell[c], t->colw[c],
		    mdt_base(r, base));
		if (cl[c].n > h)
			h = cl[c].n;
	}
	for (k = 0; k < h; k++) {
		l = tui_lines_add(out, ROLE_NORMAL, item);
		for (c = 0; c < t->ncols; c++) {
			tui_line_puts(l, tui_glyph->vline, ROLE_BORDER);
			tui_line_putw(l, ' ', ROLE_NORMAL);
			s = k < cl[c].n ? &cl[c].v[k] : NULL;
			if (s != NULL)
				tui_line_clip(s, t->colw[c]);	/* a wide char, 1 column */
			pad = t->colw[c] - (s != NULL ? s->width : 0);
			before = t->align[c] == MDT_RIGHT ? pad :
			    t->align[c] == MDT_CENTRE ? pad / 2 : 0;
			for (i = 0; i < before; i++)
				tui_line_putw(l, ' ', ROLE_NORMAL);
			for (i = 0; s != NULL && i < s->len; i++)
				tui_line_putw(l, s->wc[i], s->role[i]);
			for (i = before; i < pad + 1; i++)
				tui_line_putw(l, ' ', ROLE_NORMAL);
		}
		tui_line_puts(l, tui_glyph->vline, ROLE_BORDER);
	}
	for (c = 0; c < t->ncols; c++)
		tui_lines_free(&cl[c]);
	free(cl);
}

/* The grid: header, a rule, the body. */
static void
mdt_grid(struct tui_lines *out, int item, struct mdt *t, uint8_t base)
{
	struct tui_line *l;
	int r, c, k;

	for (r = 0; r < t->nrows; r++) {
		mdt_grid_row(out, item, t, r, base);
		if (r != 0)
			continue;
		l = tui_lines_add(out, ROLE_NORMAL, item);
		for (c = 0; c < t->ncols; c++) {
			tui_line_puts(l, tui_glyph->vline, ROLE_BORDER);
			for (k = 0; k < t->colw[c] + 2; k++)
				tui_line_puts(l, tui_glyph->hline, ROLE_BORDER);
		}
		tui_line_puts(l, tui_glyph->vline, ROLE_BORDER);
	}
}

/* Too narrow for a grid: each body row as "Header: value" lines. */
static void
mdt_records(struct tui_lines *out, int width, int item, struct mdt *t,
    uint8_t base)
{
	static const wchar_t indent[] = L"  ";
	struct tui_wrap w;
	struct tui_line *l;
	const char *h, *v;
	int r, c;

	for (r = t->nrows > 1 ? 1 : 0; r < t->nrows; r++) {
		if (r > 1) {
			l = tui_lines_add(out, ROLE_NORMAL, item);
			while (l->width < width && l->width < 40)
				tui_line_puts(l, tui_glyph->hline, ROLE_BORDER);
		}
		for (c = 0; c < t->ncols; c++) {
			h = t->row[0].cell[c];
			v = t->row[r].cell[c];
			if (r > 0 && *v == '\0' && *h != '\0')
				continue;	/* an empty value: no line */
			tui_wrap_begin(&w, out, width, ROLE_NORMAL, item, NULL, 0,
			    indent, ROLE_NORMAL);
			tui_md_inline(&w, h, strlen(h), ROLE_BOLD);
			if (r > 0) {
				if (*h != '\0')
					tui_wrap_text(&w, ": ", 2, ROLE_BOLD);
				tui_md_inline(&w, v, strlen(v), base);
			}
			tui_wrap_end(&w);
		}
	}
}

static void
mdt_free(struct mdt *t)
{
	int r;

	for (r = 0; r < t->nrows; r++) {
		mdt_cells_free(t->row[r].cell, t->ncols);
		free(t->row[r].cell);
	}
	free(t->row);
	free(t->align);
	free(t->nat);
	free(t->minw);
	free(t->colw);
}

/* Read one more row into t (fewer cells: empty ones; more: dropped). */
static void
mdt_add_row(struct mdt *t, const char *s, size_t ll)
{
	char **cell = xcalloc((size_t)t->ncols, sizeof *cell);
	int n, c;

	n = mdt_split(s, ll, cell, t->ncols);
	for (c = n < 0 ? 0 : n; c < t->ncols; c++)
		cell[c] = xstrdup("");
	t->row = xreallocarray(t->row, (size_t)t->nrows + 1, sizeof *t->row);
	t->row[t->nrows++].cell = cell;
}

/*
 * A table starting at text+at drawn into out; the bytes it took (0: the
 * line starts no table).
 */
size_t
tui_md_table(struct tui_lines *out, const char *text, size_t len, size_t at,
    int width, uint8_t base, int item)
{
	struct mdt t;
	char *dcell[MDT_MAXCOLS];
	size_t ll, dl, next, after;
	int n, d, c, ok = 1;

	ll = mdt_line(text, len, at, &next);
	n = mdt_split(text + at, ll, NULL, 0);
	if (n < 1 || n > MDT_MAXCOLS || next >= len)
		return 0;
	dl = mdt_line(text, len, next, &after);
	if ((d = mdt_split(text + next, dl, dcell, MDT_MAXCOLS)) != n) {
		if (d > 0)
			mdt_cells_free(dcell, d < MDT_MAXCOLS ? d : MDT_MAXCOLS);
		return 0;
	}
	memset(&t, 0, sizeof t);
	t.ncols = n;
	t.align = xcalloc((size_t)n, sizeof *t.align);
	for (c = 0; c < n; c++)
		if ((t.align[c] = mdt_delim(dcell[c])) < 0)
			ok = 0;
	mdt_cells_free(dcell, n);
	if (!ok) {
		free(t.align);
		return 0;
	}
	t.nat = xcalloc((size_t)n, sizeof *t.nat);
	t.minw = xcalloc((size_t)n, sizeof *t.minw);
	t.colw = xcalloc((size_t)n, sizeof *t.colw);
	mdt_add_row(&t, text + at, ll);
	while (after < len) {
		ll = mdt_line(text, len, after, &next);
		if (mdt_split(text + after, ll, NULL, 0) < 0)
			break;
		mdt_add_row(&t, text + after, ll);
		after = next;
	}
	if (mdt_widths(&t, width - 3 * n - 1, base))
		mdt_grid(out, item, &t, base);
	else
		mdt_records(out, width, item, &t, base);
	mdt_free(&t);
	return after - at;
}
