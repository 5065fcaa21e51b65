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
		    "(/%s! does it anyway)", list, action == UNDO_UNDO ? "undo" :
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

/* /undo [N], /redo, /rewind [STEP], /diff [STEP] (and /undo! ...); 1 if handled. */
int
tui_undo_command(struct tui *t, const char *cmd, const char *arg)
{
	size_t n = strlen(cmd);
	int force = n > 0 && cmd[n - 1] == '!';
	char *name = xstrndup(cmd, force ? n - 1 : n), *cause = NULL, *text;
	long steps = 1;

	if (strcmp(name, "undo") == 0) {
		if (*arg != '\0' && util_parse_long(arg, 1, 100000, &steps) != 0)
			tui_chat_notice(t->chat, ITEM_ERROR, "usage: /undo [N]");
		else
			tui_undo_plan(t, UNDO_UNDO, (int)steps, NULL, force);
	} else if (strcmp(name, "redo") == 0)
		tui_undo_plan(t, UNDO_REDO, 1, NULL, force);
	else if (strcmp(name, "rewind") == 0) {
		if (*arg == '\0') {
			text = undo_list_text(t->s->undo);
			tui_chat_notice(t->chat, ITEM_HELP, text);
			tui_chat_notice(t->chat, ITEM_NOTICE, "/rewind N puts the "
			    "files and the conversation back to before step N");
			free(text);
		} else
			tui_undo_plan(t, UNDO_REWIND, 0, arg, force);
	} else if (strcmp(name, "diff") == 0 && !force) {
		if ((text = undo_diff(t->s->undo, t->s->ckpt, arg, 0,
		    &cause)) == NULL) {
			tui_chat_notice(t->chat, ITEM_ERROR, cause);
			free(cause);
		} else
			tui_chat_notice(t->chat, ITEM_DIFF, *text != '\0' ? text :
			    "(no file differs)\n");
		free(text);
		t->chat_offset = 0;
	} else {
		free(name);
		return 0;
	}
	free(name);
	tui_dirty(t);
	return 1;
}
