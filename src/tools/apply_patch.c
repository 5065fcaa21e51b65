/*
 * apply_patch.c: the "*** Begin Patch" format (apply_patch.h)
 * and the apply_patch tool that wraps it.
 *
 * Follows the grammar of OpenAI's codex apply-patch (the format GPT models
 * are trained on), with these deviations, all lenient:
 *  - blank lines around the patch and between file sections are ignored;
 *    marker lines may carry surrounding whitespace ("  *** End Patch ");
 *  - a heredoc wrapper ("apply_patch <<'EOF'" ... "EOF") is removed;
 *  - CRLF patches are read as LF; a CRLF file keeps its CRLF endings;
 *  - an update may be a pure move ("*** Move to:" and no chunk);
 *  - a chunk of only "+" lines after "@@ ctx" is inserted after that
 *    context line (codex appends it at the end of the file);
 *  - a file without a final newline keeps it missing (codex adds one);
 *  - context lines keep the file's own text, so a context line matched
 *    while ignoring whitespace does not rewrite that whitespace.
 *
 * Data flow: the patch is copied and split into lines, parsed into a list
 * of operations (nothing touched on a syntax error), then the operations
 * run in order.  An update reads the file, finds each chunk's old lines
 * from where the previous chunk ended (exact, then ignoring trailing
 * whitespace, then ignoring surrounding whitespace, then also folding
 * typographic dashes, quotes and spaces to ASCII: the passes codex uses),
 * splices the new lines in and writes the file atomically.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply_patch.h"
#include "cade/buf.h"
#include "diff.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"

#include "tools-int.h"

#define AP_BEGIN	"*** Begin Patch"
#define AP_END		"*** End Patch"
#define AP_ADD		"*** Add File: "
#define AP_DELETE	"*** Delete File: "
#define AP_UPDATE	"*** Update File: "
#define AP_MOVE		"*** Move to: "
#define AP_EOF		"*** End of File"

struct ap_lines {
	const char	**v;
	size_t		  n;
};

struct ap_chunk {
	const char	*ctx;	/* "@@ ctx": a line to find first, or NULL */
	struct ap_lines	 old;
	struct ap_lines	 new_;
	long		*ctx_of;	/* per new line: its index in old if context, else -1 */
	int		 eof;
	int		 line;	/* 1-based patch line of the chunk */
};

enum ap_kind { AP_OP_ADD, AP_OP_DELETE, AP_OP_UPDATE };

struct ap_op {
	enum ap_kind	 kind;
	char		*path;
	char		*move_to;
	struct ap_lines	 add;	/* AP_OP_ADD contents */
	struct ap_chunk	*chunks;
	size_t		 nchunks;
	int		 line;
};

struct ap_patch {
	char		*text;
	char		**lines;
	size_t		 nlines;
	struct ap_op	*ops;
	size_t		 nops;
};

/* A file as changed so far by a dry run. */
struct ap_file {
	char		*host;
	char		*data;
	size_t		 len;
	int		 exists;
	int		 mode;
	struct ap_file	*next;
};

struct ap_ctx {
	const char	*root;
	const char	*model_root;
	int		 dry_run;
	struct ap_file	*overlay;
};

static void
ap_lines_add(struct ap_lines *l, const char *s)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = s;
}

/* Trim ASCII whitespace in place at both ends; returns the new start. */
static char *
ap_trim(char *s)
{
	return util_trim(s);
}

/* 1 if s with trailing whitespace removed equals marker. */
static int
ap_is_marker(const char *s, const char *marker)
{
	size_t n = strlen(marker);

	if (strncmp(s, marker, n) != 0)
		return 0;
	for (s += n; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

/* Skip leading whitespace (for top-level markers). */
static const char *
ap_lskip(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static void
ap_patch_free(struct ap_patch *p)
{
	size_t i, j;

	for (i = 0; i < p->nops; i++) {
		struct ap_op *op = &p->ops[i];

		free(op->add.v);
		for (j = 0; j < op->nchunks; j++) {
			free(op->chunks[j].old.v);
			free(op->chunks[j].new_.v);
			free(op->chunks[j].ctx_of);
		}
		free(op->chunks);
	}
	free(p->ops);
	free(p->lines);
	free(p->text);
}

/* 1 if the line is only whitespace. */
static int
ap_blank(const char *s)
{
	return *ap_lskip(s) == '\0';
}

/* The heredoc word of "<<'EOF'", "<<EOF", "apply_patch <<\"EOF\"", or NULL. */
static char *
ap_heredoc_word(const char *line)
{
	const char *s = ap_lskip(line), *e;

	if (strncmp(s, "apply_patch", 11) == 0)
		s = ap_lskip(s + 11);
	if (strncmp(s, "<<", 2) != 0)
		return NULL;
	s = ap_lskip(s + 2);
	if (*s == '\'' || *s == '"')
		s++;
	for (e = s; isalnum((unsigned char)*e) || *e == '_'; e++)
		;
	if (e == s)
		return NULL;
	return xstrndup(s, (size_t)(e - s));
}

/* Parse one update chunk starting at lines[*i]; -1 with *cause. */
static int
ap_parse_chunk(struct ap_patch *p, size_t *i, size_t end, struct ap_op *op,
    int first, char **cause)
{
	struct ap_chunk c;
	const char *l;
	size_t nlines = 0;

	memset(&c, 0, sizeof c);
	c.line = (int)*i + 1;
	l = p->lines[*i];
	if (ap_is_marker(l, "@@"))
		(*i)++;
	else if (strncmp(l, "@@ ", 3) == 0) {
		c.ctx = l + 3;
		(*i)++;
	} else if (!first) {
		*cause = xasprintf("invalid patch: line %zu: expected '@@' to start a "
		    "chunk of '%s', got '%s'", *i + 1, op->path, l);
		return -1;
	}
	while (*i < end) {
		l = p->lines[*i];
		if (ap_is_marker(l, AP_EOF)) {
			c.eof = 1;
			(*i)++;
			break;
		}
		if (strncmp(l, "@@", 2) == 0 || strncmp(l, "***", 3) == 0)
			break;
		switch (l[0]) {
		case '\0':	/* an empty line: empty context, as codex reads it */
		case ' ':
			c.ctx_of = xreallocarray(c.ctx_of, c.new_.n + 1, sizeof *c.ctx_of);
			c.ctx_of[c.new_.n] = (long)c.old.n;
			ap_lines_add(&c.old, l[0] == '\0' ? "" : l + 1);
			ap_lines_add(&c.new_, l[0] == '\0' ? "" : l + 1);
			break;
		case '-':
			ap_lines_add(&c.old, l + 1);
			break;
		case '+':
			c.ctx_of = xreallocarray(c.ctx_of, c.new_.n + 1, sizeof *c.ctx_of);
			c.ctx_of[c.new_.n] = -1;
			ap_lines_add(&c.new_, l + 1);
			break;
		default:
			*cause = xasprintf("invalid patch: line %zu: unexpected line '%s' "
			    "in the update of '%s'; each line must start with ' ' "
			    "(context), '-' (remove) or '+' (add)", *i + 1, l, op->path);
			goto fail;
		}
		nlines++;
		(*i)++;
	}
	if (nlines == 0) {
		*cause = xasprintf("invalid patch: line %d: empty chunk in the update "
		    "of '%s'", c.line, op->path);
		goto fail;
	}
	op->chunks = xreallocarray(op->chunks, op->nchunks + 1, sizeof *op->chunks);
	op->chunks[op->nchunks++] = c;
	return 0;
fail:
	free(c.old.v);
	free(c.new_.v);
	free(c.ctx_of);
	return -1;
}

/* A path from a header line: trimmed, in place; -1 if empty. */
static char *
ap_header_path(char *l, const char *marker)
{
	char *s = ap_trim((char *)ap_lskip(l) + strlen(marker));

	return *s == '\0' ? NULL : s;
}

/* Split and parse the whole patch; -1 with *cause and nothing kept. */
static int
ap_parse(struct ap_patch *p, const char *patch, char **cause)
{
	size_t i, begin, end, cap = 0;
	char *s, *nl, *word;

	memset(p, 0, sizeof *p);
	p->text = xstrdup(patch);
	for (s = p->text; s != NULL; s = nl) {
		nl = strchr(s, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		if (*s != '\0' && s[strlen(s) - 1] == '\r')
			s[strlen(s) - 1] = '\0';
		if (p->nlines == cap) {
			cap = cap ? cap * 2 : 64;
			p->lines = xreallocarray(p->lines, cap, sizeof *p->lines);
		}
		p->lines[p->nlines++] = s;
	}

	begin = 0;
	end = p->nlines;
	while (begin < end && ap_blank(p->lines[begin]))
		begin++;
	while (end > begin && ap_blank(p->lines[end - 1]))
		end--;
	if (begin == end) {
		*cause = xstrdup("invalid patch: the patch is empty");
		goto fail;
	}
	if ((word = ap_heredoc_word(p->lines[begin])) != NULL) {
		if (end - begin >= 2 && strcmp(ap_trim(p->lines[end - 1]), word) == 0) {
			begin++;
			end--;
		}
		free(word);
	}
	if (begin == end || !ap_is_marker(ap_lskip(p->lines[begin]), AP_BEGIN)) {
		*cause = xstrdup("invalid patch: the first line must be '" AP_BEGIN "'");
		goto fail;
	}
	if (end - begin < 2 || !ap_is_marker(ap_lskip(p->lines[end - 1]), AP_END)) {
		*cause = xstrdup("invalid patch: the last line must be '" AP_END "'");
		goto fail;
	}
	end--;
	for (i = begin + 1; i < end;) {
		const char *l = ap_lskip(p->lines[i]);
		struct ap_op op;

		if (*l == '\0') {
			i++;
			continue;
		}
		memset(&op, 0, sizeof op);
		op.line = (int)i + 1;
		if (strncmp(l, AP_ADD, strlen(AP_ADD)) == 0) {
			op.kind = AP_OP_ADD;
			op.path = ap_header_path(p->lines[i++], AP_ADD);
			while (i < end && p->lines[i][0] == '+')
				ap_lines_add(&op.add, p->lines[i++] + 1);
		} else if (strncmp(l, AP_DELETE, strlen(AP_DELETE)) == 0) {
			op.kind = AP_OP_DELETE;
			op.path = ap_header_path(p->lines[i++], AP_DELETE);
		} else if (strncmp(l, AP_UPDATE, strlen(AP_UPDATE)) == 0) {
			op.kind = AP_OP_UPDATE;
			op.path = ap_header_path(p->lines[i++], AP_UPDATE);
			if (op.path != NULL && i < end &&
			    strncmp(ap_lskip(p->lines[i]), AP_MOVE, strlen(AP_MOVE)) == 0) {
				op.move_to = ap_header_path(p->lines[i], AP_MOVE);
				if (op.move_to == NULL) {
					*cause = xasprintf("invalid patch: line %zu: "
					    "'*** Move to:' without a path", i + 1);
					goto fail;
				}
				i++;
			}
			while (op.path != NULL && i < end) {
				if (ap_blank(p->lines[i])) {
					i++;
					continue;
				}
				if (strncmp(ap_lskip(p->lines[i]), "***", 3) == 0)
					break;
				if (ap_parse_chunk(p, &i, end, &op, op.nchunks == 0,
				    cause) == -1) {
					p->ops = xreallocarray(p->ops, p->nops + 1,
					    sizeof *p->ops);
					p->ops[p->nops++] = op;	/* freed below */
					goto fail;
				}
			}
			if (op.path != NULL && op.nchunks == 0 && op.move_to == NULL) {
				*cause = xasprintf("invalid patch: line %d: the update of "
				    "'%s' has no changes", op.line, op.path);
				goto fail;
			}
		} else {
			*cause = xasprintf("invalid patch: line %zu: '%s' is not a file "
			    "header; expected '" AP_ADD "PATH', '" AP_DELETE "PATH' or '"
			    AP_UPDATE "PATH'", i + 1, p->lines[i]);
			goto fail;
		}
		p->ops = xreallocarray(p->ops, p->nops + 1, sizeof *p->ops);
		p->ops[p->nops++] = op;
		if (op.path == NULL) {
			*cause = xasprintf("invalid patch: line %d: file header without "
			    "a path", op.line);
			goto fail;
		}
	}
	if (p->nops == 0) {
		*cause = xstrdup("invalid patch: no file operations between '"
		    AP_BEGIN "' and '" AP_END "'");
		goto fail;
	}
	return 0;
fail:
	ap_patch_free(p);
	memset(p, 0, sizeof *p);
	return -1;
}

/* ---- matching ---- */

/* Decode one UTF-8 code point (invalid bytes come back as themselves). */
static unsigned
ap_utf8(const unsigned char **sp)
{
	const unsigned char *s = *sp;
	unsigned c = s[0];
	int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0, k;

	for (k = 1; k <= n; k++)
		if ((s[k] & 0xc0) != 0x80)
			n = 0;
	if (n == 0) {
		*sp = s + 1;
		return c;
	}
	c &= 0x3f >> n;
	for (k = 1; k <= n; k++)
		c = (c << 6) | (s[k] & 0x3f);
	*sp = s + n + 1;
	return c;
}

/* Typographic punctuation and spaces to their ASCII look-alikes. */
static unsigned
ap_fold(unsigned c)
{
	if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212)
		return '-';
	if (c >= 0x2018 && c <= 0x201b)
		return '\'';
	if (c >= 0x201c && c <= 0x201f)
		return '"';
	if (c == 0xa0 || (c >= 0x2002 && c <= 0x200a) || c == 0x202f ||
	    c == 0x205f || c == 0x3000)
		return ' ';
	return c;
}

/* Normalised copy for the last matching pass: folded, then trimmed. */
static char *
ap_normalize(const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *q;
	struct buf b;
	char *out;

	buf_init(&b, 0);
	while (*p != '\0') {
		q = p;
		unsigned c = ap_fold(ap_utf8(&p));

		if (c < 0x80)
			(void)buf_putc(&b, (int)c);
		else
			(void)buf_append(&b, q, (size_t)(p - q));
	}
	out = xstrdup(util_trim(b.s));
	buf_free(&b);
	return out;
}

/* Compare lines under a pass: 0 exact, 1 trailing space, 2 both ends. */
static int
ap_eq(const char *a, const char *b, int pass)
{
	size_t la, lb;

	if (pass == 0)
		return strcmp(a, b) == 0;
	if (pass == 2) {
		while (isspace((unsigned char)*a))
			a++;
		while (isspace((unsigned char)*b))
			b++;
	}
	la = strlen(a);
	lb = strlen(b);
	while (la > 0 && isspace((unsigned char)a[la - 1]))
		la--;
	while (lb > 0 && isspace((unsigned char)b[lb - 1]))
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

/* A file's lines and their normalised forms (made on first need). */
struct ap_text {
	char		**v;
	size_t		  n;
	char		**norm;
	int		  final_nl;
	int		  crlf;
};

/* Where pat occurs in t at or after start (only at the end with eof); -1 if nowhere. */
static long
ap_seek(struct ap_text *t, const char *const *pat, size_t npat, size_t start, int eof)
{
	size_t i, j, from;
	char **pn;
	long found = -1;
	int pass;

	if (npat == 0)
		return (long)start;
	if (npat > t->n)
		return -1;
	from = start;
	if (eof && t->n - npat > from)
		from = t->n - npat;
	for (pass = 0; pass < 3; pass++)
		for (i = from; i + npat <= t->n; i++) {
			for (j = 0; j < npat && ap_eq(t->v[i + j], pat[j], pass); j++)
				;
			if (j == npat)
				return (long)i;
		}
	if (t->norm == NULL) {
		t->norm = xcalloc(t->n + 1, sizeof *t->norm);
		for (i = 0; i < t->n; i++)
			t->norm[i] = ap_normalize(t->v[i]);
	}
	pn = xcalloc(npat, sizeof *pn);
	for (j = 0; j < npat; j++)
		pn[j] = ap_normalize(pat[j]);
	for (i = from; found < 0 && i + npat <= t->n; i++) {
		for (j = 0; j < npat && strcmp(t->norm[i + j], pn[j]) == 0; j++)
			;
		if (j == npat)
			found = (long)i;
	}
	for (j = 0; j < npat; j++)
		free(pn[j]);
	free(pn);
	return found;
}

/* Explain the nearest miss of pat in t, for the model. */
static void
ap_hint(struct buf *b, const struct ap_text *t, const char *const *pat, size_t npat,
    size_t start)
{
	size_t i, k, best_i = 0, best_k = 0;

	for (i = 0; i < t->n; i++) {
		for (k = 0; k < npat && i + k < t->n && ap_eq(t->v[i + k], pat[k], 2); k++)
			;
		if (k > best_k) {
			best_k = k;
			best_i = i;
		}
	}
	if (best_k == 0) {
		(void)buf_printf(b, "\nthe first expected line does not occur in the file");
		return;
	}
	if (best_k == npat && best_i < start) {
		(void)buf_printf(b, "\nthese lines occur at line %zu, before the end of the "
		    "previous chunk (line %zu): chunks must be in file order",
		    best_i + 1, start);
		return;
	}
	(void)buf_printf(b, "\nclosest match at line %zu: ", best_i + 1);
	if (best_i + best_k >= t->n)
		(void)buf_printf(b, "the file ends where '%s' was expected",
		    pat[best_k]);
	else
		(void)buf_printf(b, "line %zu is '%s' where '%s' was expected",
		    best_i + best_k + 1, t->v[best_i + best_k], pat[best_k]);
}

/* Split file data into lines (newlines and, for CRLF files, '\r' removed). */
static void
ap_text_split(struct ap_text *t, char *data, size_t len)
{
	char *s, *nl, *end = data + len;
	size_t cap = 0;

	memset(t, 0, sizeof *t);
	t->final_nl = len == 0 || data[len - 1] == '\n';
	nl = memchr(data, '\n', len);
	t->crlf = nl != NULL && nl > data && nl[-1] == '\r';
	for (s = data; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		if (t->crlf && nl > s && nl[-1] == '\r')
			nl[-1] = '\0';
		if (t->n == cap) {
			cap = cap ? cap * 2 : 64;
			t->v = xreallocarray(t->v, cap, sizeof *t->v);
		}
		t->v[t->n++] = s;
	}
}

static void
ap_text_free(struct ap_text *t)
{
	size_t i;

	if (t->norm != NULL)
		for (i = 0; i < t->n; i++)
			free(t->norm[i]);
	free(t->norm);
	free(t->v);
}

struct ap_repl {
	size_t		 at;
	size_t		 nold;
	const char	*const *new_;
	const long	*ctx_of;
	size_t		 nnew;
};

/* Apply op's chunks to data; the new text in *out, or -1 with *cause. */
static int
ap_update_text(const struct ap_op *op, const char *data, size_t len, struct buf *out,
    char **cause)
{
	struct ap_text t;
	struct ap_repl *r;
	size_t next = 0, c, i, j, nr = 0, nold, nnew;
	char *copy = xmalloc(len + 1);
	long at;
	int rc = -1;

	memcpy(copy, data, len);
	copy[len] = '\0';
	ap_text_split(&t, copy, len);
	r = xcalloc(op->nchunks + 1, sizeof *r);
	for (c = 0; c < op->nchunks; c++) {
		const struct ap_chunk *ch = &op->chunks[c];

		if (ch->ctx != NULL) {
			at = ap_seek(&t, &ch->ctx, 1, next, 0);
			if (at < 0) {
				*cause = xasprintf("failed to find the context line '@@ %s' "
				    "in '%s' (chunk %zu, patch line %d)", ch->ctx,
				    op->path, c + 1, ch->line);
				goto out;
			}
			next = (size_t)at + 1;
		}
		nold = ch->old.n;
		nnew = ch->new_.n;
		if (nold == 0) {
			/*
			 * After the context line, else at the end of the file.  The
			 * search point stays where it was (as in Codex): a later
			 * chunk may still edit lines before the end, and the edits
			 * are put in file order below.
			 */
			r[nr].at = ch->ctx == NULL || ch->eof ? t.n : next;
			r[nr].nold = 0;
			r[nr].new_ = ch->new_.v;
			r[nr++].nnew = nnew;
			continue;
		}
		at = ap_seek(&t, ch->old.v, nold, next, ch->eof);
		if (at < 0 && strcmp(ch->old.v[nold - 1], "") == 0) {
			/* A trailing empty line is often just the patch's own spacing. */
			nold--;
			if (nnew > 0 && strcmp(ch->new_.v[nnew - 1], "") == 0)
				nnew--;
			at = ap_seek(&t, ch->old.v, nold, next, ch->eof);
		}
		if (at < 0) {
			struct buf m;

			buf_init(&m, 0);
			(void)buf_printf(&m, "failed to find the expected lines in '%s' "
			    "(chunk %zu, patch line %d)%s:\n", op->path, c + 1, ch->line,
			    ch->eof ? " at the end of the file" : "");
			for (j = 0; j < ch->old.n; j++)
				(void)buf_printf(&m, "%s\n", ch->old.v[j]);
			buf_truncate(&m, m.len - 1);
			ap_hint(&m, &t, ch->old.v, ch->old.n, next);
			*cause = buf_detach(&m, NULL);
			buf_free(&m);
			goto out;
		}
		r[nr].at = (size_t)at;
		r[nr].nold = nold;
		r[nr].new_ = ch->new_.v;
		r[nr].ctx_of = ch->ctx_of;
		r[nr++].nnew = nnew;
		next = (size_t)at + nold;
	}

	/*
	 * Splice in file order.  Chunks are found at increasing positions except
	 * pure additions at the end; a stable insertion sort moves those after
	 * the rest (equal positions keep patch order).
	 */
	for (i = 1; i < nr; i++)
		for (j = i; j > 0 && r[j - 1].at > r[j].at; j--) {
			struct ap_repl tmp = r[j];

			r[j] = r[j - 1];
			r[j - 1] = tmp;
		}
	buf_reset(out);
	j = 0;
	for (i = 0; i <= t.n; i++) {
		while (j < nr && r[j].at == i) {
			for (c = 0; c < r[j].nnew; c++) {
				/* Context lines keep the file's text (its whitespace). */
				long k = r[j].ctx_of != NULL ? r[j].ctx_of[c] : -1;

				(void)buf_puts(out, k >= 0 && (size_t)k < r[j].nold ?
				    t.v[i + (size_t)k] : r[j].new_[c]);
				(void)buf_puts(out, t.crlf ? "\r\n" : "\n");
			}
			i += r[j].nold;
			j++;
		}
		if (i >= t.n)
			break;
		(void)buf_puts(out, t.v[i]);
		(void)buf_puts(out, t.crlf ? "\r\n" : "\n");
	}
	if (!t.final_nl && out->len > 0) {
		buf_truncate(out, out->len - 1);
		if (t.crlf && out->len > 0 && out->s[out->len - 1] == '\r')
			buf_truncate(out, out->len - 1);
	}
	rc = 0;
out:
	free(r);
	ap_text_free(&t);
	free(copy);
	return rc;
}

/* ---- files, through the dry-run overlay ---- */

static struct ap_file *
ap_overlay_find(struct ap_ctx *x, const char *host)
{
	struct ap_file *f;

	for (f = x->overlay; f != NULL; f = f->next)
		if (strcmp(f->host, host) == 0)
			return f;
	return NULL;
}

/* Read a file: 1 and its data, 0 if missing, -1 with *cause. */
static int
ap_read(struct ap_ctx *x, const char *host, const char *shown, char **data,
    size_t *len, int *mode, char **cause)
{
	struct ap_file *f = ap_overlay_find(x, host);
	struct stat st;

	if (f != NULL) {
		if (!f->exists)
			return 0;
		*data = xmalloc(f->len + 1);
		memcpy(*data, f->data, f->len + 1);
		*len = f->len;
		*mode = f->mode;
		return 1;
	}
	if (stat(host, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		*cause = xasprintf("cannot stat '%s': %s", shown, strerror(errno));
		return -1;
	}
	*mode = (int)(st.st_mode & 07777);
	return tool_read_file(host, shown, TOOL_FILE_MAX, data, len, cause) == -1 ?
	    -1 : 1;
}

/* Write (or, with data NULL, delete) a file, or record it in the overlay. */
static int
ap_write(struct ap_ctx *x, const char *host, const char *shown, const char *data,
    size_t len, int mode, char **cause)
{
	struct ap_file *f;

	if (!x->dry_run) {
		if (data != NULL)
			return tool_write_atomic(host, shown, data, len, mode, cause);
		if (unlink(host) == -1) {
			*cause = xasprintf("cannot delete '%s': %s", shown, strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((f = ap_overlay_find(x, host)) == NULL) {
		f = xcalloc(1, sizeof *f);
		f->host = xstrdup(host);
		f->next = x->overlay;
		x->overlay = f;
	}
	free(f->data);
	f->data = NULL;
	f->exists = data != NULL;
	if (data != NULL) {
		f->data = xmalloc(len + 1);
		memcpy(f->data, data, len);
		f->data[len] = '\0';
		f->len = len;
		f->mode = mode;
	}
	return 0;
}

/* Append a diff of one file change to d. */
static void
ap_diff(struct ap_ctx *x, struct buf *d, const char *old_host, const char *old,
    size_t oldlen, const char *new_host, const char *new_, size_t newlen)
{
	char *ol, *nl, *rel, *df;

	if (d == NULL)
		return;
	if (old_host != NULL) {
		rel = tool_rel_path(x->root, old_host);
		ol = xasprintf("a/%s", rel);
		free(rel);
	} else
		ol = xstrdup("/dev/null");
	if (new_host != NULL) {
		rel = tool_rel_path(x->root, new_host);
		nl = xasprintf("b/%s", rel);
		free(rel);
	} else
		nl = xstrdup("/dev/null");
	df = diff_unified(old ? old : "", oldlen, new_ ? new_ : "", newlen, ol, nl, 3, 0);
	if (df == NULL && old_host != NULL && new_host != NULL &&
	    strcmp(old_host, new_host) != 0)
		df = xasprintf("rename from %s\nrename to %s\n", ol + 2, nl + 2);
	if (df != NULL)
		(void)buf_puts(d, df);
	free(df);
	free(ol);
	free(nl);
}

/* Run one operation; -1 with *cause. */
static int
ap_run_op(struct ap_ctx *x, const struct ap_op *op, struct buf *report,
    struct buf *d, char **cause)
{
	char *host = NULL, *dest = NULL, *data = NULL;
	struct buf out;
	size_t len = 0, i;
	int mode = -1, have, rc = -1;

	buf_init(&out, 0);
	if ((host = tool_resolve_in(x->root, x->model_root, op->path, cause)) == NULL)
		goto done;
	if (op->move_to != NULL &&
	    (dest = tool_resolve_in(x->root, x->model_root, op->move_to, cause)) == NULL)
		goto done;
	have = ap_read(x, host, op->path, &data, &len, &mode, cause);
	if (have == -1)
		goto done;
	if (have == 1 && tool_is_binary(data, len) && op->kind != AP_OP_DELETE) {
		*cause = xasprintf("'%s' is a binary file", op->path);
		goto done;
	}

	switch (op->kind) {
	case AP_OP_ADD:
		for (i = 0; i < op->add.n; i++) {
			(void)buf_puts(&out, op->add.v[i]);
			(void)buf_putc(&out, '\n');
		}
		if (ap_write(x, host, op->path, out.s, out.len, have == 1 ? mode : -1, cause) == -1)
			goto done;
		ap_diff(x, d, have == 1 ? host : NULL, data, len, host, out.s, out.len);
		(void)buf_printf(report, "A %s\n", op->path);
		break;
	case AP_OP_DELETE:
		if (have == 0) {
			*cause = xasprintf("cannot delete '%s': no such file", op->path);
			goto done;
		}
		if (ap_write(x, host, op->path, NULL, 0, 0, cause) == -1)
			goto done;
		ap_diff(x, d, host, data, len, NULL, NULL, 0);
		(void)buf_printf(report, "D %s\n", op->path);
		break;
	case AP_OP_UPDATE:
		if (have == 0) {
			*cause = xasprintf("cannot update '%s': no such file", op->path);
			goto done;
		}
		if (op->nchunks > 0) {
			if (ap_update_text(op, data, len, &out, cause) == -1)
				goto done;
		} else
			(void)buf_append(&out, data, len);
		if (dest != NULL && strcmp(dest, host) != 0) {
			if (ap_write(x, dest, op->move_to, out.s, out.len, mode, cause) == -1 ||
			    ap_write(x, host, op->path, NULL, 0, 0, cause) == -1)
				goto done;
			ap_diff(x, d, host, data, len, dest, out.s, out.len);
			(void)buf_printf(report, "M %s -> %s\n", op->path, op->move_to);
		} else {
			if (ap_write(x, host, op->path, out.s, out.len, mode, cause) == -1)
				goto done;
			ap_diff(x, d, host, data, len, host, out.s, out.len);
			(void)buf_printf(report, "M %s\n", op->path);
		}
		break;
	}
	rc = 0;
done:
	buf_free(&out);
	free(data);
	free(host);
	free(dest);
	return rc;
}

/* See apply_patch.h. */
int
apply_patch_apply(const char *root_host, const char *model_root, const char *patch,
    int dry_run, struct buf *report, struct buf *diff, char **cause)
{
	struct ap_patch p;
	struct ap_ctx x;
	struct ap_file *f, *next;
	size_t i;
	int rc = 0;

	if (ap_parse(&p, patch != NULL ? patch : "", cause) == -1)
		return -1;
	memset(&x, 0, sizeof x);
	x.root = root_host;
	x.model_root = model_root != NULL ? model_root : root_host;
	x.dry_run = dry_run;
	for (i = 0; i < p.nops && rc == 0; i++)
		rc = ap_run_op(&x, &p.ops[i], report, diff, cause);
	for (f = x.overlay; f != NULL; f = next) {
		next = f->next;
		free(f->host);
		free(f->data);
		free(f);
	}
	ap_patch_free(&p);
	return rc;
}

/* See apply_patch.h. */
int
apply_patch_run(const char *root_host, const char *model_root, const char *patch,
    struct buf *report, char **cause)
{
	return apply_patch_apply(root_host, model_root, patch, 0, report, NULL, cause);
}

/* Add s to the vector unless present. */
static void
ap_strv_add_unique(char ***v, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return;
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

/* See apply_patch.h. */
char **
apply_patch_paths(const char *patch, char **cause)
{
	struct ap_patch p;
	char **v = NULL;
	size_t n = 0, i;

	if (ap_parse(&p, patch != NULL ? patch : "", cause) == -1)
		return NULL;
	for (i = 0; i < p.nops; i++)
		ap_strv_add_unique(&v, &n, p.ops[i].path);
	for (i = 0; i < p.nops; i++)
		if (p.ops[i].move_to != NULL)
			ap_strv_add_unique(&v, &n, p.ops[i].move_to);
	ap_patch_free(&p);
	return v;
}

/* See apply_patch.h. */
void
apply_patch_paths_free(char **v)
{
	tool_strv_free(v);
}

/* ---- the tool ---- */

/* The patch argument: "input" (what codex-trained models send) or "patch". */
static const char *
ap_arg(const cJSON *args)
{
	const char *s = tool_arg_str(args, "input");

	return s != NULL ? s : tool_arg_str(args, "patch");
}

/* The first path of the patch that is hidden from the workspace's commands, or NULL; caller frees. */
static char *
ap_hidden_path(const struct workspace *ws, const char *patch)
{
	static const char *const heads[] = {
		"*** Add File: ", "*** Update File: ", "*** Delete File: ",
		"*** Move to: "
	};
	const char *line, *end;
	size_t i;

	for (line = patch; line != NULL && *line != '\0'; line = end) {
		end = strchr(line, '\n');
		for (i = 0; i < nitems(heads); i++) {
			size_t hl = strlen(heads[i]);
			char *path, *host, *why = NULL;

			if (strncmp(line, heads[i], hl) != 0)
				continue;
			path = end != NULL ? xasprintf("%.*s", (int)(end - line - hl),
			    line + hl) : xstrdup(line + hl);
			host = tool_resolve_path(ws, util_trim(path), &why);
			if (host == NULL && why != NULL && strstr(why, "hidden") != NULL) {
				free(why);
				return path;
			}
			free(why);
			free(host);
			free(path);
		}
		if (end != NULL)
			end++;
	}
	return NULL;
}

static void
ap_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done, void *arg)
{
	const char *patch = ap_arg(args);
	struct tool_result *r;
	struct buf report, d;
	char *cause = NULL, *hidden;

	if (patch == NULL) {
		done(tool_result_error("missing required parameter 'input' (the patch)"), arg);
		return;
	}
	if ((hidden = ap_hidden_path(ctx->ws, patch)) != NULL) {
		done(tool_result_error("'%s' is hidden by the sandbox (credentials)",
		    hidden), arg);
		free(hidden);
		return;
	}
	buf_init(&report, 0);
	buf_init(&d, 0);
	if (apply_patch_apply(ctx->ws->root, ctx->ws->model_root, patch, 0, &report,
	    &d, &cause) == -1) {
		if (report.len > 0)
			r = tool_result_error("error: %s\nThese files were changed before "
			    "the error and are NOT rolled back:\n%s", cause, report.s);
		else
			r = tool_result_error("error: %s\nNo files were changed.", cause);
		free(cause);
	} else {
		r = tool_result_new();
		r->text = xasprintf("Success. Updated the following files:\n%s", report.s);
	}
	if (d.len > 0)
		r->diff = buf_detach(&d, NULL);
	buf_free(&d);
	buf_free(&report);
	done(r, arg);
}

/* The diff the patch would make, for the confirmation prompt. */
static char *
ap_preview(struct tool_ctx *ctx, const cJSON *args)
{
	const char *patch = ap_arg(args);
	struct buf report, d;
	char *cause = NULL, *out = NULL;

	if (patch == NULL)
		return NULL;
	buf_init(&report, 0);
	buf_init(&d, 0);
	if (apply_patch_apply(ctx->ws->root, ctx->ws->model_root, patch, 1, &report,
	    &d, &cause) == -1) {
		out = xasprintf("(the patch will fail: %s)\n%s", cause, d.s);
		free(cause);
	} else
		out = buf_detach(&d, NULL);
	buf_free(&d);
	buf_free(&report);
	return out;
}

/* "apply_patch: a.c, b.c" */
static char *
ap_summary(const cJSON *args)
{
	const char *patch = ap_arg(args);
	char **v, *cause = NULL;
	struct buf b;
	size_t i;

	v = apply_patch_paths(patch, &cause);
	if (v == NULL) {
		free(cause);
		return xstrdup("apply_patch (invalid patch)");
	}
	buf_init(&b, 0);
	for (i = 0; v[i] != NULL; i++)
		(void)buf_printf(&b, "%s%s", i ? ", " : "", v[i]);
	apply_patch_paths_free(v);
	return tool_buf_take(&b, NULL);
}

/* Every file the patch names is written (a move writes both names). */
static void
ap_effects(const cJSON *args, struct tool_effects *out)
{
	const char *patch = ap_arg(args);
	char **v = NULL, *cause = NULL;
	size_t i;

	out->act.mutating = 1;
	if (patch != NULL && (v = apply_patch_paths(patch, &cause)) != NULL)
		for (i = 0; v[i] != NULL; i++)
			tool_effects_path(out, v[i], 1);
	if (out->act.npaths == 0)
		tool_effects_bad(out, "patch names no file");
	apply_patch_paths_free(v);
	free(cause);
}

const struct tool_entry tool_apply_patch = {
	.name = "apply_patch",
	.description =
	    "Edit files with a patch: *** Begin Patch, then per file '*** Add File: P' "
	    "(+lines), '*** Delete File: P', or '*** Update File: P' [+ '*** Move to: Q'] "
	    "with chunks: '@@ [line to find]', ' ' context, '-' remove, '+' add "
	    "(3 context lines around changes; '*** End of File' anchors at the end); "
	    "*** End Patch. Paths relative to the workspace.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"input\":{\"type\":\"string\",\"description\":\"The whole patch\"},"
	    TOOL_RISK_PROP "},\"required\":[\"input\",\"security_risk\"]}",
	.mutating = 1,
	.exec = ap_exec,
	.preview = ap_preview,
	.summary = ap_summary,
	.kind = TOOL_KIND_EDIT,
	.effects = ap_effects,
};
