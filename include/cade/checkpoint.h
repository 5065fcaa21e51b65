/*
 * checkpoint.h: snapshots of the workspace in a shadow git repository
 * (doc/CHECKPOINTS.md).
 *
 * A snapshot is two ids: the workspace's files as a git tree in the
 * session's own repository <session dir>/shadow.git (every git call runs
 * with GIT_DIR=shadow.git, GIT_WORK_TREE=<workspace>, GIT_INDEX_FILE in
 * shadow.git and optional locks off, so the project's .git is never read
 * for writing, not even its index), and the project's own git state (HEAD,
 * refs, packed-refs, index, the stash's reflog) as a sha256 of those files
 * copied into <session dir>/gitstate/.  Snapshots run git synchronously
 * through spawn_run(): a few milliseconds when nothing changed (one `git
 * ls-files`), more in proportion to what changed.
 *
 * Nothing here emits events or knows about steps: undo.c keeps the log.
 */
#ifndef CADE_CHECKPOINT_H
#define CADE_CHECKPOINT_H

#include <cjson/cJSON.h>

struct config;

struct ckpt_state {
	char	tree[65];	/* git tree id in the shadow repository */
	char	git[65];	/* sha256 of the project's git state, "" if it has none */
};

struct ckpt;

/*
 * For the session directory sdir and the workspace root (host path).
 * Never fails: a workspace that cannot be checkpointed (checkpoints off, git
 * missing) gives a ckpt whose ckpt_disabled() says why.
 */
struct ckpt	*ckpt_open(const struct config *, const char *sdir, const char *root);
void		 ckpt_free(struct ckpt *);
/* Why no checkpoints are taken (one line), or NULL. */
const char	*ckpt_disabled(const struct ckpt *);
/*
 * Snapshot the workspace now.  *big (may be NULL) gets an array of the
 * paths over checkpoint_max_file that were left out.  -1 with *cause on
 * failure; a workspace found over checkpoint_max_tree disables the ckpt
 * (and fails with that reason).
 */
int		 ckpt_snapshot(struct ckpt *, struct ckpt_state *, cJSON **big,
		    char **cause);
/* 1 if the two snapshots are the same. */
int		 ckpt_same(const struct ckpt_state *, const struct ckpt_state *);
/*
 * What differs from a to b: an array of {"path","status"} (status A, D, M,
 * T as git's --name-status says; "git" entries name the project's git
 * files, e.g. ".git/refs/heads/main").  NULL with *cause.
 */
cJSON		*ckpt_changes(struct ckpt *, const struct ckpt_state *a,
		    const struct ckpt_state *b, char **cause);
/* A unified diff from a to b (ANSI colours if color), git state included. */
char		*ckpt_diff(struct ckpt *, const struct ckpt_state *a,
		    const struct ckpt_state *b, int color, char **cause);
/*
 * Make the workspace be snapshot to, given that it is cur right now (the
 * caller has just taken cur): files created since removed, deleted ones
 * back, modified ones restored with their mode, the project's git state
 * written back.  Ignored and oversized files are left alone.
 */
int		 ckpt_restore(struct ckpt *, const struct ckpt_state *cur,
		    const struct ckpt_state *to, char **cause);
/* Milliseconds the last snapshot took (bench, events). */
long		 ckpt_last_ms(const struct ckpt *);
/* Snapshot state <-> JSON {"tree":..,"git":..}. */
cJSON		*ckpt_state_json(const struct ckpt_state *);
int		 ckpt_state_from_json(const cJSON *, struct ckpt_state *);

#endif
