/*
 * batch.h: `cade batch`, many headless tasks from one JSON Lines file
 * (doc/BATCH.md).
 *
 * Tasks run in priority order, then file order, up to --jobs at once on
 * one loop, each in its own session and its own copy of its directory (a
 * git worktree, a copy, or the directory itself), under the batch's policy.
 * A task passes when its agent finishes and its validate command exits 0;
 * a failed validation is fed back up to --fix-attempts times.  The LLM
 * clients of a batch share one pool (circuit breakers, an AIMD limit on
 * requests in flight), so a rate-limited model rests for every task and
 * the batch slows down instead of failing.  Every finished task is appended
 * to a state file next to the report before anything else happens, so
 * --resume redoes only what had not finished.
 */
#ifndef CADE_BATCH_H
#define CADE_BATCH_H

struct config;

/* cade batch FILE [options] | cade batch merge REPORT... ; argv[0] is "batch". */
int	batch_main(int argc, char **argv, struct config *);

#endif
