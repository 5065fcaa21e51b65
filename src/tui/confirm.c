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
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/agent.h"
#include "cade/policy.h"
#include "cade/util.h"
#include "tui-int.h"

#define CONFIRM_PREVIEW_LINES	12

enum confirm_mode { CF_MAIN, CF_REASON, CF_SCOPE };

struct tui_confirm {
	enum confirm_mode mode;
	int		 hidden;	/* Esc: hidden until F9 or a new action */
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

/*
 * The queue changed: returns 1 when an action not seen before is waiting
 * (ring the bell, show the prompt again).
 */
int
tui_confirm_update(struct tui_confirm *cf, const struct agent_pending *p,
    size_t n)
{
	size_t i;
	int fresh = 0;

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
	}
	return fresh;
}

/* See tui-int.h. */
int
tui_confirm_visible(const struct tui_confirm *cf, size_t npending)
{
	return npending > 0 && !cf->hidden;
}

/* See tui-int.h. */
void
tui_confirm_show(struct tui_confirm *cf)
{
	cf->hidden = 0;
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
		"y", "approve", "n", "reject", "a", "always allow", "d",
		"details", "Esc", "later"
	};
	static const char *const scope_keys[] = {
		"s", "this session", "p", "this project", "u", "everywhere (user)",
		"Esc", "back"
	};
	const struct policy_verdict *v = p[0].verdict;
	struct tui_lines pv, in;
	struct tui_line *l;
	char *s;
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
	while (l->width < width)
		tui_line_puts(l, tui_glyph->hline, ROLE_CONFIRM_FRAME);

	confirm_text(out, width, p[0].summary != NULL ? p[0].summary : "",
	    ROLE_BOLD);
	if (v != NULL) {
		s = xasprintf("%s risk: %s", policy_risk_name(v->risk),
		    v->reason != NULL ? v->reason : "");
		confirm_text(out, width, s, confirm_risk_role(v->risk));
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
		const char *q = p[0].preview, *nl;
		int total = 0, limit;
		size_t ll;
		uint8_t r;

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
	}
	if (cf->details && v != NULL && v->suggest != NULL) {
		s = xasprintf("always allow would add: %s", v->suggest);
		confirm_text(out, width, s, ROLE_NOTICE);
		free(s);
	}
	switch (cf->mode) {
	case CF_MAIN:
		confirm_keys(out, main_keys, nitems(main_keys));
		break;
	case CF_SCOPE:
		s = xasprintf("always allow %s for:", v != NULL &&
		    v->suggest != NULL ? v->suggest : p[0].summary);
		confirm_text(out, width, s, ROLE_CONFIRM);
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

/*
 * A key while the prompt shows.  Returns 0 if not ours, 1 if used, 2 if an
 * answer is ready in *ans (reason owned by the caller).
 */
int
tui_confirm_key(struct tui_confirm *cf, const struct tui_key *k,
    const struct agent_pending *p, size_t n, struct tui_confirm_answer *ans)
{
	int c = k->key;

	if (n == 0 || cf->hidden)
		return 0;
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
	if (k->mod != 0)
		return 0;
	switch (c) {
	case 'y': case 'Y':
		ans->answer = ANSWER_APPROVE;
		return 2;
	case 'n': case 'N':
		cf->mode = CF_REASON;
		tui_input_clear(cf->reason);
		return 1;
	case 'a': case 'A':
		cf->mode = CF_SCOPE;
		return 1;
	case 'd': case 'D':
		cf->details = !cf->details;
		return 1;
	case 0x1b:
		cf->hidden = 1;
		return 1;
	}
	return 0;
}
