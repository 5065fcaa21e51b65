/*
 * bench_sse.c: how fast a streamed reply is taken apart.
 *
 * Part 1 (parser only, in memory): a synthetic chat completions stream of
 * content deltas (the shape OpenAI sends: one ~200-byte JSON chunk per few
 * tokens) is fed to the SSE parser alone, then to the parser plus the
 * chunk decoder and accumulator, at several read sizes.  Reports MB/s and
 * the cost per read (per write callback), which is the per-chunk overhead.
 * Part 2 (end to end): the real client streams a long reply from the fake
 * server over loopback HTTP and reports MB/s and the time per delta.
 *
 *   make bench            (builds bench/bench_sse and tests/fakellm, runs)
 *   bench/bench_sse [MB] [path/to/fakellm]
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/llm.h"
#include "cade/loop.h"
#include "cade/sse.h"
#include "cade/util.h"
#include "../src/llm/llm-int.h"

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t bench_events;	/* events in the stream */

/* A stream of chat chunks totalling about mb megabytes; content bytes out. */
static void
bench_stream(struct buf *s, size_t mb, size_t *content)
{
	static const char *const words[] = { "the ", "quick ", "brown ",
	    "fox ", "jumps ", "over ", "lazy ", "dogs ", "caf\xc3\xa9 ",
	    "\\n", "int ", "main", "(void) ", "{ ", "return ", "0; }" };
	size_t i = 0;

	*content = 0;
	while (s->len < mb * 1024 * 1024) {
		const char *w = words[i++ % nitems(words)];

		if (buf_printf(s, "data: {\"id\":\"chatcmpl-bench\",\"object\":"
		    "\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
		    "\"gpt-bench\",\"choices\":[{\"index\":0,\"delta\":"
		    "{\"content\":\"%s\"},\"logprobs\":null,\"finish_reason\":"
		    "null}]}\n\n", w) == -1)
			abort();
		*content += strcmp(w, "\\n") == 0 ? 1 : strlen(w);
		bench_events++;
	}
	if (buf_puts(s, "data: [DONE]\n\n") == -1)
		abort();
}


static int
bench_count(const char *type, const char *data, size_t len, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

static int
bench_chat(const char *type, const char *data, size_t len, void *arg)
{
	return llm_chat_event(arg, data, len) == -1;
}

/* Feed the stream in reads of rd bytes; full = decode JSON too. */
static void
bench_parse(const struct buf *s, size_t rd, int full, size_t content)
{
	struct llm_acc acc;
	struct sse_parser *p;
	char *cause = NULL;
	double t0, t;
	size_t at, reads = 0, nev = 0;
	int rep, reps = rd < 16 ? 1 : 3;

	t = 1e9;
	for (rep = 0; rep < reps; rep++) {
		llm_acc_init(&acc, NULL);
		p = full ? sse_new(0, bench_chat, &acc) :
		    sse_new(0, bench_count, &nev);
		reads = 0;
		t0 = bench_now();
		for (at = 0; at < s->len; at += rd, reads++)
			if (sse_feed(p, s->s + at, s->len - at < rd ?
			    s->len - at : rd, &cause) == -1)
				fatal("%s", cause);
		if (bench_now() - t0 < t)
			t = bench_now() - t0;
		if (full && acc.text.len != content)
			fatal("content %zu, want %zu", acc.text.len, content);
		sse_free(p);
		llm_acc_free(&acc);
	}
	printf("  %-22s read %6zu B  %8.1f MB/s  %7.1f ns/read  %6.0f ns/event\n",
	    full ? "sse + chat decode" : "sse only", rd,
	    (double)s->len / t / 1e6, t * 1e9 / (double)reads,
	    t * 1e9 / (double)bench_events);
}

struct e2e {
	size_t			 deltas;
	size_t			 bytes;
	double			 first;		/* wall time of the first delta */
	struct llm_response	*resp;
};

/* CPU seconds used by this process (the fake server is another one). */
static double
bench_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
e2e_text(const char *s, size_t n, void *arg)
{
	struct e2e *e = arg;

	if (e->deltas++ == 0)
		e->first = bench_now();
	e->bytes += n;
}

static void
e2e_done(struct llm_response *r, void *arg)
{
	((struct e2e *)arg)->resp = r;
}

/*
 * Stream kb KB of content from the fake server through the client.  The
 * fake server builds the whole reply before sending, so wall time counts
 * from the first delta; the client's cost is its own CPU time.
 */
static void
bench_e2e(const char *fakellm, size_t kb, size_t chunk)
{
	struct llm_callbacks cb = { e2e_text, NULL, NULL, e2e_done, NULL };
	char dir[] = "/tmp/bench_sse.XXXXXX", path[64], line[32], *cause = NULL;
	struct llm_request req = { NULL, NULL, NULL };
	struct config *cfg;
	struct loop *loop;
	struct llm *l;
	struct e2e e;
	cJSON *msgs;
	FILE *f;
	size_t i, n = 0;
	double t, c0, cpu;
	long port = 0;
	pid_t pid;
	int p[2];
	char *url;

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(path, sizeof path, "%s/script.json", dir);
	if ((f = fopen(path, "w")) == NULL)
		fatal("fopen");
	fprintf(f, "{\"replies\":[{\"chunk_size\":%zu,\"content\":\"", chunk);
	for (i = 0; i < kb * 1024; i += 64)
		fputs("All work and no play makes Jack a dull boy; all work and"
		    " no play", f);
	fputs("\"}]}", f);
	fclose(f);
	if (pipe(p) == -1)
		fatal("pipe");
	if ((pid = fork()) == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(fakellm, fakellm, "--script", path, "--timeout", "120",
		    (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (n < sizeof line - 1 && read(p[0], line + n, 1) == 1 &&
	    line[n] != '\n')
		n++;
	line[n] = '\0';
	close(p[0]);
	if (util_parse_long(line, 1, 65535, &port) == -1) {
		printf("  (end-to-end skipped: cannot start %s)\n", fakellm);
		return;
	}

	cfg = conf_new();
	url = xasprintf("http://127.0.0.1:%ld/v1", port);
	if (conf_set(cfg, "base_url", url, CONF_FLAG, &cause) == -1 ||
	    conf_set(cfg, "model", "bench", CONF_FLAG, &cause) == -1 ||
	    conf_set(cfg, "retry_max", "1", CONF_FLAG, &cause) == -1)
		fatal("%s", cause);
	free(url);
	loop = loop_new();
	l = llm_new(loop, cfg);
	memset(&e, 0, sizeof e);
	cb.arg = &e;
	msgs = cJSON_Parse("[{\"role\":\"user\",\"content\":\"go\"}]");
	req.messages = msgs;
	c0 = bench_cpu();
	if (llm_send(l, &req, &cb, &cause) == -1)
		fatal("%s", cause);
	while (e.resp == NULL)
		loop_once(loop, -1);
	t = bench_now() - e.first;
	cpu = bench_cpu() - c0;
	if (e.resp->status != LLM_OK)
		fatal("bench request failed: %s", e.resp->error);
	printf("  %5zu-byte deltas: %zu KB content, %.1f MB on the wire, "
	    "%zu deltas\n    wall (first delta to done) %.3f s = %.1f MB/s "
	    "wire; client CPU %.3f s = %.1f MB/s wire, %.2f us/delta\n",
	    chunk, e.bytes / 1024, (double)e.resp->usage.response_bytes / 1e6,
	    e.deltas, t, (double)e.resp->usage.response_bytes / t / 1e6, cpu,
	    (double)e.resp->usage.response_bytes / cpu / 1e6,
	    cpu * 1e6 / (double)e.deltas);
	llm_response_free(e.resp);
	cJSON_Delete(msgs);
	llm_free(l);
	loop_free(loop);
	conf_free(cfg);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(path);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	static const size_t reads[] = { 1, 16, 256, 4096, 65536 };
	const char *fakellm = getenv("FAKELLM");
	struct buf s;
	size_t content, i;
	long mb = 32;

	if (argc > 1 && util_parse_long(argv[1], 1, 4096, &mb) == -1)
		fatal("usage: bench_sse [MB] [fakellm]");
	if (argc > 2)
		fakellm = argv[2];
	if (fakellm == NULL || *fakellm == '\0')
		fakellm = "./tests/fakellm";
	signal(SIGPIPE, SIG_IGN);

	buf_init(&s, 0);
	bench_stream(&s, (size_t)mb, &content);
	printf("parser: %ld MB chat stream, %zu events, %zu content bytes\n",
	    mb, bench_events, content);
	for (i = 0; i < nitems(reads); i++)
		bench_parse(&s, reads[i], 0, content);
	for (i = 0; i < nitems(reads); i++)
		bench_parse(&s, reads[i], 1, content);
	buf_free(&s);

	printf("client over loopback HTTP (%s):\n", fakellm);
	/* Sizes kept small: the fake server's reply builder is quadratic. */
	bench_e2e(fakellm, 512, 16);
	bench_e2e(fakellm, 4096, 1024);
	return 0;
}
