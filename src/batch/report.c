/*
 * report.c: a batch's record: the state file, the report, the summary.
 *
 * The state file (REPORT.state) is JSON Lines, one finished task per line,
 * each written with one write() and fdatasync'd before the next task
 * starts, so a crash loses at most the tasks that were running; --resume
 * reads it and skips what it holds.  The report is one JSON object written
 * to a temporary file and renamed over the old one.  `cade batch merge`
 * reads shard reports, orders their tasks by their place in the task file
 * and writes the report an unsharded run would have.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/cade.h"
#include "cade/safe.h"
#include "cade/util.h"

#include "batch-int.h"

/* A string member or NULL. */
static const char *
br_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A number member, range-checked, or dflt. */
static double
br_num(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    fabs(v->valuedouble) > 1e15)
		return dflt;
	return v->valuedouble;
}

static void
br_set(char **dst, const char *s)
{
	free(*dst);
	*dst = s != NULL ? xstrdup(s) : NULL;
}

/* See batch-int.h. */
void
batch_task_clear_outcome(struct batch_task *t)
{
	br_set(&t->status, NULL);
	br_set(&t->reason, NULL);
	br_set(&t->agent_status, NULL);
	br_set(&t->validate_tail, NULL);
	br_set(&t->session_id, NULL);
	br_set(&t->model_used, NULL);
	br_set(&t->root, NULL);
	t->steps = t->prompt_tokens = t->completion_tokens = t->retries = 0;
	t->cost = 0;
	t->duration_ms = 0;
	t->attempts = 0;
	t->validate_exit = -1;
	t->done = 0;
}

/* See batch-int.h. */
cJSON *
batch_task_json(const struct batch_task *t)
{
	cJSON *o = cJSON_CreateObject(), *v;

	cJSON_AddNumberToObject(o, "index", (double)t->index);
	cJSON_AddStringToObject(o, "id", t->id);
	cJSON_AddStringToObject(o, "status", t->status != NULL ? t->status :
	    "not run");
	if (t->reason != NULL)
		cJSON_AddStringToObject(o, "reason", t->reason);
	cJSON_AddNumberToObject(o, "priority", (double)t->priority);
	if (t->agent_status != NULL)
		cJSON_AddStringToObject(o, "agent_status", t->agent_status);
	cJSON_AddNumberToObject(o, "steps", (double)t->steps);
	cJSON_AddNumberToObject(o, "prompt_tokens", (double)t->prompt_tokens);
	cJSON_AddNumberToObject(o, "completion_tokens",
	    (double)t->completion_tokens);
	cJSON_AddNumberToObject(o, "cost", t->cost);
	cJSON_AddNumberToObject(o, "duration_ms", (double)t->duration_ms);
	cJSON_AddNumberToObject(o, "fix_attempts", t->attempts);
	cJSON_AddNumberToObject(o, "llm_retries", (double)t->retries);
	if (t->validate != NULL) {
		v = cJSON_AddObjectToObject(o, "validation");
		cJSON_AddStringToObject(v, "command", t->validate);
		if (t->validate_exit >= 0)
			cJSON_AddNumberToObject(v, "exit_code", t->validate_exit);
		cJSON_AddStringToObject(v, "tail", t->validate_tail != NULL ?
		    t->validate_tail : "");
	}
	if (t->session_id != NULL)
		cJSON_AddStringToObject(o, "session_id", t->session_id);
	if (t->model_used != NULL)
		cJSON_AddStringToObject(o, "model", t->model_used);
	if (t->root != NULL)
		cJSON_AddStringToObject(o, "workspace", t->root);
	return o;
}

/* See batch-int.h. */
int
batch_task_from_json(struct batch_task *t, const cJSON *o)
{
	const char *st = br_str(o, "status");
	const cJSON *v;

	if (st == NULL || (strcmp(st, "passed") != 0 &&
	    strcmp(st, "failed") != 0 && strcmp(st, "error") != 0))
		return -1;	/* cancelled or not run: to be run again */
	batch_task_clear_outcome(t);
	br_set(&t->status, st);
	br_set(&t->reason, br_str(o, "reason"));
	br_set(&t->agent_status, br_str(o, "agent_status"));
	t->steps = (long)br_num(o, "steps", 0);
	t->prompt_tokens = (long)br_num(o, "prompt_tokens", 0);
	t->completion_tokens = (long)br_num(o, "completion_tokens", 0);
	t->cost = br_num(o, "cost", 0);
	t->duration_ms = (int64_t)br_num(o, "duration_ms", 0);
	t->attempts = (int)br_num(o, "fix_attempts", 0);
	t->retries = (long)br_num(o, "llm_retries", 0);
	v = cJSON_GetObjectItemCaseSensitive(o, "validation");
	t->validate_exit = (int)br_num(v, "exit_code", -1);
	br_set(&t->validate_tail, br_str(v, "tail"));
	br_set(&t->session_id, br_str(o, "session_id"));
	br_set(&t->model_used, br_str(o, "model"));
	br_set(&t->root, br_str(o, "workspace"));
	t->done = 1;
	return 0;
}

/* See batch-int.h. */
int
batch_state_append(FILE *f, const struct batch_task *t)
{
	cJSON *o = batch_task_json(t);
	char *line = cJSON_PrintUnformatted(o);
	int rc;

	cJSON_Delete(o);
	if (line == NULL)
		return -1;
	/* One write per line, then to the disk: a crash never splits a task. */
	rc = fprintf(f, "%s\n", line) < 0 || fflush(f) != 0 ||
	    fdatasync(fileno(f)) != 0 ? -1 : 0;
	free(line);
	return rc;
}

/* qsort: durations ascending. */
static int
br_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (nearest rank) of the finished tasks' durations. */
static int64_t
br_percentile(struct batch_task *const *t, size_t n, double p)
{
	int64_t *d = xcalloc(n + 1, sizeof *d), r = 0;
	size_t k = 0, i, rank;

	for (i = 0; i < n; i++)
		if (t[i]->done)
			d[k++] = t[i]->duration_ms;
	if (k > 0) {
		qsort(d, k, sizeof *d, br_cmp_i64);
		rank = (size_t)ceil(p / 100.0 * (double)k);
		r = d[rank > 0 ? rank - 1 : 0];
	}
	free(d);
	return r;
}

/* The summary object of a report. */
static cJSON *
br_summary_json(struct batch_task *const *t, size_t n)
{
	cJSON *s = cJSON_CreateObject();
	size_t i, passed = 0, failed = 0, errored = 0, other = 0;
	double cost = 0;
	long pin = 0, pout = 0;

	for (i = 0; i < n; i++) {
		const char *st = t[i]->status != NULL ? t[i]->status : "";

		if (strcmp(st, "passed") == 0)
			passed++;
		else if (strcmp(st, "failed") == 0)
			failed++;
		else if (strcmp(st, "error") == 0)
			errored++;
		else
			other++;
		cost += t[i]->cost;
		pin += t[i]->prompt_tokens;
		pout += t[i]->completion_tokens;
	}
	cJSON_AddNumberToObject(s, "tasks", (double)n);
	cJSON_AddNumberToObject(s, "passed", (double)passed);
	cJSON_AddNumberToObject(s, "failed", (double)failed);
	cJSON_AddNumberToObject(s, "errored", (double)errored);
	cJSON_AddNumberToObject(s, "not_finished", (double)other);
	cJSON_AddNumberToObject(s, "prompt_tokens", (double)pin);
	cJSON_AddNumberToObject(s, "completion_tokens", (double)pout);
	cJSON_AddNumberToObject(s, "cost", cost);
	cJSON_AddNumberToObject(s, "p50_ms", (double)br_percentile(t, n, 50));
	cJSON_AddNumberToObject(s, "p95_ms", (double)br_percentile(t, n, 95));
	return s;
}

/* See batch-int.h. */
int
batch_report_write(const char *path, const char *tasks_file, const char *shard,
    struct batch_task *const *t, size_t n, char **cause)
{
	cJSON *r = cJSON_CreateObject(), *arr;
	char *text;
	size_t i;
	int rc;

	cJSON_AddNumberToObject(r, "version", 1);
	if (tasks_file != NULL)
		cJSON_AddStringToObject(r, "tasks_file", tasks_file);
	if (shard != NULL)
		cJSON_AddStringToObject(r, "shard", shard);
	arr = cJSON_AddArrayToObject(r, "tasks");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, batch_task_json(t[i]));
	cJSON_AddItemToObject(r, "summary", br_summary_json(t, n));
	text = cJSON_Print(r);
	cJSON_Delete(r);
	rc = util_write_text_atomic(path, text, 0644, cause);
	free(text);
	return rc;
}

/* Milliseconds as seconds with one decimal. */
static void
br_secs(char *out, size_t len, int64_t ms)
{
	(void)snprintf(out, len, "%.1fs", (double)ms / 1000.0);
}

/* See batch-int.h. */
size_t
batch_summary(FILE *out, struct batch_task *const *t, size_t n, int price_known)
{
	size_t i, passed = 0, failed = 0, errored = 0, notpass = 0, w = 4;
	double cost = 0;
	char d[32], c[32], p50[32], p95[32];

	for (i = 0; i < n; i++)
		if (strlen(t[i]->id) > w)
			w = strlen(t[i]->id) > 24 ? 24 : strlen(t[i]->id);
	fprintf(out, "%-*s  %-9s %5s %9s %9s %8s  %s\n", (int)w, "task",
	    "status", "steps", "tokens", "cost", "time", "model");
	for (i = 0; i < n; i++) {
		const char *st = t[i]->status != NULL ? t[i]->status : "not run";

		if (strcmp(st, "passed") == 0)
			passed++;
		else if (strcmp(st, "failed") == 0)
			failed++;
		else
			errored++;
		if (strcmp(st, "passed") != 0)
			notpass++;
		cost += t[i]->cost;
		br_secs(d, sizeof d, t[i]->duration_ms);
		if (price_known)
			(void)snprintf(c, sizeof c, "$%.4f", t[i]->cost);
		else
			(void)snprintf(c, sizeof c, "$?");
		safe_fprintf(out, "%-*.*s  %-9s %5ld %9ld %9s %8s  %s\n", (int)w,
		    (int)w, t[i]->id, st, t[i]->steps,
		    t[i]->prompt_tokens + t[i]->completion_tokens, c, d,
		    t[i]->model_used != NULL ? t[i]->model_used : "-");
	}
	br_secs(p50, sizeof p50, br_percentile(t, n, 50));
	br_secs(p95, sizeof p95, br_percentile(t, n, 95));
	if (price_known)
		(void)snprintf(c, sizeof c, "$%.4f", cost);
	else
		(void)snprintf(c, sizeof c, "$? (no price configured)");
	fprintf(out, "passed %zu, failed %zu, errored %zu of %zu; cost %s; "
	    "duration p50 %s, p95 %s\n", passed, failed, errored, n, c, p50,
	    p95);
	return notpass;
}

/* Read a whole report file (regular, at most 256 MiB); NULL with *cause. */
static cJSON *
br_read_report(const char *path, char **cause)
{
	char *text;
	cJSON *r;

	if ((text = util_read_small(path, 256u * 1024 * 1024, NULL,
	    cause)) == NULL)
		return NULL;
	r = cJSON_Parse(text);
	free(text);
	if (cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "tasks")))
		return r;
	*cause = xasprintf("'%s' is not a cade batch report (no \"tasks\" "
	    "array)", path);
	cJSON_Delete(r);
	return NULL;
}

/* qsort: tasks by their place in the task file. */
static int
br_cmp_index(const void *a, const void *b)
{
	const struct batch_task *x = *(struct batch_task *const *)a;
	const struct batch_task *y = *(struct batch_task *const *)b;

	return x->index < y->index ? -1 : x->index > y->index;
}

/* See batch-int.h. */
int
batch_merge_main(int argc, char **argv)
{
	struct batch_task **t = NULL, *bt;
	size_t n = 0, i;
	const char *out = NULL, *tasks_file = NULL;
	char *cause = NULL;
	const cJSON *it;
	cJSON *r;
	int k, rc = CADE_EXIT_OK, price = 0;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--report") == 0 && k + 1 < argc) {
			out = argv[++k];
			continue;
		}
		if ((r = br_read_report(argv[k], &cause)) == NULL) {
			fprintf(stderr, "cade: %s\n", cause);
			free(cause);
			rc = CADE_EXIT_ERROR;
			goto done;
		}
		if (tasks_file == NULL && br_str(r, "tasks_file") != NULL)
			tasks_file = argv[k];	/* only for its presence */
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r,
		    "tasks")) {
			bt = xcalloc(1, sizeof *bt);
			bt->id = xstrdup(br_str(it, "id") != NULL ?
			    br_str(it, "id") : "?");
			bt->index = (size_t)br_num(it, "index", (double)n);
			bt->priority = (long)br_num(it, "priority", 0);
			if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(it,
			    "validation")))
				bt->validate = xstrdup(br_str(
				    cJSON_GetObjectItemCaseSensitive(it,
				    "validation"), "command") != NULL ?
				    br_str(cJSON_GetObjectItemCaseSensitive(it,
				    "validation"), "command") : "");
			bt->validate_exit = -1;
			if (batch_task_from_json(bt, it) != 0) {
				bt->status = xstrdup(br_str(it, "status") != NULL ?
				    br_str(it, "status") : "not run");
			}
			if (bt->cost > 0)
				price = 1;
			for (i = 0; i < n; i++)
				if (t[i]->index == bt->index)
					break;
			if (i < n) {
				fprintf(stderr, "cade: task '%s' (line %zu of the "
				    "task file) is in two reports: merge the "
				    "reports of one run's shards\n", bt->id,
				    bt->index + 1);
				rc = CADE_EXIT_ERROR;
			}
			t = xreallocarray(t, n + 1, sizeof *t);
			t[n++] = bt;
		}
		cJSON_Delete(r);
	}
	if (n == 0 && rc == CADE_EXIT_OK) {
		fprintf(stderr, "cade: usage: cade batch merge REPORT... "
		    "[--report OUT]\n");
		rc = CADE_EXIT_USAGE;
		goto done;
	}
	if (rc != CADE_EXIT_OK)
		goto done;
	qsort(t, n, sizeof *t, br_cmp_index);
	if (out != NULL && batch_report_write(out, NULL, NULL, t, n,
	    &cause) == -1) {
		fprintf(stderr, "cade: %s\n", cause);
		free(cause);
		rc = CADE_EXIT_ERROR;
		goto done;
	}
	if (batch_summary(stdout, t, n, price) > 0)
		rc = CADE_EXIT_ERROR;
done:
	for (i = 0; i < n; i++) {
		batch_task_clear_outcome(t[i]);
		free(t[i]->id);
		free(t[i]->validate);
		free(t[i]);
	}
	free(t);
	return rc;
}
