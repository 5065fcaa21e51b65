/*
 * test_tui_theme.c: the theme parser and loader: every shipped theme
 * parses and sets every element, themes/default.theme matches the built-in
 * default, errors name file:line and fall back to the default, user themes
 * in $XDG_CONFIG_HOME/cade/themes win, and colours degrade to 256, 16 and 8
 * colours sensibly; the person's own message (user, user.label, input,
 * input.prompt) has a WCAG contrast of at least 4.5:1 in every theme of
 * themes/ on a white and on a black terminal.
 */
#include "config.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cade/util.h"
#include "../src/tui/tui-int.h"
#include "tap.h"

static int
same_style(const struct tui_style *a, const struct tui_style *b)
{
	return a->fg.kind == b->fg.kind && a->fg.v == b->fg.v &&
	    a->bg.kind == b->bg.kind && a->bg.v == b->bg.v &&
	    a->attrs == b->attrs;
}

static int
same_theme(const struct tui_theme *a, const struct tui_theme *b)
{
	int i;

	for (i = 0; i < ROLE__COUNT; i++)
		if (!same_style(&a->role[i], &b->role[i]))
			return 0;
	return 1;
}

/* Parse text and expect an error containing want. */
static void
bad(const char *text, const char *want, const char *what)
{
	struct tui_theme t;
	char *cause = NULL;
	int rc;

	memset(&t, 0, sizeof t);
	tui_theme_builtin(&t);
	rc = tui_theme_parse(&t, text, strlen(text), "x.theme", &cause);
	if (!ok(rc == -1 && cause != NULL && strstr(cause, want) != NULL,
	    "error: %s", what))
		diag("  got '%s', want '%s'", cause ? cause : "(none)", want);
	free(cause);
	tui_theme_free(&t);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}


/*
 * Contrast of the person's own text.  A terminal is modelled by its default
 * pair, which is what ncurses draws for "default" (use_default_colors(),
 * colour -1): black on white (#000000 on #ffffff), or xterm's light grey on
 * black (#e5e5e5 on #000000).  A palette colour is degraded the way the
 * screen does (tui_color_degrade) and shown as xterm's palette
 * (tui_color_index_rgb); reverse swaps the two.  Ratio per WCAG 2.x:
 * (L1 + 0.05) / (L2 + 0.05) of the relative luminances.
 */
struct term_model {
	const char	*name;
	uint32_t	 fg, bg;
};

static const struct term_model terms[] = {
	{ "white", 0x000000, 0xffffff },
	{ "black", 0xe5e5e5, 0x000000 },
};

static double
lum_channel(unsigned v)
{
	double c = v / 255.0;

	return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double
luminance(uint32_t rgb)
{
	return 0.2126 * lum_channel((rgb >> 16) & 0xff) +
	    0.7152 * lum_channel((rgb >> 8) & 0xff) +
	    0.0722 * lum_channel(rgb & 0xff);
}

static double
contrast(uint32_t a, uint32_t b)
{
	double la = luminance(a), lb = luminance(b);

	return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

/* A colour as the terminal shows it with ncolors colours. */
static uint32_t
shown(struct tui_color c, int ncolors, uint32_t dflt)
{
	int idx = tui_color_degrade(c, ncolors, 0, NULL);

	return idx < 0 ? dflt : tui_color_index_rgb(idx);
}

/* The contrast of a style on a terminal with ncolors colours. */
static double
style_contrast(const struct tui_style *st, const struct term_model *tm,
    int ncolors)
{
	uint32_t fg = shown(st->fg, ncolors, tm->fg);
	uint32_t bg = shown(st->bg, ncolors, tm->bg);

	return st->attrs & TUI_A_REVERSE ? contrast(bg, fg) : contrast(fg, bg);
}

/* Every theme of themes/ (and the built-in one): the person's text reads. */
static void
test_own_text_contrast(const char *srcdir)
{
	static const enum tui_role roles[] = {
		ROLE_USER, ROLE_USER_LABEL, ROLE_INPUT, ROLE_INPUT_PROMPT
	};
	struct tui_theme t;
	struct dirent *de;
	char *dirpath, *path, *cause = NULL, *name;
	double r, r8, worst;
	size_t i, j, n = 0;
	DIR *d;

	dirpath = xasprintf("%s/themes", srcdir != NULL ? srcdir : "..");
	if ((d = opendir(dirpath)) == NULL) {
		ok(0, "themes/ can be read (%s)", dirpath);
		free(dirpath);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) < 7 || strcmp(de->d_name +
		    strlen(de->d_name) - 6, ".theme") != 0)
			continue;
		memset(&t, 0, sizeof t);
		path = xasprintf("%s/%s", dirpath, de->d_name);
		if (tui_theme_load(&t, path, &cause) == -1) {
			ok(0, "%s loads: %s", de->d_name, cause);
			free(cause);
			cause = NULL;
			free(path);
			tui_theme_free(&t);
			continue;
		}
		name = xstrndup(de->d_name, strlen(de->d_name) - 6);
		for (i = 0; i < nitems(roles); i++) {
			worst = 100;
			for (j = 0; j < nitems(terms); j++) {
				r = style_contrast(&t.role[roles[i]], &terms[j],
				    256);
				r8 = style_contrast(&t.role[roles[i]], &terms[j],
				    8);
				diag("  %s %s on %s: %.2f:1 (256 colours), "
				    "%.2f:1 (8 colours)", name,
				    tui_role_name(roles[i]), terms[j].name, r, r8);
				if (r < worst)
					worst = r;
			}
			ok(worst >= 4.5, "theme %s: %s reads on white and on "
			    "black (worst %.2f:1, want >= 4.5)", name,
			    tui_role_name(roles[i]), worst);
		}
		free(name);
		free(path);
		tui_theme_free(&t);
		n++;
	}
	closedir(d);
	free(dirpath);
	ok(n >= 4, "every theme in themes/ checked (%zu)", n);
	memset(&t, 0, sizeof t);
	tui_theme_builtin(&t);
	for (i = 0; i < nitems(roles); i++)
		for (j = 0; j < nitems(terms); j++)
			ok(style_contrast(&t.role[roles[i]], &terms[j], 256) >=
			    4.5, "built-in theme: %s on %s", tui_role_name(roles[i]),
			    terms[j].name);
	tui_theme_free(&t);
}

/* Which theme the terminal's background asks for. */
static void
test_background(void)
{
	is_int(tui_osc11_light("11;rgb:ffff/ffff/ffff"), 1, "OSC 11: white is light");
	is_int(tui_osc11_light("11;rgb:0000/0000/0000"), 0, "OSC 11: black is dark");
	is_int(tui_osc11_light("11;rgb:1e1e/1e1e/2e2e"), 0, "OSC 11: a dark grey is dark");
	is_int(tui_osc11_light("11;rgb:fd/f6/e3"), 1, "OSC 11: two-digit components (Solarized light)");
	is_int(tui_osc11_light("11;rgb:ffff/ffff"), -1, "OSC 11: a broken reply is no answer");
	is_int(tui_osc11_light("10;rgb:ffff/ffff/ffff"), -1, "OSC 11: not the background");
	is_int(tui_colorfgbg_light("15;0"), 0, "COLORFGBG 15;0: dark");
	is_int(tui_colorfgbg_light("0;15"), 1, "COLORFGBG 0;15: light");
	is_int(tui_colorfgbg_light("0;default;7"), 1, "COLORFGBG with three fields: the last is the background");
	is_int(tui_colorfgbg_light("default;default"), -1, "COLORFGBG default: cannot tell");
	is_int(tui_colorfgbg_light(NULL), -1, "COLORFGBG unset");
}

int
main(void)
{
	static const char *const shipped[] = {
		"default", "light", "high-contrast", "mono"
	};
	struct tui_theme t, def;
	struct tui_color c;
	char dir[] = "/tmp/cade-tui-theme.XXXXXX", *path, *cause = NULL;
	const char *srcdir = getenv("top_srcdir");
	size_t i;
	int rc, bright, idx;

	memset(&t, 0, sizeof t);
	memset(&def, 0, sizeof def);
	tui_theme_builtin(&def);

	if (mkdtemp(dir) == NULL)
		return 1;
	setenv("XDG_CONFIG_HOME", dir, 1);
	unsetenv("CADE_DATADIR");
	for (i = 0; i < nitems(shipped); i++) {
		if (srcdir != NULL)
			path = xasprintf("%s/themes/%s.theme", srcdir, shipped[i]);
		else
			path = xstrdup(shipped[i]);
		rc = tui_theme_load(&t, path, &cause);
		if (!ok(rc == 0, "shipped theme '%s' parses", shipped[i]))
			diag("  %s", cause);
		free(cause);
		cause = NULL;
		if (i == 0)
			ok(same_theme(&t, &def),
			    "themes/default.theme equals the built-in default");
		free(path);
	}

	bad("normal = red\n", "x.theme:1: 'normal' needs a foreground and a background",
	    "missing background");
	bad("# comment\n\nnosuch = red blue\n", "x.theme:3: unknown element 'nosuch'",
	    "unknown element with file:line");
	bad("heading = purple default\n", "x.theme:1: bad colour 'purple'",
	    "bad colour");
	bad("heading = red default blinky\n", "unknown attribute 'blinky'",
	    "unknown attribute");
	bad("heading red default\n", "x.theme:1: expected 'element = ",
	    "no equals sign");
	bad("heading = 256 default\n", "bad colour '256'", "index out of range");

	/* A FIFO as a theme is refused at once (the one small-file reader). */
	path = xasprintf("%s/fifo.theme", dir);
	if (mkfifo(path, 0600) == 0) {
		rc = tui_theme_load(&t, path, &cause);
		ok(rc == -1 && cause != NULL && strstr(cause,
		    "not a regular file") != NULL,
		    "a FIFO as a theme file is refused, not waited on");
		free(cause);
		cause = NULL;
		unlink(path);
	}
	free(path);

	tui_theme_builtin(&t);
	rc = tui_theme_parse(&t, "heading = #ff8000 color17 bold underline\n",
	    strlen("heading = #ff8000 color17 bold underline\n"), "y", &cause);
	ok(rc == 0 && t.role[ROLE_HEADING].fg.kind == TUI_COLOR_RGB &&
	    t.role[ROLE_HEADING].fg.v == 0xff8000 &&
	    t.role[ROLE_HEADING].bg.v == 17 &&
	    t.role[ROLE_HEADING].attrs == (TUI_A_BOLD | TUI_A_UNDERLINE),
	    "rgb, colorN and two attributes");

	/* User theme directory: a good one loads, a bad one falls back. */
	path = xasprintf("%s/cade", dir);
	mkdir(path, 0700);
	free(path);
	path = xasprintf("%s/cade/themes", dir);
	mkdir(path, 0700);
	free(path);
	path = xasprintf("%s/cade/themes/mine.theme", dir);
	write_file(path, "# mine\nerror = blue default bold\n");
	rc = tui_theme_load(&t, "mine", &cause);
	ok(rc == 0 && t.role[ROLE_ERROR].fg.v == 4 &&
	    same_style(&t.role[ROLE_HEADING], &def.role[ROLE_HEADING]),
	    "user theme: sets its element, keeps the rest");
	write_file(path, "error = blue default\nbogus = red red\n");
	rc = tui_theme_load(&t, "mine", &cause);
	ok(rc == -1 && cause != NULL && strstr(cause, "mine.theme:2: unknown "
	    "element 'bogus'") != NULL, "bad user theme: error with file:line");
	ok(same_theme(&t, &def), "bad user theme: falls back to the default");
	free(cause);
	cause = NULL;
	unlink(path);
	free(path);
	rc = tui_theme_load(&t, "nosuchtheme", &cause);
	ok(rc == -1 && strstr(cause, "theme 'nosuchtheme' not found") != NULL &&
	    same_theme(&t, &def), "missing theme: clear error, default used");
	free(cause);
	cause = NULL;
	rc = tui_theme_load(&t, "../etc/passwd", &cause);
	ok(rc == -1, "a name with a path is read as a path, not searched");
	free(cause);

	/* Degradation. */
	c.kind = TUI_COLOR_RGB;
	c.v = 0xff0000;
	is_int(tui_color_degrade(c, 256, 0, NULL), 196, "rgb red -> 196 on 256 colours");
	is_int(tui_color_degrade(c, 16, 0, NULL), 9, "rgb red -> bright red on 16");
	idx = tui_color_degrade(c, 8, 0, &bright);
	ok(idx == 1 && bright, "rgb red -> red + bold on 8");
	is_int(tui_color_degrade(c, 1 << 24, 1, NULL), 0xff0000, "rgb kept on direct colour");
	c.kind = TUI_COLOR_INDEX;
	c.v = 244;
	is_int(tui_color_degrade(c, 256, 0, NULL), 244, "index kept on 256");
	idx = tui_color_degrade(c, 16, 0, NULL);
	ok(idx == 8 || idx == 7, "grey 244 -> a grey of the 16");
	c.v = 12;
	idx = tui_color_degrade(c, 8, 0, &bright);
	ok(idx == 4 && bright, "bright blue on 8 -> blue + bold");
	c.kind = TUI_COLOR_DEFAULT;
	is_int(tui_color_degrade(c, 256, 0, NULL), -1, "default stays default");
	c.kind = TUI_COLOR_INDEX;
	c.v = 1;
	is_int(tui_color_degrade(c, 2, 0, NULL), -1, "no colours: default");

	tui_theme_free(&t);
	tui_theme_free(&def);
	path = xasprintf("%s/cade/themes", dir);
	rmdir(path);
	free(path);
	path = xasprintf("%s/cade", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
	test_background();
	test_own_text_contrast(srcdir);
	return tap_done();
}
