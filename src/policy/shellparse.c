/*
 * shellparse.c: static parser for shell command text (see shellparse.h).
 *
 * A byte-at-a-time state machine with no I/O.  Each nesting level ($(...),
 * `...`, ( ... ), <(...), ${...}, $((...)), a=(...)) is a frame on a fixed
 * stack holding its own lexer state, word in progress and command under
 * construction, so a double-quoted string around a substitution resumes
 * where it left off when the substitution closes.  Finished words go into
 * the current command of their frame (as an assignment, an argument or a
 * redirection target); operators end commands and link pipelines.  A
 * substitution's text is also kept as written (frame raw buffer) and
 * appended to the enclosing word, which is flagged dynamic.
 *
 * Follows the token recognition rules of POSIX (XCU 2.3) with bash's $'...',
 * <(...), &>, |&, <<< and ((...)).  Deviations, all toward "dynamic" or
 * "incomplete" rather than a wrong literal: a backslash-backtick inside
 * backticks (nested old-style substitution) makes the word opaque; case
 * patterns are dropped; ${...} and $((...)) are skipped as text except for
 * substitutions inside them, which are parsed; extglob is not recognised.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cade/buf.h"
#include "shellparse.h"
#include "cade/util.h"

#define SHP_MAX_DEPTH	32
#define SHP_MAX_CMDS	4096
#define SHP_MAX_WORD	(1024 * 1024)

enum shp_fkind {
	FK_TOP, FK_SUBSHELL, FK_CMDSUB, FK_BACKTICK, FK_PROCSUB,
	/* skip frames: text kept, not tokenised */
	FK_PARAM, FK_ARITH, FK_ARITHCMD, FK_ARRAY,
};

enum shp_state {
	S_NORMAL, S_SQ, S_DQ, S_ESC, S_DQ_ESC, S_ANSI, S_ANSI_ESC, S_DOLLAR,
	S_DOLLAR_PAREN, S_VARNAME, S_COMMENT, S_OP,
	S_SKIP, S_SKIP_SQ, S_SKIP_DQ, S_SKIP_ESC, S_SKIP_DOLLAR,
	S_SKIP_DOLLAR_PAREN, S_SKIP_CLOSE,
};

/* Redirection operator codes while pending (enum shp_rop, plus <<-). */
#define SHP_R_HEREDOC_STRIP	100

struct shp_frame {
	enum shp_fkind	 kind;
	int		 st;
	int		 ret;		/* state after $, \ or a skip escape */
	struct buf	 word;
	unsigned	 wflags;
	int		 in_word;
	size_t		 wquoted;	/* offset of the first quoted byte */
	int		 brace_open;
	char		 op[4];
	int		 oplen;
	struct buf	 raw;		/* text as written (frames above the top) */
	int		 cmd;		/* command under construction, or -1 */
	int		 rpending;	/* redirection waiting for its word, or -1 */
	int		 rfd;
	int		 pipeline;
	int		 pipe_next;	/* the next command reads a pipe */
	int		 cont;		/* after | && ||: a newline continues */
	int		 inherit;	/* whole frame reads the pipe feeding it */
	int		 parent_cmd;
	enum shp_ctx	 ctx;
	int		 nest;
	int		 case_depth;
	int		 in_pattern;	/* reading case patterns up to ')' */
	int		 funcparen;
	int		 opaque;	/* a word here holds unparsed code */
	char		 esc[12];
	int		 esclen;
};

struct shp_hd {
	size_t		 cmd;
	size_t		 redir;
	int		 strip;
};

struct shp {
	struct shp_result *res;
	struct shp_frame fr[SHP_MAX_DEPTH];
	int		 depth;		/* index of the top frame */
	int		 stopped;
	int		 npipeline;
	struct shp_hd	*hd;
	size_t		 nhd, ahd, hdpos;
	int		 hd_active;
	struct buf	 hdline;
	struct buf	 hdbody;
};

static int	shp_byte1(struct shp *, struct shp_frame *, int);

/* Does the frame tokenise (as opposed to skipping text)? */
static int
shp_is_skip(const struct shp_frame *f)
{
	return f->kind >= FK_PARAM;
}

/* Index of '=' + 1 if s starts with NAME[=|+=], else 0. */
static size_t
shp_assign_len(const char *s)
{
	size_t i = 0;

	if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	while (isalnum((unsigned char)s[i]) || s[i] == '_')
		i++;
	if (s[i] == '[') {
		while (s[i] != '\0' && s[i] != ']')
			i++;
		if (s[i] != ']')
			return 0;
		i++;
	}
	if (s[i] == '+')
		i++;
	return s[i] == '=' ? i + 1 : 0;
}

/* Public form of the assignment test. */
int
shp_is_assignment(const char *s)
{
	return shp_assign_len(s) != 0;
}

/* Stop parsing: a limit was hit; the result says so. */
static void
shp_stop(struct shp *p, int deep)
{
	p->stopped = 1;
	if (deep)
		p->res->toodeep = 1;
	else
		p->res->toobig = 1;
}

/* The command under construction in frame f, created if needed. */
static struct shp_cmd *
shp_cmd_begin(struct shp *p, struct shp_frame *f)
{
	struct shp_result *r = p->res;
	struct shp_cmd *c;

	if (f->cmd >= 0)
		return &r->cmd[f->cmd];
	if (r->ncmd == r->acmd) {
		r->acmd = r->acmd ? r->acmd * 2 : 8;
		r->cmd = xreallocarray(r->cmd, r->acmd, sizeof *r->cmd);
	}
	c = &r->cmd[r->ncmd];
	memset(c, 0, sizeof *c);
	c->parent = f->parent_cmd;
	c->ctx = f->ctx;
	c->depth = (int)(f - p->fr);
	c->pipeline = f->pipeline;
	c->pipe_in = f->pipe_next || f->inherit;
	f->cmd = (int)r->ncmd++;
	f->cont = 0;
	if (r->ncmd > SHP_MAX_CMDS)
		shp_stop(p, 0);
	return c;
}

/* Start a word if none is in progress. */
static void
shp_word_begin(struct shp *p, struct shp_frame *f)
{
	if (f->in_word)
		return;
	f->in_word = 1;
	buf_reset(&f->word);
	f->wflags = 0;
	f->wquoted = SIZE_MAX;
	f->brace_open = 0;
	shp_cmd_begin(p, f);
}

/* Note that what follows in the word came from quotes or escapes. */
static void
shp_mark_quoted(struct shp_frame *f)
{
	f->wflags |= SHP_QUOTED;
	if (f->wquoted == SIZE_MAX)
		f->wquoted = f->word.len;
}

/* Append one byte to the word in progress. */
static void
shp_add(struct shp *p, struct shp_frame *f, int c, int quoted)
{
	if (quoted)
		shp_mark_quoted(f);
	if (c == '\0')
		return;		/* the shell drops NULs */
	if (buf_putc(&f->word, c) == -1)
		shp_stop(p, 0);
}

/* Append text to a buffer, stopping the parse on overflow. */
static void
shp_buf_add(struct shp *p, struct buf *b, const char *s, size_t n)
{
	if (buf_append(b, s, n) == -1)
		shp_stop(p, 0);
}

/* Append a word to an array of words. */
static void
shp_push_word(struct shp_word **v, size_t *n, size_t *a, struct shp_word *w)
{
	if (*n == *a) {
		*a = *a ? *a * 2 : 4;
		*v = xreallocarray(*v, *a, sizeof **v);
	}
	(*v)[(*n)++] = *w;
}

/* Free the words of an argv and empty it. */
static void
shp_drop_argv(struct shp_cmd *c)
{
	size_t i;

	for (i = 0; i < c->argc; i++)
		free(c->argv[i].s);
	c->argc = 0;
}

/* Is the command's first word the unquoted reserved word w? */
static int
shp_argv0_is(const struct shp_cmd *c, const char *w)
{
	return c->argc > 0 && !(c->argv[0].flags & SHP_QUOTED) &&
	    strcmp(c->argv[0].s, w) == 0;
}

/* A word in command position that the shell reads as syntax: 1 if consumed. */
static int
shp_reserved(struct shp_frame *f, const struct shp_word *w)
{
	static const char *const skip[] = {
		"if", "then", "else", "elif", "do", "while", "until", "!",
		"{", "}", "time", "fi", "done", "coproc",
	};
	size_t i;

	if (w->flags & SHP_QUOTED)
		return 0;
	if (strcmp(w->s, "esac") == 0) {
		if (f->case_depth > 0)
			f->case_depth--;
		f->in_pattern = 0;
		return 1;
	}
	for (i = 0; i < nitems(skip); i++)
		if (strcmp(w->s, skip[i]) == 0)
			return 1;
	return 0;
}

/* Finish the word in progress: assignment, argument or redirection target. */
static void
shp_word_end(struct shp *p, struct shp_frame *f)
{
	struct shp_result *r = p->res;
	struct shp_word w;
	struct shp_cmd *c;
	struct shp_redir *rd;
	size_t eq;

	if (!f->in_word)
		return;
	f->in_word = 0;
	w.s = buf_detach(&f->word, &w.len);
	w.flags = f->wflags;
	if (w.flags & SHP_OPAQUE)
		f->opaque = 1;
	if ((w.flags & SHP_GLOB) && (strcmp(w.s, "[") == 0 ||
	    strcmp(w.s, "[[") == 0))
		w.flags &= ~SHP_GLOB;
	r->flags |= w.flags;
	c = shp_cmd_begin(p, f);
	if (f->rpending >= 0) {
		if (c->nredir == c->aredir) {
			c->aredir = c->aredir ? c->aredir * 2 : 2;
			c->redir = xreallocarray(c->redir, c->aredir,
			    sizeof *c->redir);
		}
		rd = &c->redir[c->nredir++];
		memset(rd, 0, sizeof *rd);
		rd->fd = f->rfd;
		rd->target = w;
		if (f->rpending == SHP_R_HEREDOC_STRIP ||
		    f->rpending == SHP_R_HEREDOC) {
			rd->op = SHP_R_HEREDOC;
			if (p->nhd == p->ahd) {
				p->ahd = p->ahd ? p->ahd * 2 : 2;
				p->hd = xreallocarray(p->hd, p->ahd,
				    sizeof *p->hd);
			}
			p->hd[p->nhd].cmd = (size_t)(c - r->cmd);
			p->hd[p->nhd].redir = c->nredir - 1;
			p->hd[p->nhd].strip = f->rpending == SHP_R_HEREDOC_STRIP;
			p->nhd++;
		} else
			rd->op = (enum shp_rop)f->rpending;
		f->rpending = -1;
		f->rfd = -1;
		return;
	}
	if (f->funcparen)
		r->incomplete = 1;	/* "name ( word": a syntax error */
	if (c->argc == 0 && c->nassign == 0 && shp_reserved(f, &w)) {
		free(w.s);
		return;
	}
	if (c->argc == 2 && shp_argv0_is(c, "function") &&
	    strcmp(w.s, "{") == 0 && !(w.flags & SHP_QUOTED)) {
		/* "function name {": the body's commands follow */
		shp_drop_argv(c);
		free(w.s);
		return;
	}
	if (c->argc == 0 && (eq = shp_assign_len(w.s)) != 0 &&
	    eq - 1 < f->wquoted) {
		shp_push_word(&c->assign, &c->nassign, &c->aassign, &w);
		return;
	}
	shp_push_word(&c->argv, &c->argc, &c->aargv, &w);
}

/* End the command of frame f at operator op ("" at a frame's end). */
static void
shp_cmd_end(struct shp *p, struct shp_frame *f, const char *op)
{
	struct shp_cmd *c;
	int pipe = strcmp(op, "|") == 0 || strcmp(op, "|&") == 0;

	shp_word_end(p, f);
	if (f->rpending >= 0) {
		p->res->incomplete = 1;
		f->rpending = -1;
	}
	f->funcparen = 0;
	if (f->cmd >= 0) {
		c = &p->res->cmd[f->cmd];
		if (shp_argv0_is(c, "case")) {
			f->case_depth++;
			f->in_pattern = 1;
			shp_drop_argv(c);
		} else if (shp_argv0_is(c, "for") || shp_argv0_is(c, "select") ||
		    shp_argv0_is(c, "function"))
			shp_drop_argv(c);
		if (pipe)
			c->pipe_out = 1;
		if (strcmp(op, "&") == 0)
			c->background = 1;
		f->cmd = -1;
	}
	if (pipe) {
		f->pipe_next = 1;
		f->cont = 1;
	} else {
		f->pipe_next = 0;
		f->cont = strcmp(op, "&&") == 0 || strcmp(op, "||") == 0;
		if (!f->inherit)
			f->pipeline = ++p->npipeline;
	}
}

/* Enter a nesting level; NULL if too deep (parse stops). */
static struct shp_frame *
shp_push(struct shp *p, enum shp_fkind kind)
{
	struct shp_frame *parent = &p->fr[p->depth], *nf, *real;

	if (p->depth + 1 >= SHP_MAX_DEPTH) {
		shp_stop(p, 1);
		return NULL;
	}
	real = parent;
	while (shp_is_skip(real) && real > p->fr)
		real--;
	nf = &p->fr[++p->depth];
	memset(nf, 0, sizeof *nf);
	buf_init(&nf->word, SHP_MAX_WORD);
	buf_init(&nf->raw, SHP_MAX_WORD);
	nf->kind = kind;
	nf->st = kind >= FK_PARAM ? S_SKIP : S_NORMAL;
	nf->ret = nf->st;
	nf->cmd = -1;
	nf->rpending = -1;
	nf->rfd = -1;
	nf->wquoted = SIZE_MAX;
	switch (kind) {
	case FK_SUBSHELL:
		nf->ctx = SHP_CTX_SUBSHELL;
		nf->parent_cmd = real->parent_cmd;
		nf->inherit = real->pipe_next || real->inherit;
		nf->pipeline = nf->inherit ? real->pipeline : ++p->npipeline;
		real->cont = 0;
		break;
	case FK_CMDSUB:
	case FK_BACKTICK:
	case FK_PROCSUB:
		nf->ctx = kind == FK_CMDSUB ? SHP_CTX_CMDSUB :
		    kind == FK_BACKTICK ? SHP_CTX_BACKTICK : SHP_CTX_PROCSUB;
		shp_cmd_begin(p, real);
		nf->parent_cmd = real->cmd;
		nf->pipeline = ++p->npipeline;
		break;
	default:
		nf->parent_cmd = real->parent_cmd;
		break;
	}
	return nf;
}

/* Leave the top nesting level, handing its text to the enclosing word. */
static void
shp_pop(struct shp *p)
{
	struct shp_frame *f = &p->fr[p->depth], *parent = f - 1;
	const char *close = ")";
	unsigned flag = 0;
	int word = 1;

	if (!shp_is_skip(f))
		shp_cmd_end(p, f, "");
	if (f->opaque)
		flag |= SHP_OPAQUE;
	switch (f->kind) {
	case FK_CMDSUB:
		flag |= SHP_CMDSUB;
		break;
	case FK_BACKTICK:
		flag |= SHP_CMDSUB;
		close = "`";
		break;
	case FK_PROCSUB:
		flag |= SHP_PROCSUB;
		break;
	case FK_PARAM:
		flag |= SHP_VAR | f->wflags;
		close = "}";
		break;
	case FK_ARITH:
		flag |= SHP_ARITH | f->wflags;
		close = "))";
		break;
	case FK_ARRAY:
		flag |= f->wflags;
		break;
	case FK_ARITHCMD:
		close = "))";
		word = 0;
		break;
	default:
		word = 0;
		break;
	}
	if (word && !shp_is_skip(parent)) {
		shp_buf_add(p, &parent->word, f->raw.s, f->raw.len);
		shp_buf_add(p, &parent->word, close, strlen(close));
		parent->wflags |= flag;
	} else if (word)
		parent->wflags |= flag;
	if (parent > p->fr) {
		shp_buf_add(p, &parent->raw, f->raw.s, f->raw.len);
		shp_buf_add(p, &parent->raw, close, strlen(close));
	}
	buf_free(&f->word);
	buf_free(&f->raw);
	p->depth--;
}

/* Can operator op be extended by c? */
static int
shp_op_extends(const char *op, int len, int c)
{
	static const char *const ops[] = {
		";;", ";&", ";;&", "&&", "&>", "&>>", "||", "|&", "<<", "<&",
		"<>", "<(", "<<-", "<<<", ">>", ">&", ">|", ">(", "((",
	};
	size_t i;

	for (i = 0; i < nitems(ops); i++)
		if ((int)strlen(ops[i]) == len + 1 &&
		    strncmp(ops[i], op, (size_t)len) == 0 && ops[i][len] == c)
			return 1;
	return 0;
}

/* Map a redirection operator to its code, -1 if op is not one. */
static int
shp_redir_code(const char *op)
{
	static const struct {
		const char	*op;
		int		 code;
	} map[] = {
		{ "<", SHP_R_IN }, { ">", SHP_R_OUT }, { ">>", SHP_R_APPEND },
		{ ">|", SHP_R_CLOBBER }, { "<>", SHP_R_RDWR },
		{ "<&", SHP_R_DUPIN }, { ">&", SHP_R_DUPOUT },
		{ "&>", SHP_R_ALL }, { "&>>", SHP_R_ALLAPPEND },
		{ "<<", SHP_R_HEREDOC }, { "<<-", SHP_R_HEREDOC_STRIP },
		{ "<<<", SHP_R_HERESTR },
	};
	size_t i;

	for (i = 0; i < nitems(map); i++)
		if (strcmp(map[i].op, op) == 0)
			return map[i].code;
	return -1;
}

/* Act on a complete operator in frame f. */
static void
shp_op_finish(struct shp *p, struct shp_frame *f, const char *op)
{
	struct shp_cmd *c;
	int code;

	f->st = S_NORMAL;
	if (strcmp(op, "\n") == 0) {
		shp_word_end(p, f);
		if (!(f->cmd < 0 && f->cont))
			shp_cmd_end(p, f, ";");
		if (p->hdpos < p->nhd)
			p->hd_active = 1;
		return;
	}
	if ((code = shp_redir_code(op)) >= 0) {
		shp_word_end(p, f);
		if (f->rpending >= 0)
			p->res->incomplete = 1;
		shp_cmd_begin(p, f);
		f->rpending = code;
		return;
	}
	if (strcmp(op, "<(") == 0 || strcmp(op, ">(") == 0) {
		shp_word_end(p, f);
		shp_word_begin(p, f);
		shp_buf_add(p, &f->word, op, 2);
		shp_push(p, FK_PROCSUB);
		return;
	}
	if (strcmp(op, "(") == 0) {
		shp_word_end(p, f);
		c = f->cmd >= 0 ? &p->res->cmd[f->cmd] : NULL;
		if (c != NULL && f->rpending < 0 && (c->argc == 1 ||
		    (c->argc == 2 && shp_argv0_is(c, "function")))) {
			f->funcparen = 1;
			return;
		}
		if (c != NULL && (c->argc > 0 || c->nredir > 0))
			p->res->incomplete = 1;
		shp_push(p, FK_SUBSHELL);
		return;
	}
	if (strcmp(op, "((") == 0) {
		shp_word_end(p, f);
		shp_push(p, FK_ARITHCMD);
		return;
	}
	if (strcmp(op, ")") == 0) {
		shp_word_end(p, f);
		c = f->cmd >= 0 ? &p->res->cmd[f->cmd] : NULL;
		if (f->funcparen) {
			if (c != NULL)
				shp_drop_argv(c);
			shp_cmd_end(p, f, ";");
		} else if (c != NULL && shp_argv0_is(c, "case")) {
			shp_cmd_end(p, f, ";");
			f->in_pattern = 0;
		} else if (f->case_depth > 0) {
			if (c != NULL)
				shp_drop_argv(c);
			shp_cmd_end(p, f, ";");
			f->in_pattern = 0;
		} else if (f->kind == FK_SUBSHELL || f->kind == FK_CMDSUB ||
		    f->kind == FK_PROCSUB)
			shp_pop(p);
		else {
			p->res->incomplete = 1;
			shp_cmd_end(p, f, ";");
		}
		return;
	}
	/* ; ;; ;& ;;& & && || | |& */
	if (f->in_pattern && strcmp(op, "|") == 0) {
		/* a|b) alternatives of a case pattern */
		shp_word_end(p, f);
		if (f->cmd >= 0)
			shp_drop_argv(&p->res->cmd[f->cmd]);
		shp_cmd_end(p, f, ";");
		return;
	}
	shp_cmd_end(p, f, op);
	if (f->case_depth > 0 && op[0] == ';' && op[1] != '\0')
		f->in_pattern = 1;
}

/* Is the word in progress a bare fd number (the 2 of 2>)? */
static int
shp_word_is_fd(const struct shp_frame *f)
{
	size_t i;

	if (!f->in_word || f->wflags != 0 || f->word.len == 0 ||
	    f->word.len > 4 || f->rpending >= 0)
		return 0;
	for (i = 0; i < f->word.len; i++)
		if (!isdigit((unsigned char)f->word.s[i]))
			return 0;
	return 1;
}

/* Unquoted text: word characters, quotes, expansions, operators. */
static int
shp_normal(struct shp *p, struct shp_frame *f, int c)
{
	switch (c) {
	case ' ':
	case '\t':
		shp_word_end(p, f);
		return 0;
	case '\n':
		shp_op_finish(p, f, "\n");
		return 0;
	case ')':
		shp_op_finish(p, f, ")");
		return 0;
	case '(':
		if (f->in_word && f->word.len > 0 &&
		    f->word.s[f->word.len - 1] == '=' &&
		    shp_assign_len(f->word.s) == f->word.len) {
			shp_add(p, f, '(', 0);
			shp_push(p, FK_ARRAY);
			return 0;
		}
		/* FALLTHROUGH */
	case ';':
	case '&':
	case '|':
	case '<':
	case '>':
		if ((c == '<' || c == '>') && shp_word_is_fd(f)) {
			long fd = strtol(f->word.s, NULL, 10);

			f->in_word = 0;
			buf_reset(&f->word);
			f->rfd = (int)fd;
		} else
			shp_word_end(p, f);
		f->op[0] = (char)c;
		f->oplen = 1;
		f->st = S_OP;
		return 0;
	case '\\':
		f->st = S_ESC;
		return 0;
	case '\'':
		shp_word_begin(p, f);
		shp_mark_quoted(f);
		f->st = S_SQ;
		return 0;
	case '"':
		shp_word_begin(p, f);
		shp_mark_quoted(f);
		f->st = S_DQ;
		return 0;
	case '$':
		shp_word_begin(p, f);
		f->ret = S_NORMAL;
		f->st = S_DOLLAR;
		return 0;
	case '`':
		if (f->kind == FK_BACKTICK) {
			shp_pop(p);
			return 0;
		}
		shp_word_begin(p, f);
		shp_add(p, f, '`', 0);
		shp_push(p, FK_BACKTICK);
		return 0;
	case '#':
		if (!f->in_word) {
			f->st = S_COMMENT;
			return 0;
		}
		break;
	case '~':
		if (!f->in_word) {
			shp_word_begin(p, f);
			f->wflags |= SHP_TILDE;
		}
		break;
	case '*':
	case '?':
	case '[':
		shp_word_begin(p, f);
		f->wflags |= SHP_GLOB;
		break;
	case '{':
		shp_word_begin(p, f);
		f->brace_open = 1;
		break;
	case ',':
		if (f->brace_open)
			f->wflags |= SHP_BRACE;
		break;
	}
	shp_word_begin(p, f);
	shp_add(p, f, c, 0);
	return 0;
}

/* Emit the pending $'\...' escape in f->esc. */
static void
shp_ansi_emit(struct shp *p, struct shp_frame *f)
{
	char kind = f->esc[0];
	unsigned long v;
	int i, n = f->esclen - 1;
	unsigned char u[4];

	if (n == 0) {
		shp_add(p, f, '\\', 1);
		shp_add(p, f, kind, 1);
		return;
	}
	f->esc[f->esclen] = '\0';
	v = strtoul(f->esc + 1, NULL, kind == 'o' ? 8 : 16);
	if (kind == 'x' || kind == 'o') {
		shp_add(p, f, (int)(v & 0xff), 1);
		return;
	}
	if (v < 0x80)
		shp_add(p, f, (int)v, 1);
	else if (v < 0x800) {
		shp_add(p, f, (int)(0xc0 | (v >> 6)), 1);
		shp_add(p, f, (int)(0x80 | (v & 0x3f)), 1);
	} else {
		if (v > 0x10ffff)
			v = 0xfffd;
		n = v < 0x10000 ? 3 : 4;
		u[0] = (unsigned char)(n == 3 ? 0xe0 | (v >> 12) : 0xf0 | (v >> 18));
		for (i = 1; i < n; i++)
			u[i] = (unsigned char)(0x80 |
			    ((v >> (6 * (n - 1 - i))) & 0x3f));
		for (i = 0; i < n; i++)
			shp_add(p, f, u[i], 1);
	}
}

/* Inside $'...' after a backslash. */
static int
shp_ansi_esc(struct shp *p, struct shp_frame *f, int c)
{
	static const char simple[] = "a\007b\010e\033E\033f\014n\nr\rt\tv\013";
	const char *s;
	int max, ok;

	if (f->esclen == 0) {
		if (c == 'x' || c == 'u' || c == 'U' || c == 'c') {
			f->esc[0] = (char)c;
			f->esclen = 1;
			return 0;
		}
		if (c >= '0' && c <= '7') {
			f->esc[0] = 'o';
			f->esc[1] = (char)c;
			f->esclen = 2;
			return 0;
		}
		f->st = S_ANSI;
		for (s = simple; *s != '\0'; s += 2)
			if (*s == c) {
				shp_add(p, f, s[1], 1);
				return 0;
			}
		if (c == '\\' || c == '\'' || c == '"' || c == '?')
			shp_add(p, f, c, 1);
		else {
			shp_add(p, f, '\\', 1);
			shp_add(p, f, c, 1);
		}
		return 0;
	}
	if (f->esc[0] == 'c') {
		shp_add(p, f, c & 0x1f, 1);
		f->st = S_ANSI;
		return 0;
	}
	max = f->esc[0] == 'x' ? 2 : f->esc[0] == 'u' ? 4 :
	    f->esc[0] == 'U' ? 8 : 3;
	ok = f->esc[0] == 'o' ? (c >= '0' && c <= '7') : isxdigit(c);
	if (ok && f->esclen - 1 < max) {
		f->esc[f->esclen++] = (char)c;
		if (f->esclen - 1 == max) {
			shp_ansi_emit(p, f);
			f->st = S_ANSI;
		}
		return 0;
	}
	shp_ansi_emit(p, f);
	f->st = S_ANSI;
	return 1;
}

/* After '$' (in plain text or double quotes). */
static int
shp_dollar(struct shp *p, struct shp_frame *f, int c)
{
	int dq = f->ret == S_DQ;

	if (c == '(') {
		f->st = S_DOLLAR_PAREN;
		return 0;
	}
	f->st = f->ret;
	if (c == '{') {
		shp_buf_add(p, &f->word, "${", 2);
		shp_push(p, FK_PARAM);
		return 0;
	}
	if (c == '\'' && !dq) {
		shp_mark_quoted(f);
		f->st = S_ANSI;
		return 0;
	}
	if (c == '"' && !dq) {
		shp_mark_quoted(f);
		f->st = S_DQ;
		return 0;
	}
	if (isalpha(c) || c == '_') {
		shp_add(p, f, '$', 0);
		shp_add(p, f, c, 0);
		f->wflags |= SHP_VAR;
		f->st = S_VARNAME;
		return 0;
	}
	if (isdigit(c) || (c != '\0' && strchr("@*#?$!-", c) != NULL)) {
		shp_add(p, f, '$', 0);
		shp_add(p, f, c, 0);
		f->wflags |= SHP_VAR;
		return 0;
	}
	shp_add(p, f, '$', dq);
	return 1;
}

/* Skipped text (${...}, $((...)), a=(...)): find the end, parse substitutions. */
static int
shp_skip(struct shp *p, struct shp_frame *f, int c)
{
	switch (f->st) {
	case S_SKIP_SQ:
		if (c == '\'')
			f->st = S_SKIP;
		return 0;
	case S_SKIP_ESC:
		f->st = f->ret;
		return 0;
	case S_SKIP_DOLLAR:
		f->st = f->ret;
		if (c == '(') {
			f->st = S_SKIP_DOLLAR_PAREN;
			return 0;
		}
		if (c == '{') {
			f->nest++;
			return 0;
		}
		return 1;
	case S_SKIP_DOLLAR_PAREN:
		f->st = f->ret;
		if (c == '(') {
			shp_push(p, FK_ARITH);
			return 0;
		}
		shp_push(p, FK_CMDSUB);
		return 1;
	case S_SKIP_CLOSE:
		f->st = S_SKIP;
		if (c == ')') {
			if (f->raw.len > 0)
				buf_truncate(&f->raw, f->raw.len - 1);
			shp_pop(p);
			return 0;
		}
		f->wflags |= SHP_OPAQUE;
		return 1;
	}
	/* S_SKIP or S_SKIP_DQ */
	switch (c) {
	case '\\':
		f->ret = f->st;
		f->st = S_SKIP_ESC;
		return 0;
	case '$':
		f->ret = f->st;
		f->st = S_SKIP_DOLLAR;
		f->wflags |= SHP_VAR;
		return 0;
	case '`':
		f->wflags |= SHP_CMDSUB;
		shp_push(p, FK_BACKTICK);
		return 0;
	case '"':
		f->st = f->st == S_SKIP_DQ ? S_SKIP : S_SKIP_DQ;
		return 0;
	}
	if (f->st == S_SKIP_DQ)
		return 0;
	switch (c) {
	case '\'':
		if (f->kind == FK_PARAM || f->kind == FK_ARRAY)
			f->st = S_SKIP_SQ;
		break;
	case '(':
		if (f->kind != FK_PARAM)
			f->nest++;
		break;
	case ')':
		if (f->kind == FK_PARAM)
			break;
		if (f->nest > 0)
			f->nest--;
		else if (f->kind == FK_ARRAY) {
			shp_pop(p);
			return 0;
		} else
			f->st = S_SKIP_CLOSE;
		break;
	case '{':
		if (f->kind == FK_PARAM)
			f->nest++;
		break;
	case '}':
		if (f->kind != FK_PARAM)
			break;
		if (f->nest > 0)
			f->nest--;
		else {
			shp_pop(p);
			return 0;
		}
		break;
	}
	return 0;
}

/* One byte in frame f; 1 means "process c again" (state or frame changed). */
static int
shp_byte1(struct shp *p, struct shp_frame *f, int c)
{
	switch (f->st) {
	case S_NORMAL:
		return shp_normal(p, f, c);
	case S_OP:
		if (shp_op_extends(f->op, f->oplen, c)) {
			f->op[f->oplen++] = (char)c;
			f->op[f->oplen] = '\0';
			if (strcmp(f->op, "<(") == 0 || strcmp(f->op, ">(") == 0 ||
			    strcmp(f->op, "((") == 0)
				shp_op_finish(p, f, f->op);
			return 0;
		}
		f->op[f->oplen] = '\0';
		shp_op_finish(p, f, f->op);
		return 1;
	case S_SQ:
		if (c == '\'')
			f->st = S_NORMAL;
		else
			shp_add(p, f, c, 1);
		return 0;
	case S_DQ:
		switch (c) {
		case '"':
			f->st = S_NORMAL;
			return 0;
		case '\\':
			f->st = S_DQ_ESC;
			return 0;
		case '$':
			f->ret = S_DQ;
			f->st = S_DOLLAR;
			return 0;
		case '`':
			if (f->kind == FK_BACKTICK) {
				f->wflags |= SHP_OPAQUE;
				shp_pop(p);
				return 0;
			}
			shp_add(p, f, '`', 0);
			shp_push(p, FK_BACKTICK);
			return 0;
		}
		shp_add(p, f, c, 1);
		return 0;
	case S_ESC:
		f->st = S_NORMAL;
		if (c == '\n')
			return 0;
		shp_word_begin(p, f);
		if (c == '`' && f->kind == FK_BACKTICK)
			f->wflags |= SHP_OPAQUE;
		shp_add(p, f, c, 1);
		return 0;
	case S_DQ_ESC:
		f->st = S_DQ;
		if (c == '\n')
			return 0;
		if (c != '$' && c != '`' && c != '"' && c != '\\')
			shp_add(p, f, '\\', 1);
		shp_add(p, f, c, 1);
		return 0;
	case S_ANSI:
		if (c == '\'')
			f->st = S_NORMAL;
		else if (c == '\\') {
			f->st = S_ANSI_ESC;
			f->esclen = 0;
		} else
			shp_add(p, f, c, 1);
		return 0;
	case S_ANSI_ESC:
		return shp_ansi_esc(p, f, c);
	case S_DOLLAR:
		return shp_dollar(p, f, c);
	case S_DOLLAR_PAREN:
		f->st = f->ret;
		if (c == '(') {
			shp_buf_add(p, &f->word, "$((", 3);
			shp_push(p, FK_ARITH);
			return 0;
		}
		shp_buf_add(p, &f->word, "$(", 2);
		shp_push(p, FK_CMDSUB);
		return 1;
	case S_VARNAME:
		if (isalnum(c) || c == '_') {
			shp_add(p, f, c, 0);
			return 0;
		}
		f->st = f->ret;
		return 1;
	case S_COMMENT:
		if (c == '\n') {
			f->st = S_NORMAL;
			return 1;
		}
		return 0;
	default:
		return shp_skip(p, f, c);
	}
}

/* Here-document lines after the newline that ends their command. */
static void
shp_heredoc_byte(struct shp *p, int c)
{
	struct shp_hd *h = &p->hd[p->hdpos];
	struct shp_redir *rd = &p->res->cmd[h->cmd].redir[h->redir];
	const char *line = p->hdline.s;

	if (c != '\n') {
		if (c != '\0' && buf_putc(&p->hdline, c) == -1)
			shp_stop(p, 0);
		return;
	}
	if (h->strip)
		while (*line == '\t')
			line++;
	if (strcmp(line, rd->target.s) != 0) {
		shp_buf_add(p, &p->hdbody, p->hdline.s, p->hdline.len);
		shp_buf_add(p, &p->hdbody, "\n", 1);
		buf_reset(&p->hdline);
		return;
	}
	buf_reset(&p->hdline);
	if (!(rd->target.flags & SHP_QUOTED) &&
	    (strchr(p->hdbody.s, '$') != NULL || strchr(p->hdbody.s, '`') != NULL))
		rd->body_flags = SHP_VAR | SHP_CMDSUB;
	rd->body = buf_detach(&p->hdbody, NULL);
	if (++p->hdpos == p->nhd) {
		p->hd_active = 0;
		p->hdpos = p->nhd = 0;
	}
}

/* Dispatch one byte, collecting the text of substitution frames. */
static void
shp_byte(struct shp *p, int c)
{
	struct shp_frame *f;
	int consumer;

	if (p->hd_active) {
		shp_heredoc_byte(p, c);
		if (p->depth > 0) {
			char ch = (char)c;

			shp_buf_add(p, &p->fr[p->depth].raw, &ch, 1);
		}
		return;
	}
	for (;;) {
		if (p->stopped)
			return;
		consumer = p->depth;
		f = &p->fr[consumer];
		if (!shp_byte1(p, f, c))
			break;
	}
	if (consumer > 0 && consumer <= p->depth && !p->stopped) {
		char ch = (char)c;

		shp_buf_add(p, &p->fr[consumer].raw, &ch, 1);
	}
}

/* A parser with an empty result. */
struct shp *
shp_new(void)
{
	struct shp *p = xcalloc(1, sizeof *p);
	struct shp_frame *f = &p->fr[0];

	p->res = xcalloc(1, sizeof *p->res);
	buf_init(&f->word, SHP_MAX_WORD);
	buf_init(&f->raw, SHP_MAX_WORD);
	f->kind = FK_TOP;
	f->st = S_NORMAL;
	f->cmd = -1;
	f->parent_cmd = -1;
	f->rpending = -1;
	f->rfd = -1;
	f->pipeline = p->npipeline = 1;
	buf_init(&p->hdline, SHP_MAX_WORD);
	buf_init(&p->hdbody, SHP_MAX_WORD);
	return p;
}

/* Feed bytes. */
void
shp_feed(struct shp *p, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && !p->stopped; i++)
		shp_byte(p, (unsigned char)s[i]);
}

/* Resolve what a frame's state means at end of input; 0 if it was complete. */
static int
shp_flush(struct shp *p, struct shp_frame *f)
{
	switch (f->st) {
	case S_NORMAL:
		return 0;
	case S_OP:
		f->op[f->oplen] = '\0';
		shp_op_finish(p, f, f->op);
		return 0;
	case S_DOLLAR:
		shp_add(p, f, '$', f->ret == S_DQ);
		f->st = f->ret;
		return f->st != S_NORMAL;
	case S_VARNAME:
		f->st = f->ret;
		return f->st != S_NORMAL;
	case S_ESC:
	case S_COMMENT:
		f->st = S_NORMAL;
		return 0;
	default:
		f->st = S_NORMAL;
		return 1;
	}
}

/* End of input: close what is open, return the result, free the parser. */
struct shp_result *
shp_finish(struct shp *p)
{
	struct shp_result *r = p->res;
	struct shp_redir *rd;
	int i;

	if (p->hd_active && !p->stopped) {
		/* a here-document may end at end of input (bash warns) */
		shp_heredoc_byte(p, '\n');
		while (p->hd_active) {
			rd = &r->cmd[p->hd[p->hdpos].cmd].redir[p->hd[p->hdpos].redir];
			rd->body = buf_detach(&p->hdbody, NULL);
			if (++p->hdpos == p->nhd)
				p->hd_active = 0;
		}
	}
	if (!p->stopped) {
		for (;;) {
			if (shp_flush(p, &p->fr[p->depth]))
				r->incomplete = 1;
			if (p->stopped)
				break;
			if (p->depth == 0) {
				shp_cmd_end(p, &p->fr[0], "");
				break;
			}
			r->incomplete = 1;
			if (shp_is_skip(&p->fr[p->depth]))
				p->fr[p->depth].st = S_SKIP;
			shp_pop(p);
		}
	}
	for (i = p->depth; i >= 0; i--) {
		buf_free(&p->fr[i].word);
		buf_free(&p->fr[i].raw);
	}
	buf_free(&p->hdline);
	buf_free(&p->hdbody);
	free(p->hd);
	free(p);
	return r;
}

/* Parse a whole string. */
struct shp_result *
shp_parse(const char *s, size_t n)
{
	struct shp *p = shp_new();

	shp_feed(p, s, n);
	return shp_finish(p);
}

/* Free a word's text. */
static void
shp_word_free(struct shp_word *w)
{
	free(w->s);
}

/* Release a result and everything in it. */
void
shp_result_free(struct shp_result *r)
{
	size_t i, j;
	struct shp_cmd *c;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncmd; i++) {
		c = &r->cmd[i];
		for (j = 0; j < c->nassign; j++)
			shp_word_free(&c->assign[j]);
		for (j = 0; j < c->argc; j++)
			shp_word_free(&c->argv[j]);
		for (j = 0; j < c->nredir; j++) {
			shp_word_free(&c->redir[j].target);
			free(c->redir[j].body);
		}
		free(c->assign);
		free(c->argv);
		free(c->redir);
	}
	free(r->cmd);
	free(r);
}
