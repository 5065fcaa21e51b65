/*
 * test_shell.c: the persistent shell over a real pty, a real bash (and a
 * real /bin/sh), on a real loop.  Also the local workspace's path mapping
 * and session cleanup.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/loop.h"
#include "cade/sha256.h"
#include "cade/shell.h"
#include "cade/spawn.h"
#include "cade/util.h"
#include "cade/workspace.h"
#include "tap.h"

/* ASan's quarantine keeps freed memory resident: allow it more headroom. */
#if defined(__SANITIZE_ADDRESS__)
#define SHELL_TEST_GROWTH_KB	(64 * 1024)
#else
#define SHELL_TEST_GROWTH_KB	(16 * 1024)
#endif

static struct loop *lp;
static struct shell_result *got;
static int ncalls;

/* What the observer saw: the last 64 KiB, and a count. */
static struct buf seen;
static size_t seen_total;

static void
on_done(struct shell_result *r, void *arg)
{
	ncalls++;
	shell_result_free(got);
	got = r;
}

static void
observer(const char *b, size_t n, void *arg)
{
	seen_total += n;
	if (seen.len + n > 65536)
		buf_reset(&seen);
	if (n <= 65536)
		(void)buf_append(&seen, b, n);
}

/* Spin the loop until a result arrives (or 60 s pass). */
static struct shell_result *
wait_result(void)
{
	uint64_t end = util_now_ms() + 60000;

	while (got == NULL && util_now_ms() < end)
		loop_once(lp, 1000);
	return got;
}

static struct shell_result *
run(struct shell *s, const char *cmd, int timeout)
{
	char *cause = NULL;

	shell_result_free(got);
	got = NULL;
	if (shell_run(s, cmd, timeout, on_done, NULL, &cause) != 0) {
		diag("shell_run: %s", cause);
		free(cause);
		return NULL;
	}
	return wait_result();
}

static struct shell_result *
input(struct shell *s, const char *in, int timeout)
{
	char *cause = NULL;

	shell_result_free(got);
	got = NULL;
	if (shell_input(s, in, timeout, on_done, NULL, &cause) != 0) {
		diag("shell_input: %s", cause);
		free(cause);
		return NULL;
	}
	return wait_result();
}

/* Run and compare output and status in one go. */
static void
check(struct shell *s, const char *cmd, const char *want, int want_rc)
{
	struct shell_result *r = run(s, cmd, 20);

	if (!ok(r != NULL, "'%s' finishes", cmd))
		return;
	is_str(r->output, want, "  its output");
	is_int(r->exit_code, want_rc, "  its exit status");
}

/* CPU time this process has used, ms. */
static long
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	    (long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/* Peak resident set (VmHWM) in KiB. */
static long
hwm_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return kb;
}

/* 1 if pid is gone or a zombie. */
static int
pid_gone(long pid)
{
	char path[64], line[256], *p;
	FILE *f;
	int gone = 1;

	(void)snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(line, sizeof line, f) != NULL &&
	    (p = strrchr(line, ')')) != NULL)
		gone = p[2] == 'Z' || p[2] == 'X';
	fclose(f);
	return gone;
}

/* Loop until the shell is not busy (or ms pass). */
static void
wait_idle(struct shell *s, int ms)
{
	uint64_t end = util_now_ms() + (uint64_t)ms;

	while (shell_busy(s) && util_now_ms() < end)
		loop_once(lp, 100);
}

static void
test_paths(struct workspace *ws)
{
	char *p, *want;

	p = ws_to_host(ws, "a/b/../c");
	want = xasprintf("%s/a/c", ws->root);
	is_str(p, want, "relative model path maps under the root");
	free(p);
	free(want);
	p = ws_to_host(ws, "../etc/passwd");
	ok(p == NULL, "'../etc/passwd' is outside the workspace");
	free(p);
	want = xasprintf("%s/../../etc", ws->root);
	p = ws_to_host(ws, want);
	ok(p == NULL, "an absolute path climbing out is refused");
	free(p);
	free(want);
	p = ws_to_host(ws, ws->root);
	is_str(p, ws->root, "the root maps to itself");
	free(p);
	want = xasprintf("%s/x/./y", ws->root);
	p = ws_to_model(ws, want);
	free(want);
	want = xasprintf("%s/x/y", ws->model_root);
	is_str(p, want, "host path maps back to a model path");
	free(p);
	free(want);
}

static void
test_bash(const char *dir)
{
	struct workspace *ws;
	struct shell *s;
	struct shell_result *r;
	char *cause = NULL, *tmp, *cmd;
	long before, after, cpu, bgpid = 0;
	uint64_t t0;
	int i, n, leak;

	ws = ws_local_create(NULL, dir, &cause);
	if (!ok(ws != NULL, "local workspace created")) {
		diag("%s", cause);
		exit(1);
	}
	is_str(ws->shell_name, "bash", "bash is found");
	test_paths(ws);

	/* Leaked fds and secrets must not reach the shell. */
	leak = open("/dev/null", O_RDONLY);
	setenv("LLM_API_KEY", "sk-test-secret", 1);
	s = shell_new(lp, ws, 2000);
	shell_add_observer(s, observer, NULL);
	if (!ok(shell_start(s, 24, 80, &cause) == 0, "shell starts")) {
		diag("%s", cause);
		exit(1);
	}
	ok(ws->pid > 0, "the shell has a pid");
	close(leak);
	unsetenv("LLM_API_KEY");

	/* The first command is queued until the shell is set up. */
	check(s, "echo hello", "hello\n", 0);
	check(s, "ls /proc/$$/fd | tr '\\n' ' '", "0 1 2 255 ", 0);
	check(s, "echo $TERM ${LLM_API_KEY-no-key}", "xterm-256color no-key\n", 0);
	tmp = xasprintf("%s\n", ws->root);
	check(s, "pwd", tmp, 0);
	free(tmp);
	check(s, "cd /tmp && export CADE_T=bar42", "", 0);
	check(s, "pwd; echo $CADE_T", "/tmp\nbar42\n", 0);
	check(s, "false", "", 1);
	check(s, "(exit 7)", "", 7);
	check(s, "echo $?", "7\n", 0);
	check(s, "ls /nonexistent-cade 2>&1 | sed 's/.*No such.*/missing/'",
	    "missing\n", 0);
	check(s, "echo (", "bash: syntax error near unexpected token `newline'\n", 2);
	check(s, "printf 'no newline'", "no newline", 0);

	/* Multi-line input is one paste: literal tabs, a heredoc, no stolen lines. */
	check(s, "cat <<'EOF'\na\tb\n  c\nEOF", "a\tb\n  c\n", 0);
	check(s, "read -t 1 x\necho \"x=[$x]\"", "x=[]\n", 0);
	check(s, "for i in 1 2 3; do\n  echo n$i\ndone", "n1\nn2\nn3\n", 0);

	/* A long single line and a big heredoc go through the paste intact. */
	{
		struct buf big;

		buf_init(&big, 0);
		(void)buf_puts(&big, "echo ");
		for (i = 0; i < 3000; i++)
			(void)buf_puts(&big, "ab ");
		(void)buf_puts(&big, "| wc -c");
		check(s, big.s, "9000\n", 0);
		buf_reset(&big);
		(void)buf_puts(&big, "cat > big.txt <<'EOF'\n");
		for (i = 0; i < 4000; i++)
			(void)buf_printf(&big, "line %d\twith $dollar and `tick`\n", i);
		(void)buf_puts(&big, "EOF\nwc -l < big.txt; rm big.txt");
		t0 = util_now_ms();
		check(s, big.s, "4000\n", 0);
		diag("%zu-byte heredoc in %llu ms", big.len,
		    (unsigned long long)(util_now_ms() - t0));
		buf_free(&big);
	}

	/* An unfinished quote waits for more; C-c gets the prompt back. */
	r = run(s, "echo 'unterminated", 1);
	ok(r != NULL && r->timed_out, "an open quote times out");
	r = input(s, "C-c", 5);
	ok(r != NULL && r->exit_code == 130, "C-c abandons it");
	check(s, "echo fine", "fine\n", 0);

	/* Escape sequences are stripped for the model, raw for observers. */
	buf_reset(&seen);
	check(s, "printf '\\e[31mred\\e[0m \\e]0;title\\a\\e[1;2Hok\\r\\n'",
	    "red ok\n", 0);
	ok(strstr(seen.s, "\033[31mred\033[0m") != NULL,
	    "the observer got the raw colour sequence");
	check(s, "printf 'a\\rb\\r\\nc\\n'", "a\nb\nc\n", 0);

	/* Marker look-alikes in the output do not end the command. */
	check(s, "printf '\\e]6973;cade;0123456789abcdef;E;0\\a'; "
	    "printf '%s\\n' \"$PROMPT_COMMAND\" | grep -c printf; echo after",
	    "1\nafter\n", 0);
	check(s, "printf '\\e]6973;cade;'; head -c 300 /dev/zero | tr '\\0' x; echo; echo tail",
	    "\ntail\n", 0);
	check(s, "echo next", "next\n", 0);

	/* Binary output comes back as valid UTF-8. */
	r = run(s, "head -c 4000 /dev/urandom", 20);
	if (ok(r != NULL, "binary output finishes")) {
		ok(util_utf8_valid(r->output, r->len), "binary output is valid UTF-8");
		is_int(r->exit_code, 0, "  exit 0");
		ok(strchr(r->output, '\033') == NULL, "  no ESC left");
	}
	check(s, "printf '\\xe2\\x82\\xac \\xff\\xfe ok\\n'", "\xe2\x82\xac \xef\xbf\xbd\xef\xbf\xbd ok\n", 0);
	check(s, "echo still-in-sync", "still-in-sync\n", 0);

	/* Output over the limit: head and tail kept, middle counted. */
	r = run(s, "seq 1 100000", 20);
	if (ok(r != NULL, "seq finishes")) {
		ok(r->truncated, "long output is truncated");
		ok(strncmp(r->output, "1\n2\n3\n", 6) == 0, "  the head is kept");
		ok(r->len > 8 && strcmp(r->output + r->len - 8, "\n100000\n") == 0,
		    "  the tail is kept");
		/* ASCII: exactly the limit is kept, the rest of seq's 588895 bytes dropped. */
		is_int((long long)r->dropped, 588895 - 2000, "  the dropped count is exact");
		tmp = xasprintf("[... %zu bytes dropped ...]", r->dropped);
		ok(strstr(r->output, tmp) != NULL, "  the note says how much");
		free(tmp);
		ok(r->len < 2000 + 100, "  the result is near the limit (%zu)", r->len);
	}

	/* 50 MB of output: capped, digest of all of it, small memory. */
	before = hwm_kb();
	n = getenv("CADE_TEST_QUICK") != NULL ? 2000000 : 50000000;
	cmd = xasprintf("yes | head -c %d", n);
	t0 = util_now_ms();
	seen_total = 0;
	cpu = cpu_ms();
	r = run(s, cmd, 120);
	cpu = cpu_ms() - cpu;
	free(cmd);
	after = hwm_kb();
	if (ok(r != NULL, "yes | head -c %d finishes", n)) {
		struct sha256 sh;
		uint8_t md[32];
		char hex[65];
		int j;

		diag("%d bytes in %llu ms (cade CPU %ld ms), observers saw %zu bytes",
		    n, (unsigned long long)(util_now_ms() - t0), cpu, seen_total);
		is_int(r->exit_code, 0, "  exit 0");
		ok(r->truncated && r->dropped + 1900 > (size_t)n - 2000 &&
		    r->dropped <= (size_t)n, "  capped (%zu dropped)", r->dropped);
		sha256_init(&sh);
		for (j = 0; j < n / 2; j++)
			sha256_update(&sh, "y\n", 2);
		sha256_final(&sh, md);
		for (j = 0; j < 32; j++)
			(void)snprintf(hex + 2 * j, 3, "%02x", md[j]);
		is_str(r->digest, hex, "  the digest covers the whole output");
		ok(seen_total > (size_t)n, "  observers got the raw stream");
	}
	diag("VmHWM %ld kB -> %ld kB", before, after);
	ok(after - before < 4 * SHELL_TEST_GROWTH_KB, "peak RSS grew by less "
	    "than %d MB", 4 * SHELL_TEST_GROWTH_KB / 1024);

	/* A long command hits its timeout, keeps running, then C-c ends it. */
	t0 = util_now_ms();
	r = run(s, "echo started; sleep 100", 1);
	if (ok(r != NULL, "sleep 100 returns at its timeout")) {
		ok(r->timed_out, "  timed_out");
		is_int(r->exit_code, -1, "  exit code unknown");
		is_str(r->output, "started\n", "  output so far");
		ok(util_now_ms() - t0 < 3000, "  after about 1 s");
	}
	ok(shell_busy(s), "the shell is still busy");
	ok(shell_run(s, "true", 5, on_done, NULL, &cause) == -1,
	    "a new command is refused while busy");
	free(cause);
	cause = NULL;
	r = input(s, "C-c", 10);
	if (ok(r != NULL, "C-c is sent")) {
		ok(!r->timed_out, "  the command finished");
		is_int(r->exit_code, 130, "  exit 130");
	}
	ok(!shell_busy(s), "the shell is free again");
	check(s, "echo after-interrupt", "after-interrupt\n", 0);

	/* Endless output with a timeout: bounded, then interrupted. */
	before = hwm_kb();
	r = run(s, "yes", 2);
	if (ok(r != NULL, "yes returns at its timeout"))
		ok(r->timed_out && r->truncated && r->len < 2100,
		    "  timed out with capped output");
	r = input(s, "C-c", 10);
	if (ok(r != NULL, "C-c stops yes"))
		is_int(r->exit_code, 130, "  exit 130");
	after = hwm_kb();
	ok(after - before < SHELL_TEST_GROWTH_KB, "endless output did not grow "
	    "memory (%ld kB)", after - before);
	check(s, "echo synced", "synced\n", 0);

	/* A command finishing after its timeout: the next input reports it. */
	r = run(s, "sleep 1.5; echo late", 1);
	ok(r != NULL && r->timed_out, "sleep 1.5 times out after 1 s");
	wait_idle(s, 5000);
	ok(!shell_busy(s), "it finishes in the background");
	r = input(s, "y", 5);
	if (ok(r != NULL, "input after it finished")) {
		ok(strncmp(r->output, "late\n", 5) == 0, "  has the late output");
		is_int(r->exit_code, 0, "  and its exit status");
	}

	/* Input to a program reading the terminal. */
	r = run(s, "read -p 'name? ' n; echo \"hi $n\"", 1);
	ok(r != NULL && r->timed_out && strcmp(r->output, "name? ") == 0,
	    "a prompt waiting for input times out showing the prompt");
	r = input(s, "cade", 5);
	if (ok(r != NULL, "text is typed with Enter")) {
		ok(strstr(r->output, "hi cade\n") != NULL, "  the program got it");
		is_int(r->exit_code, 0, "  and finished");
	}

	/* Window size reaches the shell. */
	ok(shell_resize(s, 33, 101) == 0, "resize");
	check(s, "stty size", "33 101\n", 0);

	/* Background jobs persist between commands. */
	r = run(s, "sleep 30 & echo $!", 10);
	if (r != NULL)
		(void)util_parse_long(util_trim(r->output), 1, 1 << 30, &bgpid);
	r = run(s, "jobs", 10);
	ok(r != NULL && strstr(r->output, "sleep 30") != NULL,
	    "a background job is still there");
	check(s, "kill %1; wait %1 2>/dev/null; jobs", "", 0);

	/* The person types a command in the pane. */
	buf_reset(&seen);
	shell_write_user(s, "echo typed-by-person\r", 21);
	ok(shell_user_idle_ms(s) < 1000, "typing is timed");
	t0 = util_now_ms();
	while (strstr(seen.s, "\atyped-by-person\r\n") == NULL &&
	    util_now_ms() - t0 < 5000)
		loop_once(lp, 100);
	ok(strstr(seen.s, "\atyped-by-person\r\n") != NULL,
	    "the person's command ran");
	wait_idle(s, 5000);
	shell_write_user(s, "echo half-typed", 15);
	loop_once(lp, 200);
	check(s, "echo agent", "agent\n", 0);

	/* Round trip of a trivial command. */
	t0 = util_now_ms();
	for (i = 0; i < 50; i++) {
		r = run(s, "true", 10);
		if (r == NULL || r->exit_code != 0)
			break;
	}
	ok(i == 50, "50 trivial commands");
	diag("trivial command round trip: %.2f ms",
	    (double)(util_now_ms() - t0) / 50.0);

	/* exit while a job holds the pty: still detected (SIGCHLD). */
	r = run(s, "sleep 60 & echo $!", 10);
	if (r != NULL)
		(void)util_parse_long(util_trim(r->output), 1, 1 << 30, &bgpid);
	r = run(s, "exit", 10);
	if (ok(r != NULL, "exit is reported")) {
		is_int(r->exit_code, -1, "  no exit status");
		ok(strstr(r->output, "[the shell exited]") != NULL, "  with a note");
	}
	ok(shell_dead(s), "the shell is dead");
	ok(shell_run(s, "true", 5, on_done, NULL, &cause) == -1 &&
	    strstr(cause, "exited") != NULL, "commands are refused");
	free(cause);
	cause = NULL;

	/* A fresh shell after death. */
	ok(shell_start(s, 24, 80, &cause) == 0, "the shell restarts");
	free(cause);
	cause = NULL;
	check(s, "echo again", "again\n", 0);
	n = ncalls;
	r = run(s, "sleep 50 & sleep 0.1", 10);
	shell_free(s);
	ws_destroy(ws);
	ok(bgpid == 0 || pid_gone(bgpid), "destroying the workspace ended the old job");
	is_int(ncalls, n + 1, "each call got exactly one result");
	shell_result_free(got);
	got = NULL;
}

/* spawn_pty's failures come back as reasons, not as exit 127. */
static void
test_spawn(void)
{
	const char *argv1[] = { "cade-no-such-program", NULL };
	const char *argv2[] = { "true", NULL };
	struct spawn_pty_args a;
	char *cause = NULL;
	int fd, i, r = 0, st = 0;
	pid_t pid;

	memset(&a, 0, sizeof a);
	a.argv = argv1;
	pid = spawn_pty(&a, &fd, &cause);
	ok(pid == -1 && cause != NULL && strstr(cause, "not found") != NULL,
	    "spawn: missing program (%s)", cause ? cause : "");
	free(cause);
	cause = NULL;
	a.argv = argv2;
	a.cwd = "/nonexistent-cade-dir";
	pid = spawn_pty(&a, &fd, &cause);
	ok(pid == -1 && cause != NULL && strstr(cause, "No such file") != NULL,
	    "spawn: bad cwd is reported by the child (%s)", cause ? cause : "");
	free(cause);
	cause = NULL;
	a.cwd = NULL;
	pid = spawn_pty(&a, &fd, &cause);
	if (ok(pid > 0, "spawn: true runs")) {
		for (i = 0; i < 200 && (r = spawn_reap(pid, &st)) == 0; i++)
			usleep(10000);
		ok(r == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "spawn: reaped with status 0");
		close(fd);
	}
	free(cause);
}

/* /bin/sh without readline: markers in PS1, echo skipped by lines. */
static void
test_sh(const char *dir)
{
	struct workspace *ws;
	struct shell *s;
	struct shell_result *r;
	char *cause = NULL, *bin, *oldpath;
	const char *tools[] = { "sleep", "cat", "printf", "head", NULL };
	int i;

	/* A PATH with no bash in it. */
	bin = xasprintf("%s/bin", dir);
	mkdir(bin, 0700);
	for (i = 0; tools[i] != NULL; i++) {
		char *src = spawn_which(tools[i]), *dst;

		dst = xasprintf("%s/%s", bin, tools[i]);
		if (src != NULL && symlink(src, dst) != 0)
			diag("symlink %s: %s", dst, strerror(errno));
		free(src);
		free(dst);
	}
	oldpath = xstrdup(getenv("PATH"));
	setenv("PATH", bin, 1);
	ws = ws_local_create(NULL, dir, &cause);
	if (ws == NULL) {
		diag("%s", cause);
		exit(1);
	}
	is_str(ws->shell_name, "sh", "without bash, sh is used");
	s = shell_new(lp, ws, 1000);
	ok(shell_start(s, 24, 80, &cause) == 0, "sh starts");
	setenv("PATH", oldpath, 1);
	free(oldpath);
	check(s, "echo one", "one\n", 0);
	check(s, "cd /tmp; false", "", 1);
	check(s, "pwd", "/tmp\n", 0);
	check(s, "printf '\\033[32mgreen\\033[0m\\n'", "green\n", 0);
	check(s, "for i in 1 2; do\necho n$i\ndone", "n1\nn2\n", 0);
	check(s, "cd /\necho two\npwd", "two\n/\n", 0);
	r = run(s, "sleep 100", 1);
	ok(r != NULL && r->timed_out, "sh: timeout");
	r = input(s, "C-c", 10);
	ok(r != NULL && !r->timed_out && r->exit_code == 130,
	    "sh: C-c ends it with 130 (%d)", r != NULL ? r->exit_code : -2);
	check(s, "echo ok", "ok\n", 0);
	shell_free(s);
	ws_destroy(ws);
	shell_result_free(got);
	got = NULL;

	/* bash without line editing: detected at setup, plain lines typed. */
	{
		char *real = spawn_which("bash"), *wrap = xasprintf("%s/bash", bin);
		FILE *f = fopen(wrap, "w");

		if (f != NULL) {
			fprintf(f, "#!/bin/sh\nexec %s --noediting \"$@\"\n", real);
			fclose(f);
			chmod(wrap, 0755);
		}
		oldpath = xstrdup(getenv("PATH"));
		setenv("PATH", bin, 1);
		ws = ws_local_create(NULL, dir, &cause);
		s = shell_new(lp, ws, 1000);
		ok(shell_start(s, 24, 80, &cause) == 0, "bash --noediting starts");
		setenv("PATH", oldpath, 1);
		free(oldpath);
		check(s, "echo one", "one\n", 0);
		check(s, "cd /tmp\necho two\npwd", "two\n/tmp\n", 0);
		check(s, "(exit 3)", "", 3);
		r = run(s, "sleep 100", 1);
		ok(r != NULL && r->timed_out, "noediting: timeout");
		r = input(s, "C-c", 10);
		ok(r != NULL && r->exit_code == 130, "noediting: C-c");
		check(s, "echo ok", "ok\n", 0);
		shell_free(s);
		ws_destroy(ws);
		shell_result_free(got);
		got = NULL;
		free(real);
		free(wrap);
	}
	free(bin);
}

int
main(void)
{
	char tmpl[] = "/tmp/cade-test-shell.XXXXXX", *dir, *cmd;

	signal(SIGPIPE, SIG_IGN);
	if ((dir = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	lp = loop_new();
	buf_init(&seen, 0);
	test_spawn();
	test_bash(dir);
	test_sh(dir);
	buf_free(&seen);
	loop_free(lp);
	cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	return tap_done();
}
