/*
 * workspace.c: choosing a workspace backend, and the path mapping every
 * backend shares.
 *
 * ws_create() resolves the root directory once (workspace_dir or the current
 * directory, realpath'd) and hands it to the backend named by the
 * "workspace" key.  ws_to_host()/ws_to_model() translate between the paths
 * the model uses (under model_root: the root itself for local, /workspace
 * for docker) and host paths under root.  The mapping is lexical: "." and
 * ".." are folded before the prefix check, so "../x" can never name a file
 * outside the root; symlinks inside the root are the file tools' concern.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cade/conf.h"
#include "cade/util.h"
#include "cade/sandbox.h"
#include "cade/workspace.h"

#include "escalate.h"

/* The workspace root (see conf_workspace_root()). */
char *
ws_resolve_root(const struct config *cfg, const char *root, char **cause)
{
	return conf_workspace_root(cfg, root, cause);
}

/* Backend by the "workspace" key. */
struct workspace *
ws_create(const struct config *cfg, const char *want, const char *session_id,
    char **cause)
{
	const char *kind = conf_str(cfg, "workspace");
	struct workspace *ws;
	char *root;

	if ((root = ws_resolve_root(cfg, want, cause)) == NULL)
		return NULL;
	if (strcmp(kind, "docker") == 0)
		ws = ws_docker_create(cfg, root, session_id, cause);
	else if (strcmp(kind, "local") == 0)
		ws = ws_local_create(cfg, root, cause);
	else {
		*cause = xasprintf("unknown workspace '%s' (local or docker)",
		    kind);
		ws = NULL;
	}
	free(root);
	return ws;
}

/* Stop the backend, then free the fields every backend shares. */
void
ws_destroy(struct workspace *ws)
{
	if (ws == NULL)
		return;
	if (ws->ops != NULL && ws->ops->destroy != NULL)
		ws->ops->destroy(ws);
	free(ws->root);
	free(ws->model_root);
	free(ws->shell_name);
	free(ws->id);
	free(ws);
}

/*
 * Fold "." , ".." and repeated '/' of an absolute path in place; 0, or -1
 * if ".." climbs above "/".
 */
static int
ws_clean_path(char *path)
{
	char *src = path, *dst = path;

	while (*src != '\0') {
		char *seg;
		size_t len;

		while (*src == '/')
			src++;
		if (*src == '\0')
			break;
		seg = src;
		while (*src != '\0' && *src != '/')
			src++;
		len = (size_t)(src - seg);
		if (len == 1 && seg[0] == '.')
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			if (dst == path)
				return -1;
			while (dst > path && *--dst != '/')
				;
			continue;
		}
		*dst++ = '/';
		memmove(dst, seg, len);
		dst += len;
	}
	if (dst == path)
		*dst++ = '/';
	*dst = '\0';
	return 0;
}

/* If path is prefix or below it, the rest ("" or "/..."); else NULL. */
static const char *
ws_below(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 1 && prefix[0] == '/')
		return path[1] == '\0' ? "" : path;
	if (strncmp(path, prefix, n) != 0)
		return NULL;
	if (path[n] == '\0' || path[n] == '/')
		return path + n;
	return NULL;
}

/* Model path (absolute, or relative to model_root) -> host path, or NULL. */
char *
ws_to_host(const struct workspace *ws, const char *model_path)
{
	const char *rest;
	char *p, *out = NULL;

	if (model_path == NULL || *model_path == '\0')
		return NULL;
	if (model_path[0] == '/')
		p = xstrdup(model_path);
	else
		p = xasprintf("%s/%s", ws->model_root, model_path);
	if (ws_clean_path(p) == 0 && (rest = ws_below(p, ws->model_root)) != NULL)
		out = *rest == '\0' ? xstrdup(ws->root) :
		    xasprintf("%s%s", strcmp(ws->root, "/") == 0 ? "" : ws->root, rest);
	free(p);
	return out;
}

/* Host path -> model path; a path outside the root comes back unchanged. */
char *
ws_to_model(const struct workspace *ws, const char *host_path)
{
	const char *rest;
	char *p, *out;

	if (host_path == NULL)
		return xstrdup("");
	if (host_path[0] != '/')
		p = xasprintf("%s/%s", ws->root, host_path);
	else
		p = xstrdup(host_path);
	if (ws_clean_path(p) != 0 || (rest = ws_below(p, ws->root)) == NULL) {
		free(p);
		return xstrdup(host_path);
	}
	out = *rest == '\0' ? xstrdup(ws->model_root) :
	    xasprintf("%s%s", strcmp(ws->model_root, "/") == 0 ? "" :
	    ws->model_root, rest);
	free(p);
	return out;
}

/* "ns", "landlock", "off" or "docker". */
const char *
ws_containment(const struct workspace *ws)
{
	if (ws->sandbox == NULL)
		return strcmp(ws->ops->name, "docker") == 0 ? "docker" : "off";
	return sandbox_mech_name(sandbox_mech(ws->sandbox));
}

/* Network reach of commands: off only when something contains them. */
int
ws_network(const struct workspace *ws, const struct config *cfg)
{
	if (strcmp(ws_containment(ws), "off") == 0)
		return 1;
	return strcmp(conf_str(cfg, "network"), "none") != 0;
}

/* Is the workspace still there (after its shell ended)?  Never waits. */
enum ws_health
ws_check(struct workspace *ws)
{
	/* Without a check of its own (local) a backend can always host a
	 * new shell. */
	return ws->ops->check != NULL ? ws->ops->check(ws) : WS_ALIVE;
}

/* Why the workspace is gone, or NULL. */
const char *
ws_error(const struct workspace *ws)
{
	return ws->ops->error != NULL ? ws->ops->error(ws) : NULL;
}

/* See workspace.h. */
const char *
ws_escalate_line(void)
{
	return esc_shell_line();
}
