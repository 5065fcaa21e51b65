/*
 * programs.c: what programs do through their own options, as a table.
 *
 * risk.c unwraps a simple command and calls pol_prog_check() with the
 * program that runs.  Checks that hold for every program come first (a
 * `-o`/`--output=` file, a `file://` URL, a `${x@P}` expansion, a program
 * run from outside the workspace, a project file rewritten earlier in the
 * action and now run); then the program's row in the command table
 * (commands.c) names its check: options whose value is shell code are parsed and judged like
 * `sh -c` (so a `deny: rm` holds inside `tar --to-command`, `awk
 * system()`, `git difftool -x` ...), languages a program reads on its
 * command line go through the scanners of scan.c (sed, awk, SQL, ex and
 * gdb commands), remote CLIs are judged by what the sub-command does
 * (gh/glab), installs by whether they fetch new code, and so on.
 *
 * The checks for installs, git, remote CLIs and databases are in
 * programs-world.c (programs-int.h).
 *
 * Variables that make later programs run code (LD_PRELOAD, PS4, PATH ...)
 * are a second table, consulted for every NAME=value the shell would set
 * (prefix, export, declare, env, printf -v, read).
 *
 * Some findings depend on containment (struct policy.uncontained, set by the
 * session from its sandbox): what fetches and runs code, runs a program
 * from outside the workspace, or signals processes by name is MEDIUM when
 * nothing contains it and LOW when a sandbox does.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cade/buf.h"
#include "cade/util.h"
#include "policy-int.h"
#include "programs-int.h"

/* Directories programs are normally installed in (PATH elements, programs
 * run by path); ~ is the home directory. */
static const char *const prog_bin_dirs[] = {
	"/bin", "/sbin", "/usr", "/opt", "/snap", "/nix", "/Applications",
	"/Library", "/System", "/Users/Shared/bin", "~/.local", "~/.cargo",
	"~/go", "~/bin", "~/.npm-global", "~/.nvm", "~/.pyenv", "~/.rbenv",
	"~/.deno", "~/.bun", "~/.volta", "~/.yarn", "~/.poetry", "~/.dotnet",
	"~/.sdkman", "~/.asdf", "~/.rustup", "~/.ghcup", "~/.elan", "~/.gem",
	"~/.linuxbrew", "~/.nix-profile", "~/.pixi", "~/.juliaup",
	"~/miniconda3", "~/anaconda3", "~/.miniconda3", "~/.conda",
	"~/.local/share", "/home/linuxbrew",
};

/* ---- findings ---- */

/* The segment no longer changes nothing. */
void
prog_not_readonly(struct pol_ctx *x)
{
	if (x->depth == 0 && x->seg >= 0)
		x->out->seg[x->seg].readonly = 0;
}

/* Is shell text a single benign program (a pager, an editor, true)? */
static int
prog_benign_text(const char *s, size_t n)
{
	char w[64];
	size_t i = 0, k = 0;

	for (i = 0; i < n; i++)
		if (strchr(";|&`$<>()\n", s[i]) != NULL)
			return 0;	/* more than one command: judge it */
	i = 0;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	while (i < n && !isspace((unsigned char)s[i]) && k + 1 < sizeof w)
		w[k++] = s[i++];
	w[k] = '\0';
	return k == 0 || (pol_cmd_flags(pol_base(w)) & CF_VIEWER);
}

/*
 * Shell code a program will run: judged as if given to sh -c, plus a
 * MEDIUM finding that the program runs commands (unless the code is a
 * benign program such as a pager or an editor).
 */
void
prog_code(struct pol_ctx *x, const char *prog, const char *what,
    const char *s, size_t n)
{
	char *t = xstrndup(s, n);

	prog_not_readonly(x);
	if (!prog_benign_text(t, strlen(t)))
		FIND(x, RISK_MEDIUM, 0, "program-code", "%s runs a command "
		    "(%s): %.80s", prog, what, t);
	pol_analyze_text(x, t, strlen(t), prog);
	free(t);
}

/* A program runs code whose text is not visible here. */
void
prog_runs(struct pol_ctx *x, const char *prog, const char *what)
{
	prog_not_readonly(x);
	FIND(x, RISK_MEDIUM, 0, "program-code", "%s runs commands or code "
	    "(%s)", prog, what);
}

/* A program writes a path given as text. */
static void
prog_write_text(struct pol_ctx *x, const char *s, size_t n)
{
	struct shp_word w;
	char *t = xstrndup(s, n), *e;

	/* trim blanks and one level of quotes */
	for (e = t + strlen(t); e > t && isspace((unsigned char)e[-1]); e--)
		e[-1] = '\0';
	w.s = t + strspn(t, " \t");
	w.len = strlen(w.s);
	if (w.len >= 2 && (w.s[0] == '"' || w.s[0] == '\'') &&
	    w.s[w.len - 1] == w.s[0]) {
		w.s++;
		w.len -= 2;
		w.s[w.len] = '\0';
	}
	w.flags = w.s[0] == '~' ? SHP_TILDE : 0;
	if (w.len > 0) {
		prog_not_readonly(x);
		pol_rate_write(x, &w, 0);
	}
	free(t);
}

/* Scanner callback: what a sed script, awk program ... would do. */
void
prog_scan_cb(void *arg, int what, const char *s, size_t n)
{
	struct prog_scan *ps = arg;
	char buf[48];
	int len = (int)(n < 80 ? n : 80);

	switch (what) {
	case SCAN_SHELL:
		prog_code(ps->x, ps->prog, "shell command", s, n);
		break;
	case SCAN_RUNS:
		snprintf(buf, sizeof buf, "%.*s", (int)(n < 40 ? n : 40), s);
		prog_runs(ps->x, ps->prog, buf);
		break;
	case SCAN_WRITE:
		prog_write_text(ps->x, s, n);
		break;
	case SCAN_DESTROY:
		prog_not_readonly(ps->x);
		FIND(ps->x, RISK_HIGH, 0, "database-drop", "drops or wipes "
		    "database data: %.*s", len, s);
		break;
	case SCAN_CHANGE:
		prog_not_readonly(ps->x);
		FIND(ps->x, RISK_MEDIUM, 0, "database-change", "changes a "
		    "database's schema or rights: %.*s", len, s);
		break;
	}
}

/* ---- options ---- */

/*
 * Call fn for each value of the options named: shorts are letters taking a
 * value ("-eV", "-e V", "-ne V"), longs "|a|b|" names taking a value with
 * one or two dashes ("--a=V", "--a V", "-a V").  Stops at "--".  Returns
 * how many values were found.
 */
int
prog_opts(struct prog_call *pc, const char *shorts, const char *longs,
    prog_opt_fn fn)
{
	const struct shp_cmd *c = pc->c;
	struct shp_word v;
	const char *a, *nm;
	char opt[32];
	size_t k, len, j;
	int found = 0;

	for (k = pc->eff + 1; k < c->argc; k++) {
		a = c->argv[k].s;
		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '-' || a[1] == '\0')
			continue;
		nm = a + 1 + (a[1] == '-');
		len = strcspn(nm, "=");
		if (longs != NULL && len > 0 && len < sizeof opt - 2) {
			snprintf(opt, sizeof opt, "|%.*s|", (int)len, nm);
			if (strstr(longs, opt) != NULL) {
				opt[len + 1] = '\0';
				if (nm[len] == '=') {
					v = c->argv[k];
					v.s = (char *)nm + len + 1;
					v.len = strlen(v.s);
					fn(pc, &v, opt + 1);
					found++;
				} else if (k + 1 < c->argc) {
					fn(pc, &c->argv[k + 1], opt + 1);
					found++;
					k++;
				}
				continue;
			}
		}
		if (a[1] == '-' || shorts == NULL)
			continue;
		for (j = 1; a[j] != '\0'; j++) {
			if (!isalnum((unsigned char)a[j]))
				break;
			if (strchr(shorts, a[j]) == NULL)
				continue;
			opt[0] = a[j];
			opt[1] = '\0';
			if (a[j + 1] != '\0') {
				v = c->argv[k];
				v.s = (char *)a + j + 1;
				v.len = strlen(v.s);
				fn(pc, &v, opt);
				found++;
			} else if (k + 1 < c->argc) {
				fn(pc, &c->argv[k + 1], opt);
				found++;
				k++;
			}
			break;
		}
	}
	return found;
}

/* An option's value is shell code the program runs. */
void
prog_opt_code(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	char what[48];

	snprintf(what, sizeof what, "-%s", opt);
	if (pol_word_dynamic(v) && !(v->flags & (SHP_GLOB | SHP_BRACE))) {
		prog_not_readonly(pc->x);
		pol_dynamic_code(pc->x, pc->r, pc->i, pc->name, v->s);
		return;
	}
	prog_code(pc->x, pc->name, what, v->s, v->len);
}

/* An option's value is a file the program writes. */
static void
prog_opt_write(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	(void)opt;
	if (v->s[0] == '\0' || strcmp(v->s, "-") == 0 || pol_word_dynamic(v))
		return;
	prog_not_readonly(pc->x);
	pol_rate_write(pc->x, v, 0);
	pol_add_file(pc->x, v->s, 'o', NULL);
}

/* Is a path (as a word) inside the workspace, or in a system place
 * programs are installed in?  1 inside, 2 installed, 0 elsewhere. */
static int
prog_path_place(struct pol_ctx *x, const struct shp_word *w)
{
	struct pol_path pp;
	char *show;
	size_t i, n;
	int place = 0;

	pol_path_word(x, w, 0, &pp);
	if (pp.cls == PC_INSIDE || pp.cls == PC_ROOT)
		place = 1;
	else if (pp.abs != NULL) {
		show = pol_path_show(x, &pp, w);
		for (i = 0; i < nitems(prog_bin_dirs) && place == 0; i++) {
			n = strlen(prog_bin_dirs[i]);
			if (strncmp(show, prog_bin_dirs[i], n) == 0 &&
			    (show[n] == '/' || show[n] == '\0'))
				place = 2;
		}
		free(show);
	}
	free(pp.abs);
	return place;
}

/* An option's value is a file of commands the program reads (gdb -x,
 * awk -f, vim -S): outside the workspace it is code nobody has read. */
void
prog_opt_script(struct prog_call *pc, const struct shp_word *v,
    const char *opt)
{
	char what[48];

	if (v->flags & SHP_PROCSUB) {
		prog_not_readonly(pc->x);
		pol_dynamic_code(pc->x, pc->r, pc->i, pc->name, v->s);
		return;
	}
	if (strcmp(v->s, "/dev/stdin") == 0 || strcmp(v->s, "-") == 0) {
		if (pc->c->pipe_in)
			prog_runs(pc->x, pc->name, "a script read from a pipe");
		return;
	}
	if (prog_path_place(pc->x, v) == 1 || pol_written(pc->x, v->s) != NULL)
		return;
	snprintf(what, sizeof what, "-%s %.30s", opt, v->s);
	prog_runs(pc->x, pc->name, what);
}

/* The first operand from argv[k] on, skipping options (argopts take a
 * value), or NULL. */
const struct shp_word *
prog_operand(struct prog_call *pc, const char *argopts, const char *longs,
    size_t *at)
{
	const struct shp_cmd *c = pc->c;
	const char *a;
	char opt[40];
	size_t k, len;

	for (k = pc->eff + 1; k < c->argc; k++) {
		a = c->argv[k].s;
		if (strcmp(a, "--") == 0) {
			k++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (a[1] == '-') {
			len = strcspn(a + 2, "=");
			if (longs != NULL && a[2 + len] == '\0' &&
			    len < sizeof opt - 2) {
				snprintf(opt, sizeof opt, "|%.*s|", (int)len, a + 2);
				if (strstr(longs, opt) != NULL)
					k++;
			}
			continue;
		}
		if (argopts != NULL && a[2] == '\0' && strchr(argopts, a[1]) != NULL)
			k++;
	}
	if (k >= c->argc)
		return NULL;
	if (at != NULL)
		*at = k;
	return &c->argv[k];
}

/* ---- programs that read a language ---- */

/* Run a scanner over a word. */
void
prog_scan_word(struct prog_call *pc, const struct shp_word *w,
    void (*scan)(const char *, size_t, pol_scan_fn, void *))
{
	struct prog_scan ps = { pc->x, pc->name };

	if (w == NULL || pol_word_dynamic(w))
		return;
	scan(w->s, w->len, prog_scan_cb, &ps);
}

static void
prog_sed_expr(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	(void)opt;
	prog_scan_word(pc, v, pol_scan_sed);
}

/* sed: e and w commands, s///e, s///w (-i is a write: risk.c). */
void
prog_sed(struct prog_call *pc)
{
	if (prog_opts(pc, "e", "|expression|", prog_sed_expr) > 0)
		return;
	if (prog_opts(pc, "f", "|file|", prog_opt_script) > 0)
		return;
	prog_scan_word(pc, prog_operand(pc, "lE", "|line-length|", NULL),
	    pol_scan_sed);
}

static void
prog_awk_prog(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	(void)opt;
	prog_scan_word(pc, v, pol_scan_awk);
}

/* awk/gawk/mawk: system(), pipes, @load/@f(), print > file. */
void
prog_awk(struct prog_call *pc)
{
	int files = prog_opts(pc, "fE", "|file|exec|", prog_opt_script);

	files += prog_opts(pc, "il", "|include|load|", prog_opt_script);
	if (prog_opts(pc, "e", "|source|", prog_awk_prog) > 0 || files > 0)
		return;
	prog_scan_word(pc, prog_operand(pc, "FvW", "|field-separator|assign|",
	    NULL), pol_scan_awk);
}

/* One ex or debugger (gdb) command given on the command line. */
static void
prog_cmd_word(struct prog_call *pc, const struct shp_word *v, int gdb)
{
	struct prog_scan ps = { pc->x, pc->name };

	if (pol_word_dynamic(v)) {
		prog_runs(pc->x, pc->name, "commands known only at run time");
		return;
	}
	pol_scan_excmd(v->s, v->len, gdb, prog_scan_cb, &ps);
}

/* An ex command (vim -c, +cmd). */
static void
prog_ex_cmd(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	(void)opt;
	prog_cmd_word(pc, v, 0);
}

/* A debugger command (gdb -ex, lldb -o). */
static void
prog_dbg_cmd(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	(void)opt;
	prog_cmd_word(pc, v, 1);
}

/* vim/nvim/ex: -c, --cmd, +cmd, -S file. */
void
prog_vim(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	struct shp_word v;
	size_t k;

	prog_opts(pc, "c", "|cmd|", prog_ex_cmd);
	prog_opts(pc, "Su", "", prog_opt_script);
	for (k = pc->eff + 1; k < c->argc; k++) {
		const char *a = c->argv[k].s;

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] != '+' || a[1] == '\0' || a[1] == '/' || a[1] == '?' ||
		    strspn(a + 1, "0123456789") == strlen(a + 1))
			continue;
		v = c->argv[k];
		v.s++;
		v.len--;
		prog_ex_cmd(pc, &v, "+");
	}
}

/* An option's value is code in the program's own language. */
static void
prog_opt_runs(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	char what[48];

	(void)v;
	snprintf(what, sizeof what, "-%s", opt);
	prog_runs(pc->x, pc->name, what);
}

/* emacs --eval / -f / -l: elisp runs anything. */
void
prog_emacs(struct prog_call *pc)
{
	prog_opts(pc, "f", "|eval|execute|funcall|", prog_opt_runs);
	prog_opts(pc, "l", "|load|script|", prog_opt_script);
}

/* gdb/cgdb -ex/-x: debugger commands can run shells. */
void
prog_gdb(struct prog_call *pc)
{
	prog_opts(pc, NULL, "|ex|iex|eval-command|init-eval-command|",
	    prog_dbg_cmd);
	prog_opts(pc, "x", "|ix|command|init-command|", prog_opt_script);
}

/* lldb -o/-s. */
void
prog_lldb(struct prog_call *pc)
{
	prog_opts(pc, "oOkK", "|one-line|one-line-before-file|"
	    "one-line-on-crash|", prog_dbg_cmd);
	prog_opts(pc, "sS", "|source|source-before-file|", prog_opt_script);
}

/* less/more/most: +!cmd runs a shell; -o/-O write a log. */
void
prog_pager(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	const char *bang;
	size_t k;

	for (k = pc->eff + 1; k < c->argc; k++)
		if (c->argv[k].s[0] == '+' && (bang = strchr(c->argv[k].s, '!')) !=
		    NULL)
			prog_code(pc->x, pc->name, "+!", bang + 1, strlen(bang + 1));
	prog_opts(pc, "oO", "|log-file|LOG-FILE|", prog_opt_write);
}

/* man -P pager, -H browser, --html=browser. */
void
prog_man(struct prog_call *pc)
{
	prog_opts(pc, "PH", "|pager|html|", prog_opt_code);
}

/* tar: --to-command, --checkpoint-action=exec=, -I/--use-compress-program,
 * -F/--info-script, --rsh-command; -P extracts to absolute paths. */
static void
prog_tar_cp(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	struct shp_word w;

	if (strncmp(v->s, "exec=", 5) != 0)
		return;
	w = *v;
	w.s += 5;
	w.len -= 5;
	prog_opt_code(pc, &w, opt);
}

void
prog_tar(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	const char *a;
	size_t k;
	int extract = 0, absolute = 0;

	prog_opts(pc, "IF", "|to-command|use-compress-program|info-script|"
	    "new-volume-script|rsh-command|rmt-command|", prog_opt_code);
	prog_opts(pc, NULL, "|checkpoint-action|", prog_tar_cp);
	for (k = pc->eff + 1; k < c->argc; k++) {
		a = c->argv[k].s;
		if (strcmp(a, "--absolute-names") == 0)
			absolute = 1;
		else if (strcmp(a, "--extract") == 0 || strcmp(a, "--get") == 0)
			extract = 1;
		else if ((a[0] == '-' && a[1] != '-') || k == pc->eff + 1) {
			if (a[0] == '-' && a[1] != '\0' && strchr(a + 1, 'x') != NULL)
				extract = 1;
			if (a[0] != '-' && strchr(a, 'x') != NULL)
				extract = 1;
			if (strchr(a, 'P') != NULL && a[0] != '/')
				absolute = 1;
		}
	}
	if (extract && absolute) {
		prog_not_readonly(pc->x);
		FIND(pc->x, RISK_MEDIUM, 0, "write-outside", "tar extracts to "
		    "the absolute paths the archive names (-P)");
	}
}

/* rsync -e/--rsh: the remote shell is a command run here. */
void
prog_rsync(struct prog_call *pc)
{
	prog_opts(pc, "e", "|rsh|", prog_opt_code);
}

/* ssh/scp/sftp -o ProxyCommand= / LocalCommand= / KnownHostsCommand=. */
static void
prog_ssh_opt(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	static const char *const keys[] = {
		"proxycommand", "localcommand", "knownhostscommand",
	};
	size_t i, n = strcspn(v->s, "= \t");
	const char *val = v->s + n;

	(void)opt;
	val += strspn(val, "= \t");
	for (i = 0; i < nitems(keys); i++)
		if (strlen(keys[i]) == n && strncasecmp(v->s, keys[i], n) == 0) {
			if (pol_word_dynamic(v))
				pol_dynamic_code(pc->x, pc->r, pc->i, pc->name, v->s);
			else
				prog_code(pc->x, pc->name, keys[i], val, strlen(val));
		}
	if ((n == 15 && strncasecmp(v->s, "pkcs11provider", 14) == 0) ||
	    (n == 19 && strncasecmp(v->s, "securitykeyprovider", 19) == 0))
		prog_runs(pc->x, pc->name, "loads a library");
}

void
prog_ssh(struct prog_call *pc)
{
	prog_opts(pc, "o", "", prog_ssh_opt);
}

/* zip -TT cmd / --unzip-command cmd. */
void
prog_zip(struct prog_call *pc)
{
	prog_opts(pc, NULL, "|TT|unzip-command|", prog_opt_code);
}

/* make --eval / -E: a makefile fragment; $(shell ...) and recipes run. */
static void
prog_make_eval(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	const char *s = v->s, *p, *e, *semi;

	(void)opt;
	prog_runs(pc->x, pc->name, "--eval");
	if (pol_word_dynamic(v))
		return;
	for (p = s; (p = strstr(p, "$(shell ")) != NULL; p = e) {
		p += 8;
		e = strchr(p, ')');
		if (e == NULL)
			e = p + strlen(p);
		pol_analyze_text(pc->x, p, (size_t)(e - p), "make $(shell)");
	}
	if ((semi = strchr(s, ';')) != NULL && strchr(s, ':') != NULL &&
	    strchr(s, ':') < semi) {
		semi++;
		semi += strspn(semi, "@-+ \t");
		pol_analyze_text(pc->x, semi, strlen(semi), "make recipe");
	}
}


void
prog_make(struct prog_call *pc)
{
	prog_opts(pc, "E", "|eval|", prog_make_eval);
	prog_opts(pc, "f", "|file|makefile|", prog_opt_script);
	prog_targets(pc, pc->eff + 1);
}

/* ---- targets and scripts whose names say they act on the world ---- */

/* Does a target or script name say deploy/publish/release ...? */
static int
prog_world_name(const char *s)
{
	static const char *const words[] = {
		"deploy", "publish", "release", "upload", "ship", "rollout",
		"promote", "distribute", "push",
	};
	static const char *const not[] = {
		"build", "check", "dry", "lint", "local", "note", "preview",
		"test",
	};
	const char *b = pol_base(s), *p;
	size_t i, n;

	for (i = 0; i < nitems(not); i++)
		if (strstr(b, not[i]) != NULL)
			return 0;	/* release-notes, deploy-preview, dry-run */
	for (i = 0; i < nitems(words); i++) {
		n = strlen(words[i]);
		for (p = b; (p = strstr(p, words[i])) != NULL; p++)
			if ((p == b || strchr("-_:.", p[-1]) != NULL) &&
			    (p[n] == '\0' || strchr("-_:.", p[n]) != NULL))
				return 1;
	}
	return 0;
}

/* Is a script name an installer (install.sh, get-docker.sh ...)? */
static int
prog_installer_name(const char *s)
{
	const char *b = pol_base(s);

	return strncmp(b, "install", 7) == 0 || strncmp(b, "get-", 4) == 0 ||
	    strncmp(b, "get_", 4) == 0 || strncmp(b, "installer", 9) == 0;
}

/* make/just/npm run ... TARGET: targets named for the world ask. */
void
prog_targets(struct prog_call *pc, size_t from)
{
	const struct shp_cmd *c = pc->c;
	size_t k;

	for (k = from; k < c->argc; k++) {
		const char *a = c->argv[k].s;

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] == '-' || strchr(a, '=') != NULL)
			continue;
		if (prog_world_name(a)) {
			prog_not_readonly(pc->x);
			FIND(pc->x, RISK_MEDIUM, 0, "deploy-target", "runs '%s', "
			    "a target that acts outside this machine (deploys, "
			    "publishes or releases)", a);
			return;
		}
	}
}

/* A script given to a shell (bash deploy.sh) or run by path. */
static void
prog_script_name(struct pol_ctx *x, const char *path)
{
	if (prog_world_name(path)) {
		prog_not_readonly(x);
		FIND(x, RISK_MEDIUM, 0, "deploy-target", "runs %s, a script "
		    "that acts outside this machine (deploys, publishes or "
		    "releases)", path);
	} else if (prog_installer_name(path) && x->p->uncontained) {
		prog_not_readonly(x);
		FIND(x, RISK_MEDIUM, 0, "install-code", "runs %s, an installer "
		    "script, with nothing containing it", path);
	}
}

/* sh/bash script.sh: the script's name. */
void
prog_shell(struct prog_call *pc)
{
	const struct shp_word *w;

	if (pol_has_opt(pc->c, pc->eff + 1, 'c', NULL))
		return;
	if ((w = prog_operand(pc, "oO", "|rcfile|init-file|", NULL)) != NULL &&
	    !pol_word_dynamic(w))
		prog_script_name(pc->x, w->s);
}

/* ---- system state ---- */

/* kill $(pgrep x), pgrep x | xargs kill: processes found by name. */
void
prog_kill(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	size_t j;
	int q, byname = pc->x->xargs != 0;

	for (j = pc->i + 1; j < pc->r->ncmd && !byname; j++) {
		for (q = pc->r->cmd[j].parent; q >= 0 && (size_t)q != pc->i;
		    q = pc->r->cmd[q].parent)
			;
		if (q >= 0 && pc->r->cmd[j].argc > 0 &&
		    (pol_cmd_flags(pol_base(pc->r->cmd[j].argv[0].s)) &
		    CF_PIDS))
			byname = 1;
	}
	(void)c;
	if (byname && pc->x->p->uncontained) {
		prog_not_readonly(pc->x);
		FIND(pc->x, RISK_MEDIUM, 0, "kill-by-name", "kills processes "
		    "found by name or at run time (may not be yours)");
	}
}

/* ---- variables set by builtins ---- */

/* export/declare/typeset/local/readonly "$NAME=value": the variable set
 * is known only at run time (it may be LD_PRELOAD). */
void
prog_declare(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	const char *a, *eq;
	size_t k;

	for (k = pc->eff + 1; k < c->argc; k++) {
		a = c->argv[k].s;
		if ((eq = strchr(a, '=')) == NULL || !(c->argv[k].flags &
		    (SHP_VAR | SHP_CMDSUB)) || memchr(a, '$', (size_t)(eq - a)) ==
		    NULL)
			continue;
		prog_not_readonly(pc->x);
		FIND(pc->x, RISK_UNKNOWN, 0, "dynamic-code", "%s sets a variable "
		    "whose name is known only at run time: %.60s", pc->name, a);
	}
}

/* printf -v NAME FORMAT [ARGS]: NAME gets the formatted text. */
void
prog_printf(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	size_t k = pc->eff + 1;
	const struct shp_word *fmt, *arg;
	char *as;

	if (k + 2 >= c->argc || strcmp(c->argv[k].s, "-v") != 0)
		return;
	fmt = &c->argv[k + 2];
	arg = k + 3 < c->argc ? &c->argv[k + 3] : NULL;
	if (arg != NULL && strcmp(fmt->s, "%s") == 0)
		fmt = arg;
	as = xasprintf("%s=%s", c->argv[k + 1].s, fmt->s);
	pol_prog_assign(pc->x, as, fmt->flags);
	free(as);
}

/* read [-r] NAME...: the first NAME gets a line of input. */
void
prog_read(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	const struct shp_word *name;
	const char *val = NULL;
	unsigned flags = SHP_VAR;
	size_t k;
	char *as;

	if ((name = prog_operand(pc, "adnNptu", "", NULL)) == NULL ||
	    strspn(name->s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_") != name->len)
		return;
	for (k = 0; k < c->nredir; k++)
		if (c->redir[k].op == SHP_R_HERESTR) {
			val = c->redir[k].target.s;
			flags = c->redir[k].target.flags;
		}
	as = xasprintf("%s=%s", name->s, val != NULL ? val : "<input>");
	pol_prog_assign(pc->x, as, flags);
	free(as);
}

/* ---- wrappers the table in risk.c cannot describe ---- */

/* GNU parallel CMD ::: ARGS (or ARGS on stdin): each job as shell text. */
void
prog_parallel(struct prog_call *pc)
{
	static const char *const longs = "|jobs|arg-file|sshlogin|delimiter|"
	    "max-args|joblog|results|tmpdir|workdir|timeout|delay|colsep|env|"
	    "retries|halt|memfree|load|basefile|transfer-file|return|"
	    "max-replace-args|tagstring|sshloginfile|sqlmaster|sqlworker|";
	const struct shp_cmd *c = pc->c;
	size_t k = pc->eff + 1, cmd, sep, a, j;
	struct buf b;
	int jobs = 0;

	while (k < c->argc && c->argv[k].s[0] == '-' && c->argv[k].s[1] != '\0') {
		const char *o = c->argv[k].s;
		char opt[40];
		size_t len = strcspn(o + 2, "=");

		if (o[1] != '-' && o[2] == '\0' && strchr("jaSdnNIPX", o[1]) != NULL)
			k++;
		else if (o[1] == '-' && o[2 + len] == '\0' && len < 30) {
			snprintf(opt, sizeof opt, "|%.*s|", (int)len, o + 2);
			if (strstr(longs, opt) != NULL)
				k++;
		}
		k++;
	}
	cmd = k;
	for (sep = cmd; sep < c->argc; sep++)
		if (strncmp(c->argv[sep].s, ":::", 3) == 0)
			break;
	if (sep == cmd)
		return;	/* the commands themselves come from the input */
	for (a = sep < c->argc ? sep + 1 : c->argc; a <= c->argc && jobs < 8;
	    a++) {
		if (a < c->argc && strncmp(c->argv[a].s, ":::", 3) == 0)
			continue;
		buf_init(&b, 256 * 1024);
		for (j = cmd; j < sep; j++) {
			const char *w = c->argv[j].s, *ph;
			const char *val = a < c->argc ? c->argv[a].s : "\"$1\"";

			while ((ph = strchr(w, '{')) != NULL && ph[1] != '\0' &&
			    strchr(ph, '}') != NULL && strchr(ph, '}') - ph < 8) {
				(void)buf_append(&b, w, (size_t)(ph - w));
				(void)buf_puts(&b, val);
				w = strchr(ph, '}') + 1;
			}
			(void)buf_puts(&b, w);
			(void)buf_putc(&b, ' ');
		}
		if (strchr(b.s, '{') == NULL && (sep == c->argc || a < c->argc) &&
		    strstr(b.s, a < c->argc ? c->argv[a].s : "\"$1\"") == NULL)
			(void)buf_puts(&b, a < c->argc ? c->argv[a].s : "\"$1\"");
		pol_analyze_text(pc->x, b.s, b.len, "parallel");
		buf_free(&b);
		jobs++;
		if (a >= c->argc || sep == c->argc)
			break;
	}
}

/* ---- checks for every program ---- */

/* A file:// URL names a local file: a read, judged as one. */
static void
prog_file_url(struct pol_ctx *x, const struct shp_word *w)
{
	const char *u = strstr(w->s, "file://");
	struct shp_word pw;
	struct pol_path pp;
	char *show;

	if (u == NULL)
		return;
	u += 7;
	if (strncmp(u, "localhost/", 10) == 0)
		u += 9;
	pw = *w;
	pw.s = (char *)u;
	pw.len = strlen(u);
	pw.flags &= ~(unsigned)SHP_TILDE;
	if (u[0] == '~')
		pw.flags |= SHP_TILDE;
	pol_path_word(x, &pw, 1, &pp);
	if (pp.cls != PC_INSIDE && pp.cls != PC_ROOT) {
		show = pol_path_show(x, &pp, &pw);
		FIND(x, RISK_MEDIUM, 0, "read-outside", "reads a local file "
		    "outside the workspace through a file:// URL: %s", show);
		free(show);
	}
	pol_path_rules(x, &pp, PS_READ | PS_ARG);
	free(pp.abs);
}

/* A program run by its path: outside the workspace and the places
 * programs are installed, nobody has read it. */
static void
prog_path_run(struct prog_call *pc)
{
	const struct shp_word *w = &pc->c->argv[pc->eff];
	int place;

	if (strchr(w->s, '/') == NULL || pol_written(pc->x, w->s) != NULL)
		return;
	place = prog_path_place(pc->x, w);
	if (place == 1)
		prog_script_name(pc->x, w->s);
	else if (place == 0 && pc->x->p->uncontained) {
		prog_not_readonly(pc->x);
		FIND(pc->x, RISK_MEDIUM, 0, "run-outside", "runs a program from "
		    "outside the workspace: %s", w->s);
	}
}

/* A write inside the workspace: hooks directories and project files
 * their programs run (a row's .runs; called by risk.c for every write it
 * rates). */
void
pol_prog_written(struct pol_ctx *x, const struct pol_path *pp)
{
	const char *b;
	size_t n;

	if (pp->cls != PC_INSIDE || pp->rel == NULL)
		return;
	b = pol_base(pp->rel);
	if (x->nrunfile < nitems(x->runfile) && pol_cmd_runfile(b))
		x->runfile[x->nrunfile++] = xstrdup(b);
	if (x->hooks == NULL && x->root != NULL)
		x->hooks = pol_prog_hooks_path(x->p, x->root);
	if (x->hooks != NULL && x->hooks[0] != '\0') {
		const char *h = x->hooks;

		if (strncmp(h, "./", 2) == 0)
			h += 2;
		n = strlen(h);
		while (n > 0 && h[n - 1] == '/')
			n--;
		if (n > 0 && strncmp(pp->rel, h, n) == 0 && pp->rel[n] == '/') {
			prog_not_readonly(x);
			FIND(x, RISK_HIGH, 0, "git-hooks", "writes into git's hooks "
			    "directory (core.hooksPath %s): %s", x->hooks, pp->rel);
		}
	}
}

/* A program runs after this action rewrote the file it runs. */
static void
prog_rewritten(struct prog_call *pc)
{
	struct pol_ctx *x = pc->x;
	size_t i;

	if (pc->e == NULL || pc->e->runs == NULL)
		return;
	for (i = 0; i < x->nrunfile; i++)
		if (pol_in_bars(pc->e->runs, x->runfile[i],
		    strlen(x->runfile[i]))) {
			prog_not_readonly(x);
			FIND(x, RISK_MEDIUM, 0, "rewrite-run", "rewrites %s, then "
			    "runs %s in the same action", x->runfile[i], pc->name);
			return;
		}
}

/* Checks every program gets, then its own (its row's .check). */
void
pol_prog_check(struct prog_call *pc)
{
	struct pol_ctx *x = pc->x;
	size_t k;

	for (k = pc->eff + 1; k < pc->c->argc; k++)
		if (strstr(pc->c->argv[k].s, "file://") != NULL)
			prog_file_url(x, &pc->c->argv[k]);
	if (pc->e == NULL || !(pc->e->flags & CF_O_NOT_OUT))
		prog_opts(pc, "o", "|output|out|outfile|output-file|out-file|"
		    "log-file|logfile|", prog_opt_write);
	prog_path_run(pc);
	if (x->nrunfile > 0)
		prog_rewritten(pc);
	if (pc->e != NULL && pc->e->check != NULL)
		pc->e->check(pc);
}

/* core.hooksPath of the workspace's repository ("" if none), cached by
 * the config file's modification time. */
char *
pol_prog_hooks_path(struct policy *p, const char *root)
{
	char path[4096], line[512], *s, *v, *e;
	struct stat st;
	FILE *fp;
	int core = 0;

	if ((size_t)snprintf(path, sizeof path, "%s/.git/config", root) >=
	    sizeof path || stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return xstrdup("");
	if (p->hooks_key != NULL && strcmp(p->hooks_key, path) == 0 &&
	    p->hooks_mtime == (long long)st.st_mtime)
		return xstrdup(p->hooks_val);
	free(p->hooks_key);
	free(p->hooks_val);
	p->hooks_key = xstrdup(path);
	p->hooks_mtime = (long long)st.st_mtime;
	p->hooks_val = xstrdup("");
	if (st.st_size > 1024 * 1024 || (fp = fopen(path, "r")) == NULL)
		return xstrdup("");
	while (fgets(line, sizeof line, fp) != NULL) {
		s = line + strspn(line, " \t");
		if (*s == '[') {
			core = strncasecmp(s, "[core]", 6) == 0;
			continue;
		}
		if (!core || strncasecmp(s, "hookspath", 9) != 0)
			continue;
		v = s + 9 + strspn(s + 9, " \t");
		if (*v != '=')
			continue;
		v += 1 + strspn(v + 1, " \t\"");
		for (e = v + strlen(v); e > v && strchr(" \t\r\n\"", e[-1]); e--)
			;
		*e = '\0';
		free(p->hooks_val);
		p->hooks_val = xstrdup(v);
	}
	fclose(fp);
	return xstrdup(p->hooks_val);
}

/* Release what pol_prog_* kept in the context. */
void
pol_prog_free(struct pol_ctx *x)
{
	size_t i;

	free(x->hooks);
	x->hooks = NULL;
	for (i = 0; i < x->nrunfile; i++)
		free(x->runfile[i]);
	x->nrunfile = 0;
}

/* ---- --help and --version ---- */

/*
 * Does the command only print its help or version?  The last word is
 * --help/--version/-help and every word between the program and it is a
 * plain sub-command word (git restore --help, kubectl delete --help); no
 * shell or interpreter (sh -c CODE --help still runs CODE).
 */
int
pol_prog_help(const struct shp_cmd *c, size_t eff)
{
	const char *last, *a;
	size_t k;

	if (c->argc < eff + 2)
		return 0;
	last = c->argv[c->argc - 1].s;
	if (strcmp(last, "--help") != 0 && strcmp(last, "--version") != 0 &&
	    strcmp(last, "-help") != 0)
		return 0;
	for (k = eff; k + 1 < c->argc; k++) {
		a = c->argv[k].s;
		if (pol_word_dynamic(&c->argv[k]) || (k > eff && (a[0] == '-' ||
		    strpbrk(a, "/=.\\") != NULL)) || a[0] == '\0')
			return 0;
	}
	for (k = 0; k < c->nredir; k++)
		if (c->redir[k].op != SHP_R_DUPOUT && c->redir[k].op != SHP_R_OUT &&
		    c->redir[k].op != SHP_R_ALL)
			return 0;
	return 1;
}

/* ---- variables ---- */

enum prog_var {
	V_CODE,		/* always runs or loads code */
	V_PROMPT,	/* runs $(...) in its value */
	V_PATHS,	/* a search path for programs or code */
	V_OPTS,		/* options; some load code */
	V_CMD,		/* a command run later */
	V_GITCONF,	/* git configuration */
	V_INDEX,	/* where packages come from */
};

static const struct {
	const char	*name;		/* a trailing * is a prefix */
	enum prog_var	 kind;
} prog_vars[] = {
	{ "BASH_ENV", V_CODE }, { "BASH_FUNC_*", V_CODE },
	{ "BROWSER", V_CMD }, { "CLASSPATH", V_PATHS },
	{ "DYLD_INSERT_LIBRARIES", V_CODE }, { "DYLD_LIBRARY_PATH", V_PATHS },
	{ "EDITOR", V_CMD }, { "ENV", V_CODE }, { "GCONV_PATH", V_CODE },
	{ "GIT_ASKPASS", V_CMD }, { "GIT_CONFIG", V_GITCONF },
	{ "GIT_CONFIG_*", V_GITCONF }, { "GIT_EDITOR", V_CMD },
	{ "GIT_EXEC_PATH", V_PATHS }, { "GIT_EXTERNAL_DIFF", V_CMD },
	{ "GIT_PAGER", V_CMD }, { "GIT_PROXY_COMMAND", V_CMD },
	{ "GIT_SEQUENCE_EDITOR", V_CMD }, { "GIT_SSH", V_CMD },
	{ "GIT_SSH_COMMAND", V_CMD }, { "GIT_TEMPLATE_DIR", V_GITCONF },
	{ "GLIBC_TUNABLES", V_CODE }, { "JAVA_TOOL_OPTIONS", V_OPTS },
	{ "JDK_JAVA_OPTIONS", V_OPTS }, { "LD_AUDIT", V_CODE },
	{ "LD_LIBRARY_PATH", V_PATHS }, { "LD_PRELOAD", V_CODE },
	{ "LESSCLOSE", V_CMD }, { "LESSOPEN", V_CMD }, { "MANPAGER", V_CMD },
	{ "NODE_OPTIONS", V_OPTS }, { "NODE_PATH", V_PATHS },
	{ "NPM_CONFIG_REGISTRY", V_INDEX }, { "PAGER", V_CMD },
	{ "PATH", V_PATHS }, { "PERL5DB", V_CODE }, { "PERL5LIB", V_PATHS },
	{ "PERL5OPT", V_OPTS }, { "PERLLIB", V_PATHS },
	{ "PIP_EXTRA_INDEX_URL", V_INDEX }, { "PIP_INDEX_URL", V_INDEX },
	{ "PROMPT_COMMAND", V_CODE }, { "PS0", V_PROMPT }, { "PS1", V_PROMPT },
	{ "PS2", V_PROMPT }, { "PS3", V_PROMPT }, { "PS4", V_PROMPT },
	{ "PYTHONHOME", V_PATHS }, { "PYTHONPATH", V_PATHS },
	{ "PYTHONSTARTUP", V_CODE }, { "RUBYLIB", V_PATHS },
	{ "RUBYOPT", V_OPTS }, { "SSH_ASKPASS", V_CMD }, { "SUDO_ASKPASS", V_CMD },
	{ "VISUAL", V_CMD }, { "_JAVA_OPTIONS", V_OPTS },
	{ "npm_config_registry", V_INDEX },
};

/* One element of a search path: "" fine, 1 MEDIUM, 2 HIGH. */
static int
prog_path_elem(struct pol_ctx *x, const char *s, size_t n, unsigned flags)
{
	struct shp_word w;
	struct pol_path pp;
	char *t;
	int risk = 0, place;

	if (n == 0 || (s[0] == '$' && (strncmp(s, "$PATH", n) == 0 ||
	    memchr(s, '/', n) == NULL)) || strncmp(s, "${", 2) == 0)
		return 0;	/* the previous value, or unknown */
	t = xstrndup(s, n);
	w.s = t;
	w.len = n;
	w.flags = (flags & SHP_VAR) && strchr(t, '$') != NULL ? SHP_VAR : 0;
	if (t[0] == '~')
		w.flags |= SHP_TILDE;
	place = prog_path_place(x, &w);
	if (place == 0) {
		pol_path_word(x, &w, 0, &pp);
		risk = pp.cls == PC_TMP || pp.cls == PC_DEVICE ||
		    (pp.abs != NULL && strncmp(pp.abs, "/dev/shm", 8) == 0) ? 2 :
		    pp.cls == PC_UNKNOWN ? 0 : 1;
		free(pp.abs);
	}
	free(t);
	return risk;
}

/* Do the options in an *_OPTIONS / *OPT variable load code?  2 if so. */
static int
prog_opts_load(const char *var, const char *v)
{
	static const struct {
		const char	*var;		/* prefix of the variable's name */
		const char	*opts;		/* " a b ": options (prefixes) */
	} loaders[] = {
		{ "NODE_OPTIONS", " -r --require --import --loader "
		    "--experimental-loader -e --eval -p --print " },
		{ "PERL5OPT", " -M -m -d -I -e -E " },
		{ "RUBYOPT", " -r -I -e " },
		{ "JAVA_TOOL_OPTIONS", " -javaagent -agentpath -agentlib "
		    "-XX:OnError -XX:OnOutOfMemoryError " },
		{ "JDK_JAVA_OPTIONS", " -javaagent -agentpath -agentlib "
		    "-XX:OnError -XX:OnOutOfMemoryError " },
		{ "_JAVA_OPTIONS", " -javaagent -agentpath -agentlib "
		    "-XX:OnError -XX:OnOutOfMemoryError " },
	};
	const char *opts = NULL, *t, *o, *e;
	size_t i, n, on;

	for (i = 0; i < nitems(loaders) && opts == NULL; i++)
		if (strncmp(var, loaders[i].var, strlen(loaders[i].var)) == 0)
			opts = loaders[i].opts;
	if (opts == NULL)
		return 0;
	for (t = v; *t != '\0'; t += n) {
		t += strspn(t, " \t\"'");
		n = strcspn(t, " \t\"'");
		if (n == 0)
			break;
		/* a token matching an option, alone or with its value glued on
		 * (-r./x, --require=x, -javaagent:x) */
		for (o = opts; (o = strchr(o, ' ')) != NULL && o[1] != '\0'; o = e) {
			o++;
			e = strchr(o, ' ');
			on = (size_t)(e - o);
			if (n >= on && strncmp(t, o, on) == 0 && (n == on ||
			    strchr("=:", t[on]) != NULL || (on == 2 &&
			    t[1] != '-')))
				return 2;
		}
	}
	return 0;
}

/* NAME=value from a prefix, export, declare, env, printf -v or read. */
void
pol_prog_assign(struct pol_ctx *x, const char *word, unsigned flags)
{
	const char *eq = strchr(word, '='), *v, *p, *e;
	size_t n, i, len;
	int risk = 0, dyn = (flags & (SHP_VAR | SHP_CMDSUB)) != 0;

	if (eq == NULL || eq == word)
		return;
	n = (size_t)(eq - word) - (eq[-1] == '+');
	v = eq + 1;
	for (i = 0; i < nitems(prog_vars); i++) {
		len = strlen(prog_vars[i].name);
		if (prog_vars[i].name[len - 1] == '*' ? strncmp(word,
		    prog_vars[i].name, len - 1) == 0 : (len == n &&
		    strncmp(word, prog_vars[i].name, n) == 0))
			break;
	}
	if (i == nitems(prog_vars))
		return;
	switch (prog_vars[i].kind) {
	case V_CODE:
		if (v[0] != '\0')
			risk = 2;
		break;
	case V_PROMPT:
		if (strstr(v, "$(") != NULL || strchr(v, '`') != NULL) {
			risk = 2;
			pol_analyze_text(x, v, strlen(v), "prompt");
		}
		break;
	case V_PATHS:
		for (p = v; *p != '\0'; p = *e != '\0' ? e + 1 : e) {
			e = p + strcspn(p, ":");
			if (strcmp(v, "<input>") == 0)
				risk = 1;
			else if (prog_path_elem(x, p, (size_t)(e - p), flags) > risk)
				risk = prog_path_elem(x, p, (size_t)(e - p), flags);
		}
		break;
	case V_OPTS:
		risk = strcmp(v, "<input>") == 0 ? 2 : prog_opts_load(word, v);
		break;
	case V_CMD:
		p = v;
		if (strncmp(word, "LESS", 4) == 0)
			p += strspn(p, "|-");
		if (dyn && strchr(p, '$') != NULL)
			risk = 1;
		else {
			if (!prog_benign_text(p, strlen(p)))
				risk = 1;
			pol_analyze_text(x, p, strlen(p), "a command in a variable");
		}
		break;
	case V_GITCONF:
		risk = 1;
		if (strncmp(word, "GIT_CONFIG_VALUE_", 17) == 0)
			pol_analyze_text(x, v, strlen(v), "git configuration");
		break;
	case V_INDEX:
		risk = 1;
		break;
	}
	if (dyn && strcmp(v, "<input>") == 0 && risk == 0 &&
	    prog_vars[i].kind != V_PROMPT)
		risk = 1;
	if (risk == 0)
		return;
	prog_not_readonly(x);
	FIND(x, risk == 2 ? RISK_HIGH : RISK_MEDIUM, 0, "env-code", "sets "
	    "%.*s, which makes later programs run or load code: %.60s", (int)n,
	    word, v);
}
