/*
 * test_sse.c: the SSE parser against the WHATWG rules and every way a
 * stream can be split: all two-piece splits, one byte at a time, CR/LF
 * straddling chunks, UTF-8 straddling chunks, the last event without its
 * blank line, overflow, and a callback that stops the parser.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/sse.h"
#include "cade/util.h"
#include "tap.h"

/* Test buffers have no max: an append cannot fail. */
#define MUST(x) do { if ((x) == -1) abort(); } while (0)

struct rec {
	struct buf	 out;		/* "type|data" records, one per event */
	int		 stop_after;	/* stop after this many events (0: never) */
	int		 n;
};

static int
rec_event(const char *type, const char *data, size_t len, void *arg)
{
	struct rec *r = arg;

	if (strlen(data) != len)
		MUST(buf_puts(&r->out, "<NUL-mismatch>"));
	MUST(buf_printf(&r->out, "%s|", type));
	MUST(buf_append(&r->out, data, len));
	MUST(buf_putc(&r->out, '\x1e'));
	r->n++;
	return r->stop_after != 0 && r->n >= r->stop_after;
}

/* Parse s split at the given offsets (sorted, may be empty); return records. */
static char *
parse_split(const char *s, size_t len, const size_t *cuts, size_t ncuts,
    int finish)
{
	struct rec r = { .stop_after = 0 };
	struct sse_parser *p;
	char *cause = NULL, *got;
	size_t i, at = 0;

	buf_init(&r.out, 0);
	p = sse_new(0, rec_event, &r);
	for (i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;

		if (sse_feed(p, s + at, to - at, &cause) != 0) {
			MUST(buf_printf(&r.out, "<error:%s>",
			    cause ? cause : "stop"));
			free(cause);
			cause = NULL;
		}
		at = to;
	}
	if (finish && sse_finish(p, &cause) == -1) {
		MUST(buf_printf(&r.out, "<error:%s>", cause));
		free(cause);
	}
	sse_free(p);
	got = buf_detach(&r.out, NULL);
	buf_free(&r.out);
	return got;
}

static char *
parse_all(const char *s, int finish)
{
	return parse_split(s, strlen(s), NULL, 0, finish);
}

/* Compare parse of s against want, whole and split every possible way. */
static void
check_splits(const char *name, const char *s, const char *want)
{
	size_t len = strlen(s), i, j, bad = 0;
	size_t *cuts;
	char *got;

	got = parse_all(s, 1);
	is_str(got, want, name);
	free(got);

	for (i = 0; i <= len && bad == 0; i++) {
		got = parse_split(s, len, &i, 1, 1);
		if (strcmp(got, want) != 0)
			bad = i + 1;
		free(got);
	}
	ok(bad == 0, "%s: every 2-piece split", name);
	if (bad != 0)
		diag("  fails when cut at %zu", bad - 1);

	cuts = xcalloc(len + 1, sizeof *cuts);
	for (j = 0; j < len; j++)
		cuts[j] = j;
	got = parse_split(s, len, cuts, len, 1);
	is_str(got, want, "  ... one byte per chunk");
	free(got);
	free(cuts);
}

static void
test_basic(void)
{
	char *got;

	check_splits("lf", "data: a\n\ndata: b\n\n", "message|a\x1emessage|b\x1e");
	check_splits("crlf", "data: a\r\n\r\ndata: b\r\n\r\n",
	    "message|a\x1emessage|b\x1e");
	check_splits("cr only", "data: a\r\rdata: b\r\r",
	    "message|a\x1emessage|b\x1e");
	check_splits("mixed endings", "data: a\r\n\ndata: b\r\r\n",
	    "message|a\x1emessage|b\x1e");
	check_splits("multi-line data", "data: one\ndata:two\ndata:  three\n\n",
	    "message|one\ntwo\n three\x1e");
	check_splits("comments", ": keep-alive\n:\ndata: x\n: mid\n\n",
	    "message|x\x1e");
	check_splits("event type", "event: response.output_text.delta\n"
	    "data: {\"delta\":\"hi\"}\n\ndata: plain\n\n",
	    "response.output_text.delta|{\"delta\":\"hi\"}\x1emessage|plain\x1e");
	check_splits("done marker", "data: {\"x\":1}\n\ndata: [DONE]\n\n",
	    "message|{\"x\":1}\x1emessage|[DONE]\x1e");
	check_splits("field without colon", "data\n\ndata:\n\n",
	    "message|\x1emessage|\x1e");
	check_splits("blank lines alone", "\n\n\r\n\n: c\n\n", "");
	check_splits("ignored fields", "id: 7\nretry: 100\nfoo: bar\ndata: z\n\n",
	    "message|z\x1e");
	check_splits("bom", "\xef\xbb\xbf" "data: a\n\n", "message|a\x1e");
	check_splits("utf-8", "data: h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\n\n",
	    "message|h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\x1e");
	check_splits("no final newline", "data: a\n\ndata: last",
	    "message|a\x1emessage|last\x1e");
	check_splits("no final blank line", "data: a\n\ndata: last\n",
	    "message|a\x1emessage|last\x1e");
	check_splits("type reset after event", "event: e\ndata: 1\n\ndata: 2\n\n",
	    "e|1\x1emessage|2\x1e");

	got = parse_all("data: last", 0);
	is_str(got, "", "no event before sse_finish for an open line");
	free(got);
}

static void
test_limits(void)
{
	struct rec r = { .stop_after = 1 };
	struct sse_parser *p;
	char *cause = NULL;
	char big[100];
	int rc;

	buf_init(&r.out, 0);
	p = sse_new(16, rec_event, &r);
	memset(big, 'x', sizeof big);
	rc = sse_feed(p, "data: ", 6, &cause);
	is_int(rc, 0, "partial line fits");
	rc = sse_feed(p, big, sizeof big, &cause);
	is_int(rc, -1, "line over max is an error");
	ok(cause != NULL && strstr(cause, "longer than 16") != NULL,
	    "overflow cause names the limit");
	free(cause);
	cause = NULL;
	is_int(sse_feed(p, "\n\n", 2, &cause), 1, "stopped after overflow");

	sse_reset(p);
	rc = sse_feed(p, "data: 0123456789\ndata: 0123456789\n\n", 35, &cause);
	is_int(rc, -1, "event over max across lines is an error");
	ok(cause != NULL && strstr(cause, "larger than 16") != NULL,
	    "event overflow cause");
	free(cause);
	cause = NULL;

	sse_reset(p);
	rc = sse_feed(p, "data: a\n\ndata: b\n\n", 18, &cause);
	is_int(rc, 1, "callback stop returns 1");
	is_str(r.out.s, "message|a\x1e", "nothing dispatched after stop");
	is_int(sse_feed(p, "data: c\n\n", 9, &cause), 1, "stays stopped");
	is_int(sse_finish(p, &cause), 1, "finish after stop");
	is_int((long long)sse_counts(p).events, 1, "event counter");

	sse_reset(p);
	r.stop_after = 0;
	buf_reset(&r.out);
	rc = sse_feed(p, ": ping\n\ndata: again\n\n", 21, &cause);
	is_int(rc, 0, "reset parser works again");
	is_str(r.out.s, "message|again\x1e", "after reset");
	is_int((long long)sse_counts(p).comments, 1, "comment counter");
	sse_free(p);
	buf_free(&r.out);
}

/* Many events with big payloads, chunked at a prime size. */
static void
test_large(void)
{
	struct rec r = { .stop_after = 0 };
	struct sse_parser *p;
	struct buf in;
	char *cause = NULL;
	size_t i, at, want = 0;
	int rc = 0;

	buf_init(&in, 0);
	buf_init(&r.out, 0);
	for (i = 0; i < 2000; i++) {
		MUST(buf_printf(&in, "data: {\"i\":%zu,\"pad\":\"", i));
		for (at = 0; at < i % 700; at++)
			MUST(buf_putc(&in, 'a' + (int)(at % 26)));
		MUST(buf_puts(&in, "\"}\r\n\r\n"));
		want += 1;
	}
	p = sse_new(0, rec_event, &r);
	for (at = 0; at < in.len && rc == 0; at += 977)
		rc = sse_feed(p, in.s + at, in.len - at < 977 ? in.len - at : 977,
		    &cause);
	is_int(rc, 0, "large stream parses");
	is_int(r.n, (long long)want, "all events seen");
	ok(strstr(r.out.s, "{\"i\":1999,") != NULL, "last event intact");
	sse_free(p);
	buf_free(&in);
	buf_free(&r.out);
	free(cause);
}

int
main(void)
{
	test_basic();
	test_limits();
	test_large();
	return tap_done();
}
