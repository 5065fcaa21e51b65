/*
 * agent.h: the agent state machine.
 *
 * idle -> thinking (LLM request) -> actions proposed -> [confirm] -> running
 * -> observed -> thinking ... -> finished | stopped | stuck | error.
 * Every transition and everything the agent does is an event on the bus;
 * sinks (TUI, headless printer, store) never call back into the agent except
 * through the functions below.  Tool calls pass through the policy engine;
 * those it asks about wait in a queue until agent_confirm() answers them (the
 * headless runner answers by rule: deny, or approve with --yes).
 */
#ifndef CADE_AGENT_H
#define CADE_AGENT_H

#include <stddef.h>

#include "cade/policy.h"

struct ckpt;
struct config;
struct event;
struct event_bus;
struct llm;
struct loop;
struct shell;
struct tool_set;
struct tool_entry;
struct workspace;

enum agent_state {
	AGENT_IDLE,
	AGENT_THINKING,		/* waiting for the LLM */
	AGENT_CONFIRM,		/* waiting for the person to decide */
	AGENT_RUNNING,		/* a tool is running */
	AGENT_PAUSED,
	AGENT_FINISHED,
	AGENT_STOPPED,		/* cancelled, or a step/budget limit */
	AGENT_STUCK,
	AGENT_ERROR
};

/* How a task ended: the finish event's status (names: agent_end_name). */
enum agent_end {
	AGENT_END_FINISHED,	/* the model called finish */
	AGENT_END_REPLIED,	/* the model answered without acting */
	AGENT_END_LIMIT,	/* max_steps */
	AGENT_END_BUDGET,	/* max_budget */
	AGENT_END_STUCK,	/* repeating itself */
	AGENT_END_ABORTED,	/* a confirmation was needed and refused (on_ask) */
	AGENT_END_CANCELLED,	/* the person stopped it */
	AGENT_END_ERROR,
	AGENT_END__COUNT
};

enum agent_answer { ANSWER_APPROVE, ANSWER_REJECT, ANSWER_ALWAYS };

struct agent_pending {
	const char		*call_id;
	const char		*tool;
	const char		*summary;	/* command or path */
	const char		*preview;	/* diff for edits, or NULL */
	const char		*undo;		/* "undoable: ..." / "not undoable: ...", or NULL */
	const struct policy_verdict *verdict;
};

struct agent_stats {
	int	 step;
	int	 max_steps;
	long	 tokens_in;
	long	 tokens_out;
	long	 tokens_cached;
	double	 cost;
	double	 context_pct;	/* last request size / window */
	int	 refusals;
	const char *model;
};

/* What happens when policy asks and no person is there (headless). */
enum agent_ask { ASK_PERSON, ASK_DENY, ASK_APPROVE, ASK_ABORT };

struct agent_deps {
	struct loop		*loop;
	struct config		*cfg;
	struct event_bus	*bus;
	struct workspace	*ws;
	struct shell		*shell;
	struct policy		*policy;
	struct llm		*llm;
	const char		*session_id;
	enum agent_ask		 ask;
	const struct tool_set	*tools;		/* run-time tools (MCP), or NULL */
	struct ckpt		*ckpt;		/* checkpoints before changing steps; may be NULL */
};

struct agent	*agent_new(const struct agent_deps *);
void		 agent_free(struct agent *);
/* Start teardown: in-flight work is recorded as it ends, nothing new starts. */
void		 agent_shutdown(struct agent *);
/* At teardown, after the shell answered what ran: a task still open ends
 * with its finish event (cancelled), so every session ends with one. */
void			 agent_close_task(struct agent *);
/* A user message: starts a task, or is queued for the next step if busy. */
void		 agent_submit(struct agent *, const char *text);
/* An image for the model, sent after a message's text. */
struct agent_image {
	const char	*path;		/* as the person named it */
	const void	*data;		/* PNG, JPEG, GIF or WebP bytes */
	size_t		 len;
};
/*
 * A user message with images (OpenAI content parts: the text, then each
 * image).  The bytes are kept in the session's blob store at once (the
 * caller keeps its copy); one that cannot be kept is left out with an
 * error event.  Whether the model takes images is the caller's question.
 */
void		 agent_submit_images(struct agent *, const char *text,
		    const struct agent_image *, size_t n);
/* Something outside the agent failed for good (the store): stop the task
 * with an error once the current step is settled. */
void		 agent_fail(struct agent *, const char *why);
/* Stop the current step (cancel the LLM request / interrupt the command). */
void		 agent_cancel(struct agent *);
void		 agent_pause(struct agent *);
void		 agent_resume(struct agent *);
/* Answer a pending confirmation; reason goes to the model on reject. */
int		 agent_confirm(struct agent *, const char *call_id, enum agent_answer,
		    const char *reason, enum policy_scope, char **cause);
/* Pending confirmations, oldest first (valid until the next agent call). */
const struct agent_pending *agent_pending(struct agent *, size_t *n);
enum agent_state agent_get_state(const struct agent *);
/*
 * The tool named name among those this session's model can call: built-in,
 * then run-time (MCP); NULL if none.  a may be NULL (built-in only).  Front
 * ends describe calls (cards, ACP kinds and files) through this, never by
 * name.
 */
const struct tool_entry *agent_tool(const struct agent *a, const char *name);
const char	*agent_state_name(enum agent_state);
const char	*agent_end_name(enum agent_end);
/* The end named by a finish status; AGENT_END_ERROR if unknown. */
enum agent_end	 agent_end_from_name(const char *);
/* The process exit status a headless run ending so returns (cade.h). */
int		 agent_end_exit(enum agent_end);
void		 agent_get_stats(const struct agent *, struct agent_stats *);
/* Feed one stored event back in (resume): rebuilds history without acting. */
void		 agent_replay(struct agent *, const struct event *);
/* After the last replayed event: close actions the crash left unanswered. */
void		 agent_replay_done(struct agent *);
/* Continue a resumed task without a new message (no-op if nothing to do). */
void		 agent_continue(struct agent *);
/*
 * The workspace was restored (the fields of an undo event, live or
 * replayed): tell the model (undo, redo) or cut the history back (rewind).
 * Only while idle.
 */
void		 agent_restored(struct agent *, const cJSON *undo);
/* Condense the context now (/compact). */
void		 agent_compact(struct agent *);
void		 agent_set_model(struct agent *, const char *model);
/* Prices just became known (the endpoint's list): cost the tokens counted
 * while they were not, with a usage event.  No-op if there are none. */
void		 agent_reprice(struct agent *);

#endif
