/*
 * diff.h: unified diffs of two texts, for edit observations and previews.
 *
 * Line-based (Myers' O(ND) algorithm after trimming the common head and
 * tail).  Lines compare with their newline, so a missing final newline is a
 * change and is shown as "\ No newline at end of file", as diff(1) does.
 * When the edit distance passes an internal bound the differing middle is
 * shown as one replacement: still a correct diff, just not a minimal one.
 */
#ifndef CADE_DIFF_H
#define CADE_DIFF_H

#include <stddef.h>

/*
 * A unified diff ("--- a\n+++ b\n@@ ...") with `context` lines around each
 * change, or NULL if the texts are equal.  Labels are printed as given
 * (pass "/dev/null" for a created or deleted file).  A non-zero max cuts the
 * diff at about that many bytes with a final "[diff truncated ...]" line.
 * Caller frees.
 */
char	*diff_unified(const char *old, size_t oldlen, const char *new_, size_t newlen,
	    const char *old_label, const char *new_label, int context, size_t max);

/* Count of added and removed lines of a diff made by diff_unified(). */
void	 diff_stat(const char *diff, int *added, int *removed);

#endif
