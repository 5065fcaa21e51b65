/*
 * bench_policy.c: how long the policy takes to judge commands.
 *
 *   bench/bench_policy [N] [CORPUS-FILE...]
 *
 * Cycles through the commands of the corpus files (default: the test
 * corpora, dangerous and everyday) until N (default 10000) commands, and
 * times policy_assess_command() over all of them with the built-in rules,
 * then the shell parser alone.  The bar: 10,000 commands < 1 s.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cade/policy.h"
#include "cade/shellparse.h"
#include "cade/util.h"

#ifndef BENCH_CORPUS
#define BENCH_CORPUS "tests/policy-corpus"
#endif

/* Monotonic seconds. */
static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Append the commands of a corpus file. */
static void
bench_read(const char *path, char ***v, size_t *n)
{
	FILE *fp = fopen(path, "r");
	char *line = NULL, *t;
	size_t cap = 0;
	ssize_t len;

	if (fp == NULL)
		fatal("cannot open '%s'", path);
	while ((len = getline(&line, &cap, fp)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		for (t = line; *t == ' ' || *t == '\t'; t++)
			;
		if (*t == '\0' || *t == '#')
			continue;
		*v = xreallocarray(*v, *n + 1, sizeof **v);
		(*v)[(*n)++] = xstrdup(line);
	}
	free(line);
	fclose(fp);
}

int
main(int argc, char **argv)
{
	struct policy *p;
	struct policy_verdict v;
	struct shp_result *r;
	char **cmds = NULL, *cause = NULL, root[] = "/tmp/cade-bench.XXXXXX";
	size_t ncmds = 0, i, n = 10000, asks = 0;
	long ln;
	double t0, t1, t2;
	int a = 1;

	if (argc > 1 && util_parse_long(argv[1], 1, 100000000, &ln) == 0) {
		n = (size_t)ln;
		a = 2;
	}
	for (; a < argc; a++)
		bench_read(argv[a], &cmds, &ncmds);
	if (ncmds == 0) {
		bench_read(BENCH_CORPUS "/dangerous.txt", &cmds, &ncmds);
		bench_read(BENCH_CORPUS "/everyday.txt", &cmds, &ncmds);
	}
	if (mkdtemp(root) == NULL)
		fatal("mkdtemp failed");
	if ((p = policy_new(NULL, NULL, &cause)) == NULL)
		fatal("%s", cause);

	t0 = bench_now();
	for (i = 0; i < n; i++) {
		policy_assess_command(p, cmds[i % ncmds], root, &v);
		asks += v.decision != DECISION_ALLOW;
		policy_verdict_free(&v);
	}
	t1 = bench_now();
	for (i = 0; i < n; i++) {
		r = shp_parse(cmds[i % ncmds], strlen(cmds[i % ncmds]));
		shp_result_free(r);
	}
	t2 = bench_now();
	printf("policy: %zu commands (%zu distinct) in %.3f s: %.1f us/command, "
	    "%zu ask/deny\n", n, ncmds, t1 - t0, (t1 - t0) * 1e6 / (double)n,
	    asks);
	printf("parser alone: %.3f s: %.1f us/command\n", t2 - t1,
	    (t2 - t1) * 1e6 / (double)n);
	printf("%s: 10,000 commands %s 1 s\n", (t1 - t0) * 10000 / (double)n < 1 ?
	    "ok" : "SLOW", (t1 - t0) * 10000 / (double)n < 1 ? "under" : "over");
	policy_free(p);
	for (i = 0; i < ncmds; i++)
		free(cmds[i]);
	free(cmds);
	rmdir(root);
	return 0;
}
