/*
 * llm-client.h: the client object that llm.c (the request: attempts,
 * retries, fallbacks, the pool, accounting) and wire.c (one attempt on the
 * wire: the body sent, the bytes received, what its end means) share; not
 * part of any contract outside src/llm/.
 */
#ifndef CADE_LLM_CLIENT_H
#define CADE_LLM_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>

#include "cade/buf.h"
#include "cade/llm.h"
#include "llm-int.h"

struct sse_parser;

/* FOREIGN: a 2xx body that is no model reply (an HTML page, a compressed
 * body nobody asked for); kept, capped, to say what came back. */
enum llm_body_kind { LLM_BODY_NONE, LLM_BODY_SSE, LLM_BODY_JSON,
    LLM_BODY_ERROR, LLM_BODY_FOREIGN };

/* Workarounds learnt from a model's error replies, for the session. */
struct llm_quirk {
	char	*model;
	int	 prompt_tools;
	int	 no_stream_options;
	int	 no_temperature;
	int	 no_reasoning_effort;
	int	 max_completion_tokens;
};

/*
 * What the clients of a batch share (llm_pool_new): the circuit breakers,
 * so a model resting for one task rests for all, and a limit on attempts
 * in flight that halves on every 429 and grows back by one per success
 * (AIMD), so a rate-limited batch slows down instead of failing tasks.
 */
struct llm_pool {
	struct llm_breakers	 breakers;
	int			 max;
	int			 limit;
	int			 inflight;
	struct llm		**waiting;	/* clients waiting for a slot, in order */
	size_t			 nwaiting;
	long			 throttled;	/* 429s seen */
};

struct llm {
	struct loop		*loop;
	const struct config	*cfg;
	struct http_driver		*http;
	struct llm_breakers	 breakers;
	struct llm_breakers	*brk;		/* &breakers, or the pool's */
	struct llm_pool		*pool;		/* NULL: on its own */
	int			 slot;		/* holds one of the pool's slots */
	int			 reached;	/* the endpoint answered once */
	struct llm_quirk	*quirks;
	size_t			 nquirks;
	struct llm_totals	 totals;
	unsigned long		 reqno;
	uint32_t		 rng;

	/* The request in flight. */
	int			 busy;
	struct llm_callbacks	 cb;
	cJSON			*messages;
	const char		**texts;	/* printed messages (llm_request) or NULL */
	size_t			 ntexts;	/* messages NULL: the texts are them */
	size_t			*tlens;		/* ...and their lengths */
	cJSON			*tools;
	const char		*tools_text;	/* tools printed (llm_request) or NULL */
	char			**chain;	/* model, then fallbacks */
	size_t			 nchain;
	size_t			 ichain;
	int			 attempt;	/* made on the current model */
	int			 bad_retried;	/* malformed reply retried */
	uint64_t		 retry_timer;
	int			 cancel_req;	/* llm_cancel() from a callback */
	int			 in_cb;
	uint64_t		 req_started;	/* llm_send(), for request_deadline */
	uint64_t		 deadline_timer;

	/* The attempt in flight. */
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			*body;		/* l->out.s */
	size_t			 body_len;
	/* The request body's memory, kept from one attempt and request to
	 * the next (not allocated, faulted in and zeroed anew for every
	 * step).  A chat body of printed messages holds only its head here:
	 * the messages are streamed to curl from the caller's texts
	 * (llm_on_read), never copied into one body. */
	struct buf		 out;
	int			 streamed;	/* out holds the head only */
	size_t			 rpiece;	/* reading: the piece (llm_piece) */
	size_t			 roff;		/* ...and the offset in it */
	char			*url;
	int			 responses;
	int			 stream;
	int			 prompt;
	struct sse_parser	*sse;
	enum llm_body_kind	 kind;
	struct buf		 raw;		/* JSON or error body */
	struct llm_acc		 acc;
	struct llm_ptools_filter filt;
	long			 http_code;
	uint64_t		 retry_after;	/* ms; 0: none */
	char			 ctype[64];
	char			 cenc[32];	/* Content-Encoding */
	size_t			 rx;
	uint64_t		 started;
	uint64_t		 last_byte;
	int			 got_byte;
	uint64_t		 watchdog;
	char			*timeout_msg;	/* set when the watchdog fired */
	char			 errbuf[CURL_ERROR_SIZE];
};

/* llm.c ------------------------------------------------------------------ */

/* The quirks entry for a model (created empty). */
struct llm_quirk *llm_quirk(struct llm *, const char *model);
/* A byte from the server (body: 1 for a body byte, 0 for a header). */
void	llm_touch(struct llm *, int body);
/* Decide what follows an attempt's outcome (msg: why it failed). */
void	llm_attempt_end(struct llm *, enum llm_status, int retry,
	    const char *msg);

/* wire.c ----------------------------------------------------------------- */

/* Start an attempt on model: reset the attempt's state, build its URL,
 * body and headers, and add its transfer to the loop; its end reaches
 * llm_attempt_end().  -1 with *cause if the transfer could not start. */
int	llm_wire_start(struct llm *, const char *model, char **cause);
/* The SSE parser's callback: one event of the stream (arg: the client). */
int	llm_on_event(const char *type, const char *data, size_t len,
	    void *arg);

#endif
