/*
 * shellparse.h: a static parser for shell command text (POSIX sh + bash).
 *
 * It never runs or expands anything.  Text goes in (whole or in pieces);
 * out comes the list of simple commands the text would run, each with its
 * words resolved as the shell would after quote removal ('r'm, "rm" and r\m
 * are all "rm"; $'\x72m' too), its assignments and redirections, and how it
 * is connected: pipeline membership, and for commands inside $(...), `...`
 * or <(...) the command whose word holds them.  What cannot be known
 * statically (variables, substitutions, globs) is kept as written and
 * flagged on the word, so a caller can tell "rm" from "$CMD".
 *
 * Compound commands are flattened: if/while/for/case bodies, subshells,
 * { groups } and function bodies all yield their simple commands; the
 * reserved words themselves are dropped.  Here-document bodies are attached
 * to their redirection.  Limits: 32 levels of nesting, 4096 commands, 1 MiB
 * per word; past them the result is marked toobig/toodeep (treat as
 * unknown).
 */
#ifndef CADE_SHELLPARSE_H
#define CADE_SHELLPARSE_H

#include <stddef.h>

enum shp_flag {
	SHP_QUOTED	= 0x001,	/* quotes or escapes were removed */
	SHP_VAR		= 0x002,	/* $NAME, ${...}: unknown until run */
	SHP_CMDSUB	= 0x004,	/* $(...) or `...` */
	SHP_ARITH	= 0x008,	/* $((...)) */
	SHP_PROCSUB	= 0x010,	/* <(...) or >(...) */
	SHP_GLOB	= 0x020,	/* unquoted * ? [ */
	SHP_BRACE	= 0x040,	/* unquoted {a,b} */
	SHP_TILDE	= 0x080,	/* leading unquoted ~ */
	SHP_OPAQUE	= 0x100,	/* holds code the parser could not follow */
};
/* The word's value is not known before it runs. */
#define SHP_DYNAMIC	(SHP_VAR | SHP_CMDSUB | SHP_ARITH | SHP_PROCSUB | SHP_OPAQUE)

struct shp_word {
	char		*s;	/* resolved text; expansions kept as written */
	size_t		 len;
	unsigned	 flags;	/* enum shp_flag */
};

enum shp_rop {
	SHP_R_IN,		/* <   */
	SHP_R_OUT,		/* >   */
	SHP_R_APPEND,		/* >>  */
	SHP_R_CLOBBER,		/* >|  */
	SHP_R_RDWR,		/* <>  */
	SHP_R_DUPIN,		/* <&  */
	SHP_R_DUPOUT,		/* >&  (a file if the target is not a number or -) */
	SHP_R_ALL,		/* &>  */
	SHP_R_ALLAPPEND,	/* &>> */
	SHP_R_HEREDOC,		/* << and <<- */
	SHP_R_HERESTR,		/* <<< */
};

struct shp_redir {
	int		 fd;		/* explicit fd number, or -1 */
	enum shp_rop	 op;
	struct shp_word	 target;	/* file, fd, word, or here-doc delimiter */
	char		*body;		/* here-document text, else NULL */
	unsigned	 body_flags;	/* SHP_VAR|SHP_CMDSUB if the body expands */
};

enum shp_ctx {
	SHP_CTX_TOP,		/* plain command (possibly in a compound) */
	SHP_CTX_SUBSHELL,	/* ( ... ) */
	SHP_CTX_CMDSUB,		/* $( ... ) */
	SHP_CTX_BACKTICK,	/* ` ... ` */
	SHP_CTX_PROCSUB,	/* <( ... ) or >( ... ) */
};

struct shp_cmd {
	int		 parent;	/* command whose word holds this substitution, or -1 */
	enum shp_ctx	 ctx;
	int		 depth;		/* nesting level, 0 at top */
	int		 pipeline;	/* same number: same pipeline */
	unsigned	 pipe_in:1;	/* stdin comes from a pipe */
	unsigned	 pipe_out:1;	/* stdout goes into a pipe */
	unsigned	 background:1;
	struct shp_word	*assign;	/* NAME=value prefixes */
	size_t		 nassign;
	struct shp_word	*argv;
	size_t		 argc;
	struct shp_redir *redir;
	size_t		 nredir;
	size_t		 aassign, aargv, aredir;	/* allocated lengths (private) */
};

struct shp_result {
	struct shp_cmd	*cmd;		/* in textual order of their start */
	size_t		 ncmd;
	size_t		 acmd;
	unsigned	 flags;		/* OR of every word's flags */
	unsigned	 incomplete:1;	/* unterminated quote, substitution or syntax error */
	unsigned	 toobig:1;	/* a limit was hit: not everything was parsed */
	unsigned	 toodeep:1;
};

struct shp;

struct shp	*shp_new(void);
/* Feed bytes; may be called any number of times. */
void		 shp_feed(struct shp *, const char *, size_t);
/* End of input: frees the parser and returns the result. */
struct shp_result *shp_finish(struct shp *);
/* Convenience: parse a whole string. */
struct shp_result *shp_parse(const char *, size_t);
void		 shp_result_free(struct shp_result *);

/* "VAR=value" shape (the name part unquoted)?  Used on assign words. */
int		 shp_is_assignment(const char *);

#endif
