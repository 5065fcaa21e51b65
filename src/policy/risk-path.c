/*
 * risk-path.c: the path model of the risk analysis.  A path a command or a
 * file tool names is cleaned, resolved against the workspace root and the
 * tracked working directory (symlinks of existing parts followed), and put
 * in a class (inside the workspace, its root, /tmp, a device, a system
 * directory, an ancestor, home, elsewhere, unknown); deletions and writes
 * are rated by that class, and path rules (rules.c) are matched.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cade/buf.h"
#include "shellparse.h"
#include "cade/util.h"
#include "policy-int.h"

/* Lexically clean an absolute path: //, /./, /../; caller frees. */
char *
pol_path_clean(const char *path)
{
	char *out = xmalloc(strlen(path) + 2), *o = out;
	const char *s = path, *e;
	size_t len;

	*o = '\0';
	while (*s != '\0') {
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		e = s + strcspn(s, "/");
		len = (size_t)(e - s);
		if (len == 1 && s[0] == '.') {
			/* nothing */
		} else if (len == 2 && s[0] == '.' && s[1] == '.') {
			while (o > out && *--o != '/')
				;
			*o = '\0';
		} else {
			*o++ = '/';
			memcpy(o, s, len);
			o += len;
			*o = '\0';
		}
		s = e;
	}
	if (o == out) {
		out[0] = '/';
		out[1] = '\0';
	}
	return out;
}

/* Is p dir itself or below it? */
static int
pol_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return 1;
	return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* realpath of the longest existing prefix plus the rest; caller frees. */
static char *
pol_realish(const char *abs, int follow_last)
{
	char *dup = xstrdup(abs), *slash, *real, *out;
	const char *rest;

	if (follow_last && (real = realpath(abs, NULL)) != NULL) {
		free(dup);
		return real;
	}
	for (;;) {
		slash = strrchr(dup, '/');
		if (slash == NULL || slash == dup) {
			free(dup);
			return xstrdup(abs);
		}
		*slash = '\0';
		if ((real = realpath(dup, NULL)) != NULL)
			break;
	}
	rest = abs + (slash - dup);
	out = xasprintf("%s%s", strcmp(real, "/") == 0 ? "" : real, rest);
	free(real);
	free(dup);
	return out;
}

/* Class of a clean absolute path. */
static enum pol_pclass
pol_classify(struct pol_ctx *x, const char *abs)
{
	static const char *const harmless[] = {
		"/dev/null", "/dev/zero", "/dev/stdout", "/dev/stderr",
		"/dev/stdin", "/dev/tty", "/dev/full", "/dev/random",
		"/dev/urandom",
	};
	const char *home = x->p->home, *tmp = getenv("TMPDIR");
	size_t i;

	if (strcmp(abs, "/") == 0)
		return PC_SYSROOT;
	if (x->root != NULL) {
		if (strcmp(abs, x->root) == 0)
			return PC_ROOT;
		if (pol_under(abs, x->root))
			return PC_INSIDE;
		if (pol_under(x->root, abs))
			return PC_ANCESTOR;
	}
	if (strcmp(abs, home) == 0)
		return PC_HOME;
	if (pol_under(home, abs))
		return PC_ANCESTOR;
	for (i = 0; i < nitems(harmless); i++)
		if (strcmp(abs, harmless[i]) == 0)
			return PC_DEVNULL;
	if (strncmp(abs, "/dev/fd/", 8) == 0 ||
	    strncmp(abs, "/proc/self/fd/", 14) == 0)
		return PC_DEVNULL;
	if (pol_under(abs, "/dev"))
		return strcmp(abs, "/dev") == 0 ? PC_SYSTOP : PC_DEVICE;
	if ((pol_under(abs, "/tmp") && strcmp(abs, "/tmp") != 0) ||
	    (pol_under(abs, "/var/tmp") && strcmp(abs, "/var/tmp") != 0) ||
	    (tmp != NULL && tmp[0] == '/' && strlen(tmp) > 1 &&
	    pol_under(abs, tmp) && strcmp(abs, tmp) != 0))
		return PC_TMP;
	if (strchr(abs + 1, '/') == NULL)
		return PC_SYSTOP;
	return PC_OUTSIDE;
}

/* Resolve and classify an absolute path (symlinks inside the root followed). */
void
pol_path_set(struct pol_ctx *x, const char *path, int follow_last,
    struct pol_path *out)
{
	char *clean = pol_path_clean(path), *real;

	out->globall = 0;
	out->cls = pol_classify(x, clean);
	if (out->cls != PC_DEVNULL && out->cls != PC_DEVICE) {
		/* a symlink inside may lead out; a symlinked path to the
		 * root (/tmp -> /private/tmp) leads in */
		real = pol_realish(clean, follow_last);
		if (strcmp(real, clean) != 0 && (out->cls == PC_INSIDE ||
		    out->cls == PC_ROOT || pol_under(real, x->root != NULL ?
		    x->root : "/nonexistent"))) {
			free(clean);
			clean = real;
			out->cls = pol_classify(x, clean);
		} else
			free(real);
	}
	out->abs = clean;
	out->rel = NULL;
	if (out->cls == PC_INSIDE)
		out->rel = clean + strlen(x->root) + (strcmp(x->root, "/") != 0);
}

/* Expand what a static analysis can: ~, $HOME, $PWD, $TMPDIR; NULL if not. */
static char *
pol_expand(struct pol_ctx *x, const struct shp_word *w)
{
	static const struct {
		const char	*var;
		int		 which;
	} vars[] = {
		{ "$HOME", 0 }, { "${HOME}", 0 }, { "$PWD", 1 }, { "${PWD}", 1 },
		{ "$TMPDIR", 2 }, { "${TMPDIR}", 2 },
	};
	const char *s = w->s, *val;
	size_t i, n;

	if (w->flags & (SHP_CMDSUB | SHP_ARITH | SHP_PROCSUB | SHP_OPAQUE))
		return NULL;
	if (x->xph != NULL && x->xph[0] != '\0' && strstr(s, x->xph) != NULL)
		return NULL;	/* xargs fills it in */
	if (w->flags & SHP_VAR) {
		for (i = 0; i < nitems(vars); i++) {
			n = strlen(vars[i].var);
			if (strncmp(s, vars[i].var, n) != 0 ||
			    (s[n] != '\0' && s[n] != '/') || strchr(s + n, '$'))
				continue;
			val = vars[i].which == 0 ? x->p->home :
			    vars[i].which == 1 ? x->cwd : "/tmp";
			if (val == NULL)
				return NULL;
			return xasprintf("%s%s", val, s + n);
		}
		return NULL;
	}
	if ((w->flags & SHP_TILDE) && s[0] == '~') {
		if (s[1] == '\0' || s[1] == '/')
			return xasprintf("%s%s", x->p->home, s + 1);
		return xasprintf("/home/%s", s + 1);
	}
	return xstrdup(s);
}

/* Resolve a shell word to a classified path. */
void
pol_path_word(struct pol_ctx *x, const struct shp_word *w, int follow_last,
    struct pol_path *out)
{
	char *s, *full, *g, *slash, *comp;
	size_t clen;
	int all = 0;

	memset(out, 0, sizeof *out);
	out->cls = PC_UNKNOWN;
	if ((s = pol_expand(x, w)) == NULL)
		return;
	if (s[0] != '/') {
		if (x->cwd == NULL) {
			free(s);
			return;
		}
		full = xasprintf("%s/%s", x->cwd, s);
		free(s);
		s = full;
	}
	if ((w->flags & (SHP_GLOB | SHP_BRACE)) &&
	    (g = s + strcspn(s, "*?[{")) != s + strlen(s)) {
		/* judge the directory a pattern lists */
		char save = *g;

		*g = '\0';
		slash = strrchr(s, '/');
		*g = save;
		comp = slash + 1;
		clen = strcspn(comp, "/");
		all = clen > 0 && strspn(comp, "*.") == clen &&
		    memchr(comp, '*', clen) != NULL;
		if (all) {
			*slash = '\0';
			full = xstrdup(s[0] == '\0' ? "/" : s);
			free(s);
			s = full;
		}
	}
	pol_path_set(x, s, follow_last, out);
	out->globall = all;
	free(s);
}

/* The path as the person would read it (~/ for home). */
char *
pol_path_show(struct pol_ctx *x, const struct pol_path *pp, const struct shp_word *w)
{
	const char *home = x->p->home;

	if (pp->abs == NULL)
		return xstrdup(w != NULL ? w->s : "?");
	if (pol_under(pp->abs, home) && strcmp(home, "/") != 0)
		return xasprintf("~%s%s", pp->abs + strlen(home),
		    pp->globall ? "/*" : "");
	return xasprintf("%s%s", pp->abs, !pp->globall ? "" :
	    strcmp(pp->abs, "/") == 0 ? "*" : "/*");
}

/* Match path-scoped rules against the forms of a path. */
void
pol_path_rules(struct pol_ctx *x, const struct pol_path *pp, unsigned scope)
{
	struct policy *p = x->p;
	char *tilde;
	size_t i;
	const struct pol_rule *r;

	if (pp->abs == NULL)
		return;
	if (p->dirty)
		pol_index(p);
	tilde = pol_path_show(x, pp, NULL);
	for (i = 0; i < p->nscoped; i++) {
		r = p->scoped[i];
		if (!(r->scope & scope))
			continue;
		/* inside the workspace only the relative form counts, so a
		 * workspace under /var or ~/ is not a system or home path */
		if (pp->cls == PC_INSIDE ? pol_match(p, r, pp->rel,
		    strlen(pp->rel)) : (pol_match(p, r, tilde, strlen(tilde)) ||
		    pol_match(p, r, pp->abs, strlen(pp->abs))))
			pol_add_finding(x->out, r->risk, r->deny, r->name, x->seg,
			    "%s: %s", r->reason, tilde);
	}
	free(tilde);
}

/* A shell command deletes a path. */
void
pol_rate_delete(struct pol_ctx *x, const struct shp_word *w, int rec, int force)
{
	struct pol_path pp;
	char *show;

	pol_path_word(x, w, 0, &pp);
	show = pol_path_show(x, &pp, w);
	switch (pp.cls) {
	case PC_SYSROOT:
	case PC_SYSTOP:
	case PC_HOME:
	case PC_ANCESTOR:
		if (rec)
			FIND(x, RISK_HIGH, 1, "rm-root", "recursive delete of %s%s",
			    show, pp.cls == PC_ANCESTOR ? " (holds the workspace "
			    "or home)" : "");
		else
			FIND(x, RISK_MEDIUM, 0, "rm-outside",
			    "deletes outside the workspace: %s", show);
		break;
	case PC_ROOT:
		if (rec)
			FIND(x, RISK_HIGH, 0, "rm-workspace",
			    "deletes the whole workspace: %s", show);
		else
			FIND(x, RISK_MEDIUM, 0, "rm-workspace",
			    "deletes files at the top of the workspace: %s", show);
		break;
	case PC_INSIDE:
		if (rec && strcmp(pp.rel, ".git") == 0)
			FIND(x, RISK_HIGH, 0, "rm-git",
			    "deletes the repository's history: %s", show);
		break;
	case PC_TMP:
		if (rec || force)
			FIND(x, RISK_MEDIUM, 0, "rm-outside",
			    "deletes outside the workspace: %s", show);
		break;
	case PC_DEVNULL:
		break;
	case PC_DEVICE:
		FIND(x, RISK_HIGH, 0, "write-device", "deletes a device: %s", show);
		break;
	case PC_OUTSIDE:
		FIND(x, rec || force ? RISK_HIGH : RISK_MEDIUM, 0, "rm-outside",
		    "%sdeletes outside the workspace: %s",
		    rec ? "recursively " : force ? "force-" : "", show);
		break;
	case PC_UNKNOWN:
		if (rec)
			FIND(x, RISK_UNKNOWN, 0, "rm-dynamic", "recursive delete "
			    "of a path known only at run time: %s", show);
		else
			FIND(x, RISK_MEDIUM, 0, "rm-dynamic", "deletes a path "
			    "known only at run time: %s", show);
		break;
	}
	pol_path_rules(x, &pp, PS_WRITE);
	free(show);
	free(pp.abs);
}

/* A shell command writes a path. */
void
pol_rate_write(struct pol_ctx *x, const struct shp_word *w, int rec)
{
	struct pol_path pp;
	char *show;

	pol_path_word(x, w, 1, &pp);
	show = pol_path_show(x, &pp, w);
	pol_prog_written(x, &pp);
	switch (pp.cls) {
	case PC_INSIDE:
	case PC_ROOT:
	case PC_TMP:
	case PC_DEVNULL:
		break;
	case PC_DEVICE:
		FIND(x, RISK_HIGH, 0, "write-device", "writes to a device: %s",
		    show);
		break;
	case PC_SYSROOT:
	case PC_SYSTOP:
	case PC_ANCESTOR:
	case PC_HOME:
	case PC_OUTSIDE:
		FIND(x, rec ? RISK_HIGH : RISK_MEDIUM, 0, "write-outside",
		    "%swrites outside the workspace: %s",
		    rec ? "recursively " : "", show);
		break;
	case PC_UNKNOWN:
		FIND(x, rec ? RISK_UNKNOWN : RISK_MEDIUM, 0, "write-dynamic",
		    "writes to a path known only at run time: %s", show);
		break;
	}
	pol_path_rules(x, &pp, PS_WRITE);
	free(show);
	free(pp.abs);
}
