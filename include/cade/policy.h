/*
 * policy.h: the confirmation-mode policy engine.
 *
 * Sits between the agent and the tools: for each proposed action it rates
 * the risk (shell commands are parsed, not pattern-matched on the raw
 * string), consults allow/deny lists and the confirmation mode, and decides
 * allow / ask / deny, naming the rule or signal that decided.  Rules come
 * from the built-in rules file, ~/.config/cade/policy and .cade/policy.
 */
#ifndef CADE_POLICY_H
#define CADE_POLICY_H

#include <cjson/cJSON.h>

struct config;

enum risk { RISK_LOW, RISK_MEDIUM, RISK_HIGH, RISK_UNKNOWN };
enum decision { DECISION_ALLOW, DECISION_ASK, DECISION_DENY };
enum policy_scope { SCOPE_SESSION, SCOPE_PROJECT, SCOPE_USER };

struct policy_verdict {
	enum risk	 risk;
	enum decision	 decision;
	char		*rule;		/* what decided, e.g. "builtin:rm-root", "mode:risky" */
	char		*reason;	/* one line for the person and the model */
	char		*suggest;	/* narrow "always allow" rule, e.g. "allow-prefix: npm run test"; may be NULL */
	int		 changes;	/* the action may change something (not read-only) */
	char		*outside;	/* an effect beyond the workspace's files (checkpoints cannot undo it), or NULL */
};

struct policy;

/* A path an action reads or writes. */
struct policy_path {
	const char	*path;
	int		 write;
};

/*
 * What a tool call does to the world, as the tool describes it (tool.h:
 * tool_describe): the engine judges actions, never tool names.
 */
struct policy_action {
	const char		 *tool;		/* for messages */
	int			  mutating;	/* may change anything */
	const char		 *command;	/* a shell command it runs */
	int			  input;	/* command is typed into a running program */
	const struct policy_path *paths;
	size_t			  npaths;
	const char		 *bad;		/* the arguments say nothing usable: why */
	int			  unknown;	/* no such tool */
	const char		 *unsandboxed;	/* asks to run outside the sandbox: the justification ("" if none) */
	/* A call handed to something cade cannot see into (an MCP server's
	 * tool): the one word allow and deny entries name it by
	 * ("mcp:server:tool"); mutating 0 when its server marks it read-only. */
	const char		 *external;
};

/*
 * Built-in < user (~/.config/cade/policy) < project (PROJECT/.cade/policy)
 * rules: the one loader every front end uses.  project_root NULL means the
 * workspace root (conf_workspace_root()), as a session has it; "" means no
 * project.  NULL with *cause ("file:line: ...") if any rules file fails to
 * parse.
 */
struct policy	*policy_load(const struct config *, const char *project_root, char **cause);
/* The project directory of a loaded policy, NULL if none. */
const char	*policy_project_root(const struct policy *);
void		 policy_free(struct policy *);

/*
 * Assess one action: what a tool call does (act) with its parsed arguments
 * (for security_risk), root the workspace root on the host.  out must be
 * released with policy_verdict_free().
 */
void		 policy_assess_action(struct policy *, const struct policy_action *act,
		    const cJSON *args, const char *root, struct policy_verdict *out);
void		 policy_assess_command(struct policy *, const char *command,
		    const char *root, struct policy_verdict *out);
void		 policy_verdict_free(struct policy_verdict *);

/* Switch the confirmation mode (always|risky|never) of a loaded policy. */
int		 policy_set_confirm(struct policy *, const char *confirm, char **cause);
/*
 * Whether the commands this policy judges run contained (a sandbox or a
 * container holds them) or not.  Sessions set it from the mechanism in
 * force, `cade policy check --sandbox on|off` from its flag.  Uncontained,
 * what fetches and runs code (installs of new packages, installer
 * scripts), programs run from outside the workspace and kills of
 * processes found by name are MEDIUM instead of LOW (doc/POLICY.md).
 * Default: contained.
 */
void		 policy_set_contained(struct policy *, int contained);
int		 policy_contained(const struct policy *);
const char	*policy_confirm_name(const struct policy *);
/* Add an allow rule ("allow: X" / "allow-prefix: X"); project and user scopes persist to their files. */
int		 policy_add_rule(struct policy *, const char *rule, enum policy_scope, char **cause);

const char	*policy_risk_name(enum risk);
const char	*policy_decision_name(enum decision);
const char	*policy_scope_name(enum policy_scope);

/*
 * Without a config: the built-in rules only, confirm mode and threshold
 * given as in the config ("risky", "MEDIUM"; NULL for the defaults).
 */
struct policy	*policy_new(const char *confirm, const char *threshold, char **cause);
/* Add a policy file (origin names it in verdicts: "user", "project"); a
 * missing file is not an error. */
int		 policy_load_file(struct policy *, const char *path, const char *origin,
		    char **cause);
/* Add policy text; errors are "name:line: ...". */
int		 policy_load_text(struct policy *, const char *text, const char *name,
		    const char *origin, char **cause);

/*
 * verdict.suggest may hold several entries, one per line, when several
 * parts of a compound command need one each; policy_add_rule() takes the
 * same text (every line an "allow:"/"allow-prefix:" or deny entry).
 */

/* `cade policy check ...`: argv starts after "check"; returns the exit status. */
/* How `cade policy check --tool` turns a call into an action (the tools do). */
typedef void (*policy_assess_fn)(struct policy *, const char *tool,
    const cJSON *args, const char *root, struct policy_verdict *out);
/* auto_contained answers "would this machine's sandbox contain commands?"
 * for a check without --sandbox (may be NULL: no). */
int		 policy_check_main(int argc, char **argv, struct config *,
		    policy_assess_fn, int (*auto_contained)(const struct config *));

#endif
