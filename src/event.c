/*
 * event.c: events, their flat JSON form, and the bus.
 *
 * The bus dispatches synchronously in subscription order.  A sink that
 * emits while a dispatch is in progress does not recurse: its event is
 * queued and dispatched when the current one is done, so every sink sees
 * events in the same order and seq numbers are monotonic.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cade/event.h"
#include "cade/util.h"

static const struct {
	const char	*name;
	int		 transient;
} event_types[EV__COUNT] = {
	[EV_SESSION_START] = { "session_start", 0 },
	[EV_USER_MESSAGE] = { "user_message", 0 },
	[EV_ASSISTANT_DELTA] = { "assistant_delta", 1 },
	[EV_REASONING_DELTA] = { "reasoning_delta", 1 },
	[EV_ASSISTANT_MESSAGE] = { "assistant_message", 0 },
	[EV_TOOL_CALL] = { "tool_call", 0 },
	[EV_POLICY_DECISION] = { "policy_decision", 0 },
	[EV_TOOL_RUNNING] = { "tool_running", 0 },
	[EV_OBSERVATION] = { "observation", 0 },
	[EV_STATE] = { "state", 0 },
	[EV_USAGE] = { "usage", 0 },
	[EV_RETRY] = { "retry", 0 },
	[EV_ERROR] = { "error", 0 },
	[EV_NOTICE] = { "notice", 0 },
	[EV_CONDENSATION] = { "condensation", 0 },
	[EV_FINISH] = { "finish", 0 },
	[EV_CHECKPOINT] = { "checkpoint", 0 },
	[EV_UNDO] = { "undo", 0 },
};

/* The type's JSON name. */
const char *
event_type_name(enum event_type t)
{
	return (unsigned)t < EV__COUNT ? event_types[t].name : "unknown";
}

/* Type from its JSON name, -1 if unknown. */
int
event_type_from_name(const char *name)
{
	int i;

	for (i = 0; i < EV__COUNT; i++)
		if (strcmp(event_types[i].name, name) == 0)
			return i;
	return -1;
}

/* Transient events are shown live but never stored. */
int
event_type_transient(enum event_type t)
{
	return (unsigned)t < EV__COUNT && event_types[t].transient;
}

/* A new event owning data. */
struct event *
event_new(enum event_type type, cJSON *data)
{
	struct event *ev = xcalloc(1, sizeof *ev);

	ev->type = type;
	ev->data = data != NULL ? data : cJSON_CreateObject();
	if (ev->data == NULL)
		fatal("out of memory creating an event");
	return ev;
}

/* Free an event and its data. */
void
event_free(struct event *ev)
{
	if (ev == NULL)
		return;
	cJSON_Delete(ev->data);
	free(ev);
}

/* Flat JSON: seq, ts, type, then the data fields. */
char *
event_to_json(const struct event *ev)
{
	cJSON *o = cJSON_CreateObject(), *item;
	char *ts = util_iso_time(ev->ts_ms), *s;

	cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
	cJSON_AddStringToObject(o, "ts", ts);
	cJSON_AddStringToObject(o, "type", event_type_name(ev->type));
	free(ts);
	cJSON_ArrayForEach(item, ev->data) {
		if (strcmp(item->string, "seq") == 0 ||
		    strcmp(item->string, "ts") == 0 ||
		    strcmp(item->string, "type") == 0)
			continue;
		cJSON_AddItemToObject(o, item->string, cJSON_Duplicate(item, 1));
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		fatal("out of memory encoding an event");
	return s;
}

/* Parse "2026-11-22T23:30:00.123Z" back to epoch milliseconds. */
static int64_t
event_parse_ts(const char *s)
{
	struct tm tm;
	const char *p;
	int ms = 0;

	memset(&tm, 0, sizeof tm);
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return 0;
	if (*p == '.')
		ms = (int)strtol(p + 1, NULL, 10);
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* Parse one stored line. */
struct event *
event_from_json(const char *line, char **cause)
{
	cJSON *o = cJSON_Parse(line), *seq, *ts, *type;
	struct event *ev;
	int t;

	if (o == NULL || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		*cause = xstrdup("not a JSON object");
		return NULL;
	}
	type = cJSON_GetObjectItemCaseSensitive(o, "type");
	if (!cJSON_IsString(type) || (t = event_type_from_name(type->valuestring)) < 0) {
		*cause = xasprintf("unknown event type '%s'",
		    cJSON_IsString(type) ? type->valuestring : "?");
		cJSON_Delete(o);
		return NULL;
	}
	seq = cJSON_GetObjectItemCaseSensitive(o, "seq");
	ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
	ev = xcalloc(1, sizeof *ev);
	ev->type = (enum event_type)t;
	ev->seq = cJSON_IsNumber(seq) ? (uint64_t)seq->valuedouble : 0;
	ev->ts_ms = cJSON_IsString(ts) ? event_parse_ts(ts->valuestring) : 0;
	cJSON_DeleteItemFromObjectCaseSensitive(o, "seq");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "ts");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "type");
	ev->data = o;
	return ev;
}

/* String field or dflt. */
const char *
event_str(const struct event *ev, const char *key, const char *dflt)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(ev->data, key);

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* Number field or dflt. */
double
event_num(const struct event *ev, const char *key, double dflt)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(ev->data, key);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

struct event_sink {
	event_sink_fn	 fn;
	void		*arg;
	int		 dead;
};

struct event_bus {
	struct event_sink	 *sinks;
	size_t			  nsinks;
	struct event		**queue;
	size_t			  nqueue;
	size_t			  qcap;
	int			  dispatching;
	uint64_t		  seq;
};

/* A bus with no sinks. */
struct event_bus *
event_bus_new(void)
{
	return xcalloc(1, sizeof(struct event_bus));
}

/* Free the bus (queued events are dropped). */
void
event_bus_free(struct event_bus *bus)
{
	size_t i;

	if (bus == NULL)
		return;
	for (i = 0; i < bus->nqueue; i++)
		event_free(bus->queue[i]);
	free(bus->queue);
	free(bus->sinks);
	free(bus);
}

/* Add a sink (called for every later event). */
void
event_bus_subscribe(struct event_bus *bus, event_sink_fn fn, void *arg)
{
	bus->sinks = xreallocarray(bus->sinks, bus->nsinks + 1, sizeof *bus->sinks);
	bus->sinks[bus->nsinks].fn = fn;
	bus->sinks[bus->nsinks].arg = arg;
	bus->sinks[bus->nsinks].dead = 0;
	bus->nsinks++;
}

/* Remove a sink; safe during dispatch. */
void
event_bus_unsubscribe(struct event_bus *bus, event_sink_fn fn, void *arg)
{
	size_t i;

	for (i = 0; i < bus->nsinks; i++)
		if (bus->sinks[i].fn == fn && bus->sinks[i].arg == arg)
			bus->sinks[i].dead = 1;
}

/* Deliver one event to every live sink. */
static void
event_bus_dispatch(struct event_bus *bus, struct event *ev)
{
	size_t i;

	for (i = 0; i < bus->nsinks; i++)
		if (!bus->sinks[i].dead)
			bus->sinks[i].fn(ev, bus->sinks[i].arg);
}

/* Number, stamp and dispatch ev (and anything sinks emit meanwhile). */
void
event_bus_emit(struct event_bus *bus, struct event *ev)
{
	size_t i, j;

	if (ev->seq == 0)
		ev->seq = ++bus->seq;
	else if (ev->seq > bus->seq)
		bus->seq = ev->seq;
	if (ev->ts_ms == 0)
		ev->ts_ms = util_wall_ms();
	if (bus->dispatching) {
		if (bus->nqueue == bus->qcap) {
			bus->qcap = bus->qcap ? bus->qcap * 2 : 8;
			bus->queue = xreallocarray(bus->queue, bus->qcap,
			    sizeof *bus->queue);
		}
		bus->queue[bus->nqueue++] = ev;
		return;
	}
	bus->dispatching = 1;
	event_bus_dispatch(bus, ev);
	event_free(ev);
	for (i = 0; i < bus->nqueue; i++) {
		event_bus_dispatch(bus, bus->queue[i]);
		event_free(bus->queue[i]);
	}
	bus->nqueue = 0;
	bus->dispatching = 0;
	for (i = j = 0; i < bus->nsinks; i++)
		if (!bus->sinks[i].dead)
			bus->sinks[j++] = bus->sinks[i];
	bus->nsinks = j;
}

/* Build and emit. */
void
event_bus_post(struct event_bus *bus, enum event_type type, cJSON *data)
{
	event_bus_emit(bus, event_new(type, data));
}

/* Highest seq assigned or seen. */
uint64_t
event_bus_last_seq(const struct event_bus *bus)
{
	return bus->seq;
}

/* Continue numbering after seq (resume). */
void
event_bus_set_seq(struct event_bus *bus, uint64_t seq)
{
	bus->seq = seq;
}
