/*
 * layout.c: where everything goes on the screen, and drawing a frame.
 *
 * tui_layout() works out the rectangles of the chat, the input, the
 * terminal pane and the status bar from the window size and the modes
 * (focus, zoom, orientation, split ratio), and resizes the terminal pane
 * and the shell's pty to fit.  tui_draw() paints one frame: everything when
 * the interface changed, only the terminal pane's dirty rows when only the
 * shell wrote; the chat view keeps the person's place while new output
 * arrives and says how much is below.  Called from tui.c's before-sleep
 * hook, never from event callbacks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <curses.h>

#include "cade/agent.h"
#include "cade/conf.h"
#include "cade/llm.h"
#include "cade/log.h"
#include "cade/session.h"
#include "cade/shell.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "tui-int.h"

/* ---- layout ------------------------------------------------------ */

/* See tui-int.h. */
static void
tui_rect(struct tui_rect *r, int y, int x, int h, int w)
{
	r->y = y;
	r->x = x;
	r->h = h < 0 ? 0 : h;
	r->w = w < 0 ? 0 : w;
}

/* Rows the input wants for its text (capped). */
int
tui_input_rows(struct tui *t, int width)
{
	struct tui_lines ls;
	int r, c, n, max = t->rows / 4;

	tui_lines_init(&ls);
	tui_input_layout(t->input, width, &ls, &r, &c);
	n = ls.n;
	tui_lines_free(&ls);
	if (max < 1)
		max = 1;
	return n < 1 ? 1 : n > max ? max : n;
}

/* Work out where everything goes for the current size and modes. */
void
tui_layout(struct tui *t)
{
	int R, C, body, chat_w, chat_h, in_h, trows, tcols, prow, pcol;

	tui_screen_size(&t->rows, &t->cols);
	R = t->rows;
	C = t->cols;
	t->relayout = 0;
	t->full = 1;
	t->too_small = R < TUI_MIN_ROWS || C < TUI_MIN_COLS;
	if (t->too_small)
		return;
	tui_rect(&t->status_r, R - 1, 0, 1, C);
	body = R - 1;
	if (t->orient == 0)
		t->stacked = C < t->split_width;
	else
		t->stacked = t->orient == 2;
	t->show_chat = !(t->zoom && t->focus == FOCUS_TERM);
	t->show_term = !(t->zoom && t->focus == FOCUS_CHAT);
	memset(&t->sep_r, 0, sizeof t->sep_r);

	if (t->show_chat && !t->show_term) {
		in_h = tui_input_rows(t, C);
		tui_rect(&t->chat_title, 0, 0, 1, C);
		tui_rect(&t->chat_r, 1, 0, body - 1 - in_h, C);
		tui_rect(&t->input_r, body - in_h, 0, in_h, C);
	} else if (!t->show_chat) {
		tui_rect(&t->term_title, 0, 0, 1, C);
		tui_rect(&t->term_r, 1, 0, body - 1, C);
	} else if (!t->stacked) {
		chat_w = C * t->ratio / 100;
		if (chat_w < 24)
			chat_w = 24;
		if (chat_w > C - 21)
			chat_w = C - 21;
		in_h = tui_input_rows(t, chat_w);
		tui_rect(&t->chat_title, 0, 0, 1, chat_w);
		tui_rect(&t->chat_r, 1, 0, body - 1 - in_h, chat_w);
		tui_rect(&t->input_r, body - in_h, 0, in_h, chat_w);
		tui_rect(&t->sep_r, 0, chat_w, body, 1);
		tui_rect(&t->term_title, 0, chat_w + 1, 1, C - chat_w - 1);
		tui_rect(&t->term_r, 1, chat_w + 1, body - 1, C - chat_w - 1);
	} else {
		in_h = tui_input_rows(t, C);
		/* Stacked, the chat gets ten points more than side by side
		 * (60% by default): it is where the person reads and types. */
		chat_h = (body * (t->ratio + 10) + 99) / 100;
		if (chat_h < 4 + in_h)
			chat_h = 4 + in_h;
		if (chat_h > body - 4)
			chat_h = body - 4;
		tui_rect(&t->chat_title, 0, 0, 1, C);
		tui_rect(&t->chat_r, 1, 0, chat_h - 1 - in_h, C);
		tui_rect(&t->input_r, chat_h - in_h, 0, in_h, C);
		tui_rect(&t->term_title, chat_h, 0, 1, C);
		tui_rect(&t->term_r, chat_h + 1, 0, body - chat_h - 1, C);
	}
	if (t->show_term && t->term_r.h > 0 && t->term_r.w > 0) {
		tui_vtpane_size(t->vt, &prow, &pcol);
		trows = t->term_r.h;
		tcols = t->term_r.w;
		if (trows != prow || tcols != pcol) {
			tui_vtpane_resize(t->vt, trows, tcols);
			if (t->s != NULL && t->s->shell != NULL)
				shell_resize(t->s->shell, trows, tcols);
		}
	}
	tui_dirty(t);
}

/* ---- drawing ----------------------------------------------------- */

/* A pane's title bar: name, extra text, and the keyboard indicator. */
static void
tui_draw_title(const struct tui_rect *r, const char *name, const char *extra,
    int focused, const char *keys)
{
	struct tui_line l, k;
	enum tui_role role = focused ? ROLE_TITLE_FOCUS : ROLE_TITLE;
	char *s;
	int i;

	if (r->w <= 0)
		return;
	tui_line_init(&l, (uint8_t)role);
	s = xasprintf(" %s%s%s ", name, extra != NULL && *extra ? " " : "",
	    extra != NULL ? extra : "");
	tui_line_puts(&l, s, (uint8_t)role);
	free(s);
	if (focused && keys != NULL) {
		tui_line_init(&k, (uint8_t)role);
		s = xasprintf(" %s %s ", tui_glyph->dot, keys);
		tui_line_puts(&k, s, (uint8_t)role);
		free(s);
		/* The key hint is dropped, never cut, when there is no room. */
		if (l.width + k.width + 1 <= r->w) {
			while (l.width < r->w - k.width - 1)
				tui_line_putw(&l, ' ', (uint8_t)role);
			for (i = 0; i < k.len; i++)
				tui_line_putw(&l, k.wc[i], k.role[i]);
		}
		tui_line_free(&k);
	}
	tui_screen_draw_line(r->y, r->x, r->w, &l, 0);
	tui_line_free(&l);
}

/* Scroll so the selected item is in view. */
static void
tui_show_item(struct tui *t, const struct tui_line **v, int n, int item)
{
	int first = -1, last = -1, i, top, h = t->chat_r.h;

	for (i = 0; i < n; i++) {
		if (v[i]->item == item) {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	if (first < 0)
		return;
	top = n - h - t->chat_offset;
	if (top < 0)
		top = 0;
	if (first < top)
		t->chat_offset = n - h - first;
	else if (last >= top + h)
		t->chat_offset = n - h - (last - h + 1 > first ? first : last - h + 1);
	if (t->chat_offset < 0 || n <= h)
		t->chat_offset = 0;
}

/* The chat area, with the confirmation prompt over its bottom. */
static void
tui_draw_chat(struct tui *t, int *cur_y, int *cur_x)
{
	const struct tui_line **v;
	const struct agent_pending *p;
	struct tui_lines box;
	struct tui_line ind;
	struct tui_rect *r = &t->chat_r;
	int n, i, top, row, sel, cr, cc, box_h = 0;
	size_t np;
	char *s;

	if (r->h <= 0 || r->w <= 0)
		return;
	n = tui_chat_lines(t->chat, r->w, &v);
	if (r->w != t->chat_width) {
		t->chat_width = r->w;
		t->chat_total = n;
	}
	if (n != t->chat_total) {
		if (t->chat_offset > 0 && n > t->chat_total) {
			t->chat_offset += n - t->chat_total;
			t->unread += n - t->chat_total;
		}
		t->chat_total = n;
	}
	sel = t->select_mode ? tui_chat_selected(t->chat) : -1;
	if (sel >= 0)
		tui_show_item(t, v, n, sel);
	if (t->chat_offset > n - r->h)
		t->chat_offset = n - r->h > 0 ? n - r->h : 0;
	if (t->chat_offset == 0)
		t->unread = 0;
	top = n - r->h - t->chat_offset;
	if (top < 0)
		top = 0;
	for (row = 0; row < r->h; row++) {
		i = top + row;
		tui_screen_draw_line(r->y + row, r->x, r->w, i < n ? v[i] : NULL,
		    i < n && sel >= 0 && v[i]->item == sel);
	}
	if (t->chat_offset > 0) {
		tui_line_init(&ind, ROLE_UNREAD);
		s = t->unread > 0 ? xasprintf(" %s %d new lines below (End) ",
		    tui_glyph->arrow_down, t->unread) : xasprintf(" %s %d more "
		    "lines below (End) ", tui_glyph->arrow_down, t->chat_offset);
		tui_line_puts(&ind, s, ROLE_UNREAD);
		free(s);
		tui_screen_draw_line(r->y + r->h - 1, r->x + r->w - ind.width > 0 ?
		    r->x + r->w - ind.width : r->x, ind.width < r->w ? ind.width :
		    r->w, &ind, 0);
		tui_line_free(&ind);
	}
	p = agent_pending(t->s->agent, &np);
	if (tui_confirm_visible(t->confirm, np)) {
		tui_lines_init(&box);
		tui_confirm_layout(t->confirm, p, np, r->w, r->h, &box, &cr, &cc);
		box_h = box.n;
		for (i = 0; i < box.n; i++)
			tui_screen_draw_line(r->y + r->h - box_h + i, r->x, r->w,
			    &box.v[i], 0);
		if (cr >= 0 && t->focus == FOCUS_CHAT) {
			*cur_y = r->y + r->h - box_h + cr;
			*cur_x = r->x + cc;
		}
		tui_lines_free(&box);
	}
}

/* The editor: the rows around the cursor when the text is taller. */
static void
tui_draw_input(struct tui *t, int *cur_y, int *cur_x)
{
	struct tui_lines ls;
	struct tui_rect *r = &t->input_r;
	int cr, cc, first, row;

	if (r->h <= 0)
		return;
	tui_lines_init(&ls);
	tui_input_layout(t->input, r->w, &ls, &cr, &cc);
	first = cr - r->h + 1 > 0 ? cr - r->h + 1 : 0;
	for (row = 0; row < r->h; row++)
		tui_screen_draw_line(r->y + row, r->x, r->w, first + row < ls.n ?
		    &ls.v[first + row] : NULL, 0);
	if (ls.n == 1 && tui_input_empty(t->input) && r->w > 40) {
		tui_screen_puts(r->y, r->x + 2, r->w - 2, t->focus == FOCUS_CHAT ?
		    "message, /help; Enter sends, C-j newline" :
		    "F2 or C-] to type here", ROLE_NOTICE);
	}
	if (*cur_y < 0 && t->focus == FOCUS_CHAT && !t->select_mode) {
		*cur_y = r->y + cr - first;
		*cur_x = r->x + (cc < r->w ? cc : r->w - 1);
	}
	tui_lines_free(&ls);
}

/* The status bar. */
static void
tui_draw_status(struct tui *t)
{
	struct tui_status_info si;
	struct agent_stats st;
	enum agent_state as = agent_get_state(t->s->agent);
	struct tui_line l;

	memset(&si, 0, sizeof si);
	agent_get_stats(t->s->agent, &st);
	si.model = st.model;
	switch (as) {
	case AGENT_CONFIRM: si.state = "waiting for you"; si.alert = 1; break;
	case AGENT_STUCK: si.state = "stuck"; si.alert = 1; break;
	case AGENT_ERROR: si.state = "error"; si.alert = 1; break;
	case AGENT_FINISHED: si.state = "idle"; break;
	default: si.state = agent_state_name(as); break;
	}
	si.step = st.step;
	si.max_steps = st.max_steps;
	si.tokens_in = st.tokens_in;
	si.tokens_out = st.tokens_out;
	si.tokens_cached = st.tokens_cached;
	si.context_pct = st.context_pct;
	si.cost = st.cost;
	si.cost_unknown = st.cost == 0 && !llm_price_known(t->cfg, si.model);
	si.confirm = policy_confirm_name(t->s->policy);
	si.workspace = t->s->ws->id != NULL && strcmp(t->s->ws->ops->name,
	    "local") != 0 ? t->s->ws->id : t->s->ws->root;
	si.sandbox = ws_containment(t->s->ws);
	si.net = ws_network(t->s->ws, t->cfg);
	si.pending = (int)t->npending;
	si.focus = tui_confirm_holds(t->confirm, t->npending) ? "prompt" :
	    t->focus == FOCUS_CHAT ? "chat" : "terminal";
	si.hint = t->hint;
	tui_line_init(&l, ROLE_STATUSBAR);
	tui_status_render(&l, t->status_r.w, &si);
	tui_screen_draw_line(t->status_r.y, 0, t->status_r.w, &l, 0);
	tui_line_free(&l);
}

/* Below the minimum size: say so, and nothing else. */
static void
tui_draw_too_small(struct tui *t)
{
	char *s;
	int y = t->rows / 2, len;

	static const char *const forms[] = {
		"terminal too small (need ", "too small: need ", "need ", ""
	};
	size_t i;

	erase();
	/* The longest form that fits: never a notice cut mid-word. */
	for (i = 0; i < nitems(forms); i++) {
		s = xasprintf("%s%dx%d%s", forms[i], TUI_MIN_COLS, TUI_MIN_ROWS,
		    i == 0 ? ")" : "");
		if ((int)strlen(s) <= t->cols || i == nitems(forms) - 1)
			break;
		free(s);
	}
	len = (int)strlen(s);
	tui_screen_puts(y > 0 ? y - 1 : 0, t->cols > len ? (t->cols - len) / 2 :
	    0, t->cols, s, ROLE_ERROR);
	free(s);
	s = xasprintf("now %dx%d", t->cols, t->rows);
	len = (int)strlen(s);
	tui_screen_puts(y, t->cols > len ? (t->cols - len) / 2 : 0, t->cols, s,
	    ROLE_NOTICE);
	free(s);
	curs_set(0);
	tui_screen_flush(1);
}

/* One frame; ui: the interface changed (else only the terminal pane did). */
void
tui_draw(struct tui *t, int ui)
{
	int cur_y = -1, cur_x = -1, r, c, vis, full = t->full, browsing;
	char *extra;

	tui_confirm_sync(t);
	if (t->relayout)
		tui_layout(t);
	full = t->full;
	if (t->too_small) {
		tui_draw_too_small(t);
		t->full = 0;
		return;
	}
	if (full)
		erase();
	if (!ui && !full) {
		/* Shell output only: repaint the pane's dirty rows, nothing else. */
		tui_vtpane_draw(t->vt, t->term_r.y, t->term_r.x, 0);
		if (t->focus == FOCUS_TERM && tui_vtpane_cursor(t->vt, &r, &c)) {
			move(t->term_r.y + r, t->term_r.x + c);
			curs_set(1);
		} else if (t->focus == FOCUS_TERM)
			curs_set(0);
		else if (t->cur_y >= 0)
			move(t->cur_y, t->cur_x);	/* where the last frame had it */
		if (tui_vtpane_take_bell(t->vt) > 0)
			tui_screen_raw("\a", 1);
		tui_screen_flush(0);
		return;
	}
	if (t->show_chat) {
		extra = t->select_mode ? xstrdup("select: Up/Down y copy c part "
		    "o fold Esc") : t->chat_offset > 0 ? xstrdup("(scrolled)") :
		    xstrdup("");
		tui_draw_title(&t->chat_title, "chat", extra, t->focus ==
		    FOCUS_CHAT, "keys here");
		free(extra);
		tui_draw_chat(t, &cur_y, &cur_x);
		tui_draw_input(t, &cur_y, &cur_x);
		tui_mention_draw(t);	/* the @path popup, over the chat */
	}
	if (t->sep_r.h > 0)
		for (r = 0; r < t->sep_r.h; r++)
			tui_screen_puts(t->sep_r.y + r, t->sep_r.x, 1,
			    tui_glyph->vline, ROLE_BORDER);
	if (t->show_term) {
		browsing = tui_vtpane_scroll_offset(t->vt) > 0 || t->term_scroll;
		if (browsing)
			extra = xasprintf("scrollback %d/%d", tui_vtpane_scroll_offset(
			    t->vt), tui_vtpane_scrollback_lines(t->vt));
		else if (t->shell_dead)
			extra = xstrdup("(the shell exited; Enter here restarts it)");
		else
			extra = xasprintf("%s %s", t->s->ws->shell_name != NULL ?
			    t->s->ws->shell_name : "sh", agent_get_state(
			    t->s->agent) == AGENT_RUNNING ? "(agent running)" : "");
		tui_draw_title(&t->term_title, "terminal", extra, t->focus ==
		    FOCUS_TERM, browsing ? "PgUp/PgDn, q ends" :
		    "all keys go to the shell (C-] back)");
		free(extra);
		tui_vtpane_draw(t->vt, t->term_r.y, t->term_r.x, full);
		if (t->focus == FOCUS_TERM) {
			vis = tui_vtpane_cursor(t->vt, &r, &c);
			if (vis) {
				cur_y = t->term_r.y + r;
				cur_x = t->term_r.x + c;
			}
		}
	}
	tui_draw_status(t);
	if (tui_vtpane_take_bell(t->vt) > 0)
		tui_screen_raw("\a", 1);
	if (cur_y >= 0) {
		move(cur_y, cur_x);
		curs_set(1);
	} else
		curs_set(0);
	t->cur_y = cur_y;
	t->cur_x = cur_x;
	tui_screen_flush(full);
	t->full = 0;
	if (!t->first_frame) {
		t->first_frame = 1;
		log_debug("first frame %llu ms after start", (unsigned long long)
		    (util_now_ms() - t->start_ms));
	}
}
