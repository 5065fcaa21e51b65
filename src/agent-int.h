/*
 * agent-int.h: what the agent's files share (agent.c: the state machine;
 * agent-call.c: one tool call; agent-history.c: the history and its replay;
 * condense.c: condensation).
 * Not a public contract: include/cade/agent.h is.
 */
#ifndef CADE_AGENT_INT_H
#define CADE_AGENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "cade/agent.h"
#include "cade/checkpoint.h"
#include "cade/condense.h"
#include "cade/llm.h"
#include "cade/policy.h"
#include "cade/tool.h"

/* A person typing in the terminal pane holds the agent's next command. */
#define AGENT_TYPING_HOLD_MS	1500
#define AGENT_OUTPUT_TICK_MS	1000	/* tool_output while a command runs */
#define AGENT_REPLAY_OUT_MAX	(16 * 1024) /* output told after a crash */
#define AGENT_WS_PROBES		20	/* unsure answers before "alive" (2 s) */
#define AGENT_WS_PROBE_MS	100
/* Old observations are shortened to this many bytes of their first line. */
#define AGENT_SHORT_OBS		200
#define AGENT_STUCK_RING	8

enum call_state { CALL_NEW, CALL_ASK, CALL_APPROVED, CALL_DENIED, CALL_RUNNING,
    CALL_DONE };

struct agent_call {
	char			*id;
	char			*name;
	char			*args_text;
	cJSON			*args;		/* NULL if the JSON was invalid */
	const struct tool_entry	*tool;
	struct policy_verdict	 verdict;
	int			 have_verdict;
	enum call_state		 st;
	char			*deny_reason;
	char			*summary;
	char			*preview;
	char			*undo_note;	/* for the confirmation prompt */
	uint64_t		 started;
	struct ckpt_state	 ck_before;	/* the checkpoint taken before it ran */
	int			 ck_taken;
};

/* A message from the person waiting for the next step. */
struct agent_queued {
	char	*text;
	cJSON	*images;	/* the event's images field, or NULL */
};

/*
 * What an attached image counts for in the context estimate: providers
 * bill an image by its pixels (a few hundred to ~1,600 tokens), not by the
 * length of its base64, so a fixed allowance stands in for the data URL.
 */
#define AGENT_IMAGE_EST_BYTES	6400
#define AGENT_IMAGE_MAX		(64 * 1024 * 1024)	/* a blob read back */

enum agent_role { ROLE_USER, ROLE_ASSISTANT, ROLE_TOOL, ROLE_OTHER };

/*
 * One message of the history, kept once: as the OpenAI chat message printed
 * (what every request sends), with what the agent looks up in it beside.
 * A tree is parsed back only where a message is rewritten or read whole
 * (shortening, condensing, a resume): rarely, and one message at a time.
 */
struct agent_msg {
	char		*text;		/* the message printed; after its NUL: */
	const char	*call_id;	/* a tool answer: the call it answers */
	const char	*calls;		/* an assistant's call ids, each ended
					 * by a NUL, the list by an empty one;
					 * NULL: none */
	int		 step;
	unsigned char	 role;		/* enum agent_role */
	unsigned char	 shortened;
	size_t		 bytes;		/* its estimate: images count AGENT_IMAGE_EST_BYTES */
	size_t		 image_wire;	/* bytes of data URLs in it, not in bytes */
};

struct agent_track {
	char	action[65];
	char	result[65];
	int	is_error;
};

struct agent {
	struct agent_deps	 d;
	enum agent_state	 state;
	char			*model;
	char			*system;
	struct prompt_skills	*skills;
	struct tool_state	*tstate;
	struct tool_ctx		 tctx;

	struct agent_msg	*hist;
	size_t			 nhist;
	size_t			 hcap;		/* hist[] allocated */
	size_t			 hist_bytes;
	size_t			 image_wire;	/* sum of hist[].image_wire */
	size_t			 trim_from;	/* hist[< it]: short or no answer */
	char			*system_text;	/* the system message printed */
	const char		**vtexts;	/* the request: system_text, then
						 * each hist[i].text, kept */
	size_t			 vcap;
	int			 view_ok;	/* vtexts matches hist */

	struct agent_queued	*queue;		/* user messages waiting for a step */
	size_t			 nqueue;

	struct agent_call	*calls;
	size_t			 ncalls;
	size_t			 next_call;
	struct agent_pending	*pending;
	size_t			 npending;
	int			 in_exec;	/* a tool is inside exec() right now */
	int			 exec_done;	/* ...and finished synchronously */
	uint64_t		 hold_timer;
	uint64_t		 out_timer;	/* tool_output while a command runs */
	size_t			 out_sent;	/* bytes of it already recorded */
	cJSON			*replay_started; /* call id -> output, on replay */
	int			 replay_cancelled; /* last reply was stopped */
	uint64_t		 ws_timer;	/* asking the workspace again */
	int			 ws_probes;
	uint64_t		 tools_timer;	/* waiting for run-time tools */

	int			 step;
	int			 task_start;	/* step when the current task began */
	int			 no_action;
	int			 cancel_requested;
	int			 paused;
	int			 resume_pending;
	char			*finish_msg;
	char			*fatal;		/* the workspace is gone: end the task */
	char			*events_path;
	char			*last_text;
	struct agent_track	 track[AGENT_STUCK_RING];
	size_t			 ntrack;

	struct agent_stats	 stats;
	/* Tokens used while no price was known, costed once one is. */
	struct llm_usage	 unpriced;
	char			*unpriced_model;

	struct condense_est	 est;
	size_t			 tools_bytes;	/* the tools array, as sent */
	cJSON			*tools;		/* the tools array, kept */
	char			*tools_text;	/* ...printed */
	char			*tools_model;	/* ...for this model */
	int			 tools_ap;	/* ...with apply_patch or not */
	const struct tool_entry	**tools_v;	/* ...and these run-time tools */
	size_t			 tools_n;
	size_t			 cut_from, cut_to;	/* condensation in flight */
	int			 condensing;
	int			 condense_then_step;
	int			 just_condensed;
	int			 force_condense;
	int			 context_retry;
	struct llm		*title_llm;	/* title_summarize: its own client */
	int			 titled;
	int			 closing;	/* agent_shutdown(): record, never act */
	int			 cut_off;	/* last reply hit the output token limit */
	int			 ck_noticed;	/* checkpoints off: said once */
};

/* agent.c: the state machine */
/* Change state and say so. */
void		 agent_set_state(struct agent *, enum agent_state to);
/* Post a notice / an error of a kind. */
void		 agent_notice(struct agent *, const char *text);
void		 agent_error(struct agent *, const char *kind, const char *message);
/* End the task: announce how, with the summary, and settle the state. */
void		 agent_end(struct agent *, enum agent_end, const char *message);
/* Start a request on client l with the agent as the callbacks' argument. */
int		 agent_send(struct agent *, struct llm *l, const cJSON *msgs,
		    const char *const *texts, size_t ntexts, const cJSON *tools,
		    const char *tools_text,
		    void (*text)(const char *, size_t, void *),
		    void (*done)(struct llm_response *, void *), char **cause);
/* Fold a reply's usage into the totals and announce it. */
void		 agent_usage(struct agent *, const struct llm_response *);
/* Observation for a call that never ran. */
void		 agent_observe_text(struct agent *, struct agent_call *,
		    const char *text, int refused);
/* One step: deliver queued messages, check limits, ask the LLM. */
void		 agent_step(struct agent *);

/* agent-call.c: one tool call (gate, checkpoint, observation, stuck) */
/* Announce a call and put it through the gate; 0, or -1 to abort. */
int		 agent_decide(struct agent *, struct agent_call *);
/* The policy_decision event of a call (by: policy, person, ...). */
void		 agent_post_decision(struct agent *, struct agent_call *,
		    const char *decision, const char *by, const char *reason,
		    const char *scope);
/* Checkpoint the workspace before and after a call that changes it. */
void		 agent_ckpt_before(struct agent *, struct agent_call *);
void		 agent_ckpt_after(struct agent *, struct agent_call *);
/* Record a call's result: the event, the history, stuck detection. */
void		 agent_observe(struct agent *, struct agent_call *,
		    struct tool_result *, int refused);
/* Why the agent is stuck (a repeated action or error), or NULL. */
const char	*agent_stuck(struct agent *);
/* The shell died under a call: ask the workspace, then act. */
void		 agent_shell_died(struct agent *);
/* Carry on with the calls of the step (or the next step). */
void		 agent_advance(struct agent *);

/* agent-history.c: the history */
/* Append a message (takes msg). */
void		 agent_hist_add(struct agent *, cJSON *msg);
/* Put a tool answer right after its call's other answers (takes msg). */
void		 agent_hist_place_tool(struct agent *, cJSON *msg, const char *call_id);
/* A {"role":..., "content":...} message. */
cJSON		*agent_msg_new(const char *role, const char *content);
/* Append the person's message: text, then the images (an event's images
 * field, or NULL) read back from the session's blobs. */
void		 agent_hist_add_user(struct agent *, const char *text,
		    const cJSON *images);
/* Bytes of data URLs in the history (sent, but not in the estimate). */
size_t		 agent_hist_image_wire(const struct agent *);
/* Text made safe to send back (valid UTF-8, no NUL); caller frees. */
char		*agent_clean(const char *s);
/* Shorten old observations so the history stays small. */
void		 agent_hist_trim(struct agent *);
/* The request messages, printed: the system prompt, then the history;
 * returns how many (reused by every request; valid until the history
 * changes). */
size_t		 agent_view(struct agent *, const char *const **texts);
/* A message's tree, parsed from its text; caller frees. */
cJSON		*agent_msg_tree(const struct agent_msg *);
/* Free one message's memory. */
void		 agent_msg_clear(struct agent_msg *);
/* What the model sees of an observation (head and tail); caller frees. */
char		*agent_view_text(const struct agent *, const char *text,
		    const char *call_id);
/* Bytes of history messages [from, to). */
size_t		 agent_hist_range_bytes(const struct agent *, size_t from, size_t to);
/* Replace history messages [from, to) by one summary message. */
void		 agent_hist_replace(struct agent *, size_t from, size_t to,
		    const char *text);

/* condense.c: condensing a long history */
/* Estimated tokens of the next request. */
long		 condense_request_tokens(const struct agent *);
/* 1 if the next request would pass compact_at% of the window. */
int		 condense_due(const struct agent *);
/* Summarise the middle of the history by a separate request; -1 if there
 * is too little to condense (or the request cannot start). */
int		 condense_start(struct agent *, int then_step);

#endif
