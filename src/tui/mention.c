/*
 * mention.c: "@path" in a message, completed by Tab and attached on send.
 *
 * Tab on a word starting with "@" walks the workspace's files with the tree
 * walk of grep and glob (so .gitignore, .git and symbolic links are honoured
 * as there; paths hidden by the sandbox are left out) and ranks the paths
 * the typed letters fit in order: a substring of the file name first, then
 * of the path, then letters spread out; shorter paths first.  The word
 * becomes "@path" for the best; further Tabs (the input unchanged) cycle
 * through the others, listed in the status bar.
 *
 * On Enter, each "@path" or "@path:A-B" / "@path:A" (after a blank or at
 * the start) attaches the file or those lines after the message, capped at
 * output_limit like an observation.  Paths are resolved as the file tools
 * do (outside the workspace refused, symbolic links followed); paths hidden
 * by the sandbox, directories, binary files and missing files are refused
 * with a notice in the chat and not attached.  Images are not attached.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/session.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "tui-int.h"

#define MENTION_MAX_VISIT	50000		/* files walked for one Tab */
#define MENTION_MAX_CAND	200		/* candidates kept */
#define MENTION_MAX_SHOWN	8		/* listed in the status bar */
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

/* Put candidate i in the input and list the candidates from it. */
static void
mention_show(struct tui *t)
{
	struct tui_mention *m = &t->mention;
	struct buf b;
	char *word;
	size_t k;

	word = xasprintf("@%s", m->v[m->i]);
	tui_input_replace_word(t->input, word);
	free(word);
	free(m->text);
	m->text = xstrdup(tui_input_text(t->input));
	if (m->n == 1)
		return;
	buf_init(&b, 0);
	buf_printf(&b, "@ %zu/%zu%s:", m->i + 1, m->n,
	    m->n == MENTION_MAX_CAND ? "+" : "");
	for (k = 0; k < m->n && k < MENTION_MAX_SHOWN; k++)
		buf_printf(&b, "  %s", m->v[(m->i + k) % m->n]);
	tui_hint(t, "%s", b.s);
	buf_free(&b);
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
	memset(&w, 0, sizeof w);
	w.ws = t->s->ws;
	w.query = word + 1;
	tool_walk(t->s->ws->root, t->s->ws->root, mention_file, &w);
	free(word);
	if (w.n == 0) {
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

/* Attach one mention (word without "@") to out, or say why not. */
static void
mention_attach(struct tui *t, const char *word, struct buf *out)
{
	struct workspace *ws = t->s->ws;
	char *path = xstrdup(word), *host = NULL, *cause = NULL, *data = NULL;
	char *msg;
	long from = 0, to = 0;
	int ranged;
	size_t len, off, n, limit = (size_t)conf_int(t->cfg, "output_limit");
	struct stat st;

	/* Trailing punctuation ("see @a.c.") is not part of the path. */
	for (;;) {
		ranged = mention_range(path, &from, &to);
		free(host);
		free(cause);
		cause = NULL;
		host = tool_resolve_path(ws, path, &cause);
		if (host != NULL && stat(host, &st) == 0)
			break;
		n = strlen(path);
		if (ranged)
			path[n] = ':';	/* undo the split, retry shorter */
		n = strlen(path);
		if (n < 2 || strchr(".,;:!?)'\"", path[n - 1]) == NULL)
			break;
		path[n - 1] = '\0';
	}
	if (host != NULL && ws_hidden(ws, host)) {
		free(cause);
		cause = xstrdup("hidden by the sandbox");
	} else if (host != NULL && stat(host, &st) == -1) {
		free(cause);
		cause = xstrdup("no such file");
	} else if (host != NULL && !S_ISREG(st.st_mode)) {
		free(cause);
		cause = xstrdup("not a regular file");
	} else if (host != NULL) {
		free(cause);
		cause = NULL;
		data = util_read_small(host, MENTION_MAX_FILE, &len, &cause);
		if (data != NULL && memchr(data, '\0', len < 8192 ? len : 8192) != NULL) {
			cause = xstrdup("a binary file (images are not attached)");
			free(data);
			data = NULL;
		}
	}
	if (data == NULL) {
		msg = xasprintf("@%s not attached: %s", word,
		    cause != NULL ? cause : "cannot be read");
		tui_chat_notice(t->chat, ITEM_NOTICE, msg);
		free(msg);
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

/* See tui-int.h. */
char *
tui_mention_expand(struct tui *t, const char *text)
{
	struct buf out;
	const char *p, *e;
	char *word;

	if (t->s == NULL || t->s->ws == NULL)
		return NULL;
	buf_init(&out, 0);
	buf_append(&out, text, strlen(text));
	for (p = text; (p = strchr(p, '@')) != NULL; p = e) {
		for (e = p + 1; *e != '\0' && !isspace((unsigned char)*e); e++)
			;
		if ((p != text && !isspace((unsigned char)p[-1])) || e == p + 1)
			continue;
		word = xstrndup(p + 1, (size_t)(e - p - 1));
		mention_attach(t, word, &out);
		free(word);
	}
	if (out.len == strlen(text)) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* See tui-int.h. */
void
tui_mention_fold(const char *text, struct buf *out)
{
	static const char mark[] = "\n\n<file path=\"";
	const char *p = strstr(text, mark), *q, *e;

	if (p == NULL) {
		buf_puts(out, text);
		return;
	}
	buf_append(out, text, (size_t)(p - text));
	for (; p != NULL; p = strstr(e, mark)) {
		q = p + sizeof mark - 1;
		if ((e = strchr(q, '\n')) == NULL)
			e = q + strlen(q);
		/* path" lines="A-B"> -> path lines A-B */
		buf_puts(out, "\n[attached: ");
		for (; q < e && *q != '>'; q++)
			if (*q != '"')
				buf_putc(out, *q == '=' ? ' ' : *q);
		buf_puts(out, "]");
	}
}
