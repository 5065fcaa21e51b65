/*
 * task_tracker.c: the agent's plan, kept in the session's tool state.
 *
 * "plan" replaces the whole list (the model re-sends it with statuses
 * changed, as OpenHands' tracker works), "view" shows it.  The normalised
 * list goes to the event stream as result.extra {"plan":[...]} so the TUI
 * and a resumed session can show it; tool_state_plan() returns it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/tool.h"
#include "cade/util.h"

#include "tools-int.h"

#define TT_MAX_TASKS	100

/* The plan as text for the model. */
static char *
tt_render(const cJSON *plan)
{
	const cJSON *t;
	struct buf b;
	int n = 0, done = 0;

	if (plan == NULL || cJSON_GetArraySize(plan) == 0)
		return xstrdup("No plan yet. Use command \"plan\" with a task_list.");
	cJSON_ArrayForEach(t, plan) {
		n++;
		done += strcmp(tool_arg_str(t, "status"), "done") == 0;
	}
	buf_init(&b, 0);
	(void)buf_printf(&b, "Plan (%d/%d done):\n", done, n);
	cJSON_ArrayForEach(t, plan) {
		const char *st = tool_arg_str(t, "status");
		const char *notes = tool_arg_str(t, "notes");

		(void)buf_printf(&b, "%s. [%s] %s%s%s\n", tool_arg_str(t, "id"),
		    strcmp(st, "done") == 0 ? "x" : strcmp(st, "in_progress") == 0 ? ">" : " ",
		    tool_arg_str(t, "title"), notes != NULL && *notes ? " - " : "",
		    notes != NULL ? notes : "");
	}
	return tool_buf_take(&b, NULL);
}

/* Validate and normalise task_list; NULL with *cause. */
static cJSON *
tt_normalise(const cJSON *list, char **cause)
{
	const cJSON *t;
	cJSON *plan, *o;
	const char *title, *status, *notes, *id;
	int i = 0;

	if (!cJSON_IsArray(list)) {
		*cause = xstrdup("'task_list' must be an array of tasks");
		return NULL;
	}
	if (cJSON_GetArraySize(list) > TT_MAX_TASKS) {
		*cause = xasprintf("too many tasks (limit %d)", TT_MAX_TASKS);
		return NULL;
	}
	plan = cJSON_CreateArray();
	cJSON_ArrayForEach(t, list) {
		char idbuf[16];

		i++;
		title = tool_arg_str(t, "title");
		status = tool_arg_str(t, "status");
		notes = tool_arg_str(t, "notes");
		id = tool_arg_str(t, "id");
		if (id == NULL && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(t, "id"))) {
			(void)snprintf(idbuf, sizeof idbuf, "%d",
			    cJSON_GetObjectItemCaseSensitive(t, "id")->valueint);
			id = idbuf;
		}
		if (title == NULL || *title == '\0') {
			*cause = xasprintf("task %d has no 'title'", i);
			goto fail;
		}
		if (status == NULL)
			status = "todo";
		if (strcmp(status, "todo") != 0 && strcmp(status, "in_progress") != 0 &&
		    strcmp(status, "done") != 0) {
			*cause = xasprintf("task %d: status must be todo, in_progress or "
			    "done, not '%s'", i, status);
			goto fail;
		}
		if (id == NULL || *id == '\0') {
			(void)snprintf(idbuf, sizeof idbuf, "%d", i);
			id = idbuf;
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddStringToObject(o, "title", title);
		cJSON_AddStringToObject(o, "status", status);
		if (notes != NULL && *notes != '\0')
			cJSON_AddStringToObject(o, "notes", notes);
		cJSON_AddItemToArray(plan, o);
	}
	return plan;
fail:
	cJSON_Delete(plan);
	return NULL;
}

static void
tt_exec(struct tool_ctx *ctx, const cJSON *args, tool_done_fn done, void *arg)
{
	const char *cmd = tool_arg_str(args, "command");
	const cJSON *plan;
	struct tool_result *r;
	cJSON *np;
	char *cause = NULL;

	if (cmd == NULL)
		cmd = cJSON_GetObjectItemCaseSensitive(args, "task_list") ? "plan" : "view";
	if (strcmp(cmd, "plan") == 0) {
		np = tt_normalise(cJSON_GetObjectItemCaseSensitive(args, "task_list"), &cause);
		if (np == NULL) {
			done(tool_result_error("%s", cause), arg);
			free(cause);
			return;
		}
		tool_state_set_plan(ctx->state, np);
	} else if (strcmp(cmd, "view") != 0) {
		done(tool_result_error("unknown command '%s'; use view or plan", cmd), arg);
		return;
	}
	plan = tool_state_plan(ctx->state);
	r = tool_result_new();
	r->text = tt_render(plan);
	r->extra = cJSON_CreateObject();
	cJSON_AddItemToObject(r->extra, "plan", plan != NULL ?
	    cJSON_Duplicate(plan, 1) : cJSON_CreateArray());
	done(r, arg);
}

static char *
tt_summary(const cJSON *args)
{
	const char *cmd = tool_arg_str(args, "command");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(args, "task_list");

	if (cmd != NULL && strcmp(cmd, "view") == 0)
		return xstrdup("view plan");
	return xasprintf("plan: %d tasks", cJSON_GetArraySize(l));
}

/* The task list a plan call carries. */
static const cJSON *
tt_plan(const cJSON *args)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(args, "task_list");

	return cJSON_IsArray(l) ? l : NULL;
}

const struct tool_entry tool_task_tracker = {
	.name = "task_tracker",
	.description = "Keep a plan for multi-step work. 'plan' replaces the whole "
	    "list (send every task each time, updating statuses); 'view' shows it. "
	    "Keep exactly one task in_progress while working.",
	.schema = "{\"type\":\"object\",\"properties\":{"
	    "\"command\":{\"type\":\"string\",\"enum\":[\"view\",\"plan\"]},"
	    "\"task_list\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
	    "\"title\":{\"type\":\"string\"},"
	    "\"status\":{\"type\":\"string\",\"enum\":[\"todo\",\"in_progress\",\"done\"]},"
	    "\"notes\":{\"type\":\"string\"}},"
	    "\"required\":[\"title\",\"status\"]}}},"
	    "\"required\":[\"command\"]}",
	.mutating = 0,
	.exec = tt_exec,
	.preview = NULL,
	.summary = tt_summary,
	.kind = TOOL_KIND_THINK,
	.plan = tt_plan,
};
