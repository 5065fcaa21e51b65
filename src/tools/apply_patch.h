/*
 * apply_patch.h: the "*** Begin Patch" format GPT-family models write.
 *
 *   *** Begin Patch
 *   *** Add File: PATH          then lines "+text"
 *   *** Delete File: PATH
 *   *** Update File: PATH       optionally "*** Move to: NEWPATH", then
 *   @@ [a line to find first]   chunks of " context", "-old", "+new" lines,
 *   *** End of File             optionally anchoring the chunk at the end
 *   *** End Patch
 *
 * Pure functions over a workspace root, so they are unit-tested without the
 * tool registry.  Paths are model paths (relative to the root, or absolute
 * under model_root); anything resolving outside the root is refused.  The
 * whole patch is parsed before anything is touched (a syntax error changes
 * nothing); then operations apply in order, each file written atomically.
 * If an operation fails, the ones before it stay applied and the report
 * lists them.  doc/TOOLS.md describes matching and error messages.
 */
#ifndef CADE_APPLY_PATCH_H
#define CADE_APPLY_PATCH_H

struct buf;

/*
 * Apply the patch.  report receives one line per file done ("A path",
 * "M path", "M old -> new", "D path").  0, or -1 with *cause (the failing
 * operation and why); report then lists what was applied before it.
 */
int	 apply_patch_run(const char *root_host, const char *model_root,
	    const char *patch, struct buf *report, char **cause);

/*
 * As apply_patch_run(); with dry_run nothing is written (later operations
 * see earlier ones through an in-memory overlay).  diff (may be NULL)
 * receives a unified diff of every change, paths relative to the root.
 */
int	 apply_patch_apply(const char *root_host, const char *model_root,
	    const char *patch, int dry_run, struct buf *report, struct buf *diff,
	    char **cause);

/*
 * The paths the patch names (targets, then move destinations), as written
 * in the patch, each once; NULL-terminated, free with apply_patch_paths_free().
 * NULL with *cause if the patch does not parse.  For the policy engine.
 */
char	**apply_patch_paths(const char *patch, char **cause);
void	  apply_patch_paths_free(char **);

#endif
