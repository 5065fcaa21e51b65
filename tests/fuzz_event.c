/*
 * fuzz_event.c: libFuzzer target for the event JSON form (a stored line of
 * events.jsonl is untrusted: resume and recall read it back).
 *
 * A line that parses must encode again, parse again to the same JSON, and
 * every field its type declares must read back through the accessors of
 * its kind without crashing.  Build and run (configure --enable-fuzzing):
 *   make fuzz-event && ./fuzz-event -max_total_time=300 -dict=tests/fuzz-event.dict
 * cJSON is not instrumented: without the dictionary (or a corpus of real
 * lines) the fuzzer never finds a JSON object and tests nothing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/event.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Read every declared field with the accessor of its kind. */
static void
fuzz_event_read(const struct event *ev)
{
	const struct event_field *f;
	const char *s;

	for (f = event_fields(ev->type); f->name != NULL; f++) {
		(void)event_has(ev, f->name);
		switch (f->kind) {
		case EVENT_K_STR:
		case EVENT_K_OSTR:
			if ((s = event_str(ev, f->name, NULL)) != NULL)
				(void)strlen(s);
			break;
		case EVENT_K_INT:
		case EVENT_K_OINT:
		case EVENT_K_NUM:
			(void)event_num(ev, f->name, 0);
			break;
		case EVENT_K_BOOL:
		case EVENT_K_OBOOL:
			(void)event_bool(ev, f->name);
			break;
		case EVENT_K_JSON:
		case EVENT_K_OJSON:
			(void)event_json(ev, f->name);
			break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event *ev, *back;
	char *line, *json, *again, *cause = NULL;

	if ((line = malloc(size + 1)) == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if ((ev = event_from_json(line, &cause)) == NULL) {
		free(cause);
		free(line);
		return 0;
	}
	fuzz_event_read(ev);
	json = event_to_json(ev);
	if ((back = event_from_json(json, &cause)) == NULL)
		abort();	/* what we write we must read */
	again = event_to_json(back);
	if (strcmp(json, again) != 0 || back->type != ev->type ||
	    back->seq != ev->seq)
		abort();
	free(again);
	free(json);
	event_free(back);
	event_free(ev);
	free(line);
	return 0;
}
