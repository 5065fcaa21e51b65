/* test_event: JSON round trip, bus ordering, re-entrant emits. */
#include "config.h"

#include <sys/wait.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/event.h"
#include "cade/util.h"
#include "tap.h"

static char seen[64];
static int nseen;

static void
sink_a(const struct event *ev, void *arg)
{
	struct event_bus *bus = arg;

	seen[nseen++] = 'A';
	if (ev->type == EV_USER_MESSAGE)	/* emit from inside a sink */
		event_bus_post(bus, EV_NOTICE, NULL);
}

static void
sink_b(const struct event *ev, void *arg)
{
	seen[nseen++] = ev->type == EV_NOTICE ? 'n' : 'b';
	seen[nseen++] = (char)('0' + ev->seq);
}

static char *posted;

static void
sink_json(const struct event *ev, void *arg)
{
	free(posted);
	posted = event_to_json(ev);
}

/* Does f(ev) abort? (Run in a child with stderr closed.) */
static int
aborts(void (*f)(const struct event *), const struct event *ev)
{
	pid_t pid;
	int st;

	if ((pid = fork()) == 0) {
		close(2);
		f(ev);
		_exit(0);
	}
	return waitpid(pid, &st, 0) == pid && !(WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
}

static void
read_undeclared(const struct event *ev)
{
	(void)event_str(ev, "first_seq", NULL);
}

static void
read_wrong_kind(const struct event *ev)
{
	(void)event_str(ev, "tokens_before", NULL);
}

static void
read_declared(const struct event *ev)
{
	(void)event_num(ev, "tokens_before", 0);
	(void)event_str(ev, "summary", NULL);
}

/* Typed posts write the declared fields and only them. */
static void
test_typed(void)
{
	struct event_bus *bus = event_bus_new();
	const struct event_field *f;
	struct event *ev;
	char *cause = NULL;
	cJSON *x = cJSON_CreateObject();
	int t, n;

	event_bus_subscribe(bus, sink_json, NULL);
	event_post_condensation(bus, &(struct ev_condensation){
	    .summary = "s", .text = "t", .from = 1, .to = 5,
	    .tokens_before = 900, .tokens_after = 100 });
	ok(strstr(posted, "\"type\":\"condensation\",\"summary\":\"s\","
	    "\"text\":\"t\",\"from\":1,\"to\":5,\"tokens_before\":900,"
	    "\"tokens_after\":100}") != NULL, "typed post writes the fields in "
	    "table order");
	event_post_observation(bus, &(struct ev_observation){
	    .call_id = "c1", .name = "terminal", .text = "out" });
	ok(strstr(posted, "exit_code") == NULL &&
	    strstr(posted, "duration_ms") == NULL &&
	    strstr(posted, "\"refused\"") == NULL &&
	    strstr(posted, "\"diff\"") == NULL &&
	    strstr(posted, "\"digest\":\"\"") != NULL,
	    "optional fields are left out, required strings default to \"\"");
	cJSON_AddNumberToObject(x, "n", 1);
	event_post_observation(bus, &(struct ev_observation){
	    .call_id = "c1", .name = "terminal", .text = "out",
	    .has_exit_code = 1, .exit_code = 0, .refused = 1, .extra = x });
	ok(strstr(posted, "\"exit_code\":0") != NULL &&
	    strstr(posted, "\"refused\":true") != NULL &&
	    strstr(posted, "\"extra\":{\"n\":1}") != NULL,
	    "set optional fields are written (exit 0 too)");
	cJSON_Delete(x);
	event_post_usage(bus, &(struct ev_usage){ .model = "m" });
	ok(strstr(posted, "\"reported\":false") != NULL,
	    "a required bool is written when false");
	ev = event_from_json(posted, &cause);
	ok(ev != NULL && event_num(ev, "total_cost", -1) == 0 &&
	    !event_bool(ev, "reported"), "posted usage reads back");
	event_free(ev);
	event_bus_free(bus);
	free(posted);
	posted = NULL;

	for (t = n = 0; t < EV__COUNT; t++) {
		ok(event_fields(t)[0].name != NULL && *event_type_help(t) != '\0',
		    "%s declares its fields and meaning", event_type_name(t));
		for (f = event_fields(t); f->name != NULL; f++)
			n += event_field(t, f->name) == f;
	}
	ok(n > 50, "every declared field is found by name");
	ok(event_field(EV_CONDENSATION, "first_seq") == NULL,
	    "undeclared fields are not found");

	ev = event_new(EV_CONDENSATION, NULL);
	ok(aborts(read_undeclared, ev), "reading an undeclared field aborts");
	ok(aborts(read_wrong_kind, ev), "reading a field as the wrong kind aborts");
	ok(!aborts(read_declared, ev), "reading declared fields does not");
	event_free(ev);
}

int
main(void)
{
	struct event *ev, *back;
	struct event_bus *bus;
	char *json, *cause = NULL;
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "text", "h\xc3\xa9llo \"quoted\"\n");
	cJSON_AddNumberToObject(d, "exit_code", 2);
	ev = event_new(EV_OBSERVATION, d);
	ev->seq = 42;
	ev->ts_ms = 1795000000123LL;
	json = event_to_json(ev);
	ok(strncmp(json, "{\"seq\":42,\"ts\":\"", 16) == 0, "flat JSON starts with seq and ts");
	ok(strstr(json, "\"type\":\"observation\"") != NULL, "type by name");
	ok(strchr(json, '\n') == NULL, "one line");
	back = event_from_json(json, &cause);
	ok(back != NULL, "parses back");
	is_int(back->type, EV_OBSERVATION, "type survives");
	is_int(back->seq, 42, "seq survives");
	is_int(back->ts_ms, 1795000000123LL, "timestamp survives to the millisecond");
	is_str(event_str(back, "text", NULL), "h\xc3\xa9llo \"quoted\"\n", "text survives");
	is_int(event_num(back, "exit_code", -1), 2, "number survives");
	ok(cJSON_GetObjectItem(back->data, "type") == NULL, "envelope keys not in data");
	event_free(back);
	free(json);
	event_free(ev);

	ok(event_from_json("{\"type\":\"nope\"}", &cause) == NULL && strstr(cause, "nope"), "unknown type rejected");
	free(cause);
	ok(event_from_json("{\"seq\":1,\"type\":\"notice\"", &cause) == NULL, "truncated line rejected");
	free(cause);
	ok(event_type_transient(EV_ASSISTANT_DELTA) && !event_type_transient(EV_ASSISTANT_MESSAGE),
	    "deltas are transient, messages are not");
	/* A stored seq reads back exactly as written, or as 0 (fuzz_event). */
	{
		static const char *const lines[] = {
			"{\"seq\":999999999999999,\"type\":\"notice\"}",
			"{\"seq\":9000000908066019,\"type\":\"notice\"}",
		};
		static const uint64_t want[] = { 999999999999999ULL, 0 };
		struct event *e1, *e2;
		char *j;
		size_t k;

		for (k = 0; k < 2; k++) {
			e1 = event_from_json(lines[k], &cause);
			j = e1 != NULL ? event_to_json(e1) : NULL;
			e2 = j != NULL ? event_from_json(j, &cause) : NULL;
			ok(e1 != NULL && e2 != NULL && e1->seq == want[k] &&
			    e2->seq == want[k], "stored seq %s reads back the "
			    "same", k == 0 ? "below 10^15" : "above 10^15 (as 0)");
			event_free(e2);
			free(j);
			event_free(e1);
		}
	}

	bus = event_bus_new();
	event_bus_subscribe(bus, sink_a, bus);
	event_bus_subscribe(bus, sink_b, NULL);
	event_bus_post(bus, EV_USER_MESSAGE, NULL);
	event_bus_post(bus, EV_STATE, NULL);
	is_str(seen, "Ab1An2Ab3", "sinks in order; nested emit queued after the current event");
	is_int(event_bus_last_seq(bus), 3, "seq counts every event");
	event_bus_free(bus);
	test_typed();
	return tap_done();
}
