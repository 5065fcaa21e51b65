/* test_event: JSON round trip, bus ordering, re-entrant emits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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

	bus = event_bus_new();
	event_bus_subscribe(bus, sink_a, bus);
	event_bus_subscribe(bus, sink_b, NULL);
	event_bus_post(bus, EV_USER_MESSAGE, NULL);
	event_bus_post(bus, EV_STATE, NULL);
	is_str(seen, "Ab1An2Ab3", "sinks in order; nested emit queued after the current event");
	is_int(event_bus_last_seq(bus), 3, "seq counts every event");
	event_bus_free(bus);
	return tap_done();
}
