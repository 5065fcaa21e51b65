/*
 * rpc.c: JSON-RPC 2.0 framing and the shapes of MCP messages, with no I/O.
 *
 * The stdio transport of MCP (spec 2025-11-25, "Transports") sends one
 * message per line, UTF-8, no embedded newlines.  mcp_lines_feed() cuts a
 * byte stream into lines without copying lines that are complete inside a
 * chunk; a line longer than the cap is an error, never a reallocation
 * without bound.  The rest turns untrusted replies into text for the model:
 * tool results (text kept, images/audio/resources as a short placeholder
 * with their size) and error objects.  tests/fuzz_mcp.c feeds it anything.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cade/util.h"

#include "mcp-int.h"

/* See mcp-int.h. */
void
mcp_lines_init(struct mcp_lines *l, size_t max)
{
	buf_init(&l->line, max);
	l->overflow = 0;
}

/* See mcp-int.h. */
void
mcp_lines_free(struct mcp_lines *l)
{
	buf_free(&l->line);
}

/* Strip one trailing CR and hand the line over. */
static int
mcp_lines_emit(const char *s, size_t n, mcp_line_fn fn, void *arg)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	return fn(s, n, arg);
}

/* See mcp-int.h. */
int
mcp_lines_feed(struct mcp_lines *l, const char *p, size_t n, mcp_line_fn fn,
    void *arg)
{
	const char *nl;
	size_t k;

	if (l->overflow)
		return -1;
	while (n > 0) {
		if ((nl = memchr(p, '\n', n)) == NULL) {
			if (buf_append(&l->line, p, n) != 0) {
				l->overflow = 1;
				return -1;
			}
			return 0;
		}
		k = (size_t)(nl - p);
		if (l->line.len == 0) {
			if (mcp_lines_emit(p, k, fn, arg) == -1)
				return -1;
		} else {
			if (buf_append(&l->line, p, k) != 0) {
				l->overflow = 1;
				return -1;
			}
			if (mcp_lines_emit(l->line.s, l->line.len, fn, arg) == -1)
				return -1;
			buf_reset(&l->line);
		}
		p += k + 1;
		n -= k + 1;
	}
	return 0;
}

/* See mcp-int.h. */
enum mcp_msg
mcp_msg_kind(const cJSON *m, const char **why)
{
	const cJSON *v, *method, *id;

	*why = NULL;
	if (!cJSON_IsObject(m)) {
		*why = "a message that is not a JSON object";
		return MCP_MSG_BAD;
	}
	v = cJSON_GetObjectItemCaseSensitive(m, "jsonrpc");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, "2.0") != 0) {
		*why = "a message without \"jsonrpc\": \"2.0\"";
		return MCP_MSG_BAD;
	}
	method = cJSON_GetObjectItemCaseSensitive(m, "method");
	id = cJSON_GetObjectItemCaseSensitive(m, "id");
	if (id != NULL && !cJSON_IsNumber(id) && !cJSON_IsString(id) &&
	    !cJSON_IsNull(id)) {
		*why = "an id that is neither a number nor a string";
		return MCP_MSG_BAD;
	}
	if (method != NULL) {
		if (!cJSON_IsString(method)) {
			*why = "a method that is not a string";
			return MCP_MSG_BAD;
		}
		return id != NULL ? MCP_MSG_REQUEST : MCP_MSG_NOTIFY;
	}
	if (id == NULL) {
		*why = "a message with neither a method nor an id";
		return MCP_MSG_BAD;
	}
	if (cJSON_GetObjectItemCaseSensitive(m, "result") == NULL &&
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "error"))) {
		*why = "a reply with neither a result nor an error";
		return MCP_MSG_BAD;
	}
	return MCP_MSG_REPLY;
}

/* See mcp-int.h. */
int
mcp_msg_id(const cJSON *m, int64_t *id)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "id");
	long n;

	if (cJSON_IsNumber(v)) {
		/* Range-checked before the cast: ids come from outside. */
		if (!isfinite(v->valuedouble) || v->valuedouble < 1 ||
		    v->valuedouble > 9007199254740991.0 ||
		    v->valuedouble != floor(v->valuedouble))
			return 0;
		*id = (int64_t)v->valuedouble;
		return 1;
	}
	if (cJSON_IsString(v) && util_parse_long(v->valuestring, 1,
	    0x7fffffffL, &n) == 0) {
		*id = n;
		return 1;
	}
	return 0;
}

/* See mcp-int.h. */
char *
mcp_one_line(const char *s, size_t max)
{
	size_t n = strlen(s), i;
	char *o;

	if (n > max)
		n = max;
	o = xstrndup(s, n);
	/* C0, DEL and the bytes of C1 controls (U+0080-U+009F as UTF-8). */
	for (i = 0; i < n; i++) {
		if ((unsigned char)o[i] < 0x20 || o[i] == 0x7f)
			o[i] = ' ';
		else if ((unsigned char)o[i] == 0xc2 && i + 1 < n &&
		    (unsigned char)o[i + 1] >= 0x80 &&
		    (unsigned char)o[i + 1] <= 0x9f)
			o[i] = o[i + 1] = ' ';
	}
	return o;
}

/* See mcp-int.h. */
char *
mcp_error_text(const cJSON *error)
{
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(error, "message");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "code");
	char *m, *o;

	m = mcp_one_line(cJSON_IsString(msg) ? msg->valuestring :
	    "no message", 300);
	if (cJSON_IsNumber(code) && fabs(code->valuedouble) < 1e9)
		o = xasprintf("%s (code %ld)", m, (long)code->valuedouble);
	else
		o = xstrdup(m);
	free(m);
	return o;
}

/* Size of base64 data once decoded, roughly (for a placeholder). */
static size_t
mcp_b64_size(const cJSON *data)
{
	size_t n = cJSON_IsString(data) ? strlen(data->valuestring) : 0;

	return n / 4 * 3;
}

/* A string member, or dflt. */
static const char *
mcp_str(const cJSON *o, const char *key, const char *dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* One content block into b. */
static void
mcp_content_block(struct buf *b, const cJSON *c)
{
	const char *type = mcp_str(c, "type", "");
	const cJSON *res;
	char *uri;

	if (b->len > 0 && b->s[b->len - 1] != '\n')
		(void)buf_putc(b, '\n');
	if (strcmp(type, "text") == 0) {
		(void)buf_puts(b, mcp_str(c, "text", ""));
	} else if (strcmp(type, "image") == 0 || strcmp(type, "audio") == 0) {
		(void)buf_printf(b, "[%s %.60s, %zu bytes, not shown]", type,
		    mcp_str(c, "mimeType", "?"),
		    mcp_b64_size(cJSON_GetObjectItemCaseSensitive(c, "data")));
	} else if (strcmp(type, "resource") == 0) {
		res = cJSON_GetObjectItemCaseSensitive(c, "resource");
		uri = mcp_one_line(mcp_str(res, "uri", "?"), 200);
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(res, "text")))
			(void)buf_printf(b, "[resource %s, %zu bytes of text, "
			    "not shown]", uri, strlen(mcp_str(res, "text", "")));
		else
			(void)buf_printf(b, "[resource %s, %zu bytes, not shown]",
			    uri, mcp_b64_size(
			    cJSON_GetObjectItemCaseSensitive(res, "blob")));
		free(uri);
	} else if (strcmp(type, "resource_link") == 0) {
		uri = mcp_one_line(mcp_str(c, "uri", "?"), 200);
		(void)buf_printf(b, "[resource link %s]", uri);
		free(uri);
	} else {
		uri = mcp_one_line(type, 40);
		(void)buf_printf(b, "[%s content, not shown]", uri);
		free(uri);
	}
}

/* See mcp-int.h. */
char *
mcp_result_text(const cJSON *result, int *is_error)
{
	const cJSON *content, *c, *sc;
	struct buf b;
	char *s;

	*is_error = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(result,
	    "isError"));
	buf_init(&b, MCP_MSG_MAX);
	content = cJSON_GetObjectItemCaseSensitive(result, "content");
	if (cJSON_IsArray(content))
		cJSON_ArrayForEach(c, content)
			mcp_content_block(&b, c);
	sc = cJSON_GetObjectItemCaseSensitive(result, "structuredContent");
	if (b.len == 0 && sc != NULL && (s = cJSON_PrintUnformatted(sc)) != NULL) {
		(void)buf_puts(&b, s);
		free(s);
	}
	if (b.len == 0)
		(void)buf_puts(&b, *is_error ? "(the tool failed and said "
		    "nothing)" : "(no output)");
	return buf_detach(&b, NULL);
}

/* 1 if c may stand in an OpenAI function name. */
static int
mcp_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* See mcp-int.h. */
int
mcp_server_name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 32 || strstr(s, "__") != NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (!mcp_name_char((unsigned char)s[i]))
			return -1;
	return 0;
}

/* See mcp-int.h. */
char *
mcp_tool_name(const char *server, const char *tool)
{
	char *o = xasprintf("mcp__%s__%s", server, tool);
	size_t i, n = strlen(o);
	unsigned long h = 5381;

	for (i = 0; i < n; i++) {
		if (!mcp_name_char((unsigned char)o[i]))
			o[i] = '_';
	}
	if (n > MCP_NAME_MAX) {
		/* Keep names distinct: a hash of the whole name ends it. */
		for (i = 0; tool[i] != '\0'; i++)
			h = h * 33 + (unsigned char)tool[i];
		(void)snprintf(o + MCP_NAME_MAX - 9, 10, "_%08lx",
		    h & 0xffffffffUL);
	}
	return o;
}
