/*
 * undo.c: the session's checkpoint log, and undo, redo, rewind and diff
 * over it (contract in include/cade/undo.h, design in doc/CHECKPOINTS.md).
 *
 * Data flow: checkpoint events (one per step that may change the
 * workspace: the snapshot before it and after it) and undo events feed the
 * log, live from the bus or replayed from the store.  The log knows the
 * steps, which of them are undone or left behind by a rewind, the redo
 * stack, and `cur`, the state cade last left the workspace in.  An action
 * is planned against a fresh snapshot (anything that differs from `cur` was
 * changed outside cade and makes the action refuse unless forced), shown as
 * a diff, then applied through ckpt_restore().  The resulting undo event is
 * posted by a live session (and the agent told) or appended to the store by
 * `cade undo`, so a later resume replays it like any other event.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/agent.h"
#include "cade/buf.h"
#include "cade/cade.h"
#include "cade/checkpoint.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/session.h"
#include "cade/store.h"
#include "cade/undo.h"
#include "cade/util.h"

/* One undo that a redo can take back. */
struct undo_redo {
	struct ckpt_state	 to;		/* the state before the undo */
	cJSON			*call_ids;
};

struct undo_log {
	struct undo_step	*steps;
	size_t			 nsteps;
	struct undo_redo	*redo;
	size_t			 nredo;
	struct ckpt_state	 cur;		/* where cade last left the workspace */
	int			 have_cur;
};

/* An empty log. */
struct undo_log *
undo_log_new(void)
{
	return xcalloc(1, sizeof(struct undo_log));
}

/* Drop the redo stack (a new change, or a rewind). */
static void
undo_redo_clear(struct undo_log *l)
{
	while (l->nredo > 0)
		cJSON_Delete(l->redo[--l->nredo].call_ids);
	free(l->redo);
	l->redo = NULL;
}

/* Free the log. */
void
undo_log_free(struct undo_log *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nsteps; i++) {
		free(l->steps[i].call_id);
		free(l->steps[i].tool);
		free(l->steps[i].summary);
	}
	free(l->steps);
	undo_redo_clear(l);
	free(l);
}

/* The step recorded for a call id, or NULL. */
static struct undo_step *
undo_find(const struct undo_log *l, const char *call_id)
{
	size_t i;

	for (i = l->nsteps; i-- > 0; )
		if (strcmp(l->steps[i].call_id, call_id) == 0)
			return &l->steps[i];
	return NULL;
}

/* Set or clear the undone mark of every step named in ids. */
static void
undo_mark(struct undo_log *l, const cJSON *ids, int undone)
{
	const cJSON *id;
	struct undo_step *s;

	cJSON_ArrayForEach(id, ids) {
		if (cJSON_IsString(id) && (s = undo_find(l, id->valuestring)) != NULL)
			s->undone = undone;
	}
}

/* Take in a checkpoint or undo event. */
void
undo_log_feed(struct undo_log *l, const struct event *ev)
{
	struct ckpt_state a, b;
	const char *action;
	struct undo_step *s;
	size_t i;

	if (ev->type == EV_CHECKPOINT) {
		if (ckpt_state_from_json(cJSON_GetObjectItem(ev->data, "before"),
		    &a) == -1 || ckpt_state_from_json(cJSON_GetObjectItem(ev->data,
		    "after"), &b) == -1)
			return;
		l->steps = xreallocarray(l->steps, l->nsteps + 1, sizeof *l->steps);
		s = &l->steps[l->nsteps++];
		memset(s, 0, sizeof *s);
		s->call_id = xstrdup(event_str(ev, "call_id", ""));
		s->tool = xstrdup(event_str(ev, "tool", ""));
		s->summary = xstrdup(event_str(ev, "summary", ""));
		s->before = a;
		s->after = b;
		s->changed = !ckpt_same(&a, &b);
		if (s->changed)
			undo_redo_clear(l);
		l->cur = b;
		l->have_cur = 1;
		return;
	}
	if (ev->type != EV_UNDO || (action = event_str(ev, "action", NULL)) == NULL ||
	    ckpt_state_from_json(cJSON_GetObjectItem(ev->data, "to"), &b) == -1)
		return;
	if (strcmp(action, "undo") == 0) {
		if (ckpt_state_from_json(cJSON_GetObjectItem(ev->data, "from"),
		    &a) == -1)
			return;
		undo_mark(l, cJSON_GetObjectItem(ev->data, "call_ids"), 1);
		l->redo = xreallocarray(l->redo, l->nredo + 1, sizeof *l->redo);
		l->redo[l->nredo].to = a;
		l->redo[l->nredo].call_ids = cJSON_Duplicate(
		    cJSON_GetObjectItem(ev->data, "call_ids"), 1);
		l->nredo++;
	} else if (strcmp(action, "redo") == 0) {
		undo_mark(l, cJSON_GetObjectItem(ev->data, "call_ids"), 0);
		if (l->nredo > 0)
			cJSON_Delete(l->redo[--l->nredo].call_ids);
	} else if (strcmp(action, "rewind") == 0) {
		if ((s = undo_find(l, event_str(ev, "call_id", ""))) != NULL)
			for (i = (size_t)(s - l->steps); i < l->nsteps; i++)
				l->steps[i].gone = 1;
		undo_redo_clear(l);
	} else
		return;
	l->cur = b;
	l->have_cur = 1;
}

/* Bus sink: feed the log. */
void
undo_log_sink(const struct event *ev, void *arg)
{
	if (ev->type == EV_CHECKPOINT || ev->type == EV_UNDO)
		undo_log_feed(arg, ev);
}

/* The steps, oldest first. */
const struct undo_step *
undo_log_steps(const struct undo_log *l, size_t *n)
{
	*n = l->nsteps;
	return l->steps;
}

/* A step by number ("3") or call id; NULL if none (or left by a rewind). */
static const struct undo_step *
undo_step_arg(const struct undo_log *l, const char *arg)
{
	const struct undo_step *s = NULL;
	long k;

	if (util_parse_long(arg, 1, (long)l->nsteps, &k) == 0)
		s = &l->steps[k - 1];
	else
		s = undo_find(l, arg);
	return s != NULL && !s->gone ? s : NULL;
}

/* "terminal `rm -rf src`" for lists and notes. */
static void
undo_describe(struct buf *b, const struct undo_step *s)
{
	const char *sum = s->summary;
	size_t n = strcspn(sum, "\n");

	(void)buf_printf(b, "%s `%.*s%s`", s->tool, (int)(n > 80 ? 80 : n), sum,
	    n > 80 || sum[n] != '\0' ? "..." : "");
}

/* Free a plan's contents. */
void
undo_plan_free(struct undo_plan *p)
{
	cJSON_Delete(p->call_ids);
	cJSON_Delete(p->outside);
	free(p->call_id);
	free(p->what);
	memset(p, 0, sizeof *p);
}

/* Plan an action; see undo.h. */
int
undo_plan(struct undo_log *l, struct ckpt *ck, enum undo_action action,
    int steps, const char *step, struct undo_plan *p, char **cause)
{
	const struct undo_step *first = NULL, *target;
	struct buf what;
	size_t i;
	int n = 0;

	memset(p, 0, sizeof *p);
	p->action = action;
	p->call_ids = cJSON_CreateArray();
	buf_init(&what, 0);
	if (ckpt_disabled(ck) != NULL && !l->have_cur) {
		*cause = xasprintf("nothing to undo: %s", ckpt_disabled(ck));
		goto fail;
	}
	switch (action) {
	case UNDO_UNDO:
		if (steps < 1)
			steps = 1;
		(void)buf_puts(&what, "undo ");
		for (i = l->nsteps; i-- > 0 && n < steps; ) {
			const struct undo_step *s = &l->steps[i];

			if (!s->changed || s->undone || s->gone)
				continue;
			if (n > 0)
				(void)buf_puts(&what, ", ");
			(void)buf_printf(&what, "step %zu: ", i + 1);
			undo_describe(&what, s);
			cJSON_AddItemToArray(p->call_ids, cJSON_CreateString(s->call_id));
			first = s;
			n++;
		}
		if (n == 0) {
			*cause = xstrdup("nothing to undo: no step of this session "
			    "changed the workspace (or all are undone)");
			goto fail;
		}
		if (n < steps) {
			*cause = xasprintf("only %d step%s of this session can be "
			    "undone", n, n == 1 ? "" : "s");
			goto fail;
		}
		p->to = first->before;
		break;
	case UNDO_REDO:
		if (l->nredo == 0) {
			*cause = xstrdup("nothing to redo");
			goto fail;
		}
		cJSON_Delete(p->call_ids);
		p->call_ids = cJSON_Duplicate(l->redo[l->nredo - 1].call_ids, 1);
		p->to = l->redo[l->nredo - 1].to;
		(void)buf_printf(&what, "redo %d step%s",
		    cJSON_GetArraySize(p->call_ids),
		    cJSON_GetArraySize(p->call_ids) == 1 ? "" : "s");
		break;
	case UNDO_REWIND:
		if (step == NULL || (target = undo_step_arg(l, step)) == NULL) {
			*cause = xasprintf("no step '%s' to rewind to (see the "
			    "list: /rewind, or cade undo --list)", step ? step : "");
			goto fail;
		}
		for (i = (size_t)(target - l->steps); i < l->nsteps; i++)
			if (!l->steps[i].gone)
				cJSON_AddItemToArray(p->call_ids,
				    cJSON_CreateString(l->steps[i].call_id));
		p->call_id = xstrdup(target->call_id);
		p->to = target->before;
		(void)buf_printf(&what, "rewind to before step %zu: ",
		    (size_t)(target - l->steps) + 1);
		undo_describe(&what, target);
		break;
	}
	if (ckpt_snapshot(ck, &p->now, NULL, cause) == -1)
		goto fail;
	if (l->have_cur && !ckpt_same(&l->cur, &p->now)) {
		p->outside = ckpt_changes(ck, &l->cur, &p->now, cause);
		if (p->outside == NULL)
			goto fail;
		if (cJSON_GetArraySize(p->outside) == 0) {
			cJSON_Delete(p->outside);
			p->outside = NULL;
		}
	}
	p->what = buf_detach(&what, NULL);
	buf_free(&what);
	return 0;
fail:
	buf_free(&what);
	undo_plan_free(p);
	return -1;
}

/* The diff a plan applies. */
char *
undo_plan_diff(struct ckpt *ck, const struct undo_plan *p, int color, char **cause)
{
	return ckpt_diff(ck, &p->now, &p->to, color, cause);
}

/* "  M path" lines, at most 50. */
static char *
undo_files_text(const cJSON *files)
{
	const cJSON *e;
	struct buf b;
	int n = 0;

	buf_init(&b, 0);
	cJSON_ArrayForEach(e, files) {
		if (n++ == 50) {
			(void)buf_printf(&b, "  ... and %d more\n",
			    cJSON_GetArraySize(files) - 50);
			break;
		}
		(void)buf_printf(&b, "  %s %s\n",
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "status")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "path")));
	}
	return buf_detach(&b, NULL);
}

/* The outside changes, one line each. */
char *
undo_outside_text(const struct undo_plan *p)
{
	return undo_files_text(p->outside);
}

/* "M a.c, D new.txt" (at most 30 names) for the model's note. */
static void
undo_files_inline(struct buf *b, const cJSON *files)
{
	const cJSON *e;
	int n = 0;

	cJSON_ArrayForEach(e, files) {
		if (n == 30) {
			(void)buf_printf(b, ", and %d more",
			    cJSON_GetArraySize(files) - 30);
			break;
		}
		(void)buf_printf(b, "%s%s %s", n++ > 0 ? ", " : "",
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "status")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(e, "path")));
	}
}

/* Apply a plan; the undo event's fields, or NULL with *cause. */
cJSON *
undo_apply(struct ckpt *ck, const struct undo_plan *p, int force, char **cause)
{
	static const char *const names[] = { "undo", "redo", "rewind" };
	cJSON *d, *files;
	struct buf note;
	char *list;

	if (p->outside != NULL && !force) {
		list = undo_outside_text(p);
		*cause = xasprintf("files changed outside cade since its last "
		    "checkpoint; undoing now would lose those changes:\n%s"
		    "(force it with --force, or /%s!)", list, names[p->action]);
		free(list);
		return NULL;
	}
	if ((files = ckpt_changes(ck, &p->now, &p->to, cause)) == NULL)
		return NULL;
	if (ckpt_restore(ck, &p->now, &p->to, cause) == -1) {
		cJSON_Delete(files);
		return NULL;
	}
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "action", names[p->action]);
	cJSON_AddItemToObject(d, "call_ids", cJSON_Duplicate(p->call_ids, 1));
	if (p->call_id != NULL)
		cJSON_AddStringToObject(d, "call_id", p->call_id);
	cJSON_AddItemToObject(d, "from", ckpt_state_json(&p->now));
	cJSON_AddItemToObject(d, "to", ckpt_state_json(&p->to));
	cJSON_AddStringToObject(d, "what", p->what);
	if (p->outside != NULL) {
		cJSON_AddBoolToObject(d, "forced", 1);
		cJSON_AddItemToObject(d, "outside", cJSON_Duplicate(p->outside, 1));
	}
	buf_init(&note, 0);
	if (p->action != UNDO_REWIND) {
		(void)buf_printf(&note, "[cade] The person ran %s: %s. The "
		    "workspace %s", names[p->action], p->what,
		    p->action == UNDO_UNDO ? "is back to how it was before those "
		    "steps; their changes are gone" : "has those steps' changes "
		    "again");
		if (cJSON_GetArraySize(files) > 0) {
			(void)buf_puts(&note, " (changed now: ");
			undo_files_inline(&note, files);
			(void)buf_putc(&note, ')');
		}
		(void)buf_puts(&note, ". Check the files before relying on "
		    "what you saw earlier.");
		cJSON_AddStringToObject(d, "note", note.s);
	}
	buf_free(&note);
	while (cJSON_GetArraySize(files) > 200)
		cJSON_DeleteItemFromArray(files, 200);
	cJSON_AddItemToObject(d, "files", files);
	return d;
}

/* Live: apply, post the event (which feeds the log), tell the agent. */
int
undo_session_apply(struct session *s, const struct undo_plan *p, int force,
    char **cause)
{
	cJSON *d;

	if ((d = undo_apply(s->ckpt, p, force, cause)) == NULL)
		return -1;
	agent_restored(s->agent, d);
	event_post_undo(s->bus, &(struct ev_undo){
		.action = cJSON_GetStringValue(cJSON_GetObjectItem(d, "action")),
		.call_ids = cJSON_GetObjectItem(d, "call_ids"),
		.call_id = cJSON_GetStringValue(cJSON_GetObjectItem(d, "call_id")),
		.from = cJSON_GetObjectItem(d, "from"),
		.to = cJSON_GetObjectItem(d, "to"),
		.what = cJSON_GetStringValue(cJSON_GetObjectItem(d, "what")),
		.files = cJSON_GetObjectItem(d, "files"),
		.forced = cJSON_IsTrue(cJSON_GetObjectItem(d, "forced")),
		.outside = cJSON_GetObjectItem(d, "outside"),
		.note = cJSON_GetStringValue(cJSON_GetObjectItem(d, "note")),
	});
	cJSON_Delete(d);
	return 0;
}

/* A diff of the session or of one step. */
char *
undo_diff(struct undo_log *l, struct ckpt *ck, const char *step, int color,
    char **cause)
{
	const struct undo_step *s = NULL;
	struct ckpt_state now;
	size_t i;

	if (step != NULL && *step != '\0') {
		if ((s = undo_step_arg(l, step)) == NULL) {
			*cause = xasprintf("no step '%s' (see /rewind or cade "
			    "undo --list)", step);
			return NULL;
		}
		return ckpt_diff(ck, &s->before, &s->after, color, cause);
	}
	for (i = 0; i < l->nsteps && s == NULL; i++)
		if (!l->steps[i].gone)
			s = &l->steps[i];
	if (s == NULL) {
		*cause = xstrdup(ckpt_disabled(ck) != NULL ? ckpt_disabled(ck) :
		    "no checkpoints in this session yet");
		return NULL;
	}
	if (ckpt_snapshot(ck, &now, NULL, cause) == -1)
		return NULL;
	return ckpt_diff(ck, &s->before, &now, color, cause);
}

/* One line per step. */
char *
undo_list_text(const struct undo_log *l)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < l->nsteps; i++) {
		const struct undo_step *s = &l->steps[i];

		if (s->gone)
			continue;
		(void)buf_printf(&b, "%3zu  %s", i + 1, s->undone ? "undone   " :
		    s->changed ? "changed  " : "no change");
		(void)buf_puts(&b, "  ");
		undo_describe(&b, s);
		(void)buf_putc(&b, '\n');
	}
	if (b.len == 0)
		(void)buf_puts(&b, "no checkpoints in this session yet\n");
	return buf_detach(&b, NULL);
}

/* ---- cade undo | redo | diff ----------------------------------------- */

struct undo_cli {
	struct undo_log	*log;
	uint64_t	 last_seq;
	char		*root;		/* from session_start */
};

/* Replay callback: feed the log, remember the root and the last seq. */
static void
undo_cli_event(struct event *ev, void *arg)
{
	struct undo_cli *c = arg;

	undo_log_feed(c->log, ev);
	if (ev->seq > c->last_seq)
		c->last_seq = ev->seq;
	if (ev->type == EV_SESSION_START && c->root == NULL &&
	    event_str(ev, "root", NULL) != NULL)
		c->root = xstrdup(event_str(ev, "root", ""));
	event_free(ev);
}

/* The root a session worked in (its first session_start), or NULL. */
static char *
undo_session_root(const char *dir, const char *id)
{
	char *path = xasprintf("%s/%s/events.jsonl", dir, id), line[65536];
	char *root = NULL;
	FILE *f;
	int n = 0;

	if ((f = fopen(path, "r")) == NULL) {
		free(path);
		return NULL;
	}
	while (root == NULL && n++ < 200 && fgets(line, sizeof line, f) != NULL) {
		struct event *ev;
		char *cause = NULL;

		if (strstr(line, "\"session_start\"") == NULL)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if ((ev = event_from_json(line, &cause)) == NULL) {
			free(cause);
			continue;
		}
		if (ev->type == EV_SESSION_START && event_str(ev, "root", NULL))
			root = xstrdup(event_str(ev, "root", ""));
		event_free(ev);
	}
	fclose(f);
	free(path);
	return root;
}

/* The most recent session whose workspace holds dir (the cwd). */
static char *
undo_find_session(const char *dir, const char *cwd, char **cause)
{
	struct dirent *de;
	char *best = NULL;
	struct timespec best_t = { 0, 0 };
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		*cause = xasprintf("no sessions in '%s'", dir);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		char *ev, *root;
		size_t rl;

		if (de->d_name[0] == '.')
			continue;
		ev = xasprintf("%s/%s/events.jsonl", dir, de->d_name);
		if (stat(ev, &sb) != 0 || (best != NULL &&
		    (sb.st_mtim.tv_sec < best_t.tv_sec ||
		    (sb.st_mtim.tv_sec == best_t.tv_sec &&
		    sb.st_mtim.tv_nsec <= best_t.tv_nsec)))) {
			free(ev);
			continue;
		}
		free(ev);
		if ((root = undo_session_root(dir, de->d_name)) == NULL)
			continue;
		rl = strlen(root);
		if (strncmp(cwd, root, rl) == 0 && (cwd[rl] == '\0' ||
		    cwd[rl] == '/' || strcmp(root, "/") == 0)) {
			free(best);
			best = xstrdup(de->d_name);
			best_t = sb.st_mtim;
		}
		free(root);
	}
	closedir(d);
	if (best == NULL)
		*cause = xasprintf("no session of cade worked in '%s' (use "
		    "--session ID; see cade sessions)", cwd);
	return best;
}

/* Ask on the terminal; 1 for yes. */
static int
undo_ask(const char *question)
{
	char line[64];

	fprintf(stderr, "%s [y/N] ", question);
	fflush(stderr);
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

/* Append the undo event to the session's store. */
static int
undo_cli_store(const char *dir, const char *id, uint64_t seq, cJSON *d,
    char **cause)
{
	struct store *st;
	struct event *ev;
	int rc;

	if ((st = store_open(dir, id, cause)) == NULL) {
		cJSON_Delete(d);
		return -1;
	}
	ev = event_new(EV_UNDO, d);
	ev->seq = seq;
	ev->ts_ms = util_wall_ms();
	rc = store_append(st, ev, cause);
	event_free(ev);
	store_close(st);
	return rc;
}

static void
undo_usage(FILE *f, const char *cmd)
{
	if (strcmp(cmd, "diff") == 0)
		fputs("usage: cade diff [--session ID|last] [STEP]\n", f);
	else if (strcmp(cmd, "redo") == 0)
		fputs("usage: cade redo [--session ID|last] [--yes] [--force]\n", f);
	else
		fputs("usage: cade undo [--session ID|last] [--steps N] [--yes] "
		    "[--force] [--list]\n", f);
}

/* `cade undo`, `cade redo`, `cade diff`. */
int
undo_main(struct config *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ .name = "session", .has_arg = required_argument, .val = 's' },
		{ .name = "steps", .has_arg = required_argument, .val = 'n' },
		{ .name = "yes", .has_arg = no_argument, .val = 'y' },
		{ .name = "force", .has_arg = no_argument, .val = 'f' },
		{ .name = "list", .has_arg = no_argument, .val = 'l' },
		{ .name = "help", .has_arg = no_argument, .val = 'h' },
		{ .name = NULL }
	};
	const char *cmd = argv[0], *session = NULL, *step = NULL;
	char *dir = NULL, *id = NULL, *cwd = NULL, *cause = NULL, *text = NULL;
	char *warning = NULL;
	struct undo_cli c;
	struct undo_plan p;
	struct ckpt *ck = NULL;
	int opt, yes = 0, force = 0, list = 0, rc = CADE_EXIT_ERROR, color;
	long steps = 1;
	cJSON *d;

	memset(&c, 0, sizeof c);
	memset(&p, 0, sizeof p);
	signal(SIGPIPE, SIG_IGN);
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "s:n:yflh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			session = optarg;
			break;
		case 'n':
			if (util_parse_long(optarg, 1, 100000, &steps) != 0) {
				fprintf(stderr, "cade: --steps wants a number "
				    "from 1, not '%s'\n", optarg);
				return CADE_EXIT_USAGE;
			}
			break;
		case 'y':
			yes = 1;
			break;
		case 'f':
			force = 1;
			break;
		case 'l':
			list = 1;
			break;
		case 'h':
			undo_usage(stdout, cmd);
			return CADE_EXIT_OK;
		default:
			undo_usage(stderr, cmd);
			return CADE_EXIT_USAGE;
		}
	}
	if (optind < argc && strcmp(cmd, "diff") == 0)
		step = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "cade: unexpected argument '%s'\n", argv[optind]);
		undo_usage(stderr, cmd);
		return CADE_EXIT_USAGE;
	}

	dir = store_dir(cfg);
	if ((cwd = realpath(".", NULL)) == NULL) {
		fprintf(stderr, "cade: cannot tell the current directory: %s\n",
		    strerror(errno));
		goto out;
	}
	if (session != NULL && strcmp(session, "last") != 0)
		id = store_resolve(dir, session, &cause);
	else
		id = undo_find_session(dir, cwd, &cause);
	if (id == NULL)
		goto fail;
	c.log = undo_log_new();
	if (store_replay(dir, id, undo_cli_event, &c, &warning, &cause) == -1)
		goto fail;
	free(warning);
	if (c.root == NULL) {
		cause = xasprintf("session %s records no workspace", id);
		goto fail;
	}
	{
		char *sdir = xasprintf("%s/%s", dir, id);

		ck = ckpt_open(cfg, sdir, c.root);
		free(sdir);
	}
	color = isatty(STDOUT_FILENO);
	if (list) {
		text = undo_list_text(c.log);
		fputs(text, stdout);
		rc = CADE_EXIT_OK;
		goto out;
	}
	if (strcmp(cmd, "diff") == 0) {
		if ((text = undo_diff(c.log, ck, step, color, &cause)) == NULL)
			goto fail;
		fputs(text, stdout);
		rc = CADE_EXIT_OK;
		goto out;
	}
	if (undo_plan(c.log, ck, strcmp(cmd, "redo") == 0 ? UNDO_REDO : UNDO_UNDO,
	    (int)steps, NULL, &p, &cause) == -1)
		goto fail;
	if ((text = undo_plan_diff(ck, &p, color, &cause)) == NULL)
		goto fail;
	printf("session %s, workspace %s\n%s\n", id, c.root, p.what);
	fputs(text, stdout);
	if (*text == '\0')
		puts("(no file differs)");
	fflush(stdout);
	if (p.outside != NULL && !force) {
		char *l = undo_outside_text(&p);

		fprintf(stderr, "cade: refused: files changed outside cade since "
		    "its last checkpoint; %s now would lose those changes:\n%s"
		    "cade: pass --force to %s anyway\n", cmd, l, cmd);
		free(l);
		goto out;
	}
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "cade: not done: no terminal to ask on; "
			    "pass --yes to %s\n", cmd);
			goto out;
		}
		if (!undo_ask(strcmp(cmd, "redo") == 0 ? "Redo these changes?" :
		    "Undo these changes?")) {
			fprintf(stderr, "cade: nothing changed\n");
			goto out;
		}
	}
	if ((d = undo_apply(ck, &p, force, &cause)) == NULL)
		goto fail;
	if (undo_cli_store(dir, id, c.last_seq + 1, d, &cause) == -1)
		goto fail;
	fprintf(stderr, "cade: %s done (session %s)\n", cmd, id);
	rc = CADE_EXIT_OK;
	goto out;
fail:
	fprintf(stderr, "cade: %s\n", cause);
out:
	undo_plan_free(&p);
	free(cause);
	free(text);
	ckpt_free(ck);
	undo_log_free(c.log);
	free(c.root);
	free(id);
	free(cwd);
	free(dir);
	return rc;
}
