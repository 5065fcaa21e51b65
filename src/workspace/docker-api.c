/*
 * docker-api.c: the Docker Engine API transport: HTTP/1.1 to the daemon
 * on its unix socket or a TCP port, with or without TLS (docker-net.c
 * holds the address, the libcurl set-up and the TLS relay).  Control calls are blocking libcurl easy requests
 * with short timeouts (startup and teardown only); the two long-lived
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
	/* Messages show the request path, not the "!" marker. */
	const char *shown = path[0] == '!' ? path + 1 : path;

	buf_init(&r->body, DOCKER_RESP_MAX);
	r->status = 0;
	curl_easy_reset(d->curl);
	errbuf[0] = '\0';
	if (path[0] == '!')
		url = dnet_curl(d->net, d->curl, path + 1);
	else {
		char *full = xasprintf("%s%s", d->api, path);

		url = dnet_curl(d->net, d->curl, full);
		free(full);
	}
	curl_easy_setopt(d->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(d->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)DOCKER_SHORT_MS);
	curl_easy_setopt(d->curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, docker_write_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(d->curl, CURLOPT_USERAGENT, "cade");
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdrs);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(d->curl, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, body != NULL ? body : "");
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE,
		    (long)(body != NULL ? strlen(body) : 0));
	} else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST, method);
	rc = curl_easy_perform(d->curl);
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hdrs);
	log_debug("%s %s -> %ld (%s)", method, url, r->status,
	    rc == CURLE_OK ? "ok" : curl_easy_strerror(rc));
	free(url);
	if (rc != CURLE_OK) {
		if (rc == CURLE_WRITE_ERROR)
			*cause = xasprintf("docker daemon reply to %s %s is too large",
			    method, shown);
		else {
			char *what = xasprintf("%s %s", method, shown);

			*cause = dnet_curl_error(d->net, rc, errbuf, what);
			free(what);
		}
		buf_free(&r->body);
		return -1;
	}
	return 0;
}

/* Like docker_call, but anything other than a 2xx (or want) is an error with the daemon's message. */
cJSON *
docker_json(struct docker *d, const char *method, const char *path,
    const char *body, long timeout_ms, long *status, char **cause)
{
	struct docker_reply r;
	cJSON *j = NULL;
	char *msg;

	if (docker_call(d, method, path, body, timeout_ms, &r, cause) == -1)
		return NULL;
	if (status != NULL)
		*status = r.status;
	if (r.status < 200 || r.status > 299) {
		msg = docker_errmsg(&r);
		*cause = xasprintf("%s (HTTP %ld)", msg, r.status);
		free(msg);
		buf_free(&r.body);
		return NULL;
	}
	if (r.body.len == 0)
		j = cJSON_CreateObject();
	else if ((j = cJSON_Parse(r.body.s)) == NULL)
		*cause = xasprintf("docker daemon sent bad JSON for %s %s",
		    method, path[0] == '!' ? path + 1 : path);
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
