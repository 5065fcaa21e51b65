/*
 * responses.c: the OpenAI Responses API as a second wire format.
 *
 * Requests: the chat "messages" the agent keeps are translated on the way
 * out.  Leading system messages become "instructions"; user and assistant
 * text become input messages; an assistant's tool_calls become
 * "function_call" items and each tool message a "function_call_output";
 * chat tools ({type, function:{name, ...}}) are flattened to {type, name,
 * description, parameters}.  Replies: the typed stream events
 * (response.output_text.delta, response.function_call_arguments.delta,
 * response.completed, ...) feed the same accumulator as chat chunks, with
 * a call's output_index in place of the chat index, so the agent cannot
 * tell the formats apart.  The event type is read from the JSON "type"
 * field, falling back to the SSE "event:" line.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/util.h"
#include "llm-int.h"

/* The text of a chat message's content (string or text parts); caller frees. */
char *
llm_content_text(const cJSON *content)
{
	const cJSON *part, *t;
	struct buf b;
	char *s;

	if (cJSON_IsString(content))
		return xstrdup(content->valuestring);
	buf_init(&b, 0);
	cJSON_ArrayForEach(part, content) {
		t = cJSON_GetObjectItemCaseSensitive(part, "text");
		if (cJSON_IsString(t) && buf_puts(&b, t->valuestring) == -1)
			break;
	}
	s = buf_detach(&b, NULL);
	buf_free(&b);
	return s;
}

/* A user message's content parts in Responses form. */
static cJSON *
llm_resp_parts(const cJSON *content)
{
	const cJSON *part, *t, *img, *url;
	cJSON *out, *o;

	if (cJSON_IsString(content))
		return cJSON_CreateString(content->valuestring);
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(part, content) {
		t = cJSON_GetObjectItemCaseSensitive(part, "text");
		img = cJSON_GetObjectItemCaseSensitive(part, "image_url");
		url = cJSON_IsObject(img) ?
		    cJSON_GetObjectItemCaseSensitive(img, "url") : img;
		o = cJSON_CreateObject();
		if (cJSON_IsString(url)) {
			cJSON_AddStringToObject(o, "type", "input_image");
			cJSON_AddStringToObject(o, "image_url", url->valuestring);
		} else {
			cJSON_AddStringToObject(o, "type", "input_text");
			cJSON_AddStringToObject(o, "text", cJSON_IsString(t) ?
			    t->valuestring : "");
		}
		cJSON_AddItemToArray(out, o);
	}
	return out;
}

/* Give item the string name: from's member key, or dflt if that is no string. */
static void
llm_resp_copy(cJSON *item, const char *name, const cJSON *from,
    const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, key);

	cJSON_AddStringToObject(item, name, cJSON_IsString(v) ?
	    v->valuestring : dflt);
}

/* Translate the chat messages into instructions plus input items. */
static void
llm_resp_input(cJSON *root, const cJSON *messages)
{
	const cJSON *m, *role, *content, *calls, *c, *fn;
	cJSON *input, *item;
	struct buf instr;
	int leading = 1;
	char *text;

	buf_init(&instr, 0);
	input = cJSON_CreateArray();
	cJSON_ArrayForEach(m, messages) {
		role = cJSON_GetObjectItemCaseSensitive(m, "role");
		content = cJSON_GetObjectItemCaseSensitive(m, "content");
		if (!cJSON_IsString(role))
			continue;
		if (leading && (strcmp(role->valuestring, "system") == 0 ||
		    strcmp(role->valuestring, "developer") == 0)) {
			text = llm_content_text(content);
			if ((instr.len > 0 && buf_puts(&instr, "\n\n") == -1) ||
			    buf_puts(&instr, text) == -1)
				fatal("instructions too long");
			free(text);
			continue;
		}
		leading = 0;
		if (strcmp(role->valuestring, "tool") == 0) {
			item = cJSON_CreateObject();
			cJSON_AddStringToObject(item, "type",
			    "function_call_output");
			llm_resp_copy(item, "call_id", m, "tool_call_id", "");
			text = llm_content_text(content);
			cJSON_AddStringToObject(item, "output", text);
			free(text);
			cJSON_AddItemToArray(input, item);
			continue;
		}
		if (strcmp(role->valuestring, "assistant") == 0) {
			text = llm_content_text(content);
			if (*text != '\0') {
				item = cJSON_CreateObject();
				cJSON_AddStringToObject(item, "role",
				    "assistant");
				cJSON_AddStringToObject(item, "content", text);
				cJSON_AddItemToArray(input, item);
			}
			free(text);
			calls = cJSON_GetObjectItemCaseSensitive(m,
			    "tool_calls");
			cJSON_ArrayForEach(c, calls) {
				fn = cJSON_GetObjectItemCaseSensitive(c,
				    "function");
				item = cJSON_CreateObject();
				cJSON_AddStringToObject(item, "type",
				    "function_call");
				llm_resp_copy(item, "call_id", c, "id", "");
				llm_resp_copy(item, "name", fn, "name", "");
				llm_resp_copy(item, "arguments", fn, "arguments",
				    "{}");
				cJSON_AddItemToArray(input, item);
			}
			continue;
		}
		item = cJSON_CreateObject();
		cJSON_AddStringToObject(item, "role", role->valuestring);
		cJSON_AddItemToObject(item, "content", llm_resp_parts(content));
		cJSON_AddItemToArray(input, item);
	}
	if (instr.len > 0)
		cJSON_AddStringToObject(root, "instructions", instr.s);
	buf_free(&instr);
	cJSON_AddItemToObject(root, "input", input);
}

/* Chat tools flattened to Responses function tools. */
static cJSON *
llm_resp_tools(const cJSON *tools)
{
	const cJSON *t, *fn, *v;
	cJSON *out, *o;

	out = cJSON_CreateArray();
	cJSON_ArrayForEach(t, tools) {
		fn = cJSON_GetObjectItemCaseSensitive(t, "function");
		if (!cJSON_IsObject(fn))
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", "function");
		v = cJSON_GetObjectItemCaseSensitive(fn, "name");
		cJSON_AddStringToObject(o, "name",
		    cJSON_IsString(v) ? v->valuestring : "");
		v = cJSON_GetObjectItemCaseSensitive(fn, "description");
		if (cJSON_IsString(v))
			cJSON_AddStringToObject(o, "description", v->valuestring);
		v = cJSON_GetObjectItemCaseSensitive(fn, "parameters");
		if (v != NULL)
			cJSON_AddItemToObject(o, "parameters",
			    cJSON_Duplicate(v, 1));
		cJSON_AddItemToArray(out, o);
	}
	return out;
}

/* The Responses API request body (caller frees). */
char *
llm_responses_body(const struct llm_body_opts *o)
{
	cJSON *root;
	char *s;

	/* What stays the same first, the conversation last: each request is
	 * a byte-identical prefix of the next (see llm_chat_body). */
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "model", o->model);
	cJSON_AddBoolToObject(root, "stream", o->stream);
	cJSON_AddBoolToObject(root, "store", 0);
	llm_body_settings(root, o, 1);
	if (cJSON_GetArraySize(o->tools) > 0) {
		cJSON_AddItemToObject(root, "tools", llm_resp_tools(o->tools));
		cJSON_AddStringToObject(root, "tool_choice", "auto");
	}
	llm_resp_input(root, o->messages);
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (s == NULL)
		fatal("cannot print request body");
	return s;
}

/* Replace a call part with the authoritative whole value. */
static int
llm_resp_set(struct buf *b, const cJSON *v)
{
	if (!cJSON_IsString(v))
		return 0;
	buf_reset(b);
	return buf_puts(b, v->valuestring);
}

/* The call a Responses event refers to (output_index, else item id). */
static struct llm_call_acc *
llm_resp_call(struct llm_acc *a, const cJSON *j, const char *call_id)
{
	const cJSON *oi, *iid;
	struct llm_call_acc *c;
	long index = -1;

	oi = cJSON_GetObjectItemCaseSensitive(j, "output_index");
	iid = cJSON_GetObjectItemCaseSensitive(j, "item_id");
	if (cJSON_IsNumber(oi) && oi->valuedouble >= 0 && oi->valuedouble < 1e6)
		index = (long)oi->valuedouble;
	c = llm_acc_call(a, index, call_id,
	    index < 0 && cJSON_IsString(iid) ? iid->valuestring : NULL);
	if (c == NULL)
		llm_acc_set_bad(a, "too many tool calls", NULL, 0);
	return c;
}

/* A function_call item (added or done): id, name, maybe arguments. */
static int
llm_resp_fcall(struct llm_acc *a, const cJSON *j, const cJSON *item,
    int whole)
{
	const cJSON *cid, *name, *args, *id;
	struct llm_call_acc *c;

	cid = cJSON_GetObjectItemCaseSensitive(item, "call_id");
	name = cJSON_GetObjectItemCaseSensitive(item, "name");
	args = cJSON_GetObjectItemCaseSensitive(item, "arguments");
	id = cJSON_GetObjectItemCaseSensitive(item, "id");
	if ((c = llm_resp_call(a, j, NULL)) == NULL)
		return -1;
	if (c->item_id == NULL && cJSON_IsString(id))
		c->item_id = xstrdup(id->valuestring);
	if (c->id.len == 0 && cJSON_IsString(cid) &&
	    buf_puts(&c->id, cid->valuestring) == -1)
		return llm_acc_call_too_big(a);
	if (c->name.len == 0 && cJSON_IsString(name) &&
	    buf_puts(&c->name, name->valuestring) == -1)
		return llm_acc_call_too_big(a);
	if (whole && cJSON_IsString(args) && *args->valuestring != '\0' &&
	    llm_resp_set(&c->args, args) == -1)
		return llm_acc_call_too_big(a);
	return 0;
}

/* Text of a message item's output_text/refusal parts, or a reasoning
 * item's summary/content parts. */
static int
llm_resp_item_text(struct llm_acc *a, const cJSON *item)
{
	const cJSON *type, *parts, *p, *t;
	int reasoning;

	type = cJSON_GetObjectItemCaseSensitive(item, "type");
	if (!cJSON_IsString(type))
		return 0;
	reasoning = strcmp(type->valuestring, "reasoning") == 0;
	if (!reasoning && strcmp(type->valuestring, "message") != 0)
		return 0;
	parts = cJSON_GetObjectItemCaseSensitive(item,
	    reasoning ? "summary" : "content");
	if (reasoning && cJSON_GetArraySize(parts) == 0)
		parts = cJSON_GetObjectItemCaseSensitive(item, "content");
	cJSON_ArrayForEach(p, parts) {
		t = cJSON_GetObjectItemCaseSensitive(p, "text");
		if (!cJSON_IsString(t))
			t = cJSON_GetObjectItemCaseSensitive(p, "refusal");
		if (!cJSON_IsString(t))
			continue;
		if ((reasoning ? llm_acc_reasoning : llm_acc_text)(a,
		    t->valuestring, strlen(t->valuestring)) == -1)
			return -1;
	}
	return 0;
}

/* The end of a response: status, usage, model, why it stopped. */
static int
llm_resp_final(struct llm_acc *a, const cJSON *r)
{
	const cJSON *v, *d;
	const char *status;

	v = cJSON_GetObjectItemCaseSensitive(r, "model");
	if (a->model == NULL && cJSON_IsString(v))
		a->model = xstrdup(v->valuestring);
	llm_acc_usage(a, cJSON_GetObjectItemCaseSensitive(r, "usage"));
	v = cJSON_GetObjectItemCaseSensitive(r, "status");
	status = cJSON_IsString(v) ? v->valuestring : "completed";
	if (strcmp(status, "failed") == 0) {
		v = cJSON_GetObjectItemCaseSensitive(r, "error");
		llm_acc_set_error(a, v != NULL ? v :
		    cJSON_GetObjectItemCaseSensitive(r, "status"), 0);
		return -1;
	}
	free(a->finish_reason);
	if (strcmp(status, "incomplete") == 0) {
		d = cJSON_GetObjectItemCaseSensitive(r, "incomplete_details");
		v = cJSON_GetObjectItemCaseSensitive(d, "reason");
		if (cJSON_IsString(v) && strcmp(v->valuestring,
		    "max_output_tokens") != 0)
			a->finish_reason = xstrdup(v->valuestring);
		else
			a->finish_reason = xstrdup("length");
	} else
		a->finish_reason = xstrdup(a->ncalls > 0 ? "tool_calls" :
		    "stop");
	a->saw_finish = 1;
	a->done = 1;
	return 1;
}

/* One parsed stream event. */
static int
llm_resp_dispatch(struct llm_acc *a, const char *type, const cJSON *j)
{
	const cJSON *v, *item;
	struct llm_call_acc *c;

	v = cJSON_GetObjectItemCaseSensitive(j, "delta");
	if (strcmp(type, "response.output_text.delta") == 0 ||
	    strcmp(type, "response.refusal.delta") == 0)
		return cJSON_IsString(v) ? llm_acc_text(a, v->valuestring,
		    strlen(v->valuestring)) : 0;
	if (strcmp(type, "response.reasoning_summary_text.delta") == 0 ||
	    strcmp(type, "response.reasoning_text.delta") == 0)
		return cJSON_IsString(v) ? llm_acc_reasoning(a,
		    v->valuestring, strlen(v->valuestring)) : 0;
	if (strcmp(type, "response.function_call_arguments.delta") == 0) {
		if (!cJSON_IsString(v))
			return 0;
		if ((c = llm_resp_call(a, j, NULL)) == NULL)
			return -1;
		return buf_puts(&c->args, v->valuestring) == -1 ?
		    llm_acc_call_too_big(a) : 0;
	}
	if (strcmp(type, "response.function_call_arguments.done") == 0) {
		v = cJSON_GetObjectItemCaseSensitive(j, "arguments");
		if (!cJSON_IsString(v))
			return 0;
		if ((c = llm_resp_call(a, j, NULL)) == NULL)
			return -1;
		return llm_resp_set(&c->args, v) == -1 ?
		    llm_acc_call_too_big(a) : 0;
	}
	item = cJSON_GetObjectItemCaseSensitive(j, "item");
	v = cJSON_GetObjectItemCaseSensitive(item, "type");
	if (strcmp(type, "response.output_item.added") == 0 ||
	    strcmp(type, "response.output_item.done") == 0) {
		int done = type[21] == 'd';

		if (cJSON_IsString(v) &&
		    strcmp(v->valuestring, "function_call") == 0)
			return llm_resp_fcall(a, j, item, done);
		/* A server that sends only whole items, no deltas. */
		if (done && cJSON_IsString(v) && ((strcmp(v->valuestring,
		    "message") == 0 && a->text.len == 0) ||
		    (strcmp(v->valuestring, "reasoning") == 0 &&
		    a->reasoning.len == 0)))
			return llm_resp_item_text(a, item);
		return 0;
	}
	if (strcmp(type, "response.completed") == 0 ||
	    strcmp(type, "response.incomplete") == 0 ||
	    strcmp(type, "response.failed") == 0) {
		v = cJSON_GetObjectItemCaseSensitive(j, "response");
		return llm_resp_final(a, cJSON_IsObject(v) ? v : j);
	}
	if (strcmp(type, "error") == 0 || strcmp(type, "response.error") == 0) {
		v = cJSON_GetObjectItemCaseSensitive(j, "error");
		llm_acc_set_error(a, cJSON_IsObject(v) ? v : j, 0);
		return -1;
	}
	if (strcmp(type, "response.created") == 0 ||
	    strcmp(type, "response.in_progress") == 0) {
		v = cJSON_GetObjectItemCaseSensitive(j, "response");
		v = cJSON_GetObjectItemCaseSensitive(v, "model");
		if (a->model == NULL && cJSON_IsString(v))
			a->model = xstrdup(v->valuestring);
	}
	return 0;
}

/* One SSE event of a Responses stream; 0 go on, 1 finished, -1 bad. */
int
llm_responses_event(struct llm_acc *a, const char *sse_type, const char *data,
    size_t len)
{
	const cJSON *t;
	cJSON *j;
	int rc;

	if (len >= 6 && memcmp(data, "[DONE]", 6) == 0)
		return 1;
	j = llm_json_parse(data, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		llm_acc_set_bad(a, "malformed JSON in stream", data, len);
		return -1;
	}
	t = cJSON_GetObjectItemCaseSensitive(j, "type");
	rc = llm_resp_dispatch(a, cJSON_IsString(t) ? t->valuestring :
	    sse_type, j);
	cJSON_Delete(j);
	return rc;
}

/* A whole non-streamed Responses reply. */
int
llm_responses_reply(struct llm_acc *a, const char *body, size_t len)
{
	const cJSON *out, *item, *v;
	cJSON *j;
	int rc = -1;
	long i = 0;

	j = llm_json_parse(body, len);
	if (!cJSON_IsObject(j)) {
		llm_acc_set_bad(a, "malformed JSON reply", body, len);
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (v != NULL && !cJSON_IsNull(v)) {
		llm_acc_set_error(a, v, 0);
		goto out;
	}
	out = cJSON_GetObjectItemCaseSensitive(j, "output");
	cJSON_ArrayForEach(item, out) {
		cJSON *idx = cJSON_CreateObject();

		cJSON_AddNumberToObject(idx, "output_index", (double)i++);
		v = cJSON_GetObjectItemCaseSensitive(item, "type");
		if (cJSON_IsString(v) &&
		    strcmp(v->valuestring, "function_call") == 0)
			rc = llm_resp_fcall(a, idx, item, 1);
		else
			rc = llm_resp_item_text(a, item);
		cJSON_Delete(idx);
		if (rc == -1)
			goto out;
	}
	rc = llm_resp_final(a, j) == -1 ? -1 : 0;
out:
	cJSON_Delete(j);
	return rc;
}
