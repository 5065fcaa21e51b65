/*
 * condense.c: context windows, token estimates and the summarisation
 * request (see include/cade/condense.h).
 *
 * The window table is by model family; it only matters when the config does
 * not say (context_window = N, or model.NAME.context_window = N).  Estimates
 * start at 4 bytes a token, the usual figure for English and code with BPE
 * tokenizers, and follow the ratio the server reports in usage.
 */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/condense.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/llm.h"
#include "cade/util.h"
#include "agent-int.h"

static const struct {
	const char	*pattern;
	long		 tokens;
} condense_windows[] = {
	{ "gpt-4.1*", 1000000 },
	{ "gpt-5*", 400000 },
	{ "gpt-4o*", 128000 },
	{ "gpt-4-turbo*", 128000 },
	{ "o[134]*", 200000 },
	{ "gpt-4*", 8192 },
	{ "gpt-3.5*", 16385 },
	{ "claude*", 200000 },
	{ "*claude*", 200000 },
	{ "gemini*", 1000000 },
	{ "*qwen*", 32768 },
	{ "*llama*", 131072 },
	{ "*mistral*", 32768 },
	{ "*deepseek*", 65536 },
};

/* Start at 4 bytes a token. */
void
condense_est_init(struct condense_est *e)
{
	e->ratio = 0.25;
	e->samples = 0;
}

/* Move the ratio towards what the server counted (recent requests weigh most). */
void
condense_est_update(struct condense_est *e, size_t bytes, long tokens)
{
	double r;

	if (bytes < 256 || tokens <= 0)
		return;
	r = (double)tokens / (double)bytes;
	if (r < 0.05 || r > 2.0)	/* a server reporting nonsense */
		return;
	e->ratio = e->samples == 0 ? r : 0.5 * e->ratio + 0.5 * r;
	e->samples++;
}

/* Tokens for a request of this many bytes. */
long
condense_est_tokens(const struct condense_est *e, size_t bytes)
{
	return (long)((double)bytes * e->ratio + 0.5);
}

/* The model's window in tokens. */
long
condense_window(const struct config *cfg, const char *model)
{
	long w = conf_model_int(cfg, model, "context_window");
	size_t i;

	if (w > 0)
		return w;
	for (i = 0; i < nitems(condense_windows); i++)
		if (fnmatch(condense_windows[i].pattern, model, FNM_CASEFOLD) == 0)
			return condense_windows[i].tokens;
	return 32768;	/* unknown (often a local model): be careful */
}

static const char condense_instruction[] =
"You are condensing the history of a coding session so the agent can continue "
"with less context.  Write a concise summary for the agent itself, with these "
"headings: Task (the person's goal, in their words where possible); Done (what "
"was done, commands run and their outcome); Learned (facts about the code and "
"environment that matter); Files changed (paths and what changed); Remaining "
"(what is left, next step).  Keep exact names, paths, commands and error "
"messages.  Do not invent anything.";

/* Append one message of the transcript, its content capped. */
static void
condense_add(struct buf *b, const cJSON *m, size_t cap)
{
	const char *role = cJSON_GetStringValue(cJSON_GetObjectItem(m, "role"));
	const cJSON *content = cJSON_GetObjectItem(m, "content"), *calls, *c, *fn;
	const cJSON *part, *list = cJSON_IsArray(content) ? content : NULL;
	const char *text = cJSON_IsString(content) ? content->valuestring : "";
	size_t len;
	struct buf parts;

	/* Content parts (a message with images): the texts, images named. */
	buf_init(&parts, 0);
	cJSON_ArrayForEach(part, list) {
		if (cJSON_GetObjectItem(part, "image_url") != NULL)
			(void)buf_puts(&parts, " [an image]");
		else if ((text = cJSON_GetStringValue(cJSON_GetObjectItem(part,
		    "text"))) != NULL)
			(void)buf_puts(&parts, text);
	}
	if (cJSON_IsArray(content))
		text = parts.s;
	len = strlen(text);
	(void)buf_printf(b, "\n[%s]", role != NULL ? role : "?");
	if (len > 0) {
		if (len > cap)
			(void)buf_printf(b, " %.*s [... %zu bytes cut ...] %s",
			    (int)(cap / 2), text, len - cap, text + len - cap / 2);
		else
			(void)buf_printf(b, " %s", text);
	}
	calls = cJSON_GetObjectItem(m, "tool_calls");
	cJSON_ArrayForEach(c, calls) {
		fn = cJSON_GetObjectItem(c, "function");
		text = cJSON_GetStringValue(cJSON_GetObjectItem(fn, "arguments"));
		(void)buf_printf(b, "\n  call %s %.*s",
		    cJSON_GetStringValue(cJSON_GetObjectItem(fn, "name")),
		    (int)(cap < 2000 ? cap : 2000), text != NULL ? text : "");
	}
	buf_free(&parts);
}

/* Each message's share of the transcript's byte budget. */
static size_t
condense_cap(size_t from, size_t to, size_t max_bytes)
{
	size_t n = to > from ? to - from : 1, cap;

	/* Share the byte budget out so no single message crowds out the rest. */
	cap = max_bytes / (n + 1);
	if (cap < 300)
		cap = 300;
	if (cap > 8000)
		cap = 8000;
	return cap;
}

/* Start the transcript. */
static void
condense_begin(struct buf *b, size_t max_bytes)
{
	buf_init(b, max_bytes > 4096 ? max_bytes : 4096);
	(void)buf_puts(b, "Transcript to condense:\n");
}

/* The summarisation request around transcript b (which it frees). */
static cJSON *
condense_end(struct buf *b, const cJSON *plan)
{
	cJSON *req = cJSON_CreateArray(), *m;
	char *p;

	if (plan != NULL && (p = cJSON_PrintUnformatted(plan)) != NULL) {
		(void)buf_printf(b, "\n\nCurrent plan: %s\n", p);
		free(p);
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "system");
	cJSON_AddStringToObject(m, "content", condense_instruction);
	cJSON_AddItemToArray(req, m);
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", b->s);
	cJSON_AddItemToArray(req, m);
	buf_free(b);
	return req;
}

/* Messages for the summarisation request. */
cJSON *
condense_request(cJSON *const *msgs, size_t from, size_t to, const cJSON *plan,
    size_t max_bytes)
{
	struct buf b;
	size_t i, cap = condense_cap(from, to, max_bytes);

	condense_begin(&b, max_bytes);
	for (i = from; i < to; i++)
		condense_add(&b, msgs[i], cap);
	return condense_end(&b, plan);
}

/* The stand-in message for the condensed part. */
char *
condense_summary_text(const char *summary, const cJSON *plan)
{
	char *p = plan != NULL ? cJSON_PrintUnformatted(plan) : NULL, *s;

	s = xasprintf("[Summary of earlier steps, condensed by cade to save "
	    "context; the full history is in the session store]\n%s%s%s",
	    summary, p != NULL ? "\n\nCurrent plan: " : "", p != NULL ? p : "");
	free(p);
	return s;
}

/* ---- condensing an agent's history -------------------------------- */

/* Estimated tokens of the next request. */
long
condense_request_tokens(const struct agent *a)
{
	return condense_est_tokens(&a->est, a->hist_bytes + strlen(a->system) +
	    a->tools_bytes + 256);
}

/* 1 if the next request would pass compact_at% of the window. */
int
condense_due(const struct agent *a)
{
	long window = condense_window(a->d.cfg, a->model);
	long reserve = conf_model_int(a->d.cfg, a->model, "output_reserve");
	long pct = conf_int(a->d.cfg, "compact_at");

	if (pct <= 0 || pct > 100)
		pct = 75;
	return condense_request_tokens(a) + reserve > window * pct / 100;
}

/* Ignore summary deltas: the result is shown whole as a condensation. */
static void
condense_on_text(const char *s, size_t n, void *arg)
{
}

/* The summary is in: swap it for the middle of the history. */
static void
condense_on_reply(struct llm_response *r, void *arg)
{
	struct agent *a = arg;
	long before = condense_request_tokens(a);
	char *text, *msg;
	size_t cap;
	int cancelled;

	a->condensing = 0;
	agent_usage(a, r);
	if (r->status != LLM_OK || *r->text == '\0') {
		msg = xasprintf("could not condense the context: %s",
		    r->status != LLM_OK && r->error ? r->error : "empty summary");
		agent_error(a, "condense", msg);
		cancelled = r->status == LLM_ERR_CANCELLED;
		llm_response_free(r);
		agent_end(a, cancelled ? AGENT_END_CANCELLED : AGENT_END_ERROR,
		    msg);
		free(msg);
		return;
	}
	/* A summary may not take more than an eighth of the window. */
	cap = (size_t)((double)condense_window(a->d.cfg, a->model) /
	    a->est.ratio / 8.0);
	if (strlen(r->text) > cap) {
		while (cap > 0 && ((unsigned char)r->text[cap] & 0xc0) == 0x80)
			cap--;
		r->text[cap] = '\0';
	}
	text = condense_summary_text(r->text, tool_state_plan(a->tstate));
	if (strlen(text) + 64 >= agent_hist_range_bytes(a, a->cut_from, a->cut_to)) {
		msg = xasprintf("could not condense the context: the summary "
		    "(%zu bytes) is no smaller than what it replaces",
		    strlen(text));
		free(text);
		agent_error(a, "condense", msg);
		llm_response_free(r);
		agent_end(a, AGENT_END_ERROR, msg);
		free(msg);
		return;
	}
	agent_hist_replace(a, a->cut_from, a->cut_to, text);
	event_post_condensation(a->d.bus, &(struct ev_condensation){
		.summary = r->text,
		.text = text,
		.from = (int64_t)a->cut_from,
		.to = (int64_t)a->cut_to,
		.tokens_before = before,
		.tokens_after = condense_request_tokens(a),
	});
	free(text);
	llm_response_free(r);
	a->just_condensed = 1;
	if (a->condense_then_step)
		agent_step(a);
	else
		agent_set_state(a, AGENT_IDLE);
}

/*
 * Start condensing: keep the first user message and the last keep_recent
 * messages (never starting the kept part at a tool answer, which must follow
 * its call), summarise the rest by a separate request.  -1 if too little
 * history to condense.
 */
int
condense_start(struct agent *a, int then_step)
{
	cJSON *tree, *msgs;
	struct buf b;
	size_t from = 0, to, keep, i, max_bytes, cap;
	long window = condense_window(a->d.cfg, a->model);
	double budget, tail;
	char *cause = NULL, *note;

	while (from < a->nhist && a->hist[from].role != ROLE_USER)
		from++;
	from++;
	keep = (size_t)conf_int(a->d.cfg, "keep_recent");
	if (a->nhist < from + keep + 2)
		keep = a->nhist > from ? (a->nhist - from) / 2 : 0;
	/*
	 * The kept tail may use half of what the window leaves for history, so
	 * that one condensation buys several steps rather than one.
	 */
	budget = (double)window * (double)conf_int(a->d.cfg, "compact_at") / 100.0 -
	    (double)conf_model_int(a->d.cfg, a->model, "output_reserve");
	budget = budget / a->est.ratio - (double)(strlen(a->system) + a->tools_bytes);
	for (i = a->nhist, tail = 0; i > from && keep > 1; i--) {
		tail += (double)a->hist[i - 1].bytes;
		if (tail > budget / 2) {
			if (a->nhist - (i - 1) - 1 < keep)
				keep = a->nhist - (i - 1) - 1;
			break;
		}
	}
	if (keep < 1)
		keep = 1;
	to = a->nhist - keep;
	while (to < a->nhist && a->hist[to].call_id != NULL)
		to++;
	if (from >= a->nhist || to < from + 2)
		return -1;
	/* The summary request must fit too: half the window at most. */
	max_bytes = (size_t)((double)window / a->est.ratio / 2.0);
	if (max_bytes > 400000)
		max_bytes = 400000;
	/* The history is kept printed: each message is parsed for its turn
	 * in the transcript only, never the whole part at once. */
	cap = condense_cap(from, to, max_bytes);
	condense_begin(&b, max_bytes);
	for (i = from; i < to; i++) {
		tree = agent_msg_tree(&a->hist[i]);
		condense_add(&b, tree, cap);
		cJSON_Delete(tree);
	}
	msgs = condense_end(&b, tool_state_plan(a->tstate));
	a->cut_from = from;
	a->cut_to = to;
	a->condensing = 1;
	a->condense_then_step = then_step;
	note = xasprintf("condensing the context: %zu of %zu messages "
	    "(about %ld tokens of a %ld-token window)", to - from, a->nhist,
	    condense_request_tokens(a), window);
	agent_notice(a, note);
	free(note);
	agent_set_state(a, AGENT_THINKING);
	if (agent_send(a, a->d.llm, msgs, NULL, 0, NULL, NULL, condense_on_text,
	    condense_on_reply, &cause) == -1) {
		a->condensing = 0;
		agent_notice(a, cause);
		free(cause);
		cJSON_Delete(msgs);
		return -1;
	}
	cJSON_Delete(msgs);
	return 0;
}
