/*
 * undo.c: /undo, /redo, /rewind and /diff in the TUI (doc/CHECKPOINTS.md).
 *
 * A command plans the action (undo.c: a fresh snapshot, the target, files
 * changed outside cade), shows what it will do and the diff in the chat
 * pane, and holds the plan until the person answers: y applies it through
 * undo_session_apply() (which restores, posts the undo event and tells the
 * agent), n or Esc drops it.  Nothing is restored while the agent works.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/agent.h"
#include "cade/buf.h"
#include "cade/session.h"
#include "cade/undo.h"
#include "cade/util.h"
#include "tui-int.h"

/* Drop a held plan. */
void
tui_undo_free(struct tui *t)
{
	if (t->undo_plan == NULL)
		return;
	undo_plan_free(t->undo_plan);
	free(t->undo_plan);
	t->undo_plan = NULL;
}

/* Plan, show, and hold the plan for y/n. */
static void
tui_undo_plan(struct tui *t, enum undo_action action, int steps,
    const char *step, int force)
{
	struct undo_plan *p = xcalloc(1, sizeof *p);
	char *cause = NULL, *diff, *s, *list;

	tui_undo_free(t);
	if (tui_agent_busy(t)) {
		tui_chat_notice(t->chat, ITEM_ERROR, "the agent is working: stop "
		    "it (Ctrl-C) or wait before changing the workspace back");
		free(p);
		return;
	}
	if (undo_plan(t->s->undo, t->s->ckpt, action, steps, step, p,
	    &cause) == -1) {
		tui_chat_notice(t->chat, ITEM_ERROR, cause);
		free(cause);
		free(p);
		return;
	}
	if ((diff = undo_plan_diff(t->s->ckpt, p, 0, &cause)) == NULL) {
		tui_chat_notice(t->chat, ITEM_ERROR, cause);
		free(cause);
		undo_plan_free(p);
		free(p);
		return;
	}
	tui_chat_notice(t->chat, ITEM_NOTICE, p->what);
	tui_chat_notice(t->chat, ITEM_DIFF, *diff != '\0' ? diff :
	    "(no file differs)\n");
	free(diff);
	if (p->outside != NULL && !force) {
		list = undo_outside_text(p);
		s = xasprintf("files changed outside cade since its last "
		    "checkpoint; this would lose those changes:\n%s"
		    "(/%s force does it anyway)", list, action == UNDO_UNDO ? "undo" :
		    action == UNDO_REDO ? "redo" : "rewind");
		tui_chat_notice(t->chat, ITEM_ERROR, s);
		free(s);
		free(list);
		undo_plan_free(p);
		free(p);
		return;
	}
	t->undo_plan = p;
	t->undo_force = force;
	tui_chat_notice(t->chat, ITEM_NOTICE, action == UNDO_REWIND ?
	    "y: rewind the files and the conversation to this point   n: keep "
	    "everything as it is" : "y: apply these changes to the workspace   "
	    "n: keep it as it is");
	t->chat_offset = 0;
}

/* The answer to a held plan. */
static void
tui_undo_answer(struct tui *t, int yes)
{
	struct undo_plan *p = t->undo_plan;
	char *cause = NULL;

	if (!yes) {
		tui_chat_notice(t->chat, ITEM_NOTICE, "nothing changed");
		tui_undo_free(t);
		return;
	}
	if (tui_agent_busy(t)) {
		tui_chat_notice(t->chat, ITEM_ERROR, "the agent started working: "
		    "nothing changed");
		tui_undo_free(t);
		return;
	}
	if (undo_session_apply(t->s, p, t->undo_force, &cause) == -1) {
		tui_chat_notice(t->chat, ITEM_ERROR, cause);
		free(cause);
	} else if (p->action == UNDO_REWIND)
		tui_chat_notice(t->chat, ITEM_NOTICE, "the conversation goes on "
		    "from before that step (what is above stays in the session "
		    "log); your next message continues it");
	tui_undo_free(t);
}

/* Keys while a plan is held: y, n, Esc; 1 if the key was taken. */
int
tui_undo_key(struct tui *t, const struct tui_key *k)
{
	if (t->undo_plan == NULL || k->mod != 0)
		return 0;
	if (k->key == 'y' || k->key == 'Y')
		tui_undo_answer(t, 1);
	else if (k->key == 'n' || k->key == 'N' || k->key == 0x1b)
		tui_undo_answer(t, 0);
	else
		return 0;
	tui_dirty(t);
	return 1;
}

/* Split "N force" / "force": the word force anywhere, the rest trimmed. */
static char *
tui_undo_args(const char *arg, int *force)
{
	char *copy = xstrdup(arg), *w, *save = NULL;
	struct buf rest;

	buf_init(&rest, 0);
	*force = 0;
	for (w = strtok_r(copy, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (strcmp(w, "force") == 0)
			*force = 1;
		else
			(void)buf_printf(&rest, "%s%s", rest.len > 0 ? " " : "", w);
	}
	free(copy);
	return buf_detach(&rest, NULL);
}

/* /undo [N] [force] */
void
tui_cmd_undo(struct tui *t, const char *arg)
{
	int force;
	char *rest = tui_undo_args(arg, &force);
	long steps = 1;

	if (*rest != '\0' && util_parse_long(rest, 1, 100000, &steps) != 0)
		tui_chat_notice(t->chat, ITEM_ERROR, "usage: /undo [N] [force]");
	else
		tui_undo_plan(t, UNDO_UNDO, (int)steps, NULL, force);
	free(rest);
}

/* /redo [force] */
void
tui_cmd_redo(struct tui *t, const char *arg)
{
	int force;
	char *rest = tui_undo_args(arg, &force);

	tui_undo_plan(t, UNDO_REDO, 1, NULL, force);
	free(rest);
}

/* /rewind [STEP] [force]: alone, the list of steps. */
void
tui_cmd_rewind(struct tui *t, const char *arg)
{
	int force;
	char *rest = tui_undo_args(arg, &force), *text;

	if (*rest == '\0') {
		text = undo_list_text(t->s->undo);
		tui_chat_notice(t->chat, ITEM_HELP, text);
		tui_chat_notice(t->chat, ITEM_NOTICE, "/rewind N puts the files "
		    "and the conversation back to before step N");
		free(text);
	} else
		tui_undo_plan(t, UNDO_REWIND, 0, rest, force);
	free(rest);
}

/* /diff [STEP] */
void
tui_cmd_diff(struct tui *t, const char *arg)
{
	char *cause = NULL, *text;

	if ((text = undo_diff(t->s->undo, t->s->ckpt, arg, 0, &cause)) == NULL) {
		tui_chat_notice(t->chat, ITEM_ERROR, cause);
		free(cause);
		return;
	}
	tui_chat_notice(t->chat, ITEM_DIFF, *text != '\0' ? text :
	    "(no file differs)\n");
	free(text);
	t->chat_offset = 0;
}
