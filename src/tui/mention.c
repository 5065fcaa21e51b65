/*
 * mention.c: "@path" in a message, completed by Tab and attached on send.
 *
 * Tab on a word starting with "@" walks the workspace's files with the tree
 * walk of grep and glob (so .gitignore, .git and symbolic links are honoured
 * as there; paths hidden by the sandbox are left out) and ranks the paths
 * the typed letters fit in order: a substring of the file name first, then
 * of the path, then letters spread out; shorter paths first.  The word
 * becomes "@path" for the best; further Tabs (the input unchanged) cycle
 * through the others, listed in a popup above the input (Shift-Tab and
 * the arrows cycle too, Enter takes the one shown, Esc puts the typed word
 * back; any other key closes it and acts as usual).
 *
 * On Enter, the message goes through mention.c below the TUI (the same
 * attachment as headless -p and cade batch: files, line ranges, images,
 * the one-line refusals), each refusal a notice in the chat.  The chat
 * shows an attached file as "[attached: path]" (tui_mention_fold).
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/mention.h"
#include "cade/session.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "tui-int.h"

#define MENTION_MAX_VISIT	50000		/* files walked for one Tab */
#define MENTION_MAX_CAND	200		/* candidates kept */

struct mention_cand {
	char	*rel;
	int	 score;
};

struct mention_walk {
	const struct workspace	*ws;
	const char		*query;
	struct mention_cand	*v;
	size_t			 n, cap;
	long			 visited;
};

/* Drop the Tab cycle. */
void
tui_mention_reset(struct tui *t)
{
	size_t i;

	for (i = 0; i < t->mention.n; i++)
		free(t->mention.v[i]);
	free(t->mention.v);
	free(t->mention.text);
	free(t->mention.query);
	memset(&t->mention, 0, sizeof t->mention);
}

/* Rank of rel for query: 0 best, -1 if the letters do not fit in order. */
int
tui_mention_score(const char *query, const char *rel)
{
	const char *base = strrchr(rel, '/'), *p = rel, *q = query;

	base = base != NULL ? base + 1 : rel;
	if (*query == '\0' || strcasestr(base, query) != NULL)
		return 0;
	if (strcasestr(rel, query) != NULL)
		return 1;
	for (; *q != '\0'; q++) {
		while (*p != '\0' && tolower((unsigned char)*p) !=
		    tolower((unsigned char)*q))
			p++;
		if (*p == '\0')
			return -1;
		p++;
	}
	return 2;
}

static int
mention_file(const char *host, const char *rel, const struct stat *st, void *arg)
{
	struct mention_walk *w = arg;
	int score;

	(void)st;
	if (++w->visited > MENTION_MAX_VISIT)
		return 1;
	if ((score = tui_mention_score(w->query, rel)) < 0 || ws_hidden(w->ws, host))
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap == 0 ? 64 : w->cap * 2;
		w->v = xreallocarray(w->v, w->cap, sizeof *w->v);
	}
	w->v[w->n].rel = xstrdup(rel);
	w->v[w->n].score = score;
	w->n++;
	return 0;
}

static int
mention_cmp(const void *a, const void *b)
{
	const struct mention_cand *x = a, *y = b;
	size_t lx = strlen(x->rel), ly = strlen(y->rel);

	if (x->score != y->score)
		return x->score - y->score;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

/* Put candidate i in the input; the popup lists the candidates. */
static void
mention_show(struct tui *t)
{
	struct tui_mention *m = &t->mention;
	char *word;

	word = xasprintf("@%s", m->v[m->i]);
	tui_input_replace_word(t->input, word);
	free(word);
	free(m->text);
	m->text = xstrdup(tui_input_text(t->input));
	m->open = m->n > 1;
	if (!m->open)
		return;
	if (m->i < m->first)
		m->first = m->i;
	else if (m->i >= m->first + TUI_POPUP_MAX)
		m->first = m->i - TUI_POPUP_MAX + 1;
	tui_hint(t, "@ %zu/%zu%s: Tab/S-Tab/arrows cycle, Enter takes, Esc "
	    "undoes", m->i + 1, m->n, m->n == MENTION_MAX_CAND ? "+" : "");
	tui_dirty(t);
}

/* See tui-int.h. */
int
tui_mention_key(struct tui *t, const struct tui_key *k)
{
	struct tui_mention *m = &t->mention;

	if (!m->open)
		return 0;
	if (m->text == NULL || strcmp(m->text, tui_input_text(t->input)) != 0 ||
	    k->mod != 0) {
		m->open = 0;
		tui_dirty(t);
		return 0;
	}
	switch (k->key) {
	case '\t':
		return 0;		/* tui_mention_complete cycles */
	case TUI_KEY_BTAB:
	case TUI_KEY_UP:
		m->i = (m->i + m->n - 1) % m->n;
		mention_show(t);
		return 1;
	case TUI_KEY_DOWN:
		m->i = (m->i + 1) % m->n;
		mention_show(t);
		return 1;
	case '\r':
		m->open = 0;
		tui_hint(t, "took @%s", m->v[m->i]);
		tui_dirty(t);
		return 1;
	case 0x1b:
		if (m->query != NULL)
			tui_input_replace_word(t->input, m->query);
		tui_mention_reset(t);
		tui_hint(t, "%s", "");
		tui_dirty(t);
		return 1;
	default:
		m->open = 0;
		tui_dirty(t);
		return 0;
	}
}

/* Columns s takes on the screen. */
static int
mention_width(const char *s)
{
	int n, w;
	wchar_t *wc = tui_utf8_to_wcs(s, strlen(s), &n);

	w = tui_wcswidth(wc, n);
	free(wc);
	return w;
}

/*
 * The popup: a framed list of up to TUI_POPUP_MAX candidates right above
 * the input, the current one in the selection colour, the position in the
 * top border.  It stays inside the chat's rectangle (so inside the screen
 * at any size): fewer rows when the chat is short, none below three rows;
 * long paths lose their start, not their file name.
 */
void
tui_mention_draw(struct tui *t)
{
	struct tui_mention *m = &t->mention;
	struct tui_line l;
	const char *rel;
	char *s;
	size_t k, shown;
	int avail, w, h, y, x, row, inner, cw;

	if (!m->open || m->n < 2 || !t->show_chat || t->focus != FOCUS_CHAT ||
	    t->select_mode || t->input_r.h <= 0)
		return;
	avail = t->input_r.y - t->chat_r.y;
	if (avail > t->chat_r.h)
		avail = t->chat_r.h;
	if (avail < 3 || t->chat_r.w < 12)
		return;
	shown = m->n < TUI_POPUP_MAX ? m->n : TUI_POPUP_MAX;
	if ((int)shown > avail - 2)
		shown = (size_t)(avail - 2);
	if (m->i < m->first)
		m->first = m->i;
	else if (m->i >= m->first + shown)
		m->first = m->i - shown + 1;
	for (k = 0, w = 14; k < m->n; k++)
		if (mention_width(m->v[k]) + 4 > w)
			w = mention_width(m->v[k]) + 4;
	if (w > t->chat_r.w)
		w = t->chat_r.w;
	inner = w - 4;
	h = (int)shown + 2;
	y = t->input_r.y - h;
	x = t->chat_r.x;
	/* Top border with the position. */
	tui_line_init(&l, ROLE_CONFIRM_FRAME);
	tui_line_puts(&l, tui_glyph->tl, ROLE_CONFIRM_FRAME);
	s = xasprintf(" @ %zu/%zu ", m->i + 1, m->n);
	if ((int)strlen(s) <= w - 2)
		tui_line_puts(&l, s, ROLE_CONFIRM_FRAME);
	free(s);
	while (l.width < w - 1)
		tui_line_puts(&l, tui_glyph->hline, ROLE_CONFIRM_FRAME);
	tui_line_puts(&l, tui_glyph->tr, ROLE_CONFIRM_FRAME);
	tui_screen_draw_line(y, x, w, &l, 0);
	tui_line_free(&l);
	for (row = 0; row < (int)shown; row++) {
		k = m->first + (size_t)row;
		rel = m->v[k];
		/* Too wide: keep the end (the file name), mark the cut. */
		cw = mention_width(rel);
		while (cw > inner && *rel != '\0') {
			rel++;
			while (((unsigned char)*rel & 0xc0) == 0x80)
				rel++;
			cw = mention_width(rel) + 1;
		}
		tui_line_init(&l, ROLE_CONFIRM);
		tui_line_puts(&l, tui_glyph->vline, ROLE_CONFIRM_FRAME);
		tui_line_puts(&l, " ", k == m->i ? ROLE_SELECTION : ROLE_CONFIRM);
		if (rel != m->v[k])
			tui_line_puts(&l, tui_glyph->ellipsis, k == m->i ?
			    ROLE_SELECTION : ROLE_CONFIRM);
		tui_line_puts(&l, rel, k == m->i ? ROLE_SELECTION : ROLE_CONFIRM);
		while (l.width < w - 1)
			tui_line_puts(&l, " ", k == m->i ? ROLE_SELECTION :
			    ROLE_CONFIRM);
		tui_line_puts(&l, tui_glyph->vline, ROLE_CONFIRM_FRAME);
		tui_screen_draw_line(y + 1 + row, x, w, &l, 0);
		tui_line_free(&l);
	}
	tui_line_init(&l, ROLE_CONFIRM_FRAME);
	tui_line_puts(&l, tui_glyph->bl, ROLE_CONFIRM_FRAME);
	while (l.width < w - 1)
		tui_line_puts(&l, tui_glyph->hline, ROLE_CONFIRM_FRAME);
	tui_line_puts(&l, tui_glyph->br, ROLE_CONFIRM_FRAME);
	tui_screen_draw_line(y + h - 1, x, w, &l, 0);
	tui_line_free(&l);
}

/* See tui-int.h. */
int
tui_mention_complete(struct tui *t)
{
	struct tui_mention *m = &t->mention;
	struct mention_walk w;
	char *word;
	size_t i;

	if (m->n > 0 && m->text != NULL &&
	    strcmp(m->text, tui_input_text(t->input)) == 0) {
		m->i = (m->i + 1) % m->n;
		mention_show(t);
		return 1;
	}
	tui_mention_reset(t);
	word = tui_input_word(t->input);
	if (word[0] != '@' || t->s == NULL || t->s->ws == NULL) {
		free(word);
		return 0;
	}
	m->query = xstrdup(word);
	memset(&w, 0, sizeof w);
	w.ws = t->s->ws;
	w.query = word + 1;
	tool_walk(t->s->ws->root, t->s->ws->root, mention_file, &w);
	free(word);
	if (w.n == 0) {
		tui_mention_reset(t);
		tui_hint(t, "no file in the workspace fits");
		return 1;
	}
	qsort(w.v, w.n, sizeof *w.v, mention_cmp);
	m->n = w.n < MENTION_MAX_CAND ? w.n : MENTION_MAX_CAND;
	m->v = xreallocarray(NULL, m->n, sizeof *m->v);
	for (i = 0; i < w.n; i++) {
		if (i < m->n)
			m->v[i] = w.v[i].rel;
		else
			free(w.v[i].rel);
	}
	free(w.v);
	mention_show(t);
	return 1;
}

/* ---- attaching on send (the work is mention.c's, below the TUI) ---- */

/* A refused mention: one notice in the chat. */
static void
mention_notice(const char *line, void *arg)
{
	struct tui *t = arg;

	tui_chat_notice(t->chat, ITEM_NOTICE, line);
}

/* See tui-int.h. */
char *
tui_mention_expand(struct tui *t, const char *text, struct mention_images *imgs)
{
	char *full = mention_expand(t->s, text, imgs, mention_notice, t);

	mention_check_images(t->s, imgs, mention_notice, t);
	return full;
}

/* See tui-int.h. */
void
tui_mention_fold(const char *text, struct buf *out)
{
	static const char fmark[] = MENTION_FILE_MARK;
	static const char bmark[] = TUI_BANG_MARK;
	const char *p, *q, *e, *f, *b;

	for (p = text;; p = e) {
		f = strstr(p, fmark);
		b = strstr(p, bmark);
		if (f == NULL && b == NULL) {
			/* Text before the first attachment; nothing after one. */
			if (p == text)
				buf_puts(out, text);
			return;
		}
		if (p == text)
			buf_append(out, text, (size_t)((f != NULL && (b == NULL ||
			    f < b) ? f : b) - text));
		buf_puts(out, "\n[attached: ");
		if (f != NULL && (b == NULL || f < b)) {
			q = f + sizeof fmark - 1;
			if ((e = strchr(q, '\n')) == NULL)
				e = q + strlen(q);
			/* path" lines="A-B"> -> path lines A-B */
			for (; q < e && *q != '>'; q++)
				if (*q != '"')
					buf_putc(out, *q == '=' ? ' ' : *q);
		} else {
			/* N">\n$ CMD\n -> output of !CMD (exit N) */
			q = b + sizeof bmark - 1;
			e = strchr(q, '"');
			f = e != NULL ? strstr(e, ">\n$ ") : NULL;
			if (e == NULL || f == NULL) {
				e = q + strlen(q);
				buf_puts(out, "command output");
			} else {
				f += 4;
				if ((e = strchr(f, '\n')) == NULL)
					e = f + strlen(f);
				buf_puts(out, "output of !");
				buf_append(out, f, (size_t)(e - f));
				buf_printf(out, " (exit %.*s)", (int)(strchr(q,
				    '"') - q), q);
			}
		}
		buf_puts(out, "]");
	}
}
