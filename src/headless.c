/*
 * headless.c: running cade with no TTY (cade -p PROMPT).
 *
 * Builds the same core the TUI uses (session_*), subscribes three sinks to
 * the bus (the store, the --json printer, the progress printer) and runs the
 * loop until the agent announces the end of the task with EV_FINISH.  Policy
 * asks become refusals (or approvals with --yes, or an abort with --on-ask
 * abort) so nothing ever waits for a person.  stdin is never touched here:
 * main.c reads it only for "-p -".
 *
 * Everything printed here but the --json lines is text the model, a tool or
 * a file controls, so it goes through safe.h: controls shown as ^[ on a
 * terminal, escape sequences stripped on a pipe or file (the answer on
 * stdout is printed as is only with --raw).  --json lines are JSON-escaped
 * (safe_json() in event_to_json()), so they carry no control byte either.
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/agent.h"
#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/llm.h"
#include "cade/loop.h"
#include "cade/mention.h"
#include "cade/safe.h"
#include "cade/sandbox.h"
#include "cade/session.h"
#include "cade/store.h"
#include "cade/workspace.h"
#include "cade/util.h"

struct headless {
	struct session	*s;
	int		 json;
	int		 progress;
	int		 exit_code;
	int		 done;
	int		 heard;		/* the model answered at least once */
	int		 said_error;	/* an error line is on stderr */
	char		*final;
	int		 interrupted;
	int		 signo;		/* the first stop signal, for 128+N */
	uint64_t	 grace;		/* timer: stop even if the step has not ended */
	struct mention_send *ms;	/* the prompt waits for the model list */
};

/* --json: one line per event, flushed so a pipe reader sees it at once. */
static void
headless_json(const struct event *ev, void *arg)
{
	char *line = event_to_json(ev);

	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	free(line);
}

/* First line of s, at most n bytes, for progress lines. */
static char *
headless_line(const char *s, size_t n)
{
	size_t len = strcspn(s, "\n");

	return xstrndup(s, len < n ? len : n);
}

/* One line on stderr for a retry of a model request. */
static void
headless_retry_line(const struct event *ev, const char *prefix)
{
	safe_fprintf(stderr, "%s%s, retrying in %.0f s (%.0f/%.0f)\n", prefix,
	    event_str(ev, "reason", "error"),
	    event_num(ev, "delay_ms", 0) / 1000.0,
	    event_num(ev, "attempt", 0), event_num(ev, "max", 0));
}

/*
 * Without progress lines (no TTY, no -v, or --json), a retry still gets
 * one line on stderr: a run waiting on a silent server says so.
 */
static void
headless_retries(const struct event *ev, void *arg)
{
	(void)arg;
	if (ev->type != EV_RETRY)
		return;
	headless_retry_line(ev, "cade: ");
	fflush(stderr);
}

/* Human progress on stderr. */
static void
headless_progress(const struct event *ev, void *arg)
{
	struct headless *h = arg;
	const char *s;
	char *line;

	switch (ev->type) {
	case EV_ASSISTANT_MESSAGE:
		h->heard = 1;
		/*
		 * Text that comes with actions is progress; a reply without
		 * actions is the answer, which goes to stdout once (never also
		 * here), so it is not streamed either.
		 */
		if (cJSON_GetArraySize(cJSON_GetObjectItem(ev->data,
		    "tool_calls")) > 0 && *event_str(ev, "text", "") != '\0') {
			s = event_str(ev, "text", "");
			safe_fprintf(stderr, "%s%s", s, s[strlen(s) - 1] != '\n' ?
			    "\n" : "");
		}
		break;
	case EV_TOOL_CALL:
		line = cJSON_PrintUnformatted(event_json(ev, "arguments"));
		s = line != NULL ? line : event_str(ev, "arguments_text", "");
		{
			char *short_args = headless_line(s, 160);

			safe_fprintf(stderr, "> %s %s\n", event_str(ev, "name", "?"),
			    short_args);
			free(short_args);
		}
		free(line);
		break;
	case EV_POLICY_DECISION:
		if (strcmp(event_str(ev, "decision", ""), "allow") != 0 ||
		    strcmp(event_str(ev, "by", ""), "policy") != 0)
			safe_fprintf(stderr, "  policy: %s (%s risk, %s by %s)\n",
			    event_str(ev, "decision", "?"), event_str(ev, "risk", "?"),
			    event_str(ev, "rule", "?"), event_str(ev, "by", "?"));
		break;
	case EV_OBSERVATION:
		line = headless_line(event_str(ev, "text", ""), 160);
		safe_fprintf(stderr, "  = %s%s\n", line,
		    strchr(event_str(ev, "text", ""), '\n') ? " ..." : "");
		free(line);
		break;
	case EV_RETRY:
		headless_retry_line(ev, "  ");
		break;
	case EV_ERROR:
		safe_fprintf(stderr, "cade: %s\n", event_str(ev, "message", "error"));
		h->said_error = 1;
		break;
	case EV_NOTICE:
		if (strcmp(event_str(ev, "level", ""), "warning") != 0)
			safe_fprintf(stderr, "cade: %s\n", event_str(ev, "text", ""));
		break;
	case EV_FINISH:
		/*
		 * A failure before the model ever answered (an unreachable
		 * endpoint, a refused key) is its one error line: a summary
		 * of no work would only repeat it.
		 */
		if (!h->heard && h->said_error &&
		    strcmp(event_str(ev, "status", ""), "error") == 0)
			break;
		safe_fprintf(stderr, "-- %s after %.0f steps, %.0f+%.0f tokens, ",
		    event_str(ev, "status", "?"), event_num(ev, "steps", 0),
		    event_num(ev, "prompt_tokens", 0),
		    event_num(ev, "completion_tokens", 0));
		/* No price known: "$?", never a cost of zero that is not true. */
		if (event_num(ev, "cost", 0) == 0 && h->s != NULL &&
		    !llm_price_known(h->s->cfg, conf_str(h->s->cfg, "model")))
			fputs("$?", stderr);
		else
			fprintf(stderr, "$%.4f", event_num(ev, "cost", 0));
		if (event_num(ev, "refusals", 0) > 0)
			fprintf(stderr, ", %.0f action(s) refused by policy",
			    event_num(ev, "refusals", 0));
		fputc('\n', stderr);
		break;
	default:
		break;
	}
	fflush(stderr);
}

/* Watch for the end of the task. */
static void
headless_watch(const struct event *ev, void *arg)
{
	struct headless *h = arg;

	/* Warnings (an MCP server disabled ...) are one line even without -v. */
	if (ev->type == EV_NOTICE &&
	    strcmp(event_str(ev, "level", ""), "warning") == 0) {
		fprintf(stderr, "cade: %s\n", event_str(ev, "text", ""));
		fflush(stderr);
		return;
	}
	if (ev->type != EV_FINISH || h->done)
		return;
	h->done = 1;
	h->exit_code = h->interrupted ? CADE_EXIT_SIGNAL + h->signo :
	    agent_end_exit(agent_end_from_name(event_str(ev, "status", "error")));
	free(h->final);
	h->final = xstrdup(event_str(ev, "message", ""));
	loop_stop(h->s->loop, h->exit_code);
}

/* The interrupted step did not end in time: stop anyway. */
static void
headless_grace(struct loop *l, void *arg)
{
	struct headless *h = arg;

	h->grace = 0;
	h->done = 1;
	h->exit_code = CADE_EXIT_SIGNAL + h->signo;
	loop_stop(l, h->exit_code);	/* session_close() still writes finish */
}

/*
 * SIGINT/SIGTERM/SIGHUP: stop the current step (Ctrl-C to a running
 * command, cancel a request) and give it a moment to end, so the run closes
 * with its finish event; a second signal, or the grace period, stops at once
 * (session_close() then answers the running action and writes the finish
 * event).  Either way everything recorded stays recorded; the exit status
 * is 128 + the first signal's number (SIGTERM 143, SIGINT 130, SIGHUP 129).
 */
static void
headless_signal(struct loop *l, int signo, void *arg)
{
	struct headless *h = arg;

	if (h->signo == 0)
		h->signo = signo;
	h->exit_code = CADE_EXIT_SIGNAL + h->signo;
	if (h->interrupted || h->done) {
		h->done = 1;
		loop_stop(l, h->exit_code);
		return;
	}
	h->interrupted = 1;
	h->grace = loop_timer_add(l, 2000, headless_grace, h);
	agent_cancel(h->s->agent);
}

/*
 * --resume of a session started in another directory: the TUI asks; with
 * nobody to ask, the answer is no unless --yes gave it (as for actions).
 * Going on here would let the conversation's plans about that directory's
 * files act on this one's.  -1 (said why) to refuse.
 */
static int
headless_elsewhere(const struct config *cfg, const char *resume)
{
	char *dir, *id = NULL, *root = NULL, *here, *cause = NULL;
	int rc = 0;

	if (resume == NULL || conf_bool(cfg, "yes"))
		return 0;
	dir = store_dir(cfg);
	here = conf_workspace_root(cfg, NULL, &cause);
	free(cause);
	/* What does not resolve is session_open()'s to report. */
	if (here != NULL &&
	    (id = store_elsewhere(dir, resume, here, &root)) != NULL) {
		safe_fprintf(stderr, "cade: session %s was started in %s, not "
		    "here (%s): run it there (cade -C %s --resume %s), or add "
		    "--yes to continue it here\n", id, root, here, root, id);
		rc = -1;
	}
	free(root);
	free(here);
	free(id);
	free(dir);
	return rc;
}

/* A mention not attached: one line on stderr, and the run goes on. */
static void
headless_refused(const char *line, void *arg)
{
	(void)arg;
	safe_fprintf(stderr, "cade: %s\n", line);
	fflush(stderr);
}

/* The prompt reached the agent. */
static void
headless_sent(void *arg)
{
	struct headless *h = arg;

	h->ms = NULL;
}

/* cade -p PROMPT. */
int
headless_main(struct config *cfg, const struct cade_run *run)
{
	struct headless h;
	struct session_opts so;
	char *cause = NULL, *root;
	int rc;

	memset(&h, 0, sizeof h);
	if ((run->prompt == NULL || *run->prompt == '\0') && run->resume == NULL) {
		fprintf(stderr, "cade: the prompt is empty: give a task with -p "
		    "\"...\" or -p - to read it from stdin\n");
		return CADE_EXIT_USAGE;
	}
	/* First run with nothing set up: say so once, no retries. */
	if (llm_unconfigured(cfg)) {
		fprintf(stderr, "cade: %s\n", llm_unconfigured_text);
		return CADE_EXIT_ERROR;
	}
	if (headless_elsewhere(cfg, run->resume) == -1)
		return CADE_EXIT_USAGE;
	h.json = conf_bool(cfg, "json");
	h.progress = !h.json && (isatty(STDERR_FILENO) || conf_bool(cfg, "verbose"));

	memset(&so, 0, sizeof so);
	so.resume = run->resume;
	so.rows = 50;
	so.cols = 160;
	if (conf_bool(cfg, "yes"))
		so.ask = ASK_APPROVE;
	else if (strcmp(conf_str(cfg, "on_ask"), "abort") == 0)
		so.ask = ASK_ABORT;
	else
		so.ask = ASK_DENY;
	/* Sinks first, so they see the session's very first events. */
	so.sink[0] = h.json ? headless_json : NULL;
	so.sink[1] = h.progress ? headless_progress : headless_retries;
	so.sink[2] = headless_watch;
	so.sink_arg = &h;
	h.s = session_open(cfg, &so, &cause);
	if (h.s == NULL) {
		safe_fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		return CADE_EXIT_ERROR;
	}
	/* A session of another directory goes on here (--yes): say so. */
	if (run->resume != NULL &&
	    (root = store_root(h.s->dir, h.s->id)) != NULL) {
		if (strcmp(root, h.s->ws->root) != 0)
			safe_fprintf(stderr, "cade: note: session %s was started "
			    "in %s; it continues here, in %s (--yes)\n", h.s->id,
			    root, h.s->ws->root);
		free(root);
	}
	/* Uncontained commands are said out loud, even without --verbose. */
	if (h.s->ws->sandbox != NULL && sandbox_why_off(h.s->ws->sandbox) != NULL &&
	    sandbox_wanted(h.s->ws->sandbox) != SANDBOX_OFF)
		fprintf(stderr, "cade: warning: commands are not contained: %s\n",
		    sandbox_why_off(h.s->ws->sandbox));
	loop_signal_add(h.s->loop, SIGINT, headless_signal, &h);
	loop_signal_add(h.s->loop, SIGTERM, headless_signal, &h);
	loop_signal_add(h.s->loop, SIGHUP, headless_signal, &h);
	signal(SIGPIPE, SIG_IGN);

	/* "@path" mentions attach their files as in the TUI (mention.h). */
	if (run->prompt != NULL && *run->prompt != '\0')
		h.ms = mention_send(h.s, run->prompt, 1, NULL, headless_refused,
		    headless_sent, &h);
	else
		agent_continue(h.s->agent);
	if (!h.done && h.ms == NULL &&
	    agent_get_state(h.s->agent) == AGENT_IDLE) {
		fprintf(stderr, "cade: nothing to continue: the resumed session "
		    "ended with an answer; give a new task with -p\n");
		h.exit_code = CADE_EXIT_USAGE;
	} else if (!h.done)
		loop_run(h.s->loop);
	if (h.grace != 0)
		loop_timer_cancel(h.s->loop, h.grace);
	rc = h.exit_code;
	/* Nothing recorded may be lost silently: a store failure fails the run. */
	if (h.s->store_error != NULL) {
		fprintf(stderr, "cade: %s\n", h.s->store_error);
		rc = CADE_EXIT_ERROR;
		free(h.final);
		h.final = NULL;
	}
	/* Without progress lines, a run that did not finish still says why. */
	if (!h.progress && rc != CADE_EXIT_OK && h.final != NULL && *h.final != '\0')
		safe_fprintf(stderr, "cade: %s\n", h.final);
	if (!h.json && h.final != NULL && rc == CADE_EXIT_OK) {
		if (conf_bool(cfg, "raw"))
			fputs(h.final, stdout);
		else
			safe_fputs(h.final, stdout);
		if (*h.final != '\0' && h.final[strlen(h.final) - 1] != '\n')
			fputc('\n', stdout);
	}
	fflush(stdout);
	mention_send_cancel(h.ms);
	session_close(h.s);
	free(h.final);
	return rc;
}
