/*
 * bench_checkpoint.c: what a checkpoint costs per step.
 *
 *   bench/bench_checkpoint [FILES] [MB] [RUNS]
 *
 * Builds a workspace of FILES files (default 5000, in 100 directories)
 * holding MB megabytes (default 50) of random text, inside a git project
 * (so the project's git state is captured too), takes the first snapshot
 * (the whole tree copied into the shadow repository), then times RUNS
 * (default 21) snapshots each of: the tree unchanged, one file changed,
 * 100 files changed, one file created and one deleted.  Prints the median
 * and the slowest wall time in milliseconds, and the median CPU time the
 * git processes used (user + system: what the step costs the machine, and
 * a figure that a loaded machine disturbs less than wall time).  The goal: unchanged <= 30 ms,
 * and a cost that follows what changed.  Everything goes through
 * ckpt_snapshot(), exactly as the agent calls it before and after a step.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cade/checkpoint.h"
#include "cade/conf.h"
#include "cade/util.h"

/* CPU milliseconds (user + system) of the children reaped so far: the git
 * processes, whatever else the machine is busy with. */
static double
bench_child_cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* Monotonic milliseconds, fractional. */
static double
bench_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Write a file of n bytes of pseudo-random text. */
static void
bench_write(const char *path, size_t n, unsigned *seed)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		fputc(i % 64 == 63 ? '\n' : 'a' + (int)((*seed >> 16) % 26), f);
	}
	fclose(f);
}

/* Run `what` RUNS times around a snapshot; print median and max. */
static void
bench_series(struct ckpt *ck, const char *root, const char *what, int runs,
    int change)
{
	double *t = xcalloc((size_t)runs, sizeof *t), *cpu = xcalloc((size_t)runs,
	    sizeof *cpu);
	struct ckpt_state st;
	unsigned seed = 7;
	char *cause = NULL, path[4096];
	int i, k;

	for (i = 0; i < runs; i++) {
		double t0, c0;

		for (k = 0; k < change; k++) {
			(void)snprintf(path, sizeof path, "%s/d%d/f%d.txt", root,
			    (i * 7 + k) % 100, k % 50);
			bench_write(path, 10000, &seed);
		}
		if (change < 0) {
			(void)snprintf(path, sizeof path, "%s/new%d.txt", root, i);
			bench_write(path, 1000, &seed);
			if (i > 0) {
				(void)snprintf(path, sizeof path, "%s/new%d.txt",
				    root, i - 1);
				unlink(path);
			}
		}
		c0 = bench_child_cpu_ms();
		t0 = bench_ms();
		if (ckpt_snapshot(ck, &st, NULL, &cause) == -1) {
			fprintf(stderr, "bench_checkpoint: %s\n", cause);
			exit(1);
		}
		t[i] = bench_ms() - t0;
		cpu[i] = bench_child_cpu_ms() - c0;
	}
	qsort(t, (size_t)runs, sizeof *t, bench_cmp);
	qsort(cpu, (size_t)runs, sizeof *cpu, bench_cmp);
	printf("%-26s wall median %6.1f ms  max %6.1f ms   git CPU median "
	    "%6.1f ms  (%d runs)\n", what, t[runs / 2], t[runs - 1],
	    cpu[runs / 2], runs);
	free(t);
	free(cpu);
}

int
main(int argc, char **argv)
{
	long files = 5000, mb = 50, runs = 21, i;
	char *base, *root, *sdir, *cmd, path[4096];
	struct config *cfg = conf_new();
	struct ckpt_state st;
	struct ckpt *ck;
	char *cause = NULL;
	unsigned seed = 1;
	size_t per;
	double t0;
	char tmpl[] = "/tmp/cade-bench-ckpt.XXXXXX";

	if ((argc > 1 && util_parse_long(argv[1], 100, 1000000, &files) != 0) ||
	    (argc > 2 && util_parse_long(argv[2], 1, 100000, &mb) != 0) ||
	    (argc > 3 && util_parse_long(argv[3], 3, 1001, &runs) != 0)) {
		fprintf(stderr, "usage: bench_checkpoint [FILES] [MB] [RUNS]\n");
		return 2;
	}
	if ((base = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	root = xasprintf("%s/ws", base);
	sdir = xasprintf("%s/session", base);
	mkdir(root, 0755);
	mkdir(sdir, 0700);
	per = (size_t)(mb << 20) / (size_t)files;
	for (i = 0; i < 100; i++) {
		(void)snprintf(path, sizeof path, "%s/d%ld", root, i);
		mkdir(path, 0755);
	}
	for (i = 0; i < files; i++) {
		(void)snprintf(path, sizeof path, "%s/d%ld/f%ld.txt", root, i % 100,
		    i / 100);
		bench_write(path, per, &seed);
	}
	cmd = xasprintf("cd %s && git init -q && git -c user.name=b -c "
	    "user.email=b@example.invalid commit -q --allow-empty -m empty", root);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_checkpoint: no git project (git init failed)\n");
	free(cmd);
	printf("workspace: %ld files, %ld MB, in a git project\n", files, mb);

	ck = ckpt_open(cfg, sdir, root);
	if (ckpt_disabled(ck) != NULL) {
		fprintf(stderr, "bench_checkpoint: %s\n", ckpt_disabled(ck));
		return 1;
	}
	t0 = bench_ms();
	if (ckpt_snapshot(ck, &st, NULL, &cause) == -1) {
		fprintf(stderr, "bench_checkpoint: %s\n", cause);
		return 1;
	}
	printf("%-32s %14.1f ms\n", "first snapshot (whole tree)", bench_ms() - t0);
	bench_series(ck, root, "unchanged tree", (int)runs, 0);
	bench_series(ck, root, "one file changed", (int)runs, 1);
	bench_series(ck, root, "100 files changed", (int)runs, 100);
	bench_series(ck, root, "one created, one deleted", (int)runs, -1);
	ckpt_free(ck);
	conf_free(cfg);
	cmd = xasprintf("rm -rf %s", base);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_checkpoint: could not remove %s\n", base);
	free(cmd);
	free(root);
	free(sdir);
	return 0;
}
