/*
 * test_mcp.c: the MCP client's framing and shapes (rpc.c), then whole
 * servers over real pipes: tests/mcp_testserver, well-behaved and
 * misbehaving, driven through struct mcp on a real loop.
 */
#include "config.h"

#include <sys/stat.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/conf.h"
#include "cade/event.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/mcp.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "../src/mcp/mcp-int.h"
#include "tap.h"

static char tmpdir[] = "/tmp/cade-mcp-XXXXXX";
static const char *server_bin;

/* ---- rpc.c ---- */

static char lines_seen[8][64];
static int nlines;

static int
line_cb(const char *s, size_t n, void *arg)
{
	(void)arg;
	if (nlines < 8)
		(void)snprintf(lines_seen[nlines], sizeof lines_seen[0], "%.*s",
		    (int)n, s);
	nlines++;
	return 0;
}

static void
test_lines(void)
{
	struct mcp_lines l;

	mcp_lines_init(&l, 16);
	nlines = 0;
	ok(mcp_lines_feed(&l, "ab", 2, line_cb, NULL) == 0 && nlines == 0,
	    "a partial line waits");
	ok(mcp_lines_feed(&l, "c\r\nde\nf", 7, line_cb, NULL) == 0 &&
	    nlines == 2, "two lines complete across chunks");
	is_str(lines_seen[0], "abc", "CR before LF dropped, parts joined");
	is_str(lines_seen[1], "de", "a line inside one chunk");
	ok(mcp_lines_feed(&l, "0123456789abcdefXYZ", 19, line_cb, NULL) == -1,
	    "a line over the cap is an error");
	ok(mcp_lines_feed(&l, "\n", 1, line_cb, NULL) == -1,
	    "and stays one");
	mcp_lines_free(&l);
}

static int
kind_of(const char *json, const char **why)
{
	cJSON *m = cJSON_Parse(json);
	int k = mcp_msg_kind(m, why);

	cJSON_Delete(m);
	return k;
}

static void
test_kinds(void)
{
	const char *why;
	cJSON *m;
	int64_t id = 0;

	is_int(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
	    &why), MCP_MSG_REQUEST, "request");
	is_int(kind_of("{\"jsonrpc\":\"2.0\",\"method\":\"x\"}", &why),
	    MCP_MSG_NOTIFY, "notification");
	is_int(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", &why),
	    MCP_MSG_REPLY, "reply");
	is_int(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1}}",
	    &why), MCP_MSG_REPLY, "error reply");
	is_int(kind_of("[1]", &why), MCP_MSG_BAD, "an array is not a message");
	is_int(kind_of("{\"id\":1,\"result\":{}}", &why), MCP_MSG_BAD,
	    "no jsonrpc member");
	is_int(kind_of("{\"jsonrpc\":\"2.0\",\"id\":{},\"result\":1}", &why),
	    MCP_MSG_BAD, "an object id");
	is_int(kind_of("{\"jsonrpc\":\"2.0\",\"id\":1}", &why), MCP_MSG_BAD,
	    "neither result nor error");
	is_int(kind_of("{\"jsonrpc\":\"2.0\",\"method\":3}", &why), MCP_MSG_BAD,
	    "a numeric method");
	m = cJSON_Parse("{\"id\":1e300}");
	ok(mcp_msg_id(m, &id) == 0, "an absurd id is refused, not cast");
	cJSON_Delete(m);
	m = cJSON_Parse("{\"id\":2.5}");
	ok(mcp_msg_id(m, &id) == 0, "a fractional id is refused");
	cJSON_Delete(m);
	m = cJSON_Parse("{\"id\":\"7\"}");
	ok(mcp_msg_id(m, &id) == 1 && id == 7, "a string id of digits");
	cJSON_Delete(m);
}

static void
test_shapes(void)
{
	cJSON *r;
	char *s;
	int err = 0;

	r = cJSON_Parse("{\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
	    "{\"type\":\"image\",\"data\":\"QUJDRA==\",\"mimeType\":\"image/png\"},"
	    "{\"type\":\"resource\",\"resource\":{\"uri\":\"file:///a\","
	    "\"text\":\"abc\"}},{\"type\":\"resource_link\",\"uri\":\"x://y\"},"
	    "{\"type\":\"weird\"}],\"isError\":true}");
	s = mcp_result_text(r, &err);
	ok(err == 1, "isError is an error");
	ok(strstr(s, "hi\n[image image/png, 6 bytes, not shown]") != NULL,
	    "text kept, image a placeholder with its size");
	ok(strstr(s, "[resource file:///a, 3 bytes of text, not shown]") != NULL,
	    "resource placeholder");
	ok(strstr(s, "[resource link x://y]") != NULL, "resource link");
	ok(strstr(s, "[weird content, not shown]") != NULL, "unknown type named");
	free(s);
	cJSON_Delete(r);
	r = cJSON_Parse("{\"content\":[],\"structuredContent\":{\"a\":1}}");
	s = mcp_result_text(r, &err);
	is_str(s, "{\"a\":1}", "structured content when there is no text");
	free(s);
	cJSON_Delete(r);
	r = cJSON_Parse("{\"message\":\"bad\\nthing\",\"code\":-32602}");
	s = mcp_error_text(r);
	is_str(s, "bad thing (code -32602)", "error text on one line");
	free(s);
	cJSON_Delete(r);
	s = mcp_tool_name("fs", "read.file/x");
	is_str(s, "mcp__fs__read_file_x", "tool names made OpenAI-safe");
	free(s);
	s = mcp_tool_name("fs", "a_very_long_tool_name_that_goes_on_and_on_"
	    "and_on_and_on_forever");
	ok(strlen(s) == 64, "long names cut to 64 bytes with a hash");
	free(s);
	ok(mcp_server_name_ok("my-server_1") == 0, "a good server name");
	ok(mcp_server_name_ok("a__b") != 0 && mcp_server_name_ok("a b") != 0 &&
	    mcp_server_name_ok("") != 0, "bad server names");
}

/* ---- servers ---- */

static char notices[8192];
static int nprogress;

static void
sink(const struct event *ev, void *arg)
{
	(void)arg;
	if (ev->type == EV_NOTICE) {
		strncat(notices, event_str(ev, "text", ""),
		    sizeof notices - strlen(notices) - 2);
		strncat(notices, "\n", sizeof notices - strlen(notices) - 1);
	} else if (ev->type == EV_TOOL_PROGRESS)
		nprogress++;
}

struct env {
	struct loop		*loop;
	struct event_bus	*bus;
	struct config		*cfg;
	struct mcp		*m;
};

/* Write the user mcp.json and open a set. */
static int
env_open(struct env *e, const char *json, const char *timeout, char **cause)
{
	char *dir = xasprintf("%s/config/cade", tmpdir), *path;
	FILE *f;

	(void)util_mkdir_p(dir, 0700);
	path = xasprintf("%s/mcp.json", dir);
	f = fopen(path, "w");
	fputs(json, f);
	fclose(f);
	free(path);
	free(dir);
	notices[0] = '\0';
	nprogress = 0;
	e->loop = loop_new();
	e->bus = event_bus_new();
	event_bus_subscribe(e->bus, sink, NULL);
	e->cfg = conf_new();
	(void)conf_set(e->cfg, "mcp_timeout", timeout, CONF_FLAG, cause);
	(void)conf_set(e->cfg, "mcp_call_timeout", "2", CONF_FLAG, cause);
	struct mcp_opts o = { .roots_uri = "file:///the/workspace" };
	e->m = mcp_new(e->loop, e->cfg, e->bus, &o, cause);
	return e->m != NULL ? 0 : -1;
}

static void
env_close(struct env *e)
{
	mcp_free(e->m);
	conf_free(e->cfg);
	event_bus_free(e->bus);
	loop_free(e->loop);
}

/* One server entry in JSON for the test server in mode. */
static char *
server_json(const char *mode, const char *log)
{
	return xasprintf("{\"mcpServers\":{\"t\":{\"command\":\"%s\",\"args\":"
	    "[\"--mode\",\"%s\",\"--log\",\"%s\"],\"env\":{\"TOKEN\":"
	    "\"secret-token-123\"}}}}", server_bin, mode, log);
}

struct done { struct tool_result *r; int n; };

static void
call_done(struct tool_result *r, void *arg)
{
	struct done *d = arg;

	d->r = r;
	d->n++;
}

/* Run a tool by its full name; wait (bounded) for done unless async. */
static const struct tool_entry *
env_call(struct env *e, const char *name, const char *args, struct done *d,
    struct tool_ctx *ctx, int wait)
{
	const struct tool_entry *t = tool_find_in(mcp_tools(e->m), name);
	cJSON *a = cJSON_Parse(args);
	uint64_t end = util_now_ms() + 15000;

	memset(d, 0, sizeof *d);
	memset(ctx, 0, sizeof *ctx);
	if (t == NULL) {
		cJSON_Delete(a);
		return NULL;
	}
	ctx->self = t;
	ctx->call_id = "call_1";
	t->exec(ctx, a, call_done, d);
	cJSON_Delete(a);
	while (wait && d->n == 0 && util_now_ms() < end)
		(void)loop_once(e->loop, 100);
	return t;
}

static int
file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int hit = 0;

	if (f == NULL)
		return 0;
	while (!hit && fgets(line, sizeof line, f) != NULL)
		hit = strstr(line, needle) != NULL;
	fclose(f);
	return hit;
}

static void
test_good_server(void)
{
	struct env e;
	struct done d;
	struct tool_ctx ctx;
	struct tool_effects fx;
	const struct tool_entry *t;
	char *cause = NULL, *log = xasprintf("%s/server.log", tmpdir);
	char *json = server_json("ok", log), *desc;
	uint64_t end;

	ok(env_open(&e, json, "10", &cause) == 0, "config read");
	if (getenv("CADE_LOG") != NULL)
		(void)log_open(getenv("CADE_LOG"), &cause);
	is_int(mcp_start(e.m, 1), 1, "the server is ready");
	if (notices[0] != '\0')
		diag("notices: %s", notices);
	is_int((long)mcp_tools(e.m)->n, 5, "both pages of tools/list offered");
	t = tool_find_in(mcp_tools(e.m), "mcp__t__echo");
	tool_describe_entry(t, "mcp__t__echo", NULL, &fx);
	ok(t != NULL && t->server_validates && fx.act.external != NULL &&
	    strcmp(fx.act.external, "mcp:t:echo") == 0 && !fx.act.mutating &&
	    fx.act.command == NULL && fx.act.npaths == 0,
	    "echo describes itself: a read-only call to server t, tool echo");
	tool_effects_free(&fx);
	t = tool_find_in(mcp_tools(e.m), "mcp__t__slow");
	tool_describe_entry(t, "mcp__t__slow", NULL, &fx);
	ok(t != NULL && fx.act.external != NULL && fx.act.mutating,
	    "slow: not read-only");
	tool_effects_free(&fx);
	desc = mcp_describe(e.m, 1);
	ok(strstr(desc, "ready") != NULL && strstr(desc, "2025-06-18") != NULL &&
	    strstr(desc, "mcp__t__big") != NULL, "describe: state, protocol, "
	    "tools");
	free(desc);
	ok(file_has(log, "\"protocolVersion\":\"2025-11-25\"") &&
	    file_has(log, "notifications/initialized"),
	    "initialize offered our latest version, then initialized");
	ok(file_has(log, "file:///the/workspace"), "roots/list answered with "
	    "the workspace");
	ok(file_has(log, "\"id\":900,\"result\":{}"), "the server's ping "
	    "answered");

	env_call(&e, "mcp__t__echo", "{\"text\":\"hi\",\"security_risk\":"
	    "\"LOW\"}", &d, &ctx, 1);
	ok(d.n == 1 && d.r != NULL && strcmp(d.r->text, "echo: hi") == 0 &&
	    !d.r->is_error, "a call's text comes back");
	ok(!file_has(log, "security_risk"), "cade's own security_risk is not "
	    "sent to the server");
	tool_result_free(d.r);

	env_call(&e, "mcp__t__big", "{\"bytes\":3000000}", &d, &ctx, 1);
	ok(d.n == 1 && d.r != NULL && strlen(d.r->text) == 3000000,
	    "a 3 MB result arrives whole (the agent caps what the model sees)");
	tool_result_free(d.r);

	t = env_call(&e, "mcp__t__slow", "{\"ms\":5000}", &d, &ctx, 0);
	end = util_now_ms() + 10000;
	while (nprogress == 0 && d.n == 0 && util_now_ms() < end)
		(void)loop_once(e.loop, 100);
	ok(nprogress > 0, "progress notifications become events");
	t->cancel(&ctx);
	ok(d.n == 1 && d.r != NULL && d.r->is_error &&
	    strstr(d.r->text, "cancelled") != NULL, "cancel ends the call at "
	    "once");
	tool_result_free(d.r);
	end = util_now_ms() + 10000;
	while (!file_has(log, "notifications/cancelled") && util_now_ms() < end)
		(void)loop_once(e.loop, 100);
	ok(file_has(log, "notifications/cancelled"), "the server is told");

	env_call(&e, "mcp__t__slow", "{\"ms\":8000}", &d, &ctx, 1);
	ok(d.n == 1 && d.r != NULL && d.r->is_error &&
	    strstr(d.r->text, "mcp_call_timeout") != NULL,
	    "a call past mcp_call_timeout fails with the setting named");
	tool_result_free(d.r);

	env_call(&e, "mcp__t__grow", "{}", &d, &ctx, 1);
	tool_result_free(d.r);
	end = util_now_ms() + 10000;
	while (tool_find_in(mcp_tools(e.m), "mcp__t__late") == NULL &&
	    util_now_ms() < end)
		(void)loop_once(e.loop, 100);
	ok(tool_find_in(mcp_tools(e.m), "mcp__t__late") != NULL,
	    "list_changed refreshes the offer");

	env_call(&e, "mcp__t__crash", "{}", &d, &ctx, 1);
	ok(d.n == 1 && d.r != NULL && d.r->is_error &&
	    strstr(d.r->text, "exited with status 3") != NULL,
	    "a server dying mid-call: the call fails saying so");
	tool_result_free(d.r);
	ok(strstr(notices, "server 't' exited with status 3; it is disabled") !=
	    NULL, "one notice names the server and what happened");
	is_int((long)mcp_tools(e.m)->n, 0, "its tools are withdrawn");
	env_close(&e);
	free(json);
	free(log);
}

/* A misbehaving server is disabled with a reason containing want. */
static void
bad_server(const char *mode, const char *timeout, const char *want)
{
	struct env e;
	char *cause = NULL, *log = xasprintf("%s/bad.log", tmpdir);
	char *json = server_json(mode, log);
	uint64_t t0 = util_now_ms();

	if (env_open(&e, json, timeout, &cause) != 0) {
		ok(0, "%s: config", mode);
		free(cause);
	} else {
		is_int(mcp_start(e.m, 1), 0, "bad server not ready");
		if (!ok(strstr(notices, want) != NULL, "%s: disabled, saying '%s'",
		    mode, want))
			diag("notices: %s", notices);
		ok(util_now_ms() - t0 < 15000, "%s: cade went on", mode);
		env_close(&e);
	}
	free(json);
	free(log);
}

static void
test_config_errors(void)
{
	struct env e;
	char *cause = NULL;

	ok(env_open(&e, "{\"mcpServers\":", "5", &cause) == -1 && cause != NULL &&
	    strstr(cause, "mcp.json: not a JSON object") != NULL,
	    "broken JSON: the file is named");
	free(cause);
	cause = NULL;
	env_close(&e);
	ok(env_open(&e, "{\"mcpServers\":{\"a b\":{\"command\":\"x\"}}}", "5",
	    &cause) == -1 && strstr(cause, "server name 'a b'") != NULL,
	    "a bad server name is refused");
	free(cause);
	cause = NULL;
	env_close(&e);
	ok(env_open(&e, "{\"mcpServers\":{\"a\":{\"command\":\"x\",\"args\":"
	    "\"-v\"}}}", "5", &cause) == -1 && strstr(cause, "\"args\" must be "
	    "an array") != NULL, "args must be an array");
	free(cause);
	cause = NULL;
	env_close(&e);
	ok(env_open(&e, "{\"mcpServers\":{\"a\":{\"command\":"
	    "\"/nonexistent/server\"}}}", "5", &cause) == 0 &&
	    mcp_start(e.m, 1) == 0 && strstr(notices, "failed to start: cannot "
	    "run '/nonexistent/server': not found") != NULL,
	    "a missing program is one notice, not a failure");
	env_close(&e);
}

static void
test_trust(void)
{
	char *root = xasprintf("%s/proj", tmpdir), *dir, *path;
	struct mcp_opts o;
	struct loop *loop = loop_new();
	struct config *cfg = conf_new();
	struct mcp *m;
	char *cause = NULL;
	FILE *f;

	dir = xasprintf("%s/.cade", root);
	(void)util_mkdir_p(dir, 0700);
	path = xasprintf("%s/mcp.json", dir);
	f = fopen(path, "w");
	fprintf(f, "{\"mcpServers\":{\"p\":{\"command\":\"%s\"}}}", server_bin);
	fclose(f);
	memset(&o, 0, sizeof o);
	o.project_root = root;
	o.user_file = "/nonexistent/mcp.json";
	m = mcp_new(loop, cfg, NULL, &o, &cause);
	ok(m != NULL && mcp_untrusted(m), "a project's servers wait for trust");
	ok(mcp_start(m, 1) == 0, "and are not started");
	ok(!mcp_trusted(root), "not trusted yet");
	ok(mcp_trust(m, &cause) == 0 && mcp_trusted(root), "trusting records "
	    "the file's digest");
	mcp_free(m);
	f = fopen(path, "a");
	fputs("\n", f);
	fclose(f);
	ok(!mcp_trusted(root), "an edited mcp.json must be trusted again");
	conf_free(cfg);
	loop_free(loop);
	free(path);
	free(dir);
	free(root);
}

int
main(void)
{
	char *bin, *cfg;

	signal(SIGPIPE, SIG_IGN);	/* as cade does */
	test_lines();
	test_kinds();
	test_shapes();
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	cfg = xasprintf("%s/config", tmpdir);
	setenv("XDG_CONFIG_HOME", cfg, 1);
	free(cfg);
	cfg = xasprintf("%s/state", tmpdir);
	setenv("XDG_STATE_HOME", cfg, 1);
	free(cfg);
	bin = xasprintf("%s/tests/mcp_testserver", getenv("top_builddir") ?
	    getenv("top_builddir") : ".");
	server_bin = bin;
	if (access(bin, X_OK) != 0) {
		tap_skip(1, "tests/mcp_testserver not built");
		free(bin);
		return tap_done();
	}
	test_good_server();
	bad_server("garbage", "5", "wrote a line that is not JSON");
	bad_server("hang", "1", "did not get ready within 1 s (mcp_timeout)");
	bad_server("proto", "5", "speaks protocol '1999-01-01'");
	bad_server("huge", "10", "sent a message over 16 MiB");
	bad_server("exit", "5", "exited with status 0");
	test_config_errors();
	test_trust();
	free(bin);
	{
		char *rm = xasprintf("rm -rf %s", tmpdir);

		(void)system(rm);
		free(rm);
	}
	return tap_done();
}
