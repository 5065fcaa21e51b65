/*
 * mcp-int.h: what the MCP client's files share (see cade/mcp.h).
 *
 * rpc.c frames and classifies JSON-RPC messages (no I/O: fuzzed);
 * server.c runs one server over stdio or streamable HTTP; mcp.c reads
 * mcp.json, keeps the set of tools and the trust store; cli.c is
 * `cade mcp`.
 */
#ifndef CADE_MCP_INT_H
#define CADE_MCP_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>

#include "cade/buf.h"
#include "cade/tool.h"

#define MCP_MSG_MAX	(16u * 1024 * 1024)	/* one JSON-RPC message */
#define MCP_DESC_MAX	1024			/* a tool description offered */
#define MCP_NAME_MAX	64			/* OpenAI's function name limit */
#define MCP_PROTO_LATEST "2025-11-25"

struct event_bus;
struct http_driver;
struct loop;
struct mcp;
struct mcp_server;
struct sse_parser;

/* rpc.c ---------------------------------------------------------------- */

/* Splits a byte stream into lines; CR before LF dropped; bounded. */
struct mcp_lines {
	struct buf	 line;
	int		 overflow;
};
typedef int (*mcp_line_fn)(const char *line, size_t len, void *arg);

void	mcp_lines_init(struct mcp_lines *, size_t max);
void	mcp_lines_free(struct mcp_lines *);
/* Calls fn for each complete line; -1 on a line over max or fn's -1. */
int	mcp_lines_feed(struct mcp_lines *, const char *, size_t, mcp_line_fn,
	    void *arg);

enum mcp_msg {
	MCP_MSG_REQUEST,	/* method and id */
	MCP_MSG_NOTIFY,		/* method, no id */
	MCP_MSG_REPLY,		/* id and result or error */
	MCP_MSG_BAD
};
/* Classify a parsed message; for MCP_MSG_BAD *why says what is wrong. */
enum mcp_msg	 mcp_msg_kind(const cJSON *, const char **why);
/* The numeric id of a reply or request (ours are integers); 0 if not. */
int		 mcp_msg_id(const cJSON *, int64_t *id);
/* At most max bytes of s on one line, control characters as spaces. */
char		*mcp_one_line(const char *s, size_t max);
/* A one-line printable reason from a JSON-RPC error object. */
char		*mcp_error_text(const cJSON *error);
/* Text content of a tools/call result, placeholders for the rest. */
char		*mcp_result_text(const cJSON *result, int *is_error);
/* An OpenAI-safe tool name mcp__<server>__<tool>, at most 64 bytes. */
char		*mcp_tool_name(const char *server, const char *tool);
/* 0 if a server name is usable ([A-Za-z0-9_-], no "__", 1-32 bytes). */
int		 mcp_server_name_ok(const char *);

/* server.c ------------------------------------------------------------- */

enum mcp_state {
	MCP_OFF,		/* configured, not started (untrusted project) */
	MCP_STARTING,		/* process started / first POST sent */
	MCP_LISTING,		/* initialised, asking for tools */
	MCP_READY,
	MCP_DISABLED
};

enum mcp_transport { MCP_STDIO, MCP_HTTP };

/* One tool of one server, as offered to the model. */
struct mcp_tool {
	struct tool_entry	 entry;		/* first: entry -> mcp_tool */
	struct mcp_server	*srv;
	char			*full;		/* mcp__server__tool */
	char			*name;		/* the server's own name */
	char			*desc;
	char			*schema;
	char			*key;		/* mcp:server:tool */
	int			 read_only;	/* the server's readOnlyHint */
	int			 gone;		/* dropped by the server */
	struct mcp_call		*running;
	struct mcp_tool		*next;		/* every tool ever made */
};

struct mcp_server_conf {
	char		*name;
	int		 project;	/* from the project's file */
	enum mcp_transport tr;
	char		**argv;		/* stdio */
	char		**env;		/* "NAME=value" */
	char		*cwd;
	char		*url;		/* http */
	char		**headers;	/* "Name: value" */
};

struct mcp_server	*mcp_server_new(struct mcp *, struct mcp_server_conf *);
void			 mcp_server_free(struct mcp_server *);
void			 mcp_server_start(struct mcp_server *);
enum mcp_state		 mcp_server_state(const struct mcp_server *);
const char		*mcp_server_name(const struct mcp_server *);
/* One line: state, protocol, transport, tools (and why, if disabled). */
char			*mcp_server_describe(const struct mcp_server *, int verbose);
int			 mcp_server_is_project(const struct mcp_server *);
/* Run a tool; see tool.h's exec contract. */
void			 mcp_server_call(struct mcp_server *, struct mcp_tool *,
			    struct tool_ctx *, const cJSON *args, tool_done_fn,
			    void *arg);
void			 mcp_server_cancel(struct mcp_server *, struct mcp_tool *);

/* mcp.c: what servers call back into ------------------------------------ */

struct loop		*mcp_loop(struct mcp *);
struct http_driver		*mcp_http(struct mcp *);
const struct config	*mcp_config(struct mcp *);
const char		*mcp_roots_uri(struct mcp *);
/* A server's tool list changed (ready, relisted or disabled). */
void			 mcp_tools_changed(struct mcp *);
/* A server settled (ready or disabled) during start. */
void			 mcp_settled(struct mcp *);
/* A tool entry for (server, name), reused if it existed. */
struct mcp_tool		*mcp_tool_get(struct mcp *, struct mcp_server *,
			    const char *name);
/* A one-line notice on the bus (and the log). */
void			 mcp_notice(struct mcp *, const char *fmt, ...)
			    __attribute__((format(printf, 2, 3)));
/* Progress of a running call, for its tool card. */
void			 mcp_progress(struct mcp *, const char *call_id,
			    double progress, double total, const char *message);

#endif
