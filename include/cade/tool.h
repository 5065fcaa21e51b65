/*
 * tool.h: the tools the model can call.
 *
 * Each tool is a const struct tool_entry in its own file (src/tools/NAME.c),
 * listed in one table (src/tools/registry.c).  Names and parameter schemas are
 * the public contract (doc/TOOLS.md).  exec() reports through done() exactly
 * once, possibly before it returns (file tools) or later from the loop
 * (terminal).  Paths from the model go through tool_resolve_path(), which
 * refuses anything resolving outside the workspace.
 */
#ifndef CADE_TOOL_H
#define CADE_TOOL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cade/policy.h"

struct config;
struct loop;
struct shell;
struct workspace;
struct tool_state;

/* Tools added at run time (MCP), searched after the built-in table. */
struct tool_set {
	const struct tool_entry *const	*v;
	size_t				 n;
	int				 pending;	/* servers still starting: requests wait */
};

struct tool_ctx {
	const struct config	*cfg;
	struct loop		*loop;
	struct workspace	*ws;
	struct shell		*shell;
	struct tool_state	*state;		/* undo history, plan: per session */
	const char		*events_path;	/* the session's events.jsonl (recall) */
	const struct tool_set	*extra;		/* run-time tools, or NULL */
	const struct tool_entry	*self;		/* the entry being run (exec, cancel) */
	const char		*call_id;	/* the call being run (progress events) */
};

struct tool_result {
	char	*text;		/* observation for the model, never NULL */
	int	 is_error;	/* the call failed (bad args, refused path, ...) */
	int	 has_exit;	/* exit_code is meaningful */
	int	 exit_code;
	int	 timed_out;
	int	 truncated;
	char	*diff;		/* unified diff of a file change, or NULL */
	char	 digest[65];	/* sha256 of the full output ("" if none) */
	cJSON	*extra;		/* tool-specific fields for the event (e.g. plan), or NULL */
	int	 finish;	/* the finish tool: end the task */
};

typedef void (*tool_done_fn)(struct tool_result *, void *arg);	/* callee frees via tool_result_free */

/*
 * What one call does to the world, as its tool describes it: the action
 * the gate judges (command, paths read and written) plus the memory behind
 * it.  Filled by tool_describe(), released by tool_effects_free().
 */
struct tool_effects {
	const struct tool_entry	*self;		/* the tool described (NULL: unknown) */
	struct policy_action	 act;
	struct policy_path	*paths;		/* act.paths */
	char			**owned;	/* strings the action points into */
	size_t			 nowned;
};

/* What kind of thing a call does, for front ends (ACP's tool kinds). */
enum tool_kind {
	TOOL_KIND_OTHER,	/* anything else (run-time tools) */
	TOOL_KIND_READ,		/* reads files or the session's record */
	TOOL_KIND_EDIT,		/* changes files (a call that writes none: READ) */
	TOOL_KIND_SEARCH,	/* finds files or text */
	TOOL_KIND_EXECUTE,	/* runs commands: its summary is the command */
	TOOL_KIND_THINK,	/* notes and plans, nothing outside */
};

struct tool_entry {
	const char	*name;
	const char	*description;
	const char	*schema;	/* JSON Schema of the parameters object */
	int		 mutating;	/* may change anything: takes security_risk, is confirmed */
	void		(*exec)(struct tool_ctx *, const cJSON *args, tool_done_fn, void *arg);
	/* What exec would change, for the confirmation prompt (a diff), without
	 * changing anything; NULL if not applicable.  May be NULL. */
	char		*(*preview)(struct tool_ctx *, const cJSON *args);
	/* One line for cards and prompts (the command, the path); caller frees. */
	char		*(*summary)(const cJSON *args);
	/* Stop a call still running (the person stopped the step); it still
	 * reports through done().  May be NULL. */
	void		(*cancel)(struct tool_ctx *);
	/* Its server checks the arguments against its own schema (run-time
	 * tools: MCP); cade passes them on unchecked.  0 for built-in tools. */
	int		 server_validates;
	/* What a call does to the world (tool_effects_*() fill out); NULL:
	 * nothing, the tool only reads the session's own state. */
	void		(*effects)(const cJSON *args, struct tool_effects *out);
	/* Runs in the session's shared shell: waits while the person types
	 * there, and a shell that died under it means the workspace is lost. */
	int		 in_shell;
	/* The plan a call sets (an array of tasks in args), for its card
	 * before it runs; NULL: the tool sets no plan. */
	const cJSON	*(*plan)(const cJSON *args);
	enum tool_kind	 kind;
};

const struct tool_entry	*tool_find(const char *name);
/* tool_find(), then the run-time tools of set (may be NULL). */
const struct tool_entry	*tool_find_in(const struct tool_set *, const char *name);

/* The kind of a call of t with args (NULL: the tool's own kind). */
enum tool_kind		 tool_kind_of(const struct tool_entry *t, const cJSON *args);
/* "read", "edit", ...: the name of a kind (ACP's names). */
const char		*tool_kind_name(enum tool_kind);

/* What a call of tool (any name) with args does; free with tool_effects_free. */
void			 tool_describe(const char *tool, const cJSON *args,
			    struct tool_effects *out);
/* The same for a tool already found (t NULL: no tool of that name). */
void			 tool_describe_entry(const struct tool_entry *t,
			    const char *name, const cJSON *args,
			    struct tool_effects *out);
void			 tool_effects_free(struct tool_effects *);
/* For effects(): the call reads or writes path (copied). */
void			 tool_effects_path(struct tool_effects *, const char *path,
			    int write);
/* For effects(): the arguments say nothing usable (formatted, copied). */
void			 tool_effects_bad(struct tool_effects *, const char *fmt, ...)
			    __attribute__((format(printf, 2, 3)));
/* For effects(): the call runs this shell command (copied). */
void			 tool_effects_command(struct tool_effects *, const char *command,
			    int input);
/* For effects(): the call is handed to a server cade cannot see into,
 * named by key ("mcp:server:tool", copied); read_only as its server says. */
void			 tool_effects_external(struct tool_effects *, const char *key,
			    int read_only);
/* Assess a call through the gate (a policy_assess_fn). */
void			 tool_assess(struct policy *, const char *tool, const cJSON *args,
			    const char *root, struct policy_verdict *out);
/* The same for a tool already found (built-in or run-time; NULL: none). */
void			 tool_assess_entry(struct policy *, const struct tool_entry *t,
			    const char *name, const cJSON *args, const char *root,
			    struct policy_verdict *out);
/* Every tool, in table order (docs, tests). */
const struct tool_entry	*const *tool_all(size_t *n);
/*
 * Check arguments against the tool's schema (types, enums, required keys;
 * numbers and booleans sent as strings pass): 0, or -1 with *cause, a
 * message meant for the model ("missing required parameter 'path'").
 */
int			 tool_validate(const struct tool_entry *, const cJSON *args, char **cause);
/* The OpenAI "tools" array for this model (apply_patch or file_editor by config pattern). */
cJSON			*tool_schemas(const struct config *, const char *model);
/* tool_schemas() followed by the run-time tools of set (may be NULL). */
cJSON			*tool_schemas_in(const struct config *, const char *model,
			    const struct tool_set *);
/* 1 if this model gets apply_patch instead of file_editor. */
int			 tool_uses_apply_patch(const struct config *, const char *model);

struct tool_state	*tool_state_new(void);
void			 tool_state_free(struct tool_state *);
/* The current plan (task_tracker) as a JSON array, or NULL; owned by state. */
const cJSON		*tool_state_plan(const struct tool_state *);
/* Resume: set the plan from a stored observation's extra.plan (copied). */
void			 tool_state_restore_plan(struct tool_state *, const cJSON *plan);

/*
 * Resolve a model path (absolute model path, or relative to the root) to a
 * host path inside the workspace, following symlinks of existing parts.
 * NULL with *cause if it escapes.
 */
char			*tool_resolve_path(const struct workspace *, const char *path, char **cause);

/*
 * Walk files under start (a host path inside root) in name order, skipping
 * .git, symbolic links and whatever the .gitignore files from root down say
 * to ignore.  fn gets each regular file with its path relative to root; a
 * non-zero return stops the walk.  Returns the number of files visited.
 */
struct stat;
typedef int (*tool_walk_fn)(const char *host, const char *rel, const struct stat *, void *arg);
long		 tool_walk(const char *root, const char *start, tool_walk_fn, void *arg);

struct tool_result	*tool_result_new(void);
/* Convenience: an error result with a formatted message. */
struct tool_result	*tool_result_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void			 tool_result_free(struct tool_result *);

#endif
