/*
 * event.c: events, their flat JSON form, and the bus.
 *
 * The bus dispatches synchronously in subscription order.  A sink that
 * emits while a dispatch is in progress does not recurse: its event is
 * queued and dispatched when the current one is done, so every sink sees
 * events in the same order and seq numbers are monotonic.
 *
 * Secrets are masked here, once, as each event is emitted: every string in
 * its fields goes through secret_mask() before any sink sees it, so no sink
 * (store, --json, TUI, audit, or any added later) needs to remember to.
 * Streamed deltas may cut a secret in two: the bus holds back a tail that
 * could be the start of a secret and prepends it to the next delta of the
 * same kind, or sends it alone before the next event of another kind.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cade/event.h"
#include "cade/safe.h"
#include "cade/secret.h"
#include "cade/util.h"

/*
 * The largest seq read back: cJSON prints numbers with 15 significant
 * digits when that reads back "close enough", so only integers below
 * 10^15 are written exactly (a larger stored seq read back as its
 * neighbour; found by tests/fuzz_event.c).
 */
#define EVENT_SEQ_MAX	999999999999999.0
#define EVENT_TS_MAX	253402300799LL		/* 9999-12-31T23:59:59Z */

/* The offset of has_<field> for OINT fields, 0 for the rest. */
#define EVENT_HASOFF_STR(name, field)	0
#define EVENT_HASOFF_OSTR(name, field)	0
#define EVENT_HASOFF_INT(name, field)	0
#define EVENT_HASOFF_OINT(name, field)	offsetof(struct ev_##name, has_##field)
#define EVENT_HASOFF_NUM(name, field)	0
#define EVENT_HASOFF_BOOL(name, field)	0
#define EVENT_HASOFF_OBOOL(name, field)	0
#define EVENT_HASOFF_JSON(name, field)	0
#define EVENT_HASOFF_OJSON(name, field)	0

/* event_fields_<name>[]: each type's declared fields, from event-table.h. */
#define EVENT(id, name, transient, help)				\
static const struct event_field event_fields_##name[] = {
#define F(name, kind, field, help)					\
	{ #field, EVENT_K_##kind, offsetof(struct ev_##name, field),	\
	  EVENT_HASOFF_##kind(name, field), help },
#define EVENT_END(name)	{ NULL, 0, 0, 0, NULL } };
#include "cade/event-table.h"
#undef EVENT
#undef F
#undef EVENT_END

static const struct {
	const char			*name;
	int				 transient;
	const char			*help;
	const struct event_field	*fields;
} event_types[EV__COUNT] = {
#define EVENT(id, name, transient, help)				\
	[EV_##id] = { #name, transient, help, event_fields_##name },
#define F(name, kind, field, help)
#define EVENT_END(name)
#include "cade/event-table.h"
#undef EVENT
#undef F
#undef EVENT_END
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

/* The declared fields of a type, ending with a NULL name. */
const struct event_field *
event_fields(enum event_type t)
{
	static const struct event_field none[] = { { NULL, 0, 0, 0, NULL } };

	return (unsigned)t < EV__COUNT ? event_types[t].fields : none;
}

/* What an event of this type says, in one line. */
const char *
event_type_help(enum event_type t)
{
	return (unsigned)t < EV__COUNT ? event_types[t].help : "";
}

/* The declaration of field key of type t, or NULL. */
const struct event_field *
event_field(enum event_type t, const char *key)
{
	const struct event_field *f;

	for (f = event_fields(t); f->name != NULL; f++)
		if (strcmp(f->name, key) == 0)
			return f;
	return NULL;
}

/* Encode the declared fields of the struct at p into a JSON object. */
static cJSON *
event_encode(enum event_type t, const void *p)
{
	const struct event_field *f;
	const char *base = p, *str;
	const cJSON *json;
	cJSON *d = cJSON_CreateObject();

	if (d == NULL)
		fatal("out of memory creating an event");
	for (f = event_fields(t); f->name != NULL; f++) {
		switch (f->kind) {
		case EVENT_K_STR:
		case EVENT_K_OSTR:
			memcpy(&str, base + f->off, sizeof str);
			if (str != NULL || f->kind == EVENT_K_STR)
				cJSON_AddStringToObject(d, f->name,
				    str != NULL ? str : "");
			break;
		case EVENT_K_INT:
		case EVENT_K_OINT: {
			int64_t v;
			int has = 1;

			memcpy(&v, base + f->off, sizeof v);
			if (f->kind == EVENT_K_OINT)
				memcpy(&has, base + f->has_off, sizeof has);
			if (has)
				cJSON_AddNumberToObject(d, f->name, (double)v);
			break;
		}
		case EVENT_K_NUM: {
			double v;

			memcpy(&v, base + f->off, sizeof v);
			cJSON_AddNumberToObject(d, f->name, v);
			break;
		}
		case EVENT_K_BOOL:
		case EVENT_K_OBOOL: {
			int v;

			memcpy(&v, base + f->off, sizeof v);
			if (v || f->kind == EVENT_K_BOOL)
				cJSON_AddBoolToObject(d, f->name, v != 0);
			break;
		}
		case EVENT_K_JSON:
		case EVENT_K_OJSON:
			memcpy(&json, base + f->off, sizeof json);
			if (json != NULL)
				cJSON_AddItemToObject(d, f->name,
				    cJSON_Duplicate(json, 1));
			else if (f->kind == EVENT_K_JSON)
				cJSON_AddNullToObject(d, f->name);
			break;
		}
	}
	return d;
}

/* Encode the fields at p (a struct ev_<name> for t) and emit. */
void
event_post(struct event_bus *bus, enum event_type t, const void *p)
{
	event_bus_emit(bus, event_new(t, event_encode(t, p)));
}

/* event_post(), and the masked fields back to the caller. */
cJSON *
event_post_masked(struct event_bus *bus, enum event_type t, const void *p)
{
	cJSON *d = event_encode(t, p), *copy;

	event_mask(d);
	if ((copy = cJSON_Duplicate(d, 1)) == NULL)
		fatal("out of memory copying an event");
	event_bus_emit(bus, event_new(t, copy));
	return d;
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

/* 1 if an event's data has a field of the envelope's (seq, ts, type). */
static int
event_data_clashes(const cJSON *data)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, data)
		if (strcmp(item->string, "seq") == 0 ||
		    strcmp(item->string, "ts") == 0 ||
		    strcmp(item->string, "type") == 0)
			return 1;
	return 0;
}

/*
 * Flat JSON: seq, ts, type, then the data fields.  Usually the envelope
 * and the data are printed apart and joined (the same bytes as one object,
 * without copying the data's tree for every line of the store); data that
 * carries a field of the envelope's has it dropped from a copy.
 */
char *
event_to_json(const struct event *ev)
{
	cJSON *o = cJSON_CreateObject(), *item;
	char *ts = util_iso_time(ev->ts_ms), *s, *data;
	int join = cJSON_IsObject(ev->data) && !event_data_clashes(ev->data);
	size_t hl, dl;

	cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
	cJSON_AddStringToObject(o, "ts", ts);
	cJSON_AddStringToObject(o, "type", event_type_name(ev->type));
	free(ts);
	if (!join)
		cJSON_ArrayForEach(item, ev->data) {
			if (strcmp(item->string, "seq") == 0 ||
			    strcmp(item->string, "ts") == 0 ||
			    strcmp(item->string, "type") == 0)
				continue;
			cJSON_AddItemToObject(o, item->string,
			    cJSON_Duplicate(item, 1));
		}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		fatal("out of memory encoding an event");
	if (join && ev->data->child != NULL) {
		/* {"seq":..,"type":".."} + {"k":..} -> {"seq":..,"type":"..","k":..} */
		if ((data = cJSON_PrintUnformatted(ev->data)) == NULL)
			fatal("out of memory encoding an event");
		hl = strlen(s);
		dl = strlen(data);
		s = xrealloc(s, hl + dl);
		s[hl - 1] = ',';
		memcpy(s + hl, data + 1, dl);
		free(data);
	}
	/* cJSON escapes C0 controls; DEL and C1 ones too, for terminals. */
	if (!safe_clean(s, strlen(s))) {
		char *j = safe_json(s);

		cJSON_free(s);
		s = j;
	}
	return s;
}

/* Parse "2026-11-22T23:30:00.123Z" back to epoch milliseconds. */
static int64_t
event_parse_ts(const char *s)
{
	struct tm tm;
	const char *p;
	int ms = 0;
	time_t t;
	long l;

	memset(&tm, 0, sizeof tm);

	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return 0;
	if (*p == '.' && (l = strtol(p + 1, NULL, 10)) >= 0 && l < 1000)
		ms = (int)l;
	t = timegm(&tm);
	/* Years 1970 to 9999 only: the product below must not overflow. */
	if (t < 0 || t > EVENT_TS_MAX)
		return 0;
	return (int64_t)t * 1000 + ms;
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
	/* Numbers from a stored line are range-checked before the cast. */
	ev->seq = cJSON_IsNumber(seq) && seq->valuedouble >= 0 &&
	    seq->valuedouble <= EVENT_SEQ_MAX ? (uint64_t)seq->valuedouble : 0;
	ev->ts_ms = cJSON_IsString(ts) ? event_parse_ts(ts->valuestring) : 0;
	cJSON_DeleteItemFromObjectCaseSensitive(o, "seq");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "ts");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "type");
	ev->data = o;
	return ev;
}

/*
 * The item for key after checking that ev's type declares it with one of
 * the two kinds given: a consumer may only read what producers write.
 */
#define EVENT_KINDS(a, b)	((1u << EVENT_K_##a) | (1u << EVENT_K_##b))
static const cJSON *
event_get(const struct event *ev, const char *key, unsigned kinds)
{
	const struct event_field *f = event_field(ev->type, key);

	if (f == NULL)
		fatal("event '%s' has no field '%s'", event_type_name(ev->type),
		    key);
	if ((kinds & (1u << f->kind)) == 0)
		fatal("event field '%s.%s' read as the wrong kind",
		    event_type_name(ev->type), key);
	return cJSON_GetObjectItemCaseSensitive(ev->data, key);
}

/* String field or dflt. */
const char *
event_str(const struct event *ev, const char *key, const char *dflt)
{
	const cJSON *v = event_get(ev, key, EVENT_KINDS(STR, OSTR));

	return cJSON_IsString(v) ? v->valuestring : dflt;
}

/* String member of a JSON object, "" when absent or not a string. */
const char *
event_json_str(const cJSON *o, const char *key)
{
	const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
	    key));

	return v != NULL ? v : "";
}

/* Number field or dflt. */
double
event_num(const struct event *ev, const char *key, double dflt)
{
	const cJSON *v = event_get(ev, key, EVENT_KINDS(INT, OINT) |
	    (1u << EVENT_K_NUM));

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* See event.h. */
void
event_rewrite_strings(cJSON *j, char *(*fn)(const char *, void *), void *arg)
{
	cJSON *c;
	char *v;

	if (j == NULL)
		return;
	if (cJSON_IsString(j) && j->valuestring != NULL) {
		if ((v = fn(j->valuestring, arg)) == NULL)
			return;
		if (cJSON_SetValuestring(j, v) == NULL)
			fatal("out of memory rewriting an event");
		free(v);
		return;
	}
	for (c = j->child; c != NULL; c = c->next)
		event_rewrite_strings(c, fn, arg);
}

/* A masked copy of s, or NULL when it holds no secret. */
static char *
event_mask_string(const char *s, void *arg)
{
	(void)arg;
	return secret_present(s, strlen(s)) ? secret_mask(s, strlen(s), NULL) :
	    NULL;
}

/* Mask every string in a JSON tree, in place. */
void
event_mask(cJSON *j)
{
	if (secret_count() > 0)
		event_rewrite_strings(j, event_mask_string, NULL);
}

/* A true boolean field. */
int
event_bool(const struct event *ev, const char *key)
{
	return cJSON_IsTrue(event_get(ev, key, EVENT_KINDS(BOOL, OBOOL)));
}

/* A field that is present and not null, of any kind. */
int
event_has(const struct event *ev, const char *key)
{
	const cJSON *v = event_get(ev, key, ~0u);

	return v != NULL && !cJSON_IsNull(v);
}

/* A JSON field (object or array), or NULL. */
const cJSON *
event_json(const struct event *ev, const char *key)
{
	return event_get(ev, key, EVENT_KINDS(JSON, OJSON));
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
	char			 *carry[2];	/* held-back delta tails */
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
	free(bus->carry[0]);
	free(bus->carry[1]);
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

/* Which carry slot a delta type uses, or -1. */
static int
event_bus_carry_slot(enum event_type t)
{
	return t == EV_ASSISTANT_DELTA ? 0 : t == EV_REASONING_DELTA ? 1 : -1;
}

/*
 * A delta: prepend what was held back, hold back a tail that may begin a
 * secret (whole UTF-8 characters only).  0 if nothing is left to send now.
 */
static int
event_bus_delta(struct event_bus *bus, int slot, struct event *ev)
{
	cJSON *t = cJSON_GetObjectItemCaseSensitive(ev->data, "text");
	char *text;
	size_t len, keep;

	if (!cJSON_IsString(t) || t->valuestring == NULL)
		return 1;
	text = xasprintf("%s%s", bus->carry[slot] != NULL ?
	    bus->carry[slot] : "", t->valuestring);
	free(bus->carry[slot]);
	bus->carry[slot] = NULL;
	len = strlen(text);
	keep = secret_partial_tail(text, len);
	while (keep > 0 && keep < len &&
	    ((unsigned char)text[len - keep] & 0xc0) == 0x80)
		keep++;
	if (keep > 0) {
		bus->carry[slot] = xstrdup(text + len - keep);
		text[len - keep] = '\0';
	}
	if (cJSON_SetValuestring(t, text) == NULL)
		fatal("out of memory masking an event");
	free(text);
	return keep < len;
}

static void	event_bus_emit_one(struct event_bus *, struct event *);

/* Number, stamp, mask and dispatch ev (and anything sinks emit meanwhile). */
void
event_bus_emit(struct event_bus *bus, struct event *ev)
{
	cJSON *d;
	int slot = event_bus_carry_slot(ev->type), i;

	if (slot >= 0 && secret_count() > 0 && !event_bus_delta(bus, slot, ev)) {
		event_free(ev);
		return;
	}
	for (i = 0; slot < 0 && i < 2; i++) {
		if (bus->carry[i] == NULL)
			continue;
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "text", bus->carry[i]);
		free(bus->carry[i]);
		bus->carry[i] = NULL;
		event_bus_emit_one(bus, event_new(i == 0 ? EV_ASSISTANT_DELTA :
		    EV_REASONING_DELTA, d));
	}
	event_bus_emit_one(bus, ev);
}

/* Number, stamp, mask and dispatch one event. */
static void
event_bus_emit_one(struct event_bus *bus, struct event *ev)
{
	size_t i, j;

	if (ev->seq == 0)
		ev->seq = ++bus->seq;
	else if (ev->seq > bus->seq)
		bus->seq = ev->seq;
	if (ev->ts_ms == 0)
		ev->ts_ms = util_wall_ms();
	event_mask(ev->data);
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
