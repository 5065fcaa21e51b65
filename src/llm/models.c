/*
 * models.c: what an endpoint serves (GET {base_url}/models), and finding a
 * local server when nothing is configured.
 *
 * A fetch is one curl easy handle on its own multi handle (http.c) on the
 * caller's loop: nothing blocks, and a fetch whose caller goes away is
 * cancelled.  The reply is the OpenAI list shape, {"data": [{"id": ...}]},
 * read leniently for what providers add: a context length as
 * `context_length` (OpenRouter), `max_model_len` (vLLM), `context_window`,
 * or `meta.n_ctx_train` (llama.cpp server); prices as OpenRouter's
 * `pricing.prompt` / `pricing.completion` (USD per token, as strings),
 * turned into USD per million tokens like the price_* settings; image
 * input as OpenRouter's `architecture.input_modalities` (or a top-level
 * `input_modalities`) listing "image".
 *
 * At the start of a session with no price configured for its model, the
 * prices come from the list: read from a cache on disk
 * ($XDG_CACHE_HOME/cade/models/, one file per endpoint, kept
 * models_cache_ttl seconds), else fetched in the background (never waited
 * for; a reply costed before it came is costed again when it comes, by the
 * caller) and cached.  /model's fetch refreshes the cache too.
 *
 * The local probe asks the four usual ports at once (Ollama 11434,
 * llama.cpp 8080, LM Studio 1234, vLLM 8000, each /v1/models with a short
 * timeout) and reports the first, in that order, that answered with a list.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "cade/buf.h"
#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/http.h"
#include "cade/llm.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/sha256.h"
#include "cade/util.h"
#include "llm-int.h"

#define MODELS_MAX_BODY		(4 * 1024 * 1024)	/* OpenRouter's list is ~1 MB */

struct llm_models_req {
	struct loop		*loop;
	struct http_driver		*http;
	CURL			*easy;
	struct curl_slist	*hdrs;
	struct buf		 body;
	char			*base_url;
	llm_models_fn		 fn;
	void			*arg;
};

const struct llm_local_server llm_local_servers[] = {
	{ "Ollama", "http://127.0.0.1:11434/v1" },
	{ "llama.cpp", "http://127.0.0.1:8080/v1" },
	{ "LM Studio", "http://127.0.0.1:1234/v1" },
	{ "vLLM", "http://127.0.0.1:8000/v1" },
};
const size_t llm_local_servers_n = nitems(llm_local_servers);

/* curl: collect the body, up to the cap. */
static size_t
models_write(char *p, size_t size, size_t n, void *arg)
{
	struct llm_models_req *r = arg;

	if (buf_append(&r->body, p, size * n) == -1)
		return 0;	/* too big: curl stops with an error */
	return size * n;
}

/* Release a request's resources (not the callback's result). */
static void
models_req_free(struct llm_models_req *r)
{
	if (r->easy != NULL) {
		http_remove(r->http, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->hdrs);
	http_free(r->http);
	buf_free(&r->body);
	free(r->base_url);
	free(r);
}

/* The transfer ended: parse and hand the list (or the error) over. */
static void
models_done(CURL *easy, CURLcode rc, void *arg)
{
	struct llm_models_req *r = arg;
	struct llm_models *m = xcalloc(1, sizeof *m);
	llm_models_fn fn = r->fn;
	void *fnarg = r->arg;
	char *cause = NULL;
	long code = 0;

	m->base_url = xstrdup(r->base_url);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (rc != CURLE_OK)
		m->error = xasprintf("cannot reach %s: %s", r->base_url,
		    curl_easy_strerror(rc));
	else if (code < 200 || code >= 300)
		m->error = xasprintf("%s/models answered HTTP %ld", r->base_url,
		    code);
	else if (llm_models_parse(r->body.s != NULL ? r->body.s : "",
	    r->body.len, m, &cause) == -1) {
		m->error = xasprintf("%s/models: %s", r->base_url, cause);
		free(cause);
	}
	/* curl is still inside us: leave the handle to models_req_free. */
	http_remove(r->http, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	models_req_free(r);
	fn(m, fnarg);
}

/* See llm.h. */
struct llm_models_req *
llm_models_fetch(struct loop *loop, const struct config *cfg,
    const char *base_url, long timeout_ms, int send_key, llm_models_fn fn,
    void *arg)
{
	struct llm_models_req *r = xcalloc(1, sizeof *r);
	size_t n = strlen(base_url);
	char *url, *cause = NULL;

	while (n > 0 && base_url[n - 1] == '/')
		n--;
	r->loop = loop;
	r->fn = fn;
	r->arg = arg;
	r->base_url = xstrndup(base_url, n);
	buf_init(&r->body, MODELS_MAX_BODY);
	r->http = http_new(loop);
	if ((r->easy = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	url = xasprintf("%s/models", r->base_url);
	curl_easy_setopt(r->easy, CURLOPT_URL, url);
	free(url);
	/* The key never goes to a server we only probe. */
	r->hdrs = llm_auth_headers(r->hdrs, cfg, send_key);
	curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, models_write);
	curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(r->easy, CURLOPT_ACCEPT_ENCODING, "");
	if (http_add(r->http, r->easy, models_done, r, &cause) == -1) {
		free(cause);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		models_req_free(r);
		return NULL;
	}
	return r;
}

/* See llm.h. */
void
llm_models_cancel(struct llm_models_req *r)
{
	if (r != NULL)
		models_req_free(r);
}

/* See llm.h. */
int
llm_unconfigured(const struct config *cfg)
{
	return *conf_str(cfg, "api_key") == '\0' &&
	    conf_origin_of(cfg, "base_url") == CONF_DEFAULT;
}

const char llm_unconfigured_text[] =
    "no API key and no endpoint configured: set LLM_API_KEY (and "
    "LLM_BASE_URL for a provider other than OpenAI), or api_key and "
    "base_url in ~/.config/cade/config";

struct models_cli {
	struct loop		*loop;
	struct llm_models	*m;
};

/* cade models: the fetch ended. */
static void
models_cli_done(struct llm_models *m, void *arg)
{
	struct models_cli *c = arg;

	c->m = m;
	loop_stop(c->loop, 0);
}

/* A price per million tokens, or "-" when the provider gives none. */
static void
models_price(FILE *out, double p)
{
	if (p < 0)
		fprintf(out, " %9s", "-");
	else
		fprintf(out, " %9.4g", p);
}

/* See llm.h. */
int
llm_models_main(const struct config *cfg, FILE *out)
{
	struct models_cli c;
	size_t i, w = 8;

	if (llm_unconfigured(cfg)) {
		fprintf(stderr, "cade: %s\n", llm_unconfigured_text);
		return CADE_EXIT_ERROR;
	}
	memset(&c, 0, sizeof c);
	c.loop = loop_new();
	if (llm_models_fetch(c.loop, cfg, conf_str(cfg, "base_url"),
	    conf_int(cfg, "connect_timeout") * 1000 + 10000, 1, models_cli_done,
	    &c) != NULL)
		loop_run(c.loop);
	loop_free(c.loop);
	if (c.m == NULL || c.m->error != NULL) {
		fprintf(stderr, "cade: %s\n", c.m != NULL ? c.m->error :
		    "cannot start the request");
		llm_models_free(c.m);
		return CADE_EXIT_ERROR;
	}
	for (i = 0; i < c.m->n; i++)
		if (strlen(c.m->v[i].id) > w)
			w = strlen(c.m->v[i].id);
	/* IMAGES: yes/no where the list says whether it takes image input. */
	fprintf(out, "%-*s %9s %9s %9s %6s\n", (int)w, "MODEL", "CONTEXT",
	    "IN $/M", "OUT $/M", "IMAGES");
	for (i = 0; i < c.m->n; i++) {
		fprintf(out, "%-*s", (int)w, c.m->v[i].id);
		if (c.m->v[i].context > 0)
			fprintf(out, " %9ld", c.m->v[i].context);
		else
			fprintf(out, " %9s", "-");
		models_price(out, c.m->v[i].price_in);
		models_price(out, c.m->v[i].price_out);
		fprintf(out, " %6s\n", c.m->v[i].images > 0 ? "yes" :
		    c.m->v[i].images == 0 ? "no" : "-");
	}
	llm_models_free(c.m);
	return CADE_EXIT_OK;
}

/* ---- the list at start: the cache on disk, else a background fetch --- */

struct llm_prices {
	struct llm_models_req	*req;
	void			(*fn)(void *);
	void			*arg;
};

/* $XDG_CACHE_HOME/cade/models/<digest of the base URL>.json; caller frees. */
static char *
models_cache_path(const char *base_url)
{
	char hex[65], *dir, *path;
	size_t n = strlen(base_url);

	while (n > 0 && base_url[n - 1] == '/')
		n--;
	sha256_hex(base_url, n, hex);
	dir = util_xdg_dir("XDG_CACHE_HOME", ".cache");
	path = xasprintf("%s/models/%.32s.json", dir, hex);
	free(dir);
	return path;
}

/* See llm.h. */
void
llm_models_cache_put(const struct llm_models *m)
{
	char *path, *text, *dir;

	if (m == NULL || m->error != NULL || m->base_url == NULL)
		return;
	text = llm_models_json(m);
	path = models_cache_path(m->base_url);
	dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	/* A cache is worth nothing to fail over: errors only go to the log. */
	if (util_mkdir_p(dir, 0700) == -1 ||
	    util_write_atomic(path, text, strlen(text), 0600) == -1)
		log_debug("cannot write the model list cache '%s': %s", path,
		    strerror(errno));
	free(dir);
	free(path);
	free(text);
}

/* The cached list of base_url if younger than ttl seconds, or NULL. */
static struct llm_models *
models_cache_get(const char *base_url, long ttl)
{
	struct llm_models *m;
	struct stat st;
	char *path, *text, *cause = NULL;
	time_t now = time(NULL);
	size_t len;

	path = models_cache_path(base_url);
	if (ttl <= 0 || stat(path, &st) == -1 || st.st_mtime > now + 60 ||
	    now - st.st_mtime > ttl ||
	    (text = util_read_small(path, MODELS_MAX_BODY, &len, NULL)) ==
	    NULL) {
		free(path);
		return NULL;
	}
	m = xcalloc(1, sizeof *m);
	m->base_url = xstrdup(base_url);
	if (llm_models_parse(text, len, m, &cause) == -1) {
		log_debug("model list cache '%s': %s", path, cause);
		free(cause);
		llm_models_free(m);
		m = NULL;
	}
	free(text);
	free(path);
	return m;
}

/* The background fetch ended: use the prices, keep the list for next time. */
static void
prices_done(struct llm_models *m, void *arg)
{
	struct llm_prices *p = arg;

	p->req = NULL;
	if (m->error == NULL) {
		llm_list_prices(m);
		llm_models_cache_put(m);
		p->fn(p->arg);
	} else
		log_debug("model list for prices: %s", m->error);
	llm_models_free(m);
}

/* See llm.h. */
struct llm_prices *
llm_prices_start(struct loop *loop, const struct config *cfg,
    const char *model, void (*fn)(void *), void *arg)
{
	const char *base = conf_str(cfg, "base_url");
	struct llm_models *m;
	struct llm_prices *p;

	if (llm_unconfigured(cfg) || llm_price_known(cfg, model))
		return NULL;
	if ((m = models_cache_get(base, conf_int(cfg, "models_cache_ttl"))) !=
	    NULL) {
		llm_list_prices(m);
		llm_models_free(m);
		return NULL;
	}
	p = xcalloc(1, sizeof *p);
	p->fn = fn;
	p->arg = arg;
	p->req = llm_models_fetch(loop, cfg, base,
	    conf_int(cfg, "connect_timeout") * 1000 + 10000, 1, prices_done, p);
	return p;
}

/* See llm.h. */
void
llm_prices_free(struct llm_prices *p)
{
	if (p == NULL)
		return;
	llm_models_cancel(p->req);
	free(p);
}
