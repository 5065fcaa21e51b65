/*
 * rules.c: policy files: rules (pcre2 patterns) and allow/deny entries.
 *
 * The same format serves the built-in rules (default.rules, compiled in),
 * ~/.config/cade/policy and <project>/.cade/policy; doc/POLICY.md describes
 * it.  Text is read line by line; a "rule: NAME" line opens a rule whose
 * key lines follow; "allow:", "allow-prefix:", "deny:", "deny-prefix:",
 * "deny-exact:" and "disable:" lines stand alone.  Patterns are compiled
 * (and JIT-compiled) once, at load; any error stops the load with
 * "file:line: reason", so cade never runs on a half-read policy.  After
 * loading, pol_index() sorts command-scoped rules by command name so a
 * simple command only meets the rules written for it.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "shellparse.h"
#include "cade/util.h"
#include "policy-int.h"

#define POL_MAX_FILE	(4 * 1024 * 1024)

/* An empty policy: risky mode, MEDIUM threshold, no rules. */
struct policy *
pol_new(void)
{
	struct policy *p = xcalloc(1, sizeof *p);
	const char *home = getenv("HOME");

	p->mode = POL_RISKY;
	p->threshold = RISK_MEDIUM;
	p->md = pcre2_match_data_create(1, NULL);
	if (p->md == NULL)
		fatal("out of memory");
	p->home = xstrdup(home != NULL && home[0] == '/' ? home : "/nonexistent-home");
	return p;
}

/* LOW/MEDIUM/HIGH/UNKNOWN, any case; -1 if none of them. */
int
pol_risk_parse(const char *s, enum risk *out)
{
	static const char *const names[] = { "LOW", "MEDIUM", "HIGH", "UNKNOWN" };
	size_t i;

	for (i = 0; i < nitems(names); i++)
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum risk)i;
			return 0;
		}
	return -1;
}

/* Order of severity: UNKNOWN sits between MEDIUM and HIGH. */
int
pol_risk_rank(enum risk r)
{
	switch (r) {
	case RISK_LOW:
		return 0;
	case RISK_MEDIUM:
		return 1;
	case RISK_UNKNOWN:
		return 2;
	case RISK_HIGH:
		return 3;
	}
	return 2;
}

/* Release one rule. */
static void
pol_rule_free(struct pol_rule *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncommands; i++)
		free(r->commands[i]);
	free(r->commands);
	free(r->id);
	free(r->name);
	free(r->origin);
	free(r->pattern);
	free(r->reason);
	if (r->re != NULL)
		pcre2_code_free(r->re);
	free(r);
}

/* Release an entry's contents. */
void
pol_entry_free(struct pol_entry *e)
{
	size_t i;

	for (i = 0; i < e->nwords; i++)
		free(e->words[i]);
	free(e->words);
	free(e->text);
	free(e->origin);
	memset(e, 0, sizeof *e);
}

/* Release rules, entries and indexes. */
void
pol_rules_free(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nrule; i++)
		pol_rule_free(p->rule[i]);
	free(p->rule);
	for (i = 0; i < p->nentry; i++)
		pol_entry_free(&p->entry[i]);
	free(p->entry);
	free(p->idx);
	free(p->any);
	free(p->scoped);
	p->rule = NULL;
	p->entry = NULL;
	p->idx = NULL;
	p->any = p->scoped = NULL;
	p->nrule = p->arule = p->nentry = p->aentry = 0;
	p->nidx = p->nany = p->nscoped = 0;
}

/* Does pattern r match s? */
int
pol_match(struct policy *p, const struct pol_rule *r, const char *s, size_t len)
{
	return pcre2_match(r->re, (PCRE2_SPTR)s, len, 0, 0, p->md, NULL) >= 0;
}

/* Compile a pattern; NULL with *cause "bad pattern: ..." on error. */
static pcre2_code *
pol_compile(const char *pattern, char **cause)
{
	pcre2_code *re;
	int err;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[256];

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, 0, &err,
	    &off, NULL);
	if (re == NULL) {
		pcre2_get_error_message(err, msg, sizeof msg);
		*cause = xasprintf("bad pattern: %s at offset %zu", (char *)msg,
		    (size_t)off);
		return NULL;
	}
	/* the interpreter if no JIT; CADE_PCRE2_NOJIT for valgrind runs */
	if (getenv("CADE_PCRE2_NOJIT") == NULL)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

/* Split on blanks into a new array of words. */
static char **
pol_split(const char *s, size_t *n)
{
	char **v = NULL;
	size_t a = 0, len;

	*n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		if (*n == a) {
			a = a ? a * 2 : 4;
			v = xreallocarray(v, a, sizeof *v);
		}
		v[(*n)++] = xstrndup(s, len);
		s += len;
	}
	return v;
}

/* Parse "allow: WORDS" and friends into an entry; -1 with *cause. */
int
pol_parse_entry(const char *line, const char *origin, struct pol_entry *out,
    char **cause)
{
	static const struct {
		const char	*key;
		int		 deny, prefix;
	} kinds[] = {
		{ "allow", 0, 0 }, { "allow-prefix", 0, 1 },
		{ "deny", 1, 1 }, { "deny-prefix", 1, 1 }, { "deny-exact", 1, 0 },
	};
	struct shp_result *r;
	const char *colon, *v;
	size_t i, klen;
	int kind = -1;

	memset(out, 0, sizeof *out);
	while (isspace((unsigned char)*line))
		line++;
	colon = strchr(line, ':');
	if (colon == NULL) {
		*cause = xstrdup("expected 'allow: COMMAND' or 'allow-prefix: COMMAND'");
		return -1;
	}
	klen = (size_t)(colon - line);
	for (i = 0; i < nitems(kinds); i++)
		if (strlen(kinds[i].key) == klen &&
		    strncmp(kinds[i].key, line, klen) == 0)
			kind = (int)i;
	if (kind < 0) {
		*cause = xasprintf("unknown entry '%.*s'", (int)klen, line);
		return -1;
	}
	v = colon + 1;
	r = shp_parse(v, strlen(v));
	if (r->ncmd != 1 || r->cmd[0].argc == 0 || r->cmd[0].nredir != 0 ||
	    r->cmd[0].nassign != 0 || r->incomplete) {
		shp_result_free(r);
		*cause = xasprintf("'%s' needs one simple command (no ;, |, "
		    "redirections or assignments)", kinds[kind].key);
		return -1;
	}
	out->deny = kinds[kind].deny;
	out->prefix = kinds[kind].prefix;
	out->nwords = r->cmd[0].argc;
	out->words = xcalloc(out->nwords, sizeof *out->words);
	for (i = 0; i < out->nwords; i++) {
		out->words[i] = r->cmd[0].argv[i].s;
		r->cmd[0].argv[i].s = NULL;
	}
	shp_result_free(r);
	{
		char *q = pol_quote_words(out->words, out->nwords);

		out->text = xasprintf("%s: %s", kinds[kind].key, q);
		free(q);
	}
	out->origin = xstrdup(origin);
	return 0;
}

/* Add an entry (ownership moves); an identical one already there wins. */
void
pol_add_entry(struct policy *p, struct pol_entry *e)
{
	size_t i, j;
	struct pol_entry *o;

	for (i = 0; i < p->nentry; i++) {
		o = &p->entry[i];
		if (o->deny != e->deny || o->prefix != e->prefix ||
		    o->nwords != e->nwords)
			continue;
		for (j = 0; j < o->nwords; j++)
			if (strcmp(o->words[j], e->words[j]) != 0)
				break;
		if (j == o->nwords) {
			pol_entry_free(e);
			return;
		}
	}
	if (p->nentry == p->aentry) {
		p->aentry = p->aentry ? p->aentry * 2 : 8;
		p->entry = xreallocarray(p->entry, p->aentry, sizeof *p->entry);
	}
	p->entry[p->nentry++] = *e;
	memset(e, 0, sizeof *e);
}

/* Index of the rule called id, or -1. */
static long
pol_find_rule(struct policy *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->nrule; i++)
		if (strcmp(p->rule[i]->id, id) == 0)
			return (long)i;
	return -1;
}

/* Check a finished rule and add it (replacing one of the same name). */
static int
pol_rule_finish(struct policy *p, struct pol_rule *r, const char *file,
    int line, char **cause)
{
	long i;

	if (r->re == NULL) {
		*cause = xasprintf("%s:%d: rule '%s' has no match", file, line,
		    r->id);
		return -1;
	}
	if ((int)r->risk < 0) {
		*cause = xasprintf("%s:%d: rule '%s' has no risk", file, line,
		    r->id);
		return -1;
	}
	if (r->scope == 0)
		r->scope = PS_COMMAND;
	if (r->reason == NULL)
		r->reason = xstrdup(r->id);
	if ((i = pol_find_rule(p, r->id)) >= 0) {
		if (strcmp(p->rule[i]->origin, r->origin) == 0 &&
		    strcmp(r->origin, "session") != 0) {
			*cause = xasprintf("%s:%d: rule '%s' defined twice", file,
			    line, r->id);
			return -1;
		}
		if (strcmp(r->origin, "project") == 0) {
			*cause = xasprintf("%s:%d: a project policy cannot "
			    "replace the %s rule '%s'", file, line,
			    p->rule[i]->origin, r->id);
			return -1;
		}
		pol_rule_free(p->rule[i]);
		p->rule[i] = r;
	} else {
		if (p->nrule == p->arule) {
			p->arule = p->arule ? p->arule * 2 : 64;
			p->rule = xreallocarray(p->rule, p->arule, sizeof *p->rule);
		}
		p->rule[p->nrule++] = r;
	}
	p->dirty = 1;
	return 0;
}

/* A rule name: lower-case letters, digits and dashes. */
static int
pol_valid_id(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		    *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

/* Apply one "key: value" line; -1 with *cause (without file:line). */
static int
pol_line(struct policy *p, const char *key, char *val, const char *origin,
    struct pol_rule **cur, char **cause)
{
	struct pol_rule *r = *cur;
	struct pol_entry e;
	char **v;
	size_t n, i;
	long k;

	if (strcmp(key, "rule") == 0) {
		if (!pol_valid_id(val)) {
			*cause = xasprintf("bad rule name '%s' (use a-z, 0-9, -)",
			    val);
			return -1;
		}
		r = xcalloc(1, sizeof *r);
		r->id = xstrdup(val);
		r->origin = xstrdup(origin);
		r->name = xasprintf("%s:%s", origin, val);
		r->risk = (enum risk)-1;
		*cur = r;
		return 0;
	}
	if (strncmp(key, "allow", 5) == 0 || strncmp(key, "deny", 4) == 0) {
		char *line = xasprintf("%s: %s", key, val);

		k = pol_parse_entry(line, origin, &e, cause);
		free(line);
		if (k == -1)
			return -1;
		pol_add_entry(p, &e);
		return 0;
	}
	if (strcmp(key, "disable") == 0) {
		if ((k = pol_find_rule(p, val)) < 0) {
			*cause = xasprintf("no rule named '%s' to disable", val);
			return -1;
		}
		if (strcmp(origin, "project") == 0 &&
		    strcmp(p->rule[k]->origin, "project") != 0) {
			*cause = xasprintf("a project policy cannot disable the "
			    "%s rule '%s'", p->rule[k]->origin, val);
			return -1;
		}
		p->rule[k]->disabled = 1;
		p->dirty = 1;
		return 0;
	}
	if (r == NULL) {
		*cause = xasprintf("'%s' outside a rule (start one with 'rule: "
		    "NAME')", key);
		return -1;
	}
	if (strcmp(key, "match") == 0) {
		if (r->re != NULL) {
			*cause = xasprintf("rule '%s' has two matches", r->id);
			return -1;
		}
		if ((r->re = pol_compile(val, cause)) == NULL)
			return -1;
		r->pattern = xstrdup(val);
	} else if (strcmp(key, "risk") == 0) {
		if (pol_risk_parse(val, &r->risk) == -1) {
			*cause = xasprintf("bad risk '%s' (LOW, MEDIUM, HIGH or "
			    "UNKNOWN)", val);
			return -1;
		}
	} else if (strcmp(key, "reason") == 0) {
		free(r->reason);
		r->reason = xstrdup(val);
	} else if (strcmp(key, "decision") == 0) {
		if (strcmp(val, "deny") == 0)
			r->deny = 1;
		else if (strcmp(val, "ask") == 0)
			r->deny = 0;
		else {
			*cause = xasprintf("bad decision '%s' (deny or ask)", val);
			return -1;
		}
	} else if (strcmp(key, "command") == 0) {
		v = pol_split(val, &n);
		r->commands = xreallocarray(r->commands, r->ncommands + n,
		    sizeof *r->commands);
		for (i = 0; i < n; i++)
			r->commands[r->ncommands++] = v[i];
		free(v);
	} else if (strcmp(key, "scope") == 0) {
		static const struct {
			const char	*name;
			unsigned	 bit;
		} scopes[] = {
			{ "command", PS_COMMAND }, { "arg", PS_ARG },
			{ "write", PS_WRITE }, { "read", PS_READ },
			{ "line", PS_LINE }, { "assign", PS_ASSIGN },
		};
		size_t j;

		v = pol_split(val, &n);
		for (i = 0; i < n; i++) {
			for (j = 0; j < nitems(scopes); j++)
				if (strcmp(v[i], scopes[j].name) == 0)
					break;
			if (j == nitems(scopes)) {
				*cause = xasprintf("bad scope '%s' (command, arg, "
				    "write, read, assign or line)", v[i]);
				for (j = 0; j < n; j++)
					free(v[j]);
				free(v);
				return -1;
			}
			r->scope |= scopes[j].bit;
		}
		for (i = 0; i < n; i++)
			free(v[i]);
		free(v);
	} else {
		*cause = xasprintf("unknown key '%s'", key);
		return -1;
	}
	return 0;
}

/* Parse a whole policy text; -1 with *cause "file:line: ...". */
int
pol_parse_text(struct policy *p, const char *text, size_t len,
    const char *file, const char *origin, char **cause)
{
	struct pol_rule *cur = NULL;
	const char *s = text, *end = text + len, *nl;
	char *line, *t, *colon, *why = NULL;
	int lineno = 0, rule_line = 0, rc = 0;

	while (s < end) {
		lineno++;
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		line = xstrndup(s, (size_t)(nl - s));
		s = nl + 1;
		t = util_trim(line);
		if (*t == '\0' || *t == '#') {
			free(line);
			continue;
		}
		colon = t;
		while (islower((unsigned char)*colon) || *colon == '-')
			colon++;
		if (*colon != ':' || colon == t) {
			*cause = xasprintf("%s:%d: expected 'key: value'", file,
			    lineno);
			free(line);
			rc = -1;
			break;
		}
		*colon = '\0';
		if (cur != NULL && (strcmp(t, "rule") == 0 ||
		    strncmp(t, "allow", 5) == 0 || strncmp(t, "deny", 4) == 0 ||
		    strcmp(t, "disable") == 0)) {
			if (pol_rule_finish(p, cur, file, rule_line, cause) == -1) {
				pol_rule_free(cur);
				cur = NULL;
				free(line);
				rc = -1;
				break;
			}
			cur = NULL;
		}
		if (strcmp(t, "rule") == 0)
			rule_line = lineno;
		if (pol_line(p, t, util_trim(colon + 1), origin, &cur, &why) == -1) {
			*cause = xasprintf("%s:%d: %s", file, lineno, why);
			free(why);
			free(line);
			rc = -1;
			break;
		}
		free(line);
	}
	if (rc == 0 && cur != NULL) {
		if (pol_rule_finish(p, cur, file, rule_line, cause) == -1)
			rc = -1;
		else
			cur = NULL;
	}
	pol_rule_free(cur);
	return rc;
}

/* Load a policy file; 0 if it does not exist, -1 with *cause. */
int
pol_load_file(struct policy *p, const char *path, const char *origin,
    char **cause)
{
	char *text;
	size_t len;
	int rc;

	if ((text = util_read_small(path, POL_MAX_FILE, &len, cause)) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR) {
			free(*cause);
			*cause = NULL;
			return 0;
		}
		return -1;
	}
	rc = pol_parse_text(p, text, len, path, origin, cause);
	free(text);
	return rc == -1 ? -1 : 1;
}

/* qsort order for the command index: name, then file order. */
static int
pol_idx_cmp(const void *a, const void *b)
{
	const struct pol_cmdidx *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Rebuild the per-command index and the scope lists. */
void
pol_index(struct policy *p)
{
	size_t i, j, n = 0;
	struct pol_rule *r;

	free(p->idx);
	free(p->any);
	free(p->scoped);
	for (i = 0; i < p->nrule; i++)
		n += p->rule[i]->ncommands;
	p->idx = xcalloc(n + 1, sizeof *p->idx);
	p->any = xcalloc(p->nrule + 1, sizeof *p->any);
	p->scoped = xcalloc(p->nrule + 1, sizeof *p->scoped);
	p->nidx = p->nany = p->nscoped = 0;
	for (i = 0; i < p->nrule; i++) {
		r = p->rule[i];
		if (r->disabled)
			continue;
		if (r->scope & PS_COMMAND) {
			if (r->ncommands == 0)
				p->any[p->nany++] = r;
			for (j = 0; j < r->ncommands; j++) {
				struct pol_cmdidx *x = &p->idx[p->nidx++];

				x->name = r->commands[j];
				x->len = strlen(x->name);
				x->prefix = x->len > 1 && x->name[x->len - 1] == '*';
				if (x->prefix)
					x->len--;
				x->rule = r;
				x->order = i;
			}
		}
		if (r->scope & ~PS_COMMAND)
			p->scoped[p->nscoped++] = r;
	}
	qsort(p->idx, p->nidx, sizeof *p->idx, pol_idx_cmp);
	p->dirty = 0;
}

/* Call fn for every enabled command rule that names this command. */
void
pol_rules_for_command(struct policy *p, const char *name,
    void (*fn)(const struct pol_rule *, void *), void *arg)
{
	size_t lo = 0, hi = p->nidx, mid, i;

	if (p->dirty)
		pol_index(p);
	/* lower bound of name among exact names */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (strcmp(p->idx[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < p->nidx && strcmp(p->idx[i].name, name) == 0; i++)
		if (!p->idx[i].prefix)
			fn(p->idx[i].rule, arg);
	for (i = 0; i < p->nidx; i++)
		if (p->idx[i].prefix &&
		    strncmp(p->idx[i].name, name, p->idx[i].len) == 0)
			fn(p->idx[i].rule, arg);
	for (i = 0; i < p->nany; i++)
		fn(p->any[i], arg);
}

/* Is c safe unquoted in a shell word? */
static int
pol_safe_char(int c)
{
	return isalnum(c) || (c != '\0' && strchr("_./:=@%+,-^", c) != NULL);
}

/* Append s single-quoted for a shell ('\'' for a quote inside). */
void
pol_buf_quote(struct buf *b, const char *s)
{
	(void)buf_putc(b, '\'');
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			(void)buf_puts(b, "'\\''");
		else
			(void)buf_putc(b, *s);
	}
	(void)buf_putc(b, '\'');
}

/* Words joined by spaces, each quoted so the shell parser reads it back. */
char *
pol_quote_words(char *const *words, size_t n)
{
	struct buf b;
	char *out;
	size_t i;
	const char *s;
	int plain;

	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)buf_putc(&b, ' ');
		plain = words[i][0] != '\0';
		for (s = words[i]; *s != '\0' && plain; s++)
			if (!pol_safe_char((unsigned char)*s))
				plain = 0;
		if (plain)
			(void)buf_puts(&b, words[i]);
		else
			pol_buf_quote(&b, words[i]);
	}
	out = buf_detach(&b, NULL);
	buf_free(&b);
	return out;
}
