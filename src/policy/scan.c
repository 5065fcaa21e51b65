/*
 * scan.c: small static scanners for the languages some programs take on
 * their command line: sed scripts, awk programs, SQL (with the psql,
 * mysql and sqlite meta-commands), and editor/debugger command lines.
 *
 * Each scanner reads text and reports what the program would do beyond
 * reading its input, through a callback: shell code it would hand to a
 * shell (SCAN_SHELL, with the code's text when it is literal), a command
 * it would run whose text is not visible (SCAN_RUNS), a file it would
 * write (SCAN_WRITE), a statement that destroys data (SCAN_DESTROY) or
 * changes schema or rights (SCAN_CHANGE).  No I/O, no allocation that
 * outlives a call; bytes in, events out.  They are approximations of the
 * real grammars (GNU sed 4.9, POSIX awk + gawk, SQL of PostgreSQL, MySQL
 * and SQLite), erring toward reporting: tests/fuzz_scan.c fuzzes them.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cade/util.h"
#include "policy-int.h"

/* Skip blanks (not newlines). */
static size_t
scan_blanks(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* End of the line from i (index of '\n' or n). */
static size_t
scan_eol(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != '\n')
		i++;
	return i;
}

/* Index just past a delimited part (s[i] is the first byte after the
 * opening delimiter); n if unterminated. */
static size_t
scan_delim(const char *s, size_t n, size_t i, char d)
{
	while (i < n && s[i] != d) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		i++;
	}
	return i < n ? i + 1 : n;
}

/* ---- sed ---- */

/* An address: number, $, /re/, \cREc, first~step; returns the index after. */
static size_t
scan_sed_addr(const char *s, size_t n, size_t i)
{
	if (i < n && isdigit((unsigned char)s[i])) {
		while (i < n && (isdigit((unsigned char)s[i]) || s[i] == '~'))
			i++;
	} else if (i < n && s[i] == '$')
		i++;
	else if (i < n && s[i] == '/')
		i = scan_delim(s, n, i + 1, '/');
	else if (i + 1 < n && s[i] == '\\')
		i = scan_delim(s, n, i + 2, s[i + 1]);
	else
		return i;
	while (i < n && (s[i] == 'I' || s[i] == 'M'))
		i++;
	return i;
}

/* A file name after w/W or the w flag: to the end of the line. */
static size_t
scan_sed_file(const char *s, size_t n, size_t i, pol_scan_fn fn, void *arg)
{
	size_t e;

	i = scan_blanks(s, n, i);
	e = scan_eol(s, n, i);
	if (e > i)
		fn(arg, SCAN_WRITE, s + i, e - i);
	return e;
}

/* A sed script: e commands, s///e and s///w, w/W files. */
void
pol_scan_sed(const char *s, size_t n, pol_scan_fn fn, void *arg)
{
	size_t i = 0, re, rep, e;
	char c, d;

	while (i < n) {
		while (i < n && (isspace((unsigned char)s[i]) || s[i] == ';' ||
		    s[i] == '}'))
			i++;
		if (i >= n)
			break;
		if (s[i] == '#') {
			i = scan_eol(s, n, i);
			continue;
		}
		i = scan_sed_addr(s, n, i);
		i = scan_blanks(s, n, i);
		if (i < n && s[i] == ',') {
			i = scan_blanks(s, n, i + 1);
			if (i < n && (s[i] == '+' || s[i] == '~'))
				i++;
			i = scan_sed_addr(s, n, i);
		}
		i = scan_blanks(s, n, i);
		while (i < n && s[i] == '!')
			i = scan_blanks(s, n, i + 1);
		if (i >= n)
			break;
		c = s[i++];
		switch (c) {
		case '{':
			break;
		case 'e':
			i = scan_blanks(s, n, i);
			e = scan_eol(s, n, i);
			if (e > i)
				fn(arg, SCAN_SHELL, s + i, e - i);
			else
				fn(arg, SCAN_RUNS, "e", 1);
			i = e;
			break;
		case 'w':
		case 'W':
			i = scan_sed_file(s, n, i, fn, arg);
			break;
		case 'a':
		case 'i':
		case 'c':
		case ':':
		case 'b':
		case 't':
		case 'T':
		case 'r':
		case 'R':
		case 'v':
			/* text, label or file to the end of the line (GNU) */
			while (i < n && s[i] != '\n' && !(c != 'a' && c != 'i' &&
			    c != 'c' && c != ':' && c != 'r' && c != 'R' &&
			    s[i] == ';'))
				i++;
			break;
		case 'q':
		case 'Q':
		case 'l':
		case 'L':
			while (i < n && (isdigit((unsigned char)s[i]) ||
			    s[i] == ' '))
				i++;
			break;
		case 's':
		case 'y':
			if (i >= n || s[i] == '\n' || s[i] == '\\')
				return;
			d = s[i];
			re = scan_delim(s, n, i + 1, d);
			rep = scan_delim(s, n, re, d);
			i = c == 'y' ? scan_delim(s, n, rep, d) : rep;
			if (c == 'y')
				break;
			while (i < n && s[i] != '\n' && s[i] != ';' && s[i] != '}') {
				if (s[i] == 'e') {
					/* the new pattern space runs as a command;
					 * a literal replacement is the command */
					e = rep > re ? rep - 1 : re;
					if (e > re && memchr(s + re, '&', e - re) ==
					    NULL && memchr(s + re, '\\', e - re) ==
					    NULL)
						fn(arg, SCAN_SHELL, s + re, e - re);
					else
						fn(arg, SCAN_RUNS, "s///e", 5);
				} else if (s[i] == 'w' || s[i] == 'W') {
					i = scan_sed_file(s, n, i + 1, fn, arg);
					break;
				}
				i++;
			}
			break;
		default:
			if (strchr("=dDgGhHlnNpPxzF", c) == NULL)
				return;	/* not sed: stop rather than guess */
			break;
		}
	}
}

/* ---- awk ---- */

/* Is the byte before a '/' the end of an operand (so '/' divides)? */
static int
scan_awk_operand(char prev)
{
	return isalnum((unsigned char)prev) || prev == '_' || prev == ')' ||
	    prev == ']' || prev == '$' || prev == '"';
}

/* A string literal at i ("..."): sets *b, *e to its contents; index after. */
static size_t
scan_awk_string(const char *s, size_t n, size_t i, size_t *b, size_t *e)
{
	size_t j = scan_delim(s, n, i + 1, '"');

	*b = i + 1;
	*e = j > *b ? j - 1 : *b;
	return j;
}

/* Previous non-blank byte's index before i, or (size_t)-1. */
static size_t
scan_back(const char *s, size_t i)
{
	while (i > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t'))
		i--;
	return i > 0 ? i - 1 : (size_t)-1;
}

/* Is the word before i a print/printf statement's (output redirection)? */
static int
scan_awk_in_print(const char *s, size_t i)
{
	size_t j;

	while (i > 0) {
		i--;
		if (s[i] == ';' || s[i] == '{' || s[i] == '}' || s[i] == '\n')
			break;
	}
	j = i;
	while (s[j] == ';' || s[j] == '{' || s[j] == '}' || isspace(
	    (unsigned char)s[j]))
		j++;
	return strncmp(s + j, "print", 5) == 0;
}

/* An awk program: system(), pipes to and from commands, @ calls, writes. */
void
pol_scan_awk(const char *s, size_t n, pol_scan_fn fn, void *arg)
{
	size_t i = 0, b, e, p, sb = 0, se = 0, send = (size_t)-1;
	char prev = '\0';
	int pipe;

	while (i < n) {
		char c = s[i];

		if (c == '#') {
			i = scan_eol(s, n, i);
			continue;
		}
		if (c == '"') {
			i = scan_awk_string(s, n, i, &sb, &se);
			send = i;
			prev = '"';
			continue;
		}
		if (c == '/' && !scan_awk_operand(prev)) {
			i = scan_delim(s, n, i + 1, '/');
			prev = ')';
			continue;
		}
		if (isalpha((unsigned char)c) || c == '_') {
			b = i;
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
				i++;
			prev = 'a';
			if (i - b != 6 || strncmp(s + b, "system", 6) != 0 ||
			    (b > 0 && s[b - 1] == '@'))
				continue;
			p = scan_blanks(s, n, i);
			if (p >= n || s[p] != '(')
				continue;
			p = scan_blanks(s, n, p + 1);
			if (p < n && s[p] == '"') {
				size_t q = scan_awk_string(s, n, p, &b, &e);

				q = scan_blanks(s, n, q);
				if (q < n && s[q] == ')') {
					fn(arg, SCAN_SHELL, s + b, e - b);
					continue;
				}
			}
			fn(arg, SCAN_RUNS, "system()", 8);
			continue;
		}
		if (c == '@' && i + 1 < n && (isalpha((unsigned char)s[i + 1]) ||
		    s[i + 1] == '_')) {
			/* gawk: @load/@include bring code in, @f() calls a
			 * function named at run time (system, too) */
			fn(arg, SCAN_RUNS, "@", 1);
			i++;
			continue;
		}
		if (c == '|' && i + 1 < n && s[i + 1] == '|') {
			i += 2;
			prev = '|';
			continue;
		}
		if (c == '|') {
			pipe = 1;
			p = i + 1;
			if (p < n && s[p] == '&')
				p++;
			p = scan_blanks(s, n, p);
			if (strncmp(s + p, "getline", 7) == 0 && (p + 7 >= n ||
			    !isalnum((unsigned char)s[p + 7]))) {
				/* "cmd" | getline: the command is before */
				if (send != (size_t)-1 && scan_back(s, i) + 1 == send)
					fn(arg, SCAN_SHELL, s + sb, se - sb);
				else
					fn(arg, SCAN_RUNS, "| getline", 9);
				pipe = 0;
			} else if (p < n && s[p] == '"') {
				size_t q = scan_awk_string(s, n, p, &b, &e);

				q = scan_blanks(s, n, q);
				if (q >= n || strchr(";}\n)", s[q]) != NULL) {
					fn(arg, SCAN_SHELL, s + b, e - b);
					pipe = 0;
				}
			}
			if (pipe)
				fn(arg, SCAN_RUNS, "print |", 7);
			i = p;
			prev = '|';
			continue;
		}
		if (c == '>' && scan_awk_in_print(s, i)) {
			p = i + 1;
			if (p < n && s[p] == '>')
				p++;
			p = scan_blanks(s, n, p);
			if (p < n && s[p] == '"') {
				scan_awk_string(s, n, p, &b, &e);
				if (e > b)
					fn(arg, SCAN_WRITE, s + b, e - b);
			}
			i = p;
			prev = '>';
			continue;
		}
		if (!isspace((unsigned char)c))
			prev = c;
		i++;
	}
}

/* ---- SQL ---- */

/* Case-insensitive keyword at i, followed by a non-word byte? */
static int
scan_kw(const char *s, size_t n, size_t i, const char *kw)
{
	size_t k = strlen(kw);

	return i + k <= n && strncasecmp(s + i, kw, k) == 0 &&
	    (i + k == n || !(isalnum((unsigned char)s[i + k]) || s[i + k] == '_'));
}

/* One statement from b to e (quotes and comments already respected). */
static void
scan_sql_stmt(const char *s, size_t b, size_t e, pol_scan_fn fn, void *arg)
{
	size_t i = b, len;
	int where = 0, drop = 0;
	char q;

	while (b < e && (isspace((unsigned char)s[b]) || s[b] == '('))
		b++;
	if (b >= e)
		return;
	len = e - b;
	/* look for WHERE / DROP words outside quotes */
	for (i = b; i < e; i++) {
		if (s[i] == '\'' || s[i] == '"' || s[i] == '`') {
			q = s[i];
			for (i++; i < e && s[i] != q; i++)
				;
			continue;
		}
		if (i > b && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))
			continue;
		if (scan_kw(s, e, i, "where"))
			where = 1;
		if (scan_kw(s, e, i, "drop"))
			drop = 1;
	}
	if (scan_kw(s, e, b, "drop") || scan_kw(s, e, b, "truncate") ||
	    ((scan_kw(s, e, b, "delete") || scan_kw(s, e, b, "update")) &&
	    !where))
		fn(arg, SCAN_DESTROY, s + b, len);
	else if ((scan_kw(s, e, b, "alter") && drop) ||
	    scan_kw(s, e, b, "grant") || scan_kw(s, e, b, "revoke") ||
	    (scan_kw(s, e, b, "create") && (scan_kw(s, e, scan_blanks(s, e,
	    b + 6), "user") || scan_kw(s, e, scan_blanks(s, e, b + 6), "role"))))
		fn(arg, SCAN_CHANGE, s + b, len);
	/* COPY ... TO/FROM PROGRAM 'cmd' (PostgreSQL runs it in a shell) */
	if (scan_kw(s, e, b, "copy"))
		for (i = b; i < e; i++)
			if ((i == b || !isalnum((unsigned char)s[i - 1])) &&
			    scan_kw(s, e, i, "program")) {
				size_t p = i + 7, pe;

				while (p < e && isspace((unsigned char)s[p]))
					p++;
				if (p < e && s[p] == '\'') {
					pe = scan_delim(s, e, p + 1, '\'');
					fn(arg, SCAN_SHELL, s + p + 1,
					    pe > p + 1 ? pe - p - 2 : 0);
				} else
					fn(arg, SCAN_RUNS, "COPY PROGRAM", 12);
			}
	/* SELECT ... INTO OUTFILE/DUMPFILE '/path' (MySQL writes it) */
	for (i = b; i < e; i++)
		if ((i == b || isspace((unsigned char)s[i - 1])) &&
		    (scan_kw(s, e, i, "outfile") || scan_kw(s, e, i, "dumpfile"))) {
			size_t p = i + 7, pe;

			while (p < e && isspace((unsigned char)s[p]))
				p++;
			if (p < e && (s[p] == '\'' || s[p] == '"')) {
				pe = scan_delim(s, e, p + 1, s[p]);
				if (pe > p + 2)
					fn(arg, SCAN_WRITE, s + p + 1, pe - p - 2);
			}
		}
}

/* A meta-command line (psql \x, sqlite .x, mysql \! or system). */
static size_t
scan_sql_meta(const char *s, size_t n, size_t i, pol_scan_fn fn, void *arg)
{
	size_t e = scan_eol(s, n, i), p;

	if (s[i] == '\\' && i + 1 < n && s[i + 1] == '!') {
		p = scan_blanks(s, e, i + 2);
		fn(arg, p < e ? SCAN_SHELL : SCAN_RUNS, s + p, e - p);
	} else if (s[i] == '.' && (scan_kw(s, e, i + 1, "shell") ||
	    scan_kw(s, e, i + 1, "system"))) {
		p = scan_blanks(s, e, i + 1 + (scan_kw(s, e, i + 1, "shell") ?
		    5 : 6));
		fn(arg, p < e ? SCAN_SHELL : SCAN_RUNS, s + p, e - p);
	} else if (s[i] == '.' && (scan_kw(s, e, i + 1, "output") ||
	    scan_kw(s, e, i + 1, "once") || scan_kw(s, e, i + 1, "save") ||
	    scan_kw(s, e, i + 1, "backup"))) {
		p = i + 1;
		while (p < e && !isspace((unsigned char)s[p]))
			p++;
		p = scan_blanks(s, e, p);
		if (p < e && s[p] != '-')
			fn(arg, SCAN_WRITE, s + p, e - p);
	} else if (s[i] == '.' && scan_kw(s, e, i + 1, "load"))
		fn(arg, SCAN_RUNS, ".load", 5);
	else if (s[i] == '\\' && i + 2 < n && (s[i + 1] == 'o' ||
	    s[i + 1] == 'w') && (s[i + 2] == ' ' || s[i + 2] == '\t')) {
		p = scan_blanks(s, e, i + 2);
		if (p < e && s[p] == '|')
			fn(arg, SCAN_SHELL, s + p + 1, e - p - 1);
		else if (p < e)
			fn(arg, SCAN_WRITE, s + p, e - p);
	}
	return e;
}

/* SQL text: statements split on ';' outside quotes and comments, and
 * meta-commands at the start of a line. */
void
pol_scan_sql(const char *s, size_t n, pol_scan_fn fn, void *arg)
{
	size_t i = 0, b = 0, t;
	int bol = 1;
	char q;

	while (i < n) {
		if (bol) {
			t = scan_blanks(s, n, i);
			if (t < n && (s[t] == '\\' || s[t] == '.') && b == i) {
				i = b = scan_sql_meta(s, n, t, fn, arg);
				continue;
			}
			if (t + 6 < n && b == i && scan_kw(s, n, t, "system") &&
			    s[t + 6] == ' ') {
				i = b = scan_eol(s, n, t);
				fn(arg, SCAN_SHELL, s + t + 7, i - t - 7);
				continue;
			}
			bol = 0;
		}
		switch (s[i]) {
		case '\'':
		case '"':
		case '`':
			q = s[i];
			i = scan_delim(s, n, i + 1, q);
			continue;
		case '$':
			if (i + 1 < n && s[i + 1] == '$') {
				const char *end = NULL;

				if (i + 2 < n)
					end = strstr(s + i + 2, "$$");
				i = end != NULL && (size_t)(end - s) < n ?
				    (size_t)(end - s) + 2 : n;
				continue;
			}
			break;
		case '-':
			if (i + 1 < n && s[i + 1] == '-') {
				i = scan_eol(s, n, i);
				continue;
			}
			break;
		case '/':
			if (i + 1 < n && s[i + 1] == '*') {
				const char *end = i + 2 < n ? strstr(s + i + 2,
				    "*/") : NULL;

				i = end != NULL && (size_t)(end - s) < n ?
				    (size_t)(end - s) + 2 : n;
				continue;
			}
			break;
		case ';':
			scan_sql_stmt(s, b, i, fn, arg);
			b = ++i;
			continue;
		case '\n':
			if (b == i || strspn(s + b, " \t\r\n") >= i - b)
				b = i + 1;
			bol = 1;
			break;
		default:
			break;
		}
		i++;
	}
	if (b < n)
		scan_sql_stmt(s, b, n, fn, arg);
}

/* ---- editors and debuggers ---- */

/*
 * One ex command (vim -c, +cmd, --cmd) or gdb/lldb command (-ex, -o):
 * SCAN_SHELL for a visible shell command (:!cmd, shell cmd, !cmd), else
 * SCAN_RUNS when the command can run code (system(), py/lua/perl/ruby,
 * :source, :terminal, :write to a file, gdb python/pipe ...).  Plain
 * motions, searches and settings report nothing.
 */
void
pol_scan_excmd(const char *s, size_t n, int gdb, pol_scan_fn fn, void *arg)
{
	static const char *const vimrun[] = {
		"!", "r!", "read!", "w!", "call", "exe", "execute", "lua",
		"luado", "luafile", "mzscheme", "perl", "perldo", "py", "py3",
		"py3do", "py3file", "pydo", "pyfile", "python", "python3",
		"pythonx", "pyx", "ruby", "rubydo", "rubyfile", "so", "source",
		"ter", "terminal", "tcl", "let", "norm", "normal",
		"redir", "!!", "make", "grep", "cexpr", "argdo", "bufdo",
		"windo", "cdo", "ldo", "tabdo", "silent!",
	};
	static const char *const gdbrun[] = {
		"!", "|", "pipe", "py", "python", "python-interactive", "pi",
		"source", "guile", "gu", "call", "dump", "append", "restore",
		"define", "compile", "expression", "script", "command",
	};
	size_t i = 0, w, k, nset;
	const char *const *set;

	while (i < n && (isspace((unsigned char)s[i]) || s[i] == ':'))
		i++;
	if (i >= n)
		return;
	if (s[i] == '!') {
		fn(arg, SCAN_SHELL, s + i + 1, n - i - 1);
		return;
	}
	w = i;
	while (w < n && !isspace((unsigned char)s[w]) && s[w] != '(' &&
	    s[w] != '!' && s[w] != '|')
		w++;
	if (gdb && w - i == 5 && strncmp(s + i, "shell", 5) == 0) {
		fn(arg, SCAN_SHELL, s + w, n - w);
		return;
	}
	if (gdb && w - i == 8 && strncmp(s + i, "platform", 8) == 0) {
		/* lldb: platform shell CMD */
		k = w;
		while (k < n && isspace((unsigned char)s[k]))
			k++;
		if (n - k >= 5 && strncmp(s + k, "shell", 5) == 0) {
			fn(arg, SCAN_SHELL, s + k + 5, n - k - 5);
			return;
		}
	}
	if (!gdb && w < n && s[w] == '!' && (w == i || strncmp(s + i, "r", w - i)
	    == 0 || strncmp(s + i, "read", w - i) == 0 ||
	    strncmp(s + i, "w", w - i) == 0)) {
		fn(arg, SCAN_SHELL, s + w + 1, n - w - 1);
		return;
	}
	if (!gdb && ((w - i >= 1 && strncmp(s + i, "write", w - i) == 0) ||
	    (w - i >= 3 && strncmp(s + i, "saveas", w - i) == 0) ||
	    (w - i == 2 && strncmp(s + i, "wq", 2) == 0) ||
	    (w - i >= 1 && strncmp(s + i, "xit", w - i) == 0))) {
		k = w < n && s[w] == '!' ? w + 1 : w;
		while (k < n && isspace((unsigned char)s[k]))
			k++;
		if (k < n && s[k] == '!')	/* :w !cmd pipes into cmd */
			fn(arg, SCAN_SHELL, s + k + 1, n - k - 1);
		else if (k < n)
			fn(arg, SCAN_WRITE, s + k, n - k);
		return;
	}
	set = gdb ? gdbrun : vimrun;
	nset = gdb ? nitems(gdbrun) : nitems(vimrun);
	for (k = 0; k < nset; k++)
		if (strlen(set[k]) == w - i && strncmp(set[k], s + i, w - i) == 0)
			break;
	if (k < nset || memmem(s, n, "system(", 7) != NULL ||
	    memmem(s, n, "systemlist(", 11) != NULL)
		fn(arg, SCAN_RUNS, s + i, w - i);
}
