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
 * The path model lives in risk-path.c, the analysis of code inside code in
 * risk-code.c, per-program checks in programs.c.
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

#define W_BENIGN	0x01	/* allow lists may look through it */
#define W_ENVASSIGN	0x02	/* NAME=value words before the command */
#define W_XARGS		0x04
#define W_QUERY		0x08	/* command -v: runs nothing */
#define W_APPLET	0x10	/* busybox: the next word is the command */

struct pol_wrap {
	const char	*name;
	const char	*argopts;	/* short options taking a value */
	const char	*longarg;	/* "|a|b|": long options taking a value */
	const char	*copts;		/* short options whose value is shell code */
	int		 npos;		/* positional words before the command */
	unsigned	 flags;
	const char	*sub;		/* a sub-command word first (uv run) */
};

static const struct pol_wrap pol_wraps[] = {
	{ "asdf", "", "", "", 0, W_BENIGN, "exec" },
	{ "builtin", "", "", "", 0, W_BENIGN, NULL },
	{ "bundle", "", "|gemfile|", "", 0, W_BENIGN, "exec" },
	{ "busybox", "", "", "", 0, W_APPLET, NULL },
	{ "caffeinate", "tw", "", "", 0, W_BENIGN, NULL },
	{ "catchsegv", "", "", "", 0, W_BENIGN, NULL },
	{ "chronic", "", "", "", 0, W_BENIGN, NULL },
	{ "chroot", "", "|userspec|groups|", "", 1, 0, NULL },
	{ "chrt", "TPD", "|sched-runtime|sched-period|sched-deadline|", "", 1, W_BENIGN, NULL },
	{ "command", "", "", "", 0, W_BENIGN, NULL },
	{ "conda", "np", "|name|prefix|", "", 0, W_BENIGN, "run" },
	{ "cpulimit", "l", "|limit|", "", 0, W_BENIGN, NULL },
	{ "dbus-run-session", "", "|config-file|dbus-daemon|", "", 0, W_BENIGN, NULL },
	{ "direnv", "", "", "", 1, W_BENIGN, "exec" },
	{ "doas", "uC", "", "", 0, 0, NULL },
	{ "eatmydata", "", "", "", 0, W_BENIGN, NULL },
	{ "env", "uCP", "|unset|chdir|", "S", 0, W_BENIGN | W_ENVASSIGN, NULL },
	{ "exec", "a", "", "", 0, W_BENIGN, NULL },
	{ "fakeroot", "", "", "", 0, 0, NULL },
	{ "firejail", "", "", "", 0, 0, NULL },
	{ "flock", "wE", "|timeout|conflict-exit-code|", "c", 1, 0, NULL },
	{ "hatch", "e", "|env|", "", 0, W_BENIGN, "run" },
	{ "ionice", "cnp", "|class|classdata|", "", 0, W_BENIGN, NULL },
	{ "ltrace", "aenopsuABDIX", "", "", 0, 0, NULL },
	{ "mamba", "np", "|name|prefix|", "", 0, W_BENIGN, "run" },
	{ "nice", "n", "|adjustment|", "", 0, W_BENIGN, NULL },
	{ "nocache", "n", "", "", 0, W_BENIGN, NULL },
	{ "nohup", "", "", "", 0, W_BENIGN, NULL },
	{ "nsenter", "tSGw", "|target|setuid|setgid|wd|", "", 0, 0, NULL },
	{ "numactl", "NmCpiP", "|cpunodebind|membind|physcpubind|preferred|interleave|localalloc|", "", 0, W_BENIGN, NULL },
	{ "pdm", "", "", "", 0, W_BENIGN, "run" },
	{ "pipenv", "", "", "", 0, W_BENIGN, "run" },
	{ "pkexec", "", "|user|", "", 0, 0, NULL },
	{ "pnpm", "", "", "", 0, W_BENIGN, "exec" },
	{ "poetry", "C", "|directory|", "", 0, W_BENIGN, "run" },
	{ "proxychains", "f", "", "", 0, 0, NULL },
	{ "proxychains4", "f", "", "", 0, 0, NULL },
	{ "pyenv", "", "", "", 0, W_BENIGN, "exec" },
	{ "rbenv", "", "", "", 0, W_BENIGN, "exec" },
	{ "run0", "u", "|user|unit|property|description|slice|setenv|chdir|", "", 0, 0, NULL },
	{ "runuser", "ugG", "|user|group|supp-group|shell|", "c", 0, 0, NULL },
	{ "rye", "", "", "", 0, W_BENIGN, "run" },
	{ "script", "ETIOBm", "|log-timing|echo|log-in|log-out|log-io|logging-format|", "c", 1, 0, NULL },
	{ "setsid", "", "", "", 0, W_BENIGN, NULL },
	{ "stdbuf", "ioe", "|input|output|error|", "", 0, W_BENIGN, NULL },
	{ "strace", "abeEIoOpPsSuUX", "", "", 0, 0, NULL },
	{ "su", "sgGw", "|shell|group|supp-group|whitelist-environment|", "c", 0, 0, NULL },
	{ "sudo", "ugChpDrtTU", "|user|group|host|prompt|chdir|role|type|other-user|close-from|", "", 0, 0, NULL },
	{ "taskset", "", "", "", 1, W_BENIGN, NULL },
	{ "time", "fo", "|format|output|", "", 0, W_BENIGN, NULL },
	{ "timeout", "sk", "|signal|kill-after|", "", 1, W_BENIGN, NULL },
	{ "torsocks", "", "", "", 0, 0, NULL },
	{ "toybox", "", "", "", 0, W_APPLET, NULL },
	{ "trickle", "udwtlsnL", "", "", 0, W_BENIGN, NULL },
	{ "unbuffer", "", "", "", 0, W_BENIGN, NULL },
	{ "unshare", "", "", "", 0, 0, NULL },
	{ "uv", "p", "|python|with|directory|project|package|extra|group|env-file|", "", 0, W_BENIGN, "run" },
	{ "valgrind", "", "", "", 0, 0, NULL },
	{ "xargs", "IaEdLnPs", "|arg-file|delimiter|eof|replace|max-lines|max-args|max-procs|max-chars|process-slot-var|", "", 0, W_XARGS, NULL },
	{ "xvfb-run", "nslfew", "|server-num|server-args|auth-file|error-file|wait|", "", 0, W_BENIGN, NULL },
};

static int	pol_classify_write_flag(struct pol_ctx *, const struct shp_word *);

/* Name sets, sorted for bsearch. */
static const char *const pol_fetchers[] = {
	"GET", "aria2c", "curl", "curlie", "fetch", "http", "https",
	"lwp-download", "lwp-request", "nc", "ncat", "netcat", "socat",
	"telnet", "wget", "xh",
};
static const char *const pol_netsenders[] = {
	"GET", "POST", "curl", "curlie", "ftp", "http", "https", "mail",
	"mailx", "mutt", "nc", "ncat", "netcat", "openssl", "rsync", "scp",
	"sendmail", "sftp", "socat", "ssh", "telnet", "tftp", "wget", "xh",
};
static const char *const pol_decoders[] = {
	"base32", "base64", "basenc", "bunzip2", "bzcat", "gunzip", "openssl",
	"rev", "tr", "unxz", "unzstd", "uudecode", "xxd", "xzcat", "zcat",
	"zstdcat",
};
static const char *const pol_shells[] = {
	"ash", "bash", "csh", "dash", "fish", "ksh", "mksh", "posh", "rbash",
	"sh", "tcsh", "yash", "zsh",
};
static const char *const pol_interps[] = {
	"Rscript", "bun", "deno", "lua", "luajit", "node", "nodejs",
	"osascript", "perl", "php", "powershell", "pwsh", "python", "python2",
	"python3", "ruby", "tclsh", "wish",
};
static const char *const pol_readonly[] = {
	"[", "[[", "ack", "ag", "basename", "cat", "cd", "cksum", "cmp",
	"column", "comm", "cut", "date", "df", "diff", "dirname", "du",
	"echo", "egrep", "env", "expand", "false", "fd", "fgrep", "file",
	"find", "fmt", "fold", "free", "git", "grep", "head", "help",
	"hexdump", "hostname", "id", "info", "join", "jq", "less", "locale",
	"ls", "lsblk", "lscpu", "man", "md5sum", "more", "nl", "nproc", "od",
	"paste", "popd", "printenv", "printf", "ps", "pushd", "pwd",
	"readlink", "realpath", "rev", "rg", "sed", "seq", "sha1sum",
	"sha256sum", "sha512sum", "sleep", "sort", "stat", "strings", "tac",
	"tail", "test", "tr", "tree", "true", "type", "uname", "uniq",
	"uptime", "wc", "whereis", "which", "whoami", "yq",
};
static const char *const pol_git_readonly[] = {
	"blame", "describe", "diff", "grep", "log", "ls-files", "ls-tree",
	"rev-list", "rev-parse", "shortlog", "show", "status",
};

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

/* python3.11 -> python3 and the like, for the interpreter set. */
static int
pol_is_interp(const char *name)
{
	if (POL_IN(pol_interps, name))
		return 1;
	return strncmp(name, "python", 6) == 0 || strncmp(name, "perl5", 5) == 0 ||
	    strncmp(name, "ruby", 4) == 0 || strncmp(name, "php", 3) == 0;
}

/* The wrapper entry for a command name, or NULL. */
static const struct pol_wrap *
pol_wrapper(const char *name)
{
	size_t lo = 0, hi = nitems(pol_wraps), mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(pol_wraps[mid].name, name);
		if (c == 0)
			return &pol_wraps[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Is "|name|" in the list? */
static int
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
			if ((w->flags & W_QUERY) == 0 &&
			    strcmp(w->name, "command") == 0 &&
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
		    (w = pol_wrapper(pol_base(c->argv[i].s))) == NULL) {
			u->eff = (long)i;
			return;
		}
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
		u->wrapper = w->name;
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
	struct pol_unwrap u;
	const char *name;
	unsigned k = 0;
	size_t i;

	if (c->argc == 0)
		return 0;
	pol_unwrap(c, &u);
	if (u.eff < 0) {
		if (u.wrapper != NULL && strcmp(u.wrapper, "env") == 0 && !u.query)
			return K_ENVDUMP;
		return 0;
	}
	if (pol_word_dynamic(&c->argv[u.eff]))
		return 0;
	name = pol_base(c->argv[u.eff].s);
	if (POL_IN(pol_fetchers, name))
		k |= K_FETCH;
	if (POL_IN(pol_netsenders, name))
		k |= K_NETSEND;
	if (POL_IN(pol_shells, name))
		k |= K_SHELL;
	if (pol_is_interp(name))
		k |= K_INTERP;
	if (strcmp(name, "printenv") == 0 || strcmp(name, "env") == 0 ||
	    ((strcmp(name, "set") == 0 || strcmp(name, "export") == 0) &&
	    (size_t)u.eff + 1 == c->argc) || strcmp(name, "compgen") == 0)
		k |= K_ENVDUMP;
	if (strcmp(name, "export") == 0 || strcmp(name, "declare") == 0 ||
	    strcmp(name, "typeset") == 0)
		for (i = (size_t)u.eff + 1; i < c->argc; i++)
			if (strcmp(c->argv[i].s, "-p") == 0 ||
			    strcmp(c->argv[i].s, "-x") == 0)
				k |= K_ENVDUMP;
	if (POL_IN(pol_decoders, name)) {
		if (strcmp(name, "base64") == 0 || strcmp(name, "base32") == 0 ||
		    strcmp(name, "basenc") == 0 || strcmp(name, "xxd") == 0 ||
		    strcmp(name, "openssl") == 0) {
			for (i = (size_t)u.eff + 1; i < c->argc; i++) {
				const char *a = c->argv[i].s;

				if (strcmp(a, "--decode") == 0 ||
				    strcmp(a, "-r") == 0 || strcmp(a, "-D") == 0 ||
				    (a[0] == '-' && a[1] != '-' && strchr(a, 'd')))
					k |= K_DECODE;
			}
		} else
			k |= K_DECODE;
	}
	if ((strcmp(name, "echo") == 0 || strcmp(name, "printf") == 0))
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

/* A command that only reads (ls, cat, grep ...). */
int
pol_is_readonly(const char *name)
{
	return POL_IN(pol_readonly, name);
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
static void
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

/* Downloads named by curl -o/-O, wget -O or a URL's last part. */
static void
pol_note_download(struct pol_ctx *x, const struct shp_cmd *c, size_t eff,
    const char *name)
{
	size_t k;
	const char *a, *url = NULL, *o;
	int remote = strcmp(name, "wget") == 0;

	for (k = eff + 1; k < c->argc; k++) {
		a = c->argv[k].s;
		if (strstr(a, "://") != NULL) {
			url = a;
			continue;
		}
		if (strcmp(a, "--output") == 0 ||
		    strcmp(a, "--output-document") == 0) {
			if (k + 1 < c->argc) {
				pol_add_download(x, c->argv[k + 1].s);
				pol_rate_write(x, &c->argv[k + 1], 0);
				remote = 0;
			}
			k++;
			continue;
		}
		if (strncmp(a, "--output-document=", 18) == 0) {
			pol_add_download(x, a + 18);
			remote = 0;
			continue;
		}
		if (strcmp(a, "--remote-name") == 0) {
			remote = 1;
			continue;
		}
		if (a[0] != '-' || a[1] == '-')
			continue;
		o = strchr(a, strcmp(name, "wget") == 0 ? 'O' : 'o');
		if (strcmp(name, "curl") == 0 && strchr(a, 'O') != NULL)
			remote = 1;
		if (o != NULL) {
			if (o[1] != '\0') {
				pol_add_download(x, o + 1);
				remote = 0;
			} else if (k + 1 < c->argc) {
				pol_add_download(x, c->argv[k + 1].s);
				if (strcmp(c->argv[k + 1].s, "-") != 0)
					pol_rate_write(x, &c->argv[k + 1], 0);
				remote = 0;
				k++;
			}
		}
	}
	if (remote && url != NULL)
		pol_add_download(x, pol_base(url));
	for (k = 0; k < c->nredir; k++)
		if (c->redir[k].op == SHP_R_OUT || c->redir[k].op == SHP_R_APPEND ||
		    c->redir[k].op == SHP_R_CLOBBER)
			pol_add_download(x, c->redir[k].target.s);
}

/* git -c KEY=VALUE: programs.c judges the keys git runs or trusts. */
static void
pol_git_config_code(struct pol_ctx *x, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (eq != NULL)
		pol_prog_git_key(x, kv, (size_t)(eq - kv), eq + 1, 0);
}

/* git push without a refspec: is the checked-out branch protected? */
static void
pol_check_git_push(struct pol_ctx *x, char *const *words, size_t n, size_t g)
{
	char path[PATH_MAX], line[256], *b, *nl;
	FILE *fp;
	size_t k, plain = 0;
	int head = 0;

	for (k = g + 1; k < n; k++)
		if (words[k][0] != '-' && ++plain == 2)
			head = strcmp(words[k], "HEAD") == 0 ||
			    strcmp(words[k], "@") == 0;
	if ((plain > 1 && !(plain == 2 && head)) || x->root == NULL)
		return;
	if ((size_t)snprintf(path, sizeof path, "%s/.git/HEAD", x->root) >=
	    sizeof path || (fp = fopen(path, "r")) == NULL)
		return;
	if (fgets(line, sizeof line, fp) != NULL &&
	    strncmp(line, "ref: refs/heads/", 16) == 0) {
		b = line + 16;
		if ((nl = strchr(b, '\n')) != NULL)
			*nl = '\0';
		if (strcmp(b, "main") == 0 || strcmp(b, "master") == 0 ||
		    strcmp(b, "trunk") == 0 || strcmp(b, "production") == 0 ||
		    strcmp(b, "prod") == 0 || strcmp(b, "stable") == 0 ||
		    strncmp(b, "release", 7) == 0)
			FIND(x, RISK_HIGH, 0, "git-push-protected",
			    "pushes the protected branch '%s'", b);
	}
	fclose(fp);
}

/* Commands that write, delete or move the paths they are given. */
static void
pol_check_files(struct pol_ctx *x, const struct shp_cmd *c, size_t eff,
    const char *name)
{
	const struct shp_word *ops[256];
	size_t n, k;
	int rec = pol_has_opt(c, eff + 1, 'R', "recursive");

	if (strcmp(name, "rm") == 0 || strcmp(name, "unlink") == 0 ||
	    strcmp(name, "rmdir") == 0 || strcmp(name, "shred") == 0 ||
	    strcmp(name, "srm") == 0 || strcmp(name, "wipe") == 0) {
		int r = 0, f = 0, end = 0;
		const char *a, *q;

		n = 0;
		for (k = eff + 1; k < c->argc && n < nitems(ops); k++) {
			a = c->argv[k].s;
			if (!end && strcmp(a, "--") == 0) {
				end = 1;
				continue;
			}
			if (!end && a[0] == '-' && a[1] != '\0') {
				if (strcmp(a, "--recursive") == 0)
					r = 1;
				else if (strcmp(a, "--force") == 0)
					f = 1;
				else if (strcmp(a, "--no-preserve-root") == 0)
					FIND(x, RISK_HIGH, 1, "rm-root",
					    "rm --no-preserve-root");
				else if (a[1] != '-')
					for (q = a + 1; *q != '\0'; q++) {
						if (*q == 'r' || *q == 'R')
							r = 1;
						else if (*q == 'f')
							f = 1;
					}
				continue;
			}
			ops[n++] = &c->argv[k];
		}
		if (strcmp(name, "shred") == 0 || strcmp(name, "wipe") == 0 ||
		    strcmp(name, "srm") == 0)
			f = 1;
		for (k = 0; k < n; k++)
			pol_rate_delete(x, ops[k], r, f);
		if (n == 0 && x->xargs == 1) {
			struct shp_word unk = { (char *)"<xargs>", 7, SHP_VAR };

			pol_rate_delete(x, &unk, r, f);
		}
		return;
	}
	if (strcmp(name, "mv") == 0 || strcmp(name, "cp") == 0 ||
	    strcmp(name, "install") == 0 || strcmp(name, "ln") == 0 ||
	    strcmp(name, "rsync") == 0 || strcmp(name, "scp") == 0) {
		const char *argopts = strcmp(name, "install") == 0 ? "mogtS" :
		    strcmp(name, "rsync") == 0 ? "efT" :
		    strcmp(name, "scp") == 0 ? "cFiJloPS" : "tS";
		const struct shp_word *dest = NULL;

		n = pol_operands(c, eff + 1, argopts, ops, nitems(ops));
		for (k = eff + 1; k + 1 < c->argc; k++)
			if (strcmp(c->argv[k].s, "-t") == 0 ||
			    strcmp(c->argv[k].s, "--target-directory") == 0)
				dest = &c->argv[k + 1];
		if (dest == NULL && n >= 2)
			dest = ops[--n];
		else if (dest == NULL && n == 1 && strcmp(name, "ln") != 0)
			n = 0;
		if (dest != NULL && strchr(dest->s, ':') == NULL) {
			if (strcmp(name, "rsync") == 0 &&
			    pol_has_opt(c, eff + 1, 0, "delete"))
				pol_rate_delete(x, dest, 1, 1);
			else
				pol_rate_write(x, dest, 0);
		}
		if (strcmp(name, "mv") == 0)
			for (k = 0; k < n; k++)
				pol_rate_delete(x, ops[k], 1, 0);
		return;
	}
	if (strcmp(name, "tee") == 0 || strcmp(name, "touch") == 0 ||
	    strcmp(name, "sponge") == 0 ||
	    strcmp(name, "mkdir") == 0 || strcmp(name, "truncate") == 0 ||
	    strcmp(name, "mkfifo") == 0) {
		n = pol_operands(c, eff + 1, strcmp(name, "truncate") == 0 ? "sr" :
		    strcmp(name, "mkdir") == 0 ? "m" : strcmp(name, "touch") == 0 ?
		    "dtr" : "", ops, nitems(ops));
		for (k = 0; k < n; k++)
			pol_rate_write(x, ops[k], 0);
		return;
	}
	if (strcmp(name, "chmod") == 0 || strcmp(name, "chown") == 0 ||
	    strcmp(name, "chgrp") == 0 || strcmp(name, "chattr") == 0 ||
	    strcmp(name, "setfacl") == 0) {
		n = pol_operands(c, eff + 1, "", ops, nitems(ops));
		for (k = pol_has_opt(c, eff + 1, 0, "reference") ? 0 : 1; k < n; k++)
			pol_rate_write(x, ops[k], rec);
		return;
	}
	if (strcmp(name, "dd") == 0) {
		for (k = eff + 1; k < c->argc; k++)
			if (strncmp(c->argv[k].s, "of=", 3) == 0) {
				struct shp_word w = c->argv[k];

				w.s += 3;
				w.len -= 3;
				pol_rate_write(x, &w, 0);
			}
		return;
	}
	if ((strcmp(name, "sed") == 0 || strcmp(name, "perl") == 0) &&
	    (pol_has_opt(c, eff + 1, 'i', "in-place"))) {
		int script = !pol_has_opt(c, eff + 1, 'e', "expression") &&
		    !pol_has_opt(c, eff + 1, 'f', "file");

		n = pol_operands(c, eff + 1, "efl", ops, nitems(ops));
		for (k = script ? 1 : 0; k < n; k++)
			pol_rate_write(x, ops[k], 0);
		return;
	}
	if (strcmp(name, "tar") == 0 || strcmp(name, "unzip") == 0) {
		for (k = eff + 1; k + 1 < c->argc; k++)
			if (strcmp(c->argv[k].s, strcmp(name, "tar") == 0 ? "-C" :
			    "-d") == 0 || strcmp(c->argv[k].s, "--directory") == 0)
				pol_rate_write(x, &c->argv[k + 1], 0);
	}
}

/* cd/pushd: follow the working directory for later relative paths. */
static void
pol_check_cd(struct pol_ctx *x, const struct shp_cmd *c, size_t eff)
{
	const struct shp_word *ops[1];
	struct pol_path pp;
	size_t n = pol_operands(c, eff + 1, "", ops, 1);

	if (n == 0) {
		free(x->cwd);
		x->cwd = xstrdup(x->p->home);
		return;
	}
	memset(&pp, 0, sizeof pp);
	if (strcmp(ops[0]->s, "-") != 0)
		pol_path_word(x, ops[0], 1, &pp);
	free(x->cwd);
	x->cwd = pp.abs;	/* NULL: unknown from here on */
}

/* Assignments: NAME=value prefixes and export/declare arguments. */
static void
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
	struct pol_unwrap u;
	struct pol_path pp;
	const char *name;
	long n;
	size_t k;
	int inside = 1, roots = 0;

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
	name = pol_base(up->argv[u.eff].s);
	if (strcmp(name, "git") == 0)
		return (size_t)u.eff + 1 < up->argc &&
		    (strcmp(up->argv[u.eff + 1].s, "ls-files") == 0 ||
		    strcmp(up->argv[u.eff + 1].s, "diff") == 0);
	if (strcmp(name, "find") != 0)
		return 0;
	for (k = (size_t)u.eff + 1; k < up->argc && inside; k++) {
		const char *a = up->argv[k].s;

		if (a[0] == '-' || a[0] == '(' || a[0] == '!')
			break;
		pol_path_word(x, &up->argv[k], 0, &pp);
		inside = pp.cls == PC_INSIDE || pp.cls == PC_ROOT;
		free(pp.abs);
		roots++;
	}
	return inside;
}

/* Everything about one simple command. */
void
pol_analyze_cmd(struct pol_ctx *x, struct shp_result *r, size_t i)
{
	const struct shp_cmd *c = &r->cmd[i];
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
		if (strcmp(pol_base(words[0]), "git") == 0) {
			/* git -C dir -c k=v push ...: also as "git push ..." */
			size_t g = 1;

			while (g < n && words[g][0] == '-') {
				if (strcmp(words[g], "-c") == 0 && g + 1 < n && !help)
					pol_git_config_code(x, words[g + 1]);
				if (strcmp(words[g], "-C") == 0 ||
				    strcmp(words[g], "-c") == 0 ||
				    strcmp(words[g], "--git-dir") == 0 ||
				    strcmp(words[g], "--work-tree") == 0 ||
				    strcmp(words[g], "--namespace") == 0)
					g++;
				g++;
			}
			if (g > 1 && g < n) {
				char **gw = xcalloc(n - g + 1, sizeof *gw);

				gw[0] = words[0];
				memcpy(gw + 1, words + g, (n - g) * sizeof *gw);
				if (!help)
					pol_form_rules(x, gw, n - g + 1);
				pol_deny_list(x, gw, n - g + 1);
				free(gw);
			}
			if (g < n && strcmp(words[g], "push") == 0 &&
			    (long)u.start[f] == u.eff)
				pol_check_git_push(x, words, n, g);
			if (x->depth == 0 && (long)u.start[f] == u.eff && g < n &&
			    u.nstart == u.nbenign)
				x->out->seg[x->seg].readonly =
				    POL_IN(pol_git_readonly, words[g]) ||
				    ((strcmp(words[g], "branch") == 0 ||
				    strcmp(words[g], "tag") == 0 ||
				    strcmp(words[g], "remote") == 0 ||
				    strcmp(words[g], "stash") == 0) &&
				    (g + 1 == n || strcmp(words[g + 1], "-v") == 0 ||
				    strcmp(words[g + 1], "list") == 0 ||
				    strcmp(words[g + 1], "-a") == 0));
		}
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
	eff = (size_t)u.eff;
	if (pol_word_dynamic(&c->argv[eff])) {
		FIND(x, RISK_UNKNOWN, 0, "dynamic-command", "the command to run "
		    "is known only at run time: %.80s", c->argv[eff].s);
		if (x->depth == 0)
			x->out->seg[x->seg].dynamic = 1;
		return;
	}
	name = pol_base(c->argv[eff].s);
	if (x->depth == 0 && strcmp(name, "git") != 0)
		x->out->seg[x->seg].readonly = pol_is_readonly(name) &&
		    !(strcmp(name, "find") == 0 && (pol_has_opt(c, eff + 1, 0,
		    "delete") || pol_has_opt(c, eff + 1, 0, "exec") ||
		    pol_has_opt(c, eff + 1, 0, "ok") || pol_has_opt(c, eff + 1,
		    0, "fprint"))) && !(strcmp(name, "sed") == 0 &&
		    pol_has_opt(c, eff + 1, 'i', "in-place")) &&
		    !(strcmp(name, "sort") == 0 && pol_has_opt(c, eff + 1, 'o',
		    "output")) && u.nstart == u.nbenign;
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
	if (kind & K_SHELL)
		pol_check_shell(x, r, i, eff);
	else if (kind & K_INTERP)
		pol_check_interp(x, r, i, eff);
	else if (strcmp(name, "eval") == 0)
		pol_join_analyze(x, r, i, eff + 1, "eval");
	else if (strcmp(name, "source") == 0 || strcmp(name, ".") == 0) {
		if (eff + 1 < c->argc)
			pol_script_arg(x, r, i, &c->argv[eff + 1], name);
	} else if (strcmp(name, "ssh") == 0)
		pol_check_ssh(x, r, i, eff);
	else if (strcmp(name, "watch") == 0 &&
	    !pol_has_opt(c, eff + 1, 'x', "exec")) {
		const struct shp_word *ops[1];

		for (k = eff + 1; k < c->argc && c->argv[k].s[0] == '-'; k++)
			if (strcmp(c->argv[k].s, "-n") == 0 ||
			    strcmp(c->argv[k].s, "--interval") == 0)
				k++;
		if (pol_operands(c, k, "", ops, 1) > 0)
			pol_join_analyze(x, r, i, k, "watch");
	} else if (strcmp(name, "alias") == 0 || strcmp(name, "trap") == 0) {
		for (k = eff + 1; k < c->argc; k++) {
			const char *v = c->argv[k].s, *eq;

			if (strcmp(name, "alias") == 0) {
				if ((eq = strchr(v, '=')) != NULL)
					pol_analyze_text(x, eq + 1, strlen(eq + 1),
					    name);
			} else if (k == eff + 1 && v[0] != '-') {
				if (pol_word_dynamic(&c->argv[k]))
					pol_dynamic_code(x, r, i, name, v);
				else
					pol_analyze_text(x, v, c->argv[k].len, name);
				break;
			}
		}
	} else if (strcmp(name, "find") == 0)
		pol_check_find(x, r, i, eff);
	else if (strcmp(name, "cd") == 0 || strcmp(name, "pushd") == 0)
		pol_check_cd(x, c, eff);
	else if (strcmp(name, "popd") == 0) {
		free(x->cwd);
		x->cwd = NULL;
	} else if (strcmp(name, "export") == 0 || strcmp(name, "declare") == 0 ||
	    strcmp(name, "typeset") == 0 || strcmp(name, "local") == 0 ||
	    strcmp(name, "readonly") == 0 || strcmp(name, "env") == 0) {
		for (k = eff + 1; k < c->argc; k++)
			if (shp_is_assignment(c->argv[k].s))
				pol_check_assign(x, &c->argv[k]);
	} else
		pol_check_files(x, c, eff, name);
	pol_prog_check(x, r, i, eff, name);
	if (kind & K_FETCH)
		pol_note_download(x, c, eff, name);
	else
		pol_note_written(x, c, eff, name, kind);
	if (u.nstart > 1)
		for (f = 0; f + 1 < u.nstart; f++)
			if (strcmp(pol_base(c->argv[u.start[f]].s), "env") == 0 &&
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
