/*
 * finish.c: the finish tool, which ends the task.
 *
 * The result carries finish = 1 and the message for the person; the agent
 * moves to "finished" when it sees it.
 */
#include "config.h"

#include <stdlib.h>

#include "cade/tool.h"
#include "cade/util.h"

#include "tools-int.h"

static void
finish_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done, void *arg)
{
	const char *msg = tool_arg_str(args, "message");
	struct tool_result *r;

	if (msg == NULL) {
		done(tool_result_error("missing required parameter 'message'"), arg);
		return;
	}
	r = tool_result_new();
	r->text = xstrdup(msg);
	r->finish = 1;
	done(r, arg);
}

/* The first line of the message. */
static char *
finish_summary(const cJSON *args)
{
	const char *m = tool_arg_str(args, "message");
	size_t n = 0;

	if (m == NULL)
		return xstrdup("");
	while (m[n] != '\0' && m[n] != '\n' && n < 120)
		n++;
	return xstrndup(m, n);
}

const struct tool_entry tool_finish = {
	.name = "finish",
	.description = "End the task: call when done (or unable to go on), with a "
	    "message for the user summarising what was done.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"message\":{\"type\":\"string\"}},\"required\":[\"message\"]}",
	.mutating = 0,
	.exec = finish_exec,
	.preview = NULL,
	.summary = finish_summary,
};
