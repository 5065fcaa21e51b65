/*
 * agent-call.c: what happens to one tool call between the model's reply
 * and the next step: it is announced and put through the gate (with the
 * person's answer when the gate asks), checkpointed around a change, run,
 * and observed; repeated results are stuck detection's input, and a shell
 * that died under a call is followed up with the workspace (alive: a new
 * shell; gone: the task ends saying how to resume).
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "cade/agent.h"
#include "cade/cade.h"
#include "cade/buf.h"
#include "cade/checkpoint.h"
#include "cade/condense.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/llm.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/prompt.h"
#include "cade/sha256.h"
#include "cade/shell.h"
#include "cade/store.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "agent-int.h"

static void	agent_ws_probe(struct agent *);
static char	*agent_undo_note(struct agent *, const struct agent_call *);

/* Record an observation for call c (event + history). */
void
agent_observe(struct agent *a, struct agent_call *c, struct tool_result *res,
    int refused)
{
	cJSON *msg, *d;
	char *text, *view;
	char digest[65];
	struct agent_track *t;

	if (res->text == NULL)
		res->text = xstrdup("");
	if (res->digest[0] == '\0')
		sha256_hex(res->text, strlen(res->text), res->digest);
	/* What the model sees is what the sinks saw: masked by the bus. */
	d = event_post_masked(a->d.bus, EV_OBSERVATION, &(struct ev_observation){
		.call_id = c->id,
		.name = c->name,
		.text = res->text,
		.has_exit_code = res->has_exit,
		.exit_code = res->exit_code,
		.error = res->is_error,
		.refused = refused,
		.timed_out = res->timed_out,
		.truncated = res->truncated,
		.diff = res->diff,
		.digest = res->digest,
		.has_duration_ms = c->started != 0,
		.duration_ms = c->started != 0 ? (int64_t)(util_now_ms() -
		    c->started) : 0,
		.extra = res->extra,
	});
	text = xstrdup(event_json_str(d, "text"));
	cJSON_Delete(d);

	view = agent_view_text(a, text, c->id);
	msg = agent_msg_new("tool", view);
	free(view);
	cJSON_AddStringToObject(msg, "tool_call_id", c->id);
	agent_hist_place_tool(a, msg, c->id);

	/* Remember action and result for stuck detection. */
	if (a->ntrack == AGENT_STUCK_RING) {
		memmove(a->track, a->track + 1, sizeof a->track[0] * (AGENT_STUCK_RING - 1));
		a->ntrack--;
	}
	t = &a->track[a->ntrack++];
	{
		char *key = xasprintf("%s\n%s", c->name, c->args_text);
		sha256_hex(key, strlen(key), t->action);
		free(key);
	}
	sha256_hex(text, strlen(text), digest);
	memcpy(t->result, digest, sizeof t->result);
	t->is_error = res->is_error || (res->has_exit && res->exit_code != 0);
	free(text);
	c->st = CALL_DONE;
}

/* Observation for a call that never ran. */
void
agent_observe_text(struct agent *a, struct agent_call *c, const char *text,
    int refused)
{
	struct tool_result *r = tool_result_new();

	free(r->text);
	r->text = xstrdup(text);
	r->is_error = 1;
	agent_observe(a, c, r, refused);
	tool_result_free(r);
}

/* Same action and same result N times, same error N times, or A/B/A/B... */
const char *
agent_stuck(struct agent *a)
{
	/* The config keeps stuck_repeat within 2..AGENT_STUCK_RING/2. */
	size_t i, k = (size_t)conf_int(a->d.cfg, "stuck_repeat");
	struct agent_track *t = a->track;

	if (a->ntrack >= k) {
		for (i = a->ntrack - k + 1; i < a->ntrack; i++)
			if (strcmp(t[i].action, t[i - 1].action) != 0 ||
			    strcmp(t[i].result, t[i - 1].result) != 0)
				break;
		if (i == a->ntrack)
			return "the same action gave the same result";
		for (i = a->ntrack - k; i < a->ntrack; i++)
			if (!t[i].is_error || strcmp(t[i].result, t[a->ntrack - 1].result) != 0)
				break;
		if (i == a->ntrack)
			return "the same error came back";
	}
	if (a->ntrack >= 2 * k) {
		for (i = a->ntrack - 2 * k + 2; i < a->ntrack; i++)
			if (strcmp(t[i].action, t[i - 2].action) != 0)
				break;
		if (i == a->ntrack && strcmp(t[a->ntrack - 1].action,
		    t[a->ntrack - 2].action) != 0)
			return "it keeps alternating between the same two actions";
	}
	return NULL;
}

/* Replace *field by the masked copy the event carried. */
static void
agent_take_masked(char **field, const cJSON *d, const char *key)
{
	if (*field == NULL)
		return;
	free(*field);
	*field = xstrdup(event_json_str(d, key));
}

/*
 * The gate's answer for call c: its state, why it is refused (deny_reason,
 * taken; NULL: it is not), and the decision event (decision, by).  The
 * event's reason is the policy's, except for a refusal by anything else,
 * which gives its own.
 */
static void
agent_gate_settle(struct agent *a, struct agent_call *c, enum call_state st,
    const char *decision, const char *by, char *deny_reason)
{
	c->st = st;
	if (deny_reason != NULL)
		c->deny_reason = deny_reason;
	agent_post_decision(a, c, decision, by, deny_reason != NULL &&
	    strcmp(by, "policy") != 0 ? deny_reason : NULL, NULL);
}

/* Policy decision event for a call. */
void
agent_post_decision(struct agent *a, struct agent_call *c, const char *decision,
    const char *by, const char *reason, const char *scope)
{
	cJSON *d;

	if (c->summary == NULL)
		c->summary = xstrdup(c->args_text);
	d = event_post_masked(a->d.bus, EV_POLICY_DECISION,
	    &(struct ev_policy_decision){
		.call_id = c->id,
		.tool = c->name,
		.action = c->summary,
		.risk = policy_risk_name(c->verdict.risk),
		.decision = decision,
		.rule = c->verdict.rule,
		.reason = reason != NULL ? reason : c->verdict.reason,
		.by = by,
		.suggest = c->verdict.suggest,
		.scope = scope,
		.preview = c->preview,
		.undo = strcmp(decision, "ask") == 0 ? c->undo_note : NULL,
	});
	/* The prompt shows what the sinks saw: masked by the bus. */
	agent_take_masked(&c->summary, d, "action");
	agent_take_masked(&c->preview, d, "preview");
	agent_take_masked(&c->verdict.suggest, d, "suggest");
	cJSON_Delete(d);
}

/* Announce a call and put it through the policy engine.  0, or -1 to abort. */
int
agent_decide(struct agent *a, struct agent_call *c)
{
	cJSON_Minify(c->args_text);
	event_post_tool_call(a->d.bus, &(struct ev_tool_call){
		.call_id = c->id,
		.name = c->name,
		.arguments = c->args,
		.arguments_text = c->args != NULL ? NULL : c->args_text,
	});

	if (c->args == NULL || !cJSON_IsObject(c->args)) {
		c->st = CALL_DENIED;
		c->deny_reason = xasprintf("error: the arguments of %s are not a "
		    "valid JSON object%s; call the tool again with valid JSON",
		    c->name, a->cut_off ? " (your reply was cut off at the "
		    "output token limit: send less at once)" : "");
		return 0;
	}
	/* JSON strings end at a NUL in cJSON: refuse rather than cut a value. */
	if (strstr(c->args_text, "\\u0000") != NULL) {
		c->st = CALL_DENIED;
		c->deny_reason = xasprintf("error: the arguments of %s contain a "
		    "NUL character (\\u0000), which cade cannot pass on intact",
		    c->name);
		return 0;
	}
	if (c->tool == NULL) {
		c->st = CALL_DENIED;
		c->deny_reason = xasprintf("error: there is no tool named '%s'",
		    c->name);
		return 0;
	}
	if (tool_validate(c->tool, c->args, &c->deny_reason) == -1) {
		c->st = CALL_DENIED;
		return 0;
	}
	if (c->tool->summary != NULL)
		c->summary = c->tool->summary(c->args);
	/* Commands and paths name model paths (/workspace/... for docker);
	 * every tool, built-in or run-time, is judged by what it describes. */
	tool_assess_entry(a->d.policy, c->tool, c->name, c->args,
	    a->d.ws->model_root, &c->verdict);
	c->have_verdict = 1;
	switch (c->verdict.decision) {
	case DECISION_ALLOW:
		agent_gate_settle(a, c, CALL_APPROVED, "allow", "policy", NULL);
		return 0;
	case DECISION_DENY:
		agent_gate_settle(a, c, CALL_DENIED, "deny", "policy",
		    xasprintf("refused by policy (%s): %s",
		    c->verdict.rule ? c->verdict.rule : "rule",
		    c->verdict.reason ? c->verdict.reason : "denied"));
		return 0;
	case DECISION_ASK:
		break;
	}
	if (c->tool->preview != NULL && a->d.ask == ASK_PERSON)
		c->preview = c->tool->preview(&a->tctx, c->args);
	c->undo_note = agent_undo_note(a, c);
	/* Who answers an ask: the person, --yes, or nobody (headless). */
	switch (a->d.ask) {
	case ASK_PERSON:
		agent_gate_settle(a, c, CALL_ASK, "ask", "policy", NULL);
		return 0;
	case ASK_APPROVE:
		agent_gate_settle(a, c, CALL_APPROVED, "allow", "flag:--yes", NULL);
		return 0;
	case ASK_DENY:
		agent_gate_settle(a, c, CALL_DENIED, "deny", "headless",
		    xasprintf("refused: this action needs a person's "
		    "confirmation (%s risk: %s) and none is available in "
		    "headless mode; choose another way or stop and explain",
		    policy_risk_name(c->verdict.risk),
		    c->verdict.reason ? c->verdict.reason : ""));
		return 0;
	case ASK_ABORT:
		agent_post_decision(a, c, "deny", "headless:--on-ask=abort", NULL, NULL);
		return -1;
	}
	return 0;
}

/*
 * The shell exited under a terminal call.  If the workspace is alive (the
 * model ran `exit`), start a new shell; if it is gone (container killed,
 * daemon restarted), end the task with an error that says how to resume.
 */
void
agent_shell_died(struct agent *a)
{
	a->ws_probes = 0;
	agent_ws_probe(a);
}

/* Timer: ask the workspace again. */
static void
agent_ws_probe_timer(struct loop *l, void *arg)
{
	struct agent *a = arg;

	a->ws_timer = 0;
	agent_ws_probe(a);
	if (a->ws_timer == 0 && !a->in_exec)
		agent_advance(a);
}

/*
 * Is the workspace still there?  A local directory always is; a container
 * may need a moment to be reported gone, so an unsure answer is asked again
 * every AGENT_WS_PROBE_MS (from a timer: the loop never waits), and after
 * AGENT_WS_PROBES unsure answers the workspace counts as alive.  While the
 * backend is still finding out (WS_ASKING: its question has a deadline of
 * its own) the timer keeps asking without counting.  Alive: a
 * new shell at the old size; gone: the task ends saying how to resume.
 */
static void
agent_ws_probe(struct agent *a)
{
	struct workspace *ws = a->d.ws;
	enum ws_health h = ws_check(ws);
	char *cause = NULL;
	const char *why;

	if (h == WS_ASKING ||
	    (h == WS_UNSURE && ++a->ws_probes < AGENT_WS_PROBES)) {
		a->ws_timer = loop_timer_add(a->d.loop, AGENT_WS_PROBE_MS,
		    agent_ws_probe_timer, a);
		return;
	}
	if (h != WS_GONE && shell_restart(a->d.shell, &cause) == 0) {
		agent_notice(a, "the shell exited; a new "
		    "one was started (working directory and variables reset)");
		return;
	}
	why = ws_error(ws) != NULL ? ws_error(ws) : cause != NULL ? cause :
	    "the shell exited";
	free(a->fatal);
	a->fatal = xasprintf("workspace lost: %s; the session is saved: "
	    "continue with cade --resume %s", why,
	    a->d.session_id != NULL ? a->d.session_id : "last");
	free(cause);
	agent_error(a, "workspace", a->fatal);
}

/* Whether call c may change the workspace (and so gets a checkpoint). */
static int
agent_call_changes(const struct agent_call *c)
{
	struct tool_effects e;
	int input;

	if (!c->have_verdict || c->args == NULL)
		return 0;
	if (c->verdict.changes)
		return 1;
	/* Keys typed into a running program can make it do anything. */
	tool_describe_entry(c->tool, c->name, c->args, &e);
	input = e.act.command != NULL && e.act.input;
	tool_effects_free(&e);
	return input;
}

/* What the confirmation prompt says about undoing call c. */
static char *
agent_undo_note(struct agent *a, const struct agent_call *c)
{
	if (!agent_call_changes(c))
		return NULL;
	if (a->d.ckpt == NULL || ckpt_disabled(a->d.ckpt) != NULL)
		return xasprintf("not undoable: %s", a->d.ckpt == NULL ?
		    "no checkpoints in this session" : ckpt_disabled(a->d.ckpt));
	if (c->verdict.outside != NULL)
		return xasprintf("not undoable: %s (outside the workspace's "
		    "files); its changes to the workspace can be undone",
		    c->verdict.outside);
	return xstrdup("undoable: a checkpoint of the workspace is taken "
	    "before it runs (/undo)");
}

/* Say once, visibly, that checkpoints are not being taken. */
static void
agent_ckpt_notice(struct agent *a, const char *why)
{
	char *s;

	if (a->ck_noticed)
		return;
	a->ck_noticed = 1;
	s = xasprintf("no checkpoint: %s", why);
	agent_notice(a, s);
	free(s);
}

/* Before a call that may change the workspace: snapshot it. */
void
agent_ckpt_before(struct agent *a, struct agent_call *c)
{
	char *cause = NULL;

	c->ck_taken = 0;
	if (a->d.ckpt == NULL || !agent_call_changes(c))
		return;
	if (ckpt_disabled(a->d.ckpt) != NULL) {
		agent_ckpt_notice(a, ckpt_disabled(a->d.ckpt));
		return;
	}
	if (ckpt_snapshot(a->d.ckpt, &c->ck_before, NULL, &cause) == -1) {
		if (ckpt_disabled(a->d.ckpt) != NULL)
			agent_ckpt_notice(a, cause);
		else {
			char *s = xasprintf("no checkpoint before this step: %s",
			    cause);

			agent_notice(a, s);
			free(s);
		}
		free(cause);
		return;
	}
	c->ck_taken = 1;
}

/* After it: snapshot again and record both as one checkpoint event. */
void
agent_ckpt_after(struct agent *a, struct agent_call *c)
{
	struct ckpt_state after;
	long ms = a->d.ckpt != NULL ? ckpt_last_ms(a->d.ckpt) : 0;
	char *cause = NULL, *s;
	cJSON *big = NULL, *files = NULL, *jb, *ja;
	int changed;

	if (!c->ck_taken)
		return;
	c->ck_taken = 0;
	if (ckpt_snapshot(a->d.ckpt, &after, &big, &cause) == -1) {
		s = xasprintf("no checkpoint after this step: %s", cause);
		agent_notice(a, s);
		free(s);
		free(cause);
		return;
	}
	changed = !ckpt_same(&c->ck_before, &after);
	if (changed) {
		files = ckpt_changes(a->d.ckpt, &c->ck_before, &after, &cause);
		if (files == NULL)
			free(cause);
		while (files != NULL && cJSON_GetArraySize(files) > 200)
			cJSON_DeleteItemFromArray(files, 200);
	}
	jb = ckpt_state_json(&c->ck_before);
	ja = ckpt_state_json(&after);
	event_post_checkpoint(a->d.bus, &(struct ev_checkpoint){
		.call_id = c->id,
		.tool = c->name,
		.summary = c->summary != NULL ? c->summary : c->args_text,
		.step = a->step,
		.before = jb,
		.after = ja,
		.changed = changed,
		.files = files,
		.big = big,
		.ms = ms + ckpt_last_ms(a->d.ckpt),
	});
	cJSON_Delete(jb);
	cJSON_Delete(ja);
	cJSON_Delete(files);
	cJSON_Delete(big);
}
