/*
 * test_shellparse.c: the static shell parser (src/policy/shellparse.c).
 *
 * Each case parses real shell text and compares a compact dump of the
 * simple commands: words after quote removal, flags, redirections, links.
 * Where it matters, the expectation was checked against bash itself.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "../src/policy/shellparse.h"
#include "tap.h"

#define PARSE(s)	shp_parse(s, strlen(s))

/* Commands as "w1 w2 ..." joined by " ; " (empty commands skipped). */
static char *
dump(const struct shp_result *r)
{
	struct buf b;
	char *out;
	size_t i, j;
	const struct shp_cmd *c;

	buf_init(&b, 0);
	for (i = 0; i < r->ncmd; i++) {
		c = &r->cmd[i];
		if (c->argc == 0 && c->nassign == 0 && c->nredir == 0)
			continue;
		if (b.len > 0)
			(void)buf_puts(&b, " ; ");
		for (j = 0; j < c->nassign; j++)
			(void)buf_printf(&b, "%s%s", j ? " " : "", c->assign[j].s);
		for (j = 0; j < c->argc; j++)
			(void)buf_printf(&b, "%s%s", j || c->nassign ? " " : "",
			    c->argv[j].s);
		for (j = 0; j < c->nredir; j++)
			(void)buf_printf(&b, "%s<%d:%d:%s>", j || c->argc ||
			    c->nassign ? " " : "", c->redir[j].fd,
			    (int)c->redir[j].op, c->redir[j].target.s);
	}
	out = buf_detach(&b, NULL);
	buf_free(&b);
	return out;
}

/* A test name from shell text: newlines shown as \n. */
static void
name_of(char *out, size_t size, const char *prefix, const char *s)
{
	size_t n = strlen(prefix), i;

	snprintf(out, size, "%s", prefix);
	for (i = 0; s[i] != '\0' && n + 3 < size && i < 200; i++) {
		if (s[i] == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
		} else
			out[n++] = s[i];
	}
	out[n] = '\0';
}

/* Parse s and compare the dump. */
static void
is_parse(const char *s, const char *want)
{
	struct shp_result *r = shp_parse(s, strlen(s));
	char *got = dump(r);
	char name[256];

	name_of(name, sizeof name, "parse: ", s);
	is_str(got, want, name);
	free(got);
	shp_result_free(r);
}

/* The first non-empty command of a parse. */
static const struct shp_cmd *
first(const struct shp_result *r)
{
	size_t i;

	for (i = 0; i < r->ncmd; i++)
		if (r->cmd[i].argc > 0)
			return &r->cmd[i];
	return NULL;
}

/* Flags of argv[i] of the first command. */
static unsigned
wflags(const char *s, size_t i)
{
	struct shp_result *r = shp_parse(s, strlen(s));
	const struct shp_cmd *c = first(r);
	unsigned f = c != NULL && i < c->argc ? c->argv[i].flags : 0xffff;

	shp_result_free(r);
	return f;
}

/* Byte-at-a-time feeding gives the same result as one feed. */
static void
is_incremental(const char *s)
{
	struct shp *p = shp_new();
	struct shp_result *a, *b;
	char *da, *db, name[256];
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		shp_feed(p, s + i, 1);
	a = shp_finish(p);
	b = shp_parse(s, strlen(s));
	da = dump(a);
	db = dump(b);
	name_of(name, sizeof name, "byte at a time: ", s);
	ok(strcmp(da, db) == 0 && a->incomplete == b->incomplete &&
	    a->ncmd == b->ncmd, "%s", name);
	free(da);
	free(db);
	shp_result_free(a);
	shp_result_free(b);
}

int
main(void)
{
	struct shp_result *r;
	const struct shp_cmd *c;
	struct buf big;
	size_t i;
	static const char *const inc[] = {
		"echo \"$(ls 'a b')\" `id` ${x:-$(pwd)} $((1+2)) <(cat f)",
		"cat <<EOF | sh\nrm -rf /\nEOF\necho done",
		"case $x in a|b) ls;; *) pwd;; esac",
		"a=(1 2 $(ls)) cmd 2>&1 >>log",
		"$'\\x72\\u006d' -rf \\\n  ~/ # comment",
	};

	/* quote removal: all of these run rm */
	is_parse("'r'm -rf /", "rm -rf /");
	is_parse("\"rm\" -rf /", "rm -rf /");
	is_parse("r\\m -rf /", "rm -rf /");
	is_parse("r''m -rf /", "rm -rf /");
	is_parse("$'\\x72\\x6d' -rf /", "rm -rf /");
	is_parse("$'\\162\\155' x", "rm x");
	is_parse("$'\\u0072m' x", "rm x");
	is_parse("echo \"a\\\"b\\$c\\d\" 'x'\"y\" ab\\ c", "echo a\"b$c\\d xy ab c");
	is_parse("echo '' \"\"", "echo  ");

	/* operators */
	is_parse("a; b && c || d & e | f |& g", "a ; b ; c ; d ; e ; f ; g");
	is_parse("a\nb\n\nc", "a ; b ; c");
	is_parse("function g { id; }; function h() { pwd; }", "id ; pwd");
	is_parse("a &&\n b ||\n c |\n d", "a ; b ; c ; d");
	is_parse("ls # rm -rf /", "ls");
	is_parse("echo a#b", "echo a#b");
	is_parse("echo x\\\ny", "echo xy");

	/* redirections: fd, op, target */
	is_parse("cmd 2>&1 >out <in >>app &>all &>>all2 >|f <>rw",
	    "cmd <2:6:1> <-1:1:out> <-1:0:in> <-1:2:app> <-1:7:all> "
	    "<-1:8:all2> <-1:3:f> <-1:4:rw>");
	is_parse("cat <<< \"$x y\"", "cat <-1:10:$x y>");
	is_parse("> /etc/passwd", "<-1:1:/etc/passwd>");
	is_parse("echo 12>x", "echo <12:1:x>");
	is_parse("echo a2>x", "echo a2 <-1:1:x>");

	/* assignments and words that only look like them */
	is_parse("A=1 B=\"x y\" cmd C=2", "A=1 B=x y cmd C=2");
	r = PARSE("A=1 \"B\"=2 cmd");
	c = first(r);
	ok(c != NULL && c->nassign == 1 && c->argc == 2 &&
	    strcmp(c->argv[0].s, "B=2") == 0, "a quoted name is not an assignment");
	shp_result_free(r);

	/* compound commands flatten */
	is_parse("if true; then rm -rf /; else ls; fi",
	    "true ; rm -rf / ; ls");
	is_parse("for f in *.c; do gcc -c \"$f\"; done", "gcc -c $f");
	is_parse("while read l; do echo $l; done < in", "read l ; echo $l ; <-1:0:in>");
	is_parse("case $x in a|b) rm x;; *) ls;; esac; pwd", "rm x ; ls ; pwd");
	is_parse("f() { :|:& }; f", ": ; : ; f");
	is_parse("function g { id; }", "id");
	is_parse("{ ls; pwd; } > out", "ls ; pwd ; <-1:1:out>");
	is_parse("! grep -q x f && echo no", "grep -q x f ; echo no");
	is_parse("for ((i=0;i<3;i++)); do echo $i; done", "echo $i");
	is_parse("[[ -f x ]] && rm x", "[[ -f x ]] ; rm x");

	/* substitutions: the outer word keeps the text, inner commands are parsed */
	r = PARSE("echo \"$(ls \"a b\")\" `id`");
	ok(r->ncmd == 3 && strcmp(r->cmd[0].argv[1].s, "$(ls \"a b\")") == 0 &&
	    strcmp(r->cmd[0].argv[2].s, "`id`") == 0,
	    "substitution text kept in the outer word");
	ok(r->cmd[1].parent == 0 && r->cmd[1].ctx == SHP_CTX_CMDSUB &&
	    r->cmd[1].argc == 2 && strcmp(r->cmd[1].argv[1].s, "a b") == 0,
	    "inner command of $(...) linked to its parent");
	ok(r->cmd[2].parent == 0 && r->cmd[2].ctx == SHP_CTX_BACKTICK,
	    "backtick command linked to its parent");
	shp_result_free(r);
	r = PARSE("bash <(curl -s x)");
	ok(r->ncmd == 2 && r->cmd[1].parent == 0 &&
	    r->cmd[1].ctx == SHP_CTX_PROCSUB && (r->cmd[0].argv[1].flags &
	    SHP_PROCSUB), "process substitution");
	shp_result_free(r);
	is_parse("echo ${x:-$(rm -rf /)}", "echo ${x:-$(rm -rf /)} ; rm -rf /");
	is_parse("x=$(( $(id -u) + 1 ))", "x=$(( $(id -u) + 1 )) ; id -u");
	is_parse("a=(1 $(ls) 3) b", "a=(1 $(ls) 3) b ; ls");
	is_parse("(cd /tmp; rm -rf x)", "cd /tmp ; rm -rf x");

	/* pipelines */
	r = PARSE("curl x | (cd /; sh) ; ls");
	ok(r->ncmd == 4 && r->cmd[0].pipe_out && !r->cmd[0].pipe_in &&
	    r->cmd[1].pipe_in && r->cmd[2].pipe_in &&
	    r->cmd[2].pipeline == r->cmd[0].pipeline && !r->cmd[3].pipe_in &&
	    r->cmd[3].pipeline != r->cmd[0].pipeline,
	    "a subshell in a pipeline reads the pipe");
	shp_result_free(r);

	/* here-documents */
	r = PARSE("cat <<EOF | sh\nrm -rf $HOME\nEOF\necho done");
	ok(r->ncmd == 3 && r->cmd[0].nredir == 1 &&
	    r->cmd[0].redir[0].op == SHP_R_HEREDOC &&
	    strcmp(r->cmd[0].redir[0].body, "rm -rf $HOME\n") == 0 &&
	    (r->cmd[0].redir[0].body_flags & SHP_VAR) && r->cmd[1].pipe_in &&
	    strcmp(r->cmd[2].argv[0].s, "echo") == 0, "here-document body");
	shp_result_free(r);
	r = PARSE("cat <<-'X'\n\thi $y\n\tX\nnext");
	ok(r->ncmd == 2 && strcmp(r->cmd[0].redir[0].body, "\thi $y\n") == 0 &&
	    r->cmd[0].redir[0].body_flags == 0 && !r->incomplete,
	    "<<- with a quoted delimiter: literal, tabs stripped for the end");
	shp_result_free(r);

	/* word flags */
	is_int(wflags("echo $HOME", 1), SHP_VAR, "$NAME is a variable");
	is_int(wflags("echo \"${x}\"", 1), SHP_VAR | SHP_QUOTED, "${x} quoted");
	is_int(wflags("echo $(ls)", 1), SHP_CMDSUB, "$(...)");
	is_int(wflags("echo $((1+2))", 1), SHP_ARITH, "$((...))");
	is_int(wflags("ls *.c", 1), SHP_GLOB, "glob");
	is_int(wflags("ls '*.c'", 1), SHP_QUOTED, "quoted glob is literal");
	is_int(wflags("ls ~/x", 1), SHP_TILDE, "tilde");
	is_int(wflags("echo {a,b}", 1), SHP_BRACE, "brace expansion");
	is_int(wflags("[ -f x ]", 0), 0, "[ is a command, not a glob");
	is_int(wflags("echo `echo \\`id\\``", 1) & SHP_OPAQUE, SHP_OPAQUE,
	    "nested old-style substitution is opaque");

	/* incomplete input */
	r = PARSE("echo \"unterminated");
	ok(r->incomplete, "unterminated double quote");
	shp_result_free(r);
	r = PARSE("echo $(ls");
	ok(r->incomplete && r->ncmd == 2, "unterminated $(: still parsed");
	shp_result_free(r);
	r = PARSE("ls >");
	ok(r->incomplete, "redirection without a target");
	shp_result_free(r);
	r = PARSE("echo (rm -rf /)");
	ok(r->incomplete, "a word after 'name (' is a syntax error");
	shp_result_free(r);
	r = PARSE("ls; ls");
	ok(!r->incomplete, "complete input is complete");
	shp_result_free(r);

	/* limits */
	buf_init(&big, 0);
	for (i = 0; i < 40; i++)
		(void)buf_puts(&big, "$(");
	(void)buf_puts(&big, "id");
	for (i = 0; i < 40; i++)
		(void)buf_puts(&big, ")");
	r = shp_parse(big.s, big.len);
	ok(r->toodeep, "40 levels of nesting: toodeep");
	shp_result_free(r);
	buf_reset(&big);
	for (i = 0; i < 5000; i++)
		(void)buf_puts(&big, "a;");
	r = shp_parse(big.s, big.len);
	ok(r->toobig && r->ncmd <= 4097, "5000 commands: toobig, bounded");
	shp_result_free(r);
	buf_free(&big);

	for (i = 0; i < nitems(inc); i++)
		is_incremental(inc[i]);

	ok(shp_is_assignment("A_1=x") && shp_is_assignment("a[2]+=x") &&
	    !shp_is_assignment("1A=x") && !shp_is_assignment("-x=1"),
	    "shp_is_assignment");
	return tap_done();
}
