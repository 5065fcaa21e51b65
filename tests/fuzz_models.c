/*
 * fuzz_models.c: libFuzzer target for the model list parser
 * (llm_models_parse: an endpoint's /models reply, and the cache file
 * under $XDG_CACHE_HOME/cade/models/ that anyone able to write there
 * controls).  Whatever the bytes, it parses or fails with a cause; a list
 * it parsed, written back as the cache writes it (llm_models_json), must
 * parse again into the same list.  Build and run (configure
 * --enable-fuzzing):
 *   make fuzz-models && ./tests/fuzz_models -max_total_time=300
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/llm.h"
#include "cade/util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Prices go through a division and back: equal to a few ulps. */
static int
price_same(double a, double b)
{
	if (a < 0 || b < 0)
		return a < 0 && b < 0;
	return fabs(a - b) <= 1e-9 * fmax(1, fabs(a));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct llm_models a = { 0 }, b = { 0 };
	char *cause = NULL, *text;
	size_t i;

	if (llm_models_parse((const char *)data, size, &a, &cause) == -1) {
		if (cause == NULL || a.n != 0)
			abort();	/* a failure says why, adds nothing */
		free(cause);
		return 0;
	}
	if (cause != NULL)
		abort();
	for (i = 0; i < a.n; i++)
		if (a.v[i].id == NULL || a.v[i].id[0] == '\0' ||
		    a.v[i].context < 0 || a.v[i].images < -1 ||
		    a.v[i].images > 1 || (a.v[i].price_in < 0 &&
		    a.v[i].price_in != -1) || (a.v[i].price_out < 0 &&
		    a.v[i].price_out != -1) ||
		    llm_models_find(&a, a.v[i].id) == NULL)
			abort();
	text = llm_models_json(&a);
	if (llm_models_parse(text, strlen(text), &b, &cause) == -1 ||
	    b.n != a.n)
		abort();
	for (i = 0; i < a.n; i++)
		if (strcmp(a.v[i].id, b.v[i].id) != 0 ||
		    a.v[i].context != b.v[i].context ||
		    a.v[i].images != b.v[i].images ||
		    !price_same(a.v[i].price_in, b.v[i].price_in) ||
		    !price_same(a.v[i].price_out, b.v[i].price_out))
			abort();
	free(text);
	/* The structs are on the stack: free the contents only. */
	for (i = 0; i < a.n; i++)
		free(a.v[i].id);
	free(a.v);
	for (i = 0; i < b.n; i++)
		free(b.v[i].id);
	free(b.v);
	return 0;
}
