/*
 * risk.c: what an action would do, as findings (risk + rule + reason).
 *
 * A shell command goes through shellparse into simple commands.  Each one
 * is unwrapped (sudo, env, nohup, timeout, xargs, busybox ...) into its
 * forms, and every form meets the rules written for its command name
 * (rules.c).  Then come the checks a pattern cannot make: paths are
 * resolved against the workspace root and the tracked working directory
 * (cd) to rate deletions and writes; code handed to a shell or an
 * interpreter (sh -c, eval, here-documents, echo ... | sh, su -c, ssh host
 * CMD, find -exec, watch, alias, trap) is parsed again and rated the same
 * way, up to POL_MAX_NEST levels; what stays unknown (a command name from a
 * variable, eval of a substitution, a decoded payload fed to a shell) is
 * UNKNOWN; downloads that reach a shell, and environment dumps that reach
 * the network, are flagged across the whole action.
 *
 * What each program is and which checks it gets is its row in the command
 * table (commands.c): this file never tests a program's name.  The path
 * model lives in risk-path.c, the analysis of code inside code in
 * risk-code.c, checks of programs' own options in programs.c.
 *
 * Every top-level simple command (including those inside substitutions)
 * is a segment; findings carry the segment they came from so decide.c can
 * let allow-listed segments through while the rest is still judged.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cade/buf.h"
#include "shellparse.h"
#include "cade/util.h"
#include "policy-int.h"

static int	pol_classify_write_flag(struct pol_ctx *, const struct shp_word *);

/* Is s in the sorted set? */
int
pol_in(const char *const *set, size_t n, const char *s)
{
	size_t lo = 0, hi = n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(set[mid], s);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* The last path component (what /bin/rm runs as). */
const char *
pol_base(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash != NULL && slash[1] != '\0' ? slash + 1 : s;
}

/* Is "|name|" in the list? */
int
pol_in_bars(const char *bars, const char *name, size_t len)
{
	const char *s = bars;

	while ((s = strstr(s, "|")) != NULL && s[1] != '\0') {
		s++;
		if (strncmp(s, name, len) == 0 && s[len] == '|')
			return 1;
	}
	return 0;
}

/* Does the word's value depend on the run (or is the name a pattern)? */
int
pol_word_dynamic(const struct shp_word *w)
{
	return (w->flags & (SHP_DYNAMIC | SHP_GLOB | SHP_BRACE)) != 0;
}

/* Skip a wrapper's options; index of the next command word (argc if none). */
static size_t
pol_skip_wrapper(const struct shp_cmd *c, size_t i, const struct pol_wrap *w,
    struct pol_unwrap *u)
{
	size_t j = i + 1, k, len;
	int npos = w->npos;
	const char *a;

	while (j < c->argc) {
		a = c->argv[j].s;
		if ((w->flags & W_ENVASSIGN) && shp_is_assignment(a)) {
			j++;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			j++;
			break;
		}
		if (a[0] == '-' && a[1] != '\0' && (npos == w->npos ||
		    w->copts[0] != '\0')) {
			if (a[1] == '-') {
				len = strcspn(a + 2, "=");
				if (strncmp(a + 2, "command", len) == 0 && len == 7 &&
				    w->copts[0] != '\0') {
					if (a[2 + len] == '=')
						j++;
					else if (j + 1 < c->argc)
						u->code = &c->argv[(j += 2) - 1];
					else
						j++;
					continue;
				}
				if (strncmp(a + 2, "split-string", len) == 0 &&
				    len == 12 && strchr(w->copts, 'S') != NULL &&
				    a[2 + len] != '=' && j + 1 < c->argc) {
					u->code = &c->argv[j + 1];
					j += 2;
					continue;
				}
				if (a[2 + len] != '=' &&
				    pol_in_bars(w->longarg, a + 2, len))
					j++;
				j++;
				continue;
			}
			if ((w->flags & W_QUERY) &&
			    (strchr(a, 'v') != NULL || strchr(a, 'V') != NULL))
				u->query = 1;
			for (k = 1; a[k] != '\0'; k++) {
				if (strchr(w->copts, a[k]) != NULL) {
					if (a[k + 1] == '\0' && j + 1 < c->argc)
						u->code = &c->argv[++j];
					else if (a[k + 1] != '\0') {
						u->code = &c->argv[j];
						u->codeoff = k + 1;
					}
					break;
				}
				if (strchr(w->argopts, a[k]) != NULL) {
					if (a[k + 1] == '\0')
						j++;
					break;
				}
			}
			j++;
			continue;
		}
		if (npos > 0) {
			npos--;
			j++;
			continue;
		}
		break;
	}
	return j;
}

/* Peel wrappers off a simple command. */
void
pol_unwrap(const struct shp_cmd *c, struct pol_unwrap *u)
{
	const struct pol_cmd *e;
	const struct pol_wrap *w;
	size_t i = 0;
	int benign = 1;

	memset(u, 0, sizeof *u);
	u->eff = -1;
	while (i < c->argc && u->nstart < nitems(u->start)) {
		u->start[u->nstart++] = i;
		if (benign)
			u->nbenign = u->nstart;
		if (pol_word_dynamic(&c->argv[i]) ||
		    (e = pol_cmd_find(pol_base(c->argv[i].s))) == NULL ||
		    !(e->flags & CF_WRAP)) {
			u->eff = (long)i;
			return;
		}
		w = &e->wrap;
		if (!(w->flags & W_BENIGN))
			benign = 0;
		if (w->flags & W_XARGS) {
			size_t k;

			u->xargs = 1;
			for (k = i + 1; k < c->argc && c->argv[k].s[0] == '-'; k++) {
				const char *a = c->argv[k].s;

				if (strncmp(a, "-I", 2) == 0)
					u->xph = a[2] != '\0' ? a + 2 : k + 1 <
					    c->argc ? c->argv[k + 1].s : NULL;
				else if (strcmp(a, "-i") == 0 ||
				    strcmp(a, "--replace") == 0)
					u->xph = "{}";
				else if (strncmp(a, "--replace=", 10) == 0 ||
				    strncmp(a, "-i", 2) == 0)
					u->xph = a + (a[1] == 'i' ? 2 : 10);
				if (strcmp(a, "-I") == 0 || strcmp(a, "-a") == 0 ||
				    strcmp(a, "-d") == 0 || strcmp(a, "-E") == 0 ||
				    strcmp(a, "-L") == 0 || strcmp(a, "-n") == 0 ||
				    strcmp(a, "-P") == 0 || strcmp(a, "-s") == 0)
					k++;
			}
		}
		u->wrapper = e->name;
		if (w->flags & W_APPLET) {
			i++;
			continue;
		}
		if (w->sub != NULL) {
			/* uv run CMD: only "run" makes uv a wrapper */
			if (i + 1 >= c->argc || strcmp(c->argv[i + 1].s, w->sub) != 0) {
				u->eff = (long)i;
				return;
			}
			i++;
		}
		i = pol_skip_wrapper(c, i, w, u);
		if (u->query || u->code != NULL)
			return;
	}
	if (i < c->argc)	/* too many wrappers: rate the rest as it is */
		u->eff = (long)i;
}

/* Kinds of what a command runs (for links across the action). */
unsigned
pol_cmd_kind(const struct shp_cmd *c)
{
	const struct pol_cmd *e;
	struct pol_unwrap u;
	unsigned k;
	size_t i;

	if (c->argc == 0)
		return 0;
	pol_unwrap(c, &u);
	if (u.eff < 0) {
		/* env alone prints the environment */
		if (u.wrapper != NULL && !u.query)
			return pol_cmd_flags(u.wrapper) & K_ENVDUMP;
		return 0;
	}
	if (pol_word_dynamic(&c->argv[u.eff]) ||
	    (e = pol_cmd_find(pol_base(c->argv[u.eff].s))) == NULL)
		return 0;
	k = e->flags & (K_FETCH | K_NETSEND | K_SHELL | K_INTERP | K_ENVDUMP |
	    K_DECODE);
	if ((e->flags & CF_DUMP_BARE) && (size_t)u.eff + 1 == c->argc)
		k |= K_ENVDUMP;
	if (e->flags & CF_DUMP_OPT)
		for (i = (size_t)u.eff + 1; i < c->argc; i++)
			if (strcmp(c->argv[i].s, "-p") == 0 ||
			    strcmp(c->argv[i].s, "-x") == 0)
				k |= K_ENVDUMP;
	if (e->flags & CF_DECODE_OPT)
		for (i = (size_t)u.eff + 1; i < c->argc; i++) {
			const char *a = c->argv[i].s;

			if (strcmp(a, "--decode") == 0 ||
			    strcmp(a, "-r") == 0 || strcmp(a, "-D") == 0 ||
			    (a[0] == '-' && a[1] != '-' && strchr(a, 'd')))
				k |= K_DECODE;
		}
	if (e->flags & CF_PRINTS)
		for (i = (size_t)u.eff + 1; i < c->argc; i++)
			if (strchr(c->argv[i].s, '\\') != NULL ||
			    strcmp(c->argv[i].s, "-e") == 0)
				k |= K_DECODE;
	if ((k & K_INTERP) && c->pipe_out)
		k |= K_DECODE;	/* generated text into a pipe */
	return k;
}

/* Record a finding (duplicates of the same rule and segment are merged). */
void
pol_add_finding(struct pol_result *r, enum risk risk, int deny,
    const char *rule, int seg, const char *fmt, ...)
{
	struct pol_finding *f;
	va_list ap;
	char *reason;
	size_t i;

	va_start(ap, fmt);
	reason = xvasprintf(fmt, ap);
	va_end(ap);
	for (i = 0; i < r->nf; i++) {
		f = &r->f[i];
		if (f->seg == seg && strcmp(f->rule, rule) == 0 &&
		    strcmp(f->reason, reason) == 0) {
			if (pol_risk_rank(risk) > pol_risk_rank(f->risk))
				f->risk = risk;
			f->deny |= deny;
			free(reason);
			return;
		}
	}
	if (r->nf == r->af) {
		r->af = r->af ? r->af * 2 : 8;
		r->f = xreallocarray(r->f, r->af, sizeof *r->f);
	}
	f = &r->f[r->nf++];
	f->risk = risk;
	f->deny = deny;
	f->rule = xstrdup(rule);
	f->reason = reason;
	f->seg = seg;
}

/* An empty result. */
void
pol_result_init(struct pol_result *r)
{
	memset(r, 0, sizeof *r);
}

/* Release a result. */
void
pol_result_free(struct pol_result *r)
{
	size_t i, j;

	for (i = 0; i < r->nf; i++) {
		free(r->f[i].rule);
		free(r->f[i].reason);
	}
	free(r->f);
	for (i = 0; i < r->nseg; i++) {
		for (j = 0; j < r->seg[i].nwords; j++)
			free(r->seg[i].words[j]);
		free(r->seg[i].words);
	}
	free(r->seg);
	memset(r, 0, sizeof *r);
}

/* ---- rules on text ---- */

struct pol_rm {
	struct pol_ctx	*x;
	const char	*text;
	size_t		 len;
};

/* Callback: one command rule against one form's text. */
static void
pol_rule_cb(const struct pol_rule *r, void *arg)
{
	struct pol_rm *m = arg;

	if (!(r->scope & PS_COMMAND))
		return;
	if (pol_match(m->x->p, r, m->text, m->len))
		pol_add_finding(m->x->out, r->risk, r->deny, r->name, m->x->seg,
		    "%s", r->reason);
}

/* Rule text of words: joined by spaces, words with blanks single-quoted. */
static char *
pol_rule_text(char *const *words, size_t n)
{
	struct buf b;
	char *out;
	size_t i;
	const char *s;

	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)buf_putc(&b, ' ');
		s = i == 0 ? pol_base(words[0]) : words[i];
		if (*s != '\0' && strpbrk(s, " \t\n'\"") == NULL)
			(void)buf_puts(&b, s);
		else
			pol_buf_quote(&b, s);
	}
	out = buf_detach(&b, NULL);
	buf_free(&b);
	return out;
}

/* Match command rules for one form (words[0] is the command). */
void
pol_form_rules(struct pol_ctx *x, char *const *words, size_t n)
{
	struct pol_rm m;
	char *text = pol_rule_text(words, n);

	m.x = x;
	m.text = text;
	m.len = strlen(text);
	pol_rules_for_command(x->p, pol_base(words[0]), pol_rule_cb, &m);
	free(text);
}

/* Match scoped rules (arg/assign/line) against one string. */
static void
pol_scoped_rules(struct pol_ctx *x, unsigned scope, const char *s)
{
	struct policy *p = x->p;
	size_t i, len = strlen(s);
	const struct pol_rule *r;
	char *home = NULL;

	if (p->dirty)
		pol_index(p);
	if (strncmp(s, "$HOME/", 6) == 0)
		home = xasprintf("~/%s", s + 6);
	else if (strncmp(s, "${HOME}/", 8) == 0)
		home = xasprintf("~/%s", s + 8);
	for (i = 0; i < p->nscoped; i++) {
		r = p->scoped[i];
		if (!(r->scope & scope))
			continue;
		if (pol_match(p, r, s, len) ||
		    (home != NULL && pol_match(p, r, home, strlen(home))))
			pol_add_finding(x->out, r->risk, r->deny, r->name, x->seg,
			    "%s", r->reason);
	}
	free(home);
}

/* Does any deny entry match these words? */
void
pol_deny_list(struct pol_ctx *x, char *const *words, size_t n)
{
	struct policy *p = x->p;
	const struct pol_entry *e;
	size_t i, j;

	for (i = 0; i < p->nentry; i++) {
		e = &p->entry[i];
		if (!e->deny || e->nwords > n || (!e->prefix && e->nwords != n))
			continue;
		if (strcmp(pol_base(e->words[0]), pol_base(words[0])) != 0)
			continue;
		for (j = 1; j < e->nwords; j++)
			if (strcmp(e->words[j], words[j]) != 0)
				break;
		if (j == e->nwords) {
			if (x->out->denied == NULL)
				x->out->denied = e;
			pol_add_finding(x->out, RISK_HIGH, 1, "deny-list", x->seg,
			    "%s (%s)", e->text, e->origin);
		}
	}
}

/* The allow entry covering these words, exact preferred, or NULL. */
static const struct pol_entry *
pol_allow_list(struct policy *p, char *const *words, size_t n)
{
	const struct pol_entry *e, *best = NULL;
	size_t i, j;

	for (i = 0; i < p->nentry; i++) {
		e = &p->entry[i];
		if (e->deny || e->nwords > n || (!e->prefix && e->nwords != n))
			continue;
		for (j = 0; j < e->nwords; j++)
			if (strcmp(e->words[j], words[j]) != 0)
				break;
		if (j < e->nwords)
			continue;
		if (!e->prefix)
			return e;
		if (best == NULL)
			best = e;
	}
	return best;
}

/* Non-option arguments from k (after the first '--' everything counts). */
size_t
pol_operands(const struct shp_cmd *c, size_t k, const char *argopts,
    const struct shp_word **out, size_t max)
{
	size_t n = 0;
	int end = 0;
	const char *a;

	for (; k < c->argc && n < max; k++) {
		a = c->argv[k].s;
		if (!end && strcmp(a, "--") == 0) {
			end = 1;
			continue;
		}
		if (!end && a[0] == '-' && a[1] != '\0') {
			if (a[1] != '-' && a[2] == '\0' && argopts != NULL &&
			    strchr(argopts, a[1]) != NULL)
				k++;
			continue;
		}
		out[n++] = &c->argv[k];
	}
	return n;
}

/* Does the command have an option (short letter or long name)? */
int
pol_has_opt(const struct shp_cmd *c, size_t from, int letter, const char *lng)
{
	size_t k;
	const char *a;

	for (k = from; k < c->argc; k++) {
		a = c->argv[k].s;
		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '-' || a[1] == '\0')
			continue;
		if (a[1] == '-') {
			if (lng != NULL && strncmp(a + 2, lng, strlen(lng)) == 0)
				return 1;
		} else if (letter != 0 && strchr(a + 1, letter) != NULL)
			return 1;
	}
	return 0;
}

/*
 * Does option word a name the file a download is saved as (one of the
 * row's .saveas, "|-o|--output|")?  Its value in the word ("--out=f",
 * "-sof"), "" when it is the next word, or NULL.
 */
static const char *
pol_save_opt(const char *saveas, const char *a)
{
	const char *eq, *p;
	char opt[3] = "-";

	if (saveas == NULL || a[0] != '-' || a[1] == '\0')
		return NULL;
	if (a[1] == '-') {
		eq = strchr(a, '=');
		if (!pol_in_bars(saveas, a, eq != NULL ? (size_t)(eq - a) :
		    strlen(a)))
			return NULL;
		return eq != NULL ? eq + 1 : "";
	}
	for (p = a + 1; *p != '\0'; p++) {
		opt[1] = *p;
		if (pol_in_bars(saveas, opt, 2))
			return p + 1;
	}
	return NULL;
}

/* Downloads named by the row's .saveas options (curl -o, wget -O,
 * aria2c -o), by -O (curl) or by a URL's last part. */
static void
pol_note_download(struct pol_ctx *x, const struct shp_cmd *c, size_t eff,
    const struct pol_cmd *e)
{
	size_t k;
	const char *a, *url = NULL, *v;
	int remote = (e->flags & CF_SAVE_NAMED) != 0;

	for (k = eff + 1; k < c->argc; k++) {
		a = c->argv[k].s;
		if (strstr(a, "://") != NULL) {
			url = a;
			continue;
		}
		if (strcmp(a, "--remote-name") == 0) {
			remote = 1;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0')
			continue;
		if ((e->flags & CF_SAVE_O) && a[1] != '-' &&
		    strchr(a, 'O') != NULL)
			remote = 1;
		if ((v = pol_save_opt(e->saveas != NULL ? e->saveas :
		    "|-o|--output|--output-document|", a)) == NULL)
			continue;
		if (*v != '\0') {
			pol_add_download(x, v);
			remote = 0;
		} else if (k + 1 < c->argc) {
			pol_add_download(x, c->argv[k + 1].s);
			if (strcmp(c->argv[k + 1].s, "-") != 0)
				pol_rate_write(x, &c->argv[k + 1], 0);
			remote = 0;
			k++;
		}
	}
	if (remote && url != NULL)
		pol_add_download(x, pol_base(url));
	for (k = 0; k < c->nredir; k++)
		if (c->redir[k].op == SHP_R_OUT || c->redir[k].op == SHP_R_APPEND ||
		    c->redir[k].op == SHP_R_CLOBBER)
			pol_add_download(x, c->redir[k].target.s);
}

/* Assignments: NAME=value prefixes and export/declare arguments. */
void
pol_check_assign(struct pol_ctx *x, const struct shp_word *w)
{
	pol_scoped_rules(x, PS_ASSIGN, w->s);
	pol_prog_assign(x, w->s, w->flags);
}

/* Do the arguments xargs reads come from a listing of the workspace
 * (find . ..., git ls-files ...)?  Then they are paths inside it. */
static int
pol_xargs_inside(struct pol_ctx *x, struct shp_result *r, size_t i)
{
	const struct shp_cmd *up = NULL;
	const struct pol_cmd *e;
	struct pol_unwrap u;
	long n;

	for (n = (long)i - 1; n >= 0; n--)
		if (r->cmd[n].pipeline == r->cmd[i].pipeline &&
		    r->cmd[n].pipe_out && r->cmd[n].argc > 0) {
			up = &r->cmd[n];
			break;
		}
	if (up == NULL)
		return 0;
	pol_unwrap(up, &u);
	if (u.eff < 0 || pol_word_dynamic(&up->argv[u.eff]))
		return 0;
	e = pol_cmd_find(pol_base(up->argv[u.eff].s));
	return e != NULL && e->lists != NULL && e->lists(x, up, (size_t)u.eff);
}

/* Does the command only read?  Its row says so, unless an option makes
 * it write (sed -i, sort --output). */
static int
pol_cmd_readonly(const struct shp_cmd *c, size_t eff, const struct pol_cmd *e)
{
	const char *l, *bar;
	char opt[32];
	size_t n;

	if (e == NULL || !(e->flags & CF_READONLY))
		return 0;
	if (e->rwshort != 0 && pol_has_opt(c, eff + 1, e->rwshort, NULL))
		return 0;
	for (l = e->rwlong; l != NULL && (bar = strchr(l + 1, '|')) != NULL;
	    l = bar) {
		n = (size_t)(bar - l - 1);
		if (n == 0 || n >= sizeof opt)
			continue;
		memcpy(opt, l + 1, n);
		opt[n] = '\0';
		if (pol_has_opt(c, eff + 1, 0, opt))
			return 0;
	}
	return 1;
}

/* Everything about one simple command. */
void
pol_analyze_cmd(struct pol_ctx *x, struct shp_result *r, size_t i)
{
	const struct shp_cmd *c = &r->cmd[i];
	struct prog_call pc = { x, r, i, c, 0, NULL, NULL };
	const struct pol_cmd *e;
	struct pol_unwrap u;
	struct pol_seg *sg;
	const struct shp_redir *rd;
	const char *name;
	char **words = NULL;
	size_t k, f, eff, n;
	unsigned kind;
	int opaque = 0, xargs_saved = x->xargs, help;
	const char *xph_saved = x->xph;

	if (c->argc == 0 && c->nredir == 0 && c->nassign == 0)
		return;
	if (x->depth == 0) {
		/* a new segment: what allow lists judge */
		if (x->out->nseg == x->out->aseg) {
			x->out->aseg = x->out->aseg ? x->out->aseg * 2 : 4;
			x->out->seg = xreallocarray(x->out->seg, x->out->aseg,
			    sizeof *x->out->seg);
		}
		sg = &x->out->seg[x->out->nseg];
		memset(sg, 0, sizeof *sg);
		sg->nwords = c->argc;
		sg->words = xcalloc(c->argc + 1, sizeof *sg->words);
		for (k = 0; k < c->argc; k++)
			sg->words[k] = xstrdup(c->argv[k].s);
		x->seg = (int)x->out->nseg++;
	}
	for (k = 0; k < c->nassign; k++) {
		opaque |= c->assign[k].flags & SHP_OPAQUE;
		pol_check_assign(x, &c->assign[k]);
	}
	for (k = 0; k < c->argc; k++) {
		opaque |= c->argv[k].flags & SHP_OPAQUE;
		if ((c->argv[k].flags & SHP_VAR) && strstr(c->argv[k].s, "@P}"))
			FIND(x, RISK_UNKNOWN, 0, "dynamic-code", "expands a "
			    "variable as a prompt (${var@P} runs the commands "
			    "it holds): %.60s", c->argv[k].s);
	}
	for (k = 0; k < c->nredir; k++)
		opaque |= c->redir[k].target.flags & SHP_OPAQUE;
	if (opaque)
		FIND(x, RISK_UNKNOWN, 0, "unparsed", "holds code the parser "
		    "cannot follow");

	/* redirections: writes, reads, and their targets as arguments */
	for (k = 0; k < c->nredir; k++) {
		rd = &c->redir[k];
		if (rd->op != SHP_R_HEREDOC)
			pol_scoped_rules(x, PS_ARG, rd->target.s);
		switch (rd->op) {
		case SHP_R_OUT:
		case SHP_R_APPEND:
		case SHP_R_CLOBBER:
		case SHP_R_RDWR:
		case SHP_R_ALL:
		case SHP_R_ALLAPPEND:
			pol_rate_write(x, &rd->target, 0);
			if (x->depth == 0 && pol_classify_write_flag(x, &rd->target))
				x->out->seg[x->seg].has_redir_write = 1;
			break;
		case SHP_R_DUPOUT:
			if (strspn(rd->target.s, "0123456789-") != rd->target.len) {
				pol_rate_write(x, &rd->target, 0);
				if (x->depth == 0)
					x->out->seg[x->seg].has_redir_write = 1;
			}
			break;
		default:
			break;
		}
	}
	if (c->argc == 0)
		return;

	pol_unwrap(c, &u);
	/* git restore --help: prints help, whatever the sub-command does */
	help = u.eff >= 0 && !pol_word_dynamic(&c->argv[u.eff]) &&
	    pol_prog_help(c, (size_t)u.eff) &&
	    !(pol_cmd_kind(c) & (K_SHELL | K_INTERP));
	/* every form meets its command's rules; deny lists see them all */
	for (f = 0; f < u.nstart; f++) {
		if (pol_word_dynamic(&c->argv[u.start[f]]))
			break;
		words = xcalloc(c->argc, sizeof *words);
		for (k = u.start[f]; k < c->argc; k++)
			words[k - u.start[f]] = c->argv[k].s;
		n = c->argc - u.start[f];
		if (!help || (long)u.start[f] != u.eff)
			pol_form_rules(x, words, n);
		pol_deny_list(x, words, n);
		e = pol_cmd_find(pol_base(words[0]));
		if (e != NULL && e->form != NULL)
			e->form(x, words, n, (long)u.start[f] == u.eff, help,
			    u.nstart == u.nbenign);
		if (x->depth == 0 && f < u.nbenign && x->out->seg[x->seg].allowed ==
		    NULL)
			x->out->seg[x->seg].allowed = pol_allow_list(x->p,
			    words, n);
		free(words);
	}
	for (k = 1; k < c->argc; k++)
		pol_scoped_rules(x, PS_ARG, c->argv[k].s);
	if (help) {
		if (x->depth == 0)
			x->out->seg[x->seg].readonly = 1;
		return;
	}

	if (u.code != NULL) {
		if (pol_word_dynamic(u.code))
			pol_dynamic_code(x, r, i, u.wrapper, u.code->s + u.codeoff);
		else
			pol_analyze_text(x, u.code->s + u.codeoff, u.code->len -
			    u.codeoff, u.wrapper);
	}
	if (u.query)
		return;
	if (u.eff < 0)
		return;
	eff = pc.eff = (size_t)u.eff;
	if (pol_word_dynamic(&c->argv[eff])) {
		FIND(x, RISK_UNKNOWN, 0, "dynamic-command", "the command to run "
		    "is known only at run time: %.80s", c->argv[eff].s);
		if (x->depth == 0)
			x->out->seg[x->seg].dynamic = 1;
		return;
	}
	name = pol_base(c->argv[eff].s);
	e = pol_cmd_find(name);
	pc.e = e;
	pc.name = name;
	if (x->depth == 0 && (e == NULL || e->form == NULL))
		x->out->seg[x->seg].readonly = pol_cmd_readonly(c, eff, e) &&
		    u.nstart == u.nbenign;
	if (strchr(c->argv[eff].s, '/') != NULL || pol_written(x, name) != NULL)
		(void)pol_run_written(x, c->argv[eff].s);
	x->xargs = u.xargs;
	if (u.xargs && pol_xargs_inside(x, r, i))
		x->xargs = 2;	/* paths inside the workspace */
	else if (u.xph != NULL)
		x->xph = u.xph;
	kind = pol_cmd_kind(c);
	if (x->depth == 0 && (kind & (K_SHELL | K_INTERP))) {
		for (k = 0; k < c->nredir; k++)
			if (c->redir[k].op == SHP_R_HEREDOC ||
			    c->redir[k].op == SHP_R_HERESTR ||
			    c->redir[k].op == SHP_R_IN)
				x->out->seg[x->seg].hidden_code = 1;
		if (c->pipe_in)
			x->out->seg[x->seg].hidden_code = 1;
		if (x->out->seg[x->seg].hidden_code)
			x->out->seg[x->seg].allowed = NULL;
	}
	if (e != NULL && e->analyze != NULL)
		e->analyze(&pc);
	pol_prog_check(&pc);
	if (kind & K_FETCH)
		pol_note_download(x, c, eff, e);
	else
		pol_note_written(x, c, eff, name, kind);
	if (u.nstart > 1)
		for (f = 0; f + 1 < u.nstart; f++)
			if ((e = pol_cmd_find(pol_base(c->argv[u.start[f]].s))) !=
			    NULL && (e->wrap.flags & W_ENVASSIGN) &&
			    (size_t)u.start[f + 1] == eff)
				for (k = u.start[f] + 1; k < eff; k++)
					if (shp_is_assignment(c->argv[k].s))
						pol_check_assign(x, &c->argv[k]);
	x->xargs = xargs_saved;
	x->xph = xph_saved;
}

/* Whether a write redirection target counts as a change (not /dev/null). */
static int
pol_classify_write_flag(struct pol_ctx *x, const struct shp_word *w)
{
	struct pol_path pp;
	int change;

	pol_path_word(x, w, 1, &pp);
	change = pp.cls != PC_DEVNULL;
	free(pp.abs);
	return change;
}

/* Analyse every command of a parse, in order. */
static void
pol_analyze_result(struct pol_ctx *x, struct shp_result *r)
{
	size_t i;
	unsigned k;

	if (r->incomplete)
		FIND(x, RISK_UNKNOWN, 0, "unparsed", "incomplete shell syntax "
		    "(unterminated quote or substitution)");
	if (r->toobig || r->toodeep)
		FIND(x, RISK_UNKNOWN, 0, "unparsed", "too long or too deeply "
		    "nested to check");
	for (i = 0; i < r->ncmd; i++) {
		pol_analyze_cmd(x, r, i);
		k = pol_cmd_kind(&r->cmd[i]);
		if (k & K_FETCH)
			x->saw_fetch = 1;
		if ((k & K_DECODE) && (r->cmd[i].pipe_out ||
		    r->cmd[i].ctx != SHP_CTX_TOP))
			x->saw_decode = 1;
		if (k & K_NETSEND)
			x->saw_netsend = 1;
		if (k & K_ENVDUMP)
			x->saw_envdump = 1;
	}
}

/* Words that run as a command of their own (find -exec, watch -x, git's
 * hooks), judged one level deeper; the caller minds the depth. */
void
pol_analyze_argv(struct pol_ctx *x, struct shp_word *argv, size_t argc)
{
	struct shp_result sr;
	struct shp_cmd sc;

	memset(&sc, 0, sizeof sc);
	sc.parent = -1;
	sc.argv = argv;
	sc.argc = argc;
	memset(&sr, 0, sizeof sr);
	sr.cmd = &sc;
	sr.ncmd = 1;
	x->depth++;
	pol_analyze_cmd(x, &sr, 0);
	x->depth--;
}

/* Parse code handed to a shell (sh -c, eval ...) and rate it here. */
void
pol_analyze_text(struct pol_ctx *x, const char *text, size_t len,
    const char *why)
{
	struct shp_result *r;
	char *cwd;

	if (x->depth >= POL_MAX_NEST) {
		FIND(x, RISK_UNKNOWN, 0, "unparsed", "code nested too deeply to "
		    "check (%s)", why);
		return;
	}
	if (len > POL_MAX_TEXT) {
		FIND(x, RISK_UNKNOWN, 0, "unparsed", "code too long to check "
		    "(%s)", why);
		return;
	}
	r = shp_parse(text, len);
	cwd = x->cwd != NULL ? xstrdup(x->cwd) : NULL;
	x->depth++;
	pol_analyze_result(x, r);
	x->depth--;
	free(x->cwd);		/* a child shell's cd stays there */
	x->cwd = cwd;
	shp_result_free(r);
}

/* Analyse one shell command (terminal tool). */
void
pol_analyze_command(struct policy *p, const char *command, size_t len,
    const char *root_real, struct pol_result *out)
{
	struct pol_ctx x;
	struct shp_result *r;
	size_t i;

	memset(&x, 0, sizeof x);
	x.p = p;
	x.out = out;
	x.root = root_real;
	x.cwd = root_real != NULL ? xstrdup(root_real) : NULL;
	x.seg = -1;
	out->is_command = 1;
	if (p->dirty)
		pol_index(p);
	if (len > POL_MAX_TEXT) {
		FIND(&x, RISK_UNKNOWN, 0, "unparsed", "command too long to check "
		    "(%zu bytes)", len);
		free(x.cwd);
		out->mutating = 1;
		return;
	}
	for (i = 0; i < p->nscoped; i++)
		if ((p->scoped[i]->scope & PS_LINE) &&
		    pol_match(p, p->scoped[i], command, len))
			pol_add_finding(out, p->scoped[i]->risk,
			    p->scoped[i]->deny, p->scoped[i]->name, -1, "%s",
			    p->scoped[i]->reason);
	r = shp_parse(command, len);
	pol_analyze_result(&x, r);
	shp_result_free(r);
	x.seg = -1;
	if (x.saw_envdump && x.saw_netsend)
		FIND(&x, RISK_HIGH, 0, "env-exfil", "sends environment variables "
		    "(where secrets live) over the network");
	for (i = 0; i < out->nseg; i++)
		if (!out->seg[i].readonly || out->seg[i].has_redir_write)
			out->mutating = 1;
	for (i = 0; i < out->nf; i++)
		if (out->f[i].seg < 0 && pol_risk_rank(out->f[i].risk) > 0)
			out->mutating = 1;
	for (i = 0; i < x.nfiles; i++) {
		free(x.files[i].name);
		free(x.files[i].text);
	}
	free(x.files);
	free(x.cwd);
	pol_prog_free(&x);
}

/* Analyse a path a file tool reads or writes. */
void
pol_analyze_path(struct policy *p, const char *path, int write, int file_tool,
    const char *root_real, struct pol_result *out)
{
	struct pol_ctx x;
	struct pol_path pp;
	char *full, *show;

	memset(&x, 0, sizeof x);
	x.p = p;
	x.out = out;
	x.root = root_real;
	x.seg = -1;
	if (p->dirty)
		pol_index(p);
	if (write)
		out->mutating = 1;
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
		full = xasprintf("%s%s", p->home, path + 1);
	else if (path[0] == '/')
		full = xstrdup(path);
	else if (root_real != NULL)
		full = xasprintf("%s/%s", root_real, path);
	else
		full = xasprintf("/%s", path);
	pol_path_set(&x, full, 1, &pp);
	free(full);
	show = pol_path_show(&x, &pp, NULL);
	if (pp.cls != PC_INSIDE && pp.cls != PC_ROOT) {
		if (write && file_tool)
			FIND(&x, RISK_HIGH, 1, "write-outside-workspace",
			    "writes outside the workspace: %s", show);
		else if (write)
			FIND(&x, RISK_MEDIUM, 0, "write-outside",
			    "writes outside the workspace: %s", show);
		else
			FIND(&x, RISK_MEDIUM, 0, "read-outside",
			    "reads outside the workspace: %s", show);
	}
	pol_path_rules(&x, &pp, write ? PS_WRITE : PS_READ);
	if (write)
		pol_prog_written(&x, &pp);
	free(show);
	free(pp.abs);
	pol_prog_free(&x);
}

/* realpath of the workspace root, cached per root string. */
const char *
pol_root_real(struct policy *p, const char *root)
{
	char *real;

	if (root == NULL || root[0] == '\0')
		return NULL;
	if (p->root_key != NULL && strcmp(p->root_key, root) == 0)
		return p->root_real;
	free(p->root_key);
	free(p->root_real);
	p->root_key = xstrdup(root);
	if ((real = realpath(root, NULL)) == NULL)
		real = root[0] == '/' ? pol_path_clean(root) : NULL;
	p->root_real = real;
	return p->root_real;
}
