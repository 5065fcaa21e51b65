/*
 * markdown.c: the chat's Markdown renderer (tui_md_render): a model's
 * answer in, styled and wrapped screen lines out, no I/O.
 *
 * The subset models write: ATX headings, **bold** and __bold__, `code`,
 * fenced code blocks (framed and cut, never wrapped into prose; coloured
 * by a small table-driven lexer for C, shell, Python, JS/TS, Go, Rust,
 * JSON, YAML and diff that carries comments and strings across lines), GFM tables (mdtable.c), bullet
 * and numbered lists, horizontal rules.  Markers are dropped and the roles
 * carry the style; anything else is text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "tui-int.h"

/* See tui-int.h. */
void
tui_md_inline(struct tui_wrap *w, const char *s, size_t len, uint8_t base)
{
	size_t i = 0, start = 0, j;

	while (i < len) {
		if (s[i] == '`') {
			for (j = i + 1; j < len && s[j] != '`'; j++)
				;
			if (j < len && j > i + 1) {
				tui_wrap_text(w, s + start, i - start, base);
				tui_wrap_text(w, s + i + 1, j - i - 1, ROLE_CODE);
				i = start = j + 1;
				continue;
			}
		}
		if ((s[i] == '*' || s[i] == '_') && i + 1 < len &&
		    s[i + 1] == s[i] && i + 2 < len && s[i + 2] != ' ') {
			for (j = i + 2; j + 1 < len; j++)
				if (s[j] == s[i] && s[j + 1] == s[i])
					break;
			if (j + 1 < len && j > i + 2) {
				tui_wrap_text(w, s + start, i - start, base);
				tui_wrap_text(w, s + i + 2, j - i - 2,
				    base == ROLE_HEADING ? ROLE_HEADING : ROLE_BOLD);
				i = start = j + 2;
				continue;
			}
		}
		i++;
	}
	tui_wrap_text(w, s + start, len - start, base);
}

/* A frame line of a code block: corner, rule, optional label. */
static void
md_frame(struct tui_lines *out, int width, int item, int top, const char *label)
{
	struct tui_line *l = tui_lines_add(out, ROLE_NORMAL, item);
	wchar_t *ws;
	int n = 0, lw = 0;

	/* A label too wide for the frame is left out, never overflows it. */
	if (label != NULL && *label != '\0') {
		ws = tui_utf8_to_wcs(label, strlen(label), &n);
		lw = tui_wcswidth(ws, n);
		free(ws);
		if (lw < 0 || lw + 4 > width)
			label = NULL;
	}
	tui_line_puts(l, top ? tui_glyph->tl : tui_glyph->bl, ROLE_CODEBLOCK_FRAME);
	tui_line_puts(l, tui_glyph->hline, ROLE_CODEBLOCK_FRAME);
	if (label != NULL && *label != '\0') {
		tui_line_puts(l, " ", ROLE_CODEBLOCK_FRAME);
		tui_line_puts(l, label, ROLE_CODEBLOCK_FRAME);
		tui_line_puts(l, " ", ROLE_CODEBLOCK_FRAME);
	}
	while (l->width < width && l->width < 40)
		tui_line_puts(l, tui_glyph->hline, ROLE_CODEBLOCK_FRAME);
}

/*
 * Fenced code highlighting: a small table-driven lexer, one row a language
 * (the fence's info string picks it), that colours keywords, strings,
 * comments and numbers; a diff colours whole lines.  No row: plain.
 *
 * It reads a line at a time, so what spans lines (a block comment, a
 * Python triple-quoted string, a JS template, a shell here-document, a
 * Rust raw string, a YAML block scalar) is a row of the language's span
 * table, and the open span travels to the next line in struct tui_md_hl.
 * Approximations, on purpose: no nesting (Rust's nested comments, ${...}
 * in templates), a here-document's body is one string.
 */
static const char *const md_kw_c[] = { "auto", "break", "case", "char",
	"const", "continue", "default", "do", "double", "else", "enum",
	"extern", "float", "for", "goto", "if", "inline", "int", "long",
	"register", "return", "short", "signed", "sizeof", "static", "struct",
	"switch", "typedef", "union", "unsigned", "void", "volatile", "while",
	"bool", "true", "false", "NULL", "size_t", "class", "namespace",
	"template", "#include", "#define", "#if", "#ifdef", "#ifndef", "#endif",
	"#else", NULL };
static const char *const md_kw_sh[] = { "if", "then", "else", "elif", "fi",
	"for", "while", "until", "do", "done", "case", "esac", "in",
	"function", "return", "exit", "export", "local", "set", "unset",
	"cd", "echo", "printf", "test", "read", "shift", "trap", NULL };
static const char *const md_kw_py[] = { "and", "as", "assert", "async",
	"await", "break", "class", "continue", "def", "del", "elif", "else",
	"except", "finally", "for", "from", "global", "if", "import", "in",
	"is", "lambda", "None", "nonlocal", "not", "or", "pass", "raise",
	"return", "True", "False", "try", "while", "with", "yield", "self",
	NULL };
static const char *const md_kw_js[] = { "async", "await", "break", "case",
	"catch", "class", "const", "continue", "default", "delete", "do",
	"else", "export", "extends", "false", "finally", "for", "function",
	"if", "import", "in", "instanceof", "interface", "let", "new", "null",
	"return", "switch", "this", "throw", "true", "try", "type",
	"typeof", "undefined", "var", "void", "while", "yield", "from", "of",
	"enum", "implements", "readonly", "public", "private", NULL };
static const char *const md_kw_go[] = { "break", "case", "chan", "const",
	"continue", "default", "defer", "else", "fallthrough", "for", "func",
	"go", "goto", "if", "import", "interface", "map", "package", "range",
	"return", "select", "struct", "switch", "type", "var", "nil", "true",
	"false", "string", "int", "error", "byte", NULL };
static const char *const md_kw_rs[] = { "as", "async", "await", "break",
	"const", "continue", "crate", "else", "enum", "extern", "false", "fn",
	"for", "if", "impl", "in", "let", "loop", "match", "mod", "move",
	"mut", "pub", "ref", "return", "self", "Self", "static", "struct",
	"super", "trait", "true", "type", "unsafe", "use", "where", "while",
	"Some", "None", "Ok", "Err", NULL };
static const char *const md_kw_json[] = { "true", "false", "null", NULL };

/* How a span ends. */
enum md_span_kind {
	MD_SPAN_PLAIN,		/* at close */
	MD_SPAN_ESC,		/* at close not escaped by a backslash */
	MD_SPAN_RAW,		/* Rust r#"...."#: at '"' and as many '#' */
	MD_SPAN_HEREDOC,	/* shell <<WORD: from the next line to WORD */
	MD_SPAN_BLOCK		/* YAML "key: |": the next more-indented lines */
};

/* A construct that may span lines: open and close text, its role. */
struct md_span {
	const char	*open;
	const char	*close;		/* NULL: found when opened */
	uint8_t		 role;
	uint8_t		 kind;
};

#define MD_SPAN_END	{ NULL, NULL, 0, 0 }
static const struct md_span md_spans_c[] = {
	{ "/*", "*/", ROLE_CODE_COMMENT, MD_SPAN_PLAIN }, MD_SPAN_END };
static const struct md_span md_spans_sh[] = {
	{ "<<", NULL, ROLE_CODE_STRING, MD_SPAN_HEREDOC },
	{ "'", "'", ROLE_CODE_STRING, MD_SPAN_PLAIN },
	{ "\"", "\"", ROLE_CODE_STRING, MD_SPAN_ESC }, MD_SPAN_END };
static const struct md_span md_spans_py[] = {
	{ "\"\"\"", "\"\"\"", ROLE_CODE_STRING, MD_SPAN_ESC },
	{ "'''", "'''", ROLE_CODE_STRING, MD_SPAN_ESC }, MD_SPAN_END };
static const struct md_span md_spans_js[] = {
	{ "/*", "*/", ROLE_CODE_COMMENT, MD_SPAN_PLAIN },
	{ "`", "`", ROLE_CODE_STRING, MD_SPAN_ESC }, MD_SPAN_END };
static const struct md_span md_spans_go[] = {
	{ "/*", "*/", ROLE_CODE_COMMENT, MD_SPAN_PLAIN },
	{ "`", "`", ROLE_CODE_STRING, MD_SPAN_PLAIN }, MD_SPAN_END };
static const struct md_span md_spans_rs[] = {
	{ "/*", "*/", ROLE_CODE_COMMENT, MD_SPAN_PLAIN },
	{ "r", NULL, ROLE_CODE_STRING, MD_SPAN_RAW },
	{ "\"", "\"", ROLE_CODE_STRING, MD_SPAN_ESC }, MD_SPAN_END };
static const struct md_span md_spans_yaml[] = {
	{ "|", NULL, ROLE_CODE_STRING, MD_SPAN_BLOCK },
	{ ">", NULL, ROLE_CODE_STRING, MD_SPAN_BLOCK }, MD_SPAN_END };

struct md_lang {
	const char		*names;		/* " a b c " */
	const char *const	*kw;
	const char		*line_comment;	/* NULL: none */
	int			 hash_comment;	/* # starts a comment after a blank */
	const char		*quotes;	/* strings within a line */
	const struct md_span	*spans;		/* what may span lines */
	int			 diff;
};

static const struct md_lang md_langs[] = {
	{ " c h cpp c++ cc cxx hpp ", md_kw_c, "//", 0, "\"'", md_spans_c, 0 },
	{ " sh bash shell zsh ", md_kw_sh, NULL, 1, "", md_spans_sh, 0 },
	/* A session mixes commands and their output: quotes end at the line. */
	{ " console shell-session ", md_kw_sh, NULL, 1, "\"'", NULL, 0 },
	{ " python py python3 ", md_kw_py, NULL, 1, "\"'", md_spans_py, 0 },
	{ " js javascript ts typescript jsx tsx mjs ", md_kw_js, "//", 0,
	  "\"'", md_spans_js, 0 },
	{ " go golang ", md_kw_go, "//", 0, "\"'", md_spans_go, 0 },
	{ " rust rs ", md_kw_rs, "//", 0, "", md_spans_rs, 0 },
	{ " json jsonc json5 ", md_kw_json, "//", 0, "\"", md_spans_c, 0 },
	{ " yaml yml ", md_kw_json, NULL, 1, "\"'", md_spans_yaml, 0 },
	{ " diff patch ", NULL, NULL, 0, "", NULL, 1 },
};

/* The row for a fence's info string ("```py title"), or NULL. */
static const struct md_lang *
md_lang_find(const char *info)
{
	char word[32];
	size_t n = strcspn(info, " \t{");
	char *key;
	size_t i;

	if (n == 0 || n >= sizeof word - 2)
		return NULL;
	for (i = 0; i < n; i++)
		word[i] = (char)(info[i] >= 'A' && info[i] <= 'Z' ?
		    info[i] + 32 : info[i]);
	word[n] = '\0';
	key = xasprintf(" %s ", word);
	for (i = 0; i < nitems(md_langs); i++)
		if (strstr(md_langs[i].names, key) != NULL) {
			free(key);
			return &md_langs[i];
		}
	free(key);
	return NULL;
}

static int
md_ident(wchar_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '#' || c >= 0x80;
}

/* 1 if ws[i..] starts with the ASCII string s. */
static int
md_at(const wchar_t *ws, int n, int i, const char *s)
{
	for (; *s != '\0'; s++, i++)
		if (i >= n || ws[i] != (wchar_t)*s)
			return 0;
	return 1;
}

/* Columns of leading blanks. */
static int
md_indent_of(const wchar_t *ws, int n)
{
	int i = 0;

	while (i < n && (ws[i] == ' ' || ws[i] == '\t'))
		i++;
	return i;
}

/*
 * Whether span S opens at ws[i]: its length on this line, and the text
 * that will close it put in st->close (a here-document's word, a raw
 * string's quote and hashes).  0: it does not open here.
 */
static int
md_span_open(const struct md_span *S, const wchar_t *ws, int n, int i,
    struct tui_md_hl *st)
{
	int j, k, q;

	switch (S->kind) {
	case MD_SPAN_RAW:
		/* r"..", r#".."#, br"..", not the r ending a word. */
		if (ws[i] != 'r' || (i > 0 && md_ident(ws[i - 1]) &&
		    !(ws[i - 1] == 'b' && (i < 2 || !md_ident(ws[i - 2])))))
			return 0;
		for (j = i + 1; j < n && ws[j] == '#'; j++)
			;
		if (j >= n || ws[j] != '"' || j - i > (int)sizeof st->close - 1)
			return 0;
		st->close[0] = '"';
		for (k = 1; k < j - i; k++)
			st->close[k] = '#';
		st->close[k] = '\0';
		return j + 1 - i;
	case MD_SPAN_HEREDOC:
		/* <<WORD, <<-WORD, << 'WORD', <<"WORD"; not <<< nor $((a<<b)). */
		if (!md_at(ws, n, i, "<<") || md_at(ws, n, i + 2, "<") ||
		    (i > 0 && ws[i - 1] == '<'))
			return 0;
		j = i + 2;
		st->indent = j < n && ws[j] == '-';
		j += st->indent;
		while (j < n && ws[j] == ' ')
			j++;
		q = j < n && (ws[j] == '\'' || ws[j] == '"') ? ws[j++] : 0;
		for (k = 0; j < n && k < (int)sizeof st->close - 1 &&
		    ((ws[j] >= 'A' && ws[j] <= 'Z') || (ws[j] >= 'a' &&
		    ws[j] <= 'z') || (ws[j] >= '0' && ws[j] <= '9') ||
		    ws[j] == '_'); j++)
			st->close[k++] = (char)ws[j];
		st->close[k] = '\0';
		if (k == 0 || (i > 0 && ws[i - 1] >= '0' && ws[i - 1] <= '9'))
			return 0;
		if (q != 0 && j < n && ws[j] == q)
			j++;
		return j - i;
	case MD_SPAN_BLOCK:
		/* "key: |", "- >-": the indicator ends the line. */
		if (ws[i] != S->open[0] || i == 0 || ws[i - 1] != ' ')
			return 0;
		for (j = i + 1; j < n && (ws[j] == '-' || ws[j] == '+' ||
		    (ws[j] >= '1' && ws[j] <= '9')); j++)
			;
		for (k = j; k < n && ws[k] == ' '; k++)
			;
		if (k < n && ws[k] != '#')
			return 0;
		st->indent = md_indent_of(ws, n);
		return j - i;
	default:
		if (!md_at(ws, n, i, S->open))
			return 0;
		snprintf(st->close, sizeof st->close, "%s", S->close);
		return (int)strlen(S->open);
	}
}

/*
 * Colour ws[i..] as the open span's body up to and including its close;
 * returns where the span ended (n: it goes on to the next line).
 */
static int
md_span_body(const struct md_span *S, const wchar_t *ws, int n, int i,
    uint8_t *roles, struct tui_md_hl *st)
{
	int j;

	if (S->kind == MD_SPAN_HEREDOC) {
		j = st->indent ? md_indent_of(ws, n) : 0;
		if (md_at(ws, n, j, st->close) &&
		    j + (int)strlen(st->close) == n)
			st->span = 0;
		while (i < n)
			roles[i++] = S->role;
		return n;
	}
	if (S->kind == MD_SPAN_BLOCK) {
		if (md_indent_of(ws, n) < n && md_indent_of(ws, n) <= st->indent) {
			st->span = 0;	/* back at the key's level */
			return i;
		}
		while (i < n)
			roles[i++] = S->role;
		return n;
	}
	for (j = i; j < n && !md_at(ws, n, j, st->close); j++)
		if (S->kind == MD_SPAN_ESC && ws[j] == '\\')
			j++;
	if (j < n) {
		j += (int)strlen(st->close);
		st->span = 0;
	}
	if (j > n)
		j = n;
	while (i < j)
		roles[i++] = S->role;
	return j;
}

/*
 * Roles for one code line of n wide chars; st carries what spans lines
 * (zeroed before a block's first line).  Exposed for the tests.
 */
void
tui_md_highlight(const char *lang, const wchar_t *ws, int n, uint8_t *roles,
    struct tui_md_hl *st)
{
	const struct md_lang *L = md_lang_find(lang);
	const struct md_span *S;
	struct tui_md_hl open, pend;
	int i = 0, j, k, m, next = 0;
	uint8_t r;
	char word[32];

	for (k = 0; k < n; k++)
		roles[k] = ROLE_CODEBLOCK;
	if (L == NULL)
		return;
	if (L->diff) {
		r = n == 0 ? ROLE_CODEBLOCK : md_at(ws, n, 0, "+++") ||
		    md_at(ws, n, 0, "---") ? ROLE_DIFF_HEADER : ws[0] == '+' ?
		    ROLE_DIFF_ADD : ws[0] == '-' ? ROLE_DIFF_DEL :
		    md_at(ws, n, 0, "@@") ? ROLE_DIFF_HUNK : ROLE_CODEBLOCK;
		for (k = 0; k < n; k++)
			roles[k] = r;
		return;
	}
	pend = *st;
	if (st->span > 0 && L->spans != NULL)
		i = md_span_body(&L->spans[st->span - 1], ws, n, 0, roles, st);
	else
		st->span = 0;
	while (i < n) {
		if ((L->line_comment != NULL && md_at(ws, n, i, L->line_comment)) ||
		    (L->hash_comment && ws[i] == '#' && (i == 0 || ws[i - 1] == ' ' ||
		    ws[i - 1] == '\t'))) {
			while (i < n)
				roles[i++] = ROLE_CODE_COMMENT;
			break;
		}
		for (S = L->spans, m = 0; S != NULL && S->open != NULL; S++) {
			open = *st;
			if ((m = md_span_open(S, ws, n, i, &open)) > 0)
				break;
		}
		if (m > 0) {
			for (k = 0; k < m; k++)
				roles[i++] = S->role;
			if (S->kind == MD_SPAN_HEREDOC || S->kind == MD_SPAN_BLOCK) {
				/* It starts on the next line; "> file" may follow. */
				pend = open;
				pend.span = (int)(S - L->spans) + 1;
				next = 1;
				continue;
			}
			*st = open;
			st->span = (int)(S - L->spans) + 1;
			i = md_span_body(S, ws, n, i, roles, st);
			continue;
		}
		if (ws[i] < 0x80 && ws[i] != 0 && strchr(L->quotes, (int)ws[i]) != NULL) {
			for (j = i + 1; j < n && ws[j] != ws[i]; j++)
				if (ws[j] == '\\')
					j++;
			j = j < n ? j + 1 : n;
			while (i < j)
				roles[i++] = ROLE_CODE_STRING;
			continue;
		}
		if (ws[i] >= '0' && ws[i] <= '9' && (i == 0 || !md_ident(ws[i - 1]))) {
			while (i < n && (md_ident(ws[i]) || ws[i] == '.'))
				roles[i++] = ROLE_CODE_NUMBER;
			continue;
		}
		if (md_ident(ws[i])) {
			for (j = i; j < n && md_ident(ws[j]); j++)
				;
			for (k = 0; k < j - i && k < (int)sizeof word - 1; k++)
				word[k] = (char)ws[i + k];
			word[k] = '\0';
			r = ROLE_CODEBLOCK;
			for (k = 0; L->kw != NULL && L->kw[k] != NULL; k++)
				if (strcmp(L->kw[k], word) == 0)
					r = ROLE_CODE_KEYWORD;
			while (i < j)
				roles[i++] = r;
			continue;
		}
		i++;
	}
	if (next)
		*st = pend;
}

/* One line of a fenced block: cut to width, coloured by its language. */
static void
md_code_line(struct tui_lines *out, int width, int item, const char *lang,
    const char *line, size_t ll, struct tui_md_hl *st)
{
	struct buf b;
	struct tui_line *l;
	char *prefix = xasprintf("%s ", tui_glyph->vline);
	wchar_t *ws;
	uint8_t *roles;
	size_t k;
	int n, col = 0, start, i;

	/* Tabs to spaces first, so cells and characters line up. */
	buf_init(&b, 0);
	for (k = 0; k < ll; k++) {
		if (line[k] == '\t') {
			do
				buf_putc(&b, ' ');
			while (++col % 4 != 0);
		} else if (line[k] != '\r') {
			buf_putc(&b, line[k]);
			col += ((unsigned char)line[k] & 0xc0) != 0x80;
		}
	}
	tui_line_cut(out, width, ROLE_NORMAL, item, prefix,
	    ROLE_CODEBLOCK_FRAME, b.s, b.len, ROLE_CODEBLOCK);
	l = &out->v[out->n - 1];
	ws = tui_utf8_to_wcs(prefix, strlen(prefix), &start);
	free(ws);
	ws = tui_utf8_to_wcs(b.s, b.len, &n);
	roles = xcalloc((size_t)n + 1, 1);
	tui_md_highlight(lang, ws, n, roles, st);
	for (i = 0; i < n && start + i < l->len; i++)
		if (l->role[start + i] == ROLE_CODEBLOCK)
			l->role[start + i] = roles[i];
	free(roles);
	free(ws);
	buf_free(&b);
	free(prefix);
}

/* 1 if the len bytes at s are all c (s need not end in a NUL). */
static int
md_all(const char *s, size_t len, char c)
{
	while (len > 0 && s[len - 1] == c)
		len--;
	return len == 0;
}

#define MD_MIN_WIDTH	8

/* Length of a list marker ("- ", "* ", "12. ") at s, or 0. */
static size_t
md_list_marker(const char *s, size_t len, int *ordered)
{
	size_t i = 0;

	*ordered = 0;
	if (len >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') &&
	    s[1] == ' ')
		return 2;
	while (i < len && i < 4 && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i > 0 && i + 1 < len && (s[i] == '.' || s[i] == ')') &&
	    s[i + 1] == ' ') {
		*ordered = 1;
		return i + 2;
	}
	return 0;
}

/*
 * Render markdown text; code blocks are framed and cut, never wrapped.
 * Every line fits width (tests/fuzz_md.c checks it); below MD_MIN_WIDTH
 * (room for a quote bar and one wide character) the layout is made at
 * that width and each line cut.
 */
void
tui_md_render(struct tui_lines *out, const char *text, size_t len, int width,
    uint8_t base, int item, int *nblocks)
{
	struct tui_wrap w;
	const char *line, *p;
	size_t ll, start = 0, ind, m;
	int in_code = 0, blank = 0, ordered, level, blocks = 0;
	char fence[4] = "", *prefix, *lang, code_lang[32] = "";
	struct tui_md_hl hl;
	wchar_t *indent;
	struct tui_lines narrow;
	int i, pad;

	/* Narrower than the layout needs: lay out at the minimum, then cut. */
	if (width < MD_MIN_WIDTH) {
		tui_lines_init(&narrow);
		tui_md_render(&narrow, text, len, MD_MIN_WIDTH, base, item,
		    nblocks);
		for (i = 0; i < narrow.n; i++)
			tui_line_clip(&narrow.v[i], width);
		tui_lines_take(out, &narrow);
		return;
	}
	while (start <= len) {
		line = text + start;
		p = memchr(line, '\n', len - start);
		ll = p != NULL ? (size_t)(p - line) : len - start;
		start += ll + 1;
		if (p == NULL && ll == 0 && start > len && out->n > 0)
			break;
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		for (ind = 0; ind < ll && line[ind] == ' '; ind++)
			;
		if (in_code) {
			if (ll - ind >= 3 && strncmp(line + ind, fence, 3) == 0) {
				md_frame(out, width, item, 0, NULL);
				in_code = 0;
				continue;
			}
			md_code_line(out, width, item, code_lang, line, ll,
			    &hl);
			continue;
		}
		if (ll - ind >= 3 && (strncmp(line + ind, "```", 3) == 0 ||
		    strncmp(line + ind, "~~~", 3) == 0)) {
			memcpy(fence, line + ind, 3);
			fence[3] = '\0';
			lang = xstrndup(line + ind + 3, ll - ind - 3);
			md_frame(out, width, item, 1, util_trim(lang));
			snprintf(code_lang, sizeof code_lang, "%s", util_trim(lang));
			memset(&hl, 0, sizeof hl);
			free(lang);
			in_code = 1;
			blocks++;
			blank = 0;
			continue;
		}
		if (ll == ind) {
			if (!blank && out->n > 0)
				tui_lines_add(out, ROLE_NORMAL, item);
			blank = 1;
			continue;
		}
		blank = 0;
		if ((m = tui_md_table(out, text, len, (size_t)(line - text),
		    width, base, item)) > 0) {
			start = (size_t)(line - text) + m;
			continue;
		}
		if (line[ind] == '#') {
			for (level = 0; ind + (size_t)level < ll &&
			    line[ind + (size_t)level] == '#'; level++)
				;
			if (level <= 6 && ind + (size_t)level < ll &&
			    line[ind + (size_t)level] == ' ') {
				tui_wrap_begin(&w, out, width, ROLE_NORMAL, item,
				    NULL, 0, NULL, 0);
				tui_md_inline(&w, line + ind + (size_t)level + 1,
				    ll - ind - (size_t)level - 1, ROLE_HEADING);
				tui_wrap_end(&w);
				continue;
			}
		}
		if (ll - ind >= 3 && (md_all(line + ind, ll - ind, '-') ||
		    md_all(line + ind, ll - ind, '*') ||
		    md_all(line + ind, ll - ind, '_'))) {
			struct tui_line *l = tui_lines_add(out, ROLE_NORMAL, item);

			while (l->width < width && l->width < 40)
				tui_line_puts(l, tui_glyph->hline, ROLE_BORDER);
			continue;
		}
		if (line[ind] == '>') {
			m = ind + 1 + (ind + 1 < ll && line[ind + 1] == ' ');
			prefix = xasprintf("%s ", tui_glyph->vline);
			indent = tui_utf8_to_wcs(prefix, strlen(prefix), NULL);
			tui_wrap_begin(&w, out, width, ROLE_NORMAL, item, prefix,
			    ROLE_BORDER, indent, ROLE_BORDER);
			tui_md_inline(&w, line + m, ll - m, ROLE_REASONING);
			tui_wrap_end(&w);
			free(indent);
			free(prefix);
			continue;
		}
		if ((m = md_list_marker(line + ind, ll - ind, &ordered)) > 0) {
			/*
			 * Nesting indents two columns a level, at most four
			 * levels, and never so far that the text has no room
			 * (the marker is at most 6 columns, "9999. ").
			 */
			pad = (int)(ind / 2 * 2);
			if (pad > 8)
				pad = 8;
			if (pad > width - 8)
				pad = width - 8 > 0 ? width - 8 : 0;
			if (ordered)
				prefix = xasprintf("%*s%.*s", pad, "", (int)m,
				    line + ind);
			else
				prefix = xasprintf("%*s%s ", pad, "",
				    tui_glyph->bullet);
			{
				wchar_t *pw;
				int pn, pwid;

				pw = tui_utf8_to_wcs(prefix, strlen(prefix), &pn);
				pwid = tui_wcswidth(pw, pn);
				free(pw);
				indent = xreallocarray(NULL, (size_t)pwid + 1,
				    sizeof *indent);
				for (i = 0; i < pwid; i++)
					indent[i] = ' ';
				indent[pwid] = 0;
			}
			tui_wrap_begin(&w, out, width, ROLE_NORMAL, item, prefix,
			    ROLE_BULLET, indent, ROLE_NORMAL);
			tui_md_inline(&w, line + ind + m, ll - ind - m, base);
			tui_wrap_end(&w);
			free(indent);
			free(prefix);
			continue;
		}
		tui_wrap_begin(&w, out, width, ROLE_NORMAL, item, NULL, 0, NULL, 0);
		tui_md_inline(&w, line, ll, base);
		tui_wrap_end(&w);
	}
	if (in_code)
		md_frame(out, width, item, 0, NULL);
	while (out->n > 0 && out->v[out->n - 1].len == 0) {
		out->n--;
		tui_line_free(&out->v[out->n]);
	}
	if (nblocks != NULL)
		*nblocks = blocks;
}
