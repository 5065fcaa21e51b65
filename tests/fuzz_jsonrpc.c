/*
 * fuzz_jsonrpc.c: libFuzzer target for the ACP transport (src/acp/jsonrpc.c):
 * the newline splitter and the JSON-RPC classifier, on untrusted bytes from
 * the client.  The input is fed twice, whole and cut at a point the first
 * byte picks; both runs must give the same lines.  Every line is classified
 * and answered as the server would (builders included).  The input is
 * also read as the base64 of an image block (buf_unbase64): what decodes
 * must encode and decode back to the same bytes.
 *   make fuzz-jsonrpc && ./fuzz-jsonrpc -max_total_time=300
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/jsonrpc.h"
#include "cade/util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Classify and answer one line; remember it for the comparison. */
static void
fuzz_line(const char *line, size_t len, int too_long, void *arg)
{
	struct buf *seen = arg;
	struct jsonrpc_msg m;
	char *out;

	(void)buf_printf(seen, "%d:%zu|", too_long, len);
	(void)buf_append(seen, line, len);
	if (too_long)
		return;
	jsonrpc_parse(line, len, &m);
	switch (m.kind) {
	case JSONRPC_INVALID:
		out = jsonrpc_error(m.id, m.code, m.message, NULL);
		break;
	case JSONRPC_REQUEST:
		out = jsonrpc_result(m.id, m.params != NULL ?
		    cJSON_Duplicate(m.params, 1) : NULL);
		break;
	case JSONRPC_NOTIFICATION:
		out = jsonrpc_notification(m.method, NULL);
		break;
	default:
		out = xstrdup(m.result != NULL ? "r" : "e");
		break;
	}
	if (strchr(out, '\n') != NULL)
		abort();	/* a reply must stay one line */
	free(out);
	jsonrpc_msg_free(&m);
}

/* Feed data, cut at cut; what the callback saw. */
static char *
fuzz_run(const char *data, size_t n, size_t cut, size_t *len)
{
	struct jsonrpc_reader r;
	struct buf seen;

	buf_init(&seen, 0);
	jsonrpc_reader_init(&r, 4096, fuzz_line, &seen);
	jsonrpc_reader_feed(&r, data, cut);
	jsonrpc_reader_feed(&r, data + cut, n - cut);
	jsonrpc_reader_finish(&r);
	jsonrpc_reader_free(&r);
	return buf_detach(&seen, len);
}

/* An image block's data: decode, encode, decode again, same bytes. */
static void
fuzz_base64(const char *data, size_t n)
{
	struct buf raw, enc, again;

	buf_init(&raw, 0);
	buf_init(&enc, 0);
	buf_init(&again, 0);
	if (buf_unbase64(&raw, data, n) == 0) {
		if (buf_base64(&enc, raw.s, raw.len) == -1 ||
		    buf_unbase64(&again, enc.s, enc.len) == -1 ||
		    again.len != raw.len || memcmp(again.s, raw.s, raw.len) != 0)
			abort();
	}
	buf_free(&raw);
	buf_free(&enc);
	buf_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a, *b;
	size_t cut, na, nb;

	if (size < 1)
		return 0;
	cut = size > 1 ? data[0] % size : 0;
	a = fuzz_run((const char *)data + 1, size - 1, 0, &na);
	b = fuzz_run((const char *)data + 1, size - 1, cut > size - 1 ? size - 1 :
	    cut, &nb);
	if (na != nb || memcmp(a, b, na) != 0)
		abort();
	free(a);
	free(b);
	fuzz_base64((const char *)data, size);
	return 0;
}
