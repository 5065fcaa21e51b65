/*
 * test_tools.c: the tools, run through their tool_entry as the agent runs
 * them, against real files in a temporary workspace (and, for terminal, a
 * real local shell on a pty driven by the real loop).
 *
 * Covers: path resolution and every escape route (.., absolute paths,
 * symlinks to outside, links through outside directories, docker-style
 * model roots); file_editor view (numbers, ranges, directories two levels,
 * binary refusal, output cap, invalid UTF-8), create, str_replace (not
 * found with a hint, found N times with line numbers), insert, undo, atomic
 * writes that keep the mode, previews that change nothing; grep honouring
 * root and nested .gitignore files (globs, dir/, /anchored, !negation, **),
 * skipping binary files and .git, include globs and the result cap; glob
 * with ** newest first; task_tracker, think, finish; the schemas and
 * argument validation; terminal through the shell.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/loop.h"
#include "cade/shell.h"
#include "cade/tool.h"
#include "cade/util.h"
#include "cade/workspace.h"

#include "tap.h"

static struct tool_ctx ctx;
static struct workspace ws;
static char root[PATH_MAX];
static char outside[PATH_MAX];

static void
on_done(struct tool_result *r, void *arg)
{
	*(struct tool_result **)arg = r;
}

/* Run a tool with JSON arguments given printf-style; waits for terminal. */
static struct tool_result * __attribute__((format(printf, 2, 3)))
run(const char *name, const char *fmt, ...)
{
	const struct tool_entry *t = tool_find(name);
	struct tool_result *r = NULL;
	va_list ap;
	char *json;
	cJSON *args;
	uint64_t until = util_now_ms() + 30000;

	va_start(ap, fmt);
	json = xvasprintf(fmt, ap);
	va_end(ap);
	args = cJSON_Parse(json);
	if (args == NULL || t == NULL) {
		fprintf(stderr, "bad test input: %s %s\n", name, json);
		exit(2);
	}
	t->exec(&ctx, args, on_done, &r);
	while (r == NULL && ctx.loop != NULL && util_now_ms() < until)
		loop_once(ctx.loop, 200);
	cJSON_Delete(args);
	if (r == NULL) {
		r = tool_result_new();
		r->text = xstrdup("(no result)");
		r->is_error = 1;
	}
	if (getenv("TOOLS_DEBUG") != NULL)
		diag("%s %s ->%s\n%s%s", name, json, r->is_error ? " ERROR" : "", r->text,
		    r->diff ? r->diff : "");
	free(json);
	return r;
}

static void
put(const char *rel, const char *data)
{
	char *p = xasprintf("%s/%s", root, rel), *d = xstrdup(p);
	int fd;

	*strrchr(d, '/') = '\0';
	util_mkdir_p(d, 0755);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd == -1 || util_write_all(fd, data, strlen(data)) == -1) {
		fprintf(stderr, "cannot write %s\n", p);
		exit(2);
	}
	close(fd);
	free(p);
	free(d);
}

static char *
get(const char *rel)
{
	char *p = xasprintf("%s/%s", root, rel), *data = NULL;
	struct buf b;
	char tmp[4096];
	ssize_t n;
	int fd = open(p, O_RDONLY);

	free(p);
	if (fd == -1)
		return NULL;
	buf_init(&b, 0);
	while ((n = read(fd, tmp, sizeof tmp)) > 0)
		(void)buf_append(&b, tmp, (size_t)n);
	close(fd);
	data = buf_detach(&b, NULL);
	buf_free(&b);
	return data;
}

static int
has(const struct tool_result *r, const char *s)
{
	return r->text != NULL && strstr(r->text, s) != NULL;
}

/* ok() on a condition; on failure show the tool's text. */
#define check(r, cond, ...) do {					\
	if (!ok((cond), __VA_ARGS__))					\
		diag("text: %s", (r)->text);				\
} while (0)

static void
test_paths(void)
{
	char *h, *cause = NULL, *want;
	struct workspace dws;

	h = tool_resolve_path(&ws, "a/b.txt", &cause);
	want = xasprintf("%s/a/b.txt", root);
	is_str(h, want, "relative path resolves under the root");
	free(h);
	free(want);

	want = xasprintf("%s/x/y", root);
	h = tool_resolve_path(&ws, want, &cause);
	is_str(h, want, "absolute path under the root is accepted");
	free(h);
	free(want);

	h = tool_resolve_path(&ws, "sub/../c.txt", &cause);
	ok(h != NULL && strcmp(h + strlen(root), "/c.txt") == 0, "inner .. stays inside");
	free(h);

	h = tool_resolve_path(&ws, "../x", &cause);
	ok(h == NULL && cause != NULL && strstr(cause, "path '../x' is outside the workspace"),
	    "'..' escape refused: %s", cause ? cause : "");
	free(cause);
	cause = NULL;

	h = tool_resolve_path(&ws, "a/../../../etc/passwd", &cause);
	ok(h == NULL && cause != NULL, "deep '..' escape refused");
	free(cause);
	cause = NULL;

	h = tool_resolve_path(&ws, "/etc/passwd", &cause);
	ok(h == NULL && cause != NULL && strstr(cause, "'/etc/passwd' is outside"),
	    "absolute path elsewhere refused");
	free(cause);
	cause = NULL;

	/* Links: out of the tree (file and directory), and inside it. */
	want = xasprintf("%s/secret", outside);
	put("dummy", "");
	{
		char *l1 = xasprintf("%s/out-link", root), *l2 = xasprintf("%s/out-dir", root);
		char *l3 = xasprintf("%s/in-link", root), *l4 = xasprintf("%s/loop", root);

		symlink(want, l1);
		symlink(outside, l2);
		symlink("dummy", l3);
		symlink("loop", l4);
		free(l1);
		free(l2);
		free(l3);
		free(l4);
	}
	h = tool_resolve_path(&ws, "out-link", &cause);
	ok(h == NULL && cause != NULL, "symlink to a file outside refused");
	free(cause);
	cause = NULL;
	h = tool_resolve_path(&ws, "out-dir/new-file", &cause);
	ok(h == NULL && cause != NULL, "new file under a symlinked outside directory refused");
	free(cause);
	cause = NULL;
	h = tool_resolve_path(&ws, "out-dir/../" , &cause);
	ok(h == NULL && cause != NULL, "'..' after an outside link is resolved physically, refused");
	free(cause);
	cause = NULL;
	h = tool_resolve_path(&ws, "in-link", &cause);
	ok(h != NULL && strcmp(h + strlen(root), "/dummy") == 0, "symlink inside resolves to its target");
	free(h);
	h = tool_resolve_path(&ws, "loop", &cause);
	ok(h == NULL && cause != NULL && strstr(cause, "too many symbolic links"), "symlink loop refused");
	free(cause);
	cause = NULL;
	free(want);

	/* A docker-style workspace: the model sees /workspace. */
	dws = ws;
	dws.model_root = "/workspace";
	h = tool_resolve_path(&dws, "/workspace/src/a.c", &cause);
	want = xasprintf("%s/src/a.c", root);
	is_str(h, want, "docker model path maps to the host root");
	free(h);
	free(want);
	h = tool_resolve_path(&dws, "/workspacex/a", &cause);
	ok(h == NULL && cause != NULL && strstr(cause, "outside the workspace /workspace"),
	    "a sibling of the model root is outside");
	free(cause);
	cause = NULL;
	{
		char *l = xasprintf("%s/abs-in", root);

		symlink("/workspace/dummy", l);
		free(l);
	}
	h = tool_resolve_path(&dws, "abs-in", &cause);
	ok(h != NULL && strcmp(h + strlen(root), "/dummy") == 0,
	    "absolute link into the container's /workspace maps back to the root");
	free(h);
	free(cause);
}

static void
test_file_editor_view(void)
{
	struct tool_result *r;
	struct buf big;
	char *s;
	int i;

	put("v/a.txt", "one\ntwo\nthree\n");
	r = run("file_editor", "{\"command\":\"view\",\"path\":\"v/a.txt\"}");
	check(r, !r->is_error && has(r, "     1\tone\n     2\ttwo\n     3\tthree\n"),
	    "view numbers lines like cat -n");
	tool_result_free(r);

	r = run("file_editor", "{\"command\":\"view\",\"path\":\"v/a.txt\",\"view_range\":[2,-1]}");
	check(r, !r->is_error && !has(r, "one") && has(r, "     2\ttwo") && has(r, "     3\tthree"),
	    "view_range [2,-1] starts at line 2");
	tool_result_free(r);

	r = run("file_editor", "{\"command\":\"view\",\"path\":\"v/a.txt\",\"view_range\":[5,6]}");
	check(r, r->is_error && has(r, "has 3 lines"), "view_range past the end is an error");
	tool_result_free(r);

	put("v/d1/d2/d3/deep.txt", "x");
	put("v/d1/f1.txt", "x");
	put("v/.hidden/h.txt", "x");
	r = run("file_editor", "{\"command\":\"view\",\"path\":\"v\"}");
	check(r, !r->is_error && has(r, "d1/\n") && has(r, "  d2/\n") && has(r, "  f1.txt\n") &&
	    !has(r, "d3") && !has(r, "deep.txt") && !has(r, ".hidden") && has(r, "a.txt"),
	    "view of a directory: two levels, hidden skipped");
	tool_result_free(r);

	put("v/bin.dat", "abc");
	{
		char *p = xasprintf("%s/v/bin.dat", root);
		int fd = open(p, O_WRONLY | O_APPEND);

		(void)util_write_all(fd, "\0\1\2", 3);
		close(fd);
		free(p);
	}
	r = run("file_editor", "{\"command\":\"view\",\"path\":\"v/bin.dat\"}");
	check(r, r->is_error && has(r, "binary file"), "binary file refused by view");
	tool_result_free(r);

	put("v/latin1.txt", "caf\xe9 ok\n");
	r = run("file_editor", "{\"command\":\"view\",\"path\":\"v/latin1.txt\"}");
	check(r, !r->is_error && has(r, "caf\xef\xbf\xbd ok") && util_utf8_valid(r->text, strlen(r->text)),
	    "invalid UTF-8 replaced with U+FFFD");
	tool_result_free(r);

	buf_init(&big, 0);
	for (i = 1; i <= 5000; i++)
		(void)buf_printf(&big, "this is line number %d of a long file\n", i);
	put("v/big.txt", big.s);
	buf_free(&big);
	conf_set((struct config *)ctx.cfg, "output_limit", "2000", CONF_RUNTIME, &s);
	r = run("file_editor", "{\"command\":\"view\",\"path\":\"v/big.txt\"}");
	check(r, !r->is_error && r->truncated && strlen(r->text) < 2300 &&
	    has(r, "[output truncated: showed lines 1-") && has(r, "of 5000;") &&
	    has(r, "bytes not shown"), "view of a large file is capped and says how much was cut");
	tool_result_free(r);
	{
		struct buf one;

		buf_init(&one, 0);
		for (i = 0; i < 3000; i++)
			(void)buf_puts(&one, "x=1;");
		(void)buf_puts(&one, "\nsecond\n");
		put("v/min.js", one.s);
		buf_free(&one);
	}
	r = run("file_editor", "{\"command\":\"view\",\"path\":\"v/min.js\"}");
	check(r, !r->is_error && r->truncated && strlen(r->text) < 2300 &&
	    has(r, "[line 1 cut: ") && has(r, "of its 12000 bytes shown]") &&
	    has(r, "showed lines 1-1 of 2;") && has(r, "; 10014 bytes not shown"),
	    "a single line longer than the cap is cut, and the count says so");
	tool_result_free(r);
	conf_set((struct config *)ctx.cfg, "output_limit", "30000", CONF_RUNTIME, &s);

	r = run("file_editor", "{\"command\":\"view\",\"path\":\"v/missing.txt\"}");
	check(r, r->is_error && has(r, "does not exist"), "view of a missing file");
	tool_result_free(r);
}

static void
test_file_editor_edit(void)
{
	const struct tool_entry *fe = tool_find("file_editor");
	struct tool_result *r;
	struct stat st1, st2;
	cJSON *args;
	char *s, *p, *pv;

	r = run("file_editor", "{\"command\":\"create\",\"path\":\"e/new.py\","
	    "\"file_text\":\"def f():\\n    return 1\\n\",\"security_risk\":\"LOW\"}");
	s = get("e/new.py");
	check(r, !r->is_error && s && strcmp(s, "def f():\n    return 1\n") == 0 &&
	    r->diff && strncmp(r->diff, "--- /dev/null\n+++ b/", 20) == 0,
	    "create writes the file (and its parent) and reports a creation diff");
	free(s);
	tool_result_free(r);

	p = xasprintf("%s/e/new.py", root);
	chmod(p, 0751);
	stat(p, &st1);

	/* Preview shows the diff and changes nothing. */
	args = cJSON_Parse("{\"command\":\"str_replace\",\"path\":\"e/new.py\","
	    "\"old_str\":\"return 1\",\"new_str\":\"return 2\"}");
	pv = fe->preview(&ctx, args);
	s = get("e/new.py");
	ok(pv && strstr(pv, "-    return 1\n+    return 2\n") && strstr(s, "return 1"),
	    "preview gives the diff without writing");
	free(pv);
	free(s);

	r = run("file_editor", "{\"command\":\"str_replace\",\"path\":\"e/new.py\","
	    "\"old_str\":\"return 1\",\"new_str\":\"return 2\",\"security_risk\":\"LOW\"}");
	s = get("e/new.py");
	stat(p, &st2);
	check(r, !r->is_error && strcmp(s, "def f():\n    return 2\n") == 0 &&
	    r->diff && strstr(r->diff, "@@ -1,2 +1,2 @@\n def f():\n-    return 1\n+    return 2\n") &&
	    has(r, "     2\t    return 2"), "str_replace edits, diffs and shows the snippet");
	ok((st2.st_mode & 07777) == 0751, "edit keeps the file mode (%o)", (unsigned)(st2.st_mode & 07777));
	ok(st1.st_ino != st2.st_ino, "edit replaced the file by rename (new inode)");
	free(s);
	tool_result_free(r);
	cJSON_Delete(args);

	put("e/multi.txt", "x = 1\ny = 2\nx = 1\nz = 3\nx = 1\n");
	r = run("file_editor", "{\"command\":\"str_replace\",\"path\":\"e/multi.txt\","
	    "\"old_str\":\"x = 1\",\"new_str\":\"x = 9\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "old_str found 3 times in") && has(r, "(lines 1, 3, 5)"),
	    "str_replace: found N times, with line numbers");
	tool_result_free(r);

	r = run("file_editor", "{\"command\":\"str_replace\",\"path\":\"e/multi.txt\","
	    "\"old_str\":\"  z = 3\\nq\",\"new_str\":\"\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "old_str not found in") && has(r, "at line 4"),
	    "str_replace: not found, with where the first line occurs");
	tool_result_free(r);

	r = run("file_editor", "{\"command\":\"str_replace\",\"path\":\"e/multi.txt\","
	    "\"old_str\":\"nothing like it\",\"new_str\":\"\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "old_str not found in") && !has(r, "at line"),
	    "str_replace: plainly not found");
	tool_result_free(r);
	s = get("e/multi.txt");
	ok(strcmp(s, "x = 1\ny = 2\nx = 1\nz = 3\nx = 1\n") == 0, "failed edits leave the file alone");
	free(s);

	r = run("file_editor", "{\"command\":\"insert\",\"path\":\"e/multi.txt\",\"insert_line\":0,"
	    "\"new_str\":\"# top\",\"security_risk\":\"LOW\"}");
	s = get("e/multi.txt");
	check(r, !r->is_error && strncmp(s, "# top\nx = 1\n", 12) == 0, "insert at 0 puts text at the top");
	free(s);
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"insert\",\"path\":\"e/multi.txt\",\"insert_line\":6,"
	    "\"new_str\":\"end\\n\",\"security_risk\":\"LOW\"}");
	s = get("e/multi.txt");
	check(r, !r->is_error && strcmp(s, "# top\nx = 1\ny = 2\nx = 1\nz = 3\nx = 1\nend\n") == 0,
	    "insert after the last line appends");
	free(s);
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"insert\",\"path\":\"e/multi.txt\",\"insert_line\":99,"
	    "\"new_str\":\"x\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "past the end") && has(r, "has 7 lines"), "insert past the end refused");
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"insert\",\"path\":\"e/multi.txt\",\"insert_line\":-1,"
	    "\"new_str\":\"x\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "insert_line -1 is out of range") &&
	    !has(r, "needs"), "insert_line -1 is out of range, not missing");
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"insert\",\"path\":\"e/multi.txt\",\"insert_line\":1e300,"
	    "\"new_str\":\"x\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "whole number"), "insert_line 1e300 is refused without a wild cast");
	tool_result_free(r);
	put("e/nonl.txt", "a\nb");
	r = run("file_editor", "{\"command\":\"insert\",\"path\":\"e/nonl.txt\",\"insert_line\":2,"
	    "\"new_str\":\"c\",\"security_risk\":\"LOW\"}");
	s = get("e/nonl.txt");
	ok(!r->is_error && strcmp(s, "a\nb\nc\n") == 0, "insert after a last line without newline");
	free(s);
	tool_result_free(r);

	/* Undo: two edits back, then nothing left. */
	r = run("file_editor", "{\"command\":\"undo_edit\",\"path\":\"e/multi.txt\",\"security_risk\":\"LOW\"}");
	s = get("e/multi.txt");
	check(r, !r->is_error && strcmp(s, "# top\nx = 1\ny = 2\nx = 1\nz = 3\nx = 1\n") == 0 && r->diff,
	    "undo_edit reverts the last edit");
	free(s);
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"undo_edit\",\"path\":\"e/multi.txt\",\"security_risk\":\"LOW\"}");
	s = get("e/multi.txt");
	ok(!r->is_error && strcmp(s, "x = 1\ny = 2\nx = 1\nz = 3\nx = 1\n") == 0, "and the one before");
	free(s);
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"undo_edit\",\"path\":\"e/multi.txt\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "no edit of"), "nothing more to undo");
	tool_result_free(r);

	r = run("file_editor", "{\"command\":\"create\",\"path\":\"e/tmp.txt\",\"file_text\":\"t\","
	    "\"security_risk\":\"LOW\"}");
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"undo_edit\",\"path\":\"e/tmp.txt\",\"security_risk\":\"LOW\"}");
	s = get("e/tmp.txt");
	check(r, !r->is_error && s == NULL, "undo of a create removes the file");
	tool_result_free(r);

	r = run("file_editor", "{\"command\":\"create\",\"path\":\"e/new.py\",\"file_text\":\"over\\n\","
	    "\"security_risk\":\"LOW\"}");
	stat(p, &st2);
	check(r, !r->is_error && has(r, "Overwrote") && (st2.st_mode & 07777) == 0751,
	    "create over an existing file keeps its mode and says so");
	tool_result_free(r);
	free(p);

	/* Escapes. */
	r = run("file_editor", "{\"command\":\"create\",\"path\":\"../escape.txt\",\"file_text\":\"x\","
	    "\"security_risk\":\"LOW\"}");
	p = xasprintf("%s/../escape.txt", root);
	check(r, r->is_error && has(r, "outside the workspace") && access(p, F_OK) == -1,
	    "create via .. refused, nothing written");
	free(p);
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"create\",\"path\":\"out-dir/planted\",\"file_text\":\"x\","
	    "\"security_risk\":\"LOW\"}");
	p = xasprintf("%s/planted", outside);
	check(r, r->is_error && has(r, "outside the workspace") && access(p, F_OK) == -1,
	    "create through a symlink to outside refused, nothing written");
	free(p);
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"view\",\"path\":\"/etc/passwd\"}");
	check(r, r->is_error && has(r, "outside the workspace"), "view of an absolute path elsewhere refused");
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"str_replace\",\"path\":\"v/bin.dat\",\"old_str\":\"abc\","
	    "\"new_str\":\"x\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "binary"), "str_replace on a binary file refused");
	tool_result_free(r);
	r = run("file_editor", "{\"command\":\"delete\",\"path\":\"v/a.txt\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "unknown command"), "unknown command");
	tool_result_free(r);
}

static void
set_mtime(const char *rel, time_t t)
{
	char *p = xasprintf("%s/%s", root, rel);
	struct timeval tv[2] = { { t, 0 }, { t, 0 } };

	utimes(p, tv);
	free(p);
}

static void
test_grep_glob(void)
{
	struct tool_result *r;
	int i;

	put("g/.gitignore", "*.o\nbuild/\n/rootonly.txt\n!keep.o\ndocs/**/secret.md\n# comment\n\n");
	put("g/a.c", "int needle;\n");
	put("g/a.o", "needle\n");
	put("g/keep.o", "needle\n");
	put("g/rootonly.txt", "needle\n");
	put("g/sub/rootonly.txt", "needle\n");
	put("g/build/x.c", "needle\n");
	put("g/sub/build", "needle in a file named build\n");
	put("g/sub/.gitignore", "*.tmp\n");
	put("g/sub/t.tmp", "needle\n");
	put("g/t.tmp", "needle\n");
	put("g/docs/a/b/secret.md", "needle\n");
	put("g/docs/public.md", "needle\n");
	put("g/.git/config", "needle\n");
	put("g/sub/deep/x.h", "struct needle {};\n");
	put("g/bin.dat", "needle");
	{
		char *p = xasprintf("%s/g/bin.dat", root);
		int fd = open(p, O_WRONLY | O_APPEND);

		(void)util_write_all(fd, "\0", 1);
		close(fd);
		free(p);
	}

	r = run("grep", "{\"pattern\":\"needle\",\"path\":\"g\"}");
	check(r, !r->is_error && has(r, "g/a.c:1:int needle;") && has(r, "g/keep.o:1:") &&
	    has(r, "g/sub/rootonly.txt:1:") && has(r, "g/sub/build:1:") && has(r, "g/t.tmp:1:") &&
	    has(r, "g/docs/public.md:1:") && has(r, "g/sub/deep/x.h:1:"),
	    "grep finds what is not ignored");
	check(r, !has(r, "g/a.o") && !has(r, "g/rootonly.txt") && !has(r, "build/x.c") &&
	    !has(r, "sub/t.tmp") && !has(r, "secret.md") && !has(r, ".git/") && !has(r, "bin.dat"),
	    "grep honours *.o, dir/, /anchored, nested .gitignore, **, !negation; skips .git and binary");
	tool_result_free(r);

	r = run("grep", "{\"pattern\":\"needle\",\"path\":\"g\",\"include\":\"*.{c,h}\"}");
	check(r, !r->is_error && has(r, "g/a.c:1:") && has(r, "g/sub/deep/x.h:1:") &&
	    !has(r, "public.md"), "grep include glob with braces");
	tool_result_free(r);

	r = run("grep", "{\"pattern\":\"^struct\\\\s+\\\\w+\",\"path\":\"g/sub\"}");
	check(r, !r->is_error && has(r, "g/sub/deep/x.h:1:struct needle {};") && !has(r, "a.c"),
	    "grep with a PCRE pattern and a subdirectory path");
	tool_result_free(r);

	r = run("grep", "{\"pattern\":\"needle\",\"path\":\"g/sub/t.tmp\"}");
	check(r, !r->is_error && has(r, "g/sub/t.tmp:1:needle"), "an ignored file named explicitly is searched");
	tool_result_free(r);

	r = run("grep", "{\"pattern\":\"needle\",\"path\":\"g\",\"max_results\":2}");
	check(r, !r->is_error && r->truncated && has(r, "[stopped after 2 matches"),
	    "grep stops at max_results and says so");
	tool_result_free(r);

	put("g2/one.txt", "abc\n");
	r = run("grep", "{\"pattern\":\"z*\",\"path\":\"g2/one.txt\"}");
	check(r, !r->is_error && strcmp(r->text, "g2/one.txt:1:abc\n") == 0,
	    "an empty match reports its line once, and nothing after the last line");
	tool_result_free(r);

	r = run("grep", "{\"pattern\":\"no such text anywhere\"}");
	check(r, !r->is_error && has(r, "No matches"), "no matches is not an error");
	tool_result_free(r);

	r = run("grep", "{\"pattern\":\"(unclosed\"}");
	check(r, r->is_error && has(r, "invalid pattern"), "bad regex reported");
	tool_result_free(r);

	r = run("grep", "{\"pattern\":\"x\",\"path\":\"../\"}");
	check(r, r->is_error && has(r, "outside the workspace"), "grep path outside refused");
	tool_result_free(r);

	{
		struct buf b;

		buf_init(&b, 0);
		for (i = 0; i < 1000; i++)
			(void)buf_puts(&b, "needle");
		(void)buf_putc(&b, '\n');
		put("g/long.txt", b.s);
		buf_free(&b);
	}
	r = run("grep", "{\"pattern\":\"needle\",\"path\":\"g/long.txt\"}");
	check(r, !r->is_error && strlen(r->text) < 400 && has(r, "[...]"), "long lines are cut");
	tool_result_free(r);

	/* glob: ** and newest first. */
	put("gl/one.c", "");
	put("gl/sub/two.c", "");
	put("gl/sub/deeper/three.c", "");
	put("gl/sub/note.txt", "");
	put("gl/.gitignore", "ignored.c\n");
	put("gl/ignored.c", "");
	set_mtime("gl/one.c", 1000000);
	set_mtime("gl/sub/two.c", 3000000);
	set_mtime("gl/sub/deeper/three.c", 2000000);
	r = run("glob", "{\"pattern\":\"**/*.c\",\"path\":\"gl\"}");
	check(r, !r->is_error && strcmp(r->text, "gl/sub/two.c\ngl/sub/deeper/three.c\ngl/one.c\n") == 0,
	    "glob ** matches at every depth, newest first, .gitignore honoured");
	tool_result_free(r);
	r = run("glob", "{\"pattern\":\"sub/*.c\",\"path\":\"gl\"}");
	check(r, !r->is_error && strcmp(r->text, "gl/sub/two.c\n") == 0, "glob with a '/' is anchored");
	tool_result_free(r);
	r = run("glob", "{\"pattern\":\"*.{c,txt}\",\"path\":\"gl\",\"max_results\":2}");
	check(r, !r->is_error && r->truncated && has(r, "[2 more not shown"),
	    "glob without '/' matches names at any depth; capped");
	tool_result_free(r);
	r = run("glob", "{\"pattern\":\"*.zzz\"}");
	check(r, !r->is_error && has(r, "No files match"), "glob with no match");
	tool_result_free(r);
}

static void
test_small_tools(void)
{
	struct tool_result *r;
	const cJSON *plan;

	r = run("task_tracker", "{\"command\":\"view\"}");
	check(r, !r->is_error && has(r, "No plan yet"), "empty plan");
	tool_result_free(r);
	r = run("task_tracker", "{\"command\":\"plan\",\"task_list\":["
	    "{\"title\":\"read code\",\"status\":\"done\"},"
	    "{\"title\":\"fix bug\",\"status\":\"in_progress\",\"notes\":\"in parser\"},"
	    "{\"id\":\"t3\",\"title\":\"test\",\"status\":\"todo\"},"
	    "{\"id\":7,\"title\":\"ship\",\"status\":\"todo\"}]}");
	check(r, !r->is_error && has(r, "Plan (1/4 done)") && has(r, "1. [x] read code") &&
	    has(r, "2. [>] fix bug - in parser") && has(r, "t3. [ ] test") && has(r, "7. [ ] ship") &&
	    r->extra && cJSON_GetArraySize(cJSON_GetObjectItem(r->extra, "plan")) == 4,
	    "plan stored, rendered and returned in extra (string and numeric ids)");
	tool_result_free(r);
	plan = tool_state_plan(ctx.state);
	ok(plan && cJSON_GetArraySize(plan) == 4 &&
	    strcmp(cJSON_GetObjectItem(cJSON_GetArrayItem(plan, 1), "status")->valuestring,
	    "in_progress") == 0, "tool_state_plan holds the plan");
	r = run("task_tracker", "{\"command\":\"plan\",\"task_list\":[{\"title\":\"x\",\"status\":\"later\"}]}");
	check(r, r->is_error && has(r, "status must be"), "bad status refused");
	tool_result_free(r);
	ok(cJSON_GetArraySize(tool_state_plan(ctx.state)) == 4, "a refused plan leaves the old one");

	{
		struct tool_state *st = tool_state_new();

		tool_state_restore_plan(st, tool_state_plan(ctx.state));
		ok(cJSON_Compare(tool_state_plan(st), tool_state_plan(ctx.state), 1),
		    "a plan restores into a new session's state");
		tool_state_free(st);
	}

	r = run("think", "{\"thought\":\"hmm\"}");
	ok(!r->is_error && !r->finish, "think has no effect");
	tool_result_free(r);
	r = run("finish", "{\"message\":\"all done\"}");
	ok(!r->is_error && r->finish && strcmp(r->text, "all done") == 0, "finish ends with the message");
	tool_result_free(r);
}

static void
test_schemas(void)
{
	cJSON *a, *it;
	char *s, *cause = NULL;
	size_t n, i;
	const struct tool_entry *const *all = tool_all(&n);
	int names = 0, risk_ok = 1, has_fe = 0, has_ap = 0;

	a = tool_schemas(ctx.cfg, "claude-sonnet-4");
	cJSON_ArrayForEach(it, a) {
		const cJSON *f = cJSON_GetObjectItem(it, "function");
		const char *name = cJSON_GetObjectItem(f, "name")->valuestring;

		names++;
		has_fe |= strcmp(name, "file_editor") == 0;
		has_ap |= strcmp(name, "apply_patch") == 0;
	}
	ok(names == 8 && has_fe && !has_ap, "claude gets file_editor, not apply_patch");
	s = cJSON_PrintUnformatted(a);
	diag("tool_schemas(claude) is %zu bytes", strlen(s));
	free(s);
	cJSON_Delete(a);
	a = tool_schemas(ctx.cfg, "openrouter/openai/gpt-4.1");
	s = cJSON_PrintUnformatted(a);
	ok(strstr(s, "\"apply_patch\"") && !strstr(s, "\"file_editor\""), "gpt behind a router prefix gets apply_patch");
	diag("tool_schemas(gpt) is %zu bytes", strlen(s));
	free(s);
	cJSON_Delete(a);
	ok(tool_uses_apply_patch(ctx.cfg, "o3-mini") && tool_uses_apply_patch(ctx.cfg, "GPT-5") &&
	    tool_uses_apply_patch(ctx.cfg, "codex-mini") && !tool_uses_apply_patch(ctx.cfg, "qwen3-coder"),
	    "apply_patch_models patterns (case-insensitive)");

	for (i = 0; i < n; i++) {
		cJSON *sc = cJSON_Parse(all[i]->schema);
		cJSON *req = cJSON_GetObjectItem(sc, "required");
		int found = 0;

		cJSON_ArrayForEach(it, req)
			found |= strcmp(it->valuestring, "security_risk") == 0;
		if (sc == NULL || found != all[i]->mutating) {
			risk_ok = 0;
			diag("%s: security_risk required=%d mutating=%d", all[i]->name, found,
			    all[i]->mutating);
		}
		cJSON_Delete(sc);
	}
	ok(risk_ok, "exactly the mutating tools require security_risk");

	a = cJSON_Parse("{\"command\":\"view\"}");
	ok(tool_validate(tool_find("file_editor"), a, &cause) == -1 && cause &&
	    strcmp(cause, "missing required parameter 'path'") == 0, "validate: missing parameter");
	free(cause);
	cause = NULL;
	cJSON_Delete(a);
	a = cJSON_Parse("{\"command\":\"edit\",\"path\":\"x\",\"security_risk\":\"LOW\"}");
	ok(tool_validate(tool_find("file_editor"), a, &cause) == -1 && cause &&
	    strstr(cause, "'command' must be one of"), "validate: enum");
	free(cause);
	cause = NULL;
	cJSON_Delete(a);
	a = cJSON_Parse("{\"command\":\"insert\",\"path\":\"x\",\"insert_line\":\"3\",\"security_risk\":\"LOW\"}");
	ok(tool_validate(tool_find("file_editor"), a, &cause) == 0, "validate: integer sent as a string passes");
	free(cause);
	cause = NULL;
	cJSON_Delete(a);
	a = cJSON_Parse("{\"command\":\"ls\",\"security_risk\":\"EXTREME\"}");
	ok(tool_validate(tool_find("terminal"), a, &cause) == -1 && cause &&
	    strstr(cause, "'security_risk' must be one of"), "validate: security_risk values");
	free(cause);
	cJSON_Delete(a);
	ok(tool_find("nope") == NULL, "unknown tool");
}

static void
test_terminal(void)
{
	struct workspace *lws;
	struct shell *sh;
	struct tool_result *r;
	struct tool_ctx saved = ctx;
	char *cause = NULL;

	lws = ws_local_create(ctx.cfg, root, &cause);
	if (lws == NULL) {
		diag("no local workspace: %s", cause);
		free(cause);
		tap_skip(4, "no workspace");
		return;
	}
	ctx.loop = loop_new();
	sh = shell_new(ctx.loop, lws, 30000);
	if (shell_start(sh, 24, 80, &cause) == -1) {
		diag("shell: %s", cause);
		free(cause);
		tap_skip(4, "no shell");
		goto out;
	}
	ctx.shell = sh;
	ctx.ws = lws;
	r = run("terminal", "{\"command\":\"cd e && echo hi-$((6*7))\",\"security_risk\":\"LOW\"}");
	check(r, !r->is_error && has(r, "hi-42") && has(r, "[exit code 0]") && r->has_exit &&
	    r->exit_code == 0, "terminal runs a command");
	tool_result_free(r);
	r = run("terminal", "{\"command\":\"pwd; false\",\"security_risk\":\"LOW\"}");
	check(r, has(r, "/e\n") && r->exit_code == 1 && has(r, "[exit code 1]"),
	    "the session persists (cwd) and exit codes come through");
	tool_result_free(r);
	r = run("terminal", "{\"command\":\"sleep 30\",\"timeout\":1,\"security_risk\":\"LOW\"}");
	check(r, r->timed_out && !r->has_exit && has(r, "still running after 1 s"),
	    "a timeout leaves the command running and says how to continue");
	tool_result_free(r);
	r = run("terminal", "{\"command\":\"C-c\",\"is_input\":true,\"timeout\":5,\"security_risk\":\"LOW\"}");
	tool_result_free(r);
	r = run("terminal", "{\"command\":\"echo after\",\"security_risk\":\"LOW\"}");
	check(r, !r->is_error && has(r, "after"), "C-c interrupts; the next command runs");
	tool_result_free(r);
out:
	shell_free(sh);
	ws_destroy(lws);
	loop_free(ctx.loop);
	ctx = saved;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* File-tool errors name the model's path, never the host's (docker-style). */
static void
test_model_paths_in_errors(void)
{
	struct tool_result *r;
	char *fifo = xasprintf("%s/e/fifo", root);

	mkdir(fifo, 0700);	/* make sure e/ exists */
	rmdir(fifo);
	(void)mkfifo(fifo, 0600);
	put("e/dir/keep", "x\n");
	ws.model_root = "/workspace";
	r = run("file_editor", "{\"command\":\"str_replace\",\"path\":\"/workspace/e/fifo\","
	    "\"old_str\":\"a\",\"new_str\":\"b\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "/workspace/e/fifo") && !has(r, root),
	    "file_editor: an error names /workspace/..., not the host path");
	tool_result_free(r);
	r = run("apply_patch", "{\"input\":\"*** Begin Patch\\n*** Update File: e/dir\\n"
	    "@@\\n-x\\n+y\\n*** End Patch\\n\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "'e/dir' is a directory") && !has(r, root),
	    "apply_patch: an error names the patch's path, not the host path");
	tool_result_free(r);
	r = run("apply_patch", "{\"input\":\"*** Begin Patch\\n*** Update File: e/fifo\\n"
	    "@@\\n-x\\n+y\\n*** End Patch\\n\",\"security_risk\":\"LOW\"}");
	check(r, r->is_error && has(r, "'e/fifo' is not a regular file") && !has(r, root),
	    "apply_patch: a FIFO is named by the patch's path");
	tool_result_free(r);
	ws.model_root = root;
	unlink(fifo);
	free(fifo);
}

int
main(void)
{
	char t1[] = "/tmp/cade-tools-XXXXXX", t2[] = "/tmp/cade-outside-XXXXXX";

	if (mkdtemp(t1) == NULL || mkdtemp(t2) == NULL || realpath(t1, root) == NULL ||
	    realpath(t2, outside) == NULL) {
		printf("1..0 # SKIP no temporary directory\n");
		return 0;
	}
	ws.root = root;
	ws.model_root = root;
	ws.id = root;
	ws.pid = -1;
	ctx.cfg = conf_new();
	ctx.ws = &ws;
	ctx.state = tool_state_new();

	test_paths();
	test_file_editor_view();
	test_file_editor_edit();
	test_model_paths_in_errors();
	test_grep_glob();
	test_small_tools();
	test_schemas();
	test_terminal();

	tool_state_free(ctx.state);
	conf_free((struct config *)ctx.cfg);
	nftw(t1, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(t2, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
