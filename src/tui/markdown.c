/*
 * markdown.c: the chat's Markdown renderer (tui_md_render): a model's
 * answer in, styled and wrapped screen lines out, no I/O.
 *
 * The subset models write: ATX headings, **bold** and __bold__, `code`,
 * fenced code blocks (framed and cut, never wrapped into prose), bullet
 * and numbered lists, horizontal rules.  Markers are dropped and the roles
 * carry the style; anything else is text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "tui-int.h"

/* Emit inline markdown (bold, `code`) of one source line into a wrapper. */
static void
md_inline(struct tui_wrap *w, const char *s, size_t len, uint8_t base)
{
	size_t i = 0, start = 0, j;

	while (i < len) {
		if (s[i] == '`') {
			for (j = i + 1; j < len && s[j] != '`'; j++)
				;
			if (j < len && j > i + 1) {
				tui_wrap_text(w, s + start, i - start, base);
				tui_wrap_text(w, s + i + 1, j - i - 1, ROLE_CODE);
				i = start = j + 1;
				continue;
			}
		}
		if ((s[i] == '*' || s[i] == '_') && i + 1 < len &&
		    s[i + 1] == s[i] && i + 2 < len && s[i + 2] != ' ') {
			for (j = i + 2; j + 1 < len; j++)
				if (s[j] == s[i] && s[j + 1] == s[i])
					break;
			if (j + 1 < len && j > i + 2) {
				tui_wrap_text(w, s + start, i - start, base);
				tui_wrap_text(w, s + i + 2, j - i - 2,
				    base == ROLE_HEADING ? ROLE_HEADING : ROLE_BOLD);
				i = start = j + 2;
				continue;
			}
		}
		i++;
	}
	tui_wrap_text(w, s + start, len - start, base);
}

/* A frame line of a code block: corner, rule, optional label. */
static void
md_frame(struct tui_lines *out, int width, int item, int top, const char *label)
{
	struct tui_line *l = tui_lines_add(out, ROLE_NORMAL, item);

	tui_line_puts(l, top ? tui_glyph->tl : tui_glyph->bl, ROLE_CODEBLOCK_FRAME);
	tui_line_puts(l, tui_glyph->hline, ROLE_CODEBLOCK_FRAME);
	if (label != NULL && *label != '\0') {
		tui_line_puts(l, " ", ROLE_CODEBLOCK_FRAME);
		tui_line_puts(l, label, ROLE_CODEBLOCK_FRAME);
		tui_line_puts(l, " ", ROLE_CODEBLOCK_FRAME);
	}
	while (l->width < width && l->width < 40)
		tui_line_puts(l, tui_glyph->hline, ROLE_CODEBLOCK_FRAME);
}

/* Length of a list marker ("- ", "* ", "12. ") at s, or 0. */
static size_t
md_list_marker(const char *s, size_t len, int *ordered)
{
	size_t i = 0;

	*ordered = 0;
	if (len >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') &&
	    s[1] == ' ')
		return 2;
	while (i < len && i < 4 && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i > 0 && i + 1 < len && (s[i] == '.' || s[i] == ')') &&
	    s[i + 1] == ' ') {
		*ordered = 1;
		return i + 2;
	}
	return 0;
}

/* Render markdown text; code blocks are framed and cut, never wrapped. */
void
tui_md_render(struct tui_lines *out, const char *text, size_t len, int width,
    uint8_t base, int item, int *nblocks)
{
	struct tui_wrap w;
	const char *line, *p;
	size_t ll, start = 0, ind, m;
	int in_code = 0, blank = 0, ordered, level, blocks = 0;
	char fence[4] = "", *prefix, *lang;
	wchar_t *indent;
	int i;

	if (width < 8)
		width = 8;
	while (start <= len) {
		line = text + start;
		p = memchr(line, '\n', len - start);
		ll = p != NULL ? (size_t)(p - line) : len - start;
		start += ll + 1;
		if (p == NULL && ll == 0 && start > len && out->n > 0)
			break;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		for (ind = 0; ind < ll && line[ind] == ' '; ind++)
			;
		if (in_code) {
			if (ll - ind >= 3 && strncmp(line + ind, fence, 3) == 0) {
				md_frame(out, width, item, 0, NULL);
				in_code = 0;
				continue;
			}
			prefix = xasprintf("%s ", tui_glyph->vline);
			tui_line_cut(out, width, ROLE_NORMAL, item, prefix,
			    ROLE_CODEBLOCK_FRAME, line, ll, ROLE_CODEBLOCK);
			free(prefix);
			continue;
		}
		if (ll - ind >= 3 && (strncmp(line + ind, "```", 3) == 0 ||
		    strncmp(line + ind, "~~~", 3) == 0)) {
			memcpy(fence, line + ind, 3);
			fence[3] = '\0';
			lang = xstrndup(line + ind + 3, ll - ind - 3);
			md_frame(out, width, item, 1, util_trim(lang));
			free(lang);
			in_code = 1;
			blocks++;
			blank = 0;
			continue;
		}
		if (ll == ind) {
			if (!blank && out->n > 0)
				tui_lines_add(out, ROLE_NORMAL, item);
			blank = 1;
			continue;
		}
		blank = 0;
		if (line[ind] == '#') {
			for (level = 0; ind + (size_t)level < ll &&
			    line[ind + (size_t)level] == '#'; level++)
				;
			if (level <= 6 && ind + (size_t)level < ll &&
			    line[ind + (size_t)level] == ' ') {
				tui_wrap_begin(&w, out, width, ROLE_NORMAL, item,
				    NULL, 0, NULL, 0);
				md_inline(&w, line + ind + (size_t)level + 1,
				    ll - ind - (size_t)level - 1, ROLE_HEADING);
				tui_wrap_end(&w);
				continue;
			}
		}
		if (ll - ind >= 3 && (strspn(line + ind, "-") == ll - ind ||
		    strspn(line + ind, "*") == ll - ind ||
		    strspn(line + ind, "_") == ll - ind)) {
			struct tui_line *l = tui_lines_add(out, ROLE_NORMAL, item);

			while (l->width < width && l->width < 40)
				tui_line_puts(l, tui_glyph->hline, ROLE_BORDER);
			continue;
		}
		if (line[ind] == '>') {
			m = ind + 1 + (ind + 1 < ll && line[ind + 1] == ' ');
			prefix = xasprintf("%s ", tui_glyph->vline);
			indent = tui_utf8_to_wcs(prefix, strlen(prefix), NULL);
			tui_wrap_begin(&w, out, width, ROLE_NORMAL, item, prefix,
			    ROLE_BORDER, indent, ROLE_BORDER);
			md_inline(&w, line + m, ll - m, ROLE_REASONING);
			tui_wrap_end(&w);
			free(indent);
			free(prefix);
			continue;
		}
		if ((m = md_list_marker(line + ind, ll - ind, &ordered)) > 0) {
			if (ordered)
				prefix = xasprintf("%*s%.*s", (int)(ind / 2 * 2), "",
				    (int)m, line + ind);
			else
				prefix = xasprintf("%*s%s ", (int)(ind / 2 * 2), "",
				    tui_glyph->bullet);
			{
				wchar_t *pw;
				int pn, pwid;

				pw = tui_utf8_to_wcs(prefix, strlen(prefix), &pn);
				pwid = tui_wcswidth(pw, pn);
				free(pw);
				indent = xreallocarray(NULL, (size_t)pwid + 1,
				    sizeof *indent);
				for (i = 0; i < pwid; i++)
					indent[i] = ' ';
				indent[pwid] = 0;
			}
			tui_wrap_begin(&w, out, width, ROLE_NORMAL, item, prefix,
			    ROLE_BULLET, indent, ROLE_NORMAL);
			md_inline(&w, line + ind + m, ll - ind - m, base);
			tui_wrap_end(&w);
			free(indent);
			free(prefix);
			continue;
		}
		tui_wrap_begin(&w, out, width, ROLE_NORMAL, item, NULL, 0, NULL, 0);
		md_inline(&w, line, ll, base);
		tui_wrap_end(&w);
	}
	if (in_code)
		md_frame(out, width, item, 0, NULL);
	while (out->n > 0 && out->v[out->n - 1].len == 0) {
		out->n--;
		tui_line_free(&out->v[out->n]);
	}
	if (nblocks != NULL)
		*nblocks = blocks;
}
