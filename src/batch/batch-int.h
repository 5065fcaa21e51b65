/*
 * batch-int.h: what the files of src/batch/ share (see cade/batch.h).
 *
 * batch.c reads the task file and runs the tasks; report.c writes the
 * state file, the report and the summary table, and merges shard reports.
 */
#ifndef CADE_BATCH_INT_H
#define CADE_BATCH_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* One task: what the file said, then what happened. */
struct batch_task {
	size_t		 index;		/* position among the file's tasks */
	char		*id;
	char		*prompt;
	long		 priority;	/* higher runs first */
	char		*dir;		/* absolute */
	char		*validate;
	long		 max_steps;	/* 0: the setting */
	char		*model;
	char		*workspace;	/* local, docker, or NULL: the setting */
	char		*image;

	/* outcome (what the report says) */
	char		*status;	/* passed, failed, error, cancelled; NULL: not run */
	char		*reason;	/* why it did not pass */
	char		*agent_status;	/* the agent's finish status */
	long		 steps;
	long		 prompt_tokens;
	long		 completion_tokens;
	double		 cost;
	int64_t		 duration_ms;
	int		 attempts;	/* fix attempts used */
	int		 validate_exit;	/* -1: not run */
	char		*validate_tail;
	char		*session_id;
	char		*model_used;
	char		*root;		/* the workspace it ran in */
	long		 retries;	/* LLM retries seen */
	int		 done;		/* final (from this run or the state file) */
};

/* report.c */
cJSON	*batch_task_json(const struct batch_task *);
/* Fill a task's outcome from a report or state entry; 0, or -1 if not final. */
int	 batch_task_from_json(struct batch_task *, const cJSON *);
/* Append a finished task to the state file and sync it; -1 with errno. */
int	 batch_state_append(FILE *, const struct batch_task *);
/* The report: every task of the run, a summary; written atomically. */
int	 batch_report_write(const char *path, const char *tasks_file,
	    const char *shard, struct batch_task *const *t, size_t n, char **cause);
/* The summary table on out; returns the number of tasks that did not pass. */
size_t	 batch_summary(FILE *out, struct batch_task *const *t, size_t n,
	    int price_known);
/* cade batch merge REPORT... [--report OUT] */
int	 batch_merge_main(int argc, char **argv);
void	 batch_task_clear_outcome(struct batch_task *);

#endif
