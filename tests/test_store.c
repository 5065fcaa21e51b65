/*
 * test_store: the session store on a real directory: append and replay,
 * a torn last line (kill -9, power cut) skipped with a warning and cut
 * before appending again, a damaged line in the middle skipped, resolving
 * "last" and prefixes.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/event.h"
#include "cade/store.h"
#include "cade/util.h"
#include "tap.h"

struct seen {
	int	 n;
	char	 texts[16][32];
};

static void
collect(struct event *ev, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16 && ev->type == EV_NOTICE)
		snprintf(s->texts[s->n], sizeof s->texts[0], "%s",
		    event_str(ev, "text", "?"));
	s->n++;
	event_free(ev);
}

/* Append a notice with this text. */
static void
append(struct store *st, const char *text, uint64_t seq)
{
	struct event *ev;
	cJSON *d = cJSON_CreateObject();
	char *cause = NULL;

	cJSON_AddStringToObject(d, "text", text);
	ev = event_new(EV_NOTICE, d);
	ev->seq = seq;
	ev->ts_ms = 1795000000000LL;
	if (store_append(st, ev, &cause) == -1)
		fatal("append: %s", cause);
	event_free(ev);
}

/* Add raw bytes at the end of the session's events file. */
static void
raw(const char *dir, const char *id, const char *bytes)
{
	char *path = xasprintf("%s/%s/events.jsonl", dir, id);
	int fd = open(path, O_WRONLY | O_APPEND);

	if (fd == -1 || write(fd, bytes, strlen(bytes)) != (ssize_t)strlen(bytes))
		fatal("cannot write %s", path);
	close(fd);
	free(path);
}

int
main(void)
{
	char tmpl[] = "/tmp/cade-test-store.XXXXXX", *dir, *id = NULL;
	char *cause = NULL, *warning = NULL, *got;
	struct store *st;
	struct seen s;
	long n;

	if ((dir = mkdtemp(tmpl)) == NULL)
		fatal("mkdtemp");
	st = store_create(dir, &id, &cause);
	ok(st != NULL && id != NULL, "a new session");
	append(st, "one", 1);
	append(st, "two", 2);
	append(st, "three", 3);
	store_close(st);

	memset(&s, 0, sizeof s);
	n = store_replay(dir, id, collect, &s, &warning, &cause);
	ok(n == 3 && s.n == 3 && strcmp(s.texts[0], "one") == 0 &&
	    strcmp(s.texts[2], "three") == 0, "replay gives the events in order");
	ok(warning == NULL, "no warning for a clean file");

	/* kill -9 mid-write: the last line is cut short. */
	raw(dir, id, "{\"seq\":4,\"ts\":\"2026-11-22T23:30:00.123Z\",\"type\":\"no");
	memset(&s, 0, sizeof s);
	n = store_replay(dir, id, collect, &s, &warning, &cause);
	ok(n == 3 && s.n == 3, "a torn last line is skipped, nothing before it lost");
	ok(warning != NULL && strstr(warning, ":4:") != NULL &&
	    strstr(warning, "cut short") != NULL, "the warning names the line");
	free(warning);
	warning = NULL;

	/* Resume: the torn line is cut before anything is appended. */
	st = store_open(dir, id, &cause);
	ok(st != NULL, "the session opens again");
	ok(store_repair_tail(st, &cause) > 0, "the torn tail is cut");
	append(st, "four", 4);
	store_close(st);
	memset(&s, 0, sizeof s);
	n = store_replay(dir, id, collect, &s, &warning, &cause);
	ok(n == 4 && strcmp(s.texts[3], "four") == 0 && warning == NULL,
	    "after the repair a new event follows whole lines");

	/* A damaged line in the middle (bad JSON, unknown type). */
	raw(dir, id, "{not json}\n{\"seq\":6,\"type\":\"no_such_type\"}\n");
	st = store_open(dir, id, &cause);
	append(st, "five", 7);
	store_close(st);
	memset(&s, 0, sizeof s);
	n = store_replay(dir, id, collect, &s, &warning, &cause);
	ok(n == 5 && strcmp(s.texts[4], "five") == 0,
	    "damaged lines in the middle are skipped, later events kept");
	ok(warning != NULL, "and reported");
	free(warning);
	warning = NULL;

	got = store_resolve(dir, "last", &cause);
	is_str(got, id, "\"last\" resolves to the session");
	free(got);
	got = xstrndup(id, 10);
	{
		char *r = store_resolve(dir, got, &cause);

		is_str(r, id, "a unique prefix resolves");
		free(r);
	}
	free(got);
	ok(store_replay(dir, "nope", collect, &s, NULL, &cause) == -1 &&
	    cause != NULL, "a missing session is an error");
	free(cause);

	free(id);
	{
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			diag("cannot remove %s", dir);
		free(cmd);
	}
	return tap_done();
}
