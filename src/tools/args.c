/*
 * args.c: small helpers every tool uses: tool_result construction, typed
 * argument getters tolerant of what models actually send, the output cap.
 *
 * Kept apart from registry.c so a tool (apply_patch in its unit test) can
 * be linked without the whole tool table.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/tool.h"
#include "cade/util.h"

#include "tools-int.h"

/* See tool.h. */
struct tool_result *
tool_result_new(void)
{
	return xcalloc(1, sizeof(struct tool_result));
}

/* See tool.h. */
struct tool_result *
tool_result_error(const char *fmt, ...)
{
	struct tool_result *r = tool_result_new();
	va_list ap;

	va_start(ap, fmt);
	r->text = xvasprintf(fmt, ap);
	va_end(ap);
	r->is_error = 1;
	return r;
}

/* See tool.h. */
void
tool_result_free(struct tool_result *r)
{
	if (r == NULL)
		return;
	free(r->text);
	free(r->diff);
	cJSON_Delete(r->extra);
	free(r);
}

/* See tools-int.h. */
const char *
tool_arg_str(const cJSON *args, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * See tools-int.h.  Models sometimes send numbers as strings ("10"); those
 * are accepted.  0 with *out set, 1 if absent (*out = dflt), -1 if junk.
 */
int
tool_arg_int(const cJSON *args, const char *name, long dflt, long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);

	*out = dflt;
	if (v == NULL || cJSON_IsNull(v))
		return 1;
	if (cJSON_IsNumber(v)) {
		/* Range first: casting an out-of-range double is undefined. */
		if (!(v->valuedouble >= -1e9 && v->valuedouble <= 1e9) ||
		    v->valuedouble != (double)(long)v->valuedouble)
			return -1;
		*out = (long)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v) && util_parse_long(v->valuestring, -1000000000L,
	    1000000000L, out) == 0)
		return 0;
	*out = dflt;
	return -1;
}

/* See tools-int.h.  "true"/"false" strings are accepted too. */
int
tool_arg_bool(const cJSON *args, const char *name, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, name);

	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, "true") == 0;
	return dflt;
}

/* See tools-int.h. */
const char *
tool_effects_own(struct tool_effects *e, char *s)
{
	e->owned = xreallocarray(e->owned, e->nowned + 1, sizeof *e->owned);
	e->owned[e->nowned++] = s;
	return s;
}

/* See tool.h. */
void
tool_effects_path(struct tool_effects *e, const char *path, int write)
{
	e->paths = xreallocarray(e->paths, e->act.npaths + 1, sizeof *e->paths);
	e->paths[e->act.npaths].path = tool_effects_own(e, xstrdup(path));
	e->paths[e->act.npaths].write = write;
	e->act.npaths++;
	e->act.paths = e->paths;
}

/* See tool.h. */
void
tool_effects_bad(struct tool_effects *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	e->act.bad = tool_effects_own(e, xvasprintf(fmt, ap));
	va_end(ap);
}

/* See tool.h. */
void
tool_effects_command(struct tool_effects *e, const char *command, int input)
{
	e->act.command = tool_effects_own(e, xstrdup(command));
	e->act.input = input;
}

/* See tool.h. */
void
tool_effects_external(struct tool_effects *e, const char *key, int read_only)
{
	e->act.external = tool_effects_own(e, xstrdup(key));
	e->act.mutating = !read_only;
}

/* See tool.h. */
void
tool_effects_free(struct tool_effects *e)
{
	size_t i;

	for (i = 0; i < e->nowned; i++)
		free(e->owned[i]);
	free(e->owned);
	free(e->paths);
	memset(e, 0, sizeof *e);
}

/* See tools-int.h. */
void
tool_effects_path_arg(const cJSON *args, struct tool_effects *out)
{
	const char *path = tool_arg_str(args, "path");

	if (path != NULL && *path != '\0')
		tool_effects_path(out, path, 0);
}

/* See tools-int.h. */
struct tool_result *
tool_result_listing(struct buf *out, char *none, char *more)
{
	struct tool_result *r = tool_result_new();

	if (none != NULL)
		(void)buf_puts(out, none);
	if (more != NULL) {
		r->truncated = 1;
		(void)buf_puts(out, more);
	}
	r->text = tool_buf_take(out, NULL);
	free(none);
	free(more);
	return r;
}

/* See tools-int.h. */
char *
tool_search_summary(const cJSON *args, const char *quote)
{
	const char *p = tool_arg_str(args, "pattern");
	const char *path = tool_arg_str(args, "path");

	return xasprintf("%s%s%s in %s", quote, p != NULL ? p : "", quote,
	    path != NULL ? path : ".");
}

/* See tools-int.h. */
size_t
tool_output_limit(const struct config *cfg)
{
	return (size_t)conf_int(cfg, "output_limit");
}

/* See tools-int.h. */
char *
tool_buf_take(struct buf *b, size_t *len)
{
	char *s = buf_detach(b, len);

	buf_free(b);
	return s;
}
