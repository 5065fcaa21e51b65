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
#include "cade/util.h"

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
	const char *text = cJSON_IsString(content) ? content->valuestring : "";
	size_t len = strlen(text);

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
}

/* Messages for the summarisation request. */
cJSON *
condense_request(cJSON *const *msgs, size_t from, size_t to, const cJSON *plan,
    size_t max_bytes)
{
	cJSON *req = cJSON_CreateArray(), *m;
	struct buf b;
	size_t i, n = to > from ? to - from : 1, cap;
	char *p;

	/* Share the byte budget out so no single message crowds out the rest. */
	cap = max_bytes / (n + 1);
	if (cap < 300)
		cap = 300;
	if (cap > 8000)
		cap = 8000;
	buf_init(&b, max_bytes > 4096 ? max_bytes : 4096);
	(void)buf_puts(&b, "Transcript to condense:\n");
	for (i = from; i < to; i++)
		condense_add(&b, msgs[i], cap);
	if (plan != NULL && (p = cJSON_PrintUnformatted(plan)) != NULL) {
		(void)buf_printf(&b, "\n\nCurrent plan: %s\n", p);
		free(p);
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "system");
	cJSON_AddStringToObject(m, "content", condense_instruction);
	cJSON_AddItemToArray(req, m);
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", b.s);
	cJSON_AddItemToArray(req, m);
	buf_free(&b);
	return req;
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
