/*
 * decide.c: from findings to a verdict; loading; "always allow" rules.
 *
 * policy_assess() asks risk.c for findings about one tool call, then
 * decides in this order: any deny (deny rule, deny-list entry, a file tool
 * writing outside the workspace) denies; segments on an allow list drop
 * their findings (an exact entry all of them, a prefix entry those up to
 * MEDIUM) and if every segment is allow-listed the action is allowed; else
 * the confirmation mode decides on what remains, with the model's own
 * security_risk as a floor it can raise.  When the answer is "ask" the
 * verdict carries the narrow allow entry that would stop the question
 * (verdict.suggest), which policy_add_rule() records for the session, the
 * project (.cade/policy) or the user (~/.config/cade/policy).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cade/buf.h"
#include "cade/conf.h"
#include "cade/secret.h"
#include "cade/util.h"
#include "policy-int.h"

/* Names as printed and parsed. */
const char *
policy_risk_name(enum risk r)
{
	switch (r) {
	case RISK_LOW:
		return "LOW";
	case RISK_MEDIUM:
		return "MEDIUM";
	case RISK_HIGH:
		return "HIGH";
	case RISK_UNKNOWN:
		return "UNKNOWN";
	}
	return "UNKNOWN";
}

/* allow / ask / deny. */
const char *
policy_decision_name(enum decision d)
{
	switch (d) {
	case DECISION_ALLOW:
		return "allow";
	case DECISION_ASK:
		return "ask";
	case DECISION_DENY:
		return "deny";
	}
	return "ask";
}

/* session / project / user. */
const char *
policy_scope_name(enum policy_scope s)
{
	switch (s) {
	case SCOPE_SESSION:
		return "session";
	case SCOPE_PROJECT:
		return "project";
	case SCOPE_USER:
		return "user";
	}
	return "session";
}

static const char *const policy_mode_names[] = {
	[POL_ALWAYS] = "always",
	[POL_RISKY] = "risky",
	[POL_NEVER] = "never",
};

/* Change the confirmation mode of a loaded policy (/confirm in the TUI). */
int
policy_set_confirm(struct policy *p, const char *confirm, char **cause)
{
	size_t i;

	for (i = 0; i < nitems(policy_mode_names); i++) {
		if (strcmp(confirm, policy_mode_names[i]) == 0) {
			p->mode = (enum pol_mode)i;
			return 0;
		}
	}
	*cause = xasprintf("bad confirm mode '%s' (always, risky or never)",
	    confirm);
	return -1;
}

/* The confirmation mode in force, as the confirm setting names it. */
const char *
policy_confirm_name(const struct policy *p)
{
	return policy_mode_names[p->mode];
}

/* Set by the session from the sandbox in force (policy.h). */
void
policy_set_contained(struct policy *p, int contained)
{
	p->uncontained = !contained;
}

int
policy_contained(const struct policy *p)
{
	return !p->uncontained;
}

/* A policy with the built-in rules only. */
struct policy *
policy_new(const char *confirm, const char *threshold, char **cause)
{
	struct policy *p;

	if (confirm == NULL)
		confirm = "risky";
	if (threshold == NULL)
		threshold = "MEDIUM";
	p = pol_new();
	if (policy_set_confirm(p, confirm, cause) == -1) {
		policy_free(p);
		return NULL;
	}
	if (pol_risk_parse(threshold, &p->threshold) == -1 ||
	    p->threshold == RISK_UNKNOWN) {
		*cause = xasprintf("bad risk_threshold '%s' (LOW, MEDIUM or HIGH)",
		    threshold);
		policy_free(p);
		return NULL;
	}
	if (pol_parse_text(p, pol_default_rules, strlen(pol_default_rules),
	    "default.rules", "builtin", cause) == -1) {
		policy_free(p);
		return NULL;
	}
	pol_index(p);
	return p;
}

/* Load one more policy file (origin: user, project ...); 0 if absent. */
int
policy_load_file(struct policy *p, const char *path, const char *origin,
    char **cause)
{
	int rc = pol_load_file(p, path, origin, cause);

	if (rc >= 0)
		pol_index(p);
	return rc == -1 ? -1 : 0;
}

/* Add policy text (tests, embedding); -1 with *cause "name:line: ...". */
int
policy_load_text(struct policy *p, const char *text, const char *name,
    const char *origin, char **cause)
{
	int rc = pol_parse_text(p, text, strlen(text), name, origin, cause);

	pol_index(p);
	return rc;
}

/*
 * Built-in rules, then the user's file, then the project's.  Every front
 * end (TUI, headless, policy check) loads its policy here, with the project
 * at the workspace root unless told otherwise, so they cannot disagree.
 */
struct policy *
policy_load(const struct config *cfg, const char *project_root, char **cause)
{
	struct policy *p;
	char *dir, *root = NULL;

	if (project_root == NULL) {
		if ((root = conf_workspace_root(cfg, NULL, cause)) == NULL)
			return NULL;
		project_root = root;
	}
	p = policy_new(conf_str(cfg, "confirm"), conf_str(cfg, "risk_threshold"),
	    cause);
	if (p == NULL) {
		free(root);
		return NULL;
	}
	dir = util_xdg_dir("XDG_CONFIG_HOME", ".config");
	p->user_file = xasprintf("%s/policy", dir);
	free(dir);
	if (policy_load_file(p, p->user_file, "user", cause) == -1) {
		policy_free(p);
		free(root);
		return NULL;
	}
	if (project_root[0] != '\0') {
		p->project_root = xstrdup(project_root);
		p->project_file = xasprintf("%s/.cade/policy", project_root);
		if (policy_load_file(p, p->project_file, "project", cause) == -1) {
			policy_free(p);
			free(root);
			return NULL;
		}
	}
	free(root);
	return p;
}

/* The project directory whose .cade/policy was read (NULL: none). */
const char *
policy_project_root(const struct policy *p)
{
	return p->project_root;
}

/* Release everything. */
void
policy_free(struct policy *p)
{
	if (p == NULL)
		return;
	pol_rules_free(p);
	if (p->md != NULL)
		pcre2_match_data_free(p->md);
	free(p->home);
	free(p->project_root);
	free(p->user_file);
	free(p->project_file);
	free(p->root_key);
	free(p->root_real);
	free(p->hooks_key);
	free(p->hooks_val);
	free(p);
}

/* Release a verdict's strings. */
void
policy_verdict_free(struct policy_verdict *v)
{
	free(v->rule);
	free(v->reason);
	free(v->suggest);
	free(v->outside);
	v->rule = v->reason = v->suggest = v->outside = NULL;
}

/*
 * Rules whose findings name effects beyond the workspace's files (network,
 * remote repositories, the system, paths outside): a checkpoint cannot undo
 * them, and the confirmation prompt says so.
 */
static const char *const pol_outside_rules[] = {
	"outside", "rm-root", "device", "network", "remote", "push", "upload",
	"publish", "tunnel", "privilege", "setuid", "users", "mount", "power",
	"runlevel", "service", "systemctl", "kill", "crontab", "schedule",
	"firewall", "kernel", "install", "container", "cluster", "cloud",
	"database", "startup-file", "system-path", "fetch", "package-from-url",
	"http-server", "docker-socket", "namespaces", "mcp-tool"
};

/* What the action does beyond a verdict: whether it changes anything, and
 * the first effect outside the workspace (for "undoable" in prompts). */
static void
pol_effects(const struct pol_result *res, struct policy_verdict *v)
{
	size_t i, j;

	v->changes = res->mutating;
	for (i = 0; i < res->nf && v->outside == NULL; i++) {
		for (j = 0; j < nitems(pol_outside_rules); j++) {
			if (res->f[i].rule != NULL &&
			    strstr(res->f[i].rule, pol_outside_rules[j]) != NULL) {
				v->outside = xstrdup(res->f[i].reason != NULL ?
				    res->f[i].reason : res->f[i].rule);
				break;
			}
		}
	}
}

/* Rank used against the threshold: UNKNOWN counts as HIGH. */
static int
pol_thr_rank(enum risk r)
{
	return r == RISK_UNKNOWN ? 3 : r == RISK_HIGH ? 3 : (int)r;
}

/* Is finding f let through by its segment's allow entry? */
static int
pol_covered(const struct pol_result *res, const struct pol_finding *f)
{
	const struct pol_entry *e;

	if (f->seg < 0 || (size_t)f->seg >= res->nseg || f->deny)
		return 0;
	if ((e = res->seg[f->seg].allowed) == NULL)
		return 0;
	return !e->prefix || pol_risk_rank(f->risk) <= pol_risk_rank(RISK_MEDIUM);
}

/* Is b a worse finding than a (deny first, then risk, then order)? */
static int
pol_worse(const struct pol_finding *a, const struct pol_finding *b)
{
	if (a == NULL)
		return 1;
	if (b->deny != a->deny)
		return b->deny;
	return pol_risk_rank(b->risk) > pol_risk_rank(a->risk);
}

/* The narrow allow entry for one segment, or NULL if none is safe. */
static char *
pol_suggest_seg(const struct pol_seg *sg, enum risk worst)
{
	size_t n = 0, i;
	char *q, *out;
	const char *s;

	if (sg->dynamic || sg->hidden_code || sg->nwords == 0)
		return NULL;
	if (pol_thr_rank(worst) < 3) {
		for (n = 0; n < sg->nwords && n < 3; n++) {
			s = sg->words[n];
			if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' &&
			    s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
				break;
			for (i = 0; s[i] != '\0'; i++)
				if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM"
				    "NOPQRSTUVWXYZ0123456789._:@+-", s[i]) == NULL)
					break;
			if (s[i] != '\0')
				break;
		}
	}
	if (n >= 2) {
		q = pol_quote_words(sg->words, n);
		out = xasprintf("allow-prefix: %s", q);
	} else {
		q = pol_quote_words(sg->words, sg->nwords);
		out = xasprintf("allow: %s", q);
	}
	free(q);
	return out;
}

/* The allow entries that would make this action run without asking. */
static char *
pol_suggest(const struct pol_result *res, int ask_always)
{
	struct buf b;
	size_t i, j;
	enum risk worst;
	int need, any = 0;
	char *one, *out;

	for (i = 0; i < res->nf; i++)
		if (res->f[i].seg < 0)
			return NULL;
	buf_init(&b, 0);
	for (i = 0; i < res->nseg; i++) {
		if (res->seg[i].allowed != NULL && res->seg[i].allowed->prefix == 0)
			continue;
		worst = RISK_LOW;
		need = 0;
		for (j = 0; j < res->nf; j++) {
			if (res->f[j].seg != (int)i || pol_covered(res, &res->f[j]))
				continue;
			if (res->f[j].deny) {
				buf_free(&b);
				return NULL;
			}
			if (pol_risk_rank(res->f[j].risk) > pol_risk_rank(worst))
				worst = res->f[j].risk;
			need = 1;
		}
		if (res->seg[i].allowed != NULL && !need)
			continue;
		if (ask_always && (!res->seg[i].readonly ||
		    res->seg[i].has_redir_write))
			need = 1;
		if (!need)
			continue;
		if ((one = pol_suggest_seg(&res->seg[i], worst)) == NULL) {
			buf_free(&b);
			return NULL;
		}
		if (strstr(b.s, one) == NULL) {
			if (any)
				(void)buf_putc(&b, '\n');
			(void)buf_puts(&b, one);
			any = 1;
		}
		free(one);
	}
	if (!any) {
		buf_free(&b);
		return NULL;
	}
	out = buf_detach(&b, NULL);
	buf_free(&b);
	return out;
}

/* Fill a verdict's strings, masking secrets the command text may hold. */
static void
pol_set(struct policy_verdict *v, enum decision d, const char *rule,
    const char *reason)
{
	v->decision = d;
	v->rule = xstrdup(rule);
	v->reason = secret_mask(reason, strlen(reason), NULL);
}

/* Decide from findings, lists, the model's rating and the mode. */
static void
pol_decide(struct policy *p, struct pol_result *res, int model_set,
    enum risk model, struct policy_verdict *v)
{
	const struct pol_finding *top = NULL, *rem = NULL, *deny = NULL;
	const struct pol_entry *e0 = NULL;
	enum risk all = RISK_LOW, left = RISK_LOW;
	struct buf why;
	size_t i;
	int all_allowed, change = 0, by_model = 0;
	char *s;

	memset(v, 0, sizeof *v);
	for (i = 0; i < res->nf; i++) {
		const struct pol_finding *f = &res->f[i];

		if (pol_worse(top, f))
			top = f;
		if (f->deny && deny == NULL)
			deny = f;
		if (!pol_covered(res, f) && pol_worse(rem, f))
			rem = f;
	}
	if (top != NULL)
		all = top->risk;
	if (rem != NULL)
		left = rem->risk;
	if (model_set && pol_risk_rank(model) > pol_risk_rank(all))
		all = model;
	v->risk = all;

	if (deny != NULL) {
		s = xasprintf("%s", deny->reason);
		pol_set(v, DECISION_DENY, deny->rule, s);
		free(s);
		return;
	}

	all_allowed = res->is_command && res->nseg > 0 && rem == NULL;
	for (i = 0; i < res->nseg && all_allowed; i++)
		if (res->seg[i].allowed == NULL)
			all_allowed = 0;
	if (all_allowed) {
		buf_init(&why, 0);
		for (i = 0; i < res->nseg; i++) {
			const struct pol_entry *e = res->seg[i].allowed;

			if (e0 == NULL)
				e0 = e;
			if (strstr(why.s, e->text) != NULL)
				continue;
			if (why.len > 0)
				(void)buf_puts(&why, "; ");
			(void)buf_printf(&why, "%s (%s)", e->text, e->origin);
		}
		s = xasprintf("allow-list:%s", e0->origin);
		pol_set(v, DECISION_ALLOW, s, why.s);
		free(s);
		buf_free(&why);
		return;
	}
	if (model_set && pol_risk_rank(model) > pol_risk_rank(left)) {
		left = model;
		by_model = 1;
	}

	switch (p->mode) {
	case POL_NEVER:
		if (rem != NULL && pol_risk_rank(left) > 0) {
			s = xasprintf("confirm=never; %s: %s", policy_risk_name(left),
			    rem->reason);
			pol_set(v, DECISION_ALLOW, "mode:never", s);
			free(s);
		} else
			pol_set(v, DECISION_ALLOW, "mode:never", "confirm=never");
		return;
	case POL_ALWAYS:
		if (res->is_command) {
			for (i = 0; i < res->nseg; i++)
				if (res->seg[i].allowed == NULL &&
				    (!res->seg[i].readonly ||
				    res->seg[i].has_redir_write))
					change = 1;
		} else
			change = res->mutating;
		if (pol_thr_rank(left) >= 1)
			change = 1;
		if (!change) {
			pol_set(v, DECISION_ALLOW, "mode:always",
			    "changes nothing (read-only)");
			return;
		}
		if (by_model)
			goto model;
		if (rem != NULL && pol_risk_rank(left) > 0) {
			pol_set(v, DECISION_ASK, rem->rule, rem->reason);
		} else
			pol_set(v, DECISION_ASK, "mode:always",
			    "confirm=always: every change is confirmed");
		v->suggest = pol_suggest(res, 1);
		return;
	case POL_RISKY:
		break;
	}
	if (pol_thr_rank(left) < pol_thr_rank(p->threshold)) {
		if (rem != NULL && pol_risk_rank(left) > 0) {
			s = xasprintf("%s is below the %s threshold: %s",
			    policy_risk_name(left), policy_risk_name(p->threshold),
			    rem->reason);
			pol_set(v, DECISION_ALLOW, "mode:risky", s);
			free(s);
		} else
			pol_set(v, DECISION_ALLOW, "mode:risky",
			    res->nf > 0 ? "every finding is allow-listed" :
			    "no rule matched");
		return;
	}
	if (by_model)
		goto model;
	pol_set(v, DECISION_ASK, rem->rule, rem->reason);
	v->suggest = pol_suggest(res, 0);
	return;
model:
	s = xasprintf("the model rated this action %s", policy_risk_name(model));
	pol_set(v, DECISION_ASK, "model:security_risk", s);
	free(s);
	v->suggest = res->is_command ? pol_suggest(res, 1) : NULL;
}

/* security_risk from the model's arguments; 0 if absent or unreadable. */
static int
pol_model_risk(const cJSON *args, enum risk *out)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(args, "security_risk");

	if (!cJSON_IsString(r) || r->valuestring == NULL)
		return 0;
	return pol_risk_parse(r->valuestring, out) == 0;
}

/* Is the terminal input only key names ("C-c", "Enter", "Up" ...)? */
static int
pol_keys_only(const char *s)
{
	static const char *const keys[] = {
		"BSpace", "BTab", "Backspace", "DC", "Delete", "Down", "End",
		"Enter", "Esc", "Escape", "Home", "IC", "Insert", "Left", "NPage",
		"PPage", "PageDown", "PageUp", "PgDn", "PgUp", "Return", "Right",
		"Space", "Tab", "Up",
	};
	size_t n, i;
	int any = 0;

	for (;;) {
		s += strspn(s, " \t\n");
		if (*s == '\0')
			return any;
		n = strcspn(s, " \t\n");
		any = 1;
		if (n == 3 && strchr("CMS", s[0]) != NULL && s[1] == '-')
			goto next;
		if ((n == 2 || n == 3) && s[0] == 'F' && s[1] >= '1' &&
		    s[1] <= '9' && (n == 2 || (s[2] >= '0' && s[2] <= '2')))
			goto next;
		for (i = 0; i < nitems(keys); i++)
			if (strlen(keys[i]) == n && strncmp(keys[i], s, n) == 0)
				break;
		if (i == nitems(keys))
			return 0;
next:
		s += n;
	}
}

/*
 * A call handed to a server (an MCP tool) by its key "mcp:server:tool".
 * The key is one word that deny and allow entries match exactly or as a
 * glob ("deny: mcp:fs:write_*", "allow: mcp:github:*"); with no entry it is
 * MEDIUM (what it does is up to its server) or LOW when the server marks it
 * read-only.  "Always allow" suggests the exact key.
 */
static void
pol_external(struct policy *p, const char *key, int read_only,
    struct pol_result *res)
{
	struct pol_seg *sg;
	const struct pol_entry *e;
	size_t i;

	res->is_command = 1;
	res->seg = xcalloc(1, sizeof *res->seg);
	res->aseg = res->nseg = 1;
	sg = &res->seg[0];
	sg->nwords = 1;
	sg->words = xcalloc(2, sizeof *sg->words);
	sg->words[0] = xstrdup(key);
	sg->readonly = read_only;
	for (i = 0; i < p->nentry; i++) {
		e = &p->entry[i];
		if (e->nwords != 1 || (strcmp(e->words[0], key) != 0 &&
		    fnmatch(e->words[0], key, 0) != 0))
			continue;
		if (e->deny) {
			if (res->denied == NULL)
				res->denied = e;
			pol_add_finding(res, RISK_HIGH, 1, "deny-list", 0,
			    "%s (%s)", e->text, e->origin);
		} else if (sg->allowed == NULL || !e->prefix)
			sg->allowed = e;
	}
	if (read_only)
		pol_add_finding(res, RISK_LOW, 0, "builtin:mcp-read-only", 0,
		    "%s: its server marks it read-only", key);
	else
		pol_add_finding(res, RISK_MEDIUM, 0, "builtin:mcp-tool", 0,
		    "%s: an MCP tool; what it does is up to its server", key);
}

/* Assess one action (a tool call as its tool describes it). */
void
policy_assess_action(struct policy *p, const struct policy_action *act,
    const cJSON *args, const char *root, struct policy_verdict *out)
{
	struct pol_result res;
	const char *root_real = pol_root_real(p, root);
	enum risk model = RISK_LOW;
	int model_set = pol_model_risk(args, &model);
	size_t i;

	pol_result_init(&res);
	res.mutating = act->mutating;
	if (act->unknown)
		pol_add_finding(&res, RISK_UNKNOWN, 0, "builtin:unknown-tool", -1,
		    "unknown tool '%.40s'", act->tool != NULL ? act->tool : "");
	else if (act->bad != NULL)
		pol_add_finding(&res, RISK_UNKNOWN, 0, "builtin:bad-arguments",
		    -1, "%s", act->bad);
	else if (act->external != NULL)
		pol_external(p, act->external, !act->mutating, &res);
	else {
		if (act->command != NULL && !(act->input &&
		    pol_keys_only(act->command)))	/* keys: C-c, Enter ... */
			pol_analyze_command(p, act->command, strlen(act->command),
			    root_real, &res);
		for (i = 0; i < act->npaths; i++)
			pol_analyze_path(p, act->paths[i].path, act->paths[i].write,
			    1, root_real, &res);
		/* Leaving the sandbox is never routine (doc/SANDBOX.md). */
		if (act->unsandboxed != NULL)
			pol_add_finding(&res, RISK_MEDIUM, 0, "builtin:sandbox-off",
			    -1, "runs outside the sandbox: %.200s",
			    *act->unsandboxed != '\0' ? act->unsandboxed :
			    "no justification given");
	}
	pol_decide(p, &res, model_set, model, out);
	pol_effects(&res, out);
	pol_result_free(&res);
}

/* Assess a shell command as the terminal tool would run it. */
void
policy_assess_command(struct policy *p, const char *command, const char *root,
    struct policy_verdict *out)
{
	struct pol_result res;

	pol_result_init(&res);
	pol_analyze_command(p, command, strlen(command), pol_root_real(p, root),
	    &res);
	pol_decide(p, &res, 0, RISK_LOW, out);
	pol_effects(&res, out);
	pol_result_free(&res);
}

/* Append lines to a policy file, creating it (and its directory). */
static int
pol_append(const char *path, const char *lines, char **cause)
{
	char *dir = xstrdup(path), *slash, last = '\n';
	int fd;
	struct stat st;

	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (util_mkdir_p(dir, 0755) == -1) {
			*cause = xasprintf("cannot create '%s': %s", dir,
			    strerror(errno));
			free(dir);
			return -1;
		}
	}
	free(dir);
	if ((fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		*cause = xasprintf("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    pread(fd, &last, 1, st.st_size - 1) != 1)
		last = '\n';
	if ((last != '\n' && util_write_all(fd, "\n", 1) == -1) ||
	    util_write_all(fd, lines, strlen(lines)) == -1) {
		*cause = xasprintf("cannot write '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		*cause = xasprintf("cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Add allow/deny entries (one per line); persist for project and user. */
int
policy_add_rule(struct policy *p, const char *rule, enum policy_scope scope,
    char **cause)
{
	struct pol_entry *e = NULL;
	struct buf lines;
	const char *s = rule, *nl, *path = NULL;
	char *line, *why;
	size_t n = 0, i;
	int rc = -1;

	if (scope == SCOPE_PROJECT && (path = p->project_file) == NULL) {
		*cause = xstrdup("no project directory for a project rule");
		return -1;
	}
	if (scope == SCOPE_USER && (path = p->user_file) == NULL) {
		char *dir = util_xdg_dir("XDG_CONFIG_HOME", ".config");

		p->user_file = xasprintf("%s/policy", dir);
		free(dir);
		path = p->user_file;
	}
	buf_init(&lines, 0);
	while (*s != '\0') {
		nl = strchr(s, '\n');
		line = xstrndup(s, nl != NULL ? (size_t)(nl - s) : strlen(s));
		s += strlen(line) + (nl != NULL);
		if (*util_trim(line) == '\0') {
			free(line);
			continue;
		}
		e = xreallocarray(e, n + 1, sizeof *e);
		if (pol_parse_entry(line, policy_scope_name(scope), &e[n],
		    &why) == -1) {
			*cause = xasprintf("bad rule '%s': %s", line, why);
			free(why);
			free(line);
			goto out;
		}
		(void)buf_printf(&lines, "%s\n", e[n].text);
		n++;
		free(line);
	}
	if (n == 0) {
		*cause = xstrdup("empty rule");
		goto out;
	}
	if (path != NULL && pol_append(path, lines.s, cause) == -1)
		goto out;
	for (i = 0; i < n; i++)
		pol_add_entry(p, &e[i]);
	n = 0;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		pol_entry_free(&e[i]);
	free(e);
	buf_free(&lines);
	return rc;
}
