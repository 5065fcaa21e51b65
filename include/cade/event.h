/*
 * event.h: the one event type, its JSON form, and the bus that fans it out.
 *
 * Everything that happens in a session is an event: the TUI, the headless
 * --json printer and the session store all read the same stream.  An event is
 * a type, a sequence number, a wall-clock time and a cJSON object of
 * type-specific fields (doc/EVENTS.md lists them).  The JSON form is flat:
 *   {"seq":12,"ts":"2026-11-22T23:30:00.123Z","type":"tool_call",...fields}
 * Transient events (streamed deltas) reach live sinks but are not stored: the
 * whole message is stored once complete.
 */
#ifndef CADE_EVENT_H
#define CADE_EVENT_H

#include <stdint.h>

#include <cjson/cJSON.h>

enum event_type {
	EV_SESSION_START,	/* id, cwd, model, workspace, version */
	EV_USER_MESSAGE,	/* text */
	EV_ASSISTANT_DELTA,	/* text (transient) */
	EV_REASONING_DELTA,	/* text (transient) */
	EV_ASSISTANT_MESSAGE,	/* text, reasoning, tool_calls[], incomplete, cancelled */
	EV_TOOL_CALL,		/* call_id, name, arguments{} */
	EV_POLICY_DECISION,	/* call_id, risk, decision, rule, reason, by, scope */
	EV_TOOL_RUNNING,	/* call_id */
	EV_OBSERVATION,		/* call_id, name, text, exit_code, truncated, digest, diff, duration_ms */
	EV_STATE,		/* from, to */
	EV_USAGE,		/* model, prompt/completion/cached/reasoning tokens, cost, bytes, totals */
	EV_RETRY,		/* attempt, max, delay_ms, reason, model */
	EV_ERROR,		/* kind, message */
	EV_NOTICE,		/* text */
	EV_CONDENSATION,	/* summary, first_seq, last_seq */
	EV_FINISH,		/* message, status */
	EV_CHECKPOINT,		/* call_id, tool, summary, before{tree,git}, after{tree,git}, changed, files[], big[], ms */
	EV_UNDO,		/* action (undo|redo|rewind), call_ids[], from{}, to{}, files[], forced, note */
	EV__COUNT
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

/* Convenience accessors on ev->data; return dflt when absent or mistyped. */
const char	*event_str(const struct event *, const char *key, const char *dflt);
double		 event_num(const struct event *, const char *key, double dflt);

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
/* Shorthand: build and emit (data may be NULL). */
void			 event_bus_post(struct event_bus *, enum event_type, cJSON *data);
uint64_t		 event_bus_last_seq(const struct event_bus *);
/* Continue numbering after a replay. */
void			 event_bus_set_seq(struct event_bus *, uint64_t);

#endif
