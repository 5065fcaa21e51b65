/*
 * match.c: glob matching for the glob and grep tools and for .gitignore.
 *
 * Shell glob semantics on '/'-separated paths: '*' and '?' never match '/',
 * "[...]" is a class ('!' or '^' negates, ranges allowed), '\' escapes, and
 * "**" matches across directories: "**" + "/" matches zero or more whole
 * directories ("**" + "/x.c" matches "x.c" and "a/b/x.c"), a trailing "**"
 * matches everything below.  Backtracking, so cost grows with the number of
 * stars; patterns come from the model or .gitignore files and are short.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "cade/util.h"

#include "tools-int.h"

/* Match a "[...]" class at p against c; returns the pattern after it, or NULL if c fails. */
static const char *
match_class(const char *p, char c, int *matched)
{
	const char *q = p + 1;
	int neg = 0, hit = 0;

	if (*q == '!' || *q == '^') {
		neg = 1;
		q++;
	}
	if (*q == ']') {	/* a leading ']' is literal */
		hit |= c == ']';
		q++;
	}
	while (*q != '\0' && *q != ']') {
		char lo = *q, hi;

		if (lo == '\\' && q[1] != '\0')
			lo = *++q;
		if (q[1] == '-' && q[2] != '\0' && q[2] != ']') {
			hi = q[2];
			if (hi == '\\' && q[3] != '\0') {
				hi = q[3];
				q++;
			}
			hit |= c >= lo && c <= hi;
			q += 3;
		} else {
			hit |= c == lo;
			q++;
		}
	}
	if (*q != ']')
		return NULL;	/* unterminated: caller treats '[' literally */
	*matched = (hit != neg) && c != '/';
	return q + 1;
}

/* See tools-int.h. */
int
tool_match_glob(const char *p, const char *s)
{
	const char *q, *next;
	int m;

	while (*p != '\0') {
		if (p[0] == '*' && p[1] == '*') {
			const char *rest = p + 2;

			while (*rest == '*')
				rest++;
			if (*rest == '/') {
				rest++;
				if (tool_match_glob(rest, s))
					return 1;
				for (q = s; *q != '\0'; q++)
					if (*q == '/' && tool_match_glob(rest, q + 1))
						return 1;
				return 0;
			}
			for (q = s;; q++) {
				if (tool_match_glob(rest, q))
					return 1;
				if (*q == '\0')
					return 0;
			}
		}
		if (*p == '*') {
			p++;
			for (q = s;; q++) {
				if (tool_match_glob(p, q))
					return 1;
				if (*q == '\0' || *q == '/')
					return 0;
			}
		}
		if (*s == '\0')
			return 0;
		if (*p == '?') {
			if (*s == '/')
				return 0;
			p++;
			s++;
			continue;
		}
		if (*p == '[') {
			m = 0;
			next = match_class(p, *s, &m);
			if (next != NULL) {
				if (!m)
					return 0;
				p = next;
				s++;
				continue;
			}
		}
		if (*p == '\\' && p[1] != '\0')
			p++;
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	return *s == '\0';
}

/* Append to a NULL-terminated vector. */
static void
match_strv_add(char ***v, size_t *n, char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof **v);
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* Expand the first brace group of s into out, recursively. */
static void
match_expand(const char *s, char ***out, size_t *n, int depth)
{
	const char *open = NULL, *close = NULL, *p, *start;
	int level = 0;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '{') {
			if (level++ == 0)
				open = p;
		} else if (*p == '}' && level > 0) {
			if (--level == 0) {
				close = p;
				break;
			}
		}
	}
	if (open == NULL || close == NULL || depth > 8) {
		match_strv_add(out, n, xstrdup(s));
		return;
	}
	start = open + 1;
	level = 0;
	for (p = start; p <= close; p++) {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			continue;
		}
		if (*p == '{')
			level++;
		else if (*p == '}' && p != close)
			level--;
		else if ((*p == ',' && level == 0) || p == close) {
			char *alt = xasprintf("%.*s%.*s%s", (int)(open - s), s,
			    (int)(p - start), start, close + 1);

			match_expand(alt, out, n, depth + 1);
			free(alt);
			start = p + 1;
		}
	}
}

/* See tools-int.h. */
char **
tool_expand_braces(const char *pattern)
{
	char **v = NULL;
	size_t n = 0;

	match_expand(pattern, &v, &n, 0);
	return v;
}

/* See tools-int.h. */
void
tool_strv_free(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
