/*
 * glob.c: the glob tool, file names by pattern, newest first.
 *
 * tool_walk() supplies every file .gitignore does not exclude; each path,
 * relative to the search directory, is matched against the brace-expanded
 * pattern (tool_match_glob: "**" crosses directories).  A pattern without
 * '/' matches the file name at any depth, as find -name does, since that
 * is what models mean by "*.py".  Matches are sorted by modification time,
 * newest first (what was just edited is usually what matters), then by
 * path, and capped.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"

#include "tools-int.h"

#define GLOB_DEFAULT_RESULTS	100
#define GLOB_MAX_RESULTS	1000
#define GLOB_MAX_COLLECT	100000

struct glob_hit {
	char		*rel;
	long long	 mtime_ns;
};

struct glob_run {
	char		**pats;
	const char	*start_rel;
	const struct workspace *ws;
	struct glob_hit	*hits;
	size_t		 n;
	int		 overflow;
};

static int
glob_file(const char *host, const char *rel, const struct stat *st, void *arg)
{
	struct glob_run *g = arg;
	const char *sub = rel, *name;
	size_t n = strlen(g->start_rel), i;

	if (ws_hidden(g->ws, host))
		return 0;	/* hidden by the sandbox */

	if (n > 0 && strncmp(rel, g->start_rel, n) == 0 && rel[n] == '/')
		sub = rel + n + 1;
	name = strrchr(sub, '/');
	name = name == NULL ? sub : name + 1;
	for (i = 0; g->pats[i] != NULL; i++)
		if (tool_match_glob(g->pats[i], strchr(g->pats[i], '/') ? sub : name))
			break;
	if (g->pats[i] == NULL)
		return 0;
	if (g->n == GLOB_MAX_COLLECT) {
		g->overflow = 1;
		return 1;
	}
	g->hits = xreallocarray(g->hits, g->n + 1, sizeof *g->hits);
	g->hits[g->n].rel = xstrdup(rel);
	g->hits[g->n++].mtime_ns = (long long)st->st_mtim.tv_sec * 1000000000LL +
	    st->st_mtim.tv_nsec;
	return 0;
}

static int
glob_cmp(const void *a, const void *b)
{
	const struct glob_hit *x = a, *y = b;

	if (x->mtime_ns != y->mtime_ns)
		return x->mtime_ns > y->mtime_ns ? -1 : 1;
	return strcmp(x->rel, y->rel);
}

static void
glob_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done, void *arg)
{
	const char *pattern = tool_arg_str(args, "pattern");
	const char *path = tool_arg_str(args, "path");
	struct tool_result *r;
	struct glob_run g;
	struct buf out;
	char *host, *cause = NULL, *rel, *p;
	long max;
	size_t i, limit = tool_output_limit(ctx->cfg);

	if (pattern == NULL || *pattern == '\0') {
		done(tool_result_error("missing required parameter 'pattern'"), arg);
		return;
	}
	if (tool_arg_int(args, "max_results", GLOB_DEFAULT_RESULTS, &max) == -1 || max < 1)
		max = GLOB_DEFAULT_RESULTS;
	if (max > GLOB_MAX_RESULTS)
		max = GLOB_MAX_RESULTS;
	if ((host = tool_resolve_path(ctx->ws, path != NULL && *path ? path : ".",
	    &cause)) == NULL) {
		done(tool_result_error("%s", cause), arg);
		free(cause);
		return;
	}
	memset(&g, 0, sizeof g);
	g.ws = ctx->ws;
	/* "./x" and "/x" mean x relative to the search directory. */
	p = xstrdup(pattern);
	g.pats = tool_expand_braces(p[0] == '.' && p[1] == '/' ? p + 2 :
	    p[0] == '/' ? p + 1 : p);
	free(p);
	rel = tool_rel_path(ctx->ws->root, host);
	g.start_rel = strcmp(rel, ".") == 0 ? "" : rel;

	tool_walk(ctx->ws->root, host, glob_file, &g);
	if (g.n > 1)
		qsort(g.hits, g.n, sizeof *g.hits, glob_cmp);

	buf_init(&out, 0);
	for (i = 0; i < g.n && i < (size_t)max && out.len < limit; i++)
		(void)buf_printf(&out, "%s\n", g.hits[i].rel);
	r = tool_result_listing(&out, g.n > 0 ? NULL :
	    xasprintf("No files match '%s' in %s.\n", pattern,
	    path != NULL && *path ? path : "the workspace"),
	    i == g.n && !g.overflow ? NULL :
	    xasprintf("[%s%zu more not shown; narrow the pattern or path]\n",
	    g.overflow ? "at least " : "", g.n - i));
	for (i = 0; i < g.n; i++)
		free(g.hits[i].rel);
	free(g.hits);
	tool_strv_free(g.pats);
	free(rel);
	free(host);
	done(r, arg);
}

static char *
glob_summary(const cJSON *args)
{
	return tool_search_summary(args, "");
}

const struct tool_entry tool_glob = {
	.name = "glob",
	.description = "Find files by name pattern (\"**/*.c\", \"src/*.{h,c}\"; without "
	    "'/' the name matches at any depth), newest first, skipping .gitignore'd "
	    "files. Paths relative to the workspace.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"pattern\":{\"type\":\"string\"},"
	    "\"path\":{\"type\":\"string\",\"description\":\"directory to search (default: "
	    "workspace root)\"},"
	    "\"max_results\":{\"type\":\"integer\",\"description\":\"default 100\"}},"
	    "\"required\":[\"pattern\"]}",
	.mutating = 0,
	.exec = glob_exec,
	.preview = NULL,
	.summary = glob_summary,
	.kind = TOOL_KIND_SEARCH,
	.effects = tool_effects_path_arg,
};
