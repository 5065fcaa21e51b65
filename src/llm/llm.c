/*
 * llm.c: the public client (contract in cade/llm.h).
 *
 * One llm_send() is a small state machine of attempts.  An attempt (wire.c)
 * builds the body for the current model (chat or Responses wire format,
 * native or prompt-based tools), starts a curl transfer on the loop
 * (http.c), and feeds the bytes it receives into the SSE parser or a body
 * buffer; deltas reach the caller as they arrive.  Two loop timers watch
 * it: the watchdog (first byte, then idle gaps; each received byte only
 * stores a timestamp) and, between attempts, the retry timer.  When an
 * attempt ends its outcome is classified (wire.c, retry.c); then the
 * request either finishes, is retried on the same model after a backoff,
 * moves on to the next fallback model, or is resent at once with a server
 * quirk worked around (a parameter the server rejected, or tools it does
 * not support).  done() is the last thing that happens, with the client
 * idle again.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cade/conf.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/secret.h"
#include "cade/sse.h"
#include "cade/util.h"
#include "llm-client.h"

/* A Retry-After longer than this moves on instead of waiting. */
#define LLM_RETRY_AFTER_CAP	(5u * 60 * 1000)

static void	llm_attempt_start(struct loop *, void *);

/* Printable name of a status. */
const char *
llm_status_name(enum llm_status s)
{
	static const char *const names[] = {
		"ok", "auth", "not_found", "context", "bad_request", "rate",
		"server", "timeout", "network", "protocol", "cancelled"
	};

	if ((size_t)s < nitems(names))
		return names[s];
	return "unknown";
}

/* Session totals. */
const struct llm_totals *
llm_totals(const struct llm *l)
{
	return &l->totals;
}

/*
 * Prices and image support the endpoint's model list gave, used when the
 * configuration names none.  One process talks to one endpoint, so one
 * table: the last list fetched replaces it.
 */
static struct llm_model_info	*llm_listed;
static size_t			 llm_nlisted;
static int			 llm_list_seen;	/* a list was read */

/* See llm.h. */
void
llm_list_prices(const struct llm_models *m)
{
	size_t i;

	if (m == NULL || m->error != NULL)
		return;
	llm_list_seen = 1;
	while (llm_nlisted > 0)
		free(llm_listed[--llm_nlisted].id);
	free(llm_listed);
	llm_listed = xcalloc(m->n + 1, sizeof *llm_listed);
	for (i = 0; i < m->n; i++) {
		if ((m->v[i].price_in < 0 || m->v[i].price_out < 0) &&
		    m->v[i].images < 0)
			continue;
		llm_listed[llm_nlisted] = m->v[i];
		llm_listed[llm_nlisted++].id = xstrdup(m->v[i].id);
	}
}

/* What the list says of model, or NULL. */
static const struct llm_model_info *
llm_listed_model(const char *model)
{
	size_t i;

	for (i = 0; model != NULL && i < llm_nlisted; i++)
		if (strcmp(llm_listed[i].id, model) == 0)
			return &llm_listed[i];
	return NULL;
}

/* The listed price of model, or NULL. */
static const struct llm_model_info *
llm_listed_price(const char *model)
{
	const struct llm_model_info *mi = llm_listed_model(model);

	return mi != NULL && mi->price_in >= 0 && mi->price_out >= 0 ? mi : NULL;
}

/* See llm.h. */
int
llm_model_images(const struct config *cfg, const char *model, int *listed)
{
	const char *v = conf_model_str(cfg, model, "images");
	const struct llm_model_info *mi = llm_listed_model(model);

	if (listed != NULL)
		*listed = llm_list_seen;
	if (strcmp(v, "on") == 0)
		return 1;
	if (strcmp(v, "off") == 0)
		return 0;
	return mi != NULL ? mi->images : -1;
}

/* Cost estimate in USD from the configured (else listed) prices. */
double
llm_cost(const struct config *cfg, const char *model,
    const struct llm_usage *u)
{
	double pin, pout, pc;
	long cached = u->cached_tokens, prompt = u->prompt_tokens;
	const struct llm_model_info *mi;

	pin = conf_model_double(cfg, model, "price_input");
	pout = conf_model_double(cfg, model, "price_output");
	pc = conf_model_double(cfg, model, "price_cached");
	if (pin <= 0 && pout <= 0 && (mi = llm_listed_price(model)) != NULL) {
		pin = mi->price_in;
		pout = mi->price_out;
		pc = 0;
	}
	if (pc <= 0)
		pc = pin;
	if (cached > prompt)
		cached = prompt;
	return ((double)(prompt - cached) * pin + (double)cached * pc +
	    (double)u->completion_tokens * pout) / 1e6;
}

/* See llm.h. */
int
llm_price_known(const struct config *cfg, const char *model)
{
	return conf_model_double(cfg, model, "price_input") > 0 ||
	    conf_model_double(cfg, model, "price_output") > 0 ||
	    llm_listed_price(model) != NULL;
}

/* xorshift32: jitter needs no quality, only spread. */
static uint32_t
llm_rand(struct llm *l)
{
	uint32_t x = l->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return l->rng = x;
}

/* The quirks entry for a model (created empty). */
struct llm_quirk *
llm_quirk(struct llm *l, const char *model)
{
	size_t i;

	for (i = 0; i < l->nquirks; i++)
		if (strcmp(l->quirks[i].model, model) == 0)
			return &l->quirks[i];
	l->quirks = xreallocarray(l->quirks, l->nquirks + 1, sizeof *l->quirks);
	memset(&l->quirks[l->nquirks], 0, sizeof *l->quirks);
	l->quirks[l->nquirks].model = xstrdup(model);
	return &l->quirks[l->nquirks++];
}

/* A masked copy of a message (server text may echo the key). */
static char *
llm_masked(const char *s)
{
	return secret_mask(s, strlen(s), NULL);
}

/* Forward an answer delta, through the prompt-tools filter if needed. */
static void
llm_sink_text(const char *s, size_t n, void *arg)
{
	struct llm *l = arg;
	size_t from, k;

	if (l->cb.text == NULL)
		return;
	l->in_cb++;
	if (l->prompt) {
		from = l->filt.sent;
		k = llm_ptools_visible(&l->filt, l->acc.text.s, l->acc.text.len);
		if (k > 0)
			l->cb.text(l->acc.text.s + from, k, l->cb.arg);
	} else
		l->cb.text(s, n, l->cb.arg);
	l->in_cb--;
}

/* Forward a reasoning delta. */
static void
llm_sink_reasoning(const char *s, size_t n, void *arg)
{
	struct llm *l = arg;

	if (l->cb.reasoning == NULL)
		return;
	l->in_cb++;
	l->cb.reasoning(s, n, l->cb.arg);
	l->in_cb--;
}

/* A client on loop using cfg (both must outlive it). */
struct llm *
llm_new(struct loop *loop, const struct config *cfg)
{
	struct llm_sink sink;
	struct llm *l;

	l = xcalloc(1, sizeof *l);
	l->loop = loop;
	l->cfg = cfg;
	l->http = http_new(loop);
	l->brk = &l->breakers;
	l->rng = (uint32_t)(util_now_ms() ^ ((uint64_t)getpid() << 16)) | 1;
	sink.text = llm_sink_text;
	sink.reasoning = llm_sink_reasoning;
	sink.arg = l;
	llm_acc_init(&l->acc, &sink);
	buf_init(&l->raw, LLM_BODY_MAX);
	buf_init(&l->out, 0);
	l->sse = sse_new(LLM_TEXT_MAX, llm_on_event, l);
	return l;
}

static void	llm_attempt_start(struct loop *, void *);

/* Give back the pool slot of this client's attempt; the next waiter goes. */
static void
llm_pool_release(struct llm *l)
{
	struct llm_pool *p = l->pool;
	struct llm *w;

	l->slot = 0;
	p->inflight--;
	while (p->nwaiting > 0 && p->inflight < p->limit) {
		w = p->waiting[0];
		memmove(p->waiting, p->waiting + 1, --p->nwaiting *
		    sizeof *p->waiting);
		if (w->retry_timer == 0)
			w->retry_timer = loop_timer_add(w->loop, 0,
			    llm_attempt_start, w);
		p->inflight++;		/* reserved for w */
		w->slot = 1;
	}
}

/* Take l off the pool's waiting list (cancel, free). */
static void
llm_pool_unwait(struct llm *l)
{
	struct llm_pool *p = l->pool;
	size_t i;

	for (i = 0; p != NULL && i < p->nwaiting; i++) {
		if (p->waiting[i] == l) {
			memmove(p->waiting + i, p->waiting + i + 1,
			    (p->nwaiting - i - 1) * sizeof *p->waiting);
			p->nwaiting--;
			return;
		}
	}
}

/* See cade/llm.h. */
struct llm_pool *
llm_pool_new(int max)
{
	struct llm_pool *p = xcalloc(1, sizeof *p);

	p->max = p->limit = max > 0 ? max : 1;
	return p;
}

/* See cade/llm.h. */
void
llm_pool_free(struct llm_pool *p)
{
	if (p == NULL)
		return;
	llm_breakers_free(&p->breakers);
	free(p->waiting);
	free(p);
}

/* See cade/llm.h. */
struct llm_pool_stats
llm_pool_stats(const struct llm_pool *p)
{
	return (struct llm_pool_stats){ .limit = p->limit,
	    .throttled = p->throttled };
}

/* See cade/llm.h. */
struct llm *
llm_new_pooled(struct loop *loop, const struct config *cfg,
    struct llm_pool *pool)
{
	struct llm *l = llm_new(loop, cfg);

	if (pool != NULL) {
		l->pool = pool;
		l->brk = &pool->breakers;
	}
	return l;
}

/* Tear down the transfer of the current attempt (not its results). */
static void
llm_attempt_clear(struct llm *l)
{
	if (l->slot)
		llm_pool_release(l);
	if (l->easy != NULL) {
		l->totals.request_bytes += l->body_len;
		l->totals.response_bytes += l->rx;
	}
	if (l->watchdog != 0) {
		loop_timer_cancel(l->loop, l->watchdog);
		l->watchdog = 0;
	}
	if (l->easy != NULL) {
		http_remove(l->http, l->easy);
		curl_easy_cleanup(l->easy);
		l->easy = NULL;
	}
	curl_slist_free_all(l->hdrs);
	l->hdrs = NULL;
	free(l->url);
	free(l->timeout_msg);
	l->body = l->url = l->timeout_msg = NULL;	/* body: in l->out */
}

/* Forget the request (after done() or on free). */
static void
llm_request_clear(struct llm *l)
{
	size_t i;

	llm_attempt_clear(l);
	if (l->retry_timer != 0) {
		loop_timer_cancel(l->loop, l->retry_timer);
		l->retry_timer = 0;
	}
	cJSON_Delete(l->messages);
	cJSON_Delete(l->tools);
	l->messages = l->tools = NULL;
	l->tools_text = NULL;
	free(l->texts);
	free(l->tlens);
	l->texts = NULL;
	l->tlens = NULL;
	l->ntexts = 0;
	if (l->deadline_timer != 0) {
		loop_timer_cancel(l->loop, l->deadline_timer);
		l->deadline_timer = 0;
	}
	for (i = 0; i < l->nchain; i++)
		free(l->chain[i]);
	free(l->chain);
	l->chain = NULL;
	l->nchain = l->ichain = 0;
	l->busy = l->cancel_req = 0;
	llm_pool_unwait(l);
	if (l->slot)
		llm_pool_release(l);
}

/* Free the client; a request in flight is dropped without done(). */
void
llm_free(struct llm *l)
{
	size_t i;

	if (l == NULL)
		return;
	llm_request_clear(l);
	llm_acc_free(&l->acc);
	buf_free(&l->raw);
	buf_free(&l->out);
	sse_free(l->sse);
	http_free(l->http);
	llm_breakers_free(&l->breakers);
	for (i = 0; i < l->nquirks; i++)
		free(l->quirks[i].model);
	free(l->quirks);
	free(l);
}

/* 1 while a request is in flight (including retry waits). */
int
llm_busy(const struct llm *l)
{
	return l->busy;
}

/* Free a response and everything in it. */
void
llm_response_free(struct llm_response *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncalls; i++) {
		free(r->calls[i].id);
		free(r->calls[i].name);
		free(r->calls[i].arguments);
	}
	free(r->calls);
	free(r->error);
	free(r->model);
	free(r->text);
	free(r->reasoning);
	free(r->finish_reason);
	free(r);
}

/* Build the response, reset, and hand it to done() as the last act. */
static void
llm_finish(struct llm *l, enum llm_status st, const char *msg)
{
	struct llm_callbacks cb = l->cb;
	struct llm_response *r;
	const char *model;

	llm_attempt_clear(l);
	r = xcalloc(1, sizeof *r);
	r->status = st;
	model = l->ichain < l->nchain ? l->chain[l->ichain] :
	    l->nchain > 0 ? l->chain[l->nchain - 1] : "";
	r->model = xstrdup(model);
	if (st != LLM_OK)
		r->error = llm_masked(msg != NULL ? msg : llm_status_name(st));
	r->text = buf_detach(&l->acc.text, NULL);
	r->reasoning = buf_detach(&l->acc.reasoning, NULL);
	if (l->acc.finish_reason != NULL)
		r->finish_reason = xstrdup(l->acc.finish_reason);
	if (st == LLM_OK) {
		llm_acc_calls(&l->acc, r, l->reqno);
		if (l->prompt)
			llm_ptools_extract(r, l->reqno);
		if (r->ncalls > 0 && r->finish_reason == NULL)
			r->finish_reason = xstrdup("tool_calls");
		else if (r->finish_reason == NULL)
			r->finish_reason = xstrdup("stop");
	} else
		r->incomplete = *r->text != '\0' || *r->reasoning != '\0' ||
		    l->acc.ncalls > 0 || st == LLM_ERR_CANCELLED;
	r->usage = l->acc.usage;
	r->usage.request_bytes = l->body_len;
	r->usage.response_bytes = l->rx;
	r->usage.cost = llm_cost(l->cfg, model, &r->usage);

	l->totals.requests++;
	if (st != LLM_OK)
		l->totals.failed++;
	l->totals.prompt_tokens += r->usage.prompt_tokens;
	l->totals.completion_tokens += r->usage.completion_tokens;
	l->totals.cached_tokens += r->usage.cached_tokens;
	l->totals.reasoning_tokens += r->usage.reasoning_tokens;
	l->totals.cost += r->usage.cost;
	log_debug("%s: %s, %zu bytes text, %zu calls, %ld+%ld tokens",
	    model, llm_status_name(st), strlen(r->text), r->ncalls,
	    r->usage.prompt_tokens, r->usage.completion_tokens);

	llm_acc_reset(&l->acc);
	llm_request_clear(l);
	if (cb.done != NULL)
		cb.done(r, cb.arg);
	else
		llm_response_free(r);
}

/* Arm the watchdog for the first byte or the next idle deadline. */
static void	llm_watchdog(struct loop *, void *);

static void
llm_watchdog_arm(struct llm *l, uint64_t delay)
{
	if (l->watchdog != 0)
		loop_timer_cancel(l->loop, l->watchdog);
	l->watchdog = loop_timer_add(l->loop, delay, llm_watchdog, l);
}

/*
 * A byte from the server: remember when.  The first body byte ends the
 * first-byte wait and starts idle timing (headers alone do not: a server
 * may send them at once and then think for a long time).
 */
void
llm_touch(struct llm *l, int body)
{
	long idle;

	l->last_byte = util_now_ms();
	if (body && !l->got_byte) {
		l->got_byte = 1;
		idle = conf_int(l->cfg, "idle_timeout");
		if (idle > 0)
			llm_watchdog_arm(l, (uint64_t)idle * 1000);
		else if (l->watchdog != 0) {
			loop_timer_cancel(l->loop, l->watchdog);
			l->watchdog = 0;
		}
	}
}

/* Timer: has the server been silent too long? */
static void
llm_watchdog(struct loop *loop, void *arg)
{
	struct llm *l = arg;
	uint64_t now = util_now_ms(), limit, since;
	char *msg;

	l->watchdog = 0;
	if (!l->got_byte) {
		limit = (uint64_t)conf_int(l->cfg, "first_byte_timeout") * 1000;
		since = now - l->started;
		msg = xasprintf("no reply from %s within %ld s", l->url,
		    conf_int(l->cfg, "first_byte_timeout"));
	} else {
		limit = (uint64_t)conf_int(l->cfg, "idle_timeout") * 1000;
		since = now - l->last_byte;
		msg = xasprintf("stalled: no data for %ld s after %zu bytes",
		    conf_int(l->cfg, "idle_timeout"), l->rx);
	}
	if (limit == 0) {
		free(msg);
		return;
	}
	if (since < limit) {
		free(msg);
		llm_watchdog_arm(l, limit - since);
		return;
	}
	log_debug("%s", msg);
	http_remove(l->http, l->easy);
	llm_attempt_end(l, LLM_ERR_TIMEOUT, 1, msg);
	free(msg);
}

/* Does a rejection name something we can leave out?  1 if adapted. */
static int
llm_adapt(struct llm *l, const char *model, const char *msg, char **what)
{
	struct llm_quirk *q = llm_quirk(l, model);
	const char *tc;
	cJSON *sent;
	char *low, *body;
	int rc = 0;
	size_t i;

	if (msg == NULL || l->http_code < 400)
		return 0;
	if (l->body == NULL)
		sent = NULL;
	else if (l->streamed) {
		/* Its settings are in the head; the messages do not matter. */
		body = xasprintf("%s]}", l->body);
		sent = cJSON_Parse(body);
		free(body);
	} else
		sent = cJSON_ParseWithLength(l->body, l->body_len);
	low = xstrdup(msg);
	for (i = 0; low[i] != '\0'; i++)
		if (low[i] >= 'A' && low[i] <= 'Z')
			low[i] = (char)(low[i] - 'A' + 'a');
#define HAS(s) (strstr(low, (s)) != NULL)
	/* Only a parameter the request carried can be left out. */
#define SENT(k) (cJSON_GetObjectItemCaseSensitive(sent, (k)) != NULL)
#define REFUSED (HAS("support") || HAS("unrecognized") || HAS("unknown") || \
	HAS("not allowed") || HAS("unexpected") || HAS("invalid") || \
	HAS("extra") || HAS("not permitted"))
	tc = conf_model_str(l->cfg, model, "tool_calling");
	if (!q->prompt_tools && strcmp(tc, "auto") == 0 &&
	    cJSON_GetArraySize(l->tools) > 0 && HAS("tool") &&
	    (REFUSED || HAS("--jinja") || HAS("tool-call-parser") ||
	    HAS("auto-tool-choice"))) {
		q->prompt_tools = 1;
		*what = xstrdup("native tool calling; switching to "
		    "prompt-based tools");
		rc = 1;
	} else if (!q->no_stream_options && HAS("stream_options") &&
	    SENT("stream_options")) {
		q->no_stream_options = 1;
		*what = xstrdup("stream_options");
		rc = 1;
	} else if (!q->max_completion_tokens && HAS("max_tokens") &&
	    HAS("max_completion_tokens") && SENT("max_tokens")) {
		q->max_completion_tokens = 1;
		*what = xstrdup("max_tokens; using max_completion_tokens");
		rc = 1;
	} else if (!q->no_temperature && HAS("temperature") && REFUSED &&
	    SENT("temperature")) {
		q->no_temperature = 1;
		*what = xstrdup("temperature");
		rc = 1;
	} else if (!q->no_reasoning_effort && (HAS("reasoning_effort") ||
	    HAS("reasoning.effort")) && REFUSED && (SENT("reasoning_effort") ||
	    SENT("reasoning"))) {
		q->no_reasoning_effort = 1;
		*what = xstrdup("reasoning_effort");
		rc = 1;
	}
#undef HAS
#undef SENT
#undef REFUSED
	cJSON_Delete(sent);
	free(low);
	return rc;
}

/* Tell the caller about a retry; 1 if it cancelled in the callback. */
static int
llm_announce(struct llm *l, int attempt, uint64_t delay, const char *reason,
    const char *model)
{
	char *masked;

	log_debug("retry %d/%ld in %llu ms on %s: %s", attempt,
	    conf_int(l->cfg, "retry_max"), (unsigned long long)delay, model,
	    reason);
	if (l->cb.retry != NULL) {
		masked = llm_masked(reason);
		l->in_cb++;
		l->cb.retry(attempt, (int)conf_int(l->cfg, "retry_max"), delay,
		    masked, model, l->cb.arg);
		l->in_cb--;
		free(masked);
	}
	if (l->cancel_req) {
		llm_finish(l, LLM_ERR_CANCELLED, "cancelled");
		return 1;
	}
	return 0;
}

/* Wait delay ms, then start the next attempt. */
static void
llm_schedule(struct llm *l, uint64_t delay)
{
	llm_attempt_clear(l);
	l->retry_timer = loop_timer_add(l->loop, delay, llm_attempt_start, l);
}

/* Would time t (ms, monotonic) be past the request's overall deadline? */
static int
llm_past_deadline(const struct llm *l, uint64_t t)
{
	long secs = conf_int(l->cfg, "request_deadline");

	return secs > 0 && t > l->req_started + (uint64_t)secs * 1000;
}

/* Timer: the whole request (every attempt and wait) ran out of time. */
static void
llm_deadline(struct loop *loop, void *arg)
{
	struct llm *l = arg;
	char *msg;

	(void)loop;
	l->deadline_timer = 0;
	msg = xasprintf("no complete reply within %ld s (request_deadline) "
	    "from %s after %d attempt%s", conf_int(l->cfg, "request_deadline"),
	    l->nchain > 0 ? l->chain[l->ichain] : "?", l->attempt + 1,
	    l->attempt == 0 ? "" : "s");
	log_debug("%s", msg);
	llm_finish(l, LLM_ERR_TIMEOUT, msg);
	free(msg);
}

/* Decide what follows an attempt's outcome. */
void
llm_attempt_end(struct llm *l, enum llm_status st, int retry, const char *msg)
{
	const char *model = l->chain[l->ichain];
	long max = conf_int(l->cfg, "retry_max");
	uint64_t now = util_now_ms(), delay;
	char *what = NULL, *reason, *owned = NULL;
	int opened = 0;

	if (max < 1)
		max = 1;
	if (l->pool != NULL && st == LLM_OK && l->pool->limit < l->pool->max)
		l->pool->limit++;
	if (l->pool != NULL && st == LLM_ERR_RATE) {
		l->pool->throttled++;
		l->pool->limit = l->pool->limit > 1 ? l->pool->limit / 2 : 1;
	}
	if (st == LLM_OK) {
		llm_breaker_ok(l->brk, model);
		llm_finish(l, LLM_OK, NULL);
		return;
	}
	if (l->cancel_req || st == LLM_ERR_CANCELLED) {
		llm_finish(l, LLM_ERR_CANCELLED, "cancelled");
		return;
	}
	log_debug("attempt on %s failed: %s", model, msg);
	if (llm_adapt(l, model, msg, &what)) {
		reason = xasprintf("%s does not accept %s", model, what);
		free(what);
		if (!llm_announce(l, l->attempt + 1, 0, reason, model))
			llm_schedule(l, 0);
		free(reason);
		return;
	}
	if (!retry) {
		llm_finish(l, st, msg);
		return;
	}
	if (st == LLM_ERR_PROTOCOL) {
		if (l->bad_retried) {
			reason = xasprintf("%s (after a retry)", msg);
			llm_finish(l, st, reason);
			free(reason);
			return;
		}
		l->bad_retried = 1;
		delay = llm_backoff_ms(1, conf_int(l->cfg, "retry_base_ms"),
		    conf_int(l->cfg, "retry_max_ms"), llm_rand(l));
		if (!llm_announce(l, 2, delay, msg, model))
			llm_schedule(l, delay);
		return;
	}
	l->attempt++;
	if (l->attempt < max && l->retry_after <= LLM_RETRY_AFTER_CAP) {
		delay = l->retry_after;
		if (delay == 0)
			delay = llm_backoff_ms(l->attempt,
			    conf_int(l->cfg, "retry_base_ms"),
			    conf_int(l->cfg, "retry_max_ms"), llm_rand(l));
		if (llm_past_deadline(l, now + delay)) {
			reason = xasprintf("%s; giving up: the request deadline "
			    "(request_deadline = %ld s) would pass before the "
			    "next attempt", msg, conf_int(l->cfg,
			    "request_deadline"));
			llm_finish(l, st, reason);
			free(reason);
			return;
		}
		if (!llm_announce(l, l->attempt + 1, delay, msg, model))
			llm_schedule(l, delay);
		return;
	}
	if (l->retry_after > LLM_RETRY_AFTER_CAP) {
		/* Say that the server asked for a wait cade does not make. */
		reason = xasprintf("%s; the server asked to wait %llu s "
		    "(Retry-After), longer than cade waits (%u s)", msg,
		    (unsigned long long)(l->retry_after / 1000),
		    LLM_RETRY_AFTER_CAP / 1000);
		l->retry_after = 0;
		msg = owned = reason;
	}
	/* This request is done with this model: one failure in a row. */
	opened = llm_breaker_fail(l->brk, model, now,
	    conf_int(l->cfg, "breaker_threshold"),
	    (uint64_t)conf_int(l->cfg, "breaker_cooldown") * 1000);
	if ((st == LLM_ERR_RATE || st == LLM_ERR_SERVER) &&
	    l->ichain + 1 < l->nchain) {
		l->ichain++;
		l->attempt = 0;
		l->bad_retried = 0;
		reason = xasprintf("%s%s; trying fallback model %s", msg,
		    opened ? " (circuit open)" : "", l->chain[l->ichain]);
		if (!llm_announce(l, 1, 0, reason, l->chain[l->ichain]))
			llm_schedule(l, 0);
		free(reason);
		free(owned);
		return;
	}
	if (opened || l->attempt > 1) {
		reason = xasprintf("%s (%d attempt%s%s)", msg, l->attempt,
		    l->attempt == 1 ? "" : "s", opened ? ", circuit open" : "");
		llm_finish(l, st, reason);
		free(reason);
	} else
		llm_finish(l, st, msg);
	free(owned);
}

/* Timer: start an attempt on the current model (or the next allowed). */
static void
llm_attempt_start(struct loop *loop, void *arg)
{
	struct llm *l = arg;
	const char *model;
	uint64_t now = util_now_ms(), wait;
	long fb;
	char *cause = NULL, *msg;

	l->retry_timer = 0;
	if (l->pool != NULL && !l->slot) {
		if (l->pool->inflight >= l->pool->limit) {
			l->pool->waiting = xreallocarray(l->pool->waiting,
			    l->pool->nwaiting + 1, sizeof *l->pool->waiting);
			l->pool->waiting[l->pool->nwaiting++] = l;
			return;		/* llm_pool_release() starts it */
		}
		l->pool->inflight++;
		l->slot = 1;
	}
	for (;;) {
		model = l->chain[l->ichain];
		wait = llm_breaker_wait(l->brk, model, now);
		if (wait == 0)
			break;
		if (l->ichain + 1 >= l->nchain) {
			msg = xasprintf("%s is unavailable (circuit open after "
			    "repeated failures; retry in %llu s)", model,
			    (unsigned long long)(wait + 999) / 1000);
			llm_finish(l, LLM_ERR_SERVER, msg);
			free(msg);
			return;
		}
		l->ichain++;
		l->attempt = 0;
	}
	if (llm_wire_start(l, model, &cause) == -1) {
		llm_attempt_end(l, LLM_ERR_NETWORK, 0, cause);
		free(cause);
		return;
	}
	fb = conf_int(l->cfg, "first_byte_timeout");
	if (fb > 0)
		llm_watchdog_arm(l, (uint64_t)fb * 1000);
}

/*
 * The request's own array of messages: a message that is itself a cJSON
 * reference (the agent's view of its history) stays a reference, so a long
 * history is not copied node by node on every request; anything else is
 * copied.  See the contract in cade/llm.h.
 */
static cJSON *
llm_messages_keep(const cJSON *msgs)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *m;

	cJSON_ArrayForEach(m, msgs) {
		if (m->type & cJSON_IsReference)
			cJSON_AddItemReferenceToArray(out, (cJSON *)(uintptr_t)m);
		else
			cJSON_AddItemToArray(out, cJSON_Duplicate(m, 1));
	}
	return out;
}

/* Start a request; see cade/llm.h. */
int
llm_send(struct llm *l, const struct llm_request *req,
    const struct llm_callbacks *cb, char **cause)
{
	const char *const *fb;
	const char *model;
	size_t i;
	int dup;

	if (l->busy) {
		*cause = xstrdup("a request is already in flight");
		return -1;
	}
	if (req->messages == NULL ? req->texts == NULL || req->ntexts == 0 :
	    !cJSON_IsArray(req->messages)) {
		*cause = xstrdup("messages must be a JSON array");
		return -1;
	}
	l->busy = 1;
	l->reqno++;
	l->cb = *cb;
	if (req->messages == NULL) {
		/* Printed messages: their pointers only, nothing per message. */
		l->ntexts = req->ntexts;
		l->texts = xcalloc(req->ntexts + 1, sizeof *l->texts);
		memcpy(l->texts, req->texts, req->ntexts * sizeof *l->texts);
		l->tlens = xcalloc(req->ntexts + 1, sizeof *l->tlens);
		for (i = 0; i < req->ntexts; i++)
			l->tlens[i] = strlen(req->texts[i]);
	} else
		l->messages = llm_messages_keep(req->messages);
	if (req->messages != NULL && req->texts != NULL) {
		int n = cJSON_GetArraySize(l->messages);

		l->texts = xcalloc((size_t)n + 1, sizeof *l->texts);
		memcpy(l->texts, req->texts, (size_t)n * sizeof *l->texts);
	}
	if (cJSON_IsArray(req->tools) && req->tools_text != NULL) {
		/* Kept by the caller: a reference node, not a copy. */
		l->tools = cJSON_CreateArrayReference(req->tools->child);
		l->tools_text = req->tools_text;
	} else
		l->tools = cJSON_IsArray(req->tools) ?
		    cJSON_Duplicate(req->tools, 1) : NULL;
	model = req->model != NULL && *req->model != '\0' ? req->model :
	    conf_str(l->cfg, "model");
	l->chain = xcalloc(1, sizeof *l->chain);
	l->chain[l->nchain++] = xstrdup(model);
	for (fb = conf_list(l->cfg, "fallback_models"); *fb != NULL; fb++) {
		for (dup = 0, i = 0; i < l->nchain; i++)
			dup |= strcmp(l->chain[i], *fb) == 0;
		if (dup || **fb == '\0')
			continue;
		l->chain = xreallocarray(l->chain, l->nchain + 1,
		    sizeof *l->chain);
		l->chain[l->nchain++] = xstrdup(*fb);
	}
	l->ichain = 0;
	l->attempt = 0;
	l->bad_retried = 0;
	l->cancel_req = 0;
	l->req_started = util_now_ms();
	if (conf_int(l->cfg, "request_deadline") > 0)
		l->deadline_timer = loop_timer_add(l->loop,
		    (uint64_t)conf_int(l->cfg, "request_deadline") * 1000,
		    llm_deadline, l);
	/* Start from the loop so done() never runs inside llm_send(). */
	l->retry_timer = loop_timer_add(l->loop, 0, llm_attempt_start, l);
	return 0;
}

/* Abort the request in flight (see cade/llm.h). */
void
llm_cancel(struct llm *l)
{
	if (!l->busy)
		return;
	if (l->in_cb > 0) {
		l->cancel_req = 1;
		return;
	}
	llm_finish(l, LLM_ERR_CANCELLED, "cancelled");
}
