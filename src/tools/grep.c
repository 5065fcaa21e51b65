/*
 * grep.c: the grep tool, a PCRE2 search over the workspace.
 *
 * The pattern is compiled once (UTF mode tolerating invalid UTF-8, multi-line
 * so ^ and $ work per line, JIT when available); tool_walk() feeds every file
 * that .gitignore does not exclude; binary files (a NUL in the first 8 KB)
 * are skipped.  Each file is matched as one buffer and every matching line
 * is reported once as "path:line:text", path relative to the workspace root,
 * text cut at GREP_LINE_MAX bytes.  The walk stops once max_results lines are
 * found, so a broad pattern over a large tree stays cheap.
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "cade/buf.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"

#include "tools-int.h"

#define GREP_DEFAULT_RESULTS	100
#define GREP_MAX_RESULTS	1000
#define GREP_LINE_MAX		200

struct grep_run {
	pcre2_code		*re;
	pcre2_match_data	*md;
	char			**include;	/* brace-expanded globs, or NULL */
	const char		*start_rel;	/* search root relative to the workspace root */
	const struct workspace	*ws;
	struct buf		 out;
	size_t			 limit;		/* output bytes */
	long			 max;
	long			 found;
	long			 files;		/* files with a match */
	int			 more;		/* stopped with matches left */
	int			 errors;
};

/* 1 if the file passes the include globs. */
static int
grep_included(const struct grep_run *g, const char *rel)
{
	const char *name = strrchr(rel, '/'), *sub = rel;
	size_t n = strlen(g->start_rel);
	size_t i;

	if (g->include == NULL)
		return 1;
	name = name == NULL ? rel : name + 1;
	if (n > 0 && strncmp(rel, g->start_rel, n) == 0 && rel[n] == '/')
		sub = rel + n + 1;
	for (i = 0; g->include[i] != NULL; i++)
		if (tool_match_glob(g->include[i], strchr(g->include[i], '/') ? sub : name))
			return 1;
	return 0;
}

/* Append "rel:line:text" with text cut at a UTF-8 boundary. */
static void
grep_emit(struct grep_run *g, const char *rel, long line, const char *s, size_t n)
{
	size_t cut = n, clen;
	char *clean;

	while (cut > 0 && (s[cut - 1] == '\r'))
		cut--;
	if (cut > GREP_LINE_MAX) {
		cut = GREP_LINE_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	clean = util_utf8_sanitize(s, cut, &clen);
	(void)buf_printf(&g->out, "%s:%ld:", rel, line);
	(void)buf_append(&g->out, clean, clen);
	(void)buf_puts(&g->out, cut < n && n - cut > 1 ? " [...]\n" : "\n");
	free(clean);
}

/* Search one file; non-zero stops the walk. */
static int
grep_file(const char *host, const char *rel, const struct stat *st, void *arg)
{
	struct grep_run *g = arg;
	PCRE2_SIZE *ov;
	char *data = NULL, *cause = NULL;
	size_t len, off = 0, lstart, lend, counted = 0;
	long line = 1;
	int rc, hit = 0;

	if (ws_hidden(g->ws, host))
		return 0;	/* hidden by the sandbox */

	if (!grep_included(g, rel))
		return 0;
	if (tool_read_file(host, rel, TOOL_FILE_MAX, &data, &len, &cause) == -1) {
		free(cause);
		g->errors++;
		return 0;
	}
	if (tool_is_binary(data, len)) {
		free(data);
		return 0;
	}
	ov = pcre2_get_ovector_pointer(g->md);
	while (off <= len) {
		rc = pcre2_match(g->re, (PCRE2_SPTR)data, len, off, 0, g->md, NULL);
		if (rc < 0 || (ov[0] == len && len > 0 && data[len - 1] == '\n'))
			break;	/* no match, or an empty one after the last line */
		lstart = ov[0];
		while (lstart > 0 && data[lstart - 1] != '\n')
			lstart--;
		for (; counted < lstart; counted++)
			line += data[counted] == '\n';
		lend = ov[0];
		while (lend < len && data[lend] != '\n')
			lend++;
		if (g->found == g->max || g->out.len > g->limit) {
			g->more = 1;
			break;
		}
		grep_emit(g, rel, line, data + lstart, lend - lstart);
		g->found++;
		hit = 1;
		off = lend + 1;
	}
	g->files += hit;
	free(data);
	return g->more;
}

static void
grep_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done, void *arg)
{
	const char *pattern = tool_arg_str(args, "pattern");
	const char *path = tool_arg_str(args, "path");
	const char *include = tool_arg_str(args, "include");
	struct grep_run g;
	struct tool_result *r;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE eoff;
	char *host, *cause = NULL, *rel;
	int err;

	if (pattern == NULL || *pattern == '\0') {
		done(tool_result_error("missing required parameter 'pattern'"), arg);
		return;
	}
	memset(&g, 0, sizeof g);
	g.ws = ctx->ws;
	if (tool_arg_int(args, "max_results", GREP_DEFAULT_RESULTS, &g.max) == -1 ||
	    g.max < 1)
		g.max = GREP_DEFAULT_RESULTS;
	if (g.max > GREP_MAX_RESULTS)
		g.max = GREP_MAX_RESULTS;
	if ((host = tool_resolve_path(ctx->ws, path != NULL && *path ? path : ".",
	    &cause)) == NULL) {
		done(tool_result_error("%s", cause), arg);
		free(cause);
		return;
	}
	g.re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_MULTILINE, &err, &eoff, NULL);
	if (g.re == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		done(tool_result_error("invalid pattern at offset %zu: %s", (size_t)eoff,
		    (char *)msg), arg);
		free(host);
		return;
	}
	(void)pcre2_jit_compile(g.re, PCRE2_JIT_COMPLETE);	/* interpreter if no JIT */
	g.md = pcre2_match_data_create_from_pattern(g.re, NULL);
	g.include = include != NULL && *include ? tool_expand_braces(include) : NULL;
	rel = tool_rel_path(ctx->ws->root, host);
	g.start_rel = strcmp(rel, ".") == 0 ? "" : rel;
	g.limit = tool_output_limit(ctx->cfg);
	buf_init(&g.out, 0);

	tool_walk(ctx->ws->root, host, grep_file, &g);

	r = tool_result_listing(&g.out, g.found > 0 ? NULL :
	    xasprintf("No matches for /%s/ in %s%s%s%s.\n", pattern,
	    path != NULL && *path ? path : "the workspace",
	    include != NULL && *include ? " (include " : "",
	    include != NULL && *include ? include : "",
	    include != NULL && *include ? ")" : ""),
	    !g.more ? NULL : xasprintf("[stopped after %ld matches; narrow the "
	    "pattern, path or include]\n", g.found));
	tool_strv_free(g.include);
	pcre2_match_data_free(g.md);
	pcre2_code_free(g.re);
	free(rel);
	free(host);
	done(r, arg);
}

static char *
grep_summary(const cJSON *args)
{
	return tool_search_summary(args, "/");
}

const struct tool_entry tool_grep = {
	.name = "grep",
	.description = "Search file contents with a PCRE2 regex (skips .gitignore'd, "
	    "binary and .git files). Returns path:line:text, paths relative to the "
	    "workspace. include: file glob, e.g. \"*.c\" or \"*.{h,c}\".",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"pattern\":{\"type\":\"string\"},"
	    "\"path\":{\"type\":\"string\",\"description\":\"directory or file (default: "
	    "workspace root)\"},"
	    "\"include\":{\"type\":\"string\"},"
	    "\"max_results\":{\"type\":\"integer\",\"description\":\"default 100, max 1000\"}},"
	    "\"required\":[\"pattern\"]}",
	.mutating = 0,
	.exec = grep_exec,
	.preview = NULL,
	.summary = grep_summary,
	.kind = TOOL_KIND_SEARCH,
	.effects = tool_effects_path_arg,
};
