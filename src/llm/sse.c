/*
 * sse.c: incremental Server-Sent Events parser (contract in cade/sse.h).
 *
 * Data flow: sse_feed() scans each chunk with memchr for line ends.  A line
 * complete inside the chunk is interpreted in place; only the tail of a
 * chunk (a line still open) is copied into `line`, to be completed by the
 * next chunk.  "data" values accumulate in `data` until a blank line, which
 * hands (type, data) to the callback.  A CR at the very end of a chunk sets
 * `cr` so that an LF starting the next chunk is not read as a second line
 * end.  Spec: WHATWG HTML, "9.2.6 Interpreting an event stream"; the one
 * deviation (dispatch at end of stream) is documented in the header.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/sse.h"
#include "cade/util.h"

#define SSE_DEFAULT_MAX	(16u * 1024 * 1024)
#define SSE_TYPE_MAX	128	/* longer event names are truncated */

struct sse_parser {
	sse_event_fn	 cb;
	void		*arg;
	size_t		 max;
	struct buf	 line;	/* an unfinished line carried to the next feed */
	struct buf	 data;	/* data of the pending event, lines joined by \n */
	char		 type[SSE_TYPE_MAX];
	int		 has_data;	/* a data field was seen (maybe empty) */
	int		 cr;		/* previous chunk ended in CR */
	int		 started;	/* first line seen (BOM check done) */
	int		 stopped;	/* callback said stop, or overflow */
	size_t		 nevents;
	size_t		 ncomments;
};

/* Allocate a parser; max bounds every line and every event. */
struct sse_parser *
sse_new(size_t max, sse_event_fn cb, void *arg)
{
	struct sse_parser *p;

	p = xcalloc(1, sizeof *p);
	p->cb = cb;
	p->arg = arg;
	p->max = max != 0 ? max : SSE_DEFAULT_MAX;
	buf_init(&p->line, p->max);
	buf_init(&p->data, p->max);
	return p;
}

/* Free the parser and its buffers. */
void
sse_free(struct sse_parser *p)
{
	if (p == NULL)
		return;
	buf_free(&p->line);
	buf_free(&p->data);
	free(p);
}

/* Forget all state, keep the memory for the next stream. */
void
sse_reset(struct sse_parser *p)
{
	buf_reset(&p->line);
	buf_reset(&p->data);
	p->type[0] = '\0';
	p->has_data = p->cr = p->started = p->stopped = 0;
	p->nevents = p->ncomments = 0;
}

/* Events handed to the callback, comment lines (keep-alives) skipped. */
struct sse_counts
sse_counts(const struct sse_parser *p)
{
	return (struct sse_counts){ .events = p->nevents,
	    .comments = p->ncomments };
}

/* Blank line: hand the pending event over, if it has data. */
static void
sse_dispatch(struct sse_parser *p)
{
	const char *type;

	if (p->has_data) {
		type = p->type[0] != '\0' ? p->type : "message";
		p->nevents++;
		if (p->cb(type, p->data.s, p->data.len, p->arg) != 0)
			p->stopped = 1;
	}
	buf_reset(&p->data);
	p->has_data = 0;
	p->type[0] = '\0';
}

/* Interpret one complete line (without its terminator); -1 on overflow. */
static int
sse_line(struct sse_parser *p, const char *l, size_t len, char **cause)
{
	const char *colon, *value;
	size_t flen, vlen;

	if (!p->started) {
		p->started = 1;
		if (len >= 3 && memcmp(l, "\xef\xbb\xbf", 3) == 0) {
			l += 3;
			len -= 3;
		}
	}
	if (len == 0) {
		sse_dispatch(p);
		return 0;
	}
	if (l[0] == ':') {
		p->ncomments++;
		return 0;
	}
	colon = memchr(l, ':', len);
	if (colon != NULL) {
		flen = (size_t)(colon - l);
		value = colon + 1;
		vlen = len - flen - 1;
		if (vlen > 0 && *value == ' ') {
			value++;
			vlen--;
		}
	} else {
		flen = len;
		value = l + len;
		vlen = 0;
	}
	if (flen == 4 && memcmp(l, "data", 4) == 0) {
		if ((p->has_data && buf_putc(&p->data, '\n') == -1) ||
		    buf_append(&p->data, value, vlen) == -1) {
			*cause = xasprintf("sse event larger than %zu bytes",
			    p->max);
			p->stopped = 1;
			return -1;
		}
		p->has_data = 1;
	} else if (flen == 5 && memcmp(l, "event", 5) == 0) {
		if (vlen >= SSE_TYPE_MAX)
			vlen = SSE_TYPE_MAX - 1;
		memcpy(p->type, value, vlen);
		p->type[vlen] = '\0';
	}
	/* "id", "retry" and unknown fields: nothing we use. */
	return 0;
}

/* Feed a chunk of the stream; see cade/sse.h for the return values. */
int
sse_feed(struct sse_parser *p, const void *data, size_t n, char **cause)
{
	const char *s = data, *nl, *cr, *end;
	size_t seg;
	int rc;

	if (p->stopped)
		return 1;
	while (n > 0) {
		if (p->cr) {
			p->cr = 0;
			if (*s == '\n') {
				s++;
				n--;
				continue;
			}
		}
		nl = memchr(s, '\n', n);
		seg = nl != NULL ? (size_t)(nl - s) : n;
		cr = memchr(s, '\r', seg);
		end = cr != NULL ? cr : nl;
		if (end == NULL) {
			if (buf_append(&p->line, s, n) == -1) {
				*cause = xasprintf("sse line longer than %zu "
				    "bytes", p->max);
				p->stopped = 1;
				return -1;
			}
			return 0;
		}
		seg = (size_t)(end - s);
		if (p->line.len > 0) {
			if (buf_append(&p->line, s, seg) == -1) {
				*cause = xasprintf("sse line longer than %zu "
				    "bytes", p->max);
				p->stopped = 1;
				return -1;
			}
			rc = sse_line(p, p->line.s, p->line.len, cause);
			buf_reset(&p->line);
		} else
			rc = sse_line(p, s, seg, cause);
		if (rc == -1)
			return -1;
		if (*end == '\r')
			p->cr = 1;
		s += seg + 1;
		n -= seg + 1;
		if (p->stopped)
			return 1;
	}
	return 0;
}

/* End of stream: finish an open line and dispatch a pending event. */
int
sse_finish(struct sse_parser *p, char **cause)
{
	if (p->stopped)
		return 1;
	if (p->line.len > 0) {
		if (sse_line(p, p->line.s, p->line.len, cause) == -1)
			return -1;
		buf_reset(&p->line);
	}
	if (!p->stopped)
		sse_dispatch(p);
	p->cr = 0;
	return p->stopped ? 1 : 0;
}
