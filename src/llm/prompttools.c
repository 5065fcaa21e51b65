/*
 * prompttools.c: tool calling for models that have none.
 *
 * Outgoing, the conversation is rewritten so that a plain chat model can
 * follow it: the tools and the calling convention are described at the end
 * of the system prompt, earlier assistant tool calls become fenced blocks
 * in the assistant's text, and tool results become user messages.
 * Incoming, fenced blocks are taken out of the answer and become ordinary
 * tool calls, so the agent sees the same struct llm_response either way.
 *
 * Accepted call syntax (what small local models actually produce):
 *   ```tool_call\n{"name": ..., "arguments": {...}}\n```   (asked for)
 *   ```tool ... ```, ```json ... ``` when the object names a known shape
 *   <tool_call>{...}</tool_call>                            (Hermes/Qwen)
 * and a block may hold one object or an array of them; "parameters" is
 * read as "arguments".  While streaming, text from the start of a
 * tool_call fence on is held back so the screen shows the prose only.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cade/util.h"
#include "llm-int.h"

static const char llm_ptools_intro[] =
    "\n\n# Tools\n\n"
    "You can call the tools listed below. To call one, reply with a fenced "
    "block exactly like this (one block per call; several blocks for "
    "several calls):\n\n"
    "```tool_call\n"
    "{\"name\": \"TOOL_NAME\", \"arguments\": {\"param\": \"value\"}}\n"
    "```\n\n"
    "After the block(s), stop writing: the results come back in the next "
    "message. When no tool is needed, answer normally without a block.\n";

/* The tools described in prose plus their JSON Schemas. */
static int
llm_ptools_describe(struct buf *b, const cJSON *tools)
{
	const cJSON *t, *fn, *name, *desc, *params;
	char *schema;
	int rc = 0;

	rc |= buf_puts(b, llm_ptools_intro);
	cJSON_ArrayForEach(t, tools) {
		fn = cJSON_GetObjectItemCaseSensitive(t, "function");
		name = cJSON_GetObjectItemCaseSensitive(fn, "name");
		desc = cJSON_GetObjectItemCaseSensitive(fn, "description");
		params = cJSON_GetObjectItemCaseSensitive(fn, "parameters");
		if (!cJSON_IsString(name))
			continue;
		rc |= buf_printf(b, "\n## %s\n", name->valuestring);
		if (cJSON_IsString(desc))
			rc |= buf_printf(b, "%s\n", desc->valuestring);
		if (params != NULL) {
			schema = cJSON_PrintUnformatted(params);
			rc |= buf_printf(b, "Arguments (JSON Schema): %s\n",
			    schema);
			free(schema);
		}
	}
	return rc;
}

/* The tool name for a call id, from the assistant messages so far. */
static const char *
llm_ptools_call_name(const cJSON *messages, const char *id)
{
	const cJSON *m, *c, *cid, *fn, *name;

	cJSON_ArrayForEach(m, messages) {
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(m,
		    "tool_calls")) {
			cid = cJSON_GetObjectItemCaseSensitive(c, "id");
			fn = cJSON_GetObjectItemCaseSensitive(c, "function");
			name = cJSON_GetObjectItemCaseSensitive(fn, "name");
			if (cJSON_IsString(cid) && cJSON_IsString(name) &&
			    strcmp(cid->valuestring, id) == 0)
				return name->valuestring;
		}
	}
	return "tool";
}

/* A chat message {role, content}. */
static cJSON *
llm_ptools_msg(const char *role, const char *content)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "role", role);
	cJSON_AddStringToObject(m, "content", content);
	return m;
}

/* The conversation rewritten for a model without tool calling. */
cJSON *
llm_ptools_messages(const cJSON *messages, const cJSON *tools)
{
	const cJSON *m, *role, *calls, *c, *fn, *name, *args, *id;
	cJSON *out, *argv;
	struct buf b, desc;
	int have_system = 0;
	char *text;

	buf_init(&desc, 0);
	if (llm_ptools_describe(&desc, tools) != 0)
		fatal("cannot describe tools");
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(m, messages) {
		role = cJSON_GetObjectItemCaseSensitive(m, "role");
		if (!cJSON_IsString(role))
			continue;
		text = llm_content_text(cJSON_GetObjectItemCaseSensitive(m, "content"));
		buf_init(&b, 0);
		if (strcmp(role->valuestring, "system") == 0 && !have_system) {
			have_system = 1;
			if (buf_puts(&b, text) == -1 ||
			    buf_append(&b, desc.s, desc.len) == -1)
				fatal("system prompt too long");
			cJSON_AddItemToArray(out, llm_ptools_msg("system", b.s));
		} else if (strcmp(role->valuestring, "assistant") == 0) {
			calls = cJSON_GetObjectItemCaseSensitive(m, "tool_calls");
			if (buf_puts(&b, text) == -1)
				fatal("message too long");
			cJSON_ArrayForEach(c, calls) {
				fn = cJSON_GetObjectItemCaseSensitive(c,
				    "function");
				name = cJSON_GetObjectItemCaseSensitive(fn,
				    "name");
				args = cJSON_GetObjectItemCaseSensitive(fn,
				    "arguments");
				argv = cJSON_IsString(args) ?
				    cJSON_Parse(args->valuestring) : NULL;
				/* Show malformed arguments as the model sent
				 * them, next to the error they earned. */
				if (argv == NULL && cJSON_IsString(args) &&
				    *args->valuestring != '\0')
					argv = cJSON_CreateString(
					    args->valuestring);
				if (argv == NULL)
					argv = cJSON_CreateObject();
				{
					cJSON *call = cJSON_CreateObject();
					char *js;

					cJSON_AddStringToObject(call, "name",
					    cJSON_IsString(name) ?
					    name->valuestring : "");
					cJSON_AddItemToObject(call,
					    "arguments", argv);
					js = cJSON_PrintUnformatted(call);
					cJSON_Delete(call);
					if (buf_printf(&b, "%s```tool_call\n%s"
					    "\n```\n", b.len > 0 ? "\n\n" : "",
					    js) == -1)
						fatal("message too long");
					free(js);
				}
			}
			cJSON_AddItemToArray(out, llm_ptools_msg("assistant",
			    b.s));
		} else if (strcmp(role->valuestring, "tool") == 0) {
			id = cJSON_GetObjectItemCaseSensitive(m, "tool_call_id");
			if (buf_printf(&b, "Result of tool call %s (%s):\n%s",
			    cJSON_IsString(id) ? id->valuestring : "?",
			    cJSON_IsString(id) ? llm_ptools_call_name(messages,
			    id->valuestring) : "tool", text) == -1)
				fatal("message too long");
			cJSON_AddItemToArray(out, llm_ptools_msg("user", b.s));
		} else
			cJSON_AddItemToArray(out, cJSON_Duplicate(m, 1));
		buf_free(&b);
		free(text);
	}
	if (!have_system)
		cJSON_InsertItemInArray(out, 0, llm_ptools_msg("system",
		    desc.s + 2));
	buf_free(&desc);
	return out;
}

/* Append a call (args is taken over). */
static void
llm_ptools_add(struct llm_response *resp, unsigned long reqno,
    const char *name, char *args)
{
	struct llm_tool_call *t;

	resp->calls = xreallocarray(resp->calls, resp->ncalls + 1,
	    sizeof *resp->calls);
	t = &resp->calls[resp->ncalls];
	t->id = xasprintf("call_cade_%lu_%zu", reqno, resp->ncalls);
	t->name = xstrdup(name);
	t->arguments = args;
	resp->ncalls++;
}

/* The "name": "x" in a block that is not valid JSON, or NULL. */
static char *
llm_ptools_guess_name(const char *s, size_t n)
{
	const char *p, *q, *key = NULL, *end = s + n;

	for (p = s; p + 6 <= end && key == NULL; p++)
		if (memcmp(p, "\"name\"", 6) == 0)
			key = p;
	if (key == NULL)
		return NULL;
	for (p = key + 6; p < end && strchr(" \t\r\n", *p) != NULL; p++)
		;
	if (p >= end || *p++ != ':')
		return NULL;
	for (; p < end && strchr(" \t\r\n", *p) != NULL; p++)
		;
	if (p >= end || *p++ != '"')
		return NULL;
	for (q = p; q < end && q - p <= 64 && (isalnum((unsigned char)*q) ||
	    *q == '_' || *q == '-' || *q == '.'); q++)
		;
	if (q == p || q >= end || *q != '"')
		return NULL;
	return xstrndup(p, (size_t)(q - p));
}

/* Add the calls in one parsed block; 0 if it held none.  In a strict
 * (tool_call) block a malformed call is still added, named
 * LLM_INVALID_CALL if it has no name, with arguments that are not a JSON
 * object, so the agent answers it with an error instead of the block
 * ending the task as the answer. */
static int
llm_ptools_take(const cJSON *j, struct llm_response *resp,
    unsigned long reqno, int strict)
{
	const cJSON *name, *args, *o;
	int n = 0, named;

	if (cJSON_IsArray(j)) {
		cJSON_ArrayForEach(o, j)
			if (!strict && (!cJSON_IsObject(o) || !cJSON_IsString(
			    cJSON_GetObjectItemCaseSensitive(o, "name"))))
				return 0;
		cJSON_ArrayForEach(o, j)
			n += llm_ptools_take(o, resp, reqno, strict);
		return n;
	}
	name = cJSON_GetObjectItemCaseSensitive(j, "name");
	args = cJSON_GetObjectItemCaseSensitive(j, "arguments");
	if (args == NULL)
		args = cJSON_GetObjectItemCaseSensitive(j, "parameters");
	named = cJSON_IsString(name) && *name->valuestring != '\0';
	if (!named || (args != NULL && !cJSON_IsObject(args) &&
	    !cJSON_IsString(args))) {
		if (!strict)
			return 0;
		llm_ptools_add(resp, reqno, named ? name->valuestring :
		    LLM_INVALID_CALL, cJSON_PrintUnformatted(named ? args : j));
		return 1;
	}
	if (cJSON_IsString(args))
		llm_ptools_add(resp, reqno, name->valuestring, xstrdup(
		    *args->valuestring != '\0' ? args->valuestring : "{}"));
	else if (args != NULL)
		llm_ptools_add(resp, reqno, name->valuestring,
		    cJSON_PrintUnformatted(args));
	else
		llm_ptools_add(resp, reqno, name->valuestring, xstrdup("{}"));
	return 1;
}

/* Find the next block at or after p: returns its start, sets body/end. */
static const char *
llm_ptools_next(const char *p, const char **body, size_t *blen,
    const char **end, int *strict)
{
	const char *f, *x, *nl, *close;

	for (;;) {
		f = strstr(p, "```");
		x = strstr(p, "<tool_call>");
		if (x != NULL && (f == NULL || x < f)) {
			*body = x + 11;
			close = strstr(*body, "</tool_call>");
			if (close == NULL) {
				*blen = strlen(*body);
				*end = *body + *blen;
			} else {
				*blen = (size_t)(close - *body);
				*end = close + 12;
			}
			*strict = 1;
			return x;
		}
		if (f == NULL)
			return NULL;
		*strict = strncmp(f + 3, "tool", 4) == 0;
		nl = strchr(f + 3, '\n');
		if (nl == NULL && !*strict)
			return NULL;
		if (nl == NULL) {
			/* The reply ends right after the opening line. */
			*body = *end = f + strlen(f);
			*blen = 0;
			return f;
		}
		*body = nl + 1;
		close = strstr(*body, "```");
		if (close == NULL) {
			/* An unclosed tool_call block at the very end. */
			if (!*strict)
				return NULL;
			*blen = strlen(*body);
			*end = *body + *blen;
		} else {
			*blen = (size_t)(close - *body);
			*end = close + 3;
		}
		if (*strict || strncmp(f + 3, "json", 4) == 0)
			return f;
		p = *end;
	}
}

/* Move fenced tool calls from the answer into resp->calls. */
void
llm_ptools_extract(struct llm_response *resp, unsigned long reqno)
{
	const char *p, *start, *body, *end;
	struct buf out;
	size_t blen;
	char *name;
	cJSON *j;
	int strict, took;

	buf_init(&out, 0);
	p = resp->text;
	while ((start = llm_ptools_next(p, &body, &blen, &end, &strict)) !=
	    NULL) {
		j = llm_json_parse(body, blen);
		took = j != NULL ? llm_ptools_take(j, resp, reqno, strict) : 0;
		cJSON_Delete(j);
		if (!took && strict) {
			/* Not JSON (or an empty array): the raw text as the
			 * arguments, which the agent refuses as not JSON. */
			name = llm_ptools_guess_name(body, blen);
			llm_ptools_add(resp, reqno, name != NULL ? name :
			    LLM_INVALID_CALL, xstrndup(body, blen));
			free(name);
			took = 1;
		}
		if (buf_append(&out, p, (size_t)(start - p)) == -1 ||
		    (!took && buf_append(&out, start,
		    (size_t)(end - start)) == -1))
			fatal("reply too long");
		p = end;
	}
	if (buf_puts(&out, p) == -1)
		fatal("reply too long");
	while (out.len > 0 && (out.s[out.len - 1] == '\n' ||
	    out.s[out.len - 1] == ' '))
		buf_truncate(&out, out.len - 1);
	free(resp->text);
	resp->text = buf_detach(&out, NULL);
	buf_free(&out);
	if (resp->ncalls > 0) {
		free(resp->finish_reason);
		resp->finish_reason = xstrdup("tool_calls");
	}
}

/* How much more of the streamed answer may be shown (see file comment). */
size_t
llm_ptools_visible(struct llm_ptools_filter *f, const char *text, size_t len)
{
	static const char *const marks[] = { "```tool", "<tool_call>" };
	size_t from, end = len, i, k, ml;
	const char *hit;

	if (f->stopped)
		return 0;
	from = f->sent > 16 ? f->sent - 16 : 0;
	for (i = 0; i < nitems(marks); i++) {
		hit = strstr(text + from, marks[i]);
		if (hit != NULL && (size_t)(hit - text) < end) {
			end = (size_t)(hit - text);
			f->stopped = 1;
		}
	}
	if (!f->stopped) {
		/* Hold back a tail that may be the start of a mark. */
		for (i = 0; i < nitems(marks); i++) {
			ml = strlen(marks[i]);
			for (k = ml - 1; k > 0; k--) {
				if (k <= len && memcmp(text + len - k,
				    marks[i], k) == 0) {
					if (len - k < end)
						end = len - k;
					break;
				}
			}
		}
	}
	if (end <= f->sent)
		return 0;
	k = end - f->sent;
	f->sent = end;
	return k;
}
