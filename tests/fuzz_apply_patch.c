/*
 * fuzz_apply_patch.c: libFuzzer target for the apply_patch parser and
 * matcher, and for diff_unified().
 *
 * Each input is parsed (apply_patch_paths) and applied as a dry run to a
 * small fixed tree (nothing is written), which drives the chunk matching
 * passes, the hints and the diff of every change.  The input is also split
 * at its first NUL into two texts that are diffed.
 *   make fuzz-apply-patch && ./fuzz-apply-patch -max_total_time=300 CORPUS_DIR
 * (seed CORPUS_DIR with the tests/apply_patch scenarios' patch files)
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/tools/apply_patch.h"
#include "cade/buf.h"
#include "../src/tools/diff.h"
#include "cade/util.h"

static char fuzz_root[] = "/tmp/cade-fuzz-ap-XXXXXX";

static void
fuzz_put(const char *name, const char *data)
{
	char *p = xasprintf("%s/%s", fuzz_root, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd != -1) {
		(void)util_write_all(fd, data, strlen(data));
		close(fd);
	}
	free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct buf report, diff;
	char *text, *cause = NULL, **paths, *d;
	size_t half;

	if (!ready) {
		if (mkdtemp(fuzz_root) == NULL)
			abort();
		fuzz_put("a.txt", "alpha\nbeta\ngamma\n\ndelta\n");
		fuzz_put("b.txt", "x = 1\r\ny = 2\r\n");
		fuzz_put("c.txt", "no newline \xe2\x80\x94 \xe2\x80\x9cquoted\xe2\x80\x9d");
		ready = 1;
	}
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';

	paths = apply_patch_paths(text, &cause);
	apply_patch_paths_free(paths);
	free(cause);
	cause = NULL;

	buf_init(&report, 0);
	buf_init(&diff, 0);
	(void)apply_patch_apply(fuzz_root, "/workspace", text, 1, &report, &diff, &cause);
	free(cause);
	buf_free(&report);
	buf_free(&diff);

	half = strlen(text);
	d = diff_unified(text, half, half < size ? text + half + 1 : "",
	    half < size ? size - half - 1 : 0, "a", "b", 3, 0);
	free(d);
	free(text);
	return 0;
}
