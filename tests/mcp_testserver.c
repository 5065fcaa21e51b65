/*
 * mcp_testserver.c: a small MCP server on stdio for tests (doc/MCP.md).
 *
 *   tests/mcp_testserver [--mode MODE] [--log FILE]
 *
 * Speaks just enough of MCP 2025-11-25 for cade's client: initialize,
 * tools/list (two pages), tools/call, ping both ways, cancellation and
 * progress.  Every message it receives is appended to --log, one per line,
 * so tests can check what cade sent (notifications/cancelled, roots).
 *
 * Tools: echo {text} (readOnlyHint), slow {ms} (progress every 100 ms,
 * stops on notifications/cancelled without answering, as the spec says),
 * big {bytes} (a text that size), crash (exits mid-call), grow (answers,
 * then adds the tool "late" and sends notifications/tools/list_changed).
 *
 * Modes that misbehave on purpose: garbage (a non-JSON line instead of the
 * initialize reply), hang (never answers initialize), proto (an unknown
 * protocol version), huge (a 17 MiB line), exit (exits after initialize).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

static const char *mode = "ok";
static FILE *logfp;
static int grown;

/* Pending slow call. */
static struct {
	int	 active;
	double	 id;
	double	 token;
	int	 has_token;
	long	 ms;
	long	 done_ms;
} slow;

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Write one message and a newline. */
static void
send_msg(cJSON *m)
{
	char *s = cJSON_PrintUnformatted(m);

	fputs(s, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	free(s);
	cJSON_Delete(m);
}

static cJSON *
reply(const cJSON *id)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	cJSON_AddItemToObject(m, "id", cJSON_Duplicate(id, 1));
	return m;
}

static void
text_result(const cJSON *id, const char *text, int is_error)
{
	cJSON *m = reply(id), *r, *c, *t;

	r = cJSON_AddObjectToObject(m, "result");
	c = cJSON_AddArrayToObject(r, "content");
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "type", "text");
	cJSON_AddStringToObject(t, "text", text);
	cJSON_AddItemToArray(c, t);
	if (is_error)
		cJSON_AddBoolToObject(r, "isError", 1);
	send_msg(m);
}

static cJSON *
tool(const char *name, const char *desc, const char *schema, int ro)
{
	cJSON *t = cJSON_CreateObject(), *a;

	cJSON_AddStringToObject(t, "name", name);
	cJSON_AddStringToObject(t, "description", desc);
	cJSON_AddItemToObject(t, "inputSchema", cJSON_Parse(schema));
	if (ro) {
		a = cJSON_AddObjectToObject(t, "annotations");
		cJSON_AddBoolToObject(a, "readOnlyHint", 1);
	}
	return t;
}

static void
tools_list(const cJSON *id, const cJSON *params)
{
	const cJSON *cursor = cJSON_GetObjectItem(params, "cursor");
	cJSON *m = reply(id), *r, *arr;

	r = cJSON_AddObjectToObject(m, "result");
	arr = cJSON_AddArrayToObject(r, "tools");
	if (!cJSON_IsString(cursor)) {
		cJSON_AddItemToArray(arr, tool("echo", "Echo the text back",
		    "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":"
		    "\"string\"}},\"required\":[\"text\"]}", 1));
		cJSON_AddItemToArray(arr, tool("slow", "Wait ms milliseconds",
		    "{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":"
		    "\"number\"}}}", 0));
		cJSON_AddStringToObject(r, "nextCursor", "page2");
	} else {
		cJSON_AddItemToArray(arr, tool("big", "A text of that many bytes",
		    "{\"type\":\"object\",\"properties\":{\"bytes\":{\"type\":"
		    "\"number\"}}}", 1));
		cJSON_AddItemToArray(arr, tool("crash", "Exit mid-call",
		    "{\"type\":\"object\"}", 0));
		cJSON_AddItemToArray(arr, tool("grow", "Add a tool",
		    "{\"type\":\"object\"}", 0));
		if (grown)
			cJSON_AddItemToArray(arr, tool("late", "Added later",
			    "{\"type\":\"object\"}", 1));
	}
	send_msg(m);
}

static void
progress(void)
{
	cJSON *m = cJSON_CreateObject(), *p;

	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	cJSON_AddStringToObject(m, "method", "notifications/progress");
	p = cJSON_AddObjectToObject(m, "params");
	cJSON_AddNumberToObject(p, "progressToken", slow.token);
	cJSON_AddNumberToObject(p, "progress", (double)(now_ms() -
	    (slow.done_ms - slow.ms)));
	cJSON_AddNumberToObject(p, "total", (double)slow.ms);
	send_msg(m);
}

static void
tools_call(const cJSON *id, const cJSON *params)
{
	const cJSON *name = cJSON_GetObjectItem(params, "name");
	const cJSON *args = cJSON_GetObjectItem(params, "arguments");
	const cJSON *meta = cJSON_GetObjectItem(params, "_meta");
	const cJSON *v;
	char *s;
	long n;

	if (!cJSON_IsString(name)) {
		text_result(id, "no name", 1);
		return;
	}
	if (strcmp(name->valuestring, "echo") == 0) {
		v = cJSON_GetObjectItem(args, "text");
		n = (long)strlen(cJSON_IsString(v) ? v->valuestring : "") + 8;
		s = malloc((size_t)n);
		snprintf(s, (size_t)n, "echo: %s", cJSON_IsString(v) ?
		    v->valuestring : "");
		text_result(id, s, 0);
		free(s);
	} else if (strcmp(name->valuestring, "slow") == 0) {
		v = cJSON_GetObjectItem(args, "ms");
		slow.active = 1;
		slow.id = cJSON_IsNumber(id) ? id->valuedouble : 0;
		slow.ms = cJSON_IsNumber(v) ? (long)v->valuedouble : 1000;
		slow.done_ms = now_ms() + slow.ms;
		v = cJSON_GetObjectItem(meta, "progressToken");
		slow.has_token = cJSON_IsNumber(v);
		slow.token = slow.has_token ? v->valuedouble : 0;
	} else if (strcmp(name->valuestring, "big") == 0) {
		v = cJSON_GetObjectItem(args, "bytes");
		n = cJSON_IsNumber(v) ? (long)v->valuedouble : 1000;
		if (n < 0 || n > 64L * 1024 * 1024)
			n = 1000;
		s = malloc((size_t)n + 1);
		memset(s, 'x', (size_t)n);
		s[n] = '\0';
		text_result(id, s, 0);
		free(s);
	} else if (strcmp(name->valuestring, "crash") == 0) {
		exit(3);
	} else if (strcmp(name->valuestring, "grow") == 0) {
		cJSON *m = cJSON_CreateObject();

		text_result(id, "grown", 0);
		grown = 1;
		cJSON_AddStringToObject(m, "jsonrpc", "2.0");
		cJSON_AddStringToObject(m, "method",
		    "notifications/tools/list_changed");
		send_msg(m);
	} else {
		cJSON *m = reply(id), *e;

		e = cJSON_AddObjectToObject(m, "error");
		cJSON_AddNumberToObject(e, "code", -32602);
		cJSON_AddStringToObject(e, "message", "unknown tool");
		send_msg(m);
	}
}

static void
handle(const char *line)
{
	cJSON *m = cJSON_Parse(line), *r, *caps, *t, *info;
	const cJSON *method, *id, *params;

	if (logfp != NULL) {
		fprintf(logfp, "%s\n", line);
		fflush(logfp);
	}
	if (m == NULL)
		return;
	method = cJSON_GetObjectItem(m, "method");
	id = cJSON_GetObjectItem(m, "id");
	params = cJSON_GetObjectItem(m, "params");
	if (!cJSON_IsString(method)) {
		cJSON_Delete(m);
		return;		/* a reply to our ping */
	}
	if (strcmp(method->valuestring, "initialize") == 0) {
		if (strcmp(mode, "hang") == 0)
			goto out;
		if (strcmp(mode, "garbage") == 0) {
			fputs("Server listening... {not json\n", stdout);
			fflush(stdout);
			goto out;
		}
		if (strcmp(mode, "huge") == 0) {
			size_t i;

			for (i = 0; i < 17u * 1024 * 1024; i++)
				fputc('x', stdout);
			fputc('\n', stdout);
			fflush(stdout);
			goto out;
		}
		r = reply(id);
		t = cJSON_AddObjectToObject(r, "result");
		cJSON_AddStringToObject(t, "protocolVersion",
		    strcmp(mode, "proto") == 0 ? "1999-01-01" : "2025-06-18");
		caps = cJSON_AddObjectToObject(t, "capabilities");
		cJSON_AddObjectToObject(caps, "tools");
		cJSON_AddBoolToObject(cJSON_GetObjectItem(caps, "tools"),
		    "listChanged", 1);
		info = cJSON_AddObjectToObject(t, "serverInfo");
		cJSON_AddStringToObject(info, "name", "cade-testserver");
		cJSON_AddStringToObject(info, "version", "1.0");
		send_msg(r);
		if (strcmp(mode, "exit") == 0)
			exit(0);
	} else if (strcmp(method->valuestring, "notifications/initialized") == 0) {
		/* Ask for the roots and ping the client, as servers do. */
		cJSON *q = cJSON_CreateObject();

		cJSON_AddStringToObject(q, "jsonrpc", "2.0");
		cJSON_AddStringToObject(q, "id", "s1");
		cJSON_AddStringToObject(q, "method", "roots/list");
		send_msg(q);
		q = cJSON_CreateObject();
		cJSON_AddStringToObject(q, "jsonrpc", "2.0");
		cJSON_AddNumberToObject(q, "id", 900);
		cJSON_AddStringToObject(q, "method", "ping");
		send_msg(q);
	} else if (strcmp(method->valuestring, "tools/list") == 0) {
		tools_list(id, params);
	} else if (strcmp(method->valuestring, "tools/call") == 0) {
		tools_call(id, params);
	} else if (strcmp(method->valuestring, "ping") == 0) {
		r = reply(id);
		cJSON_AddObjectToObject(r, "result");
		send_msg(r);
	} else if (strcmp(method->valuestring, "notifications/cancelled") == 0) {
		const cJSON *rid = cJSON_GetObjectItem(params, "requestId");

		if (slow.active && cJSON_IsNumber(rid) &&
		    rid->valuedouble == slow.id)
			slow.active = 0;	/* no answer, as the spec says */
	} else if (id != NULL) {
		cJSON *e;

		r = reply(id);
		e = cJSON_AddObjectToObject(r, "error");
		cJSON_AddNumberToObject(e, "code", -32601);
		cJSON_AddStringToObject(e, "message", "method not found");
		send_msg(r);
	}
out:
	cJSON_Delete(m);
}

int
main(int argc, char **argv)
{
	static char buf[1 << 20];
	size_t len = 0;
	long next_progress = 0;
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--mode") == 0)
			mode = argv[i + 1];
		else if (strcmp(argv[i], "--log") == 0)
			logfp = fopen(argv[i + 1], "a");
	}
	fprintf(stderr, "mcp_testserver: mode %s\n", mode);
	for (;;) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		int timeout = -1;
		ssize_t n;
		char *nl;

		if (slow.active) {
			long now = now_ms();

			if (now >= slow.done_ms) {
				cJSON *id = cJSON_CreateNumber(slow.id);

				slow.active = 0;
				text_result(id, "slow: done", 0);
				cJSON_Delete(id);
				continue;
			}
			if (slow.has_token && now >= next_progress) {
				progress();
				next_progress = now + 100;
			}
			timeout = (int)(slow.done_ms - now);
			if (slow.has_token && timeout > 100)
				timeout = 100;
		}
		if (poll(&p, 1, timeout) < 0 && errno != EINTR)
			return 1;
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(0, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			return 0;
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			handle(buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof buf - 1)
			len = 0;	/* a line too long for a test: dropped */
	}
}
