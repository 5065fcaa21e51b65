/*
 * path.c: model paths -> host paths, refusing anything outside the workspace.
 *
 * A model path is absolute (under the model root: the workspace root itself
 * for local, /workspace for docker) or relative to the root.  We walk it one
 * component at a time from the (realpath'd) root, as the kernel would:
 * ".." pops, an existing symbolic link is replaced by its target (absolute
 * targets under the model root map back to the host root, so links made
 * inside a container resolve), a missing component is taken literally, and
 * the result must be the root or below it.  So "..", absolute paths
 * elsewhere and links pointing out are all refused, while a link inside the
 * tree to another place inside the tree is fine.  The check is done when
 * the tool runs; a link swapped in afterwards by another process is not
 * our threat model (the agent's own shell could do anything anyway).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "cade/workspace.h"

#include "tools-int.h"

#define PATH_MAX_LINKS	40

/* 1 if path is dir itself or below it (dir without trailing slash; "/" ok). */
static int
path_under(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Drop the last component of an absolute path in place ("/a/b" -> "/a"). */
static void
path_pop(struct buf *b)
{
	while (b->len > 1 && b->s[b->len - 1] != '/')
		buf_truncate(b, b->len - 1);
	if (b->len > 1)
		buf_truncate(b, b->len - 1);
}

/* The queue of components still to walk: "rest" with a cursor. */
struct path_walk {
	char	*rest;
	size_t	 pos;
};

/* Next component into comp (NUL-terminated in place), or NULL at the end. */
static char *
path_next(struct path_walk *w)
{
	char *s, *e;

	while (w->rest[w->pos] == '/')
		w->pos++;
	if (w->rest[w->pos] == '\0')
		return NULL;
	s = w->rest + w->pos;
	e = strchr(s, '/');
	if (e == NULL)
		w->pos += strlen(s);
	else {
		*e = '\0';
		w->pos = (size_t)(e - w->rest) + 1;
	}
	return s;
}

/* Replace the queue with prefix + "/" + what is left of it. */
static void
path_prepend(struct path_walk *w, const char *prefix)
{
	char *n = xasprintf("%s/%s", prefix, w->rest + w->pos);

	free(w->rest);
	w->rest = n;
	w->pos = 0;
}

/* See tools-int.h. */
char *
tool_resolve_in(const char *root, const char *model_root, const char *path,
    char **cause)
{
	struct path_walk w;
	struct buf out;
	struct stat st;
	char *comp, target[PATH_MAX];
	int links = 0;
	ssize_t n;

	if (path == NULL || *path == '\0') {
		*cause = xstrdup("path is empty");
		return NULL;
	}
	if (strlen(path) >= PATH_MAX) {
		*cause = xstrdup("path is too long");
		return NULL;
	}
	if (path[0] == '/') {
		if (path_under(model_root, path))
			w.rest = xstrdup(path + strlen(model_root));
		else if (path_under(root, path))
			w.rest = xstrdup(path + strlen(root));
		else {
			*cause = xasprintf("path '%s' is outside the workspace %s",
			    path, model_root);
			return NULL;
		}
	} else
		w.rest = xstrdup(path);
	w.pos = 0;

	buf_init(&out, 0);
	(void)buf_puts(&out, root);
	while ((comp = path_next(&w)) != NULL) {
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			path_pop(&out);
			continue;
		}
		if (out.len > 1)
			(void)buf_putc(&out, '/');
		(void)buf_puts(&out, comp);
		if (lstat(out.s, &st) == -1 || !S_ISLNK(st.st_mode))
			continue;
		if (++links > PATH_MAX_LINKS) {
			*cause = xasprintf("path '%s': too many symbolic links", path);
			goto fail;
		}
		n = readlink(out.s, target, sizeof target - 1);
		if (n < 0) {
			*cause = xasprintf("path '%s': cannot read link: %s", path,
			    strerror(errno));
			goto fail;
		}
		target[n] = '\0';
		if (target[0] == '/') {
			buf_reset(&out);
			if (strcmp(model_root, root) != 0 && path_under(model_root, target)) {
				(void)buf_puts(&out, root);
				path_prepend(&w, target + strlen(model_root));
			} else {
				(void)buf_putc(&out, '/');
				path_prepend(&w, target);
			}
		} else {
			path_pop(&out);
			path_prepend(&w, target);
		}
	}
	if (!path_under(root, out.s)) {
		*cause = xasprintf("path '%s' is outside the workspace %s", path,
		    model_root);
		goto fail;
	}
	free(w.rest);
	return tool_buf_take(&out, NULL);
fail:
	free(w.rest);
	buf_free(&out);
	return NULL;
}

/* See tool.h. */
char *
tool_resolve_path(const struct workspace *ws, const char *path, char **cause)
{
	char *host = tool_resolve_in(ws->root, ws->model_root, path, cause);

	/* What the sandbox hides from commands, the file tools do not show either. */
	if (host != NULL && ws_hidden(ws, host)) {
		*cause = xasprintf("'%s' is hidden by the sandbox (credentials)",
		    path);
		free(host);
		return NULL;
	}
	return host;
}

/* See tools-int.h. */
char *
tool_model_path(const char *root, const char *model_root, const char *host)
{
	size_t n = strlen(root);

	if (!path_under(root, host))
		return xstrdup(host);
	if (host[n] == '\0')
		return xstrdup(model_root);
	if (strcmp(model_root, "/") == 0)
		return xstrdup(host + n);
	return xasprintf("%s%s", model_root, host + n);
}

/* See tools-int.h. */
char *
tool_rel_path(const char *root, const char *host)
{
	size_t n = strlen(root);

	if (!path_under(root, host))
		return xstrdup(host);
	if (host[n] == '\0')
		return xstrdup(".");
	return xstrdup(host + n + (root[n - 1] == '/' ? 0 : 1));
}
