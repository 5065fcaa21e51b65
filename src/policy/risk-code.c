/*
 * risk-code.c: code handed to a shell or an interpreter, rated like the
 * action around it.  sh -c, eval, here-documents, echo ... | sh, su -c,
 * ssh host CMD, find -exec, watch, a script written earlier in the same
 * action and then run: the code is parsed again and analysed one level
 * deeper (up to POL_MAX_NEST); what cannot be seen (a command from a
 * variable, a decoded payload fed to a shell) is UNKNOWN.
 */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cade/buf.h"
#include "shellparse.h"
#include "cade/util.h"
#include "policy-int.h"
#include "programs-int.h"

/* Kinds found in the substitutions that belong to command i. */
static unsigned
pol_inner_kinds(struct shp_result *r, size_t i)
{
	unsigned k = 0;
	size_t j;
	int q;

	for (j = i + 1; j < r->ncmd; j++) {
		for (q = r->cmd[j].parent; q >= 0 && (size_t)q != i;
		    q = r->cmd[q].parent)
			;
		if (q >= 0)
			k |= pol_cmd_kind(&r->cmd[j]);
	}
	return k;
}

/* Code whose text only exists at run time (sh -c "$X", eval "$(...)"). */
void
pol_dynamic_code(struct pol_ctx *x, struct shp_result *r, size_t i,
    const char *what, const char *text)
{
	unsigned k = pol_inner_kinds(r, i);

	if (k & K_FETCH)
		FIND(x, RISK_HIGH, 0, "fetch-exec", "runs code downloaded from the "
		    "network (%s)", what);
	else if (k & K_DECODE)
		FIND(x, RISK_UNKNOWN, 0, "decoded-exec", "runs a decoded or "
		    "generated payload (%s)", what);
	else
		FIND(x, RISK_UNKNOWN, 0, "dynamic-code", "%s runs code known only "
		    "at run time: %.80s", what, text);
}

/* The latest record of a file written earlier in the action, or NULL. */
const struct pol_file *
pol_written(struct pol_ctx *x, const char *path)
{
	size_t i;

	for (i = x->nfiles; i > 0; i--)
		if (strcmp(x->files[i - 1].name, pol_base(path)) == 0)
			return &x->files[i - 1];
	return NULL;
}

/* Remember a file written by this action (fetched, decoded, or a script). */
void
pol_add_file(struct pol_ctx *x, const char *path, int how, const char *text)
{
	struct pol_file *f;

	if (path[0] == '\0' || strcmp(path, "-") == 0 || x->nfiles >= 64)
		return;
	x->files = xreallocarray(x->files, x->nfiles + 1, sizeof *x->files);
	f = &x->files[x->nfiles++];
	f->name = xstrdup(pol_base(path));
	f->how = how;
	f->text = text != NULL ? xstrdup(text) : NULL;
}

/* Remember a downloaded file's name. */
void
pol_add_download(struct pol_ctx *x, const char *path)
{
	pol_add_file(x, path, 'f', NULL);
}

/* Running a file this action wrote: judge what it holds. */
int
pol_run_written(struct pol_ctx *x, const char *path)
{
	const struct pol_file *f = pol_written(x, path);
	char *text;

	if (f == NULL)
		return 0;
	if (f->how == 'o')
		return 1;	/* built by this action (cc -o x; ./x) */
	if (f->how == 'f')
		FIND(x, RISK_HIGH, 0, "fetch-exec", "runs %s, downloaded in the "
		    "same action", path);
	else if (f->how == 'd')
		FIND(x, RISK_UNKNOWN, 0, "decoded-exec", "runs %s, decoded or "
		    "generated in the same action", path);
	else {
		text = xstrdup(f->text);	/* x->files may grow meanwhile */
		pol_analyze_text(x, text, strlen(text), path);
		free(text);
	}
	return 1;
}

/* Files written from text this action shows (cat > f <<EOF, echo > f),
 * or from a decoder, so that running them later is judged. */
void
pol_note_written(struct pol_ctx *x, const struct shp_cmd *c, size_t eff,
    const char *name, unsigned kind)
{
	const struct shp_word *out = NULL;
	const char *body = NULL;
	struct buf b;
	size_t k;
	int dyn = 0;

	for (k = 0; k < c->nredir; k++) {
		if (c->redir[k].op == SHP_R_OUT || c->redir[k].op == SHP_R_APPEND ||
		    c->redir[k].op == SHP_R_CLOBBER)
			out = &c->redir[k].target;
		if (c->redir[k].op == SHP_R_HEREDOC && c->redir[k].body != NULL)
			body = c->redir[k].body;
	}
	if (pol_cmd_flags(name) & CF_TEE)
		for (k = eff + 1; k < c->argc && out == NULL; k++)
			if (c->argv[k].s[0] != '-')
				out = &c->argv[k];
	if (out == NULL || pol_word_dynamic(out))
		return;
	if (kind & K_DECODE) {
		pol_add_file(x, out->s, 'd', NULL);
		return;
	}
	if ((pol_cmd_flags(name) & CF_COPY_IN) && body != NULL) {
		pol_add_file(x, out->s, 's', body);
		return;
	}
	if (!(pol_cmd_flags(name) & CF_PRINTS))
		return;
	buf_init(&b, POL_MAX_TEXT);
	for (k = eff + 1; k < c->argc; k++) {
		if (k == eff + 1 && strcmp(c->argv[k].s, "-n") == 0)
			continue;
		dyn |= pol_word_dynamic(&c->argv[k]);
		if (buf_puts(&b, c->argv[k].s) == -1 || buf_putc(&b, ' ') == -1)
			dyn = 1;
	}
	pol_add_file(x, out->s, dyn ? 'd' : 's', dyn ? NULL : b.s);
	buf_free(&b);
}

/* A script file given to a shell or interpreter. */
void
pol_script_arg(struct pol_ctx *x, struct shp_result *r, size_t i,
    const struct shp_word *w, const char *name)
{
	if (w->flags & SHP_PROCSUB) {
		pol_dynamic_code(x, r, i, name, w->s);
		return;
	}
	if (pol_word_dynamic(w) && !(w->flags & (SHP_GLOB | SHP_BRACE))) {
		FIND(x, RISK_MEDIUM, 0, "dynamic-script", "%s runs a script "
		    "whose path is known only at run time: %s", name, w->s);
		return;
	}
	(void)pol_run_written(x, w->s);
}

/* A shell or interpreter reads its program from a pipe. */
static void
pol_stdin_exec(struct pol_ctx *x, struct shp_result *r, size_t i,
    const char *name)
{
	const struct shp_cmd *c = &r->cmd[i], *up = NULL;
	struct pol_unwrap u;
	struct buf b;
	size_t j, k;
	long n;
	unsigned uf;
	int dyn = 0;

	if (x->saw_fetch) {
		FIND(x, RISK_HIGH, 0, "fetch-exec", "runs code downloaded from the "
		    "network (... | %s)", name);
		return;
	}
	if (x->saw_decode) {
		FIND(x, RISK_UNKNOWN, 0, "decoded-exec", "runs a decoded or "
		    "generated payload (... | %s)", name);
		return;
	}
	for (n = (long)i - 1; n >= 0; n--)
		if (r->cmd[n].pipeline == c->pipeline && r->cmd[n].pipe_out &&
		    r->cmd[n].argc > 0) {
			up = &r->cmd[n];
			break;
		}
	if (up != NULL) {
		pol_unwrap(up, &u);
		uf = u.eff >= 0 && !pol_word_dynamic(&up->argv[u.eff]) ?
		    pol_cmd_flags(pol_base(up->argv[u.eff].s)) : 0;
		if ((uf & CF_PRINTS) && (K_SHELL & pol_cmd_kind(c))) {
			buf_init(&b, POL_MAX_TEXT);
			k = (size_t)u.eff + 1;
			if ((uf & CF_FORMAT) && k < up->argc && strstr(up->argv[k].s, "%s") != NULL)
				k++;
			for (j = k; j < up->argc; j++) {
				if (j == (size_t)u.eff + 1 &&
				    strcmp(up->argv[j].s, "-n") == 0)
					continue;
				dyn |= pol_word_dynamic(&up->argv[j]);
				if (buf_puts(&b, up->argv[j].s) == -1 ||
				    buf_putc(&b, j + 1 < up->argc ? ' ' : '\n') == -1)
					dyn = 1;
			}
			if (!dyn)
				pol_analyze_text(x, b.s, b.len, name);
			buf_free(&b);
			if (!dyn)
				return;
		}
	}
	FIND(x, RISK_UNKNOWN, 0, "stdin-exec", "%s runs code read from a pipe",
	    name);
}

/* Here-documents and here-strings given to a shell. */
static void
pol_shell_redirs(struct pol_ctx *x, struct shp_result *r, size_t i,
    const char *name)
{
	const struct shp_cmd *c = &r->cmd[i];
	const struct shp_redir *rd;
	size_t j;

	for (j = 0; j < c->nredir; j++) {
		rd = &c->redir[j];
		if (rd->op == SHP_R_HEREDOC && rd->body != NULL)
			pol_analyze_text(x, rd->body, strlen(rd->body), name);
		else if (rd->op == SHP_R_HERESTR) {
			if (pol_word_dynamic(&rd->target))
				pol_dynamic_code(x, r, i, name, rd->target.s);
			else
				pol_analyze_text(x, rd->target.s, rd->target.len,
				    name);
		} else if (rd->op == SHP_R_IN && (rd->fd <= 0))
			pol_script_arg(x, r, i, &rd->target, name);
	}
}

/* sh/bash/zsh ...: -c code, a script, or stdin. */
void
pol_check_shell(struct prog_call *pc)
{
	struct pol_ctx *x = pc->x;
	struct shp_result *r = pc->r;
	size_t i = pc->i, eff = pc->eff;
	const struct shp_cmd *c = &r->cmd[i];
	const char *name = pol_base(c->argv[eff].s), *a;
	size_t k = eff + 1;
	int cmode = 0, stdin_mode = 0;
	const char *q;

	while (k < c->argc) {
		a = c->argv[k].s;
		if (strcmp(a, "-") == 0 || strcmp(a, "--") == 0) {
			k++;
			break;
		}
		if ((a[0] == '-' || a[0] == '+') && a[1] != '\0') {
			if (a[1] == '-') {
				if (strcmp(a, "--rcfile") == 0 ||
				    strcmp(a, "--init-file") == 0)
					k++;
			} else
				for (q = a + 1; *q != '\0'; q++) {
					if (*q == 'c')
						cmode = 1;
					else if (*q == 's')
						stdin_mode = 1;
					else if (*q == 'o' || *q == 'O') {
						k++;
						break;
					}
				}
			k++;
			continue;
		}
		break;
	}
	if (cmode) {
		if (k >= c->argc)
			return;
		if (pol_word_dynamic(&c->argv[k]))
			pol_dynamic_code(x, r, i, name, c->argv[k].s);
		else
			pol_analyze_text(x, c->argv[k].s, c->argv[k].len, name);
		return;
	}
	if (k < c->argc && !stdin_mode) {
		pol_script_arg(x, r, i, &c->argv[k], name);
		return;
	}
	pol_shell_redirs(x, r, i, name);
	if (c->pipe_in)
		pol_stdin_exec(x, r, i, name);
}

/* Does option a of an interpreter take program text (its row's .code,
 * "-e" when it names none)? */
static int
pol_code_opt(const struct pol_cmd *e, const char *a)
{
	const char *l = e != NULL && e->code != NULL ? e->code : "|-e|", *s;
	size_t n = strlen(a);

	if (a[0] != '-' || n < 2)
		return 0;
	if (e != NULL && (e->flags & CF_CODE_CLUSTER))
		return a[1] != '-' && (a[n - 1] == 'e' || a[n - 1] == 'E');
	if (e == NULL || !(e->flags & CF_CODE_NOCASE))
		return pol_in_bars(l, a, n);
	for (s = l; (s = strchr(s, '|')) != NULL && s[1] != '\0'; s++)
		if (strncasecmp(s + 1, a, n) == 0 && s[1 + n] == '|')
			return 1;
	return 0;
}

/* python/perl/node ...: code in an argument, a script, or stdin. */
void
pol_check_interp(struct prog_call *pc)
{
	struct pol_ctx *x = pc->x;
	struct shp_result *r = pc->r;
	size_t i = pc->i, eff = pc->eff;
	const struct shp_cmd *c = &r->cmd[i];
	const char *name = pol_base(c->argv[eff].s), *a;
	const struct shp_redir *rd;
	const struct shp_word *code = NULL, *script = NULL;
	size_t k, j;
	int module = 0;

	for (k = eff + 1; k < c->argc; k++) {
		a = c->argv[k].s;
		if (pol_code_opt(pc->e, a)) {
			if (strncasecmp(a, "-enc", 4) == 0 || strcasecmp(a, "-ec") == 0)
				FIND(x, RISK_UNKNOWN, 0, "decoded-exec",
				    "%s runs an encoded command", name);
			if (k + 1 < c->argc)
				code = &c->argv[k + 1];
			break;
		}
		if (strcmp(a, "-m") == 0) {
			module = 1;
			break;
		}
		if (a[0] == '-' && a[1] != '\0')
			continue;
		if (a[0] != '-')
			script = &c->argv[k];
		break;
	}
	if (code != NULL) {
		if (pol_word_dynamic(code) && !(code->flags & (SHP_GLOB | SHP_BRACE)))
			pol_dynamic_code(x, r, i, name, code->s);
		return;
	}
	if (module)
		return;
	if (script != NULL) {
		pol_script_arg(x, r, i, script, name);
		return;
	}
	for (j = 0; j < c->nredir; j++) {
		rd = &c->redir[j];
		if ((rd->op == SHP_R_HEREDOC && rd->body != NULL) ||
		    rd->op == SHP_R_HERESTR) {
			char *words[3];

			words[0] = (char *)name;
			words[1] = (char *)"-c";
			words[2] = rd->op == SHP_R_HEREDOC ? rd->body : rd->target.s;
			pol_form_rules(x, words, 3);
			if (rd->op == SHP_R_HERESTR &&
			    pol_word_dynamic(&rd->target))
				pol_dynamic_code(x, r, i, name, rd->target.s);
		} else if (rd->op == SHP_R_IN && rd->fd <= 0)
			pol_script_arg(x, r, i, &rd->target, name);
	}
	if (c->pipe_in)
		pol_stdin_exec(x, r, i, name);
}

/* Join words from k as shell text and analyse it (eval, ssh, watch). */
void
pol_join_analyze(struct pol_ctx *x, struct shp_result *r, size_t i, size_t k,
    const char *what)
{
	const struct shp_cmd *c = &r->cmd[i];
	struct buf b;
	size_t j;

	if (k >= c->argc)
		return;
	for (j = k; j < c->argc; j++)
		if (pol_word_dynamic(&c->argv[j]) &&
		    !(c->argv[j].flags & (SHP_GLOB | SHP_BRACE))) {
			pol_dynamic_code(x, r, i, what, c->argv[j].s);
			return;
		}
	buf_init(&b, POL_MAX_TEXT);
	for (j = k; j < c->argc; j++)
		if (buf_puts(&b, c->argv[j].s) == -1 || buf_putc(&b, ' ') == -1) {
			FIND(x, RISK_UNKNOWN, 0, "too-big", "%s: text too long to "
			    "check", what);
			buf_free(&b);
			return;
		}
	pol_analyze_text(x, b.s, b.len, what);
	buf_free(&b);
}

/* ssh [opts] host [command...]: rate the remote command too. */
void
pol_check_ssh(struct prog_call *pc)
{
	struct pol_ctx *x = pc->x;
	struct shp_result *r = pc->r;
	size_t i = pc->i, eff = pc->eff;
	const struct shp_cmd *c = &r->cmd[i];
	const char *a, *root = x->root;
	char *cwd = x->cwd;
	size_t k = eff + 1;

	while (k < c->argc) {
		a = c->argv[k].s;
		if (a[0] != '-' || a[1] == '\0')
			break;
		if (a[2] == '\0' && strchr("BbcDEeFIiJLlmOoPpQRSWw", a[1]) != NULL)
			k++;
		k++;
	}
	if (k + 1 >= c->argc)
		return;
	x->root = NULL;		/* paths over there are not ours */
	x->cwd = NULL;
	pol_join_analyze(x, r, i, k + 1, "ssh");
	x->root = root;
	x->cwd = cwd;
}

/* find ROOT ... -delete: everything below ROOT, or what the tests select. */
static void
pol_find_delete(struct pol_ctx *x, const struct shp_word *root, int filtered)
{
	struct pol_path pp;
	char *show;

	if (!filtered) {
		pol_rate_delete(x, root, 1, 1);
		return;
	}
	pol_path_word(x, root, 0, &pp);
	show = pol_path_show(x, &pp, root);
	switch (pp.cls) {
	case PC_INSIDE:
	case PC_ROOT:
	case PC_DEVNULL:
		break;
	case PC_TMP:
		FIND(x, RISK_MEDIUM, 0, "rm-outside", "deletes files under %s",
		    show);
		break;
	case PC_UNKNOWN:
		FIND(x, RISK_UNKNOWN, 0, "rm-dynamic", "deletes files under a "
		    "path known only at run time: %s", show);
		break;
	default:
		FIND(x, RISK_HIGH, 0, "rm-outside", "deletes files under %s "
		    "(outside the workspace)", show);
		break;
	}
	free(show);
	free(pp.abs);
}

/* s with every "{}" replaced by what find puts there; caller frees. */
static char *
pol_find_subst(const char *s, const char *child)
{
	struct buf b;
	const char *p;
	char *out;

	buf_init(&b, POL_MAX_TEXT);
	while ((p = strstr(s, "{}")) != NULL) {
		(void)buf_append(&b, s, (size_t)(p - s));
		(void)buf_puts(&b, child);
		s = p + 2;
	}
	(void)buf_puts(&b, s);
	out = buf_detach(&b, NULL);
	buf_free(&b);
	return out;
}

/* find ROOT -exec CMD: a command that changes things, run on files
 * outside the workspace, acts outside it. */
static void
pol_find_outside(struct pol_ctx *x, const struct shp_word *roots,
    size_t nroots, const struct shp_word *cmd)
{
	struct pol_path pp;
	size_t j;
	char *show;

	if (pol_word_dynamic(cmd) || (pol_cmd_flags(pol_base(cmd->s)) &
	    CF_READONLY))
		return;
	for (j = 0; j < nroots; j++) {
		pol_path_word(x, &roots[j], 0, &pp);
		if (pp.cls != PC_INSIDE && pp.cls != PC_ROOT &&
		    pp.cls != PC_DEVNULL) {
			show = pol_path_show(x, &pp, &roots[j]);
			FIND(x, RISK_MEDIUM, 0, "find-exec-outside", "runs %s on "
			    "files outside the workspace (%s)", pol_base(cmd->s),
			    show);
			free(show);
		}
		free(pp.abs);
	}
}

/* find: -delete, -exec CMD {} ;, -fprint FILE. */
void
pol_check_find(struct prog_call *pc)
{
	struct pol_ctx *x = pc->x;
	struct shp_result *r = pc->r;
	size_t i = pc->i, eff = pc->eff;
	const struct shp_cmd *c = &r->cmd[i];
	const struct shp_word *roots = NULL;
	struct shp_word dot = { (char *)".", 1, 0 }, *argv, child;
	size_t k, nroots = 0, j, n;
	const char *a;
	int filtered = 0;

	for (k = eff + 1; k < c->argc; k++) {
		a = c->argv[k].s;
		if (a[0] == '-' || a[0] == '(' || a[0] == '!')
			break;
		if (roots == NULL)
			roots = &c->argv[k];
		nroots++;
	}
	if (roots == NULL) {
		roots = &dot;
		nroots = 1;
	}
	/* what -exec gets for {}: something below the first root */
	child = roots[0];
	child.s = xasprintf("%s%s{}", roots[0].s,
	    roots[0].len > 0 && roots[0].s[roots[0].len - 1] == '/' ? "" : "/");
	child.len = strlen(child.s);
	for (; k < c->argc; k++) {
		a = c->argv[k].s;
		if (strcmp(a, "-delete") == 0) {
			prog_not_readonly(x);
			for (j = 0; j < nroots; j++)
				pol_find_delete(x, &roots[j], filtered);
		} else if (strcmp(a, "-name") == 0 || strcmp(a, "-iname") == 0 ||
		    strcmp(a, "-path") == 0 || strcmp(a, "-ipath") == 0 ||
		    strcmp(a, "-regex") == 0 || strcmp(a, "-iregex") == 0 ||
		    strcmp(a, "-newer") == 0 || strcmp(a, "-mtime") == 0 ||
		    strcmp(a, "-mmin") == 0 || strcmp(a, "-size") == 0 ||
		    strcmp(a, "-empty") == 0 || strcmp(a, "-user") == 0 ||
		    strcmp(a, "-perm") == 0 || strcmp(a, "-links") == 0) {
			filtered = 1;
		} else if ((strcmp(a, "-fprint") == 0 || strcmp(a, "-fprint0") == 0 ||
		    strcmp(a, "-fls") == 0 || strcmp(a, "-fprintf") == 0) &&
		    k + 1 < c->argc) {
			prog_not_readonly(x);
			pol_rate_write(x, &c->argv[++k], 0);
		} else if (strcmp(a, "-exec") == 0 || strcmp(a, "-execdir") == 0 ||
		    strcmp(a, "-ok") == 0 || strcmp(a, "-okdir") == 0) {
			for (n = k + 1; n < c->argc; n++)
				if (strcmp(c->argv[n].s, ";") == 0 ||
				    strcmp(c->argv[n].s, "+") == 0)
					break;
			if (n == k + 1 || x->depth >= POL_MAX_NEST) {
				k = n;
				continue;
			}
			argv = xcalloc(n - k - 1, sizeof *argv);
			for (j = k + 1; j < n; j++) {
				argv[j - k - 1] = c->argv[j];
				if (strcmp(c->argv[j].s, "{}") == 0)
					argv[j - k - 1] = child;
				else if (strstr(c->argv[j].s, "{}") != NULL)
					argv[j - k - 1].s = pol_find_subst(
					    c->argv[j].s, child.s);
			}
			pol_find_outside(x, roots, nroots, &argv[0]);
			/* find -exec grep stays read-only, -exec rm does not */
			if (pol_word_dynamic(&argv[0]) || !(pol_cmd_flags(
			    pol_base(argv[0].s)) & CF_READONLY))
				prog_not_readonly(x);
			pol_analyze_argv(x, argv, n - k - 1);
			for (j = k + 1; j < n; j++)
				if (strcmp(c->argv[j].s, "{}") != 0 &&
				    argv[j - k - 1].s != c->argv[j].s)
					free(argv[j - k - 1].s);
			free(argv);
			k = n;
		}
	}
	free(child.s);
}
