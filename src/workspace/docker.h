/*
 * docker.h: what the Docker workspace offers beyond struct ws_ops.
 *
 * ws_docker_create() (declared in workspace.h) creates and drives a container
 * through the Docker Engine API on a unix socket or over TCP (optionally
 * TLS); see doc/DOCKER.md.  These
 * calls let callers report a failure clearly and find the container.
 */
#ifndef CADE_DOCKER_H
#define CADE_DOCKER_H

struct workspace;

/*
 * Why the container is gone ("container 3f2a.. exited (status 137: killed)",
 * "lost the Docker daemon: ..."), or NULL while it is alive.  Set once
 * the health check (ws_check) has answered WS_GONE; owned by the workspace.
 */
const char	*ws_docker_error(const struct workspace *);
/* The full container id (ws->id holds the short form). */
const char	*ws_docker_container(const struct workspace *);
/* The daemon used ("docker_host", $DOCKER_HOST or the default): a unix
 * socket path, or tcp://host:port. */
const char	*ws_docker_socket(const struct workspace *);

#endif
