/*
 * llm-int.h: what the files of src/llm/ share; not part of any contract
 * outside the module.
 *
 *   http.c        curl multi interface on the cade loop
 *   openai.c      the reply accumulator, chat completions wire format
 *   responses.c   the Responses API wire format
 *   prompttools.c tool calling through the prompt, for models without it
 *   retry.c       error classification, backoff, Retry-After, breaker
 *   llm.c         the public API: attempts, retries, fallbacks, accounting
 *   wire.c        one attempt on the wire: body, reply bytes, outcome
 *                 (llm.c and wire.c share struct llm: llm-client.h)
 */
#ifndef CADE_LLM_INT_H
#define CADE_LLM_INT_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>

#include "cade/buf.h"
#include "cade/llm.h"

#define LLM_TEXT_MAX	(32u * 1024 * 1024)	/* answer or reasoning */
#define LLM_ARGS_MAX	(8u * 1024 * 1024)	/* one tool call's arguments */
#define LLM_CALLS_MAX	256			/* tool calls in one reply */
#define LLM_BODY_MAX	(64u * 1024 * 1024)	/* a non-streamed reply */
#define LLM_ERRBODY_MAX	(64u * 1024)		/* an error reply's body */
/* The name given to a tool call that has none or is malformed: no tool
 * has it, so the agent answers the call with an error the model sees. */
#define LLM_INVALID_CALL	"invalid_tool_call"

/* http.c: declared in cade/http.h (MCP's HTTP transport shares it). */
#include "cade/http.h"

/* openai.c: the accumulator ---------------------------------------------- */

struct llm_call_acc {
	long		 index;		/* wire index (chat) or output_index */
	struct buf	 id;
	struct buf	 name;
	struct buf	 args;
	char		*item_id;	/* Responses API item id */
};

/* Where deltas go while they are accumulated. */
struct llm_sink {
	void	(*text)(const char *, size_t, void *arg);
	void	(*reasoning)(const char *, size_t, void *arg);
	void	*arg;
};

struct llm_acc {
	struct buf		 text;
	struct buf		 reasoning;
	struct llm_call_acc	*calls;
	size_t			 ncalls;
	char			*finish_reason;
	char			*model;
	struct llm_usage	 usage;
	int			 done;		/* [DONE] or response.completed */
	int			 saw_finish;	/* a finish_reason arrived */
	/* An error the server put in the stream or body. */
	enum llm_status		 err;		/* LLM_OK: none */
	char			*err_msg;
	int			 err_retry;	/* retryable */
	/* Malformed input or an overflow: a short description. */
	char			*bad;
	struct llm_sink		 sink;
};

void	llm_acc_init(struct llm_acc *, const struct llm_sink *);
void	llm_acc_free(struct llm_acc *);
void	llm_acc_reset(struct llm_acc *);
/* Append answer or reasoning text and pass it to the sink; -1 if too big. */
int	llm_acc_text(struct llm_acc *, const char *, size_t);
int	llm_acc_reasoning(struct llm_acc *, const char *, size_t);
/* Find or create the call for a fragment (index < 0: unknown). */
struct llm_call_acc *llm_acc_call(struct llm_acc *, long index,
	    const char *id, const char *item_id);
/* Append a fragment to a call part; a repeat of the whole id/name is
 * dropped.  -1 if too big. */
int	llm_acc_frag(struct buf *, const char *, size_t, int dedup);
void	llm_acc_usage(struct llm_acc *, const cJSON *usage);
void	llm_acc_set_bad(struct llm_acc *, const char *what, const char *data,
	    size_t len);
void	llm_acc_set_error(struct llm_acc *, const cJSON *err, int http);
/* A tool call outgrew its cap: the reply is bad ("tool call too large"); -1. */
int	llm_acc_call_too_big(struct llm_acc *);
/* A short printable quote of data (caller frees). */
/* Authorization (only with send_key) and extra_header lines appended. */
struct curl_slist *llm_auth_headers(struct curl_slist *, const struct config *,
	    int send_key);
char	*llm_excerpt(const char *, size_t, size_t max);
/* cJSON_ParseWithLength that, on failure, retries with lone UTF-16
 * surrogate escapes replaced by \uFFFD (servers split emoji). */
cJSON	*llm_json_parse(const char *, size_t);

/* Build the request body (caller frees). */
struct llm_body_opts {
	const struct config	*cfg;
	const char		*model;
	const cJSON		*messages;
	const char *const	*texts;		/* printed messages, or NULL (see llm_request) */
	size_t			 ntexts;	/* messages NULL: texts[0..ntexts) are them */
	const cJSON		*tools;		/* NULL: none */
	const char		*tools_text;	/* tools printed, or NULL */
	int			 stream;
	int			 no_stream_options;
	int			 no_temperature;
	int			 no_reasoning_effort;
	int			 max_completion_tokens;	/* use that name */
};
/* The chat completions request body, appended to out. */
void	llm_chat_body(const struct llm_body_opts *, struct buf *out);
/* Its beginning, up to the messages array (the body streamed: llm.c). */
void	llm_chat_head(const struct llm_body_opts *, struct buf *out);
/* temperature, max tokens, reasoning effort, as each format names them. */
void	llm_body_settings(cJSON *root, const struct llm_body_opts *,
	    int responses);
/* One SSE data payload of a chat stream; 0 go on, 1 stop ([DONE]), -1 bad. */
int	llm_chat_event(struct llm_acc *, const char *data, size_t len);
/* A whole non-streamed chat reply. */
int	llm_chat_reply(struct llm_acc *, const char *body, size_t len);
/* Turn the accumulated calls into the response's array. */
void	llm_acc_calls(struct llm_acc *, struct llm_response *,
	    unsigned long reqno);

/* responses.c ------------------------------------------------------------ */

char	*llm_responses_body(const struct llm_body_opts *);
int	llm_responses_event(struct llm_acc *, const char *type,
	    const char *data, size_t len);
int	llm_responses_reply(struct llm_acc *, const char *body, size_t len);

/* prompttools.c ---------------------------------------------------------- */

/* Messages rewritten for a model without tool calling (caller frees). */
cJSON	*llm_ptools_messages(const cJSON *messages, const cJSON *tools);
/* Move fenced tool calls out of resp->text into resp->calls. */
void	llm_ptools_extract(struct llm_response *, unsigned long reqno);

/* Streams text but holds back everything from a tool-call fence on. */
struct llm_ptools_filter {
	size_t	 sent;		/* bytes of the answer already passed on */
	int	 stopped;	/* a fence was seen: nothing more is passed */
};
/* Given the whole answer so far, how many more bytes may be shown. */
size_t	llm_ptools_visible(struct llm_ptools_filter *, const char *text,
	    size_t len);

/* retry.c ---------------------------------------------------------------- */

struct llm_class {
	enum llm_status	 status;
	int		 retry;		/* worth another attempt */
};
/* Classify an HTTP error status with the server's message. */
struct llm_class llm_classify_http(long code, const char *msg);
/* 1 if a message says the context window was exceeded. */
int	llm_is_context_error(const char *msg);
/* The message inside an error body (JSON or text), NULL if none; frees: caller. */
char	*llm_error_message(const char *body, size_t len);
/* Delay before retry number n (1 = first retry), with jitter. */
uint64_t llm_backoff_ms(int n, long base_ms, long max_ms, uint32_t rnd);
/* Retry-After / retry-after-ms header value in ms; 0 if absent or junk. */
uint64_t llm_retry_after_ms(const char *value, int is_ms, int64_t now_wall_ms);

struct llm_breaker {
	char		*model;
	int		 fails;		/* consecutive */
	uint64_t	 open_until;	/* monotonic ms; 0: closed */
};
struct llm_breakers {
	struct llm_breaker	*v;
	size_t			 n;
};
/* 1 if the model may be tried now (closed, or its cool-down is over). */
int	llm_breaker_allow(struct llm_breakers *, const char *model, uint64_t now);
/* Count a failure; 1 if the circuit opened because of it. */
int	llm_breaker_fail(struct llm_breakers *, const char *model, uint64_t now,
	    long threshold, uint64_t cooldown_ms);
void	llm_breaker_ok(struct llm_breakers *, const char *model);
/* Milliseconds until the model's circuit closes (0: closed). */
uint64_t llm_breaker_wait(struct llm_breakers *, const char *model, uint64_t now);
void	llm_breakers_free(struct llm_breakers *);

/* responses.c: the text of a chat message's content (a string or text parts). */
char	*llm_content_text(const cJSON *content);

#endif
