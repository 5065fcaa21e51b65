/*
 * test_diff.c: unified diffs (src/tools/diff.c).
 *
 * Fixed cases check the exact text (hunk headers, context merging, the
 * missing-newline marker, creation from an empty file); a randomised check
 * applies each generated diff back to the old text with a small independent
 * patcher and requires the new text to come out, which covers Myers'
 * backtracking and the fallback beyond its distance bound.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "../src/tools/diff.h"
#include "cade/util.h"

#include "tap.h"

static char *
d(const char *a, const char *b)
{
	return diff_unified(a, strlen(a), b, strlen(b), "a/f", "b/f", 3, 0);
}

/* Apply a unified diff to old; NULL if it does not apply. */
static char *
patch_back(const char *old, const char *diff)
{
	struct buf out;
	const char *p = diff, *o = old, *nl;
	long oline = 1, ostart;

	buf_init(&out, 0);
	/* skip the two header lines */
	p = strchr(p, '\n') + 1;
	p = strchr(p, '\n') + 1;
	while (*p != '\0') {
		if (strncmp(p, "@@ -", 4) != 0)
			goto fail;
		ostart = strtol(p + 4, NULL, 10);
		if (strchr(p, ',') && strtol(strchr(p, ',') + 1, NULL, 10) == 0)
			ostart++;	/* "-N,0" means after line N */
		while (oline < ostart) {
			nl = strchr(o, '\n');
			nl = nl ? nl + 1 : o + strlen(o);
			(void)buf_append(&out, o, (size_t)(nl - o));
			o = nl;
			oline++;
		}
		p = strchr(p, '\n') + 1;
		while (*p == ' ' || *p == '-' || *p == '+' || *p == '\\') {
			const char *e = strchr(p, '\n');
			size_t len = (size_t)(e - p);
			int nonl = strncmp(e + 1, "\\ No newline", 12) == 0;

			if (*p == '\\') {
				p = e + 1;
				continue;
			}
			if (*p == ' ' || *p == '-') {
				if (strncmp(o, p + 1, len - 1) != 0)
					goto fail;
				o += len - 1;
				if (!nonl) {
					if (*o != '\n')
						goto fail;
					o++;
				}
				oline++;
			}
			if (*p == ' ' || *p == '+') {
				(void)buf_append(&out, p + 1, len - 1);
				if (!nonl)
					(void)buf_putc(&out, '\n');
			}
			p = e + 1;
		}
	}
	(void)buf_puts(&out, o);
	{
		char *s_ = buf_detach(&out, NULL);

		buf_free(&out);
		return s_;
	}
fail:
	buf_free(&out);
	return NULL;
}

static unsigned long rng = 12345;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33) % n;
}

/* Random text of n lines from a small alphabet (so lines repeat). */
static char *
rand_text(int n, int nonl)
{
	struct buf b;
	int i;

	buf_init(&b, 0);
	for (i = 0; i < n; i++)
		(void)buf_printf(&b, "l%u\n", rnd(6));
	if (nonl && b.len > 0)
		buf_truncate(&b, b.len - 1);
	{
		char *s_ = buf_detach(&b, NULL);

		buf_free(&b);
		return s_;
	}
}

/* Mutate: delete, insert and change a few lines. */
static char *
mutate(const char *s, int edits)
{
	struct buf b;
	const char *p = s;

	buf_init(&b, 0);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		unsigned r = rnd(100);

		if (r < (unsigned)edits)
			;	/* delete */
		else if (r < 2u * edits) {
			(void)buf_printf(&b, "new%u\n", rnd(1000));
			(void)buf_append(&b, p, len);
		} else
			(void)buf_append(&b, p, len);
		p += len;
	}
	{
		char *s_ = buf_detach(&b, NULL);

		buf_free(&b);
		return s_;
	}
}

int
main(void)
{
	char *x, *y, *z, *back;
	int i, bad = 0, added, removed;

	is_str(d("a\n", "a\n"), NULL, "equal texts: no diff");

	x = d("a\nb\nc\n", "a\nB\nc\n");
	is_str(x, "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", "one change");
	diff_stat(x, &added, &removed);
	ok(added == 1 && removed == 1, "diff_stat counts 1 added, 1 removed");
	free(x);

	x = d("", "new\n");
	is_str(x, "--- a/f\n+++ b/f\n@@ -0,0 +1,1 @@\n+new\n", "creation from empty");
	free(x);

	x = d("a\nb", "a\nb\n");
	is_str(x, "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n",
	    "missing final newline is a change, marked");
	free(x);

	x = d("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n",
	    "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n18\nY\n20\n");
	is_str(x, "--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n 1\n-2\n+X\n 3\n 4\n 5\n"
	    "@@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+Y\n 20\n", "distant changes: two hunks");
	free(x);

	x = d("1\n2\n3\n4\n5\n6\n7\n8\n", "1\nX\n3\n4\n5\n6\nY\n8\n");
	ok(x != NULL && strstr(x, "@@ -1,8 +1,8 @@") != NULL && strstr(x + 10, "@@") ==
	    strstr(x, "@@"), "close changes merge into one hunk");
	free(x);

	x = d("a\nb\nc\n", "a\nc\n");
	is_str(x, "--- a/f\n+++ b/f\n@@ -1,3 +1,2 @@\n a\n-b\n c\n", "deletion");
	free(x);

	x = diff_unified("a\n", 2, "b\n", 2, "/dev/null", "b/f", 3, 0);
	ok(x != NULL && strncmp(x, "--- /dev/null\n+++ b/f\n", 22) == 0, "labels as given");
	free(x);

	/* Round trips through an independent patcher. */
	for (i = 0; i < 400; i++) {
		int n = (int)rnd(i < 380 ? 60 : 3000);

		x = rand_text(n, (int)rnd(4) == 0);
		y = i % 7 == 0 ? rand_text((int)rnd(60), 0) : mutate(x, (int)rnd(30));
		if (rnd(5) == 0 && strlen(y) > 0 && y[strlen(y) - 1] == '\n')
			y[strlen(y) - 1] = '\0';
		z = diff_unified(x, strlen(x), y, strlen(y), "a", "b", (int)rnd(4), 0);
		back = z != NULL ? patch_back(x, z) : xstrdup(x);
		if (back == NULL || strcmp(back, y) != 0) {
			if (bad++ == 0)
				diag("round trip %d failed:\nold:\n%s\nnew:\n%s\ndiff:\n%s", i,
				    x, y, z ? z : "(null)");
		}
		free(x);
		free(y);
		free(z);
		free(back);
	}
	ok(bad == 0, "400 random diffs apply back to the new text (%d failures)", bad);

	/* Large, totally different texts: the distance bound's fallback. */
	{
		struct buf a, b;

		buf_init(&a, 0);
		buf_init(&b, 0);
		for (i = 0; i < 5000; i++) {
			(void)buf_printf(&a, "a%d\n", i);
			(void)buf_printf(&b, "b%d\n", i);
		}
		z = diff_unified(a.s, a.len, b.s, b.len, "a", "b", 3, 0);
		back = patch_back(a.s, z);
		ok(back != NULL && strcmp(back, b.s) == 0, "fallback beyond the distance bound is correct");
		free(back);
		free(z);
		z = diff_unified(a.s, a.len, b.s, b.len, "a", "b", 3, 1000);
		ok(z != NULL && strlen(z) < 1100 && strstr(z, "[diff truncated]") != NULL,
		    "max caps the diff");
		free(z);
		buf_free(&a);
		buf_free(&b);
	}
	return tap_done();
}
