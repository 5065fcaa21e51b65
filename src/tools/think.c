/*
 * think.c: the think tool, a scratchpad for the model.
 *
 * Writing reasoning down as a tool call gives models without a reasoning
 * channel room to plan; the thought is recorded in the event stream (the
 * arguments) and nothing else happens.
 */
#include "config.h"

#include <stdlib.h>

#include "cade/tool.h"
#include "cade/util.h"

#include "tools-int.h"

static void
think_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done, void *arg)
{
	struct tool_result *r;

	if (tool_arg_str(args, "thought") == NULL) {
		done(tool_result_error("missing required parameter 'thought'"), arg);
		return;
	}
	r = tool_result_new();
	r->text = xstrdup("Your thought has been logged.");
	done(r, arg);
}

/* The first line of the thought. */
static char *
think_summary(const cJSON *args)
{
	const char *t = tool_arg_str(args, "thought");
	size_t n = 0;

	if (t == NULL)
		return xstrdup("");
	while (t[n] != '\0' && t[n] != '\n' && n < 120)
		n++;
	return xstrndup(t, n);
}

const struct tool_entry tool_think = {
	.name = "think",
	.description = "Think out loud: reason, plan or brainstorm. Changes nothing.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"thought\":{\"type\":\"string\"}},\"required\":[\"thought\"]}",
	.mutating = 0,
	.exec = think_exec,
	.preview = NULL,
	.summary = think_summary,
	.kind = TOOL_KIND_THINK,
};
