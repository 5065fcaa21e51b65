/* test_jsonrpc: the ACP transport's line splitter and message classifier
 * (src/acp/jsonrpc.c): every split of a stream, the size cap, each error. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/jsonrpc.h"
#include "cade/util.h"
#include "tap.h"

struct lines {
	struct buf	 all;	/* lines joined by '|' */
	int		 n, too_long;
};

static void
on_line(const char *line, size_t len, int too_long, void *arg)
{
	struct lines *l = arg;

	if (too_long) {
		l->too_long++;
		return;
	}
	(void)buf_append(&l->all, line, len);
	(void)buf_putc(&l->all, '|');
	l->n++;
}

/* Feed s split at i and j; the joined lines. */
static char *
split_feed(const char *s, size_t i, size_t j, size_t max, int *too_long)
{
	struct jsonrpc_reader r;
	struct lines l;
	size_t n = strlen(s);

	memset(&l, 0, sizeof l);
	buf_init(&l.all, 0);
	jsonrpc_reader_init(&r, max, on_line, &l);
	jsonrpc_reader_feed(&r, s, i);
	jsonrpc_reader_feed(&r, s + i, j - i);
	jsonrpc_reader_feed(&r, s + j, n - j);
	jsonrpc_reader_finish(&r);
	jsonrpc_reader_free(&r);
	if (too_long != NULL)
		*too_long = l.too_long;
	return buf_detach(&l.all, NULL);
}

/* Classify a line; kind and code. */
static int
kind_of(const char *line, int *code)
{
	struct jsonrpc_msg m;
	int k;

	jsonrpc_parse(line, strlen(line), &m);
	k = (int)m.kind;
	*code = m.code;
	jsonrpc_msg_free(&m);
	return k;
}

int
main(void)
{
	const char *stream = "{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}";
	size_t i, j, n = strlen(stream);
	int bad = 0, code, tl;
	char *got, *line;
	struct jsonrpc_msg m;
	cJSON *id;

	for (i = 0; i <= n; i++)
		for (j = i; j <= n; j++) {
			got = split_feed(stream, i, j, 0, NULL);
			if (strcmp(got, "{\"a\":1}|{\"b\":2}|{\"c\":3}|") != 0)
				bad++;
			free(got);
		}
	ok(bad == 0, "every three-piece split gives the same lines (CRLF, "
	    "empty lines, last line without newline)");

	got = split_feed("0123456789\n{}\nabcdefghijklmnop\n{}\n", 3, 20, 8, &tl);
	ok(strcmp(got, "{}|{}|") == 0 && tl == 2, "lines over the cap are "
	    "reported once each and skipped to their newline (%s, %d)", got, tl);
	free(got);

	ok(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
	    "\"params\":{}}", &code) == JSONRPC_REQUEST, "a request");
	ok(kind_of("{\"jsonrpc\":\"2.0\",\"method\":\"session/cancel\","
	    "\"params\":{}}", &code) == JSONRPC_NOTIFICATION, "a notification");
	ok(kind_of("{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"result\":null}", &code) ==
	    JSONRPC_RESPONSE, "a response with a null result");
	ok(kind_of("{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":1}}", &code) ==
	    JSONRPC_RESPONSE, "an error response");
	ok(kind_of("{not json", &code) == JSONRPC_INVALID && code ==
	    JSONRPC_PARSE_ERROR, "broken JSON: parse error");
	ok(kind_of("{} x", &code) == JSONRPC_INVALID && code ==
	    JSONRPC_PARSE_ERROR, "text after the value: parse error");
	ok(kind_of("[1,2]", &code) == JSONRPC_INVALID && code ==
	    JSONRPC_INVALID_REQUEST, "a batch: invalid request");
	ok(kind_of("42", &code) == JSONRPC_INVALID && code ==
	    JSONRPC_INVALID_REQUEST, "not an object: invalid request");
	ok(kind_of("{\"id\":1,\"method\":\"x\"}", &code) == JSONRPC_INVALID &&
	    code == JSONRPC_INVALID_REQUEST, "no jsonrpc member: invalid request");
	ok(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"x\"}", &code) ==
	    JSONRPC_INVALID, "a fractional id is refused");
	ok(kind_of("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"x\"}", &code) ==
	    JSONRPC_INVALID, "an object id is refused");
	ok(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":3}",
	    &code) == JSONRPC_INVALID, "scalar params are refused");
	ok(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", &code) ==
	    JSONRPC_INVALID, "a non-string method is refused");
	ok(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1}", &code) == JSONRPC_INVALID,
	    "neither method nor result: invalid");
	ok(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":1,\"error\":{}}",
	    &code) == JSONRPC_INVALID, "both result and error: invalid");

	line = xstrdup("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"m\","
	    "\"params\":{\"k\":\"v\"}}");
	jsonrpc_parse(line, strlen(line), &m);
	free(line);
	ok(m.kind == JSONRPC_REQUEST && strcmp(m.method, "m") == 0 &&
	    m.id->valueint == 7 && cJSON_IsObject(m.params), "fields point into "
	    "the parsed message");
	line = jsonrpc_result(m.id, cJSON_CreateObject());
	ok(strcmp(line, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}") == 0,
	    "a result echoes the id: %s", line);
	free(line);
	jsonrpc_msg_free(&m);

	line = jsonrpc_error(NULL, JSONRPC_PARSE_ERROR, "bad\nline", NULL);
	ok(strcmp(line, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":"
	    "-32700,\"message\":\"bad\\nline\"}}") == 0 && strchr(line, '\n') ==
	    NULL, "an error without an id has a null id and no raw newline");
	free(line);
	id = cJSON_CreateString("s-1");
	line = jsonrpc_error(id, JSONRPC_METHOD_NOT_FOUND, "no", NULL);
	ok(strstr(line, "\"id\":\"s-1\"") != NULL, "string ids are kept");
	free(line);
	cJSON_Delete(id);
	line = jsonrpc_request(3, "session/request_permission", NULL);
	ok(strcmp(line, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":"
	    "\"session/request_permission\"}") == 0, "a request");
	free(line);
	line = jsonrpc_notification("session/update", cJSON_CreateObject());
	ok(strcmp(line, "{\"jsonrpc\":\"2.0\",\"method\":\"session/update\","
	    "\"params\":{}}") == 0, "a notification");
	free(line);
	diag("%d checks", tap_n);
	tap_plan(tap_n);
	return tap_failed != 0;
}
