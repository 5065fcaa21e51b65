/*
 * programs-world.c: the rows of prog_table[] (programs.c) for programs that
 * act beyond the workspace: installs (do they fetch new code?), git (what
 * reaches a remote, what rewrites history, hooks and config that run code),
 * remote state through CLIs (judged by what the sub-command does) and
 * databases (SQL through the scanner of scan.c).
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

/* ---- installs ---- */

/* Fetches and runs code from a registry (when nothing contains it). */
static void
prog_install_find(struct prog_call *pc, const char *what)
{
	if (!pc->x->p->uncontained)
		return;
	prog_not_readonly(pc->x);
	FIND(pc->x, RISK_MEDIUM, 0, "install-code", "installs %.60s: fetches "
	    "and runs code from a registry, with nothing containing it", what);
}

/*
 * Package operands of an install sub-command from argv[k]: names (not
 * options, not local paths or files) other than the installer's own.
 * Returns the first, or NULL.
 */
static const char *
prog_new_package(struct prog_call *pc, size_t k, const char *argopts,
    const char *longs)
{
	static const char *const own[] = {
		"pip", "setuptools", "wheel",
	};
	const struct shp_cmd *c = pc->c;
	const char *a;
	char opt[40];
	size_t len;

	for (; k < c->argc; k++) {
		a = c->argv[k].s;
		if (strcmp(a, "--") == 0)
			continue;
		if (a[0] == '-') {
			len = strcspn(a + 1 + (a[1] == '-'), "=");
			if (a[1] != '-' && a[1] != '\0' && a[2] == '\0' &&
			    strchr(argopts, a[1]) != NULL)
				k++;
			else if (a[1] == '-' && a[2 + len] == '\0' &&
			    len < sizeof opt - 2) {
				snprintf(opt, sizeof opt, "|%.*s|", (int)len, a + 2);
				if (strstr(longs, opt) != NULL)
					k++;
			}
			continue;
		}
		if (a[0] == '.' || a[0] == '/' || a[0] == '~' ||
		    strncmp(a, "file:", 5) == 0 || POL_IN(own, a) ||
		    (strchr(a, '/') != NULL && strchr(a, '@') == NULL &&
		    strstr(a, "://") == NULL && (pc->e == NULL ||
		    !(pc->e->flags & CF_SLASH_PKG)) && a[0] != '@') ||
		    pol_word_dynamic(&c->argv[k]))
			continue;
		return a;
	}
	return NULL;
}

/* pip/pip3 install NAME (not -r, -e, . or a path). */
static void
prog_pip_at(struct prog_call *pc, size_t k)
{
	const char *pkg;

	if (k >= pc->c->argc || strcmp(pc->c->argv[k].s, "install") != 0)
		return;
	if ((pkg = prog_new_package(pc, k + 1, "rceit", "|requirement|"
	    "constraint|editable|index-url|extra-index-url|target|prefix|"
	    "root|src|find-links|platform|python-version|implementation|"
	    "abi|progress-bar|log|cache-dir|")) != NULL)
		prog_install_find(pc, pkg);
}

/* The sub-command word after the program's global options. */
static size_t
prog_sub(struct prog_call *pc)
{
	size_t k = pc->eff + 1;

	while (k < pc->c->argc && pc->c->argv[k].s[0] == '-')
		k++;
	return k;
}

void
prog_pip(struct prog_call *pc)
{
	prog_pip_at(pc, prog_sub(pc));
}

/* python -m pip install ... */
void
prog_python(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	size_t k;

	for (k = pc->eff + 1; k + 1 < c->argc; k++)
		if (strcmp(c->argv[k].s, "-m") == 0) {
			if (strcmp(c->argv[k + 1].s, "pip") == 0)
				prog_pip_at(pc, k + 2);
			return;
		}
}


#define JS_EXEC_FETCH	0x01	/* "exec PKG" fetches and runs it (npm) */
#define JS_BARE		0x02	/* a bare word runs a script (yarn deploy) */
#define JS_GLOBAL	0x04	/* "global ..." names no script (yarn) */

/* npm/pnpm/yarn/bun install|add NAME; npm pkg set scripts.X=...;
 * npm run TARGET. */
static void
prog_js_how(struct prog_call *pc, unsigned how)
{
	const struct shp_cmd *c = pc->c;
	size_t k = prog_sub(pc);
	const char *sub, *pkg;

	if (k >= c->argc)
		return;
	sub = c->argv[k].s;
	if (strcmp(sub, "install") == 0 || strcmp(sub, "i") == 0 ||
	    strcmp(sub, "add") == 0 || strcmp(sub, "isntall") == 0) {
		if ((pkg = prog_new_package(pc, k + 1, "", "|registry|")) != NULL)
			prog_install_find(pc, pkg);
		return;
	}
	if ((how & JS_GLOBAL) && strcmp(sub, "global") == 0)
		return;
	if (strcmp(sub, "dlx") == 0 || (strcmp(sub, "exec") == 0 &&
	    (how & JS_EXEC_FETCH))) {
		prog_fetch_run(pc);
		return;
	}
	if (strcmp(sub, "pkg") == 0 && k + 2 < c->argc &&
	    strcmp(c->argv[k + 1].s, "set") == 0) {
		for (k += 2; k < c->argc; k++) {
			const char *a = c->argv[k].s, *eq = strchr(a, '=');

			if (strncmp(a, "scripts.", 8) == 0 && eq != NULL) {
				prog_not_readonly(pc->x);
				FIND(pc->x, RISK_MEDIUM, 0, "package-script",
				    "changes the package script '%.*s' (runs on "
				    "npm run, install ...)", (int)(eq - a - 8), a + 8);
				pol_analyze_text(pc->x, eq + 1, strlen(eq + 1),
				    "package.json script");
			}
		}
		return;
	}
	if (strcmp(sub, "set-script") == 0 && k + 2 < c->argc) {
		prog_not_readonly(pc->x);
		FIND(pc->x, RISK_MEDIUM, 0, "package-script", "changes the "
		    "package script '%s'", c->argv[k + 1].s);
		pol_analyze_text(pc->x, c->argv[k + 2].s, c->argv[k + 2].len,
		    "package.json script");
		return;
	}
	if (strcmp(sub, "run") == 0 || strcmp(sub, "run-script") == 0)
		prog_targets(pc, k + 1);
	else if (how & JS_BARE)
		prog_targets(pc, k);	/* yarn deploy, pnpm release */
}

void
prog_npm(struct prog_call *pc)
{
	prog_js_how(pc, JS_EXEC_FETCH);
}

void
prog_yarn(struct prog_call *pc)
{
	prog_js_how(pc, JS_BARE | JS_GLOBAL);
}

/* pnpm/bun */
void
prog_js(struct prog_call *pc)
{
	prog_js_how(pc, JS_BARE);
}

/*
 * The sub-command that installs packages (the row's .installs: "|add|pip
 * install|": cargo install, go get, uv pip install, dotnet add package
 * ...): the packages it names that would be new.  local: --path installs
 * local code (cargo).  Returns 0 when no such sub-command is given.
 */
static int
prog_install_sub(struct prog_call *pc, int local)
{
	const struct shp_cmd *c = pc->c;
	size_t k = prog_sub(pc), at, n;
	const char *l, *bar, *sp, *pkg;

	if (k >= c->argc || pc->e == NULL || pc->e->installs == NULL)
		return 0;
	for (l = pc->e->installs; (bar = strchr(l + 1, '|')) != NULL; l = bar) {
		l++;
		sp = memchr(l, ' ', (size_t)(bar - l));
		n = (size_t)((sp != NULL ? sp : bar) - l);
		if (strncmp(c->argv[k].s, l, n) != 0 || c->argv[k].s[n] != '\0')
			continue;
		at = k + 1;
		if (sp != NULL) {
			n = (size_t)(bar - sp - 1);
			if (at >= c->argc || strncmp(c->argv[at].s, sp + 1, n) != 0 ||
			    c->argv[at].s[n] != '\0')
				continue;
			at++;
		}
		if (local && pol_has_opt(c, at, 0, "path"))
			return 1;
		if (pol_has_opt(c, at, 0, "git")) {
			prog_install_find(pc, "a git repository");
			return 1;
		}
		if ((pkg = prog_new_package(pc, at, "rceit", "|requirement|"
		    "index-url|version|git|branch|tag|rev|root|path|"
		    "target|")) != NULL)
			prog_install_find(pc, pkg);
		return 1;
	}
	return 0;
}

/* go install/get, gem install, composer require, poetry add, uv add/pip
 * install/tool install, pipx install/run, conda install, dotnet tool
 * install/add package, deno install ... */
void
prog_pkgtool(struct prog_call *pc)
{
	(void)prog_install_sub(pc, 0);
}

/* cargo install (not --path), cargo make TARGET. */
void
prog_cargo(struct prog_call *pc)
{
	size_t k = prog_sub(pc);

	if (!prog_install_sub(pc, 1) && k < pc->c->argc &&
	    strcmp(pc->c->argv[k].s, "make") == 0)
		prog_targets(pc, k + 1);
}

/* npx --yes PKG, pnpm/yarn dlx PKG, uvx PKG, bunx PKG: fetch and run a
 * package that need not be installed (always: without being asked to). */
static void
prog_fetch(struct prog_call *pc, int fetch)
{
	const struct shp_cmd *c = pc->c;
	size_t k = pc->eff + 1;
	const char *pkg = NULL;

	for (; k < c->argc; k++) {
		const char *a = c->argv[k].s;

		if (strcmp(a, "-y") == 0 || strcmp(a, "--yes") == 0 ||
		    strcmp(a, "dlx") == 0)
			fetch = 1;
		else if (strncmp(a, "--package", 9) == 0 || strcmp(a, "-p") == 0)
			fetch = 1;
		else if (a[0] != '-' && pkg == NULL && strcmp(a, "exec") != 0)
			pkg = a;
	}
	if (fetch && pkg != NULL)
		prog_install_find(pc, pkg);
}

/* npx PKG (fetches with --yes), yarn dlx ... */
void
prog_fetch_run(struct prog_call *pc)
{
	prog_fetch(pc, 0);
}

/* uvx PKG, bunx PKG. */
void
prog_fetch_always(struct prog_call *pc)
{
	prog_fetch(pc, 1);
}

/* just/task/rake/invoke/nox/fab/mage TARGET. */
void
prog_runner(struct prog_call *pc)
{
	prog_targets(pc, pc->eff + 1);
}

/* ---- git ---- */

/* Does a lower-case git config key match a pattern ("*" is one part)? */
static int
prog_key_match(const char *pat, const char *key, size_t klen)
{
	const char *k = key, *end = key + klen;

	while (*pat != '\0') {
		if (*pat == '*') {
			const char *dot = memchr(k, '.', (size_t)(end - k));
			const char *last = NULL, *q;

			/* "*" spans the middle part (which may hold dots) */
			for (q = k; q < end; q++)
				if (*q == '.')
					last = q;
			if (pat[1] == '\0')
				return k < end;
			if (dot == NULL || last == NULL)
				return 0;
			k = last;
			pat++;
			continue;
		}
		if (k >= end || tolower((unsigned char)*k) != *pat)
			return 0;
		k++;
		pat++;
	}
	return k == end;
}

/*
 * git configuration KEY=VALUE (git config, git -c, clone --config,
 * GIT_CONFIG_*): keys whose value git runs as a command are judged as
 * code; keys that change where hooks live or what URLs mean ask.
 */
void
pol_prog_git_key(struct pol_ctx *x, const char *key, size_t klen,
    const char *value, int persistent)
{
	static const char *const code[] = {
		"core.pager", "core.editor", "core.sshcommand", "core.fsmonitor",
		"core.askpass", "core.gitproxy", "sequence.editor",
		"diff.external", "diff.*.textconv", "diff.*.command",
		"difftool.*.cmd", "mergetool.*.cmd", "merge.*.driver",
		"filter.*.clean", "filter.*.smudge", "filter.*.process",
		"credential.helper", "credential.*.helper", "gpg.program",
		"gpg.*.program", "pager.*", "uploadpack.packobjectshook",
		"remote.*.uploadpack", "remote.*.receivepack", "web.browser",
		"browser.*.cmd", "man.*.cmd", "sendemail.sendmailcmd",
		"sendemail.tocmd", "sendemail.cccmd", "ssh.variant",
		"core.sshcommand",
	};
	static const char *const redirect[] = {
		"core.hookspath", "include.path", "includeif.*.path",
		"url.*.insteadof", "url.*.pushinsteadof", "init.templatedir",
		"protocol.allow", "protocol.*.allow", "core.worktree",
	};
	size_t i;

	if (klen > 6 && strncasecmp(key, "alias.", 6) == 0) {
		if (value[0] == '!')
			prog_code(x, "git alias", "!", value + 1, strlen(value + 1));
		return;
	}
	for (i = 0; i < nitems(code); i++)
		if (prog_key_match(code[i], key, klen)) {
			if (strcmp(code[i], "pager.*") == 0 && (strcmp(value,
			    "false") == 0 || strcmp(value, "true") == 0 ||
			    value[0] == '\0'))
				return;
			if (strcmp(code[i], "credential.helper") == 0 &&
			    value[0] != '!' && strchr(value, '/') == NULL &&
			    strchr(value, ' ') == NULL)
				return;	/* credential.helper store/cache/osxkeychain */
			prog_code(x, "git", persistent ? "config" : "-c", value,
			    strlen(value));
			return;
		}
	for (i = 0; i < nitems(redirect); i++)
		if (prog_key_match(redirect[i], key, klen)) {
			prog_not_readonly(x);
			FIND(x, RISK_MEDIUM, 0, "git-config-code", "sets git's "
			    "%.*s: changes which hooks, configuration or URLs "
			    "git uses", (int)klen, key);
			if (i == 0 && persistent && value[0] != '\0') {
				free(x->hooks);
				x->hooks = xstrdup(value);
			}
			return;
		}
}

/* Words from argv[k] on are a command git runs: one word is shell text
 * (git submodule foreach 'cmd'), several are a command line. */
static void
prog_run_words(struct prog_call *pc, size_t k, const char *what)
{
	if (k >= pc->c->argc)
		return;
	if (k + 1 == pc->c->argc && !pol_word_dynamic(&pc->c->argv[k])) {
		pol_analyze_text(pc->x, pc->c->argv[k].s, pc->c->argv[k].len, what);
		return;
	}
	if (pc->x->depth >= 6)
		return;
	pol_analyze_argv(pc->x, pc->c->argv + k, pc->c->argc - k);
}

/* KEY=VALUE from git -c / clone --config. */
static void
prog_git_kv(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	const char *eq = strchr(v->s, '=');

	(void)opt;
	if (eq != NULL)
		pol_prog_git_key(pc->x, v->s, (size_t)(eq - v->s), eq + 1, 0);
}

/* git: config keys, difftool -x, --upload-pack, submodule foreach,
 * bisect run, rebase --exec. */
void
prog_git(struct prog_call *pc)
{
	const struct shp_cmd *c = pc->c;
	size_t k = pc->eff + 1, v;
	const char *sub, *a;

	while (k < c->argc && c->argv[k].s[0] == '-') {
		a = c->argv[k].s;
		if (strcmp(a, "-C") == 0 || strcmp(a, "-c") == 0 ||
		    strcmp(a, "--git-dir") == 0 || strcmp(a, "--work-tree") == 0 ||
		    strcmp(a, "--namespace") == 0 || strcmp(a, "--config-env") == 0)
			k++;
		if (strncmp(a, "--config-env", 12) == 0)
			prog_runs(pc->x, "git", "configuration from the environment");
		k++;
	}
	if (k >= c->argc)
		return;
	sub = c->argv[k].s;
	if (strcmp(sub, "config") == 0) {
		const struct shp_word *ops[3];
		size_t n;

		if (pol_has_opt(c, k + 1, 0, "get") || pol_has_opt(c, k + 1, 'l',
		    "list") || pol_has_opt(c, k + 1, 0, "unset"))
			return;
		n = pol_operands(c, k + 1, "f", ops, 3);
		if (n >= 1 && (strcmp(ops[0]->s, "set") == 0 ||
		    strcmp(ops[0]->s, "add") == 0)) {
			n--;
			memmove(ops, ops + 1, n * sizeof *ops);
		}
		if (n == 2)
			pol_prog_git_key(pc->x, ops[0]->s, ops[0]->len, ops[1]->s, 1);
		return;
	}
	if (strcmp(sub, "difftool") == 0 || strcmp(sub, "mergetool") == 0) {
		prog_opts(pc, "x", "|extcmd|", prog_opt_code);
		return;
	}
	if (strcmp(sub, "clone") == 0 || strcmp(sub, "fetch") == 0 ||
	    strcmp(sub, "pull") == 0 || strcmp(sub, "push") == 0 ||
	    strcmp(sub, "ls-remote") == 0 || strcmp(sub, "archive") == 0 ||
	    strcmp(sub, "submodule") == 0) {
		prog_opts(pc, strcmp(sub, "clone") == 0 || strcmp(sub, "ls-remote")
		    == 0 ? "u" : NULL, "|upload-pack|receive-pack|exec|", prog_opt_code);
		if (strcmp(sub, "clone") == 0 || strcmp(sub, "submodule") == 0)
			prog_opts(pc, strcmp(sub, "clone") == 0 ? "c" : NULL,
			    "|config|", prog_git_kv);
	}
	if (strcmp(sub, "rebase") == 0)
		prog_opts(pc, "x", "|exec|", prog_opt_code);
	for (v = k + 1; v < c->argc; v++)
		if (strncmp(c->argv[v].s, "ext::", 5) == 0)
			prog_code(pc->x, "git", "ext:: URL", c->argv[v].s + 5,
			    c->argv[v].len - 5);
	if (strcmp(sub, "submodule") == 0 && k + 1 < c->argc) {
		for (v = k + 1; v < c->argc && c->argv[v].s[0] == '-'; v++)
			;
		if (v < c->argc && strcmp(c->argv[v].s, "foreach") == 0) {
			for (v++; v < c->argc && c->argv[v].s[0] == '-'; v++)
				;
			prog_run_words(pc, v, "git submodule foreach");
		}
	}
	if (strcmp(sub, "bisect") == 0 && k + 1 < c->argc &&
	    strcmp(c->argv[k + 1].s, "run") == 0)
		prog_run_words(pc, k + 2, "git bisect run");
	if (strcmp(sub, "send-email") == 0 || strcmp(sub, "request-pull") == 0 ||
	    strcmp(sub, "daemon") == 0 || strcmp(sub, "instaweb") == 0) {
		prog_not_readonly(pc->x);
		FIND(pc->x, RISK_MEDIUM, 0, "git-remote", "git %s sends or serves "
		    "the repository", sub);
	}
}

/* ---- remote state through CLIs ---- */

/* gh/glab: what each sub-command does (read-only, writes, destroys). */
void
prog_forge(struct prog_call *pc)
{
	static const char *const readonly[] = {
		"alias list", "api", "auth status", "browse", "cache list",
		"ci list", "ci status", "ci trace", "ci view", "ci get",
		"codespace list", "completion", "config get", "config list",
		"extension list", "extension search", "gist list", "gist view",
		"gpg-key list", "help", "issue list", "issue status",
		"issue view", "job view", "label list", "mr checkout", "mr diff",
		"mr list", "mr view", "org list", "pr checkout", "pr checks",
		"pr diff", "pr list", "pr status", "pr view", "project list",
		"project view", "release download", "release list",
		"release view", "repo clone", "repo list", "repo view",
		"ruleset check", "ruleset list", "ruleset view", "run download",
		"run list", "run view", "run watch", "search", "secret list",
		"ssh-key list", "status", "variable get", "variable list",
		"version", "workflow list", "workflow view",
	};
	static const char *const destroy[] = {
		"auth token", "cache delete", "gist delete", "gpg-key delete",
		"issue delete", "label delete", "release delete", "repo archive",
		"repo delete", "repo rename", "repo transfer", "run delete",
		"secret delete", "ssh-key delete", "variable delete",
	};
	const struct shp_cmd *c = pc->c;
	size_t k = prog_sub(pc), i, n;
	char two[64];
	const char *method = NULL;
	int data = 0;

	if (k >= c->argc)
		return;
	snprintf(two, sizeof two, "%s%s%s", c->argv[k].s, k + 1 < c->argc ?
	    " " : "", k + 1 < c->argc ? c->argv[k + 1].s : "");
	if (strcmp(c->argv[k].s, "api") == 0) {
		for (i = k + 1; i < c->argc; i++) {
			const char *a = c->argv[i].s;

			if ((strcmp(a, "-X") == 0 || strcmp(a, "--method") == 0) &&
			    i + 1 < c->argc)
				method = c->argv[++i].s;
			else if (strncmp(a, "--method=", 9) == 0)
				method = a + 9;
			else if (strncmp(a, "-X", 2) == 0 && a[2] != '\0')
				method = a + 2;
			else if (strcmp(a, "-f") == 0 || strcmp(a, "-F") == 0 ||
			    strncmp(a, "--field", 7) == 0 ||
			    strncmp(a, "--raw-field", 11) == 0 ||
			    strncmp(a, "--input", 7) == 0)
				data = 1;
			else if (strstr(a, "mutation") != NULL)
				data = 2;
		}
		if (method == NULL && !data)
			return;
		if (method != NULL && strcasecmp(method, "GET") == 0 && data != 2)
			return;
		prog_not_readonly(pc->x);
		FIND(pc->x, method != NULL && strcasecmp(method, "DELETE") == 0 ?
		    RISK_HIGH : RISK_MEDIUM, 0, "forge-write", "%s api %s: "
		    "changes remote state", pc->name, method != NULL ? method :
		    data == 2 ? "mutation" : "POST");
		return;
	}
	for (i = 0; i < nitems(destroy); i++)
		if (strcmp(destroy[i], two) == 0) {
			prog_not_readonly(pc->x);
			FIND(pc->x, RISK_HIGH, 0, "forge-destroy", "%s %s: deletes "
			    "or exposes remote data", pc->name, two);
			return;
		}
	if ((strcmp(two, "pr merge") == 0 || strcmp(two, "mr merge") == 0) &&
	    pol_has_opt(c, k + 2, 0, "admin")) {
		prog_not_readonly(pc->x);
		FIND(pc->x, RISK_HIGH, 0, "forge-destroy", "%s %s --admin: merges "
		    "past branch protection", pc->name, two);
		return;
	}
	for (i = 0; i < nitems(readonly); i++) {
		n = strlen(readonly[i]);
		if (strncmp(readonly[i], two, n) == 0 && (two[n] == '\0' ||
		    two[n] == ' ') && (strchr(readonly[i], ' ') != NULL ||
		    strcmp(readonly[i], "api") != 0))
			return;
	}
	if (k + 1 < c->argc && (strcmp(c->argv[k + 1].s, "--help") == 0 ||
	    strcmp(c->argv[k + 1].s, "-h") == 0))
		return;
	prog_not_readonly(pc->x);
	FIND(pc->x, RISK_MEDIUM, 0, "forge-write", "%s %s: changes remote state "
	    "(repositories, pull requests, issues, CI, secrets)", pc->name, two);
}

/* Is a URL's host this machine? */
static int
prog_loopback_url(const char *u)
{
	static const char *const hosts[] = {
		"localhost", "127.", "[::1]", "0.0.0.0", "host.docker.internal",
	};
	const char *h = strstr(u, "://");
	size_t i, n;

	h = h != NULL ? h + 3 : u;
	if (h[0] == ':' && isdigit((unsigned char)h[1]))
		return 1;	/* httpie's :8000/path */
	if (strchr(h, '@') != NULL && strchr(h, '@') < h + strcspn(h, "/"))
		return 0;
	for (i = 0; i < nitems(hosts); i++) {
		n = strlen(hosts[i]);
		if (strncmp(h, hosts[i], n) == 0 && (hosts[i][n - 1] == '.' ||
		    h[n] == '\0' || h[n] == ':' || h[n] == '/'))
			return 1;
	}
	return 0;
}

/* curl/wget/httpie: data or a writing method sent to a non-local host
 * (httpie: METHOD URL name=value ...). */
static void
prog_http_how(struct prog_call *pc, int httpie)
{
	static const char *const data_opts[] = {
		"--body-data", "--body-file", "--data", "--data-ascii",
		"--data-binary", "--data-raw", "--data-urlencode", "--form",
		"--form-string", "--json", "--post-data", "--post-file",
		"--upload-file", "--raw",
	};
	const struct shp_cmd *c = pc->c;
	size_t k, i, n;
	int send = 0, remote = 0, urls = 0;
	const char *a, *method = NULL;

	for (k = pc->eff + 1; k < c->argc; k++) {
		a = c->argv[k].s;
		if (a[0] == '-' && a[1] == '-') {
			n = strcspn(a, "=");
			for (i = 0; i < nitems(data_opts); i++)
				if (strlen(data_opts[i]) == n &&
				    strncmp(a, data_opts[i], n) == 0)
					send = 1;
			if ((strncmp(a, "--request", 9) == 0 ||
			    strncmp(a, "--method", 8) == 0)) {
				if (a[n] == '=')
					method = a + n + 1;
				else if (k + 1 < c->argc)
					method = c->argv[++k].s;
			}
			continue;
		}
		if (a[0] == '-' && a[1] != '\0' && !httpie) {
			/* a bundle (-sX DELETE, -sSd@f): up to the first
			 * letter that takes a value */
			for (i = 1; a[i] != '\0'; i++) {
				if (strchr("dFT", a[i]) != NULL)
					send = 1;
				if (a[i] == 'X')
					method = a[i + 1] != '\0' ? a + i + 1 :
					    k + 1 < c->argc ? c->argv[k + 1].s : NULL;
				if (strchr("ABCDEFHKPQTUXYbcdeghmoqrtuwxyz", a[i]) !=
				    NULL) {
					if (a[i + 1] == '\0')
						k++;
					break;
				}
			}
			continue;
		}
		if (httpie && k == pc->eff + 1 && strspn(a,
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(a) && a[0] != '\0') {
			method = a;
			continue;
		}
		if (httpie && urls > 0 && (strstr(a, "=") != NULL ||
		    strstr(a, "@") != NULL)) {
			send = 1;
			continue;
		}
		if (strstr(a, "://") != NULL || (httpie && urls == 0 &&
		    a[0] != '-')) {
			urls++;
			if (!prog_loopback_url(a) && strncmp(a, "file:", 5) != 0)
				remote = 1;
		}
	}
	if (method != NULL && (strcasecmp(method, "GET") == 0 ||
	    strcasecmp(method, "HEAD") == 0 || strcasecmp(method, "OPTIONS") == 0))
		method = NULL;
	if ((send || method != NULL) && (remote || urls == 0)) {
		prog_not_readonly(pc->x);
		FIND(pc->x, RISK_MEDIUM, 0, "upload", "sends data to a server%s%s",
		    method != NULL ? " with " : "", method != NULL ? method : "");
	}
}

/* curl/wget/curlie */
void
prog_http(struct prog_call *pc)
{
	prog_http_how(pc, 0);
}

/* http/https/xh (httpie's syntax) */
void
prog_httpie(struct prog_call *pc)
{
	prog_http_how(pc, 1);
}

/* ---- databases ---- */

/* SQL text from an option (psql -c, mysql -e ...). */
static void
prog_sql_opt(struct prog_call *pc, const struct shp_word *v, const char *opt)
{
	(void)opt;
	if (pol_word_dynamic(v) && !(v->flags & (SHP_GLOB | SHP_BRACE))) {
		prog_not_readonly(pc->x);
		FIND(pc->x, RISK_MEDIUM, 0, "database-change", "%s runs SQL "
		    "known only at run time: %.60s", pc->name, v->s);
		return;
	}
	prog_scan_word(pc, v, pol_scan_sql);
}

/* The text an upstream echo/printf feeds this command, or NULL. */
static char *
prog_upstream_text(struct prog_call *pc)
{
	const struct shp_cmd *up = NULL;
	struct pol_unwrap u;
	struct buf b;
	long n;
	size_t j;
	unsigned f;
	char *out;

	for (n = (long)pc->i - 1; n >= 0; n--)
		if (pc->r->cmd[n].pipeline == pc->c->pipeline &&
		    pc->r->cmd[n].pipe_out && pc->r->cmd[n].argc > 0) {
			up = &pc->r->cmd[n];
			break;
		}
	if (up == NULL)
		return NULL;
	pol_unwrap(up, &u);
	if (u.eff < 0)
		return NULL;
	f = pol_cmd_flags(pol_base(up->argv[u.eff].s));
	if ((f & CF_CAT) && (size_t)u.eff + 1 < up->argc)
		return NULL;	/* cat FILE: a file, like psql -f */
	if (!(f & (CF_CAT | CF_PRINTS)))
		return NULL;
	buf_init(&b, 256 * 1024);
	for (j = (size_t)u.eff + 1; j < up->argc; j++)
		if (up->argv[j].s[0] != '-' || j > (size_t)u.eff + 1) {
			(void)buf_puts(&b, up->argv[j].s);
			(void)buf_putc(&b, '\n');
		}
	for (j = 0; j < up->nredir; j++)
		if (up->redir[j].op == SHP_R_HEREDOC && up->redir[j].body != NULL)
			(void)buf_puts(&b, up->redir[j].body);
	out = buf_detach(&b, NULL);
	buf_free(&b);
	return out;
}

/* psql/mysql/sqlite3/duckdb ...: statements from options (the row's
 * .code: "|-c|"), operands (sqlite: DB SQL...), here-documents and pipes. */
static void
prog_sql_how(struct prog_call *pc, int sqlite)
{
	const struct shp_cmd *c = pc->c;
	struct prog_scan ps = { pc->x, pc->name };
	size_t k, at = 0, m = 0;
	const char *l;
	char sh[16];
	char *t;
	int n;

	for (l = pc->e != NULL ? pc->e->code : NULL; l != NULL &&
	    (l = strstr(l, "|-")) != NULL && l[2] != '\0' && l[2] != '|' &&
	    m + 1 < sizeof sh; l += 2)
		sh[m++] = l[2];
	sh[m] = '\0';
	n = prog_opts(pc, sh, "|command|execute|query|sql|cmd|", prog_sql_opt);
	prog_opts(pc, "f", "|file|init|", prog_opt_script);
	if (sqlite) {
		/* sqlite3 [options] DB [SQL ...] */
		if (prog_operand(pc, "", "|cmd|init|separator|newline|nullvalue|"
		    "vfs|lookaside|maxsize|mmap|pagecache|", &at) != NULL)
			for (k = at + 1; k < c->argc; k++, n++)
				prog_sql_opt(pc, &c->argv[k], "");
	}
	for (k = 0; k < c->nredir; k++) {
		const struct shp_redir *rd = &c->redir[k];

		if (rd->op == SHP_R_HEREDOC && rd->body != NULL)
			pol_scan_sql(rd->body, strlen(rd->body), prog_scan_cb, &ps);
		else if (rd->op == SHP_R_HERESTR)
			prog_sql_opt(pc, &rd->target, "<<<");
	}
	if (c->pipe_in && (t = prog_upstream_text(pc)) != NULL) {
		pol_scan_sql(t, strlen(t), prog_scan_cb, &ps);
		free(t);
	}
}

void
prog_sql(struct prog_call *pc)
{
	prog_sql_how(pc, 0);
}

/* sqlite3/duckdb [options] DB [SQL ...] */
void
prog_sqlite(struct prog_call *pc)
{
	prog_sql_how(pc, 1);
}
