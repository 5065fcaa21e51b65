/*
 * policy-int.h: what the policy engine's files share (not a public header).
 *
 * rules.c reads rules files into struct policy (rules, allow/deny entries)
 * and matches rules; risk.c turns one action into findings and segments;
 * decide.c turns findings, lists and the confirmation mode into a verdict;
 * check.c is `cade policy check`.
 */
#ifndef CADE_POLICY_INT_H
#define CADE_POLICY_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include "cade/policy.h"

enum pol_mode { POL_ALWAYS, POL_RISKY, POL_NEVER };

enum pol_scope {
	PS_COMMAND	= 0x01,	/* each simple command, as normalised text */
	PS_ARG		= 0x02,	/* each argument and redirection target */
	PS_WRITE	= 0x04,	/* each path written (file tools, redirections, cp ...) */
	PS_READ		= 0x08,	/* each path read by a file tool */
	PS_LINE		= 0x10,	/* the whole command text as given */
	PS_ASSIGN	= 0x20,	/* each NAME=value (prefixes, export, env) */
};

struct pol_rule {
	char		*id;		/* name in the file */
	char		*name;		/* "origin:id", what verdicts show */
	char		*origin;
	char		**commands;	/* command names (a trailing * is a prefix); NULL: any */
	size_t		 ncommands;
	unsigned	 scope;
	char		*pattern;
	pcre2_code	*re;
	enum risk	 risk;
	int		 deny;
	char		*reason;
	int		 disabled;
};

struct pol_entry {
	int		 deny;
	int		 prefix;
	char		**words;
	size_t		 nwords;
	char		*text;		/* as written: "allow-prefix: git status" */
	char		*origin;	/* builtin, user, project, session */
};

struct pol_cmdidx {
	const char	*name;
	size_t		 len;
	int		 prefix;
	struct pol_rule	*rule;
	size_t		 order;
};

struct policy {
	enum pol_mode	 mode;
	enum risk	 threshold;
	int		 uncontained;	/* commands run outside any sandbox */
	struct pol_rule	**rule;
	size_t		 nrule, arule;
	struct pol_entry *entry;
	size_t		 nentry, aentry;
	/* built by pol_rules_index() */
	struct pol_cmdidx *idx;
	size_t		 nidx;
	struct pol_rule	**any;		/* command scope without command names */
	size_t		 nany;
	struct pol_rule	**scoped;	/* arg/write/read/line rules */
	size_t		 nscoped;
	int		 dirty;
	pcre2_match_data *md;
	char		*home;
	char		*project_root;
	char		*user_file;
	char		*project_file;
	char		*root_key;	/* cache of realpath(root) */
	char		*root_real;
};

/* One thing the analysis found: a risk and what decided it. */
struct pol_finding {
	enum risk	 risk;
	int		 deny;
	char		*rule;
	char		*reason;
	int		 seg;		/* segment it belongs to, -1: the whole action */
};

/* A top-level simple command of a shell action (what allow lists judge). */
struct pol_seg {
	char		**words;	/* argv as resolved */
	size_t		 nwords;
	int		 dynamic;	/* command name unknown: never allow-listed */
	int		 readonly;	/* changes nothing (confirm=always) */
	int		 has_redir_write;
	int		 hidden_code;	/* a shell or interpreter reads code its words
					 * do not show (here-doc, pipe): no allow
					 * entry covers it, none is suggested */
	const struct pol_entry *allowed;	/* allow entry that covers it */
};

struct pol_result {
	struct pol_finding *f;
	size_t		 nf, af;
	struct pol_seg	*seg;
	size_t		 nseg, aseg;
	int		 mutating;	/* the action may change something */
	int		 is_command;	/* a shell action (allow lists apply) */
	const struct pol_entry *denied;	/* deny-list entry that matched */
};

/* rules.c */
struct policy	*pol_new(void);
int		 pol_parse_text(struct policy *, const char *text, size_t len,
		    const char *file, const char *origin, char **cause);
int		 pol_load_file(struct policy *, const char *path,
		    const char *origin, char **cause);
int		 pol_parse_entry(const char *line, const char *origin,
		    struct pol_entry *out, char **cause);
void		 pol_add_entry(struct policy *, struct pol_entry *);
void		 pol_entry_free(struct pol_entry *);
void		 pol_index(struct policy *);
void		 pol_rules_free(struct policy *);
int		 pol_match(struct policy *, const struct pol_rule *,
		    const char *, size_t);
int		 pol_risk_parse(const char *, enum risk *);
int		 pol_risk_rank(enum risk);
/* Rules for a command name: calls fn for each, in file order. */
void		 pol_rules_for_command(struct policy *, const char *name,
		    void (*fn)(const struct pol_rule *, void *), void *arg);
/* Single-quote words that would not read back the same; caller frees. */
char		*pol_quote_words(char *const *words, size_t n);

extern const char pol_default_rules[];

/* risk.c */
void		 pol_result_init(struct pol_result *);
void		 pol_result_free(struct pol_result *);
void		 pol_add_finding(struct pol_result *, enum risk, int deny,
		    const char *rule, int seg, const char *fmt, ...)
		    __attribute__((format(printf, 6, 7)));
void		 pol_analyze_command(struct policy *, const char *command,
		    size_t len, const char *root_real, struct pol_result *);
void		 pol_analyze_path(struct policy *, const char *path, int write,
		    int file_tool, const char *root_real, struct pol_result *);
const char	*pol_root_real(struct policy *, const char *root);

#endif
