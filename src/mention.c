/*
 * mention.c: "@path" in a message attaches the file, on every front end
 * (contract in include/cade/mention.h).
 *
 * A message's words are read once: each "@word" (after a blank or at the
 * start) is resolved as the file tools resolve a path (outside the
 * workspace refused, symbolic links followed), trailing punctuation
 * ("see @a.c.") and a ":A-B" / ":A" line range split off.  A text file
 * (or its lines) is appended as <file path="..." [lines="A-B"]>...</file>,
 * capped at output_limit; an image (PNG, JPEG, GIF or WebP by its magic
 * bytes, at most image_max bytes) becomes an image content part when the
 * model takes images (the images setting, else the endpoint's model
 * list).  Everything else is refused in one line through the caller's
 * callback, and the message goes on without it.
 *
 * mention_send() is the asynchronous whole: when a message carries an
 * image and only the model list can tell, the list is fetched on the loop
 * first (once per process and endpoint: an endpoint without a list is
 * not asked at every message), then the message is expanded and
 * submitted.  The TUI's completion (Tab, the popup) stays in the TUI.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/agent.h"
#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/image.h"
#include "cade/llm.h"
#include "cade/mention.h"
#include "cade/session.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"

#define MENTION_MAX_FILE	(64 * 1024 * 1024)
#define MENTION_LIST_MS		8000	/* the model list, before an image */

/* See mention.h. */
void
mention_images_free(struct mention_images *imgs)
{
	size_t i;

	for (i = 0; i < imgs->n; i++) {
		free((char *)imgs->v[i].path);
		free((void *)imgs->v[i].data);
	}
	free(imgs->v);
	memset(imgs, 0, sizeof *imgs);
}

/* See mention.h. */
void
mention_images_add(struct mention_images *imgs, const char *path, void *data,
    size_t len)
{
	imgs->v = xreallocarray(imgs->v, imgs->n + 1, sizeof *imgs->v);
	imgs->v[imgs->n].path = xstrdup(path);
	imgs->v[imgs->n].data = data;
	imgs->v[imgs->n].len = len;
	imgs->n++;
}

/* "path:A-B" or "path:A": split off the range (lines from 1); 0 if none. */
static int
mention_range(char *path, long *from, long *to)
{
	char *colon = strrchr(path, ':'), *end;

	if (colon == NULL || !isdigit((unsigned char)colon[1]))
		return 0;
	*from = strtol(colon + 1, &end, 10);
	*to = *from;
	if (*end == '-' && isdigit((unsigned char)end[1]))
		*to = strtol(end + 1, &end, 10);
	if (*end != '\0' || *from < 1 || *to < *from)
		return 0;
	*colon = '\0';
	return 1;
}

/* Lines [from, to] of data (1-based; to past the end: to the end). */
static void
mention_lines(const char *data, size_t len, long from, long to,
    size_t *off, size_t *n)
{
	size_t i = 0, start = len;
	long line = 1;

	for (i = 0; i < len && line < from; i++)
		if (data[i] == '\n')
			line++;
	start = i;
	for (; i < len && line <= to; i++)
		if (data[i] == '\n' && ++line > to) {
			i++;
			break;
		}
	*off = start;
	*n = i - start;
}

/*
 * Resolve a mention (word without "@"): the host path, with *pathp the
 * workspace path as written and the line range split off; NULL with
 * *cause.  Trailing punctuation is not part of the path.
 */
static char *
mention_resolve(struct workspace *ws, const char *word, char **pathp,
    int *ranged, long *from, long *to, struct stat *st, char **cause)
{
	char *path = xstrdup(word), *host = NULL;
	size_t n;

	for (;;) {
		*ranged = mention_range(path, from, to);
		free(host);
		free(*cause);
		*cause = NULL;
		host = tool_resolve_path(ws, path, cause);
		if (host != NULL && stat(host, st) == 0)
			break;
		n = strlen(path);
		if (*ranged)
			path[n] = ':';	/* undo the split, retry shorter */
		n = strlen(path);
		if (n < 2 || strchr(".,;:!?)'\"", path[n - 1]) == NULL)
			break;
		path[n - 1] = '\0';
	}
	*pathp = path;
	if (host == NULL)
		return NULL;
	free(*cause);
	*cause = NULL;
	if (ws_hidden(ws, host))
		*cause = xstrdup("hidden by the sandbox");
	else if (stat(host, st) == -1)
		*cause = xstrdup("no such file");
	else if (!S_ISREG(st->st_mode))
		*cause = xstrdup("not a regular file");
	if (*cause != NULL) {
		free(host);
		return NULL;
	}
	return host;
}

/* The model the agent talks to now. */
static const char *
mention_model(struct session *s)
{
	struct agent_stats st;

	agent_get_stats(s->agent, &st);
	return st.model;
}

/* Why an image of len bytes cannot go to the model, or NULL if it can. */
static char *
mention_image_refused(struct session *s, size_t len)
{
	const char *model = mention_model(s);
	long max = conf_int(s->cfg, "image_max");
	int listed, ok = llm_model_images(s->cfg, model, &listed);

	if (ok == 0 && strcmp(conf_model_str(s->cfg, model, "images"),
	    "off") == 0)
		return xstrdup("images are off (the images setting)");
	if (ok == 0)
		return xasprintf("%s does not take images (the endpoint's model "
		    "list says so; images = on sends them anyway)", model);
	if (ok < 0)
		return xasprintf("cannot tell whether %s takes images (%s; set "
		    "images = on if it does)", model, listed ? "the endpoint's "
		    "model list does not say" : "no model list from the "
		    "endpoint");
	if (len > (size_t)max)
		return xasprintf("%zu bytes, over image_max (%ld)", len, max);
	return NULL;
}

/* See mention.h. */
void
mention_check_images(struct session *s, struct mention_images *imgs,
    mention_refuse_fn refuse, void *arg)
{
	size_t i, k = 0;
	char *cause, *line;

	for (i = 0; i < imgs->n; i++) {
		cause = image_type(imgs->v[i].data, imgs->v[i].len) == NULL ?
		    xstrdup("not a PNG, JPEG, GIF or WebP image") :
		    mention_image_refused(s, imgs->v[i].len);
		if (cause == NULL) {
			imgs->v[k++] = imgs->v[i];
			continue;
		}
		line = xasprintf("image %s not attached: %s", imgs->v[i].path,
		    cause);
		if (refuse != NULL)
			refuse(line, arg);
		free(line);
		free(cause);
		free((char *)imgs->v[i].path);
		free((void *)imgs->v[i].data);
	}
	imgs->n = k;
}

/* A file's text (or lines) after the message, capped at output_limit. */
static void
mention_text(struct session *s, const char *path, int ranged, long from,
    long to, const char *data, size_t len, struct buf *out)
{
	size_t off = 0, n = len;
	size_t limit = (size_t)conf_int(s->cfg, "output_limit");

	if (ranged)
		mention_lines(data, len, from, to, &off, &n);
	buf_printf(out, MENTION_FILE_MARK "%s\"", path);
	if (ranged)
		buf_printf(out, " lines=\"%ld-%ld\"", from, to);
	buf_printf(out, ">\n");
	if (limit > 0 && n > limit) {
		buf_append(out, data + off, limit);
		buf_printf(out, "\n[... %zu more bytes not attached: name a line "
		    "range]", n - limit);
	} else
		buf_append(out, data + off, n);
	if (n > 0 && data[off + n - 1] != '\n')
		buf_printf(out, "\n");
	buf_printf(out, "</file>");
}

/* Attach one mention (word without "@") to out or imgs, or say why not. */
static void
mention_attach(struct session *s, const char *word, struct buf *out,
    struct mention_images *imgs, mention_refuse_fn refuse, void *arg)
{
	char *path = NULL, *host, *cause = NULL, *data = NULL, *line;
	long from = 0, to = 0;
	int ranged;
	size_t len = 0;
	struct stat st;

	host = mention_resolve(s->ws, word, &path, &ranged, &from, &to, &st,
	    &cause);
	if (host != NULL)
		data = util_read_small(host, MENTION_MAX_FILE, &len, &cause);
	if (data == NULL)
		;
	else if (image_type(data, len) != NULL) {
		if (ranged)
			cause = xstrdup("an image has no lines");
		else if ((cause = mention_image_refused(s, len)) == NULL) {
			mention_images_add(imgs, path, data, len);
			data = NULL;
			goto out;
		}
	} else if (memchr(data, '\0', len < 8192 ? len : 8192) != NULL)
		cause = xstrdup("a binary file");
	else {
		mention_text(s, path, ranged, from, to, data, len, out);
		goto out;
	}
	line = xasprintf("@%s not attached: %s", word, cause != NULL ? cause :
	    "cannot be read");
	if (refuse != NULL)
		refuse(line, arg);
	free(line);
out:
	free(data);
	free(cause);
	free(host);
	free(path);
}

/* Each "@word" of text (after a blank or at the start), in order. */
static void
mention_each(const char *text, void (*fn)(const char *, void *), void *arg)
{
	const char *p, *e;
	char *word;

	for (p = text; (p = strchr(p, '@')) != NULL; p = e) {
		for (e = p + 1; *e != '\0' && !isspace((unsigned char)*e); e++)
			;
		if ((p != text && !isspace((unsigned char)p[-1])) || e == p + 1)
			continue;
		word = xstrndup(p + 1, (size_t)(e - p - 1));
		fn(word, arg);
		free(word);
	}
}

struct mention_expand {
	struct session		*s;
	struct buf		*out;
	struct mention_images	*imgs;
	mention_refuse_fn	 refuse;
	void			*arg;
	int			 image;		/* mention_probe_one: found one */
};

static void
mention_expand_one(const char *word, void *arg)
{
	struct mention_expand *x = arg;

	mention_attach(x->s, word, x->out, x->imgs, x->refuse, x->arg);
}

/* See mention.h. */
char *
mention_expand(struct session *s, const char *text,
    struct mention_images *imgs, mention_refuse_fn refuse, void *arg)
{
	struct buf out;
	struct mention_expand x;

	if (s == NULL || s->ws == NULL || strchr(text, '@') == NULL)
		return NULL;
	buf_init(&out, 0);
	buf_append(&out, text, strlen(text));
	memset(&x, 0, sizeof x);
	x.s = s;
	x.out = &out;
	x.imgs = imgs;
	x.refuse = refuse;
	x.arg = arg;
	mention_each(text, mention_expand_one, &x);
	if (out.len == strlen(text)) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* Does this mention name an image?  (Only its first bytes are read.) */
static void
mention_probe_one(const char *word, void *arg)
{
	struct mention_expand *x = arg;
	char *path = NULL, *host, *cause = NULL, head[16];
	long from, to;
	int ranged, fd;
	ssize_t n;
	struct stat st;

	host = mention_resolve(x->s->ws, word, &path, &ranged, &from, &to, &st,
	    &cause);
	if (host != NULL &&
	    (fd = open(host, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) != -1) {
		n = read(fd, head, sizeof head);
		if (n > 0 && image_type(head, (size_t)n) != NULL)
			x->image = 1;
		close(fd);
	}
	free(cause);
	free(host);
	free(path);
}

/* See mention.h. */
int
mention_needs_list(struct session *s, const char *text, size_t extra)
{
	struct mention_expand x;
	int listed;

	if (s == NULL || s->ws == NULL || llm_model_images(s->cfg,
	    mention_model(s), &listed) != -1 || listed)
		return 0;
	if (extra > 0)
		return 1;
	if (strchr(text, '@') == NULL)
		return 0;
	memset(&x, 0, sizeof x);
	x.s = s;
	mention_each(text, mention_probe_one, &x);
	return x.image;
}

/* ---- the whole way to the agent ----------------------------------- */

struct mention_send {
	struct session		*s;
	char			*text;
	int			 expand;
	struct mention_images	 imgs;
	mention_refuse_fn	 refuse;
	void			(*done)(void *);
	void			*arg;
	struct llm_models_req	*req;
};

/* The endpoints already asked for their model list (one per process). */
static char	*mention_asked;

/* Expand, check, submit, and tell the caller. */
static void
mention_submit(struct mention_send *ms)
{
	char *full;

	full = ms->expand ? mention_expand(ms->s, ms->text, &ms->imgs,
	    ms->refuse, ms->arg) : NULL;
	mention_check_images(ms->s, &ms->imgs, ms->refuse, ms->arg);
	agent_submit_images(ms->s->agent, full != NULL ? full : ms->text,
	    ms->imgs.v, ms->imgs.n);
	free(full);
	if (ms->done != NULL)
		ms->done(ms->arg);
	mention_send_cancel(ms);
}

/* The model list is in (or failed): the message goes on. */
static void
mention_listed(struct llm_models *m, void *arg)
{
	struct mention_send *ms = arg;

	ms->req = NULL;
	llm_list_prices(m);
	llm_models_free(m);
	mention_submit(ms);
}

/* See mention.h. */
struct mention_send *
mention_send(struct session *s, const char *text, int expand,
    struct mention_images *imgs, mention_refuse_fn refuse, void (*done)(void *),
    void *arg)
{
	struct mention_send *ms = xcalloc(1, sizeof *ms);
	const char *url = conf_str(s->cfg, "base_url");

	ms->s = s;
	ms->text = xstrdup(text);
	ms->expand = expand;
	if (imgs != NULL) {
		ms->imgs = *imgs;
		memset(imgs, 0, sizeof *imgs);
	}
	ms->refuse = refuse;
	ms->done = done;
	ms->arg = arg;
	if ((mention_asked == NULL || strcmp(mention_asked, url) != 0) &&
	    mention_needs_list(s, expand ? text : "", ms->imgs.n)) {
		free(mention_asked);
		mention_asked = xstrdup(url);
		ms->req = llm_models_fetch(s->loop, s->cfg, url,
		    MENTION_LIST_MS, 1, mention_listed, ms);
		if (ms->req != NULL)
			return ms;
	}
	mention_submit(ms);
	return NULL;
}

/* See mention.h. */
void
mention_send_cancel(struct mention_send *ms)
{
	if (ms == NULL)
		return;
	if (ms->req != NULL)
		llm_models_cancel(ms->req);
	mention_images_free(&ms->imgs);
	free(ms->text);
	free(ms);
}
