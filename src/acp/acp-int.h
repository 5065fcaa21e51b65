/*
 * acp-int.h: what the files of src/acp/ share (not a public contract).
 *
 * server.c owns the connection (stdin/stdout, JSON-RPC, the methods);
 * update.c turns one session's events into session/update notifications
 * and permission requests.
 */
#ifndef CADE_ACP_INT_H
#define CADE_ACP_INT_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "cade/tool.h"

struct acp;
struct config;
struct event;
struct loop;
struct session;

/* A tool call the client was told about: what update.c remembers of it. */
struct acp_call {
	char		*id;
	char		*tool;
	enum tool_kind	 kind;		/* as its tool says (tool_kind_of()) */
	int		 live;		/* runs in the shell: output streams */
	int		 untitled;	/* no entry at hand: titled by its decision */
	char		**paths;	/* host paths an edit touches */
	char		**before;	/* their content before it ran (NULL: absent) */
	size_t		 npaths;
};

struct acp_session {
	struct acp	*acp;
	struct session	*s;
	char		*id;		/* = the store's session id */
	cJSON		*mcp_servers;	/* the client's, as mcp.json entries */
	cJSON		*prompt_id;	/* the running session/prompt, or NULL */
	int		 cancelled;	/* session/cancel during this prompt */
	int		 replaying;	/* session/load: stored events, no asks */
	char		*replay_dir;	/* ... the store, for the images' blobs */
	int		 text_streamed;	/* deltas seen for the current reply */
	int		 thought_streamed;
	char		*refusal;	/* last reply's finish_reason content_filter */
	long		 ask_req;	/* outstanding session/request_permission id, or 0 */
	char		*ask_call;	/* ...for this call */
	char		*ask_rule;	/* the narrow rule allow_always would add */
	struct acp_call	*calls;
	size_t		 ncalls;
	char		*run_call;	/* the terminal call running now, or NULL */
	uint64_t	 run_timer;	/* its next output update */
	size_t		 run_seen;	/* output bytes already sent */
	struct mention_send *sending;	/* the prompt waits for the model list */
	struct acp_session *next;
};

/* server.c */
void	acp_send(struct acp *, char *line);		/* takes line */
void	acp_notify_update(struct acp_session *, cJSON *update);	/* takes update */
long	acp_request(struct acp *, struct acp_session *, const char *method,
	    cJSON *params);				/* takes params; returns id */
void	acp_prompt_done(struct acp_session *, const char *stop_reason,
	    const char *error);

/* update.c */
void	acp_update_sink(const struct event *, void *arg);
/* Ask the client about the agent's next pending action, if any. */
void	acp_update_ask_next(struct acp_session *);
/* The client answered (result NULL: error or cancel). */
void	acp_update_answer(struct acp_session *, long req, const cJSON *result,
	    const char *error);
void	acp_update_commands(struct acp_session *);
cJSON	*acp_update_modes(const char *current);
void	acp_update_free_calls(struct acp_session *);
/* Watch the session's shell for live command output (and stop watching). */
void	acp_update_watch(struct acp_session *);
void	acp_update_unwatch(struct acp_session *);
/* A slash command in a prompt: 1 if handled (the turn is answered). */
int	acp_update_command(struct acp_session *, const char *text);

#endif
