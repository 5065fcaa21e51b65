/*
 * input.c: the multi-line message editor and its history.
 *
 * The text is an array of wide characters with a cursor index; keys edit it
 * with readline's bindings (doc/TUI.md lists them).  Enter submits; Ctrl-J
 * and Alt-Enter insert a newline (both survive tmux without extended keys),
 * and a bracketed paste is inserted as text, newlines included, so a paste
 * never sends early (tabs and blank lines kept as pasted).  History is shared across sessions through a file
 * ($XDG_STATE_HOME/cade/history, 0600), one entry per line with newlines
 * and backslashes escaped; it is read once at start and appended to on each
 * submit.  Ctrl-R searches the history backwards as readline does: typing
 * narrows, Ctrl-R again goes to the next older match, Enter or any
 * editing key keeps the match, Esc or Ctrl-C puts back what was there.
 * Layout wraps the text by characters under a "> " prompt and reports
 * where the cursor lands.  No terminal I/O here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wctype.h>

#include "cade/buf.h"
#include "cade/log.h"
#include "cade/util.h"
#include "tui-int.h"

#define INPUT_MAX_CHARS		(1024 * 1024)
#define INPUT_MAX_HISTLINE	(256 * 1024)

struct tui_input {
	wchar_t		*s;
	int		 len;
	int		 cap;
	int		 cur;
	char		*utf8;		/* cache for tui_input_text */
	wchar_t		*kill;
	int		 nkill;
	char		**hist;
	int		 nhist;
	int		 hist_max;
	int		 hist_pos;	/* nhist: the draft */
	char		*draft;
	char		*hist_path;
	int		 goal_col;	/* column kept across Up/Down, -1 none */
	/* Ctrl-R: reverse search in the history */
	int		 searching;
	struct buf	 query;
	int		 found;		/* history index shown, -1 none */
	char		*before;	/* the text to restore on Esc */
};

/* Undo the history file's escaping (\n, \\). */
static char *
input_unescape(const char *s, size_t len)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len) {
			i++;
			buf_putc(&b, s[i] == 'n' ? '\n' : s[i]);
		} else
			buf_putc(&b, s[i]);
	}
	return tui_buf_take(&b, NULL);
}

/* Escape an entry to one line. */
static char *
input_escape(const char *s)
{
	struct buf b;

	buf_init(&b, 0);
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			buf_puts(&b, "\\n");
		else if (*s == '\\')
			buf_puts(&b, "\\\\");
		else if (*s != '\r')
			buf_putc(&b, *s);
	}
	return tui_buf_take(&b, NULL);
}

/* Append to the in-memory history, dropping the oldest past the max. */
static void
input_hist_push(struct tui_input *in, char *entry)
{
	if (in->nhist > 0 && strcmp(in->hist[in->nhist - 1], entry) == 0) {
		free(entry);
		return;
	}
	if (in->nhist == in->hist_max) {
		free(in->hist[0]);
		memmove(in->hist, in->hist + 1, (size_t)(in->nhist - 1) *
		    sizeof *in->hist);
		in->nhist--;
	}
	in->hist[in->nhist++] = entry;
}

/* Rewrite the history file with what is in memory (it grew too long). */
static void
input_hist_rewrite(struct tui_input *in)
{
	char *tmp, *e;
	FILE *f;
	int fd, i;

	tmp = xasprintf("%s.tmp", in->hist_path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL) {
		if (fd != -1)
			close(fd);
		free(tmp);
		return;
	}
	for (i = 0; i < in->nhist; i++) {
		e = input_escape(in->hist[i]);
		fprintf(f, "%s\n", e);
		free(e);
	}
	if (fclose(f) == 0)
		rename(tmp, in->hist_path);
	else
		unlink(tmp);
	free(tmp);
}

/* Read the history file (missing is fine). */
static void
input_hist_load(struct tui_input *in)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long total = 0;

	if ((f = fopen(in->hist_path, "r")) == NULL)
		return;
	while ((n = getline(&line, &cap, f)) > 0) {
		total++;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0 || n > INPUT_MAX_HISTLINE)
			continue;
		input_hist_push(in, input_unescape(line, (size_t)n));
	}
	free(line);
	fclose(f);
	if (total > 2L * in->hist_max)
		input_hist_rewrite(in);
}

/* See tui-int.h. */
struct tui_input *
tui_input_new(const char *history_path, int history_max)
{
	struct tui_input *in = xcalloc(1, sizeof *in);

	in->cap = 64;
	in->s = xreallocarray(NULL, (size_t)in->cap, sizeof *in->s);
	in->s[0] = 0;
	in->hist_max = history_max > 0 ? history_max : 1000;
	in->hist = xreallocarray(NULL, (size_t)in->hist_max, sizeof *in->hist);
	in->goal_col = -1;
	buf_init(&in->query, 4096);
	if (history_path != NULL) {
		in->hist_path = xstrdup(history_path);
		input_hist_load(in);
	}
	in->hist_pos = in->nhist;
	return in;
}

/* See tui-int.h. */
void
tui_input_free(struct tui_input *in)
{
	int i;

	if (in == NULL)
		return;
	for (i = 0; i < in->nhist; i++)
		free(in->hist[i]);
	free(in->hist);
	free(in->s);
	free(in->utf8);
	free(in->kill);
	free(in->draft);
	free(in->hist_path);
	free(in->before);
	buf_free(&in->query);
	free(in);
}

/* The text changed: drop the UTF-8 cache. */
static void
input_changed(struct tui_input *in)
{
	free(in->utf8);
	in->utf8 = NULL;
}

/* Insert wide chars at the cursor. */
static void
input_insw(struct tui_input *in, const wchar_t *w, int n)
{
	if (in->len + n > INPUT_MAX_CHARS)
		n = INPUT_MAX_CHARS - in->len;
	if (n <= 0)
		return;
	if (in->len + n + 1 > in->cap) {
		while (in->len + n + 1 > in->cap)
			in->cap *= 2;
		in->s = xreallocarray(in->s, (size_t)in->cap, sizeof *in->s);
	}
	memmove(in->s + in->cur + n, in->s + in->cur,
	    (size_t)(in->len - in->cur + 1) * sizeof *in->s);
	memcpy(in->s + in->cur, w, (size_t)n * sizeof *w);
	in->len += n;
	in->cur += n;
	input_changed(in);
}

/* Delete [from, to) and optionally keep it for yanking. */
static void
input_del(struct tui_input *in, int from, int to, int kill)
{
	if (from < 0)
		from = 0;
	if (to > in->len)
		to = in->len;
	if (from >= to)
		return;
	if (kill) {
		free(in->kill);
		in->nkill = to - from;
		in->kill = xreallocarray(NULL, (size_t)in->nkill + 1,
		    sizeof *in->kill);
		memcpy(in->kill, in->s + from, (size_t)in->nkill *
		    sizeof *in->kill);
	}
	memmove(in->s + from, in->s + to, (size_t)(in->len - to + 1) *
	    sizeof *in->s);
	in->len -= to - from;
	if (in->cur > to)
		in->cur -= to - from;
	else if (in->cur > from)
		in->cur = from;
	input_changed(in);
}

/* Insert UTF-8 text (a paste): CRLF and CR become LF; tabs stay; other controls go. */
void
tui_input_insert(struct tui_input *in, const char *s, size_t len)
{
	wchar_t *w, *o;
	int n, i, k = 0;

	w = tui_utf8_to_wcs(s, len, &n);
	o = xreallocarray(NULL, (size_t)n * 4 + 1, sizeof *o);
	for (i = 0; i < n; i++) {
		if (w[i] == '\r') {
			o[k++] = '\n';
			if (i + 1 < n && w[i + 1] == '\n')
				i++;
		} else if (w[i] == '\n' || w[i] == '\t' || (w[i] >= 0x20 && w[i] != 0x7f &&
		    !(w[i] >= 0x80 && w[i] < 0xa0)))
			o[k++] = w[i];
	}
	input_insw(in, o, k);
	free(o);
	free(w);
	in->goal_col = -1;
}

/* Start of the logical line holding position i. */
static int
input_bol(const struct tui_input *in, int i)
{
	while (i > 0 && in->s[i - 1] != '\n')
		i--;
	return i;
}

/* End of the logical line holding position i. */
static int
input_eol(const struct tui_input *in, int i)
{
	while (i < in->len && in->s[i] != '\n')
		i++;
	return i;
}

/* Word characters for Alt-B/Alt-F (readline: alphanumerics). */
static int
input_isword(wchar_t c)
{
	return iswalnum((wint_t)c) || c == '_' || c > 0x7f;
}

/* Start of the word before i (readline M-b). */
static int
input_word_back(const struct tui_input *in, int i)
{
	while (i > 0 && !input_isword(in->s[i - 1]))
		i--;
	while (i > 0 && input_isword(in->s[i - 1]))
		i--;
	return i;
}

/* End of the word after i (readline M-f). */
static int
input_word_fwd(const struct tui_input *in, int i)
{
	while (i < in->len && !input_isword(in->s[i]))
		i++;
	while (i < in->len && input_isword(in->s[i]))
		i++;
	return i;
}

/* Replace the whole text (history). */
static void
input_set(struct tui_input *in, const char *text)
{
	in->len = in->cur = 0;
	in->s[0] = 0;
	input_changed(in);
	tui_input_insert(in, text, strlen(text));
}

/* Move to the previous/next history entry; 0 if there is none. */
static int
input_history(struct tui_input *in, int dir)
{
	if (dir < 0) {
		if (in->hist_pos == 0)
			return 0;
		if (in->hist_pos == in->nhist) {
			free(in->draft);
			in->draft = xstrdup(tui_input_text(in));
		}
		in->hist_pos--;
		input_set(in, in->hist[in->hist_pos]);
		return 1;
	}
	if (in->hist_pos >= in->nhist)
		return 0;
	in->hist_pos++;
	input_set(in, in->hist_pos == in->nhist ? (in->draft ? in->draft : "") :
	    in->hist[in->hist_pos]);
	return 1;
}

/* Move the cursor a logical line up or down, keeping the column. */
static int
input_vertical(struct tui_input *in, int dir)
{
	int bol = input_bol(in, in->cur), col, target, tbol, teol;

	col = in->goal_col >= 0 ? in->goal_col : in->cur - bol;
	if (dir < 0) {
		if (bol == 0)
			return 0;
		tbol = input_bol(in, bol - 1);
		teol = bol - 1;
	} else {
		teol = input_eol(in, in->cur);
		if (teol == in->len)
			return 0;
		tbol = teol + 1;
		teol = input_eol(in, tbol);
	}
	target = tbol + col;
	in->cur = target > teol ? teol : target;
	in->goal_col = col;
	return 1;
}

/* The newest history entry older than `from` holding the query; -1 none. */
static int
input_search_from(const struct tui_input *in, int from)
{
	int i;

	if (from >= in->nhist)
		from = in->nhist - 1;
	for (i = from; i >= 0; i--)
		if (strstr(in->hist[i], in->query.len > 0 ? in->query.s : "") !=
		    NULL)
			return i;
	return -1;
}

/* Leave the search; restore the text unless it is kept. */
static void
input_search_end(struct tui_input *in, int keep)
{
	if (!keep && in->before != NULL)
		input_set(in, in->before);
	in->searching = 0;
	free(in->before);
	in->before = NULL;
	buf_reset(&in->query);
	in->hist_pos = in->nhist;
}

/* A key during Ctrl-R: 1 if it was the search's, 0 to handle it as usual. */
static int
input_search_key(struct tui_input *in, const struct tui_key *k)
{
	int c = k->key, from = -1, i;
	char u[8];
	wchar_t wc;
	char *s;

	if (k->mod & ~TUI_MOD_SHIFT) {
		input_search_end(in, 1);
		return 0;
	}
	if (c == TUI_CTRL('r'))
		from = in->found - 1;		/* the next older match */
	else if (c == 0x7f || c == TUI_CTRL('h')) {
		if (in->query.len > 0) {
			/* Drop the last UTF-8 character of the query. */
			i = (int)in->query.len - 1;
			while (i > 0 && (in->query.s[i] & 0xc0) == 0x80)
				i--;
			in->query.len = (size_t)i;
			in->query.s[i] = '\0';
		}
		from = in->nhist - 1;
	} else if (c == 0x1b || c == TUI_CTRL('c') || c == TUI_CTRL('g')) {
		input_search_end(in, 0);
		return 1;
	} else if (c == '\r') {
		input_search_end(in, 1);
		return 1;
	} else if (c >= 0x20 && c < 0x110000 && c != 0x7f) {
		wc = (wchar_t)c;
		s = tui_wcs_to_utf8(&wc, 1);
		snprintf(u, sizeof u, "%s", s);
		free(s);
		buf_puts(&in->query, u);
		from = in->found >= 0 ? in->found : in->nhist - 1;
	} else {
		input_search_end(in, 1);	/* arrows and the like: keep, then act */
		return 0;
	}
	if ((i = input_search_from(in, from)) >= 0) {
		in->found = i;
		input_set(in, in->hist[i]);
	}
	return 1;
}

/* See tui-int.h. */
const char *
tui_input_search(const struct tui_input *in)
{
	return in->searching ? (in->query.len > 0 ? in->query.s : "") : NULL;
}

/*
 * The editor's keys: each is a row of tui_chat_keys (commands.c), which
 * binds its key codes to one of these.
 */

/* Enter: send (an empty message is not sent). */
enum tui_input_result
tui_edit_enter(struct tui_input *in, const struct tui_key *k)
{
	(void)k;
	return in->len == 0 ? INPUT_CHANGED : INPUT_SUBMIT;
}

/* Ctrl-J, Alt-Enter: a newline in the message. */
enum tui_input_result
tui_edit_newline(struct tui_input *in, const struct tui_key *k)
{
	wchar_t wc = '\n';

	(void)k;
	input_insw(in, &wc, 1);
	in->goal_col = -1;
	return INPUT_CHANGED;
}

/* Up / Down: a line up or down; at the first or last line, history. */
enum tui_input_result
tui_edit_vertical(struct tui_input *in, const struct tui_key *k)
{
	int dir = k->key == TUI_KEY_UP ? -1 : 1;

	if (input_vertical(in, dir))
		return INPUT_CHANGED;
	in->goal_col = -1;
	return input_history(in, dir) ? INPUT_CHANGED : INPUT_HISTORY_EDGE;
}

/* Left / Right, Ctrl-B / Ctrl-F: a character. */
enum tui_input_result
tui_edit_char(struct tui_input *in, const struct tui_key *k)
{
	if (k->key == TUI_KEY_LEFT || k->key == TUI_CTRL('b')) {
		if (in->cur > 0)
			in->cur--;
	} else if (in->cur < in->len)
		in->cur++;
	in->goal_col = -1;
	return INPUT_CHANGED;
}

/* Ctrl-A / Ctrl-E: start or end of the line. */
enum tui_input_result
tui_edit_line(struct tui_input *in, const struct tui_key *k)
{
	in->cur = k->key == TUI_CTRL('a') ? input_bol(in, in->cur) :
	    input_eol(in, in->cur);
	in->goal_col = -1;
	return INPUT_CHANGED;
}

/* Alt-B / Alt-F, Alt- or Ctrl-Left / Right: a word. */
enum tui_input_result
tui_edit_word(struct tui_input *in, const struct tui_key *k)
{
	int c = k->key;

	in->cur = c == 'b' || c == 'B' || c == TUI_KEY_LEFT ?
	    input_word_back(in, in->cur) : input_word_fwd(in, in->cur);
	in->goal_col = -1;
	return INPUT_CHANGED;
}

/* Ctrl-K / Ctrl-U: delete to the end (or the newline) / the start. */
enum tui_input_result
tui_edit_kill(struct tui_input *in, const struct tui_key *k)
{
	if (k->key == TUI_CTRL('u'))
		input_del(in, input_bol(in, in->cur), in->cur, 1);
	else if (in->cur < in->len && in->s[in->cur] == '\n')
		input_del(in, in->cur, in->cur + 1, 1);
	else
		input_del(in, in->cur, input_eol(in, in->cur), 1);
	in->goal_col = -1;
	return INPUT_CHANGED;
}

/* Ctrl-W (readline's unix-word-rubout: back to whitespace), Alt-Backspace
 * (a word back) / Alt-D (a word on). */
enum tui_input_result
tui_edit_rubout(struct tui_input *in, const struct tui_key *k)
{
	int i = in->cur;

	if (k->key == 'd' || k->key == 'D')
		input_del(in, in->cur, input_word_fwd(in, in->cur), 1);
	else if (k->key != TUI_CTRL('w'))
		input_del(in, input_word_back(in, in->cur), in->cur, 1);
	else {
		while (i > 0 && (in->s[i - 1] == ' ' || in->s[i - 1] == '\n'))
			i--;
		while (i > 0 && in->s[i - 1] != ' ' && in->s[i - 1] != '\n')
			i--;
		input_del(in, i, in->cur, 1);
	}
	in->goal_col = -1;
	return INPUT_CHANGED;
}

/* Ctrl-Y: what was deleted last. */
enum tui_input_result
tui_edit_yank(struct tui_input *in, const struct tui_key *k)
{
	(void)k;
	if (in->kill != NULL)
		input_insw(in, in->kill, in->nkill);
	in->goal_col = -1;
	return INPUT_CHANGED;
}

/* Backspace, Delete, Ctrl-D (on an empty line: the caller's, to quit). */
enum tui_input_result
tui_edit_delete(struct tui_input *in, const struct tui_key *k)
{
	if (k->key == TUI_CTRL('d') && in->len == 0)
		return INPUT_NONE;
	if (k->key == 0x7f || k->key == TUI_CTRL('h'))
		input_del(in, in->cur - 1, in->cur, 0);
	else
		input_del(in, in->cur, in->cur + 1, 0);
	in->goal_col = -1;
	return INPUT_CHANGED;
}

/* Ctrl-T: swap the characters around the cursor. */
enum tui_input_result
tui_edit_swap(struct tui_input *in, const struct tui_key *k)
{
	wchar_t wc;
	int a;

	(void)k;
	if (in->cur > 0 && in->len >= 2) {
		a = in->cur == in->len ? in->cur - 2 : in->cur - 1;
		wc = in->s[a];
		in->s[a] = in->s[a + 1];
		in->s[a + 1] = wc;
		in->cur = a + 2;
		input_changed(in);
	}
	in->goal_col = -1;
	return INPUT_CHANGED;
}

/* Ctrl-R: search the history backwards (input_search_key has the keys). */
enum tui_input_result
tui_edit_search(struct tui_input *in, const struct tui_key *k)
{
	(void)k;
	in->searching = 1;
	in->found = in->nhist;
	free(in->before);
	in->before = xstrdup(tui_input_text(in));
	buf_reset(&in->query);
	return INPUT_CHANGED;
}

/* Apply a key; the caller handles what returns INPUT_NONE. */
enum tui_input_result
tui_input_key(struct tui_input *in, const struct tui_key *k)
{
	const struct tui_help_key *row;
	int c = k->key;
	wchar_t wc;

	if (in->searching && input_search_key(in, k))
		return INPUT_CHANGED;
	if (c == TUI_KEY_PASTE) {
		tui_input_insert(in, k->text, k->len);
		return INPUT_CHANGED;
	}
	row = tui_key_row(tui_chat_keys, tui_chat_keys_size, k);
	if (row != NULL)
		return row->edit != NULL ? row->edit(in, k) : INPUT_NONE;
	/* No row: a character typed is text. */
	if ((k->mod & ~TUI_MOD_SHIFT) == 0 && c >= 0x20 && c < 0x110000 &&
	    c != 0x7f && !(c >= 0x80 && c < 0xa0)) {
		wc = (wchar_t)c;
		input_insw(in, &wc, 1);
		in->goal_col = -1;
		return INPUT_CHANGED;
	}
	return INPUT_NONE;
}

/* See tui-int.h. */
const char *
tui_input_text(const struct tui_input *in_c)
{
	struct tui_input *in = (struct tui_input *)in_c;

	if (in->utf8 == NULL)
		in->utf8 = tui_wcs_to_utf8(in->s, in->len);
	return in->utf8;
}

/* Start of the run of non-blank characters that ends at the cursor. */
static int
input_word_start(const struct tui_input *in)
{
	int i = in->cur;

	while (i > 0 && !iswspace((wint_t)in->s[i - 1]))
		i--;
	return i;
}

/* See tui-int.h. */
char *
tui_input_word(const struct tui_input *in)
{
	int from = input_word_start(in);

	return tui_wcs_to_utf8(in->s + from, in->cur - from);
}

/* See tui-int.h. */
void
tui_input_replace_word(struct tui_input *in, const char *utf8)
{
	input_del(in, input_word_start(in), in->cur, 0);
	tui_input_insert(in, utf8, strlen(utf8));
}

/* See tui-int.h. */
int
tui_input_empty(const struct tui_input *in)
{
	return in->len == 0;
}

/* See tui-int.h. */
void
tui_input_clear(struct tui_input *in)
{
	in->len = in->cur = 0;
	in->s[0] = 0;
	in->goal_col = -1;
	in->hist_pos = in->nhist;
	input_changed(in);
}

/* Take the text and remember it in the history (memory and file). */
char *
tui_input_take(struct tui_input *in)
{
	char *text = xstrdup(tui_input_text(in)), *e;
	int fd;

	tui_input_clear(in);
	free(in->draft);
	in->draft = NULL;
	if (*text == '\0')
		return text;
	input_hist_push(in, xstrdup(text));
	in->hist_pos = in->nhist;
	if (in->hist_path != NULL) {
		e = input_escape(text);
		fd = open(in->hist_path, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0600);
		if (fd == -1 || util_write_all(fd, e, strlen(e)) == -1 ||
		    util_write_all(fd, "\n", 1) == -1)
			log_debug("cannot write history '%s': %s",
			    in->hist_path, strerror(errno));
		if (fd != -1)
			close(fd);
		free(e);
	}
	return text;
}

/* Lay the text out under the prompt, wrapping by characters. */
void
tui_input_layout(struct tui_input *in, int width, struct tui_lines *out,
    int *cur_row, int *cur_col)
{
	struct tui_line *l, *sl = NULL;
	int i, cw, row = 0, text_w;
	const char *prompt = "> ";

	if (width < 4)
		width = 4;
	text_w = width - 2;
	if (in->searching) {
		/* The search line above the text, the cursor at its end. */
		l = tui_lines_add(out, ROLE_INPUT, -1);
		tui_line_puts(l, "history search (C-r older, Esc back): ",
		    ROLE_INPUT_PROMPT);
		tui_line_puts(l, in->query.len > 0 ? in->query.s : "", ROLE_INPUT);
		sl = l;
		row = 1;
	}
	l = tui_lines_add(out, ROLE_INPUT, -1);
	tui_line_puts(l, prompt, ROLE_INPUT_PROMPT);
	*cur_row = row;
	*cur_col = 2;
	for (i = 0; i <= in->len; i++) {
		if (i == in->cur) {
			if (l->width >= width) {
				l = tui_lines_add(out, ROLE_INPUT, -1);
				tui_line_puts(l, "  ", ROLE_INPUT);
				row++;
			}
			*cur_row = row;
			*cur_col = l->width;
		}
		if (i == in->len)
			break;
		if (in->s[i] == '\n') {
			l = tui_lines_add(out, ROLE_INPUT, -1);
			tui_line_puts(l, "  ", ROLE_INPUT);
			row++;
			continue;
		}
		if (in->s[i] == '\t') {
			/* Shown as spaces to the next multiple of 4; kept as a tab. */
			cw = 4 - (l->width - 2) % 4;
			if (l->width - 2 + cw > text_w)
				cw = text_w - (l->width - 2);
			while (cw-- > 0)
				tui_line_putw(l, ' ', ROLE_INPUT);
			continue;
		}
		cw = tui_wcwidth(in->s[i]);
		if (l->width - 2 + cw > text_w) {
			l = tui_lines_add(out, ROLE_INPUT, -1);
			tui_line_puts(l, "  ", ROLE_INPUT);
			row++;
		}
		tui_line_putw(l, in->s[i], ROLE_INPUT);
	}
	if (sl != NULL) {
		*cur_row = 0;
		*cur_col = sl->width < width ? sl->width : width - 1;
	}
}
