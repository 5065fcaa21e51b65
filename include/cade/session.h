/*
 * session.h: one running session: the loop, the bus, the store, the
 * workspace and its shell, the policy, the LLM client and the agent, built
 * in that order and torn down in reverse.  Headless mode, the TUI and the
 * ACP server share it so all run the same core; the ACP server runs several
 * sessions on one loop (session_opts.loop), each with its own root.
 */
#ifndef CADE_SESSION_H
#define CADE_SESSION_H

#include "cade/agent.h"
#include "cade/event.h"

struct config;
struct llm_pool;
struct llm_prices;
struct mcp;

#define SESSION_SINKS 4

struct session_opts {
	const char	*resume;		/* id, "last" or NULL */
	int		 rows, cols;		/* shell window size */
	enum agent_ask	 ask;
	int		 replay_to_sinks;	/* show resumed history to the sinks */
	event_sink_fn	 sink[SESSION_SINKS];	/* NULL entries skipped */
	void		*sink_arg;
	const cJSON	*mcp_servers;		/* more MCP servers (ACP), or NULL */
	struct loop	*loop;			/* shared loop (not freed), or NULL: own */
	const char	*root;			/* workspace root, or NULL: workspace_dir / cwd */
	const char	*model;			/* NULL: the model setting */
	const char	*confirm;		/* NULL: the confirm setting */
	struct llm_pool	*pool;			/* shared LLM pool (batch), or NULL */
};

struct session {
	struct config		*cfg;
	struct loop		*loop;
	struct event_bus	*bus;
	struct store		*store;
	char			*id;
	char			*dir;
	struct workspace	*ws;
	struct shell		*shell;
	struct policy		*policy;
	struct llm		*llm;
	struct agent		*agent;
	struct mcp		*mcp;
	int			 own_loop;
	char			*store_error;	/* the store failed: why (run fails) */
	struct ckpt		*ckpt;		/* checkpoints of the workspace */
	struct undo_log		*undo;		/* the steps they belong to */
	struct llm_prices	*prices;	/* listed prices on their way */
};

/* NULL with *cause (one line) if any part cannot start. */
struct session	*session_open(struct config *, const struct session_opts *, char **cause);
void		 session_close(struct session *);

#endif
