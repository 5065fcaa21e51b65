/*
 * test_tui_wrap.c: the TUI's pure layout parts: UTF-8 decoding, wcwidth,
 * word wrapping (wide characters, combining marks, long words), markdown
 * rendering, code-block copy, and the chat model fed with real events.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/event.h"
#include "cade/util.h"
#include "../src/tui/tui-int.h"
#include "tap.h"

/* Text of line i of ls. */
static char *
line(const struct tui_lines *ls, int i)
{
	static char *last;

	free(last);
	last = i < ls->n ? tui_line_text(&ls->v[i]) : xstrdup("(none)");
	return last;
}

/* Wrap one plain string at width and return the lines. */
static void
wrap(struct tui_lines *out, const char *s, int width)
{
	struct tui_wrap w;

	tui_lines_init(out);
	tui_wrap_begin(&w, out, width, ROLE_NORMAL, 0, NULL, 0, NULL, 0);
	tui_wrap_text(&w, s, strlen(s), ROLE_NORMAL);
	tui_wrap_end(&w);
}

/* 1 if every line fits width. */
static int
all_fit(const struct tui_lines *ls, int width)
{
	int i;

	for (i = 0; i < ls->n; i++)
		if (ls->v[i].width > width ||
		    tui_wcswidth(ls->v[i].wc, ls->v[i].len) != ls->v[i].width)
			return 0;
	return 1;
}

static void
test_width(void)
{
	wchar_t *w;
	int n;

	w = tui_utf8_to_wcs("a\xc3\xa9\xe4\xb8\xad", 6, &n);
	is_int(n, 3, "utf-8: three characters decoded");
	is_int(tui_wcswidth(w, n), 4, "wcwidth: CJK counts two columns");
	free(w);
	w = tui_utf8_to_wcs("e\xcc\x81", 3, &n);
	is_int(n, 2, "combining: base plus mark");
	is_int(tui_wcswidth(w, n), 1, "combining mark takes no column");
	free(w);
	w = tui_utf8_to_wcs("a\xff" "b\xe4\xb8", 5, &n);
	ok(n == 4 && w[1] == 0xfffd && w[3] == 0xfffd,
	    "invalid and truncated UTF-8 become U+FFFD");
	free(w);
}

static void
test_wrap(void)
{
	struct tui_lines ls;
	struct tui_wrap w;
	wchar_t ind[] = L"  ";

	wrap(&ls, "the quick brown fox jumps over the lazy dog", 10);
	is_str(line(&ls, 0), "the quick", "wrap: breaks at a space");
	is_str(line(&ls, 1), "brown fox", "wrap: second line");
	is_str(line(&ls, 2), "jumps over", "wrap: exact fit");
	is_str(line(&ls, 3), "the lazy", "wrap: fourth line");
	is_str(line(&ls, 4), "dog", "wrap: last word");
	ok(all_fit(&ls, 10), "wrap: every line fits");
	tui_lines_free(&ls);

	wrap(&ls, "abcdefghijklmnopqrstuvwxyz", 10);
	is_int(ls.n, 3, "long word: split over three lines");
	is_str(line(&ls, 0), "abcdefghij", "long word: cut at the edge");
	tui_lines_free(&ls);

	/* Five CJK characters (10 columns) into 7 columns: never half a char. */
	wrap(&ls, "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97\xe7\xac\xa6\xe4\xb8\xb2", 7);
	is_int(ls.n, 2, "wide: two lines");
	is_int(ls.v[0].width, 6, "wide: first line stops at 6 of 7 columns");
	ok(all_fit(&ls, 7), "wide: fits");
	tui_lines_free(&ls);

	wrap(&ls, "cafe\xcc\x81 cafe\xcc\x81 cafe\xcc\x81", 10);
	is_str(line(&ls, 0), "cafe\xcc\x81 cafe\xcc\x81", "combining: the mark stays with its base");
	is_int(ls.v[0].width, 9, "combining: measured as 9 columns");
	tui_lines_free(&ls);

	wrap(&ls, "one\ntwo three", 20);
	is_int(ls.n, 2, "newline: hard break kept");
	is_str(line(&ls, 1), "two three", "newline: second line");
	tui_lines_free(&ls);

	tui_lines_init(&ls);
	tui_wrap_begin(&w, &ls, 12, ROLE_NORMAL, 0, "- ", ROLE_BULLET, ind, 0);
	tui_wrap_text(&w, "alpha beta gamma delta", 22, ROLE_NORMAL);
	tui_wrap_end(&w);
	is_str(line(&ls, 0), "- alpha beta", "hanging indent: prefix on line 1");
	is_str(line(&ls, 1), "  gamma", "hanging indent: indent after");
	ok(ls.v[0].role[0] == ROLE_BULLET && ls.v[0].role[3] == ROLE_NORMAL,
	    "roles: prefix and text keep their roles");
	tui_lines_free(&ls);

	tui_lines_init(&ls);
	tui_line_cut(&ls, 8, ROLE_NORMAL, 0, NULL, 0, "0123456789", 10, ROLE_CODE);
	is_str(line(&ls, 0), "0123456\xe2\x80\xa6", "cut: ellipsis at the edge");
	is_int(ls.v[0].width, 8, "cut: exactly the width");
	tui_lines_free(&ls);
}

/* Find a line containing s; its index or -1. */
static int
find(const struct tui_lines *ls, const char *s)
{
	int i;
	char *t;

	for (i = 0; i < ls->n; i++) {
		t = tui_line_text(&ls->v[i]);
		if (strstr(t, s) != NULL) {
			free(t);
			return i;
		}
		free(t);
	}
	return -1;
}

static void
test_markdown(void)
{
	struct tui_lines ls;
	const char *md =
	    "# Title\n"
	    "Some **bold** and `code` here.\n"
	    "\n"
	    "- first item that is long enough to wrap around\n"
	    "- second\n"
	    "1. numbered\n"
	    "\n"
	    "```c\n"
	    "int main(void) { return 0; } /* a very long line that must not wrap */\n"
	    "```\n"
	    "after";
	int n, i, j;

	tui_lines_init(&ls);
	tui_md_render(&ls, md, strlen(md), 30, ROLE_ASSISTANT, 0, &n);
	is_int(n, 1, "markdown: one code block counted");
	is_str(line(&ls, 0), "Title", "heading: markers removed");
	ok(ls.v[0].role[0] == ROLE_HEADING, "heading: heading role");
	i = find(&ls, "Some bold and code here.");
	ok(i >= 0, "inline: markers removed");
	if (i >= 0) {
		j = 5;	/* 'b' of bold */
		ok(ls.v[i].role[j] == ROLE_BOLD, "inline: bold role");
		ok(ls.v[i].role[14] == ROLE_CODE, "inline: code role");
	}
	i = find(&ls, "first item");
	ok(i >= 0 && strncmp(line(&ls, i), "\xe2\x80\xa2 first", 7) == 0,
	    "list: bullet glyph");
	ok(i >= 0 && strncmp(line(&ls, i + 1), "  ", 2) == 0,
	    "list: continuation indented under the text");
	ok(find(&ls, "1. numbered") >= 0, "list: numbered kept");
	i = find(&ls, "int main");
	ok(i >= 0, "code block: present");
	if (i >= 0) {
		ok(ls.v[i].width == 30, "code block: cut at the width, not wrapped");
		ok(strstr(line(&ls, i + 1), "must not") == NULL,
		    "code block: the rest is not wrapped onto a new line");
		ok(strstr(line(&ls, i - 1), "c") != NULL &&
		    ls.v[i - 1].role[0] == ROLE_CODEBLOCK_FRAME,
		    "code block: framed with the language");
	}
	ok(find(&ls, "after") > i, "text after the block");
	ok(all_fit(&ls, 30), "markdown: every line fits");
	tui_lines_free(&ls);
}

/* Roles of a code line in lang: one char a cell ('k' keyword, 's' string,
 * 'c' comment, 'n' number, '.' plain, '+'/'-'/'@'/'h' diff). */
static const char *
hl(const char *lang, const char *src, struct tui_md_hl *st)
{
	static char out[256];
	wchar_t ws[256];
	uint8_t roles[256];
	int n = (int)mbstowcs(ws, src, 255), i;

	tui_md_highlight(lang, ws, n, roles, st);
	for (i = 0; i < n; i++)
		out[i] = roles[i] == ROLE_CODE_KEYWORD ? 'k' :
		    roles[i] == ROLE_CODE_STRING ? 's' :
		    roles[i] == ROLE_CODE_COMMENT ? 'c' :
		    roles[i] == ROLE_CODE_NUMBER ? 'n' :
		    roles[i] == ROLE_DIFF_ADD ? '+' : roles[i] == ROLE_DIFF_DEL ?
		    '-' : roles[i] == ROLE_DIFF_HUNK ? '@' :
		    roles[i] == ROLE_DIFF_HEADER ? 'h' : '.';
	out[n] = '\0';
	return out;
}

static void
test_highlight(void)
{
	struct tui_md_hl b;
	struct tui_lines ls;
	int i;
	const char *md = "```python\ndef f(): return \"x\"  # done\n```\n";

	memset(&b, 0, sizeof b);
	is_str(hl("c", "int x = 42; /* a", &b), "kkk.....nn..cccc", "C: keyword, number, comment opened");
	ok(b.span != 0, "C: a comment open at the end of a line carries on");
	is_str(hl("c", "b */ return \"s\\\"\";", &b), "cccc.kkkkkk.sssss.", "C: comment closed, keyword, string with an escape");
	memset(&b, 0, sizeof b);
	is_str(hl("sh", "echo 'hi' # x", &b), "kkkk.ssss.ccc", "shell: keyword, string, comment");
	is_str(hl("bash", "a#b", &b), "...", "shell: # inside a word is no comment");
	is_str(hl("Python", "def f(): pass", &b), "kkk......kkkk", "Python (any case): def, pass");
	is_str(hl("ts", "const s = `t`;", &b), "kkkkk.....sss.", "TS: const, template string");
	is_str(hl("go", "func f() // c", &b), "kkkk.....cccc", "Go: func, comment");
	is_str(hl("rust", "let mut v = 1.5;", &b), "kkk.kkk.....nnn.", "Rust: let mut, number");
	is_str(hl("json", "{\"a\": true, \"n\": 3}", &b), ".sss..kkkk..sss..n.", "JSON: strings, true, number");
	is_str(hl("yaml", "key: 'v' # c", &b), ".....sss.ccc", "YAML: string, comment");
	is_str(hl("diff", "+add", &b), "++++", "diff: added line");
	is_str(hl("diff", "-del", &b), "----", "diff: removed line");
	is_str(hl("diff", "@@ -1 +1 @@", &b), "@@@@@@@@@@@", "diff: hunk header");
	is_str(hl("diff", "+++ b/x", &b), "hhhhhhh", "diff: file header");
	is_str(hl("cobol", "if 1", &b), "....", "unknown language: plain");
	is_str(hl("", "if 1", &b), "....", "no language: plain");

	tui_lines_init(&ls);
	tui_md_render(&ls, md, strlen(md), 60, ROLE_ASSISTANT, 0, NULL);
	ok(ls.n == 3 && ls.v[1].role[2] == ROLE_CODE_KEYWORD &&
	    ls.v[1].role[2 + 16] == ROLE_CODE_STRING &&
	    ls.v[1].role[ls.v[1].len - 1] == ROLE_CODE_COMMENT,
	    "render: a fenced python line is coloured after its frame prefix");
	tui_lines_free(&ls);
	md = "Intro\n\n| Name | Notes |\n|:-----|------:|\n| cade | a terminal coding agent in C |\n| x | y |\nafter\n";
	tui_lines_init(&ls);
	tui_md_render(&ls, md, strlen(md), 24, ROLE_ASSISTANT, 0, NULL);
	i = find(&ls, "Name");
	ok(i >= 0 && all_fit(&ls, 24), "table: drawn, every line fits");
	if (i >= 0) {
		/* One call: line() frees its previous result. */
		ok(strncmp(line(&ls, i), "\xe2\x94\x82 Name", 6) == 0 &&
		    ls.v[i].role[2] == ROLE_BOLD, "table: header row in cells, bold");
		ok(strchr(line(&ls, i), '|') == NULL && strstr(line(&ls, i + 1),
		    "\xe2\x94\x80\xe2\x94\x80") != NULL, "table: no pipes; a rule under the header");
		ok(strstr(line(&ls, i + 2), "cade") != NULL &&
		    strstr(line(&ls, i + 3), "cade") == NULL &&
		    strstr(line(&ls, i + 3), "ding") != NULL, "table: a long cell wraps onto more rows of its line");
		ok(ls.v[i].width == ls.v[i + 2].width && ls.v[i + 2].width ==
		    ls.v[i + 3].width, "table: rows aligned (same width)");
	}
	ok(find(&ls, "after") > i, "table: the text after it is prose again");
	tui_lines_free(&ls);
	md = "```a-language-name-far-too-long-for-the-frame\nx\n```\n---";
	tui_lines_init(&ls);
	tui_md_render(&ls, md, strlen(md) - 1, 12, ROLE_ASSISTANT, 0, NULL);
	ok(all_fit(&ls, 12), "render: a fence label wider than the frame is left out");
	ok(ls.n == 4, "render: reads only len bytes (a cut \"---\" is text, not a rule)");
	tui_lines_free(&ls);
}

/* A code block line by line: each line's roles, joined by '|'. */
static const char *
hls(const char *lang, const char *const *src)
{
	static char out[1024];
	struct tui_md_hl st;
	size_t k = 0;

	memset(&st, 0, sizeof st);
	out[0] = '\0';
	for (; *src != NULL; src++)
		k += (size_t)snprintf(out + k, sizeof out - k, "%s%s",
		    k > 0 ? "|" : "", hl(lang, *src, &st));
	return out;
}

static void
test_highlight_spans(void)
{
	struct tui_lines ls;
	const char *c[] = { "int x; /* a", "b c", "d */ int y;", NULL };
	const char *js[] = { "let t = `a", "${b}", "c\\`d`;", NULL };
	const char *go[] = { "s := `a", "b\\`", "x", NULL };
	const char *py[] = { "x = \"\"\"doc", "# no", "end\"\"\" # c", "y = '''a", "b''' + 'c'", NULL };
	const char *sh[] = { "cat <<EOF > \"f\"", "if x", "EOF", "echo", NULL };
	const char *sh2[] = { "cat <<-'END'", "  END", "if", NULL };
	const char *sh3[] = { "cat <<<x", "if", "echo 'a", "b' if", NULL };
	const char *rs[] = { "let s = r#\"a\"b", "c\"#;", "let t = \"a", "b\";", NULL };
	const char *ym[] = { "key: |", "  a: 'x'", "", "  b", "c: 1", NULL };
	const char *js2[] = { "x = \"a", "b\"", NULL };
	const char *con[] = { "$ echo it's", "done", NULL };
	const char *jc[] = { "{\"u\": \"http://x\", // c", "/* a", "b */ \"k\": 1}", NULL };
	const char *md = "```c\n/* open\n```\n```c\nint x;\n```\n";

	is_str(hls("c", c), "kkk....cccc|ccc|cccc.kkk...", "C: a block comment over three lines");
	is_str(hls("js", js), "kkk.....ss|ssss|sssss.", "JS: a template string over lines, \\` inside");
	is_str(hls("go", go), ".....ss|sss|.", "Go: a raw string over lines (no escapes)");
	is_str(hls("python", py), "....ssssss|ssss|ssssss.ccc|....ssss|ssss...sss",
	    "Python: triple-quoted strings over lines, no comment inside");
	is_str(hls("sh", sh), "....sssss...sss|ssss|sss|kkkk", "shell: a here-document's body is a string to its word");
	is_str(hls("bash", sh2), "....ssssssss|sssss|kk", "shell: <<- closes at an indented word, quotes dropped");
	is_str(hls("sh", sh3), "........|kk|kkkk.ss|ss.kk", "shell: <<< is no here-document; quotes span lines");
	is_str(hls("rust", rs), "kkk.....ssssss|sss.|kkk.....ss|ss.", "Rust: raw strings (r#\"...\"#) and strings over lines");
	is_str(hls("yaml", ym), ".....s|ssssssss||sss|...n", "YAML: a block scalar is the more-indented lines after |");
	is_str(hls("json", js2), "....ss|.s", "JSON: a string does not run past its line");
	is_str(hls("console", con), "..kkkk...ss|kkkk", "console: output's quotes end at the line");
	is_str(hls("jsonc", jc), ".sss..ssssssssss..cccc|cccc|cccc.sss..n.", "JSONC: comments, // inside a string is none");
	tui_lines_init(&ls);
	tui_md_render(&ls, md, strlen(md), 40, ROLE_ASSISTANT, 0, NULL);
	ok(ls.n == 6 && ls.v[4].role[2] == ROLE_CODE_KEYWORD, "render: an unclosed comment ends with its block");
	tui_lines_free(&ls);
}

/* Render md at width into ls (freed first by the caller). */
static void
md(struct tui_lines *ls, const char *text, int width)
{
	tui_lines_init(ls);
	tui_md_render(ls, text, strlen(text), width, ROLE_ASSISTANT, 0, NULL);
}

/* 1 if every line from i to j (inclusive) has the same width. */
static int
same_width(const struct tui_lines *ls, int i, int j)
{
	int k;

	for (k = i; k <= j && k < ls->n; k++)
		if (ls->v[k].width != ls->v[i].width)
			return 0;
	return j < ls->n;
}

#define V "\xe2\x94\x82"	/* the grid's vertical bar */

static void
test_table(void)
{
	struct tui_lines ls;
	int i, k;

	md(&ls, "| L | C | R |\n|:--|:-:|--:|\n| a | b | c |\n| long | wider | widest |\n", 40);
	is_str(line(&ls, 0), V " L    " V "   C   " V "      R " V, "align: header aligned as its column");
	is_str(line(&ls, 2), V " a    " V "   b   " V "      c " V, "align: left, centre, right");
	is_str(line(&ls, 3), V " long " V " wider " V " widest " V, "align: natural widths when the table fits");
	tui_lines_free(&ls);

	md(&ls, "| Tool | Notes |\n|---|---|\n| make | builds the whole project from its sources |\n", 30);
	ok(all_fit(&ls, 30) && same_width(&ls, 0, ls.n - 1), "wrap: fits, rows aligned");
	is_str(line(&ls, 2), V " make " V " builds the whole    " V, "wrap: a cell breaks at a space");
	is_str(line(&ls, 3), V "      " V " project from its    " V, "wrap: continues in its column");
	for (i = 2, k = 1; i < ls.n; i++)
		if (strstr(line(&ls, i), "proj") != NULL && strstr(line(&ls, i), "project") == NULL)
			k = 0;
	ok(k, "wrap: no word that fits its column is broken");
	tui_lines_free(&ls);

	md(&ls, "| a | b |\n|---|---|\n| supercalifragilistic | x |\n", 16);
	ok(all_fit(&ls, 16), "long word: the grid still fits");
	tui_lines_free(&ls);

	md(&ls, "| Op | Meaning |\n|---|---|\n| `a\\|b` | pipe \\| escaped |\n| `x|y` | z |\n", 60);
	ok(find(&ls, V " a|b ") >= 0 && find(&ls, "pipe | escaped") >= 0, "GFM: \\| is a pipe, in code too");
	i = find(&ls, "a|b");
	ok(i >= 0 && ls.v[i].role[2] == ROLE_CODE, "GFM: the code span keeps its role");
	i = find(&ls, V " `x ");
	ok(i >= 0 && strstr(line(&ls, i), " y` ") != NULL, "GFM: an unescaped pipe splits a cell, code span or not");
	tui_lines_free(&ls);

	md(&ls, "| a | b | c |\n|---|---|---|\n| 1 |\n| 1 | 2 | 3 | 4 | 5 |\n", 40);
	is_str(line(&ls, 2), V " 1 " V "   " V "   " V, "ragged: missing cells are empty");
	is_str(line(&ls, 3), V " 1 " V " 2 " V " 3 " V, "ragged: cells past the header are dropped");
	ok(same_width(&ls, 0, 3), "ragged: rows aligned");
	tui_lines_free(&ls);

	md(&ls, "Name | Size\n--- | ---:\nx | 1\n\nafter", 40);
	is_str(line(&ls, 0), V " Name " V " Size " V, "no outer pipes: still a table");
	is_str(line(&ls, 2), V " x    " V "    1 " V, "no outer pipes: rows, aligned right");
	is_str(line(&ls, 4), "after", "the table ends at a blank line");
	tui_lines_free(&ls);

	md(&ls, "| a | b |\n|---|\n| 1 | 2 |\n", 40);
	ok(find(&ls, "| a | b |") == 0, "a delimiter row of another count: no table");
	tui_lines_free(&ls);

	md(&ls, "| \xe6\xbc\xa2\xe5\xad\x97 | cafe\xcc\x81 |\n|---|--:|\n| x | y |\n", 40);
	is_int(ls.v[0].width, 15, "wide and combining: measured by wcwidth");
	ok(same_width(&ls, 0, 2), "wide and combining: rows aligned");
	is_str(line(&ls, 2), V " x    " V "    y " V, "wide: the column is two cells a character");
	tui_lines_free(&ls);

	md(&ls, "| Name | Role | Notes |\n|---|---|---|\n| cade | agent | a terminal coding agent |\n| x |  | z |\n", 18);
	ok(all_fit(&ls, 18), "narrow: fits");
	is_str(line(&ls, 0), "Name: cade", "narrow: rows become Header: value records");
	ok(ls.v[0].role[0] == ROLE_BOLD, "narrow: the header is bold");
	ok(find(&ls, "Role:") == 1 && find(&ls, "Notes: a terminal") == 2, "narrow: each column a line, wrapped");
	i = find(&ls, "Name: x");
	ok(i > 3 && strstr(line(&ls, i - 1), "\xe2\x94\x80") != NULL, "narrow: records apart by a rule");
	ok(find(&ls, "Role: z") < 0 && find(&ls, "Notes: z") == i + 1, "narrow: an empty value is left out");
	tui_lines_free(&ls);

	for (k = 1; k < 30; k++) {
		md(&ls, "| a b c | \xe6\xbc\xa2\xe5\xad\x97 d |\n|:-:|--:|\n| `x` **y** | e\xcc\x81 f g |\n", k);
		if (!all_fit(&ls, k))
			break;
		tui_lines_free(&ls);
	}
	is_int(k, 30, "every width from 1 to 29: every line fits");
	if (k < 30)
		tui_lines_free(&ls);
}

/* Fixes from fuzz_md: each once found a line wider than the width. */
static void
test_md_fits(void)
{
	struct tui_lines ls;

	md(&ls, "                    * item", 16);
	ok(all_fit(&ls, 16) && find(&ls, "item") >= 0, "a deeply indented list item fits");
	tui_lines_free(&ls);
	md(&ls, "```\n\xe6\xbc\xa2\n```\n> \xe6\xbc\xa2\xe5\xad\x97", 3);
	ok(all_fit(&ls, 3), "a width under the layout's minimum: lines cut to it");
	tui_lines_free(&ls);
	wrap(&ls, "with a long description", 5);
	is_str(line(&ls, 3), "descr", "wrap: a long word after a full line starts a new one");
	ok(find(&ls, "longd") < 0, "wrap: never glued to the word before");
	tui_lines_free(&ls);
}

/* Build an event from JSON. */
static struct event *
ev(const char *json)
{
	char *cause = NULL;
	struct event *e = event_from_json(json, &cause);

	if (e == NULL)
		diag("bad test event: %s", cause);
	return e;
}

static void
feed(struct tui_chat *c, const char *json)
{
	struct event *e = ev(json);

	if (e != NULL) {
		tui_chat_event(c, e, NULL);
		event_free(e);
	}
}

/* 1 if any line of the chat view contains s. */
static int
chat_has(struct tui_chat *c, int width, const char *s)
{
	const struct tui_line **v;
	int n, i, hit = 0;
	char *t;

	n = tui_chat_lines(c, width, &v);
	for (i = 0; i < n && !hit; i++) {
		t = tui_line_text(v[i]);
		hit = strstr(t, s) != NULL;
		free(t);
	}
	return hit;
}

static void
test_chat(void)
{
	struct tui_chat *c = tui_chat_new();
	const struct tui_line **v;
	const char *what;
	char *s;
	int n, n2, i, w;

	feed(c, "{\"seq\":1,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"user_message\",\"text\":\"list the files\"}");
	feed(c, "{\"seq\":2,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"assistant_delta\",\"text\":\"Let me \"}");
	ok(chat_has(c, 60, "Let me"), "stream: first delta shown");
	feed(c, "{\"seq\":3,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"assistant_delta\",\"text\":\"look.\"}");
	ok(chat_has(c, 60, "Let me look."), "stream: deltas join into one message");
	is_int(tui_chat_nitems(c), 2, "stream: one item for the answer");
	feed(c, "{\"seq\":4,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"assistant_message\",\"text\":\"Let me look.\\n```sh\\nls -la\\n```\"}");
	is_int(tui_chat_nitems(c), 2, "final message replaces the stream");
	s = tui_chat_copy_text(c, 1, 1, &what);
	is_str(s, "ls -la\n", "copy: the code block's logical text");
	free(s);
	feed(c, "{\"seq\":5,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"tool_call\",\"call_id\":\"c1\",\"name\":\"terminal\",\"arguments\":{\"command\":\"seq 1 50\"}}");
	feed(c, "{\"seq\":6,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"policy_decision\",\"call_id\":\"c1\",\"risk\":\"LOW\",\"decision\":\"allow\",\"rule\":\"builtin:read-only\"}");
	ok(chat_has(c, 60, "terminal") && chat_has(c, 60, " LOW ") &&
	    chat_has(c, 60, "pending"), "card: tool, risk badge, pending");
	ok(chat_has(c, 60, "$ seq 1 50"), "card: the command");
	feed(c, "{\"seq\":7,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"tool_running\",\"call_id\":\"c1\"}");
	ok(chat_has(c, 60, "running"), "card: running");
	n = tui_chat_lines(c, 60, &v);
	feed(c, "{\"seq\":8,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"observation\",\"call_id\":\"c1\",\"name\":\"terminal\",\"text\":\"1\\n2\\n3\\n4\\n5\\n6\\n7\\n8\\n9\\n10\\n\",\"exit_code\":0,\"duration_ms\":1234}");
	ok(chat_has(c, 60, "done") && chat_has(c, 60, "1.2s"), "card: done with duration");
	ok(chat_has(c, 60, "6 more lines"), "observation folded to a few lines");
	n = tui_chat_lines(c, 60, &v);
	i = tui_chat_last_observation(c);
	tui_chat_toggle(c, i);
	n2 = tui_chat_lines(c, 60, &v);
	is_int(n2 - n, 5, "expand: all ten lines shown (marker replaced)");
	s = tui_chat_copy_text(c, i, 1, &what);
	is_str(what, "observation", "copy: observation part");
	ok(s != NULL && strncmp(s, "1\n2\n", 4) == 0, "copy: full observation text");
	free(s);
	s = tui_chat_copy_text(c, i, 0, &what);
	is_str(s, "seq 1 50", "copy: the command without the prompt");
	free(s);

	feed(c, "{\"seq\":9,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"tool_call\",\"call_id\":\"c2\",\"name\":\"terminal\",\"arguments\":{\"command\":\"rm -rf /\"}}");
	feed(c, "{\"seq\":10,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"policy_decision\",\"call_id\":\"c2\",\"risk\":\"HIGH\",\"decision\":\"deny\",\"rule\":\"builtin:rm-root\",\"reason\":\"deletes the root\"}");
	ok(chat_has(c, 60, "refused") && chat_has(c, 60, "deletes the root"),
	    "card: refused with the reason");
	feed(c, "{\"seq\":11,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"tool_call\",\"call_id\":\"c3\",\"name\":\"file_editor\",\"arguments\":{\"command\":\"str_replace\",\"path\":\"a.c\"}}");
	feed(c, "{\"seq\":12,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"observation\",\"call_id\":\"c3\",\"name\":\"file_editor\",\"text\":\"edited\",\"diff\":\"--- a/a.c\\n+++ b/a.c\\n@@ -1 +1 @@\\n-old\\n+new\\n\"}");
	n = tui_chat_lines(c, 60, &v);
	for (i = 0; i < n; i++) {
		s = tui_line_text(v[i]);
		if (strstr(s, "+new") != NULL)
			ok(v[i]->role[v[i]->len - 1] == ROLE_DIFF_ADD, "diff: added line coloured");
		if (strstr(s, "-old") != NULL)
			ok(v[i]->role[v[i]->len - 1] == ROLE_DIFF_DEL, "diff: removed line coloured");
		free(s);
	}
	feed(c, "{\"seq\":13,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"tool_call\",\"call_id\":\"c4\",\"name\":\"task_tracker\",\"arguments\":{\"command\":\"plan\",\"task_list\":[{\"title\":\"read\",\"status\":\"done\"},{\"title\":\"fix\",\"status\":\"in_progress\"}]}}");
	ok(chat_has(c, 60, "[x] read") && chat_has(c, 60, "[~] fix"),
	    "plan: checklist");
	feed(c, "{\"seq\":14,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"error\",\"kind\":\"llm\",\"message\":\"rate limited\"}");
	feed(c, "{\"seq\":15,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"retry\",\"attempt\":2,\"max\":5,\"delay_ms\":1500,\"reason\":\"HTTP 429\",\"model\":\"m\"}");
	ok(chat_has(c, 60, "! llm: rate limited"), "error: distinct line");
	ok(chat_has(c, 60, "~ retrying m (attempt 2 of 5, in 1.5s): HTTP 429"),
	    "retry: distinct line");
	/* The condensation event as the agent writes it (doc/EVENTS.md). */
	feed(c, "{\"seq\":16,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"condensation\",\"summary\":\"s\",\"text\":\"t\",\"from\":1,\"to\":9,\"tokens_before\":12000,\"tokens_after\":3000}");
	ok(chat_has(c, 80, "context condensed (messages 2-9 summarised, 12000 -> 3000 tokens)"),
	    "condensation notice: the range the agent sent");
	n = tui_chat_lines(c, 60, &v);
	for (i = 0; i < n; i++)
		if (v[i]->width > 60)
			break;
	is_int(i, n, "chat: every line fits the width");
	n = tui_chat_lines(c, 30, &v);
	for (i = 0; i < n; i++)
		if (v[i]->width > 30)
			break;
	is_int(i, n, "chat: re-laid out for a narrower width");
	feed(c, "{\"seq\":20,\"ts\":\"2026-01-01T00:00:00.000Z\",\"type\":\"assistant_message\",\"text\":\"| a | \\u6f22\\u5b57 |\\n|:-:|--:|\\n| x y z | 1 |\\n\\n```py\\ns = '''\\u6f22\\u5b57\\n```\\n      - deep\"}");
	for (w = 60; w >= 4; w--) {
		n = tui_chat_lines(c, w, &v);
		for (i = 0; i < n && v[i]->width <= w; i++)
			;
		if (i < n)
			break;
	}
	is_int(w, 3, "chat: a table, code and a tool card fit every width down to 4");
	tui_chat_free(c);
}

int
main(void)
{
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "en_US.UTF-8");
	tui_glyphs_select(1);
	test_width();
	test_wrap();
	test_markdown();
	test_highlight();
	test_highlight_spans();
	test_table();
	test_md_fits();
	test_chat();
	return tap_done();
}
