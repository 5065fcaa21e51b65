/*
 * mcp.c: a session's MCP servers: configuration, trust, the tool set.
 *
 * Configuration is the format other clients use, {"mcpServers": {NAME:
 * {"command", "args", "env", "cwd"} | {"url", "headers"}}}, read from
 * $XDG_CONFIG_HOME/cade/mcp.json and <workspace>/.cade/mcp.json; the
 * project's entry wins for a name.  A project's servers are programs from a
 * repository the person may have just cloned, so they start only once the
 * project is trusted: the trust store ($XDG_STATE_HOME/cade/mcp-trust)
 * holds the SHA-256 of the project's mcp.json with its directory, so an
 * edited file must be trusted again.
 *
 * Tools of ready servers are kept in one array (struct tool_set) that the
 * agent searches after the built-in tools; it is rebuilt whenever a server
 * becomes ready, lists again, or is disabled.  Entries live until
 * mcp_free(), so a call running while its tool disappears stays valid.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/conf.h"
#include "cade/event.h"
#include "cade/http.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/mcp.h"
#include "cade/secret.h"
#include "cade/sha256.h"
#include "cade/util.h"

#include "mcp-int.h"

#define MCP_FILE_MAX	(1024 * 1024)

struct mcp {
	struct loop		*loop;
	const struct config	*cfg;
	struct event_bus	*bus;
	struct http_driver		*http;
	struct mcp_server	**srv;
	size_t			 nsrv;
	struct mcp_tool		*all;		/* every entry ever made */
	const struct tool_entry	**setv;
	struct tool_set		 set;
	char			*roots_uri;
	char			*project_root;
	int			 untrusted;
};

/* ---- small files ---- */

/* The project's one small-file reader; NULL without *cause if absent. */
static char *
mcp_read_file(const char *path, char **cause)
{
	char *text = util_read_small(path, MCP_FILE_MAX, NULL, cause);

	if (text == NULL && errno == ENOENT) {
		free(*cause);
		*cause = NULL;
	}
	return text;
}

/* $XDG_CONFIG_HOME/cade/mcp.json */
static char *
mcp_user_file(void)
{
	char *dir = util_xdg_dir("XDG_CONFIG_HOME", ".config"), *p;

	p = xasprintf("%s/mcp.json", dir);
	free(dir);
	return p;
}

/* ---- configuration ---- */

/* A JSON array of strings as a NULL-terminated vector; -1 if mistyped. */
static int
mcp_strv(const cJSON *arr, char ***out, const char *first)
{
	const cJSON *v;
	size_t n = 0;
	char **o;

	if (arr != NULL && !cJSON_IsArray(arr))
		return -1;
	o = xcalloc((size_t)cJSON_GetArraySize(arr) + 2, sizeof *o);
	if (first != NULL)
		o[n++] = xstrdup(first);
	cJSON_ArrayForEach(v, arr) {
		if (!cJSON_IsString(v)) {
			while (n > 0)
				free(o[--n]);
			free(o);
			return -1;
		}
		o[n++] = xstrdup(v->valuestring);
	}
	*out = o;
	return 0;
}

/* A JSON object of strings as "K<sep>V" entries; -1 if mistyped. */
static int
mcp_strmap(const cJSON *obj, const char *sep, char ***out)
{
	const cJSON *v;
	size_t n = 0;
	char **o;

	*out = NULL;
	if (obj == NULL)
		return 0;
	if (!cJSON_IsObject(obj))
		return -1;
	o = xcalloc((size_t)cJSON_GetArraySize(obj) + 1, sizeof *o);
	cJSON_ArrayForEach(v, obj) {
		if (!cJSON_IsString(v) || v->string == NULL ||
		    strpbrk(v->string, "=:\r\n") != NULL) {
			while (n > 0)
				free(o[--n]);
			free(o);
			return -1;
		}
		/* Tokens in env and headers are secrets: never shown. */
		if (strlen(v->valuestring) >= 8)
			secret_add(v->valuestring);
		o[n++] = xasprintf("%s%s%s", v->string, sep, v->valuestring);
	}
	*out = o;
	return 0;
}

/* Free a vector from mcp_strv/mcp_strmap. */
static void
mcp_strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* One server entry into c; -1 with *cause naming the file and the entry. */
static int
mcp_parse_entry(const char *file, const cJSON *e, int project,
    struct mcp_server_conf *c, char **cause)
{
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(e, "command");
	const cJSON *url = cJSON_GetObjectItemCaseSensitive(e, "url");
	const cJSON *cwd = cJSON_GetObjectItemCaseSensitive(e, "cwd");
	const char *name = e->string;

	memset(c, 0, sizeof *c);
	if (mcp_server_name_ok(name) != 0) {
		*cause = xasprintf("%s: server name '%.40s' must be 1-32 "
		    "letters, digits, '-' or '_' (no \"__\")", file, name);
		return -1;
	}
	if (!cJSON_IsObject(e)) {
		*cause = xasprintf("%s: server '%s' must be an object", file,
		    name);
		return -1;
	}
	c->name = xstrdup(name);
	c->project = project;
	if (cJSON_IsString(cmd) && *cmd->valuestring != '\0') {
		c->tr = MCP_STDIO;
		if (mcp_strv(cJSON_GetObjectItemCaseSensitive(e, "args"),
		    &c->argv, cmd->valuestring) != 0) {
			*cause = xasprintf("%s: server '%s': \"args\" must be "
			    "an array of strings", file, name);
			goto fail;
		}
		if (mcp_strmap(cJSON_GetObjectItemCaseSensitive(e, "env"), "=",
		    &c->env) != 0) {
			*cause = xasprintf("%s: server '%s': \"env\" must be "
			    "an object of strings", file, name);
			goto fail;
		}
		if (cJSON_IsString(cwd))
			c->cwd = util_expand_home(cwd->valuestring);
	} else if (cJSON_IsString(url)) {
		c->tr = MCP_HTTP;
		if (strncmp(url->valuestring, "http://", 7) != 0 &&
		    strncmp(url->valuestring, "https://", 8) != 0) {
			*cause = xasprintf("%s: server '%s': \"url\" must be "
			    "http:// or https://", file, name);
			goto fail;
		}
		c->url = xstrdup(url->valuestring);
		if (mcp_strmap(cJSON_GetObjectItemCaseSensitive(e, "headers"),
		    ": ", &c->headers) != 0) {
			*cause = xasprintf("%s: server '%s': \"headers\" must "
			    "be an object of strings", file, name);
			goto fail;
		}
	} else {
		*cause = xasprintf("%s: server '%s' needs a \"command\" or a "
		    "\"url\"", file, name);
		goto fail;
	}
	return 0;
fail:
	free(c->name);
	mcp_strv_free(c->argv);
	mcp_strv_free(c->env);
	mcp_strv_free(c->headers);
	free(c->cwd);
	free(c->url);
	memset(c, 0, sizeof *c);
	return -1;
}

/* The index of a server by name, or -1. */
static long
mcp_find_server(const struct mcp *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nsrv; i++)
		if (strcmp(mcp_server_name(m->srv[i]), name) == 0)
			return (long)i;
	return -1;
}

/* Add (or, for a later file, replace) the servers of one object. */
static int
mcp_add_servers(struct mcp *m, const char *file, const cJSON *servers,
    int project, char **cause)
{
	struct mcp_server_conf c;
	const cJSON *e;
	long at;

	if (servers == NULL)
		return 0;
	if (!cJSON_IsObject(servers)) {
		*cause = xasprintf("%s: \"mcpServers\" must be an object", file);
		return -1;
	}
	cJSON_ArrayForEach(e, servers) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "disabled")))
			continue;
		if (mcp_parse_entry(file, e, project, &c, cause) == -1)
			return -1;
		if ((at = mcp_find_server(m, c.name)) >= 0) {
			mcp_server_free(m->srv[at]);
			m->srv[at] = mcp_server_new(m, &c);
		} else {
			m->srv = xreallocarray(m->srv, m->nsrv + 1, sizeof *m->srv);
			m->srv[m->nsrv++] = mcp_server_new(m, &c);
		}
	}
	return 0;
}

/* Read one mcp.json (absent: nothing); -1 with *cause if broken. */
static int
mcp_load_file(struct mcp *m, const char *path, int project, char **cause)
{
	char *text, *err = NULL;
	cJSON *root;
	int rc;

	if ((text = mcp_read_file(path, &err)) == NULL) {
		if (err == NULL)
			return 0;
		*cause = err;
		return -1;
	}
	root = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(root)) {
		*cause = xasprintf("%s: not a JSON object (check the syntax: "
		    "{\"mcpServers\": {...}})", path);
		cJSON_Delete(root);
		return -1;
	}
	rc = mcp_add_servers(m, path, cJSON_GetObjectItemCaseSensitive(root,
	    "mcpServers"), project, cause);
	cJSON_Delete(root);
	return rc;
}

/* ---- trust ---- */

/* $XDG_STATE_HOME/cade/mcp-trust */
static char *
mcp_trust_file(void)
{
	char *dir = util_xdg_dir("XDG_STATE_HOME", ".local/state"), *p;

	p = xasprintf("%s/mcp-trust", dir);
	free(dir);
	return p;
}

/* "<sha256 of the project's mcp.json> <real root>", or NULL if none. */
static char *
mcp_trust_line(const char *root)
{
	char *path, *text, *err = NULL, *real, *line;
	char hex[65];

	if (root == NULL)
		return NULL;
	path = xasprintf("%s/.cade/mcp.json", root);
	text = mcp_read_file(path, &err);
	free(path);
	free(err);
	if (text == NULL)
		return NULL;
	sha256_hex(text, strlen(text), hex);
	free(text);
	real = realpath(root, NULL);
	line = xasprintf("%s %s", hex, real != NULL ? real : root);
	free(real);
	return line;
}

/* See mcp.h. */
int
mcp_trusted(const char *root)
{
	char *line = mcp_trust_line(root), *file, *text, *err = NULL, *p;
	size_t n;
	int hit = 0;

	if (line == NULL)
		return 0;
	file = mcp_trust_file();
	text = mcp_read_file(file, &err);
	free(file);
	free(err);
	n = strlen(line);
	for (p = text; p != NULL && *p != '\0' && !hit; ) {
		if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
			hit = 1;
		p = strchr(p, '\n');
		p = p != NULL ? p + 1 : NULL;
	}
	free(text);
	free(line);
	return hit;
}

/* Remember this project's mcp.json as trusted. */
static int
mcp_trust_save(const char *root, char **cause)
{
	char *line = mcp_trust_line(root), *file, *dir;
	FILE *f;

	if (line == NULL) {
		*cause = xstrdup("this project has no .cade/mcp.json");
		return -1;
	}
	file = mcp_trust_file();
	dir = xstrdup(file);
	*strrchr(dir, '/') = '\0';
	(void)util_mkdir_p(dir, 0700);
	free(dir);
	if ((f = fopen(file, "a")) == NULL) {
		*cause = xasprintf("cannot write '%s': %s", file,
		    strerror(errno));
		free(file);
		free(line);
		return -1;
	}
	(void)fprintf(f, "%s\n", line);
	if (fclose(f) != 0) {
		*cause = xasprintf("cannot write '%s': %s", file,
		    strerror(errno));
		free(file);
		free(line);
		return -1;
	}
	free(file);
	free(line);
	return 0;
}

static int	mcp_pending(const struct mcp *);

/* ---- tools ---- */

/* exec of every MCP tool entry. */
static void
mcp_tool_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done,
    void *arg)
{
	struct mcp_tool *t = (struct mcp_tool *)(void *)ctx->self;

	if (t == NULL || t->entry.exec != mcp_tool_exec) {
		done(tool_result_error("error: internal: MCP tool without its "
		    "entry"), arg);
		return;
	}
	if (t->gone) {
		done(tool_result_error("error: the MCP tool %s is no longer "
		    "offered by its server", t->full), arg);
		return;
	}
	mcp_server_call(t->srv, t, ctx, args, done, arg);
}

/* cancel of every MCP tool entry. */
static void
mcp_tool_cancel(struct tool_ctx *ctx)
{
	struct mcp_tool *t = (struct mcp_tool *)(void *)ctx->self;

	if (t != NULL && t->entry.exec == mcp_tool_exec)
		mcp_server_cancel(t->srv, t);
}

/*
 * effects of every MCP tool entry: a call handed to its server, named by
 * its key for the policy's allow and deny entries; read-only when the
 * server's listing says so (readOnlyHint).  What the server then does is
 * beyond what cade can see.
 */
static void
mcp_tool_effects(const cJSON *args, struct tool_effects *out)
{
	const struct mcp_tool *t = (const struct mcp_tool *)(const void *)
	    out->self;

	(void)args;
	if (t == NULL || t->entry.exec != mcp_tool_exec) {
		tool_effects_bad(out, "internal: MCP tool without its entry");
		return;
	}
	tool_effects_external(out, t->key, t->read_only);
}

/* The arguments, compact, for cards and prompts. */
static char *
mcp_tool_summary(const cJSON *args)
{
	cJSON *a = cJSON_Duplicate(args, 1);
	char *s, *o;

	cJSON_DeleteItemFromObjectCaseSensitive(a, "security_risk");
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	if (s == NULL)
		return xstrdup("");
	if (strlen(s) > 200) {
		o = xasprintf("%.197s...", s);
		free(s);
		return o;
	}
	return s;
}

/* See mcp-int.h. */
struct mcp_tool *
mcp_tool_get(struct mcp *m, struct mcp_server *s, const char *name)
{
	struct mcp_tool *t;

	for (t = m->all; t != NULL; t = t->next)
		if (t->srv == s && strcmp(t->name, name) == 0)
			return t;
	t = xcalloc(1, sizeof *t);
	t->srv = s;
	t->name = xstrdup(name);
	t->full = mcp_tool_name(mcp_server_name(s), name);
	t->key = xasprintf("mcp:%s:%s", mcp_server_name(s), name);
	t->desc = xstrdup("");
	t->schema = xstrdup("{\"type\":\"object\"}");
	t->entry.name = t->full;
	t->entry.description = t->desc;
	t->entry.schema = t->schema;
	t->entry.mutating = 1;
	t->entry.exec = mcp_tool_exec;
	t->entry.summary = mcp_tool_summary;
	t->entry.cancel = mcp_tool_cancel;
	t->entry.effects = mcp_tool_effects;
	t->entry.server_validates = 1;
	t->next = m->all;
	m->all = t;
	return t;
}

/* See mcp-int.h. */
void
mcp_tools_changed(struct mcp *m)
{
	struct mcp_tool *t;
	size_t n = 0, i;

	for (t = m->all; t != NULL; t = t->next)
		if (!t->gone && mcp_server_state(t->srv) == MCP_READY)
			n++;
	free(m->setv);
	m->setv = xcalloc(n + 1, sizeof *m->setv);
	i = 0;
	/* Server order, then the server's order: stable requests. */
	for (size_t k = 0; k < m->nsrv; k++)
		for (t = m->all; t != NULL; t = t->next)
			if (t->srv == m->srv[k] && !t->gone &&
			    mcp_server_state(t->srv) == MCP_READY && i < n)
				m->setv[i++] = &t->entry;
	m->set.v = m->setv;
	m->set.n = i;
	m->set.pending = mcp_pending(m);
}

/* ---- what servers call ---- */

struct loop *
mcp_loop(struct mcp *m)
{
	return m->loop;
}

struct http_driver *
mcp_http(struct mcp *m)
{
	if (m->http == NULL)
		m->http = http_new(m->loop);
	return m->http;
}

const struct config *
mcp_config(struct mcp *m)
{
	return m->cfg;
}

const char *
mcp_roots_uri(struct mcp *m)
{
	return m->roots_uri;
}

/* 1 while a started server is neither ready nor disabled. */
static int
mcp_pending(const struct mcp *m)
{
	size_t i;

	for (i = 0; i < m->nsrv; i++) {
		enum mcp_state st = mcp_server_state(m->srv[i]);

		if (st == MCP_STARTING || st == MCP_LISTING)
			return 1;
	}
	return 0;
}

/* See mcp-int.h. */
void
mcp_settled(struct mcp *m)
{
	m->set.pending = mcp_pending(m);
}

/* See mcp-int.h. */
void
mcp_notice(struct mcp *m, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	log_debug("%s", s);
	if (m->bus != NULL)
		event_post_notice(m->bus, &(struct ev_notice){ .text = s,
		    .level = "warning" });
	free(s);
}

/* See mcp-int.h. */
void
mcp_progress(struct mcp *m, const char *call_id, double progress,
    double total, const char *message)
{
	if (m->bus == NULL || call_id == NULL)
		return;
	event_post_tool_progress(m->bus, &(struct ev_tool_progress){
	    .call_id = call_id, .progress = progress,
	    .total = total > 0 ? total : 0, .message = message });
}

/* ---- the set ---- */

/* See mcp.h. */
struct mcp *
mcp_new(struct loop *loop, const struct config *cfg, struct event_bus *bus,
    const struct mcp_opts *o, char **cause)
{
	struct mcp *m = xcalloc(1, sizeof *m);
	char *user = o->user_file != NULL ? xstrdup(o->user_file) :
	    mcp_user_file(), *proj = NULL;
	size_t i;

	m->loop = loop;
	m->cfg = cfg;
	m->bus = bus;
	m->roots_uri = xstrdup(o->roots_uri != NULL ? o->roots_uri : "file:///");
	if (o->project_root != NULL)
		m->project_root = xstrdup(o->project_root);
	if (mcp_load_file(m, user, 0, cause) == -1)
		goto fail;
	if (o->extra != NULL && mcp_add_servers(m, "the client's mcpServers",
	    o->extra, 0, cause) == -1)
		goto fail;
	if (o->project_root != NULL) {
		proj = xasprintf("%s/.cade/mcp.json", o->project_root);
		if (mcp_load_file(m, proj, 1, cause) == -1)
			goto fail;
	}
	for (i = 0; i < m->nsrv; i++)
		if (mcp_server_is_project(m->srv[i]) && !o->trust_project &&
		    !mcp_trusted(m->project_root))
			m->untrusted = 1;
	free(user);
	free(proj);
	return m;
fail:
	free(user);
	free(proj);
	mcp_free(m);
	return NULL;
}

/* See mcp.h. */
void
mcp_free(struct mcp *m)
{
	struct mcp_tool *t;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nsrv; i++)
		mcp_server_free(m->srv[i]);
	free(m->srv);
	while ((t = m->all) != NULL) {
		m->all = t->next;
		free(t->full);
		free(t->name);
		free(t->desc);
		free(t->schema);
		free(t->key);
		free(t);
	}
	if (m->http != NULL)
		http_free(m->http);
	free(m->setv);
	free(m->roots_uri);
	free(m->project_root);
	free(m);
}

/*
 * Start the servers allowed to start.  With wait (before the first
 * request), turn the loop until each is ready or disabled: each server's
 * mcp_timeout timer bounds that.  Without (the loop is already running),
 * tools appear as servers become ready.
 */
static int
mcp_start_some(struct mcp *m, int wait)
{
	size_t i, ready = 0;

	for (i = 0; i < m->nsrv; i++) {
		if (mcp_server_is_project(m->srv[i]) && m->untrusted)
			continue;
		mcp_server_start(m->srv[i]);
	}
	m->set.pending = mcp_pending(m);
	while (wait && mcp_pending(m))
		(void)loop_once(m->loop, -1);
	for (i = 0; i < m->nsrv; i++)
		if (mcp_server_state(m->srv[i]) == MCP_READY)
			ready++;
	return (int)ready;
}

/* See mcp.h. */
int
mcp_start(struct mcp *m, int wait)
{
	size_t i;

	if (m->untrusted) {
		for (i = 0; i < m->nsrv; i++)
			if (mcp_server_is_project(m->srv[i]))
				break;
		mcp_notice(m, "mcp: this project's .cade/mcp.json defines "
		    "servers that were not started: trust them with /mcp "
		    "trust (TUI), --yes or mcp_trust_project = true");
	}
	return mcp_start_some(m, wait);
}

/* See mcp.h. */
int
mcp_trust(struct mcp *m, char **cause)
{
	if (!m->untrusted)
		return 0;
	if (mcp_trust_save(m->project_root, cause) == -1)
		return -1;
	m->untrusted = 0;
	(void)mcp_start_some(m, 0);
	return 0;
}

/* See mcp.h. */
size_t
mcp_count(const struct mcp *m)
{
	return m->nsrv;
}

/* See mcp.h. */
const struct tool_set *
mcp_tools(const struct mcp *m)
{
	return &m->set;
}

/* See mcp.h. */
int
mcp_untrusted(const struct mcp *m)
{
	return m->untrusted;
}

/* See mcp.h. */
char *
mcp_describe(const struct mcp *m, int verbose)
{
	struct buf b;
	size_t i;
	char *line;

	buf_init(&b, 0);
	if (m->nsrv == 0)
		(void)buf_puts(&b, "no MCP servers configured (see cade mcp "
		    "add, or ~/.config/cade/mcp.json)");
	for (i = 0; i < m->nsrv; i++) {
		line = mcp_server_describe(m->srv[i], verbose);
		if (i > 0)
			(void)buf_putc(&b, '\n');
		(void)buf_puts(&b, line);
		free(line);
	}
	return buf_detach(&b, NULL);
}
