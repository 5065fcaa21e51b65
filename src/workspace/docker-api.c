/*
 * docker-api.c: the Docker Engine API transport: HTTP/1.1 to the daemon
 * on its unix socket or a TCP port, with or without TLS (docker-net.c
 * holds the address, the libcurl set-up and the TLS relay).  Control calls
 * at startup and teardown are blocking libcurl easy requests with short
 * timeouts; a call made while the session runs (the health check) goes
 * through the loop's curl multi driver (http.h) and never waits.  The two long-lived
 * streams (the lifeline and the shell's exec) are hijacked by hand: the
 * request written here, "101 UPGRADED" read back, then the connection is
 * a raw stream handed to docker.c.  The API version is negotiated down to
 * what the daemon speaks (at most DOCKER_API_WANT).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cade/conf.h"
#include "cade/http.h"
#include "cade/log.h"
#include "cade/util.h"
#include "docker-int.h"

/* curl write callback: append to the reply, failing past its cap. */
static size_t
docker_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * n) == -1)
		return 0;
	return size * n;
}

/* The daemon's error text from a JSON reply ({"message": ...}), or the raw body. */
char *
docker_errmsg(const struct docker_reply *r)
{
	cJSON *j, *m;
	char *out = NULL, *nl;

	if ((j = cJSON_Parse(r->body.s)) != NULL) {
		m = cJSON_GetObjectItemCaseSensitive(j, "message");
		if (cJSON_IsString(m))
			out = xstrdup(m->valuestring);
		cJSON_Delete(j);
	}
	if (out == NULL)
		out = r->body.len > 0 ? xstrndup(r->body.s, 200) :
		    xasprintf("HTTP status %ld", r->status);
	if ((nl = strchr(out, '\n')) != NULL)
		*nl = '\0';
	return out;
}

/*
 * Set curl up for one control call on d (path below the API version prefix
 * unless it starts with "!"): the reply body goes to body, errors to
 * errbuf, the headers list is the caller's to free after the transfer.
 * Returns the URL (for the log; caller frees).
 */
static char *
docker_setup(struct docker *d, CURL *c, const char *method, const char *path,
    const char *body, long timeout_ms, struct buf *out, char *errbuf,
    struct curl_slist **hdrs)
{
	char *url;

	curl_easy_reset(c);
	errbuf[0] = '\0';
	if (path[0] == '!')
		url = dnet_curl(d->net, c, path + 1);
	else {
		char *full = xasprintf("%s%s", d->api, path);

		url = dnet_curl(d->net, c, full);
		free(full);
	}
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)DOCKER_SHORT_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, docker_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cade");
	*hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	*hdrs = curl_slist_append(*hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body != NULL ? body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE,
		    (long)(body != NULL ? strlen(body) : 0));
	} else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	return url;
}

/* Why a transfer failed, as a message naming the request; caller frees. */
static char *
docker_failure(struct docker *d, CURLcode rc, const char *errbuf,
    const char *method, const char *path)
{
	/* Messages show the request path, not the "!" marker. */
	const char *shown = path[0] == '!' ? path + 1 : path;
	char *what, *out;

	if (rc == CURLE_WRITE_ERROR)
		return xasprintf("docker daemon reply to %s %s is too large",
		    method, shown);
	what = xasprintf("%s %s", method, shown);
	out = dnet_curl_error(d->net, rc, errbuf, what);
	free(what);
	return out;
}

/*
 * One blocking control call.  path is below the API version prefix unless
 * it starts with "!".  0 with the reply filled (any HTTP status), or -1
 * with *cause when the daemon could not be asked.
 */
int
docker_call(struct docker *d, const char *method, const char *path,
    const char *body, long timeout_ms, struct docker_reply *r, char **cause)
{
	char errbuf[CURL_ERROR_SIZE], *url;
	struct curl_slist *hdrs = NULL;
	CURLcode rc;

	buf_init(&r->body, DOCKER_RESP_MAX);
	r->status = 0;
	url = docker_setup(d, d->curl, method, path, body, timeout_ms, &r->body,
	    errbuf, &hdrs);
	rc = curl_easy_perform(d->curl);
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	log_debug("%s %s -> %ld (%s)", method, url, r->status,
	    rc == CURLE_OK ? "ok" : curl_easy_strerror(rc));
	free(url);
	if (rc != CURLE_OK) {
		*cause = docker_failure(d, rc, errbuf, method, path);
		buf_free(&r->body);
		return -1;
	}
	return 0;
}

/* One GET on the loop (docker_get_start): its own handle and buffers. */
struct docker_async {
	struct docker		*d;
	CURL			*curl;
	struct curl_slist	*hdrs;
	char			*path;
	char			 errbuf[CURL_ERROR_SIZE];
	struct docker_reply	 r;
	docker_async_fn		 done;
};

/* Free an asynchronous call (removed from the multi handle already). */
static void
docker_async_free(struct docker_async *a)
{
	curl_slist_free_all(a->hdrs);
	curl_easy_cleanup(a->curl);
	buf_free(&a->r.body);
	free(a->path);
	free(a);
}

/* http.c: the GET ended; hand the reply (or why there is none) over. */
static void
docker_async_end(CURL *c, CURLcode rc, void *arg)
{
	struct docker_async *a = arg;
	struct docker *d = a->d;
	char *cause = NULL;

	d->async = NULL;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->r.status);
	log_debug("GET %s -> %ld (%s)", a->path, a->r.status,
	    rc == CURLE_OK ? "ok" : curl_easy_strerror(rc));
	if (rc != CURLE_OK)
		cause = docker_failure(d, rc, a->errbuf, "GET", a->path);
	a->done(d, cause == NULL ? &a->r : NULL, cause);
	free(cause);
	docker_async_free(a);
}

/*
 * Start GET path on the loop (one at a time per docker; never waits):
 * done(d, reply, NULL) or done(d, NULL, cause) is called from the loop.
 * -1 with *cause if it cannot start.
 */
int
docker_get_start(struct docker *d, struct loop *loop, const char *path,
    long timeout_ms, docker_async_fn done, char **cause)
{
	struct docker_async *a;
	char *url;

	if (d->async != NULL) {
		*cause = xstrdup("a docker call is already under way");
		return -1;
	}
	if (d->http == NULL)
		d->http = http_new(loop);
	a = xcalloc(1, sizeof *a);
	a->d = d;
	a->done = done;
	a->path = xstrdup(path);
	if ((a->curl = curl_easy_init()) == NULL)
		fatal("curl_easy_init failed");
	buf_init(&a->r.body, DOCKER_RESP_MAX);
	url = docker_setup(d, a->curl, "GET", path, NULL, timeout_ms,
	    &a->r.body, a->errbuf, &a->hdrs);
	free(url);
	if (http_add(d->http, a->curl, docker_async_end, a, cause) == -1) {
		docker_async_free(a);
		return -1;
	}
	d->async = a;
	return 0;
}

/* Abandon the call under way, if any (its done function is not called). */
void
docker_get_cancel(struct docker *d)
{
	if (d->async == NULL)
		return;
	http_remove(d->http, d->async->curl);
	docker_async_free(d->async);
	d->async = NULL;
}

/* A reply as JSON: anything other than a 2xx is an error with the daemon's message. */
cJSON *
docker_reply_json(const struct docker_reply *r, const char *method,
    const char *path, char **cause)
{
	cJSON *j = NULL;
	char *msg;

	if (r->status < 200 || r->status > 299) {
		msg = docker_errmsg(r);
		*cause = xasprintf("%s (HTTP %ld)", msg, r->status);
		free(msg);
		return NULL;
	}
	if (r->body.len == 0)
		j = cJSON_CreateObject();
	else if ((j = cJSON_Parse(r->body.s)) == NULL)
		*cause = xasprintf("docker daemon sent bad JSON for %s %s",
		    method, path[0] == '!' ? path + 1 : path);
	return j;
}

/* Like docker_call, but the reply as JSON (docker_reply_json). */
cJSON *
docker_json(struct docker *d, const char *method, const char *path,
    const char *body, long timeout_ms, long *status, char **cause)
{
	struct docker_reply r;
	cJSON *j;

	if (docker_call(d, method, path, body, timeout_ms, &r, cause) == -1)
		return NULL;
	if (status != NULL)
		*status = r.status;
	j = docker_reply_json(&r, method, path, cause);
	buf_free(&r.body);
	return j;
}

/* A control call whose reply body does not matter; the HTTP status, or -1. */
long
docker_simple(struct docker *d, const char *method, const char *path,
    long timeout_ms, char **msg)
{
	struct docker_reply r;
	char *cause = NULL;
	long status;

	if (docker_call(d, method, path, NULL, timeout_ms, &r, &cause) == -1) {
		if (msg != NULL)
			*msg = cause;
		else
			free(cause);
		return -1;
	}
	status = r.status;
	if (msg != NULL)
		*msg = (status < 200 || status > 299) ? docker_errmsg(&r) : NULL;
	buf_free(&r.body);
	return status;
}

/* "1.41" -> 141; -1 on junk. */
static long
docker_parse_api(const char *s)
{
	long major, minor;
	char *end;

	if (s == NULL)
		return -1;
	major = strtol(s, &end, 10);
	if (end == s || *end != '.')
		return -1;
	minor = strtol(end + 1, &end, 10);
	if (*end != '\0' || minor < 0 || minor > 99)
		return -1;
	return major * 100 + minor;
}

/* Ask the daemon its API range and pick the version prefix to use. */
int
docker_negotiate(struct docker *d, char **cause)
{
	cJSON *j, *v, *mn;
	long have, min = 124, use;
	char *why = NULL;

	if ((j = docker_json(d, "GET", "!/version", NULL, DOCKER_CALL_MS, NULL,
	    &why)) == NULL) {
		if (strstr(why, d->sock) != NULL)
			*cause = why;	/* already names the daemon */
		else {
			*cause = xasprintf("docker daemon on '%s' does not "
			    "answer: %s%s", d->sock, why, !dnet_tls(d->net) &&
			    strstr(why, "HTTPS") != NULL ? " (it wants TLS: set "
			    "DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH)" : "");
			free(why);
		}
		return -1;
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "ApiVersion");
	mn = cJSON_GetObjectItemCaseSensitive(j, "MinAPIVersion");
	have = cJSON_IsString(v) ? docker_parse_api(v->valuestring) : -1;
	if (cJSON_IsString(mn) && docker_parse_api(mn->valuestring) > 0)
		min = docker_parse_api(mn->valuestring);
	cJSON_Delete(j);
	if (have < 0) {
		*cause = xasprintf("'%s' does not look like a Docker daemon (no "
		    "ApiVersion)", d->sock);
		return -1;
	}
	use = DOCKER_API_WANT;
	if (use > have)
		use = have;
	if (use < min)
		use = min;
	if (use < 125) {
		*cause = xasprintf("docker daemon API %ld.%ld is too old (1.25 "
		    "or later needed)", have / 100, have % 100);
		return -1;
	}
	snprintf(d->api, sizeof d->api, "/v%ld.%ld", use / 100, use % 100);
	log_debug("daemon API %ld, using %s", have, d->api);
	return 0;
}

/* Query-escape s; caller frees. */
char *
docker_escape(struct docker *d, const char *s)
{
	char *e = curl_easy_escape(d->curl, s, 0), *out;

	if (e == NULL)
		fatal("out of memory");
	out = xstrdup(e);
	curl_free(e);
	return out;
}

/* Connect and write one POST (Connection: upgrade or close); NULL with *cause. */
struct dnet_conn *
docker_send_post(struct docker *d, const char *path, const char *body,
    int upgrade, char **cause)
{
	struct dnet_conn *c;
	char *req;

	if ((c = dnet_open(d->net, cause)) == NULL)
		return NULL;
	req = xasprintf("POST %s%s HTTP/1.1\r\nHost: docker\r\n"
	    "User-Agent: cade\r\nContent-Type: application/json\r\n%s"
	    "Content-Length: %zu\r\n\r\n%s", d->api, path,
	    upgrade ? "Connection: Upgrade\r\nUpgrade: tcp\r\n" :
	    "Connection: close\r\n", strlen(body), body);
	if (dnet_send_all(c, req, strlen(req)) == -1) {
		*cause = xasprintf("cannot write to the Docker daemon on '%s': %s",
		    d->sock, strerror(errno));
		free(req);
		dnet_close(c);
		return NULL;
	}
	free(req);
	return c;
}

/*
 * POST with Upgrade: tcp and read the reply's header, one byte at a time so
 * not a byte of the stream behind it is consumed (over TLS the handshake is
 * done on libcurl's connection before anything is relayed).  Returns the
 * connection, now a raw stream, or NULL with *cause carrying the daemon's
 * message.
 */
struct dnet_conn *
docker_hijack(struct docker *d, const char *path, const char *body,
    char **cause)
{
	struct docker_reply r;
	struct dnet_conn *c;
	char hdr[DOCKER_HDR_MAX], *cl, *msg;
	size_t n = 0;
	ssize_t got;
	long status = 0, clen = 0;

	if ((c = docker_send_post(d, path, body, 1, cause)) == NULL)
		return NULL;
	while (n < 4 || memcmp(hdr + n - 4, "\r\n\r\n", 4) != 0) {
		if (n == sizeof hdr - 1) {
			*cause = xasprintf("docker daemon reply header to %s is "
			    "too long", path);
			goto fail;
		}
		got = dnet_recv(c, hdr + n, 1, DOCKER_CALL_MS);
		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			*cause = xasprintf("docker daemon on '%s' %s during %s",
			    d->sock, got == 0 ? "closed the connection" :
			    (errno == EAGAIN ? "did not answer in time" :
			    strerror(errno)), path);
			goto fail;
		}
		n++;
	}
	hdr[n] = '\0';
	if (sscanf(hdr, "HTTP/1.%*c %ld", &status) != 1) {
		*cause = xasprintf("docker daemon sent a bad reply to %s", path);
		goto fail;
	}
	if (status == 101 || status == 200)
		return c;
	/* An error: read its (small) body for the daemon's message. */
	for (cl = hdr; *cl != '\0'; cl++) {
		if (strncasecmp(cl, "\nContent-Length:", 16) == 0) {
			clen = strtol(cl + 16, NULL, 10);
			break;
		}
	}
	r.status = status;
	buf_init(&r.body, DOCKER_HDR_MAX);
	while (clen > 0 && r.body.len < (size_t)clen) {
		char tmp[512];

		if ((got = dnet_recv(c, tmp, sizeof tmp, DOCKER_CALL_MS)) <= 0 ||
		    buf_append(&r.body, tmp, (size_t)got) == -1)
			break;
	}
	msg = docker_errmsg(&r);
	*cause = xasprintf("%s (HTTP %ld)", msg, status);
	free(msg);
	buf_free(&r.body);
fail:
	dnet_close(c);
	return NULL;
}
