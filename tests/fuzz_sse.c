/*
 * fuzz_sse.c: libFuzzer target for the SSE parser and both reply
 * assemblers (chat completions chunks, Responses API events), plus the
 * prompt-tools extraction, the error-body reader and the model list
 * reader (GET /models).
 *
 * The first input byte picks the wire format and a chunking pattern; the
 * rest is a byte stream as it would come off the socket.  It is parsed
 * twice, once whole and once split at fuzzer-chosen points, and the two
 * results must be identical: the parser must not care where the network
 * cut the stream.  Build and run (see doc/LLM.md):
 *   make fuzz && ./tests/fuzz_sse -max_total_time=300 -dict=tests/fuzz-sse.dict
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/llm.h"
#include "cade/sse.h"
#include "cade/util.h"
#include "llm-int.h"

struct fuzz_run {
	struct llm_acc	 acc;
	int		 responses;
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The same bytes as a GET /models reply: every entry named, numbers in range. */
static void
fuzz_models(const uint8_t *data, size_t size)
{
	struct llm_models m;
	char *cause = NULL;
	size_t i;

	memset(&m, 0, sizeof m);
	if (llm_models_parse((const char *)data, size, &m, &cause) == -1)
		free(cause);
	for (i = 0; i < m.n; i++) {
		if (m.v[i].id == NULL || *m.v[i].id == '\0' || m.v[i].context < 0 ||
		    m.v[i].images < -1 || m.v[i].images > 1)
			__builtin_trap();
		free(m.v[i].id);
	}
	free(m.v);
}

static int
fuzz_event(const char *type, const char *data, size_t len, void *arg)
{
	struct fuzz_run *r = arg;

	if (r->responses)
		return llm_responses_event(&r->acc, type, data, len);
	return llm_chat_event(&r->acc, data, len);
}

static void
fuzz_sink(const char *s, size_t n, void *arg)
{
	size_t *total = arg;

	if (n > 0 && s[n - 1] == '\0')
		__builtin_trap();	/* deltas never carry a NUL terminator */
	*total += n;
}

/* Parse data in pieces whose sizes come from the seed; return a digest. */
static char *
fuzz_parse(const uint8_t *data, size_t size, int responses, uint8_t seed)
{
	struct llm_sink sink = { fuzz_sink, fuzz_sink, NULL };
	struct llm_response resp;
	struct fuzz_run r;
	struct sse_parser *p;
	struct buf out;
	size_t at = 0, n, i, total = 0;
	char *cause = NULL, *s;
	int rc = 0;

	sink.arg = &total;
	llm_acc_init(&r.acc, &sink);
	r.responses = responses;
	p = sse_new(1 << 20, fuzz_event, &r);
	while (at < size && rc == 0) {
		n = seed == 0 ? size - at : 1 + (data[at] ^ seed) % (seed % 17 + 1);
		if (n > size - at)
			n = size - at;
		rc = sse_feed(p, data + at, n, &cause);
		at += n;
	}
	if (rc == 0)
		rc = sse_finish(p, &cause);
	free(cause);
	sse_free(p);

	memset(&resp, 0, sizeof resp);
	resp.text = xstrdup(r.acc.text.s);
	llm_acc_calls(&r.acc, &resp, 1);
	llm_ptools_extract(&resp, 1);
	buf_init(&out, 0);
	if (buf_printf(&out, "%s|%s|%zu|%d|%s|%s|%zu|", resp.text,
	    r.acc.reasoning.s, resp.ncalls, r.acc.done,
	    r.acc.finish_reason ? r.acc.finish_reason : "-",
	    r.acc.bad ? "bad" : "ok", total) == -1)
		abort();
	for (i = 0; i < resp.ncalls; i++) {
		if (buf_printf(&out, "%s/%s/%s;", resp.calls[i].id,
		    resp.calls[i].name, resp.calls[i].arguments) == -1)
			abort();
		free(resp.calls[i].id);
		free(resp.calls[i].name);
		free(resp.calls[i].arguments);
	}
	free(resp.calls);
	free(resp.text);
	free(resp.finish_reason);
	llm_acc_free(&r.acc);
	s = buf_detach(&out, NULL);
	buf_free(&out);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct llm_acc acc;
	char *whole, *split, *m;
	int responses;
	uint8_t seed;

	if (size < 1)
		return 0;
	responses = data[0] & 1;
	seed = (uint8_t)(data[0] | 1);
	data++;
	size--;

	whole = fuzz_parse(data, size, responses, 0);
	split = fuzz_parse(data, size, responses, seed);
	if (strcmp(whole, split) != 0)
		__builtin_trap();	/* chunking changed the result */
	free(whole);
	free(split);

	/* The same bytes as a non-streamed body and as an error body. */
	llm_acc_init(&acc, NULL);
	if (responses)
		(void)llm_responses_reply(&acc, (const char *)data, size);
	else
		(void)llm_chat_reply(&acc, (const char *)data, size);
	llm_acc_free(&acc);
	if ((m = llm_error_message((const char *)data, size)) != NULL)
		free(m);
	fuzz_models(data, size);
	return 0;
}
