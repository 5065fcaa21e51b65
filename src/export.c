/*
 * export.c: a stored session as Markdown (/export, `cade sessions export`).
 *
 * The store is replayed and each event that tells the story becomes
 * Markdown: the person's messages, the model's answers, each tool call with
 * its command (or arguments), the policy's decision and who made it, the
 * observation (cut to EXPORT_OBS_LINES lines) and the diff of an edit, and
 * the end of each task.  Events are masked when stored (secret.h), and the
 * text is masked again here, so a key typed into a message after the store
 * was written cannot come out either.  Code fences are long enough never to
 * be closed by the text inside them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cade/buf.h"
#include "cade/event.h"
#include "cade/image.h"
#include "cade/secret.h"
#include "cade/store.h"
#include "cade/tool.h"
#include "cade/util.h"

#define EXPORT_OBS_LINES	40

struct export_ctx {
	FILE	*out;
	int	 header;
};

/* A fence of backticks longer than any run inside text. */
static void
export_fence(FILE *out, const char *text, const char *lang)
{
	const char *p;
	int run = 0, max = 2, i;

	for (p = text; *p != '\0'; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > max)
			max = run;
	}
	for (i = 0; i <= max; i++)
		fputc('`', out);
	fprintf(out, "%s\n", lang);
}

/* Text in a code block (at most maxlines lines, 0: all). */
static void
export_block(FILE *out, const char *text, const char *lang, int maxlines)
{
	const char *p = text;
	char *masked;
	int lines = 0, more = 0, i, n;

	masked = secret_mask(text, strlen(text), NULL);
	p = masked;
	export_fence(out, masked, lang);
	while (*p != '\0') {
		n = (int)strcspn(p, "\n");
		if (maxlines > 0 && lines == maxlines) {
			more++;
		} else {
			fwrite(p, 1, (size_t)n, out);
			fputc('\n', out);
			lines++;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	if (more > 0)
		fprintf(out, "... (%d more lines)\n", more);
	n = 0;
	for (p = masked, i = 0; *p != '\0'; p++) {
		i = *p == '`' ? i + 1 : 0;
		if (i > n)
			n = i;
	}
	for (i = 0; i <= (n > 2 ? n : 2); i++)
		fputc('`', out);
	fputs("\n\n", out);
	free(masked);
}

/* Prose, masked. */
static void
export_text(FILE *out, const char *text)
{
	char *masked = secret_mask(text, strlen(text), NULL);

	fprintf(out, "%s\n\n", masked);
	free(masked);
}

/* One stored event. */
static void
export_event(struct event *ev, void *arg)
{
	struct export_ctx *x = arg;
	FILE *out = x->out;
	char when[64], *s;
	struct tool_effects e;
	struct tm tm;
	struct buf b;
	time_t ts;
	cJSON *a;

	switch (ev->type) {
	case EV_SESSION_START:
		if (!x->header) {
			ts = (time_t)(ev->ts_ms / 1000);
			if (gmtime_r(&ts, &tm) == NULL ||
			    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC",
			    &tm) == 0)
				snprintf(when, sizeof when, "?");
			fprintf(out, "# cade session %s\n\n- started: %s\n- "
			    "directory: %s\n- model: %s\n\n", event_str(ev, "id",
			    "?"), when, event_str(ev, "root", "?"),
			    event_str(ev, "model", "?"));
			x->header = 1;
		}
		break;
	case EV_USER_MESSAGE:
		fputs("## You\n\n", out);
		export_text(out, event_str(ev, "text", ""));
		if (event_json(ev, "images") != NULL) {
			buf_init(&b, 0);
			image_notes(event_json(ev, "images"), &b);
			if (b.len > 0)
				export_text(out, b.s + 1);
			buf_free(&b);
		}
		break;
	case EV_ASSISTANT_MESSAGE:
		if (*event_str(ev, "text", "") == '\0')
			break;
		fputs("## cade\n\n", out);
		export_text(out, event_str(ev, "text", ""));
		break;
	case EV_TOOL_CALL:
		fprintf(out, "### %s\n\n", event_str(ev, "name", "tool"));
		a = cJSON_GetObjectItem(ev->data, "arguments");
		/* A command the call runs, as its tool describes it. */
		tool_describe(event_str(ev, "name", ""), a, &e);
		if (e.act.command != NULL && !e.act.input)
			export_block(out, e.act.command, "sh", 0);
		else if (a != NULL && (s = cJSON_Print(a)) != NULL) {
			export_block(out, s, "json", EXPORT_OBS_LINES);
			free(s);
		}
		tool_effects_free(&e);
		break;
	case EV_POLICY_DECISION:
		fprintf(out, "Decision: **%s** (%s risk; %s, by %s)%s%s\n\n",
		    event_str(ev, "decision", "?"), event_str(ev, "risk", "?"),
		    event_str(ev, "rule", "?"), event_str(ev, "by", "?"),
		    *event_str(ev, "reason", "") != '\0' ? ": " : "",
		    event_str(ev, "reason", ""));
		break;
	case EV_OBSERVATION:
		if (*event_str(ev, "diff", "") != '\0')
			export_block(out, event_str(ev, "diff", ""), "diff", 0);
		export_block(out, event_str(ev, "text", ""), "", EXPORT_OBS_LINES);
		break;
	case EV_FINISH:
		fprintf(out, "*Task %s after %.0f steps.*\n\n", event_str(ev,
		    "status", "ended"), event_num(ev, "steps", 0));
		break;
	default:
		break;
	}
	event_free(ev);
}

/* See store.h. */
int
store_export(const char *dir, const char *id, FILE *out, char **cause)
{
	struct export_ctx x;
	char *warning = NULL;

	memset(&x, 0, sizeof x);
	x.out = out;
	if (store_replay(dir, id, export_event, &x, &warning, cause) == -1)
		return -1;
	free(warning);
	if (fflush(out) != 0 || ferror(out)) {
		*cause = xstrdup("cannot write the export");
		return -1;
	}
	return 0;
}
