/*
 * wire.c: one attempt of a request on the wire (the request as a whole,
 * its retries and fallbacks are llm.c's).
 *
 * The request body is built for the model's wire format and the quirks
 * learnt so far; a chat body of printed messages is not copied but
 * streamed to curl piece by piece from the caller's texts.  The reply's
 * first bytes say how it is read (SSE, a JSON body, an error body, or a
 * foreign page); headers give its type and any Retry-After.  When the
 * transfer ends, what it means (complete, unreachable endpoint, network,
 * HTTP status, protocol error) is handed to llm_attempt_end().
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cade/conf.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/sse.h"
#include "cade/util.h"
#include "llm-client.h"

/* The endpoint URL: base_url (trailing slash or endpoint tolerated) + path. */
static char *
llm_url(const char *base, int responses)
{
	size_t n = strlen(base);
	static const char *const tails[] = { "/chat/completions", "/responses" };
	size_t i, t;

	while (n > 0 && base[n - 1] == '/')
		n--;
	for (i = 0; i < nitems(tails); i++) {
		t = strlen(tails[i]);
		if (n >= t && strncmp(base + n - t, tails[i], t) == 0)
			n -= t;
	}
	return xasprintf("%.*s%s", (int)n, base,
	    responses ? "/responses" : "/chat/completions");
}

/* The messages of a request sent as printed texts, as a tree. */
static cJSON *
llm_messages_parse(const char *const *texts, size_t n)
{
	cJSON *out = cJSON_CreateArray(), *m;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((m = cJSON_Parse(texts[i])) == NULL)
			fatal("request message %zu is not JSON", i);
		cJSON_AddItemToArray(out, m);
	}
	return out;
}

/* A per-model boolean setting. */
static int
llm_model_bool(const struct llm *l, const char *model, const char *key)
{
	const char *v = conf_model_str(l->cfg, model, key);

	return strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 ||
	    strcmp(v, "1") == 0;
}

/* The request body for this attempt. */
static void
llm_build_body(struct llm *l, const char *model)
{
	struct llm_quirk *q = llm_quirk(l, model);
	struct llm_body_opts o;
	const char *tc;
	cJSON *pm = NULL;
	char *body;
	size_t i;

	memset(&o, 0, sizeof o);
	o.cfg = l->cfg;
	o.model = model;
	o.messages = l->messages;
	o.texts = l->texts;
	o.tools = l->tools;
	o.tools_text = l->tools_text;
	o.stream = l->stream;
	o.no_stream_options = q->no_stream_options;
	o.no_temperature = q->no_temperature;
	o.no_reasoning_effort = q->no_reasoning_effort;
	o.max_completion_tokens = q->max_completion_tokens;
	o.ntexts = l->ntexts;
	tc = conf_model_str(l->cfg, model, "tool_calling");
	l->prompt = cJSON_GetArraySize(l->tools) > 0 &&
	    (strcmp(tc, "prompt") == 0 || q->prompt_tools);
	if (l->messages == NULL && (l->responses || l->prompt)) {
		/* These formats rewrite the messages: parse the texts once
		 * (kept for later attempts, freed with the request). */
		l->messages = llm_messages_parse(l->texts, l->ntexts);
		o.messages = l->messages;
	}
	if (l->prompt) {
		pm = llm_ptools_messages(l->messages, l->tools);
		o.messages = pm;
		o.texts = NULL;
		o.tools = NULL;
		o.tools_text = NULL;
	}
	buf_reset(&l->out);
	l->streamed = 0;
	if (!l->responses && o.messages == NULL) {
		/* Printed messages: the head here, the rest streamed. */
		llm_chat_head(&o, &l->out);
		(void)buf_putc(&l->out, '[');
		l->streamed = 1;
		l->body = l->out.s;
		l->body_len = l->out.len + 2 + (l->ntexts - 1);
		for (i = 0; i < l->ntexts; i++)
			l->body_len += l->tlens[i];
		cJSON_Delete(pm);
		return;
	}
	if (l->responses) {
		body = llm_responses_body(&o);
		(void)buf_puts(&l->out, body);
		free(body);
	} else
		llm_chat_body(&o, &l->out);
	l->body = l->out.s;
	l->body_len = l->out.len;
	cJSON_Delete(pm);
}

/*
 * A streamed body is a list of pieces: 0 the head (l->out), 2i+1 the
 * comma before message i (none before the first), 2i+2 message i, 2n+1
 * the end.  NULL past the end.
 */
static const char *
llm_piece(const struct llm *l, size_t k, size_t *len)
{
	size_t n = l->ntexts;

	if (k == 0) {
		*len = l->out.len;
		return l->out.s;
	}
	if (k <= 2 * n) {
		if (k % 2 == 1) {
			*len = k > 1;
			return ",";
		}
		*len = l->tlens[k / 2 - 1];
		return l->texts[k / 2 - 1];
	}
	*len = 2;
	return k == 2 * n + 1 ? "]}" : NULL;
}

/* curl: the next bytes of a streamed body. */
static size_t
llm_on_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct llm *l = arg;
	size_t room = size * nmemb, got = 0, len, take;
	const char *p;

	while (got < room && (p = llm_piece(l, l->rpiece, &len)) != NULL) {
		take = len - l->roff < room - got ? len - l->roff : room - got;
		memcpy(dst + got, p + l->roff, take);
		got += take;
		l->roff += take;
		if (l->roff == len) {
			l->rpiece++;
			l->roff = 0;
		}
	}
	return got;
}

/* curl: read a streamed body again from offset (a resent request). */
static int
llm_on_seek(void *arg, curl_off_t offset, int origin)
{
	struct llm *l = arg;
	size_t len, at = 0;

	if (origin != SEEK_SET || offset < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	for (l->rpiece = 0, l->roff = 0;
	    llm_piece(l, l->rpiece, &len) != NULL; l->rpiece++) {
		if (at + len > (size_t)offset) {
			l->roff = (size_t)offset - at;
			return CURL_SEEKFUNC_OK;
		}
		at += len;
	}
	return (size_t)offset == at ? CURL_SEEKFUNC_OK : CURL_SEEKFUNC_FAIL;
}

/* Headers for this attempt; the key is never logged. */
static void
llm_headers(struct llm *l)
{
	l->hdrs = curl_slist_append(l->hdrs, "Content-Type: application/json");
	l->hdrs = curl_slist_append(l->hdrs, l->stream ?
	    "Accept: text/event-stream" : "Accept: application/json");
	/* No "Expect: 100-continue" round trip for big bodies. */
	l->hdrs = curl_slist_append(l->hdrs, "Expect:");
	l->hdrs = llm_auth_headers(l->hdrs, l->cfg, 1);
}

/* See llm-int.h. */
struct curl_slist *
llm_auth_headers(struct curl_slist *hdrs, const struct config *cfg,
    int send_key)
{
	const char *const *extra;
	const char *key = conf_str(cfg, "api_key");
	char *h;

	if (send_key && *key != '\0') {
		h = xasprintf("Authorization: Bearer %s", key);
		hdrs = curl_slist_append(hdrs, h);
		explicit_bzero(h, strlen(h));
		free(h);
	}
	for (extra = conf_list(cfg, "extra_header"); *extra != NULL; extra++)
		if (strchr(*extra, ':') != NULL)
			hdrs = curl_slist_append(hdrs, *extra);
	return hdrs;
}

/* SSE parser: one event of the stream. */
int
llm_on_event(const char *type, const char *data, size_t len, void *arg)
{
	struct llm *l = arg;
	int rc;

	if (l->responses)
		rc = llm_responses_event(&l->acc, type, data, len);
	else
		rc = llm_chat_event(&l->acc, data, len);
	return rc != 0 || l->cancel_req;
}

/* Decide from the first body bytes how the reply is to be read. */
static void
llm_pick_kind(struct llm *l, const char *p, size_t n)
{
	size_t i;

	curl_easy_getinfo(l->easy, CURLINFO_RESPONSE_CODE, &l->http_code);
	if (l->http_code < 200 || l->http_code >= 300) {
		l->kind = LLM_BODY_ERROR;
		return;
	}
	for (i = 0; i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' ||
	    p[i] == '\t'); i++)
		;
	/* cade asks for no compression: an encoded body cannot be read. */
	if ((l->cenc[0] != '\0' && strcasecmp(l->cenc, "identity") != 0) ||
	    strstr(l->ctype, "html") != NULL ||
	    (strstr(l->ctype, "json") == NULL &&
	    strstr(l->ctype, "event-stream") == NULL && i < n && p[i] == '<')) {
		l->kind = LLM_BODY_FOREIGN;
		return;
	}
	if (strstr(l->ctype, "event-stream") != NULL)
		l->kind = LLM_BODY_SSE;
	else if (strstr(l->ctype, "json") != NULL)
		l->kind = LLM_BODY_JSON;
	else {
		/* No useful Content-Type: sniff. */
		for (i = 0; i < n && (p[i] == ' ' || p[i] == '\n' ||
		    p[i] == '\r'); i++)
			;
		l->kind = i < n && p[i] == '{' ? LLM_BODY_JSON :
		    l->stream ? LLM_BODY_SSE : LLM_BODY_JSON;
	}
}

/* curl: body bytes. */
static size_t
llm_on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct llm *l = arg;
	size_t n = size * nmemb;
	char *cause = NULL;
	int rc;

	llm_touch(l, 1);
	l->rx += n;
	if (l->kind == LLM_BODY_NONE)
		llm_pick_kind(l, p, n);
	switch (l->kind) {
	case LLM_BODY_SSE:
		l->in_cb++;
		rc = sse_feed(l->sse, p, n, &cause);
		l->in_cb--;
		if (rc == -1) {
			llm_acc_set_bad(&l->acc, cause, NULL, 0);
			free(cause);
			return 0;
		}
		if (l->cancel_req || l->acc.bad != NULL ||
		    l->acc.err != LLM_OK)
			return 0;
		return n;
	case LLM_BODY_ERROR:
	case LLM_BODY_FOREIGN:
		if (l->raw.len < LLM_ERRBODY_MAX)
			(void)!buf_append(&l->raw, p, n);
		return n;
	default:
		if (buf_append(&l->raw, p, n) == -1) {
			llm_acc_set_bad(&l->acc, "reply too large", NULL, 0);
			return 0;
		}
		return n;
	}
}

/* curl: one header line (status lines included). */
static size_t
llm_on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct llm *l = arg;
	size_t n = size * nmemb, len = n, vl;
	const char *v;
	char tmp[128];
	uint64_t ms;

	llm_touch(l, 0);
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		l->retry_after = 0;
		l->ctype[0] = '\0';
		l->cenc[0] = '\0';
		return n;
	}
	v = memchr(p, ':', len);
	if (v == NULL)
		return n;
	vl = len - (size_t)(v - p) - 1;
	for (v++; vl > 0 && (*v == ' ' || *v == '\t'); v++, vl--)
		;
	if (vl >= sizeof tmp)
		vl = sizeof tmp - 1;
	memcpy(tmp, v, vl);
	tmp[vl] = '\0';
	if (strncasecmp(p, "content-type:", 13) == 0) {
		memcpy(l->ctype, tmp, vl < sizeof l->ctype ? vl + 1 :
		    sizeof l->ctype);
		l->ctype[sizeof l->ctype - 1] = '\0';
	} else if (strncasecmp(p, "content-encoding:", 17) == 0) {
		memcpy(l->cenc, tmp, vl < sizeof l->cenc ? vl + 1 :
		    sizeof l->cenc);
		l->cenc[sizeof l->cenc - 1] = '\0';
	} else if (strncasecmp(p, "retry-after-ms:", 15) == 0) {
		if ((ms = llm_retry_after_ms(tmp, 1, util_wall_ms())) != 0)
			l->retry_after = ms;
	} else if (strncasecmp(p, "retry-after:", 12) == 0 &&
	    l->retry_after == 0)
		l->retry_after = llm_retry_after_ms(tmp, 0, util_wall_ms());
	return n;
}

/*
 * The endpoint was never reached by this client and this attempt could not
 * reach it either (refused, no such host, TLS failed, no TCP connection
 * within connect_timeout): a wrong or stopped endpoint, which retrying
 * would only repeat.  One line saying what to check; NULL otherwise.
 * Once the endpoint has answered, the same failures are transient (a
 * server restarting) and retried as before.
 */
static char *
llm_unreachable(struct llm *l, CURL *easy, CURLcode rc)
{
	const char *why, *from;
	curl_off_t ct = 0;
	char *msg, *tmp = NULL;

	if (l->reached)
		return NULL;
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		why = "connection refused";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		why = "unknown host";
		break;
	case CURLE_COULDNT_RESOLVE_PROXY:
		why = "unknown proxy host";
		break;
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &ct);
		if (l->got_byte || ct > 0)
			return NULL;
		/* A TLS handshake nobody answers (not a TLS server) times out
		 * inside the connect phase too: say which. */
		if (strstr(l->errbuf, "SSL") != NULL)
			why = tmp = xasprintf("TLS failed: %s", l->errbuf);
		else
			why = tmp = xasprintf("no connection within %ld s",
			    conf_int(l->cfg, "connect_timeout"));
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		why = tmp = xasprintf("TLS failed: %s", l->errbuf[0] ?
		    l->errbuf : curl_easy_strerror(rc));
		break;
	default:
		return NULL;
	}
	switch (conf_origin_of(l->cfg, "base_url")) {
	case CONF_ENV: from = "LLM_BASE_URL"; break;
	case CONF_FILE: from = "base_url in the config file"; break;
	case CONF_FLAG: from = "--base-url"; break;
	default: from = "base_url (the default; set LLM_BASE_URL or base_url "
	    "in the config file)"; break;
	}
	msg = xasprintf("cannot reach the model endpoint %s (%s): is the "
	    "server running? check %s; in the TUI, /local looks for a local "
	    "server", conf_str(l->cfg, "base_url"), why, from);
	free(tmp);
	return msg;
}

/*
 * What the reply itself says went wrong: an error object (its status and
 * retry advice) or content that could not be used (a protocol error,
 * retried).  1 with *st, *retry and *msg set; 0 if it says nothing.
 */
static int
llm_acc_failed(const struct llm *l, const char *model, enum llm_status *st,
    int *retry, char **msg)
{
	if (l->acc.err != LLM_OK) {
		*st = l->acc.err;
		*retry = l->acc.err_retry;
		*msg = xasprintf("%s error from %s: %s", llm_status_name(*st),
		    model, l->acc.err_msg);
		return 1;
	}
	if (l->acc.bad != NULL) {
		*st = LLM_ERR_PROTOCOL;
		*retry = 1;
		*msg = xstrdup(l->acc.bad);
		return 1;
	}
	return 0;
}

/*
 * What an HTTP error status st means, for the person (the server's own
 * message, if any, follows it); caller frees.
 */
static char *
llm_http_failure(const struct llm *l, enum llm_status st, const char *model,
    const char *smsg)
{
	switch (st) {
	case LLM_ERR_AUTH:
		if (*conf_str(l->cfg, "api_key") == '\0')
			return xasprintf("authentication failed (HTTP %ld) at "
			    "%s: no API key set (api_key or LLM_API_KEY)",
			    l->http_code, l->url);
		return xasprintf("authentication failed (HTTP %ld) at %s: "
		    "check api_key", l->http_code, l->url);
	case LLM_ERR_NOT_FOUND:
		return xasprintf("not found (HTTP 404) at %s: check base_url "
		    "and model '%s'", l->url, model);
	case LLM_ERR_CONTEXT:
		if (l->http_code == 413 && !llm_is_context_error(smsg))
			return xasprintf("request too large (HTTP 413, %zu "
			    "bytes sent): refused by %s or a proxy in between",
			    l->body_len, l->url);
		return xasprintf("context length exceeded for model '%s' "
		    "(HTTP %ld)", model, l->http_code);
	case LLM_ERR_RATE:
		return xasprintf("rate limited by %s (HTTP 429)", model);
	case LLM_ERR_SERVER:
		return xasprintf("server error from %s (HTTP %ld)", model,
		    l->http_code);
	default:
		return xasprintf("request refused by %s (HTTP %ld)", model,
		    l->http_code);
	}
}

/* curl: the transfer ended (successfully or not). */
static void
llm_on_done(CURL *easy, CURLcode rc, void *arg)
{
	struct llm *l = arg;
	enum llm_status st = LLM_OK;
	struct llm_class c;
	char *cause = NULL, *msg = NULL, *smsg, *what;
	const char *model = l->chain[l->ichain];
	int retry = 0;

	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &l->http_code);
	if (l->http_code > 0)
		l->reached = 1;
	if (l->kind == LLM_BODY_SSE && rc == CURLE_OK && !l->cancel_req &&
	    l->acc.bad == NULL && l->acc.err == LLM_OK) {
		l->in_cb++;
		if (sse_finish(l->sse, &cause) == -1) {
			llm_acc_set_bad(&l->acc, cause, NULL, 0);
			free(cause);
		}
		l->in_cb--;
	}
	if (l->cancel_req) {
		llm_attempt_end(l, LLM_ERR_CANCELLED, 0, "cancelled");
		return;
	}
	if (llm_acc_failed(l, model, &st, &retry, &msg))
		;	/* the reply said what went wrong */
	else if (l->acc.done && (rc == CURLE_OK || rc == CURLE_PARTIAL_FILE ||
	    rc == CURLE_RECV_ERROR)) {
		st = LLM_OK;	/* complete, even if the close was unclean */
	} else if (rc != CURLE_OK &&
	    (msg = llm_unreachable(l, easy, rc)) != NULL) {
		st = LLM_ERR_NETWORK;
	} else if (rc != CURLE_OK) {
		retry = 1;
		st = LLM_ERR_NETWORK;
		switch (rc) {
		case CURLE_OPERATION_TIMEDOUT:
			st = LLM_ERR_TIMEOUT;
			msg = l->got_byte ? xasprintf("timed out: %s",
			    l->errbuf) : xasprintf("cannot connect to %s "
			    "within %ld s", l->url,
			    conf_int(l->cfg, "connect_timeout"));
			break;
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
		case CURLE_COULDNT_CONNECT:
			msg = xasprintf("cannot connect to %s: %s", l->url,
			    l->errbuf[0] ? l->errbuf : curl_easy_strerror(rc));
			break;
		case CURLE_URL_MALFORMAT:
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
			retry = 0;
			msg = xasprintf("cannot use %s: %s", l->url,
			    l->errbuf[0] ? l->errbuf : curl_easy_strerror(rc));
			break;
		default:
			if (l->rx > 0 || l->kind != LLM_BODY_NONE)
				msg = xasprintf("connection dropped mid-reply "
				    "after %zu bytes (%s)", l->rx,
				    curl_easy_strerror(rc));
			else
				msg = xasprintf("connection to %s failed: %s",
				    l->url, l->errbuf[0] ? l->errbuf :
				    curl_easy_strerror(rc));
			break;
		}
	} else if (l->kind == LLM_BODY_FOREIGN) {
		/* Say what came back; the same page would come back again. */
		st = LLM_ERR_PROTOCOL;
		if (l->cenc[0] != '\0' && strcasecmp(l->cenc, "identity") != 0)
			msg = xasprintf("%s answered HTTP %ld with a body "
			    "compressed as '%s' (Content-Encoding), which cade "
			    "did not ask for and cannot read", l->url,
			    l->http_code, l->cenc);
		else {
			smsg = llm_excerpt(l->raw.s, l->raw.len, 160);
			msg = xasprintf("%s answered HTTP %ld with an HTML page "
			    "(Content-Type: %s), not a model reply: a proxy or "
			    "a login page in the way? It begins: %s", l->url,
			    l->http_code, l->ctype[0] ? l->ctype : "none",
			    smsg);
			free(smsg);
		}
	} else if (l->http_code < 200 || l->http_code >= 300) {
		smsg = llm_error_message(l->raw.s, l->raw.len);
		c = llm_classify_http(l->http_code, smsg);
		st = c.status;
		retry = c.retry;
		what = llm_http_failure(l, st, model, smsg);
		msg = xasprintf("%s%s%s", what, smsg ? ": " : "",
		    smsg ? smsg : "");
		free(what);
		free(smsg);
	} else if (l->kind == LLM_BODY_JSON) {
		l->in_cb++;
		if (l->responses)
			(void)llm_responses_reply(&l->acc, l->raw.s, l->raw.len);
		else
			(void)llm_chat_reply(&l->acc, l->raw.s, l->raw.len);
		l->in_cb--;
		if (l->cancel_req) {
			llm_attempt_end(l, LLM_ERR_CANCELLED, 0, "cancelled");
			return;
		}
		(void)llm_acc_failed(l, model, &st, &retry, &msg);
	} else if (l->kind == LLM_BODY_NONE) {
		st = LLM_ERR_PROTOCOL;
		retry = 1;
		msg = xasprintf("empty reply from %s (HTTP %ld)", l->url,
		    l->http_code);
	} else if (!l->acc.done && !l->acc.saw_finish) {
		st = LLM_ERR_NETWORK;
		retry = 1;
		msg = xasprintf("stream ended before the reply was complete "
		    "(no [DONE] after %zu bytes)", l->rx);
	}
	llm_attempt_end(l, st, retry, msg);
	free(msg);
}

/* See llm-client.h. */
int
llm_wire_start(struct llm *l, const char *model, char **cause)
{
	llm_acc_reset(&l->acc);
	sse_reset(l->sse);
	buf_reset(&l->raw);
	l->filt.sent = 0;
	l->filt.stopped = 0;
	l->kind = LLM_BODY_NONE;
	l->http_code = 0;
	l->retry_after = 0;
	l->ctype[0] = '\0';
	l->rx = 0;
	l->got_byte = 0;
	l->errbuf[0] = '\0';
	l->responses = strcmp(conf_model_str(l->cfg, model, "wire_api"),
	    "responses") == 0;
	l->stream = llm_model_bool(l, model, "stream");
	l->url = llm_url(conf_str(l->cfg, "base_url"), l->responses);
	llm_build_body(l, model);
	llm_headers(l);

	l->easy = curl_easy_init();
	if (l->easy == NULL)
		fatal("curl_easy_init failed");
	curl_easy_setopt(l->easy, CURLOPT_URL, l->url);
	curl_easy_setopt(l->easy, CURLOPT_POST, 1L);
	if (l->streamed) {
		l->rpiece = l->roff = 0;
		curl_easy_setopt(l->easy, CURLOPT_READFUNCTION, llm_on_read);
		curl_easy_setopt(l->easy, CURLOPT_READDATA, l);
		curl_easy_setopt(l->easy, CURLOPT_SEEKFUNCTION, llm_on_seek);
		curl_easy_setopt(l->easy, CURLOPT_SEEKDATA, l);
	} else
		curl_easy_setopt(l->easy, CURLOPT_POSTFIELDS, l->body);
	curl_easy_setopt(l->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)l->body_len);
	curl_easy_setopt(l->easy, CURLOPT_HTTPHEADER, l->hdrs);
	curl_easy_setopt(l->easy, CURLOPT_WRITEFUNCTION, llm_on_write);
	curl_easy_setopt(l->easy, CURLOPT_WRITEDATA, l);
	curl_easy_setopt(l->easy, CURLOPT_HEADERFUNCTION, llm_on_header);
	curl_easy_setopt(l->easy, CURLOPT_HEADERDATA, l);
	curl_easy_setopt(l->easy, CURLOPT_ERRORBUFFER, l->errbuf);
	curl_easy_setopt(l->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(l->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(l->easy, CURLOPT_USERAGENT, PACKAGE_NAME "/"
	    PACKAGE_VERSION);
	curl_easy_setopt(l->easy, CURLOPT_CONNECTTIMEOUT_MS,
	    conf_int(l->cfg, "connect_timeout") * 1000L);
	curl_easy_setopt(l->easy, CURLOPT_PRIVATE, l);

	log_debug("POST %s model=%s wire=%s stream=%d tools=%s bytes=%zu "
	    "attempt=%d", l->url, model, l->responses ? "responses" : "chat",
	    l->stream, l->prompt ? "prompt" : "native", l->body_len,
	    l->attempt + 1);
	l->totals.attempts++;
	l->started = util_now_ms();
	return http_add(l->http, l->easy, llm_on_done, l, cause);
}
