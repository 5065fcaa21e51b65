/*
 * retry.c: what a failure means and when to try again.
 *
 * Classification maps an HTTP status plus the server's message to an
 * llm_status and "worth retrying": 401/403 stop (bad key), 404 stops (wrong
 * URL or model), a context-window complaint (whatever the status) is its
 * own kind so condensation can act, 408/429/5xx retry, other 4xx stop.
 * 429 "insufficient_quota" is a billing stop, not a rate limit.  Backoff is
 * exponential with "equal jitter" (half fixed, half random) so the delay
 * shown to the person is close to the real one.  The circuit breaker counts
 * consecutive failures per model and skips a model for a cool-down once the
 * count reaches the threshold; one success closes it.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cade/util.h"
#include "llm-int.h"

/* Phrases servers use when the prompt does not fit (lower case). */
static const char *const llm_context_phrases[] = {
	"context_length_exceeded", "context length", "context window",
	"maximum context", "context size", "context_window",
	"prompt is too long", "input is too long", "too many tokens",
	"reduce the length", "exceeds the available context",
	"maximum input length",
};

/* Case-insensitive substring search. */
static int
llm_icontains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* 1 if msg says the request did not fit the model's context. */
int
llm_is_context_error(const char *msg)
{
	size_t i;

	if (msg == NULL)
		return 0;
	for (i = 0; i < nitems(llm_context_phrases); i++)
		if (llm_icontains(msg, llm_context_phrases[i]))
			return 1;
	return 0;
}

/* Map an HTTP error status (and message) to a kind and retry decision. */
struct llm_class
llm_classify_http(long code, const char *msg)
{
	struct llm_class c = { LLM_ERR_SERVER, 1 };

	if ((code == 400 || code == 413 || code == 422 || code >= 500) &&
	    llm_is_context_error(msg)) {
		c.status = LLM_ERR_CONTEXT;
		c.retry = 0;
	} else if (code == 413) {
		c.status = LLM_ERR_CONTEXT;
		c.retry = 0;
	} else if (code == 401 || code == 403) {
		c.status = LLM_ERR_AUTH;
		c.retry = 0;
	} else if (code == 404) {
		c.status = LLM_ERR_NOT_FOUND;
		c.retry = 0;
	} else if (code == 408) {
		c.status = LLM_ERR_TIMEOUT;
	} else if (code == 429) {
		c.status = LLM_ERR_RATE;
		if (msg != NULL && llm_icontains(msg, "insufficient_quota"))
			c.retry = 0;
	} else if (code >= 500) {
		c.status = LLM_ERR_SERVER;
	} else {
		c.status = LLM_ERR_BAD_REQUEST;
		c.retry = 0;
	}
	return c;
}

/* The human part of an error body: error.message, message, detail, text. */
char *
llm_error_message(const char *body, size_t len)
{
	const cJSON *e, *m, *code;
	cJSON *j;
	char *out = NULL;

	while (len > 0 && isspace((unsigned char)*body)) {
		body++;
		len--;
	}
	if (len == 0)
		return NULL;
	j = cJSON_ParseWithLength(body, len);
	if (cJSON_IsObject(j)) {
		e = cJSON_GetObjectItemCaseSensitive(j, "error");
		m = cJSON_GetObjectItemCaseSensitive(e, "message");
		code = cJSON_GetObjectItemCaseSensitive(e, "code");
		if (cJSON_IsString(m) && cJSON_IsString(code) &&
		    strstr(m->valuestring, code->valuestring) == NULL)
			out = xasprintf("%s (%s)", m->valuestring,
			    code->valuestring);
		else if (cJSON_IsString(m))
			out = xstrdup(m->valuestring);
		else if (cJSON_IsString(e))
			out = xstrdup(e->valuestring);
		else if (cJSON_IsString(m = cJSON_GetObjectItemCaseSensitive(j,
		    "message")))
			out = xstrdup(m->valuestring);
		else if (cJSON_IsString(m = cJSON_GetObjectItemCaseSensitive(j,
		    "detail")))
			out = xstrdup(m->valuestring);
	}
	cJSON_Delete(j);
	if (out == NULL)
		out = llm_excerpt(body, len, 200);
	else {
		char *s = llm_excerpt(out, strlen(out), 300);

		free(out);
		out = s;
	}
	return out;
}

/* Delay before retry n (1-based): min(max, base * 2^(n-1)), equal jitter. */
uint64_t
llm_backoff_ms(int n, long base_ms, long max_ms, uint32_t rnd)
{
	uint64_t d = base_ms > 0 ? (uint64_t)base_ms : 1, cap;

	cap = max_ms > 0 ? (uint64_t)max_ms : d;
	while (--n > 0 && d < cap)
		d *= 2;
	if (d > cap)
		d = cap;
	return d / 2 + (d / 2 > 0 ? rnd % (d / 2 + 1) : 0);
}

/* Retry-After (seconds or HTTP date) or retry-after-ms, in ms. */
uint64_t
llm_retry_after_ms(const char *value, int is_ms, int64_t now_wall_ms)
{
	double d;
	time_t t;

	while (*value == ' ' || *value == '\t')
		value++;
	if (util_parse_double(value, &d) == 0) {
		if (d <= 0 || d > 86400.0 * 1000)
			return 0;
		return is_ms ? (uint64_t)d : (uint64_t)(d * 1000);
	}
	if (is_ms || (t = curl_getdate(value, NULL)) == -1)
		return 0;
	if ((int64_t)t * 1000 <= now_wall_ms)
		return 0;
	return (uint64_t)((int64_t)t * 1000 - now_wall_ms);
}

/* The breaker for a model, created closed. */
static struct llm_breaker *
llm_breaker_get(struct llm_breakers *bs, const char *model)
{
	size_t i;

	for (i = 0; i < bs->n; i++)
		if (strcmp(bs->v[i].model, model) == 0)
			return &bs->v[i];
	bs->v = xreallocarray(bs->v, bs->n + 1, sizeof *bs->v);
	memset(&bs->v[bs->n], 0, sizeof bs->v[bs->n]);
	bs->v[bs->n].model = xstrdup(model);
	return &bs->v[bs->n++];
}

/* May the model be tried now? */
int
llm_breaker_allow(struct llm_breakers *bs, const char *model, uint64_t now)
{
	return llm_breaker_wait(bs, model, now) == 0;
}

/* Time left in the model's cool-down. */
uint64_t
llm_breaker_wait(struct llm_breakers *bs, const char *model, uint64_t now)
{
	struct llm_breaker *b = llm_breaker_get(bs, model);

	return b->open_until > now ? b->open_until - now : 0;
}

/* One more consecutive failure; opens the circuit at the threshold. */
int
llm_breaker_fail(struct llm_breakers *bs, const char *model, uint64_t now,
    long threshold, uint64_t cooldown_ms)
{
	struct llm_breaker *b = llm_breaker_get(bs, model);

	b->fails++;
	if (threshold > 0 && b->fails >= threshold && cooldown_ms > 0) {
		b->open_until = now + cooldown_ms;
		/* Half-open after the cool-down: one more failure reopens. */
		b->fails = (int)threshold - 1;
		return 1;
	}
	return 0;
}

/* A success closes the circuit. */
void
llm_breaker_ok(struct llm_breakers *bs, const char *model)
{
	struct llm_breaker *b = llm_breaker_get(bs, model);

	b->fails = 0;
	b->open_until = 0;
}

/* Free all breakers. */
void
llm_breakers_free(struct llm_breakers *bs)
{
	size_t i;

	for (i = 0; i < bs->n; i++)
		free(bs->v[i].model);
	free(bs->v);
	bs->v = NULL;
	bs->n = 0;
}
