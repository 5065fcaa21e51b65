/*
 * mcp.h: the Model Context Protocol client (doc/MCP.md).
 *
 * One struct mcp per session holds that session's MCP servers: stdio servers
 * (a child process on pipes, one JSON-RPC message per line) and streamable
 * HTTP servers (a POST per message over libcurl, replies as JSON or SSE).
 * Everything runs on the session's loop; nothing blocks.  Each server goes
 * starting -> ready, or to disabled with a one-line reason (failed to start,
 * exited, hung past mcp_timeout, malformed JSON-RPC); a disabled server's
 * tools disappear and cade keeps working.
 *
 * Tools are offered to the model as mcp__<server>__<tool> through a
 * struct tool_set the tool registry searches after the built-in tools.  A
 * tool entry stays valid until mcp_free(), even after the server drops the
 * tool (a call already running keeps its entry).
 */
#ifndef CADE_MCP_H
#define CADE_MCP_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct config;
struct event_bus;
struct loop;
struct mcp;
struct tool_set;

/* Where servers come from, and whether the project's may start. */
struct mcp_opts {
	const char	*user_file;	/* NULL: $XDG_CONFIG_HOME/cade/mcp.json */
	const char	*project_root;	/* the workspace: <root>/.cade/mcp.json */
	const char	*roots_uri;	/* file:// URI answered to roots/list */
	int		 trust_project;	/* start the project's servers */
	const cJSON	*extra;		/* more {"name": {...}} entries (ACP), may be NULL */
};

/* Reads the configuration; NULL with *cause on a broken mcp.json. */
struct mcp	*mcp_new(struct loop *, const struct config *, struct event_bus *,
		    const struct mcp_opts *, char **cause);
/* Stops every server (and its process group) and frees everything. */
void		 mcp_free(struct mcp *);
/*
 * Starts every configured server.  With wait, runs the loop until each is
 * ready or disabled (at most mcp_timeout seconds) and returns the number
 * ready; without (a loop other sessions share), returns at once and the
 * tool set says pending until they settle (the agent's first request
 * waits for that).
 */
int		 mcp_start(struct mcp *, int wait);
/* Servers configured, and those that are ready. */
size_t		 mcp_count(const struct mcp *);
/* The tools of ready servers, for tool_find_in()/tool_schemas(). */
const struct tool_set *mcp_tools(const struct mcp *);
/* 1 if the project has servers that were not started for want of trust. */
int		 mcp_untrusted(const struct mcp *);
/* Trust this project's mcp.json (as it is now) and start its servers. */
int		 mcp_trust(struct mcp *, char **cause);
/* One line per server (state, protocol, transport, tools): cade mcp list, /mcp. */
char		*mcp_describe(const struct mcp *, int verbose);

/* The trust store: 1 if root's .cade/mcp.json, as it is now, was trusted. */
int		 mcp_trusted(const char *project_root);

/* `cade mcp ...`: list, add, remove. */
int		 mcp_main(int argc, char **argv, struct config *);

#endif
