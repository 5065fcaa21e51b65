/*
 * fakellm.h: the pieces shared by the fake LLM server's two files.
 *
 * fakellm.c owns the network side (listening socket, connections, HTTP
 * request parsing, recording); fakellm-reply.c owns the script and turns one
 * complete request into a plan: a list of byte strings to send, each after
 * a delay, ending in "end of response" or "drop the connection".  The
 * server executes the plan step by step from its poll loop, so delays and
 * stalls never block other connections.
 */
#ifndef CADE_FAKELLM_H
#define CADE_FAKELLM_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* One complete HTTP request as received (body de-chunked). */
struct fakellm_request {
	char	*method;
	char	*target;	/* request target, query string included */
	char	*head;		/* request line and header lines, as sent */
	char	*body;		/* NUL-terminated for convenience */
	size_t	 body_len;
	int	 keep_alive;
	unsigned long seq;	/* 1-based arrival number */
};

enum fakellm_step_kind {
	FAKELLM_SEND,		/* queue data */
	FAKELLM_END,		/* response complete */
	FAKELLM_CLOSE		/* drop the connection now */
};

struct fakellm_step {
	enum fakellm_step_kind kind;
	char		*data;
	size_t		 len;
	uint64_t	 delay_ms;	/* wait before this step */
};

struct fakellm_plan {
	struct fakellm_step *steps;
	size_t		 n;
	size_t		 cap;
	int		 keep_alive;	/* after FAKELLM_END, serve the next request */
};

struct fakellm_script {
	cJSON		*root;
	cJSON		*replies;
	cJSON		*side;		/* side_replies: matched, never used up */
	int		 nreplies;
	int		 next;		/* index of the next unused reply */
	long		 context_limit;	/* 0: none */
	unsigned long	 nrequests;
};

/* Load and validate a script; -1 with *cause on error. */
int	fakellm_script_load(struct fakellm_script *, const char *path,
	    char **cause);
void	fakellm_script_free(struct fakellm_script *);

/* Decide the whole response to a request; fills an empty plan. */
void	fakellm_respond(struct fakellm_script *, const struct fakellm_request *,
	    struct fakellm_plan *);
/* A plain JSON error response (used by the HTTP layer for bad requests). */
void	fakellm_plan_error(struct fakellm_plan *, int status, const char *type,
	    const char *code, const char *message, int keep_alive);
void	fakellm_plan_free(struct fakellm_plan *);

#endif
