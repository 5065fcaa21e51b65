/*
 * server.c: one MCP server, over stdio or streamable HTTP, on the loop.
 *
 * Life: start -> initialize (our latest protocol; we accept what the server
 * picks if we know it) -> notifications/initialized -> tools/list (every
 * page) -> ready.  notifications/tools/list_changed lists again.  Anything
 * that goes wrong before ready, a process that exits, a reply that is not
 * JSON-RPC, or a start that takes longer than mcp_timeout disables the
 * server with one line saying why; its calls in flight end with that line
 * as their error.  The server's stderr goes to the debug log only.
 *
 * stdio: a child on three pipes (spawn_pipes), one message per line each
 * way; writes are queued and flushed when the pipe takes them.
 * HTTP: every message is a POST with Accept: application/json,
 * text/event-stream; a reply comes back as one JSON body or as SSE events;
 * Mcp-Session-Id and MCP-Protocol-Version are sent once known.  Messages
 * that arrive inside a curl callback are queued and handled from a
 * zero-delay timer, so handling one can start or stop transfers.
 *
 * Requests the server sends us: ping and roots/list (the workspace) are
 * answered; anything else gets "method not found".
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cade/conf.h"
#include "cade/http.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/spawn.h"
#include "cade/sse.h"
#include "cade/util.h"

#include "mcp-int.h"

#define MCP_WBUF_MAX	(64u * 1024 * 1024)
#define MCP_ERRLINE_MAX	4096

struct mcp_req;
typedef void (*mcp_reply_fn)(struct mcp_server *, struct mcp_req *,
    const cJSON *result, const char *fail);

struct mcp_req {
	struct mcp_req		*next;
	struct mcp_server	*srv;
	int64_t			 id;
	char			*method;
	mcp_reply_fn		 reply;
	void			*arg;
	uint64_t		 timer;
};

/* An HTTP POST in flight. */
struct mcp_post {
	struct mcp_post		*next;
	struct mcp_server	*srv;
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			*body;
	struct buf		 in;
	struct sse_parser	*sse;
	int			 sse_mode;	/* Content-Type: text/event-stream */
	int64_t			 req_id;	/* the request it carries, 0: none */
	int			 finished;
	CURLcode		 rc;
};

struct mcp_call {
	struct mcp_tool		*tool;
	struct mcp_server	*srv;
	tool_done_fn		 done;
	void			*arg;
	int64_t			 id;
	char			*call_id;
};

struct mcp_server {
	struct mcp		*m;
	struct mcp_server_conf	 c;
	enum mcp_state		 state;
	char			*why;
	char			*proto;
	char			*info;		/* serverInfo name and version */
	int64_t			 next_id;
	struct mcp_req		*reqs;
	uint64_t		 start_timer;
	uint64_t		 reap_timer;
	int			 reap_tries;
	/* stdio */
	pid_t			 pid;
	int			 fd[3];
	struct buf		 wbuf;
	struct mcp_lines	 out;
	struct mcp_lines	 err;
	/* http */
	char			*session_id;
	struct mcp_post		*posts;
	cJSON			*inbox;		/* messages to handle from the timer */
	uint64_t		 drain_timer;
	/* tools */
	cJSON			*listing;	/* pages gathered by tools/list */
	int			 relist;	/* list_changed while listing */
	struct mcp_tool		**tools;
	size_t			 ntools;
	size_t			 bytes;		/* schema bytes offered */
	int			 in_handle;
};

static void	mcp_server_disable(struct mcp_server *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	mcp_server_handle(struct mcp_server *, cJSON *);
static void	mcp_server_list(struct mcp_server *, const char *cursor);
static void	mcp_stdio_exited(struct mcp_server *);

/* ---- requests ---- */

/* Find and unlink the request with this id. */
static struct mcp_req *
mcp_req_take(struct mcp_server *s, int64_t id)
{
	struct mcp_req **pp, *r;

	for (pp = &s->reqs; (r = *pp) != NULL; pp = &r->next) {
		if (r->id == id) {
			*pp = r->next;
			r->next = NULL;
			if (r->timer != 0)
				loop_timer_cancel(mcp_loop(s->m), r->timer);
			return r;
		}
	}
	return NULL;
}

static void
mcp_req_free(struct mcp_req *r)
{
	if (r == NULL)
		return;
	free(r->method);
	free(r);
}

static void	mcp_notify(struct mcp_server *, const char *, cJSON *);

/*
 * Give up on request r (taken from the pending list): tell the server why
 * (reason), then fail it with fail and free it.
 */
static void
mcp_req_abandon(struct mcp_server *s, struct mcp_req *r, const char *reason,
    const char *fail)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddNumberToObject(p, "requestId", (double)r->id);
	cJSON_AddStringToObject(p, "reason", reason);
	mcp_notify(s, "notifications/cancelled", p);
	r->reply(s, r, NULL, fail);
	mcp_req_free(r);
}

/* A request's deadline passed: tell the server, fail the request. */
static void
mcp_req_timeout(struct loop *loop, void *arg)
{
	struct mcp_req *r = arg;
	struct mcp_server *s = r->srv;

	(void)loop;
	r->timer = 0;
	if ((r = mcp_req_take(s, r->id)) == NULL)
		return;
	mcp_req_abandon(s, r, "timed out", "timeout");
}

/* ---- sending ---- */

/* Flush the stdio write queue as far as the pipe takes it. */
static int
mcp_stdio_flush(struct mcp_server *s)
{
	ssize_t n;

	while (s->wbuf.len > 0) {
		n = write(s->fd[0], s->wbuf.s, s->wbuf.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && errno == EPIPE) {
			/* It is exiting: say how once it has. */
			mcp_stdio_exited(s);
			return -1;
		}
		if (n <= 0) {
			mcp_server_disable(s, "cannot write to it: %s",
			    strerror(errno));
			return -1;
		}
		buf_consume(&s->wbuf, (size_t)n);
	}
	loop_fd_events(mcp_loop(s->m), s->fd[0], s->wbuf.len > 0 ? POLLOUT : 0);
	return 0;
}

static size_t	mcp_post_write(char *, size_t, size_t, void *);
static size_t	mcp_post_header(char *, size_t, size_t, void *);
static void	mcp_post_done(CURL *, CURLcode, void *);

/* Free a POST (no longer on the driver). */
static void
mcp_post_free(struct mcp_post *p)
{
	curl_easy_cleanup(p->easy);
	curl_slist_free_all(p->hdrs);
	sse_free(p->sse);
	buf_free(&p->in);
	free(p->body);
	free(p);
}

/* POST one message to an HTTP server. */
static int
mcp_http_send(struct mcp_server *s, const char *body, int64_t req_id)
{
	struct mcp_post *p = xcalloc(1, sizeof *p);
	const struct config *cfg = mcp_config(s->m);
	char *h, *cause = NULL;
	size_t i;

	p->srv = s;
	p->req_id = req_id;
	p->body = xstrdup(body);
	buf_init(&p->in, MCP_MSG_MAX);
	p->easy = curl_easy_init();
	if (p->easy == NULL)
		fatal("curl_easy_init failed");
	p->hdrs = curl_slist_append(p->hdrs, "Content-Type: application/json");
	p->hdrs = curl_slist_append(p->hdrs,
	    "Accept: application/json, text/event-stream");
	if (s->session_id != NULL) {
		h = xasprintf("Mcp-Session-Id: %s", s->session_id);
		p->hdrs = curl_slist_append(p->hdrs, h);
		free(h);
	}
	if (s->proto != NULL) {
		h = xasprintf("MCP-Protocol-Version: %s", s->proto);
		p->hdrs = curl_slist_append(p->hdrs, h);
		free(h);
	}
	for (i = 0; s->c.headers != NULL && s->c.headers[i] != NULL; i++)
		p->hdrs = curl_slist_append(p->hdrs, s->c.headers[i]);
	curl_easy_setopt(p->easy, CURLOPT_URL, s->c.url);
	curl_easy_setopt(p->easy, CURLOPT_HTTPHEADER, p->hdrs);
	curl_easy_setopt(p->easy, CURLOPT_POSTFIELDS, p->body);
	curl_easy_setopt(p->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(p->body));
	curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, mcp_post_write);
	curl_easy_setopt(p->easy, CURLOPT_WRITEDATA, p);
	curl_easy_setopt(p->easy, CURLOPT_HEADERFUNCTION, mcp_post_header);
	curl_easy_setopt(p->easy, CURLOPT_HEADERDATA, p);
	curl_easy_setopt(p->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(p->easy, CURLOPT_CONNECTTIMEOUT,
	    (long)conf_int(cfg, "mcp_timeout"));
	curl_easy_setopt(p->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
	p->next = s->posts;
	s->posts = p;
	if (http_add(mcp_http(s->m), p->easy, mcp_post_done, p,
	    &cause) == -1) {
		mcp_server_disable(s, "%s", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/* Send one message (consumed). */
static int
mcp_send(struct mcp_server *s, cJSON *msg, int64_t req_id)
{
	char *text = cJSON_PrintUnformatted(msg);
	int rc = 0;

	cJSON_Delete(msg);
	if (text == NULL)
		fatal("cJSON_PrintUnformatted failed");
	log_debug("mcp %s <- %.300s", s->c.name, text);
	if (s->c.tr == MCP_HTTP) {
		rc = mcp_http_send(s, text, req_id);
	} else if (s->fd[0] >= 0) {
		if (buf_puts(&s->wbuf, text) != 0 || buf_putc(&s->wbuf, '\n') != 0) {
			mcp_server_disable(s, "it reads its input too slowly "
			    "(more than %u MiB queued)", MCP_WBUF_MAX >> 20);
			rc = -1;
		} else
			rc = mcp_stdio_flush(s);
	} else
		rc = -1;
	free(text);
	return rc;
}

/* A notification: {"jsonrpc":"2.0","method":...,"params":...}. */
static void
mcp_notify(struct mcp_server *s, const char *method, cJSON *params)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	cJSON_AddStringToObject(m, "method", method);
	if (params != NULL)
		cJSON_AddItemToObject(m, "params", params);
	(void)mcp_send(s, m, 0);
}

/* A request; reply() is called once, with a result or a failure. */
static struct mcp_req *
mcp_request(struct mcp_server *s, const char *method, cJSON *params,
    long timeout_s, mcp_reply_fn reply, void *arg)
{
	struct mcp_req *r = xcalloc(1, sizeof *r);
	cJSON *m = cJSON_CreateObject();

	r->srv = s;
	r->id = ++s->next_id;
	r->method = xstrdup(method);
	r->reply = reply;
	r->arg = arg;
	r->next = s->reqs;
	s->reqs = r;
	if (timeout_s > 0)
		r->timer = loop_timer_add(mcp_loop(s->m),
		    (uint64_t)timeout_s * 1000, mcp_req_timeout, r);
	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	cJSON_AddNumberToObject(m, "id", (double)r->id);
	cJSON_AddStringToObject(m, "method", method);
	cJSON_AddItemToObject(m, "params", params != NULL ? params :
	    cJSON_CreateObject());
	if (mcp_send(s, m, r->id) == -1)
		return NULL;	/* disabled: every request was failed */
	return r;
}

/* Answer a request of the server's. */
static void
mcp_respond(struct mcp_server *s, const cJSON *id, cJSON *result, int code,
    const char *message)
{
	cJSON *m = cJSON_CreateObject(), *e;

	cJSON_AddStringToObject(m, "jsonrpc", "2.0");
	cJSON_AddItemToObject(m, "id", cJSON_Duplicate(id, 1));
	if (result != NULL)
		cJSON_AddItemToObject(m, "result", result);
	else {
		e = cJSON_AddObjectToObject(m, "error");
		cJSON_AddNumberToObject(e, "code", code);
		cJSON_AddStringToObject(e, "message", message);
	}
	(void)mcp_send(s, m, 0);
}

/* ---- state ---- */

/* Stop the process or the transfers; nothing is sent any more. */
static void
mcp_server_stop(struct mcp_server *s, int grace_ms)
{
	struct loop *loop = mcp_loop(s->m);
	struct mcp_post *p;
	int i;

	for (i = 0; i < 3; i++) {
		if (s->fd[i] >= 0) {
			loop_fd_del(loop, s->fd[i]);
			close(s->fd[i]);
			s->fd[i] = -1;
		}
	}
	if (s->pid > 0) {
		(void)spawn_kill_session(s->pid, grace_ms);
		s->pid = -1;
	}
	while ((p = s->posts) != NULL) {
		s->posts = p->next;
		if (!p->finished)
			http_remove(mcp_http(s->m), p->easy);
		mcp_post_free(p);
	}
	if (s->drain_timer != 0) {
		loop_timer_cancel(loop, s->drain_timer);
		s->drain_timer = 0;
	}
	if (s->start_timer != 0) {
		loop_timer_cancel(loop, s->start_timer);
		s->start_timer = 0;
	}
	if (s->reap_timer != 0) {
		loop_timer_cancel(loop, s->reap_timer);
		s->reap_timer = 0;
	}
}

/* Fail every request in flight with why. */
static void
mcp_server_fail_all(struct mcp_server *s, const char *why)
{
	struct mcp_req *r;

	while ((r = s->reqs) != NULL) {
		s->reqs = r->next;
		r->next = NULL;
		if (r->timer != 0)
			loop_timer_cancel(mcp_loop(s->m), r->timer);
		r->reply(s, r, NULL, why);
		mcp_req_free(r);
	}
}

/* Off for the rest of the session, with one line saying why. */
static void
mcp_server_disable(struct mcp_server *s, const char *fmt, ...)
{
	enum mcp_state was = s->state;
	va_list ap;
	char *why, *line;
	size_t i;

	if (s->state == MCP_DISABLED)
		return;
	va_start(ap, fmt);
	why = xvasprintf(fmt, ap);
	va_end(ap);
	s->state = MCP_DISABLED;
	free(s->why);
	s->why = why;
	line = xasprintf("server '%s' %s; it is disabled for this session",
	    s->c.name, why);
	mcp_notice(s->m, "mcp: %s (its stderr is in the debug log)", line);
	mcp_server_stop(s, 0);
	mcp_server_fail_all(s, line);
	free(line);
	for (i = 0; i < s->ntools; i++)
		s->tools[i]->gone = 1;
	s->ntools = 0;
	cJSON_Delete(s->listing);
	s->listing = NULL;
	if (was == MCP_READY || was == MCP_LISTING)
		mcp_tools_changed(s->m);
	if (was != MCP_READY)
		mcp_settled(s->m);
}

/* ---- tools/list ---- */

/* Turn the gathered pages into the server's tool entries. */
static void
mcp_server_commit_tools(struct mcp_server *s)
{
	const cJSON *t, *name, *ann;
	struct mcp_tool *mt, **v = NULL;
	size_t n = 0, i, bytes = 0;
	char *schema;
	const char *desc;
	enum mcp_state was = s->state;

	cJSON_ArrayForEach(t, s->listing) {
		name = cJSON_GetObjectItemCaseSensitive(t, "name");
		if (!cJSON_IsString(name) || *name->valuestring == '\0')
			continue;
		mt = mcp_tool_get(s->m, s, name->valuestring);
		for (i = 0; i < n; i++)
			if (v[i] == mt)
				break;
		if (i < n)
			continue;	/* listed twice */
		desc = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(t,
		    "description")) ? cJSON_GetObjectItemCaseSensitive(t,
		    "description")->valuestring : "";
		free(mt->desc);
		if (strlen(desc) > MCP_DESC_MAX)
			mt->desc = xasprintf("%.*s...", MCP_DESC_MAX - 3, desc);
		else
			mt->desc = xstrdup(desc);
		schema = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(t,
		    "inputSchema")) ? cJSON_PrintUnformatted(
		    cJSON_GetObjectItemCaseSensitive(t, "inputSchema")) : NULL;
		free(mt->schema);
		mt->schema = schema != NULL ? schema :
		    xstrdup("{\"type\":\"object\"}");
		ann = cJSON_GetObjectItemCaseSensitive(t, "annotations");
		mt->read_only = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(ann, "readOnlyHint"));
		mt->entry.description = mt->desc;
		mt->entry.schema = mt->schema;
		mt->gone = 0;
		bytes += strlen(mt->full) + strlen(mt->desc) +
		    strlen(mt->schema) + 60;
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n++] = mt;
	}
	for (i = 0; i < s->ntools; i++) {
		size_t j;

		for (j = 0; j < n && v[j] != s->tools[i]; j++)
			;
		if (j == n)
			s->tools[i]->gone = 1;
	}
	free(s->tools);
	s->tools = v;
	s->ntools = n;
	s->bytes = bytes;
	cJSON_Delete(s->listing);
	s->listing = NULL;
	s->state = MCP_READY;
	if (s->start_timer != 0) {
		loop_timer_cancel(mcp_loop(s->m), s->start_timer);
		s->start_timer = 0;
	}
	log_debug("mcp %s: %zu tools, %zu bytes", s->c.name, n, bytes);
	mcp_tools_changed(s->m);
	if (was != MCP_READY)
		mcp_settled(s->m);
}

/*
 * What a reply handler of the start-up needs from result: its member name
 * when it is of the wanted type (is), or NULL when the server is gone or
 * disabled, or after disabling it because the request failed ("<doing>:
 * <fail>") or the member is missing ("answered <method> without <what>").
 */
static const cJSON *
mcp_server_reply(struct mcp_server *s, const cJSON *result, const char *fail,
    const char *doing, const char *method, const char *name,
    cJSON_bool (*is)(const cJSON *), const char *what)
{
	const cJSON *v;

	if (s == NULL || s->state == MCP_DISABLED)
		return NULL;
	if (fail != NULL) {
		mcp_server_disable(s, "%s: %s", doing, fail);
		return NULL;
	}
	v = cJSON_GetObjectItemCaseSensitive(result, name);
	if (!is(v)) {
		mcp_server_disable(s, "answered %s without %s", method, what);
		return NULL;
	}
	return v;
}

/* A page of tools/list. */
static void
mcp_server_listed(struct mcp_server *s, struct mcp_req *r,
    const cJSON *result, const char *fail)
{
	const cJSON *tools, *t, *cursor;

	(void)r;
	if ((tools = mcp_server_reply(s, result, fail, "could not list its "
	    "tools", "tools/list", "tools", cJSON_IsArray,
	    "a tools array")) == NULL)
		return;
	if (s->listing == NULL)
		s->listing = cJSON_CreateArray();
	cJSON_ArrayForEach(t, tools)
		cJSON_AddItemToArray(s->listing, cJSON_Duplicate(t, 1));
	cursor = cJSON_GetObjectItemCaseSensitive(result, "nextCursor");
	if (cJSON_IsString(cursor) && *cursor->valuestring != '\0' &&
	    cJSON_GetArraySize(s->listing) < 10000) {
		mcp_server_list(s, cursor->valuestring);
		return;
	}
	mcp_server_commit_tools(s);
	if (s->relist) {
		s->relist = 0;
		mcp_server_list(s, NULL);
	}
}

/* Ask for (a page of) the tools. */
static void
mcp_server_list(struct mcp_server *s, const char *cursor)
{
	cJSON *params = cJSON_CreateObject();

	if (cursor != NULL)
		cJSON_AddStringToObject(params, "cursor", cursor);
	else {
		cJSON_Delete(s->listing);
		s->listing = NULL;
	}
	if (s->state != MCP_READY)
		s->state = MCP_LISTING;
	(void)mcp_request(s, "tools/list", params,
	    conf_int(mcp_config(s->m), "mcp_timeout"), mcp_server_listed, NULL);
}

/* ---- initialize ---- */

/* 1 if we speak this protocol revision. */
static int
mcp_proto_known(const char *v)
{
	static const char *const known[] = {
		"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"
	};
	size_t i;

	for (i = 0; i < nitems(known); i++)
		if (strcmp(v, known[i]) == 0)
			return 1;
	return 0;
}

/* The reply to initialize. */
static void
mcp_server_initialized(struct mcp_server *s, struct mcp_req *r,
    const cJSON *result, const char *fail)
{
	const cJSON *v, *info;

	(void)r;
	if ((v = mcp_server_reply(s, result, fail, "did not initialise",
	    "initialize", "protocolVersion", cJSON_IsString,
	    "a protocolVersion")) == NULL)
		return;
	if (!mcp_proto_known(v->valuestring)) {
		char *shown = mcp_one_line(v->valuestring, 40);

		mcp_server_disable(s, "speaks protocol '%s', which cade "
		    "does not (it speaks %s back to 2024-11-05)", shown,
		    MCP_PROTO_LATEST);
		free(shown);
		return;
	}
	s->proto = xstrdup(v->valuestring);
	info = cJSON_GetObjectItemCaseSensitive(result, "serverInfo");
	if (cJSON_IsObject(info)) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(info, "name");
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(info,
		    "version");

		char *a = mcp_one_line(cJSON_IsString(n) ? n->valuestring :
		    "?", 60), *b = mcp_one_line(cJSON_IsString(ver) ?
		    ver->valuestring : "", 30);

		s->info = xasprintf("%s %s", a, b);
		free(a);
		free(b);
	}
	mcp_notify(s, "notifications/initialized", NULL);
	if (s->state == MCP_DISABLED)
		return;
	mcp_server_list(s, NULL);
}

/* Send initialize. */
static void
mcp_server_init(struct mcp_server *s)
{
	cJSON *p = cJSON_CreateObject(), *caps, *info;

	cJSON_AddStringToObject(p, "protocolVersion", MCP_PROTO_LATEST);
	caps = cJSON_AddObjectToObject(p, "capabilities");
	/* The workspace is the one root; it does not change. */
	cJSON_AddObjectToObject(caps, "roots");
	info = cJSON_AddObjectToObject(p, "clientInfo");
	cJSON_AddStringToObject(info, "name", "cade");
	cJSON_AddStringToObject(info, "version", PACKAGE_VERSION);
	(void)mcp_request(s, "initialize", p, 0, mcp_server_initialized, NULL);
}

/* mcp_timeout passed before the server was ready. */
static void
mcp_server_start_timeout(struct loop *loop, void *arg)
{
	struct mcp_server *s = arg;

	(void)loop;
	s->start_timer = 0;
	if (s->state != MCP_READY)
		mcp_server_disable(s, "did not get ready within %ld s "
		    "(mcp_timeout)", conf_int(mcp_config(s->m), "mcp_timeout"));
}

/* ---- incoming ---- */

/* Progress of a tools/call. */
static void
mcp_server_progress(struct mcp_server *s, const cJSON *params)
{
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(params,
	    "progressToken");
	const cJSON *pr = cJSON_GetObjectItemCaseSensitive(params, "progress");
	const cJSON *tot = cJSON_GetObjectItemCaseSensitive(params, "total");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(params, "message");
	struct mcp_req *r;
	struct mcp_call *c;

	if (!cJSON_IsNumber(tok) || !cJSON_IsNumber(pr))
		return;
	for (r = s->reqs; r != NULL; r = r->next) {
		if ((double)r->id != tok->valuedouble ||
		    strcmp(r->method, "tools/call") != 0)
			continue;
		c = r->arg;
		mcp_progress(s->m, c->call_id, pr->valuedouble,
		    cJSON_IsNumber(tot) ? tot->valuedouble : 0,
		    cJSON_IsString(msg) ? msg->valuestring : NULL);
		return;
	}
}

/* One message from the server (consumed). */
static void
mcp_server_handle(struct mcp_server *s, cJSON *m)
{
	const char *why, *method;
	const cJSON *params;
	struct mcp_req *r;
	int64_t id;
	char *text;

	if (s->state == MCP_DISABLED) {
		cJSON_Delete(m);
		return;
	}
	switch (mcp_msg_kind(m, &why)) {
	case MCP_MSG_BAD:
		mcp_server_disable(s, "sent malformed JSON-RPC (%s)", why);
		break;
	case MCP_MSG_REPLY:
		if (!mcp_msg_id(m, &id) || (r = mcp_req_take(s, id)) == NULL) {
			log_debug("mcp %s: reply to no request", s->c.name);
			break;
		}
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "error"))) {
			text = mcp_error_text(cJSON_GetObjectItemCaseSensitive(m,
			    "error"));
			r->reply(s, r, NULL, text);
			free(text);
		} else
			r->reply(s, r, cJSON_GetObjectItemCaseSensitive(m,
			    "result"), NULL);
		mcp_req_free(r);
		break;
	case MCP_MSG_REQUEST:
		method = cJSON_GetObjectItemCaseSensitive(m, "method")->valuestring;
		if (strcmp(method, "ping") == 0)
			mcp_respond(s, cJSON_GetObjectItemCaseSensitive(m, "id"),
			    cJSON_CreateObject(), 0, NULL);
		else if (strcmp(method, "roots/list") == 0) {
			cJSON *res = cJSON_CreateObject(), *arr, *root;

			arr = cJSON_AddArrayToObject(res, "roots");
			root = cJSON_CreateObject();
			cJSON_AddStringToObject(root, "uri", mcp_roots_uri(s->m));
			cJSON_AddStringToObject(root, "name", "workspace");
			cJSON_AddItemToArray(arr, root);
			mcp_respond(s, cJSON_GetObjectItemCaseSensitive(m, "id"),
			    res, 0, NULL);
		} else
			mcp_respond(s, cJSON_GetObjectItemCaseSensitive(m, "id"),
			    NULL, -32601, "method not found");
		break;
	case MCP_MSG_NOTIFY:
		method = cJSON_GetObjectItemCaseSensitive(m, "method")->valuestring;
		params = cJSON_GetObjectItemCaseSensitive(m, "params");
		if (strcmp(method, "notifications/tools/list_changed") == 0) {
			if (s->state == MCP_READY)
				mcp_server_list(s, NULL);
			else if (s->state == MCP_LISTING)
				s->relist = 1;
		} else if (strcmp(method, "notifications/progress") == 0)
			mcp_server_progress(s, params);
		else
			log_debug("mcp %s: notification %.80s", s->c.name,
			    method);
		break;
	}
	cJSON_Delete(m);
}

/* One line of JSON from a stdio server. */
static int
mcp_stdio_line(const char *line, size_t len, void *arg)
{
	struct mcp_server *s = arg;
	cJSON *m;
	size_t i;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	if (i == len)
		return 0;
	log_debug("mcp %s -> %.*s", s->c.name, (int)(len < 300 ? len : 300),
	    line);
	if ((m = cJSON_ParseWithLength(line, len)) == NULL) {
		char *show = xstrndup(line, len < 40 ? len : 40);

		for (i = 0; show[i] != '\0'; i++)
			if ((unsigned char)show[i] < 0x20 || show[i] == 0x7f)
				show[i] = '?';
		mcp_server_disable(s, "wrote a line that is not JSON on its "
		    "stdout ('%s%s')", show, len > 40 ? "..." : "");
		free(show);
		return -1;
	}
	mcp_server_handle(s, m);
	return s->state == MCP_DISABLED ? -1 : 0;
}

/* A line of the server's stderr: the debug log, never the screen. */
static int
mcp_stderr_line(const char *line, size_t len, void *arg)
{
	struct mcp_server *s = arg;

	log_debug("mcp %s stderr: %.*s", s->c.name, (int)(len < 1000 ? len :
	    1000), line);
	return 0;
}

/* Reap the process if it has ended and say how; 0 if it still runs. */
static int
mcp_stdio_reaped(struct mcp_server *s)
{
	int status = 0;

	if (s->pid <= 0 || spawn_reap(s->pid, &status) != 1)
		return 0;
	s->pid = -1;
	if (WIFEXITED(status))
		mcp_server_disable(s, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		mcp_server_disable(s, "was killed by signal %d", WTERMSIG(status));
	else
		mcp_server_disable(s, "exited");
	return 1;
}

/* After EOF: give the process a moment to exit, so we can say how. */
static void
mcp_stdio_reap_timer(struct loop *loop, void *arg)
{
	struct mcp_server *s = arg;

	(void)loop;
	s->reap_timer = 0;
	if (s->state == MCP_DISABLED || mcp_stdio_reaped(s))
		return;
	if (++s->reap_tries < 20) {
		s->reap_timer = loop_timer_add(mcp_loop(s->m), 25,
		    mcp_stdio_reap_timer, s);
		return;
	}
	mcp_server_disable(s, "closed its stdout");
}

/* stdout ended: the process is ending (or closed it). */
static void
mcp_stdio_exited(struct mcp_server *s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (s->fd[i] >= 0) {
			loop_fd_del(mcp_loop(s->m), s->fd[i]);
			close(s->fd[i]);
			s->fd[i] = -1;
		}
	if (mcp_stdio_reaped(s) || s->reap_timer != 0)
		return;
	s->reap_timer = loop_timer_add(mcp_loop(s->m), 5, mcp_stdio_reap_timer,
	    s);
}

/* Readiness on one of a stdio server's pipes. */
static void
mcp_stdio_fd(struct loop *loop, int fd, int revents, void *arg)
{
	struct mcp_server *s = arg;
	char chunk[65536];
	ssize_t n;

	(void)loop;
	if (fd == s->fd[0]) {
		if (revents & (POLLERR | POLLHUP))
			mcp_stdio_exited(s);
		else
			(void)mcp_stdio_flush(s);
		return;
	}
	n = read(fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (fd == s->fd[2]) {
		if (n <= 0) {
			loop_fd_del(loop, fd);
			close(fd);
			s->fd[2] = -1;
			return;
		}
		if (mcp_lines_feed(&s->err, chunk, (size_t)n, mcp_stderr_line,
		    s) == -1) {
			/* A huge stderr line: drop it, keep reading. */
			mcp_lines_free(&s->err);
			mcp_lines_init(&s->err, MCP_ERRLINE_MAX);
		}
		return;
	}
	if (n <= 0) {
		mcp_stdio_exited(s);
		return;
	}
	if (mcp_lines_feed(&s->out, chunk, (size_t)n, mcp_stdio_line, s) == -1 &&
	    s->state != MCP_DISABLED)
		mcp_server_disable(s, "sent a message over %u MiB",
		    MCP_MSG_MAX >> 20);
}

/* ---- HTTP replies ---- */

/* Handle what curl callbacks queued. */
static void
mcp_http_drain(struct loop *loop, void *arg)
{
	struct mcp_server *s = arg;
	struct mcp_post **pp, *p;
	struct mcp_req *r;
	cJSON *m;
	char *why;

	(void)loop;
	s->drain_timer = 0;
	while (s->inbox != NULL && s->state != MCP_DISABLED &&
	    (m = cJSON_DetachItemFromArray(s->inbox, 0)) != NULL)
		mcp_server_handle(s, m);
	cJSON_Delete(s->inbox);
	s->inbox = NULL;
	for (pp = &s->posts; s->state != MCP_DISABLED && (p = *pp) != NULL; ) {
		if (!p->finished) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		why = NULL;
		if (p->rc != CURLE_OK)
			why = xasprintf("cannot reach %s: %s", s->c.url,
			    curl_easy_strerror(p->rc));
		else {
			long code = 0;

			curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &code);
			if (code == 404 && s->session_id != NULL)
				why = xstrdup("ended its session (HTTP 404)");
			else if (code >= 400 || code < 200)
				why = xasprintf("answered HTTP %ld", code);
			else if (!p->sse_mode && p->in.len > 0) {
				cJSON *body = cJSON_ParseWithLength(p->in.s,
				    p->in.len), *it;

				if (body == NULL)
					why = xstrdup("answered with a body "
					    "that is not JSON");
				else if (cJSON_IsArray(body)) {
					while ((it = cJSON_DetachItemFromArray(
					    body, 0)) != NULL)
						mcp_server_handle(s, it);
					cJSON_Delete(body);
				} else
					mcp_server_handle(s, body);
			}
		}
		/* A request whose POST ended without its reply has failed. */
		if (p->req_id != 0 && s->state != MCP_DISABLED &&
		    (r = mcp_req_take(s, p->req_id)) != NULL) {
			if (why == NULL)
				why = xstrdup("ended the reply without an answer");
			r->reply(s, r, NULL, why);
			mcp_req_free(r);
		} else if (why != NULL && s->state != MCP_READY &&
		    s->state != MCP_DISABLED)
			mcp_server_disable(s, "%s", why);
		else if (why != NULL)
			log_debug("mcp %s: %s", s->c.name, why);
		free(why);
		mcp_post_free(p);
	}
}

/* Queue a message for mcp_http_drain. */
static void
mcp_http_queue(struct mcp_server *s, cJSON *m)
{
	if (s->inbox == NULL)
		s->inbox = cJSON_CreateArray();
	cJSON_AddItemToArray(s->inbox, m);
	if (s->drain_timer == 0)
		s->drain_timer = loop_timer_add(mcp_loop(s->m), 0, mcp_http_drain,
		    s);
}

/* An SSE event of a reply stream: one JSON-RPC message. */
static int
mcp_post_event(const char *type, const char *data, size_t len, void *arg)
{
	struct mcp_post *p = arg;
	cJSON *m;

	if (type != NULL && *type != '\0' && strcmp(type, "message") != 0)
		return 0;
	if (len == 0)
		return 0;	/* priming event: an id and no data */
	if ((m = cJSON_ParseWithLength(data, len)) == NULL) {
		m = cJSON_CreateObject();	/* classified as malformed */
		cJSON_AddStringToObject(m, "jsonrpc", "not-json");
	}
	mcp_http_queue(p->srv, m);
	return 0;
}

/* Header lines: the content type and the session id. */
static size_t
mcp_post_header(char *b, size_t size, size_t n, void *arg)
{
	struct mcp_post *p = arg;
	size_t len = size * n, k;
	char *line, *v;

	line = xstrndup(b, len);
	if ((v = strchr(line, ':')) != NULL) {
		*v++ = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		for (k = strlen(v); k > 0 && (v[k - 1] == '\r' ||
		    v[k - 1] == '\n' || v[k - 1] == ' '); k--)
			v[k - 1] = '\0';
		if (strcasecmp(line, "content-type") == 0 &&
		    strncasecmp(v, "text/event-stream", 17) == 0) {
			p->sse_mode = 1;
			if (p->sse == NULL)
				p->sse = sse_new(MCP_MSG_MAX, mcp_post_event, p);
		} else if (strcasecmp(line, "mcp-session-id") == 0 && *v != '\0' &&
		    strlen(v) < 256 && p->srv->session_id == NULL)
			p->srv->session_id = xstrdup(v);
	}
	free(line);
	return len;
}

/* Body bytes: SSE fed as they come, JSON gathered. */
static size_t
mcp_post_write(char *b, size_t size, size_t n, void *arg)
{
	struct mcp_post *p = arg;
	size_t len = size * n;
	char *cause = NULL;

	if (p->sse_mode) {
		if (sse_feed(p->sse, b, len, &cause) == -1) {
			free(cause);
			return 0;	/* curl ends the transfer */
		}
		return len;
	}
	return buf_append(&p->in, b, len) == 0 ? len : 0;
}

/* A POST ended; handled from the drain timer. */
static void
mcp_post_done(CURL *easy, CURLcode rc, void *arg)
{
	struct mcp_post *p = arg;
	char *cause = NULL;

	(void)easy;
	p->finished = 1;
	p->rc = rc;
	if (p->sse_mode && p->sse != NULL)
		(void)sse_finish(p->sse, &cause);
	free(cause);
	if (p->srv->drain_timer == 0)
		p->srv->drain_timer = loop_timer_add(mcp_loop(p->srv->m), 0,
		    mcp_http_drain, p->srv);
}

/* ---- tool calls ---- */

/* The answer to tools/call, or its failure. */
static void
mcp_call_reply(struct mcp_server *s, struct mcp_req *r, const cJSON *result,
    const char *fail)
{
	struct mcp_call *c = r->arg;
	struct tool_result *res;
	int is_error = 0;

	(void)s;
	if (c == NULL)
		return;
	r->arg = NULL;
	if (fail != NULL) {
		if (strcmp(fail, "timeout") == 0)
			res = tool_result_error("error: the MCP tool did not "
			    "answer within %ld s (mcp_call_timeout)",
			    conf_int(mcp_config(c->srv->m), "mcp_call_timeout"));
		else if (c->srv->state == MCP_DISABLED)
			res = tool_result_error("error: MCP %s", fail);
		else
			res = tool_result_error("error: MCP server '%s': %s",
			    c->srv->c.name, fail);
	} else {
		res = tool_result_new();
		free(res->text);
		res->text = mcp_result_text(result, &is_error);
		res->is_error = is_error;
	}
	c->tool->running = NULL;
	c->done(res, c->arg);
	free(c->call_id);
	free(c);
}

/* See mcp-int.h. */
void
mcp_server_call(struct mcp_server *s, struct mcp_tool *t, struct tool_ctx *ctx,
    const cJSON *args, tool_done_fn done, void *arg)
{
	struct mcp_call *c;
	cJSON *p, *meta, *a;
	struct mcp_req *r;

	if (s->state != MCP_READY) {
		done(tool_result_error("error: MCP server '%s' is not available%s%s",
		    s->c.name, s->why != NULL ? ": " : "",
		    s->why != NULL ? s->why : ""), arg);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->tool = t;
	c->srv = s;
	c->done = done;
	c->arg = arg;
	c->call_id = xstrdup(ctx->call_id != NULL ? ctx->call_id : "");
	p = cJSON_CreateObject();
	cJSON_AddStringToObject(p, "name", t->name);
	a = cJSON_Duplicate(args, 1);
	/* security_risk is cade's own field, not the server's. */
	cJSON_DeleteItemFromObjectCaseSensitive(a, "security_risk");
	cJSON_AddItemToObject(p, "arguments", a);
	meta = cJSON_AddObjectToObject(p, "_meta");
	cJSON_AddNumberToObject(meta, "progressToken", (double)(s->next_id + 1));
	t->running = c;
	r = mcp_request(s, "tools/call", p,
	    conf_int(mcp_config(s->m), "mcp_call_timeout"), mcp_call_reply, c);
	if (r != NULL)
		c->id = r->id;
}

/* See mcp-int.h. */
void
mcp_server_cancel(struct mcp_server *s, struct mcp_tool *t)
{
	struct mcp_call *c = t->running;
	struct mcp_req *r;

	if (c == NULL || (r = mcp_req_take(s, c->id)) == NULL)
		return;
	/* Its POST (HTTP) may go on; the late reply finds no request. */
	mcp_req_abandon(s, r, "the person stopped the step",
	    "cancelled: the person stopped this call");
}

/* ---- life ---- */

/* See mcp-int.h. */
struct mcp_server *
mcp_server_new(struct mcp *m, struct mcp_server_conf *c)
{
	struct mcp_server *s = xcalloc(1, sizeof *s);

	s->m = m;
	s->c = *c;
	memset(c, 0, sizeof *c);
	s->pid = -1;
	s->fd[0] = s->fd[1] = s->fd[2] = -1;
	s->state = MCP_OFF;
	buf_init(&s->wbuf, MCP_WBUF_MAX);
	mcp_lines_init(&s->out, MCP_MSG_MAX);
	mcp_lines_init(&s->err, MCP_ERRLINE_MAX);
	return s;
}

/* cade's own credentials are not a server's business. */
static const char *const mcp_env_unset[] = {
	"LLM_API_KEY", "OPENAI_API_KEY", "CADE_CONFIG", NULL
};

/* See mcp-int.h. */
void
mcp_server_start(struct mcp_server *s)
{
	struct spawn_pty_args a;
	char *cause = NULL;
	int i;

	if (s->state != MCP_OFF)
		return;
	s->state = MCP_STARTING;
	s->start_timer = loop_timer_add(mcp_loop(s->m),
	    (uint64_t)conf_int(mcp_config(s->m), "mcp_timeout") * 1000,
	    mcp_server_start_timeout, s);
	if (s->c.tr == MCP_STDIO) {
		memset(&a, 0, sizeof a);
		a.argv = (const char *const *)s->c.argv;
		a.env_set = (const char *const *)s->c.env;
		a.env_unset = mcp_env_unset;
		a.cwd = s->c.cwd;
		if ((s->pid = spawn_pipes(&a, s->fd, &cause)) == -1) {
			mcp_server_disable(s, "failed to start: %s", cause);
			free(cause);
			return;
		}
		for (i = 0; i < 3; i++)
			(void)loop_fd_add(mcp_loop(s->m), s->fd[i],
			    i == 0 ? 0 : POLLIN, mcp_stdio_fd, s);
	}
	mcp_server_init(s);
}

/* See mcp-int.h. */
void
mcp_server_free(struct mcp_server *s)
{
	size_t i;

	if (s == NULL)
		return;
	mcp_server_stop(s, 500);
	s->state = MCP_DISABLED;
	mcp_server_fail_all(s, "cade is stopping");
	cJSON_Delete(s->inbox);
	cJSON_Delete(s->listing);
	buf_free(&s->wbuf);
	mcp_lines_free(&s->out);
	mcp_lines_free(&s->err);
	free(s->tools);
	free(s->why);
	free(s->proto);
	free(s->info);
	free(s->session_id);
	free(s->c.name);
	free(s->c.cwd);
	free(s->c.url);
	for (i = 0; s->c.argv != NULL && s->c.argv[i] != NULL; i++)
		free(s->c.argv[i]);
	free(s->c.argv);
	for (i = 0; s->c.env != NULL && s->c.env[i] != NULL; i++)
		free(s->c.env[i]);
	free(s->c.env);
	for (i = 0; s->c.headers != NULL && s->c.headers[i] != NULL; i++)
		free(s->c.headers[i]);
	free(s->c.headers);
	free(s);
}

/* See mcp-int.h. */
enum mcp_state
mcp_server_state(const struct mcp_server *s)
{
	return s->state;
}

/* See mcp-int.h. */
const char *
mcp_server_name(const struct mcp_server *s)
{
	return s->c.name;
}

/* See mcp-int.h. */
int
mcp_server_is_project(const struct mcp_server *s)
{
	return s->c.project;
}

/* See mcp-int.h. */
char *
mcp_server_describe(const struct mcp_server *s, int verbose)
{
	static const char *const names[] = {
		"not started", "starting", "listing", "ready", "disabled"
	};
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	(void)buf_printf(&b, "%-16s %-11s %-5s %-10s", s->c.name,
	    names[s->state], s->c.tr == MCP_HTTP ? "http" : "stdio",
	    s->proto != NULL ? s->proto : "-");
	if (s->state == MCP_READY)
		(void)buf_printf(&b, " %zu tools, %zu bytes per request",
		    s->ntools, s->bytes);
	else if (s->state == MCP_OFF && s->c.project)
		(void)buf_puts(&b, " project server: not trusted yet");
	else if (s->why != NULL)
		(void)buf_printf(&b, " %s", s->why);
	if (s->c.project)
		(void)buf_puts(&b, " (project)");
	for (i = 0; verbose && i < s->ntools; i++)
		(void)buf_printf(&b, "\n    %s%s", s->tools[i]->full,
		    s->tools[i]->read_only ? " (read-only)" : "");
	return buf_detach(&b, NULL);
}
