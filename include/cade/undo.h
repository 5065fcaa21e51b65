/*
 * undo.h: the session's checkpoint log, and what undo, redo, rewind and
 * diff do with it (doc/CHECKPOINTS.md).
 *
 * The log is rebuilt from events alone (checkpoint and undo events, live or
 * replayed from the store), so a running session, a resumed one and the
 * command line (`cade undo`, `cade diff`) all see the same steps.  An action
 * is planned first (a fresh snapshot, the target, the files changed outside
 * cade since its last checkpoint), shown as a diff, and only then applied;
 * applying returns the undo event's fields for the caller to post or store.
 */
#ifndef CADE_UNDO_H
#define CADE_UNDO_H

#include <cjson/cJSON.h>

#include "cade/checkpoint.h"

struct config;
struct event;
struct session;

struct undo_step {
	char			*call_id;
	char			*tool;
	char			*summary;
	struct ckpt_state	 before, after;
	int			 changed;	/* before and after differ */
	int			 undone;	/* by an undo not redone since */
	int			 gone;		/* on a branch a rewind left */
};

enum undo_action { UNDO_UNDO, UNDO_REDO, UNDO_REWIND };

struct undo_plan {
	enum undo_action	 action;
	struct ckpt_state	 now;		/* the workspace as found */
	struct ckpt_state	 to;		/* what it becomes */
	cJSON			*call_ids;	/* the steps affected */
	char			*call_id;	/* rewind: the step rewound to */
	char			*what;		/* one line: what will happen */
	cJSON			*outside;	/* files changed outside cade since its last checkpoint, or NULL */
};

struct undo_log;

struct undo_log	*undo_log_new(void);
void		 undo_log_free(struct undo_log *);
/* Take in one event (checkpoint and undo events; others are ignored). */
void		 undo_log_feed(struct undo_log *, const struct event *);
/* The steps recorded, oldest first (step N is index N-1); valid until the next feed. */
const struct undo_step *undo_log_steps(const struct undo_log *, size_t *n);
/* Bus sink adapter: arg is the struct undo_log. */
void		 undo_log_sink(const struct event *, void *arg);

/*
 * Plan an action: undo the last `steps` steps that changed the workspace,
 * redo the last undo, or rewind to before step `step` (a number from the
 * list, or a call id).  Takes a snapshot.  -1 with *cause if there is
 * nothing to do or the snapshot fails.
 */
int		 undo_plan(struct undo_log *, struct ckpt *, enum undo_action,
		    int steps, const char *step, struct undo_plan *, char **cause);
void		 undo_plan_free(struct undo_plan *);
/* The diff the plan will apply (from now to the target). */
char		*undo_plan_diff(struct ckpt *, const struct undo_plan *, int color,
		    char **cause);
/* The outside changes as text lines ("  M path"), for refusals. */
char		*undo_outside_text(const struct undo_plan *);
/*
 * Apply a plan (refused while files changed outside cade unless force):
 * returns the fields of the undo event, which the caller posts (a live
 * session: undo_session_apply does) or appends to the store.
 */
cJSON		*undo_apply(struct ckpt *, const struct undo_plan *, int force,
		    char **cause);
/* In a running session: apply, post the event, tell the agent. 0 or -1. */
int		 undo_session_apply(struct session *, const struct undo_plan *,
		    int force, char **cause);
/*
 * What the session changed (step NULL: from before its first checkpoint to
 * now) or one step did (a number or a call id), as a unified diff.
 */
char		*undo_diff(struct undo_log *, struct ckpt *, const char *step,
		    int color, char **cause);
/* The step list for /rewind and `cade undo --list`; caller frees. */
char		*undo_list_text(const struct undo_log *);

/* `cade undo|redo|diff ...`: argv[0] is the command; returns the exit status. */
int		 undo_main(struct config *, int argc, char **argv);

#endif
