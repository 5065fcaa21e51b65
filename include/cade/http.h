/*
 * http.h: libcurl's multi interface on the cade loop (src/llm/http.c).
 *
 * Transfers are curl easy handles the caller sets up; done() is called once
 * when one ends, from the loop.  Nothing blocks and nothing polls: an idle
 * driver registers no fd and no timer.  Used by the LLM client and by the
 * MCP client's streamable HTTP transport.
 */
#ifndef CADE_HTTP_H
#define CADE_HTTP_H

#include <curl/curl.h>

struct loop;
struct llm_http;
typedef void (*llm_http_done_fn)(CURL *, CURLcode, void *arg);

struct llm_http	*llm_http_new(struct loop *);
/* Deferred while curl is calling into us; see http.c. */
void		 llm_http_free(struct llm_http *);
int		 llm_http_add(struct llm_http *, CURL *, llm_http_done_fn,
		     void *arg, char **cause);
/* Detach a transfer without calling its done function. */
void		 llm_http_remove(struct llm_http *, CURL *);

#endif
