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

/* NULL with *cause ("file:line: ...") if any rules file fails to parse. */
struct policy	*policy_load(const struct config *, const char *project_root, char **cause);
void		 policy_free(struct policy *);

/*
 * Assess one tool call.  tool is the tool name, args its parsed arguments
 * (security_risk included), root the workspace root on the host.  out must
 * be released with policy_verdict_free().
 */
void		 policy_assess(struct policy *, const char *tool, const cJSON *args,
		    const char *root, struct policy_verdict *out);
void		 policy_assess_command(struct policy *, const char *command,
		    const char *root, struct policy_verdict *out);
void		 policy_verdict_free(struct policy_verdict *);

/* Switch the confirmation mode (always|risky|never) of a loaded policy. */
int		 policy_set_confirm(struct policy *, const char *confirm, char **cause);
/*
 * Whether the commands this policy judges run contained (a sandbox or a
 * container holds them) or not.  Sessions set it from the mechanism in
 * force; uncontained, unknown commands are judged more strictly.  Default:
 * contained.
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
int		 policy_check_main(int argc, char **argv, struct config *);

#endif
