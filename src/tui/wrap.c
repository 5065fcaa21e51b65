/*
 * wrap.c: styled screen lines and word wrapping.
 *
 * Text reaches the TUI as UTF-8 from the model, the tools and the person.
 * It is decoded here (invalid bytes become U+FFFD, never a crash or a
 * garbled screen), measured with wcwidth(3) (wide CJK characters take two
 * columns, combining marks none and stay with their base character), and
 * laid out into struct tui_line rows of wide characters, each carrying a
 * colour role.  The wrapper takes spans of styled text and breaks lines at
 * spaces; a word wider than the line is split between characters, and a
 * wide character never straddles the right edge.  Nothing here touches the
 * terminal, so the unit tests check layouts cell by cell.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "tui-int.h"

static const struct tui_glyphs wrap_glyphs_utf8 = {
	"│", "─", "╭", "╰", "╮", "╯", "•", "…", "✓", "✗", "●", "↓",
	"[ ]", "[x]", "[~]", "⋯", "!"
};
static const struct tui_glyphs wrap_glyphs_ascii = {
	"|", "-", "+", "+", "+", "+", "*", "~", "ok", "x", "*", "v",
	"[ ]", "[x]", "[~]", "...", "!"
};
const struct tui_glyphs *tui_glyph = &wrap_glyphs_utf8;
static int wrap_utf8 = 1;

/* Pick Unicode or ASCII glyphs (and whether non-ASCII text can be shown). */
void
tui_glyphs_select(int utf8)
{
	wrap_utf8 = utf8;
	tui_glyph = utf8 ? &wrap_glyphs_utf8 : &wrap_glyphs_ascii;
}

/* Columns a character takes; controls and unknowns count as one ('?'). */
int
tui_wcwidth(wchar_t wc)
{
	int w;

	if (wc < 0x20 || wc == 0x7f)
		return 1;
	if (wc < 0x7f)
		return 1;
	if (!wrap_utf8)
		return 1;
	w = wcwidth(wc);
	if (w < 0)
		return 1;
	return w > 2 ? 2 : w;
}

/* See tui-int.h. */
int
tui_wcswidth(const wchar_t *s, int n)
{
	int i, w = 0;

	for (i = 0; i < n; i++)
		w += tui_wcwidth(s[i]);
	return w;
}

/* Decode one UTF-8 sequence at s (len > 0); returns its length, sets *wc. */
static size_t
wrap_utf8_decode(const unsigned char *s, size_t len, wchar_t *wc)
{
	uint32_t c;
	size_t n, i;

	if (s[0] < 0x80) {
		*wc = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else
		goto bad;
	for (i = 1; i < n; i++) {
		if (i >= len || (s[i] & 0xc0) != 0x80) {
			/* A truncated sequence is one U+FFFD (maximal subpart). */
			*wc = 0xfffd;
			return i;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		goto bad;
	*wc = (wchar_t)c;
	return n;
bad:
	*wc = 0xfffd;
	return 1;
}

/* Decode UTF-8 into a new wide string (ASCII '?' for others in a C locale). */
wchar_t *
tui_utf8_to_wcs(const char *s, size_t len, int *n)
{
	wchar_t *out = xreallocarray(NULL, len + 1, sizeof *out);
	size_t i = 0;
	int k = 0;

	while (i < len) {
		i += wrap_utf8_decode((const unsigned char *)s + i, len - i,
		    &out[k]);
		if (!wrap_utf8 && out[k] >= 0x80)
			out[k] = '?';
		k++;
	}
	out[k] = 0;
	if (n != NULL)
		*n = k;
	return out;
}

/* Encode wide chars as UTF-8 into a new string. */
char *
tui_wcs_to_utf8(const wchar_t *s, int n)
{
	struct buf b;
	uint32_t c;
	int i;

	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		c = (uint32_t)s[i];
		if (c < 0x80)
			buf_putc(&b, (int)c);
		else if (c < 0x800) {
			buf_putc(&b, (int)(0xc0 | (c >> 6)));
			buf_putc(&b, (int)(0x80 | (c & 0x3f)));
		} else if (c < 0x10000) {
			buf_putc(&b, (int)(0xe0 | (c >> 12)));
			buf_putc(&b, (int)(0x80 | ((c >> 6) & 0x3f)));
			buf_putc(&b, (int)(0x80 | (c & 0x3f)));
		} else {
			buf_putc(&b, (int)(0xf0 | (c >> 18)));
			buf_putc(&b, (int)(0x80 | ((c >> 12) & 0x3f)));
			buf_putc(&b, (int)(0x80 | ((c >> 6) & 0x3f)));
			buf_putc(&b, (int)(0x80 | (c & 0x3f)));
		}
	}
	return tui_buf_take(&b, NULL);
}

/* See tui-int.h. */
void
tui_line_init(struct tui_line *l, uint8_t fill)
{
	memset(l, 0, sizeof *l);
	l->fill = fill;
	l->item = -1;
	l->cap = 16;
	l->wc = xreallocarray(NULL, (size_t)l->cap, sizeof *l->wc);
	l->role = xmalloc((size_t)l->cap);
	l->wc[0] = 0;
}

/* See tui-int.h. */
void
tui_line_free(struct tui_line *l)
{
	free(l->wc);
	free(l->role);
	l->wc = NULL;
	l->role = NULL;
	l->len = l->cap = l->width = 0;
}

/* Append one character (controls shown as '?'). */
void
tui_line_putw(struct tui_line *l, wchar_t wc, uint8_t role)
{
	if (wc < 0x20 || wc == 0x7f || (wc >= 0x80 && wc < 0xa0))
		wc = '?';
	if (l->len + 2 > l->cap) {
		l->cap *= 2;
		l->wc = xreallocarray(l->wc, (size_t)l->cap, sizeof *l->wc);
		l->role = xrealloc(l->role, (size_t)l->cap);
	}
	l->wc[l->len] = wc;
	l->role[l->len] = role;
	l->len++;
	l->wc[l->len] = 0;
	l->width += tui_wcwidth(wc);
}

/* See tui-int.h. */
void
tui_line_puts(struct tui_line *l, const char *s, uint8_t role)
{
	wchar_t *w;
	int n, i;

	w = tui_utf8_to_wcs(s, strlen(s), &n);
	for (i = 0; i < n; i++)
		tui_line_putw(l, w[i], role);
	free(w);
}

/* See tui-int.h. */
void
tui_line_clip(struct tui_line *l, int width)
{
	while (l->width > width && l->len > 0) {
		l->len--;
		l->width -= tui_wcwidth(l->wc[l->len]);
	}
	l->wc[l->len] = 0;
}

/* See tui-int.h. */
char *
tui_line_text(const struct tui_line *l)
{
	return tui_wcs_to_utf8(l->wc, l->len);
}

/* See tui-int.h. */
void
tui_lines_init(struct tui_lines *ls)
{
	memset(ls, 0, sizeof *ls);
}

/* See tui-int.h. */
void
tui_lines_free(struct tui_lines *ls)
{
	int i;

	for (i = 0; i < ls->n; i++)
		tui_line_free(&ls->v[i]);
	free(ls->v);
	memset(ls, 0, sizeof *ls);
}

/* See tui-int.h. */
struct tui_line *
tui_lines_add(struct tui_lines *ls, uint8_t fill, int item)
{
	if (ls->n == ls->cap) {
		ls->cap = ls->cap ? ls->cap * 2 : 8;
		ls->v = xreallocarray(ls->v, (size_t)ls->cap, sizeof *ls->v);
	}
	tui_line_init(&ls->v[ls->n], fill);
	ls->v[ls->n].item = item;
	return &ls->v[ls->n++];
}

/* See tui-int.h. */
void
tui_lines_take(struct tui_lines *dst, struct tui_lines *src)
{
	int i;

	for (i = 0; i < src->n; i++) {
		if (dst->n == dst->cap) {
			dst->cap = dst->cap ? dst->cap * 2 : 8;
			dst->v = xreallocarray(dst->v, (size_t)dst->cap,
			    sizeof *dst->v);
		}
		dst->v[dst->n++] = src->v[i];
	}
	free(src->v);
	memset(src, 0, sizeof *src);
}

/* The line being filled. */
static struct tui_line *
wrap_cur(struct tui_wrap *w)
{
	return &w->out->v[w->out->n - 1];
}

/* Start a continuation line with the indent. */
static void
wrap_newline(struct tui_wrap *w)
{
	struct tui_line *l;
	const wchar_t *p;

	l = tui_lines_add(w->out, w->fill, w->item);
	if (w->indent != NULL)
		for (p = w->indent; *p != 0; p++)
			tui_line_putw(l, *p, w->indent_role);
	w->pending_space = 0;
}

/* Width of the indent (the room a continuation line loses). */
static int
wrap_indent_width(const struct tui_wrap *w)
{
	return w->indent != NULL ? tui_wcswidth(w->indent,
	    (int)wcslen(w->indent)) : 0;
}

/* Place the collected word on the current line or the next ones. */
static void
wrap_flush_word(struct tui_wrap *w)
{
	struct tui_line *l = wrap_cur(w);
	int i, cw, room, fresh;

	if (w->word.len == 0)
		return;
	fresh = w->width - wrap_indent_width(w);
	if (l->width + w->pending_space + w->word_width > w->width &&
	    w->word_width <= fresh && l->width > wrap_indent_width(w)) {
		wrap_newline(w);
		l = wrap_cur(w);
	}
	if (l->width + w->pending_space + tui_wcwidth(w->word.wc[0]) <=
	    w->width)
		for (i = 0; i < w->pending_space; i++)
			tui_line_putw(l, ' ', w->space_role);
	else if (w->pending_space > 0 && l->width > wrap_indent_width(w)) {
		/* No room for the space: never glue the word to the last. */
		wrap_newline(w);
		l = wrap_cur(w);
	}
	w->pending_space = 0;
	for (i = 0; i < w->word.len; i++) {
		cw = tui_wcwidth(w->word.wc[i]);
		room = w->width - l->width;
		if (cw > room && l->width > wrap_indent_width(w)) {
			wrap_newline(w);
			l = wrap_cur(w);
		}
		tui_line_putw(l, w->word.wc[i], w->word.role[i]);
	}
	w->word.len = 0;
	w->word.width = 0;
	w->word.wc[0] = 0;
	w->word_width = 0;
}

/* Begin a paragraph: the first line starts with prefix. */
void
tui_wrap_begin(struct tui_wrap *w, struct tui_lines *out, int width,
    uint8_t fill, int item, const char *prefix, uint8_t prefix_role,
    const wchar_t *indent, uint8_t indent_role)
{
	struct tui_line *l;

	memset(w, 0, sizeof *w);
	w->out = out;
	w->width = width < 1 ? 1 : width;
	w->fill = fill;
	w->item = item;
	w->indent = indent;
	w->indent_role = indent_role;
	tui_line_init(&w->word, fill);
	l = tui_lines_add(out, fill, item);
	if (prefix != NULL)
		tui_line_puts(l, prefix, prefix_role);
}

/* Add styled text; '\n' starts a new line, spaces are break points. */
void
tui_wrap_text(struct tui_wrap *w, const char *s, size_t len, uint8_t role)
{
	wchar_t *ws;
	int n, i;

	ws = tui_utf8_to_wcs(s, len, &n);
	for (i = 0; i < n; i++) {
		if (ws[i] == '\n') {
			wrap_flush_word(w);
			wrap_newline(w);
		} else if (ws[i] == ' ' || ws[i] == '\t') {
			wrap_flush_word(w);
			w->pending_space += ws[i] == '\t' ? 4 : 1;
			w->space_role = role;
		} else if (ws[i] == '\r')
			continue;
		else {
			tui_line_putw(&w->word, ws[i], role);
			w->word_width += tui_wcwidth(ws[i]);
		}
	}
	free(ws);
}

/* See tui-int.h. */
void
tui_wrap_end(struct tui_wrap *w)
{
	wrap_flush_word(w);
	tui_line_free(&w->word);
}

/* One line cut to width: prefix, then text up to the edge, '…' if cut. */
void
tui_line_cut(struct tui_lines *out, int width, uint8_t fill, int item,
    const char *prefix, uint8_t prefix_role, const char *text, size_t len,
    uint8_t role)
{
	struct tui_line *l;
	wchar_t *ws;
	int n, i, cw, ell, start;

	l = tui_lines_add(out, fill, item);
	if (prefix != NULL)
		tui_line_puts(l, prefix, prefix_role);
	ws = tui_utf8_to_wcs(text, len, &n);
	ell = tui_wcswidth(L"\u2026", 1);
	start = l->width;
	for (i = 0; i < n; i++) {
		if (ws[i] == '\t') {
			/* Tab stops every 4 columns from the start of the text. */
			do
				tui_line_putw(l, ' ', role);
			while ((l->width - start) % 4 != 0 && l->width < width);
			continue;
		}
		if (ws[i] == '\r')
			continue;
		cw = tui_wcwidth(ws[i]);
		if (l->width + cw > width ||
		    (i + 1 < n && l->width + cw > width - ell &&
		    tui_wcswidth(ws + i, n - i) > width - l->width)) {
			tui_line_clip(l, width - ell);
			tui_line_puts(l, tui_glyph->ellipsis, ROLE_FOLD);
			break;
		}
		tui_line_putw(l, ws[i], role);
	}
	free(ws);
}
