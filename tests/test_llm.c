/*
 * test_llm.c: the LLM client against the fake server, through real HTTP.
 *
 * Each case writes a script, starts $FAKELLM (else ./tests/fakellm) with
 * --record, runs llm_send() on a real cade loop until done() and checks
 * the response, the callbacks (deltas, retries) and, through the recorded
 * requests, what went on the wire.  Timeouts and backoff delays are set
 * small so the whole program runs in a few seconds.
 */
#include "config.h"

#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/llm.h"
#include "cade/loop.h"
#include "cade/util.h"
#include "tap.h"

#define KEY "sk-test-0123456789abcdef"

struct run {
	struct buf		 text;		/* deltas, concatenated */
	struct buf		 reasoning;
	struct buf		 retries;	/* one line per retry() */
	int			 ndeltas;
	int			 nretries;
	uint64_t		 first_delay;
	struct llm_response	*resp;
	int			 ndone;
	int			 cancel_after;	/* llm_cancel after N deltas */
	struct llm		*llm;
};

struct server {
	pid_t	 pid;
	int	 port;
	char	 dir[64];	/* record directory */
};

static struct loop *loop;

/* Abort the test program on a failed append (buffers have no max). */
#define MUST(x) do { if ((x) == -1) abort(); } while (0)

/* Start fakellm on a script; fills srv (port 0 on failure). */
static void
server_start(struct server *srv, const char *script)
{
	const char *bin = getenv("FAKELLM");
	char path[128], line[32];
	int p[2];
	FILE *f;
	ssize_t r;
	size_t n = 0;

	memset(srv, 0, sizeof *srv);
	if (bin == NULL || *bin == '\0')
		bin = "./tests/fakellm";
	snprintf(srv->dir, sizeof srv->dir, "/tmp/test_llm.XXXXXX");
	if (mkdtemp(srv->dir) == NULL)
		fatal("mkdtemp");
	snprintf(path, sizeof path, "%s/script.json", srv->dir);
	if ((f = fopen(path, "w")) == NULL)
		fatal("fopen");
	fputs(script, f);
	fclose(f);
	if (pipe(p) == -1)
		fatal("pipe");
	if ((srv->pid = fork()) == 0) {
		char rec[96];

		snprintf(rec, sizeof rec, "%s/rec", srv->dir);
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(bin, bin, "--script", path, "--record", rec,
		    "--timeout", "60", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (n < sizeof line - 1 && (r = read(p[0], line + n, 1)) == 1 &&
	    line[n] != '\n')
		n++;
	line[n] = '\0';
	close(p[0]);
	{
		long port = 0;

		(void)util_parse_long(line, 1, 65535, &port);
		srv->port = (int)port;
	}
}

/* Stop the server and remove its files. */
static void
server_stop(struct server *srv)
{
	char cmd[128];

	if (srv->pid > 0) {
		kill(srv->pid, SIGTERM);
		waitpid(srv->pid, NULL, 0);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", srv->dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", srv->dir);
}

/* A recorded request body (n from 1), or NULL; caller frees. */
static char *
server_request(struct server *srv, int n, const char *ext)
{
	char path[128];
	struct buf b;
	FILE *f;
	char tmp[4096];
	size_t r;

	snprintf(path, sizeof path, "%s/rec/req-%04d.%s", srv->dir, n, ext);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	buf_init(&b, 0);
	while ((r = fread(tmp, 1, sizeof tmp, f)) > 0)
		MUST(buf_append(&b, tmp, r));
	fclose(f);
	{
		char *s = buf_detach(&b, NULL);

		buf_free(&b);
		return s;
	}
}

/* Number of recorded requests. */
static int
server_count(struct server *srv)
{
	char path[128];
	int n = 0;
	struct stat st;

	for (;;) {
		snprintf(path, sizeof path, "%s/rec/req-%04d.json", srv->dir,
		    n + 1);
		if (stat(path, &st) == -1)
			return n;
		n++;
	}
}

/* A config pointing at the server, with fast timeouts and backoff. */
static struct config *
config_for(struct server *srv)
{
	struct config *cfg = conf_new();
	char *url, *cause = NULL;
	static const char *const set[][2] = {
		{ "model", "fake-model" },
		{ "connect_timeout", "2" },
		{ "first_byte_timeout", "2" },
		{ "idle_timeout", "1" },
		{ "retry_max", "3" },
		{ "retry_base_ms", "20" },
		{ "retry_max_ms", "80" },
		{ "breaker_threshold", "3" },
		{ "breaker_cooldown", "60" },
		{ "extra_header", "X-Cade-Test: yes" },
	};
	size_t i;

	url = xasprintf("http://127.0.0.1:%d/v1/", srv->port);
	if (conf_set(cfg, "base_url", url, CONF_FLAG, &cause) == -1 ||
	    conf_set(cfg, "api_key", KEY, CONF_ENV, &cause) == -1)
		fatal("conf_set: %s", cause);
	free(url);
	for (i = 0; i < nitems(set); i++)
		if (conf_set(cfg, set[i][0], set[i][1], CONF_FLAG, &cause) == -1)
			fatal("conf_set %s: %s", set[i][0], cause);
	return cfg;
}

/* Set one more key or die. */
static void
cset(struct config *cfg, const char *k, const char *v)
{
	char *cause = NULL;

	if (conf_set(cfg, k, v, CONF_FLAG, &cause) == -1)
		fatal("conf_set %s: %s", k, cause);
}

static void
on_text(const char *s, size_t n, void *arg)
{
	struct run *r = arg;

	MUST(buf_append(&r->text, s, n));
	r->ndeltas++;
	if (r->cancel_after > 0 && r->ndeltas == r->cancel_after)
		llm_cancel(r->llm);
}

static void
on_reasoning(const char *s, size_t n, void *arg)
{
	struct run *r = arg;

	MUST(buf_append(&r->reasoning, s, n));
}

static void
on_retry(int attempt, int max, uint64_t delay, const char *reason,
    const char *model, void *arg)
{
	struct run *r = arg;

	if (r->nretries++ == 0)
		r->first_delay = delay;
	MUST(buf_printf(&r->retries, "%d/%d %s: %s\n", attempt, max, model,
	    reason));
	/* Deltas of a failed attempt are void. */
	buf_reset(&r->text);
	buf_reset(&r->reasoning);
}

static void
on_done(struct llm_response *resp, void *arg)
{
	struct run *r = arg;

	r->ndone++;
	if (r->resp != NULL)
		llm_response_free(r->resp);
	r->resp = resp;
}

static void
run_init(struct run *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->text, 0);
	buf_init(&r->reasoning, 0);
	buf_init(&r->retries, 0);
}

static void
run_free(struct run *r)
{
	buf_free(&r->text);
	buf_free(&r->reasoning);
	buf_free(&r->retries);
	llm_response_free(r->resp);
	r->resp = NULL;
}

/* The standard request: a system and a user message, one tool. */
static cJSON *
messages_new(void)
{
	return cJSON_Parse("[{\"role\":\"system\",\"content\":\"You are a "
	    "test.\"},{\"role\":\"user\",\"content\":\"list the files\"}]");
}

static cJSON *
tools_new(void)
{
	return cJSON_Parse("[{\"type\":\"function\",\"function\":{\"name\":"
	    "\"terminal\",\"description\":\"Run a shell command.\","
	    "\"parameters\":{\"type\":\"object\",\"properties\":{\"command\":"
	    "{\"type\":\"string\"}},\"required\":[\"command\"]}}}]");
}

/* Send one request on l and run the loop until done() (10 s at most). */
static void
send_wait(struct llm *l, struct run *r, int with_tools, const char *model)
{
	struct llm_callbacks cb = { on_text, on_reasoning, on_retry, on_done,
	    r };
	struct llm_request req;
	uint64_t deadline = util_now_ms() + 10000;
	char *cause = NULL;
	int before = r->ndone;

	memset(&req, 0, sizeof req);
	req.messages = messages_new();
	req.tools = with_tools ? tools_new() : NULL;
	req.model = model;
	r->llm = l;
	if (llm_send(l, &req, &cb, &cause) == -1)
		fatal("llm_send: %s", cause);
	/* The request is copied: the caller may free it at once. */
	cJSON_Delete((cJSON *)(uintptr_t)req.messages);
	cJSON_Delete((cJSON *)(uintptr_t)req.tools);
	while (r->ndone == before && util_now_ms() < deadline)
		loop_once(loop, 100);
	if (r->ndone == before) {
		diag("no done() within 10 s");
		llm_cancel(l);
	}
}

/* One case: a script, config tweaks, one request; r holds the result. */
struct tcase {
	struct server	 srv;
	struct config	*cfg;
	struct llm	*llm;
	struct run	 r;
};

static void
case_begin(struct tcase *t, const char *script)
{
	server_start(&t->srv, script);
	if (t->srv.port == 0)
		fatal("fakellm did not start (FAKELLM=%s)",
		    getenv("FAKELLM") ? getenv("FAKELLM") : "");
	t->cfg = config_for(&t->srv);
	run_init(&t->r);
	t->llm = NULL;
}

static void
case_send(struct tcase *t, int tools, const char *model)
{
	if (t->llm == NULL)
		t->llm = llm_new(loop, t->cfg);
	send_wait(t->llm, &t->r, tools, model);
}

static void
case_end(struct tcase *t)
{
	llm_free(t->llm);
	conf_free(t->cfg);
	run_free(&t->r);
	server_stop(&t->srv);
}

#define RESP_OK(t, name) do {						\
	ok((t)->r.resp != NULL && (t)->r.resp->status == LLM_OK,	\
	    "%s: ok", name);						\
	if ((t)->r.resp != NULL && (t)->r.resp->status != LLM_OK)	\
		diag("  %s: %s", llm_status_name((t)->r.resp->status),	\
		    (t)->r.resp->error);				\
} while (0)

#define RESP_IS(t, st, name) do {					\
	ok((t)->r.resp != NULL && (t)->r.resp->status == (st),		\
	    "%s: %s", name, llm_status_name(st));			\
	if ((t)->r.resp != NULL && (t)->r.resp->status != (st))	\
		diag("  got %s: %s", llm_status_name((t)->r.resp->status), \
		    (t)->r.resp->error ? (t)->r.resp->error : "");	\
} while (0)

/* Text streaming, usage, what the request looked like on the wire. */
static void
test_text(void)
{
	struct tcase t;
	char *body, *meta;
	cJSON *j;

	case_begin(&t, "{\"replies\":[{\"content\":\"Hello, streaming "
	    "world!\",\"chunk_size\":3,\"usage\":{\"prompt_tokens\":100,"
	    "\"completion_tokens\":20,\"cached_tokens\":40,"
	    "\"reasoning_tokens\":5}}]}");
	cset(t.cfg, "price_input", "2");
	cset(t.cfg, "price_output", "10");
	cset(t.cfg, "price_cached", "0.5");
	cset(t.cfg, "temperature", "0.2");
	cset(t.cfg, "max_tokens", "500");
	case_send(&t, 1, NULL);
	RESP_OK(&t, "text");
	is_str(t.r.resp->text, "Hello, streaming world!", "text: reply text");
	is_str(t.r.text.s, "Hello, streaming world!", "text: deltas add up");
	ok(t.r.ndeltas >= 7, "text: streamed in pieces (%d deltas)",
	    t.r.ndeltas);
	is_str(t.r.resp->finish_reason, "stop", "text: finish_reason");
	is_int(t.r.resp->ncalls, 0, "text: no calls");
	is_int(t.r.resp->incomplete, 0, "text: complete");
	is_str(t.r.resp->model, "fake-model", "text: model");
	ok(t.r.resp->usage.present && t.r.resp->usage.prompt_tokens == 100 &&
	    t.r.resp->usage.completion_tokens == 20 &&
	    t.r.resp->usage.cached_tokens == 40 &&
	    t.r.resp->usage.reasoning_tokens == 5, "text: usage read");
	/* 60 * 2 + 40 * 0.5 + 20 * 10 = 340 per million. */
	ok(t.r.resp->usage.cost > 0.000339 && t.r.resp->usage.cost < 0.000341,
	    "text: cost %.9f", t.r.resp->usage.cost);
	body = server_request(&t.srv, 1, "json");
	meta = server_request(&t.srv, 1, "meta");
	ok(body != NULL && meta != NULL, "text: request recorded");
	is_int((long long)t.r.resp->usage.request_bytes,
	    body ? (long long)strlen(body) : -1, "text: request bytes");
	ok(t.r.resp->usage.response_bytes > 500, "text: response bytes %zu",
	    t.r.resp->usage.response_bytes);
	j = cJSON_Parse(body ? body : "");
	ok(j != NULL && cJSON_IsTrue(cJSON_GetObjectItem(j, "stream")) &&
	    cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j,
	    "stream_options"), "include_usage")), "text: stream + usage asked");
	ok(j != NULL && cJSON_GetArraySize(cJSON_GetObjectItem(j, "tools")) == 1
	    && strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j,
	    "tool_choice")), "auto") == 0, "text: tools, tool_choice auto");
	ok(j != NULL && cJSON_GetObjectItem(j, "temperature") != NULL &&
	    cJSON_GetObjectItem(j, "temperature")->valuedouble == 0.2 &&
	    cJSON_GetObjectItem(j, "max_tokens")->valueint == 500,
	    "text: temperature and max_tokens sent");
	ok(j != NULL && cJSON_GetArraySize(cJSON_GetObjectItem(j,
	    "messages")) == 2, "text: messages sent");
	ok(meta != NULL && strstr(meta, "POST /v1/chat/completions") != NULL,
	    "text: endpoint path");
	ok(meta != NULL && strstr(meta, "Authorization: Bearer " KEY) != NULL,
	    "text: bearer key sent");
	ok(meta != NULL && strstr(meta, "X-Cade-Test: yes") != NULL,
	    "text: extra header sent");
	cJSON_Delete(j);
	free(body);
	free(meta);

	/* Totals after one request. */
	{
		const struct llm_totals *tot = llm_totals(t.llm);

		ok(tot->requests == 1 && tot->attempts == 1 &&
		    tot->prompt_tokens == 100 && tot->completion_tokens == 20 &&
		    tot->cost == t.r.resp->usage.cost && tot->request_bytes > 0,
		    "text: session totals");
	}
	case_end(&t);
}

/* Reasoning kept apart; UTF-8 split across chunks; no key, no header. */
static void
test_reasoning_utf8(void)
{
	struct tcase t;
	char *meta, *cause = NULL;

	case_begin(&t, "{\"replies\":[{\"reasoning\":\"Let me th\xc3\xadnk "
	    "\xe2\x80\x94 carefully.\",\"content\":\"Caf\xc3\xa9 \xe2\x82\xac"
	    "5 \xf0\x9f\x98\x80 na\xc3\xafve\",\"chunk_size\":1}]}");
	if (conf_set(t.cfg, "api_key", "", CONF_ENV, &cause) == -1)
		fatal("%s", cause);
	case_send(&t, 0, NULL);
	RESP_OK(&t, "utf8");
	is_str(t.r.resp->text, "Caf\xc3\xa9 \xe2\x82\xac" "5 \xf0\x9f\x98\x80 "
	    "na\xc3\xafve", "utf8: text intact");
	is_str(t.r.resp->reasoning, "Let me th\xc3\xadnk \xe2\x80\x94 "
	    "carefully.", "utf8: reasoning apart");
	is_str(t.r.reasoning.s, t.r.resp->reasoning, "utf8: reasoning deltas");
	ok(util_utf8_valid(t.r.resp->text, strlen(t.r.resp->text)),
	    "utf8: valid UTF-8");
	meta = server_request(&t.srv, 1, "meta");
	ok(meta != NULL && strstr(meta, "Authorization") == NULL,
	    "utf8: no key, no Authorization header");
	free(meta);
	case_end(&t);
}

/* Tool calls: one byte per chunk; two interleaved; quirks. */
static void
test_tool_calls(void)
{
	struct tcase t;
	const char *args = "{\"command\":\"grep -rn 'h\xc3\xa9llo' . | head\","
	    "\"timeout\":30}";
	char *script;

	script = xasprintf("{\"replies\":["
	    "{\"content\":\"Looking.\",\"tool_calls\":[{\"id\":\"call_a1\","
	    "\"name\":\"terminal\",\"arguments\":%s}],\"chunk_size\":1},"
	    "{\"tool_calls\":[{\"id\":\"call_x\",\"name\":\"terminal\","
	    "\"arguments\":\"{\\\"command\\\":\\\"ls -la\\\"}\"},"
	    "{\"id\":\"call_y\",\"name\":\"file_editor\",\"arguments\":"
	    "\"{\\\"path\\\":\\\"a.c\\\",\\\"command\\\":\\\"view\\\"}\"}],"
	    "\"interleave\":true,\"chunk_size\":2},"
	    "{\"tool_calls\":[{\"name\":\"think\",\"arguments\":\"\"},"
	    "{\"name\":\"finish\",\"arguments\":\"{}\"}],"
	    "\"no_finish_reason\":true,\"no_usage\":true},"
	    "{\"content\":\"plain\",\"finish_reason\":\"tool_calls\"}"
	    "]}", "\"{\\\"command\\\":\\\"grep -rn 'h\xc3\xa9llo' . | head\\\","
	    "\\\"timeout\\\":30}\"");
	case_begin(&t, script);
	free(script);

	case_send(&t, 1, NULL);
	RESP_OK(&t, "1-byte args");
	is_int(t.r.resp->ncalls, 1, "1-byte args: one call");
	if (t.r.resp->ncalls == 1) {
		is_str(t.r.resp->calls[0].arguments, args,
		    "1-byte args: arguments reassembled");
		is_str(t.r.resp->calls[0].id, "call_a1", "1-byte args: id");
		is_str(t.r.resp->calls[0].name, "terminal", "1-byte args: name");
	}
	is_str(t.r.resp->text, "Looking.", "1-byte args: text beside call");
	is_str(t.r.resp->finish_reason, "tool_calls", "1-byte args: finish");

	case_send(&t, 1, NULL);
	RESP_OK(&t, "interleaved");
	is_int(t.r.resp->ncalls, 2, "interleaved: two calls");
	if (t.r.resp->ncalls == 2) {
		is_str(t.r.resp->calls[0].id, "call_x", "interleaved: id 0");
		is_str(t.r.resp->calls[0].arguments, "{\"command\":\"ls -la\"}",
		    "interleaved: args 0");
		is_str(t.r.resp->calls[1].name, "file_editor",
		    "interleaved: name 1");
		is_str(t.r.resp->calls[1].arguments,
		    "{\"path\":\"a.c\",\"command\":\"view\"}",
		    "interleaved: args 1");
	}

	case_send(&t, 1, NULL);
	RESP_OK(&t, "quirks");
	is_int(t.r.resp->ncalls, 2, "quirks: two calls without ids");
	if (t.r.resp->ncalls == 2) {
		ok(strncmp(t.r.resp->calls[0].id, "call_", 5) == 0 &&
		    strcmp(t.r.resp->calls[0].id, t.r.resp->calls[1].id) != 0,
		    "quirks: ids made up, distinct (%s, %s)",
		    t.r.resp->calls[0].id, t.r.resp->calls[1].id);
		is_str(t.r.resp->calls[0].arguments, "{}",
		    "quirks: empty arguments become {}");
	}
	is_str(t.r.resp->finish_reason, "tool_calls",
	    "quirks: missing finish_reason inferred");
	is_int(t.r.resp->usage.present, 0, "quirks: no usage block");
	is_int(t.r.resp->incomplete, 0, "quirks: still complete");

	case_send(&t, 1, NULL);
	RESP_OK(&t, "tool_calls finish on text");
	is_int(t.r.resp->ncalls, 0, "text reply: no calls despite finish");
	is_str(t.r.resp->text, "plain", "text reply: text");
	case_end(&t);
}

/* A 2 MB reply, streamed. */
static void
test_large(void)
{
	struct tcase t;
	struct buf s, want;
	size_t i;

	buf_init(&want, 0);
	for (i = 0; want.len < 2 * 1024 * 1024; i++)
		MUST(buf_printf(&want, "line %zu: the quick brown fox \xc3\xa9 "
		    "jumps over the lazy dog\n", i));
	buf_init(&s, 0);
	MUST(buf_puts(&s, "{\"replies\":[{\"chunk_size\":1000,\"content\":\""));
	for (i = 0; i < want.len; i++) {
		if (want.s[i] == '\n')
			MUST(buf_puts(&s, "\\n"));
		else
			MUST(buf_putc(&s, want.s[i]));
	}
	MUST(buf_puts(&s, "\"}]}"));
	case_begin(&t, s.s);
	/* Not a timeout test: a sanitized build on a loaded machine stalls. */
	cset(t.cfg, "idle_timeout", "20");
	cset(t.cfg, "first_byte_timeout", "20");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "2 MB");
	ok(t.r.resp != NULL && strlen(t.r.resp->text) == want.len &&
	    strcmp(t.r.resp->text, want.s) == 0, "2 MB: text identical (%zu "
	    "bytes)", want.len);
	ok(t.r.text.len == want.len, "2 MB: deltas add up");
	ok(t.r.ndeltas > 1000, "2 MB: %d deltas", t.r.ndeltas);
	case_end(&t);
	buf_free(&s);
	buf_free(&want);
}

/* Timeouts: idle stall, first byte. */
static void
test_timeouts(void)
{
	struct tcase t;
	uint64_t t0;

	case_begin(&t, "{\"replies\":[{\"content\":\"partial then stall "
	    "forever\",\"chunk_size\":4,\"fault\":\"stall\",\"after_chunks\":3,"
	    "\"seconds\":4},{\"content\":\"recovered\"}]}");
	t0 = util_now_ms();
	case_send(&t, 0, NULL);
	RESP_OK(&t, "stall then retry");
	is_str(t.r.resp->text, "recovered", "stall: second attempt's text");
	is_int(t.r.nretries, 1, "stall: one retry");
	ok(strstr(t.r.retries.s, "stalled") != NULL, "stall: reason says "
	    "stalled (%s)", t.r.retries.s);
	ok(util_now_ms() - t0 < 3000, "stall: detected by idle timeout "
	    "(%llu ms)", (unsigned long long)(util_now_ms() - t0));
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"content\":\"partial then stall\","
	    "\"chunk_size\":4,\"fault\":\"stall\",\"after_chunks\":3,"
	    "\"seconds\":3}]}");
	cset(t.cfg, "retry_max", "1");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_TIMEOUT, "stall, no retries");
	ok(t.r.resp->incomplete && strlen(t.r.resp->text) > 0,
	    "stall: partial text kept, incomplete ('%s')", t.r.resp->text);
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"content\":\"late\","
	    "\"first_byte_delay_ms\":3000}]}");
	cset(t.cfg, "retry_max", "1");
	cset(t.cfg, "first_byte_timeout", "1");
	t0 = util_now_ms();
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_TIMEOUT, "first byte");
	ok(t.r.resp->error != NULL && strstr(t.r.resp->error, "no reply") !=
	    NULL, "first byte: message (%s)", t.r.resp->error);
	ok(util_now_ms() - t0 < 2500, "first byte: within the timeout");
	case_end(&t);
}

/* HTTP errors: retried ones and final ones. */
static void
test_http_errors(void)
{
	struct tcase t;
	static const struct {
		const char	*fault;
		enum llm_status	 st;
		const char	*needle;
	} stops[] = {
		{ "401", LLM_ERR_AUTH, "api_key" },
		{ "403", LLM_ERR_AUTH, "authentication" },
		{ "404", LLM_ERR_NOT_FOUND, "model 'fake-model'" },
		{ "context_length", LLM_ERR_CONTEXT, "context" },
		{ "400", LLM_ERR_BAD_REQUEST, "HTTP 400" },
	};
	char *script;
	size_t i;

	for (i = 0; i < nitems(stops); i++) {
		script = xasprintf("{\"replies\":[{\"fault\":\"%s\"},"
		    "{\"content\":\"must not be reached\"}]}", stops[i].fault);
		case_begin(&t, script);
		free(script);
		case_send(&t, 0, NULL);
		RESP_IS(&t, stops[i].st, stops[i].fault);
		ok(t.r.resp->error != NULL &&
		    strstr(t.r.resp->error, stops[i].needle) != NULL,
		    "%s: message names the problem (%s)", stops[i].fault,
		    t.r.resp->error);
		is_int(server_count(&t.srv), 1, "no retry");
		is_int(t.r.nretries, 0, "no retry callback");
		case_end(&t);
	}

	case_begin(&t, "{\"replies\":[{\"fault\":\"500\"},{\"fault\":\"502\"},"
	    "{\"content\":\"third time lucky\"}]}");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "5xx retried");
	is_str(t.r.resp->text, "third time lucky", "5xx: final text");
	is_int(t.r.nretries, 2, "5xx: two retries");
	ok(strstr(t.r.retries.s, "2/3 fake-model: server error") != NULL &&
	    strstr(t.r.retries.s, "3/3") != NULL, "5xx: retry numbering (%s)",
	    t.r.retries.s);
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"fault\":\"503\"},{\"fault\":\"503\"},"
	    "{\"fault\":\"503\"},{\"content\":\"not reached\"}]}");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_SERVER, "5xx exhausted");
	ok(strstr(t.r.resp->error, "3 attempts") != NULL,
	    "5xx exhausted: says how many attempts (%s)", t.r.resp->error);
	is_int(server_count(&t.srv), 3, "5xx exhausted: retry_max requests");
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"fault\":\"429\",\"retry_after\":1},"
	    "{\"content\":\"after the wait\"}]}");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "429 Retry-After");
	is_int((long long)t.r.first_delay, 1000, "429: Retry-After honoured");
	ok(strstr(t.r.retries.s, "rate limited") != NULL, "429: reason");
	case_end(&t);
}

/* Dropped and malformed streams. */
static void
test_broken_streams(void)
{
	struct tcase t;

	case_begin(&t, "{\"replies\":[{\"content\":\"this reply is cut off "
	    "midway\",\"chunk_size\":4,\"fault\":\"drop\",\"after_chunks\":3},"
	    "{\"content\":\"whole\"}]}");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "drop then retry");
	is_str(t.r.resp->text, "whole", "drop: retried reply");
	ok(strstr(t.r.retries.s, "dropped") != NULL ||
	    strstr(t.r.retries.s, "ended before") != NULL,
	    "drop: reason (%s)", t.r.retries.s);
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"content\":\"this reply is cut off "
	    "midway\",\"chunk_size\":4,\"fault\":\"drop\",\"after_chunks\":3}]}");
	cset(t.cfg, "retry_max", "1");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_NETWORK, "drop, no retries");
	ok(t.r.resp->incomplete && strncmp(t.r.resp->text, "this", 4) == 0,
	    "drop: partial kept, marked incomplete ('%s')", t.r.resp->text);
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"content\":\"no done\",\"fault\":"
	    "\"no_done\",\"no_finish_reason\":true},{\"content\":\"no done but "
	    "finished\",\"fault\":\"no_done\"}]}");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "no [DONE], no finish_reason: retried");
	is_int(t.r.nretries, 1, "no [DONE]: cut-off reply not used");
	is_str(t.r.resp->text, "no done but finished",
	    "no [DONE] after a finish_reason: accepted");
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"content\":\"bad\",\"fault\":"
	    "\"malformed\",\"after_chunks\":2},{\"content\":\"good\"}]}");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "malformed once");
	is_str(t.r.resp->text, "good", "malformed: retried once");
	ok(strstr(t.r.retries.s, "malformed") != NULL, "malformed: reason");
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"content\":\"bad\",\"fault\":"
	    "\"malformed\"},{\"content\":\"bad\",\"fault\":\"malformed\"},"
	    "{\"content\":\"not reached\"}]}");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_PROTOCOL, "malformed twice");
	ok(t.r.resp->error != NULL && strstr(t.r.resp->error, "'") != NULL &&
	    strstr(t.r.resp->error, "after a retry") != NULL,
	    "malformed: quotes an excerpt (%s)", t.r.resp->error);
	is_int(server_count(&t.srv), 2, "malformed: retried only once");
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"raw\":\"data: {\\\"choices\\\":[{"
	    "\\\"delta\\\":{\\\"content\\\":\\\"raw ok\\\"},\\\"finish_reason"
	    "\\\":\\\"stop\\\"}]}\",\"chunk_size\":5}]}");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "final event without newline");
	is_str(t.r.resp->text, "raw ok", "no trailing newline: parsed");
	case_end(&t);
}

/* stream = false; the Responses API, streamed and not. */
static void
test_formats(void)
{
	struct tcase t;
	char *body, *meta;
	cJSON *j;
	const char *script = "{\"replies\":[{\"reasoning\":\"hmm\","
	    "\"content\":\"Two files.\",\"tool_calls\":[{\"id\":\"c1\","
	    "\"name\":\"terminal\",\"arguments\":\"{\\\"command\\\":\\\"ls\\\"}\"},"
	    "{\"id\":\"c2\",\"name\":\"think\",\"arguments\":\"{}\"}],"
	    "\"chunk_size\":2,\"interleave\":true,\"usage\":{\"prompt_tokens\":"
	    "10,\"completion_tokens\":5,\"cached_tokens\":2,"
	    "\"reasoning_tokens\":1}}]}";
	int stream, resp;

	for (resp = 0; resp < 2; resp++) {
		for (stream = 0; stream < 2; stream++) {
			const char *name = resp ? stream ? "responses stream" :
			    "responses" : stream ? "chat stream" : "chat";

			case_begin(&t, script);
			cset(t.cfg, "stream", stream ? "true" : "false");
			cset(t.cfg, "wire_api", resp ? "responses" : "chat");
			case_send(&t, 1, NULL);
			RESP_OK(&t, name);
			is_str(t.r.resp->text, "Two files.", "  text");
			is_str(t.r.resp->reasoning, "hmm", "  reasoning");
			is_str(t.r.text.s, "Two files.", "  text callback");
			ok(t.r.resp->ncalls == 2 &&
			    strcmp(t.r.resp->calls[0].id, "c1") == 0 &&
			    strcmp(t.r.resp->calls[0].arguments,
			    "{\"command\":\"ls\"}") == 0 &&
			    strcmp(t.r.resp->calls[1].name, "think") == 0,
			    "  tool calls");
			ok(t.r.resp->usage.prompt_tokens == 10 &&
			    t.r.resp->usage.completion_tokens == 5 &&
			    t.r.resp->usage.cached_tokens == 2 &&
			    t.r.resp->usage.reasoning_tokens == 1, "  usage");
			body = server_request(&t.srv, 1, "json");
			meta = server_request(&t.srv, 1, "meta");
			j = cJSON_Parse(body ? body : "");
			ok(j != NULL && cJSON_IsBool(cJSON_GetObjectItem(j,
			    "stream")) && cJSON_IsTrue(cJSON_GetObjectItem(j,
			    "stream")) == stream, "  stream flag");
			if (resp) {
				const cJSON *tool = cJSON_GetArrayItem(
				    cJSON_GetObjectItem(j, "tools"), 0);

				ok(meta != NULL && strstr(meta,
				    "POST /v1/responses") != NULL, "  path");
				is_str(cJSON_GetStringValue(cJSON_GetObjectItem(
				    j, "instructions")), "You are a test.",
				    "  system prompt as instructions");
				ok(cJSON_GetArraySize(cJSON_GetObjectItem(j,
				    "input")) == 1 && tool != NULL &&
				    strcmp(cJSON_GetStringValue(
				    cJSON_GetObjectItem(tool, "name")),
				    "terminal") == 0, "  input and flat tools");
			} else
				ok(meta != NULL && strstr(meta,
				    "POST /v1/chat/completions") != NULL,
				    "  path");
			cJSON_Delete(j);
			free(body);
			free(meta);
			case_end(&t);
		}
	}

	/* The Responses API translation of a whole tool round. */
	case_begin(&t, "{\"replies\":[{\"content\":\"ok\"}]}");
	cset(t.cfg, "wire_api", "responses");
	{
		struct llm_callbacks cb = { on_text, on_reasoning, on_retry,
		    on_done, &t.r };
		struct llm_request req = { 0 };
		cJSON *m = cJSON_Parse("[{\"role\":\"system\",\"content\":\"S\"},"
		    "{\"role\":\"user\",\"content\":\"U\"},{\"role\":\"assistant\","
		    "\"content\":\"\",\"tool_calls\":[{\"id\":\"c9\",\"type\":"
		    "\"function\",\"function\":{\"name\":\"terminal\","
		    "\"arguments\":\"{\\\"command\\\":\\\"ls\\\"}\"}}]},"
		    "{\"role\":\"tool\",\"tool_call_id\":\"c9\",\"content\":"
		    "\"a.c\"}]");
		char *cause = NULL;
		uint64_t deadline = util_now_ms() + 5000;

		t.llm = llm_new(loop, t.cfg);
		req.messages = m;
		if (llm_send(t.llm, &req, &cb, &cause) == -1)
			fatal("%s", cause);
		cJSON_Delete(m);
		while (t.r.ndone == 0 && util_now_ms() < deadline)
			loop_once(loop, 100);
		body = server_request(&t.srv, 1, "json");
		ok(body != NULL && strstr(body, "{\"type\":\"function_call\","
		    "\"call_id\":\"c9\",\"name\":\"terminal\",\"arguments\":"
		    "\"{\\\"command\\\":\\\"ls\\\"}\"}") != NULL &&
		    strstr(body, "{\"type\":\"function_call_output\","
		    "\"call_id\":\"c9\",\"output\":\"a.c\"}") != NULL,
		    "responses: tool round translated");
		free(body);
	}
	case_end(&t);
}

/*
 * A conversation handed over as printed texts (what the agent does) makes
 * the same request, byte for byte, as the same conversation as a tree: in
 * the chat format (its body streamed from the texts, the tools spliced),
 * the Responses API and tools in the prompt (both parse the texts back).
 */
static void
test_texts_same(void)
{
	static const char *const modes[][2] = {
		{ "wire_api", "chat" }, { "wire_api", "responses" },
		{ "tool_calling", "prompt" },
	};
	struct llm_callbacks cb;
	struct llm_request req;
	struct tcase t;
	cJSON *m, *tools, *it;
	char *texts[4], *tools_text, *cause = NULL, *b1, *b2;
	size_t i, n;
	int form;
	uint64_t deadline;

	for (i = 0; i < nitems(modes); i++) {
		case_begin(&t, "{\"replies\":[{\"content\":\"ok\"},"
		    "{\"content\":\"ok\"}]}");
		cset(t.cfg, modes[i][0], modes[i][1]);
		t.llm = llm_new(loop, t.cfg);
		m = cJSON_Parse("[{\"role\":\"system\",\"content\":\"S\"},"
		    "{\"role\":\"user\",\"content\":\"U \\u00e9\\n\"},"
		    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
		    "[{\"id\":\"c9\",\"type\":\"function\",\"function\":"
		    "{\"name\":\"terminal\",\"arguments\":\"{\\\"command\\\":"
		    "\\\"ls\\\"}\"}}]},{\"role\":\"tool\",\"content\":\"a.c\","
		    "\"tool_call_id\":\"c9\"}]");
		tools = tools_new();
		n = 0;
		cJSON_ArrayForEach(it, m)
			texts[n++] = cJSON_PrintUnformatted(it);
		tools_text = cJSON_PrintUnformatted(tools);
		for (form = 0; form < 2; form++) {
			memset(&req, 0, sizeof req);
			memset(&cb, 0, sizeof cb);
			cb.text = on_text;
			cb.reasoning = on_reasoning;
			cb.retry = on_retry;
			cb.done = on_done;
			cb.arg = &t.r;
			req.tools = tools;
			if (form == 0)
				req.messages = m;
			else {
				req.texts = (const char *const *)texts;
				req.ntexts = n;
				req.tools_text = tools_text;
			}
			if (llm_send(t.llm, &req, &cb, &cause) == -1)
				fatal("%s", cause);
			deadline = util_now_ms() + 10000;
			while (t.r.ndone == form && util_now_ms() < deadline)
				loop_once(loop, 100);
		}
		b1 = server_request(&t.srv, 1, "json");
		b2 = server_request(&t.srv, 2, "json");
		ok(b1 != NULL && b2 != NULL && strcmp(b1, b2) == 0,
		    "%s = %s: printed messages make the same request", modes[i][0],
		    modes[i][1]);
		free(b1);
		free(b2);
		for (form = 0; form < (int)n; form++)
			free(texts[form]);
		free(tools_text);
		cJSON_Delete(m);
		cJSON_Delete(tools);
		case_end(&t);
	}
}

/* Prompt-based tool calling, forced and automatic. */
static void
test_prompt_tools(void)
{
	struct tcase t;
	char *body;

	case_begin(&t, "{\"replies\":[{\"content\":\"I will list them.\\n"
	    "```tool_call\\n{\\\"name\\\": \\\"terminal\\\", \\\"arguments\\\": "
	    "{\\\"command\\\": \\\"ls\\\"}}\\n```\\n\",\"chunk_size\":3}]}");
	cset(t.cfg, "tool_calling", "prompt");
	case_send(&t, 1, NULL);
	RESP_OK(&t, "prompt tools");
	ok(t.r.resp->ncalls == 1 && strcmp(t.r.resp->calls[0].name,
	    "terminal") == 0 && strcmp(t.r.resp->calls[0].arguments,
	    "{\"command\":\"ls\"}") == 0, "prompt tools: call parsed");
	is_str(t.r.resp->text, "I will list them.", "prompt tools: text left");
	ok(strstr(t.r.text.s, "```") == NULL, "prompt tools: fence not "
	    "streamed ('%s')", t.r.text.s);
	is_str(t.r.resp->finish_reason, "tool_calls", "prompt tools: finish");
	body = server_request(&t.srv, 1, "json");
	ok(body != NULL && strstr(body, "\"tools\"") == NULL &&
	    strstr(body, "# Tools") != NULL && strstr(body, "## terminal") !=
	    NULL, "prompt tools: tools described in the prompt, not sent");
	free(body);
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"fault\":\"400\",\"message\":"
	    "\"registry/tiny:1b does not support tools\"},{\"content\":"
	    "\"<tool_call>{\\\"name\\\":\\\"terminal\\\",\\\"arguments\\\":"
	    "{\\\"command\\\":\\\"pwd\\\"}}</tool_call>\"},"
	    "{\"content\":\"second request\"}]}");
	cset(t.cfg, "tool_calling", "auto");
	case_send(&t, 1, NULL);
	RESP_OK(&t, "auto tools");
	ok(t.r.resp->ncalls == 1 && strcmp(t.r.resp->calls[0].arguments,
	    "{\"command\":\"pwd\"}") == 0, "auto tools: fell back to prompt");
	ok(strstr(t.r.retries.s, "prompt-based") != NULL,
	    "auto tools: the switch is announced (%s)", t.r.retries.s);
	case_send(&t, 1, NULL);
	body = server_request(&t.srv, 3, "json");
	ok(body != NULL && strstr(body, "\"tools\"") == NULL,
	    "auto tools: remembered for the next request");
	free(body);
	case_end(&t);
}

/* Fallback models and the circuit breaker. */
static void
test_fallback(void)
{
	struct tcase t;
	char *body;

	case_begin(&t, "{\"replies\":[{\"fault\":\"429\"},{\"fault\":\"429\"},"
	    "{\"content\":\"from b\"}]}");
	cset(t.cfg, "retry_max", "2");
	cset(t.cfg, "fallback_models", "model-b");
	case_send(&t, 0, "model-a");
	RESP_OK(&t, "fallback");
	is_str(t.r.resp->model, "model-b", "fallback: answered by model-b");
	body = server_request(&t.srv, 3, "json");
	ok(body != NULL && strstr(body, "\"model\":\"model-b\"") != NULL,
	    "fallback: third request asks model-b");
	free(body);
	ok(strstr(t.r.retries.s, "trying fallback model model-b") != NULL,
	    "fallback: announced");
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"fault\":\"500\"},{\"content\":\"b1\"},"
	    "{\"fault\":\"502\"},{\"content\":\"b2\"},{\"content\":\"b3\"}]}");
	cset(t.cfg, "retry_max", "1");
	cset(t.cfg, "breaker_threshold", "2");
	cset(t.cfg, "fallback_models", "model-b");
	case_send(&t, 0, "model-a");
	is_str(t.r.resp->text, "b1", "breaker: first request falls back");
	case_send(&t, 0, "model-a");
	is_str(t.r.resp->text, "b2", "breaker: second request falls back");
	case_send(&t, 0, "model-a");
	is_str(t.r.resp->text, "b3", "breaker: third request answered");
	body = server_request(&t.srv, 5, "json");
	ok(body != NULL && strstr(body, "\"model\":\"model-b\"") != NULL &&
	    server_count(&t.srv) == 5, "breaker: open circuit skips model-a");
	free(body);
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"fault\":\"500\"},{\"content\":\"x\"}]}");
	cset(t.cfg, "retry_max", "1");
	cset(t.cfg, "breaker_threshold", "1");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_SERVER, "breaker, single model");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_SERVER, "breaker: open circuit fails fast");
	ok(strstr(t.r.resp->error, "circuit open") != NULL,
	    "breaker: says so (%s)", t.r.resp->error);
	is_int(server_count(&t.srv), 1, "breaker: nothing sent");
	case_end(&t);
}

static void
cancel_timer(struct loop *l, void *arg)
{
	llm_cancel(arg);
}

/* Cancellation from a delta callback and from the loop. */
static void
test_cancel(void)
{
	struct tcase t;
	uint64_t t0;

	case_begin(&t, "{\"replies\":[{\"content\":\"a long slow reply that "
	    "goes on and on\",\"chunk_size\":2,\"delay_ms\":100}]}");
	t.r.cancel_after = 3;
	t0 = util_now_ms();
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_CANCELLED, "cancel in callback");
	ok(t.r.resp->incomplete && strlen(t.r.resp->text) > 0 &&
	    strlen(t.r.resp->text) < 10, "cancel: partial kept ('%s')",
	    t.r.resp->text);
	ok(util_now_ms() - t0 < 1000, "cancel: at once");
	is_int(t.r.ndone, 1, "cancel: one done()");
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"content\":\"slow\",\"chunk_size\":1,"
	    "\"delay_ms\":300},{\"content\":\"next\"}]}");
	t.llm = llm_new(loop, t.cfg);
	loop_timer_add(loop, 400, cancel_timer, t.llm);
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_CANCELLED, "cancel from the loop");
	ok(!llm_busy(t.llm), "cancel: idle again");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "cancel: next request works");
	is_str(t.r.resp->text, "next", "cancel: next reply");
	case_end(&t);

	/* Cancel during a backoff wait. */
	case_begin(&t, "{\"replies\":[{\"fault\":\"429\",\"retry_after\":5}]}");
	t.llm = llm_new(loop, t.cfg);
	loop_timer_add(loop, 300, cancel_timer, t.llm);
	t0 = util_now_ms();
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_CANCELLED, "cancel during backoff");
	ok(util_now_ms() - t0 < 1500, "cancel: backoff abandoned");
	case_end(&t);
}

/* Rejected parameters are dropped or renamed; the key never shows. */
static void
test_adapt_and_secrets(void)
{
	struct tcase t;
	char *body;

	case_begin(&t, "{\"replies\":[{\"fault\":\"400\",\"message\":"
	    "\"Unsupported parameter: 'max_tokens' is not supported with this "
	    "model. Use 'max_completion_tokens' instead.\"},{\"content\":"
	    "\"fine\"}]}");
	cset(t.cfg, "max_tokens", "64");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "max_completion_tokens");
	body = server_request(&t.srv, 2, "json");
	ok(body != NULL && strstr(body, "\"max_completion_tokens\":64") !=
	    NULL && strstr(body, "\"max_tokens\"") == NULL,
	    "adapt: resent with max_completion_tokens");
	free(body);
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"fault\":\"401\",\"message\":"
	    "\"Incorrect API key provided: " KEY ".\"}]}");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_AUTH, "bad key");
	ok(t.r.resp->error != NULL && strstr(t.r.resp->error, KEY) == NULL &&
	    strstr(t.r.resp->error, "<secret-hidden>") != NULL,
	    "bad key: key masked in the message (%s)", t.r.resp->error);
	case_end(&t);
}

/* Failures in the other formats: Responses API, non-streamed, in-band. */
static void
test_format_failures(void)
{
	struct tcase t;

	case_begin(&t, "{\"replies\":[{\"content\":\"cut\",\"fault\":"
	    "\"no_done\"},{\"content\":\"completed\"},{\"fault\":"
	    "\"context_length\"}]}");
	cset(t.cfg, "wire_api", "responses");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "responses: no response.completed is retried");
	is_str(t.r.resp->text, "completed", "responses: complete reply used");
	is_int(t.r.nretries, 1, "responses: one retry");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_CONTEXT, "responses: context length");
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"content\":\"half a body\","
	    "\"fault\":\"drop\"},{\"content\":\"bad\",\"fault\":\"malformed\"},"
	    "{\"content\":\"whole body\"}]}");
	cset(t.cfg, "stream", "false");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "non-stream: drop and malformed retried");
	is_str(t.r.resp->text, "whole body", "non-stream: final text");
	is_int(t.r.nretries, 2, "non-stream: two retries");
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"raw\":\"data: {\\\"choices\\\":[{"
	    "\\\"delta\\\":{\\\"content\\\":\\\"par\\\"}}]}\\n\\ndata: {\\\"error"
	    "\\\":{\\\"message\\\":\\\"This model's maximum context length is "
	    "8192 tokens\\\",\\\"code\\\":\\\"context_length_exceeded\\\"}}\\n\\n"
	    "\"},{\"raw\":\"data: {\\\"error\\\":{\\\"message\\\":\\\"Rate limit "
	    "reached\\\",\\\"type\\\":\\\"rate_limit_error\\\"}}\\n\\n\"},"
	    "{\"content\":\"after in-band rate limit\"}]}");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_CONTEXT, "in-band error: context");
	ok(t.r.resp->incomplete && strcmp(t.r.resp->text, "par") == 0,
	    "in-band error: partial marked incomplete");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "in-band rate limit retried");
	ok(strstr(t.r.retries.s, "rate") != NULL, "in-band: reason (%s)",
	    t.r.retries.s);
	case_end(&t);
}

/* A script of raw replies (NULL-terminated), built with cJSON so the
 * bodies need one level of escaping only. */
static char *
raw_script(const char *first, ...)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "replies"), *o;
	const char *raw;
	va_list ap;
	char *s;

	va_start(ap, first);
	for (raw = first; raw != NULL; raw = va_arg(ap, const char *)) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "raw", raw);
		cJSON_AddItemToArray(arr, o);
	}
	va_end(ap);
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

/* A one-reply script: raw body, optional status, type and header. */
static char *
shape_script(const char *raw, long status, const char *ctype,
    const char *header, const char *retry_after)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "replies"), *o, *h;
	char *s;

	o = cJSON_CreateObject();
	if (raw != NULL)
		cJSON_AddStringToObject(o, "raw", raw);
	if (status != 0)
		cJSON_AddNumberToObject(o, "status", (double)status);
	if (ctype != NULL)
		cJSON_AddStringToObject(o, "content_type", ctype);
	if (header != NULL) {
		h = cJSON_AddArrayToObject(o, "headers");
		cJSON_AddItemToArray(h, cJSON_CreateString(header));
	}
	if (retry_after != NULL) {
		cJSON_AddStringToObject(o, "fault", "429");
		cJSON_AddStringToObject(o, "retry_after", retry_after);
	}
	cJSON_AddItemToArray(arr, o);
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

/*
 * Reply shapes of real providers, written from their public API
 * references, and replies that are not model replies at all.
 */
static void
test_provider_shapes(void)
{
	struct tcase t;
	char *script;
	uint64_t t0;

	/* Groq (OpenAI-compatible chat): usage only in x_groq.usage. */
	script = raw_script(
	    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
	    "\"created\":1730000000,\"model\":\"llama-3.1-8b-instant\","
	    "\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,"
	    "\"delta\":{\"role\":\"assistant\",\"content\":\"Hi.\"},"
	    "\"logprobs\":null,\"finish_reason\":null}],\"x_groq\":{\"id\":"
	    "\"req_1\"}}\n\n"
	    "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\","
	    "\"created\":1730000000,\"model\":\"llama-3.1-8b-instant\","
	    "\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,"
	    "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
	    "\"x_groq\":{\"id\":\"req_1\",\"usage\":{\"queue_time\":0.02,"
	    "\"prompt_tokens\":42,\"prompt_time\":0.003,\"completion_tokens\":7,"
	    "\"completion_time\":0.006,\"total_tokens\":49,\"total_time\":0.009}}}"
	    "\n\ndata: [DONE]\n\n", NULL);
	case_begin(&t, script);
	free(script);
	cset(t.cfg, "price_input", "1");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "groq");
	ok(t.r.resp != NULL && t.r.resp->usage.present &&
	    t.r.resp->usage.prompt_tokens == 42 &&
	    t.r.resp->usage.completion_tokens == 7 && t.r.resp->usage.cost > 0,
	    "groq: usage read from x_groq.usage (tokens and cost)");
	case_end(&t);

	/* Mistral (Magistral): reasoning as a "thinking" content block. */
	script = raw_script(
	    "data: {\"id\":\"m1\",\"object\":\"chat.completion.chunk\","
	    "\"created\":1730000000,\"model\":\"magistral-medium-latest\","
	    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
	    "\"content\":[{\"type\":\"thinking\",\"thinking\":[{\"type\":"
	    "\"text\",\"text\":\"Two and two \"}]}]},\"finish_reason\":null}]}\n\n"
	    "data: {\"id\":\"m1\",\"object\":\"chat.completion.chunk\","
	    "\"created\":1730000000,\"model\":\"magistral-medium-latest\","
	    "\"choices\":[{\"index\":0,\"delta\":{\"content\":[{\"type\":"
	    "\"thinking\",\"thinking\":[{\"type\":\"text\",\"text\":\"make four."
	    "\"}]}]},\"finish_reason\":null}]}\n\n"
	    "data: {\"id\":\"m1\",\"object\":\"chat.completion.chunk\","
	    "\"created\":1730000000,\"model\":\"magistral-medium-latest\","
	    "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"4\"},"
	    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,"
	    "\"total_tokens\":20,\"completion_tokens\":10}}\n\n"
	    "data: [DONE]\n\n", NULL);
	case_begin(&t, script);
	free(script);
	case_send(&t, 0, NULL);
	RESP_OK(&t, "mistral thinking");
	ok(t.r.resp != NULL && strcmp(t.r.resp->reasoning,
	    "Two and two make four.") == 0 && strcmp(t.r.resp->text, "4") == 0,
	    "mistral: thinking blocks are reasoning, not dropped (%s | %s)",
	    t.r.resp ? t.r.resp->reasoning : "", t.r.resp ? t.r.resp->text : "");
	case_end(&t);

	/* Responses API: an in-stream insufficient_quota error is billing. */
	script = raw_script(
	    "event: response.created\ndata: {\"type\":\"response.created\","
	    "\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"object\":"
	    "\"response\",\"status\":\"in_progress\",\"model\":\"gpt-4.1\","
	    "\"output\":[]}}\n\n"
	    "event: error\ndata: {\"type\":\"error\",\"sequence_number\":1,"
	    "\"code\":\"insufficient_quota\",\"message\":\"You exceeded your "
	    "current quota, please check your plan and billing details.\","
	    "\"param\":null}\n\n", NULL);
	case_begin(&t, script);
	free(script);
	cset(t.cfg, "wire_api", "responses");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_RATE, "insufficient_quota in the stream");
	is_int(t.r.nretries, 0, "insufficient_quota: not retried");
	case_end(&t);

	/* A 400 naming a parameter cade did not send: no identical resend. */
	case_begin(&t, "{\"replies\":[{\"fault\":\"400\",\"message\":"
	    "\"Invalid 'temperature': decimal above maximum value.\"},"
	    "{\"content\":\"unexpected\"}]}");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_BAD_REQUEST, "400 about an unsent temperature");
	is_int(server_count(&t.srv), 1, "unsent temperature: the request is not resent");
	case_end(&t);
	case_begin(&t, "{\"replies\":[{\"fault\":\"400\",\"message\":"
	    "\"Invalid 'temperature': decimal above maximum value.\"},"
	    "{\"content\":\"fine\"}]}");
	cset(t.cfg, "temperature", "0.5");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "400 about a sent temperature");
	{
		char *body = server_request(&t.srv, 2, "json");

		ok(body != NULL && strstr(body, "\"temperature\"") == NULL,
		    "sent temperature: resent without it");
		free(body);
	}
	case_end(&t);

	/* Absurd usage numbers: clamped (no undefined cast), flagged. */
	script = raw_script(
	    "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},"
	    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1e300,"
	    "\"completion_tokens\":12345678901234567890123456789012345678901234,"
	    "\"prompt_tokens_details\":{\"cached_tokens\":-5}}}\n\n"
	    "data: [DONE]\n\n", NULL);
	case_begin(&t, script);
	free(script);
	cset(t.cfg, "price_input", "2");
	cset(t.cfg, "price_output", "8");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "absurd usage");
	ok(t.r.resp != NULL && t.r.resp->usage.implausible &&
	    t.r.resp->usage.prompt_tokens == LLM_TOKENS_MAX &&
	    t.r.resp->usage.completion_tokens == LLM_TOKENS_MAX &&
	    t.r.resp->usage.cached_tokens == 0 && t.r.resp->usage.cost > 0,
	    "absurd usage: clamped to LLM_TOKENS_MAX, flagged, cost positive");
	case_end(&t);

	/* A 200 with an HTML page (a proxy's login): said, not retried. */
	script = shape_script("<!DOCTYPE html>\n<html><head><title>Sign in"
	    "</title></head><body><form action=\"/login\"></form></body></html>",
	    200, "text/html; charset=utf-8", NULL, NULL);
	case_begin(&t, script);
	free(script);
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_PROTOCOL, "HTML 200");
	ok(t.r.resp != NULL && strstr(t.r.resp->error, "HTML page") != NULL &&
	    strstr(t.r.resp->error, "Sign in") != NULL &&
	    strstr(t.r.resp->error, "[DONE]") == NULL,
	    "HTML 200: says an HTML page came back (%s)",
	    t.r.resp ? t.r.resp->error : "");
	is_int(t.r.nretries, 0, "HTML 200: not retried");
	case_end(&t);

	/* A compressed body nobody asked for. */
	script = shape_script("\x1f\x7f\x08 not really gzip", 200,
	    "text/event-stream", "Content-Encoding: gzip", NULL);
	case_begin(&t, script);
	free(script);
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_PROTOCOL, "unrequested gzip");
	ok(t.r.resp != NULL && strstr(t.r.resp->error, "'gzip'") != NULL &&
	    strstr(t.r.resp->error, "Content-Encoding") != NULL,
	    "unrequested gzip: says so (%s)", t.r.resp ? t.r.resp->error : "");
	is_int(t.r.nretries, 0, "unrequested gzip: not retried");
	case_end(&t);

	/* A proxy's 413 page is not a context-length error message. */
	script = shape_script("<html>\r\n<head><title>413 Request Entity Too "
	    "Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity "
	    "Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n"
	    "</html>\r\n", 413, "text/html", NULL, NULL);
	case_begin(&t, script);
	free(script);
	case_send(&t, 0, NULL);
	ok(t.r.resp != NULL && strstr(t.r.resp->error, "request too large "
	    "(HTTP 413") != NULL && strstr(t.r.resp->error, "context length") ==
	    NULL, "proxy 413: called too large, not context length (%s)",
	    t.r.resp ? t.r.resp->error : "");
	case_end(&t);

	/* Retry-After longer than cade waits: the server's ask is stated. */
	script = shape_script(NULL, 0, NULL, NULL, "3600");
	case_begin(&t, script);
	free(script);
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_RATE, "Retry-After: 3600");
	ok(t.r.resp != NULL && strstr(t.r.resp->error, "asked to wait 3600 s")
	    != NULL, "Retry-After: 3600: the wait asked for is stated (%s)",
	    t.r.resp ? t.r.resp->error : "");
	case_end(&t);

	/* A server that accepts and never answers: the overall deadline. */
	case_begin(&t, "{\"replies\":[{\"first_byte_delay_ms\":30000},"
	    "{\"first_byte_delay_ms\":30000},{\"first_byte_delay_ms\":30000},"
	    "{\"first_byte_delay_ms\":30000},{\"first_byte_delay_ms\":30000}]}");
	cset(t.cfg, "retry_max", "5");
	cset(t.cfg, "first_byte_timeout", "2");
	cset(t.cfg, "request_deadline", "3");
	t0 = util_now_ms();
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_TIMEOUT, "silent server");
	ok(t.r.resp != NULL && strstr(t.r.resp->error, "request_deadline") !=
	    NULL && util_now_ms() - t0 < 6000,
	    "silent server: the request deadline ends it (%s, %llu ms)",
	    t.r.resp ? t.r.resp->error : "",
	    (unsigned long long)(util_now_ms() - t0));
	case_end(&t);
}

/* Lone UTF-16 surrogates (a split emoji) become U+FFFD, in every format;
 * pairs and escaped backslashes are left alone. */
static void
test_lone_surrogates(void)
{
	struct tcase t;
	char *script;

	script = raw_script(
	    "data: {\"choices\":[{\"delta\":{\"content\":\"a\\ud83d\"}}]}\n\n"
	    "data: {\"choices\":[{\"delta\":{\"content\":\"\\ude00b\"}}]}\n\n"
	    "data: {\"choices\":[{\"delta\":{\"content\":\" \\ud83d\\ude00 "
	    "\\\\ud800 \\ud800\\ud800\"},\"finish_reason\":\"stop\"}]}\n\n"
	    "data: [DONE]\n\n", (char *)NULL);
	case_begin(&t, script);
	free(script);
	case_send(&t, 0, NULL);
	RESP_OK(&t, "surrogates: stream accepted");
	is_int(t.r.nretries, 0, "surrogates: stream not retried");
	is_str(t.r.resp->text, "a\xef\xbf\xbd\xef\xbf\xbd" "b \xf0\x9f\x98\x80 "
	    "\\ud800 \xef\xbf\xbd\xef\xbf\xbd",
	    "surrogates: lone ones replaced, pairs and escaped backslashes "
	    "kept");
	case_end(&t);

	script = raw_script("{\"choices\":[{\"message\":{\"role\":"
	    "\"assistant\",\"content\":\"x\\udc00y\"},\"finish_reason\":"
	    "\"stop\"}]}", (char *)NULL);
	case_begin(&t, script);
	free(script);
	cset(t.cfg, "stream", "false");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "surrogates: non-streamed body accepted");
	is_str(t.r.resp->text, "x\xef\xbf\xbdy", "surrogates: non-stream text");
	case_end(&t);

	script = raw_script("data: {\"type\":\"response.output_text.delta\","
	    "\"output_index\":0,\"delta\":\"r\\ud800\"}\n\n"
	    "data: {\"type\":\"response.completed\",\"response\":{\"status\":"
	    "\"completed\"}}\n\n", "{\"status\":\"completed\",\"output\":[{"
	    "\"type\":\"message\",\"content\":[{\"type\":\"output_text\","
	    "\"text\":\"w\\udbff!\"}]}]}", (char *)NULL);
	case_begin(&t, script);
	free(script);
	cset(t.cfg, "wire_api", "responses");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "surrogates: responses stream accepted");
	is_str(t.r.resp->text, "r\xef\xbf\xbd", "surrogates: responses stream");
	cset(t.cfg, "stream", "false");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "surrogates: responses body accepted");
	is_str(t.r.resp->text, "w\xef\xbf\xbd!", "surrogates: responses body");
	case_end(&t);
}

/* A call without a name is kept under a name no tool has, so the agent
 * answers it with an error and the history stays valid. */
static void
test_nameless_calls(void)
{
	struct tcase t;
	char *script;

	script = raw_script("{\"choices\":[{\"message\":{\"role\":"
	    "\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\","
	    "\"type\":\"function\",\"function\":{\"name\":null,\"arguments\":"
	    "\"{}\"}},{\"id\":\"c2\",\"type\":\"function\",\"function\":{"
	    "\"arguments\":\"{\\\"a\\\":1}\"}},{\"id\":\"c3\",\"type\":"
	    "\"function\",\"function\":{\"name\":\"terminal\",\"arguments\":"
	    "\"{}\"}}]},\"finish_reason\":\"tool_calls\"}]}", (char *)NULL);
	case_begin(&t, script);
	free(script);
	cset(t.cfg, "stream", "false");
	case_send(&t, 1, NULL);
	RESP_OK(&t, "nameless: non-stream");
	ok(t.r.resp->ncalls == 3 &&
	    strcmp(t.r.resp->calls[0].name, "invalid_tool_call") == 0 &&
	    strcmp(t.r.resp->calls[0].id, "c1") == 0 &&
	    strcmp(t.r.resp->calls[1].name, "invalid_tool_call") == 0 &&
	    strcmp(t.r.resp->calls[1].arguments, "{\"a\":1}") == 0 &&
	    strcmp(t.r.resp->calls[2].name, "terminal") == 0,
	    "nameless: null and missing names become invalid_tool_call");
	case_end(&t);

	script = raw_script(
	    "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
	    "\"id\":\"s1\",\"type\":\"function\",\"function\":{\"arguments\":"
	    "\"{\\\"x\\\"\"}}]}}]}\n\n"
	    "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
	    "\"function\":{\"arguments\":\":2}\"}}]},\"finish_reason\":"
	    "\"tool_calls\"}]}\n\n"
	    "data: [DONE]\n\n", (char *)NULL);
	case_begin(&t, script);
	free(script);
	case_send(&t, 1, NULL);
	RESP_OK(&t, "nameless: stream");
	ok(t.r.resp->ncalls == 1 &&
	    strcmp(t.r.resp->calls[0].name, "invalid_tool_call") == 0 &&
	    strcmp(t.r.resp->calls[0].id, "s1") == 0 &&
	    strcmp(t.r.resp->calls[0].arguments, "{\"x\":2}") == 0,
	    "nameless: no name fragment in the stream: invalid_tool_call");
	case_end(&t);
}

/* Prompt-based calling: a malformed tool_call block becomes a call the
 * agent refuses, not the final answer. */
static void
test_prompt_tools_malformed(void)
{
	struct tcase t;
	struct llm_tool_call *c;
	char *script;

	script = raw_script(
	    /* Unterminated fence, truncated JSON. */
	    "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
	    "\"Listing.\\n```tool_call\\n{\\\"name\\\": \\\"terminal\\\", "
	    "\\\"arguments\\\": {\\\"command\\\": \\\"ls\"},\"finish_reason\":"
	    "\"stop\"}]}",
	    /* Invalid JSON, no readable name. */
	    "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
	    "\"```tool_call\\n{oops}\\n```\"},\"finish_reason\":\"stop\"}]}",
	    /* An array with one bad element. */
	    "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
	    "\"<tool_call>[{\\\"name\\\":\\\"terminal\\\",\\\"arguments\\\":"
	    "{\\\"command\\\":\\\"pwd\\\"}},{\\\"arguments\\\":{}},{\\\"name"
	    "\\\":\\\"terminal\\\",\\\"arguments\\\":5}]</tool_call>\"},"
	    "\"finish_reason\":\"stop\"}]}",
	    /* A fence opened on the last line. */
	    "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
	    "\"Now:\\n```tool_call\"},\"finish_reason\":\"stop\"}]}",
	    /* Still plain text: a json block that is not a call. */
	    "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":"
	    "\"Example:\\n```json\\n{broken\\n```\"},\"finish_reason\":"
	    "\"stop\"}]}", (char *)NULL);
	case_begin(&t, script);
	free(script);
	cset(t.cfg, "stream", "false");
	cset(t.cfg, "tool_calling", "prompt");

	case_send(&t, 1, NULL);
	RESP_OK(&t, "bad block: unterminated");
	c = t.r.resp->calls;
	ok(t.r.resp->ncalls == 1 && strcmp(c[0].name, "terminal") == 0 &&
	    strcmp(c[0].arguments, "{\"name\": \"terminal\", \"arguments\": "
	    "{\"command\": \"ls") == 0, "bad block: unterminated fence is a "
	    "call with the raw text as arguments");
	is_str(t.r.resp->text, "Listing.", "bad block: fence taken out");
	is_str(t.r.resp->finish_reason, "tool_calls", "bad block: finish");

	case_send(&t, 1, NULL);
	c = t.r.resp->calls;
	ok(t.r.resp->ncalls == 1 &&
	    strcmp(c[0].name, "invalid_tool_call") == 0 &&
	    strcmp(c[0].arguments, "{oops}\n") == 0,
	    "bad block: invalid JSON without a name");
	is_str(t.r.resp->text, "", "bad block: nothing left as the answer");

	case_send(&t, 1, NULL);
	c = t.r.resp->calls;
	ok(t.r.resp->ncalls == 3 && strcmp(c[0].name, "terminal") == 0 &&
	    strcmp(c[0].arguments, "{\"command\":\"pwd\"}") == 0 &&
	    strcmp(c[1].name, "invalid_tool_call") == 0 &&
	    strcmp(c[2].name, "terminal") == 0 &&
	    strcmp(c[2].arguments, "5") == 0,
	    "bad block: array keeps good calls, bad elements become calls "
	    "the agent refuses");

	case_send(&t, 1, NULL);
	c = t.r.resp->calls;
	ok(t.r.resp->ncalls == 1 &&
	    strcmp(c[0].name, "invalid_tool_call") == 0 &&
	    strcmp(c[0].arguments, "") == 0 &&
	    strcmp(t.r.resp->text, "Now:") == 0,
	    "bad block: fence with no body");

	case_send(&t, 1, NULL);
	ok(t.r.resp->ncalls == 0 && strstr(t.r.resp->text, "{broken") != NULL,
	    "bad block: a broken ```json block stays text");
	case_end(&t);
}

/*
 * Nobody listening.  Before the endpoint ever answered: one message naming
 * it and what to check, no retry.  After it answered once (a server
 * restarting mid-session): retried as a transient failure.
 */
static void
test_refused(void)
{
	struct tcase t;

	case_begin(&t, "{\"replies\":[]}");
	kill(t.srv.pid, SIGTERM);
	waitpid(t.srv.pid, NULL, 0);
	t.srv.pid = 0;
	cset(t.cfg, "retry_max", "2");
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_NETWORK, "refused at first");
	ok(strstr(t.r.resp->error, "cannot reach the model endpoint http://"
	    "127.0.0.1:") != NULL && strstr(t.r.resp->error,
	    "connection refused") != NULL && strstr(t.r.resp->error,
	    "check --base-url") != NULL && strchr(t.r.resp->error, '\n') == NULL,
	    "refused at first: one line naming the endpoint, the cause and "
	    "what to check (%s)", t.r.resp->error);
	is_int(t.r.nretries, 0, "refused at first: not retried");
	case_end(&t);

	case_begin(&t, "{\"replies\":[{\"content\":\"hi\"}]}");
	cset(t.cfg, "retry_max", "2");
	cset(t.cfg, "retry_base_ms", "10");
	case_send(&t, 0, NULL);
	RESP_OK(&t, "reached once");
	kill(t.srv.pid, SIGTERM);
	waitpid(t.srv.pid, NULL, 0);
	t.srv.pid = 0;
	run_free(&t.r);
	run_init(&t.r);
	case_send(&t, 0, NULL);
	RESP_IS(&t, LLM_ERR_NETWORK, "refused later");
	ok(strstr(t.r.resp->error, "cannot connect") != NULL,
	    "refused later: message (%s)", t.r.resp->error);
	is_int(t.r.nretries, 1, "refused later: retried");
	case_end(&t);
}

/*
 * /models replies in the shapes providers document: OpenRouter (context
 * and per-token prices as strings), vLLM (max_model_len), llama.cpp server
 * (meta.n_ctx_train), Ollama and LM Studio (ids only), and junk.
 */
static int
models_parse(const char *s, size_t unused, struct llm_models *m, char **cause)
{
	(void)unused;
	return llm_models_parse(s, strlen(s), m, cause);
}

static void
test_models_parse(void)
{
	struct llm_models m;
	const struct llm_model_info *mi;
	char *cause = NULL;

	memset(&m, 0, sizeof m);
	ok(models_parse("{\"data\":[{\"id\":\"openai/gpt-4o\",\"context_length\":128000,"
	    "\"pricing\":{\"prompt\":\"0.0000025\",\"completion\":\"0.00001\"}},"
	    "{\"id\":\"meta/llama\",\"context_length\":1e300}]}", 0, &m, &cause) == 0 &&
	    m.n == 2, "models: OpenRouter's list");
	mi = llm_models_find(&m, "openai/gpt-4o");
	ok(mi != NULL && mi->context == 128000 && mi->price_in > 2.49 &&
	    mi->price_in < 2.51 && mi->price_out > 9.99 && mi->price_out < 10.01,
	    "models: context and prices per million tokens");
	mi = llm_models_find(&m, "meta/llama");
	ok(mi != NULL && mi->context == 0 && mi->price_in < 0,
	    "models: an absurd context is no context; no pricing is unknown");
	ok(models_parse("{\"object\":\"list\",\"data\":[{\"id\":\"Qwen\",\"max_model_len\":32768},"
	    "{\"id\":\"gguf\",\"meta\":{\"n_ctx_train\":4096}},{\"id\":\"llama3:8b\",\"object\":\"model\"},"
	    "{\"id\":\"\"},{\"name\":\"x\"}]}", 0, &m, &cause) == 0 && m.n == 5,
	    "models: vLLM, llama.cpp, Ollama shapes (nameless entries skipped)");
	ok(llm_models_find(&m, "Qwen")->context == 32768 &&
	    llm_models_find(&m, "gguf")->context == 4096, "models: max_model_len, n_ctx_train");
	ok(models_parse("{\"data\":[{\"id\":\"v\",\"architecture\":{\"input_modalities\":"
	    "[\"text\",\"image\"]}},{\"id\":\"t\",\"architecture\":{\"input_modalities\":"
	    "[\"text\"]}},{\"id\":\"u\",\"input_modalities\":[\"image\"]},"
	    "{\"id\":\"n\",\"architecture\":{\"input_modalities\":\"image\"}}]}", 0, &m,
	    &cause) == 0 && llm_models_find(&m, "v")->images == 1 &&
	    llm_models_find(&m, "t")->images == 0 &&
	    llm_models_find(&m, "u")->images == 1 &&
	    llm_models_find(&m, "n")->images == -1 &&
	    llm_models_find(&m, "Qwen")->images == -1,
	    "models: image input from input_modalities (unknown when not a list)");
	ok(models_parse("<html>login</html>", 0, &m, &cause) == -1 &&
	    cause != NULL, "models: a page that is not a list is an error");
	free(cause);
	/* The list written back (the cache's form) reads the same. */
	{
		struct llm_models w;
		char *text = llm_models_json(&m);
		size_t i, same = 0;

		memset(&w, 0, sizeof w);
		if (models_parse(text, 0, &w, &cause) == 0 && w.n == m.n)
			for (i = 0; i < m.n; i++)
				same += strcmp(w.v[i].id, m.v[i].id) == 0 &&
				    w.v[i].context == m.v[i].context &&
				    w.v[i].images == m.v[i].images &&
				    (w.v[i].price_in < 0) == (m.v[i].price_in < 0) &&
				    (w.v[i].price_out < 0) == (m.v[i].price_out < 0);
		is_int((long)same, (long)m.n, "models: the list written back "
		    "reads the same (image input and prices kept)");
		while (w.n > 0)
			free(w.v[--w.n].id);
		free(w.v);
		free(text);
	}
	while (m.n > 0)
		free(m.v[--m.n].id);
	free(m.v);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	loop = loop_new();
	test_text();
	test_reasoning_utf8();
	test_tool_calls();
	test_large();
	test_timeouts();
	test_http_errors();
	test_broken_streams();
	test_formats();
	test_prompt_tools();
	test_texts_same();
	test_fallback();
	test_cancel();
	test_adapt_and_secrets();
	test_format_failures();
	test_lone_surrogates();
	test_nameless_calls();
	test_prompt_tools_malformed();
	test_refused();
	test_provider_shapes();
	test_models_parse();
	loop_free(loop);
	return tap_done();
}
