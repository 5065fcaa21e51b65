/*
 * jsonrpc.c: JSON-RPC 2.0 (https://www.jsonrpc.org/specification) over
 * newline-delimited JSON, the Agent Client Protocol's stdio transport
 * (contract in include/cade/jsonrpc.h).
 *
 * Bytes from stdin go to jsonrpc_reader_feed(), which cuts them into lines
 * in a capped buffer; each line goes to jsonrpc_parse(), which says what it
 * is and, for anything malformed, which error to answer with.  Nothing here
 * reads or writes a file descriptor.
 *
 * Deviations: batches (a JSON array) are refused with -32600, as ACP does
 * not use them; a line that is not UTF-8 is parsed as it is (cJSON passes
 * the bytes through) and the writer cleans what goes back out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/jsonrpc.h"
#include "cade/util.h"

/* See jsonrpc.h. */
void
jsonrpc_reader_init(struct jsonrpc_reader *r, size_t max, jsonrpc_line_fn cb,
    void *arg)
{
	memset(r, 0, sizeof *r);
	r->max = max;
	buf_init(&r->line, max);
	r->cb = cb;
	r->arg = arg;
}

/* See jsonrpc.h. */
void
jsonrpc_reader_free(struct jsonrpc_reader *r)
{
	buf_free(&r->line);
}

/* Hand one complete line (without its newline) to the callback. */
static void
jsonrpc_reader_emit(struct jsonrpc_reader *r)
{
	size_t len = r->line.len;

	if (len > 0 && r->line.s[len - 1] == '\r')
		len--;
	if (len > 0)
		r->cb(r->line.s, len, 0, r->arg);
	buf_reset(&r->line);
}

/* See jsonrpc.h. */
void
jsonrpc_reader_feed(struct jsonrpc_reader *r, const char *p, size_t n)
{
	const char *nl;
	size_t take;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		take = nl != NULL ? (size_t)(nl - p) : n;
		if (r->skipping) {
			if (nl != NULL)
				r->skipping = 0;
		} else if (buf_append(&r->line, p, take) == -1) {
			/* Over the cap: report once, drop the rest of the line. */
			buf_reset(&r->line);
			r->cb("", 0, 1, r->arg);
			r->skipping = nl == NULL;
		} else if (nl != NULL)
			jsonrpc_reader_emit(r);
		if (nl == NULL)
			return;
		p = nl + 1;
		n -= take + 1;
	}
}

/* See jsonrpc.h. */
void
jsonrpc_reader_finish(struct jsonrpc_reader *r)
{
	if (!r->skipping && r->line.len > 0)
		jsonrpc_reader_emit(r);
	r->skipping = 0;
	buf_reset(&r->line);
}

/* Mark m invalid with an error to answer. */
static void
jsonrpc_invalid(struct jsonrpc_msg *m, int code, const char *message)
{
	m->kind = JSONRPC_INVALID;
	m->code = code;
	m->message = message;
}

/* 1 if v is a usable id: a string or an integral number. */
static int
jsonrpc_id_ok(const cJSON *v)
{
	if (cJSON_IsString(v))
		return 1;
	return cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble;
}

/* See jsonrpc.h. */
void
jsonrpc_parse(const char *line, size_t len, struct jsonrpc_msg *m)
{
	const char *end = NULL;
	const cJSON *v, *id, *method;
	size_t i;

	memset(m, 0, sizeof *m);
	m->root = cJSON_ParseWithLengthOpts(line, len, &end, 0);
	if (m->root == NULL) {
		jsonrpc_invalid(m, JSONRPC_PARSE_ERROR, "parse error: the line is "
		    "not valid JSON");
		return;
	}
	/* Only whitespace may follow the value. */
	for (i = (size_t)(end - line); i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			jsonrpc_invalid(m, JSONRPC_PARSE_ERROR, "parse error: "
			    "text after the JSON value");
			return;
		}
	if (cJSON_IsArray(m->root)) {
		jsonrpc_invalid(m, JSONRPC_INVALID_REQUEST, "invalid request: "
		    "batches are not supported");
		return;
	}
	if (!cJSON_IsObject(m->root)) {
		jsonrpc_invalid(m, JSONRPC_INVALID_REQUEST, "invalid request: "
		    "a message must be a JSON object");
		return;
	}
	id = cJSON_GetObjectItemCaseSensitive(m->root, "id");
	if (id != NULL && !cJSON_IsNull(id) && jsonrpc_id_ok(id))
		m->id = id;
	v = cJSON_GetObjectItemCaseSensitive(m->root, "jsonrpc");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0) {
		jsonrpc_invalid(m, JSONRPC_INVALID_REQUEST, "invalid request: "
		    "\"jsonrpc\" must be \"2.0\"");
		return;
	}
	if (id != NULL && !cJSON_IsNull(id) && m->id == NULL) {
		jsonrpc_invalid(m, JSONRPC_INVALID_REQUEST, "invalid request: "
		    "\"id\" must be a string or an integer");
		return;
	}
	method = cJSON_GetObjectItemCaseSensitive(m->root, "method");
	if (method != NULL) {
		if (!cJSON_IsString(method) || *method->valuestring == '\0') {
			jsonrpc_invalid(m, JSONRPC_INVALID_REQUEST, "invalid "
			    "request: \"method\" must be a non-empty string");
			return;
		}
		m->method = method->valuestring;
		v = cJSON_GetObjectItemCaseSensitive(m->root, "params");
		if (v != NULL && !cJSON_IsNull(v) && !cJSON_IsObject(v) &&
		    !cJSON_IsArray(v)) {
			jsonrpc_invalid(m, JSONRPC_INVALID_REQUEST, "invalid "
			    "request: \"params\" must be an object or an array");
			return;
		}
		m->params = cJSON_IsNull(v) ? NULL : v;
		m->kind = id == NULL ? JSONRPC_NOTIFICATION : JSONRPC_REQUEST;
		if (id != NULL && cJSON_IsNull(id))
			jsonrpc_invalid(m, JSONRPC_INVALID_REQUEST, "invalid "
			    "request: \"id\" must not be null");
		return;
	}
	m->result = cJSON_GetObjectItemCaseSensitive(m->root, "result");
	m->error = cJSON_GetObjectItemCaseSensitive(m->root, "error");
	if (m->id == NULL || (m->result == NULL) == (m->error == NULL)) {
		jsonrpc_invalid(m, JSONRPC_INVALID_REQUEST, "invalid request: "
		    "neither a request nor a response");
		m->result = m->error = NULL;
		return;
	}
	m->kind = JSONRPC_RESPONSE;
}

/* See jsonrpc.h. */
void
jsonrpc_msg_free(struct jsonrpc_msg *m)
{
	cJSON_Delete(m->root);
	memset(m, 0, sizeof *m);
}

/* An envelope with "jsonrpc" and, when given, "id". */
static cJSON *
jsonrpc_envelope(const cJSON *id, int with_id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "jsonrpc", "2.0");
	if (with_id)
		cJSON_AddItemToObject(o, "id", id != NULL ?
		    cJSON_Duplicate(id, 1) : cJSON_CreateNull());
	return o;
}

/* Print and free. */
static char *
jsonrpc_print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	if (s == NULL)
		fatal("out of memory printing JSON");
	return s;
}

/* See jsonrpc.h. */
char *
jsonrpc_result(const cJSON *id, cJSON *result)
{
	cJSON *o = jsonrpc_envelope(id, 1);

	cJSON_AddItemToObject(o, "result", result != NULL ? result :
	    cJSON_CreateNull());
	return jsonrpc_print(o);
}

/* See jsonrpc.h. */
char *
jsonrpc_error(const cJSON *id, int code, const char *message, cJSON *data)
{
	cJSON *o = jsonrpc_envelope(id, 1), *e;

	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddNumberToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", message);
	if (data != NULL)
		cJSON_AddItemToObject(e, "data", data);
	return jsonrpc_print(o);
}

/* See jsonrpc.h. */
char *
jsonrpc_request(long id, const char *method, cJSON *params)
{
	cJSON *o = jsonrpc_envelope(NULL, 0);

	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "method", method);
	if (params != NULL)
		cJSON_AddItemToObject(o, "params", params);
	return jsonrpc_print(o);
}

/* See jsonrpc.h. */
char *
jsonrpc_notification(const char *method, cJSON *params)
{
	cJSON *o = jsonrpc_envelope(NULL, 0);

	cJSON_AddStringToObject(o, "method", method);
	if (params != NULL)
		cJSON_AddItemToObject(o, "params", params);
	return jsonrpc_print(o);
}
