/*
 * agent.c: the agent state machine (states and contract in
 * include/cade/agent.h).
 *
 * Data flow for one step: the history (a list of OpenAI chat messages, each
 * tagged with the step that produced it) is turned into a request; the LLM
 * client streams deltas back (forwarded as transient events) and finally a
 * whole reply.  Each tool call in the reply becomes a struct agent_call that
 * goes through the policy engine (EV_POLICY_DECISION), possibly waits for
 * the person (agent_confirm), runs through its tool_entry, and produces an
 * observation that joins the history.  When every call of the step is done
 * the next step starts, unless the task ended (finish, a limit, stuck
 * detection, an error or a cancel), which is always announced by EV_FINISH.
 *
 * Everything the agent learns goes out as an event before it acts on it, so
 * the session store holds what is needed to rebuild the same history on
 * resume (agent_replay).
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
#include "cade/image.h"
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

static void	agent_on_text(const char *, size_t, void *);
static void	agent_on_reasoning(const char *, size_t, void *);
static void	agent_on_retry(int, int, uint64_t, const char *, const char *, void *);

static const char *const agent_state_names[] = {
	"idle", "thinking", "confirm", "running", "paused", "finished",
	"stopped", "stuck", "error"
};

/* Name of a state for events and the status bar. */
const char *
agent_state_name(enum agent_state s)
{
	return (unsigned)s < nitems(agent_state_names) ? agent_state_names[s] : "?";
}

static const struct {
	const char		*name;
	enum agent_state	 state;		/* the agent's state after it */
	int			 exit;		/* headless exit status */
} agent_ends[AGENT_END__COUNT] = {
	[AGENT_END_FINISHED] = { "finished", AGENT_FINISHED, CADE_EXIT_OK },
	[AGENT_END_REPLIED] = { "replied", AGENT_IDLE, CADE_EXIT_OK },
	[AGENT_END_LIMIT] = { "limit", AGENT_STOPPED, CADE_EXIT_LIMIT },
	[AGENT_END_BUDGET] = { "budget", AGENT_STOPPED, CADE_EXIT_LIMIT },
	[AGENT_END_STUCK] = { "stuck", AGENT_STUCK, CADE_EXIT_STUCK },
	[AGENT_END_ABORTED] = { "aborted", AGENT_STOPPED, CADE_EXIT_POLICY },
	[AGENT_END_CANCELLED] = { "cancelled", AGENT_STOPPED,
	    CADE_EXIT_INTERRUPTED },
	[AGENT_END_ERROR] = { "error", AGENT_ERROR, CADE_EXIT_ERROR },
};

/* Name of an end for the finish event. */
const char *
agent_end_name(enum agent_end e)
{
	return (unsigned)e < AGENT_END__COUNT ? agent_ends[e].name : "error";
}

/* The end a finish status names. */
enum agent_end
agent_end_from_name(const char *name)
{
	int i;

	for (i = 0; i < AGENT_END__COUNT; i++)
		if (strcmp(agent_ends[i].name, name) == 0)
			return (enum agent_end)i;
	return AGENT_END_ERROR;
}

/* Exit status of a headless run that ended so. */
int
agent_end_exit(enum agent_end e)
{
	return agent_ends[(unsigned)e < AGENT_END__COUNT ? e : AGENT_END_ERROR].exit;
}

/* Change state and say so. */
void
agent_set_state(struct agent *a, enum agent_state to)
{
	enum agent_state from = a->state;

	if (from == to)
		return;
	a->state = to;
	event_post_state(a->d.bus, &(struct ev_state){
	    .from = agent_state_name(from), .to = agent_state_name(to) });
}

/* Post a notice. */
void
agent_notice(struct agent *a, const char *text)
{
	event_post_notice(a->d.bus, &(struct ev_notice){ .text = text });
}

/* Post an error of a kind. */
void
agent_error(struct agent *a, const char *kind, const char *message)
{
	event_post_error(a->d.bus, &(struct ev_error){ .kind = kind,
	    .message = message });
}

/* Free the current step's calls. */
static void
agent_calls_clear(struct agent *a)
{
	size_t i;

	for (i = 0; i < a->ncalls; i++) {
		free(a->calls[i].id);
		free(a->calls[i].name);
		free(a->calls[i].args_text);
		cJSON_Delete(a->calls[i].args);
		if (a->calls[i].have_verdict)
			policy_verdict_free(&a->calls[i].verdict);
		free(a->calls[i].deny_reason);
		free(a->calls[i].summary);
		free(a->calls[i].preview);
		free(a->calls[i].undo_note);
	}
	free(a->calls);
	a->calls = NULL;
	a->ncalls = a->next_call = 0;
}

/* Size of the tools array for the current model (sent with every request). */
static void
agent_measure_tools(struct agent *a)
{
	cJSON *tools = tool_schemas_in(a->d.cfg, a->model, a->d.tools);
	char *s = cJSON_PrintUnformatted(tools);

	a->tools_bytes = s != NULL ? strlen(s) : 0;
	free(s);
	cJSON_Delete(tools);
}

/* New agent; nothing happens until agent_submit() or agent_continue(). */
struct agent *
agent_new(const struct agent_deps *d)
{
	struct agent *a = xcalloc(1, sizeof *a);
	size_t builtin;
	cJSON *sys;

	a->d = *d;
	a->state = AGENT_IDLE;
	a->model = xstrdup(conf_str(d->cfg, "model"));
	a->system = prompt_system(d->ws, &builtin);
	sys = agent_msg_new("system", a->system);
	if ((a->system_text = cJSON_PrintUnformatted(sys)) == NULL)
		fatal("cannot print the system prompt");
	cJSON_Delete(sys);
	a->skills = prompt_skills_load(d->ws->root);
	a->tstate = tool_state_new();
	a->tctx.cfg = d->cfg;
	a->tctx.loop = d->loop;
	a->tctx.ws = d->ws;
	a->tctx.shell = d->shell;
	a->tctx.state = a->tstate;
	a->tctx.extra = d->tools;
	if (d->session_id != NULL) {
		char *dir = store_dir(d->cfg);

		a->events_path = xasprintf("%s/%s/events.jsonl", dir, d->session_id);
		a->tctx.events_path = a->events_path;
		free(dir);
	}
	a->stats.max_steps = (int)conf_int(d->cfg, "max_steps");
	condense_est_init(&a->est);
	agent_measure_tools(a);
	log_debug("system prompt %zu bytes (built-in %zu)", strlen(a->system),
	    builtin);
	return a;
}

/*
 * Teardown begins: what is in flight still gets recorded (the shell answers
 * a waiting command as it closes), but nothing new is started.
 */
void
agent_shutdown(struct agent *a)
{
	if (a == NULL)
		return;
	a->closing = 1;
	if (a->d.llm != NULL && llm_busy(a->d.llm))
		llm_cancel(a->d.llm);
}


/* Free what a queued message holds. */
static void
agent_queued_clear(struct agent_queued *q)
{
	free(q->text);
	cJSON_Delete(q->images);
}

/* Free everything the agent owns. */
void
agent_free(struct agent *a)
{
	size_t i;

	if (a == NULL)
		return;
	if (a->hold_timer != 0)
		loop_timer_cancel(a->d.loop, a->hold_timer);
	if (a->out_timer != 0)
		loop_timer_cancel(a->d.loop, a->out_timer);
	cJSON_Delete(a->replay_started);
	if (a->ws_timer != 0)
		loop_timer_cancel(a->d.loop, a->ws_timer);
	if (a->tools_timer != 0)
		loop_timer_cancel(a->d.loop, a->tools_timer);
	if (a->d.llm != NULL && llm_busy(a->d.llm))
		llm_cancel(a->d.llm);
	llm_free(a->title_llm);
	agent_calls_clear(a);
	for (i = 0; i < a->nhist; i++)
		agent_msg_clear(&a->hist[i]);
	free(a->hist);
	free(a->system_text);
	free(a->vtexts);
	cJSON_Delete(a->tools);
	free(a->tools_text);
	free(a->tools_model);
	free(a->tools_v);
	for (i = 0; i < a->nqueue; i++)
		agent_queued_clear(&a->queue[i]);
	free(a->queue);
	free(a->pending);
	free(a->model);
	free(a->unpriced_model);
	free(a->system);
	free(a->finish_msg);
	free(a->fatal);
	free(a->events_path);
	free(a->last_text);
	prompt_skills_free(a->skills);
	tool_state_free(a->tstate);
	free(a);
}

/* 1 when no task runs: a new message starts one, /compact may act now. */
static int
agent_at_rest(const struct agent *a)
{
	switch (a->state) {
	case AGENT_IDLE:
	case AGENT_FINISHED:
	case AGENT_STOPPED:
	case AGENT_STUCK:
	case AGENT_ERROR:
		return 1;
	default:
		return 0;
	}
}

/* See agent.h. */
const struct tool_entry *
agent_tool(const struct agent *a, const char *name)
{
	return tool_find_in(a != NULL ? a->d.tools : NULL, name);
}

/* Current state. */
enum agent_state
agent_get_state(const struct agent *a)
{
	return a->state;
}

/* Counters for the status bar and the summary. */
void
agent_get_stats(const struct agent *a, struct agent_stats *st)
{
	long window;

	*st = a->stats;
	st->step = a->step;
	st->model = a->model;
	window = condense_window(a->d.cfg, a->model);
	st->context_pct = 100.0 * (double)condense_request_tokens(a) / (double)window;
}

/* Switch model for later steps (/model). */
void
agent_set_model(struct agent *a, const char *model)
{
	free(a->model);
	a->model = xstrdup(model);
	agent_measure_tools(a);
}

/* End the task: announce how, with the summary, and settle the state. */
void
agent_end(struct agent *a, enum agent_end end, const char *message)
{
	enum agent_state to = agent_ends[end].state;
	struct ev_finish fin;

	fin = (struct ev_finish){
		.status = agent_end_name(end),
		.message = message,
		.steps = a->step,
		.prompt_tokens = a->stats.tokens_in,
		.completion_tokens = a->stats.tokens_out,
		.cost = a->stats.cost,
		.refusals = a->stats.refusals,
	};
	a->cancel_requested = 0;
	a->no_action = 0;
	agent_calls_clear(a);
	agent_set_state(a, to);
	/* finish is the last word on a task: sinks may stop at it. */
	event_post_finish(a->d.bus, &fin);
	/* Messages typed meanwhile start the next turn at once. */
	if (a->nqueue > 0 && (to == AGENT_IDLE || to == AGENT_FINISHED)) {
		a->task_start = a->step;
		agent_step(a);
	}
}

/* End the task with a message the agent owned (*msgp is taken and cleared). */
static void
agent_end_take(struct agent *a, enum agent_end end, char **msgp)
{
	char *msg = *msgp;

	*msgp = NULL;
	agent_end(a, end, msg);
	free(msg);
}

/* See agent.h: the finish event of a task cut short by cade's own exit. */
void
agent_close_task(struct agent *a)
{
	if (a == NULL)
		return;
	switch (a->state) {
	case AGENT_THINKING:
	case AGENT_RUNNING:
	case AGENT_CONFIRM:
		break;
	case AGENT_PAUSED:
		if (a->next_call < a->ncalls || a->resume_pending)
			break;
		return;
	default:
		return;
	}
	agent_end(a, AGENT_END_CANCELLED, "interrupted: cade stopped before the "
	    "step ended");
}

/* Add a user message to the history (and inject triggered skills). */
static void
agent_add_user(struct agent *a, const char *raw, const cJSON *images,
    int automated)
{
	char *skills, *text = agent_clean(raw);
	cJSON *d;

	/* The history keeps what the sinks saw: masked by the bus (the
	 * images are bytes from the blobs, named by digest, not text). */
	d = event_post_masked(a->d.bus, EV_USER_MESSAGE,
	    &(struct ev_user_message){ .text = text, .automated = automated,
	    .images = images });
	agent_hist_add_user(a, event_json_str(d, "text"), images);
	cJSON_Delete(d);
	if (!automated && (skills = prompt_skills_match(a->skills, text)) != NULL) {
		d = event_post_masked(a->d.bus, EV_USER_MESSAGE,
		    &(struct ev_user_message){ .text = skills, .skill = 1 });
		agent_hist_add(a, agent_msg_new("user", event_json_str(d, "text")));
		cJSON_Delete(d);
		free(skills);
	}
	free(text);
	a->ntrack = 0;
}

/* Start a request on client l with the agent as the callbacks' argument. */
int
agent_send(struct agent *a, struct llm *l, const cJSON *msgs,
    const char *const *texts, size_t ntexts, const cJSON *tools,
    const char *tools_text,
    void (*text)(const char *, size_t, void *),
    void (*done)(struct llm_response *, void *), char **cause)
{
	struct llm_callbacks cb;
	struct llm_request req;

	memset(&req, 0, sizeof req);
	req.messages = msgs;
	req.texts = texts;
	req.ntexts = ntexts;
	req.tools = tools;
	req.tools_text = tools_text;
	req.model = a->model;
	memset(&cb, 0, sizeof cb);
	cb.text = text;
	cb.reasoning = text == agent_on_text ? agent_on_reasoning : text;
	cb.retry = l == a->d.llm ? agent_on_retry : NULL;
	cb.done = done;
	cb.arg = a;
	return llm_send(l, &req, &cb, cause);
}

/* The title reply: a notice with a "title" field (cade sessions shows it). */
static void
agent_on_title(struct llm_response *r, void *arg)
{
	struct agent *a = arg;
	char *t;

	if (r->status == LLM_OK && *r->text != '\0') {
		t = xstrndup(r->text, 80);
		t[strcspn(t, "\n")] = '\0';
		event_post_notice(a->d.bus, &(struct ev_notice){
		    .text = "session title set", .title = util_trim(t) });
		free(t);
	}
	llm_response_free(r);
}

/* Ignore title deltas. */
static void
agent_on_title_text(const char *s, size_t n, void *arg)
{
}

/* title_summarize: ask for a short title on a second client, in parallel. */
static void
agent_request_title(struct agent *a, const char *text)
{
	cJSON *msgs = cJSON_CreateArray();
	char *prompt, *cause = NULL;

	a->titled = 1;
	if (a->title_llm == NULL)
		a->title_llm = llm_new(a->d.loop, a->d.cfg);
	prompt = xasprintf("Write a title of at most six words for a coding "
	    "session that starts with this request. Reply with the title "
	    "only.\n\n%.2000s", text);
	cJSON_AddItemToArray(msgs, agent_msg_new("user", prompt));
	free(prompt);
	if (agent_send(a, a->title_llm, msgs, NULL, 0, NULL, NULL, agent_on_title_text,
	    agent_on_title, &cause) == -1)
		free(cause);
	cJSON_Delete(msgs);
}

/* A message from the person: now if idle, else at the next step. */
void
agent_submit(struct agent *a, const char *text)
{
	agent_submit_images(a, text, NULL, 0);
}

/*
 * The images go to the session's blob store now (so the message can be
 * rebuilt from the store however late it is delivered, and on resume);
 * the queued message keeps only their records.
 */
void
agent_submit_images(struct agent *a, const char *text,
    const struct agent_image *img, size_t n)
{
	struct agent_queued *q;
	cJSON *o;
	char *dir = NULL, *cause = NULL, *msg, hex[65];
	const char *mime;
	size_t i;

	a->queue = xreallocarray(a->queue, a->nqueue + 1, sizeof *a->queue);
	q = &a->queue[a->nqueue++];
	q->text = xstrdup(text);
	q->images = NULL;
	for (i = 0; i < n; i++) {
		if ((mime = image_type(img[i].data, img[i].len)) == NULL)
			cause = xstrdup("not a PNG, JPEG, GIF or WebP image");
		else if (a->d.session_id == NULL)
			cause = xstrdup("no session store to keep it in");
		else {
			if (dir == NULL)
				dir = store_dir(a->d.cfg);
			(void)store_blob_put(dir, a->d.session_id, img[i].data,
			    img[i].len, hex, &cause);
		}
		if (cause != NULL) {
			msg = xasprintf("image %s not attached: %s", img[i].path,
			    cause);
			agent_error(a, "image", msg);
			free(msg);
			free(cause);
			cause = NULL;
			continue;
		}
		if (q->images == NULL)
			q->images = cJSON_CreateArray();
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", img[i].path);
		cJSON_AddStringToObject(o, "mime", mime);
		cJSON_AddNumberToObject(o, "bytes", (double)img[i].len);
		cJSON_AddStringToObject(o, "sha256", hex);
		cJSON_AddItemToArray(q->images, o);
	}
	free(dir);
	if (!a->titled && a->nhist == 0 && conf_bool(a->d.cfg, "title_summarize"))
		agent_request_title(a, text);
	if (agent_at_rest(a)) {
		a->task_start = a->step;
		agent_step(a);
	}	/* else delivered at the next step */
}

/* A streamed delta of the answer or of the reasoning, cleaned, to the live sinks. */
static void
agent_post_delta(struct agent *a, const char *s, size_t n, int reasoning)
{
	char *t = xstrndup(s, n), *c = agent_clean(t);

	if (reasoning)
		event_post_reasoning_delta(a->d.bus,
		    &(struct ev_reasoning_delta){ .text = c });
	else
		event_post_assistant_delta(a->d.bus,
		    &(struct ev_assistant_delta){ .text = c });
	free(t);
	free(c);
}

/* LLM text delta. */
static void
agent_on_text(const char *s, size_t n, void *arg)
{
	agent_post_delta(arg, s, n, 0);
}

/* LLM reasoning delta. */
static void
agent_on_reasoning(const char *s, size_t n, void *arg)
{
	agent_post_delta(arg, s, n, 1);
}

/* The LLM client is about to retry: tell the person. */
static void
agent_on_retry(int attempt, int max, uint64_t delay_ms, const char *reason,
    const char *model, void *arg)
{
	struct agent *a = arg;

	event_post_retry(a->d.bus, &(struct ev_retry){
		.attempt = attempt,
		.max = max,
		.delay_ms = (int64_t)delay_ms,
		.reason = reason,
		.model = model != NULL ? model : a->model,
	});
}

/*
 * Tokens a reply used while no price was known for its model: kept to be
 * costed by agent_reprice() when the endpoint's list brings one.
 */
static void
agent_unpriced_add(struct agent *a, const char *model,
    const struct llm_usage *u)
{
	if (u->cost != 0 || (u->prompt_tokens == 0 && u->completion_tokens == 0)
	    || llm_price_known(a->d.cfg, model))
		return;
	if (a->unpriced_model != NULL && strcmp(a->unpriced_model, model) != 0)
		return;	/* one model's tokens wait; another's stay unknown */
	if (a->unpriced_model == NULL)
		a->unpriced_model = xstrdup(model);
	a->unpriced.prompt_tokens += u->prompt_tokens;
	a->unpriced.completion_tokens += u->completion_tokens;
	a->unpriced.cached_tokens += u->cached_tokens;
}

/* Fold a reply's usage into the totals and announce it. */
void
agent_usage(struct agent *a, const struct llm_response *r)
{
	a->stats.tokens_in += r->usage.prompt_tokens;
	a->stats.tokens_out += r->usage.completion_tokens;
	a->stats.tokens_cached += r->usage.cached_tokens;
	a->stats.cost += r->usage.cost;
	agent_unpriced_add(a, r->model != NULL ? r->model : a->model, &r->usage);
	event_post_usage(a->d.bus, &(struct ev_usage){
		.model = r->model != NULL ? r->model : a->model,
		.reported = r->usage.present,
		.prompt_tokens = r->usage.prompt_tokens,
		.completion_tokens = r->usage.completion_tokens,
		.cached_tokens = r->usage.cached_tokens,
		.reasoning_tokens = r->usage.reasoning_tokens,
		.cost = r->usage.cost,
		.request_bytes = (int64_t)r->usage.request_bytes,
		.response_bytes = (int64_t)r->usage.response_bytes,
		.total_prompt_tokens = a->stats.tokens_in,
		.total_completion_tokens = a->stats.tokens_out,
		.total_cached_tokens = a->stats.tokens_cached,
		.total_cost = a->stats.cost,
		.implausible = r->usage.implausible,
	});
}

/* See agent.h. */
void
agent_reprice(struct agent *a)
{
	struct llm_usage *u = &a->unpriced;
	double cost;

	if (a->unpriced_model == NULL ||
	    !llm_price_known(a->d.cfg, a->unpriced_model))
		return;
	cost = llm_cost(a->d.cfg, a->unpriced_model, u);
	a->stats.cost += cost;
	/* A usage event of no new tokens: the cost the late prices give. */
	event_post_usage(a->d.bus, &(struct ev_usage){
		.model = a->unpriced_model,
		.cost = cost,
		.total_prompt_tokens = a->stats.tokens_in,
		.total_completion_tokens = a->stats.tokens_out,
		.total_cached_tokens = a->stats.tokens_cached,
		.total_cost = a->stats.cost,
	});
	memset(u, 0, sizeof *u);
	free(a->unpriced_model);
	a->unpriced_model = NULL;
}

/* The assistant message as stored and as sent back to the model. */
static void
agent_record_reply(struct agent *a, const struct llm_response *r, int cancelled)
{
	cJSON *calls = cJSON_CreateArray(), *msg, *c, *fn;
	cJSON *hcalls = cJSON_CreateArray();
	char *clean, *text, *reasoning = NULL;
	cJSON *d;
	size_t i;

	/* Later requests must stay valid JSON text: clean what the model sent. */
	for (i = 0; i < r->ncalls; i++) {
		clean = agent_clean(r->calls[i].arguments);
		free(r->calls[i].arguments);
		r->calls[i].arguments = clean;
		clean = agent_clean(r->calls[i].name);
		free(r->calls[i].name);
		r->calls[i].name = clean;
	}

	text = agent_clean(r->text);
	if (*r->reasoning != '\0')
		reasoning = agent_clean(r->reasoning);
	for (i = 0; i < r->ncalls && !cancelled; i++) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "id", r->calls[i].id);
		cJSON_AddStringToObject(c, "name", r->calls[i].name);
		cJSON_AddStringToObject(c, "arguments", r->calls[i].arguments);
		cJSON_AddItemToArray(calls, c);
	}
	/*
	 * A reply stopped before any text or call (a signal during the
	 * request) is not a message: recording it would make the resumed
	 * history end with an empty answer, which real APIs reject.
	 */
	if (*text == '\0' && cJSON_GetArraySize(calls) == 0 &&
	    (cancelled || reasoning == NULL)) {
		cJSON_Delete(calls);
		cJSON_Delete(hcalls);
		free(reasoning);
		free(a->last_text);
		a->last_text = text;
		return;
	}
	/*
	 * The history is built from the event as the sinks saw it (masked by
	 * the bus), so the next request never holds a secret; the calls still
	 * run with the arguments the model wrote.
	 */
	d = event_post_masked(a->d.bus, EV_ASSISTANT_MESSAGE,
	    &(struct ev_assistant_message){
		.text = text,
		.reasoning = reasoning,
		.tool_calls = calls,
		.incomplete = r->incomplete,
		.cancelled = cancelled,
		.finish_reason = r->finish_reason,
		.model = r->model != NULL ? r->model : a->model,
	});
	cJSON_Delete(calls);
	free(reasoning);
	free(text);
	text = xstrdup(event_json_str(d, "text"));
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(d, "tool_calls")) {
		cJSON *hc = cJSON_CreateObject();

		cJSON_AddStringToObject(hc, "id", event_json_str(c, "id"));
		cJSON_AddStringToObject(hc, "type", "function");
		fn = cJSON_AddObjectToObject(hc, "function");
		cJSON_AddStringToObject(fn, "name", event_json_str(c, "name"));
		cJSON_AddStringToObject(fn, "arguments",
		    event_json_str(c, "arguments"));
		cJSON_AddItemToArray(hcalls, hc);
	}
	cJSON_Delete(d);

	/* {"role":"assistant","content":null} without calls is invalid. */
	if (*text == '\0' && cJSON_GetArraySize(hcalls) == 0) {
		cJSON_Delete(hcalls);
		free(a->last_text);
		a->last_text = text;
		return;
	}
	msg = agent_msg_new("assistant", *text != '\0' ? text : NULL);
	if (cJSON_GetArraySize(hcalls) > 0)
		cJSON_AddItemToObject(msg, "tool_calls", hcalls);
	else
		cJSON_Delete(hcalls);
	agent_hist_add(a, msg);
	free(a->last_text);
	a->last_text = text;
}

/*
 * Timer while a terminal command runs: record what it printed since the
 * last tick as a tool_output event, so that after a crash (kill -9) the
 * resumed model hears what the action had done.  Only while a command
 * runs; an idle cade sets no timer.
 */
static void
agent_output_tick(struct loop *l, void *arg)
{
	struct agent *a = arg;
	const char *data;
	size_t n;

	a->out_timer = 0;
	if (a->d.shell == NULL || a->next_call >= a->ncalls ||
	    a->calls[a->next_call].st != CALL_RUNNING)
		return;
	n = shell_output_peek(a->d.shell, a->out_sent, &data);
	if (n > 0) {		/* never end inside a UTF-8 sequence */
		size_t i = n - 1, need;
		unsigned char lead;

		while (i > 0 && ((unsigned char)data[i] & 0xc0) == 0x80)
			i--;
		lead = (unsigned char)data[i];
		need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
		if (i + need > n)
			n = i;
	}
	if (n > 0) {
		char *text = util_utf8_sanitize(data, n, NULL);

		event_post_tool_output(a->d.bus, &(struct ev_tool_output){
			.call_id = a->calls[a->next_call].id,
			.text = text,
		});
		free(text);
		a->out_sent += n;
	}
	a->out_timer = loop_timer_add(l, AGENT_OUTPUT_TICK_MS,
	    agent_output_tick, a);
}

/* A tool finished (possibly synchronously inside exec). */
static void
agent_on_tool_done(struct tool_result *res, void *arg)
{
	struct agent *a = arg;
	struct agent_call *c = &a->calls[a->next_call];

	if (a->out_timer != 0) {
		loop_timer_cancel(a->d.loop, a->out_timer);
		a->out_timer = 0;
	}

	agent_observe(a, c, res, 0);
	agent_ckpt_after(a, c);
	if (a->closing) {
		tool_result_free(res);
		a->next_call++;
		return;
	}
	if (c->tool != NULL && c->tool->in_shell && a->d.shell != NULL &&
	    shell_dead(a->d.shell))
		agent_shell_died(a);
	if (res->finish) {
		free(a->finish_msg);
		a->finish_msg = xstrdup(res->text);
	}
	tool_result_free(res);
	a->next_call++;
	if (a->in_exec) {
		a->exec_done = 1;
		return;
	}
	agent_advance(a);
}

/* Timer: the person stopped typing in the pane, go on. */
static void
agent_hold_done(struct loop *l, void *arg)
{
	struct agent *a = arg;

	a->hold_timer = 0;
	agent_advance(a);
}

/* Rebuild the list agent_pending() returns. */
static void
agent_pending_build(struct agent *a)
{
	size_t i;

	a->npending = 0;
	free(a->pending);
	a->pending = xcalloc(a->ncalls + 1, sizeof *a->pending);
	for (i = 0; i < a->ncalls; i++) {
		if (a->calls[i].st != CALL_ASK)
			continue;
		a->pending[a->npending].call_id = a->calls[i].id;
		a->pending[a->npending].tool = a->calls[i].name;
		a->pending[a->npending].summary = a->calls[i].summary ?
		    a->calls[i].summary : a->calls[i].args_text;
		a->pending[a->npending].preview = a->calls[i].preview;
		a->pending[a->npending].undo = a->calls[i].undo_note;
		a->pending[a->npending].verdict = &a->calls[i].verdict;
		a->npending++;
	}
}

/* Run, refuse or wait for the calls of this step, in order. */
void
agent_advance(struct agent *a)
{
	struct agent_call *c;
	const char *why;
	char *msg;

	if (a->ws_timer != 0)
		return;		/* agent_ws_probe_timer() carries on */
	while (a->next_call < a->ncalls) {
		c = &a->calls[a->next_call];
		if ((a->cancel_requested || a->fatal != NULL) &&
		    c->st != CALL_RUNNING && c->st != CALL_DONE) {
			agent_observe_text(a, c, a->fatal != NULL ? "not run: "
			    "the task is ending on an error" : "not run: the "
			    "person stopped the agent", 0);
			a->next_call++;
			continue;
		}
		switch (c->st) {
		case CALL_ASK:
			agent_pending_build(a);
			agent_set_state(a, AGENT_CONFIRM);
			return;
		case CALL_DENIED:
			a->stats.refusals += c->have_verdict;
			agent_observe_text(a, c, c->deny_reason, c->have_verdict);
			a->next_call++;
			continue;
		case CALL_DONE:
			a->next_call++;
			continue;
		case CALL_RUNNING:
			return;
		case CALL_NEW:
		case CALL_APPROVED:
			break;
		}
		if (a->paused) {
			agent_set_state(a, AGENT_PAUSED);
			return;
		}
		if (c->tool->in_shell && a->d.shell != NULL &&
		    shell_user_idle_ms(a->d.shell) < AGENT_TYPING_HOLD_MS) {
			if (a->hold_timer == 0)
				a->hold_timer = loop_timer_add(a->d.loop,
				    AGENT_TYPING_HOLD_MS, agent_hold_done, a);
			return;
		}
		c->st = CALL_RUNNING;
		c->started = util_now_ms();
		agent_set_state(a, AGENT_RUNNING);
		event_post_tool_running(a->d.bus, &(struct ev_tool_running){
		    .call_id = c->id, .name = c->name });
		agent_ckpt_before(a, c);
		if (c->tool->in_shell && a->d.shell != NULL &&
		    a->out_timer == 0) {
			a->out_sent = 0;
			a->out_timer = loop_timer_add(a->d.loop,
			    AGENT_OUTPUT_TICK_MS, agent_output_tick, a);
		}
		a->in_exec = 1;
		a->exec_done = 0;
		a->tctx.self = c->tool;
		a->tctx.call_id = c->id;
		c->tool->exec(&a->tctx, c->args, agent_on_tool_done, a);
		a->in_exec = 0;
		if (!a->exec_done)
			return;		/* runs on; agent_on_tool_done continues */
	}
	agent_pending_build(a);

	/* Every call of the step is settled. */
	if (a->fatal != NULL) {
		agent_end_take(a, AGENT_END_ERROR, &a->fatal);
		return;
	}
	if (a->finish_msg != NULL) {
		agent_end_take(a, AGENT_END_FINISHED, &a->finish_msg);
		return;
	}
	if (a->cancel_requested) {
		agent_end(a, AGENT_END_CANCELLED, "interrupted: the current step was stopped");
		return;
	}
	if ((why = agent_stuck(a)) != NULL) {
		msg = xasprintf("stuck: %s %ld times; paused instead of spending "
		    "more tokens (send a message to go on)", why,
		    conf_int(a->d.cfg, "stuck_repeat"));
		agent_end(a, AGENT_END_STUCK, msg);
		free(msg);
		return;
	}
	agent_step(a);
}

/*
 * A reply with nothing to act on: after stuck_no_action of them in a row
 * the task ends as stuck (saying stuck); until then the model is told
 * (nudge) and asked again.
 */
static void
agent_no_action(struct agent *a, const char *stuck, const char *nudge)
{
	if (++a->no_action >= conf_int(a->d.cfg, "stuck_no_action")) {
		agent_end(a, AGENT_END_STUCK, stuck);
		return;
	}
	agent_add_user(a, nudge, NULL, 1);
	agent_step(a);
}

/* The whole reply is in. */
static void
agent_on_reply(struct llm_response *r, void *arg)
{
	struct agent *a = arg;
	struct agent_call *c;
	size_t i;
	char *msg;

	agent_usage(a, r);
	/* Images are billed by pixels: their base64 would skew the ratio. */
	if (r->usage.present && r->usage.request_bytes > agent_hist_image_wire(a))
		condense_est_update(&a->est, r->usage.request_bytes -
		    agent_hist_image_wire(a), r->usage.prompt_tokens);
	if (r->status == LLM_ERR_CONTEXT && !a->context_retry) {
		/* The server says it does not fit: condense, then try again. */
		a->context_retry = 1;
		a->step--;
		llm_response_free(r);
		a->force_condense = 1;
		a->just_condensed = 0;
		agent_step(a);
		return;
	}
	a->context_retry = 0;
	if (r->status == LLM_ERR_CANCELLED) {
		agent_record_reply(a, r, 1);
		llm_response_free(r);
		if (a->fatal != NULL) {
			agent_end_take(a, AGENT_END_ERROR, &a->fatal);
			return;
		}
		agent_end(a, AGENT_END_CANCELLED, "interrupted: the current step was stopped");
		return;
	}
	if (r->status != LLM_OK) {
		agent_error(a, llm_status_name(r->status),
		    r->error ? r->error : "LLM error");
		msg = xstrdup(r->error ? r->error : "LLM error");
		llm_response_free(r);
		agent_end(a, AGENT_END_ERROR, msg);
		free(msg);
		return;
	}
	agent_record_reply(a, r, 0);
	agent_hist_trim(a);
	a->cut_off = r->finish_reason != NULL &&
	    strcmp(r->finish_reason, "length") == 0;
	if (conf_double(a->d.cfg, "max_budget") > 0 &&
	    a->stats.cost > conf_double(a->d.cfg, "max_budget") && r->ncalls > 0) {
		msg = xasprintf("budget reached: $%.4f spent of $%.4f (max_budget)",
		    a->stats.cost, conf_double(a->d.cfg, "max_budget"));
		/* The reply's calls must still be answered in the history. */
		for (i = 0; i < r->ncalls; i++) {
			cJSON *m = agent_msg_new("tool", "not run: budget reached");

			cJSON_AddStringToObject(m, "tool_call_id", r->calls[i].id);
			agent_hist_add(a, m);
		}
		llm_response_free(r);
		agent_end(a, AGENT_END_BUDGET, msg);
		free(msg);
		return;
	}
	if (r->ncalls == 0) {
		if (a->cut_off) {
			/* A reply cut at the token limit is not an answer. */
			llm_response_free(r);
			agent_no_action(a, "stuck: the model's replies keep "
			    "hitting the output token limit", "(automated) Your "
			    "reply was cut off at the output token limit. "
			    "Continue exactly where it stopped.");
			return;
		}
		if (*r->text != '\0') {
			msg = xstrdup(a->last_text);
			llm_response_free(r);
			agent_end(a, AGENT_END_REPLIED, msg);
			free(msg);
			return;
		}
		llm_response_free(r);
		agent_no_action(a, "stuck: the model replied with neither "
		    "text nor an action several times", "(automated) Your reply "
		    "was empty. Continue with the task using the tools, or call "
		    "finish.");
		return;
	}
	a->no_action = 0;
	agent_calls_clear(a);
	a->calls = xcalloc(r->ncalls, sizeof *a->calls);
	a->ncalls = r->ncalls;
	for (i = 0; i < r->ncalls; i++) {
		c = &a->calls[i];
		c->id = xstrdup(r->calls[i].id);
		c->name = xstrdup(r->calls[i].name);
		c->args_text = xstrdup(*r->calls[i].arguments ? r->calls[i].arguments : "{}");
		c->args = cJSON_Parse(c->args_text);
		c->tool = agent_tool(a, c->name);
	}
	llm_response_free(r);
	for (i = 0; i < a->ncalls; i++) {
		if (agent_decide(a, &a->calls[i]) == -1) {
			for (; i < a->ncalls; i++)
				if (a->calls[i].st != CALL_DONE)
					agent_observe_text(a, &a->calls[i],
					    "not run: headless run aborted at an "
					    "action that needs confirmation", 1);
			agent_end(a, AGENT_END_ABORTED, "aborted: an action needed "
			    "confirmation and --on-ask abort is set");
			return;
		}
	}
	agent_advance(a);
}


/*
 * The tools array for a request and its printed form, built again only
 * when what it is made of changes (the model, editing by patch or not, the
 * run-time tools, whose entries live as long as the session): a step
 * splices ~8 KB of schemas instead of parsing, building, copying and
 * printing them.  Called only right before a request of a->d.llm, never
 * while one is in flight (the client keeps them by reference).
 */
static const cJSON *
agent_tools(struct agent *a, const char **text)
{
	const struct tool_set *set = a->d.tools;
	size_t n = set != NULL ? set->n : 0;
	int ap = tool_uses_apply_patch(a->d.cfg, a->model);

	if (a->tools == NULL || strcmp(a->tools_model, a->model) != 0 ||
	    a->tools_ap != ap || a->tools_n != n ||
	    (n > 0 && memcmp(a->tools_v, set->v, n * sizeof *set->v) != 0)) {
		cJSON_Delete(a->tools);
		free(a->tools_text);
		free(a->tools_model);
		a->tools = tool_schemas_in(a->d.cfg, a->model, set);
		if ((a->tools_text = cJSON_PrintUnformatted(a->tools)) == NULL)
			fatal("cannot print the tools");
		a->tools_model = xstrdup(a->model);
		a->tools_ap = ap;
		a->tools_n = n;
		a->tools_v = xreallocarray(a->tools_v, n + 1, sizeof *a->tools_v);
		if (n > 0)
			memcpy(a->tools_v, set->v, n * sizeof *set->v);
	}
	*text = a->tools_text;
	return a->tools;
}

/* Run-time tools were still starting: try the step again. */
static void
agent_tools_wait(struct loop *loop, void *arg)
{
	struct agent *a = arg;

	(void)loop;
	a->tools_timer = 0;
	agent_step(a);
}

/* One step: deliver queued messages, check limits, ask the LLM. */
void
agent_step(struct agent *a)
{
	const cJSON *tools;
	const char *const *texts = NULL, *tools_text;
	char *cause = NULL, *msg;
	size_t i, n;

	if (a->closing)
		return;
	if (a->fatal != NULL) {
		agent_end_take(a, AGENT_END_ERROR, &a->fatal);
		return;
	}
	for (i = 0; i < a->nqueue; i++) {
		agent_add_user(a, a->queue[i].text, a->queue[i].images, 0);
		agent_queued_clear(&a->queue[i]);
	}
	a->nqueue = 0;
	if (a->paused) {
		agent_set_state(a, AGENT_PAUSED);
		a->resume_pending = 1;
		return;
	}
	/* The limit is per task: each message that starts one gets it anew. */
	if (a->step - a->task_start >= a->stats.max_steps) {
		msg = xasprintf("step limit reached: %d steps (--max-steps)",
		    a->step - a->task_start);
		agent_end(a, AGENT_END_LIMIT, msg);
		free(msg);
		return;
	}
	if (conf_double(a->d.cfg, "max_budget") > 0 &&
	    a->stats.cost >= conf_double(a->d.cfg, "max_budget")) {
		msg = xasprintf("budget reached: $%.4f spent of $%.4f (max_budget)",
		    a->stats.cost, conf_double(a->d.cfg, "max_budget"));
		agent_end(a, AGENT_END_BUDGET, msg);
		free(msg);
		return;
	}
	if (!a->just_condensed && (a->force_condense || condense_due(a))) {
		a->force_condense = 0;
		if (condense_start(a, 1) == 0)
			return;
	}
	a->just_condensed = 0;
	/* Run-time tools (MCP servers started without waiting) belong in the
	 * first request: wait for them, bounded by their own start timeout. */
	if (a->d.tools != NULL && a->d.tools->pending) {
		if (a->tools_timer == 0)
			a->tools_timer = loop_timer_add(a->d.loop, 20,
			    agent_tools_wait, a);
		return;
	}
	a->step++;
	n = agent_view(a, &texts);
	tools = agent_tools(a, &tools_text);
	agent_set_state(a, AGENT_THINKING);
	if (agent_send(a, a->d.llm, NULL, texts, n, tools, tools_text,
	    agent_on_text, agent_on_reply, &cause) == -1) {
		agent_error(a, "internal", cause);
		agent_end(a, AGENT_END_ERROR, cause);
		free(cause);
	}
}

/* End the task with an error as soon as what runs has ended. */
void
agent_fail(struct agent *a, const char *why)
{
	agent_error(a, "store", why);
	free(a->fatal);
	a->fatal = xstrdup(why);
	switch (a->state) {
	case AGENT_THINKING:
		llm_cancel(a->d.llm);	/* agent_on_reply ends with the error */
		break;
	case AGENT_CONFIRM:
	case AGENT_PAUSED:
		agent_advance(a);	/* pending calls are closed as not run */
		break;
	default:
		break;		/* a running tool ends, then agent_advance() stops */
	}
}

/* Stop the current step. */
void
agent_cancel(struct agent *a)
{
	size_t i;

	switch (a->state) {
	case AGENT_THINKING:
		llm_cancel(a->d.llm);
		break;
	case AGENT_RUNNING:
		a->cancel_requested = 1;
		if (a->d.shell != NULL && shell_busy(a->d.shell))
			shell_interrupt(a->d.shell);
		for (i = 0; i < a->ncalls; i++)
			if (a->calls[i].st == CALL_RUNNING &&
			    a->calls[i].tool != NULL &&
			    a->calls[i].tool->cancel != NULL) {
				a->tctx.self = a->calls[i].tool;
				a->tctx.call_id = a->calls[i].id;
				a->calls[i].tool->cancel(&a->tctx);
				break;	/* it may have ended the step */
			}
		if (a->hold_timer != 0) {
			loop_timer_cancel(a->d.loop, a->hold_timer);
			a->hold_timer = 0;
			agent_advance(a);
		}
		break;
	case AGENT_CONFIRM:
	case AGENT_PAUSED:
		a->cancel_requested = 1;
		a->paused = 0;
		for (i = 0; i < a->ncalls; i++)
			if (a->calls[i].st == CALL_ASK) {
				a->calls[i].st = CALL_DENIED;
				free(a->calls[i].deny_reason);
				a->calls[i].deny_reason = xstrdup("not run: the "
				    "person stopped the agent");
			}
		if (a->ncalls > 0)
			agent_advance(a);
		else
			agent_end(a, AGENT_END_CANCELLED, "interrupted: the current step was stopped");
		break;
	default:
		break;
	}
}

/* Hold before the next action. */
void
agent_pause(struct agent *a)
{
	a->paused = 1;
	if (a->state == AGENT_IDLE)
		agent_set_state(a, AGENT_PAUSED);
}

/* Go on after agent_pause(). */
void
agent_resume(struct agent *a)
{
	if (!a->paused)
		return;
	a->paused = 0;
	if (a->state != AGENT_PAUSED)
		return;
	if (a->next_call < a->ncalls)
		agent_advance(a);
	else if (a->resume_pending || a->nqueue > 0) {
		a->resume_pending = 0;
		agent_step(a);
	} else
		agent_set_state(a, AGENT_IDLE);
}

/* The person's answer to a pending confirmation. */
int
agent_confirm(struct agent *a, const char *call_id, enum agent_answer ans,
    const char *reason, enum policy_scope scope, char **cause)
{
	struct agent_call *c = NULL;
	size_t i;

	for (i = 0; i < a->ncalls; i++)
		if (a->calls[i].st == CALL_ASK && strcmp(a->calls[i].id, call_id) == 0)
			c = &a->calls[i];
	if (c == NULL) {
		*cause = xasprintf("no pending action '%s'", call_id);
		return -1;
	}
	switch (ans) {
	case ANSWER_APPROVE:
		c->st = CALL_APPROVED;
		agent_post_decision(a, c, "allow", "person", NULL, NULL);
		break;
	case ANSWER_REJECT:
		c->st = CALL_DENIED;
		c->deny_reason = reason != NULL && *reason != '\0' ?
		    xasprintf("the person rejected this action: %s", reason) :
		    xstrdup("the person rejected this action");
		agent_post_decision(a, c, "deny", "person", c->deny_reason, NULL);
		break;
	case ANSWER_ALWAYS:
		if (c->verdict.suggest == NULL) {
			*cause = xstrdup("no narrow rule can be made for this "
			    "action; approve it once instead");
			return -1;
		}
		if (policy_add_rule(a->d.policy, c->verdict.suggest, scope,
		    cause) == -1)
			return -1;
		c->st = CALL_APPROVED;
		agent_post_decision(a, c, "allow", "person", c->verdict.suggest,
		    policy_scope_name(scope));
		break;
	}
	agent_pending_build(a);
	if (a->state == AGENT_CONFIRM)
		agent_advance(a);
	return 0;
}

/* Pending confirmations, oldest first. */
const struct agent_pending *
agent_pending(struct agent *a, size_t *n)
{
	*n = a->npending;
	return a->pending;
}

/* Answer tool calls the crash left open, so the history is well formed. */
void
agent_replay_done(struct agent *a)
{
	cJSON *tree, *c, *out;
	char *text;
	const char *id;
	size_t i, j, n = a->nhist;
	int answered;
	struct agent_call fake;

	for (i = 0; i < n; i++) {
		tree = NULL;
		/* The ids live apart from hist[], which grows meanwhile. */
		for (id = a->hist[i].calls; id != NULL && *id != '\0';
		    id += strlen(id) + 1) {
			answered = 0;
			for (j = i + 1; j < a->nhist && !answered; j++)
				answered = a->hist[j].call_id != NULL &&
				    strcmp(a->hist[j].call_id, id) == 0;
			if (answered)
				continue;
			if (tree == NULL)
				tree = agent_msg_tree(&a->hist[i]);
			cJSON_ArrayForEach(c, cJSON_GetObjectItem(tree,
			    "tool_calls"))
				if (strcmp(event_json_str(c, "id"), id) == 0)
					break;
			memset(&fake, 0, sizeof fake);
			fake.id = (char *)id;
			fake.name = cJSON_GetStringValue(cJSON_GetObjectItem(
			    cJSON_GetObjectItem(c, "function"), "name"));
			fake.args_text = (char *)"";
			out = cJSON_GetObjectItemCaseSensitive(a->replay_started, id);
			if (out == NULL)
				agent_observe_text(a, &fake, "not run: cade stopped "
				    "before this action started (the session was "
				    "resumed)", 0);
			else {
				/* It ran, fully or partly: say so, never "not run". */
				text = xasprintf("started, outcome unknown: cade "
				    "stopped while this action ran (the session "
				    "was resumed). It may have completed, partly "
				    "or fully; check its effects before running "
				    "it again.%s%s", *cJSON_GetStringValue(out) ?
				    "\nOutput captured before the stop:\n" :
				    "\nNo output was captured.",
				    cJSON_GetStringValue(out));
				agent_observe_text(a, &fake, text, 0);
				free(text);
			}
		}
		cJSON_Delete(tree);
	}
	cJSON_Delete(a->replay_started);
	a->replay_started = NULL;
	a->ntrack = 0;
}

/* After a resume: take the next step if the last thing was not an answer. */
void
agent_continue(struct agent *a)
{
	if (a->nhist == 0 && a->nqueue == 0)
		return;
	if (a->nhist > 0) {
		if (a->nqueue == 0 &&
		    a->hist[a->nhist - 1].role == ROLE_ASSISTANT &&
		    !a->replay_cancelled)
			return;		/* the model had answered; wait for the person */
	}
	agent_step(a);
}

/* /compact: condense now if nothing runs, else before the next request. */
void
agent_compact(struct agent *a)
{
	if (!agent_at_rest(a)) {
		a->force_condense = 1;
		agent_notice(a, "the context will be condensed before the next request");
	} else if (condense_start(a, 0) == -1)
		agent_notice(a, "nothing to compact: the history is short");
}
