/*
 * openai.c: the reply accumulator and the chat completions wire format.
 *
 * A reply is gathered in a struct llm_acc whatever the wire format: answer
 * and reasoning text (each delta also passed straight to the sink, so the
 * screen follows the stream), tool calls assembled from fragments, the
 * finish reason, usage, and any error the server put in-band.  The chat
 * format's chunks carry choices[0].delta.{content, reasoning_content |
 * reasoning, tool_calls[]} where each tool-call fragment names its call by
 * `index`; id, name and arguments may each be split anywhere.  Tolerated
 * quirks: no index (matched by id, else the last call), an index reused for
 * a new call (a different id with a name, after arguments), the whole id or
 * name repeated in every fragment, arguments sent as a JSON object, several
 * JSON objects in one SSE event (one per data line), usage in any chunk.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/conf.h"
#include "cade/util.h"
#include "llm-int.h"

/* Start empty, delivering deltas to sink (NULL: nowhere). */
void
llm_acc_init(struct llm_acc *a, const struct llm_sink *sink)
{
	memset(a, 0, sizeof *a);
	buf_init(&a->text, LLM_TEXT_MAX);
	buf_init(&a->reasoning, LLM_TEXT_MAX);
	if (sink != NULL)
		a->sink = *sink;
}

/* Free the calls array and the per-reply strings. */
static void
llm_acc_clear(struct llm_acc *a)
{
	size_t i;

	for (i = 0; i < a->ncalls; i++) {
		buf_free(&a->calls[i].id);
		buf_free(&a->calls[i].name);
		buf_free(&a->calls[i].args);
		free(a->calls[i].item_id);
	}
	free(a->calls);
	a->calls = NULL;
	a->ncalls = 0;
	free(a->finish_reason);
	free(a->model);
	free(a->err_msg);
	free(a->bad);
	a->finish_reason = a->model = a->err_msg = a->bad = NULL;
}

/* Release everything. */
void
llm_acc_free(struct llm_acc *a)
{
	llm_acc_clear(a);
	buf_free(&a->text);
	buf_free(&a->reasoning);
}

/* Empty again for the next attempt (the sink stays). */
void
llm_acc_reset(struct llm_acc *a)
{
	struct llm_sink sink = a->sink;

	llm_acc_clear(a);
	buf_reset(&a->text);
	buf_reset(&a->reasoning);
	memset(&a->usage, 0, sizeof a->usage);
	a->done = a->saw_finish = a->err_retry = 0;
	a->err = LLM_OK;
	a->sink = sink;
}

/* A printable excerpt of at most max bytes, for error messages. */
char *
llm_excerpt(const char *s, size_t len, size_t max)
{
	char *clean, *out;
	size_t n, i, cut;

	if (len > max * 4)
		len = max * 4;
	clean = util_utf8_sanitize(s, len, &n);
	cut = n > max ? max : n;
	/* Do not end inside a UTF-8 sequence. */
	while (cut > 0 && cut < n && ((unsigned char)clean[cut] & 0xc0) == 0x80)
		cut--;
	out = xmalloc(cut + 4);
	for (i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)clean[i];

		out[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	if (cut < n) {
		memcpy(out + cut, "...", 4);
	} else
		out[cut] = '\0';
	free(clean);
	return out;
}

/* The value of 4 hex digits at p, or -1. */
static long
llm_hex4(const char *p, const char *end)
{
	long v = 0;
	int i;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Parse JSON; only if that fails, mend lone surrogate escapes (each
 * \uXXXX keeps its 6 bytes, so the copy has the same length) and retry. */
cJSON *
llm_json_parse(const char *data, size_t len)
{
	const char *end = data + len;
	char *copy = NULL;
	size_t i;
	long u, lo;
	cJSON *j;

	if ((j = cJSON_ParseWithLength(data, len)) != NULL)
		return j;
	for (i = 0; i + 1 < len; i++) {
		if (data[i] != '\\')
			continue;
		if (data[i + 1] != 'u' ||
		    (u = llm_hex4(data + i + 2, end)) == -1) {
			i++;	/* \\, \" ...: skip the escaped character */
			continue;
		}
		if (u >= 0xd800 && u <= 0xdbff && i + 11 < len &&
		    data[i + 6] == '\\' && data[i + 7] == 'u' &&
		    (lo = llm_hex4(data + i + 8, end)) >= 0xdc00 &&
		    lo <= 0xdfff) {
			i += 11;	/* a valid pair */
			continue;
		}
		if (u >= 0xd800 && u <= 0xdfff) {
			if (copy == NULL) {
				copy = xmalloc(len);
				memcpy(copy, data, len);
			}
			memcpy(copy + i + 2, "FFFD", 4);
		}
		i += 5;
	}
	if (copy == NULL)
		return NULL;
	j = cJSON_ParseWithLength(copy, len);
	free(copy);
	return j;
}

/* See llm-int.h. */
int
llm_acc_call_too_big(struct llm_acc *a)
{
	llm_acc_set_bad(a, "tool call too large", NULL, 0);
	return -1;
}

/* Record that the input could not be used, quoting a short excerpt. */
void
llm_acc_set_bad(struct llm_acc *a, const char *what, const char *data,
    size_t len)
{
	char *ex;

	if (a->bad != NULL)
		return;
	if (data == NULL) {
		a->bad = xstrdup(what);
		return;
	}
	ex = llm_excerpt(data, len, 80);
	a->bad = xasprintf("%s: '%s'", what, ex);
	free(ex);
}

/* Record an error object the server sent in a 200 reply or stream. */
void
llm_acc_set_error(struct llm_acc *a, const cJSON *err, int http)
{
	const cJSON *msg, *code, *type;
	struct llm_class c;
	const char *m = NULL;
	long status = http;
	char *lower, *full;

	if (cJSON_IsString(err))
		m = err->valuestring;
	else {
		msg = cJSON_GetObjectItemCaseSensitive(err, "message");
		code = cJSON_GetObjectItemCaseSensitive(err, "code");
		type = cJSON_GetObjectItemCaseSensitive(err, "type");
		if (cJSON_IsString(msg))
			m = msg->valuestring;
		else if (cJSON_IsString(code))
			m = code->valuestring;
		if (cJSON_IsNumber(code) && code->valuedouble >= 400 &&
		    code->valuedouble < 600)
			status = (long)code->valuedouble;
		else if (status < 400) {
			const char *k = cJSON_IsString(code) ?
			    code->valuestring : cJSON_IsString(type) ?
			    type->valuestring : "";

			lower = xstrdup(k);
			for (char *p = lower; *p != '\0'; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			if (strstr(lower, "quota") != NULL)
				status = 429;	/* billing: classified below */
			else if (strstr(lower, "rate_limit") != NULL)
				status = 429;
			else if (strstr(lower, "auth") != NULL ||
			    strstr(lower, "api_key") != NULL)
				status = 401;
			else if (strstr(lower, "context_length") != NULL)
				status = 400;
			else
				status = 500;
			free(lower);
		}
	}
	if (m == NULL)
		m = "error without a message";
	if (status < 400)
		status = 500;
	if (llm_is_context_error(m))
		status = 400;
	/* The code says what the message may not ("insufficient_quota"). */
	code = cJSON_GetObjectItemCaseSensitive(err, "code");
	full = cJSON_IsString(code) && strstr(m, code->valuestring) == NULL ?
	    xasprintf("%s (%s)", m, code->valuestring) : xstrdup(m);
	c = llm_classify_http(status, full);
	if (a->err != LLM_OK) {
		free(full);
		return;
	}
	a->err = c.status;
	a->err_retry = c.retry;
	a->err_msg = llm_excerpt(full, strlen(full), 300);
	free(full);
}

/* Append answer text; -1 if the reply grew past its maximum. */
int
llm_acc_text(struct llm_acc *a, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_append(&a->text, s, n) == -1) {
		llm_acc_set_bad(a, "reply text too large", NULL, 0);
		return -1;
	}
	if (a->sink.text != NULL)
		a->sink.text(s, n, a->sink.arg);
	return 0;
}

/* Append reasoning text; -1 if too large. */
int
llm_acc_reasoning(struct llm_acc *a, const char *s, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_append(&a->reasoning, s, n) == -1) {
		llm_acc_set_bad(a, "reasoning text too large", NULL, 0);
		return -1;
	}
	if (a->sink.reasoning != NULL)
		a->sink.reasoning(s, n, a->sink.arg);
	return 0;
}

/* A fresh call slot, or NULL past LLM_CALLS_MAX. */
static struct llm_call_acc *
llm_acc_new_call(struct llm_acc *a, long index)
{
	struct llm_call_acc *c;

	if (a->ncalls >= LLM_CALLS_MAX)
		return NULL;
	a->calls = xreallocarray(a->calls, a->ncalls + 1, sizeof *a->calls);
	c = &a->calls[a->ncalls++];
	memset(c, 0, sizeof *c);
	c->index = index;
	buf_init(&c->id, 1024);
	buf_init(&c->name, 1024);
	buf_init(&c->args, LLM_ARGS_MAX);
	return c;
}

/* The call a fragment belongs to; see the file comment for the rules. */
struct llm_call_acc *
llm_acc_call(struct llm_acc *a, long index, const char *id,
    const char *item_id)
{
	struct llm_call_acc *c;
	size_t i;

	if (index >= 0) {
		for (i = a->ncalls; i > 0; i--) {
			c = &a->calls[i - 1];
			if (c->index == index)
				return c;
		}
		return llm_acc_new_call(a, index);
	}
	if (item_id != NULL) {
		for (i = 0; i < a->ncalls; i++)
			if (a->calls[i].item_id != NULL &&
			    strcmp(a->calls[i].item_id, item_id) == 0)
				return &a->calls[i];
		c = llm_acc_new_call(a, -1);
		if (c != NULL)
			c->item_id = xstrdup(item_id);
		return c;
	}
	if (id != NULL && *id != '\0') {
		for (i = 0; i < a->ncalls; i++)
			if (strcmp(a->calls[i].id.s, id) == 0)
				return &a->calls[i];
		if (a->ncalls > 0 && a->calls[a->ncalls - 1].args.len == 0 &&
		    a->calls[a->ncalls - 1].name.len == 0)
			return &a->calls[a->ncalls - 1];
		return llm_acc_new_call(a, -1);
	}
	if (a->ncalls > 0)
		return &a->calls[a->ncalls - 1];
	return llm_acc_new_call(a, -1);
}

/* Append a fragment; with dedup, a repeat of the whole value is dropped. */
int
llm_acc_frag(struct buf *b, const char *s, size_t n, int dedup)
{
	if (n == 0)
		return 0;
	if (dedup && b->len == n && memcmp(b->s, s, n) == 0)
		return 0;
	return buf_append(b, s, n);
}

/*
 * Read a token count, tolerating absent or mistyped fields.  A number from
 * the server is range-checked before the cast (casting 1e300 to long is
 * undefined); an absurd one is clamped and the usage flagged implausible.
 */
static long
llm_acc_num(struct llm_acc *a, const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v) || !(v->valuedouble > 0))
		return 0;
	if (!(v->valuedouble <= (double)LLM_TOKENS_MAX)) {
		a->usage.implausible = 1;
		return LLM_TOKENS_MAX;
	}
	return (long)v->valuedouble;
}

/* Read usage in chat ("prompt_tokens") or Responses ("input_tokens") form. */
void
llm_acc_usage(struct llm_acc *a, const cJSON *u)
{
	const cJSON *d;

	if (!cJSON_IsObject(u))
		return;
	a->usage.present = 1;
	a->usage.implausible = 0;
	a->usage.prompt_tokens = llm_acc_num(a, u, "prompt_tokens");
	if (a->usage.prompt_tokens == 0)
		a->usage.prompt_tokens = llm_acc_num(a, u, "input_tokens");
	a->usage.completion_tokens = llm_acc_num(a, u, "completion_tokens");
	if (a->usage.completion_tokens == 0)
		a->usage.completion_tokens = llm_acc_num(a, u, "output_tokens");
	d = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens_details");
	if (d == NULL)
		d = cJSON_GetObjectItemCaseSensitive(u, "input_tokens_details");
	a->usage.cached_tokens = llm_acc_num(a, d, "cached_tokens");
	if (a->usage.cached_tokens == 0)
		a->usage.cached_tokens = llm_acc_num(a, u, "prompt_cache_hit_tokens");
	d = cJSON_GetObjectItemCaseSensitive(u, "completion_tokens_details");
	if (d == NULL)
		d = cJSON_GetObjectItemCaseSensitive(u, "output_tokens_details");
	a->usage.reasoning_tokens = llm_acc_num(a, d, "reasoning_tokens");
}

/* Set a string field once (the first non-empty value wins). */
static void
llm_acc_once(char **dst, const cJSON *v)
{
	if (*dst == NULL && cJSON_IsString(v) && *v->valuestring != '\0')
		*dst = xstrdup(v->valuestring);
}

/*
 * Text that may be a string or an array of {type:text, text} parts.  A
 * {type:"thinking", thinking:[{type:"text", text}]} part (Mistral's
 * Magistral models) is reasoning wherever it appears.
 */
static int
llm_chat_content(struct llm_acc *a, const cJSON *v,
    int (*put)(struct llm_acc *, const char *, size_t))
{
	const cJSON *part, *t, *type;

	if (cJSON_IsString(v))
		return put(a, v->valuestring, strlen(v->valuestring));
	if (!cJSON_IsArray(v))
		return 0;
	cJSON_ArrayForEach(part, v) {
		type = cJSON_GetObjectItemCaseSensitive(part, "type");
		if (cJSON_IsString(type) &&
		    strcmp(type->valuestring, "thinking") == 0) {
			if (llm_chat_content(a, cJSON_GetObjectItemCaseSensitive(
			    part, "thinking"), llm_acc_reasoning) == -1)
				return -1;
			continue;
		}
		t = cJSON_GetObjectItemCaseSensitive(part, "text");
		if (cJSON_IsString(t) &&
		    put(a, t->valuestring, strlen(t->valuestring)) == -1)
			return -1;
	}
	return 0;
}

/* Fold one tool_calls array (fragments or whole calls) into the calls. */
static int
llm_chat_tool_calls(struct llm_acc *a, const cJSON *arr, int whole)
{
	const cJSON *tc, *idx, *id, *fn, *name, *args;
	struct llm_call_acc *c;
	const char *ids;
	long index, pos = 0;
	char *text;
	int rc;

	cJSON_ArrayForEach(tc, arr) {
		idx = cJSON_GetObjectItemCaseSensitive(tc, "index");
		id = cJSON_GetObjectItemCaseSensitive(tc, "id");
		fn = cJSON_GetObjectItemCaseSensitive(tc, "function");
		name = cJSON_GetObjectItemCaseSensitive(fn, "name");
		args = cJSON_GetObjectItemCaseSensitive(fn, "arguments");
		ids = cJSON_IsString(id) ? id->valuestring : NULL;
		index = cJSON_IsNumber(idx) && idx->valuedouble >= 0 &&
		    idx->valuedouble < 1e6 ? (long)idx->valuedouble : -1;
		if (whole && index < 0)
			index = pos;
		pos++;
		c = llm_acc_call(a, index, ids, NULL);
		/* The same index again with a new id and name: a new call. */
		if (c != NULL && index >= 0 && ids != NULL && *ids != '\0' &&
		    c->id.len > 0 && c->args.len > 0 &&
		    cJSON_IsString(name) && *name->valuestring != '\0' &&
		    strncmp(c->id.s, ids, c->id.len) != 0)
			c = llm_acc_new_call(a, index);
		if (c == NULL) {
			llm_acc_set_bad(a, "too many tool calls", NULL, 0);
			return -1;
		}
		if (ids != NULL &&
		    llm_acc_frag(&c->id, ids, strlen(ids), 1) == -1)
			return llm_acc_call_too_big(a);
		if (cJSON_IsString(name) && llm_acc_frag(&c->name,
		    name->valuestring, strlen(name->valuestring), 1) == -1)
			return llm_acc_call_too_big(a);
		if (cJSON_IsString(args))
			rc = llm_acc_frag(&c->args, args->valuestring,
			    strlen(args->valuestring), 0);
		else if (cJSON_IsObject(args)) {
			text = cJSON_PrintUnformatted(args);
			rc = llm_acc_frag(&c->args, text, strlen(text), 0);
			free(text);
		} else
			rc = 0;
		if (rc == -1)
			return llm_acc_call_too_big(a);
	}
	return 0;
}

/* One choice's delta (stream) or message (whole reply). */
static int
llm_chat_choice(struct llm_acc *a, const cJSON *choice, int whole)
{
	const cJSON *d, *v;

	d = cJSON_GetObjectItemCaseSensitive(choice, whole ? "message" : "delta");
	if (d == NULL && !whole)
		d = cJSON_GetObjectItemCaseSensitive(choice, "message");
	if (cJSON_IsObject(d)) {
		v = cJSON_GetObjectItemCaseSensitive(d, "reasoning_content");
		if (!cJSON_IsString(v))
			v = cJSON_GetObjectItemCaseSensitive(d, "reasoning");
		if (llm_chat_content(a, v, llm_acc_reasoning) == -1)
			return -1;
		v = cJSON_GetObjectItemCaseSensitive(d, "content");
		if (llm_chat_content(a, v, llm_acc_text) == -1)
			return -1;
		v = cJSON_GetObjectItemCaseSensitive(d, "tool_calls");
		if (cJSON_IsArray(v) && llm_chat_tool_calls(a, v, whole) == -1)
			return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(choice, "finish_reason");
	if (cJSON_IsString(v) && *v->valuestring != '\0') {
		free(a->finish_reason);
		a->finish_reason = xstrdup(v->valuestring);
		a->saw_finish = 1;
	}
	return 0;
}

/* One parsed chunk or whole reply. */
static int
llm_chat_object(struct llm_acc *a, const cJSON *j, int whole)
{
	const cJSON *v, *choice, *idx;

	if (!cJSON_IsObject(j))
		return -2;
	v = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (v != NULL && !cJSON_IsNull(v)) {
		llm_acc_set_error(a, v, 0);
		return -1;
	}
	llm_acc_once(&a->model, cJSON_GetObjectItemCaseSensitive(j, "model"));
	v = cJSON_GetObjectItemCaseSensitive(j, "choices");
	cJSON_ArrayForEach(choice, v) {
		/* n > 1 is never asked for: keep choice 0 only. */
		idx = cJSON_GetObjectItemCaseSensitive(choice, "index");
		if (cJSON_IsNumber(idx) && idx->valuedouble != 0)
			continue;
		if (llm_chat_choice(a, choice, whole) == -1)
			return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "usage");
	if (!cJSON_IsObject(v))		/* Groq: {"x_groq": {"usage": {...}}} */
		v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		    j, "x_groq"), "usage");
	if (cJSON_IsObject(v))
		llm_acc_usage(a, v);
	return 0;
}

/* Parse data as JSON, or as one JSON object per line; -1 if neither. */
static int
llm_chat_parse(struct llm_acc *a, const char *data, size_t len, int whole)
{
	const char *p, *nl, *end = data + len;
	cJSON *j;
	int rc;

	j = llm_json_parse(data, len);
	if (j != NULL) {
		rc = llm_chat_object(a, j, whole);
		cJSON_Delete(j);
		if (rc == -2)
			llm_acc_set_bad(a, "unexpected JSON", data, len);
		return rc < 0 ? -1 : 0;
	}
	if (whole || memchr(data, '\n', len) == NULL)
		goto bad;
	for (p = data; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl == p)
			continue;
		if ((j = llm_json_parse(p, (size_t)(nl - p))) == NULL)
			goto bad;
		rc = llm_chat_object(a, j, 0);
		cJSON_Delete(j);
		if (rc < 0) {
			if (rc == -2)
				llm_acc_set_bad(a, "unexpected JSON", data, len);
			return -1;
		}
	}
	return 0;
bad:
	llm_acc_set_bad(a, whole ? "malformed JSON reply" :
	    "malformed JSON in stream", data, len);
	return -1;
}

/* One SSE data payload of a chat completions stream. */
int
llm_chat_event(struct llm_acc *a, const char *data, size_t len)
{
	while (len > 0 && (*data == ' ' || *data == '\t')) {
		data++;
		len--;
	}
	if (len >= 6 && memcmp(data, "[DONE]", 6) == 0) {
		a->done = 1;
		return 1;
	}
	if (len == 0)
		return 0;
	return llm_chat_parse(a, data, len, 0);
}

/* A whole non-streamed chat completions reply. */
int
llm_chat_reply(struct llm_acc *a, const char *body, size_t len)
{
	if (llm_chat_parse(a, body, len, 1) == -1)
		return -1;
	a->done = 1;
	return 0;
}

/* Move the assembled calls into resp, making up missing ids and names. */
void
llm_acc_calls(struct llm_acc *a, struct llm_response *resp,
    unsigned long reqno)
{
	struct llm_tool_call *t;
	struct llm_call_acc *c;
	const char *p;
	size_t i;

	resp->calls = xcalloc(a->ncalls + 1, sizeof *resp->calls);
	for (i = 0; i < a->ncalls; i++) {
		c = &a->calls[i];
		if (c->name.len == 0 && c->args.len == 0)
			continue;
		t = &resp->calls[resp->ncalls];
		if (c->id.len > 0)
			t->id = xstrdup(c->id.s);
		else
			t->id = xasprintf("call_cade_%lu_%zu", reqno,
			    resp->ncalls);
		/* No name: a name the agent will answer with an error, so
		 * the call and its result keep the history valid. */
		t->name = xstrdup(c->name.len > 0 ? c->name.s :
		    LLM_INVALID_CALL);
		for (p = c->args.s; *p == ' ' || *p == '\n' || *p == '\t' ||
		    *p == '\r'; p++)
			;
		t->arguments = xstrdup(*p == '\0' ? "{}" : c->args.s);
		resp->ncalls++;
	}
}

/* Add the sampling and length settings shared by both wire formats. */
void
llm_body_settings(cJSON *root, const struct llm_body_opts *o, int responses)
{
	const char *s, *param;
	double d;
	long n;

	s = conf_model_str(o->cfg, o->model, "temperature");
	if (!o->no_temperature && *s != '\0' && util_parse_double(s, &d) == 0)
		cJSON_AddNumberToObject(root, "temperature", d);
	n = conf_model_int(o->cfg, o->model, "max_tokens");
	if (n > 0) {
		if (responses)
			param = "max_output_tokens";
		else if (o->max_completion_tokens)
			param = "max_completion_tokens";
		else
			param = conf_model_str(o->cfg, o->model,
			    "max_tokens_param");
		cJSON_AddNumberToObject(root, param, (double)n);
	}
	s = conf_model_str(o->cfg, o->model, "reasoning_effort");
	if (!o->no_reasoning_effort && *s != '\0') {
		if (responses)
			cJSON_AddStringToObject(cJSON_AddObjectToObject(root,
			    "reasoning"), "effort", s);
		else
			cJSON_AddStringToObject(root, "reasoning_effort", s);
	}
}

/*
 * The messages array, spliced from their printed texts where the caller
 * kept them (the same bytes cJSON prints, for the cost of a copy).
 */
static void
llm_chat_messages(struct buf *b, const struct llm_body_opts *o)
{
	const cJSON *m;
	char *one;
	size_t i = 0;

	(void)buf_putc(b, '[');
	if (o->messages == NULL) {
		for (i = 0; i < o->ntexts; i++) {
			if (i > 0)
				(void)buf_putc(b, ',');
			(void)buf_puts(b, o->texts[i]);
		}
		(void)buf_putc(b, ']');
		return;
	}
	cJSON_ArrayForEach(m, o->messages) {
		if (i > 0)
			(void)buf_putc(b, ',');
		if (o->texts != NULL && o->texts[i] != NULL)
			(void)buf_puts(b, o->texts[i]);
		else {
			if ((one = cJSON_PrintUnformatted(m)) == NULL)
				fatal("cannot print request body");
			(void)buf_puts(b, one);
			free(one);
		}
		i++;
	}
	(void)buf_putc(b, ']');
}

/*
 * The chat completions request body, appended to b.  Everything that stays
 * the same from one request to the next (model, settings, tools) comes
 * first and the messages last, so each request is a byte-identical prefix
 * of the next up to its last message: what prompt caches reuse.
 */
void
llm_chat_body(const struct llm_body_opts *o, struct buf *b)
{
	llm_chat_head(o, b);
	llm_chat_messages(b, o);
	(void)buf_putc(b, '}');
}

/* The body up to its messages: everything before "[" of "messages":[...]. */
void
llm_chat_head(const struct llm_body_opts *o, struct buf *b)
{
	cJSON *root, *so;
	char *s;

	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "model", o->model);
	cJSON_AddBoolToObject(root, "stream", o->stream);
	if (o->stream && !o->no_stream_options) {
		so = cJSON_AddObjectToObject(root, "stream_options");
		cJSON_AddBoolToObject(so, "include_usage", 1);
	}
	llm_body_settings(root, o, 0);
	if (cJSON_GetArraySize(o->tools) > 0 && o->tools_text == NULL) {
		/* A reference: the caller's array is printed, not copied. */
		cJSON_AddItemReferenceToObject(root, "tools",
		    (cJSON *)(uintptr_t)o->tools);
		cJSON_AddStringToObject(root, "tool_choice", "auto");
	}
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (s == NULL || s[strlen(s) - 1] != '}')
		fatal("cannot print request body");
	(void)buf_append(b, s, strlen(s) - 1);
	free(s);
	if (cJSON_GetArraySize(o->tools) > 0 && o->tools_text != NULL) {
		/* Printed once by the caller: the same bytes, in the same place. */
		(void)buf_puts(b, ",\"tools\":");
		(void)buf_puts(b, o->tools_text);
		(void)buf_puts(b, ",\"tool_choice\":\"auto\"");
	}
	(void)buf_puts(b, ",\"messages\":");
}
