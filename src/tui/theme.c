/*
 * theme.c: colour schemes as data.
 *
 * Every element on screen has a role (enum tui_role); a theme gives each
 * role a foreground, a background and attributes.  Themes are text files
 * (doc/TUI.md, "Themes"), one "element = foreground background attributes"
 * line each, parsed here without I/O over a copy of the built-in default,
 * so a user theme may set only the elements it changes.  Loading searches
 * the user's theme directory, the installed data directory, then the source
 * tree (uninstalled runs).  Colours are stored as written (default, a
 * palette index, or #rrggbb) and degraded only when the screen knows how
 * many colours the terminal has: 256-colour and RGB values fall back to the
 * nearest colour that terminal can show.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "tui-int.h"

#ifndef CADE_DATADIR
#define CADE_DATADIR "/usr/local/share/cade"
#endif

#define THEME_MAX_FILE	(256 * 1024)

static const char *const theme_role_names[ROLE__COUNT] = {
	[ROLE_NORMAL] = "normal",
	[ROLE_BORDER] = "border",
	[ROLE_TITLE] = "title",
	[ROLE_TITLE_FOCUS] = "title.focus",
	[ROLE_USER] = "user",
	[ROLE_USER_LABEL] = "user.label",
	[ROLE_ASSISTANT] = "assistant",
	[ROLE_ASSISTANT_LABEL] = "assistant.label",
	[ROLE_REASONING] = "reasoning",
	[ROLE_HEADING] = "heading",
	[ROLE_BOLD] = "bold",
	[ROLE_CODE] = "code",
	[ROLE_CODEBLOCK] = "codeblock",
	[ROLE_CODEBLOCK_FRAME] = "codeblock.frame",
	[ROLE_CODE_KEYWORD] = "code.keyword",
	[ROLE_CODE_STRING] = "code.string",
	[ROLE_CODE_COMMENT] = "code.comment",
	[ROLE_CODE_NUMBER] = "code.number",
	[ROLE_BULLET] = "bullet",
	[ROLE_CARD] = "card",
	[ROLE_CARD_TOOL] = "card.tool",
	[ROLE_STATUS_PENDING] = "status.pending",
	[ROLE_STATUS_RUNNING] = "status.running",
	[ROLE_STATUS_DONE] = "status.done",
	[ROLE_STATUS_FAILED] = "status.failed",
	[ROLE_STATUS_REFUSED] = "status.refused",
	[ROLE_RISK_LOW] = "risk.low",
	[ROLE_RISK_MEDIUM] = "risk.medium",
	[ROLE_RISK_HIGH] = "risk.high",
	[ROLE_RISK_UNKNOWN] = "risk.unknown",
	[ROLE_OBSERVATION] = "observation",
	[ROLE_FOLD] = "fold",
	[ROLE_DIFF_ADD] = "diff.add",
	[ROLE_DIFF_DEL] = "diff.del",
	[ROLE_DIFF_HUNK] = "diff.hunk",
	[ROLE_DIFF_HEADER] = "diff.header",
	[ROLE_PLAN_DONE] = "plan.done",
	[ROLE_PLAN_DOING] = "plan.doing",
	[ROLE_PLAN_TODO] = "plan.todo",
	[ROLE_ERROR] = "error",
	[ROLE_RETRY] = "retry",
	[ROLE_NOTICE] = "notice",
	[ROLE_SELECTION] = "selection",
	[ROLE_STATUSBAR] = "statusbar",
	[ROLE_STATUSBAR_ALERT] = "statusbar.alert",
	[ROLE_INPUT] = "input",
	[ROLE_INPUT_PROMPT] = "input.prompt",
	[ROLE_CONFIRM] = "confirm",
	[ROLE_CONFIRM_FRAME] = "confirm.frame",
	[ROLE_CONFIRM_TITLE] = "confirm.title",
	[ROLE_CONFIRM_KEY] = "confirm.key",
	[ROLE_UNREAD] = "unread",
};

/*
 * The built-in default (dark) theme, the same as themes/default.theme (a
 * unit test checks they agree).  Text form so there is one parser.
 */
static const char theme_builtin_text[] =
	"normal = default default\n"
	"border = brightblack default\n"
	"title = white brightblack\n"
	"title.focus = black cyan bold\n"
	"user = default default bold\n"
	"user.label = color29 default bold\n"
	"assistant = default default\n"
	"assistant.label = cyan default bold\n"
	"reasoning = brightblack default italic\n"
	"heading = brightcyan default bold\n"
	"bold = default default bold\n"
	"code = yellow default\n"
	"codeblock = default default\n"
	"codeblock.frame = brightblack default\n"
	"code.keyword = magenta default bold\n"
	"code.string = green default\n"
	"code.comment = brightblack default italic\n"
	"code.number = cyan default\n"
	"bullet = cyan default\n"
	"card = default default\n"
	"card.tool = magenta default bold\n"
	"status.pending = yellow default\n"
	"status.running = cyan default\n"
	"status.done = green default\n"
	"status.failed = red default bold\n"
	"status.refused = red default\n"
	"risk.low = green default\n"
	"risk.medium = yellow default bold\n"
	"risk.high = brightwhite red bold\n"
	"risk.unknown = magenta default\n"
	"observation = brightblack default\n"
	"fold = cyan default\n"
	"diff.add = green default\n"
	"diff.del = red default\n"
	"diff.hunk = cyan default\n"
	"diff.header = default default bold\n"
	"plan.done = green default\n"
	"plan.doing = yellow default bold\n"
	"plan.todo = default default\n"
	"error = brightred default bold\n"
	"retry = yellow default\n"
	"notice = brightblack default\n"
	"selection = default brightblack\n"
	"statusbar = black white\n"
	"statusbar.alert = brightwhite red bold\n"
	"input = default default\n"
	"input.prompt = color29 default bold\n"
	"confirm = default default\n"
	"confirm.frame = yellow default bold\n"
	"confirm.title = black yellow bold\n"
	"confirm.key = brightyellow default bold\n"
	"unread = black yellow bold\n";

static const char *const theme_color_names[8] = {
	"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"
};

static const struct {
	const char	*name;
	unsigned	 attr;
} theme_attrs[] = {
	{ "bold", TUI_A_BOLD },
	{ "dim", TUI_A_DIM },
	{ "underline", TUI_A_UNDERLINE },
	{ "reverse", TUI_A_REVERSE },
	{ "italic", TUI_A_ITALIC },
	{ "blink", TUI_A_BLINK },
	{ "standout", TUI_A_STANDOUT },
	{ "none", 0 },
};

/* The name of a role as written in theme files. */
const char *
tui_role_name(enum tui_role r)
{
	if ((int)r < 0 || r >= ROLE__COUNT)
		return "?";
	return theme_role_names[r];
}

/* Parse one colour word; -1 if it is not a colour. */
static int
theme_parse_color(const char *w, struct tui_color *c)
{
	const char *p;
	long n;
	size_t i;

	if (strcasecmp(w, "default") == 0 || strcmp(w, "-") == 0) {
		c->kind = TUI_COLOR_DEFAULT;
		c->v = 0;
		return 0;
	}
	if (w[0] == '#') {
		if (strlen(w) != 7)
			return -1;
		for (p = w + 1; *p != '\0'; p++)
			if (strchr("0123456789abcdefABCDEF", *p) == NULL)
				return -1;
		c->kind = TUI_COLOR_RGB;
		c->v = (uint32_t)strtoul(w + 1, NULL, 16);
		return 0;
	}
	p = w;
	if (strncasecmp(p, "color", 5) == 0)
		p += 5;
	if (*p >= '0' && *p <= '9') {
		if (util_parse_long(p, 0, 255, &n) == -1)
			return -1;
		c->kind = TUI_COLOR_INDEX;
		c->v = (uint32_t)n;
		return 0;
	}
	p = w;
	n = 0;
	if (strncasecmp(p, "bright", 6) == 0) {
		p += 6;
		if (*p == '-' || *p == '_')
			p++;
		n = 8;
	}
	for (i = 0; i < nitems(theme_color_names); i++) {
		if (strcasecmp(p, theme_color_names[i]) == 0) {
			c->kind = TUI_COLOR_INDEX;
			c->v = (uint32_t)(n + (long)i);
			return 0;
		}
	}
	return -1;
}

/* Look a role up by name; -1 if unknown. */
static int
theme_find_role(const char *name)
{
	int i;

	for (i = 0; i < ROLE__COUNT; i++)
		if (strcasecmp(theme_role_names[i], name) == 0)
			return i;
	return -1;
}

/* Parse one "element = fg bg attrs..." line (already trimmed). */
static int
theme_parse_line(struct tui_theme *t, char *line, char **why)
{
	char *eq, *name, *rest, *w, *save = NULL;
	struct tui_style st;
	int role, nw = 0;
	size_t i;

	if ((eq = strchr(line, '=')) == NULL) {
		*why = xstrdup("expected 'element = foreground background "
		    "attributes'");
		return -1;
	}
	*eq = '\0';
	name = util_trim(line);
	rest = util_trim(eq + 1);
	if ((role = theme_find_role(name)) == -1) {
		*why = xasprintf("unknown element '%s'", name);
		return -1;
	}
	memset(&st, 0, sizeof st);
	for (w = strtok_r(rest, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save), nw++) {
		if (nw == 0 && theme_parse_color(w, &st.fg) == 0)
			continue;
		if (nw == 1 && theme_parse_color(w, &st.bg) == 0)
			continue;
		for (i = 0; i < nitems(theme_attrs); i++)
			if (strcasecmp(w, theme_attrs[i].name) == 0)
				break;
		if (i == nitems(theme_attrs)) {
			*why = nw < 2 ? xasprintf("bad colour '%s' for '%s' "
			    "(want default, a colour name, 0-255 or #rrggbb)",
			    w, name) : xasprintf("unknown attribute '%s' for "
			    "'%s'", w, name);
			return -1;
		}
		if (nw < 2) {
			*why = xasprintf("'%s' needs a foreground and a "
			    "background before attributes", name);
			return -1;
		}
		st.attrs |= theme_attrs[i].attr;
	}
	if (nw < 2) {
		*why = xasprintf("'%s' needs a foreground and a background",
		    name);
		return -1;
	}
	t->role[role] = st;
	return 0;
}

/* Parse theme text line by line over the current values. */
int
tui_theme_parse(struct tui_theme *t, const char *text, size_t len,
    const char *file, char **cause)
{
	size_t start = 0, end;
	int lineno = 0;
	char *line, *p, *why = NULL;

	while (start < len) {
		lineno++;
		for (end = start; end < len && text[end] != '\n'; end++)
			;
		line = xstrndup(text + start, end - start);
		start = end + 1;
		/* Whole-line comments only: "#rrggbb" is a colour. */
		p = util_trim(line);
		if (*p == '#')
			*p = '\0';
		if (*p != '\0' && theme_parse_line(t, p, &why) == -1) {
			*cause = xasprintf("%s:%d: %s", file, lineno, why);
			free(why);
			free(line);
			return -1;
		}
		free(line);
	}
	return 0;
}

/* Fill t with the built-in default theme. */
void
tui_theme_builtin(struct tui_theme *t)
{
	char *cause = NULL;

	free(t->name);
	memset(t, 0, sizeof *t);
	if (tui_theme_parse(t, theme_builtin_text, sizeof theme_builtin_text - 1,
	    "built-in", &cause) == -1)
		fatal("%s", cause);
	t->name = xstrdup("default");
}

/* Read a whole (small) regular file; NULL with errno. */
static char *
theme_read(const char *path, size_t *len)
{
	return util_read_small(path, THEME_MAX_FILE, len, NULL);
}

/* A theme name is a plain word: no path tricks through --theme. */
static int
theme_name_ok(const char *name)
{
	const char *p;

	if (*name == '\0')
		return 0;
	for (p = name; *p != '\0'; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789-_.", *p) == NULL)
			return 0;
	return name[0] != '.';
}

#define THEME_NDIRS	4

/* Where named themes are looked for, first match wins; returns the count. */
static size_t
theme_dirs(char *dirs[THEME_NDIRS])
{
	const char *env;
	char *base;
	size_t nd = 0;

	base = util_xdg_dir("XDG_CONFIG_HOME", ".config");
	dirs[nd++] = xasprintf("%s/themes", base);
	free(base);
	if ((env = getenv("CADE_DATADIR")) != NULL && *env != '\0')
		dirs[nd++] = xasprintf("%s/themes", env);
	dirs[nd++] = xstrdup(CADE_DATADIR "/themes");
	return nd;
}

/* qsort: names in order. */
static int
theme_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* See tui-int.h. */
char *
tui_theme_list(void)
{
	char *dirs[THEME_NDIRS], **names = NULL, *name;
	size_t nd, i, j, n = 0, cap = 0;
	struct dirent *de;
	struct buf b;
	DIR *d;

	nd = theme_dirs(dirs);
	names = xreallocarray(NULL, 8, sizeof *names);
	cap = 8;
	names[n++] = xstrdup("default");
	for (i = 0; i < nd; i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		while ((de = readdir(d)) != NULL && n < 256) {
			j = strlen(de->d_name);
			if (j <= 6 || strcmp(de->d_name + j - 6, ".theme") != 0)
				continue;
			name = xstrndup(de->d_name, j - 6);
			for (j = 0; j < n && strcmp(names[j], name) != 0; j++)
				;
			if (j < n || !theme_name_ok(name)) {
				free(name);
				continue;
			}
			if (n == cap) {
				cap *= 2;
				names = xreallocarray(names, cap, sizeof *names);
			}
			names[n++] = name;
		}
		closedir(d);
	}
	for (i = 0; i < nd; i++)
		free(dirs[i]);
	qsort(names, n, sizeof *names, theme_cmp);
	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		buf_printf(&b, "%s%s", i > 0 ? " " : "", names[i]);
		free(names[i]);
	}
	free(names);
	return tui_buf_take(&b, NULL);
}

/* Load a named theme or a theme file; falls back to the built-in default. */
int
tui_theme_load(struct tui_theme *t, const char *name, char **cause)
{
	char *dirs[THEME_NDIRS], *path = NULL, *text = NULL;
	size_t len, i, nd = 0;
	int rc = -1, err = ENOENT;

	tui_theme_builtin(t);
	if (strcmp(name, "default") == 0 || *name == '\0')
		return 0;
	if (strchr(name, '/') != NULL) {
		path = xstrdup(name);
		text = theme_read(path, &len);
		err = errno;
	} else if (!theme_name_ok(name)) {
		*cause = xasprintf("bad theme name '%s'", name);
		return -1;
	} else {
		nd = theme_dirs(dirs);
		for (i = 0; i < nd && text == NULL; i++) {
			free(path);
			path = xasprintf("%s/%s.theme", dirs[i], name);
			text = theme_read(path, &len);
			if (text == NULL && errno != ENOENT)
				break;
			err = errno;
		}
		for (i = 0; i < nd; i++)
			free(dirs[i]);
	}
	if (text == NULL) {
		if (strchr(name, '/') == NULL && err == ENOENT)
			*cause = xasprintf("theme '%s' not found (looked in "
			    "~/.config/cade/themes and %s/themes)", name,
			    CADE_DATADIR);
		else
			*cause = xasprintf("cannot read theme '%s': %s", path,
			    err == EINVAL ? "not a regular file" : strerror(err));
		goto out;
	}
	if (tui_theme_parse(t, text, len, path, cause) == -1) {
		tui_theme_builtin(t);
		goto out;
	}
	free(t->name);
	t->name = xstrdup(name);
	rc = 0;
out:
	free(text);
	free(path);
	return rc;
}

/* See tui-int.h. */
void
tui_theme_free(struct tui_theme *t)
{
	free(t->name);
	t->name = NULL;
}

/* xterm's 256-colour palette as RGB. */
uint32_t
tui_color_index_rgb(int idx)
{
	static const uint32_t base16[16] = {
		0x000000, 0xcd0000, 0x00cd00, 0xcdcd00, 0x0000ee, 0xcd00cd,
		0x00cdcd, 0xe5e5e5, 0x7f7f7f, 0xff0000, 0x00ff00, 0xffff00,
		0x5c5cff, 0xff00ff, 0x00ffff, 0xffffff
	};
	static const int cube[6] = { 0, 95, 135, 175, 215, 255 };
	int r, g, b, v;

	if (idx < 0)
		idx = 0;
	if (idx < 16)
		return base16[idx];
	if (idx < 232) {
		idx -= 16;
		r = cube[idx / 36];
		g = cube[(idx / 6) % 6];
		b = cube[idx % 6];
		return (uint32_t)(r << 16 | g << 8 | b);
	}
	if (idx > 255)
		idx = 255;
	v = 8 + (idx - 232) * 10;
	return (uint32_t)(v << 16 | v << 8 | v);
}

/* Squared distance between two RGB colours (weighted for the eye). */
static long
theme_dist(uint32_t a, uint32_t b)
{
	long dr = (long)((a >> 16) & 0xff) - (long)((b >> 16) & 0xff);
	long dg = (long)((a >> 8) & 0xff) - (long)((b >> 8) & 0xff);
	long db = (long)(a & 0xff) - (long)(b & 0xff);

	return 3 * dr * dr + 4 * dg * dg + 2 * db * db;
}

/* Nearest palette index among the first n (from 'first'). */
static int
theme_nearest(uint32_t rgb, int first, int n)
{
	int i, best = first;
	long d, bestd = -1;

	for (i = first; i < first + n; i++) {
		d = theme_dist(rgb, tui_color_index_rgb(i));
		if (bestd == -1 || d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

/* Degrade a colour to what the terminal can show. */
int
tui_color_degrade(struct tui_color c, int ncolors, int direct, int *bright)
{
	uint32_t rgb;
	int idx;

	if (bright != NULL)
		*bright = 0;
	if (c.kind == TUI_COLOR_DEFAULT || ncolors < 8)
		return -1;
	if (direct) {
		/* Direct-colour terminfo: values below 8 are still the ANSI colours. */
		if (c.kind == TUI_COLOR_INDEX && c.v < 8)
			return (int)c.v;
		rgb = c.kind == TUI_COLOR_RGB ? c.v : tui_color_index_rgb((int)c.v);
		return rgb < 8 ? 8 : (int)rgb;
	}
	if (c.kind == TUI_COLOR_INDEX && (int)c.v < ncolors)
		return (int)c.v;
	rgb = c.kind == TUI_COLOR_RGB ? c.v : tui_color_index_rgb((int)c.v);
	if (ncolors >= 256)
		return theme_nearest(rgb, 16, 240);	/* 0-15 are user-tuned */
	if (ncolors >= 16)
		return theme_nearest(rgb, 0, 16);
	if (c.kind == TUI_COLOR_INDEX && c.v >= 8 && c.v < 16)
		idx = (int)c.v;
	else
		idx = theme_nearest(rgb, 0, 16);
	if (idx >= 8) {
		if (bright != NULL)
			*bright = 1;
		idx -= 8;
	}
	return idx;
}
