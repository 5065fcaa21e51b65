/*
 * test_apply_patch.c: the apply_patch conformance set.
 *
 * Each directory tests/apply_patch/NN-name holds input/ (the tree before),
 * patch (the patch text), and expected/ (the tree after) and/or
 * expected_error (a substring of the error).  For every scenario the input
 * is copied to a fresh directory and the patch applied twice over: first a
 * dry run, which must leave the tree untouched, then for real; the result
 * must match expected/ byte for byte (no file missing, none extra), or the
 * input tree itself when only an error is expected.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/tools/apply_patch.h"
#include "cade/buf.h"
#include "cade/util.h"

#include "tap.h"

/* Whole file into a malloc'd buffer; NULL if unreadable. */
static char *
slurp(const char *path, size_t *len)
{
	struct buf b;
	char tmp[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd == -1)
		return NULL;
	buf_init(&b, 0);
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		(void)buf_append(&b, tmp, (size_t)n);
	close(fd);
	{
		char *s_ = buf_detach(&b, len);

		buf_free(&b);
		return s_;
	}
}

/* cp -R src dst, keeping modes. */
static void
copy_tree(const char *src, const char *dst)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	mkdir(dst, 0755);
	if ((d = opendir(src)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char *s, *t, *data;
		size_t len;
		int fd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		s = xasprintf("%s/%s", src, de->d_name);
		t = xasprintf("%s/%s", dst, de->d_name);
		if (stat(s, &st) == 0 && S_ISDIR(st.st_mode))
			copy_tree(s, t);
		else if ((data = slurp(s, &len)) != NULL) {
			fd = open(t, O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 07777);
			if (fd != -1) {
				(void)util_write_all(fd, data, len);
				close(fd);
			}
			free(data);
		}
		free(s);
		free(t);
	}
	closedir(d);
}

/* Describe how tree a differs from tree b (files only), into why; 0 if equal. */
static int
diff_tree(const char *a, const char *b, const char *rel, struct buf *why, int both)
{
	struct dirent *de;
	struct stat st;
	int bad = 0;
	DIR *d;

	if ((d = opendir(a)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *pa, *pb, *r, *da, *db;
		size_t la, lb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		pa = xasprintf("%s/%s", a, de->d_name);
		pb = xasprintf("%s/%s", b, de->d_name);
		r = xasprintf("%s%s", rel, de->d_name);
		if (stat(pa, &st) == 0 && S_ISDIR(st.st_mode)) {
			char *sub = xasprintf("%s/", r);

			bad |= diff_tree(pa, pb, sub, why, both);
			free(sub);
		} else {
			da = slurp(pa, &la);
			db = slurp(pb, &lb);
			if (db == NULL) {
				(void)buf_printf(why, "%s: %s\n", r, both ? "missing" : "unexpected");
				bad = 1;
			} else if (both && (la != lb || memcmp(da, db, la) != 0)) {
				(void)buf_printf(why, "%s: content differs: got [%s] want [%s]\n",
				    r, db, da);
				bad = 1;
			}
			free(da);
			free(db);
		}
		free(pa);
		free(pb);
		free(r);
	}
	closedir(d);
	return bad;
}

/* want and got hold the same files with the same bytes. */
static int
same_tree(const char *want, const char *got, struct buf *why)
{
	int bad = diff_tree(want, got, "", why, 1);

	bad |= diff_tree(got, want, "", why, 0);
	return !bad;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run one scenario directory. */
static void
run_case(const char *dir, const char *name)
{
	char *input = xasprintf("%s/input", dir), *expected = xasprintf("%s/expected", dir);
	char *errpath = xasprintf("%s/expected_error", dir), *ppath = xasprintf("%s/patch", dir);
	char tmpl[] = "/tmp/cade-ap-XXXXXX", *root, *patch, *want_err, *cause = NULL;
	struct buf report, diff, why;
	struct stat st;
	size_t len;
	int rc, has_expected;

	root = mkdtemp(tmpl);
	if (root == NULL) {
		ok(0, "%s: mkdtemp: %s", name, strerror(errno));
		goto out0;
	}
	copy_tree(input, root);
	patch = slurp(ppath, &len);
	want_err = slurp(errpath, &len);
	if (want_err != NULL)
		util_trim(want_err);
	has_expected = stat(expected, &st) == 0;
	buf_init(&report, 0);
	buf_init(&diff, 0);
	buf_init(&why, 0);

	/* Dry run: same verdict, nothing touched. */
	rc = apply_patch_apply(root, root, patch != NULL ? patch : "", 1, &report, &diff,
	    &cause);
	ok(rc == (want_err != NULL ? -1 : 0) && same_tree(input, root, &why),
	    "%s: dry run gives the same verdict and leaves the tree alone", name);
	if (why.len > 0)
		diag("%s", why.s);
	if (want_err == NULL && rc == 0 && !ok(diff.len > 0, "%s: dry run produces a diff", name))
		diag("report: %s", report.s);
	free(cause);
	cause = NULL;
	buf_reset(&report);
	buf_reset(&why);

	rc = apply_patch_run(root, root, patch != NULL ? patch : "", &report, &cause);
	if (want_err != NULL) {
		if (!ok(rc == -1 && cause != NULL && strstr(cause, want_err) != NULL,
		    "%s: fails with the expected error", name))
			diag("rc %d, got error: %s\nwant substring: %s", rc,
			    cause ? cause : "(none)", want_err);
	} else if (!ok(rc == 0, "%s: applies", name))
		diag("error: %s", cause ? cause : "(none)");
	if (!ok(same_tree(has_expected ? expected : input, root, &why),
	    "%s: tree is as expected", name))
		diag("%s", why.s);

	buf_free(&report);
	buf_free(&diff);
	buf_free(&why);
	free(cause);
	free(patch);
	free(want_err);
	rm_tree(root);
out0:
	free(input);
	free(expected);
	free(errpath);
	free(ppath);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* apply_patch_paths lists targets then move destinations, once each. */
static void
test_paths(void)
{
	const char *p = "*** Begin Patch\n*** Add File: a\n+x\n*** Update File: b\n"
	    "*** Move to: c\n@@\n-1\n+2\n*** Delete File: a\n*** End Patch\n";
	char **v, *cause = NULL;

	v = apply_patch_paths(p, &cause);
	ok(v != NULL && v[0] && v[1] && v[2] && !v[3] && strcmp(v[0], "a") == 0 &&
	    strcmp(v[1], "b") == 0 && strcmp(v[2], "c") == 0, "paths: a, b, c");
	apply_patch_paths_free(v);
	v = apply_patch_paths("*** Begin Patch\n*** End Patch\n", &cause);
	ok(v == NULL && cause != NULL, "paths: invalid patch gives an error");
	free(cause);
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char *base, **names = NULL;
	struct dirent *de;
	size_t n = 0, i;
	DIR *d;

	base = xasprintf("%s/tests/apply_patch", top != NULL ? top : ".");
	if ((d = opendir(base)) == NULL) {
		printf("1..0 # SKIP cannot open %s\n", base);
		free(base);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof *names);
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, name_cmp);
	ok(n >= 20, "at least 20 scenarios (%zu)", n);
	for (i = 0; i < n; i++) {
		char *dir = xasprintf("%s/%s", base, names[i]);

		run_case(dir, names[i]);
		free(dir);
		free(names[i]);
	}
	free(names);
	free(base);
	test_paths();
	return tap_done();
}
