/*
 * status.c: the one-line status bar.
 *
 * Model, agent state, step N of max, tokens in/out (cached), context use,
 * cost so far, confirmation mode, containment (sandbox and network),
 * workspace, and who has the keyboard.  Fields have a
 * priority: on a narrow terminal the least useful ones go first, so the
 * state and the keyboard indicator are always visible.  A state that needs
 * the person (waiting for you, stuck, error) is drawn in the alert role.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/util.h"
#include "tui-int.h"

#define STATUS_FIELDS	13

struct status_field {
	char		*text;
	uint8_t		 role;
	int		 prio;		/* lower survives longer */
	int		 width;
	int		 right;		/* right-aligned group */
};

/* Tokens as 950, 12.3k, 4.1M. */
static char *
status_count(long n)
{
	if (n < 1000)
		return xasprintf("%ld", n);
	if (n < 1000000)
		return xasprintf("%.1fk", (double)n / 1000.0);
	return xasprintf("%.1fM", (double)n / 1000000.0);
}

/* Columns a UTF-8 string takes. */
static int
status_width(const char *s)
{
	wchar_t *w;
	int n, width;

	w = tui_utf8_to_wcs(s, strlen(s), &n);
	width = tui_wcswidth(w, n);
	free(w);
	return width;
}

/* A path shortened from the left to at most max columns. */
static char *
status_short_path(const char *p, int max)
{
	const char *home = getenv("HOME");
	size_t hl;
	char *s;

	if (home != NULL && (hl = strlen(home)) > 1 &&
	    strncmp(p, home, hl) == 0 && (p[hl] == '/' || p[hl] == '\0'))
		s = xasprintf("~%s", p + hl);
	else
		s = xstrdup(p);
	if ((int)strlen(s) > max && max > 4) {
		char *t = xasprintf("...%s", s + strlen(s) - (size_t)(max - 3));

		free(s);
		s = t;
	}
	return s;
}

/* Lay the bar out for width columns. */
void
tui_status_render(struct tui_line *l, int width, const struct tui_status_info *si)
{
	struct status_field f[STATUS_FIELDS];
	char *a, *b;
	int n = 0, i, total, drop, left_w = 0, right_w = 0;

	memset(f, 0, sizeof f);
	f[n].text = xasprintf(" %s ", si->state);
	f[n].role = si->alert ? ROLE_STATUSBAR_ALERT : ROLE_STATUSBAR;
	f[n++].prio = 0;
	if (si->pending > 0) {
		f[n].text = xasprintf(" %d pending (F9) ", si->pending);
		f[n].role = ROLE_STATUSBAR_ALERT;
		f[n++].prio = 0;
	}
	f[n].text = xasprintf(" %s ", si->model != NULL ? si->model : "?");
	f[n++].prio = 3;
	f[n].text = xasprintf(" step %d/%d ", si->step, si->max_steps);
	f[n++].prio = 2;
	a = status_count(si->tokens_in);
	b = status_count(si->tokens_out);
	if (si->tokens_cached > 0) {
		char *c = status_count(si->tokens_cached);

		f[n].text = xasprintf(" %s in (%s cached) %s out ", a, c, b);
		free(c);
	} else
		f[n].text = xasprintf(" %s in %s out ", a, b);
	free(a);
	free(b);
	f[n++].prio = 5;
	f[n].text = xasprintf(" ctx %.0f%% ", si->context_pct);
	f[n].role = si->context_pct >= 75 ? ROLE_STATUSBAR_ALERT : 0;
	f[n++].prio = 4;
	f[n].text = xasprintf(" $%.4f ", si->cost);
	f[n++].prio = 4;
	f[n].text = xasprintf(" confirm:%s ", si->confirm != NULL ? si->confirm :
	    "?");
	f[n++].prio = 3;
	if (si->sandbox != NULL) {
		/* Uncontained commands or an open network deserve attention. */
		f[n].text = xasprintf(" sandbox: %s net: %s ", si->sandbox,
		    si->net ? "on" : "off");
		f[n].role = strcmp(si->sandbox, "off") == 0 || si->net ?
		    ROLE_STATUSBAR_ALERT : 0;
		f[n++].prio = 3;
	}
	a = status_short_path(si->workspace != NULL ? si->workspace : "", 24);
	f[n].text = xasprintf(" %s ", a);
	free(a);
	f[n++].prio = 6;
	if (si->hint != NULL && *si->hint != '\0') {
		f[n].text = xasprintf(" %s ", si->hint);
		f[n].role = ROLE_STATUSBAR_ALERT;
		f[n].right = 1;
		f[n++].prio = 1;
	}
	f[n].text = xasprintf(" keys: %s ", si->focus);
	f[n].role = ROLE_TITLE_FOCUS;
	f[n].right = 1;
	f[n++].prio = 0;
	for (i = 0; i < n; i++) {
		if (f[i].role == 0)
			f[i].role = ROLE_STATUSBAR;
		f[i].width = status_width(f[i].text);
	}
	/* Drop the least important fields until the rest fits. */
	for (drop = 6; drop > 0; drop--) {
		total = 0;
		for (i = 0; i < n; i++)
			if (f[i].text != NULL)
				total += f[i].width + (f[i].right ? 0 : 1);
		if (total <= width)
			break;
		for (i = 0; i < n; i++)
			if (f[i].text != NULL && f[i].prio == drop) {
				free(f[i].text);
				f[i].text = NULL;
			}
	}
	for (i = 0; i < n; i++) {
		if (f[i].text == NULL)
			continue;
		if (f[i].right)
			right_w += f[i].width;
		else
			left_w += f[i].width + 1;
	}
	for (i = 0; i < n; i++) {
		if (f[i].text == NULL || f[i].right)
			continue;
		tui_line_puts(l, f[i].text, f[i].role);
		tui_line_puts(l, tui_glyph->vline, ROLE_STATUSBAR);
	}
	while (l->width < width - right_w)
		tui_line_putw(l, ' ', ROLE_STATUSBAR);
	for (i = 0; i < n; i++)
		if (f[i].text != NULL && f[i].right)
			tui_line_puts(l, f[i].text, f[i].role);
	l->fill = ROLE_STATUSBAR;
	for (i = 0; i < n; i++)
		free(f[i].text);
	(void)left_w;
}
