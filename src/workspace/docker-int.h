/*
 * docker-int.h: what the Docker backend (docker.c) and its Engine API
 * transport (docker-api.c) share; not a public contract.
 */
#ifndef CADE_DOCKER_INT_H
#define CADE_DOCKER_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "cade/buf.h"
#include "docker-net.h"

struct config;
struct docker_async;
struct docker_reply;
struct http_driver;
struct loop;

#define DOCKER_API_WANT		141	/* 1.41: Docker 20.10, Debian 11 and 12 */
#define DOCKER_CALL_MS		10000	/* one control call */
#define DOCKER_SHORT_MS		3000	/* teardown and failure diagnosis */
#define DOCKER_PULL_MS		600000
#define DOCKER_RESP_MAX		(8u << 20)
#define DOCKER_HDR_MAX		8192
#define DOCKER_RESIZE_WAIT_MS	1000	/* for the previous resize's answer */
#define DOCKER_ORPHAN_AGE	60	/* seconds before a never-started container is an orphan */
#define DOCKER_ORPHAN_OTHER	3600	/* ... and before another project's orphan is removed */
#define DOCKER_LABEL		"cade.session"
#define DOCKER_MOUNT		"/workspace"

/*
 * The container's main process: wait for stdin to close (the lifeline), or
 * for docker stop.
 */
#define DOCKER_MAIN_SCRIPT \
	"trap 'exit 0' TERM HUP INT; while read -r _l; do :; done; exit 0"

struct docker {
	CURL	*curl;
	struct dnet *net;		/* where the daemon is (docker-net.c) */
	const char *sock;		/* its name, for messages */
	char	 api[32];		/* "/v1.41" */
	char	*cid;			/* full container id */
	char	*exec_id;
	char	*shell_path;		/* /bin/bash or /bin/sh in the container */
	char	*session;
	int	 keep;
	struct dnet_conn *life;		/* hijacked attach to the container's stdin */
	struct dnet_relay *relay;	/* TLS: what feeds shell_fd */
	int	 shell_fd;		/* hijacked exec with a TTY */
	int	 resize_fd;		/* last resize request, answer not yet read */
	struct loop *resize_loop;	/* resize_fd is watched on it, or NULL */
	int	 resize_rows;		/* the size to send once it is answered */
	int	 resize_cols;		/* (0: none) */
	char	*error;			/* why the container is gone */
	int	 life_ended;		/* EOF on the lifeline (error not known yet) */
	struct http_driver *http;		/* the loop's curl driver, for calls that must not wait */
	struct docker_async *async;	/* the call under way on it, or NULL */
	int	 checked;		/* the health check's answer is in 'health' */
	int	 health;		/* enum ws_health, from the last answer */
};

/* One control call's reply. */
struct docker_reply {
	long		status;
	struct buf	body;
};

/* docker-api.c: HTTP to the daemon (docker-net.c: where it is, how to reach it) */
/* One control call; 0 with r filled (any status), -1 with *cause. */
int		 docker_call(struct docker *, const char *method, const char *path,
		    const char *body, long timeout_ms, struct docker_reply *r,
		    char **cause);
/* The daemon's error text of a reply; caller frees. */
char		*docker_errmsg(const struct docker_reply *);
/* A reply's body as JSON, if its status is 2xx (NULL with *cause otherwise). */
cJSON		*docker_reply_json(const struct docker_reply *, const char *method,
		    const char *path, char **cause);
/* A call whose reply is JSON: the parsed body (NULL on failure, *cause). */
cJSON		*docker_json(struct docker *, const char *method, const char *path,
		    const char *body, long timeout_ms, long *status, char **cause);
/* An asynchronous GET's end: the reply (any status), or NULL and why. */
typedef void	(*docker_async_fn)(struct docker *, const struct docker_reply *,
		    const char *cause);
/* Start a GET on the loop; never waits.  -1 with *cause if it cannot start. */
int		 docker_get_start(struct docker *, struct loop *, const char *path,
		    long timeout_ms, docker_async_fn, char **cause);
/* Abandon the GET under way (its function is not called). */
void		 docker_get_cancel(struct docker *);
/* A call whose reply body does not matter: the HTTP status, or -1. */
long		 docker_simple(struct docker *, const char *method, const char *path,
		    long timeout_ms, char **msg);
/* Settle the API version (d->api); -1 with *cause. */
int		 docker_negotiate(struct docker *, char **cause);
/* Query-escape s; caller frees. */
char		*docker_escape(struct docker *, const char *s);
/* Connect and write one POST (Connection: upgrade or close), or NULL. */
struct dnet_conn *docker_send_post(struct docker *, const char *path, const char *body,
		    int upgrade, char **cause);
/* POST and take the connection over as a raw stream, or NULL. */
struct dnet_conn *docker_hijack(struct docker *, const char *path, const char *body,
		    char **cause);

#endif
