/*
 * state.c: what the tools remember across calls within one session.
 *
 * The undo history of file_editor (a stack of previous file contents,
 * newest first, capped by entries and bytes: the oldest go first) and the
 * task_tracker plan.  Owned by the session; the agent creates it with
 * tool_state_new() and passes it in every tool_ctx.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/tool.h"
#include "cade/util.h"

#include "tools-int.h"

#define UNDO_MAX_ENTRIES	64
#define UNDO_MAX_BYTES		(64UL * 1024 * 1024)

struct tool_undo {
	char			*host;
	char			*data;
	size_t			 len;
	int			 existed;
	mode_t			 mode;
	struct tool_undo	*next;	/* older */
};

struct tool_state {
	struct tool_undo	*undo;	/* newest first */
	size_t			 undo_n;
	size_t			 undo_bytes;
	cJSON			*plan;
};

/* See tool.h. */
struct tool_state *
tool_state_new(void)
{
	return xcalloc(1, sizeof(struct tool_state));
}

/* Free one undo entry. */
static void
tool_undo_free(struct tool_undo *u)
{
	free(u->host);
	free(u->data);
	free(u);
}

/* See tool.h. */
void
tool_state_free(struct tool_state *st)
{
	struct tool_undo *u, *next;

	if (st == NULL)
		return;
	for (u = st->undo; u != NULL; u = next) {
		next = u->next;
		tool_undo_free(u);
	}
	cJSON_Delete(st->plan);
	free(st);
}

/* See tool.h. */
const cJSON *
tool_state_plan(const struct tool_state *st)
{
	return st == NULL ? NULL : st->plan;
}

/* See tools-int.h.  Takes ownership of plan. */
void
tool_state_set_plan(struct tool_state *st, cJSON *plan)
{
	cJSON_Delete(st->plan);
	st->plan = plan;
}

/* See tools-int.h.  The oldest entries go first when a cap is reached. */
void
tool_state_push_undo(struct tool_state *st, const char *host, const char *data,
    size_t len, int existed, mode_t mode)
{
	struct tool_undo *u = xcalloc(1, sizeof *u), **pp;

	u->host = xstrdup(host);
	u->data = xmalloc(len + 1);
	if (len > 0)
		memcpy(u->data, data, len);
	u->data[len] = '\0';
	u->len = len;
	u->existed = existed;
	u->mode = mode;
	u->next = st->undo;
	st->undo = u;
	st->undo_n++;
	st->undo_bytes += len;
	while (st->undo_n > UNDO_MAX_ENTRIES ||
	    (st->undo_bytes > UNDO_MAX_BYTES && st->undo_n > 1)) {
		for (pp = &st->undo; (*pp)->next != NULL; pp = &(*pp)->next)
			;
		st->undo_n--;
		st->undo_bytes -= (*pp)->len;
		tool_undo_free(*pp);
		*pp = NULL;
	}
}

/* See tools-int.h. */
int
tool_state_pop_undo(struct tool_state *st, const char *host, char **data,
    size_t *len, int *existed, mode_t *mode)
{
	struct tool_undo **pp, *u;

	for (pp = &st->undo; *pp != NULL; pp = &(*pp)->next) {
		if (strcmp((*pp)->host, host) != 0)
			continue;
		u = *pp;
		*pp = u->next;
		st->undo_n--;
		st->undo_bytes -= u->len;
		*data = u->data;
		*len = u->len;
		*existed = u->existed;
		*mode = u->mode;
		u->data = NULL;
		tool_undo_free(u);
		return 0;
	}
	return -1;
}

/* See tools-int.h. */
int
tool_state_peek_undo(const struct tool_state *st, const char *host, const char **data,
    size_t *len, int *existed)
{
	const struct tool_undo *u;

	for (u = st->undo; u != NULL; u = u->next) {
		if (strcmp(u->host, host) != 0)
			continue;
		*data = u->data;
		*len = u->len;
		*existed = u->existed;
		return 0;
	}
	return -1;
}

/* See tool.h. */
void
tool_state_restore_plan(struct tool_state *st, const cJSON *plan)
{
	tool_state_set_plan(st, cJSON_IsArray(plan) ? cJSON_Duplicate(plan, 1) : NULL);
}
