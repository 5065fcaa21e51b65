/*
 * llm.h: the client for OpenAI-compatible endpoints.
 *
 * One request at a time per struct llm, driven by libcurl's multi interface
 * on the cade loop (no threads, no blocking).  The caller hands over the
 * conversation in OpenAI chat "messages" form and the "tools" array; the
 * module handles the wire format (chat completions or Responses API), the
 * prompt-based tool-calling fallback, streaming, retries with backoff,
 * fallback models, the circuit breaker and cost accounting.  Results come
 * back through callbacks called from the loop.
 */
#ifndef CADE_LLM_H
#define CADE_LLM_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct loop;
struct config;

enum llm_status {
	LLM_OK,
	LLM_ERR_AUTH,		/* 401/403: bad key; do not retry */
	LLM_ERR_NOT_FOUND,	/* 404: wrong base URL or model */
	LLM_ERR_CONTEXT,	/* context length exceeded (condense and retry) */
	LLM_ERR_BAD_REQUEST,	/* other 4xx */
	LLM_ERR_RATE,		/* 429 after all retries and fallbacks */
	LLM_ERR_SERVER,		/* 5xx after all retries and fallbacks */
	LLM_ERR_TIMEOUT,	/* connect / first byte / idle timeout */
	LLM_ERR_NETWORK,	/* connection failed or dropped mid-stream */
	LLM_ERR_PROTOCOL,	/* malformed JSON or SSE after a retry */
	LLM_ERR_CANCELLED	/* llm_cancel() */
};

struct llm_tool_call {
	char	*id;		/* never NULL: made up when the server sent none */
	char	*name;
	char	*arguments;	/* JSON text as sent by the model ("" -> "{}") */
};

/* More tokens than any one request can use: a count above it is clamped. */
#define LLM_TOKENS_MAX	1000000000L

struct llm_usage {
	int	 present;	/* the server sent a usage block */
	int	 implausible;	/* a count was absurd (over LLM_TOKENS_MAX) and clamped */
	long	 prompt_tokens;
	long	 completion_tokens;
	long	 cached_tokens;
	long	 reasoning_tokens;
	double	 cost;		/* estimate from per-model prices; 0 if unknown */
	size_t	 request_bytes;
	size_t	 response_bytes;
};

struct llm_response {
	enum llm_status		 status;
	char			*error;		/* one line, NULL on LLM_OK */
	char			*model;		/* the model that answered */
	char			*text;		/* never NULL */
	char			*reasoning;	/* never NULL */
	struct llm_tool_call	*calls;
	size_t			 ncalls;
	char			*finish_reason;	/* may be NULL */
	int			 incomplete;	/* cut off: cancelled or dropped */
	struct llm_usage	 usage;
};

/*
 * Callback rules.  text/reasoning/retry run from inside the transfer: they
 * may call llm_cancel() (done() then follows within the same loop turn)
 * but not llm_free() or llm_send().  done() runs last, with the client
 * already idle: it may call llm_send() again or llm_free().  After retry(),
 * the reply starts over: deltas shown so far belong to a failed attempt
 * and should be discarded.  Tool calls are only returned with LLM_OK.
 */
struct llm_callbacks {
	void	(*text)(const char *, size_t, void *arg);	/* answer delta */
	void	(*reasoning)(const char *, size_t, void *arg);	/* thinking delta */
	/* About to retry (attempt of max, after delay_ms) with the reason. */
	void	(*retry)(int attempt, int max, uint64_t delay_ms,
		    const char *reason, const char *model, void *arg);
	/* Exactly once per llm_send(); the callee owns resp (llm_response_free). */
	void	(*done)(struct llm_response *resp, void *arg);
	void	*arg;
};

/*
 * The conversation comes in one of two forms.  messages: a cJSON array,
 * copied, except for its items that are cJSON references
 * (cJSON_AddItemReferenceToArray), which are kept as references.  Or, with
 * messages NULL, ntexts printed messages (texts[i]: one OpenAI chat message
 * as cJSON_PrintUnformatted prints it): the pointer array is copied, the
 * strings are not; the chat body is spliced from them, and a wire format
 * that needs the messages as a tree (responses, tools in the prompt) parses
 * them once per request.  What is referenced must stay unchanged until
 * done() is called (the request is cleared before done() runs).
 */
struct llm_request {
	const cJSON	*messages;	/* OpenAI chat messages array, or NULL */
	const cJSON	*tools;		/* OpenAI tools array, or NULL */
	const char	*model;		/* NULL: the configured model */
	/* With messages: optional, texts[i] is messages[i] printed, or NULL;
	 * the body is spliced from them instead of printed again.
	 * Without: the messages themselves, ntexts of them, none NULL. */
	const char *const *texts;
	size_t		 ntexts;	/* without messages only */
	/* Optional: tools as cJSON_PrintUnformatted prints it, spliced into
	 * the body; tools is then kept by reference, not copied (same
	 * lifetime as the references above). */
	const char	*tools_text;
};

struct llm	*llm_new(struct loop *, const struct config *);
/*
 * A batch's clients share a pool: one set of circuit breakers (a model
 * resting for one task rests for all) and a limit on attempts in flight,
 * max at most, halved by each 429 and grown back by one per success; a
 * client over the limit waits its turn (its request is not failed).
 */
struct llm_pool;
struct llm_pool	*llm_pool_new(int max);
void		 llm_pool_free(struct llm_pool *);	/* after its clients */
/* The limit now, and how many 429s have halved it. */
struct llm_pool_stats {
	int	 limit;
	long	 throttled;
};
struct llm_pool_stats	 llm_pool_stats(const struct llm_pool *);
struct llm	*llm_new_pooled(struct loop *, const struct config *,
		    struct llm_pool *);
/* Aborts a request in flight without calling its done(). */
void		 llm_free(struct llm *);
/* Start a request; -1 with *cause if one is already in flight. */
int		 llm_send(struct llm *, const struct llm_request *,
		    const struct llm_callbacks *, char **cause);
/* Abort the request in flight; done() is called with LLM_ERR_CANCELLED
 * before this returns (from a text/reasoning/retry callback: right after
 * that callback returns).  The partial text stays, incomplete = 1. */
void		 llm_cancel(struct llm *);
int		 llm_busy(const struct llm *);
void		 llm_response_free(struct llm_response *);
const char	*llm_status_name(enum llm_status);

/* Totals over every request of this client (the session). */
struct llm_totals {
	long	 requests;	/* llm_send() calls that finished */
	long	 failed;	/* ... of which ended in an error */
	long	 attempts;	/* HTTP requests made, retries included */
	long	 prompt_tokens;
	long	 completion_tokens;
	long	 cached_tokens;
	long	 reasoning_tokens;
	double	 cost;
	size_t	 request_bytes;	/* all attempts */
	size_t	 response_bytes;
};
const struct llm_totals *llm_totals(const struct llm *);
/*
 * Estimated USD for usage on model, from price_input/price_output/
 * price_cached (per million tokens, per-model overrides honoured); cached
 * tokens cost price_input when price_cached is 0.
 */
double		 llm_cost(const struct config *, const char *model,
		    const struct llm_usage *);
/* ---- models.c: what an endpoint serves -------------------------- */

struct llm_model_info {
	char	*id;
	long	 context;	/* tokens, 0 if the provider does not say */
	double	 price_in;	/* USD per million tokens, -1 if not given */
	double	 price_out;
	int	 images;	/* takes image input: 1, 0, -1 if not said */
};

struct llm_models {
	struct llm_model_info *v;
	size_t	 n;
	char	*base_url;
	char	*error;		/* NULL: the list is good */
};

/* Called once; the callee owns the list (llm_models_free). */
typedef void (*llm_models_fn)(struct llm_models *, void *arg);
struct llm_models_req;
/*
 * GET base_url/models on loop, answered through fn (never from inside this
 * call); the API key goes along only with send_key.  NULL if it could not start.  llm_models_cancel() before fn ran
 * drops it quietly.
 */
struct llm_models_req *llm_models_fetch(struct loop *, const struct config *,
		    const char *base_url, long timeout_ms, int send_key,
		    llm_models_fn, void *arg);
void		 llm_models_cancel(struct llm_models_req *);
void		 llm_models_free(struct llm_models *);
/* Parse a /models reply into m (appends); -1 with *cause.  No I/O. */
int		 llm_models_parse(const char *, size_t, struct llm_models *,
		    char **cause);
/*
 * Remember the prices and image support a fetched list gives, for
 * llm_cost(), llm_price_known() and llm_model_images() when the
 * configuration says nothing of a model.
 */
void		 llm_list_prices(const struct llm_models *);
/*
 * Does model take images: 1 yes, 0 no, -1 unknown.  The images setting
 * decides when on or off; auto asks the last model list.  *listed (may be
 * NULL) says whether any list was read yet.
 */
int		 llm_model_images(const struct config *, const char *model,
		    int *listed);
const struct llm_model_info *llm_models_find(const struct llm_models *,
		    const char *id);
/* The list as JSON that llm_models_parse() reads back (the cache's form). */
char		*llm_models_json(const struct llm_models *);
/* Keep a good list on disk for the next start (see llm_prices_start). */
void		 llm_models_cache_put(const struct llm_models *);
/*
 * Listed prices at session start when none is configured for model: from
 * the cached list if fresh (models_cache_ttl), at once; else fetched in
 * the background, fn(arg) called from the loop once they are in (the
 * caller re-costs what it counted as unknown).  NULL if nothing is pending.
 */
struct llm_prices;
struct llm_prices *llm_prices_start(struct loop *, const struct config *,
		    const char *model, void (*fn)(void *), void *arg);
void		 llm_prices_free(struct llm_prices *);
/* `cade models`: the endpoint's list as a table on out; the exit status. */
int		 llm_models_main(const struct config *, FILE *out);

/* Local servers worth probing when nothing is configured, in order. */
struct llm_local_server {
	const char	*name;
	const char	*base_url;
};
extern const struct llm_local_server llm_local_servers[];
extern const size_t llm_local_servers_n;

/* 1 if neither a key nor an endpoint was configured (first run). */
int		 llm_unconfigured(const struct config *);
extern const char llm_unconfigured_text[];

/* 1 if a price is configured for model; else costs are unknown ("$?"), not 0. */
int		 llm_price_known(const struct config *, const char *model);

#endif
