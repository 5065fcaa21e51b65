/*
 * test_fakellm.c: the fake LLM server, checked from the outside.
 *
 * Starts the built server ($FAKELLM, else ./tests/fakellm; an optional
 * $FAKELLM_WRAPPER such as "valgrind -q --error-exitcode=9" is put in
 * front) with a script written here, reads the port it prints, and talks
 * to it through a raw-socket HTTP/1.1 client (no libcurl: the point is to
 * see the exact bytes).  Each block consumes the next scripted reply, so
 * the order of the blocks below follows the script.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cade/util.h"
#include "tap.h"

#define ARGS "{\"command\":\"grep -rn 'h\xc3\xa9llo' . | head\"," \
	"\"timeout\":30,\"note\":\"tab\\there\"}"

struct conn {
	int	 fd;
	char	*rb;
	size_t	 rlen;
	int	 eof;
};

struct resp {
	int	 status;
	char	*head;
	char	*body;
	size_t	 blen;
	int	 complete;	/* framing finished (length / last chunk) */
	int	 closed;	/* server closed the connection */
};

struct sse {
	char	*event[512];
	char	*data[512];
	int	 n;
};

static char tmpdir[] = "/tmp/test_fakellm.XXXXXX";
static pid_t server_pid;
static int server_port;

/* Spawn the server; returns the port it printed (0 on failure). */
static int
start_server(const char *script, const char *record, const char *port_file,
    pid_t *pid)
{
	const char *bin = getenv("FAKELLM"), *wrap = getenv("FAKELLM_WRAPPER");
	char *argv[32], *w = NULL, *tok, line[32];
	int p[2], argc = 0, port = 0;
	size_t n = 0;
	ssize_t r;

	if (bin == NULL || *bin == '\0')
		bin = "./tests/fakellm";
	if (wrap != NULL && *wrap != '\0') {
		w = xstrdup(wrap);
		for (tok = w; *tok != '\0' && argc < 20; ) {
			argv[argc++] = tok;
			tok += strcspn(tok, " ");
			if (*tok == ' ')
				*tok++ = '\0';
		}
	}
	argv[argc++] = (char *)bin;
	argv[argc++] = (char *)"--script";
	argv[argc++] = (char *)script;
	if (record != NULL) {
		argv[argc++] = (char *)"--record";
		argv[argc++] = (char *)record;
	}
	if (port_file != NULL) {
		argv[argc++] = (char *)"--port-file";
		argv[argc++] = (char *)port_file;
	}
	argv[argc++] = (char *)"--timeout";
	argv[argc++] = (char *)"60";
	argv[argc] = NULL;
	if (pipe(p) != 0)
		return 0;
	if ((*pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	free(w);
	while (n < sizeof line - 1 && (r = read(p[0], line + n, 1)) == 1) {
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(p[0]);
	if (sscanf(line, "%d", &port) != 1)
		return 0;
	return port;
}

/* Connect to the server. */
static void
conn_open(struct conn *c)
{
	struct sockaddr_in sin;

	memset(c, 0, sizeof *c);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)server_port);
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof sin) != 0)
		fatal("connect: %s", strerror(errno));
}

/* Close a client connection and free its read buffer. */
static void
conn_close(struct conn *c)
{
	close(c->fd);
	free(c->rb);
	memset(c, 0, sizeof *c);
}

/* Read more bytes (5 s cap); 0 at EOF or timeout. */
static int
conn_fill(struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	char tmp[65536];
	ssize_t n;

	if (c->eof || poll(&pfd, 1, 5000) != 1) {
		c->eof = 1;
		return 0;
	}
	n = read(c->fd, tmp, sizeof tmp);
	if (n <= 0) {
		c->eof = 1;
		return 0;
	}
	c->rb = xrealloc(c->rb, c->rlen + (size_t)n + 1);
	memcpy(c->rb + c->rlen, tmp, (size_t)n);
	c->rlen += (size_t)n;
	c->rb[c->rlen] = '\0';
	return 1;
}

/* Drop n bytes from the read buffer. */
static void
conn_eat(struct conn *c, size_t n)
{
	memmove(c->rb, c->rb + n, c->rlen - n);
	c->rlen -= n;
	c->rb[c->rlen] = '\0';
}

/* Value of a response header, or NULL (caller frees). */
static char *
header(const char *head, const char *name)
{
	const char *p = head;
	size_t nl = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			return xstrndup(p, strcspn(p, "\r\n"));
		}
	}
	return NULL;
}

/* Read one whole response (skipping 100 Continue). */
static void
resp_read(struct conn *c, struct resp *r)
{
	char *end, *v, *hl;
	size_t hlen, need, size, off;

	memset(r, 0, sizeof *r);
	r->body = xstrdup("");
again:
	while (c->rb == NULL || (end = strstr(c->rb, "\r\n\r\n")) == NULL)
		if (!conn_fill(c)) {
			r->closed = 1;
			return;
		}
	hlen = (size_t)(end - c->rb) + 4;
	r->status = (int)strtol(c->rb + 9, NULL, 10);
	if (r->status == 100) {
		conn_eat(c, hlen);
		goto again;
	}
	free(r->head);
	r->head = xstrndup(c->rb, hlen);
	conn_eat(c, hlen);
	if ((v = header(r->head, "Content-Length")) != NULL) {
		need = strtoul(v, NULL, 10);
		free(v);
		while (c->rlen < need && conn_fill(c))
			;
		r->complete = c->rlen >= need;
		need = c->rlen < need ? c->rlen : need;
		free(r->body);
		r->body = xstrndup(c->rb, need);
		r->blen = need;
		conn_eat(c, need);
	} else if ((v = header(r->head, "Transfer-Encoding")) != NULL) {
		free(v);
		for (;;) {
			while ((hl = c->rb ? strstr(c->rb, "\r\n") : NULL) ==
			    NULL)
				if (!conn_fill(c))
					goto closed;
			size = strtoul(c->rb, NULL, 16);
			off = (size_t)(hl - c->rb) + 2;
			need = off + size + 2;
			while (c->rlen < need)
				if (!conn_fill(c))
					goto closed;
			if (size == 0) {
				conn_eat(c, need);
				r->complete = 1;
				break;
			}
			r->body = xrealloc(r->body, r->blen + size + 1);
			memcpy(r->body + r->blen, c->rb + off, size);
			r->blen += size;
			r->body[r->blen] = '\0';
			conn_eat(c, need);
		}
	} else {
		while (conn_fill(c))
			;
		goto closed;
	}
	return;
closed:
	r->closed = 1;
}

/* Free a response's head and body. */
static void
resp_free(struct resp *r)
{
	free(r->head);
	free(r->body);
}

/* Send a request on c. */
static void
send_req(struct conn *c, const char *method, const char *path,
    const char *body, const char *extra)
{
	char *req;

	req = xasprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n%s",
	    method, path, server_port, strlen(body), extra ? extra : "", body);
	if (util_write_all(c->fd, req, strlen(req)) != 0)
		fatal("write: %s", strerror(errno));
	free(req);
}

/* One request on a fresh connection; the whole response. */
static void
do_req(const char *method, const char *path, const char *body,
    const char *extra, struct resp *r)
{
	struct conn c;

	conn_open(&c);
	send_req(&c, method, path, body, extra);
	resp_read(&c, r);
	conn_close(&c);
}

/* Split an SSE body into (event, data) pairs. */
static void
sse_split(const char *body, struct sse *s)
{
	const char *p = body, *end, *line, *eol;

	memset(s, 0, sizeof *s);
	while (*p != '\0' && s->n < 512) {
		end = strstr(p, "\n\n");
		if (end == NULL)
			end = p + strlen(p);
		for (line = p; line < end; line = eol + 1) {
			eol = memchr(line, '\n', (size_t)(end - line));
			if (eol == NULL)
				eol = end;
			if (strncmp(line, "event: ", 7) == 0)
				s->event[s->n] = xstrndup(line + 7,
				    (size_t)(eol - line - 7));
			else if (strncmp(line, "data: ", 6) == 0)
				s->data[s->n] = xstrndup(line + 6,
				    (size_t)(eol - line - 6));
			if (eol == end)
				break;
		}
		if (s->data[s->n] != NULL || s->event[s->n] != NULL)
			s->n++;
		p = *end ? end + 2 : end;
	}
}

/* Free what sse_split allocated. */
static void
sse_free(struct sse *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		free(s->event[i]);
		free(s->data[i]);
	}
}

/* Read a whole file; NULL if missing. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = xmalloc((size_t)n + 1);
	*len = fread(s, 1, (size_t)n, f);
	s[*len] = '\0';
	fclose(f);
	return s;
}

/* Error "type" (or "code" when code is set) of an error body. */
static char *
error_field(const char *body, const char *field)
{
	cJSON *o = cJSON_Parse(body), *e;
	char *v = NULL;

	e = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "error"), field);
	if (cJSON_IsString(e))
		v = xstrdup(e->valuestring);
	cJSON_Delete(o);
	return v;
}

/* Occurrences of needle in s (NULL counts none). */
static int
count(const char *s, const char *needle)
{
	int n = 0;

	while (s != NULL && (s = strstr(s, needle)) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* Monotonic milliseconds. */
static uint64_t
now_ms(void)
{
	return util_now_ms();
}

static const char script_text[] =
"{\"context_limit_tokens\": 2000, \"models\": [\"m-one\", \"m-two\"],\n"
" \"replies\": [\n"
/* 1 */ "  {\"content\": \"Checking.\", \"chunk_size\": 5, \"tool_calls\":"
	" [{\"id\": \"call_1\", \"name\": \"terminal\", \"arguments\": %s}]},\n"
/* 2 */ "  {\"content\": \"plain answer\", \"usage\": {\"prompt_tokens\": 11,"
	" \"completion_tokens\": 3, \"cached_tokens\": 2}},\n"
/* 3 */ "  {\"fault\": \"429\", \"retry_after\": 7},\n"
/* 4 */ "  {\"content\": \"abcdefghijkl\", \"chunk_size\": 2,"
	" \"fault\": \"drop\", \"after_chunks\": 3},\n"
/* 5 */ "  {\"content\": \"abcdefgh\", \"chunk_size\": 4,"
	" \"fault\": \"malformed\", \"after_chunks\": 2},\n"
/* 6 */ "  {\"content\": \"Hi there\", \"reasoning\": \"hmm\", \"chunk_size\": 3,"
	" \"tool_calls\": [{\"id\": \"call_9\", \"name\": \"glob\","
	" \"arguments\": \"{\\\"pattern\\\":\\\"*.c\\\"}\"}]},\n"
/* 7 */ "  {\"content\": \"ok\", \"usage\": {\"prompt_tokens\": 5,"
	" \"completion_tokens\": 1}},\n"
/* 8 */ "  {\"match\": \"MAGIC-WORD\", \"content\": \"x\"},\n"
/* 9 */ "  {\"match\": [\"MAGIC-WORD\", \"user\"], \"content\": \"matched\"},\n"
/* 10 */ "  {\"content\": \"abcdefgh\", \"chunk_size\": 4, \"fault\": \"stall\","
	" \"after_chunks\": 2, \"seconds\": 0.4},\n"
/* 11 */ "  {\"content\": \"chunked ok\"},\n"
/* 12 */ "  {\"content\": \"a\", \"tool_calls\": [{\"name\": \"x\", \"arguments\":"
	" \"[1,2,3,4]\"}, {\"name\": \"y\", \"arguments\": \"[5,6,7,8]\"}],"
	" \"chunk_size\": 2, \"interleave\": true}\n"
" ]}\n";

/* Streamed tool call, usage and recording (reply 1). */
static void
t_stream_tool_call(const char *recdir)
{
	const char *body = "{\"model\":\"test-model\",\"stream\":true,"
	    "\"stream_options\":{\"include_usage\":true},"
	    "\"messages\":[{\"role\":\"user\",\"content\":\"h\xc3\xa9 \\u00e9\"}]}";
	struct resp r;
	struct sse s;
	char args[512] = "", content[64] = "", *path, *rec, *ct;
	cJSON *o, *ch, *d, *tc, *u;
	int i, argchunks = 0, role = 0, usage = 0, done = 0, finish = 0;
	int idname = 0, model = 1, bad = 0;
	size_t len;

	do_req("POST", "/v1/chat/completions", body,
	    "Authorization: Bearer sk-test-123\r\n", &r);
	is_int(r.status, 200, "stream: 200");
	ct = header(r.head, "Content-Type");
	is_str(ct, "text/event-stream", "stream: event-stream content type");
	free(ct);
	ok(r.complete, "stream: chunked body terminated");
	sse_split(r.body, &s);
	for (i = 0; i < s.n; i++) {
		if (strcmp(s.data[i], "[DONE]") == 0) {
			done = i == s.n - 1;
			continue;
		}
		if ((o = cJSON_Parse(s.data[i])) == NULL) {
			bad++;
			continue;
		}
		if (strcmp(cJSON_GetObjectItem(o, "model")->valuestring,
		    "test-model") != 0)
			model = 0;
		ch = cJSON_GetObjectItem(o, "choices");
		if ((u = cJSON_GetObjectItem(o, "usage")) != NULL &&
		    cJSON_GetArraySize(ch) == 0 &&
		    cJSON_GetObjectItem(u, "prompt_tokens")->valueint ==
		    (int)strlen(body) / 4 &&
		    cJSON_GetObjectItem(u, "total_tokens") != NULL)
			usage++;
		d = cJSON_GetObjectItem(cJSON_GetArrayItem(ch, 0), "delta");
		if (i == 0 && cJSON_IsString(cJSON_GetObjectItem(d, "role")))
			role = 1;
		if (cJSON_IsString(cJSON_GetObjectItem(d, "content")))
			strncat(content, cJSON_GetObjectItem(d,
			    "content")->valuestring,
			    sizeof content - strlen(content) - 1);
		tc = cJSON_GetArrayItem(cJSON_GetObjectItem(d, "tool_calls"), 0);
		if (tc != NULL) {
			cJSON *fn = cJSON_GetObjectItem(tc, "function");
			const char *a = cJSON_GetObjectItem(fn,
			    "arguments")->valuestring;

			if (cJSON_GetObjectItem(tc, "id") != NULL &&
			    strcmp(cJSON_GetObjectItem(tc, "id")->valuestring,
			    "call_1") == 0 && strcmp(cJSON_GetObjectItem(fn,
			    "name")->valuestring, "terminal") == 0)
				idname++;
			if (*a != '\0')
				argchunks++;
			strncat(args, a, sizeof args - strlen(args) - 1);
		}
		ch = cJSON_GetObjectItem(cJSON_GetArrayItem(ch, 0),
		    "finish_reason");
		if (cJSON_IsString(ch) && strcmp(ch->valuestring,
		    "tool_calls") == 0)
			finish++;
		cJSON_Delete(o);
	}
	is_int(bad, 0, "stream: every chunk is JSON");
	is_str(args, ARGS, "stream: tool-call arguments round-trip byte-exact");
	ok(argchunks > 5, "stream: arguments came in %d chunks", argchunks);
	is_int(idname, 1, "stream: id and name once, on the first fragment");
	is_str(content, "Checking.", "stream: content round-trips");
	ok(role, "stream: role on the first chunk");
	is_int(finish, 1, "stream: finish_reason tool_calls once");
	is_int(usage, 1, "stream: one usage chunk with empty choices");
	ok(done, "stream: ends with [DONE]");
	ok(model, "stream: model echoed");
	sse_free(&s);
	resp_free(&r);

	path = xasprintf("%s/req-0001.json", recdir);
	rec = slurp(path, &len);
	ok(rec != NULL && len == strlen(body) && memcmp(rec, body, len) == 0,
	    "record: exact request body");
	free(rec);
	free(path);
	path = xasprintf("%s/req-0001.meta", recdir);
	rec = slurp(path, &len);
	ok(rec != NULL && strstr(rec, "POST /v1/chat/completions HTTP/1.1\n") ==
	    rec && strstr(rec, "\nAuthorization: Bearer sk-test-123\n") != NULL,
	    "record: meta has request line and Authorization");
	free(rec);
	free(path);
}

/* Non-stream reply, then a 429 on the same keep-alive connection. */
static void
t_keepalive_429(void)
{
	struct conn c;
	struct resp r;
	cJSON *o, *u;
	char *ra, *t;

	conn_open(&c);
	send_req(&c, "POST", "/chat/completions",
	    "{\"model\":\"m\",\"messages\":[]}", NULL);
	resp_read(&c, &r);
	is_int(r.status, 200, "plain: 200");
	o = cJSON_Parse(r.body);
	ok(o != NULL, "plain: body parses");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(o, "choices"), 0),
	    "message"), "content")), "plain answer", "plain: content");
	u = cJSON_GetObjectItem(o, "usage");
	ok(cJSON_GetObjectItem(u, "prompt_tokens")->valueint == 11 &&
	    cJSON_GetObjectItem(u, "total_tokens")->valueint == 14 &&
	    cJSON_GetObjectItem(cJSON_GetObjectItem(u,
	    "prompt_tokens_details"), "cached_tokens")->valueint == 2,
	    "plain: scripted usage");
	cJSON_Delete(o);
	resp_free(&r);

	send_req(&c, "POST", "/chat/completions", "{\"model\":\"m\"}", NULL);
	resp_read(&c, &r);
	is_int(r.status, 429, "429 on the same connection (keep-alive)");
	ra = header(r.head, "Retry-After");
	is_str(ra, "7", "429: Retry-After header");
	t = error_field(r.body, "code");
	is_str(t, "rate_limit_exceeded", "429: OpenAI error object");
	free(t);
	free(ra);
	resp_free(&r);
	conn_close(&c);
}

/* A drop mid-stream, then a malformed chunk. */
static void
t_drop_malformed(void)
{
	struct resp r;
	struct sse s;
	int i, bad = 0, done = 0;
	cJSON *o;

	do_req("POST", "/v1/chat/completions", "{\"stream\":true}", NULL, &r);
	is_int(r.status, 200, "drop: headers sent");
	ok(!r.complete && r.closed, "drop: closed before the end of the body");
	sse_split(r.body, &s);
	is_int(s.n, 3, "drop: exactly after_chunks events arrived");
	for (i = 0; i < s.n; i++)
		done += strcmp(s.data[i], "[DONE]") == 0;
	is_int(done, 0, "drop: no [DONE]");
	sse_free(&s);
	resp_free(&r);

	do_req("POST", "/v1/chat/completions", "{\"stream\":true}", NULL, &r);
	sse_split(r.body, &s);
	for (i = 0; i < s.n; i++) {
		if (strcmp(s.data[i], "[DONE]") == 0) {
			done++;
			continue;
		}
		if ((o = cJSON_Parse(s.data[i])) == NULL)
			bad = bad ? bad : i + 1;
		cJSON_Delete(o);
	}
	is_int(bad, 3, "malformed: the third event is invalid JSON");
	ok(done == 1 && r.complete, "malformed: the stream still ends");
	sse_free(&s);
	resp_free(&r);
}

/* Responses API, streamed and not. */
static void
t_responses(void)
{
	struct resp r;
	struct sse s;
	char text[64] = "", args[64] = "";
	cJSON *o, *u, *it;
	const char *type;
	int i, created = 0, completed = 0, names = 1, call_id = 0, bad = 0;

	do_req("POST", "/v1/responses",
	    "{\"model\":\"r-model\",\"stream\":true,\"input\":\"hi\"}", NULL, &r);
	is_int(r.status, 200, "responses stream: 200");
	sse_split(r.body, &s);
	for (i = 0; i < s.n; i++) {
		if ((o = cJSON_Parse(s.data[i])) == NULL) {
			bad++;
			continue;
		}
		type = cJSON_GetObjectItem(o, "type")->valuestring;
		if (s.event[i] == NULL || strcmp(s.event[i], type) != 0)
			names = 0;
		if (i == 0 && strcmp(type, "response.created") == 0)
			created = 1;
		if (strcmp(type, "response.output_text.delta") == 0)
			strncat(text, cJSON_GetObjectItem(o,
			    "delta")->valuestring, sizeof text - strlen(text) - 1);
		if (strcmp(type, "response.function_call_arguments.delta") == 0)
			strncat(args, cJSON_GetObjectItem(o,
			    "delta")->valuestring, sizeof args - strlen(args) - 1);
		it = cJSON_GetObjectItem(o, "item");
		if (strcmp(type, "response.output_item.added") == 0 &&
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "type")), "function_call") == 0 &&
		    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "call_id")), "call_9") == 0)
			call_id = 1;
		u = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "response"),
		    "usage");
		if (i == s.n - 1 && strcmp(type, "response.completed") == 0 &&
		    cJSON_IsNumber(cJSON_GetObjectItem(u, "input_tokens")) &&
		    cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(
		    o, "response"), "output")) == 3)
			completed = 1;
		cJSON_Delete(o);
	}
	is_int(bad, 0, "responses stream: every event is JSON");
	ok(names, "responses stream: event: line matches data.type");
	ok(created, "responses stream: starts with response.created");
	is_str(text, "Hi there", "responses stream: output_text deltas");
	is_str(args, "{\"pattern\":\"*.c\"}",
	    "responses stream: function_call_arguments deltas");
	ok(call_id, "responses stream: function_call item with call_id");
	ok(completed, "responses stream: ends with response.completed + usage");
	sse_free(&s);
	resp_free(&r);

	do_req("POST", "/v1/responses", "{\"model\":\"r-model\",\"input\":\"x\"}",
	    NULL, &r);
	o = cJSON_Parse(r.body);
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "output"), 0);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(it, "content"), 0), "text")), "ok",
	    "responses: non-stream output_text");
	u = cJSON_GetObjectItem(o, "usage");
	ok(cJSON_GetObjectItem(u, "output_tokens") != NULL &&
	    cJSON_GetObjectItem(u, "output_tokens")->valueint == 1,
	    "responses: non-stream usage");
	cJSON_Delete(o);
	resp_free(&r);
}

/* match, and the context limit that consumes nothing. */
static void
t_match_context(void)
{
	struct resp r;
	char *t, *big;
	size_t n = 9000;

	do_req("POST", "/v1/chat/completions", "{\"messages\":[]}", NULL, &r);
	t = error_field(r.body, "type");
	ok(r.status == 400 && t && strcmp(t, "fakellm_mismatch") == 0,
	    "match: a mismatch answers 400 fakellm_mismatch");
	free(t);
	resp_free(&r);

	big = xmalloc(n + 1);
	memset(big, 'a', n);
	memcpy(big, "{\"x\":\"", 6);
	memcpy(big + n - 2, "\"}", 2);
	big[n] = '\0';
	do_req("POST", "/v1/chat/completions", big, NULL, &r);
	t = error_field(r.body, "code");
	ok(r.status == 400 && t && strcmp(t, "context_length_exceeded") == 0,
	    "context: over the limit answers context_length_exceeded");
	free(t);
	free(big);
	resp_free(&r);

	do_req("POST", "/v1/chat/completions",
	    "{\"messages\":[{\"role\":\"user\",\"content\":\"MAGIC-WORD\"}]}",
	    NULL, &r);
	ok(r.status == 200 && strstr(r.body, "\"matched\"") != NULL,
	    "match: the next reply was not consumed by the context error");
	resp_free(&r);
}

/* A stalled stream does not hold up another connection. */
static void
t_stall(void)
{
	struct conn a;
	struct resp r, m;
	uint64_t t0, tb;
	cJSON *o;
	int found;

	t0 = now_ms();
	conn_open(&a);
	send_req(&a, "POST", "/v1/chat/completions", "{\"stream\":true}",
	    NULL);
	while (count(a.rb, "data: ") < 2 && conn_fill(&a))
		;
	tb = now_ms();
	do_req("GET", "/v1/models", "", NULL, &m);
	o = cJSON_Parse(m.body);
	found = cJSON_GetArraySize(cJSON_GetObjectItem(o, "data")) == 2 &&
	    strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(o, "data"), 1), "id")), "m-two") == 0;
	ok(found, "models: lists the script's models");
	ok(now_ms() - tb < 300, "stall: another connection is served"
	    " meanwhile (%llu ms)", (unsigned long long)(now_ms() - tb));
	cJSON_Delete(o);
	resp_free(&m);
	resp_read(&a, &r);
	ok(r.complete && strstr(r.body, "data: [DONE]") != NULL,
	    "stall: the stream resumes and ends");
	ok(now_ms() - t0 >= 380, "stall: it paused (%llu ms)",
	    (unsigned long long)(now_ms() - t0));
	resp_free(&r);
	conn_close(&a);
}

/* A chunked request body is recorded de-chunked; then interleave. */
static void
t_chunked_request(const char *recdir)
{
	const char *want = "{\"model\":\"m\",\"messages\":[]}";
	const char *req = "POST /v1/chat/completions HTTP/1.1\r\n"
	    "Host: x\r\nTransfer-Encoding: chunked\r\n"
	    "Expect: 100-continue\r\n\r\n"
	    "5\r\n{\"mod\r\n10\r\nel\":\"m\",\"message\r\n"
	    "6\r\ns\":[]}\r\n"
	    "0\r\n\r\n";
	struct conn c;
	struct resp r;
	struct sse s;
	char *path, *rec, x[16] = "", y[16] = "";
	size_t len;
	int i, alt = 0, last = -1, idx;
	cJSON *o, *tc, *a;

	conn_open(&c);
	if (util_write_all(c.fd, req, strlen(req)) != 0)
		fatal("write");
	resp_read(&c, &r);
	ok(r.status == 200 && strstr(r.body, "chunked ok") != NULL,
	    "chunked request: answered");
	resp_free(&r);
	conn_close(&c);
	/* The 12th request: t_stall's GET /models is numbered on its own. */
	path = xasprintf("%s/req-0012.json", recdir);
	rec = slurp(path, &len);
	is_str(rec, want, "chunked request: body recorded de-chunked");
	free(rec);
	free(path);
	path = xasprintf("%s/models-0001.meta", recdir);
	rec = slurp(path, &len);
	ok(rec != NULL && strncmp(rec, "GET /v1/models ", 15) == 0,
	    "a model list is recorded as models-0001.meta");
	free(rec);
	free(path);

	do_req("POST", "/v1/chat/completions", "{\"stream\":true}", NULL, &r);
	sse_split(r.body, &s);
	for (i = 0; i < s.n; i++) {
		o = cJSON_Parse(s.data[i]);
		tc = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		    cJSON_GetArrayItem(cJSON_GetObjectItem(o, "choices"), 0),
		    "delta"), "tool_calls"), 0);
		a = cJSON_GetObjectItem(cJSON_GetObjectItem(tc, "function"),
		    "arguments");
		if (cJSON_IsString(a) && *a->valuestring != '\0') {
			idx = cJSON_GetObjectItem(tc, "index")->valueint;
			strncat(idx ? y : x, a->valuestring, 8);
			alt += last != -1 && idx != last;
			last = idx;
		}
		cJSON_Delete(o);
	}
	ok(strcmp(x, "[1,2,3,4]") == 0 && strcmp(y, "[5,6,7,8]") == 0 &&
	    alt >= 8, "interleave: calls alternate and both reassemble");
	sse_free(&s);
	resp_free(&r);
}

/* Bad scripts are refused before listening. */
static void
t_bad_script(void)
{
	char *path = xasprintf("%s/bad.json", tmpdir);
	FILE *f = fopen(path, "w");
	pid_t pid;
	int st, port;

	fputs("{\"replies\":[{\"contnet\":\"typo\"}]}", f);
	fclose(f);
	port = start_server(path, NULL, NULL, &pid);
	waitpid(pid, &st, 0);
	ok(port == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 2,
	    "a script with an unknown key is refused");
	free(path);
}

int
main(void)
{
	char *script, *spath, *recdir, *pfile, *pf;
	struct resp r;
	FILE *f;
	size_t len;
	int st;
	long port = 0;
	uint64_t t0;
	char *t;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(tmpdir) == NULL)
		fatal("mkdtemp: %s", strerror(errno));
	t = xstrdup(ARGS);
	{
		/* The arguments string as a JSON string literal. */
		cJSON *j = cJSON_CreateString(t);
		char *lit = cJSON_PrintUnformatted(j);

		script = xasprintf(script_text, lit);
		free(lit);
		cJSON_Delete(j);
	}
	free(t);
	spath = xasprintf("%s/script.json", tmpdir);
	recdir = xasprintf("%s/rec", tmpdir);
	pfile = xasprintf("%s/port", tmpdir);
	f = fopen(spath, "w");
	fputs(script, f);
	fclose(f);
	free(script);

	server_port = start_server(spath, recdir, pfile, &server_pid);
	if (!ok(server_port > 0, "server printed its port")) {
		tap_done();
		return 1;
	}
	pf = slurp(pfile, &len);
	ok(pf != NULL && util_parse_long(util_trim(pf), 1, 65535, &port) == 0 &&
	    port == server_port, "port file matches");
	free(pf);

	t_stream_tool_call(recdir);	/* request 1 */
	t_keepalive_429();		/* 2, 3 */
	t_drop_malformed();		/* 4, 5 */
	t_responses();			/* 6, 7 */
	t_match_context();		/* 8, 9, 10 */
	t_stall();			/* 11, 12 */
	t_chunked_request(recdir);	/* 13, 14 */

	do_req("POST", "/v1/chat/completions", "{}", NULL, &r);
	ok(r.status == 400 && strstr(r.body, "fakellm: script exhausted"),
	    "script exhausted: 400");
	resp_free(&r);

	t0 = now_ms();
	kill(server_pid, SIGTERM);
	waitpid(server_pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && now_ms() - t0 < 2000,
	    "SIGTERM: clean exit (status %d)", WIFEXITED(st) ?
	    WEXITSTATUS(st) : -1);

	t_bad_script();

	free(spath);
	free(recdir);
	free(pfile);
	if (tap_failed == 0) {
		char *cmd = xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			diag("cannot remove %s", tmpdir);
		free(cmd);
	} else
		diag("kept %s", tmpdir);
	return tap_done();
}
