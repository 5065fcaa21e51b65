/*
 * confirm.c: the confirmation prompt.
 *
 * When the policy asks about an action, the agent holds it in its pending
 * queue (agent_pending()); this prompt shows the oldest one over the chat
 * pane: the tool, the action in full (the command, or the diff of a file
 * edit), the risk with its reason and the rule that decided, and the keys.
 * y approves; n asks for an optional reason (Enter sends it to the model);
 * a asks for the scope of "always allow" (session, project, user) showing
 * the rule that would be added; d toggles the details (the whole preview);
 * Esc hides the prompt and leaves the action pending (F9 brings it back).
 * With several pending, they come one at a time with "1 of N".  The answer
 * is handed back to tui.c, which calls agent_confirm(); nothing here talks
 * to the agent, so it is testable with a made-up queue.
 *
 * An answer is only ever given on purpose.  The prompt holds the keyboard
 * or it does not, and says which:
 *   - a new prompt takes the keyboard only if the person is not typing (the
 *     input is empty and no key came in the last second) and the chat has
 *     the keyboard; otherwise it waits, saying that Tab or F9 (F9 alone from
 *     the terminal pane) answers it, and keys go where they were going;
 *   - once it holds the keyboard, keys in the first confirm_delay ms (input
 *     protection, as browsers do for their security dialogs) never answer
 *     it: if it took the keyboard by itself, such a key means the person was
 *     typing, so the prompt lets go and the key goes to the input; if Tab or
 *     F9 gave it the keyboard, the key is ignored and the prompt says so;
 *   - after the delay y/n/a/d answer; other text keys let go of a keyboard
 *     the prompt took by itself (the key goes to the input), and are ignored
 *     when the person gave it the keyboard;
 *   - Esc hides the prompt and gives the keyboard back where it was (the
 *     terminal pane if F9 took it from there); so does an answer.
 * Text in the input is never touched, so nothing typed is lost.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/agent.h"
#include "cade/policy.h"
#include "cade/safe.h"
#include "cade/util.h"
#include "tui-int.h"

#define CONFIRM_PREVIEW_LINES	12

enum confirm_mode { CF_MAIN, CF_REASON, CF_SCOPE };

struct tui_confirm {
	enum confirm_mode mode;
	int		 hidden;	/* Esc: hidden until F9 or a new action */
	int		 holds;		/* keys go to the prompt */
	int		 by_itself;	/* it took the keyboard, nobody gave it */
	int		 from_term;	/* taken from the terminal pane */
	int		 term_focus;	/* (waiting) the terminal pane has the keys */
	uint64_t	 armed_at;	/* keys count from then on */
	int		 armed;
	int		 ignored;	/* a key fell in the protection delay */
	int		 details;
	char		*current;	/* call id shown */
	char		**seen;		/* call ids already announced */
	size_t		 nseen;
	struct tui_input *reason;
};

/* See tui-int.h. */
struct tui_confirm *
tui_confirm_new(void)
{
	struct tui_confirm *cf = xcalloc(1, sizeof *cf);

	cf->reason = tui_input_new(NULL, 1);
	return cf;
}

/* See tui-int.h. */
void
tui_confirm_free(struct tui_confirm *cf)
{
	size_t i;

	if (cf == NULL)
		return;
	for (i = 0; i < cf->nseen; i++)
		free(cf->seen[i]);
	free(cf->seen);
	free(cf->current);
	tui_input_free(cf->reason);
	free(cf);
}

/* 1 if id was announced before. */
static int
confirm_seen(struct tui_confirm *cf, const char *id)
{
	size_t i;

	for (i = 0; i < cf->nseen; i++)
		if (strcmp(cf->seen[i], id) == 0)
			return 1;
	return 0;
}

/* The prompt holds the keyboard from now on; keys count after the delay. */
static void
confirm_hold(struct tui_confirm *cf, const struct tui_confirm_ctx *x,
    int by_itself)
{
	cf->holds = 1;
	cf->hidden = 0;
	cf->by_itself = by_itself;
	cf->ignored = 0;
	cf->armed_at = x->now + (uint64_t)(x->delay > 0 ? x->delay : 0);
	cf->armed = x->delay <= 0;
}

/*
 * The queue changed (or time passed): returns 1 when an action not seen
 * before is waiting (ring the bell, notify, show the prompt again).
 */
int
tui_confirm_update(struct tui_confirm *cf, const struct agent_pending *p,
    size_t n, const struct tui_confirm_ctx *x)
{
	size_t i;
	int fresh = 0, held = cf->holds && cf->current != NULL;

	for (i = 0; i < n; i++) {
		if (p[i].call_id == NULL || confirm_seen(cf, p[i].call_id))
			continue;
		cf->seen = xreallocarray(cf->seen, cf->nseen + 1,
		    sizeof *cf->seen);
		cf->seen[cf->nseen++] = xstrdup(p[i].call_id);
		fresh = 1;
	}
	if (fresh)
		cf->hidden = 0;
	if (n == 0 || cf->current == NULL || p[0].call_id == NULL ||
	    strcmp(cf->current, p[0].call_id) != 0) {
		free(cf->current);
		cf->current = n > 0 && p[0].call_id ? xstrdup(p[0].call_id) : NULL;
		cf->mode = CF_MAIN;
		cf->details = 0;
		tui_input_clear(cf->reason);
		cf->holds = 0;
		if (cf->current != NULL && !x->term_focus && !cf->hidden) {
			/* The next of several keeps a keyboard given on purpose. */
			if (held)
				confirm_hold(cf, x, 0);
			else if (!x->typing)
				confirm_hold(cf, x, 1);
		}
	}
	if (x->term_focus && cf->holds) {
		cf->holds = 0;	/* F2 took the keys to the pane */
		cf->mode = CF_MAIN;
	}
	cf->term_focus = x->term_focus;
	if (cf->holds && !cf->armed && x->now >= cf->armed_at)
		cf->armed = 1;
	return fresh;
}

/* See tui-int.h. */
void
tui_confirm_take(struct tui_confirm *cf, const struct tui_confirm_ctx *x,
    int from_term)
{
	if (cf->current == NULL)
		return;
	if (cf->holds && !cf->hidden)
		return;
	confirm_hold(cf, x, 0);
	cf->from_term = from_term;
	cf->mode = CF_MAIN;
}

/* See tui-int.h. */
int
tui_confirm_holds(const struct tui_confirm *cf, size_t npending)
{
	return npending > 0 && !cf->hidden && cf->holds;
}

/* See tui-int.h. */
uint64_t
tui_confirm_wake(const struct tui_confirm *cf)
{
	return cf->holds && !cf->armed ? cf->armed_at : 0;
}

/* See tui-int.h. */
int
tui_confirm_from_term(struct tui_confirm *cf)
{
	int r = cf->from_term;

	cf->from_term = 0;
	return r;
}

/* See tui-int.h. */
int
tui_confirm_visible(const struct tui_confirm *cf, size_t npending)
{
	return npending > 0 && !cf->hidden;
}

/* A key a person types as text (it would go into the input). */
static int
confirm_text_key(const struct tui_key *k)
{
	if (k->key == TUI_KEY_PASTE)
		return 1;
	if (k->mod & (TUI_MOD_CTRL | TUI_MOD_ALT))
		return 0;
	return (k->key >= 0x20 && k->key < 0x110000 && k->key != 0x7f) ||
	    k->key == '\r' || k->key == 0x7f || k->key == '\b';
}

/* Wrapped text with the box gutter. */
static void
confirm_text(struct tui_lines *out, int width, const char *text, uint8_t role)
{
	struct tui_wrap w;
	char *g = xasprintf("%s ", tui_glyph->vline);
	wchar_t *ind = tui_utf8_to_wcs(g, strlen(g), NULL);

	tui_wrap_begin(&w, out, width, ROLE_CONFIRM, -1, g, ROLE_CONFIRM_FRAME,
	    ind, ROLE_CONFIRM_FRAME);
	tui_wrap_text(&w, text, strlen(text), role);
	tui_wrap_end(&w);
	free(ind);
	free(g);
}

/* "key label" pairs on one line. */
static void
confirm_keys(struct tui_lines *out, const char *const *kv, size_t n)
{
	struct tui_line *l = tui_lines_add(out, ROLE_CONFIRM, -1);
	size_t i;

	tui_line_puts(l, tui_glyph->vline, ROLE_CONFIRM_FRAME);
	for (i = 0; i + 1 < n; i += 2) {
		tui_line_puts(l, i > 0 ? "  " : " ", ROLE_CONFIRM);
		tui_line_puts(l, kv[i], ROLE_CONFIRM_KEY);
		tui_line_puts(l, " ", ROLE_CONFIRM);
		tui_line_puts(l, kv[i + 1], ROLE_CONFIRM);
	}
}

/* The colour role of a risk level. */
static uint8_t
confirm_risk_role(enum risk r)
{
	switch (r) {
	case RISK_LOW: return ROLE_RISK_LOW;
	case RISK_MEDIUM: return ROLE_RISK_MEDIUM;
	case RISK_HIGH: return ROLE_RISK_HIGH;
	default: return ROLE_RISK_UNKNOWN;
	}
}

/*
 * Lay the prompt out for width columns (at most max_rows; the preview
 * gives way first).  cur_row, cur_col: where the cursor goes while a
 * reason is typed (-1 otherwise).
 */
void
tui_confirm_layout(struct tui_confirm *cf, const struct agent_pending *p,
    size_t n, int width, int max_rows, struct tui_lines *out, int *cur_row,
    int *cur_col)
{
	static const char *const main_keys[] = {
		"y", "approve", "n", "reject", "a",
		"always allow", "d", "details", "Esc", "later"
	};
	static const char *const scope_keys[] = {
		"s", "this session", "p", "this project", "u", "everywhere (user)",
		"Esc", "back"
	};
	const struct policy_verdict *v = p[0].verdict;
	struct tui_lines pv, in;
	struct tui_line *l;
	char *s, *safe = NULL;
	int i, room, ir, ic, fixed;

	*cur_row = *cur_col = -1;
	l = tui_lines_add(out, ROLE_CONFIRM, -1);
	tui_line_puts(l, tui_glyph->tl, ROLE_CONFIRM_FRAME);
	s = n > 1 ? xasprintf(" confirm %d of %zu ", 1, n) :
	    xstrdup(" confirm ");
	tui_line_puts(l, s, ROLE_CONFIRM_TITLE);
	free(s);
	tui_line_puts(l, " ", ROLE_CONFIRM_FRAME);
	tui_line_puts(l, p[0].tool != NULL ? p[0].tool : "?", ROLE_CARD_TOOL);
	tui_line_puts(l, " ", ROLE_CONFIRM_FRAME);
	if (v != NULL) {
		s = xasprintf(" %s ", policy_risk_name(v->risk));
		tui_line_puts(l, s, confirm_risk_role(v->risk));
		free(s);
	}
	/* Who has the keyboard: this prompt, the input, or the pane. */
	tui_line_puts(l, " ", ROLE_CONFIRM_FRAME);
	tui_line_puts(l, cf->holds ? " keys: here " : cf->term_focus ?
	    " keys: terminal " : " keys: input ", ROLE_CONFIRM_TITLE);
	tui_line_puts(l, " ", ROLE_CONFIRM_FRAME);
	while (l->width < width)
		tui_line_puts(l, tui_glyph->hline, ROLE_CONFIRM_FRAME);

	/* The model wrote the action: controls are shown, never obeyed. */
	s = p[0].summary != NULL ? safe_text(p[0].summary,
	    strlen(p[0].summary), SAFE_VISIBLE, NULL) : xstrdup("");
	confirm_text(out, width, s, ROLE_BOLD);
	free(s);
	if (v != NULL) {
		s = xasprintf("%s risk: %s", policy_risk_name(v->risk),
		    v->reason != NULL ? v->reason : "");
		safe = safe_text(s, strlen(s), SAFE_VISIBLE, NULL);
		confirm_text(out, width, safe, confirm_risk_role(v->risk));
		free(safe);
		free(s);
		s = xasprintf("rule: %s", v->rule != NULL ? v->rule : "?");
		confirm_text(out, width, s, ROLE_NOTICE);
		free(s);
	}
	if (p[0].undo != NULL)
		confirm_text(out, width, p[0].undo, ROLE_NOTICE);
	/* Everything but the preview: the frame, keys and mode lines. */
	fixed = out->n + 3;
	if (p[0].preview != NULL && *p[0].preview != '\0') {
		char *g = xasprintf("%s ", tui_glyph->vline);
		const char *q, *nl;
		int total = 0, limit;
		size_t ll;
		uint8_t r;

		safe = safe_text(p[0].preview, strlen(p[0].preview),
		    SAFE_VISIBLE, NULL);
		q = safe;
		for (nl = q; *nl != '\0'; nl++)
			total += *nl == '\n';
		room = max_rows - fixed;
		limit = cf->details ? room : (room < CONFIRM_PREVIEW_LINES ?
		    room : CONFIRM_PREVIEW_LINES);
		if (limit < 1)
			limit = 1;
		tui_lines_init(&pv);
		for (i = 0; *q != '\0' && i < limit; i++) {
			nl = strchr(q, '\n');
			ll = nl != NULL ? (size_t)(nl - q) : strlen(q);
			r = ROLE_CONFIRM;
			if (ll > 0 && (strncmp(q, "+++", 3) == 0 ||
			    strncmp(q, "---", 3) == 0))
				r = ROLE_DIFF_HEADER;
			else if (ll > 0 && q[0] == '+')
				r = ROLE_DIFF_ADD;
			else if (ll > 0 && q[0] == '-')
				r = ROLE_DIFF_DEL;
			else if (ll > 0 && q[0] == '@')
				r = ROLE_DIFF_HUNK;
			if (i == limit - 1 && total > limit) {
				s = xasprintf("%s %d more lines (d: details)",
				    tui_glyph->ellipsis, total - i);
				tui_line_cut(&pv, width, ROLE_CONFIRM, -1, g,
				    ROLE_CONFIRM_FRAME, s, strlen(s), ROLE_FOLD);
				free(s);
				break;
			}
			tui_line_cut(&pv, width, ROLE_CONFIRM, -1, g,
			    ROLE_CONFIRM_FRAME, q, ll, r);
			if (nl == NULL)
				break;
			q = nl + 1;
		}
		tui_lines_take(out, &pv);
		free(g);
		free(safe);
	}
	if (cf->details && v != NULL && v->suggest != NULL) {
		s = xasprintf("always allow would add: %s", v->suggest);
		safe = safe_text(s, strlen(s), SAFE_VISIBLE, NULL);
		confirm_text(out, width, safe, ROLE_NOTICE);
		free(safe);
		free(s);
	}
	switch (cf->mode) {
	case CF_MAIN:
		if (!cf->holds)
			confirm_text(out, width, cf->term_focus ? "keys go to "
			    "the terminal pane: F9 answers this prompt" :
			    "you are typing, so keys go to the input: Tab or F9 "
			    "answers this prompt (your text stays)", ROLE_NOTICE);
		else if (!cf->armed)
			confirm_text(out, width, cf->ignored ? "keys here in a "
			    "moment (key ignored: the prompt just took the "
			    "keyboard)" : "keys here in a moment", ROLE_NOTICE);
		else
			confirm_keys(out, main_keys, nitems(main_keys));
		break;
	case CF_SCOPE:
		s = xasprintf("always allow %s for:", v != NULL &&
		    v->suggest != NULL ? v->suggest : p[0].summary);
		safe = safe_text(s, strlen(s), SAFE_VISIBLE, NULL);
		confirm_text(out, width, safe, ROLE_CONFIRM);
		free(safe);
		free(s);
		confirm_keys(out, scope_keys, nitems(scope_keys));
		break;
	case CF_REASON:
		confirm_text(out, width, "reason for the model (optional; Enter "
		    "rejects, Esc goes back):", ROLE_CONFIRM);
		tui_lines_init(&in);
		tui_input_layout(cf->reason, width - 2, &in, &ir, &ic);
		*cur_row = out->n + ir;
		*cur_col = ic + 2;
		for (i = 0; i < in.n; i++) {
			l = tui_lines_add(out, ROLE_CONFIRM, -1);
			tui_line_puts(l, tui_glyph->vline, ROLE_CONFIRM_FRAME);
			tui_line_puts(l, " ", ROLE_CONFIRM);
			{
				int j;

				for (j = 0; j < in.v[i].len; j++)
					tui_line_putw(l, in.v[i].wc[j],
					    in.v[i].role[j]);
			}
		}
		tui_lines_free(&in);
		break;
	}
	l = tui_lines_add(out, ROLE_CONFIRM, -1);
	tui_line_puts(l, tui_glyph->bl, ROLE_CONFIRM_FRAME);
	while (l->width < width)
		tui_line_puts(l, tui_glyph->hline, ROLE_CONFIRM_FRAME);
	/* Too tall: drop preview lines from the middle is not worth it; cut. */
	while (out->n > max_rows && out->n > 2) {
		tui_line_free(&out->v[1]);
		memmove(&out->v[1], &out->v[2], (size_t)(out->n - 2) *
		    sizeof out->v[0]);
		out->n--;
		if (*cur_row > 0)
			(*cur_row)--;
	}
}

/* y: approve. */
int
tui_confirm_approve(struct tui_confirm *cf, const struct tui_key *k,
    struct tui_confirm_answer *ans)
{
	(void)cf;
	(void)k;
	ans->answer = ANSWER_APPROVE;
	return 2;
}

/* n: reject, after an optional reason. */
int
tui_confirm_reject(struct tui_confirm *cf, const struct tui_key *k,
    struct tui_confirm_answer *ans)
{
	(void)k;
	(void)ans;
	cf->mode = CF_REASON;
	tui_input_clear(cf->reason);
	return 1;
}

/* a: always allow, in a scope chosen next. */
int
tui_confirm_always(struct tui_confirm *cf, const struct tui_key *k,
    struct tui_confirm_answer *ans)
{
	(void)k;
	(void)ans;
	cf->mode = CF_SCOPE;
	return 1;
}

/* d: details shown or hidden. */
int
tui_confirm_details(struct tui_confirm *cf, const struct tui_key *k,
    struct tui_confirm_answer *ans)
{
	(void)k;
	(void)ans;
	cf->details = !cf->details;
	return 1;
}

/* Esc: hide the prompt, the keys go back. */
int
tui_confirm_hide(struct tui_confirm *cf, const struct tui_key *k,
    struct tui_confirm_answer *ans)
{
	(void)k;
	(void)ans;
	cf->hidden = 1;
	cf->holds = 0;
	return TUI_CONFIRM_RELEASE;
}

/*
 * A key while the prompt shows.  Returns 0 if not ours, 1 if used, 2 if an
 * answer is ready in *ans (reason owned by the caller).
 */
int
tui_confirm_key(struct tui_confirm *cf, const struct tui_key *k,
    const struct agent_pending *p, size_t n, struct tui_confirm_answer *ans,
    const struct tui_confirm_ctx *x)
{
	const struct tui_help_key *row;
	int c = k->key;

	if (n == 0 || cf->hidden || !cf->holds)
		return 0;
	if (!cf->armed && x->now >= cf->armed_at)
		cf->armed = 1;
	memset(ans, 0, sizeof *ans);
	ans->call_id = p[0].call_id;
	switch (cf->mode) {
	case CF_REASON:
		if (c == 0x1b) {
			cf->mode = CF_MAIN;
			return 1;
		}
		if (c == '\r' && k->mod == 0) {
			ans->answer = ANSWER_REJECT;
			ans->reason = tui_input_take(cf->reason);
			cf->mode = CF_MAIN;
			return 2;
		}
		tui_input_key(cf->reason, k);
		return 1;
	case CF_SCOPE:
		if (c == 0x1b) {
			cf->mode = CF_MAIN;
			return 1;
		}
		if (k->mod != 0 || (c != 's' && c != 'p' && c != 'u'))
			return 1;
		ans->answer = ANSWER_ALWAYS;
		ans->scope = c == 's' ? SCOPE_SESSION : c == 'p' ?
		    SCOPE_PROJECT : SCOPE_USER;
		cf->mode = CF_MAIN;
		return 2;
	case CF_MAIN:
		break;
	}
	/* The prompt's keys are the rows of tui_confirm_keys (commands.c). */
	row = k->mod == 0 ? tui_key_row(tui_confirm_keys,
	    tui_confirm_keys_size, k) : NULL;
	if (row != NULL && row->early && row->confirm != NULL)
		return row->confirm(cf, k, ans);
	if (!cf->armed) {
		if (cf->by_itself && confirm_text_key(k)) {
			cf->holds = 0;	/* typing: the key goes to the input */
			return 0;
		}
		cf->ignored = 1;
		return 1;
	}
	if (k->mod != 0)
		return 0;
	if (row != NULL && row->confirm != NULL)
		return row->confirm(cf, k, ans);
	if (!confirm_text_key(k))
		return 0;	/* scrolling and the like */
	if (cf->by_itself) {
		cf->holds = 0;	/* typing: the key goes to the input */
		return 0;
	}
	return 1;
}

/* See tui-int.h. */
char *
tui_confirm_notify_seq(const char *mode, const char *term, const char *vte,
    int tmux, const char *text, size_t *len)
{
	struct buf b;
	char *safe;
	int osc777;

	if (mode == NULL || strcmp(mode, "off") == 0)
		return NULL;
	if (strcmp(mode, "auto") == 0)
		osc777 = (vte != NULL && *vte != '\0') || (term != NULL &&
		    (strncmp(term, "foot", 4) == 0 ||
		    strncmp(term, "rxvt", 4) == 0));
	else
		osc777 = strcmp(mode, "osc777") == 0;
	safe = safe_text(text, strlen(text), SAFE_STRIP, NULL);
	buf_init(&b, 0);
	if (tmux)
		(void)buf_puts(&b, "\033Ptmux;\033");	/* ESC doubled inside */
	if (osc777)
		(void)buf_printf(&b, "\033]777;notify;cade;%s\a", safe);
	else
		(void)buf_printf(&b, "\033]9;%s\a", safe);
	if (tmux)
		(void)buf_puts(&b, "\033\\");
	free(safe);
	return buf_detach(&b, len);
}
