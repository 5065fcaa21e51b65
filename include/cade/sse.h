/*
 * sse.h: an incremental parser for Server-Sent Events (text/event-stream).
 *
 * Bytes go in through sse_feed() in chunks split anywhere (inside a line,
 * between CR and LF, inside a UTF-8 character); whole events come out
 * through the callback.  No I/O, no allocation per byte: two buffers grow
 * geometrically up to a maximum event size.  Follows the WHATWG HTML
 * "event stream interpretation" (lines end in CRLF, LF or CR; ":" starts a
 * comment; "data" lines join with "\n"; a blank line dispatches; one leading
 * BOM is skipped).  Deviation: sse_finish() dispatches an event still
 * pending at end of stream (servers often send the last chunk without the
 * closing blank line), where the spec would discard it.
 */
#ifndef CADE_SSE_H
#define CADE_SSE_H

#include <stddef.h>

struct sse_parser;

/*
 * One event: type is the "event:" field or "message"; data is NUL-terminated
 * (len excludes the NUL) and valid only during the call.  Return 0 to go on,
 * non-zero to stop: the parser then ignores further input.
 */
typedef int (*sse_event_fn)(const char *type, const char *data, size_t len,
    void *arg);

/* max bounds one line and one event's data (0: 16 MiB). */
struct sse_parser	*sse_new(size_t max, sse_event_fn, void *arg);
void			 sse_free(struct sse_parser *);
/* Back to the initial state (keeps the buffers' memory). */
void			 sse_reset(struct sse_parser *);
/*
 * Parse a chunk.  0: consumed; 1: stopped by the callback (now or before);
 * -1: an event or line exceeded max (*cause set, caller frees, the parser is
 * stopped).
 */
int			 sse_feed(struct sse_parser *, const void *, size_t,
			     char **cause);
/* End of stream: treat a trailing partial line as complete, dispatch. */
int			 sse_finish(struct sse_parser *, char **cause);
/* Events dispatched and comment lines seen since sse_new/sse_reset. */
struct sse_counts {
	size_t	 events;
	size_t	 comments;
};
struct sse_counts	 sse_counts(const struct sse_parser *);

#endif
