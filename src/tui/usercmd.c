/*
 * usercmd.c: the person's own slash commands, Markdown files in
 * .cade/commands/ (the project's) and ~/.config/cade/commands/ (theirs).
 *
 * review.md becomes /review.  An optional front matter block ("---" lines
 * around "key: value" lines) gives `description:` for /help and completion;
 * the rest is the prompt.  On use, `$ARGUMENTS` is replaced by everything
 * after the command and `$1`..`$9` by its words, and the result is sent as
 * the message.  The project's file wins over the person's of the same name;
 * a built-in command is never shadowed (commands.c looks there first).
 * Files are read with the one small-file reader (regular files only, size
 * capped, never blocking); names are plain words.  Parsing and expansion
 * do no I/O (tests call them directly).
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "tui-int.h"

#define USERCMD_MAX_FILE	(64 * 1024)
#define USERCMD_MAX		200

/* See tui-int.h. */
void
tui_usercmds_free(struct tui_usercmds *u)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		free(u->v[i].name);
		free(u->v[i].description);
		free(u->v[i].body);
	}
	free(u->v);
	u->v = NULL;
	u->n = 0;
}

/* A command name is a plain word: letters, digits, '-', '_'. */
static int
usercmd_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 40)
		return 0;
	for (i = 0; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_", s[i]) == NULL || s[i] == '\0')
			return 0;
	return 1;
}

/* See tui-int.h. */
void
tui_usercmd_parse(const char *text, size_t len, char **description,
    char **body)
{
	const char *p = text, *end = text + len, *eol, *v;
	size_t n;

	*description = NULL;
	if (len >= 4 && strncmp(text, "---", 3) == 0 && (text[3] == '\n' ||
	    (text[3] == '\r' && len > 4 && text[4] == '\n'))) {
		p = (const char *)memchr(text, '\n', len) + 1;
		while (p < end) {
			eol = memchr(p, '\n', (size_t)(end - p));
			n = (eol != NULL ? (size_t)(eol - p) : (size_t)(end - p));
			if (n > 0 && p[n - 1] == '\r')
				n--;
			if (n == 3 && strncmp(p, "---", 3) == 0) {
				p = eol != NULL ? eol + 1 : end;
				break;
			}
			if (n > 12 && strncmp(p, "description:", 12) == 0 &&
			    *description == NULL) {
				for (v = p + 12; v < p + n && (*v == ' ' ||
				    *v == '\t'); v++)
					;
				*description = xstrndup(v, (size_t)(p + n - v));
			}
			p = eol != NULL ? eol + 1 : end;
			if (eol == NULL) {	/* never closed: all of it was text */
				free(*description);
				*description = NULL;
				p = text;
				break;
			}
		}
	}
	while (p < end && (*p == '\n' || *p == '\r'))
		p++;
	*body = xstrndup(p, (size_t)(end - p));
}

/* The n-th (1-based) word of args, or "". */
static void
usercmd_word(struct buf *out, const char *args, int n)
{
	const char *p = args, *w;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return;
		for (w = p; *p != '\0' && *p != ' ' && *p != '\t'; p++)
			;
		if (--n == 0) {
			buf_append(out, w, (size_t)(p - w));
			return;
		}
	}
}

/* See tui-int.h. */
char *
tui_usercmd_expand(const char *body, const char *args)
{
	struct buf b;
	const char *p;

	buf_init(&b, 0);
	for (p = body; *p != '\0'; p++) {
		if (*p == '$' && strncmp(p + 1, "ARGUMENTS", 9) == 0) {
			buf_puts(&b, args);
			p += 9;
		} else if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
			usercmd_word(&b, args, p[1] - '0');
			p++;
		} else
			buf_putc(&b, *p);
	}
	return tui_buf_take(&b, NULL);
}

/* Read every NAME.md of dir into u (names already there are kept). */
static void
usercmd_load_dir(struct tui_usercmds *u, const char *dir, int project)
{
	struct tui_usercmd *c;
	struct dirent *de;
	char *path, *text, *cause = NULL;
	size_t n, len, i;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && u->n < USERCMD_MAX) {
		n = strlen(de->d_name);
		if (n <= 3 || strcmp(de->d_name + n - 3, ".md") != 0 ||
		    !usercmd_name_ok(de->d_name, n - 3))
			continue;
		for (i = 0; i < u->n; i++)
			if (strlen(u->v[i].name) == n - 3 &&
			    strncmp(u->v[i].name, de->d_name, n - 3) == 0)
				break;
		if (i < u->n)
			continue;	/* the project's wins */
		path = xasprintf("%s/%s", dir, de->d_name);
		text = util_read_small(path, USERCMD_MAX_FILE, &len, &cause);
		free(path);
		if (text == NULL) {
			free(cause);
			cause = NULL;
			continue;
		}
		u->v = xreallocarray(u->v, u->n + 1, sizeof *u->v);
		c = &u->v[u->n++];
		c->name = xstrndup(de->d_name, n - 3);
		c->project = project;
		tui_usercmd_parse(text, len, &c->description, &c->body);
		free(text);
	}
	closedir(d);
}

/* qsort: by name. */
static int
usercmd_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tui_usercmd *)a)->name,
	    ((const struct tui_usercmd *)b)->name);
}

/* See tui-int.h. */
void
tui_usercmds_load(struct tui_usercmds *u, const char *root)
{
	char *dir, *base;

	tui_usercmds_free(u);
	if (root != NULL) {
		dir = xasprintf("%s/.cade/commands", root);
		usercmd_load_dir(u, dir, 1);
		free(dir);
	}
	base = util_xdg_dir("XDG_CONFIG_HOME", ".config");
	dir = xasprintf("%s/commands", base);
	usercmd_load_dir(u, dir, 0);
	free(dir);
	free(base);
	if (u->n > 1)
		qsort(u->v, u->n, sizeof *u->v, usercmd_cmp);
}

/* See tui-int.h. */
const struct tui_usercmd *
tui_usercmds_find(const struct tui_usercmds *u, const char *name)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->v[i].name, name) == 0)
			return &u->v[i];
	return NULL;
}
