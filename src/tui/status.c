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

#define STATUS_PRIO_MAX	6	/* priorities 0 (always kept) .. 6 */
#define STATUS_KEEP	3	/* fields up to this priority are shortened before they go */

struct status_field {
	char		*text;
	char		*compact;	/* shorter form, or NULL */
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

/* A model name without its router prefix ("openrouter/openai/gpt-4.1"). */
static const char *
status_model_short(const char *m)
{
	const char *slash = strrchr(m, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : m;
}

/* Add a field with its full and compact forms (compact NULL: the same). */
static void
status_add(struct status_field *f, int *n, int prio, uint8_t role, char *full,
    char *compact)
{
	f[*n].text = full;
	f[*n].compact = compact;
	f[*n].prio = prio;
	f[*n].role = role;
	(*n)++;
}

/* Columns the fields take as they stand. */
static int
status_total(const struct status_field *f, int n)
{
	int i, total = 0;

	for (i = 0; i < n; i++)
		if (f[i].text != NULL)
			total += f[i].width + (f[i].right ? 0 : 1);
	return total;
}

/* Drop (or, compact, shorten) the fields of priority lvl. */
static void
status_squeeze(struct status_field *f, int n, int lvl, int compact)
{
	int i;

	for (i = 0; i < n; i++) {
		if (f[i].text == NULL || f[i].prio != lvl)
			continue;
		if (!compact) {
			free(f[i].text);
			f[i].text = NULL;
		} else if (f[i].compact != NULL) {
			free(f[i].text);
			f[i].text = f[i].compact;
			f[i].compact = NULL;
			f[i].width = status_width(f[i].text);
		}
	}
}

/*
 * Lay the bar out for width columns.  Too wide: the fields below
 * STATUS_KEEP go, least important first; then the ones worth keeping take
 * their compact forms, least important first (so at 80 columns state,
 * model, tokens, context and cost all stay); only then do those go too.
 */
void
tui_status_render(struct tui_line *l, int width, const struct tui_status_info *si)
{
	struct status_field f[STATUS_FIELDS];
	const char *model = si->model != NULL ? si->model : "?";
	char *a, *b, *c, *cost;
	int n = 0, i, lvl, right_w = 0;

	memset(f, 0, sizeof f);
	status_add(f, &n, 0, si->alert ? ROLE_STATUSBAR_ALERT : ROLE_STATUSBAR,
	    xasprintf(" %s ", si->state), NULL);
	if (si->pending > 0)
		status_add(f, &n, 0, ROLE_STATUSBAR_ALERT,
		    xasprintf(" %d pending (F9) ", si->pending),
		    xasprintf(" %d pending ", si->pending));
	status_add(f, &n, 2, 0, xasprintf(" %s ", model),
	    xasprintf(" %.24s ", status_model_short(model)));
	status_add(f, &n, 5, 0, xasprintf(" step %d/%d ", si->step,
	    si->max_steps), xasprintf(" %d/%d ", si->step, si->max_steps));
	a = status_count(si->tokens_in);
	b = status_count(si->tokens_out);
	c = status_count(si->tokens_cached);
	status_add(f, &n, 2, 0, si->tokens_cached > 0 ?
	    xasprintf(" %s in (%s cached) %s out ", a, c, b) :
	    xasprintf(" %s in %s out ", a, b), xasprintf(" %s/%s tok ", a, b));
	free(a);
	free(b);
	free(c);
	status_add(f, &n, 3, si->context_pct >= 75 ? ROLE_STATUSBAR_ALERT : 0,
	    xasprintf(" ctx %.0f%% ", si->context_pct),
	    xasprintf(" %.0f%% ", si->context_pct));
	/* No price known: say so rather than claim it was free. */
	cost = si->cost_unknown ? xstrdup("$?") : xasprintf("$%.4f", si->cost);
	status_add(f, &n, 2, 0, xasprintf(" %s ", cost), si->cost_unknown ?
	    NULL : xasprintf(" $%.2f ", si->cost));
	free(cost);
	status_add(f, &n, 4, 0, xasprintf(" confirm:%s ", si->confirm != NULL ?
	    si->confirm : "?"), xasprintf(" %s ", si->confirm != NULL ?
	    si->confirm : "?"));
	if (si->sandbox != NULL) {
		/* Uncontained commands or an open network deserve attention. */
		i = strcmp(si->sandbox, "off") == 0 || si->net;
		status_add(f, &n, i ? 3 : 4, i ? ROLE_STATUSBAR_ALERT : 0,
		    xasprintf(" sandbox: %s net: %s ", si->sandbox, si->net ?
		    "on" : "off"), xasprintf(" %s%s ", si->sandbox, si->net ?
		    "+net" : ""));
	}
	a = status_short_path(si->workspace != NULL ? si->workspace : "", 24);
	status_add(f, &n, 6, 0, xasprintf(" %s ", a), NULL);
	free(a);
	if (si->hint != NULL && *si->hint != '\0') {
		f[n].right = 1;
		status_add(f, &n, 1, ROLE_STATUSBAR_ALERT,
		    xasprintf(" %s ", si->hint), NULL);
	}
	f[n].right = 1;
	status_add(f, &n, 0, ROLE_TITLE_FOCUS, xasprintf(" keys: %s ",
	    si->focus), xasprintf(" %s ", si->focus));
	for (i = 0; i < n; i++) {
		if (f[i].role == 0)
			f[i].role = ROLE_STATUSBAR;
		f[i].width = status_width(f[i].text);
	}
	for (lvl = STATUS_PRIO_MAX; lvl > STATUS_KEEP &&
	    status_total(f, n) > width; lvl--)
		status_squeeze(f, n, lvl, 0);
	for (lvl = STATUS_KEEP; lvl >= 0 && status_total(f, n) > width; lvl--)
		status_squeeze(f, n, lvl, 1);
	for (lvl = STATUS_KEEP; lvl > 0 && status_total(f, n) > width; lvl--)
		status_squeeze(f, n, lvl, 0);
	for (i = 0; i < n; i++)
		if (f[i].text != NULL && f[i].right)
			right_w += f[i].width;
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
	for (i = 0; i < n; i++) {
		free(f[i].text);
		free(f[i].compact);
	}
}
