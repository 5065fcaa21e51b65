/*
 * walk.c: the tree walk behind grep and glob, honouring .gitignore.
 *
 * Depth-first in name order.  Entering a directory loads its .gitignore (if
 * any) onto a stack of rule sets; leaving pops it.  A path is tested against
 * every set from the root down, each rule in file order, and the last rule
 * that matches decides (so deeper files and later lines override, and "!"
 * re-includes), as git does.  An ignored directory is not entered, so its
 * contents cannot be re-included, also as git does.  When the walk starts
 * below the root, the .gitignore files of the directories above are loaded
 * first.  The start itself is walked even if ignored (the model named it).
 * .git is always skipped; symbolic links are not followed.
 *
 * Supported gitignore syntax: blank lines and "#" comments, "\#" and "\!"
 * escapes, trailing-space trimming, "!" negation, a trailing "/" (directories
 * only), a leading or middle "/" (anchored to the .gitignore's directory),
 * "*", "?", "[...]" and "**".  Not supported: .git/info/exclude, the global
 * excludes file, core.ignorecase.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/util.h"

#include "tools-int.h"

#define WALK_MAX_DEPTH	64
#define WALK_IGNORE_MAX	(1024 * 1024)

struct walk_rule {
	char	*pattern;
	int	 negate;
	int	 dir_only;
	int	 anchored;	/* contains a '/': match the path below base */
};

struct walk_set {
	char			*base;	/* directory of the .gitignore, relative to root ("" for root) */
	struct walk_rule	*rules;
	size_t			 n;
};

struct walk {
	const char	*root;
	struct walk_set	 sets[WALK_MAX_DEPTH + 2];
	int		 nsets;
	tool_walk_fn	 fn;
	void		*arg;
	long		 visited;
	int		 stop;
};

/* Push one .gitignore as a rule set (empty if missing); 1 if pushed. */
static int
walk_load(struct walk *w, const char *host_dir, const char *rel_dir)
{
	struct walk_set *set;
	char *path, *data = NULL, *cause = NULL, *line, *next;
	size_t len;

	if (w->nsets >= (int)nitems(w->sets))
		return 0;
	set = &w->sets[w->nsets++];
	set->base = xstrdup(rel_dir);
	set->rules = NULL;
	set->n = 0;

	path = xasprintf("%s/.gitignore", host_dir);
	if (tool_read_file(path, NULL, WALK_IGNORE_MAX, &data, &len, &cause) == -1) {
		free(cause);
		free(path);
		return 1;
	}
	free(path);
	for (line = data; line != NULL; line = next) {
		struct walk_rule r;
		char *end;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		end = line + strlen(line);
		if (end > line && end[-1] == '\r')
			*--end = '\0';
		/* Trailing spaces go unless escaped. */
		while (end > line && end[-1] == ' ' && !(end - 1 > line && end[-2] == '\\'))
			*--end = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		memset(&r, 0, sizeof r);
		if (*line == '!') {
			r.negate = 1;
			line++;
		} else if (line[0] == '\\' && (line[1] == '#' || line[1] == '!'))
			line++;
		end = line + strlen(line);
		if (end > line && end[-1] == '/') {
			r.dir_only = 1;
			*--end = '\0';
		}
		if (*line == '\0')
			continue;
		if (strchr(line, '/') != NULL) {
			r.anchored = 1;
			if (*line == '/')
				line++;
		}
		r.pattern = xstrdup(line);
		set->rules = xreallocarray(set->rules, set->n + 1, sizeof *set->rules);
		set->rules[set->n++] = r;
	}
	free(data);
	return 1;
}

/* Pop the newest rule set. */
static void
walk_unload(struct walk *w)
{
	struct walk_set *set = &w->sets[--w->nsets];
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->rules[i].pattern);
	free(set->rules);
	free(set->base);
}

/* 1 if rel (relative to root) is ignored by the loaded rule sets. */
static int
walk_ignored(const struct walk *w, const char *rel, int is_dir)
{
	const char *sub, *name;
	int ignored = 0, s;
	size_t i, blen;

	name = strrchr(rel, '/');
	name = name == NULL ? rel : name + 1;
	for (s = 0; s < w->nsets; s++) {
		const struct walk_set *set = &w->sets[s];

		blen = strlen(set->base);
		if (blen == 0)
			sub = rel;
		else if (strncmp(rel, set->base, blen) == 0 && rel[blen] == '/')
			sub = rel + blen + 1;
		else
			continue;
		for (i = 0; i < set->n; i++) {
			const struct walk_rule *r = &set->rules[i];

			if (r->dir_only && !is_dir)
				continue;
			if (tool_match_glob(r->pattern, r->anchored ? sub : name))
				ignored = !r->negate;
		}
	}
	return ignored;
}

static int
walk_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Visit the directory host (rel relative to root; "" for root). */
static void
walk_dir(struct walk *w, const char *host, const char *rel, int depth)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL;
	size_t n = 0, i;
	int pushed;
	DIR *d;

	if (depth > WALK_MAX_DEPTH || (d = opendir(host)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".git") == 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, walk_cmp);

	pushed = walk_load(w, host, rel);
	for (i = 0; i < n && !w->stop; i++) {
		char *chost = xasprintf("%s/%s", host, names[i]);
		char *crel = *rel == '\0' ? xstrdup(names[i]) :
		    xasprintf("%s/%s", rel, names[i]);

		if (lstat(chost, &st) == 0 && !S_ISLNK(st.st_mode) &&
		    !walk_ignored(w, crel, S_ISDIR(st.st_mode))) {
			if (S_ISDIR(st.st_mode))
				walk_dir(w, chost, crel, depth + 1);
			else if (S_ISREG(st.st_mode)) {
				w->visited++;
				if (w->fn(chost, crel, &st, w->arg) != 0)
					w->stop = 1;
			}
		}
		free(chost);
		free(crel);
	}
	if (pushed)
		walk_unload(w);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* See tools-int.h. */
long
tool_walk(const char *root, const char *start, tool_walk_fn fn, void *arg)
{
	struct walk w;
	struct stat st;
	char *rel, *p, *host;
	int outer = 0;

	memset(&w, 0, sizeof w);
	w.root = root;
	w.fn = fn;
	w.arg = arg;
	rel = tool_rel_path(root, start);
	if (strcmp(rel, ".") == 0)
		rel[0] = '\0';

	/* Rule sets of the directories above start, root first. */
	if (*rel != '\0') {
		outer += walk_load(&w, root, "");
		for (p = strchr(rel, '/'); p != NULL; p = strchr(p + 1, '/')) {
			*p = '\0';
			host = xasprintf("%s/%s", root, rel);
			outer += walk_load(&w, host, rel);
			free(host);
			*p = '/';
		}
	}
	/* What the model names explicitly is searched even if ignored. */
	if (stat(start, &st) == 0 && S_ISDIR(st.st_mode))
		walk_dir(&w, start, rel, 0);
	else if (stat(start, &st) == 0 && S_ISREG(st.st_mode)) {
		w.visited++;
		fn(start, rel, &st, arg);
	}
	while (outer-- > 0)
		walk_unload(&w);
	free(rel);
	return w.visited;
}
