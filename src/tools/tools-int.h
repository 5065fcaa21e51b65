/*
 * tools-int.h: what the tool files share and nobody else needs.
 *
 * The tool entries themselves, the schema fragment every mutating tool
 * carries, argument getters, path helpers, file I/O (read with caps, atomic
 * write keeping the mode), the glob matcher with "**", the .gitignore-aware
 * tree walk used by grep and glob, and the per-session undo history.
 */
#ifndef CADE_TOOLS_INT_H
#define CADE_TOOLS_INT_H

#include <sys/stat.h>
#include <sys/types.h>

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cade/tool.h"

struct buf;

extern const struct tool_entry tool_terminal;
extern const struct tool_entry tool_file_editor;
extern const struct tool_entry tool_apply_patch;
extern const struct tool_entry tool_grep;
extern const struct tool_entry tool_glob;
extern const struct tool_entry tool_task_tracker;
extern const struct tool_entry tool_think;
extern const struct tool_entry tool_finish;
extern const struct tool_entry tool_recall;

/* The security_risk property, and its description; every mutating tool requires it. */
#define TOOL_RISK_PROP \
	"\"security_risk\":{\"type\":\"string\",\"enum\":[\"LOW\",\"MEDIUM\",\"HIGH\"]," \
	"\"description\":\"LOW: read-only or trivially undone; MEDIUM: changes project files; " \
	"HIGH: destructive, outside the project, network, secrets\"}"

/* Files larger than this are not read by the file tools. */
#define TOOL_FILE_MAX		(64UL * 1024 * 1024)
/* Bytes inspected for a NUL to call a file binary. */
#define TOOL_BINARY_PROBE	8192

/* Arguments: NULL / dflt when absent or of another type. */
const char	*tool_arg_str(const cJSON *args, const char *name);
int		 tool_arg_int(const cJSON *args, const char *name, long dflt, long *out);
int		 tool_arg_bool(const cJSON *args, const char *name, int dflt);

/* buf_detach() then buf_free(): the buffer's memory, the buffer released. */
char		*tool_buf_take(struct buf *, size_t *len);

/* Keep s (allocated) for as long as the effects; returns it. */
const char	*tool_effects_own(struct tool_effects *, char *s);
/* effects() of a tool that reads the optional "path" argument. */
void		 tool_effects_path_arg(const cJSON *args, struct tool_effects *);
/*
 * A search's result (glob, grep): the listing in out (taken), then none
 * (what to say when nothing was found) and more (a note that the listing
 * was cut short, marking it truncated), each NULL when it does not apply
 * and freed here.
 */
struct tool_result *tool_result_listing(struct buf *out, char *none, char *more);
/* A search's summary: "<quote>pattern<quote> in path". */
char		*tool_search_summary(const cJSON *args, const char *quote);
/* output_limit from the config. */
size_t		 tool_output_limit(const struct config *);

/* Resolve against explicit roots (tool_resolve_path() uses the workspace's). */
char		*tool_resolve_in(const char *root, const char *model_root,
		    const char *path, char **cause);
/* Host path inside root -> the path the model sees; caller frees. */
char		*tool_model_path(const char *root, const char *model_root, const char *host);
/* Host path inside root -> relative to root ("." for the root); caller frees. */
char		*tool_rel_path(const char *root, const char *host);

/*
 * Whole file, NUL-terminated; -1 with *cause (missing, too big, a directory).
 * Messages name shown, the path as the model knows it (host if NULL): the
 * model never sees host paths it did not give.
 */
int		 tool_read_file(const char *host, const char *shown, size_t max,
		    char **data, size_t *len, char **cause);
/* 1 if the bytes look binary (a NUL in the first TOOL_BINARY_PROBE bytes). */
int		 tool_is_binary(const char *data, size_t len);
/*
 * Write through a temporary file in the same directory and rename(2) over
 * the target: readers see the old or the new file, never a half one.  mode
 * < 0 keeps the existing file's mode (0666 & ~umask for a new file).
 * Missing parent directories are created.  Messages name shown, as above.
 */
int		 tool_write_atomic(const char *host, const char *shown,
		    const char *data, size_t len, int mode, char **cause);

/* fnmatch-like with '/' never matched by '*' or '?', and "**" across directories. */
int		 tool_match_glob(const char *pattern, const char *path);
/* Expand "{a,b}" alternatives (nested allowed); NULL-terminated, free with tool_strv_free. */
char		**tool_expand_braces(const char *pattern);
void		 tool_strv_free(char **);

/* tool_walk() (the tree walk behind grep and glob) is in cade/tool.h. */

/* Undo history and plan (state.c). */
void		 tool_state_push_undo(struct tool_state *, const char *host,
		    const char *data, size_t len, int existed, mode_t mode);
/* Pop the newest entry for host: 0 and the saved content, or -1 if none. */
int		 tool_state_pop_undo(struct tool_state *, const char *host,
		    char **data, size_t *len, int *existed, mode_t *mode);
/* The newest entry for host without removing it: 0, or -1 if none. */
int		 tool_state_peek_undo(const struct tool_state *, const char *host,
		    const char **data, size_t *len, int *existed);
void		 tool_state_set_plan(struct tool_state *, cJSON *plan);

#endif
