/*
 * batch.c: `cade batch FILE` (contract in cade/batch.h, guide doc/BATCH.md).
 *
 * Data flow: the task file is read and checked whole (a bad line stops the
 * batch before anything runs, with FILE:LINE); --shard keeps every N-th
 * task; --resume fills the outcome of tasks the state file holds.  The rest
 * are ordered by priority (higher first), then file order, and started up
 * to --jobs at once.  A task goes: prepare its workspace (a child process
 * makes the git worktree or the copy, watched on the loop) -> open a
 * session on the shared loop with the shared LLM pool -> submit the prompt
 * -> on the agent's finish event, run validate in the task's own shell
 * (inside its sandbox or container) -> pass, or feed the failure back and
 * go again, up to --fix-attempts -> record the task in the state file ->
 * close the session -> start the next.  Everything after the finish event
 * runs from a zero-delay timer, never from inside the session's bus.
 *
 * SIGINT/SIGTERM stop gracefully: no new task starts, running agents are
 * cancelled, cancelled tasks are left out of the state file (--resume runs
 * them again); a second signal stops at once.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/agent.h"
#include "cade/batch.h"
#include "cade/buf.h"
#include "cade/cade.h"
#include "cade/conf.h"
#include "cade/event.h"
#include "cade/llm.h"
#include "cade/log.h"
#include "cade/loop.h"
#include "cade/mention.h"
#include "cade/safe.h"
#include "cade/session.h"
#include "cade/shell.h"
#include "cade/spawn.h"
#include "cade/util.h"

#include "batch-int.h"

#define BATCH_LINE_MAX	(1024 * 1024)
#define BATCH_TAIL	2000		/* bytes of validation output kept */

enum bt_phase { BT_QUEUED, BT_PREPARING, BT_RUNNING, BT_VALIDATING,
    BT_FINISHED };

struct batch;

/* A running task's live state. */
struct batch_run {
	struct batch		*b;
	struct batch_task	*t;
	enum bt_phase		 phase;
	struct config		*cfg;
	struct session		*s;
	uint64_t		 t0;
	uint64_t		 timer;		/* the next step, from the loop */
	pid_t			 child;		/* preparing the workspace */
	int			 cfd[2];	/* its stdout, stderr */
	struct buf		 cout;
	int			 creap;
	int			 finished;	/* the agent's finish event came */
	int			 step;
	char			*why;		/* an error before the agent ran */
	char			*ended;		/* the agent's finish message */
	char			*prep;		/* its preparation, waiting its turn */
	struct mention_send	*ms;		/* the prompt waits for the model list */
};

struct batch {
	struct config		*cfg;
	struct loop		*loop;
	struct llm_pool		*pool;
	struct batch_task	**t;		/* file order (after --shard) */
	size_t			 n;
	struct batch_task	**order;	/* run order */
	size_t			 norder, next;
	struct batch_run	**run;		/* running, jobs slots */
	int			 jobs, running;
	const char		*file;
	char			*report;
	char			*state_path;
	char			*workdir;
	FILE			*state;
	const char		*isolate;	/* auto, worktree, copy, none */
	int			 fix_attempts;
	enum agent_ask		 ask;
	const char		*shard;
	int			 shard_k, shard_n;
	int			 resume;
	int			 tty;
	int			 interrupted;
	int			 exit_code;
	int			 price_known;
	/* Workspaces are prepared one at a time: git worktree add/remove in
	 * one repository must not run at once. */
	struct batch_run	*prep_busy;
	struct batch_run	**prepq;
	size_t			 nprepq;
	uint64_t		 draw_timer;
	int			 drawn;		/* lines of the live block */
	size_t			 ndone;
};

static void	batch_fill(struct batch *);
static void	batch_run_next(struct loop *, void *);
static void	batch_prep_next(struct batch *);

/* ---- the task file ---- */

static void
batch_task_free(struct batch_task *t)
{
	if (t == NULL)
		return;
	batch_task_clear_outcome(t);
	free(t->id);
	free(t->prompt);
	free(t->dir);
	free(t->validate);
	free(t->model);
	free(t->workspace);
	free(t->image);
	free(t);
}

/* A string member into *out; -1 if present and not a string. */
static int
batch_field_str(const cJSON *o, const char *key, char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v))
		return -1;
	*out = xstrdup(v->valuestring);
	return 0;
}

/* An integer member in [min, max] into *out; -1 if mistyped or out of range. */
static int
batch_field_long(const cJSON *o, const char *key, long min, long max, long *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble != floor(v->valuedouble) ||
	    v->valuedouble < (double)min || v->valuedouble > (double)max)
		return -1;
	*out = (long)v->valuedouble;
	return 0;
}

/* One line of the task file into a task; NULL with *cause (FILE:LINE: ...). */
static struct batch_task *
batch_parse_task(const char *file, size_t lineno, const char *line,
    const char *base, char **cause)
{
	static const char *const known[] = { "id", "prompt", "priority", "dir",
	    "validate", "max_steps", "model", "workspace", "image", NULL };
	struct batch_task *t = xcalloc(1, sizeof *t);
	cJSON *o = cJSON_Parse(line), *it;
	char *dir = NULL;
	size_t i;

	t->validate_exit = -1;
	if (!cJSON_IsObject(o)) {
		*cause = xasprintf("%s:%zu: not a JSON object (one task per "
		    "line: {\"id\": ..., \"prompt\": ...})", file, lineno);
		goto fail;
	}
	cJSON_ArrayForEach(it, o) {
		for (i = 0; known[i] != NULL; i++)
			if (strcmp(it->string, known[i]) == 0)
				break;
		if (known[i] == NULL) {
			*cause = xasprintf("%s:%zu: unknown key '%.40s' (keys: "
			    "id, prompt, priority, dir, validate, max_steps, "
			    "model, workspace, image)", file, lineno, it->string);
			goto fail;
		}
	}
	if (batch_field_str(o, "id", &t->id) == -1 || t->id == NULL ||
	    *t->id == '\0' || strlen(t->id) > 128 ||
	    strpbrk(t->id, "/\\\n\r\t") != NULL || t->id[0] == '.') {
		*cause = xasprintf("%s:%zu: \"id\" must be a non-empty string "
		    "without '/' or control characters", file, lineno);
		goto fail;
	}
	if (batch_field_str(o, "prompt", &t->prompt) == -1 || t->prompt == NULL ||
	    *t->prompt == '\0') {
		*cause = xasprintf("%s:%zu: task '%s' needs a \"prompt\" string",
		    file, lineno, t->id);
		goto fail;
	}
	if (batch_field_long(o, "priority", -1000000, 1000000,
	    &t->priority) == -1 ||
	    batch_field_long(o, "max_steps", 1, 1000000, &t->max_steps) == -1) {
		*cause = xasprintf("%s:%zu: task '%s': \"priority\" and "
		    "\"max_steps\" are whole numbers (max_steps at least 1)",
		    file, lineno, t->id);
		goto fail;
	}
	if (batch_field_str(o, "dir", &dir) == -1 ||
	    batch_field_str(o, "validate", &t->validate) == -1 ||
	    batch_field_str(o, "model", &t->model) == -1 ||
	    batch_field_str(o, "workspace", &t->workspace) == -1 ||
	    batch_field_str(o, "image", &t->image) == -1) {
		*cause = xasprintf("%s:%zu: task '%s': dir, validate, model, "
		    "workspace and image are strings", file, lineno, t->id);
		goto fail;
	}
	if (t->workspace != NULL && strcmp(t->workspace, "local") != 0 &&
	    strcmp(t->workspace, "docker") != 0) {
		*cause = xasprintf("%s:%zu: task '%s': \"workspace\" is local or "
		    "docker", file, lineno, t->id);
		goto fail;
	}
	/* A relative dir is relative to the task file's directory. */
	if (dir == NULL || *dir == '\0')
		t->dir = xstrdup(base);
	else if (dir[0] == '/')
		t->dir = xstrdup(dir);
	else
		t->dir = xasprintf("%s/%s", base, dir);
	free(dir);
	cJSON_Delete(o);
	return t;
fail:
	free(dir);
	cJSON_Delete(o);
	batch_task_free(t);
	return NULL;
}

/* Read the whole task file; -1 with *cause. */
static int
batch_read_tasks(struct batch *b, char **cause)
{
	FILE *f;
	char *line = NULL, *base, *real, *slash;
	size_t cap = 0, lineno = 0, i, idx = 0;
	ssize_t len;
	struct batch_task *t;
	struct stat sb;

	if ((f = fopen(b->file, "r")) == NULL) {
		*cause = xasprintf("cannot read the task file '%s': %s", b->file,
		    strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &sb) == 0 && !S_ISREG(sb.st_mode)) {
		fclose(f);
		*cause = xasprintf("the task file '%s' is not a regular file",
		    b->file);
		return -1;
	}
	real = realpath(b->file, NULL);
	base = xstrdup(real != NULL ? real : b->file);
	free(real);
	if ((slash = strrchr(base, '/')) != NULL)
		*slash = '\0';
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (len > BATCH_LINE_MAX) {
			*cause = xasprintf("%s:%zu: line longer than 1 MiB",
			    b->file, lineno);
			goto fail;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
		    line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if ((t = batch_parse_task(b->file, lineno, line, base,
		    cause)) == NULL)
			goto fail;
		t->index = idx++;
		for (i = 0; i < b->n; i++) {
			if (strcmp(b->t[i]->id, t->id) == 0) {
				*cause = xasprintf("%s:%zu: task id '%s' is used "
				    "twice", b->file, lineno, t->id);
				batch_task_free(t);
				goto fail;
			}
		}
		/* --shard K/N: a deterministic slice by place in the file. */
		if (b->shard_n > 0 &&
		    (int)(t->index % (size_t)b->shard_n) != b->shard_k - 1) {
			batch_task_free(t);
			continue;
		}
		b->t = xreallocarray(b->t, b->n + 1, sizeof *b->t);
		b->t[b->n++] = t;
	}
	if (idx == 0) {
		*cause = xasprintf("%s: no tasks (one JSON object per line)",
		    b->file);
		goto fail;
	}
	free(line);
	free(base);
	fclose(f);
	return 0;
fail:
	free(line);
	free(base);
	fclose(f);
	return -1;
}

/* qsort: priority (higher first), then file order. */
static int
batch_cmp_run(const void *a, const void *c)
{
	const struct batch_task *x = *(struct batch_task *const *)a;
	const struct batch_task *y = *(struct batch_task *const *)c;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* --resume: the outcomes the state file holds. */
static void
batch_load_state(struct batch *b)
{
	FILE *f = fopen(b->state_path, "r");
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t len;
	const cJSON *id;
	cJSON *o;

	if (f == NULL)
		return;
	while ((len = getline(&line, &cap, f)) != -1) {
		/* A torn last line (a crash mid-write) is not a task. */
		if (len == 0 || line[len - 1] != '\n')
			break;
		if ((o = cJSON_Parse(line)) == NULL)
			continue;
		id = cJSON_GetObjectItemCaseSensitive(o, "id");
		for (i = 0; cJSON_IsString(id) && i < b->n; i++)
			if (strcmp(b->t[i]->id, id->valuestring) == 0)
				(void)batch_task_from_json(b->t[i], o);
		cJSON_Delete(o);
	}
	free(line);
	fclose(f);
}

/* ---- progress ---- */

static const char *
batch_phase_name(enum bt_phase p)
{
	static const char *const names[] = {
		"queued", "preparing", "running", "validating", "finished"
	};

	return names[p];
}

/* One line per running task and a bar, redrawn in place (TTY only). */
static void
batch_draw(struct loop *loop, void *arg)
{
	struct batch *b = arg;
	struct buf o;
	int i, w = 30, fill;
	struct agent_stats st;

	(void)loop;
	b->draw_timer = 0;
	buf_init(&o, 0);
	/* Back to the top of the block, clear what was there. */
	if (b->drawn > 0)
		(void)buf_printf(&o, "\r\033[%dA\033[J", b->drawn);
	b->drawn = 0;
	for (i = 0; i < b->jobs; i++) {
		struct batch_run *r = b->run[i];

		if (r == NULL)
			continue;
		memset(&st, 0, sizeof st);
		if (r->s != NULL)
			agent_get_stats(r->s->agent, &st);
		(void)buf_printf(&o, "  %-20.20s %-10s step %-3d %7ld tok ",
		    r->t->id, batch_phase_name(r->phase), st.step,
		    st.tokens_in + st.tokens_out);
		if (b->price_known)
			(void)buf_printf(&o, "$%.4f\n", st.cost);
		else
			(void)buf_puts(&o, "$?\n");
		b->drawn++;
	}
	fill = b->n > 0 ? (int)((double)b->ndone / (double)b->n * w) : w;
	(void)buf_putc(&o, '[');
	for (i = 0; i < w; i++)
		(void)buf_putc(&o, i < fill ? '#' : '-');
	(void)buf_printf(&o, "] %zu/%zu done, %d running, limit %d\n",
	    b->ndone, b->n, b->running, llm_pool_stats(b->pool).limit);
	b->drawn++;
	(void)util_write_all(STDERR_FILENO, o.s, o.len);
	buf_free(&o);
}

/* Redraw soon (at most ten times a second). */
static void
batch_dirty(struct batch *b)
{
	if (b->tty && b->draw_timer == 0)
		b->draw_timer = loop_timer_add(b->loop, 100, batch_draw, b);
}

/* A plain progress line (not a TTY), or a redraw. */
static void __attribute__((format(printf, 2, 3)))
batch_say(struct batch *b, const char *fmt, ...)
{
	va_list ap;
	char *line;

	if (b->tty) {
		batch_dirty(b);
		return;
	}
	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	/* Task outcomes quote the model and servers: neutralised (safe.h). */
	safe_fprintf(stderr, "batch: %s\n", line);
	free(line);
	fflush(stderr);
}

/* ---- one task ---- */

static void	batch_task_end(struct batch_run *, const char *status,
		    const char *reason);

/* A mention in a task's prompt not attached: one progress line. */
static void
batch_refused(const char *line, void *arg)
{
	struct batch_run *r = arg;

	batch_say(r->b, "%s: %s", r->t->id, line);
}

/* The task's prompt reached its agent. */
static void
batch_sent(void *arg)
{
	struct batch_run *r = arg;

	r->ms = NULL;
}

/* Run fn from the loop, not from inside whatever called us. */
static void
batch_later(struct batch_run *r, loop_timer_cb fn)
{
	if (r->timer != 0)
		loop_timer_cancel(r->b->loop, r->timer);
	r->timer = loop_timer_add(r->b->loop, 0, fn, r);
}

/* Close the task's session and free its run; start the next task. */
static void
batch_run_free(struct batch_run *r)
{
	struct batch *b = r->b;
	int i;

	if (r->timer != 0)
		loop_timer_cancel(b->loop, r->timer);
	for (i = 0; i < 2; i++)
		if (r->cfd[i] >= 0) {
			loop_fd_del(b->loop, r->cfd[i]);
			close(r->cfd[i]);
		}
	if (r->child > 0)
		(void)spawn_kill_session(r->child, 0);
	for (i = 0; i < (int)b->nprepq; i++)
		if (b->prepq[i] == r) {
			memmove(b->prepq + i, b->prepq + i + 1,
			    (b->nprepq - (size_t)i - 1) * sizeof *b->prepq);
			b->nprepq--;
			break;
		}
	free(r->prep);
	if (b->prep_busy == r) {
		b->prep_busy = NULL;
		batch_prep_next(b);
	}
	mention_send_cancel(r->ms);
	session_close(r->s);
	conf_free(r->cfg);
	buf_free(&r->cout);
	free(r->why);
	free(r->ended);
	for (i = 0; i < b->jobs; i++)
		if (b->run[i] == r)
			b->run[i] = NULL;
	b->running--;
	free(r);
}

/* Validation finished. */
static void
batch_validated(struct shell_result *res, void *arg)
{
	struct batch_run *r = arg;
	struct batch_task *t = r->t;
	const char *out = res->output;
	size_t len = strlen(out);
	char *msg;

	free(t->validate_tail);
	t->validate_tail = xstrdup(len > BATCH_TAIL ? out + len - BATCH_TAIL :
	    out);
	t->validate_exit = res->timed_out ? 124 : res->exit_code;
	if (res->exit_code == 0 && !res->timed_out) {
		shell_result_free(res);
		batch_task_end(r, "passed", NULL);
		return;
	}
	if (t->attempts < r->b->fix_attempts && !r->b->interrupted) {
		t->attempts++;
		msg = xasprintf("The validation command `%s` failed (%s %d). "
		    "The end of its output:\n\n%s\n\nFix the problem, then "
		    "finish.", t->validate, res->timed_out ? "timed out, "
		    "status" : "exit status", t->validate_exit,
		    t->validate_tail);
		shell_result_free(res);
		batch_say(r->b, "%s: validation failed, fix attempt %d of %d",
		    t->id, t->attempts, r->b->fix_attempts);
		r->phase = BT_RUNNING;
		r->finished = 0;
		agent_submit(r->s->agent, msg);
		free(msg);
		return;
	}
	msg = xasprintf("validation failed (%s %d)", res->timed_out ?
	    "timed out, status" : "exit status", t->validate_exit);
	shell_result_free(res);
	batch_task_end(r, "failed", msg);
	free(msg);
}

/* After the agent's finish event: validate, or end. */
static void
batch_after_finish(struct loop *loop, void *arg)
{
	struct batch_run *r = arg;
	const char *as = r->t->agent_status != NULL ? r->t->agent_status : "";
	char *cause = NULL, *msg;

	(void)loop;
	r->timer = 0;
	if (strcmp(as, "finished") != 0 && strcmp(as, "replied") != 0) {
		if (strcmp(as, "cancelled") == 0 && r->b->interrupted)
			batch_task_end(r, "cancelled", "the batch was stopped");
		else {
			msg = xasprintf("the agent stopped: %s%s%s", as,
			    r->ended != NULL && *r->ended != '\0' ? ": " : "",
			    r->ended != NULL ? r->ended : "");
			batch_task_end(r, "error", msg);
			free(msg);
		}
		return;
	}
	if (r->t->validate == NULL || *r->t->validate == '\0') {
		batch_task_end(r, "passed", NULL);
		return;
	}
	r->phase = BT_VALIDATING;
	batch_dirty(r->b);
	if (shell_run(r->s->shell, r->t->validate, (int)conf_int(r->cfg,
	    "command_timeout"), batch_validated, r, &cause) == -1) {
		msg = xasprintf("cannot run the validation: %s", cause);
		batch_task_end(r, "error", msg);
		free(msg);
		free(cause);
	}
}

/* The task's events: its progress, its finish. */
static void
batch_sink(const struct event *ev, void *arg)
{
	struct batch_run *r = arg;
	struct batch_task *t = r->t;

	switch (ev->type) {
	case EV_USAGE:
		free(t->model_used);
		t->model_used = xstrdup(event_str(ev, "model", ""));
		batch_dirty(r->b);
		break;
	case EV_RETRY:
		t->retries++;
		if (!r->b->tty)
			batch_say(r->b, "%s: %s; retrying", t->id,
			    event_str(ev, "reason", "error"));
		break;
	case EV_STATE:
		batch_dirty(r->b);
		break;
	case EV_FINISH:
		t->steps = (long)event_num(ev, "steps", 0);
		t->prompt_tokens = (long)event_num(ev, "prompt_tokens", 0);
		t->completion_tokens = (long)event_num(ev, "completion_tokens", 0);
		t->cost = event_num(ev, "cost", 0);
		free(t->agent_status);
		t->agent_status = xstrdup(event_str(ev, "status", "error"));
		free(r->ended);
		r->ended = xstrdup(event_str(ev, "message", ""));
		r->finished = 1;
		batch_later(r, batch_after_finish);
		break;
	default:
		break;
	}
}

/* The workspace is ready: open the session and give it the prompt. */
static void
batch_start_session(struct loop *loop, void *arg)
{
	struct batch_run *r = arg;
	struct batch *b = r->b;
	struct session_opts so;
	char *cause = NULL, *msg;

	(void)loop;
	r->timer = 0;
	if (b->interrupted) {
		batch_task_end(r, "cancelled", "the batch was stopped");
		return;
	}
	memset(&so, 0, sizeof so);
	so.rows = 50;
	so.cols = 160;
	so.ask = b->ask;
	so.loop = b->loop;
	so.root = r->t->root;
	so.pool = b->pool;
	so.sink[0] = batch_sink;
	so.sink_arg = r;
	if ((r->s = session_open(r->cfg, &so, &cause)) == NULL) {
		msg = xasprintf("cannot start its session: %s", cause);
		batch_task_end(r, "error", msg);
		free(msg);
		free(cause);
		return;
	}
	free(r->t->session_id);
	r->t->session_id = xstrdup(r->s->id);
	r->phase = BT_RUNNING;
	batch_say(b, "%s: running in %s (session %s)", r->t->id, r->t->root,
	    r->s->id);
	/* "@path" mentions attach their files as in the TUI (mention.h). */
	r->ms = mention_send(r->s, r->t->prompt, 1, NULL, batch_refused,
	    batch_sent, r);
}

/* Output of the child preparing a workspace (kept for an error). */
static void
batch_child_fd(struct loop *loop, int fd, int revents, void *arg)
{
	struct batch_run *r = arg;
	char chunk[4096];
	ssize_t n;
	int i, status = 0, open = 0;

	(void)revents;
	n = read(fd, chunk, sizeof chunk);
	if (n > 0) {
		(void)buf_append(&r->cout, chunk, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	for (i = 0; i < 2; i++) {
		if (r->cfd[i] == fd) {
			loop_fd_del(loop, fd);
			close(fd);
			r->cfd[i] = -1;
		}
		open |= r->cfd[i] >= 0;
	}
	if (open)
		return;
	/* Both pipes closed: the child is ending; reap it (bounded wait). */
	if (spawn_reap(r->child, &status) != 1)
		status = spawn_kill_session(r->child, 5000);
	r->child = -1;
	if (r->b->prep_busy == r) {
		r->b->prep_busy = NULL;
		batch_prep_next(r->b);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *msg = xasprintf("cannot prepare its workspace: %.300s",
		    r->cout.len > 0 ? util_trim(r->cout.s) : "the command failed");

		batch_task_end(r, "error", msg);
		free(msg);
		return;
	}
	batch_later(r, batch_start_session);
}

/* Run argv (sh -c script) to prepare the workspace, watched on the loop. */
static int
batch_child(struct batch_run *r, const char *script)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct spawn_pty_args a;
	char *cause = NULL;
	int fds[3], i;

	memset(&a, 0, sizeof a);
	a.argv = argv;
	if ((r->child = spawn_pipes(&a, fds, &cause)) == -1) {
		free(r->why);
		r->why = cause;
		return -1;
	}
	close(fds[0]);
	for (i = 0; i < 2; i++) {
		r->cfd[i] = fds[i + 1];
		(void)loop_fd_add(r->b->loop, r->cfd[i], POLLIN, batch_child_fd, r);
	}
	return 0;
}

/* Single-quote s for sh. */
static void
batch_quote(struct buf *o, const char *s)
{
	(void)buf_putc(o, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			(void)buf_puts(o, "'\\''");
		else
			(void)buf_putc(o, *s);
	}
	(void)buf_putc(o, '\'');
}

/* 1 if dir is inside a git work tree. */
static int
batch_is_git(const char *dir)
{
	char *p = xasprintf("%s/.git", dir);
	struct stat sb;
	int r = stat(p, &sb) == 0;

	free(p);
	return r;
}

/* Start a task: its config, its workspace. */
static void
batch_start(struct batch *b, struct batch_task *t, int slot)
{
	struct batch_run *r = xcalloc(1, sizeof *r);
	const char *how = b->isolate;
	char *cause = NULL, *v;
	struct buf sh;

	r->b = b;
	r->t = t;
	r->cfd[0] = r->cfd[1] = -1;
	r->child = -1;
	buf_init(&r->cout, 64 * 1024);
	r->t0 = util_now_ms();
	r->phase = BT_PREPARING;
	b->run[slot] = r;
	b->running++;
	batch_task_clear_outcome(t);
	r->cfg = conf_clone(b->cfg);
	if (t->max_steps > 0) {
		v = xasprintf("%ld", t->max_steps);
		(void)conf_set(r->cfg, "max_steps", v, CONF_FLAG, &cause);
		free(v);
	}
	if (t->model != NULL)
		(void)conf_set(r->cfg, "model", t->model, CONF_FLAG, &cause);
	if (t->workspace != NULL)
		(void)conf_set(r->cfg, "workspace", t->workspace, CONF_FLAG, &cause);
	if (t->image != NULL && conf_set(r->cfg, "image", t->image, CONF_FLAG,
	    &cause) == -1) {
		batch_task_end(r, "error", cause);
		free(cause);
		return;
	}
	free(cause);
	cause = NULL;
	if (strcmp(how, "auto") == 0)
		how = batch_is_git(t->dir) ? "worktree" : "copy";
	if (strcmp(how, "none") == 0) {
		t->root = xstrdup(t->dir);
		batch_say(b, "%s: starting (priority %ld)", t->id, t->priority);
		batch_later(r, batch_start_session);
		return;
	}
	t->root = xasprintf("%s/%s", b->workdir, t->id);
	buf_init(&sh, 0);
	/* What a crashed run left is thrown away: the task starts afresh. */
	if (strcmp(how, "worktree") == 0) {
		(void)buf_puts(&sh, "git -C ");
		batch_quote(&sh, t->dir);
		(void)buf_puts(&sh, " worktree remove --force ");
		batch_quote(&sh, t->root);
		(void)buf_puts(&sh, " >/dev/null 2>&1; rm -rf ");
		batch_quote(&sh, t->root);
		(void)buf_puts(&sh, " && git -C ");
		batch_quote(&sh, t->dir);
		(void)buf_puts(&sh, " worktree add --detach --quiet ");
		batch_quote(&sh, t->root);
		(void)buf_puts(&sh, " HEAD");
	} else {
		(void)buf_puts(&sh, "rm -rf ");
		batch_quote(&sh, t->root);
		(void)buf_puts(&sh, " && mkdir -p ");
		batch_quote(&sh, t->root);
		(void)buf_puts(&sh, " && cp -a ");
		batch_quote(&sh, t->dir);
		(void)buf_puts(&sh, "/. ");
		batch_quote(&sh, t->root);
	}
	batch_say(b, "%s: starting (priority %ld, %s of %s)", t->id, t->priority,
	    how, t->dir);
	r->prep = buf_detach(&sh, NULL);
	b->prepq = xreallocarray(b->prepq, b->nprepq + 1, sizeof *b->prepq);
	b->prepq[b->nprepq++] = r;
	batch_prep_next(b);
}

/* Start the next waiting preparation when none runs. */
static void
batch_prep_next(struct batch *b)
{
	struct batch_run *r;
	char *cause, *script;

	while (b->prep_busy == NULL && b->nprepq > 0) {
		r = b->prepq[0];
		memmove(b->prepq, b->prepq + 1, --b->nprepq * sizeof *b->prepq);
		script = r->prep;
		r->prep = NULL;
		if (batch_child(r, script) == 0) {
			b->prep_busy = r;
			free(script);
			return;
		}
		free(script);
		cause = xasprintf("cannot prepare its workspace: %s", r->why);
		batch_task_end(r, "error", cause);
		free(cause);
	}
}

/* Record the outcome, close the session, go on. */
static void
batch_task_end(struct batch_run *r, const char *status, const char *reason)
{
	struct batch *b = r->b;
	struct batch_task *t = r->t;

	free(t->status);
	t->status = xstrdup(status);
	free(t->reason);
	t->reason = reason != NULL ? xstrdup(reason) : NULL;
	t->duration_ms = (int64_t)(util_now_ms() - r->t0);
	r->phase = BT_FINISHED;
	if (strcmp(status, "cancelled") != 0) {
		t->done = 1;
		b->ndone++;
		if (b->state != NULL && batch_state_append(b->state, t) == -1) {
			fprintf(stderr, "cade: cannot record task '%s' in '%s': "
			    "%s; stopping\n", t->id, b->state_path,
			    strerror(errno));
			b->interrupted = 2;
		}
	}
	if (b->tty)
		batch_dirty(b);
	else
		batch_say(b, "%s: %s%s%s (%.1f s, %ld steps)", t->id, status,
		    reason != NULL ? ": " : "", reason != NULL ? reason : "",
		    (double)t->duration_ms / 1000.0, t->steps);
	/* The session goes from the loop, never from inside its own events. */
	r->timer = 0;
	loop_timer_add(b->loop, 0, batch_run_next, r);
}

/* A task ended: free it, start what may start, or stop the loop. */
static void
batch_run_next(struct loop *loop, void *arg)
{
	struct batch_run *r = arg;
	struct batch *b = r->b;

	(void)loop;
	batch_run_free(r);
	batch_fill(b);
}

/* Start tasks while there are slots; stop the loop when all are done. */
static void
batch_fill(struct batch *b)
{
	int slot;

	while (!b->interrupted && b->next < b->norder && b->running < b->jobs) {
		for (slot = 0; slot < b->jobs && b->run[slot] != NULL; slot++)
			;
		batch_start(b, b->order[b->next++], slot);
	}
	if (b->running == 0)
		loop_stop(b->loop, 0);
	batch_dirty(b);
}

/* SIGINT/SIGTERM: stop gracefully; the second time, at once. */
static void
batch_signal(struct loop *loop, int signo, void *arg)
{
	struct batch *b = arg;
	int i;

	b->exit_code = signo == SIGINT ? CADE_EXIT_INTERRUPTED : 128 + signo;
	if (b->interrupted) {
		loop_stop(loop, b->exit_code);
		return;
	}
	b->interrupted = 1;
	batch_say(b, "stopping: no new task starts; running tasks are "
	    "cancelled (again to stop at once)");
	for (i = 0; i < b->jobs; i++)
		if (b->run[i] != NULL && b->run[i]->s != NULL &&
		    !b->run[i]->finished)
			agent_cancel(b->run[i]->s->agent);
	if (b->running == 0)
		loop_stop(loop, b->exit_code);
}

/* ---- the command ---- */

static void
batch_usage(FILE *out)
{
	fprintf(out, "usage: cade batch FILE [--jobs N] [--isolate "
	    "auto|worktree|copy|none] [--workspace local|docker] [--yes] "
	    "[--on-ask deny|abort] [--fix-attempts N] [--report FILE] "
	    "[--resume] [--shard K/N]\n       cade batch merge REPORT... "
	    "[--report FILE]\n");
}

/* Parse K/N; -1 if malformed. */
static int
batch_parse_shard(const char *s, int *k, int *n)
{
	long a, c;
	char *slash = strchr(s, '/'), *left;
	int rc;

	if (slash == NULL)
		return -1;
	left = xstrndup(s, (size_t)(slash - s));
	rc = util_parse_long(left, 1, 100000, &a) == 0 &&
	    util_parse_long(slash + 1, 1, 100000, &c) == 0 && a <= c ? 0 : -1;
	free(left);
	if (rc == 0) {
		*k = (int)a;
		*n = (int)c;
	}
	return rc;
}

static void
batch_free(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		batch_task_free(b->t[i]);
	free(b->t);
	free(b->order);
	free(b->run);
	free(b->prepq);
	free(b->report);
	free(b->state_path);
	free(b->workdir);
	if (b->state != NULL)
		fclose(b->state);
	llm_pool_free(b->pool);
	if (b->draw_timer != 0)
		loop_timer_cancel(b->loop, b->draw_timer);
	loop_free(b->loop);
}

/* See cade/batch.h. */
int
batch_main(int argc, char **argv, struct config *cfg)
{
	static const struct option opts[] = {
		{ .name = "jobs", .has_arg = required_argument, .val = 'j' },
		{ .name = "isolate", .has_arg = required_argument, .val = 'i' },
		{ .name = "workspace", .has_arg = required_argument,
		  .val = 'w' },
		{ .name = "yes", .has_arg = no_argument, .val = 'y' },
		{ .name = "on-ask", .has_arg = required_argument, .val = 'a' },
		{ .name = "fix-attempts", .has_arg = required_argument,
		  .val = 'f' },
		{ .name = "report", .has_arg = required_argument, .val = 'r' },
		{ .name = "resume", .has_arg = no_argument, .val = 'R' },
		{ .name = "shard", .has_arg = required_argument, .val = 's' },
		{ .name = "help", .has_arg = no_argument, .val = 'h' },
		{ .name = NULL }
	};
	struct batch b;
	char *cause = NULL;
	long v;
	size_t i;
	int opt, rc;

	if (argc >= 2 && strcmp(argv[1], "merge") == 0)
		return batch_merge_main(argc - 1, argv + 1);
	memset(&b, 0, sizeof b);
	b.cfg = cfg;
	b.jobs = 1;
	b.isolate = "auto";
	b.ask = conf_bool(cfg, "yes") ? ASK_APPROVE : ASK_DENY;
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "j:y", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			if (util_parse_long(optarg, 1, 256, &v) != 0) {
				fprintf(stderr, "cade: batch: --jobs takes 1 to "
				    "256\n");
				return CADE_EXIT_USAGE;
			}
			b.jobs = (int)v;
			break;
		case 'i':
			if (strcmp(optarg, "auto") != 0 &&
			    strcmp(optarg, "worktree") != 0 &&
			    strcmp(optarg, "copy") != 0 &&
			    strcmp(optarg, "none") != 0) {
				fprintf(stderr, "cade: batch: --isolate is auto, "
				    "worktree, copy or none\n");
				return CADE_EXIT_USAGE;
			}
			b.isolate = optarg;
			break;
		case 'w':
			if (conf_set(cfg, "workspace", optarg, CONF_FLAG,
			    &cause) == -1) {
				fprintf(stderr, "cade: batch: %s\n", cause);
				free(cause);
				return CADE_EXIT_USAGE;
			}
			break;
		case 'y':
			b.ask = ASK_APPROVE;
			break;
		case 'a':
			if (strcmp(optarg, "abort") == 0)
				b.ask = b.ask == ASK_APPROVE ? ASK_APPROVE :
				    ASK_ABORT;
			else if (strcmp(optarg, "deny") != 0) {
				fprintf(stderr, "cade: batch: --on-ask is deny or "
				    "abort\n");
				return CADE_EXIT_USAGE;
			}
			break;
		case 'f':
			if (util_parse_long(optarg, 0, 100, &v) != 0) {
				fprintf(stderr, "cade: batch: --fix-attempts takes "
				    "0 to 100\n");
				return CADE_EXIT_USAGE;
			}
			b.fix_attempts = (int)v;
			break;
		case 'r':
			b.report = xstrdup(optarg);
			break;
		case 'R':
			b.resume = 1;
			break;
		case 's':
			if (batch_parse_shard(optarg, &b.shard_k,
			    &b.shard_n) == -1) {
				fprintf(stderr, "cade: batch: --shard is K/N with "
				    "1 <= K <= N (e.g. 2/4)\n");
				return CADE_EXIT_USAGE;
			}
			b.shard = optarg;
			break;
		case 'h':
			batch_usage(stdout);
			return CADE_EXIT_OK;
		default:
			fprintf(stderr, "cade: batch: unknown option '%s'\n",
			    argv[optind - 1]);
			batch_usage(stderr);
			free(b.report);
			return CADE_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		batch_usage(stderr);
		free(b.report);
		return CADE_EXIT_USAGE;
	}
	b.file = argv[optind];
	if (b.report == NULL)
		b.report = b.shard != NULL ? xasprintf("%s.report-%d-of-%d.json",
		    b.file, b.shard_k, b.shard_n) : xasprintf("%s.report.json",
		    b.file);
	b.state_path = xasprintf("%s.state", b.report);
	b.workdir = xasprintf("%s.work", b.report);
	b.loop = loop_new();
	b.pool = llm_pool_new(b.jobs);
	b.run = xcalloc((size_t)b.jobs, sizeof *b.run);
	b.tty = isatty(STDERR_FILENO);
	b.price_known = conf_double(cfg, "price_input") > 0 ||
	    conf_double(cfg, "price_output") > 0;
	if (batch_read_tasks(&b, &cause) == -1) {
		fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		batch_free(&b);
		return CADE_EXIT_USAGE;
	}
	if (b.resume)
		batch_load_state(&b);
	else
		(void)unlink(b.state_path);
	if (util_mkdir_p(b.workdir, 0700) != 0 ||
	    (b.state = fopen(b.state_path, "a")) == NULL) {
		fprintf(stderr, "cade: cannot write next to the report '%s': "
		    "%s\n", b.report, strerror(errno));
		batch_free(&b);
		return CADE_EXIT_ERROR;
	}
	b.order = xcalloc(b.n + 1, sizeof *b.order);
	for (i = 0; i < b.n; i++) {
		if (b.t[i]->done)
			b.ndone++;
		else
			b.order[b.norder++] = b.t[i];
	}
	qsort(b.order, b.norder, sizeof *b.order, batch_cmp_run);
	if (b.resume)
		batch_say(&b, "resuming: %zu of %zu tasks already finished",
		    b.ndone, b.n);
	loop_signal_add(b.loop, SIGINT, batch_signal, &b);
	loop_signal_add(b.loop, SIGTERM, batch_signal, &b);
	loop_signal_add(b.loop, SIGHUP, batch_signal, &b);
	signal(SIGPIPE, SIG_IGN);
	batch_fill(&b);
	if (b.running > 0)
		(void)loop_run(b.loop);
	/* A second signal stopped the loop with tasks still running. */
	for (i = 0; i < (size_t)b.jobs; i++)
		if (b.run[i] != NULL) {
			if (b.run[i]->t->status == NULL) {
				b.run[i]->t->status = xstrdup("cancelled");
				b.run[i]->t->reason = xstrdup("the batch was "
				    "stopped");
			}
			batch_run_free(b.run[i]);
		}
	if (b.draw_timer != 0) {
		loop_timer_cancel(b.loop, b.draw_timer);
		b.draw_timer = 0;
		batch_draw(b.loop, &b);
	}
	if (batch_report_write(b.report, b.file, b.shard, b.t, b.n,
	    &cause) == -1) {
		fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		batch_free(&b);
		return CADE_EXIT_ERROR;
	}
	rc = batch_summary(stdout, b.t, b.n, b.price_known) > 0 ?
	    CADE_EXIT_ERROR : CADE_EXIT_OK;
	fprintf(stderr, "batch: report %s%s\n", b.report,
	    llm_pool_stats(b.pool).throttled > 0 ? " (rate limits slowed the batch)" :
	    "");
	if (b.interrupted)
		rc = b.exit_code != 0 ? b.exit_code : CADE_EXIT_INTERRUPTED;
	batch_free(&b);
	return rc;
}
