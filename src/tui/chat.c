/*
 * chat.c: the chat pane's model and its rendering.
 *
 * Bus events (doc/EVENTS.md) become items: the person's messages, the
 * agent's answers (growing delta by delta while they stream), tool cards
 * (one per call: the call, the policy decision, running, the observation),
 * notices, errors and retries.  Each item renders itself into styled lines
 * for a given width; the lines are cached per item and redone only when the
 * item changes or the width does, so a streamed token re-lays out one
 * message, not the whole history.  Answers are light markdown (headings,
 * bold, inline code, fenced code blocks framed and never reflowed, lists,
 * quotes); observations are folded to a few lines until expanded.  The view
 * (a flat array of line pointers over every item) is rebuilt only when the
 * total changed.  No terminal I/O.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/agent.h"
#include "cade/buf.h"
#include "cade/event.h"
#include "cade/image.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "tui-int.h"

#define CHAT_FOLD_LINES		4	/* observation lines shown folded */
#define CHAT_FOLD_DIFF		16	/* diff lines shown folded */
#define CHAT_MAX_EXPANDED	5000	/* lines of one expanded observation */
#define CHAT_MAX_TEXT		(8 * 1024 * 1024)

enum chat_status {
	ST_PENDING, ST_ASKING, ST_RUNNING, ST_DONE, ST_FAILED, ST_REFUSED
};

struct chat_item {
	enum tui_item_kind kind;
	struct buf	 text;		/* message, notice, observation summary */
	struct buf	 reasoning;
	int		 streaming;
	int		 cancelled;
	/* tool cards */
	char		*call_id;
	char		*tool;
	char		*summary;
	char		*risk;
	char		*rule;
	char		*reason;
	char		*by;
	enum chat_status status;
	double		 duration_ms;
	int		 has_exit;
	int		 exit_code;
	int		 timed_out;
	char		*obs;
	char		*diff;
	cJSON		*plan;
	int		 expanded;
	/* render cache */
	struct tui_lines lines;
	int		 width;		/* 0: stale */
	int		 nblocks;
};

struct tui_chat {
	struct chat_item **items;
	int		 n;
	int		 cap;
	int		 selected;
	const struct tui_line **view;
	int		 nview;
	int		 viewcap;
	int		 view_width;
	int		 view_stale;
};

/* See tui-int.h. */
struct tui_chat *
tui_chat_new(void)
{
	struct tui_chat *c = xcalloc(1, sizeof *c);

	c->selected = -1;
	c->view_stale = 1;
	return c;
}

/* Free one item and its cached lines. */
static void
chat_item_free(struct chat_item *it)
{
	buf_free(&it->text);
	buf_free(&it->reasoning);
	free(it->call_id);
	free(it->tool);
	free(it->summary);
	free(it->risk);
	free(it->rule);
	free(it->reason);
	free(it->by);
	free(it->obs);
	free(it->diff);
	cJSON_Delete(it->plan);
	tui_lines_free(&it->lines);
	free(it);
}

/* See tui-int.h. */
void
tui_chat_clear(struct tui_chat *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		chat_item_free(c->items[i]);
	c->n = 0;
	c->selected = -1;
	c->view_stale = 1;
}

/* See tui-int.h. */
void
tui_chat_free(struct tui_chat *c)
{
	if (c == NULL)
		return;
	tui_chat_clear(c);
	free(c->items);
	free(c->view);
	free(c);
}

/* Append a new empty item of a kind. */
static struct chat_item *
chat_add(struct tui_chat *c, enum tui_item_kind kind)
{
	struct chat_item *it = xcalloc(1, sizeof *it);

	it->kind = kind;
	buf_init(&it->text, CHAT_MAX_TEXT);
	buf_init(&it->reasoning, CHAT_MAX_TEXT);
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->items = xreallocarray(c->items, (size_t)c->cap,
		    sizeof *c->items);
	}
	c->items[c->n++] = it;
	c->view_stale = 1;
	return it;
}

/* The item changed: re-render it at the next frame. */
static void
chat_dirty(struct tui_chat *c, struct chat_item *it)
{
	it->width = 0;
	c->view_stale = 1;
}

/* Replace a string field with a copy (NULL clears it). */
static void
chat_set(char **dst, const char *s)
{
	free(*dst);
	*dst = s != NULL ? xstrdup(s) : NULL;
}

/* The tool card for a call id (newest first), or NULL. */
static struct chat_item *
chat_find_call(struct tui_chat *c, const char *id)
{
	int i;

	if (id == NULL)
		return NULL;
	for (i = c->n - 1; i >= 0; i--)
		if (c->items[i]->kind == ITEM_TOOL && c->items[i]->call_id &&
		    strcmp(c->items[i]->call_id, id) == 0)
			return c->items[i];
	return NULL;
}

/* The answer being streamed, if the last item is one. */
static struct chat_item *
chat_streaming(struct tui_chat *c)
{
	struct chat_item *it;

	if (c->n == 0)
		return NULL;
	it = c->items[c->n - 1];
	return it->kind == ITEM_ASSISTANT && it->streaming ? it : NULL;
}

/* A string argument, or NULL. */
static const char *
chat_arg(const cJSON *args, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * One line naming what a call does: "$ command" for a command it runs,
 * else the tool's own summary (the path, the pattern, ...).
 */
static char *
chat_summary(const struct tool_entry *t, const char *tool, const cJSON *args)
{
	struct tool_effects e;
	char *s;

	if (t == NULL || t->summary == NULL)
		return xstrdup("");
	tool_describe_entry(t, tool, args, &e);
	if (e.act.command != NULL && !e.act.input)
		s = xasprintf("$ %s", e.act.command);
	else
		s = t->summary(args);
	tool_effects_free(&e);
	return s;
}

/* 1 if the last item is an error that ends with msg (not worth repeating). */
static int
chat_just_said(const struct tui_chat *c, const char *msg)
{
	const struct chat_item *it = c->n > 0 ? c->items[c->n - 1] : NULL;
	size_t n = strlen(msg);

	return it != NULL && it->kind == ITEM_ERROR && n > 0 &&
	    it->text.len >= n && strcmp(it->text.s + it->text.len - n, msg) == 0;
}

/* Feed one event into the model. */
int
tui_chat_event(struct tui_chat *c, const struct event *ev,
    const struct agent *a)
{
	struct chat_item *it;
	const char *s;
	const cJSON *args, *plan, *extra;
	const struct tool_entry *te;
	char *t;
	int n;

	switch (ev->type) {
	case EV_SESSION_START:
		it = chat_add(c, ITEM_NOTICE);
		buf_printf(&it->text, "session %s%s · %s · %s %s",
		    event_str(ev, "id", "?"),
		    event_bool(ev, "resumed") ? " (resumed)" : "",
		    event_str(ev, "model", "?"), event_str(ev, "workspace", "local"),
		    event_str(ev, "workspace_id", event_str(ev, "root", "")));
		return 1;
	case EV_USER_MESSAGE:
		it = chat_add(c, ITEM_USER);
		s = event_str(ev, "text", "");
		tui_mention_fold(s, &it->text);	/* files after "@path" */
		image_notes(event_json(ev, "images"), &it->text);
		if (event_bool(ev, "automated"))
			it->kind = ITEM_NOTICE;
		return 1;
	case EV_ASSISTANT_DELTA:
	case EV_REASONING_DELTA:
		if ((it = chat_streaming(c)) == NULL) {
			it = chat_add(c, ITEM_ASSISTANT);
			it->streaming = 1;
		}
		buf_puts(ev->type == EV_ASSISTANT_DELTA ? &it->text :
		    &it->reasoning, event_str(ev, "text", ""));
		chat_dirty(c, it);
		return 1;
	case EV_ASSISTANT_MESSAGE:
		it = chat_streaming(c);
		s = event_str(ev, "text", "");
		if (it == NULL) {
			if (*s == '\0' && *event_str(ev, "reasoning", "") == '\0')
				return 0;	/* only tool calls: cards follow */
			it = chat_add(c, ITEM_ASSISTANT);
		}
		it->streaming = 0;
		buf_reset(&it->text);
		buf_puts(&it->text, s);
		buf_reset(&it->reasoning);
		buf_puts(&it->reasoning, event_str(ev, "reasoning", ""));
		it->cancelled = event_bool(ev, "cancelled") ||
		    event_bool(ev, "incomplete");
		if (it->text.len == 0 && it->reasoning.len == 0 &&
		    !it->cancelled) {
			/* Nothing to show: drop the empty streaming item. */
			chat_item_free(it);
			c->n--;
			c->view_stale = 1;
			return 1;
		}
		chat_dirty(c, it);
		return 1;
	case EV_TOOL_CALL:
		it = chat_add(c, ITEM_TOOL);
		chat_set(&it->call_id, event_str(ev, "call_id", NULL));
		chat_set(&it->tool, event_str(ev, "name", "?"));
		args = event_json(ev, "arguments");
		te = agent_tool(a, it->tool);
		if (cJSON_IsObject(args))
			it->summary = chat_summary(te, it->tool, args);
		else
			it->summary = xstrdup(event_str(ev, "arguments_text", ""));
		if (te != NULL && te->plan != NULL &&
		    cJSON_IsObject(args) && (plan = te->plan(args)) != NULL)
			it->plan = cJSON_Duplicate(plan, 1);
		it->status = ST_PENDING;
		return 1;
	case EV_POLICY_DECISION:
		if ((it = chat_find_call(c, event_str(ev, "call_id", NULL))) == NULL)
			return 0;
		chat_set(&it->risk, event_str(ev, "risk", NULL));
		chat_set(&it->rule, event_str(ev, "rule", NULL));
		chat_set(&it->reason, event_str(ev, "reason", NULL));
		chat_set(&it->by, event_str(ev, "by", NULL));
		/* A tool no longer at hand (an MCP tool replayed before its
		 * server is up): the summary its entry gave when judged. */
		if (it->summary != NULL && *it->summary == '\0' &&
		    *(s = event_str(ev, "action", "")) != '\0') {
			free(it->summary);
			it->summary = xstrdup(s);
		}
		s = event_str(ev, "decision", "allow");
		if (strcmp(s, "deny") == 0)
			it->status = ST_REFUSED;
		else if (strcmp(s, "ask") == 0)
			it->status = ST_ASKING;
		else
			it->status = ST_PENDING;
		chat_dirty(c, it);
		return 1;
	case EV_TOOL_RUNNING:
		if ((it = chat_find_call(c, event_str(ev, "call_id", NULL))) == NULL)
			return 0;
		it->status = ST_RUNNING;
		chat_dirty(c, it);
		return 1;
	case EV_TOOL_PROGRESS:
		/* Shown in the card until the observation replaces it. */
		if ((it = chat_find_call(c, event_str(ev, "call_id", NULL))) == NULL ||
		    it->status != ST_RUNNING)
			return 0;
		free(it->obs);
		if (event_num(ev, "total", 0) > 0)
			it->obs = xasprintf("progress %.0f/%.0f %s",
			    event_num(ev, "progress", 0), event_num(ev, "total", 0),
			    event_str(ev, "message", ""));
		else
			it->obs = xasprintf("progress %.0f %s",
			    event_num(ev, "progress", 0),
			    event_str(ev, "message", ""));
		chat_dirty(c, it);
		return 1;
	case EV_OBSERVATION:
		if ((it = chat_find_call(c, event_str(ev, "call_id", NULL))) == NULL) {
			it = chat_add(c, ITEM_TOOL);
			chat_set(&it->call_id, event_str(ev, "call_id", NULL));
			chat_set(&it->tool, event_str(ev, "name", "?"));
			it->summary = xstrdup("");
		}
		chat_set(&it->obs, event_str(ev, "text", ""));
		s = event_str(ev, "diff", NULL);
		chat_set(&it->diff, s != NULL && *s != '\0' ? s : NULL);
		it->duration_ms = event_num(ev, "duration_ms", 0);
		it->has_exit = event_has(ev, "exit_code");
		it->exit_code = (int)event_num(ev, "exit_code", 0);
		it->timed_out = event_bool(ev, "timed_out");
		if (event_bool(ev, "refused") || it->status == ST_REFUSED)
			it->status = ST_REFUSED;
		else if (event_bool(ev, "error") || (it->has_exit &&
		    it->exit_code != 0))
			it->status = ST_FAILED;
		else
			it->status = ST_DONE;
		extra = event_json(ev, "extra");
		if (cJSON_IsArray(plan = cJSON_GetObjectItemCaseSensitive(extra,
		    "plan"))) {
			cJSON_Delete(it->plan);
			it->plan = cJSON_Duplicate(plan, 1);
		}
		chat_dirty(c, it);
		return 1;
	case EV_STATE:
		s = event_str(ev, "to", "");
		if (strcmp(s, "stuck") == 0) {
			it = chat_add(c, ITEM_ERROR);
			buf_puts(&it->text, "the agent seems stuck (repeating "
			    "itself); it is paused: say how to go on");
			return 1;
		}
		return 0;
	case EV_RETRY:
		it = c->n > 0 ? c->items[c->n - 1] : NULL;
		if (it == NULL || it->kind != ITEM_RETRY)
			it = chat_add(c, ITEM_RETRY);
		buf_reset(&it->text);
		buf_printf(&it->text, "retrying %s (attempt %d of %d, in %.1fs): %s",
		    event_str(ev, "model", ""), (int)event_num(ev, "attempt", 0),
		    (int)event_num(ev, "max", 0),
		    event_num(ev, "delay_ms", 0) / 1000.0,
		    event_str(ev, "reason", ""));
		chat_dirty(c, it);
		return 1;
	case EV_ERROR:
		it = chat_add(c, ITEM_ERROR);
		buf_printf(&it->text, "%s: %s", event_str(ev, "kind", "error"),
		    event_str(ev, "message", ""));
		return 1;
	case EV_NOTICE:
		it = chat_add(c, ITEM_NOTICE);
		buf_puts(&it->text, event_str(ev, "text", ""));
		return 1;
	case EV_UNDO:
		it = chat_add(c, ITEM_NOTICE);
		n = cJSON_GetArraySize(event_json(ev, "files"));
		buf_printf(&it->text, "%s%s: %s (%d file%s changed back)",
		    event_str(ev, "action", "undo"), event_bool(ev, "forced") ?
		    " (forced)" : "", event_str(ev, "what", ""), n,
		    n == 1 ? "" : "s");
		return 1;
	case EV_CHECKPOINT:
		if ((n = cJSON_GetArraySize(event_json(ev, "big"))) == 0)
			return 0;
		it = chat_add(c, ITEM_NOTICE);
		buf_printf(&it->text, "checkpoint: %d file%s over "
		    "checkpoint_max_file not copied (undo cannot restore them), "
		    "e.g. %s", n, n == 1 ? "" : "s", cJSON_GetStringValue(
		    cJSON_GetArrayItem(event_json(ev, "big"), 0)));
		return 1;
	case EV_CONDENSATION:
		it = chat_add(c, ITEM_NOTICE);
		/* from/to: the history messages [from, to) the summary replaced. */
		buf_printf(&it->text, "context condensed (messages %.0f-%.0f "
		    "summarised, %.0f -> %.0f tokens)", event_num(ev, "from", 0) + 1,
		    event_num(ev, "to", 0), event_num(ev, "tokens_before", 0),
		    event_num(ev, "tokens_after", 0));
		return 1;
	case EV_FINISH:
		s = event_str(ev, "status", "finished");
		if (agent_end_from_name(s) == AGENT_END_REPLIED)
			return 0;	/* the answer is already shown */
		/* An error just shown is not shown again as the ending. */
		if (chat_just_said(c, event_str(ev, "message", "")))
			return 0;
		it = chat_add(c, ITEM_FINISH);
		t = xstrdup(event_str(ev, "message", ""));
		buf_printf(&it->text, "%s%s%s", s, *t != '\0' ? ": " : "", t);
		free(t);
		return 1;
	default:
		return 0;
	}
}

/* See tui-int.h. */
void
tui_chat_notice(struct tui_chat *c, enum tui_item_kind kind, const char *text)
{
	struct chat_item *it = chat_add(c, kind);

	buf_puts(&it->text, text);
}

/* ---- item rendering ---------------------------------------------- */

/* Indent every line of src by a gutter and move them to out. */
static void
chat_indent(struct tui_lines *out, struct tui_lines *src, const char *gutter,
    uint8_t role)
{
	struct tui_line *l;
	int i, j;

	for (i = 0; i < src->n; i++) {
		l = tui_lines_add(out, src->v[i].fill, src->v[i].item);
		tui_line_puts(l, gutter, role);
		for (j = 0; j < src->v[i].len; j++)
			tui_line_putw(l, src->v[i].wc[j], src->v[i].role[j]);
	}
	tui_lines_free(src);
}

/* Wrapped plain text with a gutter on every line. */
static void
chat_wrap_plain(struct tui_lines *out, int width, int item, const char *gutter,
    uint8_t groles, const char *text, size_t len, uint8_t role)
{
	struct tui_wrap w;
	wchar_t *ind;
	int i, n;

	ind = tui_utf8_to_wcs(gutter, strlen(gutter), &n);
	if (groles != ROLE_BORDER)	/* markers start a block; borders frame it */
		for (i = 0; i < n; i++)
			ind[i] = ' ';
	tui_wrap_begin(&w, out, width, ROLE_NORMAL, item, gutter, groles, ind,
	    groles);
	tui_wrap_text(&w, text, len, role);
	tui_wrap_end(&w);
	free(ind);
}

/* The word a card shows for its status. */
static const char *
chat_status_word(enum chat_status s)
{
	static const char *const words[] = {
		"pending", "waiting for you", "running", "done", "failed",
		"refused"
	};
	return words[s];
}

/* The colour role of a card status. */
static uint8_t
chat_status_role(enum chat_status s)
{
	switch (s) {
	case ST_PENDING: return ROLE_STATUS_PENDING;
	case ST_ASKING: return ROLE_STATUS_PENDING;
	case ST_RUNNING: return ROLE_STATUS_RUNNING;
	case ST_DONE: return ROLE_STATUS_DONE;
	case ST_FAILED: return ROLE_STATUS_FAILED;
	case ST_REFUSED: return ROLE_STATUS_REFUSED;
	}
	return ROLE_NORMAL;
}

/* The colour role of a risk badge. */
static uint8_t
chat_risk_role(const char *risk)
{
	if (risk == NULL)
		return ROLE_RISK_UNKNOWN;
	if (strcmp(risk, "LOW") == 0)
		return ROLE_RISK_LOW;
	if (strcmp(risk, "MEDIUM") == 0)
		return ROLE_RISK_MEDIUM;
	if (strcmp(risk, "HIGH") == 0)
		return ROLE_RISK_HIGH;
	return ROLE_RISK_UNKNOWN;
}

/* Lines of text, cut to width, at most max (0: all) with a fold marker. */
static void
chat_block(struct tui_lines *out, int width, int item, const char *gutter,
    const char *text, int max, uint8_t role, int diff, const char *hint)
{
	const char *p = text, *nl;
	int n = 0, total = 0;
	size_t ll;
	uint8_t r;
	struct tui_line *l;
	char *msg;

	for (nl = text; *nl != '\0'; nl++)
		if (*nl == '\n')
			total++;
	if (*text != '\0' && text[strlen(text) - 1] != '\n')
		total++;
	while (*p != '\0') {
		if (max > 0 && n == max && total > max) {
			l = tui_lines_add(out, ROLE_NORMAL, item);
			tui_line_puts(l, gutter, ROLE_BORDER);
			msg = xasprintf("%s %d more lines%s", tui_glyph->ellipsis,
			    total - max, hint);
			tui_line_puts(l, msg, ROLE_FOLD);
			free(msg);
			return;
		}
		nl = strchr(p, '\n');
		ll = nl != NULL ? (size_t)(nl - p) : strlen(p);
		r = role;
		if (diff && ll > 0) {
			if (strncmp(p, "+++", 3) == 0 || strncmp(p, "---", 3) == 0)
				r = ROLE_DIFF_HEADER;
			else if (p[0] == '+')
				r = ROLE_DIFF_ADD;
			else if (p[0] == '-')
				r = ROLE_DIFF_DEL;
			else if (p[0] == '@')
				r = ROLE_DIFF_HUNK;
		}
		tui_line_cut(out, width, ROLE_NORMAL, item, gutter, ROLE_BORDER,
		    p, ll, r);
		n++;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* The plan (task_tracker) as a checklist. */
static void
chat_plan(struct tui_lines *out, int width, int item, const char *gutter,
    const cJSON *plan)
{
	const cJSON *t;
	const char *title, *st;
	const char *box;
	uint8_t role;
	char *text;

	cJSON_ArrayForEach(t, plan) {
		title = chat_arg(t, "title");
		if (title == NULL)
			title = chat_arg(t, "content");
		if (title == NULL)
			title = "?";
		st = chat_arg(t, "status");
		if (st != NULL && (strcmp(st, "done") == 0 ||
		    strcmp(st, "completed") == 0)) {
			box = tui_glyph->box_done;
			role = ROLE_PLAN_DONE;
		} else if (st != NULL && (strcmp(st, "in_progress") == 0 ||
		    strcmp(st, "doing") == 0)) {
			box = tui_glyph->box_doing;
			role = ROLE_PLAN_DOING;
		} else {
			box = tui_glyph->box_todo;
			role = ROLE_PLAN_TODO;
		}
		text = xasprintf("%s %s", box, title);
		tui_line_cut(out, width, ROLE_NORMAL, item, gutter, ROLE_BORDER,
		    text, strlen(text), role);
		free(text);
	}
}

/* A tool card: header, the action, then folded output, diff or plan. */
static void
chat_render_tool(struct chat_item *it, int width, int idx, struct tui_lines *out)
{
	struct tui_line *l;
	char *g, *s;
	int w2;

	g = xasprintf("%s ", tui_glyph->vline);
	l = tui_lines_add(out, ROLE_NORMAL, idx);
	tui_line_puts(l, tui_glyph->tl, ROLE_BORDER);
	tui_line_puts(l, " ", ROLE_BORDER);
	tui_line_puts(l, it->tool, ROLE_CARD_TOOL);
	if (it->risk != NULL) {
		tui_line_puts(l, " ", ROLE_NORMAL);
		s = xasprintf(" %s ", it->risk);
		tui_line_puts(l, s, chat_risk_role(it->risk));
		free(s);
	}
	tui_line_puts(l, " ", ROLE_NORMAL);
	s = xasprintf("%s %s", it->status == ST_DONE ? tui_glyph->check :
	    it->status == ST_FAILED || it->status == ST_REFUSED ?
	    tui_glyph->cross : it->status == ST_RUNNING ? tui_glyph->spinner :
	    it->status == ST_ASKING ? tui_glyph->warn : tui_glyph->dot,
	    chat_status_word(it->status));
	tui_line_puts(l, s, chat_status_role(it->status));
	free(s);
	if (it->status == ST_DONE || it->status == ST_FAILED) {
		if (it->has_exit && it->exit_code != 0) {
			s = xasprintf(" exit %d", it->exit_code);
			tui_line_puts(l, s, ROLE_STATUS_FAILED);
			free(s);
		}
		if (it->timed_out)
			tui_line_puts(l, " (still running)", ROLE_STATUS_RUNNING);
		s = xasprintf("  %.1fs", it->duration_ms / 1000.0);
		tui_line_puts(l, s, ROLE_NOTICE);
		free(s);
	}
	if (l->width > width) {	/* a narrow chat: cut, marked */
		tui_line_clip(l, width - 1);
		tui_line_puts(l, tui_glyph->ellipsis, ROLE_FOLD);
	}
	w2 = width;
	if (it->summary != NULL && *it->summary != '\0')
		chat_wrap_plain(out, w2, idx, g, ROLE_BORDER, it->summary,
		    strlen(it->summary), ROLE_CARD);
	if ((it->status == ST_REFUSED || it->status == ST_ASKING) &&
	    it->reason != NULL && *it->reason != '\0') {
		s = xasprintf("%s%s%s%s", it->reason, it->rule ? " [" : "",
		    it->rule ? it->rule : "", it->rule ? "]" : "");
		chat_wrap_plain(out, w2, idx, g, ROLE_BORDER, s, strlen(s),
		    it->status == ST_REFUSED ? ROLE_STATUS_REFUSED : ROLE_NOTICE);
		free(s);
	}
	if (it->plan != NULL && cJSON_GetArraySize(it->plan) > 0)
		chat_plan(out, w2, idx, g, it->plan);
	else if (it->diff != NULL)
		chat_block(out, w2, idx, g, it->diff, it->expanded ?
		    CHAT_MAX_EXPANDED : CHAT_FOLD_DIFF, ROLE_NORMAL, 1,
		    " (C-o expands)");
	else if (it->obs != NULL && *it->obs != '\0' &&
	    it->status != ST_REFUSED)
		chat_block(out, w2, idx, g, it->obs, it->expanded ?
		    CHAT_MAX_EXPANDED : CHAT_FOLD_LINES, ROLE_OBSERVATION, 0,
		    it->expanded ? "" : " (C-o expands)");
	else if (it->obs != NULL && it->status == ST_REFUSED &&
	    (it->reason == NULL || *it->reason == '\0'))
		chat_block(out, w2, idx, g, it->obs, CHAT_FOLD_LINES,
		    ROLE_STATUS_REFUSED, 0, "");
	free(g);
}

/* Render one item (with a blank line before it). */
static void
chat_render_item(struct tui_chat *c, int idx, int width)
{
	struct chat_item *it = c->items[idx];
	struct tui_lines *out = &it->lines, md;
	struct tui_line *l;
	int n;

	tui_lines_free(out);
	if (idx > 0)
		tui_lines_add(out, ROLE_NORMAL, idx);
	switch (it->kind) {
	case ITEM_USER:
		l = tui_lines_add(out, ROLE_NORMAL, idx);
		tui_line_puts(l, "you", ROLE_USER_LABEL);
		tui_lines_init(&md);
		chat_wrap_plain(&md, width - 2, idx, "", ROLE_USER, it->text.s,
		    it->text.len, ROLE_USER);
		chat_indent(out, &md, "  ", ROLE_NORMAL);
		break;
	case ITEM_ASSISTANT:
		l = tui_lines_add(out, ROLE_NORMAL, idx);
		tui_line_puts(l, "cade", ROLE_ASSISTANT_LABEL);
		if (it->streaming) {
			tui_line_puts(l, " ", ROLE_NORMAL);
			tui_line_puts(l, tui_glyph->spinner, ROLE_STATUS_RUNNING);
		}
		if (it->reasoning.len > 0) {
			tui_lines_init(&md);
			if (it->expanded || it->streaming)
				chat_wrap_plain(&md, width - 2, idx, "",
				    ROLE_REASONING, it->reasoning.s,
				    it->reasoning.len, ROLE_REASONING);
			else
				chat_block(&md, width - 2, idx, "",
				    it->reasoning.s, 2, ROLE_REASONING, 0,
				    " of reasoning (C-o)");
			if (it->streaming && md.n > 6) {
				/* Keep only the tail of long live reasoning. */
				for (n = 0; n < md.n - 6; n++)
					tui_line_free(&md.v[n]);
				memmove(md.v, md.v + md.n - 6, 6 * sizeof *md.v);
				md.n = 6;
			}
			chat_indent(out, &md, "  ", ROLE_NORMAL);
		}
		tui_lines_init(&md);
		tui_md_render(&md, it->text.s, it->text.len, width - 2,
		    ROLE_ASSISTANT, idx, &it->nblocks);
		chat_indent(out, &md, "  ", ROLE_NORMAL);
		if (it->cancelled) {
			l = tui_lines_add(out, ROLE_NORMAL, idx);
			tui_line_puts(l, "  (stopped)", ROLE_NOTICE);
		}
		break;
	case ITEM_TOOL:
		chat_render_tool(it, width, idx, out);
		break;
	case ITEM_NOTICE:
	case ITEM_HELP:
		if (it->kind == ITEM_HELP)
			chat_block(out, width, idx, "", it->text.s, 0,
			    ROLE_NORMAL, 0, "");
		else
			chat_wrap_plain(out, width, idx, "· ", ROLE_NOTICE,
			    it->text.s, it->text.len, ROLE_NOTICE);
		break;
	case ITEM_DIFF:
		chat_block(out, width, idx, "", it->text.s, 0, ROLE_NORMAL, 1, "");
		break;
	case ITEM_ERROR:
		chat_wrap_plain(out, width, idx, "! ", ROLE_ERROR, it->text.s,
		    it->text.len, ROLE_ERROR);
		break;
	case ITEM_RETRY:
		chat_wrap_plain(out, width, idx, "~ ", ROLE_RETRY, it->text.s,
		    it->text.len, ROLE_RETRY);
		break;
	case ITEM_FINISH:
		l = tui_lines_add(out, ROLE_NORMAL, idx);
		if (strncmp(it->text.s, "finished", 8) == 0)
			tui_line_puts(l, tui_glyph->check, ROLE_STATUS_DONE);
		else
			tui_line_puts(l, tui_glyph->cross, strncmp(it->text.s,
			    "cancelled", 9) == 0 ? ROLE_STATUS_REFUSED :
			    ROLE_STATUS_FAILED);
		tui_line_puts(l, " ", ROLE_NORMAL);
		tui_lines_init(&md);
		tui_md_render(&md, it->text.s, it->text.len, width - 2,
		    ROLE_ASSISTANT, idx, NULL);
		if (md.n > 0) {
			for (n = 0; n < md.v[0].len; n++)
				tui_line_putw(l, md.v[0].wc[n], md.v[0].role[n]);
			tui_line_free(&md.v[0]);
			memmove(md.v, md.v + 1, (size_t)(md.n - 1) * sizeof *md.v);
			md.n--;
		}
		chat_indent(out, &md, "  ", ROLE_NORMAL);
		break;
	}
	it->width = width;
}

/* Render what changed and return the flat view of all lines. */
int
tui_chat_lines(struct tui_chat *c, int width, const struct tui_line ***lines)
{
	int i, j, total = 0;

	if (width != c->view_width) {
		for (i = 0; i < c->n; i++)
			c->items[i]->width = 0;
		c->view_width = width;
		c->view_stale = 1;
	}
	if (c->view_stale) {
		for (i = 0; i < c->n; i++) {
			if (c->items[i]->width != width)
				chat_render_item(c, i, width);
			total += c->items[i]->lines.n;
		}
		if (total > c->viewcap) {
			c->viewcap = total + 256;
			c->view = xreallocarray(c->view, (size_t)c->viewcap,
			    sizeof *c->view);
		}
		c->nview = 0;
		for (i = 0; i < c->n; i++)
			for (j = 0; j < c->items[i]->lines.n; j++)
				c->view[c->nview++] = &c->items[i]->lines.v[j];
		c->view_stale = 0;
	}
	*lines = c->view;
	return c->nview;
}

/* See tui-int.h. */
int
tui_chat_nitems(const struct tui_chat *c)
{
	return c->n;
}

/* See tui-int.h. */
enum tui_item_kind
tui_chat_item_kind(const struct tui_chat *c, int item)
{
	return c->items[item]->kind;
}

/* See tui-int.h. */
void
tui_chat_toggle(struct tui_chat *c, int item)
{
	if (item < 0 || item >= c->n)
		return;
	c->items[item]->expanded = !c->items[item]->expanded;
	chat_dirty(c, c->items[item]);
}

/* See tui-int.h. */
int
tui_chat_last_observation(const struct tui_chat *c)
{
	int i;

	for (i = c->n - 1; i >= 0; i--)
		if ((c->items[i]->kind == ITEM_TOOL && (c->items[i]->obs != NULL ||
		    c->items[i]->diff != NULL)) ||
		    (c->items[i]->kind == ITEM_ASSISTANT &&
		    c->items[i]->reasoning.len > 0))
			return i;
	return -1;
}

/* See tui-int.h. */
void
tui_chat_select(struct tui_chat *c, int item)
{
	c->selected = item;
}

/* See tui-int.h. */
int
tui_chat_selected(const struct tui_chat *c)
{
	return c->selected;
}

/* The k-th (from 0) fenced code block's content in markdown text, or NULL. */
static char *
chat_code_block(const char *text, int k)
{
	const char *p = text, *nl, *q;
	struct buf b;
	int n = -1, in = 0, fence;

	buf_init(&b, 0);
	while (*p != '\0') {
		nl = strchr(p, '\n');
		for (q = p; *q == ' '; q++)
			;
		fence = strncmp(q, "```", 3) == 0 || strncmp(q, "~~~", 3) == 0;
		if (fence && in) {
			if (n == k)
				return tui_buf_take(&b, NULL);
			in = 0;
		} else if (fence) {
			in = 1;
			n++;
		} else if (in && n == k) {
			buf_append(&b, p, nl != NULL ? (size_t)(nl - p) : strlen(p));
			buf_putc(&b, '\n');
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (in && n == k)
		return tui_buf_take(&b, NULL);	/* unclosed last block */
	buf_free(&b);
	return NULL;
}

/* Copyable parts of an item. */
char *
tui_chat_copy_text(const struct tui_chat *c, int item, int part,
    const char **what)
{
	const struct chat_item *it;
	char *s;

	if (item < 0 || item >= c->n)
		return NULL;
	it = c->items[item];
	switch (it->kind) {
	case ITEM_ASSISTANT:
		if (part == 0) {
			*what = "message";
			return xstrdup(it->text.s);
		}
		*what = "code block";
		return chat_code_block(it->text.s, part - 1);
	case ITEM_TOOL:
		if (part == 0) {
			*what = "command";
			s = it->summary != NULL ? it->summary : "";
			if (strncmp(s, "$ ", 2) == 0)
				s += 2;
			return xstrdup(s);
		}
		if (part == 1 && it->obs != NULL) {
			*what = "observation";
			return xstrdup(it->obs);
		}
		if ((part == 2 || (part == 1 && it->obs == NULL)) &&
		    it->diff != NULL) {
			*what = "diff";
			return xstrdup(it->diff);
		}
		return NULL;
	default:
		if (part != 0)
			return NULL;
		*what = "message";
		return xstrdup(it->text.s);
	}
}
