/*
 * recall.c: the recall tool reads an earlier observation back, whole, from
 * the session store.
 *
 * To keep requests bounded, the model's view shortens old observations and
 * elides the middle of large ones (agent.c); the store keeps each one as it
 * was recorded.  recall scans events.jsonl for the observation of a call id,
 * so nothing extra is kept in memory for it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/conf.h"
#include "cade/event.h"
#include "cade/tool.h"
#include "cade/util.h"

#include "tools-int.h"

static void
recall_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done, void *arg)
{
	const char *id = tool_arg_str(args, "call_id");
	struct tool_result *r;
	struct event *ev;
	char *line = NULL, *found = NULL, *why;
	size_t cap = 0, limit;
	ssize_t n;
	FILE *f;

	if (id == NULL) {
		done(tool_result_error("missing required parameter 'call_id'"), arg);
		return;
	}
	if (ctx->events_path == NULL || (f = fopen(ctx->events_path, "r")) == NULL) {
		done(tool_result_error("the session store cannot be read"), arg);
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (strstr(line, "\"type\":\"observation\"") == NULL ||
		    strstr(line, id) == NULL || line[n - 1] != '\n')
			continue;
		line[n - 1] = '\0';
		if ((ev = event_from_json(line, &why)) == NULL) {
			free(why);
			continue;
		}
		if (ev->type == EV_OBSERVATION &&
		    strcmp(event_str(ev, "call_id", ""), id) == 0) {
			free(found);
			found = xstrdup(event_str(ev, "text", ""));
		}
		event_free(ev);
	}
	free(line);
	fclose(f);
	if (found == NULL) {
		done(tool_result_error("no observation with call_id '%s'", id), arg);
		return;
	}
	/* Recall may pass the view's cut, never the tools' own output cap. */
	limit = (size_t)conf_int(ctx->cfg, "output_limit");
	r = tool_result_new();
	free(r->text);
	if (strlen(found) > limit) {
		r->text = xasprintf("%.*s\n[... %zu more bytes not shown ...]",
		    (int)limit, found, strlen(found) - limit);
		r->truncated = 1;
		free(found);
	} else
		r->text = found;
	done(r, arg);
}

/* The call id asked for. */
static char *
recall_summary(const cJSON *args)
{
	const char *id = tool_arg_str(args, "call_id");

	return xstrdup(id != NULL ? id : "");
}

const struct tool_entry tool_recall = {
	.name = "recall",
	.description = "Read back the whole output of an earlier tool call whose "
	    "output was shortened to save context. Changes nothing.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"call_id\":{\"type\":\"string\"}},\"required\":[\"call_id\"]}",
	.mutating = 0,
	.exec = recall_exec,
	.preview = NULL,
	.summary = recall_summary,
	.kind = TOOL_KIND_READ,
};
