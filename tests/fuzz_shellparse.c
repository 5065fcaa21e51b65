/*
 * fuzz_shellparse.c: libFuzzer target for the shell parser and the policy
 * analysis behind it.
 *
 *   make fuzz-shellparse && ./fuzz-shellparse -max_total_time=300
 *
 * Each input is parsed whole and again fed in two pieces (split where the
 * first byte says): the results must agree, since the parser is
 * incremental.  Then the full risk analysis runs on it (rules, recursion
 * into sh -c, paths), under ASan/UBSan.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/policy.h"
#include "../src/policy/shellparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Same commands, words, flags and redirections? */
static int
fuzz_same(const struct shp_result *a, const struct shp_result *b)
{
	size_t i, j;

	if (a->ncmd != b->ncmd || a->incomplete != b->incomplete ||
	    a->flags != b->flags)
		return 0;
	for (i = 0; i < a->ncmd; i++) {
		if (a->cmd[i].argc != b->cmd[i].argc ||
		    a->cmd[i].nredir != b->cmd[i].nredir ||
		    a->cmd[i].parent != b->cmd[i].parent)
			return 0;
		for (j = 0; j < a->cmd[i].argc; j++)
			if (strcmp(a->cmd[i].argv[j].s, b->cmd[i].argv[j].s) != 0 ||
			    a->cmd[i].argv[j].flags != b->cmd[i].argv[j].flags)
				return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy *p;
	struct policy_verdict v;
	struct shp_result *a, *b;
	struct shp *sp;
	size_t cut;
	char *cause, *s;

	if (p == NULL && (p = policy_new(NULL, NULL, &cause)) == NULL)
		abort();
	a = shp_parse((const char *)data, size);
	cut = size > 0 ? data[0] % (size + 1) : 0;
	sp = shp_new();
	shp_feed(sp, (const char *)data, cut);
	shp_feed(sp, (const char *)data + cut, size - cut);
	b = shp_finish(sp);
	if (!a->toobig && !a->toodeep && !fuzz_same(a, b))
		abort();
	shp_result_free(a);
	shp_result_free(b);

	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	policy_assess_command(p, s, "/tmp/cade-fuzz-ws", &v);
	if (v.rule == NULL || v.reason == NULL)
		abort();
	policy_verdict_free(&v);
	free(s);
	return 0;
}
