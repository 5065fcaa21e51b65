/*
 * event.h: the one event type, its JSON form, and the bus that fans it out.
 *
 * Everything that happens in a session is an event: the TUI, the headless
 * --json printer and the session store all read the same stream.  An event is
 * a type, a sequence number, a wall-clock time and a cJSON object of
 * type-specific fields, each declared once in event-table.h (doc/EVENTS.md
 * lists them, tests/docs.sh checks it).  The JSON form is flat:
 *   {"seq":12,"ts":"2026-11-22T23:30:00.123Z","type":"tool_call",...fields}
 * Transient events (streamed deltas) reach live sinks but are not stored: the
 * whole message is stored once complete.
 *
 * Secrets (secret.h) are masked once, here: event_bus_emit() masks every
 * string of an event before any sink sees it.
 */
#ifndef CADE_EVENT_H
#define CADE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* EV_SESSION_START, ...: one per EVENT() row of event-table.h. */
enum event_type {
#define EVENT(id, name, transient, help)	EV_##id,
#define F(name, kind, field, help)
#define EVENT_END(name)
#include "cade/event-table.h"
#undef EVENT
#undef F
#undef EVENT_END
	EV__COUNT
};

/* The C type of each field kind (see event-table.h). */
#define EVENT_CTYPE_STR		const char *
#define EVENT_CTYPE_OSTR	const char *
#define EVENT_CTYPE_INT		int64_t
#define EVENT_CTYPE_OINT	int64_t
#define EVENT_CTYPE_NUM		double
#define EVENT_CTYPE_BOOL	int
#define EVENT_CTYPE_OBOOL	int
#define EVENT_CTYPE_JSON	const cJSON *
#define EVENT_CTYPE_OJSON	const cJSON *
/* Only OINT carries a presence flag. */
#define EVENT_HAS_STR(field)
#define EVENT_HAS_OSTR(field)
#define EVENT_HAS_INT(field)
#define EVENT_HAS_OINT(field)	int has_##field;
#define EVENT_HAS_NUM(field)
#define EVENT_HAS_BOOL(field)
#define EVENT_HAS_OBOOL(field)
#define EVENT_HAS_JSON(field)
#define EVENT_HAS_OJSON(field)

/*
 * struct ev_<name>: the fields of one event type, filled by its producer
 * with a designated initialiser and handed to event_post_<name>(), which
 * copies what it needs (nothing is taken).
 */
#define EVENT(id, name, transient, help)	struct ev_##name {
#define F(name, kind, field, help)	EVENT_CTYPE_##kind field; EVENT_HAS_##kind(field)
#define EVENT_END(name)		};
#include "cade/event-table.h"
#undef EVENT
#undef F
#undef EVENT_END

enum event_kind {
	EVENT_K_STR, EVENT_K_OSTR, EVENT_K_INT, EVENT_K_OINT, EVENT_K_NUM,
	EVENT_K_BOOL, EVENT_K_OBOOL, EVENT_K_JSON, EVENT_K_OJSON
};

/* One declared field (event.c builds the tables from event-table.h). */
struct event_field {
	const char	*name;
	enum event_kind	 kind;
	size_t		 off;		/* of the member in struct ev_<name> */
	size_t		 has_off;	/* OINT: of has_<field> */
	const char	*help;
};

struct event {
	uint64_t	 seq;
	int64_t		 ts_ms;		/* wall clock */
	enum event_type	 type;
	cJSON		*data;		/* owned; always an object */
};

const char	*event_type_name(enum event_type);
/* -1 if unknown. */
int		 event_type_from_name(const char *);
int		 event_type_transient(enum event_type);

/* Takes ownership of data (NULL: an empty object). */
struct event	*event_new(enum event_type, cJSON *data);
void		 event_free(struct event *);
/* One line of JSON, no newline; caller frees. */
char		*event_to_json(const struct event *);
/* Parse one line; NULL with *cause set (caller frees) on error. */
struct event	*event_from_json(const char *line, char **cause);

/* The declared fields of a type, NULL-terminated; its one-line meaning. */
const struct event_field *event_fields(enum event_type);
const char	*event_type_help(enum event_type);
/* The declared field key of ev's type; NULL if the type has none. */
const struct event_field *event_field(enum event_type, const char *key);

/*
 * Accessors on ev->data: return dflt when absent or mistyped (a stored
 * event may come from another version).  Reading a field the type does
 * not declare, or with the wrong kind, is a bug: it aborts.
 */
const char	*event_str(const struct event *, const char *key, const char *dflt);
double		 event_num(const struct event *, const char *key, double dflt);
/* A string member of any JSON object; "" when absent or mistyped. */
const char	*event_json_str(const cJSON *, const char *key);
int		 event_bool(const struct event *, const char *key);
/* Present and not null. */
int		 event_has(const struct event *, const char *key);
/* The JSON item (objects and arrays), or NULL. */
const cJSON	*event_json(const struct event *, const char *key);

/*
 * The bus: sinks are called in subscription order for each emitted event.
 * event_bus_emit() assigns seq (unless already set, as on replay) and ts,
 * dispatches, then frees the event.  A sink must not keep the pointer; it may
 * emit further events (they are queued and dispatched after the current one).
 */
struct event_bus;
typedef void (*event_sink_fn)(const struct event *, void *arg);

struct event_bus	*event_bus_new(void);
void			 event_bus_free(struct event_bus *);
void			 event_bus_subscribe(struct event_bus *, event_sink_fn, void *arg);
void			 event_bus_unsubscribe(struct event_bus *, event_sink_fn, void *arg);
void			 event_bus_emit(struct event_bus *, struct event *);
/* Shorthand: build and emit (data may be NULL); for replay and tests. */
void			 event_bus_post(struct event_bus *, enum event_type, cJSON *data);
/*
 * The one way producers emit: encode the declared fields of the struct
 * ev_<name> at p (see event-table.h) and emit.  Every event cade itself
 * creates passes here.
 */
void			 event_post(struct event_bus *, enum event_type, const void *p);
/* event_post_<name>(bus, &(struct ev_<name>){ .field = ... }) per type. */
#define EVENT(id, name, transient, help)				\
static inline void							\
event_post_##name(struct event_bus *bus, const struct ev_##name *p)	\
{									\
	event_post(bus, EV_##id, p);					\
}
#define F(name, kind, field, help)
#define EVENT_END(name)
#include "cade/event-table.h"
#undef EVENT
#undef F
#undef EVENT_END
/*
 * event_post(), and hand back the fields as the sinks saw them (masked):
 * the agent keeps exactly that text in its history, which becomes the next
 * request to the LLM.  Caller frees with cJSON_Delete().
 */
cJSON			*event_post_masked(struct event_bus *, enum event_type,
			    const void *p);
/* Mask every registered secret in every string of a JSON tree, in place. */
void			 event_mask(cJSON *);
/* Replace, in place, each string of a JSON tree for which fn returns a new one (NULL: keep). */
void			 event_rewrite_strings(cJSON *, char *(*fn)(const char *, void *),
			    void *arg);

uint64_t		 event_bus_last_seq(const struct event_bus *);
/* Continue numbering after a replay. */
void			 event_bus_set_seq(struct event_bus *, uint64_t);

#endif
