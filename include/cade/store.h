/*
 * store.h: the session store.
 *
 * A session is a directory $XDG_STATE_HOME/cade/sessions/<id>/ (0700) with
 * events.jsonl (0600): one event per line, appended, fsync'd after each event
 * that changes state.  Replay reads it back; a truncated last line (power
 * cut, kill -9, disk full) is skipped with a warning and nothing before it
 * is lost; before a resumed session is appended to, the torn line is cut
 * (store_repair_tail).  Sessions with an empty events file (a failed
 * start) are never listed or resumed.  Images attached to messages are
 * kept in blobs/ beside events.jsonl, one file per content.
 */
#ifndef CADE_STORE_H
#define CADE_STORE_H

#include <stdio.h>

struct config;
struct event;
struct store;

/* Sessions directory from config/env; caller frees. */
char		*store_dir(const struct config *);
/* Create a new session directory; *id_out is the new id (caller frees). */
struct store	*store_create(const char *dir, char **id_out, char **cause);
/* Open an existing session for appending (resume). */
struct store	*store_open(const char *dir, const char *id, char **cause);
void		 store_close(struct store *);
const char	*store_id(const struct store *);
/* Cut a torn last line before appending; bytes cut, or -1 with *cause. */
long		 store_repair_tail(struct store *, char **cause);
/* Remove a session whose start failed (and close the store). */
void		 store_discard(struct store *);
/* Append one event (transient events are ignored); -1 with *cause. */
int		 store_append(struct store *, const struct event *, char **cause);
/* Bus sink adapter: arg is the struct store. */
void		 store_sink(const struct event *, void *arg);
/* Called once, with the reason, when an append fails (disk full, ...). */
void		 store_on_error(struct store *, void (*)(const char *, void *), void *);

typedef void (*store_replay_fn)(struct event *ev, void *arg);	/* callee owns ev */
/*
 * Replay a session's events in order.  *warning (may be NULL) reports a
 * skipped truncated line.  Returns the number of events or -1 with *cause.
 */
long		 store_replay(const char *dir, const char *id, store_replay_fn, void *arg,
		    char **warning, char **cause);
/* Resolve "last" or an id prefix to a full id; caller frees. */
char		*store_resolve(const char *dir, const char *id_or_last, char **cause);
/*
 * The same, "last" skipping the session `except` (the one running now) and,
 * with root, sessions started in another workspace root.
 */
char		*store_resolve_except(const char *dir, const char *id_or_last,
		    const char *except, const char *root, char **cause);
/* The workspace root a session was started in, or NULL; caller frees. */
char		*store_root(const char *dir, const char *id);
/*
 * The id id_or_last resolves to (as session_open() resolves it) if that
 * session was started in a root other than here, with *root; else NULL
 * (also when it does not resolve: opening it says why).  Caller frees both.
 */
char		*store_elsewhere(const char *dir, const char *id_or_last,
		    const char *here, char **root);
/*
 * Images attached to messages, kept once per content beside the events
 * (<dir>/<id>/blobs/<sha256>); the events name them by digest.  put: hex
 * gets the digest; 0, or -1 with *cause.  get: the bytes (NUL-terminated,
 * caller frees) if they still match the digest, else NULL with *cause.
 */
int		 store_blob_put(const char *dir, const char *id, const void *,
		    size_t len, char hex[65], char **cause);
char		*store_blob_get(const char *dir, const char *id, const char *hex,
		    size_t max, size_t *len, char **cause);
/* A session as Markdown (export.c): messages, calls, decisions, diffs; masked. */
int		 store_export(const char *dir, const char *id, FILE *out, char **cause);
/* `cade sessions`: a table of sessions; returns the exit status. */
int		 store_list_main(const struct config *, FILE *out, int argc, char **argv);

#endif
