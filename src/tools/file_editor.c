/*
 * file_editor.c: the file_editor tool (view, create, str_replace, insert,
 * undo_edit), the editing interface OpenHands and Anthropic models know.
 *
 * Every mutating command is computed first as a struct fe_change (old and
 * new content of one file) without touching the disk; exec() then writes it
 * atomically (tool_write_atomic: temporary file + rename, mode kept), pushes
 * the old content on the session's undo history and reports a unified diff
 * in result.diff and a numbered snippet of the edited region to the model.
 * preview() computes the same change and returns only the diff, which is
 * what the confirmation prompt shows.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "diff.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"

#include "tools-int.h"

#define FE_SNIPPET	4	/* lines shown around an edit */
#define FE_DIR_ENTRIES	100	/* per directory in a directory view */
#define FE_DIFF_MAX	(1024 * 1024)

struct fe_change {
	char	*host;
	char	*shown;		/* the path as the model sees it */
	char	*old;
	size_t	 oldlen;
	int	 existed;
	int	 mode;		/* of the existing file, or -1 */
	char	*new_;		/* NULL: delete the file (undo of a create) */
	size_t	 newlen;
	long	 first;		/* edited lines in the new text, 1-based; 0: none */
	long	 last;
	char	*note;		/* first line of the model's message */
};

static void
fe_change_free(struct fe_change *c)
{
	free(c->host);
	free(c->shown);
	free(c->old);
	free(c->new_);
	free(c->note);
}

/* 1-based line number of byte offset off in s. */
static long
fe_line_of(const char *s, size_t off)
{
	long n = 1;
	size_t i;

	for (i = 0; i < off; i++)
		n += s[i] == '\n';
	return n;
}

/* Number of lines of s (a final line without '\n' counts). */
static long
fe_count_lines(const char *s, size_t len)
{
	/* The newlines, and one for a last line without its own. */
	return fe_line_of(s, len) - 1 + (len > 0 && s[len - 1] != '\n');
}

/* The edited lines of c: from first, as many as text has (at least one). */
static void
fe_span(struct fe_change *c, long first, const char *text, size_t len)
{
	c->first = first;
	c->last = first + fe_count_lines(text, len) - 1;
	if (c->last < c->first)
		c->last = c->first;
}

/* Byte offset of the start of 1-based line n (len if past the end). */
static size_t
fe_line_start(const char *s, size_t len, long n)
{
	size_t i = 0;

	while (n > 1 && i < len) {
		if (s[i++] == '\n')
			n--;
	}
	return i;
}

/*
 * Append lines [from, to] of s, numbered like cat -n, to b, stopping before
 * b passes limit; returns the last line written.  A line longer than the
 * whole limit is cut; *lcut (may be NULL) gets the bytes cut from it.
 */
static long
fe_number(struct buf *b, const char *s, size_t len, long from, long to, size_t limit,
    size_t *lcut)
{
	size_t off = fe_line_start(s, len, from), end;
	char *clean;
	size_t clen;
	long n;

	if (lcut != NULL)
		*lcut = 0;
	for (n = from; n <= to && off < len; n++) {
		const char *nl = memchr(s + off, '\n', len - off);

		end = nl != NULL ? (size_t)(nl - s) : len;
		clean = util_utf8_sanitize(s + off, end - off, &clen);
		if (limit != 0 && b->len + clen + 8 > limit && n > from) {
			free(clean);
			return n - 1;
		}
		(void)buf_printf(b, "%6ld\t", n);
		if (limit != 0 && b->len + clen > limit) {
			/* One line longer than the whole cap (minified code): cut it. */
			size_t keep = limit > b->len ? limit - b->len : 0;

			while (keep > 0 && ((unsigned char)clean[keep] & 0xc0) == 0x80)
				keep--;
			(void)buf_append(b, clean, keep);
			(void)buf_printf(b, " [line %ld cut: %zu of its %zu bytes shown]\n",
			    n, keep, clen);
			if (lcut != NULL)
				*lcut = end - off - keep;
			free(clean);
			return n;
		}
		(void)buf_append(b, clean, clen);
		(void)buf_putc(b, '\n');
		free(clean);
		off = nl != NULL ? end + 1 : len;
	}
	return n - 1;
}

/* Read the target of an edit: must exist, be text; -1 with *err. */
static int
fe_load(struct fe_change *c, char **err)
{
	struct stat st;
	char *cause = NULL;

	if (stat(c->host, &st) == -1) {
		*err = xasprintf("%s does not exist%s", c->shown,
		    errno == ENOENT ? "; use create to make a new file" : "");
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		*err = xasprintf("%s is a directory", c->shown);
		return -1;
	}
	if (tool_read_file(c->host, c->shown, TOOL_FILE_MAX, &c->old, &c->oldlen, &cause) == -1) {
		*err = xasprintf("cannot read %s: %s", c->shown, cause);
		free(cause);
		return -1;
	}
	if (tool_is_binary(c->old, c->oldlen)) {
		*err = xasprintf("%s is a binary file; file_editor edits text only",
		    c->shown);
		return -1;
	}
	c->existed = 1;
	c->mode = (int)(st.st_mode & 07777);
	return 0;
}

/* Line numbers where each occurrence of needle starts (overlaps count). */
static long
fe_occurrences(const char *hay, size_t haylen, const char *needle, struct buf *lines,
    size_t *first_off)
{
	size_t nlen = strlen(needle), off = 0;
	const char *p;
	long count = 0;

	while (off + nlen <= haylen &&
	    (p = memmem(hay + off, haylen - off, needle, nlen)) != NULL) {
		if (count == 0)
			*first_off = (size_t)(p - hay);
		if (count < 20)
			(void)buf_printf(lines, "%s%ld", count ? ", " : "",
			    fe_line_of(hay, (size_t)(p - hay)));
		else if (count == 20)
			(void)buf_puts(lines, ", ...");
		count++;
		off = (size_t)(p - hay) + 1;
	}
	return count;
}

/* Why old_str was not found: where its first line appears, ignoring indentation. */
static char *
fe_not_found(const struct fe_change *c, const char *old_str)
{
	const char *s = old_str, *e;
	char *first = NULL, *t, *line;
	struct buf where;
	long n = 1, hits = 0;
	size_t off = 0;

	while (*s == '\n' || *s == '\r' || *s == ' ' || *s == '\t')
		s++;
	e = strchr(s, '\n');
	first = e != NULL ? xstrndup(s, (size_t)(e - s)) : xstrdup(s);
	t = util_trim(first);
	buf_init(&where, 0);
	while (*t != '\0' && off < c->oldlen) {
		const char *nl = memchr(c->old + off, '\n', c->oldlen - off);
		size_t end = nl != NULL ? (size_t)(nl - c->old) : c->oldlen;

		line = xstrndup(c->old + off, end - off);
		if (strcmp(util_trim(line), t) == 0 && hits++ < 5)
			(void)buf_printf(&where, "%s%ld", hits > 1 ? ", " : "", n);
		free(line);
		off = end + 1;
		n++;
	}
	free(first);
	if (hits > 0) {
		line = xasprintf("old_str not found in %s. Its first line occurs "
		    "(ignoring indentation) at line %s; view the file there and copy the "
		    "text exactly, whitespace included.", c->shown, where.s);
	} else
		line = xasprintf("old_str not found in %s; view the file and copy the "
		    "text exactly, whitespace included.", c->shown);
	buf_free(&where);
	return line;
}

/* Build a str_replace change; -1 with *err. */
static int
fe_str_replace(struct fe_change *c, const cJSON *args, char **err)
{
	const char *old_str = tool_arg_str(args, "old_str");
	const char *new_str = tool_arg_str(args, "new_str");
	struct buf lines;
	size_t at = 0, nlen, olen;
	long count;

	if (old_str == NULL || *old_str == '\0') {
		*err = xstrdup("str_replace needs a non-empty 'old_str'");
		return -1;
	}
	if (new_str == NULL)
		new_str = "";
	if (strcmp(old_str, new_str) == 0) {
		*err = xstrdup("old_str and new_str are identical; nothing to change");
		return -1;
	}
	if (fe_load(c, err) == -1)
		return -1;
	buf_init(&lines, 0);
	count = fe_occurrences(c->old, c->oldlen, old_str, &lines, &at);
	if (count == 0) {
		buf_free(&lines);
		*err = fe_not_found(c, old_str);
		return -1;
	}
	if (count > 1) {
		*err = xasprintf("old_str found %ld times in %s (lines %s); include more "
		    "surrounding lines to make it unique.", count, c->shown, lines.s);
		buf_free(&lines);
		return -1;
	}
	buf_free(&lines);
	olen = strlen(old_str);
	nlen = strlen(new_str);
	c->newlen = c->oldlen - olen + nlen;
	c->new_ = xmalloc(c->newlen + 1);
	memcpy(c->new_, c->old, at);
	memcpy(c->new_ + at, new_str, nlen);
	memcpy(c->new_ + at + nlen, c->old + at + olen, c->oldlen - at - olen);
	c->new_[c->newlen] = '\0';
	fe_span(c, fe_line_of(c->new_, at), new_str, nlen);
	return 0;
}

/* Build an insert change; -1 with *err. */
static int
fe_insert(struct fe_change *c, const cJSON *args, char **err)
{
	const char *new_str = tool_arg_str(args, "new_str");
	long line, nlines;
	size_t off, nlen;
	struct buf b;
	int rc;

	rc = tool_arg_int(args, "insert_line", -1, &line);
	if (rc == 1) {
		*err = xstrdup("insert needs 'insert_line': the line after which to "
		    "insert (0 for the top of the file)");
		return -1;
	}
	if (rc == -1) {
		*err = xstrdup("insert_line must be a whole number: the line after "
		    "which to insert (0 for the top of the file)");
		return -1;
	}
	if (line < 0) {
		*err = xasprintf("insert_line %ld is out of range: it is the line "
		    "after which to insert, 0 (the top of the file) or more", line);
		return -1;
	}
	if (new_str == NULL) {
		*err = xstrdup("insert needs 'new_str': the text to insert");
		return -1;
	}
	if (fe_load(c, err) == -1)
		return -1;
	nlines = fe_count_lines(c->old, c->oldlen);
	if (line > nlines) {
		*err = xasprintf("insert_line %ld is past the end of %s, which has %ld "
		    "lines", line, c->shown, nlines);
		return -1;
	}
	off = fe_line_start(c->old, c->oldlen, line + 1);
	nlen = strlen(new_str);
	buf_init(&b, 0);
	(void)buf_append(&b, c->old, off);
	if (off > 0 && c->old[off - 1] != '\n')
		(void)buf_putc(&b, '\n');
	(void)buf_append(&b, new_str, nlen);
	if (nlen == 0 || new_str[nlen - 1] != '\n')
		(void)buf_putc(&b, '\n');
	(void)buf_append(&b, c->old + off, c->oldlen - off);
	c->new_ = buf_detach(&b, &c->newlen);
	buf_free(&b);
	fe_span(c, line + 1, new_str, nlen);
	return 0;
}

/* Build a create change; -1 with *err. */
static int
fe_create(struct fe_change *c, const cJSON *args, char **err)
{
	const char *text = tool_arg_str(args, "file_text");
	struct stat st;
	char *cause = NULL;

	if (text == NULL) {
		*err = xstrdup("create needs 'file_text': the content of the file");
		return -1;
	}
	if (stat(c->host, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			*err = xasprintf("%s is a directory", c->shown);
			return -1;
		}
		if (tool_read_file(c->host, c->shown, TOOL_FILE_MAX, &c->old, &c->oldlen, &cause) == -1) {
			*err = xasprintf("cannot overwrite %s: %s", c->shown, cause);
			free(cause);
			return -1;
		}
		c->existed = 1;
		c->mode = (int)(st.st_mode & 07777);
	}
	c->new_ = xstrdup(text);
	c->newlen = strlen(text);
	return 0;
}

/* Build the undo of the last edit (peek: leave the history alone); -1 with *err. */
static int
fe_undo(struct tool_ctx *ctx, struct fe_change *c, int peek, char **err)
{
	struct stat st;
	const char *saved;
	mode_t mode = 0;
	char *data = NULL, *cause = NULL;
	size_t len;
	int existed, rc;

	if (ctx->state == NULL)
		rc = -1;
	else if (peek) {
		rc = tool_state_peek_undo(ctx->state, c->host, &saved, &len, &existed);
		if (rc == 0)
			data = xstrndup(saved, len);
	} else
		rc = tool_state_pop_undo(ctx->state, c->host, &data, &len, &existed, &mode);
	if (rc == -1) {
		*err = xasprintf("no edit of %s to undo", c->shown);
		return -1;
	}
	if (stat(c->host, &st) == 0 &&
	    tool_read_file(c->host, c->shown, TOOL_FILE_MAX, &c->old, &c->oldlen, &cause) == 0)
		c->existed = 1;
	free(cause);
	if (existed) {
		c->new_ = data;
		c->newlen = len;
		c->mode = peek ? -1 : (int)mode;
	} else
		free(data);	/* the edit created the file: undo deletes it */
	return 0;
}

/* Resolve the path and compute a mutating command's change; -1 with *err. */
static int
fe_plan(struct tool_ctx *ctx, const cJSON *args, const char *cmd, int peek,
    struct fe_change *c, char **err)
{
	const char *path = tool_arg_str(args, "path");
	char *cause = NULL;

	memset(c, 0, sizeof *c);
	c->mode = -1;
	if (path == NULL) {
		*err = xstrdup("missing required parameter 'path'");
		return -1;
	}
	c->host = tool_resolve_path(ctx->ws, path, &cause);
	if (c->host == NULL) {
		*err = cause;
		return -1;
	}
	c->shown = tool_model_path(ctx->ws->root, ctx->ws->model_root, c->host);
	if (strcmp(cmd, "create") == 0)
		return fe_create(c, args, err);
	if (strcmp(cmd, "str_replace") == 0)
		return fe_str_replace(c, args, err);
	if (strcmp(cmd, "insert") == 0)
		return fe_insert(c, args, err);
	if (strcmp(cmd, "undo_edit") == 0)
		return fe_undo(ctx, c, peek, err);
	*err = xasprintf("unknown command '%s'; use view, create, str_replace, insert "
	    "or undo_edit", cmd);
	return -1;
}

/* The unified diff of a change, labelled with the path relative to the root. */
static char *
fe_diff(const struct fe_change *c, const char *root)
{
	char *a, *b, *d, *rel = tool_rel_path(root, c->host);

	a = c->existed ? xasprintf("a/%s", rel) : xstrdup("/dev/null");
	b = c->new_ != NULL ? xasprintf("b/%s", rel) : xstrdup("/dev/null");
	d = diff_unified(c->old != NULL ? c->old : "", c->oldlen,
	    c->new_ != NULL ? c->new_ : "", c->newlen, a, b, 3, FE_DIFF_MAX);
	free(a);
	free(b);
	free(rel);
	return d;
}

/* Append a directory listing, two levels, hidden entries skipped. */
static void
fe_list_dir(struct buf *b, const char *host, int depth, size_t limit)
{
	struct dirent *de;
	char **names = NULL, *child;
	size_t n = 0, i;
	struct stat st;
	DIR *d;

	if ((d = opendir(host)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	for (i = 0; i + 1 < n; i++) {	/* insertion sort: directories are small */
		size_t j = i + 1;
		char *t = names[j];

		while (j > 0 && strcmp(names[j - 1], t) > 0) {
			names[j] = names[j - 1];
			j--;
		}
		names[j] = t;
	}
	for (i = 0; i < n; i++) {
		if (i == FE_DIR_ENTRIES) {
			(void)buf_printf(b, "%*s... %zu more entries\n", depth * 2, "",
			    n - i);
			break;
		}
		if (limit != 0 && b->len > limit)
			break;
		child = xasprintf("%s/%s", host, names[i]);
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode)) {
			(void)buf_printf(b, "%*s%s/\n", depth * 2, "", names[i]);
			if (depth == 0)
				fe_list_dir(b, child, 1, limit);
		} else if (S_ISLNK(st.st_mode))
			(void)buf_printf(b, "%*s%s@\n", depth * 2, "", names[i]);
		else
			(void)buf_printf(b, "%*s%s\n", depth * 2, "", names[i]);
		free(child);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The view command. */
static struct tool_result *
fe_view(struct tool_ctx *ctx, const cJSON *args)
{
	const char *path = tool_arg_str(args, "path");
	const cJSON *range = cJSON_GetObjectItemCaseSensitive(args, "view_range");
	struct tool_result *r;
	struct stat st;
	struct buf b;
	char *host, *shown, *cause = NULL, *data = NULL;
	size_t len, limit = tool_output_limit(ctx->cfg), lcut = 0;
	long from = 1, to = -1, nlines, last;

	if (path == NULL)
		return tool_result_error("missing required parameter 'path'");
	if ((host = tool_resolve_path(ctx->ws, path, &cause)) == NULL) {
		r = tool_result_error("%s", cause);
		free(cause);
		return r;
	}
	shown = tool_model_path(ctx->ws->root, ctx->ws->model_root, host);
	r = tool_result_new();
	buf_init(&b, 0);
	if (stat(host, &st) == -1) {
		r->is_error = 1;
		(void)buf_printf(&b, "%s does not exist", shown);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		(void)buf_printf(&b, "%s/ (two levels, hidden entries skipped):\n", shown);
		fe_list_dir(&b, host, 0, limit);
		if (b.len > limit) {
			buf_truncate(&b, limit);
			while (b.len > 0 && b.s[b.len - 1] != '\n')
				buf_truncate(&b, b.len - 1);
			(void)buf_puts(&b, "[listing truncated; view a subdirectory]\n");
			r->truncated = 1;
		}
		goto out;
	}
	if (tool_read_file(host, shown, TOOL_FILE_MAX, &data, &len, &cause) == -1) {
		r->is_error = 1;
		(void)buf_printf(&b, "cannot read %s: %s", shown, cause);
		free(cause);
		goto out;
	}
	if (tool_is_binary(data, len)) {
		r->is_error = 1;
		(void)buf_printf(&b, "%s is a binary file (%zu bytes); it cannot be viewed "
		    "as text", shown, len);
		goto out;
	}
	nlines = fe_count_lines(data, len);
	if (range != NULL && !cJSON_IsNull(range)) {
		const cJSON *a = cJSON_GetArrayItem(range, 0), *z = cJSON_GetArrayItem(range, 1);

		if (!cJSON_IsArray(range) || cJSON_GetArraySize(range) != 2 ||
		    !cJSON_IsNumber(a) || !cJSON_IsNumber(z)) {
			r->is_error = 1;
			(void)buf_puts(&b, "view_range must be [start, end] (1-based; end -1 "
			    "for the end of the file)");
			goto out;
		}
		from = (long)a->valuedouble;
		to = (long)z->valuedouble;
		if (from < 1 || (from > nlines && nlines > 0) || (to != -1 && to < from)) {
			r->is_error = 1;
			(void)buf_printf(&b, "invalid view_range [%ld, %ld]: %s has %ld lines",
			    from, to, shown, nlines);
			goto out;
		}
	}
	if (to == -1 || to > nlines)
		to = nlines;
	if (nlines == 0) {
		(void)buf_printf(&b, "%s is empty\n", shown);
		goto out;
	}
	last = fe_number(&b, data, len, from, to, limit, &lcut);
	if (last < to || lcut > 0) {
		size_t shown_to = fe_line_start(data, len, last + 1);
		size_t cut = fe_line_start(data, len, to + 1) - shown_to + lcut;

		r->truncated = 1;
		(void)buf_printf(&b, "[output truncated: showed lines %ld-%ld of %ld; "
		    "%zu bytes not shown; use view_range to see the rest]\n", from, last,
		    nlines, cut);
	}
out:
	r->text = buf_detach(&b, NULL);
	buf_free(&b);
	free(data);
	free(host);
	free(shown);
	return r;
}

/* The message for the model after an edit. */
static char *
fe_message(const char *cmd, const struct fe_change *c, size_t limit)
{
	struct buf b;
	long nlines, from, to;

	buf_init(&b, 0);
	if (strcmp(cmd, "create") == 0) {
		nlines = fe_count_lines(c->new_, c->newlen);
		(void)buf_printf(&b, c->existed ? "Overwrote %s (%ld line%s; undo_edit "
		    "restores the old content).\n" : "Created %s (%ld line%s).\n", c->shown,
		    nlines, nlines == 1 ? "" : "s");
		return tool_buf_take(&b, NULL);
	}
	if (strcmp(cmd, "undo_edit") == 0) {
		if (c->new_ == NULL)
			(void)buf_printf(&b, "Undid the creation of %s: the file is "
			    "removed.\n", c->shown);
		else
			(void)buf_printf(&b, "Undid the last edit of %s.\n", c->shown);
		return tool_buf_take(&b, NULL);
	}
	nlines = fe_count_lines(c->new_, c->newlen);
	from = c->first - FE_SNIPPET < 1 ? 1 : c->first - FE_SNIPPET;
	to = c->last + FE_SNIPPET > nlines ? nlines : c->last + FE_SNIPPET;
	(void)buf_printf(&b, "Edited %s. Lines %ld-%ld now read:\n", c->shown, from, to);
	(void)fe_number(&b, c->new_, c->newlen, from, to, limit, NULL);
	(void)buf_puts(&b, "Check the edit is as intended (indentation, duplicates); "
	    "undo_edit reverts it.\n");
	return tool_buf_take(&b, NULL);
}

static void
fe_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done, void *arg)
{
	const char *cmd = tool_arg_str(args, "command");
	struct fe_change c;
	struct tool_result *r;
	char *err = NULL, *cause = NULL;
	int rc;

	if (cmd == NULL) {
		done(tool_result_error("missing required parameter 'command'"), arg);
		return;
	}
	if (strcmp(cmd, "view") == 0) {
		done(fe_view(ctx, args), arg);
		return;
	}
	if (fe_plan(ctx, args, cmd, 0, &c, &err) == -1) {
		fe_change_free(&c);
		done(tool_result_error("%s", err), arg);
		free(err);
		return;
	}
	if (c.new_ != NULL)
		rc = tool_write_atomic(c.host, c.shown, c.new_, c.newlen, c.mode, &cause);
	else if ((rc = unlink(c.host)) == -1)
		cause = xasprintf("cannot remove '%s': %s", c.shown, strerror(errno));
	if (rc == -1) {
		r = tool_result_error("%s", cause);
		free(cause);
		fe_change_free(&c);
		done(r, arg);
		return;
	}
	if (strcmp(cmd, "undo_edit") != 0 && ctx->state != NULL)
		tool_state_push_undo(ctx->state, c.host, c.old != NULL ? c.old : "",
		    c.oldlen, c.existed, c.mode >= 0 ? (mode_t)c.mode : 0);
	r = tool_result_new();
	r->text = fe_message(cmd, &c, tool_output_limit(ctx->cfg));
	r->diff = fe_diff(&c, ctx->ws->root);
	fe_change_free(&c);
	done(r, arg);
}

/* The diff an edit would make; NULL for view. */
static char *
fe_preview(struct tool_ctx *ctx, const cJSON *args)
{
	const char *cmd = tool_arg_str(args, "command");
	struct fe_change c;
	char *err = NULL, *d;

	if (cmd == NULL || strcmp(cmd, "view") == 0)
		return NULL;
	if (fe_plan(ctx, args, cmd, 1, &c, &err) == -1) {
		fe_change_free(&c);
		d = xasprintf("(this edit will fail: %s)", err);
		free(err);
		return d;
	}
	d = fe_diff(&c, ctx->ws->root);
	fe_change_free(&c);
	return d != NULL ? d : xstrdup("(no change)");
}

static char *
fe_summary(const cJSON *args)
{
	const char *cmd = tool_arg_str(args, "command");
	const char *path = tool_arg_str(args, "path");

	return xasprintf("%s %s", cmd != NULL ? cmd : "?", path != NULL ? path : "?");
}

/* view reads path; the other commands write it. */
static void
fe_effects(const cJSON *args, struct tool_effects *out)
{
	static const char *const writes[] = {
		"create", "str_replace", "insert", "undo_edit"
	};
	const char *cmd = tool_arg_str(args, "command");
	const char *path = tool_arg_str(args, "path");
	size_t i;

	if (cmd == NULL || path == NULL) {
		tool_effects_bad(out, "file_editor call without command or path");
		return;
	}
	if (strcmp(cmd, "view") == 0) {
		tool_effects_path(out, path, 0);
		return;
	}
	for (i = 0; i < nitems(writes); i++) {
		if (strcmp(cmd, writes[i]) == 0) {
			tool_effects_path(out, path, 1);
			return;
		}
	}
	tool_effects_bad(out, "unknown file_editor command '%.40s'", cmd);
}

const struct tool_entry tool_file_editor = {
	.name = "file_editor",
	.description = "View and edit files. view: a file with line numbers (view_range "
	    "[start,end], end -1 = to the end) or a directory two levels deep. create: "
	    "write file_text to a new file (overwrites). str_replace: replace old_str, "
	    "which must match exactly once (whitespace included), with new_str. "
	    "insert: insert new_str after line insert_line (0 = top). undo_edit: "
	    "revert the last edit of path. Paths are absolute or relative to the "
	    "workspace.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"command\":{\"type\":\"string\",\"enum\":[\"view\",\"create\",\"str_replace\","
	    "\"insert\",\"undo_edit\"]},"
	    "\"path\":{\"type\":\"string\"},"
	    "\"file_text\":{\"type\":\"string\"},"
	    "\"old_str\":{\"type\":\"string\"},"
	    "\"new_str\":{\"type\":\"string\"},"
	    "\"insert_line\":{\"type\":\"integer\"},"
	    "\"view_range\":{\"type\":\"array\",\"items\":{\"type\":\"integer\"}},"
	    TOOL_RISK_PROP "},\"required\":[\"command\",\"path\",\"security_risk\"]}",
	.mutating = 1,
	.exec = fe_exec,
	.preview = fe_preview,
	.summary = fe_summary,
	.kind = TOOL_KIND_EDIT,
	.effects = fe_effects,
};
