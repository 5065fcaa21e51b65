/*
 * update.c: one session's events as ACP session/update notifications, and
 * the policy's questions as session/request_permission.
 *
 * acp_update_sink() is subscribed to the session's bus like the TUI and the
 * headless printer are: streamed deltas become agent_message_chunk and
 * agent_thought_chunk; a tool call becomes tool_call (kind, title,
 * locations, rawInput), its start and its observation tool_call_update
 * (status, the output, and for edits a diff of each touched file, read
 * before and after the tool ran); the task tracker's plan becomes plan;
 * the finish event answers the running session/prompt with its stopReason.
 * During session/load the stored events come through the same sink and
 * replay the conversation (user_message_chunk included); nothing is asked.
 *
 * When the agent waits for a confirmation, the oldest pending action goes
 * to the client with four kinds of options; the answer is handed to
 * agent_confirm(), which records it as the person's decision.  A client
 * error or a "cancelled" outcome is a refusal.  deny never gets here: the
 * policy refuses before anything is pending.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/agent.h"
#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/policy.h"
#include "cade/secret.h"
#include "cade/session.h"
#include "cade/shell.h"
#include "cade/store.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "../tools/tools-int.h"
#include "acp-int.h"

/* Files bigger than this are not shown as diffs. */
#define ACP_DIFF_MAX	(4UL * 1024 * 1024)
/* Live output of a running command: at most this often, this much. */
#define ACP_LIVE_MS	250
#define ACP_LIVE_MAX	(16 * 1024)
/* An image replayed by session/load: its base64 stays under the line cap. */
#define ACP_REPLAY_IMAGE_MAX	(8UL * 1024 * 1024)

/* The confirmation modes, announced as ACP session modes. */
static const struct {
	const char	*id;
	const char	*name;
	const char	*description;
} acp_modes[] = {
	{ "always", "Always ask", "ask before every action that changes anything" },
	{ "risky", "Ask when risky", "ask at MEDIUM risk and above (the default)" },
	{ "never", "Never ask", "allow everything but deny rules" },
};

static char	*acp_fenced(const char *);
static void	acp_cmd_cost(struct acp_session *, const char *);
static void	acp_cmd_compact(struct acp_session *, const char *);
static void	acp_cmd_model(struct acp_session *, const char *);

/* Slash commands a client can offer (the rest of the TUI's need a screen). */
static const struct {
	const char	*name;
	const char	*description;
	const char	*hint;
	void		(*fn)(struct acp_session *, const char *arg);
} acp_commands[] = {
	{ "compact", "condense the conversation to free context", NULL, acp_cmd_compact },
	{ "cost", "tokens, cost and context used so far", NULL, acp_cmd_cost },
	{ "model", "show or switch the model", "model name", acp_cmd_model },
};

/* A text content block. */
static cJSON *
acp_text_block(const char *text)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", "text");
	cJSON_AddStringToObject(c, "text", text);
	return c;
}

/* Append a tool call content item holding text to the array content. */
static void
acp_content_add(cJSON *content, const char *text)
{
	cJSON *item = cJSON_CreateObject();

	cJSON_AddStringToObject(item, "type", "content");
	cJSON_AddItemToObject(item, "content", acp_text_block(text));
	cJSON_AddItemToArray(content, item);
}

/* A chunk update: agent_message_chunk, agent_thought_chunk, user_message_chunk. */
static void
acp_chunk(struct acp_session *as, const char *kind, const char *text)
{
	cJSON *u;

	if (text == NULL || *text == '\0')
		return;
	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "sessionUpdate", kind);
	cJSON_AddItemToObject(u, "content", acp_text_block(text));
	acp_notify_update(as, u);
}

/* The entry of the tool named tool, as this session's agent knows it. */
static const struct tool_entry *
acp_tool(const struct acp_session *as, const char *tool)
{
	return agent_tool(as->s != NULL ? as->s->agent : NULL, tool);
}

/* ACP kind of a call (args NULL: of the tool), as its tool says. */
static const char *
acp_kind(const struct acp_session *as, const char *tool, const cJSON *args)
{
	return tool_kind_name(tool_kind_of(acp_tool(as, tool), args));
}

/* One line naming what the call does, from the tool's own summary. */
static char *
acp_title(const struct tool_entry *t, const char *tool, const cJSON *args)
{
	char *sum, *title;

	if (t == NULL || t->summary == NULL || args == NULL ||
	    (sum = t->summary(args)) == NULL)
		return xstrdup(tool);
	if (t->kind == TOOL_KIND_EXECUTE)	/* the command says it all */
		return sum;
	title = xasprintf("%s %s", tool, sum);
	free(sum);
	return title;
}

/* A model path (absolute, or relative to the root) as a host path, or NULL. */
static char *
acp_host_path(struct acp_session *as, const char *path)
{
	struct workspace *ws = as->s != NULL ? as->s->ws : NULL;
	char *joined, *host;

	if (ws == NULL || path == NULL || *path == '\0')
		return NULL;
	if (*path == '/')
		return ws_to_host(ws, path);
	joined = xasprintf("%s/%s", ws->model_root, path);
	host = ws_to_host(ws, joined);
	free(joined);
	return host;
}

/* Add a path to the list (host form, no duplicates). */
static void
acp_paths_add(struct acp_session *as, char ***v, size_t *n, const char *model)
{
	char *host = acp_host_path(as, model);
	size_t i;

	if (host == NULL)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], host) == 0) {
			free(host);
			return;
		}
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = host;
}

/* The files a call names, as its tool describes them (tool_describe()). */
static void
acp_call_paths(struct acp_session *as, const struct tool_entry *t,
    const char *tool, const cJSON *args, char ***v, size_t *n)
{
	struct tool_effects e;
	size_t i;

	*v = NULL;
	*n = 0;
	if (args == NULL)
		return;
	tool_describe_entry(t, tool, args, &e);
	for (i = 0; i < e.act.npaths; i++)
		acp_paths_add(as, v, n, e.act.paths[i].path);
	tool_effects_free(&e);
}

/* The call the client was told about, or NULL. */
static struct acp_call *
acp_call_find(struct acp_session *as, const char *id)
{
	size_t i;

	for (i = 0; i < as->ncalls; i++)
		if (strcmp(as->calls[i].id, id) == 0)
			return &as->calls[i];
	return NULL;
}

/* Forget one call's snapshot. */
static void
acp_call_clear(struct acp_call *c)
{
	util_free_strings(c->paths, c->npaths);
	util_free_strings(c->before, c->npaths);
	free(c->id);
	free(c->tool);
	memset(c, 0, sizeof *c);
}

/* See acp-int.h. */
void
acp_update_free_calls(struct acp_session *as)
{
	while (as->ncalls > 0)
		acp_call_clear(&as->calls[--as->ncalls]);
	free(as->calls);
	as->calls = NULL;
}

/* A file's text, or NULL when absent, binary or too big. */
static char *
acp_read_text(const char *host)
{
	char *data = NULL, *cause = NULL, *masked;
	size_t len;

	if (tool_read_file(host, NULL, ACP_DIFF_MAX, &data, &len, &cause) == -1) {
		free(cause);
		return NULL;
	}
	if (tool_is_binary(data, len) || !util_utf8_valid(data, len)) {
		free(data);
		return NULL;
	}
	/* What reaches the client is masked like what reaches the screen. */
	masked = secret_mask(data, len, NULL);
	free(data);
	return masked;
}

/* tool_call: announce a call, remember the files an edit touches. */
static void
acp_on_tool_call(struct acp_session *as, const struct event *ev)
{
	const char *id = event_str(ev, "call_id", ""), *tool = event_str(ev, "name", "?");
	const cJSON *args = cJSON_GetObjectItem(ev->data, "arguments");
	const struct tool_entry *te;
	struct acp_call *c;
	cJSON *u, *locs, *l;
	char *title;
	size_t i;

	if (acp_call_find(as, id) != NULL)
		return;
	as->calls = xreallocarray(as->calls, as->ncalls + 1, sizeof *as->calls);
	c = &as->calls[as->ncalls++];
	memset(c, 0, sizeof *c);
	c->id = xstrdup(id);
	c->tool = xstrdup(tool);
	te = acp_tool(as, tool);
	c->kind = tool_kind_of(te, cJSON_IsObject(args) ? args : NULL);
	c->live = te != NULL && te->in_shell;
	c->untitled = te == NULL;
	acp_call_paths(as, te, tool, cJSON_IsObject(args) ? args : NULL,
	    &c->paths, &c->npaths);
	c->before = xcalloc(c->npaths + 1, sizeof *c->before);

	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "sessionUpdate", "tool_call");
	cJSON_AddStringToObject(u, "toolCallId", id);
	title = acp_title(te, tool, cJSON_IsObject(args) ? args : NULL);
	cJSON_AddStringToObject(u, "title", title);
	free(title);
	cJSON_AddStringToObject(u, "kind", tool_kind_name(c->kind));
	cJSON_AddStringToObject(u, "status", "pending");
	if (c->npaths > 0) {
		locs = cJSON_AddArrayToObject(u, "locations");
		for (i = 0; i < c->npaths; i++) {
			l = cJSON_CreateObject();
			cJSON_AddStringToObject(l, "path", c->paths[i]);
			cJSON_AddItemToArray(locs, l);
		}
	}
	if (cJSON_IsObject(args))
		cJSON_AddItemToObject(u, "rawInput", cJSON_Duplicate(args, 1));
	else
		cJSON_AddStringToObject(cJSON_AddObjectToObject(u, "rawInput"),
		    "arguments_text", event_str(ev, "arguments_text", ""));
	acp_notify_update(as, u);
}

/* tool_running: in_progress, and the "before" of an edit. */
static void
acp_on_running(struct acp_session *as, const struct event *ev)
{
	struct acp_call *c = acp_call_find(as, event_str(ev, "call_id", ""));
	cJSON *u;
	size_t i;

	if (c == NULL)
		return;
	if (!as->replaying && c->kind == TOOL_KIND_EDIT)
		for (i = 0; i < c->npaths; i++) {
			free(c->before[i]);
			c->before[i] = acp_read_text(c->paths[i]);
		}
	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "sessionUpdate", "tool_call_update");
	cJSON_AddStringToObject(u, "toolCallId", c->id);
	cJSON_AddStringToObject(u, "status", "in_progress");
	acp_notify_update(as, u);
	if (!as->replaying && c->live) {
		free(as->run_call);
		as->run_call = xstrdup(c->id);
		as->run_seen = 0;
	}
}

/*
 * A call whose tool is not at hand (an MCP tool replayed before its server
 * is up) is titled by the summary its entry gave when it was judged.
 */
static void
acp_on_decision(struct acp_session *as, const struct event *ev)
{
	struct acp_call *c = acp_call_find(as, event_str(ev, "call_id", ""));
	const char *action = event_str(ev, "action", "");
	cJSON *u;
	char *title;

	if (c == NULL || !c->untitled || *action == '\0')
		return;
	c->untitled = 0;
	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "sessionUpdate", "tool_call_update");
	cJSON_AddStringToObject(u, "toolCallId", c->id);
	title = xasprintf("%s %s", c->tool, action);
	cJSON_AddStringToObject(u, "title", title);
	free(title);
	acp_notify_update(as, u);
}

/* The command's output so far, as in_progress content. */
static void
acp_live_flush(struct loop *l, void *arg)
{
	struct acp_session *as = arg;
	size_t total;
	char *text, *body, *masked;
	cJSON *u;

	as->run_timer = 0;
	if (as->run_call == NULL || as->s == NULL ||
	    (text = shell_peek(as->s->shell, ACP_LIVE_MAX, &total)) == NULL)
		return;
	if (total != as->run_seen && *text != '\0') {
		as->run_seen = total;
		masked = secret_mask(text, strlen(text), NULL);
		body = acp_fenced(masked);
		free(masked);
		u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "sessionUpdate", "tool_call_update");
		cJSON_AddStringToObject(u, "toolCallId", as->run_call);
		cJSON_AddStringToObject(u, "status", "in_progress");
		acp_content_add(cJSON_AddArrayToObject(u, "content"), body);
		acp_notify_update(as, u);
		free(body);
	}
	free(text);
}

/* Bytes from the shell: while a command runs, an update soon (coalesced). */
static void
acp_live_bytes(const char *bytes, size_t n, void *arg)
{
	struct acp_session *as = arg;

	if (as->run_call != NULL && as->run_timer == 0)
		as->run_timer = loop_timer_add(as->s->loop, ACP_LIVE_MS,
		    acp_live_flush, as);
}

/* Stop live output (the command ended). */
static void
acp_live_stop(struct acp_session *as)
{
	if (as->run_timer != 0)
		loop_timer_cancel(as->s->loop, as->run_timer);
	as->run_timer = 0;
	free(as->run_call);
	as->run_call = NULL;
}

/* See acp-int.h. */
void
acp_update_watch(struct acp_session *as)
{
	shell_add_observer(as->s->shell, acp_live_bytes, as);
}

/* See acp-int.h. */
void
acp_update_unwatch(struct acp_session *as)
{
	acp_live_stop(as);
	shell_remove_observer(as->s->shell, acp_live_bytes, as);
}

/* Text in a fence longer than any run of backticks inside it. */
static char *
acp_fenced(const char *text)
{
	size_t run = 0, best = 2;
	const char *p;
	char fence[64];

	for (p = text; *p != '\0'; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	if (best >= sizeof fence - 1)
		best = sizeof fence - 2;
	memset(fence, '`', best + 1);
	fence[best + 1] = '\0';
	return xasprintf("%s\n%s%s%s", fence, text,
	    *text != '\0' && text[strlen(text) - 1] != '\n' ? "\n" : "", fence);
}

/* A plan update from the task tracker's list. */
static void
acp_plan(struct acp_session *as, const cJSON *plan)
{
	const cJSON *t;
	const char *st;
	cJSON *u, *entries, *e;

	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "sessionUpdate", "plan");
	entries = cJSON_AddArrayToObject(u, "entries");
	cJSON_ArrayForEach(t, plan) {
		st = cJSON_GetStringValue(cJSON_GetObjectItem(t, "status"));
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "content", cJSON_GetStringValue(
		    cJSON_GetObjectItem(t, "title")) ? cJSON_GetStringValue(
		    cJSON_GetObjectItem(t, "title")) : "");
		cJSON_AddStringToObject(e, "priority", "medium");
		cJSON_AddStringToObject(e, "status", st == NULL ? "pending" :
		    strcmp(st, "done") == 0 ? "completed" :
		    strcmp(st, "in_progress") == 0 ? "in_progress" : "pending");
		cJSON_AddItemToArray(entries, e);
	}
	acp_notify_update(as, u);
}

/* observation: the final status, the output, and the diffs of an edit. */
static void
acp_on_observation(struct acp_session *as, const struct event *ev)
{
	struct acp_call *c = acp_call_find(as, event_str(ev, "call_id", ""));
	const cJSON *plan;

	cJSON *u, *content, *item, *raw;
	const char *text = event_str(ev, "text", ""), *diff;
	int failed;
	char *after, *body;
	size_t i;

	if (as->run_call != NULL && strcmp(as->run_call, event_str(ev, "call_id",
	    "")) == 0)
		acp_live_stop(as);
	failed = cJSON_IsTrue(cJSON_GetObjectItem(ev->data, "error")) ||
	    cJSON_IsTrue(cJSON_GetObjectItem(ev->data, "refused")) ||
	    cJSON_IsTrue(cJSON_GetObjectItem(ev->data, "timed_out")) ||
	    event_num(ev, "exit_code", 0) != 0;
	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "sessionUpdate", "tool_call_update");
	cJSON_AddStringToObject(u, "toolCallId", event_str(ev, "call_id", ""));
	cJSON_AddStringToObject(u, "status", failed ? "failed" : "completed");
	content = cJSON_AddArrayToObject(u, "content");
	/* Diffs first: the file as it was and as it is now. */
	for (i = 0; c != NULL && !failed && i < c->npaths; i++) {
		after = acp_read_text(c->paths[i]);
		if ((c->before[i] == NULL && after == NULL) || (c->before[i] != NULL &&
		    after != NULL && strcmp(c->before[i], after) == 0)) {
			free(after);
			continue;
		}
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "type", "diff");
		cJSON_AddStringToObject(item, "path", c->paths[i]);
		if (c->before[i] != NULL)
			cJSON_AddStringToObject(item, "oldText", c->before[i]);
		else
			cJSON_AddNullToObject(item, "oldText");
		cJSON_AddStringToObject(item, "newText", after != NULL ? after : "");
		cJSON_AddItemToArray(content, item);
		free(after);
	}
	/* Replay has no snapshots: the stored unified diff, as text. */
	diff = event_str(ev, "diff", NULL);
	if (cJSON_GetArraySize(content) == 0 && diff != NULL && *diff != '\0') {
		body = xasprintf("```diff\n%s%s```", diff,
		    diff[strlen(diff) - 1] != '\n' ? "\n" : "");
		acp_content_add(content, body);
		free(body);
	}
	if (*text != '\0') {
		body = c != NULL && c->kind == TOOL_KIND_EXECUTE ?
		    acp_fenced(text) : xstrdup(text);
		acp_content_add(content, body);
		free(body);
	}
	raw = cJSON_AddObjectToObject(u, "rawOutput");
	if (cJSON_GetObjectItem(ev->data, "exit_code") != NULL)
		cJSON_AddNumberToObject(raw, "exit_code", event_num(ev, "exit_code", 0));
	cJSON_AddBoolToObject(raw, "refused",
	    cJSON_IsTrue(cJSON_GetObjectItem(ev->data, "refused")));
	cJSON_AddBoolToObject(raw, "truncated",
	    cJSON_IsTrue(cJSON_GetObjectItem(ev->data, "truncated")));
	cJSON_AddBoolToObject(raw, "timed_out",
	    cJSON_IsTrue(cJSON_GetObjectItem(ev->data, "timed_out")));
	acp_notify_update(as, u);
	plan = cJSON_GetObjectItem(cJSON_GetObjectItem(ev->data, "extra"), "plan");
	if (cJSON_IsArray(plan))
		acp_plan(as, plan);
	if (c != NULL) {
		acp_call_clear(c);
		*c = as->calls[--as->ncalls];
	}
}

/* finish: answer the prompt; say why when it is not the model's answer. */
static void
acp_on_finish(struct acp_session *as, const struct event *ev)
{
	enum agent_end end = agent_end_from_name(event_str(ev, "status",
	    "error"));
	const char *msg = event_str(ev, "message", "");
	const char *stop = "end_turn";

	acp_update_free_calls(as);
	if (end != AGENT_END_REPLIED && end != AGENT_END_CANCELLED &&
	    end != AGENT_END_ERROR)
		acp_chunk(as, "agent_message_chunk", msg);
	if (end == AGENT_END_LIMIT)
		stop = "max_turn_requests";
	else if (end == AGENT_END_BUDGET || (end == AGENT_END_STUCK &&
	    strstr(msg, "output token limit") != NULL))
		stop = "max_tokens";
	else if (end == AGENT_END_ABORTED || as->refusal != NULL)
		stop = "refusal";
	else if (end == AGENT_END_CANCELLED)
		stop = "cancelled";
	free(as->refusal);
	as->refusal = NULL;
	acp_prompt_done(as, stop, end == AGENT_END_ERROR ?
	    (*msg != '\0' ? msg : "error") : NULL);
}

/*
 * session/load: a user message's images, from the session's blobs, as
 * image chunks (the bytes the model saw); one that is gone is said in a
 * text chunk.
 */
static void
acp_replay_images(struct acp_session *as, const cJSON *images)
{
	const cJSON *im;
	const char *path, *mime, *hex;
	char *data, *cause = NULL, *line;
	size_t len;
	struct buf b64;
	cJSON *u, *c;

	cJSON_ArrayForEach(im, images) {
		path = cJSON_GetStringValue(cJSON_GetObjectItem(im, "path"));
		mime = cJSON_GetStringValue(cJSON_GetObjectItem(im, "mime"));
		hex = cJSON_GetStringValue(cJSON_GetObjectItem(im, "sha256"));
		if (path == NULL || mime == NULL || hex == NULL)
			continue;
		/* Replay runs inside session_open(): as->s is not there yet. */
		if (as->replay_dir == NULL)
			break;
		data = store_blob_get(as->replay_dir, as->id, hex,
		    ACP_REPLAY_IMAGE_MAX, &len, &cause);
		if (data == NULL) {
			line = xasprintf("[image %s not replayed: %s]", path, cause);
			acp_chunk(as, "user_message_chunk", line);
			free(line);
			free(cause);
			cause = NULL;
			continue;
		}
		buf_init(&b64, 0);
		(void)buf_base64(&b64, data, len);
		free(data);
		u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "sessionUpdate", "user_message_chunk");
		c = cJSON_AddObjectToObject(u, "content");
		cJSON_AddStringToObject(c, "type", "image");
		cJSON_AddStringToObject(c, "mimeType", mime);
		cJSON_AddStringToObject(c, "data", b64.s);
		if (strstr(path, "://") != NULL)	/* "image 1" is no URI */
			cJSON_AddStringToObject(c, "uri", path);
		buf_free(&b64);
		acp_notify_update(as, u);
	}
}

/* See acp-int.h. */
void
acp_update_sink(const struct event *ev, void *arg)
{
	struct acp_session *as = arg;
	const char *fr;

	switch (ev->type) {
	case EV_USER_MESSAGE:
		if (as->replaying && !cJSON_IsTrue(cJSON_GetObjectItem(ev->data,
		    "automated")) && !cJSON_IsTrue(cJSON_GetObjectItem(ev->data,
		    "skill"))) {
			acp_chunk(as, "user_message_chunk", event_str(ev, "text", ""));
			acp_replay_images(as, event_json(ev, "images"));
		}
		break;
	case EV_ASSISTANT_DELTA:
		as->text_streamed = 1;
		acp_chunk(as, "agent_message_chunk", event_str(ev, "text", ""));
		break;
	case EV_REASONING_DELTA:
		as->thought_streamed = 1;
		acp_chunk(as, "agent_thought_chunk", event_str(ev, "text", ""));
		break;
	case EV_ASSISTANT_MESSAGE:
		/* Not streamed (stream = false, or replay): send it whole. */
		if (!as->thought_streamed)
			acp_chunk(as, "agent_thought_chunk", event_str(ev, "reasoning", ""));
		if (!as->text_streamed)
			acp_chunk(as, "agent_message_chunk", event_str(ev, "text", ""));
		as->text_streamed = as->thought_streamed = 0;
		fr = event_str(ev, "finish_reason", "");
		if (!as->replaying && strcmp(fr, "content_filter") == 0) {
			free(as->refusal);
			as->refusal = xstrdup(fr);
		}
		break;
	case EV_TOOL_CALL:
		acp_on_tool_call(as, ev);
		break;
	case EV_POLICY_DECISION:
		acp_on_decision(as, ev);
		break;
	case EV_TOOL_RUNNING:
		acp_on_running(as, ev);
		break;
	case EV_OBSERVATION:
		acp_on_observation(as, ev);
		break;
	case EV_STATE:
		if (!as->replaying && strcmp(event_str(ev, "to", ""), "confirm") == 0)
			acp_update_ask_next(as);
		break;
	case EV_FINISH:
		if (!as->replaying)
			acp_on_finish(as, ev);
		break;
	default:
		break;
	}
}

/* One permission option. */
static void
acp_option(cJSON *opts, const char *id, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	char *masked = secret_mask(name, strlen(name), NULL);

	cJSON_AddStringToObject(o, "optionId", id);
	cJSON_AddStringToObject(o, "name", masked);
	free(masked);
	cJSON_AddStringToObject(o, "kind", id);
	cJSON_AddItemToArray(opts, o);
}

/* See acp-int.h. */
void
acp_update_ask_next(struct acp_session *as)
{
	const struct agent_pending *p;
	struct acp_call *c;
	cJSON *params, *tc, *content, *opts, *locs, *l;
	char *why, *name, *body, *masked;
	size_t n, i;

	if (as->s == NULL || as->ask_req != 0 ||
	    agent_get_state(as->s->agent) != AGENT_CONFIRM)
		return;
	p = agent_pending(as->s->agent, &n);
	if (n == 0)
		return;
	params = cJSON_CreateObject();
	cJSON_AddStringToObject(params, "sessionId", as->id);
	tc = cJSON_AddObjectToObject(params, "toolCall");
	cJSON_AddStringToObject(tc, "toolCallId", p->call_id);
	masked = secret_mask(p->summary != NULL ? p->summary : p->tool,
	    strlen(p->summary != NULL ? p->summary : p->tool), NULL);
	cJSON_AddStringToObject(tc, "title", masked);
	free(masked);
	cJSON_AddStringToObject(tc, "kind", acp_kind(as, p->tool, NULL));
	cJSON_AddStringToObject(tc, "status", "pending");
	content = cJSON_AddArrayToObject(tc, "content");
	why = xasprintf("%s risk: %s (%s)", policy_risk_name(p->verdict->risk),
	    p->verdict->reason != NULL ? p->verdict->reason : "",
	    p->verdict->rule != NULL ? p->verdict->rule : "policy");
	masked = secret_mask(why, strlen(why), NULL);
	free(why);
	acp_content_add(content, masked);
	free(masked);
	if (p->preview != NULL && *p->preview != '\0') {
		masked = secret_mask(p->preview, strlen(p->preview), NULL);
		body = xasprintf("```diff\n%s\n```", masked);
		free(masked);
		acp_content_add(content, body);
		free(body);
	}
	if ((c = acp_call_find(as, p->call_id)) != NULL && c->npaths > 0) {
		locs = cJSON_AddArrayToObject(tc, "locations");
		for (i = 0; i < c->npaths; i++) {
			l = cJSON_CreateObject();
			cJSON_AddStringToObject(l, "path", c->paths[i]);
			cJSON_AddItemToArray(locs, l);
		}
	}
	opts = cJSON_AddArrayToObject(params, "options");
	acp_option(opts, "allow_once", "Allow once");
	free(as->ask_rule);
	as->ask_rule = p->verdict->suggest != NULL ? xstrdup(p->verdict->suggest) : NULL;
	if (as->ask_rule != NULL) {
		name = xasprintf("Always allow in this session: %s", as->ask_rule);
		acp_option(opts, "allow_always", name);
		free(name);
	}
	acp_option(opts, "reject_once", "Reject");
	if (as->ask_rule != NULL) {
		name = xasprintf("Always reject in this session: %s", as->ask_rule);
		acp_option(opts, "reject_always", name);
		free(name);
	}
	free(as->ask_call);
	as->ask_call = xstrdup(p->call_id);
	as->ask_req = acp_request(as->acp, as, "session/request_permission", params);
}

/* "allow: X" / "allow-prefix: X" lines as the deny entries that mirror them. */
static char *
acp_deny_rule(const char *suggest)
{
	struct buf b;
	const char *s = suggest, *nl;
	size_t len;

	buf_init(&b, 0);
	while (*s != '\0') {
		nl = strchr(s, '\n');
		len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		if (strncmp(s, "allow-prefix:", 13) == 0)
			(void)buf_printf(&b, "deny-prefix:%.*s\n", (int)(len - 13), s + 13);
		else if (strncmp(s, "allow:", 6) == 0)
			(void)buf_printf(&b, "deny-exact:%.*s\n", (int)(len - 6), s + 6);
		s += len + (nl != NULL);
	}
	return buf_detach(&b, NULL);
}

/* See acp-int.h. */
void
acp_update_answer(struct acp_session *as, long req, const cJSON *result,
    const char *error)
{
	const cJSON *outcome = cJSON_GetObjectItem(result, "outcome");
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(outcome, "outcome"));
	const char *opt = cJSON_GetStringValue(cJSON_GetObjectItem(outcome, "optionId"));
	char *call, *cause = NULL, *reason = NULL, *deny;
	enum agent_answer ans = ANSWER_REJECT;
	size_t n, i;
	const struct agent_pending *p;
	int pending = 0;

	if (req != as->ask_req || as->ask_call == NULL)
		return;
	as->ask_req = 0;
	call = as->ask_call;
	as->ask_call = NULL;
	p = agent_pending(as->s->agent, &n);
	for (i = 0; i < n; i++)
		pending |= strcmp(p[i].call_id, call) == 0;
	if (!pending) {		/* cancelled meanwhile */
		free(call);
		return;
	}
	if (error != NULL)
		reason = xasprintf("the client could not ask (%s)", error);
	else if (kind == NULL || strcmp(kind, "selected") != 0 || opt == NULL)
		reason = xstrdup("the request was cancelled");
	else if (strcmp(opt, "allow_once") == 0)
		ans = ANSWER_APPROVE;
	else if (strcmp(opt, "allow_always") == 0 && as->ask_rule != NULL)
		ans = ANSWER_ALWAYS;
	else if (strcmp(opt, "reject_always") == 0 && as->ask_rule != NULL) {
		deny = acp_deny_rule(as->ask_rule);
		if (*deny != '\0' && policy_add_rule(as->s->policy, deny,
		    SCOPE_SESSION, &cause) == -1) {
			log_debug("acp: %s", cause);
			free(cause);
			cause = NULL;
		}
		free(deny);
		reason = xstrdup("rejected for the rest of the session");
	} else if (strcmp(opt, "reject_once") != 0)
		reason = xasprintf("unknown option '%.100s'", opt);
	if (agent_confirm(as->s->agent, call, ans, reason, SCOPE_SESSION,
	    &cause) == -1) {
		log_debug("acp: %s", cause);
		free(cause);
	}
	free(reason);
	free(call);
	acp_update_ask_next(as);
}

/* See acp-int.h. */
cJSON *
acp_update_modes(const char *current)
{
	cJSON *r = cJSON_CreateObject(), *list, *m;
	size_t i;

	cJSON_AddStringToObject(r, "currentModeId", current);
	list = cJSON_AddArrayToObject(r, "availableModes");
	for (i = 0; i < nitems(acp_modes); i++) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "id", acp_modes[i].id);
		cJSON_AddStringToObject(m, "name", acp_modes[i].name);
		cJSON_AddStringToObject(m, "description", acp_modes[i].description);
		cJSON_AddItemToArray(list, m);
	}
	return r;
}

/* See acp-int.h. */
void
acp_update_commands(struct acp_session *as)
{
	cJSON *u, *list, *c;
	size_t i;

	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "sessionUpdate", "available_commands_update");
	list = cJSON_AddArrayToObject(u, "availableCommands");
	for (i = 0; i < nitems(acp_commands); i++) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", acp_commands[i].name);
		cJSON_AddStringToObject(c, "description", acp_commands[i].description);
		if (acp_commands[i].hint != NULL)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(c, "input"),
			    "hint", acp_commands[i].hint);
		cJSON_AddItemToArray(list, c);
	}
	acp_notify_update(as, u);
}

/* /cost. */
static void
acp_cmd_cost(struct acp_session *as, const char *arg)
{
	struct agent_stats st;
	char *s;

	agent_get_stats(as->s->agent, &st);
	s = xasprintf("%d steps, %ld tokens in (%ld cached), %ld out, $%.4f "
	    "estimated, context %.0f%% full, %d refused", st.step, st.tokens_in,
	    st.tokens_cached, st.tokens_out, st.cost, st.context_pct * 100.0,
	    st.refusals);
	acp_chunk(as, "agent_message_chunk", s);
	free(s);
}

/* /compact. */
static void
acp_cmd_compact(struct acp_session *as, const char *arg)
{
	agent_compact(as->s->agent);
	acp_chunk(as, "agent_message_chunk", "condensing the conversation");
}

/* /model [NAME]. */
static void
acp_cmd_model(struct acp_session *as, const char *arg)
{
	struct agent_stats st;
	char *s;

	if (*arg == '\0') {
		agent_get_stats(as->s->agent, &st);
		s = xasprintf("model: %s", st.model != NULL ? st.model :
		    conf_str(as->s->cfg, "model"));
	} else {
		agent_set_model(as->s->agent, arg);
		s = xasprintf("model set to %s for this session", arg);
	}
	acp_chunk(as, "agent_message_chunk", s);
	free(s);
}

/* See acp-int.h. */
int
acp_update_command(struct acp_session *as, const char *text)
{
	size_t i, n;
	char *arg;

	if (text[0] != '/')
		return 0;
	for (i = 0; i < nitems(acp_commands); i++) {
		n = strlen(acp_commands[i].name);
		if (strncmp(text + 1, acp_commands[i].name, n) != 0 ||
		    (text[1 + n] != '\0' && text[1 + n] != ' ' && text[1 + n] != '\n'))
			continue;
		arg = xstrdup(text + 1 + n);
		acp_commands[i].fn(as, util_trim(arg));
		free(arg);
		acp_prompt_done(as, "end_turn", NULL);
		return 1;
	}
	return 0;
}
