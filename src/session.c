/*
 * session.c: assembling and tearing down one session (see session.h).
 *
 * The policy is loaded first, with the project's rules at the workspace
 * root (policy_load(), the loader `cade policy check` uses too), so that a
 * broken rules file at any level stops cade before any session, workspace
 * or container exists.  On resume the stored
 * events are replayed into the agent (and, for the TUI, to its sinks)
 * before the store sink is subscribed, so nothing is written twice.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/agent.h"
#include "cade/buf.h"
#include "cade/checkpoint.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/llm.h"
#include "cade/loop.h"
#include "cade/mcp.h"
#include "cade/policy.h"
#include "cade/sandbox.h"
#include "cade/session.h"
#include "cade/shell.h"
#include "cade/store.h"
#include "cade/undo.h"
#include "cade/util.h"
#include "cade/workspace.h"

struct session_replay {
	struct session	*s;
	int		 to_sinks;
	uint64_t	 last_seq;
};

/* One stored event: into the agent, and to the sinks if asked. */
static void
session_replay_event(struct event *ev, void *arg)
{
	struct session_replay *r = arg;

	agent_replay(r->s->agent, ev);
	undo_log_feed(r->s->undo, ev);
	if (ev->seq > r->last_seq)
		r->last_seq = ev->seq;
	if (r->to_sinks)
		event_bus_emit(r->s->bus, ev);		/* frees ev */
	else
		event_free(ev);
}

/*
 * The store cannot take more events: stop the task rather than lose them,
 * and keep the reason: the front end ends the run with it and a non-zero
 * exit, whatever the task's own outcome (the answer itself may be lost).
 */
static void
session_store_failed(const char *why, void *arg)
{
	struct session *s = arg;
	char *msg = xasprintf("%s; stopping so that no more of the session is "
	    "lost", why);

	if (s->store_error == NULL)
		s->store_error = xstrdup(msg);

	agent_fail(s->agent, msg);
	free(msg);
}

/* file:// URI of a directory, percent-encoded (RFC 8089). */
static char *
session_file_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	const unsigned char *p;

	buf_init(&b, 0);
	(void)buf_puts(&b, "file://");
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p) != NULL)
			(void)buf_putc(&b, *p);
		else
			(void)buf_printf(&b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	return buf_detach(&b, NULL);
}

/*
 * The session's MCP servers, read here and started at the end of
 * session_open(), before the first request (bounded by mcp_timeout).  A
 * project's servers start only when trusted: remembered,
 * mcp_trust_project, or --yes.
 */
static int
session_mcp(struct session *s, const struct session_opts *o, char **cause)
{
	struct mcp_opts mo;
	char *uri = session_file_uri(s->ws->root);

	memset(&mo, 0, sizeof mo);
	mo.project_root = s->ws->root;
	mo.roots_uri = uri;
	mo.trust_project = conf_bool(s->cfg, "mcp_trust_project") ||
	    o->ask == ASK_APPROVE;
	mo.extra = o->mcp_servers;
	s->mcp = mcp_new(s->loop, s->cfg, s->bus, &mo, cause);
	free(uri);
	return s->mcp != NULL ? 0 : -1;
}

/*
 * What contains the commands: the local sandbox's record (mechanism,
 * network, writable and hidden paths), or the Docker container's.
 */
static cJSON *
session_containment(struct session *s)
{
	cJSON *o;

	if (s->ws->sandbox != NULL)
		o = sandbox_json(s->ws->sandbox);
	else {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "mechanism", ws_containment(s->ws));
		cJSON_AddStringToObject(o, "network", ws_network(s->ws, s->cfg) ?
		    "on" : "off");
	}
	return o;
}

/* The endpoint's list came with prices: cost what was counted without. */
static void
session_prices(void *arg)
{
	struct session *s = arg;

	if (s->agent != NULL)
		agent_reprice(s->agent);
}

/* Build everything; on failure undo what was built. */
struct session *
session_open(struct config *cfg, const struct session_opts *o, char **cause)
{
	struct session *s = xcalloc(1, sizeof *s);
	struct session_replay r;
	struct agent_deps d;
	char *warning = NULL, *cwd, *root;
	cJSON *containment;
	size_t i;

	s->cfg = cfg;
	s->own_loop = o->loop == NULL;
	s->loop = o->loop != NULL ? o->loop : loop_new();
	s->bus = event_bus_new();
	s->dir = store_dir(cfg);
	/*
	 * The policy first (built-in < user < project, the loader `cade
	 * policy check` uses): a broken file at any level stops here, before
	 * any session, workspace or container exists.  The project is the
	 * workspace root (o->root, else workspace_dir, else cwd).
	 */
	if ((root = conf_workspace_root(cfg, o->root, cause)) == NULL)
		goto fail;
	s->policy = policy_load(cfg, root, cause);
	if (s->policy == NULL) {
		free(root);
		goto fail;
	}
	if (o->resume != NULL) {
		/* "last" is the last session of this workspace, not the machine's. */
		s->id = store_resolve_except(s->dir, o->resume, NULL, root, cause);
		free(root);
		root = NULL;
		if (s->id == NULL ||
		    (s->store = store_open(s->dir, s->id, cause)) == NULL)
			goto fail;
	} else {
		free(root);
		root = NULL;
		if ((s->store = store_create(s->dir, &s->id, cause)) == NULL)
			goto fail;
	}
	if ((s->ws = ws_create(cfg, o->root, s->id, cause)) == NULL)
		goto fail;
	cwd = xasprintf("%s/%s", s->dir, s->id);
	s->ckpt = ckpt_open(cfg, cwd, s->ws->root);
	free(cwd);
	s->undo = undo_log_new();
	s->shell = shell_new(s->loop, s->ws, (size_t)conf_int(cfg, "output_limit"));
	if (shell_start(s->shell, o->rows, o->cols, cause) == -1)
		goto fail;
	/* The gate judges by what actually contains the commands. */
	policy_set_contained(s->policy, strcmp(ws_containment(s->ws), "off") != 0);
	s->llm = o->pool != NULL ? llm_new_pooled(s->loop, cfg, o->pool) :
	    llm_new(s->loop, cfg);
	/* Listed prices, if none is configured: cached, or on their way. */
	s->prices = llm_prices_start(s->loop, cfg, o->model != NULL ? o->model :
	    conf_str(cfg, "model"), session_prices, s);
	if (session_mcp(s, o, cause) == -1)
		goto fail;

	d = (struct agent_deps){
		.loop = s->loop, .cfg = cfg, .bus = s->bus, .ws = s->ws,
		.shell = s->shell, .policy = s->policy, .llm = s->llm,
		.session_id = s->id, .ask = o->ask, .tools = mcp_tools(s->mcp),
		.ckpt = s->ckpt,
	};
	s->agent = agent_new(&d);
	if (o->model != NULL)
		agent_set_model(s->agent, o->model);
	if (o->confirm != NULL && policy_set_confirm(s->policy, o->confirm,
	    cause) == -1)
		goto fail;

	for (i = 0; i < SESSION_SINKS; i++)
		if (o->sink[i] != NULL)
			event_bus_subscribe(s->bus, o->sink[i], o->sink_arg);
	if (o->resume != NULL) {
		memset(&r, 0, sizeof r);
		r.s = s;
		r.to_sinks = o->replay_to_sinks;
		if (store_replay(s->dir, s->id, session_replay_event, &r, &warning,
		    cause) == -1)
			goto fail;
		event_bus_set_seq(s->bus, r.last_seq);
		/* Appends start on a line of their own. */
		if (store_repair_tail(s->store, cause) == -1)
			goto fail;
	}
	event_bus_subscribe(s->bus, undo_log_sink, s->undo);
	event_bus_subscribe(s->bus, store_sink, s->store);
	store_on_error(s->store, session_store_failed, s);
	if (warning != NULL) {
		event_post_notice(s->bus, &(struct ev_notice){ .text = warning });
		free(warning);
	}
	cwd = getcwd(NULL, 0);
	containment = session_containment(s);
	event_post_session_start(s->bus, &(struct ev_session_start){
		.id = s->id,
		.cwd = cwd,
		.root = s->ws->root,
		.workspace = s->ws->ops->name,
		.workspace_id = s->ws->id,
		.shell = s->ws->shell_name,
		.model = o->model != NULL ? o->model : conf_str(cfg, "model"),
		.version = PACKAGE_VERSION,
		.resumed = o->resume != NULL,
		.sandbox = containment,
	});
	cJSON_Delete(containment);
	free(cwd);
	if (s->ws->sandbox != NULL && sandbox_why_off(s->ws->sandbox) != NULL) {
		char *text = xasprintf("commands are NOT contained (%s): %s",
		    sandbox_wanted(s->ws->sandbox) == SANDBOX_OFF ?
		    "the sandbox is off" : "no sandbox mechanism could start",
		    sandbox_why_off(s->ws->sandbox));

		event_post_notice(s->bus, &(struct ev_notice){ .text = text });
		free(text);
	}
	if (o->resume != NULL)
		agent_replay_done(s->agent);
	/* After the sinks: what a server says reaches the person and the store. */
	(void)mcp_start(s->mcp, s->own_loop);
	return s;
fail:
	free(warning);
	if (o->resume == NULL && s->store != NULL) {
		store_discard(s->store);	/* no empty session left behind */
		s->store = NULL;
	}
	session_close(s);
	return NULL;
}

/* Tear down in reverse order; the container goes with the workspace. */
void
session_close(struct session *s)
{
	if (s == NULL)
		return;
	agent_shutdown(s->agent);
	mcp_free(s->mcp);	/* a call in flight is answered here */
	shell_free(s->shell);	/* a command in flight is answered here */
	s->shell = NULL;
	agent_close_task(s->agent);	/* and the task gets its finish event */
	llm_prices_free(s->prices);
	agent_free(s->agent);
	llm_free(s->llm);
	if (s->ws != NULL)
		ws_destroy(s->ws);
	ckpt_free(s->ckpt);
	undo_log_free(s->undo);
	policy_free(s->policy);
	store_close(s->store);
	event_bus_free(s->bus);
	if (s->own_loop)
		loop_free(s->loop);
	free(s->id);
	free(s->dir);
	free(s->store_error);
	free(s);
}
