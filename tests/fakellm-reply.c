/*
 * fakellm-reply.c: the script, and how one request becomes a response plan.
 *
 * The script (doc/FAKELLM.md) is a JSON list of replies, consumed in order
 * by POSTs to .../chat/completions and .../responses.  A reply is rendered
 * either as one JSON body or as a list of SSE events: OpenAI chat
 * completion chunks ("data: {...}" then "data: [DONE]") or Responses API
 * events ("event: T" + "data: {...}", ending with response.completed).
 * Faults then edit that list (cut it, insert a broken event, insert a long
 * pause) before it is framed as an HTTP/1.1 chunked body.  Everything is
 * decided up front; fakellm.c only plays the plan back.
 *
 * Deviations from the real service, on purpose: content, reasoning and
 * arguments are cut into fixed-size BYTE fragments (a UTF-8 character may
 * straddle two chunks), and a script can ask for things OpenAI never does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "fakellm.h"

#define FAKELLM_MAX_SCRIPT	(16 * 1024 * 1024)

struct fl_call {
	const char	*id;
	const char	*name;
	char		*args;
};

/* One script reply, decoded; strings point into the script's cJSON. */
struct fl_reply {
	const char	*content;
	const char	*reasoning;
	struct fl_call	*calls;
	int		 ncalls;
	size_t		 chunk;
	int		 chunk_set;
	int		 interleave;
	long		 usage[4];	/* prompt completion cached reasoning */
	int		 no_usage;
	int		 no_finish;
	int		 finish_in_delta;
	const char	*finish_reason;
	long		 delay_ms;
	long		 first_delay_ms;
	const char	*fault;
	char		*retry_after;
	long		 after_chunks;
	int		 after_set;
	double		 seconds;
	const char	*message;
	const char	*raw;
	long		 status;	/* raw: HTTP status (default 200) */
	const char	*content_type;	/* raw: Content-Type */
	char		*headers;	/* extra "Name: value\r\n" lines */
};

/* What a request asks for, plus the reply being rendered. */
struct fl_ctx {
	const struct fakellm_request *req;
	cJSON		*body;
	const char	*model;
	int		 stream;
	int		 include_usage;
	int		 responses;	/* Responses API, else chat */
	long		 created;
	unsigned long	 seq;
	struct fl_reply	*r;
};

struct fl_events {
	char		**v;
	size_t		 n;
	size_t		 cap;
};

static const char *fl_reply_keys[] = {
	"content", "reasoning", "tool_calls", "chunk_size", "interleave",
	"usage", "no_usage", "no_finish_reason", "finish_reason",
	"finish_in_last_delta", "delay_ms", "first_byte_delay_ms", "fault",
	"retry_after", "after_chunks", "seconds", "message", "raw", "match",
	"comment", "on_match", "status", "content_type", "headers"
};

static const char *fl_faults[] = {
	"429", "500", "502", "503", "401", "403", "404", "400",
	"context_length", "drop", "malformed", "stall", "no_done"
};

/* Read a whole file (capped); NULL with *cause. */
static char *
fl_read_file(const char *path, char **cause)
{
	struct buf b;
	char chunk[8192], *text;
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		*cause = xasprintf("cannot open '%s': %m", path);
		return NULL;
	}
	buf_init(&b, FAKELLM_MAX_SCRIPT);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf_append(&b, chunk, n) != 0) {
			*cause = xasprintf("'%s' is too big", path);
			fclose(f);
			buf_free(&b);
			return NULL;
		}
	}
	fclose(f);
	text = buf_detach(&b, NULL);
	buf_free(&b);
	return text;
}

/* 1 if s is one of the n strings in list. */
static int
fl_in_list(const char *s, const char **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(s, list[i]) == 0)
			return 1;
	}
	return 0;
}

/* Check one reply's keys and value types; -1 with *cause. */
static int
fl_check_reply(const cJSON *r, int i, char **cause)
{
	const cJSON *k, *t, *m;

	if (!cJSON_IsObject(r)) {
		*cause = xasprintf("reply %d is not an object", i);
		return -1;
	}
	for (k = r->child; k != NULL; k = k->next) {
		if (!fl_in_list(k->string, fl_reply_keys, nitems(fl_reply_keys))) {
			*cause = xasprintf("reply %d: unknown key '%s'", i,
			    k->string);
			return -1;
		}
	}
	if ((k = cJSON_GetObjectItemCaseSensitive(r, "fault")) != NULL &&
	    (!cJSON_IsString(k) ||
	    !fl_in_list(k->valuestring, fl_faults, nitems(fl_faults)))) {
		*cause = xasprintf("reply %d: unknown fault", i);
		return -1;
	}
	if ((k = cJSON_GetObjectItemCaseSensitive(r, "chunk_size")) != NULL &&
	    (!cJSON_IsNumber(k) || k->valuedouble < 1)) {
		*cause = xasprintf("reply %d: chunk_size must be >= 1", i);
		return -1;
	}
	if ((k = cJSON_GetObjectItemCaseSensitive(r, "match")) != NULL) {
		if (cJSON_IsArray(k)) {
			cJSON_ArrayForEach(m, k) {
				if (!cJSON_IsString(m))
					goto badmatch;
			}
		} else if (!cJSON_IsString(k)) {
badmatch:
			*cause = xasprintf("reply %d: match must be a string or"
			    " a list of strings", i);
			return -1;
		}
	}
	if ((k = cJSON_GetObjectItemCaseSensitive(r, "tool_calls")) != NULL) {
		if (!cJSON_IsArray(k)) {
			*cause = xasprintf("reply %d: tool_calls is not a list",
			    i);
			return -1;
		}
		cJSON_ArrayForEach(t, k) {
			if (!cJSON_IsObject(t) || !cJSON_IsString(
			    cJSON_GetObjectItemCaseSensitive(t, "name"))) {
				*cause = xasprintf("reply %d: a tool call needs"
				    " a \"name\" string", i);
				return -1;
			}
		}
	}
	for (k = r->child; k != NULL; k = k->next) {
		if ((strcmp(k->string, "content") == 0 ||
		    strcmp(k->string, "reasoning") == 0 ||
		    strcmp(k->string, "raw") == 0 ||
		    strcmp(k->string, "content_type") == 0 ||
		    strcmp(k->string, "finish_reason") == 0 ||
		    strcmp(k->string, "message") == 0) && !cJSON_IsString(k)) {
			*cause = xasprintf("reply %d: '%s' must be a string",
			    i, k->string);
			return -1;
		}
	}
	return 0;
}

/* Load and validate a script file. */
int
fakellm_script_load(struct fakellm_script *s, const char *path, char **cause)
{
	cJSON *k;
	char *text;
	int i;

	memset(s, 0, sizeof *s);
	if ((text = fl_read_file(path, cause)) == NULL)
		return -1;
	s->root = cJSON_Parse(text);
	free(text);
	if (s->root == NULL || !cJSON_IsObject(s->root)) {
		*cause = xasprintf("'%s' is not a JSON object", path);
		goto fail;
	}
	for (k = s->root->child; k != NULL; k = k->next) {
		if (strcmp(k->string, "replies") != 0 &&
		    strcmp(k->string, "context_limit_tokens") != 0 &&
		    strcmp(k->string, "models") != 0 &&
		    strcmp(k->string, "models_delay_ms") != 0 &&
		    strcmp(k->string, "side_replies") != 0 &&
		    strcmp(k->string, "comment") != 0) {
			*cause = xasprintf("'%s': unknown key '%s'", path,
			    k->string);
			goto fail;
		}
	}
	s->replies = cJSON_GetObjectItemCaseSensitive(s->root, "replies");
	if (s->replies != NULL && !cJSON_IsArray(s->replies)) {
		*cause = xasprintf("'%s': replies is not a list", path);
		goto fail;
	}
	s->nreplies = cJSON_GetArraySize(s->replies);
	for (i = 0; i < s->nreplies; i++) {
		if (fl_check_reply(cJSON_GetArrayItem(s->replies, i), i,
		    cause) != 0)
			goto fail;
	}
	s->side = cJSON_GetObjectItemCaseSensitive(s->root, "side_replies");
	if (s->side != NULL && !cJSON_IsArray(s->side)) {
		*cause = xasprintf("'%s': side_replies is not a list", path);
		goto fail;
	}
	for (i = 0; i < cJSON_GetArraySize(s->side); i++) {
		if (fl_check_reply(cJSON_GetArrayItem(s->side, i), i, cause) != 0)
			goto fail;
		if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetArrayItem(s->side, i), "on_match"))) {
			*cause = xasprintf("'%s': side reply %d needs an "
			    "\"on_match\" string", path, i);
			goto fail;
		}
	}
	k = cJSON_GetObjectItemCaseSensitive(s->root, "context_limit_tokens");
	if (k != NULL) {
		if (!cJSON_IsNumber(k) || k->valuedouble < 1) {
			*cause = xasprintf("'%s': bad context_limit_tokens",
			    path);
			goto fail;
		}
		s->context_limit = (long)k->valuedouble;
	}
	return 0;
fail:
	cJSON_Delete(s->root);
	s->root = NULL;
	return -1;
}

/* Free what fakellm_script_load allocated. */
void
fakellm_script_free(struct fakellm_script *s)
{
	cJSON_Delete(s->root);
	s->root = NULL;
}

/* Number-valued key or the default. */
static double
fl_num(const cJSON *o, const char *key, double def)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(k) ? k->valuedouble : def;
}

/* String-valued key or NULL. */
static const char *
fl_str(const cJSON *o, const char *key)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(k) ? k->valuestring : NULL;
}

/* True-valued key. */
static int
fl_bool(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Decode a (validated) reply object. */
static void
fl_reply_decode(const cJSON *o, struct fl_reply *r)
{
	const cJSON *calls, *c, *args, *u, *ra;
	int i;

	memset(r, 0, sizeof *r);
	r->content = fl_str(o, "content");
	r->reasoning = fl_str(o, "reasoning");
	calls = cJSON_GetObjectItemCaseSensitive(o, "tool_calls");
	r->ncalls = cJSON_GetArraySize(calls);
	r->calls = xcalloc(r->ncalls ? r->ncalls : 1, sizeof *r->calls);
	i = 0;
	cJSON_ArrayForEach(c, calls) {
		r->calls[i].id = fl_str(c, "id");
		r->calls[i].name = fl_str(c, "name");
		args = cJSON_GetObjectItemCaseSensitive(c, "arguments");
		if (cJSON_IsString(args))
			r->calls[i].args = xstrdup(args->valuestring);
		else if (args != NULL)
			r->calls[i].args = cJSON_PrintUnformatted(args);
		else
			r->calls[i].args = xstrdup("");
		i++;
	}
	r->chunk_set = cJSON_GetObjectItemCaseSensitive(o, "chunk_size") != NULL;
	r->chunk = (size_t)fl_num(o, "chunk_size", 16);
	r->interleave = fl_bool(o, "interleave");
	u = cJSON_GetObjectItemCaseSensitive(o, "usage");
	r->usage[0] = (long)fl_num(u, "prompt_tokens", -1);
	r->usage[1] = (long)fl_num(u, "completion_tokens", -1);
	r->usage[2] = (long)fl_num(u, "cached_tokens", -1);
	r->usage[3] = (long)fl_num(u, "reasoning_tokens", -1);
	r->no_usage = fl_bool(o, "no_usage");
	r->no_finish = fl_bool(o, "no_finish_reason");
	r->finish_in_delta = fl_bool(o, "finish_in_last_delta");
	r->finish_reason = fl_str(o, "finish_reason");
	r->delay_ms = (long)fl_num(o, "delay_ms", 0);
	r->first_delay_ms = (long)fl_num(o, "first_byte_delay_ms", 0);
	r->fault = fl_str(o, "fault");
	ra = cJSON_GetObjectItemCaseSensitive(o, "retry_after");
	if (cJSON_IsString(ra))
		r->retry_after = xstrdup(ra->valuestring);
	else if (cJSON_IsNumber(ra))
		r->retry_after = xasprintf("%g", ra->valuedouble);
	r->after_set = cJSON_GetObjectItemCaseSensitive(o, "after_chunks") !=
	    NULL;
	r->after_chunks = (long)fl_num(o, "after_chunks", 1);
	r->seconds = fl_num(o, "seconds", 5);
	r->message = fl_str(o, "message");
	r->raw = fl_str(o, "raw");
	r->status = (long)fl_num(o, "status", 200);
	if (r->status < 100 || r->status > 599)
		r->status = 200;
	r->content_type = fl_str(o, "content_type");
	ra = cJSON_GetObjectItemCaseSensitive(o, "headers");
	if (cJSON_IsArray(ra)) {
		struct buf hb;
		const cJSON *h;

		buf_init(&hb, 0);
		cJSON_ArrayForEach(h, ra)
			if (cJSON_IsString(h))
				(void)buf_printf(&hb, "%s\r\n", h->valuestring);
		r->headers = buf_detach(&hb, NULL);
	}
	if (r->delay_ms < 0)
		r->delay_ms = 0;
	if (r->first_delay_ms < 0)
		r->first_delay_ms = 0;
	if (r->seconds < 0)
		r->seconds = 0;
}

/* Free a decoded reply's own allocations. */
static void
fl_reply_clear(struct fl_reply *r)
{
	int i;

	for (i = 0; i < r->ncalls; i++)
		free(r->calls[i].args);
	free(r->calls);
	free(r->retry_after);
	free(r->headers);
}

/* Append one step; data is copied. */
static void
fl_plan_add(struct fakellm_plan *p, enum fakellm_step_kind kind,
    const char *data, size_t len, uint64_t delay_ms)
{
	struct fakellm_step *st;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->steps = xreallocarray(p->steps, p->cap, sizeof *p->steps);
	}
	st = &p->steps[p->n++];
	st->kind = kind;
	st->data = NULL;
	st->len = len;
	if (len > 0) {
		st->data = xmalloc(len);
		memcpy(st->data, data, len);
	}
	st->delay_ms = delay_ms;
}

/* Free a plan's steps; the plan is then empty. */
void
fakellm_plan_free(struct fakellm_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->steps[i].data);
	free(p->steps);
	memset(p, 0, sizeof *p);
}

/* The reason phrase for the statuses we send. */
static const char *
fl_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* Status line and headers; extra is zero or more "Name: value\r\n". */
static char *
fl_head(int status, const char *ctype, long content_length, int keep_alive,
    const char *extra)
{
	char *cl, *h;

	if (content_length >= 0)
		cl = xasprintf("Content-Length: %ld\r\n", content_length);
	else
		cl = xstrdup("Transfer-Encoding: chunked\r\n");
	h = xasprintf("HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s"
	    "Connection: %s\r\nServer: fakellm\r\n%s\r\n", status,
	    fl_reason(status), ctype, cl, keep_alive ? "keep-alive" : "close",
	    extra ? extra : "");
	free(cl);
	return h;
}

/* A complete JSON response: head and body in one step. */
static void
fl_plan_json(struct fakellm_plan *p, int status, const char *body,
    int keep_alive, const char *extra, uint64_t delay_ms)
{
	char *h, *all;

	h = fl_head(status, "application/json", (long)strlen(body), keep_alive,
	    extra);
	all = xasprintf("%s%s", h, body);
	fl_plan_add(p, FAKELLM_SEND, all, strlen(all), delay_ms);
	fl_plan_add(p, FAKELLM_END, NULL, 0, 0);
	p->keep_alive = keep_alive;
	free(all);
	free(h);
}

/* An OpenAI-shaped error object as text. */
static char *
fl_error_json(const char *type, const char *code, const char *message)
{
	cJSON *o, *e;
	char *s;

	o = cJSON_CreateObject();
	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddNullToObject(e, "param");
	if (code != NULL)
		cJSON_AddStringToObject(e, "code", code);
	else
		cJSON_AddNullToObject(e, "code");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* A plain JSON error response. */
void
fakellm_plan_error(struct fakellm_plan *p, int status, const char *type,
    const char *code, const char *message, int keep_alive)
{
	char *body = fl_error_json(type, code, message);

	fl_plan_json(p, status, body, keep_alive, NULL, 0);
	free(body);
}

/* Events list: append (takes ownership). */
static void
fl_ev_add(struct fl_events *ev, char *s)
{
	if (ev->n == ev->cap) {
		ev->cap = ev->cap ? ev->cap * 2 : 32;
		ev->v = xreallocarray(ev->v, ev->cap, sizeof *ev->v);
	}
	ev->v[ev->n++] = s;
}

/* Events list: free all. */
static void
fl_ev_free(struct fl_events *ev)
{
	size_t i;

	for (i = 0; i < ev->n; i++)
		free(ev->v[i]);
	free(ev->v);
	memset(ev, 0, sizeof *ev);
}

/* A chat SSE event from a JSON object (consumed). */
static void
fl_ev_chat(struct fl_events *ev, cJSON *o)
{
	char *js = cJSON_PrintUnformatted(o);

	fl_ev_add(ev, xasprintf("data: %s\n\n", js));
	free(js);
	cJSON_Delete(o);
}

/* Usage numbers: scripted, else computed from the sizes involved. */
static void
fl_usage(const struct fl_ctx *c, long out[4])
{
	const struct fl_reply *r = c->r;
	size_t n = 0;
	int i;

	n += r->content ? strlen(r->content) : 0;
	n += r->reasoning ? strlen(r->reasoning) : 0;
	for (i = 0; i < r->ncalls; i++)
		n += strlen(r->calls[i].name) + strlen(r->calls[i].args);
	out[0] = r->usage[0] >= 0 ? r->usage[0] : (long)(c->req->body_len / 4);
	out[1] = r->usage[1] >= 0 ? r->usage[1] : (long)(n / 4);
	out[2] = r->usage[2] >= 0 ? r->usage[2] : 0;
	out[3] = r->usage[3] >= 0 ? r->usage[3] :
	    (long)(r->reasoning ? strlen(r->reasoning) / 4 : 0);
}

/* Chat usage object. */
static cJSON *
fl_chat_usage(const struct fl_ctx *c)
{
	cJSON *u, *d;
	long n[4];

	fl_usage(c, n);
	u = cJSON_CreateObject();
	cJSON_AddNumberToObject(u, "prompt_tokens", n[0]);
	cJSON_AddNumberToObject(u, "completion_tokens", n[1]);
	cJSON_AddNumberToObject(u, "total_tokens", n[0] + n[1]);
	d = cJSON_AddObjectToObject(u, "prompt_tokens_details");
	cJSON_AddNumberToObject(d, "cached_tokens", n[2]);
	d = cJSON_AddObjectToObject(u, "completion_tokens_details");
	cJSON_AddNumberToObject(d, "reasoning_tokens", n[3]);
	return u;
}

/* The finish reason this reply ends with. */
static const char *
fl_finish(const struct fl_reply *r)
{
	if (r->finish_reason != NULL)
		return r->finish_reason;
	return r->ncalls > 0 ? "tool_calls" : "stop";
}

/* A chat object (chunk, or whole completion when delta is NULL and
 * whole is set); *delta receives choices[0].delta of a chunk. */
static cJSON *
fl_chat_object(const struct fl_ctx *c, int whole, cJSON **delta)
{
	cJSON *o, *ch, *choice;
	char *id = xasprintf("chatcmpl-fake%lu", c->seq);

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	free(id);
	cJSON_AddStringToObject(o, "object",
	    whole ? "chat.completion" : "chat.completion.chunk");
	cJSON_AddNumberToObject(o, "created", (double)c->created);
	cJSON_AddStringToObject(o, "model", c->model);
	ch = cJSON_AddArrayToObject(o, "choices");
	if (delta != NULL) {
		choice = cJSON_CreateObject();
		cJSON_AddNumberToObject(choice, "index", 0);
		*delta = cJSON_AddObjectToObject(choice, "delta");
		cJSON_AddNullToObject(choice, "logprobs");
		cJSON_AddNullToObject(choice, "finish_reason");
		cJSON_AddItemToArray(ch, choice);
	}
	return o;
}

/* A chat chunk skeleton; *delta (if not NULL) gets choices[0].delta. */
static cJSON *
fl_chat_chunk(const struct fl_ctx *c, cJSON **delta)
{
	return fl_chat_object(c, 0, delta);
}

/* A copy of s[off, off+n) as a cJSON string. */
static cJSON *
fl_frag(const char *s, size_t off, size_t n)
{
	char *t = xstrndup(s + off, n);
	cJSON *j = cJSON_CreateString(t);

	free(t);
	return j;
}

/* Byte length of fragment k of s (0 when past the end). */
static size_t
fl_fraglen(const char *s, size_t chunk, size_t k)
{
	size_t len = strlen(s);

	if (k * chunk >= len)
		return 0;
	return len - k * chunk < chunk ? len - k * chunk : chunk;
}

/* A chat tool-call delta for call i: header (id, name) or arguments. */
static cJSON *
fl_chat_call_delta(const struct fl_ctx *c, int i, int header, size_t off,
    size_t n, cJSON **chunk)
{
	const struct fl_call *call = &c->r->calls[i];
	cJSON *delta, *arr, *tc, *fn;

	*chunk = fl_chat_chunk(c, &delta);
	arr = cJSON_AddArrayToObject(delta, "tool_calls");
	tc = cJSON_CreateObject();
	cJSON_AddNumberToObject(tc, "index", i);
	if (header) {
		if (call->id != NULL)
			cJSON_AddStringToObject(tc, "id", call->id);
		cJSON_AddStringToObject(tc, "type", "function");
	}
	fn = cJSON_AddObjectToObject(tc, "function");
	if (header) {
		cJSON_AddStringToObject(fn, "name", call->name);
		cJSON_AddStringToObject(fn, "arguments", "");
	} else
		cJSON_AddItemToObject(fn, "arguments",
		    fl_frag(call->args, off, n));
	cJSON_AddItemToArray(arr, tc);
	return delta;
}

/* Chat completion chunks for the whole reply, ending with [DONE]. */
static void
fl_chat_stream(const struct fl_ctx *c, struct fl_events *ev)
{
	const struct fl_reply *r = c->r;
	cJSON **chunks = NULL, *o, *delta;
	size_t n = 0, cap = 0, k, len, last;
	int i, more;

#define PUSH(x) do {							\
	if (n == cap) {							\
		cap = cap ? cap * 2 : 32;				\
		chunks = xreallocarray(chunks, cap, sizeof *chunks);	\
	}								\
	chunks[n++] = (x);						\
} while (0)

	o = fl_chat_chunk(c, &delta);
	cJSON_AddStringToObject(delta, "role", "assistant");
	if (r->content != NULL)
		cJSON_AddStringToObject(delta, "content", "");
	else
		cJSON_AddNullToObject(delta, "content");
	PUSH(o);
	for (k = 0; r->reasoning && (len = fl_fraglen(r->reasoning, r->chunk,
	    k)) > 0; k++) {
		o = fl_chat_chunk(c, &delta);
		cJSON_AddItemToObject(delta, "reasoning_content",
		    fl_frag(r->reasoning, k * r->chunk, len));
		PUSH(o);
	}
	for (k = 0; r->content && (len = fl_fraglen(r->content, r->chunk,
	    k)) > 0; k++) {
		o = fl_chat_chunk(c, &delta);
		cJSON_AddItemToObject(delta, "content",
		    fl_frag(r->content, k * r->chunk, len));
		PUSH(o);
	}
	if (r->interleave) {
		for (i = 0; i < r->ncalls; i++) {
			fl_chat_call_delta(c, i, 1, 0, 0, &o);
			PUSH(o);
		}
		for (k = 0, more = 1; more; k++) {
			more = 0;
			for (i = 0; i < r->ncalls; i++) {
				len = fl_fraglen(r->calls[i].args, r->chunk, k);
				if (len == 0)
					continue;
				fl_chat_call_delta(c, i, 0, k * r->chunk, len,
				    &o);
				PUSH(o);
				more = 1;
			}
		}
	} else {
		for (i = 0; i < r->ncalls; i++) {
			fl_chat_call_delta(c, i, 1, 0, 0, &o);
			PUSH(o);
			for (k = 0; (len = fl_fraglen(r->calls[i].args,
			    r->chunk, k)) > 0; k++) {
				fl_chat_call_delta(c, i, 0, k * r->chunk, len,
				    &o);
				PUSH(o);
			}
		}
	}
	if (!r->no_finish) {
		last = n - 1;
		if (!r->finish_in_delta || n == 1) {
			PUSH(fl_chat_chunk(c, &delta));
			last = n - 1;
		}
		o = cJSON_GetArrayItem(cJSON_GetObjectItem(chunks[last],
		    "choices"), 0);
		cJSON_ReplaceItemInObject(o, "finish_reason",
		    cJSON_CreateString(fl_finish(r)));
	}
	if (c->include_usage && !r->no_usage) {
		o = fl_chat_chunk(c, NULL);
		cJSON_AddItemToObject(o, "usage", fl_chat_usage(c));
		PUSH(o);
	}
#undef PUSH
	for (k = 0; k < n; k++)
		fl_ev_chat(ev, chunks[k]);
	free(chunks);
	fl_ev_add(ev, xstrdup("data: [DONE]\n\n"));
}

/* The non-streamed chat.completion object. */
static char *
fl_chat_body(const struct fl_ctx *c)
{
	const struct fl_reply *r = c->r;
	cJSON *o, *msg, *choice, *arr, *tc, *fn;
	char *s;
	int i;

	o = fl_chat_object(c, 1, NULL);
	choice = cJSON_CreateObject();
	cJSON_AddNumberToObject(choice, "index", 0);
	msg = cJSON_AddObjectToObject(choice, "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	if (r->content != NULL)
		cJSON_AddStringToObject(msg, "content", r->content);
	else
		cJSON_AddNullToObject(msg, "content");
	if (r->reasoning != NULL)
		cJSON_AddStringToObject(msg, "reasoning_content", r->reasoning);
	if (r->ncalls > 0) {
		arr = cJSON_AddArrayToObject(msg, "tool_calls");
		for (i = 0; i < r->ncalls; i++) {
			tc = cJSON_CreateObject();
			if (r->calls[i].id != NULL)
				cJSON_AddStringToObject(tc, "id",
				    r->calls[i].id);
			cJSON_AddStringToObject(tc, "type", "function");
			fn = cJSON_AddObjectToObject(tc, "function");
			cJSON_AddStringToObject(fn, "name", r->calls[i].name);
			cJSON_AddStringToObject(fn, "arguments",
			    r->calls[i].args);
			cJSON_AddItemToArray(arr, tc);
		}
	}
	cJSON_AddNullToObject(choice, "logprobs");
	if (r->no_finish)
		cJSON_AddNullToObject(choice, "finish_reason");
	else
		cJSON_AddStringToObject(choice, "finish_reason", fl_finish(r));
	cJSON_AddItemToArray(cJSON_GetObjectItem(o, "choices"), choice);
	if (!r->no_usage)
		cJSON_AddItemToObject(o, "usage", fl_chat_usage(c));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Responses API usage object. */
static cJSON *
fl_resp_usage(const struct fl_ctx *c)
{
	cJSON *u, *d;
	long n[4];

	fl_usage(c, n);
	u = cJSON_CreateObject();
	cJSON_AddNumberToObject(u, "input_tokens", n[0]);
	d = cJSON_AddObjectToObject(u, "input_tokens_details");
	cJSON_AddNumberToObject(d, "cached_tokens", n[2]);
	cJSON_AddNumberToObject(u, "output_tokens", n[1]);
	d = cJSON_AddObjectToObject(u, "output_tokens_details");
	cJSON_AddNumberToObject(d, "reasoning_tokens", n[3]);
	cJSON_AddNumberToObject(u, "total_tokens", n[0] + n[1]);
	return u;
}

/* A response object with the given status and output (consumed). */
static cJSON *
fl_resp_object(const struct fl_ctx *c, const char *status, cJSON *output,
    int usage)
{
	cJSON *o, *d;
	char *id = xasprintf("resp_fake%lu", c->seq);

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	free(id);
	cJSON_AddStringToObject(o, "object", "response");
	cJSON_AddNumberToObject(o, "created_at", (double)c->created);
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddNullToObject(o, "error");
	if (strcmp(status, "incomplete") == 0) {
		d = cJSON_AddObjectToObject(o, "incomplete_details");
		cJSON_AddStringToObject(d, "reason", "max_output_tokens");
	} else
		cJSON_AddNullToObject(o, "incomplete_details");
	cJSON_AddStringToObject(o, "model", c->model);
	cJSON_AddItemToObject(o, "output",
	    output ? output : cJSON_CreateArray());
	cJSON_AddTrueToObject(o, "parallel_tool_calls");
	if (usage && !c->r->no_usage)
		cJSON_AddItemToObject(o, "usage", fl_resp_usage(c));
	else
		cJSON_AddNullToObject(o, "usage");
	return o;
}

/* Output items, final form.  kind: 'r' reasoning, 'm' message, 'f' call. */
static cJSON *
fl_resp_item(const struct fl_ctx *c, int kind, int i, int done)
{
	const struct fl_reply *r = c->r;
	cJSON *o, *arr, *p;
	char *id;

	o = cJSON_CreateObject();
	id = xasprintf("%s_fake%lu_%d", kind == 'r' ? "rs" : kind == 'm' ?
	    "msg" : "fc", c->seq, i);
	cJSON_AddStringToObject(o, "id", id);
	free(id);
	switch (kind) {
	case 'r':
		cJSON_AddStringToObject(o, "type", "reasoning");
		arr = cJSON_AddArrayToObject(o, "summary");
		if (done) {
			p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "type", "summary_text");
			cJSON_AddStringToObject(p, "text", r->reasoning);
			cJSON_AddItemToArray(arr, p);
		}
		break;
	case 'm':
		cJSON_AddStringToObject(o, "type", "message");
		cJSON_AddStringToObject(o, "status",
		    done ? "completed" : "in_progress");
		cJSON_AddStringToObject(o, "role", "assistant");
		arr = cJSON_AddArrayToObject(o, "content");
		if (done) {
			p = cJSON_CreateObject();
			cJSON_AddStringToObject(p, "type", "output_text");
			cJSON_AddStringToObject(p, "text", r->content);
			cJSON_AddArrayToObject(p, "annotations");
			cJSON_AddItemToArray(arr, p);
		}
		break;
	default:
		cJSON_AddStringToObject(o, "type", "function_call");
		cJSON_AddStringToObject(o, "status",
		    done ? "completed" : "in_progress");
		if (r->calls[i].id != NULL)
			cJSON_AddStringToObject(o, "call_id", r->calls[i].id);
		cJSON_AddStringToObject(o, "name", r->calls[i].name);
		cJSON_AddStringToObject(o, "arguments",
		    done ? r->calls[i].args : "");
		break;
	}
	return o;
}

/* Output index of item (kind, i) in the order reasoning, message, calls. */
static int
fl_resp_index(const struct fl_ctx *c, int kind, int i)
{
	int n = 0;

	if (kind == 'r')
		return 0;
	n += c->r->reasoning != NULL;
	if (kind == 'm')
		return n;
	return n + (c->r->content != NULL) + i;
}

/* The item_id of item (kind, i). */
static char *
fl_resp_item_id(const struct fl_ctx *c, int kind, int i)
{
	return xasprintf("%s_fake%lu_%d", kind == 'r' ? "rs" : kind == 'm' ?
	    "msg" : "fc", c->seq, i);
}

/* Start a Responses event object of the given type. */
static cJSON *
fl_rev(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	return o;
}

/* Append a Responses SSE event (consumed), numbering it. */
static void
fl_ev_resp(struct fl_events *ev, cJSON *o)
{
	char *js;

	cJSON_AddNumberToObject(o, "sequence_number", (double)ev->n);
	js = cJSON_PrintUnformatted(o);
	fl_ev_add(ev, xasprintf("event: %s\ndata: %s\n\n",
	    cJSON_GetObjectItem(o, "type")->valuestring, js));
	free(js);
	cJSON_Delete(o);
}

/* An event about item (kind, i): type, item_id, output_index. */
static cJSON *
fl_rev_item(const struct fl_ctx *c, const char *type, int kind, int i)
{
	cJSON *o = fl_rev(type);
	char *id = fl_resp_item_id(c, kind, i);

	cJSON_AddStringToObject(o, "item_id", id);
	free(id);
	cJSON_AddNumberToObject(o, "output_index", fl_resp_index(c, kind, i));
	return o;
}

/* output_item.added / output_item.done for item (kind, i). */
static void
fl_rev_added_done(const struct fl_ctx *c, struct fl_events *ev, int kind,
    int i, int done)
{
	cJSON *o = fl_rev(done ? "response.output_item.done" :
	    "response.output_item.added");

	cJSON_AddNumberToObject(o, "output_index", fl_resp_index(c, kind, i));
	cJSON_AddItemToObject(o, "item", fl_resp_item(c, kind, i, done));
	fl_ev_resp(ev, o);
}

/* A content/summary part object. */
static cJSON *
fl_part(const char *type, const char *text)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "type", type);
	cJSON_AddStringToObject(p, "text", text);
	if (strcmp(type, "output_text") == 0)
		cJSON_AddArrayToObject(p, "annotations");
	return p;
}

/* Events for the reasoning item (a summary, as OpenAI models send it). */
static void
fl_resp_reasoning(const struct fl_ctx *c, struct fl_events *ev)
{
	const char *t = c->r->reasoning;
	cJSON *o;
	size_t k, len;

	fl_rev_added_done(c, ev, 'r', 0, 0);
	o = fl_rev_item(c, "response.reasoning_summary_part.added", 'r', 0);
	cJSON_AddNumberToObject(o, "summary_index", 0);
	cJSON_AddItemToObject(o, "part", fl_part("summary_text", ""));
	fl_ev_resp(ev, o);
	for (k = 0; (len = fl_fraglen(t, c->r->chunk, k)) > 0; k++) {
		o = fl_rev_item(c, "response.reasoning_summary_text.delta",
		    'r', 0);
		cJSON_AddNumberToObject(o, "summary_index", 0);
		cJSON_AddItemToObject(o, "delta", fl_frag(t, k * c->r->chunk,
		    len));
		fl_ev_resp(ev, o);
	}
	o = fl_rev_item(c, "response.reasoning_summary_text.done", 'r', 0);
	cJSON_AddNumberToObject(o, "summary_index", 0);
	cJSON_AddStringToObject(o, "text", t);
	fl_ev_resp(ev, o);
	o = fl_rev_item(c, "response.reasoning_summary_part.done", 'r', 0);
	cJSON_AddNumberToObject(o, "summary_index", 0);
	cJSON_AddItemToObject(o, "part", fl_part("summary_text", t));
	fl_ev_resp(ev, o);
	fl_rev_added_done(c, ev, 'r', 0, 1);
}

/* Events for the assistant message item. */
static void
fl_resp_message(const struct fl_ctx *c, struct fl_events *ev)
{
	const char *t = c->r->content;
	cJSON *o;
	size_t k, len;

	fl_rev_added_done(c, ev, 'm', 0, 0);
	o = fl_rev_item(c, "response.content_part.added", 'm', 0);
	cJSON_AddNumberToObject(o, "content_index", 0);
	cJSON_AddItemToObject(o, "part", fl_part("output_text", ""));
	fl_ev_resp(ev, o);
	for (k = 0; (len = fl_fraglen(t, c->r->chunk, k)) > 0; k++) {
		o = fl_rev_item(c, "response.output_text.delta", 'm', 0);
		cJSON_AddNumberToObject(o, "content_index", 0);
		cJSON_AddItemToObject(o, "delta", fl_frag(t, k * c->r->chunk,
		    len));
		cJSON_AddArrayToObject(o, "logprobs");
		fl_ev_resp(ev, o);
	}
	o = fl_rev_item(c, "response.output_text.done", 'm', 0);
	cJSON_AddNumberToObject(o, "content_index", 0);
	cJSON_AddStringToObject(o, "text", t);
	cJSON_AddArrayToObject(o, "logprobs");
	fl_ev_resp(ev, o);
	o = fl_rev_item(c, "response.content_part.done", 'm', 0);
	cJSON_AddNumberToObject(o, "content_index", 0);
	cJSON_AddItemToObject(o, "part", fl_part("output_text", t));
	fl_ev_resp(ev, o);
	fl_rev_added_done(c, ev, 'm', 0, 1);
}

/* One function_call_arguments.delta event, or 0 when call i is done. */
static int
fl_resp_args_delta(const struct fl_ctx *c, struct fl_events *ev, int i,
    size_t k)
{
	const char *a = c->r->calls[i].args;
	size_t len = fl_fraglen(a, c->r->chunk, k);
	cJSON *o;

	if (len == 0)
		return 0;
	o = fl_rev_item(c, "response.function_call_arguments.delta", 'f', i);
	cJSON_AddItemToObject(o, "delta", fl_frag(a, k * c->r->chunk, len));
	fl_ev_resp(ev, o);
	return 1;
}

/* function_call_arguments.done and output_item.done for call i. */
static void
fl_resp_call_done(const struct fl_ctx *c, struct fl_events *ev, int i)
{
	cJSON *o;

	o = fl_rev_item(c, "response.function_call_arguments.done", 'f', i);
	cJSON_AddStringToObject(o, "arguments", c->r->calls[i].args);
	fl_ev_resp(ev, o);
	fl_rev_added_done(c, ev, 'f', i, 1);
}

/* All output items in their final form. */
static cJSON *
fl_resp_output(const struct fl_ctx *c)
{
	cJSON *out = cJSON_CreateArray();
	int i;

	if (c->r->reasoning != NULL)
		cJSON_AddItemToArray(out, fl_resp_item(c, 'r', 0, 1));
	if (c->r->content != NULL)
		cJSON_AddItemToArray(out, fl_resp_item(c, 'm', 0, 1));
	for (i = 0; i < c->r->ncalls; i++)
		cJSON_AddItemToArray(out, fl_resp_item(c, 'f', i, 1));
	return out;
}

/* Final status: "incomplete" when the script says finish_reason "length". */
static const char *
fl_resp_status(const struct fl_ctx *c)
{
	if (c->r->finish_reason != NULL &&
	    strcmp(c->r->finish_reason, "length") == 0)
		return "incomplete";
	return "completed";
}

/* Responses API events for the whole reply. */
static void
fl_resp_stream(const struct fl_ctx *c, struct fl_events *ev)
{
	const struct fl_reply *r = c->r;
	const char *status = fl_resp_status(c);
	cJSON *o;
	char *type;
	size_t k;
	int i, more;

	o = fl_rev("response.created");
	cJSON_AddItemToObject(o, "response",
	    fl_resp_object(c, "in_progress", NULL, 0));
	fl_ev_resp(ev, o);
	o = fl_rev("response.in_progress");
	cJSON_AddItemToObject(o, "response",
	    fl_resp_object(c, "in_progress", NULL, 0));
	fl_ev_resp(ev, o);
	if (r->reasoning != NULL)
		fl_resp_reasoning(c, ev);
	if (r->content != NULL)
		fl_resp_message(c, ev);
	if (r->interleave) {
		for (i = 0; i < r->ncalls; i++)
			fl_rev_added_done(c, ev, 'f', i, 0);
		for (k = 0, more = 1; more; k++) {
			more = 0;
			for (i = 0; i < r->ncalls; i++)
				more |= fl_resp_args_delta(c, ev, i, k);
		}
		for (i = 0; i < r->ncalls; i++)
			fl_resp_call_done(c, ev, i);
	} else {
		for (i = 0; i < r->ncalls; i++) {
			fl_rev_added_done(c, ev, 'f', i, 0);
			for (k = 0; fl_resp_args_delta(c, ev, i, k); k++)
				;
			fl_resp_call_done(c, ev, i);
		}
	}
	type = xasprintf("response.%s", status);
	o = fl_rev(type);
	free(type);
	cJSON_AddItemToObject(o, "response",
	    fl_resp_object(c, status, fl_resp_output(c), 1));
	fl_ev_resp(ev, o);
}

/* The non-streamed response object. */
static char *
fl_resp_body(const struct fl_ctx *c)
{
	cJSON *o = fl_resp_object(c, fl_resp_status(c), fl_resp_output(c), 1);
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

/* HTTP chunked framing of one piece. */
static void
fl_plan_chunk(struct fakellm_plan *p, const char *s, size_t len,
    uint64_t delay_ms)
{
	char *f, *h = xasprintf("%zx\r\n", len);
	size_t hl = strlen(h);

	f = xmalloc(hl + len + 2);
	memcpy(f, h, hl);
	memcpy(f + hl, s, len);
	memcpy(f + hl + len, "\r\n", 2);
	fl_plan_add(p, FAKELLM_SEND, f, hl + len + 2, delay_ms);
	free(f);
	free(h);
}

/* An event that claims to be JSON and is not. */
static const char *
fl_broken_event(const struct fl_ctx *c)
{
	if (c->responses)
		return "event: response.output_text.delta\n"
		    "data: {\"type\":\"response.output_text.delta\","
		    "\"delta\":\"oops\n\n";
	return "data: {\"id\":\"chatcmpl-broken\",\"object\":"
	    "\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
	    "\"delta\":{\"content\":\"oops\"}\n\n";
}

/* Play a list of SSE events with the reply's fault applied. */
static void
fl_plan_stream(const struct fl_ctx *c, struct fl_events *ev,
    struct fakellm_plan *p, int keep_alive, const char *extra)
{
	const struct fl_reply *r = c->r;
	const char *fault = r->fault ? r->fault : "";
	uint64_t delay;
	long after = r->after_chunks;
	char *h;
	size_t i;

	if (strcmp(fault, "drop") == 0 && !r->after_set)
		after = 2;
	if (strcmp(fault, "drop") == 0 && after >= (long)ev->n)
		after = (long)ev->n - 1;	/* never the final event */
	if (strcmp(fault, "no_done") == 0 && ev->n > 0 && r->raw == NULL) {
		free(ev->v[--ev->n]);
		keep_alive = 0;
	}
	if (strcmp(fault, "drop") == 0 && after < 0) {
		fl_plan_add(p, FAKELLM_CLOSE, NULL, 0, (uint64_t)r->first_delay_ms);
		return;
	}
	h = fl_head(200, "text/event-stream", -1, keep_alive, extra);
	fl_plan_add(p, FAKELLM_SEND, h, strlen(h), (uint64_t)r->first_delay_ms);
	free(h);
	for (i = 0; i <= ev->n; i++) {
		delay = i > 0 ? (uint64_t)r->delay_ms : 0;
		if ((long)i == after) {
			if (strcmp(fault, "drop") == 0) {
				fl_plan_add(p, FAKELLM_CLOSE, NULL, 0, delay);
				return;
			}
			if (strcmp(fault, "stall") == 0)
				delay += (uint64_t)(r->seconds * 1000);
			if (strcmp(fault, "malformed") == 0) {
				fl_plan_chunk(p, fl_broken_event(c),
				    strlen(fl_broken_event(c)), delay);
				delay = (uint64_t)r->delay_ms;
			}
		}
		if (i == ev->n) {
			fl_plan_add(p, FAKELLM_SEND, "0\r\n\r\n", 5, delay);
			break;
		}
		fl_plan_chunk(p, ev->v[i], strlen(ev->v[i]), delay);
	}
	fl_plan_add(p, FAKELLM_END, NULL, 0, 0);
	p->keep_alive = keep_alive;
}

/* Play a single JSON body with the reply's fault applied. */
static void
fl_plan_body(const struct fl_ctx *c, const char *body,
    struct fakellm_plan *p, int keep_alive, const char *extra)
{
	const struct fl_reply *r = c->r;
	const char *fault = r->fault ? r->fault : "";
	uint64_t first = (uint64_t)r->first_delay_ms;
	size_t len = strlen(body);
	char *h;

	if (strcmp(fault, "drop") == 0) {
		if (r->after_set && r->after_chunks < 0) {
			fl_plan_add(p, FAKELLM_CLOSE, NULL, 0, first);
			return;
		}
		h = fl_head(200, "application/json", (long)len, 0, extra);
		fl_plan_add(p, FAKELLM_SEND, h, strlen(h), first);
		fl_plan_add(p, FAKELLM_SEND, body, len / 2,
		    (uint64_t)r->delay_ms);
		fl_plan_add(p, FAKELLM_CLOSE, NULL, 0, 0);
		free(h);
		return;
	}
	if (strcmp(fault, "malformed") == 0)
		len /= 2;
	h = fl_head(200, "application/json", (long)len, keep_alive, extra);
	fl_plan_add(p, FAKELLM_SEND, h, strlen(h), first);
	free(h);
	fl_plan_add(p, FAKELLM_SEND, body, len, strcmp(fault, "stall") == 0 ?
	    (uint64_t)(r->seconds * 1000) : 0);
	fl_plan_add(p, FAKELLM_END, NULL, 0, 0);
	p->keep_alive = keep_alive;
}

/* The context-window error, worded as each API words it. */
static void
fl_plan_context(const struct fl_ctx *c, long limit, struct fakellm_plan *p,
    int keep_alive)
{
	char *msg, *body;

	if (c->responses)
		msg = xstrdup("Your input exceeds the context window of this"
		    " model. Please adjust your input and try again.");
	else
		msg = xasprintf("This model's maximum context length is %ld"
		    " tokens. However, your messages resulted in %zu tokens."
		    " Please reduce the length of the messages.", limit,
		    c->req->body_len / 4);
	body = fl_error_json("invalid_request_error",
	    "context_length_exceeded", msg);
	fl_plan_json(p, 400, body, keep_alive, NULL,
	    c->r ? (uint64_t)c->r->first_delay_ms : 0);
	free(body);
	free(msg);
}

/* An HTTP error fault ("429", "500", ...). */
static void
fl_plan_http_fault(const struct fl_ctx *c, struct fakellm_plan *p,
    int keep_alive, const char *extra)
{
	const struct fl_reply *r = c->r;
	int status = (int)strtol(r->fault, NULL, 10);
	const char *type = "invalid_request_error", *code = NULL, *msg;
	char *body, *dflt = NULL;

	switch (status) {
	case 429:
		type = "requests";
		code = "rate_limit_exceeded";
		dflt = xasprintf("Rate limit reached for %s in organization"
		    " org-fake on requests per min (RPM): Limit 3, Used 3,"
		    " Requested 1. Please try again in %ss.", c->model,
		    r->retry_after ? r->retry_after : "20");
		break;
	case 401:
		code = "invalid_api_key";
		dflt = xstrdup("Incorrect API key provided. You can find your"
		    " API key at https://platform.openai.com/account/api-keys.");
		break;
	case 403:
		type = "permission_error";
		dflt = xstrdup("You are not allowed to sample from this model");
		break;
	case 404:
		code = "model_not_found";
		dflt = xasprintf("The model `%s` does not exist or you do not"
		    " have access to it.", c->model);
		break;
	case 400:
		dflt = xstrdup("Invalid request (fakellm fault 400).");
		break;
	case 503:
		type = "server_error";
		dflt = xstrdup("The server is overloaded or not ready yet.");
		break;
	default:
		type = "server_error";
		dflt = xstrdup("The server had an error while processing your"
		    " request. Sorry about that!");
		break;
	}
	msg = r->message ? r->message : dflt;
	body = fl_error_json(type, code, msg);
	fl_plan_json(p, status, body, keep_alive, extra,
	    (uint64_t)r->first_delay_ms);
	free(body);
	free(dflt);
}

/* 1 if the body contains every scripted "match" substring; else *miss. */
static int
fl_matches(const cJSON *reply, const struct fakellm_request *req,
    const char **miss)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(reply, "match"), *e;

	if (cJSON_IsString(m)) {
		*miss = m->valuestring;
		return memmem(req->body, req->body_len, m->valuestring,
		    strlen(m->valuestring)) != NULL;
	}
	cJSON_ArrayForEach(e, m) {
		*miss = e->valuestring;
		if (memmem(req->body, req->body_len, e->valuestring,
		    strlen(e->valuestring)) == NULL)
			return 0;
	}
	return 1;
}

/* GET .../models: the script's model names. */
static void
fl_plan_models(struct fakellm_script *s, struct fakellm_plan *p,
    int keep_alive)
{
	const cJSON *models, *m, *delay;
	cJSON *o, *data, *e;
	char *body;

	models = cJSON_GetObjectItemCaseSensitive(s->root, "models");
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "object", "list");
	data = cJSON_AddArrayToObject(o, "data");
	if (cJSON_GetArraySize(models) == 0) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "id", "fake-model");
		cJSON_AddItemToArray(data, e);
	}
	cJSON_ArrayForEach(m, models) {
		/* An object is served as written (pricing, context_length). */
		if (cJSON_IsObject(m) && cJSON_IsString(cJSON_GetObjectItem(m, "id"))) {
			cJSON_AddItemToArray(data, cJSON_Duplicate(m, 1));
			continue;
		}
		if (!cJSON_IsString(m))
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "id", m->valuestring);
		cJSON_AddItemToArray(data, e);
	}
	cJSON_ArrayForEach(e, data) {
		cJSON_AddStringToObject(e, "object", "model");
		cJSON_AddNumberToObject(e, "created", 1700000000);
		cJSON_AddStringToObject(e, "owned_by", "fakellm");
	}
	body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	delay = cJSON_GetObjectItemCaseSensitive(s->root, "models_delay_ms");
	fl_plan_json(p, 200, body, keep_alive, NULL, cJSON_IsNumber(delay) &&
	    delay->valuedouble > 0 && delay->valuedouble < 600000 ?
	    (uint64_t)delay->valuedouble : 0);
	free(body);
}

/* 1 if path ends with suffix. */
static int
fl_ends_with(const char *path, const char *suffix)
{
	size_t pl = strlen(path), sl = strlen(suffix);

	return pl >= sl && strcmp(path + pl - sl, suffix) == 0;
}

/* Render the next scripted reply for a completion request. */
static void
fl_complete(struct fakellm_script *s, struct fl_ctx *c, struct fakellm_plan *p)
{
	const struct fakellm_request *req = c->req;
	struct fl_reply r;
	struct fl_events ev = { 0 };
	const cJSON *reply, *k, *on;
	const char *miss = NULL, *fault;
	char *body, *msg, *extra = NULL;
	int ka = req->keep_alive;

	if (s->context_limit > 0 && (long)(req->body_len / 4) > s->context_limit) {
		fprintf(stderr, "fakellm: request %lu: over the context limit\n",
		    req->seq);
		fl_plan_context(c, s->context_limit, p, ka);
		return;
	}
	/* Side replies answer every request that contains their on_match
	 * text, without using up the main sequence (e.g. summaries). */
	reply = NULL;
	cJSON_ArrayForEach(k, s->side) {
		on = cJSON_GetObjectItemCaseSensitive(k, "on_match");
		if (memmem(req->body, req->body_len, on->valuestring,
		    strlen(on->valuestring)) != NULL) {
			reply = k;
			break;
		}
	}
	if (reply == NULL && s->next >= s->nreplies) {
		fprintf(stderr, "fakellm: request %lu: script exhausted\n",
		    req->seq);
		body = fl_error_json("fakellm", NULL,
		    "fakellm: script exhausted");
		fl_plan_json(p, 400, body, ka, NULL, 0);
		free(body);
		return;
	}
	if (reply == NULL)
		reply = cJSON_GetArrayItem(s->replies, s->next++);
	if (!fl_matches(reply, req, &miss)) {
		fprintf(stderr, "fakellm: request %lu: expected request to"
		    " contain '%s'\n", req->seq, miss);
		msg = xasprintf("fakellm: expected request to contain '%s'",
		    miss);
		body = fl_error_json("fakellm_mismatch", NULL, msg);
		fl_plan_json(p, 400, body, ka, NULL, 0);
		free(body);
		free(msg);
		return;
	}
	fl_reply_decode(reply, &r);
	c->r = &r;
	fault = r.fault ? r.fault : "";
	if (r.retry_after != NULL || r.headers != NULL)
		extra = xasprintf("%s%s%s", r.retry_after ? "Retry-After: " : "",
		    r.retry_after ? r.retry_after : "", r.retry_after ? "\r\n" : "");
	if (r.headers != NULL) {
		char *e = xasprintf("%s%s", extra, r.headers);

		free(extra);
		extra = e;
	}
	if (r.raw != NULL && (r.status != 200 || r.content_type != NULL)) {
		/* A body exactly as given, with its own status and type. */
		char *h = fl_head((int)r.status, r.content_type ? r.content_type :
		    "application/json", (long)strlen(r.raw), ka, extra);

		body = xasprintf("%s%s", h, r.raw);
		fl_plan_add(p, FAKELLM_SEND, body, strlen(body), r.first_delay_ms);
		fl_plan_add(p, FAKELLM_END, NULL, 0, 0);
		p->keep_alive = ka;
		free(body);
		free(h);
	} else if (strcmp(fault, "context_length") == 0) {
		fl_plan_context(c, s->context_limit > 0 ? s->context_limit :
		    8192, p, ka);
	} else if (fault[0] >= '0' && fault[0] <= '9') {
		fl_plan_http_fault(c, p, ka, extra);
	} else if (c->stream) {
		if (r.raw != NULL) {
			if (!r.chunk_set)
				r.chunk = strlen(r.raw) + 1;
			for (size_t i = 0; fl_fraglen(r.raw, r.chunk, i) > 0;
			    i++)
				fl_ev_add(&ev, xstrndup(r.raw + i * r.chunk,
				    fl_fraglen(r.raw, r.chunk, i)));
		} else if (c->responses)
			fl_resp_stream(c, &ev);
		else
			fl_chat_stream(c, &ev);
		fl_plan_stream(c, &ev, p, ka, extra);
		fl_ev_free(&ev);
	} else {
		if (r.raw != NULL)
			body = xstrdup(r.raw);
		else if (c->responses)
			body = fl_resp_body(c);
		else
			body = fl_chat_body(c);
		fl_plan_body(c, body, p, ka, extra);
		free(body);
	}
	free(extra);
	fl_reply_clear(&r);
	c->r = NULL;
}

/* Route a complete request and plan the whole response. */
void
fakellm_respond(struct fakellm_script *s, const struct fakellm_request *req,
    struct fakellm_plan *p)
{
	struct fl_ctx c;
	const cJSON *k, *so;
	char *path, *q, *msg;
	int ka = req->keep_alive, chat, resp;

	memset(&c, 0, sizeof c);
	c.req = req;
	c.seq = req->seq;
	c.created = (long)time(NULL);
	path = xstrdup(req->target);
	if ((q = strchr(path, '?')) != NULL)
		*q = '\0';
	while (strlen(path) > 1 && path[strlen(path) - 1] == '/')
		path[strlen(path) - 1] = '\0';
	chat = fl_ends_with(path, "/chat/completions");
	resp = fl_ends_with(path, "/responses");
	if (fl_ends_with(path, "/models") && strcmp(req->method, "GET") == 0) {
		fl_plan_models(s, p, ka);
		goto out;
	}
	if (!chat && !resp) {
		msg = xasprintf("fakellm: no route for '%s %s'", req->method,
		    path);
		fakellm_plan_error(p, 404, "invalid_request_error", NULL, msg,
		    ka);
		free(msg);
		goto out;
	}
	if (strcmp(req->method, "POST") != 0) {
		fakellm_plan_error(p, 405, "invalid_request_error", NULL,
		    "fakellm: use POST", ka);
		goto out;
	}
	c.body = cJSON_ParseWithLength(req->body, req->body_len);
	if (!cJSON_IsObject(c.body)) {
		fprintf(stderr, "fakellm: request %lu: body is not a JSON"
		    " object\n", req->seq);
		fakellm_plan_error(p, 400, "invalid_request_error", NULL,
		    "We could not parse the JSON body of your request.", ka);
		goto out;
	}
	c.responses = resp;
	k = cJSON_GetObjectItemCaseSensitive(c.body, "model");
	c.model = cJSON_IsString(k) ? k->valuestring : "fake-model";
	c.stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c.body,
	    "stream"));
	so = cJSON_GetObjectItemCaseSensitive(c.body, "stream_options");
	c.include_usage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(so,
	    "include_usage"));
	fl_complete(s, &c, p);
out:
	cJSON_Delete(c.body);
	free(path);
}
