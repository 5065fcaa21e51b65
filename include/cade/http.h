/*
 * http.h: libcurl's multi interface on the cade loop (src/http.c).
 *
 * Transfers are curl easy handles the caller sets up; done() is called once
 * when one ends, from the loop.  Nothing blocks and nothing polls: an idle
 * driver registers no fd and no timer.  Used by the LLM client, the MCP
 * client's streamable HTTP transport and the Docker workspace's calls that
 * must not wait (its health check).
 */
#ifndef CADE_HTTP_H
#define CADE_HTTP_H

#include <curl/curl.h>

struct loop;
struct http_driver;
typedef void (*http_done_fn)(CURL *, CURLcode, void *arg);

struct http_driver	*http_new(struct loop *);
/* Deferred while curl is calling into us; see http.c. */
void		 http_free(struct http_driver *);
int		 http_add(struct http_driver *, CURL *, http_done_fn,
		     void *arg, char **cause);
/* Detach a transfer without calling its done function. */
void		 http_remove(struct http_driver *, CURL *);

#endif
