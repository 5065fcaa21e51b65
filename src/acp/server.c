/*
 * server.c: `cade acp`, the Agent Client Protocol v1 over stdio
 * (https://agentclientprotocol.com; doc/ACP.md says what cade implements).
 *
 * One process, one loop, any number of sessions.  Bytes from stdin are cut
 * into lines and classified by jsonrpc.c; requests are dispatched through
 * acp_methods[]; each session is a struct session (the same core as the
 * TUI and headless mode) on the shared loop, with update.c subscribed to its
 * bus as the sink that turns events into session/update notifications and
 * policy asks into session/request_permission.  A session/prompt is
 * answered when the agent posts its finish event.
 *
 * stdout carries protocol only: at start the real stdout is kept on a
 * private descriptor and fd 1 is pointed at stderr, so nothing printed by
 * accident can corrupt the stream; fd 0 becomes /dev/null for the same
 * reason.  EOF on stdin ends the process after every session is closed
 * (everything recorded is already in the store).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/agent.h"
#include "cade/buf.h"
#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/jsonrpc.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/mention.h"
#include "cade/policy.h"
#include "cade/session.h"
#include "cade/store.h"
#include "cade/util.h"
#include "acp-int.h"

#define ACP_PROTOCOL_VERSION	1

/* An outstanding request cade sent to the client. */
struct acp_pending {
	long			 id;
	struct acp_session	*as;
	struct acp_pending	*next;
};

struct acp {
	struct config		*cfg;
	struct loop		*loop;
	int			 in_fd, out_fd;
	int			 out_dead;
	struct jsonrpc_reader	 reader;
	int			 initialized;
	struct acp_session	*sessions;
	struct acp_pending	*pending;
	long			 next_id;
	int			 exit_code;
};

struct acp_method {
	const char	*name;
	int		 notification;	/* a notification, not a request */
	int		 before_init;	/* allowed before initialize */
	void		(*fn)(struct acp *, const struct jsonrpc_msg *);
};

/* See acp-int.h: one line to stdout, cleaned to UTF-8. */
void
acp_send(struct acp *a, char *line)
{
	char *clean;
	size_t len;

	if (a->out_dead) {
		free(line);
		return;
	}
	clean = util_utf8_sanitize(line, strlen(line), &len);
	free(line);
	clean = xrealloc(clean, len + 1);
	clean[len] = '\n';
	if (util_write_all(a->out_fd, clean, len + 1) == -1) {
		log_debug("acp: stdout: %s", strerror(errno));
		a->out_dead = 1;
		loop_stop(a->loop, CADE_EXIT_OK);
	}
	free(clean);
}

/* Answer a request with a result. */
static void
acp_reply(struct acp *a, const cJSON *id, cJSON *result)
{
	acp_send(a, jsonrpc_result(id, result));
}

/* Answer a request with an error. */
static void
acp_fail(struct acp *a, const cJSON *id, int code, const char *message)
{
	acp_send(a, jsonrpc_error(id, code, message, NULL));
}

/* See acp-int.h. */
void
acp_notify_update(struct acp_session *as, cJSON *update)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "sessionId", as->id);
	cJSON_AddItemToObject(p, "update", update);
	acp_send(as->acp, jsonrpc_notification("session/update", p));
}

/* See acp-int.h. */
long
acp_request(struct acp *a, struct acp_session *as, const char *method,
    cJSON *params)
{
	struct acp_pending *p = xcalloc(1, sizeof *p);

	p->id = ++a->next_id;
	p->as = as;
	p->next = a->pending;
	a->pending = p;
	acp_send(a, jsonrpc_request(p->id, method, params));
	return p->id;
}

/* See acp-int.h. */
void
acp_prompt_done(struct acp_session *as, const char *stop_reason,
    const char *error)
{
	cJSON *r, *id = as->prompt_id;

	if (id == NULL)
		return;
	as->prompt_id = NULL;
	if (as->cancelled)
		stop_reason = "cancelled";	/* the spec says so, whatever ended it */
	as->cancelled = 0;
	if (error != NULL && strcmp(stop_reason, "cancelled") != 0)
		acp_send(as->acp, jsonrpc_error(id, JSONRPC_INTERNAL_ERROR, error,
		    NULL));
	else {
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "stopReason", stop_reason);
		acp_reply(as->acp, id, r);
	}
	cJSON_Delete(id);
}

/* A string member of params, or NULL. */
static const char *
acp_param_str(const struct jsonrpc_msg *m, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m->params, key));
}

/* The session a request names; answers the error itself when there is none. */
static struct acp_session *
acp_find_session(struct acp *a, const struct jsonrpc_msg *m)
{
	const char *id = acp_param_str(m, "sessionId");
	struct acp_session *as;

	if (id == NULL) {
		if (m->kind == JSONRPC_REQUEST)
			acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, "invalid params: "
			    "\"sessionId\" must be a string");
		return NULL;
	}
	for (as = a->sessions; as != NULL; as = as->next)
		if (strcmp(as->id, id) == 0)
			return as;
	if (m->kind == JSONRPC_REQUEST) {
		char *msg = xasprintf("no session '%.200s' in this process "
		    "(session/load opens a stored one)", id);

		acp_fail(a, m->id, JSONRPC_NOT_FOUND, msg);
		free(msg);
	}
	return NULL;
}

/*
 * Close one session (already out of the list): stop watching its shell,
 * tear it down (work in flight is recorded as it ends), forget requests to
 * the client about it, free it.
 */
static void
acp_close(struct acp *a, struct acp_session *as)
{
	struct acp_pending **pp, *p;

	acp_update_unwatch(as);
	mention_send_cancel(as->sending);
	session_close(as->s);
	for (pp = &a->pending; (p = *pp) != NULL;) {
		if (p->as == as) {
			*pp = p->next;
			free(p);
		} else
			pp = &p->next;
	}
	cJSON_Delete(as->prompt_id);
	cJSON_Delete(as->mcp_servers);
	acp_update_free_calls(as);
	free(as->refusal);
	free(as->ask_call);
	free(as->ask_rule);
	free(as->id);
	free(as);
}

/* initialize: agree on version 1 and say what cade offers. */
static void
acp_initialize(struct acp *a, const struct jsonrpc_msg *m)
{
	cJSON *r, *caps, *pc, *info;

	if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m->params,
	    "protocolVersion"))) {
		acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, "invalid params: "
		    "\"protocolVersion\" must be a number");
		return;
	}
	a->initialized = 1;
	r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "protocolVersion", ACP_PROTOCOL_VERSION);
	caps = cJSON_AddObjectToObject(r, "agentCapabilities");
	cJSON_AddBoolToObject(caps, "loadSession", 1);
	cJSON_AddObjectToObject(cJSON_AddObjectToObject(caps,
	    "sessionCapabilities"), "close");
	pc = cJSON_AddObjectToObject(caps, "promptCapabilities");
	/* Images are taken unless the images setting is off (whether the
	 * model takes them is asked per prompt, as for @path). */
	cJSON_AddBoolToObject(pc, "image", strcmp(conf_str(a->cfg, "images"),
	    "off") != 0);
	cJSON_AddBoolToObject(pc, "audio", 0);
	cJSON_AddBoolToObject(pc, "embeddedContext", 1);
	pc = cJSON_AddObjectToObject(caps, "mcpCapabilities");
	cJSON_AddBoolToObject(pc, "http", 1);
	cJSON_AddBoolToObject(pc, "sse", 0);
	info = cJSON_AddObjectToObject(r, "agentInfo");
	cJSON_AddStringToObject(info, "name", "cade");
	cJSON_AddStringToObject(info, "title", "cade");
	cJSON_AddStringToObject(info, "version", PACKAGE_VERSION);
	cJSON_AddArrayToObject(r, "authMethods");
	acp_reply(a, m->id, r);
}

/* authenticate: cade offers no methods (the API key is configuration). */
static void
acp_authenticate(struct acp *a, const struct jsonrpc_msg *m)
{
	acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, "invalid params: cade "
	    "offers no authentication methods; the LLM key comes from "
	    "LLM_API_KEY or the config file");
}

/* ACP's [{name, value}] list as an object, for env and headers. */
static int
acp_mcp_pairs(const cJSON *list, cJSON *into)
{
	const cJSON *p, *n, *v;

	if (list == NULL)
		return 0;
	if (!cJSON_IsArray(list))
		return -1;
	cJSON_ArrayForEach(p, list) {
		n = cJSON_GetObjectItemCaseSensitive(p, "name");
		v = cJSON_GetObjectItemCaseSensitive(p, "value");
		if (!cJSON_IsString(n) || !cJSON_IsString(v))
			return -1;
		cJSON_DeleteItemFromObjectCaseSensitive(into, n->valuestring);
		cJSON_AddStringToObject(into, n->valuestring, v->valuestring);
	}
	return 0;
}

/*
 * ACP's mcpServers (stdio: name, command, args, env; http: type, name,
 * url, headers) as mcp.json entries {"name": {...}} for the MCP client;
 * NULL with a static reason.
 */
static cJSON *
acp_mcp_servers(const cJSON *list, const char **why)
{
	cJSON *out = cJSON_CreateObject(), *e, *args;
	const cJSON *srv, *a, *x;
	const char *name, *type, *cmd, *url;

	cJSON_ArrayForEach(srv, list) {
		name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(srv, "name"));
		type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(srv, "type"));
		if (name == NULL || cJSON_GetObjectItemCaseSensitive(out, name) != NULL) {
			*why = "invalid params: each MCP server needs a unique \"name\"";
			goto fail;
		}
		e = cJSON_AddObjectToObject(out, name);
		if (type != NULL && strcmp(type, "http") == 0) {
			url = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(srv, "url"));
			if (url == NULL || acp_mcp_pairs(cJSON_GetObjectItemCaseSensitive(srv,
			    "headers"), cJSON_AddObjectToObject(e, "headers")) == -1) {
				*why = "invalid params: an http MCP server needs \"url\" "
				    "and [{name, value}] \"headers\"";
				goto fail;
			}
			cJSON_AddStringToObject(e, "url", url);
			continue;
		}
		if (type != NULL && strcmp(type, "stdio") != 0) {
			*why = "invalid params: cade connects to MCP servers over stdio "
			    "and http, not this transport";
			goto fail;
		}
		cmd = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(srv, "command"));
		a = cJSON_GetObjectItemCaseSensitive(srv, "args");
		if (cmd == NULL || (a != NULL && !cJSON_IsArray(a)) ||
		    acp_mcp_pairs(cJSON_GetObjectItemCaseSensitive(srv, "env"),
		    cJSON_AddObjectToObject(e, "env")) == -1) {
			*why = "invalid params: a stdio MCP server needs \"command\", "
			    "\"args\" and [{name, value}] \"env\"";
			goto fail;
		}
		cJSON_AddStringToObject(e, "command", cmd);
		args = cJSON_AddArrayToObject(e, "args");
		cJSON_ArrayForEach(x, a) {
			if (!cJSON_IsString(x)) {
				*why = "invalid params: MCP server \"args\" must be strings";
				goto fail;
			}
			cJSON_AddItemToArray(args, cJSON_CreateString(x->valuestring));
		}
	}
	return out;
fail:
	cJSON_Delete(out);
	return NULL;
}

/* Check cwd and mcpServers of session/new and session/load. */
static int
acp_session_params(struct acp *a, const struct jsonrpc_msg *m, const char **cwd,
    cJSON **mcp)
{
	const cJSON *list;
	const char *why = NULL;

	*mcp = NULL;
	*cwd = acp_param_str(m, "cwd");
	list = cJSON_GetObjectItemCaseSensitive(m->params, "mcpServers");
	if (*cwd == NULL || **cwd != '/') {
		acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, "invalid params: "
		    "\"cwd\" must be an absolute path");
		return -1;
	}
	if (list != NULL && !cJSON_IsArray(list)) {
		acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, "invalid params: "
		    "\"mcpServers\" must be an array");
		return -1;
	}
	if ((*mcp = acp_mcp_servers(list, &why)) == NULL) {
		acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, why);
		return -1;
	}
	return 0;
}

/* Open a session (new, or stored with resume) rooted at cwd. */
static struct acp_session *
acp_open(struct acp *a, const char *cwd, cJSON *mcp, const char *resume,
    char **cause)
{
	struct acp_session *as = xcalloc(1, sizeof *as);
	struct session_opts so;

	as->acp = a;
	as->mcp_servers = mcp;
	memset(&so, 0, sizeof so);
	so.resume = resume;
	so.rows = 50;
	so.cols = 160;
	so.ask = ASK_PERSON;
	so.replay_to_sinks = resume != NULL;
	so.sink[0] = acp_update_sink;
	so.sink_arg = as;
	so.loop = a->loop;
	so.root = cwd;
	so.mcp_servers = as->mcp_servers;
	as->replaying = resume != NULL;
	as->id = xstrdup(resume != NULL ? resume : "");
	as->replay_dir = resume != NULL ? store_dir(a->cfg) : NULL;
	as->s = session_open(a->cfg, &so, cause);
	as->replaying = 0;
	free(as->replay_dir);
	as->replay_dir = NULL;
	if (as->s == NULL) {
		cJSON_Delete(as->mcp_servers);
		acp_update_free_calls(as);
		free(as->id);
		free(as);
		return NULL;
	}
	free(as->id);
	as->id = xstrdup(as->s->id);
	acp_update_watch(as);
	as->next = a->sessions;
	a->sessions = as;
	log_debug("acp: session %s at %s (%d MCP servers from the client)",
	    as->id, cwd, cJSON_GetArraySize(as->mcp_servers));
	return as;
}

/* The response to session/new and session/load: the confirmation modes. */
static cJSON *
acp_session_result(struct acp_session *as, int with_id)
{
	cJSON *r = cJSON_CreateObject();

	if (with_id)
		cJSON_AddStringToObject(r, "sessionId", as->id);
	cJSON_AddItemToObject(r, "modes", acp_update_modes(conf_str(as->acp->cfg,
	    "confirm")));
	return r;
}

/* session/new. */
static void
acp_session_new(struct acp *a, const struct jsonrpc_msg *m)
{
	struct acp_session *as;
	cJSON *mcp;
	const char *cwd;
	char *cause = NULL;

	if (acp_session_params(a, m, &cwd, &mcp) == -1)
		return;
	if ((as = acp_open(a, cwd, mcp, NULL, &cause)) == NULL) {
		acp_fail(a, m->id, JSONRPC_INTERNAL_ERROR, cause);
		free(cause);
		return;
	}
	acp_reply(a, m->id, acp_session_result(as, 1));
	acp_update_commands(as);
}

/* session/load: open a stored session and replay it as updates. */
static void
acp_session_load(struct acp *a, const struct jsonrpc_msg *m)
{
	struct acp_session *as;
	cJSON *mcp;
	const char *cwd, *id = acp_param_str(m, "sessionId");
	char *cause = NULL, *dir, *full;

	if (id == NULL) {
		acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, "invalid params: "
		    "\"sessionId\" must be a string");
		return;
	}
	for (as = a->sessions; as != NULL; as = as->next)
		if (strcmp(as->id, id) == 0) {
			acp_fail(a, m->id, JSONRPC_INVALID_REQUEST, "invalid "
			    "request: the session is already open in this process");
			return;
		}
	/* Exact ids only: no "last", no prefixes. */
	dir = store_dir(a->cfg);
	full = store_resolve(dir, id, &cause);
	free(dir);
	if (full == NULL || strcmp(full, id) != 0) {
		free(cause);
		cause = xasprintf("no stored session '%.200s'", id);
		acp_fail(a, m->id, JSONRPC_NOT_FOUND, cause);
		free(cause);
		free(full);
		return;
	}
	free(full);
	if (acp_session_params(a, m, &cwd, &mcp) == -1)
		return;
	if ((as = acp_open(a, cwd, mcp, id, &cause)) == NULL) {
		acp_fail(a, m->id, JSONRPC_INTERNAL_ERROR, cause);
		free(cause);
		return;
	}
	acp_reply(a, m->id, acp_session_result(as, 0));
	acp_update_commands(as);
}

/* session/set_mode: the confirmation mode (always, risky, never). */
static void
acp_session_set_mode(struct acp *a, const struct jsonrpc_msg *m)
{
	struct acp_session *as;
	const char *mode = acp_param_str(m, "modeId");
	char *cause = NULL;
	cJSON *u;

	if ((as = acp_find_session(a, m)) == NULL)
		return;
	if (mode == NULL || policy_set_confirm(as->s->policy, mode, &cause) == -1) {
		free(cause);
		acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, "invalid params: "
		    "\"modeId\" must be always, risky or never");
		return;
	}
	u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "sessionUpdate", "current_mode_update");
	cJSON_AddStringToObject(u, "currentModeId", mode);
	acp_notify_update(as, u);
	acp_reply(a, m->id, cJSON_CreateObject());
}

/*
 * An image's base64 bytes (an image block, or a resource's blob of an
 * image type) into imgs, named by its URI or its place; -1 if the data is
 * not base64.  Whether it is an image the model may take is
 * mention_check_images()'s question.
 */
static int
acp_prompt_image(struct mention_images *imgs, const char *data,
    const char *uri)
{
	struct buf raw;
	char *name, *data_out;
	size_t len;

	buf_init(&raw, 0);
	if (data == NULL || buf_unbase64(&raw, data, strlen(data)) == -1) {
		buf_free(&raw);
		return -1;
	}
	name = uri != NULL ? xstrdup(uri) : xasprintf("image %zu", imgs->n + 1);
	data_out = buf_detach(&raw, &len);
	mention_images_add(imgs, name, data_out, len);
	free(name);
	return 0;
}

/*
 * Append one prompt content block as text for the model, or an image to
 * imgs; -1 if unsupported or malformed.
 */
static int
acp_prompt_block(struct buf *b, struct mention_images *imgs,
    const cJSON *block)
{
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(block, "type"));
	const cJSON *res;
	const char *uri, *text, *name, *mime;

	if (type == NULL)
		return -1;
	if (strcmp(type, "image") == 0)
		return acp_prompt_image(imgs, cJSON_GetStringValue(
		    cJSON_GetObjectItem(block, "data")), cJSON_GetStringValue(
		    cJSON_GetObjectItem(block, "uri")));
	res = cJSON_GetObjectItem(block, "resource");
	mime = cJSON_GetStringValue(cJSON_GetObjectItem(res, "mimeType"));
	if (strcmp(type, "resource") == 0 && mime != NULL &&
	    strncmp(mime, "image/", 6) == 0 &&
	    cJSON_GetObjectItem(res, "blob") != NULL)
		return acp_prompt_image(imgs, cJSON_GetStringValue(
		    cJSON_GetObjectItem(res, "blob")), cJSON_GetStringValue(
		    cJSON_GetObjectItem(res, "uri")));
	if (b->len > 0)
		(void)buf_putc(b, '\n');
	if (strcmp(type, "text") == 0) {
		text = cJSON_GetStringValue(cJSON_GetObjectItem(block, "text"));
		return text != NULL ? buf_puts(b, text) : -1;
	}
	if (strcmp(type, "resource_link") == 0) {
		uri = cJSON_GetStringValue(cJSON_GetObjectItem(block, "uri"));
		name = cJSON_GetStringValue(cJSON_GetObjectItem(block, "name"));
		if (uri == NULL)
			return -1;
		return buf_printf(b, "[%s](%s)", name != NULL ? name : uri, uri);
	}
	if (strcmp(type, "resource") == 0) {
		uri = cJSON_GetStringValue(cJSON_GetObjectItem(res, "uri"));
		text = cJSON_GetStringValue(cJSON_GetObjectItem(res, "text"));
		if (uri == NULL)
			return -1;
		if (text == NULL)
			return buf_printf(b, "(attached binary resource %s, not shown)",
			    uri);
		return buf_printf(b, "<context uri=\"%s\">\n%s\n</context>", uri,
		    text);
	}
	return -1;
}

/* An image not sent to the model: one line to the client, the turn goes on. */
static void
acp_prompt_refused(const char *line, void *arg)
{
	struct acp_session *as = arg;
	cJSON *u = cJSON_CreateObject(), *c;
	char *text = xasprintf("cade: %s\n", line);

	cJSON_AddStringToObject(u, "sessionUpdate", "agent_message_chunk");
	c = cJSON_AddObjectToObject(u, "content");
	cJSON_AddStringToObject(c, "type", "text");
	cJSON_AddStringToObject(c, "text", text);
	free(text);
	acp_notify_update(as, u);
}

/* The prompt reached the agent. */
static void
acp_prompt_sent(void *arg)
{
	struct acp_session *as = arg;

	as->sending = NULL;
}

/* session/prompt: start a turn; answered at the agent's finish event. */
static void
acp_session_prompt(struct acp *a, const struct jsonrpc_msg *m)
{
	struct acp_session *as;
	const cJSON *prompt, *block;
	struct mention_images imgs;
	struct buf b;
	char *text;

	if ((as = acp_find_session(a, m)) == NULL)
		return;
	prompt = cJSON_GetObjectItemCaseSensitive(m->params, "prompt");
	if (!cJSON_IsArray(prompt) || cJSON_GetArraySize(prompt) == 0) {
		acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, "invalid params: "
		    "\"prompt\" must be a non-empty array of content blocks");
		return;
	}
	if (as->prompt_id != NULL) {
		acp_fail(a, m->id, JSONRPC_INVALID_REQUEST, "invalid request: a "
		    "prompt is already running in this session (send "
		    "session/cancel first)");
		return;
	}
	buf_init(&b, JSONRPC_MAX_LINE);
	memset(&imgs, 0, sizeof imgs);
	cJSON_ArrayForEach(block, prompt) {
		if (acp_prompt_block(&b, &imgs, block) == -1) {
			buf_free(&b);
			mention_images_free(&imgs);
			acp_fail(a, m->id, JSONRPC_INVALID_PARAMS, "invalid params: "
			    "cade takes text, image (base64 data), resource_link "
			    "and resource blocks");
			return;
		}
	}
	text = buf_detach(&b, NULL);
	as->prompt_id = cJSON_Duplicate(m->id, 1);
	as->cancelled = 0;
	/* Images go as content parts, checked and kept as @path's are. */
	if (imgs.n > 0 || !acp_update_command(as, text))
		as->sending = mention_send(as->s, text, 0, &imgs,
		    acp_prompt_refused, acp_prompt_sent, as);
	mention_images_free(&imgs);
	free(text);
}

/* session/cancel (a notification): stop the step as Ctrl-C does. */
static void
acp_session_cancel(struct acp *a, const struct jsonrpc_msg *m)
{
	struct acp_session *as;

	if ((as = acp_find_session(a, m)) == NULL || as->prompt_id == NULL)
		return;
	as->cancelled = 1;
	if (as->sending != NULL) {
		/* Still asking for the model list: the message never went. */
		mention_send_cancel(as->sending);
		as->sending = NULL;
		acp_prompt_done(as, "cancelled", NULL);
		return;
	}
	/* A permission request still out is answered "cancelled" by the
	 * client; the action is refused here, and the next ask may go. */
	as->ask_req = 0;
	free(as->ask_call);
	as->ask_call = NULL;
	agent_cancel(as->s->agent);
}

/* session/close: cancel what runs, answer its prompt, free the session. */
static void
acp_session_close(struct acp *a, const struct jsonrpc_msg *m)
{
	struct acp_session *as, **pp;

	if ((as = acp_find_session(a, m)) == NULL)
		return;
	for (pp = &a->sessions; *pp != as; pp = &(*pp)->next)
		;
	*pp = as->next;
	if (as->prompt_id != NULL) {
		as->cancelled = 1;
		agent_cancel(as->s->agent);
		acp_prompt_done(as, "cancelled", NULL);
	}
	acp_close(a, as);
	acp_reply(a, m->id, cJSON_CreateObject());
}

static const struct acp_method acp_methods[] = {
	{ "initialize", 0, 1, acp_initialize },
	{ "authenticate", 0, 1, acp_authenticate },
	{ "session/new", 0, 0, acp_session_new },
	{ "session/load", 0, 0, acp_session_load },
	{ "session/set_mode", 0, 0, acp_session_set_mode },
	{ "session/prompt", 0, 0, acp_session_prompt },
	{ "session/cancel", 1, 0, acp_session_cancel },
	{ "session/close", 0, 0, acp_session_close },
};

/* A response from the client to one of cade's requests. */
static void
acp_response(struct acp *a, const struct jsonrpc_msg *m)
{
	struct acp_pending **pp, *p;
	const char *err = NULL;
	long id;

	if (!cJSON_IsNumber(m->id))
		return;
	id = (long)m->id->valuedouble;
	for (pp = &a->pending; (p = *pp) != NULL; pp = &p->next)
		if (p->id == id)
			break;
	if (p == NULL) {
		log_debug("acp: response to unknown request %ld", id);
		return;
	}
	*pp = p->next;
	if (m->error != NULL)
		err = cJSON_GetStringValue(cJSON_GetObjectItem(m->error, "message"));
	acp_update_answer(p->as, id, m->error != NULL ? NULL : m->result,
	    m->error != NULL ? (err != NULL ? err : "error") : NULL);
	free(p);
}

/* One line from the client. */
static void
acp_line(const char *line, size_t len, int too_long, void *arg)
{
	struct acp *a = arg;
	struct jsonrpc_msg m;
	const struct acp_method *me = NULL;
	size_t i;
	char *msg;

	if (too_long) {
		acp_fail(a, NULL, JSONRPC_INVALID_REQUEST, "invalid request: "
		    "message too large");
		return;
	}
	jsonrpc_parse(line, len, &m);
	switch (m.kind) {
	case JSONRPC_INVALID:
		acp_fail(a, m.id, m.code, m.message);
		goto out;
	case JSONRPC_RESPONSE:
		acp_response(a, &m);
		goto out;
	case JSONRPC_REQUEST:
	case JSONRPC_NOTIFICATION:
		break;
	}
	for (i = 0; i < nitems(acp_methods); i++)
		if (strcmp(acp_methods[i].name, m.method) == 0)
			me = &acp_methods[i];
	if (m.kind == JSONRPC_NOTIFICATION) {
		/* Notifications are never answered, even when wrong. */
		if (me != NULL && me->notification && a->initialized &&
		    cJSON_IsObject(m.params))
			me->fn(a, &m);
		goto out;
	}
	if (me == NULL || me->notification) {
		msg = xasprintf("method not found: '%.100s'", m.method);
		acp_fail(a, m.id, JSONRPC_METHOD_NOT_FOUND, msg);
		free(msg);
	} else if (!a->initialized && !me->before_init)
		acp_fail(a, m.id, JSONRPC_INVALID_REQUEST, "invalid request: "
		    "send initialize first");
	else if (!cJSON_IsObject(m.params))
		acp_fail(a, m.id, JSONRPC_INVALID_PARAMS, "invalid params: "
		    "\"params\" must be an object");
	else
		me->fn(a, &m);
out:
	jsonrpc_msg_free(&m);
}

/* stdin readable: feed the splitter; EOF ends the server. */
static void
acp_read(struct loop *l, int fd, int revents, void *arg)
{
	struct acp *a = arg;
	char chunk[65536];
	ssize_t n;

	n = read(fd, chunk, sizeof chunk);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		jsonrpc_reader_finish(&a->reader);
		loop_fd_del(l, fd);
		loop_stop(l, CADE_EXIT_OK);
		return;
	}
	jsonrpc_reader_feed(&a->reader, chunk, (size_t)n);
}

/* SIGTERM/SIGHUP/SIGINT: close every session (all is stored) and exit. */
static void
acp_signal(struct loop *l, int signo, void *arg)
{
	struct acp *a = arg;

	a->exit_code = CADE_EXIT_INTERRUPTED;
	loop_stop(l, CADE_EXIT_INTERRUPTED);
}

/* Keep the protocol streams private: fd 1 -> stderr, fd 0 -> /dev/null. */
static int
acp_take_stdio(struct acp *a, char **cause)
{
	int null;

	if ((a->in_fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (a->out_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) == -1) {
		*cause = xasprintf("cannot take stdin/stdout: %s", strerror(errno));
		return -1;
	}
	if (dup2(STDERR_FILENO, STDOUT_FILENO) == -1 ||
	    (null = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1) {
		*cause = xasprintf("cannot redirect stdio: %s", strerror(errno));
		return -1;
	}
	close(null);
	(void)util_set_nonblock(a->in_fd);
	return 0;
}

/* cade acp. */
int
acp_main(struct config *cfg, const struct cade_run *run)
{
	struct acp a;
	struct acp_session *as;
	struct acp_pending *p;
	char *cause = NULL;

	(void)run;
	memset(&a, 0, sizeof a);
	a.cfg = cfg;
	a.in_fd = a.out_fd = -1;
	if (acp_take_stdio(&a, &cause) == -1) {
		fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		return CADE_EXIT_ERROR;
	}
	signal(SIGPIPE, SIG_IGN);
	a.loop = loop_new();
	jsonrpc_reader_init(&a.reader, JSONRPC_MAX_LINE, acp_line, &a);
	loop_fd_add(a.loop, a.in_fd, POLLIN, acp_read, &a);
	loop_signal_add(a.loop, SIGTERM, acp_signal, &a);
	loop_signal_add(a.loop, SIGHUP, acp_signal, &a);
	loop_signal_add(a.loop, SIGINT, acp_signal, &a);
	loop_run(a.loop);

	while ((as = a.sessions) != NULL) {
		a.sessions = as->next;
		acp_close(&a, as);
	}
	while ((p = a.pending) != NULL) {
		a.pending = p->next;
		free(p);
	}
	jsonrpc_reader_free(&a.reader);
	loop_free(a.loop);
	close(a.in_fd);
	close(a.out_fd);
	return a.exit_code;
}
