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

struct buf;

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
	char		*hooks_key;	/* cache of .git/config's core.hooksPath */
	char		*hooks_val;
	long long	 hooks_mtime;
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
/* Append s single-quoted for a shell. */
void		 pol_buf_quote(struct buf *, const char *s);
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

/* ---- what risk.c shares with programs.c (per-program checks) ---- */

#include "shellparse.h"

enum pol_pclass {
	PC_INSIDE, PC_ROOT, PC_TMP, PC_DEVNULL, PC_DEVICE, PC_SYSROOT,
	PC_SYSTOP, PC_ANCESTOR, PC_HOME, PC_OUTSIDE, PC_UNKNOWN,
};

struct pol_path {
	enum pol_pclass	 cls;
	char		*abs;		/* NULL if unknown */
	const char	*rel;		/* inside abs, if under the root */
	int		 globall;	/* a pattern for everything in abs */
};

struct pol_unwrap {
	size_t		 start[8];	/* argv index of each form */
	size_t		 nstart;
	size_t		 nbenign;	/* forms reached through benign wrappers */
	long		 eff;		/* argv index of what runs, -1: nothing */
	const struct shp_word *code;	/* su -c / env -S / flock -c string */
	size_t		 codeoff;	/* where the code starts in it (-S"...") */
	int		 query;
	int		 xargs;
	const char	*wrapper;	/* last wrapper, when eff is -1 */
	const char	*xph;		/* xargs -I/-i/--replace placeholder */
};

/* A file an earlier command of the action wrote, and how. */
struct pol_file {
	char		*name;		/* base name */
	int		 how;		/* 'f' fetched, 'd' decoded, 's' script text */
	char		*text;		/* 's': what was written */
};

struct pol_ctx {
	struct policy	*p;
	struct pol_result *out;
	const char	*root;		/* realpath of the workspace, or NULL */
	char		*cwd;		/* NULL: unknown */
	int		 seg;
	int		 depth;
	int		 xargs;		/* arguments also come from stdin */
	int		 saw_fetch, saw_decode, saw_envdump, saw_netsend;
	struct pol_file	*files;		/* written earlier in the action */
	size_t		 nfiles;
	const char	*xph;		/* xargs -I placeholder, or NULL */
	char		*hooks;		/* core.hooksPath ("": none; programs.c) */
	char		*runfile[8];	/* project files rewritten (programs.c) */
	size_t		 nrunfile;
};


#define POL_IN(set, s)	pol_in(set, nitems(set), s)

/* Shorthand for built-in checks. */
#define FIND(x, risk, deny, name, ...) \
	pol_add_finding((x)->out, risk, deny, "builtin:" name, (x)->seg, __VA_ARGS__)

#define POL_MAX_NEST	6		/* levels of code inside code */
#define POL_MAX_TEXT	(256 * 1024)	/* longest text analysed */

enum pol_kind {
	K_FETCH		= 0x01,	/* downloads from the network */
	K_DECODE	= 0x02,	/* turns data into other data (base64 -d, rev ...) */
	K_NETSEND	= 0x04,	/* can send data to another host */
	K_ENVDUMP	= 0x08,	/* prints environment variables */
	K_SHELL		= 0x10,
	K_INTERP	= 0x20,	/* python, perl, node ... */
};

/* ---- the command table (commands.c) ---- */

/* What one call of a program is: the command, where it sits in the parse,
 * which word runs (eff) and the program's row. */
struct prog_call {
	struct pol_ctx		*x;
	struct shp_result	*r;
	size_t			 i;
	const struct shp_cmd	*c;
	size_t			 eff;
	const char		*name;
	const struct pol_cmd	*e;	/* its row, or NULL */
};

/* A wrapper: a program that runs the command after its own options. */
#define W_BENIGN	0x01	/* allow lists may look through it */
#define W_ENVASSIGN	0x02	/* NAME=value words before the command */
#define W_XARGS		0x04
#define W_QUERY		0x08	/* -v/-V: runs nothing (command -v) */
#define W_APPLET	0x10	/* busybox: the next word is the command */

struct pol_wrap {
	const char	*argopts;	/* short options taking a value */
	const char	*longarg;	/* "|a|b|": long options taking a value */
	const char	*copts;		/* short options whose value is shell code */
	int		 npos;		/* positional words before the command */
	unsigned	 flags;		/* W_* */
	const char	*sub;		/* a sub-command word first (uv run) */
};

/* Row flags besides the K_* kinds (which say what the program is). */
#define CF_WRAP		0x00000040	/* a wrapper: .wrap says how */
#define CF_READONLY	0x00000080	/* only reads (unless .rwshort/.rwlong) */
#define CF_O_NOT_OUT	0x00000100	/* its -o is not an output file */
#define CF_VIEWER	0x00000200	/* benign as PAGER=, core.editor ... */
#define CF_PIDS		0x00000400	/* finds processes by name (pgrep) */
#define CF_DECODE_OPT	0x00000800	/* K_DECODE with -d/--decode/-r/-D */
#define CF_DUMP_BARE	0x00001000	/* K_ENVDUMP without arguments (set) */
#define CF_DUMP_OPT	0x00002000	/* K_ENVDUMP with -p or -x (declare) */
#define CF_PRINTS	0x00004000	/* prints its arguments (echo): with \
					 * or -e it decodes */
#define CF_FORMAT	0x00008000	/* its first argument is a format */
#define CF_COPY_IN	0x00010000	/* writes its input (cat <<EOF > f) */
#define CF_TEE		0x00020000	/* its operands are files written */
#define CF_FORCE	0x00040000	/* deletes as with -f (shred) */
#define CF_MOVE		0x00080000	/* its sources go away (mv) */
#define CF_SYNC		0x00100000	/* --delete wipes the destination */
#define CF_SAVE_NAMED	0x00200000	/* saves under the URL's name unless
					 * -O names the file (wget) */
#define CF_SAVE_O	0x00400000	/* -O saves under the URL's name (curl) */
#define CF_CODE_CLUSTER	0x00800000	/* code option: a cluster ending in e
					 * or E (perl -ne) */
#define CF_CODE_NOCASE	0x01000000	/* .code options in any case (pwsh) */
#define CF_SLASH_PKG	0x02000000	/* a name with a '/' is a package, not
					 * a path (go, composer) */
#define CF_CAT		0x04000000	/* prints the files it names, else its
					 * input (cat) */

/*
 * One row per program the policy engine knows (commands.c, sorted by
 * name; "python3*" stands for every name starting "python3" that has no
 * row of its own).  Adding a command's check is adding or changing its
 * row; no code outside the table tests a program's name.
 */
struct pol_cmd {
	const char	*name;
	unsigned	 flags;		/* K_* | CF_* */
	/* What it does to files, the shell's state and code it runs
	 * (rm, cd, export, eval, sh -c ...), before the common checks. */
	void		(*analyze)(struct prog_call *);
	/* What its own options do (programs.c), after the common checks. */
	void		(*check)(struct prog_call *);
	/* Each form of the command line that it starts (git -C d push). */
	void		(*form)(struct pol_ctx *, char **words, size_t n,
			    int eff, int help, int benign);
	/* Does its output list paths inside the workspace (for xargs)? */
	int		(*lists)(struct pol_ctx *, const struct shp_cmd *,
			    size_t eff);
	const char	*argopts;	/* short options taking a value */
	const char	*diropt;	/* the option naming the directory written */
	const char	*saveas;	/* "|-o|--out|": options naming the file
					 * a download is saved as (K_FETCH;
					 * NULL: -o, --output, --output-document) */
	const char	*code;		/* "|-c|": options whose value is code */
	char		 rwshort;	/* option letter that makes it write */
	const char	*rwlong;	/* "|a|b|": long options that do */
	const char	*runs;		/* "|Makefile|": project files it runs */
	const char	*installs;	/* "|add|pip install|": sub-commands that
					 * install packages */
	struct pol_wrap	 wrap;		/* CF_WRAP */
};

#define POL_CMD_STEM	31	/* longest stem of a "stem*" row */

/* The row for a program name (the last path component), or NULL. */
const struct pol_cmd *pol_cmd_find(const char *name);
/* A row out of order, or a bad one, for tests; NULL when the table is sound. */
const char	*pol_cmd_table_check(void);
/* Its flags (0 for a program without a row). */
unsigned	 pol_cmd_flags(const char *name);
/* Does a program run the project file of this base name (Makefile)? */
int		 pol_cmd_runfile(const char *base);
/* Is "|name|" (len bytes of name) in a list of that form? */
int		 pol_in_bars(const char *bars, const char *name, size_t len);

/* risk.c: the analysis, for programs.c, risk-path.c and risk-code.c */
unsigned	 pol_cmd_kind(const struct shp_cmd *);
void		 pol_form_rules(struct pol_ctx *, char *const *words, size_t n);
void		 pol_deny_list(struct pol_ctx *, char *const *words, size_t n);
/* NAME=value: rules for assignments, variables that run code. */
void		 pol_check_assign(struct pol_ctx *, const struct shp_word *);
int		 pol_in(const char *const *set, size_t n, const char *s);
const char	*pol_base(const char *);
int		 pol_word_dynamic(const struct shp_word *);
void		 pol_unwrap(const struct shp_cmd *, struct pol_unwrap *);
void		 pol_analyze_text(struct pol_ctx *, const char *, size_t,
		    const char *why);
void		 pol_analyze_cmd(struct pol_ctx *, struct shp_result *, size_t);
void		 pol_analyze_argv(struct pol_ctx *, struct shp_word *argv,
		    size_t argc);
void		 pol_join_analyze(struct pol_ctx *, struct shp_result *, size_t,
		    size_t, const char *what);
void		 pol_dynamic_code(struct pol_ctx *, struct shp_result *, size_t,
		    const char *what, const char *text);
void		 pol_rate_write(struct pol_ctx *, const struct shp_word *, int rec);
void		 pol_rate_delete(struct pol_ctx *, const struct shp_word *, int rec,
		    int force);
void		 pol_path_word(struct pol_ctx *, const struct shp_word *,
		    int follow_last, struct pol_path *);
char		*pol_path_show(struct pol_ctx *, const struct pol_path *,
		    const struct shp_word *);
void		 pol_path_rules(struct pol_ctx *, const struct pol_path *,
		    unsigned scope);
int		 pol_has_opt(const struct shp_cmd *, size_t from, int letter,
		    const char *lng);
size_t		 pol_operands(const struct shp_cmd *, size_t k,
		    const char *argopts, const struct shp_word **out, size_t max);
void		 pol_add_file(struct pol_ctx *, const char *path, int how,
		    const char *text);
const struct pol_file *pol_written(struct pol_ctx *, const char *path);
int		 pol_run_written(struct pol_ctx *, const char *path);

/* risk-code.c: code inside code (rows of the command table) */
void		 pol_check_find(struct prog_call *);
void		 pol_check_ssh(struct prog_call *);
void		 pol_check_interp(struct prog_call *);
void		 pol_check_shell(struct prog_call *);
void		 pol_note_written(struct pol_ctx *, const struct shp_cmd *,
		    size_t eff, const char *name, unsigned kind);
void		 pol_add_download(struct pol_ctx *, const char *path);
void		 pol_script_arg(struct pol_ctx *, struct shp_result *, size_t i,
		    const struct shp_word *, const char *name);

/* risk-path.c: the path model, for risk.c */
/* Lexically clean an absolute path: //, /./, /../; caller frees. */
char		*pol_path_clean(const char *path);
void		 pol_path_set(struct pol_ctx *, const char *path, int follow_last,
		    struct pol_path *out);

/* scan.c: what a sed script, awk program, SQL text or editor/debugger
 * command would do besides reading (see scan.c) */
enum pol_scan {
	SCAN_SHELL,	/* hands this text to a shell */
	SCAN_RUNS,	/* runs a command whose text is not visible */
	SCAN_WRITE,	/* writes this file */
	SCAN_DESTROY,	/* SQL that drops or wipes data */
	SCAN_CHANGE,	/* SQL that changes schema or rights */
};
typedef void	(*pol_scan_fn)(void *arg, int what, const char *, size_t);
void		 pol_scan_sed(const char *, size_t, pol_scan_fn, void *);
void		 pol_scan_awk(const char *, size_t, pol_scan_fn, void *);
void		 pol_scan_sql(const char *, size_t, pol_scan_fn, void *);
void		 pol_scan_excmd(const char *, size_t, int gdb, pol_scan_fn,
		    void *);

/* programs.c: per-program checks, variables, --help, containment */
void		 pol_prog_check(struct prog_call *);
void		 pol_prog_assign(struct pol_ctx *, const char *word,
		    unsigned flags);
int		 pol_prog_help(const struct shp_cmd *, size_t eff);
void		 pol_prog_written(struct pol_ctx *, const struct pol_path *);
void		 pol_prog_git_key(struct pol_ctx *, const char *key, size_t klen,
		    const char *value, int persistent);
void		 pol_prog_free(struct pol_ctx *);
char		*pol_prog_hooks_path(struct policy *, const char *root);

#endif
