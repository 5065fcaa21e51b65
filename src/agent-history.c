/*
 * agent-history.c: the agent's history (the OpenAI chat messages sent with
 * each request) and its rebuilding from stored events on resume.
 *
 * Messages are added as events go out (agent.c), shortened when old
 * (agent_hist_trim), replaced by a summary when condensed (condense.c
 * calls agent_hist_replace), cut back or given a note when the workspace
 * is restored (agent_restored: rewind, undo, redo), and rebuilt from the
 * store by agent_replay, which reads back exactly the fields the producers
 * declared.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/image.h"
#include "cade/prompt.h"
#include "cade/store.h"
#include "cade/util.h"
#include "agent-int.h"

/*
 * Print msg into m->text, with what the agent looks up in it (its role,
 * the call it answers, the calls it makes) read from the tree once and kept
 * after the text's NUL, in the same allocation.  The text's length.
 */
static size_t
agent_msg_set(struct agent_msg *m, const cJSON *msg)
{
	const char *role, *id;
	const cJSON *c, *calls;
	struct buf ids;
	size_t len, idlen = 0;
	char *s;

	if ((s = cJSON_PrintUnformatted(msg)) == NULL)
		fatal("cannot print a history message");
	len = strlen(s);
	role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg, "role"));
	m->role = role == NULL ? ROLE_OTHER : strcmp(role, "user") == 0 ?
	    ROLE_USER : strcmp(role, "assistant") == 0 ? ROLE_ASSISTANT :
	    strcmp(role, "tool") == 0 ? ROLE_TOOL : ROLE_OTHER;
	buf_init(&ids, 0);
	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(msg,
	    "tool_call_id"));
	if (id != NULL) {
		idlen = strlen(id) + 1;
		(void)buf_append(&ids, id, idlen);
	}
	calls = cJSON_GetObjectItemCaseSensitive(msg, "tool_calls");
	if (cJSON_GetArraySize(calls) > 0) {
		cJSON_ArrayForEach(c, calls)
			if ((id = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(c, "id"))) != NULL &&
			    *id != '\0')
				(void)buf_append(&ids, id, strlen(id) + 1);
		(void)buf_append(&ids, "", 1);
	}
	if (ids.len > 0) {
		s = xrealloc(s, len + 1 + ids.len);
		memcpy(s + len + 1, ids.s, ids.len);
	}
	m->text = s;
	m->call_id = idlen > 0 ? s + len + 1 : NULL;
	m->calls = ids.len > idlen ? s + len + 1 + idlen : NULL;
	buf_free(&ids);
	return len;
}

/* A message's tree, parsed from its text; caller frees. */
cJSON *
agent_msg_tree(const struct agent_msg *m)
{
	cJSON *t = cJSON_Parse(m->text);

	if (t == NULL)
		fatal("history message is not JSON");
	return t;
}

/* Free one message's memory. */
void
agent_msg_clear(struct agent_msg *m)
{
	free(m->text);		/* the ids live in it */
	m->text = NULL;
	m->call_id = m->calls = NULL;
}

/* Append a message to the history (takes msg; only its text is kept). */
void
agent_hist_add(struct agent *a, cJSON *msg)
{
	struct agent_msg *m;

	if (a->nhist == a->hcap) {	/* doubling: no realloc per message */
		a->hcap = a->hcap < 64 ? 64 : a->hcap * 2;
		a->hist = xreallocarray(a->hist, a->hcap, sizeof *a->hist);
	}
	m = &a->hist[a->nhist++];
	m->bytes = agent_msg_set(m, msg);
	cJSON_Delete(msg);
	m->step = a->step;
	m->shortened = 0;
	m->image_wire = 0;
	a->hist_bytes += m->bytes;
	if (a->view_ok) {
		if (a->nhist + 1 > a->vcap) {
			a->vcap = (a->nhist + 1) * 2;
			a->vtexts = xreallocarray(a->vtexts, a->vcap,
			    sizeof *a->vtexts);
		}
		a->vtexts[a->nhist] = m->text;
	}
}

/* 1 if message m is the assistant's that made call id. */
static int
agent_msg_has_call(const struct agent_msg *m, const char *id)
{
	const char *c;

	for (c = m->calls; c != NULL && *c != '\0'; c += strlen(c) + 1)
		if (strcmp(c, id) == 0)
			return 1;
	return 0;
}

/*
 * Place a tool message right after the assistant message that asked for it
 * (and its earlier answers), so the history stays well formed even when an
 * answer is recorded late (replay of a crashed session).  The search stops
 * at the latest message that made the call: usually the last one or two.
 */
void
agent_hist_place_tool(struct agent *a, cJSON *msg, const char *call_id)
{
	struct agent_msg m;
	size_t i, at = a->nhist;

	for (i = a->nhist; i-- > 0;)
		if (agent_msg_has_call(&a->hist[i], call_id)) {
			at = i + 1;
			break;
		}
	while (at < a->nhist && a->hist[at].call_id != NULL)
		at++;
	agent_hist_add(a, msg);
	if (at >= a->nhist - 1)
		return;
	m = a->hist[a->nhist - 1];
	memmove(&a->hist[at + 1], &a->hist[at], (a->nhist - 1 - at) * sizeof *a->hist);
	a->hist[at] = m;
	a->view_ok = 0;
	if (a->trim_from > at)
		a->trim_from = at;
}

/* A {"role":..., "content":...} message. */
cJSON *
agent_msg_new(const char *role, const char *content)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "role", role);
	if (content != NULL)
		cJSON_AddStringToObject(m, "content", content);
	else
		cJSON_AddNullToObject(m, "content");
	return m;
}

/*
 * The person's message with images: OpenAI content parts, the text first
 * and each image after it as an image_url part with a data: URL (the
 * Responses wire format turns them into input_text / input_image).  The
 * bytes come from the session's blobs, live and on resume alike, so a
 * resumed conversation sends what the model saw before, byte for byte.
 * An image whose blob is gone or damaged becomes a line of text saying so.
 */
void
agent_hist_add_user(struct agent *a, const char *text, const cJSON *images)
{
	cJSON *msg, *parts, *part, *img;
	const cJSON *it;
	const char *path, *hex, *mime;
	char *dir = NULL, *data, *url, *cause, *note;
	size_t len, wire = 0, n = 0;
	struct agent_msg *m;

	if (cJSON_GetArraySize(images) == 0) {
		agent_hist_add(a, agent_msg_new("user", text));
		return;
	}
	msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "role", "user");
	parts = cJSON_AddArrayToObject(msg, "content");
	part = cJSON_CreateObject();
	cJSON_AddStringToObject(part, "type", "text");
	cJSON_AddStringToObject(part, "text", text);
	cJSON_AddItemToArray(parts, part);
	cJSON_ArrayForEach(it, images) {
		path = cJSON_GetStringValue(cJSON_GetObjectItem(it, "path"));
		hex = cJSON_GetStringValue(cJSON_GetObjectItem(it, "sha256"));
		mime = cJSON_GetStringValue(cJSON_GetObjectItem(it, "mime"));
		cause = NULL;
		data = NULL;
		if (a->d.session_id == NULL)
			cause = xstrdup("no session store");
		else if (hex == NULL || mime == NULL)
			cause = xstrdup("a damaged record");
		else {
			if (dir == NULL)
				dir = store_dir(a->d.cfg);
			data = store_blob_get(dir, a->d.session_id, hex,
			    AGENT_IMAGE_MAX, &len, &cause);
		}
		part = cJSON_CreateObject();
		if (data != NULL && image_type(data, len) != NULL) {
			url = image_data_url(image_type(data, len), data, len);
			cJSON_AddStringToObject(part, "type", "image_url");
			img = cJSON_AddObjectToObject(part, "image_url");
			cJSON_AddStringToObject(img, "url", url);
			wire += strlen(url);
			n++;
			free(url);
		} else {
			note = xasprintf("[image %s not available: %s]",
			    path != NULL ? path : "?", cause != NULL ? cause :
			    "not an image");
			cJSON_AddStringToObject(part, "type", "text");
			cJSON_AddStringToObject(part, "text", note);
			free(note);
		}
		cJSON_AddItemToArray(parts, part);
		free(data);
		free(cause);
	}
	free(dir);
	agent_hist_add(a, msg);
	/* The estimate counts an image as pixels are billed, not its base64. */
	m = &a->hist[a->nhist - 1];
	a->hist_bytes -= m->bytes;
	m->image_wire = wire;
	a->image_wire += wire;
	m->bytes = m->bytes - wire + n * AGENT_IMAGE_EST_BYTES;
	a->hist_bytes += m->bytes;
}

/* See agent-int.h. */
size_t
agent_hist_image_wire(const struct agent *a)
{
	return a->image_wire;
}

/*
 * A copy of text from the LLM or the person that is valid UTF-8: invalid
 * bytes become U+FFFD, so the store, --json and later requests stay valid
 * JSON that strict parsers and servers accept.
 */
char *
agent_clean(const char *s)
{
	size_t len = strlen(s);

	if (util_utf8_valid(s, len))
		return xstrdup(s);
	return util_utf8_sanitize(s, len, NULL);
}

/* 1 if hist[i] is an observation still whole and older than keep steps. */
static int
agent_hist_full(const struct agent *a, size_t i, long keep)
{
	return !a->hist[i].shortened && a->hist[i].step < a->step - keep &&
	    a->hist[i].call_id != NULL;
}

/*
 * Keep memory and requests bounded: once more than 2*keep_recent steps of
 * full observations have piled up, shorten the older half to one line each.
 * Doing it in batches changes the request prefix only every keep_recent
 * steps, so providers' prompt caches keep hitting in between.  Only the
 * history past trim_from is looked at (what lies before it is short or no
 * answer), so a step costs the same at step 1,000 as at step 10.
 */
void
agent_hist_trim(struct agent *a)
{
	long keep = conf_int(a->d.cfg, "keep_recent");
	size_t i, n, full = 0;
	cJSON *msg, *content;
	const char *text, *nl;
	char *s, *line;

	if (keep <= 0)
		keep = 10;
	while (a->trim_from < a->nhist && (a->hist[a->trim_from].shortened ||
	    a->hist[a->trim_from].call_id == NULL))
		a->trim_from++;
	for (i = a->trim_from; i < a->nhist; i++)
		full += agent_hist_full(a, i, keep);
	if ((long)full < keep)
		return;
	for (i = a->trim_from; i < a->nhist; i++) {
		if (!agent_hist_full(a, i, keep))
			continue;
		msg = agent_msg_tree(&a->hist[i]);
		content = cJSON_GetObjectItem(msg, "content");
		if (!cJSON_IsString(content)) {
			cJSON_Delete(msg);
			continue;
		}
		text = content->valuestring;
		n = (nl = strchr(text, '\n')) != NULL ? (size_t)(nl - text) : strlen(text);
		if (n > AGENT_SHORT_OBS)
			n = AGENT_SHORT_OBS;
		if (strlen(text) > n) {
			line = xstrndup(text, n);
			s = xasprintf("%s [... %zu more bytes elided from step %d's "
			    "output; run the command again if you need it]", line,
			    strlen(text) - n, a->hist[i].step);
			free(line);
			a->hist_bytes -= a->hist[i].bytes;
			cJSON_SetValuestring(content, s);
			free(a->hist[i].text);
			(void)agent_msg_set(&a->hist[i], msg);
			a->view_ok = 0;
			a->hist[i].bytes = strlen(s) + 64;
			a->hist_bytes += a->hist[i].bytes;
			free(s);
		}
		cJSON_Delete(msg);
		a->hist[i].shortened = 1;
	}
}

/*
 * The request messages, printed: the system prompt, then the history.
 * Kept from one request to the next (messages are only appended, mostly),
 * so a request costs no work per past message beyond copying its text.
 */
size_t
agent_view(struct agent *a, const char *const **texts)
{
	size_t i;

	if (!a->view_ok) {
		a->vcap = (a->nhist + 1) * 2;
		free(a->vtexts);
		a->vtexts = xcalloc(a->vcap, sizeof *a->vtexts);
		a->vtexts[0] = a->system_text;
		for (i = 0; i < a->nhist; i++)
			a->vtexts[i + 1] = a->hist[i].text;
		a->view_ok = 1;
	}
	*texts = a->vtexts;
	return a->nhist + 1;
}

/*
 * What the model sees of an observation: the head and the tail when it is
 * large for the window (an eighth of it at most); the stored event keeps it
 * whole and the recall tool reads it back.  Caller frees.
 */
char *
agent_view_text(const struct agent *a, const char *text, const char *call_id)
{
	size_t len = strlen(text), cap, head, tail;
	long window = condense_window(a->d.cfg, a->model);

	cap = (size_t)((double)window / a->est.ratio / 8.0);
	if ((size_t)conf_int(a->d.cfg, "output_limit") < cap)
		cap = (size_t)conf_int(a->d.cfg, "output_limit");
	if (cap < 1024)
		cap = 1024;
	if (len <= cap)
		return xstrdup(text);
	head = cap * 2 / 3;
	tail = cap - head;
	/* Cut on UTF-8 boundaries so the view stays valid text. */
	while (head > 0 && ((unsigned char)text[head] & 0xc0) == 0x80)
		head--;
	while (tail > 0 && ((unsigned char)text[len - tail] & 0xc0) == 0x80)
		tail--;
	return xasprintf("%.*s\n[... %zu bytes elided to save context; call "
	    "recall with call_id %s for the whole output ...]\n%s", (int)head,
	    text, len - head - tail, call_id, text + len - tail);
}

/* Bytes of history messages [from, to). */
size_t
agent_hist_range_bytes(const struct agent *a, size_t from, size_t to)
{
	size_t i, n = 0;

	for (i = from; i < to && i < a->nhist; i++)
		n += a->hist[i].bytes;
	return n;
}

/* Replace history messages [from, to) by one summary message. */
void
agent_hist_replace(struct agent *a, size_t from, size_t to, const char *text)
{
	struct agent_msg m;
	cJSON *msg;
	size_t i;

	if (from >= to || to > a->nhist)
		return;
	for (i = from; i < to; i++) {
		a->hist_bytes -= a->hist[i].bytes;
		a->image_wire -= a->hist[i].image_wire;
		agent_msg_clear(&a->hist[i]);
	}
	memmove(&a->hist[from + 1], &a->hist[to], (a->nhist - to) * sizeof *a->hist);
	a->nhist -= to - from - 1;
	a->view_ok = 0;
	a->trim_from = 0;
	msg = agent_msg_new("user", text);
	(void)agent_msg_set(&m, msg);
	cJSON_Delete(msg);
	m.step = a->step;
	m.shortened = 1;
	m.bytes = strlen(text) + 32;
	m.image_wire = 0;
	a->hist[from] = m;
	a->hist_bytes += m.bytes;
}

/* Append a started call's recorded output (kept to AGENT_REPLAY_OUT_MAX). */
static void
agent_replay_output(struct agent *a, const char *id, const char *text)
{
	cJSON *o;
	char *all;

	if (a->replay_started == NULL ||
	    (o = cJSON_GetObjectItemCaseSensitive(a->replay_started, id)) == NULL ||
	    !cJSON_IsString(o) || strlen(o->valuestring) >= AGENT_REPLAY_OUT_MAX)
		return;
	all = xasprintf("%s%.*s", o->valuestring, (int)(AGENT_REPLAY_OUT_MAX -
	    strlen(o->valuestring)), text);
	cJSON_ReplaceItemInObjectCaseSensitive(a->replay_started, id,
	    cJSON_CreateString(all));
	free(all);
}

/* Rebuild history from one stored event. */
void
agent_replay(struct agent *a, const struct event *ev)
{
	const cJSON *calls;
	cJSON *c, *msg, *hc, *hcalls, *fn, *plan;
	const char *text;

	switch (ev->type) {
	case EV_USER_MESSAGE:
		agent_hist_add_user(a, event_str(ev, "text", ""),
		    event_json(ev, "images"));
		if (event_bool(ev, "skill"))
			(void)prompt_skills_match(a->skills, "");
		break;
	case EV_ASSISTANT_MESSAGE:
		text = event_str(ev, "text", "");
		msg = agent_msg_new("assistant", *text != '\0' ? text : NULL);
		calls = event_json(ev, "tool_calls");
		hcalls = cJSON_CreateArray();
		cJSON_ArrayForEach(c, calls) {
			/* A damaged store may hold a call without id or name. */
			if (!cJSON_IsString(cJSON_GetObjectItem(c, "id")) ||
			    !cJSON_IsString(cJSON_GetObjectItem(c, "name")) ||
			    !cJSON_IsString(cJSON_GetObjectItem(c, "arguments")))
				continue;
			hc = cJSON_CreateObject();
			cJSON_AddStringToObject(hc, "id",
			    cJSON_GetStringValue(cJSON_GetObjectItem(c, "id")));
			cJSON_AddStringToObject(hc, "type", "function");
			fn = cJSON_AddObjectToObject(hc, "function");
			cJSON_AddStringToObject(fn, "name",
			    cJSON_GetStringValue(cJSON_GetObjectItem(c, "name")));
			cJSON_AddStringToObject(fn, "arguments",
			    cJSON_GetStringValue(cJSON_GetObjectItem(c, "arguments")));
			cJSON_AddItemToArray(hcalls, hc);
		}
		if (*text == '\0' && cJSON_GetArraySize(hcalls) == 0) {
			/* An empty reply (older cade stored stopped requests
			 * so): nothing for the model, nothing to resume from. */
			cJSON_Delete(hcalls);
			cJSON_Delete(msg);
			break;
		}
		a->step++;
		a->replay_cancelled = event_bool(ev, "cancelled");
		if (cJSON_GetArraySize(hcalls) > 0)
			cJSON_AddItemToObject(msg, "tool_calls", hcalls);
		else
			cJSON_Delete(hcalls);
		agent_hist_add(a, msg);
		break;
	case EV_TOOL_RUNNING:
		/* The action started: a resume must not say it did not. */
		if (a->replay_started == NULL)
			a->replay_started = cJSON_CreateObject();
		if (cJSON_GetObjectItemCaseSensitive(a->replay_started,
		    event_str(ev, "call_id", "")) == NULL)
			cJSON_AddStringToObject(a->replay_started,
			    event_str(ev, "call_id", ""), "");
		break;
	case EV_TOOL_OUTPUT:
		agent_replay_output(a, event_str(ev, "call_id", ""),
		    event_str(ev, "text", ""));
		break;
	case EV_OBSERVATION:
		msg = agent_msg_new("tool", event_str(ev, "text", ""));
		cJSON_AddStringToObject(msg, "tool_call_id", event_str(ev, "call_id", ""));
		agent_hist_place_tool(a, msg, event_str(ev, "call_id", ""));
		plan = cJSON_GetObjectItem(event_json(ev, "extra"), "plan");
		if (plan != NULL)
			tool_state_restore_plan(a->tstate, plan);
		break;
	case EV_UNDO:
		agent_restored(a, ev->data);
		break;
	case EV_CONDENSATION:
		agent_hist_replace(a, (size_t)event_num(ev, "from", 0),
		    (size_t)event_num(ev, "to", 0), event_str(ev, "text", ""));
		break;
	case EV_USAGE:
		a->stats.tokens_in = (long)event_num(ev, "total_prompt_tokens", 0);
		a->stats.tokens_out = (long)event_num(ev, "total_completion_tokens", 0);
		a->stats.tokens_cached = (long)event_num(ev, "total_cached_tokens", 0);
		a->stats.cost = event_num(ev, "total_cost", 0);
		break;
	default:
		break;
	}
}

/*
 * The workspace was put back (undo, redo, rewind: the fields of an undo
 * event).  Undo and redo tell the model in a note, so its picture of the
 * workspace stays true; a rewind cuts the history back to before the reply
 * that made the step, and the conversation goes on from there.
 */
void
agent_restored(struct agent *a, const cJSON *undo)
{
	const char *action = cJSON_GetStringValue(cJSON_GetObjectItem(undo, "action"));
	const char *note = cJSON_GetStringValue(cJSON_GetObjectItem(undo, "note"));
	const char *call_id = cJSON_GetStringValue(cJSON_GetObjectItem(undo, "call_id"));
	size_t i, j;

	if (action != NULL && strcmp(action, "rewind") == 0 && call_id != NULL) {
		for (i = a->nhist; i-- > 0; )
			if (agent_msg_has_call(&a->hist[i], call_id))
				goto found;
		return;		/* condensed away: only the files went back */
found:
		for (j = i; j < a->nhist; j++) {
			a->hist_bytes -= a->hist[j].bytes;
			a->image_wire -= a->hist[j].image_wire;
			agent_msg_clear(&a->hist[j]);
		}
		a->nhist = i;
		a->ntrack = 0;
		a->view_ok = 0;		/* the request view referenced them */
		if (a->trim_from > i)
			a->trim_from = i;
		return;
	}
	if (note != NULL && *note != '\0')
		agent_hist_add(a, agent_msg_new("user", note));
}

/* Answer tool calls the crash left open, so the history is well formed. */
