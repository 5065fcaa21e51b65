/*
 * mention.c: "@path" in a message, completed by Tab and attached on send.
 *
 * Tab on a word starting with "@" walks the workspace's files with the tree
 * walk of grep and glob (so .gitignore, .git and symbolic links are honoured
 * as there; paths hidden by the sandbox are left out) and ranks the paths
 * the typed letters fit in order: a substring of the file name first, then
 * of the path, then letters spread out; shorter paths first.  The word
 * becomes "@path" for the best; further Tabs (the input unchanged) cycle
 * through the others, listed in a popup above the input (Shift-Tab and
 * the arrows cycle too, Enter takes the one shown, Esc puts the typed word
 * back; any other key closes it and acts as usual).
 *
 * On Enter, each "@path" or "@path:A-B" / "@path:A" (after a blank or at
 * the start) attaches the file or those lines after the message, capped at
 * output_limit like an observation.  Paths are resolved as the file tools
 * do (outside the workspace refused, symbolic links followed); paths hidden
 * by the sandbox, directories, binary files and missing files are refused
 * with a notice in the chat and not attached.
 *
 * An image (PNG, JPEG, GIF or WebP by its magic bytes, at most image_max
 * bytes) goes to the model as an image content part after the text, when
 * the model takes images: the images setting, else (auto) the endpoint's
 * model list.  When no list was read yet, the TUI asks for one first
 * (tui_mention_needs_list); when the answer is no or unknown, one line in
 * the chat says so and nothing is attached.
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
#include "cade/session.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "tui-int.h"

#define MENTION_MAX_VISIT	50000		/* files walked for one Tab */
#define MENTION_MAX_CAND	200		/* candidates kept */
#define MENTION_MAX_FILE	(64 * 1024 * 1024)

struct mention_cand {
	char	*rel;
	int	 score;
};

struct mention_walk {
	const struct workspace	*ws;
	const char		*query;
	struct mention_cand	*v;
	size_t			 n, cap;
	long			 visited;
};

/* Drop the Tab cycle. */
void
tui_mention_reset(struct tui *t)
{
	size_t i;

	for (i = 0; i < t->mention.n; i++)
		free(t->mention.v[i]);
	free(t->mention.v);
	free(t->mention.text);
	free(t->mention.query);
	memset(&t->mention, 0, sizeof t->mention);
}

/* Rank of rel for query: 0 best, -1 if the letters do not fit in order. */
int
tui_mention_score(const char *query, const char *rel)
{
	const char *base = strrchr(rel, '/'), *p = rel, *q = query;

	base = base != NULL ? base + 1 : rel;
	if (*query == '\0' || strcasestr(base, query) != NULL)
		return 0;
	if (strcasestr(rel, query) != NULL)
		return 1;
	for (; *q != '\0'; q++) {
		while (*p != '\0' && tolower((unsigned char)*p) !=
		    tolower((unsigned char)*q))
			p++;
		if (*p == '\0')
			return -1;
		p++;
	}
	return 2;
}

static int
mention_file(const char *host, const char *rel, const struct stat *st, void *arg)
{
	struct mention_walk *w = arg;
	int score;

	(void)st;
	if (++w->visited > MENTION_MAX_VISIT)
		return 1;
	if ((score = tui_mention_score(w->query, rel)) < 0 || ws_hidden(w->ws, host))
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap == 0 ? 64 : w->cap * 2;
		w->v = xreallocarray(w->v, w->cap, sizeof *w->v);
	}
	w->v[w->n].rel = xstrdup(rel);
	w->v[w->n].score = score;
	w->n++;
	return 0;
}

static int
mention_cmp(const void *a, const void *b)
{
	const struct mention_cand *x = a, *y = b;
	size_t lx = strlen(x->rel), ly = strlen(y->rel);

	if (x->score != y->score)
		return x->score - y->score;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

/* Put candidate i in the input; the popup lists the candidates. */
static void
mention_show(struct tui *t)
{
	struct tui_mention *m = &t->mention;
	char *word;

	word = xasprintf("@%s", m->v[m->i]);
	tui_input_replace_word(t->input, word);
	free(word);
	free(m->text);
	m->text = xstrdup(tui_input_text(t->input));
	m->open = m->n > 1;
	if (!m->open)
		return;
	if (m->i < m->first)
		m->first = m->i;
	else if (m->i >= m->first + TUI_POPUP_MAX)
		m->first = m->i - TUI_POPUP_MAX + 1;
	tui_hint(t, "@ %zu/%zu%s: Tab/S-Tab/arrows cycle, Enter takes, Esc "
	    "undoes", m->i + 1, m->n, m->n == MENTION_MAX_CAND ? "+" : "");
	tui_dirty(t);
}

/* See tui-int.h. */
int
tui_mention_key(struct tui *t, const struct tui_key *k)
{
	struct tui_mention *m = &t->mention;

	if (!m->open)
		return 0;
	if (m->text == NULL || strcmp(m->text, tui_input_text(t->input)) != 0 ||
	    k->mod != 0) {
		m->open = 0;
		tui_dirty(t);
		return 0;
	}
	switch (k->key) {
	case '\t':
		return 0;		/* tui_mention_complete cycles */
	case TUI_KEY_BTAB:
	case TUI_KEY_UP:
		m->i = (m->i + m->n - 1) % m->n;
		mention_show(t);
		return 1;
	case TUI_KEY_DOWN:
		m->i = (m->i + 1) % m->n;
		mention_show(t);
		return 1;
	case '\r':
		m->open = 0;
		tui_hint(t, "took @%s", m->v[m->i]);
		tui_dirty(t);
		return 1;
	case 0x1b:
		if (m->query != NULL)
			tui_input_replace_word(t->input, m->query);
		tui_mention_reset(t);
		tui_hint(t, "%s", "");
		tui_dirty(t);
		return 1;
	default:
		m->open = 0;
		tui_dirty(t);
		return 0;
	}
}

/* Columns s takes on the screen. */
static int
mention_width(const char *s)
{
	int n, w;
	wchar_t *wc = tui_utf8_to_wcs(s, strlen(s), &n);

	w = tui_wcswidth(wc, n);
	free(wc);
	return w;
}

/*
 * The popup: a framed list of up to TUI_POPUP_MAX candidates right above
 * the input, the current one in the selection colour, the position in the
 * top border.  It stays inside the chat's rectangle (so inside the screen
 * at any size): fewer rows when the chat is short, none below three rows;
 * long paths lose their start, not their file name.
 */
void
tui_mention_draw(struct tui *t)
{
	struct tui_mention *m = &t->mention;
	struct tui_line l;
	const char *rel;
	char *s;
	size_t k, shown;
	int avail, w, h, y, x, row, inner, cw;

	if (!m->open || m->n < 2 || !t->show_chat || t->focus != FOCUS_CHAT ||
	    t->select_mode || t->input_r.h <= 0)
		return;
	avail = t->input_r.y - t->chat_r.y;
	if (avail > t->chat_r.h)
		avail = t->chat_r.h;
	if (avail < 3 || t->chat_r.w < 12)
		return;
	shown = m->n < TUI_POPUP_MAX ? m->n : TUI_POPUP_MAX;
	if ((int)shown > avail - 2)
		shown = (size_t)(avail - 2);
	if (m->i < m->first)
		m->first = m->i;
	else if (m->i >= m->first + shown)
		m->first = m->i - shown + 1;
	for (k = 0, w = 14; k < m->n; k++)
		if (mention_width(m->v[k]) + 4 > w)
			w = mention_width(m->v[k]) + 4;
	if (w > t->chat_r.w)
		w = t->chat_r.w;
	inner = w - 4;
	h = (int)shown + 2;
	y = t->input_r.y - h;
	x = t->chat_r.x;
	/* Top border with the position. */
	tui_line_init(&l, ROLE_CONFIRM_FRAME);
	tui_line_puts(&l, tui_glyph->tl, ROLE_CONFIRM_FRAME);
	s = xasprintf(" @ %zu/%zu ", m->i + 1, m->n);
	if ((int)strlen(s) <= w - 2)
		tui_line_puts(&l, s, ROLE_CONFIRM_FRAME);
	free(s);
	while (l.width < w - 1)
		tui_line_puts(&l, tui_glyph->hline, ROLE_CONFIRM_FRAME);
	tui_line_puts(&l, tui_glyph->tr, ROLE_CONFIRM_FRAME);
	tui_screen_draw_line(y, x, w, &l, 0);
	tui_line_free(&l);
	for (row = 0; row < (int)shown; row++) {
		k = m->first + (size_t)row;
		rel = m->v[k];
		/* Too wide: keep the end (the file name), mark the cut. */
		cw = mention_width(rel);
		while (cw > inner && *rel != '\0') {
			rel++;
			while (((unsigned char)*rel & 0xc0) == 0x80)
				rel++;
			cw = mention_width(rel) + 1;
		}
		tui_line_init(&l, ROLE_CONFIRM);
		tui_line_puts(&l, tui_glyph->vline, ROLE_CONFIRM_FRAME);
		tui_line_puts(&l, " ", k == m->i ? ROLE_SELECTION : ROLE_CONFIRM);
		if (rel != m->v[k])
			tui_line_puts(&l, tui_glyph->ellipsis, k == m->i ?
			    ROLE_SELECTION : ROLE_CONFIRM);
		tui_line_puts(&l, rel, k == m->i ? ROLE_SELECTION : ROLE_CONFIRM);
		while (l.width < w - 1)
			tui_line_puts(&l, " ", k == m->i ? ROLE_SELECTION :
			    ROLE_CONFIRM);
		tui_line_puts(&l, tui_glyph->vline, ROLE_CONFIRM_FRAME);
		tui_screen_draw_line(y + 1 + row, x, w, &l, 0);
		tui_line_free(&l);
	}
	tui_line_init(&l, ROLE_CONFIRM_FRAME);
	tui_line_puts(&l, tui_glyph->bl, ROLE_CONFIRM_FRAME);
	while (l.width < w - 1)
		tui_line_puts(&l, tui_glyph->hline, ROLE_CONFIRM_FRAME);
	tui_line_puts(&l, tui_glyph->br, ROLE_CONFIRM_FRAME);
	tui_screen_draw_line(y + h - 1, x, w, &l, 0);
	tui_line_free(&l);
}

/* See tui-int.h. */
int
tui_mention_complete(struct tui *t)
{
	struct tui_mention *m = &t->mention;
	struct mention_walk w;
	char *word;
	size_t i;

	if (m->n > 0 && m->text != NULL &&
	    strcmp(m->text, tui_input_text(t->input)) == 0) {
		m->i = (m->i + 1) % m->n;
		mention_show(t);
		return 1;
	}
	tui_mention_reset(t);
	word = tui_input_word(t->input);
	if (word[0] != '@' || t->s == NULL || t->s->ws == NULL) {
		free(word);
		return 0;
	}
	m->query = xstrdup(word);
	memset(&w, 0, sizeof w);
	w.ws = t->s->ws;
	w.query = word + 1;
	tool_walk(t->s->ws->root, t->s->ws->root, mention_file, &w);
	free(word);
	if (w.n == 0) {
		tui_mention_reset(t);
		tui_hint(t, "no file in the workspace fits");
		return 1;
	}
	qsort(w.v, w.n, sizeof *w.v, mention_cmp);
	m->n = w.n < MENTION_MAX_CAND ? w.n : MENTION_MAX_CAND;
	m->v = xreallocarray(NULL, m->n, sizeof *m->v);
	for (i = 0; i < w.n; i++) {
		if (i < m->n)
			m->v[i] = w.v[i].rel;
		else
			free(w.v[i].rel);
	}
	free(w.v);
	mention_show(t);
	return 1;
}

/* ---- attaching on send --------------------------------------------- */

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
 * Resolve a mention (word without "@"): the host path, with *path the
 * workspace path as written and the line range split off; NULL with
 * *cause.  Trailing punctuation ("see @a.c.") is not part of the path.
 */
static char *
mention_resolve(struct tui *t, const char *word, char **pathp, int *ranged,
    long *from, long *to, struct stat *st, char **cause)
{
	struct workspace *ws = t->s->ws;
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

/* The images setting for the model in use, and the model. */
static const char *
mention_model(struct tui *t)
{
	struct agent_stats st;

	agent_get_stats(t->s->agent, &st);
	return st.model;
}

/*
 * An image mention: into imgs if the model takes images and it is small
 * enough, else the reason (one line in the chat; nothing attached).
 */
static char *
mention_image(struct tui *t, const char *path, int ranged, char *data,
    size_t len, struct tui_images *imgs)
{
	const char *model = mention_model(t);
	long max = conf_int(t->cfg, "image_max");
	int listed, ok = llm_model_images(t->cfg, model, &listed);

	if (ranged)
		return xstrdup("an image has no lines");
	if (ok == 0 && strcmp(conf_model_str(t->cfg, model, "images"), "off") == 0)
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
	imgs->v = xreallocarray(imgs->v, imgs->n + 1, sizeof *imgs->v);
	imgs->v[imgs->n].path = xstrdup(path);
	imgs->v[imgs->n].data = data;
	imgs->v[imgs->n].len = len;
	imgs->n++;
	return NULL;
}

/* Attach one mention (word without "@") to out or imgs, or say why not. */
static void
mention_attach(struct tui *t, const char *word, struct buf *out,
    struct tui_images *imgs)
{
	char *path = NULL, *host, *cause = NULL, *data = NULL;
	char *msg;
	long from = 0, to = 0;
	int ranged;
	size_t len, off, n, limit = (size_t)conf_int(t->cfg, "output_limit");
	struct stat st;

	host = mention_resolve(t, word, &path, &ranged, &from, &to, &st, &cause);
	if (host != NULL) {
		data = util_read_small(host, MENTION_MAX_FILE, &len, &cause);
		if (data != NULL && image_type(data, len) != NULL) {
			cause = mention_image(t, path, ranged, data, len, imgs);
			if (cause == NULL)
				data = NULL;	/* imgs owns it */
			else {
				free(data);
				data = NULL;
			}
		} else if (data != NULL &&
		    memchr(data, '\0', len < 8192 ? len : 8192) != NULL) {
			cause = xstrdup("a binary file");
			free(data);
			data = NULL;
		}
	}
	if (data == NULL) {
		if (cause != NULL || host == NULL) {
			msg = xasprintf("@%s not attached: %s", word,
			    cause != NULL ? cause : "cannot be read");
			tui_chat_notice(t->chat, ITEM_NOTICE, msg);
			free(msg);
		}
		goto out;
	}
	off = 0;
	n = len;
	if (ranged)
		mention_lines(data, len, from, to, &off, &n);
	buf_printf(out, "\n\n<file path=\"%s\"", path);
	if (ranged)
		buf_printf(out, " lines=\"%ld-%ld\"", from, to);
	buf_printf(out, ">\n");
	if (limit > 0 && n > limit) {
		buf_append(out, data + off, limit);
		buf_printf(out, "\n[... %zu more bytes not attached: name a line range]",
		    n - limit);
	} else
		buf_append(out, data + off, n);
	if (n > 0 && data[off + n - 1] != '\n')
		buf_printf(out, "\n");
	buf_printf(out, "</file>");
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
	struct tui		*t;
	struct buf		*out;
	struct tui_images	*imgs;
	int			 image;		/* mention_probe: found one */
};

static void
mention_expand_one(const char *word, void *arg)
{
	struct mention_expand *x = arg;

	mention_attach(x->t, word, x->out, x->imgs);
}

/* See tui-int.h. */
char *
tui_mention_expand(struct tui *t, const char *text, struct tui_images *imgs)
{
	struct buf out;
	struct mention_expand x;

	if (t->s == NULL || t->s->ws == NULL)
		return NULL;
	buf_init(&out, 0);
	buf_append(&out, text, strlen(text));
	x.t = t;
	x.out = &out;
	x.imgs = imgs;
	mention_each(text, mention_expand_one, &x);
	if (out.len == strlen(text)) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

static void
mention_probe_one(const char *word, void *arg)
{
	struct mention_expand *x = arg;
	char *path = NULL, *host, *cause = NULL, head[16];
	long from, to;
	int ranged, fd;
	ssize_t n;
	struct stat st;

	host = mention_resolve(x->t, word, &path, &ranged, &from, &to, &st,
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

/* See tui-int.h. */
int
tui_mention_needs_list(struct tui *t, const char *text)
{
	struct mention_expand x;
	int listed;

	if (t->s == NULL || t->s->ws == NULL || strchr(text, '@') == NULL ||
	    llm_model_images(t->cfg, mention_model(t), &listed) != -1 || listed)
		return 0;
	memset(&x, 0, sizeof x);
	x.t = t;
	mention_each(text, mention_probe_one, &x);
	return x.image;
}

/* See tui-int.h. */
void
tui_images_free(struct tui_images *imgs)
{
	size_t i;

	for (i = 0; i < imgs->n; i++) {
		free((char *)imgs->v[i].path);
		free((void *)imgs->v[i].data);
	}
	free(imgs->v);
	memset(imgs, 0, sizeof *imgs);
}

/* See tui-int.h. */
void
tui_mention_fold(const char *text, struct buf *out)
{
	static const char fmark[] = "\n\n<file path=\"";
	static const char bmark[] = TUI_BANG_MARK;
	const char *p, *q, *e, *f, *b;

	for (p = text;; p = e) {
		f = strstr(p, fmark);
		b = strstr(p, bmark);
		if (f == NULL && b == NULL) {
			/* Text before the first attachment; nothing after one. */
			if (p == text)
				buf_puts(out, text);
			return;
		}
		if (p == text)
			buf_append(out, text, (size_t)((f != NULL && (b == NULL ||
			    f < b) ? f : b) - text));
		buf_puts(out, "\n[attached: ");
		if (f != NULL && (b == NULL || f < b)) {
			q = f + sizeof fmark - 1;
			if ((e = strchr(q, '\n')) == NULL)
				e = q + strlen(q);
			/* path" lines="A-B"> -> path lines A-B */
			for (; q < e && *q != '>'; q++)
				if (*q != '"')
					buf_putc(out, *q == '=' ? ' ' : *q);
		} else {
			/* N">\n$ CMD\n -> output of !CMD (exit N) */
			q = b + sizeof bmark - 1;
			e = strchr(q, '"');
			f = e != NULL ? strstr(e, ">\n$ ") : NULL;
			if (e == NULL || f == NULL) {
				e = q + strlen(q);
				buf_puts(out, "command output");
			} else {
				f += 4;
				if ((e = strchr(f, '\n')) == NULL)
					e = f + strlen(f);
				buf_puts(out, "output of !");
				buf_append(out, f, (size_t)(e - f));
				buf_printf(out, " (exit %.*s)", (int)(strchr(q,
				    '"') - q), q);
			}
		}
		buf_puts(out, "]");
	}
}
